// SPDX-License-Identifier: MIT
// diag.c - collected diagnostics, one "FILE:LINE:COLUMN: message" each,
// and the reporter that caps them.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/diag.h"
#include "topology/model.h"
#include "topology/parser.h"
#include "topology/suggest.h"

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
	// One diagnostic is one line: a value quoted from the file may hold
	// line breaks or other control characters; each shows as a space.
	for (char *c = msg; *c != '\0'; c++) {
		if ((unsigned char) *c < 0x20 || *c == 0x7f) {
			*c = ' ';
		}
	}

	char *line = NULL;
	int   rc;
	if (where != NULL && where->file != NULL) {
		file = where->file; // written in an included file
	}
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

void
gale__report_init(gale_report *r, const char *file, gale_diag *d)
{
	memset(r, 0, sizeof(*r));
	r->file = file != NULL ? file : "<input>";
	r->d    = d;
}

void
gale__report_skip(gale_report *r)
{
	r->failed = true;
	if (r->nerrors == GALE_TOPOLOGY_MAX_ERRORS) {
		gale_diag_add(r->d, r->file, NULL,
		    "too many errors; stopping after %d",
		    GALE_TOPOLOGY_MAX_ERRORS);
		r->nerrors++;
	}
}

void
gale__report_error(gale_report *r, const gale_where *at, const char *fmt, ...)
{
	r->failed = true;
	if (r->nerrors >= GALE_TOPOLOGY_MAX_ERRORS) {
		gale__report_skip(r);
		return;
	}
	char    msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gale_diag_add(r->d, r->file, at, "%s", msg);
	r->nerrors++;
}

void
gale__report_warn(gale_report *r, const gale_where *at, const char *fmt, ...)
{
	if (r->nerrors >= GALE_TOPOLOGY_MAX_ERRORS) {
		return;
	}
	char    msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gale_diag_add(r->d, r->file, at, "warning: %s", msg);
	r->nerrors++;
}

bool
gale__report_muted(const gale_report *r)
{
	return r->nerrors >= GALE_TOPOLOGY_MAX_ERRORS;
}

bool
gale__report_failed(const gale_report *r)
{
	return r->failed;
}

const char *
gale__report_show(gale_report *r, const char *s)
{
	char *buf = r->show[r->nshow++ % GALE_REPORT_SHOW_BUFS];
	return gale__suggest_show(buf, GALE_REPORT_SHOW_LEN, s);
}

const char *
gale__report_hint(gale_report *r, const char *best)
{
	if (best == NULL) {
		return "";
	}
	char *buf = r->show[r->nshow++ % GALE_REPORT_SHOW_BUFS];
	char  name[64];
	gale__suggest_show(name, sizeof(name), best);
	snprintf(buf, GALE_REPORT_SHOW_LEN, "; did you mean '%s'?", name);
	return buf;
}
