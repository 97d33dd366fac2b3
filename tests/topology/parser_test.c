// SPDX-License-Identifier: MIT
// parser_test.c - tests of topology/parser.c: the model it builds, every
// kind of error with its position, limits, --set overrides and config
// lookups.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/diag.h"
#include "topology/model.h"
#include "topology/parser.h"

static gale_diag d;

static void
setup(void)
{
	gale_diag_init(&d);
}

static void
teardown(void)
{
	gale_diag_fini(&d);
}

TestSuite(parser, .init = setup, .fini = teardown);

// All messages, one per line, for failure reports.
#define all_lines() test_diag_text(&d)
#define has(needle) test_diag_has(&d, (needle))
#define expect_msg(needle) test_diag_expect(&d, (needle))

static gale_topology *
must_parse(const char *yaml)
{
	gale_topology *t  = NULL;
	gale_err       rv = gale_topology_parse(
            &t, "t.yaml", yaml, strlen(yaml), &d);
	cr_assert_eq(rv, GALE_OK, "parse failed:\n%s", all_lines());
	cr_assert_not_null(t);
	cr_assert_eq(d.n, 0, "unexpected messages:\n%s", all_lines());
	return t;
}

static void
must_fail(const char *yaml)
{
	gale_topology *t  = NULL;
	gale_err       rv = gale_topology_parse(
            &t, "t.yaml", yaml, strlen(yaml), &d);
	cr_assert_eq(rv, GALE_EINVAL, "expected failure, got %d", rv);
	cr_assert_null(t);
	cr_assert_gt(d.n, 0);
}

// A valid topology for variations: one spout, one bolt, one stream.
#define BASE_SPOUTS                                                           \
	"spouts:\n"                                                           \
	"  - id: src\n"                                                       \
	"    component: fake_spout\n"
#define BASE_BOLTS                                                            \
	"bolts:\n"                                                            \
	"  - id: split\n"                                                     \
	"    component: fake_bolt\n"
#define BASE_STREAMS                                                          \
	"streams:\n"                                                          \
	"  - from: src\n"                                                     \
	"    to: split\n"                                                     \
	"    grouping: {type: SHUFFLE}\n"

// ---------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------

Test(parser, reads_every_key_into_the_model)
{
	const char *yaml =
	    "name: wordcount.v2-x_y\n"                             // 1
	    "bolts:\n"                                             // 2
	    "  - id: count\n"                                      // 3
	    "    component: word_count\n"                          // 4
	    "    parallelism: 3\n"                                 // 5
	    "    options: {output: counts.tsv, print: \"false\"}\n" // 6
	    "spouts:\n"                                            // 7
	    "  - id: sentences\n"                                  // 8
	    "    component: fixed_lines\n"                         // 9
	    "    library: ./libx.so\n"                             // 10
	    "    options:\n"                                       // 11
	    "      count: 5\n"                                     // 12
	    "streams:\n"                                           // 13
	    "  - from: sentences\n"                                // 14
	    "    to: count\n"                                      // 15
	    "    name: the-only-stream\n"                          // 16
	    "    stream: default\n"                                // 17
	    "    grouping:\n"                                      // 18
	    "      type: fields\n"                                 // 19
	    "      args: [line]\n"                                 // 20
	    "      streamId: default\n"                            // 21
	    "config:\n"                                            // 22
	    "  topology.workers: 2\n"                              // 23
	    "  topology.acker.executors: 0\n"
	    "  topology.max.spout.pending: 1000\n"
	    "  topology.message.timeout.secs: 45\n"
	    "  topology.debug: yes\n"
	    "  topology.debug.replays: Off\n"
	    "  topology.trace.sample.rate: 0.25\n"
	    "  topology.transfer.batch.size: 128\n"
	    "  topology.transfer.flush.micros: 0\n"
	    "  topology.executor.receive.buffer.size: 64\n"
	    "  topology.stats.sample.rate: 1\n";
	gale_topology *t = must_parse(yaml);

	cr_expect_str_eq(t->name, "wordcount.v2-x_y");
	cr_expect_str_eq(t->file, "t.yaml");
	cr_assert_eq(t->ncomponents, 2);

	// Spouts come first, whatever the order in the file.
	const gale_component_def *s = &t->components[0];
	cr_expect_str_eq(s->id, "sentences");
	cr_expect(s->is_spout);
	cr_expect_str_eq(s->component, "fixed_lines");
	cr_expect_str_eq(s->shared_lib, "./libx.so");
	cr_expect_eq(s->parallelism, 1);
	cr_expect_eq(s->where.line, 8);
	cr_expect_eq(s->where.col, 5);
	cr_assert_eq(s->noptions, 1);
	cr_expect_str_eq(s->options[0].key, "count");
	cr_expect_str_eq(s->options[0].value, "5");
	cr_expect_eq(s->options[0].where.line, 12);
	cr_expect_eq(s->options[0].where.col, 14);
	cr_expect_null(s->spout);
	cr_expect_null(s->bolt);

	const gale_component_def *b = &t->components[1];
	cr_expect_str_eq(b->id, "count");
	cr_expect(!b->is_spout);
	cr_expect_null(b->shared_lib);
	cr_expect_eq(b->parallelism, 3);
	cr_assert_eq(b->noptions, 2);
	cr_expect_str_eq(b->options[0].key, "output");
	cr_expect_str_eq(b->options[0].value, "counts.tsv");
	cr_expect_eq(b->options[0].where.line, 6);
	cr_expect_eq(b->options[0].where.col, 23);
	cr_expect_str_eq(b->options[1].key, "print");
	cr_expect_str_eq(b->options[1].value, "false");

	cr_assert_eq(t->nstreams, 1);
	const gale_stream_def *st = &t->streams[0];
	cr_expect_str_eq(st->from, "sentences");
	cr_expect_str_eq(st->to, "count");
	cr_expect_str_eq(st->stream, "default");
	cr_expect_eq(st->grouping, GALE_GROUP_FIELDS);
	cr_assert_eq(st->nfields, 1);
	cr_expect_str_eq(st->fields[0], "line");
	cr_expect_eq(st->where.line, 14);
	cr_expect_eq(st->where.col, 5);

	const gale_stream_marks *m = gale__topology_stream_marks(t, 0);
	cr_expect_eq(m->fields[0].line, 20);
	cr_expect_eq(m->fields[0].col, 14);
	const gale_component_marks *cm = gale__topology_component_marks(t, 0);
	cr_expect_eq(cm->shared_lib.line, 10);
	cr_expect_eq(cm->shared_lib.col, 14);

	cr_expect_eq(t->nconfig, 11);
	cr_expect_eq(gale_topology_config_i64(t, "topology.workers", 1), 2);
	cr_expect_eq(
	    gale_topology_config_i64(t, "topology.acker.executors", 7), 0);
	cr_expect_eq(
	    gale_topology_config_i64(t, "topology.max.spout.pending", 0),
	    1000);
	cr_expect_eq(gale_topology_config_i64(
	                 t, "topology.message.timeout.secs", 30),
	    45);
	cr_expect(gale_topology_config_bool(t, "topology.debug", false));
	cr_expect(!gale_topology_config_bool(t, "topology.debug.replays", true));
	cr_expect_float_eq(
	    gale_topology_config_f64(t, "topology.trace.sample.rate", 0),
	    0.25, 1e-12);
	cr_expect_eq(
	    gale_topology_config_i64(t, "topology.transfer.batch.size", 256),
	    128);
	cr_expect_eq(
	    gale_topology_config_i64(t, "topology.transfer.flush.micros", 9),
	    0);
	cr_expect_eq(gale_topology_config_i64(
	                 t, "topology.executor.receive.buffer.size", 1024),
	    64);
	cr_expect_float_eq(
	    gale_topology_config_f64(t, "topology.stats.sample.rate", 0), 1.0,
	    1e-12);
	cr_expect_str_eq(
	    gale_topology_config_str(t, "topology.workers"), "2");
	gale_topology_destroy(&t);
	cr_expect_null(t);
}

Test(parser, applies_defaults_for_what_is_not_written)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(t->nconfig, 0);
	cr_expect_eq(t->components[0].parallelism, 1);
	cr_expect_eq(t->components[0].noptions, 0);
	cr_expect_null(t->components[0].shared_lib);
	cr_expect_str_eq(t->streams[0].stream, GALE_DEFAULT_STREAM);
	cr_expect_eq(t->streams[0].grouping, GALE_GROUP_SHUFFLE);
	cr_expect_eq(t->streams[0].nfields, 0);
	cr_expect_eq(gale_topology_config_i64(t, "topology.workers", 4), 4);
	cr_expect_float_eq(gale_topology_config_f64(
	                       t, "topology.stats.sample.rate", 0.5),
	    0.5, 1e-12);
	cr_expect(gale_topology_config_bool(t, "topology.debug", true));
	cr_expect_null(gale_topology_config_str(t, "topology.debug"));
	gale_topology_destroy(&t);
}

Test(parser, accepts_a_spout_only_topology_and_empty_sections)
{
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS
	                              "bolts:\n"
	                              "streams: []\n"
	                              "config: {}\n");
	cr_expect_eq(t->ncomponents, 1);
	cr_expect_eq(t->nstreams, 0);
	gale_topology_destroy(&t);
}

Test(parser, reads_every_grouping_type_in_any_letter_case)
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

Test(parser, takes_the_stream_from_flux_streamId)
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

Test(parser, refuses_a_streamId_that_disagrees_with_stream)
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

Test(parser, reads_text_that_is_not_nul_terminated)
{
	const char *yaml = "name: x\n" BASE_SPOUTS "garbage: [";
	size_t      len  = strlen(yaml) - strlen("garbage: [");
	char       *copy = malloc(len);
	memcpy(copy, yaml, len);
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "t.yaml", copy, len, &d), GALE_OK,
	    "%s", all_lines());
	free(copy);
	cr_expect_str_eq(t->name, "x");
	gale_topology_destroy(&t);
}

// ---------------------------------------------------------------------
// Keys and types
// ---------------------------------------------------------------------

Test(parser, reports_unknown_keys_with_a_suggestion_and_their_position)
{
	must_fail("Name: x\n"                        // 1
	          "spout:\n"                         // 2
	          "  - id: a\n"                      // 3
	          "spouts:\n"                        // 4
	          "  - id: src\n"                    // 5
	          "    component: fake_spout\n"      // 6
	          "    paralelism: 2\n"              // 7
	          BASE_BOLTS                         // 8-10
	          "streams:\n"                       // 11
	          "  - from: src\n"                  // 12
	          "    to: split\n"                  // 13
	          "    groupin: {type: SHUFFLE}\n"   // 14
	          "  - from: src\n"                  // 15
	          "    to: split\n"                  // 16
	          "    stream: words\n"              // 17
	          "    grouping: {tpye: SHUFFLE}\n"  // 18
	          "config:\n"                        // 19
	          "  topology.worker: 2\n"           // 20
	          "  workers: 2\n");                 // 21
	expect_msg("t.yaml:1:1: top level: unknown key 'Name'; did you mean "
	           "'name'?");
	expect_msg("t.yaml:2:1: top level: unknown key 'spout'; did you mean "
	           "'spouts'?");
	expect_msg("t.yaml:7:5: spout 'src': unknown key 'paralelism'; did "
	           "you mean 'parallelism'?");
	expect_msg("t.yaml:14:5: stream 'src' -> 'split': unknown key "
	           "'groupin'; did you mean 'grouping'?");
	expect_msg("t.yaml:18:16: stream 'src' -> 'split': unknown key "
	           "'tpye'; did you mean 'type'?");
	expect_msg("t.yaml:20:3: config: unknown key 'topology.worker'; did "
	           "you mean 'topology.workers'?");
	expect_msg("t.yaml:21:3: config: unknown key 'workers'; did you mean "
	           "'topology.workers'?");
	// The unknown Name hides name: it is missing too.
	expect_msg("t.yaml:1:1: top level: missing required key 'name'");
}

Test(parser, lists_the_known_keys_when_nothing_is_close)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS
	          "className: org.apache.storm.Foo\n");
	expect_msg("t.yaml:12:1: top level: unknown key 'className' (known "
	           "keys: name, config, spouts, bolts, streams)");
}

Test(parser, reports_missing_required_keys_at_their_mapping)
{
	must_fail("config: {}\n"                // 1
	          "spouts:\n"                   // 2
	          "  - component: fake_spout\n" // 3
	          "  - id: s2\n"                // 4
	          "bolts:\n"                    // 5
	          "  - id: split\n"             // 6
	          "    component: fake_bolt\n"  // 7
	          "streams:\n"                  // 8
	          "  - to: split\n"             // 9
	          "    grouping: {}\n"          // 10
	          "  - from: s2\n"              // 11
	          "    to: split\n");           // 12
	expect_msg("t.yaml:1:1: top level: missing required key 'name'");
	expect_msg("t.yaml:3:5: spout #1: missing required key 'id'");
	expect_msg("t.yaml:4:5: spout 's2': missing required key 'component'");
	expect_msg("t.yaml:9:5: stream #1: missing required key 'from'");
	expect_msg("t.yaml:10:15: stream #1: missing required key 'type'");
	expect_msg("t.yaml:11:5: stream 's2' -> 'split': missing required "
	           "key 'grouping'");
}

Test(parser, reports_a_missing_spouts_section_and_an_empty_one)
{
	must_fail("name: x\n");
	expect_msg("t.yaml:1:1: top level: missing required key 'spouts'");
	gale_diag_fini(&d);
	must_fail("name: x\nspouts: []\n");
	expect_msg("t.yaml:2:9: a topology needs at least one spout");
}

Test(parser, reports_values_of_the_wrong_type)
{
	must_fail("name: {a: 1}\n"                     // 1
	          "spouts:\n"                          // 2
	          "  - id: [src]\n"                    // 3
	          "    component: fake_spout\n"        // 4
	          "    parallelism: two\n"             // 5
	          "    options: [a, b]\n"              // 6
	          "  - id: s2\n"                       // 7
	          "    component: fake_spout\n"        // 8
	          "    parallelism: {n: 2}\n"          // 9
	          "    options:\n"                     // 10
	          "      path: {nested: map}\n"        // 11
	          "      empty:\n"                     // 12
	          "  - just a string\n"                // 13
	          "bolts: spout\n"                     // 14
	          "streams: {from: a}\n"               // 15
	          "config:\n"                          // 16
	          "  topology.workers: [1]\n");        // 17
	expect_msg("t.yaml:1:7: top level: 'name' must be a string, found a "
	           "mapping");
	expect_msg("t.yaml:3:9: spout #1: 'id' must be a string, found a "
	           "list");
	expect_msg("t.yaml:5:18: spout #1: 'parallelism' must be an integer "
	           "from 1 to 4096, found 'two'");
	expect_msg("t.yaml:6:14: spout #1: 'options' must be a mapping, found "
	           "a list");
	expect_msg("t.yaml:9:18: spout 's2': 'parallelism' must be an integer "
	           "from 1 to 4096, found a mapping");
	expect_msg("t.yaml:11:13: spout 's2': option 'path' must be a scalar, "
	           "found a mapping");
	expect_msg("t.yaml:12:13: spout 's2': option 'empty' has no value");
	expect_msg("t.yaml:13:5: spout #3: must be a mapping with keys id, "
	           "component, ..., found a scalar");
	expect_msg("t.yaml:14:8: top level: 'bolts' must be a list, found a "
	           "scalar");
	expect_msg("t.yaml:15:10: top level: 'streams' must be a list, found "
	           "a mapping");
	expect_msg("t.yaml:17:21: config: 'topology.workers' must be a "
	           "scalar, found a list");
}

Test(parser, refuses_parallelism_below_one_and_above_the_limit)
{
	must_fail("name: x\n"
	          "spouts:\n"
	          "  - id: a\n"
	          "    component: fake_spout\n"
	          "    parallelism: 0\n"
	          "  - id: b\n"
	          "    component: fake_spout\n"
	          "    parallelism: -3\n"
	          "  - id: c\n"
	          "    component: fake_spout\n"
	          "    parallelism: 4097\n"
	          "  - id: e\n"
	          "    component: fake_spout\n"
	          "    parallelism: 1.5\n");
	expect_msg("t.yaml:5:18: spout 'a': 'parallelism' must be an integer "
	           "from 1 to 4096, found '0'");
	expect_msg("t.yaml:8:18: spout 'b': 'parallelism' must be an integer "
	           "from 1 to 4096, found '-3'");
	expect_msg("t.yaml:11:18: spout 'c': 'parallelism' must be an integer "
	           "from 1 to 4096, found '4097'");
	expect_msg("t.yaml:14:18: spout 'e': 'parallelism' must be an integer "
	           "from 1 to 4096, found '1.5'");
	cr_expect_eq(d.n, 4, "%s", all_lines());
}

Test(parser, checks_every_config_key_against_its_type_and_limits)
{
	must_fail("name: x\n" BASE_SPOUTS
	          "config:\n"                                     // 5
	          "  topology.workers: 0\n"                       // 6
	          "  topology.acker.executors: -1\n"              // 7
	          "  topology.max.spout.pending: lots\n"          // 8
	          "  topology.message.timeout.secs: 0\n"          // 9
	          "  topology.debug: maybe\n"                     // 10
	          "  topology.debug.replays: 2\n"                 // 11
	          "  topology.trace.sample.rate: 1.5\n"           // 12
	          "  topology.transfer.batch.size: 0\n"           // 13
	          "  topology.transfer.flush.micros: -1\n"        // 14
	          "  topology.executor.receive.buffer.size: 0\n"  // 15
	          "  topology.stats.sample.rate: nan\n"           // 16
	          "  topology.message.timeout.secs: 99999999999\n"); // 17
	expect_msg("t.yaml:6:21: config: 'topology.workers' must be an "
	           "integer from 1 to 2147483647, found '0'");
	expect_msg("t.yaml:7:29: config: 'topology.acker.executors' must be "
	           "an integer from 0 to");
	expect_msg("t.yaml:8:31: config: 'topology.max.spout.pending' must "
	           "be an integer from 0 to 2147483647, found 'lots'");
	expect_msg("t.yaml:9:34: config: 'topology.message.timeout.secs' "
	           "must be an integer from 1 to");
	expect_msg("t.yaml:10:19: config: 'topology.debug' must be a boolean "
	           "(true/false, yes/no, on/off, 1/0), found 'maybe'");
	expect_msg("t.yaml:11:27: config: 'topology.debug.replays' must be a "
	           "boolean");
	expect_msg("t.yaml:12:31: config: 'topology.trace.sample.rate' must "
	           "be a number from 0 to 1, found '1.5'");
	expect_msg("t.yaml:13:33: config: 'topology.transfer.batch.size' must "
	           "be an integer from 1 to");
	expect_msg("t.yaml:14:35: config: 'topology.transfer.flush.micros' "
	           "must be an integer from 0 to");
	expect_msg("t.yaml:15:42: config: "
	           "'topology.executor.receive.buffer.size' must be an integer "
	           "from 1 to");
	expect_msg("t.yaml:16:31: config: 'topology.stats.sample.rate' must "
	           "be a number from 0 to 1, found 'nan'");
	// The duplicate key is reported too; its value is not checked.
	expect_msg("t.yaml:17:3: duplicate key 'topology.message.timeout.secs' "
	           "(first at line 9, column 3)");
	cr_expect_eq(d.n, 12, "%s", all_lines());
}

Test(parser, keeps_every_message_on_one_line)
{
	must_fail("name: x\n" BASE_SPOUTS
	          "config:\n"                                    // 5
	          "  topology.workers: \"1\\n2\"\n"              // 6
	          "  topology.debug: {a: 1}\n"                    // 7
	          "  \"top\\x01\": 1\n"                            // 8
	          "  topology.trace.sample.rate: [\n"             // 9
	          "     ]\n"                                      // 10
	          "  topology.stats.sample.rate: \"0.5\n"         // 11
	          "\n"                                            // 12
	          "     x\"\n");                                   // 13
	expect_msg("t.yaml:6:21: config: 'topology.workers' must be an "
	           "integer from 1 to 2147483647, found '1?2'");
	expect_msg("t.yaml:8:3: config: unknown key 'top?'");
	expect_msg("t.yaml:11:31: config: 'topology.stats.sample.rate' must "
	           "be a number from 0 to 1, found '0.5?x'");
	for (size_t i = 0; i < d.n; i++) {
		cr_expect_null(strchr(d.lines[i], '\n'), "%s", d.lines[i]);
		cr_expect_null(strchr(d.lines[i], '\x01'), "%s", d.lines[i]);
	}
}

Test(parser, accepts_every_spelling_of_a_boolean)
{
	static const char *const yes[] = { "true", "True", "yes", "on", "1",
		"YES" };
	static const char *const no[] = { "false", "FALSE", "no", "off", "0",
		"Off" };
	for (size_t i = 0; i < 6; i++) {
		char yaml[256];
		snprintf(yaml, sizeof(yaml),
		    "name: x\n" BASE_SPOUTS
		    "config: {topology.debug: %s, topology.debug.replays: %s}\n",
		    yes[i], no[i]);
		gale_topology *t = must_parse(yaml);
		cr_expect(gale_topology_config_bool(t, "topology.debug", false),
		    "%s", yes[i]);
		cr_expect(!gale_topology_config_bool(
		              t, "topology.debug.replays", true),
		    "%s", no[i]);
		gale_topology_destroy(&t);
	}
}

Test(parser, refuses_bad_topology_names_and_ids)
{
	must_fail("name: word count\n"          // 1
	          "spouts:\n"                   // 2
	          "  - id: a.b\n"               // 3
	          "    component: fake_spout\n" // 4
	          "  - id: __acker\n"           // 5
	          "    component: fake_spout\n" // 6
	          "  - id: topology\n"          // 7
	          "    component: fake_spout\n" // 8
	          "  - id: \"\"\n"              // 9
	          "    component: \"\"\n"       // 10
	          "  - id: ok\n"                // 11
	          "    component:\n");          // 12
	expect_msg("t.yaml:1:7: the name 'word count' may hold only letters, "
	           "digits, '.', '_' and '-'");
	expect_msg("t.yaml:3:9: spout 'a.b': an id may hold only letters, "
	           "digits, '_' and '-'");
	expect_msg("t.yaml:5:9: spout '__acker': ids starting with '__' are "
	           "reserved for gale");
	expect_msg("t.yaml:7:9: spout 'topology': the id 'topology' is "
	           "reserved");
	expect_msg("t.yaml:9:9: spout #4: 'id' is empty");
	expect_msg("t.yaml:10:16: spout #4: 'component' is empty");
	expect_msg("t.yaml:12:15: spout 'ok': 'component' has no value");
}

Test(parser, refuses_an_overlong_name)
{
	char yaml[1024];
	char name[300];
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(yaml, sizeof(yaml), "name: %s\n" BASE_SPOUTS, name);
	must_fail(yaml);
	expect_msg("t.yaml:1:7: the name 'nnnnnnnnnn");
	expect_msg("(at most 255)");
	name[255] = '\0';
	snprintf(yaml, sizeof(yaml), "name: %s\n" BASE_SPOUTS, name);
	gale_diag_fini(&d);
	gale_topology *t = must_parse(yaml);
	gale_topology_destroy(&t);
}

// ---------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------

Test(parser, refuses_duplicate_ids_across_spouts_and_bolts)
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

Test(parser, reports_streams_naming_unknown_components)
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

Test(parser, refuses_a_stream_to_a_spout)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS
	          "  - from: split\n" // 12
	          "    to: src\n"     // 13
	          "    grouping: {type: SHUFFLE}\n");
	expect_msg("t.yaml:13:9: stream 'split' -> 'src': 'src' is a spout; "
	           "streams may only go to bolts");
}

Test(parser, refuses_a_bolt_without_input)
{
	must_fail("name: x\n" BASE_SPOUTS BASE_BOLTS
	          "  - id: lonely\n" // 8
	          "    component: fake_bolt\n" BASE_STREAMS);
	expect_msg("t.yaml:8:9: bolt 'lonely' has no input stream; add a "
	           "stream with 'to: lonely'");
	cr_expect_eq(d.n, 1, "%s", all_lines());
}

Test(parser, checks_grouping_arguments)
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
	expect_msg("t.yaml:14:56: stream 'src' -> 'split': unknown grouping "
	           "type 'CUSTOM' (known: SHUFFLE, FIELDS, ALL, GLOBAL, NONE, "
	           "DIRECT, LOCAL_OR_SHUFFLE)");
	expect_msg("t.yaml:15:49: stream 'src' -> 'split': 'grouping' must be "
	           "a mapping like {type: SHUFFLE}, found a scalar");
	expect_msg("t.yaml:16:70: stream 'src' -> 'split': 'args' must be a "
	           "list, found a scalar");
	cr_expect_eq(d.n, 8, "%s", all_lines());
}

Test(parser, finds_duplicate_fields_in_a_long_list_quickly)
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

Test(parser, refuses_two_subscriptions_to_one_stream)
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

Test(parser, names_the_components_of_a_cycle)
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

Test(parser, finds_a_cycle_in_a_long_chain_without_deep_recursion)
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

Test(parser, reports_every_error_of_a_file_together)
{
	must_fail("name: x\n"                      // 1
	          "spouts:\n"                      // 2
	          "  - id: src\n"                  // 3
	          "    component: fake_spout\n"    // 4
	          "    parallelism: 0\n"           // 5
	          "bolts:\n"                       // 6
	          "  - id: split\n"                // 7
	          "    component: fake_bolt\n"     // 8
	          "    colour: blue\n"             // 9
	          "streams:\n"                     // 10
	          "  - from: src\n"                // 11
	          "    to: spilt\n"                // 12
	          "    grouping: {type: FIELDS}\n" // 13
	          "config:\n"                      // 14
	          "  topology.workers: none\n");   // 15
	expect_msg("t.yaml:5:18: spout 'src': 'parallelism' must be");
	expect_msg("t.yaml:9:5: bolt 'split': unknown key 'colour'");
	expect_msg("t.yaml:12:9: stream 'src' -> 'spilt': 'to' names no spout "
	           "or bolt: 'spilt'; did you mean 'split'?");
	expect_msg("t.yaml:13:15: stream 'src' -> 'spilt': FIELDS grouping "
	           "needs 'args'");
	expect_msg("t.yaml:15:21: config: 'topology.workers' must be an "
	           "integer");
	// split has no input because of the misspelt stream, which is
	// already reported.
	cr_expect_eq(d.n, 5, "%s", all_lines());
}

// ---------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------

Test(parser, refuses_duplicate_keys_in_any_mapping)
{
	must_fail("name: x\n"                 // 1
	          "name: y\n"                 // 2
	          BASE_SPOUTS                 // 3-5
	          "    options:\n"            // 6
	          "      path: a\n"           // 7
	          "      path: b\n"           // 8
	          "      path: c\n");         // 9
	expect_msg("t.yaml:2:1: duplicate key 'name' (first at line 1, column "
	           "1)");
	expect_msg("t.yaml:8:7: duplicate key 'path' (first at line 7, column "
	           "7)");
	expect_msg("t.yaml:9:7: duplicate key 'path' (first at line 7, column "
	           "7)");
	cr_expect_eq(d.n, 3, "%s", all_lines());
}

Test(parser, refuses_anchors_aliases_and_complex_keys)
{
	must_fail("name: x\n"                       // 1
	          "spouts:\n"                       // 2
	          "  - &s1\n"                       // 3
	          "    id: src\n"                   // 4
	          "    component: fake_spout\n"     // 5
	          "  - *s1\n"                       // 6
	          "config:\n"                       // 7
	          "  ? [a, b]\n"                    // 8
	          "  : 1\n");                       // 9
	expect_msg("t.yaml:3:5: YAML anchors (&s1) are not supported");
	expect_msg("t.yaml:6:5: YAML aliases (*s1) are not supported");
	expect_msg("t.yaml:8:5: a mapping key must be a scalar, found a list");
}

Test(parser, refuses_a_string_with_a_nul_escape)
{
	must_fail("name: \"x\\0y\"\n" BASE_SPOUTS);
	expect_msg("t.yaml:1:7: a string may not contain NUL characters");
}

Test(parser, reports_syntax_errors_with_their_position)
{
	must_fail("name: x\n"
	          "spouts:\n"
	          "  - id: \"src\n");
	expect_msg("t.yaml:4:1: found unexpected end of stream (while "
	           "scanning a quoted scalar at line 3, column 9)");
	gale_diag_fini(&d);
	must_fail("name: x\n"
	          "spouts: [{id: a, component: b}\n");
	cr_expect_eq(d.n, 1);
	cr_expect(strncmp(d.lines[0], "t.yaml:3:1: ", 12) == 0, "%s",
	    d.lines[0]);
	gale_diag_fini(&d);
	must_fail("name: x\n"
	          "  bad indent: 1\n");
	cr_expect(strncmp(d.lines[0], "t.yaml:2:", 9) == 0, "%s", d.lines[0]);
}

Test(parser, refuses_empty_and_comment_only_files)
{
	static const char *const empty[] = { "", "   \n\n", "# nothing\n",
		"---\n", "~\n" };
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		gale_diag_fini(&d);
		must_fail(empty[i]);
		cr_expect_eq(d.n, 1, "%s", all_lines());
	}
	gale_diag_fini(&d);
	must_fail("");
	expect_msg("t.yaml: the file is empty; a topology is a mapping with "
	           "keys name, config, spouts, bolts and streams");
}

Test(parser, refuses_a_top_level_that_is_not_a_mapping)
{
	must_fail("- name: x\n");
	expect_msg("t.yaml:1:1: a topology is a mapping with keys name, "
	           "config, spouts, bolts and streams, found a list");
	gale_diag_fini(&d);
	must_fail("just text\n");
	expect_msg("t.yaml:1:1: a topology is a mapping");
}

Test(parser, refuses_a_second_document)
{
	must_fail("name: x\n" BASE_SPOUTS "---\nname: y\n");
	expect_msg("t.yaml:5:1: a second YAML document; a topology file holds "
	           "one");
}

Test(parser, refuses_nul_bytes_and_invalid_utf8_with_a_position)
{
	const char text[] = "name: x\nspouts:\n  - id: a\0b\n";
	gale_topology *t  = NULL;
	cr_assert_eq(gale_topology_parse(
	                 &t, "t.yaml", text, sizeof(text) - 1, &d),
	    GALE_EINVAL);
	expect_msg("t.yaml:3:10: a NUL byte; a topology file must be UTF-8 "
	           "text");
	gale_diag_fini(&d);
	must_fail("name: x\nspouts: \xff\xfe\n");
	expect_msg("t.yaml:2:9: invalid leading UTF-8 octet (byte 0xFF)");
	gale_diag_fini(&d);
	must_fail("name: \xc3\xa9\xc3\n");
	cr_expect(strncmp(d.lines[0], "t.yaml:1:", 9) == 0, "%s", d.lines[0]);
}

Test(parser, survives_binary_garbage)
{
	unsigned seed = 12345;
	for (int round = 0; round < 200; round++) {
		char   buf[512];
		size_t len = 1 + (size_t) (rand_r(&seed) % sizeof(buf));
		for (size_t i = 0; i < len; i++) {
			buf[i] = (char) (rand_r(&seed) & 0xff);
		}
		gale_topology *t  = NULL;
		gale_err       rv = gale_topology_parse(&t, "g", buf, len, &d);
		cr_assert_eq(rv, GALE_EINVAL);
		cr_assert_null(t);
		cr_assert_gt(d.n, 0);
		gale_diag_fini(&d);
	}
}

Test(parser, refuses_nesting_deeper_than_the_limit)
{
	char yaml[512];
	int  depth = GALE_TOPOLOGY_MAX_DEPTH + 1;
	int  used  = snprintf(yaml, sizeof(yaml), "name: x\nconfig: ");
	// The top mapping is level 1, config's value level 2, ...
	for (int i = 0; i < depth - 1; i++) {
		yaml[used++] = '[';
	}
	yaml[used] = '\0';
	must_fail(yaml);
	char want[128];
	snprintf(want, sizeof(want),
	    "t.yaml:2:%d: nesting is deeper than %d levels",
	    8 + depth - 1, GALE_TOPOLOGY_MAX_DEPTH);
	expect_msg(want);
	cr_expect_eq(d.n, 1, "%s", all_lines());

	// One level less is only a type error.
	gale_diag_fini(&d);
	used = snprintf(yaml, sizeof(yaml), "name: x\n" BASE_SPOUTS "config: ");
	for (int i = 0; i < depth - 2; i++) {
		yaml[used++] = '[';
	}
	for (int i = 0; i < depth - 2; i++) {
		yaml[used++] = ']';
	}
	yaml[used++] = '\n';
	yaml[used]   = '\0';
	must_fail(yaml);
	expect_msg("'config' must be a mapping, found a list");
	cr_expect_eq(d.n, 1, "%s", all_lines());
}

Test(parser, refuses_text_larger_than_the_limit)
{
	size_t len  = (size_t) GALE_TOPOLOGY_MAX_BYTES + 1;
	char  *text = malloc(len);
	memset(text, '#', len);
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "big.yaml", text, len, &d),
	    GALE_EINVAL);
	free(text);
	expect_msg("big.yaml: the file is larger than the limit of 16 MiB");
}

Test(parser, refuses_more_nodes_than_the_limit)
{
	size_t n    = GALE_TOPOLOGY_MAX_NODES + 1;
	size_t cap  = n * 2 + 64;
	char  *text = malloc(cap);
	size_t used = (size_t) snprintf(text, cap, "x: [");
	for (size_t i = 0; i < n; i++) {
		text[used++] = '1';
		text[used++] = ',';
	}
	text[used++] = ']';
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "t.yaml", text, used, &d),
	    GALE_EINVAL);
	free(text);
	expect_msg("more than 1048576 YAML nodes");
}

Test(parser, stops_recording_after_too_many_errors)
{
	size_t n    = 1000;
	size_t cap  = n * 32 + 256;
	char  *yaml = malloc(cap);
	size_t used = (size_t) snprintf(yaml, cap, "name: x\n" BASE_SPOUTS);
	for (size_t i = 0; i < n; i++) {
		used += (size_t) snprintf(
		    yaml + used, cap - used, "unknown%zu: 1\n", i);
	}
	must_fail(yaml);
	free(yaml);
	cr_expect_eq(d.n, GALE_TOPOLOGY_MAX_ERRORS + 1);
	cr_expect_str_eq(d.lines[d.n - 1],
	    "t.yaml: too many errors; stopping after 200");
}

// ---------------------------------------------------------------------
// Loading files
// ---------------------------------------------------------------------

Test(parser, loads_a_file_and_names_it_in_messages)
{
	char dir[] = "/tmp/gale-parser-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	FILE *f = fopen(path, "w");
	fputs("name: x\n" BASE_SPOUTS "bolts: 3\n", f);
	fclose(f);

	gale_topology *t = NULL;
	cr_expect_eq(gale_topology_load(&t, path, &d), GALE_EINVAL);
	char want[300];
	snprintf(want, sizeof(want), "%s:5:8: top level: 'bolts' must be a "
	    "list", path);
	expect_msg(want);

	gale_diag_fini(&d);
	f = fopen(path, "w");
	fputs("name: x\n" BASE_SPOUTS, f);
	fclose(f);
	cr_assert_eq(gale_topology_load(&t, path, &d), GALE_OK);
	cr_expect_str_eq(t->file, path);
	gale_topology_destroy(&t);

	unlink(path);
	cr_expect_eq(gale_topology_load(&t, path, &d), GALE_ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	expect_msg(want);
	cr_expect_eq(gale_topology_load(&t, dir, &d), GALE_EINVAL);
	expect_msg("is a directory");
	cr_expect_null(t);
	rmdir(dir);
}

Test(parser, loads_at_most_the_limit_from_an_endless_file)
{
	gale_topology *t = NULL;
	cr_expect_eq(gale_topology_load(&t, "/dev/zero", &d), GALE_EINVAL);
	expect_msg("/dev/zero: the file is larger than the limit of 16 MiB");
}

// ---------------------------------------------------------------------
// --set
// ---------------------------------------------------------------------

Test(parser, sets_and_adds_component_options)
{
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS
	                              "    options: {path: a.txt}\n" BASE_BOLTS
	                                  BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "src.path=b.txt", &d), GALE_OK);
	cr_expect_eq(gale_topology_set(t, "src.x.y=1=2", &d), GALE_OK);
	cr_expect_eq(gale_topology_set(t, "split.empty=", &d), GALE_OK);
	cr_expect_eq(d.n, 0, "%s", all_lines());
	const gale_component_def *s = gale_topology_component(t, "src");
	cr_assert_eq(s->noptions, 2);
	cr_expect_str_eq(s->options[0].value, "b.txt");
	cr_expect_eq(s->options[0].where.line, 0);
	cr_expect_str_eq(s->options[1].key, "x.y");
	cr_expect_str_eq(s->options[1].value, "1=2");
	const gale_component_def *b = gale_topology_component(t, "split");
	cr_assert_eq(b->noptions, 1);
	cr_expect_str_eq(b->options[0].key, "empty");
	cr_expect_str_eq(b->options[0].value, "");
	gale_topology_destroy(&t);
}

Test(parser, sets_the_parallelism_of_a_component)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "split.parallelism=4", &d), GALE_OK);
	cr_expect_eq(t->components[1].parallelism, 4);
	cr_expect_eq(t->components[1].noptions, 0);
	cr_expect_eq(gale_topology_set(t, "split.parallelism=0", &d),
	    GALE_EINVAL);
	cr_expect_eq(gale_topology_set(t, "src.parallelism=4097", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'split.parallelism=0': 'parallelism' must "
	           "be an integer from 1 to 4096, found '0'");
	expect_msg("t.yaml: --set 'src.parallelism=4097': 'parallelism' must "
	           "be an integer from 1 to 4096, found '4097'");
	cr_expect_eq(t->components[1].parallelism, 4);
	cr_expect_eq(t->components[0].parallelism, 1);
	gale_topology_destroy(&t);
}

Test(parser, sets_and_replaces_config_keys)
{
	gale_topology *t = must_parse(
	    "name: x\n" BASE_SPOUTS "config: {topology.workers: 2}\n");
	cr_expect_eq(gale_topology_set(t, "topology.workers=3", &d), GALE_OK);
	cr_expect_eq(gale_topology_set(t, "topology.debug=on", &d), GALE_OK);
	cr_expect_eq(d.n, 0, "%s", all_lines());
	cr_expect_eq(t->nconfig, 2);
	cr_expect_eq(gale_topology_config_i64(t, "topology.workers", 1), 3);
	cr_expect(gale_topology_config_bool(t, "topology.debug", false));
	gale_topology_destroy(&t);
}

Test(parser, refuses_bad_set_arguments_naming_them)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "novalue", &d), GALE_EINVAL);
	expect_msg("t.yaml: --set 'novalue': expected KEY=VALUE");
	cr_expect_eq(gale_topology_set(t, "=1", &d), GALE_EINVAL);
	expect_msg("t.yaml: --set '=1': expected KEY=VALUE");
	cr_expect_eq(gale_topology_set(t, "topology.workers=0", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'topology.workers=0': 'topology.workers' "
	           "must be an integer from 1 to 2147483647, found '0'");
	cr_expect_eq(gale_topology_set(t, "topology.wrokers=2", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'topology.wrokers=2': 'topology.wrokers' is "
	           "neither a config key nor COMPONENT.OPTION of a component "
	           "of this topology; did you mean 'topology.workers'?");
	cr_expect_eq(gale_topology_set(t, "splt.output=a", &d), GALE_EINVAL);
	expect_msg("did you mean 'split.output'?");
	cr_expect_eq(gale_topology_set(t, "src.=a", &d), GALE_EINVAL);
	expect_msg("t.yaml: --set 'src.=a': no option name after 'src.'");
	cr_expect_eq(d.n, 6, "%s", all_lines());
	// Nothing was changed by the refused ones.
	cr_expect_eq(t->nconfig, 0);
	cr_expect_eq(t->components[0].noptions, 0);
	gale_topology_destroy(&t);
}

Test(parser, finds_components_by_id)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(gale_topology_component(t, "split"), &t->components[1]);
	cr_expect_eq(gale_topology_component(t, "src"), &t->components[0]);
	cr_expect_null(gale_topology_component(t, "nope"));
	gale_topology_destroy(&t);
	gale_topology_destroy(&t);
	gale_topology_destroy(NULL);
}
