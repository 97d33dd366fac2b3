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
#include "workers/cluster_conf.h"
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
		{ "config", required_argument, NULL, 'c' },
		{ "zookeeper", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	gale_supervisor_opts o         = { 0 };
	const char          *nimbus    = NULL;
	const char          *config    = NULL;
	const char          *zookeeper = NULL;
	bool                 has_slots = false, has_base = false;
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
			has_slots = true;
			break;
		case 'p':
			if (!gale__cli_u32(name, "--port-base", optarg, 1, 65535,
			        &o.port_base)) {
				return GALE_EXIT_USAGE;
			}
			has_base = true;
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'd':
			o.data_dir = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'z':
			zookeeper = optarg;
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
	// The config file fills in what no flag said.
	gale_cluster_conf conf;
	char              err[4096];
	if (gale__cluster_conf_load(&conf, config, err, sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale supervisor: %s\n", err);
		return GALE_EXIT_USAGE;
	}
	gale__cluster_conf_warn(&conf, "supervisor");
	char data_dir[4096];
	if (o.data_dir == NULL && conf.local_dir != NULL) {
		snprintf(data_dir, sizeof(data_dir), "%s/supervisor",
		    conf.local_dir);
		o.data_dir = data_dir;
	} else if (o.data_dir == NULL) {
		o.data_dir = "gale-supervisor-data";
	}
	if (o.host == NULL) {
		o.host = conf.hostname != NULL ? conf.hostname : "127.0.0.1";
	}
	if (!has_slots) {
		o.slots = conf.has_ports ? conf.slots : 4;
	}
	if (!has_base) {
		o.port_base = conf.has_ports ? conf.port_base : 6700;
	}
	if (o.keys_dir == NULL && !o.insecure) {
		o.keys_dir = conf.keys;
		o.insecure = conf.has_insecure && conf.insecure;
	}
	gale__log_init(name);
	// Several endpoints are tried in turn, moving on from one that does
	// not answer or stands by.
	o.nimbus = gale__cluster_conf_nimbus(&conf, nimbus);
	o.zk     = gale__cluster_conf_zk(&conf, zookeeper);
	// With ZooKeeper and no endpoint given anywhere, the leader it names.
	const char *env = getenv("GALE_NIMBUS");
	if (o.zk.servers != NULL && nimbus == NULL && conf.nimbus_seeds == NULL
	    && (env == NULL || env[0] == '\0')) {
		o.nimbus = NULL;
	}

	struct sigaction sa = { .sa_handler = supervisor_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	gale_supervisor *s = NULL;
	if (gale_supervisor_new(&s, &o, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale supervisor: %s\n", err);
		gale__cluster_conf_fini(&conf);
		return 1;
	}
	printf("supervisor %s: slots %u-%u on %s, workers report to %s, "
	       "nimbus %s\n",
	    gale_supervisor_id(s), o.port_base, o.port_base + o.slots - 1,
	    o.host, gale_supervisor_endpoint(s),
	    o.nimbus != NULL ? o.nimbus : "from ZooKeeper");
	fflush(stdout);
	while (!supervisor_signalled) {
		gale_supervisor_poll(s, 100);
	}
	printf("supervisor: stopping its workers\n");
	fflush(stdout);
	gale_supervisor_destroy(&s);
	gale__cluster_conf_fini(&conf);
	return 0;
}
