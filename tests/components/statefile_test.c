// SPDX-License-Identifier: MIT
// statefile_test.c - tests of the per-run state file: values kept, other
// runs ignored, torn and garbage files reported, never a crash.

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/statefile.h"

static char dir[64];
static char path[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/gale-statefile-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.offset", dir);
}

static void
teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(statefile, .init = setup, .fini = teardown);

// Opens path for run and returns what it found.
static gale_statefile_found
reopen(const char *run, uint64_t *value, char *err, size_t errlen)
{
	gale_statefile      *f = NULL;
	gale_statefile_found found;
	cr_assert_eq(
	    gale__statefile_open(&f, path, run, &found, value, err, errlen),
	    GALE_OK, "%s", err);
	gale__statefile_close(&f);
	cr_assert_null(f);
	return found;
}

static void
write_bytes(const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

Test(statefile, new_file_holds_nothing_and_keeps_the_last_value)
{
	char     err[256];
	uint64_t v = 7;
	cr_assert_eq(
	    reopen("run-1", &v, err, sizeof(err)), GALE_STATEFILE_NONE);
	gale_statefile      *f;
	gale_statefile_found found;
	cr_assert_eq(gale__statefile_open(
			 &f, path, "run-1", &found, &v, err, sizeof(err)),
	    GALE_OK);
	for (uint64_t x = 1; x <= 101; x++) {
		cr_assert_eq(gale__statefile_put(f, x * 1000), GALE_OK);
	}
	cr_assert_eq(gale__statefile_sync(f), GALE_OK);
	// Unsynced puts are in the file too: they outlive the process.
	cr_assert_eq(gale__statefile_put(f, 123456789012ull), GALE_OK);
	gale__statefile_close(&f);
	cr_assert_eq(
	    reopen("run-1", &v, err, sizeof(err)), GALE_STATEFILE_FOUND);
	cr_assert_eq(v, 123456789012ull);
}

Test(statefile, another_run_starts_afresh)
{
	char                 err[256];
	uint64_t             v = 0;
	gale_statefile      *f;
	gale_statefile_found found;
	cr_assert_eq(gale__statefile_open(
			 &f, path, "run-1", &found, &v, err, sizeof(err)),
	    GALE_OK);
	cr_assert_eq(gale__statefile_put(f, 99), GALE_OK);
	gale__statefile_close(&f);
	cr_assert_eq(
	    reopen("run-2", &v, err, sizeof(err)), GALE_STATEFILE_NONE);
	// The new run's first put wins over the old run's slot.
	cr_assert_eq(gale__statefile_open(
			 &f, path, "run-2", &found, &v, err, sizeof(err)),
	    GALE_OK);
	cr_assert_eq(gale__statefile_put(f, 5), GALE_OK);
	gale__statefile_close(&f);
	cr_assert_eq(
	    reopen("run-2", &v, err, sizeof(err)), GALE_STATEFILE_FOUND);
	cr_assert_eq(v, 5);
}

Test(statefile, torn_newest_slot_falls_back_to_the_older_one)
{
	char                 err[256];
	uint64_t             v = 0;
	gale_statefile      *f;
	gale_statefile_found found;
	cr_assert_eq(
	    gale__statefile_open(&f, path, "r", &found, &v, err, sizeof(err)),
	    GALE_OK);
	cr_assert_eq(gale__statefile_put(f, 10), GALE_OK); // slot 1
	cr_assert_eq(gale__statefile_put(f, 20), GALE_OK); // slot 0
	gale__statefile_close(&f);
	// A crash in the middle of the write of slot 0.
	int fd = open(path, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, "gale-state 1\nrun r\nvalue 9", 26, 0), 26);
	close(fd);
	cr_assert_eq(reopen("r", &v, err, sizeof(err)), GALE_STATEFILE_FOUND);
	cr_assert_eq(v, 10);
}

Test(statefile, garbage_and_cut_files_are_damaged_not_a_crash)
{
	char                     err[256];
	uint64_t                 v         = 0;
	static const char *const garbage[] = { "x",
		"gale-state 1\nrun r\nvalue 12\ngen 1\ncheck 00000000\n",
		"gale-state 1\nrun r\nvalue 12\n", "\0\0\0\0\0\0\0\0",
		"gale-state 1\nrun r\nvalue -3\ngen 1\ncheck ffffffff\n" };
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		size_t len = i == 3 ? 8 : strlen(garbage[i]);
		write_bytes(garbage[i], len);
		err[0] = '\0';
		cr_assert_eq(reopen("r", &v, err, sizeof(err)),
		    GALE_STATEFILE_DAMAGED, "case %zu", i);
		cr_assert(strstr(err, path) != NULL, "%s", err);
	}
	// Random bytes, a whole file's worth.
	char     junk[600];
	uint64_t x = 99;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x       = x * 6364136223846793005ull + 1;
		junk[i] = (char) (x >> 56);
	}
	write_bytes(junk, sizeof(junk));
	cr_assert_eq(
	    reopen("r", &v, err, sizeof(err)), GALE_STATEFILE_DAMAGED);
}

Test(statefile, run_ids_that_cannot_be_kept_are_refused)
{
	char                 err[256];
	uint64_t             v;
	gale_statefile      *f = NULL;
	gale_statefile_found found;
	cr_assert_eq(gale__statefile_open(
			 &f, path, "a\nb", &found, &v, err, sizeof(err)),
	    GALE_EINVAL);
	cr_assert_null(f);
	char long_id[300];
	memset(long_id, 'r', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	cr_assert_eq(gale__statefile_open(
			 &f, path, long_id, &found, &v, err, sizeof(err)),
	    GALE_EINVAL);
	cr_assert(strstr(err, "cannot be kept") != NULL, "%s", err);
}

Test(statefile, unreadable_directory_is_a_clear_error)
{
	char                 err[256];
	uint64_t             v;
	gale_statefile      *f = NULL;
	gale_statefile_found found;
	char                 bad[200];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/s.offset", dir);
	cr_assert_eq(
	    gale__statefile_open(&f, bad, "r", &found, &v, err, sizeof(err)),
	    GALE_EIO);
	cr_assert(strstr(err, "cannot open") != NULL, "%s", err);
	cr_assert_eq(gale__mkdirs(bad), 0);
	cr_assert_eq(gale__mkdirs(bad), 0, "existing directories are fine");
}
