# SPDX-License-Identifier: MIT
# split.py - a multilang bolt: splits each sentence on whitespace, emits
# one word per tuple anchored to it, then acks it. With an argument WORD it
# fails, once, the first sentence holding WORD (without emitting); with
# error:WORD it reports an error (Storm's reportError) for every sentence
# holding WORD and splits it as any other.
# Usage: python3 split.py [WORD | error:WORD]

import json
import sys

import mlang

fail_word = sys.argv[1] if len(sys.argv) > 1 else None
error_word = None
if fail_word is not None and fail_word.startswith("error:"):
    error_word, fail_word = fail_word[len("error:"):], None
conf, context = mlang.handshake()
mlang.log("split ready, task %d of %s" % (context["taskid"],
                                          context["componentid"]))
# Its place in the topology, as the handshake's context gives it.
mlang.log("context " + json.dumps(
    {k: context[k] for k in ("source->stream->grouping",
                             "source->stream->fields",
                             "stream->target->grouping")},
    sort_keys=True, separators=(",", ":")))
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
    if error_word in words:
        mlang.send({"command": "error",
                    "msg": "split.py saw %s in a sentence" % error_word})
    for w in words:
        tasks = mlang.emit([w], anchors=[t["id"]])
        assert isinstance(tasks, list) and tasks, tasks
    mlang.send({"command": "ack", "id": t["id"]})
