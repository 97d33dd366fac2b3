// SPDX-License-Identifier: MIT
// stats.c - the per-topology aggregate of worker heartbeats, and its views.

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/stats.h"
#include "workers/stats_meta.h"
#include "workers/stats_recent.h"
#include "workers/stats_view.h"

// Samples of a component's totals, for rates and capacity. Consecutive
// samples are kept at least STATS_SPACING_MS apart (a closer update replaces
// the newest one), so the ring always reaches back past the 10 s window.
#define STATS_RING 32
#define STATS_SPACING_MS 500

typedef struct stats_sample {
	uint64_t t_ms;
	uint64_t c[GALE_M_COUNT];
} stats_sample;

typedef struct stats_component {
	char         id[GALE_STATS_ID_MAX];
	bool         is_spout;
	uint32_t     ntasks;
	uint64_t     touched; // the update sequence number that last changed it
	stats_sample ring[STATS_RING];
	size_t       newest; // index of the newest sample in ring
	size_t       nsamples;
} stats_component;

// One task as heard from heartbeats. Counters are the totals of earlier
// processes (base) plus the latest snapshot of the current one (last).
// The replay records a topology's stats keep, the newest.
#define STATS_REPLAYS 64

typedef struct stats_task {
	uint32_t  id;
	size_t    comp;
	uint32_t  pid;
	uint64_t  base[GALE_M_COUNT];
	uint64_t  last[GALE_M_COUNT];
	uint64_t  peak; // the highest pending_peak ever reported
	gale_hist base_complete;
	gale_hist base_execute;
	gale_hist last_complete;
	gale_hist last_execute;
	bool      finished;
	bool      exhausted;
	uint32_t  replay_pid; // the process whose replay records were read
	uint64_t  replay_seq; // the newest record of it kept
	uint32_t  ngauges; // the latest snapshot's gauges
	gale_gauge_sample gauges[GALE_GAUGES_MAX];
} stats_task;

typedef struct stats_worker {
	uint32_t  index;
	char     *host;
	uint32_t  port;
	uint32_t  pid;
	uint64_t  uptime_ms;
	uint64_t  rss_bytes;
	uint64_t  last_ms;
	bool      finished;
	uint32_t *tasks;
	size_t    ntasks;
} stats_worker;

struct gale_stats {
	char            *topology;
	gale_topology_status status;
	uint64_t         uptime_secs;
	uint64_t         latest_ms; // the latest now_ms given to an update
	uint64_t         seq;       // counts updates, for stats_component.touched
	stats_component *comps;
	size_t           ncomps;
	size_t           comps_cap;
	stats_task     **tasks; // sorted by id
	size_t           ntasks;
	size_t           tasks_cap;
	stats_worker    *workers; // sorted by index
	size_t           nworkers;
	size_t           workers_cap;
	gale_stats_meta *meta; // streams, config and recent errors
	// The topology's recent fails: a ring, the newest at
	// (nreplays - 1) % STATS_REPLAYS.
	gale_replay_record replays[STATS_REPLAYS];
	uint64_t           nreplays;
	gale_stats_recent *recent; // recent traces and window buckets
	char             err[256];
};

gale_err
gale_stats_new(gale_stats **out, const char *topology)
{
	if (out == NULL || topology == NULL) {
		return GALE_EINVAL;
	}
	gale_stats *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return GALE_ENOMEM;
	}
	s->topology = strdup(topology);
	if (s->topology == NULL || gale__stats_meta_new(&s->meta) != GALE_OK
	    || gale__stats_recent_new(&s->recent) != GALE_OK) {
		gale__stats_meta_destroy(&s->meta);
		free(s->topology);
		free(s);
		return GALE_ENOMEM;
	}
	s->status = GALE_STATUS_UNKNOWN;
	*out      = s;
	return GALE_OK;
}

void
gale_stats_destroy(gale_stats **sp)
{
	if (sp == NULL || *sp == NULL) {
		return;
	}
	gale_stats *s = *sp;
	for (size_t i = 0; i < s->ntasks; i++) {
		free(s->tasks[i]);
	}
	free(s->tasks);
	for (size_t i = 0; i < s->nworkers; i++) {
		free(s->workers[i].host);
		free(s->workers[i].tasks);
	}
	free(s->workers);
	free(s->comps);
	free(s->topology);
	gale__stats_meta_destroy(&s->meta);
	gale__stats_recent_destroy(&s->recent);
	free(s);
	*sp = NULL;
}

const char *
gale_stats_last_error(const gale_stats *s)
{
	assert(s != NULL);
	return s->err;
}

static gale_err
stats_fail(gale_stats *s, gale_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err;
}

// Grows *arr (of elements of size sz) so it holds at least want of them.
static gale_err
stats_reserve(void **arr, size_t *cap, size_t want, size_t sz)
{
	if (want <= *cap) {
		return GALE_OK;
	}
	size_t ncap = *cap ? *cap : 8;
	while (ncap < want) {
		ncap *= 2;
	}
	void *p = realloc(*arr, ncap * sz);
	if (p == NULL) {
		return GALE_ENOMEM;
	}
	*arr = p;
	*cap = ncap;
	return GALE_OK;
}

static size_t
stats_find_component(const gale_stats *s, const char *id)
{
	for (size_t i = 0; i < s->ncomps; i++) {
		if (strcmp(s->comps[i].id, id) == 0) {
			return i;
		}
	}
	return SIZE_MAX;
}

// The position of task id in s->tasks, or where it would be inserted.
static size_t
stats_task_pos(const gale_stats *s, uint32_t id)
{
	size_t lo = 0;
	size_t hi = s->ntasks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->tasks[mid]->id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static stats_task *
stats_find_task(const gale_stats *s, uint32_t id)
{
	size_t i = stats_task_pos(s, id);
	if (i < s->ntasks && s->tasks[i]->id == id) {
		return s->tasks[i];
	}
	return NULL;
}

static size_t
stats_worker_pos(const gale_stats *s, uint32_t index)
{
	size_t i = 0;
	while (i < s->nworkers && s->workers[i].index < index) {
		i++;
	}
	return i;
}

gale_err
gale_stats_add_component(
    gale_stats *s, const char *id, bool is_spout, uint32_t ntasks)
{
	assert(s != NULL);
	if (id == NULL || id[0] == '\0') {
		return stats_fail(s, GALE_EINVAL, "component id is empty");
	}
	if (strlen(id) >= GALE_STATS_ID_MAX) {
		return stats_fail(s, GALE_EINVAL,
		    "component id '%.40s...' is longer than %d bytes", id,
		    GALE_STATS_ID_MAX - 1);
	}
	if (stats_find_component(s, id) != SIZE_MAX) {
		return stats_fail(
		    s, GALE_EEXIST, "component '%s' is declared twice", id);
	}
	if (stats_reserve((void **) &s->comps, &s->comps_cap, s->ncomps + 1,
	        sizeof(*s->comps)) != GALE_OK) {
		return stats_fail(s, GALE_ENOMEM,
		    "out of memory declaring component '%s'", id);
	}
	stats_component *c = &s->comps[s->ncomps];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, strlen(id) + 1);
	c->is_spout = is_spout;
	c->ntasks   = ntasks;
	s->ncomps++;
	return GALE_OK;
}

void
gale_stats_set_status(gale_stats *s, const char *status, uint64_t uptime_secs)
{
	assert(s != NULL);
	s->status = gale_topology_status_parse(status);
	s->uptime_secs = uptime_secs;
}

static int
stats_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *) a;
	uint32_t y = *(const uint32_t *) b;
	return (x > y) - (x < y);
}

// Checks the whole heartbeat against what is known, so that an update
// either applies entirely or not at all. Counts the tasks not seen before.
static gale_err
stats_check(gale_stats *s, const gale_heartbeat *hb, size_t *nnew)
{
	const unsigned w = hb->worker_index;
	if (hb->topology != NULL && strcmp(hb->topology, s->topology) != 0) {
		return stats_fail(s, GALE_EINVAL,
		    "heartbeat of worker %u is for topology '%.64s', not '%.64s'",
		    w, hb->topology, s->topology);
	}
	if (hb->ntasks > 0 && hb->tasks == NULL) {
		return stats_fail(s, GALE_EINVAL,
		    "heartbeat of worker %u counts %zu tasks but has none", w,
		    hb->ntasks);
	}
	*nnew = 0;
	for (size_t i = 0; i < hb->ntasks; i++) {
		const gale_task_snapshot *ts = &hb->tasks[i];
		if (memchr(ts->component, '\0', sizeof(ts->component)) ==
		    NULL) {
			return stats_fail(s, GALE_EINVAL,
			    "heartbeat of worker %u: task %u has an "
			    "unterminated component id",
			    w, (unsigned) ts->task);
		}
		size_t ci = stats_find_component(s, ts->component);
		if (ci == SIZE_MAX) {
			return stats_fail(s, GALE_ENOENT,
			    "heartbeat of worker %u: task %u belongs to "
			    "undeclared component '%.64s'",
			    w, (unsigned) ts->task, ts->component);
		}
		const stats_task *t = stats_find_task(s, ts->task);
		if (t == NULL) {
			(*nnew)++;
		} else if (t->comp != ci) {
			return stats_fail(s, GALE_EINVAL,
			    "heartbeat of worker %u: task %u is reported as "
			    "'%.64s', earlier as '%.64s'",
			    w, (unsigned) ts->task, ts->component,
			    s->comps[t->comp].id);
		}
	}
	if (hb->ntasks > 1) {
		uint32_t *ids = malloc(hb->ntasks * sizeof(*ids));
		if (ids == NULL) {
			return stats_fail(s, GALE_ENOMEM,
			    "out of memory reading the heartbeat of worker %u",
			    w);
		}
		for (size_t i = 0; i < hb->ntasks; i++) {
			ids[i] = hb->tasks[i].task;
		}
		qsort(ids, hb->ntasks, sizeof(*ids), stats_cmp_u32);
		for (size_t i = 1; i < hb->ntasks; i++) {
			if (ids[i] == ids[i - 1]) {
				unsigned dup = ids[i];
				free(ids);
				return stats_fail(s, GALE_EINVAL,
				    "heartbeat of worker %u reports task %u "
				    "twice",
				    w, dup);
			}
		}
		free(ids);
	}
	return GALE_OK;
}

// Folds one snapshot into its task. A new process, or counters that went
// backwards, start a new incarnation: what the old one counted moves into
// base, so totals never decrease.
static void
stats_fold(stats_task *t, const gale_task_snapshot *ts, uint32_t pid)
{
	bool restart = t->pid != pid;
	for (int k = 0; k < GALE_M_COUNT && !restart; k++) {
		if (!gale_metric_is_gauge((gale_metric) k) &&
		    ts->c[k] < t->last[k]) {
			restart = true;
		}
	}
	if (ts->complete.count < t->last_complete.count ||
	    ts->execute.count < t->last_execute.count) {
		restart = true;
	}
	if (restart) {
		for (int k = 0; k < GALE_M_COUNT; k++) {
			if (!gale_metric_is_gauge((gale_metric) k)) {
				t->base[k] += t->last[k];
			}
		}
		gale_hist_merge(&t->base_complete, &t->last_complete);
		gale_hist_merge(&t->base_execute, &t->last_execute);
	}
	memcpy(t->last, ts->c, sizeof(t->last));
	t->last_complete = ts->complete;
	t->last_execute  = ts->execute;
	if (ts->c[GALE_M_PENDING_PEAK] > t->peak) {
		t->peak = ts->c[GALE_M_PENDING_PEAK];
	}
	t->pid       = pid;
	t->finished  = ts->finished;
	t->exhausted = ts->exhausted;
	t->ngauges
	    = ts->ngauges < GALE_GAUGES_MAX ? ts->ngauges : GALE_GAUGES_MAX;
	memcpy(t->gauges, ts->gauges, t->ngauges * sizeof(t->gauges[0]));
}

// Keeps the heartbeat's replay records not kept yet: each task's records
// newer than the last one kept of its process.
static void
stats_keep_replays(gale_stats *s, const gale_heartbeat *hb)
{
	for (size_t i = 0; i < hb->nreplays; i++) {
		const gale_replay_record *r   = &hb->replays[i];
		size_t                    pos = stats_task_pos(s, r->task);
		if (pos >= s->ntasks || s->tasks[pos]->id != r->task) {
			continue;
		}
		stats_task *t = s->tasks[pos];
		if (t->replay_pid != hb->pid) {
			t->replay_pid = hb->pid;
			t->replay_seq = 0;
		}
		if (r->seq <= t->replay_seq) {
			continue;
		}
		t->replay_seq = r->seq;
		s->replays[s->nreplays++ % STATS_REPLAYS] = *r;
	}
}

// Keeps an error entry for task ts's callback that has not returned.
static void
stats_note_stuck(gale_stats *s, const gale_task_snapshot *ts,
    const char *host, uint32_t port)
{
	char why[160];
	snprintf(why, sizeof(why),
	    "stuck: its callback has not returned for %.1f s "
	    "(topology.executor.stuck.secs)",
	    (double) ts->c[GALE_M_STUCK_MS] / 1000.0);
	gale_component_error e = {
		.component = (char *) ts->component,
		.task      = ts->task,
		.time_secs = (uint64_t) time(NULL),
		.error     = why,
	};
	(void) gale__stats_meta_add_error(s->meta, &e, host, port);
}

static uint64_t
stats_task_total(const stats_task *t, int k)
{
	if (k == GALE_M_PENDING_PEAK) {
		return t->peak;
	}
	if (gale_metric_is_gauge((gale_metric) k)) {
		return t->last[k];
	}
	return t->base[k] + t->last[k];
}

static void
stats_sum_counters(const gale_stats *s, size_t ci, uint64_t c[GALE_M_COUNT])
{
	memset(c, 0, GALE_M_COUNT * sizeof(c[0]));
	for (size_t i = 0; i < s->ntasks; i++) {
		const stats_task *t = s->tasks[i];
		if (t->comp != ci) {
			continue;
		}
		for (int k = 0; k < GALE_M_COUNT; k++) {
			c[k] += stats_task_total(t, k);
		}
	}
}

static void
stats_sample_push(gale_stats *s, size_t ci, uint64_t now_ms)
{
	stats_component *c = &s->comps[ci];
	stats_sample     smp;
	stats_sum_counters(s, ci, smp.c);
	smp.t_ms = now_ms;
	if (c->nsamples > 0) {
		const stats_sample *nw = &c->ring[c->newest];
		if (smp.t_ms < nw->t_ms) {
			// The caller's clock must not go back; if it does, keep
			// sample times ordered.
			smp.t_ms = nw->t_ms;
		}
	}
	bool replace = false;
	if (c->nsamples >= 2) {
		size_t prev = (c->newest + STATS_RING - 1) % STATS_RING;
		replace = c->ring[c->newest].t_ms - c->ring[prev].t_ms <
		    STATS_SPACING_MS;
	}
	if (!replace) {
		c->newest = (c->newest + 1) % STATS_RING;
		if (c->nsamples < STATS_RING) {
			c->nsamples++;
		}
	}
	c->ring[c->newest] = smp;
}

// The window counters of components c[0 .. n - 1], into out.
static void
stats_window_counts(
    const gale_component_stats *c, size_t n, gale_window_counts *out)
{
	for (size_t i = 0; i < n; i++) {
		memcpy(out[i].id, c[i].id, sizeof(out[i].id));
		out[i].emitted         = c[i].c[GALE_M_EMITTED];
		out[i].transferred     = c[i].c[GALE_M_TRANSFERRED];
		out[i].executed        = c[i].c[GALE_M_EXECUTED];
		out[i].acked           = c[i].c[GALE_M_ACKED];
		out[i].failed          = c[i].c[GALE_M_FAILED];
		out[i].complete_sum_us = c[i].complete.sum_us;
		out[i].complete_count  = c[i].complete.count;
	}
}

static void stats_fill(const gale_stats *s, size_t ci, uint64_t now_ms,
    gale_component_stats *out);

// Records the current totals as the end of the bucket of s->latest_ms.
static gale_err
stats_close_bucket(gale_stats *s)
{
	size_t                n  = s->ncomps;
	gale_component_stats *cs = calloc(n ? n : 1, sizeof(*cs));
	gale_window_counts   *wc = calloc(n ? n : 1, sizeof(*wc));
	gale_err              rv = GALE_ENOMEM;
	if (cs != NULL && wc != NULL) {
		for (size_t ci = 0; ci < n; ci++) {
			stats_fill(s, ci, s->latest_ms, &cs[ci]);
		}
		stats_window_counts(cs, n, wc);
		rv = gale__stats_recent_close(s->recent, s->latest_ms, wc, n);
	}
	free(cs);
	free(wc);
	return rv;
}

gale_err
gale_stats_update(gale_stats *s, const gale_heartbeat *hb, const char *host,
    uint64_t now_ms)
{
	assert(s != NULL && hb != NULL);
	size_t   nnew = 0;
	gale_err err = stats_check(s, hb, &nnew);
	if (err != GALE_OK) {
		return err;
	}

	// Everything that can fail is allocated before anything changes.
	stats_task **fresh = NULL;
	uint32_t    *wtasks = NULL;
	char        *whost  = strdup(host != NULL ? host : "");
	if (nnew > 0) {
		fresh = calloc(nnew, sizeof(*fresh));
	}
	if (hb->ntasks > 0) {
		wtasks = malloc(hb->ntasks * sizeof(*wtasks));
	}
	bool ok = whost != NULL && (nnew == 0 || fresh != NULL) &&
	    (hb->ntasks == 0 || wtasks != NULL);
	for (size_t i = 0; ok && i < nnew; i++) {
		fresh[i] = calloc(1, sizeof(*fresh[i]));
		ok       = fresh[i] != NULL;
	}
	ok = ok &&
	    stats_reserve((void **) &s->tasks, &s->tasks_cap,
	        s->ntasks + nnew, sizeof(*s->tasks)) == GALE_OK;
	ok = ok &&
	    stats_reserve((void **) &s->workers, &s->workers_cap,
	        s->nworkers + 1, sizeof(*s->workers)) == GALE_OK;
	if (!ok) {
		for (size_t i = 0; fresh != NULL && i < nnew; i++) {
			free(fresh[i]);
		}
		free(fresh);
		free(wtasks);
		free(whost);
		return stats_fail(s, GALE_ENOMEM,
		    "out of memory folding the heartbeat of worker %u",
		    (unsigned) hb->worker_index);
	}

	if (gale__stats_recent_due(s->recent, s->latest_ms, now_ms)) {
		// The totals before this heartbeat end the latest bucket; a
		// bucket lost for want of memory only blurs the windows.
		(void) stats_close_bucket(s);
	}
	s->seq++;
	size_t used = 0;
	for (size_t i = 0; i < hb->ntasks; i++) {
		const gale_task_snapshot *ts = &hb->tasks[i];
		size_t      ci = stats_find_component(s, ts->component);
		size_t      pos = stats_task_pos(s, ts->task);
		stats_task *t   = NULL;
		if (pos < s->ntasks && s->tasks[pos]->id == ts->task) {
			t = s->tasks[pos];
		} else {
			t       = fresh[used++];
			t->id   = ts->task;
			t->comp = ci;
			t->pid  = hb->pid;
			memmove(&s->tasks[pos + 1], &s->tasks[pos],
			    (s->ntasks - pos) * sizeof(*s->tasks));
			s->tasks[pos] = t;
			s->ntasks++;
		}
		// A stuck callback becomes one error per episode: when the
		// gauge turns non-zero.
		if (ts->c[GALE_M_STUCK_MS] > 0 && t->last[GALE_M_STUCK_MS] == 0) {
			stats_note_stuck(s, ts, host, hb->port);
		}
		stats_fold(t, ts, hb->pid);
		s->comps[ci].touched = s->seq;
		wtasks[i]            = ts->task;
	}
	assert(used == nnew);
	free(fresh);

	size_t wi = stats_worker_pos(s, hb->worker_index);
	if (wi == s->nworkers || s->workers[wi].index != hb->worker_index) {
		memmove(&s->workers[wi + 1], &s->workers[wi],
		    (s->nworkers - wi) * sizeof(*s->workers));
		memset(&s->workers[wi], 0, sizeof(s->workers[wi]));
		s->workers[wi].index = hb->worker_index;
		s->nworkers++;
	}
	stats_worker *w = &s->workers[wi];
	free(w->host);
	free(w->tasks);
	if (hb->ntasks > 1) {
		qsort(wtasks, hb->ntasks, sizeof(*wtasks), stats_cmp_u32);
	}
	w->host      = whost;
	w->tasks     = wtasks;
	w->ntasks    = hb->ntasks;
	w->port      = hb->port;
	w->pid       = hb->pid;
	w->uptime_ms = hb->uptime_ms;
	w->rss_bytes = hb->rss_bytes;
	w->finished  = hb->finished;
	w->last_ms   = now_ms;

	for (size_t ci = 0; ci < s->ncomps; ci++) {
		if (s->comps[ci].touched == s->seq) {
			stats_sample_push(s, ci, now_ms);
		}
	}
	if (now_ms > s->latest_ms) {
		s->latest_ms = now_ms;
	}
	stats_keep_replays(s, hb);
	gale__stats_recent_traces(s->recent, hb);
	s->err[0] = '\0';
	// The counters are in; an error that cannot be kept for want of
	// memory is only missing from the views.
	for (size_t i = 0; i < hb->nerrors; i++) {
		(void) gale__stats_meta_add_error(
		    s->meta, &hb->errors[i], host, hb->port);
	}
	return GALE_OK;
}

gale_err
gale_stats_describe(gale_stats *s, const gale_topology *t)
{
	assert(s != NULL && t != NULL);
	return gale__stats_meta_describe(s->meta, t);
}

gale_err
gale_stats_add_error(gale_stats *s, const gale_component_error *e)
{
	assert(s != NULL && e != NULL);
	return gale__stats_meta_add_error(s->meta, e, NULL, 0);
}

// Rates and capacity of a component between its newest sample and the
// oldest one at most 10 s older than now_ms.
static void
stats_window(const stats_component *c, uint64_t now_ms, double *capacity,
    double rate[GALE_M_COUNT])
{
	*capacity = 0.0;
	for (int k = 0; k < GALE_M_COUNT; k++) {
		rate[k] = 0.0;
	}
	if (c->nsamples < 2) {
		return;
	}
	const stats_sample *nw     = &c->ring[c->newest];
	const stats_sample *oldest = NULL;
	for (size_t back = c->nsamples; back-- > 0;) {
		const stats_sample *smp =
		    &c->ring[(c->newest + STATS_RING - back) % STATS_RING];
		if (smp->t_ms >= now_ms ||
		    now_ms - smp->t_ms <= GALE_STATS_WINDOW_MS) {
			oldest = smp;
			break;
		}
	}
	if (oldest == NULL || oldest == nw || nw->t_ms <= oldest->t_ms) {
		return;
	}
	double dt_ms = (double) (nw->t_ms - oldest->t_ms);
	for (int k = 0; k < GALE_M_COUNT; k++) {
		if (gale_metric_is_gauge((gale_metric) k) ||
		    nw->c[k] < oldest->c[k]) {
			continue;
		}
		rate[k] = (double) (nw->c[k] - oldest->c[k]) * 1000.0 / dt_ms;
	}
	if (c->ntasks > 0 &&
	    nw->c[GALE_M_BUSY_NS] >= oldest->c[GALE_M_BUSY_NS]) {
		double busy =
		    (double) (nw->c[GALE_M_BUSY_NS] - oldest->c[GALE_M_BUSY_NS]);
		double cap = busy / (dt_ms * 1e6 * (double) c->ntasks);
		if (!(cap >= 0.0)) {
			cap = 0.0;
		}
		*capacity = cap > 1.0 ? 1.0 : cap;
	}
}

static void
stats_fill(const gale_stats *s, size_t ci, uint64_t now_ms,
    gale_component_stats *out)
{
	const stats_component *c = &s->comps[ci];
	memset(out, 0, sizeof(*out));
	memcpy(out->id, c->id, sizeof(out->id));
	out->is_spout = c->is_spout;
	out->tasks    = c->ntasks;
	for (size_t i = 0; i < s->ntasks; i++) {
		const stats_task *t = s->tasks[i];
		if (t->comp != ci) {
			continue;
		}
		for (int k = 0; k < GALE_M_COUNT; k++) {
			out->c[k] += stats_task_total(t, k);
		}
		gale_hist_merge(&out->complete, &t->base_complete);
		gale_hist_merge(&out->complete, &t->last_complete);
		gale_hist_merge(&out->execute, &t->base_execute);
		gale_hist_merge(&out->execute, &t->last_execute);
		out->reporting++;
		out->finished += t->finished ? 1 : 0;
		out->exhausted += t->exhausted ? 1 : 0;
	}
	stats_window(c, now_ms, &out->capacity, out->rate);
}

size_t
gale_stats_components(
    const gale_stats *s, gale_component_stats *out, size_t cap)
{
	assert(s != NULL);
	assert(out != NULL || cap == 0);
	for (size_t ci = 0; ci < s->ncomps && ci < cap; ci++) {
		stats_fill(s, ci, s->latest_ms, &out[ci]);
	}
	return s->ncomps;
}

// Fills *out with worker w as it last reported, its heartbeat's age at
// now_ms, and the indexes of the components its tasks belong to.
static gale_err
stats_report_worker(const gale_stats *s, const stats_worker *w,
    uint64_t now_ms, gale_worker_stats *out)
{
	out->index            = w->index;
	out->port             = w->port;
	out->pid              = w->pid;
	out->uptime_ms        = w->uptime_ms;
	out->rss_bytes        = w->rss_bytes;
	out->finished         = w->finished;
	out->heartbeat_age_ms = now_ms > w->last_ms ? now_ms - w->last_ms : 0;
	out->host             = strdup(w->host != NULL ? w->host : "");
	if (out->host == NULL) {
		return GALE_ENOMEM;
	}
	if (w->ntasks > 0) {
		out->tasks = malloc(w->ntasks * sizeof(*out->tasks));
		if (out->tasks == NULL) {
			return GALE_ENOMEM;
		}
		memcpy(out->tasks, w->tasks, w->ntasks * sizeof(*out->tasks));
		out->ntasks = w->ntasks;
	}
	for (size_t ci = 0; ci < s->ncomps; ci++) {
		bool has = false;
		for (size_t i = 0; i < w->ntasks && !has; i++) {
			const stats_task *t = stats_find_task(s, w->tasks[i]);
			has                 = t != NULL && t->comp == ci;
		}
		if (!has) {
			continue;
		}
		if (out->components == NULL) {
			out->components
			    = malloc(s->ncomps * sizeof(*out->components));
			if (out->components == NULL) {
				return GALE_ENOMEM;
			}
		}
		out->components[out->ncomponents++] = (uint32_t) ci;
	}
	return GALE_OK;
}

// Fills *out with the totals of task t across the restarts of its worker.
static void
stats_report_task(
    const gale_stats *s, const stats_task *t, gale_task_snapshot *out)
{
	memset(out, 0, sizeof(*out));
	out->task = t->id;
	memcpy(out->component, s->comps[t->comp].id, sizeof(out->component));
	for (int k = 0; k < GALE_M_COUNT; k++) {
		out->c[k] = stats_task_total(t, k);
	}
	gale_hist_merge(&out->complete, &t->base_complete);
	gale_hist_merge(&out->complete, &t->last_complete);
	gale_hist_merge(&out->execute, &t->base_execute);
	gale_hist_merge(&out->execute, &t->last_execute);
	out->finished  = t->finished;
	out->exhausted = t->exhausted;
	out->ngauges   = t->ngauges;
	memcpy(out->gauges, t->gauges, t->ngauges * sizeof(out->gauges[0]));
}

gale_err
gale_stats_report(const gale_stats *s, uint64_t now_ms, bool with_tasks,
    gale_topology_stats *out)
{
	assert(s != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	out->status      = s->status;
	out->uptime_secs = s->uptime_secs;
	out->topology    = strdup(s->topology);
	if (out->topology == NULL) {
		goto fail;
	}
	if (s->ncomps > 0) {
		out->components = calloc(s->ncomps, sizeof(*out->components));
		if (out->components == NULL) {
			goto fail;
		}
		out->ncomponents = s->ncomps;
		for (size_t ci = 0; ci < s->ncomps; ci++) {
			stats_fill(s, ci, now_ms, &out->components[ci]);
		}
	}
	if (s->nworkers > 0) {
		out->workers = calloc(s->nworkers, sizeof(*out->workers));
		if (out->workers == NULL) {
			goto fail;
		}
		out->nworkers = s->nworkers;
		for (size_t i = 0; i < s->nworkers; i++) {
			if (stats_report_worker(s, &s->workers[i], now_ms,
			        &out->workers[i]) != GALE_OK) {
				goto fail;
			}
		}
	}
	if (with_tasks && s->ntasks > 0) {
		out->tasks = calloc(s->ntasks, sizeof(*out->tasks));
		if (out->tasks == NULL) {
			goto fail;
		}
		out->ntasks = s->ntasks;
		for (size_t i = 0; i < s->ntasks; i++) {
			stats_report_task(s, s->tasks[i], &out->tasks[i]);
		}
	}
	if (gale__stats_meta_report(s->meta, out) != GALE_OK) {
		goto fail;
	}
	size_t nr = s->nreplays < STATS_REPLAYS ? (size_t) s->nreplays
						: STATS_REPLAYS;
	if (nr > 0) {
		out->replays = calloc(nr, sizeof(*out->replays));
		if (out->replays == NULL) {
			goto fail;
		}
		for (size_t i = 0; i < nr; i++) {
			out->replays[i] = s->replays[(s->nreplays - nr + i)
			    % STATS_REPLAYS];
		}
		out->nreplays = nr;
	}
	gale_window_counts *wc
	    = calloc(s->ncomps ? s->ncomps : 1, sizeof(*wc));
	if (wc == NULL) {
		goto fail;
	}
	stats_window_counts(out->components, out->ncomponents, wc);
	gale_err rv = gale__stats_recent_report(
	    s->recent, now_ms, s->latest_ms, wc, out->ncomponents, out);
	free(wc);
	if (rv != GALE_OK) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_topology_stats_fini(out);
	return GALE_ENOMEM;
}

// ---------------------------------------------------------------------
// The views of the aggregate
// ---------------------------------------------------------------------

char *
gale_stats_json(const gale_stats *s, uint64_t now_ms)
{
	assert(s != NULL);
	gale_topology_stats r;
	if (gale_stats_report(s, now_ms, true, &r) != GALE_OK) {
		return NULL;
	}
	char *text = gale_stats_view_json(&r);
	gale_topology_stats_fini(&r);
	return text;
}

char *
gale_stats_table(const gale_stats *s, uint64_t now_ms, bool with_rates)
{
	assert(s != NULL);
	gale_topology_stats r;
	if (gale_stats_report(s, now_ms, true, &r) != GALE_OK) {
		return NULL;
	}
	char *text = gale_stats_view_table(&r, with_rates);
	gale_topology_stats_fini(&r);
	return text;
}
