// SPDX-License-Identifier: MIT
// stats_recent.c - a topology's recent sampled trees and its counters over
// rolling windows of buckets.

#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "workers/stats_recent.h"

const uint32_t gale__stats_windows[GALE_STATS_NWINDOWS]
    = { 600, 10800, 86400 };

// Fine buckets are one minute wide, coarse ones ten minutes; each ring
// holds a few more than its longest window needs.
#define RECENT_FINE 16
#define RECENT_COARSE 150
#define RECENT_COARSE_MINUTES 10

typedef struct recent_bucket {
	uint64_t            start_ms; // of the bucket; valid when counts
	gale_window_counts *counts; // [ncomps] totals at its end
} recent_bucket;

typedef struct recent_ring {
	recent_bucket *b;
	size_t         cap;
	size_t         n; // buckets recorded, the newest at (n - 1) % cap
	uint64_t       width_ms;
} recent_ring;

// The process whose trees were last read, per worker index.
typedef struct recent_seen {
	uint32_t worker;
	uint32_t pid;
	uint64_t seq;
} recent_seen;

struct gale_stats_recent {
	gale_trace_record traces[GALE_STATS_TRACES];
	uint64_t          ntraces;
	recent_seen      *seen;
	size_t            nseen;
	uint64_t          minute_ms;
	recent_ring       fine, coarse;
	size_t            ncomps; // of the recorded buckets
};

gale_err
gale__stats_recent_new(gale_stats_recent **out)
{
	gale_stats_recent *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return GALE_ENOMEM;
	}
	r->minute_ms  = 60000;
	const char *e = getenv("GALE_STATS_MINUTE_MS");
	uint64_t    v;
	if (e != NULL && gale__parse_u64(e, UINT64_MAX, &v, NULL, 0) == GALE_OK
	    && v > 0) {
		r->minute_ms = v;
	}
	r->fine.cap        = RECENT_FINE;
	r->fine.width_ms   = r->minute_ms;
	r->coarse.cap      = RECENT_COARSE;
	r->coarse.width_ms = r->minute_ms * RECENT_COARSE_MINUTES;
	r->fine.b          = calloc(RECENT_FINE, sizeof(recent_bucket));
	r->coarse.b        = calloc(RECENT_COARSE, sizeof(recent_bucket));
	if (r->fine.b == NULL || r->coarse.b == NULL) {
		gale__stats_recent_destroy(&r);
		return GALE_ENOMEM;
	}
	*out = r;
	return GALE_OK;
}

static void
recent_ring_clear(recent_ring *g)
{
	for (size_t i = 0; g->b != NULL && i < g->cap; i++) {
		free(g->b[i].counts);
		g->b[i].counts = NULL;
	}
	g->n = 0;
}

void
gale__stats_recent_destroy(gale_stats_recent **rp)
{
	gale_stats_recent *r = *rp;
	if (r == NULL) {
		return;
	}
	recent_ring_clear(&r->fine);
	recent_ring_clear(&r->coarse);
	free(r->fine.b);
	free(r->coarse.b);
	free(r->seen);
	free(r);
	*rp = NULL;
}

void
gale__stats_recent_traces(gale_stats_recent *r, const gale_heartbeat *hb)
{
	if (hb->ntraces == 0) {
		return;
	}
	recent_seen *s = NULL;
	for (size_t i = 0; i < r->nseen; i++) {
		if (r->seen[i].worker == hb->worker_index) {
			s = &r->seen[i];
		}
	}
	if (s == NULL) {
		recent_seen *grown
		    = realloc(r->seen, (r->nseen + 1) * sizeof(*r->seen));
		if (grown == NULL) {
			return;
		}
		r->seen = grown;
		s       = &r->seen[r->nseen++];
		*s      = (recent_seen) { .worker = hb->worker_index };
	}
	if (s->pid != hb->pid) {
		s->pid = hb->pid;
		s->seq = 0;
	}
	for (size_t i = 0; i < hb->ntraces; i++) {
		const gale_trace_record *t = &hb->traces[i];
		if (t->seq <= s->seq) {
			continue;
		}
		s->seq                                      = t->seq;
		r->traces[r->ntraces++ % GALE_STATS_TRACES] = *t;
	}
}

bool
gale__stats_recent_due(
    const gale_stats_recent *r, uint64_t latest_ms, uint64_t now_ms)
{
	return latest_ms > 0
	    && now_ms / r->minute_ms > latest_ms / r->minute_ms;
}

// Records the totals as the end of the bucket of g that holds latest_ms
// (replacing it when it was recorded already).
static gale_err
recent_ring_close(recent_ring *g, uint64_t latest_ms,
    const gale_window_counts *totals, size_t n)
{
	uint64_t       start = latest_ms / g->width_ms * g->width_ms;
	recent_bucket *b     = g->n > 0 ? &g->b[(g->n - 1) % g->cap] : NULL;
	if (b == NULL || b->start_ms != start) {
		b = &g->b[g->n % g->cap];
		if (b->counts == NULL) {
			b->counts = calloc(n ? n : 1, sizeof(*b->counts));
			if (b->counts == NULL) {
				return GALE_ENOMEM;
			}
		}
		g->n++;
	}
	b->start_ms = start;
	memcpy(b->counts, totals, n * sizeof(*totals));
	return GALE_OK;
}

gale_err
gale__stats_recent_close(gale_stats_recent *r, uint64_t latest_ms,
    const gale_window_counts *totals, size_t n)
{
	if (n != r->ncomps) {
		// Components were declared since: the buckets no longer match.
		recent_ring_clear(&r->fine);
		recent_ring_clear(&r->coarse);
		r->ncomps = n;
	}
	if (recent_ring_close(&r->fine, latest_ms, totals, n) != GALE_OK) {
		return GALE_ENOMEM;
	}
	return recent_ring_close(&r->coarse, latest_ms, totals, n);
}

// The newest bucket of g that ended at or before until_ms, or NULL.
static const recent_bucket *
recent_ring_find(const recent_ring *g, uint64_t until_ms)
{
	size_t have = g->n < g->cap ? g->n : g->cap;
	for (size_t k = 0; k < have; k++) {
		const recent_bucket *b = &g->b[(g->n - 1 - k) % g->cap];
		if (b->start_ms + g->width_ms <= until_ms) {
			return b;
		}
	}
	return NULL;
}

static uint64_t
recent_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static gale_err
recent_window(const gale_stats_recent *r, uint64_t now_ms, uint64_t latest_ms,
    uint32_t secs, const gale_window_counts *totals, size_t n,
    gale_window_stats *w)
{
	w->secs       = secs;
	w->components = calloc(n ? n : 1, sizeof(*w->components));
	if (w->components == NULL) {
		return GALE_ENOMEM;
	}
	w->ncomponents             = n;
	uint64_t             span  = (uint64_t) secs * r->minute_ms / 60u;
	uint64_t             until = now_ms > span ? now_ms - span : 0;
	const recent_bucket *base  = NULL;
	if (r->ncomps == n) {
		const recent_bucket *f = recent_ring_find(&r->fine, until);
		const recent_bucket *c = recent_ring_find(&r->coarse, until);
		uint64_t fe = f ? f->start_ms + r->fine.width_ms : 0;
		uint64_t ce = c ? c->start_ms + r->coarse.width_ms : 0;
		base        = f != NULL && fe >= ce ? f : c;
	}
	// The totals now are those at the end of the latest update's
	// bucket: when that ended the window ago, nothing is in the window.
	uint64_t latest_end
	    = (latest_ms / r->fine.width_ms + 1) * r->fine.width_ms;
	bool idle = latest_ms > 0 && latest_end <= until;
	for (size_t i = 0; i < n; i++) {
		gale_window_counts       *o = &w->components[i];
		const gale_window_counts *t = &totals[i];
		*o                          = *t;
		if (idle) {
			o->emitted = o->transferred = o->executed = 0;
			o->acked = o->failed = 0;
			o->complete_sum_us = o->complete_count = 0;
			continue;
		}
		if (base == NULL) {
			continue;
		}
		const gale_window_counts *b = &base->counts[i];
		o->emitted     = recent_sub(t->emitted, b->emitted);
		o->transferred = recent_sub(t->transferred, b->transferred);
		o->executed    = recent_sub(t->executed, b->executed);
		o->acked       = recent_sub(t->acked, b->acked);
		o->failed      = recent_sub(t->failed, b->failed);
		o->complete_sum_us
		    = recent_sub(t->complete_sum_us, b->complete_sum_us);
		o->complete_count
		    = recent_sub(t->complete_count, b->complete_count);
	}
	return GALE_OK;
}

gale_err
gale__stats_recent_report(const gale_stats_recent *r, uint64_t now_ms,
    uint64_t latest_ms, const gale_window_counts *totals, size_t n,
    gale_topology_stats *out)
{
	size_t nt = r->ntraces < GALE_STATS_TRACES ? (size_t) r->ntraces
						   : GALE_STATS_TRACES;
	if (nt > 0) {
		out->traces = calloc(nt, sizeof(*out->traces));
		if (out->traces == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < nt; i++) {
			out->traces[i] = r->traces[(r->ntraces - nt + i)
			    % GALE_STATS_TRACES];
		}
		out->ntraces = nt;
	}
	out->windows = calloc(GALE_STATS_NWINDOWS, sizeof(*out->windows));
	if (out->windows == NULL) {
		goto fail;
	}
	out->nwindows = GALE_STATS_NWINDOWS;
	for (size_t k = 0; k < GALE_STATS_NWINDOWS; k++) {
		if (recent_window(r, now_ms, latest_ms, gale__stats_windows[k],
			totals, n, &out->windows[k])
		    != GALE_OK) {
			goto fail;
		}
	}
	return GALE_OK;
fail:
	free(out->traces);
	out->traces  = NULL;
	out->ntraces = 0;
	for (size_t k = 0; out->windows != NULL && k < out->nwindows; k++) {
		free(out->windows[k].components);
	}
	free(out->windows);
	out->windows  = NULL;
	out->nwindows = 0;
	return GALE_ENOMEM;
}
