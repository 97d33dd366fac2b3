// SPDX-License-Identifier: MIT
// nimbus_sched.h - nimbus's scheduler: supervisors, their slots, placing
// workers on them, and rebalances.

#ifndef GALE_WORKERS_NIMBUS_SCHED_H
#define GALE_WORKERS_NIMBUS_SCHED_H

#include "workers/nimbus_state.h"

// The supervisor with that id, or NULL. Borrowed.
nim_sup *gale__nimbus_find_sup(const gale_nimbus *n, const char *id);
// A new supervisor (ids and host copied), or NULL when out of memory.
nim_sup *gale__nimbus_add_sup(
    gale_nimbus *n, const char *id, const char *host);
// Frees sup; accepts NULL.
void gale__nimbus_sup_destroy(nim_sup *sup);
// True when port is one of sup's slots.
bool gale__nimbus_sup_has_port(const nim_sup *sup, uint32_t port);
// Unplaces every running worker on sup, or only those on ports it no
// longer has when only_lost.
void gale__nimbus_unplace_sup(
    gale_nimbus *n, const nim_sup *sup, bool only_lost);
// Places the workers of running topologies that have no slot, spread
// over the live supervisors (fewest used slots first). A topology is
// placed only when all its waiting workers fit.
void gale__nimbus_schedule(gale_nimbus *n);
// Remembers which topologies sup's latest report had workers of.
void gale__nimbus_sup_note_report(
    nim_sup *sup, const gale_supervisor_info *info);
// The trees its spouts have pending, as the latest heartbeats say.
uint64_t gale__nimbus_topo_pending(const nim_topo *t);
// True when every live supervisor reported since the stop began, without
// a worker of t.
bool gale__nimbus_stopped(const gale_nimbus *n, const nim_topo *t);
// Places t again with the number of workers its rebalance asked for.
void gale__nimbus_rebalance_finish(gale_nimbus *n, nim_topo *t);

#endif // GALE_WORKERS_NIMBUS_SCHED_H
