// SPDX-License-Identifier: MIT
// ackbuf_test.c - tests of the per-root XOR combining of outgoing ACKs.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "runtime/ackbuf.h"
#include "tests/support/rng.h"

// A seeded generator, so a failing run can be repeated.

static uint64_t
rng_root(uint64_t *s)
{
	uint64_t r;
	do {
		r = rng_next(s);
	} while (r == 0);
	return r;
}

typedef struct pair {
	uint64_t root;
	uint64_t value;
} pair;

// What a drain handed out, in order.
typedef struct drained {
	pair  *pairs;
	size_t n;
	size_t cap;
} drained;

static void
drained_cb(void *arg, uint64_t root, uint64_t value)
{
	drained *d = arg;
	if (d->n == d->cap) {
		d->cap   = d->cap ? d->cap * 2 : 64;
		d->pairs = realloc(d->pairs, d->cap * sizeof(*d->pairs));
		cr_assert_not_null(d->pairs);
	}
	d->pairs[d->n].root  = root;
	d->pairs[d->n].value = value;
	d->n++;
}

static gale_ackbuf *
make_buf(void)
{
	gale_ackbuf *b = NULL;
	cr_assert_eq(gale__ackbuf_new(&b), GALE_OK);
	cr_assert_not_null(b);
	return b;
}

Test(ackbuf, combines_values_of_one_root_by_xor)
{
	gale_ackbuf *b = make_buf();
	cr_assert_eq(gale__ackbuf_add(b, 42, 0x0F0F), GALE_OK);
	cr_assert_eq(gale__ackbuf_add(b, 42, 0x00FF), GALE_OK);
	cr_assert_eq(gale__ackbuf_add(b, 42, 0x1000), GALE_OK);
	cr_assert_eq(gale__ackbuf_count(b), 1);
	drained d = { 0 };
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, 1);
	cr_assert_eq(d.pairs[0].root, 42);
	cr_assert_eq(d.pairs[0].value, 0x0F0F ^ 0x00FF ^ 0x1000);
	free(d.pairs);
	gale__ackbuf_destroy(&b);
	cr_assert_null(b);
}

Test(ackbuf, keeps_a_slot_whose_value_becomes_zero)
{
	gale_ackbuf *b = make_buf();
	cr_assert_eq(gale__ackbuf_add(b, 7, 0xDEADBEEF), GALE_OK);
	cr_assert_eq(gale__ackbuf_add(b, 7, 0xDEADBEEF), GALE_OK);
	cr_assert_eq(gale__ackbuf_add(b, 9, 0), GALE_OK);
	cr_assert_eq(gale__ackbuf_count(b), 2);
	drained d = { 0 };
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.pairs[0].root, 7);
	cr_assert_eq(d.pairs[0].value, 0);
	cr_assert_eq(d.pairs[1].root, 9);
	cr_assert_eq(d.pairs[1].value, 0);
	free(d.pairs);
	gale__ackbuf_destroy(&b);
}

// Checks a buffer against a plain list of first-seen roots and their XORs,
// over random roots drawn from a small pool so that most adds combine.
static void
check_against_model(gale_ackbuf *b, uint64_t seed, size_t npool, size_t nadds)
{
	uint64_t  s    = seed;
	uint64_t *pool = malloc(npool * sizeof(*pool));
	pair     *want = calloc(npool, sizeof(*want));
	cr_assert(pool != NULL && want != NULL);
	for (size_t i = 0; i < npool; i++) {
		pool[i] = rng_root(&s);
	}
	size_t nwant = 0;
	for (size_t k = 0; k < nadds; k++) {
		uint64_t root  = pool[rng_next(&s) % npool];
		uint64_t value = rng_next(&s);
		cr_assert_eq(gale__ackbuf_add(b, root, value), GALE_OK);
		size_t j = 0;
		while (j < nwant && want[j].root != root) {
			j++;
		}
		if (j == nwant) {
			want[nwant++].root = root;
		}
		want[j].value ^= value;
	}
	cr_assert_eq(gale__ackbuf_count(b), nwant);
	drained d = { 0 };
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, nwant);
	for (size_t j = 0; j < nwant; j++) {
		cr_assert_eq(d.pairs[j].root, want[j].root, "slot %zu", j);
		cr_assert_eq(d.pairs[j].value, want[j].value, "slot %zu", j);
	}
	cr_assert_eq(gale__ackbuf_count(b), 0);
	free(d.pairs);
	free(want);
	free(pool);
}

Test(ackbuf, drains_slots_in_the_order_they_were_created)
{
	gale_ackbuf *b = make_buf();
	check_against_model(b, 1, 300, 5000);
	gale__ackbuf_destroy(&b);
}

Test(ackbuf, drain_empties_and_later_adds_start_fresh_slots)
{
	gale_ackbuf *b = make_buf();
	cr_assert_eq(gale__ackbuf_add(b, 5, 0xAA), GALE_OK);
	cr_assert_eq(gale__ackbuf_add(b, 6, 0xBB), GALE_OK);
	drained d = { 0 };
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(gale__ackbuf_count(b), 0);

	// An empty buffer drains nothing.
	d.n = 0;
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, 0);

	// Root 6 before 5 now, and neither remembers its old value.
	cr_assert_eq(gale__ackbuf_add(b, 6, 0x01), GALE_OK);
	cr_assert_eq(gale__ackbuf_add(b, 5, 0x02), GALE_OK);
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.pairs[0].root, 6);
	cr_assert_eq(d.pairs[0].value, 0x01);
	cr_assert_eq(d.pairs[1].root, 5);
	cr_assert_eq(d.pairs[1].value, 0x02);
	free(d.pairs);
	gale__ackbuf_destroy(&b);
}

Test(ackbuf, many_drains_of_a_reused_buffer_stay_exact)
{
	gale_ackbuf *b = make_buf();
	for (uint64_t round = 0; round < 200; round++) {
		check_against_model(b, 100 + round, 1 + round % 37, 50);
	}
	gale__ackbuf_destroy(&b);
}

Test(ackbuf, grows_to_hold_many_roots)
{
	gale_ackbuf *b = make_buf();
	enum { N = 100000 };
	uint64_t  s     = 77;
	uint64_t *roots = malloc(N * sizeof(*roots));
	uint64_t *vals  = malloc(N * sizeof(*vals));
	cr_assert(roots != NULL && vals != NULL);
	// Distinct roots (the generator never repeats within its period),
	// each added twice with different values.
	for (size_t i = 0; i < N; i++) {
		roots[i] = rng_root(&s);
		vals[i]  = rng_next(&s);
		cr_assert_eq(gale__ackbuf_add(b, roots[i], vals[i]), GALE_OK);
	}
	for (size_t i = N; i-- > 0;) {
		cr_assert_eq(gale__ackbuf_add(b, roots[i], i), GALE_OK);
	}
	cr_assert_eq(gale__ackbuf_count(b), N);
	drained d = { 0 };
	gale__ackbuf_drain(b, drained_cb, &d);
	cr_assert_eq(d.n, N);
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(d.pairs[i].root, roots[i]);
		cr_assert_eq(d.pairs[i].value, vals[i] ^ i);
	}
	free(d.pairs);
	free(roots);
	free(vals);
	// The grown buffer is still right for small batches.
	check_against_model(b, 5, 10, 100);
	gale__ackbuf_destroy(&b);
}

Test(ackbuf, rejects_root_zero)
{
	gale_ackbuf *b = make_buf();
	cr_assert_eq(gale__ackbuf_add(b, 0, 1), GALE_EINVAL);
	cr_assert_eq(gale__ackbuf_count(b), 0);
	gale__ackbuf_destroy(&b);
}

Test(ackbuf, drain_without_callback_only_empties)
{
	gale_ackbuf *b = make_buf();
	cr_assert_eq(gale__ackbuf_add(b, 3, 4), GALE_OK);
	gale__ackbuf_drain(b, NULL, NULL);
	cr_assert_eq(gale__ackbuf_count(b), 0);
	gale__ackbuf_destroy(&b);
}

Test(ackbuf, destroy_accepts_null)
{
	gale_ackbuf *b = NULL;
	gale__ackbuf_destroy(&b);
	gale__ackbuf_destroy(NULL);
	cr_assert_null(b);
}
