// SPDX-License-Identifier: MIT
// trace_cmd_test.c - live traces end to end: `gale trace` turns sampling
// on for a running cluster topology and prints its trees, which the REST
// API serves too, and `gale local --ui` serves those of a local run; and
// the stats windows of the REST API against a short test minute.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/run.h"

#define WORDCOUNT_RANDOM GALE_SOURCE_DIR "/examples/wordcount/random.yaml"

// GETs path over HTTP/1.0 and parses its JSON body; expects the status.
static json_t *
get_json(int port, const char *path, int status)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	struct sockaddr_in a
	    = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	char req[1024];
	int  n = snprintf(req, sizeof(req),
	     "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	cr_assert_eq(write(fd, req, (size_t) n), n);
	size_t cap = 1 << 16, len = 0;
	char  *buf = malloc(cap);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		cr_assert(poll(&p, 1, 10000) == 1, "GET %s: no answer", path);
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t k = read(fd, buf + len, cap - len - 1);
		cr_assert(k >= 0);
		if (k == 0) {
			break;
		}
		len += (size_t) k;
	}
	close(fd);
	buf[len]       = '\0';
	int status_got = 0;
	cr_assert(sscanf(buf, "HTTP/1.%*d %d", &status_got) == 1, "%s", buf);
	cr_assert_eq(status_got, status, "GET %s: %s", path, buf);
	char *body = strstr(buf, "\r\n\r\n");
	cr_assert(body != NULL);
	json_error_t e;
	json_t      *j = json_loads(body + 4, 0, &e);
	cr_assert(j != NULL, "GET %s: not JSON: %s", path, body);
	free(buf);
	return j;
}

static json_int_t
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_integer(v), "no integer %s", key);
	return json_integer_value(v);
}

static int
ui_port_of(test_proc *p, const char *prefix)
{
	cr_assert(test_proc_wait_for_err(p, prefix, 20), "no UI address:\n%s",
	    p->err);
	int         port = 0;
	const char *at   = strstr(strstr(p->err, prefix), "http://127.0.0.1:");
	cr_assert(at != NULL && sscanf(at, "http://127.0.0.1:%d", &port) == 1);
	return port;
}

static void
stop(test_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		bool timedout;
		int  st = test_proc_wait(p, 30, &timedout);
		cr_expect(!timedout && st == 0, "exited %d:\n%s", st, p->err);
		cr_expect(strstr(p->err, "Sanitizer") == NULL, "%s", p->err);
	}
	test_proc_fini(p);
}

// The DOM of url after headless Chromium ran its scripts (malloc'ed), or
// NULL when there is no Chromium.
static char *
chromium_dom(const char *url)
{
	if (access("/usr/bin/chromium", X_OK) != 0) {
		return NULL;
	}
	char *profile = test_tmpdir();
	char  udd[4200];
	snprintf(udd, sizeof(udd), "--user-data-dir=%s", profile);
	int out[2];
	cr_assert(pipe(out) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		dup2(out[1], 1);
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 2);
		close(out[0]);
		execl("/usr/bin/chromium", "chromium", "--headless",
		    "--no-sandbox", "--disable-gpu",
		    "--disable-background-networking",
		    "--disable-component-update", "--disable-sync",
		    "--no-first-run", udd, "--window-size=1400,1600",
		    "--virtual-time-budget=4000", "--dump-dom", url,
		    (char *) NULL);
		_exit(127);
	}
	close(out[1]);
	size_t cap = 1 << 16, len = 0;
	char  *buf    = malloc(cap);
	int    waited = 0;
	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		if (poll(&p, 1, 1000) == 0) {
			cr_assert(++waited < 90, "chromium hangs");
			continue;
		}
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t n = read(out[0], buf + len, cap - len - 1);
		if (n <= 0) {
			break;
		}
		len += (size_t) n;
	}
	buf[len] = '\0';
	close(out[0]);
	kill(-pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	test_rmtree(profile);
	free(profile);
	return buf;
}

static void
pause_100ms(void)
{
	nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
}

// Checks one sampled tree of the word count as the REST API shows it:
// the spout's emit on top, the split under it anchoring one edge per
// word, each acked by a count below it, times never before the emit.
static void
check_tree(json_t *tr)
{
	cr_assert_str_eq(
	    json_string_value(json_object_get(tr, "status")), "complete");
	cr_assert_str_eq(
	    json_string_value(json_object_get(tr, "spoutId")), "sentences");
	json_t *steps = json_object_get(tr, "steps");
	cr_assert(
	    json_array_size(steps) >= 3, "%s", json_dumps(tr, JSON_COMPACT));
	json_t *top = json_array_get(steps, 0);
	cr_assert_str_eq(
	    json_string_value(json_object_get(top, "component")), "sentences");
	cr_assert_str_eq(
	    json_string_value(json_object_get(top, "kind")), "emitted");
	cr_assert_eq(jint(top, "depth"), 0);
	cr_assert_eq(jint(top, "anchored"), 1);
	json_t *split = json_array_get(steps, 1);
	cr_assert_str_eq(
	    json_string_value(json_object_get(split, "component")), "split");
	cr_assert_eq(jint(split, "depth"), 1);
	json_int_t words = jint(split, "anchored");
	cr_assert_eq((json_int_t) json_array_size(steps), 2 + words, "%s",
	    json_dumps(tr, JSON_COMPACT));
	double end = 0;
	for (size_t i = 0; i < json_array_size(steps); i++) {
		json_t *s  = json_array_get(steps, i);
		double  at = json_real_value(json_object_get(s, "offsetMs"));
		cr_assert(at >= 0, "step %zu at %f", i, at);
		end = at > end ? at : end;
		if (i >= 2) {
			cr_assert_str_eq(
			    json_string_value(json_object_get(s, "component")),
			    "count");
			cr_assert_str_eq(
			    json_string_value(json_object_get(s, "kind")),
			    "acked");
			cr_assert_eq(jint(s, "depth"), 2);
		}
	}
	double ms = json_real_value(json_object_get(tr, "completeMs"));
	cr_assert(ms >= end - 0.001 && ms <= end + 0.001, "%f vs %f", ms, end);
}

static json_t *
traces_of(int port, const char *topo)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/topology/%s/traces", topo);
	json_t *o = get_json(port, path, 200);
	json_t *l = json_object_get(o, "traces");
	cr_assert(json_is_array(l));
	json_incref(l);
	json_decref(o);
	return l;
}

Test(trace_cmd, gale_trace_samples_a_running_cluster_topology, .timeout = 240)
{
	char *dir = test_tmpdir();
	char  nd[4200], sd[4200];
	snprintf(nd, sizeof(nd), "%s/nimbus", dir);
	snprintf(sd, sizeof(sd), "%s/sup", dir);
	test_proc   nimbus, sup, ui, tr;
	const char *nargs[] = { "nimbus", "--listen", "tcp://127.0.0.1:*",
		"--data-dir", nd, NULL };
	test_proc_start(&nimbus, nargs);
	cr_assert(test_proc_wait_for(&nimbus, "nimbus listening on ", 10),
	    "%s", nimbus.err);
	char ep[256];
	cr_assert(sscanf(strstr(nimbus.out, "nimbus listening on "),
		      "nimbus listening on %255s", ep)
	    == 1);
	const char *sargs[] = { "supervisor", "--nimbus", ep, "--slots", "2",
		"--data-dir", sd, NULL };
	test_proc_start(&sup, sargs);
	const char *uargs[]
	    = { "ui", "--nimbus", ep, "--listen", "127.0.0.1:0", NULL };
	test_proc_start(&ui, uargs);
	int port = ui_port_of(&ui, "gale ui: serving ");

	// Errors first: flags, an unknown topology, no nimbus.
	test_run    r;
	const char *bad_rate[]
	    = { "trace", "x", "--sample", "0", "--nimbus", ep, NULL };
	test_run_gale(&r, 10, bad_rate);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--sample") != NULL, "%s", r.err);
	test_run_fini(&r);
	const char *unknown[]
	    = { "trace", "no-such", "--for", "1", "--nimbus", ep, NULL };
	test_run_gale(&r, 10, unknown);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(
	    strstr(r.err, "no topology named 'no-such'") != NULL, "%s", r.err);
	test_run_fini(&r);
	const char *away[]
	    = { "trace", "x", "--nimbus", "tcp://127.0.0.1:1", NULL };
	test_run_gale(&r, 20, away);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "did not answer") != NULL, "%s", r.err);
	test_run_fini(&r);

	// An unbounded word count, paced, that samples nothing by itself.
	const char *sub[] = { "submit", WORDCOUNT_RANDOM, "--set",
		"sentences.count=1000000000", "--set", "sentences.rate=200",
		"--set", "topology.max.spout.pending=100", "--set",
		"count.print=false", "--set", "count.output=/dev/null",
		"--nimbus", ep, NULL };
	test_run_gale(&r, 10, sub);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	for (int i = 0;; i++) {
		json_t *t
		    = get_json(port, "/api/v1/topology/wordcount-random", 200);
		json_t *sp = json_array_get(json_object_get(t, "spouts"), 0);
		bool    up = sp != NULL && jint(sp, "acked") > 0;
		json_decref(t);
		if (up) {
			break;
		}
		cr_assert(i < 600, "wordcount-random never acked");
		pause_100ms();
		test_proc_read(&sup, 0);
	}
	json_t *none = traces_of(port, "wordcount-random");
	cr_assert_eq(json_array_size(none), 0);
	json_decref(none);

	// gale trace prints the trees as they come, until stopped.
	const char *targs[] = { "trace", "wordcount-random", "--sample", "1",
		"--for", "120", "--nimbus", ep, NULL };
	test_proc_start(&tr, targs);
	cr_assert(test_proc_wait_for_err(&tr,
		      "gale trace: sampling 1 of "
		      "wordcount-random's trees for "
		      "120 s",
		      10),
	    "%s", tr.err);
	cr_assert(test_proc_wait_for(&tr, "\ntrace root=", 60), "%s\n%s",
	    tr.out, tr.err);
	const char *first = strstr(tr.out, "trace root=");
	cr_assert(strstr(first, " spout=sentences:") != NULL, "%s", tr.out);
	cr_assert(strstr(first, "complete after ") != NULL, "%s", tr.out);
	cr_assert(strstr(first, "sentences:") != NULL
		&& strstr(first, " emitted, anchored 1\n") != NULL,
	    "%s", tr.out);
	cr_assert(strstr(first, "   split:") != NULL, "%s", tr.out);
	cr_assert(strstr(first, "     count:") != NULL, "%s", tr.out);
	kill(tr.pid, SIGINT);
	bool timedout;
	cr_assert_eq(test_proc_wait(&tr, 20, &timedout), 0, "%s", tr.err);
	cr_assert(
	    strstr(tr.err, "trees of wordcount-random") != NULL, "%s", tr.err);
	test_proc_fini(&tr);

	// The REST API holds the same trees, whole.
	json_t *list = traces_of(port, "wordcount-random");
	cr_assert(json_array_size(list) > 0);
	for (size_t i = 0; i < json_array_size(list); i++) {
		check_tree(json_array_get(list, i));
	}
	json_decref(list);

	// A short trace runs its time and exits 0; then nimbus turns
	// sampling back off.
	const char *short_args[] = { "trace", "wordcount-random", "--sample",
		"0.5", "--for", "1", "--nimbus", ep, NULL };
	test_run_gale(&r, 30, short_args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	cr_assert(test_proc_wait_for_err(&nimbus,
		      "topology 'wordcount-random': tracing ends", 20),
	    "%s", nimbus.err);

	// Deactivated first, so that its workers drain rather than halt.
	const char *dargs[]
	    = { "deactivate", "wordcount-random", "--nimbus", ep, NULL };
	test_run_gale(&r, 10, dargs);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	const char *kargs[] = { "kill", "wordcount-random", "--wait", "2",
		"--nimbus", ep, NULL };
	test_run_gale(&r, 10, kargs);
	test_run_fini(&r);
	// Its workers exit (after their drain) before the supervisor stops:
	// a supervisor stopped meanwhile would halt them.
	test_proc_read(&sup, 0);
	pid_t  pids[8];
	size_t np = test_worker_pids(sup.err, pids, 8);
	cr_assert(np >= 2, "%s", sup.err);
	for (int i = 0;; i++) {
		bool alive = false;
		for (size_t k = 0; k < np; k++) {
			alive |= test_pid_alive(pids[k]);
		}
		if (!alive) {
			break;
		}
		cr_assert(
		    i < 600, "the workers of the killed topology live on");
		test_proc_read(&sup, 100);
	}
	stop(&ui);
	stop(&sup);
	stop(&nimbus);
	test_rmtree(dir);
	free(dir);
}

Test(trace_cmd, gale_local_ui_serves_the_sampled_trees, .timeout = 120)
{
	char *dir = test_tmpdir();
	cr_assert(chdir(dir) == 0);
	test_proc   local;
	const char *args[] = { "local", WORDCOUNT_RANDOM, "--set",
		"sentences.count=300", "--set", "count.output=counts.tsv",
		"--set", "topology.trace.sample.rate=1", "--set",
		"topology.max.spout.pending=20", "--ui", "0", NULL };
	test_proc_start(&local, args);
	int     port = ui_port_of(&local, "gale local: web UI at ");
	json_t *list = NULL;
	for (int i = 0;; i++) {
		json_t *t
		    = get_json(port, "/api/v1/topology/wordcount-random", 200);
		bool done
		    = strcmp(json_string_value(json_object_get(t, "status")),
			  "FINISHED")
		    == 0;
		json_decref(t);
		if (done) {
			list = traces_of(port, "wordcount-random");
			break;
		}
		cr_assert(i < 600, "the local run never finished");
		// Its ackers print every tree: keep its pipes drained.
		test_proc_read(&local, 100);
	}
	// Every tree is sampled (at most 20 at once, fewer than an acker
	// follows); the UI keeps the last 32.
	cr_assert_eq(json_array_size(list), 32, "%zu", json_array_size(list));
	for (size_t i = 0; i < json_array_size(list); i++) {
		check_tree(json_array_get(list, i));
	}
	json_decref(list);
	// The topology page draws the last trees: one SVG each, every step
	// with its component, task and time.
	char url[256];
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/topology.html?id=wordcount-random", port);
	char *dom = chromium_dom(url);
	if (dom != NULL) {
		size_t      svgs = 0;
		const char *p    = dom;
		while ((p = strstr(p, "<svg class=\"trace\"")) != NULL) {
			svgs++;
			p++;
		}
		cr_assert_eq(svgs, 5, "%s", dom);
		cr_assert(
		    strstr(dom, "sentences:1 emitted, anchored 1") != NULL,
		    "%s", dom);
		cr_assert(strstr(dom, "complete after") != NULL, "%s", dom);
		cr_assert(strstr(dom, ">count:") != NULL, "%s", dom);
		free(dom);
	}
	stop(&local);
	test_rmtree(dir);
	free(dir);
}

// The acked count of the spout over a window, from GET topology/ID.
static json_int_t
spout_acked(int port, const char *window)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/topology/wordcount-random%s%s",
	    window ? "?window=" : "", window ? window : "");
	json_t    *t  = get_json(port, path, 200);
	json_t    *sp = json_array_get(json_object_get(t, "spouts"), 0);
	json_int_t n  = jint(sp, "acked");
	json_decref(t);
	return n;
}

static json_int_t
topology_acked(json_t *t, const char *window)
{
	json_t *ws = json_object_get(t, "topologyStats");
	for (size_t i = 0; i < json_array_size(ws); i++) {
		json_t *w = json_array_get(ws, i);
		if (strcmp(json_string_value(json_object_get(w, "window")),
			window)
		    == 0) {
			return jint(w, "acked");
		}
	}
	cr_assert_fail("no window %s", window);
	return -1;
}

Test(trace_cmd, stats_windows_let_old_counts_go, .timeout = 120)
{
	char *dir = test_tmpdir();
	cr_assert(chdir(dir) == 0);
	// A minute of 100 ms: the 600 s window is 1 s long, a day 144 s.
	setenv("GALE_STATS_MINUTE_MS", "100", 1);
	test_proc   local;
	const char *args[]
	    = { "local", WORDCOUNT_RANDOM, "--set", "sentences.count=2000",
		      "--set", "count.output=counts.tsv", "--ui", "0", NULL };
	test_proc_start(&local, args);
	unsetenv("GALE_STATS_MINUTE_MS");
	int port = ui_port_of(&local, "gale local: web UI at ");
	for (int i = 0;; i++) {
		json_t *t
		    = get_json(port, "/api/v1/topology/wordcount-random", 200);
		bool done
		    = strcmp(json_string_value(json_object_get(t, "status")),
			  "FINISHED")
		    == 0;
		json_decref(t);
		if (done && spout_acked(port, NULL) == 2000) {
			break;
		}
		cr_assert(i < 600, "the local run never finished");
		test_proc_read(&local, 100);
	}
	// Nothing is counted any more (the last heartbeats of the bolts may
	// still come): the short window empties, the day and all time keep
	// everything.
	for (int i = 0;; i++) {
		json_t *t
		    = get_json(port, "/api/v1/topology/wordcount-random", 200);
		json_int_t ten = topology_acked(t, "600");
		cr_assert_eq(topology_acked(t, ":all-time"), 2000);
		cr_assert_eq(topology_acked(t, "86400"), 2000);
		json_decref(t);
		json_t    *c = get_json(port,
		       "/api/v1/topology/wordcount-random/component/count"
			  "?window=600",
		       200);
		json_int_t exec
		    = jint(json_array_get(json_object_get(c, "inputStats"), 0),
			"executed");
		json_decref(c);
		if (ten == 0 && exec == 0) {
			break;
		}
		cr_assert(i < 300, "the 600 window still holds %lld, %lld",
		    (long long) ten, (long long) exec);
		test_proc_read(&local, 100);
	}
	cr_assert_eq(spout_acked(port, "600"), 0);
	cr_assert_eq(spout_acked(port, "86400"), 2000);
	cr_assert_eq(spout_acked(port, ":all-time"), 2000);
	json_t *c  = get_json(port,
	     "/api/v1/topology/wordcount-random/component/count?window=600",
	     200);
	json_t *in = json_array_get(json_object_get(c, "inputStats"), 0);
	cr_assert_eq(jint(in, "executed"), 0);
	json_t *bs = json_object_get(c, "boltStats");
	cr_assert_eq(json_array_size(bs), 4);
	cr_assert(jint(json_array_get(bs, 3), "executed") > 0);
	cr_assert_eq(jint(json_array_get(bs, 0), "executed"), 0);
	json_decref(c);
	stop(&local);
	test_rmtree(dir);
	free(dir);
}
