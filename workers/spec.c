// SPDX-License-Identifier: MIT
// spec.c - building a topology spec on the client side.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/spec.h"
#include "workers/registry.h"
#include "workers/spec.h"

void
gale_spec_builder_init(gale_spec_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void
gale_spec_builder_fini(gale_spec_builder *b)
{
	gale_spec_fini(&b->spec);
	b->cap = 0;
}

gale_err
gale_spec_builder_set(gale_spec_builder *b, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (eq == NULL || eq == kv) {
		return GALE_EINVAL;
	}
	if (b->spec.noverrides == b->cap) {
		size_t   cap = b->cap ? b->cap * 2 : 8;
		gale_kv *o   = realloc(b->spec.overrides, cap * sizeof(*o));
		if (o == NULL) {
			return GALE_ENOMEM;
		}
		b->spec.overrides = o;
		b->cap            = cap;
	}
	gale_kv *o = &b->spec.overrides[b->spec.noverrides];
	o->key     = strndup(kv, (size_t) (eq - kv));
	o->value   = strdup(eq + 1);
	if (o->key == NULL || o->value == NULL) {
		free(o->key);
		free(o->value);
		return GALE_ENOMEM;
	}
	b->spec.noverrides++;
	return GALE_OK;
}

gale_err
gale_spec_builder_load(
    gale_spec_builder *b, const char *path, gale_topology **topo)
{
	gale_diag d;
	gale_diag_init(&d);
	gale_err rv = gale_topology_spec_load(
	    &b->spec, path, b->filter, gale__registry_resolver(), &d);
	if (rv == GALE_OK) {
		rv = gale_topology_from_spec(
		    topo, &b->spec, NULL, gale__registry_resolver(), &d);
	}
	for (size_t i = 0; i < d.n; i++) {
		fprintf(stderr, "%s\n", d.lines[i]);
	}
	gale_diag_fini(&d);
	if (rv != GALE_OK) {
		return rv;
	}
	free(b->spec.name);
	b->spec.name = strdup((*topo)->name);
	if (b->spec.name == NULL) {
		gale_topology_destroy(topo);
		return GALE_ENOMEM;
	}
	return GALE_OK;
}
