// SPDX-License-Identifier: MIT
// acker.h - the acker's table of tuple trees, completed by XOR of edge ids.
//
// A spout tuple gets a random 64-bit root, and every edge of its tree a
// random 64-bit edge id. The acker keeps, per root, the XOR of every value
// it was sent: INIT (from the spout: the XOR of the first edges) and ACK
// (from a bolt: the input edge XOR the edges of the tuples anchored to it).
// Each edge id is XORed in exactly twice, when the tuple is emitted and when
// it is acked, so the tree is complete when the XOR is 0 and the INIT was
// seen. ACKs may arrive before the INIT. FAIL from a bolt fails the tree.
//
// Entries time out by rotating buckets: the caller calls gale__acker_rotate
// every timeout / (nbuckets - 1), and an entry is dropped by the nbuckets-th
// rotation after its first op. An op on an entry does not refresh it.
//
// A pure data structure: no threads, no I/O, no clock. Not thread-safe; one
// executor owns it. Memory grows by doubling and is reused, so the steady
// state allocates nothing per op.

#ifndef GALE_RUNTIME_ACKER_H
#define GALE_RUNTIME_ACKER_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// The number of buckets used when gale__acker_new is given 0.
#define GALE_ACKER_BUCKETS 3
// The most buckets a table may have.
#define GALE_ACKER_BUCKETS_MAX 1024

typedef struct gale_acker gale_acker;

typedef enum {
	GALE_TREE_PENDING = 0,
	GALE_TREE_COMPLETE,
	GALE_TREE_FAILED,
} gale_tree_state;

// Creates an empty acker with nbuckets timeout buckets (0 means
// GALE_ACKER_BUCKETS). GALE_EINVAL when nbuckets is 1 or more than
// GALE_ACKER_BUCKETS_MAX, GALE_ENOMEM when out of memory.
gale_err gale__acker_new(gale_acker **out, unsigned nbuckets);
// Frees the acker and sets *ap to NULL. Accepts NULL and *ap == NULL.
void gale__acker_destroy(gale_acker **ap);

// Each op returns the tree's state after it. On GALE_TREE_COMPLETE and
// GALE_TREE_FAILED the entry is removed and *spout_task_out and *start_ns
// are set (each may be NULL): the spout task given by the INIT, and the
// now_ns passed with the first op seen for the root. On GALE_TREE_PENDING
// they are not touched.
//
// Roots are never 0; an op for root 0 is ignored and returns
// GALE_TREE_PENDING (decoders should count it as malformed). An op for a
// root that was already completed or failed starts a new entry, which can
// only time out. When memory runs out an op that needs a new entry is
// dropped: an INIT then returns GALE_TREE_FAILED at once (with its own
// spout task and now_ns), an ACK or FAIL leaves the tree to time out.

// INIT from spout_task: value is the XOR of the edge ids of the spout tuple's
// first edges (0 when it went nowhere, which completes it at once). Fails
// the tree if a FAIL for it came first.
gale_tree_state gale__acker_init(gale_acker *a, uint64_t root, uint64_t value,
    uint32_t spout_task, uint64_t now_ns, uint32_t *spout_task_out,
    uint64_t *start_ns);
// ACK from a bolt: value is the input's edge id XOR the edge ids of the tuples
// anchored to it. Completes the tree when its XOR becomes 0 after the INIT.
gale_tree_state gale__acker_ack(gale_acker *a, uint64_t root, uint64_t value,
    uint64_t now_ns, uint32_t *spout_task_out, uint64_t *start_ns);
// FAIL from a bolt: fails the tree at once. A FAIL for a root whose INIT was
// not seen yet is remembered (as failed, ignoring later ACKs) until the
// INIT arrives, which then returns GALE_TREE_FAILED, or until it expires.
// task is the failing task, for gale__acker_failed_by.
gale_tree_state gale__acker_fail(gale_acker *a, uint64_t root, uint32_t task,
    uint64_t now_ns, uint32_t *spout_task_out, uint64_t *start_ns);
// The task that failed the tree most recently reported FAILED (by _fail,
// or by an _init that found a failure waiting for it); 0 when none did
// (the acker ran out of memory).
uint32_t gale__acker_failed_by(const gale_acker *a);

// Expires the oldest bucket: its entries are dropped without a report (the
// spout side times them out on its own). Returns how many were dropped.
size_t gale__acker_rotate(gale_acker *a);
// The number of roots tracked: trees in flight, plus ACKs or FAILs waiting
// for their INIT.
size_t gale__acker_pending(const gale_acker *a);

#endif // GALE_RUNTIME_ACKER_H
