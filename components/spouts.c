// SPDX-License-Identifier: MIT
// spouts.c - the built-in spouts, written against the public API only.

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/lines.h"
#include "components/spouts.h"

// The most tuples one next_tuple call emits. One, as Storm's nextTuple:
// the executor calls next_tuple in a loop anyway, and checks
// topology.max.spout.pending between calls, which a call emitting several
// messages could overshoot.
#define SPOUT_BATCH 1

static const char *const spout_line_fields[] = { "line", NULL };

static const gale_stream_decl spout_line_outputs[] = {
	{ "default", spout_line_fields },
	{ NULL, NULL },
};

// ---------------------------------------------------------------------
// file_lines
// ---------------------------------------------------------------------

typedef struct file_spout {
	gale_line_reader *reader;
	char             *path;
	gale_u64_queue    replays; // offsets of failed lines
	bool              at_end;
	const gale_context *ctx; // for the log; lives as long as the task
} file_spout;

static gale_err
file_open(void *self, gale_context *ctx)
{
	file_spout *s = self;
	gale__u64_queue_init(&s->replays);
	s->ctx           = ctx;
	const char *path = gale_context_option(ctx, "path");
	if (path == NULL || path[0] == '\0') {
		gale_context_error(
		    ctx, "option 'path' is required: the file to read");
		return GALE_EINVAL;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		gale_context_error(
		    ctx, "option 'path': '%s' is a directory", path);
		return GALE_EINVAL;
	}
	gale_err rv = gale__line_reader_open(&s->reader, path);
	if (rv != GALE_OK) {
		const char *why =
		    rv == GALE_ENOMEM ? "out of memory" : strerror(errno);
		gale_context_error(
		    ctx, "option 'path': cannot open '%s': %s", path, why);
		return rv;
	}
	s->path = strdup(path);
	if (s->path == NULL) {
		return GALE_ENOMEM;
	}
	return GALE_OK;
}

// The next line to emit, a replay first: GALE_OK, or GALE_ECLOSED when
// the file is at its end and nothing waits to be replayed.
static gale_err
file_next_line(file_spout *s, gale_collector *c, const char **line,
    size_t *len, uint64_t *off)
{
	while (gale__u64_queue_pop(&s->replays, off)) {
		gale_err rv =
		    gale__line_reader_read_at(s->reader, *off, line, len);
		if (rv == GALE_OK) {
			return GALE_OK;
		}
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot read '%s' again at offset %" PRIu64
		    ": %s; the line is lost",
		    s->path, *off,
		    rv == GALE_ENOENT ? "past the end of the file"
				      : gale_strerror(rv));
	}
	if (s->at_end) {
		return GALE_ECLOSED;
	}
	gale_err rv = gale__line_reader_next(s->reader, line, len, off);
	if (rv == GALE_OK) {
		return GALE_OK;
	}
	if (rv != GALE_ECLOSED) {
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot read '%s': %s; stopping", s->path,
		    rv == GALE_EIO ? strerror(errno) : gale_strerror(rv));
	}
	s->at_end = true;
	gale_spout_exhausted(c);
	return GALE_ECLOSED;
}

static void
file_next_tuple(void *self, gale_collector *c)
{
	file_spout *s = self;
	const char *line;
	size_t      len;
	uint64_t    off;
	for (int n = 0; n < SPOUT_BATCH; n++) {
		if (file_next_line(s, c, &line, &len, &off) != GALE_OK) {
			return;
		}
		gale_value v = gale_str(line, len);
		if (gale_spout_emit(c, NULL, &v, 1, off) != GALE_OK) {
			// Shutting down; should it go on, the line is
			// replayed.
			gale__u64_queue_push(&s->replays, off);
			return;
		}
	}
}

// Queues a failed message for replay; says so when memory ran out, since
// that message is then given up. Returns whether it was queued.
static bool
spout_queue_replay(gale_u64_queue *q, const gale_context *ctx,
    const char *what, uint64_t msg_id)
{
	if (gale__u64_queue_push(q, msg_id) == GALE_OK) {
		return true;
	}
	gale_log(ctx, GALE_LOG_ERROR,
	    "out of memory; %s %" PRIu64 " is not replayed", what, msg_id);
	return false;
}

static void
file_fail(void *self, uint64_t msg_id)
{
	file_spout *s = self;
	spout_queue_replay(&s->replays, s->ctx, "the line at offset", msg_id);
}

static void
file_close(void *self)
{
	file_spout *s = self;
	gale__line_reader_close(&s->reader);
	gale__u64_queue_fini(&s->replays);
	free(s->path);
	s->path = NULL;
}

static const gale_spout_ops file_ops = {
	.size       = sizeof(file_spout),
	.outputs    = spout_line_outputs,
	.open       = file_open,
	.next_tuple = file_next_tuple,
	.fail       = file_fail,
	.close      = file_close,
};

const gale_component gale__spout_file_lines = { .spout = &file_ops };

// ---------------------------------------------------------------------
// socket_lines
// ---------------------------------------------------------------------

#define SOCKET_BACKOFF_MIN_NS (100 * 1000000ull)
#define SOCKET_BACKOFF_MAX_NS (5000 * 1000000ull)
#define SOCKET_READ_MIN (16 * 1024)

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
	int              fd;
	socket_state     state;
	socket_said      said;
	uint64_t         retry_ns;
	uint64_t         backoff_ns;
	gale_linebuf     lb;
	gale_line_store  store;   // emitted lines until acked
	gale_u64_queue   replays; // sequence numbers of failed lines
	const gale_context *ctx; // for the log; lives as long as the task
} socket_spout;

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
	s->next_addr = s->addrs;
	return GALE_OK;
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
	                 a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                 a->ai_protocol);
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
socket_emit_new(socket_spout *s, gale_collector *c, const char *line,
    size_t len)
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

static void
socket_next_tuple(void *self, gale_collector *c)
{
	socket_spout *s = self;
	int           n = 0;
	uint64_t      seq;
	while (n < SPOUT_BATCH && gale__u64_queue_pop(&s->replays, &seq)) {
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
	while (n < SPOUT_BATCH) {
		const char *line;
		size_t      len;
		if (gale__linebuf_next(&s->lb, &line, &len)) {
			if (socket_emit_new(s, c, line, len) != GALE_OK) {
				return;
			}
			n++;
			continue;
		}
		char    *space;
		size_t   avail;
		if (gale__linebuf_reserve(&s->lb, SOCKET_READ_MIN, &space,
		        &avail) != GALE_OK) {
			socket_down(s, "out of memory");
			return;
		}
		ssize_t r = recv(s->fd, space, avail, MSG_DONTWAIT);
		if (r > 0) {
			gale__linebuf_commit(&s->lb, (size_t) r);
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		                 errno == EINTR)) {
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
	gale__line_store_drop(&s->store, msg_id);
}

static void
socket_fail(void *self, uint64_t msg_id)
{
	socket_spout *s = self;
	if (!spout_queue_replay(&s->replays, s->ctx, "message", msg_id)) {
		gale__line_store_drop(&s->store, msg_id);
	}
}

static void
socket_close(void *self)
{
	socket_spout *s = self;
	if (s->fd >= 0) {
		close(s->fd);
	}
	s->fd = -1;
	if (s->addrs != NULL) {
		freeaddrinfo(s->addrs);
		s->addrs = NULL;
	}
	gale__linebuf_fini(&s->lb);
	gale__line_store_fini(&s->store);
	gale__u64_queue_fini(&s->replays);
}

static const gale_spout_ops socket_ops = {
	.size       = sizeof(socket_spout),
	.outputs    = spout_line_outputs,
	.open       = socket_open,
	.next_tuple = socket_next_tuple,
	.ack        = socket_ack,
	.fail       = socket_fail,
	.close      = socket_close,
};

const gale_component gale__spout_socket_lines = { .spout = &socket_ops };

// ---------------------------------------------------------------------
// random_sentences
// ---------------------------------------------------------------------

typedef struct random_spout {
	uint64_t       seed;
	uint64_t       count; // 0: unbounded
	double         rate;  // sentences per second; 0: no pacing
	uint64_t       next;  // the index of the next new sentence
	uint64_t       start_ns;
	bool           at_end;
	gale_u64_queue replays;
	char           buf[GALE_SENTENCE_MAX];
	const gale_context *ctx; // for the log; lives as long as the task
} random_spout;

static gale_err
random_open(void *self, gale_context *ctx)
{
	random_spout *s = self;
	gale__u64_queue_init(&s->replays);
	s->ctx        = ctx;
	int64_t count = gale_context_option_i64(ctx, "count", 0);
	s->seed       = (uint64_t) gale_context_option_i64(ctx, "seed", 1);
	s->rate       = gale_context_option_f64(ctx, "rate", 0);
	if (count < 0) {
		gale_context_error(ctx,
		    "option 'count': %" PRId64
		    " is negative (0 means unbounded)",
		    count);
		return GALE_EINVAL;
	}
	if (!(s->rate >= 0) || isinf(s->rate)) {
		gale_context_error(ctx,
		    "option 'rate': '%s' is not a rate (sentences per second, "
		    "0 for as fast as possible)",
		    gale_context_option(ctx, "rate"));
		return GALE_EINVAL;
	}
	s->count = (uint64_t) count;
	return GALE_OK;
}

static gale_err
random_emit(random_spout *s, gale_collector *c, uint64_t i)
{
	size_t len = gale__random_sentence(s->seed, i, s->buf, sizeof(s->buf));
	gale_value v = gale_str(s->buf, len);
	return gale_spout_emit(c, NULL, &v, 1, i);
}

static void
random_next_tuple(void *self, gale_collector *c)
{
	random_spout *s = self;
	int           n = 0;
	uint64_t      i;
	while (n < SPOUT_BATCH && gale__u64_queue_pop(&s->replays, &i)) {
		if (random_emit(s, c, i) != GALE_OK) {
			gale__u64_queue_push(&s->replays, i);
			return;
		}
		n++;
	}
	if (s->at_end) {
		return;
	}
	uint64_t limit = UINT64_MAX; // the index not to reach yet
	if (s->rate > 0) {
		uint64_t now = gale_now_ns();
		if (s->start_ns == 0) {
			s->start_ns = now;
		}
		// Sentence k is due k / rate seconds after the first.
		double due = (double) (now - s->start_ns) * s->rate / 1e9;
		limit = due < 1e18 ? (uint64_t) due + 1 : UINT64_MAX;
	}
	uint64_t end = s->count > 0 ? s->count : UINT64_MAX;
	while (n < SPOUT_BATCH && s->next < limit && s->next < end) {
		if (random_emit(s, c, s->next) != GALE_OK) {
			return;
		}
		s->next++;
		n++;
	}
	if (s->next == end) {
		s->at_end = true;
		gale_spout_exhausted(c);
	}
}

static void
random_fail(void *self, uint64_t msg_id)
{
	random_spout *s = self;
	spout_queue_replay(&s->replays, s->ctx, "sentence", msg_id);
}

static void
random_close(void *self)
{
	random_spout *s = self;
	gale__u64_queue_fini(&s->replays);
}

static const gale_spout_ops random_ops = {
	.size       = sizeof(random_spout),
	.outputs    = spout_line_outputs,
	.open       = random_open,
	.next_tuple = random_next_tuple,
	.fail       = random_fail,
	.close      = random_close,
};

const gale_component gale__spout_random_sentences = { .spout = &random_ops };

// ---------------------------------------------------------------------
// const_spout
// ---------------------------------------------------------------------

#define CONST_LINE "the quick brown fox jumps over the lazy dog"

typedef struct const_spout {
	uint64_t       count; // 0: unbounded
	bool           tracked;
	uint64_t       next; // emitted so far, and the next message id
	bool           at_end;
	gale_u64_queue replays;
	const gale_context *ctx; // for the log; lives as long as the task
} const_spout;

static gale_err
const_open(void *self, gale_context *ctx)
{
	const_spout *s = self;
	gale__u64_queue_init(&s->replays);
	s->ctx        = ctx;
	int64_t count = gale_context_option_i64(ctx, "count", 0);
	s->tracked    = gale_context_option_bool(ctx, "ack", true);
	if (count < 0) {
		gale_context_error(ctx,
		    "option 'count': %" PRId64
		    " is negative (0 means unbounded)",
		    count);
		return GALE_EINVAL;
	}
	s->count = (uint64_t) count;
	return GALE_OK;
}

static void
const_next_tuple(void *self, gale_collector *c)
{
	const_spout *s = self;
	gale_value   v = gale_str(CONST_LINE, sizeof(CONST_LINE) - 1);
	int          n = 0;
	uint64_t     id;
	while (n < SPOUT_BATCH && gale__u64_queue_pop(&s->replays, &id)) {
		if (gale_spout_emit(c, NULL, &v, 1, id) != GALE_OK) {
			gale__u64_queue_push(&s->replays, id);
			return;
		}
		n++;
	}
	for (; n < SPOUT_BATCH && !s->at_end; n++) {
		if (s->count > 0 && s->next >= s->count) {
			break;
		}
		gale_err rv = s->tracked
		    ? gale_spout_emit(c, NULL, &v, 1, s->next)
		    : gale_spout_emit_untracked(c, NULL, &v, 1);
		if (rv != GALE_OK) {
			return;
		}
		s->next++;
	}
	if (!s->at_end && s->count > 0 && s->next >= s->count) {
		s->at_end = true;
		gale_spout_exhausted(c);
	}
}

static void
const_fail(void *self, uint64_t msg_id)
{
	const_spout *s = self;
	spout_queue_replay(&s->replays, s->ctx, "message", msg_id);
}

static void
const_close(void *self)
{
	const_spout *s = self;
	gale__u64_queue_fini(&s->replays);
}

static const gale_spout_ops const_ops = {
	.size       = sizeof(const_spout),
	.outputs    = spout_line_outputs,
	.open       = const_open,
	.next_tuple = const_next_tuple,
	.fail       = const_fail,
	.close      = const_close,
};

const gale_component gale__spout_const = { .spout = &const_ops };
