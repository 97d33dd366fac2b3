// SPDX-License-Identifier: MIT
// process.h - starting, watching and stopping child processes by pid.

#ifndef GALE_WORKERS_PROCESS_H
#define GALE_WORKERS_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "gale.h"

// The path of the running gale binary, to start `gale worker` with.
// Borrowed: a static buffer.
const char *gale_process_self(void);

// Starts argv[0] with argv; the child dies with its parent (it gets
// SIGTERM when the parent exits), its stdin is /dev/null, and it shares
// the parent's stdout and stderr.
gale_err gale_process_spawn(char *const argv[], pid_t *pid);

// Checks a child without waiting. Returns true when it has ended, with its
// exit code in *code (128 + signal number when a signal ended it).
bool gale_process_reap(pid_t pid, int *code);

// Sends SIGTERM, waits up to grace_ms, then SIGKILL, and reaps the child.
// Returns its exit code as above.
int gale_process_stop(pid_t pid, int grace_ms);

#endif // GALE_WORKERS_PROCESS_H
