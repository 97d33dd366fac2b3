// SPDX-License-Identifier: MIT
// executor.c - runs one task: the core every kind shares (its thread, its
// inbox and output buffer, end of stream), and the life cycle.
//
// A tuple's path through here allocates nothing in the steady state: values
// are copied straight into a reused batch per destination task (outbuf.c),
// inputs are read in place from a reused receive buffer, and acks of the
// same root are XOR-combined in a reused table before they leave.

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/num.h"
#include "base/thread.h"
#include "runtime/context.h"
#include "runtime/executor_impl.h"
#include "runtime/trace.h"

#define EXECUTOR_MAX_BATCH_BYTES (256 * 1024)
#define EXECUTOR_IDLE_MS 50
// A batch to another worker holds this many times topology.transfer.batch.
// size items. Crossing a process costs far more per message than handing
// a batch to a thread of the same worker (two ZeroMQ I/O threads woken, a
// send and a receive on a socket, versus one queue and one wake-up), so
// fewer, larger batches there; the flush timer still bounds the wait.
#define EXECUTOR_REMOTE_BATCH_FACTOR 4

// ---------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------

static void
executor_idle(void *arg)
{
	gale_executor *e = arg;
	e->ops->idle(e);
}

// Called by the outbox while the destination is full.
static void
executor_wait(void *arg)
{
	gale_executor *e = arg;
	e->send_waited   = true;
	if (e->ops->idle != NULL) {
		e->ops->idle(e);
	}
}

// The output buffer's way out: to the transport, waiting while the
// destination is full or not known yet.
static void
executor_send(void *arg, gale_batch *b)
{
	gale_executor *e     = arg;
	const uint32_t dest  = b->dest_task;
	void (*idle)(void *) = e->ops->idle != NULL ? executor_idle : NULL;
	if (gale_batch_add_token(b, e->env->run_token) != GALE_OK) {
		GALE_ERROR("cannot send to task %u: %s", dest,
		    gale_strerror(GALE_ENOMEM));
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	e->send_waited = false;
	for (;;) {
		gale_err rv = gale__outbox_send(
		    e->outbox, b, executor_wait, e, &e->env->halt);
		if (rv == GALE_OK || rv == GALE_ECLOSED) {
			break;
		}
		if (rv != GALE_ENOENT && rv != GALE_EAGAIN) {
			GALE_ERROR("cannot send to task %u: %s", dest,
			    gale_strerror(rv));
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
	} else if (e->send_waited && e->router != NULL) {
		// A local task that cannot keep up: shuffles spread wider.
		gale__router_note_full(e->router, dest);
	}
}

void
gale__exec_flush(gale_executor *e)
{
	if (e->ops->drain != NULL) {
		e->ops->drain(e);
	}
	gale__outbuf_flush(e->outbuf);
}

uint32_t
gale__exec_acker_for(const gale_executor *e, uint64_t root)
{
	return gale_plan_acker_for_root(e->env->plan, root);
}

// ---------------------------------------------------------------------
// Emitting
// ---------------------------------------------------------------------

void
gale__exec_debug_emit(
    gale_executor *e, int s, const gale_value *values, size_t n)
{
	if (!gale__log_enabled(GALE_LOG_INFO)) {
		return;
	}
	const char *stream = gale__router_stream_name(e->router, s);
	char        text[1024];
	GALE_INFO("emit stream=%s values=%s",
	    stream != NULL ? stream : GALE_DEFAULT_STREAM,
	    gale__tuple_format_values(text, sizeof(text), values, n));
}

void
gale__exec_trace_child(gale_executor *e, uint64_t edge)
{
	if (e->ntrace_children == e->trace_children_cap) {
		size_t cap
		    = e->trace_children_cap ? e->trace_children_cap * 2 : 16;
		uint64_t *c = realloc(e->trace_children, cap * sizeof(*c));
		if (c == NULL) {
			return;
		}
		e->trace_children     = c;
		e->trace_children_cap = cap;
	}
	e->trace_children[e->ntrace_children++] = edge;
}

void
gale__exec_trace_edge(gale_executor *e, uint64_t root, uint64_t edge,
    bool failed, uint64_t msg_id)
{
	gale__outbuf_add_trace(e->outbuf, gale__exec_acker_for(e, root), root,
	    edge, e->task, gale__trace_now_us(), e->trace_children,
	    e->ntrace_children, failed, msg_id);
}

// ---------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------

// Only a task upstream of this one may end its input: a marker from
// anywhere else is dropped and counted. An input's marker may come twice
// (sent again to a task that came back, which may have known it already).
void
gale__exec_record_eos(gale_executor *e, uint32_t src)
{
	for (size_t i = 0; i < e->ninputs; i++) {
		if (e->inputs[i] == src) {
			e->eos[src] = true;
			return;
		}
	}
	gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
}

void
gale__exec_too_large(gale_executor *e, size_t bytes)
{
	gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	uint64_t now = gale_now_ns();
	if (now - e->too_large_said_ns < 1000000000u
	    && e->too_large_said_ns != 0) {
		return;
	}
	e->too_large_said_ns = now;
	GALE_ERROR("a tuple of %zu bytes is larger than "
		   "topology.max.tuple.bytes (%zu): not emitted",
	    bytes, e->env->max_tuple_bytes);
}

bool
gale__exec_inputs_done(const gale_executor *e)
{
	for (size_t i = 0; i < e->ninputs; i++) {
		if (!e->eos[e->inputs[i]]) {
			return false;
		}
	}
	return true;
}

void
gale__exec_process(gale_executor *e, gale_batch *b)
{
	uint32_t dest;
	if (gale_batch_reader_begin(&e->reader, b->buf, b->len, &dest)
		!= GALE_OK
	    || dest != e->task
	    || gale_batch_reader_token(&e->reader) != e->env->run_token) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	// One clock reading per batch serves its acker operations and the
	// complete latencies of the trees it answers.
	e->now_ns = gale_now_ns();
	e->ops->items(e);
}

bool
gale__exec_receive(gale_executor *e, int timeout_ms)
{
	if (gale__inbox_recv(e->inbox, &e->in, timeout_ms) != GALE_OK) {
		return false;
	}
	do {
		gale__exec_process(e, &e->in);
	} while (gale__inbox_recv(e->inbox, &e->in, 0) == GALE_OK);
	return true;
}

void
gale__exec_rotate(gale_executor *e, uint64_t now)
{
	if (e->ops->rotate == NULL || now < e->next_rotate_ns) {
		return;
	}
	uint64_t period = (uint64_t) e->env->timeout_secs * 1000000000u
	    / (GALE_EXEC_TIMEOUT_BUCKETS - 1);
	e->next_rotate_ns = now + period;
	e->ops->rotate(e);
}

void
gale__exec_input_loop(gale_executor *e)
{
	int due = -1; // the kind's timer: milliseconds until it is due
	while (!atomic_load(&e->env->halt)) {
		// With output waiting, only look whether more input is there:
		// an idle task sends what it has at once, so a batch waits for
		// company only while input keeps coming. Acks held for a
		// checkpoint are looked at again within a millisecond.
		int timeout = EXECUTOR_IDLE_MS;
		if (gale__outbuf_pending(e->outbuf)) {
			timeout = 0;
		} else if (e->ops->holding != NULL && e->ops->holding(e)) {
			timeout = 1;
		}
		if (due >= 0 && due < timeout) {
			timeout = due;
		}
		gale_err rv = gale__inbox_recv(e->inbox, &e->in, timeout);
		if (rv == GALE_OK) {
			gale__exec_process(e, &e->in);
		}
		uint64_t now = gale_now_ns();
		// Timers are looked at between batches, not queued behind
		// them: a full inbox delays them by one batch at most.
		if (e->ops->timer != NULL) {
			due = e->ops->timer(e, now);
		}
		gale__exec_rotate(e, now);
		// Idle, or nothing buffered (so held acks may go), or the
		// oldest item has waited long enough.
		if (rv != GALE_OK || !gale__outbuf_pending(e->outbuf)
		    || gale__outbuf_due(e->outbuf, now)) {
			gale__exec_flush(e);
		}
		if (gale__exec_inputs_done(e)) {
			// Anything still queued came before the markers.
			gale__exec_receive(e, 0);
			break;
		}
	}
}

// ---------------------------------------------------------------------
// The thread
// ---------------------------------------------------------------------

// True when e's end of stream goes to dest: a task downstream of it, or
// an acker (which counts its inputs too) when e is not one.
static bool
executor_ends_at(const gale_executor *e, uint32_t dest)
{
	const gale_plan *p = e->env->plan;
	if (gale_plan_nackers(p) > 0
	    && !gale_plan_component_is_acker(p, e->comp)) {
		uint32_t a = (uint32_t) gale_plan_component_index(
		    p, GALE_ACKER_COMPONENT);
		uint32_t first = gale_plan_component_first_task(p, a);
		if (dest >= first && dest < first + gale_plan_nackers(p)) {
			return true;
		}
	}
	return gale_plan_task_feeds(p, e->task, dest);
}

static void
executor_finish(gale_executor *e)
{
	if (e->ops->finish != NULL) {
		e->ops->finish(e);
	}
	// End of stream to every task downstream, and to every acker, which
	// counts its inputs too.
	const gale_plan *p = e->env->plan;
	uint32_t         n = gale_plan_ntasks(p);
	for (uint32_t dest = 1; dest <= n; dest++) {
		if (executor_ends_at(e, dest)) {
			gale__outbuf_add_marker(
			    e->outbuf, dest, GALE_MARK_END_OF_STREAM, e->task);
		}
	}
	gale__exec_flush(e);
	atomic_store(&e->finished, true);
}

gale_err
gale__executor_resend_eos(
    const gale_executor *e, uint32_t dest, gale_outbox *o)
{
	if (!gale__executor_finished(e) || !executor_ends_at(e, dest)) {
		return GALE_OK;
	}
	gale_batch b;
	gale_batch_init(&b, dest);
	gale_err rv
	    = gale_batch_add_marker(&b, GALE_MARK_END_OF_STREAM, e->task);
	if (rv == GALE_OK) {
		rv = gale_batch_add_token(&b, e->env->run_token);
	}
	if (rv == GALE_OK) {
		rv = gale__outbox_send(o, &b, NULL, NULL, &e->env->halt);
	}
	gale_batch_fini(&b);
	return rv;
}

static void *
executor_main(void *arg)
{
	gale_executor *e = arg;
	char           name[160];
	snprintf(name, sizeof(name), "%s:%u", gale_context_component(e->ctx),
	    e->task);
	gale__log_thread_name(name);
	GALE_DEBUG("%s task starts", e->ops->name);
	gale_err rv = GALE_OK;
	if (e->ops->open != NULL) {
		gale__exec_cb_enter(e);
		rv = e->ops->open(e);
		gale__exec_cb_leave(e);
	}
	const char *error = gale__context_error_text(e->ctx);
	if (rv == GALE_OK && error[0] != '\0') {
		rv = GALE_EINVAL;
	}
	if (rv != GALE_OK) {
		GALE_ERROR("%s failed: %s", e->ops->open_name,
		    error[0] != '\0' ? error : gale_strerror(rv));
		atomic_store(&e->failed, true);
		return NULL;
	}
	// Inputs that finished before this task (re)started sent their
	// markers to its previous incarnation; what they sent before was
	// acked there, or will be replayed. Only this snapshot counts: a
	// later report that a task finished may overtake its last data. One
	// that finished too late for the snapshot sends its marker again
	// once it learns this task's new endpoint (workers/worker.c).
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
		e->ops->run(e);
		if (!atomic_load(&e->env->halt)) {
			executor_finish(e);
		}
	}
	if (e->ops->close != NULL) {
		e->ops->close(e);
	}
	return NULL;
}

// ---------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------

// The items of a batch to a task of another worker.
static uint32_t
executor_remote_batch(const gale_executor *e)
{
	uint64_t size
	    = (uint64_t) (e->env->batch_size > 0 ? e->env->batch_size : 1)
	    * EXECUTOR_REMOTE_BATCH_FACTOR;
	return size < UINT32_MAX ? (uint32_t) size : UINT32_MAX;
}

// Gives the batches to tasks of other workers their larger size.
static void
executor_size_remote_batches(gale_executor *e, const gale_plan *p, uint32_t n)
{
	uint32_t size = executor_remote_batch(e);
	uint32_t here = gale_plan_task_worker(p, e->task);
	for (uint32_t dest = 1; dest <= n; dest++) {
		if (gale_plan_task_worker(p, dest) != here) {
			gale__outbuf_set_batch_size(e->outbuf, dest, size);
		}
	}
}

gale_err
gale__executor_new(gale_executor **out, gale_worker_env *env, uint32_t task,
    char *ep, size_t eplen)
{
	const gale_plan *p = env->plan;
	gale_executor   *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return GALE_ENOMEM;
	}
	pthread_mutex_init(&e->replay_mu, NULL);
	uint32_t n = gale_plan_ntasks(p);
	e->env     = env;
	e->task    = task;
	e->comp    = gale_plan_task_component(p, task);
	e->def     = gale_plan_component_def(p, e->comp);
	e->coll.e  = e;
	e->rng     = (GALE_GOLDEN * task) ^ gale_now_ns()
	    ^ ((uint64_t) getpid() << 32);
	e->debug
	    = gale_topology_config_bool(env->topo, "topology.debug", false);
	// A component's own `config:` sets it for its tasks alone, as Storm's.
	for (size_t i = 0; e->def != NULL && i < e->def->nconfig; i++) {
		bool own;
		if (strcmp(e->def->config[i].key, "topology.debug") == 0
		    && gale__parse_bool(e->def->config[i].value, &own, NULL, 0)
			== GALE_OK) {
			e->debug = own;
		}
	}
	if (gale_plan_component_is_acker(p, e->comp)) {
		e->ops = &gale__acker_exec_ops;
	} else if (e->def->spout != NULL) {
		e->ops = &gale__spout_exec_ops;
	} else {
		e->ops = &gale__bolt_exec_ops;
	}
	gale_batch_reader_init(&e->reader);
	gale_batch_init(&e->in, 0);
	gale_err rv = GALE_ENOMEM;
	e->eos      = calloc(n + 1, sizeof(*e->eos));
	e->inputs   = calloc(n + 1, sizeof(*e->inputs));
	e->priv     = calloc(1, e->ops->size ? e->ops->size : 1);
	if (e->eos == NULL || e->inputs == NULL || e->priv == NULL) {
		goto fail;
	}
	e->ninputs = gale_plan_task_inputs(p, task, e->inputs, n);
	if ((rv = gale__context_new(&e->ctx, env->topo, p, task, env->run_id))
		!= GALE_OK
	    || (rv = gale__outbuf_new(&e->outbuf, n, env->batch_size,
		    EXECUTOR_MAX_BATCH_BYTES, env->flush_ns, executor_send, e))
		!= GALE_OK) {
		goto fail;
	}
	executor_size_remote_batches(e, p, n);
	gale__context_set_metrics(e->ctx, &e->metrics);
	if (e->ops->init != NULL && (rv = e->ops->init(e)) != GALE_OK) {
		goto fail;
	}
	if (e->def != NULL) {
		size_t size = e->def->spout != NULL ? e->def->spout->size
						    : e->def->bolt->size;
		e->self     = calloc(1, size ? size : 1);
		if (e->self == NULL) {
			rv = GALE_ENOMEM;
			goto fail;
		}
		rv = gale__router_new(&e->router, p, env->topo, task, e->rng);
		if (rv != GALE_OK) {
			goto fail;
		}
		// Once a local task is full, a load-aware shuffle sends each
		// task a batch to another worker's worth: a full one to each
		// remote task.
		gale__router_set_spread(e->router, executor_remote_batch(e));
		e->targets_cap = gale__router_max_targets(e->router);
		e->targets     = calloc(
			e->targets_cap ? e->targets_cap : 1, sizeof(uint32_t));
		if (e->targets == NULL) {
			rv = GALE_ENOMEM;
			goto fail;
		}
	}
	if ((rv = gale__inbox_open(&e->inbox, env->transport, task, ep, eplen))
		!= GALE_OK
	    || (rv = gale__outbox_new(&e->outbox, env->transport))
		!= GALE_OK) {
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
	if (gale__thread_start(&e->thread, executor_main, e) != 0) {
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
	if (e->priv != NULL && e->ops->fini != NULL) {
		e->ops->fini(e);
	}
	gale__outbuf_destroy(&e->outbuf);
	gale__context_destroy(&e->ctx);
	gale_batch_fini(&e->in);
	gale_batch_reader_fini(&e->reader);
	free(e->eos);
	free(e->inputs);
	free(e->targets);
	free(e->trace_children);
	pthread_mutex_destroy(&e->replay_mu);
	free(e->priv);
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

void
gale__executor_note_replay(
    gale_executor *e, uint64_t msg_id, uint32_t attempt, const char *reason)
{
	gale_replay_record r = {
		.task    = e->task,
		.time_ms = gale__clock_wall_us() / 1000u,
		.msg_id  = msg_id,
		.attempt = attempt,
	};
	snprintf(r.spout, sizeof(r.spout), "%s",
	    e->def != NULL ? e->def->id : "");
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	pthread_mutex_lock(&e->replay_mu);
	r.seq = ++e->replay_seq;
	e->replay_ring[(r.seq - 1) % GALE_EXEC_REPLAYS] = r;
	pthread_mutex_unlock(&e->replay_mu);
}

size_t
gale__executor_replays(gale_executor *e, gale_replay_record *out, size_t cap)
{
	pthread_mutex_lock(&e->replay_mu);
	uint64_t n = e->replay_seq < GALE_EXEC_REPLAYS ? e->replay_seq
						       : GALE_EXEC_REPLAYS;
	if (n > cap) {
		n = cap;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t seq = e->replay_seq - n + 1 + i;
		out[i]       = e->replay_ring[(seq - 1) % GALE_EXEC_REPLAYS];
	}
	pthread_mutex_unlock(&e->replay_mu);
	return (size_t) n;
}

void
gale__exec_direct_refused(
    gale_executor *e, uint32_t direct, const char *stream, size_t n)
{
	int si = gale__router_stream(e->router, stream);
	if (si < 0 || gale__router_stream_nfields(e->router, si) != n) {
		return;
	}
	gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	uint64_t now = gale_now_ns();
	if (e->direct_said_ns != 0 && now - e->direct_said_ns < 1000000000u) {
		return;
	}
	e->direct_said_ns = now;
	char why[512];
	gale__router_direct_why(e->router, si, direct, why, sizeof(why));
	GALE_ERROR("direct emit to task %u refused: %s", direct, why);
}

size_t
gale__executor_errors(gale_executor *e, uint64_t *after,
    gale_component_error *out, char (*text)[GALE_CONTEXT_ERROR_BYTES],
    size_t                cap)
{
	return gale__context_errors(e->ctx, after, out, text, cap);
}

const char *
gale__executor_error(const gale_executor *e)
{
	// The thread wrote the text before it set failed.
	return atomic_load(&e->failed) ? gale__context_error_text(e->ctx) : "";
}

bool
gale__executor_exhausted(const gale_executor *e)
{
	return atomic_load(&e->exhausted);
}

uint64_t
gale__executor_callback_seq(const gale_executor *e)
{
	return atomic_load_explicit(&e->cb_seq, memory_order_relaxed);
}

const gale_task_metrics *
gale__executor_metrics(const gale_executor *e)
{
	return &e->metrics;
}
