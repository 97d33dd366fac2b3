// SPDX-License-Identifier: MIT
// lines_test.c - tests of the line buffer, file line reader, replay queue
// and line store.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "components/lines.h"

static char tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/gale-lines-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(lines, .init = setup, .fini = teardown);

// Writes len bytes to a new file in the test's directory; returns its path
// in path (PATH_MAX bytes).
static void
write_file(char *path, const char *name, const void *data, size_t len)
{
	snprintf(path, 4096, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

// The expected lines of data: splits at '\n' independently of the code
// under test, a last line without '\n' included.
typedef struct want_line {
	size_t off;
	size_t len;
} want_line;

static size_t
split_expected(const char *data, size_t len, want_line *out, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			cr_assert_lt(n, max);
			out[n++] = (want_line) { start, i - start };
			start    = i + 1;
		}
	}
	if (start < len) {
		cr_assert_lt(n, max);
		out[n++] = (want_line) { start, len - start };
	}
	return n;
}

static void
check_file(const char *data, size_t len)
{
	char path[4096];
	write_file(path, "in.txt", data, len);
	want_line want[64];
	size_t    nwant = split_expected(data, len, want, 64);

	gale_line_reader *r;
	cr_assert_eq(gale__line_reader_open(&r, path), GALE_OK);
	for (size_t i = 0; i < nwant; i++) {
		const char *line;
		size_t      n;
		uint64_t    off;
		cr_assert_eq(gale__line_reader_next(r, &line, &n, &off),
		    GALE_OK, "line %zu", i);
		cr_assert_eq(off, want[i].off, "offset of line %zu", i);
		cr_assert_eq(n, want[i].len, "length of line %zu", i);
		cr_assert(memcmp(line, data + want[i].off, n) == 0);
	}
	const char *line;
	size_t      n;
	uint64_t    off;
	cr_assert_eq(gale__line_reader_next(r, &line, &n, &off), GALE_ECLOSED);
	cr_assert_eq(gale__line_reader_next(r, &line, &n, &off), GALE_ECLOSED);
	// Every line read again at its offset has the same bytes, in any
	// order.
	for (size_t k = nwant; k-- > 0;) {
		cr_assert_eq(
		    gale__line_reader_read_at(r, want[k].off, &line, &n),
		    GALE_OK);
		cr_assert_eq(n, want[k].len);
		cr_assert(memcmp(line, data + want[k].off, n) == 0);
	}
	gale__line_reader_close(&r);
	cr_assert_null(r);
}

Test(lines, reader_returns_lines_with_offsets)
{
	static const char data[] = "alpha\nbeta gamma\n\ndelta\n";
	check_file(data, sizeof(data) - 1);
}

Test(lines, reader_returns_last_line_without_newline)
{
	static const char data[] = "one\ntwo\nthree";
	check_file(data, sizeof(data) - 1);
}

Test(lines, reader_keeps_empty_lines)
{
	static const char data[] = "\n\na\n\n";
	check_file(data, sizeof(data) - 1);
}

Test(lines, reader_keeps_nul_and_cr_bytes)
{
	static const char data[] = "a\0b\r\n\0\n\xff\xfe\r";
	check_file(data, sizeof(data) - 1);
}

Test(lines, reader_of_empty_file_has_no_line)
{
	check_file("", 0);
}

Test(lines, reader_of_single_newline_has_one_empty_line)
{
	check_file("\n", 1);
}

Test(lines, reader_handles_lines_longer_than_its_buffer)
{
	// Three lines: 3 MiB, a short one, then 1.5 MiB without newline.
	size_t big1 = 3u << 20, big2 = 3u << 19;
	size_t len  = big1 + 1 + 5 + 1 + big2;
	char  *data = malloc(len);
	cr_assert_not_null(data);
	for (size_t i = 0; i < big1; i++) {
		data[i] = (char) ('a' + i % 26);
	}
	data[big1] = '\n';
	memcpy(data + big1 + 1, "short\n", 6);
	for (size_t i = 0; i < big2; i++) {
		data[big1 + 7 + i] = (char) ('A' + i % 23);
	}
	check_file(data, len);
	free(data);
}

Test(lines, reader_counts_many_short_lines_across_reads)
{
	// Enough lines to need several reads; line i holds i % 100 bytes.
	size_t cap = 4u << 20, len = 0, nlines = 0;
	char  *data = malloc(cap);
	cr_assert_not_null(data);
	while (len + 101 < cap) {
		size_t k = nlines % 100;
		memset(data + len, 'x', k);
		len += k;
		data[len++] = '\n';
		nlines++;
	}
	char path[4096];
	write_file(path, "many.txt", data, len);
	gale_line_reader *r;
	cr_assert_eq(gale__line_reader_open(&r, path), GALE_OK);
	const char *line;
	size_t      n, count = 0;
	uint64_t    off, expect_off = 0;
	while (gale__line_reader_next(r, &line, &n, &off) == GALE_OK) {
		cr_assert_eq(n, count % 100);
		cr_assert_eq(off, expect_off);
		expect_off += n + 1;
		count++;
	}
	cr_assert_eq(count, nlines);
	gale__line_reader_close(&r);
	free(data);
}

Test(lines, read_at_past_the_end_is_enoent)
{
	char path[4096];
	write_file(path, "short.txt", "ab\n", 3);
	gale_line_reader *r;
	cr_assert_eq(gale__line_reader_open(&r, path), GALE_OK);
	const char *line;
	size_t      n;
	cr_assert_eq(gale__line_reader_read_at(r, 3, &line, &n), GALE_ENOENT);
	cr_assert_eq(
	    gale__line_reader_read_at(r, 1000, &line, &n), GALE_ENOENT);
	// Reading at an offset inside a line returns the rest of it.
	cr_assert_eq(gale__line_reader_read_at(r, 1, &line, &n), GALE_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(line[0], 'b');
	gale__line_reader_close(&r);
}

Test(lines, read_at_does_not_move_the_sequential_position)
{
	static const char data[] = "first\nsecond\nthird\n";
	char              path[4096];
	write_file(path, "seq.txt", data, sizeof(data) - 1);
	gale_line_reader *r;
	cr_assert_eq(gale__line_reader_open(&r, path), GALE_OK);
	const char *line;
	size_t      n;
	uint64_t    off;
	cr_assert_eq(gale__line_reader_next(r, &line, &n, &off), GALE_OK);
	cr_assert_eq(gale__line_reader_read_at(r, 13, &line, &n), GALE_OK);
	cr_assert(n == 5 && memcmp(line, "third", 5) == 0);
	cr_assert_eq(gale__line_reader_next(r, &line, &n, &off), GALE_OK);
	cr_assert(n == 6 && memcmp(line, "second", 6) == 0);
	cr_assert_eq(off, 6);
	gale__line_reader_close(&r);
}

Test(lines, open_of_missing_file_is_enoent)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/missing.txt", tmpdir);
	gale_line_reader *r = NULL;
	cr_assert_eq(gale__line_reader_open(&r, path), GALE_ENOENT);
	cr_assert_null(r);
	gale__line_reader_close(&r);
}

Test(lines, linebuf_splits_bytes_fed_in_pieces)
{
	static const char feed[] = "ab\ncd\r\n\nef";
	gale_linebuf      lb;
	gale__linebuf_init(&lb);
	const char *got[8];
	size_t      gotlen[8], n = 0;
	char        copies[8][16];
	// One byte at a time, the hardest way for the scan position.
	for (size_t i = 0; i < sizeof(feed) - 1; i++) {
		char  *space;
		size_t avail;
		cr_assert_eq(
		    gale__linebuf_reserve(&lb, 1, &space, &avail), GALE_OK);
		cr_assert_geq(avail, 1);
		space[0] = feed[i];
		gale__linebuf_commit(&lb, 1);
		const char *line;
		size_t      len;
		while (gale__linebuf_next(&lb, &line, &len)) {
			cr_assert_lt(n, 8);
			memcpy(copies[n], line, len);
			got[n]    = copies[n];
			gotlen[n] = len;
			n++;
		}
	}
	cr_assert_eq(n, 3);
	cr_assert(gotlen[0] == 2 && memcmp(got[0], "ab", 2) == 0);
	cr_assert(gotlen[1] == 3 && memcmp(got[1], "cd\r", 3) == 0);
	cr_assert_eq(gotlen[2], 0);
	cr_assert_eq(gale__linebuf_pending(&lb), 2);
	const char *line;
	size_t      len;
	cr_assert(gale__linebuf_rest(&lb, &line, &len));
	cr_assert(len == 2 && memcmp(line, "ef", 2) == 0);
	cr_assert_not(gale__linebuf_rest(&lb, &line, &len));
	gale__linebuf_fini(&lb);
}

Test(lines, u64_queue_is_fifo_across_growth_and_wrap)
{
	gale_u64_queue q;
	gale__u64_queue_init(&q);
	uint64_t next_in = 0, next_out = 0, x;
	// Interleave pushes and pops so the ring wraps before it grows.
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < round * 3 + 1; i++) {
			cr_assert_eq(
			    gale__u64_queue_push(&q, next_in++), GALE_OK);
		}
		for (int i = 0; i < round * 2; i++) {
			cr_assert(gale__u64_queue_pop(&q, &x));
			cr_assert_eq(x, next_out++);
		}
	}
	cr_assert_eq(gale__u64_queue_size(&q), next_in - next_out);
	while (gale__u64_queue_pop(&q, &x)) {
		cr_assert_eq(x, next_out++);
	}
	cr_assert_eq(next_out, next_in);
	gale__u64_queue_fini(&q);
}

Test(lines, line_store_keeps_lines_until_dropped_in_any_order)
{
	gale_line_store s;
	gale__line_store_init(&s);
	enum { N = 1000 };
	uint64_t seqs[N];
	char     text[32];
	for (int i = 0; i < N; i++) {
		int n = snprintf(text, sizeof(text), "line %d", i);
		cr_assert_eq(
		    gale__line_store_put(&s, text, (size_t) n, &seqs[i]),
		    GALE_OK);
		if (i > 0) {
			cr_assert_gt(seqs[i], seqs[i - 1]);
		}
		// Keep about one line in three, so the window stays wide
		// while the ring grows.
		if (i % 3 != 0) {
			gale__line_store_drop(&s, seqs[i]);
		}
	}
	cr_assert_eq(gale__line_store_size(&s), (N + 2) / 3);
	for (int i = 0; i < N; i++) {
		const char *line;
		size_t      len;
		bool found = gale__line_store_get(&s, seqs[i], &line, &len);
		cr_assert_eq(found, i % 3 == 0, "line %d", i);
		if (found) {
			int n = snprintf(text, sizeof(text), "line %d", i);
			cr_assert_eq(len, (size_t) n);
			cr_assert(memcmp(line, text, len) == 0);
		}
	}
	// Dropping twice, or something never stored, changes nothing.
	gale__line_store_drop(&s, seqs[0]);
	gale__line_store_drop(&s, seqs[0]);
	gale__line_store_drop(&s, seqs[N - 1] + 100);
	cr_assert_eq(gale__line_store_size(&s), (N + 2) / 3 - 1);
	for (int i = N - 1; i >= 0; i--) {
		gale__line_store_drop(&s, seqs[i]);
	}
	cr_assert_eq(gale__line_store_size(&s), 0);
	const char *line;
	size_t      len;
	cr_assert_not(gale__line_store_get(&s, seqs[3], &line, &len));
	gale__line_store_fini(&s);
}

Test(lines, line_store_reuses_slots_in_steady_flow)
{
	gale_line_store s;
	gale__line_store_init(&s);
	uint64_t seq;
	// A window of at most 4 sequence numbers never grows the ring past
	// its first 16 slots.
	for (int i = 0; i < 10000; i++) {
		cr_assert_eq(
		    gale__line_store_put(&s, "abc", 3, &seq), GALE_OK);
		if (i >= 3) {
			gale__line_store_drop(&s, seq - 3);
		}
	}
	cr_assert_eq(s.cap, 16);
	cr_assert_eq(gale__line_store_size(&s), 3);
	const char *line;
	size_t      len;
	cr_assert(gale__line_store_put(&s, "", 0, &seq) == GALE_OK);
	cr_assert(gale__line_store_get(&s, seq, &line, &len));
	cr_assert_eq(len, 0);
	gale__line_store_fini(&s);
}
