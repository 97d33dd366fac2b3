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
			ok = t->coll == NULL
			    || gale__shell_emit(t, m, tracked, mid, NULL);
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
