// SPDX-License-Identifier: MIT
// ui_cmd.c - `gale ui`: serves the web UI, the REST API and /metrics of a
// cluster, reading nimbus over the control plane.

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "workers/cli.h"
#include "workers/client.h"
#include "workers/cluster_conf.h"
#include "workers/commands.h"
#include "workers/ui.h"
#include "workers/ui_source.h"

static volatile sig_atomic_t ui_signalled;

static void
ui_on_signal(int sig)
{
	(void) sig;
	ui_signalled = 1;
}

int
gale_cmd_ui(int argc, char **argv)
{
	static const char         *name   = "ui";
	static const struct option opts[] = {
		{ "nimbus", required_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "actions", no_argument, NULL, 'a' },
		{ "keys", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *nimbus  = NULL;
	const char *keys    = NULL;
	const char *config  = NULL;
	const char *listen  = NULL; // else ui.host and ui.port of the file
	bool        actions = false;
	int         opt;
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			nimbus = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'a':
			actions = true;
			break;
		case 'k':
			keys = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'h':
			gale__cli_print_usage(name, stdout);
			return GALE_EXIT_OK;
		default:
			return gale__cli_bad_flag(name, opt, argv);
		}
	}
	if (optind < argc) {
		return gale__cli_usage(
		    name, "unexpected argument '%s'", argv[optind]);
	}
	gale__log_init(name);
	static gale_cluster_one one;
	char                    err[4096], why[256], host[64];
	uint16_t                port;
	if (gale__cluster_conf_one(
		config, nimbus, keys, listen, &one, err, sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale ui: %s\n", err);
		return GALE_EXIT_USAGE;
	}
	if (!gale_ui_parse_listen(
		one.ui_listen, host, sizeof(host), &port, why, sizeof(why))) {
		return gale__cli_usage(name, "%s: %s",
		    listen != NULL ? "--listen" : "ui.host and ui.port", why);
	}
	const char  *ep     = one.endpoint;
	const char  *kd     = one.keys_dir;
	gale_client *client = NULL;
	if (gale_client_open(&client, ep, kd[0] ? kd : NULL, why, sizeof(why))
	    != GALE_OK) {
		fprintf(stderr, "gale ui: %s\n", why);
		return 1;
	}
	gale_ui_source src;
	gale_ui_cluster_source(&src, &client, ep);
	gale_ui *ui = NULL;
	if (gale_ui_new(&ui, host, port, &src, actions, why, sizeof(why))
	    != GALE_OK) {
		fprintf(stderr, "gale ui: %s\n", why);
		gale_client_destroy(&client);
		return 1;
	}
	struct sigaction sa = { .sa_handler = ui_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "gale ui: serving http://%s:%u/ for nimbus %s%s\n",
	    host, (unsigned) gale_ui_port(ui), ep,
	    actions ? ", actions on" : "");
	fflush(stderr);
	while (!ui_signalled) {
		gale_ui_poll(ui, 200);
	}
	gale_ui_destroy(&ui);
	gale_client_destroy(&client);
	return 0;
}
