# SPDX-License-Identifier: MIT
# splitsentence.py - a bolt: emits each word of a sentence, anchored to
# it, then acks the sentence.

import multilang

conf, context = multilang.handshake()
multilang.log("splitting, task %d" % context["taskid"])
while True:
    t = multilang.read()
    if t["stream"] == "__heartbeat":
        multilang.send({"command": "sync"})
        continue
    for word in t["tuple"][0].split():
        multilang.send({"command": "emit", "anchors": [t["id"]],
                        "tuple": [word], "need_task_ids": False})
    multilang.send({"command": "ack", "id": t["id"]})
