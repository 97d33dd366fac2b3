// SPDX-License-Identifier: MIT
// acker.c - the acker's table of tuple trees, completed by XOR of edge ids.

#include <assert.h>
#include <stdlib.h>

#include "runtime/acker.h"

// Entries live in one array, linked into their timeout bucket by index, so
// they never move and a rotation walks only the entries it drops. A separate
// open addressing index (linear probing, root 0 marks an empty slot, removal
// by backward shift so no tombstones pile up) maps a root to its entry. Both
// grow by doubling and are never shrunk: a table that once held n trees
// holds n again without allocating.

#define ACKER_NIL UINT32_MAX
#define ACKER_MIN_SLOTS 16
#define ACKER_MIN_ENTRIES 8
#define ACKER_MAX_ENTRIES (UINT32_MAX - 1)
#define ACKER_NOT_FOUND SIZE_MAX
// Fibonacci hashing: roots are meant to be random, but a multiply keeps a
// poor source of roots from clustering in the index.
#define ACKER_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

enum {
	ACKER_INIT_SEEN = 1 << 0, // the INIT for this root arrived
	ACKER_FAILED    = 1 << 1, // a FAIL arrived before the INIT
};

typedef struct acker_slot {
	uint64_t root; // 0 when the slot is empty
	uint32_t entry;
} acker_slot;

typedef struct acker_entry {
	uint64_t root;
	uint64_t acc; // the XOR of every value so far
	uint64_t start_ns;
	uint32_t spout_task;
	uint32_t prev; // in the bucket list; ACKER_NIL at the head
	uint32_t next; // in the bucket list, or in the free list
	uint16_t bucket; // the bucket the entry started in
	uint8_t  flags;
} acker_entry;

struct gale_acker {
	uint32_t     failed_by; // of the last tree reported FAILED
	acker_slot  *slots;
	size_t       mask; // number of slots - 1; a power of two - 1
	unsigned     shift; // 64 - log2(number of slots)
	acker_entry *entries;
	uint32_t     cap; // entries allocated
	uint32_t     used; // entries ever handed out; the rest are fresh
	uint32_t     free; // head of the free list
	size_t       count; // live entries
	uint32_t    *heads; // first entry of each bucket
	unsigned     nbuckets;
	unsigned     cur; // the bucket new entries go into
};

static size_t
acker_home(const gale_acker *a, uint64_t root)
{
	return (size_t) ((root * ACKER_GOLDEN) >> a->shift);
}

static size_t
acker_find(const gale_acker *a, uint64_t root)
{
	for (size_t i = acker_home(a, root);; i = (i + 1) & a->mask) {
		if (a->slots[i].root == root) {
			return i;
		}
		if (a->slots[i].root == 0) {
			return ACKER_NOT_FOUND;
		}
	}
}

static void
acker_slot_put(acker_slot *slots, size_t mask, unsigned shift, uint64_t root,
    uint32_t entry)
{
	size_t i = (size_t) ((root * ACKER_GOLDEN) >> shift);
	while (slots[i].root != 0) {
		i = (i + 1) & mask;
	}
	slots[i].root  = root;
	slots[i].entry = entry;
}

// Empties slot i, moving back each later slot of the run whose probe path
// passes over the hole, so lookups never need tombstones.
static void
acker_slot_erase(gale_acker *a, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & a->mask;
		if (a->slots[j].root == 0) {
			break;
		}
		size_t home = acker_home(a, a->slots[j].root);
		if (((j - home) & a->mask) >= ((j - i) & a->mask)) {
			a->slots[i] = a->slots[j];
			i           = j;
		}
	}
	a->slots[i].root = 0;
}

static gale_err
acker_slots_alloc(gale_acker *a, size_t n)
{
	acker_slot *slots = calloc(n, sizeof(*slots));
	if (slots == NULL) {
		return GALE_ENOMEM;
	}
	unsigned shift = 64;
	for (size_t m = n; m > 1; m >>= 1) {
		shift--;
	}
	if (a->slots != NULL) {
		for (size_t i = 0; i <= a->mask; i++) {
			if (a->slots[i].root != 0) {
				acker_slot_put(slots, n - 1, shift,
				    a->slots[i].root, a->slots[i].entry);
			}
		}
		free(a->slots);
	}
	a->slots = slots;
	a->mask  = n - 1;
	a->shift = shift;
	return GALE_OK;
}

// Makes room for one more entry: the index stays at most 3/4 full.
static gale_err
acker_reserve(gale_acker *a)
{
	size_t nslots = a->mask + 1;
	if ((a->count + 1) * 4 > nslots * 3) {
		if (nslots > SIZE_MAX / 2 / sizeof(acker_slot)) {
			return GALE_ENOMEM;
		}
		gale_err rv = acker_slots_alloc(a, nslots * 2);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	if (a->free == ACKER_NIL && a->used == a->cap) {
		if (a->cap == ACKER_MAX_ENTRIES) {
			return GALE_ENOMEM;
		}
		uint32_t     cap = a->cap > ACKER_MAX_ENTRIES / 2
			? ACKER_MAX_ENTRIES
			: a->cap * 2;
		acker_entry *e   = realloc(a->entries, cap * sizeof(*e));
		if (e == NULL) {
			return GALE_ENOMEM;
		}
		a->entries = e;
		a->cap     = cap;
	}
	return GALE_OK;
}

// Adds an entry for root (known to be absent) in the current bucket.
// Returns it, or NULL when out of memory.
static acker_entry *
acker_insert(gale_acker *a, uint64_t root, uint64_t now_ns)
{
	if (acker_reserve(a) != GALE_OK) {
		return NULL;
	}
	uint32_t idx;
	if (a->free != ACKER_NIL) {
		idx     = a->free;
		a->free = a->entries[idx].next;
	} else {
		idx = a->used++;
	}
	acker_entry *e = &a->entries[idx];
	e->root        = root;
	e->acc         = 0;
	e->start_ns    = now_ns;
	e->spout_task  = 0;
	e->flags       = 0;
	e->bucket      = (uint16_t) a->cur;
	e->prev        = ACKER_NIL;
	e->next        = a->heads[a->cur];
	if (e->next != ACKER_NIL) {
		a->entries[e->next].prev = idx;
	}
	a->heads[a->cur] = idx;
	acker_slot_put(a->slots, a->mask, a->shift, root, idx);
	a->count++;
	return e;
}

// Removes the entry held by slot i: from the index, its bucket and the
// count, and gives it to the free list.
static void
acker_remove(gale_acker *a, size_t i)
{
	uint32_t     idx = a->slots[i].entry;
	acker_entry *e   = &a->entries[idx];
	acker_slot_erase(a, i);
	if (e->prev != ACKER_NIL) {
		a->entries[e->prev].next = e->next;
	} else {
		a->heads[e->bucket] = e->next;
	}
	if (e->next != ACKER_NIL) {
		a->entries[e->next].prev = e->prev;
	}
	e->next = a->free;
	a->free = idx;
	a->count--;
}

static gale_tree_state
acker_report(gale_tree_state state, uint32_t spout_task, uint64_t start,
    uint32_t *spout_task_out, uint64_t *start_ns)
{
	if (spout_task_out != NULL) {
		*spout_task_out = spout_task;
	}
	if (start_ns != NULL) {
		*start_ns = start;
	}
	return state;
}

// Removes the entry in slot i and reports state for it.
static gale_tree_state
acker_finish(gale_acker *a, size_t i, gale_tree_state state,
    uint32_t *spout_task_out, uint64_t *start_ns)
{
	const acker_entry *e          = &a->entries[a->slots[i].entry];
	uint32_t           spout_task = e->spout_task;
	uint64_t           start      = e->start_ns;
	acker_remove(a, i);
	return acker_report(
	    state, spout_task, start, spout_task_out, start_ns);
}

gale_err
gale__acker_new(gale_acker **out, unsigned nbuckets)
{
	assert(out != NULL);
	if (nbuckets == 0) {
		nbuckets = GALE_ACKER_BUCKETS;
	}
	if (nbuckets < 2 || nbuckets > GALE_ACKER_BUCKETS_MAX) {
		return GALE_EINVAL;
	}
	gale_acker *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		return GALE_ENOMEM;
	}
	a->nbuckets = nbuckets;
	a->free     = ACKER_NIL;
	a->heads    = malloc(nbuckets * sizeof(*a->heads));
	a->entries  = malloc(ACKER_MIN_ENTRIES * sizeof(*a->entries));
	if (a->heads == NULL || a->entries == NULL
	    || acker_slots_alloc(a, ACKER_MIN_SLOTS) != GALE_OK) {
		gale__acker_destroy(&a);
		return GALE_ENOMEM;
	}
	a->cap = ACKER_MIN_ENTRIES;
	for (unsigned b = 0; b < nbuckets; b++) {
		a->heads[b] = ACKER_NIL;
	}
	*out = a;
	return GALE_OK;
}

void
gale__acker_destroy(gale_acker **ap)
{
	if (ap == NULL || *ap == NULL) {
		return;
	}
	gale_acker *a = *ap;
	free(a->slots);
	free(a->entries);
	free(a->heads);
	free(a);
	*ap = NULL;
}

gale_tree_state
gale__acker_init(gale_acker *a, uint64_t root, uint64_t value,
    uint32_t spout_task, uint64_t now_ns, uint32_t *spout_task_out,
    uint64_t *start_ns)
{
	assert(a != NULL);
	if (root == 0) {
		return GALE_TREE_PENDING;
	}
	size_t i = acker_find(a, root);
	if (i == ACKER_NOT_FOUND) {
		if (value == 0) {
			// The spout tuple went nowhere: nothing to wait for.
			return acker_report(GALE_TREE_COMPLETE, spout_task,
			    now_ns, spout_task_out, start_ns);
		}
		acker_entry *e = acker_insert(a, root, now_ns);
		if (e == NULL) {
			// Failing now lets the spout replay; waiting would
			// only time out later.
			a->failed_by = 0;
			return acker_report(GALE_TREE_FAILED, spout_task,
			    now_ns, spout_task_out, start_ns);
		}
		e->acc        = value;
		e->spout_task = spout_task;
		e->flags      = ACKER_INIT_SEEN;
		return GALE_TREE_PENDING;
	}
	acker_entry *e = &a->entries[a->slots[i].entry];
	e->spout_task  = spout_task;
	if (e->flags & ACKER_FAILED) {
		// A failed entry's XOR is unused; it keeps who failed it.
		a->failed_by = (uint32_t) e->acc;
		return acker_finish(
		    a, i, GALE_TREE_FAILED, spout_task_out, start_ns);
	}
	e->acc ^= value;
	e->flags |= ACKER_INIT_SEEN;
	if (e->acc == 0) {
		return acker_finish(
		    a, i, GALE_TREE_COMPLETE, spout_task_out, start_ns);
	}
	return GALE_TREE_PENDING;
}

gale_tree_state
gale__acker_ack(gale_acker *a, uint64_t root, uint64_t value, uint64_t now_ns,
    uint32_t *spout_task_out, uint64_t *start_ns)
{
	assert(a != NULL);
	if (root == 0) {
		return GALE_TREE_PENDING;
	}
	size_t i = acker_find(a, root);
	if (i == ACKER_NOT_FOUND) {
		// The ACK overtook the INIT. Without the INIT the tree cannot
		// be complete, even if this XOR happens to be 0.
		acker_entry *e = acker_insert(a, root, now_ns);
		if (e != NULL) {
			e->acc = value;
		}
		return GALE_TREE_PENDING;
	}
	acker_entry *e = &a->entries[a->slots[i].entry];
	if (e->flags & ACKER_FAILED) {
		return GALE_TREE_PENDING;
	}
	e->acc ^= value;
	if ((e->flags & ACKER_INIT_SEEN) && e->acc == 0) {
		return acker_finish(
		    a, i, GALE_TREE_COMPLETE, spout_task_out, start_ns);
	}
	return GALE_TREE_PENDING;
}

gale_tree_state
gale__acker_fail(gale_acker *a, uint64_t root, uint32_t task, uint64_t now_ns,
    uint32_t *spout_task_out, uint64_t *start_ns)
{
	assert(a != NULL);
	if (root == 0) {
		return GALE_TREE_PENDING;
	}
	size_t i = acker_find(a, root);
	if (i == ACKER_NOT_FOUND) {
		// Only the INIT names the spout task to tell, so the failure
		// waits for it.
		acker_entry *e = acker_insert(a, root, now_ns);
		if (e != NULL) {
			e->flags = ACKER_FAILED;
			e->acc   = task;
		}
		return GALE_TREE_PENDING;
	}
	acker_entry *e = &a->entries[a->slots[i].entry];
	if (e->flags & ACKER_INIT_SEEN) {
		a->failed_by = task;
		return acker_finish(
		    a, i, GALE_TREE_FAILED, spout_task_out, start_ns);
	}
	if (!(e->flags & ACKER_FAILED)) {
		e->flags |= ACKER_FAILED;
		e->acc = task;
	}
	return GALE_TREE_PENDING;
}

size_t
gale__acker_rotate(gale_acker *a)
{
	assert(a != NULL);
	unsigned oldest = (a->cur + 1) % a->nbuckets;
	size_t   n      = 0;
	while (a->heads[oldest] != ACKER_NIL) {
		size_t i = acker_find(a, a->entries[a->heads[oldest]].root);
		assert(i != ACKER_NOT_FOUND);
		acker_remove(a, i);
		n++;
	}
	a->cur = oldest;
	return n;
}

size_t
gale__acker_pending(const gale_acker *a)
{
	assert(a != NULL);
	return a->count;
}

uint32_t
gale__acker_failed_by(const gale_acker *a)
{
	assert(a != NULL);
	return a->failed_by;
}
