// SPDX-License-Identifier: MIT
// shell_proc.c - one multilang child process: spawn, pipes, message
// framing and the tail of its stderr.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "components/shell_proc.h"

extern char **environ;

// Bytes read from the child's stdout per read call, at least.
#define PROC_READ 65536

void
gale__shell_proc_init(shell_proc *p, const gale_context *ctx, size_t max_msg)
{
	memset(p, 0, sizeof(*p));
	p->ctx     = ctx;
	p->in_fd   = -1;
	p->out_fd  = -1;
	p->err_fd  = -1;
	p->max_msg = max_msg;
	p->status  = -1;
}

static void
proc_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

gale_err
gale__shell_proc_start(shell_proc *p, char *const *argv, const char *cwd,
    char *err, size_t errlen)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t          attr;
	bool                       fa_ok = false, attr_ok = false;
	gale_err                   rv = GALE_EIO;

	p->off = p->len = p->scan = 0;
	p->tail_len = p->line_len = 0;
	p->status                 = -1;
	p->eof                    = false;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0
	    || pipe2(er, O_CLOEXEC) != 0) {
		snprintf(
		    err, errlen, "cannot make pipes: %s", strerror(errno));
		goto fail;
	}
	fa_ok   = posix_spawn_file_actions_init(&fa) == 0;
	attr_ok = posix_spawnattr_init(&attr) == 0;
	if (!fa_ok || !attr_ok) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	// The worker ignores SIGPIPE; the child gets the default back.
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, er[1], 2);
	if (cwd != NULL) {
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
	}
	pid_t pid;
	int   e = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	if (e != 0) {
		snprintf(err, errlen, "cannot start '%s' in '%s': %s", argv[0],
		    cwd != NULL ? cwd : ".", strerror(e));
		goto fail;
	}
	p->pid    = pid;
	p->in_fd  = in[1];
	p->out_fd = out[0];
	p->err_fd = er[0];
	in[1] = out[0] = er[0] = -1;
	fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	rv = GALE_OK;
fail:
	if (fa_ok) {
		posix_spawn_file_actions_destroy(&fa);
	}
	if (attr_ok) {
		posix_spawnattr_destroy(&attr);
	}
	for (int i = 0; i < 2; i++) {
		proc_close(&in[i]);
		proc_close(&out[i]);
		proc_close(&er[i]);
	}
	return rv;
}

// Keeps the last bytes of stderr and logs each complete line of it.
static void
proc_stderr(shell_proc *p, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = data[i];
		if (p->tail_len == SHELL_TAIL) {
			memmove(
			    p->tail, p->tail + SHELL_TAIL / 2, SHELL_TAIL / 2);
			p->tail_len = SHELL_TAIL / 2;
		}
		p->tail[p->tail_len++] = ch;
		if (ch == '\n' || p->line_len == SHELL_TAIL - 1) {
			if (p->ctx != NULL && p->line_len > 0) {
				gale_log(p->ctx, GALE_LOG_INFO, "stderr: %.*s",
				    (int) p->line_len, p->line);
			}
			p->line_len = 0;
			if (ch == '\n') {
				continue;
			}
		}
		p->line[p->line_len++]
		    = (unsigned char) ch < 0x20 || ch == 0x7f ? '?' : ch;
	}
}

// Reads what stderr holds now; false at its end.
static bool
proc_drain_stderr(shell_proc *p)
{
	char chunk[4096];
	while (p->err_fd >= 0) {
		ssize_t n = read(p->err_fd, chunk, sizeof(chunk));
		if (n > 0) {
			proc_stderr(p, chunk, (size_t) n);
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n == 0) {
			proc_close(&p->err_fd);
			return false;
		}
		break; // EAGAIN
	}
	return true;
}

// Reads what stdout holds now into the buffer. GALE_ECLOSED at its end.
static gale_err
proc_fill(shell_proc *p)
{
	for (;;) {
		if (p->off > 0 && p->off == p->len) {
			p->off = p->len = p->scan = 0;
		}
		if (p->cap - p->len < PROC_READ) {
			if (p->off > 0) {
				memmove(
				    p->buf, p->buf + p->off, p->len - p->off);
				p->len -= p->off;
				p->scan -= p->off;
				p->off = 0;
			}
			if (p->cap - p->len < PROC_READ) {
				size_t cap
				    = p->cap ? p->cap * 2 : 2 * PROC_READ;
				char *b = realloc(p->buf, cap);
				if (b == NULL) {
					return GALE_ENOMEM;
				}
				p->buf = b;
				p->cap = cap;
			}
		}
		ssize_t n = read(p->out_fd, p->buf + p->len, p->cap - p->len);
		if (n > 0) {
			p->len += (size_t) n;
			if ((size_t) n < p->cap - p->len) {
				return GALE_OK;
			}
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n == 0) {
			p->eof = true;
			return GALE_ECLOSED;
		}
		return errno == EAGAIN ? GALE_OK : GALE_EIO;
	}
}

// Waits for the child's stdout (and stdin when want_in) until deadline_ns;
// stderr is read as it comes. Sets *in_ready and *out_ready.
static gale_err
proc_poll(shell_proc *p, bool want_in, uint64_t deadline_ns, bool *in_ready,
    bool *out_ready)
{
	*in_ready = *out_ready = false;
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = p->out_fd, .events = POLLIN },
			{ .fd = p->err_fd, .events = POLLIN },
			{ .fd = want_in ? p->in_fd : -1, .events = POLLOUT },
		};
		uint64_t now = gale_now_ns();
		if (now >= deadline_ns) {
			return GALE_ETIMEDOUT;
		}
		uint64_t ms = (deadline_ns - now + 999999) / 1000000;
		int      r  = poll(fds, 3, ms > 1000 ? 1000 : (int) ms);
		if (r < 0 && errno != EINTR) {
			return GALE_EIO;
		}
		if (r <= 0) {
			continue;
		}
		if (fds[1].revents != 0) {
			proc_drain_stderr(p);
		}
		*out_ready = fds[0].revents != 0;
		*in_ready  = fds[2].revents != 0;
		if (*out_ready || *in_ready) {
			return GALE_OK;
		}
	}
}

gale_err
gale__shell_proc_write(
    shell_proc *p, const char *data, size_t len, uint64_t deadline_ns)
{
	if (p->pid == 0 || p->in_fd < 0) {
		return GALE_ECLOSED;
	}
	while (len > 0) {
		ssize_t n = write(p->in_fd, data, len);
		if (n > 0) {
			data += n;
			len -= (size_t) n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			return errno == EPIPE ? GALE_ECLOSED : GALE_EIO;
		}
		// Full: read its output meanwhile, which it may be blocked on.
		bool     in_ready, out_ready;
		gale_err rv
		    = proc_poll(p, true, deadline_ns, &in_ready, &out_ready);
		if (rv != GALE_OK) {
			return rv;
		}
		if (out_ready && (rv = proc_fill(p)) != GALE_OK
		    && rv != GALE_ECLOSED) {
			return rv;
		}
	}
	return GALE_OK;
}

// Finds the next whole message in the buffer: true and sets *msg, *len.
static bool
proc_next(shell_proc *p, const char **msg, size_t *len)
{
	while (p->scan < p->len) {
		char *at = p->buf + p->scan;
		char *nl = memchr(at, '\n', p->len - p->scan);
		if (nl == NULL) {
			return false;
		}
		size_t n = (size_t) (nl - at);
		if (n > 0 && at[n - 1] == '\r') {
			n--;
		}
		size_t line = p->scan;
		p->scan     = (size_t) (nl - p->buf) + 1;
		if (n == 3 && memcmp(at, "end", 3) == 0) {
			*msg   = p->buf + p->off;
			*len   = line - p->off;
			p->off = p->scan;
			return true;
		}
	}
	return false;
}

gale_err
gale__shell_proc_read(
    shell_proc *p, const char **msg, size_t *len, uint64_t deadline_ns)
{
	if (p->pid == 0 || p->out_fd < 0) {
		return GALE_ECLOSED;
	}
	for (;;) {
		if (proc_next(p, msg, len)) {
			return GALE_OK;
		}
		if (p->len - p->off > p->max_msg) {
			*msg = p->buf + p->off;
			*len = 256; // enough to quote, and to say it goes on
			return GALE_EPROTO;
		}
		gale_err rv = proc_fill(p);
		if (rv == GALE_OK && proc_next(p, msg, len)) {
			return GALE_OK;
		}
		if (rv != GALE_OK) {
			return rv;
		}
		if (p->len - p->off > p->max_msg) {
			continue;
		}
		bool in_ready, out_ready;
		rv = proc_poll(p, false, deadline_ns, &in_ready, &out_ready);
		if (rv != GALE_OK) {
			return rv;
		}
	}
}

const char *
gale__shell_proc_tail(shell_proc *p)
{
	proc_drain_stderr(p);
	size_t n = p->tail_len;
	while (n > 0 && (p->tail[n - 1] == '\n' || p->tail[n - 1] == ' ')) {
		n--;
	}
	static _Thread_local char out[SHELL_TAIL + 1];
	for (size_t i = 0; i < n; i++) {
		char ch = p->tail[i];
		out[i]  = ch == '\n'             ? '|'
		     : (unsigned char) ch < 0x20 ? '?'
						 : ch;
	}
	out[n] = '\0';
	return out;
}

const char *
gale__shell_proc_how(shell_proc *p, char *buf, size_t len)
{
	if (p->status < 0) {
		return "still running";
	}
	if (WIFEXITED(p->status)) {
		snprintf(
		    buf, len, "exited with status %d", WEXITSTATUS(p->status));
	} else if (WIFSIGNALED(p->status)) {
		snprintf(
		    buf, len, "was killed by signal %d", WTERMSIG(p->status));
	} else {
		snprintf(buf, len, "ended (status %d)", p->status);
	}
	return buf;
}

void
gale__shell_proc_stop(shell_proc *p)
{
	proc_close(&p->in_fd);
	if (p->pid > 0) {
		// A child whose stdout ended is given 200 ms to exit, so
		// that its own status is what gets reported.
		int status = 0;
		for (int i = 0; p->eof && i < 40; i++) {
			pid_t r = waitpid(p->pid, &status, WNOHANG);
			if (r == p->pid) {
				p->status = status;
				break;
			}
			if (r < 0 && errno != EINTR) {
				break;
			}
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
		if (p->status < 0) {
			kill(p->pid, SIGKILL);
			while (waitpid(p->pid, &status, 0) < 0
			    && errno == EINTR) { }
			p->status = status;
		}
		p->pid = 0;
	}
	proc_drain_stderr(p);
	proc_close(&p->out_fd);
	proc_close(&p->err_fd);
}

void
gale__shell_proc_fini(shell_proc *p)
{
	gale__shell_proc_stop(p);
	free(p->buf);
	p->buf = NULL;
	p->cap = p->len = p->off = p->scan = 0;
}
