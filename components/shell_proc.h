// SPDX-License-Identifier: MIT
// shell_proc.h - one multilang child process: started, fed, read message by
// message (each closed by a line `end`), its stderr's tail kept, stopped.
//
// A shell_proc belongs to one task and is used from that task's thread
// only. Its buffers grow to the largest message seen and are reused.

#ifndef GALE_COMPONENTS_SHELL_PROC_H
#define GALE_COMPONENTS_SHELL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gale.h"

// The bytes of a child's stderr kept for reports.
#define SHELL_TAIL 2048

typedef struct shell_proc {
	const gale_context *ctx; // for the log lines of its stderr
	pid_t               pid; // 0 when not running
	int                 in_fd; // the child's stdin
	int                 out_fd; // the child's stdout
	int                 err_fd; // the child's stderr
	size_t              max_msg; // longest message accepted, in bytes
	char               *buf; // stdout bytes not yet handed out
	size_t              off, len, cap, scan; // scan: next line to look at
	char                tail[SHELL_TAIL]; // the last bytes of stderr
	size_t              tail_len;
	char                line[SHELL_TAIL]; // a partial stderr line
	size_t              line_len;
	int                 status; // of the child, once reaped (-1 before)
	bool                eof; // its stdout ended: it is exiting
} shell_proc;

// A stopped process: nothing to stop yet.
void gale__shell_proc_init(
    shell_proc *p, const gale_context *ctx, size_t max_msg);

// Starts argv[0] (looked up in PATH) with argv, in the directory cwd, its
// stdin, stdout and stderr piped to p. On failure writes why to err.
gale_err gale__shell_proc_start(shell_proc *p, char *const *argv,
    const char *cwd, char *err, size_t errlen);

// Writes len bytes to the child's stdin, reading its output meanwhile so
// neither side can block the other. GALE_ETIMEDOUT past deadline_ns
// (gale_now_ns), GALE_ECLOSED when the child closed its stdin.
gale_err gale__shell_proc_write(
    shell_proc *p, const char *data, size_t len, uint64_t deadline_ns);

// Reads the next message: *msg (len bytes, without the `end` line) stays
// valid until the next read or write. GALE_ETIMEDOUT past deadline_ns,
// GALE_ECLOSED at the end of its stdout (it exited), GALE_EPROTO for a
// message longer than max_msg (its first 256 bytes are then in *msg).
gale_err gale__shell_proc_read(
    shell_proc *p, const char **msg, size_t *len, uint64_t deadline_ns);

// The last bytes the child wrote to stderr, control characters as '?', on
// one line: reads what is left to read first. Caller must not free.
const char *gale__shell_proc_tail(shell_proc *p);

// How the child ended ("exited with status 1", "was killed by signal 9") once
// stopped, or "still running". Caller must not free; static or in p.
const char *gale__shell_proc_how(shell_proc *p, char *buf, size_t len);

// Kills the child (SIGKILL; after up to 200 ms for one whose stdout ended,
// so that its own exit status is reported), reaps it and closes the pipes;
// keeps the stderr tail. Idempotent.
void gale__shell_proc_stop(shell_proc *p);

// Frees the buffers, after stop.
void gale__shell_proc_fini(shell_proc *p);

#endif // GALE_COMPONENTS_SHELL_PROC_H
