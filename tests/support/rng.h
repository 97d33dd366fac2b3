// SPDX-License-Identifier: MIT
// rng.h - a seeded generator for tests (splitmix64): reproducible runs.

#ifndef GALE_TESTS_SUPPORT_RNG_H
#define GALE_TESTS_SUPPORT_RNG_H

#include <stdint.h>

static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
	z          = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z          = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

// A random id that is never 0 (roots and edges are never 0).
static inline uint64_t
rng_id(uint64_t *s)
{
	uint64_t r;
	do {
		r = rng_next(s);
	} while (r == 0);
	return r;
}

#endif // GALE_TESTS_SUPPORT_RNG_H
