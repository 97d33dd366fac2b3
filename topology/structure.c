// SPDX-License-Identifier: MIT
// structure.c - the checks of a definition's shape that need the whole
// model: ids, stream endpoints, inputs, subscriptions and cycles.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/ids.h"
#include "topology/parser.h"
#include "topology/structure.h"
#include "topology/suggest.h"

typedef struct sub_entry {
	const char *from;
	const char *to;
	const char *stream;
	size_t      idx;
} sub_entry;

typedef struct structure {
	gale_report         *r;
	const gale_topology *t;
	gale_ids            *ids;
	bool                 oom;
} structure;

static int
structure_sub_cmp(const void *a, const void *b)
{
	const sub_entry *x = a;
	const sub_entry *y = b;
	int              c = strcmp(x->from, y->from);
	if (c == 0) {
		c = strcmp(x->to, y->to);
	}
	if (c == 0) {
		c = strcmp(x->stream, y->stream);
	}
	if (c == 0) {
		c = x->idx < y->idx ? -1 : (x->idx > y->idx);
	}
	return c;
}

static bool
structure_same_sub(const sub_entry *x, const sub_entry *y)
{
	return strcmp(x->from, y->from) == 0 && strcmp(x->to, y->to) == 0
	    && strcmp(x->stream, y->stream) == 0;
}

static void
structure_unknown(structure *st, const char *id, const gale_where *at,
    const char *label, const char *key)
{
	gale_report *r = st->r;
	if (gale__report_muted(r)) {
		gale__report_skip(r);
		return;
	}
	gale_suggest s;
	gale__suggest_init(&s, id);
	for (size_t i = 0; i < gale__ids_count(st->ids); i++) {
		gale__suggest_add(&s, gale__ids_name(st->ids, i));
	}
	gale__report_error(r, at, "%s: '%s' names no spout or bolt: '%s'%s",
	    label, key, gale__report_show(r, id),
	    gale__report_hint(r, gale__suggest_best(&s)));
}

static void
structure_label(
    char *buf, size_t cap, gale_report *r, const gale_stream_def *s)
{
	snprintf(buf, cap, "stream '%s' -> '%s'",
	    gale__report_show(r, s->from), gale__report_show(r, s->to));
}

// Reports a cycle closed by stream k: the components stack[first ..
// depth) and back to the first of them.
static void
structure_report_cycle(
    structure *st, const size_t *stack, size_t first, size_t depth, size_t k)
{
	const gale_topology *t = st->t;
	char                 path[640];
	size_t               used = 0;
	bool                 cut  = false;
	for (size_t i = first; i < depth && !cut; i++) {
		int w = snprintf(path + used, sizeof(path) - used, "%s -> ",
		    t->components[stack[i]].id);
		if (w < 0 || (size_t) w >= sizeof(path) - used - 8) {
			snprintf(path + used, sizeof(path) - used, "... -> ");
			cut = true;
		} else {
			used += (size_t) w;
		}
	}
	gale__report_error(st->r, &gale__topology_stream_marks(t, k)->to,
	    "cycle: %s%s (every cycle is refused: a topology drains by "
	    "end-of-stream markers in topological order)",
	    path, t->components[stack[first]].id);
}

// Reports every cycle among the bolts, with an iterative depth-first search
// (a long chain of bolts must not exhaust the C stack). edges[start[i] ..
// start[i + 1]) are the indexes of the streams leaving component i; to[k]
// is the target of stream k.
static void
structure_cycles(
    structure *st, const size_t *start, const size_t *edges, const size_t *to)
{
	size_t n = st->t->ncomponents;
	// color: 0 unvisited, 1 on the stack, 2 done.
	unsigned char *color = calloc(n + 1, 1);
	size_t        *stack = calloc(n + 1, sizeof(size_t));
	size_t        *next  = calloc(n + 1, sizeof(size_t));
	size_t        *pos   = calloc(n + 1, sizeof(size_t));
	if (color == NULL || stack == NULL || next == NULL || pos == NULL) {
		st->oom = true;
		goto out;
	}
	for (size_t root = 0; root < n; root++) {
		if (color[root] != 0) {
			continue;
		}
		size_t depth   = 0;
		stack[depth++] = root;
		color[root]    = 1;
		pos[root]      = 0;
		next[root]     = start[root];
		while (depth > 0) {
			size_t u = stack[depth - 1];
			if (next[u] == start[u + 1]) {
				color[u] = 2;
				depth--;
				continue;
			}
			size_t k = edges[next[u]++];
			size_t v = to[k];
			if (color[v] == 0) {
				color[v]       = 1;
				pos[v]         = depth;
				next[v]        = start[v];
				stack[depth++] = v;
			} else if (color[v] == 1) {
				structure_report_cycle(
				    st, stack, pos[v], depth, k);
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
	free(pos);
}

// Reports every id used twice; spouts and bolts share one space.
static void
structure_duplicate_ids(structure *st)
{
	const gale_topology *t     = st->t;
	const gale_ids      *ids   = st->ids;
	size_t               first = 0;
	for (size_t i = 1; i < gale__ids_count(ids); i++) {
		if (strcmp(gale__ids_name(ids, first), gale__ids_name(ids, i))
		    != 0) {
			first = i;
			continue;
		}
		size_t                    at = gale__ids_at(ids, i);
		const gale_component_def *c  = &t->components[at];
		const gale_where         *w  = &gale__topology_component_marks(
			     t, gale__ids_at(ids, first))
					   ->id;
		gale__report_error(st->r,
		    &gale__topology_component_marks(t, at)->id,
		    "%s '%s': duplicate id (first at line %d, column %d); "
		    "spouts and bolts share one set of ids",
		    c->is_spout ? "spout" : "bolt", c->id, w->line, w->col);
	}
}

gale_err
gale__structure_check(const gale_topology *t, gale_report *r)
{
	structure  st    = { .r = r, .t = t };
	size_t     n     = t->ncomponents;
	size_t     ns    = t->nstreams;
	size_t    *to    = calloc(ns + 1, sizeof(size_t));
	size_t    *from  = calloc(ns + 1, sizeof(size_t));
	size_t    *start = calloc(n + 2, sizeof(size_t));
	size_t    *fill  = calloc(n + 1, sizeof(size_t));
	size_t    *edges = calloc(ns + 1, sizeof(size_t));
	size_t    *nin   = calloc(n + 1, sizeof(size_t));
	sub_entry *subs  = calloc(ns + 1, sizeof(sub_entry));
	if (gale__ids_new(&st.ids, t) != GALE_OK || to == NULL || from == NULL
	    || start == NULL || fill == NULL || edges == NULL || nin == NULL
	    || subs == NULL) {
		st.oom = true;
		goto out;
	}
	structure_duplicate_ids(&st);

	// Stream endpoints.
	bool   broken = false; // a stream without a target was reported
	size_t nsubs  = 0;
	for (size_t k = 0; k < ns; k++) {
		const gale_stream_def   *s = &t->streams[k];
		const gale_stream_marks *m = gale__topology_stream_marks(t, k);
		to[k]                      = SIZE_MAX;
		from[k]                    = SIZE_MAX;
		if (s->from == NULL || s->to == NULL) {
			broken = broken || s->to == NULL;
			continue;
		}
		char label[160];
		structure_label(label, sizeof(label), r, s);
		size_t f = gale__ids_find(st.ids, s->from);
		size_t d = gale__ids_find(st.ids, s->to);
		if (f == SIZE_MAX) {
			structure_unknown(
			    &st, s->from, &m->from, label, "from");
		}
		if (d == SIZE_MAX) {
			structure_unknown(&st, s->to, &m->to, label, "to");
			broken = true;
		} else if (t->components[d].is_spout) {
			gale__report_error(r, &m->to,
			    "%s: '%s' is a spout; streams may only go to "
			    "bolts",
			    label, s->to);
			d = SIZE_MAX;
		} else {
			nin[d]++;
		}
		if (f != SIZE_MAX && d != SIZE_MAX) {
			from[k] = f;
			to[k]   = d;
			subs[nsubs++]
			    = (sub_entry) { s->from, s->to, s->stream, k };
		}
	}

	// A bolt without input would never receive a tuple. When a stream
	// lost its target to an earlier error, that may be the cause, and the
	// earlier message says so.
	for (size_t i = 0; i < n && !broken; i++) {
		const gale_component_def *c = &t->components[i];
		if (!c->is_spout && c->id != NULL && nin[i] == 0) {
			gale__report_error(r,
			    &gale__topology_component_marks(t, i)->id,
			    "bolt '%s' has no input stream; add a stream with "
			    "'to: %s'",
			    c->id, c->id);
		}
	}

	// Two subscriptions of one bolt to the same stream would deliver
	// every tuple twice.
	qsort(subs, nsubs, sizeof(sub_entry), structure_sub_cmp);
	size_t first = 0;
	for (size_t i = 1; i < nsubs; i++) {
		if (!structure_same_sub(&subs[first], &subs[i])) {
			first = i;
			continue;
		}
		char label[160];
		structure_label(
		    label, sizeof(label), r, &t->streams[subs[i].idx]);
		const gale_where *w = &t->streams[subs[first].idx].where;
		gale__report_error(r, &t->streams[subs[i].idx].where,
		    "%s: a second subscription to stream '%s' (first at line "
		    "%d, column %d)",
		    label, gale__report_show(r, subs[i].stream), w->line,
		    w->col);
	}

	// Cycles, over an adjacency list in compressed form.
	for (size_t k = 0; k < ns; k++) {
		if (to[k] != SIZE_MAX) {
			start[from[k] + 1]++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		start[i + 1] += start[i];
	}
	for (size_t k = 0; k < ns; k++) {
		if (to[k] != SIZE_MAX) {
			edges[start[from[k]] + fill[from[k]]++] = k;
		}
	}
	structure_cycles(&st, start, edges, to);

out:
	gale__ids_destroy(&st.ids);
	free(to);
	free(from);
	free(start);
	free(fill);
	free(edges);
	free(nin);
	free(subs);
	return st.oom ? GALE_ENOMEM : GALE_OK;
}
