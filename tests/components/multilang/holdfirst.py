# SPDX-License-Identifier: MIT
# holdfirst.py - a multilang split bolt that keeps the first tuple it is
# given unacked while it acks 2 * MAX later ones, and holds the others
# until MAX are unacked, so that gale must use any free slot and send
# exactly MAX tuples (topology.shellbolt.max.pending) before it waits.
# Standard library only.
# Usage: python3 holdfirst.py MAX

import json
import os
import select
import sys

MAX = int(sys.argv[1])
buf = b""


def read(timeout):
    """The next message, or None when none came within timeout."""
    global buf
    while True:
        at = buf.find(b"\nend\n")
        if at >= 0:
            msg, buf = buf[:at], buf[at + 5:]
            return json.loads(msg)
        ready, _, _ = select.select([0], [], [], timeout)
        if not ready:
            return None
        chunk = os.read(0, 65536)
        if not chunk:
            sys.exit(0)
        buf += chunk


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\nend\n")
    sys.stdout.flush()


def log(text):
    send({"command": "log", "msg": text})


def done(t):
    for w in t["tuple"][0].split():
        send({"command": "emit", "tuple": [w], "anchors": [t["id"]],
              "need_task_ids": False})
    send({"command": "ack", "id": t["id"]})


setup = read(None)
open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
send({"pid": os.getpid()})
first = None  # the tuple kept unacked
released = False  # whether the first tuple was acked already
held = []  # the later tuples, acked once MAX are unacked
after_first = 0  # later tuples acked while the first was kept
said_full = False
checks = 10  # the times left to watch for a tuple past the limit


def unacked():
    return len(held) + (1 if first is not None else 0)


def flush(all_of_them):
    global first, released, after_first
    for t in held:
        done(t)
    if first is not None:
        after_first += len(held)
    del held[:]
    if first is not None and (all_of_them or after_first >= 2 * MAX):
        if not all_of_them:
            log("got %d more while holding the first" % after_first)
        done(first)
        first = None
        released = True


def take(t):
    global first
    if first is None and not released:
        first = t
    else:
        held.append(t)
    if unacked() > MAX:
        log("gale sent %d unacked tuples, more than %d" % (unacked(), MAX))


while True:
    t = read(1.0 if unacked() else None)
    if t is None:
        # The input paused (it ended): ack everything.
        flush(True)
        continue
    if t["task"] == -1 and t["stream"] == "__heartbeat":
        send({"command": "sync"})
        continue
    take(t)
    if unacked() >= MAX:
        # Gale must wait for an ack now: anything more it sends within
        # 0.2 s (watched the first few times) is past its limit.
        more = read(0.2) if checks > 0 else None
        checks -= 1
        if more is not None:
            take(more)
        elif not said_full:
            log("holding %d unacked" % MAX)
            said_full = True
        flush(False)
