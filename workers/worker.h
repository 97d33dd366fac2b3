// SPDX-License-Identifier: MIT
// worker.h - a worker process: the executors of its tasks, and its link to
// the controller that started it (`gale local` or a supervisor).

#ifndef GALE_WORKERS_WORKER_H
#define GALE_WORKERS_WORKER_H

#include <stdint.h>

#include "gale.h"

// Exit codes of `gale worker`.
#define GALE_WORKER_EXIT_DONE 0   // every task finished
#define GALE_WORKER_EXIT_ERROR 1  // lost its controller, or an I/O error
#define GALE_WORKER_EXIT_CONFIG 78 // a task could not start: do not restart

typedef struct gale_worker_opts {
	const char *controller; // ZeroMQ endpoint of the controller
	uint32_t    index;      // this worker's index in the assignment
	const char *bind_host;  // where inboxes listen; "127.0.0.1" if NULL
	const char *libdir;     // where shipped libraries are, or NULL
	uint32_t    heartbeat_ms;
} gale_worker_opts;

// Runs a worker until its tasks finish, it is stopped, or its controller
// goes away. Returns one of the exit codes above.
int gale_worker_run(const gale_worker_opts *opts);

#endif // GALE_WORKERS_WORKER_H
