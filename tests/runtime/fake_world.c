// SPDX-License-Identifier: MIT
// fake_world - a worker built by hand for the executor tests.

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
