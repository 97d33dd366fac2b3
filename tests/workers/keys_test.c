// SPDX-License-Identifier: MIT
// keys_test.c - key files: loading, writing and what is wrong with them.

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "tests/support/run.h"
#include "workers/keys.h"

Test(keys, loads_a_pair_and_names_what_is_missing_or_wrong)
{
	char *dir = test_tmpdir();
	char  err[1024], pub[GALE_KEY_Z85];
	cr_assert_eq(gale__keys_generate(dir, "nimbus", pub, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_eq(
	    gale__keys_generate(dir, "client", NULL, err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_assert_eq(
	    gale__keys_generate(dir, "client", NULL, err, sizeof(err)),
	    GALE_EEXIST);
	gale_keys *k = NULL;
	cr_assert_eq(gale__keys_load(&k, dir, "nimbus", err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_expect_eq(gale__keys_ntrusted(k), 2);
	uint8_t raw[32];
	zmq_z85_decode(raw, pub);
	cr_expect(gale__keys_trusts(k, raw));
	char fp[GALE_KEY_FP];
	gale__keys_fp(raw, fp);
	cr_expect_str_eq(gale__keys_fingerprint(k), fp);
	raw[0] ^= 1;
	cr_expect(!gale__keys_trusts(k, raw));
	gale__keys_destroy(&k);
	cr_expect_null(k);

	cr_assert_eq(gale__keys_load(&k, dir, "supervisor", err, sizeof(err)),
	    GALE_ENOENT);
	cr_expect(strstr(err, "gale keygen --out"), "%s", err);
	char path[4200];
	snprintf(path, sizeof(path), "%s/bad.pub", dir);
	cr_assert(test_write_file(path, "# a comment\nnot a key\n", 22));
	cr_assert_eq(
	    gale__keys_load(&k, dir, "nimbus", err, sizeof(err)), GALE_EINVAL);
	cr_expect(strstr(err, "bad.pub: not a CURVE public key"), "%s", err);
	test_rmtree(dir);
	free(dir);
}
