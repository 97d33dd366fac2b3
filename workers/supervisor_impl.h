// SPDX-License-Identifier: MIT
// supervisor_impl.h - the supervisor's state, shared by its two halves:
// supervisor.c (its workers: starting, restarting, stopping, their
// heartbeats; start and stop of the supervisor) and supervisor_nimbus.c
// (its reports to nimbus, the assignments it takes from nimbus or
// ZooKeeper, fencing, and the poll loop). Private to those two files.

#ifndef GALE_WORKERS_SUPERVISOR_IMPL_H
#define GALE_WORKERS_SUPERVISOR_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/control.h"
#include "workers/client.h"
#include "workers/supervisor.h"
#include "workers/supervisor_zk.h"
#include "workers/worker_host.h"

// A worker of a slot (or one being stopped), across its restarts.
// The components a worker's death is reported for, at most.
#define SUP_DEATHS_MAX 8

typedef struct sup_worker {
	char             *topology;
	char             *run_id;
	uint32_t          index;
	uint32_t          port;
	gale_worker_proc *proc; // NULL when it could not be started at all
	uint64_t          sent_gen; // the generation it was last sent
	gale_heartbeat    hb; // its latest heartbeat
	bool              have_hb;
	bool              stop_sent; // when stopping: the stop message went
	// Its latest death, as an error of each component it ran, sent with
	// every report (nimbus keeps each once).
	gale_component_error deaths[SUP_DEATHS_MAX];
	size_t               ndeaths;
} sup_worker;

struct gale_supervisor {
	char        *id;
	char        *host;
	char        *data_dir; // absolute
	uint32_t     nslots;
	uint32_t     port_base;
	int          lock_fd;
	gale_client *client;
	// nimbus's endpoints, comma-separated: the one in use is the next
	// after the one that stopped answering or stood by.
	char                      *nimbus_eps;
	size_t                     nimbus_i;
	char                      *keys_dir;
	struct gale_supervisor_zk *zk; // NULL without ZooKeeper
	uint64_t                   next_report_ms;
	uint64_t                   sent_ms;
	bool                       report_soon;
	bool nimbus_down; // the last report went unanswered
	// What nimbus said when it last refused a report, logged once until
	// it says something else or takes one; NULL after a report taken.
	char *refused;
	// Fencing: when it last heard from nimbus or was connected to
	// ZooKeeper, and how long it may go without either (half of
	// nimbus.supervisor.timeout.secs, from nimbus; 0 unknown) before it
	// kills its workers, which nimbus is about to run elsewhere.
	uint64_t         contact_ms;
	uint64_t         fence_ms;
	bool             fenced;
	gale_assignment *asg; // the last assignments from nimbus
	size_t           nasg;
	sup_worker     **slot; // [nslots]; NULL: free
	// Every worker process: the slots' and those being stopped, whose
	// procs are retired and own their sup_worker.
	gale_worker_host *workers;
};

static inline uint64_t
sup_now_ms(void)
{
	return gale_now_ns() / 1000000u;
}

// True when w's process runs.
static inline bool
sup_alive(const sup_worker *w)
{
	return w->proc != NULL && gale_worker_proc_pid(w->proc) != 0;
}

// Frees w and what it owns (not its process).
void gale__sup_worker_destroy(sup_worker **wp);
// Adds w's death errors to hb (a shallow copy of w's heartbeat); returns
// what the caller frees after sending it.
gale_component_error *gale__sup_with_deaths(
    gale_heartbeat *hb, const sup_worker *w);
// True when w's process runs and can be sent to.
bool gale__sup_connected(const sup_worker *w);
// Sends w the assignment of its topology as last received.
void gale__sup_forward(gale_supervisor *s, sup_worker *w);
// Starts the worker of slot i for index of a.
void gale__sup_launch(gale_supervisor *s, uint32_t i,
    const gale_assignment *a, uint32_t index);
// Takes the worker of slot i (not empty) off it: asked to stop, then
// signalled; killed at once unless graceful. True when it was running.
bool gale__sup_retire(gale_supervisor *s, uint32_t i, bool graceful);
// Frees the assignments kept from nimbus; none are kept after.
void gale__sup_drop_assignments(gale_supervisor *s);

#endif // GALE_WORKERS_SUPERVISOR_IMPL_H
