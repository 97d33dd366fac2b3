// SPDX-License-Identifier: MIT
// control_traces.c - the control codec's sampled trees and stats windows.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control_pb.h"

gale_err
gale__pb_traces_to(gale_pb_pool *pl, const gale_trace_record *r, size_t n,
    Gale__TraceRecord ***out, size_t *nout)
{
	if (n == 0 || r == NULL) {
		return GALE_OK;
	}
	Gale__TraceRecord **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__TraceRecord  *ms = gale__pb_calloc(pl, n, sizeof *ms);
	if (pp == NULL || ms == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const gale_trace_record *t = &r[i];
		gale__trace_record__init(&ms[i]);
		ms[i].seq         = t->seq;
		ms[i].acker       = t->acker;
		ms[i].time_ms     = t->time_ms;
		ms[i].root        = t->root;
		ms[i].spout       = (char *) t->spout;
		ms[i].task        = t->task;
		ms[i].msg_id      = t->msg_id;
		ms[i].failed      = t->failed;
		ms[i].duration_us = t->duration_us;
		ms[i].truncated   = t->truncated;
		size_t ns         = t->nsteps < GALE_TRACE_MAX_STEPS
			    ? t->nsteps
			    : GALE_TRACE_MAX_STEPS;
		if (ns > 0) {
			Gale__TraceStep **sp
			    = gale__pb_calloc(pl, ns, sizeof *sp);
			Gale__TraceStep *ss
			    = gale__pb_calloc(pl, ns, sizeof *ss);
			if (sp == NULL || ss == NULL) {
				return GALE_ENOMEM;
			}
			for (size_t k = 0; k < ns; k++) {
				const gale_trace_step *st = &t->steps[k];
				gale__trace_step__init(&ss[k]);
				ss[k].component = (char *) st->component;
				ss[k].task      = st->task;
				ss[k].offset_us = st->offset_us;
				ss[k].depth     = st->depth;
				ss[k].anchored  = st->anchored;
				ss[k].kind = (Gale__TraceStep__Kind) st->kind;
				ss[k].edge = st->edge;
				sp[k]      = &ss[k];
			}
			ms[i].steps   = sp;
			ms[i].n_steps = ns;
		}
		pp[i] = &ms[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

gale_err
gale__pb_traces_from(gale_trace_record **dst, size_t *ndst,
    Gale__TraceRecord *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n > GALE_WIRE_MAX_TRACES) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	gale_trace_record *r = calloc(n, sizeof *r);
	if (r == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const Gale__TraceRecord *m = src[i];
		if (m->n_steps > GALE_TRACE_MAX_STEPS) {
			free(r);
			return GALE_EPROTO;
		}
		snprintf(r[i].spout, sizeof r[i].spout, "%s",
		    m->spout != NULL ? m->spout : "");
		r[i].seq         = m->seq;
		r[i].acker       = m->acker;
		r[i].time_ms     = m->time_ms;
		r[i].root        = m->root;
		r[i].task        = m->task;
		r[i].msg_id      = m->msg_id;
		r[i].failed      = m->failed;
		r[i].duration_us = m->duration_us;
		r[i].truncated   = m->truncated;
		r[i].nsteps      = (uint32_t) m->n_steps;
		for (size_t k = 0; k < m->n_steps; k++) {
			const Gale__TraceStep *s  = m->steps[k];
			gale_trace_step       *st = &r[i].steps[k];
			snprintf(st->component, sizeof st->component, "%s",
			    s->component != NULL ? s->component : "");
			st->task      = s->task;
			st->offset_us = s->offset_us;
			st->depth     = s->depth;
			st->anchored  = s->anchored;
			st->edge      = s->edge;
			st->kind = (unsigned) s->kind <= GALE_TRACE_MISSING
			    ? (gale_trace_kind) s->kind
			    : GALE_TRACE_MISSING;
		}
	}
	*dst  = r;
	*ndst = n;
	return GALE_OK;
}

void
gale__pb_windows_fini(gale_window_stats *w, size_t n)
{
	for (size_t i = 0; w != NULL && i < n; i++) {
		free(w[i].components);
	}
	free(w);
}

// The counters of a window by name, as TaskStats names them where they
// mean the same.
#define WINDOW_NCOUNTERS 7
static const char *const window_names[WINDOW_NCOUNTERS]
    = { "emitted", "transferred", "executed", "acked", "failed",
	      "complete_sum_us", "complete_count" };

static uint64_t *
window_field(gale_window_counts *c, size_t k)
{
	uint64_t *f[WINDOW_NCOUNTERS]
	    = { &c->emitted, &c->transferred, &c->executed, &c->acked,
		      &c->failed, &c->complete_sum_us, &c->complete_count };
	return f[k];
}

gale_err
gale__pb_windows_to(gale_pb_pool *pl, const gale_window_stats *w, size_t n,
    Gale__WindowStats ***out, size_t *nout)
{
	if (n == 0 || w == NULL) {
		return GALE_OK;
	}
	Gale__WindowStats **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__WindowStats  *ms = gale__pb_calloc(pl, n, sizeof *ms);
	if (pp == NULL || ms == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__window_stats__init(&ms[i]);
		ms[i].window_secs = w[i].secs;
		size_t nc         = w[i].ncomponents;
		if (nc > 0) {
			Gale__WindowCounters **cp
			    = gale__pb_calloc(pl, nc, sizeof *cp);
			Gale__WindowCounters *cs
			    = gale__pb_calloc(pl, nc, sizeof *cs);
			Gale__Counter **kp = gale__pb_calloc(
			    pl, nc * WINDOW_NCOUNTERS, sizeof *kp);
			Gale__Counter *ks = gale__pb_calloc(
			    pl, nc * WINDOW_NCOUNTERS, sizeof *ks);
			if (cp == NULL || cs == NULL || kp == NULL
			    || ks == NULL) {
				return GALE_ENOMEM;
			}
			for (size_t c = 0; c < nc; c++) {
				gale_window_counts *wc = &w[i].components[c];
				gale__window_counters__init(&cs[c]);
				cs[c].component  = wc->id;
				cs[c].counters   = &kp[c * WINDOW_NCOUNTERS];
				cs[c].n_counters = WINDOW_NCOUNTERS;
				for (size_t k = 0; k < WINDOW_NCOUNTERS; k++) {
					Gale__Counter *kc
					    = &ks[c * WINDOW_NCOUNTERS + k];
					gale__counter__init(kc);
					kc->name  = (char *) window_names[k];
					kc->value = *window_field(wc, k);
					kp[c * WINDOW_NCOUNTERS + k] = kc;
				}
				cp[c] = &cs[c];
			}
			ms[i].components   = cp;
			ms[i].n_components = nc;
		}
		pp[i] = &ms[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

gale_err
gale__pb_windows_from(gale_window_stats **dst, size_t *ndst,
    Gale__WindowStats *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n > GALE_WIRE_MAX_WINDOWS) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	gale_window_stats *w = calloc(n, sizeof *w);
	if (w == NULL) {
		return GALE_ENOMEM;
	}
	*dst  = w;
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		const Gale__WindowStats *m = src[i];
		if (m->n_components > GALE_WIRE_MAX_TASKS) {
			return GALE_EPROTO;
		}
		w[i].secs = m->window_secs;
		if (m->n_components == 0) {
			continue;
		}
		w[i].components
		    = calloc(m->n_components, sizeof(*w[i].components));
		if (w[i].components == NULL) {
			return GALE_ENOMEM;
		}
		w[i].ncomponents = m->n_components;
		for (size_t c = 0; c < m->n_components; c++) {
			const Gale__WindowCounters *mc = m->components[c];
			gale_window_counts         *wc = &w[i].components[c];
			const char                 *id
			    = mc->component != NULL ? mc->component : "";
			if (strlen(id) >= sizeof wc->id) {
				return GALE_EPROTO;
			}
			snprintf(wc->id, sizeof wc->id, "%s", id);
			for (size_t k = 0; k < mc->n_counters; k++) {
				for (size_t j = 0; j < WINDOW_NCOUNTERS; j++) {
					if (mc->counters[k]->name != NULL
					    && strcmp(mc->counters[k]->name,
						   window_names[j])
						== 0) {
						*window_field(wc, j)
						    = mc->counters[k]->value;
					}
				}
			}
		}
	}
	return GALE_OK;
}
