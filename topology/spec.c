// SPDX-License-Identifier: MIT
// spec.c - a topology from a submitted spec: its text and its overrides.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/parser.h"
#include "topology/spec.h"

// Moves the lines of from to the end of d (formatted already).
static void
spec_move_lines(gale_diag *d, gale_diag *from)
{
	for (size_t i = 0; i < from->n; i++) {
		if (d->n == d->cap) {
			size_t cap   = d->cap ? d->cap * 2 : 8;
			char **lines = realloc(d->lines, cap * sizeof(*lines));
			if (lines == NULL) {
				return; // The rest are freed with from.
			}
			d->lines = lines;
			d->cap   = cap;
		}
		d->lines[d->n++] = from->lines[i];
		from->lines[i]   = NULL;
	}
}

// Applies spec's overrides to t; false when one was refused.
static bool
spec_overrides(gale_topology *t, const gale_spec *spec, gale_diag *d,
    gale_err *rv)
{
	bool ok = true;
	for (size_t i = 0; i < spec->noverrides; i++) {
		char *kv = NULL;
		if (asprintf(&kv, "%s=%s", spec->overrides[i].key,
			spec->overrides[i].value)
		    < 0) {
			*rv = GALE_ENOMEM;
			return false;
		}
		if (gale_topology_set(t, kv, d) != GALE_OK) {
			ok = false;
		}
		free(kv);
	}
	return ok;
}

gale_err
gale_topology_from_spec(gale_topology **out, const gale_spec *spec,
    const char *libdir, const gale_resolver *r, gale_diag *d)
{
	gale_topology *t    = NULL;
	const char    *yaml = spec->yaml ? spec->yaml : "";
	// Warnings were shown where the spec was built: only errors are
	// kept.
	gale_diag local;
	gale_diag_init(&local);
	gale_err rv = gale_topology_parse(
	    &t, spec->file_name, yaml, strlen(yaml), &local);
	if (rv == GALE_OK && (!spec_overrides(t, spec, &local, &rv)
		|| gale_topology_validate(t, libdir, r, &local) != GALE_OK)) {
		rv = rv == GALE_OK ? GALE_EINVAL : rv;
	}
	if (rv != GALE_OK) {
		spec_move_lines(d, &local);
		gale_topology_destroy(&t);
		gale_diag_fini(&local);
		return rv == GALE_ENOMEM ? GALE_ENOMEM : GALE_EINVAL;
	}
	gale_diag_fini(&local);
	*out = t;
	return GALE_OK;
}

gale_err
gale_topology_spec_load(gale_spec *spec, const char *path, const char *filter,
    const gale_resolver *r, gale_diag *d)
{
	gale_topology *t    = NULL;
	char          *ship = NULL;
	gale_err       rv = gale__topology_load_ship(&t, path, filter, &ship, d);
	if (rv == GALE_OK && (!spec_overrides(t, spec, d, &rv)
		|| gale_topology_validate(t, NULL, r, d) != GALE_OK)) {
		rv = rv == GALE_OK ? GALE_EINVAL : rv;
	}
	gale_topology_destroy(&t);
	if (rv != GALE_OK) {
		free(ship);
		return rv;
	}
	char *name = strdup(path);
	if (name == NULL) {
		free(ship);
		return GALE_ENOMEM;
	}
	free(spec->yaml);
	free(spec->file_name);
	spec->yaml      = ship;
	spec->file_name = name;
	return GALE_OK;
}
