// SPDX-License-Identifier: MIT
// streams_test.c - tests of topology/streams.c: the streams section, its
// grouping types and their arguments.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tests/topology/parse_support.h"

TestSuite(streams, .init = setup, .fini = teardown);

Test(streams, reads_every_grouping_type_in_any_letter_case)
{
	static const struct {
		const char   *written;
		gale_grouping g;
	} cases[] = {
		{ "shuffle", GALE_GROUP_SHUFFLE },
		{ "Fields", GALE_GROUP_FIELDS },
		{ "ALL", GALE_GROUP_ALL },
		{ "global", GALE_GROUP_GLOBAL },
		{ "nOnE", GALE_GROUP_NONE },
		{ "direct", GALE_GROUP_DIRECT },
		{ "local_or_shuffle", GALE_GROUP_LOCAL_OR_SHUFFLE },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char yaml[512];
		snprintf(yaml, sizeof(yaml),
		    "name: x\n" BASE_SPOUTS BASE_BOLTS
		    "streams:\n"
		    "  - from: src\n"
		    "    to: split\n"
		    "    grouping: {type: %s%s}\n",
		    cases[i].written,
		    cases[i].g == GALE_GROUP_FIELDS ? ", args: [line]" : "");
		gale_topology *t = must_parse(yaml);
		cr_expect_eq(t->streams[0].grouping, cases[i].g, "%s",
		    cases[i].written);
		cr_expect(strcasecmp(gale_grouping_name(cases[i].g),
		              cases[i].written) == 0,
		    "%s", cases[i].written);
		gale_topology_destroy(&t);
	}
	cr_expect_str_eq(gale_grouping_name(GALE_GROUP_SHUFFLE), "SHUFFLE");
	cr_expect_str_eq(gale_grouping_name(GALE_GROUP_LOCAL_OR_SHUFFLE),
	    "LOCAL_OR_SHUFFLE");
	cr_expect_str_eq(gale_grouping_name((gale_grouping) 99), "UNKNOWN");
}

Test(streams, takes_the_stream_from_flux_streamId)
{
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS
	                              "streams:\n"
	                              "  - from: src\n"
	                              "    to: split\n"
	                              "    grouping:\n"
	                              "      type: SHUFFLE\n"
	                              "      streamId: words\n");
	cr_expect_str_eq(t->streams[0].stream, "words");
	gale_topology_destroy(&t);
}

Test(streams, refuses_a_streamId_that_disagrees_with_stream)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS
	          "streams:\n"             // 8
	          "  - from: src\n"        // 9
	          "    to: split\n"        // 10
	          "    stream: words\n"    // 11
	          "    grouping:\n"        // 12
	          "      type: SHUFFLE\n"  // 13
	          "      streamId: lines\n"); // 14
	expect_msg("t.yaml:14:17: stream 'src' -> 'split': 'streamId' "
	           "'lines' disagrees with 'stream' 'words'");
}

Test(streams, checks_grouping_arguments)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS
	          "streams:\n"                                             // 8
	          "  - {from: src, to: split, grouping: {type: FIELDS}}\n" // 9
	          "  - {from: src, to: split, stream: a, grouping: {type: "
	          "FIELDS, args: []}}\n" // 10
	          "  - {from: src, to: split, stream: b, grouping: {type: "
	          "SHUFFLE, args: [line]}}\n" // 11
	          "  - {from: src, to: split, stream: c, grouping: {type: "
	          "FIELDS, args: [w, w]}}\n" // 12
	          "  - {from: src, to: split, stream: d, grouping: {type: "
	          "shufle}}\n" // 13
	          "  - {from: src, to: split, stream: e, grouping: {type: "
	          "CUSTOM}}\n" // 14
	          "  - {from: src, to: split, stream: f, grouping: "
	          "SHUFFLE}\n" // 15
	          "  - {from: src, to: split, stream: g, grouping: {type: "
	          "FIELDS, args: word}}\n"); // 16
	expect_msg("t.yaml:9:38: stream 'src' -> 'split': FIELDS grouping "
	           "needs 'args', the fields to group by");
	expect_msg("t.yaml:10:70: stream 'src' -> 'split': FIELDS grouping "
	           "needs at least one field in 'args'");
	expect_msg("t.yaml:11:71: stream 'src' -> 'split': 'args' is used "
	           "only by FIELDS grouping");
	expect_msg("t.yaml:12:74: stream 'src' -> 'split': field 'w' is "
	           "listed twice");
	expect_msg("t.yaml:13:56: stream 'src' -> 'split': unknown grouping "
	           "type 'shufle'; did you mean 'SHUFFLE'?");
	expect_msg("t.yaml:14:56: stream 'src' -> 'split': a CUSTOM grouping "
	           "is a Java class (customClass); gale has SHUFFLE, FIELDS, "
	           "ALL, GLOBAL, NONE, DIRECT and LOCAL_OR_SHUFFLE");
	expect_msg("t.yaml:15:49: stream 'src' -> 'split': 'grouping' must be "
	           "a mapping like {type: SHUFFLE}, found a scalar");
	expect_msg("t.yaml:16:70: stream 'src' -> 'split': 'args' must be a "
	           "list, found a scalar");
	cr_expect_eq(d.n, 8, "%s", all_lines());
}

Test(streams, finds_duplicate_fields_in_a_long_list_quickly)
{
	// A quadratic search would take minutes over 200000 fields.
	size_t n    = 200000;
	size_t cap  = n * 20 + 1024;
	char  *yaml = malloc(cap);
	size_t used = (size_t) snprintf(yaml, cap,
	    "name: x\n" BASE_SPOUTS BASE_BOLTS
	    "streams:\n"
	    "  - from: src\n"
	    "    to: split\n"
	    "    grouping:\n"
	    "      type: FIELDS\n"
	    "      args:\n");
	for (size_t i = 0; i < n; i++) {
		used += (size_t) snprintf(
		    yaml + used, cap - used, "      - f%zu\n", i % (n - 1));
	}
	gale_topology  *t = NULL;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(gale_topology_parse(&t, "t.yaml", yaml, used, &d),
	    GALE_EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(yaml);
	double secs = (double) (t1.tv_sec - t0.tv_sec) +
	    (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_expect_lt(secs, 10.0, "parsing took %.1f s", secs);
	// f0 comes again as the last one: line 14 + n - 1.
	char want[128];
	snprintf(want, sizeof(want),
	    "t.yaml:%zu:9: stream 'src' -> 'split': field 'f0' is listed "
	    "twice",
	    14 + n - 1);
	expect_msg(want);
	cr_expect_eq(d.n, 1, "%s", all_lines());
}
