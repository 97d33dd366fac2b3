// SPDX-License-Identifier: MIT
// run.h - running the gale binary from tests: bounded in time, its output
// captured, and every process it started gone afterwards.

#ifndef GALE_TESTS_SUPPORT_RUN_H
#define GALE_TESTS_SUPPORT_RUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct test_run {
	int   status;   // exit code, or 128 + signal
	bool  timedout; // killed at the deadline
	char *out;      // stdout, NUL-terminated (caller frees with test_run_fini)
	char *err;      // stderr
} test_run;

// Runs GALE_BINARY with args (NULL-terminated, without argv[0]) in its own
// process group, for at most timeout_s seconds; then kills the whole group.
void test_run_gale(test_run *r, int timeout_s, const char *const *args);
void test_run_fini(test_run *r);
// test_run_gale with the arguments as a NULL-terminated va_list.
void test_run_gale_vargs(test_run *r, int timeout_s, va_list ap);

// A background gale process, for tests that act on it while it runs.
typedef struct test_proc {
	pid_t pid;
	int   out_fd;
	int   err_fd;
	char *out;
	size_t out_len, out_cap;
	char *err;
	size_t err_len, err_cap;
} test_proc;

void test_proc_start(test_proc *p, const char *const *args);
// Reads what it printed so far, waiting up to wait_ms for more.
void test_proc_read(test_proc *p, int wait_ms);
// Waits until its stdout holds needle (true) or timeout_s passes (false).
bool test_proc_wait_for(test_proc *p, const char *needle, int timeout_s);
// The same for its stderr, where its log lines go.
bool test_proc_wait_for_err(test_proc *p, const char *needle, int timeout_s);
// Waits for it to exit within timeout_s; kills its group after that.
// Returns the exit code as test_run's status.
int  test_proc_wait(test_proc *p, int timeout_s, bool *timedout);
void test_proc_fini(test_proc *p);

// True when a process with this pid exists.
bool test_pid_alive(pid_t pid);
// The monotonic clock, for deadlines: seconds, and milliseconds.
double    test_now_s(void);
long long test_now_ms(void);
// The pids of the `worker N pid PID ...` lines in out; returns the count.
size_t test_worker_pids(const char *out, pid_t *pids, size_t cap);

// A fresh directory under /tmp; the caller removes it with test_rmtree.
char *test_tmpdir(void);
void  test_rmtree(const char *dir);
// Writes len bytes to path; false on failure.
bool test_write_file(const char *path, const void *data, size_t len);
// Reads a whole file (NUL-terminated); NULL when it cannot.
char *test_read_file(const char *path, size_t *len);

// The number in field of the component id in a stats JSON document (as
// `gale local --stats-json` writes it), or -1 when either is absent.
double test_json_component(const char *json, const char *id, const char *field);
// The status of topology name in `gale list --json` output, into buf
// (empty, and false, when it is not listed).
bool test_list_status(const char *list_json, const char *name, char *buf, size_t cap);

#endif // GALE_TESTS_SUPPORT_RUN_H
