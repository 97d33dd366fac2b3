// SPDX-License-Identifier: MIT
// rand.c - the generator, for component libraries.

#include "base/rand.h"
#include "gale.h"

uint64_t
gale_random_u64(uint64_t *state)
{
	return gale__rand_next(state);
}
