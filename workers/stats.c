// SPDX-License-Identifier: MIT
// stats.c - the per-topology aggregate of worker heartbeats, and its views.

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/stats.h"

// Samples of a component's totals, for rates and capacity. Consecutive
// samples are kept at least STATS_SPACING_MS apart (a closer update replaces
// the newest one), so the ring always reaches back past the 10 s window.
#define STATS_RING 32
#define STATS_SPACING_MS 500

#define STATS_STATUS_MAX 64

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
	char             status[STATS_STATUS_MAX];
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
	if (s->topology == NULL) {
		free(s);
		return GALE_ENOMEM;
	}
	snprintf(s->status, sizeof(s->status), "UNKNOWN");
	*out = s;
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
	snprintf(s->status, sizeof(s->status), "%s",
	    status != NULL ? status : "UNKNOWN");
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
	s->err[0] = '\0';
	return GALE_OK;
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

// ---------------------------------------------------------------------
// Text output
// ---------------------------------------------------------------------

// A growing string; after a failed allocation it only remembers failing.
typedef struct stats_buf {
	char  *p;
	size_t len;
	size_t cap;
	bool   failed;
} stats_buf;

static bool
stats_buf_grow(stats_buf *b, size_t more)
{
	if (b->failed) {
		return false;
	}
	if (b->len + more + 1 <= b->cap) {
		return true;
	}
	size_t ncap = b->cap ? b->cap : 1024;
	while (ncap < b->len + more + 1) {
		ncap *= 2;
	}
	char *p = realloc(b->p, ncap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->p   = p;
	b->cap = ncap;
	return true;
}

static void
stats_buf_put(stats_buf *b, const char *s, size_t n)
{
	if (!stats_buf_grow(b, n)) {
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
stats_buf_puts(stats_buf *b, const char *s)
{
	stats_buf_put(b, s, strlen(s));
}

static void
stats_buf_printf(stats_buf *b, const char *fmt, ...)
{
	char    small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t) n < sizeof(small)) {
		stats_buf_put(b, small, (size_t) n);
		return;
	}
	if (!stats_buf_grow(b, (size_t) n)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

static char *
stats_buf_finish(stats_buf *b)
{
	if (b->failed || !stats_buf_grow(b, 0)) {
		free(b->p);
		return NULL;
	}
	b->p[b->len] = '\0';
	return b->p;
}

// The length of the well-formed UTF-8 sequence at p, or 0 if there is none.
static size_t
stats_utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	if (c < 0x80) {
		return 1;
	}
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t        n;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n  = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n  = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	// The string ends with NUL, which is never a continuation byte, so
	// this stops before reading past it.
	if (p[1] < lo || p[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xBF) {
			return 0;
		}
	}
	return n;
}

// A JSON string; bytes that are not UTF-8 become U+FFFD.
static void
stats_json_str(stats_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	stats_buf_put(b, "\"", 1);
	while (*p != '\0') {
		size_t n = stats_utf8_len(p);
		if (n == 0) {
			stats_buf_puts(b, "\\ufffd");
			p++;
		} else if (*p == '"' || *p == '\\') {
			stats_buf_put(b, "\\", 1);
			stats_buf_put(b, (const char *) p, 1);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			stats_buf_printf(b, "\\u%04x", (unsigned) *p);
			p++;
		} else {
			stats_buf_put(b, (const char *) p, n);
			p += n;
		}
	}
	stats_buf_put(b, "\"", 1);
}

static void
stats_json_ms(stats_buf *b, uint64_t us)
{
	stats_buf_printf(
	    b, "%" PRIu64 ".%03" PRIu64, us / 1000, us % 1000);
}

static void
stats_json_double(stats_buf *b, double x)
{
	stats_buf_printf(b, "%.3f", isfinite(x) ? x : 0.0);
}

static void
stats_json_latency(stats_buf *b, const char *name, const gale_hist *h)
{
	stats_buf_printf(b, ",\"%s\":{\"p50\":", name);
	stats_json_ms(b, gale_hist_quantile(h, 0.5));
	stats_buf_puts(b, ",\"p99\":");
	stats_json_ms(b, gale_hist_quantile(h, 0.99));
	stats_buf_puts(b, ",\"p999\":");
	stats_json_ms(b, gale_hist_quantile(h, 0.999));
	stats_buf_puts(b, ",\"max\":");
	stats_json_ms(b, h->max_us);
	stats_buf_puts(b, "}");
}

static void
stats_json_counter(stats_buf *b, const gale_component_stats *cs, int k)
{
	stats_buf_printf(b, ",\"%s\":%" PRIu64, gale_metric_name(k), cs->c[k]);
}

static void
stats_json_worker(stats_buf *b, const gale_stats *s, const stats_worker *w,
    uint64_t now_ms)
{
	stats_buf_printf(b, "{\"index\":%u,\"host\":", (unsigned) w->index);
	stats_json_str(b, w->host);
	stats_buf_printf(b,
	    ",\"port\":%u,\"pid\":%u,\"uptime_ms\":%" PRIu64
	    ",\"rss_bytes\":%" PRIu64 ",\"finished\":%s"
	    ",\"heartbeat_age_ms\":%" PRIu64 ",\"tasks\":[",
	    (unsigned) w->port, (unsigned) w->pid, w->uptime_ms, w->rss_bytes,
	    w->finished ? "true" : "false",
	    now_ms > w->last_ms ? now_ms - w->last_ms : 0);
	for (size_t i = 0; i < w->ntasks; i++) {
		stats_buf_printf(
		    b, "%s%u", i ? "," : "", (unsigned) w->tasks[i]);
	}
	stats_buf_puts(b, "],\"components\":[");
	bool first = true;
	for (size_t ci = 0; ci < s->ncomps; ci++) {
		bool has = false;
		for (size_t i = 0; i < w->ntasks && !has; i++) {
			const stats_task *t = stats_find_task(s, w->tasks[i]);
			has                 = t != NULL && t->comp == ci;
		}
		if (has) {
			stats_buf_puts(b, first ? "" : ",");
			stats_json_str(b, s->comps[ci].id);
			first = false;
		}
	}
	stats_buf_puts(b, "]}");
}

static void
stats_json_component(stats_buf *b, const gale_component_stats *cs)
{
	stats_buf_puts(b, "{\"id\":");
	stats_json_str(b, cs->id);
	stats_buf_printf(b, ",\"type\":\"%s\",\"tasks\":%u",
	    cs->is_spout ? "spout" : "bolt", (unsigned) cs->tasks);
	stats_json_counter(b, cs, GALE_M_EMITTED);
	stats_json_counter(b, cs, GALE_M_TRANSFERRED);
	if (!cs->is_spout) {
		stats_json_counter(b, cs, GALE_M_EXECUTED);
	}
	stats_json_counter(b, cs, GALE_M_ACKED);
	stats_json_counter(b, cs, GALE_M_FAILED);
	if (cs->is_spout) {
		stats_json_counter(b, cs, GALE_M_REPLAYED);
		stats_json_counter(b, cs, GALE_M_PENDING);
		stats_json_counter(b, cs, GALE_M_PENDING_PEAK);
		stats_json_counter(b, cs, GALE_M_TIMEDOUT);
		stats_json_latency(b, "complete_latency_ms", &cs->complete);
	} else {
		stats_json_latency(b, "execute_latency_ms", &cs->execute);
	}
	stats_json_counter(b, cs, GALE_M_DROPPED);
	stats_buf_puts(b, ",\"capacity\":");
	stats_json_double(b, cs->capacity);

	static const gale_metric spout_rates[] = { GALE_M_EMITTED,
		GALE_M_ACKED, GALE_M_FAILED, GALE_M_REPLAYED };
	static const gale_metric bolt_rates[] = { GALE_M_EMITTED,
		GALE_M_ACKED, GALE_M_FAILED, GALE_M_EXECUTED };
	const gale_metric *rates = cs->is_spout ? spout_rates : bolt_rates;
	stats_buf_puts(b, ",\"rates\":{");
	for (size_t i = 0; i < 4; i++) {
		stats_buf_printf(
		    b, "%s\"%s\":", i ? "," : "", gale_metric_name(rates[i]));
		stats_json_double(b, cs->rate[rates[i]]);
	}
	stats_buf_puts(b, "}}");
}

char *
gale_stats_json(const gale_stats *s, uint64_t now_ms)
{
	assert(s != NULL);
	stats_buf             b  = { 0 };
	gale_component_stats *cs = malloc(sizeof(*cs));
	if (cs == NULL) {
		return NULL;
	}
	stats_buf_puts(&b, "{\"topology\":");
	stats_json_str(&b, s->topology);
	stats_buf_puts(&b, ",\"status\":");
	stats_json_str(&b, s->status);
	stats_buf_printf(
	    &b, ",\"uptime_secs\":%" PRIu64 ",\"workers\":[", s->uptime_secs);
	for (size_t i = 0; i < s->nworkers; i++) {
		stats_buf_puts(&b, i ? "," : "");
		stats_json_worker(&b, s, &s->workers[i], now_ms);
	}
	stats_buf_puts(&b, "],\"components\":[");
	for (size_t ci = 0; ci < s->ncomps; ci++) {
		stats_fill(s, ci, now_ms, cs);
		stats_buf_puts(&b, ci ? "," : "");
		stats_json_component(&b, cs);
	}
	stats_buf_puts(&b, "]}");
	free(cs);
	return stats_buf_finish(&b);
}

// The table's columns; the first two are text, the rest numbers.
enum {
	STATS_COL_COMPONENT = 0,
	STATS_COL_TYPE,
	STATS_COL_TASKS,
	STATS_COL_EMITTED,
	STATS_COL_TRANSFERRED,
	STATS_COL_EXECUTED,
	STATS_COL_ACKED,
	STATS_COL_FAILED,
	STATS_COL_REPLAYED,
	STATS_COL_PENDING,
	STATS_COL_LATENCY,
	STATS_COL_CAPACITY,
	STATS_COL_RATE,
	STATS_NCOLS
};

#define STATS_CELL_MAX (GALE_STATS_ID_MAX + 16)

static const char *const stats_col_names[STATS_NCOLS] = {
	"component", "type", "tasks", "emitted", "transferred", "executed",
	"acked", "failed", "replayed", "pending", "lat p50/p99 ms",
	"capacity", "emitted/s" };

// Copies s into a cell, replacing control characters so that one row stays
// on one line.
static void
stats_cell_text(char *cell, const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0' && n < STATS_CELL_MAX - 1; n++) {
		unsigned char c = (unsigned char) s[n];
		cell[n]         = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
	}
	cell[n] = '\0';
}

// The width on a terminal, counting a UTF-8 sequence as one column.
static size_t
stats_text_width(const char *s)
{
	size_t w = 0;
	for (; *s != '\0'; s++) {
		if (((unsigned char) *s & 0xC0) != 0x80) {
			w++;
		}
	}
	return w;
}

static void
stats_cell_ms(char *cell, const gale_hist *h)
{
	if (h->count == 0) {
		snprintf(cell, STATS_CELL_MAX, "-");
		return;
	}
	uint64_t p50 = gale_hist_quantile(h, 0.5);
	uint64_t p99 = gale_hist_quantile(h, 0.99);
	snprintf(cell, STATS_CELL_MAX,
	    "%" PRIu64 ".%03" PRIu64 "/%" PRIu64 ".%03" PRIu64, p50 / 1000,
	    p50 % 1000, p99 / 1000, p99 % 1000);
}

static void
stats_cell_u64(char *cell, uint64_t v)
{
	snprintf(cell, STATS_CELL_MAX, "%" PRIu64, v);
}

static void
stats_table_row(char (*row)[STATS_CELL_MAX], const gale_component_stats *cs)
{
	bool sp = cs->is_spout;
	stats_cell_text(row[STATS_COL_COMPONENT], cs->id);
	stats_cell_text(row[STATS_COL_TYPE], sp ? "spout" : "bolt");
	stats_cell_u64(row[STATS_COL_TASKS], cs->tasks);
	stats_cell_u64(row[STATS_COL_EMITTED], cs->c[GALE_M_EMITTED]);
	stats_cell_u64(row[STATS_COL_TRANSFERRED], cs->c[GALE_M_TRANSFERRED]);
	if (sp) {
		stats_cell_text(row[STATS_COL_EXECUTED], "-");
	} else {
		stats_cell_u64(row[STATS_COL_EXECUTED], cs->c[GALE_M_EXECUTED]);
	}
	stats_cell_u64(row[STATS_COL_ACKED], cs->c[GALE_M_ACKED]);
	stats_cell_u64(row[STATS_COL_FAILED], cs->c[GALE_M_FAILED]);
	if (sp) {
		stats_cell_u64(row[STATS_COL_REPLAYED], cs->c[GALE_M_REPLAYED]);
		stats_cell_u64(row[STATS_COL_PENDING], cs->c[GALE_M_PENDING]);
		stats_cell_ms(row[STATS_COL_LATENCY], &cs->complete);
	} else {
		stats_cell_text(row[STATS_COL_REPLAYED], "-");
		stats_cell_text(row[STATS_COL_PENDING], "-");
		stats_cell_ms(row[STATS_COL_LATENCY], &cs->execute);
	}
	double cap = isfinite(cs->capacity) ? cs->capacity : 0.0;
	snprintf(row[STATS_COL_CAPACITY], STATS_CELL_MAX, "%.3f", cap);
	double rate = cs->rate[GALE_M_EMITTED];
	snprintf(row[STATS_COL_RATE], STATS_CELL_MAX, "%.1f",
	    isfinite(rate) ? rate : 0.0);
}

char *
gale_stats_table(const gale_stats *s, uint64_t now_ms, bool with_rates)
{
	assert(s != NULL);
	size_t ncols = with_rates ? STATS_NCOLS : STATS_NCOLS - 1;
	size_t nrows = s->ncomps + 1;
	char (*cells)[STATS_NCOLS][STATS_CELL_MAX] =
	    malloc(nrows * sizeof(*cells));
	gale_component_stats *cs = malloc(sizeof(*cs));
	if (cells == NULL || cs == NULL) {
		free(cells);
		free(cs);
		return NULL;
	}
	for (size_t j = 0; j < STATS_NCOLS; j++) {
		stats_cell_text(cells[0][j], stats_col_names[j]);
	}
	for (size_t ci = 0; ci < s->ncomps; ci++) {
		stats_fill(s, ci, now_ms, cs);
		stats_table_row(cells[ci + 1], cs);
	}
	free(cs);

	size_t width[STATS_NCOLS] = { 0 };
	for (size_t i = 0; i < nrows; i++) {
		for (size_t j = 0; j < ncols; j++) {
			size_t w = stats_text_width(cells[i][j]);
			width[j] = w > width[j] ? w : width[j];
		}
	}

	stats_buf b = { 0 };
	char      name[STATS_CELL_MAX];
	char      status[STATS_CELL_MAX];
	stats_cell_text(name, s->topology);
	stats_cell_text(status, s->status);
	stats_buf_printf(&b, "Topology %s  status %s  uptime %" PRIu64 "s\n",
	    name, status, s->uptime_secs);
	for (size_t i = 0; i < nrows; i++) {
		for (size_t j = 0; j < ncols; j++) {
			const char *cell = cells[i][j];
			size_t      pad  = width[j] - stats_text_width(cell);
			bool left = j == STATS_COL_COMPONENT || j == STATS_COL_TYPE;
			if (j > 0) {
				stats_buf_puts(&b, "  ");
			}
			if (!left) {
				stats_buf_printf(&b, "%*s", (int) pad, "");
			}
			stats_buf_puts(&b, cell);
			if (left) {
				stats_buf_printf(&b, "%*s", (int) pad, "");
			}
		}
		stats_buf_puts(&b, "\n");
	}
	free(cells);
	return stats_buf_finish(&b);
}
