// SPDX-License-Identifier: MIT
// commands.h - the subcommands of the gale binary.
//
// Each takes the arguments after its own name (argv[0] is the subcommand)
// and returns the process exit code: 0 success, 1 failure, 2 usage error.

#ifndef GALE_WORKERS_COMMANDS_H
#define GALE_WORKERS_COMMANDS_H

int gale_cmd_local(int argc, char **argv);
int gale_cmd_validate(int argc, char **argv);
int gale_cmd_worker(int argc, char **argv);

// The cluster: daemons, and the client commands that talk to nimbus.
int gale_cmd_nimbus(int argc, char **argv);
int gale_cmd_supervisor(int argc, char **argv);
int gale_cmd_submit(int argc, char **argv);
int gale_cmd_list(int argc, char **argv);
int gale_cmd_kill(int argc, char **argv);
int gale_cmd_activate(int argc, char **argv);
int gale_cmd_deactivate(int argc, char **argv);
int gale_cmd_rebalance(int argc, char **argv);
int gale_cmd_stats(int argc, char **argv);

// The console: a live view of a topology running on a cluster.
int gale_cmd_monitor(int argc, char **argv);

// A Kafka mock cluster for development and tests.
int gale_cmd_dev_kafka(int argc, char **argv);
// The web UI, REST API and /metrics of a cluster; a topology's errors.
int gale_cmd_ui(int argc, char **argv);
int gale_cmd_errors(int argc, char **argv);
// Samples a cluster topology's tuple trees for a while and prints them.
int gale_cmd_trace(int argc, char **argv);
// The cluster's keys.
int gale_cmd_keygen(int argc, char **argv);
// The release and the protocol of this gale.
int gale_cmd_version(int argc, char **argv);
// A single-node ZooKeeper on loopback for development and tests.
int gale_cmd_dev_zookeeper(int argc, char **argv);

#endif // GALE_WORKERS_COMMANDS_H
