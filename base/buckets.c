// SPDX-License-Identifier: MIT
// buckets.c - rotating timeout buckets over the entries of an id table.

#include <assert.h>
#include <stdlib.h>

#include "base/buckets.h"

// The buckets are nbuckets + 1 lists used as a ring: cur is the newest
// bucket and cur + 1 is always empty, so a rotation can move cur there
// before it expires the oldest bucket (cur + 2), and whatever its callback
// adds lands in the new bucket, not in the one being emptied.

gale_err
gale__buckets_init(
    gale_buckets *b, gale_idtable *t, size_t link_offset, unsigned nbuckets)
{
	assert(b != NULL && t != NULL);
	b->heads    = NULL;
	b->tails    = NULL;
	b->table    = t;
	b->link     = link_offset;
	b->cur      = 0;
	b->rotating = false;
	b->nlists   = 0;
	if (nbuckets < 1 || nbuckets > GALE_BUCKETS_MAX) {
		return GALE_EINVAL;
	}
	assert(link_offset + sizeof(gale_bucket_link) + sizeof(uint64_t)
	    <= t->stride);
	b->nlists = nbuckets + 1;
	b->heads  = malloc(b->nlists * sizeof(*b->heads));
	b->tails  = malloc(b->nlists * sizeof(*b->tails));
	if (b->heads == NULL || b->tails == NULL) {
		return GALE_ENOMEM;
	}
	for (unsigned l = 0; l < b->nlists; l++) {
		b->heads[l] = GALE_IDTABLE_NIL;
		b->tails[l] = GALE_IDTABLE_NIL;
	}
	return GALE_OK;
}

void
gale__buckets_fini(gale_buckets *b)
{
	if (b == NULL) {
		return;
	}
	assert(!b->rotating);
	free(b->heads);
	free(b->tails);
	b->heads = NULL;
	b->tails = NULL;
}

void
gale__buckets_touch(gale_buckets *b, uint32_t idx)
{
	assert(b != NULL);
	const gale_bucket_link *l = gale__buckets_link(b, idx);
	if (l->bucket == b->cur && l->next == GALE_IDTABLE_NIL) {
		return;
	}
	gale__buckets_remove(b, idx);
	gale__buckets_add(b, idx);
}

uint32_t
gale__buckets_oldest(const gale_buckets *b)
{
	assert(b != NULL);
	for (unsigned k = 1; k <= b->nlists; k++) {
		uint32_t head = b->heads[(b->cur + k) % b->nlists];
		if (head != GALE_IDTABLE_NIL) {
			return head;
		}
	}
	return GALE_IDTABLE_NIL;
}

size_t
gale__buckets_rotate(
    gale_buckets *b, void (*expire)(void *arg, uint32_t idx), void *arg)
{
	assert(b != NULL && expire != NULL);
	assert(!b->rotating);
	b->cur          = (b->cur + 1) % b->nlists;
	unsigned oldest = (b->cur + 1) % b->nlists;
	assert(b->heads[b->cur] == GALE_IDTABLE_NIL);
	size_t n    = 0;
	b->rotating = true;
	// Each step takes the head again, so an expire that unlinks another
	// entry of this bucket leaves the walk intact.
	while (b->heads[oldest] != GALE_IDTABLE_NIL) {
		uint32_t idx = b->heads[oldest];
		gale__buckets_remove(b, idx);
		n++;
		expire(arg, idx);
	}
	b->rotating = false;
	return n;
}
