// SPDX-License-Identifier: MIT
// outbuf.h - the output buffer of one task: a batch per destination task,
// and the policy of when each one leaves.
//
// Items are copied into the batch of their destination, reused from one
// send to the next, so buffering allocates nothing in the steady state. A
// batch leaves when it is full (its destination's batch size in items, by
// default batch_size, or max_bytes bytes), when
// its owner flushes: the owner flushes when it is idle and once the oldest
// unsent item has waited flush_ns (gale__outbuf_due), as Heron's tuple
// cache drains on a timer and Storm's executors flush their batches.

#ifndef GALE_RUNTIME_OUTBUF_H
#define GALE_RUNTIME_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"

typedef struct gale_outbuf gale_outbuf;

// Sends b, a batch with at least one item, to b->dest_task; the buffer
// empties it afterwards. It runs inside the add and flush functions and
// must not add to the buffer itself.
typedef void (*gale_outbuf_send_fn)(void *arg, gale_batch *b);

// Transparent so that adding a tuple or an ack, once per item on the hot
// path, inlines into its caller; touch the fields only through the
// functions.
struct gale_outbuf {
	uint32_t            ntasks;
	uint32_t            batch_size;
	size_t              max_bytes;
	uint64_t            flush_ns;
	gale_outbuf_send_fn send;
	void               *arg;
	gale_batch         *out; // [ntasks + 1], indexed by destination
	uint32_t           *limit; // [ntasks + 1]: items that fill a batch
	uint32_t           *dirty; // destinations listed for the next flush
	bool               *isdirty; // [ntasks + 1]: listed in dirty
	size_t              ndirty;
	uint64_t            oldest_ns; // when the oldest unsent item came
};

// A buffer for destinations 1..ntasks. Used by one thread.
gale_err gale__outbuf_new(gale_outbuf **out, uint32_t ntasks,
    uint32_t batch_size, size_t max_bytes, uint64_t flush_ns,
    gale_outbuf_send_fn send, void *arg);
// Sets the items that fill the batches of dest (1..ntasks; 0 counts as 1)
// from now on, in place of batch_size.
void gale__outbuf_set_batch_size(
    gale_outbuf *o, uint32_t dest, uint32_t items);
// Frees the buffer and its batches; what is unsent is lost. Accepts NULL.
void gale__outbuf_destroy(gale_outbuf **op);

// The slow halves of the adds below: lists dest for the next flush (the
// first write to it since the last one), and sends a full batch.
void gale__outbuf_list(gale_outbuf *o, uint32_t dest);
void gale__outbuf_send_full(gale_outbuf *o, gale_batch *b);

// The batch of dest (1..ntasks), listed for the next flush.
static inline gale_batch *
gale__outbuf_batch(gale_outbuf *o, uint32_t dest)
{
	if (!o->isdirty[dest]) {
		gale__outbuf_list(o, dest);
	}
	return &o->out[dest];
}

// A full batch (its destination's batch size or max_bytes bytes) leaves at
// once.
static inline void
gale__outbuf_check_full(gale_outbuf *o, gale_batch *b)
{
	if (gale_batch_items(b) >= o->limit[b->dest_task]
	    || b->len >= o->max_bytes) {
		gale__outbuf_send_full(o, b);
	}
}

// Append one item to the batch of dest (1..ntasks). A tuple or an ack
// that fills the batch sends it at once; markers and trace edges wait for
// the next flush or the next tuple. Errors are those of the gale_batch_add
// functions; the batch is then unchanged.
static inline gale_err
gale__outbuf_add_tuple(gale_outbuf *o, uint32_t dest, uint32_t src_task,
    const char *stream, const gale_value *values, size_t n,
    const gale_anchor *anchors, size_t nanchors)
{
	gale_batch *b  = gale__outbuf_batch(o, dest);
	gale_err    rv = gale_batch_add_tuple(
	       b, src_task, stream, values, n, anchors, nanchors);
	if (rv == GALE_OK) {
		gale__outbuf_check_full(o, b);
	}
	return rv;
}

static inline gale_err
gale__outbuf_add_ack(gale_outbuf *o, uint32_t dest, gale_ack_kind kind,
    uint64_t root, uint64_t value, uint32_t task)
{
	gale_batch *b  = gale__outbuf_batch(o, dest);
	gale_err    rv = gale_batch_add_ack(b, kind, root, value, task);
	if (rv == GALE_OK) {
		gale__outbuf_check_full(o, b);
	}
	return rv;
}

gale_err gale__outbuf_add_marker(
    gale_outbuf *o, uint32_t dest, gale_marker_kind kind, uint32_t src_task);
gale_err gale__outbuf_add_trace(gale_outbuf *o, uint32_t dest, uint64_t root,
    uint64_t edge, uint32_t task, uint64_t time_us, const uint64_t *children,
    size_t nchildren, bool failed, uint64_t msg_id);

// Sends every batch with something in it.
void gale__outbuf_flush(gale_outbuf *o);
// True when a batch was written to since the last flush (a full one may
// have left already).
bool gale__outbuf_pending(const gale_outbuf *o);
// True when the oldest unsent item has waited flush_ns or longer at now
// (gale_now_ns); false when nothing waits.
bool gale__outbuf_due(const gale_outbuf *o, uint64_t now);

#endif // GALE_RUNTIME_OUTBUF_H
