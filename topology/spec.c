// SPDX-License-Identifier: MIT
// spec.c - a topology from a submitted spec: its text and its overrides.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/spec.h"

gale_err
gale_topology_from_spec(gale_topology **out, const gale_spec *spec,
    const char *libdir, const gale_resolver *r, gale_diag *d)
{
	gale_topology *t    = NULL;
	const char    *yaml = spec->yaml ? spec->yaml : "";
	size_t         before = d->n;
	if (gale_topology_parse(&t, spec->file_name, yaml, strlen(yaml), d) !=
	    GALE_OK) {
		return GALE_EINVAL;
	}
	for (size_t i = 0; i < spec->noverrides; i++) {
		char *kv = NULL;
		if (asprintf(&kv, "%s=%s", spec->overrides[i].key,
		        spec->overrides[i].value) < 0) {
			gale_topology_destroy(&t);
			return GALE_ENOMEM;
		}
		gale_topology_set(t, kv, d);
		free(kv);
	}
	if (d->n > before ||
	    gale_topology_validate(t, libdir, r, d) != GALE_OK) {
		gale_topology_destroy(&t);
		return GALE_EINVAL;
	}
	*out = t;
	return GALE_OK;
}
