// SPDX-License-Identifier: MIT
// control_stats.c - the control-plane codec of topology status, typed stats
// and nimbus's replies.

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control_pb.h"

// ---------------------------------------------------------------------
// Control plane: topology status and stats
// ---------------------------------------------------------------------

static const char *const status_names[] = {
	[GALE_STATUS_UNKNOWN]     = "UNKNOWN",
	[GALE_STATUS_ACTIVE]      = "ACTIVE",
	[GALE_STATUS_INACTIVE]    = "INACTIVE",
	[GALE_STATUS_WAITING]     = "WAITING",
	[GALE_STATUS_REBALANCING] = "REBALANCING",
	[GALE_STATUS_KILLED]      = "KILLED",
	[GALE_STATUS_FINISHED]    = "FINISHED",
	[GALE_STATUS_FAILED]      = "FAILED",
};

#define STATUS_COUNT (sizeof status_names / sizeof status_names[0])

const char *
gale_topology_status_name(gale_topology_status s)
{
	return (unsigned) s < STATUS_COUNT ? status_names[s] : "UNKNOWN";
}

gale_topology_status
gale_topology_status_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < STATUS_COUNT; i++) {
		if (strcmp(status_names[i], name) == 0) {
			return (gale_topology_status) i;
		}
	}
	return GALE_STATUS_UNKNOWN;
}

// A status from the wire: one this version does not know is UNKNOWN.
static gale_topology_status
status_from_pb(Gale__TopologyStatus s)
{
	return (unsigned) s < STATUS_COUNT ? (gale_topology_status) s
					   : GALE_STATUS_UNKNOWN;
}

void
gale_topology_stats_fini(gale_topology_stats *s)
{
	if (s == NULL) {
		return;
	}
	free(s->topology);
	for (size_t i = 0; s->workers != NULL && i < s->nworkers; i++) {
		free(s->workers[i].host);
		free(s->workers[i].tasks);
		free(s->workers[i].components);
	}
	free(s->workers);
	free(s->components);
	free(s->tasks);
	gale__pb_streams_fini(s->streams, s->nstreams);
	gale__pb_kvs_fini(s->config, s->nconfig);
	gale__pb_errors_fini(s->errors, s->nerrors);
	free(s->replays);
	free(s->traces);
	gale__pb_windows_fini(s->windows, s->nwindows);
	memset(s, 0, sizeof *s);
}

// Rates by gale_metric_name; zero ones are left out.
static gale_err
rates_to_pb(gale_pb_pool *pl, const double rate[GALE_M_COUNT],
    Gale__Rate ***out, size_t *nout)
{
	size_t n = 0;
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		n += rate[k] != 0.0;
	}
	if (n == 0) {
		return GALE_OK;
	}
	Gale__Rate **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__Rate  *rs = gale__pb_calloc(pl, n, sizeof *rs);
	if (pp == NULL || rs == NULL) {
		return GALE_ENOMEM;
	}
	size_t j = 0;
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		if (rate[k] == 0.0) {
			continue;
		}
		gale__rate__init(&rs[j]);
		rs[j].name = gale__pb_str(gale_metric_name((gale_metric) k));
		rs[j].per_sec = rate[k];
		pp[j]         = &rs[j];
		j++;
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

static gale_err
component_to_pb(
    gale_pb_pool *pl, const gale_component_stats *c, Gale__ComponentStats *m)
{
	gale__component_stats__init(m);
	if (strnlen(c->id, sizeof c->id) == sizeof c->id) {
		return GALE_EINVAL;
	}
	m->id        = gale__pb_str(c->id);
	m->spout     = c->is_spout;
	m->tasks     = c->tasks;
	m->capacity  = c->capacity;
	m->reporting = c->reporting;
	m->finished  = c->finished;
	m->exhausted = c->exhausted;
	gale_err err
	    = gale__pb_counters_to(pl, c->c, &m->counters, &m->n_counters);
	if (err == GALE_OK) {
		err = gale__pb_hists_to(pl, &c->complete, &c->execute,
		    &m->histograms, &m->n_histograms);
	}
	if (err == GALE_OK) {
		err = rates_to_pb(pl, c->rate, &m->rates, &m->n_rates);
	}
	return err;
}

static gale_err
component_from_pb(gale_component_stats *c, const Gale__ComponentStats *m)
{
	memset(c, 0, sizeof *c);
	size_t len = strlen(m->id);
	if (len >= sizeof c->id) {
		return GALE_EPROTO;
	}
	memcpy(c->id, m->id, len + 1);
	c->is_spout  = m->spout;
	c->tasks     = m->tasks;
	c->capacity  = m->capacity;
	c->reporting = m->reporting;
	c->finished  = m->finished;
	c->exhausted = m->exhausted;
	gale__pb_counters_from(c->c, m->counters, m->n_counters);
	gale__pb_hists_from(
	    &c->complete, &c->execute, m->histograms, m->n_histograms);
	for (size_t i = 0; i < m->n_rates; i++) {
		size_t k = gale__pb_metric_by_name(m->rates[i]->name);
		if (k < GALE_M_COUNT) {
			c->rate[k] = m->rates[i]->per_sec;
		}
	}
	return GALE_OK;
}

static void
worker_stats_to_pb(const gale_worker_stats *w, Gale__WorkerStats *m)
{
	gale__worker_stats__init(m);
	m->index            = w->index;
	m->host             = gale__pb_str(w->host);
	m->port             = w->port;
	m->pid              = w->pid;
	m->uptime_ms        = w->uptime_ms;
	m->rss_bytes        = w->rss_bytes;
	m->finished         = w->finished;
	m->heartbeat_age_ms = w->heartbeat_age_ms;
	m->tasks            = w->tasks;
	m->n_tasks          = w->tasks != NULL ? w->ntasks : 0;
	m->components       = w->components;
	m->n_components     = w->components != NULL ? w->ncomponents : 0;
}

static gale_err
worker_stats_from_pb(
    gale_worker_stats *w, const Gale__WorkerStats *m, size_t ncomponents)
{
	for (size_t i = 0; i < m->n_components; i++) {
		if (m->components[i] >= ncomponents) {
			return GALE_EPROTO;
		}
	}
	w->index            = m->index;
	w->port             = m->port;
	w->pid              = m->pid;
	w->uptime_ms        = m->uptime_ms;
	w->rss_bytes        = m->rss_bytes;
	w->finished         = m->finished;
	w->heartbeat_age_ms = m->heartbeat_age_ms;
	bool ok             = gale__pb_dup_str(&w->host, m->host);
	w->tasks
	    = gale__pb_dup_array(m->tasks, m->n_tasks, sizeof *m->tasks, &ok);
	w->ntasks     = w->tasks != NULL ? m->n_tasks : 0;
	w->components = gale__pb_dup_array(
	    m->components, m->n_components, sizeof *m->components, &ok);
	w->ncomponents = w->components != NULL ? m->n_components : 0;
	return ok ? GALE_OK : GALE_ENOMEM;
}

static gale_err
stats_to_pb(
    gale_pb_pool *pl, const gale_topology_stats *s, Gale__TopologyStats *m)
{
	gale__topology_stats__init(m);
	m->topology    = gale__pb_str(s->topology);
	m->status      = (Gale__TopologyStatus) s->status;
	m->uptime_secs = s->uptime_secs;
	if (s->nworkers > 0 && s->workers != NULL) {
		size_t              n  = s->nworkers;
		Gale__WorkerStats **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__WorkerStats  *ws = gale__pb_calloc(pl, n, sizeof *ws);
		if (pp == NULL || ws == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			worker_stats_to_pb(&s->workers[i], &ws[i]);
			pp[i] = &ws[i];
		}
		m->workers   = pp;
		m->n_workers = n;
	}
	if (s->ncomponents > 0 && s->components != NULL) {
		size_t                 n  = s->ncomponents;
		Gale__ComponentStats **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__ComponentStats  *cs = gale__pb_calloc(pl, n, sizeof *cs);
		if (pp == NULL || cs == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale_err err
			    = component_to_pb(pl, &s->components[i], &cs[i]);
			if (err != GALE_OK) {
				return err;
			}
			pp[i] = &cs[i];
		}
		m->components   = pp;
		m->n_components = n;
	}
	gale_err err = gale__pb_tasks_to(
	    pl, s->tasks, s->ntasks, &m->tasks, &m->n_tasks);
	if (err == GALE_OK) {
		err = gale__pb_streams_to(
		    pl, s->streams, s->nstreams, &m->streams, &m->n_streams);
	}
	if (err == GALE_OK) {
		err = gale__pb_kvs_to(
		    pl, s->config, s->nconfig, &m->config, &m->n_config);
	}
	if (err == GALE_OK) {
		err = gale__pb_errors_to(
		    pl, s->errors, s->nerrors, &m->errors, &m->n_errors);
	}
	if (err == GALE_OK) {
		err = gale__pb_replays_to(
		    pl, s->replays, s->nreplays, &m->replays, &m->n_replays);
	}
	if (err == GALE_OK) {
		err = gale__pb_traces_to(
		    pl, s->traces, s->ntraces, &m->traces, &m->n_traces);
	}
	if (err == GALE_OK) {
		err = gale__pb_windows_to(
		    pl, s->windows, s->nwindows, &m->windows, &m->n_windows);
	}
	return err;
}

static gale_err
stats_from_pb(gale_topology_stats *s, const Gale__TopologyStats *m)
{
	memset(s, 0, sizeof *s);
	if (m->n_workers > GALE_WIRE_MAX_TASKS
	    || m->n_components > GALE_WIRE_MAX_TASKS) {
		return GALE_EPROTO;
	}
	s->status      = status_from_pb(m->status);
	s->uptime_secs = m->uptime_secs;
	if (!gale__pb_dup_str(&s->topology, m->topology)) {
		return GALE_ENOMEM;
	}
	if (m->n_components > 0) {
		s->components = calloc(m->n_components, sizeof *s->components);
		if (s->components == NULL) {
			return GALE_ENOMEM;
		}
		s->ncomponents = m->n_components;
		for (size_t i = 0; i < m->n_components; i++) {
			gale_err err = component_from_pb(
			    &s->components[i], m->components[i]);
			if (err != GALE_OK) {
				return err;
			}
		}
	}
	if (m->n_workers > 0) {
		s->workers = calloc(m->n_workers, sizeof *s->workers);
		if (s->workers == NULL) {
			return GALE_ENOMEM;
		}
		s->nworkers = m->n_workers;
		for (size_t i = 0; i < m->n_workers; i++) {
			gale_err err = worker_stats_from_pb(
			    &s->workers[i], m->workers[i], s->ncomponents);
			if (err != GALE_OK) {
				return err;
			}
		}
	}
	gale_err err
	    = gale__pb_tasks_from(&s->tasks, &s->ntasks, m->tasks, m->n_tasks);
	if (err == GALE_OK) {
		err = gale__pb_streams_from(
		    &s->streams, &s->nstreams, m->streams, m->n_streams);
	}
	if (err == GALE_OK) {
		err = gale__pb_kvs_from(
		    &s->config, &s->nconfig, m->config, m->n_config);
	}
	if (err == GALE_OK) {
		err = gale__pb_errors_from(
		    &s->errors, &s->nerrors, m->errors, m->n_errors);
	}
	if (err == GALE_OK) {
		err = gale__pb_replays_from(
		    &s->replays, &s->nreplays, m->replays, m->n_replays);
	}
	if (err == GALE_OK) {
		err = gale__pb_traces_from(
		    &s->traces, &s->ntraces, m->traces, m->n_traces);
	}
	if (err == GALE_OK) {
		err = gale__pb_windows_from(
		    &s->windows, &s->nwindows, m->windows, m->n_windows);
	}
	return err;
}

// ---------------------------------------------------------------------
// Control plane: replies from nimbus
// ---------------------------------------------------------------------

void
gale_reply_fini(gale_reply *r)
{
	if (r == NULL) {
		return;
	}
	free(r->error);
	for (size_t i = 0; r->topologies != NULL && i < r->ntopologies; i++) {
		free(r->topologies[i].name);
	}
	free(r->topologies);
	for (size_t i = 0; r->assignments != NULL && i < r->nassignments;
	     i++) {
		gale_assignment_fini(&r->assignments[i]);
	}
	free(r->assignments);
	if (r->stats != NULL) {
		gale_topology_stats_fini(r->stats);
		free(r->stats);
	}
	memset(r, 0, sizeof *r);
}

static gale_err
reply_codec_to(gale_pb_pool *pl, const void *plain, ProtobufCMessage **pm)
{
	const gale_reply *r = plain;
	Gale__Reply      *m = gale__pb_calloc(pl, 1, sizeof *m);
	if (m == NULL) {
		return GALE_ENOMEM;
	}
	gale__reply__init(m);
	*pm                        = &m->base;
	m->ok                      = r->ok;
	m->error                   = gale__pb_str(r->error);
	m->supervisor_timeout_secs = r->supervisor_timeout_secs;
	if (r->ntopologies > 0 && r->topologies != NULL) {
		size_t                  n = r->ntopologies;
		Gale__TopologySummary **pp
		    = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__TopologySummary *ts = gale__pb_calloc(pl, n, sizeof *ts);
		if (pp == NULL || ts == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const gale_topology_summary *s = &r->topologies[i];
			gale__topology_summary__init(&ts[i]);
			ts[i].name        = gale__pb_str(s->name);
			ts[i].status      = (Gale__TopologyStatus) s->status;
			ts[i].workers     = s->workers;
			ts[i].tasks       = s->tasks;
			ts[i].uptime_secs = s->uptime_secs;
			ts[i].error       = gale__pb_str(s->error);
			pp[i]             = &ts[i];
		}
		m->topologies   = pp;
		m->n_topologies = n;
	}
	if (r->nassignments > 0 && r->assignments != NULL) {
		size_t             n  = r->nassignments;
		Gale__Assignment **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__Assignment  *as = gale__pb_calloc(pl, n, sizeof *as);
		if (pp == NULL || as == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale_err err = gale__pb_assignment_to(
			    pl, &r->assignments[i], &as[i]);
			if (err != GALE_OK) {
				return err;
			}
			pp[i] = &as[i];
		}
		m->assignments   = pp;
		m->n_assignments = n;
	}
	if (r->stats != NULL) {
		m->stats = gale__pb_calloc(pl, 1, sizeof *m->stats);
		if (m->stats == NULL) {
			return GALE_ENOMEM;
		}
		return stats_to_pb(pl, r->stats, m->stats);
	}
	return GALE_OK;
}

static gale_err
reply_codec_from(void *plain, const ProtobufCMessage *pm)
{
	gale_reply        *r       = plain;
	const Gale__Reply *m       = (const Gale__Reply *) pm;
	r->ok                      = m->ok;
	r->supervisor_timeout_secs = m->supervisor_timeout_secs;
	if (!gale__pb_dup_str(&r->error, m->error)) {
		return GALE_ENOMEM;
	}
	if (m->n_topologies > 0) {
		r->topologies = calloc(m->n_topologies, sizeof *r->topologies);
		if (r->topologies == NULL) {
			return GALE_ENOMEM;
		}
		r->ntopologies = m->n_topologies;
		for (size_t i = 0; i < m->n_topologies; i++) {
			const Gale__TopologySummary *s = m->topologies[i];
			gale_topology_summary       *d = &r->topologies[i];
			d->status      = status_from_pb(s->status);
			d->workers     = s->workers;
			d->tasks       = s->tasks;
			d->uptime_secs = s->uptime_secs;
			snprintf(d->error, sizeof(d->error), "%s",
			    s->error != NULL ? s->error : "");
			if (!gale__pb_dup_str(&d->name, s->name)) {
				return GALE_ENOMEM;
			}
		}
	}
	if (m->n_assignments > 0) {
		r->assignments
		    = calloc(m->n_assignments, sizeof *r->assignments);
		if (r->assignments == NULL) {
			return GALE_ENOMEM;
		}
		r->nassignments = m->n_assignments;
		for (size_t i = 0; i < m->n_assignments; i++) {
			gale_err err = gale__pb_assignment_from(
			    &r->assignments[i], m->assignments[i]);
			if (err != GALE_OK) {
				return err;
			}
		}
	}
	if (m->stats != NULL) {
		r->stats = calloc(1, sizeof *r->stats);
		if (r->stats == NULL) {
			return GALE_ENOMEM;
		}
		return stats_from_pb(r->stats, m->stats);
	}
	return GALE_OK;
}

static void
reply_codec_fini(void *plain)
{
	gale_reply_fini(plain);
}

static const gale_pb_codec reply_codec = {
	.desc    = &gale__reply__descriptor,
	.size    = sizeof(gale_reply),
	.to_pb   = reply_codec_to,
	.from_pb = reply_codec_from,
	.fini    = reply_codec_fini,
};

gale_err
gale_reply_encode(const gale_reply *r, uint8_t **buf, size_t *len)
{
	return gale__pb_encode(&reply_codec, r, buf, len);
}

gale_err
gale_reply_decode(gale_reply *out, const void *buf, size_t len)
{
	return gale__pb_decode(&reply_codec, out, buf, len);
}
