// SPDX-License-Identifier: MIT
// nimbus_cmd.c - `gale nimbus`: the master daemon of a cluster.

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/nimbus.h"

static volatile sig_atomic_t nimbus_signalled;

static void
nimbus_on_signal(int sig)
{
	(void) sig;
	nimbus_signalled = 1;
}

int
gale_cmd_nimbus(int argc, char **argv)
{
	enum {
		OPT_LISTEN = 256,
		OPT_DATA_DIR,
		OPT_TIMEOUT,
		OPT_KEYS,
		OPT_INSECURE
	};
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "supervisor-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ NULL, 0, NULL, 0 },
	};
	gale_nimbus_opts o = {
		.listen                  = "tcp://127.0.0.1:6627",
		.data_dir                = "gale-nimbus-data",
		.supervisor_timeout_secs = 30,
	};
	opterr = 0;
	optind = 0; // a fresh scan, as glibc reads it
	int opt;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			o.listen = optarg;
			break;
		case OPT_DATA_DIR:
			o.data_dir = optarg;
			break;
		case OPT_KEYS:
			o.keys_dir = optarg;
			break;
		case OPT_INSECURE:
			o.insecure = true;
			break;
		case OPT_TIMEOUT:
			if (!gale__cli_u32("nimbus", "--supervisor-timeout",
			        optarg, 1, 86400, &o.supervisor_timeout_secs)) {
				return GALE_EXIT_USAGE;
			}
			break;
		case ':':
			return gale__cli_usage(
			    "nimbus", "%s needs a value", argv[optind - 1]);
		default:
			return gale__cli_usage(
			    "nimbus", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		return gale__cli_usage(
		    "nimbus", "unexpected argument '%s'", argv[optind]);
	}
	if (o.keys_dir != NULL && o.insecure) {
		return gale__cli_usage(
		    "nimbus", "--keys and --insecure exclude each other");
	}
	gale__log_init("nimbus");
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
	GALE_INFO("stopping");
	gale_nimbus_destroy(&n);
	return 0;
}
