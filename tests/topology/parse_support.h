// SPDX-License-Identifier: MIT
// parse_support.h - the fixture shared by the tests of the parser's
// modules: collected messages, parsing that must succeed or fail, and a
// valid topology to vary.
//
// Included by one test file per executable: it defines the static
// diagnostics d and the suite's init and fini functions, setup and
// teardown.

#ifndef GALE_TESTS_TOPOLOGY_PARSE_SUPPORT_H
#define GALE_TESTS_TOPOLOGY_PARSE_SUPPORT_H

#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/diag.h"
#include "topology/model.h"
#include "topology/parser.h"

static gale_diag d;

static void
setup(void)
{
	gale_diag_init(&d);
}

static void
teardown(void)
{
	gale_diag_fini(&d);
}

// All messages, one per line, for failure reports.
#define all_lines() test_diag_text(&d)
#define has(needle) test_diag_has(&d, (needle))
#define expect_msg(needle) test_diag_expect(&d, (needle))

static inline gale_topology *
must_parse(const char *yaml)
{
	gale_topology *t = NULL;
	gale_err       rv
	    = gale_topology_parse(&t, "t.yaml", yaml, strlen(yaml), &d);
	cr_assert_eq(rv, GALE_OK, "parse failed:\n%s", all_lines());
	cr_assert_not_null(t);
	cr_assert_eq(d.n, 0, "unexpected messages:\n%s", all_lines());
	return t;
}

static inline void
must_fail(const char *yaml)
{
	gale_topology *t = NULL;
	gale_err       rv
	    = gale_topology_parse(&t, "t.yaml", yaml, strlen(yaml), &d);
	cr_assert_eq(rv, GALE_EINVAL, "expected failure, got %d", rv);
	cr_assert_null(t);
	cr_assert_gt(d.n, 0);
}

// A valid topology for variations: one spout, one bolt, one stream.
#define BASE_SPOUTS                                                           \
	"spouts:\n"                                                           \
	"  - id: src\n"                                                       \
	"    component: fake_spout\n"
#define BASE_BOLTS                                                            \
	"bolts:\n"                                                            \
	"  - id: split\n"                                                     \
	"    component: fake_bolt\n"
#define BASE_STREAMS                                                          \
	"streams:\n"                                                          \
	"  - from: src\n"                                                     \
	"    to: split\n"                                                     \
	"    grouping: {type: SHUFFLE}\n"

#endif // GALE_TESTS_TOPOLOGY_PARSE_SUPPORT_H
