// SPDX-License-Identifier: MIT
// validate_test.c - tests of topology/validate.c: resolving components from
// shared libraries and checking kinds, streams and fields against what the
// components declare.

#include <criterion/criterion.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/diag.h"
#include "topology/model.h"
#include "workers/registry.h"

// Validates with the resolver the gale binary uses.
static gale_err
validate(gale_topology *t, const char *libdir, gale_diag *d)
{
	return gale_topology_validate(t, libdir, gale__registry_resolver(), d);
}

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

TestSuite(validate, .init = setup, .fini = teardown);

#define all_lines() test_diag_text(&d)
#define has(needle) test_diag_has(&d, (needle))
#define expect_msg(needle) test_diag_expect(&d, (needle))

// Parses yaml (a format taking the test library's path for every %1$s) as
// file, which must succeed.
static gale_topology *
parse_as(const char *file, const char *fmt)
{
	char *yaml = NULL;
	cr_assert_geq(asprintf(&yaml, fmt, TOPOLOGY_TEST_LIB), 0);
	gale_topology *t  = NULL;
	gale_err       rv = gale_topology_parse(
            &t, file, yaml, strlen(yaml), &d);
	free(yaml);
	cr_assert_eq(rv, GALE_OK, "parse failed:\n%s", all_lines());
	return t;
}

static gale_topology *
parse(const char *fmt)
{
	return parse_as("t.yaml", fmt);
}

// The same topology as in BASE below, with the library path left open.
#define SPOUT_SRC                                                             \
	"spouts:\n"                                                           \
	"  - id: src\n"                                                       \
	"    component: fake_spout\n"                                         \
	"    library: %1$s\n"
#define BOLT_SPLIT                                                            \
	"bolts:\n"                                                            \
	"  - id: split\n"                                                     \
	"    component: fake_bolt\n"                                          \
	"    library: %1$s\n"
#define BASE                                                                  \
	"name: x\n" SPOUT_SRC BOLT_SPLIT                                      \
	"streams:\n"                                                          \
	"  - from: src\n"                                                     \
	"    to: split\n"                                                     \
	"    grouping: {type: FIELDS, args: [line]}\n"

Test(validate, resolves_components_from_an_absolute_library_path)
{
	gale_topology *t = parse(BASE);
	cr_assert_eq(validate(t, NULL, &d), GALE_OK, "%s",
	    all_lines());
	cr_expect_eq(d.n, 0);
	cr_expect_not_null(t->components[0].spout);
	cr_expect_null(t->components[0].bolt);
	cr_expect_null(t->components[1].spout);
	cr_expect_not_null(t->components[1].bolt);

	const char *const *f = gale_component_fields(&t->components[0], NULL);
	cr_assert_not_null(f);
	cr_expect_str_eq(f[0], "line");
	cr_expect_null(f[1]);
	f = gale_component_fields(&t->components[0], "words");
	cr_assert_not_null(f);
	cr_expect_str_eq(f[0], "word");
	cr_expect_str_eq(f[1], "count");
	cr_expect_null(f[2]);
	f = gale_component_fields(&t->components[1], "default");
	cr_assert_not_null(f);
	cr_expect_str_eq(f[0], "word");
	cr_expect_null(gale_component_fields(&t->components[1], "words"));

	// Validating again resolves again, with the same result.
	cr_expect_eq(validate(t, NULL, &d), GALE_OK);
	cr_expect_not_null(t->components[0].spout);
	gale_topology_destroy(&t);
}

Test(validate, resolves_relative_paths_against_the_files_directory)
{
	char dir[] = "/tmp/gale-validate-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char sub[300], link[300], file[300];
	snprintf(sub, sizeof(sub), "%s/lib", dir);
	snprintf(link, sizeof(link), "%s/lib/libt.so", dir);
	snprintf(file, sizeof(file), "%s/t.yaml", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(symlink(TOPOLOGY_TEST_LIB, link), 0);

	static const char yaml[] = "name: x\n"
				   "spouts:\n"
				   "  - id: src\n"
				   "    component: fake_spout\n"
				   "    library: lib/libt.so\n";
	gale_topology *t = parse_as(file, yaml);
	cr_expect_eq(validate(t, NULL, &d), GALE_OK, "%s",
	    all_lines());
	cr_expect_not_null(t->components[0].spout);
	gale_topology_destroy(&t);

	// The same text read from elsewhere finds no library there.
	t = parse_as("elsewhere/t.yaml", yaml);
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("elsewhere/t.yaml:5:14: spout 'src': cannot load library "
	           "'elsewhere/lib/libt.so'");
	gale_topology_destroy(&t);

	// A libdir replaces the file's directory.
	gale_diag_fini(&d);
	t = parse_as("elsewhere/t.yaml", yaml);
	cr_expect_eq(validate(t, dir, &d), GALE_OK, "%s",
	    all_lines());
	gale_topology_destroy(&t);

	// A file name without a directory means the current one.
	t = parse_as("t.yaml", yaml);
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:5:14: spout 'src': cannot load library "
	           "'./lib/libt.so'");
	gale_topology_destroy(&t);

	unlink(link);
	rmdir(sub);
	rmdir(dir);
}

Test(validate, reports_a_missing_library_and_a_missing_symbol)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"                          // 2
				 "  - id: src\n"                      // 3
				 "    component: fake_spuot\n"        // 4
				 "    library: %1$s\n"                // 5
				 "  - id: other\n"                    // 6
				 "    component: fake_spout\n"        // 7
				 "    library: /nonexistent/libx.so\n"); // 8
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	char want[512];
	snprintf(want, sizeof(want),
	    "t.yaml:4:16: spout 'src': library '%s' has no component "
	    "'fake_spuot'",
	    TOPOLOGY_TEST_LIB);
	expect_msg(want);
	expect_msg("t.yaml:8:14: spout 'other': cannot load library "
	           "'/nonexistent/libx.so'");
	cr_expect_eq(d.n, 2, "%s", all_lines());
	cr_expect_null(t->components[0].spout);
	cr_expect_null(t->components[1].spout);
	gale_topology_destroy(&t);
}

Test(validate, keeps_messages_about_odd_names_on_one_line)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"
				 "  - id: src\n"
				 "    component: \"fake\\nspout\"\n"
				 "    library: \"/nonexistent/a\\tb\\nc.so\"\n"
				 "  - id: s2\n"
				 "    component: \"fake\\nspout\"\n"
				 "    library: %1$s\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	cr_expect_eq(d.n, 2, "%s", all_lines());
	expect_msg("t.yaml:5:14: spout 'src': cannot load library "
	           "'/nonexistent/a?b?c.so'");
	expect_msg("t.yaml:7:16: spout 's2': library ");
	expect_msg("has no component 'fake?spout'");
	for (size_t i = 0; i < d.n; i++) {
		cr_expect_null(strchr(d.lines[i], '\n'), "%s", d.lines[i]);
		cr_expect_null(strchr(d.lines[i], '\t'), "%s", d.lines[i]);
	}
	gale_topology_destroy(&t);
}

Test(validate, refuses_a_spout_under_bolts_and_a_bolt_under_spouts)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"                   // 2
				 "  - id: src\n"               // 3
				 "    component: fake_bolt\n"  // 4
				 "    library: %1$s\n"         // 5
				 "bolts:\n"                    // 6
				 "  - id: b\n"                 // 7
				 "    component: fake_spout\n" // 8
				 "    library: %1$s\n"         // 9
				 "streams:\n"
				 "  - {from: src, to: b, grouping: {type: ALL}}\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:4:16: spout 'src': 'fake_bolt' is a bolt; list it "
	           "under 'bolts'");
	expect_msg("t.yaml:8:16: bolt 'b': 'fake_spout' is a spout; list it "
	           "under 'spouts'");
	cr_expect_eq(d.n, 2, "%s", all_lines());
	cr_expect_null(t->components[0].spout);
	cr_expect_null(t->components[0].bolt);
	gale_topology_destroy(&t);
}

Test(validate, refuses_exports_of_both_kinds_or_neither)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"                     // 2
				 "  - id: a\n"                   // 3
				 "    component: fake_both\n"    // 4
				 "    library: %1$s\n"           // 5
				 "  - id: b\n"                   // 6
				 "    component: fake_neither\n" // 7
				 "    library: %1$s\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:4:16: spout 'a': component 'fake_both' in");
	expect_msg("must set exactly one of spout and bolt");
	expect_msg("t.yaml:7:16: spout 'b': component 'fake_neither' in");
	gale_topology_destroy(&t);
}

Test(validate, reports_an_undeclared_stream_listing_the_declared_ones)
{
	gale_topology *t = parse("name: x\n" SPOUT_SRC BOLT_SPLIT // 1-9
				 "  - id: sink\n"                  // 10
				 "    component: fake_sink\n"      // 11
				 "    library: %1$s\n"             // 12
				 "  - id: after\n"                 // 13
				 "    component: fake_sink\n"      // 14
				 "    library: %1$s\n"             // 15
				 "streams:\n"                      // 16
				 "  - from: src\n"                 // 17
				 "    to: split\n"                 // 18
				 "    stream: lines\n"             // 19
				 "    grouping: {type: SHUFFLE}\n" // 20
				 "  - from: src\n"                 // 21
				 "    to: sink\n"                  // 22
				 "    grouping:\n"                 // 23
				 "      type: SHUFFLE\n"           // 24
				 "      streamId: words\n"         // 25
				 "  - from: sink\n"                // 26
				 "    to: after\n"                 // 27
				 "    grouping: {type: GLOBAL}\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:19:13: stream 'src' -> 'split': 'src' declares no "
	           "output stream 'lines' (it declares: default, words)");
	expect_msg("t.yaml:26:5: stream 'sink' -> 'after': 'sink' declares "
	           "no output stream 'default' (it declares no output "
	           "streams)");
	cr_expect_eq(d.n, 2, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, reports_fields_arguments_that_are_not_declared)
{
	gale_topology *t = parse("name: x\n" SPOUT_SRC BOLT_SPLIT // 1-9
				 "  - id: c\n"                     // 10
				 "    component: fake_sink\n"      // 11
				 "    library: %1$s\n"             // 12
				 "streams:\n"                      // 13
				 "  - from: src\n"                 // 14
				 "    to: split\n"                 // 15
				 "    grouping:\n"                 // 16
				 "      type: FIELDS\n"            // 17
				 "      args: [line, wrd]\n"       // 18
				 "  - from: src\n"                 // 19
				 "    to: c\n"                     // 20
				 "    stream: words\n"             // 21
				 "    grouping:\n"                 // 22
				 "      type: FIELDS\n"            // 23
				 "      args: [count, word]\n"     // 24
				 "  - from: split\n"               // 25
				 "    to: c\n"                     // 26
				 "    grouping:\n"                 // 27
				 "      type: FIELDS\n"            // 28
				 "      args: [line]\n");          // 29
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:18:20: stream 'src' -> 'split': FIELDS argument "
	           "'wrd' is not a field of stream 'default' of 'src' "
	           "(declared fields: line)");
	expect_msg("t.yaml:29:14: stream 'split' -> 'c': FIELDS argument "
	           "'line' is not a field of stream 'default' of 'split' "
	           "(declared fields: word)");
	// The fields of the words stream are fine, in any order.
	cr_expect_eq(d.n, 2, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, reports_unknown_built_in_components)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"
				 "  - id: src\n"
				 "    component: no_such_component_anywhere\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:4:16: spout 'src': unknown built-in component "
	           "'no_such_component_anywhere' (a component from a shared "
	           "library needs 'library:')");
	gale_topology_destroy(&t);
}

Test(validate, reports_every_error_together)
{
	gale_topology *t = parse("name: x\n" SPOUT_SRC
				 "bolts:\n"                       // 6
				 "  - id: a\n"                    // 7
				 "    component: fake_spout\n"    // 8
				 "    library: %1$s\n"            // 9
				 "  - id: b\n"                    // 10
				 "    component: fake_blot\n"     // 11
				 "    library: %1$s\n"            // 12
				 "  - id: c\n"                    // 13
				 "    component: fake_bolt\n"     // 14
				 "    library: %1$s\n"            // 15
				 "streams:\n"                     // 16
				 "  - from: src\n"                // 17
				 "    to: a\n"                    // 18
				 "    grouping: {type: SHUFFLE}\n" // 19
				 "  - from: src\n"                // 20
				 "    to: b\n"                    // 21
				 "    grouping: {type: SHUFFLE}\n" // 22
				 "  - from: src\n"                // 23
				 "    to: c\n"                    // 24
				 "    grouping: {type: FIELDS, args: [x]}\n"); // 25
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:8:16: bolt 'a': 'fake_spout' is a spout");
	expect_msg("t.yaml:11:16: bolt 'b': library");
	expect_msg("has no component 'fake_blot'");
	expect_msg("t.yaml:25:37: stream 'src' -> 'c': FIELDS argument 'x'");
	cr_expect_eq(d.n, 3, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, finds_no_fields_on_an_unresolved_component)
{
	gale_component_def c = { .id = "x" };
	cr_expect_null(gale_component_fields(&c, NULL));
	cr_expect_null(gale_component_fields(&c, "default"));
}

// The built-in components, as runtime/builtins.c lists them.
Test(validate, resolves_built_in_components_and_their_fields)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"
				 "  - {id: r, component: random_sentences}\n"
				 "  - {id: f, component: file_lines}\n"
				 "  - {id: s, component: socket_lines}\n"
				 "  - {id: c, component: const_spout}\n"
				 "bolts:\n"
				 "  - {id: split, component: split_words}\n"
				 "  - {id: count, component: word_count}\n"
				 "  - {id: same, component: id_bolt}\n"
				 "  - {id: sink, component: null_bolt}\n"
				 "streams:\n"
				 "  - {from: r, to: split, grouping: {type: SHUFFLE}}\n"
				 "  - {from: f, to: same, grouping: {type: FIELDS, "
				 "args: [line]}}\n"
				 "  - {from: s, to: same, grouping: {type: SHUFFLE}}\n"
				 "  - {from: c, to: same, grouping: {type: SHUFFLE}}\n"
				 "  - {from: split, to: count, grouping: {type: "
				 "FIELDS, args: [word]}}\n"
				 "  - {from: count, to: sink, grouping: {type: "
				 "FIELDS, args: [count, word]}}\n");
	cr_assert_eq(validate(t, NULL, &d), GALE_OK, "%s",
	    all_lines());
	static const char *const spouts[] = { "r", "f", "s", "c" };
	for (size_t i = 0; i < 4; i++) {
		const gale_component_def *c =
		    gale_topology_component(t, spouts[i]);
		cr_assert_not_null(c->spout, "%s", spouts[i]);
		const char *const *f = gale_component_fields(c, NULL);
		cr_assert_not_null(f, "%s", spouts[i]);
		cr_expect_str_eq(f[0], "line");
		cr_expect_null(f[1]);
	}
	const char *const *f =
	    gale_component_fields(gale_topology_component(t, "split"), NULL);
	cr_expect_str_eq(f[0], "word");
	cr_expect_null(f[1]);
	f = gale_component_fields(gale_topology_component(t, "count"), NULL);
	cr_expect_str_eq(f[0], "word");
	cr_expect_str_eq(f[1], "count");
	cr_expect_null(f[2]);
	f = gale_component_fields(gale_topology_component(t, "same"), NULL);
	cr_expect_str_eq(f[0], "line");
	cr_expect_null(gale_component_fields(
	    gale_topology_component(t, "sink"), NULL));
	gale_topology_destroy(&t);
}

Test(validate, suggests_the_built_in_meant)
{
	gale_topology *t = parse("name: x\n"
				 "spouts:\n"
				 "  - {id: r, component: random_sentences}\n" // 3
				 "bolts:\n"
				 "  - {id: split, component: split_word}\n" // 5
				 "  - {id: count, component: word_count}\n"
				 "streams:\n"
				 "  - {from: r, to: split, grouping: {type: SHUFFLE}}\n"
				 "  - {from: r, to: count, grouping: {type: FIELDS, "
				 "args: [word]}}\n"); // 9
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:5:28: bolt 'split': unknown built-in component "
	           "'split_word'; did you mean 'split_words'?");
	expect_msg("t.yaml:9:58: stream 'r' -> 'count': FIELDS argument "
	           "'word' is not a field of stream 'default' of 'r' "
	           "(declared fields: line)");
	cr_expect_eq(d.n, 2, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, finds_shipped_libraries_in_libdir_by_file_name)
{
	// A supervisor stores each shipped library as libdir/<file name>,
	// whatever path the definition gave it.
	char dir[] = "/tmp/gale-validate-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char link[300];
	snprintf(link, sizeof(link), "%s/libshipped.so", dir);
	cr_assert_eq(symlink(TOPOLOGY_TEST_LIB, link), 0);
	static const char *const paths[] = { "/nowhere/else/libshipped.so",
		"../up/libshipped.so", "libshipped.so" };
	for (size_t i = 0; i < 3; i++) {
		char yaml[512];
		snprintf(yaml, sizeof(yaml),
		    "name: x\n"
		    "spouts:\n"
		    "  - id: src\n"
		    "    component: fake_spout\n"
		    "    library: %s\n",
		    paths[i]);
		gale_topology *t = parse_as("t.yaml", yaml);
		cr_expect_eq(validate(t, dir, &d), GALE_OK,
		    "%s: %s", paths[i], all_lines());
		gale_topology_destroy(&t);
	}
	// Without a libdir an absolute path is taken as it is.
	gale_topology *t = parse_as("t.yaml", "name: x\n"
	                                      "spouts:\n"
	                                      "  - id: src\n"
	                                      "    component: fake_spout\n"
	                                      "    library: "
	                                      "/nowhere/else/libshipped.so\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("cannot load library '/nowhere/else/libshipped.so'");
	gale_topology_destroy(&t);
	unlink(link);
	rmdir(dir);
}

// ---------------------------------------------------------------------
// Options checked against what components declare
// ---------------------------------------------------------------------

Test(validate, accepts_the_options_built_ins_declare)
{
	gale_topology *t = parse(
	    "name: x\n"
	    "spouts:\n"
	    "  - {id: f, component: file_lines, options: {path: a.txt,\n"
	    "     state_dir: /tmp/s, resume: no, state_sync_ms: 10}}\n"
	    "  - {id: s, component: socket_lines, options: {host: h, port: 1,\n"
	    "     wal: /tmp/w, wal_max_bytes: 100000, wal_segment_bytes: 10}}\n"
	    "  - {id: r, component: random_sentences,\n"
	    "     options: {count: 3, seed: -1, rate: 2.5}}\n"
	    "  - {id: c, component: const_spout, options: {count: 1, ack: off}}\n"
	    "bolts:\n"
	    "  - {id: count, component: word_count, options: {output: o.tsv,\n"
	    "     print: true, checkpoint_ms: 5, fail_rate: 0.1, seed: 2}}\n"
	    "streams:\n"
	    "  - {from: f, to: count, grouping: {type: SHUFFLE}}\n");
	cr_assert_eq(validate(t, NULL, &d), GALE_OK, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, rejects_an_unknown_option_at_its_place_with_a_suggestion)
{
	gale_topology *t = parse(
	    "name: x\n"
	    "spouts:\n"
	    "  - {id: f, component: file_lines, options: {pth: a.txt}}\n" // 3
	    "bolts:\n"
	    "  - id: count\n"
	    "    component: word_count\n"
	    "    options:\n"
	    "      outptu: counts.tsv\n" // 8
	    "      colour: red\n"        // 9
	    "  - {id: split, component: split_words, options: {x: 1}}\n" // 10
	    "streams:\n"
	    "  - {from: f, to: count, grouping: {type: SHUFFLE}}\n"
	    "  - {from: f, to: split, grouping: {type: SHUFFLE}}\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:3:51: spout 'f': 'file_lines' takes no option "
	           "'pth' (it takes: path, resume, state_dir, "
	           "state_sync_ms, rate, max_read_ahead); did you mean 'path'?");
	expect_msg("t.yaml:8:15: bolt 'count': 'word_count' takes no option "
	           "'outptu' (it takes: output, print, checkpoint_ms, "
	           "fail_rate, seed); did you mean 'output'?");
	expect_msg("t.yaml:9:15: bolt 'count': 'word_count' takes no option "
	           "'colour' (it takes:");
	cr_expect(!has("colour' (it takes: output, print, checkpoint_ms, "
		       "fail_rate, seed); did"),
	    "no suggestion for a word far from every option:\n%s",
	    all_lines());
	expect_msg("t.yaml:10:54: bolt 'split': 'split_words' takes no "
	           "option 'x' (it takes no options)");
	cr_expect_eq(d.n, 4, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, rejects_an_option_of_the_wrong_type)
{
	gale_topology *t = parse(
	    "name: x\n"
	    "spouts:\n"
	    "  - {id: r, component: random_sentences,\n"
	    "     options: {count: many, rate: fast, seed: 1.5}}\n" // 4
	    "  - {id: c, component: const_spout, options: {ack: maybe}}\n"
	    "bolts:\n"
	    "  - {id: t, component: fake_typed, library: %1$s,\n"
	    "     options: {every: soon, names: 'a,b', ratio: 1e400}}\n" // 8
	    "streams:\n"
	    "  - {from: r, to: t, grouping: {type: SHUFFLE}}\n"
	    "  - {from: c, to: t, grouping: {type: SHUFFLE}}\n");
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml:4:23: spout 'r': option 'count' must be an "
	           "integer: 'many' is not a decimal integer");
	expect_msg("t.yaml:4:35: spout 'r': option 'rate' must be a number");
	expect_msg("t.yaml:4:47: spout 'r': option 'seed' must be an integer");
	expect_msg("spout 'c': option 'ack' must be a boolean");
	expect_msg("t.yaml:8:23: bolt 't': option 'every' must be a duration");
	expect_msg("t.yaml:8:50: bolt 't': option 'ratio' must be a number");
	cr_expect_eq(d.n, 6, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, library_components_that_declare_nothing_take_any_option)
{
	gale_topology *t = parse("name: x\n" SPOUT_SRC
				 "    options: {anything: 1, at: all}\n" BOLT_SPLIT
				 "streams:\n"
				 "  - {from: src, to: split, grouping: {type: "
				 "SHUFFLE}}\n");
	cr_assert_eq(validate(t, NULL, &d), GALE_OK, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, names_the_set_argument_of_a_misspelt_option)
{
	gale_topology *t = parse(
	    "name: x\n"
	    "spouts:\n"
	    "  - {id: sentences, component: file_lines, options: {path: a}}\n"
	    "bolts:\n"
	    "  - {id: count, component: word_count}\n"
	    "streams:\n"
	    "  - {from: sentences, to: count, grouping: {type: SHUFFLE}}\n");
	cr_assert_eq(gale_topology_set(t, "count.outptu=FILE", &d), GALE_OK);
	cr_assert_eq(gale_topology_set(t, "sentences.pth=x", &d), GALE_OK);
	cr_assert_eq(gale_topology_set(t, "count.print=perhaps", &d), GALE_OK);
	cr_expect_eq(validate(t, NULL, &d), GALE_EINVAL);
	expect_msg("t.yaml: --set 'count.outptu=FILE': bolt 'count': "
	           "'word_count' takes no option 'outptu' (it takes: output, "
	           "print, checkpoint_ms, fail_rate, seed); did you mean "
	           "'output'?");
	expect_msg("t.yaml: --set 'sentences.pth=x': spout 'sentences': "
	           "'file_lines' takes no option 'pth'");
	expect_msg("t.yaml: --set 'count.print=perhaps': bolt 'count': option "
	           "'print' must be a boolean");
	cr_expect_eq(d.n, 3, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(validate, a_value_quoted_in_an_error_keeps_the_error_on_one_line)
{
	// A quoted value spanning lines, echoed back by the boolean check.
	gale_topology *t = parse(
	    "name: x\n"
	    "spouts:\n"
	    "  - {id: s, component: const_spout, options: {count: 3, ack: \"false f\n"
	    "s:\n"
	    "\n"
	    "config: {t\"}}\n"
	    "bolts:\n"
	    "  - {id: b, component: null_bolt}\n"
	    "streams:\n"
	    "  - {from: s, to: b, grouping: {type: SHUFFLE}}\n");
	cr_assert_eq(validate(t, NULL, &d), GALE_EINVAL);
	cr_assert_gt(d.n, 0);
	for (size_t i = 0; i < d.n; i++) {
		cr_expect_null(strchr(d.lines[i], '\n'), "%s", d.lines[i]);
	}
	gale_topology_destroy(&t);
}
