// SPDX-License-Identifier: MIT
// context.c - what a component may ask about its task, and the public
// functions that answer.

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/num.h"
#include "runtime/context.h"
#include "topology/config_keys.h"

struct gale_context {
	const gale_topology      *topo;
	const gale_plan          *plan;
	const gale_component_def *def;
	uint32_t                  comp;
	uint32_t                  task;
	const char               *run_id;
	char                     *dir; // of the topology file
	gale_task_metrics        *metrics;
	char                      error[512];
	// The errors reported while the task runs (gale_report_error): the
	// last GALE_CONTEXT_ERRORS, the newest at (err_seq - 1) % size, and
	// how many came in the current second and were not kept.
	pthread_mutex_t err_mu;
	struct {
		uint64_t time_secs;
		char     text[GALE_CONTEXT_ERROR_BYTES];
	} err_ring[GALE_CONTEXT_ERRORS];
	uint64_t err_seq;
	uint64_t err_second;
	uint32_t err_in_second;
	uint64_t err_dropped;
};

gale_err
gale__context_new(gale_context **out, const gale_topology *topo,
    const gale_plan *plan, uint32_t task, const char *run_id)
{
	gale_context *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return GALE_ENOMEM;
	}
	ctx->topo   = topo;
	ctx->plan   = plan;
	ctx->task   = task;
	ctx->comp   = gale_plan_task_component(plan, task);
	ctx->def    = gale_plan_component_def(plan, ctx->comp);
	ctx->run_id = run_id != NULL ? run_id : "";
	const char *file  = topo->file != NULL ? topo->file : "";
	const char *slash = strrchr(file, '/');
	if (slash == NULL) {
		ctx->dir = strdup(".");
	} else {
		size_t n = slash == file ? 1 : (size_t) (slash - file);
		ctx->dir = strndup(file, n);
	}
	if (ctx->dir == NULL) {
		free(ctx);
		return GALE_ENOMEM;
	}
	pthread_mutex_init(&ctx->err_mu, NULL);
	*out = ctx;
	return GALE_OK;
}

void
gale__context_set_metrics(gale_context *ctx, gale_task_metrics *m)
{
	ctx->metrics = m;
}

gale_err
gale_context_gauge(gale_context *ctx, const char *name, int64_t value)
{
	if (ctx == NULL || name == NULL) {
		return GALE_EINVAL;
	}
	if (ctx->metrics == NULL) {
		return GALE_OK;
	}
	return gale_task_gauge_set(ctx->metrics, name, value) == 0
	    ? GALE_OK
	    : GALE_EINVAL;
}

void
gale__context_destroy(gale_context **cp)
{
	if (*cp != NULL) {
		free((*cp)->dir);
		pthread_mutex_destroy(&(*cp)->err_mu);
	}
	free(*cp);
	*cp = NULL;
}

const char *
gale__context_error_text(const gale_context *ctx)
{
	return ctx->error;
}

const char *
gale_context_topology(const gale_context *ctx)
{
	return ctx->topo->name;
}

const char *
gale_context_component(const gale_context *ctx)
{
	return gale_plan_component_id(ctx->plan, ctx->comp);
}

uint32_t
gale_context_task(const gale_context *ctx)
{
	return ctx->task;
}

uint32_t
gale_context_index(const gale_context *ctx)
{
	return gale_plan_task_index(ctx->plan, ctx->task);
}

uint32_t
gale_context_ntasks(const gale_context *ctx)
{
	return gale_plan_component_ntasks(ctx->plan, ctx->comp);
}

uint32_t
gale_context_component_tasks(
    const gale_context *ctx, const char *id, uint32_t *first)
{
	const gale_plan *p = ctx->plan;
	int              c = gale_plan_component_index(p, id);
	if (c < 0) {
		return 0;
	}
	*first = gale_plan_component_first_task(p, (uint32_t) c);
	return gale_plan_component_ntasks(p, (uint32_t) c);
}

const char *
gale_context_run_id(const gale_context *ctx)
{
	return ctx->run_id;
}

const char *
gale_context_task_component(const gale_context *ctx, uint32_t task)
{
	uint32_t c = gale_plan_task_component(ctx->plan, task);
	return c == GALE_PLAN_NONE ? NULL
	                           : gale_plan_component_id(ctx->plan, c);
}

bool
gale_context_subscription(const gale_context *ctx, size_t i,
    const char **stream, const char **target, const char **grouping,
    const char *const **fields, size_t *nfields)
{
	const char          *id = gale_context_component(ctx);
	const gale_topology *t  = ctx->topo;
	for (size_t k = 0; k < t->nstreams; k++) {
		const gale_stream_def *s = &t->streams[k];
		if (s->from == NULL || strcmp(s->from, id) != 0 || i-- > 0) {
			continue;
		}
		*stream   = s->stream != NULL ? s->stream : GALE_DEFAULT_STREAM;
		*target   = s->to;
		*grouping = gale_grouping_name(s->grouping);
		*fields   = (const char *const *) s->fields;
		*nfields  = s->fields != NULL ? s->nfields : 0;
		return true;
	}
	return false;
}

bool
gale_context_input(const gale_context *ctx, size_t i, const char **source,
    const char **stream, const char **grouping, const char *const **fields,
    size_t *nfields, const char *const **stream_fields)
{
	const char          *id = gale_context_component(ctx);
	const gale_topology *t  = ctx->topo;
	for (size_t k = 0; k < t->nstreams; k++) {
		const gale_stream_def *s = &t->streams[k];
		if (s->to == NULL || strcmp(s->to, id) != 0 || i-- > 0) {
			continue;
		}
		*source = s->from;
		*stream = s->stream != NULL ? s->stream : GALE_DEFAULT_STREAM;
		*grouping      = gale_grouping_name(s->grouping);
		*fields        = (const char *const *) s->fields;
		*nfields       = s->fields != NULL ? s->nfields : 0;
		*stream_fields = NULL;
		const gale_component_def *from = s->from != NULL
		    ? gale_topology_component(t, s->from)
		    : NULL;
		const gale_stream_decl   *d
		    = from != NULL ? gale_component_outputs(from) : NULL;
		for (; d != NULL && d->stream != NULL; d++) {
			if (strcmp(d->stream, *stream) == 0) {
				*stream_fields = d->fields;
				break;
			}
		}
		return true;
	}
	return false;
}

const gale_stream_decl *
gale_context_outputs(const gale_context *ctx)
{
	return ctx->def != NULL ? gale_component_outputs(ctx->def) : NULL;
}

// The entry of the component's own config named key, or NULL.
static const gale_option *
context_own_config(const gale_context *ctx, const char *key)
{
	const gale_component_def *d = ctx->def;
	for (size_t j = 0; d != NULL && j < d->nconfig; j++) {
		if (strcmp(d->config[j].key, key) == 0) {
			return &d->config[j];
		}
	}
	return NULL;
}

// The topology's entries first, each replaced by the component's own of
// the same key, then the component's own other keys: Storm's component
// config. Not on any hot path: a few entries, looked at when a task
// starts.
bool
gale_context_config(const gale_context *ctx, size_t i, const char **key,
    const char **value, bool *json)
{
	const gale_option *o = NULL;
	if (i < ctx->topo->nconfig) {
		o                      = &ctx->topo->config[i];
		const gale_option *own = context_own_config(ctx, o->key);
		o                      = own != NULL ? own : o;
	} else {
		const gale_component_def *d = ctx->def;
		size_t                    k = i - ctx->topo->nconfig;
		for (size_t j = 0; d != NULL && j < d->nconfig && o == NULL;
		     j++) {
			bool shared = false;
			for (size_t t = 0; t < ctx->topo->nconfig && !shared;
			     t++) {
				shared = strcmp(ctx->topo->config[t].key,
					     d->config[j].key)
				    == 0;
			}
			if (!shared && k-- == 0) {
				o = &d->config[j];
			}
		}
	}
	if (o == NULL) {
		return false;
	}
	*key   = o->key;
	*value = o->value;
	*json  = o->json;
	return true;
}

const char *
gale_context_topology_dir(const gale_context *ctx)
{
	return ctx->dir;
}

const char *
gale_context_option(const gale_context *ctx, const char *name)
{
	const gale_component_def *d = ctx->def;
	if (d == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < d->noptions; i++) {
		if (strcmp(d->options[i].key, name) == 0) {
			return d->options[i].value;
		}
	}
	return NULL;
}

bool
gale_context_option_at(const gale_context *ctx, size_t i, const char **name,
    const char **value)
{
	const gale_component_def *d = ctx->def;
	if (d == NULL || i >= d->noptions) {
		return false;
	}
	*name  = d->options[i].key;
	*value = d->options[i].value;
	return true;
}

void
gale_context_error(gale_context *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
}

void
gale_report_error(gale_context *ctx, const char *fmt, ...)
{
	char    text[GALE_CONTEXT_ERROR_BYTES];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	uint64_t now = (uint64_t) time(NULL);
	pthread_mutex_lock(&ctx->err_mu);
	if (now != ctx->err_second) {
		ctx->err_second    = now;
		ctx->err_in_second = 0;
	}
	// A flood keeps the first few of each second: the ring and the
	// heartbeats stay small, and the log is not drowned.
	bool     keep    = ctx->err_in_second++ < GALE_CONTEXT_ERRORS_PER_SEC;
	uint64_t dropped = ctx->err_dropped;
	if (keep) {
		uint64_t seq = ++ctx->err_seq;
		size_t   at  = (size_t) ((seq - 1) % GALE_CONTEXT_ERRORS);
		ctx->err_ring[at].time_secs = now;
		if (dropped > 0) {
			snprintf(ctx->err_ring[at].text,
			    sizeof(ctx->err_ring[at].text),
			    "%.200s (and %" PRIu64 " earlier errors not kept)",
			    text, dropped);
		} else {
			memcpy(ctx->err_ring[at].text, text, sizeof(text));
		}
		ctx->err_dropped = 0;
	} else {
		ctx->err_dropped++;
	}
	pthread_mutex_unlock(&ctx->err_mu);
	if (keep) {
		gale_log(ctx, GALE_LOG_ERROR, "%s", text);
	}
}

size_t
gale__context_errors(gale_context *ctx, uint64_t *after,
    gale_component_error *out, char (*text)[GALE_CONTEXT_ERROR_BYTES],
    size_t                cap)
{
	pthread_mutex_lock(&ctx->err_mu);
	uint64_t first = ctx->err_seq > GALE_CONTEXT_ERRORS
	    ? ctx->err_seq - GALE_CONTEXT_ERRORS + 1
	    : 1;
	if (first <= *after) {
		first = *after + 1;
	}
	size_t n = 0;
	for (uint64_t seq = first; seq <= ctx->err_seq && n < cap; seq++) {
		size_t at = (size_t) ((seq - 1) % GALE_CONTEXT_ERRORS);
		memcpy(text[n], ctx->err_ring[at].text, sizeof(text[n]));
		out[n] = (gale_component_error) {
			.component = (char *) gale_context_component(ctx),
			.task      = ctx->task,
			.time_secs = ctx->err_ring[at].time_secs,
			.host      = (char *) "",
			.error     = text[n],
		};
		n++;
		*after = seq;
	}
	pthread_mutex_unlock(&ctx->err_mu);
	return n;
}

void
gale_log(const gale_context *ctx, gale_log_level level, const char *fmt, ...)
{
	char who[160];
	snprintf(who, sizeof(who), "%s:%u", gale_context_component(ctx),
	    gale_context_task(ctx));
	va_list ap;
	va_start(ap, fmt);
	gale__logv(level, who, fmt, ap);
	va_end(ap);
}

// The getters below take a const context, as gale.h promises readers; the
// error they may record is the context's only mutable part.
static void
context_option_error(
    const gale_context *ctx, const char *name, const char *why)
{
	gale_context_error((gale_context *) ctx, "option '%s': %s", name, why);
}

int64_t
gale_context_config_i64(const gale_context *ctx, const char *key)
{
	const char *k, *v = NULL, *cv;
	bool        json;
	for (size_t i = 0; gale_context_config(ctx, i, &k, &cv, &json); i++) {
		if (strcmp(k, key) == 0 && !json) {
			v = cv;
			break;
		}
	}
	if (v == NULL) {
		const gale_config_key *d = gale__config_key_find(key);
		v = d != NULL && d->type == GALE_CONF_INT ? d->def : NULL;
	}
	int64_t x;
	if (v == NULL
	    || gale__parse_i64(v, INT64_MIN, INT64_MAX, &x, NULL, 0) != GALE_OK) {
		// Not set, not known, or not an integer (the parser checked
		// the values of known keys).
		return 0;
	}
	return x;
}

int64_t
gale_context_option_i64(const gale_context *ctx, const char *name, int64_t def)
{
	const char *v = gale_context_option(ctx, name);
	if (v == NULL) {
		return def;
	}
	int64_t x;
	char    why[256];
	if (gale__parse_i64(v, INT64_MIN, INT64_MAX, &x, why, sizeof(why))
	    != GALE_OK) {
		context_option_error(ctx, name, why);
		return def;
	}
	return x;
}

double
gale_context_option_f64(const gale_context *ctx, const char *name, double def)
{
	const char *v = gale_context_option(ctx, name);
	if (v == NULL) {
		return def;
	}
	double x;
	char   why[256];
	if (gale__parse_f64(v, &x, why, sizeof(why)) != GALE_OK) {
		context_option_error(ctx, name, why);
		return def;
	}
	return x;
}

bool
gale_context_option_bool(const gale_context *ctx, const char *name, bool def)
{
	const char *v = gale_context_option(ctx, name);
	if (v == NULL) {
		return def;
	}
	bool x;
	char why[256];
	if (gale__parse_bool(v, &x, why, sizeof(why)) != GALE_OK) {
		context_option_error(ctx, name, why);
		return def;
	}
	return x;
}
