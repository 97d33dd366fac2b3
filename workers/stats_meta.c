// SPDX-License-Identifier: MIT
// stats_meta.c - the streams, configuration and recent component errors an
// aggregate keeps beside its counters.

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "workers/stats_meta.h"

struct gale_stats_meta {
	gale_topology_stats desc; // only streams and config are used
	// Errors, oldest first; at most GALE_STATS_ERRORS_MAX per component.
	gale_component_error *errors;
	size_t                nerrors;
	size_t                cap;
};

gale_err
gale__stats_meta_new(gale_stats_meta **out)
{
	gale_stats_meta *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return GALE_ENOMEM;
	}
	*out = m;
	return GALE_OK;
}

static void
meta_clear_desc(gale_topology_stats *d)
{
	// The stats codec's fini frees streams and config alike.
	gale_topology_stats_fini(d);
}

void
gale__stats_meta_destroy(gale_stats_meta **mp)
{
	if (mp == NULL || *mp == NULL) {
		return;
	}
	gale_stats_meta *m = *mp;
	meta_clear_desc(&m->desc);
	for (size_t i = 0; i < m->nerrors; i++) {
		gale_component_error_fini(&m->errors[i]);
	}
	free(m->errors);
	free(m);
	*mp = NULL;
}

static char *
meta_dup(const char *s, bool *ok)
{
	char *d = strdup(s != NULL ? s : "");
	if (d == NULL) {
		*ok = false;
	}
	return d;
}

gale_err
gale__stats_meta_describe(gale_stats_meta *m, const gale_topology *t)
{
	assert(m != NULL && t != NULL);
	gale_topology_stats d  = { 0 };
	bool                ok = true;
	if (t->nstreams > 0) {
		d.streams  = calloc(t->nstreams, sizeof(*d.streams));
		ok         = d.streams != NULL;
		d.nstreams = ok ? t->nstreams : 0;
	}
	for (size_t i = 0; ok && i < t->nstreams; i++) {
		const gale_stream_def *sd = &t->streams[i];
		gale_stream_info      *si = &d.streams[i];
		si->from                  = meta_dup(sd->from, &ok);
		si->to                    = meta_dup(sd->to, &ok);
		si->stream                = meta_dup(
				   sd->stream != NULL ? sd->stream : GALE_DEFAULT_STREAM,
		    &ok);
		si->grouping = meta_dup(gale_grouping_name(sd->grouping), &ok);
		if (ok && sd->nfields > 0) {
			si->fields  = calloc(sd->nfields, sizeof(*si->fields));
			ok          = si->fields != NULL;
			si->nfields = ok ? sd->nfields : 0;
			for (size_t k = 0; ok && k < sd->nfields; k++) {
				si->fields[k] = meta_dup(sd->fields[k], &ok);
			}
		}
	}
	if (ok && t->nconfig > 0) {
		d.config  = calloc(t->nconfig, sizeof(*d.config));
		ok        = d.config != NULL;
		d.nconfig = ok ? t->nconfig : 0;
	}
	for (size_t i = 0; ok && i < t->nconfig; i++) {
		d.config[i].key   = meta_dup(t->config[i].key, &ok);
		d.config[i].value = meta_dup(t->config[i].value, &ok);
	}
	if (!ok) {
		meta_clear_desc(&d);
		return GALE_ENOMEM;
	}
	meta_clear_desc(&m->desc);
	m->desc = d;
	return GALE_OK;
}

static bool
meta_same(const gale_component_error *a, const gale_component_error *b)
{
	return a->task == b->task && a->time_secs == b->time_secs
	    && strcmp(a->component, b->component) == 0
	    && strcmp(a->error != NULL ? a->error : "",
		   b->error != NULL ? b->error : "")
	    == 0;
}

gale_err
gale__stats_meta_add_error(gale_stats_meta *m, const gale_component_error *e,
    const char *host, uint32_t port)
{
	assert(m != NULL && e != NULL);
	if (e->component == NULL || e->component[0] == '\0') {
		return GALE_EINVAL;
	}
	size_t same   = 0;
	size_t oldest = m->nerrors;
	for (size_t i = 0; i < m->nerrors; i++) {
		if (strcmp(m->errors[i].component, e->component) != 0) {
			continue;
		}
		if (meta_same(&m->errors[i], e)) {
			return GALE_OK;
		}
		if (same++ == 0) {
			oldest = i;
		}
	}
	gale_component_error copy;
	if (gale_component_error_copy(&copy, e) != GALE_OK) {
		return GALE_ENOMEM;
	}
	if ((copy.host == NULL || copy.host[0] == '\0') && host != NULL) {
		free(copy.host);
		copy.host = strdup(host);
		if (copy.host == NULL) {
			gale_component_error_fini(&copy);
			return GALE_ENOMEM;
		}
	}
	if (copy.port == 0) {
		copy.port = port;
	}
	if (same >= GALE_STATS_ERRORS_MAX) {
		// The component's oldest error makes room for this one.
		gale_component_error_fini(&m->errors[oldest]);
		memmove(&m->errors[oldest], &m->errors[oldest + 1],
		    (m->nerrors - oldest - 1) * sizeof(*m->errors));
		m->nerrors--;
	}
	if (m->nerrors == m->cap) {
		size_t                cap = m->cap ? m->cap * 2 : 16;
		gale_component_error *n
		    = realloc(m->errors, cap * sizeof(*m->errors));
		if (n == NULL) {
			gale_component_error_fini(&copy);
			return GALE_ENOMEM;
		}
		m->errors = n;
		m->cap    = cap;
	}
	m->errors[m->nerrors++] = copy;
	return GALE_OK;
}

gale_err
gale__stats_meta_report(const gale_stats_meta *m, gale_topology_stats *out)
{
	assert(m != NULL && out != NULL);
	bool ok = true;
	if (m->desc.nstreams > 0) {
		out->streams = calloc(m->desc.nstreams, sizeof(*out->streams));
		ok           = out->streams != NULL;
		out->nstreams = ok ? m->desc.nstreams : 0;
	}
	for (size_t i = 0; ok && i < m->desc.nstreams; i++) {
		const gale_stream_info *s = &m->desc.streams[i];
		gale_stream_info       *d = &out->streams[i];
		d->from                   = meta_dup(s->from, &ok);
		d->to                     = meta_dup(s->to, &ok);
		d->stream                 = meta_dup(s->stream, &ok);
		d->grouping               = meta_dup(s->grouping, &ok);
		if (ok && s->nfields > 0) {
			d->fields  = calloc(s->nfields, sizeof(*d->fields));
			ok         = d->fields != NULL;
			d->nfields = ok ? s->nfields : 0;
			for (size_t k = 0; ok && k < s->nfields; k++) {
				d->fields[k] = meta_dup(s->fields[k], &ok);
			}
		}
	}
	if (ok && m->desc.nconfig > 0) {
		out->config  = calloc(m->desc.nconfig, sizeof(*out->config));
		ok           = out->config != NULL;
		out->nconfig = ok ? m->desc.nconfig : 0;
	}
	for (size_t i = 0; ok && i < m->desc.nconfig; i++) {
		out->config[i].key   = meta_dup(m->desc.config[i].key, &ok);
		out->config[i].value = meta_dup(m->desc.config[i].value, &ok);
	}
	if (ok && m->nerrors > 0) {
		out->errors  = calloc(m->nerrors, sizeof(*out->errors));
		ok           = out->errors != NULL;
		out->nerrors = ok ? m->nerrors : 0;
	}
	for (size_t i = 0; ok && i < m->nerrors; i++) {
		ok = gale_component_error_copy(&out->errors[i], &m->errors[i])
		    == GALE_OK;
	}
	if (!ok) {
		// Whatever was filled is freed through a scratch struct, so
		// that the caller's other fields are untouched.
		gale_topology_stats scratch = { .streams = out->streams,
			.nstreams                        = out->nstreams,
			.config                          = out->config,
			.nconfig                         = out->nconfig,
			.errors                          = out->errors,
			.nerrors                         = out->nerrors };
		gale_topology_stats_fini(&scratch);
		out->streams  = NULL;
		out->nstreams = 0;
		out->config   = NULL;
		out->nconfig  = 0;
		out->errors   = NULL;
		out->nerrors  = 0;
		return GALE_ENOMEM;
	}
	return GALE_OK;
}
