// SPDX-License-Identifier: MIT
// ui_api.c - the web UI's REST API: Storm UI's /api/v1 documents, with
// Storm's field names where the meaning is the same, built from typed stats.

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/ui_api.h"

// The windows Storm UI reports, in its order. gale's aggregate keeps totals
// since the topology started, so every window reports those totals (a
// window longer than the uptime holds everything anyway).
static const char *const api_windows[]
    = { "600", "10800", "86400", ":all-time" };
static const char *const api_window_hints[]
    = { "10m 0s", "3h 0m 0s", "1d 0h 0m 0s", "All time" };
#define API_NWINDOWS 4

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
static void
api_ok(gale_ui_response *r, json_t *o)
{
	r->status = 200;
	r->type   = "application/json";
	r->body   = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
}

// The HTTP status that tells a source's failure.
static unsigned
api_status_of(gale_err err)
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

static json_t *
api_pretty_json(uint64_t secs)
{
	char buf[64];
	api_pretty(buf, sizeof(buf), secs);
	return json_string(buf);
}

// Storm writes latencies and capacity as strings with 3 decimals.
static json_t *
api_fixed3(double v)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.3f", v);
	return json_string(buf);
}

// The mean of a histogram in milliseconds.
static double
api_mean_ms(const gale_hist *h)
{
	return h->count > 0 ? (double) h->sum_us / (double) h->count / 1000.0
			    : 0.0;
}

static double
api_q_ms(const gale_hist *h, double q)
{
	return (double) gale_hist_quantile(h, q) / 1000.0;
}

static json_t *
api_u64(uint64_t v)
{
	return json_integer((json_int_t) v);
}

// The window asked for: its index, or -1 when it is not one of Storm's.
static int
api_window(const char *w)
{
	if (w == NULL || w[0] == '\0') {
		return API_NWINDOWS - 1;
	}
	for (int i = 0; i < API_NWINDOWS; i++) {
		if (strcmp(w, api_windows[i]) == 0) {
			return i;
		}
	}
	return -1;
}

// ---------------------------------------------------------------------
// Reading the source
// ---------------------------------------------------------------------

static bool
api_stats(const gale_ui_source *src, const char *name, gale_topology_stats *st,
    gale_ui_response *r)
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
			gale__ui_error(r, api_status_of(err),
			    "cannot read topology '%s': %s", name,
			    why[0] ? why : gale_strerror(err));
		}
		return false;
	}
	return true;
}

static bool
api_list(const gale_ui_source *src, gale_topology_summary **t, size_t *n,
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
		gale__ui_error(r, api_status_of(err),
		    "cannot list the topologies: %s",
		    why[0] ? why : gale_strerror(err));
		return false;
	}
	return true;
}

static const char *
api_config(const gale_topology_stats *st, const char *key)
{
	for (size_t i = 0; i < st->nconfig; i++) {
		if (strcmp(st->config[i].key, key) == 0) {
			return st->config[i].value;
		}
	}
	return NULL;
}

static const gale_component_stats *
api_component(const gale_topology_stats *st, const char *id)
{
	for (size_t i = 0; i < st->ncomponents; i++) {
		if (strcmp(st->components[i].id, id) == 0) {
			return &st->components[i];
		}
	}
	return NULL;
}

// The newest error of a component, or NULL (errors are oldest first).
static const gale_component_error *
api_last_error(const gale_topology_stats *st, const char *id)
{
	for (size_t i = st->nerrors; i > 0; i--) {
		if (strcmp(st->errors[i - 1].component, id) == 0) {
			return &st->errors[i - 1];
		}
	}
	return NULL;
}

// The worker that runs task, or NULL.
static const gale_worker_stats *
api_worker_of(const gale_topology_stats *st, uint32_t task)
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
// ---------------------------------------------------------------------

static void
api_set_error_fields(json_t *o, const gale_topology_stats *st, const char *id)
{
	const gale_component_error *e   = api_last_error(st, id);
	uint64_t                    now = (uint64_t) time(NULL);
	if (e == NULL) {
		json_object_set_new(o, "lastError", json_string(""));
		json_object_set_new(o, "errorHost", json_string(""));
		json_object_set_new(o, "errorPort", json_null());
		json_object_set_new(o, "errorTime", json_null());
		json_object_set_new(o, "errorLapsedSecs", json_null());
		return;
	}
	json_object_set_new(o, "lastError", json_string(e->error));
	json_object_set_new(o, "errorHost", json_string(e->host));
	json_object_set_new(o, "errorPort", json_integer(e->port));
	json_object_set_new(o, "errorTime", api_u64(e->time_secs));
	json_object_set_new(o, "errorLapsedSecs",
	    api_u64(now > e->time_secs ? now - e->time_secs : 0));
}

// One component's line of the topology page: Storm's fields, then gale's.
static json_t *
api_component_json(
    const gale_topology_stats *st, const gale_component_stats *c)
{
	json_t *o = json_object();
	json_object_set_new(
	    o, c->is_spout ? "spoutId" : "boltId", json_string(c->id));
	json_object_set_new(o, "encodedId", json_string(c->id));
	json_object_set_new(o, "executors", json_integer(c->tasks));
	json_object_set_new(o, "tasks", json_integer(c->tasks));
	json_object_set_new(o, "emitted", api_u64(c->c[GALE_M_EMITTED]));
	json_object_set_new(
	    o, "transferred", api_u64(c->c[GALE_M_TRANSFERRED]));
	json_object_set_new(o, "acked", api_u64(c->c[GALE_M_ACKED]));
	json_object_set_new(o, "failed", api_u64(c->c[GALE_M_FAILED]));
	json_object_set_new(o, "capacity", api_fixed3(c->capacity));
	if (c->is_spout) {
		json_object_set_new(o, "completeLatency",
		    api_fixed3(api_mean_ms(&c->complete)));
		json_object_set_new(o, "completeLatencyP50",
		    api_fixed3(api_q_ms(&c->complete, 0.5)));
		json_object_set_new(o, "completeLatencyP99",
		    api_fixed3(api_q_ms(&c->complete, 0.99)));
		json_object_set_new(
		    o, "replayed", api_u64(c->c[GALE_M_REPLAYED]));
		json_object_set_new(
		    o, "timedout", api_u64(c->c[GALE_M_TIMEDOUT]));
		json_object_set_new(
		    o, "pending", api_u64(c->c[GALE_M_PENDING]));
	} else {
		// gale measures execute time only; a bolt acks as it
		// executes, so its process latency is taken as the same.
		double mean = api_mean_ms(&c->execute);
		json_object_set_new(
		    o, "executed", api_u64(c->c[GALE_M_EXECUTED]));
		json_object_set_new(o, "executeLatency", api_fixed3(mean));
		json_object_set_new(o, "processLatency", api_fixed3(mean));
		json_object_set_new(o, "executeLatencyP50",
		    api_fixed3(api_q_ms(&c->execute, 0.5)));
		json_object_set_new(o, "executeLatencyP99",
		    api_fixed3(api_q_ms(&c->execute, 0.99)));
	}
	json_t *rates = json_object();
	for (int k = 0; k < GALE_M_COUNT; k++) {
		if (c->rate[k] != 0.0) {
			json_object_set_new(rates,
			    gale_metric_name((gale_metric) k),
			    json_real(c->rate[k]));
		}
	}
	json_object_set_new(o, "rates", rates);
	api_set_error_fields(o, st, c->id);
	return o;
}

static json_t *
api_workers_json(const gale_topology_stats *st)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < st->nworkers; i++) {
		const gale_worker_stats *w   = &st->workers[i];
		json_t                  *o   = json_object();
		json_t                  *per = json_object();
		for (size_t k = 0; k < w->ntasks; k++) {
			for (size_t j = 0; j < st->ntasks; j++) {
				if (st->tasks[j].task != w->tasks[k]) {
					continue;
				}
				const char *comp = st->tasks[j].component;
				json_t     *n    = json_object_get(per, comp);
				json_object_set_new(per, comp,
				    json_integer(
					(n ? json_integer_value(n) : 0) + 1));
			}
		}
		json_object_set_new(o, "supervisorId", json_string(w->host));
		json_object_set_new(o, "host", json_string(w->host));
		json_object_set_new(o, "port", json_integer(w->port));
		json_object_set_new(o, "pid", json_integer(w->pid));
		json_object_set_new(o, "index", json_integer(w->index));
		json_object_set_new(
		    o, "topologyId", json_string(st->topology));
		json_object_set_new(
		    o, "topologyName", json_string(st->topology));
		json_object_set_new(o, "executorsTotal", api_u64(w->ntasks));
		json_object_set_new(o, "componentNumTasks", per);
		json_object_set_new(
		    o, "uptime", api_pretty_json(w->uptime_ms / 1000));
		json_object_set_new(
		    o, "uptimeSeconds", api_u64(w->uptime_ms / 1000));
		json_object_set_new(o, "rssBytes", api_u64(w->rss_bytes));
		json_object_set_new(
		    o, "heartbeatAgeMs", api_u64(w->heartbeat_age_ms));
		json_object_set_new(o, "finished", json_boolean(w->finished));
		json_array_append_new(arr, o);
	}
	return arr;
}

// The topology's totals: the spouts' emitted, acked, failed and complete
// latency, and every component's transferred, as Storm sums them.
static json_t *
api_topology_stats_json(const gale_topology_stats *st)
{
	uint64_t  emitted = 0, transferred = 0, acked = 0, failed = 0;
	gale_hist complete;
	memset(&complete, 0, sizeof(complete));
	for (size_t i = 0; i < st->ncomponents; i++) {
		const gale_component_stats *c = &st->components[i];
		emitted += c->c[GALE_M_EMITTED];
		transferred += c->c[GALE_M_TRANSFERRED];
		if (c->is_spout) {
			acked += c->c[GALE_M_ACKED];
			failed += c->c[GALE_M_FAILED];
			gale_hist_merge(&complete, &c->complete);
		}
	}
	json_t *arr = json_array();
	for (int w = 0; w < API_NWINDOWS; w++) {
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:I}",
			"windowPretty", api_window_hints[w], "window",
			api_windows[w], "emitted", (json_int_t) emitted,
			"transferred", (json_int_t) transferred,
			"completeLatency", api_fixed3(api_mean_ms(&complete)),
			"acked", (json_int_t) acked, "failed",
			(json_int_t) failed));
	}
	return arr;
}

static uint32_t
api_tasks_total(const gale_topology_stats *st)
{
	uint32_t n = 0;
	for (size_t i = 0; i < st->ncomponents; i++) {
		n += st->components[i].tasks;
	}
	return n;
}

static void
api_topology(const gale_ui_source *src, const char *name, int window,
    const char *csrf, gale_ui_response *r)
{
	gale_topology_stats st;
	if (!api_stats(src, name, &st, r)) {
		return;
	}
	const char *timeout = api_config(&st, "topology.message.timeout.secs");
	const char *sample  = api_config(&st, "topology.trace.sample.rate");
	const char *debug   = api_config(&st, "topology.debug.replays");
	json_t     *o       = json_object();
	json_object_set_new(o, "id", json_string(st.topology));
	json_object_set_new(o, "encodedId", json_string(st.topology));
	json_object_set_new(o, "name", json_string(st.topology));
	json_object_set_new(
	    o, "status", json_string(gale_topology_status_name(st.status)));
	json_object_set_new(o, "uptime", api_pretty_json(st.uptime_secs));
	json_object_set_new(o, "uptimeSeconds", api_u64(st.uptime_secs));
	json_object_set_new(
	    o, "tasksTotal", json_integer(api_tasks_total(&st)));
	json_object_set_new(
	    o, "executorsTotal", json_integer(api_tasks_total(&st)));
	json_object_set_new(o, "workersTotal", api_u64(st.nworkers));
	json_object_set_new(o, "msgTimeout",
	    json_integer(timeout != NULL ? atoi(timeout) : 30));
	json_object_set_new(o, "window", json_string(api_windows[window]));
	json_object_set_new(
	    o, "windowHint", json_string(api_window_hints[window]));
	json_object_set_new(o, "debug",
	    json_boolean(debug != NULL && strcmp(debug, "true") == 0));
	json_object_set_new(o, "samplingPct",
	    json_real(sample != NULL ? atof(sample) * 100.0 : 0.0));
	json_object_set_new(o, "antiForgeryToken", json_string(csrf));
	json_object_set_new(o, "topologyStats", api_topology_stats_json(&st));
	json_t *spouts = json_array();
	json_t *bolts  = json_array();
	for (size_t i = 0; i < st.ncomponents; i++) {
		const gale_component_stats *c = &st.components[i];
		json_array_append_new(
		    c->is_spout ? spouts : bolts, api_component_json(&st, c));
	}
	json_object_set_new(o, "spouts", spouts);
	json_object_set_new(o, "bolts", bolts);
	json_object_set_new(o, "workers", api_workers_json(&st));
	json_t *conf = json_object();
	for (size_t i = 0; i < st.nconfig; i++) {
		json_object_set_new(
		    conf, st.config[i].key, json_string(st.config[i].value));
	}
	json_object_set_new(o, "configuration", conf);
	gale_topology_stats_fini(&st);
	api_ok(r, o);
}

static json_t *
api_errors_json(const gale_topology_stats *st, const char *id)
{
	json_t  *arr = json_array();
	uint64_t now = (uint64_t) time(NULL);
	for (size_t i = st->nerrors; i > 0; i--) {
		const gale_component_error *e = &st->errors[i - 1];
		if (strcmp(e->component, id) != 0) {
			continue;
		}
		json_array_append_new(arr,
		    json_pack("{s:I, s:s, s:i, s:s, s:I, s:i}", "errorTime",
			(json_int_t) e->time_secs, "errorHost", e->host,
			"errorPort", (int) e->port, "error", e->error,
			"errorLapsedSecs",
			(json_int_t) (now > e->time_secs ? now - e->time_secs
							 : 0),
			"task", (int) e->task));
	}
	return arr;
}

static json_t *
api_executor_json(
    const gale_topology_stats *st, const gale_task_snapshot *t, bool spout)
{
	char id[32];
	snprintf(id, sizeof(id), "[%u-%u]", t->task, t->task);
	const gale_worker_stats *w = api_worker_of(st, t->task);
	json_t                  *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "task", json_integer(t->task));
	json_object_set_new(o, "host", json_string(w ? w->host : ""));
	json_object_set_new(o, "port", json_integer(w ? w->port : 0));
	json_object_set_new(
	    o, "uptime", api_pretty_json(w ? w->uptime_ms / 1000 : 0));
	json_object_set_new(
	    o, "uptimeSeconds", api_u64(w ? w->uptime_ms / 1000 : 0));
	json_object_set_new(o, "emitted", api_u64(t->c[GALE_M_EMITTED]));
	json_object_set_new(
	    o, "transferred", api_u64(t->c[GALE_M_TRANSFERRED]));
	json_object_set_new(o, "acked", api_u64(t->c[GALE_M_ACKED]));
	json_object_set_new(o, "failed", api_u64(t->c[GALE_M_FAILED]));
	if (spout) {
		json_object_set_new(o, "completeLatency",
		    api_fixed3(api_mean_ms(&t->complete)));
		json_object_set_new(
		    o, "replayed", api_u64(t->c[GALE_M_REPLAYED]));
		json_object_set_new(
		    o, "pending", api_u64(t->c[GALE_M_PENDING]));
	} else {
		double mean = api_mean_ms(&t->execute);
		json_object_set_new(
		    o, "executed", api_u64(t->c[GALE_M_EXECUTED]));
		json_object_set_new(o, "executeLatency", api_fixed3(mean));
		json_object_set_new(o, "processLatency", api_fixed3(mean));
	}
	return o;
}

// Per-stream stats: gale counts per component, so a stream's numbers are
// its component's; they are exact when the component has one output (or
// one input) stream, which "exact" says.
static void
api_stream_stats(
    json_t *o, const gale_topology_stats *st, const gale_component_stats *c)
{
	json_t *out  = json_array();
	json_t *in   = json_array();
	size_t  nout = 0, nin = 0;
	for (size_t i = 0; i < st->nstreams; i++) {
		nout += strcmp(st->streams[i].from, c->id) == 0;
		nin += strcmp(st->streams[i].to, c->id) == 0;
	}
	for (size_t i = 0; i < st->nstreams; i++) {
		const gale_stream_info *s = &st->streams[i];
		if (strcmp(s->from, c->id) == 0) {
			bool seen = false;
			for (size_t k = 0; k < json_array_size(out); k++) {
				json_t *e = json_array_get(out, k);
				seen |= strcmp(
					    json_string_value(
						json_object_get(e, "stream")),
					    s->stream)
				    == 0;
			}
			if (!seen) {
				json_array_append_new(out,
				    json_pack("{s:s, s:I, s:I, s:I, s:I, s:b}",
					"stream", s->stream, "emitted",
					(json_int_t) c->c[GALE_M_EMITTED],
					"transferred",
					(json_int_t) c->c[GALE_M_TRANSFERRED],
					"acked",
					(json_int_t) c->c[GALE_M_ACKED],
					"failed",
					(json_int_t) c->c[GALE_M_FAILED],
					"exact", nout == 1));
			}
		}
		if (strcmp(s->to, c->id) == 0) {
			double mean = api_mean_ms(&c->execute);
			json_array_append_new(in,
			    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, "
				      "s:o, s:s, s:b}",
				"component", s->from, "encodedComponentId",
				s->from, "stream", s->stream, "executed",
				(json_int_t) c->c[GALE_M_EXECUTED], "acked",
				(json_int_t) c->c[GALE_M_ACKED], "failed",
				(json_int_t) c->c[GALE_M_FAILED],
				"executeLatency", api_fixed3(mean),
				"processLatency", api_fixed3(mean), "grouping",
				s->grouping, "exact", nin == 1));
		}
	}
	json_object_set_new(o, "outputStats", out);
	if (!c->is_spout) {
		json_object_set_new(o, "inputStats", in);
	} else {
		json_decref(in);
	}
}

static void
api_component_page(const gale_ui_source *src, const char *name, const char *id,
    int window, gale_ui_response *r)
{
	gale_topology_stats st;
	if (!api_stats(src, name, &st, r)) {
		return;
	}
	const gale_component_stats *c = api_component(&st, id);
	if (c == NULL) {
		gale__ui_error(
		    r, 404, "topology '%s' has no component '%s'", name, id);
		gale_topology_stats_fini(&st);
		return;
	}
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "encodedId", json_string(c->id));
	json_object_set_new(o, "name", json_string(st.topology));
	json_object_set_new(o, "topologyId", json_string(st.topology));
	json_object_set_new(o, "encodedTopologyId", json_string(st.topology));
	json_object_set_new(o, "topologyStatus",
	    json_string(gale_topology_status_name(st.status)));
	json_object_set_new(
	    o, "componentType", json_string(c->is_spout ? "spout" : "bolt"));
	json_object_set_new(o, "executors", json_integer(c->tasks));
	json_object_set_new(o, "tasks", json_integer(c->tasks));
	json_object_set_new(o, "window", json_string(api_windows[window]));
	json_object_set_new(
	    o, "windowHint", json_string(api_window_hints[window]));
	json_object_set_new(o, "componentErrors", api_errors_json(&st, c->id));
	json_t *summary = json_array();
	json_t *line    = api_component_json(&st, c);
	for (int w = 0; w < API_NWINDOWS; w++) {
		json_t *e = json_deep_copy(line);
		json_object_set_new(
		    e, "windowPretty", json_string(api_window_hints[w]));
		json_object_set_new(e, "window", json_string(api_windows[w]));
		json_array_append_new(summary, e);
	}
	json_decref(line);
	json_object_set_new(
	    o, c->is_spout ? "spoutSummary" : "boltStats", summary);
	api_stream_stats(o, &st, c);
	json_t *execs = json_array();
	for (size_t i = 0; i < st.ntasks; i++) {
		if (strcmp(st.tasks[i].component, c->id) == 0) {
			json_array_append_new(execs,
			    api_executor_json(&st, &st.tasks[i], c->is_spout));
		}
	}
	json_object_set_new(o, "executorStats", execs);
	gale_topology_stats_fini(&st);
	api_ok(r, o);
}

// The rate of tuples on a stream: the receiver's executed rate when the
// stream is its only input, else the sender's emitted rate when it is the
// sender's only output, else the receiver's share.
static double
api_stream_rate(
    const gale_topology_stats *st, const gale_stream_info *s, bool *exact)
{
	size_t nin = 0, nout = 0;
	for (size_t i = 0; i < st->nstreams; i++) {
		nin += strcmp(st->streams[i].to, s->to) == 0;
		nout += strcmp(st->streams[i].from, s->from) == 0;
	}
	const gale_component_stats *to   = api_component(st, s->to);
	const gale_component_stats *from = api_component(st, s->from);
	*exact                           = nin == 1 || nout == 1;
	if (to != NULL && nin == 1) {
		return to->rate[GALE_M_EXECUTED];
	}
	if (from != NULL && nout == 1) {
		return from->rate[GALE_M_EMITTED];
	}
	return to != NULL && nin > 0 ? to->rate[GALE_M_EXECUTED] / (double) nin
				     : 0.0;
}

static void
api_graph(const gale_ui_source *src, const char *name, gale_ui_response *r)
{
	gale_topology_stats st;
	if (!api_stats(src, name, &st, r)) {
		return;
	}
	json_t *comps = json_array();
	for (size_t i = 0; i < st.ncomponents; i++) {
		const gale_component_stats *c = &st.components[i];
		json_array_append_new(comps,
		    json_pack("{s:s, s:s, s:i, s:f, s:I, s:I, s:I, s:f, s:f}",
			"id", c->id, "type", c->is_spout ? "spout" : "bolt",
			"tasks", (int) c->tasks, "capacity", c->capacity,
			"emitted", (json_int_t) c->c[GALE_M_EMITTED], "acked",
			(json_int_t) c->c[GALE_M_ACKED], "failed",
			(json_int_t) c->c[GALE_M_FAILED], "emittedPerSec",
			c->rate[GALE_M_EMITTED], "ackedPerSec",
			c->rate[GALE_M_ACKED]));
	}
	json_t *streams = json_array();
	for (size_t i = 0; i < st.nstreams; i++) {
		const gale_stream_info *s = &st.streams[i];
		bool                    exact;
		double                  rate = api_stream_rate(&st, s, &exact);
		json_t                 *fields = json_array();
		for (size_t k = 0; k < s->nfields; k++) {
			json_array_append_new(
			    fields, json_string(s->fields[k]));
		}
		json_array_append_new(streams,
		    json_pack("{s:s, s:s, s:s, s:s, s:o, s:f, s:b}", "from",
			s->from, "to", s->to, "stream", s->stream, "grouping",
			s->grouping, "fields", fields, "tuplesPerSec", rate,
			"exact", exact));
	}
	json_t *o = json_pack("{s:s, s:o, s:o}", "topologyId", st.topology,
	    "components", comps, "streams", streams);
	gale_topology_stats_fini(&st);
	api_ok(r, o);
}

// What gale keeps of failures and replays: the spouts' counters. The
// records of single replays and the sampled trees stay in the workers'
// logs for now.
static void
api_replays(const gale_ui_source *src, const char *name, bool traces,
    gale_ui_response *r)
{
	gale_topology_stats st;
	if (!api_stats(src, name, &st, r)) {
		return;
	}
	json_t *spouts = json_array();
	for (size_t i = 0; i < st.ncomponents; i++) {
		const gale_component_stats *c = &st.components[i];
		if (!c->is_spout) {
			continue;
		}
		json_array_append_new(spouts,
		    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f}",
			"spoutId", c->id, "acked",
			(json_int_t) c->c[GALE_M_ACKED], "failed",
			(json_int_t) c->c[GALE_M_FAILED], "replayed",
			(json_int_t) c->c[GALE_M_REPLAYED], "timedout",
			(json_int_t) c->c[GALE_M_TIMEDOUT], "pending",
			(json_int_t) c->c[GALE_M_PENDING], "failedPerSec",
			c->rate[GALE_M_FAILED], "replayedPerSec",
			c->rate[GALE_M_REPLAYED]));
	}
	const char *rate = api_config(&st, "topology.trace.sample.rate");
	json_t *o = json_pack("{s:s, s:o, s:[]}", "topologyId", st.topology,
	    "spouts", spouts, traces ? "traces" : "replays");
	json_object_set_new(
	    o, "sampleRate", json_real(rate != NULL ? atof(rate) : 0.0));
	gale_topology_stats_fini(&st);
	api_ok(r, o);
}

static void
api_topology_summary(const gale_ui_source *src, gale_ui_response *r)
{
	gale_topology_summary *t;
	size_t                 n;
	if (!api_list(src, &t, &n, r)) {
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(t[i].name));
		json_object_set_new(o, "encodedId", json_string(t[i].name));
		json_object_set_new(o, "name", json_string(t[i].name));
		json_object_set_new(o, "status",
		    json_string(gale_topology_status_name(t[i].status)));
		json_object_set_new(
		    o, "uptime", api_pretty_json(t[i].uptime_secs));
		json_object_set_new(
		    o, "uptimeSeconds", api_u64(t[i].uptime_secs));
		json_object_set_new(o, "tasksTotal", json_integer(t[i].tasks));
		json_object_set_new(
		    o, "executorsTotal", json_integer(t[i].tasks));
		json_object_set_new(
		    o, "workersTotal", json_integer(t[i].workers));
		json_array_append_new(arr, o);
	}
	gale__ui_summaries_free(t, n);
	api_ok(r,
	    json_pack("{s:o, s:b}", "topologies", arr,
		"schedulerDisplayResource", 0));
}

// The hosts that run workers, with their worker counts: gale's
// supervisors as the workers' heartbeats show them.
static json_t *
api_hosts(const gale_ui_source *src, gale_topology_summary *t, size_t n)
{
	json_t *hosts = json_object();
	for (size_t i = 0; src->stats != NULL && i < n; i++) {
		gale_topology_stats st;
		char                why[64];
		if (src->stats(src->arg, t[i].name, &st, why, sizeof(why))
		    != GALE_OK) {
			continue;
		}
		for (size_t k = 0; k < st.nworkers; k++) {
			const char *h = st.workers[k].host;
			json_t     *v = json_object_get(hosts, h);
			json_object_set_new(hosts, h,
			    json_integer((v ? json_integer_value(v) : 0) + 1));
		}
		gale_topology_stats_fini(&st);
	}
	return hosts;
}

static void
api_cluster(const gale_ui_source *src, const char *what, gale_ui_response *r)
{
	gale_topology_summary *t;
	size_t                 n;
	if (!api_list(src, &t, &n, r)) {
		return;
	}
	json_t *o = NULL;
	if (strcmp(what, "cluster/summary") == 0) {
		uint64_t tasks = 0, workers = 0;
		for (size_t i = 0; i < n; i++) {
			tasks += t[i].tasks;
			workers += t[i].workers;
		}
		json_t *hosts = api_hosts(src, t, n);
		o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:b}",
		    "stormVersion", "gale 0.1.0", "mode", src->mode,
		    "supervisors", (json_int_t) json_object_size(hosts),
		    "topologies", (json_int_t) n, "slotsUsed",
		    (json_int_t) workers, "executorsTotal", (json_int_t) tasks,
		    "tasksTotal", (json_int_t) tasks,
		    "schedulerDisplayResource", 0);
		json_decref(hosts);
	} else if (strcmp(what, "nimbus/summary") == 0) {
		o = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "nimbuses", "host",
		    src->nimbus[0] ? src->nimbus : "local", "status", "Leader",
		    "version", "gale 0.1.0", "mode", src->mode);
	} else {
		json_t     *hosts = api_hosts(src, t, n);
		json_t     *arr   = json_array();
		const char *h;
		json_t     *v;
		json_object_foreach(hosts, h, v)
		{
			json_array_append_new(arr,
			    json_pack("{s:s, s:s, s:I}", "id", h, "host", h,
				"slotsUsed",
				(json_int_t) json_integer_value(v)));
		}
		json_decref(hosts);
		o = json_pack("{s:o, s:b}", "supervisors", arr,
		    "schedulerDisplayResource", 0);
	}
	gale__ui_summaries_free(t, n);
	api_ok(r, o);
}

// ---------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------

// Splits path into at most cap segments at '/', in buf (cap bytes);
// returns the count, or 0 when it does not fit or has an empty segment.
static size_t
api_split(const char *path, char *buf, size_t bufcap, char **seg, size_t cap)
{
	size_t len = strlen(path);
	if (len == 0 || len >= bufcap) {
		return 0;
	}
	memcpy(buf, path, len + 1);
	size_t n = 0;
	for (char *p = buf;;) {
		char *slash = strchr(p, '/');
		if (slash != NULL) {
			*slash = '\0';
		}
		if (*p == '\0' || n == cap) {
			return 0;
		}
		seg[n++] = p;
		if (slash == NULL) {
			return n;
		}
		p = slash + 1;
	}
}

void
gale__ui_api_get(const gale_ui_source *src, const char *path,
    const char *window, const char *csrf, gale_ui_response *r)
{
	if (strcmp(path, "cluster/summary") == 0
	    || strcmp(path, "nimbus/summary") == 0
	    || strcmp(path, "supervisor/summary") == 0) {
		api_cluster(src, path, r);
		return;
	}
	if (strcmp(path, "topology/summary") == 0) {
		api_topology_summary(src, r);
		return;
	}
	int w = api_window(window);
	if (w < 0) {
		gale__ui_error(r, 400,
		    "window must be 600, 10800, 86400 or :all-time, not '%s'",
		    window);
		return;
	}
	char   buf[1024];
	char  *seg[5];
	size_t n = api_split(path, buf, sizeof(buf), seg, 5);
	if (n >= 2 && strcmp(seg[0], "topology") == 0) {
		if (n == 2) {
			api_topology(src, seg[1], w, csrf, r);
			return;
		}
		if (n == 4 && strcmp(seg[2], "component") == 0) {
			api_component_page(src, seg[1], seg[3], w, r);
			return;
		}
		if (n == 3 && strcmp(seg[2], "graph") == 0) {
			api_graph(src, seg[1], r);
			return;
		}
		if (n == 3
		    && (strcmp(seg[2], "replays") == 0
			|| strcmp(seg[2], "traces") == 0)) {
			api_replays(src, seg[1], seg[2][0] == 't', r);
			return;
		}
	}
	gale__ui_error(r, 404, "no such API: /api/v1/%s", path);
}

// The numWorkers of a rebalance body, 0 when absent; false when the body
// is not JSON or numWorkers is not a positive integer.
static bool
api_num_workers(const char *body, size_t len, uint32_t *out)
{
	*out = 0;
	if (len == 0) {
		return true;
	}
	json_t *o = json_loadb(body, len, 0, NULL);
	if (o == NULL) {
		return false;
	}
	json_t *opts = json_object_get(o, "rebalanceOptions");
	json_t *n  = opts != NULL ? json_object_get(opts, "numWorkers") : NULL;
	bool    ok = true;
	if (n != NULL) {
		json_int_t v = json_is_integer(n) ? json_integer_value(n) : 0;
		ok           = v > 0 && v <= 65535;
		*out         = ok ? (uint32_t) v : 0;
	}
	json_decref(o);
	return ok;
}

// A wait time in seconds from a path segment.
static bool
api_wait(const char *s, uint32_t *out)
{
	char         *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v > 86400) {
		return false;
	}
	*out = (uint32_t) v;
	return true;
}

void
gale__ui_api_post(const gale_ui_source *src, const char *path,
    const char *body, size_t len, gale_ui_response *r)
{
	char   buf[1024];
	char  *seg[4];
	size_t n = api_split(path, buf, sizeof(buf), seg, 4);
	if (n < 3 || strcmp(seg[0], "topology") != 0) {
		gale__ui_error(r, 404, "no such action: /api/v1/%s", path);
		return;
	}
	gale_command cmd  = { .name = seg[1] };
	const char  *op   = seg[2];
	uint32_t     wait = 0;
	if (n == 3 && strcmp(op, "activate") == 0) {
		cmd.kind = GALE_CMD_ACTIVATE;
	} else if (n == 3 && strcmp(op, "deactivate") == 0) {
		cmd.kind = GALE_CMD_DEACTIVATE;
	} else if (n == 4 && strcmp(op, "kill") == 0
	    && api_wait(seg[3], &wait)) {
		cmd.kind      = GALE_CMD_KILL;
		cmd.wait_secs = wait;
		cmd.has_wait  = true;
	} else if (n == 4 && strcmp(op, "rebalance") == 0
	    && api_wait(seg[3], &wait)) {
		cmd.kind = GALE_CMD_REBALANCE;
		if (!api_num_workers(body, len, &cmd.workers)
		    || cmd.workers == 0) {
			gale__ui_error(r, 400,
			    "rebalance needs a body of "
			    "{\"rebalanceOptions\": {\"numWorkers\": N}}");
			return;
		}
	} else {
		gale__ui_error(r, 404, "no such action: /api/v1/%s", path);
		return;
	}
	if (src->command == NULL) {
		gale__ui_error(r, 501, "this server cannot %s topologies", op);
		return;
	}
	char     why[256] = "";
	gale_err err      = src->command(src->arg, &cmd, why, sizeof(why));
	if (err != GALE_OK) {
		gale__ui_error(r, api_status_of(err), "cannot %s '%s': %s", op,
		    cmd.name, why[0] ? why : gale_strerror(err));
		return;
	}
	api_ok(r,
	    json_pack("{s:s, s:s, s:s}", "topologyOperation", op, "topologyId",
		cmd.name, "status", "success"));
}
