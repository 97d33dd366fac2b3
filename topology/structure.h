// SPDX-License-Identifier: MIT
// structure.h - the checks of a definition's shape that need the whole
// model: unique ids, stream endpoints, bolts without input, duplicate
// subscriptions and cycles.

#ifndef GALE_TOPOLOGY_STRUCTURE_H
#define GALE_TOPOLOGY_STRUCTURE_H

#include "topology/diag.h"
#include "topology/model.h"

// Reports to r every structural problem of t, which must come from the
// parser's walk (its marks are read). Returns GALE_ENOMEM when memory ran
// out, GALE_OK otherwise: problems are in r, not in the return code.
gale_err gale__structure_check(const gale_topology *t, gale_report *r);

#endif // GALE_TOPOLOGY_STRUCTURE_H
