// SPDX-License-Identifier: MIT
// cluster_hosts_test.c - a keyed cluster over several hosts: network
// namespaces made by the test (a hub with nimbus and, on ZooKeeper, its
// ZooKeeper; three hosts with a supervisor each; joined by a bridge of veth
// pairs, addresses only inside them). A word count whose two workers run
// on different hosts has exact counts; a host whose link goes down mid-run
// kills its worker and another host takes it over, and the count completes
// with nothing lost. Every process and namespace is removed afterwards.
// Skipped, saying so, only where namespaces cannot be made (not root).

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/cluster.h"
#include "tests/support/run.h"
#include "tests/support/words.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define NHOSTS 3

// 10.217.0.0/24 exists only inside the namespaces below.
static const char *const host_addr[NHOSTS]
    = { "10.217.0.2", "10.217.0.3", "10.217.0.4" };
#define HUB_ADDR "10.217.0.1"

static char     *dir;
static char      ns_hub[64], ns_host[NHOSTS][64];
static bool      ns_made[NHOSTS + 1];
static int       home_ns = -1;
static char      keys[4200];
static char      endpoint[256];
static test_proc nimbus;
static bool      nimbus_up;
static test_proc sup[NHOSTS];
static bool      sup_up[NHOSTS];
static test_proc zk;
static bool      zk_up;
static char      zk_servers[128];

// Runs a shell command quietly; true when it exits 0.
static bool
sh(const char *fmt, ...)
{
	char    cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char full[1100];
	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full) == 0;
}

// Moves this thread into namespace name (NULL: back home), so that the
// processes it starts from now on live there.
static void
enter(const char *name)
{
	int fd;
	if (name == NULL) {
		fd = dup(home_ns);
	} else {
		char path[256];
		snprintf(path, sizeof(path), "/var/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	cr_assert(fd >= 0, "no namespace %s", name ? name : "home");
	cr_assert_eq(setns(fd, CLONE_NEWNET), 0, "cannot enter %s",
	    name ? name : "home");
	close(fd);
}

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(ns_hub, sizeof(ns_hub), "gale%d-hub", (int) getpid());
	for (int i = 0; i < NHOSTS; i++) {
		snprintf(ns_host[i], sizeof(ns_host[i]), "gale%d-h%d",
		    (int) getpid(), i);
	}
	memset(ns_made, 0, sizeof(ns_made));
	memset(sup_up, 0, sizeof(sup_up));
	nimbus_up = false;
	zk_up     = false;
}

static void
teardown(void)
{
	for (int i = 0; i < NHOSTS; i++) {
		if (sup_up[i]) {
			test_proc_fini(&sup[i]);
		}
	}
	if (nimbus_up) {
		test_proc_fini(&nimbus);
	}
	if (zk_up) {
		test_proc_fini(&zk);
	}
	if (home_ns >= 0) {
		setns(home_ns, CLONE_NEWNET);
		close(home_ns);
	}
	// Removing a namespace removes its links.
	for (int i = 0; i < NHOSTS; i++) {
		if (ns_made[i + 1]) {
			sh("ip netns del %s", ns_host[i]);
		}
	}
	if (ns_made[0]) {
		sh("ip netns del %s", ns_hub);
	}
	test_rmtree(dir);
	free(dir);
}

TestSuite(cluster_hosts, .init = setup, .fini = teardown, .timeout = 180);

// The hub and the hosts, on one bridge in the hub.
static void
make_network(void)
{
	if (!sh("ip netns add %s", ns_hub)) {
		cr_skip_test("cannot create network namespaces here (needs "
			     "root and ip netns): the multi-host test is "
			     "skipped");
	}
	ns_made[0] = true;
	cr_assert(sh("ip -n %s link set lo up", ns_hub));
	cr_assert(sh("ip -n %s link add br0 type bridge", ns_hub));
	cr_assert(sh("ip -n %s addr add %s/24 dev br0", ns_hub, HUB_ADDR));
	cr_assert(sh("ip -n %s link set br0 up", ns_hub));
	for (int i = 0; i < NHOSTS; i++) {
		cr_assert(sh("ip netns add %s", ns_host[i]));
		ns_made[i + 1] = true;
		cr_assert(sh("ip -n %s link set lo up", ns_host[i]));
		cr_assert(sh("ip -n %s link add v%d type veth peer name eth0 "
			     "netns %s",
		    ns_hub, i, ns_host[i]));
		cr_assert(sh("ip -n %s link set v%d master br0", ns_hub, i));
		cr_assert(sh("ip -n %s link set v%d up", ns_hub, i));
		cr_assert(sh("ip -n %s addr add %s/24 dev eth0", ns_host[i],
		    host_addr[i]));
		cr_assert(sh("ip -n %s link set eth0 up", ns_host[i]));
	}
}

static void
keygen(const char *name)
{
	const char *args[] = { "keygen", "--out", keys, "--name", name, NULL };
	test_run    r;
	test_run_gale(&r, 10, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
}

static void
drain(void)
{
	if (nimbus_up) {
		test_proc_read(&nimbus, 0);
	}
	if (zk_up) {
		test_proc_read(&zk, 0);
	}
	for (int i = 0; i < NHOSTS; i++) {
		if (sup_up[i]) {
			test_proc_read(&sup[i], 0);
		}
	}
}

// What every daemon logged, for failure messages.
static const char *
logs(void)
{
	static char buf[60000];
	drain();
	snprintf(buf, sizeof(buf),
	    "--- nimbus:\n%.12000s\n--- host 0:\n%.12000s\n--- host 1:\n"
	    "%.12000s\n--- host 2:\n%.12000s",
	    nimbus_up ? nimbus.err : "", sup_up[0] ? sup[0].err : "",
	    sup_up[1] ? sup[1].err : "", sup_up[2] ? sup[2].err : "");
	return buf;
}

// The status of name, asked from the hub.
static void
list_status(const char *name, char *buf, size_t cap)
{
	const char *args[]
	    = { "list", "--json", "--nimbus", endpoint, "--keys", keys, NULL };
	test_run r;
	drain();
	enter(ns_hub);
	test_run_gale(&r, 10, args);
	enter(NULL);
	cr_assert_eq(r.status, 0, "gale list failed:\n%s", r.err);
	test_list_status(r.out, name, buf, cap);
	test_run_fini(&r);
}

// ZooKeeper in the hub, on the hub's address of the bridge.
static void
start_zookeeper(void)
{
	char data[4200];
	snprintf(data, sizeof(data), "%s/zk", dir);
	const char *args[] = { "dev-zookeeper", "--listen", HUB_ADDR,
		"--insecure", "--data-dir", data, NULL };
	enter(ns_hub);
	test_proc_start(&zk, args);
	enter(NULL);
	zk_up = true;
	test_zookeeper_servers(&zk, zk_servers, sizeof(zk_servers));
	cr_assert_eq(strncmp(zk_servers, HUB_ADDR ":", strlen(HUB_ADDR) + 1),
	    0, "%s", zk.out);
}

// Nimbus in the hub, keyed; on ZooKeeper when it runs.
static void
start_nimbus(const char *timeout_secs)
{
	keygen("nimbus");
	keygen("supervisor");
	keygen("client");
	char data[4300];
	snprintf(data, sizeof(data), "%s/nimbus", dir);
	const char *nargs[] = { "nimbus", "--listen", "tcp://" HUB_ADDR ":*",
		"--data-dir", data, "--keys", keys, "--supervisor-timeout",
		timeout_secs, zk_up ? "--zookeeper" : NULL, zk_servers, NULL };
	enter(ns_hub);
	test_proc_start(&nimbus, nargs);
	enter(NULL);
	nimbus_up = true;
	test_nimbus_endpoint(&nimbus, 20, endpoint, sizeof(endpoint));
}

// The supervisor of host i, with one slot.
static void
start_supervisor(int i)
{
	char sdata[4300];
	snprintf(sdata, sizeof(sdata), "%s/sup%d", dir, i);
	const char *sargs[] = { "supervisor", "--nimbus", endpoint, "--host",
		host_addr[i], "--slots", "1", "--data-dir", sdata, "--keys",
		keys, zk_up ? "--zookeeper" : NULL, zk_servers, NULL };
	enter(ns_host[i]);
	test_proc_start(&sup[i], sargs);
	enter(NULL);
	sup_up[i] = true;
}

// Writes a text of lines lines into dir/input.txt; returns it.
static char *
make_input(int lines, char *in, size_t inlen, size_t *len)
{
	size_t cap  = (size_t) lines * 24;
	char  *text = malloc(cap);
	cr_assert_not_null(text);
	*len = 0;
	for (int l = 0; l < lines; l++) {
		*len += (size_t) snprintf(
		    text + *len, cap - *len, "w%d x%d y\n", l % 500, l % 11);
	}
	snprintf(in, inlen, "%s/input.txt", dir);
	cr_assert(test_write_file(in, text, *len));
	return text;
}

// Submits the file word count over in, counts to out, with two workers
// and the extra --set pairs (NULL-ended).
static void
submit(const char *in, const char *out, const char *const *extra)
{
	char s_in[4400], s_out[4400], s_state[4400];
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	snprintf(
	    s_state, sizeof(s_state), "sentences.state_dir=%s/state", dir);
	const char *args[40] = { "submit", WORDCOUNT_YAML, "--set", s_in,
		"--set", s_out, "--set", s_state, "--set",
		"topology.workers=2", "--nimbus", endpoint, "--keys", keys };
	size_t      n        = 14;
	for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 38; i++) {
		args[n++] = extra[i];
	}
	args[n] = NULL;
	test_run r;
	enter(ns_hub);
	test_run_gale(&r, 15, args);
	enter(NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
}

static void
wait_status(const char *want, int timeout_s)
{
	char      got[64]  = "";
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	while (strcmp(got, want) != 0) {
		cr_assert(
		    test_now_ms() < deadline && strcmp(got, "FAILED") != 0,
		    "'%s', not %s:\n%s", got, want, logs());
		nanosleep(&(struct timespec) { 0, 250000000L }, NULL);
		list_status("wordcount-file", got, sizeof(got));
	}
}

// How many workers host i's supervisor has started so far.
static size_t
started(int i, pid_t *pids, size_t cap)
{
	test_proc_read(&sup[i], 0);
	return test_worker_pids(sup[i].err, pids, cap);
}

Test(cluster_hosts, a_word_count_spans_two_hosts)
{
	make_network();
	start_nimbus("30");
	for (int i = 0; i < 2; i++) {
		start_supervisor(i);
	}
	test_wait_joined(&nimbus, 2, 15);
	cr_assert(strstr(nimbus.err, "(10.217.0.2) joined")
		&& strstr(nimbus.err, "(10.217.0.3) joined"),
	    "%s", nimbus.err);

	size_t len;
	char   in[4300], out[4300];
	char  *text = make_input(20000, in, sizeof(in), &len);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	submit(in, out, NULL);
	wait_status("FINISHED", 90);
	test_check_counts(text, len, out, false);
	free(text);
	// One worker on each host, and their tuples crossed between them
	// over CURVE.
	for (int i = 0; i < 2; i++) {
		pid_t pids[4];
		test_proc_read(&sup[i], 100);
		cr_assert_eq(started(i, pids, 4), 1, "%s", sup[i].err);
		cr_assert(strstr(sup[i].err, "data sockets over CURVE"), "%s",
		    sup[i].err);
	}
}

Test(cluster_hosts, a_host_cut_off_mid_run_hands_its_worker_to_another)
{
	make_network();
	start_zookeeper();
	// Nimbus moves a silent supervisor's workers after 6 s; the
	// supervisor kills them itself after 3 s without nimbus or ZooKeeper.
	start_nimbus("6");
	for (int i = 0; i < 2; i++) {
		start_supervisor(i);
	}
	test_wait_joined(&nimbus, 2, 15);

	size_t len;
	char   in[4300], out[4300];
	char  *text = make_input(40000, in, sizeof(in), &len);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	// 2,000 lines a second: the run lasts 20 s however fast the machine.
	const char *extra[] = { "--set", "sentences.rate=2000", "--set",
		"topology.max.spout.pending=300", "--set",
		"topology.message.timeout.secs=3", NULL };
	submit(in, out, extra);
	pid_t     w0[4], w1[4], w2[4];
	long long deadline = test_now_ms() + 20000;
	while (started(0, w0, 4) + started(1, w1, 4) < 2) {
		cr_assert(test_now_ms() < deadline,
		    "the workers did not start:\n%s", logs());
		nanosleep(&(struct timespec) { 0, 50000000L }, NULL);
	}
	cr_assert_eq(started(0, w0, 4), 1, "%s", logs());
	// The third host joins with a free slot once both workers run.
	start_supervisor(2);
	test_wait_joined(&nimbus, 3, 15);
	wait_status("ACTIVE", 20);

	// Host 0's link goes down: its supervisor hears from no one, kills
	// its worker, and nimbus gives that worker to host 2.
	cr_assert(sh("ip -n %s link set v0 down", ns_hub));
	cr_assert(test_proc_wait_for_err(&sup[0],
		      "cut off from nimbus and "
		      "ZooKeeper",
		      30),
	    "host 0 did not fence itself:\n%s", logs());
	deadline = test_now_ms() + 5000;
	while (test_pid_alive(w0[0])) {
		cr_assert(test_now_ms() < deadline,
		    "the cut-off worker %d still runs", (int) w0[0]);
		test_proc_read(&sup[0], 50);
	}
	deadline = test_now_ms() + 40000;
	while (started(2, w2, 4) == 0) {
		cr_assert(test_now_ms() < deadline,
		    "host 2 got no worker:\n%s", logs());
		test_proc_read(&sup[2], 100);
	}
	char st[64];
	list_status("wordcount-file", st, sizeof(st));
	cr_assert_str_eq(st, "ACTIVE", "the run ended before the cut");
	wait_status("FINISHED", 120);
	// At least once: a tree that was in flight on the cut host is
	// replayed, and words it had counted may count twice.
	test_check_counts(text, len, out, true);
	free(text);
	cr_assert_eq(
	    started(1, w1, 4), 1, "host 1's worker moved:\n%s", logs());
}
