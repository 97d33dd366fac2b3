// SPDX-License-Identifier: MIT
// ui_metrics.c - GET /metrics: every topology's stats in Prometheus' text
// exposition format (version 0.0.4), one family at a time.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/stats_gauges.h"
#include "workers/ui_api.h"

// One counter or gauge family over tasks.
typedef struct metrics_family {
	const char *name;
	const char *type;
	const char *help;
	gale_metric m;
	int         only; // 0 every task, 1 spout tasks, 2 bolt tasks
} metrics_family;

static const metrics_family metrics_task_families[] = {
	{ "gale_tuples_emitted_total", "counter",
	    "Tuples emitted (spouts: including replays).", GALE_M_EMITTED, 0 },
	{ "gale_tuples_transferred_total", "counter",
	    "Tuples sent to a task in another worker.", GALE_M_TRANSFERRED,
	    0 },
	{ "gale_tuples_executed_total", "counter", "Tuples a bolt executed.",
	    GALE_M_EXECUTED, 2 },
	{ "gale_tuples_acked_total", "counter",
	    "Spouts: trees completed; bolts: inputs acked.", GALE_M_ACKED, 0 },
	{ "gale_tuples_failed_total", "counter",
	    "Spouts: trees failed or timed out; bolts: inputs failed.",
	    GALE_M_FAILED, 0 },
	{ "gale_tuples_replayed_total", "counter",
	    "Emits of a message that had failed.", GALE_M_REPLAYED, 1 },
	{ "gale_tuples_timedout_total", "counter",
	    "Trees that failed by timeout.", GALE_M_TIMEDOUT, 1 },
	{ "gale_tuples_pending", "gauge", "Trees in flight now.",
	    GALE_M_PENDING, 1 },
	{ "gale_tuples_dropped_total", "counter",
	    "Messages dropped: malformed, or for a dead task.", GALE_M_DROPPED,
	    0 },
	{ "gale_task_busy_seconds_total", "counter",
	    "Time spent in execute or next_tuple.", GALE_M_BUSY_NS, 0 },
	{ "gale_task_queue_depth", "gauge",
	    "Batches waiting in the task's inbox.", GALE_M_QUEUE_DEPTH, 0 },
};
#define METRICS_NTASK_FAMILIES                                                \
	(sizeof metrics_task_families / sizeof metrics_task_families[0])

// Writes s as a label value: backslash, double quote and newline escaped.
static void
metrics_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			fputs("\\\\", f);
		} else if (*s == '"') {
			fputs("\\\"", f);
		} else if (*s == '\n') {
			fputs("\\n", f);
		} else {
			fputc(*s, f);
		}
	}
}

static void
metrics_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics_task_labels(FILE *f, const char *topo, const gale_task_snapshot *t)
{
	fputs("{topology=\"", f);
	metrics_label(f, topo);
	fputs("\",component=\"", f);
	metrics_label(f, t->component);
	fprintf(f, "\",task=\"%u\"", t->task);
}

static bool
metrics_is_spout(const gale_topology_stats *st, const char *component)
{
	for (size_t i = 0; i < st->ncomponents; i++) {
		if (strcmp(st->components[i].id, component) == 0) {
			return st->components[i].is_spout;
		}
	}
	return false;
}

static void
metrics_summary(FILE *f, const char *name, const gale_topology_stats *st,
    size_t n, bool spouts)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < st[i].ntasks; k++) {
			const gale_task_snapshot *t = &st[i].tasks[k];
			if (metrics_is_spout(&st[i], t->component) != spouts) {
				continue;
			}
			const gale_hist *h
			    = spouts ? &t->complete : &t->execute;
			static const char *const qs[]
			    = { "0.5", "0.99", "0.999" };
			static const double qv[] = { 0.5, 0.99, 0.999 };
			for (size_t q = 0; q < 3; q++) {
				fprintf(f, "%s", name);
				metrics_task_labels(f, st[i].topology, t);
				fprintf(f, ",quantile=\"%s\"} %.6f\n", qs[q],
				    (double) gale_hist_quantile(h, qv[q])
					/ 1e6);
			}
			fprintf(f, "%s_sum", name);
			metrics_task_labels(f, st[i].topology, t);
			fprintf(f, "} %.6f\n", (double) h->sum_us / 1e6);
			fprintf(f, "%s_count", name);
			metrics_task_labels(f, st[i].topology, t);
			fprintf(f, "} %" PRIu64 "\n", h->count);
		}
	}
}

static void
metrics_write(FILE *f, const gale_topology_stats *st, size_t n)
{
	metrics_head(f, "gale_topology_uptime_seconds", "gauge",
	    "How long the topology has run.");
	for (size_t i = 0; i < n; i++) {
		fputs("gale_topology_uptime_seconds{topology=\"", f);
		metrics_label(f, st[i].topology);
		fprintf(f, "\"} %" PRIu64 "\n", st[i].uptime_secs);
	}
	for (size_t fi = 0; fi < METRICS_NTASK_FAMILIES; fi++) {
		const metrics_family *fam = &metrics_task_families[fi];
		metrics_head(f, fam->name, fam->type, fam->help);
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < st[i].ntasks; k++) {
				const gale_task_snapshot *t = &st[i].tasks[k];
				bool                      spout
				    = metrics_is_spout(&st[i], t->component);
				if ((fam->only == 1 && !spout)
				    || (fam->only == 2 && spout)) {
					continue;
				}
				fputs(fam->name, f);
				metrics_task_labels(f, st[i].topology, t);
				if (fam->m == GALE_M_BUSY_NS) {
					fprintf(f, "} %.9f\n",
					    (double) t->c[fam->m] / 1e9);
				} else {
					fprintf(f, "} %" PRIu64 "\n",
					    t->c[fam->m]);
				}
			}
		}
	}
	metrics_head(f, "gale_component_capacity", "gauge",
	    "Share of the last 10 s the component's tasks were busy, 0 to 1.");
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < st[i].ncomponents; k++) {
			fputs("gale_component_capacity{topology=\"", f);
			metrics_label(f, st[i].topology);
			fputs("\",component=\"", f);
			metrics_label(f, st[i].components[k].id);
			fprintf(f, "\"} %.6f\n", st[i].components[k].capacity);
		}
	}
	metrics_head(f, "gale_complete_latency_seconds", "summary",
	    "Spouts: time from emit to the tree's completion.");
	metrics_summary(f, "gale_complete_latency_seconds", st, n, true);
	metrics_head(f, "gale_execute_latency_seconds", "summary",
	    "Bolts: time spent in execute.");
	metrics_summary(f, "gale_execute_latency_seconds", st, n, false);
	static const char *const wnames[]
	    = { "gale_worker_rss_bytes", "gale_worker_uptime_seconds" };
	static const char *const whelp[] = { "The worker's resident memory.",
		"How long the worker process has run." };
	for (int m = 0; m < 2; m++) {
		metrics_head(f, wnames[m], "gauge", whelp[m]);
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < st[i].nworkers; k++) {
				const gale_worker_stats *w = &st[i].workers[k];
				fprintf(f, "%s{topology=\"", wnames[m]);
				metrics_label(f, st[i].topology);
				fprintf(
				    f, "\",worker=\"%u\",host=\"", w->index);
				metrics_label(f, w->host);
				fprintf(f, "\",port=\"%u\"} ", w->port);
				if (m == 0) {
					fprintf(
					    f, "%" PRIu64 "\n", w->rss_bytes);
				} else {
					fprintf(f, "%.3f\n",
					    (double) w->uptime_ms / 1e3);
				}
			}
		}
	}
	metrics_head(f, "gale_kafka_lag", "gauge",
	    "End offset minus committed offset of a partition a task reads.");
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < st[i].ntasks; k++) {
			const gale_task_snapshot *t = &st[i].tasks[k];
			uint32_t ng = t->ngauges < GALE_GAUGES_MAX
			    ? t->ngauges
			    : GALE_GAUGES_MAX;
			for (uint32_t g = 0; g < ng; g++) {
				char    topic[GALE_GAUGE_NAME_MAX];
				int32_t part;
				if (!gale__stats_lag_parse(t->gauges[g].name,
				        topic, sizeof(topic), &part)) {
					continue;
				}
				fputs("gale_kafka_lag", f);
				metrics_task_labels(f, st[i].topology, t);
				fputs(",topic=\"", f);
				metrics_label(f, topic);
				fprintf(f, "\",partition=\"%" PRId32
				    "\"} %" PRId64 "\n",
				    part, t->gauges[g].value);
			}
		}
	}
	metrics_head(f, "gale_component_errors", "gauge",
	    "Errors kept for the component (the last few).");
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < st[i].ncomponents; k++) {
			size_t cnt = 0;
			for (size_t e = 0; e < st[i].nerrors; e++) {
				cnt += strcmp(st[i].errors[e].component,
					   st[i].components[k].id)
				    == 0;
			}
			fputs("gale_component_errors{topology=\"", f);
			metrics_label(f, st[i].topology);
			fputs("\",component=\"", f);
			metrics_label(f, st[i].components[k].id);
			fprintf(f, "\"} %zu\n", cnt);
		}
	}
}

void
gale__ui_metrics(const gale_ui_source *src, gale_ui_response *r)
{
	char                   why[256] = "";
	gale_topology_summary *t        = NULL;
	size_t                 n        = 0;
	if (src->list == NULL || src->stats == NULL) {
		gale__ui_error(r, 501, "this server has no stats");
		return;
	}
	gale_err err = src->list(src->arg, &t, &n, why, sizeof(why));
	if (err != GALE_OK) {
		gale__ui_error(r, 503, "cannot list the topologies: %s",
		    why[0] ? why : gale_strerror(err));
		return;
	}
	gale_topology_stats *st = calloc(n + 1, sizeof(*st));
	size_t               ns = 0;
	for (size_t i = 0; st != NULL && i < n; i++) {
		// A topology that went away meanwhile is left out.
		if (src->stats(src->arg, t[i].name, &st[ns], why, sizeof(why))
		    == GALE_OK) {
			ns++;
		}
	}
	gale__ui_summaries_free(t, n);
	char  *buf = NULL;
	size_t len = 0;
	FILE  *f   = st != NULL ? open_memstream(&buf, &len) : NULL;
	if (f != NULL) {
		metrics_write(f, st, ns);
		if (fclose(f) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	for (size_t i = 0; i < ns; i++) {
		gale_topology_stats_fini(&st[i]);
	}
	free(st);
	if (buf == NULL) {
		gale__ui_error(r, 500, "out of memory");
		return;
	}
	r->status = 200;
	r->type   = "text/plain; version=0.0.4; charset=utf-8";
	r->body   = buf;
}
