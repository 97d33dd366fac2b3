// SPDX-License-Identifier: MIT
// stats_view.c - typed stats and topology summaries rendered as JSON,
// through jansson, and as aligned text tables.

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "workers/stats_gauges.h"
#include "workers/stats_view.h"

// ---------------------------------------------------------------------
// JSON, through jansson
// ---------------------------------------------------------------------

// The length of the well-formed UTF-8 sequence at p, or 0 if there is none.
static size_t
stats_utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	if (c < 0x80) {
		return 1;
	}
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t        n;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n  = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n  = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	// The string ends with NUL, which is never a continuation byte, so
	// this stops before reading past it.
	if (p[1] < lo || p[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xBF) {
			return 0;
		}
	}
	return n;
}

// A JSON string of s: jansson takes UTF-8 only, so each byte that does not
// start a well-formed sequence becomes U+FFFD first. NULL reads as "".
static json_t *
stats_json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *) (s != NULL ? s : "");
	size_t               n = strlen((const char *) p);
	// U+FFFD takes three bytes for each byte it replaces.
	char *clean = malloc(3 * n + 1);
	if (clean == NULL) {
		return NULL;
	}
	size_t len = 0;
	while (*p != '\0') {
		size_t k = stats_utf8_len(p);
		if (k == 0) {
			memcpy(clean + len, "\xef\xbf\xbd", 3);
			len += 3;
			p++;
		} else {
			memcpy(clean + len, p, k);
			len += k;
			p += k;
		}
	}
	json_t *j = json_stringn(clean, len);
	free(clean);
	return j;
}

// Adds value under key, taking it; a NULL value (out of memory) fails.
static bool
stats_json_set(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

static bool
stats_json_u64(json_t *obj, const char *key, uint64_t v)
{
	return stats_json_set(obj, key, json_integer((json_int_t) v));
}

// A fraction rounded to 3 decimals, as the views show them.
static json_t *
stats_json_real(double x)
{
	if (!isfinite(x)) {
		x = 0.0;
	}
	return json_real(round(x * 1000.0) / 1000.0);
}

static json_t *
stats_json_ms(uint64_t us)
{
	return json_real((double) (us / 1000) + (double) (us % 1000) / 1000.0);
}

static json_t *
stats_json_latency(const gale_hist *h)
{
	json_t *j  = json_object();
	bool    ok = j != NULL
	    && stats_json_set(
		j, "p50", stats_json_ms(gale_hist_quantile(h, 0.5)))
	    && stats_json_set(
		j, "p99", stats_json_ms(gale_hist_quantile(h, 0.99)))
	    && stats_json_set(
		j, "p999", stats_json_ms(gale_hist_quantile(h, 0.999)))
	    && stats_json_set(j, "max", stats_json_ms(h->max_us));
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static bool
stats_json_counter(json_t *o, const gale_component_stats *cs, gale_metric k)
{
	return stats_json_u64(o, gale_metric_name(k), cs->c[k]);
}

static json_t *
stats_json_worker(const gale_topology_stats *r, const gale_worker_stats *w)
{
	json_t *o     = json_object();
	json_t *tasks = json_array();
	json_t *comps = json_array();
	bool    ok    = o != NULL && tasks != NULL && comps != NULL;
	for (size_t i = 0; ok && i < w->ntasks; i++) {
		ok = json_array_append_new(tasks, json_integer(w->tasks[i]))
		    == 0;
	}
	for (size_t i = 0; ok && i < w->ncomponents; i++) {
		uint32_t    ci = w->components[i];
		const char *id
		    = ci < r->ncomponents ? r->components[ci].id : "";
		ok = json_array_append_new(comps, stats_json_str(id)) == 0;
	}
	ok = ok && stats_json_u64(o, "index", w->index)
	    && stats_json_set(o, "host", stats_json_str(w->host))
	    && stats_json_u64(o, "port", w->port)
	    && stats_json_u64(o, "pid", w->pid)
	    && stats_json_u64(o, "uptime_ms", w->uptime_ms)
	    && stats_json_u64(o, "rss_bytes", w->rss_bytes)
	    && stats_json_set(o, "finished", json_boolean(w->finished))
	    && stats_json_u64(o, "heartbeat_age_ms", w->heartbeat_age_ms);
	ok = ok && json_object_set(o, "tasks", tasks) == 0
	    && json_object_set(o, "components", comps) == 0;
	json_decref(tasks);
	json_decref(comps);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
stats_json_component(const gale_component_stats *cs)
{
	static const gale_metric spout_rates[]
	    = { GALE_M_EMITTED, GALE_M_ACKED, GALE_M_FAILED, GALE_M_REPLAYED };
	static const gale_metric bolt_rates[]
	    = { GALE_M_EMITTED, GALE_M_ACKED, GALE_M_FAILED, GALE_M_EXECUTED };
	bool    sp = cs->is_spout;
	json_t *o  = json_object();
	bool ok = o != NULL && stats_json_set(o, "id", stats_json_str(cs->id))
	    && stats_json_set(o, "type", json_string(sp ? "spout" : "bolt"))
	    && stats_json_u64(o, "tasks", cs->tasks)
	    && stats_json_counter(o, cs, GALE_M_EMITTED)
	    && stats_json_counter(o, cs, GALE_M_TRANSFERRED)
	    && (sp || stats_json_counter(o, cs, GALE_M_EXECUTED))
	    && stats_json_counter(o, cs, GALE_M_ACKED)
	    && stats_json_counter(o, cs, GALE_M_FAILED);
	if (ok && sp) {
		ok = stats_json_counter(o, cs, GALE_M_REPLAYED)
		    && stats_json_counter(o, cs, GALE_M_PENDING)
		    && stats_json_counter(o, cs, GALE_M_PENDING_PEAK)
		    && stats_json_counter(o, cs, GALE_M_TIMEDOUT)
		    && stats_json_set(o, "complete_latency_ms",
			stats_json_latency(&cs->complete));
	} else if (ok) {
		ok = stats_json_set(
		    o, "execute_latency_ms", stats_json_latency(&cs->execute));
	}
	ok = ok && stats_json_counter(o, cs, GALE_M_DROPPED)
	    && stats_json_set(o, "capacity", stats_json_real(cs->capacity));
	json_t            *rates = json_object();
	const gale_metric *which = sp ? spout_rates : bolt_rates;
	ok                       = ok && rates != NULL;
	for (size_t i = 0; ok && i < 4; i++) {
		ok = stats_json_set(rates, gale_metric_name(which[i]),
		    stats_json_real(cs->rate[which[i]]));
	}
	ok = ok && json_object_set(o, "rates", rates) == 0;
	json_decref(rates);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

// The compact text of j, taking j; NULL when j is NULL or out of memory.
static char *
stats_json_dump(json_t *j)
{
	if (j == NULL) {
		return NULL;
	}
	char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(j);
	return text;
}

char *
gale_stats_view_json(const gale_topology_stats *r)
{
	assert(r != NULL);
	json_t *o       = json_object();
	json_t *workers = json_array();
	json_t *comps   = json_array();
	bool    ok      = o != NULL && workers != NULL && comps != NULL;
	for (size_t i = 0; ok && i < r->nworkers; i++) {
		ok = json_array_append_new(
			 workers, stats_json_worker(r, &r->workers[i]))
		    == 0;
	}
	for (size_t i = 0; ok && i < r->ncomponents; i++) {
		json_t *c = stats_json_component(&r->components[i]);
		ok        = c != NULL
		    && gale__stats_gauges_json(c, r, r->components[i].id);
		ok = json_array_append_new(comps, c) == 0 && ok;
	}
	ok = ok && stats_json_set(o, "topology", stats_json_str(r->topology))
	    && stats_json_set(
		o, "status", json_string(gale_topology_status_name(r->status)))
	    && stats_json_u64(o, "uptime_secs", r->uptime_secs)
	    && json_object_set(o, "workers", workers) == 0
	    && json_object_set(o, "components", comps) == 0;
	json_decref(workers);
	json_decref(comps);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return stats_json_dump(o);
}

// A topology running while a worker keeps failing: `ACTIVE (errors)`.
static bool
list_with_errors(const gale_topology_summary *t)
{
	return t->error[0] != '\0'
	    && (t->status == GALE_STATUS_ACTIVE
		|| t->status == GALE_STATUS_INACTIVE
		|| t->status == GALE_STATUS_WAITING);
}

char *
gale_stats_view_list_json(const gale_topology_summary *t, size_t n)
{
	assert(t != NULL || n == 0);
	json_t *a  = json_array();
	bool    ok = a != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		json_t *o = json_object();
		ok        = o != NULL
		    && stats_json_set(o, "name", stats_json_str(t[i].name))
		    && stats_json_set(o, "status",
			json_string(gale_topology_status_name(t[i].status)))
		    && stats_json_u64(o, "workers", t[i].workers)
		    && stats_json_u64(o, "tasks", t[i].tasks)
		    && stats_json_u64(o, "uptime_secs", t[i].uptime_secs);
		// The last error only when there is one, so that the list
		// of healthy topologies reads as it always did.
		if (ok && t[i].error[0] != '\0') {
			ok = stats_json_set(o, "errors",
				 json_boolean(list_with_errors(&t[i])))
			    && stats_json_set(
				o, "last_error", stats_json_str(t[i].error));
		}
		if (!ok) {
			json_decref(o);
		} else {
			// jansson frees o when the append fails.
			ok = json_array_append_new(a, o) == 0;
		}
	}
	if (!ok) {
		json_decref(a);
		return NULL;
	}
	char *text = stats_json_dump(a);
	if (text == NULL) {
		return NULL;
	}
	// A line of its own, as `gale list --json` prints it.
	size_t len  = strlen(text);
	char  *line = realloc(text, len + 2);
	if (line == NULL) {
		free(text);
		return NULL;
	}
	memcpy(line + len, "\n", 2);
	return line;
}

// ---------------------------------------------------------------------
// Text output
// ---------------------------------------------------------------------

// A growing string; after a failed allocation it only remembers failing.
typedef struct stats_buf {
	char  *p;
	size_t len;
	size_t cap;
	bool   failed;
} stats_buf;

static bool
stats_buf_grow(stats_buf *b, size_t more)
{
	if (b->failed) {
		return false;
	}
	if (b->len + more + 1 <= b->cap) {
		return true;
	}
	size_t ncap = b->cap ? b->cap : 1024;
	while (ncap < b->len + more + 1) {
		ncap *= 2;
	}
	char *p = realloc(b->p, ncap);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	b->p   = p;
	b->cap = ncap;
	return true;
}

static void
stats_buf_put(stats_buf *b, const char *s, size_t n)
{
	if (!stats_buf_grow(b, n)) {
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
stats_buf_puts(stats_buf *b, const char *s)
{
	stats_buf_put(b, s, strlen(s));
}

static void
stats_buf_printf(stats_buf *b, const char *fmt, ...)
{
	char    small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t) n < sizeof(small)) {
		stats_buf_put(b, small, (size_t) n);
		return;
	}
	if (!stats_buf_grow(b, (size_t) n)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

static char *
stats_buf_finish(stats_buf *b)
{
	if (b->failed || !stats_buf_grow(b, 0)) {
		free(b->p);
		return NULL;
	}
	b->p[b->len] = '\0';
	return b->p;
}

// The table's columns; the first two are text, the rest numbers.
enum {
	STATS_COL_COMPONENT = 0,
	STATS_COL_TYPE,
	STATS_COL_TASKS,
	STATS_COL_EMITTED,
	STATS_COL_TRANSFERRED,
	STATS_COL_EXECUTED,
	STATS_COL_ACKED,
	STATS_COL_FAILED,
	STATS_COL_REPLAYED,
	STATS_COL_PENDING,
	STATS_COL_LATENCY,
	STATS_COL_CAPACITY,
	STATS_COL_STUCK, // only when a callback is stuck
	STATS_COL_RATE,
	STATS_NCOLS
};

#define STATS_CELL_MAX (GALE_WIRE_ID_MAX + 16)

static const char *const stats_col_names[STATS_NCOLS] = { "component", "type",
	"tasks", "emitted", "transferred", "executed", "acked", "failed",
	"replayed", "pending", "lat p50/p99 ms", "capacity", "stuck_ms",
	"emitted/s" };

// Copies s into a cell, replacing control characters so that one row stays
// on one line.
static void
stats_cell_text(char *cell, const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0' && n < STATS_CELL_MAX - 1; n++) {
		unsigned char c = (unsigned char) s[n];
		cell[n]         = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
	}
	cell[n] = '\0';
}

// The width on a terminal, counting a UTF-8 sequence as one column.
static size_t
stats_text_width(const char *s)
{
	size_t w = 0;
	for (; *s != '\0'; s++) {
		if (((unsigned char) *s & 0xC0) != 0x80) {
			w++;
		}
	}
	return w;
}

static void
stats_cell_ms(char *cell, const gale_hist *h)
{
	if (h->count == 0) {
		snprintf(cell, STATS_CELL_MAX, "-");
		return;
	}
	uint64_t p50 = gale_hist_quantile(h, 0.5);
	uint64_t p99 = gale_hist_quantile(h, 0.99);
	snprintf(cell, STATS_CELL_MAX,
	    "%" PRIu64 ".%03" PRIu64 "/%" PRIu64 ".%03" PRIu64, p50 / 1000,
	    p50 % 1000, p99 / 1000, p99 % 1000);
}

static void
stats_cell_u64(char *cell, uint64_t v)
{
	snprintf(cell, STATS_CELL_MAX, "%" PRIu64, v);
}

static void
stats_table_row(char (*row)[STATS_CELL_MAX], const gale_component_stats *cs)
{
	bool sp = cs->is_spout;
	stats_cell_text(row[STATS_COL_COMPONENT], cs->id);
	stats_cell_text(row[STATS_COL_TYPE], sp ? "spout" : "bolt");
	stats_cell_u64(row[STATS_COL_TASKS], cs->tasks);
	stats_cell_u64(row[STATS_COL_EMITTED], cs->c[GALE_M_EMITTED]);
	stats_cell_u64(row[STATS_COL_TRANSFERRED], cs->c[GALE_M_TRANSFERRED]);
	if (sp) {
		stats_cell_text(row[STATS_COL_EXECUTED], "-");
	} else {
		stats_cell_u64(
		    row[STATS_COL_EXECUTED], cs->c[GALE_M_EXECUTED]);
	}
	stats_cell_u64(row[STATS_COL_ACKED], cs->c[GALE_M_ACKED]);
	stats_cell_u64(row[STATS_COL_FAILED], cs->c[GALE_M_FAILED]);
	if (sp) {
		stats_cell_u64(
		    row[STATS_COL_REPLAYED], cs->c[GALE_M_REPLAYED]);
		stats_cell_u64(row[STATS_COL_PENDING], cs->c[GALE_M_PENDING]);
		stats_cell_ms(row[STATS_COL_LATENCY], &cs->complete);
	} else {
		stats_cell_text(row[STATS_COL_REPLAYED], "-");
		stats_cell_text(row[STATS_COL_PENDING], "-");
		stats_cell_ms(row[STATS_COL_LATENCY], &cs->execute);
	}
	double cap = isfinite(cs->capacity) ? cs->capacity : 0.0;
	snprintf(row[STATS_COL_CAPACITY], STATS_CELL_MAX, "%.3f", cap);
	if (cs->c[GALE_M_STUCK_MS] > 0) {
		stats_cell_u64(row[STATS_COL_STUCK], cs->c[GALE_M_STUCK_MS]);
	} else {
		stats_cell_text(row[STATS_COL_STUCK], "-");
	}
	double rate = cs->rate[GALE_M_EMITTED];
	snprintf(row[STATS_COL_RATE], STATS_CELL_MAX, "%.1f",
	    isfinite(rate) ? rate : 0.0);
}

char *
gale_stats_view_table(const gale_topology_stats *r, bool with_rates)
{
	assert(r != NULL);
	// The columns shown: stuck_ms only while a callback is stuck, and
	// the rate only when asked for.
	bool stuck = false;
	for (size_t ci = 0; ci < r->ncomponents; ci++) {
		stuck = stuck || r->components[ci].c[GALE_M_STUCK_MS] > 0;
	}
	size_t cols[STATS_NCOLS], ncols = 0;
	for (size_t j = 0; j < STATS_NCOLS; j++) {
		if ((j != STATS_COL_STUCK || stuck)
		    && (j != STATS_COL_RATE || with_rates)) {
			cols[ncols++] = j;
		}
	}
	size_t nrows = r->ncomponents + 1;
	char(*cells)[STATS_NCOLS][STATS_CELL_MAX]
	    = malloc(nrows * sizeof(*cells));
	if (cells == NULL) {
		return NULL;
	}
	for (size_t j = 0; j < STATS_NCOLS; j++) {
		stats_cell_text(cells[0][j], stats_col_names[j]);
	}
	for (size_t ci = 0; ci < r->ncomponents; ci++) {
		stats_table_row(cells[ci + 1], &r->components[ci]);
	}

	size_t width[STATS_NCOLS] = { 0 };
	for (size_t i = 0; i < nrows; i++) {
		for (size_t k = 0; k < ncols; k++) {
			size_t j = cols[k];
			size_t w = stats_text_width(cells[i][j]);
			width[j] = w > width[j] ? w : width[j];
		}
	}

	stats_buf b = { 0 };
	char      name[STATS_CELL_MAX];
	char      status[STATS_CELL_MAX];
	stats_cell_text(name, r->topology != NULL ? r->topology : "");
	stats_cell_text(status, gale_topology_status_name(r->status));
	stats_buf_printf(&b, "Topology %s  status %s  uptime %" PRIu64 "s\n",
	    name, status, r->uptime_secs);
	for (size_t i = 0; i < nrows; i++) {
		for (size_t k = 0; k < ncols; k++) {
			size_t      j    = cols[k];
			const char *cell = cells[i][j];
			size_t      pad  = width[j] - stats_text_width(cell);
			bool        left
			    = j == STATS_COL_COMPONENT || j == STATS_COL_TYPE;
			if (j > 0) {
				stats_buf_puts(&b, "  ");
			}
			if (!left) {
				stats_buf_printf(&b, "%*s", (int) pad, "");
			}
			stats_buf_puts(&b, cell);
			if (left) {
				stats_buf_printf(&b, "%*s", (int) pad, "");
			}
		}
		stats_buf_puts(&b, "\n");
	}
	free(cells);
	char *lags = gale__stats_lag_lines(r);
	if (lags != NULL) {
		stats_buf_puts(&b, lags);
		free(lags);
	}
	char *errors = gale_stats_view_last_errors(r);
	if (errors != NULL) {
		stats_buf_puts(&b, errors);
		free(errors);
	}
	return stats_buf_finish(&b);
}

static void
stats_uptime(char *buf, size_t cap, uint64_t secs)
{
	uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
	if (h > 0) {
		snprintf(buf, cap, "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s",
		    h, m, s);
	} else if (m > 0) {
		snprintf(buf, cap, "%" PRIu64 "m%02" PRIu64 "s", m, s);
	} else {
		snprintf(buf, cap, "%" PRIu64 "s", s);
	}
}

char *
gale_stats_view_list_table(const gale_topology_summary *t, size_t n)
{
	assert(t != NULL || n == 0);
	stats_buf b = { 0 };
	if (n == 0) {
		stats_buf_puts(&b, "no topologies\n");
		return stats_buf_finish(&b);
	}
	int wname = (int) strlen("NAME"), wstat = (int) strlen("STATUS");
	for (size_t i = 0; i < n; i++) {
		int a = (int) strlen(t[i].name != NULL ? t[i].name : "");
		int c = (int) strlen(gale_topology_status_name(t[i].status))
		    + (list_with_errors(&t[i]) ? 9 : 0);
		wname = a > wname ? a : wname;
		wstat = c > wstat ? c : wstat;
	}
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		any = any || t[i].error[0] != '\0';
	}
	stats_buf_printf(&b, "%-*s  %-*s  %7s  %7s  %10s%s\n", wname, "NAME",
	    wstat, "STATUS", "WORKERS", "TASKS", "UPTIME",
	    any ? "  LAST ERROR" : "");
	for (size_t i = 0; i < n; i++) {
		char up[32], status[64];
		stats_uptime(up, sizeof(up), t[i].uptime_secs);
		snprintf(status, sizeof(status), "%s%s",
		    gale_topology_status_name(t[i].status),
		    list_with_errors(&t[i]) ? " (errors)" : "");
		stats_buf_printf(&b, "%-*s  %-*s  %7u  %7u  %10s%s%s\n", wname,
		    t[i].name != NULL ? t[i].name : "", wstat, status,
		    (unsigned) t[i].workers, (unsigned) t[i].tasks, up,
		    t[i].error[0] != '\0' ? "  " : "", t[i].error);
	}
	return stats_buf_finish(&b);
}
