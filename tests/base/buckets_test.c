// SPDX-License-Identifier: MIT
// buckets_test.c - tests of the rotating timeout buckets over an id table.

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>

#include "base/buckets.h"
#include "base/idtable.h"
#include "tests/support/rng.h"

typedef struct item {
	uint64_t         born; // the rotation count when added or touched
	gale_bucket_link link;
} item;

typedef struct fixture {
	gale_idtable t;
	gale_buckets b;
	uint64_t     rotations;
	// What the last rotation expired, by key.
	uint64_t *expired;
	size_t    nexpired;
	size_t    cap;
} fixture;

static void
fixture_init(fixture *f, unsigned nbuckets)
{
	memset(f, 0, sizeof(*f));
	cr_assert_eq(gale__idtable_init(&f->t, sizeof(item)), GALE_OK);
	cr_assert_eq(
	    gale__buckets_init(&f->b, &f->t, offsetof(item, link), nbuckets),
	    GALE_OK);
}

static void
fixture_fini(fixture *f)
{
	gale__buckets_fini(&f->b);
	gale__idtable_fini(&f->t);
	free(f->expired);
}

static uint32_t
fixture_add(fixture *f, uint64_t key)
{
	uint32_t idx = gale__idtable_insert(&f->t, key);
	cr_assert_neq(idx, GALE_IDTABLE_NIL);
	((item *) gale__idtable_value(&f->t, idx))->born = f->rotations;
	gale__buckets_add(&f->b, idx);
	return idx;
}

static void
fixture_remove(fixture *f, uint32_t idx)
{
	gale__buckets_remove(&f->b, idx);
	gale__idtable_remove(&f->t, idx);
}

static void
expire_cb(void *arg, uint32_t idx)
{
	fixture *f = arg;
	if (f->nexpired == f->cap) {
		f->cap     = f->cap ? f->cap * 2 : 64;
		f->expired = realloc(f->expired, f->cap * sizeof(uint64_t));
		cr_assert_not_null(f->expired);
	}
	f->expired[f->nexpired++] = gale__idtable_key(&f->t, idx);
	gale__idtable_remove(&f->t, idx);
}

static size_t
fixture_rotate(fixture *f)
{
	f->nexpired = 0;
	size_t n    = gale__buckets_rotate(&f->b, expire_cb, f);
	f->rotations++;
	cr_assert_eq(n, f->nexpired);
	return n;
}

Test(buckets, init_rejects_bad_bucket_counts)
{
	gale_idtable t;
	gale_buckets b;
	cr_assert_eq(gale__idtable_init(&t, sizeof(item)), GALE_OK);
	cr_assert_eq(
	    gale__buckets_init(&b, &t, offsetof(item, link), 0), GALE_EINVAL);
	gale__buckets_fini(&b);
	cr_assert_eq(gale__buckets_init(
			 &b, &t, offsetof(item, link), GALE_BUCKETS_MAX + 1),
	    GALE_EINVAL);
	gale__buckets_fini(&b);
	cr_assert_eq(
	    gale__buckets_init(&b, &t, offsetof(item, link), GALE_BUCKETS_MAX),
	    GALE_OK);
	gale__buckets_fini(&b);
	gale__buckets_fini(&b);
	gale__idtable_fini(&t);
}

Test(buckets, entries_expire_on_the_nbuckets_th_rotation)
{
	for (unsigned n = 1; n <= 6; n++) {
		fixture f;
		fixture_init(&f, n);
		fixture_add(&f, 1);
		fixture_add(&f, 2);
		for (unsigned r = 1; r < n; r++) {
			cr_assert_eq(fixture_rotate(&f), 0, "n %u r %u", n, r);
		}
		cr_assert_eq(fixture_rotate(&f), 2, "n %u", n);
		// In the order they joined the bucket.
		cr_assert_eq(f.expired[0], 1);
		cr_assert_eq(f.expired[1], 2);
		cr_assert_eq(gale__idtable_count(&f.t), 0);
		cr_assert_eq(fixture_rotate(&f), 0);
		fixture_fini(&f);
	}
}

Test(buckets, touch_starts_the_timeout_again)
{
	fixture f;
	fixture_init(&f, 3);
	uint32_t a = fixture_add(&f, 10);
	fixture_add(&f, 20);
	fixture_rotate(&f);
	fixture_rotate(&f);
	gale__buckets_touch(&f.b, a);
	cr_assert_eq(fixture_rotate(&f), 1);
	cr_assert_eq(f.expired[0], 20);
	cr_assert_eq(fixture_rotate(&f), 0);
	cr_assert_eq(fixture_rotate(&f), 1);
	cr_assert_eq(f.expired[0], 10);
	fixture_fini(&f);
}

Test(buckets, oldest_is_the_next_to_expire)
{
	fixture f;
	fixture_init(&f, 1);
	cr_assert_eq(gale__buckets_oldest(&f.b), GALE_IDTABLE_NIL);
	uint32_t a = fixture_add(&f, 1);
	uint32_t b = fixture_add(&f, 2);
	uint32_t c = fixture_add(&f, 3);
	cr_assert_eq(gale__buckets_oldest(&f.b), a);
	gale__buckets_touch(&f.b, a);
	cr_assert_eq(gale__buckets_oldest(&f.b), b);
	fixture_remove(&f, b);
	cr_assert_eq(gale__buckets_oldest(&f.b), c);
	// Touching the newest changes nothing.
	gale__buckets_touch(&f.b, a);
	cr_assert_eq(gale__buckets_oldest(&f.b), c);
	fixture_remove(&f, c);
	cr_assert_eq(gale__buckets_oldest(&f.b), a);
	fixture_remove(&f, a);
	cr_assert_eq(gale__buckets_oldest(&f.b), GALE_IDTABLE_NIL);
	fixture_fini(&f);

	// With several buckets the oldest bucket comes first.
	fixture_init(&f, 4);
	uint32_t old = fixture_add(&f, 7);
	fixture_rotate(&f);
	fixture_add(&f, 8);
	cr_assert_eq(gale__buckets_oldest(&f.b), old);
	fixture_fini(&f);
}

// An expire callback that also unlinks another entry of the expiring
// bucket and adds a new one.
typedef struct meddler {
	fixture *f;
	uint32_t victim;
	size_t   calls;
	uint32_t added;
} meddler;

static void
meddle_cb(void *arg, uint32_t idx)
{
	meddler *m = arg;
	m->calls++;
	gale__idtable_remove(&m->f->t, idx);
	if (m->calls == 1) {
		fixture_remove(m->f, m->victim);
		m->added = fixture_add(m->f, 99);
	}
}

Test(buckets, expire_may_remove_and_add_entries)
{
	fixture f;
	fixture_init(&f, 2);
	fixture_add(&f, 1);
	uint32_t victim = fixture_add(&f, 2);
	fixture_add(&f, 3);
	fixture_rotate(&f);
	meddler m = { .f = &f, .victim = victim };
	cr_assert_eq(gale__buckets_rotate(&f.b, meddle_cb, &m), 2);
	cr_assert_eq(m.calls, 2);
	// The one added went into the newest bucket and is still there.
	cr_assert_eq(gale__idtable_count(&f.t), 1);
	cr_assert_eq(gale__idtable_find(&f.t, 99), m.added);
	cr_assert_eq(gale__buckets_rotate(&f.b, meddle_cb, &m), 0);
	m.calls = 1;
	cr_assert_eq(gale__buckets_rotate(&f.b, meddle_cb, &m), 1);
	cr_assert_eq(gale__idtable_count(&f.t), 0);
	fixture_fini(&f);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
	return (x > y) - (x < y);
}

// Random adds, removals, touches and rotations, far past the wrap of the
// ring: every rotation must expire exactly the entries whose age reached
// nbuckets, as a reference list of (key, born) says.
static void
run_random(uint64_t seed, unsigned nbuckets, size_t nops)
{
	fixture f;
	fixture_init(&f, nbuckets);
	size_t    cap  = nops + 1;
	uint64_t *keys = malloc(cap * sizeof(*keys));
	uint64_t *born = malloc(cap * sizeof(*born));
	uint64_t *want = malloc(cap * sizeof(*want));
	cr_assert(keys != NULL && born != NULL && want != NULL);
	size_t   n    = 0;
	uint64_t next = 1;
	uint64_t s    = seed;
	for (size_t op = 0; op < nops; op++) {
		uint64_t r = rng_next(&s);
		unsigned w = (unsigned) (r % 100);
		if (w < 50) {
			keys[n] = next++;
			born[n] = f.rotations;
			fixture_add(&f, keys[n]);
			n++;
		} else if (w < 65 && n > 0) {
			size_t k = (r >> 8) % n;
			fixture_remove(&f, gale__idtable_find(&f.t, keys[k]));
			n--;
			keys[k] = keys[n];
			born[k] = born[n];
		} else if (w < 75 && n > 0) {
			size_t k = (r >> 8) % n;
			gale__buckets_touch(
			    &f.b, gale__idtable_find(&f.t, keys[k]));
			born[k] = f.rotations;
		} else if (w < 85) {
			size_t nwant = 0;
			for (size_t i = 0; i < n;) {
				if (f.rotations + 1 - born[i] >= nbuckets) {
					want[nwant++] = keys[i];
					n--;
					keys[i] = keys[n];
					born[i] = born[n];
				} else {
					i++;
				}
			}
			cr_assert_eq(fixture_rotate(&f), nwant, "op %zu", op);
			if (nwant > 0) {
				qsort(want, nwant, sizeof(*want), cmp_u64);
				qsort(f.expired, f.nexpired, sizeof(uint64_t),
				    cmp_u64);
			}
			for (size_t i = 0; i < nwant; i++) {
				cr_assert_eq(f.expired[i], want[i]);
			}
		}
		cr_assert_eq(gale__idtable_count(&f.t), n, "op %zu", op);
	}
	for (size_t i = 0; i < n; i++) {
		cr_assert_neq(
		    gale__idtable_find(&f.t, keys[i]), GALE_IDTABLE_NIL);
	}
	free(keys);
	free(born);
	free(want);
	fixture_fini(&f);
}

Test(buckets, random_operations_expire_exactly_on_time)
{
	for (unsigned nb = 1; nb <= 5; nb++) {
		run_random(nb, nb, 20000);
	}
	run_random(42, 64, 50000);
}
