// SPDX-License-Identifier: MIT
// ui_api_util.c - what the REST API's documents share: JSON helpers, Storm's
// windows and the lookups in a topology's stats.

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/ui_api_impl.h"

// The windows Storm UI reports, in its order. The aggregate keeps rolling
// buckets of the counters for the first three (workers/stats_recent.h).
const char *const gale__api_windows[GALE_API_NWINDOWS]
    = { "600", "10800", "86400", ":all-time" };
const char *const gale__api_window_hints[GALE_API_NWINDOWS]
    = { "10m 0s", "3h 0m 0s", "1d 0h 0m 0s", "All time" };

void
gale__ui_error(gale_ui_response *r, unsigned status, const char *fmt, ...)
{
	char    why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	json_t *o = json_pack("{s:s, s:s, s:i}", "error", why, "errorMessage",
	    why, "status", (int) status);
	r->status = status;
	r->type   = "application/json";
	r->body   = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
}

// Consumes o: the response is o as JSON with status 200.
void
gale__api_ok(gale_ui_response *r, json_t *o)
{
	r->status = 200;
	r->type   = "application/json";
	r->body   = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
}

// The HTTP status that tells a source's failure.
unsigned
gale__api_status_of(gale_err err)
{
	switch (err) {
	case GALE_ENOENT:
		return 404;
	case GALE_EINVAL:
		return 400;
	case GALE_ETIMEDOUT:
	case GALE_EUNREACH:
	case GALE_EAGAIN:
		return 503;
	default:
		return 500;
	}
}

// Storm's way of writing a duration: "1d 2h 3m 4s", leading zero units
// left out.
static void
api_pretty(char *buf, size_t cap, uint64_t secs)
{
	uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60,
		 s = secs % 60;
	if (d > 0) {
		snprintf(buf, cap,
		    "%" PRIu64 "d %" PRIu64 "h %" PRIu64 "m %" PRIu64 "s", d,
		    h, m, s);
	} else if (h > 0) {
		snprintf(buf, cap, "%" PRIu64 "h %" PRIu64 "m %" PRIu64 "s", h,
		    m, s);
	} else if (m > 0) {
		snprintf(buf, cap, "%" PRIu64 "m %" PRIu64 "s", m, s);
	} else {
		snprintf(buf, cap, "%" PRIu64 "s", s);
	}
}

json_t *
gale__api_pretty_json(uint64_t secs)
{
	char buf[64];
	api_pretty(buf, sizeof(buf), secs);
	return json_string(buf);
}

// Storm writes latencies and capacity as strings with 3 decimals.
json_t *
gale__api_fixed3(double v)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.3f", v);
	return json_string(buf);
}

// The mean of a histogram in milliseconds.
double
gale__api_mean_ms(const gale_hist *h)
{
	return h->count > 0 ? (double) h->sum_us / (double) h->count / 1000.0
			    : 0.0;
}

double
gale__api_q_ms(const gale_hist *h, double q)
{
	return (double) gale_hist_quantile(h, q) / 1000.0;
}

json_t *
gale__api_u64(uint64_t v)
{
	return json_integer((json_int_t) v);
}

// The window asked for: its index, or -1 when it is not one of Storm's.
int
gale__api_window(const char *w)
{
	if (w == NULL || w[0] == '\0') {
		return GALE_API_NWINDOWS - 1;
	}
	for (int i = 0; i < GALE_API_NWINDOWS; i++) {
		if (strcmp(w, gale__api_windows[i]) == 0) {
			return i;
		}
	}
	return -1;
}

// ---------------------------------------------------------------------
// Reading the source
// ---------------------------------------------------------------------

bool
gale__api_stats(const gale_ui_source *src, const char *name,
    gale_topology_stats *st, gale_ui_response *r)
{
	char why[256] = "";
	if (src->stats == NULL) {
		gale__ui_error(r, 501, "this server has no topology stats");
		return false;
	}
	gale_err err = src->stats(src->arg, name, st, why, sizeof(why));
	if (err != GALE_OK) {
		if (err == GALE_ENOENT) {
			gale__ui_error(r, 404, "no topology named '%s'", name);
		} else {
			gale__ui_error(r, gale__api_status_of(err),
			    "cannot read topology '%s': %s", name,
			    why[0] ? why : gale_strerror(err));
		}
		return false;
	}
	return true;
}

bool
gale__api_list(const gale_ui_source *src, gale_topology_summary **t, size_t *n,
    gale_ui_response *r)
{
	char why[256] = "";
	*t            = NULL;
	*n            = 0;
	if (src->list == NULL) {
		gale__ui_error(r, 501, "this server cannot list topologies");
		return false;
	}
	gale_err err = src->list(src->arg, t, n, why, sizeof(why));
	if (err != GALE_OK) {
		gale__ui_error(r, gale__api_status_of(err),
		    "cannot list the topologies: %s",
		    why[0] ? why : gale_strerror(err));
		return false;
	}
	return true;
}

const char *
gale__api_config(const gale_topology_stats *st, const char *key)
{
	for (size_t i = 0; i < st->nconfig; i++) {
		if (strcmp(st->config[i].key, key) == 0) {
			return st->config[i].value;
		}
	}
	return NULL;
}

const gale_component_stats *
gale__api_component(const gale_topology_stats *st, const char *id)
{
	for (size_t i = 0; i < st->ncomponents; i++) {
		if (strcmp(st->components[i].id, id) == 0) {
			return &st->components[i];
		}
	}
	return NULL;
}

bool
gale__api_is_system(const char *id)
{
	return strncmp(id, "__", 2) == 0;
}

// The newest error of a component, or NULL (errors are oldest first).
const gale_component_error *
gale__api_last_error(const gale_topology_stats *st, const char *id)
{
	for (size_t i = st->nerrors; i > 0; i--) {
		if (id == NULL
		    || strcmp(st->errors[i - 1].component, id) == 0) {
			return &st->errors[i - 1];
		}
	}
	return NULL;
}

// The worker that runs task, or NULL.
const gale_worker_stats *
gale__api_worker_of(const gale_topology_stats *st, uint32_t task)
{
	for (size_t i = 0; i < st->nworkers; i++) {
		for (size_t k = 0; k < st->workers[i].ntasks; k++) {
			if (st->workers[i].tasks[k] == task) {
				return &st->workers[i];
			}
		}
	}
	return NULL;
}

// ---------------------------------------------------------------------
// Documents

const gale_window_counts *
gale__api_window_counts(const gale_topology_stats *st, int w, const char *id)
{
	static const uint32_t secs[GALE_API_NWINDOWS - 1]
	    = { 600, 10800, 86400 };
	if (w < 0 || w >= GALE_API_NWINDOWS - 1) {
		return NULL;
	}
	for (size_t i = 0; i < st->nwindows; i++) {
		if (st->windows[i].secs != secs[w]) {
			continue;
		}
		for (size_t k = 0; k < st->windows[i].ncomponents; k++) {
			if (strcmp(st->windows[i].components[k].id, id) == 0) {
				return &st->windows[i].components[k];
			}
		}
	}
	return NULL;
}
