# SPDX-License-Identifier: MIT
# split.py - a multilang bolt: splits each sentence on whitespace, emits
# one word per tuple anchored to it, then acks it. With an argument WORD it
# fails, once, the first sentence holding WORD (without emitting).
# Usage: python3 split.py [WORD]

import sys

import mlang

fail_word = sys.argv[1] if len(sys.argv) > 1 else None
conf, context = mlang.handshake()
mlang.log("split ready, task %d of %s" % (context["taskid"],
                                          context["componentid"]))
# A key of the component's own config, when it has one.
if "split.greeting" in conf:
    mlang.log("conf split.greeting=%s" % conf["split.greeting"])
while True:
    t = mlang.read()
    if t["task"] == -1 and t["stream"] == "__heartbeat":
        mlang.send({"command": "sync"})
        continue
    words = t["tuple"][0].split()
    if fail_word in words and mlang.once("fail-" + fail_word):
        mlang.log("failing %s" % t["id"])
        mlang.send({"command": "fail", "id": t["id"]})
        continue
    for w in words:
        tasks = mlang.emit([w], anchors=[t["id"]])
        assert isinstance(tasks, list) and tasks, tasks
    mlang.send({"command": "ack", "id": t["id"]})
