// SPDX-License-Identifier: MIT
// local_test.c - `gale local` end to end: word count, groupings,
// backpressure and a worker dying, on real worker processes.

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/lines.h"
#include "tests/support/run.h"
#include "tests/support/words.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"

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

TestSuite(local, .init = setup, .fini = teardown, .timeout = 120);

// ---------------------------------------------------------------------
// Word count, checked against an independent count of the same file.
// ---------------------------------------------------------------------

// Runs the file word count over content with extra --set arguments, and
// checks that every word's count is exactly (or, with at_least, at least)
// what an independent count gives. Returns the stats JSON.
static char *
run_wordcount(const char *content, size_t len, const char *const *extra,
    bool at_least)
{
	char in[4096], out[4096], json[4096], s_in[4200], s_out[4200];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	cr_assert(test_write_file(in, content, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	const char *args[32] = { "local", WORDCOUNT_YAML, "--set", s_in,
		"--set", s_out, "--set", "topology.workers=2", "--stats-json",
		json };
	size_t na = 10;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		args[na++] = extra[i];
	}
	args[na] = NULL;
	test_run r;
	test_run_gale(&r, 90, args);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	cr_assert(!r.timedout);
	pid_t  pids[16];
	size_t np = test_worker_pids(r.out, pids, 16);
	cr_assert_eq(np, 2, "expected 2 worker lines:\n%s", r.out);
	for (size_t i = 0; i < np; i++) {
		cr_assert(!test_pid_alive(pids[i]), "worker %d still runs",
		    (int) pids[i]);
	}

	test_check_counts(content, len, out, at_least);
	test_run_fini(&r);
	return test_read_file(json, NULL);
}

static size_t
count_lines(const char *text, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		n += text[i] == '\n';
	}
	return n + (len > 0 && text[len - 1] != '\n');
}

Test(local, wordcount_of_awkward_text_matches_uniq_count)
{
	// Empty lines, runs of every whitespace, CRLF, punctuation, bytes
	// that are not ASCII, a long line and no final newline.
	size_t cap  = 400000;
	char  *text = malloc(cap);
	size_t len  = 0;
	len += (size_t) sprintf(text + len,
	    "the quick brown fox\n\n\nthe  lazy\tdog\r\n"
	    "hi, hi hi. Hi\v\fend\n   \n\xc3\xa9t\xc3\xa9 caf\xc3\xa9 "
	    "\xff\xfe raw\x01bytes\n");
	for (int i = 0; i < 30000; i++) {
		len += (size_t) sprintf(text + len, "w%d ", i % 977);
	}
	text[len++] = '\n';
	len += (size_t) sprintf(text + len, "last line without newline");
	char *json = run_wordcount(text, len, NULL, false);
	cr_assert_not_null(json);
	size_t lines = count_lines(text, len);
	cr_assert_eq(test_json_component(json, "sentences", "emitted"),
	    (double) lines, "%s", json);
	cr_assert_eq(test_json_component(json, "sentences", "acked"),
	    (double) lines, "%s", json);
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 0, "%s", json);
	free(json);
	free(text);
}

Test(local, wordcount_of_many_lines_matches_uniq_count)
{
	size_t   cap  = 2000000;
	char    *text = malloc(cap);
	size_t   len  = 0;
	uint64_t x    = 12345;
	for (int line = 0; line < 20000; line++) {
		int words = (int) (x % 12);
		for (int k = 0; k < words; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			len += (size_t) sprintf(
			    text + len, "%sword%u", k ? " " : "",
			    (unsigned) ((x >> 33) % 5000));
		}
		text[len++] = '\n';
	}
	char *json = run_wordcount(text, len, NULL, false);
	free(json);
	free(text);
}

Test(local, wordcount_of_empty_file_leaves_empty_output)
{
	char *json = run_wordcount("", 0, NULL, false);
	cr_assert_not_null(json);
	cr_assert_eq(test_json_component(json, "sentences", "emitted"), 0);
	free(json);
}

Test(local, wordcount_with_failures_replays_until_every_line_is_acked)
{
	size_t cap  = 200000;
	char  *text = malloc(cap);
	size_t len  = 0;
	for (int line = 0; line < 3000; line++) {
		len += (size_t) sprintf(text + len, "a%d b%d c\n", line % 50,
		    line % 7);
	}
	const char *extra[] = { "--set", "count.fail_rate=0.05", "--set",
		"topology.message.timeout.secs=3", NULL };
	char *json = run_wordcount(text, len, extra, true);
	cr_assert_not_null(json);
	cr_assert_eq(test_json_component(json, "sentences", "acked"), 3000,
	    "%s", json);
	cr_assert_gt(test_json_component(json, "sentences", "failed"), 0,
	    "%s", json);
	cr_assert_gt(test_json_component(json, "sentences", "replayed"), 0,
	    "%s", json);
	free(json);
	free(text);
}

// ---------------------------------------------------------------------
// Groupings, proven on running topologies with recording bolts.
// ---------------------------------------------------------------------

typedef struct record {
	unsigned src, task;
	char     key[32];
	long     seq;
} record;

// Runs a spout of `count` numbered keys into recorders with the given
// grouping, and reads back what each recorder task received.
// run_grouping with one more line of config (conf: "key: value", or "").
static record *
run_grouping_with(const char *conf, const char *grouping_yaml, int workers,
    int spouts, int recorders, long count, size_t *n, char **out)
{
	char yaml[8192], path[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: grouping\n"
	    "config:\n"
	    "  topology.workers: %d\n"
	    "  topology.message.timeout.secs: 10\n"
	    "  %s\n"
	    "spouts:\n"
	    "  - id: keys\n"
	    "    component: fake_keys_spout\n"
	    "    library: %s\n"
	    "    parallelism: %d\n"
	    "    options: {count: %ld, keys: 40}\n"
	    "bolts:\n"
	    "  - id: rec\n"
	    "    component: fake_record_bolt\n"
	    "    library: %s\n"
	    "    parallelism: %d\n"
	    "    options: {dir: %s}\n"
	    "streams:\n"
	    "  - from: keys\n"
	    "    to: rec\n"
	    "    grouping: %s\n",
	    workers, conf, FAKE_LIB, spouts, count, FAKE_LIB, recorders, dir,
	    grouping_yaml);
	snprintf(path, sizeof(path), "%s/grouping.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, NULL };
	test_run    r;
	test_run_gale(&r, 60, args);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);

	record *recs = NULL;
	size_t  nr = 0, cap = 0;
	for (unsigned task = 1; task <= 64; task++) {
		snprintf(path, sizeof(path), "%s/record-rec-%u.tsv", dir, task);
		char *text = test_read_file(path, NULL);
		if (text == NULL) {
			continue;
		}
		char *line = text;
		record rec;
		int    used;
		while (sscanf(line, "%u\t%u\t%31s\t%ld\n%n", &rec.src, &rec.task,
		           rec.key, &rec.seq, &used) == 4) {
			if (nr == cap) {
				cap  = cap ? cap * 2 : 1024;
				recs = realloc(recs, cap * sizeof(*recs));
			}
			recs[nr++] = rec;
			line += used;
		}
		free(text);
	}
	*n   = nr;
	*out = r.out;
	r.out = NULL;
	test_run_fini(&r);
	return recs;
}

static record *
run_grouping(const char *grouping_yaml, int workers, int spouts,
    int recorders, long count, size_t *n, char **out)
{
	return run_grouping_with(
	    "", grouping_yaml, workers, spouts, recorders, count, n, out);
}

// The first task id of rec: spouts come first, so rec starts after them.
Test(local, shuffle_spreads_tuples_evenly)
{
	size_t  n;
	char   *out;
	record *r = run_grouping_with(
	    "topology.disable.loadaware.messaging: true", "{type: SHUFFLE}", 2,
	    1, 4, 4000, &n, &out);
	cr_assert_eq(n, 4000);
	long per[8] = { 0 };
	for (size_t i = 0; i < n; i++) {
		cr_assert(r[i].task >= 2 && r[i].task <= 5);
		per[r[i].task - 2]++;
	}
	for (int t = 0; t < 4; t++) {
		cr_assert_eq(per[t], 1000, "task %d got %ld of 4000", t + 2,
		    per[t]);
	}
	free(r);
	free(out);
}

// The spout's task 1 is on worker 0 with "rec" tasks 3 and 5; tasks 2 and
// 4 are on worker 1. The local tasks get every tuple while they keep up,
// and never less than their share when they do not.
Test(local, shuffle_prefers_the_tasks_of_its_worker)
{
	size_t  n;
	char   *out;
	record *r = run_grouping("{type: SHUFFLE}", 2, 1, 4, 4000, &n, &out);
	cr_assert_eq(n, 4000);
	long per[8] = { 0 };
	for (size_t i = 0; i < n; i++) {
		cr_assert(r[i].task >= 2 && r[i].task <= 5);
		per[r[i].task]++;
	}
	cr_assert_gt(per[3] + per[5], per[2] + per[4],
	    "local %ld + %ld, remote %ld + %ld", per[3], per[5], per[2],
	    per[4]);
	cr_assert_gt(per[3], 0);
	cr_assert_gt(per[5], 0);
	free(r);
	free(out);
}

Test(local, fields_sends_each_key_to_one_task)
{
	size_t  n;
	char   *out;
	record *r = run_grouping(
	    "{type: FIELDS, args: [key]}", 2, 2, 3, 1500, &n, &out);
	cr_assert_eq(n, 3000); // two spout tasks, 1500 each
	char     keys[64][32];
	unsigned owner[64];
	size_t   nk    = 0;
	bool     used[8] = { false };
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < nk && strcmp(keys[k], r[i].key) != 0) {
			k++;
		}
		if (k == nk) {
			strcpy(keys[nk], r[i].key);
			owner[nk++] = r[i].task;
		}
		cr_assert_eq(owner[k], r[i].task, "key %s went to %u and %u",
		    r[i].key, owner[k], r[i].task);
		used[r[i].task - 3] = true;
	}
	cr_assert_eq(nk, 40);
	for (int t = 0; t < 3; t++) {
		cr_assert(used[t], "task %d got no key", t + 3);
	}
	free(r);
	free(out);
}

Test(local, all_sends_every_tuple_to_every_task)
{
	size_t  n;
	char   *out;
	record *r = run_grouping("{type: ALL}", 2, 1, 3, 500, &n, &out);
	cr_assert_eq(n, 1500);
	long per[8] = { 0 };
	for (size_t i = 0; i < n; i++) {
		per[r[i].task - 2]++;
	}
	for (int t = 0; t < 3; t++) {
		cr_assert_eq(per[t], 500);
	}
	free(r);
	free(out);
}

Test(local, global_sends_everything_to_the_lowest_task)
{
	size_t  n;
	char   *out;
	record *r = run_grouping("{type: GLOBAL}", 2, 2, 3, 300, &n, &out);
	cr_assert_eq(n, 600); // two spout tasks, 300 each
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(r[i].task, 3, "tuple went to task %u", r[i].task);
	}
	free(r);
	free(out);
}

Test(local, none_spreads_like_shuffle)
{
	size_t  n;
	char   *out;
	record *r = run_grouping("{type: NONE}", 1, 1, 2, 1000, &n, &out);
	cr_assert_eq(n, 1000);
	long per[4] = { 0 };
	for (size_t i = 0; i < n; i++) {
		per[r[i].task - 2]++;
	}
	cr_assert_eq(per[0], 500);
	cr_assert_eq(per[1], 500);
	free(r);
	free(out);
}

// Which worker runs task, from the `worker N pid P port Q: c[t,...]` lines.
static int
worker_of(const char *out, unsigned task)
{
	const char *p = out;
	int         w;
	while ((p = strstr(p, "worker ")) != NULL) {
		if (sscanf(p, "worker %d", &w) != 1) {
			p++;
			continue;
		}
		const char *eol = strchr(p, '\n');
		const char *c   = strchr(p, ':');
		while (c != NULL && c < eol) {
			c = strpbrk(c + 1, "[,");
			if (c == NULL || c > eol) {
				break;
			}
			if ((unsigned) strtoul(c + 1, NULL, 10) == task) {
				return w;
			}
		}
		p = eol ? eol : p + 1;
	}
	return -1;
}

Test(local, local_or_shuffle_stays_in_the_worker)
{
	size_t  n;
	char   *out;
	record *r = run_grouping(
	    "{type: LOCAL_OR_SHUFFLE}", 2, 2, 4, 1000, &n, &out);
	cr_assert_eq(n, 2000); // two spout tasks, 1000 each
	for (size_t i = 0; i < n; i++) {
		int ws = worker_of(out, r[i].src);
		int wt = worker_of(out, r[i].task);
		cr_assert(ws >= 0 && wt >= 0, "placement unknown:\n%s", out);
		cr_assert_eq(ws, wt, "task %u (worker %d) sent to task %u "
		                     "(worker %d)",
		    r[i].src, ws, r[i].task, wt);
	}
	free(r);
	free(out);
}

Test(local, direct_reaches_the_task_the_emitter_names)
{
	char yaml[8192], path[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: direct\n"
	    "config: {topology.workers: 2}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 900, keys: 30}}\n"
	    "bolts:\n"
	    "  - {id: director, component: fake_director_bolt, library: %s,\n"
	    "     options: {target: rec}}\n"
	    "  - {id: rec, component: fake_record_bolt, library: %s,\n"
	    "     parallelism: 3, options: {dir: %s}}\n"
	    "streams:\n"
	    "  - {from: keys, to: director, grouping: {type: SHUFFLE}}\n"
	    "  - {from: director, to: rec, grouping: {type: DIRECT}}\n",
	    FAKE_LIB, FAKE_LIB, FAKE_LIB, dir);
	snprintf(path, sizeof(path), "%s/direct.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, NULL };
	test_run    run;
	test_run_gale(&run, 60, args);
	cr_assert_eq(run.status, 0, "%s\n%s", run.out, run.err);
	long total = 0;
	for (unsigned task = 3; task <= 5; task++) {
		snprintf(path, sizeof(path), "%s/record-rec-%u.tsv", dir, task);
		char *text = test_read_file(path, NULL);
		cr_assert_not_null(text, "task %u wrote nothing", task);
		char    *line = text;
		unsigned src, t;
		char     key[32];
		long     seq;
		int      used;
		while (sscanf(line, "%u\t%u\t%31s\t%ld\n%n", &src, &t, key, &seq,
		           &used) == 4) {
			cr_assert_eq(3 + (unsigned) (seq % 3), t,
			    "seq %ld reached task %u", seq, t);
			total++;
			line += used;
		}
		free(text);
	}
	cr_assert_eq(total, 900);
	test_run_fini(&run);
}

// ---------------------------------------------------------------------
// Backpressure and failures.
// ---------------------------------------------------------------------

static long
vm_hwm_kb(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		return -1;
	}
	char line[256];
	long kb = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return kb;
}

Test(local, slow_bolt_slows_the_spout_without_timeouts)
{
	// No max.spout.pending: only backpressure keeps the spout from
	// flooding the slow bolt, so memory stays bounded and no tree times
	// out merely from queueing.
	char yaml[8192], path[4096], json[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: slow\n"
	    "config: {topology.workers: 2, topology.message.timeout.secs: 10}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 60000, keys: 100}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     options: {sleep_us: 100}}\n"
	    "  - {id: rec, component: fake_record_bolt, library: %s,\n"
	    "     options: {dir: %s}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n"
	    "  - {from: slow, to: rec, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB, FAKE_LIB, dir);
	snprintf(path, sizeof(path), "%s/slow.yaml", dir);
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, "--stats-json", json, NULL };
	test_proc   p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	pid_t  pids[4];
	size_t np = test_worker_pids(p.out, pids, 4);
	cr_assert_eq(np, 2);
	long peak = 0;
	int  status;
	// Sample the workers' peak memory until the run ends, for at most
	// 90 s (100 ms a round).
	double start = test_now_s();
	for (;;) {
		for (size_t i = 0; i < np; i++) {
			long kb = vm_hwm_kb(pids[i]);
			peak    = kb > peak ? kb : peak;
		}
		pid_t r = waitpid(p.pid, &status, WNOHANG);
		if (r == p.pid) {
			p.pid = 0;
			break;
		}
		cr_assert_lt(test_now_s() - start, 90,
		    "the run did not end in 90 s:\n%s", p.err);
		test_proc_read(&p, 100);
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", p.err);
#ifndef GALE_TEST_SANITIZED
	cr_assert_lt(peak, 64 * 1024, "a worker grew to %ld kB", peak);
#endif
	char *stats = test_read_file(json, NULL);
	cr_assert_not_null(stats);
	cr_assert_eq(test_json_component(stats, "keys", "acked"), 60000, "%s",
	    stats);
	cr_assert_eq(test_json_component(stats, "keys", "timedout"), 0, "%s",
	    stats);
	cr_assert_eq(test_json_component(stats, "keys", "failed"), 0);
	free(stats);
	test_proc_fini(&p);
}

Test(local, killed_count_worker_is_restarted_and_nothing_is_lost)
{
	size_t cap  = 3000000;
	char  *text = malloc(cap);
	size_t len  = 0;
	for (int line = 0; line < 60000; line++) {
		len += (size_t) sprintf(text + len, "x%d y%d z%d q\n", line % 97,
		    line % 13, line % 1001);
	}
	char in[4096], out[4096], json[4096], s_in[4200], s_out[4200];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	cr_assert(test_write_file(in, text, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	// The spout reads 20,000 lines a second: the run lasts 3 s however
	// fast the machine, and the kill lands in it.
	const char *args[] = { "local", WORDCOUNT_YAML, "--set", s_in, "--set",
		s_out, "--set", "sentences.rate=20000", "--set",
		"topology.workers=2", "--set",
		"topology.message.timeout.secs=3", "--set",
		"topology.max.spout.pending=200", "--stats-json", json, NULL };
	test_proc p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	pid_t  pids[4];
	size_t np = test_worker_pids(p.out, pids, 4);
	cr_assert_eq(np, 2);
	// Worker 1 runs a count task (tasks are dealt round-robin).
	usleep(300 * 1000);
	cr_assert_eq(kill(pids[1], SIGKILL), 0);
	bool timedout;
	int  status = test_proc_wait(&p, 90, &timedout);
	cr_assert(!timedout);
	cr_assert_eq(status, 0, "%s", p.err);
	cr_assert(strstr(p.err, "restarting") != NULL, "%s", p.err);

	test_check_counts(text, len, out, true);
	char *stats = test_read_file(json, NULL);
	cr_assert_geq(test_json_component(stats, "sentences", "acked"), 60000,
	    "%s", stats);
	free(stats);
	free(text);
	test_proc_fini(&p);
}

Test(local, max_spout_pending_bounds_the_trees_in_flight)
{
	char yaml[8192], path[4096], json[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: pending\n"
	    "config: {topology.workers: 2, topology.max.spout.pending: 37}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 5000, keys: 10}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     parallelism: 2, options: {sleep_us: 50}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB);
	snprintf(path, sizeof(path), "%s/pending.yaml", dir);
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, "--stats-json", json, NULL };
	test_run    r;
	test_run_gale(&r, 60, args);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	char *stats = test_read_file(json, NULL);
	cr_assert_not_null(stats);
	double peak = test_json_component(stats, "keys", "pending_peak");
	cr_assert(peak >= 1 && peak <= 37, "pending peaked at %g:\n%s", peak,
	    stats);
	cr_assert_eq(test_json_component(stats, "keys", "acked"), 5000);
	free(stats);
	test_run_fini(&r);
}

// A bolt whose callback never returns cannot keep its worker alive: sent
// SIGTERM (as its controller's death sends it), the worker waits
// topology.executor.stuck.secs for its tasks, names the one that did not
// stop, and exits with an error instead of living on as an orphan.
Test(local, a_worker_stuck_in_a_callback_still_stops)
{
	char yaml[8192], path[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: stuckstop\n"
	    "config: {topology.workers: 1, topology.executor.stuck.secs: 1}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 100, keys: 10}}\n"
	    "bolts:\n"
	    "  - {id: stuck, component: fake_stuck_bolt, library: %s}\n"
	    "streams:\n"
	    "  - {from: keys, to: stuck, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB, FAKE_LIB);
	snprintf(path, sizeof(path), "%s/stuckstop.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, NULL };
	// The worker ends on purpose without joining its task threads (one
	// never returns): ThreadSanitizer is told not to report that as a
	// leak, in this run only.
	const char *tsan = getenv("TSAN_OPTIONS");
	char       *saved = tsan != NULL ? strdup(tsan) : NULL;
	char        opts[2048];
	snprintf(opts, sizeof(opts), "%s%sreport_thread_leaks=0",
	    tsan != NULL ? tsan : "", tsan != NULL && tsan[0] ? ":" : "");
	setenv("TSAN_OPTIONS", opts, 1);
	test_proc p;
	test_proc_start(&p, args);
	if (saved != NULL) {
		setenv("TSAN_OPTIONS", saved, 1);
		free(saved);
	} else {
		unsetenv("TSAN_OPTIONS");
	}
	cr_assert(test_proc_wait_for_err(&p, "stuck:2 is stuck", 30), "%s",
	    p.err);
	pid_t pids[4];
	cr_assert_eq(test_worker_pids(p.out, pids, 4), 1, "%s", p.out);
	cr_assert_eq(kill(pids[0], SIGTERM), 0);
	bool said = test_proc_wait_for_err(&p,
	    "stopping took over 1 s: stuck:2 has not stopped (a callback "
	    "does not return); exiting without it",
	    15);
	long long deadline = test_now_ms() + 5000;
	while (test_pid_alive(pids[0]) && test_now_ms() < deadline) {
		test_proc_read(&p, 50);
	}
	bool gone = !test_pid_alive(pids[0]);
	kill(-p.pid, SIGKILL);
	bool timedout;
	test_proc_wait(&p, 20, &timedout);
	cr_assert(said, "%s", p.err);
	cr_assert(gone, "the stuck worker %d still runs", (int) pids[0]);
	test_proc_fini(&p);
}

Test(local, socket_lines_are_counted_while_streaming_and_sigint_stops)
{
	test_line_server srv;
	test_line_server_open(&srv);
	char s_port[64];
	snprintf(s_port, sizeof(s_port), "sentences.port=%d", srv.port);
	const char *args[] = { "local",
		GALE_SOURCE_DIR "/examples/wordcount/socket.yaml", "--set",
		s_port, NULL };
	test_proc p;
	test_proc_start(&p, args);
	cr_assert(test_line_server_accept(&srv, 20),
	    "the spout never connected:\n%s", p.err);
	const char *lines = "hello world\nhello gale\n";
	test_line_server_send(&srv, lines, strlen(lines));
	cr_assert(test_proc_wait_for(&p, "(hello, 2)", 20),
	    "no count printed:\n%s\n%s", p.out, p.err);
	cr_assert(
	    test_proc_wait_for(&p, "(world, 1)", 20), "%s\n%s", p.out, p.err);
	cr_assert(
	    test_proc_wait_for(&p, "(gale, 1)", 20), "%s\n%s", p.out, p.err);
	// A second batch of lines, typed later, is counted too.
	const char *more = "gale gale\n";
	test_line_server_send(&srv, more, strlen(more));
	cr_assert(
	    test_proc_wait_for(&p, "(gale, 3)", 20), "%s\n%s", p.out, p.err);
	// Ctrl-C: the terminal signals the whole process group.
	kill(-p.pid, SIGINT);
	bool timedout;
	int  status = test_proc_wait(&p, 60, &timedout);
	cr_assert(!timedout);
	cr_assert_eq(status, 0, "%s", p.err);
	cr_assert(strstr(p.out, "sentences") != NULL, "no final table:\n%s",
	    p.out);
	// Two count tasks print at once: every update is a line of its own,
	// "(WORD, N)", never cut into by the other's.
	size_t updates = 0;
	for (const char *l = p.out; *l != '\0';) {
		const char *end = strchr(l, '\n');
		size_t      len = end != NULL ? (size_t) (end - l) : strlen(l);
		if (memchr(l, '(', len) != NULL
		    && strncmp(l, "worker ", 7) != 0) {
			char word[64];
			int  count, used = 0;
			bool ok = l[0] == '('
			    && sscanf(
				   l, "(%63[^,], %d)%n", word, &count, &used)
				== 2
			    && (size_t) used == len;
			cr_assert(ok, "a cut line: '%.*s' in:\n%s", (int) len,
			    l, p.out);
			updates++;
		}
		l += len + (end != NULL);
	}
	cr_assert_geq(updates, 6, "%s", p.out);
	test_line_server_close(&srv);
	test_proc_fini(&p);
}

Test(local, sampled_trees_are_printed_whole_as_they_complete)
{
	const char *text = "alpha beta\ngamma\n";
	const char *extra[] = { "--set", "topology.trace.sample.rate=1",
		NULL };
	char in[4096], s_in[4200];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	cr_assert(test_write_file(in, text, strlen(text)));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	const char *args[] = { "local", WORDCOUNT_YAML, "--set", s_in,
		extra[0], extra[1], NULL };
	test_run r;
	test_run_gale(&r, 60, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	// Two lines, two trees: each from the spout through split to count.
	const char *p = r.err;
	int         n = 0;
	while ((p = strstr(p, "trace root=")) != NULL) {
		n++;
		p++;
	}
	cr_assert_eq(n, 2, "%s", r.err);
	cr_assert(strstr(r.err, "sentences:1 emitted, anchored") != NULL, "%s",
	    r.err);
	cr_assert(strstr(r.err, "split:") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "count:") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "not acked") == NULL, "%s", r.err);
	test_run_fini(&r);
}
