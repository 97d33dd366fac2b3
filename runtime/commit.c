// SPDX-License-Identifier: MIT
// commit.c - the group commit's rule (see commit.h).

#include "runtime/commit.h"

bool
gale__commit_due(uint64_t now, uint64_t next_ns, size_t held, bool idle,
    uint32_t checkpoint_ms)
{
	if (held == 0) {
		return false;
	}
	bool light = checkpoint_ms == 0 && held <= GALE_COMMIT_LIGHT_ACKS;
	return idle || light || held >= GALE_COMMIT_ACKS || now >= next_ns;
}

uint64_t
gale__commit_next(uint64_t now, uint32_t checkpoint_ms)
{
	uint64_t gap = (uint64_t) checkpoint_ms * 1000000u;
	return now + (gap > GALE_COMMIT_GAP_NS ? gap : GALE_COMMIT_GAP_NS);
}
