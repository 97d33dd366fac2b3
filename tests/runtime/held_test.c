// SPDX-License-Identifier: MIT
// held_test.c - tests of the pool of held tuples: copies, handles that go
// stale once released, reuse of slots, growth.

#include <criterion/criterion.h>

#include "runtime/held.h"

static gale_tuple
tuple_with(gale_anchor *a, size_t n, uint64_t ack_val)
{
	return (gale_tuple) {
		.anchors  = a,
		.nanchors = n,
		.src_task = 3,
		.ack_val  = ack_val,
	};
}

Test(held, keeps_a_copy_of_the_anchors_not_a_pointer)
{
	gale_held_pool *p;
	cr_assert_eq(gale__held_new(&p), GALE_OK);
	gale_anchor a[2] = { { 11, 1 }, { 12, 2 } };
	gale_tuple  t    = tuple_with(a, 2, 7);
	uint64_t    h;
	cr_assert_eq(gale__held_put(p, &t, &h), GALE_OK);
	cr_assert_neq(h, 0);
	a[0].root       = 99; // the batch it came in is reused
	gale_tuple *got = gale__held_get(p, h);
	cr_assert_not_null(got);
	cr_assert_eq(got->nanchors, 2);
	cr_assert_eq(got->anchors[0].root, 11);
	cr_assert_eq(got->anchors[1].edge, 2);
	cr_assert_eq(got->ack_val, 7);
	cr_assert_eq(got->src_task, 3);
	cr_assert_eq(got->nvalues, 0);
	cr_assert(!got->done);
	cr_assert_eq(gale__held_count(p), 1);
	gale__held_destroy(&p);
	cr_assert_null(p);
}

Test(held, a_released_handle_names_nothing_even_when_its_slot_is_reused)
{
	gale_held_pool *p;
	cr_assert_eq(gale__held_new(&p), GALE_OK);
	gale_anchor a = { 5, 6 };
	gale_tuple  t = tuple_with(&a, 1, 0);
	uint64_t    h1, h2;
	cr_assert_eq(gale__held_put(p, &t, &h1), GALE_OK);
	gale__held_release(p, h1);
	cr_assert_null(gale__held_get(p, h1));
	cr_assert_eq(gale__held_put(p, &t, &h2), GALE_OK);
	cr_assert_neq(h1, h2);
	cr_assert_eq((uint32_t) h1, (uint32_t) h2, "the slot is reused");
	cr_assert_null(gale__held_get(p, h1));
	cr_assert_not_null(gale__held_get(p, h2));
	gale__held_release(p, h1); // stale: nothing
	cr_assert_eq(gale__held_count(p), 1);
	cr_assert_null(gale__held_get(p, 0));
	cr_assert_null(gale__held_get(p, 12345));
	gale__held_destroy(&p);
}

static void
count_and_release(void *arg, uint64_t h, gale_tuple *t)
{
	gale_held_pool **pp = arg;
	cr_assert_not_null(t);
	gale__held_release(*pp, h);
}

Test(held, grows_past_a_chunk_with_stable_copies_and_many_anchors)
{
	gale_held_pool *p;
	cr_assert_eq(gale__held_new(&p), GALE_OK);
	enum { N = 1000 };
	static uint64_t    hs[N];
	static gale_tuple *at[N];
	gale_anchor        many[9];
	for (int k = 0; k < 9; k++) {
		many[k] = (gale_anchor) { (uint64_t) k + 1, (uint64_t) k };
	}
	for (int i = 0; i < N; i++) {
		gale_tuple t
		    = tuple_with(many, (size_t) (i % 10), (uint64_t) i);
		cr_assert_eq(gale__held_put(p, &t, &hs[i]), GALE_OK);
		at[i] = gale__held_get(p, hs[i]);
	}
	cr_assert_eq(gale__held_count(p), N);
	for (int i = 0; i < N; i++) {
		gale_tuple *t = gale__held_get(p, hs[i]);
		cr_assert_eq(t, at[i], "copy %d moved", i);
		cr_assert_eq(t->ack_val, (uint64_t) i);
		cr_assert_eq(t->nanchors, (size_t) (i % 10));
		for (size_t k = 0; k < t->nanchors; k++) {
			cr_assert_eq(t->anchors[k].root, k + 1);
		}
	}
	gale__held_each(p, count_and_release, &p);
	cr_assert_eq(gale__held_count(p), 0);
	for (int i = 0; i < N; i++) {
		cr_assert_null(gale__held_get(p, hs[i]));
	}
	gale__held_destroy(&p);
}
