// SPDX-License-Identifier: MIT
// trace.h - sampled tuple trees: which roots are sampled, and the record of
// every edge of a sampled tree, kept at its acker and printed whole.
//
// A sampled root carries a bit pattern in its low bits, so every task can
// tell a sampled tree from its root alone. Each task that acks or fails an
// edge of such a tree sends the acker a trace edge (its task, the time, the
// edges it anchored to it) ahead of the ack itself; when the tree completes
// or fails, the acker renders it.

#ifndef GALE_RUNTIME_TRACE_H
#define GALE_RUNTIME_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"
#include "topology/plan.h"

// True when root belongs to a sampled tree.
bool gale__trace_sampled(uint64_t root);
// root, marked as sampled or not (an unsampled root that happens to carry
// the pattern loses it).
uint64_t gale__trace_mark(uint64_t root, bool sampled);
// Wall-clock microseconds, the time trace edges carry.
uint64_t gale__trace_now_us(void);

typedef struct gale_trace gale_trace;

// Keeps up to max_trees trees at once; the oldest is dropped beyond that.
gale_err gale__trace_new(gale_trace **out, size_t max_trees);
void     gale__trace_destroy(gale_trace **tp);
// Records one trace edge (a GALE_ITEM_TRACE item).
void gale__trace_add(gale_trace *t, const gale_item *it);
// Renders the tree of root, which completed (or failed), and forgets it;
// tasks are named by their component in plan (or "task" when NULL).
// Returns a malloc'ed text the caller frees, or NULL when nothing of that
// root was recorded.
char *gale__trace_finish(
    gale_trace *t, uint64_t root, bool failed, const gale_plan *plan);

#endif // GALE_RUNTIME_TRACE_H
