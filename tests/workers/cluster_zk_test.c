// SPDX-License-Identifier: MIT
// cluster_zk_test.c - nimbus on a real ZooKeeper (gale dev-zookeeper, from
// Debian's zookeeper package): topologies kept there, two nimbus processes
// electing a leader, the leader SIGKILLed mid-run, the standby taking over
// with the topology and its workers intact, and the count exact.

#include <criterion/criterion.h>
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
#include "workers/zk.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"
#define FAKE_LIB_NAME "libgale_fake_components.so"

static char     *dir;
static test_proc zk;
static bool      zk_up;
static char      zk_servers[128];
static test_proc nim[2];
static bool      nim_up[2];
static char      nim_ep[2][256];
static test_proc sup;
static bool      sup_up;

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	zk_up = sup_up = nim_up[0] = nim_up[1] = false;
}

static void
teardown(void)
{
	if (sup_up) {
		test_proc_fini(&sup);
	}
	for (int i = 0; i < 2; i++) {
		if (nim_up[i]) {
			test_proc_fini(&nim[i]);
		}
	}
	if (zk_up) {
		// SIGTERM lets it stop its server by pid and remove nothing of
		// ours; test_proc_fini kills whatever is left.
		bool timedout;
		kill(zk.pid, SIGTERM);
		test_proc_wait(&zk, 10, &timedout);
		test_proc_fini(&zk);
	}
	test_rmtree(dir);
	free(dir);
}

TestSuite(cluster_zk, .init = setup, .fini = teardown, .timeout = 240);

// Starts ZooKeeper in dir/zk and keeps its connect string.
static void
start_zookeeper(void)
{
	char data[4200];
	snprintf(data, sizeof(data), "%s/zk", dir);
	const char *args[] = { "dev-zookeeper", "--data-dir", data, NULL };
	test_proc_start(&zk, args);
	zk_up = true;
	test_zookeeper_servers(&zk, zk_servers, sizeof(zk_servers));
	cr_assert_eq(strncmp(zk_servers, "127.0.0.1:", 10), 0, "%s", zk.out);
}

// Nimbus i; nimbus 1 reads Storm's ZooKeeper timeouts from a gale.yaml
// (its session timeout is then logged as ZooKeeper granted it).
static void
start_nimbus(int i)
{
	char data[4200], conf[4200];
	snprintf(data, sizeof(data), "%s/nimbus%d", dir, i);
	snprintf(conf, sizeof(conf), "%s/gale%d.yaml", dir, i);
	const char *yaml = "storm.zookeeper.session.timeout: 6000\n"
			   "storm.zookeeper.connection.timeout: 8000\n";
	cr_assert(test_write_file(conf, yaml, strlen(yaml)));
	const char *args[]
	    = { "nimbus", "--listen", "tcp://127.0.0.1:*", "--data-dir", data,
		      "--zookeeper", zk_servers, "--supervisor-timeout", "30",
		      i == 1 ? "--config" : NULL, conf, NULL };
	test_proc_start(&nim[i], args);
	nim_up[i] = true;
	test_nimbus_endpoint(&nim[i], 20, nim_ep[i], sizeof(nim_ep[i]));
}

static void
drain(void)
{
	for (int i = 0; i < 2; i++) {
		if (nim_up[i]) {
			test_proc_read(&nim[i], 0);
		}
	}
	if (sup_up) {
		test_proc_read(&sup, 0);
	}
}

// Runs `gale ARGS...` bounded by 15 s.
static void
gale(test_run *r, ...)
{
	va_list ap;
	va_start(ap, r);
	drain();
	test_run_gale_vargs(r, 15, ap);
	drain();
	va_end(ap);
}

// The status of name in `gale list --json` through nimbus, into buf.
static void
list_status(const char *nimbus, const char *name, char *buf, size_t cap)
{
	test_run r;
	gale(&r, "list", "--json", "--nimbus", nimbus, NULL);
	cr_assert_eq(r.status, 0, "gale list failed:\n%s", r.err);
	test_list_status(r.out, name, buf, cap);
	test_run_fini(&r);
}

static void
wait_status(
    const char *nimbus, const char *name, const char *status, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	char      got[64]  = "";
	while (test_now_ms() < deadline) {
		list_status(nimbus, name, got, sizeof(got));
		if (strcmp(got, status) == 0) {
			return;
		}
		nanosleep(&(struct timespec) { 0, 250000000L }, NULL);
	}
	drain();
	cr_assert_fail("'%s' is '%s' after %d s, not %s\nnimbus 0:\n%s\n"
		       "nimbus 1:\n%s\nsupervisor:\n%s",
	    name, got, timeout_s, status, nim[0].err, nim[1].err, sup.err);
}

Test(cluster_zk, a_standby_takes_over_when_the_leader_is_killed)
{
	start_zookeeper();
	start_nimbus(0);
	cr_assert(test_proc_wait_for_err(&nim[0], "became leader at ", 10),
	    "%s", nim[0].err);
	start_nimbus(1);
	cr_assert(
	    test_proc_wait_for_err(&nim[1], "standby", 10), "%s", nim[1].err);
	cr_assert_null(strstr(nim[1].err, "became leader"), "%s", nim[1].err);
	cr_assert(
	    strstr(nim[0].err, "timeout 4000 ms (asked for 4000)") != NULL,
	    "%s", nim[0].err);
	cr_assert(
	    strstr(nim[1].err, "timeout 6000 ms (asked for 6000)") != NULL,
	    "%s", nim[1].err);

	// A standby answers reads, and refuses writes naming the leader.
	test_run r;
	gale(&r, "list", "--nimbus", nim_ep[1], NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	gale(&r, "kill", "nothing", "--nimbus", nim_ep[1], NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.err, "is a standby; the leader is at") != NULL
		&& strstr(r.err, nim_ep[0]) != NULL,
	    "%s", r.err);
	test_run_fini(&r);

	char both[600];
	snprintf(both, sizeof(both), "%s,%s", nim_ep[0], nim_ep[1]);
	char data[4200];
	snprintf(data, sizeof(data), "%s/sup", dir);
	// The supervisor finds the leader through ZooKeeper, and registers
	// there as an ephemeral node.
	const char *sargs[] = { "supervisor", "--zookeeper", zk_servers,
		"--slots", "2", "--data-dir", data, NULL };
	test_proc_start(&sup, sargs);
	sup_up = true;
	cr_assert(test_proc_wait_for_err(&nim[0], ") joined with ", 10),
	    "%s\n%s", nim[0].err, sup.err);
	gale_zk *z = NULL;
	char     err[1024];
	gale_zk_conf zc = {
		.servers    = zk_servers,
		.root       = "/gale",
		.session_ms = 4000,
		.connect_ms = 10000,
	};
	cr_assert_eq(
	    gale__zk_open(&z, &zc, err, sizeof(err)), GALE_OK, "%s", err);
	char **names = NULL;
	size_t nn    = 0;
	cr_assert_eq(
	    gale__zk_children(z, "supervisors", &names, &nn, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_eq(nn, 1);
	gale__zk_names_free(names, nn);
	cr_assert_eq(
	    gale__zk_children(z, "topologies", &names, &nn, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_eq(nn, 0);
	gale__zk_names_free(names, nn);

	// A paced input: 40,000 lines at 2,000 a second outlast the
	// takeover on any machine; the count must still be exact.
	size_t cap = 40000 * 24, len = 0;
	char  *text = malloc(cap);
	for (int l = 0; l < 40000; l++) {
		len += (size_t) snprintf(
		    text + len, cap - len, "w%d x%d y\n", l % 300, l % 7);
	}
	char in[4200], out[4200], s_in[4300], s_out[4300];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	// Submitted through the standby first: the client moves on.
	char order[600];
	snprintf(order, sizeof(order), "%s,%s", nim_ep[1], nim_ep[0]);
	gale(&r, "submit", WORDCOUNT_YAML, "--set", s_in, "--set", s_out,
	    "--set", "topology.workers=2", "--set", "sentences.rate=2000",
	    "--nimbus", order, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status(nim_ep[0], "wordcount-file", "ACTIVE", 30);
	// Kept in ZooKeeper, where the standby reads it.
	uint8_t *rec = NULL;
	size_t   rlen;
	cr_assert_eq(gale__zk_get(z, "topologies/wordcount-file", &rec, &rlen,
			 err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert(rlen > 100 && strstr((char *) rec, "name wordcount-file"));
	free(rec);
	// The standby lists it, read from ZooKeeper.
	char got[64];
	list_status(nim_ep[1], "wordcount-file", got, sizeof(got));
	cr_assert_str_eq(got, "ACTIVE", "%s", nim[1].err);
	gale(&r, "stats", "wordcount-file", "--nimbus", nim_ep[1], NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	// Both workers started and run.
	long long deadline = test_now_ms() + 20000;
	pid_t     pids[8];
	size_t    np = 0;
	while ((np = test_worker_pids(sup.err, pids, 8)) < 2) {
		cr_assert(test_now_ms() < deadline, "%s", sup.err);
		test_proc_read(&sup, 100);
	}

	// SIGKILL the leader: the standby leads within a few seconds, with
	// the topology, and the workers never stopped.
	long long t0 = test_now_ms();
	kill(nim[0].pid, SIGKILL);
	waitpid(nim[0].pid, NULL, 0);
	nim[0].pid = 0;
	test_proc_fini(&nim[0]);
	nim_up[0] = false;
	cr_assert(test_proc_wait_for_err(&nim[1], "became leader at ", 15),
	    "%s", nim[1].err);
	long long took = test_now_ms() - t0;
	cr_assert(strstr(nim[1].err, "reloaded topology 'wordcount-file'"),
	    "%s", nim[1].err);
	for (size_t i = 0; i < np; i++) {
		cr_assert(test_pid_alive(pids[i]), "worker %d died", pids[i]);
	}
	list_status(nim_ep[1], "wordcount-file", got, sizeof(got));
	cr_assert(strcmp(got, "ACTIVE") == 0 || strcmp(got, "FINISHED") == 0,
	    "%s", got);
	fprintf(stderr, "cluster_zk: the standby led %lld ms after the kill\n",
	    took);

	wait_status(nim_ep[1], "wordcount-file", "FINISHED", 90);
	test_check_counts(text, len, out, false);
	free(text);
	// The supervisor never restarted a worker: the same two ran it.
	cr_assert_eq(test_worker_pids(sup.err, pids, 8), 2, "%s", sup.err);

	// The new leader takes writes: a topology of slow fake components,
	// and its kill.
	char lib[4300], yaml_path[4300], yaml[4096];
	snprintf(lib, sizeof(lib), "%s/" FAKE_LIB_NAME, dir);
	char *so = test_read_file(FAKE_LIB, &len);
	cr_assert_not_null(so, "no %s", FAKE_LIB);
	cr_assert(test_write_file(lib, so, len));
	free(so);
	snprintf(yaml, sizeof(yaml),
	    "name: slow\n"
	    "config: {topology.workers: 2, topology.message.timeout.secs: 5}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 100000000, keys: 40}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     options: {sleep_us: 1000}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB_NAME, FAKE_LIB_NAME);
	snprintf(yaml_path, sizeof(yaml_path), "%s/slow.yaml", dir);
	cr_assert(test_write_file(yaml_path, yaml, strlen(yaml)));
	gale(&r, "submit", yaml_path, "--nimbus", both, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status(nim_ep[1], "slow", "ACTIVE", 30);
	// A rebalance through the new leader: drained, stopped, and placed
	// again on one worker, back to ACTIVE.
	gale(
	    &r, "rebalance", "slow", "--workers", "1", "--nimbus", both, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	cr_assert(strstr(nim[1].err, "rebalancing to 1 workers") != NULL
		|| test_proc_wait_for_err(
		    &nim[1], "rebalancing to 1 workers", 10),
	    "%s", nim[1].err);
	wait_status(nim_ep[1], "slow", "ACTIVE", 60);
	gale(&r, "kill", "slow", "--wait", "1", "--nimbus", both, NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status(nim_ep[1], "slow", "KILLED", 30);

	bool timedout;
	kill(sup.pid, SIGTERM);
	cr_assert_eq(test_proc_wait(&sup, 15, &timedout), 0, "%s", sup.err);
	sup_up = false;
	// Its node went with its session.
	cr_assert_eq(
	    gale__zk_children(z, "supervisors", &names, &nn, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_eq(nn, 0);
	gale__zk_names_free(names, nn);
	gale__zk_close(&z);
	kill(nim[1].pid, SIGTERM);
	cr_assert_eq(
	    test_proc_wait(&nim[1], 10, &timedout), 0, "%s", nim[1].err);
	nim_up[1] = false;
}

Test(cluster_zk, a_worker_killed_while_nimbus_is_down_comes_back)
{
	start_zookeeper();
	start_nimbus(0);
	cr_assert(test_proc_wait_for_err(&nim[0], "became leader at ", 10),
	    "%s", nim[0].err);
	char data[4200];
	snprintf(data, sizeof(data), "%s/sup", dir);
	const char *sargs[] = { "supervisor", "--zookeeper", zk_servers,
		"--slots", "2", "--data-dir", data, NULL };
	test_proc_start(&sup, sargs);
	sup_up = true;
	cr_assert(test_proc_wait_for_err(&nim[0], ") joined with ", 10),
	    "%s\n%s", nim[0].err, sup.err);

	// Paced, so that the run outlasts nimbus's absence on any machine.
	size_t cap = 30000 * 24, len = 0;
	char  *text = malloc(cap);
	for (int l = 0; l < 30000; l++) {
		len += (size_t) snprintf(
		    text + len, cap - len, "w%d x%d y\n", l % 300, l % 7);
	}
	char in[4200], out[4200], s_in[4300], s_out[4300];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	test_run r;
	gale(&r, "submit", WORDCOUNT_YAML, "--set", s_in, "--set", s_out,
	    "--set", "topology.workers=2", "--set", "sentences.rate=2000",
	    "--nimbus", nim_ep[0], NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status(nim_ep[0], "wordcount-file", "ACTIVE", 30);
	long long deadline = test_now_ms() + 20000;
	pid_t     pids[8];
	size_t    np;
	while ((np = test_worker_pids(sup.err, pids, 8)) < 2) {
		cr_assert(test_now_ms() < deadline, "%s", sup.err);
		test_proc_read(&sup, 100);
	}

	// Nimbus goes; then a worker. Its supervisor starts it again from
	// the assignment it has.
	kill(nim[0].pid, SIGKILL);
	waitpid(nim[0].pid, NULL, 0);
	nim[0].pid = 0;
	test_proc_fini(&nim[0]);
	nim_up[0] = false;
	cr_assert_eq(kill(pids[1], SIGKILL), 0);
	deadline = test_now_ms() + 20000;
	while (test_worker_pids(sup.err, pids, 8) < 3) {
		cr_assert(
		    test_now_ms() < deadline, "no restart:\n%s", sup.err);
		test_proc_read(&sup, 100);
	}

	// A nimbus on a fresh data directory reads the topology from
	// ZooKeeper, and the count completes.
	start_nimbus(1);
	cr_assert(test_proc_wait_for_err(&nim[1], "became leader at ", 15),
	    "%s", nim[1].err);
	cr_assert(strstr(nim[1].err, "reloaded topology 'wordcount-file'"),
	    "%s", nim[1].err);
	wait_status(nim_ep[1], "wordcount-file", "FINISHED", 90);
	// A worker's death may replay trees: every word at least its count.
	test_check_counts(text, len, out, true);
	free(text);
}

// Starts the supervisor on dir/sup (the same id every time).
static void
start_supervisor(void)
{
	char data[4200];
	snprintf(data, sizeof(data), "%s/sup", dir);
	const char *sargs[] = { "supervisor", "--zookeeper", zk_servers,
		"--slots", "2", "--data-dir", data, NULL };
	test_proc_start(&sup, sargs);
	sup_up = true;
}

Test(cluster_zk, a_supervisor_restarted_while_nimbus_is_down_runs_its_workers)
{
	start_zookeeper();
	start_nimbus(0);
	cr_assert(test_proc_wait_for_err(&nim[0], "became leader at ", 10),
	    "%s", nim[0].err);
	start_supervisor();
	cr_assert(test_proc_wait_for_err(&nim[0], ") joined with ", 10),
	    "%s\n%s", nim[0].err, sup.err);

	// Paced, so that the run outlasts nimbus's absence on any machine.
	size_t cap = 30000 * 24, len = 0;
	char  *text = malloc(cap);
	for (int l = 0; l < 30000; l++) {
		len += (size_t) snprintf(
		    text + len, cap - len, "w%d x%d y\n", l % 300, l % 7);
	}
	char in[4200], out[4200], s_in[4300], s_out[4300];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	test_run r;
	gale(&r, "submit", WORDCOUNT_YAML, "--set", s_in, "--set", s_out,
	    "--set", "topology.workers=2", "--set", "sentences.rate=2000",
	    "--nimbus", nim_ep[0], NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	wait_status(nim_ep[0], "wordcount-file", "ACTIVE", 30);
	long long deadline = test_now_ms() + 20000;
	pid_t     pids[8];
	while (test_worker_pids(sup.err, pids, 8) < 2) {
		cr_assert(test_now_ms() < deadline, "%s", sup.err);
		test_proc_read(&sup, 100);
	}

	// Nimbus goes; then the supervisor stops (with its workers) and
	// starts again: it knows nothing but what ZooKeeper keeps.
	kill(nim[0].pid, SIGKILL);
	waitpid(nim[0].pid, NULL, 0);
	nim[0].pid = 0;
	test_proc_fini(&nim[0]);
	nim_up[0] = false;
	kill(sup.pid, SIGTERM);
	bool timedout = false;
	test_proc_wait(&sup, 20, &timedout);
	cr_assert(!timedout, "the supervisor did not stop:\n%s", sup.err);
	test_proc_fini(&sup);
	sup_up = false;
	start_supervisor();
	cr_assert(test_proc_wait_for_err(
		      &sup, "took 1 assignment(s) from ZooKeeper", 20),
	    "%s", sup.err);
	deadline = test_now_ms() + 20000;
	while (test_worker_pids(sup.err, pids, 8) < 2) {
		cr_assert(
		    test_now_ms() < deadline, "no workers:\n%s", sup.err);
		test_proc_read(&sup, 100);
	}

	// A nimbus comes back, and the count completes.
	start_nimbus(1);
	cr_assert(test_proc_wait_for_err(&nim[1], "became leader at ", 15),
	    "%s", nim[1].err);
	wait_status(nim_ep[1], "wordcount-file", "FINISHED", 90);
	// Restarted workers may replay trees: every word at least its count.
	test_check_counts(text, len, out, true);
	free(text);
}

Test(cluster_zk, dev_zookeeper_listens_beyond_loopback_only_when_told_so)
{
	struct {
		const char *const args[6];
		const char       *want;
	} cases[] = {
		{ { "dev-zookeeper", "--listen", "10.1.2.3", NULL },
		    "gale dev-zookeeper: --listen 10.1.2.3 is not loopback, "
		    "and "
		    "this ZooKeeper has no authentication" },
		{ { "dev-zookeeper", "--listen", "zk.example", "--insecure",
		      NULL },
		    "gale dev-zookeeper: --listen 'zk.example' is not an IPv4 "
		    "address" },
		{ { "dev-zookeeper", "--listen", NULL }, "--listen" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_run r;
		test_run_gale(&r, 10, cases[i].args);
		cr_assert(!r.timedout);
		cr_assert_eq(r.status, 2, "%s", r.err);
		cr_assert_not_null(strstr(r.err, cases[i].want), "%s", r.err);
		test_run_fini(&r);
	}
}
