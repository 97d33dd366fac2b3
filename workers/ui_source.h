// SPDX-License-Identifier: MIT
// ui_source.h - where the web UI reads from: nimbus over the control plane
// (`gale ui`), or the controller of a `gale local` run.

#ifndef GALE_WORKERS_UI_SOURCE_H
#define GALE_WORKERS_UI_SOURCE_H

#include "topology/model.h"
#include "workers/client.h"
#include "workers/controller.h"
#include "workers/ui.h"

// Fills *src to read the nimbus that client talks to (endpoint, for the
// nimbus summary). Each read is one request, given up on after timeout_ms.
// client and endpoint must outlive the source.
void gale_ui_cluster_source(
    gale_ui_source *src, gale_client **client, const char *endpoint);

// A `gale local` run's source: its one topology, read from the
// controller's aggregate; activate, deactivate and kill act on the run
// (kill stops it gracefully), rebalance is not supported. Describes the
// topology (streams, configuration) to the aggregate. c and topo must
// outlive the source.
typedef struct gale_ui_local {
	gale_controller     *c;
	const gale_topology *topo;
	uint64_t             start_ns;
	bool                 killed; // a kill action was taken
} gale_ui_local;

void gale_ui_local_source(gale_ui_source *src, gale_ui_local *local,
    gale_controller *c, const gale_topology *topo);

#endif // GALE_WORKERS_UI_SOURCE_H
