// SPDX-License-Identifier: MIT
// stats_recent_test.c - the stats' rolling windows on an injected clock,
// and the recent traces they keep, through the stats reply's codec too.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"
#include "workers/stats.h"

#define MIN_MS 60000ull

static gale_stats *
wc_new(void)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "wc"), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "words", true, 1), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "count", false, 1), GALE_OK);
	return s;
}

// One heartbeat of worker 0: the spout acked (and emitted) `acked`
// trees, each of 2 ms; the bolt executed twice as many.
static void
feed(gale_stats *s, uint64_t now_ms, uint64_t acked, gale_trace_record *traces,
    size_t ntraces, uint32_t pid)
{
	gale_task_snapshot ts[2];
	memset(ts, 0, sizeof(ts));
	ts[0].task = 1;
	snprintf(ts[0].component, sizeof(ts[0].component), "words");
	ts[0].c[GALE_M_ACKED]   = acked;
	ts[0].c[GALE_M_EMITTED] = acked;
	for (uint64_t i = 0; i < acked; i++) {
		gale_hist_record(&ts[0].complete, 2000);
	}
	ts[1].task = 2;
	snprintf(ts[1].component, sizeof(ts[1].component), "count");
	ts[1].c[GALE_M_EXECUTED] = 2 * acked;
	gale_heartbeat hb        = { .topology = "wc",
		       .pid                    = pid,
		       .tasks                  = ts,
		       .ntasks                 = 2,
		       .traces                 = traces,
		       .ntraces                = ntraces };
	cr_assert_eq(gale_stats_update(s, &hb, "h", now_ms), GALE_OK, "%s",
	    gale_stats_last_error(s));
}

static const gale_window_counts *
window(const gale_topology_stats *st, uint32_t secs, const char *id)
{
	for (size_t i = 0; i < st->nwindows; i++) {
		if (st->windows[i].secs != secs) {
			continue;
		}
		for (size_t k = 0; k < st->windows[i].ncomponents; k++) {
			if (strcmp(st->windows[i].components[k].id, id) == 0) {
				return &st->windows[i].components[k];
			}
		}
	}
	cr_assert_fail("no window %u of %s", secs, id);
	return NULL;
}

Test(stats_recent, a_window_excludes_counts_older_than_it)
{
	gale_stats *s = wc_new();
	feed(s, 1000, 100, NULL, 0, 7);
	feed(s, 5 * MIN_MS, 120, NULL, 0, 7);
	feed(s, 11 * MIN_MS, 150, NULL, 0, 7);
	gale_topology_stats st;
	cr_assert_eq(gale_stats_report(s, 11 * MIN_MS, false, &st), GALE_OK);
	cr_assert_eq(st.nwindows, 3);
	// 10 minutes back is minute 1: what came after minute 0 ended.
	const gale_window_counts *w = window(&st, 600, "words");
	cr_assert_eq(w->acked, 50);
	cr_assert_eq(w->emitted, 50);
	cr_assert_eq(w->complete_count, 50);
	cr_assert_eq(w->complete_sum_us, 50 * 2000);
	cr_assert_eq(window(&st, 600, "count")->executed, 100);
	// The longer windows hold the whole run; so does all time.
	cr_assert_eq(window(&st, 10800, "words")->acked, 150);
	cr_assert_eq(window(&st, 86400, "words")->acked, 150);
	cr_assert_eq(st.components[0].c[GALE_M_ACKED], 150);
	gale_topology_stats_fini(&st);

	// Ten idle minutes after the last count: the short window is empty.
	cr_assert_eq(gale_stats_report(s, 22 * MIN_MS, false, &st), GALE_OK);
	cr_assert_eq(window(&st, 600, "words")->acked, 0);
	cr_assert_eq(window(&st, 600, "count")->executed, 0);
	cr_assert_eq(window(&st, 10800, "words")->acked, 150);
	gale_topology_stats_fini(&st);
	gale_stats_destroy(&s);
}

Test(stats_recent, a_day_long_run_keeps_only_the_last_day)
{
	gale_stats *s     = wc_new();
	uint64_t    acked = 0;
	// 10 more every 10 minutes for 30 hours.
	for (uint64_t t = 0; t <= 30 * 60; t += 10) {
		acked += 10;
		feed(s, t * MIN_MS + 1, acked, NULL, 0, 7);
	}
	gale_topology_stats st;
	cr_assert_eq(
	    gale_stats_report(s, 30 * 60 * MIN_MS + 1, false, &st), GALE_OK);
	// A day holds 144 ten-minute steps, give or take one bucket.
	uint64_t day = window(&st, 86400, "words")->acked;
	cr_assert(day >= 1440 && day <= 1460, "%lu", (unsigned long) day);
	uint64_t three = window(&st, 10800, "words")->acked;
	cr_assert(three >= 180 && three <= 200, "%lu", (unsigned long) three);
	uint64_t ten = window(&st, 600, "words")->acked;
	cr_assert(ten >= 10 && ten <= 20, "%lu", (unsigned long) ten);
	cr_assert_eq(st.components[0].c[GALE_M_ACKED], acked);
	gale_topology_stats_fini(&st);
	gale_stats_destroy(&s);
}

static gale_trace_record
trace(uint64_t seq, uint64_t root)
{
	gale_trace_record t = { .seq = seq,
		.root                = root,
		.task                = 1,
		.nsteps              = 1,
		.duration_us         = 1500 };
	snprintf(t.spout, sizeof(t.spout), "words");
	snprintf(t.steps[0].component, sizeof(t.steps[0].component), "words");
	t.steps[0].kind     = GALE_TRACE_EMITTED;
	t.steps[0].anchored = 3;
	return t;
}

Test(stats_recent, traces_are_kept_once_each_and_the_newest_32)
{
	gale_stats       *s    = wc_new();
	gale_trace_record t[3] = { trace(1, 11), trace(2, 12), trace(3, 13) };
	feed(s, 1000, 1, t, 2, 7);
	// Heartbeats repeat what the worker's ring holds.
	feed(s, 2000, 1, t, 3, 7);
	gale_topology_stats st;
	cr_assert_eq(gale_stats_report(s, 2000, false, &st), GALE_OK);
	cr_assert_eq(st.ntraces, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(st.traces[i].root, 11 + i);
	}
	gale_topology_stats_fini(&st);
	// A restarted worker numbers its trees from 1 again.
	gale_trace_record fresh = trace(1, 99);
	feed(s, 3000, 1, &fresh, 1, 8);
	cr_assert_eq(gale_stats_report(s, 3000, false, &st), GALE_OK);
	cr_assert_eq(st.ntraces, 4);
	cr_assert_eq(st.traces[3].root, 99);
	gale_topology_stats_fini(&st);
	for (uint64_t i = 2; i < 60; i++) {
		gale_trace_record r = trace(i, 1000 + i);
		feed(s, 3000 + i, 1, &r, 1, 8);
	}
	cr_assert_eq(gale_stats_report(s, 9000, false, &st), GALE_OK);
	cr_assert_eq(st.ntraces, 32);
	cr_assert_eq(st.traces[0].root, 1000 + 28);
	cr_assert_eq(st.traces[31].root, 1000 + 59);

	// Windows and traces travel in the stats reply.
	gale_reply rep = { .ok = true, .stats = &st };
	uint8_t   *buf;
	size_t     len;
	cr_assert_eq(gale_reply_encode(&rep, &buf, &len), GALE_OK);
	gale_reply got;
	cr_assert_eq(gale_reply_decode(&got, buf, len), GALE_OK);
	free(buf);
	cr_assert_not_null(got.stats);
	cr_assert_eq(got.stats->ntraces, 32);
	const gale_trace_record *a = &got.stats->traces[31];
	cr_assert_eq(a->root, 1000 + 59);
	cr_assert_eq(a->duration_us, 1500);
	cr_assert_eq(a->nsteps, 1);
	cr_assert_str_eq(a->steps[0].component, "words");
	cr_assert_eq(a->steps[0].anchored, 3);
	cr_assert_eq(got.stats->nwindows, 3);
	cr_assert_eq(window(got.stats, 600, "words")->acked,
	    window(&st, 600, "words")->acked);
	cr_assert_eq(window(got.stats, 86400, "count")->executed,
	    window(&st, 86400, "count")->executed);
	gale_reply_fini(&got);
	gale_topology_stats_fini(&st);
	gale_stats_destroy(&s);
}
