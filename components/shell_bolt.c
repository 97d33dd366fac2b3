// SPDX-License-Identifier: MIT
// shell_bolt.c - the shell bolt: each input tuple goes to the task's child
// process, which emits, acks and fails through the multilang protocol.
//
// gale's bolts ack or fail a tuple within the execute call that received
// it, so execute waits for the process to ack or fail the tuple it was
// given (as storm.py's BasicBolt and storm.js's BasicBolt do after each
// tuple), handling its emits and logs meanwhile.

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "components/shell.h"

// How often a heartbeat tuple goes before an input, as Storm sends them.
#define BOLT_HEARTBEAT_NS 1000000000ull

static gale_err
bolt_prepare(void *self, gale_context *ctx)
{
	shell_task *t = self;
	t->next_id    = 1;
	gale_err rv   = gale__shell_open(t, ctx, false);
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

// True when the message's "id" is the text id.
static bool
bolt_is(json_t *msg, const char *id)
{
	json_t *v = json_object_get(msg, "id");
	if (json_is_string(v)) {
		return strcmp(json_string_value(v), id) == 0;
	}
	char buf[32];
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return strcmp(buf, id) == 0;
	}
	return false;
}

// Whether the emit's anchors name the input id.
static bool
bolt_anchored(json_t *msg, const char *id)
{
	json_t *a = json_object_get(msg, "anchors");
	size_t  i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v)
		    && strcmp(json_string_value(v), id) == 0) {
			return true;
		}
	}
	return false;
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
	char id[24];
	snprintf(id, sizeof(id), "%" PRIu64, s->next_id++);
	// The heartbeat and the tuple go in one write.
	uint64_t now = gale_now_ns();
	if (now - s->last_heartbeat_ns >= BOLT_HEARTBEAT_NS) {
		s->last_heartbeat_ns = now;
		if (!bolt_put_heartbeat(s)) {
			gale_fail(c, tuple);
			return;
		}
	}
	if (!bolt_put_tuple(s, tuple, id) || !gale__shell_flush(s)) {
		s->wlen = 0;
		gale_fail(c, tuple);
		return;
	}
	for (;;) {
		const char *cmd;
		json_t     *m = gale__shell_recv(s, &cmd);
		if (m == NULL) {
			gale_fail(c, tuple);
			return;
		}
		bool ok = true, done = false;
		if (strcmp(cmd, "emit") == 0) {
			ok = gale__shell_emit(s, m, false, 0,
			    bolt_anchored(m, id) ? tuple : NULL);
		} else if (strcmp(cmd, "ack") == 0
		    || strcmp(cmd, "fail") == 0) {
			if (bolt_is(m, id)) {
				done = true;
				if (cmd[0] == 'a') {
					gale_ack(c, tuple);
				} else {
					gale_fail(c, tuple);
				}
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
		json_decref(m);
		if (!ok) {
			gale_fail(c, tuple);
			return;
		}
		if (done) {
			s->fails_in_row = 0;
			return;
		}
	}
}

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
};
