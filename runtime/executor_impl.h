// SPDX-License-Identifier: MIT
// executor_impl.h - the inside of an executor, shared by its core
// (executor.c), its three kinds (spout_exec.c, bolt_exec.c, acker_exec.c)
// and collector.c, which hands the public calls to a kind; nothing else
// includes it.
//
// The core owns what every task has: its thread, inbox, output buffer,
// router, end-of-stream bookkeeping and metrics. A kind is a const ops
// table, as nng's protocols are: the core allocates ops->size zeroed bytes
// of private state for it (e->priv) and calls its hooks; run and items are
// required, any other hook may be NULL: something the kind does not do.

#ifndef GALE_RUNTIME_EXECUTOR_IMPL_H
#define GALE_RUNTIME_EXECUTOR_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/rand.h"
#include "runtime/collector.h"
#include "runtime/executor.h"
#include "runtime/outbuf.h"
#include "runtime/router.h"
#include "runtime/tuple.h"

// Tree timeouts rotate through this many buckets: a tree is given between
// timeout and timeout * N / (N - 1) seconds.
#define GALE_EXEC_TIMEOUT_BUCKETS 3

typedef struct gale_exec_ops {
	const char *name; // "spout", "bolt" or "acker"
	size_t      size; // bytes of private state (e->priv)

	// At construction, on the caller's thread: builds the private state.
	gale_err (*init)(gale_executor *e);
	// Frees what init built, also when init failed halfway.
	void (*fini)(gale_executor *e);
	// On the task's thread, before anything else: the component's open or
	// prepare (open_name says which, for the message when it fails).
	gale_err (*open)(gale_executor *e);
	const char *open_name;
	// The task's loop, until it is done or the worker halts.
	void (*run)(gale_executor *e);
	// Before the end-of-stream markers go out: last words.
	void (*finish)(gale_executor *e);
	// Last, on the task's thread, once open succeeded (also when the
	// worker halted and finish was skipped).
	void (*close)(gale_executor *e);

	// Handles the items of a received batch, after the core has read
	// its header (e->reader is at its first item): a kind's items hook
	// is gale__exec_items with its own item handlers.
	void (*items)(gale_executor *e);

	// Between received batches (and at least every idle wait), on the
	// task's thread, with the monotonic clock: runs what is due by time
	// (a bolt's ticks and windows) and returns the milliseconds until it
	// is due next, or -1 when nothing is.
	int (*timer)(gale_executor *e, uint64_t now);

	// While a send waits for room downstream.
	void (*idle)(gale_executor *e);
	// Before every flush: moves held acks into the output buffer.
	void (*drain)(gale_executor *e);
	// True when acks are held that a later drain may release.
	bool (*holding)(const gale_executor *e);
	// Every timeout period: expires old trees.
	void (*rotate)(gale_executor *e);

	// The collector's calls; NULL: not for this kind (GALE_EINVAL, or
	// nothing for those that return nothing).
	// direct: the task of a direct emit, or 0.
	gale_err (*spout_emit)(gale_executor *e, uint32_t direct,
	    const char *stream, const gale_value *values, size_t n,
	    bool tracked, uint64_t msg_id);
	void (*exhausted)(gale_executor *e);
	gale_err (*emit)(gale_executor *e, uint32_t direct, const char *stream,
	    const gale_value *values, size_t n,
	    const gale_tuple *const *anchors, size_t nanchors);
	void (*ack_tuple)(gale_executor *e, gale_tuple *t);
	void (*fail_tuple)(gale_executor *e, gale_tuple *t);
} gale_exec_ops;

extern const gale_exec_ops gale__spout_exec_ops;
extern const gale_exec_ops gale__bolt_exec_ops;
extern const gale_exec_ops gale__acker_exec_ops;

struct gale_executor {
	gale_worker_env          *env;
	const gale_exec_ops      *ops;
	void                     *priv; // the kind's state, ops->size bytes
	uint32_t                  task;
	uint32_t                  comp;
	const gale_component_def *def; // NULL for an acker
	void                     *self; // the component's state
	gale_context             *ctx;
	gale_collector            coll;
	pthread_t                 thread;
	bool                      started;
	bool                      joined;
	bool                      debug; // topology.debug: log every emit
	uint64_t                  direct_said_ns; // a refused direct emit
	_Atomic bool              finished;
	_Atomic bool              failed;
	_Atomic bool              exhausted;
	// Odd while a component callback runs: bumped on the way in and on
	// the way out, so the worker can tell a callback that never returns.
	_Atomic uint64_t          cb_seq;

	gale_inbox       *inbox;
	gale_outbox      *outbox;
	gale_outbuf      *outbuf;
	gale_router      *router; // NULL for an acker
	bool              send_waited; // the last send found its peer full
	gale_batch        in;
	gale_batch_reader reader;
	uint32_t         *targets;
	size_t            targets_cap;
	size_t            ntargets; // of the last route (gale_emit_tasks)
	uint64_t          rng;
	uint64_t          now_ns; // the clock, read once a batch or a round
	uint64_t          next_rotate_ns;
	uint64_t          too_large_said_ns;

	// End of stream: which inputs have finished.
	uint32_t *inputs;
	size_t    ninputs;
	bool     *eos; // [ntasks + 1]

	// Sampled trees: the edges anchored to the input being handled.
	uint64_t *trace_children;
	size_t    ntrace_children, trace_children_cap;

	gale_task_metrics metrics;

	// A spout task's recent fails, for heartbeats: a ring of
	// GALE_EXEC_REPLAYS, the newest at (replay_seq - 1) % size.
	pthread_mutex_t    replay_mu;
	gale_replay_record replay_ring[GALE_EXEC_REPLAYS];
	uint64_t           replay_seq;
};

// A fresh edge or root id: never 0, which the acker reads as "no edge".
static inline uint64_t
gale__exec_id(gale_executor *e)
{
	uint64_t r = gale__rand_next(&e->rng);
	return r != 0 ? r : 1;
}

// False once the worker halts: emits then return GALE_ECLOSED.
static inline bool
gale__exec_may_emit(const gale_executor *e)
{
	return !atomic_load_explicit(&e->env->halt, memory_order_relaxed);
}

// Around a call into the component (open, next_tuple, execute, ...): two
// relaxed stores, no clock, so that they cost nothing per tuple.
static inline void
gale__exec_cb_enter(gale_executor *e)
{
	uint64_t v = atomic_load_explicit(&e->cb_seq, memory_order_relaxed);
	atomic_store_explicit(&e->cb_seq, v | 1u, memory_order_relaxed);
}

static inline void
gale__exec_cb_leave(gale_executor *e)
{
	uint64_t v = atomic_load_explicit(&e->cb_seq, memory_order_relaxed);
	atomic_store_explicit(&e->cb_seq, (v | 1u) + 1u, memory_order_relaxed);
}

// Receives and handles whatever is in the inbox, waiting at most
// timeout_ms for the first batch. True when a batch came.
bool gale__exec_receive(gale_executor *e, int timeout_ms);
// Handles one received batch.
void gale__exec_process(gale_executor *e, gale_batch *b);
// Records that task src has finished sending (an end-of-stream marker).
void gale__exec_record_eos(gale_executor *e, uint32_t src);

typedef void (*gale_exec_item_fn)(gale_executor *e, const gale_item *it);

// Reads the rest of the batch in e->reader, handing each tuple, acker
// operation and trace edge to its handler. A NULL handler drops its items
// (counted as dropped), except trace edges, which only an acker keeps.
// Inline, and called with constant handlers from a kind's items hook, so
// that the handlers inline into the loop: this runs once per item.
static inline void
gale__exec_items(gale_executor *e, gale_exec_item_fn tuple,
    gale_exec_item_fn ack, gale_exec_item_fn trace)
{
	gale_item it;
	gale_err  rv;
	while ((rv = gale_batch_reader_next(&e->reader, &it)) == GALE_OK) {
		switch (it.kind) {
		case GALE_ITEM_TUPLE:
			if (tuple != NULL) {
				tuple(e, &it);
			} else {
				gale_metric_add(
				    &e->metrics, GALE_M_DROPPED, 1);
			}
			break;
		case GALE_ITEM_ACK:
			if (ack != NULL) {
				ack(e, &it);
			} else {
				gale_metric_add(
				    &e->metrics, GALE_M_DROPPED, 1);
			}
			break;
		case GALE_ITEM_TRACE:
			if (trace != NULL) {
				trace(e, &it);
			}
			break;
		case GALE_ITEM_MARKER:
			if (it.marker_kind == GALE_MARK_END_OF_STREAM) {
				gale__exec_record_eos(e, it.src_task);
			}
			break;
		}
	}
	if (rv == GALE_EPROTO) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	}
}

// Drains held acks, then sends every batch with something in it.
void gale__exec_flush(gale_executor *e);
// Rotates the timeout buckets when due.
void gale__exec_rotate(gale_executor *e, uint64_t now);
// True when every input has sent end-of-stream.
bool gale__exec_inputs_done(const gale_executor *e);
// The loop of bolts and ackers: input until every input has finished.
void gale__exec_input_loop(gale_executor *e);

// Logs (once a second at most) and counts an emit refused for its size.
void gale__exec_too_large(gale_executor *e, size_t bytes);

// After gale__exec_route refused a direct emit to task direct with
// GALE_EINVAL: when the stream and the number of values were right, counts
// it as dropped and logs why (gale__router_direct_why), once a second at
// most. Off the hot path.
void gale__exec_direct_refused(
    gale_executor *e, uint32_t direct, const char *stream, size_t n);

// Routes values on stream (direct: the task of a direct emit, or 0) into
// e->targets; sets *sp to the stream's index and *ntargets. Inline, as the
// adds below: they run once per emitted tuple.
static inline gale_err
gale__exec_route(gale_executor *e, const char *stream,
    const gale_value *values, size_t n, uint32_t direct, int *sp,
    size_t *ntargets)
{
	int s       = gale__router_stream(e->router, stream);
	e->ntargets = 0;
	if (s < 0 || gale__router_stream_nfields(e->router, s) != n) {
		return GALE_EINVAL;
	}
	if (e->env->max_tuple_bytes != 0) {
		size_t bytes = 0;
		for (size_t i = 0; i < n; i++) {
			bytes += values[i].type == GALE_STR
				|| values[i].type == GALE_BYTES
			    ? values[i].u.s.len
			    : 8;
		}
		if (bytes > e->env->max_tuple_bytes) {
			gale__exec_too_large(e, bytes);
			return GALE_EINVAL;
		}
	}
	*sp         = s;
	gale_err rv = gale__router_route(
	    e->router, s, values, n, direct, e->targets, ntargets);
	e->ntargets = rv == GALE_OK ? *ntargets : 0;
	return rv;
}

// Appends one acker operation for dest; a failure is counted as dropped.
static inline void
gale__exec_add_ack(gale_executor *e, uint32_t dest, gale_ack_kind kind,
    uint64_t root, uint64_t value, uint32_t task)
{
	if (gale__outbuf_add_ack(e->outbuf, dest, kind, root, value, task)
	    != GALE_OK) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	}
}

// The acker task of root.
uint32_t gale__exec_acker_for(const gale_executor *e, uint64_t root);
// Logs an emit at INFO when topology.debug is on; costs a test when off.
void gale__exec_debug_emit(
    gale_executor *e, int s, const gale_value *values, size_t n);

// Remembers edge as anchored to the input being handled (sampled trees).
void gale__exec_trace_child(gale_executor *e, uint64_t edge);
// Tells root's acker how this task handled one edge of a sampled tree,
// with the children remembered since.
void gale__exec_trace_edge(gale_executor *e, uint64_t root, uint64_t edge,
    bool failed, uint64_t msg_id);

#endif // GALE_RUNTIME_EXECUTOR_IMPL_H
