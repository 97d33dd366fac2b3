// SPDX-License-Identifier: MIT
// wordcount_test.c - tests of the word count table, part files and merge.

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "components/wordcount.h"
#include "components/wordcount_impl.h"
#include <inttypes.h>

static char tmpdir[64];
static char output[128];
static char err[512];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/gale-wc-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(output, sizeof(output), "%s/counts.tsv", tmpdir);
	err[0] = '\0';
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(wordcount, .init = setup, .fini = teardown);

static bool
file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

// The whole content of path (malloc'ed), or NULL when it does not exist.
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	char  *buf = NULL;
	size_t cap = 0;
	*len       = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		size_t n = fread(buf + *len, 1, cap - *len, f);
		if (n == 0) {
			break;
		}
		*len += n;
	}
	fclose(f);
	return buf;
}

static void
spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void
part_path(char *buf, uint32_t index)
{
	cr_assert_eq(gale__wc_part_path(buf, 256, output, index), GALE_OK);
}

// A word with n, written so that the words of different n differ.
static size_t
make_word(char *buf, size_t n)
{
	return (size_t) sprintf(buf, "w%zx", n * 2654435761u % 1000003u);
}

static void
add(gale_wc *w, const char *word, size_t len, int64_t delta)
{
	cr_assert_eq(gale__wc_add(w, word, len, delta, NULL), GALE_OK);
}

Test(wordcount, table_counts_many_words_across_growth)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	enum { N = 100000 };
	char buf[32];
	// Word i is added i % 5 + 1 times, interleaved across rounds.
	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < N; i++) {
			if ((size_t) round <= i % 5) {
				int64_t c;
				size_t  len = make_word(buf, i);
				cr_assert_eq(gale__wc_add(w, buf, len, 1, &c),
				    GALE_OK);
				cr_assert_eq(c, round + 1);
			}
		}
	}
	cr_assert_eq(gale__wc_size(w), N);
	for (size_t i = 0; i < N; i++) {
		size_t len = make_word(buf, i);
		cr_assert_eq(gale__wc_get(w, buf, len), (int64_t) (i % 5 + 1));
	}
	cr_assert_eq(gale__wc_get(w, "absent", 6), 0);
	// The walk visits each word once, with its count.
	size_t      cursor = 0, seen = 0, wlen;
	const char *word;
	int64_t     count, sum = 0;
	while (gale__wc_iter(w, &cursor, &word, &wlen, &count)) {
		cr_assert_eq(count, gale__wc_get(w, word, wlen));
		seen++;
		sum += count;
	}
	cr_assert_eq(seen, N);
	cr_assert_eq(sum, (int64_t) N / 5 * (1 + 2 + 3 + 4 + 5));
	gale__wc_destroy(&w);
	cr_assert_null(w);
	gale__wc_destroy(&w);
}

Test(wordcount, table_keeps_any_bytes_and_long_words)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	size_t big = 200 * 1024;
	char  *long_word = malloc(big);
	cr_assert_not_null(long_word);
	memset(long_word, 'z', big);
	add(w, long_word, big, 2);
	add(w, "a\0b", 3, 1);
	add(w, "a", 1, 7);
	add(w, "", 0, 3);
	add(w, "\xff\xfe", 2, 1);
	long_word[big - 1] = 'y';
	add(w, long_word, big, 5);
	cr_assert_eq(gale__wc_size(w), 6);
	cr_assert_eq(gale__wc_get(w, "a\0b", 3), 1);
	cr_assert_eq(gale__wc_get(w, "a\0c", 3), 0);
	cr_assert_eq(gale__wc_get(w, "a", 1), 7);
	cr_assert_eq(gale__wc_get(w, "", 0), 3);
	cr_assert_eq(gale__wc_get(w, long_word, big), 5);
	long_word[big - 1] = 'z';
	cr_assert_eq(gale__wc_get(w, long_word, big), 2);
	free(long_word);
	gale__wc_destroy(&w);
}

// A tracked (stored) table refuses a new word holding a newline, as its
// part holds one word per line; an untracked table keeps any bytes.
Test(wordcount, a_stored_table_refuses_words_holding_a_newline)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	add(w, "a\nb", 3, 1);
	cr_assert_eq(gale__wc_get(w, "a\nb", 3), 1);
	gale__wc_destroy(&w);
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	add(w, "ab", 2, 1);
	int64_t count = -1;
	cr_expect_eq(gale__wc_add(w, "a\nb", 3, 1, &count), GALE_EINVAL);
	cr_expect_eq(gale__wc_add(w, "\n", 1, 1, &count), GALE_EINVAL);
	cr_expect_eq(count, -1);
	cr_expect_eq(gale__wc_get(w, "a\nb", 3), 0);
	cr_expect_eq(gale__wc_size(w), 1);
	cr_expect_eq(gale__wc_changed(w), 1, "only 'ab' changed");
	add(w, "ab", 2, 1);
	cr_expect_eq(gale__wc_get(w, "ab", 2), 2);
	gale__wc_destroy(&w);
}

// Words of every length up to 24 that differ in one byte only, at every
// position: the hash reads short words in overlapping pieces, and none of
// them may be taken for another.
Test(wordcount, table_tells_apart_words_differing_in_any_one_byte)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	char buf[24];
	for (size_t len = 1; len <= sizeof(buf); len++) {
		memset(buf, 'a', len);
		add(w, buf, len, 1);
		for (size_t at = 0; at < len; at++) {
			buf[at] = 'b';
			add(w, buf, len, (int64_t) (len * 100 + at + 2));
			buf[at] = 'a';
		}
	}
	for (size_t len = 1; len <= sizeof(buf); len++) {
		memset(buf, 'a', len);
		cr_assert_eq(gale__wc_get(w, buf, len), 1);
		for (size_t at = 0; at < len; at++) {
			buf[at] = 'b';
			cr_assert_eq(gale__wc_get(w, buf, len),
			    (int64_t) (len * 100 + at + 2), "len %zu at %zu",
			    len, at);
			buf[at] = 'a';
		}
	}
	cr_assert_eq(gale__wc_size(w), sizeof(buf) * (sizeof(buf) + 3) / 2);
	gale__wc_destroy(&w);
}

// The walk goes in the order words were first added, whatever the growth
// of the table in between.
Test(wordcount, table_walks_words_in_the_order_they_came)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	enum { N = 5000 };
	char buf[32];
	for (size_t i = 0; i < N; i++) {
		size_t len = make_word(buf, N - 1 - i);
		add(w, buf, len, 1);
		add(w, buf, len, 1);
	}
	size_t      cursor = 0, i = 0, wlen;
	const char *word;
	int64_t     count;
	while (gale__wc_iter(w, &cursor, &word, &wlen, &count)) {
		size_t len = make_word(buf, N - 1 - i);
		cr_assert_eq(wlen, len);
		cr_assert_arr_eq(word, buf, len);
		cr_assert_eq(count, 2);
		i++;
	}
	cr_assert_eq(i, N);
	gale__wc_destroy(&w);
}

// A count is written as printf writes it, at every number of digits and
// at both limits.
Test(wordcount, counts_are_formatted_as_printf_does)
{
	int64_t edge[] = { 0, 1, 9, 10, 99, 100, 101, 999, 1000, 12345,
		-1, -9, -10, -100, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	char    got[WC_COUNT_MAX + 1], want[64];
	uint64_t state = 3;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]) + 20000; i++) {
		int64_t c;
		if (i < sizeof(edge) / sizeof(edge[0])) {
			c = edge[i];
		} else {
			// Every magnitude: a random value, cut to a random
			// width.
			uint64_t r = gale_random_u64(&state);
			c = (int64_t) (r >> (gale_random_u64(&state) % 64));
		}
		size_t n = gale__wc_format_count(got, c);
		cr_assert_leq(n, WC_COUNT_MAX);
		got[n] = '\0';
		snprintf(want, sizeof(want), "\t%" PRId64 "\n", c);
		cr_assert_str_eq(got, want);
	}
}

Test(wordcount, table_counts_saturate)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	int64_t c;
	add(w, "x", 1, INT64_MAX - 1);
	cr_assert_eq(gale__wc_add(w, "x", 1, 5, &c), GALE_OK);
	cr_assert_eq(c, INT64_MAX);
	gale__wc_destroy(&w);
}

Test(wordcount, part_round_trips_words_and_header)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	static const struct {
		const char *word;
		size_t      len;
		int64_t     count;
	} words[] = {
		{ "plain", 5, 3 },
		{ "nul\0inside", 10, 12 },
		{ "\xc3\xa9t\xc3\xa9", 6, 1 },
		{ "\xff", 1, 9000000000 },
		{ "tab\there", 8, 2 },
	};
	size_t nwords = sizeof(words) / sizeof(words[0]);
	for (size_t i = 0; i < nwords; i++) {
		add(w, words[i].word, words[i].len, words[i].count);
	}
	cr_assert_eq(gale__wc_write_part(w, output, "run 7", 2, 3, false, err,
	                 sizeof(err)),
	    GALE_OK, "%s", err);
	char path[256];
	part_path(path, 2);
	cr_assert(file_exists(path));

	gale_wc *r;
	cr_assert_eq(gale__wc_new(&r), GALE_OK);
	gale_wc_header h;
	cr_assert_eq(gale__wc_read_part(r, path, &h, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_str_eq(h.run_id, "run 7");
	cr_assert_eq(h.index, 2);
	cr_assert_eq(h.ntasks, 3);
	cr_assert_not(h.final);
	cr_assert_eq(gale__wc_size(r), nwords);
	for (size_t i = 0; i < nwords; i++) {
		cr_assert_eq(gale__wc_get(r, words[i].word, words[i].len),
		    words[i].count, "word %zu", i);
	}
	gale__wc_destroy(&r);

	// Written again as final, with an empty run id.
	cr_assert_eq(gale__wc_write_part(
	                 w, output, "", 2, 3, true, err, sizeof(err)),
	    GALE_OK);
	cr_assert_eq(gale__wc_read_part(NULL, path, &h, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_str_eq(h.run_id, "");
	cr_assert(h.final);
	gale__wc_destroy(&w);
}

Test(wordcount, part_file_starts_with_the_documented_header)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	add(w, "hello", 5, 4);
	cr_assert_eq(gale__wc_write_part(
	                 w, output, "r1", 0, 1, false, err, sizeof(err)),
	    GALE_OK);
	char path[256];
	part_path(path, 0);
	size_t len;
	char  *text = slurp(path, &len);
	cr_assert_not_null(text);
	static const char want[] = "#gale-wordcount r1 0 1 partial\n"
				   "hello\t4\n";
	cr_assert_eq(len, sizeof(want) - 1);
	cr_assert(memcmp(text, want, len) == 0);
	free(text);
	gale__wc_destroy(&w);
}

Test(wordcount, restore_loads_a_part_of_the_same_run)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	add(w, "kept", 4, 11);
	cr_assert_eq(gale__wc_write_part(
	                 w, output, "run-a", 1, 2, false, err, sizeof(err)),
	    GALE_OK);
	gale__wc_destroy(&w);

	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	bool restored = false;
	cr_assert_eq(gale__wc_restore(w, output, "run-a", 1, 2, &restored,
	                 err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert(restored);
	cr_assert_eq(gale__wc_get(w, "kept", 4), 11);
	gale__wc_destroy(&w);
}

Test(wordcount, restore_removes_a_stale_part_of_another_run)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	add(w, "old", 3, 5);
	cr_assert_eq(gale__wc_write_part(
	                 w, output, "run-old", 0, 1, true, err, sizeof(err)),
	    GALE_OK);
	gale__wc_destroy(&w);

	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	bool restored = true;
	cr_assert_eq(gale__wc_restore(w, output, "run-new", 0, 1, &restored,
	                 err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_not(restored);
	cr_assert_eq(gale__wc_size(w), 0);
	char path[256];
	part_path(path, 0);
	cr_assert_not(file_exists(path));
	// Nothing there is nothing to restore.
	cr_assert_eq(gale__wc_restore(w, output, "run-new", 0, 1, &restored,
	                 err, sizeof(err)),
	    GALE_OK);
	cr_assert_not(restored);
	gale__wc_destroy(&w);
}

Test(wordcount, restore_rejects_a_part_of_this_run_from_another_layout)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	cr_assert_eq(gale__wc_write_part(
	                 w, output, "run-a", 0, 2, false, err, sizeof(err)),
	    GALE_OK);
	bool restored;
	cr_assert_eq(gale__wc_restore(w, output, "run-a", 0, 3, &restored,
	                 err, sizeof(err)),
	    GALE_EPROTO);
	cr_assert_not_null(strstr(err, ".part-0"), "%s", err);
	gale__wc_destroy(&w);
}

// A string literal and its length without the terminating NUL.
#define TEXT(s) s, sizeof(s) - 1

Test(wordcount, malformed_parts_are_errors_naming_file_and_line)
{
	char path[256];
	part_path(path, 0);
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale_wc_header h;
	static const struct {
		const char *text;
		size_t      len;
		const char *where;
	} bad[] = {
		{ TEXT(""), ":1:" },
		{ TEXT("\x7f"
		       "ELF\x02\x01\x01\0\0\0"),
		    ":1:" },
		{ TEXT("#gale-wordcount r 0 1 done\n"), ":1:" },
		{ TEXT("#gale-wordcount r 1 1 final\n"), ":1:" },
		{ TEXT("#gale-wordcount r x 1 final\n"), ":1:" },
		{ TEXT("#gale-wordcount 0 1\n"), ":1:" },
		{ TEXT("#gale-wordcount r 0 1 final\nok\t1\nnotab\n"), ":3:" },
		{ TEXT("#gale-wordcount r 0 1 final\nw\t-1\n"), ":2:" },
		{ TEXT("#gale-wordcount r 0 1 final\n"
		       "w\t99999999999999999999\n"),
		    ":2:" },
		{ TEXT("#gale-wordcount r 0 1 final\nw\t1\ncut\t2"), ":3:" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		spit(path, bad[i].text, bad[i].len);
		err[0] = '\0';
		cr_assert_eq(gale__wc_read_part(w, path, &h, err, sizeof(err)),
		    GALE_EPROTO, "case %zu", i);
		cr_assert_not_null(strstr(err, path), "case %zu: %s", i, err);
		cr_assert_not_null(
		    strstr(err, bad[i].where), "case %zu: %s", i, err);
	}
	gale__wc_destroy(&w);
}

Test(wordcount, write_into_a_missing_directory_names_the_file)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	char bad[256];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/out", tmpdir);
	cr_assert_eq(gale__wc_write_part(
	                 w, bad, "r", 0, 1, false, err, sizeof(err)),
	    GALE_EIO);
	cr_assert_not_null(strstr(err, bad), "%s", err);
	gale__wc_destroy(&w);
}

// Writes the final part index of 3 for run "R" holding the given words.
static void
write_part3(uint32_t index, const char *const *words, const size_t *lens,
    const int64_t *counts, size_t n, bool final, const char *run)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	for (size_t i = 0; i < n; i++) {
		add(w, words[i], lens[i], counts[i]);
	}
	cr_assert_eq(gale__wc_write_part(
	                 w, output, run, index, 3, final, err, sizeof(err)),
	    GALE_OK, "%s", err);
	gale__wc_destroy(&w);
}

static const char *const p0_words[] = { "b", "a", "\xff" };
static const size_t      p0_lens[]  = { 1, 1, 1 };
static const int64_t     p0_counts[] = { 1, 2, 1 };
static const char *const p1_words[]  = { "a", "B", "ab" };
static const size_t      p1_lens[]   = { 1, 1, 2 };
static const int64_t     p1_counts[] = { 3, 4, 1 };
static const char *const p2_words[]  = { "b", "a\0z", "a" };
static const size_t      p2_lens[]   = { 1, 3, 1 };
static const int64_t     p2_counts[] = { 5, 2, 10 };
// The sums, sorted bytewise: 'B' (0x42) < 'a' < "a\0z" < "ab" < 'b' < 0xff.
static const char merged_want[] =
    "B\t4\na\t15\na\0z\t2\nab\t1\nb\t6\n\xff\t1\n";

static void
check_merged_output(void)
{
	size_t len;
	char  *text = slurp(output, &len);
	cr_assert_not_null(text, "no output file");
	cr_assert_eq(len, sizeof(merged_want) - 1);
	cr_assert(memcmp(text, merged_want, len) == 0);
	free(text);
	for (uint32_t i = 0; i < 3; i++) {
		char path[256];
		part_path(path, i);
		cr_assert_not(file_exists(path), "part %u left", i);
	}
}

Test(wordcount, merge_of_three_parts_sums_and_sorts_bytewise)
{
	write_part3(0, p0_words, p0_lens, p0_counts, 3, true, "R");
	write_part3(1, p1_words, p1_lens, p1_counts, 3, true, "R");
	write_part3(2, p2_words, p2_lens, p2_counts, 3, true, "R");
	bool merged = false;
	cr_assert_eq(
	    gale__wc_merge(output, "R", 3, &merged, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert(merged);
	check_merged_output();
}

Test(wordcount, merge_waits_until_every_part_is_final)
{
	bool merged = true;
	write_part3(0, p0_words, p0_lens, p0_counts, 3, true, "R");
	write_part3(1, p1_words, p1_lens, p1_counts, 3, true, "R");
	// Part 2 missing.
	cr_assert_eq(
	    gale__wc_merge(output, "R", 3, &merged, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_not(merged);
	// Part 2 partial.
	write_part3(2, p2_words, p2_lens, p2_counts, 3, false, "R");
	cr_assert_eq(
	    gale__wc_merge(output, "R", 3, &merged, err, sizeof(err)),
	    GALE_OK);
	cr_assert_not(merged);
	// Part 2 final, but of another run.
	write_part3(2, p2_words, p2_lens, p2_counts, 3, true, "S");
	cr_assert_eq(
	    gale__wc_merge(output, "R", 3, &merged, err, sizeof(err)),
	    GALE_OK);
	cr_assert_not(merged);
	cr_assert_not(file_exists(output));
	for (uint32_t i = 0; i < 3; i++) {
		char path[256];
		part_path(path, i);
		cr_assert(file_exists(path), "part %u removed", i);
	}
	write_part3(2, p2_words, p2_lens, p2_counts, 3, true, "R");
	cr_assert_eq(
	    gale__wc_merge(output, "R", 3, &merged, err, sizeof(err)),
	    GALE_OK);
	cr_assert(merged);
	check_merged_output();
}

static void
table3(gale_wc **w, uint32_t index)
{
	const char *const *words[] = { p0_words, p1_words, p2_words };
	const size_t      *lens[]  = { p0_lens, p1_lens, p2_lens };
	const int64_t     *counts[] = { p0_counts, p1_counts, p2_counts };
	cr_assert_eq(gale__wc_new(w), GALE_OK);
	for (size_t i = 0; i < 3; i++) {
		add(*w, words[index][i], lens[index][i], counts[index][i]);
	}
}

Test(wordcount, finish_merges_when_the_last_task_ends)
{
	char lock[256];
	snprintf(lock, sizeof(lock), "%s.lock", output);
	for (uint32_t i = 0; i < 3; i++) {
		gale_wc *w;
		table3(&w, i);
		bool merged = true;
		cr_assert_eq(gale__wc_finish(w, output, "R", i, 3, &merged,
		                 err, sizeof(err)),
		    GALE_OK, "%s", err);
		cr_assert_eq(merged, i == 2, "task %u", i);
		cr_assert(!file_exists(lock), "task %u left %s", i, lock);
		gale__wc_destroy(&w);
	}
	check_merged_output();
}

Test(wordcount, finish_merges_exactly_once_when_tasks_end_together)
{
	// Several rounds, each with a fresh run id, so that the three
	// processes race on the lock in different orders.
	for (int round = 0; round < 20; round++) {
		char run[16];
		snprintf(run, sizeof(run), "R%d", round);
		pid_t pids[3];
		for (uint32_t i = 0; i < 3; i++) {
			pids[i] = fork();
			cr_assert_geq(pids[i], 0);
			if (pids[i] == 0) {
				gale_wc *w;
				table3(&w, i);
				bool     merged = false;
				gale_err rv     = gale__wc_finish(w, output,
				        run, i, 3, &merged, err, sizeof(err));
				gale__wc_destroy(&w);
				_exit(rv != GALE_OK ? 2 : merged ? 1 : 0);
			}
		}
		int merges = 0;
		for (int i = 0; i < 3; i++) {
			int status;
			cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
			cr_assert(WIFEXITED(status));
			cr_assert_neq(WEXITSTATUS(status), 2);
			merges += WEXITSTATUS(status);
		}
		cr_assert_eq(merges, 1, "round %d", round);
		// Whichever order they took the lock in, none is left.
		char lock[256];
		snprintf(lock, sizeof(lock), "%s.lock", output);
		cr_assert(!file_exists(lock), "round %d left %s", round, lock);
		check_merged_output();
		cr_assert_eq(unlink(output), 0);
	}
}

// ---------------------------------------------------------------------
// Incremental stores
// ---------------------------------------------------------------------

static void
store(gale_wc_part *p, gale_wc *w)
{
	cr_assert_eq(
	    gale__wc_part_store(p, w, err, sizeof(err)), GALE_OK, "%s", err);
}

// Reads part index into a fresh table.
static gale_wc *
reread(uint32_t index, gale_wc_header *h)
{
	char path[256];
	part_path(path, index);
	gale_wc *r;
	cr_assert_eq(gale__wc_new(&r), GALE_OK);
	cr_assert_eq(gale__wc_read_part(r, path, h, err, sizeof(err)), GALE_OK,
	    "%s", err);
	return r;
}

Test(wordcount, store_appends_only_the_changed_words)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	char word[32];
	for (size_t i = 0; i < 1000; i++) {
		add(w, word, make_word(word, i), (int64_t) i + 1);
	}
	cr_assert_eq(gale__wc_changed(w), 1000);
	gale_wc_part *p;
	cr_assert_eq(
	    gale__wc_part_new(&p, output, "r", 0, 1, err, sizeof(err)),
	    GALE_OK, "%s", err);
	store(p, w); // the first store rewrites the part whole
	cr_assert_eq(gale__wc_part_rewrites(p), 1);
	cr_assert_eq(gale__wc_changed(w), 0);
	char path[256];
	part_path(path, 0);
	size_t len0;
	free(slurp(path, &len0));

	// Two words change: the part grows by their two records only.
	add(w, word, make_word(word, 3), 10);
	add(w, word, make_word(word, 3), 10);
	add(w, "new", 3, 1);
	cr_assert_eq(gale__wc_changed(w), 2);
	store(p, w);
	cr_assert_eq(gale__wc_part_rewrites(p), 1);
	size_t len1;
	char  *text = slurp(path, &len1);
	char   want[64];
	int    n = snprintf(want, sizeof(want), "%.*s\t24\nnew\t1\n",
	       (int) make_word(word, 3), word);
	cr_assert_eq(len1 - len0, (size_t) n);
	cr_assert(memcmp(text + len0, want, (size_t) n) == 0);
	free(text);
	// Nothing changed: nothing written.
	store(p, w);
	size_t len2;
	free(slurp(path, &len2));
	cr_assert_eq(len2, len1);

	// The later record of a word replaces the earlier one.
	gale_wc_header h;
	gale_wc       *r = reread(0, &h);
	cr_assert_not(h.final);
	cr_assert_eq(gale__wc_size(r), 1001);
	cr_assert_eq(gale__wc_get(r, word, make_word(word, 3)), 24);
	cr_assert_eq(gale__wc_get(r, word, make_word(word, 999)), 1000);
	cr_assert_eq(gale__wc_get(r, "new", 3), 1);
	gale__wc_destroy(&r);
	gale__wc_part_destroy(&p);
	gale__wc_destroy(&w);
}

// A store whose append fails (here the file size limit) is taken back
// whole: the part reads as before it, and the next store that succeeds
// appends the counts it missed.
Test(wordcount, a_failed_store_is_taken_back_and_made_up_by_the_next)
{
	signal(SIGXFSZ, SIG_IGN);
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	char word[32];
	for (size_t i = 0; i < 100; i++) {
		add(w, word, make_word(word, i), 1);
	}
	gale_wc_part *p;
	cr_assert_eq(
	    gale__wc_part_new(&p, output, "r", 0, 1, err, sizeof(err)),
	    GALE_OK, "%s", err);
	store(p, w);
	add(w, "one", 3, 1);
	store(p, w);
	char path[256];
	part_path(path, 0);
	size_t before;
	free(slurp(path, &before));

	// 20,000 changed words (180 kB) need three buffers: the first write
	// goes through, the second is cut short at the limit.
	for (size_t i = 0; i < 20000; i++) {
		add(w, word, make_word(word, i), 1);
	}
	struct rlimit was, lim;
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	lim          = was;
	lim.rlim_cur = (rlim_t) before + 70 * 1024;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(gale__wc_part_store(p, w, err, sizeof(err)), GALE_EIO);
	cr_assert(strstr(err, path) != NULL, "%s", err);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	size_t after;
	free(slurp(path, &after));
	cr_assert_eq(
	    after, before, "%zu bytes left of a failed store", after - before);
	gale_wc_header h;
	gale_wc       *r = reread(0, &h);
	cr_assert_eq(gale__wc_get(r, word, make_word(word, 0)), 1);
	cr_assert_eq(gale__wc_get(r, "one", 3), 1);
	gale__wc_destroy(&r);

	store(p, w);
	r = reread(0, &h);
	cr_assert_eq(gale__wc_size(r), 20001);
	cr_assert_eq(gale__wc_get(r, word, make_word(word, 0)), 2);
	cr_assert_eq(gale__wc_get(r, word, make_word(word, 19999)), 1);
	cr_assert_eq(gale__wc_get(r, "one", 3), 1);
	gale__wc_destroy(&r);
	gale__wc_part_destroy(&p);
	gale__wc_destroy(&w);
}

Test(wordcount, store_compacts_once_the_log_outgrows_the_part)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	gale_wc_part *p;
	cr_assert_eq(
	    gale__wc_part_new(&p, output, "r", 0, 1, err, sizeof(err)),
	    GALE_OK);
	char word[32];
	for (size_t i = 0; i < 100; i++) {
		add(w, word, make_word(word, i), 1);
	}
	store(p, w);
	// The same 100 words, changed in every store: the log grows while
	// the table does not, until a rewrite folds it in.
	char path[256];
	part_path(path, 0);
	size_t most = 0;
	for (int round = 0; round < 3000; round++) {
		for (size_t i = 0; i < 100; i++) {
			add(w, word, make_word(word, i), 1);
		}
		store(p, w);
		size_t len;
		free(slurp(path, &len));
		most = len > most ? len : most;
	}
	cr_assert_gt(gale__wc_part_rewrites(p), 1);
	cr_assert_lt(most, 8 * 1024 * 1024, "the log reached %zu bytes", most);
	gale_wc_header h;
	gale_wc       *r = reread(0, &h);
	cr_assert_eq(gale__wc_size(r), 100);
	for (size_t i = 0; i < 100; i++) {
		cr_assert_eq(gale__wc_get(r, word, make_word(word, i)), 3001);
	}
	gale__wc_destroy(&r);
	gale__wc_part_destroy(&p);
	gale__wc_destroy(&w);
}

Test(wordcount, a_torn_last_record_of_a_partial_part_is_skipped)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	gale_wc_part *p;
	cr_assert_eq(
	    gale__wc_part_new(&p, output, "run", 0, 1, err, sizeof(err)),
	    GALE_OK);
	add(w, "a", 1, 1);
	add(w, "b", 1, 2);
	store(p, w);
	add(w, "a", 1, 5);
	store(p, w);
	gale__wc_part_destroy(&p);
	gale__wc_destroy(&w);
	// A crash in the middle of the next append: "b\t7\n" cut short, in
	// the word, after the tab and in the count.
	char path[256];
	part_path(path, 0);
	static const char *const torn[] = { "b", "b\t", "b\t7", "zz" };
	for (size_t k = 0; k < sizeof(torn) / sizeof(torn[0]); k++) {
		size_t len;
		char  *text = slurp(path, &len);
		FILE  *f    = fopen(path, "ab");
		cr_assert_not_null(f);
		fputs(torn[k], f);
		fclose(f);
		// A restarted task continues from the complete records.
		cr_assert_eq(gale__wc_new(&w), GALE_OK);
		bool restored = false;
		cr_assert_eq(gale__wc_restore(w, output, "run", 0, 1,
				 &restored, err, sizeof(err)),
		    GALE_OK, "case %zu: %s", k, err);
		cr_assert(restored);
		cr_assert_eq(gale__wc_size(w), 2, "case %zu", k);
		cr_assert_eq(gale__wc_get(w, "a", 1), 6);
		cr_assert_eq(gale__wc_get(w, "b", 1), 2);
		// Its first store rewrites the part without the torn piece,
		// and later appends read back whole.
		gale__wc_track(w);
		cr_assert_eq(gale__wc_part_new(
				 &p, output, "run", 0, 1, err, sizeof(err)),
		    GALE_OK);
		add(w, "b", 1, 1);
		store(p, w);
		add(w, "b", 1, 1);
		store(p, w);
		gale__wc_part_destroy(&p);
		gale__wc_destroy(&w);
		gale_wc_header h;
		gale_wc       *r = reread(0, &h);
		cr_assert_eq(gale__wc_get(r, "b", 1), 4, "case %zu", k);
		cr_assert_eq(gale__wc_get(r, "a", 1), 6);
		gale__wc_destroy(&r);
		// Back to the state before this case.
		spit(path, text, len);
		free(text);
	}
	// A final part is written whole: a cut there is an error.
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	add(w, "a", 1, 1);
	cr_assert_eq(gale__wc_write_part(
			 w, output, "run", 0, 1, true, err, sizeof(err)),
	    GALE_OK);
	FILE *f = fopen(path, "ab");
	fputs("b\t7", f);
	fclose(f);
	gale_wc_header h;
	cr_assert_eq(
	    gale__wc_read_part(w, path, &h, err, sizeof(err)), GALE_EPROTO);
	cr_assert_not_null(strstr(err, "truncated"), "%s", err);
	gale__wc_destroy(&w);
}

// A kill can cut an append of several buffers anywhere: a restarted task
// reads every word at least at the count of the last whole store (whose
// acks may have left), and at most at the count of the cut one.
Test(wordcount, a_store_cut_at_any_byte_restores_no_count_below_the_last)
{
	enum { NWORDS = 9000 };
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	gale_wc_part *p;
	cr_assert_eq(
	    gale__wc_part_new(&p, output, "run", 0, 1, err, sizeof(err)),
	    GALE_OK);
	char word[32];
	for (int i = 0; i < NWORDS; i++) {
		int n = snprintf(word, sizeof(word), "word-%05d", i);
		add(w, word, (size_t) n, 1);
	}
	store(p, w); // the first store: a rewrite
	for (int i = 0; i < NWORDS; i++) {
		int n = snprintf(word, sizeof(word), "word-%05d", i);
		add(w, word, (size_t) n, 1);
	}
	store(p, w); // every word appended: more than one buffer
	char path[256];
	part_path(path, 0);
	size_t whole;
	char  *before = slurp(path, &whole);
	for (int i = 0; i < NWORDS; i++) {
		int n = snprintf(word, sizeof(word), "word-%05d", i);
		add(w, word, (size_t) n, 1);
	}
	store(p, w); // the store the kill cuts
	gale__wc_part_destroy(&p);
	gale__wc_destroy(&w);
	size_t len;
	char  *after = slurp(path, &len);
	cr_assert_gt(len - whole, 64 * 1024, "the append fits one buffer");
	cr_assert_eq(memcmp(before, after, whole), 0);
	// Cuts at every buffer boundary and around it, and at a spread of
	// other bytes.
	for (size_t cut = whole; cut <= len; cut += 1) {
		size_t off = cut - whole;
		bool   near_block = off % (64 * 1024) <= 2
		    || off % (64 * 1024) >= 64 * 1024 - 2;
		if (!near_block && off % 1009 != 0 && cut != len) {
			continue;
		}
		spit(path, after, cut);
		cr_assert_eq(gale__wc_new(&w), GALE_OK);
		bool restored = false;
		cr_assert_eq(gale__wc_restore(w, output, "run", 0, 1,
				 &restored, err, sizeof(err)),
		    GALE_OK, "cut at %zu: %s", cut, err);
		cr_assert(restored);
		cr_assert_eq(gale__wc_size(w), NWORDS, "cut at %zu", cut);
		for (int i = 0; i < NWORDS; i++) {
			int     n = snprintf(word, sizeof(word), "word-%05d", i);
			int64_t c = gale__wc_get(w, word, (size_t) n);
			cr_assert(c == 2 || c == 3, "cut at %zu: %s counted %ld",
			    cut, word, (long) c);
		}
		gale__wc_destroy(&w);
	}
	free(before);
	free(after);
}

Test(wordcount, merge_reads_logged_parts_as_their_latest_counts)
{
	// Two tasks' logs, each with rewritten words, finished as final parts
	// by gale__wc_finish: the output holds each word once, summed.
	for (uint32_t i = 0; i < 2; i++) {
		gale_wc *w;
		cr_assert_eq(gale__wc_new(&w), GALE_OK);
		gale__wc_track(w);
		gale_wc_part *p;
		cr_assert_eq(
		    gale__wc_part_new(&p, output, "m", i, 2, err, sizeof(err)),
		    GALE_OK);
		for (int round = 0; round < 3; round++) {
			add(w, "both", 4, 1);
			add(w, i == 0 ? "zero" : "one", i == 0 ? 4 : 3, 2);
			store(p, w);
		}
		gale__wc_part_destroy(&p);
		// A partial part read as a log, merged as its latest counts.
		gale_wc_header h;
		gale_wc       *r = reread(i, &h);
		cr_assert_eq(gale__wc_get(r, "both", 4), 3);
		gale__wc_destroy(&r);
		bool merged;
		cr_assert_eq(gale__wc_finish(w, output, "m", i, 2, &merged,
				 err, sizeof(err)),
		    GALE_OK, "%s", err);
		cr_assert_eq(merged, i == 1);
		gale__wc_destroy(&w);
	}
	size_t len;
	char  *text = slurp(output, &len);
	cr_assert_not_null(text);
	static const char want[] = "both\t6\none\t6\nzero\t6\n";
	cr_assert_eq(len, sizeof(want) - 1);
	cr_assert(memcmp(text, want, len) == 0);
	free(text);
}

Test(wordcount, store_keeps_words_longer_than_its_buffer)
{
	gale_wc *w;
	cr_assert_eq(gale__wc_new(&w), GALE_OK);
	gale__wc_track(w);
	gale_wc_part *p;
	cr_assert_eq(
	    gale__wc_part_new(&p, output, "r", 0, 1, err, sizeof(err)),
	    GALE_OK);
	store(p, w); // an empty part: the header only
	size_t len       = 200000;
	char  *long_word = malloc(len);
	cr_assert_not_null(long_word);
	memset(long_word, 'x', len);
	add(w, "short", 5, 1);
	add(w, long_word, len, 3);
	add(w, "after", 5, 2);
	store(p, w);
	gale_wc_header h;
	gale_wc       *r = reread(0, &h);
	cr_assert_eq(gale__wc_size(r), 3);
	cr_assert_eq(gale__wc_get(r, long_word, len), 3);
	cr_assert_eq(gale__wc_get(r, "after", 5), 2);
	cr_assert_eq(gale__wc_get(r, "short", 5), 1);
	gale__wc_destroy(&r);
	free(long_word);
	gale__wc_part_destroy(&p);
	gale__wc_destroy(&w);
}
