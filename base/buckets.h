// SPDX-License-Identifier: MIT
// buckets.h - rotating timeout buckets over the entries of an id table.
//
// Entries of a gale_idtable are linked by index into nbuckets buckets, each
// a list in the order the entries joined it. The owner calls
// gale__buckets_rotate every timeout / (nbuckets - 1): an entry expires on
// the nbuckets-th rotation after it was added (or touched), so it lives
// between timeout and timeout * nbuckets / (nbuckets - 1). Every operation
// is O(1) per entry; a rotation walks only the entries it expires.
//
// The links live in the entries themselves: each value of the table embeds
// a gale_bucket_link at an offset given to gale__buckets_init, so no
// allocation is made per entry. With nbuckets 1 and no rotation the single
// bucket is a list oldest first, as an LRU needs.
//
// A pure data structure: no threads, no I/O, no clock. Not thread-safe; the
// owner of the table uses it.

#ifndef GALE_BASE_BUCKETS_H
#define GALE_BASE_BUCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/idtable.h"
#include "gale.h"

// The most buckets a structure may have.
#define GALE_BUCKETS_MAX 65535u

// The links of one entry, embedded in its value. Transparent only so that
// values can embed it; its fields are private to this module.
typedef struct gale_bucket_link {
	uint32_t prev; // GALE_IDTABLE_NIL at the head of its bucket
	uint32_t next; // GALE_IDTABLE_NIL at the tail
	uint32_t bucket; // the bucket holding the entry
} gale_bucket_link;

// Transparent so that its owner can embed it next to the table; the fields
// are private to this module.
typedef struct gale_buckets {
	gale_idtable *table;
	size_t        link; // offset of the gale_bucket_link in a value
	uint32_t     *heads; // of nbuckets + 1 lists used as a ring
	uint32_t     *tails;
	unsigned      nlists;
	unsigned      cur; // the newest bucket; cur + 1 is always empty
	bool          rotating;
} gale_buckets;

// Initializes nbuckets (1 to GALE_BUCKETS_MAX) empty buckets over the
// entries of t, whose values hold a gale_bucket_link at byte link_offset.
// t is borrowed and must outlive b. GALE_EINVAL for a bad nbuckets,
// GALE_ENOMEM when out of memory; b then needs only gale__buckets_fini.
gale_err gale__buckets_init(
    gale_buckets *b, gale_idtable *t, size_t link_offset, unsigned nbuckets);
// Frees what b holds. Accepts b zeroed or half built. Idempotent.
void gale__buckets_fini(gale_buckets *b);

// The links of entry idx. Private to this module.
static inline gale_bucket_link *
gale__buckets_link(const gale_buckets *b, uint32_t idx)
{
	return (
	    gale_bucket_link *) ((char *) gale__idtable_value(b->table, idx)
	    + b->link);
}

// Links entry idx, which must be in no bucket, at the tail of the newest
// bucket. Inline, as it is on the path of every tuple tree.
static inline void
gale__buckets_add(gale_buckets *b, uint32_t idx)
{
	gale_bucket_link *l = gale__buckets_link(b, idx);
	l->bucket           = b->cur;
	l->next             = GALE_IDTABLE_NIL;
	l->prev             = b->tails[b->cur];
	if (l->prev != GALE_IDTABLE_NIL) {
		gale__buckets_link(b, l->prev)->next = idx;
	} else {
		b->heads[b->cur] = idx;
	}
	b->tails[b->cur] = idx;
}

// Unlinks entry idx, which must be in a bucket. Inline, as it is on the
// path of every tuple tree.
static inline void
gale__buckets_remove(gale_buckets *b, uint32_t idx)
{
	const gale_bucket_link *l = gale__buckets_link(b, idx);
	if (l->prev != GALE_IDTABLE_NIL) {
		gale__buckets_link(b, l->prev)->next = l->next;
	} else {
		b->heads[l->bucket] = l->next;
	}
	if (l->next != GALE_IDTABLE_NIL) {
		gale__buckets_link(b, l->next)->prev = l->prev;
	} else {
		b->tails[l->bucket] = l->prev;
	}
}
// Moves entry idx, which must be in a bucket, to the tail of the newest
// bucket: its timeout starts again.
void gale__buckets_touch(gale_buckets *b, uint32_t idx);
// The entry that would expire first (the head of the oldest bucket that
// is not empty), or GALE_IDTABLE_NIL when every bucket is empty.
// O(nbuckets).
uint32_t gale__buckets_oldest(const gale_buckets *b);

// Expires the oldest bucket: makes the empty bucket the newest, then
// unlinks each entry of the oldest one and calls expire for it, which
// must remove the entry from the table (or link it again). Returns how
// many expired. expire may call any function of this module but
// gale__buckets_rotate and gale__buckets_fini, and insert or remove entries
// of the table: an entry it adds goes into the newest bucket, and one it
// unlinks from the expiring bucket is not reported.
size_t gale__buckets_rotate(
    gale_buckets *b, void (*expire)(void *arg, uint32_t idx), void *arg);

#endif // GALE_BASE_BUCKETS_H
