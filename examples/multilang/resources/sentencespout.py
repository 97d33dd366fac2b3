# SPDX-License-Identifier: MIT
# sentencespout.py - a spout: emits each line of a file once, tracked by
# its line number, emits again the lines that fail, and then tells gale
# it has nothing new (so the topology ends by itself).
# Usage: python3 sentencespout.py FILE

import sys

import multilang

conf, context = multilang.handshake()
with open(sys.argv[1]) as f:
    lines = [line.rstrip("\n") for line in f if line.strip()]
failed = []
nxt = 0
told_done = False
while True:
    msg = multilang.read()
    command = msg["command"]
    if command == "next":
        if failed:
            i = failed.pop()
            multilang.send({"command": "emit", "id": i, "tuple": [lines[i]],
                            "need_task_ids": False})
        elif nxt < len(lines):
            multilang.send({"command": "emit", "id": nxt,
                            "tuple": [lines[nxt]], "need_task_ids": False})
            nxt += 1
        elif not told_done:
            multilang.send({"command": "exhausted"})
            told_done = True
    elif command == "fail":
        failed.append(msg["id"])
    multilang.send({"command": "sync"})
