// SPDX-License-Identifier: MIT
// tuple.c - the tuple a bolt receives, and the public functions that read
// it.

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/tuple.h"

size_t
gale_tuple_size(const gale_tuple *t)
{
	return t->nvalues;
}

const gale_value *
gale_tuple_get(const gale_tuple *t, size_t i)
{
	return i < t->nvalues ? &t->values[i] : NULL;
}

const gale_value *
gale_tuple_field(const gale_tuple *t, const char *name)
{
	if (t->decl == NULL || t->decl->fields == NULL) {
		return NULL;
	}
	for (size_t i = 0; t->decl->fields[i] != NULL && i < t->nvalues; i++) {
		if (strcmp(t->decl->fields[i], name) == 0) {
			return &t->values[i];
		}
	}
	return NULL;
}

const char *
gale_tuple_stream(const gale_tuple *t)
{
	return t->decl != NULL && t->decl->stream != NULL
	    ? t->decl->stream
	    : GALE_DEFAULT_STREAM;
}

// Task ids start at 1: task 0 is the runtime itself, which sends ticks.
bool
gale_tuple_is_tick(const gale_tuple *t)
{
	return t->src_task == 0;
}

const char *
gale_tuple_source(const gale_tuple *t)
{
	if (t->src_task == 0) {
		return "__system";
	}
	const gale_plan *p = t->plan;
	return gale_plan_component_id(
	    p, gale_plan_task_component(p, t->src_task));
}

uint32_t
gale_tuple_source_task(const gale_tuple *t)
{
	return t->src_task;
}

// Appends to buf at *at, cut at len; *at stops at len - 1 once full.
static void tuple_append(char *buf, size_t len, size_t *at, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
tuple_append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	if (*at + 1 >= len) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (w > 0) {
		*at = *at + (size_t) w < len ? *at + (size_t) w : len - 1;
	}
}

char *
gale__tuple_format_values(
    char *buf, size_t len, const gale_value *values, size_t n)
{
	size_t at = 0;
	if (len == 0) {
		return buf;
	}
	buf[0] = '\0';
	tuple_append(buf, len, &at, "[");
	for (size_t i = 0; i < n; i++) {
		const gale_value *v   = &values[i];
		const char       *sep = i > 0 ? ", " : "";
		switch (v->type) {
		case GALE_STR:
			tuple_append(buf, len, &at, "%s%.*s", sep,
			    (int) v->u.s.len, v->u.s.ptr);
			break;
		case GALE_I64:
			tuple_append(
			    buf, len, &at, "%s%" PRId64, sep, v->u.i64);
			break;
		case GALE_F64:
			tuple_append(buf, len, &at, "%s%g", sep, v->u.f64);
			break;
		case GALE_BOOL:
			tuple_append(buf, len, &at, "%s%s", sep,
			    v->u.b ? "true" : "false");
			break;
		case GALE_BYTES:
			tuple_append(
			    buf, len, &at, "%s<%zu bytes>", sep, v->u.s.len);
			break;
		default:
			tuple_append(buf, len, &at, "%s?", sep);
			break;
		}
	}
	tuple_append(buf, len, &at, "]");
	return buf;
}
