// SPDX-License-Identifier: MIT
// offsets_test.c - tests of the low-water mark of acked lines.

#include <criterion/criterion.h>

#include "components/offsets.h"

Test(offsets, mark_is_the_start_until_a_line_is_added)
{
	gale_offsets o;
	gale__offsets_init(&o, 42);
	cr_assert_eq(gale__offsets_low(&o), 42);
	cr_assert(!gale__offsets_ack(&o, 42));
	gale__offsets_fini(&o);
}

Test(offsets, mark_stops_at_the_oldest_line_not_acked)
{
	gale_offsets o;
	gale__offsets_init(&o, 0);
	// Lines [0,5) [5,9) [9,20) [20,21).
	cr_assert_eq(gale__offsets_add(&o, 0, 5), GALE_OK);
	cr_assert_eq(gale__offsets_add(&o, 5, 9), GALE_OK);
	cr_assert_eq(gale__offsets_add(&o, 9, 20), GALE_OK);
	cr_assert_eq(gale__offsets_add(&o, 20, 21), GALE_OK);
	cr_assert_eq(gale__offsets_low(&o), 0);
	cr_assert(gale__offsets_ack(&o, 5));
	cr_assert(gale__offsets_ack(&o, 20));
	cr_assert_eq(gale__offsets_low(&o), 0, "line 0 is not acked");
	cr_assert(gale__offsets_ack(&o, 0));
	cr_assert_eq(gale__offsets_low(&o), 9);
	cr_assert(!gale__offsets_ack(&o, 5), "a second ack counts nothing");
	cr_assert(gale__offsets_ack(&o, 9));
	cr_assert_eq(gale__offsets_low(&o), 21, "all acked: the end");
	cr_assert_eq(gale__offsets_held(&o), 0);
	gale__offsets_fini(&o);
}

Test(offsets, unknown_offsets_and_lines_out_of_order_are_refused)
{
	gale_offsets o;
	gale__offsets_init(&o, 100);
	cr_assert_eq(gale__offsets_add(&o, 50, 60), GALE_EINVAL);
	cr_assert_eq(gale__offsets_add(&o, 100, 100), GALE_EINVAL);
	cr_assert_eq(gale__offsets_add(&o, 100, 110), GALE_OK);
	cr_assert_eq(gale__offsets_add(&o, 105, 120), GALE_EINVAL);
	cr_assert(!gale__offsets_ack(&o, 101), "not a line start");
	cr_assert(!gale__offsets_ack(&o, 7));
	cr_assert_eq(gale__offsets_low(&o), 100);
	gale__offsets_fini(&o);
}

Test(offsets, many_lines_acked_in_random_order_end_at_the_end)
{
	gale_offsets o;
	gale__offsets_init(&o, 0);
	enum { N = 5000 };
	static uint64_t order[N];
	for (uint64_t i = 0; i < N; i++) {
		cr_assert_eq(
		    gale__offsets_add(&o, i * 10, i * 10 + 10), GALE_OK);
		order[i] = i;
	}
	uint64_t x = 12345;
	for (size_t i = N - 1; i > 0; i--) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t   j = (size_t) (x >> 33) % (i + 1);
		uint64_t t = order[i];
		order[i]   = order[j];
		order[j]   = t;
	}
	// The mark is always the smallest offset not acked yet.
	static bool acked[N];
	uint64_t    low = 0;
	for (size_t i = 0; i < N; i++) {
		cr_assert(gale__offsets_ack(&o, order[i] * 10));
		acked[order[i]] = true;
		while (low < N && acked[low]) {
			low++;
		}
		cr_assert_eq(gale__offsets_low(&o), low * 10);
	}
	cr_assert_eq(gale__offsets_low(&o), N * 10);
	gale__offsets_fini(&o);
}

// Lines of varied lengths flow through, acked out of order within a
// window as a topology acks them, so that the ring wraps many times and
// the line acked sits at every distance from the oldest: each ack finds
// exactly its line, an offset inside a line or acked already finds none.
Test(offsets, acks_near_and_far_from_the_oldest_line_find_their_line)
{
	gale_offsets o;
	gale__offsets_init(&o, 0);
	enum { N = 20000, W = 300 };
	static uint64_t start[N + 1];
	static bool     acked[N];
	uint64_t        x = 99, off = 0, low = 0;
	size_t          added = 0;
	for (size_t i = 0; i <= N; i++) {
		start[i] = off;
		x        = x * 6364136223846793005ull + 1442695040888963407ull;
		off += 1 + (x >> 33) % 80;
	}
	for (size_t done = 0; done < N;) {
		while (added < N && added < done + W) {
			cr_assert_eq(gale__offsets_add(
					 &o, start[added], start[added + 1]),
			    GALE_OK);
			added++;
		}
		// A line not acked yet, anywhere in the window.
		x        = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t i = low + (size_t) (x >> 33) % (added - low);
		while (acked[i]) {
			i = i + 1 < added ? i + 1 : low;
		}
		if (start[i + 1] - start[i] > 1) {
			cr_assert_not(gale__offsets_ack(&o, start[i] + 1));
		}
		// By offset or, every other time, by number.
		if (done % 2 == 0) {
			cr_assert(
			    gale__offsets_ack(&o, start[i]), "line %zu", i);
		} else {
			uint64_t at;
			cr_assert(gale__offsets_offset(&o, i, &at));
			cr_assert_eq(at, start[i]);
			cr_assert(gale__offsets_ack_seq(&o, i), "line %zu", i);
		}
		cr_assert_not(gale__offsets_ack(&o, start[i]));
		cr_assert_not(gale__offsets_ack_seq(&o, i));
		acked[i] = true;
		done++;
		while (low < added && acked[low]) {
			low++;
		}
		cr_assert_eq(gale__offsets_low(&o),
		    low < added ? start[low] : start[added]);
		cr_assert_eq(gale__offsets_held(&o), added - low);
	}
	cr_assert_eq(gale__offsets_low(&o), start[N]);
	gale__offsets_fini(&o);
}

// Lines are numbered from 0 in the order they are added; a number finds
// its line's offset while the line is held, and acks by number move the
// mark as acks by offset do.
Test(offsets, lines_are_found_and_acked_by_their_number)
{
	gale_offsets o;
	gale__offsets_init(&o, 100);
	uint64_t off;
	cr_assert_eq(gale__offsets_next_seq(&o), 0);
	cr_assert_not(gale__offsets_ack_seq(&o, 0), "no line yet");
	// Lines [100,105) [105,109) [109,120) [120,121), numbered 0 to 3.
	cr_assert_eq(gale__offsets_add(&o, 100, 105), GALE_OK);
	cr_assert_eq(gale__offsets_add(&o, 105, 109), GALE_OK);
	cr_assert_eq(gale__offsets_add(&o, 109, 120), GALE_OK);
	cr_assert_eq(gale__offsets_next_seq(&o), 3);
	cr_assert_eq(gale__offsets_add(&o, 120, 121), GALE_OK);
	cr_assert(gale__offsets_offset(&o, 2, &off));
	cr_assert_eq(off, 109);
	cr_assert_not(gale__offsets_offset(&o, 4, &off), "not added yet");
	cr_assert(gale__offsets_ack_seq(&o, 1));
	cr_assert_not(gale__offsets_ack_seq(&o, 1), "a second ack");
	cr_assert(gale__offsets_offset(&o, 1, &off), "held behind line 0");
	cr_assert_eq(off, 105);
	cr_assert_eq(gale__offsets_low(&o), 100);
	cr_assert(gale__offsets_ack(&o, 100), "by offset: line 0");
	cr_assert_eq(gale__offsets_low(&o), 109);
	cr_assert_not(gale__offsets_offset(&o, 0, &off), "passed the mark");
	cr_assert_not(gale__offsets_ack_seq(&o, 0));
	cr_assert_not(gale__offsets_ack_seq(&o, 9), "never added");
	cr_assert(gale__offsets_ack_seq(&o, 3));
	cr_assert_eq(gale__offsets_low(&o), 109);
	cr_assert(gale__offsets_ack_seq(&o, 2));
	cr_assert_eq(gale__offsets_low(&o), 121);
	cr_assert_eq(gale__offsets_held(&o), 0);
	cr_assert_eq(gale__offsets_next_seq(&o), 4);
	cr_assert_eq(gale__offsets_add(&o, 121, 130), GALE_OK);
	cr_assert(gale__offsets_offset(&o, 4, &off));
	cr_assert_eq(off, 121);
	gale__offsets_fini(&o);
}
