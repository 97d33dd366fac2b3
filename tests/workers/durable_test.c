// SPDX-License-Identifier: MIT
// durable_test.c - sources that survive their worker: a file word count
// whose spout worker is killed resumes at the acked offset, and a socket
// word count with a write-ahead log loses no line.

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

TestSuite(durable, .init = setup, .fini = teardown, .timeout = 180);

// The pid of the worker whose `worker N pid PID port PORT: ...` line
// names component id (as "id["), or 0.
static pid_t
worker_of(const char *out, const char *id)
{
	char needle[128];
	snprintf(needle, sizeof(needle), " %s[", id);
	for (const char *l = out; l != NULL && *l != '\0';) {
		const char *nl = strchr(l, '\n');
		size_t      n  = nl != NULL ? (size_t) (nl - l) : strlen(l);
		int         pid;
		char        line[1024];
		snprintf(line, sizeof(line), "%.*s", (int) n, l);
		if (sscanf(line, "worker %*u pid %d", &pid) == 1
		    && strstr(line, needle) != NULL) {
			return (pid_t) pid;
		}
		l = nl != NULL ? nl + 1 : NULL;
	}
	return 0;
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

static long long
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long) st.st_size : -1;
}

Test(durable, killed_file_spout_resumes_at_the_acked_offset)
{
	enum { LINES = 40000, WORDS = 4, PENDING = 200 };
	enum { BOUND = PENDING + PENDING / 4 };
	size_t cap  = 2000000;
	char  *text = malloc(cap);
	size_t len  = 0;
	for (int line = 0; line < LINES; line++) {
		len += (size_t) sprintf(text + len, "x%d y%d z%d q\n",
		    line % 97, line % 13, line % 1001);
	}
	char in[4096], out[4096], state[4096], s_in[4200], s_out[4200],
	    s_state[4200], s_pending[64], offset[4300];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(offset, sizeof(offset),
	    "%s/wordcount-file.sentences.0.offset", state);
	cr_assert(test_write_file(in, text, len));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	snprintf(s_state, sizeof(s_state), "sentences.state_dir=%s", state);
	snprintf(s_pending, sizeof(s_pending), "topology.max.spout.pending=%d",
	    PENDING);
	const char *args[] = { "local", WORDCOUNT_YAML, "--set", s_in, "--set",
		s_out, "--set", s_state, "--set", "topology.workers=2",
		"--set", "topology.message.timeout.secs=3", "--set", s_pending,
		// 10,000 lines a second: the run lasts 4 s however fast the
		// machine, and the kill lands in its middle.
		"--set", "sentences.rate=10000", NULL };
	test_proc   p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	pid_t spout = worker_of(p.out, "sentences");
	cr_assert_gt(spout, 0, "no worker runs the spout:\n%s", p.out);
	// Mid-run: once the spout has kept an offset.
	double deadline = test_now_s() + 20;
	while (file_size(offset) <= 0) {
		cr_assert_lt(
		    test_now_s(), deadline, "no offset kept in 20 s:\n%s", p.err);
		test_proc_read(&p, 100);
	}
	test_proc_read(&p, 300);
	cr_assert_eq(kill(spout, SIGKILL), 0);
	bool timedout;
	int  status = test_proc_wait(&p, 120, &timedout);
	cr_assert(!timedout);
	cr_assert_eq(status, 0, "%s", p.err);
	cr_assert(strstr(p.err, "restarting") != NULL, "%s", p.err);
	cr_assert(strstr(p.err, "resuming '") != NULL,
	    "the restarted spout did not resume:\n%s", p.err);

	// Every word at least its true number of times, and no more lines
	// twice than could be pending plus those acked in one write interval
	// of the state file (at most a quarter of the pending lines, as the
	// README says).
	test_check_counts(text, len, out, true);
	long long over = total_counted(out) - (long long) LINES * WORDS;
	printf("file spout killed: over-count %lld words (%.2f%% of %d), "
	       "bound %d\n",
	    over, 100.0 * (double) over / (LINES * WORDS), LINES * WORDS,
	    BOUND * WORDS);
	cr_assert_leq(over, BOUND * WORDS,
	    "over-count %lld words exceeds %d lines (%d pending and a quarter) "
	    "of %d words",
	    over, BOUND, PENDING, WORDS);
	free(text);
	test_proc_fini(&p);
}

Test(durable, file_spout_reads_no_further_than_max_read_ahead_past_a_lost_tree)
{
	// The first line's tree never completes (its bolt never returns), so
	// the acked offset stays at byte 0 while the pending limit would let
	// the spout read on: it stops at max_read_ahead lines, and a restart
	// would read at most those again.
	enum { LINES = 5000, AHEAD = 40 };
	char  *text = malloc(16 * LINES);
	size_t len  = 0;
	for (int i = 0; i < LINES; i++) {
		len += (size_t) sprintf(text + len, "l%d\n", i);
	}
	char in[4096], state[4096], yaml[16384], path[4096];
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	cr_assert(test_write_file(in, text, len));
	free(text);
	snprintf(yaml, sizeof(yaml),
	    "name: ahead\n"
	    "config: {topology.workers: 1, topology.max.spout.pending: 1000}\n"
	    "spouts:\n"
	    "  - {id: sentences, component: file_lines,\n"
	    "     options: {path: %s, state_dir: %s, max_read_ahead: %d}}\n"
	    "bolts:\n"
	    "  - {id: stuck, component: fake_stuck_bolt, library: %s}\n"
	    "streams:\n"
	    "  - {from: sentences, to: stuck, grouping: {type: SHUFFLE}}\n",
	    in, state, AHEAD, FAKE_LIB);
	snprintf(path, sizeof(path), "%s/ahead.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, NULL };
	test_proc   p;
	test_proc_start(&p, args);
	char want[128];
	snprintf(want, sizeof(want),
	    "%d lines read past byte 0, which is not acked yet", AHEAD);
	bool said = test_proc_wait_for_err(&p, want, 30);
	kill(-p.pid, SIGKILL);
	bool timedout;
	test_proc_wait(&p, 20, &timedout);
	cr_assert(said, "no stop at %d lines:\n%s", AHEAD, p.err);
	test_proc_fini(&p);
}

// Marks the words "w<i>" of the "(w<i>, n)" lines printed since *at.
static void
mark_printed(const char *out, size_t *at, bool *seen, int n, int *nseen)
{
	const char *p = out + *at;
	const char *nl;
	while ((nl = strchr(p, '\n')) != NULL) {
		int i;
		if (sscanf(p, "(w%d,", &i) == 1 && i >= 0 && i < n
		    && !seen[i]) {
			seen[i] = true;
			(*nseen)++;
		}
		p = nl + 1;
	}
	*at = (size_t) (p - out);
}

Test(durable, socket_spout_with_wal_loses_nothing_when_killed)
{
	enum { LINES = 20000 };
	test_line_server srv;
	test_line_server_open(&srv);
	char yaml[8192], path[4096], wal[1024];
	snprintf(wal, sizeof(wal), "%s/wal", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: walcount\n"
	    "config: {topology.workers: 2, topology.max.spout.pending: 50,\n"
	    "         topology.message.timeout.secs: 3}\n"
	    "spouts:\n"
	    "  - {id: sentences, component: socket_lines,\n"
	    "     options: {port: %d, wal: %s}}\n"
	    "bolts:\n"
	    "  - {id: split, component: split_words, parallelism: 2}\n"
	    "  - {id: count, component: word_count, parallelism: 2,\n"
	    "     options: {print: true}}\n"
	    "streams:\n"
	    "  - {from: sentences, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - {from: split, to: count, grouping: {type: FIELDS, args: "
	    "[word]}}\n",
	    srv.port, wal);
	snprintf(path, sizeof(path), "%s/wal.yaml", dir);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, NULL };
	test_proc   p;
	test_proc_start(&p, args);
	cr_assert(test_line_server_accept(&srv, 20),
	    "the spout never connected:\n%s", p.err);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	pid_t spout = worker_of(p.out, "sentences");
	cr_assert_gt(spout, 0, "no worker runs the spout:\n%s", p.out);

	// Every line at once: the spout logs them as fast as they come.
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
	// Once the log holds every line, before the topology is through
	// them, the spout's worker dies.
	double deadline = test_now_s() + 30;
	while (test_wal_bytes(wal) < logged) {
		cr_assert_lt(test_now_s(), deadline,
		    "the log holds %lld of %lld bytes", test_wal_bytes(wal),
		    logged);
		test_proc_read(&p, 50);
	}
	cr_assert_eq(kill(spout, SIGKILL), 0);
	test_line_server_hangup(&srv);

	// Every line is counted at least once: each w<i> printed.
	static bool seen[LINES];
	int         nseen = 0;
	size_t      at    = 0;
	deadline          = test_now_s() + 120;
	while (nseen < LINES) {
		cr_assert_lt(test_now_s(), deadline,
		    "%d of %d lines counted in 120 s:\n%s", nseen, LINES,
		    p.err);
		test_proc_read(&p, 100);
		mark_printed(p.out, &at, seen, LINES, &nseen);
	}
	cr_assert(strstr(p.err, "restarting") != NULL, "%s", p.err);
	cr_assert(strstr(p.err, "replaying ") != NULL,
	    "the restarted spout replayed nothing:\n%s", p.err);
	kill(-p.pid, SIGINT);
	bool timedout;
	int  status = test_proc_wait(&p, 60, &timedout);
	cr_assert(!timedout);
	cr_assert_eq(status, 0, "%s", p.err);
	test_line_server_close(&srv);
	test_proc_fini(&p);
}
