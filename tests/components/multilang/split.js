// SPDX-License-Identifier: MIT
// split.js - a multilang bolt in Node.js, standard library only: splits
// each sentence on whitespace, emits one word per tuple anchored to it
// (without asking for task ids), then acks it.
// Usage: node split.js

"use strict";
const fs = require("fs");
const path = require("path");

let buffered = "";
let lines = [];

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + "\nend\n");
}

function handle(msg) {
  if (msg.pidDir !== undefined) {
    fs.closeSync(fs.openSync(path.join(msg.pidDir, String(process.pid)), "w"));
    send({ pid: process.pid });
    send({ command: "log", msg: "split.js ready, task " + msg.context.taskid });
    return;
  }
  if (msg.task === -1 && msg.stream === "__heartbeat") {
    send({ command: "sync" });
    return;
  }
  for (const w of msg.tuple[0].split(/[ \t\n\v\f\r]+/)) {
    if (w !== "") {
      send({ command: "emit", tuple: [w], anchors: [msg.id],
             need_task_ids: false });
    }
  }
  send({ command: "ack", id: msg.id });
}

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line === "end") {
      handle(JSON.parse(lines.join("\n")));
      lines = [];
    } else {
      lines.push(line);
    }
  }
});
process.stdin.on("end", () => process.exit(0));
