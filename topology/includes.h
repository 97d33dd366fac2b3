// SPDX-License-Identifier: MIT
// includes.h - Flux's `includes:`: other definition files read and merged
// into the tree of the including one, before the walk to the model.

#ifndef GALE_TOPOLOGY_INCLUDES_H
#define GALE_TOPOLOGY_INCLUDES_H

#include <stdbool.h>

#include "topology/diag.h"
#include "topology/filter.h"
#include "topology/yaml_tree.h"

// The paths of included files, kept for as long as the positions that
// name them (see gale_where).
typedef struct gale_strs {
	char **v;
	size_t n;
} gale_strs;

void gale__strs_fini(gale_strs *s);

typedef struct gale_includes {
	gale_report      *r; // the including file's reporter
	const gale_props *props; // for ${key} in included files; may be NULL
	const char       *props_path;
	bool              substitute; // replace ${...} in included files
	gale_strs        *files; // receives the paths of included files
} gale_includes;

// Reads every entry of root's `includes:` ({file, resource, override}:
// a relative file from the directory of file, a resource from
// `resources/` beside it), recursively and refusing cycles, and merges
// each into root as Storm does: `name` and config keys are taken when
// root has none or override is true; spouts and bolts by id likewise;
// streams are added. Removes the `includes` key. Sets *merged when a file
// was included. Returns GALE_ENOMEM when memory ran out, else GALE_OK
// (problems are reported).
gale_err gale__includes_merge(
    gale_includes *c, gale_yaml_node *root, const char *file, bool *merged);

#endif // GALE_TOPOLOGY_INCLUDES_H
