// SPDX-License-Identifier: MIT
// router_test - groupings: shuffle, fields, all, global, direct, none and
// local-or-shuffle, and the stable fields hash.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/router.h"

static const char *const fake_default_fields[] = { "word", "n", NULL };
static const char *const fake_keyed_fields[]   = { "k", "x", "y", NULL };
static const char *const fake_direct_fields[]  = { "v", NULL };

static const gale_stream_decl fake_outputs[] = {
	{ .stream = "default", .fields = fake_default_fields },
	{ .stream = "keyed", .fields = fake_keyed_fields },
	{ .stream = "direct", .fields = fake_direct_fields },
	{ .stream = "quiet", .fields = NULL },
	{ .stream = NULL },
};

static const gale_spout_ops fake_spout_ops = {
	.outputs = fake_outputs,
};

static const gale_bolt_ops fake_bolt_ops = {
	.outputs = NULL,
};

// A topology built by hand: fixed arrays, static strings, nothing to free.
// Component 0 is the spout "src"; bolts are added after it.
typedef struct fake_topo {
	gale_topology      t;
	gale_component_def comps[8];
	gale_stream_def    streams[16];
	gale_plan         *plan;
} fake_topo;

static void
fake_init(fake_topo *f, uint32_t src_parallelism)
{
	memset(f, 0, sizeof(*f));
	f->t.name               = "fake";
	f->t.components         = f->comps;
	f->t.streams            = f->streams;
	f->t.ncomponents        = 1;
	f->comps[0].id          = "src";
	f->comps[0].is_spout    = true;
	f->comps[0].parallelism = src_parallelism;
	f->comps[0].spout       = &fake_spout_ops;
}

static void
fake_bolt(fake_topo *f, const char *id, uint32_t parallelism)
{
	gale_component_def *d = &f->comps[f->t.ncomponents++];
	d->id                 = (char *) id;
	d->parallelism        = parallelism;
	d->bolt               = &fake_bolt_ops;
}

static gale_stream_def *
fake_sub(fake_topo *f, const char *to, const char *stream, gale_grouping g)
{
	gale_stream_def *s = &f->streams[f->t.nstreams++];
	s->from            = "src";
	s->to              = (char *) to;
	s->stream          = (char *) stream;
	s->grouping        = g;
	return s;
}

static gale_router *
fake_router(fake_topo *f, uint32_t nworkers, uint32_t src_task, uint64_t seed)
{
	if (f->plan == NULL) {
		cr_assert_eq(
		    gale_plan_new(&f->plan, &f->t, nworkers, 1), GALE_OK);
	}
	gale_router *r = NULL;
	cr_assert_eq(
	    gale__router_new(&r, f->plan, &f->t, src_task, seed), GALE_OK);
	cr_assert_not_null(r);
	return r;
}

static void
fake_fini(fake_topo *f, gale_router **r)
{
	gale__router_destroy(r);
	cr_assert_null(*r);
	gale_plan_destroy(&f->plan);
}

static uint32_t
fake_first(fake_topo *f, const char *id)
{
	int c = gale_plan_component_index(f->plan, id);
	cr_assert_geq(c, 0);
	return gale_plan_component_first_task(f->plan, (uint32_t) c);
}

// A topology whose spout (task 1) feeds bolt "b", tasks 2 to 6, grouped by
// g; on two workers, tasks 3 and 5 share task 1's.
static void
fake_five(fake_topo *f, gale_grouping g)
{
	fake_init(f, 1);
	fake_bolt(f, "b", 5);
	fake_sub(f, "b", "default", g);
}

// Routes one default-stream tuple that must have exactly one destination.
static uint32_t
route_one(gale_router *r, const gale_value *values)
{
	uint32_t out[64];
	size_t   n = 99;
	cr_assert_leq(gale__router_max_targets(r), 64);
	cr_assert_eq(gale__router_route(r, 0, values, 2, 0, out, &n), GALE_OK);
	cr_assert_eq(n, 1);
	return out[0];
}

// Routes 5 * each tuples to a subscriber of tasks 2 to 6, and checks that
// every one of them got each.
static void
expect_each_of_five(gale_router *r, const gale_value *values, uint32_t each)
{
	uint32_t count[7] = { 0 };
	for (uint32_t i = 0; i < 5 * each; i++) {
		uint32_t task = route_one(r, values);
		cr_assert(task >= 2 && task <= 6, "task %u", task);
		count[task]++;
	}
	for (uint32_t task = 2; task <= 6; task++) {
		cr_assert_eq(count[task], each, "task %u got %u of %u", task,
		    count[task], 5 * each);
	}
}

// xorshift64*: the test's own random numbers.
static uint64_t
fake_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void
check_shuffle_cycles(gale_grouping g, uint32_t nworkers)
{
	fake_topo f;
	fake_five(&f, g);
	gale_router *r        = fake_router(&f, nworkers, 1, 42);
	uint32_t     first    = fake_first(&f, "b");
	gale_value   v[2]     = { gale_cstr("w"), gale_i64(1) };
	uint32_t     total[5] = { 0 };
	uint32_t     prev[5], orders_differ = 0;
	for (int cycle = 0; cycle < 1000; cycle++) {
		uint32_t seen[5] = { 0 };
		uint32_t order[5];
		for (int i = 0; i < 5; i++) {
			uint32_t task = route_one(r, v);
			cr_assert(task >= first && task < first + 5, "task %u",
			    task);
			seen[task - first]++;
			total[task - first]++;
			order[i] = task;
		}
		for (int k = 0; k < 5; k++) {
			cr_assert_eq(seen[k], 1, "cycle %d: task %d got %u",
			    cycle, k, seen[k]);
		}
		if (cycle > 0 && memcmp(prev, order, sizeof(order)) != 0) {
			orders_differ++;
		}
		memcpy(prev, order, sizeof(order));
	}
	for (int k = 0; k < 5; k++) {
		cr_assert_eq(total[k], 1000);
	}
	// A fixed round-robin would repeat its order in every cycle.
	cr_assert_gt(orders_differ, 500);
	fake_fini(&f, &r);
}

Test(router, shuffle_spreads_exactly_evenly_in_permutation_cycles)
{
	check_shuffle_cycles(GALE_GROUP_SHUFFLE, 1);
}

Test(router, none_spreads_like_shuffle)
{
	check_shuffle_cycles(GALE_GROUP_NONE, 2);
}

// Two workers; "src" has task 1 (worker 0) and "b" tasks 2-6 (workers 1,
// 0, 1, 0, 1): tasks 3 and 5 are local to task 1.
Test(router, shuffle_keeps_to_local_tasks_while_they_keep_up)
{
	fake_topo f;
	fake_five(&f, GALE_GROUP_SHUFFLE);
	gale_router *r        = fake_router(&f, 2, 1, 42);
	gale_value   v[2]     = { gale_cstr("w"), gale_i64(1) };
	uint32_t     count[7] = { 0 };
	for (int i = 0; i < 100; i++) {
		uint32_t task = route_one(r, v);
		cr_assert(task == 3 || task == 5, "task %u", task);
		count[task]++;
	}
	cr_assert_eq(count[3], 50);
	cr_assert_eq(count[5], 50);
	// A full remote task or a task of no subscriber changes nothing.
	gale__router_note_full(r, 2);
	gale__router_note_full(r, 1);
	gale__router_note_full(r, 99);
	for (int i = 0; i < 100; i++) {
		uint32_t task = route_one(r, v);
		cr_assert(task == 3 || task == 5, "task %u", task);
	}
	fake_fini(&f, &r);
}

Test(router, shuffle_with_loadaware_messaging_off_spreads_over_every_task)
{
	fake_topo f;
	fake_five(&f, GALE_GROUP_SHUFFLE);
	gale_option off;
	memset(&off, 0, sizeof(off));
	off.key     = "topology.disable.loadaware.messaging";
	off.value   = "true";
	f.t.config  = &off;
	f.t.nconfig = 1;

	gale_router *r    = fake_router(&f, 2, 1, 42);
	gale_value   v[2] = { gale_cstr("w"), gale_i64(1) };
	expect_each_of_five(r, v, 100);
	fake_fini(&f, &r);
}

Test(router, shuffle_spreads_over_every_task_once_a_local_one_is_full)
{
	fake_topo f;
	fake_five(&f, GALE_GROUP_SHUFFLE);
	gale_router *r        = fake_router(&f, 2, 1, 42);
	gale_value   v[2]     = { gale_cstr("w"), gale_i64(1) };
	uint32_t     total[7] = { 0 };
	for (int round = 0; round < 2; round++) {
		gale__router_note_full(r, round == 0 ? 3 : 5);
		// The wide picks go round the five tasks in cycles of their
		// own, which the next round continues.
		for (int i = 0; i < GALE_ROUTER_SPREAD_PER_TASK * 5; i++) {
			uint32_t task = route_one(r, v);
			cr_assert(task >= 2 && task <= 6, "task %u", task);
			total[task]++;
		}
		// And back to the local tasks.
		for (int i = 0; i < 50; i++) {
			uint32_t task = route_one(r, v);
			cr_assert(task == 3 || task == 5, "task %u", task);
		}
	}
	uint32_t cycles = 2 * GALE_ROUTER_SPREAD_PER_TASK;
	for (uint32_t task = 2; task <= 6; task++) {
		cr_assert(total[task] == cycles || total[task] == cycles + 1,
		    "task %u got %u", task, total[task]);
	}
	fake_fini(&f, &r);
}

Test(router, shuffle_spread_is_set_per_task_of_the_subscriber)
{
	fake_topo f;
	fake_five(&f, GALE_GROUP_SHUFFLE);
	gale_router *r    = fake_router(&f, 2, 1, 42);
	gale_value   v[2] = { gale_cstr("w"), gale_i64(1) };
	// 3 per task of five: 15 picks over every task, then local again.
	gale__router_set_spread(r, 3);
	gale__router_note_full(r, 3);
	expect_each_of_five(r, v, 3);
	for (int i = 0; i < 20; i++) {
		uint32_t task = route_one(r, v);
		cr_assert(task == 3 || task == 5, "task %u", task);
	}
	// 0 is taken as 1: five picks, one each.
	gale__router_set_spread(r, 0);
	gale__router_note_full(r, 5);
	expect_each_of_five(r, v, 1);
	uint32_t task = route_one(r, v);
	cr_assert(task == 3 || task == 5, "task %u", task);
	fake_fini(&f, &r);
}

Test(router, shuffle_order_follows_the_seed)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 8);
	fake_sub(&f, "b", "default", GALE_GROUP_SHUFFLE);
	gale_router *r1             = fake_router(&f, 1, 1, 7);
	gale_router *r2             = fake_router(&f, 1, 1, 7);
	gale_router *r3             = fake_router(&f, 1, 1, 8);
	gale_value   v[2]           = { gale_cstr("w"), gale_i64(1) };
	int          same_seed_diff = 0, other_seed_diff = 0;
	for (int i = 0; i < 80; i++) {
		uint32_t a = route_one(r1, v);
		uint32_t b = route_one(r2, v);
		uint32_t c = route_one(r3, v);
		same_seed_diff += a != b;
		other_seed_diff += a != c;
	}
	cr_assert_eq(same_seed_diff, 0);
	cr_assert_gt(other_seed_diff, 0);
	gale__router_destroy(&r2);
	gale__router_destroy(&r3);
	fake_fini(&f, &r1);
}

Test(router, fields_sends_equal_keys_to_the_same_task)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 6);
	gale_stream_def *sd = fake_sub(&f, "b", "default", GALE_GROUP_FIELDS);
	char            *word = "word";
	sd->fields            = &word;
	sd->nfields           = 1;
	gale_router *r        = fake_router(&f, 1, 1, 1);
	uint32_t     first    = fake_first(&f, "b");
	enum { NKEYS = 1000 };
	uint32_t task_of[NKEYS] = { 0 };
	uint32_t used[6]        = { 0 };
	uint64_t rng            = 99;
	for (int i = 0; i < 100000; i++) {
		int  key = (int) (fake_random(&rng) % NKEYS);
		char buf[16];
		snprintf(buf, sizeof(buf), "key%d", key);
		// The other field changes on every emit and must not matter.
		gale_value v[2] = { gale_cstr(buf), gale_i64(i) };
		uint32_t   task = route_one(r, v);
		cr_assert(task >= first && task < first + 6);
		if (task_of[key] == 0) {
			task_of[key] = task;
		}
		cr_assert_eq(task, task_of[key], "key%d moved", key);
		used[task - first]++;
	}
	for (int k = 0; k < 6; k++) {
		cr_assert_gt(used[k], 0, "task %d never used", k);
	}
	fake_fini(&f, &r);
}

// The hash of router.h's definition, computed apart from the runtime (by
// a model of that definition, not by this code): a change to the function
// moves every key of a running topology's restarted tasks, so it must be
// deliberate.
Test(router, hash_keeps_its_published_values)
{
	gale_value vs = gale_cstr("ab");
	gale_value ve = gale_cstr("");
	gale_value vt = gale_cstr("the");
	gale_value vw = gale_cstr("wordcount");
	gale_value vl = gale_cstr("abcdefghijklmnopq");
	gale_value vi = gale_i64(0x0102030405060708LL);
	gale_value vn = gale_i64(-1);
	gale_value vf = gale_f64(1.5);
	gale_value vb = gale_bool(true);
	gale_value vy = gale_bytes("\x00\xff", 2);
	struct {
		const gale_value *v;
		uint64_t          want;
	} one[] = {
		{ &vs, 0x492400f3899cf457ULL },
		{ &ve, 0x641d8814c6d16501ULL },
		{ &vt, 0xbe3a72264b3b1258ULL },
		{ &vw, 0x2e404f430e4199a0ULL },
		{ &vl, 0x3dc66cfa94ccc0ccULL },
		{ &vi, 0xd7d68a9d0e60023eULL },
		{ &vn, 0xff0ca8d6964ecdebULL },
		{ &vf, 0x2712ce8fe21f8cfdULL },
		{ &vb, 0xed758631f9338f1aULL },
		{ &vy, 0xba6ffed9d8569f84ULL },
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		cr_expect_eq(gale__router_hash(&one[i].v, 1), one[i].want,
		    "value %zu: %#llx", i,
		    (unsigned long long) gale__router_hash(&one[i].v, 1));
	}
	const gale_value *two[2] = { &vs, &vi };
	cr_expect_eq(gale__router_hash(two, 2), 0x1c70576fea0f2b8fULL);
	cr_expect_eq(gale__router_hash(NULL, 0), 0xcbf29ce484222325ULL);
}

// What the hash tells apart: the same bytes as another type, where one
// field ends and the next begins, 0.0 and -0.0, a byte at any position of
// a word of any length.
Test(router, hash_tells_types_boundaries_and_every_byte_apart)
{
	gale_value        s = gale_cstr("ab"), y = gale_bytes("ab", 2);
	const gale_value *ps = &s, *py = &y;
	cr_expect_neq(gale__router_hash(&ps, 1), gale__router_hash(&py, 1));
	gale_value        a = gale_cstr("a"), bc = gale_cstr("bc");
	gale_value        ab = gale_cstr("ab"), c = gale_cstr("c");
	const gale_value *x[2] = { &a, &bc }, *z[2] = { &ab, &c };
	cr_expect_neq(gale__router_hash(x, 2), gale__router_hash(z, 2));
	gale_value        p0 = gale_f64(0.0), n0 = gale_f64(-0.0);
	const gale_value *pp = &p0, *pn = &n0;
	cr_expect_neq(gale__router_hash(&pp, 1), gale__router_hash(&pn, 1));
	char word[24], other[24];
	for (size_t len = 1; len <= sizeof(word); len++) {
		memset(word, 'k', len);
		gale_value        w  = gale_bytes(word, len);
		const gale_value *pw = &w;
		uint64_t          h  = gale__router_hash(&pw, 1);
		for (size_t i = 0; i < len; i++) {
			memcpy(other, word, len);
			other[i]             = 'q';
			gale_value        o  = gale_bytes(other, len);
			const gale_value *po = &o;
			cr_expect_neq(gale__router_hash(&po, 1), h,
			    "length %zu, byte %zu", len, i);
		}
	}
}

// FIELDS scales the hash of the named fields, in the order named, to the
// subscriber's tasks: the high half of the hash times the number of
// tasks, the high half of that.
Test(router, fields_picks_the_task_of_the_hash_of_the_named_fields_in_order)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 7);
	gale_stream_def *sd = fake_sub(&f, "b", "keyed", GALE_GROUP_FIELDS);
	char            *names[] = { "y", "k" };
	sd->fields               = names;
	sd->nfields              = 2;
	gale_router *r           = fake_router(&f, 1, 1, 1);
	uint32_t     first       = fake_first(&f, "b");
	int          s           = gale__router_stream(r, "keyed");
	cr_assert_eq(s, 1);
	uint32_t seen[7] = { 0 };
	for (int64_t i = 0; i < 700; i++) {
		gale_value v[3]
		    = { gale_i64(i), gale_cstr("ignored"), gale_i64(i * 31) };
		const gale_value *yk[2] = { &v[2], &v[0] };
		uint64_t          h     = gale__router_hash(yk, 2);
		uint32_t          out[8];
		size_t            n;
		cr_assert_eq(
		    gale__router_route(r, s, v, 3, 0, out, &n), GALE_OK);
		cr_assert_eq(n, 1);
		cr_assert_eq(
		    out[0], first + (uint32_t) (((h >> 32) * 7) >> 32));
		seen[out[0] - first]++;
	}
	// 700 keys over 7 tasks: about 100 each.
	for (int t = 0; t < 7; t++) {
		cr_expect(seen[t] > 60 && seen[t] < 140, "task %d: %u keys", t,
		    seen[t]);
	}
	fake_fini(&f, &r);
}

Test(router, all_sends_to_every_task)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 4);
	fake_sub(&f, "b", "default", GALE_GROUP_ALL);
	gale_router *r     = fake_router(&f, 3, 1, 1);
	uint32_t     first = fake_first(&f, "b");
	cr_assert_eq(gale__router_max_targets(r), 4);
	gale_value v[2] = { gale_cstr("w"), gale_i64(1) };
	for (int round = 0; round < 3; round++) {
		uint32_t out[4];
		size_t   n;
		cr_assert_eq(
		    gale__router_route(r, 0, v, 2, 0, out, &n), GALE_OK);
		cr_assert_eq(n, 4);
		for (uint32_t k = 0; k < 4; k++) {
			cr_assert_eq(out[k], first + k);
		}
	}
	fake_fini(&f, &r);
}

Test(router, global_sends_to_the_lowest_task)
{
	fake_topo f;
	fake_init(&f, 2);
	fake_bolt(&f, "a", 3);
	fake_bolt(&f, "b", 4);
	fake_sub(&f, "b", "default", GALE_GROUP_GLOBAL);
	gale_router *r    = fake_router(&f, 2, 2, 1);
	gale_value   v[2] = { gale_cstr("w"), gale_i64(1) };
	for (int i = 0; i < 20; i++) {
		cr_assert_eq(route_one(r, v), fake_first(&f, "b"));
	}
	fake_fini(&f, &r);
}

Test(router, direct_accepts_only_tasks_of_a_direct_subscriber)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "d", 3);
	fake_bolt(&f, "o", 2);
	fake_sub(&f, "d", "direct", GALE_GROUP_DIRECT);
	fake_sub(&f, "o", "default", GALE_GROUP_DIRECT);
	fake_sub(&f, "o", "direct", GALE_GROUP_SHUFFLE);
	gale_router *r = fake_router(&f, 1, 1, 1);
	int          s = gale__router_stream(r, "direct");
	cr_assert_eq(s, 2);
	uint32_t   d    = fake_first(&f, "d");
	uint32_t   o    = fake_first(&f, "o");
	gale_value v[1] = { gale_i64(5) };
	uint32_t   out[8];
	size_t     n;
	for (uint32_t k = 0; k < 3; k++) {
		n = 0;
		cr_assert_eq(
		    gale__router_route(r, s, v, 1, d + k, out, &n), GALE_OK);
		cr_assert_eq(n, 1);
		cr_assert_eq(out[0], d + k);
	}
	// A task of a subscriber that does not group DIRECT on this stream,
	// the source itself, the acker and tasks that do not exist.
	uint32_t bad[] = { o, o + 1, 1, gale_plan_ntasks(f.plan), 999 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 5;
		cr_assert_eq(gale__router_route(r, s, v, 1, bad[i], out, &n),
		    GALE_EINVAL, "task %u", bad[i]);
		cr_assert_eq(n, 0);
	}
	// Without a direct task only the shuffled subscriber gets the tuple.
	cr_assert_eq(gale__router_route(r, s, v, 1, 0, out, &n), GALE_OK);
	cr_assert_eq(n, 1);
	cr_assert(out[0] == o || out[0] == o + 1);
	// On the default stream "o" groups DIRECT: a plain emit reaches
	// nobody.
	gale_value w[2] = { gale_cstr("w"), gale_i64(1) };
	cr_assert_eq(gale__router_route(r, 0, w, 2, 0, out, &n), GALE_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(gale__router_route(r, 0, w, 2, o + 1, out, &n), GALE_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0], o + 1);
	fake_fini(&f, &r);
}

Test(router, a_refused_direct_task_is_explained)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "d", 3);
	fake_bolt(&f, "o", 2);
	fake_sub(&f, "d", "direct", GALE_GROUP_DIRECT);
	fake_sub(&f, "o", "direct", GALE_GROUP_SHUFFLE);
	fake_sub(&f, "o", "default", GALE_GROUP_SHUFFLE);
	gale_router *r = fake_router(&f, 1, 1, 1);
	uint32_t     d = fake_first(&f, "d");
	uint32_t     o = fake_first(&f, "o");
	char         why[512], want[512];
	gale__router_direct_why(
	    r, gale__router_stream(r, "direct"), o, why, sizeof(why));
	snprintf(want, sizeof(want),
	    "task %u ('o') does not subscribe to stream 'direct' with a "
	    "DIRECT grouping; the stream goes direct to 'd' (tasks %u-%u)",
	    o, d, d + 2);
	cr_assert_str_eq(why, want);
	gale__router_direct_why(
	    r, gale__router_stream(r, "direct"), 999, why, sizeof(why));
	snprintf(want, sizeof(want),
	    "task 999 is not a task of the topology; stream 'direct' goes "
	    "direct to 'd' (tasks %u-%u)",
	    d, d + 2);
	cr_assert_str_eq(why, want);
	gale__router_direct_why(r, 0, d, why, sizeof(why));
	cr_assert_str_eq(why,
	    "stream 'default' has no subscriber with a DIRECT grouping");
	gale__router_direct_why(r, -1, d, why, sizeof(why));
	cr_assert_str_eq(why, "the stream is not declared");
	// A small buffer is cut, still a string.
	gale__router_direct_why(r, 0, d, why, 8);
	cr_assert_str_eq(why, "stream ");
	fake_fini(&f, &r);
}

// Four workers; "src" has tasks 1-2 (workers 0, 1) and "b" tasks 3-8
// (workers 2, 3, 0, 1, 2, 3), so task 1 has task 5 as its one local "b"
// task and task 2 has task 6.
Test(router, local_or_shuffle_keeps_to_local_tasks_when_there_are_any)
{
	fake_topo f;
	fake_init(&f, 2);
	fake_bolt(&f, "b", 6);
	fake_sub(&f, "b", "default", GALE_GROUP_LOCAL_OR_SHUFFLE);
	gale_router *r1   = fake_router(&f, 4, 1, 3);
	gale_router *r2   = fake_router(&f, 4, 2, 3);
	gale_value   v[2] = { gale_cstr("w"), gale_i64(1) };
	for (int i = 0; i < 100; i++) {
		uint32_t a = route_one(r1, v);
		uint32_t b = route_one(r2, v);
		cr_assert_eq(gale_plan_task_worker(f.plan, a), 0);
		cr_assert_eq(gale_plan_task_worker(f.plan, b), 1);
		cr_assert_eq(a, 5);
		cr_assert_eq(b, 6);
	}
	gale__router_destroy(&r2);
	fake_fini(&f, &r1);
}

Test(router, local_or_shuffle_spreads_over_local_tasks_evenly)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 6);
	fake_sub(&f, "b", "default", GALE_GROUP_LOCAL_OR_SHUFFLE);
	// Two workers: task 1 on worker 0 with "b" tasks 3, 5 and 7.
	gale_router *r       = fake_router(&f, 2, 1, 3);
	gale_value   v[2]    = { gale_cstr("w"), gale_i64(1) };
	uint32_t     got[16] = { 0 };
	for (int i = 0; i < 300; i++) {
		uint32_t task = route_one(r, v);
		cr_assert_eq(gale_plan_task_worker(f.plan, task), 0,
		    "task %u is not local", task);
		got[task]++;
	}
	cr_assert_eq(got[3], 100);
	cr_assert_eq(got[5], 100);
	cr_assert_eq(got[7], 100);
	fake_fini(&f, &r);
}

Test(router, local_or_shuffle_uses_every_task_when_none_is_local)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 3);
	fake_sub(&f, "b", "default", GALE_GROUP_LOCAL_OR_SHUFFLE);
	// Ten workers: task 1 on worker 0, "b" tasks 2-4 on workers 1-3.
	gale_router *r      = fake_router(&f, 10, 1, 3);
	uint32_t     first  = fake_first(&f, "b");
	gale_value   v[2]   = { gale_cstr("w"), gale_i64(1) };
	uint32_t     got[3] = { 0 };
	for (int i = 0; i < 300; i++) {
		uint32_t task = route_one(r, v);
		cr_assert(task >= first && task < first + 3);
		cr_assert_neq(gale_plan_task_worker(f.plan, task), 0);
		got[task - first]++;
	}
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(got[k], 100);
	}
	fake_fini(&f, &r);
}

Test(router, every_subscriber_gets_its_own_copy)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "a", 2);
	fake_bolt(&f, "b", 3);
	fake_bolt(&f, "c", 4);
	fake_sub(&f, "a", "default", GALE_GROUP_SHUFFLE);
	fake_sub(&f, "b", "default", GALE_GROUP_ALL);
	fake_sub(&f, "c", "default", GALE_GROUP_GLOBAL);
	fake_sub(&f, "c", "keyed", GALE_GROUP_ALL);
	gale_router *r = fake_router(&f, 1, 1, 1);
	cr_assert_eq(gale__router_max_targets(r), 1 + 3 + 1);
	gale_value v[2] = { gale_cstr("w"), gale_i64(1) };
	uint32_t   out[8];
	size_t     n;
	cr_assert_eq(gale__router_route(r, 0, v, 2, 0, out, &n), GALE_OK);
	cr_assert_eq(n, 5);
	uint32_t a = fake_first(&f, "a"), b = fake_first(&f, "b");
	cr_assert(out[0] == a || out[0] == a + 1);
	cr_assert_eq(out[1], b);
	cr_assert_eq(out[2], b + 1);
	cr_assert_eq(out[3], b + 2);
	cr_assert_eq(out[4], fake_first(&f, "c"));
	fake_fini(&f, &r);
}

Test(router, a_stream_nobody_subscribes_routes_nowhere)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 2);
	fake_sub(&f, "b", "default", GALE_GROUP_SHUFFLE);
	gale_router *r = fake_router(&f, 1, 1, 1);
	int          s = gale__router_stream(r, "quiet");
	cr_assert_eq(s, 3);
	cr_assert_eq(gale__router_stream_nfields(r, s), 0);
	uint32_t out[4];
	size_t   n = 9;
	cr_assert_eq(gale__router_route(r, s, NULL, 0, 0, out, &n), GALE_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(gale__router_max_targets(r), 1);
	fake_fini(&f, &r);
}

Test(router, finds_streams_by_name)
{
	fake_topo f;
	fake_init(&f, 1);
	gale_router *r = fake_router(&f, 1, 1, 1);
	cr_assert_eq(gale__router_nstreams(r), 4);
	cr_assert_eq(gale__router_stream(r, NULL), 0);
	cr_assert_eq(gale__router_stream(r, "default"), 0);
	cr_assert_eq(gale__router_stream(r, "keyed"), 1);
	cr_assert_eq(gale__router_stream(r, "nope"), -1);
	cr_assert_eq(gale__router_stream(r, ""), -1);
	cr_assert_str_eq(gale__router_stream_name(r, 1), "keyed");
	cr_assert_eq(gale__router_stream_nfields(r, 0), 2);
	cr_assert_eq(gale__router_stream_nfields(r, 1), 3);
	cr_assert_null(gale__router_stream_name(r, -1));
	cr_assert_null(gale__router_stream_name(r, 4));
	cr_assert_eq(gale__router_stream_nfields(r, 4), 0);
	fake_fini(&f, &r);
}

Test(router, rejects_bad_streams_and_value_counts)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 2);
	fake_sub(&f, "b", "default", GALE_GROUP_SHUFFLE);
	gale_router *r    = fake_router(&f, 1, 1, 1);
	gale_value   v[3] = { gale_cstr("w"), gale_i64(1), gale_i64(2) };
	uint32_t     out[4];
	size_t       n = 7;
	cr_assert_eq(gale__router_route(r, 0, v, 3, 0, out, &n), GALE_EINVAL);
	cr_assert_eq(n, 0);
	cr_assert_eq(gale__router_route(r, 0, v, 1, 0, out, &n), GALE_EINVAL);
	cr_assert_eq(
	    gale__router_route(r, 0, NULL, 2, 0, out, &n), GALE_EINVAL);
	cr_assert_eq(gale__router_route(r, -1, v, 2, 0, out, &n), GALE_EINVAL);
	cr_assert_eq(gale__router_route(r, 4, v, 0, 0, out, &n), GALE_EINVAL);
	fake_fini(&f, &r);
}

static void
check_new_fails(fake_topo *f, uint32_t src_task)
{
	static int   sentinel;
	gale_router *before = (gale_router *) &sentinel;
	gale_router *r      = before;
	if (f->plan == NULL) {
		cr_assert_eq(gale_plan_new(&f->plan, &f->t, 2, 1), GALE_OK);
	}
	cr_assert_eq(gale__router_new(&r, f->plan, &f->t, src_task, 1),
	    GALE_EINVAL, "task %u", src_task);
	cr_assert_eq(r, before);
	gale_plan_destroy(&f->plan);
}

Test(router, rejects_what_it_cannot_route)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 2);
	check_new_fails(&f, 0);
	check_new_fails(&f, 4); // the acker
	check_new_fails(&f, 5);

	// An unresolved component.
	f.comps[0].spout = NULL;
	check_new_fails(&f, 1);

	fake_init(&f, 1);
	fake_bolt(&f, "b", 2);
	fake_sub(&f, "b", "undeclared", GALE_GROUP_SHUFFLE);
	check_new_fails(&f, 1);

	fake_init(&f, 1);
	fake_bolt(&f, "b", 2);
	gale_stream_def *sd = fake_sub(&f, "b", "keyed", GALE_GROUP_FIELDS);
	char            *names[] = { "k", "zz" };
	sd->fields               = names;
	sd->nfields              = 2;
	check_new_fails(&f, 1);

	sd->nfields = 0;
	check_new_fails(&f, 1);

	sd->nfields  = 1;
	sd->grouping = (gale_grouping) 77;
	check_new_fails(&f, 1);
}

Test(router, builds_for_a_bolt_that_emits_nothing)
{
	fake_topo f;
	fake_init(&f, 1);
	fake_bolt(&f, "b", 2);
	fake_sub(&f, "b", "default", GALE_GROUP_SHUFFLE);
	gale_router *r = fake_router(&f, 1, 2, 1);
	cr_assert_eq(gale__router_nstreams(r), 0);
	cr_assert_eq(gale__router_stream(r, NULL), -1);
	gale__router_destroy(&r);
	gale__router_destroy(&r);
	gale__router_destroy(NULL);
	gale_plan_destroy(&f.plan);
}
