// SPDX-License-Identifier: MIT
// pending.h - a spout executor's trees in flight, their timeouts and replays.
//
// Each tracked tree is keyed by its root and carries the spout's message id,
// the time it was emitted and its attempt number. Entries time out by
// rotating buckets: the caller calls gale__pending_rotate every
// timeout / (nbuckets - 1), and an entry expires on the nbuckets-th rotation
// after it was added. Nothing refreshes an entry.
//
// Separately it remembers, for a bounded number of message ids whose tree
// failed, the attempt that failed, so that the next emit of that id is known
// to be a replay.
//
// A pure data structure: no threads, no I/O, no clock. Not thread-safe; one
// executor owns it. Memory grows by doubling and is reused, so the steady
// state allocates nothing per tree.

#ifndef GALE_RUNTIME_PENDING_H
#define GALE_RUNTIME_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// The number of buckets used when gale__pending_new is given 0.
#define GALE_PENDING_BUCKETS 3
// The most buckets a table may have.
#define GALE_PENDING_BUCKETS_MAX 1024
// A sensible replay_limit: failed message ids remembered at most.
#define GALE_PENDING_REPLAY_LIMIT (1u << 20)
// The largest replay_limit accepted.
#define GALE_PENDING_REPLAY_LIMIT_MAX (UINT32_MAX - 1u)

typedef struct gale_pending gale_pending;

// Creates an empty table with nbuckets timeout buckets (0 means
// GALE_PENDING_BUCKETS) that remembers at most replay_limit failed message
// ids (0 remembers none). GALE_EINVAL when nbuckets is 1 or more than
// GALE_PENDING_BUCKETS_MAX, or replay_limit is more than
// GALE_PENDING_REPLAY_LIMIT_MAX; GALE_ENOMEM when out of memory.
gale_err gale__pending_new(
    gale_pending **out, unsigned nbuckets, size_t replay_limit);
// Frees the table and sets *pp to NULL. Accepts NULL and *pp == NULL.
void gale__pending_destroy(gale_pending **pp);

// Starts tracking root for msg_id, in the newest bucket. GALE_EEXIST if root
// is already pending, GALE_EINVAL if root is 0 (roots never are),
// GALE_ENOMEM when out of memory; the table is unchanged on error.
gale_err gale__pending_add(gale_pending *p, uint64_t root, uint64_t msg_id,
    uint64_t start_ns, uint32_t attempt);
// Stops tracking root: returns true and sets the fields (each may be NULL)
// if it was pending, false (touching nothing) if not.
bool gale__pending_take(gale_pending *p, uint64_t root, uint64_t *msg_id,
    uint64_t *start_ns, uint32_t *attempt);
// Expires the oldest bucket: removes each of its entries, then calls cb for
// it. Returns how many expired. cb may call any function of this module on
// p except gale__pending_rotate and gale__pending_destroy; an entry it adds
// goes into the newest bucket and a pending entry it takes is not reported.
size_t gale__pending_rotate(gale_pending *p,
    void (*cb)(void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns,
	uint32_t attempt),
    void *arg);
// The number of trees tracked.
size_t gale__pending_count(const gale_pending *p);

// Remembers that the tree of msg_id failed on its attempt-th attempt (0 for
// the first emit). A msg_id already remembered gets the new attempt and
// counts as the newest. Beyond replay_limit ids the oldest is forgotten.
// When out of memory nothing is remembered (the next emit then counts as a
// first one).
void gale__pending_failed(gale_pending *p, uint64_t msg_id, uint32_t attempt);
// The attempt number for a new emit of msg_id: 0 for a first emit, n + 1
// after the n-th attempt failed (saturating at UINT32_MAX). Forgets the
// record.
uint32_t gale__pending_replay_attempt(gale_pending *p, uint64_t msg_id);
// True when msg_id is remembered as failed: its next emit is a replay.
bool gale__pending_is_failed(const gale_pending *p, uint64_t msg_id);
// The number of failed message ids remembered.
size_t gale__pending_replays(const gale_pending *p);

#endif // GALE_RUNTIME_PENDING_H
