// SPDX-License-Identifier: MIT
// bolts_test.c - tests of the built-in bolts as they run under `gale local`:
// file_lines -> split_words -> word_count, with and without a component
// reading word_count's updates.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/run.h"

// Writes a text of lines lines, line i holding i % 7 words (some lines
// are empty), words of 1 to 11 bytes; returns the number of words.
static long
write_text(const char *path, int lines)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	long words = 0;
	for (int i = 0; i < lines; i++) {
		for (int k = 0; k < i % 7; k++) {
			int w = (i * 31 + k * 17) % 97;
			fprintf(f, "%s%.*s%d", k > 0 ? (k % 3 ? " " : "\t") : "",
			    w % 9, "abcdefghij", w);
			words++;
		}
		fputc('\n', f);
	}
	cr_assert_eq(fclose(f), 0);
	return words;
}

// Runs the word count of a text of lines lines, with a null_bolt reading
// word_count's updates when sink; returns the stats JSON (caller frees).
static char *
run_count(const char *dir, int lines, bool sink, long *words)
{
	char text[4096], yaml[8192], path[4096], stats[4096];
	snprintf(text, sizeof(text), "%s/text.txt", dir);
	snprintf(path, sizeof(path), "%s/count.yaml", dir);
	snprintf(stats, sizeof(stats), "%s/stats.json", dir);
	*words = write_text(text, lines);
	snprintf(yaml, sizeof(yaml),
	    "name: bolts-count\n"
	    "spouts:\n"
	    "  - {id: lines, component: file_lines,\n"
	    "     options: {path: %s, resume: false}}\n"
	    "bolts:\n"
	    "  - {id: split, component: split_words, parallelism: 2}\n"
	    "  - {id: count, component: word_count, parallelism: 2}\n"
	    "%s"
	    "streams:\n"
	    "  - {from: lines, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - {from: split, to: count,\n"
	    "     grouping: {type: FIELDS, args: [word]}}\n"
	    "%s",
	    text, sink ? "  - {id: sink, component: null_bolt}\n" : "",
	    sink ? "  - {from: count, to: sink, grouping: {type: SHUFFLE}}\n"
		 : "");
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, "--stats-json", stats, NULL };
	test_run   r;
	test_run_gale(&r, 120, args);
	cr_assert(!r.timedout, "gale local did not finish:\n%s", r.err);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s", r.status,
	    r.err);
	test_run_fini(&r);
	char *json = test_read_file(stats, NULL);
	cr_assert_not_null(json);
	return json;
}

Test(bolts, word_count_updates_reach_a_subscriber_one_per_word)
{
	char *dir = test_tmpdir();
	long  words;
	char *json = run_count(dir, 3000, true, &words);
	cr_assert_eq(test_json_component(json, "lines", "acked"), 3000, "%s",
	    json);
	cr_assert_eq(test_json_component(json, "split", "emitted"), words);
	cr_assert_eq(test_json_component(json, "count", "executed"), words);
	cr_assert_eq(test_json_component(json, "count", "emitted"), words);
	cr_assert_eq(test_json_component(json, "sink", "executed"), words,
	    "%s", json);
	free(json);
	test_rmtree(dir);
	free(dir);
}

// Nothing reads the updates: word_count counts every word and emits
// nothing, and every line is still acked.
Test(bolts, word_count_without_a_subscriber_counts_and_emits_nothing)
{
	char *dir = test_tmpdir();
	long  words;
	char *json = run_count(dir, 3000, false, &words);
	cr_assert_eq(test_json_component(json, "lines", "acked"), 3000, "%s",
	    json);
	cr_assert_eq(test_json_component(json, "count", "executed"), words);
	cr_assert_eq(test_json_component(json, "count", "emitted"), 0, "%s",
	    json);
	free(json);
	test_rmtree(dir);
	free(dir);
}
