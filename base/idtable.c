// SPDX-License-Identifier: MIT
// idtable.c - a table of fixed-size entries keyed by 64-bit ids.

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/idtable.h"

// Entries live in one array and never move within it, so their indices are
// stable; a freed entry's key field links the free list. A separate open
// addressing index (linear probing, at most 3/4 full) maps a key to its
// entry. A slot is empty unless it carries the table's epoch, so a clear
// only bumps the epoch, and a removal empties its slot by backward shift
// (each later slot of the run whose probe path passes over the hole moves
// back into it), so no tombstones pile up.

#define IDTABLE_MIN_SLOTS 16
#define IDTABLE_MIN_ENTRIES 8

static void
idtable_slot_put(gale_idtable *t, uint64_t key, uint32_t entry)
{
	size_t i = gale__idtable_home(t, key);
	while (t->slots[i].epoch == t->epoch) {
		i = (i + 1) & t->mask;
	}
	t->slots[i].key   = key;
	t->slots[i].entry = entry;
	t->slots[i].epoch = t->epoch;
}

// Replaces the index by one of n slots holding the same entries.
static gale_err
idtable_slots_alloc(gale_idtable *t, size_t n)
{
	gale_idtable_slot *slots = calloc(n, sizeof(*slots));
	if (slots == NULL) {
		return GALE_ENOMEM;
	}
	unsigned shift = 64;
	for (size_t m = n; m > 1; m >>= 1) {
		shift--;
	}
	gale_idtable_slot *old    = t->slots;
	size_t             nold   = old != NULL ? t->mask + 1 : 0;
	uint32_t           oepoch = t->epoch;
	t->slots                  = slots;
	t->mask                   = n - 1;
	t->shift                  = shift;
	// The new index is all zero, so any nonzero epoch marks its slots.
	t->epoch = 1;
	for (size_t i = 0; i < nold; i++) {
		if (old[i].epoch == oepoch) {
			idtable_slot_put(t, old[i].key, old[i].entry);
		}
	}
	free(old);
	return GALE_OK;
}

gale_err
gale__idtable_init(gale_idtable *t, size_t value_size)
{
	assert(t != NULL);
	memset(t, 0, sizeof(*t));
	if (value_size > SIZE_MAX / 2) {
		return GALE_ENOMEM;
	}
	t->stride  = sizeof(uint64_t) + ((value_size + 7) & ~(size_t) 7);
	t->free    = GALE_IDTABLE_NIL;
	t->entries = malloc(IDTABLE_MIN_ENTRIES * t->stride);
	if (t->entries == NULL) {
		return GALE_ENOMEM;
	}
	t->cap = IDTABLE_MIN_ENTRIES;
	return idtable_slots_alloc(t, IDTABLE_MIN_SLOTS);
}

void
gale__idtable_fini(gale_idtable *t)
{
	if (t == NULL) {
		return;
	}
	free(t->slots);
	free(t->entries);
	t->slots   = NULL;
	t->entries = NULL;
	t->count   = 0;
	t->cap     = 0;
	t->used    = 0;
	t->free    = GALE_IDTABLE_NIL;
}

gale_err
gale__idtable_grow(gale_idtable *t)
{
	assert(t != NULL);
	size_t nslots = t->mask + 1;
	if ((t->count + 1) * 4 > nslots * 3) {
		if (nslots > SIZE_MAX / 2 / sizeof(gale_idtable_slot)) {
			return GALE_ENOMEM;
		}
		gale_err rv = idtable_slots_alloc(t, nslots * 2);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	if (t->free == GALE_IDTABLE_NIL && t->used == t->cap) {
		if (t->cap == GALE_IDTABLE_MAX) {
			return GALE_ENOMEM;
		}
		uint32_t cap = t->cap > GALE_IDTABLE_MAX / 2 ? GALE_IDTABLE_MAX
							     : t->cap * 2;
		if (cap > SIZE_MAX / t->stride) {
			return GALE_ENOMEM;
		}
		char *e = realloc(t->entries, (size_t) cap * t->stride);
		if (e == NULL) {
			return GALE_ENOMEM;
		}
		t->entries = e;
		t->cap     = cap;
	}
	return GALE_OK;
}

void
gale__idtable_clear(gale_idtable *t)
{
	assert(t != NULL);
	t->count = 0;
	t->used  = 0;
	t->free  = GALE_IDTABLE_NIL;
	if (++t->epoch == 0) {
		// After 2^32 clears old epochs would come round again.
		memset(t->slots, 0, (t->mask + 1) * sizeof(*t->slots));
		t->epoch = 1;
	}
}
