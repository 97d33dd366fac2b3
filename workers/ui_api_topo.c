// SPDX-License-Identifier: MIT
// ui_api_topo.c - the REST API's topology and component documents, with
// Storm UI's field names.

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/ui_api_impl.h"

// ---------------------------------------------------------------------

static void
api_set_error_fields(json_t *o, const gale_topology_stats *st, const char *id)
{
	const gale_component_error *e   = gale__api_last_error(st, id);
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
	json_object_set_new(o, "errorTime", gale__api_u64(e->time_secs));
	json_object_set_new(o, "errorLapsedSecs",
	    gale__api_u64(now > e->time_secs ? now - e->time_secs : 0));
}

// The counters of c over window w: its totals for :all-time.
static gale_window_counts
api_counts(const gale_topology_stats *st, const gale_component_stats *c, int w)
{
	const gale_window_counts *wc = gale__api_window_counts(st, w, c->id);
	if (wc != NULL) {
		return *wc;
	}
	return (gale_window_counts) { .emitted = c->c[GALE_M_EMITTED],
		.transferred                   = c->c[GALE_M_TRANSFERRED],
		.executed                      = c->c[GALE_M_EXECUTED],
		.acked                         = c->c[GALE_M_ACKED],
		.failed                        = c->c[GALE_M_FAILED],
		.complete_sum_us               = c->complete.sum_us,
		.complete_count                = c->complete.count };
}

static double
api_complete_ms(const gale_window_counts *k)
{
	return k->complete_count > 0
	    ? (double) k->complete_sum_us / (double) k->complete_count / 1000.0
	    : 0.0;
}

// One component's line of the topology page over window w: Storm's
// fields, then gale's. Counters and the mean complete latency are the
// window's; quantiles, latencies of bolts, capacity and rates are not
// windowed (all time, and the last 10 s).
static json_t *
api_component_json(
    const gale_topology_stats *st, const gale_component_stats *c, int w)
{
	gale_window_counts k = api_counts(st, c, w);
	json_t            *o = json_object();
	json_object_set_new(
	    o, c->is_spout ? "spoutId" : "boltId", json_string(c->id));
	json_object_set_new(o, "encodedId", json_string(c->id));
	json_object_set_new(o, "executors", json_integer(c->tasks));
	json_object_set_new(o, "tasks", json_integer(c->tasks));
	json_object_set_new(o, "emitted", gale__api_u64(k.emitted));
	json_object_set_new(o, "transferred", gale__api_u64(k.transferred));
	json_object_set_new(o, "acked", gale__api_u64(k.acked));
	json_object_set_new(o, "failed", gale__api_u64(k.failed));
	json_object_set_new(o, "capacity", gale__api_fixed3(c->capacity));
	if (c->is_spout) {
		json_object_set_new(o, "completeLatency",
		    gale__api_fixed3(api_complete_ms(&k)));
		json_object_set_new(o, "completeLatencyP50",
		    gale__api_fixed3(gale__api_q_ms(&c->complete, 0.5)));
		json_object_set_new(o, "completeLatencyP99",
		    gale__api_fixed3(gale__api_q_ms(&c->complete, 0.99)));
		json_object_set_new(
		    o, "replayed", gale__api_u64(c->c[GALE_M_REPLAYED]));
		json_object_set_new(
		    o, "timedout", gale__api_u64(c->c[GALE_M_TIMEDOUT]));
		json_object_set_new(
		    o, "pending", gale__api_u64(c->c[GALE_M_PENDING]));
	} else {
		// gale measures execute time only; a bolt acks as it
		// executes, so its process latency is taken as the same.
		double mean = gale__api_mean_ms(&c->execute);
		json_object_set_new(o, "executed", gale__api_u64(k.executed));
		json_object_set_new(
		    o, "executeLatency", gale__api_fixed3(mean));
		json_object_set_new(
		    o, "processLatency", gale__api_fixed3(mean));
		json_object_set_new(o, "executeLatencyP50",
		    gale__api_fixed3(gale__api_q_ms(&c->execute, 0.5)));
		json_object_set_new(o, "executeLatencyP99",
		    gale__api_fixed3(gale__api_q_ms(&c->execute, 0.99)));
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
		json_object_set_new(
		    o, "executorsTotal", gale__api_u64(w->ntasks));
		json_object_set_new(o, "componentNumTasks", per);
		json_object_set_new(
		    o, "uptime", gale__api_pretty_json(w->uptime_ms / 1000));
		json_object_set_new(
		    o, "uptimeSeconds", gale__api_u64(w->uptime_ms / 1000));
		json_object_set_new(
		    o, "rssBytes", gale__api_u64(w->rss_bytes));
		json_object_set_new(
		    o, "heartbeatAgeMs", gale__api_u64(w->heartbeat_age_ms));
		json_object_set_new(o, "finished", json_boolean(w->finished));
		json_array_append_new(arr, o);
	}
	return arr;
}

// The topology's counters over each window: every component's emitted
// and transferred, the spouts' acked, failed and complete latency, as
// Storm sums them.
static json_t *
api_topology_stats_json(const gale_topology_stats *st)
{
	json_t *arr = json_array();
	for (int w = 0; w < GALE_API_NWINDOWS; w++) {
		gale_window_counts sum = { 0 };
		for (size_t i = 0; i < st->ncomponents; i++) {
			const gale_component_stats *c = &st->components[i];
			gale_window_counts          k = api_counts(st, c, w);
			sum.emitted += k.emitted;
			sum.transferred += k.transferred;
			if (c->is_spout) {
				sum.acked += k.acked;
				sum.failed += k.failed;
				sum.complete_sum_us += k.complete_sum_us;
				sum.complete_count += k.complete_count;
			}
		}
		json_array_append_new(arr,
		    json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:I}",
			"windowPretty", gale__api_window_hints[w], "window",
			gale__api_windows[w], "emitted",
			(json_int_t) sum.emitted, "transferred",
			(json_int_t) sum.transferred, "completeLatency",
			gale__api_fixed3(api_complete_ms(&sum)), "acked",
			(json_int_t) sum.acked, "failed",
			(json_int_t) sum.failed));
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

void
gale__api_topology(const gale_ui_source *src, const char *name, int window,
    const char *csrf, gale_ui_response *r)
{
	gale_topology_stats st;
	if (!gale__api_stats(src, name, &st, r)) {
		return;
	}
	const char *timeout
	    = gale__api_config(&st, "topology.message.timeout.secs");
	const char *sample
	    = gale__api_config(&st, "topology.trace.sample.rate");
	const char *debug = gale__api_config(&st, "topology.debug.replays");
	json_t     *o     = json_object();
	json_object_set_new(o, "id", json_string(st.topology));
	json_object_set_new(o, "encodedId", json_string(st.topology));
	json_object_set_new(o, "name", json_string(st.topology));
	json_object_set_new(
	    o, "status", json_string(gale_topology_status_name(st.status)));
	json_object_set_new(
	    o, "uptime", gale__api_pretty_json(st.uptime_secs));
	json_object_set_new(o, "uptimeSeconds", gale__api_u64(st.uptime_secs));
	json_object_set_new(
	    o, "tasksTotal", json_integer(api_tasks_total(&st)));
	json_object_set_new(
	    o, "executorsTotal", json_integer(api_tasks_total(&st)));
	json_object_set_new(o, "workersTotal", gale__api_u64(st.nworkers));
	json_object_set_new(o, "msgTimeout",
	    json_integer(timeout != NULL ? atoi(timeout) : 30));
	json_object_set_new(
	    o, "window", json_string(gale__api_windows[window]));
	json_object_set_new(
	    o, "windowHint", json_string(gale__api_window_hints[window]));
	json_object_set_new(o, "debug",
	    json_boolean(debug != NULL && strcmp(debug, "true") == 0));
	json_object_set_new(o, "samplingPct",
	    json_real(sample != NULL ? atof(sample) * 100.0 : 0.0));
	json_object_set_new(o, "antiForgeryToken", json_string(csrf));
	json_object_set_new(o, "topologyStats", api_topology_stats_json(&st));
	// The newest error of any component, and whose it is.
	api_set_error_fields(o, &st, NULL);
	const gale_component_error *last = gale__api_last_error(&st, NULL);
	json_object_set_new(o, "errorComponent",
	    last != NULL ? json_string(last->component) : json_null());
	json_t *spouts = json_array();
	json_t *bolts  = json_array();
	for (size_t i = 0; i < st.ncomponents; i++) {
		const gale_component_stats *c = &st.components[i];
		if (gale__api_is_system(c->id)) {
			continue;
		}
		json_array_append_new(c->is_spout ? spouts : bolts,
		    api_component_json(&st, c, window));
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
	gale__api_ok(r, o);
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
	const gale_worker_stats *w = gale__api_worker_of(st, t->task);
	json_t                  *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "task", json_integer(t->task));
	json_object_set_new(o, "host", json_string(w ? w->host : ""));
	json_object_set_new(o, "port", json_integer(w ? w->port : 0));
	json_object_set_new(
	    o, "uptime", gale__api_pretty_json(w ? w->uptime_ms / 1000 : 0));
	json_object_set_new(
	    o, "uptimeSeconds", gale__api_u64(w ? w->uptime_ms / 1000 : 0));
	json_object_set_new(o, "emitted", gale__api_u64(t->c[GALE_M_EMITTED]));
	json_object_set_new(
	    o, "transferred", gale__api_u64(t->c[GALE_M_TRANSFERRED]));
	json_object_set_new(o, "acked", gale__api_u64(t->c[GALE_M_ACKED]));
	json_object_set_new(o, "failed", gale__api_u64(t->c[GALE_M_FAILED]));
	if (spout) {
		json_object_set_new(o, "completeLatency",
		    gale__api_fixed3(gale__api_mean_ms(&t->complete)));
		json_object_set_new(
		    o, "replayed", gale__api_u64(t->c[GALE_M_REPLAYED]));
		json_object_set_new(
		    o, "pending", gale__api_u64(t->c[GALE_M_PENDING]));
	} else {
		double mean = gale__api_mean_ms(&t->execute);
		json_object_set_new(
		    o, "executed", gale__api_u64(t->c[GALE_M_EXECUTED]));
		json_object_set_new(
		    o, "executeLatency", gale__api_fixed3(mean));
		json_object_set_new(
		    o, "processLatency", gale__api_fixed3(mean));
	}
	return o;
}

// Per-stream stats: gale counts per component, so a stream's numbers are
// its component's; they are exact when the component has one output (or
// one input) stream, which "exact" says.
static void
api_stream_stats(json_t *o, const gale_topology_stats *st,
    const gale_component_stats *c, int window)
{
	gale_window_counts k = api_counts(st, c, window);

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
					(json_int_t) k.emitted, "transferred",
					(json_int_t) k.transferred, "acked",
					(json_int_t) k.acked, "failed",
					(json_int_t) k.failed, "exact",
					nout == 1));
			}
		}
		if (strcmp(s->to, c->id) == 0) {
			double mean = gale__api_mean_ms(&c->execute);
			json_array_append_new(in,
			    json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, "
				      "s:o, s:s, s:b}",
				"component", s->from, "encodedComponentId",
				s->from, "stream", s->stream, "executed",
				(json_int_t) k.executed, "acked",
				(json_int_t) k.acked, "failed",
				(json_int_t) k.failed, "executeLatency",
				gale__api_fixed3(mean), "processLatency",
				gale__api_fixed3(mean), "grouping",
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

void
gale__api_component_page(const gale_ui_source *src, const char *name,
    const char *id, int window, gale_ui_response *r)
{
	gale_topology_stats st;
	if (!gale__api_stats(src, name, &st, r)) {
		return;
	}
	const gale_component_stats *c = gale__api_component(&st, id);
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
	json_object_set_new(
	    o, "window", json_string(gale__api_windows[window]));
	json_object_set_new(
	    o, "windowHint", json_string(gale__api_window_hints[window]));
	json_object_set_new(o, "componentErrors", api_errors_json(&st, c->id));
	json_t *summary = json_array();
	for (int w = 0; w < GALE_API_NWINDOWS; w++) {
		json_t *e = api_component_json(&st, c, w);
		json_object_set_new(
		    e, "windowPretty", json_string(gale__api_window_hints[w]));
		json_object_set_new(
		    e, "window", json_string(gale__api_windows[w]));
		json_array_append_new(summary, e);
	}
	json_object_set_new(
	    o, c->is_spout ? "spoutSummary" : "boltStats", summary);
	api_stream_stats(o, &st, c, window);
	json_t *execs = json_array();
	for (size_t i = 0; i < st.ntasks; i++) {
		if (strcmp(st.tasks[i].component, c->id) == 0) {
			json_array_append_new(execs,
			    api_executor_json(&st, &st.tasks[i], c->is_spout));
		}
	}
	json_object_set_new(o, "executorStats", execs);
	gale_topology_stats_fini(&st);
	gale__api_ok(r, o);
}

// The rate of tuples on a stream: the receiver's executed rate when the
// stream is its only input, else the sender's emitted rate when it is the
