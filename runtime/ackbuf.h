// SPDX-License-Identifier: MIT
// ackbuf.h - outgoing ACK values combined by XOR per root before they leave.
//
// A bolt executor keeps one buffer per acker task. Every ACK value for a
// root is XORed into that root's slot, so a batch carries one ACK per root
// however many tuples of its tree were acked: the acker only ever needs the
// XOR. The buffer is opaque and held by pointer: executors keep an array of
// them, one per acker task, and nothing outside this module needs its
// layout.
//
// A pure data structure: no threads, no I/O. Not thread-safe; one executor
// owns it. Memory grows by doubling and is kept across drains, so the steady
// state allocates nothing per ACK.

#ifndef GALE_RUNTIME_ACKBUF_H
#define GALE_RUNTIME_ACKBUF_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"

typedef struct gale_ackbuf gale_ackbuf;

// Creates an empty buffer. GALE_ENOMEM when out of memory.
gale_err gale__ackbuf_new(gale_ackbuf **out);
// Frees the buffer and sets *bp to NULL. Accepts NULL and *bp == NULL.
void gale__ackbuf_destroy(gale_ackbuf **bp);

// XORs value into root's slot, creating the slot (after the existing ones)
// if root has none. A slot whose value becomes 0 stays: a zero ACK must
// still be sent, as it may complete the tree. GALE_EINVAL if root is 0
// (roots never are), GALE_ENOMEM when out of memory; the buffer is
// unchanged on error.
gale_err gale__ackbuf_add(gale_ackbuf *b, uint64_t root, uint64_t value);
// The number of slots (distinct roots) in the buffer.
size_t gale__ackbuf_count(const gale_ackbuf *b);
// Calls cb for every slot (root, value) in the order the slots were created,
// then empties the buffer, keeping its memory. cb may be NULL, which only
// empties it. cb must not call any function of this module on b.
void gale__ackbuf_drain(gale_ackbuf *b,
    void (*cb)(void *arg, uint64_t root, uint64_t value), void *arg);

#endif // GALE_RUNTIME_ACKBUF_H
