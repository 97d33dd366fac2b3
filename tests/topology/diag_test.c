// SPDX-License-Identifier: MIT
// diag_test.c - tests of topology/diag.c: collected diagnostics and the
// reporter that caps them.

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/diag.h"
#include "topology/diag.h"
#include "topology/model.h"
#include "topology/parser.h"

Test(diag, writes_file_line_and_column_or_the_file_alone)
{
	gale_diag d;
	gale_diag_init(&d);
	gale_where at = { 3, 7 };
	gale_where cl = { 0, 0 };
	gale_diag_add(&d, "t.yaml", &at, "bad %s", "thing");
	gale_diag_add(&d, "t.yaml", &cl, "from the command line");
	gale_diag_add(&d, NULL, NULL, "no file");
	cr_assert_eq(d.n, 3);
	cr_expect_str_eq(d.lines[0], "t.yaml:3:7: bad thing");
	cr_expect_str_eq(d.lines[1], "t.yaml: from the command line");
	cr_expect_str_eq(d.lines[2], "<input>: no file");
	gale_diag_fini(&d);
	cr_expect_eq(d.n, 0);
	cr_expect_null(d.lines);
}

Test(diag, stops_recording_after_the_limit_and_says_so_once)
{
	gale_diag d;
	gale_diag_init(&d);
	gale_report r;
	gale__report_init(&r, NULL, &d);
	cr_expect(!gale__report_failed(&r));
	gale_where at = { 1, 1 };
	for (int i = 0; i < GALE_TOPOLOGY_MAX_ERRORS + 50; i++) {
		if (gale__report_muted(&r)) {
			gale__report_skip(&r);
		} else {
			gale__report_error(&r, &at, "error %d", i);
		}
	}
	cr_expect(gale__report_failed(&r));
	cr_assert_eq(d.n, GALE_TOPOLOGY_MAX_ERRORS + 1);
	cr_expect_str_eq(d.lines[0], "<input>:1:1: error 0");
	cr_expect_str_eq(
	    d.lines[d.n - 1], "<input>: too many errors; stopping after 200");
	// Errors past the limit are dropped even when reported directly.
	gale__report_error(&r, &at, "one more");
	cr_expect_eq(d.n, GALE_TOPOLOGY_MAX_ERRORS + 1);
	gale_diag_fini(&d);
}

Test(diag, shows_user_text_in_distinct_buffers_and_hints)
{
	gale_diag d;
	gale_diag_init(&d);
	gale_report r;
	gale__report_init(&r, "t.yaml", &d);
	const char *a = gale__report_show(&r, "a\nb");
	const char *b = gale__report_show(&r, "second");
	const char *h = gale__report_hint(&r, "split");
	cr_expect_str_eq(a, "a?b");
	cr_expect_str_eq(b, "second");
	cr_expect_str_eq(h, "; did you mean 'split'?");
	cr_expect_str_eq(gale__report_hint(&r, NULL), "");
	char long_text[200];
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	const char *cut                  = gale__report_show(&r, long_text);
	cr_expect_lt(strlen(cut), 70);
	cr_expect(strstr(cut, "...") != NULL, "%s", cut);
	cr_expect_eq(d.n, 0);
	gale_diag_fini(&d);
}
