// SPDX-License-Identifier: MIT
// metrics.c - metric names, log-linear latency histograms and snapshots.

#include <assert.h>
#include <stdatomic.h>
#include <string.h>

#include "base/metrics.h"

static const char *const metrics_names[GALE_M_COUNT] = {
	[GALE_M_EMITTED]      = "emitted",
	[GALE_M_TRANSFERRED]  = "transferred",
	[GALE_M_EXECUTED]     = "executed",
	[GALE_M_ACKED]        = "acked",
	[GALE_M_FAILED]       = "failed",
	[GALE_M_REPLAYED]     = "replayed",
	[GALE_M_TIMEDOUT]     = "timedout",
	[GALE_M_PENDING]      = "pending",
	[GALE_M_PENDING_PEAK] = "pending_peak",
	[GALE_M_BUSY_NS]      = "busy_ns",
	[GALE_M_QUEUE_DEPTH]  = "queue_depth",
	[GALE_M_DROPPED]      = "dropped",
	[GALE_M_UNPROCESSED]  = "unprocessed",
	[GALE_M_STUCK_MS]     = "stuck_ms",
};

const char *
gale_metric_name(gale_metric m)
{
	if ((unsigned) m >= GALE_M_COUNT) {
		return "unknown";
	}
	return metrics_names[m];
}

bool
gale_metric_is_gauge(gale_metric m)
{
	return m == GALE_M_PENDING || m == GALE_M_PENDING_PEAK ||
	    m == GALE_M_QUEUE_DEPTH || m == GALE_M_UNPROCESSED ||
	    m == GALE_M_STUCK_MS;
}

// Values below 8 get a bucket each. A larger value whose top bit is bit p
// (p >= 3) lands in group p - 2, in the sub-bucket named by the three bits
// below the top one; so a bucket is never wider than an eighth of the
// smallest value it holds.
size_t
gale_hist_bucket(uint64_t us)
{
	if (us < GALE_HIST_SUB) {
		return (size_t) us;
	}
	unsigned p   = 63u - (unsigned) __builtin_clzll(us);
	size_t   sub = (size_t) ((us >> (p - 3)) & (GALE_HIST_SUB - 1));
	size_t   b   = (size_t) (p - 2) * GALE_HIST_SUB + sub;
	if (b >= GALE_HIST_BUCKETS) {
		b = GALE_HIST_BUCKETS - 1;
	}
	return b;
}

uint64_t
gale_hist_bucket_upper(size_t bucket)
{
	if (bucket < GALE_HIST_SUB) {
		return (uint64_t) bucket;
	}
	if (bucket >= GALE_HIST_BUCKETS - 1) {
		// The last bucket also takes every value above its range.
		return UINT64_MAX;
	}
	unsigned p     = (unsigned) (bucket / GALE_HIST_SUB) + 2;
	uint64_t sub   = bucket % GALE_HIST_SUB;
	uint64_t lower = (UINT64_C(1) << p) | (sub << (p - 3));
	return lower + (UINT64_C(1) << (p - 3)) - 1;
}

void
gale_hist_add(gale_hist *h, uint64_t us)
{
	h->buckets[gale_hist_bucket(us)]++;
	h->count++;
	h->sum_us += us;
	if (us > h->max_us) {
		h->max_us = us;
	}
}

// The writer is the only one to store, so a relaxed load and store add
// without the cost of an atomic read-modify-write.
static void
hist_live_add(_Atomic uint64_t *w, uint64_t n)
{
	uint64_t v = atomic_load_explicit(w, memory_order_relaxed);
	atomic_store_explicit(w, v + n, memory_order_relaxed);
}

void
gale_hist_live_record(gale_hist_live *h, uint64_t us)
{
	hist_live_add(&h->buckets[gale_hist_bucket(us)], 1);
	hist_live_add(&h->count, 1);
	hist_live_add(&h->sum_us, us);
	if (us > atomic_load_explicit(&h->max_us, memory_order_relaxed)) {
		atomic_store_explicit(&h->max_us, us, memory_order_relaxed);
	}
}

void
gale_hist_live_load(const gale_hist_live *h, gale_hist *out)
{
	// The loads only read, whatever the const in C11's signatures says.
	gale_hist_live *src = (gale_hist_live *) h;
	for (size_t i = 0; i < GALE_HIST_BUCKETS; i++) {
		out->buckets[i] = atomic_load_explicit(
		    &src->buckets[i], memory_order_relaxed);
	}
	out->count  = atomic_load_explicit(&src->count, memory_order_relaxed);
	out->sum_us = atomic_load_explicit(&src->sum_us, memory_order_relaxed);
	out->max_us = atomic_load_explicit(&src->max_us, memory_order_relaxed);
}

void
gale_hist_merge(gale_hist *dst, const gale_hist *src)
{
	for (size_t i = 0; i < GALE_HIST_BUCKETS; i++) {
		dst->buckets[i] += src->buckets[i];
	}
	dst->count += src->count;
	dst->sum_us += src->sum_us;
	if (src->max_us > dst->max_us) {
		dst->max_us = src->max_us;
	}
}

uint64_t
gale_hist_quantile(const gale_hist *h, double q)
{
	if (h->count == 0) {
		return 0;
	}
	// Written so that NaN also lands on the first value.
	if (!(q > 0.0)) {
		q = 0.0;
	}
	if (q > 1.0) {
		q = 1.0;
	}
	// The rank (1-based) of the wanted value among the sorted values.
	double   r    = q * (double) h->count;
	uint64_t rank = (uint64_t) r;
	if ((double) rank < r) {
		rank++;
	}
	if (rank == 0) {
		rank = 1;
	}
	if (rank > h->count) {
		rank = h->count;
	}
	uint64_t seen = 0;
	for (size_t i = 0; i < GALE_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t up = gale_hist_bucket_upper(i);
			return up < h->max_us ? up : h->max_us;
		}
	}
	// The buckets hold fewer values than count (a snapshot taken while
	// values were being recorded): the largest one is the best answer.
	return h->max_us;
}

void
gale_task_metrics_snapshot(const gale_task_metrics *m, uint32_t task,
    const char *component, gale_task_snapshot *out)
{
	assert(m != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	out->task = task;
	if (component != NULL) {
		size_t n = strlen(component);
		if (n >= sizeof(out->component)) {
			n = sizeof(out->component) - 1;
		}
		memcpy(out->component, component, n);
	}
	for (int k = 0; k < GALE_M_COUNT; k++) {
		out->c[k] = gale_metric_get(m, (gale_metric) k);
	}
	gale_hist_live_load(&m->complete, &out->complete);
	gale_hist_live_load(&m->execute, &out->execute);
	uint32_t n = atomic_load_explicit(
	    (_Atomic uint32_t *) &m->ngauges, memory_order_acquire);
	for (uint32_t i = 0; i < n && i < GALE_GAUGES_MAX; i++) {
		memcpy(out->gauges[i].name, m->gauges[i].name,
		    sizeof(out->gauges[i].name));
		out->gauges[i].value = atomic_load_explicit(
		    (_Atomic int64_t *) &m->gauges[i].value,
		    memory_order_relaxed);
	}
	out->ngauges = n < GALE_GAUGES_MAX ? n : GALE_GAUGES_MAX;
}

int
gale_task_gauge_set(gale_task_metrics *m, const char *name, int64_t v)
{
	assert(m != NULL);
	size_t len = name != NULL ? strnlen(name, GALE_GAUGE_NAME_MAX) : 0;
	if (len == 0 || len == GALE_GAUGE_NAME_MAX) {
		return -1;
	}
	// Only this thread adds gauges, so it may read the count relaxed.
	uint32_t n = atomic_load_explicit(&m->ngauges, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++) {
		if (strcmp(m->gauges[i].name, name) == 0) {
			atomic_store_explicit(
			    &m->gauges[i].value, v, memory_order_relaxed);
			return 0;
		}
	}
	if (n == GALE_GAUGES_MAX) {
		return -1;
	}
	memcpy(m->gauges[n].name, name, len + 1);
	atomic_store_explicit(&m->gauges[n].value, v, memory_order_relaxed);
	atomic_store_explicit(&m->ngauges, n + 1, memory_order_release);
	return 0;
}
