// SPDX-License-Identifier: MIT
// parser_test.c - tests of topology/parser.c: the model it builds from the top
// level, components and config, errors of keys and types with their
// position, names and ids, limits, loading files and lookups.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/topology/parse_support.h"

TestSuite(parser, .init = setup, .fini = teardown);

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
	          "klass: org.apache.storm.Foo\n");
	expect_msg("t.yaml:12:1: top level: unknown key 'klass' (known "
	           "keys: name, config, spouts, bolts, streams, components, "
	           "topologySource, workerHooks)");
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
	// A mapping option is legal: it reaches the component as JSON.
	cr_assert(!has("option 'path'"), "%s", all_lines());
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
