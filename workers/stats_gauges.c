// SPDX-License-Identifier: MIT
// stats_gauges.c - the named gauges of typed stats, summed per component,
// as JSON and as lag lines under the stats table.

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "workers/stats_gauges.h"

// One lag gauge, summed over the tasks that report it.
typedef struct gauges_lag {
	char    topic[GALE_GAUGE_NAME_MAX];
	int32_t partition;
	int64_t lag;
} gauges_lag;

bool
gale__stats_lag_parse(
    const char *name, char *topic, size_t cap, int32_t *partition)
{
	assert(name != NULL && topic != NULL && cap > 0 && partition != NULL);
	if (strncmp(name, "lag.", 4) != 0) {
		return false;
	}
	const char *t   = name + 4;
	const char *dot = strrchr(t, '.');
	if (dot == NULL || dot == t || dot[1] == '\0') {
		return false;
	}
	uint64_t p;
	char     why[64];
	if (gale__parse_u64(dot + 1, INT32_MAX, &p, why, sizeof(why))
	    != GALE_OK) {
		return false;
	}
	size_t len = (size_t) (dot - t);
	if (len >= cap) {
		len = cap - 1;
	}
	memcpy(topic, t, len);
	topic[len] = '\0';
	*partition = (int32_t) p;
	return true;
}

static int
gauges_lag_cmp(const void *a, const void *b)
{
	const gauges_lag *x = a, *y = b;
	int               c = strcmp(x->topic, y->topic);
	if (c != 0) {
		return c;
	}
	return (x->partition > y->partition) - (x->partition < y->partition);
}

// The lag gauges of component id, summed by topic and partition and
// sorted; *n of them. NULL with *n == 0 when there are none, or when out of
// memory (*oom set).
static gauges_lag *
gauges_lags(const gale_topology_stats *r, const char *id, size_t *n, bool *oom)
{
	gauges_lag *out = NULL;
	size_t      cap = 0;
	*n              = 0;
	*oom            = false;
	for (size_t i = 0; i < r->ntasks; i++) {
		const gale_task_snapshot *t = &r->tasks[i];
		if (strcmp(t->component, id) != 0) {
			continue;
		}
		for (uint32_t g = 0; g < t->ngauges && g < GALE_GAUGES_MAX;
		     g++) {
			gauges_lag l;
			if (!gale__stats_lag_parse(t->gauges[g].name, l.topic,
				sizeof(l.topic), &l.partition)) {
				continue;
			}
			size_t k = 0;
			while (k < *n
			    && (out[k].partition != l.partition
				|| strcmp(out[k].topic, l.topic) != 0)) {
				k++;
			}
			if (k == *n) {
				if (*n == cap) {
					size_t      nc = cap ? cap * 2 : 16;
					gauges_lag *na
					    = realloc(out, nc * sizeof(*out));
					if (na == NULL) {
						free(out);
						*n   = 0;
						*oom = true;
						return NULL;
					}
					out = na;
					cap = nc;
				}
				l.lag       = 0;
				out[(*n)++] = l;
			}
			out[k].lag += t->gauges[g].value;
		}
	}
	if (*n > 1) {
		qsort(out, *n, sizeof(*out), gauges_lag_cmp);
	}
	return out;
}

bool
gale__stats_gauges_json(
    json_t *o, const gale_topology_stats *r, const char *id)
{
	assert(o != NULL && r != NULL && id != NULL);
	json_t *sums = json_object();
	bool    ok   = sums != NULL;
	for (size_t i = 0; ok && i < r->ntasks; i++) {
		const gale_task_snapshot *t = &r->tasks[i];
		if (strcmp(t->component, id) != 0) {
			continue;
		}
		for (uint32_t g = 0;
		     ok && g < t->ngauges && g < GALE_GAUGES_MAX; g++) {
			// Names are the task's own bytes: kept only when they
			// are text JSON can carry.
			const char *name = t->gauges[g].name;
			json_t     *was  = json_object_get(sums, name);
			json_int_t  v    = (json_int_t) t->gauges[g].value;
			if (was != NULL) {
				ok = json_integer_set(
					 was, json_integer_value(was) + v)
				    == 0;
			} else {
				(void) json_object_set_new(
				    sums, name, json_integer(v));
			}
		}
	}
	if (ok && json_object_size(sums) > 0) {
		ok = json_object_set(o, "gauges", sums) == 0;
	}
	json_decref(sums);
	size_t      n;
	bool        oom;
	gauges_lag *lags = gauges_lags(r, id, &n, &oom);
	ok               = ok && !oom;
	if (ok && n > 0) {
		json_t *arr = json_array();
		ok          = arr != NULL;
		for (size_t i = 0; ok && i < n; i++) {
			json_t *l = json_pack("{s:s, s:i, s:I}", "topic",
			    lags[i].topic, "partition",
			    (int) lags[i].partition, "lag",
			    (json_int_t) lags[i].lag);
			ok = l != NULL && json_array_append_new(arr, l) == 0;
		}
		ok = ok && json_object_set(o, "lag", arr) == 0;
		json_decref(arr);
	}
	free(lags);
	return ok;
}

// Appends text to the malloc'ed *buf of *len bytes; false when out of
// memory (*buf is then freed).
static bool
gauges_append(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t n = strlen(text);
	if (*len + n + 1 > *cap) {
		size_t nc = (*len + n + 1) * 2;
		char  *nb = realloc(*buf, nc);
		if (nb == NULL) {
			free(*buf);
			*buf = NULL;
			return false;
		}
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, text, n + 1);
	*len += n;
	return true;
}

// Copies s to out with control characters shown as '?'.
static void
gauges_clean(char *out, size_t cap, const char *s)
{
	snprintf(out, cap, "%s", s);
	for (char *p = out; *p != '\0'; p++) {
		if ((unsigned char) *p < 0x20 || *p == 0x7f) {
			*p = '?';
		}
	}
}

char *
gale__stats_lag_lines(const gale_topology_stats *r)
{
	assert(r != NULL);
	size_t len = 0, cap = 64;
	char  *buf = malloc(cap);
	if (buf == NULL) {
		return NULL;
	}
	buf[0] = '\0';
	for (size_t ci = 0; ci < r->ncomponents; ci++) {
		size_t      n;
		bool        oom;
		gauges_lag *lags
		    = gauges_lags(r, r->components[ci].id, &n, &oom);
		if (oom) {
			free(buf);
			return NULL;
		}
		bool one_topic = true;
		for (size_t i = 1; i < n; i++) {
			one_topic = one_topic
			    && strcmp(lags[i].topic, lags[0].topic) == 0;
		}
		char cell[GALE_WIRE_ID_MAX + GALE_GAUGE_NAME_MAX + 48];
		char name[GALE_WIRE_ID_MAX];
		bool ok = true;
		if (n > 0) {
			gauges_clean(name, sizeof(name), r->components[ci].id);
			snprintf(cell, sizeof(cell), "%s lag:", name);
			ok = gauges_append(&buf, &len, &cap, cell);
		}
		for (size_t i = 0; ok && i < n; i++) {
			char topic[GALE_GAUGE_NAME_MAX];
			gauges_clean(topic, sizeof(topic), lags[i].topic);
			snprintf(cell, sizeof(cell),
			    " %s%sp%" PRId32 "=%" PRId64,
			    one_topic ? "" : topic, one_topic ? "" : ":",
			    lags[i].partition, lags[i].lag);
			ok = gauges_append(&buf, &len, &cap, cell);
		}
		ok = ok && (n == 0 || gauges_append(&buf, &len, &cap, "\n"));
		free(lags);
		if (!ok) {
			return NULL;
		}
	}
	return buf;
}
