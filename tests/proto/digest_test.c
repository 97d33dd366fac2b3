// SPDX-License-Identifier: MIT
// digest_test.c - the SHA-256 of shipped files: recorded, carried through
// the assignment codec, and a changed file refused by name.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control.h"

static uint8_t content[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 'x', 'y' };

// A spec of one library and one empty file, its digests stamped, through
// the assignment codec and back into *out.
static void
stamped_round_trip(gale_assignment *out)
{
	gale_shipped_lib libs[2] = {
		{ .path      = "lib/one.so",
		    .content = content,
		    .len     = sizeof content },
		{ .path = "empty.txt", .content = NULL, .len = 0 },
	};
	gale_assignment a = { .topology = "t",
		.run_id                 = "t-1",
		.spec                   = { .name = "t",
				      .yaml       = "name: t\n",
				      .libraries  = libs,
				      .nlibraries = 2 } };
	gale_spec_digest_stamp(&a.spec);
	cr_assert(libs[0].has_sha256 && libs[1].has_sha256);
	uint8_t *buf = NULL;
	size_t   len = 0;
	cr_assert_eq(gale_assignment_encode(&a, &buf, &len), GALE_OK);
	cr_assert_eq(gale_assignment_decode(out, buf, len), GALE_OK);
	free(buf);
	cr_assert_eq(out->spec.nlibraries, 2);
	cr_assert(out->spec.libraries[0].has_sha256);
	cr_assert_arr_eq(out->spec.libraries[0].sha256, libs[0].sha256, 32);
}

Test(digest, an_unchanged_file_passes)
{
	gale_assignment a;
	stamped_round_trip(&a);
	char err[512] = "";
	cr_assert_eq(gale_spec_digest_check(&a.spec, err, sizeof(err)),
	    GALE_OK, "%s", err);
	gale_assignment_fini(&a);
}

Test(digest, a_changed_byte_is_refused_naming_the_file)
{
	gale_assignment a;
	stamped_round_trip(&a);
	a.spec.libraries[0].content[9] ^= 1;
	char err[512] = "";
	cr_assert_eq(
	    gale_spec_digest_check(&a.spec, err, sizeof(err)), GALE_EINVAL);
	cr_assert(strstr(err, "'lib/one.so'") != NULL
		&& strstr(err, "SHA-256") != NULL,
	    "%s", err);
	gale_assignment_fini(&a);
}

Test(digest, a_file_without_a_recorded_digest_is_not_checked)
{
	gale_shipped_lib lib
	    = { .path = "a.so", .content = content, .len = sizeof content };
	gale_spec spec = { .name = "t", .libraries = &lib, .nlibraries = 1 };
	char      err[512];
	cr_assert_eq(gale_spec_digest_check(&spec, err, sizeof(err)), GALE_OK);
}
