// SPDX-License-Identifier: MIT
// stats_recent.h - what a topology's stats keep of the recent past: the
// last sampled trees its workers reported, and its counters over Storm
// UI's windows (600, 10800 and 86400 s) from rolling buckets.
//
// Windows come from the components' totals at the end of each bucket: a
// ring of one-minute buckets for the last 10 minutes and one of ten-minute
// buckets for the last day, so memory is bounded by the number of
// components whatever the run's length. A window's value is the totals now
// less the totals at the end of the newest bucket that ended at least the
// window ago (none: since the start), so it covers the window and at most
// one bucket more. The length of a minute is 60 s unless the environment
// variable GALE_STATS_MINUTE_MS (for tests only) says otherwise.
// Single-threaded, as gale_stats.

#ifndef GALE_WORKERS_STATS_RECENT_H
#define GALE_WORKERS_STATS_RECENT_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "proto/wire.h"

// The traces a topology's stats keep, the newest.
#define GALE_STATS_TRACES 32
// The windows reported, in seconds.
#define GALE_STATS_NWINDOWS 3
extern const uint32_t gale__stats_windows[GALE_STATS_NWINDOWS];

typedef struct gale_stats_recent gale_stats_recent;

gale_err gale__stats_recent_new(gale_stats_recent **out);
void     gale__stats_recent_destroy(gale_stats_recent **rp);

// Keeps the heartbeat's traces not kept yet (each worker's newer than the
// last kept of its process).
void gale__stats_recent_traces(gale_stats_recent *r, const gale_heartbeat *hb);

// True when an update at now_ms starts a new bucket after an earlier
// update (at latest_ms): the caller then passes the totals as they were
// before that update to gale__stats_recent_close.
bool gale__stats_recent_due(
    const gale_stats_recent *r, uint64_t latest_ms, uint64_t now_ms);
// Records totals[0 .. n - 1] (components in declaration order) as the end
// of the buckets that hold latest_ms. GALE_ENOMEM leaves the windows as
// they were.
gale_err gale__stats_recent_close(gale_stats_recent *r, uint64_t latest_ms,
    const gale_window_counts *totals, size_t n);

// Fills out's traces (oldest first) and windows at now_ms from the current
// totals[0 .. n - 1], as they are since the latest update (at latest_ms,
// 0: none yet). GALE_ENOMEM leaves out's traces and windows empty.
gale_err gale__stats_recent_report(const gale_stats_recent *r,
    uint64_t now_ms, uint64_t latest_ms, const gale_window_counts *totals,
    size_t n, gale_topology_stats *out);

#endif // GALE_WORKERS_STATS_RECENT_H
