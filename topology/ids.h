// SPDX-License-Identifier: MIT
// ids.h - a sorted index of a topology's component ids, shared by the
// parser's structure checks and the validator.
//
// Components without an id are left out. Entries are ordered by id, then by
// position in t->components, so that the first of duplicate ids comes
// first.

#ifndef GALE_TOPOLOGY_IDS_H
#define GALE_TOPOLOGY_IDS_H

#include <stddef.h>

#include "topology/model.h"

typedef struct gale_ids gale_ids;

// Indexes t's components. The index borrows the ids: t's components must
// neither move nor change id while it is in use.
gale_err gale__ids_new(gale_ids **out, const gale_topology *t);

// Accepts NULL; sets *ip to NULL.
void gale__ids_destroy(gale_ids **ip);

// The number of components with an id.
size_t gale__ids_count(const gale_ids *ids);

// The position in t->components of the i-th entry in id order
// (i < gale__ids_count).
size_t gale__ids_at(const gale_ids *ids, size_t i);

// The id of the i-th entry in id order. Borrowed: caller must not free.
const char *gale__ids_name(const gale_ids *ids, size_t i);

// The position in t->components of a component named id, or SIZE_MAX. When
// ids are duplicated (an error the parser reports), any one of them.
size_t gale__ids_find(const gale_ids *ids, const char *id);

#endif // GALE_TOPOLOGY_IDS_H
