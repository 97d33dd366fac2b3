// SPDX-License-Identifier: MIT
// ackbuf.c - outgoing ACK values combined by XOR per root before they leave.

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ackbuf.h"

// Slots are appended to an array, which gives the drain order for free, and
// found through an open addressing index (linear probing). A buffer is
// drained once per outgoing batch, usually holding far fewer roots than its
// index has room for, so instead of clearing the index a drain bumps the
// epoch: an index slot counts only if it carries the current epoch.

#define ACKBUF_MIN_SLOTS 16
#define ACKBUF_MIN_ENTRIES 8
// Fibonacci hashing keeps a poor source of roots from clustering.
#define ACKBUF_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

typedef struct ackbuf_slot {
	uint64_t root;
	uint32_t entry;
	uint32_t epoch; // the slot is empty unless this is the buffer's epoch
} ackbuf_slot;

typedef struct ackbuf_entry {
	uint64_t root;
	uint64_t value;
} ackbuf_entry;

struct gale_ackbuf {
	ackbuf_slot  *slots;
	size_t        mask; // number of slots - 1
	unsigned      shift; // 64 - log2(number of slots)
	uint32_t      epoch; // never 0, which marks never used slots
	ackbuf_entry *entries;
	size_t        cap;
	size_t        count;
	bool          draining;
};

static size_t
ackbuf_hash(uint64_t root, unsigned shift)
{
	return (size_t) ((root * ACKBUF_GOLDEN) >> shift);
}

static void
ackbuf_slot_put(gale_ackbuf *b, uint64_t root, size_t entry)
{
	size_t i = ackbuf_hash(root, b->shift);
	while (b->slots[i].epoch == b->epoch) {
		i = (i + 1) & b->mask;
	}
	b->slots[i].root  = root;
	b->slots[i].entry = (uint32_t) entry;
	b->slots[i].epoch = b->epoch;
}

// Makes room for one more slot: the index stays at most 3/4 full.
static gale_err
ackbuf_reserve(gale_ackbuf *b)
{
	size_t nslots = b->mask + 1;
	if ((b->count + 1) * 4 > nslots * 3) {
		// Entries are indexed by 32 bits.
		if (nslots > SIZE_MAX / 2 / sizeof(ackbuf_slot)
		    || b->count >= UINT32_MAX) {
			return GALE_ENOMEM;
		}
		ackbuf_slot *slots = calloc(nslots * 2, sizeof(*slots));
		if (slots == NULL) {
			return GALE_ENOMEM;
		}
		free(b->slots);
		b->slots = slots;
		b->mask  = nslots * 2 - 1;
		b->shift--;
		// The new index starts all zero, so any nonzero epoch works.
		b->epoch = 1;
		for (size_t e = 0; e < b->count; e++) {
			ackbuf_slot_put(b, b->entries[e].root, e);
		}
	}
	if (b->count == b->cap) {
		if (b->cap > SIZE_MAX / 2 / sizeof(ackbuf_entry)) {
			return GALE_ENOMEM;
		}
		ackbuf_entry *e = realloc(b->entries, b->cap * 2 * sizeof(*e));
		if (e == NULL) {
			return GALE_ENOMEM;
		}
		b->entries = e;
		b->cap *= 2;
	}
	return GALE_OK;
}

gale_err
gale__ackbuf_new(gale_ackbuf **out)
{
	assert(out != NULL);
	gale_ackbuf *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return GALE_ENOMEM;
	}
	b->slots   = calloc(ACKBUF_MIN_SLOTS, sizeof(*b->slots));
	b->entries = malloc(ACKBUF_MIN_ENTRIES * sizeof(*b->entries));
	if (b->slots == NULL || b->entries == NULL) {
		gale__ackbuf_destroy(&b);
		return GALE_ENOMEM;
	}
	b->mask  = ACKBUF_MIN_SLOTS - 1;
	b->shift = 64;
	for (size_t m = ACKBUF_MIN_SLOTS; m > 1; m >>= 1) {
		b->shift--;
	}
	b->epoch = 1;
	b->cap   = ACKBUF_MIN_ENTRIES;
	*out     = b;
	return GALE_OK;
}

void
gale__ackbuf_destroy(gale_ackbuf **bp)
{
	if (bp == NULL || *bp == NULL) {
		return;
	}
	gale_ackbuf *b = *bp;
	assert(!b->draining);
	free(b->slots);
	free(b->entries);
	free(b);
	*bp = NULL;
}

gale_err
gale__ackbuf_add(gale_ackbuf *b, uint64_t root, uint64_t value)
{
	assert(b != NULL);
	assert(!b->draining);
	if (root == 0) {
		return GALE_EINVAL;
	}
	size_t i = ackbuf_hash(root, b->shift);
	while (b->slots[i].epoch == b->epoch) {
		if (b->slots[i].root == root) {
			b->entries[b->slots[i].entry].value ^= value;
			return GALE_OK;
		}
		i = (i + 1) & b->mask;
	}
	gale_err rv = ackbuf_reserve(b);
	if (rv != GALE_OK) {
		return rv;
	}
	b->entries[b->count].root  = root;
	b->entries[b->count].value = value;
	ackbuf_slot_put(b, root, b->count);
	b->count++;
	return GALE_OK;
}

size_t
gale__ackbuf_count(const gale_ackbuf *b)
{
	assert(b != NULL);
	return b->count;
}

void
gale__ackbuf_drain(gale_ackbuf *b,
    void (*cb)(void *arg, uint64_t root, uint64_t value), void *arg)
{
	assert(b != NULL);
	assert(!b->draining);
	b->draining = true;
	for (size_t e = 0; cb != NULL && e < b->count; e++) {
		cb(arg, b->entries[e].root, b->entries[e].value);
	}
	b->draining = false;
	b->count    = 0;
	if (++b->epoch == 0) {
		// After 2^32 drains old epochs would come round again.
		memset(b->slots, 0, (b->mask + 1) * sizeof(*b->slots));
		b->epoch = 1;
	}
}
