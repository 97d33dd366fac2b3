// SPDX-License-Identifier: MIT
// spout_exec.c - the spout kind of executor: calls next_tuple, tracks the
// trees of what it emits, and answers the spout's ack and fail.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/num.h"
#include "runtime/executor_impl.h"
#include "runtime/pending.h"
#include "runtime/trace.h"

// next_tuple calls per round, between two looks at the inbox.
#define SPOUT_CALLS 64
// Trees a spout task tracks at most, however max.spout.pending is set.
#define SPOUT_MAX_PENDING (1u << 20)
// A stopping topology gives its pending trees this many message timeouts:
// one for a tree lost downstream to time out (it expires within 1.5), the
// rest for its replay to complete.
#define SPOUT_DRAIN_TIMEOUTS 2
// The config key of the pending limit, in a spout's own config too.
#define SPOUT_PENDING_KEY "topology.max.spout.pending"
// The pending limit grows back by max.spout.pending / SPOUT_AIMD_STEPS
// (at least one) for each window of that many trees acked.
#define SPOUT_AIMD_STEPS 32
// Draws of a root id at most, looking for one whose acker is in the spout's
// worker (spout_new_root).
#define SPOUT_ROOT_TRIES 16

// An acker's answer that reached a spout while it was inside next_tuple:
// handled after next_tuple returns, so the spout's callbacks never nest.
typedef struct spout_answer {
	gale_ack_kind kind;
	uint64_t      root;
	uint32_t      task;
} spout_answer;

typedef struct spout_exec {
	const gale_spout_ops *ops;
	gale_pending         *pending;
	bool                  exhausted;
	uint64_t              drain_start_ns;
	uint64_t             *untracked; // acking off: acked at emit
	size_t                nuntracked, untracked_cap;
	spout_answer         *answers;
	size_t                nanswers, answers_cap;
	bool                  in_next_tuple;
	bool                  active; // the topology's flag, as last seen
	bool                  failed_since_call; // a fail not yet replayed
	// Draining: emits of new messages are refused (counted), replays go.
	// A round of next_tuple calls that began before the worker started
	// draining ends as it began, as a Storm spout's deactivation takes
	// effect between calls: what it emits is taken and acked.
	bool                  round_draining; // as the round under way began
	bool                  drain_progress; // the last round replayed some
	bool                  drain_refused;  // this round refused an emit
	uint64_t              refused;
	// The effective pending limit (AIMD): halved on a rotation that saw
	// timeouts, grown back by one step per window of acks.
	uint32_t              limit;
	uint32_t              max_pending; // the spout's own, else the topology's
	uint32_t              acks_in_window;
	uint64_t              expired_in_rotation;
	// The spout's worker holds some of the ackers but not all: roots are
	// drawn to land on those (spout_new_root).
	bool                  local_roots;
	uint32_t              worker;
} spout_exec;

static gale_err
spout_init(gale_executor *e)
{
	spout_exec *s = e->priv;
	s->ops         = e->def->spout;
	s->max_pending = e->env->max_pending;
	// A spout's own config may set its limit, as Storm's component
	// config does (the parser checked the value).
	for (size_t i = 0; i < e->def->nconfig; i++) {
		int64_t n;
		if (strcmp(e->def->config[i].key, SPOUT_PENDING_KEY) == 0
		    && gale__parse_i64(e->def->config[i].value, 0, UINT32_MAX,
			   &n, NULL, 0)
			== GALE_OK) {
			s->max_pending = (uint32_t) n;
		}
	}
	s->limit = s->max_pending;

	const gale_plan *p      = e->env->plan;
	uint32_t         nack   = gale_plan_nackers(p);
	uint32_t         first  = gale_plan_ntasks(p) - nack + 1;
	uint32_t         nlocal = 0;
	s->worker               = gale_plan_task_worker(p, e->task);
	for (uint32_t k = 0; k < nack; k++) {
		nlocal += gale_plan_task_worker(p, first + k) == s->worker;
	}
	s->local_roots = nlocal > 0 && nlocal < nack;
	return gale__pending_new(
	    &s->pending, GALE_EXEC_TIMEOUT_BUCKETS, SPOUT_MAX_PENDING);
}

// A new root id. The acker of a tree is a function of its root alone, so
// a root drawn until its acker is in the spout's worker keeps the init, the
// spout's own acks and the completion inside the process, and nothing else
// changes: any task finds the same acker from the root as before. The draws
// are bounded; a root that found no local acker is as good as ever.
static uint64_t
spout_new_root(gale_executor *e, spout_exec *s, bool sampled)
{
	uint64_t root = gale__trace_mark(gale__exec_id(e), sampled);
	for (int i = 1; s->local_roots && i < SPOUT_ROOT_TRIES
	     && gale_plan_task_worker(
		    e->env->plan, gale__exec_acker_for(e, root))
		 != s->worker;
	     i++) {
		root = gale__trace_mark(gale__exec_id(e), sampled);
	}
	return root;
}

static void
spout_fini(gale_executor *e)
{
	spout_exec *s = e->priv;
	gale__pending_destroy(&s->pending);
	free(s->untracked);
	free(s->answers);
}

static gale_err
spout_open(gale_executor *e)
{
	spout_exec *s = e->priv;
	return s->ops->open(e->self, e->ctx);
}

static void
spout_close(gale_executor *e)
{
	spout_exec *s = e->priv;
	if (s->ops->close != NULL) {
		s->ops->close(e->self);
	}
}

// ---------------------------------------------------------------------
// Emitting
// ---------------------------------------------------------------------

static void
spout_update_pending(gale_executor *e, spout_exec *s)
{
	size_t np = gale__pending_count(s->pending);
	gale_metric_set(&e->metrics, GALE_M_PENDING, np);
	if (np > gale_metric_get(&e->metrics, GALE_M_PENDING_PEAK)) {
		gale_metric_set(&e->metrics, GALE_M_PENDING_PEAK, np);
	}
}

// Acking is off: the tree counts as complete now; the spout hears so after
// next_tuple returns.
static gale_err
spout_ack_later(spout_exec *s, uint64_t msg_id)
{
	if (s->nuntracked == s->untracked_cap) {
		size_t    cap = s->untracked_cap ? s->untracked_cap * 2 : 256;
		uint64_t *ids = realloc(s->untracked, cap * sizeof(*ids));
		if (ids == NULL) {
			return GALE_ENOMEM;
		}
		s->untracked     = ids;
		s->untracked_cap = cap;
	}
	s->untracked[s->nuntracked++] = msg_id;
	return GALE_OK;
}

static gale_err
spout_emit(gale_executor *e, uint32_t direct, const char *stream,
    const gale_value *values, size_t n, bool tracked, uint64_t msg_id)
{
	spout_exec *s = e->priv;
	if (!gale__exec_may_emit(e)) {
		return GALE_ECLOSED;
	}
	// A stopping topology takes no new input: only replays of trees
	// that failed. The spout keeps a refused message (the built-ins
	// queue it), and it is counted as not processed.
	bool draining = s->in_next_tuple
	    ? s->round_draining
	    : atomic_load_explicit(&e->env->draining, memory_order_relaxed);
	if (draining && tracked && gale_plan_nackers(e->env->plan) > 0
	    && !gale__pending_is_failed(s->pending, msg_id)) {
		s->refused++;
		s->drain_refused = true;
		return GALE_EAGAIN;
	}
	int      si;
	size_t   nt;
	gale_err rv
	    = gale__exec_route(e, stream, values, n, direct, &si, &nt);
	if (rv != GALE_OK) {
		if (direct != 0 && rv == GALE_EINVAL) {
			gale__exec_direct_refused(e, direct, stream, n);
		}
		return rv;
	}
	gale_metric_add(&e->metrics, GALE_M_EMITTED, 1);
	if (e->debug) {
		gale__exec_debug_emit(e, si, values, n);
	}
	const char *name = gale__router_wire_name(e->router, si);
	if (!tracked || gale_plan_nackers(e->env->plan) == 0) {
		for (size_t i = 0; i < nt; i++) {
			rv = gale__outbuf_add_tuple(e->outbuf, e->targets[i],
			    e->task, name, values, n, NULL, 0);
			if (rv != GALE_OK) {
				return rv;
			}
		}
		return tracked ? spout_ack_later(s, msg_id) : GALE_OK;
	}
	uint64_t thr = atomic_load_explicit(
	    &e->env->trace_threshold, memory_order_relaxed);
	bool sampled = thr != 0 && gale__exec_id(e) <= thr;
	uint64_t root      = spout_new_root(e, s, sampled);
	uint64_t xor       = 0;
	e->ntrace_children = 0;
	for (size_t i = 0; i < nt; i++) {
		gale_anchor a = { .root = root, .edge = gale__exec_id(e) };
		xor ^= a.edge;
		if (sampled) {
			gale__exec_trace_child(e, a.edge);
		}
		rv = gale__outbuf_add_tuple(
		    e->outbuf, e->targets[i], e->task, name, values, n, &a, 1);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	if (sampled) {
		gale__exec_trace_edge(e, root, 0, false, msg_id);
	}
	uint32_t attempt = gale__pending_replay_attempt(s->pending, msg_id);
	if (attempt > 0) {
		gale_metric_add(&e->metrics, GALE_M_REPLAYED, 1);
	}
	if (gale__pending_add(s->pending, root, msg_id, e->now_ns, attempt)
	    != GALE_OK) {
		// Untracked now: the tree can neither complete nor time out.
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
	}
	spout_update_pending(e, s);
	gale__exec_add_ack(e, gale__exec_acker_for(e, root), GALE_ACK_INIT,
	    root, xor, e->task);
	return GALE_OK;
}

static void
spout_exhausted(gale_executor *e)
{
	spout_exec *s = e->priv;
	s->exhausted  = true;
	atomic_store(&e->exhausted, true);
}

// ---------------------------------------------------------------------
// Answers from the ackers
// ---------------------------------------------------------------------

// Every failed tree goes into the task's ring of recent fails; with
// --log-replays, also one line. It is output the user asked for, in its
// documented format, not a log line.
static void
spout_log_fail(gale_executor *e, uint64_t root, uint64_t msg_id,
    uint32_t attempt, const char *reason)
{
	gale__executor_note_replay(e, msg_id, attempt + 1, reason);
	if (!e->env->log_replays) {
		return;
	}
	char when[32];
	gale__clock_local_hms(when, sizeof(when));
	fprintf(stderr,
	    "%s fail spout=%s:%u msg=%" PRIu64 " root=%016" PRIx64
	    " reason=\"%s\" attempt=%u\n",
	    when, e->def->id, e->task, msg_id, root, reason, attempt + 1);
}

static void
spout_failed(
    gale_executor *e, spout_exec *s, uint64_t msg_id, uint32_t attempt)
{
	gale__pending_failed(s->pending, msg_id, attempt);
	s->failed_since_call = true;
	if (s->ops->fail != NULL) {
		s->ops->fail(e->self, msg_id);
	}
}

// Additive increase: one step per window of acks, up to the configured
// limit.
static void
spout_grow_limit(spout_exec *s)
{
	uint32_t max = s->max_pending;
	if (max == 0 || s->limit >= max || ++s->acks_in_window < s->limit) {
		return;
	}
	s->acks_in_window = 0;
	uint32_t step     = max / SPOUT_AIMD_STEPS ? max / SPOUT_AIMD_STEPS : 1;
	s->limit          = max - s->limit > step ? s->limit + step : max;
}

static void
spout_answer_now(
    gale_executor *e, gale_ack_kind kind, uint64_t root, uint32_t task)
{
	spout_exec *s = e->priv;
	uint64_t    msg_id, start;
	uint32_t    attempt;
	if (!gale__pending_take(s->pending, root, &msg_id, &start, &attempt)) {
		return; // timed out already, or a duplicate
	}
	gale_metric_set(
	    &e->metrics, GALE_M_PENDING, gale__pending_count(s->pending));
	if (kind == GALE_ACK_COMPLETE) {
		gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
		uint64_t now = e->now_ns > start ? e->now_ns : start;
		gale_hist_record(&e->metrics.complete, (now - start) / 1000);
		spout_grow_limit(s);
		if (s->ops->ack != NULL) {
			s->ops->ack(e->self, msg_id);
		}
		return;
	}
	gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
	{
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
		spout_log_fail(e, root, msg_id, attempt, reason);
	}
	spout_failed(e, s, msg_id, attempt);
}

static void
spout_ack_item(gale_executor *e, const gale_item *it)
{
	spout_exec *s = e->priv;
	if (it->ack_kind != GALE_ACK_COMPLETE
	    && it->ack_kind != GALE_ACK_FAILED) {
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	if (!s->in_next_tuple) {
		spout_answer_now(e, it->ack_kind, it->root, it->task);
		return;
	}
	if (s->nanswers == s->answers_cap) {
		size_t        cap = s->answers_cap ? s->answers_cap * 2 : 256;
		spout_answer *a   = realloc(s->answers, cap * sizeof(*a));
		if (a == NULL) {
			return;
		}
		s->answers     = a;
		s->answers_cap = cap;
	}
	s->answers[s->nanswers++]
	    = (spout_answer) { it->ack_kind, it->root, it->task };
}

static void
spout_items(gale_executor *e)
{
	gale__exec_items(e, NULL, spout_ack_item, NULL);
}

static void
spout_answer_deferred(gale_executor *e, spout_exec *s)
{
	for (size_t i = 0; i < s->nanswers; i++) {
		spout_answer_now(e, s->answers[i].kind, s->answers[i].root,
		    s->answers[i].task);
	}
	s->nanswers = 0;
	for (size_t i = 0; i < s->nuntracked; i++) {
		gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
		if (s->ops->ack != NULL) {
			s->ops->ack(e->self, s->untracked[i]);
		}
	}
	s->nuntracked = 0;
}

// While a spout waits for room downstream it keeps reading its inbox, so
// the ackers it waits on, transitively, can always make progress.
static void
spout_idle(gale_executor *e)
{
	gale__exec_receive(e, 0);
}

static void
spout_expired(void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns,
    uint32_t attempt)
{
	(void) start_ns;
	gale_executor *e = arg;
	spout_exec    *s = e->priv;
	gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
	gale_metric_add(&e->metrics, GALE_M_TIMEDOUT, 1);
	char reason[64];
	snprintf(reason, sizeof(reason), "timeout after %u s",
	    e->env->timeout_secs);
	spout_log_fail(e, root, msg_id, attempt, reason);
	s->expired_in_rotation++;
	spout_failed(e, s, msg_id, attempt);
}

// Trees that time out are never silent: one line per rotation that saw
// some (at most one every timeout / 2), and the pending limit is halved
// (multiplicative decrease), so a slow bolt slows the spout down instead
// of filling the topology with replays.
static void
spout_rotate(gale_executor *e)
{
	spout_exec *s         = e->priv;
	s->expired_in_rotation = 0;
	gale__pending_rotate(s->pending, spout_expired, e);
	gale_metric_set(
	    &e->metrics, GALE_M_PENDING, gale__pending_count(s->pending));
	if (s->expired_in_rotation == 0) {
		return;
	}
	char limit[64] = "";
	if (s->max_pending != 0) {
		s->limit          = s->limit > 1 ? s->limit / 2 : 1;
		s->acks_in_window = 0;
		snprintf(limit, sizeof(limit), "; pending limit now %u of %u",
		    s->limit, s->max_pending);
	}
	GALE_WARN("%" PRIu64 " trees timed out after %u s (%" PRIu64
		  " in all)%s",
	    s->expired_in_rotation, e->env->timeout_secs,
	    gale_metric_get(&e->metrics, GALE_M_TIMEDOUT), limit);
}

// ---------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------

// Says what a stopping spout gives up on, and records it for the stats:
// the trees still pending, the failed ones not replayed, and the messages
// it was refused while stopping.
static void
spout_give_up(gale_executor *e, spout_exec *s, uint64_t now)
{
	uint64_t pending = gale__pending_count(s->pending);
	uint64_t failed  = gale__pending_replays(s->pending);
	uint64_t total   = pending + failed + s->refused;
	gale_metric_set(&e->metrics, GALE_M_UNPROCESSED, total);
	if (total == 0) {
		return;
	}
	GALE_WARN("stopped with %" PRIu64 " messages not fully processed: %"
		  PRIu64 " trees not acked after %.1f s, %" PRIu64
		  " failed and not replayed, %" PRIu64
		  " new messages held back while stopping",
	    total, pending, (double) (now - s->drain_start_ns) / 1e9, failed,
	    s->refused);
}

static bool
spout_done(gale_executor *e, spout_exec *s, uint64_t now)
{
	bool draining = atomic_load(&e->env->draining);
	if (!s->exhausted && !draining) {
		return false;
	}
	if (!draining) {
		// An exhausted spout still replays what fails: it is done once
		// no tree is pending and every fail was followed by a
		// next_tuple call.
		return gale__pending_count(s->pending) == 0
		    && !s->failed_since_call;
	}
	if (s->drain_start_ns == 0) {
		s->drain_start_ns = now;
	}
	// Asked to stop: failed trees are replayed until every tree is
	// acked (or the spout stopped replaying what failed), for up to
	// SPOUT_DRAIN_TIMEOUTS message timeouts.
	bool idle = gale__pending_count(s->pending) == 0
	    && !s->failed_since_call
	    && (gale__pending_replays(s->pending) == 0 || !s->drain_progress);
	bool late = now - s->drain_start_ns >= (uint64_t) e->env->timeout_secs
		* SPOUT_DRAIN_TIMEOUTS * 1000000000u;
	if (idle || late) {
		spout_give_up(e, s, now);
		return true;
	}
	return false;
}

static bool
spout_full(const spout_exec *s)
{
	return s->max_pending != 0
	    && gale__pending_count(s->pending) >= s->limit;
}

// Whether the spout is asked for tuples now: while running, when active
// and below its pending limit; while stopping, only to replay what failed.
static bool
spout_wanted(const gale_executor *e, const spout_exec *s)
{
	if (!atomic_load(&e->env->active) || spout_full(s)) {
		return false;
	}
	if (!atomic_load(&e->env->draining)) {
		return true;
	}
	return gale__pending_replays(s->pending) > 0
	    && (s->failed_since_call || s->drain_progress);
}

// Up to SPOUT_CALLS calls of next_tuple; true when something was emitted.
static bool
spout_round(gale_executor *e, spout_exec *s, uint64_t *now)
{
	uint64_t before      = gale_metric_get(&e->metrics, GALE_M_EMITTED);
	uint64_t t0          = *now;
	bool     draining    = atomic_load(&e->env->draining);
	s->round_draining    = draining;
	s->in_next_tuple     = true;
	s->failed_since_call = false;
	s->drain_refused     = false;
	gale__exec_cb_enter(e);
	for (int i = 0; i < SPOUT_CALLS; i++) {
		uint64_t n = gale_metric_get(&e->metrics, GALE_M_EMITTED);
		s->ops->next_tuple(e->self, &e->coll);
		uint64_t m = gale_metric_get(&e->metrics, GALE_M_EMITTED);
		if ((s->exhausted && m == n) || spout_full(s)) {
			break;
		}
		if (draining
		    && (m == n || s->drain_refused
			|| gale__pending_replays(s->pending) == 0)) {
			break;
		}
	}
	gale__exec_cb_leave(e);
	s->in_next_tuple = false;
	*now             = gale_now_ns();
	gale_metric_add(&e->metrics, GALE_M_BUSY_NS, *now - t0);
	bool emitted = gale_metric_get(&e->metrics, GALE_M_EMITTED) != before;
	if (draining) {
		s->drain_progress = emitted;
	}
	spout_answer_deferred(e, s);
	return emitted;
}

// Tells the spout when the topology's active flag changed since it last
// looked, as Storm's executor calls activate and deactivate.
static void
spout_note_active(gale_executor *e, spout_exec *s)
{
	bool active = atomic_load(&e->env->active);
	if (active == s->active) {
		return;
	}
	s->active = active;
	void (*cb)(void *)
	    = active ? s->ops->activate : s->ops->deactivate;
	if (cb != NULL) {
		gale__exec_cb_enter(e);
		cb(e->self);
		gale__exec_cb_leave(e);
	}
}

static void
spout_run(gale_executor *e)
{
	spout_exec *s = e->priv;
	s->active     = true; // a spout starts active
	while (!atomic_load(&e->env->halt)) {
		gale__exec_receive(e, 0);
		spout_note_active(e, s);
		uint64_t now = gale_now_ns();
		e->now_ns    = now;
		gale__exec_rotate(e, now);
		if (spout_done(e, s, now)) {
			break;
		}
		bool emitted = false;
		if (spout_wanted(e, s)) {
			emitted = spout_round(e, s, &now);
		}
		// Idle, or the oldest item has waited long enough.
		if ((!emitted && gale__outbuf_pending(e->outbuf))
		    || gale__outbuf_due(e->outbuf, now)) {
			gale__exec_flush(e);
		}
		if (!emitted) {
			// Nothing to do: wait a little for acks, as Storm's
			// spout executors sleep when next_tuple emits nothing.
			if (gale__inbox_recv(e->inbox, &e->in, 1) == GALE_OK) {
				gale__exec_process(e, &e->in);
			}
		}
	}
}

const gale_exec_ops gale__spout_exec_ops = {
	.name       = "spout",
	.size       = sizeof(spout_exec),
	.init       = spout_init,
	.fini       = spout_fini,
	.open       = spout_open,
	.open_name  = "open",
	.run        = spout_run,
	.close      = spout_close,
	.items      = spout_items,
	.idle       = spout_idle,
	.rotate     = spout_rotate,
	.spout_emit = spout_emit,
	.exhausted  = spout_exhausted,
};
