// SPDX-License-Identifier: MIT
// bolt_exec_test - the bolt kind driven in-process: tick tuples (their
// frequency, that they are not tracked, that they reach a bolt whose
// input queue is full) and windowed bolts (inputs acked only once they
// leave the window, and replayed when a downstream bolt fails what the
// window emitted).

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "components/bolts.h"
#include "runtime/executor.h"
#include "tests/runtime/fake_world.h"

// ---------------------------------------------------------------------
// A worker built by hand: one process, every task local
// ---------------------------------------------------------------------

static void
world_option(fake_world *w, const char *id, const char *key, const char *v)
{
	static gale_option opts[6][8];
	for (size_t i = 0; i < w->t.ncomponents; i++) {
		gale_component_def *d = &w->comps[i];
		if (strcmp(d->id, id) == 0) {
			d->options                 = opts[i];
			opts[i][d->noptions].key   = (char *) key;
			opts[i][d->noptions].value = (char *) v;
			d->noptions++;
			return;
		}
	}
	cr_assert_fail("no component %s", id);
}

// ---------------------------------------------------------------------
// Fake components, reporting through globals
// ---------------------------------------------------------------------

static struct {
	_Atomic uint64_t ticks, executed;
	_Atomic uint64_t tick_ns[16];
	_Atomic bool     tick_wrong; // a tick that does not look like one
	uint64_t         sleep_us; // per input tuple
} ticker;

static void
ticker_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	if (gale_tuple_is_tick(t)) {
		uint64_t k = atomic_fetch_add(&ticker.ticks, 1);
		if (k < 16) {
			atomic_store(&ticker.tick_ns[k], gale_now_ns());
		}
		const gale_value *secs = gale_tuple_field(t, "secs");
		if (strcmp(gale_tuple_source(t), "__system") != 0
		    || strcmp(gale_tuple_stream(t), "__tick") != 0
		    || secs == NULL || secs->u.i64 != 1) {
			atomic_store(&ticker.tick_wrong, true);
		}
		// Neither does anything to a tick.
		gale_ack(c, t);
		gale_fail(c, t);
		return;
	}
	atomic_fetch_add(&ticker.executed, 1);
	if (ticker.sleep_us > 0) {
		usleep((useconds_t) ticker.sleep_us);
	}
}

static const gale_bolt_ops ticker_ops = { .execute = ticker_execute };

// A windowed bolt: emits the sum of its window's values, anchored to the
// window, at each activation.
static struct {
	_Atomic uint64_t activations, first_ns;
} win;

static void
win_execute(void *self, const gale_window *w, gale_collector *c)
{
	(void) self;
	size_t                   n;
	const gale_tuple *const *ts  = gale_window_tuples(w, &n);
	int64_t                  sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += gale_tuple_get(ts[i], 0)->u.i64;
	}
	if (atomic_fetch_add(&win.activations, 1) == 0) {
		atomic_store(&win.first_ns, gale_now_ns());
	}
	gale_value v = gale_i64(sum);
	cr_assert_eq(gale_emit(c, NULL, &v, 1, NULL, 0), GALE_OK);
}

static const gale_bolt_ops win_ops = {
	.outputs        = fake_outputs,
	.execute_window = win_execute,
};

// Fails the first fail_first tuples it gets, acks the others.
static struct {
	uint64_t         fail_first;
	_Atomic uint64_t seen;
} sink;

static void
sink_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	if (atomic_fetch_add(&sink.seen, 1) < sink.fail_first) {
		gale_fail(c, t);
	}
}

static const gale_bolt_ops sink_ops = { .execute = sink_execute };

static bool
wait_until(_Atomic uint64_t *counter, uint64_t want, int timeout_s)
{
	uint64_t deadline = gale_now_ns() + (uint64_t) timeout_s * 1000000000u;
	while (gale_now_ns() < deadline) {
		if (atomic_load(counter) >= want) {
			return true;
		}
		usleep(1000);
	}
	return false;
}

// ---------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------

Test(bolt_exec, ticks_come_at_their_frequency_untracked)
{
	fake_world w;
	world_init(&w);
	world_spout(&w, "s", &fake_replaying_spout_ops);
	world_bolt(&w, "b", &ticker_ops);
	world_stream(&w, "s", "b");
	world_config(&w, "topology.tick.tuple.freq.secs", "1");
	world_start(&w, 1);
	uint64_t start = gale_now_ns();
	cr_assert(wait_until(&ticker.ticks, 3, 10));
	for (int k = 0; k < 3; k++) {
		uint64_t prev
		    = k == 0 ? start : atomic_load(&ticker.tick_ns[k - 1]);
		double gap
		    = (double) (atomic_load(&ticker.tick_ns[k]) - prev) / 1e9;
		cr_assert(
		    gap > 0.85 && gap < 1.15, "tick %d after %.3f s", k, gap);
	}
	cr_assert(!atomic_load(&ticker.tick_wrong));
	// Not tracked: the bolt acked nothing and its acker heard nothing.
	cr_assert_eq(world_metric(&w, "b", GALE_M_ACKED), 0);
	cr_assert_eq(world_metric(&w, "b", GALE_M_FAILED), 0);
	cr_assert_eq(world_metric(&w, "__acker", GALE_M_EXECUTED), 0);
	world_fini(&w);
}

Test(bolt_exec, ticks_reach_a_bolt_whose_queue_is_full)
{
	fake_world w;
	world_init(&w);
	fake_spout.untracked = true;
	ticker.sleep_us      = 100;
	world_spout(&w, "s", &fake_replaying_spout_ops);
	world_bolt(&w, "b", &ticker_ops);
	world_stream(&w, "s", "b");
	world_config(&w, "topology.tick.tuple.freq.secs", "1");
	world_start(&w, 0);
	uint64_t start = gale_now_ns();
	cr_assert(wait_until(&ticker.ticks, 3, 10));
	double took = (double) (atomic_load(&ticker.tick_ns[2]) - start) / 1e9;
	cr_assert(took < 3.5, "3 ticks took %.3f s", took);
	// The spout ran ahead of the slow bolt the whole time: what it
	// emitted and the bolt has not executed waits in the bolt's queue.
	uint64_t behind = atomic_load(&fake_spout.emitted_total)
	    - atomic_load(&ticker.executed);
	cr_assert_gt(behind, 1000, "only %llu tuples queued",
	    (unsigned long long) behind);
	world_fini(&w);
}

// ---------------------------------------------------------------------
// Windowed bolts
// ---------------------------------------------------------------------

Test(bolt_exec, window_inputs_are_acked_once_they_leave_the_window)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit = 20;
	world_spout(&w, "s", &fake_replaying_spout_ops);
	world_bolt(&w, "win", &win_ops);
	world_bolt(&w, "sink", &sink_ops);
	world_stream(&w, "s", "win");
	world_stream(&w, "win", "sink");
	world_option(&w, "win", "window.length", "1s");
	world_start(&w, 1);
	cr_assert(wait_until(&fake_spout.acked, 20, 10));
	cr_assert(world_wait_finished(&w, 10));
	for (int i = 0; i < 20; i++) {
		uint64_t held = atomic_load(&fake_spout.ack_ns[i])
		    - atomic_load(&fake_spout.emit_ns[i]);
		// Emitted at once, all held by the first tumbling window of
		// a second (the window opened when the bolt started).
		cr_assert_gt(held, 100 * 1000000ull,
		    "message %d acked after %.3f s", i, (double) held / 1e9);
		cr_assert_geq(
		    atomic_load(&fake_spout.ack_ns[i]), atomic_load(&win.first_ns));
	}
	cr_assert_eq(atomic_load(&fake_spout.failed), 0);
	cr_assert_geq(atomic_load(&win.activations), 1);
	cr_assert_geq(atomic_load(&sink.seen), 1);
	world_fini(&w);
}

Test(bolt_exec, window_inputs_replay_when_downstream_fails)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit = 10;
	sink.fail_first  = 1;
	world_spout(&w, "s", &fake_replaying_spout_ops);
	world_bolt(&w, "win", &win_ops);
	world_bolt(&w, "sink", &sink_ops);
	world_stream(&w, "s", "win");
	world_stream(&w, "win", "sink");
	world_option(&w, "win", "window.length", "500ms");
	world_start(&w, 1);
	// The first window's sum is failed downstream: every tuple of that
	// window fails at its spout and comes again.
	cr_assert(wait_until(&fake_spout.failed, 10, 10));
	cr_assert(wait_until(&fake_spout.acked, 10, 10));
	cr_assert(world_wait_finished(&w, 10));
	cr_assert_eq(atomic_load(&fake_spout.failed), 10);
	cr_assert_geq(atomic_load(&win.activations), 2);
	world_fini(&w);
}

// ---------------------------------------------------------------------
// Held tuples: acked or failed after execute returned
// ---------------------------------------------------------------------

// Holds every input; its poll emits one tuple anchored to each held tuple
// and acks it, except (keep_first) the first delivery of message 0, which
// it never resolves.
static struct {
	gale_held        held[256];
	size_t           nheld;
	bool             keep_first;
	gale_held        kept;
	_Atomic uint64_t executed, polled, acked_late, stale_ok;
	_Atomic bool     acked_in_execute; // an ack that came too early
} holder;

static void
holder_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	atomic_fetch_add(&holder.executed, 1);
	gale_held h = gale_tuple_hold(c, t);
	cr_assert_neq(h, 0);
	// Holding twice gives the same handle; the original no longer acks.
	cr_assert_eq(gale_tuple_hold(c, t), h);
	gale_ack(c, t);
	if (holder.keep_first && holder.kept == 0
	    && gale_tuple_get(t, 0)->u.i64 == 0) {
		holder.kept = h;
		return;
	}
	cr_assert_lt(holder.nheld, 256);
	holder.held[holder.nheld++] = h;
}

static void
holder_poll(void *self, gale_collector *c)
{
	(void) self;
	atomic_fetch_add(&holder.polled, 1);
	for (size_t i = 0; i < holder.nheld; i++) {
		const gale_tuple *a = gale_held_tuple(c, holder.held[i]);
		cr_assert_not_null(a);
		cr_assert_eq(gale_tuple_size(a), 0);
		cr_assert_str_eq(gale_tuple_source(a), "s");
		gale_value v = gale_i64((int64_t) i);
		cr_assert_eq(gale_emit(c, NULL, &v, 1, &a, 1), GALE_OK);
		gale_ack_held(c, holder.held[i]);
		atomic_fetch_add(&holder.acked_late, 1);
		// Resolved: the handle names nothing any more.
		gale_fail_held(c, holder.held[i]);
		if (gale_held_tuple(c, holder.held[i]) == NULL) {
			atomic_fetch_add(&holder.stale_ok, 1);
		}
	}
	holder.nheld = 0;
}

static const gale_bolt_ops holder_ops = {
	.outputs = fake_outputs,
	.execute = holder_execute,
	.poll    = holder_poll,
	.poll_ms = 20,
};

Test(bolt_exec, held_tuples_are_acked_later_and_anchor_their_emits)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit     = 30;
	sink.fail_first = 1;
	world_spout(&w, "s", &fake_replaying_spout_ops);
	world_bolt(&w, "h", &holder_ops);
	world_bolt(&w, "sink", &sink_ops);
	world_stream(&w, "s", "h");
	world_stream(&w, "h", "sink");
	world_start(&w, 1);
	cr_assert(wait_until(&fake_spout.acked, 30, 10));
	cr_assert(world_wait_finished(&w, 10));
	// The one emit the sink failed was anchored to a held tuple: its
	// message failed and came again, and every message was acked once.
	cr_assert_eq(atomic_load(&fake_spout.failed), 1);
	cr_assert_eq(atomic_load(&fake_spout.acked), 30);
	cr_assert_eq(atomic_load(&holder.executed), 31);
	cr_assert_eq(atomic_load(&holder.acked_late), 31);
	cr_assert_eq(atomic_load(&holder.stale_ok), 31);
	cr_assert_geq(atomic_load(&holder.polled), 1);
	cr_assert_eq(world_metric(&w, "h", GALE_M_ACKED), 31);
	cr_assert_eq(world_metric(&w, "h", GALE_M_FAILED), 0);
	world_fini(&w);
}

Test(bolt_exec, a_held_tuple_left_unresolved_times_out_and_fails_at_cleanup)
{
	fake_world w;
	world_init(&w);
	w.env.timeout_secs = 1;
	fake_spout.limit        = 5;
	holder.keep_first  = true;
	world_spout(&w, "s", &fake_replaying_spout_ops);
	world_bolt(&w, "h", &holder_ops);
	world_bolt(&w, "sink", &sink_ops);
	world_stream(&w, "s", "h");
	world_stream(&w, "h", "sink");
	world_start(&w, 1);
	// Message 0's tree stays pending while its tuple is held: it times
	// out at the spout and is replayed, and the replay is acked.
	cr_assert(wait_until(&fake_spout.acked, 5, 15));
	cr_assert(world_wait_finished(&w, 10));
	cr_assert_eq(atomic_load(&fake_spout.failed), 1);
	cr_assert_eq(atomic_load(&holder.executed), 6);
	// The first delivery, still held at cleanup, was failed then; its
	// tree was gone, so the spout heard nothing more.
	cr_assert_eq(world_metric(&w, "h", GALE_M_FAILED), 1);
	cr_assert_eq(atomic_load(&fake_spout.failed), 1);
	cr_assert_eq(atomic_load(&fake_spout.acked), 5);
	world_fini(&w);
}

// word_count with output, its prepare counted.
static _Atomic uint64_t wc_prepared;
static gale_bolt_ops    wc_counted_ops;

static gale_err
wc_counted_prepare(void *self, gale_context *ctx)
{
	gale_err rv = gale__bolt_word_count.bolt->prepare(self, ctx);
	if (rv == GALE_OK) {
		atomic_fetch_add(&wc_prepared, 1);
	}
	return rv;
}

// A worker that stops before its input ends skips cleanup: word_count's
// close releases its table and part file (LeakSanitizer, in the sanitized
// tree, reports them otherwise), and what the last store wrote stays.
Test(bolt_exec, word_count_stopped_before_cleanup_releases_what_it_took)
{
	char dir[] = "/tmp/gale-wc-close-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char out[128];
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	gale_option opts[]     = { { .key = "output", .value = out } };
	wc_counted_ops         = *gale__bolt_word_count.bolt;
	wc_counted_ops.prepare = wc_counted_prepare;
	cr_assert_not_null(wc_counted_ops.close);
	fake_world w;
	world_init(&w);
	fake_spout.limit = 0; // an idle spout: the input never ends
	world_spout(&w, "s", &fake_spout_ops);
	world_bolt(&w, "count", &wc_counted_ops);
	w.comps[1].options  = opts;
	w.comps[1].noptions = 1;
	world_stream(&w, "s", "count");
	world_start(&w, 1);
	cr_assert(wait_until(&wc_prepared, 1, 10));
	cr_assert(!gale__executor_finished(world_exec(&w, "count")));
	world_fini(&w);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
