// SPDX-License-Identifier: MIT
// windows_test - windowed topologies run by `gale local`: a rolling count
// over a bounded input, every word counted in exactly one tumbling window
// of the right span; rolling top words, whose rankings put the
// generator's most frequent word first; a message timeout too short for a
// window, refused by validation.

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/run.h"

#define TOP_WORDS_YAML                                                        \
	GALE_SOURCE_DIR "/examples/windows/rolling-top-words.yaml"

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

TestSuite(windows, .init = setup, .fini = teardown, .timeout = 120);

static const char rolling_yaml[]
    = "name: rolling\n"
      "config: {topology.message.timeout.secs: 30}\n"
      "spouts:\n"
      "  - id: s\n"
      "    component: random_sentences\n"
      "    options: {count: 600, rate: 300, seed: 3}\n"
      "bolts:\n"
      "  - {id: split, component: split_words}\n"
      "  - id: counter\n"
      "    component: rolling_count\n"
      "    parallelism: 2\n"
      "    options: {field: word, window: 500ms, slide: 500ms}\n"
      "  - {id: out, component: log}\n"
      "streams:\n"
      "  - {from: s, to: split, grouping: {type: SHUFFLE}}\n"
      "  - {from: split, to: counter, grouping: {type: FIELDS, args: "
      "[word]}}\n"
      "  - {from: counter, to: out, grouping: {type: SHUFFLE}}\n";

#define MAX_WINDOWS 64

Test(windows, rolling_count_counts_each_word_in_one_window)
{
	char path[4096], json[4096];
	snprintf(path, sizeof(path), "%s/rolling.yaml", dir);
	snprintf(json, sizeof(json), "%s/stats.json", dir);
	cr_assert(test_write_file(path, rolling_yaml, strlen(rolling_yaml)));
	test_run r;
	test_run_gale(&r, 60,
	    (const char *const[]) {
		"local", path, "--stats-json", json, NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *stats = test_read_file(json, NULL);
	cr_assert_not_null(stats);
	double words = test_json_component(stats, "split", "emitted");
	cr_assert_gt(words, 3000);
	// Log lines: `counter:TASK default ["word", COUNT, WINDOW_END]`.
	int64_t ends[2][MAX_WINDOWS], sums[2][MAX_WINDOWS];
	size_t  nends[2] = { 0, 0 };
	int64_t total    = 0;
	for (const char *p = r.err; (p = strstr(p, "counter:")) != NULL;) {
		unsigned  task;
		char      word[64];
		long long count, end;
		if (sscanf(p, "counter:%u default [\"%63[^\"]\", %lld, %lld]",
			&task, word, &count, &end)
		    != 4) {
			p++;
			continue;
		}
		p++;
		size_t k = task % 2, i = 0;
		while (i < nends[k] && ends[k][i] != end) {
			i++;
		}
		if (i == nends[k]) {
			cr_assert_lt(nends[k], MAX_WINDOWS);
			ends[k][nends[k]]   = end;
			sums[k][nends[k]++] = 0;
		}
		sums[k][i] += count;
		total += count;
	}
	// Tumbling windows: each word is counted in exactly one of them.
	cr_assert_eq(total, (int64_t) words, "counted %lld of %.0f words",
	    (long long) total, words);
	for (size_t k = 0; k < 2; k++) {
		cr_assert_gt(nends[k], 1);
		for (size_t i = 1; i < nends[k]; i++) {
			// Windows a task activated in turn end a whole number
			// of slides apart (the last, at the end of input,
			// whenever that came).
			int64_t gap = ends[k][i] - ends[k][i - 1];
			cr_assert_gt(gap, 0);
			if (i + 1 < nends[k]) {
				cr_assert_eq(gap % 500, 0,
				    "windows %lld ms apart", (long long) gap);
			}
			// At 300 sentences of at most 12 words a second, half
			// a second holds no more than 1800 words.
			cr_assert_leq(sums[k][i], 1800);
		}
	}
	free(stats);
	test_run_fini(&r);
}

Test(windows, rolling_top_words_ranks_the_most_frequent_word_first)
{
	test_run r;
	test_run_gale(&r, 60,
	    (const char *const[]) {
		"local", TOP_WORDS_YAML, "--duration", "20", NULL });
	cr_assert_eq(r.status, 0, "%s", r.err);
	size_t lines = 0;
	for (const char *p = r.out; (p = strstr(p, "rankings ")) != NULL;
	     p++) {
		if (p != r.out && p[-1] != '\n') {
			continue;
		}
		lines++;
		// The generator's words weigh 1/(rank + 1): "the" first.
		cr_assert(strncmp(p, "rankings the=", 13) == 0, "%.80s", p);
		// Counts descend along the line.
		long long   prev = -1;
		const char *q    = p;
		const char *eol  = strchr(p, '\n');
		while (
		    (q = strchr(q, '=')) != NULL && (eol == NULL || q < eol)) {
			long long c = strtoll(q + 1, NULL, 10);
			cr_assert(prev < 0 || c <= prev, "%.120s", p);
			prev = c;
			q++;
		}
	}
	// A ranking every 5 s for 20 s, the first after the first slide:
	// three on a quiet machine, at least two on a loaded one.
	cr_assert_geq(lines, 2, "%s", r.out);
	test_run_fini(&r);
}

Test(windows, validation_refuses_a_timeout_shorter_than_the_window)
{
	test_run r;
	test_run_gale(&r, 30,
	    (const char *const[]) { "validate", TOP_WORDS_YAML, "--set",
		"topology.message.timeout.secs=30", NULL });
	cr_assert_neq(r.status, 0);
	cr_assert(strstr(r.err != NULL ? r.err : "",
		      "topology.message.timeout.secs (30) is shorter than the "
		      "window's length plus its slide (60s + 5s = 65s)")
		    != NULL
		|| strstr(r.out, "is shorter than the window's length")
		    != NULL,
	    "%s%s", r.out, r.err);
	test_run_fini(&r);
}
