// SPDX-License-Identifier: MIT
// trace.c - sampled tuple trees, recorded at their acker and printed whole.

#include <inttypes.h>
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

typedef struct trace_out {
	char  *buf;
	size_t len;
	FILE  *f;
} trace_out;

static const char *
trace_who(const gale_plan *plan, uint32_t task, char *buf, size_t len)
{
	const char *id = plan != NULL
	    ? gale_plan_component_id(plan, gale_plan_task_component(plan, task))
	    : "task";
	snprintf(buf, len, "%s:%u", id ? id : "?", task);
	return buf;
}

static void
trace_render(FILE *f, const trace_tree *tree, const trace_edge *e,
    uint64_t t0, const gale_plan *plan, int depth)
{
	char who[160];
	fprintf(f, "  %+9.3f ms %*s%s %s", ((double) e->time_us - (double) t0) / 1000.0,
	    2 * depth, "", trace_who(plan, e->task, who, sizeof(who)),
	    e->edge == 0 ? "emitted" : e->failed ? "FAILED" : "acked");
	if (e->nchildren > 0) {
		fprintf(f, ", anchored %zu", e->nchildren);
	}
	fputc('\n', f);
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
			fprintf(f, "  %9s    %*sedge %016" PRIx64 " not acked\n",
			    "", 2 * depth, "", e->children[c]);
		} else {
			trace_render(f, tree, child, t0, plan, depth + 1);
		}
	}
}

char *
gale__trace_finish(
    gale_trace *t, uint64_t root, bool failed, const gale_plan *plan)
{
	trace_tree *tree = trace_find(t, root, false);
	if (tree == NULL) {
		return NULL;
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
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);
	if (f == NULL) {
		trace_tree_clear(tree);
		return NULL;
	}
	char who[160];
	if (top == NULL) {
		fprintf(f, "trace root=%016" PRIx64 " %s (its spout edge was "
		           "not recorded)\n",
		    root, failed ? "failed" : "complete");
	} else {
		fprintf(f,
		    "trace root=%016" PRIx64 " spout=%s msg=%" PRIu64
		    " %s after %.3f ms\n",
		    root, trace_who(plan, top->task, who, sizeof(who)),
		    top->msg_id, failed ? "FAILED" : "complete",
		    ((double) end - (double) top->time_us) / 1000.0);
		trace_render(f, tree, top, top->time_us, plan, 0);
	}
	fclose(f);
	trace_tree_clear(tree);
	return buf;
}
