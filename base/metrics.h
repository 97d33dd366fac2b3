// SPDX-License-Identifier: MIT
// metrics.h - per-task counters and latency histograms, without locks.
//
// Each task's metrics are written by its executor thread only, with relaxed
// atomic stores, and read at any time by the metrics thread of its worker,
// which takes snapshots for heartbeats.

#ifndef GALE_BASE_METRICS_H
#define GALE_BASE_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	GALE_M_EMITTED = 0, // tuples emitted (spouts: including replays)
	GALE_M_TRANSFERRED, // tuples sent to a task in another worker
	GALE_M_EXECUTED,    // bolts: tuples executed
	GALE_M_ACKED,       // spouts: trees completed; bolts: inputs acked
	GALE_M_FAILED,      // spouts: trees failed or timed out; bolts: failed
	GALE_M_REPLAYED,    // spouts: emits of a message that had failed
	GALE_M_TIMEDOUT,    // spouts: trees that failed by timeout
	GALE_M_PENDING,     // spouts: trees in flight now (a gauge)
	GALE_M_PENDING_PEAK, // spouts: the most trees ever in flight at once
	GALE_M_BUSY_NS,     // nanoseconds spent in execute/next_tuple
	GALE_M_QUEUE_DEPTH, // batches waiting in the task's inbox (a gauge)
	GALE_M_DROPPED,     // messages dropped: malformed, or for a dead task
	GALE_M_UNPROCESSED, // spouts: messages given up on when stopping
	GALE_M_STUCK_MS,    // ms the current callback has run, once stuck
	GALE_M_COUNT
} gale_metric;

// The name used in JSON and heartbeats ("emitted", "pending_peak", ...).
const char *gale_metric_name(gale_metric m);
// Gauges are current values; the others are totals since start.
bool gale_metric_is_gauge(gale_metric m);

// Log-linear buckets over microseconds: 8 sub-buckets per power of two up
// to about 2^34 us (4.7 hours); larger values land in the last bucket.
#define GALE_HIST_SUB 8
#define GALE_HIST_BUCKETS (35 * GALE_HIST_SUB)

typedef struct gale_hist {
	uint64_t buckets[GALE_HIST_BUCKETS];
	uint64_t count;
	uint64_t sum_us;
	uint64_t max_us;
} gale_hist;

// Adds one value to a histogram no other thread reads meanwhile.
void gale_hist_add(gale_hist *h, uint64_t us);
// Adds all of src into dst.
void gale_hist_merge(gale_hist *dst, const gale_hist *src);
// The value at quantile q (0..1): the upper bound of the bucket holding it,
// clamped to max. 0 when empty.
uint64_t gale_hist_quantile(const gale_hist *h, double q);
// The index of the bucket holding us, and the largest value it holds.
size_t   gale_hist_bucket(uint64_t us);
uint64_t gale_hist_bucket_upper(size_t bucket);

// A histogram written by one thread while others read it: gale_hist's
// words, each an atomic written and read relaxed, so the writer pays no
// more than plain stores and the readers need no lock.
typedef struct gale_hist_live {
	_Atomic uint64_t buckets[GALE_HIST_BUCKETS];
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
	_Atomic uint64_t max_us;
} gale_hist_live;

// Adds one value; one writer at a time, any number of readers.
void gale_hist_live_record(gale_hist_live *h, uint64_t us);
// Copies h into out; may run while the writer records. The copy may be off
// by the few values recorded meanwhile (count and buckets can disagree,
// which gale_hist_quantile allows for), never torn within a word.
void gale_hist_live_load(const gale_hist_live *h, gale_hist *out);

// Records one value into a gale_hist (gale_hist_add) or a gale_hist_live
// (gale_hist_live_record), whichever h points to.
#define gale_hist_record(h, us)                                          \
	_Generic((h), gale_hist_live *                                   \
	         : gale_hist_live_record, gale_hist *                    \
	         : gale_hist_add)((h), (us))

// A task's named gauges (gale_context_gauge): at most GALE_GAUGES_MAX, each
// named by at most GALE_GAUGE_NAME_MAX - 1 bytes.
#define GALE_GAUGES_MAX 64
#define GALE_GAUGE_NAME_MAX 64

// One named gauge as the task thread writes it. The name is written once,
// before the gauge is published by the release store of ngauges, and never
// changes after; the value is a relaxed atomic.
typedef struct gale_gauge_live {
	char            name[GALE_GAUGE_NAME_MAX];
	_Atomic int64_t value;
} gale_gauge_live;

// Live metrics of one task: written by one thread, read by another.
typedef struct gale_task_metrics {
	_Atomic uint64_t c[GALE_M_COUNT];
	gale_hist_live   complete; // spouts: emit to ack, microseconds
	gale_hist_live   execute;  // bolts: execute time, microseconds
	_Atomic uint32_t ngauges;  // gauges[0 .. ngauges - 1] are published
	gale_gauge_live  gauges[GALE_GAUGES_MAX];
} gale_task_metrics;

// Sets the gauge named name to v, adding it when it is new. Only the task's
// own thread may call it; readers need no lock. 0, or -1 for an empty or
// too long name, or a new name when the table is full.
int gale_task_gauge_set(gale_task_metrics *m, const char *name, int64_t v);

// A named gauge as snapshots and heartbeats carry it.
typedef struct gale_gauge_sample {
	char    name[GALE_GAUGE_NAME_MAX];
	int64_t value;
} gale_gauge_sample;

static inline void
gale_metric_add(gale_task_metrics *m, gale_metric k, uint64_t n)
{
	uint64_t v = atomic_load_explicit(&m->c[k], memory_order_relaxed);
	atomic_store_explicit(&m->c[k], v + n, memory_order_relaxed);
}

static inline void
gale_metric_set(gale_task_metrics *m, gale_metric k, uint64_t v)
{
	atomic_store_explicit(&m->c[k], v, memory_order_relaxed);
}

static inline uint64_t
gale_metric_get(const gale_task_metrics *m, gale_metric k)
{
	return atomic_load_explicit(
	    (_Atomic uint64_t *) &m->c[k], memory_order_relaxed);
}

// A copy of one task's metrics at one moment, as carried by heartbeats.
typedef struct gale_task_snapshot {
	uint32_t  task;
	char      component[128];
	uint64_t  c[GALE_M_COUNT];
	gale_hist complete;
	gale_hist execute;
	bool      finished;  // the task has sent END_OF_STREAM downstream
	bool      exhausted; // spouts: gale_spout_exhausted was called
	uint32_t  ngauges;   // gauges[0 .. ngauges - 1], in the order added
	gale_gauge_sample gauges[GALE_GAUGES_MAX];
} gale_task_snapshot;

void gale_task_metrics_snapshot(const gale_task_metrics *m, uint32_t task,
    const char *component, gale_task_snapshot *out);

#endif // GALE_BASE_METRICS_H
