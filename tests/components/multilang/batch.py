# SPDX-License-Identifier: MIT
# batch.py - a multilang split bolt that acks in batches: it keeps the
# tuples it is given until it has 5 (or its input pauses for 0.2 s), then
# emits their words anchored to each and acks them newest first, so that
# gale must send several tuples without waiting and match acks to ids out
# of order. Standard library only.
# Usage: python3 batch.py

import json
import os
import select
import sys

BATCH = 5
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


setup = read(None)
open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
send({"pid": os.getpid()})
held = []


def flush():
    if len(held) == BATCH:
        send({"command": "log", "msg": "acking %d at once" % BATCH})
    for t in reversed(held):
        for w in t["tuple"][0].split():
            send({"command": "emit", "tuple": [w], "anchors": [t["id"]],
                  "need_task_ids": False})
        send({"command": "ack", "id": t["id"]})
    del held[:]


while True:
    t = read(0.2 if held else None)
    if t is None:
        flush()
        continue
    if t["task"] == -1 and t["stream"] == "__heartbeat":
        send({"command": "sync"})
        continue
    held.append(t)
    if len(held) == BATCH:
        flush()
