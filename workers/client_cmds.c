// SPDX-License-Identifier: MIT
// client_cmds.c - the client commands: submit, list, kill, activate,
// deactivate, rebalance and stats, each one request to nimbus.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/client.h"
#include "workers/commands.h"
#include "workers/files.h"
#include "workers/spec.h"

// Every command gives up on nimbus within 5 s, connecting included.
#define CLIENT_TIMEOUT_MS 4500

// Sends req to nimbus and waits for the reply. Returns 0 with *reply
// filled when nimbus accepted the request; otherwise prints one line (or
// nimbus's error lines) to stderr and returns 1.
static int
client_request(const char *cmd, const char *endpoint, const gale_request *req,
    gale_reply *reply)
{
	gale_client *c  = NULL;
	const char  *ep = gale_client_endpoint(endpoint);
	memset(reply, 0, sizeof(*reply));
	if (gale_client_new(&c, ep) != GALE_OK) {
		fprintf(
		    stderr, "gale %s: bad nimbus endpoint '%s'\n", cmd, ep);
		return 1;
	}
	gale_err rv = gale_client_call(c, req, reply, CLIENT_TIMEOUT_MS);
	if (rv == GALE_ETIMEDOUT) {
		fprintf(stderr,
		    "gale %s: nimbus at %s did not answer within 5 s\n", cmd,
		    ep);
	} else if (rv != GALE_OK) {
		fprintf(stderr, "gale %s: %s\n", cmd, gale_client_error(c));
	}
	gale_client_destroy(&c);
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

// Takes "--nimbus ENDPOINT" out of argv: returns the endpoint (NULL when
// absent) and compacts the rest. -1 in *argc on a missing value.
static const char *
client_take_nimbus(int *argc, char **argv)
{
	const char *ep = NULL;
	int         k  = 0;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--nimbus") == 0) {
			if (i + 1 >= *argc) {
				*argc = -1;
				return NULL;
			}
			ep = argv[++i];
			continue;
		}
		argv[k++] = argv[i];
	}
	*argc = k;
	return ep;
}

static int
client_usage(const char *usage)
{
	fprintf(stderr, "usage: gale %s [--nimbus ENDPOINT]\n", usage);
	return 2;
}

// ---------------------------------------------------------------------
// submit
// ---------------------------------------------------------------------

int
gale_cmd_submit(int argc, char **argv)
{
	const char *usage    = "submit FILE [--set K=V]... [--filter FILE]";
	const char *endpoint = client_take_nimbus(&argc, argv);
	if (argc < 0) {
		return client_usage(usage);
	}
	const char       *file = NULL;
	gale_spec_builder b;
	gale_spec_builder_init(&b);
	int rc = 2;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--set") == 0 && i + 1 < argc) {
			if (gale_spec_builder_set(&b, argv[++i]) != GALE_OK) {
				fprintf(stderr,
				    "gale submit: --set takes KEY=VALUE, not "
				    "'%s'\n",
				    argv[i]);
				goto out;
			}
		} else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
			b.filter = argv[++i];
		} else if (argv[i][0] == '-' || file != NULL) {
			client_usage(usage);
			goto out;
		} else {
			file = argv[i];
		}
	}
	if (file == NULL) {
		client_usage(usage);
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

static void
client_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void
client_uptime(char *buf, size_t cap, uint64_t secs)
{
	uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
	if (h > 0) {
		snprintf(buf, cap, "%lluh%02llum%02llus",
		    (unsigned long long) h, (unsigned long long) m,
		    (unsigned long long) s);
	} else if (m > 0) {
		snprintf(buf, cap, "%llum%02llus", (unsigned long long) m,
		    (unsigned long long) s);
	} else {
		snprintf(buf, cap, "%llus", (unsigned long long) s);
	}
}

int
gale_cmd_list(int argc, char **argv)
{
	const char *usage    = "list [--json]";
	const char *endpoint = client_take_nimbus(&argc, argv);
	bool        json     = false;
	if (argc < 0) {
		return client_usage(usage);
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			return client_usage(usage);
		}
	}
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command = (gale_command) { .kind = GALE_CMD_LIST, .name = "" };
	gale_reply r;
	if (client_request("list", endpoint, &req, &r) != 0) {
		return 1;
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < r.ntopologies; i++) {
			const gale_topology_summary *t = &r.topologies[i];
			printf("%s{\"name\":", i ? "," : "");
			client_json_str(stdout, t->name);
			printf(",\"status\":");
			client_json_str(stdout, t->status);
			printf(",\"workers\":%u,\"tasks\":%u,\"uptime_secs\":%"
			       "llu}",
			    t->workers, t->tasks,
			    (unsigned long long) t->uptime_secs);
		}
		printf("]\n");
		gale_reply_fini(&r);
		return 0;
	}
	if (r.ntopologies == 0) {
		printf("no topologies\n");
		gale_reply_fini(&r);
		return 0;
	}
	int wname = (int) strlen("NAME"), wstat = (int) strlen("STATUS");
	for (size_t i = 0; i < r.ntopologies; i++) {
		int a = (int) strlen(r.topologies[i].name);
		int b = (int) strlen(r.topologies[i].status);
		wname = a > wname ? a : wname;
		wstat = b > wstat ? b : wstat;
	}
	printf("%-*s  %-*s  %7s  %7s  %10s\n", wname, "NAME", wstat, "STATUS",
	    "WORKERS", "TASKS", "UPTIME");
	for (size_t i = 0; i < r.ntopologies; i++) {
		const gale_topology_summary *t = &r.topologies[i];
		char                         up[32];
		client_uptime(up, sizeof(up), t->uptime_secs);
		printf("%-*s  %-*s  %7u  %7u  %10s\n", wname, t->name, wstat,
		    t->status, t->workers, t->tasks, up);
	}
	gale_reply_fini(&r);
	return 0;
}

// ---------------------------------------------------------------------
// Commands on one topology
// ---------------------------------------------------------------------

static bool
client_uint(const char *s, unsigned long max, uint32_t *out)
{
	char         *end;
	unsigned long v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || v > max) {
		return false;
	}
	*out = (uint32_t) v;
	return true;
}

// kill, activate, deactivate, rebalance and stats.
static int
client_topology_cmd(int argc, char **argv, gale_command_kind kind)
{
	const char  *cmd      = argv[0];
	const char  *usage    = kind == GALE_CMD_KILL
		? "kill NAME [--wait SECONDS]"
		: kind == GALE_CMD_REBALANCE ? "rebalance NAME --workers N"
		: kind == GALE_CMD_STATS     ? "stats NAME [--json]"
		: kind == GALE_CMD_ACTIVATE  ? "activate NAME"
					     : "deactivate NAME";
	const char  *endpoint = client_take_nimbus(&argc, argv);
	gale_command c        = { .kind = kind };
	bool         json     = false;
	bool         workers  = false;
	if (argc < 0) {
		return client_usage(usage);
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (kind == GALE_CMD_KILL && strcmp(a, "--wait") == 0
		    && i + 1 < argc) {
			if (!client_uint(argv[++i], 86400, &c.wait_secs)) {
				fprintf(stderr,
				    "gale kill: --wait takes 0 to "
				    "86400 seconds, not '%s'\n",
				    argv[i]);
				return 2;
			}
			c.has_wait = true;
		} else if (kind == GALE_CMD_REBALANCE
		    && strcmp(a, "--workers") == 0 && i + 1 < argc) {
			if (!client_uint(argv[++i], 4096, &c.workers)
			    || c.workers == 0) {
				fprintf(stderr,
				    "gale rebalance: --workers "
				    "takes 1 to 4096, not '%s'\n",
				    argv[i]);
				return 2;
			}
			workers = true;
		} else if (kind == GALE_CMD_STATS
		    && strcmp(a, "--json") == 0) {
			json = true;
		} else if (a[0] == '-' || c.name != NULL) {
			return client_usage(usage);
		} else {
			c.name = (char *) a;
		}
	}
	if (c.name == NULL || (kind == GALE_CMD_REBALANCE && !workers)) {
		return client_usage(usage);
	}
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = c;
	gale_reply r;
	if (client_request(cmd, endpoint, &req, &r) != 0) {
		return 1;
	}
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
	default: {
		const char *text = json ? r.stats_json : r.stats_table;
		size_t      len  = strlen(text);
		fputs(text, stdout);
		if (len == 0 || text[len - 1] != '\n') {
			fputc('\n', stdout);
		}
		break;
	}
	}
	gale_reply_fini(&r);
	return 0;
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
