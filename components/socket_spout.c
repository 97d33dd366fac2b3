// SPDX-License-Identifier: MIT
// socket_spout.c - the socket_lines spout: lines from a TCP line server,
// kept in memory until acked or, with option `wal`, in a write-ahead log.

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "components/lines.h"
#include "components/spouts.h"
#include "components/statefile.h"
#include "components/wal.h"

// One tuple per next_tuple call, as the other spouts (see spouts.c).
#define SOCKET_BATCH 1

#define SOCKET_BACKOFF_MIN_NS (100 * 1000000ull)
#define SOCKET_BACKOFF_MAX_NS (5000 * 1000000ull)
#define SOCKET_READ_MIN (16 * 1024)
// With a log: the reader thread waits at most this long for the socket,
// so that it sees a stop in time, and reads at most SOCKET_CYCLE_MAX
// bytes between two group commits.
#define SOCKET_POLL_MS 50
#define SOCKET_CYCLE_MAX (1024 * 1024)
#define SOCKET_WAL_MAX_BYTES "268435456"
#define SOCKET_WAL_SEGMENT_BYTES "4194304"

static const char *const socket_fields[] = { "line", NULL };

static const gale_stream_decl socket_outputs[] = {
	{ "default", socket_fields },
	{ NULL, NULL },
};

static const gale_option_decl socket_options[] = {
	{ "host", GALE_OPTION_STRING, "127.0.0.1", "the line server's host" },
	{ "port", GALE_OPTION_INT, NULL, "the line server's port (required)" },
	{ "wal", GALE_OPTION_STRING, NULL,
	    "a directory for a write-ahead log of the lines read: "
	    "at-least-once across restarts" },
	{ "wal_max_bytes", GALE_OPTION_INT, SOCKET_WAL_MAX_BYTES,
	    "the most the log holds; when full, reading waits for acks" },
	{ "wal_segment_bytes", GALE_OPTION_INT, SOCKET_WAL_SEGMENT_BYTES,
	    "the size of a log segment, the unit of trimming" },
	{ NULL, 0, NULL, NULL },
};

typedef enum {
	SOCKET_WAITING = 0, // not connected; the next attempt at retry_ns
	SOCKET_CONNECTING,
	SOCKET_CONNECTED,
} socket_state;

// What was last printed, so that a server that stays away is reported
// once, not at every attempt.
typedef enum {
	SOCKET_SAID_NOTHING = 0,
	SOCKET_SAID_UP,
	SOCKET_SAID_DOWN,
} socket_said;

typedef struct socket_spout {
	struct addrinfo *addrs;
	struct addrinfo *next_addr; // tried at the next attempt
	char             where[300]; // "host:port", for messages
	// The connection: the executor's without a log, else the reader
	// thread's alone.
	int          fd;
	socket_state state;
	socket_said  said;
	uint64_t     retry_ns;
	uint64_t     backoff_ns;
	gale_linebuf lb;
	// The executor's: emitted lines until acked (tagged with their
	// sequence number in the log, when there is one), and the failed.
	gale_line_store store;
	gale_u64_queue  replays;
	// With a log: lines are read by the reader thread, logged and
	// synced, and only then emitted. mu guards wal.
	gale_wal           *wal;
	char               *wal_dir;
	pthread_mutex_t     mu;
	bool                mu_ready;
	pthread_t           reader;
	bool                reader_started;
	atomic_bool         stop;
	bool                full; // the log was full at the last append
	bool                closing; // the server closed; lines left to log
	const gale_context *ctx; // for the log; lives as long as the task
} socket_spout;

static void *socket_reader_main(void *arg);

// Opens the log in the task's directory under option wal and starts the
// reader thread; logs what a restart found in it.
static gale_err
socket_open_wal(socket_spout *s, gale_context *ctx, const char *dir)
{
	int64_t max = gale_context_option_i64(
	    ctx, "wal_max_bytes", strtoll(SOCKET_WAL_MAX_BYTES, NULL, 10));
	int64_t seg = gale_context_option_i64(ctx, "wal_segment_bytes",
	    strtoll(SOCKET_WAL_SEGMENT_BYTES, NULL, 10));
	if (max < 4096) {
		gale_context_error(ctx,
		    "option 'wal_max_bytes': %" PRId64 " is below 4096", max);
		return GALE_EINVAL;
	}
	if (seg < 1) {
		gale_context_error(ctx,
		    "option 'wal_segment_bytes': %" PRId64 " is below 1", seg);
		return GALE_EINVAL;
	}
	char path[4096];
	if (dir[0] == '\0'
	    || gale__statefile_path(path, sizeof(path), dir, ctx, ".wal")
		!= 0) {
		gale_context_error(ctx,
		    "option 'wal': '%s' is not a usable "
		    "directory name",
		    dir);
		return GALE_EINVAL;
	}
	if (gale__mkdirs(dir) != 0) {
		gale_context_error(ctx, "option 'wal': cannot create '%s': %s",
		    dir, strerror(errno));
		return GALE_EIO;
	}
	char              err[512];
	gale_wal_recovery rec;
	gale_err          rv = gale__wal_open(&s->wal, path, (uint64_t) max,
		     (uint64_t) seg, &rec, err, sizeof(err));
	if (rv != GALE_OK) {
		gale_context_error(ctx, "option 'wal': %s", err);
		return rv;
	}
	if (rec.cut_bytes > 0) {
		gale_log(ctx, GALE_LOG_WARN,
		    "write-ahead log '%s': cut %" PRIu64
		    " bytes of a torn or damaged tail in %" PRIu64
		    " segments (a crash while writing); the records before "
		    "are kept",
		    path, rec.cut_bytes, rec.cut_segments);
	}
	if (rec.records > 0) {
		gale_log(ctx, GALE_LOG_INFO,
		    "write-ahead log '%s': replaying %" PRIu64
		    " lines of %" PRIu64 " segments not known to be acked",
		    path, rec.records, rec.segments);
	}
	s->wal_dir = strdup(path);
	if (s->wal_dir == NULL) {
		return GALE_ENOMEM;
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		return GALE_ENOMEM;
	}
	s->mu_ready = true;
	atomic_init(&s->stop, false);
	// The reader takes no signals: they are the worker's main thread's.
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int started = pthread_create(&s->reader, NULL, socket_reader_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started != 0) {
		gale_context_error(ctx, "cannot start the socket reader");
		return GALE_ENOMEM;
	}
	s->reader_started = true;
	return GALE_OK;
}

static gale_err
socket_open(void *self, gale_context *ctx)
{
	socket_spout *s = self;
	s->fd           = -1;
	s->backoff_ns   = SOCKET_BACKOFF_MIN_NS;
	gale__linebuf_init(&s->lb);
	gale__line_store_init(&s->store);
	gale__u64_queue_init(&s->replays);
	s->ctx           = ctx;
	const char *host = gale_context_option(ctx, "host");
	if (host == NULL) {
		host = "127.0.0.1";
	}
	if (gale_context_option(ctx, "port") == NULL) {
		gale_context_error(
		    ctx, "option 'port' is required: the line server's port");
		return GALE_EINVAL;
	}
	int64_t port = gale_context_option_i64(ctx, "port", 0);
	if (port < 1 || port > 65535) {
		gale_context_error(ctx,
		    "option 'port': '%s' is not a port (1 to 65535)",
		    gale_context_option(ctx, "port"));
		return GALE_EINVAL;
	}
	char service[8];
	snprintf(service, sizeof(service), "%" PRId64, port);
	snprintf(s->where, sizeof(s->where), "%s:%s", host, service);
	struct addrinfo hints = {
		.ai_family   = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags    = AI_NUMERICSERV,
	};
	int r = getaddrinfo(host, service, &hints, &s->addrs);
	if (r != 0) {
		s->addrs = NULL;
		gale_context_error(ctx,
		    "option 'host': cannot resolve '%s': %s", host,
		    gai_strerror(r));
		return GALE_EUNREACH;
	}
	s->next_addr    = s->addrs;
	const char *wal = gale_context_option(ctx, "wal");
	return wal != NULL ? socket_open_wal(s, ctx, wal) : GALE_OK;
}

// The connection is gone or could not be made: schedules the next attempt
// and says so, once per change of state.
static void
socket_down(socket_spout *s, const char *why)
{
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->state    = SOCKET_WAITING;
	s->retry_ns = gale_now_ns() + s->backoff_ns;
	s->backoff_ns *= 2;
	if (s->backoff_ns > SOCKET_BACKOFF_MAX_NS) {
		s->backoff_ns = SOCKET_BACKOFF_MAX_NS;
	}
	if (s->said != SOCKET_SAID_DOWN) {
		gale_log(s->ctx, GALE_LOG_WARN,
		    "%s: %s; retrying every 0.1 s to 5 s", s->where, why);
		s->said = SOCKET_SAID_DOWN;
	}
}

static void
socket_up(socket_spout *s)
{
	s->state      = SOCKET_CONNECTED;
	s->backoff_ns = SOCKET_BACKOFF_MIN_NS;
	gale__linebuf_clear(&s->lb);
	if (s->said != SOCKET_SAID_UP) {
		gale_log(s->ctx, GALE_LOG_INFO, "connected to %s", s->where);
		s->said = SOCKET_SAID_UP;
	}
}

static void
socket_connect(socket_spout *s)
{
	struct addrinfo *a = s->next_addr;
	s->next_addr       = a->ai_next != NULL ? a->ai_next : s->addrs;
	s->fd              = socket(a->ai_family,
			 a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
	if (s->fd < 0) {
		socket_down(s, strerror(errno));
		return;
	}
	if (connect(s->fd, a->ai_addr, a->ai_addrlen) == 0) {
		socket_up(s);
	} else if (errno == EINPROGRESS) {
		s->state = SOCKET_CONNECTING;
	} else {
		char why[160];
		snprintf(
		    why, sizeof(why), "cannot connect: %s", strerror(errno));
		socket_down(s, why);
	}
}

// Checks, without waiting, whether a connection in progress is made.
static void
socket_check_connect(socket_spout *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	if (poll(&p, 1, 0) <= 0) {
		return;
	}
	int       e   = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) {
		e = errno;
	}
	if (e == 0) {
		socket_up(s);
	} else {
		char why[160];
		snprintf(why, sizeof(why), "cannot connect: %s", strerror(e));
		socket_down(s, why);
	}
}

// Stores and emits one line read from the server.
static gale_err
socket_emit_new(
    socket_spout *s, gale_collector *c, const char *line, size_t len)
{
	uint64_t seq;
	gale_err rv = gale__line_store_put(&s->store, line, len, &seq);
	if (rv != GALE_OK) {
		gale_log(
		    s->ctx, GALE_LOG_ERROR, "out of memory; a line is lost");
		return rv;
	}
	gale_value v = gale_str(line, len);
	rv           = gale_spout_emit(c, NULL, &v, 1, seq);
	if (rv != GALE_OK) {
		gale__u64_queue_push(&s->replays, seq);
	}
	return rv;
}

// ---------------------------------------------------------------------
// With a log: the reader thread
// ---------------------------------------------------------------------

// Logs the complete lines buffered, stopping at the first that does not
// fit; with eof, the bytes after the last newline too. Under mu. Returns
// whether every line was logged.
static bool
socket_log_lines(socket_spout *s, bool eof)
{
	const char *line;
	size_t      len;
	bool        got;
	while ((got = gale__linebuf_next(&s->lb, &line, &len))
	    || (eof && (got = gale__linebuf_rest(&s->lb, &line, &len)))) {
		gale_err rv = gale__wal_append(s->wal, line, len);
		if (rv == GALE_OK) {
			continue;
		}
		if (rv == GALE_EINVAL) {
			gale_log(s->ctx, GALE_LOG_ERROR,
			    "a line of %zu bytes from %s is larger than the "
			    "whole write-ahead log (wal_max_bytes); it is "
			    "dropped",
			    len, s->where);
			continue;
		}
		gale__linebuf_unget(&s->lb, line);
		if (!s->full) {
			s->full = true;
			gale_log(s->ctx, GALE_LOG_ERROR,
			    "write-ahead log '%s' is full (%" PRIu64
			    " bytes, %" PRIu64
			    " lines not acked; wal_max_bytes): not reading "
			    "from %s until acked lines free space",
			    s->wal_dir, gale__wal_bytes(s->wal),
			    gale__wal_unacked(s->wal), s->where);
		}
		return false;
	}
	if (s->full) {
		s->full = false;
		gale_log(s->ctx, GALE_LOG_INFO,
		    "write-ahead log '%s' has room again: reading from %s",
		    s->wal_dir, s->where);
	}
	return true;
}

// Logs what is buffered and makes it durable with one fsync. Returns
// whether everything buffered was logged.
static bool
socket_log_commit(socket_spout *s, bool eof)
{
	char err[512];
	pthread_mutex_lock(&s->mu);
	bool all = socket_log_lines(s, eof);
	if (gale__wal_sync(s->wal, err, sizeof(err)) != GALE_OK) {
		// The lines stay appended; the next commit tries again.
		gale_log(s->ctx, GALE_LOG_ERROR, "%s; retrying", err);
		all = false;
	}
	pthread_mutex_unlock(&s->mu);
	return all;
}

// One cycle of a connected reader: waits up to SOCKET_POLL_MS for bytes,
// reads what there is (up to SOCKET_CYCLE_MAX) and logs it with one group
// commit. While the log is full, it does not read.
static void
socket_reader_cycle(socket_spout *s)
{
	if (gale__linebuf_pending(&s->lb) > 0 || s->closing) {
		bool done = socket_log_commit(s, s->closing);
		if (!done) {
			poll(NULL, 0, SOCKET_POLL_MS);
			return;
		}
		if (s->closing) {
			s->closing = false;
			socket_down(s, "the server closed the connection");
			return;
		}
	}
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	if (poll(&p, 1, SOCKET_POLL_MS) <= 0) {
		return;
	}
	size_t got = 0;
	while (got < SOCKET_CYCLE_MAX) {
		char  *space;
		size_t avail;
		if (gale__linebuf_reserve(
			&s->lb, SOCKET_READ_MIN, &space, &avail)
		    != GALE_OK) {
			socket_down(s, "out of memory");
			return;
		}
		ssize_t r = recv(s->fd, space, avail, MSG_DONTWAIT);
		if (r > 0) {
			gale__linebuf_commit(&s->lb, (size_t) r);
			got += (size_t) r;
			continue;
		}
		if (r < 0
		    && (errno == EAGAIN || errno == EWOULDBLOCK
			|| errno == EINTR)) {
			break;
		}
		if (r < 0) {
			// What was read before the error is logged; the
			// connection is made again.
			char why[160];
			snprintf(why, sizeof(why), "%s", strerror(errno));
			socket_log_commit(s, true);
			socket_down(s, why);
			return;
		}
		// The server ended the connection: what it sent after its
		// last newline is a line too, once logged.
		s->closing = true;
		break;
	}
	if (socket_log_commit(s, s->closing) && s->closing) {
		s->closing = false;
		socket_down(s, "the server closed the connection");
	}
}

static void *
socket_reader_main(void *arg)
{
	socket_spout *s = arg;
	while (!atomic_load(&s->stop)) {
		switch (s->state) {
		case SOCKET_WAITING: {
			uint64_t now = gale_now_ns();
			if (now < s->retry_ns) {
				uint64_t ms = (s->retry_ns - now) / 1000000u;
				poll(NULL, 0,
				    ms < SOCKET_POLL_MS ? (int) ms + 1
							: SOCKET_POLL_MS);
				break;
			}
			socket_connect(s);
			break;
		}
		case SOCKET_CONNECTING: {
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };
			poll(&p, 1, SOCKET_POLL_MS);
			socket_check_connect(s);
			break;
		}
		case SOCKET_CONNECTED:
			socket_reader_cycle(s);
			break;
		}
	}
	return NULL;
}

// ---------------------------------------------------------------------
// The executor's side
// ---------------------------------------------------------------------

// Emits the next line logged and not yet emitted. Returns false when
// there is none, or the topology is shutting down.
static bool
socket_emit_logged(socket_spout *s, gale_collector *c)
{
	const char *line;
	size_t      len;
	uint64_t    tag, seq;
	pthread_mutex_lock(&s->mu);
	gale_err rv = gale__wal_next(s->wal, &line, &len, &tag);
	if (rv == GALE_OK) {
		rv = gale__line_store_put_tagged(
		    &s->store, line, len, tag, &seq);
		if (rv != GALE_OK) {
			// The line stays logged: a restart replays it.
			gale_log(s->ctx, GALE_LOG_ERROR,
			    "out of memory; a logged line waits for a "
			    "restart");
		}
	} else if (rv != GALE_ECLOSED) {
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot read the write-ahead log '%s': %s", s->wal_dir,
		    gale_strerror(rv));
	}
	pthread_mutex_unlock(&s->mu);
	if (rv != GALE_OK) {
		return false;
	}
	// The store's copy: the log's buffer is the reader thread's again.
	gale__line_store_get(&s->store, seq, &line, &len);
	gale_value v = gale_str(line, len);
	if (gale_spout_emit(c, NULL, &v, 1, seq) != GALE_OK) {
		gale__u64_queue_push(&s->replays, seq);
		return false;
	}
	return true;
}

static void
socket_next_tuple(void *self, gale_collector *c)
{
	socket_spout *s = self;
	int           n = 0;
	uint64_t      seq;
	while (n < SOCKET_BATCH && gale__u64_queue_pop(&s->replays, &seq)) {
		const char *line;
		size_t      len;
		if (!gale__line_store_get(&s->store, seq, &line, &len)) {
			continue;
		}
		gale_value v = gale_str(line, len);
		if (gale_spout_emit(c, NULL, &v, 1, seq) != GALE_OK) {
			gale__u64_queue_push(&s->replays, seq);
			return;
		}
		n++;
	}
	if (s->wal != NULL) {
		while (n < SOCKET_BATCH && socket_emit_logged(s, c)) {
			n++;
		}
		return;
	}
	switch (s->state) {
	case SOCKET_WAITING:
		if (gale_now_ns() < s->retry_ns) {
			return;
		}
		socket_connect(s);
		return;
	case SOCKET_CONNECTING:
		socket_check_connect(s);
		return;
	case SOCKET_CONNECTED:
		break;
	}
	while (n < SOCKET_BATCH) {
		const char *line;
		size_t      len;
		if (gale__linebuf_next(&s->lb, &line, &len)) {
			if (socket_emit_new(s, c, line, len) != GALE_OK) {
				return;
			}
			n++;
			continue;
		}
		char  *space;
		size_t avail;
		if (gale__linebuf_reserve(
			&s->lb, SOCKET_READ_MIN, &space, &avail)
		    != GALE_OK) {
			socket_down(s, "out of memory");
			return;
		}
		ssize_t r = recv(s->fd, space, avail, MSG_DONTWAIT);
		if (r > 0) {
			gale__linebuf_commit(&s->lb, (size_t) r);
			continue;
		}
		if (r < 0
		    && (errno == EAGAIN || errno == EWOULDBLOCK
			|| errno == EINTR)) {
			return;
		}
		// The server ended the connection: what it sent after its
		// last newline is a line too.
		const char *why = r == 0 ? "the server closed the connection"
					 : strerror(errno);
		if (gale__linebuf_rest(&s->lb, &line, &len)) {
			socket_emit_new(s, c, line, len);
		}
		socket_down(s, why);
		return;
	}
}

static void
socket_ack(void *self, uint64_t msg_id)
{
	socket_spout *s = self;
	uint64_t      tag;
	if (s->wal != NULL && gale__line_store_tag(&s->store, msg_id, &tag)) {
		pthread_mutex_lock(&s->mu);
		gale__wal_ack(s->wal, tag);
		pthread_mutex_unlock(&s->mu);
	}
	gale__line_store_drop(&s->store, msg_id);
}

static void
socket_fail(void *self, uint64_t msg_id)
{
	socket_spout *s = self;
	if (gale__u64_queue_push(&s->replays, msg_id) == GALE_OK) {
		return;
	}
	if (s->wal != NULL) {
		// Still logged: a restart replays it.
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "out of memory; message %" PRIu64
		    " is replayed only after a restart",
		    msg_id);
	} else {
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "out of memory; message %" PRIu64 " is not replayed",
		    msg_id);
	}
	gale__line_store_drop(&s->store, msg_id);
}

static void
socket_close(void *self)
{
	socket_spout *s = self;
	if (s->reader_started) {
		atomic_store(&s->stop, true);
		pthread_join(s->reader, NULL);
		s->reader_started = false;
	}
	if (s->fd >= 0) {
		close(s->fd);
	}
	s->fd = -1;
	if (s->addrs != NULL) {
		freeaddrinfo(s->addrs);
		s->addrs = NULL;
	}
	gale__wal_close(&s->wal);
	if (s->mu_ready) {
		pthread_mutex_destroy(&s->mu);
		s->mu_ready = false;
	}
	free(s->wal_dir);
	s->wal_dir = NULL;
	gale__linebuf_fini(&s->lb);
	gale__line_store_fini(&s->store);
	gale__u64_queue_fini(&s->replays);
}

static const gale_spout_ops socket_ops = {
	.size       = sizeof(socket_spout),
	.outputs    = socket_outputs,
	.open       = socket_open,
	.next_tuple = socket_next_tuple,
	.ack        = socket_ack,
	.fail       = socket_fail,
	.close      = socket_close,
	.options    = socket_options,
};

const gale_component gale__spout_socket_lines = { .spout = &socket_ops };
