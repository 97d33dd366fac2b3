// SPDX-License-Identifier: MIT
// bolt_exec.c - the bolt kind of executor: executes each input tuple,
// anchors what the bolt emits to its inputs, and acks or fails them; gives
// the bolt its ticks; and, for a windowed bolt, keeps its input in windows
// (runtime/window.c) and hands it each activation; keeps the tuples the
// bolt holds to ack later (runtime/held.c).

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/num.h"
#include "runtime/ackbuf.h"
#include "runtime/commit.h"
#include "runtime/context.h"
#include "runtime/executor_impl.h"
#include "runtime/held.h"
#include "runtime/trace.h"
#include "runtime/window.h"

#define BOLT_TICK_KEY "topology.tick.tuple.freq.secs"
// The least time between two log lines about late or dropped tuples.
#define BOLT_LOG_EVERY_NS (10 * 1000000000ull)

// How often a bolt holding tuples is polled, unless its poll_ms says.
#define BOLT_POLL_MS 10

typedef struct bolt_exec {
	const gale_bolt_ops *ops;
	gale_ackbuf         *ackbuf;
	uint64_t             next_checkpoint_ns;
	uint64_t             since_drain; // executes since the last drain
	uint32_t             until_sample; // executes left before a timed one
	gale_anchor         *anchors; // scratch for an emitted tuple's anchors
	size_t               anchors_cap;
	// The stream of the last tuple received, for the next: a batch's
	// tuples come from one task, and mostly on one stream.
	const gale_stream_decl *last_decl; // NULL: none kept
	uint32_t                last_src;
	uint32_t                last_len;
	char                    last_stream[64];

	// The tuples the bolt holds (gale_tuple_hold), polled every poll_ns.
	gale_held_pool *held;
	uint64_t        poll_ns, next_poll_ns;
	bool            cleaned; // cleanup has run

	// Ticks: every tick_ns (0: none), due at next_tick_ns.
	int64_t  tick_secs;
	uint64_t tick_ns, next_tick_ns;

	// A windowed bolt's windows; NULL for a plain bolt.
	gale_window_store *win;
	gale_window_cfg    wcfg;
	int64_t            now_ms;    // the wall clock, read once a batch
	bool               in_window; // during execute_window
	uint64_t          *edges;     // scratch: an emit's edge per picked
	size_t             edges_cap;
	uint64_t           late_dropped, failed_held, no_ts;
	uint64_t           next_log_ns;
} bolt_exec;

// The tick frequency: the component's own config, else the topology's.
static int64_t
bolt_tick_secs(const gale_executor *e)
{
	for (size_t i = 0; i < e->def->nconfig; i++) {
		int64_t v;
		if (strcmp(e->def->config[i].key, BOLT_TICK_KEY) == 0
		    && gale__parse_i64(e->def->config[i].value, 0, INT32_MAX,
			   &v, NULL, 0)
			== GALE_OK) {
			return v;
		}
	}
	return gale_topology_config_i64(e->env->topo, BOLT_TICK_KEY, 0);
}

static int64_t
bolt_wall_ms(void)
{
	return (int64_t) (gale__clock_wall_us() / 1000);
}

static gale_err
bolt_init(gale_executor *e)
{
	bolt_exec *b = e->priv;
	b->ops       = e->def->bolt;
	b->tick_secs = bolt_tick_secs(e);
	b->tick_ns   = (uint64_t) b->tick_secs * 1000000000u;
	b->poll_ns   = (uint64_t) (b->ops->poll_ms != 0 ? b->ops->poll_ms
							: BOLT_POLL_MS)
	    * 1000000u;
	if (gale__held_new(&b->held) != GALE_OK) {
		return GALE_ENOMEM;
	}
	return gale__ackbuf_new(&b->ackbuf);
}

static void
bolt_fini(gale_executor *e)
{
	bolt_exec *b = e->priv;
	gale__window_destroy(&b->win);
	gale__ackbuf_destroy(&b->ackbuf);
	gale__held_destroy(&b->held);
	free(b->anchors);
	free(b->edges);
}

static gale_err bolt_window_open(gale_executor *e);

static gale_err
bolt_open(gale_executor *e)
{
	bolt_exec *b = e->priv;
	if (b->ops->execute_window != NULL) {
		gale_err rv = bolt_window_open(e);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	if (b->tick_ns > 0) {
		b->next_tick_ns = gale_now_ns() + b->tick_ns;
	}
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
// due by the rule of commit.h (idle here means nothing was executed since
// the last drain).
static void
bolt_drain(gale_executor *e)
{
	bolt_exec *b    = e->priv;
	bool       idle = b->since_drain == 0;
	b->since_drain  = 0;
	if (gale__ackbuf_count(b->ackbuf) == 0) {
		return;
	}
	if (b->ops->checkpoint != NULL && b->cleaned) {
		// Acks of held tuples made in cleanup: the bolt's state is
		// gone, no checkpoint can make them durable, so they do not
		// leave and their trees replay at their timeout.
		gale__ackbuf_drain(b->ackbuf, NULL, NULL);
		return;
	}
	if (b->ops->checkpoint != NULL) {
		uint64_t now = gale_now_ns();
		if (!gale__commit_due(now, b->next_checkpoint_ns,
			gale__ackbuf_count(b->ackbuf), idle,
			b->ops->checkpoint_ms)) {
			return;
		}
		b->next_checkpoint_ns
		    = gale__commit_next(now, b->ops->checkpoint_ms);
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
// Held tuples: acked or failed after the execute that received them
// ---------------------------------------------------------------------

// The bolt executor behind c, or NULL when c is another kind's.
static gale_executor *
bolt_of(const gale_collector *c)
{
	return c != NULL && c->e->ops == &gale__bolt_exec_ops ? c->e : NULL;
}

gale_held
gale_tuple_hold(gale_collector *c, const gale_tuple *t)
{
	gale_executor *e = bolt_of(c);
	if (e == NULL || t == NULL) {
		return 0;
	}
	gale_tuple *in = (gale_tuple *) t;
	if (in->held != 0) {
		return in->held;
	}
	bolt_exec *b = e->priv;
	uint64_t   h;
	if (in->done || gale__held_put(b->held, in, &h) != GALE_OK) {
		return 0;
	}
	// The original is done with: what follows goes through the copy.
	in->held = h;
	in->done = true;
	return h;
}

// Acks or fails t, held as h, and frees its slot. The sampled-trace
// children remembered belong to the input being executed, if any: they
// are kept for it.
static void
bolt_resolve(gale_executor *e, uint64_t h, gale_tuple *t, bool fail)
{
	size_t children    = e->ntrace_children;
	e->ntrace_children = 0;
	if (fail) {
		bolt_fail_tuple(e, t);
	} else {
		bolt_ack_tuple(e, t);
	}
	e->ntrace_children = children;
	gale__held_release(((bolt_exec *) e->priv)->held, h);
}

// Acks or fails the held tuple h, when it names one.
static void
bolt_resolve_held(gale_collector *c, gale_held h, bool fail)
{
	gale_executor *e = bolt_of(c);
	if (e == NULL) {
		return;
	}
	gale_tuple *t = gale__held_get(((bolt_exec *) e->priv)->held, h);
	if (t != NULL) {
		bolt_resolve(e, h, t, fail);
	}
}

void
gale_ack_held(gale_collector *c, gale_held h)
{
	bolt_resolve_held(c, h, false);
}

void
gale_fail_held(gale_collector *c, gale_held h)
{
	bolt_resolve_held(c, h, true);
}

const gale_tuple *
gale_held_tuple(gale_collector *c, gale_held h)
{
	gale_executor *e = bolt_of(c);
	return e != NULL ? gale__held_get(((bolt_exec *) e->priv)->held, h)
			 : NULL;
}

size_t
gale_held_count(const gale_collector *c)
{
	gale_executor *e = bolt_of(c);
	return e != NULL ? gale__held_count(((bolt_exec *) e->priv)->held) : 0;
}

static void
bolt_fail_held_cb(void *arg, uint64_t h, gale_tuple *t)
{
	bolt_resolve(arg, h, t, true);
}

// Fails every tuple still held, so that their trees replay.
static void
bolt_fail_all_held(gale_executor *e)
{
	bolt_exec *b = e->priv;
	size_t     n = gale__held_count(b->held);
	if (n == 0) {
		return;
	}
	GALE_WARN("%zu tuples the bolt held were neither acked nor failed "
		  "when it ended: failed, to be replayed",
	    n);
	gale__held_each(b->held, bolt_fail_held_cb, e);
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
		// A tuple held during the execute that received it: its edges
		// go to the held copy, which is acked later.
		if (in != NULL && in->held != 0) {
			in = gale__held_get(b->held, in->held);
		}
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

// An emit of a window activation: anchored to every tuple of the window,
// through the few of them that carry all its roots (see
// gale__window_cover), one fresh edge for each of those.
static gale_err
bolt_window_anchor(gale_executor *e, bolt_exec *b, size_t *nout)
{
	gale_tuple *const      *reps;
	const gale_window_pair *pairs;
	size_t                  npairs;
	size_t nreps = gale__window_cover(b->win, &reps, &pairs, &npairs);
	*nout        = 0;
	if (nreps > b->edges_cap) {
		uint64_t *ed = realloc(b->edges, nreps * sizeof(*ed));
		if (ed == NULL) {
			return GALE_ENOMEM;
		}
		b->edges     = ed;
		b->edges_cap = nreps;
	}
	if (bolt_anchors_reserve(b, npairs) != GALE_OK) {
		return GALE_ENOMEM;
	}
	for (size_t k = 0; k < nreps; k++) {
		b->edges[k] = gale__exec_id(e);
		reps[k]->ack_val ^= b->edges[k];
	}
	size_t n = 0;
	for (size_t i = 0; i < npairs; i++) {
		uint64_t edge = b->edges[pairs[i].rep];
		if (n > 0 && b->anchors[n - 1].root == pairs[i].root) {
			b->anchors[n - 1].edge ^= edge;
		} else {
			b->anchors[n++] = (gale_anchor) { pairs[i].root, edge };
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
		if (direct != 0 && rv == GALE_EINVAL) {
			gale__exec_direct_refused(e, direct, stream, n);
		}
		return rv;
	}
	gale_metric_add(&e->metrics, GALE_M_EMITTED, 1);
	if (e->debug) {
		gale__exec_debug_emit(e, s, values, n);
	}
	const char *name = gale__router_wire_name(e->router, s);
	for (size_t i = 0; i < nt; i++) {
		size_t na = 0;
		if (nanchors > 0) {
			rv = bolt_anchor(e, b, anchors, nanchors, &na);
		} else if (b->in_window) {
			rv = bolt_window_anchor(e, b, &na);
		}
		if (rv != GALE_OK) {
			return rv;
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

// The declaration of it's stream: the last one's, when it is the same.
static inline const gale_stream_decl *
bolt_stream_decl(gale_executor *e, const gale_item *it)
{
	bolt_exec *b = e->priv;
	if (b->last_decl != NULL && it->src_task == b->last_src
	    && it->stream_len == b->last_len
	    && (it->stream_len == 0
		|| memcmp(it->stream, b->last_stream, it->stream_len) == 0)) {
		return b->last_decl;
	}
	const gale_stream_decl *d = gale__tuple_stream_decl(
	    e->env->plan, it->src_task, it->stream, it->stream_len);
	b->last_decl = NULL;
	if (d != NULL && it->stream_len <= sizeof(b->last_stream)) {
		if (it->stream_len > 0) {
			memcpy(b->last_stream, it->stream, it->stream_len);
		}
		b->last_len  = (uint32_t) it->stream_len;
		b->last_src  = it->src_task;
		b->last_decl = d;
	}
	return d;
}

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
		.decl     = bolt_stream_decl(e, it),
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
	if (b->ops->execute != NULL) {
		gale__exec_cb_enter(e);
		b->ops->execute(e->self, &t, &e->coll);
		gale__exec_cb_leave(e);
	}
	if (!t.done) {
		bolt_ack_tuple(e, &t);
	}
	gale_metric_add(&e->metrics, GALE_M_EXECUTED, 1);
	// Looked at every 64 tuples, so that a checkpoint that keeps failing
	// is not tried after every one.
	if ((++b->since_drain & 63) == 0 && b->ops->checkpoint != NULL
	    && gale__ackbuf_count(b->ackbuf) >= GALE_COMMIT_ACKS) {
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

// ---------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------

static const char *const bolt_tick_fields[] = { "secs", NULL };
static const gale_stream_decl bolt_tick_decl
    = { .stream = "__tick", .fields = bolt_tick_fields };

// A tick is built as done, so that acking, failing or anchoring to it does
// nothing: it belongs to no tree.
static void
bolt_tick(gale_executor *e)
{
	bolt_exec *b = e->priv;
	if (b->ops->execute == NULL) {
		return;
	}
	gale_value v = gale_i64(b->tick_secs);
	gale_tuple t = {
		.plan    = e->env->plan,
		.values  = &v,
		.nvalues = 1,
		.decl    = &bolt_tick_decl,
		.done    = true,
	};
	e->ntrace_children = 0;
	b->ops->execute(e->self, &t, &e->coll);
}

// ---------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------

static void
bolt_window_activate(void *arg, const gale_window *w)
{
	gale_executor *e   = arg;
	bolt_exec     *b   = e->priv;
	uint64_t       t0  = gale_now_ns();
	e->ntrace_children = 0;
	b->in_window       = true;
	gale__exec_cb_enter(e);
	b->ops->execute_window(e->self, w, &e->coll);
	gale__exec_cb_leave(e);
	b->in_window = false;
	uint64_t took = gale_now_ns() - t0;
	gale_metric_add(&e->metrics, GALE_M_BUSY_NS, took);
	gale_hist_record(&e->metrics.execute, took / 1000);
}

static void
bolt_window_ack(void *arg, gale_tuple *t)
{
	gale_executor *e   = arg;
	e->ntrace_children = 0;
	bolt_ack_tuple(e, t);
}

// Logs, at most every BOLT_LOG_EVERY_NS, what the window dropped so far.
static void
bolt_window_log(gale_executor *e)
{
	bolt_exec *b   = e->priv;
	uint64_t   now = gale_now_ns();
	if (now < b->next_log_ns) {
		return;
	}
	b->next_log_ns = now + BOLT_LOG_EVERY_NS;
	if (b->failed_held > 0) {
		GALE_ERROR("window holds window.max_tuples (%zu): %llu of its "
			   "oldest tuples failed so far",
		    b->wcfg.max_tuples, (unsigned long long) b->failed_held);
	}
	if (b->no_ts > 0) {
		GALE_ERROR("%llu tuples failed so far: no integer field '%s' "
			   "(window.timestamp_field)",
		    (unsigned long long) b->no_ts, b->wcfg.ts_field);
	}
	if (b->late_dropped > 0) {
		GALE_WARN("%llu late tuples dropped so far (behind the "
			  "watermark; window.late_stream: true emits them)",
		    (unsigned long long) b->late_dropped);
	}
}

static void
bolt_window_fail(void *arg, gale_tuple *t)
{
	gale_executor *e = arg;
	bolt_exec     *b = e->priv;
	b->failed_held++;
	bolt_fail_tuple(e, t);
	bolt_window_log(e);
}

static const char *
bolt_window_lookup(void *arg, const char *name)
{
	return gale_context_option(arg, name);
}

static gale_err
bolt_window_open(gale_executor *e)
{
	bolt_exec *b = e->priv;
	char       why[512];
	if (gale__window_cfg_read(&b->wcfg, bolt_window_lookup, e->ctx,
		b->ops->window_length_option, b->ops->window_slide_option, why,
		sizeof(why))
	    != GALE_OK) {
		gale_context_error(e->ctx, "%s", why);
		return GALE_EINVAL;
	}
	if (b->wcfg.late_stream
	    && gale__router_stream(e->router, GALE_WINDOW_LATE_STREAM) < 0) {
		gale_context_error(e->ctx,
		    "option 'window.late_stream': the component declares no "
		    "output stream '%s' to emit late tuples on",
		    GALE_WINDOW_LATE_STREAM);
		return GALE_EINVAL;
	}
	gale_window_hooks hooks = {
		.arg      = e,
		.activate = bolt_window_activate,
		.ack      = bolt_window_ack,
		.fail     = bolt_window_fail,
	};
	return gale__window_new(&b->win, &b->wcfg, &hooks);
}

// A received tuple of a windowed bolt: into the window, or, late, on the
// late stream or dropped; acked either way.
static void
bolt_window_tuple(gale_executor *e, const gale_item *it)
{
	bolt_exec *b = e->priv;
	gale_tuple t = {
		.plan    = e->env->plan,
		.values  = it->values,
		.nvalues = it->nvalues,
		.decl     = bolt_stream_decl(e, it),
		.anchors  = it->anchors,
		.nanchors = it->nanchors,
		.src_task = it->src_task,
	};
	e->ntrace_children = 0;
	gale_metric_add(&e->metrics, GALE_M_EXECUTED, 1);
	gale_window_added added;
	if (gale__window_add(b->win, &t, b->now_ms, &added) != GALE_OK) {
		bolt_fail_tuple(e, &t);
		return;
	}
	switch (added) {
	case GALE_WINDOW_ADDED:
		return;
	case GALE_WINDOW_LATE:
		if (b->wcfg.late_stream) {
			const gale_tuple *in = &t;
			if (bolt_emit(e, 0, GALE_WINDOW_LATE_STREAM, t.values,
				t.nvalues, &in, 1)
			    != GALE_OK) {
				gale_metric_add(
				    &e->metrics, GALE_M_DROPPED, 1);
			}
		} else {
			b->late_dropped++;
			bolt_window_log(e);
		}
		bolt_ack_tuple(e, &t);
		return;
	case GALE_WINDOW_NO_TIMESTAMP:
		b->no_ts++;
		bolt_window_log(e);
		bolt_fail_tuple(e, &t);
		return;
	}
}

// ---------------------------------------------------------------------
// The loop's hooks
// ---------------------------------------------------------------------

static void
bolt_items(gale_executor *e)
{
	bolt_exec *b = e->priv;
	if (b->win != NULL) {
		b->now_ms = bolt_wall_ms();
		gale__exec_items(e, bolt_window_tuple, NULL, NULL);
	} else {
		gale__exec_items(e, bolt_tuple, NULL, NULL);
	}
}

// Between batches: the tick when due (at most one, however late), and the
// windows' activations and watermarks. Returns the milliseconds until the
// next of them, or -1 when there is none.
static int
bolt_timer(gale_executor *e, uint64_t now)
{
	bolt_exec *b    = e->priv;
	int64_t    wait = -1;
	if (b->ops->poll != NULL && gale__held_count(b->held) > 0) {
		if (now >= b->next_poll_ns) {
			gale__exec_cb_enter(e);
			b->ops->poll(e->self, &e->coll);
			gale__exec_cb_leave(e);
			b->next_poll_ns = now + b->poll_ns;
		}
		if (gale__held_count(b->held) > 0) {
			wait = (int64_t) ((b->next_poll_ns - now + 999999)
			    / 1000000);
		}
	}
	if (b->tick_ns > 0) {
		if (now >= b->next_tick_ns) {
			bolt_tick(e);
			b->next_tick_ns += b->tick_ns;
			if (b->next_tick_ns <= now) {
				b->next_tick_ns = now + b->tick_ns;
			}
		}
		int64_t w
		    = (int64_t) ((b->next_tick_ns - now + 999999) / 1000000);
		wait = wait < 0 || w < wait ? w : wait;
	}
	if (b->win != NULL) {
		int64_t ms = bolt_wall_ms();
		// A topology that stops gracefully waits for its trees: the
		// windows let go of what they hold rather than make it wait
		// for them to expire.
		if (atomic_load_explicit(&e->env->draining, memory_order_relaxed)
		    && gale__window_held(b->win) > 0) {
			gale__window_flush(b->win, ms);
		}
		int64_t due = gale__window_advance(b->win, ms);
		if (due != INT64_MAX) {
			int64_t w = due > ms ? due - ms : 0;
			wait      = wait < 0 || w < wait ? w : wait;
		}
	}
	return wait < 0 ? -1 : wait > INT32_MAX ? INT32_MAX : (int) wait;
}

// The last checkpoint, and the acks it releases, come before cleanup (as
// gale.h promises); cleanup is skipped after a failed prepare. A windowed
// bolt's windows activate once more with what is new, and let go of every
// tuple they hold.
static void
bolt_finish(gale_executor *e)
{
	bolt_exec *b = e->priv;
	if (b->win != NULL && !atomic_load(&e->failed)) {
		gale__window_flush(b->win, bolt_wall_ms());
	}
	b->next_checkpoint_ns = 0;
	bolt_drain(e);
	if (b->ops->cleanup != NULL && !atomic_load(&e->failed)) {
		b->ops->cleanup(e->self, &e->coll);
	}
	b->cleaned = true;
	bolt_fail_all_held(e);
}

// Last, once prepare succeeded, also when the worker halted and finish
// (with cleanup) was skipped: the component releases what it took.
static void
bolt_close(gale_executor *e)
{
	bolt_exec *b = e->priv;
	if (b->ops->close != NULL) {
		b->ops->close(e->self);
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
	.close      = bolt_close,
	.items      = bolt_items,
	.timer      = bolt_timer,
	.drain      = bolt_drain,
	.holding    = bolt_holding,
	.emit       = bolt_emit,
	.ack_tuple  = bolt_ack_tuple,
	.fail_tuple = bolt_fail_tuple,
};
