// SPDX-License-Identifier: MIT
// reliable_test.c - at-least-once under faults: a graceful stop after a
// worker died, the default pending limit with a slow bolt, stuck and
// crash-looping components, and hostile bytes on worker inboxes.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "proto/batch.h"
#include "tests/support/lines.h"
#include "tests/support/run.h"
#include "workers/stats_view.h"
#include "workers/worker_host.h"
#include "tests/support/words.h"

#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"

static char *dir;

static void
setup(void)
{
	// A worker may close a hostile connection while the test still
	// writes to it: that write must fail, not kill the test.
	signal(SIGPIPE, SIG_IGN);
	dir = test_tmpdir();
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

TestSuite(reliable, .init = setup, .fini = teardown, .timeout = 150);

static void
write_yaml(char *path, size_t len, const char *yaml)
{
	snprintf(path, len, "%s/topology.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
}

// The port of worker index's line in out, 0 when none.
static int
worker_port(const char *out, int index)
{
	char key[32];
	snprintf(key, sizeof(key), "worker %d pid", index);
	const char *l = strstr(out, key);
	const char *p = l ? strstr(l, " port ") : NULL;
	return p ? atoi(p + 6) : 0;
}

static long
rss_kb(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	char *s = test_read_file(path, NULL);
	const char *v = s ? strstr(s, "VmRSS:") : NULL;
	long kb = v ? atol(v + 6) : -1;
	free(s);
	return kb;
}

// ---------------------------------------------------------------------
// A graceful stop after a bolt worker died
// ---------------------------------------------------------------------

Test(reliable, stop_after_a_bolt_worker_died_loses_nothing)
{
	test_line_server srv;
	test_line_server_open(&srv);
	char yaml[16384], path[4096], out[4096], json[4096];
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: drain\n"
	    "config: {topology.workers: 2, topology.message.timeout.secs: 2}\n"
	    "spouts:\n"
	    "  - {id: sentences, component: socket_lines,\n"
	    "     options: {host: 127.0.0.1, port: %d}}\n"
	    "bolts:\n"
	    "  - {id: split, component: split_words, parallelism: 2}\n"
	    "  - {id: count, component: word_count, parallelism: 2,\n"
	    "     options: {output: %s}}\n"
	    "streams:\n"
	    "  - {from: sentences, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - {from: split, to: count, grouping: {type: FIELDS, args: "
	    "[word]}}\n",
	    srv.port, out);
	write_yaml(path, sizeof(path), yaml);
	const char *args[] = { "local", path, "--stats-json", json, NULL };
	test_proc p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	cr_assert(test_line_server_accept(&srv, 20), "no connection:\n%s",
	    p.err);
	pid_t pids[4];
	cr_assert_eq(test_worker_pids(p.out, pids, 4), 2);
	// 4,000 lines over about 2 s; worker 1 (count and split tasks, not
	// the spout's) is killed halfway, and the stop comes right after the
	// last line, while the trees it lost are still pending.
	size_t cap = 200000, len = 0;
	char  *text = malloc(cap);
	for (int i = 0; i < 4000; i++) {
		char line[64];
		int  n = snprintf(line, sizeof(line), "a%d b%d c\n", i % 53,
		     i % 7);
		memcpy(text + len, line, (size_t) n);
		len += (size_t) n;
		test_line_server_send(&srv, line, (size_t) n);
		if (i == 2000) {
			cr_assert_eq(kill(pids[1], SIGKILL), 0);
		}
		if (i % 20 == 0) {
			usleep(10000);
		}
	}
	usleep(200 * 1000);
	kill(p.pid, SIGINT);
	bool timedout;
	int  status = test_proc_wait(&p, 60, &timedout);
	cr_assert(!timedout, "%s", p.err);
	if (status == 3) {
		// Allowed only when it says what was not processed.
		cr_assert(strstr(p.err, "not fully processed") != NULL, "%s",
		    p.err);
	} else {
		cr_assert_eq(status, 0, "%s", p.err);
		test_check_counts(text, len, out, true);
	}
	// The restarted worker printed its line again, with its new pid.
	cr_assert_eq(test_worker_pids(p.out, pids, 4), 3, "%s", p.out);
	char *stats = test_read_file(json, NULL);
	cr_assert_not_null(stats);
	cr_log_info("drain: exit %d, replayed %g, failed %g", status,
	    test_json_component(stats, "sentences", "replayed"),
	    test_json_component(stats, "sentences", "failed"));
	free(stats);
	free(text);
	test_line_server_close(&srv);
	test_proc_fini(&p);
}

// ---------------------------------------------------------------------
// The default pending limit
// ---------------------------------------------------------------------

// 3,000 tuples through one bolt taking 2 ms each need 6 s, longer than
// the 5 s timeout: without a limit trees time out; with the default one
// (1,000 trees, 2 s of work) none does.
Test(reliable, slow_bolt_with_the_default_pending_limit_has_no_timeouts)
{
	char yaml[16384], path[4096], json[4096];
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: slow\n"
	    "config: {topology.workers: 2, topology.message.timeout.secs: 5}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 3000, keys: 10}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     options: {sleep_us: 2000}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB);
	write_yaml(path, sizeof(path), yaml);
	const char *args[] = { "local", path, "--stats-json", json, NULL };
	test_run    r;
	test_run_gale(&r, 90, args);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	char *stats = test_read_file(json, NULL);
	cr_assert_not_null(stats);
	cr_assert_eq(test_json_component(stats, "keys", "timedout"), 0, "%s",
	    stats);
	cr_assert_eq(test_json_component(stats, "keys", "acked"), 3000);
	cr_assert_eq(test_json_component(stats, "keys", "emitted"), 3000);
	cr_assert_eq(test_json_component(stats, "slow", "executed"), 3000);
	free(stats);
	test_run_fini(&r);
}

// ---------------------------------------------------------------------
// Health
// ---------------------------------------------------------------------

Test(reliable, a_bolt_stuck_in_execute_is_reported)
{
	char yaml[16384], path[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: stuck\n"
	    "config: {topology.workers: 1, topology.executor.stuck.secs: 1}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 10, keys: 2}}\n"
	    "bolts:\n"
	    "  - {id: hang, component: fake_stuck_bolt, library: %s}\n"
	    "streams:\n"
	    "  - {from: keys, to: hang, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB);
	write_yaml(path, sizeof(path), yaml);
	const char *args[] = { "local", path, NULL };
	test_proc p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for_err(&p, "hang:2 is stuck", 15), "%s",
	    p.err);
	kill(-p.pid, SIGKILL);
	bool timedout;
	test_proc_wait(&p, 10, &timedout);
	test_proc_fini(&p);
}

// The table of `gale stats` and of the console shows stuck_ms while a
// callback is stuck, and no such column otherwise.
Test(reliable, the_table_shows_stuck_ms_while_a_callback_is_stuck)
{
	gale_component_stats cs[2] = { { .id = "keys", .is_spout = true,
					   .tasks = 1 },
		{ .id = "hang", .tasks = 1 } };
	gale_topology_stats r = { .topology = "stuck",
		.status                     = GALE_STATUS_ACTIVE,
		.components                 = cs,
		.ncomponents                = 2 };
	char *t = gale_stats_view_table(&r, true);
	cr_assert_null(strstr(t, "stuck_ms"), "%s", t);
	free(t);
	cs[1].c[GALE_M_STUCK_MS] = 31250;
	t = gale_stats_view_table(&r, true);
	cr_assert_not_null(strstr(t, "capacity  stuck_ms  emitted/s"), "%s", t);
	const char *row = strstr(t, "\nhang ");
	cr_assert_not_null(row, "%s", t);
	cr_assert_not_null(strstr(row, "   31250"), "%s", t);
	cr_assert_not_null(strstr(strstr(t, "\nkeys "), "        -"), "%s", t);
	free(t);
}

Test(reliable, a_bolt_crashing_in_prepare_fails_the_topology)
{
	char yaml[16384], path[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: crash\n"
	    "config: {topology.workers: 2}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 10, keys: 2}}\n"
	    "bolts:\n"
	    "  - {id: boom, component: fake_crash_bolt, library: %s}\n"
	    "streams:\n"
	    "  - {from: keys, to: boom, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB);
	write_yaml(path, sizeof(path), yaml);
	const char *args[] = { "local", path, NULL };
	test_run    r;
	test_run_gale(&r, 60, args);
	cr_assert(!r.timedout, "%s", r.err);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "giving up") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "restarting in") != NULL, "%s", r.err);
	test_run_fini(&r);
}

// ---------------------------------------------------------------------
// Hostile bytes on a worker's inbox
// ---------------------------------------------------------------------

static int
connect_loopback(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t) port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	return fd;
}

// A token made from a run id as anyone who knows the id could make it
// (FNV-1a, then splitmix64's finalizer): what gale once stamped.
static uint64_t
token_of_run_id(const char *run_id)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = run_id; *p != '\0'; p++) {
		h = (h ^ (uint8_t) *p) * 0x100000001b3ull;
	}
	h ^= h >> 30;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 27;
	h *= 0x94D049BB133111EBull;
	h ^= h >> 31;
	return h != 0 ? h : 1;
}

// Forged batches: end-of-stream markers from every task and a tuple,
// without the run's token, with a wrong one and with each of ntokens
// tokens; and one message over the size bound.
static void
send_forged(int port, uint32_t ntasks, const uint64_t *tokens,
    size_t ntokens)
{
	void *ctx  = zmq_ctx_new();
	void *push = zmq_socket(ctx, ZMQ_PUSH);
	int   linger = 2000;
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof(linger));
	char ep[64];
	snprintf(ep, sizeof(ep), "tcp://127.0.0.1:%d", port);
	cr_assert_eq(zmq_connect(push, ep), 0);
	for (size_t k = 0; k < 2 + ntokens; k++) {
		uint64_t token = k < 2 ? k * 0x1234567 : tokens[k - 2];
		for (uint32_t dest = 1; dest <= ntasks; dest++) {
			gale_batch b;
			gale_batch_init(&b, dest);
			for (uint32_t src = 1; src <= ntasks; src++) {
				gale_batch_add_marker(
				    &b, GALE_MARK_END_OF_STREAM, src);
			}
			gale_value v[2] = { gale_str("k0", 2), gale_i64(-1) };
			gale_batch_add_tuple(&b, 1, NULL, v, 2, NULL, 0);
			gale_batch_add_token(&b, token);
			zmq_send(push, b.buf, b.len, 0);
			gale_batch_fini(&b);
		}
	}
	size_t big = 16u << 20;
	char  *buf = calloc(1, big);
	zmq_send(push, buf, big, 0);
	free(buf);
	zmq_close(push);
	zmq_ctx_term(ctx);
}

Test(reliable, hostile_bytes_on_an_inbox_are_dropped_and_counts_stay_exact)
{
	char yaml[16384], path[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: hostile\n"
	    "config: {topology.workers: 2}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 20000, keys: 10}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     parallelism: 2, options: {sleep_us: 200}}\n"
	    "  - {id: record, component: fake_record_bolt, library: %s,\n"
	    "     parallelism: 2, options: {dir: %s}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n"
	    "  - {from: slow, to: record, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB, FAKE_LIB, dir);
	write_yaml(path, sizeof(path), yaml);
	const char *args[] = { "local", path, NULL };
	test_proc p;
	time_t    t0 = time(NULL);
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	pid_t pids[4];
	cr_assert_eq(test_worker_pids(p.out, pids, 4), 2);
	long before = rss_kb(pids[1]);
	// The run id of `gale local` is public (NAME-SECONDS-PID: it names
	// state files and is no secret); tokens made from each id it can be
	// must be refused like any other forgery.
	uint64_t tokens[8];
	size_t   ntokens = 0;
	for (time_t t = t0 - 1; t <= time(NULL) && ntokens < 8; t++) {
		char id[128];
		snprintf(id, sizeof(id), "hostile-%ld-%d", (long) t,
		    (int) p.pid);
		tokens[ntokens++] = token_of_run_id(id);
	}
	int  ports[2] = { worker_port(p.out, 0), worker_port(p.out, 1) };
	// Idle connections, held open through the rest.
	int idle[200];
	for (int i = 0; i < 200; i++) {
		idle[i] = connect_loopback(ports[i % 2]);
	}
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < 2; k++) {
		// Random bytes.
		int  fd = connect_loopback(ports[k]);
		char junk[4096];
		for (size_t i = 0; i < sizeof(junk); i++) {
			rng = rng * 6364136223846793005ull + 1;
			junk[i] = (char) (rng >> 56);
		}
		(void) !write(fd, junk, sizeof(junk));
		close(fd);
		// A ZMTP greeting, then a frame claiming 2^33 bytes.
		fd = connect_loopback(ports[k]);
		unsigned char greet[64] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 1,
			0x7f, 3, 0, 'N', 'U', 'L', 'L' };
		(void) !write(fd, greet, sizeof(greet));
		unsigned char frame[9] = { 0x02, 0, 0, 0, 2, 0, 0, 0, 0 };
		(void) !write(fd, frame, sizeof(frame));
		memset(junk, 'x', sizeof(junk));
		for (int i = 0; i < 256; i++) {
			if (write(fd, junk, sizeof(junk)) < 0) {
				break;
			}
		}
		close(fd);
		send_forged(ports[k], 7, tokens, ntokens);
	}
	long after = rss_kb(pids[1]);
	bool timedout;
	int  status = test_proc_wait(&p, 90, &timedout);
	for (int i = 0; i < 200; i++) {
		close(idle[i]);
	}
	cr_assert(!timedout, "%s", p.err);
	cr_assert_eq(status, 0, "%s", p.err);
	cr_log_info("hostile: worker rss %ld kB before, %ld kB after", before,
	    after);
#ifndef GALE_TEST_SANITIZED
	cr_assert(after < before + 64 * 1024, "rss %ld kB -> %ld kB", before,
	    after);
#endif
	// Every key's sequence number exactly once, over both record tasks.
	size_t total = 0;
	char  *seen  = calloc(20000, 1);
	for (int t = 1; t <= 8; t++) {
		char f[4200];
		snprintf(f, sizeof(f), "%s/record-record-%d.tsv", dir, t);
		char *s = test_read_file(f, NULL);
		for (char *l = s; l != NULL && *l != '\0';) {
			unsigned src, task;
			char     key[32];
			long long seq;
			cr_assert_eq(sscanf(l, "%u\t%u\t%31s\t%lld", &src, &task,
					 key, &seq),
			    4, "%s", l);
			cr_assert(seq >= 0 && seq < 20000, "forged seq %lld", seq);
			cr_assert_eq(seen[seq], 0, "seq %lld twice", seq);
			seen[seq] = 1;
			total++;
			char *nl = strchr(l, '\n');
			l = nl ? nl + 1 : NULL;
		}
		free(s);
	}
	cr_assert_eq(total, 20000);
	free(seen);
	test_proc_fini(&p);
}

// The socket the supervisor and `gale local` hear their workers on drops
// garbage, counts it and logs it at most once a second.
Test(reliable, worker_host_counts_garbage_and_logs_it_at_most_once_a_second)
{
	gale_worker_host_opts opts = { .bind_host = "127.0.0.1" };
	gale_worker_host     *h    = NULL;
	cr_assert_eq(
	    gale_worker_host_new(&h, &opts, NULL, NULL, NULL), GALE_OK);
	void *zctx = zmq_ctx_new();
	void *d    = zmq_socket(zctx, ZMQ_DEALER);
	cr_assert_eq(zmq_connect(d, gale_worker_host_endpoint(h)), 0);
	cr_redirect_stderr();
	enum { N = 300 };
	for (int i = 0; i < N; i++) {
		unsigned char junk[16];
		for (size_t j = 0; j < sizeof(junk); j++) {
			junk[j] = (unsigned char) (i * 31 + j * 7 + 0x80);
		}
		if (i % 3 == 0) {
			zmq_send(d, junk, sizeof(junk), ZMQ_SNDMORE);
		}
		zmq_send(d, junk, sizeof(junk), 0);
	}
	for (int tries = 0; tries < 200 && gale_worker_host_dropped(h) < N;
	     tries++) {
		zmq_pollitem_t it
		    = { gale_worker_host_socket(h), 0, ZMQ_POLLIN, 0 };
		zmq_poll(&it, 1, 50);
		gale_worker_host_receive(h);
	}
	cr_assert_eq(gale_worker_host_dropped(h), N);
	fflush(stderr);
	zmq_close(d);
	zmq_ctx_term(zctx);
	gale_worker_host_destroy(&h);
	// The drops of one burst take one line, or two across a second.
	char  line[512];
	FILE *f     = cr_get_redirected_stderr();
	int   lines = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		lines += strstr(line, "dropped a ") != NULL;
	}
	cr_assert(lines >= 1 && lines <= 3, "%d lines for %d drops", lines, N);
}
