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

#endif // GALE_TOPOLOGY_SPEC_H
