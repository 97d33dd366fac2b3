// SPDX-License-Identifier: MIT
// trace.c - sampled tuple trees, recorded at their acker and printed whole.

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "runtime/trace.h"

#define TRACE_MASK 0xFFFu
#define TRACE_MARK 0x7A5u
#define TRACE_MAX_DEPTH 64

typedef struct trace_edge {
	uint64_t  edge; // 0: the spout's emit
	uint32_t  task;
	uint64_t  time_us;
	uint64_t *children;
	size_t    nchildren;
	bool      failed;
	uint64_t  msg_id;
} trace_edge;

typedef struct trace_tree {
	uint64_t    root; // 0: a free slot
	trace_edge *edges;
	size_t      n, cap;
} trace_tree;

struct gale_trace {
	trace_tree *trees;
	size_t      ntrees;
	size_t      next; // the slot taken next when all are in use
};

bool
gale__trace_sampled(uint64_t root)
{
	return (root & TRACE_MASK) == TRACE_MARK;
}

uint64_t
gale__trace_mark(uint64_t root, bool sampled)
{
	if (sampled) {
		return (root & ~(uint64_t) TRACE_MASK) | TRACE_MARK;
	}
	return gale__trace_sampled(root) ? root ^ 1u : root;
}

uint64_t
gale__trace_now_us(void)
{
	return gale__clock_wall_us();
}

gale_err
gale__trace_new(gale_trace **out, size_t max_trees)
{
	gale_trace *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return GALE_ENOMEM;
	}
	t->ntrees = max_trees ? max_trees : 1;
	t->trees  = calloc(t->ntrees, sizeof(*t->trees));
	if (t->trees == NULL) {
		free(t);
		return GALE_ENOMEM;
	}
	*out = t;
	return GALE_OK;
}

static void
trace_tree_clear(trace_tree *tree)
{
	for (size_t i = 0; i < tree->n; i++) {
		free(tree->edges[i].children);
	}
	free(tree->edges);
	memset(tree, 0, sizeof(*tree));
}

void
gale__trace_destroy(gale_trace **tp)
{
	gale_trace *t = *tp;
	if (t == NULL) {
		return;
	}
	for (size_t i = 0; i < t->ntrees; i++) {
		trace_tree_clear(&t->trees[i]);
	}
	free(t->trees);
	free(t);
	*tp = NULL;
}

static trace_tree *
trace_find(gale_trace *t, uint64_t root, bool create)
{
	trace_tree *free_slot = NULL;
	for (size_t i = 0; i < t->ntrees; i++) {
		if (t->trees[i].root == root) {
			return &t->trees[i];
		}
		if (free_slot == NULL && t->trees[i].root == 0) {
			free_slot = &t->trees[i];
		}
	}
	if (!create) {
		return NULL;
	}
	if (free_slot == NULL) {
		// Full: the oldest tree (timed out, or its ack lost) goes.
		free_slot = &t->trees[t->next];
		t->next   = (t->next + 1) % t->ntrees;
		trace_tree_clear(free_slot);
	}
	free_slot->root = root;
	return free_slot;
}

void
gale__trace_add(gale_trace *t, const gale_item *it)
{
	if (it->root == 0) {
		return;
	}
	trace_tree *tree = trace_find(t, it->root, true);
	if (tree->n == tree->cap) {
		size_t      cap = tree->cap ? tree->cap * 2 : 8;
		trace_edge *e   = realloc(tree->edges, cap * sizeof(*e));
		if (e == NULL) {
			return;
		}
		tree->edges = e;
		tree->cap   = cap;
	}
	trace_edge *e = &tree->edges[tree->n];
	*e            = (trace_edge) { .edge = it->edge,
		           .task           = it->task,
		           .time_us        = it->time_us,
		           .failed         = it->failed,
		           .msg_id         = it->msg_id };
	if (it->nchildren > 0) {
		e->children = malloc(it->nchildren * sizeof(uint64_t));
		if (e->children == NULL) {
			return;
		}
		memcpy(e->children, it->children,
		    it->nchildren * sizeof(uint64_t));
		e->nchildren = it->nchildren;
	}
	tree->n++;
}

static const char *
trace_component(const gale_plan *plan, uint32_t task)
{
	const char *id = plan != NULL
	    ? gale_plan_component_id(plan, gale_plan_task_component(plan, task))
	    : "task";
	return id != NULL ? id : "?";
}

static void
trace_step(gale_trace_record *r, const gale_plan *plan, uint32_t task,
    int64_t offset_us, uint32_t depth, uint32_t anchored, gale_trace_kind kind,
    uint64_t edge)
{
	if (r->nsteps >= GALE_TRACE_MAX_STEPS) {
		r->truncated++;
		return;
	}
	gale_trace_step *s = &r->steps[r->nsteps++];
	snprintf(s->component, sizeof(s->component), "%s",
	    kind == GALE_TRACE_MISSING ? "" : trace_component(plan, task));
	s->task      = kind == GALE_TRACE_MISSING ? 0 : task;
	s->offset_us = offset_us;
	s->depth     = depth;
	s->anchored  = anchored;
	s->kind      = kind;
	s->edge      = edge;
}

// Depth first: each edge, then the edges it anchored, in their order.
static void
trace_walk(gale_trace_record *r, const trace_tree *tree, const trace_edge *e,
    uint64_t t0, const gale_plan *plan, uint32_t depth)
{
	trace_step(r, plan, e->task, (int64_t) e->time_us - (int64_t) t0,
	    depth, (uint32_t) e->nchildren,
	    e->edge == 0    ? GALE_TRACE_EMITTED
		: e->failed ? GALE_TRACE_FAILED
			    : GALE_TRACE_ACKED,
	    e->edge);
	if (depth >= TRACE_MAX_DEPTH) {
		return;
	}
	for (size_t c = 0; c < e->nchildren; c++) {
		const trace_edge *child = NULL;
		for (size_t i = 0; i < tree->n; i++) {
			if (tree->edges[i].edge == e->children[c]) {
				child = &tree->edges[i];
				break;
			}
		}
		if (child == NULL) {
			trace_step(r, plan, 0, 0, depth + 1, 0,
			    GALE_TRACE_MISSING, e->children[c]);
		} else {
			trace_walk(r, tree, child, t0, plan, depth + 1);
		}
	}
}

bool
gale__trace_take(gale_trace *t, uint64_t root, bool failed,
    const gale_plan *plan, gale_trace_record *out)
{
	trace_tree *tree = trace_find(t, root, false);
	if (tree == NULL) {
		return false;
	}
	const trace_edge *top = NULL;
	uint64_t          end = 0;
	for (size_t i = 0; i < tree->n; i++) {
		if (tree->edges[i].edge == 0) {
			top = &tree->edges[i];
		}
		if (tree->edges[i].time_us > end) {
			end = tree->edges[i].time_us;
		}
	}
	memset(out, 0, sizeof(*out));
	out->root    = root;
	out->failed  = failed;
	out->time_ms = gale__trace_now_us() / 1000u;
	if (top != NULL) {
		snprintf(out->spout, sizeof(out->spout), "%s",
		    trace_component(plan, top->task));
		out->task        = top->task;
		out->msg_id      = top->msg_id;
		out->duration_us = end > top->time_us ? end - top->time_us : 0;
		trace_walk(out, tree, top, top->time_us, plan, 0);
	}
	trace_tree_clear(tree);
	return true;
}

char *
gale__trace_format(const gale_trace_record *r)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);
	if (f == NULL) {
		return NULL;
	}
	if (r->nsteps == 0) {
		fprintf(f,
		    "trace root=%016" PRIx64 " %s (its spout edge was "
		    "not recorded)\n",
		    r->root, r->failed ? "failed" : "complete");
	} else {
		fprintf(f,
		    "trace root=%016" PRIx64 " spout=%s:%u msg=%" PRIu64
		    " %s after %.3f ms\n",
		    r->root, r->spout, r->task, r->msg_id,
		    r->failed ? "FAILED" : "complete",
		    (double) r->duration_us / 1000.0);
	}
	for (uint32_t i = 0; i < r->nsteps && i < GALE_TRACE_MAX_STEPS; i++) {
		const gale_trace_step *s   = &r->steps[i];
		int                    ind = 2 * (int) s->depth;
		if (s->kind == GALE_TRACE_MISSING) {
			fprintf(f,
			    "  %9s    %*sedge %016" PRIx64 " not acked\n", "",
			    ind - 2 > 0 ? ind - 2 : 0, "", s->edge);
			continue;
		}
		fprintf(f, "  %+9.3f ms %*s%s:%u %s",
		    (double) s->offset_us / 1000.0, ind, "", s->component,
		    s->task,
		    s->kind == GALE_TRACE_EMITTED      ? "emitted"
			: s->kind == GALE_TRACE_FAILED ? "FAILED"
						       : "acked");
		if (s->anchored > 0) {
			fprintf(f, ", anchored %u", s->anchored);
		}
		fputc('\n', f);
	}
	if (r->truncated > 0) {
		fprintf(f, "  ... %u more edges\n", r->truncated);
	}
	fclose(f);
	return buf;
}

char *
gale__trace_finish(
    gale_trace *t, uint64_t root, bool failed, const gale_plan *plan)
{
	gale_trace_record *r = malloc(sizeof(*r));
	if (r == NULL) {
		return NULL;
	}
	char *text = NULL;
	if (gale__trace_take(t, root, failed, plan, r)) {
		text = gale__trace_format(r);
	}
	free(r);
	return text;
}

// ---------------------------------------------------------------------
// The ring of finished trees that heartbeats carry
// ---------------------------------------------------------------------

struct gale_trace_ring {
	pthread_mutex_t    mu;
	gale_trace_record *r;
	size_t             cap;
	uint64_t           n; // records put so far; the newest is seq n
};

gale_err
gale__trace_ring_new(gale_trace_ring **out, size_t cap)
{
	gale_trace_ring *g = calloc(1, sizeof(*g));
	if (g == NULL) {
		return GALE_ENOMEM;
	}
	g->cap = cap ? cap : 1;
	g->r   = calloc(g->cap, sizeof(*g->r));
	if (g->r == NULL || pthread_mutex_init(&g->mu, NULL) != 0) {
		free(g->r);
		free(g);
		return GALE_ENOMEM;
	}
	*out = g;
	return GALE_OK;
}

void
gale__trace_ring_destroy(gale_trace_ring **gp)
{
	gale_trace_ring *g = *gp;
	if (g == NULL) {
		return;
	}
	pthread_mutex_destroy(&g->mu);
	free(g->r);
	free(g);
	*gp = NULL;
}

void
gale__trace_ring_put(gale_trace_ring *g, const gale_trace_record *r)
{
	pthread_mutex_lock(&g->mu);
	gale_trace_record *slot = &g->r[g->n % g->cap];
	*slot                   = *r;
	slot->seq               = ++g->n;
	pthread_mutex_unlock(&g->mu);
}

size_t
gale__trace_ring_copy(
    gale_trace_ring *g, uint64_t since_ms, gale_trace_record *out, size_t cap)
{
	pthread_mutex_lock(&g->mu);
	size_t have = g->n < g->cap ? (size_t) g->n : g->cap;
	size_t k    = have < cap ? have : cap;
	size_t n    = 0;
	for (size_t i = 0; i < k; i++) {
		const gale_trace_record *r = &g->r[(g->n - k + i) % g->cap];
		if (r->time_ms >= since_ms) {
			out[n++] = *r;
		}
	}
	pthread_mutex_unlock(&g->mu);
	return n;
}
