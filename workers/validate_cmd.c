// SPDX-License-Identifier: MIT
// validate_cmd.c - `gale validate FILE... [--set K=V]... [--libdir DIR]`:
// checks topology files without running them.
//
// Prints "FILE: ok" on stdout for each valid file, and every error of the
// others on stderr, one "FILE:LINE:COLUMN: message" per line. Exits 0 when
// all files are valid, 1 when one is not, 2 on a usage error.

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "topology/model.h"
#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/registry.h"

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
	static const char          *name  = "validate";
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "libdir", required_argument, NULL, 'l' },
		{ "filter", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char      **sets   = calloc((size_t) argc + 1, sizeof(char *));
	size_t      nsets  = 0;
	const char *libdir = NULL;
	const char *filter = NULL;
	int         code   = GALE_EXIT_USAGE;
	int         c;

	if (sets == NULL) {
		fprintf(stderr, "gale validate: out of memory\n");
		return GALE_EXIT_FAIL;
	}
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				gale__cli_usage(name,
				    "--set needs KEY=VALUE, found '%s'", optarg);
				goto out;
			}
			sets[nsets++] = optarg;
			break;
		case 'l':
			if (optarg[0] == '\0') {
				gale__cli_usage(name, "--libdir needs a directory");
				goto out;
			}
			libdir = optarg;
			break;
		case 'f':
			filter = optarg;
			break;
		case 'h':
			gale__cli_print_usage(name, stdout);
			code = GALE_EXIT_OK;
			goto out;
		default:
			gale__cli_bad_flag(name, c, argv);
			goto out;
		}
	}
	if (optind >= argc) {
		gale__cli_usage(name, "no topology file given");
		goto out;
	}
	gale__log_init(name);
	code = GALE_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		if (!validate_file(argv[i], sets, nsets, libdir, filter)) {
			code = GALE_EXIT_FAIL;
		}
	}
	fflush(stdout);
out:
	free(sets);
	return code;
}
