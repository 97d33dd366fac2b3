// SPDX-License-Identifier: MIT
// nimbus_cmd.c - `gale nimbus`: the master daemon of a cluster.

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/commands.h"
#include "workers/nimbus.h"

static volatile sig_atomic_t nimbus_signalled;

static void
nimbus_on_signal(int sig)
{
	(void) sig;
	nimbus_signalled = 1;
}

static int
nimbus_usage(void)
{
	fprintf(stderr,
	    "usage: gale nimbus [--listen ENDPOINT] [--data-dir DIR] "
	    "[--supervisor-timeout SECS]\n"
	    "  defaults: tcp://127.0.0.1:6627, ./gale-nimbus-data, 30\n");
	return 2;
}

int
gale_cmd_nimbus(int argc, char **argv)
{
	gale_nimbus_opts o = {
		.listen                  = "tcp://127.0.0.1:6627",
		.data_dir                = "gale-nimbus-data",
		.supervisor_timeout_secs = 30,
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc) {
			return nimbus_usage();
		}
		if (strcmp(a, "--listen") == 0) {
			o.listen = argv[++i];
		} else if (strcmp(a, "--data-dir") == 0) {
			o.data_dir = argv[++i];
		} else if (strcmp(a, "--supervisor-timeout") == 0) {
			char         *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || v < 1 || v > 86400) {
				fprintf(stderr,
				    "gale nimbus: --supervisor-timeout takes "
				    "1 "
				    "to 86400 seconds, not '%s'\n",
				    argv[i]);
				return 2;
			}
			o.supervisor_timeout_secs = (uint32_t) v;
		} else {
			return nimbus_usage();
		}
	}
	struct sigaction sa = { .sa_handler = nimbus_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	gale_nimbus *n = NULL;
	char         err[1024];
	if (gale_nimbus_new(&n, &o, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale nimbus: %s\n", err);
		return 1;
	}
	printf("nimbus listening on %s\n", gale_nimbus_endpoint(n));
	fflush(stdout);
	while (!nimbus_signalled) {
		gale_nimbus_poll(n, 100);
	}
	printf("nimbus: stopping\n");
	fflush(stdout);
	gale_nimbus_destroy(&n);
	return 0;
}
