// SPDX-License-Identifier: MIT
// spec.h - a topology from a submitted spec: its text and its overrides.

#ifndef GALE_TOPOLOGY_SPEC_H
#define GALE_TOPOLOGY_SPEC_H

#include "proto/wire.h"
#include "topology/model.h"

// Parses spec->yaml (named spec->file_name in messages), applies its
// overrides in order and validates the result, resolving relative library
// paths against libdir when not NULL (else the file's directory). Adds
// every error to d. Components are found through r. On success sets *out (the caller destroys it).
gale_err gale_topology_from_spec(gale_topology **out, const gale_spec *spec,
    const char *libdir, const gale_resolver *r, gale_diag *d);

// Reads the definition file path as gale_topology_load_filtered does
// (filter may be NULL), applies spec's overrides and validates it with
// positions in the files as written, adding every error and warning to d.
// On success sets spec->yaml to the text workers parse (substituted,
// includes merged into it) and spec->file_name to path.
gale_err gale_topology_spec_load(gale_spec *spec, const char *path,
    const char *filter, const gale_resolver *r, gale_diag *d);

#endif // GALE_TOPOLOGY_SPEC_H
