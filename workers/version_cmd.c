// SPDX-License-Identifier: MIT
// version_cmd.c - `gale version`, as `storm version`: the release, and the
// protocol nimbus and supervisors must share.

#include <getopt.h>
#include <stdio.h>
#include <zmq.h>

#include "proto/control.h"
#include "workers/cli.h"
#include "workers/commands.h"

int
gale_cmd_version(int argc, char **argv)
{
	static const char         *name   = "version";
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			gale__cli_print_usage(name, stdout);
			return GALE_EXIT_OK;
		}
		return gale__cli_bad_flag(name, c, argv);
	}
	if (optind < argc) {
		return gale__cli_usage(
		    name, "unexpected argument '%s'", argv[optind]);
	}
	int major, minor, patch;
	zmq_version(&major, &minor, &patch);
	printf("gale %s\nprotocol %d\nlibzmq %d.%d.%d\n", GALE_VERSION,
	    GALE_CONTROL_PROTOCOL, major, minor, patch);
	return GALE_EXIT_OK;
}
