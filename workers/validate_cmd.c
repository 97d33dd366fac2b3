// SPDX-License-Identifier: MIT
// validate_cmd.c - `gale validate FILE... [--set K=V]... [--libdir DIR]`:
// checks topology files without running them.
//
// Prints "FILE: ok" on stdout for each valid file, and every error of the
// others on stderr, one "FILE:LINE:COLUMN: message" per line. Exits 0 when
// all files are valid, 1 when one is not, 2 on a usage error.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/model.h"
#include "workers/commands.h"
#include "workers/registry.h"

static void
validate_usage(FILE *f)
{
	fprintf(f,
	    "usage: gale validate FILE... [--set KEY=VALUE]... [--libdir "
	    "DIR] [--filter FILE]\n");
}

// Parses, overrides and validates one file; prints the outcome. Returns
// true when the file is valid.
static bool
validate_file(const char *path, char **sets, size_t nsets, const char *libdir,
    const char *filter)
{
	gale_diag      d;
	gale_topology *t = NULL;
	gale_diag_init(&d);
	gale_err rv = gale_topology_load_filtered(&t, path, filter, &d);
	if (rv == GALE_OK) {
		for (size_t i = 0; i < nsets; i++) {
			if (gale_topology_set(t, sets[i], &d) != GALE_OK) {
				rv = GALE_EINVAL;
			}
		}
	}
	if (rv == GALE_OK) {
		rv = gale_topology_validate(
		    t, libdir, gale__registry_resolver(), &d);
	}
	for (size_t i = 0; i < d.n; i++) {
		fprintf(stderr, "%s\n", d.lines[i]);
	}
	if (rv == GALE_OK) {
		printf("%s: ok\n", path);
	} else if (d.n == 0) {
		// Every failure adds a message, unless memory ran out while
		// adding it.
		fprintf(stderr, "%s: %s\n", path, gale_strerror(rv));
	}
	gale_diag_fini(&d);
	gale_topology_destroy(&t);
	return rv == GALE_OK;
}

int
gale_cmd_validate(int argc, char **argv)
{
	char      **files  = calloc((size_t) argc + 1, sizeof(char *));
	char      **sets   = calloc((size_t) argc + 1, sizeof(char *));
	size_t      nfiles = 0;
	size_t      nsets  = 0;
	const char *libdir = NULL;
	const char *filter = NULL;
	bool        opts   = true;
	int         code   = 2;

	if (files == NULL || sets == NULL) {
		fprintf(stderr, "gale validate: out of memory\n");
		code = 1;
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!opts || a[0] != '-' || strcmp(a, "-") == 0) {
			files[nfiles++] = a;
		} else if (strcmp(a, "--") == 0) {
			opts = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			validate_usage(stdout);
			code = 0;
			goto out;
		} else if (strcmp(a, "--set") == 0 || strcmp(a, "--libdir") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "gale validate: %s needs a value\n",
				    a);
				validate_usage(stderr);
				goto out;
			}
			if (a[2] == 's') {
				sets[nsets++] = argv[++i];
			} else {
				libdir = argv[++i];
			}
		} else if (strcmp(a, "--filter") == 0 && i + 1 < argc) {
			filter = argv[++i];
		} else if (strncmp(a, "--set=", 6) == 0) {
			sets[nsets++] = a + 6;
		} else if (strncmp(a, "--libdir=", 9) == 0) {
			libdir = a + 9;
		} else {
			fprintf(stderr, "gale validate: unknown option '%s'\n", a);
			validate_usage(stderr);
			goto out;
		}
	}
	for (size_t i = 0; i < nsets; i++) {
		const char *eq = strchr(sets[i], '=');
		if (eq == NULL || eq == sets[i]) {
			fprintf(stderr,
			    "gale validate: --set needs KEY=VALUE, found '%s'\n",
			    sets[i]);
			validate_usage(stderr);
			goto out;
		}
	}
	if (libdir != NULL && libdir[0] == '\0') {
		fprintf(stderr, "gale validate: --libdir needs a directory\n");
		validate_usage(stderr);
		goto out;
	}
	if (nfiles == 0) {
		fprintf(stderr, "gale validate: no topology file given\n");
		validate_usage(stderr);
		goto out;
	}
	code = 0;
	for (size_t i = 0; i < nfiles; i++) {
		if (!validate_file(files[i], sets, nsets, libdir, filter)) {
			code = 1;
		}
	}
	fflush(stdout);
out:
	free(files);
	free(sets);
	return code;
}
