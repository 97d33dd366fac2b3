// SPDX-License-Identifier: MIT
// bolt_exec.c - the bolt kind of executor: executes each input tuple,
// anchors what the bolt emits to its inputs, and acks or fails them.

#include <stdlib.h>

#include "base/clock.h"
#include "runtime/ackbuf.h"
#include "runtime/executor_impl.h"
#include "runtime/trace.h"

// Held acks (of distinct roots) that make a checkpoint due at once.
#define BOLT_COMMIT_ACKS 1024

typedef struct bolt_exec {
	const gale_bolt_ops *ops;
	gale_ackbuf         *ackbuf;
	uint64_t             next_checkpoint_ns;
	uint64_t             since_drain; // executes since the last drain
	uint32_t             until_sample; // executes left before a timed one
	gale_anchor         *anchors; // scratch for an emitted tuple's anchors
	size_t               anchors_cap;
} bolt_exec;

static gale_err
bolt_init(gale_executor *e)
{
	bolt_exec *b = e->priv;
	b->ops       = e->def->bolt;
	return gale__ackbuf_new(&b->ackbuf);
}

static void
bolt_fini(gale_executor *e)
{
	bolt_exec *b = e->priv;
	gale__ackbuf_destroy(&b->ackbuf);
	free(b->anchors);
}

static gale_err
bolt_open(gale_executor *e)
{
	bolt_exec *b = e->priv;
	return b->ops->prepare != NULL ? b->ops->prepare(e->self, e->ctx)
				       : GALE_OK;
}

// ---------------------------------------------------------------------
// Acking
// ---------------------------------------------------------------------

static void
bolt_ack_cb(void *arg, uint64_t root, uint64_t value)
{
	gale_executor *e = arg;
	gale__exec_add_ack(e, gale__exec_acker_for(e, root), GALE_ACK_ACK,
	    root, value, e->task);
}

// Moves the XOR-combined acks into the batches of their ackers. A bolt that
// checkpoints lets them go only once its state is stored: a group commit,
// due when the input went idle (nothing executed since the last drain),
// when BOLT_COMMIT_ACKS are held, or when the timer says so.
static void
bolt_drain(gale_executor *e)
{
	bolt_exec *b    = e->priv;
	bool       idle = b->since_drain == 0;
	b->since_drain  = 0;
	if (gale__ackbuf_count(b->ackbuf) == 0) {
		return;
	}
	if (b->ops->checkpoint != NULL) {
		uint64_t now = gale_now_ns();
		if (now < b->next_checkpoint_ns && !idle
		    && gale__ackbuf_count(b->ackbuf) < BOLT_COMMIT_ACKS) {
			return;
		}
		b->next_checkpoint_ns
		    = now + (uint64_t) b->ops->checkpoint_ms * 1000000u;
		if (b->ops->checkpoint(e->self) != GALE_OK) {
			return;
		}
	}
	gale__ackbuf_drain(b->ackbuf, bolt_ack_cb, e);
}

static bool
bolt_holding(const gale_executor *e)
{
	const bolt_exec *b = e->priv;
	return gale__ackbuf_count(b->ackbuf) > 0;
}

static void
bolt_ack_tuple(gale_executor *e, gale_tuple *in)
{
	bolt_exec *b = e->priv;
	in->done     = true;
	gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
	for (size_t k = 0; k < in->nanchors; k++) {
		if (gale__trace_sampled(in->anchors[k].root)) {
			gale__exec_trace_edge(e, in->anchors[k].root,
			    in->anchors[k].edge, false, 0);
		}
		if (gale__ackbuf_add(b->ackbuf, in->anchors[k].root,
			in->anchors[k].edge ^ in->ack_val)
		    != GALE_OK) {
			gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		}
	}
}

static void
bolt_fail_tuple(gale_executor *e, gale_tuple *in)
{
	in->done = true;
	gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
	for (size_t k = 0; k < in->nanchors; k++) {
		uint64_t root = in->anchors[k].root;
		if (gale__trace_sampled(root)) {
			gale__exec_trace_edge(
			    e, root, in->anchors[k].edge, true, 0);
		}
		gale__exec_add_ack(e, gale__exec_acker_for(e, root),
		    GALE_ACK_FAIL, root, 0, e->task);
	}
}

// ---------------------------------------------------------------------
// Emitting
// ---------------------------------------------------------------------

static gale_err
bolt_anchors_reserve(bolt_exec *b, size_t n)
{
	if (n <= b->anchors_cap) {
		return GALE_OK;
	}
	size_t cap = b->anchors_cap ? b->anchors_cap : 16;
	while (cap < n) {
		cap *= 2;
	}
	gale_anchor *a = realloc(b->anchors, cap * sizeof(*a));
	if (a == NULL) {
		return GALE_ENOMEM;
	}
	b->anchors     = a;
	b->anchors_cap = cap;
	return GALE_OK;
}

// Merges the anchors of the given inputs, one fresh edge per input, into
// b->anchors: one entry per root, its edges XORed.
static gale_err
bolt_anchor(gale_executor *e, bolt_exec *b, const gale_tuple *const *inputs,
    size_t ninputs, size_t *nout)
{
	size_t n = 0;
	for (size_t i = 0; i < ninputs; i++) {
		gale_tuple *in = (gale_tuple *) inputs[i];
		if (in == NULL || in->nanchors == 0 || in->done) {
			continue;
		}
		uint64_t edge = gale__exec_id(e);
		in->ack_val ^= edge;
		if (bolt_anchors_reserve(b, n + in->nanchors) != GALE_OK) {
			return GALE_ENOMEM;
		}
		bool traced = false;
		for (size_t k = 0; k < in->nanchors; k++) {
			uint64_t root = in->anchors[k].root;
			size_t   j    = 0;
			traced |= gale__trace_sampled(root);
			while (j < n && b->anchors[j].root != root) {
				j++;
			}
			if (j == n) {
				b->anchors[n++] = (gale_anchor) { root, edge };
			} else {
				b->anchors[j].edge ^= edge;
			}
		}
		if (traced) {
			gale__exec_trace_child(e, edge);
		}
	}
	*nout = n;
	return GALE_OK;
}

static gale_err
bolt_emit(gale_executor *e, uint32_t direct, const char *stream,
    const gale_value *values, size_t n, const gale_tuple *const *anchors,
    size_t nanchors)
{
	bolt_exec *b = e->priv;
	if (!gale__exec_may_emit(e)) {
		return GALE_ECLOSED;
	}
	int      s;
	size_t   nt;
	gale_err rv = gale__exec_route(e, stream, values, n, direct, &s, &nt);
	if (rv != GALE_OK) {
		return rv;
	}
	gale_metric_add(&e->metrics, GALE_M_EMITTED, 1);
	if (e->debug) {
		gale__exec_debug_emit(e, s, values, n);
	}
	const char *name = gale__router_stream_name(e->router, s);
	for (size_t i = 0; i < nt; i++) {
		size_t na = 0;
		if (nanchors > 0) {
			rv = bolt_anchor(e, b, anchors, nanchors, &na);
			if (rv != GALE_OK) {
				return rv;
			}
		}
		rv = gale__outbuf_add_tuple(e->outbuf, e->targets[i], e->task,
		    name, values, n, b->anchors, na);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	return GALE_OK;
}

// ---------------------------------------------------------------------
// Executing
// ---------------------------------------------------------------------

// Inline into bolt_items' loop: a call per received tuple shows in the
// benchmarks.
static inline void
bolt_tuple(gale_executor *e, const gale_item *it)
{
	bolt_exec *b = e->priv;
	gale_tuple t = {
		.plan    = e->env->plan,
		.values  = it->values,
		.nvalues = it->nvalues,
		.decl    = gale__tuple_stream_decl(
		       e->env->plan, it->src_task, it->stream, it->stream_len),
		.anchors  = it->anchors,
		.nanchors = it->nanchors,
		.src_task = it->src_task,
	};
	// Reading the clock costs as much as a small bolt's execute, so one
	// execute in sample_every is timed and stands for the others, as
	// Storm samples its stats (topology.stats.sample.rate).
	e->ntrace_children = 0;
	bool     timed     = b->until_sample == 0;
	uint64_t start     = timed ? gale_now_ns() : 0;
	gale__exec_cb_enter(e);
	b->ops->execute(e->self, &t, &e->coll);
	gale__exec_cb_leave(e);
	if (!t.done) {
		bolt_ack_tuple(e, &t);
	}
	gale_metric_add(&e->metrics, GALE_M_EXECUTED, 1);
	// Looked at every 64 tuples, so that a checkpoint that keeps failing
	// is not tried after every one.
	if ((++b->since_drain & 63) == 0 && b->ops->checkpoint != NULL
	    && gale__ackbuf_count(b->ackbuf) >= BOLT_COMMIT_ACKS) {
		bolt_drain(e);
	}
	if (timed) {
		uint64_t took   = gale_now_ns() - start;
		b->until_sample = e->env->sample_every - 1;
		gale_metric_add(
		    &e->metrics, GALE_M_BUSY_NS, took * e->env->sample_every);
		gale_hist_record(&e->metrics.execute, took / 1000);
	} else {
		b->until_sample--;
	}
}

static void
bolt_items(gale_executor *e)
{
	gale__exec_items(e, bolt_tuple, NULL, NULL);
}

// The last checkpoint, and the acks it releases, come before cleanup (as
// gale.h promises); cleanup is skipped after a failed prepare.
static void
bolt_finish(gale_executor *e)
{
	bolt_exec *b          = e->priv;
	b->next_checkpoint_ns = 0;
	bolt_drain(e);
	if (b->ops->cleanup != NULL && !atomic_load(&e->failed)) {
		b->ops->cleanup(e->self, &e->coll);
	}
}

const gale_exec_ops gale__bolt_exec_ops = {
	.name       = "bolt",
	.size       = sizeof(bolt_exec),
	.init       = bolt_init,
	.fini       = bolt_fini,
	.open       = bolt_open,
	.open_name  = "prepare",
	.run        = gale__exec_input_loop,
	.finish     = bolt_finish,
	.items      = bolt_items,
	.drain      = bolt_drain,
	.holding    = bolt_holding,
	.emit       = bolt_emit,
	.ack_tuple  = bolt_ack_tuple,
	.fail_tuple = bolt_fail_tuple,
};
