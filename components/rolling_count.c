// SPDX-License-Identifier: MIT
// rolling_count.c - the rolling_count windowed bolt: counts kept up to date
// from what enters and leaves the window, not recounted at each slide.

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "components/rolling_count.h"
#include "components/wordcount.h"
#include "gale.h"

typedef struct rolling_count {
	const gale_context *ctx;
	const char         *field; // NULL: the first value
	gale_wc            *counts; // every value seen, 0 once it left
	size_t              zeros; // values at 0 in counts, last seen
	bool                warned;
} rolling_count;

static const char *const rolling_fields[]
    = { "value", "count", "window_end", NULL };
static const gale_stream_decl rolling_outputs[] = {
	{ "default", rolling_fields },
	{ NULL, NULL },
};

static gale_err
rolling_prepare(void *self, gale_context *ctx)
{
	rolling_count *r = self;
	r->ctx           = ctx;
	r->field         = gale_context_option(ctx, "field");
	return gale__wc_new(&r->counts);
}

// The counted value of t as text in buf; false when t has none.
static bool
rolling_key(rolling_count *r, const gale_tuple *t, char *buf, size_t cap,
    const char **key, size_t *len)
{
	const gale_value *v = r->field != NULL ? gale_tuple_field(t, r->field)
					       : gale_tuple_get(t, 0);
	if (v != NULL && (v->type == GALE_STR || v->type == GALE_BYTES)) {
		*key = v->u.s.ptr;
		*len = v->u.s.len;
		return true;
	}
	if (v != NULL && v->type == GALE_I64) {
		int n = snprintf(buf, cap, "%" PRId64, v->u.i64);
		*key  = buf;
		*len  = (size_t) n;
		return true;
	}
	if (!r->warned) {
		r->warned = true;
		gale_log(r->ctx, GALE_LOG_WARN,
		    "tuples from %s have no string or integer %s%s%s: not "
		    "counted",
		    gale_tuple_source(t), r->field ? "field '" : "value 0",
		    r->field ? r->field : "", r->field ? "'" : "");
	}
	return false;
}

static void
rolling_apply(
    rolling_count *r, const gale_tuple *const *ts, size_t n, int64_t delta)
{
	char buf[32];
	for (size_t i = 0; i < n; i++) {
		const char *key;
		size_t      len;
		if (rolling_key(r, ts[i], buf, sizeof(buf), &key, &len)) {
			gale__wc_add(r->counts, key, len, delta, NULL);
		}
	}
}

// Drops the values at 0, which were reported as such, once they outnumber
// the others: the table holds what the window holds, not every value ever
// seen.
static void
rolling_compact(rolling_count *r)
{
	if (r->zeros < 1024 || r->zeros < gale__wc_size(r->counts) / 2) {
		return;
	}
	gale_wc *fresh;
	if (gale__wc_new(&fresh) != GALE_OK) {
		return;
	}
	size_t      cursor = 0;
	const char *word;
	size_t      len;
	int64_t     count;
	while (gale__wc_iter(r->counts, &cursor, &word, &len, &count)) {
		if (count != 0
		    && gale__wc_add(fresh, word, len, count, NULL)
			!= GALE_OK) {
			gale__wc_destroy(&fresh);
			return;
		}
	}
	gale__wc_destroy(&r->counts);
	r->counts = fresh;
	r->zeros  = 0;
}

static void
rolling_execute_window(void *self, const gale_window *w, gale_collector *c)
{
	rolling_count           *r = self;
	size_t                   nnew, nexp;
	const gale_tuple *const *fresh = gale_window_new_tuples(w, &nnew);
	const gale_tuple *const *expired
	    = gale_window_expired_tuples(w, &nexp);
	rolling_apply(r, expired, nexp, -1);
	rolling_apply(r, fresh, nnew, 1);
	// Those at 0 now are emitted as 0 once: the next activation finds
	// them at 0 again but has not touched them, unless they come back.
	gale_wc *left;
	if (gale__wc_new(&left) != GALE_OK) {
		return;
	}
	char buf[32];
	for (size_t i = 0; i < nexp; i++) {
		const char *key;
		size_t      len;
		if (rolling_key(r, expired[i], buf, sizeof(buf), &key, &len)
		    && gale__wc_get(r->counts, key, len) == 0) {
			gale__wc_add(left, key, len, 1, NULL);
		}
	}
	int64_t     end    = gale_window_end(w);
	size_t      cursor = 0;
	const char *word;
	size_t      len;
	int64_t     count;
	r->zeros = 0;
	while (gale__wc_iter(r->counts, &cursor, &word, &len, &count)) {
		if (count == 0) {
			r->zeros++;
		}
		if (count == 0 && gale__wc_get(left, word, len) == 0) {
			continue;
		}
		gale_value v[3]
		    = { gale_str(word, len), gale_i64(count), gale_i64(end) };
		if (gale_emit(c, NULL, v, 3, NULL, 0) == GALE_ECLOSED) {
			break;
		}
	}
	gale__wc_destroy(&left);
	rolling_compact(r);
}

static void
rolling_cleanup(void *self, gale_collector *c)
{
	(void) c;
	rolling_count *r = self;
	gale__wc_destroy(&r->counts);
}

static const gale_option_decl rolling_options[] = {
	{ "field", GALE_OPTION_STRING, NULL,
	    "the field whose values are counted; default the first" },
	{ "window", GALE_OPTION_STRING, NULL,
	    "the window's length: a count (1000) or a duration (60s)" },
	{ "slide", GALE_OPTION_STRING, "the window's length",
	    "how far the window moves at each activation" },
	{ "window.*", GALE_OPTION_STRING, NULL,
	    "the other window settings (timestamp_field, lag, ...)" },
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops rolling_ops = {
	.size                 = sizeof(rolling_count),
	.outputs              = rolling_outputs,
	.prepare              = rolling_prepare,
	.execute_window       = rolling_execute_window,
	.cleanup              = rolling_cleanup,
	.window_length_option = "window",
	.window_slide_option  = "slide",
	.options              = rolling_options,
};

const gale_component gale__bolt_rolling_count = { .bolt = &rolling_ops };
