// SPDX-License-Identifier: MIT
// worker_cmd.c - `gale worker`: started by `gale local` or a supervisor.

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/worker.h"

// The bounds of --heartbeat-ms.
#define WORKER_CMD_HEARTBEAT_MIN 1
#define WORKER_CMD_HEARTBEAT_MAX 3600000

int
gale_cmd_worker(int argc, char **argv)
{
	static const char          *name  = "worker";
	static const struct option opts[] = {
		{ "controller", required_argument, NULL, 'c' },
		{ "index", required_argument, NULL, 'n' },
		{ "bind", required_argument, NULL, 'b' },
		{ "libdir", required_argument, NULL, 'l' },
		{ "heartbeat-ms", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gale_worker_opts o     = { .heartbeat_ms = 1000 };
	bool             index = false;
	int              c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.controller = optarg;
			break;
		case 'n':
			if (!gale__cli_u32(name, "--index", optarg, 0,
			        UINT32_MAX, &o.index)) {
				return GALE_EXIT_USAGE;
			}
			index = true;
			break;
		case 'b':
			o.bind_host = optarg;
			break;
		case 'l':
			o.libdir = optarg;
			break;
		case 'm':
			if (!gale__cli_u32(name, "--heartbeat-ms", optarg,
			        WORKER_CMD_HEARTBEAT_MIN,
			        WORKER_CMD_HEARTBEAT_MAX, &o.heartbeat_ms)) {
				return GALE_EXIT_USAGE;
			}
			break;
		case 'h':
			gale__cli_print_usage(name, stdout);
			return GALE_EXIT_OK;
		default:
			return gale__cli_bad_flag(name, c, argv);
		}
	}
	if (optind < argc) {
		return gale__cli_usage(
		    name, "unexpected argument '%s'", argv[optind]);
	}
	if (o.controller == NULL) {
		return gale__cli_usage(name, "--controller is required");
	}
	if (!index) {
		return gale__cli_usage(name, "--index is required");
	}
	char process[32];
	snprintf(process, sizeof(process), "worker %u", o.index);
	gale__log_init(process);
	// What components print (word_count's `print: true`) is a stream
	// that people and scripts watch: each line leaves when it is done.
	setvbuf(stdout, NULL, _IOLBF, 0);
	return gale_worker_run(&o);
}
