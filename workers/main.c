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
	    "[--log-replays]\n      run a topology on this machine" },
	{ "validate", gale_cmd_validate,
	    "validate FILE... [--set K=V]...\n      check topology files" },
	{ "worker", gale_cmd_worker,
	    "worker --controller ENDPOINT --index N\n      (started by gale "
	    "local or a supervisor)" },
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
