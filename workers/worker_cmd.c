// SPDX-License-Identifier: MIT
// worker_cmd.c - `gale worker`: started by `gale local` or a supervisor.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/commands.h"
#include "workers/worker.h"

int
gale_cmd_worker(int argc, char **argv)
{
	gale_worker_opts o = { .heartbeat_ms = 1000 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc) {
			goto usage;
		}
		if (strcmp(a, "--controller") == 0) {
			o.controller = argv[++i];
		} else if (strcmp(a, "--index") == 0) {
			o.index = (uint32_t) strtoul(argv[++i], NULL, 10);
		} else if (strcmp(a, "--bind") == 0) {
			o.bind_host = argv[++i];
		} else if (strcmp(a, "--libdir") == 0) {
			o.libdir = argv[++i];
		} else if (strcmp(a, "--heartbeat-ms") == 0) {
			o.heartbeat_ms = (uint32_t) strtoul(argv[++i], NULL, 10);
		} else {
			goto usage;
		}
	}
	if (o.controller == NULL) {
		goto usage;
	}
	// What components print (word_count's `print: true`) is a stream
	// that people and scripts watch: each line leaves when it is done.
	setvbuf(stdout, NULL, _IOLBF, 0);
	return gale_worker_run(&o);
usage:
	fprintf(stderr,
	    "usage: gale worker --controller ENDPOINT --index N [--bind HOST] "
	    "[--libdir DIR]\n(started by gale local or a supervisor, not by "
	    "hand)\n");
	return 2;
}
