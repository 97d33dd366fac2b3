// SPDX-License-Identifier: MIT
// stats_view.h - the views of typed stats: JSON and text tables.
//
// The stats that nimbus replies with (gale_topology_stats) and the
// topology summaries of `gale list` are rendered here, on the client side,
// and for `gale local` from its own aggregate (workers/stats.h). The
// functions only read their arguments and keep no state.

#ifndef GALE_WORKERS_STATS_VIEW_H
#define GALE_WORKERS_STATS_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/control.h"

// The views of typed stats. Each returns a malloc'ed NUL-terminated string
// that the caller frees, or NULL when out of memory. Strings are written as
// JSON strings whatever bytes they hold: bytes that are not UTF-8 become
// U+FFFD and control characters are escaped, so the output always parses.
//
// JSON: {"topology", "status", "uptime_secs", "workers": [{"index", "host",
// "port", "pid", "uptime_ms", "rss_bytes", "finished", "heartbeat_age_ms",
// "tasks": [ids], "components": [ids]}], "components": [{"id", "type"
// ("spout" or "bolt"), "tasks", counters, latencies in ms rounded to 3
// decimals {"p50", "p99", "p999", "max"}, "capacity", "rates": {name: per
// second}}]}, on one line without a newline. Spouts have "replayed",
// "pending", "pending_peak", "timedout" and "complete_latency_ms"; bolts
// have "executed" and "execute_latency_ms". Fractions are rounded to 3
// decimals. When r carries tasks, a component whose tasks publish gauges
// has "gauges": {name: sum over its tasks}, and "lag": [{"topic",
// "partition", "lag"}] for its "lag.<topic>.<partition>" gauges.
char *gale_stats_view_json(const gale_topology_stats *r);
// A table like Storm UI's topology page: a header line, then one row per
// component with right-aligned numbers; with_rates adds emitted/s. Control
// characters in names show as '?'. Under the table, a line per component
// with lag gauges: "ID lag: p0=12 p1=0" (stats_gauges.h).
char *gale_stats_view_table(const gale_topology_stats *r, bool with_rates);

// The views of the errors r carries (stats_errors.c). The table: one line
// per error, newest first, "TIME  COMPONENT[TASK]  HOST:PORT  TEXT" (time
// in UTC), or "no errors". JSON: {"topology", "errors": [{"component",
// "task", "time" (seconds since the epoch), "host", "port", "error"}]},
// newest first. The last errors: "Last errors:" and one line per component
// that has any, its newest; "" when none has. The table of
// gale_stats_view_table ends with them.
char *gale_stats_view_errors_table(const gale_topology_stats *r);
char *gale_stats_view_errors_json(const gale_topology_stats *r);
char *gale_stats_view_last_errors(const gale_topology_stats *r);

// `gale list`'s views of n topology summaries. JSON: [{"name", "status",
// "workers", "tasks", "uptime_secs"}], one line with a newline. The table:
// "no topologies" when n is 0, else a header and one row per topology with
// its uptime as 1h02m03s; lines end with a newline.
char *gale_stats_view_list_json(const gale_topology_summary *t, size_t n);
char *gale_stats_view_list_table(const gale_topology_summary *t, size_t n);

#endif // GALE_WORKERS_STATS_VIEW_H
