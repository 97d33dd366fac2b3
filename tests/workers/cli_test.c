// SPDX-License-Identifier: MIT
// cli_test.c - the command line of the gale binary: flags before and after
// the arguments, both spellings of a value, and bad flags as usage errors.

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proto/control.h"
#include "tests/support/run.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"

// Runs gale with args and checks a usage error: exit code 2, nothing on
// stdout, the message (which must name the flag) and the command's usage
// line on stderr.
static void
expect_usage(const char *const *args, const char *message)
{
	test_run r;
	test_run_gale(&r, 20, args);
	char usage[64];
	snprintf(usage, sizeof(usage), "\nusage: gale %s ", args[0]);
	char want[256];
	snprintf(want, sizeof(want), "gale %s: %s\n", args[0], message);
	cr_expect(!r.timedout, "gale %s timed out", args[0]);
	cr_expect_eq(r.status, 2, "gale %s ... %s: exit %d\n%s", args[0],
	    args[1] ? args[1] : "", r.status, r.err);
	cr_expect_str_eq(r.out, "", "%s", r.out);
	cr_expect(strncmp(r.err, want, strlen(want)) == 0,
	    "want '%s' first, got:\n%s", want, r.err);
	cr_expect(strstr(r.err, usage) != NULL, "no usage line:\n%s", r.err);
	test_run_fini(&r);
}

Test(cli, an_unknown_option_is_a_usage_error)
{
	expect_usage((const char *const[]) { "local", "--frobnicate",
			 WORDCOUNT_YAML, NULL },
	    "unknown option '--frobnicate'");
	expect_usage((const char *const[]) { "validate", WORDCOUNT_YAML,
			 "--frob=1", NULL },
	    "unknown option '--frob=1'");
	expect_usage((const char *const[]) { "worker", "--controller",
			 "tcp://127.0.0.1:1", "--index", "0", "--nope", NULL },
	    "unknown option '--nope'");
	expect_usage((const char *const[]) { "supervisor", "-z", NULL },
	    "unknown option '-z'");
}

Test(cli, a_flag_without_its_value_is_a_usage_error)
{
	expect_usage((const char *const[]) { "local", WORDCOUNT_YAML,
			 "--duration", NULL },
	    "--duration needs a value");
	expect_usage((const char *const[]) { "validate", WORDCOUNT_YAML,
			 "--libdir", NULL },
	    "--libdir needs a value");
	expect_usage((const char *const[]) { "worker", "--controller", NULL },
	    "--controller needs a value");
	expect_usage((const char *const[]) { "supervisor", "--slots", NULL },
	    "--slots needs a value");
}

Test(cli, a_value_given_to_a_flag_that_takes_none_is_a_usage_error)
{
	expect_usage((const char *const[]) { "local", "--log-replays=yes",
			 WORDCOUNT_YAML, NULL },
	    "--log-replays takes no value");
}

Test(cli, a_duration_that_is_not_a_number_is_a_usage_error)
{
	expect_usage((const char *const[]) { "local", WORDCOUNT_YAML,
			 "--duration", "abc", NULL },
	    "--duration: 'abc' is not a duration (a number with ms, s, m, h "
	    "or d)");
	expect_usage((const char *const[]) { "local", "--duration=abc",
			 WORDCOUNT_YAML, NULL },
	    "--duration: 'abc' is not a duration (a number with ms, s, m, h "
	    "or d)");
}

Test(cli, a_negative_or_zero_duration_is_a_usage_error)
{
	expect_usage((const char *const[]) { "local", WORDCOUNT_YAML,
			 "--duration", "-1", NULL },
	    "--duration: '-1' is not a duration (a number with ms, s, m, h "
	    "or d)");
	expect_usage((const char *const[]) { "local", WORDCOUNT_YAML,
			 "--duration", "0", NULL },
	    "--duration: '0' is less than 0.001 seconds");
	expect_usage((const char *const[]) { "local", WORDCOUNT_YAML,
			 "--interval", "3601", NULL },
	    "--interval: '3601' is more than 3600 seconds");
}

Test(cli, a_number_out_of_range_is_a_usage_error)
{
	expect_usage((const char *const[]) { "worker", "--controller",
			 "tcp://127.0.0.1:1", "--index", "99999999999", NULL },
	    "--index: '99999999999' is out of range (0 to 4294967295)");
	expect_usage((const char *const[]) { "worker", "--controller",
			 "tcp://127.0.0.1:1", "--index=0x10", NULL },
	    "--index: '0x10' is not a decimal integer");
	expect_usage(
	    (const char *const[]) { "supervisor", "--port-base=70000", NULL },
	    "--port-base: '70000' is out of range (1 to 65535)");
	expect_usage(
	    (const char *const[]) { "supervisor", "--slots", "-3", NULL },
	    "--slots: '-3' is out of range (1 to 1024)");
}

Test(cli, missing_or_extra_arguments_are_usage_errors)
{
	expect_usage(
	    (const char *const[]) { "local", NULL }, "no topology file given");
	expect_usage(
	    (const char *const[]) { "local", "a.yaml", "b.yaml", NULL },
	    "one topology file, not also 'b.yaml'");
	expect_usage((const char *const[]) { "worker", "--index", "1", NULL },
	    "--controller is required");
	expect_usage((const char *const[]) { "supervisor", "extra", NULL },
	    "unexpected argument 'extra'");
}

Test(cli, flags_go_before_or_after_the_files_in_either_spelling)
{
	const char *const *cases[] = {
		(const char *const[]) { "validate", "--set",
		    "topology.workers=2", WORDCOUNT_YAML, NULL },
		(const char *const[]) { "validate", WORDCOUNT_YAML,
		    "--set=topology.workers=2", NULL },
		(const char *const[]) { "validate", "--set=topology.workers=2",
		    WORDCOUNT_YAML, "--set", "topology.workers=3", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_run r;
		test_run_gale(&r, 20, cases[i]);
		cr_expect_eq(
		    r.status, 0, "case %zu: exit %d\n%s", i, r.status, r.err);
		cr_expect_str_eq(r.out, WORDCOUNT_YAML ": ok\n");
		test_run_fini(&r);
	}
	// A bad value after the file is still read as the flag's.
	test_run r;
	test_run_gale(&r, 20,
	    (const char *const[]) { "validate", WORDCOUNT_YAML, "--set",
		"topology.workers=abc", NULL });
	cr_expect_eq(r.status, 1, "%s", r.err);
	cr_expect(
	    strstr(r.err, "'topology.workers' must be an integer") != NULL,
	    "%s", r.err);
	test_run_fini(&r);
}

Test(cli, help_prints_the_usage_line_and_succeeds)
{
	const char *names[] = { "local", "validate", "worker", "supervisor" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		test_run r;
		test_run_gale(&r, 20,
		    (const char *const[]) { names[i], "--help", NULL });
		char want[64];
		snprintf(want, sizeof(want), "usage: gale %s ", names[i]);
		cr_expect_eq(r.status, 0, "%s: exit %d", names[i], r.status);
		cr_expect(
		    strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
		cr_expect_str_eq(r.err, "");
		test_run_fini(&r);
	}
}

Test(cli, version_prints_the_release_and_the_protocol)
{
	test_run r;
	test_run_gale(&r, 20, (const char *const[]) { "version", NULL });
	cr_assert_eq(r.status, 0, "exit %d\n%s", r.status, r.err);
	char want[128];
	snprintf(want, sizeof(want), "gale %s\nprotocol %d\nlibzmq ",
	    GALE_TEST_VERSION, GALE_CONTROL_PROTOCOL);
	cr_expect(strncmp(r.out, want, strlen(want)) == 0,
	    "want '%s' first, got:\n%s", want, r.out);
	cr_expect_str_eq(r.err, "");
	test_run_fini(&r);

	test_run_gale(&r, 20, (const char *const[]) { "version", "x", NULL });
	cr_expect_eq(r.status, 2, "exit %d", r.status);
	cr_expect_str_eq(r.out, "");
	cr_expect(strstr(r.err,
		      "gale version: unexpected argument 'x'\n"
		      "usage: gale version\n")
		!= NULL,
	    "%s", r.err);
	test_run_fini(&r);
}
