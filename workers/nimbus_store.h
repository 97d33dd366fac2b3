// SPDX-License-Identifier: MIT
// nimbus_store.h - keeping nimbus's topologies on disk, and reading them
// back when nimbus starts.

#ifndef GALE_WORKERS_NIMBUS_STORE_H
#define GALE_WORKERS_NIMBUS_STORE_H

#include "workers/nimbus_state.h"

// The file that keeps the topology named name.
void gale__nimbus_topo_path(
    const gale_nimbus *n, const char *name, char *buf, size_t cap);
// Writes t to its file atomically (a temporary file renamed over it).
gale_err gale__nimbus_topo_save(
    const gale_nimbus *n, nim_topo *t, char *err, size_t errlen);
// Writes every topology that changed. A failure is reported and retried
// on the next call.
void gale__nimbus_flush(gale_nimbus *n);
// Reloads every DATA/NAME.topology, and makes the supervisors they name
// known (alive until they stay silent past the timeout).
gale_err gale__nimbus_load(gale_nimbus *n, char *err, size_t errlen);
// The same, without a log line per topology: a standby reads them for
// each read request it answers.
gale_err gale__nimbus_load_quiet(gale_nimbus *n, char *err, size_t errlen);

#endif // GALE_WORKERS_NIMBUS_STORE_H
