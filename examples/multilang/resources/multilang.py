# SPDX-License-Identifier: MIT
# multilang.py - the few functions a component needs to speak Storm's
# multilang protocol, standard library only: JSON messages on stdin and
# stdout, each followed by a line "end". (Scripts written for Storm with
# its storm.py run unchanged as well.)

import json
import os
import sys


def read():
    """The next message; exits when gale closes the input."""
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        line = line.rstrip("\n")
        if line == "end":
            return json.loads("\n".join(lines))
        lines.append(line)


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\nend\n")
    sys.stdout.flush()


def handshake():
    """Answers gale's first message with the pid; returns (conf, context)."""
    setup = read()
    open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
    send({"pid": os.getpid()})
    return setup["conf"], setup["context"]


def log(text):
    send({"command": "log", "msg": text})
