// SPDX-License-Identifier: MIT
// stats_meta.h - what the aggregate keeps beside the counters: the
// topology's streams and configuration, and its components' recent errors.
//
// Internal to workers/stats.c, which owns one gale_stats_meta per
// gale_stats and copies it into every report. Single-threaded, like the
// aggregate.

#ifndef GALE_WORKERS_STATS_META_H
#define GALE_WORKERS_STATS_META_H

#include <stddef.h>

#include "proto/control.h"
#include "topology/model.h"

// How many errors are kept per component: the newest ones.
#define GALE_STATS_ERRORS_MAX 10

typedef struct gale_stats_meta gale_stats_meta;

// An empty description. GALE_ENOMEM.
gale_err gale__stats_meta_new(gale_stats_meta **out);
// Frees everything; accepts NULL and sets *mp to NULL.
void gale__stats_meta_destroy(gale_stats_meta **mp);

// Replaces the streams and configuration by those of t (copied). GALE_ENOMEM
// leaves the earlier ones.
gale_err gale__stats_meta_describe(gale_stats_meta *m, const gale_topology *t);

// Keeps a copy of e, with host and port taken from the arguments when e's
// are empty, dropping the oldest error of its component past
// GALE_STATS_ERRORS_MAX. An error already kept (same component, task, time
// and text) is not kept twice, so heartbeats may repeat their recent
// errors. GALE_EINVAL for an error with no component, GALE_ENOMEM.
gale_err gale__stats_meta_add_error(gale_stats_meta *m,
    const gale_component_error *e, const char *host, uint32_t port);

// Fills out's streams, config and errors (oldest first); out's other
// fields are left alone. GALE_ENOMEM leaves those three empty.
gale_err gale__stats_meta_report(
    const gale_stats_meta *m, gale_topology_stats *out);

#endif // GALE_WORKERS_STATS_META_H
