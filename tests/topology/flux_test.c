// SPDX-License-Identifier: MIT
// flux_test.c - Storm Flux files as Storm users write them: one file per
// feature in tests/topology/flux/, with the result or the error position
// each must give.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/diag.h"
#include "tests/support/run.h"
#include "topology/model.h"
#include "topology/parser.h"
#include "topology/spec.h"
#include "workers/registry.h"

#define FLUX GALE_SOURCE_DIR "/tests/topology/flux/"

static gale_diag d;

static void
setup(void)
{
	gale_diag_init(&d);
	setenv("GALE_FLUX_TEST_WORKERS", "3", 1);
	unsetenv("GALE_FLUX_TEST_UNSET");
}

static void
teardown(void)
{
	gale_diag_fini(&d);
}

TestSuite(flux, .init = setup, .fini = teardown);

#define all_lines() test_diag_text(&d)
#define expect_msg(needle) test_diag_expect(&d, (needle))

static size_t
count_msgs(const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < d.n; i++) {
		n += strstr(d.lines[i], needle) != NULL;
	}
	return n;
}

static gale_topology *
must_load(const char *name, const char *filter)
{
	gale_topology *t  = NULL;
	gale_err       rv = gale_topology_load_filtered(&t, name, filter, &d);
	cr_assert_eq(rv, GALE_OK, "%s failed:\n%s", name, all_lines());
	return t;
}

static void
must_not_load(const char *name, const char *filter)
{
	gale_topology *t  = NULL;
	gale_err       rv = gale_topology_load_filtered(&t, name, filter, &d);
	cr_assert_eq(rv, GALE_EINVAL, "%s: expected errors, got %d:\n%s", name,
	    rv, all_lines());
	cr_assert_null(t);
}

static const gale_option *
option(const gale_component_def *c, const char *key)
{
	for (size_t i = 0; i < c->noptions; i++) {
		if (strcmp(c->options[i].key, key) == 0) {
			return &c->options[i];
		}
	}
	return NULL;
}

// A resolver that knows a fake `shell` besides the built-ins, as the
// registry will once the shell component is built in. The fake is both a
// spout and a bolt, so that it resolves under either; its outputs come from
// the definition.
static const gale_spout_ops fake_shell_spout = { .size = 1 };
static const gale_bolt_ops  fake_shell_bolt  = { .size = 1 };
static const gale_component fake_shell
    = { .spout = &fake_shell_spout, .bolt = &fake_shell_bolt };

static gale_err
fake_find(const char *library, const char *name, const gale_component **out,
    char *err, size_t errlen)
{
	if (library == NULL && strcmp(name, "shell") == 0) {
		*out = &fake_shell;
		return GALE_OK;
	}
	return gale__registry_find(library, name, out, err, errlen);
}

static gale_err
validate_with_shell(gale_topology *t)
{
	gale_resolver r = *gale__registry_resolver();
	r.find          = fake_find;
	return gale_topology_validate(t, NULL, &r, &d);
}

Test(flux, wordcount_with_shell_components_maps_every_class)
{
	gale_topology *t = must_load(FLUX "wordcount.yaml", NULL);
	cr_assert_str_eq(t->name, "flux-wordcount");
	const gale_component_def *spout
	    = gale_topology_component(t, "sentence-spout");
	const gale_component_def *split
	    = gale_topology_component(t, "splitsentence");
	cr_assert_str_eq(spout->component, "shell");
	cr_assert_str_eq(split->component, "shell");
	cr_assert_str_eq(option(split, "command")->value,
	    "[\"python3\",\"splitsentence.py\"]");
	cr_assert(option(split, "command")->json);
	cr_assert_eq(option(split, "command")->where.line, 23);
	cr_assert_str_eq(option(split, "fields")->value, "[\"word\"]");
	cr_assert_str_eq(split->declared[0].stream, "default");
	cr_assert_str_eq(split->declared[0].fields[0], "word");
	cr_assert_null(split->declared[0].fields[1]);
	cr_assert_str_eq(
	    gale_topology_component(t, "count")->component, "word_count");
	cr_assert_str_eq(gale_topology_component(t, "log")->component, "log");
	// Storm keys gale does not use are warnings; null is the default.
	expect_msg(
	    "wordcount.yaml:8:3: warning: config: "
	    "'topology.fall.back.on.java.serialization' is a Storm key not "
	    "used by gale");
	// Storm's subprocess timeout is gale's too (shell components).
	cr_assert_eq(d.n, 1, "%s", all_lines());
	cr_assert_eq(gale_topology_config_i64(
	                 t, "topology.subprocess.timeout.secs", 0),
	    30);
	cr_assert_eq(
	    gale_topology_config_i64(t, "topology.max.spout.pending", 0), 100);
	gale_topology_destroy(&t);
}

Test(flux, wordcount_validates_once_shell_resolves)
{
	gale_topology *t      = must_load(FLUX "wordcount.yaml", NULL);
	size_t         before = d.n;
	// The built-ins validate through the registry; the FIELDS argument
	// 'word' is checked against the shell bolt's declared fields.
	cr_assert_eq(validate_with_shell(t), GALE_OK, "%s", all_lines());
	const gale_stream_decl *out = gale_component_outputs(
	    gale_topology_component(t, "splitsentence"));
	cr_assert_str_eq(out[0].fields[0], "word");
	const char *const *f = gale_component_fields(
	    gale_topology_component(t, "splitsentence"), "default");
	cr_assert_str_eq(f[0], "word");
	cr_assert_eq(d.n, before, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(flux, storm_testing_classes_run_as_builtins)
{
	gale_topology *t = must_load(FLUX "builtins.yaml", NULL);
	cr_assert_eq(
	    gale_topology_validate(t, NULL, gale__registry_resolver(), &d),
	    GALE_OK, "%s", all_lines());
	cr_assert_str_eq(
	    gale_topology_component(t, "words")->component, "random_words");
	cr_assert_eq(d.n, 0, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(flux, gale_validate_accepts_a_storm_file)
{
	test_run    r;
	const char *args[] = { "validate", FLUX "builtins.yaml", NULL };
	test_run_gale(&r, 20, args);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert(strstr(r.out, "builtins.yaml: ok") != NULL, "%s", r.out);
	test_run_fini(&r);
}

Test(flux, gale_validate_on_the_shell_word_count)
{
	test_run    r;
	const char *args[] = { "validate", FLUX "wordcount.yaml", NULL };
	test_run_gale(&r, 20, args);
	if (r.status != 0
	    && strstr(r.err, "unknown built-in component 'shell'") != NULL) {
		test_run_fini(&r);
		cr_skip_test("the shell component is not built in yet");
	}
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	test_run_fini(&r);
}

Test(flux, shell_options_are_json_with_positions)
{
	gale_topology *t = must_load(FLUX "shell_options.yaml", NULL);
	const gale_component_def *src
	    = gale_topology_component(t, "sentences");
	const gale_option *cmd = option(src, "command");
	cr_assert_str_eq(cmd->value, "[\"python3\",\"sentences.py\",5]");
	cr_assert_eq(cmd->where.line, 6);
	cr_assert_eq(cmd->where.col, 16);
	const gale_component_def *split = gale_topology_component(t, "split");
	cr_assert_str_eq(option(split, "streams")->value,
	    "{\"default\":[\"word\"],\"lengths\":[\"word\",\"length\"]}");
	cr_assert_str_eq(split->declared[1].stream, "lengths");
	cr_assert_str_eq(split->declared[1].fields[1], "length");
	cr_assert_null(split->declared[2].stream);
	cr_assert_eq(validate_with_shell(t), GALE_OK, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(flux, substitution_from_environment_and_filter)
{
	gale_topology *t = must_load(
	    FLUX "substitution.yaml", FLUX "substitution.properties");
	cr_assert_str_eq(t->name, "flux-substituted");
	cr_assert_eq(gale_topology_config_i64(t, "topology.workers", 0), 3);
	const gale_component_def *w = gale_topology_component(t, "words");
	cr_assert_str_eq(option(w, "count")->value, "42");
	cr_assert_str_eq(option(w, "seed")->value, "13");
	gale_topology_destroy(&t);
}

Test(flux, substitution_reports_what_has_no_value)
{
	must_not_load(
	    FLUX "substitution_missing.yaml", FLUX "substitution.properties");
	expect_msg(
	    "substitution_missing.yaml:3:21: '${ENV-GALE_FLUX_TEST_UNSET}': "
	    "the environment variable 'GALE_FLUX_TEST_UNSET' is not set");
	expect_msg("substitution_missing.yaml:7:23: '${no.such.key}': no "
		   "property 'no.such.key' in");
}

Test(flux, substitution_without_filter_says_to_give_one)
{
	must_not_load(FLUX "substitution.yaml", NULL);
	expect_msg("substitution.yaml:2:8: '${topology.name}': no value; give "
		   "a properties file with --filter FILE");
}

Test(flux, includes_merge_as_storm_does)
{
	gale_topology *t = must_load(FLUX "includes.yaml", NULL);
	cr_assert_eq(d.n, 0, "%s", all_lines());
	cr_assert_str_eq(t->name, "includer"); // kept: no override
	cr_assert_eq(gale_topology_config_i64(t, "topology.workers", 0), 2);
	cr_assert_eq(
	    gale_topology_config_i64(t, "topology.message.timeout.secs", 0),
	    90); // the resource overrides
	cr_assert_str_eq(
	    gale_topology_component(t, "words")->component, "random_words");
	const gale_component_def *count = gale_topology_component(t, "count");
	cr_assert_str_eq(count->component, "word_count");
	cr_assert_eq(count->parallelism, 3);
	cr_assert_not_null(gale_topology_component(t, "log"));
	cr_assert_eq(t->nstreams, 2);
	// A position in an included file names that file.
	cr_assert(strstr(count->where.file, "resources/include_override.yaml")
	    != NULL);
	gale_topology_destroy(&t);
}

Test(flux, includes_refuse_cycles)
{
	must_not_load(FLUX "include_cycle_a.yaml", NULL);
	expect_msg("include_cycle_b.yaml:2:11: include #1: ");
	expect_msg("include_cycle_a.yaml' includes itself (through 2 files)");
	cr_assert_eq(count_msgs("includes itself"), 1, "%s", all_lines());
}

Test(flux, a_merged_definition_ships_as_one_text)
{
	gale_spec spec;
	memset(&spec, 0, sizeof(spec));
	cr_assert_eq(gale_topology_spec_load(&spec, FLUX "includes.yaml", NULL,
			 gale__registry_resolver(), &d),
	    GALE_OK, "%s", all_lines());
	cr_assert_null(strstr(spec.yaml, "includes"));
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_from_spec(
			 &t, &spec, NULL, gale__registry_resolver(), &d),
	    GALE_OK, "%s\n%s", all_lines(), spec.yaml);
	const gale_component_def *count = gale_topology_component(t, "count");
	cr_assert_str_eq(count->component, "word_count");
	cr_assert_eq(count->parallelism, 3);
	cr_assert_eq(
	    gale_topology_config_i64(t, "topology.message.timeout.secs", 0),
	    90);
	gale_topology_destroy(&t);
	gale_spec_fini(&spec);
}

Test(flux, num_tasks_sets_the_tasks)
{
	gale_topology *t = must_load(FLUX "numtasks.yaml", NULL);
	cr_assert_eq(gale_topology_component(t, "words")->parallelism, 3);
	cr_assert_eq(gale_topology_component(t, "count")->parallelism, 4);
	expect_msg("numtasks.yaml:9:18: warning: bolt 'count': gale runs one "
		   "executor per task: 4 tasks ('numTasks'); 'parallelism' 2 "
		   "is not used");
	gale_topology_destroy(&t);
}

Test(flux, component_config_is_checked_like_the_topology_config)
{
	must_not_load(FLUX "component_config.yaml", NULL);
	expect_msg(
	    "component_config.yaml:9:7: warning: spout 'words': "
	    "config: 'topology.fall.back.on.java.serialization' is a Storm "
	    "key not used by gale");
	expect_msg("component_config.yaml:15:7: bolt 'count': config: unknown "
		   "key 'topology.max.spout.pendng'; did you mean "
		   "'topology.max.spout.pending'?");
	// A component's own topology.debug applies to it: no warning.
	cr_assert(strstr(all_lines(), "'topology.debug'") == NULL, "%s",
	    all_lines());
	cr_assert_eq(d.n, 2, "%s", all_lines());
}

Test(flux, component_config_keeps_gale_keys)
{
	const char    *yaml = "name: c\n"
			      "spouts:\n"
			      "  - id: words\n"
			      "    component: random_words\n"
			      "    config: {topology.max.spout.pending: 10}\n";
	gale_topology *t    = NULL;
	cr_assert_eq(gale_topology_parse(&t, "c.yaml", yaml, strlen(yaml), &d),
	    GALE_OK, "%s", all_lines());
	const gale_component_def *w = gale_topology_component(t, "words");
	cr_assert_eq(w->nconfig, 1);
	cr_assert_str_eq(w->config[0].key, "topology.max.spout.pending");
	cr_assert_str_eq(w->config[0].value, "10");
	gale_topology_destroy(&t);
}

Test(flux, java_only_keys_get_one_error_each)
{
	must_not_load(FLUX "java_only.yaml", NULL);
	expect_msg("java_only.yaml:2:1: top level: 'components' is Java-only");
	expect_msg("java_only.yaml:11:5: bolt 'count': 'configMethods' is "
		   "Java-only (it calls methods of a Java object)");
	expect_msg("java_only.yaml:16:5: bolt 'made': 'factory' is Java-only");
	expect_msg("java_only.yaml:17:1: top level: 'topologySource' is "
		   "Java-only (it builds the topology in Java)");
	cr_assert_eq(d.n, 4, "%s", all_lines());
}

Test(flux, an_unknown_class_is_an_error_at_its_line)
{
	must_not_load(FLUX "unknown_class.yaml", NULL);
	expect_msg("unknown_class.yaml:7:16: bolt 'foo': 'com.example.Foo' is "
		   "a Java class; gale runs shell components, built-ins and C "
		   "libraries");
	expect_msg("unknown_class.yaml:9:16: bolt 'misplaced': "
		   "'org.apache.storm.testing.TestWordSpout' is a spout; list "
		   "it under 'spouts'");
	cr_assert_eq(d.n, 2, "%s", all_lines());
}

Test(flux, grouping_types_are_case_insensitive_and_custom_is_refused)
{
	must_not_load(FLUX "groupings.yaml", NULL);
	expect_msg("groupings.yaml:21:13: stream 'words' -> 'd': a CUSTOM "
		   "grouping is a Java class (customClass)");
	cr_assert_eq(d.n, 1, "%s", all_lines());
	const char *yaml
	    = "name: g\n"
	      "spouts: [{id: w, component: random_words}]\n"
	      "bolts: [{id: a, component: null_bolt}, {id: b, component: "
	      "null_bolt}]\n"
	      "streams:\n"
	      "  - {from: w, to: a, grouping: {type: local_or_shuffle}}\n"
	      "  - {from: w, to: b, grouping: {type: Fields, args: [word]}}\n";
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "g.yaml", yaml, strlen(yaml), &d),
	    GALE_OK, "%s", all_lines());
	cr_assert_eq(t->streams[0].grouping, GALE_GROUP_LOCAL_OR_SHUFFLE);
	cr_assert_eq(t->streams[1].grouping, GALE_GROUP_FIELDS);
	gale_topology_destroy(&t);
}

Test(flux, an_unknown_config_key_is_still_an_error)
{
	const char    *yaml = "---\n"
			      "name: k\n"
			      "config:\n"
			      "  topology.wrokers: 2\n"
			      "  my.own.key: 1\n"
			      "spouts: [{id: w, component: random_words}]\n";
	gale_topology *t    = NULL;
	cr_assert_eq(gale_topology_parse(&t, "k.yaml", yaml, strlen(yaml), &d),
	    GALE_EINVAL);
	expect_msg("k.yaml:4:3: config: unknown key 'topology.wrokers'; did "
		   "you mean 'topology.workers'?");
	expect_msg("k.yaml:5:3: config: unknown key 'my.own.key'");
}

Test(flux, shell_wrappers_declare_streams_through_config_methods)
{
	gale_topology *t = must_load(FLUX "shell_methods.yaml", NULL);
	expect_msg("shell_methods.yaml:33:16: warning: bolt 'split': "
		   "configMethods: 'topology.fall.back.on.java.serialization' "
		   "is a Storm key not used by gale");
	cr_assert_eq(d.n, 1, "%s", all_lines());
	// addComponentConfig: the script's own keys and gale's, in the
	// component's own config.
	const gale_component_def *sc = gale_topology_component(t, "split");
	cr_assert_eq(sc->nconfig, 3);
	cr_assert_str_eq(sc->config[0].key, "split.min.length");
	cr_assert_str_eq(sc->config[0].value, "2");
	cr_assert(!sc->config[0].json);
	cr_assert_str_eq(sc->config[1].key, "split.stop.words");
	cr_assert_str_eq(sc->config[1].value, "[\"a\",\"the\"]");
	cr_assert(sc->config[1].json);
	cr_assert_str_eq(sc->config[2].key, "topology.subprocess.timeout.secs");
	cr_assert_str_eq(sc->config[2].value, "5");
	const gale_stream_decl *src = gale_component_outputs(
	    gale_topology_component(t, "sentences"));
	cr_assert_str_eq(src[0].stream, "default");
	cr_assert_str_eq(src[0].fields[0], "sentence");
	cr_assert_null(src[1].stream);
	// The constructor's [word] is replaced by setDefaultStream's.
	const gale_stream_decl *split
	    = gale_component_outputs(gale_topology_component(t, "split"));
	cr_assert_str_eq(split[0].stream, "default");
	cr_assert_str_eq(split[0].fields[0], "token");
	cr_assert_null(split[0].fields[1]);
	cr_assert_str_eq(split[1].stream, "lengths");
	cr_assert_str_eq(split[1].fields[0], "word");
	cr_assert_str_eq(split[1].fields[1], "length");
	cr_assert_null(split[1].fields[2]);
	cr_assert_null(split[2].stream);
	cr_assert_eq(validate_with_shell(t), GALE_OK, "%s", all_lines());
	gale_topology_destroy(&t);
}

Test(flux, other_config_methods_are_errors_at_their_place)
{
	must_not_load(FLUX "shell_methods_bad.yaml", NULL);
	expect_msg("shell_methods_bad.yaml:8:15: spout 'sentences': "
		   "configMethods: 'addComponentConfig' takes 'args': [key, "
		   "value] (a value or a list)");
	expect_msg("shell_methods_bad.yaml:13:50: spout 'sentences': "
		   "configMethods: 'topology.subprocess.timeout.secs' must be "
		   "an integer");
	expect_msg("shell_methods_bad.yaml:14:15: spout 'sentences': "
		   "configMethods: 'setParallelism' is Java-only; gale reads "
		   "setDefaultStream([field, ...]), setNamedStream(name, "
		   "[field, ...]) and addComponentConfig(key, value) of a "
		   "shell component");
	expect_msg("shell_methods_bad.yaml:10:15: spout 'sentences': "
		   "configMethods: 'setNamedStream' takes 'args': [stream, "
		   "[field, ...]]");
	expect_msg("shell_methods_bad.yaml:11:9: spout 'sentences': "
		   "configMethods: a method needs a 'name'");
	expect_msg("shell_methods_bad.yaml:19:5: bolt 'count': "
		   "'configMethods' is Java-only (it calls methods of a Java "
		   "object)");
	cr_assert_eq(d.n, 6, "%s", all_lines());
}

Test(flux, resource_keys_are_warnings_and_must_be_numbers)
{
	must_not_load(FLUX "resource_keys.yaml", NULL);
	expect_msg("resource_keys.yaml:11:23: warning: spout 'words': "
		   "'onHeapMemoryLoad' is not used by gale (it does not "
		   "schedule by resources)");
	expect_msg("resource_keys.yaml:12:24: warning: spout 'words': "
		   "'offHeapMemoryLoad' is not used by gale");
	expect_msg("resource_keys.yaml:13:14: warning: spout 'words': "
		   "'cpuLoad' is not used by gale");
	expect_msg("resource_keys.yaml:17:14: bolt 'count': 'cpuLoad' must "
		   "be a number, at least 0");
	expect_msg("resource_keys.yaml:19:7: warning: bolt 'count': config: "
		   "'topology.tuple.compression.enable' is a Storm key not "
		   "used by gale");
	cr_assert_eq(d.n, 5, "%s", all_lines());
}

Test(flux, included_files_are_filtered_and_name_their_own_positions)
{
	must_not_load(FLUX "include_filtered.yaml", FLUX "substitution.properties");
	expect_msg("include_filtered_part.yaml:4:31: "
		   "'${ENV-GALE_FLUX_TEST_UNSET}': the environment variable "
		   "'GALE_FLUX_TEST_UNSET' is not set");
	cr_assert_eq(d.n, 1, "%s", all_lines());
	gale_diag_fini(&d);
	gale_diag_init(&d);
	setenv("GALE_FLUX_TEST_UNSET", "7", 1);
	gale_topology *t = must_load(
	    FLUX "include_filtered.yaml", FLUX "substitution.properties");
	cr_assert_str_eq(t->name, "flux-3-workers");
	cr_assert_eq(gale_topology_config_i64(t, "topology.workers", 0), 3);
	cr_assert_eq(
	    gale_topology_config_i64(t, "topology.message.timeout.secs", 0),
	    42);
	cr_assert_eq(
	    gale_topology_config_i64(t, "topology.max.spout.pending", 0), 7);
	gale_topology_destroy(&t);
}

Test(flux, malformed_config_methods_are_errors_not_crashes)
{
	const char *yaml
	    = "name: m\n"
	      "spouts:\n"
	      "  - id: s\n"
	      "    className: "
	      "org.apache.storm.flux.wrappers.spouts.FluxShellSpout\n"
	      "    constructorArgs: [[python3, s.py], [x]]\n"
	      "    offHeapMemoryLoad: ~\n"
	      "    configMethods:\n"
	      "      - 5\n"
	      "      - {name: setNamedStream, args: [[x], [y]]}\n"
	      "      - {name: setDefaultStream, args: {a: 1}}\n"
	      "      - {name: addComponentConfig, args: [k, {a: 1}]}\n"
	      "      - {name: addComponentConfig, args: [topology.workers, "
	      "[1]]}\n"
	      "      - {name: addComponentConfig, args: [topology.workers, "
	      "~]}\n";
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "m.yaml", yaml, strlen(yaml), &d),
	    GALE_EINVAL);
	expect_msg("m.yaml:8:9: spout 's': configMethods: each method is a "
		   "mapping {name, args}, found a scalar");
	expect_msg("m.yaml:9:39: spout 's': configMethods: the first "
		   "argument of 'setNamedStream' is the stream's name, found "
		   "a list");
	expect_msg("m.yaml:10:40: spout 's': configMethods: "
		   "'setDefaultStream' takes 'args': [[field, ...]]");
	expect_msg("m.yaml:11:42: spout 's': configMethods: "
		   "'addComponentConfig' takes 'args': [key, value]");
	expect_msg("m.yaml:12:61: spout 's': configMethods: "
		   "'topology.workers' must be a scalar, found a list");
	// Storm's null is the default: no word about it.
	cr_assert_eq(d.n, 5, "%s", all_lines());
}
