// SPDX-License-Identifier: MIT
// log.c - the built-in bolt log, written against the public API only.

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "components/log.h"

// A logged line holds at most this many bytes of values; longer ones end
// with "...".
#define LOG_LINE_MAX 1024

typedef struct log_bolt {
	const gale_context *ctx;
	gale_log_level      level;
	char                line[LOG_LINE_MAX + 4];
} log_bolt;

static gale_err
log_prepare(void *self, gale_context *ctx)
{
	log_bolt   *b     = self;
	const char *level = gale_context_option(ctx, "level");
	b->ctx            = ctx;
	b->level          = GALE_LOG_INFO;
	if (level == NULL || strcmp(level, "info") == 0) {
		return GALE_OK;
	}
	if (strcmp(level, "error") == 0) {
		b->level = GALE_LOG_ERROR;
	} else if (strcmp(level, "warn") == 0) {
		b->level = GALE_LOG_WARN;
	} else if (strcmp(level, "debug") == 0) {
		b->level = GALE_LOG_DEBUG;
	} else {
		gale_context_error(ctx,
		    "option 'level': '%s' is not one of error, warn, info, "
		    "debug",
		    level);
		return GALE_EINVAL;
	}
	return GALE_OK;
}

// Appends one value to the line at *used; false once the line is full.
static bool
log_value(char *line, size_t *used, const gale_value *v)
{
	size_t left = LOG_LINE_MAX - *used;
	int    w    = 0;
	switch (v->type) {
	case GALE_STR: {
		// Control characters would break the one-line form.
		size_t n        = 0;
		line[(*used)++] = '"';
		for (; n < v->u.s.len && *used < LOG_LINE_MAX; n++) {
			unsigned char ch = (unsigned char) v->u.s.ptr[n];
			line[(*used)++]
			    = ch < 0x20 || ch == 0x7f ? '?' : (char) ch;
		}
		if (*used < LOG_LINE_MAX) {
			line[(*used)++] = '"';
		}
		return n == v->u.s.len && *used < LOG_LINE_MAX;
	}
	case GALE_BYTES:
		w = snprintf(line + *used, left, "<%zu bytes>", v->u.s.len);
		break;
	case GALE_I64:
		w = snprintf(line + *used, left, "%" PRId64, v->u.i64);
		break;
	case GALE_F64:
		w = snprintf(line + *used, left, "%g", v->u.f64);
		break;
	case GALE_BOOL:
		w = snprintf(
		    line + *used, left, "%s", v->u.b ? "true" : "false");
		break;
	default:
		w = snprintf(line + *used, left, "null");
		break;
	}
	if (w < 0 || (size_t) w >= left) {
		*used = LOG_LINE_MAX;
		return false;
	}
	*used += (size_t) w;
	return true;
}

static void
log_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	log_bolt *b    = self;
	size_t    used = 0;
	bool      full = false;
	b->line[0]     = '\0';
	for (size_t i = 0; i < gale_tuple_size(t) && !full; i++) {
		if (i > 0) {
			used += (size_t) snprintf(
			    b->line + used, LOG_LINE_MAX - used, ", ");
		}
		full = used >= LOG_LINE_MAX - 2
		    || !log_value(b->line, &used, gale_tuple_get(t, i));
	}
	if (full) {
		used = used > LOG_LINE_MAX ? LOG_LINE_MAX : used;
		memcpy(b->line + used, "...", 4);
	} else {
		b->line[used] = '\0';
	}
	gale_log(b->ctx, b->level, "%s:%" PRIu32 " %s [%s]",
	    gale_tuple_source(t), gale_tuple_source_task(t),
	    gale_tuple_stream(t), b->line);
	gale_ack(c, t);
}

static const gale_option_decl log_options[] = {
	{ "level", GALE_OPTION_STRING, "info",
	    "the level of each line: error, warn, info or debug" },
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops log_ops = {
	.size    = sizeof(log_bolt),
	.outputs = NULL,
	.prepare = log_prepare,
	.execute = log_execute,
	.options = log_options,
};

const gale_component gale__bolt_log = { .bolt = &log_ops };
