// SPDX-License-Identifier: MIT
// wal_test.c - tests of the write-ahead log: append, group commit, trim,
// replay after a restart, torn tails and a full log.

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/wal.h"

static char dir[64];
static char err[512];

static void
setup(void)
{
	strcpy(dir, "/tmp/gale-wal-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(wal, .init = setup, .fini = teardown);

static gale_wal *
open_log(uint64_t max, uint64_t seg, gale_wal_recovery *rec)
{
	gale_wal *w = NULL;
	cr_assert_eq(gale__wal_open(&w, dir, max, seg, rec, err, sizeof(err)),
	    GALE_OK, "%s", err);
	return w;
}

static void
append(gale_wal *w, const char *line)
{
	cr_assert_eq(gale__wal_append(w, line, strlen(line)), GALE_OK);
}

static void
sync_log(gale_wal *w)
{
	cr_assert_eq(gale__wal_sync(w, err, sizeof(err)), GALE_OK, "%s", err);
}

// Reads the next record and checks it is want; returns its number.
static uint64_t
expect_next(gale_wal *w, const char *want)
{
	const char *line;
	size_t      len;
	uint64_t    seq;
	cr_assert_eq(gale__wal_next(w, &line, &len, &seq), GALE_OK,
	    "expected '%s'", want);
	cr_assert_eq(len, strlen(want));
	cr_assert(memcmp(line, want, len) == 0, "got '%.*s', want '%s'",
	    (int) len, line, want);
	return seq;
}

static void
expect_end(gale_wal *w)
{
	const char *line;
	size_t      len;
	uint64_t    seq;
	cr_assert_eq(gale__wal_next(w, &line, &len, &seq), GALE_ECLOSED);
}

// The name of the newest segment file, to damage it.
static void
last_segment(char *buf, size_t cap)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *e;
	char           best[300] = "";
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".wal") != NULL
		    && strcmp(e->d_name, best) > 0) {
			snprintf(best, sizeof(best), "%s", e->d_name);
		}
	}
	closedir(d);
	cr_assert(best[0] != '\0');
	snprintf(buf, cap, "%s/%s", dir, best);
}

Test(wal, appended_records_are_read_only_after_sync)
{
	gale_wal *w = open_log(1 << 20, 1 << 16, NULL);
	append(w, "one");
	append(w, "");
	append(w, "three");
	expect_end(w);
	sync_log(w);
	cr_assert_eq(expect_next(w, "one"), 0);
	cr_assert_eq(expect_next(w, ""), 1);
	cr_assert_eq(expect_next(w, "three"), 2);
	expect_end(w);
	cr_assert_eq(gale__wal_unacked(w), 3);
	gale__wal_close(&w);
	cr_assert_null(w);
}

Test(wal, a_batch_costs_one_fsync)
{
	gale_wal *w = open_log(1 << 24, 1 << 20, NULL);
	for (int batch = 0; batch < 10; batch++) {
		for (int i = 0; i < 100; i++) {
			append(w, "the quick brown fox");
		}
		sync_log(w);
	}
	sync_log(w); // nothing appended: no fsync
	cr_assert_eq(gale__wal_syncs(w), 10);
	gale__wal_close(&w);
}

Test(wal, restart_replays_every_record_not_trimmed)
{
	gale_wal *w = open_log(1 << 20, 1 << 16, NULL);
	append(w, "a");
	append(w, "b");
	append(w, "c");
	sync_log(w);
	expect_next(w, "a");
	expect_next(w, "b");
	// Appended but never synced: not acknowledged to anyone, and gone.
	append(w, "lost");
	gale__wal_close(&w);

	gale_wal_recovery rec;
	w = open_log(1 << 20, 1 << 16, &rec);
	cr_assert_eq(rec.records, 4, "close writes what was appended");
	cr_assert_eq(rec.cut_bytes, 0);
	cr_assert_eq(expect_next(w, "a"), 0);
	expect_next(w, "b");
	expect_next(w, "c");
	cr_assert_eq(expect_next(w, "lost"), 3);
	// New records continue the numbering.
	append(w, "d");
	sync_log(w);
	cr_assert_eq(expect_next(w, "d"), 4);
	gale__wal_close(&w);
}

Test(wal, fully_acked_segments_are_deleted)
{
	// Segments of about 100 bytes: a few records each.
	gale_wal *w = open_log(1 << 20, 100, NULL);
	char      line[32];
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "line-%02d-xxxxxxxxxx", i);
		append(w, line);
		sync_log(w);
	}
	size_t segs = gale__wal_segments(w);
	cr_assert_gt(segs, 5, "%zu segments", segs);
	uint64_t seqs[40];
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "line-%02d-xxxxxxxxxx", i);
		seqs[i] = expect_next(w, line);
	}
	// Acking all but record 0 keeps the first segment only.
	for (int i = 39; i >= 1; i--) {
		gale__wal_ack(w, seqs[i]);
	}
	cr_assert_eq(gale__wal_unacked(w), 1);
	cr_assert_leq(gale__wal_segments(w), 2, "%zu", gale__wal_segments(w));
	gale__wal_ack(w, seqs[0]);
	gale__wal_ack(w, seqs[0]); // twice: no effect
	cr_assert_eq(gale__wal_unacked(w), 0);
	cr_assert_eq(gale__wal_segments(w), 1, "the newest always stays");
	gale__wal_close(&w);

	// A restart finds only the newest segment's records, and numbers on.
	gale_wal_recovery rec;
	w = open_log(1 << 20, 100, &rec);
	cr_assert_leq(rec.records, 5);
	const char *l;
	size_t      len;
	uint64_t    seq = 0, last = 0;
	while (gale__wal_next(w, &l, &len, &seq) == GALE_OK) {
		last = seq;
	}
	cr_assert_eq(last, 39);
	append(w, "next");
	sync_log(w);
	cr_assert_eq(expect_next(w, "next"), 40);
	gale__wal_close(&w);
}

Test(wal, torn_tail_is_cut_at_the_last_whole_record)
{
	gale_wal *w = open_log(1 << 20, 1 << 16, NULL);
	append(w, "first");
	append(w, "second");
	sync_log(w);
	gale__wal_close(&w);
	char seg[200];
	last_segment(seg, sizeof(seg));
	// A crash in the middle of a record: its header and half its bytes.
	int fd = open(seg, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	unsigned char torn[] = { 20, 0, 0, 0, 1, 2, 3, 4, 'h', 'a', 'l' };
	cr_assert_eq(write(fd, torn, sizeof(torn)), (ssize_t) sizeof(torn));
	close(fd);
	gale_wal_recovery rec;
	w = open_log(1 << 20, 1 << 16, &rec);
	cr_assert_eq(rec.records, 2);
	cr_assert_eq(rec.cut_bytes, sizeof(torn));
	cr_assert_eq(rec.cut_segments, 1);
	expect_next(w, "first");
	expect_next(w, "second");
	expect_end(w);
	// Appends go on after the cut.
	append(w, "third");
	sync_log(w);
	expect_next(w, "third");
	gale__wal_close(&w);
	w = open_log(1 << 20, 1 << 16, &rec);
	cr_assert_eq(rec.records, 3);
	cr_assert_eq(rec.cut_bytes, 0);
	gale__wal_close(&w);
}

Test(wal, flipped_byte_fails_the_checksum_and_cuts_from_there)
{
	gale_wal *w = open_log(1 << 20, 1 << 16, NULL);
	append(w, "aaaa");
	append(w, "bbbb");
	append(w, "cccc");
	sync_log(w);
	gale__wal_close(&w);
	char seg[200];
	last_segment(seg, sizeof(seg));
	int fd = open(seg, O_WRONLY);
	cr_assert(fd >= 0);
	// Record 1 starts at 12 (8 + 4); its bytes at 20.
	cr_assert_eq(pwrite(fd, "X", 1, 21), 1);
	close(fd);
	gale_wal_recovery rec;
	w = open_log(1 << 20, 1 << 16, &rec);
	cr_assert_eq(rec.records, 1);
	cr_assert_eq(rec.cut_bytes, 24);
	expect_next(w, "aaaa");
	expect_end(w);
	gale__wal_close(&w);
}

Test(wal, garbage_files_in_the_directory_are_cut_or_ignored)
{
	char p[200];
	snprintf(p, sizeof(p), "%s/00000000000000000007.wal", dir);
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f);
	fputs("this is not a log at all, just text\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	f = fopen(p, "wb");
	cr_assert_not_null(f);
	fputs("ignored\n", f);
	fclose(f);
	gale_wal_recovery rec;
	gale_wal         *w = open_log(1 << 20, 1 << 16, &rec);
	cr_assert_eq(rec.records, 0);
	cr_assert_gt(rec.cut_bytes, 0);
	expect_end(w);
	append(w, "x");
	sync_log(w);
	cr_assert_eq(expect_next(w, "x"), 7);
	gale__wal_close(&w);
}

Test(wal, full_log_refuses_appends_until_acks_free_a_segment)
{
	// 4096 bytes in segments of 1024: records of 8 + 100 bytes.
	gale_wal *w = open_log(4096, 1024, NULL);
	char      line[101];
	memset(line, 'z', 100);
	line[100]   = '\0';
	int      n  = 0;
	gale_err rv = GALE_OK;
	while ((rv = gale__wal_append(w, line, 100)) == GALE_OK) {
		n++;
		sync_log(w);
		cr_assert_lt(n, 100);
	}
	cr_assert_eq(rv, GALE_EAGAIN);
	cr_assert_leq(gale__wal_bytes(w), 4096);
	cr_assert_geq(n, 30, "%d records fit", n);
	// Nothing changes while nothing is acked.
	cr_assert_eq(gale__wal_append(w, line, 100), GALE_EAGAIN);
	// Acking the first segment's records makes room.
	uint64_t seq[100];
	for (int i = 0; i < n; i++) {
		seq[i] = expect_next(w, line);
	}
	for (int i = 0; i < 9; i++) {
		gale__wal_ack(w, seq[i]);
	}
	cr_assert_eq(gale__wal_append(w, line, 100), GALE_OK);
	sync_log(w);
	// A line larger than the whole log can never fit.
	static char huge[5000];
	cr_assert_eq(gale__wal_append(w, huge, sizeof(huge)), GALE_EINVAL);
	gale__wal_close(&w);
}

Test(wal, unreadable_directory_is_a_clear_error)
{
	gale_wal *w = NULL;
	char      p[200];
	snprintf(p, sizeof(p), "%s/file", dir);
	FILE *f = fopen(p, "wb");
	cr_assert_not_null(f);
	fclose(f);
	char sub[220];
	snprintf(sub, sizeof(sub), "%s/file/log", dir);
	cr_assert_neq(
	    gale__wal_open(&w, sub, 1 << 20, 1 << 16, NULL, err, sizeof(err)),
	    GALE_OK);
	cr_assert_null(w);
	cr_assert(strstr(err, "cannot create") != NULL, "%s", err);
}
