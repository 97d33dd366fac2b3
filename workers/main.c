// SPDX-License-Identifier: MIT
// main.c - the gale command: one binary, one subcommand per job.

#include <stdio.h>
#include <string.h>

#include "workers/cli.h"

int
main(int argc, char **argv)
{
	if (argc < 2) {
		gale__cli_print_all(stderr);
		return GALE_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		gale__cli_print_all(stdout);
		return GALE_EXIT_OK;
	}
	const gale_cli_command *c = gale__cli_find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "gale: unknown command '%s'\n", argv[1]);
		gale__cli_print_all(stderr);
		return GALE_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
