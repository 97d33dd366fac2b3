// SPDX-License-Identifier: MIT
// pending.c - a spout executor's trees in flight, their timeouts and replays.

#include <assert.h>
#include <stdlib.h>

#include "base/buckets.h"
#include "base/idtable.h"
#include "runtime/pending.h"

// The trees in flight are an id table keyed by root, in rotating timeout
// buckets. The remembered failures are an id table keyed by message id (0
// included) whose entries sit in one bucket that never rotates: a list,
// oldest first, from which the oldest is evicted.

typedef struct pending_tree {
	uint64_t         msg_id;
	uint64_t         start_ns;
	gale_bucket_link link;
	uint32_t         attempt;
} pending_tree;

typedef struct pending_replay {
	gale_bucket_link link;
	uint32_t         attempt;
} pending_replay;

struct gale_pending {
	gale_idtable trees;
	gale_buckets timeouts;
	gale_idtable replays;
	gale_buckets replay_order;
	size_t       replay_limit;
};

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
	if (gale__idtable_init(&p->trees, sizeof(pending_tree)) != GALE_OK
	    || gale__buckets_init(&p->timeouts, &p->trees,
		   offsetof(pending_tree, link), nbuckets)
		!= GALE_OK
	    || gale__idtable_init(&p->replays, sizeof(pending_replay))
		!= GALE_OK
	    || gale__buckets_init(&p->replay_order, &p->replays,
		   offsetof(pending_replay, link), 1)
		!= GALE_OK) {
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
	gale__buckets_fini(&p->timeouts);
	gale__idtable_fini(&p->trees);
	gale__buckets_fini(&p->replay_order);
	gale__idtable_fini(&p->replays);
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
	if (gale__idtable_find(&p->trees, root) != GALE_IDTABLE_NIL) {
		return GALE_EEXIST;
	}
	uint32_t idx = gale__idtable_insert(&p->trees, root);
	if (idx == GALE_IDTABLE_NIL) {
		return GALE_ENOMEM;
	}
	pending_tree *e = gale__idtable_value(&p->trees, idx);
	e->msg_id       = msg_id;
	e->start_ns     = start_ns;
	e->attempt      = attempt;
	gale__buckets_add(&p->timeouts, idx);
	return GALE_OK;
}

bool
gale__pending_take(gale_pending *p, uint64_t root, uint64_t *msg_id,
    uint64_t *start_ns, uint32_t *attempt)
{
	assert(p != NULL);
	uint32_t idx = gale__idtable_find(&p->trees, root);
	if (idx == GALE_IDTABLE_NIL) {
		return false;
	}
	const pending_tree *e = gale__idtable_value(&p->trees, idx);
	if (msg_id != NULL) {
		*msg_id = e->msg_id;
	}
	if (start_ns != NULL) {
		*start_ns = e->start_ns;
	}
	if (attempt != NULL) {
		*attempt = e->attempt;
	}
	gale__buckets_remove(&p->timeouts, idx);
	gale__idtable_remove(&p->trees, idx);
	return true;
}

typedef struct pending_expiry {
	gale_pending *p;
	void (*cb)(void *arg, uint64_t root, uint64_t msg_id,
	    uint64_t start_ns, uint32_t attempt);
	void *arg;
} pending_expiry;

// Removes an expired tree, then reports it: the callback finds the table
// without it and may reuse its memory.
static void
pending_expire_cb(void *arg, uint32_t idx)
{
	pending_expiry     *x    = arg;
	gale_idtable       *t    = &x->p->trees;
	const pending_tree *e    = gale__idtable_value(t, idx);
	pending_tree        copy = *e;
	uint64_t            root = gale__idtable_key(t, idx);
	gale__idtable_remove(t, idx);
	if (x->cb != NULL) {
		x->cb(x->arg, root, copy.msg_id, copy.start_ns, copy.attempt);
	}
}

size_t
gale__pending_rotate(gale_pending *p,
    void (*cb)(void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns,
	uint32_t attempt),
    void *arg)
{
	assert(p != NULL);
	pending_expiry x = { .p = p, .cb = cb, .arg = arg };
	return gale__buckets_rotate(&p->timeouts, pending_expire_cb, &x);
}

size_t
gale__pending_count(const gale_pending *p)
{
	assert(p != NULL);
	return gale__idtable_count(&p->trees);
}

void
gale__pending_failed(gale_pending *p, uint64_t msg_id, uint32_t attempt)
{
	assert(p != NULL);
	if (p->replay_limit == 0) {
		return;
	}
	gale_idtable *t   = &p->replays;
	uint32_t      idx = gale__idtable_find(t, msg_id);
	if (idx != GALE_IDTABLE_NIL) {
		((pending_replay *) gale__idtable_value(t, idx))->attempt
		    = attempt;
		gale__buckets_touch(&p->replay_order, idx);
		return;
	}
	if (gale__idtable_count(t) >= p->replay_limit) {
		uint32_t oldest = gale__buckets_oldest(&p->replay_order);
		assert(oldest != GALE_IDTABLE_NIL);
		gale__buckets_remove(&p->replay_order, oldest);
		gale__idtable_remove(t, oldest);
	}
	idx = gale__idtable_insert(t, msg_id);
	if (idx != GALE_IDTABLE_NIL) {
		((pending_replay *) gale__idtable_value(t, idx))->attempt
		    = attempt;
		gale__buckets_add(&p->replay_order, idx);
	}
}

uint32_t
gale__pending_replay_attempt(gale_pending *p, uint64_t msg_id)
{
	assert(p != NULL);
	gale_idtable *t   = &p->replays;
	uint32_t      idx = gale__idtable_find(t, msg_id);
	if (idx == GALE_IDTABLE_NIL) {
		return 0;
	}
	uint32_t attempt
	    = ((const pending_replay *) gale__idtable_value(t, idx))->attempt;
	gale__buckets_remove(&p->replay_order, idx);
	gale__idtable_remove(t, idx);
	return attempt == UINT32_MAX ? UINT32_MAX : attempt + 1;
}

bool
gale__pending_is_failed(const gale_pending *p, uint64_t msg_id)
{
	assert(p != NULL);
	return gale__idtable_find(&p->replays, msg_id) != GALE_IDTABLE_NIL;
}

size_t
gale__pending_replays(const gale_pending *p)
{
	assert(p != NULL);
	return gale__idtable_count(&p->replays);
}
