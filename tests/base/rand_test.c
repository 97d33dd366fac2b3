// SPDX-License-Identifier: MIT
// rand_test - the generator and the secrets drawn from the kernel.

#include <criterion/criterion.h>
#include <stdint.h>

#include "base/rand.h"

Test(rand, secrets_are_never_zero_and_differ)
{
	uint64_t seen[64];
	for (size_t i = 0; i < 64; i++) {
		cr_assert(gale__rand_secret(&seen[i]));
		cr_assert_neq(seen[i], 0);
		for (size_t k = 0; k < i; k++) {
			cr_assert_neq(
			    seen[i], seen[k], "secret %zu repeats %zu", i, k);
		}
	}
}

Test(rand, the_generator_is_the_same_from_the_same_seed)
{
	uint64_t a = 7, b = 7;
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(gale__rand_next(&a), gale__rand_next(&b));
	}
	cr_assert_lt(gale__rand_below(&a, 10), 10);
	double u = gale__rand_unit(&a);
	cr_assert(u >= 0 && u < 1);
}
