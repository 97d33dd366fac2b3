// SPDX-License-Identifier: MIT
// kafka_topics.c - the topic names of a Kafka option, from one name, a
// comma-separated text or a list.

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/kafka_topics.h"

typedef struct topics {
	char **names;
	size_t n;
	char  *why;
	size_t whylen;
} topics;

static gale_err
topics_add(topics *t, const char *name, size_t len)
{
	if (len == 0) {
		snprintf(t->why, t->whylen, "an empty topic name");
		return GALE_EINVAL;
	}
	char **nn = realloc(t->names, (t->n + 1) * sizeof(*nn));
	if (nn == NULL) {
		return GALE_ENOMEM;
	}
	t->names = nn;
	char *s  = strndup(name, len);
	if (s == NULL) {
		return GALE_ENOMEM;
	}
	t->names[t->n++] = s;
	return GALE_OK;
}

// Adds the names separated by commas in text[0 .. len - 1], each trimmed
// of spaces.
static gale_err
topics_split(topics *t, const char *text, size_t len)
{
	const char *end = text + len;
	for (const char *p = text;;) {
		const char *comma = memchr(p, ',', (size_t) (end - p));
		const char *b     = p;
		const char *e     = comma != NULL ? comma : end;
		while (b < e && *b == ' ') {
			b++;
		}
		while (e > b && e[-1] == ' ') {
			e--;
		}
		gale_err rv = topics_add(t, b, (size_t) (e - b));
		if (rv != GALE_OK || comma == NULL) {
			return rv;
		}
		p = comma + 1;
	}
}

// Adds the names of a JSON list of strings.
static gale_err
topics_json(topics *t, json_t *arr)
{
	size_t  i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v)) {
			snprintf(t->why, t->whylen,
			    "item %zu of the list is not a topic name", i + 1);
			return GALE_EINVAL;
		}
		gale_err rv = topics_add(
		    t, json_string_value(v), json_string_length(v));
		if (rv != GALE_OK) {
			return rv;
		}
	}
	return GALE_OK;
}

gale_err
gale__kafka_topics_parse(
    const char *text, char ***out, size_t *n, char *why, size_t whylen)
{
	topics   t    = { NULL, 0, why, whylen };
	size_t   tlen = strlen(text);
	gale_err rv;
	json_t  *arr = text[0] == '[' ? json_loads(text, 0, NULL) : NULL;
	if (arr != NULL && json_is_array(arr) && json_array_size(arr) > 0) {
		rv = topics_json(&t, arr);
	} else if (text[0] == '[' && tlen > 2 && text[tlen - 1] == ']') {
		rv = topics_split(&t, text + 1, tlen - 2);
	} else if (text[0] == '[') {
		snprintf(why, whylen,
		    "a topic name or a list of them is wanted, not %s", text);
		rv = GALE_EINVAL;
	} else {
		rv = topics_split(&t, text, tlen);
	}
	json_decref(arr);
	if (rv != GALE_OK) {
		gale__kafka_topics_free(&t.names, &t.n);
		if (rv == GALE_ENOMEM) {
			snprintf(why, whylen, "out of memory");
		}
		return rv;
	}
	*out = t.names;
	*n   = t.n;
	return GALE_OK;
}

void
gale__kafka_topics_free(char ***out, size_t *n)
{
	for (size_t i = 0; *out != NULL && i < *n; i++) {
		free((*out)[i]);
	}
	free(*out);
	*out = NULL;
	*n   = 0;
}
