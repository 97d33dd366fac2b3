// SPDX-License-Identifier: MIT
// rand.c - the generator, for component libraries, and secrets from the
// kernel.

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "base/rand.h"
#include "gale.h"

bool
gale__rand_secret(uint64_t *out)
{
	uint64_t v = 0;
	while (v == 0) {
		unsigned char raw[sizeof(v)];
		size_t        have = 0;
		while (have < sizeof(raw)) {
			ssize_t n
			    = getrandom(raw + have, sizeof(raw) - have, 0);
			if (n < 0 && errno == EINTR) {
				continue;
			}
			if (n <= 0) {
				return false;
			}
			have += (size_t) n;
		}
		memcpy(&v, raw, sizeof(v));
	}
	*out = v;
	return true;
}

uint64_t
gale_random_u64(uint64_t *state)
{
	return gale__rand_next(state);
}
