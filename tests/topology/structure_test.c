// SPDX-License-Identifier: MIT
// structure_test.c - tests of topology/structure.c: duplicate ids, stream
// endpoints, bolts without input, duplicate subscriptions and cycles.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/topology/parse_support.h"

TestSuite(structure, .init = setup, .fini = teardown);

Test(structure, refuses_duplicate_ids_across_spouts_and_bolts)
{
	must_fail("name: x\n"                  // 1
	          "spouts:\n"                  // 2
	          "  - id: src\n"              // 3
	          "    component: fake_spout\n"
	          "bolts:\n"                   // 5
	          "  - id: src\n"              // 6
	          "    component: fake_bolt\n" // 7
	          "  - id: split\n"            // 8
	          "    component: fake_bolt\n" // 9
	          "  - id: split\n"            // 10
	          "    component: fake_bolt\n" // 11
	          "streams:\n"
	          "  - {from: src, to: split, grouping: {type: SHUFFLE}}\n");
	expect_msg("t.yaml:6:9: bolt 'src': duplicate id (first at line 3, "
	           "column 9); spouts and bolts share one set of ids");
	expect_msg("t.yaml:10:9: bolt 'split': duplicate id (first at line 8, "
	           "column 9)");
}

Test(structure, reports_streams_naming_unknown_components)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS
	          "streams:\n"                                        // 8
	          "  - from: scr\n"                                   // 9
	          "    to: split\n"                                   // 10
	          "    grouping: {type: SHUFFLE}\n"                   // 11
	          "  - {from: src, to: nowhere, grouping: {type: ALL}}\n"); // 12
	expect_msg("t.yaml:9:11: stream 'scr' -> 'split': 'from' names no "
	           "spout or bolt: 'scr'; did you mean 'src'?");
	expect_msg("t.yaml:12:21: stream 'src' -> 'nowhere': 'to' names no "
	           "spout or bolt: 'nowhere'");
}

Test(structure, refuses_a_stream_to_a_spout)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS
	          "  - from: split\n" // 12
	          "    to: src\n"     // 13
	          "    grouping: {type: SHUFFLE}\n");
	expect_msg("t.yaml:13:9: stream 'split' -> 'src': 'src' is a spout; "
	           "streams may only go to bolts");
}

Test(structure, refuses_a_bolt_without_input)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS
	          "  - id: lonely\n" // 8
	          "    component: fake_bolt\n" BASE_STREAMS);
	expect_msg("t.yaml:8:9: bolt 'lonely' has no input stream; add a "
	           "stream with 'to: lonely'");
	cr_expect_eq(d.n, 1, "%s", all_lines());
}

Test(structure, refuses_two_subscriptions_to_one_stream)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS
	          "  - from: src\n" // 12
	          "    to: split\n"
	          "    grouping: {type: ALL}\n"
	          "  - from: src\n" // 15
	          "    to: split\n"
	          "    stream: words\n"
	          "    grouping: {type: ALL}\n");
	expect_msg("t.yaml:12:5: stream 'src' -> 'split': a second "
	           "subscription to stream 'default' (first at line 9, column "
	           "5)");
	cr_expect_eq(d.n, 1, "%s", all_lines());
}

Test(structure, names_the_components_of_a_cycle)
{
	must_fail("name: x\n" BASE_SPOUTS
	          "bolts:\n"                                               // 5
	          "  - {id: a, component: fake_bolt}\n"                    // 6
	          "  - {id: b, component: fake_bolt}\n"                    // 7
	          "  - {id: c, component: fake_bolt}\n"                    // 8
	          "streams:\n"                                             // 9
	          "  - {from: src, to: a, grouping: {type: SHUFFLE}}\n"    // 10
	          "  - {from: a, to: b, grouping: {type: SHUFFLE}}\n"      // 11
	          "  - {from: b, to: a, grouping: {type: SHUFFLE}}\n"      // 12
	          "  - {from: src, to: c, grouping: {type: SHUFFLE}}\n"    // 13
	          "  - {from: c, to: c, grouping: {type: SHUFFLE}}\n");    // 14
	expect_msg("t.yaml:12:19: cycle: a -> b -> a");
	expect_msg("t.yaml:14:19: cycle: c -> c");
	cr_expect_eq(d.n, 2, "%s", all_lines());
}

Test(structure, finds_a_cycle_in_a_long_chain_without_deep_recursion)
{
	// 20000 bolts in a chain, closed back to the first: a recursive
	// search would need a stack frame per bolt.
	size_t n    = 20000;
	size_t cap  = n * 120 + 4096;
	char  *yaml = malloc(cap);
	size_t used = (size_t) snprintf(yaml, cap,
	    "name: chain\nspouts: [{id: src, component: fake_spout}]\nbolts:\n");
	for (size_t i = 0; i < n; i++) {
		used += (size_t) snprintf(yaml + used, cap - used,
		    "  - {id: b%zu, component: fake_bolt}\n", i);
	}
	used += (size_t) snprintf(yaml + used, cap - used,
	    "streams:\n  - {from: src, to: b0, grouping: {type: SHUFFLE}}\n");
	for (size_t i = 0; i + 1 < n; i++) {
		used += (size_t) snprintf(yaml + used, cap - used,
		    "  - {from: b%zu, to: b%zu, grouping: {type: SHUFFLE}}\n", i,
		    i + 1);
	}
	size_t open = used;
	used += (size_t) snprintf(yaml + used, cap - used,
	    "  - {from: b%zu, to: b0, grouping: {type: SHUFFLE}}\n", n - 1);

	// Without the closing stream it is valid.
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "t.yaml", yaml, open, &d),
	    GALE_OK, "%s", all_lines());
	cr_expect_eq(t->ncomponents, n + 1);
	gale_topology_destroy(&t);

	cr_assert_eq(gale_topology_parse(&t, "t.yaml", yaml, used, &d),
	    GALE_EINVAL);
	free(yaml);
	cr_assert_eq(d.n, 1, "%s", all_lines());
	cr_expect(strstr(d.lines[0], "cycle: b0 -> b1 -> b2 -> ") != NULL,
	    "%s", d.lines[0]);
	cr_expect(strstr(d.lines[0], "... -> b0 (") != NULL, "%s",
	    d.lines[0]);
}
