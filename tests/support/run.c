// SPDX-License-Identifier: MIT
// run.c - running the gale binary from tests.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/run.h"

long long
test_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
test_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

// The process groups started and not yet waited for. A failed assertion
// ends a test without reaching its clean-up, so whatever is still here when
// the test process exits is killed then.
#define RUN_MAX_STARTED 64
static pid_t run_started[RUN_MAX_STARTED];

static void
run_kill_started(void)
{
	for (size_t i = 0; i < RUN_MAX_STARTED; i++) {
		if (run_started[i] > 0) {
			kill(-run_started[i], SIGKILL);
			waitpid(run_started[i], NULL, WNOHANG);
			run_started[i] = 0;
		}
	}
}

static void
run_track(pid_t pid, pid_t untrack)
{
	static bool registered;
	if (!registered) {
		atexit(run_kill_started);
		registered = true;
	}
	for (size_t i = 0; i < RUN_MAX_STARTED; i++) {
		if (run_started[i] == untrack) {
			run_started[i] = pid;
			return;
		}
	}
}

void
test_proc_start(test_proc *p, const char *const *args)
{
	memset(p, 0, sizeof(*p));
	int out[2], err[2];
	if (pipe(out) != 0 || pipe(err) != 0) {
		abort();
	}
	size_t n = 0;
	while (args[n] != NULL) {
		n++;
	}
	char **argv = calloc(n + 2, sizeof(*argv));
	argv[0]     = (char *) GALE_BINARY;
	for (size_t i = 0; i < n; i++) {
		argv[i + 1] = (char *) args[i];
	}
	pid_t pid = fork();
	if (pid < 0) {
		abort();
	}
	if (pid == 0) {
		setpgid(0, 0);
		// Also gone if the test process dies without its clean-up.
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(err[0]);
		close(out[1]);
		close(err[1]);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, STDIN_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	run_track(pid, 0);
	free(argv);
	close(out[1]);
	close(err[1]);
	p->pid    = pid;
	p->out_fd = out[0];
	p->err_fd = err[0];
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
}

static void
run_append(char **buf, size_t *len, size_t *cap, int fd)
{
	for (;;) {
		if (*len + 4097 > *cap) {
			*cap = *cap ? *cap * 2 : 8192;
			*buf = realloc(*buf, *cap);
		}
		ssize_t n = read(fd, *buf + *len, *cap - *len - 1);
		if (n <= 0) {
			break;
		}
		*len += (size_t) n;
	}
	if (*buf == NULL) {
		*cap = 1;
		*buf = malloc(1);
	}
	(*buf)[*len] = '\0';
}

void
test_proc_read(test_proc *p, int wait_ms)
{
	struct pollfd fds[2] = { { p->out_fd, POLLIN, 0 },
		{ p->err_fd, POLLIN, 0 } };
	poll(fds, 2, wait_ms);
	run_append(&p->out, &p->out_len, &p->out_cap, p->out_fd);
	run_append(&p->err, &p->err_len, &p->err_cap, p->err_fd);
}

// Waits until *text (stdout or stderr of p) holds needle.
static bool
run_wait_for(test_proc *p, char **text, const char *needle, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	for (;;) {
		test_proc_read(p, 50);
		if (*text != NULL && strstr(*text, needle) != NULL) {
			return true;
		}
		if (test_now_ms() > deadline) {
			return false;
		}
	}
}

bool
test_proc_wait_for(test_proc *p, const char *needle, int timeout_s)
{
	return run_wait_for(p, &p->out, needle, timeout_s);
}

bool
test_proc_wait_for_err(test_proc *p, const char *needle, int timeout_s)
{
	return run_wait_for(p, &p->err, needle, timeout_s);
}

int
test_proc_wait(test_proc *p, int timeout_s, bool *timedout)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	int       status   = 0;
	*timedout          = false;
	for (;;) {
		test_proc_read(p, 20);
		pid_t r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid) {
			break;
		}
		if (test_now_ms() > deadline) {
			*timedout = true;
			kill(-p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			break;
		}
	}
	// Whatever it started and left behind goes too.
	kill(-p->pid, SIGKILL);
	run_track(0, p->pid);
	test_proc_read(p, 0);
	// Sanitizer reports of gale's processes reach the test's own output,
	// where ctest fails the test on them.
	if (p->err != NULL && (strstr(p->err, "Sanitizer") != NULL ||
	                          strstr(p->err, "runtime error:") != NULL)) {
		fprintf(stderr, "gale reported:\n%s\n", p->err);
	}
	p->pid = 0;
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

void
test_proc_fini(test_proc *p)
{
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		run_track(0, p->pid);
	}
	close(p->out_fd);
	close(p->err_fd);
	free(p->out);
	free(p->err);
	memset(p, 0, sizeof(*p));
}

void
test_run_gale(test_run *r, int timeout_s, const char *const *args)
{
	test_proc p;
	test_proc_start(&p, args);
	r->status = test_proc_wait(&p, timeout_s, &r->timedout);
	r->out    = p.out ? p.out : strdup("");
	r->err    = p.err ? p.err : strdup("");
	p.out     = NULL;
	p.err     = NULL;
	test_proc_fini(&p);
}

void
test_run_fini(test_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

bool
test_pid_alive(pid_t pid)
{
	if (kill(pid, 0) != 0) {
		return errno != ESRCH;
	}
	// A zombie is not alive; /proc tells.
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return false;
	}
	char state = '?';
	if (fscanf(f, "%*d %*s %c", &state) != 1) {
		state = '?';
	}
	fclose(f);
	return state != 'Z' && state != 'X';
}

size_t
test_worker_pids(const char *out, pid_t *pids, size_t cap)
{
	size_t      n = 0;
	const char *p = out;
	while (p != NULL && (p = strstr(p, "worker ")) != NULL && n < cap) {
		unsigned idx;
		int      pid;
		if (sscanf(p, "worker %u pid %d", &idx, &pid) == 2) {
			pids[n++] = pid;
		}
		p += 7;
	}
	return n;
}

char *
test_tmpdir(void)
{
	char tmpl[] = "/tmp/gale-test-XXXXXX";
	char *d     = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

void
test_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			continue;
		}
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			test_rmtree(path);
		} else {
			unlink(path);
		}
	}
	closedir(d);
	rmdir(dir);
}

bool
test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL) {
		return false;
	}
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

char *
test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	size_t cap = 8192, n = 0;
	char  *buf = malloc(cap);
	size_t k;
	while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += k;
		if (cap - n < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL) {
		*len = n;
	}
	return buf;
}

double
test_json_component(const char *json, const char *id, const char *field)
{
	char key[256];
	snprintf(key, sizeof(key), "{\"id\":\"%s\"", id);
	const char *c = json ? strstr(json, key) : NULL;
	if (c == NULL) {
		return -1;
	}
	const char *end = strstr(c + 1, "{\"id\":");
	snprintf(key, sizeof(key), "\"%s\":", field);
	const char *f = strstr(c, key);
	if (f == NULL || (end != NULL && f > end)) {
		return -1;
	}
	return strtod(f + strlen(key), NULL);
}

bool
test_list_status(const char *list_json, const char *name, char *buf, size_t cap)
{
	char key[300];
	snprintf(key, sizeof(key), "{\"name\":\"%s\",\"status\":\"", name);
	const char *p = list_json != NULL ? strstr(list_json, key) : NULL;
	buf[0]        = '\0';
	if (p == NULL) {
		return false;
	}
	p += strlen(key);
	snprintf(buf, cap, "%.*s", (int) strcspn(p, "\""), p);
	return true;
}

void
test_run_gale_vargs(test_run *r, int timeout_s, va_list ap)
{
	const char *args[32];
	size_t      n = 0;
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 31) {
		args[n++] = a;
	}
	args[n] = NULL;
	test_run_gale(r, timeout_s, args);
}
