// SPDX-License-Identifier: MIT
// shell_spout.c - the shell spout: next, ack, fail, activate and
// deactivate go to the task's child process, which answers with emits and
// ends each turn with sync.
//
// A process names its messages with any JSON value; gale's message id is a
// 64-bit hash of that value's JSON text, so an emit that replays a failed
// message gets the same id and counts as a replay. A process that sends
// {"command": "exhausted"} (gale's addition to the protocol) declares that
// it has no new messages left, as gale_spout_exhausted does.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/shell.h"

static bool spout_turn(shell_task *t);

static gale_err
spout_open(void *self, gale_context *ctx)
{
	shell_task *t  = self;
	gale_err    rv = gale__shell_open(t, ctx, true);
	if (rv != GALE_OK) {
		// Idempotent: the runtime's close may follow.
		gale__shell_close(t);
		return rv;
	}
	// Storm activates a spout when its topology starts.
	json_t *m  = json_pack("{s:s}", "command", "activate");
	bool    ok = m != NULL && gale__shell_put(t, m);
	json_decref(m);
	if (!ok) {
		return GALE_ENOMEM;
	}
	// A failed turn was reported; the next call restarts the process.
	spout_turn(t);
	return GALE_OK;
}

// The message id of a JSON id: FNV-1a over its compact text, never 0.
static uint64_t
spout_msg_id(const char *text)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
		h = (h ^ *p) * 0x100000001b3ull;
	}
	return h != 0 ? h : 1;
}

// The values of a direct emit's tuple list in t->vals (list and map
// values as their JSON text in t->owned), as the shell's other emits take
// them; false when out of memory.
static bool
spout_values(shell_task *t, json_t *list, size_t n)
{
	if (n > t->vcap) {
		size_t      cap = n > 16 ? n : 16;
		gale_value *v   = realloc(t->vals, cap * sizeof(*v));
		if (v == NULL) {
			return false;
		}
		t->vals   = v;
		char **ow = realloc(t->owned, cap * sizeof(*ow));
		if (ow == NULL) {
			return false;
		}
		t->owned = ow;
		t->vcap  = cap;
	}
	t->nowned = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_array_get(list, i);
		if (json_is_string(j)) {
			t->vals[i] = gale_str(
			    json_string_value(j), json_string_length(j));
		} else if (json_is_integer(j)) {
			t->vals[i] = gale_i64(json_integer_value(j));
		} else if (json_is_real(j)) {
			t->vals[i] = gale_f64(json_real_value(j));
		} else if (json_is_boolean(j)) {
			t->vals[i] = gale_bool(json_is_true(j));
		} else if (json_is_null(j)) {
			t->vals[i] = gale_bytes("", 0);
		} else {
			char *text = json_dumps(j, JSON_COMPACT);
			if (text == NULL) {
				return false;
			}
			t->owned[t->nowned++] = text;
			t->vals[i]            = gale_cstr(text);
		}
	}
	return true;
}

// The number of fields of the declared stream, or -1 when it is not.
static long
spout_nfields(shell_task *t, const char *stream)
{
	for (const gale_stream_decl *d = gale_context_outputs(t->ctx);
	     d != NULL && d->stream != NULL; d++) {
		if (strcmp(d->stream, stream) == 0) {
			long n = 0;
			while (d->fields != NULL && d->fields[n] != NULL) {
				n++;
			}
			return n;
		}
	}
	return -1;
}

// An emit with a "task": to that task alone, as Storm's emitDirect, with
// no answer (Storm sends task ids only after other emits). A wrong stream
// or number of values breaks the protocol, as in every emit; a task that
// is not a DIRECT subscriber of the stream is refused by the runtime,
// which logs why, and its message is not tracked.
static bool
spout_emit_direct(
    shell_task *t, json_t *m, json_t *task, bool tracked, uint64_t mid)
{
	json_t     *tuple  = json_object_get(m, "tuple");
	json_t     *st     = json_object_get(m, "stream");
	const char *stream = json_is_string(st) ? json_string_value(st)
						: "default";
	json_int_t  to     = json_integer_value(task);
	if (!json_is_array(tuple)) {
		gale__shell_fail(t, "emitted without a 'tuple' list", NULL, 0);
		return false;
	}
	long   nfields = spout_nfields(t, stream);
	size_t n       = json_array_size(tuple);
	if (nfields < 0 || (size_t) nfields != n || to <= 0
	    || to > UINT32_MAX) {
		char what[256];
		if (nfields < 0) {
			snprintf(what, sizeof(what),
			    "emitted direct on undeclared stream '%.100s'",
			    stream);
		} else if ((size_t) nfields != n) {
			snprintf(what, sizeof(what),
			    "emitted %zu values on stream '%.100s', which "
			    "declares %ld fields",
			    n, stream, nfields);
		} else {
			snprintf(what, sizeof(what),
			    "emitted direct to task %" JSON_INTEGER_FORMAT
			    ", which is not a task id",
			    to);
		}
		char *text = json_dumps(m, JSON_COMPACT);
		gale__shell_fail(
		    t, what, text, text != NULL ? strlen(text) : 0);
		free(text);
		return false;
	}
	if (!spout_values(t, tuple, n)) {
		return false;
	}
	gale_err rv = tracked
	    ? gale_spout_emit_direct(
		  t->coll, (uint32_t) to, stream, t->vals, n, mid)
	    : gale_spout_emit_direct_untracked(
		  t->coll, (uint32_t) to, stream, t->vals, n);
	for (size_t i = 0; i < t->nowned; i++) {
		free(t->owned[i]);
	}
	t->nowned = 0;
	if (rv != GALE_OK && tracked) {
		char key[20];
		snprintf(key, sizeof(key), "%016" PRIx64, mid);
		json_object_del(t->ids, key);
	}
	return true;
}

// Sends what is in the buffer and answers the process until its sync;
// false when the process failed (reported and stopped).
static bool
spout_turn(shell_task *t)
{
	if (!gale__shell_flush(t)) {
		return false;
	}
	for (;;) {
		const char *cmd;
		json_t     *m = gale__shell_recv(t, &cmd);
		if (m == NULL) {
			return false;
		}
		bool ok = true;
		if (strcmp(cmd, "sync") == 0) {
			json_decref(m);
			t->fails_in_row = 0;
			return true;
		}
		if (strcmp(cmd, "emit") == 0) {
			json_t  *id      = json_object_get(m, "id");
			bool     tracked = id != NULL && !json_is_null(id);
			uint64_t mid     = 0;
			if (tracked) {
				char *text = json_dumps(
				    id, JSON_COMPACT | JSON_ENCODE_ANY);
				char key[20];
				mid = text != NULL ? spout_msg_id(text) : 1;
				free(text);
				snprintf(key, sizeof(key), "%016" PRIx64, mid);
				json_object_set(t->ids, key, id);
			}
			json_t *task = json_object_get(m, "task");
			if (t->coll == NULL) {
				ok = true;
			} else if (json_is_integer(task)) {
				ok = spout_emit_direct(t, m, task, tracked, mid);
			} else {
				ok = gale__shell_emit(t, m, tracked, mid, NULL);
			}
		} else if (strcmp(cmd, "exhausted") == 0) {
			if (t->coll != NULL) {
				gale_spout_exhausted(t->coll);
			}
		} else if (!gale__shell_common(t, cmd, m)) {
			char *text = json_dumps(m, JSON_COMPACT);
			gale__shell_fail(t, "sent an unknown command", text,
			    text != NULL ? strlen(text) : 0);
			free(text);
			ok = false;
		}
		json_decref(m);
		if (!ok) {
			return false;
		}
	}
}

static void
spout_next(void *self, gale_collector *c)
{
	shell_task *t = self;
	t->coll       = c;
	if (!gale__shell_ensure(t)) {
		return;
	}
	json_t *m  = json_pack("{s:s}", "command", "next");
	bool    ok = m != NULL && gale__shell_put(t, m);
	json_decref(m);
	if (ok) {
		spout_turn(t);
	}
}

// Tells the process that its message completed (ack) or failed.
static void
spout_answer(shell_task *t, uint64_t msg_id, const char *command)
{
	char key[20];
	snprintf(key, sizeof(key), "%016" PRIx64, msg_id);
	json_t *id = json_object_get(t->ids, key);
	if (id == NULL) {
		return;
	}
	json_t *m = json_pack("{s:s,s:O}", "command", command, "id", id);
	json_object_del(t->ids, key);
	if (m == NULL || !gale__shell_ensure(t)) {
		json_decref(m);
		return;
	}
	bool ok = gale__shell_put(t, m);
	json_decref(m);
	if (ok) {
		spout_turn(t);
	}
}

static void
spout_ack(void *self, uint64_t msg_id)
{
	spout_answer(self, msg_id, "ack");
}

static void
spout_fail(void *self, uint64_t msg_id)
{
	spout_answer(self, msg_id, "fail");
}

// Tells the process that its topology was activated or deactivated.
static void
spout_command(shell_task *t, const char *command)
{
	if (!gale__shell_ensure(t)) {
		return;
	}
	json_t *m  = json_pack("{s:s}", "command", command);
	bool    ok = m != NULL && gale__shell_put(t, m);
	json_decref(m);
	if (ok) {
		spout_turn(t);
	}
}

static void
spout_activate(void *self)
{
	spout_command(self, "activate");
}

static void
spout_deactivate(void *self)
{
	spout_command(self, "deactivate");
}

static void
spout_close(void *self)
{
	gale__shell_close(self);
}

const gale_spout_ops gale__shell_spout_ops = {
	.size       = sizeof(shell_task),
	.outputs    = NULL, // declared by the definition's options
	.open       = spout_open,
	.next_tuple = spout_next,
	.ack        = spout_ack,
	.fail       = spout_fail,
	.close      = spout_close,
	.options    = gale__shell_options,
	.activate   = spout_activate,
	.deactivate = spout_deactivate,
};
