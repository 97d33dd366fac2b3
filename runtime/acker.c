// SPDX-License-Identifier: MIT
// acker.c - the acker's table of tuple trees, completed by XOR of edge ids.

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>

#include "base/buckets.h"
#include "base/idtable.h"
#include "runtime/acker.h"

// A tree is an entry of an id table keyed by its root, linked into the
// timeout bucket of its first op; see base/idtable.h and base/buckets.h.

enum {
	ACKER_INIT_SEEN = 1 << 0, // the INIT for this root arrived
	ACKER_FAILED    = 1 << 1, // a FAIL arrived before the INIT
};

typedef struct acker_tree {
	uint64_t         acc; // the XOR of every value so far
	uint64_t         start_ns;
	gale_bucket_link link;
	uint32_t         spout_task;
	uint8_t          flags;
} acker_tree;

struct gale_acker {
	gale_idtable trees;
	gale_buckets buckets;
	uint32_t     failed_by; // of the last tree reported FAILED
};

static acker_tree *
acker_tree_at(const gale_acker *a, uint32_t idx)
{
	return gale__idtable_value(&a->trees, idx);
}

// Adds a tree for root (known to be absent) in the newest bucket. Returns
// its index, or GALE_IDTABLE_NIL when out of memory.
static uint32_t
acker_insert(gale_acker *a, uint64_t root, uint64_t now_ns)
{
	uint32_t idx = gale__idtable_insert(&a->trees, root);
	if (idx != GALE_IDTABLE_NIL) {
		acker_tree *e = acker_tree_at(a, idx);
		e->acc        = 0;
		e->start_ns   = now_ns;
		e->spout_task = 0;
		e->flags      = 0;
		gale__buckets_add(&a->buckets, idx);
	}
	return idx;
}

static void
acker_remove(gale_acker *a, uint32_t idx)
{
	gale__buckets_remove(&a->buckets, idx);
	gale__idtable_remove(&a->trees, idx);
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

// Removes tree idx and reports state for it.
static gale_tree_state
acker_finish(gale_acker *a, uint32_t idx, gale_tree_state state,
    uint32_t *spout_task_out, uint64_t *start_ns)
{
	const acker_tree *e          = acker_tree_at(a, idx);
	uint32_t          spout_task = e->spout_task;
	uint64_t          start      = e->start_ns;
	acker_remove(a, idx);
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
	if (gale__idtable_init(&a->trees, sizeof(acker_tree)) != GALE_OK
	    || gale__buckets_init(&a->buckets, &a->trees,
		   offsetof(acker_tree, link), nbuckets)
		!= GALE_OK) {
		gale__acker_destroy(&a);
		return GALE_ENOMEM;
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
	gale__buckets_fini(&a->buckets);
	gale__idtable_fini(&a->trees);
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
	uint32_t idx = gale__idtable_find(&a->trees, root);
	if (idx == GALE_IDTABLE_NIL) {
		if (value == 0) {
			// The spout tuple went nowhere: nothing to wait for.
			return acker_report(GALE_TREE_COMPLETE, spout_task,
			    now_ns, spout_task_out, start_ns);
		}
		idx = acker_insert(a, root, now_ns);
		if (idx == GALE_IDTABLE_NIL) {
			// Failing now lets the spout replay; waiting would
			// only time out later.
			a->failed_by = 0;
			return acker_report(GALE_TREE_FAILED, spout_task,
			    now_ns, spout_task_out, start_ns);
		}
		acker_tree *e = acker_tree_at(a, idx);
		e->acc        = value;
		e->spout_task = spout_task;
		e->flags      = ACKER_INIT_SEEN;
		return GALE_TREE_PENDING;
	}
	acker_tree *e = acker_tree_at(a, idx);
	e->spout_task = spout_task;
	if (e->flags & ACKER_FAILED) {
		// A failed entry's XOR is unused; it keeps who failed it.
		a->failed_by = (uint32_t) e->acc;
		return acker_finish(
		    a, idx, GALE_TREE_FAILED, spout_task_out, start_ns);
	}
	e->acc ^= value;
	e->flags |= ACKER_INIT_SEEN;
	if (e->acc == 0) {
		return acker_finish(
		    a, idx, GALE_TREE_COMPLETE, spout_task_out, start_ns);
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
	uint32_t idx = gale__idtable_find(&a->trees, root);
	if (idx == GALE_IDTABLE_NIL) {
		// The ACK overtook the INIT. Without the INIT the tree cannot
		// be complete, even if this XOR happens to be 0.
		idx = acker_insert(a, root, now_ns);
		if (idx != GALE_IDTABLE_NIL) {
			acker_tree_at(a, idx)->acc = value;
		}
		return GALE_TREE_PENDING;
	}
	acker_tree *e = acker_tree_at(a, idx);
	if (e->flags & ACKER_FAILED) {
		return GALE_TREE_PENDING;
	}
	e->acc ^= value;
	if ((e->flags & ACKER_INIT_SEEN) && e->acc == 0) {
		return acker_finish(
		    a, idx, GALE_TREE_COMPLETE, spout_task_out, start_ns);
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
	uint32_t idx = gale__idtable_find(&a->trees, root);
	if (idx == GALE_IDTABLE_NIL) {
		// Only the INIT names the spout task to tell, so the failure
		// waits for it.
		idx = acker_insert(a, root, now_ns);
		if (idx != GALE_IDTABLE_NIL) {
			acker_tree *e = acker_tree_at(a, idx);
			e->flags      = ACKER_FAILED;
			e->acc        = task;
		}
		return GALE_TREE_PENDING;
	}
	acker_tree *e = acker_tree_at(a, idx);
	if (e->flags & ACKER_INIT_SEEN) {
		a->failed_by = task;
		return acker_finish(
		    a, idx, GALE_TREE_FAILED, spout_task_out, start_ns);
	}
	if (!(e->flags & ACKER_FAILED)) {
		e->flags |= ACKER_FAILED;
		e->acc = task;
	}
	return GALE_TREE_PENDING;
}

// Drops an expired tree without a report.
static void
acker_expire_cb(void *arg, uint32_t idx)
{
	gale_acker *a = arg;
	gale__idtable_remove(&a->trees, idx);
}

size_t
gale__acker_rotate(gale_acker *a)
{
	assert(a != NULL);
	return gale__buckets_rotate(&a->buckets, acker_expire_cb, a);
}

size_t
gale__acker_pending(const gale_acker *a)
{
	assert(a != NULL);
	return gale__idtable_count(&a->trees);
}

uint32_t
gale__acker_failed_by(const gale_acker *a)
{
	assert(a != NULL);
	return a->failed_by;
}
