// SPDX-License-Identifier: MIT
// spec.h - building a topology spec on the client side: a definition file
// and --set overrides, checked before anything is started or sent.

#ifndef GALE_WORKERS_SPEC_H
#define GALE_WORKERS_SPEC_H

#include "proto/wire.h"
#include "topology/model.h"

typedef struct gale_spec_builder {
	gale_spec spec;
	size_t    cap; // of spec.overrides
	const char *filter; // --filter FILE: ${key} values; NULL for none
} gale_spec_builder;

void gale_spec_builder_init(gale_spec_builder *b);
void gale_spec_builder_fini(gale_spec_builder *b);
// Adds one KEY=VALUE override. GALE_EINVAL when there is no '=' or no key.
gale_err gale_spec_builder_set(gale_spec_builder *b, const char *kv);
// Reads path (substituting ${...}, with b->filter when set, and merging
// includes), applies the overrides and validates. On success fills the
// spec (name, file name as given, text) and sets *topo (the
// caller destroys it); on failure prints every error to stderr.
gale_err gale_spec_builder_load(
    gale_spec_builder *b, const char *path, gale_topology **topo);

#endif // GALE_WORKERS_SPEC_H
