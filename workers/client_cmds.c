// SPDX-License-Identifier: MIT
// client_cmds.c - the client commands: submit, list, kill, activate,
// deactivate, rebalance and stats, each one request to nimbus.

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/cli.h"
#include "workers/client.h"
#include "workers/cluster_conf.h"
#include "workers/commands.h"
#include "workers/files.h"
#include "workers/spec.h"
#include "workers/stats_view.h"

// Every command gives up on nimbus within 5 s, connecting included.
#define CLIENT_TIMEOUT_MS 4500

// --keys and --config of the command being run: one command runs per
// process.
static const char *client_keys;
static const char *client_config;

// Sends req to the nimbus at ep and waits for the reply, up to timeout_ms.
static gale_err
client_call_one(const char *cmd, const char *ep, const char *keys,
    const gale_request *req, gale_reply *reply, int timeout_ms)
{
	gale_client *c = NULL;
	char         err[1024];
	if (gale_client_open(&c, ep, keys, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale %s: %s\n", cmd, err);
		return GALE_EINVAL;
	}
	gale_err rv = gale_client_call(c, req, reply, timeout_ms);
	if (rv != GALE_OK && rv != GALE_ETIMEDOUT) {
		fprintf(stderr, "gale %s: %s\n", cmd, gale_client_error(c));
	}
	gale_client_destroy(&c);
	return rv;
}

// Sends req to nimbus and waits for the reply. With several endpoints
// (comma-separated: --nimbus, $GALE_NIMBUS or nimbus.seeds), each gets
// its share of the time in turn until one answers. Returns 0 with *reply
// filled when nimbus accepted the request; otherwise prints one line (or
// nimbus's error lines) to stderr and returns 1.
static int
client_request(const char *cmd, const char *endpoint, const gale_request *req,
    gale_reply *reply)
{
	gale_cluster_conf conf;
	char              err[4096];
	memset(reply, 0, sizeof(*reply));
	if (gale__cluster_conf_load(&conf, client_config, err, sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale %s: %s\n", cmd, err);
		return 1;
	}
	const char *eps  = gale__cluster_conf_nimbus(&conf, endpoint);
	const char *keys = gale__cluster_conf_keys(&conf, client_keys);
	size_t      n    = 1;
	for (const char *p = eps; *p != '\0'; p++) {
		n += *p == ',';
	}
	gale_err    rv = GALE_ETIMEDOUT;
	const char *p  = eps;
	for (size_t i = 0; i < n && rv == GALE_ETIMEDOUT; i++) {
		char ep[512];
		snprintf(ep, sizeof(ep), "%.*s", (int) strcspn(p, ","), p);
		p += strcspn(p, ",");
		p += *p == ',';
		rv = client_call_one(cmd, ep, keys, req, reply,
		    CLIENT_TIMEOUT_MS / (int) n);
		// A standby names the leader; the next endpoint may be it.
		if (rv == GALE_OK && !reply->ok && i + 1 < n
		    && reply->error != NULL
		    && strstr(reply->error, " is a standby; ") != NULL) {
			gale_reply_fini(reply);
			memset(reply, 0, sizeof(*reply));
			rv = GALE_ETIMEDOUT;
		}
	}
	if (rv == GALE_ETIMEDOUT) {
		fprintf(stderr,
		    "gale %s: nimbus at %s did not answer within 5 s\n", cmd,
		    eps);
	}
	gale__cluster_conf_fini(&conf);
	if (rv != GALE_OK) {
		return 1;
	}
	if (!reply->ok) {
		const char *e = reply->error != NULL && reply->error[0]
		    ? reply->error
		    : "refused, without a reason";
		// Several lines are diagnostics that name their place.
		if (strchr(e, '\n') != NULL) {
			fprintf(stderr, "%s\n", e);
		} else {
			fprintf(stderr, "gale %s: %s\n", cmd, e);
		}
		gale_reply_fini(reply);
		return 1;
	}
	return 0;
}

// What a client command's flags said.
typedef struct client_args {
	const char *endpoint; // --nimbus, NULL when absent
	const char *arg;      // the one positional argument, NULL when absent
	bool        json;     // --json
	bool        has_wait; // --wait SECONDS
	uint32_t    wait_secs;
	bool        has_workers; // --workers N
	uint32_t    workers;
} client_args;

enum {
	CLIENT_OPT_NIMBUS = 256,
	CLIENT_OPT_SET,
	CLIENT_OPT_FILTER,
	CLIENT_OPT_JSON,
	CLIENT_OPT_WAIT,
	CLIENT_OPT_WORKERS,
	CLIENT_OPT_KEYS,
	CLIENT_OPT_CONFIG,
};

// The flags of every client command; each takes --nimbus and the ones
// named in its allowed list.
static const struct option client_options[] = {
	{ "nimbus", required_argument, NULL, CLIENT_OPT_NIMBUS },
	{ "set", required_argument, NULL, CLIENT_OPT_SET },
	{ "filter", required_argument, NULL, CLIENT_OPT_FILTER },
	{ "json", no_argument, NULL, CLIENT_OPT_JSON },
	{ "wait", required_argument, NULL, CLIENT_OPT_WAIT },
	{ "workers", required_argument, NULL, CLIENT_OPT_WORKERS },
	{ "keys", required_argument, NULL, CLIENT_OPT_KEYS },
	{ "config", required_argument, NULL, CLIENT_OPT_CONFIG },
	{ NULL, 0, NULL, 0 },
};

static bool
client_allows(const int *allowed, int opt)
{
	for (; *allowed != 0; allowed++) {
		if (*allowed == opt) {
			return true;
		}
	}
	return opt == CLIENT_OPT_NIMBUS || opt == CLIENT_OPT_KEYS
	    || opt == CLIENT_OPT_CONFIG;
}

// Parses argv (argv[0] is the command's name) with getopt_long: flags may
// come before and after the positional argument, of which there is at most
// one. --set goes into b. Returns -1 when the command may go on, else the
// exit code after printing why.
static int
client_parse(int argc, char **argv, const int *allowed, client_args *a,
    gale_spec_builder *b)
{
	const char *cmd = argv[0];
	memset(a, 0, sizeof(*a));
	opterr = 0;
	optind = 0; // a fresh scan, as glibc reads it
	int opt;
	while ((opt = getopt_long(argc, argv, ":", client_options, NULL))
	    != -1) {
		if (opt == ':') {
			return gale__cli_usage(
			    cmd, "%s needs a value", argv[optind - 1]);
		}
		if (opt == '?' || !client_allows(allowed, opt)) {
			return gale__cli_usage(
			    cmd, "unknown option '%s'", argv[optind - 1]);
		}
		switch (opt) {
		case CLIENT_OPT_NIMBUS:
			a->endpoint = optarg;
			break;
		case CLIENT_OPT_KEYS:
			client_keys = optarg;
			break;
		case CLIENT_OPT_CONFIG:
			client_config = optarg;
			break;
		case CLIENT_OPT_SET:
			if (gale_spec_builder_set(b, optarg) != GALE_OK) {
				fprintf(stderr,
				    "gale %s: --set takes KEY=VALUE, not "
				    "'%s'\n",
				    cmd, optarg);
				return GALE_EXIT_USAGE;
			}
			break;
		case CLIENT_OPT_FILTER:
			b->filter = optarg;
			break;
		case CLIENT_OPT_JSON:
			a->json = true;
			break;
		case CLIENT_OPT_WAIT:
			if (!gale__cli_u32(cmd, "--wait", optarg, 0, 86400,
			        &a->wait_secs)) {
				return GALE_EXIT_USAGE;
			}
			a->has_wait = true;
			break;
		case CLIENT_OPT_WORKERS:
			if (!gale__cli_u32(cmd, "--workers", optarg, 1, 4096,
			        &a->workers)) {
				return GALE_EXIT_USAGE;
			}
			a->has_workers = true;
			break;
		default:
			return gale__cli_usage(cmd, NULL);
		}
	}
	if (optind < argc) {
		a->arg = argv[optind++];
	}
	if (optind < argc) {
		return gale__cli_usage(
		    cmd, "unexpected argument '%s'", argv[optind]);
	}
	return -1;
}

// ---------------------------------------------------------------------
// submit
// ---------------------------------------------------------------------

int
gale_cmd_submit(int argc, char **argv)
{
	static const int  allowed[] = { CLIENT_OPT_SET, CLIENT_OPT_FILTER, 0 };
	client_args       args;
	gale_spec_builder b;
	gale_spec_builder_init(&b);
	int rc = client_parse(argc, argv, allowed, &args, &b);
	if (rc >= 0) {
		goto out;
	}
	const char *endpoint = args.endpoint;
	const char *file     = args.arg;
	if (file == NULL) {
		rc = gale__cli_usage("submit", "which file?");
		goto out;
	}
	rc                  = 1;
	gale_topology *topo = NULL;
	if (gale_spec_builder_load(&b, file, &topo) != GALE_OK) {
		goto out;
	}
	char err[1024];
	if (gale_files_ship_read(&b.spec, topo, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale submit: %s\n", err);
		gale_topology_destroy(&topo);
		goto out;
	}
	gale_topology_destroy(&topo);
	gale_request req = { .kind = GALE_REQ_SUBMIT };
	req.u.submit     = b.spec; // borrowed: not finalised here
	gale_reply reply;
	if (client_request("submit", endpoint, &req, &reply) == 0) {
		printf("submitted %s\n", b.spec.name);
		gale_reply_fini(&reply);
		rc = 0;
	}
out:
	gale_spec_builder_fini(&b);
	return rc;
}

// ---------------------------------------------------------------------
// list
// ---------------------------------------------------------------------

// Prints text, a NUL-terminated view, and frees it: 0, or 1 after saying
// that memory ran out.
static int
client_print(const char *cmd, char *text)
{
	if (text == NULL) {
		fprintf(stderr, "gale %s: out of memory\n", cmd);
		return 1;
	}
	size_t len = strlen(text);
	fputs(text, stdout);
	if (len == 0 || text[len - 1] != '\n') {
		fputc('\n', stdout);
	}
	free(text);
	return 0;
}

int
gale_cmd_list(int argc, char **argv)
{
	static const int allowed[] = { CLIENT_OPT_JSON, 0 };
	client_args      args;
	int              rc = client_parse(argc, argv, allowed, &args, NULL);
	if (rc >= 0) {
		return rc;
	}
	if (args.arg != NULL) {
		return gale__cli_usage(
		    "list", "unexpected argument '%s'", args.arg);
	}
	const char *endpoint = args.endpoint;
	bool        json     = args.json;
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command = (gale_command) { .kind = GALE_CMD_LIST, .name = "" };
	gale_reply r;
	if (client_request("list", endpoint, &req, &r) != 0) {
		return 1;
	}
	rc = client_print("list",
	    json ? gale_stats_view_list_json(r.topologies, r.ntopologies)
		 : gale_stats_view_list_table(r.topologies, r.ntopologies));
	gale_reply_fini(&r);
	return rc;
}

// ---------------------------------------------------------------------
// Commands on one topology
// ---------------------------------------------------------------------

// kill, activate, deactivate, rebalance and stats.
static int
client_topology_cmd(int argc, char **argv, gale_command_kind kind)
{
	static const int kill_opts[]      = { CLIENT_OPT_WAIT, 0 };
	static const int rebalance_opts[] = { CLIENT_OPT_WORKERS, 0 };
	static const int stats_opts[]     = { CLIENT_OPT_JSON, 0 };
	static const int no_opts[]        = { 0 };
	const char      *cmd              = argv[0];
	const int       *allowed          = kind == GALE_CMD_KILL ? kill_opts
		         : kind == GALE_CMD_REBALANCE               ? rebalance_opts
		         : kind == GALE_CMD_STATS                   ? stats_opts
		                                                    : no_opts;
	client_args      args;
	int              prc = client_parse(argc, argv, allowed, &args, NULL);
	if (prc >= 0) {
		return prc;
	}
	if (args.arg == NULL) {
		return gale__cli_usage(cmd, "which topology?");
	}
	if (kind == GALE_CMD_REBALANCE && !args.has_workers) {
		return gale__cli_usage(cmd, "--workers is required");
	}
	const char  *endpoint = args.endpoint;
	bool         json     = args.json;
	gale_command c        = { .kind = kind,
		       .name             = (char *) args.arg,
		       .workers          = args.workers,
		       .wait_secs        = args.wait_secs,
		       .has_wait         = args.has_wait };
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = c;
	gale_reply r;
	if (client_request(cmd, endpoint, &req, &r) != 0) {
		return 1;
	}
	int rc = 0;
	switch (kind) {
	case GALE_CMD_KILL:
		printf("killed %s\n", c.name);
		break;
	case GALE_CMD_ACTIVATE:
		printf("activated %s\n", c.name);
		break;
	case GALE_CMD_DEACTIVATE:
		printf("deactivated %s\n", c.name);
		break;
	case GALE_CMD_REBALANCE:
		printf("rebalancing %s to %u workers\n", c.name, c.workers);
		break;
	default:
		if (r.stats == NULL) {
			fprintf(stderr, "gale stats: nimbus sent no stats for %s\n",
			    c.name);
			rc = 1;
		} else {
			rc = client_print("stats",
			    json ? gale_stats_view_json(r.stats)
				 : gale_stats_view_table(r.stats, true));
		}
		break;
	}
	gale_reply_fini(&r);
	return rc;
}

int
gale_cmd_kill(int argc, char **argv)
{
	return client_topology_cmd(argc, argv, GALE_CMD_KILL);
}

int
gale_cmd_activate(int argc, char **argv)
{
	return client_topology_cmd(argc, argv, GALE_CMD_ACTIVATE);
}

int
gale_cmd_deactivate(int argc, char **argv)
{
	return client_topology_cmd(argc, argv, GALE_CMD_DEACTIVATE);
}

int
gale_cmd_rebalance(int argc, char **argv)
{
	return client_topology_cmd(argc, argv, GALE_CMD_REBALANCE);
}

int
gale_cmd_stats(int argc, char **argv)
{
	return client_topology_cmd(argc, argv, GALE_CMD_STATS);
}

// `gale errors NAME`: the errors nimbus keeps for the topology's
// components (the last few of each), newest first, as `storm get-errors`.
int
gale_cmd_errors(int argc, char **argv)
{
	static const int allowed[] = { CLIENT_OPT_JSON, 0 };
	client_args      args;
	int              rc = client_parse(argc, argv, allowed, &args, NULL);
	if (rc >= 0) {
		return rc;
	}
	if (args.arg == NULL) {
		return gale__cli_usage("errors", "which topology?");
	}
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = (gale_command) { .kind = GALE_CMD_STATS,
		   .name                          = (char *) args.arg };
	gale_reply r;
	if (client_request("errors", args.endpoint, &req, &r) != 0) {
		return 1;
	}
	if (r.stats == NULL) {
		fprintf(stderr, "gale errors: nimbus sent no stats for %s\n",
		    args.arg);
		gale_reply_fini(&r);
		return 1;
	}
	rc = client_print("errors",
	    args.json ? gale_stats_view_errors_json(r.stats)
		      : gale_stats_view_errors_table(r.stats));
	gale_reply_fini(&r);
	return rc;
}
