// SPDX-License-Identifier: MIT
// trace_test.c - sampled roots and the rendering of traced trees.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/trace.h"

Test(trace, marked_roots_are_sampled_and_others_are_not)
{
	uint64_t x = 0x243F6A8885A308D3ULL;
	for (int i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		cr_assert(gale__trace_sampled(gale__trace_mark(x, true)));
		cr_assert(!gale__trace_sampled(gale__trace_mark(x, false)));
	}
}

static gale_item
edge_item(uint64_t root, uint64_t edge, uint32_t task, uint64_t t,
    const uint64_t *kids, size_t n, bool failed)
{
	gale_item it = { .kind = GALE_ITEM_TRACE, .root = root, .edge = edge,
		.task = task, .time_us = t, .children = kids, .nchildren = n,
		.failed = failed, .msg_id = edge == 0 ? 77 : 0 };
	return it;
}

Test(trace, renders_every_edge_under_its_parent_with_times)
{
	gale_trace *t;
	cr_assert_eq(gale__trace_new(&t, 4), GALE_OK);
	uint64_t root   = gale__trace_mark(12345, true);
	uint64_t top[]  = { 100 };
	uint64_t mid[]  = { 200, 300 };
	gale_item items[] = {
		edge_item(root, 0, 1, 1000000, top, 1, false),
		edge_item(root, 100, 2, 1000500, mid, 2, false),
		edge_item(root, 200, 3, 1001250, NULL, 0, false),
	};
	for (size_t i = 0; i < 3; i++) {
		gale__trace_add(t, &items[i]);
	}
	char *text = gale__trace_finish(t, root, false, NULL);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "msg=77 complete after 1.250 ms") != NULL, "%s",
	    text);
	cr_assert(strstr(text, "+0.000 ms task:1 emitted, anchored 1") != NULL,
	    "%s", text);
	cr_assert(strstr(text, "+0.500 ms   task:2 acked, anchored 2") != NULL,
	    "%s", text);
	cr_assert(strstr(text, "+1.250 ms     task:3 acked") != NULL, "%s",
	    text);
	// Edge 300 never reported: the tree says so instead of hiding it.
	cr_assert(strstr(text, "edge 000000000000012c not acked") != NULL,
	    "%s", text);
	free(text);
	// Finished trees are forgotten.
	cr_assert_null(gale__trace_finish(t, root, false, NULL));
	gale__trace_destroy(&t);
}

Test(trace, a_failed_edge_is_shown_failed)
{
	gale_trace *t;
	cr_assert_eq(gale__trace_new(&t, 2), GALE_OK);
	uint64_t  root  = gale__trace_mark(99, true);
	uint64_t  top[] = { 5 };
	gale_item a     = edge_item(root, 0, 1, 10, top, 1, false);
	gale_item b     = edge_item(root, 5, 4, 20, NULL, 0, true);
	gale__trace_add(t, &a);
	gale__trace_add(t, &b);
	char *text = gale__trace_finish(t, root, true, NULL);
	cr_assert(strstr(text, "FAILED after") != NULL, "%s", text);
	cr_assert(strstr(text, "task:4 FAILED") != NULL, "%s", text);
	free(text);
	gale__trace_destroy(&t);
}

Test(trace, keeps_at_most_max_trees_dropping_the_oldest)
{
	gale_trace *t;
	cr_assert_eq(gale__trace_new(&t, 2), GALE_OK);
	uint64_t roots[3];
	for (int i = 0; i < 3; i++) {
		roots[i]    = gale__trace_mark(1000 + (uint64_t) i * 4096, true);
		gale_item a = edge_item(roots[i], 0, 1, 10, NULL, 0, false);
		gale__trace_add(t, &a);
	}
	cr_assert_null(gale__trace_finish(t, roots[0], false, NULL));
	char *b = gale__trace_finish(t, roots[1], false, NULL);
	char *c = gale__trace_finish(t, roots[2], false, NULL);
	cr_assert_not_null(b);
	cr_assert_not_null(c);
	free(b);
	free(c);
	gale__trace_destroy(&t);
}

Test(trace, a_taken_tree_lists_its_steps_depth_first)
{
	gale_trace *t;
	cr_assert_eq(gale__trace_new(&t, 4), GALE_OK);
	uint64_t  root    = gale__trace_mark(4242, true);
	uint64_t  top[]   = { 100 };
	uint64_t  mid[]   = { 200, 300 };
	gale_item items[] = {
		edge_item(root, 0, 1, 1000000, top, 1, false),
		edge_item(root, 100, 2, 1000500, mid, 2, false),
		edge_item(root, 300, 3, 1002000, NULL, 0, true),
	};
	for (size_t i = 0; i < 3; i++) {
		gale__trace_add(t, &items[i]);
	}
	gale_trace_record r;
	cr_assert(gale__trace_take(t, root, true, NULL, &r));
	cr_assert_eq(r.root, root);
	cr_assert(r.failed);
	cr_assert_eq(r.msg_id, 77);
	cr_assert_eq(r.task, 1);
	cr_assert_eq(r.duration_us, 2000);
	cr_assert_eq(r.nsteps, 4);
	cr_assert_eq(r.steps[0].kind, GALE_TRACE_EMITTED);
	cr_assert_eq(r.steps[0].depth, 0);
	cr_assert_eq(r.steps[0].anchored, 1);
	cr_assert_eq(r.steps[1].task, 2);
	cr_assert_eq(r.steps[1].depth, 1);
	cr_assert_eq(r.steps[1].offset_us, 500);
	cr_assert_eq(r.steps[2].kind, GALE_TRACE_MISSING);
	cr_assert_eq(r.steps[2].edge, 200);
	cr_assert_eq(r.steps[2].depth, 2);
	cr_assert_eq(r.steps[3].kind, GALE_TRACE_FAILED);
	cr_assert_eq(r.steps[3].offset_us, 2000);
	cr_assert(!gale__trace_take(t, root, true, NULL, &r));
	gale__trace_destroy(&t);
}

Test(trace, the_ring_keeps_the_newest_numbered_and_skips_old_ones)
{
	gale_trace_ring *g;
	cr_assert_eq(gale__trace_ring_new(&g, 16), GALE_OK);
	for (uint64_t i = 1; i <= 20; i++) {
		gale_trace_record r = { .root = i, .time_ms = 1000 * i };
		gale__trace_ring_put(g, &r);
	}
	gale_trace_record out[16];
	cr_assert_eq(gale__trace_ring_copy(g, 0, out, 16), 16);
	for (size_t i = 0; i < 16; i++) {
		cr_assert_eq(out[i].root, 5 + i);
		cr_assert_eq(out[i].seq, 5 + i);
	}
	cr_assert_eq(gale__trace_ring_copy(g, 18000, out, 16), 3);
	cr_assert_eq(out[0].root, 18);
	cr_assert_eq(gale__trace_ring_copy(g, 0, out, 4), 4);
	cr_assert_eq(out[3].root, 20);
	gale__trace_ring_destroy(&g);
	cr_assert_null(g);
}
