// SPDX-License-Identifier: MIT
// controller.h - runs one topology's worker processes on this machine.
//
// The controller starts a `gale worker` per worker index, hands each its
// assignment over a ZeroMQ ROUTER socket, learns every task's endpoint from
// the heartbeats and hands the full map back, restarts workers that die,
// folds their metrics into a gale_stats, and stops them gracefully. `gale
// local` is a thin main around it. Single-threaded.

#ifndef GALE_WORKERS_CONTROLLER_H
#define GALE_WORKERS_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "proto/wire.h"
#include "topology/model.h"
#include "topology/plan.h"
#include "workers/stats.h"

typedef struct gale_controller gale_controller;

// spec is copied. topo must be the validated topology of spec; it must
// outlive the controller. Workers bind their inboxes on bind_host.
gale_err gale_controller_new(gale_controller **out, const gale_spec *spec,
    const gale_topology *topo, const char *bind_host);
// Stops (SIGTERM, then SIGKILL) whatever still runs, and frees.
void gale_controller_destroy(gale_controller **cp);

// Starts every worker.
gale_err gale_controller_start(gale_controller *c);
// Does the work of up to timeout_ms: heartbeats, assignments, restarts.
void gale_controller_poll(gale_controller *c, int timeout_ms);
// Asks every worker to finish: spouts take no new input and replay what
// fails for up to twice the message timeout, bolts clean up; workers that
// die meanwhile are still restarted. Idempotent.
void gale_controller_stop(gale_controller *c);
// Stops every worker at once (SIGTERM, then SIGKILL).
void gale_controller_kill(gale_controller *c);
void gale_controller_set_active(gale_controller *c, bool active);

// True when every worker ended after its tasks finished.
bool gale_controller_finished(const gale_controller *c);
// True once every task's endpoint is known (the topology is running).
bool gale_controller_running(const gale_controller *c);
// A message when the topology cannot run (a task failed to start, workers
// keep dying), else NULL. Borrowed.
const char *gale_controller_error(const gale_controller *c);

const gale_plan *gale_controller_plan(const gale_controller *c);
gale_stats      *gale_controller_stats(gale_controller *c);
uint32_t         gale_controller_restarts(const gale_controller *c);
// Writes one line per worker: `worker N pid PID port PORT: comp[t,...] ...`.
void gale_controller_print_workers(const gale_controller *c, FILE *f);
// Writes that line again for each worker restarted since, once its new
// process has reported where its tasks are.
void gale_controller_print_restarted(gale_controller *c, FILE *f);
// What the spouts gave up on when they stopped: the total, and "comp:task
// N, ..." into names (truncated to len).
uint64_t gale_controller_unprocessed(
    const gale_controller *c, char *names, size_t len);
// Spout tasks whose worker died while the topology stopped, before they
// finished: what they had in flight is unaccounted for.
uint32_t gale_controller_lost_spouts(const gale_controller *c);
// The pid of worker index i (0 when not running).
pid_t gale_controller_worker_pid(const gale_controller *c, uint32_t i);

#endif // GALE_WORKERS_CONTROLLER_H
