// SPDX-License-Identifier: MIT
// router.h - groupings: which tasks a tuple emitted by one task goes to.
//
// A router belongs to one emitting task and is used by that task's executor
// only: it is not thread-safe. It is built once from the plan and the
// topology and allocates nothing afterwards, so routing a tuple costs no
// allocation.
//
// Groupings, per subscriber of the stream a tuple is emitted on:
// - NONE: round-robin over a random permutation of the subscriber's tasks,
//   drawn anew at the end of every cycle, so every task gets exactly one
//   tuple per cycle. The permutations come from the seed.
// - SHUFFLE: load-aware, as Storm's default shuffle: as NONE over the
//   subscriber's tasks in the emitting task's worker when there are any,
//   and over all of its tasks for its next few batches' worth of tuples
//   each time one of the local ones was found full
//   (gale__router_note_full, gale__router_set_spread). A tuple that stays in
//   its worker costs a hand-off between threads; one to another worker costs a
//   socket on each side. When no task or every task is local, or the topology
//   sets topology.disable.loadaware.messaging, it is NONE.
// - FIELDS: gale__router_hash of the grouping fields scaled to the number
//   of tasks (its high 32 bits times the number, shifted down 32); equal
//   keys always go to the same task.
// - ALL: every task of the subscriber.
// - GLOBAL: the subscriber's lowest task id.
// - DIRECT: only by gale__router_route with a direct_task.
// - LOCAL_OR_SHUFFLE: as SHUFFLE, over the subscriber's tasks that run in
//   the same worker as the emitting task, or over all of them when none
//   does.

#ifndef GALE_RUNTIME_ROUTER_H
#define GALE_RUNTIME_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "topology/model.h"
#include "topology/plan.h"

typedef struct gale_router gale_router;

// The tuples a SHUFFLE subscriber spreads over all of its tasks after one
// of its local tasks was found full, per task it has, unless
// gale__router_set_spread says otherwise.
#define GALE_ROUTER_SPREAD_PER_TASK 1024

// Builds the router of task src_task. p must have been built from t, and
// both must outlive the router. The source component's streams are
// gale_component_outputs(): its definition's or its resolved ops'. Sets
// *out only on success. GALE_EINVAL when src_task is not a spout or bolt task of p, the
// source component is not resolved, or a subscription names a stream the
// source does not declare, a FIELDS grouping names a field the stream does
// not declare, or a FIELDS grouping has no fields; GALE_ENOMEM when out of
// memory.
gale_err gale__router_new(gale_router **out, const gale_plan *p,
    const gale_topology *t, uint32_t src_task, uint64_t seed);

// Frees the router. Accepts NULL and *rp == NULL; sets *rp to NULL.
void gale__router_destroy(gale_router **rp);

// The number of output streams the source component declares; streams are
// numbered 0 .. nstreams - 1 in declaration order.
size_t gale__router_nstreams(const gale_router *r);

// The index of the declared output stream named stream (NULL or "default":
// the default stream), or -1 when the source declares no such stream.
int gale__router_stream(const gale_router *r, const char *stream);

// The name of stream s as declared, or NULL when s is out of range.
// Borrowed: caller must not free it.
const char *gale__router_stream_name(const gale_router *r, int s);

// The name a batch carries for stream s: NULL for the default stream,
// which a batch leaves out, so that its encoder compares no names.
const char *gale__router_wire_name(const gale_router *r, int s);

// The number of fields of stream s, or 0 when s is out of range.
size_t gale__router_stream_nfields(const gale_router *r, int s);

// The largest number of destinations one tuple can have, on any stream:
// enough room for gale__router_route's out. At least 1.
size_t gale__router_max_targets(const gale_router *r);

// Finds the destinations of one tuple on stream s and writes their task ids
// to out, which has room for gale__router_max_targets(r) of them; sets *n
// to how many (0 when nobody subscribes). With direct_task 0, every
// subscriber that is not DIRECT picks by its grouping. With direct_task set
// (an emit_direct), the destination is that task alone, which must belong
// to a DIRECT subscriber of s. GALE_EINVAL, with *n set to 0, when s is out
// of range, nvalues is not the stream's number of fields, or direct_task is
// not a task of a DIRECT subscriber of s.
gale_err gale__router_route(gale_router *r, int s, const gale_value *values,
    size_t nvalues, uint32_t direct_task, uint32_t *out, size_t *n);

// Tells the router that a batch to task had to wait for room: every
// SHUFFLE subscriber with task among its local tasks spreads over all of
// its tasks for its next per_task (gale__router_set_spread) times its
// number of tasks tuples. Any other task is ignored.
void gale__router_note_full(gale_router *r, uint32_t task);
// Sets how many tuples per task of the subscriber a SHUFFLE spreads after
// gale__router_note_full (0 is taken as 1). A batch to another worker's
// worth: fewer leave the remote tasks' batches to go out on the flush
// timer half empty, and the local task alone does nearly all the work
// while the remote one waits; many more keep the tuples away from the
// local tasks long after they keep up again.
void gale__router_set_spread(gale_router *r, uint32_t per_task);

// Why a direct emit to task on stream s is refused, as one sentence in buf
// (len bytes, at least 1): s is not a declared stream, the stream has no
// subscriber with a DIRECT grouping, or task is not one of their tasks
// (naming the component task belongs to, and the tasks that would do).
void gale__router_direct_why(const gale_router *r, int s, uint32_t task,
    char *buf, size_t len);

// The stable hash FIELDS uses, the same on every machine and in every run.
// With mix(h, x) = g ^ (g >> 29) where g = (h ^ x) * 0x9e3779b97f4a7c15
// (mod 2^64), h starts at 0xcbf29ce484222325 and takes each value in
// order: a string or bytes as mix(h, TAG << 56 | LEN), then each 8 bytes
// but the last 1 to 8 as a little-endian word, then those last bytes as
// one word (LEN 4 to 8: the first 4 bytes, and the last 4 as its high
// half; LEN 1 to 3: the first, middle (LEN / 2) and last byte as its low
// three bytes; LEN 0: 0); an i64, or an f64's bit pattern (so 0.0 and
// -0.0 differ), as mix(h, TAG << 56 | 8) and then the number; a bool as
// mix(h, TAG << 56 | 1) and then 0 or 1. TAG is the value's gale_type.
uint64_t gale__router_hash(const gale_value *const *fields, size_t n);

#endif // GALE_RUNTIME_ROUTER_H
