# SPDX-License-Identifier: MIT
# sentences.py - a multilang spout: emits each line of a file once as a
# tracked sentence (id: its line number), replays it when it fails, and
# says it is exhausted when every line went out.
# Usage: python3 sentences.py FILE

import sys

import mlang

conf, context = mlang.handshake()
lines = open(sys.argv[1]).read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
pending = {}
replay = []
nxt = 0
said_done = False
while True:
    msg = mlang.read()
    cmd = msg["command"]
    if cmd == "next":
        if replay:
            i = replay.pop()
            mlang.log("replay %d" % i)
            mlang.send({"command": "emit", "id": i, "tuple": [lines[i]],
                        "need_task_ids": False})
        elif nxt < len(lines):
            pending[nxt] = True
            mlang.send({"command": "emit", "id": nxt,
                        "tuple": [lines[nxt]]})
            tasks = mlang.read()
            assert isinstance(tasks, list), tasks
            nxt += 1
        elif not said_done:
            mlang.send({"command": "exhausted"})
            said_done = True
    elif cmd == "ack":
        pending.pop(msg["id"], None)
    elif cmd == "fail":
        mlang.log("failed %s" % msg["id"])
        replay.append(msg["id"])
    mlang.send({"command": "sync"})
