// SPDX-License-Identifier: MIT
// fixed_lines.c - a bounded spout of the lines "line 1" to "line COUNT".
//
// Option `count` (default 10) sets how many lines there are. Line i is
// emitted on the default stream as [line], tracked with message id i. A
// failed line is emitted again, before any new one; after the last new
// line the spout declares itself exhausted.

#include <stdio.h>
#include <stdlib.h>

#include "gale.h"

typedef struct fixed_lines_spout {
	uint64_t  count;
	uint64_t  next; // the next new line, 1-based
	bool      exhausted;
	uint64_t *replay; // failed ids waiting to be emitted again
	size_t    nreplay;
	size_t    cap;
} fixed_lines_spout;

static const char *const fixed_lines_fields[] = { "line", NULL };

static const gale_stream_decl fixed_lines_outputs[] = {
	{ "default", fixed_lines_fields },
	{ NULL, NULL },
};

static gale_err
fixed_lines_open(void *self, gale_context *ctx)
{
	fixed_lines_spout *s     = self;
	int64_t            count = gale_context_option_i64(ctx, "count", 10);
	if (count < 0) {
		gale_context_error(ctx,
		    "option count must be 0 or more, found %lld",
		    (long long) count);
		return GALE_EINVAL;
	}
	s->count = (uint64_t) count;
	s->next  = 1;
	return GALE_OK;
}

static gale_err
fixed_lines_emit(gale_collector *c, uint64_t id)
{
	char       line[32];
	int        n = snprintf(line, sizeof(line), "line %llu",
               (unsigned long long) id);
	gale_value v = gale_str(line, (size_t) n);
	return gale_spout_emit(c, NULL, &v, 1, id);
}

static void
fixed_lines_next_tuple(void *self, gale_collector *c)
{
	fixed_lines_spout *s = self;
	if (s->nreplay > 0) {
		if (fixed_lines_emit(c, s->replay[s->nreplay - 1]) == GALE_OK) {
			s->nreplay--;
		}
		return;
	}
	if (s->next <= s->count) {
		if (fixed_lines_emit(c, s->next) == GALE_OK) {
			s->next++;
		}
		return;
	}
	if (!s->exhausted) {
		s->exhausted = true;
		gale_spout_exhausted(c);
	}
}

static void
fixed_lines_fail(void *self, uint64_t msg_id)
{
	fixed_lines_spout *s = self;
	if (s->nreplay == s->cap) {
		size_t    cap = s->cap ? s->cap * 2 : 16;
		uint64_t *r   = realloc(s->replay, cap * sizeof(*r));
		if (r == NULL) {
			return; // The line is lost; nothing else can be done.
		}
		s->replay = r;
		s->cap    = cap;
	}
	s->replay[s->nreplay++] = msg_id;
}

static void
fixed_lines_close(void *self)
{
	fixed_lines_spout *s = self;
	free(s->replay);
	s->replay  = NULL;
	s->nreplay = 0;
	s->cap     = 0;
}

static const gale_spout_ops fixed_lines_ops = {
	.size       = sizeof(fixed_lines_spout),
	.outputs    = fixed_lines_outputs,
	.open       = fixed_lines_open,
	.next_tuple = fixed_lines_next_tuple,
	.fail       = fixed_lines_fail,
	.close      = fixed_lines_close,
};

const gale_component fixed_lines = { .spout = &fixed_lines_ops };
