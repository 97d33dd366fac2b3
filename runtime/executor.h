// SPDX-License-Identifier: MIT
// executor.h - runs one task (a spout, a bolt or an acker) on its own thread.

#ifndef GALE_RUNTIME_EXECUTOR_H
#define GALE_RUNTIME_EXECUTOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/metrics.h"
#include "proto/control.h"
#include "runtime/context.h"
#include "runtime/transport.h"
#include "topology/model.h"
#include "topology/plan.h"

// What the executors of one worker share. Transparent: the worker fills it
// and the executors read it; the fields that change while running are
// atomics, written by the worker's control thread only.
typedef struct gale_worker_env {
	const gale_topology *topo;
	const gale_plan     *plan;
	gale_transport      *transport;
	const char          *run_id;
	// Every batch carries it; a batch without it is dropped (counted).
	// 0: batches are neither stamped nor checked.
	uint64_t             run_token;
	size_t               max_tuple_bytes; // larger emits fail; 0: none
	uint32_t             batch_size;  // items per batch before a flush
	uint64_t             flush_ns;    // the longest an item waits
	uint32_t             max_pending; // 0: no limit
	uint32_t             timeout_secs;
	bool                 log_replays;
	uint32_t             sample_every; // time one execute in this many
	// Sample a tree when its root id <= it (0: none); the worker's
	// control thread changes it when `gale trace` asks.
	_Atomic uint64_t     trace_threshold;
	struct gale_trace_ring *traces; // the ackers' finished trees, or NULL
	_Atomic bool         trace_log; // ackers also print them to stderr
	_Atomic bool         active;   // spouts may be asked for tuples
	_Atomic bool         draining; // spouts finish: no new messages
	_Atomic bool            halt; // stop at once, without draining
	_Atomic bool        *finished;     // [ntasks + 1]: tasks known done
} gale_worker_env;

typedef struct gale_executor gale_executor;

// Builds the executor of a local task: opens its inbox (writing its tcp
// endpoint into ep) and its component. Does not start it.
gale_err gale__executor_new(gale_executor **out, gale_worker_env *env,
    uint32_t task, char *ep, size_t eplen);
// Starts its thread. The component's open/prepare runs there.
gale_err gale__executor_start(gale_executor *e);
// Waits for the thread to end (after it finished, or after env->halt).
void gale__executor_join(gale_executor *e);
// Joins if needed and frees everything.
void gale__executor_destroy(gale_executor **ep);

uint32_t gale__executor_task(const gale_executor *e);
// True once the task has finished and sent end-of-stream downstream.
bool gale__executor_finished(const gale_executor *e);
// Sends e's end of stream to dest again through o (the caller's), when e
// has finished and dest is downstream of it or an acker: dest came back
// in another worker and the first went to its previous incarnation. No
// data can follow it, since e has finished. GALE_OK when nothing is to
// be sent.
gale_err gale__executor_resend_eos(
    const gale_executor *e, uint32_t dest, gale_outbox *o);
// True when the executor stopped on an error (its open/prepare failed).
bool gale__executor_failed(const gale_executor *e);
// Once gale__executor_failed: the text its open/prepare left with
// gale_context_error ("" when it left none). Borrowed: the caller must not
// free it; it lives as long as the executor.
const char *gale__executor_error(const gale_executor *e);
bool gale__executor_exhausted(const gale_executor *e);
// Odd while a component callback runs; it changes at every call. Read
// from another thread to find a callback that does not return.
uint64_t gale__executor_callback_seq(const gale_executor *e);
// A spout task keeps its last GALE_EXEC_REPLAYS fails.
#define GALE_EXEC_REPLAYS 16
// Called on the executor's thread: keeps a fail of msg_id (attempt from
// 1) with its reason in the task's ring.
void gale__executor_note_replay(
    gale_executor *e, uint64_t msg_id, uint32_t attempt, const char *reason);
// Copies up to cap of the task's recent fails, oldest first, into out;
// returns how many. Safe from another thread.
size_t gale__executor_replays(
    gale_executor *e, gale_replay_record *out, size_t cap);
// Up to cap of the errors the task reported while it ran after number
// *after, as gale__context_errors. Safe from another thread.
size_t gale__executor_errors(gale_executor *e, uint64_t *after,
    gale_component_error *out, char (*text)[GALE_CONTEXT_ERROR_BYTES],
    size_t                cap);
// Live metrics, read by the worker's heartbeat thread.
const gale_task_metrics *gale__executor_metrics(const gale_executor *e);

#endif // GALE_RUNTIME_EXECUTOR_H
