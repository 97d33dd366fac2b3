// SPDX-License-Identifier: MIT
// stats_errors.c - the views of component errors carried by typed stats:
// `gale errors`' list, its JSON, and the last error per component below
// `gale stats`' table.

#include <assert.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/stats_view.h"

static void
errors_time(char *buf, size_t cap, uint64_t secs)
{
	time_t    t = (time_t) secs;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL
	    || strftime(buf, cap, "%Y-%m-%d %H:%M:%SZ", &tm) == 0) {
		snprintf(buf, cap, "%" PRIu64, secs);
	}
}

// One error on one line: its text's newlines and control characters show
// as spaces.
static void
errors_line(FILE *f, const char *indent, const gale_component_error *e)
{
	char when[64];
	errors_time(when, sizeof(when), e->time_secs);
	fprintf(f, "%s%s  %s[%u]  %s:%u  ", indent, when, e->component,
	    e->task, e->host[0] ? e->host : "?", e->port);
	for (const char *p = e->error; *p != '\0'; p++) {
		fputc((unsigned char) *p < 0x20 ? ' ' : *p, f);
	}
	fputc('\n', f);
}

// Closes f, the memstream of *buf: *buf is only set by the close.
static char *
errors_finish(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *
gale_stats_view_errors_table(const gale_topology_stats *r)
{
	assert(r != NULL);
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);
	if (f == NULL) {
		return NULL;
	}
	if (r->nerrors == 0) {
		fprintf(f, "no errors\n");
	}
	for (size_t i = r->nerrors; i > 0; i--) {
		errors_line(f, "", &r->errors[i - 1]);
	}
	return errors_finish(f, &buf);
}

char *
gale_stats_view_errors_json(const gale_topology_stats *r)
{
	assert(r != NULL);
	json_t *arr = json_array();
	for (size_t i = r->nerrors; arr != NULL && i > 0; i--) {
		const gale_component_error *e = &r->errors[i - 1];
		json_array_append_new(arr,
		    json_pack("{s:s?, s:i, s:I, s:s?, s:i, s:s?}", "component",
			e->component, "task", (int) e->task, "time",
			(json_int_t) e->time_secs, "host", e->host, "port",
			(int) e->port, "error", e->error));
	}
	json_t *o
	    = json_pack("{s:s?, s:o}", "topology", r->topology, "errors", arr);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

char *
gale_stats_view_last_errors(const gale_topology_stats *r)
{
	assert(r != NULL);
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = open_memstream(&buf, &len);
	if (f == NULL) {
		return NULL;
	}
	bool any = false;
	for (size_t c = 0; c < r->ncomponents; c++) {
		for (size_t i = r->nerrors; i > 0; i--) {
			const gale_component_error *e = &r->errors[i - 1];
			if (strcmp(e->component, r->components[c].id) != 0) {
				continue;
			}
			if (!any) {
				fprintf(f, "Last errors:\n");
				any = true;
			}
			errors_line(f, "  ", e);
			break;
		}
	}
	return errors_finish(f, &buf);
}
