// SPDX-License-Identifier: MIT
// ui_api_impl.h - what the REST API's files (workers/ui_api*.c) share:
// Storm's windows, JSON helpers and lookups in a topology's stats.
//
// Internal to the REST API; nothing here keeps state.

#ifndef GALE_WORKERS_UI_API_IMPL_H
#define GALE_WORKERS_UI_API_IMPL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "workers/ui_api.h"

// The windows Storm UI reports, in its order, and their hints.
#define GALE_API_NWINDOWS 4
extern const char *const gale__api_windows[GALE_API_NWINDOWS];
extern const char *const gale__api_window_hints[GALE_API_NWINDOWS];

// Consumes o: the response is o as JSON with status 200.
void gale__api_ok(gale_ui_response *r, json_t *o);
// The HTTP status that tells a source's failure.
unsigned gale__api_status_of(gale_err err);
// Storm's "1d 2h 3m 4s" for secs, as a new JSON string.
json_t *gale__api_pretty_json(uint64_t secs);
// v with 3 decimals, as a new JSON string (Storm's latencies, capacity).
json_t *gale__api_fixed3(double v);
// A histogram's mean and quantile q, in milliseconds.
double  gale__api_mean_ms(const gale_hist *h);
double  gale__api_q_ms(const gale_hist *h, double q);
json_t *gale__api_u64(uint64_t v);
// The index of window w (NULL or "" is :all-time), or -1.
int gale__api_window(const char *w);

// True for a system component (gale's __acker): the UI's tables and graph
// leave them out, as Storm UI does; /metrics keeps them.
bool gale__api_is_system(const char *id);

// Reads a topology's stats into st (the caller finis it) or sets r to the
// error and returns false.
bool gale__api_stats(const gale_ui_source *src, const char *name,
    gale_topology_stats *st, gale_ui_response *r);
// Lists the topologies (free with gale__ui_summaries_free) or sets r to
// the error and returns false.
bool gale__api_list(const gale_ui_source *src, gale_topology_summary **t,
    size_t *n, gale_ui_response *r);
// Lookups in st; each returns a borrowed pointer or NULL.
const char *gale__api_config(const gale_topology_stats *st, const char *key);
const gale_component_stats *gale__api_component(
    const gale_topology_stats *st, const char *id);
// The newest error of component id (of any component when id is NULL).
const gale_component_error *gale__api_last_error(
    const gale_topology_stats *st, const char *id);
// The counters of component id over window index w (0..2), or NULL for
// :all-time or when the stats carry no such window.
const gale_window_counts *gale__api_window_counts(
    const gale_topology_stats *st, int w, const char *id);
const gale_worker_stats *gale__api_worker_of(
    const gale_topology_stats *st, uint32_t task);

// The documents: GET topology/NAME, topology/NAME/component/ID,
// topology/NAME/graph and topology/NAME/{replays,traces}.
void gale__api_topology(const gale_ui_source *src, const char *name,
    int window, const char *csrf, gale_ui_response *r);
void gale__api_component_page(const gale_ui_source *src, const char *name,
    const char *id, int window, gale_ui_response *r);
void gale__api_graph(
    const gale_ui_source *src, const char *name, gale_ui_response *r);
void gale__api_replays(const gale_ui_source *src, const char *name,
    bool traces, gale_ui_response *r);

#endif // GALE_WORKERS_UI_API_IMPL_H
