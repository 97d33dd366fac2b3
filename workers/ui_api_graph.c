// SPDX-License-Identifier: MIT
// ui_api_graph.c - gale's own REST documents: a topology's graph with live
// rates per stream, its recent replays and its sampled traces.

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/ui_api_impl.h"

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
	const gale_component_stats *to   = gale__api_component(st, s->to);
	const gale_component_stats *from = gale__api_component(st, s->from);
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

void
gale__api_graph(
    const gale_ui_source *src, const char *name, gale_ui_response *r)
{
	gale_topology_stats st;
	if (!gale__api_stats(src, name, &st, r)) {
		return;
	}
	json_t *comps = json_array();
	for (size_t i = 0; i < st.ncomponents; i++) {
		const gale_component_stats *c = &st.components[i];
		if (gale__api_is_system(c->id)) {
			continue;
		}
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
		if (gale__api_is_system(s->from)
		    || gale__api_is_system(s->to)) {
			continue;
		}
		bool    exact;
		double  rate   = api_stream_rate(&st, s, &exact);
		json_t *fields = json_array();
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
	gale__api_ok(r, o);
}

// One sampled tree: when it ended (ms since the epoch), its spout task and
// message, its status and duration, and its steps depth first, each with
// its time after the emit.
static json_t *
api_trace(const gale_trace_record *t)
{
	static const char *const kinds[]
	    = { "emitted", "acked", "failed", "missing" };
	char root[24];
	snprintf(root, sizeof(root), "%016" PRIx64, t->root);
	json_t *steps = json_array();
	for (uint32_t i = 0; i < t->nsteps && i < GALE_TRACE_MAX_STEPS; i++) {
		const gale_trace_step *s = &t->steps[i];
		json_array_append_new(steps,
		    json_pack("{s:s, s:i, s:f, s:i, s:i, s:s}", "component",
			s->component, "task", (int) s->task, "offsetMs",
			(double) s->offset_us / 1000.0, "depth",
			(int) s->depth, "anchored", (int) s->anchored, "kind",
			kinds[s->kind <= GALE_TRACE_MISSING ? s->kind : 3]));
	}
	return json_pack("{s:I, s:s, s:s, s:i, s:I, s:s, s:f, s:i, s:i, s:o}",
	    "time", (json_int_t) t->time_ms, "root", root, "spoutId", t->spout,
	    "task", (int) t->task, "messageId", (json_int_t) t->msg_id,
	    "status", t->failed ? "failed" : "complete", "completeMs",
	    (double) t->duration_us / 1000.0, "acker", (int) t->acker,
	    "truncated", (int) t->truncated, "steps", steps);
}

// What gale keeps of failures and replays: the spouts' counters and the
// last records of single fails (time in ms since the epoch, spout task,
// message id, reason, attempt), oldest first; or the last sampled trees,
// oldest first.
void
gale__api_replays(const gale_ui_source *src, const char *name, bool traces,
    gale_ui_response *r)
{
	gale_topology_stats st;
	if (!gale__api_stats(src, name, &st, r)) {
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
	const char *rate = gale__api_config(&st, "topology.trace.sample.rate");
	json_t     *o    = json_pack(
		   "{s:s, s:o}", "topologyId", st.topology, "spouts", spouts);
	json_t *list = json_array();
	for (size_t i = 0; !traces && i < st.nreplays; i++) {
		const gale_replay_record *rr = &st.replays[i];
		json_array_append_new(list,
		    json_pack("{s:I, s:s, s:i, s:I, s:s, s:i}", "time",
			(json_int_t) rr->time_ms, "spoutId", rr->spout, "task",
			(int) rr->task, "messageId", (json_int_t) rr->msg_id,
			"reason", rr->reason, "attempt", (int) rr->attempt));
	}
	for (size_t i = 0; traces && i < st.ntraces; i++) {
		json_array_append_new(list, api_trace(&st.traces[i]));
	}
	json_object_set_new(o, traces ? "traces" : "replays", list);
	json_object_set_new(
	    o, "sampleRate", json_real(rate != NULL ? atof(rate) : 0.0));
	gale_topology_stats_fini(&st);
	gale__api_ok(r, o);
}
