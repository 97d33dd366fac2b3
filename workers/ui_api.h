// SPDX-License-Identifier: MIT
// ui_api.h - the REST API of the web UI and its Prometheus exposition:
// JSON documents shaped like Storm UI's /api/v1, built from typed stats.
//
// Internal to the web UI (workers/ui*.c). Each call reads the source once
// and fills a response; none keeps state.

#ifndef GALE_WORKERS_UI_API_H
#define GALE_WORKERS_UI_API_H

#include <stdbool.h>

#include "workers/ui.h"

typedef struct gale_ui_response {
	unsigned    status; // the HTTP status
	const char *type; // the Content-Type (static)
	char       *body; // malloc'ed, NUL-terminated; the caller frees it
} gale_ui_response;

// Sets r to an error: {"error": why, "errorMessage": why} with status.
void gale__ui_error(gale_ui_response *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

// GET path (the part after /api/v1/, URL-decoded by the server, without
// the query), with the window query parameter (may be NULL) and the CSRF
// token to hand out.
void gale__ui_api_get(const gale_ui_source *src, const char *path,
    const char *window, const char *csrf, gale_ui_response *r);
// POST path: an action on a topology, with the request body (len bytes,
// NUL-terminated; rebalance reads {"rebalanceOptions": {"numWorkers": N}}
// from it). The server has checked that actions are on and the CSRF token
// is right.
void gale__ui_api_post(const gale_ui_source *src, const char *path,
    const char *body, size_t len, gale_ui_response *r);

// GET /metrics: every topology's counters, gauges and latency summaries in
// Prometheus' text exposition format (version 0.0.4).
void gale__ui_metrics(const gale_ui_source *src, gale_ui_response *r);

#endif // GALE_WORKERS_UI_API_H
