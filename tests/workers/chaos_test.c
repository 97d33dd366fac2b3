// SPDX-License-Identifier: MIT
// chaos_test.c - word counts that outlive random SIGKILLs of their
// workers and of the `gale local` parent: every word counted, few twice,
// nothing left running.

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/lines.h"
#include "tests/support/run.h"
#include "tests/support/words.h"

#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"

// The seed of the kill schedule; GALE_CHAOS_SEED overrides it.
#define CHAOS_SEED 13u
// How long the driver kills workers, at least, and how many it runs.
#define CHAOS_SECS 20
#define CHAOS_WORKERS 3
// The over-count allowed, as a fraction of the input's words.
#define CHAOS_MAX_OVER 0.05

static char *dir;

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

TestSuite(chaos, .init = setup, .fini = teardown, .timeout = 240);

static unsigned
chaos_seed(void)
{
	const char *s = getenv("GALE_CHAOS_SEED");
	return s != NULL && *s != '\0' ? (unsigned) strtoul(s, NULL, 10)
				       : CHAOS_SEED;
}

// The workers of a run as its `worker N pid PID port PORT: ...` lines
// say, the latest line of each worker winning (a restart prints it
// again), and every pid ever seen.
typedef struct chaos_workers {
	pid_t  pid[CHAOS_WORKERS];
	bool   spout[CHAOS_WORKERS]; // runs the component "sentences"
	pid_t  all[512];
	size_t nall;
	size_t at; // how much of the output was parsed
} chaos_workers;

static void
workers_parse(chaos_workers *w, const char *out)
{
	const char *l = out + w->at;
	const char *nl;
	while ((nl = strchr(l, '\n')) != NULL) {
		char     line[1024];
		unsigned n;
		int      pid;
		snprintf(line, sizeof(line), "%.*s", (int) (nl - l), l);
		if (sscanf(line, "worker %u pid %d", &n, &pid) == 2
		    && n < CHAOS_WORKERS) {
			w->pid[n]   = (pid_t) pid;
			w->spout[n] = strstr(line, " sentences[") != NULL;
			if (w->nall < sizeof(w->all) / sizeof(w->all[0])) {
				w->all[w->nall++] = (pid_t) pid;
			}
		}
		l = nl + 1;
	}
	w->at = (size_t) (l - out);
}

// The worker running the spout, or -1.
static int
workers_spout(const chaos_workers *w)
{
	for (int i = 0; i < CHAOS_WORKERS; i++) {
		if (w->spout[i]) {
			return i;
		}
	}
	return -1;
}

// Waits until every process the run started is gone.
static void
workers_gone(const chaos_workers *w, int timeout_s)
{
	double deadline = test_now_s() + timeout_s;
	for (size_t i = 0; i < w->nall; i++) {
		while (test_pid_alive(w->all[i])) {
			cr_assert_lt(test_now_s(), deadline,
			    "worker pid %d still runs %d s after its run "
			    "ended",
			    (int) w->all[i], timeout_s);
			struct timespec ts = { 0, 50000000 };
			nanosleep(&ts, NULL);
		}
	}
}

// The run's final table has ended.
static bool
run_ended(const test_proc *p)
{
	return p->out != NULL && strstr(p->out, "Topology ") != NULL
	    && strstr(p->out, "__acker") != NULL;
}

// Kills a random worker every 2 to 3 s for at least secs, the spout's
// worker at the first and third kills, each time waiting for the worker
// to be started again; stops early only when done() says the input is
// through, which fails the test: the run must outlast the chaos. Returns
// the kills survived (each followed by a restart).
static int
chaos_drive(test_proc *p, chaos_workers *w, unsigned seed, int secs,
    bool (*done)(test_proc *, void *), void *arg)
{
	unsigned rnd      = seed;
	double   start    = test_now_s();
	double   next     = start + 2;
	int      survived = 0, spout_kills = 0;
	for (int k = 0; test_now_s() - start < secs || spout_kills < 2; k++) {
		while (test_now_s() < next) {
			test_proc_read(p, 50);
			workers_parse(w, p->out);
			cr_assert(!done(p, arg),
			    "the input was through after %.1f s, before %d s "
			    "of "
			    "kills:\n%s",
			    test_now_s() - start, secs, p->err);
		}
		int victim = workers_spout(w);
		if (victim < 0 || (k != 0 && k != 2)) {
			victim = (int) (rand_r(&rnd) % CHAOS_WORKERS);
		}
		pid_t pid = w->pid[victim];
		cr_assert_gt(
		    pid, 0, "no pid for worker %d:\n%s", victim, p->out);
		cr_assert_eq(kill(pid, SIGKILL), 0, "worker %d pid %d: %s",
		    victim, (int) pid, strerror(errno));
		spout_kills += w->spout[victim];
		next = test_now_s() + 2 + (double) (rand_r(&rnd) % 1000) / 1000;
		double deadline = test_now_s() + 20;
		while (w->pid[victim] == pid) {
			cr_assert_lt(test_now_s(), deadline,
			    "worker %d not restarted 20 s after its kill:\n%s",
			    victim, p->err);
			test_proc_read(p, 50);
			workers_parse(w, p->out);
		}
		survived++;
		if (test_now_s() > next) {
			next = test_now_s();
		}
	}
	return survived;
}

// The number in the column named col of the final table's row for
// component id, or -1.
static long long
table_cell(const char *out, const char *id, const char *col)
{
	const char *head = NULL;
	for (const char *h = strstr(out, "component "); h != NULL;
	     h             = strstr(h + 1, "component ")) {
		head = h;
	}
	if (head == NULL) {
		return -1;
	}
	const char *nl    = strchr(head, '\n');
	int         index = -1, i = 0;
	char        line[1024];
	snprintf(line, sizeof(line), "%.*s",
	    nl != NULL ? (int) (nl - head) : (int) strlen(head), head);
	for (char *save, *t = strtok_r(line, " ", &save); t != NULL;
	     t = strtok_r(NULL, " ", &save), i++) {
		if (strcmp(t, col) == 0) {
			index = i;
		}
	}
	char needle[128];
	snprintf(needle, sizeof(needle), "\n%s ", id);
	const char *row = nl != NULL ? strstr(nl, needle) : NULL;
	if (index < 0 || row == NULL) {
		return -1;
	}
	nl = strchr(row + 1, '\n');
	snprintf(line, sizeof(line), "%.*s",
	    nl != NULL ? (int) (nl - row - 1) : (int) strlen(row + 1),
	    row + 1);
	i = 0;
	for (char *save, *t = strtok_r(line, " ", &save); t != NULL;
	     t = strtok_r(NULL, " ", &save), i++) {
		if (i == index) {
			return strtoll(t, NULL, 10);
		}
	}
	return -1;
}

// The sum of the counts in a word<TAB>count file.
static long long
total_counted(const char *path)
{
	char *text = test_read_file(path, NULL);
	cr_assert_not_null(text, "no output %s", path);
	long long sum = 0;
	for (char *l = text; *l != '\0';) {
		char *tab = strchr(l, '\t');
		cr_assert_not_null(tab);
		sum += strtoll(tab + 1, &l, 10);
		cr_assert_eq(*l, '\n');
		l++;
	}
	free(text);
	return sum;
}

// A text of lines of four words, 4 * lines words; the caller frees it.
static char *
chaos_text(int lines, size_t *len)
{
	char *text = malloc((size_t) lines * 32);
	cr_assert_not_null(text);
	*len = 0;
	for (int i = 0; i < lines; i++) {
		*len += (size_t) sprintf(
		    text + *len, "a%d b%d c%d d\n", i % 97, i % 13, i % 1009);
	}
	return text;
}

// The file and socket cases; the Kafka case is its own executable
// (chaos_kafka_test, from this file), since librdkafka's mock cluster
// cannot run under ThreadSanitizer.
#ifndef GALE_CHAOS_KAFKA

// Writes a file word count over in, paced by a sink that takes pace_us
// per line, to yaml; counts go to out. word_count stores with its
// default, a group commit.
static void
write_file_topology(const char *yaml, const char *in, const char *out,
    const char *state, int pace_us)
{
	char text[16384];
	snprintf(text, sizeof(text),
	    "name: chaosfile\n"
	    "config: {topology.workers: %d, topology.max.spout.pending: 100,\n"
	    "         topology.message.timeout.secs: 3}\n"
	    "spouts:\n"
	    "  - {id: sentences, component: file_lines,\n"
	    "     options: {path: %s, state_dir: %s}}\n"
	    "bolts:\n"
	    "  - {id: split, component: split_words, parallelism: 2}\n"
	    "  - {id: count, component: word_count, parallelism: 2,\n"
	    "     options: {output: %s}}\n"
	    "  - {id: pace, component: fake_pace_bolt, library: %s,\n"
	    "     options: {sleep_us: %d}}\n"
	    "streams:\n"
	    "  - {from: sentences, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - {from: sentences, to: pace, grouping: {type: SHUFFLE}}\n"
	    "  - {from: split, to: count, grouping: {type: FIELDS, args: "
	    "[word]}}\n",
	    CHAOS_WORKERS, in, state, out, FAKE_LIB, pace_us);
	cr_assert(test_write_file(yaml, text, strlen(text)));
}

static bool
file_done(test_proc *p, void *arg)
{
	(void) arg;
	return run_ended(p);
}

Test(chaos, file_word_count_survives_random_worker_kills)
{
	// About 60,000 lines at 330 us each: 20 s before any kill.
	enum { LINES = 60000, WORDS = 4, PACE_US = 330 };
	size_t len;
	char  *text = chaos_text(LINES, &len);
	char   in[4096], out[4096], state[4096], yaml[4096];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(yaml, sizeof(yaml), "%s/chaos.yaml", dir);
	cr_assert(test_write_file(in, text, len));
	write_file_topology(yaml, in, out, state, PACE_US);

	unsigned      seed   = chaos_seed();
	const char   *args[] = { "local", yaml, NULL };
	test_proc     p;
	chaos_workers w  = { 0 };
	double        t0 = test_now_s();
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 2 pid", 20), "%s", p.err);
	workers_parse(&w, p.out);
	int survived = chaos_drive(&p, &w, seed, CHAOS_SECS, file_done, NULL);

	bool timedout;
	int  status = test_proc_wait(&p, 120, &timedout);
	cr_assert(!timedout, "not finished 120 s after the kills:\n%s", p.err);
	cr_assert_eq(status, 0, "exit %d:\n%s", status, p.err);
	cr_assert(strstr(p.out, "status FINISHED") != NULL, "%s", p.out);
	workers_parse(&w, p.out);
	workers_gone(&w, 10);

	test_check_counts(text, len, out, true);
	long long over     = total_counted(out) - (long long) LINES * WORDS;
	long long replayed = table_cell(p.out, "sentences", "replayed");
	printf("chaos file (seed %u): %.1f s, %d kills survived, %lld "
	       "replays, over-count %lld words (%.2f%% of %d)\n",
	    seed, test_now_s() - t0, survived, replayed, over,
	    100.0 * (double) over / (LINES * WORDS), LINES * WORDS);
	cr_assert_lt((double) over, CHAOS_MAX_OVER * LINES * WORDS,
	    "over-count %lld words of %d", over, LINES * WORDS);
	free(text);
	test_proc_fini(&p);
}

Test(chaos, killed_parent_leaves_nothing_and_a_new_run_counts_right)
{
	enum { LINES = 20000, PACE_US = 300 };
	size_t len;
	char  *text = chaos_text(LINES, &len);
	char   in[4096], out[4096], state[4096], yaml[4096];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(yaml, sizeof(yaml), "%s/chaos.yaml", dir);
	cr_assert(test_write_file(in, text, len));
	write_file_topology(yaml, in, out, state, PACE_US);

	const char   *args[] = { "local", yaml, NULL };
	test_proc     p;
	chaos_workers w = { 0 };
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 2 pid", 20), "%s", p.err);
	test_proc_read(&p, 2000);
	workers_parse(&w, p.out);
	cr_assert(!run_ended(&p), "finished before the kill:\n%s", p.out);
	cr_assert_eq(kill(p.pid, SIGKILL), 0);
	bool timedout;
	int  status = test_proc_wait(&p, 20, &timedout);
	cr_assert(!timedout);
	cr_assert_eq(status, 128 + SIGKILL);
	workers_parse(&w, p.out);
	cr_assert_eq(w.nall, CHAOS_WORKERS, "%s", p.out);
	workers_gone(&w, 10);
	printf("chaos parent: killed, its %zu workers gone\n", w.nall);
	test_proc_fini(&p);

	// A new run of the same file is a new run: it reads from byte 0 and
	// counts exactly (unpaced, as nothing is killed).
	write_file_topology(yaml, in, out, state, 0);
	test_run r;
	test_run_gale(&r, 120, args);
	cr_assert(!r.timedout);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_check_counts(text, len, out, false);
	chaos_workers w2 = { 0 };
	workers_parse(&w2, r.out);
	workers_gone(&w2, 10);
	test_run_fini(&r);
	free(text);
}

// What the socket case watches: the words "w<i>" printed so far.
typedef struct socket_seen {
	bool  *seen;
	int    n, nseen;
	size_t at;
} socket_seen;

static bool
socket_done(test_proc *p, void *arg)
{
	socket_seen *s  = arg;
	const char  *l  = p->out + s->at;
	const char  *nl = NULL;
	while ((nl = strchr(l, '\n')) != NULL) {
		int i;
		if (sscanf(l, "(w%d,", &i) == 1 && i >= 0 && i < s->n
		    && !s->seen[i]) {
			s->seen[i] = true;
			s->nseen++;
		}
		l = nl + 1;
	}
	s->at = (size_t) (l - p->out);
	return s->nseen == s->n;
}

Test(chaos, socket_word_count_with_wal_survives_random_worker_kills)
{
	// 30,000 lines at 700 us each: 21 s before any kill.
	enum { LINES = 30000, WORDS = 2, PACE_US = 700 };
	test_line_server srv;
	test_line_server_open(&srv);
	char yaml[16384], path[4096], wal[4096], out[4096];
	snprintf(wal, sizeof(wal), "%s/wal", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: chaoswal\n"
	    "config: {topology.workers: %d, topology.max.spout.pending: 50,\n"
	    "         topology.message.timeout.secs: 3}\n"
	    "spouts:\n"
	    "  - {id: sentences, component: socket_lines,\n"
	    "     options: {port: %d, wal: %s, wal_segment_bytes: 2048}}\n"
	    "bolts:\n"
	    "  - {id: split, component: split_words, parallelism: 2}\n"
	    "  - {id: count, component: word_count, parallelism: 2,\n"
	    "     options: {output: %s, print: true}}\n"
	    "  - {id: pace, component: fake_pace_bolt, library: %s,\n"
	    "     options: {sleep_us: %d}}\n"
	    "streams:\n"
	    "  - {from: sentences, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - {from: sentences, to: pace, grouping: {type: SHUFFLE}}\n"
	    "  - {from: split, to: count, grouping: {type: FIELDS, args: "
	    "[word]}}\n",
	    CHAOS_WORKERS, srv.port, wal, out, FAKE_LIB, PACE_US);
	snprintf(path, sizeof(path), "%s/wal.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));

	unsigned      seed   = chaos_seed();
	const char   *args[] = { "local", path, NULL };
	test_proc     p;
	chaos_workers w  = { 0 };
	double        t0 = test_now_s();
	test_proc_start(&p, args);
	cr_assert(test_line_server_accept(&srv, 20),
	    "the spout never connected:\n%s", p.err);
	cr_assert(test_proc_wait_for(&p, "worker 2 pid", 20), "%s", p.err);
	workers_parse(&w, p.out);

	// Every line at once, and the kills start once the log holds them:
	// what TCP delivered into a dead process's socket buffer is nothing
	// a spout could have kept, and the log is read eagerly.
	size_t    cap = 32 * LINES, len = 0;
	char     *buf    = malloc(cap);
	long long logged = 0;
	for (int i = 0; i < LINES; i++) {
		int n = sprintf(buf + len, "w%d q\n", i);
		len += (size_t) n;
		logged += 8 + n - 1;
	}
	test_line_server_send(&srv, buf, len);
	free(buf);
	double deadline = test_now_s() + 30;
	while (test_wal_bytes(wal) < logged) {
		cr_assert_lt(test_now_s(), deadline,
		    "the log holds %lld of %lld bytes", test_wal_bytes(wal),
		    logged);
		test_proc_read(&p, 50);
	}

	socket_seen s = { calloc(LINES, sizeof(bool)), LINES, 0, 0 };
	cr_assert_not_null(s.seen);
	int survived = chaos_drive(&p, &w, seed, CHAOS_SECS, socket_done, &s);
	test_line_server_hangup(&srv);

	// Every line is counted at least once: each w<i> printed; then a
	// stop drains what is pending and writes the counts.
	deadline = test_now_s() + 120;
	while (!socket_done(&p, &s)) {
		cr_assert_lt(test_now_s(), deadline,
		    "%d of %d lines counted 120 s after the kills:\n%s",
		    s.nseen, LINES, p.err);
		test_proc_read(&p, 100);
	}
	kill(-p.pid, SIGINT);
	bool timedout;
	int  status = test_proc_wait(&p, 60, &timedout);
	cr_assert(!timedout);
	cr_assert_eq(status, 0, "exit %d:\n%s", status, p.err);
	workers_parse(&w, p.out);
	workers_gone(&w, 10);

	long long q = 0, words = total_counted(out);
	char     *counts = test_read_file(out, NULL);
	cr_assert_not_null(counts);
	const char *qline = strstr(counts, "\nq\t");
	if (qline == NULL && strncmp(counts, "q\t", 2) == 0) {
		qline = counts - 1;
	}
	cr_assert_not_null(qline, "no count of q");
	q = strtoll(qline + 3, NULL, 10);
	cr_assert_geq(q, LINES);
	long long over     = words - (long long) LINES * WORDS;
	long long replayed = table_cell(p.out, "sentences", "replayed");
	printf("chaos socket+wal (seed %u): %.1f s, %d kills survived, %lld "
	       "replays, over-count %lld words (%.2f%% of %d)\n",
	    seed, test_now_s() - t0, survived, replayed, over,
	    100.0 * (double) over / (LINES * WORDS), LINES * WORDS);
	cr_assert_geq(over, 0);
	cr_assert_lt((double) over, CHAOS_MAX_OVER * LINES * WORDS,
	    "over-count %lld words of %d", over, LINES * WORDS);
	free(counts);
	free(s.seen);
	test_line_server_close(&srv);
	test_proc_fini(&p);
}

#else // GALE_CHAOS_KAFKA

#include <librdkafka/rdkafka.h>

// How often the Kafka spout commits here. A spout's death reads again
// what it read since its last commit, so with its default (1 s) and a
// kill every 2 to 3 s the over-count would measure the commit interval,
// not the recovery.
#define CHAOS_KAFKA_COMMIT_MS 50
// Fewer kills than the other sources get, to keep the chaos short: still
// one every 2 to 3 s, the spout's workers at least twice.
#define CHAOS_KAFKA_SECS 12

static bool
kafka_done(test_proc *p, void *arg)
{
	(void) arg;
	return run_ended(p);
}

// ---------------------------------------------------------------------
// Kafka: `gale dev-kafka`'s mock cluster as the source
// ---------------------------------------------------------------------

// Produces each line of text as one message without a key, spread over
// the topic's partitions.
static void
kafka_produce(const char *servers, const char *topic, const char *text,
    size_t len)
{
	char             why[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	cr_assert_eq(rd_kafka_conf_set(
			 conf, "bootstrap.servers", servers, why, sizeof(why)),
	    RD_KAFKA_CONF_OK);
	rd_kafka_conf_set(conf, "log_level", "2", why, sizeof(why));
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	cr_assert_not_null(rk, "%s", why);
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl != NULL ? (size_t) (nl - text - at) : len - at;
		rd_kafka_resp_err_t err;
		while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_VALUE((void *) (text + at), n),
			    RD_KAFKA_V_END))
		    == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk, 10);
		}
		cr_assert_eq(err, 0, "%s", rd_kafka_err2str(err));
		at += n + 1;
	}
	cr_assert_eq(rd_kafka_flush(rk, 30000), 0);
	rd_kafka_destroy(rk);
}

Test(chaos, kafka_word_count_survives_random_worker_kills)
{
	// 60,000 messages at 330 us each: 20 s before any kill.
	enum { LINES = 60000, WORDS = 4, PACE_US = 330 };
	const char *cargs[] = { "dev-kafka", "--topic", "sentences:4", NULL };
	test_proc   cluster;
	char        servers[256];
	test_proc_start(&cluster, cargs);
	cr_assert(test_proc_wait_for(&cluster, "\n", 20), "%s", cluster.err);
	cr_assert(sscanf(cluster.out, "bootstrap.servers=%255s", servers) == 1,
	    "first line: %s", cluster.out);
	size_t len;
	char  *text = chaos_text(LINES, &len);
	kafka_produce(servers, "sentences", text, len);

	char yaml[16384], path[4096], out[4096];
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: chaoskafka\n"
	    "config: {topology.workers: %d, topology.max.spout.pending: 100,\n"
	    "         topology.message.timeout.secs: 3}\n"
	    "spouts:\n"
	    "  - {id: sentences, component: kafka_spout, parallelism: 2,\n"
	    "     options: {brokers: \"%s\", topic: sentences, bounded: true,\n"
	    "               commit_ms: %d}}\n"
	    "bolts:\n"
	    "  - {id: split, component: split_words, parallelism: 2}\n"
	    "  - {id: count, component: word_count, parallelism: 2,\n"
	    "     options: {output: %s}}\n"
	    "  - {id: pace, component: fake_pace_bolt, library: %s,\n"
	    "     options: {sleep_us: %d}}\n"
	    "streams:\n"
	    "  - {from: sentences, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - {from: sentences, to: pace, grouping: {type: SHUFFLE}}\n"
	    "  - {from: split, to: count, grouping: {type: FIELDS, args: "
	    "[word]}}\n",
	    CHAOS_WORKERS, servers, CHAOS_KAFKA_COMMIT_MS, out, FAKE_LIB,
	    PACE_US);
	snprintf(path, sizeof(path), "%s/kafka.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));

	unsigned      seed   = chaos_seed();
	const char   *args[] = { "local", path, NULL };
	test_proc     p;
	chaos_workers w  = { 0 };
	double        t0 = test_now_s();
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 2 pid", 20), "%s", p.err);
	workers_parse(&w, p.out);
	int survived
	    = chaos_drive(&p, &w, seed, CHAOS_KAFKA_SECS, kafka_done, NULL);

	bool timedout;
	int  status = test_proc_wait(&p, 120, &timedout);
	cr_assert(!timedout, "not finished 120 s after the kills:\n%s", p.err);
	cr_assert_eq(status, 0, "exit %d:\n%s", status, p.err);
	cr_assert(strstr(p.out, "status FINISHED") != NULL, "%s", p.out);
	workers_parse(&w, p.out);
	workers_gone(&w, 10);

	test_check_counts(text, len, out, true);
	long long over     = total_counted(out) - (long long) LINES * WORDS;
	long long replayed = table_cell(p.out, "sentences", "replayed");
	printf("chaos kafka (seed %u): %.1f s, %d kills survived, %lld "
	       "replays, over-count %lld words (%.2f%% of %d)\n",
	    seed, test_now_s() - t0, survived, replayed, over,
	    100.0 * (double) over / (LINES * WORDS), LINES * WORDS);
	cr_assert_lt((double) over, CHAOS_MAX_OVER * LINES * WORDS,
	    "over-count %lld words of %d", over, LINES * WORDS);
	free(text);
	test_proc_fini(&p);
	kill(cluster.pid, SIGTERM);
	test_proc_wait(&cluster, 10, &timedout);
	test_proc_fini(&cluster);
}

#endif // GALE_CHAOS_KAFKA
