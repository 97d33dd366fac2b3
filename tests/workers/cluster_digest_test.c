// SPDX-License-Identifier: MIT
// cluster_digest_test.c - a shipped library changed in nimbus's data
// directory after submit no longer matches its recorded SHA-256: the
// topology is refused by name, and nothing of it runs.

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cluster.h"
#include "tests/support/run.h"

#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"
#define FAKE_LIB_NAME "libgale_fake_components.so"

static char     *dir;
static test_proc nim;
static bool      nim_up;
static char      nim_ep[256];

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	nim_up = false;
}

static void
teardown(void)
{
	if (nim_up) {
		test_proc_fini(&nim);
	}
	test_rmtree(dir);
	free(dir);
}

TestSuite(cluster_digest, .init = setup, .fini = teardown, .timeout = 120);

static void
start_nimbus(void)
{
	char data[4200];
	snprintf(data, sizeof(data), "%s/nimbus", dir);
	const char *args[] = { "nimbus", "--listen", "tcp://127.0.0.1:*",
		"--data-dir", data, NULL };
	test_proc_start(&nim, args);
	nim_up = true;
	test_nimbus_endpoint(&nim, 20, nim_ep, sizeof(nim_ep));
}

static void
stop_nimbus(void)
{
	bool timedout;
	kill(nim.pid, SIGTERM);
	cr_assert_eq(test_proc_wait(&nim, 15, &timedout), 0, "%s", nim.err);
	test_proc_fini(&nim);
	nim_up = false;
}

static void
gale_list(test_run *r)
{
	const char *args[] = { "list", "--nimbus", nim_ep, NULL };
	test_run_gale(r, 15, args);
	cr_assert_eq(r->status, 0, "%s", r->err);
}

Test(cluster_digest, a_library_changed_after_submit_is_refused_by_name)
{
	size_t len;
	char   lib[4300], yaml_path[4300], yaml[2048];
	snprintf(lib, sizeof(lib), "%s/" FAKE_LIB_NAME, dir);
	char *so = test_read_file(FAKE_LIB, &len);
	cr_assert_not_null(so, "no %s", FAKE_LIB);
	cr_assert(len > 4096);
	cr_assert(test_write_file(lib, so, len));
	snprintf(yaml, sizeof(yaml),
	    "name: slow\n"
	    "config: {topology.workers: 1}\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: 10, keys: 4}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     options: {sleep_us: 1}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n",
	    FAKE_LIB_NAME, FAKE_LIB_NAME);
	snprintf(yaml_path, sizeof(yaml_path), "%s/slow.yaml", dir);
	cr_assert(test_write_file(yaml_path, yaml, strlen(yaml)));

	start_nimbus();
	const char *sargs[]
	    = { "submit", yaml_path, "--nimbus", nim_ep, NULL };
	test_run r;
	test_run_gale(&r, 15, sargs);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	stop_nimbus();

	// Unchanged, it is read back.
	start_nimbus();
	cr_assert(test_proc_wait_for_err(&nim, "reloaded topology 'slow'", 10),
	    "%s", nim.err);
	stop_nimbus();

	// One byte of the library, as nimbus keeps it, changed.
	char rec_path[4300];
	snprintf(rec_path, sizeof(rec_path), "%s/nimbus/slow.topology", dir);
	size_t rlen;
	char  *rec = test_read_file(rec_path, &rlen);
	cr_assert_not_null(rec, "no %s", rec_path);
	char *at = memmem(rec, rlen, so + len / 2, 64);
	cr_assert_not_null(at, "the library is not in %s", rec_path);
	at[10] ^= 0x5a;
	cr_assert(test_write_file(rec_path, rec, rlen));
	free(rec);
	free(so);

	start_nimbus();
	cr_assert(
	    test_proc_wait_for_err(&nim, "does not match the SHA-256", 10),
	    "%s", nim.err);
	cr_assert(
	    strstr(nim.err, "'" FAKE_LIB_NAME "'") != NULL, "%s", nim.err);
	cr_assert_null(
	    strstr(nim.err, "reloaded topology 'slow'"), "%s", nim.err);
	gale_list(&r);
	cr_assert_null(strstr(r.out, "slow"), "%s", r.out);
	test_run_fini(&r);
	stop_nimbus();
}
