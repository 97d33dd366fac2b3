// SPDX-License-Identifier: MIT
// main.c - the gale command: one binary, one subcommand per job.

#include <stdio.h>
#include <string.h>

#include "workers/commands.h"

typedef struct gale_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} gale_command;

static const gale_command commands[] = {
	{ "local", gale_cmd_local,
	    "local FILE [--set K=V]... [--duration S] [--stats-json PATH] "
	    "[--interval S] "
	    "[--log-replays]\n      run a topology on this machine" },
	{ "validate", gale_cmd_validate,
	    "validate FILE... [--set K=V]...\n      check topology files" },
	{ "worker", gale_cmd_worker,
	    "worker --controller ENDPOINT --index N\n      (started by gale "
	    "local or a supervisor)" },
	{ "nimbus", gale_cmd_nimbus,
	    "nimbus [--listen ENDPOINT] [--data-dir DIR] "
	    "[--supervisor-timeout SECS]\n      run the master of a cluster" },
	{ "supervisor", gale_cmd_supervisor,
	    "supervisor [--nimbus ENDPOINT] [--slots N] [--port-base P] "
	    "[--host NAME] [--data-dir DIR]\n      run the workers nimbus "
	    "assigns to this machine" },
	{ "submit", gale_cmd_submit,
	    "submit FILE [--set K=V]... [--nimbus ENDPOINT]\n      send a "
	    "topology to nimbus" },
	{ "list", gale_cmd_list,
	    "list [--json] [--nimbus ENDPOINT]\n      the topologies nimbus "
	    "knows" },
	{ "kill", gale_cmd_kill,
	    "kill NAME [--wait SECONDS] [--nimbus ENDPOINT]\n      "
	    "deactivate a topology, wait, then stop its workers" },
	{ "activate", gale_cmd_activate,
	    "activate NAME [--nimbus ENDPOINT]\n      let its spouts emit "
	    "again" },
	{ "deactivate", gale_cmd_deactivate,
	    "deactivate NAME [--nimbus ENDPOINT]\n      stop its spouts "
	    "emitting" },
	{ "rebalance", gale_cmd_rebalance,
	    "rebalance NAME --workers N [--nimbus ENDPOINT]\n      run it on "
	    "N workers" },
	{ "stats", gale_cmd_stats,
	    "stats NAME [--json] [--nimbus ENDPOINT]\n      its components' "
	    "counters, rates and latencies" },
	{ "monitor", gale_cmd_monitor,
	    "monitor NAME [--interval S] [--count N] [--nimbus ENDPOINT]\n"
	    "      its stats table, redrawn every S seconds (q quits)" },
	{ NULL, NULL, NULL },
};

static void
main_usage(FILE *f)
{
	fprintf(f, "usage: gale COMMAND [ARGS]\n\ncommands:\n");
	for (const gale_command *c = commands; c->name != NULL; c++) {
		fprintf(f, "  gale %s\n", c->usage);
	}
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		main_usage(stdout);
		return 0;
	}
	for (const gale_command *c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[1]) == 0) {
			return c->run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "gale: unknown command '%s'\n", argv[1]);
	main_usage(stderr);
	return 2;
}
