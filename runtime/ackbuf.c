// SPDX-License-Identifier: MIT
// ackbuf.c - outgoing ACK values combined by XOR per root before they leave.

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/idtable.h"
#include "runtime/ackbuf.h"

// The slots are an id table keyed by root whose value is the XOR so far.
// The buffer never removes a single slot, so the table hands out indices
// 0, 1, 2, ... in the order the slots are created, which is the drain
// order; a drain clears the table, which costs O(1), not O(slots).

struct gale_ackbuf {
	gale_idtable slots;
	bool         draining;
};

gale_err
gale__ackbuf_new(gale_ackbuf **out)
{
	assert(out != NULL);
	gale_ackbuf *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return GALE_ENOMEM;
	}
	if (gale__idtable_init(&b->slots, sizeof(uint64_t)) != GALE_OK) {
		gale__ackbuf_destroy(&b);
		return GALE_ENOMEM;
	}
	*out = b;
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
	gale__idtable_fini(&b->slots);
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
	uint32_t idx = gale__idtable_find(&b->slots, root);
	if (idx != GALE_IDTABLE_NIL) {
		*(uint64_t *) gale__idtable_value(&b->slots, idx) ^= value;
		return GALE_OK;
	}
	idx = gale__idtable_insert(&b->slots, root);
	if (idx == GALE_IDTABLE_NIL) {
		return GALE_ENOMEM;
	}
	*(uint64_t *) gale__idtable_value(&b->slots, idx) = value;
	return GALE_OK;
}

size_t
gale__ackbuf_count(const gale_ackbuf *b)
{
	assert(b != NULL);
	return gale__idtable_count(&b->slots);
}

void
gale__ackbuf_drain(gale_ackbuf *b,
    void (*cb)(void *arg, uint64_t root, uint64_t value), void *arg)
{
	assert(b != NULL);
	assert(!b->draining);
	b->draining = true;
	size_t n    = gale__idtable_count(&b->slots);
	for (uint32_t idx = 0; cb != NULL && idx < n; idx++) {
		cb(arg, gale__idtable_key(&b->slots, idx),
		    *(const uint64_t *) gale__idtable_value(&b->slots, idx));
	}
	b->draining = false;
	gale__idtable_clear(&b->slots);
}
