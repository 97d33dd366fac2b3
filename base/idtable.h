// SPDX-License-Identifier: MIT
// idtable.h - a table of fixed-size entries keyed by 64-bit ids.
//
// Each entry holds a key and a value of the size given to
// gale__idtable_init, and is named by a 32-bit index that stays the same
// for as long as the entry lives, so other structures (the timeout buckets
// of base/buckets.h, an insertion order) can link entries by index. Any
// 64-bit key is allowed, 0 included.
//
// An entry takes the most recently freed index, or else the lowest one
// never used: a table with no removal since gale__idtable_init or
// gale__idtable_clear holds exactly the indices 0 to count - 1, in the order
// the entries were inserted.
//
// A pure data structure: no threads, no I/O. Not thread-safe; one owner
// uses it. Memory grows by doubling and is never shrunk, so a table that
// once held n entries holds n again without allocating.

#ifndef GALE_BASE_IDTABLE_H
#define GALE_BASE_IDTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/rand.h"
#include "gale.h"

// The index of no entry.
#define GALE_IDTABLE_NIL UINT32_MAX
// The most entries a table holds at once.
#define GALE_IDTABLE_MAX (UINT32_MAX - 1u)

// One slot of the open addressing index. Private to this module.
typedef struct gale_idtable_slot {
	uint64_t key;
	uint32_t entry;
	uint32_t epoch; // the slot is empty unless this is the table's epoch
} gale_idtable_slot;

// The table is transparent so that its owner can embed it and its hot
// operations inline; its fields are private to this module (idtable.c and
// the inline functions below).
typedef struct gale_idtable {
	gale_idtable_slot *slots;
	size_t             mask; // number of slots - 1; a power of two - 1
	unsigned           shift; // 64 - log2(number of slots)
	uint32_t           epoch; // never 0, which marks an emptied slot
	char              *entries; // stride bytes each: the key, the value
	size_t             stride;
	uint32_t           cap; // entries allocated
	uint32_t           used; // entries ever handed out; the rest are fresh
	uint32_t           free; // head of the free list, linked by key
	size_t             count; // live entries
} gale_idtable;

// Initializes an empty table whose values are value_size bytes (0 allowed),
// aligned to 8 bytes. GALE_ENOMEM when out of memory; the table then needs
// only gale__idtable_fini.
gale_err gale__idtable_init(gale_idtable *t, size_t value_size);
// Frees what the table holds. Accepts a table that was zeroed, or that
// gale__idtable_init left half built. Idempotent.
void gale__idtable_fini(gale_idtable *t);

// The index of key's entry, or GALE_IDTABLE_NIL.
static inline uint32_t
gale__idtable_find(const gale_idtable *t, uint64_t key)
{
	// Fibonacci hashing: a multiply keeps patterned keys (sequential
	// message ids, a poor source of roots) from clustering.
	size_t   i     = (size_t) ((key * GALE_GOLDEN) >> t->shift);
	uint32_t epoch = t->epoch;
	for (;; i = (i + 1) & t->mask) {
		const gale_idtable_slot *s = &t->slots[i];
		if (s->epoch != epoch) {
			return GALE_IDTABLE_NIL;
		}
		if (s->key == key) {
			return s->entry;
		}
	}
}

// The value of entry idx, valid until the next insert. Caller must not
// free.
static inline void *
gale__idtable_value(const gale_idtable *t, uint32_t idx)
{
	return t->entries + (size_t) idx * t->stride + sizeof(uint64_t);
}

// The key of entry idx.
static inline uint64_t
gale__idtable_key(const gale_idtable *t, uint32_t idx)
{
	uint64_t key;
	memcpy(&key, t->entries + (size_t) idx * t->stride, sizeof(key));
	return key;
}

// Makes room for one more entry. Private to this module: called by
// gale__idtable_insert when the index or the entries are full.
gale_err gale__idtable_grow(gale_idtable *t);

// Private to this module.
static inline size_t
gale__idtable_home(const gale_idtable *t, uint64_t key)
{
	return (size_t) ((key * GALE_GOLDEN) >> t->shift);
}

// Private to this module.
static inline void
gale__idtable_key_set(gale_idtable *t, uint32_t idx, uint64_t key)
{
	memcpy(t->entries + (size_t) idx * t->stride, &key, sizeof(key));
}

// Adds an entry for key, which must not be in the table; its value is
// left for the caller to set (it holds whatever it last held). Returns its
// index, or GALE_IDTABLE_NIL when out of memory (the table is then
// unchanged). May move every value: pointers from gale__idtable_value are
// void after it. Inline, as it is on the path of every tuple tree.
static inline uint32_t
gale__idtable_insert(gale_idtable *t, uint64_t key)
{
	// The index stays at most 3/4 full.
	if (((t->count + 1) * 4 > (t->mask + 1) * 3
		|| (t->free == GALE_IDTABLE_NIL && t->used == t->cap))
	    && gale__idtable_grow(t) != GALE_OK) {
		return GALE_IDTABLE_NIL;
	}
	uint32_t idx;
	if (t->free != GALE_IDTABLE_NIL) {
		idx = t->free;
		// A free entry's key field holds the next free index.
		t->free = (uint32_t) gale__idtable_key(t, idx);
	} else {
		idx = t->used++;
	}
	gale__idtable_key_set(t, idx, key);
	size_t   i     = gale__idtable_home(t, key);
	uint32_t epoch = t->epoch;
	while (t->slots[i].epoch == epoch) {
		i = (i + 1) & t->mask;
	}
	t->slots[i].key   = key;
	t->slots[i].entry = idx;
	t->slots[i].epoch = epoch;
	t->count++;
	return idx;
}

// Removes the live entry idx, whose index the next insert may hand out
// again. Its key and value are void after it: read them first. Inline, as
// it is on the path of every tuple tree.
static inline void
gale__idtable_remove(gale_idtable *t, uint32_t idx)
{
	uint32_t epoch = t->epoch;
	size_t   i     = gale__idtable_home(t, gale__idtable_key(t, idx));
	while (t->slots[i].entry != idx || t->slots[i].epoch != epoch) {
		i = (i + 1) & t->mask;
	}
	// Backward shift: each later slot of the run whose probe path passes
	// over the hole moves back into it, so no tombstones pile up.
	for (size_t j = i;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].epoch != epoch) {
			break;
		}
		size_t home = gale__idtable_home(t, t->slots[j].key);
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i           = j;
		}
	}
	t->slots[i].epoch = 0;
	gale__idtable_key_set(t, idx, t->free);
	t->free = idx;
	t->count--;
}

// Removes every entry, keeping the memory. O(1), except once every 2^32
// calls, which clear the index.
void gale__idtable_clear(gale_idtable *t);

// The number of entries.
static inline size_t
gale__idtable_count(const gale_idtable *t)
{
	return t->count;
}

#endif // GALE_BASE_IDTABLE_H
