// SPDX-License-Identifier: MIT
// nimbus_state.c - nimbus's topologies: building them from their spec,
// their states, their assignments, and what heartbeats tell of them.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "topology/plan.h"
#include "topology/spec.h"
#include "workers/files.h"
#include "workers/nimbus_sched.h"
#include "workers/nimbus_state.h"
#include "workers/nimbus_store.h"
#include "workers/registry.h"
#include "workers/stats.h"

int64_t
gale__nimbus_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
gale__nimbus_mono_ms(void)
{
	return gale_now_ns() / 1000000u;
}

static char *
nimbus_strdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

// ---------------------------------------------------------------------
// Topologies
// ---------------------------------------------------------------------

void
gale__nimbus_worker_unplace(nim_worker *w)
{
	free(w->supervisor);
	free(w->host);
	w->supervisor = NULL;
	w->host       = NULL;
	w->port       = 0;
}

// Frees what was built from the spec: topology, plan, stats and arrays.
void
gale__nimbus_topo_free_runtime(nim_topo *t)
{
	for (uint32_t i = 0; t->w != NULL && i < t->nworkers; i++) {
		gale__nimbus_worker_unplace(&t->w[i]);
		free(t->w[i].tasks);
	}
	free(t->w);
	t->w = NULL;
	for (uint32_t k = 0; t->endpoints != NULL && k <= t->ntasks; k++) {
		free(t->endpoints[k]);
	}
	free(t->endpoints);
	free(t->finished);
	t->endpoints = NULL;
	t->finished  = NULL;
	gale_stats_destroy(&t->stats);
	gale_plan_destroy(&t->plan);
	gale_topology_destroy(&t->topo);
}

void
gale__nimbus_topo_destroy(nim_topo **tp)
{
	nim_topo *t = *tp;
	if (t == NULL) {
		return;
	}
	gale__nimbus_topo_free_runtime(t);
	gale_spec_fini(&t->spec);
	free(t->name);
	free(t->run_id);
	if (t->data_key != NULL) {
		memset(t->data_key, 0, strlen(t->data_key));
	}
	free(t->data_key);
	free(t->error);
	free(t);
	*tp = NULL;
}

bool
gale__nimbus_topo_live(const nim_topo *t)
{
	return t->state == TOPO_RUN || t->state == TOPO_DRAIN
	    || t->state == TOPO_STOP;
}

// States whose workers run and whose heartbeats count.
bool
gale__nimbus_topo_running(const nim_topo *t)
{
	return t->w != NULL
	    && (t->state == TOPO_RUN || t->state == TOPO_DRAIN
		|| t->state == TOPO_KILLING);
}

void
gale__nimbus_topo_set_error(nim_topo *t, const char *msg)
{
	free(t->error);
	t->error = nimbus_strdup(msg);
}

static void
topo_clear_placements(nim_topo *t)
{
	for (uint32_t i = 0; t->w != NULL && i < t->nworkers; i++) {
		gale__nimbus_worker_unplace(&t->w[i]);
	}
}

void
gale__nimbus_topo_enter(nim_topo *t, topo_state s)
{
	t->state    = s;
	t->phase_ms = gale__nimbus_wall_ms();
	t->save     = true;
	if (s == TOPO_KILLED || s == TOPO_FINISHED || s == TOPO_FAILED
	    || s == TOPO_STOP) {
		topo_clear_placements(t);
	}
}

void
gale__nimbus_topo_bump(nim_topo *t)
{
	t->generation++;
	t->changed = false;
	t->save    = true;
}

gale_topology_status
gale__nimbus_topo_status_of(const nim_topo *t)
{
	switch (t->state) {
	case TOPO_RUN:
		for (uint32_t i = 0; i < t->nworkers; i++) {
			if (!t->w[i].done && t->w[i].supervisor == NULL) {
				return GALE_STATUS_WAITING;
			}
		}
		return t->active ? GALE_STATUS_ACTIVE : GALE_STATUS_INACTIVE;
	case TOPO_DRAIN:
	case TOPO_STOP:
		return GALE_STATUS_REBALANCING;
	case TOPO_KILLING:
	case TOPO_KILLED:
		return GALE_STATUS_KILLED;
	case TOPO_FINISHED:
		return GALE_STATUS_FINISHED;
	case TOPO_FAILED:
		return GALE_STATUS_FAILED;
	default:
		return GALE_STATUS_UNKNOWN;
	}
}

const char *
gale__nimbus_topo_status(const nim_topo *t)
{
	return gale_topology_status_name(gale__nimbus_topo_status_of(t));
}

int64_t
gale__nimbus_topo_timeout_secs(const nim_topo *t)
{
	return t->topo != NULL ? gale_topology_config_i64(
		   t->topo, "topology.message.timeout.secs", 30)
			       : 30;
}

static void
diag_join(const gale_diag *d, char *out, size_t cap)
{
	size_t off = 0;
	out[0]     = '\0';
	for (size_t i = 0; i < d->n && off + 1 < cap; i++) {
		int k = snprintf(
		    out + off, cap - off, "%s%s", i ? "\n" : "", d->lines[i]);
		if (k < 0) {
			break;
		}
		off += (size_t) k;
	}
}

// Builds the topology, plan and stats of t->spec, and fresh worker,
// endpoint and finished arrays. On failure writes why into err.
gale_err
gale__nimbus_topo_build(
    const gale_nimbus *n, nim_topo *t, char *err, size_t errlen)
{
	char libdir[4096];
	snprintf(libdir, sizeof(libdir), "%s/libs/%s", n->data_dir, t->name);
	gale_diag d;
	gale_diag_init(&d);
	gale_err rv = gale_topology_from_spec(
	    &t->topo, &t->spec, libdir, gale__registry_resolver(), &d);
	if (rv != GALE_OK) {
		diag_join(&d, err, errlen);
		if (err[0] == '\0') {
			snprintf(err, errlen, "%s", gale_strerror(rv));
		}
		gale_diag_fini(&d);
		return rv;
	}
	gale_diag_fini(&d);
	int64_t nw = gale_topology_config_i64(t->topo, "topology.workers", 1);
	if (nw < 1 || nw > NIMBUS_MAX_WORKERS) {
		snprintf(err, errlen,
		    "topology.workers is %lld; nimbus runs 1 "
		    "to %d workers per topology",
		    (long long) nw, NIMBUS_MAX_WORKERS);
		return GALE_EINVAL;
	}
	t->nworkers     = (uint32_t) nw;
	int64_t nackers = gale_topology_config_i64(
	    t->topo, "topology.acker.executors", nw);
	rv = gale_plan_new(&t->plan, t->topo, t->nworkers, (uint32_t) nackers);
	if (rv != GALE_OK) {
		snprintf(err, errlen, "cannot plan the tasks: %s",
		    gale_strerror(rv));
		return rv;
	}
	t->ntasks    = gale_plan_ntasks(t->plan);
	t->w         = calloc(t->nworkers, sizeof(*t->w));
	t->endpoints = calloc(t->ntasks + 1, sizeof(*t->endpoints));
	t->finished  = calloc(t->ntasks + 1, sizeof(*t->finished));
	if (t->w == NULL || t->endpoints == NULL || t->finished == NULL) {
		goto oom;
	}
	for (uint32_t i = 0; i < t->nworkers; i++) {
		size_t k      = gale_plan_worker_tasks(t->plan, i, NULL, 0);
		t->w[i].tasks = calloc(k + 1, sizeof(uint32_t));
		if (t->w[i].tasks == NULL) {
			goto oom;
		}
		t->w[i].ntasks
		    = gale_plan_worker_tasks(t->plan, i, t->w[i].tasks, k);
	}
	if (gale_stats_new(&t->stats, t->name) != GALE_OK
	    || gale_stats_describe(t->stats, t->topo) != GALE_OK) {
		goto oom;
	}
	for (uint32_t c = 0; c < gale_plan_ncomponents(t->plan); c++) {
		gale_stats_add_component(t->stats,
		    gale_plan_component_id(t->plan, c),
		    gale_plan_component_is_spout(t->plan, c),
		    gale_plan_component_ntasks(t->plan, c));
	}
	return GALE_OK;
oom:
	snprintf(err, errlen, "out of memory");
	return GALE_ENOMEM;
}

// The assignment of t. Strings are borrowed from t; the arrays are owned
// and freed by gale__nimbus_assignment_release. With for_supervisors, workers
// that are done are shown on no supervisor, so that nobody starts them again.
gale_err
gale__nimbus_topo_assignment(
    const nim_topo *t, gale_assignment *a, bool for_supervisors)
{
	memset(a, 0, sizeof(*a));
	a->topology       = t->name;
	a->generation     = t->generation;
	a->spec           = t->spec;
	a->active         = t->active;
	a->run_id         = t->run_id;
	a->run_token      = t->run_token;
	a->trace_set      = t->trace_set;
	a->trace_rate     = t->trace_rate;
	a->data_key       = t->data_key;
	a->workers        = calloc(t->nworkers + 1, sizeof(*a->workers));
	a->endpoints      = calloc(t->ntasks + 1, sizeof(*a->endpoints));
	a->finished_tasks = calloc(t->ntasks + 1, sizeof(uint32_t));
	if (a->workers == NULL || a->endpoints == NULL
	    || a->finished_tasks == NULL) {
		free(a->workers);
		free(a->endpoints);
		free(a->finished_tasks);
		return GALE_ENOMEM;
	}
	for (uint32_t i = 0; i < t->nworkers && t->w != NULL; i++) {
		const nim_worker *w = &t->w[i];
		gale_worker_slot *s = &a->workers[i];
		bool              on
		    = w->supervisor != NULL && !(for_supervisors && w->done);
		s->index      = i;
		s->supervisor = on ? w->supervisor : "";
		s->host       = on && w->host ? w->host : "";
		s->port       = on ? w->port : 0;
		s->tasks      = w->tasks;
		s->ntasks     = w->ntasks;
	}
	a->nworkers = t->w != NULL ? t->nworkers : 0;
	for (uint32_t k = 1; t->endpoints != NULL && k <= t->ntasks; k++) {
		if (t->endpoints[k] != NULL) {
			a->endpoints[a->nendpoints].task = k;
			a->endpoints[a->nendpoints++].endpoint
			    = t->endpoints[k];
		}
		if (t->finished[k]) {
			a->finished_tasks[a->nfinished++] = k;
		}
	}
	return GALE_OK;
}

void
gale__nimbus_assignment_release(gale_assignment *a)
{
	free(a->workers);
	free(a->endpoints);
	free(a->finished_tasks);
	memset(a, 0, sizeof(*a));
}

// ---------------------------------------------------------------------
// Heartbeats
// ---------------------------------------------------------------------

nim_topo *
gale__nimbus_find(const gale_nimbus *n, const char *name)
{
	for (size_t i = 0; i < n->nt; i++) {
		if (strcmp(n->t[i]->name, name) == 0) {
			return n->t[i];
		}
	}
	return NULL;
}

static bool
topo_endpoints_known(const nim_topo *t)
{
	for (uint32_t k = 1; k <= t->ntasks; k++) {
		if (t->endpoints[k] == NULL) {
			return false;
		}
	}
	return true;
}

// After heartbeats: a new generation when endpoints or finished tasks
// changed and every endpoint is known; FINISHED when every worker is done.
void
gale__nimbus_topo_settle(nim_topo *t)
{
	if (!gale__nimbus_topo_running(t)) {
		return;
	}
	if (t->changed && topo_endpoints_known(t)) {
		gale__nimbus_topo_bump(t);
	}
	if (t->state == TOPO_KILLING) {
		return;
	}
	for (uint32_t i = 0; i < t->nworkers; i++) {
		if (!t->w[i].done) {
			return;
		}
	}
	GALE_INFO("topology '%s' finished", t->name);
	gale__nimbus_topo_enter(t, TOPO_FINISHED);
}

// Folds one worker's heartbeat, relayed by sup, into its topology.
void
gale__nimbus_fold(gale_nimbus *n, nim_sup *sup, const gale_heartbeat *hb)
{
	nim_topo *t = gale__nimbus_find(n, hb->topology);
	if (t == NULL || !gale__nimbus_topo_running(t)
	    || hb->worker_index >= t->nworkers) {
		return;
	}
	nim_worker *w   = &t->w[hb->worker_index];
	uint32_t    idx = hb->worker_index;
	if (w->supervisor == NULL || strcmp(w->supervisor, sup->id) != 0
	    || (hb->generation != 0 && hb->generation < w->placed_gen)) {
		return; // from a worker that ran this index before
	}
	if (w->pid != hb->pid) {
		w->pid = hb->pid;
	}
	if (hb->failed) {
		// Its counters and the errors of its tasks are kept first.
		if (hb->ntasks > 0) {
			(void) gale_stats_update(
			    t->stats, hb, sup->host, gale__nimbus_mono_ms());
		}
		char msg[1024];
		snprintf(msg, sizeof(msg), "worker %u: %s", idx,
		    hb->error[0] ? hb->error : "a task could not start");
		GALE_INFO("topology '%s' failed: %s", t->name, msg);
		gale__nimbus_topo_set_error(t, msg);
		gale__nimbus_topo_enter(t, TOPO_FAILED);
		return;
	}
	if (hb->error != NULL && hb->error[0] != '\0') {
		// A worker that keeps dying: the topology runs with errors,
		// and the last one is shown with it.
		char msg[1024];
		snprintf(msg, sizeof(msg), "worker %u: %s", idx, hb->error);
		if (t->error == NULL || strcmp(t->error, msg) != 0) {
			GALE_WARN("topology '%s': %s", t->name, msg);
			gale__nimbus_topo_set_error(t, msg);
		}
	}
	for (size_t i = 0; i < hb->nendpoints; i++) {
		uint32_t    task = hb->endpoints[i].task;
		const char *ep   = hb->endpoints[i].endpoint;
		if (task < 1 || task > t->ntasks || ep[0] == '\0'
		    || gale_plan_task_worker(t->plan, task) != idx) {
			continue;
		}
		if (t->endpoints[task] == NULL
		    || strcmp(t->endpoints[task], ep) != 0) {
			char *copy = strdup(ep);
			if (copy != NULL) {
				free(t->endpoints[task]);
				t->endpoints[task] = copy;
				t->changed         = true;
			}
		}
	}
	for (size_t i = 0; i < hb->ntasks; i++) {
		uint32_t task = hb->tasks[i].task;
		if (hb->tasks[i].finished && task >= 1 && task <= t->ntasks
		    && gale_plan_task_worker(t->plan, task) == idx
		    && !t->finished[task]) {
			t->finished[task] = true;
			t->changed        = true;
		}
	}
	if (hb->finished && !w->done) {
		w->done = true;
		t->save = true;
	}
	if (hb->ntasks > 0
	    && gale_stats_update(
		   t->stats, hb, sup->host, gale__nimbus_mono_ms())
		!= GALE_OK
	    && !t->stats_warned) {
		GALE_WARN(
		    "'%s': %s", t->name, gale_stats_last_error(t->stats));
		t->stats_warned = true;
	}
}

void
gale__nimbus_kill_now(nim_topo *t)
{
	GALE_INFO(
	    "topology '%s' killed: its workers are being stopped", t->name);
	gale__nimbus_topo_enter(t, TOPO_KILLED);
}

// Why t cannot take a command, or NULL when it can.
const char *
gale__nimbus_topo_refusal(const nim_topo *t, char *buf, size_t cap)
{
	if (t->state == TOPO_DRAIN || t->state == TOPO_STOP) {
		snprintf(
		    buf, cap, "topology '%s' is being rebalanced", t->name);
		return buf;
	}
	if (t->state != TOPO_RUN) {
		snprintf(buf, cap, "topology '%s' is not running (it is %s)",
		    t->name, gale__nimbus_topo_status(t));
		return buf;
	}
	return NULL;
}

gale_err
gale__nimbus_sup_assignments(
    const gale_nimbus *n, const nim_sup *sup, gale_reply *r)
{
	r->assignments = calloc(n->nt + 1, sizeof(*r->assignments));
	if (r->assignments == NULL) {
		return GALE_ENOMEM;
	}
	r->supervisor_timeout_secs = (uint32_t) (n->sup_timeout_ms / 1000u);
	for (size_t i = 0; i < n->nt; i++) {
		const nim_topo *t    = n->t[i];
		bool            mine = false;
		for (uint32_t k = 0;
		     gale__nimbus_topo_running(t) && k < t->nworkers; k++) {
			mine = mine
			    || (!t->w[k].done && t->w[k].supervisor != NULL
				&& strcmp(t->w[k].supervisor, sup->id) == 0);
		}
		if (mine
		    && gale__nimbus_topo_assignment(
			   t, &r->assignments[r->nassignments], true)
			== GALE_OK) {
			r->nassignments++;
		}
	}
	return GALE_OK;
}
