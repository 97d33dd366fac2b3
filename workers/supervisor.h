// SPDX-License-Identifier: MIT
// supervisor.h - runs the workers that nimbus assigns to this machine's
// slots, and tells nimbus how they are doing.
//
// A supervisor has a fixed number of slots, named by port numbers. About
// every 500 ms (and at once when a worker reports new endpoints, or that
// it finished or failed) it sends nimbus a gale.SupervisorInfo with the
// latest heartbeat of each of its workers, and applies the assignments in
// the reply: it starts `gale worker` for each of its slots in them,
// forwards every new generation to the worker of that slot, and stops the
// workers of slots that are no longer assigned to it (a stop message, then
// SIGTERM and SIGKILL after a grace). It restarts a worker that dies
// (within 2 s), but never one that exited 0 (finished) or 78 (a task could
// not start). While nimbus is unreachable it keeps the last assignments,
// so workers keep running. Single-threaded: one thread calls every
// function.

#ifndef GALE_WORKERS_SUPERVISOR_H
#define GALE_WORKERS_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "workers/zk.h"

typedef struct gale_supervisor gale_supervisor;

typedef struct gale_supervisor_opts {
	const char *nimbus; // nimbus's endpoints, comma-separated
	const char *host; // where workers bind; the host nimbus is told
	const char *data_dir; // created when missing
	uint32_t    slots; // 1 to 1024
	uint32_t    port_base; // slots are port_base .. port_base + slots - 1
	// A keys directory (see workers/keys.h) with supervisor.key and
	// nimbus.pub: nimbus is then reached over CURVE. NULL: plain, which
	// only a loopback host allows, unless insecure is set.
	const char *keys_dir;
	bool        insecure;
	// With ZooKeeper servers, the supervisor registers as the ephemeral
	// node ROOT/supervisors/ID and, without nimbus endpoints, talks to the
	// leader ZooKeeper names. zk.servers NULL: no ZooKeeper.
	gale_zk_conf zk;
} gale_supervisor_opts;

// Opens the data directory (locked against a second supervisor), takes
// the supervisor id kept there (or makes one and keeps it, so that a
// restarted supervisor is the same one to nimbus) and binds a ROUTER for
// its workers on tcp://127.0.0.1:*. On failure writes a one-line reason
// into err and returns GALE_EINVAL (bad option), GALE_EIO or GALE_ENOMEM.
gale_err gale_supervisor_new(gale_supervisor **out,
    const gale_supervisor_opts *opts, char *err, size_t errlen);
// Stops every worker (SIGTERM, then SIGKILL after 3 s), reaps them and
// frees. Accepts NULL and sets *sp to NULL.
void gale_supervisor_destroy(gale_supervisor **sp);

// The id it goes by and the endpoint its workers report to. Borrowed.
const char *gale_supervisor_id(const gale_supervisor *s);
const char *gale_supervisor_endpoint(const gale_supervisor *s);

// Does the work of up to timeout_ms: worker heartbeats, reports to nimbus
// and their replies, starting, restarting and stopping workers.
void gale_supervisor_poll(gale_supervisor *s, int timeout_ms);

#endif // GALE_WORKERS_SUPERVISOR_H
