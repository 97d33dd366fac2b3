// SPDX-License-Identifier: MIT
// offsets.h - the low-water mark of a file spout: the byte offset below
// which every emitted line is acked.
//
// Lines are added in the order they are read, as [offset, end) ranges that
// follow each other; acks come in any order. The mark is the start of the
// oldest line not acked, or the end of the last line when every line is.
// Not thread-safe: it belongs to one spout task.

#ifndef GALE_COMPONENTS_OFFSETS_H
#define GALE_COMPONENTS_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// One line not yet acked, or acked but behind one that is not.
// Transparent only because the tracker is.
typedef struct gale_offset_slot {
	uint64_t off;
	bool     acked;
} gale_offset_slot;

// A ring of the lines from the oldest not acked to the newest, in offset
// order, so that an ack finds its line by its sequence number at once (or
// by its offset in a search) and the mark advances by popping acked lines
// off the front. Transparent for embedding; use it through the functions.
typedef struct gale_offsets {
	gale_offset_slot *v;
	size_t            cap; // zero or a power of two
	size_t            head;
	size_t            n;
	uint64_t          end;  // the end of the newest line, or the start
	uint64_t          base; // the sequence number of the line at head
} gale_offsets;

// Starts with no line and the mark at start.
void gale__offsets_init(gale_offsets *o, uint64_t start);
void gale__offsets_fini(gale_offsets *o);

// Adds the line [off, end). Lines must be added in order: off at least
// the end of the previous one (GALE_EINVAL otherwise), end > off. Lines
// are numbered in the order they are added, from 0: a spout can name a
// line by its number (as its message id) and find it in constant time.
gale_err gale__offsets_add(gale_offsets *o, uint64_t off, uint64_t end);

// The number the next line added gets.
static inline uint64_t
gale__offsets_next_seq(const gale_offsets *o)
{
	return o->base + o->n;
}

// Marks the line at off acked; false when no pending line starts there
// (an ack of a line of an earlier run, or a second ack).
bool gale__offsets_ack(gale_offsets *o, uint64_t off);

// As gale__offsets_ack, for the line numbered seq; false when that line
// is acked already or was never added.
bool gale__offsets_ack_seq(gale_offsets *o, uint64_t seq);

// Sets *off to the start of the line numbered seq, when it is held (not
// acked, or acked behind one that is not): false otherwise.
bool gale__offsets_offset(const gale_offsets *o, uint64_t seq, uint64_t *off);

// Every line below the mark is acked; the line at the mark, if any, is
// not.
uint64_t gale__offsets_low(const gale_offsets *o);

// The lines the tracker holds: those not acked and the acked ones behind
// them.
static inline size_t
gale__offsets_held(const gale_offsets *o)
{
	return o->n;
}

#endif // GALE_COMPONENTS_OFFSETS_H
