// SPDX-License-Identifier: MIT
// diag.c - reading collected diagnostics in tests of the topology files.

#include <stdio.h>
#include <string.h>

#include "tests/support/diag.h"

const char *
test_diag_text(const gale_diag *d)
{
	static char buf[16384];
	size_t      used = 0;
	buf[0]           = '\0';
	for (size_t i = 0; i < d->n && used < sizeof(buf) - 1; i++) {
		int w = snprintf(buf + used, sizeof(buf) - used, "  %s\n",
		    d->lines[i]);
		if (w < 0) {
			break;
		}
		used += (size_t) w;
	}
	return buf;
}

bool
test_diag_has(const gale_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++) {
		if (strstr(d->lines[i], needle) != NULL) {
			return true;
		}
	}
	return false;
}
