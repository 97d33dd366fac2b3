// SPDX-License-Identifier: MIT
// executor.c - runs one task: its loop, its collector and its tuple views.
//
// A tuple's path through here allocates nothing in the steady state: values
// are copied straight into a reused batch per destination task, inputs are
// read in place from a reused receive buffer, and acks of the same root are
// XOR-combined in a reused table before they leave.

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "runtime/ackbuf.h"
#include "runtime/acker.h"
#include "runtime/executor.h"
#include "runtime/pending.h"
#include "runtime/router.h"
#include "runtime/trace.h"

#define EXECUTOR_MAX_BATCH_BYTES (256 * 1024)
#define EXECUTOR_IDLE_MS 50
#define EXECUTOR_SPOUT_CALLS 64
#define EXECUTOR_TIMEOUT_BUCKETS 3

typedef enum {
	EXEC_SPOUT,
	EXEC_BOLT,
	EXEC_ACKER,
} executor_kind;

struct gale_context {
	gale_executor *e;
	char           error[512];
};

struct gale_collector {
	gale_executor *e;
};

struct gale_tuple {
	gale_executor          *e;
	const gale_value       *values;
	size_t                  nvalues;
	const gale_stream_decl *decl; // the source's declaration of the stream
	const gale_anchor      *anchors;
	size_t                  nanchors;
	uint32_t                src_task;
	uint64_t                ack_val; // XOR of the edges anchored to it
	bool                    done;    // acked or failed
};

// An acker's answer that reached a spout while it was inside next_tuple:
// handled after next_tuple returns, so the spout's callbacks never nest.
typedef struct executor_answer {
	gale_ack_kind kind;
	uint64_t      root;
	uint32_t      task;
} executor_answer;

struct gale_executor {
	gale_worker_env          *env;
	uint32_t                  task;
	uint32_t                  comp;
	executor_kind             kind;
	const gale_component_def *def;
	const gale_spout_ops     *spout;
	const gale_bolt_ops      *bolt;
	void                     *self;
	gale_context              ctx;
	gale_collector            coll;
	pthread_t                 thread;
	bool                      started;
	bool                      joined;
	_Atomic bool              finished;
	_Atomic bool              failed;
	_Atomic bool              exhausted_flag;

	gale_inbox        *inbox;
	gale_outbox       *outbox;
	gale_router       *router;
	gale_batch        *out;    // [ntasks + 1], indexed by destination
	uint32_t          *dirty;  // destinations listed for the next flush
	bool              *isdirty; // [ntasks + 1]: listed in dirty
	size_t             ndirty;
	uint64_t           oldest_ns; // when the oldest unsent item was added
	gale_batch         in;
	gale_batch_reader  reader;
	uint32_t          *targets;
	size_t             targets_cap;
	gale_anchor       *anchors; // scratch for an emitted tuple's anchors
	size_t             anchors_cap;
	uint64_t           rng;
	uint64_t           now_ns;  // the clock, read once a batch or a round
	uint32_t           until_sample; // executes left before a timed one

	// End of stream: which inputs have finished.
	uint32_t *inputs;
	size_t    ninputs;
	bool     *eos; // [ntasks + 1]
	uint64_t  finished_gen;

	// Spouts.
	gale_pending    *pending;
	bool             exhausted;
	uint64_t         next_rotate_ns;
	uint64_t         drain_start_ns;
	uint64_t        *untracked_acks; // acking off: acked at emit
	size_t           nuntracked, untracked_cap;
	executor_answer *answers;
	size_t           nanswers, answers_cap;
	bool             in_next_tuple;
	bool             failed_since_call; // a fail not yet offered a replay

	// Bolts.
	gale_ackbuf *ackbuf;
	uint64_t     next_checkpoint_ns;

	// Ackers.
	gale_acker *acker;
	gale_trace *trace;

	// Sampled trees: the edges anchored to the input being executed.
	uint64_t *trace_children;
	size_t    ntrace_children, trace_children_cap;

	gale_task_metrics metrics;
};

uint64_t
gale_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static uint64_t
executor_rand(gale_executor *e)
{
	// xorshift64*: fast, and good enough for edge and root ids, which
	// need only be distinct, not secret.
	uint64_t x = e->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	e->rng = x;
	uint64_t r = x * 0x2545F4914F6CDD1DULL;
	return r != 0 ? r : 1;
}

// ---------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------

static gale_batch *
executor_batch(gale_executor *e, uint32_t dest)
{
	gale_batch *b = &e->out[dest];
	if (b->dest_task == 0) {
		gale_batch_init(b, dest);
	}
	if (!e->isdirty[dest]) {
		if (e->ndirty == 0) {
			e->oldest_ns = gale_now_ns();
		}
		e->isdirty[dest]      = true;
		e->dirty[e->ndirty++] = dest;
	}
	return b;
}

static void executor_spout_idle(void *arg);

static void
executor_send(gale_executor *e, gale_batch *b)
{
	const uint32_t dest = b->dest_task;
	void (*idle)(void *) = e->kind == EXEC_SPOUT ? executor_spout_idle
	                                             : NULL;
	for (;;) {
		gale_err rv = gale__outbox_send(e->outbox, b, idle, e,
		    (const volatile bool *) &e->env->halt);
		if (rv == GALE_OK || rv == GALE_ECLOSED) {
			break;
		}
		if (rv != GALE_ENOENT && rv != GALE_EAGAIN) {
			fprintf(stderr,
			    "gale: task %u: cannot send to task %u: %s\n",
			    e->task, dest, gale_strerror(rv));
			gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
			break;
		}
		// The destination's worker has not reported where it is
		// yet (it is restarting): wait for its endpoint.
		if (atomic_load(&e->env->halt)) {
			break;
		}
		if (idle != NULL) {
			idle(e);
		}
		usleep(1000);
	}
	if (!gale__transport_is_local(e->env->transport, dest)) {
		gale_metric_add(&e->metrics, GALE_M_TRANSFERRED, b->ntuples);
	}
	gale_batch_reset(b);
}

static void executor_drain_acks(gale_executor *e);

// Sends every batch with something in it.
static void
executor_flush(gale_executor *e)
{
	executor_drain_acks(e);
	// Sending may run the spout's idle hook, which never adds to the
	// batches, so the dirty list is stable while we walk it.
	for (size_t i = 0; i < e->ndirty; i++) {
		gale_batch *b = &e->out[e->dirty[i]];
		if (gale_batch_items(b) > 0) {
			executor_send(e, b);
		}
		e->isdirty[e->dirty[i]] = false;
	}
	e->ndirty = 0;
}

static void
executor_flush_if_full(gale_executor *e, gale_batch *b)
{
	if (gale_batch_items(b) >= e->env->batch_size ||
	    b->len >= EXECUTOR_MAX_BATCH_BYTES) {
		executor_send(e, b);
	}
}

static void
executor_add_ack(gale_executor *e, uint32_t dest, gale_ack_kind kind,
    uint64_t root, uint64_t value, uint32_t task)
{
	gale_batch *b = executor_batch(e, dest);
	if (gale_batch_add_ack(b, kind, root, value, task) != GALE_OK) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	executor_flush_if_full(e, b);
}

static void
executor_ack_cb(void *arg, uint64_t root, uint64_t value)
{
	gale_executor *e = arg;
	uint32_t acker   = gale_plan_acker_for_root(e->env->plan, root);
	executor_add_ack(e, acker, GALE_ACK_ACK, root, value, e->task);
}

// Moves the XOR-combined acks into the batches of their ackers. A bolt that
// checkpoints lets them go only once its state is stored.
static void
executor_drain_acks(gale_executor *e)
{
	if (e->ackbuf == NULL || gale__ackbuf_count(e->ackbuf) == 0) {
		return;
	}
	if (e->bolt != NULL && e->bolt->checkpoint != NULL) {
		uint64_t now = gale_now_ns();
		if (now < e->next_checkpoint_ns) {
			return;
		}
		e->next_checkpoint_ns =
		    now + (uint64_t) e->bolt->checkpoint_ms * 1000000u;
		if (e->bolt->checkpoint(e->self) != GALE_OK) {
			return;
		}
	}
	gale__ackbuf_drain(e->ackbuf, executor_ack_cb, e);
}

// ---------------------------------------------------------------------
// Emitting
// ---------------------------------------------------------------------

static gale_err
executor_route(gale_executor *e, const char *stream, const gale_value *values,
    size_t n, uint32_t direct, int *sp, size_t *ntargets)
{
	int s = gale__router_stream(e->router, stream);
	if (s < 0) {
		return GALE_EINVAL;
	}
	if (gale__router_stream_nfields(e->router, s) != n) {
		return GALE_EINVAL;
	}
	*sp = s;
	return gale__router_route(
	    e->router, s, values, n, direct, e->targets, ntargets);
}

static gale_err
executor_anchors_reserve(gale_executor *e, size_t n)
{
	if (n <= e->anchors_cap) {
		return GALE_OK;
	}
	size_t cap = e->anchors_cap ? e->anchors_cap : 16;
	while (cap < n) {
		cap *= 2;
	}
	gale_anchor *a = realloc(e->anchors, cap * sizeof(*a));
	if (a == NULL) {
		return GALE_ENOMEM;
	}
	e->anchors     = a;
	e->anchors_cap = cap;
	return GALE_OK;
}

static gale_err
executor_add_tuple(gale_executor *e, uint32_t dest, int s,
    const gale_value *values, size_t n, const gale_anchor *anchors,
    size_t nanchors)
{
	gale_batch *b  = executor_batch(e, dest);
	gale_err    rv = gale_batch_add_tuple(b, e->task,
            gale__router_stream_name(e->router, s), values, n, anchors,
            nanchors);
	if (rv != GALE_OK) {
		return rv;
	}
	executor_flush_if_full(e, b);
	return GALE_OK;
}

static void
executor_trace_child(gale_executor *e, uint64_t edge)
{
	if (e->ntrace_children == e->trace_children_cap) {
		size_t    cap = e->trace_children_cap ? e->trace_children_cap * 2
		                                      : 16;
		uint64_t *c   = realloc(e->trace_children, cap * sizeof(*c));
		if (c == NULL) {
			return;
		}
		e->trace_children     = c;
		e->trace_children_cap = cap;
	}
	e->trace_children[e->ntrace_children++] = edge;
}

// Tells root's acker how this task handled one edge of a sampled tree.
static void
executor_trace_edge(gale_executor *e, uint64_t root, uint64_t edge,
    bool failed, uint64_t msg_id)
{
	uint32_t    acker = gale_plan_acker_for_root(e->env->plan, root);
	gale_batch *b     = executor_batch(e, acker);
	gale_batch_add_trace(b, root, edge, e->task, gale__trace_now_us(),
	    e->trace_children, e->ntrace_children, failed, msg_id);
}

static bool
executor_may_emit(const gale_executor *e)
{
	return !atomic_load_explicit(&e->env->halt, memory_order_relaxed);
}

static gale_err
executor_spout_emit(gale_executor *e, const char *stream,
    const gale_value *values, size_t n, bool tracked, uint64_t msg_id)
{
	if (e->kind != EXEC_SPOUT) {
		return GALE_EINVAL;
	}
	if (!executor_may_emit(e)) {
		return GALE_ECLOSED;
	}
	int      s;
	size_t   nt;
	gale_err rv = executor_route(e, stream, values, n, 0, &s, &nt);
	if (rv != GALE_OK) {
		return rv;
	}
	gale_metric_add(&e->metrics, GALE_M_EMITTED, 1);
	if (!tracked || gale_plan_nackers(e->env->plan) == 0) {
		for (size_t i = 0; i < nt; i++) {
			rv = executor_add_tuple(
			    e, e->targets[i], s, values, n, NULL, 0);
			if (rv != GALE_OK) {
				return rv;
			}
		}
		if (tracked) {
			// Acking is off: the tree counts as complete now;
			// the spout hears so after next_tuple returns.
			if (e->nuntracked == e->untracked_cap) {
				size_t    cap = e->untracked_cap
				       ? e->untracked_cap * 2
				       : 256;
				uint64_t *ids = realloc(e->untracked_acks,
				    cap * sizeof(*ids));
				if (ids == NULL) {
					return GALE_ENOMEM;
				}
				e->untracked_acks = ids;
				e->untracked_cap  = cap;
			}
			e->untracked_acks[e->nuntracked++] = msg_id;
		}
		return GALE_OK;
	}
	bool     sampled = e->env->trace_threshold != 0 &&
	    executor_rand(e) <= e->env->trace_threshold;
	uint64_t root = gale__trace_mark(executor_rand(e), sampled);
	uint64_t xor  = 0;
	e->ntrace_children = 0;
	for (size_t i = 0; i < nt; i++) {
		gale_anchor a = { .root = root, .edge = executor_rand(e) };
		xor ^= a.edge;
		if (sampled) {
			executor_trace_child(e, a.edge);
		}
		rv = executor_add_tuple(e, e->targets[i], s, values, n, &a, 1);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	if (sampled) {
		executor_trace_edge(e, root, 0, false, msg_id);
	}
	uint32_t attempt = gale__pending_replay_attempt(e->pending, msg_id);
	if (attempt > 0) {
		gale_metric_add(&e->metrics, GALE_M_REPLAYED, 1);
	}
	if (gale__pending_add(e->pending, root, msg_id, e->now_ns, attempt) !=
	    GALE_OK) {
		// Untracked now: the tree can neither complete nor time out.
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	}
	size_t np = gale__pending_count(e->pending);
	gale_metric_set(&e->metrics, GALE_M_PENDING, np);
	if (np > gale_metric_get(&e->metrics, GALE_M_PENDING_PEAK)) {
		gale_metric_set(&e->metrics, GALE_M_PENDING_PEAK, np);
	}
	executor_add_ack(e, gale_plan_acker_for_root(e->env->plan, root),
	    GALE_ACK_INIT, root, xor, e->task);
	return GALE_OK;
}

gale_err
gale_spout_emit(gale_collector *c, const char *stream, const gale_value *values,
    size_t n, uint64_t msg_id)
{
	return executor_spout_emit(c->e, stream, values, n, true, msg_id);
}

gale_err
gale_spout_emit_untracked(
    gale_collector *c, const char *stream, const gale_value *values, size_t n)
{
	return executor_spout_emit(c->e, stream, values, n, false, 0);
}

void
gale_spout_exhausted(gale_collector *c)
{
	gale_executor *e = c->e;
	if (e->kind == EXEC_SPOUT) {
		e->exhausted = true;
		atomic_store(&e->exhausted_flag, true);
	}
}

// Merges the anchors of the given inputs, one edge per input, into
// e->anchors: one entry per root, its edges XORed.
static gale_err
executor_anchor(gale_executor *e, const gale_tuple *const *inputs,
    size_t ninputs, size_t *nout)
{
	size_t n = 0;
	for (size_t i = 0; i < ninputs; i++) {
		gale_tuple *in = (gale_tuple *) inputs[i];
		if (in == NULL || in->nanchors == 0 || in->done) {
			continue;
		}
		uint64_t edge = executor_rand(e);
		in->ack_val ^= edge;
		if (executor_anchors_reserve(e, n + in->nanchors) != GALE_OK) {
			return GALE_ENOMEM;
		}
		bool traced = false;
		for (size_t k = 0; k < in->nanchors; k++) {
			uint64_t root = in->anchors[k].root;
			size_t   j    = 0;
			traced |= gale__trace_sampled(root);
			while (j < n && e->anchors[j].root != root) {
				j++;
			}
			if (j == n) {
				e->anchors[n++] = (gale_anchor) { root, edge };
			} else {
				e->anchors[j].edge ^= edge;
			}
		}
		if (traced) {
			executor_trace_child(e, edge);
		}
	}
	*nout = n;
	return GALE_OK;
}

static gale_err
executor_bolt_emit(gale_executor *e, uint32_t direct, const char *stream,
    const gale_value *values, size_t n, const gale_tuple *const *anchors,
    size_t nanchors)
{
	if (e->kind != EXEC_BOLT) {
		return GALE_EINVAL;
	}
	if (!executor_may_emit(e)) {
		return GALE_ECLOSED;
	}
	int      s;
	size_t   nt;
	gale_err rv = executor_route(e, stream, values, n, direct, &s, &nt);
	if (rv != GALE_OK) {
		return rv;
	}
	gale_metric_add(&e->metrics, GALE_M_EMITTED, 1);
	for (size_t i = 0; i < nt; i++) {
		size_t na = 0;
		if (nanchors > 0) {
			rv = executor_anchor(e, anchors, nanchors, &na);
			if (rv != GALE_OK) {
				return rv;
			}
		}
		rv = executor_add_tuple(
		    e, e->targets[i], s, values, n, e->anchors, na);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	return GALE_OK;
}

gale_err
gale_emit(gale_collector *c, const char *stream, const gale_value *values,
    size_t n, const gale_tuple *const *anchors, size_t nanchors)
{
	return executor_bolt_emit(c->e, 0, stream, values, n, anchors, nanchors);
}

gale_err
gale_emit_direct(gale_collector *c, uint32_t task, const char *stream,
    const gale_value *values, size_t n, const gale_tuple *const *anchors,
    size_t nanchors)
{
	if (task == 0) {
		return GALE_EINVAL;
	}
	return executor_bolt_emit(
	    c->e, task, stream, values, n, anchors, nanchors);
}

void
gale_ack(gale_collector *c, const gale_tuple *t)
{
	gale_executor *e  = c->e;
	gale_tuple    *in = (gale_tuple *) t;
	if (in == NULL || in->done || e->kind != EXEC_BOLT) {
		return;
	}
	in->done = true;
	gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
	for (size_t k = 0; k < in->nanchors; k++) {
		if (gale__trace_sampled(in->anchors[k].root)) {
			executor_trace_edge(e, in->anchors[k].root,
			    in->anchors[k].edge, false, 0);
		}
		if (gale__ackbuf_add(e->ackbuf, in->anchors[k].root,
		        in->anchors[k].edge ^ in->ack_val) != GALE_OK) {
			gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		}
	}
}

void
gale_fail(gale_collector *c, const gale_tuple *t)
{
	gale_executor *e  = c->e;
	gale_tuple    *in = (gale_tuple *) t;
	if (in == NULL || in->done || e->kind != EXEC_BOLT) {
		return;
	}
	in->done = true;
	gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
	for (size_t k = 0; k < in->nanchors; k++) {
		uint64_t root = in->anchors[k].root;
		if (gale__trace_sampled(root)) {
			executor_trace_edge(e, root, in->anchors[k].edge, true, 0);
		}
		executor_add_ack(e, gale_plan_acker_for_root(e->env->plan, root),
		    GALE_ACK_FAIL, root, 0, e->task);
	}
}

// ---------------------------------------------------------------------
// Tuples and context
// ---------------------------------------------------------------------

size_t
gale_tuple_size(const gale_tuple *t)
{
	return t->nvalues;
}

const gale_value *
gale_tuple_get(const gale_tuple *t, size_t i)
{
	return i < t->nvalues ? &t->values[i] : NULL;
}

const gale_value *
gale_tuple_field(const gale_tuple *t, const char *name)
{
	if (t->decl == NULL || t->decl->fields == NULL) {
		return NULL;
	}
	for (size_t i = 0; t->decl->fields[i] != NULL && i < t->nvalues; i++) {
		if (strcmp(t->decl->fields[i], name) == 0) {
			return &t->values[i];
		}
	}
	return NULL;
}

const char *
gale_tuple_stream(const gale_tuple *t)
{
	return t->decl != NULL && t->decl->stream != NULL ? t->decl->stream
	                                                  : GALE_DEFAULT_STREAM;
}

const char *
gale_tuple_source(const gale_tuple *t)
{
	const gale_plan *p = t->e->env->plan;
	return gale_plan_component_id(p, gale_plan_task_component(p, t->src_task));
}

uint32_t
gale_tuple_source_task(const gale_tuple *t)
{
	return t->src_task;
}

const char *
gale_context_topology(const gale_context *ctx)
{
	return ctx->e->env->topo->name;
}

const char *
gale_context_component(const gale_context *ctx)
{
	return ctx->e->def->id;
}

uint32_t
gale_context_task(const gale_context *ctx)
{
	return ctx->e->task;
}

uint32_t
gale_context_index(const gale_context *ctx)
{
	return gale_plan_task_index(ctx->e->env->plan, ctx->e->task);
}

uint32_t
gale_context_ntasks(const gale_context *ctx)
{
	return gale_plan_component_ntasks(ctx->e->env->plan, ctx->e->comp);
}

uint32_t
gale_context_component_tasks(
    const gale_context *ctx, const char *id, uint32_t *first)
{
	const gale_plan *p = ctx->e->env->plan;
	int              c = gale_plan_component_index(p, id);
	if (c < 0) {
		return 0;
	}
	*first = gale_plan_component_first_task(p, (uint32_t) c);
	return gale_plan_component_ntasks(p, (uint32_t) c);
}

const char *
gale_context_run_id(const gale_context *ctx)
{
	return ctx->e->env->run_id;
}

const char *
gale_context_option(const gale_context *ctx, const char *name)
{
	const gale_component_def *d = ctx->e->def;
	for (size_t i = 0; i < d->noptions; i++) {
		if (strcmp(d->options[i].key, name) == 0) {
			return d->options[i].value;
		}
	}
	return NULL;
}

bool
gale_context_option_at(const gale_context *ctx, size_t i, const char **name,
    const char **value)
{
	const gale_component_def *d = ctx->e->def;
	if (i >= d->noptions) {
		return false;
	}
	*name  = d->options[i].key;
	*value = d->options[i].value;
	return true;
}

void
gale_context_error(gale_context *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
}

void
gale_log(const gale_context *ctx, gale_log_level level, const char *fmt, ...)
{
	char who[160];
	snprintf(who, sizeof(who), "%s:%u", gale_context_component(ctx),
	    gale_context_task(ctx));
	va_list ap;
	va_start(ap, fmt);
	gale__logv(level, who, fmt, ap);
	va_end(ap);
}

int64_t
gale_context_option_i64(const gale_context *ctx, const char *name, int64_t def)
{
	const char *v = gale_context_option(ctx, name);
	if (v == NULL) {
		return def;
	}
	char     *end;
	long long x = strtoll(v, &end, 0);
	if (end == v || *end != '\0') {
		gale_context_error((gale_context *) ctx,
		    "option '%s': '%s' is not an integer", name, v);
		return def;
	}
	return x;
}

double
gale_context_option_f64(const gale_context *ctx, const char *name, double def)
{
	const char *v = gale_context_option(ctx, name);
	if (v == NULL) {
		return def;
	}
	char  *end;
	double x = strtod(v, &end);
	if (end == v || *end != '\0') {
		gale_context_error((gale_context *) ctx,
		    "option '%s': '%s' is not a number", name, v);
		return def;
	}
	return x;
}

bool
gale_context_option_bool(const gale_context *ctx, const char *name, bool def)
{
	const char *v = gale_context_option(ctx, name);
	if (v == NULL) {
		return def;
	}
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[]  = { "false", "no", "off", "0", NULL };
	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			return false;
		}
	}
	gale_context_error((gale_context *) ctx,
	    "option '%s': '%s' is not a boolean", name, v);
	return def;
}

// ---------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------

// The declaration of the stream a tuple came on, from its source's ops.
static const gale_stream_decl *
executor_stream_decl(const gale_executor *e, uint32_t src, const char *name,
    size_t len)
{
	const gale_plan *p = e->env->plan;
	if (src < 1 || src > gale_plan_ntasks(p)) {
		return NULL;
	}
	const gale_component_def *d =
	    gale_plan_component_def(p, gale_plan_task_component(p, src));
	if (d == NULL) {
		return NULL;
	}
	const gale_stream_decl *decl =
	    d->spout != NULL ? d->spout->outputs : d->bolt->outputs;
	if (len == 0) {
		name = GALE_DEFAULT_STREAM;
		len  = strlen(GALE_DEFAULT_STREAM);
	}
	for (; decl != NULL && decl->stream != NULL; decl++) {
		if (strlen(decl->stream) == len &&
		    memcmp(decl->stream, name, len) == 0) {
			return decl;
		}
	}
	return NULL;
}

static void
executor_record_eos(gale_executor *e, uint32_t src)
{
	if (src >= 1 && src <= gale_plan_ntasks(e->env->plan)) {
		e->eos[src] = true;
	}
}

// True when every input has finished.
static bool
executor_inputs_done(gale_executor *e)
{
	for (size_t i = 0; i < e->ninputs; i++) {
		if (!e->eos[e->inputs[i]]) {
			return false;
		}
	}
	return true;
}

static void
executor_execute(gale_executor *e, const gale_item *it)
{
	gale_tuple t = {
		.e        = e,
		.values   = it->values,
		.nvalues  = it->nvalues,
		.decl     = executor_stream_decl(
                    e, it->src_task, it->stream, it->stream_len),
		.anchors  = it->anchors,
		.nanchors = it->nanchors,
		.src_task = it->src_task,
	};
	// Reading the clock costs as much as a small bolt's execute, so one
	// execute in sample_every is timed and stands for the others, as
	// Storm samples its stats (topology.stats.sample.rate).
	e->ntrace_children = 0;
	bool     timed = e->until_sample == 0;
	uint64_t start = timed ? gale_now_ns() : 0;
	e->bolt->execute(e->self, &t, &e->coll);
	if (!t.done) {
		gale_ack(&e->coll, &t);
	}
	gale_metric_add(&e->metrics, GALE_M_EXECUTED, 1);
	if (timed) {
		uint64_t took   = gale_now_ns() - start;
		e->until_sample = e->env->sample_every - 1;
		gale_metric_add(&e->metrics, GALE_M_BUSY_NS,
		    took * e->env->sample_every);
		gale_hist_record(&e->metrics.execute, took / 1000);
	} else {
		e->until_sample--;
	}
}

static void
executor_log_fail(gale_executor *e, uint64_t root, uint64_t msg_id,
    uint32_t attempt, const char *reason)
{
	if (!e->env->log_replays) {
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	localtime_r(&ts.tv_sec, &tm);
	char when[32];
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr,
	    "%s.%03ld fail spout=%s:%u msg=%" PRIu64 " root=%016" PRIx64
	    " reason=\"%s\" attempt=%u\n",
	    when, ts.tv_nsec / 1000000, e->def->id, e->task, msg_id, root,
	    reason, attempt + 1);
}

static void
executor_spout_answer(gale_executor *e, gale_ack_kind kind, uint64_t root,
    uint32_t task)
{
	uint64_t msg_id, start;
	uint32_t attempt;
	if (!gale__pending_take(e->pending, root, &msg_id, &start, &attempt)) {
		return; // timed out already, or a duplicate
	}
	gale_metric_set(&e->metrics, GALE_M_PENDING,
	    gale__pending_count(e->pending));
	if (kind == GALE_ACK_COMPLETE) {
		gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
		uint64_t now = e->now_ns > start ? e->now_ns : start;
		gale_hist_record(&e->metrics.complete, (now - start) / 1000);
		if (e->spout->ack != NULL) {
			e->spout->ack(e->self, msg_id);
		}
		return;
	}
	gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
	if (e->env->log_replays) {
		const gale_plan *p = e->env->plan;
		char             reason[192];
		if (task != 0) {
			snprintf(reason, sizeof(reason), "failed by %s:%u",
			    gale_plan_component_id(
			        p, gale_plan_task_component(p, task)),
			    task);
		} else {
			snprintf(reason, sizeof(reason), "failed downstream");
		}
		executor_log_fail(e, root, msg_id, attempt, reason);
	}
	gale__pending_failed(e->pending, msg_id, attempt);
	e->failed_since_call = true;
	if (e->spout->fail != NULL) {
		e->spout->fail(e->self, msg_id);
	}
}

static void
executor_acker_op(gale_executor *e, const gale_item *it)
{
	uint64_t        now = e->now_ns;
	uint32_t        spout_task;
	uint64_t        start;
	gale_tree_state st;
	switch (it->ack_kind) {
	case GALE_ACK_INIT:
		st = gale__acker_init(e->acker, it->root, it->value, it->task,
		    now, &spout_task, &start);
		break;
	case GALE_ACK_ACK:
		st = gale__acker_ack(
		    e->acker, it->root, it->value, now, &spout_task, &start);
		break;
	case GALE_ACK_FAIL:
		st = gale__acker_fail(
		    e->acker, it->root, it->task, now, &spout_task, &start);
		break;
	default:
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	gale_metric_add(&e->metrics, GALE_M_EXECUTED, 1);
	if (st != GALE_TREE_PENDING && gale__trace_sampled(it->root)) {
		char *text = gale__trace_finish(e->trace, it->root,
		    st == GALE_TREE_FAILED, e->env->plan);
		if (text != NULL) {
			fputs(text, stderr);
			free(text);
		}
	}
	if (st == GALE_TREE_COMPLETE) {
		gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
		executor_add_ack(
		    e, spout_task, GALE_ACK_COMPLETE, it->root, 0, e->task);
	} else if (st == GALE_TREE_FAILED) {
		gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
		// The failing task travels on, so the spout can say who.
		uint32_t by = gale__acker_failed_by(e->acker);
		executor_add_ack(
		    e, spout_task, GALE_ACK_FAILED, it->root, 0, by);
	}
}

// Handles one received batch.
static void
executor_process(gale_executor *e, gale_batch *b)
{
	uint32_t dest;
	if (gale_batch_reader_begin(&e->reader, b->buf, b->len, &dest) !=
	        GALE_OK ||
	    dest != e->task) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	// One clock reading per batch serves its acker operations and the
	// complete latencies of the trees it answers.
	e->now_ns = gale_now_ns();
	gale_item it;
	gale_err  rv;
	while ((rv = gale_batch_reader_next(&e->reader, &it)) == GALE_OK) {
		switch (it.kind) {
		case GALE_ITEM_TUPLE:
			if (e->kind == EXEC_BOLT) {
				executor_execute(e, &it);
			} else {
				gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
			}
			break;
		case GALE_ITEM_ACK:
			if (e->kind == EXEC_ACKER) {
				executor_acker_op(e, &it);
			} else if (e->kind == EXEC_SPOUT &&
			    (it.ack_kind == GALE_ACK_COMPLETE ||
			        it.ack_kind == GALE_ACK_FAILED)) {
				if (e->in_next_tuple) {
					executor_answer a = { it.ack_kind,
						it.root, it.task };
					if (e->nanswers == e->answers_cap) {
						size_t cap = e->answers_cap
						    ? e->answers_cap * 2
						    : 256;
						executor_answer *x =
						    realloc(e->answers,
						        cap * sizeof(*x));
						if (x == NULL) {
							break;
						}
						e->answers     = x;
						e->answers_cap = cap;
					}
					e->answers[e->nanswers++] = a;
				} else {
					executor_spout_answer(
					    e, it.ack_kind, it.root, it.task);
				}
			} else {
				gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
			}
			break;
		case GALE_ITEM_TRACE:
			if (e->kind == EXEC_ACKER) {
				gale__trace_add(e->trace, &it);
			}
			break;
		case GALE_ITEM_MARKER:
			if (it.marker_kind == GALE_MARK_END_OF_STREAM) {
				executor_record_eos(e, it.src_task);
			}
			break;
		}
	}
	if (rv == GALE_EPROTO) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	}
}

// While a spout waits for room downstream it keeps reading its inbox, so
// the ackers it waits on, transitively, can always make progress.
static void
executor_spout_idle(void *arg)
{
	gale_executor *e = arg;
	while (gale__inbox_recv(e->inbox, &e->in, 0) == GALE_OK) {
		executor_process(e, &e->in);
	}
}

static void
executor_spout_expired(void *arg, uint64_t root, uint64_t msg_id,
    uint64_t start_ns, uint32_t attempt)
{
	(void) start_ns;
	gale_executor *e = arg;
	gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
	gale_metric_add(&e->metrics, GALE_M_TIMEDOUT, 1);
	char reason[64];
	snprintf(reason, sizeof(reason), "timeout after %u s",
	    e->env->timeout_secs);
	executor_log_fail(e, root, msg_id, attempt, reason);
	gale__pending_failed(e->pending, msg_id, attempt);
	e->failed_since_call = true;
	if (e->spout->fail != NULL) {
		e->spout->fail(e->self, msg_id);
	}
}

// Rotates the timeout buckets when due: a tree is given between
// timeout and timeout * N / (N - 1) seconds.
static void
executor_rotate(gale_executor *e, uint64_t now)
{
	if (now < e->next_rotate_ns) {
		return;
	}
	uint64_t period = (uint64_t) e->env->timeout_secs * 1000000000u /
	    (EXECUTOR_TIMEOUT_BUCKETS - 1);
	e->next_rotate_ns = now + period;
	if (e->pending != NULL) {
		gale__pending_rotate(e->pending, executor_spout_expired, e);
		gale_metric_set(&e->metrics, GALE_M_PENDING,
		    gale__pending_count(e->pending));
	}
	if (e->acker != NULL) {
		gale__acker_rotate(e->acker);
	}
}

// ---------------------------------------------------------------------
// The loops
// ---------------------------------------------------------------------

static void
executor_finish(gale_executor *e)
{
	// The last checkpoint, and the acks it releases, come before cleanup
	// (as gale.h promises).
	if (e->ackbuf != NULL) {
		e->next_checkpoint_ns = 0;
		executor_drain_acks(e);
	}
	if (e->kind == EXEC_BOLT && e->bolt->cleanup != NULL &&
	    !atomic_load(&e->failed)) {
		e->bolt->cleanup(e->self, &e->coll);
	}
	// End of stream to every task downstream, and to every acker, which
	// counts its inputs too.
	const gale_plan *p = e->env->plan;
	uint32_t         n = gale_plan_ntasks(p);
	uint32_t        *outs = calloc(n + 1, sizeof(*outs));
	size_t           nout = 0;
	if (outs != NULL) {
		nout = gale_plan_task_outputs(p, e->task, outs, n);
	}
	for (size_t i = 0; i < nout; i++) {
		gale_batch_add_marker(executor_batch(e, outs[i]),
		    GALE_MARK_END_OF_STREAM, e->task);
	}
	free(outs);
	if (e->kind != EXEC_ACKER) {
		uint32_t a = gale_plan_component_index(p, GALE_ACKER_COMPONENT);
		if (gale_plan_nackers(p) > 0) {
			uint32_t first = gale_plan_component_first_task(p, a);
			for (uint32_t k = 0; k < gale_plan_nackers(p); k++) {
				gale_batch_add_marker(
				    executor_batch(e, first + k),
				    GALE_MARK_END_OF_STREAM, e->task);
			}
		}
	}
	executor_flush(e);
	atomic_store(&e->finished, true);
}

static void
executor_answer_deferred(gale_executor *e)
{
	for (size_t i = 0; i < e->nanswers; i++) {
		executor_spout_answer(e, e->answers[i].kind, e->answers[i].root,
		    e->answers[i].task);
	}
	e->nanswers = 0;
	for (size_t i = 0; i < e->nuntracked; i++) {
		gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
		if (e->spout->ack != NULL) {
			e->spout->ack(e->self, e->untracked_acks[i]);
		}
	}
	e->nuntracked = 0;
}

static bool
executor_spout_done(gale_executor *e, uint64_t now)
{
	bool draining = atomic_load(&e->env->draining);
	if (!e->exhausted && !draining) {
		return false;
	}
	// An exhausted spout still replays what fails: it is done once no
	// tree is pending and every fail was followed by a next_tuple call.
	if (gale__pending_count(e->pending) == 0 &&
	    (draining || !e->failed_since_call)) {
		return true;
	}
	// Asked to stop: pending trees get up to the message timeout.
	if (draining) {
		if (e->drain_start_ns == 0) {
			e->drain_start_ns = now;
		}
		return now - e->drain_start_ns >=
		    (uint64_t) e->env->timeout_secs * 1000000000u;
	}
	return false;
}

static void
executor_spout_loop(gale_executor *e)
{
	while (!atomic_load(&e->env->halt)) {
		while (gale__inbox_recv(e->inbox, &e->in, 0) == GALE_OK) {
			executor_process(e, &e->in);
		}
		uint64_t now = gale_now_ns();
		e->now_ns    = now;
		executor_rotate(e, now);
		if (executor_spout_done(e, now)) {
			break;
		}
		bool may = atomic_load(&e->env->active) &&
		    !atomic_load(&e->env->draining) &&
		    (e->env->max_pending == 0 ||
		        gale__pending_count(e->pending) < e->env->max_pending);
		bool emitted = false;
		if (may) {
			uint64_t before = gale_metric_get(
			    &e->metrics, GALE_M_EMITTED);
			uint64_t t0     = now;
			e->in_next_tuple     = true;
			e->failed_since_call = false;
			for (int i = 0; i < EXECUTOR_SPOUT_CALLS; i++) {
				uint64_t n = gale_metric_get(
				    &e->metrics, GALE_M_EMITTED);
				e->spout->next_tuple(e->self, &e->coll);
				if ((e->exhausted &&
				        gale_metric_get(&e->metrics,
				            GALE_M_EMITTED) == n) ||
				    (e->env->max_pending != 0 &&
				        gale__pending_count(e->pending) >=
				            e->env->max_pending)) {
					break;
				}
			}
			e->in_next_tuple = false;
			now = gale_now_ns();
			gale_metric_add(&e->metrics, GALE_M_BUSY_NS, now - t0);
			emitted = gale_metric_get(&e->metrics,
			              GALE_M_EMITTED) != before;
			executor_answer_deferred(e);
		}
		if (e->ndirty > 0 &&
		    (!emitted || now - e->oldest_ns >= e->env->flush_ns)) {
			executor_flush(e);
		}
		if (!emitted) {
			// Nothing to do: wait a little for acks, as Storm's
			// spout executors sleep when next_tuple emits nothing.
			if (gale__inbox_recv(e->inbox, &e->in, 1) == GALE_OK) {
				executor_process(e, &e->in);
			}
		}
	}
}

static void
executor_bolt_loop(gale_executor *e)
{
	while (!atomic_load(&e->env->halt)) {
		// With output waiting, only look whether more input is there:
		// an idle task sends what it has at once, so a batch waits for
		// company only while input keeps coming. Acks held for a
		// checkpoint are looked at again within a millisecond.
		int timeout = EXECUTOR_IDLE_MS;
		if (e->ndirty > 0) {
			timeout = 0;
		} else if (e->ackbuf != NULL &&
		    gale__ackbuf_count(e->ackbuf) > 0) {
			timeout = 1;
		}
		gale_err rv = gale__inbox_recv(e->inbox, &e->in, timeout);
		if (rv == GALE_OK) {
			executor_process(e, &e->in);
		}
		uint64_t now = gale_now_ns();
		if (e->kind == EXEC_ACKER) {
			executor_rotate(e, now);
		}
		if (rv != GALE_OK || now - e->oldest_ns >= e->env->flush_ns) {
			executor_flush(e);
		}
		if (executor_inputs_done(e)) {
			// Anything still queued came before the markers.
			while (gale__inbox_recv(e->inbox, &e->in, 0) == GALE_OK) {
				executor_process(e, &e->in);
			}
			break;
		}
	}
}

static void *
executor_main(void *arg)
{
	gale_executor *e = arg;
	gale_err       rv = GALE_OK;
	if (e->kind == EXEC_SPOUT) {
		rv = e->spout->open(e->self, &e->ctx);
	} else if (e->kind == EXEC_BOLT && e->bolt->prepare != NULL) {
		rv = e->bolt->prepare(e->self, &e->ctx);
	}
	if (rv == GALE_OK && e->ctx.error[0] != '\0') {
		rv = GALE_EINVAL;
	}
	if (rv != GALE_OK) {
		fprintf(stderr, "gale: %s:%u: %s failed: %s\n", e->def->id,
		    e->task, e->kind == EXEC_SPOUT ? "open" : "prepare",
		    e->ctx.error[0] ? e->ctx.error : gale_strerror(rv));
		atomic_store(&e->failed, true);
		return NULL;
	}
	// Inputs that finished before this task (re)started sent their
	// markers to its previous incarnation; what they sent before was
	// acked there, or will be replayed. Only this snapshot counts: a
	// later report that a task finished may overtake its last data.
	for (size_t i = 0; i < e->ninputs; i++) {
		if (atomic_load(&e->env->finished[e->inputs[i]])) {
			e->eos[e->inputs[i]] = true;
		}
	}
	// A task that finished before its worker was restarted stays
	// finished: its downstream has what it sent.
	if (atomic_load(&e->env->finished[e->task])) {
		executor_finish(e);
	} else {
		if (e->kind == EXEC_SPOUT) {
			executor_spout_loop(e);
		} else {
			executor_bolt_loop(e);
		}
		if (!atomic_load(&e->env->halt)) {
			executor_finish(e);
		}
	}
	if (e->kind == EXEC_SPOUT && e->spout->close != NULL) {
		e->spout->close(e->self);
	}
	return NULL;
}

// ---------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------

gale_err
gale__executor_new(gale_executor **out, gale_worker_env *env, uint32_t task,
    char *ep, size_t eplen)
{
	const gale_plan *p = env->plan;
	gale_executor   *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return GALE_ENOMEM;
	}
	uint32_t n   = gale_plan_ntasks(p);
	e->env       = env;
	e->task      = task;
	e->comp      = gale_plan_task_component(p, task);
	e->def       = gale_plan_component_def(p, e->comp);
	e->ctx.e     = e;
	e->coll.e    = e;
	e->rng       = (0x9E3779B97F4A7C15ULL * task) ^ gale_now_ns() ^
	    ((uint64_t) getpid() << 32);
	gale_batch_reader_init(&e->reader);
	gale_batch_init(&e->in, 0);
	gale_err rv = GALE_ENOMEM;
	e->out      = calloc(n + 1, sizeof(*e->out));
	e->dirty    = calloc(n + 1, sizeof(*e->dirty));
	e->isdirty  = calloc(n + 1, sizeof(*e->isdirty));
	e->eos      = calloc(n + 1, sizeof(*e->eos));
	e->inputs   = calloc(n + 1, sizeof(*e->inputs));
	if (e->out == NULL || e->dirty == NULL || e->isdirty == NULL ||
	    e->eos == NULL ||
	    e->inputs == NULL) {
		goto fail;
	}
	e->ninputs = gale_plan_task_inputs(p, task, e->inputs, n);
	if (gale_plan_component_is_acker(p, e->comp)) {
		e->kind = EXEC_ACKER;
		if ((rv = gale__acker_new(&e->acker,
		         EXECUTOR_TIMEOUT_BUCKETS)) != GALE_OK ||
		    (rv = gale__trace_new(&e->trace, 64)) != GALE_OK) {
			goto fail;
		}
	} else if (e->def->spout != NULL) {
		e->kind  = EXEC_SPOUT;
		e->spout = e->def->spout;
		if ((rv = gale__pending_new(&e->pending,
		         EXECUTOR_TIMEOUT_BUCKETS, 1u << 20)) != GALE_OK) {
			goto fail;
		}
	} else {
		e->kind = EXEC_BOLT;
		e->bolt = e->def->bolt;
		if ((rv = gale__ackbuf_new(&e->ackbuf)) != GALE_OK) {
			goto fail;
		}
	}
	if (e->kind != EXEC_ACKER) {
		size_t size = e->spout ? e->spout->size : e->bolt->size;
		e->self     = calloc(1, size ? size : 1);
		if (e->self == NULL) {
			rv = GALE_ENOMEM;
			goto fail;
		}
		rv = gale__router_new(&e->router, p, env->topo, task, e->rng);
		if (rv != GALE_OK) {
			goto fail;
		}
		e->targets_cap = gale__router_max_targets(e->router);
		e->targets =
		    calloc(e->targets_cap ? e->targets_cap : 1, sizeof(uint32_t));
		if (e->targets == NULL) {
			rv = GALE_ENOMEM;
			goto fail;
		}
	}
	if ((rv = gale__inbox_open(&e->inbox, env->transport, task, ep,
	         eplen)) != GALE_OK ||
	    (rv = gale__outbox_new(&e->outbox, env->transport)) != GALE_OK) {
		goto fail;
	}
	*out = e;
	return GALE_OK;
fail:
	gale__executor_destroy(&e);
	return rv;
}

gale_err
gale__executor_start(gale_executor *e)
{
	if (pthread_create(&e->thread, NULL, executor_main, e) != 0) {
		return GALE_ENOMEM;
	}
	e->started = true;
	return GALE_OK;
}

void
gale__executor_join(gale_executor *e)
{
	if (e->started && !e->joined) {
		pthread_join(e->thread, NULL);
		e->joined = true;
	}
}

void
gale__executor_destroy(gale_executor **ep)
{
	gale_executor *e = *ep;
	if (e == NULL) {
		return;
	}
	gale__executor_join(e);
	gale__inbox_close(&e->inbox);
	gale__outbox_close(&e->outbox);
	gale__router_destroy(&e->router);
	gale__pending_destroy(&e->pending);
	gale__ackbuf_destroy(&e->ackbuf);
	gale__acker_destroy(&e->acker);
	gale__trace_destroy(&e->trace);
	if (e->out != NULL) {
		uint32_t n = gale_plan_ntasks(e->env->plan);
		for (uint32_t i = 0; i <= n; i++) {
			if (e->out[i].dest_task != 0) {
				gale_batch_fini(&e->out[i]);
			}
		}
	}
	gale_batch_fini(&e->in);
	gale_batch_reader_fini(&e->reader);
	free(e->out);
	free(e->dirty);
	free(e->isdirty);
	free(e->eos);
	free(e->inputs);
	free(e->targets);
	free(e->anchors);
	free(e->untracked_acks);
	free(e->answers);
	free(e->trace_children);
	free(e->self);
	free(e);
	*ep = NULL;
}

uint32_t
gale__executor_task(const gale_executor *e)
{
	return e->task;
}

bool
gale__executor_finished(const gale_executor *e)
{
	return atomic_load(&e->finished);
}

bool
gale__executor_failed(const gale_executor *e)
{
	return atomic_load(&e->failed);
}

bool
gale__executor_exhausted(const gale_executor *e)
{
	return atomic_load(&e->exhausted_flag);
}

const gale_task_metrics *
gale__executor_metrics(const gale_executor *e)
{
	return &e->metrics;
}
