// SPDX-License-Identifier: MIT
// fake_world - a worker built by hand for the executor tests: one
// process, every task local, the topology written in code.

#ifndef GALE_TESTS_RUNTIME_FAKE_WORLD_H
#define GALE_TESTS_RUNTIME_FAKE_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/executor.h"

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

void world_init(fake_world *w);
void world_spout(fake_world *w, const char *id, const gale_spout_ops *ops);
void world_bolt(fake_world *w, const char *id, const gale_bolt_ops *ops);
void world_stream(fake_world *w, const char *from, const char *to);
void world_config(fake_world *w, const char *key, const char *value);
// Builds the plan (one worker, nackers ackers) and starts every task.
void world_start(fake_world *w, uint32_t nackers);
// world_start in two steps: every task built, its inbox open (what is sent
// to it now comes first), then every task started.
void world_build(fake_world *w, uint32_t nackers);
void world_go(fake_world *w);
gale_executor *world_exec(fake_world *w, const char *id);
// Polls until every task has finished, for at most timeout_s seconds.
bool world_wait_finished(fake_world *w, int timeout_s);
uint64_t world_metric(fake_world *w, const char *id, gale_metric m);
void world_fini(fake_world *w);

#endif // GALE_TESTS_RUNTIME_FAKE_WORLD_H
