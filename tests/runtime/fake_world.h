// SPDX-License-Identifier: MIT
// fake_world - a worker built by hand for the executor tests: one
// process, every task local, the topology written in code; and the fake
// spout that both test files drive.

#ifndef GALE_TESTS_RUNTIME_FAKE_WORLD_H
#define GALE_TESTS_RUNTIME_FAKE_WORLD_H

#include <pthread.h>
#include <stdatomic.h>
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
// world_build with a plan of nworkers workers: placement as in a topology
// of that many workers, while every task still runs here, over inproc.
void world_build_on(fake_world *w, uint32_t nworkers, uint32_t nackers);
void world_go(fake_world *w);
gale_executor *world_exec(fake_world *w, const char *id);
// Polls until every task has finished, for at most timeout_s seconds.
bool     world_wait_finished(fake_world *w, int timeout_s);
uint64_t world_metric(fake_world *w, const char *id, gale_metric m);
void     world_fini(fake_world *w);

// ---------------------------------------------------------------------
// The fake spout both test files drive, reporting through a global
// ---------------------------------------------------------------------

// The one output of the fakes: stream "default", one field "n".
extern const gale_stream_decl fake_outputs[];

#define FAKE_SPOUT_IDS 1024

// Message ids are 0, 1, 2, ...; each is emitted with the value n = id.
typedef struct fake_spout_state {
	// Messages to emit, then exhausted; 0: no end (an idle spout, or an
	// endless flood when untracked).
	uint64_t         limit;
	bool             untracked; // emit untracked
	uint64_t         spin_ns; // busy time per next_tuple call
	uint64_t         emitted; // the spout's thread only
	_Atomic uint64_t emitted_total, acked, failed, in_flight_peak;
	_Atomic uint64_t first_emit_ns;
	_Atomic uint64_t emit_ns[FAKE_SPOUT_IDS], ack_ns[FAKE_SPOUT_IDS];
	_Atomic bool     acked_id[FAKE_SPOUT_IDS], failed_id[FAKE_SPOUT_IDS];
	// Set by a bolt once it has stored its state; an ack before that
	// sets ack_before_checkpoint.
	_Atomic bool checkpointed, ack_before_checkpoint;
	// Failed messages waiting to be emitted again (replaying ops only).
	uint64_t        replay[64];
	size_t          nreplay;
	pthread_mutex_t mu;
} fake_spout_state;

extern fake_spout_state fake_spout;
// Failed messages are counted and left failed.
extern const gale_spout_ops fake_spout_ops;
// Failed messages are counted and emitted again.
extern const gale_spout_ops fake_replaying_spout_ops;
// The fake spout's callbacks, for tests' own ops tables.
gale_err fake_spout_open(void *self, gale_context *ctx);
void     fake_spout_ack(void *self, uint64_t msg_id);
void     fake_spout_fail(void *self, uint64_t msg_id);

#endif // GALE_TESTS_RUNTIME_FAKE_WORLD_H
