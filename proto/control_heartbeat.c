// SPDX-License-Identifier: MIT
// control_heartbeat.c - the control-plane codec of heartbeats, supervisors'
// heartbeats and the requests to nimbus.

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control_pb.h"

// ---------------------------------------------------------------------
// Control plane: heartbeats
// ---------------------------------------------------------------------

static const char *const wire_hist_names[] = { "complete", "execute" };

static bool
hist_empty(const gale_hist *h)
{
	if (h->count != 0 || h->sum_us != 0 || h->max_us != 0) {
		return false;
	}
	for (size_t i = 0; i < GALE_HIST_BUCKETS; i++) {
		if (h->buckets[i] != 0) {
			return false;
		}
	}
	return true;
}

static void
hist_to_pb(const char *name, const gale_hist *h, Gale__Histogram *m)
{
	gale__histogram__init(m);
	size_t n = GALE_HIST_BUCKETS;
	while (n > 0 && h->buckets[n - 1] == 0) {
		n--;
	}
	m->name      = gale__pb_str(name);
	m->buckets   = (uint64_t *) h->buckets;
	m->n_buckets = n;
	m->count     = h->count;
	m->sum_us    = h->sum_us;
	m->max_us    = h->max_us;
}

static void
hist_from_pb(gale_hist *h, const Gale__Histogram *m)
{
	memset(h, 0, sizeof *h);
	for (size_t i = 0; i < m->n_buckets; i++) {
		size_t b = i < GALE_HIST_BUCKETS ? i : GALE_HIST_BUCKETS - 1;
		h->buckets[b] += m->buckets[i];
	}
	h->count  = m->count;
	h->sum_us = m->sum_us;
	h->max_us = m->max_us;
}

// Counters by gale_metric_name. Counters at zero are left out: an absent
// counter decodes as zero.
gale_err
gale__pb_counters_to(gale_pb_pool *pl, const uint64_t c[GALE_M_COUNT],
    Gale__Counter ***out, size_t *nout)
{
	size_t nc = 0;
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		nc += c[k] != 0;
	}
	if (nc == 0) {
		return GALE_OK;
	}
	Gale__Counter **pp = gale__pb_calloc(pl, nc, sizeof *pp);
	Gale__Counter  *cs = gale__pb_calloc(pl, nc, sizeof *cs);
	if (pp == NULL || cs == NULL) {
		return GALE_ENOMEM;
	}
	size_t j = 0;
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		if (c[k] == 0) {
			continue;
		}
		gale__counter__init(&cs[j]);
		cs[j].name  = gale__pb_str(gale_metric_name((gale_metric) k));
		cs[j].value = c[k];
		pp[j]       = &cs[j];
		j++;
	}
	*out  = pp;
	*nout = nc;
	return GALE_OK;
}

// The metric of that name, or GALE_M_COUNT for a name this version does not
// know (it is ignored, so that old and new processes can talk).
size_t
gale__pb_metric_by_name(const char *name)
{
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		const char *n = gale_metric_name((gale_metric) k);
		if (n != NULL && strcmp(n, name) == 0) {
			return k;
		}
	}
	return GALE_M_COUNT;
}

void
gale__pb_counters_from(
    uint64_t c[GALE_M_COUNT], Gale__Counter *const *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = gale__pb_metric_by_name(cs[i]->name);
		if (k < GALE_M_COUNT) {
			c[k] = cs[i]->value;
		}
	}
}

// The complete and execute histograms, by name; empty ones are left out.
gale_err
gale__pb_hists_to(gale_pb_pool *pl, const gale_hist *complete,
    const gale_hist *execute, Gale__Histogram ***out, size_t *nout)
{
	const gale_hist *hists[] = { complete, execute };
	size_t           nh      = 0;
	for (size_t k = 0; k < 2; k++) {
		nh += !hist_empty(hists[k]);
	}
	if (nh == 0) {
		return GALE_OK;
	}
	Gale__Histogram **pp = gale__pb_calloc(pl, nh, sizeof *pp);
	Gale__Histogram  *hs = gale__pb_calloc(pl, nh, sizeof *hs);
	if (pp == NULL || hs == NULL) {
		return GALE_ENOMEM;
	}
	size_t j = 0;
	for (size_t k = 0; k < 2; k++) {
		if (hist_empty(hists[k])) {
			continue;
		}
		hist_to_pb(wire_hist_names[k], hists[k], &hs[j]);
		pp[j] = &hs[j];
		j++;
	}
	*out  = pp;
	*nout = nh;
	return GALE_OK;
}

void
gale__pb_hists_from(gale_hist *complete, gale_hist *execute,
    Gale__Histogram *const *hs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const Gale__Histogram *h = hs[i];
		if (strcmp(h->name, wire_hist_names[0]) == 0) {
			hist_from_pb(complete, h);
		} else if (strcmp(h->name, wire_hist_names[1]) == 0) {
			hist_from_pb(execute, h);
		}
	}
}

// The task's gauges, in the order it added them.
static gale_err
gauges_to_pb(gale_pb_pool *pl, const gale_task_snapshot *t, Gale__TaskStats *m)
{
	size_t n = t->ngauges < GALE_GAUGES_MAX ? t->ngauges : GALE_GAUGES_MAX;
	if (n == 0) {
		return GALE_OK;
	}
	Gale__Gauge **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__Gauge  *gs = gale__pb_calloc(pl, n, sizeof *gs);
	if (pp == NULL || gs == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__gauge__init(&gs[i]);
		gs[i].name  = gale__pb_str(t->gauges[i].name);
		gs[i].value = t->gauges[i].value;
		pp[i]       = &gs[i];
	}
	m->gauges   = pp;
	m->n_gauges = n;
	return GALE_OK;
}

// Keeps the first GALE_GAUGES_MAX gauges whose names fit; others are
// dropped, as unknown counters are.
static void
gauges_from_pb(gale_task_snapshot *t, const Gale__TaskStats *m)
{
	for (size_t i = 0; i < m->n_gauges && t->ngauges < GALE_GAUGES_MAX;
	    i++) {
		const Gale__Gauge *g   = m->gauges[i];
		size_t             len = strlen(g->name);
		if (len == 0 || len >= GALE_GAUGE_NAME_MAX) {
			continue;
		}
		gale_gauge_sample *out = &t->gauges[t->ngauges++];
		memcpy(out->name, g->name, len + 1);
		out->value = g->value;
	}
}

static gale_err
task_to_pb(gale_pb_pool *pl, const gale_task_snapshot *t, Gale__TaskStats *m)
{
	gale__task_stats__init(m);
	if (strnlen(t->component, sizeof t->component)
	    == sizeof t->component) {
		return GALE_EINVAL;
	}
	m->task      = t->task;
	m->component = gale__pb_str(t->component);
	m->finished  = t->finished;
	m->exhausted = t->exhausted;
	gale_err err
	    = gale__pb_counters_to(pl, t->c, &m->counters, &m->n_counters);
	if (err == GALE_OK) {
		err = gauges_to_pb(pl, t, m);
	}
	if (err != GALE_OK) {
		return err;
	}
	return gale__pb_hists_to(
	    pl, &t->complete, &t->execute, &m->histograms, &m->n_histograms);
}

static gale_err
task_from_pb(gale_task_snapshot *t, const Gale__TaskStats *m)
{
	memset(t, 0, sizeof *t);
	size_t clen = strlen(m->component);
	if (clen >= sizeof t->component) {
		return GALE_EPROTO;
	}
	memcpy(t->component, m->component, clen + 1);
	t->task      = m->task;
	t->finished  = m->finished;
	t->exhausted = m->exhausted;
	gale__pb_counters_from(t->c, m->counters, m->n_counters);
	gauges_from_pb(t, m);
	gale__pb_hists_from(
	    &t->complete, &t->execute, m->histograms, m->n_histograms);
	return GALE_OK;
}

// Task snapshots, for heartbeats and stats.
gale_err
gale__pb_tasks_to(gale_pb_pool *pl, const gale_task_snapshot *t, size_t n,
    Gale__TaskStats ***out, size_t *nout)
{
	if (n == 0 || t == NULL) {
		return GALE_OK;
	}
	Gale__TaskStats **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__TaskStats  *ts = gale__pb_calloc(pl, n, sizeof *ts);
	if (pp == NULL || ts == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale_err err = task_to_pb(pl, &t[i], &ts[i]);
		if (err != GALE_OK) {
			return err;
		}
		pp[i] = &ts[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

// Fills *out with n decoded snapshots; on error what it allocated is left
// in *out for the caller's fini.
gale_err
gale__pb_tasks_from(gale_task_snapshot **out, size_t *nout,
    Gale__TaskStats *const *ts, size_t n)
{
	if (n > GALE_WIRE_MAX_TASKS) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	*out = calloc(n, sizeof **out);
	if (*out == NULL) {
		return GALE_ENOMEM;
	}
	*nout = n;
	for (size_t i = 0; i < n; i++) {
		gale_err err = task_from_pb(&(*out)[i], ts[i]);
		if (err != GALE_OK) {
			return err;
		}
	}
	return GALE_OK;
}

void
gale_heartbeat_fini(gale_heartbeat *h)
{
	if (h == NULL) {
		return;
	}
	free(h->topology);
	free(h->tasks);
	gale__pb_endpoints_fini(h->endpoints, h->nendpoints);
	free(h->error);
	gale__pb_errors_fini(h->errors, h->nerrors);
	free(h->replays);
	free(h->traces);
	memset(h, 0, sizeof *h);
}

gale_err
gale_heartbeat_copy(gale_heartbeat *dst, const gale_heartbeat *src)
{
	assert(dst != NULL && src != NULL);
	*dst            = *src;
	dst->topology   = NULL;
	dst->tasks      = NULL;
	dst->ntasks     = 0;
	dst->endpoints  = NULL;
	dst->nendpoints = 0;
	dst->error      = NULL;
	dst->errors     = NULL;
	dst->nerrors    = 0;
	dst->replays    = NULL;
	dst->nreplays   = 0;
	dst->traces     = NULL;
	dst->ntraces    = 0;
	bool ok         = gale__pb_copy_str(&dst->topology, src->topology);
	dst->replays    = gale__pb_dup_array(
		src->replays, src->nreplays, sizeof *src->replays, &ok);
	dst->nreplays = dst->replays != NULL ? src->nreplays : 0;
	dst->traces   = gale__pb_dup_array(
	      src->traces, src->ntraces, sizeof *src->traces, &ok);
	dst->ntraces    = dst->traces != NULL ? src->ntraces : 0;
	dst->tasks      = gale__pb_dup_array(
		 src->tasks, src->ntasks, sizeof *src->tasks, &ok);
	dst->ntasks = dst->tasks != NULL ? src->ntasks : 0;
	if (!ok) {
		goto fail;
	}
	if (!gale__pb_endpoints_copy(&dst->endpoints, &dst->nendpoints,
		src->endpoints, src->nendpoints)
	    || !gale__pb_copy_str(&dst->error, src->error)) {
		goto fail;
	}
	if (src->nerrors > 0 && src->errors != NULL) {
		dst->errors = calloc(src->nerrors, sizeof *dst->errors);
		if (dst->errors == NULL) {
			goto fail;
		}
		dst->nerrors = src->nerrors;
		for (size_t i = 0; i < src->nerrors; i++) {
			if (gale_component_error_copy(
				&dst->errors[i], &src->errors[i])
			    != GALE_OK) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_heartbeat_fini(dst);
	return GALE_ENOMEM;
}

static gale_err
heartbeat_to_pb(gale_pb_pool *pl, const gale_heartbeat *h, Gale__Heartbeat *m)
{
	gale__heartbeat__init(m);
	m->topology     = gale__pb_str(h->topology);
	m->worker_index = h->worker_index;
	m->pid          = h->pid;
	m->port         = h->port;
	m->generation   = h->generation;
	m->uptime_ms    = h->uptime_ms;
	m->finished     = h->finished;
	m->rss_bytes    = h->rss_bytes;
	m->failed       = h->failed;
	m->error        = gale__pb_str(h->error);

	gale_err err = gale__pb_endpoints_to(
	    pl, h->endpoints, h->nendpoints, &m->endpoints, &m->n_endpoints);
	if (err == GALE_OK) {
		err = gale__pb_errors_to(
		    pl, h->errors, h->nerrors, &m->errors, &m->n_errors);
	}
	if (err == GALE_OK) {
		err = gale__pb_replays_to(
		    pl, h->replays, h->nreplays, &m->replays, &m->n_replays);
	}
	if (err == GALE_OK) {
		err = gale__pb_traces_to(
		    pl, h->traces, h->ntraces, &m->traces, &m->n_traces);
	}
	if (err != GALE_OK) {
		return err;
	}
	return gale__pb_tasks_to(
	    pl, h->tasks, h->ntasks, &m->tasks, &m->n_tasks);
}

static gale_err
heartbeat_from_pb(gale_heartbeat *h, const Gale__Heartbeat *m)
{
	memset(h, 0, sizeof *h);
	if (m->n_tasks > GALE_WIRE_MAX_TASKS
	    || m->n_errors > GALE_WIRE_MAX_ERRORS) {
		return GALE_EPROTO;
	}
	h->worker_index = m->worker_index;
	h->pid          = m->pid;
	h->port         = m->port;
	h->generation   = m->generation;
	h->uptime_ms    = m->uptime_ms;
	h->finished     = m->finished;
	h->rss_bytes    = m->rss_bytes;
	h->failed       = m->failed;
	gale_err err    = GALE_ENOMEM;
	if (!gale__pb_dup_str(&h->topology, m->topology)
	    || !gale__pb_dup_str(&h->error, m->error)
	    || !gale__pb_endpoints_from(
		&h->endpoints, &h->nendpoints, m->endpoints, m->n_endpoints)) {
		goto fail;
	}
	err = gale__pb_tasks_from(&h->tasks, &h->ntasks, m->tasks, m->n_tasks);
	if (err == GALE_OK) {
		err = gale__pb_errors_from(
		    &h->errors, &h->nerrors, m->errors, m->n_errors);
	}
	if (err == GALE_OK) {
		err = gale__pb_replays_from(
		    &h->replays, &h->nreplays, m->replays, m->n_replays);
	}
	if (err == GALE_OK) {
		err = gale__pb_traces_from(
		    &h->traces, &h->ntraces, m->traces, m->n_traces);
	}
	if (err != GALE_OK) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_heartbeat_fini(h);
	return err;
}

static gale_err
heartbeat_codec_to(gale_pb_pool *pl, const void *plain, ProtobufCMessage **m)
{
	Gale__Heartbeat *pb = gale__pb_calloc(pl, 1, sizeof *pb);
	if (pb == NULL) {
		return GALE_ENOMEM;
	}
	*m = &pb->base;
	return heartbeat_to_pb(pl, plain, pb);
}

static gale_err
heartbeat_codec_from(void *plain, const ProtobufCMessage *m)
{
	return heartbeat_from_pb(plain, (const Gale__Heartbeat *) m);
}

static void
heartbeat_codec_fini(void *plain)
{
	gale_heartbeat_fini(plain);
}

static const gale_pb_codec heartbeat_codec = {
	.desc    = &gale__heartbeat__descriptor,
	.size    = sizeof(gale_heartbeat),
	.to_pb   = heartbeat_codec_to,
	.from_pb = heartbeat_codec_from,
	.fini    = heartbeat_codec_fini,
};

gale_err
gale_heartbeat_encode(const gale_heartbeat *h, uint8_t **buf, size_t *len)
{
	return gale__pb_encode(&heartbeat_codec, h, buf, len);
}

gale_err
gale_heartbeat_decode(gale_heartbeat *out, const void *buf, size_t len)
{
	return gale__pb_decode(&heartbeat_codec, out, buf, len);
}

// ---------------------------------------------------------------------
// Control plane: requests to nimbus
// ---------------------------------------------------------------------

void
gale_command_fini(gale_command *c)
{
	if (c == NULL) {
		return;
	}
	free(c->name);
	memset(c, 0, sizeof *c);
}

void
gale_supervisor_info_fini(gale_supervisor_info *s)
{
	if (s == NULL) {
		return;
	}
	free(s->id);
	free(s->host);
	free(s->ports);
	for (size_t i = 0; s->workers != NULL && i < s->nworkers; i++) {
		gale_heartbeat_fini(&s->workers[i]);
	}
	free(s->workers);
	memset(s, 0, sizeof *s);
}

void
gale_request_fini(gale_request *r)
{
	if (r == NULL) {
		return;
	}
	switch (r->kind) {
	case GALE_REQ_NONE:
		break;
	case GALE_REQ_SUBMIT:
		gale_spec_fini(&r->u.submit);
		break;
	case GALE_REQ_COMMAND:
		gale_command_fini(&r->u.command);
		break;
	case GALE_REQ_SUPERVISOR_HEARTBEAT:
		gale_supervisor_info_fini(&r->u.supervisor);
		break;
	case GALE_REQ_WORKER_HEARTBEAT:
		gale_heartbeat_fini(&r->u.worker);
		break;
	}
	memset(r, 0, sizeof *r);
}

static gale_err
supervisor_to_pb(
    gale_pb_pool *pl, const gale_supervisor_info *s, Gale__SupervisorInfo *m)
{
	gale__supervisor_info__init(m);
	m->id      = gale__pb_str(s->id);
	m->host    = gale__pb_str(s->host);
	m->ports    = s->ports;
	m->n_ports  = s->ports != NULL ? s->nports : 0;
	m->protocol = s->protocol;
	if (s->nworkers > 0 && s->workers != NULL) {
		size_t            n  = s->nworkers;
		Gale__Heartbeat **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__Heartbeat  *hs = gale__pb_calloc(pl, n, sizeof *hs);
		if (pp == NULL || hs == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale_err err
			    = heartbeat_to_pb(pl, &s->workers[i], &hs[i]);
			if (err != GALE_OK) {
				return err;
			}
			pp[i] = &hs[i];
		}
		m->workers   = pp;
		m->n_workers = n;
	}
	return GALE_OK;
}

static gale_err
supervisor_from_pb(gale_supervisor_info *s, const Gale__SupervisorInfo *m)
{
	memset(s, 0, sizeof *s);
	gale_err err = GALE_ENOMEM;
	bool     ok  = gale__pb_dup_str(&s->id, m->id)
	    && gale__pb_dup_str(&s->host, m->host);
	s->ports
	    = gale__pb_dup_array(m->ports, m->n_ports, sizeof *m->ports, &ok);
	s->nports   = s->ports != NULL ? m->n_ports : 0;
	s->protocol = m->protocol;
	if (!ok) {
		goto fail;
	}
	if (m->n_workers > 0) {
		s->workers = calloc(m->n_workers, sizeof *s->workers);
		if (s->workers == NULL) {
			goto fail;
		}
		s->nworkers = m->n_workers;
		for (size_t i = 0; i < m->n_workers; i++) {
			err = heartbeat_from_pb(&s->workers[i], m->workers[i]);
			if (err != GALE_OK) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_supervisor_info_fini(s);
	return err;
}

static gale_err
request_codec_to(gale_pb_pool *pl, const void *plain, ProtobufCMessage **pm)
{
	const gale_request *r = plain;
	Gale__Request      *m = gale__pb_calloc(pl, 1, sizeof *m);
	if (m == NULL) {
		return GALE_ENOMEM;
	}
	gale__request__init(m);
	*pm = &m->base;
	switch (r->kind) {
	case GALE_REQ_SUBMIT: {
		Gale__Submit       *sub = gale__pb_calloc(pl, 1, sizeof *sub);
		Gale__TopologySpec *spec
		    = gale__pb_calloc(pl, 1, sizeof *spec);
		if (sub == NULL || spec == NULL) {
			return GALE_ENOMEM;
		}
		gale__submit__init(sub);
		sub->spec    = spec;
		m->body_case = GALE__REQUEST__BODY_SUBMIT;
		m->submit    = sub;
		return gale__pb_spec_to(pl, &r->u.submit, spec);
	}
	case GALE_REQ_COMMAND: {
		if ((unsigned) r->u.command.kind > GALE_CMD_TRACE) {
			return GALE_EINVAL;
		}
		Gale__TopologyCommand *cmd
		    = gale__pb_calloc(pl, 1, sizeof *cmd);
		if (cmd == NULL) {
			return GALE_ENOMEM;
		}
		gale__topology_command__init(cmd);
		cmd->kind    = (Gale__TopologyCommand__Kind) r->u.command.kind;
		cmd->name    = gale__pb_str(r->u.command.name);
		cmd->workers = r->u.command.workers;
		cmd->wait_secs = r->u.command.wait_secs;
		cmd->has_wait  = r->u.command.has_wait;
		cmd->sample_rate = r->u.command.sample_rate;
		cmd->for_secs    = r->u.command.for_secs;
		m->body_case   = GALE__REQUEST__BODY_COMMAND;
		m->command     = cmd;
		return GALE_OK;
	}
	case GALE_REQ_SUPERVISOR_HEARTBEAT: {
		Gale__SupervisorInfo *sup
		    = gale__pb_calloc(pl, 1, sizeof *sup);
		if (sup == NULL) {
			return GALE_ENOMEM;
		}
		m->body_case = GALE__REQUEST__BODY_SUPERVISOR_HEARTBEAT;
		m->supervisor_heartbeat = sup;
		return supervisor_to_pb(pl, &r->u.supervisor, sup);
	}
	case GALE_REQ_WORKER_HEARTBEAT: {
		Gale__Heartbeat *hb = gale__pb_calloc(pl, 1, sizeof *hb);
		if (hb == NULL) {
			return GALE_ENOMEM;
		}
		m->body_case        = GALE__REQUEST__BODY_WORKER_HEARTBEAT;
		m->worker_heartbeat = hb;
		return heartbeat_to_pb(pl, &r->u.worker, hb);
	}
	default:
		return GALE_EINVAL;
	}
}

static gale_err
request_codec_from(void *plain, const ProtobufCMessage *pm)
{
	gale_request                *r = plain;
	const Gale__Request         *m = (const Gale__Request *) pm;
	const Gale__TopologyCommand *c;
	gale_err                     err;
	switch (m->body_case) {
	case GALE__REQUEST__BODY_SUBMIT:
		r->kind = GALE_REQ_SUBMIT;
		return gale__pb_spec_from(&r->u.submit, m->submit->spec);
	case GALE__REQUEST__BODY_COMMAND:
		c = m->command;
		if ((unsigned) c->kind > GALE_CMD_TRACE) {
			return GALE_EPROTO;
		}
		if (!gale__pb_dup_str(&r->u.command.name, c->name)) {
			return GALE_ENOMEM;
		}
		r->kind                = GALE_REQ_COMMAND;
		r->u.command.kind      = (gale_command_kind) c->kind;
		r->u.command.workers   = c->workers;
		r->u.command.wait_secs = c->wait_secs;
		r->u.command.has_wait  = c->has_wait;
		r->u.command.sample_rate = c->sample_rate;
		r->u.command.for_secs    = c->for_secs;
		return GALE_OK;
	case GALE__REQUEST__BODY_SUPERVISOR_HEARTBEAT:
		err = supervisor_from_pb(
		    &r->u.supervisor, m->supervisor_heartbeat);
		if (err == GALE_OK) {
			r->kind = GALE_REQ_SUPERVISOR_HEARTBEAT;
		}
		return err;
	case GALE__REQUEST__BODY_WORKER_HEARTBEAT:
		err = heartbeat_from_pb(&r->u.worker, m->worker_heartbeat);
		if (err == GALE_OK) {
			r->kind = GALE_REQ_WORKER_HEARTBEAT;
		}
		return err;
	default:
		return GALE_EPROTO;
	}
}

static void
request_codec_fini(void *plain)
{
	gale_request_fini(plain);
}

static const gale_pb_codec request_codec = {
	.desc    = &gale__request__descriptor,
	.size    = sizeof(gale_request),
	.to_pb   = request_codec_to,
	.from_pb = request_codec_from,
	.fini    = request_codec_fini,
};

gale_err
gale_request_encode(const gale_request *r, uint8_t **buf, size_t *len)
{
	return gale__pb_encode(&request_codec, r, buf, len);
}

gale_err
gale_request_decode(gale_request *out, const void *buf, size_t len)
{
	return gale__pb_decode(&request_codec, out, buf, len);
}
