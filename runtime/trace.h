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
// As gale__trace_finish, but fills *out (seq 0, time now) instead of
// rendering; false, and *out untouched, when nothing of root was recorded.
bool gale__trace_take(gale_trace *t, uint64_t root, bool failed,
    const gale_plan *plan, gale_trace_record *out);
// The text of a tree, in the format gale__trace_finish renders: a
// malloc'ed string the caller frees, or NULL when out of memory.
char *gale__trace_format(const gale_trace_record *r);

// The last few finished trees of a worker, which its heartbeats carry.
// Thread-safe: ackers put, the heartbeat thread copies (a lock per sampled
// tree, never per tuple).
typedef struct gale_trace_ring gale_trace_ring;

gale_err gale__trace_ring_new(gale_trace_ring **out, size_t cap);
void     gale__trace_ring_destroy(gale_trace_ring **gp);
// Keeps a copy of *r, numbered with the ring's next seq (from 1).
void gale__trace_ring_put(gale_trace_ring *g, const gale_trace_record *r);
// Copies up to cap of the newest records that ended at or after since_ms
// (wall clock, ms since the epoch) into out, oldest first.
size_t gale__trace_ring_copy(
    gale_trace_ring *g, uint64_t since_ms, gale_trace_record *out, size_t cap);

#endif // GALE_RUNTIME_TRACE_H
