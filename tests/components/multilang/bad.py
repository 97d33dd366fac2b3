# SPDX-License-Identifier: MIT
# bad.py - a multilang split bolt that breaks the protocol once, on the
# first sentence it is given in its directory, in the way MODE says, and
# behaves as split.py afterwards (and in the process started after it).
# Usage: python3 bad.py MODE, MODE one of die, garbage, hang, undeclared,
# huge, baddirect (an emit direct to task -3).

import sys
import time

import mlang

mode = sys.argv[1]
conf, context = mlang.handshake()
while True:
    t = mlang.read()
    if t["task"] == -1 and t["stream"] == "__heartbeat":
        mlang.send({"command": "sync"})
        continue
    if mlang.once(mode):
        sys.stderr.write("bad.py: breaking the protocol: %s\n" % mode)
        sys.stderr.flush()
        if mode == "die":
            sys.exit(3)
        elif mode == "garbage":
            sys.stdout.write("this is not json\nend\n")
            sys.stdout.flush()
        elif mode == "hang":
            time.sleep(3600)
        elif mode == "undeclared":
            mlang.emit(["x"], anchors=[t["id"]], stream="nope")
        elif mode == "baddirect":
            mlang.send({"command": "emit", "task": -3, "tuple": ["x"],
                        "anchors": [t["id"]]})
        elif mode == "huge":
            sys.stdout.write("{\"command\": \"log\", \"msg\": \"")
            sys.stdout.write("x" * (10 * 1024 * 1024))
            sys.stdout.write("\"}\nend\n")
            sys.stdout.flush()
        # Whatever gale does next, this process is done with.
        time.sleep(3600)
    for w in t["tuple"][0].split():
        mlang.emit([w], anchors=[t["id"]], need_task_ids=False)
    mlang.send({"command": "ack", "id": t["id"]})
