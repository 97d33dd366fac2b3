// SPDX-License-Identifier: MIT
// supervisor_cmd.c - `gale supervisor`: runs the workers of one machine.

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "workers/cli.h"
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

int
gale_cmd_supervisor(int argc, char **argv)
{
	static const char          *name  = "supervisor";
	static const struct option opts[] = {
		{ "nimbus", required_argument, NULL, 'n' },
		{ "slots", required_argument, NULL, 's' },
		{ "port-base", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "keys", required_argument, NULL, 'k' },
		{ "insecure", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gale_supervisor_opts o = {
		.host      = "127.0.0.1",
		.data_dir  = "gale-supervisor-data",
		.slots     = 4,
		.port_base = 6700,
	};
	const char *nimbus = NULL;
	int         c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			nimbus = optarg;
			break;
		case 's':
			if (!gale__cli_u32(
			        name, "--slots", optarg, 1, 1024, &o.slots)) {
				return GALE_EXIT_USAGE;
			}
			break;
		case 'p':
			if (!gale__cli_u32(name, "--port-base", optarg, 1, 65535,
			        &o.port_base)) {
				return GALE_EXIT_USAGE;
			}
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'd':
			o.data_dir = optarg;
			break;
		case 'k':
			o.keys_dir = optarg;
			break;
		case 'i':
			o.insecure = true;
			break;
		case 'h':
			gale__cli_print_usage(name, stdout);
			printf("  defaults: $GALE_NIMBUS or %s, 4 slots, 6700, "
			       "127.0.0.1, ./gale-supervisor-data\n",
			    GALE_NIMBUS_DEFAULT);
			return GALE_EXIT_OK;
		default:
			return gale__cli_bad_flag(name, c, argv);
		}
	}
	if (optind < argc) {
		return gale__cli_usage(
		    name, "unexpected argument '%s'", argv[optind]);
	}
	if (o.keys_dir != NULL && o.insecure) {
		return gale__cli_usage(
		    name, "--keys and --insecure exclude each other");
	}
	gale__log_init(name);
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
