// SPDX-License-Identifier: MIT
// window_test - the window store driven by hand with its own clock: count
// windows sliding and tumbling, processing-time windows, event time with
// out-of-order timestamps, lag and late tuples, acking after expiry, the
// max_tuples bound, and the option parser.

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "runtime/window.h"

static const char *const      rec_fields[] = { "n", "ts", NULL };
static const gale_stream_decl rec_decl     = { "default", rec_fields };

// What the hooks saw: each activation as "[1 2 3|new 2 3|exp 1]@start,end"
// appended to log, and the tuples acked and failed.
static struct {
	char    log[8192];
	int64_t acked[256], failed[256];
	size_t  nacked, nfailed;
} rec;

static int64_t
rec_n(const gale_tuple *t)
{
	return gale_tuple_get(t, 0)->u.i64;
}

static void
rec_list(const gale_tuple *const *ts, size_t n, const char *label)
{
	size_t at = strlen(rec.log);
	at += (size_t) snprintf(
	    rec.log + at, sizeof(rec.log) - at, "%s", label);
	for (size_t i = 0; i < n; i++) {
		at += (size_t) snprintf(rec.log + at, sizeof(rec.log) - at,
		    "%s%lld", i ? " " : "", (long long) rec_n(ts[i]));
	}
}

static void
rec_activate(void *arg, const gale_window *w)
{
	(void) arg;
	size_t                   n;
	const gale_tuple *const *ts = gale_window_tuples(w, &n);
	rec_list(ts, n, "[");
	ts = gale_window_new_tuples(w, &n);
	rec_list(ts, n, "|new ");
	ts = gale_window_expired_tuples(w, &n);
	rec_list(ts, n, "|exp ");
	size_t at = strlen(rec.log);
	snprintf(rec.log + at, sizeof(rec.log) - at, "]@%lld,%lld ",
	    (long long) gale_window_start(w), (long long) gale_window_end(w));
}

static void
rec_ack(void *arg, gale_tuple *t)
{
	(void) arg;
	t->done                 = true;
	rec.acked[rec.nacked++] = rec_n(t);
}

static void
rec_fail(void *arg, gale_tuple *t)
{
	(void) arg;
	t->done                   = true;
	rec.failed[rec.nfailed++] = rec_n(t);
}

static gale_window_store *
store(gale_window_cfg cfg)
{
	memset(&rec, 0, sizeof(rec));
	gale_window_hooks  h = { NULL, rec_activate, rec_ack, rec_fail };
	gale_window_store *w = NULL;
	cr_assert_eq(gale__window_new(&w, &cfg, &h), GALE_OK);
	return w;
}

// Adds tuple n with timestamp ts, arriving at now; returns what became of
// it.
static gale_window_added
add(gale_window_store *w, int64_t n, int64_t ts, int64_t now)
{
	gale_value        v[2]  = { gale_i64(n), gale_i64(ts) };
	gale_anchor       a     = { .root = (uint64_t) n + 100, .edge = 7 };
	gale_tuple        t     = { .values = v,
			   .nvalues         = 2,
			   .decl            = &rec_decl,
			   .anchors         = &a,
			   .nanchors        = 1,
			   .src_task        = 1 };
	gale_window_added added = GALE_WINDOW_ADDED;
	cr_assert_eq(gale__window_add(w, &t, now, &added), GALE_OK);
	return added;
}

Test(window, count_sliding_activations_hold_the_last_length_tuples)
{
	gale_window_store *w = store(
	    (gale_window_cfg) { .count = true, .length = 4, .slide = 2 });
	for (int64_t i = 1; i <= 8; i++) {
		add(w, i, 0, i * 10);
	}
	cr_assert_str_eq(rec.log,
	    "[1 2|new 1 2|exp ]@10,20 "
	    "[1 2 3 4|new 3 4|exp ]@10,40 "
	    "[3 4 5 6|new 5 6|exp 1 2]@30,60 "
	    "[5 6 7 8|new 7 8|exp 3 4]@50,80 ");
	// A tuple is acked as soon as no later window can hold it: 1 and 2
	// after the activation that was their last.
	cr_assert_eq(rec.nacked, 6);
	int64_t want[] = { 1, 2, 3, 4, 5, 6 };
	cr_assert_arr_eq(rec.acked, want, sizeof(want));
	gale__window_destroy(&w);
	cr_assert_null(w);
}

Test(window, count_tumbling_windows_do_not_overlap)
{
	gale_window_store *w = store(
	    (gale_window_cfg) { .count = true, .length = 3, .slide = 3 });
	for (int64_t i = 1; i <= 7; i++) {
		add(w, i, 0, i);
	}
	cr_assert_str_eq(rec.log,
	    "[1 2 3|new 1 2 3|exp ]@1,3 [4 5 6|new 4 5 6|exp 1 2 3]@4,6 ");
	cr_assert_eq(rec.nacked, 6);
	cr_assert_eq(gale__window_held(w), 1);
	// The end of input activates what no window has seen yet.
	gale__window_flush(w, 100);
	cr_assert_str_eq(rec.log
		+ strlen("[1 2 3|new 1 2 3|exp ]@1,3 "
			 "[4 5 6|new 4 5 6|exp 1 2 3]@4,6 "),
	    "[7|new 7|exp 4 5 6]@7,7 ");
	cr_assert_eq(rec.nacked, 7);
	cr_assert_eq(gale__window_held(w), 0);
	gale__window_destroy(&w);
}

Test(window, processing_time_windows_follow_the_given_clock)
{
	gale_window_store *w
	    = store((gale_window_cfg) { .length = 1000, .slide = 500 });
	cr_assert_eq(gale__window_advance(w, 0), 500);
	add(w, 1, 0, 100);
	add(w, 2, 0, 400);
	cr_assert_eq(gale__window_advance(w, 499), 500);
	cr_assert_str_eq(rec.log, "");
	cr_assert_eq(gale__window_advance(w, 500), 1000);
	add(w, 3, 0, 700);
	gale__window_advance(w, 1000);
	add(w, 4, 0, 1200);
	gale__window_advance(w, 1500);
	gale__window_advance(w, 2000);
	cr_assert_str_eq(rec.log,
	    "[1 2|new 1 2|exp ]@-500,500 "
	    "[1 2 3|new 3|exp ]@0,1000 "
	    "[3 4|new 4|exp 1 2]@500,1500 "
	    "[4|new |exp 3]@1000,2000 ");
	// Each was acked once the next window could no longer hold it.
	int64_t want[] = { 1, 2, 3, 4 };
	cr_assert_eq(rec.nacked, 4);
	cr_assert_arr_eq(rec.acked, want, sizeof(want));
	// An empty window still reports what left; after that, nothing
	// held and nothing expired: no activation.
	size_t before = strlen(rec.log);
	gale__window_advance(w, 4000);
	cr_assert_str_eq(rec.log + before, "[|new |exp 4]@1500,2500 ");
	gale__window_destroy(&w);
}

Test(window, event_time_windows_come_from_the_timestamps)
{
	gale_window_store *w = store((gale_window_cfg) { .length = 20000,
	    .slide                                               = 10000,
	    .ts_field                                            = "ts",
	    .watermark_ms                                        = 1000,
	    .lag_ms                                              = 5000,
	    .late_stream                                         = true });
	// Storm's example (docs/Windowing.md), in seconds of event time
	// 3, 5, 7, 18, 26, 36 arriving out of order.
	gale__window_advance(w, 0);
	add(w, 3, 7000, 10);
	add(w, 1, 3000, 20);
	add(w, 4, 18000, 30);
	add(w, 2, 5000, 40);
	add(w, 6, 36000, 50);
	add(w, 5, 26000, 60);
	cr_assert_eq(gale__window_advance(w, 999), 1000);
	cr_assert_str_eq(rec.log, "");
	gale__window_advance(w, 1000);
	// The watermark is 36 - 5 = 31: windows ending at 10, 20 and 30.
	cr_assert_eq(gale__window_watermark(w), 31000);
	cr_assert_str_eq(rec.log,
	    "[1 2 3|new 1 2 3|exp ]@-10000,10000 "
	    "[1 2 3 4|new 4|exp ]@0,20000 "
	    "[4 5|new 5|exp 1 2 3]@10000,30000 ");
	// Older than the watermark: late, not kept.
	cr_assert_eq(add(w, 7, 30000, 1100), GALE_WINDOW_LATE);
	cr_assert_eq(gale__window_late(w), 1);
	// In time despite being out of order: within the lag.
	cr_assert_eq(add(w, 8, 32000, 1200), GALE_WINDOW_ADDED);
	// A tuple without its timestamp is refused.
	gale_value v = gale_i64(9);
	gale_tuple t = { .values = &v, .nvalues = 1, .decl = &rec_decl };
	gale_window_added added;
	cr_assert_eq(gale__window_add(w, &t, 1300, &added), GALE_OK);
	cr_assert_eq(added, GALE_WINDOW_NO_TIMESTAMP);
	// Far ahead: the windows in between that hold nothing are skipped.
	add(w, 10, 90000, 1400);
	gale__window_advance(w, 2000);
	const char *tail = rec.log
	    + strlen("[1 2 3|new 1 2 3|exp ]@-10000,10000 "
		     "[1 2 3 4|new 4|exp ]@0,20000 "
		     "[4 5|new 5|exp 1 2 3]@10000,30000 ");
	cr_assert_str_eq(tail,
	    "[5 8 6|new 8 6|exp 4]@20000,40000 "
	    "[8 6|new |exp 5]@30000,50000 ");
	// The watermark (85 s) has not passed the end of 10's window yet.
	cr_assert_eq(gale__window_watermark(w), 85000);
	add(w, 11, 96000, 2100);
	gale__window_advance(w, 3000);
	cr_assert(strstr(rec.log, "[10|new 10|exp 8 6]@70000,90000 ") != NULL,
	    "%s", rec.log);
	gale__window_destroy(&w);
}

Test(window, max_tuples_fails_the_oldest)
{
	gale_window_store *w = store((gale_window_cfg) {
	    .length = 1000, .slide = 1000, .max_tuples = 3 });
	gale__window_advance(w, 0);
	for (int64_t i = 1; i <= 5; i++) {
		add(w, i, 0, i);
	}
	cr_assert_eq(gale__window_held(w), 3);
	int64_t want[] = { 1, 2 };
	cr_assert_eq(rec.nfailed, 2);
	cr_assert_arr_eq(rec.failed, want, sizeof(want));
	gale__window_advance(w, 1000);
	cr_assert_str_eq(rec.log, "[3 4 5|new 3 4 5|exp ]@0,1000 ");
	gale__window_destroy(&w);
}

static size_t             cover_nreps;
static uint64_t           cover_pairs[16][2];
static size_t             cover_npairs;
static gale_window_store *cover_store;

static void
cover_activate(void *arg, const gale_window *w)
{
	(void) arg;
	(void) w;
	gale_tuple *const      *reps;
	const gale_window_pair *pairs;
	cover_nreps
	    = gale__window_cover(cover_store, &reps, &pairs, &cover_npairs);
	for (size_t i = 0; i < cover_npairs; i++) {
		cover_pairs[i][0] = pairs[i].root;
		cover_pairs[i][1] = pairs[i].rep;
	}
}

Test(window, cover_carries_every_root_through_few_tuples)
{
	gale_window_cfg   cfg = { .count = true, .length = 4, .slide = 4 };
	gale_window_hooks h   = { NULL, cover_activate, rec_ack, rec_fail };
	cr_assert_eq(gale__window_new(&cover_store, &cfg, &h), GALE_OK);
	// Roots of the four tuples: {1}, {1, 2}, {3}, {2}.
	gale_anchor a[4][2] = { { { 1, 9 } }, { { 1, 9 }, { 2, 9 } },
		{ { 3, 9 } }, { { 2, 9 } } };
	size_t      na[4]   = { 1, 2, 1, 1 };
	for (int i = 0; i < 4; i++) {
		gale_value        v = gale_i64(i);
		gale_tuple        t = { .values = &v,
			       .nvalues         = 1,
			       .decl            = &rec_decl,
			       .anchors         = a[i],
			       .nanchors        = na[i] };
		gale_window_added added;
		cr_assert_eq(
		    gale__window_add(cover_store, &t, i, &added), GALE_OK);
	}
	// The first tuple carries root 1, the second roots 1 and 2, the
	// third root 3; the fourth adds nothing.
	cr_assert_eq(cover_nreps, 3);
	uint64_t want[4][2] = { { 1, 0 }, { 1, 1 }, { 2, 1 }, { 3, 2 } };
	cr_assert_eq(cover_npairs, 4);
	cr_assert_arr_eq(cover_pairs, want, sizeof(want));
	gale__window_destroy(&cover_store);
}

// ---------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------

static const char *const *opts;

static const char *
look(void *arg, const char *name)
{
	(void) arg;
	for (size_t i = 0; opts[i] != NULL; i += 2) {
		if (strcmp(opts[i], name) == 0) {
			return opts[i + 1];
		}
	}
	return NULL;
}

static gale_err
parse(gale_window_cfg *cfg, char *why, const char *const *o)
{
	opts = o;
	return gale__window_cfg_read(cfg, look, NULL, NULL, NULL, why, 512);
}

Test(window, options_read_counts_and_durations)
{
	gale_window_cfg cfg;
	char            why[512];
	cr_assert_eq(parse(&cfg, why,
			 (const char *const[]) { "window.length", "1000",
			     "window.slide", "10", NULL }),
	    GALE_OK);
	cr_assert(cfg.count);
	cr_assert_eq(cfg.length, 1000);
	cr_assert_eq(cfg.slide, 10);
	cr_assert_eq(cfg.max_tuples, GALE_WINDOW_MAX_TUPLES_DEFAULT);
	cr_assert_eq(parse(&cfg, why,
			 (const char *const[]) { "window.length", "5m",
			     "window.timestamp_field", "ts", "window.lag",
			     "2s", "window.late_stream", "true", NULL }),
	    GALE_OK, "%s", why);
	cr_assert(!cfg.count);
	cr_assert_eq(cfg.length, 300000);
	cr_assert_eq(cfg.slide, 300000);
	cr_assert_eq(cfg.lag_ms, 2000);
	cr_assert_eq(cfg.watermark_ms, 1000);
	cr_assert(cfg.late_stream);
	cr_assert_str_eq(cfg.ts_field, "ts");
}

Test(window, options_errors_name_the_option)
{
	gale_window_cfg cfg;
	char            why[512];
	cr_assert_eq(
	    parse(&cfg, why, (const char *const[]) { NULL }), GALE_EINVAL);
	cr_assert(strstr(why, "option 'window.length' is required") != NULL,
	    "%s", why);
	cr_assert_eq(parse(&cfg, why,
			 (const char *const[]) { "window.length", "30s",
			     "window.slide", "10", NULL }),
	    GALE_EINVAL);
	cr_assert(strstr(why, "both as counts or both as durations") != NULL,
	    "%s", why);
	cr_assert_eq(parse(&cfg, why,
			 (const char *const[]) { "window.length", "10s",
			     "window.slide", "20s", NULL }),
	    GALE_EINVAL);
	cr_assert(strstr(why, "longer than the window") != NULL, "%s", why);
	cr_assert_eq(
	    parse(&cfg, why,
		(const char *const[]) { "window.length", "abc", NULL }),
	    GALE_EINVAL);
	cr_assert(strstr(why, "'abc' is neither a count") != NULL, "%s", why);
	cr_assert_eq(parse(&cfg, why,
			 (const char *const[]) { "window.length", "100",
			     "window.timestamp_field", "ts", NULL }),
	    GALE_EINVAL);
	cr_assert(strstr(why, "needs a duration window") != NULL, "%s", why);
	cr_assert_eq(parse(&cfg, why,
			 (const char *const[]) { "window.length", "100",
			     "window.max_tuples", "10", NULL }),
	    GALE_EINVAL);
	cr_assert(
	    strstr(why, "more than window.max_tuples") != NULL, "%s", why);
}
