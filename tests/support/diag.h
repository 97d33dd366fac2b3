// SPDX-License-Identifier: MIT
// diag.h - reading collected diagnostics in tests of the topology files.

#ifndef GALE_TESTS_SUPPORT_DIAG_H
#define GALE_TESTS_SUPPORT_DIAG_H

#include <stdbool.h>

#include "topology/model.h"

// Every message of d, one per line and indented, for failure reports.
// Borrowed: a static buffer, overwritten by the next call.
const char *test_diag_text(const gale_diag *d);

// True when one of d's messages contains needle.
bool test_diag_has(const gale_diag *d, const char *needle);

// Expects (criterion, not fatal) a message of d containing needle.
#define test_diag_expect(d, needle)                                           \
	cr_expect(test_diag_has((d), (needle)),                               \
	    "no message contains \"%s\"; got:\n%s", (needle),                 \
	    test_diag_text(d))

#endif // GALE_TESTS_SUPPORT_DIAG_H
