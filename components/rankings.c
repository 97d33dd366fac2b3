// SPDX-License-Identifier: MIT
// rankings.c - the rankings bolt: a short list of the top values, kept in
// order as counts arrive, emitted and printed at each tick.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/rankings.h"
#include "gale.h"

// The most a ranking may hold; a larger `top` is refused.
#define RANKINGS_TOP_MAX 10000

typedef struct rankings_entry {
	char    *value;
	size_t   len;
	int64_t  count;
	uint32_t src; // the task that reported it
} rankings_entry;

typedef struct rankings {
	const gale_context *ctx;
	size_t              top;
	const char         *field, *count_field;
	bool                print;
	bool                warned;
	rankings_entry     *e; // [top + 1], highest first
	size_t              n;
	char               *line; // the printed line, reused
	size_t              line_cap;
} rankings;

static const char *const rankings_fields[]
    = { "value", "count", "rank", NULL };
static const gale_stream_decl rankings_outputs[] = {
	{ "default", rankings_fields },
	{ NULL, NULL },
};

static gale_err
rankings_prepare(void *self, gale_context *ctx)
{
	rankings *r    = self;
	r->ctx         = ctx;
	int64_t top    = gale_context_option_i64(ctx, "top", 10);
	r->field       = gale_context_option(ctx, "field");
	r->count_field = gale_context_option(ctx, "count_field");
	r->print       = gale_context_option_bool(ctx, "print", false);
	r->field       = r->field != NULL ? r->field : "value";
	r->count_field = r->count_field != NULL ? r->count_field : "count";
	if (top < 1 || top > RANKINGS_TOP_MAX) {
		gale_context_error(ctx,
		    "option 'top': %" PRId64 " is not from 1 to %d", top,
		    RANKINGS_TOP_MAX);
		return GALE_EINVAL;
	}
	r->top = (size_t) top;
	r->e   = calloc(r->top + 1, sizeof(*r->e));
	return r->e != NULL ? GALE_OK : GALE_ENOMEM;
}

// Highest count first; equal counts in the order of their values.
static bool
rankings_before(const rankings_entry *a, const rankings_entry *b)
{
	if (a->count != b->count) {
		return a->count > b->count;
	}
	size_t n = a->len < b->len ? a->len : b->len;
	int    c = memcmp(a->value, b->value, n);
	return c != 0 ? c < 0 : a->len < b->len;
}

static void
rankings_remove(rankings *r, size_t i)
{
	free(r->e[i].value);
	memmove(&r->e[i], &r->e[i + 1], (r->n - i - 1) * sizeof(*r->e));
	r->n--;
}

// Sets the count of value, from task src, keeping the list in order and
// no longer than top.
static void
rankings_update(
    rankings *r, const char *value, size_t len, int64_t count, uint32_t src)
{
	size_t i = 0;
	while (i < r->n
	    && !(r->e[i].len == len
		&& memcmp(r->e[i].value, value, len) == 0)) {
		i++;
	}
	if (i < r->n) {
		rankings_remove(r, i);
	}
	if (count <= 0) {
		return;
	}
	// Compared with the borrowed value, stored as a copy.
	rankings_entry in = {
		.value = (char *) value, .len = len, .count = count, .src = src
	};
	size_t at = 0;
	while (at < r->n && rankings_before(&r->e[at], &in)) {
		at++;
	}
	if (at >= r->top) {
		return;
	}
	in.value = malloc(len + 1);
	if (in.value == NULL) {
		return;
	}
	memcpy(in.value, value, len);
	in.value[len] = '\0';
	memmove(&r->e[at + 1], &r->e[at], (r->n - at) * sizeof(*r->e));
	r->e[at] = in;
	r->n++;
	if (r->n > r->top) {
		rankings_remove(r, r->n - 1);
	}
}

// Appends text to the printed line.
static bool
rankings_append(rankings *r, size_t *at, const char *text, size_t len)
{
	if (*at + len + 2 > r->line_cap) {
		size_t cap = r->line_cap ? r->line_cap : 256;
		while (cap < *at + len + 2) {
			cap *= 2;
		}
		char *l = realloc(r->line, cap);
		if (l == NULL) {
			return false;
		}
		r->line     = l;
		r->line_cap = cap;
	}
	memcpy(r->line + *at, text, len);
	*at += len;
	return true;
}

static void
rankings_print(rankings *r)
{
	size_t at = 0;
	bool   ok = rankings_append(r, &at, "rankings", 8);
	for (size_t i = 0; i < r->n && ok; i++) {
		char num[32];
		int n = snprintf(num, sizeof(num), "=%" PRId64, r->e[i].count);
		ok    = rankings_append(r, &at, " ", 1)
		    && rankings_append(r, &at, r->e[i].value, r->e[i].len)
		    && rankings_append(r, &at, num, (size_t) n);
	}
	if (ok) {
		r->line[at++] = '\n';
		// One write per line, so that lines from several tasks do not
		// mix.
		fwrite(r->line, 1, at, stdout);
		fflush(stdout);
	}
}

static void
rankings_tick(rankings *r, gale_collector *c)
{
	if (r->n == 0) {
		return;
	}
	if (r->print) {
		rankings_print(r);
	}
	for (size_t i = 0; i < r->n; i++) {
		gale_value v[3] = { gale_str(r->e[i].value, r->e[i].len),
			gale_i64(r->e[i].count), gale_i64((int64_t) i + 1) };
		if (gale_emit(c, NULL, v, 3, NULL, 0) == GALE_ECLOSED) {
			return;
		}
	}
}

static void
rankings_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	rankings *r = self;
	if (gale_tuple_is_tick(t)) {
		rankings_tick(r, c);
		return;
	}
	const gale_value *v     = gale_tuple_field(t, r->field);
	const gale_value *count = gale_tuple_field(t, r->count_field);
	const gale_value *rank  = gale_tuple_field(t, "rank");
	if (v == NULL || (v->type != GALE_STR && v->type != GALE_BYTES)
	    || count == NULL || count->type != GALE_I64) {
		if (!r->warned) {
			r->warned = true;
			gale_log(r->ctx, GALE_LOG_WARN,
			    "tuples from %s lack a string field '%s' or an "
			    "integer field '%s': not ranked",
			    gale_tuple_source(t), r->field, r->count_field);
		}
		return;
	}
	uint32_t src = gale_tuple_source_task(t);
	if (rank != NULL && rank->type == GALE_I64 && rank->u.i64 == 1) {
		for (size_t i = r->n; i-- > 0;) {
			if (r->e[i].src == src) {
				rankings_remove(r, i);
			}
		}
	}
	rankings_update(r, v->u.s.ptr, v->u.s.len, count->u.i64, src);
}

static void
rankings_cleanup(void *self, gale_collector *c)
{
	(void) c;
	rankings *r = self;
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].value);
	}
	free(r->e);
	free(r->line);
	r->e    = NULL;
	r->line = NULL;
	r->n    = 0;
}

static const gale_option_decl rankings_options[] = {
	{ "top", GALE_OPTION_INT, "10", "how many entries a ranking keeps" },
	{ "field", GALE_OPTION_STRING, "value", "the field naming an entry" },
	{ "count_field", GALE_OPTION_STRING, "count",
	    "the field holding its count" },
	{ "print", GALE_OPTION_BOOL, "false", "print each ranking on stdout" },
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops rankings_ops = {
	.size    = sizeof(rankings),
	.outputs = rankings_outputs,
	.prepare = rankings_prepare,
	.execute = rankings_execute,
	.cleanup = rankings_cleanup,
	.options = rankings_options,
};

const gale_component gale__bolt_rankings = { .bolt = &rankings_ops };
