// SPDX-License-Identifier: MIT
// shell_bolt.c - the shell bolt: each input tuple goes to the task's child
// process, which emits, acks and fails through the multilang protocol.
//
// Up to topology.shellbolt.max.pending tuples are sent without waiting for
// the process, as Storm's ShellBolt sends them: each is held
// (gale_tuple_hold) under the id it was sent with, and acked or failed when
// the process acks or fails that id. Execute reads what the process wrote
// meanwhile, and waits for it only when that many are pending; the bolt's
// poll reads the rest once input stops. A process that dies, hangs or
// writes garbage fails every tuple it holds.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/shell.h"

// How often a heartbeat tuple goes before an input, as Storm sends them.
#define BOLT_HEARTBEAT_NS 1000000000ull
// Storm's default for topology.shellbolt.max.pending.
#define BOLT_MAX_PENDING 100
#define BOLT_MAX_PENDING_KEY "topology.shellbolt.max.pending"
// How often the runtime polls the bolt while tuples are pending.
#define BOLT_POLL_MS 2

// A tuple sent to the process and not yet acked or failed by it. The id
// sent names its slot, (id - 1) % pending_cap, and is never sent twice, so
// a stale or repeated ack finds a slot whose id differs and does nothing.
typedef struct shell_pending {
	uint64_t  id; // 0: a free slot
	gale_held h;
	size_t    next_free; // index + 1 of the next free slot; 0: none
} shell_pending;

// Puts slot i on the free list; any free slot takes the next tuple.
static void
bolt_slot_free(shell_task *s, size_t i)
{
	s->pending[i].id        = 0;
	s->pending[i].next_free = s->pending_free;
	s->pending_free         = i + 1;
	s->npending--;
}

static gale_err
bolt_prepare(void *self, gale_context *ctx)
{
	shell_task *t   = self;
	t->next_seq     = 0;
	// Checked by the parser (1 to 100000); its default is Storm's, 100.
	int64_t max = gale_context_config_i64(ctx, BOLT_MAX_PENDING_KEY);
	if (max < 1) {
		max = BOLT_MAX_PENDING;
	}
	t->pending_cap = (size_t) max;
	t->pending     = calloc(t->pending_cap, sizeof(*t->pending));
	if (t->pending == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < t->pending_cap; i++) {
		t->pending[i].next_free = i + 2 <= t->pending_cap ? i + 2 : 0;
	}
	t->pending_free = 1;
	gale_err rv     = gale__shell_open(t, ctx, false);
	if (rv != GALE_OK) {
		// The runtime skips cleanup after a failed prepare.
		gale__shell_close(t);
	}
	return rv;
}

// Appends the input tuple message {"id", "comp", "stream", "task",
// "tuple"} for t, under id.
static bool
bolt_put_tuple(shell_task *s, const gale_tuple *t, const char *id)
{
	json_t *vals = json_array();
	size_t  n    = gale_tuple_size(t);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(
		    vals, gale__shell_value_json(gale_tuple_get(t, i)));
	}
	json_t *m  = json_pack("{s:s,s:s,s:s,s:I,s:o}", "id", id, "comp",
	     gale_tuple_source(t), "stream", gale_tuple_stream(t), "task",
	     (json_int_t) gale_tuple_source_task(t), "tuple", vals);
	bool    ok = m != NULL && gale__shell_put(s, m);
	json_decref(m);
	return ok;
}

static bool
bolt_put_heartbeat(shell_task *s)
{
	json_t *m  = json_pack("{s:s,s:s,s:s,s:i,s:[]}", "id", "-1", "comp",
	     "__system", "stream", "__heartbeat", "task", -1, "tuple");
	bool    ok = m != NULL && gale__shell_put(s, m);
	json_decref(m);
	return ok;
}

// The pending slot of the tuple the JSON id v names (a string or an
// integer, as the process echoes it), or NULL.
static shell_pending *
bolt_pending(shell_task *s, json_t *v)
{
	uint64_t id = 0;
	if (json_is_string(v)) {
		char *end;
		id = strtoull(json_string_value(v), &end, 10);
		if (*end != '\0') {
			return NULL;
		}
	} else if (json_is_integer(v) && json_integer_value(v) > 0) {
		id = (uint64_t) json_integer_value(v);
	}
	if (id == 0) {
		return NULL;
	}
	shell_pending *p = &s->pending[(id - 1) % s->pending_cap];
	return p->id == id ? p : NULL;
}

// Fails every pending tuple: the process that held them is gone.
static void
bolt_fail_pending(shell_task *s)
{
	for (size_t i = 0; i < s->pending_cap && s->npending > 0; i++) {
		if (s->pending[i].id != 0) {
			gale_fail_held(s->coll, s->pending[i].h);
			bolt_slot_free(s, i);
		}
	}
}

// The held tuples among the emit's anchors, into s->anchors; false when
// out of memory.
static bool
bolt_anchors(shell_task *s, json_t *msg, size_t *n)
{
	json_t *a = json_object_get(msg, "anchors");
	size_t  i;
	json_t *v;
	*n = 0;
	if (json_array_size(a) > s->anchors_cap) {
		size_t             cap = json_array_size(a);
		const gale_tuple **an = realloc(s->anchors, cap * sizeof(*an));
		if (an == NULL) {
			return false;
		}
		s->anchors     = an;
		s->anchors_cap = cap;
	}
	json_array_foreach(a, i, v)
	{
		shell_pending    *p = bolt_pending(s, v);
		const gale_tuple *t
		    = p != NULL ? gale_held_tuple(s->coll, p->h) : NULL;
		if (t != NULL) {
			s->anchors[(*n)++] = t;
		}
	}
	return true;
}

// Handles one message of the process; false when the process failed (it
// is stopped and reported).
static bool
bolt_handle(shell_task *s, json_t *m, const char *cmd)
{
	bool ok = true;
	if (strcmp(cmd, "emit") == 0) {
		size_t n;
		ok = bolt_anchors(s, m, &n)
		    && gale__shell_emit_anchored(s, m, s->anchors, n);
	} else if (strcmp(cmd, "ack") == 0 || strcmp(cmd, "fail") == 0) {
		shell_pending *p = bolt_pending(s, json_object_get(m, "id"));
		if (p != NULL) {
			if (cmd[0] == 'a') {
				gale_ack_held(s->coll, p->h);
			} else {
				gale_fail_held(s->coll, p->h);
			}
			bolt_slot_free(s, (size_t) (p - s->pending));
			s->fails_in_row = 0;
		}
	} else if (strcmp(cmd, "sync") == 0) {
		// The heartbeat's answer.
	} else if (!gale__shell_common(s, cmd, m)) {
		char *text = json_dumps(m, JSON_COMPACT);
		gale__shell_fail(s, "sent an unknown command", text,
		    text != NULL ? strlen(text) : 0);
		free(text);
		ok = false;
	}
	return ok;
}

// Handles what the process wrote: waits for a message when wait is set,
// then takes what is there without waiting. False when the process failed,
// its pending tuples failed with it.
static bool
bolt_read(shell_task *s, bool wait)
{
	for (;;) {
		const char *cmd;
		bool        none = false;
		json_t     *m    = wait ? gale__shell_recv(s, &cmd)
					: gale__shell_try_recv(s, &cmd, &none);
		if (m == NULL && none) {
			return true;
		}
		if (m == NULL) {
			bolt_fail_pending(s);
			return false;
		}
		s->heard_ns = gale_now_ns();
		wait        = false;
		bool ok     = bolt_handle(s, m, cmd);
		json_decref(m);
		if (!ok) {
			bolt_fail_pending(s);
			return false;
		}
	}
}

static void
bolt_execute(void *self, const gale_tuple *tuple, gale_collector *c)
{
	shell_task *s = self;
	s->coll       = c;
	if (!gale__shell_ensure(s)) {
		gale_fail(c, tuple);
		return;
	}
	// Fewer than max.pending in flight: else wait for the process to
	// ack or fail any of them, which frees its slot.
	while (s->npending >= s->pending_cap) {
		if (!bolt_read(s, true)) {
			gale_fail(c, tuple);
			return;
		}
	}
	size_t         i    = s->pending_free - 1;
	shell_pending *slot = &s->pending[i];
	uint64_t       id   = s->next_seq++ * s->pending_cap + i + 1;
	char           text[24];
	snprintf(text, sizeof(text), "%" PRIu64, id);
	// The heartbeat and the tuple go in one write.
	uint64_t now = gale_now_ns();
	if (now - s->last_heartbeat_ns >= BOLT_HEARTBEAT_NS) {
		s->last_heartbeat_ns = now;
		if (!bolt_put_heartbeat(s)) {
			s->wlen = 0;
			gale_fail(c, tuple);
			return;
		}
	}
	// A tick goes to the process too, as Storm sends it; it is in no
	// tree, so there is nothing to hold and its ack does nothing.
	bool      tick = gale_tuple_is_tick(tuple);
	gale_held h    = tick ? 0 : gale_tuple_hold(c, tuple);
	if ((h == 0 && !tick) || !bolt_put_tuple(s, tuple, text)) {
		s->wlen = 0;
		gale_fail_held(c, h);
		gale_fail(c, tuple);
		return;
	}
	if (s->npending == 0) {
		s->heard_ns = now;
	}
	s->pending_free = slot->next_free;
	*slot           = (shell_pending) { .id = id, .h = h };
	s->npending++;
	if (!gale__shell_flush(s)) {
		bolt_fail_pending(s);
		return;
	}
	bolt_read(s, false);
}

// While tuples are pending: reads what the process wrote; one that stays
// silent past the timeout with tuples pending is stopped, and they fail.
static void
bolt_poll(void *self, gale_collector *c)
{
	shell_task *s = self;
	s->coll       = c;
	if (!s->running || s->npending == 0) {
		return;
	}
	if (bolt_read(s, false) && s->npending > 0
	    && gale_now_ns() - s->heard_ns > s->timeout_ns) {
		char what[96];
		snprintf(what, sizeof(what),
		    "did not answer within %" PRIu64
		    " s (topology.subprocess.timeout.secs)",
		    (uint64_t) (s->timeout_ns / 1000000000ull));
		gale__shell_fail(s, what, NULL, 0);
		bolt_fail_pending(s);
	}
}

// What is still pending is failed by the runtime after cleanup.
static void
bolt_cleanup(void *self, gale_collector *c)
{
	(void) c;
	gale__shell_close(self);
}

// Also when the worker stops before the bolt finished: the child and
// the buffers go either way (gale__shell_close is idempotent).
static void
bolt_close(void *self)
{
	gale__shell_close(self);
}

const gale_bolt_ops gale__shell_bolt_ops = {
	.size    = sizeof(shell_task),
	.outputs = NULL, // declared by the definition's options
	.prepare = bolt_prepare,
	.execute = bolt_execute,
	.cleanup = bolt_cleanup,
	.options = gale__shell_options,
	.close   = bolt_close,
	.poll    = bolt_poll,
	.poll_ms = BOLT_POLL_MS,
};
