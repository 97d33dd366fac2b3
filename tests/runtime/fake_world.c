// SPDX-License-Identifier: MIT
// fake_world - a worker built by hand for the executor tests, and the fake
// spout they drive.

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "tests/runtime/fake_world.h"

void
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

void
world_spout(fake_world *w, const char *id, const gale_spout_ops *ops)
{
	gale_component_def *d = &w->comps[w->t.ncomponents++];
	d->id                 = (char *) id;
	d->is_spout           = true;
	d->parallelism        = 1;
	d->spout              = ops;
}

void
world_bolt(fake_world *w, const char *id, const gale_bolt_ops *ops)
{
	gale_component_def *d = &w->comps[w->t.ncomponents++];
	d->id                 = (char *) id;
	d->parallelism        = 1;
	d->bolt               = ops;
}

void
world_stream(fake_world *w, const char *from, const char *to)
{
	gale_stream_def *s = &w->streams[w->t.nstreams++];
	s->from            = (char *) from;
	s->to              = (char *) to;
	s->stream          = "default";
	s->grouping        = GALE_GROUP_SHUFFLE;
}

void
world_config(fake_world *w, const char *key, const char *value)
{
	gale_option *o = &w->config[w->t.nconfig++];
	o->key         = (char *) key;
	o->value       = (char *) value;
}

// Builds the plan (one worker, nackers ackers) and starts every task.
void
world_start(fake_world *w, uint32_t nackers)
{
	world_build(w, nackers);
	world_go(w);
}

void
world_build(fake_world *w, uint32_t nackers)
{
	world_build_on(w, 1, nackers);
}

void
world_build_on(fake_world *w, uint32_t nworkers, uint32_t nackers)
{
	cr_assert_eq(
	    gale_plan_new(&w->plan, &w->t, nworkers, nackers), GALE_OK);
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
}

void
world_go(fake_world *w)
{
	for (uint32_t t = 1; t <= w->ntasks; t++) {
		cr_assert_eq(gale__executor_start(w->execs[t - 1]), GALE_OK);
	}
}

gale_executor *
world_exec(fake_world *w, const char *id)
{
	int c = gale_plan_component_index(w->plan, id);
	cr_assert_geq(c, 0);
	uint32_t t = gale_plan_component_first_task(w->plan, (uint32_t) c);
	return w->execs[t - 1];
}

// Polls until every task has finished, for at most timeout_s seconds.
bool
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

uint64_t
world_metric(fake_world *w, const char *id, gale_metric m)
{
	return gale_metric_get(gale__executor_metrics(world_exec(w, id)), m);
}

void
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

// ---------------------------------------------------------------------
// The fake spout
// ---------------------------------------------------------------------

static const char *const fake_fields[] = { "n", NULL };

const gale_stream_decl fake_outputs[] = {
	{ .stream = "default", .fields = fake_fields },
	{ .stream = NULL },
};

fake_spout_state fake_spout = { .mu = PTHREAD_MUTEX_INITIALIZER };

// The next message: a failed one to replay first, else a new one while
// the limit allows. False when there is none.
static bool
fake_spout_pick(uint64_t *id)
{
	pthread_mutex_lock(&fake_spout.mu);
	bool have = fake_spout.nreplay > 0;
	if (have) {
		*id = fake_spout.replay[--fake_spout.nreplay];
	}
	pthread_mutex_unlock(&fake_spout.mu);
	if (have) {
		return true;
	}
	bool more = fake_spout.limit > 0
	    ? fake_spout.emitted < fake_spout.limit
	    : fake_spout.untracked;
	if (more) {
		*id = fake_spout.emitted++;
	}
	return more;
}

static void
fake_spout_next(void *self, gale_collector *c)
{
	(void) self;
	if (fake_spout.spin_ns > 0) {
		uint64_t until = gale_now_ns() + fake_spout.spin_ns;
		while (gale_now_ns() < until) { }
	}
	uint64_t id;
	if (!fake_spout_pick(&id)) {
		if (fake_spout.limit > 0) {
			gale_spout_exhausted(c);
		} else {
			usleep(1000);
		}
		return;
	}
	uint64_t in_flight = atomic_load(&fake_spout.emitted_total)
	    - atomic_load(&fake_spout.acked) - atomic_load(&fake_spout.failed);
	if (in_flight + 1 > atomic_load(&fake_spout.in_flight_peak)) {
		atomic_store(&fake_spout.in_flight_peak, in_flight + 1);
	}
	if (id == 0) {
		atomic_store(&fake_spout.first_emit_ns, gale_now_ns());
	}
	if (id < FAKE_SPOUT_IDS) {
		atomic_store(&fake_spout.emit_ns[id], gale_now_ns());
	}
	gale_value v  = gale_i64((int64_t) id);
	gale_err   rv = fake_spout.untracked
	      ? gale_spout_emit_untracked(c, NULL, &v, 1)
	      : gale_spout_emit(c, NULL, &v, 1, id);
	// Emits fail only once the worker halts.
	cr_assert(rv == GALE_OK || rv == GALE_ECLOSED, "emit: %s",
	    gale_strerror(rv));
	atomic_fetch_add(&fake_spout.emitted_total, 1);
}

void
fake_spout_ack(void *self, uint64_t msg_id)
{
	(void) self;
	if (!atomic_load(&fake_spout.checkpointed)) {
		atomic_store(&fake_spout.ack_before_checkpoint, true);
	}
	cr_assert_lt(msg_id, FAKE_SPOUT_IDS);
	atomic_store(&fake_spout.ack_ns[msg_id], gale_now_ns());
	cr_assert(!atomic_exchange(&fake_spout.acked_id[msg_id], true),
	    "message %llu acked twice", (unsigned long long) msg_id);
	atomic_fetch_add(&fake_spout.acked, 1);
}

void
fake_spout_fail(void *self, uint64_t msg_id)
{
	(void) self;
	cr_assert_lt(msg_id, FAKE_SPOUT_IDS);
	atomic_store(&fake_spout.failed_id[msg_id], true);
	atomic_fetch_add(&fake_spout.failed, 1);
}

static void
fake_spout_fail_replay(void *self, uint64_t msg_id)
{
	fake_spout_fail(self, msg_id);
	pthread_mutex_lock(&fake_spout.mu);
	cr_assert_lt(fake_spout.nreplay, 64);
	fake_spout.replay[fake_spout.nreplay++] = msg_id;
	pthread_mutex_unlock(&fake_spout.mu);
}

gale_err
fake_spout_open(void *self, gale_context *ctx)
{
	(void) self;
	(void) ctx;
	return GALE_OK;
}

const gale_spout_ops fake_spout_ops = {
	.size       = 8,
	.outputs    = fake_outputs,
	.open       = fake_spout_open,
	.next_tuple = fake_spout_next,
	.ack        = fake_spout_ack,
	.fail       = fake_spout_fail,
};

const gale_spout_ops fake_replaying_spout_ops = {
	.size       = 8,
	.outputs    = fake_outputs,
	.open       = fake_spout_open,
	.next_tuple = fake_spout_next,
	.ack        = fake_spout_ack,
	.fail       = fake_spout_fail_replay,
};
