// SPDX-License-Identifier: MIT
// yaml_json.c - YAML nodes written as JSON, through jansson.

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topology/yaml_json.h"

// Integers as YAML's core schema writes them: decimal with an optional
// sign.
static bool
json_is_int_text(const char *s, json_int_t *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+') {
		p++;
	}
	if (*p == '\0') {
		return false;
	}
	for (const char *c = p; *c != '\0'; c++) {
		if (*c < '0' || *c > '9') {
			return false;
		}
	}
	errno         = 0;
	char     *end = NULL;
	long long v   = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		return false;
	}
	*out = (json_int_t) v;
	return true;
}

// Floats: digits with a point or an exponent (no inf or nan: JSON has
// none).
static bool
json_is_float_text(const char *s, double *out)
{
	const char *p      = s;
	bool        digits = false;
	bool        marker = false;
	if (*p == '-' || *p == '+') {
		p++;
	}
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			digits = true;
		} else if (*p == '.' || *p == 'e' || *p == 'E') {
			marker = true;
		} else if (!((*p == '-' || *p == '+')
			       && (p[-1] == 'e' || p[-1] == 'E'))) {
			return false;
		}
	}
	if (!digits || !marker) {
		return false;
	}
	char *end = NULL;
	errno     = 0;
	double v  = strtod(s, &end);
	if (errno != 0 || *end != '\0') {
		return false;
	}
	*out = v;
	return true;
}

static json_t *
json_scalar(const gale_yaml_node *n)
{
	if (n->is_null) {
		return json_null();
	}
	if (n->plain) {
		json_int_t i;
		double     f;
		if (strcmp(n->str, "true") == 0 || strcmp(n->str, "True") == 0
		    || strcmp(n->str, "TRUE") == 0) {
			return json_true();
		}
		if (strcmp(n->str, "false") == 0
		    || strcmp(n->str, "False") == 0
		    || strcmp(n->str, "FALSE") == 0) {
			return json_false();
		}
		if (json_is_int_text(n->str, &i)) {
			return json_integer(i);
		}
		if (json_is_float_text(n->str, &f)) {
			return json_real(f);
		}
	}
	return json_stringn(n->str, n->len);
}

static json_t *
json_node(const gale_yaml_node *n)
{
	switch (n->kind) {
	case GALE_YAML_SCALAR:
		return json_scalar(n);
	case GALE_YAML_SEQ: {
		json_t *a = json_array();
		for (size_t i = 0; a != NULL && i < n->n; i++) {
			json_t *v = json_node(n->kids[i]);
			if (v == NULL || json_array_append_new(a, v) != 0) {
				json_decref(a);
				a = NULL;
			}
		}
		return a;
	}
	case GALE_YAML_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; o != NULL && i + 1 < n->n; i += 2) {
			const gale_yaml_node *k = n->kids[i];
			if (k->kind != GALE_YAML_SCALAR) {
				continue; // reported when the tree was built
			}
			json_t *v = json_node(n->kids[i + 1]);
			if (v == NULL
			    || json_object_setn_new(o, k->str, k->len, v)
				!= 0) {
				json_decref(o);
				o = NULL;
			}
		}
		return o;
	}
	case GALE_YAML_BAD:
		break;
	}
	return NULL;
}

char *
gale__yaml_json(const gale_yaml_node *n)
{
	json_t *j = json_node(n);
	if (j == NULL) {
		return NULL;
	}
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

typedef struct flow_buf {
	char  *s;
	size_t len;
	size_t cap;
	bool   oom;
} flow_buf;

static void
flow_put(flow_buf *b, const char *s, size_t n)
{
	if (b->oom) {
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1) {
			cap *= 2;
		}
		char *g = realloc(b->s, cap);
		if (g == NULL) {
			b->oom = true;
			return;
		}
		b->s   = g;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

// A scalar: plain numbers and booleans keep their text unquoted, so that
// they read back plain and typed alike; everything else is a JSON string,
// which YAML reads as a double-quoted scalar with the same text.
static void
flow_scalar(flow_buf *b, const gale_yaml_node *n)
{
	if (n->is_null) {
		flow_put(b, "null", 4);
		return;
	}
	if (n->plain) {
		json_t *typed = json_scalar(n);
		bool    raw   = typed != NULL && !json_is_string(typed);
		json_decref(typed);
		if (raw) {
			flow_put(b, n->str, n->len);
			return;
		}
	}
	json_t *j = json_stringn(n->str, n->len);
	char   *s = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (s == NULL) {
		b->oom = true;
		return;
	}
	flow_put(b, s, strlen(s));
	free(s);
}

static void
flow_node(flow_buf *b, const gale_yaml_node *n, int depth)
{
	static const char pad[] = "\n                                "
				  "                                ";
	size_t            ind   = 1 + 2 * (size_t) (depth + 1);
	if (ind > sizeof(pad) - 1) {
		ind = sizeof(pad) - 1;
	}
	switch (n->kind) {
	case GALE_YAML_SCALAR:
		flow_scalar(b, n);
		return;
	case GALE_YAML_SEQ:
	case GALE_YAML_MAP: {
		bool   map  = n->kind == GALE_YAML_MAP;
		size_t step = map ? 2 : 1;
		flow_put(b, map ? "{" : "[", 1);
		for (size_t i = 0; i + step - 1 < n->n; i += step) {
			if (map && n->kids[i]->kind != GALE_YAML_SCALAR) {
				continue;
			}
			flow_put(b, i ? "," : "", i ? 1 : 0);
			flow_put(b, pad, ind);
			flow_node(b, n->kids[i], depth + 1);
			if (map) {
				flow_put(b, ": ", 2);
				flow_node(b, n->kids[i + 1], depth + 1);
			}
		}
		flow_put(b, map ? "}" : "]", 1);
		return;
	}
	case GALE_YAML_BAD:
		break;
	}
	flow_put(b, "null", 4);
}

char *
gale__yaml_flow_text(const gale_yaml_node *n)
{
	flow_buf b = { 0 };
	if (n == NULL) {
		flow_put(&b, "", 0);
	} else {
		flow_node(&b, n, -1);
		flow_put(&b, "\n", 1);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
