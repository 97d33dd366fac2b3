// SPDX-License-Identifier: MIT
// held.h - the tuples a bolt has taken over to ack or fail later: a pool
// of copies of their place in the tree, named by handles.
//
// A held tuple keeps what acking, failing and anchoring need (its anchors,
// the XOR of the edges anchored to it so far, its source and stream), not
// its values, which belong to the batch that brought it. Slots live in
// chunks that never move and are reused through a free list, so holding
// allocates nothing per tuple in the steady state (only a tuple with more
// anchors than a slot keeps inline grows that slot, once). A handle is the
// slot's index and a generation, so a handle that was acked or failed
// already names nothing, even once its slot is reused.
//
// A pure data structure: no threads, no I/O. Not thread-safe; one
// executor owns it.

#ifndef GALE_RUNTIME_HELD_H
#define GALE_RUNTIME_HELD_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "runtime/tuple.h"

typedef struct gale_held_pool gale_held_pool;

// Creates an empty pool. GALE_ENOMEM when out of memory.
gale_err gale__held_new(gale_held_pool **out);
// Frees the pool and sets *pp to NULL. Accepts NULL and *pp == NULL.
void gale__held_destroy(gale_held_pool **pp);

// Copies t's place in its tree into a free slot and sets *h to its
// handle (never 0). GALE_ENOMEM when out of memory; the pool is unchanged.
gale_err gale__held_put(gale_held_pool *p, const gale_tuple *t, uint64_t *h);
// The held copy named by h, or NULL when h names nothing held (0, released
// or never handed out). It stays at the same address until h is released;
// caller must not free it.
gale_tuple *gale__held_get(gale_held_pool *p, uint64_t h);
// Frees the slot of h for reuse; nothing when h names nothing held.
void gale__held_release(gale_held_pool *p, uint64_t h);
// The number of tuples held.
size_t gale__held_count(const gale_held_pool *p);
// Calls cb with the handle and copy of every held tuple, in slot order.
// cb may release the handle it is given, and nothing else.
void gale__held_each(gale_held_pool *p,
    void (*cb)(void *arg, uint64_t h, gale_tuple *t), void *arg);

#endif // GALE_RUNTIME_HELD_H
