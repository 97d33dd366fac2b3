// SPDX-License-Identifier: MIT
// ui.h - the web UI's HTTP server: Storm UI's REST API, Prometheus metrics
// and the page, over libmicrohttpd.
//
// The server reads what it shows through a gale_ui_source: nimbus over the
// control plane for `gale ui`, the controller's aggregate for `gale local
// --ui`. It is single-threaded: gale_ui_poll serves requests on the calling
// thread, so a source needs no locking and may be called only from inside
// gale_ui_poll. Requests that change things (activate, deactivate,
// rebalance, kill) are POST only, refused unless the server was made with
// actions on, and need the X-CSRF-Token header to hold the token that GET
// /api/v1/topology/ID gives as antiForgeryToken.

#ifndef GALE_WORKERS_UI_H
#define GALE_WORKERS_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/control.h"

// The default address of `gale ui`.
#define GALE_UI_DEFAULT_HOST "127.0.0.1"
#define GALE_UI_DEFAULT_PORT 8080

// What the UI reads and does. Each call fills why (whylen bytes) with a
// one-line reason when it fails. NULL members are things the source cannot
// do: they answer 501.
typedef struct gale_ui_source {
	void *arg;
	// "cluster" or "local", and the nimbus endpoint (or "") it reads.
	const char *mode;
	const char *nimbus;
	// The topologies. On GALE_OK *out is a malloc'ed array of *n
	// summaries the caller frees with gale__ui_summaries_free.
	gale_err (*list)(void *arg, gale_topology_summary **out, size_t *n,
	    char *why, size_t whylen);
	// The stats of one topology, with tasks. GALE_ENOENT for a topology
	// of no such name. The caller calls gale_topology_stats_fini.
	gale_err (*stats)(void *arg, const char *name,
	    gale_topology_stats *out, char *why, size_t whylen);
	// Runs a command (KILL, ACTIVATE, DEACTIVATE, REBALANCE).
	gale_err (*command)(
	    void *arg, const gale_command *cmd, char *why, size_t whylen);
} gale_ui_source;

// Frees n summaries and the array; accepts NULL.
void gale__ui_summaries_free(gale_topology_summary *t, size_t n);

typedef struct gale_ui gale_ui;

// Parses "HOST:PORT" or "PORT" (host 127.0.0.1) into host (hostlen bytes)
// and *port; PORT 0 picks a free port. HOST is an IPv4 address or
// "localhost". False with a reason in why when it is malformed.
bool gale_ui_parse_listen(const char *arg, char *host, size_t hostlen,
    uint16_t *port, char *why, size_t whylen);

// Starts serving on host:port. src is copied (its arg and strings must
// outlive the server). Sets *out only on success; else why says what went
// wrong (the address in use, say). GALE_EINVAL for a bad host, GALE_EIO
// when it cannot listen, GALE_ENOMEM.
gale_err gale_ui_new(gale_ui **out, const char *host, uint16_t port,
    const gale_ui_source *src, bool actions, char *why, size_t whylen);
// Stops serving and frees; accepts NULL and sets *uip to NULL.
void gale_ui_destroy(gale_ui **uip);

// The port it listens on (the one picked when 0 was asked for).
uint16_t gale_ui_port(const gale_ui *ui);
// Serves requests for up to timeout_ms (0: only what is ready now).
void gale_ui_poll(gale_ui *ui, int timeout_ms);

#endif // GALE_WORKERS_UI_H
