// SPDX-License-Identifier: MIT
// nimbus_cmd.c - `gale nimbus`: the master daemon of a cluster.

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "workers/cli.h"
#include "workers/cluster_conf.h"
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
		OPT_INSECURE,
		OPT_CONFIG,
		OPT_ZOOKEEPER
	};
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "supervisor-timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "zookeeper", required_argument, NULL, OPT_ZOOKEEPER },
		{ NULL, 0, NULL, 0 },
	};
	gale_nimbus_opts o           = { 0 };
	const char      *config      = NULL;
	const char      *zookeeper   = NULL;
	bool             has_timeout = false;
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
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_ZOOKEEPER:
			zookeeper = optarg;
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
			has_timeout = true;
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
	// The config file fills in what no flag said.
	gale_cluster_conf conf;
	char              err[4096];
	if (gale__cluster_conf_load(&conf, config, err, sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale nimbus: %s\n", err);
		return GALE_EXIT_USAGE;
	}
	gale__cluster_conf_warn(&conf, "nimbus");
	char data_dir[4096];
	if (o.listen == NULL) {
		o.listen = conf.nimbus_listen != NULL ? conf.nimbus_listen
		                                      : "tcp://127.0.0.1:6627";
	}
	if (o.data_dir == NULL && conf.local_dir != NULL) {
		snprintf(
		    data_dir, sizeof(data_dir), "%s/nimbus", conf.local_dir);
		o.data_dir = data_dir;
	} else if (o.data_dir == NULL) {
		o.data_dir = "gale-nimbus-data";
	}
	if (!has_timeout) {
		o.supervisor_timeout_secs = conf.has_timeout
		    ? conf.supervisor_timeout_secs
		    : 30;
	}
	o.zk = gale__cluster_conf_zk(&conf, zookeeper);
	if (o.keys_dir == NULL && !o.insecure) {
		o.keys_dir = conf.keys;
		o.insecure = conf.has_insecure && conf.insecure;
	}
	if (o.keys_dir != NULL && o.insecure) {
		fprintf(stderr,
		    "gale nimbus: %s: security.keys and security.insecure "
		    "exclude each other\n",
		    conf.path);
		gale__cluster_conf_fini(&conf);
		return GALE_EXIT_USAGE;
	}
	gale__log_init("nimbus");
	struct sigaction sa = { .sa_handler = nimbus_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	gale_nimbus *n = NULL;
	if (gale_nimbus_new(&n, &o, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale nimbus: %s\n", err);
		gale__cluster_conf_fini(&conf);
		return 1;
	}
	printf("nimbus listening on %s\n", gale_nimbus_endpoint(n));
	fflush(stdout);
	while (!nimbus_signalled && !gale_nimbus_lost(n)) {
		gale_nimbus_poll(n, 100);
	}
	int rc = gale_nimbus_lost(n) ? 1 : 0;
	GALE_INFO("stopping");
	gale_nimbus_destroy(&n);
	gale__cluster_conf_fini(&conf);
	return rc;
}
