// SPDX-License-Identifier: MIT
// stats.h - the per-topology aggregate of worker heartbeats, and its views.
//
// A gale_stats folds the task snapshots carried by heartbeats into totals
// per component, keeps a short history of them for rates and capacity over
// the last 10 seconds, and reports the result as typed stats
// (gale_topology_stats, which nimbus sends to clients). The views render
// typed stats as JSON, through jansson, or as an aligned text table, and
// `gale list`'s topology summaries likewise. A gale_stats is a
// single-threaded object: calls on one gale_stats must not overlap; distinct
// objects are independent. Times are milliseconds of a monotonic clock
// chosen by the caller, who must use the same clock in every call.

#ifndef GALE_WORKERS_STATS_H
#define GALE_WORKERS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/metrics.h"
#include "gale.h"
#include "proto/wire.h"
#include "topology/model.h"
#include "workers/stats_view.h"

typedef struct gale_stats gale_stats;

// The length limit of a component id, NUL included (as in snapshots).
#define GALE_STATS_ID_MAX GALE_WIRE_ID_MAX

// The window of rates and capacity, in milliseconds.
#define GALE_STATS_WINDOW_MS 10000

// Creates an empty aggregate for the named topology (copied). Sets *out only
// on success. GALE_EINVAL when out or topology is NULL, GALE_ENOMEM.
gale_err gale_stats_new(gale_stats **out, const char *topology);
// Frees everything; accepts NULL or *sp == NULL and sets *sp to NULL.
void gale_stats_destroy(gale_stats **sp);

// Declares a component before any heartbeat; its type and task count come
// from the plan. Components are listed in the order they are declared.
// GALE_EINVAL for a NULL, empty or too long id (at most
// GALE_STATS_ID_MAX - 1 bytes), GALE_EEXIST when id is already declared,
// GALE_ENOMEM. The id is copied.
gale_err gale_stats_add_component(
    gale_stats *s, const char *id, bool is_spout, uint32_t ntasks);

// Folds a worker's heartbeat in, at time now_ms. The heartbeat is only read;
// host (may be NULL) is copied. A task whose counters went backwards, or
// whose process id changed (its worker restarted, or the task moved to
// another worker), keeps its earlier totals: totals never decrease, and
// histograms keep the earlier values too. Gauges (pending, queue_depth)
// take the latest value; pending_peak keeps the highest value seen.
// The heartbeat is checked whole before anything is changed: on error the
// aggregate is left as it was, and gale_stats_last_error says what and
// where. GALE_EINVAL: the heartbeat is for another topology, repeats a task,
// carries a component id that is not NUL-terminated, or moves a task to
// another component; GALE_ENOENT: a task of a component never declared;
// GALE_ENOMEM.
gale_err gale_stats_update(gale_stats *s, const gale_heartbeat *hb,
    const char *host, uint64_t now_ms);

// Sets the status shown by the views, by its name (gale_topology_status_name;
// NULL or a name of no status means UNKNOWN, the initial status), and the
// topology's uptime.
void gale_stats_set_status(
    gale_stats *s, const char *status, uint64_t uptime_secs);

// Sets the streams and configuration that reports carry, copied from the
// topology t (for the graph and configuration of the web UI). GALE_ENOMEM
// leaves the earlier ones.
gale_err gale_stats_describe(gale_stats *s, const gale_topology *t);

// Keeps a copy of a component error: the last GALE_STATS_ERRORS_MAX
// (stats_meta.h) per component, each once however many heartbeats repeat
// it. gale_stats_update does the same with a heartbeat's errors, filling
// in the worker's host and port. GALE_EINVAL for an error with no
// component, GALE_ENOMEM.
gale_err gale_stats_add_error(gale_stats *s, const gale_component_error *e);

// A one-line description of the last failed gale_stats_update or
// gale_stats_add_component, or "" when none failed. Borrowed: the caller
// must not free it; valid until the next call on s.
const char *gale_stats_last_error(const gale_stats *s);

// gale_component_stats, the totals of one component, is the type the
// stats reply carries; it is defined in proto/control.h.

// Fills out[0 .. min(cap, n) - 1] with the totals of the n declared
// components, in declaration order, and returns n (so a call with cap 0
// gives the count). Rates and capacity are taken over the 10 s before the
// latest now_ms given to gale_stats_update. out may be NULL when cap is 0.
size_t gale_stats_components(
    const gale_stats *s, gale_component_stats *out, size_t cap);

// Fills *out (zeroed first; the caller calls gale_topology_stats_fini) with
// the aggregate's typed stats, rates and capacity over the 10 s before
// now_ms and heartbeat ages at now_ms: the components in declaration order,
// the workers by index with the indexes of the components they run, and,
// when with_tasks, each task's totals by task id; the streams and config
// of gale_stats_describe and the kept errors, oldest first. GALE_ENOMEM
// leaves *out zeroed.
gale_err gale_stats_report(const gale_stats *s, uint64_t now_ms,
    bool with_tasks, gale_topology_stats *out);

// The views of stats_view.h of the aggregate at now_ms (for `gale local`).
char *gale_stats_json(const gale_stats *s, uint64_t now_ms);
char *gale_stats_table(const gale_stats *s, uint64_t now_ms, bool with_rates);

#endif // GALE_WORKERS_STATS_H
