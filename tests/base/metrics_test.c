// SPDX-License-Identifier: MIT
// metrics_test - metric names, histogram buckets and quantiles, snapshots.

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"

// A small deterministic generator, so failures can be replayed.
static uint64_t
fake_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a;
	uint64_t y = *(const uint64_t *) b;
	return (x > y) - (x < y);
}

Test(metrics, names_are_the_documented_ones_and_unique)
{
	static const char *const want[GALE_M_COUNT] = { "emitted",
		"transferred", "executed", "acked", "failed", "replayed",
		"timedout", "pending", "pending_peak", "busy_ns",
		"queue_depth", "dropped", "unprocessed", "stuck_ms" };
	for (int i = 0; i < GALE_M_COUNT; i++) {
		cr_assert_str_eq(gale_metric_name((gale_metric) i), want[i]);
		for (int j = 0; j < i; j++) {
			cr_assert_str_neq(gale_metric_name((gale_metric) i),
			    gale_metric_name((gale_metric) j));
		}
	}
	cr_assert_not_null(gale_metric_name(GALE_M_COUNT));
	cr_assert_not_null(gale_metric_name((gale_metric) 1000));
}

Test(metrics, gauges_are_the_current_values)
{
	for (int i = 0; i < GALE_M_COUNT; i++) {
		bool want = i == GALE_M_PENDING || i == GALE_M_PENDING_PEAK ||
		    i == GALE_M_QUEUE_DEPTH || i == GALE_M_UNPROCESSED ||
		    i == GALE_M_STUCK_MS;
		cr_assert_eq(gale_metric_is_gauge((gale_metric) i), want,
		    "metric %s", gale_metric_name((gale_metric) i));
	}
}

Test(hist, values_below_eight_have_exact_buckets)
{
	for (uint64_t v = 0; v < 8; v++) {
		size_t b = gale_hist_bucket(v);
		cr_assert_eq(gale_hist_bucket_upper(b), v);
		if (v > 0) {
			cr_assert_gt(b, gale_hist_bucket(v - 1));
		}
	}
}

Test(hist, buckets_are_contiguous_and_at_most_an_eighth_wide)
{
	uint64_t lower = 0;
	for (size_t b = 0; b < GALE_HIST_BUCKETS - 1; b++) {
		uint64_t up = gale_hist_bucket_upper(b);
		cr_assert_geq(up, lower, "bucket %zu", b);
		cr_assert_eq(gale_hist_bucket(lower), b, "bucket %zu", b);
		cr_assert_eq(gale_hist_bucket(up), b, "bucket %zu", b);
		cr_assert_eq(gale_hist_bucket(up + 1), b + 1, "bucket %zu", b);
		if (lower >= 8) {
			cr_assert_leq((up - lower + 1) * 8, lower,
			    "bucket %zu [%lu, %lu]", b, (unsigned long) lower,
			    (unsigned long) up);
		}
		lower = up + 1;
	}
	// Beyond the range, everything lands in the last bucket.
	cr_assert_eq(gale_hist_bucket(UINT64_MAX), GALE_HIST_BUCKETS - 1);
	cr_assert_eq(gale_hist_bucket(lower), GALE_HIST_BUCKETS - 1);
	cr_assert_eq(gale_hist_bucket_upper(GALE_HIST_BUCKETS - 1), UINT64_MAX);
	// The range reaches past four hours in microseconds.
	cr_assert_gt(lower, UINT64_C(4) * 3600 * 1000000);
}

Test(hist, record_counts_sums_and_keeps_max)
{
	gale_hist h = { 0 };
	gale_hist_record(&h, 5);
	gale_hist_record(&h, 1000);
	gale_hist_record(&h, 20);
	cr_assert_eq(h.count, 3);
	cr_assert_eq(h.sum_us, 1025);
	cr_assert_eq(h.max_us, 1000);
	cr_assert_eq(h.buckets[gale_hist_bucket(5)], 1);
	cr_assert_eq(h.buckets[gale_hist_bucket(1000)], 1);
	cr_assert_eq(h.buckets[gale_hist_bucket(20)], 1);
}

Test(hist, empty_quantile_is_zero)
{
	gale_hist h = { 0 };
	cr_assert_eq(gale_hist_quantile(&h, 0.0), 0);
	cr_assert_eq(gale_hist_quantile(&h, 0.5), 0);
	cr_assert_eq(gale_hist_quantile(&h, 1.0), 0);
}

Test(hist, quantile_is_clamped_to_max)
{
	gale_hist h = { 0 };
	gale_hist_record(&h, 1001);
	cr_assert_eq(gale_hist_quantile(&h, 0.5), 1001);
	cr_assert_eq(gale_hist_quantile(&h, 1.0), 1001);
	cr_assert_eq(gale_hist_quantile(&h, 2.0), 1001);
	cr_assert_eq(gale_hist_quantile(&h, -1.0), 1001);
}

static void
check_quantiles(const uint64_t *vals, size_t n)
{
	gale_hist h = { 0 };
	for (size_t i = 0; i < n; i++) {
		gale_hist_record(&h, vals[i]);
	}
	uint64_t *sorted = malloc(n * sizeof(*sorted));
	cr_assert_not_null(sorted);
	memcpy(sorted, vals, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);

	static const double qs[] = { 0.0, 0.001, 0.01, 0.25, 0.5, 0.75,
		0.9, 0.99, 0.999, 1.0 };
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t) (qs[i] * (double) n);
		if ((double) rank < qs[i] * (double) n) {
			rank++;
		}
		rank       = rank == 0 ? 1 : rank;
		uint64_t v = sorted[rank - 1];
		uint64_t q = gale_hist_quantile(&h, qs[i]);
		cr_assert_geq(q, v, "q=%g", qs[i]);
		cr_assert_leq(q - v, v / 8, "q=%g: got %lu for %lu", qs[i],
		    (unsigned long) q, (unsigned long) v);
	}
	cr_assert_eq(gale_hist_quantile(&h, 1.0), sorted[n - 1]);
	free(sorted);
}

Test(hist, quantiles_within_an_eighth_of_sorted_samples)
{
	enum { N = 20000 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	cr_assert_not_null(vals);
	uint64_t st = 0x9e3779b97f4a7c15u;

	// Spread over seven decades: every group of buckets is used.
	for (size_t i = 0; i < N; i++) {
		unsigned shift = (unsigned) (fake_rand(&st) % 34);
		vals[i]        = fake_rand(&st) & ((UINT64_C(1) << shift) - 1);
	}
	check_quantiles(vals, N);

	// Narrow: all values share a few buckets.
	for (size_t i = 0; i < N; i++) {
		vals[i] = 5000 + fake_rand(&st) % 300;
	}
	check_quantiles(vals, N);

	// Small values are exact.
	for (size_t i = 0; i < N; i++) {
		vals[i] = fake_rand(&st) % 8;
	}
	check_quantiles(vals, N);
	check_quantiles(vals, 1);
	check_quantiles(vals, 7);
	free(vals);
}

Test(hist, merge_equals_recording_everything_in_one)
{
	gale_hist a   = { 0 };
	gale_hist b   = { 0 };
	gale_hist all = { 0 };
	uint64_t  st  = 42;
	for (int i = 0; i < 5000; i++) {
		uint64_t v = fake_rand(&st) % 10000000;
		gale_hist_record(i % 3 ? &a : &b, v);
		gale_hist_record(&all, v);
	}
	gale_hist m = { 0 };
	gale_hist_merge(&m, &a);
	gale_hist_merge(&m, &b);
	cr_assert_eq(m.count, all.count);
	cr_assert_eq(m.sum_us, all.sum_us);
	cr_assert_eq(m.max_us, all.max_us);
	cr_assert_arr_eq(m.buckets, all.buckets, sizeof(all.buckets));

	gale_hist empty = { 0 };
	gale_hist_merge(&m, &empty);
	cr_assert_eq(m.count, all.count);
	cr_assert_arr_eq(m.buckets, all.buckets, sizeof(all.buckets));
	cr_assert_eq(gale_hist_quantile(&m, 0.5), gale_hist_quantile(&all, 0.5));
}

Test(metrics, snapshot_copies_counters_and_histograms)
{
	gale_task_metrics *m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
	gale_metric_add(m, GALE_M_EMITTED, 7);
	gale_metric_add(m, GALE_M_EMITTED, 3);
	gale_metric_set(m, GALE_M_PENDING, 4);
	gale_metric_add(m, GALE_M_DROPPED, 1);
	gale_hist_record(&m->complete, 1500);
	gale_hist_record(&m->execute, 20);
	gale_hist_record(&m->execute, 30);

	gale_task_snapshot snap;
	memset(&snap, 0xab, sizeof(snap));
	gale_task_metrics_snapshot(m, 17, "split", &snap);
	cr_assert_eq(snap.task, 17);
	cr_assert_str_eq(snap.component, "split");
	cr_assert_eq(snap.c[GALE_M_EMITTED], 10);
	cr_assert_eq(snap.c[GALE_M_PENDING], 4);
	cr_assert_eq(snap.c[GALE_M_DROPPED], 1);
	cr_assert_eq(snap.c[GALE_M_ACKED], 0);
	cr_assert_eq(snap.complete.count, 1);
	cr_assert_eq(snap.complete.max_us, 1500);
	cr_assert_eq(snap.execute.count, 2);
	cr_assert_eq(snap.execute.sum_us, 50);
	cr_assert_not(snap.finished);
	cr_assert_not(snap.exhausted);

	// The snapshot is a copy: later changes do not reach it.
	gale_metric_add(m, GALE_M_EMITTED, 5);
	gale_hist_record(&m->complete, 1);
	cr_assert_eq(snap.c[GALE_M_EMITTED], 10);
	cr_assert_eq(snap.complete.count, 1);
	free(m);
}

Test(metrics, snapshot_truncates_long_component_names)
{
	gale_task_metrics *m = calloc(1, sizeof(*m));
	cr_assert_not_null(m);
	char long_name[300];
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	gale_task_snapshot snap;
	gale_task_metrics_snapshot(m, 1, long_name, &snap);
	cr_assert_eq(strlen(snap.component), sizeof(snap.component) - 1);
	gale_task_metrics_snapshot(m, 1, NULL, &snap);
	cr_assert_str_eq(snap.component, "");
	free(m);
}

Test(hist, live_record_matches_plain_record)
{
	gale_hist_live *live = calloc(1, sizeof(*live));
	cr_assert_not_null(live);
	gale_hist plain = { 0 };
	uint64_t  st    = 7;
	for (int i = 0; i < 5000; i++) {
		uint64_t v = fake_rand(&st) >> (fake_rand(&st) % 64);
		gale_hist_record(live, v);
		gale_hist_record(&plain, v);
	}
	gale_hist got;
	memset(&got, 0xab, sizeof(got));
	gale_hist_live_load(live, &got);
	cr_assert(memcmp(&got, &plain, sizeof(got)) == 0);
	free(live);
}

typedef struct hist_race {
	gale_task_metrics *m;
	atomic_bool        done;
} hist_race;

enum { RACE_VALUES = 200000, RACE_VALUE = 12 };

static void *
hist_race_writer(void *arg)
{
	hist_race *r = arg;
	for (int i = 0; i < RACE_VALUES; i++) {
		gale_hist_record(&r->m->execute, RACE_VALUE);
	}
	atomic_store(&r->done, true);
	return NULL;
}

// Snapshots taken while the executor records: each word is a value the
// writer stored (so it only grows, and sums stay multiples of the value),
// and the last snapshot holds everything. Under ThreadSanitizer this also
// proves the copy is not a data race.
Test(metrics, snapshots_taken_while_recording_are_never_torn)
{
	hist_race r = { .m = calloc(1, sizeof(gale_task_metrics)) };
	cr_assert_not_null(r.m);
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, hist_race_writer, &r), 0);
	gale_task_snapshot *snap = malloc(sizeof(*snap));
	cr_assert_not_null(snap);
	uint64_t last_count = 0, last_sum = 0;
	size_t   b          = gale_hist_bucket(RACE_VALUE);
	bool     finished   = false;
	while (!finished) {
		finished = atomic_load(&r.done);
		gale_task_metrics_snapshot(r.m, 1, "count", snap);
		const gale_hist *h = &snap->execute;
		cr_assert_geq(h->count, last_count);
		cr_assert_geq(h->sum_us, last_sum);
		cr_assert_leq(h->count, RACE_VALUES);
		cr_assert_eq(h->sum_us % RACE_VALUE, 0);
		cr_assert_leq(h->buckets[b], RACE_VALUES);
		cr_assert(h->max_us == 0 || h->max_us == RACE_VALUE);
		last_count = h->count;
		last_sum   = h->sum_us;
	}
	cr_assert_eq(pthread_join(th, NULL), 0);
	gale_task_metrics_snapshot(r.m, 1, "count", snap);
	cr_assert_eq(snap->execute.count, RACE_VALUES);
	cr_assert_eq(snap->execute.buckets[b], RACE_VALUES);
	cr_assert_eq(snap->execute.sum_us, (uint64_t) RACE_VALUES * RACE_VALUE);
	cr_assert_eq(snap->complete.count, 0);
	free(snap);
	free(r.m);
}

Test(metrics, named_gauges_are_set_in_place_and_snapshotted)
{
	static gale_task_metrics m;
	memset(&m, 0, sizeof(m));
	cr_assert_eq(gale_task_gauge_set(&m, "lag.t.0", 5), 0);
	cr_assert_eq(gale_task_gauge_set(&m, "lag.t.1", 6), 0);
	cr_assert_eq(gale_task_gauge_set(&m, "lag.t.0", 9), 0);
	cr_assert_eq(gale_task_gauge_set(&m, "", 1), -1);
	char longname[GALE_GAUGE_NAME_MAX + 1];
	memset(longname, 'x', GALE_GAUGE_NAME_MAX);
	longname[GALE_GAUGE_NAME_MAX] = '\0';
	cr_assert_eq(gale_task_gauge_set(&m, longname, 1), -1);
	static gale_task_snapshot s;
	gale_task_metrics_snapshot(&m, 3, "spout", &s);
	cr_assert_eq(s.ngauges, 2);
	cr_assert_str_eq(s.gauges[0].name, "lag.t.0");
	cr_assert_eq(s.gauges[0].value, 9);
	cr_assert_eq(s.gauges[1].value, 6);
	for (int i = 2; i < GALE_GAUGES_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "g%d", i);
		cr_assert_eq(gale_task_gauge_set(&m, name, i), 0);
	}
	cr_assert_eq(gale_task_gauge_set(&m, "one.more", 1), -1);
	cr_assert_eq(gale_task_gauge_set(&m, "g5", 50), 0);
}
