# SPDX-License-Identifier: MIT
# mlang.py - a minimal multilang protocol helper for gale's tests, standard
# library only: JSON messages, each followed by a line "end".

import json
import os
import sys

_in = sys.stdin
_out = sys.stdout


def read():
    """Returns the next message, or exits when the input ends."""
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
    if need_task_ids:
        return read()
    return None


def once(name):
    """True the first time it is called with name in this directory."""
    try:
        fd = os.open("tripped-" + name, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True
