// SPDX-License-Identifier: MIT
// pending_test.c - tests of the spout side's trees in flight and replays.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "runtime/pending.h"
#include "tests/support/rng.h"

static uint64_t
rng_root(uint64_t *s)
{
	uint64_t r;
	do {
		r = rng_next(s);
	} while (r == 0);
	return r;
}

static gale_pending *
make_pending(unsigned nbuckets, size_t limit)
{
	gale_pending *p = NULL;
	cr_assert_eq(gale__pending_new(&p, nbuckets, limit), GALE_OK);
	cr_assert_not_null(p);
	return p;
}

// Expired entries, in the order reported.
typedef struct expired {
	uint64_t root[64];
	uint64_t msg_id[64];
	uint64_t start_ns[64];
	uint32_t attempt[64];
	size_t   n;
} expired;

static void
expired_cb(
    void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns, uint32_t a)
{
	expired *x = arg;
	cr_assert_lt(x->n, 64);
	x->root[x->n]     = root;
	x->msg_id[x->n]   = msg_id;
	x->start_ns[x->n] = start_ns;
	x->attempt[x->n]  = a;
	x->n++;
}

Test(pending, take_returns_what_add_stored)
{
	gale_pending *p = make_pending(0, GALE_PENDING_REPLAY_LIMIT);
	cr_assert_eq(gale__pending_add(p, 11, 100, 5000, 2), GALE_OK);
	cr_assert_eq(gale__pending_add(p, 12, 0, 6000, 0), GALE_OK);
	cr_assert_eq(gale__pending_count(p), 2);
	uint64_t msg_id = 0, start_ns = 0;
	uint32_t attempt = 0;
	cr_assert(gale__pending_take(p, 11, &msg_id, &start_ns, &attempt));
	cr_assert_eq(msg_id, 100);
	cr_assert_eq(start_ns, 5000);
	cr_assert_eq(attempt, 2);
	cr_assert_eq(gale__pending_count(p), 1);
	cr_assert(gale__pending_take(p, 12, NULL, NULL, NULL));
	cr_assert_eq(gale__pending_count(p), 0);
	gale__pending_destroy(&p);
	cr_assert_null(p);
}

Test(pending, take_of_an_unknown_root_is_false_and_touches_nothing)
{
	gale_pending *p = make_pending(0, 16);
	cr_assert_eq(gale__pending_add(p, 11, 100, 5000, 2), GALE_OK);
	uint64_t msg_id = 7, start_ns = 8;
	uint32_t attempt = 9;
	cr_assert_not(gale__pending_take(p, 99, &msg_id, &start_ns, &attempt));
	cr_assert_not(gale__pending_take(p, 0, &msg_id, &start_ns, &attempt));
	cr_assert_eq(msg_id, 7);
	cr_assert_eq(start_ns, 8);
	cr_assert_eq(attempt, 9);
	cr_assert(gale__pending_take(p, 11, NULL, NULL, NULL));
	cr_assert_not(gale__pending_take(p, 11, NULL, NULL, NULL));
	gale__pending_destroy(&p);
}

Test(pending, add_of_a_pending_root_is_eexist_and_keeps_the_first)
{
	gale_pending *p = make_pending(0, 16);
	cr_assert_eq(gale__pending_add(p, 11, 100, 5000, 0), GALE_OK);
	cr_assert_eq(gale__pending_add(p, 11, 200, 6000, 1), GALE_EEXIST);
	cr_assert_eq(gale__pending_count(p), 1);
	uint64_t msg_id = 0;
	cr_assert(gale__pending_take(p, 11, &msg_id, NULL, NULL));
	cr_assert_eq(msg_id, 100);
	gale__pending_destroy(&p);
}

Test(pending, add_of_root_zero_is_einval)
{
	gale_pending *p = make_pending(0, 16);
	cr_assert_eq(gale__pending_add(p, 0, 1, 2, 3), GALE_EINVAL);
	cr_assert_eq(gale__pending_count(p), 0);
	gale__pending_destroy(&p);
}

Test(pending, new_rejects_bad_arguments)
{
	gale_pending *p = NULL;
	cr_assert_eq(gale__pending_new(&p, 1, 16), GALE_EINVAL);
	cr_assert_eq(gale__pending_new(&p, GALE_PENDING_BUCKETS_MAX + 1, 16),
	    GALE_EINVAL);
	cr_assert_eq(gale__pending_new(
			 &p, 3, (size_t) GALE_PENDING_REPLAY_LIMIT_MAX + 1),
	    GALE_EINVAL);
	cr_assert_null(p);
	gale__pending_destroy(&p);
	gale__pending_destroy(NULL);
}

// An entry added just after a rotation is reported by the nbuckets-th
// rotation, with its fields, and is gone afterwards.
static void
check_expiry(unsigned nbuckets, unsigned expect_rotations)
{
	gale_pending *p = make_pending(nbuckets, 16);
	cr_assert_eq(gale__pending_add(p, 21, 300, 4000, 1), GALE_OK);
	expired x = { 0 };
	for (unsigned r = 1; r < expect_rotations; r++) {
		cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0,
		    "rotation %u of %u", r, expect_rotations);
	}
	cr_assert_eq(x.n, 0);
	cr_assert_eq(gale__pending_count(p), 1);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 1);
	cr_assert_eq(x.n, 1);
	cr_assert_eq(x.root[0], 21);
	cr_assert_eq(x.msg_id[0], 300);
	cr_assert_eq(x.start_ns[0], 4000);
	cr_assert_eq(x.attempt[0], 1);
	cr_assert_eq(gale__pending_count(p), 0);
	cr_assert_not(gale__pending_take(p, 21, NULL, NULL, NULL));
	gale__pending_destroy(&p);
}

Test(pending, entries_expire_on_the_nbuckets_th_rotation)
{
	check_expiry(2, 2);
	check_expiry(3, 3);
	check_expiry(5, 5);
	check_expiry(0, GALE_PENDING_BUCKETS);
}

Test(pending, each_rotation_expires_only_its_own_bucket)
{
	gale_pending *p = make_pending(3, 16);
	expired       x = { 0 };
	cr_assert_eq(gale__pending_add(p, 1, 10, 0, 0), GALE_OK);
	cr_assert_eq(gale__pending_add(p, 2, 20, 0, 0), GALE_OK);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0);
	cr_assert_eq(gale__pending_add(p, 3, 30, 0, 0), GALE_OK);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 2);
	cr_assert_eq(x.n, 2);
	cr_assert_eq(x.msg_id[0], 10);
	cr_assert_eq(x.msg_id[1], 20);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 1);
	cr_assert_eq(x.msg_id[2], 30);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0);
	gale__pending_destroy(&p);
}

Test(pending, taken_entries_are_not_reported)
{
	gale_pending *p = make_pending(2, 16);
	expired       x = { 0 };
	cr_assert_eq(gale__pending_add(p, 1, 10, 0, 0), GALE_OK);
	cr_assert_eq(gale__pending_add(p, 2, 20, 0, 0), GALE_OK);
	cr_assert_eq(gale__pending_add(p, 3, 30, 0, 0), GALE_OK);
	cr_assert(gale__pending_take(p, 2, NULL, NULL, NULL));
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 2);
	cr_assert_eq(x.msg_id[0], 10);
	cr_assert_eq(x.msg_id[1], 30);
	gale__pending_destroy(&p);
}

Test(pending, rotate_without_callback_still_expires)
{
	gale_pending *p = make_pending(2, 16);
	cr_assert_eq(gale__pending_add(p, 1, 10, 0, 0), GALE_OK);
	cr_assert_eq(gale__pending_rotate(p, NULL, NULL), 0);
	cr_assert_eq(gale__pending_rotate(p, NULL, NULL), 1);
	cr_assert_eq(gale__pending_count(p), 0);
	gale__pending_destroy(&p);
}

// A callback that replays what expired (as a spout failing it at once
// would), takes one other root of the same bucket, and records failures.
typedef struct replayer {
	gale_pending *p;
	uint64_t      take_root;
	uint64_t      reported[8];
	size_t        n;
} replayer;

static void
replayer_cb(void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns,
    uint32_t attempt)
{
	replayer *r = arg;
	(void) start_ns;
	cr_assert_lt(r->n, 8);
	r->reported[r->n++] = root;
	if (r->take_root != 0) {
		cr_assert(
		    gale__pending_take(r->p, r->take_root, NULL, NULL, NULL));
		r->take_root = 0;
	}
	gale__pending_failed(r->p, msg_id, attempt);
	uint32_t next = gale__pending_replay_attempt(r->p, msg_id);
	cr_assert_eq(next, attempt + 1);
	cr_assert_eq(
	    gale__pending_add(r->p, root + 1000, msg_id, 0, next), GALE_OK);
}

Test(pending, callback_may_add_and_take_during_a_rotation)
{
	gale_pending *p = make_pending(3, 16);
	for (uint64_t root = 1; root <= 3; root++) {
		cr_assert_eq(
		    gale__pending_add(p, root, root * 10, 0, 0), GALE_OK);
	}
	replayer r = { .p = p, .take_root = 3 };
	cr_assert_eq(gale__pending_rotate(p, replayer_cb, &r), 0);
	cr_assert_eq(gale__pending_rotate(p, replayer_cb, &r), 0);
	// Root 1 expires; its callback takes root 3, so only 1 and 2 are
	// reported, and their replays land in the newest bucket.
	cr_assert_eq(gale__pending_rotate(p, replayer_cb, &r), 2);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.reported[0], 1);
	cr_assert_eq(r.reported[1], 2);
	cr_assert_eq(gale__pending_count(p), 2);
	expired x = { 0 };
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 0);
	cr_assert_eq(gale__pending_rotate(p, expired_cb, &x), 2);
	cr_assert_eq(x.root[0], 1001);
	cr_assert_eq(x.attempt[0], 1);
	cr_assert_eq(x.root[1], 1002);
	cr_assert_eq(x.msg_id[1], 20);
	gale__pending_destroy(&p);
}

// The expected fate of each of many entries, checked by msg_id (the index).
typedef struct fleet {
	uint64_t *roots;
	int64_t  *expires_at; // rotation number, or -1 once taken
	uint64_t  rotation;
	size_t    reported;
} fleet;

static void
fleet_cb(void *arg, uint64_t root, uint64_t msg_id, uint64_t start_ns,
    uint32_t attempt)
{
	fleet *f = arg;
	cr_assert_eq(root, f->roots[msg_id]);
	cr_assert_eq(start_ns, msg_id * 3);
	cr_assert_eq(attempt, (uint32_t) (msg_id % 5));
	cr_assert_eq(f->expires_at[msg_id], (int64_t) f->rotation, "msg %llu",
	    (unsigned long long) msg_id);
	f->expires_at[msg_id] = -2;
	f->reported++;
}

Test(pending, thousands_of_entries_expire_exactly_once_on_time)
{
	enum { N = 60000, NB = 4 };
	gale_pending *p = make_pending(NB, 16);
	uint64_t      s = 9;
	fleet         f = { 0 };
	f.roots         = malloc(N * sizeof(*f.roots));
	f.expires_at    = malloc(N * sizeof(*f.expires_at));
	cr_assert(f.roots != NULL && f.expires_at != NULL);
	size_t live = 0, taken = 0;
	for (size_t i = 0; i < N; i++) {
		f.roots[i] = rng_root(&s);
		cr_assert_eq(gale__pending_add(p, f.roots[i], i, i * 3, i % 5),
		    GALE_OK);
		f.expires_at[i] = (int64_t) (f.rotation + NB);
		live++;
		// Take a random earlier entry now and then.
		if (rng_next(&s) % 3 == 0) {
			size_t j     = rng_next(&s) % (i + 1);
			bool   alive = f.expires_at[j] >= 0;
			cr_assert_eq(gale__pending_take(
					 p, f.roots[j], NULL, NULL, NULL),
			    alive);
			if (alive) {
				f.expires_at[j] = -1;
				live--;
				taken++;
			}
		}
		if (i % 5000 == 4999) {
			f.rotation++;
			live -= gale__pending_rotate(p, fleet_cb, &f);
			cr_assert_eq(gale__pending_count(p), live);
		}
	}
	for (int r = 0; r < NB; r++) {
		f.rotation++;
		live -= gale__pending_rotate(p, fleet_cb, &f);
	}
	cr_assert_eq(live, 0);
	cr_assert_eq(gale__pending_count(p), 0);
	cr_assert_eq(f.reported + taken, N);
	for (size_t i = 0; i < N; i++) {
		cr_assert(f.expires_at[i] < 0, "entry %zu never expired", i);
	}
	free(f.roots);
	free(f.expires_at);
	gale__pending_destroy(&p);
}

Test(pending, replay_attempt_counts_failed_attempts)
{
	gale_pending *p = make_pending(0, 16);
	cr_assert_eq(gale__pending_replay_attempt(p, 500), 0);
	gale__pending_failed(p, 500, 0);
	gale__pending_failed(p, 0, 3); // message id 0 is an id like any other
	cr_assert_eq(gale__pending_replays(p), 2);
	cr_assert_eq(gale__pending_replay_attempt(p, 500), 1);
	// The record is forgotten once used.
	cr_assert_eq(gale__pending_replay_attempt(p, 500), 0);
	cr_assert_eq(gale__pending_replay_attempt(p, 0), 4);
	cr_assert_eq(gale__pending_replays(p), 0);
	gale__pending_failed(p, 9, UINT32_MAX);
	cr_assert_eq(gale__pending_replay_attempt(p, 9), UINT32_MAX);
	gale__pending_destroy(&p);
}

Test(pending, replay_limit_forgets_the_oldest)
{
	gale_pending *p = make_pending(0, 4);
	for (uint64_t id = 1; id <= 5; id++) {
		gale__pending_failed(p, id, (uint32_t) id);
	}
	cr_assert_eq(gale__pending_replays(p), 4);
	cr_assert_eq(gale__pending_replay_attempt(p, 1), 0);
	for (uint64_t id = 2; id <= 5; id++) {
		cr_assert_eq(gale__pending_replay_attempt(p, id), id + 1);
	}
	gale__pending_destroy(&p);
}

Test(pending, failing_again_makes_a_record_the_newest)
{
	gale_pending *p = make_pending(0, 3);
	gale__pending_failed(p, 1, 0);
	gale__pending_failed(p, 2, 0);
	gale__pending_failed(p, 3, 0);
	gale__pending_failed(p, 1, 1);
	gale__pending_failed(p, 4, 0);
	cr_assert_eq(gale__pending_replays(p), 3);
	cr_assert_eq(gale__pending_replay_attempt(p, 2), 0);
	cr_assert_eq(gale__pending_replay_attempt(p, 1), 2);
	cr_assert_eq(gale__pending_replay_attempt(p, 3), 1);
	cr_assert_eq(gale__pending_replay_attempt(p, 4), 1);
	gale__pending_destroy(&p);
}

Test(pending, replay_limit_zero_remembers_nothing)
{
	gale_pending *p = make_pending(0, 0);
	gale__pending_failed(p, 1, 0);
	cr_assert_eq(gale__pending_replays(p), 0);
	cr_assert_eq(gale__pending_replay_attempt(p, 1), 0);
	gale__pending_destroy(&p);
}

Test(pending, many_failures_keep_exactly_the_newest_limit)
{
	enum { LIMIT = 1000, N = 50000 };
	gale_pending *p   = make_pending(0, LIMIT);
	uint64_t      s   = 3;
	uint64_t     *ids = malloc(N * sizeof(*ids));
	cr_assert_not_null(ids);
	for (size_t i = 0; i < N; i++) {
		ids[i] = rng_next(&s);
		gale__pending_failed(p, ids[i], (uint32_t) (i % 7));
	}
	cr_assert_eq(gale__pending_replays(p), LIMIT);
	// Older than the newest LIMIT: forgotten. Checked newest first, so
	// each lookup sees the others still remembered.
	for (size_t i = N; i-- > N - LIMIT;) {
		cr_assert_eq(gale__pending_replay_attempt(p, ids[i]),
		    (uint32_t) (i % 7) + 1, "id %zu", i);
	}
	for (size_t i = 0; i < N - LIMIT; i += 97) {
		cr_assert_eq(gale__pending_replay_attempt(p, ids[i]), 0);
	}
	cr_assert_eq(gale__pending_replays(p), 0);
	free(ids);
	gale__pending_destroy(&p);
}
