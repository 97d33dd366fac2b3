// SPDX-License-Identifier: MIT
// executor_test - executors driven in-process over inproc transports, with
// fake spouts and bolts: emit, ack, fail and anchoring; max.spout.pending;
// a checkpointing bolt's held acks; end-of-stream drain; flushing on idle
// and by the flush bound; topology.debug.

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "proto/batch.h"
#include "runtime/executor.h"
#include "runtime/transport.h"
#include "tests/runtime/fake_world.h"

// ---------------------------------------------------------------------
// A worker built by hand: one process, every task local
// ---------------------------------------------------------------------

// Polls until *counter reaches want, for at most timeout_s seconds.
static bool
wait_count(_Atomic uint64_t *counter, uint64_t want, int timeout_s)
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
// Fake components. Each test runs in its own process, so they report
// through globals; the executors' threads write them, the test reads.
// ---------------------------------------------------------------------

static struct {
	_Atomic uint64_t executed, cleanups, received_total;
	_Atomic uint64_t first_exec_ns;
	_Atomic uint64_t checkpoints, checkpoint_fails;
	uint64_t         fail_every; // fail values n with n % fail_every == 1
	uint64_t         checkpoint_refusals; // checkpoints that fail first
} fake_bolt;

// Acks, or fails every fail_every-th value.
static void
fake_sink_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	const gale_value *v = gale_tuple_field(t, "n");
	cr_assert_not_null(v);
	cr_assert_eq(v->type, GALE_I64);
	if (atomic_fetch_add(&fake_bolt.executed, 1) == 0) {
		atomic_store(&fake_bolt.first_exec_ns, gale_now_ns());
	}
	atomic_fetch_add(&fake_bolt.received_total, (uint64_t) v->u.i64);
	if (fake_bolt.fail_every > 0
	    && (uint64_t) v->u.i64 % fake_bolt.fail_every == 1) {
		gale_fail(c, t);
	} else {
		gale_ack(c, t);
	}
}

static const gale_bolt_ops fake_sink_ops = {
	.outputs = NULL,
	.execute = fake_sink_execute,
};

// Emits two children anchored to each input, then acks it.
static void
fake_split_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	const gale_value *v    = gale_tuple_get(t, 0);
	const gale_tuple *in[] = { t };
	for (int k = 0; k < 2; k++) {
		gale_value child = gale_i64(v->u.i64 * 2 + k);
		cr_assert_eq(gale_emit(c, NULL, &child, 1, in, 1), GALE_OK);
	}
	// A bolt may not emit as a spout.
	cr_assert_eq(gale_spout_emit(c, NULL, v, 1, 1), GALE_EINVAL);
	gale_ack(c, t);
}

static const gale_bolt_ops fake_split_ops = {
	.outputs = fake_outputs,
	.execute = fake_split_execute,
};

// Counts its inputs and emits the count from cleanup.
typedef struct fake_counter {
	int64_t n;
} fake_counter;

static void
fake_counter_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) t;
	(void) c;
	fake_counter *s = self;
	s->n++;
}

static void
fake_counter_cleanup(void *self, gale_collector *c)
{
	fake_counter *s = self;
	atomic_fetch_add(&fake_bolt.cleanups, 1);
	gale_value v = gale_i64(s->n);
	cr_assert_eq(gale_emit(c, NULL, &v, 1, NULL, 0), GALE_OK);
}

static const gale_bolt_ops fake_counter_ops = {
	.size    = sizeof(fake_counter),
	.outputs = fake_outputs,
	.execute = fake_counter_execute,
	.cleanup = fake_counter_cleanup,
};

// Acks everything, and stores its state only once checkpoint_refusals
// attempts have failed.
static gale_err
fake_checkpoint(void *self)
{
	(void) self;
	if (atomic_fetch_add(&fake_bolt.checkpoints, 1)
	    < fake_bolt.checkpoint_refusals) {
		atomic_fetch_add(&fake_bolt.checkpoint_fails, 1);
		return GALE_EIO;
	}
	atomic_store(&fake_spout.checkpointed, true);
	return GALE_OK;
}

static const gale_bolt_ops fake_checkpoint_ops = {
	.outputs       = NULL,
	.execute       = fake_sink_execute,
	.checkpoint    = fake_checkpoint,
	.checkpoint_ms = 0,
};

// ---------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------

Test(executor, acks_every_tree_and_finishes)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit = 200;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_spout.acked), 200);
	cr_expect_eq(atomic_load(&fake_spout.failed), 0);
	cr_expect_eq(atomic_load(&fake_bolt.executed), 200);
	for (int i = 0; i < 200; i++) {
		cr_expect(atomic_load(&fake_spout.acked_id[i]), "msg %d", i);
	}
	cr_expect_eq(world_metric(&w, "src", GALE_M_EMITTED), 200);
	cr_expect_eq(world_metric(&w, "src", GALE_M_ACKED), 200);
	cr_expect_eq(world_metric(&w, "sink", GALE_M_EXECUTED), 200);
	cr_expect_eq(
	    world_metric(&w, GALE_ACKER_COMPONENT, GALE_M_ACKED), 200);
	cr_expect_eq(world_metric(&w, "src", GALE_M_PENDING), 0);
	cr_expect(gale__executor_exhausted(world_exec(&w, "src")));
	cr_expect(!gale__executor_failed(world_exec(&w, "sink")));
	world_fini(&w);
}

Test(executor, a_spout_roots_its_trees_at_an_acker_of_its_worker)
{
	// Two workers: the spout's task 1 and acker task 3 on worker 0, the
	// sink's task 2 and acker task 4 on worker 1. Any root would do for
	// the acking; the spout draws those of acker 3.
	fake_world w;
	world_init(&w);
	fake_spout.limit = 200;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_build_on(&w, 2, 2);
	world_go(&w);
	cr_assert_eq(gale_plan_task_worker(w.plan, 1), 0);
	cr_assert_eq(gale_plan_task_worker(w.plan, 3), 0);
	cr_assert_eq(gale_plan_task_worker(w.plan, 4), 1);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_spout.acked), 200);
	cr_expect_eq(atomic_load(&fake_spout.failed), 0);
	cr_expect_eq(atomic_load(&fake_bolt.executed), 200);
	const gale_task_metrics *a3 = gale__executor_metrics(w.execs[2]);
	const gale_task_metrics *a4 = gale__executor_metrics(w.execs[3]);
	cr_expect_eq(gale_metric_get(a3, GALE_M_ACKED), 200);
	cr_expect_eq(gale_metric_get(a4, GALE_M_ACKED), 0);
	cr_expect_eq(gale_metric_get(a4, GALE_M_EXECUTED), 0);
	world_fini(&w);
}

Test(executor, a_failed_tuple_fails_its_tree_at_the_spout)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit     = 100;
	fake_bolt.fail_every = 10; // values 1, 11, 21, ...
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_spout.failed), 10);
	cr_expect_eq(atomic_load(&fake_spout.acked), 90);
	for (int i = 0; i < 100; i++) {
		cr_expect_eq(atomic_load(&fake_spout.failed_id[i]),
		    i % 10 == 1, "msg %d", i);
		cr_expect_eq(atomic_load(&fake_spout.acked_id[i]), i % 10 != 1,
		    "msg %d", i);
	}
	cr_expect_eq(world_metric(&w, "sink", GALE_M_FAILED), 10);
	world_fini(&w);
}

Test(executor, anchored_children_keep_their_tree_open)
{
	// src -> split (two children per input, anchored) -> sink, which
	// fails child 2n + 1 of every n with n % 5 == 0 (values 1, 11, 21,
	// ... are the odd children of 0, 5, 10, ...). The failure must reach
	// the spout message of the parent, so anchoring carried the root.
	fake_world w;
	world_init(&w);
	fake_spout.limit     = 50;
	fake_bolt.fail_every = 10;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "split", &fake_split_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "split");
	world_stream(&w, "split", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_bolt.executed), 100);
	cr_expect_eq(atomic_load(&fake_spout.failed), 10);
	cr_expect_eq(atomic_load(&fake_spout.acked), 40);
	for (int i = 0; i < 50; i++) {
		cr_expect_eq(atomic_load(&fake_spout.failed_id[i]), i % 5 == 0,
		    "msg %d", i);
	}
	cr_expect_eq(world_metric(&w, "split", GALE_M_EMITTED), 100);
	world_fini(&w);
}

Test(executor, untracked_emits_are_acked_at_once_without_ackers)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit = 100;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 0);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_spout.acked), 100);
	cr_expect_eq(atomic_load(&fake_bolt.executed), 100);
	world_fini(&w);
}

Test(executor, respects_max_spout_pending)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit  = 1000;
	w.env.max_pending = 5;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_eq(atomic_load(&fake_spout.acked), 1000);
	cr_expect_leq(atomic_load(&fake_spout.in_flight_peak), 5);
	cr_expect_leq(world_metric(&w, "src", GALE_M_PENDING_PEAK), 5);
	cr_expect_geq(world_metric(&w, "src", GALE_M_PENDING_PEAK), 1);
	world_fini(&w);
}

Test(executor, a_spouts_own_config_sets_its_pending_limit)
{
	// Storm's component config: the spout's own
	// topology.max.spout.pending wins over the topology's.
	static gale_option own[] = {
		{ .key = "topology.max.spout.pending", .value = "3" },
	};
	fake_world w;
	world_init(&w);
	fake_spout.limit  = 500;
	w.env.max_pending = 1000;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	w.comps[0].config  = own;
	w.comps[0].nconfig = 1;
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_eq(atomic_load(&fake_spout.acked), 500);
	cr_expect_leq(atomic_load(&fake_spout.in_flight_peak), 3);
	cr_expect_leq(world_metric(&w, "src", GALE_M_PENDING_PEAK), 3);
	world_fini(&w);
}

Test(executor, end_of_stream_only_from_upstream_tasks)
{
	// Markers with the run's token from tasks that are not upstream of
	// the sink (an acker, the sink itself, no task at all), queued before
	// anything runs: dropped and counted, and the sink takes every tuple.
	fake_world w;
	world_init(&w);
	fake_spout.limit = 1000;
	w.env.run_token  = 0x5eed5eed5eedull;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_build(&w, 1);
	uint32_t sink  = gale__executor_task(world_exec(&w, "sink"));
	uint32_t acker = gale__executor_task(world_exec(&w, "__acker"));
	gale_outbox *o;
	cr_assert_eq(gale__outbox_new(&o, w.transport), GALE_OK);
	gale_batch b;
	gale_batch_init(&b, sink);
	cr_assert_eq(gale_batch_add_marker(&b, GALE_MARK_END_OF_STREAM, acker),
	    GALE_OK);
	cr_assert_eq(
	    gale_batch_add_marker(&b, GALE_MARK_END_OF_STREAM, sink), GALE_OK);
	cr_assert_eq(
	    gale_batch_add_marker(&b, GALE_MARK_END_OF_STREAM, 999), GALE_OK);
	cr_assert_eq(gale_batch_add_token(&b, w.env.run_token), GALE_OK);
	cr_assert_eq(gale__outbox_send(o, &b, NULL, NULL, NULL), GALE_OK);
	gale_batch_fini(&b);
	world_go(&w);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_eq(atomic_load(&fake_bolt.executed), 1000);
	cr_expect_eq(atomic_load(&fake_spout.acked), 1000);
	cr_expect_eq(world_metric(&w, "sink", GALE_M_DROPPED), 3);
	gale__outbox_close(&o);
	world_fini(&w);
}

static gale_err fake_big_emit_rv = GALE_OK;

static void
fake_big_next(void *self, gale_collector *c)
{
	(void) self;
	static char big[200];
	static bool once;
	if (!once) {
		once = true;
		memset(big, 'x', sizeof(big));
		gale_value v     = gale_str(big, sizeof(big));
		fake_big_emit_rv = gale_spout_emit(c, NULL, &v, 1, 1);
	}
	gale_spout_exhausted(c);
}

static const gale_spout_ops fake_big_spout_ops = {
	.outputs    = fake_outputs,
	.open       = fake_spout_open,
	.next_tuple = fake_big_next,
	.ack        = fake_spout_ack,
	.fail       = fake_spout_fail,
};

Test(executor, a_tuple_over_max_tuple_bytes_is_refused_at_emit)
{
	fake_world w;
	world_init(&w);
	w.env.max_tuple_bytes = 100;
	world_spout(&w, "src", &fake_big_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_eq(fake_big_emit_rv, GALE_EINVAL);
	cr_expect_eq(atomic_load(&fake_bolt.executed), 0);
	cr_expect_eq(world_metric(&w, "src", GALE_M_DROPPED), 1);
	world_fini(&w);
}

// A stop that arrives while next_tuple runs: the spout's tenth call sets
// the worker draining, as its control thread would, and the round of calls
// goes on emitting new messages (ids 10 to 29).
static _Atomic bool    *flip_draining;
static _Atomic uint64_t flip_refused;

static void
fake_flip_next(void *self, gale_collector *c)
{
	(void) self;
	uint64_t id = fake_spout.emitted;
	if (id == 10) {
		atomic_store(flip_draining, true);
	}
	if (id >= 30) {
		return;
	}
	gale_value v  = gale_i64((int64_t) id);
	gale_err   rv = gale_spout_emit(c, NULL, &v, 1, id);
	if (rv == GALE_OK) {
		fake_spout.emitted++;
	} else {
		atomic_fetch_add(&flip_refused, 1);
		fake_spout.emitted = 30; // as a source that stops offering
	}
}

static const gale_spout_ops fake_flip_spout_ops = {
	.outputs    = fake_outputs,
	.open       = fake_spout_open,
	.next_tuple = fake_flip_next,
	.ack        = fake_spout_ack,
	.fail       = fake_spout_fail,
};

// The round under way when the stop came ends as it began (a Storm
// spout's deactivation takes effect between calls): what it emits is
// taken and acked, nothing is left unprocessed, and the spout, asked for
// no new input after it, finishes.
Test(executor, a_stop_during_next_tuple_takes_what_that_round_emits)
{
	fake_world w;
	world_init(&w);
	flip_draining = &w.env.draining;
	world_spout(&w, "src", &fake_flip_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_eq(atomic_load(&flip_refused), 0);
	cr_expect_eq(atomic_load(&fake_spout.acked), 30);
	cr_expect_eq(atomic_load(&fake_bolt.executed), 30);
	cr_expect_eq(world_metric(&w, "src", GALE_M_UNPROCESSED), 0);
	world_fini(&w);
}

Test(executor, without_a_limit_the_spout_runs_ahead)
{
	// The counterpart of the test above: it can fail.
	fake_world w;
	world_init(&w);
	fake_spout.limit = 1000;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_gt(atomic_load(&fake_spout.in_flight_peak), 5);
	world_fini(&w);
}

Test(executor, a_checkpointing_bolt_holds_acks_until_stored)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit              = 100;
	fake_bolt.checkpoint_refusals = 20;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_checkpoint_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_spout.acked), 100);
	cr_expect_eq(atomic_load(&fake_bolt.checkpoint_fails), 20);
	cr_expect(!atomic_load(&fake_spout.ack_before_checkpoint),
	    "an ack left before a checkpoint succeeded");
	world_fini(&w);
}

// A timer that never fires within a test: only the group commit lets the
// held acks go.
static const gale_bolt_ops fake_slow_timer_ops = {
	.outputs       = NULL,
	.execute       = fake_sink_execute,
	.checkpoint    = fake_checkpoint,
	.checkpoint_ms = 600000,
};

Test(executor, a_checkpointing_bolt_commits_when_its_input_goes_idle)
{
	// With 5 trees pending at most, 200 trees complete only if the acks
	// of each group leave as soon as the bolt has nothing more to do,
	// long before its 10-minute timer.
	fake_world w;
	world_init(&w);
	w.env.max_pending = 5;
	fake_spout.limit  = 200;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_slow_timer_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	uint64_t deadline = gale_now_ns() + 20 * 1000000000ull;
	while (atomic_load(&fake_spout.acked) < 200
	    && gale_now_ns() < deadline) {
		usleep(1000);
	}
	cr_expect_eq(atomic_load(&fake_spout.acked), 200,
	    "acks wait for the checkpoint timer");
	cr_expect(!atomic_load(&fake_spout.ack_before_checkpoint),
	    "an ack left before a checkpoint succeeded");
	cr_assert(world_wait_finished(&w, 20));
	world_fini(&w);
}

Test(executor, drains_to_cleanup_at_end_of_stream)
{
	// src -> count -> sink: count's cleanup runs once its input has
	// finished, after every tuple, and what it emits there still
	// reaches sink before sink finishes.
	fake_world w;
	world_init(&w);
	fake_spout.limit     = 300;
	fake_spout.untracked = true;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "count", &fake_counter_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "count");
	world_stream(&w, "count", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 20));
	cr_expect_eq(atomic_load(&fake_bolt.cleanups), 1);
	cr_expect_eq(atomic_load(&fake_bolt.executed), 1);
	cr_expect_eq(atomic_load(&fake_bolt.received_total), 300);
	cr_expect_eq(world_metric(&w, "count", GALE_M_EXECUTED), 300);
	world_fini(&w);
}

Test(executor, an_idle_spout_flushes_what_it_has)
{
	// One tuple, in a batch that would hold a million, and a spout that
	// is never exhausted: it leaves because the spout goes idle.
	fake_world w;
	world_init(&w);
	fake_spout.limit = 1;
	w.env.batch_size = 1000000;
	w.env.flush_ns   = 3600ull * 1000000000u;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(wait_count(&fake_spout.acked, 1, 10));
	world_fini(&w);
}

Test(executor, a_busy_spout_flushes_within_the_bound)
{
	// The spout emits on every call, so it is never idle, and a batch
	// would take most of a second to fill (100 us per tuple, 256 KiB): the
	// first tuple gets through because of the 250 us bound alone.
	fake_world w;
	world_init(&w);
	fake_spout.limit     = 1000000;
	fake_spout.untracked = true;
	fake_spout.spin_ns   = 100000;
	w.env.batch_size     = 1000000;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(wait_count(&fake_bolt.executed, 1, 10));
	uint64_t took = atomic_load(&fake_bolt.first_exec_ns)
	    - atomic_load(&fake_spout.first_emit_ns);
	cr_expect_lt(took, 200u * 1000000u, "first tuple after %llu ns",
	    (unsigned long long) took);
	world_fini(&w);
}

// Runs src -> sink with stderr going to a file; returns what it wrote.
static char *
run_logged(bool debug)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	int saved = dup(STDERR_FILENO);
	cr_assert_geq(saved, 0);
	cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
	fake_world w;
	world_init(&w);
	if (debug) {
		world_config(&w, "topology.debug", "true");
	}
	fake_spout.limit = 3;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "split", &fake_split_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "split");
	world_stream(&w, "split", "sink");
	world_start(&w, 1);
	bool done = world_wait_finished(&w, 20);
	world_fini(&w);
	dup2(saved, STDERR_FILENO);
	close(saved);
	cr_assert(done);
	long len = ftell(f);
	cr_assert_geq(len, 0);
	char *text = calloc(1, (size_t) len + 1);
	rewind(f);
	cr_assert_eq(fread(text, 1, (size_t) len, f), (size_t) len);
	fclose(f);
	return text;
}

static size_t
count_of(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

Test(executor, topology_debug_logs_every_emit)
{
	gale__log_set_level(GALE_LOG_INFO);
	char *text = run_logged(true);
	cr_expect_eq(count_of(text, " src:1: emit stream=default values=["), 3,
	    "%s", text);
	cr_expect_eq(count_of(text, " split:2: emit stream=default values=["),
	    6, "%s", text);
	cr_expect_eq(count_of(text, "values=[5]"), 1, "%s", text);
	cr_expect_eq(count_of(text, " INFO "), 9, "%s", text);
	free(text);
}

Test(executor, topology_debug_is_off_by_default)
{
	gale__log_set_level(GALE_LOG_INFO);
	char *text = run_logged(false);
	cr_expect_eq(count_of(text, "emit stream="), 0, "%s", text);
	free(text);
}

static gale_err
fake_bad_prepare(void *self, gale_context *ctx)
{
	(void) self;
	gale_context_option_i64(ctx, "width", 1);
	return GALE_OK;
}

static const gale_bolt_ops fake_bad_ops = {
	.outputs = NULL,
	.prepare = fake_bad_prepare,
	.execute = fake_sink_execute,
};

Test(executor, a_failed_prepare_stops_the_task_with_its_reason)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	int saved = dup(STDERR_FILENO);
	cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
	fake_world  w;
	gale_option opt = { .key = "width", .value = "0x10" };
	world_init(&w);
	fake_spout.limit = 1;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "bad", &fake_bad_ops);
	w.comps[1].options  = &opt;
	w.comps[1].noptions = 1;
	world_stream(&w, "src", "bad");
	world_start(&w, 1);
	gale_executor *bad      = world_exec(&w, "bad");
	uint64_t       deadline = gale_now_ns() + 10ull * 1000000000u;
	while (!gale__executor_failed(bad) && gale_now_ns() < deadline) {
		usleep(1000);
	}
	bool failed = gale__executor_failed(bad);
	bool done   = gale__executor_finished(bad);
	world_fini(&w);
	dup2(saved, STDERR_FILENO);
	close(saved);
	cr_assert(failed);
	cr_assert(!done);
	char text[4096] = "";
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n]  = '\0';
	fclose(f);
	cr_expect_not_null(strstr(text, " ERROR "), "%s", text);
	cr_expect_not_null(strstr(text,
			       " bad:2: prepare failed: option 'width': "
			       "'0x10' is not a decimal integer"),
	    "%s", text);
}

// A spout that emits number i direct to the i-th task of "sink" in turn
// (even numbers tracked), after one refused emit to a task that is not
// a DIRECT subscriber; and a sink that checks where each number arrived.
static struct {
	gale_context    *ctx;
	uint32_t         first, ntasks;
	uint64_t         emitted; // spout thread only
	_Atomic uint64_t acked, wrong_task, refused_ok;
	_Atomic uint64_t per_task[4];
} fake_direct;

static gale_err
fake_direct_open(void *self, gale_context *ctx)
{
	(void) self;
	fake_direct.ctx    = ctx;
	fake_direct.ntasks = gale_context_component_tasks(
	    ctx, "sink", &fake_direct.first);
	return fake_direct.ntasks == 3 ? GALE_OK : GALE_EINVAL;
}

static void
fake_direct_next(void *self, gale_collector *c)
{
	(void) self;
	uint64_t i = fake_direct.emitted;
	if (i == 0) {
		// The spout's own task is not a DIRECT subscriber.
		gale_value v  = gale_i64(-1);
		uint32_t   me = gale_context_task(fake_direct.ctx);
		if (gale_spout_emit_direct(c, me, NULL, &v, 1, 1000)
			== GALE_EINVAL
		    && gale_emit_tasks(c, NULL, 0) == 0
		    && gale_spout_emit_direct_untracked(c, 0, NULL, &v, 1)
			== GALE_EINVAL) {
			atomic_fetch_add(&fake_direct.refused_ok, 1);
		}
	}
	if (i >= 90) {
		gale_spout_exhausted(c);
		return;
	}
	uint32_t   to = fake_direct.first + (uint32_t) (i % 3);
	gale_value v  = gale_i64((int64_t) i);
	gale_err   rv = i % 2 == 0
	      ? gale_spout_emit_direct(c, to, NULL, &v, 1, i)
	      : gale_spout_emit_direct_untracked(c, to, NULL, &v, 1);
	uint32_t got[4];
	cr_assert_eq(rv, GALE_OK);
	cr_assert_eq(gale_emit_tasks(c, got, 4), 1);
	cr_assert_eq(got[0], to);
	fake_direct.emitted++;
}

static void
fake_direct_ack(void *self, uint64_t msg_id)
{
	(void) self;
	cr_assert_eq(msg_id % 2, 0);
	atomic_fetch_add(&fake_direct.acked, 1);
}

static const gale_spout_ops fake_direct_ops = {
	.size       = 8,
	.outputs    = fake_outputs,
	.open       = fake_direct_open,
	.next_tuple = fake_direct_next,
	.ack        = fake_direct_ack,
};

static gale_err
fake_direct_sink_prepare(void *self, gale_context *ctx)
{
	*(gale_context **) self = ctx;
	return GALE_OK;
}

static void
fake_direct_sink_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	uint32_t me = gale_context_task(*(gale_context **) self);
	int64_t  n  = gale_tuple_get(t, 0)->u.i64;
	if (n < 0 || fake_direct.first + (uint32_t) (n % 3) != me) {
		atomic_fetch_add(&fake_direct.wrong_task, 1);
	}
	atomic_fetch_add(&fake_direct.per_task[(me - fake_direct.first) & 3], 1);
	gale_ack(c, t);
}

static const gale_bolt_ops fake_direct_sink_ops = {
	.size    = sizeof(gale_context *),
	.prepare = fake_direct_sink_prepare,
	.execute = fake_direct_sink_execute,
};

Test(executor, a_spout_emits_direct_to_the_task_it_names)
{
	fake_world w;
	world_init(&w);
	world_spout(&w, "src", &fake_direct_ops);
	world_bolt(&w, "sink", &fake_direct_sink_ops);
	world_stream(&w, "src", "sink");
	w.comps[1].parallelism = 3;
	w.streams[0].grouping  = GALE_GROUP_DIRECT;
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 30));
	cr_expect_eq(atomic_load(&fake_direct.refused_ok), 1);
	cr_expect_eq(atomic_load(&fake_direct.wrong_task), 0);
	for (int k = 0; k < 3; k++) {
		cr_expect_eq(atomic_load(&fake_direct.per_task[k]), 30,
		    "task %d", k);
	}
	cr_expect_eq(atomic_load(&fake_direct.acked), 45);
	cr_expect_eq(world_metric(&w, "src", GALE_M_DROPPED), 1);
	cr_expect_eq(world_metric(&w, "src", GALE_M_EMITTED), 90);
	world_fini(&w);
}

// A bolt that emits each input direct to its own task, which does not
// subscribe to its output, then acks the input.
static struct {
	gale_context    *ctx;
	_Atomic uint64_t refused;
} fake_bolt_direct;

static gale_err
fake_bolt_direct_prepare(void *self, gale_context *ctx)
{
	(void) self;
	fake_bolt_direct.ctx = ctx;
	return GALE_OK;
}

static void
fake_bolt_direct_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	const gale_tuple *in[] = { t };
	uint32_t          me   = gale_context_task(fake_bolt_direct.ctx);
	if (gale_emit_direct(c, me, NULL, gale_tuple_get(t, 0), 1, in, 1)
	    == GALE_EINVAL) {
		atomic_fetch_add(&fake_bolt_direct.refused, 1);
	}
	gale_ack(c, t);
}

static const gale_bolt_ops fake_bolt_direct_ops = {
	.outputs = fake_outputs,
	.prepare = fake_bolt_direct_prepare,
	.execute = fake_bolt_direct_execute,
};

Test(executor, a_bolt_direct_emit_refused_logs_why_and_is_counted)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	int saved = dup(STDERR_FILENO);
	cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
	fake_world w;
	world_init(&w);
	fake_spout.limit = 20;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "mid", &fake_bolt_direct_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "mid");
	world_stream(&w, "mid", "sink");
	w.streams[1].grouping = GALE_GROUP_DIRECT;
	world_start(&w, 1);
	bool     done    = world_wait_finished(&w, 30);
	uint64_t dropped = world_metric(&w, "mid", GALE_M_DROPPED);
	uint32_t me      = gale_context_task(fake_bolt_direct.ctx);
	world_fini(&w);
	dup2(saved, STDERR_FILENO);
	close(saved);
	cr_assert(done);
	char text[8192] = "";
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n]  = '\0';
	fclose(f);
	cr_expect_eq(atomic_load(&fake_bolt_direct.refused), 20);
	cr_expect_eq(dropped, 20);
	char want[256];
	snprintf(want, sizeof(want),
	    "direct emit to task %u refused: task %u ('mid') does not "
	    "subscribe to stream 'default' with a DIRECT grouping",
	    me, me);
	cr_expect_not_null(strstr(text, want), "%s", text);
}

Test(executor, a_components_own_topology_debug_logs_its_emits_alone)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	int saved = dup(STDERR_FILENO);
	cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
	fake_world  w;
	gale_option own = { .key = "topology.debug", .value = "true" };
	world_init(&w);
	fake_spout.limit = 5;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "mid", &fake_split_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "mid");
	world_stream(&w, "mid", "sink");
	w.comps[1].config  = &own;
	w.comps[1].nconfig = 1;
	world_start(&w, 1);
	bool done = world_wait_finished(&w, 30);
	world_fini(&w);
	dup2(saved, STDERR_FILENO);
	close(saved);
	cr_assert(done);
	char text[65536] = "";
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n]  = '\0';
	fclose(f);
	cr_expect_not_null(
	    strstr(text, " mid:2: emit stream=default"), "%s", text);
	cr_expect_null(strstr(text, " src:1: emit "), "%s", text);
}

// A task that comes back in another worker: a finished task sends it its
// end of stream again, with the run's token; to a task that is not
// downstream of it, nothing.
Test(executor, a_finished_task_sends_its_end_of_stream_again)
{
	fake_world w;
	world_init(&w);
	fake_spout.limit = 10;
	w.env.run_token  = 0x77aa77aa77aaull;
	world_spout(&w, "src", &fake_spout_ops);
	world_bolt(&w, "sink", &fake_sink_ops);
	world_stream(&w, "src", "sink");
	world_start(&w, 1);
	cr_assert(world_wait_finished(&w, 20));
	gale_executor *src  = world_exec(&w, "src");
	gale_executor *sink = world_exec(&w, "sink");
	uint32_t       st   = gale__executor_task(src);
	uint32_t       kt   = gale__executor_task(sink);
	// The sink's new incarnation, in a worker of its own.
	gale_transport *there = NULL, *here = NULL;
	cr_assert_eq(
	    gale__transport_new(&there, "127.0.0.1", w.ntasks), GALE_OK);
	gale__transport_set_local(there, kt);
	gale_inbox *in = NULL;
	char        ep[128];
	cr_assert_eq(
	    gale__inbox_open(&in, there, kt, ep, sizeof(ep)), GALE_OK);
	cr_assert_eq(
	    gale__transport_new(&here, "127.0.0.1", w.ntasks), GALE_OK);
	cr_expect(gale__transport_set_endpoint(here, kt, ep));
	cr_expect(!gale__transport_set_endpoint(here, kt, ep), "unchanged");
	gale_outbox *o = NULL;
	cr_assert_eq(gale__outbox_new(&o, here), GALE_OK);
	cr_assert_eq(gale__executor_resend_eos(src, kt, o), GALE_OK);
	gale_batch b;
	gale_batch_init(&b, 0);
	cr_assert_eq(gale__inbox_recv(in, &b, 5000), GALE_OK);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	cr_expect_eq(dest, kt);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_expect_eq(it.kind, GALE_ITEM_MARKER);
	cr_expect_eq(it.marker_kind, GALE_MARK_END_OF_STREAM);
	cr_expect_eq(it.src_task, st);
	cr_expect_eq(gale_batch_reader_token(&r), w.env.run_token);
	gale_batch_reader_fini(&r);
	// The sink feeds nothing: it sends nothing to itself.
	cr_assert_eq(gale__executor_resend_eos(sink, kt, o), GALE_OK);
	cr_expect_eq(gale__inbox_recv(in, &b, 300), GALE_EAGAIN);
	gale_batch_fini(&b);
	gale__outbox_close(&o);
	gale__inbox_close(&in);
	gale__transport_destroy(&here);
	gale__transport_destroy(&there);
	world_fini(&w);
}
