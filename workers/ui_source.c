// SPDX-License-Identifier: MIT
// ui_source.c - the web UI's sources: nimbus over the control plane, and
// the controller of a `gale local` run.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/ui_source.h"

// A request to nimbus is given up on after this long: the UI serves on one
// thread, so a dead nimbus must not stall it for long.
#define UI_NIMBUS_TIMEOUT_MS 2000

// ---------------------------------------------------------------------
// nimbus
// ---------------------------------------------------------------------

static gale_err
cluster_call(gale_client *c, const gale_command *cmd, gale_reply *reply,
    char *why, size_t whylen)
{
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = *cmd;
	gale_err err = gale_client_call(c, &req, reply, UI_NIMBUS_TIMEOUT_MS);
	if (err == GALE_ETIMEDOUT) {
		snprintf(why, whylen, "nimbus did not answer within %d ms",
		    UI_NIMBUS_TIMEOUT_MS);
		return GALE_ETIMEDOUT;
	}
	if (err != GALE_OK) {
		snprintf(why, whylen, "%s", gale_client_error(c));
		return err;
	}
	if (!reply->ok) {
		snprintf(why, whylen, "%s",
		    reply->error != NULL ? reply->error : "refused");
		err = reply->error != NULL
			&& strncmp(reply->error, "no topology named", 17) == 0
		    ? GALE_ENOENT
		    : GALE_EINVAL;
		gale_reply_fini(reply);
		return err;
	}
	return GALE_OK;
}

static gale_err
cluster_list(void *arg, gale_topology_summary **out, size_t *n, char *why,
    size_t whylen)
{
	gale_command cmd = { .kind = GALE_CMD_LIST, .name = "" };
	gale_reply   r;
	gale_err     err
	    = cluster_call(*(gale_client **) arg, &cmd, &r, why, whylen);
	if (err != GALE_OK) {
		return err;
	}
	// The summaries change hands: the reply no longer owns them.
	*out          = r.topologies;
	*n            = r.ntopologies;
	r.topologies  = NULL;
	r.ntopologies = 0;
	gale_reply_fini(&r);
	return GALE_OK;
}

static gale_err
cluster_stats(void *arg, const char *name, gale_topology_stats *out, char *why,
    size_t whylen)
{
	gale_command cmd = { .kind = GALE_CMD_STATS, .name = (char *) name };
	gale_reply   r;
	gale_err     err
	    = cluster_call(*(gale_client **) arg, &cmd, &r, why, whylen);
	if (err != GALE_OK) {
		return err;
	}
	if (r.stats == NULL) {
		snprintf(why, whylen, "nimbus sent no stats");
		gale_reply_fini(&r);
		return GALE_EPROTO;
	}
	*out = *r.stats;
	memset(r.stats, 0, sizeof(*r.stats));
	gale_reply_fini(&r);
	return GALE_OK;
}

static gale_err
cluster_command(void *arg, const gale_command *cmd, char *why, size_t whylen)
{
	gale_reply r;
	gale_err   err
	    = cluster_call(*(gale_client **) arg, cmd, &r, why, whylen);
	if (err == GALE_OK) {
		gale_reply_fini(&r);
	}
	return err;
}

void
gale_ui_cluster_source(
    gale_ui_source *src, gale_client **client, const char *endpoint)
{
	*src = (gale_ui_source) {
		.arg     = client,
		.mode    = "cluster",
		.nimbus  = endpoint,
		.list    = cluster_list,
		.stats   = cluster_stats,
		.command = cluster_command,
	};
}

// ---------------------------------------------------------------------
// gale local
// ---------------------------------------------------------------------

static gale_topology_status
local_status(const gale_ui_local *l)
{
	if (gale_controller_error(l->c) != NULL) {
		return GALE_STATUS_FAILED;
	}
	if (gale_controller_finished(l->c)) {
		return GALE_STATUS_FINISHED;
	}
	if (l->killed) {
		return GALE_STATUS_KILLED;
	}
	return gale_controller_running(l->c) ? GALE_STATUS_ACTIVE
					     : GALE_STATUS_WAITING;
}

static gale_err
local_stats(void *arg, const char *name, gale_topology_stats *out, char *why,
    size_t whylen)
{
	gale_ui_local *l = arg;
	if (strcmp(name, l->topo->name) != 0) {
		snprintf(why, whylen, "no topology named '%s'", name);
		return GALE_ENOENT;
	}
	gale_stats *s = gale_controller_stats(l->c);
	gale_stats_set_status(s, gale_topology_status_name(local_status(l)),
	    (gale_now_ns() - l->start_ns) / 1000000000u);
	gale_err err
	    = gale_stats_report(s, gale_now_ns() / 1000000u, true, out);
	if (err != GALE_OK) {
		snprintf(why, whylen, "%s", gale_strerror(err));
	}
	return err;
}

static gale_err
local_list(void *arg, gale_topology_summary **out, size_t *n, char *why,
    size_t whylen)
{
	gale_ui_local      *l = arg;
	gale_topology_stats st;
	gale_err err = local_stats(arg, l->topo->name, &st, why, whylen);
	if (err != GALE_OK) {
		return err;
	}
	gale_topology_summary *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->name = strdup(l->topo->name)) == NULL) {
		free(t);
		gale_topology_stats_fini(&st);
		snprintf(why, whylen, "out of memory");
		return GALE_ENOMEM;
	}
	t->status      = st.status;
	t->uptime_secs = st.uptime_secs;
	t->workers     = gale_plan_nworkers(gale_controller_plan(l->c));
	t->tasks       = gale_plan_ntasks(gale_controller_plan(l->c));
	gale_topology_stats_fini(&st);
	*out = t;
	*n   = 1;
	return GALE_OK;
}

static gale_err
local_command(void *arg, const gale_command *cmd, char *why, size_t whylen)
{
	gale_ui_local *l = arg;
	if (strcmp(cmd->name, l->topo->name) != 0) {
		snprintf(why, whylen, "no topology named '%s'", cmd->name);
		return GALE_ENOENT;
	}
	switch (cmd->kind) {
	case GALE_CMD_ACTIVATE:
		gale_controller_set_active(l->c, true);
		return GALE_OK;
	case GALE_CMD_DEACTIVATE:
		gale_controller_set_active(l->c, false);
		return GALE_OK;
	case GALE_CMD_KILL:
		// As SIGINT: the run drains and exits.
		l->killed = true;
		gale_controller_stop(l->c);
		return GALE_OK;
	default:
		snprintf(why, whylen,
		    "gale local runs a fixed number of workers; rebalance "
		    "a topology on a cluster");
		return GALE_EINVAL;
	}
}

void
gale_ui_local_source(gale_ui_source *src, gale_ui_local *local,
    gale_controller *c, const gale_topology *topo)
{
	*local = (gale_ui_local) {
		.c = c, .topo = topo, .start_ns = gale_now_ns()
	};
	(void) gale_stats_describe(gale_controller_stats(c), topo);
	*src = (gale_ui_source) {
		.arg     = local,
		.mode    = "local",
		.nimbus  = "",
		.list    = local_list,
		.stats   = local_stats,
		.command = local_command,
	};
}
