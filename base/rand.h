// SPDX-License-Identifier: MIT
// rand.h - the one pseudo-random generator, splitmix64, and its mixer.
//
// splitmix64 is small, fast and good from every seed, 0 included. Edge and
// root ids, shuffle choices, generated sentences and sampling all draw
// from it; none of them needs to be secret. Components reach it through
// gale_random_u64 in gale.h. What must be secret (a run's token) comes
// from the kernel instead, through gale__rand_secret.

#ifndef GALE_BASE_RAND_H
#define GALE_BASE_RAND_H

#include <stdbool.h>
#include <stdint.h>

// The golden-ratio increment of splitmix64, also Fibonacci hashing's
// multiplier: 2^64 divided by the golden ratio.
#define GALE_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

// splitmix64's finalizer: a bijection on 64 bits in which every input bit
// changes every output bit with probability one half. Spreads patterned
// keys (sequential ids, roots) evenly.
static inline uint64_t
gale__mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xBF58476D1CE4E5B9);
	x ^= x >> 27;
	x *= UINT64_C(0x94D049BB133111EB);
	x ^= x >> 31;
	return x;
}

// The next value of the generator whose state is *state.
static inline uint64_t
gale__rand_next(uint64_t *state)
{
	*state += GALE_GOLDEN;
	return gale__mix64(*state);
}

// A value below n (n >= 1): the high half of a 32x32 product, faster than
// a remainder and as even.
static inline uint32_t
gale__rand_below(uint64_t *state, uint32_t n)
{
	return (uint32_t) (((gale__rand_next(state) >> 32) * (uint64_t) n) >>
	    32);
}

// A double in [0, 1) with 53 random bits.
static inline double
gale__rand_unit(uint64_t *state)
{
	return (double) (gale__rand_next(state) >> 11) * 0x1p-53;
}

// Sets *out to 64 bits from the kernel's generator (getrandom, blocking
// only until it is seeded at boot), never 0. False, with errno set, when
// the kernel gives none.
bool gale__rand_secret(uint64_t *out);

#endif // GALE_BASE_RAND_H
