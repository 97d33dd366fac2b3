// SPDX-License-Identifier: MIT
// idtable_test.c - tests of the id table against a simple reference model.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "base/idtable.h"
#include "tests/support/rng.h"

typedef struct value {
	uint64_t payload;
	uint32_t tag;
} value;

static value *
value_at(gale_idtable *t, uint32_t idx)
{
	return gale__idtable_value(t, idx);
}

// Keys whose home is the same slot in a table of any size: k * g^-1 for
// keys k sharing their top bits, since the home is (key * g) >> shift.
static uint64_t
colliding_key(uint64_t i)
{
	uint64_t g   = GALE_GOLDEN;
	uint64_t inv = g;
	for (int k = 0; k < 6; k++) {
		inv *= 2 - g * inv;
	}
	cr_assert_eq(g * inv, 1);
	return inv * ((UINT64_C(5) << 56) + i);
}

Test(idtable, find_in_an_empty_table_is_nil)
{
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, sizeof(value)), GALE_OK);
	cr_assert_eq(gale__idtable_count(&t), 0);
	cr_assert_eq(gale__idtable_find(&t, 0), GALE_IDTABLE_NIL);
	cr_assert_eq(gale__idtable_find(&t, 42), GALE_IDTABLE_NIL);
	gale__idtable_fini(&t);
}

Test(idtable, insert_then_find_gives_the_entry_and_its_value)
{
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, sizeof(value)), GALE_OK);
	uint32_t a = gale__idtable_insert(&t, 7);
	cr_assert_neq(a, GALE_IDTABLE_NIL);
	value_at(&t, a)->payload = 700;
	uint32_t b               = gale__idtable_insert(&t, 0);
	cr_assert_neq(b, GALE_IDTABLE_NIL);
	cr_assert_neq(a, b);
	value_at(&t, b)->payload = 1;
	cr_assert_eq(gale__idtable_find(&t, 7), a);
	cr_assert_eq(gale__idtable_find(&t, 0), b);
	cr_assert_eq(gale__idtable_key(&t, a), 7);
	cr_assert_eq(gale__idtable_key(&t, b), 0);
	cr_assert_eq(value_at(&t, a)->payload, 700);
	cr_assert_eq(value_at(&t, b)->payload, 1);
	cr_assert_eq(gale__idtable_count(&t), 2);
	gale__idtable_remove(&t, a);
	cr_assert_eq(gale__idtable_find(&t, 7), GALE_IDTABLE_NIL);
	cr_assert_eq(gale__idtable_find(&t, 0), b);
	cr_assert_eq(gale__idtable_count(&t), 1);
	gale__idtable_fini(&t);
}

Test(idtable, indices_follow_insertion_order_until_a_removal)
{
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, sizeof(uint64_t)), GALE_OK);
	uint64_t s = 3;
	for (uint32_t i = 0; i < 1000; i++) {
		cr_assert_eq(gale__idtable_insert(&t, rng_next(&s)), i);
	}
	// The freed index is the next handed out, most recent first.
	gale__idtable_remove(&t, 10);
	gale__idtable_remove(&t, 500);
	cr_assert_eq(gale__idtable_insert(&t, 1), 500);
	cr_assert_eq(gale__idtable_insert(&t, 2), 10);
	cr_assert_eq(gale__idtable_insert(&t, 3), 1000);
	gale__idtable_fini(&t);
}

Test(idtable, values_and_indices_survive_growth)
{
	enum { N = 100000 };
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, sizeof(value)), GALE_OK);
	uint64_t *keys = malloc(N * sizeof(*keys));
	uint32_t *idx  = malloc(N * sizeof(*idx));
	cr_assert(keys != NULL && idx != NULL);
	for (uint64_t i = 0; i < N; i++) {
		// Sequential keys, as message ids are.
		keys[i] = i;
		idx[i]  = gale__idtable_insert(&t, keys[i]);
		cr_assert_neq(idx[i], GALE_IDTABLE_NIL);
		value_at(&t, idx[i])->payload = ~keys[i];
		value_at(&t, idx[i])->tag     = (uint32_t) i;
	}
	cr_assert_eq(gale__idtable_count(&t), N);
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(gale__idtable_find(&t, keys[i]), idx[i]);
		cr_assert_eq(value_at(&t, idx[i])->payload, ~keys[i]);
		cr_assert_eq(value_at(&t, idx[i])->tag, i);
	}
	cr_assert_eq(gale__idtable_find(&t, N), GALE_IDTABLE_NIL);
	free(keys);
	free(idx);
	gale__idtable_fini(&t);
}

Test(idtable, colliding_keys_survive_removals_in_any_order)
{
	enum { N = 200 };
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, 0), GALE_OK);
	uint64_t keys[N];
	uint32_t idx[N];
	for (uint64_t i = 0; i < N; i++) {
		keys[i] = colliding_key(i);
		idx[i]  = gale__idtable_insert(&t, keys[i]);
	}
	uint64_t s = 11;
	for (size_t n = N; n > 0; n--) {
		size_t k = rng_next(&s) % n;
		gale__idtable_remove(&t, idx[k]);
		cr_assert_eq(
		    gale__idtable_find(&t, keys[k]), GALE_IDTABLE_NIL);
		keys[k] = keys[n - 1];
		idx[k]  = idx[n - 1];
		for (size_t j = 0; j + 1 < n; j++) {
			cr_assert_eq(gale__idtable_find(&t, keys[j]), idx[j]);
		}
	}
	cr_assert_eq(gale__idtable_count(&t), 0);
	gale__idtable_fini(&t);
}

Test(idtable, clear_forgets_everything_and_keeps_working)
{
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, sizeof(uint64_t)), GALE_OK);
	for (int round = 0; round < 50; round++) {
		uint64_t s = (uint64_t) round;
		size_t   n = 1 + (size_t) round * 37;
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(gale__idtable_insert(&t, rng_next(&s)),
			    (uint32_t) i);
		}
		cr_assert_eq(gale__idtable_count(&t), n);
		gale__idtable_clear(&t);
		cr_assert_eq(gale__idtable_count(&t), 0);
		s = (uint64_t) round;
		for (size_t i = 0; i < n; i++) {
			cr_assert_eq(gale__idtable_find(&t, rng_next(&s)),
			    GALE_IDTABLE_NIL);
		}
	}
	gale__idtable_fini(&t);
}

Test(idtable, clear_when_the_epoch_wraps_empties_the_index)
{
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, 0), GALE_OK);
	for (uint64_t k = 1; k <= 5; k++) {
		gale__idtable_insert(&t, k);
	}
	// Reach the last epoch as 2^32 clears would.
	t.epoch = UINT32_MAX;
	for (uint64_t k = 1; k <= 5; k++) {
		gale__idtable_insert(&t, k + 100);
	}
	gale__idtable_clear(&t);
	cr_assert_eq(t.epoch, 1);
	for (uint64_t k = 1; k <= 5; k++) {
		// Neither the keys of epoch 1 nor those of the last one.
		cr_assert_eq(gale__idtable_find(&t, k), GALE_IDTABLE_NIL);
		cr_assert_eq(
		    gale__idtable_find(&t, k + 100), GALE_IDTABLE_NIL);
	}
	cr_assert_eq(gale__idtable_insert(&t, 1), 0);
	cr_assert_eq(gale__idtable_find(&t, 1), 0);
	gale__idtable_fini(&t);
}

// The reference: a plain array of live keys and their payloads.
typedef struct model {
	uint64_t *keys;
	uint64_t *payloads;
	uint32_t *idx;
	size_t    n;
} model;

static size_t
model_find(const model *m, uint64_t key)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->keys[i] == key) {
			return i;
		}
	}
	return SIZE_MAX;
}

// Random inserts, removals, lookups and clears, from a small key space so
// that lookups hit and miss, with colliding keys mixed in.
static void
run_random(uint64_t seed, size_t nops, uint64_t key_space)
{
	gale_idtable t;
	cr_assert_eq(gale__idtable_init(&t, sizeof(value)), GALE_OK);
	model m = {
		.keys     = malloc(key_space * 2 * sizeof(uint64_t)),
		.payloads = malloc(key_space * 2 * sizeof(uint64_t)),
		.idx      = malloc(key_space * 2 * sizeof(uint32_t)),
	};
	cr_assert(m.keys != NULL && m.payloads != NULL && m.idx != NULL);
	uint64_t s = seed;
	for (size_t op = 0; op < nops; op++) {
		uint64_t r   = rng_next(&s);
		uint64_t key = (r >> 8) % key_space;
		if (r & 0x80) {
			key = colliding_key(key);
		}
		size_t   at  = model_find(&m, key);
		uint32_t got = gale__idtable_find(&t, key);
		if (at == SIZE_MAX) {
			cr_assert_eq(got, GALE_IDTABLE_NIL, "op %zu", op);
		} else {
			cr_assert_eq(got, m.idx[at], "op %zu", op);
			cr_assert_eq(
			    value_at(&t, got)->payload, m.payloads[at]);
			cr_assert_eq(gale__idtable_key(&t, got), key);
		}
		unsigned what = (unsigned) (r & 0x7f);
		if (what < 60 && at == SIZE_MAX) {
			uint32_t idx = gale__idtable_insert(&t, key);
			cr_assert_neq(idx, GALE_IDTABLE_NIL);
			for (size_t i = 0; i < m.n; i++) {
				cr_assert_neq(m.idx[i], idx, "index reused");
			}
			value_at(&t, idx)->payload = r;
			m.keys[m.n]                = key;
			m.payloads[m.n]            = r;
			m.idx[m.n]                 = idx;
			m.n++;
		} else if (what < 120 && at != SIZE_MAX) {
			gale__idtable_remove(&t, m.idx[at]);
			m.n--;
			m.keys[at]     = m.keys[m.n];
			m.payloads[at] = m.payloads[m.n];
			m.idx[at]      = m.idx[m.n];
		} else if (what == 127 && (r >> 40) % 64 == 0) {
			gale__idtable_clear(&t);
			m.n = 0;
		}
		cr_assert_eq(gale__idtable_count(&t), m.n, "op %zu", op);
	}
	for (size_t i = 0; i < m.n; i++) {
		cr_assert_eq(gale__idtable_find(&t, m.keys[i]), m.idx[i]);
	}
	free(m.keys);
	free(m.payloads);
	free(m.idx);
	gale__idtable_fini(&t);
}

Test(idtable, random_operations_match_a_reference_model)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		run_random(seed, 20000, 64);
	}
	run_random(99, 100000, 3000);
}

Test(idtable, fini_accepts_zeroed_and_finished_tables)
{
	gale_idtable t = { 0 };
	gale__idtable_fini(&t);
	cr_assert_eq(gale__idtable_init(&t, 24), GALE_OK);
	gale__idtable_fini(&t);
	gale__idtable_fini(&t);
}
