// SPDX-License-Identifier: MIT
// commit_test - the group commit's rule: at once when idle, light or
// many acks are held; under a load, at most one checkpoint per gap.

#include <criterion/criterion.h>

#include "runtime/commit.h"

#define MS 1000000u

Test(commit, nothing_held_is_never_due)
{
	cr_assert(!gale__commit_due(10 * MS, 0, 0, true, 0));
}

Test(commit, light_input_commits_at_every_chance)
{
	// One tree at a time: due at once, gap or not.
	for (size_t held = 1; held <= GALE_COMMIT_LIGHT_ACKS; held++) {
		cr_assert(gale__commit_due(MS, 2 * MS, held, false, 0));
	}
	// Unless the bolt asked for a timer of its own.
	cr_assert(!gale__commit_due(MS, 50 * MS, 1, false, 50));
}

Test(commit, a_load_shares_one_checkpoint_per_gap)
{
	uint64_t t    = 100 * MS;
	uint64_t next = gale__commit_next(t, 0);
	cr_assert_eq(next, t + GALE_COMMIT_GAP_NS);
	size_t held = GALE_COMMIT_LIGHT_ACKS + 1;
	// Within the gap, input still coming: it waits.
	cr_assert(!gale__commit_due(t + MS / 2, next, held, false, 0));
	cr_assert(!gale__commit_due(
	    t + MS / 2, next, GALE_COMMIT_ACKS - 1, false, 0));
	// The gap over, or the input idle, or too many held: due.
	cr_assert(gale__commit_due(next, next, held, false, 0));
	cr_assert(gale__commit_due(t + MS / 2, next, held, true, 0));
	cr_assert(
	    gale__commit_due(t + MS / 2, next, GALE_COMMIT_ACKS, false, 0));
}

Test(commit, a_bolt_timer_longer_than_the_gap_is_kept)
{
	cr_assert_eq(gale__commit_next(5 * MS, 50), 55 * MS);
	cr_assert_eq(gale__commit_next(5 * MS, 0), 5 * MS + GALE_COMMIT_GAP_NS);
	cr_assert(!gale__commit_due(30 * MS, 55 * MS, 100, false, 50));
	cr_assert(gale__commit_due(55 * MS, 55 * MS, 100, false, 50));
}
