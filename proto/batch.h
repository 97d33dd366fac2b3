// SPDX-License-Identifier: MIT
// batch.h - the data-plane codec: batches of tuples, acker operations,
// markers and trace edges for one task.
//
// Batches are written and read by hand, in the exact wire format of
// gale.TupleBatch, so that a tuple costs one copy into a reused buffer and
// nothing is allocated per tuple; tests check it against protobuf-c both
// ways. Nothing here uses the generated code.

#ifndef GALE_PROTO_BATCH_H
#define GALE_PROTO_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// ---------------------------------------------------------------------
// Data plane: a batch of tuples, acker operations and markers for one task
// ---------------------------------------------------------------------

typedef struct gale_anchor {
	uint64_t root;
	uint64_t edge;
} gale_anchor;

typedef enum {
	GALE_ACK_INIT     = 0,
	GALE_ACK_ACK      = 1,
	GALE_ACK_FAIL     = 2,
	GALE_ACK_COMPLETE = 3,
	GALE_ACK_FAILED   = 4,
} gale_ack_kind;

typedef enum {
	GALE_MARK_END_OF_STREAM = 0,
} gale_marker_kind;

// A batch being written. Transparent so executors can keep arrays of them;
// touch the fields only through the functions. The buffer is reused across
// resets and grows only when a batch outgrows it.
typedef struct gale_batch {
	uint8_t *buf;
	size_t   len;
	size_t   cap;
	uint32_t dest_task;
	uint32_t ntuples;
	uint32_t nacks;
	uint32_t nmarkers;
} gale_batch;

void gale_batch_init(gale_batch *b, uint32_t dest_task);
void gale_batch_fini(gale_batch *b);
// Empties the batch, keeping its buffer.
void gale_batch_reset(gale_batch *b);
// Items in the batch.
static inline uint32_t
gale_batch_items(const gale_batch *b)
{
	return b->ntuples + b->nacks + b->nmarkers;
}

// Appends one tuple. stream NULL or "default" is written as empty.
gale_err gale_batch_add_tuple(gale_batch *b, uint32_t src_task,
    const char *stream, const gale_value *values, size_t nvalues,
    const gale_anchor *anchors, size_t nanchors);
gale_err gale_batch_add_ack(gale_batch *b, gale_ack_kind kind, uint64_t root,
    uint64_t value, uint32_t task);
gale_err gale_batch_add_marker(
    gale_batch *b, gale_marker_kind kind, uint32_t src_task);
// Appends the run's token (gale.TupleBatch.run_token), last, just before
// the batch is sent; a token of 0 appends nothing.
gale_err gale_batch_add_token(gale_batch *b, uint64_t token);
// Appends one edge of a sampled tree (gale.TraceEdge).
gale_err gale_batch_add_trace(gale_batch *b, uint64_t root, uint64_t edge,
    uint32_t task, uint64_t time_us, const uint64_t *children,
    size_t nchildren, bool failed, uint64_t msg_id);
// The adds leave the batch unchanged on error: GALE_ENOMEM, or GALE_EINVAL
// for a value of no known type, more than GALE_WIRE_MAX_VALUES values or
// anchors, or a batch that would pass GALE_WIRE_MAX_BATCH bytes.
#define GALE_WIRE_MAX_VALUES (1u << 20)
#define GALE_WIRE_MAX_BATCH 0x7fffffffu

// The encoded gale.TupleBatch: b->buf, b->len bytes.

// One item read from a batch. Strings, bytes and arrays point into the
// reader (and the buffer it reads): valid until the next call.
typedef enum {
	GALE_ITEM_TUPLE = 1,
	GALE_ITEM_ACK,
	GALE_ITEM_MARKER,
	GALE_ITEM_TRACE,
} gale_item_kind;

// An item read from a batch. Only the fields of its kind are set: those
// of a tuple or an acker operation leave the others as they were, which
// are not to be read.
typedef struct gale_item {
	gale_item_kind kind;
	// GALE_ITEM_TUPLE
	uint32_t           src_task;
	const char        *stream; // not NUL-terminated; len 0 = default
	size_t             stream_len;
	const gale_value  *values;
	size_t             nvalues;
	const gale_anchor *anchors;
	size_t             nanchors;
	// GALE_ITEM_ACK
	gale_ack_kind ack_kind;
	uint64_t      root;
	uint64_t      value;
	uint32_t      task;
	// GALE_ITEM_MARKER (src_task above is the marker's task)
	gale_marker_kind marker_kind;
	// GALE_ITEM_TRACE: root, task (above), and
	uint64_t        edge;
	uint64_t        time_us;
	uint64_t        msg_id;
	const uint64_t *children;
	size_t          nchildren;
	bool            failed;
} gale_item;

// Reads a batch without copying it. Its scratch arrays grow to the largest
// tuple seen and are kept, so steady-state reading allocates nothing.
typedef struct gale_batch_reader {
	const uint8_t *p;
	const uint8_t *end;
	gale_value    *values;
	size_t         values_cap;
	gale_anchor   *anchors;
	size_t         anchors_cap;
	uint64_t      *children;
	size_t         children_cap;
	uint64_t       token; // the batch's run_token, 0 when absent
} gale_batch_reader;

void gale_batch_reader_init(gale_batch_reader *r);
void gale_batch_reader_fini(gale_batch_reader *r);
// Starts reading buf; sets *dest_task. GALE_EPROTO when the header is bad.
// The batch's dest_task field may appear anywhere in the message; this scans
// for it without decoding the items.
gale_err gale_batch_reader_begin(
    gale_batch_reader *r, const void *buf, size_t len, uint32_t *dest_task);
// The run_token of the batch begun last (the last one in it wins), or 0.
static inline uint64_t
gale_batch_reader_token(const gale_batch_reader *r)
{
	return r->token;
}
// The next item: GALE_OK and *item filled, GALE_ECLOSED at the end, or
// GALE_EPROTO for malformed bytes (nothing after them is read).
gale_err gale_batch_reader_next(gale_batch_reader *r, gale_item *item);
// Reading follows protobuf: fields come in any order, repeated ones may be
// interleaved (items are returned in buffer order), unknown fields are
// skipped, and the last of a repeated scalar or oneof wins. GALE_EPROTO
// covers lengths past the end, bad tags or wire types, a Value with no
// kind, an ack or marker kind this version does not know, and more than
// GALE_WIRE_MAX_VALUES values or anchors in a tuple; after it, the reader
// is at its end. GALE_ENOMEM when the scratch arrays cannot grow (the item
// is skipped).

#endif // GALE_PROTO_BATCH_H
