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

#include "runtime/executor.h"

// ---------------------------------------------------------------------
// A worker built by hand: one process, every task local
// ---------------------------------------------------------------------

#define FAKE_MAX_TASKS 16

typedef struct fake_world {
	gale_topology      t;
	gale_component_def comps[6];
	gale_stream_def    streams[6];
	gale_option        config[2];
	gale_plan         *plan;
	gale_transport    *transport;
	gale_worker_env    env;
	gale_executor     *execs[FAKE_MAX_TASKS];
	uint32_t           ntasks;
} fake_world;

static void
world_init(fake_world *w)
{
	memset(w, 0, sizeof(*w));
	w->t.name       = "fake";
	w->t.components = w->comps;
	w->t.streams    = w->streams;
	w->t.config     = w->config;
	// The defaults of the worker (see workers/worker.c).
	w->env.batch_size   = 256;
	w->env.flush_ns     = 250 * 1000;
	w->env.timeout_secs = 30;
	w->env.sample_every = 1;
	w->env.run_id       = "run-1";
}

static void
world_spout(fake_world *w, const char *id, const gale_spout_ops *ops)
{
	gale_component_def *d = &w->comps[w->t.ncomponents++];
	d->id                 = (char *) id;
	d->is_spout           = true;
	d->parallelism        = 1;
	d->spout              = ops;
}

static void
world_bolt(fake_world *w, const char *id, const gale_bolt_ops *ops)
{
	gale_component_def *d = &w->comps[w->t.ncomponents++];
	d->id                 = (char *) id;
	d->parallelism        = 1;
	d->bolt               = ops;
}

static void
world_stream(fake_world *w, const char *from, const char *to)
{
	gale_stream_def *s = &w->streams[w->t.nstreams++];
	s->from            = (char *) from;
	s->to              = (char *) to;
	s->stream          = "default";
	s->grouping        = GALE_GROUP_SHUFFLE;
}

static void
world_config(fake_world *w, const char *key, const char *value)
{
	gale_option *o = &w->config[w->t.nconfig++];
	o->key         = (char *) key;
	o->value       = (char *) value;
}

// Builds the plan (one worker, nackers ackers) and starts every task.
static void
world_start(fake_world *w, uint32_t nackers)
{
	cr_assert_eq(gale_plan_new(&w->plan, &w->t, 1, nackers), GALE_OK);
	w->ntasks = gale_plan_ntasks(w->plan);
	cr_assert_leq(w->ntasks, FAKE_MAX_TASKS);
	cr_assert_eq(
	    gale__transport_new(&w->transport, "127.0.0.1", w->ntasks),
	    GALE_OK);
	for (uint32_t t = 1; t <= w->ntasks; t++) {
		gale__transport_set_local(w->transport, t);
	}
	w->env.topo      = &w->t;
	w->env.plan      = w->plan;
	w->env.transport = w->transport;
	w->env.finished  = calloc(w->ntasks + 1, sizeof(*w->env.finished));
	cr_assert_not_null(w->env.finished);
	atomic_store(&w->env.active, true);
	for (uint32_t t = 1; t <= w->ntasks; t++) {
		char ep[128];
		cr_assert_eq(gale__executor_new(
				 &w->execs[t - 1], &w->env, t, ep, sizeof(ep)),
		    GALE_OK);
		cr_assert_eq(gale__executor_task(w->execs[t - 1]), t);
	}
	for (uint32_t t = 1; t <= w->ntasks; t++) {
		cr_assert_eq(gale__executor_start(w->execs[t - 1]), GALE_OK);
	}
}

static gale_executor *
world_exec(fake_world *w, const char *id)
{
	int c = gale_plan_component_index(w->plan, id);
	cr_assert_geq(c, 0);
	uint32_t t = gale_plan_component_first_task(w->plan, (uint32_t) c);
	return w->execs[t - 1];
}

// Polls until every task has finished, for at most timeout_s seconds.
static bool
world_wait_finished(fake_world *w, int timeout_s)
{
	uint64_t deadline = gale_now_ns() + (uint64_t) timeout_s * 1000000000u;
	while (gale_now_ns() < deadline) {
		bool all = true;
		for (uint32_t t = 1; t <= w->ntasks; t++) {
			all = all && gale__executor_finished(w->execs[t - 1]);
		}
		if (all) {
			return true;
		}
		usleep(1000);
	}
	return false;
}

static uint64_t
world_metric(fake_world *w, const char *id, gale_metric m)
{
	return gale_metric_get(gale__executor_metrics(world_exec(w, id)), m);
}

static void
world_fini(fake_world *w)
{
	atomic_store(&w->env.halt, true);
	for (uint32_t t = 1; t <= w->ntasks; t++) {
		gale__executor_destroy(&w->execs[t - 1]);
		cr_assert_null(w->execs[t - 1]);
	}
	gale__transport_destroy(&w->transport);
	gale_plan_destroy(&w->plan);
	free((void *) w->env.finished);
}

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

static const char *const      fake_fields[]  = { "n", NULL };
static const gale_stream_decl fake_outputs[] = {
	{ .stream = "default", .fields = fake_fields },
	{ .stream = NULL },
};

static struct {
	uint64_t         limit; // tracked messages, then exhausted; 0: none
	bool             flood; // emit untracked as fast as possible
	uint64_t         emitted;
	_Atomic uint64_t emitted_total;
	_Atomic uint64_t acked, failed;
	_Atomic uint64_t emit_ns[64], ack_ns[64];
	uint64_t         replay[64];
	size_t           nreplay;
	pthread_mutex_t  mu;
} spout = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
spout_next(void *self, gale_collector *c)
{
	(void) self;
	if (spout.flood) {
		gale_value v = gale_i64((int64_t) spout.emitted++);
		gale_spout_emit_untracked(c, NULL, &v, 1);
		atomic_fetch_add(&spout.emitted_total, 1);
		return;
	}
	pthread_mutex_lock(&spout.mu);
	uint64_t id   = 0;
	bool     have = spout.nreplay > 0;
	if (have) {
		id = spout.replay[--spout.nreplay];
	}
	pthread_mutex_unlock(&spout.mu);
	if (!have && spout.emitted < spout.limit) {
		id   = spout.emitted++;
		have = true;
	}
	if (!have) {
		if (spout.limit > 0) {
			gale_spout_exhausted(c);
		} else {
			usleep(1000);
		}
		return;
	}
	gale_value v = gale_i64((int64_t) id);
	atomic_store(&spout.emit_ns[id], gale_now_ns());
	gale_spout_emit(c, NULL, &v, 1, id);
}

static void
spout_ack(void *self, uint64_t id)
{
	(void) self;
	atomic_store(&spout.ack_ns[id], gale_now_ns());
	atomic_fetch_add(&spout.acked, 1);
}

// Failed messages are emitted again.
static void
spout_fail(void *self, uint64_t id)
{
	(void) self;
	atomic_fetch_add(&spout.failed, 1);
	pthread_mutex_lock(&spout.mu);
	spout.replay[spout.nreplay++] = id;
	pthread_mutex_unlock(&spout.mu);
}

static gale_err
spout_open(void *self, gale_context *ctx)
{
	(void) self;
	(void) ctx;
	return GALE_OK;
}

static const gale_spout_ops spout_ops = {
	.size       = 8,
	.open       = spout_open,
	.outputs    = fake_outputs,
	.next_tuple = spout_next,
	.ack        = spout_ack,
	.fail       = spout_fail,
};

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
	world_spout(&w, "s", &spout_ops);
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
	spout.flood     = true;
	ticker.sleep_us = 100;
	world_spout(&w, "s", &spout_ops);
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
	uint64_t behind = atomic_load(&spout.emitted_total)
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
	spout.limit = 20;
	world_spout(&w, "s", &spout_ops);
	world_bolt(&w, "win", &win_ops);
	world_bolt(&w, "sink", &sink_ops);
	world_stream(&w, "s", "win");
	world_stream(&w, "win", "sink");
	world_option(&w, "win", "window.length", "1s");
	world_start(&w, 1);
	cr_assert(wait_until(&spout.acked, 20, 10));
	cr_assert(world_wait_finished(&w, 10));
	for (int i = 0; i < 20; i++) {
		uint64_t held = atomic_load(&spout.ack_ns[i])
		    - atomic_load(&spout.emit_ns[i]);
		// Emitted at once, all held by the first tumbling window of
		// a second (the window opened when the bolt started).
		cr_assert_gt(held, 100 * 1000000ull,
		    "message %d acked after %.3f s", i, (double) held / 1e9);
		cr_assert_geq(
		    atomic_load(&spout.ack_ns[i]), atomic_load(&win.first_ns));
	}
	cr_assert_eq(atomic_load(&spout.failed), 0);
	cr_assert_geq(atomic_load(&win.activations), 1);
	cr_assert_geq(atomic_load(&sink.seen), 1);
	world_fini(&w);
}

Test(bolt_exec, window_inputs_replay_when_downstream_fails)
{
	fake_world w;
	world_init(&w);
	spout.limit     = 10;
	sink.fail_first = 1;
	world_spout(&w, "s", &spout_ops);
	world_bolt(&w, "win", &win_ops);
	world_bolt(&w, "sink", &sink_ops);
	world_stream(&w, "s", "win");
	world_stream(&w, "win", "sink");
	world_option(&w, "win", "window.length", "500ms");
	world_start(&w, 1);
	// The first window's sum is failed downstream: every tuple of that
	// window fails at its spout and comes again.
	cr_assert(wait_until(&spout.failed, 10, 10));
	cr_assert(wait_until(&spout.acked, 10, 10));
	cr_assert(world_wait_finished(&w, 10));
	cr_assert_eq(atomic_load(&spout.failed), 10);
	cr_assert_geq(atomic_load(&win.activations), 2);
	world_fini(&w);
}
