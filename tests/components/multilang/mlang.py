# SPDX-License-Identifier: MIT
# mlang.py - a minimal multilang protocol helper for gale's tests, standard
# library only: JSON messages, each followed by a line "end".

import json
import os
import sys

_in = sys.stdin
_out = sys.stdout


# Messages that came while an emit waited for its task ids: a bolt is sent
# several tuples without waiting (topology.shellbolt.max.pending), so they
# may come before the answer, and are handed out next, in order, as Storm's
# storm.py does.
_queued = []


def read():
    """Returns the next message, or exits when the input ends."""
    if _queued:
        return _queued.pop(0)
    return _read()


def _read():
    lines = []
    while True:
        line = _in.readline()
        if not line:
            sys.exit(0)
        line = line.rstrip("\n")
        if line == "end":
            return json.loads("\n".join(lines))
        lines.append(line)


def send(msg):
    _out.write(json.dumps(msg))
    _out.write("\nend\n")
    _out.flush()


def handshake():
    """Answers the handshake; returns (conf, context)."""
    setup = read()
    pid = os.getpid()
    open(os.path.join(setup["pidDir"], str(pid)), "w").close()
    send({"pid": pid})
    return setup["conf"], setup["context"]


def log(text, level=2):
    send({"command": "log", "msg": text, "level": level})


def emit(values, anchors=None, stream=None, need_task_ids=True):
    """Emits; returns the task ids unless need_task_ids is false."""
    msg = {"command": "emit", "tuple": values}
    if anchors is not None:
        msg["anchors"] = anchors
    if stream is not None:
        msg["stream"] = stream
    if not need_task_ids:
        msg["need_task_ids"] = False
    send(msg)
    if not need_task_ids:
        return None
    while True:
        m = _read()
        if isinstance(m, list):
            return m
        _queued.append(m)


def once(name):
    """True the first time it is called with name in this directory."""
    try:
        fd = os.open("tripped-" + name, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True
