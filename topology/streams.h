// SPDX-License-Identifier: MIT
// streams.h - the walk of a definition's `streams` section to the model.
//
// Each stream is read with the positions of its parts; the grouping type is
// matched in any letter case, FIELDS arguments are checked for duplicates.
// Which components the endpoints name is checked later, by
// topology/structure.c, once every component is known.

#ifndef GALE_TOPOLOGY_STREAMS_H
#define GALE_TOPOLOGY_STREAMS_H

#include <stddef.h>

#include "topology/diag.h"
#include "topology/model.h"
#include "topology/parser.h"
#include "topology/yaml_tree.h"

// Reads v, the value of the top-level key `streams` (NULL when absent),
// appending one stream to streams[*n] and its marks to marks[*n] for each
// entry of the list, and reporting every problem to r. Both arrays must
// have room for every entry. Returns GALE_ENOMEM when memory ran out,
// GALE_OK otherwise: problems are in r, not in the return code.
gale_err gale__streams_walk(gale_report *r, const gale_yaml_node *v,
    gale_stream_def *streams, gale_stream_marks *marks, size_t *n);

#endif // GALE_TOPOLOGY_STREAMS_H
