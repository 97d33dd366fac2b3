// SPDX-License-Identifier: MIT
// pending.c - a spout executor's trees in flight, their timeouts and replays.

#include <assert.h>
#include <stdlib.h>

#include "runtime/pending.h"

// Both the trees in flight and the remembered failures are a pending_table:
// entries in one array, each linked into one list by index (a timeout
// bucket, or the single oldest-first list of failures), so entries never
// move and a rotation or an eviction touches only the entries it drops. A
// separate open addressing index (linear probing, removal by backward shift,
// no tombstones) maps a key to its entry. Message ids may be 0, so a slot is
// empty when its ref is 0 rather than its key. Everything grows by doubling
// and is never shrunk.

#define PENDING_NIL UINT32_MAX
#define PENDING_MIN_SLOTS 16
#define PENDING_MIN_ENTRIES 8
#define PENDING_MAX_ENTRIES (UINT32_MAX - 1)
#define PENDING_NOT_FOUND SIZE_MAX
// Fibonacci hashing spreads sequential message ids over the index.
#define PENDING_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

typedef struct pending_slot {
	uint64_t key;
	uint32_t ref; // entry index + 1; 0 when the slot is empty
} pending_slot;

typedef struct pending_entry {
	uint64_t key; // the root of a tree, or a failed message id
	uint64_t msg_id; // trees only
	uint64_t start_ns; // trees only
	uint32_t attempt;
	uint32_t list; // the list holding the entry
	uint32_t prev; // PENDING_NIL at the head of its list
	uint32_t next; // PENDING_NIL at the tail; also links the free list
} pending_entry;

typedef struct pending_table {
	pending_slot  *slots;
	size_t         mask; // number of slots - 1
	unsigned       shift; // 64 - log2(number of slots)
	pending_entry *entries;
	uint32_t       cap; // entries allocated
	uint32_t       used; // entries ever handed out; the rest are fresh
	uint32_t       free; // head of the free list
	size_t         count;
	uint32_t      *heads;
	uint32_t      *tails;
	unsigned       nlists;
} pending_table;

struct gale_pending {
	// Trees, in nbuckets + 1 lists used as a ring: cur is the newest
	// bucket and cur + 1 is always empty, so a rotation can move cur
	// there before it reports the oldest bucket (cur + 2), and whatever
	// its callback adds lands in the new bucket, not in the one emptied.
	pending_table trees;
	unsigned      cur;
	bool          rotating;
	// Failed message ids, in one list, oldest first.
	pending_table replays;
	size_t        replay_limit;
};

static size_t
pending_hash(uint64_t key, unsigned shift)
{
	return (size_t) ((key * PENDING_GOLDEN) >> shift);
}

static gale_err
pending_table_init(pending_table *t, unsigned nlists)
{
	t->slots   = calloc(PENDING_MIN_SLOTS, sizeof(*t->slots));
	t->entries = malloc(PENDING_MIN_ENTRIES * sizeof(*t->entries));
	t->heads   = malloc(nlists * sizeof(*t->heads));
	t->tails   = malloc(nlists * sizeof(*t->tails));
	if (t->slots == NULL || t->entries == NULL || t->heads == NULL
	    || t->tails == NULL) {
		return GALE_ENOMEM;
	}
	t->mask  = PENDING_MIN_SLOTS - 1;
	t->shift = 64;
	for (size_t m = PENDING_MIN_SLOTS; m > 1; m >>= 1) {
		t->shift--;
	}
	t->cap    = PENDING_MIN_ENTRIES;
	t->used   = 0;
	t->free   = PENDING_NIL;
	t->count  = 0;
	t->nlists = nlists;
	for (unsigned l = 0; l < nlists; l++) {
		t->heads[l] = PENDING_NIL;
		t->tails[l] = PENDING_NIL;
	}
	return GALE_OK;
}

// Frees what a table holds; also one that pending_table_init left half
// built, or one that was only zeroed.
static void
pending_table_fini(pending_table *t)
{
	free(t->slots);
	free(t->entries);
	free(t->heads);
	free(t->tails);
}

static size_t
pending_table_find(const pending_table *t, uint64_t key)
{
	for (size_t i = pending_hash(key, t->shift);; i = (i + 1) & t->mask) {
		if (t->slots[i].ref == 0) {
			return PENDING_NOT_FOUND;
		}
		if (t->slots[i].key == key) {
			return i;
		}
	}
}

static void
pending_slot_put(pending_slot *slots, size_t mask, unsigned shift,
    uint64_t key, uint32_t ref)
{
	size_t i = pending_hash(key, shift);
	while (slots[i].ref != 0) {
		i = (i + 1) & mask;
	}
	slots[i].key = key;
	slots[i].ref = ref;
}

// Empties slot i, moving back each later slot of the run whose probe path
// passes over the hole.
static void
pending_slot_erase(pending_table *t, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j].ref == 0) {
			break;
		}
		size_t home = pending_hash(t->slots[j].key, t->shift);
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i           = j;
		}
	}
	t->slots[i].ref = 0;
}

// Makes room for one more entry: the index stays at most 3/4 full.
static gale_err
pending_table_reserve(pending_table *t)
{
	size_t nslots = t->mask + 1;
	if ((t->count + 1) * 4 > nslots * 3) {
		if (nslots > SIZE_MAX / 2 / sizeof(pending_slot)) {
			return GALE_ENOMEM;
		}
		pending_slot *slots = calloc(nslots * 2, sizeof(*slots));
		if (slots == NULL) {
			return GALE_ENOMEM;
		}
		unsigned shift = t->shift - 1;
		for (size_t i = 0; i < nslots; i++) {
			if (t->slots[i].ref != 0) {
				pending_slot_put(slots, nslots * 2 - 1, shift,
				    t->slots[i].key, t->slots[i].ref);
			}
		}
		free(t->slots);
		t->slots = slots;
		t->mask  = nslots * 2 - 1;
		t->shift = shift;
	}
	if (t->free == PENDING_NIL && t->used == t->cap) {
		if (t->cap == PENDING_MAX_ENTRIES) {
			return GALE_ENOMEM;
		}
		uint32_t       cap = t->cap > PENDING_MAX_ENTRIES / 2
			  ? PENDING_MAX_ENTRIES
			  : t->cap * 2;
		pending_entry *e   = realloc(t->entries, cap * sizeof(*e));
		if (e == NULL) {
			return GALE_ENOMEM;
		}
		t->entries = e;
		t->cap     = cap;
	}
	return GALE_OK;
}

// Adds an entry for key (known to be absent) at the tail of list. Returns
// it, or NULL when out of memory.
static pending_entry *
pending_table_insert(pending_table *t, uint64_t key, unsigned list)
{
	if (pending_table_reserve(t) != GALE_OK) {
		return NULL;
	}
	uint32_t idx;
	if (t->free != PENDING_NIL) {
		idx     = t->free;
		t->free = t->entries[idx].next;
	} else {
		idx = t->used++;
	}
	pending_entry *e = &t->entries[idx];
	e->key           = key;
	e->msg_id        = 0;
	e->start_ns      = 0;
	e->attempt       = 0;
	e->list          = list;
	e->next          = PENDING_NIL;
	e->prev          = t->tails[list];
	if (e->prev != PENDING_NIL) {
		t->entries[e->prev].next = idx;
	} else {
		t->heads[list] = idx;
	}
	t->tails[list] = idx;
	pending_slot_put(t->slots, t->mask, t->shift, key, idx + 1);
	t->count++;
	return e;
}

static void
pending_table_unlink(pending_table *t, uint32_t idx)
{
	pending_entry *e = &t->entries[idx];
	if (e->prev != PENDING_NIL) {
		t->entries[e->prev].next = e->next;
	} else {
		t->heads[e->list] = e->next;
	}
	if (e->next != PENDING_NIL) {
		t->entries[e->next].prev = e->prev;
	} else {
		t->tails[e->list] = e->prev;
	}
}

// Moves entry idx to the tail of its list.
static void
pending_table_touch(pending_table *t, uint32_t idx)
{
	pending_entry *e = &t->entries[idx];
	if (e->next == PENDING_NIL) {
		return;
	}
	pending_table_unlink(t, idx);
	e->next                  = PENDING_NIL;
	e->prev                  = t->tails[e->list];
	t->entries[e->prev].next = idx;
	t->tails[e->list]        = idx;
}

// Removes the entry held by slot i and returns a copy of it.
static pending_entry
pending_table_remove(pending_table *t, size_t i)
{
	uint32_t      idx  = t->slots[i].ref - 1;
	pending_entry copy = t->entries[idx];
	pending_slot_erase(t, i);
	pending_table_unlink(t, idx);
	t->entries[idx].next = t->free;
	t->free              = idx;
	t->count--;
	return copy;
}

// Removes the first entry of list, which must not be empty.
static pending_entry
pending_table_pop(pending_table *t, unsigned list)
{
	assert(t->heads[list] != PENDING_NIL);
	size_t i = pending_table_find(t, t->entries[t->heads[list]].key);
	assert(i != PENDING_NOT_FOUND);
	return pending_table_remove(t, i);
}

gale_err
gale__pending_new(gale_pending **out, unsigned nbuckets, size_t replay_limit)
{
	assert(out != NULL);
	if (nbuckets == 0) {
		nbuckets = GALE_PENDING_BUCKETS;
	}
	if (nbuckets < 2 || nbuckets > GALE_PENDING_BUCKETS_MAX
	    || replay_limit > GALE_PENDING_REPLAY_LIMIT_MAX) {
		return GALE_EINVAL;
	}
	gale_pending *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return GALE_ENOMEM;
	}
	p->replay_limit = replay_limit;
	if (pending_table_init(&p->trees, nbuckets + 1) != GALE_OK
	    || pending_table_init(&p->replays, 1) != GALE_OK) {
		gale__pending_destroy(&p);
		return GALE_ENOMEM;
	}
	*out = p;
	return GALE_OK;
}

void
gale__pending_destroy(gale_pending **pp)
{
	if (pp == NULL || *pp == NULL) {
		return;
	}
	gale_pending *p = *pp;
	assert(!p->rotating);
	pending_table_fini(&p->trees);
	pending_table_fini(&p->replays);
	free(p);
	*pp = NULL;
}

gale_err
gale__pending_add(gale_pending *p, uint64_t root, uint64_t msg_id,
    uint64_t start_ns, uint32_t attempt)
{
	assert(p != NULL);
	if (root == 0) {
		return GALE_EINVAL;
	}
	if (pending_table_find(&p->trees, root) != PENDING_NOT_FOUND) {
		return GALE_EEXIST;
	}
	pending_entry *e = pending_table_insert(&p->trees, root, p->cur);
	if (e == NULL) {
		return GALE_ENOMEM;
	}
	e->msg_id   = msg_id;
	e->start_ns = start_ns;
	e->attempt  = attempt;
	return GALE_OK;
}

bool
gale__pending_take(gale_pending *p, uint64_t root, uint64_t *msg_id,
    uint64_t *start_ns, uint32_t *attempt)
{
	assert(p != NULL);
	size_t i = pending_table_find(&p->trees, root);
	if (i == PENDING_NOT_FOUND) {
		return false;
	}
	pending_entry e = pending_table_remove(&p->trees, i);
	if (msg_id != NULL) {
		*msg_id = e.msg_id;
	}
	if (start_ns != NULL) {
		*start_ns = e.start_ns;
	}
	if (attempt != NULL) {
		*attempt = e.attempt;
	}
	return true;
}

size_t
gale__pending_rotate(gale_pending *p,
    void (*cb)(void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns,
	uint32_t attempt),
    void *arg)
{
	assert(p != NULL);
	assert(!p->rotating);
	unsigned nlists = p->trees.nlists;
	p->cur          = (p->cur + 1) % nlists;
	unsigned oldest = (p->cur + 1) % nlists;
	assert(p->trees.heads[p->cur] == PENDING_NIL);
	size_t n    = 0;
	p->rotating = true;
	// Each step pops the head again, so a callback that takes another
	// entry of this bucket leaves the walk intact.
	while (p->trees.heads[oldest] != PENDING_NIL) {
		pending_entry e = pending_table_pop(&p->trees, oldest);
		n++;
		if (cb != NULL) {
			cb(arg, e.key, e.msg_id, e.start_ns, e.attempt);
		}
	}
	p->rotating = false;
	return n;
}

size_t
gale__pending_count(const gale_pending *p)
{
	assert(p != NULL);
	return p->trees.count;
}

void
gale__pending_failed(gale_pending *p, uint64_t msg_id, uint32_t attempt)
{
	assert(p != NULL);
	if (p->replay_limit == 0) {
		return;
	}
	pending_table *t = &p->replays;
	size_t         i = pending_table_find(t, msg_id);
	if (i != PENDING_NOT_FOUND) {
		uint32_t idx            = t->slots[i].ref - 1;
		t->entries[idx].attempt = attempt;
		pending_table_touch(t, idx);
		return;
	}
	if (t->count >= p->replay_limit) {
		(void) pending_table_pop(t, 0);
	}
	pending_entry *e = pending_table_insert(t, msg_id, 0);
	if (e != NULL) {
		e->attempt = attempt;
	}
}

uint32_t
gale__pending_replay_attempt(gale_pending *p, uint64_t msg_id)
{
	assert(p != NULL);
	size_t i = pending_table_find(&p->replays, msg_id);
	if (i == PENDING_NOT_FOUND) {
		return 0;
	}
	pending_entry e = pending_table_remove(&p->replays, i);
	return e.attempt == UINT32_MAX ? UINT32_MAX : e.attempt + 1;
}

size_t
gale__pending_replays(const gale_pending *p)
{
	assert(p != NULL);
	return p->replays.count;
}
