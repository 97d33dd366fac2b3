// SPDX-License-Identifier: MIT
// plan_test - task ids, placement, ackers and the inputs and outputs of tasks.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "topology/plan.h"

// A topology built by hand: fixed arrays, static strings, nothing to free.
typedef struct fake_topo {
	gale_topology      t;
	gale_component_def comps[8];
	gale_stream_def    streams[16];
} fake_topo;

static void
fake_init(fake_topo *f)
{
	memset(f, 0, sizeof(*f));
	f->t.name       = "fake";
	f->t.components = f->comps;
	f->t.streams    = f->streams;
}

static void
fake_component(fake_topo *f, const char *id, bool is_spout, uint32_t par)
{
	gale_component_def *d = &f->comps[f->t.ncomponents++];
	d->id                 = (char *) id;
	d->component          = (char *) id;
	d->is_spout           = is_spout;
	d->parallelism        = par;
}

static void
fake_stream(fake_topo *f, const char *from, const char *to, const char *stream)
{
	gale_stream_def *s = &f->streams[f->t.nstreams++];
	s->from            = (char *) from;
	s->to              = (char *) to;
	s->stream          = (char *) stream;
	s->grouping        = GALE_GROUP_SHUFFLE;
}

// xorshift64*: the test's own random numbers, independent of the plan's.
static uint64_t
fake_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

// spout s (2) feeds a (3) on "default" and "x", and b (2) on "x"; a feeds
// b; b feeds c (1); c feeds itself.
static void
fake_pipeline(fake_topo *f)
{
	fake_init(f);
	fake_component(f, "s", true, 2);
	fake_component(f, "a", false, 3);
	fake_component(f, "b", false, 2);
	fake_component(f, "c", false, 1);
	fake_stream(f, "s", "a", "default");
	fake_stream(f, "s", "a", "x");
	fake_stream(f, "s", "b", "x");
	fake_stream(f, "a", "b", "default");
	fake_stream(f, "b", "c", "default");
	fake_stream(f, "c", "c", "loop");
}

Test(plan, numbers_tasks_contiguously_in_component_order)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 3, 2), GALE_OK);
	cr_assert_eq(gale_plan_ntasks(p), 2 + 3 + 2 + 1 + 2);
	uint32_t next = 1;
	for (uint32_t c = 0; c < gale_plan_ncomponents(p); c++) {
		uint32_t want
		    = c < f.t.ncomponents ? f.comps[c].parallelism : 2;
		cr_assert_eq(gale_plan_component_first_task(p, c), next);
		cr_assert_eq(gale_plan_component_ntasks(p, c), want);
		for (uint32_t i = 0; i < want; i++) {
			cr_assert_eq(gale_plan_task_component(p, next + i), c);
			cr_assert_eq(gale_plan_task_index(p, next + i), i);
		}
		next += want;
	}
	cr_assert_eq(next - 1, gale_plan_ntasks(p));
	gale_plan_destroy(&p);
	cr_assert_null(p);
}

// Checks that every task is on exactly one worker's list, that the lists
// are ascending, and that they agree with gale_plan_task_worker.
static void
check_worker_lists(const gale_plan *p)
{
	uint32_t n        = gale_plan_ntasks(p);
	uint32_t seen[32] = { 0 };
	for (uint32_t w = 0; w < gale_plan_nworkers(p); w++) {
		uint32_t tasks[32];
		size_t   k = gale_plan_worker_tasks(p, w, tasks, 32);
		cr_assert_leq(k, 32);
		for (size_t i = 0; i < k; i++) {
			cr_assert(i == 0 || tasks[i - 1] < tasks[i]);
			cr_assert_eq(gale_plan_task_worker(p, tasks[i]), w);
			seen[tasks[i]]++;
		}
	}
	for (uint32_t task = 1; task <= n; task++) {
		cr_assert_eq(seen[task], 1, "task %u placed %u times", task,
		    seen[task]);
	}
}

Test(plan, places_tasks_round_robin_over_workers)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 3, 2), GALE_OK);
	cr_assert_eq(gale_plan_nworkers(p), 3);
	uint32_t n        = gale_plan_ntasks(p);
	uint32_t seen[32] = { 0 };
	for (uint32_t w = 0; w < 3; w++) {
		uint32_t tasks[32];
		size_t   k = gale_plan_worker_tasks(p, w, tasks, 32);
		for (size_t i = 0; i < k; i++) {
			if (tasks[i] <= n - 2) {
				cr_assert_eq(tasks[i], w + 1 + 3 * i);
			}
			cr_assert_eq(gale_plan_task_worker(p, tasks[i]), w);
			seen[tasks[i]]++;
		}
	}
	// The spout's tasks 1 and 2 are on workers 0 and 1: so are the two
	// ackers, 9 and 10.
	cr_assert_eq(gale_plan_task_worker(p, 9), 0);
	cr_assert_eq(gale_plan_task_worker(p, 10), 1);
	for (uint32_t task = 1; task <= n; task++) {
		cr_assert_eq(seen[task], 1, "task %u placed %u times", task,
		    seen[task]);
	}
	gale_plan_destroy(&p);
}

Test(plan, places_ackers_beside_spouts_first)
{
	// The bolt's task 1 is on worker 0, the spout's task 2 on worker 1:
	// round robin alone would put the acker, task 3, on worker 0.
	fake_topo f;
	fake_init(&f);
	fake_component(&f, "b", false, 1);
	fake_component(&f, "s", true, 1);
	fake_stream(&f, "s", "b", "default");
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 1), GALE_OK);
	cr_assert_eq(gale_plan_task_worker(p, 2), 1);
	cr_assert_eq(gale_plan_task_worker(p, 3), 1);
	check_worker_lists(p);
	gale_plan_destroy(&p);
	// With one acker per worker, the spout's worker gets the first.
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 2), GALE_OK);
	cr_assert_eq(gale_plan_task_worker(p, 3), 1);
	cr_assert_eq(gale_plan_task_worker(p, 4), 0);
	check_worker_lists(p);
	gale_plan_destroy(&p);
	// More ackers than workers go round in the same order.
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 5), GALE_OK);
	for (uint32_t k = 0; k < 5; k++) {
		cr_assert_eq(gale_plan_task_worker(p, 3 + k), k % 2 ? 0 : 1);
	}
	check_worker_lists(p);
	gale_plan_destroy(&p);
}

Test(plan, deals_ackers_to_workers_by_their_spout_tasks)
{
	// 4 workers; spout "s" has 5 tasks (ids 2..6: workers 1, 2, 3, 0,
	// 1) so worker 1 holds two spout tasks and the others one each.
	fake_topo f;
	fake_init(&f);
	fake_component(&f, "b", false, 1);
	fake_component(&f, "s", true, 5);
	fake_component(&f, "c", false, 3);
	fake_stream(&f, "s", "b", "default");
	fake_stream(&f, "b", "c", "default");
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 4, 4), GALE_OK);
	uint32_t first   = gale_plan_ntasks(p) - 4 + 1;
	uint32_t want[4] = { 1, 0, 2, 3 };
	for (uint32_t k = 0; k < 4; k++) {
		cr_assert_eq(gale_plan_task_worker(p, first + k), want[k],
		    "acker %u", k);
	}
	check_worker_lists(p);
	gale_plan_destroy(&p);
	// A worker with no spout gets an acker only after those with one.
	fake_init(&f);
	fake_component(&f, "s", true, 1);
	fake_component(&f, "b", false, 4);
	fake_stream(&f, "s", "b", "default");
	cr_assert_eq(gale_plan_new(&p, &f.t, 3, 1), GALE_OK);
	cr_assert_eq(gale_plan_task_worker(p, 6), 0);
	check_worker_lists(p);
	gale_plan_destroy(&p);
}

Test(plan, spreads_every_component_evenly_over_workers)
{
	fake_topo f;
	fake_init(&f);
	fake_component(&f, "s", true, 5);
	fake_component(&f, "a", false, 7);
	fake_component(&f, "b", false, 4);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 4, 3), GALE_OK);
	for (uint32_t c = 0; c < gale_plan_ncomponents(p); c++) {
		uint32_t per[4] = { 0 };
		uint32_t first  = gale_plan_component_first_task(p, c);
		for (uint32_t i = 0; i < gale_plan_component_ntasks(p, c);
		     i++) {
			per[gale_plan_task_worker(p, first + i)]++;
		}
		uint32_t lo = per[0], hi = per[0];
		for (int w = 1; w < 4; w++) {
			lo = per[w] < lo ? per[w] : lo;
			hi = per[w] > hi ? per[w] : hi;
		}
		cr_assert_leq(hi - lo, 1, "component %u uneven", c);
	}
	gale_plan_destroy(&p);
}

Test(plan, puts_the_acker_component_last)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 3), GALE_OK);
	uint32_t last = gale_plan_ncomponents(p) - 1;
	cr_assert_eq(gale_plan_ncomponents(p), f.t.ncomponents + 1);
	cr_assert_eq(gale_plan_nackers(p), 3);
	cr_assert(gale_plan_component_is_acker(p, last));
	cr_assert_not(gale_plan_component_is_spout(p, last));
	cr_assert_null(gale_plan_component_def(p, last));
	cr_assert_str_eq(
	    gale_plan_component_id(p, last), GALE_ACKER_COMPONENT);
	cr_assert_eq(
	    gale_plan_component_index(p, GALE_ACKER_COMPONENT), (int) last);
	cr_assert_eq(gale_plan_component_ntasks(p, last), 3);
	cr_assert_eq(
	    gale_plan_component_first_task(p, last) + 2, gale_plan_ntasks(p));
	for (uint32_t c = 0; c < last; c++) {
		cr_assert_not(gale_plan_component_is_acker(p, c));
		cr_assert_eq(gale_plan_component_def(p, c), &f.comps[c]);
		cr_assert_str_eq(gale_plan_component_id(p, c), f.comps[c].id);
		cr_assert_eq(
		    gale_plan_component_index(p, f.comps[c].id), (int) c);
		cr_assert_eq(
		    gale_plan_component_is_spout(p, c), f.comps[c].is_spout);
	}
	gale_plan_destroy(&p);
}

Test(plan, has_no_acker_component_when_acking_is_off)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 0), GALE_OK);
	cr_assert_eq(gale_plan_ncomponents(p), f.t.ncomponents);
	cr_assert_eq(gale_plan_ntasks(p), 8);
	cr_assert_eq(gale_plan_component_index(p, GALE_ACKER_COMPONENT), -1);
	cr_assert_eq(gale_plan_acker_for_root(p, 12345), 0);
	gale_plan_destroy(&p);
}

static void
check_acker_spread(const gale_plan *p, bool sequential)
{
	uint32_t  nackers    = gale_plan_nackers(p);
	uint32_t  first      = gale_plan_ntasks(p) - nackers + 1;
	uint32_t  counts[16] = { 0 };
	uint64_t  rng        = 0x1234567887654321ULL;
	const int rounds     = 100000;
	for (int i = 0; i < rounds; i++) {
		uint64_t root = sequential ? (uint64_t) i : fake_random(&rng);
		uint32_t a    = gale_plan_acker_for_root(p, root);
		cr_assert_geq(a, first);
		cr_assert_leq(a, gale_plan_ntasks(p));
		cr_assert_eq(gale_plan_acker_for_root(p, root), a);
		counts[a - first]++;
	}
	double mean = (double) rounds / nackers;
	for (uint32_t k = 0; k < nackers; k++) {
		cr_assert(counts[k] > 0.8 * mean && counts[k] < 1.2 * mean,
		    "acker %u got %u roots, mean %.0f", k, counts[k], mean);
	}
}

Test(plan, spreads_random_roots_evenly_over_ackers)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 7), GALE_OK);
	check_acker_spread(p, false);
	gale_plan_destroy(&p);
}

Test(plan, spreads_sequential_roots_evenly_over_ackers)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 4), GALE_OK);
	check_acker_spread(p, true);
	gale_plan_destroy(&p);
}

// Expected task lists are written out from the picture in fake_pipeline:
// s = 1-2, a = 3-5, b = 6-7, c = 8, ackers = 9-10.
static void
check_list(size_t n, const uint32_t *got, const uint32_t *want, size_t nwant)
{
	cr_assert_eq(n, nwant, "got %zu tasks, want %zu", n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		cr_assert_eq(got[i], want[i], "at %zu: got %u, want %u", i,
		    got[i], want[i]);
	}
}

Test(plan, lists_the_inputs_of_each_task_once)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 2), GALE_OK);
	uint32_t got[32];
	cr_assert_eq(gale_plan_task_inputs(p, 1, got, 32), 0);
	check_list(gale_plan_task_inputs(p, 4, got, 32), got,
	    (uint32_t[]) { 1, 2 }, 2);
	check_list(gale_plan_task_inputs(p, 7, got, 32), got,
	    (uint32_t[]) { 1, 2, 3, 4, 5 }, 5);
	check_list(gale_plan_task_inputs(p, 8, got, 32), got,
	    (uint32_t[]) { 6, 7, 8 }, 3);
	check_list(gale_plan_task_inputs(p, 10, got, 32), got,
	    (uint32_t[]) { 1, 2, 3, 4, 5, 6, 7, 8 }, 8);
	gale_plan_destroy(&p);
}

Test(plan, lists_the_outputs_of_each_task_once_without_ackers)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 2), GALE_OK);
	uint32_t got[32];
	check_list(gale_plan_task_outputs(p, 2, got, 32), got,
	    (uint32_t[]) { 3, 4, 5, 6, 7 }, 5);
	check_list(gale_plan_task_outputs(p, 5, got, 32), got,
	    (uint32_t[]) { 6, 7 }, 2);
	check_list(
	    gale_plan_task_outputs(p, 8, got, 32), got, (uint32_t[]) { 8 }, 1);
	cr_assert_eq(gale_plan_task_outputs(p, 9, got, 32), 0);
	// Whether one task feeds another is the same list, one at a time.
	for (uint32_t t = 1; t <= 9; t++) {
		size_t n = gale_plan_task_outputs(p, t, got, 32);
		for (uint32_t d = 0; d <= 10; d++) {
			bool in = false;
			for (size_t i = 0; i < n; i++) {
				in = in || got[i] == d;
			}
			cr_expect_eq(gale_plan_task_feeds(p, t, d), in,
			    "%u -> %u", t, d);
		}
	}
	gale_plan_destroy(&p);
}

Test(plan, returns_the_full_count_when_out_is_too_small)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 1, 2), GALE_OK);
	uint32_t got[4] = { 0, 0, 77, 77 };
	cr_assert_eq(gale_plan_task_outputs(p, 1, got, 2), 5);
	cr_assert_eq(got[0], 3);
	cr_assert_eq(got[1], 4);
	cr_assert_eq(got[2], 77);
	cr_assert_eq(gale_plan_task_inputs(p, 10, got, 2), 8);
	cr_assert_eq(got[2], 77);
	cr_assert_eq(gale_plan_worker_tasks(p, 0, got, 2), 10);
	cr_assert_eq(got[2], 77);
	cr_assert_eq(gale_plan_worker_tasks(p, 0, NULL, 0), 10);
	gale_plan_destroy(&p);
}

Test(plan, answers_none_for_ids_out_of_range)
{
	fake_topo f;
	fake_pipeline(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 2, 1), GALE_OK);
	uint32_t bad[] = { 0, gale_plan_ntasks(p) + 1, UINT32_MAX };
	uint32_t got[4];
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(
		    gale_plan_task_component(p, bad[i]), GALE_PLAN_NONE);
		cr_assert_eq(gale_plan_task_index(p, bad[i]), GALE_PLAN_NONE);
		cr_assert_eq(gale_plan_task_worker(p, bad[i]), GALE_PLAN_NONE);
		cr_assert_eq(gale_plan_task_inputs(p, bad[i], got, 4), 0);
		cr_assert_eq(gale_plan_task_outputs(p, bad[i], got, 4), 0);
	}
	uint32_t c = gale_plan_ncomponents(p);
	cr_assert_null(gale_plan_component_id(p, c));
	cr_assert_null(gale_plan_component_def(p, c));
	cr_assert_not(gale_plan_component_is_spout(p, c));
	cr_assert_not(gale_plan_component_is_acker(p, c));
	cr_assert_eq(gale_plan_component_first_task(p, c), 0);
	cr_assert_eq(gale_plan_component_ntasks(p, c), 0);
	cr_assert_eq(gale_plan_component_index(p, "nope"), -1);
	cr_assert_eq(gale_plan_component_index(p, NULL), -1);
	cr_assert_eq(gale_plan_worker_tasks(p, 2, got, 4), 0);
	gale_plan_destroy(&p);
}

static void
check_rejected(fake_topo *f, uint32_t nworkers, uint32_t nackers)
{
	static int sentinel;
	gale_plan *before = (gale_plan *) &sentinel;
	gale_plan *p      = before; // must stay untouched
	cr_assert_eq(gale_plan_new(&p, &f->t, nworkers, nackers), GALE_EINVAL);
	cr_assert_eq(p, before);
}

Test(plan, rejects_what_it_cannot_place)
{
	fake_topo f;
	fake_pipeline(&f);
	check_rejected(&f, 0, 1);

	fake_pipeline(&f);
	f.comps[1].parallelism = 0;
	check_rejected(&f, 1, 1);

	fake_pipeline(&f);
	f.comps[2].id = "a";
	check_rejected(&f, 1, 1);

	fake_pipeline(&f);
	f.comps[3].id = NULL;
	check_rejected(&f, 1, 1);

	fake_pipeline(&f);
	fake_stream(&f, "a", "ghost", "default");
	check_rejected(&f, 1, 1);

	fake_pipeline(&f);
	fake_stream(&f, NULL, "a", "default");
	check_rejected(&f, 1, 1);

	fake_pipeline(&f);
	f.comps[1].parallelism = UINT32_MAX - 2;
	check_rejected(&f, 1, 1);
}

Test(plan, reserves_the_acker_id_only_when_acking)
{
	fake_topo f;
	fake_pipeline(&f);
	f.comps[3].id = GALE_ACKER_COMPONENT;
	f.t.nstreams  = 4; // drop the streams naming c
	check_rejected(&f, 1, 1);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 1, 0), GALE_OK);
	cr_assert_not(gale_plan_component_is_acker(p, 3));
	gale_plan_destroy(&p);
}

Test(plan, accepts_a_topology_without_components)
{
	fake_topo f;
	fake_init(&f);
	gale_plan *p = NULL;
	cr_assert_eq(gale_plan_new(&p, &f.t, 1, 2), GALE_OK);
	cr_assert_eq(gale_plan_ntasks(p), 2);
	uint32_t got[4];
	cr_assert_eq(gale_plan_task_inputs(p, 1, got, 4), 0);
	gale_plan_destroy(&p);
	gale_plan_destroy(&p);
	gale_plan_destroy(NULL);
}
