// SPDX-License-Identifier: MIT
// acker_test.c - tests of tree completion, failure and timeout in the acker.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "base/rand.h"
#include "runtime/acker.h"
#include "tests/support/rng.h"

static gale_acker *
make_acker(unsigned nbuckets)
{
	gale_acker *a = NULL;
	cr_assert_eq(gale__acker_new(&a, nbuckets), GALE_OK);
	cr_assert_not_null(a);
	return a;
}

// ---------------------------------------------------------------------
// Single trees, by hand
// ---------------------------------------------------------------------

Test(acker, completes_when_the_last_edge_is_acked)
{
	gale_acker *a = make_acker(0);
	// Spout tuple -> e1, e2; the bolt on e1 emits e3 anchored to it.
	uint64_t e1 = 0x1111, e2 = 0x2222, e3 = 0x4444;
	uint32_t task  = 0;
	uint64_t start = 0;
	cr_assert_eq(gale__acker_init(a, 9, e1 ^ e2, 7, 100, &task, &start),
	    GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_ack(a, 9, e1 ^ e3, 200, &task, &start),
	    GALE_TREE_PENDING);
	cr_assert_eq(
	    gale__acker_ack(a, 9, e3, 300, &task, &start), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_pending(a), 1);
	cr_assert_eq(
	    gale__acker_ack(a, 9, e2, 400, &task, &start), GALE_TREE_COMPLETE);
	cr_assert_eq(task, 7);
	cr_assert_eq(start, 100);
	cr_assert_eq(gale__acker_pending(a), 0);
	gale__acker_destroy(&a);
	cr_assert_null(a);
}

Test(acker, init_with_zero_xor_completes_at_once)
{
	gale_acker *a     = make_acker(0);
	uint32_t    task  = 0;
	uint64_t    start = 0;
	cr_assert_eq(gale__acker_init(a, 5, 0, 3, 42, &task, &start),
	    GALE_TREE_COMPLETE);
	cr_assert_eq(task, 3);
	cr_assert_eq(start, 42);
	cr_assert_eq(gale__acker_pending(a), 0);
	gale__acker_destroy(&a);
}

Test(acker, acks_before_the_init_complete_at_the_init)
{
	gale_acker *a     = make_acker(0);
	uint32_t    task  = 0;
	uint64_t    start = 0;
	// Every ACK arrives first; their XOR is 0 only once the INIT is in.
	cr_assert_eq(
	    gale__acker_ack(a, 5, 0xA, 10, &task, &start), GALE_TREE_PENDING);
	cr_assert_eq(
	    gale__acker_ack(a, 5, 0xB, 20, &task, &start), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_init(a, 5, 0xA ^ 0xB, 4, 30, &task, &start),
	    GALE_TREE_COMPLETE);
	cr_assert_eq(task, 4);
	// The start is the time of the first op seen, an ACK here.
	cr_assert_eq(start, 10);
	gale__acker_destroy(&a);
}

Test(acker, zero_xor_without_the_init_is_not_complete)
{
	gale_acker *a = make_acker(0);
	cr_assert_eq(
	    gale__acker_ack(a, 5, 0xA, 10, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(
	    gale__acker_ack(a, 5, 0xA, 20, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_pending(a), 1);
	cr_assert_eq(
	    gale__acker_init(a, 5, 0, 1, 30, NULL, NULL), GALE_TREE_COMPLETE);
	cr_assert_eq(gale__acker_pending(a), 0);
	gale__acker_destroy(&a);
}

Test(acker, fail_after_the_init_fails_at_once)
{
	gale_acker *a     = make_acker(0);
	uint32_t    task  = 0;
	uint64_t    start = 0;
	cr_assert_eq(gale__acker_init(a, 8, 0x77, 2, 500, &task, &start),
	    GALE_TREE_PENDING);
	cr_assert_eq(
	    gale__acker_fail(a, 8, 5, 600, &task, &start), GALE_TREE_FAILED);
	cr_assert_eq(gale__acker_failed_by(a), 5);
	cr_assert_eq(task, 2);
	cr_assert_eq(start, 500);
	cr_assert_eq(gale__acker_pending(a), 0);
	gale__acker_destroy(&a);
}

Test(acker, fail_before_the_init_is_reported_by_the_init)
{
	gale_acker *a     = make_acker(0);
	uint32_t    task  = 0;
	uint64_t    start = 0;
	cr_assert_eq(
	    gale__acker_fail(a, 8, 5, 600, &task, &start), GALE_TREE_PENDING);
	// ACKs that would complete the tree do not undo the failure.
	cr_assert_eq(gale__acker_ack(a, 8, 0x77, 650, &task, &start),
	    GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_pending(a), 1);
	// Another tree fails meanwhile; the report still names task 5.
	cr_assert_eq(gale__acker_init(a, 9, 0x1, 3, 650, NULL, NULL),
	    GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_fail(a, 9, 7, 660, NULL, NULL),
	    GALE_TREE_FAILED);
	cr_assert_eq(gale__acker_failed_by(a), 7);
	cr_assert_eq(gale__acker_init(a, 8, 0x77, 2, 700, &task, &start),
	    GALE_TREE_FAILED);
	cr_assert_eq(task, 2);
	cr_assert_eq(start, 600);
	cr_assert_eq(gale__acker_failed_by(a), 5);
	cr_assert_eq(gale__acker_pending(a), 0);
	gale__acker_destroy(&a);
}

Test(acker, pending_results_leave_the_outputs_alone)
{
	gale_acker *a     = make_acker(0);
	uint32_t    task  = 99;
	uint64_t    start = 98;
	cr_assert_eq(gale__acker_init(a, 8, 0x77, 2, 500, &task, &start),
	    GALE_TREE_PENDING);
	cr_assert_eq(
	    gale__acker_ack(a, 8, 0x7, 501, &task, &start), GALE_TREE_PENDING);
	cr_assert_eq(task, 99);
	cr_assert_eq(start, 98);
	gale__acker_destroy(&a);
}

Test(acker, ops_for_root_zero_are_ignored)
{
	gale_acker *a = make_acker(0);
	cr_assert_eq(
	    gale__acker_init(a, 0, 0, 1, 1, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(
	    gale__acker_ack(a, 0, 5, 1, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_fail(a, 0, 5, 1, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_pending(a), 0);
	gale__acker_destroy(&a);
}

Test(acker, new_rejects_bad_bucket_counts)
{
	gale_acker *a = NULL;
	cr_assert_eq(gale__acker_new(&a, 1), GALE_EINVAL);
	cr_assert_eq(
	    gale__acker_new(&a, GALE_ACKER_BUCKETS_MAX + 1), GALE_EINVAL);
	cr_assert_null(a);
	gale__acker_destroy(&a);
	gale__acker_destroy(NULL);
}

// ---------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------

static void
check_expiry(unsigned nbuckets, unsigned expect_rotations)
{
	gale_acker *a = make_acker(nbuckets);
	cr_assert_eq(
	    gale__acker_init(a, 3, 0xF0, 1, 0, NULL, NULL), GALE_TREE_PENDING);
	for (unsigned r = 1; r < expect_rotations; r++) {
		cr_assert_eq(gale__acker_rotate(a), 0, "rotation %u", r);
		// Touching the entry does not keep it alive longer.
		cr_assert_eq(gale__acker_ack(a, 3, 0x10, r, NULL, NULL),
		    GALE_TREE_PENDING);
		cr_assert_eq(gale__acker_ack(a, 3, 0x10, r, NULL, NULL),
		    GALE_TREE_PENDING);
	}
	cr_assert_eq(gale__acker_pending(a), 1);
	cr_assert_eq(gale__acker_rotate(a), 1);
	cr_assert_eq(gale__acker_pending(a), 0);
	// The tree is gone: the ACK that would have completed it starts a
	// new entry, which cannot complete.
	cr_assert_eq(
	    gale__acker_ack(a, 3, 0xF0, 9, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_pending(a), 1);
	gale__acker_destroy(&a);
}

Test(acker, entries_expire_on_the_nbuckets_th_rotation)
{
	check_expiry(2, 2);
	check_expiry(3, 3);
	check_expiry(7, 7);
	check_expiry(0, GALE_ACKER_BUCKETS);
}

Test(acker, entries_expire_by_the_bucket_they_started_in)
{
	gale_acker *a = make_acker(3);
	cr_assert_eq(
	    gale__acker_init(a, 1, 0x1, 1, 0, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_fail(a, 2, 5, 0, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_rotate(a), 0);
	cr_assert_eq(
	    gale__acker_ack(a, 3, 0x3, 0, NULL, NULL), GALE_TREE_PENDING);
	cr_assert_eq(gale__acker_rotate(a), 0);
	cr_assert_eq(gale__acker_rotate(a), 2);
	cr_assert_eq(gale__acker_pending(a), 1);
	cr_assert_eq(gale__acker_rotate(a), 1);
	cr_assert_eq(gale__acker_pending(a), 0);
	cr_assert_eq(gale__acker_rotate(a), 0);
	gale__acker_destroy(&a);
}

// ---------------------------------------------------------------------
// Random trees
// ---------------------------------------------------------------------

enum { OP_INIT, OP_ACK, OP_FAIL };

typedef struct op {
	int      kind;
	uint64_t value;
} op;

// One spout tuple's tree, as the ops its tasks send to the acker, in the
// order they will be delivered, and what each should return.
typedef struct tree {
	uint64_t root;
	uint32_t spout_task;
	op      *ops;
	size_t   nops;
	size_t   next; // the next op to deliver
	size_t   report; // the op that must return the final state
	int      final; // GALE_TREE_COMPLETE or GALE_TREE_FAILED
	uint64_t first_ns;
	int      seen; // how many final states were returned
} tree;

// Emits the children of a tuple whose edge is edge: each child gets a fresh
// edge id, and the tuple's ACK is its edge XOR its children's. Returns the
// XOR of the children's edges. A tuple chosen to fail sends FAIL instead
// and emits nothing.
static uint64_t
tree_grow(tree *t, uint64_t *s, int depth, bool *fail_left)
{
	uint64_t x = 0;
	unsigned n = depth >= 4 ? 0 : (unsigned) (rng_next(s) % 4);
	for (unsigned c = 0; c < n; c++) {
		uint64_t edge = rng_id(s);
		x ^= edge;
		size_t me = t->nops++;
		if (*fail_left && rng_next(s) % 4 == 0) {
			*fail_left      = false;
			t->ops[me].kind = OP_FAIL;
			continue;
		}
		uint64_t kids    = tree_grow(t, s, depth + 1, fail_left);
		t->ops[me].kind  = OP_ACK;
		t->ops[me].value = edge ^ kids;
	}
	return x;
}

// Builds a random tree rooted at root; with want_fail, one tuple of it (if
// it has any) fails. The ops are shuffled: ACKs come in any order, and the
// INIT anywhere among them.
static void
tree_make(tree *t, uint64_t *s, uint64_t root, bool want_fail)
{
	t->root       = root;
	t->spout_task = (uint32_t) (rng_next(s) % 1000);
	// At most 1 + 3 + 9 + 27 + 81 tuples.
	t->ops  = malloc(128 * sizeof(*t->ops));
	t->nops = 1;
	t->next = 0;
	t->seen = 0;
	cr_assert_not_null(t->ops);
	bool fail_left  = want_fail;
	t->ops[0].kind  = OP_INIT;
	t->ops[0].value = tree_grow(t, s, 0, &fail_left);
	bool failed     = want_fail && !fail_left;
	for (size_t i = t->nops; i > 1; i--) {
		size_t j      = rng_next(s) % i;
		op     tmp    = t->ops[i - 1];
		t->ops[i - 1] = t->ops[j];
		t->ops[j]     = tmp;
	}
	size_t init = 0, fail = 0;
	for (size_t i = 0; i < t->nops; i++) {
		if (t->ops[i].kind == OP_INIT) {
			init = i;
		}
		if (t->ops[i].kind == OP_FAIL) {
			fail = i;
		}
	}
	if (failed) {
		// Reported by whichever of the FAIL and the INIT comes last.
		t->final  = GALE_TREE_FAILED;
		t->report = fail > init ? fail : init;
	} else {
		// Complete exactly with the last op, whatever it is.
		t->final  = GALE_TREE_COMPLETE;
		t->report = t->nops - 1;
	}
}

// Delivers the next op of t at time now and checks what it returns.
static void
tree_step(gale_acker *a, tree *t, uint64_t now)
{
	const op *o     = &t->ops[t->next];
	uint32_t  task  = 0;
	uint64_t  start = 0;
	int       got;
	if (t->next == 0) {
		t->first_ns = now;
	}
	switch (o->kind) {
	case OP_INIT:
		got = gale__acker_init(
		    a, t->root, o->value, t->spout_task, now, &task, &start);
		break;
	case OP_ACK:
		got = gale__acker_ack(
		    a, t->root, o->value, now, &task, &start);
		break;
	default:
		got = gale__acker_fail(a, t->root, 9, now, &task, &start);
		break;
	}
	if (t->next == t->report) {
		cr_assert_eq(got, t->final, "root %llx op %zu of %zu",
		    (unsigned long long) t->root, t->next, t->nops);
		cr_assert_eq(task, t->spout_task);
		cr_assert_eq(start, t->first_ns);
		t->seen++;
	} else {
		cr_assert_eq(got, GALE_TREE_PENDING, "root %llx op %zu of %zu",
		    (unsigned long long) t->root, t->next, t->nops);
	}
	t->next++;
}

// Runs ntrees random trees at once, their ops interleaved at random, with
// a share of them failing; every tree must end exactly once, exactly at its
// last relevant op. Left over are only the entries of ops that came after
// a tree failed, which the timeout clears.
static void
run_forest(uint64_t seed, size_t ntrees, unsigned fail_per_16)
{
	uint64_t    s     = seed;
	gale_acker *a     = make_acker(3);
	tree       *trees = calloc(ntrees, sizeof(*trees));
	size_t     *live  = malloc(ntrees * sizeof(*live));
	cr_assert(trees != NULL && live != NULL);
	size_t nfailed = 0;
	for (size_t i = 0; i < ntrees; i++) {
		bool want_fail = rng_next(&s) % 16 < fail_per_16;
		tree_make(&trees[i], &s, rng_id(&s), want_fail);
		nfailed += trees[i].final == GALE_TREE_FAILED;
		live[i] = i;
	}
	size_t   nlive = ntrees;
	uint64_t now   = 1;
	while (nlive > 0) {
		size_t k = rng_next(&s) % nlive;
		tree  *t = &trees[live[k]];
		tree_step(a, t, now++);
		if (t->next == t->nops) {
			live[k] = live[--nlive];
		}
	}
	size_t ncomplete = 0, nfailed_seen = 0;
	for (size_t i = 0; i < ntrees; i++) {
		cr_assert_eq(trees[i].seen, 1, "tree %zu ended %d times", i,
		    trees[i].seen);
		ncomplete += trees[i].final == GALE_TREE_COMPLETE;
		nfailed_seen += trees[i].final == GALE_TREE_FAILED;
		free(trees[i].ops);
	}
	cr_assert_eq(ncomplete + nfailed_seen, ntrees);
	cr_assert_eq(nfailed_seen, nfailed);
	if (nfailed == 0) {
		cr_assert_eq(gale__acker_pending(a), 0);
	}
	size_t left = gale__acker_pending(a);
	size_t gone = 0;
	for (int r = 0; r < 3; r++) {
		gone += gale__acker_rotate(a);
	}
	cr_assert_eq(gone, left);
	cr_assert_eq(gale__acker_pending(a), 0);
	free(trees);
	free(live);
	gale__acker_destroy(&a);
}

Test(acker, random_trees_complete_exactly_once_at_their_last_ack)
{
	for (uint64_t seed = 1; seed <= 300; seed++) {
		run_forest(seed, 1, 0);
	}
}

Test(acker, thousands_of_interleaved_trees_complete_and_leave_nothing)
{
	run_forest(1234, 5000, 0);
}

Test(acker, failed_trees_fail_exactly_once)
{
	for (uint64_t seed = 1; seed <= 300; seed++) {
		run_forest(seed, 1, 16);
	}
	run_forest(99, 5000, 6);
}

// Roots chosen so that all land on the same home slot, making one long
// probe run; removing them in random order must keep the others findable.
Test(acker, colliding_roots_survive_removals_in_any_order)
{
	// The inverse of the odd hashing constant, modulo 2^64.
	uint64_t g   = GALE_GOLDEN;
	uint64_t inv = g;
	for (int i = 0; i < 6; i++) {
		inv *= 2 - g * inv;
	}
	cr_assert_eq(g * inv, 1);
	enum { N = 64 };
	uint64_t roots[N];
	uint32_t tasks[N];
	uint64_t s = 17;
	for (uint64_t i = 0; i < N; i++) {
		roots[i] = inv * ((UINT64_C(5) << 56) + i);
		tasks[i] = (uint32_t) i + 100;
	}
	gale_acker *a = make_acker(0);
	for (size_t i = 0; i < N; i++) {
		cr_assert_eq(gale__acker_init(a, roots[i], roots[i] ^ 0x1,
				 tasks[i], i, NULL, NULL),
		    GALE_TREE_PENDING);
	}
	for (size_t n = N; n > 0; n--) {
		size_t   k    = rng_next(&s) % n;
		uint64_t r    = roots[k];
		uint32_t want = tasks[k];
		roots[k]      = roots[n - 1];
		tasks[k]      = tasks[n - 1];
		uint32_t task = UINT32_MAX;
		cr_assert_eq(gale__acker_ack(a, r, r ^ 0x1, 0, &task, NULL),
		    GALE_TREE_COMPLETE);
		cr_assert_eq(task, want);
		cr_assert_eq(gale__acker_pending(a), n - 1);
		// Every other root is still found, not started afresh.
		for (size_t j = 0; j + 1 < n; j++) {
			cr_assert_eq(
			    gale__acker_ack(a, roots[j], 0, 0, NULL, NULL),
			    GALE_TREE_PENDING);
		}
		cr_assert_eq(gale__acker_pending(a), n - 1);
	}
	gale__acker_destroy(&a);
}
