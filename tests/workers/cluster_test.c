// SPDX-License-Identifier: MIT
// cluster_test.c - nimbus, supervisors and the client commands, end to
// end on loopback: placement, failures of every process, the topology
// commands, refusals, and clients facing no nimbus.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "proto/wire.h"
#include "tests/support/cluster.h"
#include "tests/support/run.h"
#include "tests/support/words.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"
#define FAKE_LIB_NAME "libgale_fake_components.so"
#define NSUP 3

// ---------------------------------------------------------------------
// A cluster of real processes, and how to drive it
// ---------------------------------------------------------------------

static char     *dir;
static char      endpoint[256];
static test_proc nimbus;
static bool      nimbus_up;
static test_proc sup[NSUP];
static bool      sup_up[NSUP];

static void
nap_ms(int ms)
{
	nanosleep(
	    &(struct timespec) { ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

// Reads what the daemons printed, so that no pipe ever fills up.
static void
drain(void)
{
	if (nimbus_up) {
		test_proc_read(&nimbus, 0);
	}
	for (int i = 0; i < NSUP; i++) {
		if (sup_up[i]) {
			test_proc_read(&sup[i], 0);
		}
	}
}

// Starts nimbus on listen (the endpoint it printed is kept).
static void
start_nimbus(const char *listen, const char *timeout_secs)
{
	char data[4096];
	snprintf(data, sizeof(data), "%s/nimbus", dir);
	const char *args[] = { "nimbus", "--listen", listen, "--data-dir",
		data, "--supervisor-timeout", timeout_secs, NULL };
	test_proc_start(&nimbus, args);
	nimbus_up = true;
	test_nimbus_endpoint(&nimbus, 10, endpoint, sizeof(endpoint));
}

static void
start_supervisor(int i, const char *slots)
{
	char data[4096];
	snprintf(data, sizeof(data), "%s/sup%d", dir, i);
	const char *args[] = { "supervisor", "--nimbus", endpoint, "--slots",
		slots, "--data-dir", data, NULL };
	test_proc_start(&sup[i], args);
	sup_up[i] = true;
	cr_assert(test_proc_wait_for(&sup[i], "supervisor ", 10),
	    "supervisor %d did not start:\n%s", i, sup[i].err);
}

// SIGKILLs a daemon alone (not its process group) and reaps it.
static void
kill_daemon(test_proc *p, bool *up)
{
	cr_assert_eq(kill(p->pid, SIGKILL), 0);
	waitpid(p->pid, NULL, 0);
	test_proc_read(p, 0);
	p->pid = 0;
	test_proc_fini(p);
	*up = false;
}

// Stops every daemon with SIGTERM: supervisors first (they stop their
// workers), then nimbus. Each must exit 0 within 10 s, with nothing from
// the sanitizers on its stderr (workers share their supervisor's).
static void
stop_gracefully(void)
{
	for (int i = 0; i < NSUP; i++) {
		if (sup_up[i]) {
			bool timedout;
			kill(sup[i].pid, SIGTERM);
			int status = test_proc_wait(&sup[i], 10, &timedout);
			cr_assert(!timedout && status == 0,
			    "supervisor %d exited %d:\n%s", i, status,
			    sup[i].err);
			cr_assert_null(
			    strstr(sup[i].err, "Sanitizer"), "%s", sup[i].err);
		}
	}
	if (nimbus_up) {
		bool timedout;
		kill(nimbus.pid, SIGTERM);
		int status = test_proc_wait(&nimbus, 10, &timedout);
		cr_assert(!timedout && status == 0, "nimbus exited %d:\n%s",
		    status, nimbus.err);
		cr_assert_null(
		    strstr(nimbus.err, "Sanitizer"), "%s", nimbus.err);
	}
}

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	memset(sup_up, 0, sizeof(sup_up));
	nimbus_up = false;
}

static void
teardown(void)
{
	for (int i = 0; i < NSUP; i++) {
		if (sup_up[i]) {
			test_proc_fini(&sup[i]);
			sup_up[i] = false;
		}
	}
	if (nimbus_up) {
		test_proc_fini(&nimbus);
		nimbus_up = false;
	}
	test_rmtree(dir);
	free(dir);
}

TestSuite(cluster, .init = setup, .fini = teardown, .timeout = 150);

// Runs `gale ARGS... --nimbus ENDPOINT`, bounded by timeout_s.
static void
gale_cmd(test_run *r, int timeout_s, ...)
{
	const char *args[32];
	size_t      n = 0;
	va_list     ap;
	va_start(ap, timeout_s);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL && n < 28) {
		args[n++] = a;
	}
	va_end(ap);
	args[n++] = "--nimbus";
	args[n++] = endpoint;
	args[n]   = NULL;
	drain();
	test_run_gale(r, timeout_s, args);
	drain();
}

// The status of topology name in `gale list --json`, into buf ("" when
// it is not listed).
static void
list_status(const char *name, char *buf, size_t cap, unsigned *workers)
{
	test_run r;
	gale_cmd(&r, 10, "list", "--json", NULL);
	cr_assert_eq(r.status, 0, "gale list failed:\n%s", r.err);
	char key[300];
	snprintf(key, sizeof(key), "{\"name\":\"%s\",\"status\":\"", name);
	const char *p = strstr(r.out, key);
	buf[0]        = '\0';
	if (p != NULL) {
		p += strlen(key);
		size_t n = strcspn(p, "\"");
		snprintf(buf, cap, "%.*s", (int) n, p);
		const char *w = strstr(p, "\"workers\":");
		if (workers != NULL && w != NULL) {
			*workers = (unsigned) strtoul(w + 10, NULL, 10);
		}
	}
	test_run_fini(&r);
}

// Polls `gale list` until name has status (and, when not 0, workers).
static void
wait_status(
    const char *name, const char *status, unsigned workers, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	char      got[64]  = "";
	unsigned  nw       = 0;
	for (;;) {
		list_status(name, got, sizeof(got), &nw);
		if (strcmp(got, status) == 0
		    && (workers == 0 || nw == workers)) {
			return;
		}
		if (test_now_ms() > deadline) {
			break;
		}
		nap_ms(250);
	}
	cr_assert_fail("'%s' is %s with %u workers after %d s, not %s\n"
		       "nimbus:\n%s\n%s\nsupervisor 0:\n%s\n%s\n"
		       "supervisor 1:\n%s\n%s",
	    name, got, nw, timeout_s, status, nimbus.out, nimbus.err,
	    sup_up[0] ? sup[0].out : "", sup_up[0] ? sup[0].err : "",
	    sup_up[1] ? sup[1].out : "", sup_up[1] ? sup[1].err : "");
}

// The spout's emitted count in `gale stats NAME --json`.
static double
spout_emitted(const char *name, const char *spout)
{
	test_run r;
	gale_cmd(&r, 10, "stats", name, "--json", NULL);
	cr_assert_eq(r.status, 0, "gale stats failed:\n%s", r.err);
	double v = test_json_component(r.out, spout, "emitted");
	test_run_fini(&r);
	return v;
}

// The pids of the workers a supervisor said it started.
// The pids of the workers a supervisor logged starting.
static size_t
started_pids(const test_proc *p, pid_t *pids, size_t cap)
{
	return test_worker_pids(p->err ? p->err : "", pids, cap);
}

static bool
all_gone(const pid_t *pids, size_t n, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	for (;;) {
		bool left = false;
		for (size_t i = 0; i < n; i++) {
			left = left || test_pid_alive(pids[i]);
		}
		if (!left) {
			return true;
		}
		if (test_now_ms() > deadline) {
			return false;
		}
		drain();
		nap_ms(100);
	}
}

// A topology of fake components: a spout of count keys into a bolt that
// sleeps sleep_us per tuple, on workers workers. The library is copied
// next to the file and named relatively, so that it must be shipped.
static void
write_keys_yaml(const char *path, const char *name, int workers,
    long long count, int sleep_us)
{
	char lib[4096];
	snprintf(lib, sizeof(lib), "%s/%s", dir, FAKE_LIB_NAME);
	size_t len;
	char  *so = test_read_file(FAKE_LIB, &len);
	cr_assert_not_null(so, "no %s", FAKE_LIB);
	cr_assert(test_write_file(lib, so, len));
	free(so);
	char yaml[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: %s\n"
	    "config:\n"
	    "  topology.workers: %d\n"
	    "  topology.message.timeout.secs: 5\n"
	    "  topology.max.spout.pending: 500\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: %lld, keys: 40}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     parallelism: 2, options: {sleep_us: %d}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n",
	    name, workers, FAKE_LIB_NAME, count, FAKE_LIB_NAME, sleep_us);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
}

// ---------------------------------------------------------------------
// Word count, checked against an independent count
// ---------------------------------------------------------------------

static char *
make_text(int lines, size_t *len)
{
	size_t   cap  = (size_t) lines * 40 + 64;
	char    *text = malloc(cap);
	size_t   n    = 0;
	uint64_t x    = 99991;
	for (int l = 0; l < lines; l++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		n += (size_t) snprintf(text + n, cap - n, "w%u x%d  y%d\tz\n",
		    (unsigned) ((x >> 33) % 3000), l % 97, l % 13);
	}
	*len = n;
	return text;
}

static void
submit_wordcount(const char *in, const char *out, const char *const *extra)
{
	char s_in[4200], s_out[4200];
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	const char *args[40] = { "submit", WORDCOUNT_YAML, "--set", s_in,
		"--set", s_out, "--set", "topology.workers=2", NULL };
	size_t      n        = 8;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		args[n++] = extra[i];
	}
	args[n++] = "--nimbus";
	args[n++] = endpoint;
	args[n]   = NULL;
	test_run r;
	test_run_gale(&r, 10, args);
	cr_assert_eq(r.status, 0, "submit failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	cr_assert(
	    strstr(r.out, "submitted wordcount-file") != NULL, "%s", r.out);
	test_run_fini(&r);
}

Test(cluster, wordcount_on_two_supervisors_matches_an_independent_count)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	start_supervisor(0, "2");
	start_supervisor(1, "2");
	test_wait_joined(&nimbus, 2, 10);
	size_t len;
	char  *text = make_text(20000, &len);
	char   in[4096], out[4096];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	submit_wordcount(in, out, NULL);
	wait_status("wordcount-file", "FINISHED", 2, 60);
	test_check_counts(text, len, out, false);

	// Placed one worker on each supervisor: fewest used slots first.
	pid_t  p0[8], p1[8];
	size_t n0 = started_pids(&sup[0], p0, 8);
	size_t n1 = started_pids(&sup[1], p1, 8);
	cr_assert_eq(
	    n0, 1, "supervisor 0 started %zu workers:\n%s", n0, sup[0].err);
	cr_assert_eq(
	    n1, 1, "supervisor 1 started %zu workers:\n%s", n1, sup[1].err);
	cr_assert(all_gone(p0, n0, 5) && all_gone(p1, n1, 5),
	    "a finished worker still runs");

	test_run r;
	gale_cmd(&r, 10, "stats", "wordcount-file", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "sentences") && strstr(r.out, "FINISHED"),
	    "%s", r.out);
	test_run_fini(&r);
	gale_cmd(&r, 10, "stats", "wordcount-file", "--json", NULL);
	cr_assert_eq(test_json_component(r.out, "sentences", "acked"), 20000,
	    "%s", r.out);
	test_run_fini(&r);
	free(text);
	stop_gracefully();
}

Test(cluster, wordcount_survives_a_killed_worker_supervisor_and_nimbus)
{
	start_nimbus("tcp://127.0.0.1:*", "3");
	start_supervisor(0, "2");
	start_supervisor(1, "2");
	test_wait_joined(&nimbus, 2, 10);
	size_t len;
	char  *text = make_text(30000, &len);
	char   in[4096], out[4096];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	// 3,000 lines a second: the run lasts 10 s however fast the machine,
	// long enough to kill things in.
	const char *extra[] = { "--set", "topology.max.spout.pending=300",
		"--set", "topology.message.timeout.secs=3", "--set",
		"sentences.rate=3000", NULL };
	submit_wordcount(in, out, extra);
	wait_status("wordcount-file", "ACTIVE", 2, 20);

	// A worker of supervisor 0: its supervisor starts it again.
	pid_t     w0[8];
	long long deadline = test_now_ms() + 10000;
	while (started_pids(&sup[0], w0, 8) == 0 && test_now_ms() < deadline) {
		drain();
		nap_ms(50);
	}
	cr_assert_eq(started_pids(&sup[0], w0, 8), 1, "%s", sup[0].err);
	nap_ms(1000);
	cr_assert_eq(kill(w0[0], SIGKILL), 0);
	deadline = test_now_ms() + 2500;
	while (started_pids(&sup[0], w0, 8) < 2 && test_now_ms() < deadline) {
		drain();
		nap_ms(20);
	}
	cr_assert_eq(started_pids(&sup[0], w0, 8), 2,
	    "the killed worker was not restarted within 2 s:\n%s\n%s",
	    sup[0].out, sup[0].err);

	// Supervisor 1: its workers die with it; restarted on the same data
	// directory it is the same supervisor and starts them again.
	nap_ms(1000);
	pid_t  w1[8];
	size_t n1 = started_pids(&sup[1], w1, 8);
	cr_assert_eq(n1, 1);
	kill_daemon(&sup[1], &sup_up[1]);
	cr_assert(all_gone(w1, n1, 5), "a worker outlived its supervisor");
	start_supervisor(1, "2");

	// Nimbus: killed and started again on the same endpoint and data,
	// while the topology still runs.
	nap_ms(1500);
	char st[64];
	list_status("wordcount-file", st, sizeof(st), NULL);
	cr_assert_str_eq(st, "ACTIVE", "the run ended before nimbus died");
	char ep[256];
	snprintf(ep, sizeof(ep), "%s", endpoint);
	kill_daemon(&nimbus, &nimbus_up);
	nap_ms(500);
	start_nimbus(ep, "3");
	cr_assert_str_eq(endpoint, ep);

	wait_status("wordcount-file", "FINISHED", 2, 100);
	test_check_counts(text, len, out, true);
	free(text);
	stop_gracefully();
}

// ---------------------------------------------------------------------
// The topology commands
// ---------------------------------------------------------------------

// Polls the spout's emitted count until two reads 2 s apart agree: longer
// than a worker's heartbeat period plus its supervisor's report period.
static double
wait_emitted_still(const char *name, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	double    prev     = spout_emitted(name, "keys");
	for (;;) {
		nap_ms(2000);
		double cur = spout_emitted(name, "keys");
		if (cur == prev) {
			return cur;
		}
		cr_assert(test_now_ms() < deadline,
		    "the spout kept emitting (%.0f, then %.0f)", prev, cur);
		prev = cur;
	}
}

static void
wait_emitted_above(const char *name, double above, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	double    cur;
	while ((cur = spout_emitted(name, "keys")) <= above) {
		cr_assert(test_now_ms() < deadline,
		    "the spout emitted %.0f, not more than %.0f", cur, above);
		nap_ms(200);
	}
}

Test(cluster, deactivate_activate_rebalance_and_kill_do_what_they_say)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	start_supervisor(0, "2");
	start_supervisor(1, "2");
	test_wait_joined(&nimbus, 2, 10);
	char path[4096];
	snprintf(path, sizeof(path), "%s/endless.yaml", dir);
	write_keys_yaml(path, "endless", 2, 1000000000LL, 200);
	test_run r;
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status("endless", "ACTIVE", 2, 20);
	wait_emitted_above("endless", 0, 20);

	// The shipped library is where the supervisors' workers look.
	char lib[4096];
	snprintf(
	    lib, sizeof(lib), "%s/sup0/libs/endless/%s", dir, FAKE_LIB_NAME);
	size_t a, b;
	char  *x = test_read_file(lib, &a);
	char  *y = test_read_file(FAKE_LIB, &b);
	cr_assert(x != NULL && y != NULL && a == b && memcmp(x, y, a) == 0,
	    "%s is not the shipped library", lib);
	free(x);
	free(y);

	// The same name again is refused while it runs.
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "topology 'endless' is already running"), "%s",
	    r.err);
	test_run_fini(&r);

	gale_cmd(&r, 10, "deactivate", "endless", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	double still = wait_emitted_still("endless", 15);
	list_status("endless", path, sizeof(path), NULL);
	cr_assert_str_eq(path, "INACTIVE");
	nap_ms(2500);
	cr_assert_eq(spout_emitted("endless", "keys"), still,
	    "an inactive spout emitted");

	gale_cmd(&r, 10, "activate", "endless", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	wait_emitted_above("endless", still, 10);

	pid_t  before[16];
	size_t nbefore = started_pids(&sup[0], before, 8);
	nbefore += started_pids(&sup[1], before + nbefore, 8);
	cr_assert_eq(nbefore, 2);
	gale_cmd(&r, 10, "rebalance", "endless", "--workers", "3", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	wait_status("endless", "ACTIVE", 3, 60);
	cr_assert(all_gone(before, nbefore, 5),
	    "a worker from before the rebalance still runs");
	// The supervisors start the new workers at their next report.
	pid_t     after[16];
	size_t    nafter   = 0;
	long long deadline = test_now_ms() + 5000;
	while (nafter != 5 && test_now_ms() < deadline) {
		drain();
		nafter = started_pids(&sup[0], after, 8);
		nafter += started_pids(&sup[1], after + nafter, 8);
		nap_ms(50);
	}
	cr_assert_eq(
	    nafter, 5, "not 3 new workers:\n%s\n%s", sup[0].err, sup[1].err);
	wait_emitted_above("endless", 0, 20);

	gale_cmd(&r, 10, "kill", "endless", "--wait", "0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	wait_status("endless", "KILLED", 0, 5);
	cr_assert(all_gone(after, nafter, 20), "a killed worker still runs");

	// Its four slots are free again: a topology that needs them all runs.
	snprintf(path, sizeof(path), "%s/four.yaml", dir);
	write_keys_yaml(path, "four", 4, 2000, 0);
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	wait_status("four", "FINISHED", 4, 30);

	// Commands on topologies that do not run are refused.
	gale_cmd(&r, 10, "activate", "endless", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "is not running"), "%s", r.err);
	test_run_fini(&r);
	gale_cmd(&r, 10, "kill", "nosuch", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "no topology named 'nosuch'"), "%s", r.err);
	test_run_fini(&r);

	// A supervisor stopped with SIGTERM leaves nothing behind.
	pid_t  all[32];
	size_t n = started_pids(&sup[0], all, 16);
	n += started_pids(&sup[1], all + n, 16);
	stop_gracefully();
	cr_assert(all_gone(all, n, 1));
}

Test(cluster, invalid_and_unnameable_topologies_are_refused_with_reasons)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	char path[4096];
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	const char *bad = "name: bad\n"
			  "spouts:\n"
			  "  - {id: s, component: no_such_spout}\n"
			  "bolts: []\n"
			  "streams: []\n";
	cr_assert(test_write_file(path, bad, strlen(bad)));
	test_run r;
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	char where[4200];
	snprintf(where, sizeof(where), "%s:3:", path);
	cr_assert(strstr(r.err, where) && strstr(r.err, "no_such_spout"), "%s",
	    r.err);
	test_run_fini(&r);

	// Valid here, but nimbus cannot keep a file named after it.
	snprintf(path, sizeof(path), "%s/dot.yaml", dir);
	write_keys_yaml(path, ".hidden", 1, 10, 0);
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.err, "'.hidden' cannot name a file"), "%s", r.err);
	test_run_fini(&r);

	gale_cmd(&r, 10, "list", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "no topologies"), "%s", r.out);
	test_run_fini(&r);
	gale_cmd(&r, 10, "rebalance", "x", NULL);
	cr_assert_eq(r.status, 2, "rebalance without --workers: %d", r.status);
	test_run_fini(&r);
	stop_gracefully();
}

// ---------------------------------------------------------------------
// No nimbus
// ---------------------------------------------------------------------

Test(cluster, every_client_command_fails_within_5_s_without_nimbus)
{
	// A port nobody listens on: taken from the kernel, then let go.
	int                fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr    = htonl(INADDR_LOOPBACK);
	socklen_t sl          = sizeof(sa);
	cr_assert_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *) &sa, &sl), 0);
	close(fd);
	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%u",
	    (unsigned) ntohs(sa.sin_port));

	char path[4096];
	snprintf(path, sizeof(path), "%s/k.yaml", dir);
	write_keys_yaml(path, "k", 1, 10, 0);
	const char *const cmds[][5] = {
		{ "submit", path, NULL },
		{ "list", NULL },
		{ "kill", "k", NULL },
		{ "activate", "k", NULL },
		{ "deactivate", "k", NULL },
		{ "rebalance", "k", "--workers", "2", NULL },
		{ "stats", "k", NULL },
	};
	enum { N = sizeof(cmds) / sizeof(cmds[0]) };
	test_proc p[N];
	long long start = test_now_ms();
	for (int i = 0; i < N; i++) {
		const char *args[8];
		int         k = 0;
		for (; cmds[i][k] != NULL; k++) {
			args[k] = cmds[i][k];
		}
		args[k++] = "--nimbus";
		args[k++] = endpoint;
		args[k]   = NULL;
		test_proc_start(&p[i], args);
	}
	for (int i = 0; i < N; i++) {
		bool timedout;
		int  status = test_proc_wait(&p[i], 10, &timedout);
		cr_assert(!timedout, "gale %s hung", cmds[i][0]);
		cr_assert_eq(status, 1, "gale %s: %d", cmds[i][0], status);
		cr_assert(strstr(p[i].err, "did not answer within 5 s"),
		    "gale %s: %s", cmds[i][0], p[i].err);
		cr_assert_eq(strchr(p[i].err, '\n'),
		    p[i].err + strlen(p[i].err) - 1, "not one line: %s",
		    p[i].err);
		test_proc_fini(&p[i]);
	}
	cr_assert_lt(test_now_ms() - start, 5600, "took %lld ms",
	    test_now_ms() - start);
}

// ---------------------------------------------------------------------
// Nimbus's protocol, from fake supervisors and clients
// ---------------------------------------------------------------------

// Sends req from a fresh REQ socket and waits up to 5 s for the reply.
static void
fake_call(const gale_request *req, gale_reply *reply)
{
	void *ctx  = zmq_ctx_new();
	void *s    = zmq_socket(ctx, ZMQ_REQ);
	int   zero = 0;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	cr_assert_eq(zmq_connect(s, endpoint), 0);
	uint8_t *buf;
	size_t   len;
	cr_assert_eq(gale_request_encode(req, &buf, &len), GALE_OK);
	cr_assert_eq(zmq_send(s, buf, len, 0), (int) len);
	free(buf);
	zmq_pollitem_t item = { .socket = s, .events = ZMQ_POLLIN };
	cr_assert_eq(zmq_poll(&item, 1, 5000), 1, "no reply from nimbus");
	zmq_msg_t m;
	zmq_msg_init(&m);
	cr_assert(zmq_msg_recv(&m, s, 0) >= 0);
	cr_assert_eq(
	    gale_reply_decode(reply, zmq_msg_data(&m), zmq_msg_size(&m)),
	    GALE_OK);
	zmq_msg_close(&m);
	zmq_close(s);
	zmq_ctx_term(ctx);
}

// Sends a heartbeat of supervisor id with ports base..base+n-1, the given
// worker heartbeats and protocol; nimbus's reply goes to *reply.
static void
fake_beat(const char *id, uint32_t base, size_t nports, gale_heartbeat *hbs,
    size_t nhbs, uint32_t protocol, gale_reply *reply)
{
	uint32_t ports[16];
	for (size_t i = 0; i < nports; i++) {
		ports[i] = base + (uint32_t) i;
	}
	gale_request req = { .kind = GALE_REQ_SUPERVISOR_HEARTBEAT };
	req.u.supervisor = (gale_supervisor_info) { .id = (char *) id,
		.host                                   = "127.0.0.1",
		.ports                                  = ports,
		.nports                                 = nports,
		.workers                                = hbs,
		.nworkers                               = nhbs,
		.protocol                               = protocol };
	fake_call(&req, reply);
}

// fake_beat of nimbus's protocol, which nimbus must take.
static void
fake_supervisor(const char *id, uint32_t base, size_t nports,
    gale_heartbeat *hbs, size_t nhbs, gale_reply *reply)
{
	fake_beat(id, base, nports, hbs, nhbs, GALE_CONTROL_PROTOCOL, reply);
	cr_assert(reply->ok, "heartbeat of %s refused: %s", id, reply->error);
}

// The assignment of topology in r, or NULL.
static const gale_assignment *
find_asg(const gale_reply *r, const char *topology)
{
	for (size_t i = 0; i < r->nassignments; i++) {
		if (strcmp(r->assignments[i].topology, topology) == 0) {
			return &r->assignments[i];
		}
	}
	return NULL;
}

// How many workers of a sit on supervisor id.
static size_t
placed_on(const gale_assignment *a, const char *id)
{
	size_t n = 0;
	for (size_t i = 0; a != NULL && i < a->nworkers; i++) {
		n += strcmp(a->workers[i].supervisor, id) == 0;
	}
	return n;
}

static void
submit_keys(const char *name, int workers)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
	write_keys_yaml(path, name, workers, 100, 0);
	test_run r;
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
}

Test(cluster,
    nimbus_spreads_workers_waits_for_slots_and_replaces_dead_supervisors)
{
	start_nimbus("tcp://127.0.0.1:*", "2");
	gale_reply ra, rb, rc;
	fake_supervisor("sup-a", 7000, 2, NULL, 0, &ra);
	fake_supervisor("sup-b", 7000, 2, NULL, 0, &rb);
	cr_assert_eq(ra.nassignments + rb.nassignments, 0);
	gale_reply_fini(&ra);
	gale_reply_fini(&rb);

	// Three workers over two supervisors of two slots: two and one.
	submit_keys("spread", 3);
	fake_supervisor("sup-a", 7000, 2, NULL, 0, &ra);
	fake_supervisor("sup-b", 7000, 2, NULL, 0, &rb);
	const gale_assignment *a = find_asg(&ra, "spread");
	const gale_assignment *b = find_asg(&rb, "spread");
	cr_assert(a != NULL && b != NULL);
	cr_assert_eq(a->nworkers, 3);
	size_t on_a = placed_on(a, "sup-a"), on_b = placed_on(a, "sup-b");
	cr_assert_eq(on_a + on_b, 3);
	cr_assert(on_a >= 1 && on_b >= 1, "%zu and %zu", on_a, on_b);
	cr_assert_eq(a->generation, b->generation);
	uint64_t gen = a->generation;
	// Which index sits on sup-b, for a stale heartbeat below.
	uint32_t b_index = 0;
	for (size_t i = 0; i < a->nworkers; i++) {
		if (strcmp(a->workers[i].supervisor, "sup-b") == 0) {
			b_index = a->workers[i].index;
		}
	}
	gale_reply_fini(&ra);
	gale_reply_fini(&rb);

	// Two more workers than the one free slot: the topology waits.
	submit_keys("second", 2);
	char st[64];
	list_status("second", st, sizeof(st), NULL);
	cr_assert_str_eq(st, "WAITING");

	// sup-b goes silent; sup-c joins. After the timeout, what sat on
	// sup-b moves, and the waiting topology gets its slots.
	long long deadline = test_now_ms() + 10000;
	for (;;) {
		fake_supervisor("sup-a", 7000, 2, NULL, 0, &ra);
		fake_supervisor("sup-c", 7100, 4, NULL, 0, &rc);
		a                        = find_asg(&ra, "spread");
		const gale_assignment *c = find_asg(&rc, "spread");
		const gale_assignment *s = find_asg(&rc, "second");
		bool moved = c != NULL && placed_on(c, "sup-b") == 0
		    && placed_on(c, "sup-a") + placed_on(c, "sup-c") == 3;
		if (moved && s != NULL && placed_on(s, "sup-c") == 2) {
			cr_assert_gt(c->generation, gen);
			gen = c->generation;
			gale_reply_fini(&ra);
			gale_reply_fini(&rc);
			break;
		}
		gale_reply_fini(&ra);
		gale_reply_fini(&rc);
		cr_assert(test_now_ms() < deadline,
		    "nothing moved off the silent supervisor:\n%s",
		    nimbus.out);
		drain();
		nap_ms(300);
	}
	list_status("second", st, sizeof(st), NULL);
	cr_assert_str_eq(st, "ACTIVE");

	// sup-b comes back with a heartbeat from its old worker: it is
	// stale, and its endpoint must not reach the assignment.
	gale_heartbeat     hb = { .topology = "spread",
		    .worker_index           = b_index,
		    .pid                    = 4242,
		    .generation             = 1,
		    .error                  = "" };
	gale_task_endpoint ep = { .task = 0, .endpoint = "tcp://10.9.9.9:9" };
	gale_heartbeat     hb2;
	hb.endpoints  = &ep;
	hb.nendpoints = 1;
	// Its first task: the one the stale worker would report.
	fake_supervisor("sup-a", 7000, 2, NULL, 0, &ra);
	a = find_asg(&ra, "spread");
	cr_assert_not_null(a);
	ep.task
	    = a->workers[b_index].ntasks ? a->workers[b_index].tasks[0] : 1;
	gale_reply_fini(&ra);
	hb2 = hb;
	fake_supervisor("sup-b", 7000, 2, &hb2, 1, &rb);
	cr_assert_null(find_asg(&rb, "spread"), "spread went back to sup-b");
	gale_reply_fini(&rb);
	fake_supervisor("sup-a", 7000, 2, NULL, 0, &ra);
	a = find_asg(&ra, "spread");
	for (size_t i = 0; a != NULL && i < a->nendpoints; i++) {
		cr_assert_str_neq(a->endpoints[i].endpoint, "tcp://10.9.9.9:9",
		    "a stale heartbeat's endpoint was taken");
	}
	cr_assert_eq(a->generation, gen);
	gale_reply_fini(&ra);

	// The shipped library is kept with nimbus's data.
	char lib[4096];
	snprintf(
	    lib, sizeof(lib), "%s/nimbus/libs/spread/%s", dir, FAKE_LIB_NAME);
	size_t la, lb;
	char  *x = test_read_file(lib, &la);
	char  *y = test_read_file(FAKE_LIB, &lb);
	cr_assert(x && y && la == lb && memcmp(x, y, la) == 0);
	free(x);
	free(y);

	// Nimbus killed and started again knows the same placement.
	fake_supervisor("sup-c", 7100, 4, NULL, 0, &rc);
	gale_assignment before;
	cr_assert_eq(
	    gale_assignment_copy(&before, find_asg(&rc, "spread")), GALE_OK);
	gale_reply_fini(&rc);
	char ep0[256];
	snprintf(ep0, sizeof(ep0), "%s", endpoint);
	kill_daemon(&nimbus, &nimbus_up);
	start_nimbus(ep0, "2");
	fake_supervisor("sup-c", 7100, 4, NULL, 0, &rc);
	const gale_assignment *after = find_asg(&rc, "spread");
	cr_assert_not_null(after);
	cr_assert_eq(after->generation, before.generation);
	cr_assert_str_eq(after->run_id, before.run_id);
	cr_assert_eq(after->nworkers, before.nworkers);
	for (size_t i = 0; i < before.nworkers; i++) {
		cr_assert_str_eq(after->workers[i].supervisor,
		    before.workers[i].supervisor);
		cr_assert_eq(after->workers[i].port, before.workers[i].port);
	}
	cr_assert_str_eq(after->spec.yaml, before.spec.yaml);
	gale_assignment_fini(&before);
	gale_reply_fini(&rc);
	list_status("second", st, sizeof(st), NULL);
	cr_assert_str_eq(st, "ACTIVE");
	stop_gracefully();
}

Test(cluster, a_supervisor_of_another_protocol_is_refused_and_loses_its_slots)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	submit_keys("one", 1);
	// 0: a gale from before protocols; then one a version ahead.
	uint32_t protocols[2] = { 0, GALE_CONTROL_PROTOCOL + 1 };
	for (size_t i = 0; i < 2; i++) {
		gale_reply r;
		fake_beat("sup-old", 7000, 2, NULL, 0, protocols[i], &r);
		cr_assert(!r.ok);
		char want[128];
		snprintf(want, sizeof(want),
		    "supervisor sup-old speaks gale protocol %u and nimbus %u",
		    protocols[i], GALE_CONTROL_PROTOCOL);
		cr_assert(strstr(r.error, want) != NULL, "%s", r.error);
		cr_assert_eq(r.nassignments, 0);
		gale_reply_fini(&r);
	}
	test_proc_read(&nimbus, 100);
	cr_assert(strstr(nimbus.err,
		      "refused supervisor sup-old: it speaks gale protocol 0")
		!= NULL,
	    "%s", nimbus.err);
	// The topology waits for a slot; the first supervisor of nimbus's
	// protocol gets its worker.
	char st[64];
	list_status("one", st, sizeof(st), NULL);
	cr_assert_str_eq(st, "WAITING");
	gale_reply rn;
	fake_supervisor("sup-new", 7000, 2, NULL, 0, &rn);
	const gale_assignment *a = find_asg(&rn, "one");
	cr_assert(a != NULL);
	cr_assert_eq(placed_on(a, "sup-new"), 1);
	cr_assert_eq(placed_on(a, "sup-old"), 0);
	gale_reply_fini(&rn);

	// sup-new comes back on another gale: its worker moves at once (to
	// sup-old, now of nimbus's protocol), without waiting for the
	// supervisor timeout (30 s here).
	fake_beat("sup-new", 7000, 2, NULL, 0, GALE_CONTROL_PROTOCOL + 1, &rn);
	cr_assert(!rn.ok);
	cr_assert_eq(rn.nassignments, 0);
	gale_reply_fini(&rn);
	gale_reply ro;
	fake_supervisor("sup-old", 7000, 2, NULL, 0, &ro);
	a = find_asg(&ro, "one");
	cr_assert(a != NULL);
	cr_assert_eq(placed_on(a, "sup-old"), 1);
	cr_assert_eq(placed_on(a, "sup-new"), 0);
	gale_reply_fini(&ro);
	test_proc_read(&nimbus, 100);
	cr_assert(strstr(nimbus.err,
		      "supervisor sup-new is lost: it speaks another protocol")
		!= NULL,
	    "%s", nimbus.err);
}

Test(cluster, nimbus_answers_malformed_and_unexpected_requests_with_errors)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	// Bytes that are no gale.Request, from a DEALER.
	void *ctx  = zmq_ctx_new();
	void *d    = zmq_socket(ctx, ZMQ_DEALER);
	int   zero = 0;
	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof(zero));
	cr_assert_eq(zmq_connect(d, endpoint), 0);
	const uint8_t junk[] = { 0xff, 0xff, 0xff, 0x0f, 0x01 };
	zmq_send(d, "", 0, ZMQ_SNDMORE);
	zmq_send(d, junk, sizeof(junk), 0);
	zmq_pollitem_t item = { .socket = d, .events = ZMQ_POLLIN };
	cr_assert_eq(zmq_poll(&item, 1, 5000), 1);
	zmq_msg_t m;
	zmq_msg_init(&m);
	zmq_msg_recv(&m, d, 0);
	cr_assert_eq(zmq_msg_size(&m), 0, "the envelope was not echoed");
	cr_assert(zmq_msg_more(&m));
	zmq_msg_recv(&m, d, 0);
	gale_reply r;
	cr_assert_eq(gale_reply_decode(&r, zmq_msg_data(&m), zmq_msg_size(&m)),
	    GALE_OK);
	cr_assert(!r.ok);
	cr_assert(strstr(r.error, "malformed"), "%s", r.error);
	gale_reply_fini(&r);
	// A message with too many frames is dropped without an answer.
	for (int i = 0; i < 12; i++) {
		zmq_send(d, "x", 1, i < 11 ? ZMQ_SNDMORE : 0);
	}
	cr_assert_eq(zmq_poll(&item, 1, 300), 0);
	zmq_msg_close(&m);
	zmq_close(d);
	zmq_ctx_term(ctx);

	gale_request req = { .kind = GALE_REQ_WORKER_HEARTBEAT };
	req.u.worker     = (gale_heartbeat) { .topology = "x", .error = "" };
	fake_call(&req, &r);
	cr_assert(!r.ok);
	cr_assert(strstr(r.error, "through supervisors"), "%s", r.error);
	gale_reply_fini(&r);

	req = (gale_request) { .kind = GALE_REQ_SUPERVISOR_HEARTBEAT };
	req.u.supervisor = (gale_supervisor_info) { .id = "", .host = "h" };
	fake_call(&req, &r);
	cr_assert(!r.ok);
	cr_assert(strstr(r.error, "needs an id"), "%s", r.error);
	gale_reply_fini(&r);

	// A spec that was never checked by a client: nimbus's diagnostics
	// come back verbatim, one per line.
	req          = (gale_request) { .kind = GALE_REQ_SUBMIT };
	req.u.submit = (gale_spec) { .name = "broken",
		.file_name                 = "b.yaml",
		.yaml = "name: broken\nspouts:\n  - {id: s, component: nope}\n"
			"bolts:\n  - {id: t, component: nope2}\n"
			"  - {id: u, component: nope3}\nstreams: []\n" };
	fake_call(&req, &r);
	cr_assert(!r.ok);
	cr_assert(
	    strstr(r.error, "b.yaml:5:") && strstr(r.error, "\nb.yaml:6:"),
	    "%s", r.error);
	gale_reply_fini(&r);

	// A library path with no file name cannot be shipped.
	gale_shipped_lib lib
	    = { .path = "dir/..", .content = (uint8_t *) "x", .len = 1 };
	req.u.submit.libraries  = &lib;
	req.u.submit.nlibraries = 1;
	fake_call(&req, &r);
	cr_assert(!r.ok);
	cr_assert(strstr(r.error, "no file name"), "%s", r.error);
	gale_reply_fini(&r);

	test_run run;
	gale_cmd(&run, 10, "list", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	test_run_fini(&run);
	stop_gracefully();
}

// Sends n requests of garbage bytes from d and reads their n replies.
static void
send_garbage(void *d, int n)
{
	const uint8_t junk[] = { 0xff, 0xff, 0xff, 0x0f, 0x01 };
	for (int i = 0; i < n; i++) {
		zmq_send(d, "", 0, ZMQ_SNDMORE);
		zmq_send(d, junk, sizeof(junk), 0);
	}
	zmq_pollitem_t item = { .socket = d, .events = ZMQ_POLLIN };
	for (int got = 0; got < n;) {
		cr_assert_eq(zmq_poll(&item, 1, 5000), 1, "no reply %d", got);
		zmq_msg_t m;
		zmq_msg_init(&m);
		zmq_msg_recv(&m, d, 0);
		if (!zmq_msg_more(&m)) {
			got++;
		}
		zmq_msg_close(&m);
	}
}

Test(cluster, garbage_is_logged_at_most_once_a_second_with_a_count)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	void *ctx  = zmq_ctx_new();
	void *d    = zmq_socket(ctx, ZMQ_DEALER);
	int   zero = 0;
	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof(zero));
	cr_assert_eq(zmq_connect(d, endpoint), 0);

	const char *line = "dropped a malformed request";
	long long   t0   = test_now_ms();
	send_garbage(d, 200);
	long long took = test_now_ms() - t0;
	test_proc_read(&nimbus, 100);
	size_t lines = 0;
	for (const char *p = nimbus.err; (p = strstr(p, line)) != NULL; p++) {
		lines++;
	}
	// One line, and one more for each second the flood lasted.
	cr_assert_geq(lines, 1, "%s", nimbus.err);
	cr_assert_leq((long long) lines, 1 + took / 1000 + 1,
	    "%zu lines in %lld "
	    "ms:\n%s",
	    lines, took, nimbus.err);

	// After a quiet second, the next one says how many went unlogged.
	nap_ms(1100);
	send_garbage(d, 1);
	long long deadline = test_now_ms() + 5000;
	while (strstr(nimbus.err, "more like it") == NULL
	    && test_now_ms() < deadline) {
		test_proc_read(&nimbus, 50);
	}
	const char *more = strstr(nimbus.err, "more like it");
	cr_assert_not_null(more, "%s", nimbus.err);
	// The suppressed ones and the logged lines add up to all 201.
	unsigned long long n      = 0;
	const char        *and_at = more;
	while (and_at > nimbus.err && strncmp(and_at, "(and ", 5) != 0) {
		and_at--;
	}
	cr_assert_eq(sscanf(and_at, "(and %llu", &n), 1, "%s", nimbus.err);
	lines = 0;
	for (const char *p = nimbus.err; (p = strstr(p, line)) != NULL; p++) {
		lines++;
	}
	unsigned long long counted = lines;
	for (const char *p = nimbus.err; (p = strstr(p, "(and ")) != NULL;
	     p++) {
		unsigned long long k = 0;
		if (sscanf(p, "(and %llu", &k) == 1) {
			counted += k;
		}
	}
	cr_assert_eq(counted, 201, "%s", nimbus.err);
	cr_assert_gt(n, 0);
	zmq_close(d);
	zmq_ctx_term(ctx);
	stop_gracefully();
}

// ---------------------------------------------------------------------
// Shell components: their folder travels with the topology
// ---------------------------------------------------------------------

// Storm's multilang framing, in Python, shared by both scripts below.
#define PY_MULTILANG                                                          \
	"import json, os, sys\n"                                              \
	"def read():\n"                                                       \
	"    lines = []\n"                                                    \
	"    while True:\n"                                                   \
	"        line = sys.stdin.readline()\n"                               \
	"        if not line:\n"                                              \
	"            sys.exit(0)\n"                                           \
	"        if line.rstrip('\\n') == 'end':\n"                           \
	"            return json.loads(''.join(lines))\n"                     \
	"        lines.append(line)\n"                                        \
	"def send(m):\n"                                                      \
	"    sys.stdout.write(json.dumps(m) + '\\nend\\n')\n"                 \
	"    sys.stdout.flush()\n"                                            \
	"h = read()\n"                                                        \
	"open(os.path.join(h['pidDir'], str(os.getpid())), 'w').close()\n"    \
	"send({'pid': os.getpid()})\n"                                        \
	"def note(name, text):\n"                                             \
	"    with open(name, 'a') as f:\n"                                    \
	"        f.write(text + '\\n')\n"

// Emits 50 untracked sentences, then nothing; notes in its working
// directory every activate and deactivate it is sent.
static const char py_spout[]
    = PY_MULTILANG "left = 50\n"
		   "while True:\n"
		   "    m = read()\n"
		   "    c = m.get('command')\n"
		   "    if c == 'next' and left > 0:\n"
		   "        left -= 1\n"
		   "        send({'command': 'emit', 'tuple': ['a b c d e'],\n"
		   "              'need_task_ids': False})\n"
		   "    elif c in ('activate', 'deactivate'):\n"
		   "        note('commands.log', c)\n"
		   "    send({'command': 'sync'})\n";

// Notes every word of every sentence in its working directory.
static const char py_split[]
    = PY_MULTILANG "while True:\n"
		   "    t = read()\n"
		   "    if t.get('stream') == '__heartbeat':\n"
		   "        send({'command': 'sync'})\n"
		   "        continue\n"
		   "    for w in t['tuple'][0].split():\n"
		   "        note('words.out', w)\n"
		   "    send({'command': 'ack', 'id': t['id']})\n";

// The lines of the file at sup<i>/libs/shellship/resources/name, summed
// over the supervisors, and the text of the last one found (freed by the
// caller, NULL when none).
static int
shipped_lines(const char *name, char **text)
{
	int n = 0;
	if (text != NULL) {
		*text = NULL;
	}
	for (int i = 0; i < NSUP; i++) {
		char path[4096];
		snprintf(path, sizeof(path),
		    "%s/sup%d/libs/shellship/resources/%s", dir, i, name);
		size_t len;
		char  *s = test_read_file(path, &len);
		if (s == NULL) {
			continue;
		}
		for (size_t k = 0; k < len; k++) {
			n += s[k] == '\n';
		}
		if (text != NULL) {
			free(*text);
			*text = s;
		} else {
			free(s);
		}
	}
	return n;
}

// Waits until shipped_lines(name) is want; false past timeout_s.
static bool
wait_shipped_lines(const char *name, int want, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	while (test_now_ms() < deadline) {
		drain();
		if (shipped_lines(name, NULL) == want) {
			return true;
		}
		nap_ms(50);
	}
	return false;
}

Test(cluster, shell_scripts_ship_with_their_folder_and_hear_activation)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	start_supervisor(0, "2");
	start_supervisor(1, "2");
	test_wait_joined(&nimbus, 2, 10);
	char app[2048], path[4096];
	snprintf(app, sizeof(app), "%s/app", dir);
	cr_assert_eq(mkdir(app, 0755), 0);
	snprintf(app, sizeof(app), "%s/app/resources", dir);
	cr_assert_eq(mkdir(app, 0755), 0);
	snprintf(path, sizeof(path), "%s/sentences.py", app);
	cr_assert(test_write_file(path, py_spout, strlen(py_spout)));
	snprintf(path, sizeof(path), "%s/split.py", app);
	cr_assert(test_write_file(path, py_split, strlen(py_split)));
	// A link out of the folder is not followed.
	snprintf(path, sizeof(path), "%s/outside", app);
	cr_assert_eq(symlink("/etc/hostname", path), 0);
	const char yaml[] = "name: shellship\n"
			    "config: {topology.workers: 2}\n"
			    "spouts:\n"
			    "  - id: sentences\n"
			    "    component: shell\n"
			    "    options: {command: [python3, sentences.py],\n"
			    "              fields: [sentence]}\n"
			    "bolts:\n"
			    "  - id: split\n"
			    "    component: shell\n"
			    "    options: {command: [python3, split.py],\n"
			    "              fields: [word]}\n"
			    "streams:\n"
			    "  - {from: sentences, to: split,\n"
			    "     grouping: {type: SHUFFLE}}\n";
	snprintf(path, sizeof(path), "%s/app/shellship.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));

	// The client runs elsewhere: the scripts reach the workers only
	// through nimbus.
	test_run r;
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status("shellship", "ACTIVE", 2, 20);
	cr_assert(wait_shipped_lines("words.out", 250, 30),
	    "%d words, not 250:\n%s\n%s", shipped_lines("words.out", NULL),
	    sup[0].err, sup[1].err);
	for (int i = 0; i < NSUP; i++) {
		snprintf(path, sizeof(path),
		    "%s/sup%d/libs/shellship/resources/outside", dir, i);
		cr_assert_neq(access(path, F_OK), 0, "%s was shipped", path);
	}

	gale_cmd(&r, 10, "deactivate", "shellship", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	cr_assert(wait_shipped_lines("commands.log", 2, 20),
	    "the spout heard no deactivate");
	gale_cmd(&r, 10, "activate", "shellship", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	cr_assert(wait_shipped_lines("commands.log", 3, 20),
	    "the spout heard no activate");
	char *log;
	shipped_lines("commands.log", &log);
	cr_assert_str_eq(log, "activate\ndeactivate\nactivate\n");
	free(log);

	gale_cmd(&r, 10, "kill", "shellship", "--wait", "0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	wait_status("shellship", "KILLED", 0, 10);
	cr_assert_eq(shipped_lines("words.out", NULL), 250);
	stop_gracefully();
}

// The same scripts wired by a Flux file as Storm users write it, with its
// name from a properties file: `gale submit --filter` takes it as it is.
Test(cluster, a_storm_flux_file_with_shell_components_submits_as_it_is)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	start_supervisor(0, "2");
	start_supervisor(1, "2");
	test_wait_joined(&nimbus, 2, 10);
	char app[2048], path[4096], props[4096];
	snprintf(app, sizeof(app), "%s/app", dir);
	cr_assert_eq(mkdir(app, 0755), 0);
	snprintf(app, sizeof(app), "%s/app/resources", dir);
	cr_assert_eq(mkdir(app, 0755), 0);
	snprintf(path, sizeof(path), "%s/sentences.py", app);
	cr_assert(test_write_file(path, py_spout, strlen(py_spout)));
	snprintf(path, sizeof(path), "%s/split.py", app);
	cr_assert(test_write_file(path, py_split, strlen(py_split)));
	const char yaml[]
	    = "---\n"
	      "name: \"${topology.name}\"\n"
	      "config:\n"
	      "  topology.workers: 2\n"
	      "spouts:\n"
	      "  - id: \"sentences\"\n"
	      "    className: "
	      "\"org.apache.storm.flux.wrappers.spouts.FluxShellSpout\"\n"
	      "    constructorArgs:\n"
	      "      - [\"python3\", \"sentences.py\"]\n"
	      "      - [\"sentence\"]\n"
	      "bolts:\n"
	      "  - id: \"split\"\n"
	      "    className: "
	      "\"org.apache.storm.flux.wrappers.bolts.FluxShellBolt\"\n"
	      "    constructorArgs:\n"
	      "      - [\"python3\", \"split.py\"]\n"
	      "      - [\"word\"]\n"
	      "streams:\n"
	      "  - name: \"sentences --> split\"\n"
	      "    from: \"sentences\"\n"
	      "    to: \"split\"\n"
	      "    grouping:\n"
	      "      type: shuffle\n";
	snprintf(path, sizeof(path), "%s/app/shellship.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	snprintf(props, sizeof(props), "%s/app/prod.properties", dir);
	const char text[] = "topology.name=shellship\n";
	cr_assert(test_write_file(props, text, strlen(text)));

	test_run r;
	gale_cmd(&r, 10, "submit", path, "--filter", props, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status("shellship", "ACTIVE", 2, 20);
	cr_assert(wait_shipped_lines("words.out", 250, 30),
	    "%d words, not 250:\n%s\n%s", shipped_lines("words.out", NULL),
	    sup[0].err, sup[1].err);
	gale_cmd(&r, 10, "kill", "shellship", "--wait", "0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	wait_status("shellship", "KILLED", 0, 10);
	cr_assert_eq(shipped_lines("words.out", NULL), 250);
	stop_gracefully();
}

Test(cluster, a_shell_folder_over_64_mib_is_refused_naming_it)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	char app[2048], path[4096];
	snprintf(app, sizeof(app), "%s/big", dir);
	cr_assert_eq(mkdir(app, 0755), 0);
	// Sparse: its size counts, not its blocks.
	snprintf(path, sizeof(path), "%s/data.bin", app);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), (off_t) 65 << 20), 0);
	fclose(f);
	const char yaml[]
	    = "name: big\n"
	      "spouts:\n"
	      "  - id: s\n"
	      "    component: shell\n"
	      "    options: {command: [python3, s.py], fields: [x]}\n"
	      "bolts:\n"
	      "  - {id: b, component: null_bolt}\n"
	      "streams:\n"
	      "  - {from: s, to: b, grouping: {type: SHUFFLE}}\n";
	snprintf(path, sizeof(path), "%s/big.yaml", app);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	test_run r;
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 1, "%s\n%s", r.out, r.err);
	cr_assert(
	    strstr(r.err, app) && strstr(r.err, "pass 64 MiB"), "%s", r.err);
	test_run_fini(&r);
	stop_gracefully();
}

// A worker that dies in prepare each time it starts: the supervisor
// restarts it with backoff and `gale list` shows the topology as running
// with errors, and why.
Test(cluster, a_crash_looping_worker_shows_the_topology_with_errors)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	start_supervisor(0, "2");
	test_wait_joined(&nimbus, 1, 10);
	char lib[4096], path[4096], yaml[8192];
	snprintf(lib, sizeof(lib), "%s/%s", dir, FAKE_LIB_NAME);
	size_t len;
	char  *so = test_read_file(FAKE_LIB, &len);
	cr_assert_not_null(so, "no %s", FAKE_LIB);
	cr_assert(test_write_file(lib, so, len));
	free(so);
	snprintf(yaml, sizeof(yaml),
	    "name: crashy\n"
	    "config: {topology.workers: 1}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 1000000000, keys: 40}}\n"
	    "bolts:\n"
	    "  - {id: crash, component: fake_crash_bolt, library: %s}\n"
	    "streams:\n"
	    "  - {from: keys, to: crash, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB_NAME, FAKE_LIB_NAME);
	snprintf(path, sizeof(path), "%s/crashy.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	test_run r;
	gale_cmd(&r, 10, "submit", path, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);

	long long deadline = test_now_ms() + 30000;
	bool      shown    = false;
	while (!shown) {
		gale_cmd(&r, 10, "list", NULL);
		cr_assert_eq(r.status, 0, "%s", r.err);
		shown = strstr(r.out, "ACTIVE (errors)") != NULL
		    && strstr(r.out, "soon after starting") != NULL;
		if (!shown && test_now_ms() > deadline) {
			cr_assert_fail("not shown with errors in 30 s:\n%s\n"
				       "supervisor:\n%s",
			    r.out, sup[0].err);
		}
		test_run_fini(&r);
		nap_ms(250);
	}
	gale_cmd(&r, 10, "list", "--json", NULL);
	cr_assert(strstr(r.out, "\"errors\":true") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "\"last_error\":\"worker 0: exited") != NULL,
	    "%s", r.out);
	test_run_fini(&r);
	// Backoff: the delays between restarts double.
	deadline = test_now_ms() + 10000;
	while (strstr(sup[0].err, "restarting in 0.4 s") == NULL
	    && test_now_ms() < deadline) {
		drain();
		nap_ms(50);
	}
	cr_assert(strstr(sup[0].err, "restarting in 0.1 s") != NULL
		&& strstr(sup[0].err, "restarting in 0.2 s") != NULL
		&& strstr(sup[0].err, "restarting in 0.4 s") != NULL,
	    "%s", sup[0].err);
	gale_cmd(&r, 10, "kill", "crashy", NULL);
	test_run_fini(&r);
}

// With nimbus gone, a supervisor still restarts its own dead worker from
// the assignment it kept, and the count completes once nimbus is back.
Test(cluster, a_supervisor_restarts_its_workers_while_nimbus_is_down)
{
	start_nimbus("tcp://127.0.0.1:*", "30");
	start_supervisor(0, "2");
	test_wait_joined(&nimbus, 1, 10);
	size_t len;
	char  *text = make_text(30000, &len);
	char   in[4096], out[4096];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	// 5,000 lines a second: the run lasts 6 s however fast the machine.
	const char *extra[] = { "--set", "topology.max.spout.pending=200",
		"--set", "topology.message.timeout.secs=3", "--set",
		"sentences.rate=5000", NULL };
	submit_wordcount(in, out, extra);
	wait_status("wordcount-file", "ACTIVE", 2, 20);
	pid_t     w[8];
	long long deadline = test_now_ms() + 10000;
	while (started_pids(&sup[0], w, 8) < 2 && test_now_ms() < deadline) {
		drain();
		nap_ms(50);
	}
	cr_assert_eq(started_pids(&sup[0], w, 8), 2, "%s", sup[0].err);

	char ep[256];
	snprintf(ep, sizeof(ep), "%s", endpoint);
	kill_daemon(&nimbus, &nimbus_up);
	cr_assert_eq(kill(w[0], SIGKILL), 0);
	deadline = test_now_ms() + 5000;
	while (started_pids(&sup[0], w, 8) < 3 && test_now_ms() < deadline) {
		drain();
		nap_ms(20);
	}
	cr_assert_eq(started_pids(&sup[0], w, 8), 3,
	    "the killed worker was not restarted within 5 s without "
	    "nimbus:\n%s",
	    sup[0].err);
	cr_assert(test_pid_alive(w[2]));
	nap_ms(2000);
	start_nimbus(ep, "30");
	wait_status("wordcount-file", "FINISHED", 2, 100);
	test_check_counts(text, len, out, true);
	free(text);
	stop_gracefully();
}
