// SPDX-License-Identifier: MIT
// supervisor_cmd.c - `gale supervisor`: runs the workers of one machine.

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/client.h"
#include "workers/commands.h"
#include "workers/supervisor.h"

static volatile sig_atomic_t supervisor_signalled;

static void
supervisor_on_signal(int sig)
{
	(void) sig;
	supervisor_signalled = 1;
}

static int
supervisor_usage(void)
{
	fprintf(stderr,
	    "usage: gale supervisor [--nimbus ENDPOINT] [--slots N] "
	    "[--port-base P] [--host NAME] [--data-dir DIR]\n"
	    "  defaults: $GALE_NIMBUS or %s, 4 slots, 6700, 127.0.0.1, "
	    "./gale-supervisor-data\n",
	    GALE_NIMBUS_DEFAULT);
	return 2;
}

static bool
supervisor_number(const char *s, unsigned long max, uint32_t *out)
{
	char         *end;
	unsigned long v = strtoul(s, &end, 10);
	if (s[0] == '\0' || s[0] == '-' || *end != '\0' || v < 1 || v > max) {
		return false;
	}
	*out = (uint32_t) v;
	return true;
}

int
gale_cmd_supervisor(int argc, char **argv)
{
	gale_supervisor_opts o = {
		.host      = "127.0.0.1",
		.data_dir  = "gale-supervisor-data",
		.slots     = 4,
		.port_base = 6700,
	};
	const char *nimbus = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc) {
			return supervisor_usage();
		}
		const char *v = argv[++i];
		if (strcmp(a, "--nimbus") == 0) {
			nimbus = v;
		} else if (strcmp(a, "--slots") == 0) {
			if (!supervisor_number(v, 1024, &o.slots)) {
				fprintf(stderr,
				    "gale supervisor: --slots takes 1 "
				    "to 1024, not '%s'\n",
				    v);
				return 2;
			}
		} else if (strcmp(a, "--port-base") == 0) {
			if (!supervisor_number(v, 65535, &o.port_base)) {
				fprintf(stderr,
				    "gale supervisor: --port-base "
				    "takes 1 to 65535, not '%s'\n",
				    v);
				return 2;
			}
		} else if (strcmp(a, "--host") == 0) {
			o.host = v;
		} else if (strcmp(a, "--data-dir") == 0) {
			o.data_dir = v;
		} else {
			return supervisor_usage();
		}
	}
	o.nimbus = gale_client_endpoint(nimbus);

	struct sigaction sa = { .sa_handler = supervisor_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	gale_supervisor *s = NULL;
	char             err[1024];
	if (gale_supervisor_new(&s, &o, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale supervisor: %s\n", err);
		return 1;
	}
	printf("supervisor %s: slots %u-%u on %s, workers report to %s, "
	       "nimbus %s\n",
	    gale_supervisor_id(s), o.port_base, o.port_base + o.slots - 1,
	    o.host, gale_supervisor_endpoint(s), o.nimbus);
	fflush(stdout);
	while (!supervisor_signalled) {
		gale_supervisor_poll(s, 100);
	}
	printf("supervisor: stopping its workers\n");
	fflush(stdout);
	gale_supervisor_destroy(&s);
	return 0;
}
