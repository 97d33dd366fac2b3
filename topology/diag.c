// SPDX-License-Identifier: MIT
// diag.c - collected diagnostics, one "FILE:LINE:COLUMN: message" each.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "topology/model.h"

void
gale_diag_init(gale_diag *d)
{
	d->lines = NULL;
	d->n     = 0;
	d->cap   = 0;
}

void
gale_diag_fini(gale_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->lines[i]);
	}
	free(d->lines);
	gale_diag_init(d);
}

void
gale_diag_add(gale_diag *d, const char *file, const gale_where *where,
    const char *fmt, ...)
{
	char    msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	char *line = NULL;
	int   rc;
	if (where != NULL && where->line > 0) {
		rc = asprintf(&line, "%s:%d:%d: %s", file ? file : "<input>",
		    where->line, where->col, msg);
	} else {
		rc = asprintf(&line, "%s: %s", file ? file : "<input>", msg);
	}
	if (rc < 0) {
		return; // Out of memory: the error count is still non-zero
		        // wherever it matters, through the caller's return code.
	}
	if (d->n == d->cap) {
		size_t cap   = d->cap ? d->cap * 2 : 8;
		char **lines = realloc(d->lines, cap * sizeof(*lines));
		if (lines == NULL) {
			free(line);
			return;
		}
		d->lines = lines;
		d->cap   = cap;
	}
	d->lines[d->n++] = line;
}
