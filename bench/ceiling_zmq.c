// SPDX-License-Identifier: MIT
// ceiling_zmq.c - raw ZeroMQ between two processes over loopback TCP: the
// message rate and round-trip latency that gale's transport cannot beat.
//
// Throughput: a forked child binds PULL on tcp://127.0.0.1:* and tells the
// parent the port through a pipe; the parent connects PUSH and sends
// messages of --batch words each (1024 by default, gale's default
// topology.transfer.batch.size), every word a length-prefixed tuple as a
// one-field tuple batch would carry it. The child walks every word of every
// message and times from the first message to the end marker.
//
// Latency: a forked child binds REP, the parent sends --pings one-word
// requests with REQ and times each round trip.
//
// Prints one JSON object per measurement, one per line, to stdout. Every
// receive has a timeout, and the parent stops its child by pid on any error,
// so nothing is left behind.

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#define ZC_ENDPOINT_CAP 256
#define ZC_TIMEOUT_MS 20000

typedef struct zc_options {
	uint64_t messages;
	uint64_t batch;
	uint64_t pings;
} zc_options;

// What the throughput receiver reports to the parent through the pipe.
typedef struct zc_result {
	int      ok;
	uint64_t messages;
	uint64_t words;
	uint64_t bytes;
	double   secs;
} zc_result;

// The words the batches are made of: short English words, as the word
// count's split bolt emits them.
static const char *const zc_words[] = { "the", "quick", "brown", "fox",
	"jumps", "over", "lazy", "dog", "and", "stream", "of", "words", "in",
	"a", "topology", "tuple" };
#define ZC_NWORDS (sizeof(zc_words) / sizeof(zc_words[0]))

static void
zc_usage(FILE *f)
{
	fprintf(f,
	    "usage: ceiling_zmq [--messages N] [--batch B] [--pings P]\n"
	    "  --messages N  PUSH/PULL messages to send (default 50000)\n"
	    "  --batch B     words per message (default 1024)\n"
	    "  --pings P     REQ/REP round trips to time (default 20000; 0 "
	    "skips)\n");
}

static uint64_t
zc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void
zc_zmq_error(const char *what)
{
	fprintf(stderr, "ceiling_zmq: %s: %s\n", what,
	    zmq_strerror(zmq_errno()));
}

// Writes all of buf to fd; 0 on success.
static int
zc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

// Reads exactly len bytes from fd; 0 on success, -1 on error or early EOF.
static int
zc_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		p += n;
		len -= (size_t) n;
	}
	return 0;
}

// A socket of the given type on ctx with linger and receive timeout set.
static void *
zc_socket(void *ctx, int type)
{
	void *s = zmq_socket(ctx, type);
	if (s == NULL) {
		zc_zmq_error("zmq_socket");
		return NULL;
	}
	int linger = ZC_TIMEOUT_MS, timeo = ZC_TIMEOUT_MS;
	if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeo, sizeof(timeo)) != 0 ||
	    zmq_setsockopt(s, ZMQ_SNDTIMEO, &timeo, sizeof(timeo)) != 0) {
		zc_zmq_error("zmq_setsockopt");
		zmq_close(s);
		return NULL;
	}
	return s;
}

// Binds s to an ephemeral loopback port and writes the endpoint to fd.
static int
zc_bind_and_tell(void *s, int fd)
{
	char   ep[ZC_ENDPOINT_CAP] = { 0 };
	size_t eplen               = sizeof(ep);
	if (zmq_bind(s, "tcp://127.0.0.1:*") != 0) {
		zc_zmq_error("zmq_bind tcp://127.0.0.1:*");
		return -1;
	}
	if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &eplen) != 0) {
		zc_zmq_error("zmq_getsockopt ZMQ_LAST_ENDPOINT");
		return -1;
	}
	return zc_write_all(fd, ep, sizeof(ep));
}

// Walks the length-prefixed words of one message; returns how many there
// are, or -1 when a length runs past the end.
static long
zc_count_words(const unsigned char *p, size_t len)
{
	long   n = 0;
	size_t i = 0;
	while (i < len) {
		size_t wl = p[i];
		if (i + 1 + wl > len) {
			return -1;
		}
		i += 1 + wl;
		n++;
	}
	return n;
}

// The PULL side, in the child.
static int
zc_pull_child(int fd)
{
	zc_result r   = { 0 };
	void     *ctx = zmq_ctx_new();
	void     *s   = ctx != NULL ? zc_socket(ctx, ZMQ_PULL) : NULL;
	if (s == NULL || zc_bind_and_tell(s, fd) != 0) {
		goto out;
	}
	zmq_msg_t msg;
	zmq_msg_init(&msg);
	uint64_t t0 = 0;
	for (;;) {
		if (zmq_msg_recv(&msg, s, 0) < 0) {
			zc_zmq_error("PULL receive");
			zmq_msg_close(&msg);
			goto out;
		}
		size_t len = zmq_msg_size(&msg);
		if (len == 0) {
			break; // the end marker
		}
		if (r.messages == 0) {
			t0 = zc_now_ns();
		}
		long n = zc_count_words(zmq_msg_data(&msg), len);
		if (n < 0) {
			fprintf(stderr, "ceiling_zmq: malformed message\n");
			zmq_msg_close(&msg);
			goto out;
		}
		r.messages++;
		r.words += (uint64_t) n;
		r.bytes += len;
	}
	r.secs = (double) (zc_now_ns() - t0) / 1e9;
	r.ok   = 1;
	zmq_msg_close(&msg);
out:
	if (s != NULL) {
		zmq_close(s);
	}
	if (ctx != NULL) {
		zmq_ctx_term(ctx);
	}
	if (zc_write_all(fd, &r, sizeof(r)) != 0) {
		return 1;
	}
	return r.ok ? 0 : 1;
}

// The REP side, in the child: echoes until it receives an empty message.
static int
zc_rep_child(int fd)
{
	int   ok  = 0;
	void *ctx = zmq_ctx_new();
	void *s   = ctx != NULL ? zc_socket(ctx, ZMQ_REP) : NULL;
	if (s == NULL || zc_bind_and_tell(s, fd) != 0) {
		goto out;
	}
	char buf[256];
	for (;;) {
		int n = zmq_recv(s, buf, sizeof(buf), 0);
		if (n < 0) {
			zc_zmq_error("REP receive");
			goto out;
		}
		if (n > (int) sizeof(buf)) {
			n = (int) sizeof(buf);
		}
		if (zmq_send(s, buf, (size_t) n, 0) < 0) {
			zc_zmq_error("REP send");
			goto out;
		}
		if (n == 0) {
			break;
		}
	}
	ok = 1;
out:
	if (s != NULL) {
		zmq_close(s);
	}
	if (ctx != NULL) {
		zmq_ctx_term(ctx);
	}
	return ok ? 0 : 1;
}

// Forks a child running fn with the write end of a pipe; returns the read
// end in *rfd and the child's pid, or -1.
static pid_t
zc_spawn(int (*fn)(int), int *rfd)
{
	int p[2];
	if (pipe(p) != 0) {
		perror("ceiling_zmq: pipe");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("ceiling_zmq: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		int rc = fn(p[1]);
		close(p[1]);
		_exit(rc);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

// Waits for the child; when kill_it is set, stops it first. 0 when it
// exited with status 0.
static int
zc_reap(pid_t pid, bool kill_it)
{
	if (kill_it) {
		kill(pid, SIGTERM);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			perror("ceiling_zmq: waitpid");
			return -1;
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		return 0;
	}
	if (!kill_it) {
		fprintf(stderr, "ceiling_zmq: child failed (status %d)\n", st);
	}
	return -1;
}

// Fills buf with batch length-prefixed words; returns the length.
static size_t
zc_fill_batch(unsigned char *buf, uint64_t batch)
{
	size_t len = 0;
	for (uint64_t i = 0; i < batch; i++) {
		const char *w  = zc_words[i % ZC_NWORDS];
		size_t      wl = strlen(w);
		buf[len++]     = (unsigned char) wl;
		memcpy(buf + len, w, wl);
		len += wl;
	}
	return len;
}

static int
zc_throughput(const zc_options *o)
{
	int   rfd;
	pid_t pid = zc_spawn(zc_pull_child, &rfd);
	if (pid < 0) {
		return -1;
	}
	char ep[ZC_ENDPOINT_CAP];
	if (zc_read_all(rfd, ep, sizeof(ep)) != 0) {
		fprintf(stderr, "ceiling_zmq: the PULL child did not bind\n");
		close(rfd);
		zc_reap(pid, true);
		return -1;
	}
	ep[sizeof(ep) - 1] = '\0';

	int            rc  = -1;
	unsigned char *buf = malloc((size_t) o->batch * 256);
	void          *ctx = zmq_ctx_new();
	void          *s   = ctx != NULL ? zc_socket(ctx, ZMQ_PUSH) : NULL;
	if (buf == NULL || s == NULL) {
		goto out;
	}
	if (zmq_connect(s, ep) != 0) {
		zc_zmq_error(ep);
		goto out;
	}
	size_t len = zc_fill_batch(buf, o->batch);
	for (uint64_t m = 0; m < o->messages; m++) {
		// Each message is a new copy, as a real sender fills a new
		// batch for every message.
		if (zmq_send(s, buf, len, 0) < 0) {
			zc_zmq_error("PUSH send");
			goto out;
		}
	}
	if (zmq_send(s, "", 0, 0) < 0) {
		zc_zmq_error("PUSH send of the end marker");
		goto out;
	}
	rc = 0;
out:
	if (s != NULL) {
		zmq_close(s);
	}
	if (ctx != NULL) {
		zmq_ctx_term(ctx);
	}
	free(buf);
	zc_result r = { 0 };
	if (rc == 0 && zc_read_all(rfd, &r, sizeof(r)) != 0) {
		fprintf(stderr,
		    "ceiling_zmq: no result from the PULL child\n");
		rc = -1;
	}
	close(rfd);
	if (zc_reap(pid, rc != 0) != 0 || !r.ok) {
		return -1;
	}
	if (r.messages != o->messages || r.words != o->messages * o->batch) {
		fprintf(stderr,
		    "ceiling_zmq: received %" PRIu64 " messages and %" PRIu64
		    " words, sent %" PRIu64 " and %" PRIu64 "\n",
		    r.messages, r.words, o->messages, o->messages * o->batch);
		return -1;
	}
	// The clock starts at the first message, so messages - 1 intervals
	// and the end marker's arrival are timed.
	double secs = r.secs > 0 ? r.secs : 1e-9;
	printf("{\"case\":\"ceiling-zmq-pushpull\",\"messages\":%" PRIu64
	       ",\"batch\":%" PRIu64 ",\"bytes_per_message\":%" PRIu64
	       ",\"secs\":%.6f,\"messages_per_sec\":%.1f"
	       ",\"words_per_sec\":%.1f,\"mb_per_sec\":%.2f}\n",
	    r.messages, o->batch, r.bytes / r.messages, r.secs,
	    (double) r.messages / secs, (double) r.words / secs,
	    (double) r.bytes / secs / 1e6);
	return 0;
}

static int
zc_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
	return x < y ? -1 : x > y;
}

// The value at quantile q of n sorted samples (nearest rank).
static uint64_t
zc_quantile(const uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t) (q * (double) n + 0.999999);
	if (rank < 1) {
		rank = 1;
	}
	if (rank > n) {
		rank = n;
	}
	return v[rank - 1];
}

static int
zc_latency(const zc_options *o)
{
	int   rfd;
	pid_t pid = zc_spawn(zc_rep_child, &rfd);
	if (pid < 0) {
		return -1;
	}
	char ep[ZC_ENDPOINT_CAP];
	int  ok = zc_read_all(rfd, ep, sizeof(ep)) == 0;
	close(rfd);
	if (!ok) {
		fprintf(stderr, "ceiling_zmq: the REP child did not bind\n");
		zc_reap(pid, true);
		return -1;
	}
	ep[sizeof(ep) - 1] = '\0';

	// Warm-up round trips set up the connection and the caches; they are
	// not timed.
	const uint64_t warm = o->pings / 10 + 10;
	int            rc   = -1;
	uint64_t      *rtt  = malloc(o->pings * sizeof(*rtt));
	void          *ctx  = zmq_ctx_new();
	void          *s    = ctx != NULL ? zc_socket(ctx, ZMQ_REQ) : NULL;
	if (rtt == NULL || s == NULL) {
		goto out;
	}
	if (zmq_connect(s, ep) != 0) {
		zc_zmq_error(ep);
		goto out;
	}
	char buf[64];
	for (uint64_t i = 0; i < warm + o->pings; i++) {
		uint64_t t0 = zc_now_ns();
		if (zmq_send(s, "quick", 5, 0) != 5) {
			zc_zmq_error("REQ send");
			goto out;
		}
		if (zmq_recv(s, buf, sizeof(buf), 0) != 5) {
			zc_zmq_error("REQ receive");
			goto out;
		}
		if (i >= warm) {
			rtt[i - warm] = zc_now_ns() - t0;
		}
	}
	if (zmq_send(s, "", 0, 0) != 0 ||
	    zmq_recv(s, buf, sizeof(buf), 0) != 0) {
		zc_zmq_error("REQ stop");
		goto out;
	}
	rc = 0;
out:
	if (s != NULL) {
		zmq_close(s);
	}
	if (ctx != NULL) {
		zmq_ctx_term(ctx);
	}
	if (zc_reap(pid, rc != 0) != 0) {
		rc = -1;
	}
	if (rc == 0) {
		qsort(rtt, o->pings, sizeof(*rtt), zc_cmp_u64);
		printf("{\"case\":\"ceiling-zmq-reqrep\",\"pings\":%" PRIu64
		       ",\"rtt_us\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f"
		       ",\"max\":%.3f}}\n",
		    o->pings, zc_quantile(rtt, o->pings, 0.50) / 1e3,
		    zc_quantile(rtt, o->pings, 0.99) / 1e3,
		    zc_quantile(rtt, o->pings, 0.999) / 1e3,
		    rtt[o->pings - 1] / 1e3);
	}
	free(rtt);
	return rc;
}

static int
zc_parse_args(int argc, char **argv, zc_options *o)
{
	o->messages = 50000;
	o->batch    = 1024;
	o->pings    = 20000;
	for (int i = 1; i < argc; i++) {
		uint64_t *dst = NULL;
		if (strcmp(argv[i], "--messages") == 0) {
			dst = &o->messages;
		} else if (strcmp(argv[i], "--batch") == 0) {
			dst = &o->batch;
		} else if (strcmp(argv[i], "--pings") == 0) {
			dst = &o->pings;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			zc_usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "ceiling_zmq: unknown argument '%s'\n",
			    argv[i]);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "ceiling_zmq: %s needs a value\n",
			    argv[i]);
			return -1;
		}
		char *end;
		errno                = 0;
		unsigned long long v = strtoull(argv[i + 1], &end, 10);
		if (errno != 0 || end == argv[i + 1] || *end != '\0' ||
		    argv[i + 1][0] == '-') {
			fprintf(stderr,
			    "ceiling_zmq: %s: '%s' is not a non-negative "
			    "integer\n",
			    argv[i], argv[i + 1]);
			return -1;
		}
		*dst = v;
		i++;
	}
	if (o->messages == 0 || o->batch == 0 || o->batch > 1000000) {
		fprintf(stderr,
		    "ceiling_zmq: --messages must be at least 1 and --batch "
		    "between 1 and 1000000\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	zc_options o;
	if (zc_parse_args(argc, argv, &o) != 0) {
		zc_usage(stderr);
		return 2;
	}
	if (zc_throughput(&o) != 0) {
		return 1;
	}
	if (o.pings > 0 && zc_latency(&o) != 0) {
		return 1;
	}
	return 0;
}
