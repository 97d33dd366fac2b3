// SPDX-License-Identifier: MIT
// ids.c - a sorted index of a topology's component ids.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "topology/ids.h"

typedef struct ids_entry {
	const char *id;
	size_t      idx;
} ids_entry;

struct gale_ids {
	ids_entry *byid; // sorted by id, then by idx
	size_t     n;
};

// Orders by id, then by position in the file, so the first of duplicates
// comes first.
static int
ids_cmp(const void *a, const void *b)
{
	const ids_entry *x = a;
	const ids_entry *y = b;
	int              c = strcmp(x->id, y->id);
	if (c != 0) {
		return c;
	}
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

gale_err
gale__ids_new(gale_ids **out, const gale_topology *t)
{
	gale_ids *ids = calloc(1, sizeof(*ids));
	if (ids == NULL) {
		return GALE_ENOMEM;
	}
	ids->byid = calloc(t->ncomponents + 1, sizeof(ids_entry));
	if (ids->byid == NULL) {
		gale__ids_destroy(&ids);
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < t->ncomponents; i++) {
		if (t->components[i].id != NULL) {
			ids->byid[ids->n++]
			    = (ids_entry) { t->components[i].id, i };
		}
	}
	// Sorted, an id is found in O(log n) however large the topology is.
	qsort(ids->byid, ids->n, sizeof(ids_entry), ids_cmp);
	*out = ids;
	return GALE_OK;
}

void
gale__ids_destroy(gale_ids **ip)
{
	if (ip == NULL || *ip == NULL) {
		return;
	}
	free((*ip)->byid);
	free(*ip);
	*ip = NULL;
}

size_t
gale__ids_count(const gale_ids *ids)
{
	return ids->n;
}

size_t
gale__ids_at(const gale_ids *ids, size_t i)
{
	return ids->byid[i].idx;
}

const char *
gale__ids_name(const gale_ids *ids, size_t i)
{
	return ids->byid[i].id;
}

size_t
gale__ids_find(const gale_ids *ids, const char *id)
{
	size_t lo = 0, hi = ids->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int    c   = strcmp(ids->byid[mid].id, id);
		if (c == 0) {
			return ids->byid[mid].idx;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return SIZE_MAX;
}
