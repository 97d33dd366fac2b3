# SPDX-License-Identifier: MIT
# split.rb - a multilang bolt in Ruby, standard library only: splits each
# sentence on whitespace, emits one word per tuple anchored to it, reads
# the task ids it is answered with, then acks it.
# Usage: ruby split.rb

require "json"

$stdout.sync = true

# Messages that came while an emit waited for its task ids: gale sends a
# bolt several tuples without waiting (topology.shellbolt.max.pending),
# so a tuple may come before the answer; it is handed out next, in order.
$queued = []

# The next message: one queued first, else the JSON lines up to a line
# "end"; exits at the end of the input.
def read_msg
  return $queued.shift unless $queued.empty?
  read_wire
end

def read_wire
  lines = []
  loop do
    line = $stdin.gets
    exit 0 if line.nil?
    line = line.chomp
    return JSON.parse(lines.join("\n")) if line == "end"
    lines << line
  end
end

def send_msg(msg)
  $stdout.write(JSON.generate(msg) + "\nend\n")
end

setup = read_msg
File.open(File.join(setup["pidDir"], Process.pid.to_s), "w") {}
send_msg({ "pid" => Process.pid })
send_msg({ "command" => "log",
           "msg" => "split.rb ready, task #{setup["context"]["taskid"]}" })
loop do
  t = read_msg
  if t["task"] == -1 && t["stream"] == "__heartbeat"
    send_msg({ "command" => "sync" })
    next
  end
  t["tuple"][0].split.each do |w|
    send_msg({ "command" => "emit", "anchors" => [t["id"]], "tuple" => [w] })
    tasks = read_wire
    until tasks.is_a?(Array)
      $queued << tasks
      tasks = read_wire
    end
    raise "no task ids: #{tasks.inspect}" unless tasks.is_a?(Array) && !tasks.empty?
  end
  send_msg({ "command" => "ack", "id" => t["id"] })
end
