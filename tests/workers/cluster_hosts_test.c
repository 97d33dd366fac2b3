// SPDX-License-Identifier: MIT
// cluster_hosts_test.c - a keyed cluster over several hosts: network
// namespaces made by the test (a hub with nimbus, two hosts with a
// supervisor each, joined by a bridge of veth pairs, addresses only inside
// them), a word count whose two workers run on different hosts, exact
// counts, and every namespace removed afterwards. Skipped, saying so, only
// where namespaces cannot be made (not root).

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

#include "tests/support/run.h"
#include "tests/support/words.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define NHOSTS 2

// 10.217.0.0/24 exists only inside the namespaces below.
static const char *const host_addr[NHOSTS] = { "10.217.0.2", "10.217.0.3" };
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
	for (int i = 0; i < NHOSTS; i++) {
		if (sup_up[i]) {
			test_proc_read(&sup[i], 0);
		}
	}
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

Test(cluster_hosts, a_word_count_spans_two_hosts)
{
	make_network();
	keygen("nimbus");
	keygen("supervisor");
	keygen("client");

	char data[4300];
	snprintf(data, sizeof(data), "%s/nimbus", dir);
	const char *nargs[] = { "nimbus", "--listen", "tcp://" HUB_ADDR ":*",
		"--data-dir", data, "--keys", keys, NULL };
	enter(ns_hub);
	test_proc_start(&nimbus, nargs);
	enter(NULL);
	nimbus_up = true;
	cr_assert(test_proc_wait_for(&nimbus, "nimbus listening on ", 10),
	    "%s", nimbus.err);
	char *line = strstr(nimbus.out, "nimbus listening on ");
	cr_assert(sscanf(line, "nimbus listening on %255s", endpoint) == 1);

	for (int i = 0; i < NHOSTS; i++) {
		char sdata[4300];
		snprintf(sdata, sizeof(sdata), "%s/sup%d", dir, i);
		const char *sargs[] = { "supervisor", "--nimbus", endpoint,
			"--host", host_addr[i], "--slots", "1", "--data-dir",
			sdata, "--keys", keys, NULL };
		enter(ns_host[i]);
		test_proc_start(&sup[i], sargs);
		enter(NULL);
		sup_up[i] = true;
	}
	long long deadline = test_now_ms() + 15000;
	for (;;) {
		test_proc_read(&nimbus, 100);
		int         k = 0;
		const char *p = nimbus.err;
		while ((p = strstr(p, ") joined with ")) != NULL) {
			k++;
			p++;
		}
		if (k == NHOSTS) {
			break;
		}
		drain();
		cr_assert(test_now_ms() < deadline, "%d of %d joined:\n%s\n%s\n%s",
		    k, NHOSTS, nimbus.err, sup[0].err, sup[1].err);
	}
	cr_assert(strstr(nimbus.err, "(10.217.0.2) joined")
		&& strstr(nimbus.err, "(10.217.0.3) joined"),
	    "%s", nimbus.err);

	size_t cap = 20000 * 24, len = 0;
	char  *text = malloc(cap);
	for (int l = 0; l < 20000; l++) {
		len += (size_t) snprintf(
		    text + len, cap - len, "w%d x%d y\n", l % 500, l % 11);
	}
	char in[4300], out[4300], s_in[4400], s_out[4400];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	const char *submit[] = { "submit", WORDCOUNT_YAML, "--set", s_in,
		"--set", s_out, "--set", "topology.workers=2", "--nimbus",
		endpoint, "--keys", keys, NULL };
	test_run    r;
	enter(ns_hub);
	test_run_gale(&r, 15, submit);
	enter(NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);

	char got[64] = "";
	deadline     = test_now_ms() + 90000;
	while (strcmp(got, "FINISHED") != 0) {
		cr_assert(test_now_ms() < deadline && strcmp(got, "FAILED") != 0,
		    "'%s':\n%s\n%s\n%s", got, nimbus.err, sup[0].err,
		    sup[1].err);
		nanosleep(&(struct timespec) { 0, 250000000L }, NULL);
		list_status("wordcount-file", got, sizeof(got));
	}
	test_check_counts(text, len, out, false);
	free(text);
	// One worker on each host, and their tuples crossed between them
	// over CURVE.
	for (int i = 0; i < NHOSTS; i++) {
		pid_t pids[4];
		test_proc_read(&sup[i], 100);
		cr_assert_eq(test_worker_pids(sup[i].err, pids, 4), 1, "%s",
		    sup[i].err);
		cr_assert(strstr(sup[i].err, "data sockets over CURVE"), "%s",
		    sup[i].err);
	}
}
