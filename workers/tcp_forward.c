// SPDX-License-Identifier: MIT
// tcp_forward.c - a loopback TCP port forwarded, bytes both ways, to
// another address by one poll() thread.

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/thread.h"
#include "workers/tcp_forward.h"

// The connections served at once; one more is closed at once, and logged.
#define FWD_MAX_CONNS 64
// The bytes one direction of a connection buffers; a side that sends more
// waits (it is not read) until the other side takes them.
#define FWD_BUF (64 * 1024)

// One direction: bytes read from one side, not yet written to the other.
typedef struct fwd_dir {
	char  *buf;
	size_t off, len; // buf[off, len) is still to be written
	bool   eof; // the reading side closed its sending half
	bool   shut; // the eof was passed on (shutdown of the writing side)
} fwd_dir;

// A client connection and its connection to the target: dir[0] carries
// client to target, dir[1] target to client.
typedef struct fwd_conn {
	int     fd[2]; // client, target
	fwd_dir dir[2];
} fwd_conn;

struct gale_forward {
	int                     lfd; // the listening socket
	int                     wake[2]; // a pipe: a byte stops the thread
	struct sockaddr_storage target;
	socklen_t               target_len;
	char                    target_text[128];
	fwd_conn                conns[FWD_MAX_CONNS];
	size_t                  nconns;
	pthread_t               thread;
	bool                    started;
};

static bool
fwd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

// Parses the numeric "HOST:PORT" into f->target.
static bool
fwd_target(gale_forward *f, const char *target)
{
	char host[128];
	snprintf(host, sizeof(host), "%s", target);
	char *colon = strrchr(host, ':');
	if (colon == NULL || colon[1] == '\0') {
		return false;
	}
	*colon                 = '\0';
	struct addrinfo  hints = { .ai_family = AF_UNSPEC,
		 .ai_socktype                 = SOCK_STREAM,
		 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res   = NULL;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		return false;
	}
	memcpy(&f->target, res->ai_addr, res->ai_addrlen);
	f->target_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(f->target_text, sizeof(f->target_text), "%s", target);
	return true;
}

static void
fwd_conn_close(gale_forward *f, size_t i)
{
	fwd_conn *c = &f->conns[i];
	for (int k = 0; k < 2; k++) {
		if (c->fd[k] >= 0) {
			close(c->fd[k]);
		}
		free(c->dir[k].buf);
	}
	f->conns[i] = f->conns[--f->nconns];
}

// Accepts one client and connects it to the target.
static void
fwd_accept(gale_forward *f)
{
	int cfd = accept(f->lfd, NULL, NULL);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK
		    && errno != EINTR) {
			GALE_WARN("forward: accept: %s", strerror(errno));
		}
		return;
	}
	if (f->nconns == FWD_MAX_CONNS) {
		GALE_WARN("forward: %d connections already; closing a new one",
		    FWD_MAX_CONNS);
		close(cfd);
		return;
	}
	int tfd = socket(f->target.ss_family, SOCK_STREAM, 0);
	// A connect on loopback to a listening port completes at once.
	if (tfd < 0
	    || connect(tfd, (struct sockaddr *) &f->target, f->target_len) != 0
	    || !fwd_nonblock(tfd) || !fwd_nonblock(cfd)) {
		GALE_WARN("forward: cannot connect to %s: %s", f->target_text,
		    strerror(errno));
		if (tfd >= 0) {
			close(tfd);
		}
		close(cfd);
		return;
	}
	fwd_conn *c   = &f->conns[f->nconns];
	*c            = (fwd_conn) { .fd = { cfd, tfd } };
	c->dir[0].buf = malloc(FWD_BUF);
	c->dir[1].buf = malloc(FWD_BUF);
	f->nconns++;
	if (c->dir[0].buf == NULL || c->dir[1].buf == NULL) {
		GALE_WARN("forward: out of memory; closing a connection");
		fwd_conn_close(f, f->nconns - 1);
	}
}

// Moves what it can in direction k of c: reads from fd[k] when readable,
// writes to fd[1 - k] when writable. False when the pair must close.
static bool
fwd_move(fwd_conn *c, int k, short rev_in, short rev_out)
{
	fwd_dir *d   = &c->dir[k];
	int      in  = c->fd[k];
	int      out = c->fd[1 - k];
	if ((rev_in & (POLLIN | POLLHUP)) && !d->eof
	    && d->len - d->off < FWD_BUF) {
		if (d->off > 0) {
			memmove(d->buf, d->buf + d->off, d->len - d->off);
			d->len -= d->off;
			d->off = 0;
		}
		ssize_t n = recv(in, d->buf + d->len, FWD_BUF - d->len, 0);
		if (n > 0) {
			d->len += (size_t) n;
		} else if (n == 0) {
			d->eof = true;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK
		    && errno != EINTR) {
			if (errno != ECONNRESET) {
				GALE_WARN(
				    "forward: read: %s", strerror(errno));
			}
			return false;
		}
	}
	if (d->off < d->len && (rev_out & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t n = send(
		    out, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
		if (n >= 0) {
			d->off += (size_t) n;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK
		    && errno != EINTR) {
			if (errno != EPIPE && errno != ECONNRESET) {
				GALE_WARN(
				    "forward: write: %s", strerror(errno));
			}
			return false;
		}
	}
	if (d->off == d->len) {
		d->off = d->len = 0;
		if (d->eof && !d->shut) {
			shutdown(out, SHUT_WR);
			d->shut = true;
		}
	}
	return true;
}

static void *
fwd_main(void *arg)
{
	gale_forward *f = arg;
	struct pollfd pfd[2 + 2 * FWD_MAX_CONNS];
	for (;;) {
		pfd[0]
		    = (struct pollfd) { .fd = f->wake[0], .events = POLLIN };
		pfd[1] = (struct pollfd) { .fd = f->lfd, .events = POLLIN };
		for (size_t i = 0; i < f->nconns; i++) {
			fwd_conn *c = &f->conns[i];
			for (int k = 0; k < 2; k++) {
				short ev = 0;
				// Read side k while its buffer has room.
				if (!c->dir[k].eof
				    && c->dir[k].len < FWD_BUF) {
					ev |= POLLIN;
				}
				// Write side k what the other side sent.
				if (c->dir[1 - k].off < c->dir[1 - k].len) {
					ev |= POLLOUT;
				}
				pfd[2 + 2 * i + k]
				    = (struct pollfd) { .fd = c->fd[k],
					      .events       = ev };
			}
		}
		if (poll(pfd, 2 + 2 * f->nconns, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			GALE_ERROR("forward: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents != 0) {
			break;
		}
		// Walk down, as closing moves the last pair into the hole.
		for (size_t i = f->nconns; i-- > 0;) {
			fwd_conn *c  = &f->conns[i];
			short     r0 = pfd[2 + 2 * i].revents;
			short     r1 = pfd[2 + 2 * i + 1].revents;
			// An error ends the pair; so does a side gone both
			// ways once all it sent was passed on (what goes to it
			// can no longer arrive).
			bool gone = ((r0 | r1) & (POLLERR | POLLNVAL))
			    || !fwd_move(c, 0, r0, r1)
			    || !fwd_move(c, 1, r1, r0);
			for (int k = 0; k < 2 && !gone; k++) {
				short r = k == 0 ? r0 : r1;
				gone    = (r & POLLHUP) && c->dir[k].eof
				    && c->dir[k].off == c->dir[k].len;
			}
			if (gone || (c->dir[0].shut && c->dir[1].shut)) {
				fwd_conn_close(f, i);
			}
		}
		if (pfd[1].revents & POLLIN) {
			fwd_accept(f);
		}
	}
	return NULL;
}

gale_err
gale__forward_open(gale_forward **out, uint16_t port, const char *target,
    char *why, size_t whylen)
{
	gale_forward *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(why, whylen, "out of memory");
		return GALE_ENOMEM;
	}
	f->lfd     = -1;
	f->wake[0] = f->wake[1] = -1;
	gale_err rv             = GALE_EIO;
	if (!fwd_target(f, target)) {
		snprintf(
		    why, whylen, "'%s' is not a numeric HOST:PORT", target);
		rv = GALE_EINVAL;
		goto fail;
	}
	struct sockaddr_in a   = { .sin_family = AF_INET,
		  .sin_port                    = htons(port),
		  .sin_addr.s_addr             = htonl(INADDR_LOOPBACK) };
	int                one = 1;
	f->lfd                 = socket(AF_INET, SOCK_STREAM, 0);
	if (f->lfd < 0
	    || setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))
		!= 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		goto fail;
	}
	if (bind(f->lfd, (struct sockaddr *) &a, sizeof(a)) != 0) {
		rv = errno == EADDRINUSE ? GALE_EEXIST : GALE_EIO;
		snprintf(why, whylen, "cannot listen on 127.0.0.1:%u: %s",
		    (unsigned) port,
		    errno == EADDRINUSE ? "the port is already in use"
					: strerror(errno));
		goto fail;
	}
	if (listen(f->lfd, 64) != 0 || !fwd_nonblock(f->lfd)
	    || pipe(f->wake) != 0) {
		snprintf(why, whylen, "cannot listen on 127.0.0.1:%u: %s",
		    (unsigned) port, strerror(errno));
		goto fail;
	}
	int err = gale__thread_start(&f->thread, fwd_main, f);
	if (err != 0) {
		snprintf(
		    why, whylen, "cannot start a thread: %s", strerror(err));
		goto fail;
	}
	f->started = true;
	*out       = f;
	return GALE_OK;
fail:
	gale__forward_close(&f);
	return rv;
}

void
gale__forward_close(gale_forward **fp)
{
	if (fp == NULL || *fp == NULL) {
		return;
	}
	gale_forward *f = *fp;
	if (f->started) {
		char b = 1;
		while (write(f->wake[1], &b, 1) < 0 && errno == EINTR) { }
		pthread_join(f->thread, NULL);
	}
	while (f->nconns > 0) {
		fwd_conn_close(f, f->nconns - 1);
	}
	for (int k = 0; k < 2; k++) {
		if (f->wake[k] >= 0) {
			close(f->wake[k]);
		}
	}
	if (f->lfd >= 0) {
		close(f->lfd);
	}
	free(f);
	*fp = NULL;
}
