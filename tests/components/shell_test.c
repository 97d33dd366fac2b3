// SPDX-License-Identifier: MIT
// shell_test.c - the shell spout and bolt end to end: word count through
// multilang scripts in Python and Node.js under `gale local`, acks, fails
// and replays, and scripts that break the protocol.

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/run.h"
#include "tests/support/words.h"

#define SCRIPTS GALE_SOURCE_DIR "/tests/components/multilang"

static char  *dir;
static char   text[65536];
static size_t text_len;

// The interpreter: the system's when there is one (a version manager's
// shim can take a second to start).
static const char *
python(void)
{
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
						     : "python3";
}

// Copies a script into the resources/ folder beside the topology file,
// where shell components run.
static void
copy_script(const char *name)
{
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/%s", SCRIPTS, name);
	snprintf(to, sizeof(to), "%s/resources/%s", dir, name);
	size_t len;
	char  *data = test_read_file(from, &len);
	cr_assert_not_null(data, "cannot read %s", from);
	cr_assert(test_write_file(to, data, len));
	free(data);
}

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	char res[4096];
	snprintf(res, sizeof(res), "%s/resources", dir);
	cr_assert_eq(mkdir(res, 0755), 0);
	const char *names[] = { "mlang.py", "sentences.py", "split.py",
		"split.js", "bad.py", "batch.py", "direct.py", "split.rb",
		"holdfirst.py" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		copy_script(names[i]);
	}
	text_len = 0;
	for (int i = 0; i < 300; i++) {
		text_len += (size_t) snprintf(text + text_len,
		    sizeof(text) - text_len,
		    "%s quick brown w%d jumps over the lazy dog%d\n",
		    i % 50 == 7 ? "fox" : "the", i % 13, i % 7);
	}
	char in[4096];
	snprintf(in, sizeof(in), "%s/resources/input.txt", dir);
	cr_assert(test_write_file(in, text, text_len));
}

static void
teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

TestSuite(shell, .init = setup, .fini = teardown, .timeout = 240);

// Writes the word count topology with the given spout and split
// commands, more topology config lines (conf) and the split's own config
// map (split_conf, "" for none), runs it and checks the counts are exact.
// Returns the run (the caller finishes it) and the stats JSON in *json.
static void
run_wordcount_conf(test_run *r, const char *spout_cmd, const char *split_cmd,
    int timeout_secs, const char *conf, const char *split_conf, char **json)
{
	char yaml[8192], path[4096], out[4096], stats[4096];
	snprintf(path, sizeof(path), "%s/shell.yaml", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(stats, sizeof(stats), "%s/stats.json", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: shell-wordcount\n"
	    "config:\n"
	    "  topology.workers: 2\n"
	    "  topology.max.spout.pending: 50\n"
	    "  topology.subprocess.timeout.secs: %d\n"
	    "%s"
	    "spouts:\n"
	    "  - id: sentences\n"
	    "    component: shell\n"
	    "    options: {command: %s, fields: [sentence]}\n"
	    "bolts:\n"
	    "  - id: split\n"
	    "    component: shell\n"
	    "    parallelism: 2\n"
	    "    options: {command: %s, fields: [word]}\n"
	    "%s%s%s"
	    "  - id: count\n"
	    "    component: word_count\n"
	    "    parallelism: 2\n"
	    "    options: {output: %s}\n"
	    "streams:\n"
	    "  - {from: sentences, to: split, grouping: {type: SHUFFLE}}\n"
	    "  - from: split\n"
	    "    to: count\n"
	    "    grouping: {type: FIELDS, args: [word]}\n",
	    timeout_secs, conf, spout_cmd, split_cmd,
	    split_conf[0] != '\0' ? "    config: {" : "", split_conf,
	    split_conf[0] != '\0' ? "}\n" : "", out);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, "--stats-json", stats, NULL };
	test_run_gale(r, 120, args);
	cr_assert(!r->timedout, "gale local did not finish:\n%s\n%s", r->out,
	    r->err);
	cr_assert_eq(r->status, 0, "gale local failed (%d):\n%s\n%s",
	    r->status, r->out, r->err);
	test_check_counts(text, text_len, out, false);
	*json = test_read_file(stats, NULL);
	cr_assert_not_null(*json);
	cr_assert_eq(test_json_component(*json, "sentences", "acked"), 300,
	    "%s", *json);
}

static void
run_wordcount(test_run *r, const char *spout_cmd, const char *split_cmd,
    int timeout_secs, char **json)
{
	run_wordcount_conf(
	    r, spout_cmd, split_cmd, timeout_secs, "", "", json);
}

static char *
cmd(const char *script, const char *arg)
{
	static char buf[3][512];
	static int  k;
	char       *b = buf[k++ % 3];
	snprintf(b, 512, "[%s, %s%s%s]", python(), script, arg ? ", " : "",
	    arg ? arg : "");
	return b;
}

Test(shell, python_wordcount_counts_exactly_and_replays_a_failed_sentence)
{
	test_run r;
	char    *json;
	run_wordcount(&r, cmd("sentences.py", "input.txt"),
	    cmd("split.py", "fox"), 30, &json);
	// split.py fails the first sentence holding "fox" once: the spout
	// script hears of it and emits it again.
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 1, "%s", json);
	cr_assert_eq(
	    test_json_component(json, "sentences", "replayed"), 1, "%s", json);
	cr_assert_eq(test_json_component(json, "sentences", "emitted"), 301,
	    "%s", json);
	cr_assert_not_null(strstr(r.err, "split:"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "failing "), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "sentences:1: failed "), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "sentences:1: replay "), "%s", r.err);
	// The handshake's context: its task id and component.
	cr_assert(strstr(r.err, "split ready, task 2 of split") != NULL
		|| strstr(r.err, "split ready, task 3 of split") != NULL,
	    "%s", r.err);
	// Its inputs and outputs, as Storm's context names them.
	cr_assert_not_null(strstr(r.err,
			       "context {\"source->stream->fields\":{"
			       "\"sentences\":{\"default\":[\"sentence\"]}},"
			       "\"source->stream->grouping\":{\"sentences\":{"
			       "\"default\":{\"type\":\"SHUFFLE\"}}},"
			       "\"stream->target->grouping\":{\"default\":{"
			       "\"count\":{\"fields\":[\"word\"],"
			       "\"type\":\"FIELDS\"}}}}"),
	    "%s", r.err);
	free(json);
	test_run_fini(&r);
}

Test(shell, an_error_a_script_reports_reaches_the_stats_table)
{
	test_run r;
	char    *json;
	// split.py reports an error for each of the 6 sentences holding
	// "fox" and goes on: the final table's last errors show its text
	// with the component and task.
	run_wordcount(&r, cmd("sentences.py", "input.txt"),
	    cmd("split.py", "error:fox"), 30, &json);
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 0, "%s", json);
	const char *last = strstr(r.out, "Last errors:");
	cr_assert_not_null(last, "%s\n%s", r.out, r.err);
	cr_assert(strstr(last, "split[2]") != NULL
		|| strstr(last, "split[3]") != NULL,
	    "%s", last);
	cr_assert_not_null(
	    strstr(last, "split.py saw fox in a sentence"), "%s", last);
	cr_assert_not_null(
	    strstr(r.err, "split.py saw fox in a sentence"), "%s", r.err);
	free(json);
	test_run_fini(&r);
}

Test(shell, node_split_bolt_counts_exactly)
{
	test_run r;
	char    *json;
	run_wordcount(&r, cmd("sentences.py", "input.txt"), "[node, split.js]",
	    30, &json);
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 0, "%s", json);
	cr_assert_not_null(
	    strstr(r.err, "split.js ready, task "), "%s", r.err);
	free(json);
	test_run_fini(&r);
}

Test(shell, a_bolt_gets_several_tuples_at_once_and_acks_them_out_of_order)
{
	test_run r;
	char    *json;
	// batch.py acks only once it holds 5 tuples (or its input pauses),
	// newest first: gale sends without waiting for each ack
	// (topology.shellbolt.max.pending) and matches each ack to its id.
	run_wordcount(&r, cmd("sentences.py", "input.txt"),
	    cmd("batch.py", NULL), 30, &json);
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 0, "%s", json);
	cr_assert_not_null(strstr(r.err, "acking 5 at once"), "%s", r.err);
	free(json);
	test_run_fini(&r);
}

Test(shell, ruby_split_bolt_counts_exactly)
{
	test_run r;
	char    *json;
	run_wordcount(&r, cmd("sentences.py", "input.txt"), "[ruby, split.rb]",
	    30, &json);
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 0, "%s", json);
	cr_assert_not_null(
	    strstr(r.err, "split.rb ready, task "), "%s", r.err);
	free(json);
	test_run_fini(&r);
}

// Checks a run of holdfirst.py with a limit of 3: the tuples after the one
// it kept unacked went to the other slots, and never more than 3 were
// unacked at once.
static void
check_holdfirst(const test_run *r, const char *json)
{
	cr_assert_eq(
	    test_json_component(json, "sentences", "failed"), 0, "%s", json);
	cr_assert_not_null(
	    strstr(r->err, "got 6 more while holding the first"), "%s",
	    r->err);
	cr_assert_not_null(strstr(r->err, "holding 3 unacked"), "%s", r->err);
	cr_assert_null(strstr(r->err, "more than 3"), "%s", r->err);
}

Test(shell, a_tuple_kept_unacked_leaves_the_other_slots_to_new_input)
{
	test_run r;
	char    *json;
	run_wordcount_conf(&r, cmd("sentences.py", "input.txt"),
	    cmd("holdfirst.py", "3"), 30,
	    "  topology.shellbolt.max.pending: 3\n", "", &json);
	check_holdfirst(&r, json);
	free(json);
	test_run_fini(&r);
}

Test(shell, a_bolt_takes_max_pending_from_its_own_config)
{
	test_run r;
	char    *json;
	// The topology allows 100; the split bolt's own config says 3, and
	// holdfirst.py reports any tuple sent past 3.
	run_wordcount_conf(&r, cmd("sentences.py", "input.txt"),
	    cmd("holdfirst.py", "3"), 30,
	    "  topology.shellbolt.max.pending: 100\n",
	    "topology.shellbolt.max.pending: 3", &json);
	check_holdfirst(&r, json);
	free(json);
	test_run_fini(&r);
}

// Runs bad.py in mode and checks the report names the failure, quotes the
// stderr tail, and that the sentence it broke on replayed.
static void
check_bad(const char *mode, int timeout, const char *expect)
{
	test_run r;
	char    *json;
	run_wordcount(&r, cmd("sentences.py", "input.txt"),
	    cmd("bad.py", mode), timeout, &json);
	cr_assert_not_null(
	    strstr(r.err, expect), "no '%s' in:\n%s", expect, r.err);
	cr_assert_not_null(
	    strstr(r.err, "stderr: bad.py: breaking the protocol"), "%s",
	    r.err);
	cr_assert_not_null(strstr(r.err, "restarting it"), "%s", r.err);
	// Every tuple the process held when it broke failed and replayed:
	// the one it broke on, and those sent after it without waiting
	// (topology.shellbolt.max.pending); the counts were exact.
	double failed = test_json_component(json, "sentences", "failed");
	cr_assert_geq(failed, 1, "%s", json);
	cr_assert_leq(failed, 50, "%s", json); // topology.max.spout.pending
	cr_assert_eq(test_json_component(json, "sentences", "replayed"),
	    failed, "%s", json);
	free(json);
	test_run_fini(&r);
}

Test(shell, a_script_that_dies_mid_tuple_is_restarted_and_its_tuple_replays)
{
	// gale sees either end of the pipes close first: its reads end, or
	// its next write finds the input closed; either way the status.
	check_bad("die", 30, "; it exited with status 3");
}

Test(shell, a_script_that_prints_garbage_is_reported_with_the_line)
{
	check_bad("garbage", 30,
	    "wrote something that is not a JSON message ('[' or '{' expected "
	    "near 'this'): 'this is not json?'");
}

Test(shell, a_script_that_never_answers_times_out)
{
	check_bad("hang", 2,
	    "did not answer within 2 s (topology.subprocess.timeout.secs)");
}

Test(shell, a_script_that_emits_to_an_undeclared_stream_is_reported)
{
	check_bad("undeclared", 30,
	    "emitted on undeclared stream 'nope' (declared: default)");
}

Test(shell, a_bolt_that_emits_direct_to_no_task_id_is_reported)
{
	check_bad("baddirect", 30,
	    "emitted direct to task -3, which is not a task id: "
	    "'{\"command\":\"emit\",\"task\":-3,");
}

Test(shell, a_script_that_writes_a_10_mb_line_is_cut_off)
{
	check_bad("huge", 30,
	    "wrote a message longer than 1048576 bytes (max_message_bytes): "
	    "'{\"command\": \"log\", \"msg\": \"xxxx");
}

Test(shell, a_command_that_does_not_exist_fails_at_start)
{
	test_run r;
	char     yaml[2048], path[4096];
	snprintf(path, sizeof(path), "%s/missing.yaml", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: shell-missing\n"
	    "spouts:\n"
	    "  - id: s\n"
	    "    component: shell\n"
	    "    options: {command: [no-such-program-here], fields: [x]}\n"
	    "bolts:\n"
	    "  - {id: b, component: null_bolt}\n"
	    "streams:\n"
	    "  - {from: s, to: b, grouping: {type: SHUFFLE}}\n");
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	const char *args[] = { "local", path, NULL };
	test_run_gale(&r, 60, args);
	cr_assert(!r.timedout);
	cr_assert_neq(r.status, 0);
	cr_assert_not_null(
	    strstr(r.err, "cannot start 'no-such-program-here' in '"), "%s",
	    r.err);
	test_run_fini(&r);
}

// Parses the log bolt's lines "... sink:TASK: numbers:1 default [I, TO]"
// and checks that each number 0..count-1 reached exactly the task it was
// sent to, the i-th sink task in turn.
static void
check_direct_arrivals(const char *err, uint32_t first, int count)
{
	int         seen[256] = { 0 };
	const char *p         = err;
	int         lines     = 0;
	while ((p = strstr(p, " sink:")) != NULL) {
		unsigned task, src, to;
		int      i;
		if (sscanf(p, " sink:%u: numbers:%u default [%d, %u]", &task,
			&src, &i, &to)
		    == 4) {
			cr_assert(i >= 0 && i < count, "number %d", i);
			cr_assert_eq(task, to, "%d went to %u, not %u", i, task,
			    to);
			cr_assert_eq(task, first + (uint32_t) i % 3,
			    "%d went to task %u", i, task);
			seen[i]++;
			lines++;
		}
		p++;
	}
	for (int i = 0; i < count; i++) {
		cr_assert_eq(seen[i], 1, "number %d arrived %d times:\n%s", i,
		    seen[i], err);
	}
	cr_assert_eq(lines, count);
}

Test(shell, a_spout_emits_direct_to_the_tasks_it_names)
{
	char yaml[4096], path[4096], stats[4096];
	snprintf(path, sizeof(path), "%s/direct.yaml", dir);
	snprintf(stats, sizeof(stats), "%s/stats.json", dir);
	snprintf(yaml, sizeof(yaml),
	    "name: shell-direct\n"
	    "config: {topology.workers: 2}\n"
	    "spouts:\n"
	    "  - id: numbers\n"
	    "    component: shell\n"
	    "    options:\n"
	    "      command: [%s, direct.py, 60]\n"
	    "      streams: {default: [n, task], plain: [n]}\n"
	    "bolts:\n"
	    "  - {id: sink, component: log, parallelism: 3}\n"
	    "  - {id: plain, component: null_bolt, parallelism: 2}\n"
	    "streams:\n"
	    "  - {from: numbers, to: sink, grouping: {type: DIRECT}}\n"
	    "  - from: numbers\n"
	    "    to: plain\n"
	    "    stream: plain\n"
	    "    grouping: {type: SHUFFLE}\n",
	    python());
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	test_run    r;
	const char *args[] = { "local", path, "--stats-json", stats, NULL };
	test_run_gale(&r, 120, args);
	cr_assert(!r.timedout, "gale local did not finish:\n%s", r.err);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	// Tasks: numbers 1, sink 2-4, plain 5-6 (then the ackers).
	check_direct_arrivals(r.err, 2, 60);
	cr_assert_not_null(strstr(r.err, "plain 50 went to task "), "%s", r.err);
	cr_assert_not_null(
	    strstr(r.err, "every tracked number acked"), "%s", r.err);
	// The emit to a task of "plain" is refused, and said why.
	cr_assert_not_null(
	    strstr(r.err,
		"direct emit to task 5 refused: task 5 ('plain') does not "
		"subscribe to stream 'default' with a DIRECT grouping; the "
		"stream goes direct to 'sink' (tasks 2-4)"),
	    "%s", r.err);
	char *json = test_read_file(stats, NULL);
	cr_assert_not_null(json);
	cr_assert_eq(test_json_component(json, "numbers", "acked"), 30,
	    "%s", json);
	cr_assert_eq(
	    test_json_component(json, "numbers", "failed"), 0, "%s", json);
	cr_assert_eq(
	    test_json_component(json, "numbers", "dropped"), 1, "%s", json);
	cr_assert_eq(
	    test_json_component(json, "sink", "executed"), 60, "%s", json);
	free(json);
	test_run_fini(&r);
}

// A Flux file as a Storm user writes it, run as it is: the shell wrappers
// with constructorArgs and configMethods, Storm's counter and logger, an
// include, ${ENV-...} and ${key} from --filter.
Test(shell, a_storm_flux_file_runs_as_it_is)
{
	char path[4096], inc[4096], props[4096], out[4096], stats[4096];
	char yaml[4096], text_props[1024], set[4200];
	snprintf(path, sizeof(path), "%s/flux-wordcount.yaml", dir);
	snprintf(inc, sizeof(inc), "%s/common.yaml", dir);
	snprintf(props, sizeof(props), "%s/dev.properties", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(stats, sizeof(stats), "%s/stats.json", dir);
	const char common[] = "config:\n"
			      "  topology.workers: 2\n"
			      "  topology.subprocess.timeout.secs: 30\n";
	cr_assert(test_write_file(inc, common, strlen(common)));
	snprintf(text_props, sizeof(text_props),
	    "# The values of the ${...} in flux-wordcount.yaml.\n"
	    "topology.name: flux-local\n"
	    "spout.command: [\"%s\", \"sentences.py\", \"input.txt\"]\n",
	    python());
	cr_assert(test_write_file(props, text_props, strlen(text_props)));
	snprintf(yaml, sizeof(yaml),
	    "# Word count with multilang components, for Flux.\n"
	    "---\n"
	    "name: \"${topology.name}\"\n"
	    "includes:\n"
	    "  - file: \"common.yaml\"\n"
	    "config:\n"
	    "  topology.max.spout.pending: ${ENV-GALE_SHELL_TEST_PENDING}\n"
	    "spouts:\n"
	    "  - id: \"sentence-spout\"\n"
	    "    className: "
	    "\"org.apache.storm.flux.wrappers.spouts.FluxShellSpout\"\n"
	    "    constructorArgs:\n"
	    "      - ${spout.command}\n"
	    "      - [\"sentence\"]\n"
	    "    parallelism: 1\n"
	    "bolts:\n"
	    "  - id: \"splitsentence\"\n"
	    "    className: "
	    "\"org.apache.storm.flux.wrappers.bolts.FluxShellBolt\"\n"
	    "    constructorArgs:\n"
	    "      - [\"%s\", \"split.py\"]\n"
	    "    configMethods:\n"
	    "      - name: \"setDefaultStream\"\n"
	    "        args:\n"
	    "          - [\"word\"]\n"
	    "      - name: \"addComponentConfig\"\n"
	    "        args: [\"split.greeting\", \"hello\"]\n"
	    "    parallelism: 2\n"
	    "  - id: \"count\"\n"
	    "    className: \"org.apache.storm.testing.TestWordCounter\"\n"
	    "    parallelism: 2\n"
	    "  - id: \"log\"\n"
	    "    className: "
	    "\"org.apache.storm.flux.wrappers.bolts.LogInfoBolt\"\n"
	    "    parallelism: 1\n"
	    "streams:\n"
	    "  - name: \"spout --> split\"\n"
	    "    from: \"sentence-spout\"\n"
	    "    to: \"splitsentence\"\n"
	    "    grouping:\n"
	    "      type: SHUFFLE\n"
	    "  - name: \"split --> count\"\n"
	    "    from: \"splitsentence\"\n"
	    "    to: \"count\"\n"
	    "    grouping:\n"
	    "      type: FIELDS\n"
	    "      args: [\"word\"]\n"
	    "  - name: \"count --> log\"\n"
	    "    from: \"count\"\n"
	    "    to: \"log\"\n"
	    "    grouping:\n"
	    "      type: shuffle\n",
	    python());
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
	setenv("GALE_SHELL_TEST_PENDING", "40", 1);
	snprintf(set, sizeof(set), "count.output=%s", out);
	test_run    r;
	const char *args[] = { "local", path, "--filter", props, "--set", set,
		"--stats-json", stats, NULL };
	test_run_gale(&r, 120, args);
	unsetenv("GALE_SHELL_TEST_PENDING");
	cr_assert(!r.timedout, "gale local did not finish:\n%s", r.err);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	test_check_counts(text, text_len, out, false);
	char *json = test_read_file(stats, NULL);
	cr_assert_not_null(json);
	cr_assert_eq(test_json_component(json, "sentence-spout", "acked"), 300,
	    "%s", json);
	// Every word counted reached the logger, with its count.
	cr_assert_eq(test_json_component(json, "log", "executed"),
	    test_json_component(json, "splitsentence", "emitted"), "%s", json);
	free(json);
	cr_assert_not_null(strstr(r.out, "Topology flux-local "), "%s", r.out);
	cr_assert_not_null(strstr(r.err, " log:6: count:"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "split ready, task "), "%s", r.err);
	// addComponentConfig reached the script's conf.
	cr_assert_not_null(
	    strstr(r.err, "conf split.greeting=hello"), "%s", r.err);
	test_run_fini(&r);
}

// examples/multilang runs as it is and counts its sentences exactly.
Test(shell, the_multilang_example_counts_exactly)
{
	char out[4096], set[4200];
	snprintf(out, sizeof(out), "%s/example-counts.tsv", dir);
	snprintf(set, sizeof(set), "count.output=%s", out);
	test_run    r;
	const char *args[] = { "local",
		GALE_SOURCE_DIR "/examples/multilang/wordcount.yaml", "--set",
		set, NULL };
	test_run_gale(&r, 120, args);
	cr_assert(!r.timedout, "gale local did not finish:\n%s", r.err);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	size_t len;
	char  *lines = test_read_file(GALE_SOURCE_DIR
	     "/examples/multilang/resources/sentences.txt",
	     &len);
	cr_assert_not_null(lines);
	test_check_counts(lines, len, out, false);
	free(lines);
	test_run_fini(&r);
}
