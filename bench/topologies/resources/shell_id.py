# SPDX-License-Identifier: MIT
# shell_id.py - a multilang bolt in Python for the benchmarks, standard
# library only: emits each input's values anchored to it, then acks it,
# as a Storm user's BasicBolt does. With --no-task-ids it does not ask
# for the task ids of each emit.

import json
import os
import sys

need = "--no-task-ids" not in sys.argv[1:]
rd = sys.stdin.readline
out = sys.stdout


# Tuples that came while an emit waited for its task ids (gale sends up
# to topology.shellbolt.max.pending without waiting), handed out next, as
# Storm's storm.py does.
queued = []


def read():
    if queued:
        return queued.pop(0)
    return read_one()


def read_one():
    lines = []
    while True:
        line = rd()
        if not line:
            sys.exit(0)
        if line == "end\n":
            return json.loads("".join(lines))
        lines.append(line)


def send(msg):
    out.write(json.dumps(msg) + "\nend\n")
    out.flush()


setup = read()
open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
send({"pid": os.getpid()})
while True:
    t = read()
    if t["task"] == -1:
        send({"command": "sync"})
        continue
    emit = {"command": "emit", "tuple": t["tuple"], "anchors": [t["id"]]}
    if need:
        send(emit)
        while True:  # the task ids
            m = read_one()
            if isinstance(m, list):
                break
            queued.append(m)
    else:
        emit["need_task_ids"] = False
        out.write(json.dumps(emit) + "\nend\n")
    send({"command": "ack", "id": t["id"]})
