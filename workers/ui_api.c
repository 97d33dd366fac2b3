// SPDX-License-Identifier: MIT
// ui_api.c - the web UI's REST API: Storm UI's /api/v1 documents, with
// Storm's field names where the meaning is the same, built from typed stats.

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/ui_api_impl.h"

static void
api_topology_summary(const gale_ui_source *src, gale_ui_response *r)
{
	gale_topology_summary *t;
	size_t                 n;
	if (!gale__api_list(src, &t, &n, r)) {
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(t[i].name));
		json_object_set_new(o, "encodedId", json_string(t[i].name));
		json_object_set_new(o, "name", json_string(t[i].name));
		json_object_set_new(o, "status",
		    json_string(gale_topology_status_name(t[i].status)));
		json_object_set_new(
		    o, "uptime", gale__api_pretty_json(t[i].uptime_secs));
		json_object_set_new(
		    o, "uptimeSeconds", gale__api_u64(t[i].uptime_secs));
		json_object_set_new(o, "tasksTotal", json_integer(t[i].tasks));
		json_object_set_new(
		    o, "executorsTotal", json_integer(t[i].tasks));
		json_object_set_new(
		    o, "workersTotal", json_integer(t[i].workers));
		json_array_append_new(arr, o);
	}
	gale__ui_summaries_free(t, n);
	gale__api_ok(r,
	    json_pack("{s:o, s:b}", "topologies", arr,
		"schedulerDisplayResource", 0));
}

// The hosts that run workers, with their worker counts: gale's
// supervisors as the workers' heartbeats show them.
static json_t *
api_hosts(const gale_ui_source *src, gale_topology_summary *t, size_t n)
{
	json_t *hosts = json_object();
	for (size_t i = 0; src->stats != NULL && i < n; i++) {
		gale_topology_stats st;
		char                why[64];
		if (src->stats(src->arg, t[i].name, &st, why, sizeof(why))
		    != GALE_OK) {
			continue;
		}
		for (size_t k = 0; k < st.nworkers; k++) {
			const char *h = st.workers[k].host;
			json_t     *v = json_object_get(hosts, h);
			json_object_set_new(hosts, h,
			    json_integer((v ? json_integer_value(v) : 0) + 1));
		}
		gale_topology_stats_fini(&st);
	}
	return hosts;
}

static void
api_cluster(const gale_ui_source *src, const char *what, gale_ui_response *r)
{
	gale_topology_summary *t;
	size_t                 n;
	if (!gale__api_list(src, &t, &n, r)) {
		return;
	}
	json_t *o = NULL;
	if (strcmp(what, "cluster/summary") == 0) {
		uint64_t tasks = 0, workers = 0;
		for (size_t i = 0; i < n; i++) {
			tasks += t[i].tasks;
			workers += t[i].workers;
		}
		json_t *hosts = api_hosts(src, t, n);
		o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b}",
		    "stormVersion", "gale 0.1.0", "mode", src->mode,
		    "supervisors", (json_int_t) json_object_size(hosts),
		    "topologies", (json_int_t) n, "slotsUsed",
		    (json_int_t) workers, "executorsTotal", (json_int_t) tasks,
		    "tasksTotal", (json_int_t) tasks,
		    "schedulerDisplayResource", 0);
		json_decref(hosts);
	} else if (strcmp(what, "nimbus/summary") == 0) {
		o = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "nimbuses", "host",
		    src->nimbus[0] ? src->nimbus : "local", "status", "Leader",
		    "version", "gale 0.1.0", "mode", src->mode);
	} else {
		json_t     *hosts = api_hosts(src, t, n);
		json_t     *arr   = json_array();
		const char *h;
		json_t     *v;
		json_object_foreach(hosts, h, v)
		{
			json_array_append_new(arr,
			    json_pack("{s:s, s:s, s:I}", "id", h, "host", h,
				"slotsUsed",
				(json_int_t) json_integer_value(v)));
		}
		json_decref(hosts);
		o = json_pack("{s:o, s:b}", "supervisors", arr,
		    "schedulerDisplayResource", 0);
	}
	gale__ui_summaries_free(t, n);
	gale__api_ok(r, o);
}

// ---------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------

// Splits path into at most cap segments at '/', in buf (cap bytes);
// returns the count, or 0 when it does not fit or has an empty segment.
static size_t
api_split(const char *path, char *buf, size_t bufcap, char **seg, size_t cap)
{
	size_t len = strlen(path);
	if (len == 0 || len >= bufcap) {
		return 0;
	}
	memcpy(buf, path, len + 1);
	size_t n = 0;
	for (char *p = buf;;) {
		char *slash = strchr(p, '/');
		if (slash != NULL) {
			*slash = '\0';
		}
		if (*p == '\0' || n == cap) {
			return 0;
		}
		seg[n++] = p;
		if (slash == NULL) {
			return n;
		}
		p = slash + 1;
	}
}

void
gale__ui_api_get(const gale_ui_source *src, const char *path,
    const char *window, const char *csrf, gale_ui_response *r)
{
	if (strcmp(path, "cluster/summary") == 0
	    || strcmp(path, "nimbus/summary") == 0
	    || strcmp(path, "supervisor/summary") == 0) {
		api_cluster(src, path, r);
		return;
	}
	if (strcmp(path, "topology/summary") == 0) {
		api_topology_summary(src, r);
		return;
	}
	int w = gale__api_window(window);
	if (w < 0) {
		gale__ui_error(r, 400,
		    "window must be 600, 10800, 86400 or :all-time, not '%s'",
		    window);
		return;
	}
	char   buf[1024];
	char  *seg[5];
	size_t n = api_split(path, buf, sizeof(buf), seg, 5);
	if (n >= 2 && strcmp(seg[0], "topology") == 0) {
		if (n == 2) {
			gale__api_topology(src, seg[1], w, csrf, r);
			return;
		}
		if (n == 4 && strcmp(seg[2], "component") == 0) {
			gale__api_component_page(src, seg[1], seg[3], w, r);
			return;
		}
		if (n == 3 && strcmp(seg[2], "graph") == 0) {
			gale__api_graph(src, seg[1], r);
			return;
		}
		if (n == 3
		    && (strcmp(seg[2], "replays") == 0
			|| strcmp(seg[2], "traces") == 0)) {
			gale__api_replays(src, seg[1], seg[2][0] == 't', r);
			return;
		}
	}
	gale__ui_error(r, 404, "no such API: /api/v1/%s", path);
}

// The numWorkers of a rebalance body, 0 when absent; false when the body
// is not JSON or numWorkers is not a positive integer.
static bool
api_num_workers(const char *body, size_t len, uint32_t *out)
{
	*out = 0;
	if (len == 0) {
		return true;
	}
	json_t *o = json_loadb(body, len, 0, NULL);
	if (o == NULL) {
		return false;
	}
	json_t *opts = json_object_get(o, "rebalanceOptions");
	json_t *n  = opts != NULL ? json_object_get(opts, "numWorkers") : NULL;
	bool    ok = true;
	if (n != NULL) {
		json_int_t v = json_is_integer(n) ? json_integer_value(n) : 0;
		ok           = v > 0 && v <= 65535;
		*out         = ok ? (uint32_t) v : 0;
	}
	json_decref(o);
	return ok;
}

// A wait time in seconds from a path segment.
static bool
api_wait(const char *s, uint32_t *out)
{
	char         *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v > 86400) {
		return false;
	}
	*out = (uint32_t) v;
	return true;
}

void
gale__ui_api_post(const gale_ui_source *src, const char *path,
    const char *body, size_t len, gale_ui_response *r)
{
	char   buf[1024];
	char  *seg[4];
	size_t n = api_split(path, buf, sizeof(buf), seg, 4);
	if (n < 3 || strcmp(seg[0], "topology") != 0) {
		gale__ui_error(r, 404, "no such action: /api/v1/%s", path);
		return;
	}
	gale_command cmd  = { .name = seg[1] };
	const char  *op   = seg[2];
	uint32_t     wait = 0;
	if (n == 3 && strcmp(op, "activate") == 0) {
		cmd.kind = GALE_CMD_ACTIVATE;
	} else if (n == 3 && strcmp(op, "deactivate") == 0) {
		cmd.kind = GALE_CMD_DEACTIVATE;
	} else if (n == 4 && strcmp(op, "kill") == 0
	    && api_wait(seg[3], &wait)) {
		cmd.kind      = GALE_CMD_KILL;
		cmd.wait_secs = wait;
		cmd.has_wait  = true;
	} else if (n == 4 && strcmp(op, "rebalance") == 0
	    && api_wait(seg[3], &wait)) {
		cmd.kind = GALE_CMD_REBALANCE;
		if (!api_num_workers(body, len, &cmd.workers)
		    || cmd.workers == 0) {
			gale__ui_error(r, 400,
			    "rebalance needs a body of "
			    "{\"rebalanceOptions\": {\"numWorkers\": N}}");
			return;
		}
	} else {
		gale__ui_error(r, 404, "no such action: /api/v1/%s", path);
		return;
	}
	if (src->command == NULL) {
		gale__ui_error(r, 501, "this server cannot %s topologies", op);
		return;
	}
	char     why[256] = "";
	gale_err err      = src->command(src->arg, &cmd, why, sizeof(why));
	if (err != GALE_OK) {
		gale__ui_error(r, gale__api_status_of(err),
		    "cannot %s '%s': %s", op, cmd.name,
		    why[0] ? why : gale_strerror(err));
		return;
	}
	gale__api_ok(r,
	    json_pack("{s:s, s:s, s:s}", "topologyOperation", op, "topologyId",
		cmd.name, "status", "success"));
}
