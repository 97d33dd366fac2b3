# SPDX-License-Identifier: MIT
# direct.py - a multilang spout that emits direct: number i goes, on the
# default stream, to the i-th task of component "sink" in turn (even
# numbers tracked, odd ones not), as [i, task]; every tenth number also
# goes on stream "plain" with a grouping, and the task ids it is answered
# with must be tasks of "plain". Then one tracked emit direct to a task of
# "plain", which does not group DIRECT, and the spout is exhausted.
# Usage: python3 direct.py COUNT

import sys

import mlang

count = int(sys.argv[1])
conf, context = mlang.handshake()
owners = context["task->component"]
sinks = sorted(int(t) for t, c in owners.items() if c == "sink")
plain = sorted(int(t) for t, c in owners.items() if c == "plain")
assert sinks and plain, owners
nxt = 0
acked = 0
wrong_sent = False
said_done = False
while True:
    msg = mlang.read()
    cmd = msg["command"]
    if cmd == "next":
        if nxt < count:
            task = sinks[nxt % len(sinks)]
            emit = {"command": "emit", "task": task, "tuple": [nxt, task]}
            if nxt % 2 == 0:
                emit["id"] = "n%d" % nxt
            # A direct emit is not answered with task ids.
            mlang.send(emit)
            if nxt % 10 == 0:
                tasks = mlang.emit([nxt], stream="plain")
                assert len(tasks) == 1 and tasks[0] in plain, tasks
                mlang.log("plain %d went to task %d" % (nxt, tasks[0]))
            nxt += 1
        elif not wrong_sent:
            mlang.send({"command": "emit", "task": plain[0], "id": "wrong",
                        "tuple": [-1, plain[0]]})
            wrong_sent = True
        elif not said_done:
            mlang.send({"command": "exhausted"})
            said_done = True
    elif cmd == "ack":
        assert msg["id"].startswith("n"), msg
        acked += 1
        if acked == (count + 1) // 2:
            mlang.log("every tracked number acked")
    elif cmd == "fail":
        mlang.log("failed %s" % msg["id"], level=4)
    mlang.send({"command": "sync"})
