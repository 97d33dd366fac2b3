// SPDX-License-Identifier: MIT
// uppercase.c - a bolt that emits the ASCII upper case of each input word.
//
// Input: a tuple whose value 0 is a string. Output: default:[word], anchored
// to the input, which is then acked. Any other input is failed.

#include <stdlib.h>

#include "gale.h"

typedef struct uppercase_bolt {
	char  *buf; // reused for every tuple, grown as words grow
	size_t cap;
} uppercase_bolt;

static const char *const uppercase_fields[] = { "word", NULL };

static const gale_stream_decl uppercase_outputs[] = {
	{ "default", uppercase_fields },
	{ NULL, NULL },
};

static gale_err
uppercase_prepare(void *self, gale_context *ctx)
{
	(void) self;
	(void) ctx;
	return GALE_OK;
}

static void
uppercase_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	uppercase_bolt   *u = self;
	const gale_value *v = gale_tuple_get(t, 0);
	if (v == NULL || v->type != GALE_STR) {
		gale_fail(c, t);
		return;
	}
	size_t len = v->u.s.len;
	if (len > u->cap) {
		char *buf = realloc(u->buf, len);
		if (buf == NULL) {
			gale_fail(c, t); // Replayed later, maybe with memory.
			return;
		}
		u->buf = buf;
		u->cap = len;
	}
	for (size_t i = 0; i < len; i++) {
		char ch   = v->u.s.ptr[i];
		u->buf[i] = (ch >= 'a' && ch <= 'z') ? (char) (ch - 'a' + 'A') : ch;
	}
	gale_value out = gale_str(u->buf, len);
	if (gale_emit(c, NULL, &out, 1, &t, 1) != GALE_OK) {
		gale_fail(c, t);
		return;
	}
	gale_ack(c, t);
}

static void
uppercase_cleanup(void *self, gale_collector *c)
{
	uppercase_bolt *u = self;
	(void) c;
	free(u->buf);
	u->buf = NULL;
	u->cap = 0;
}

static const gale_bolt_ops uppercase_ops = {
	.size    = sizeof(uppercase_bolt),
	.outputs = uppercase_outputs,
	.prepare = uppercase_prepare,
	.execute = uppercase_execute,
	.cleanup = uppercase_cleanup,
};

const gale_component uppercase = { .bolt = &uppercase_ops };
