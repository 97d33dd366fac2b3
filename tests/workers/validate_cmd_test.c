// SPDX-License-Identifier: MIT
// validate_cmd_test.c - tests of `gale validate`: the gale binary run on
// files written to a fresh directory, its output and its exit status.

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/run.h"

extern char **environ;

#define EXAMPLES_LIB GALE_BUILD_DIR "/libgale_examples.so"

typedef struct run {
	int    code;     // exit code, or -1 when killed by a signal
	int    signal;   // the signal that ended it, or 0
	bool   timedout; // killed at the deadline
	char  *out;
	size_t out_len;
	char  *err;
	size_t err_len;
} run;

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/gale-validate-cmd-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(validate_cmd, .init = setup, .fini = teardown);

static void
append(char **buf, size_t *len, const char *data, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);
	cr_assert_not_null(b);
	memcpy(b + *len, data, n);
	*len += n;
	b[*len] = '\0';
	*buf    = b;
}

// Runs `gale validate ARGS...` for at most timeout_s seconds.
static void
run_validate(run *r, int timeout_s, const char *const *args)
{
	memset(r, 0, sizeof(*r));
	append(&r->out, &r->out_len, "", 0);
	append(&r->err, &r->err_len, "", 0);

	const char *argv[64] = { GALE_BINARY, "validate" };
	size_t      argc     = 2;
	for (; args[argc - 2] != NULL; argc++) {
		cr_assert_lt(argc, 63);
		argv[argc] = args[argc - 2];
	}
	argv[argc] = NULL;

	int out[2], err[2];
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err, O_CLOEXEC), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	pid_t pid;
	int   rc = posix_spawn(&pid, GALE_BINARY, &fa, NULL,
            (char *const *) argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	cr_assert_eq(rc, 0, "cannot run %s: %s", GALE_BINARY, strerror(rc));

	double        deadline = test_now_s() + timeout_s;
	struct pollfd fds[2]   = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	int           open     = 2;
	while (open > 0) {
		double left = deadline - test_now_s();
		if (left <= 0) {
			r->timedout = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(fds, 2, (int) (left * 1000) + 1) < 0 && errno != EINTR) {
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || fds[i].revents == 0) {
				continue;
			}
			char    buf[65536];
			ssize_t n = read(fds[i].fd, buf, sizeof(buf));
			if (n > 0) {
				if (i == 0) {
					append(&r->out, &r->out_len, buf, (size_t) n);
				} else {
					append(&r->err, &r->err_len, buf, (size_t) n);
				}
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open--;
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		if (fds[i].fd >= 0) {
			close(fds[i].fd);
		}
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	r->code   = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void
run_fini(run *r)
{
	free(r->out);
	free(r->err);
}

// Writes data into the test directory; returns the file's path (static
// storage, one of a few rotating buffers).
static const char *
write_file(const char *name, const void *data, size_t len)
{
	static char paths[8][128];
	static int  next;
	char       *path = paths[next++ % 8];
	snprintf(path, 128, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static const char *
write_text(const char *name, const char *text)
{
	return write_file(name, text, strlen(text));
}

// A valid topology of the example components; library paths absolute.
static const char valid_yaml[] =
    "name: upper\n"
    "spouts:\n"
    "  - id: lines\n"
    "    component: fixed_lines\n"
    "    library: " EXAMPLES_LIB "\n"
    "    options: {count: 5}\n"
    "bolts:\n"
    "  - id: upper\n"
    "    component: uppercase\n"
    "    library: " EXAMPLES_LIB "\n"
    "    parallelism: 2\n"
    "streams:\n"
    "  - from: lines\n"
    "    to: upper\n"
    "    grouping: {type: FIELDS, args: [line]}\n";

// True when line starts with "path:LINE:COLUMN: " (both numbers > 0).
static bool
has_position(const char *line, const char *path)
{
	size_t n = strlen(path);
	if (strncmp(line, path, n) != 0 || line[n] != ':') {
		return false;
	}
	char *end;
	long  l = strtol(line + n + 1, &end, 10);
	if (l <= 0 || *end != ':') {
		return false;
	}
	long c = strtol(end + 1, &end, 10);
	return c > 0 && strncmp(end, ": ", 2) == 0;
}

// Checks that gale refused the file with exit status 1, cleanly, naming
// it at the start of every message, with a position when positional.
static void
expect_refused(const char *path, bool positional, int timeout_s)
{
	run r;
	run_validate(&r, timeout_s, (const char *const[]) { path, NULL });
	cr_expect(!r.timedout, "%s: gale validate did not finish in %d s",
	    path, timeout_s);
	cr_expect_eq(r.signal, 0, "%s: killed by signal %d", path, r.signal);
	cr_expect_eq(r.code, 1, "%s: exit %d; stderr:\n%s", path, r.code,
	    r.err);
	cr_expect_eq(r.out_len, 0, "%s: stdout: %s", path, r.out);
	cr_expect_gt(r.err_len, 0);
	cr_expect_eq(strncmp(r.err, path, strlen(path)), 0, "%s", r.err);
	if (positional) {
		cr_expect(has_position(r.err, path),
		    "no FILE:LINE:COLUMN in: %s", r.err);
	}
	cr_expect_lt(r.err_len, 64 * 1024, "%zu bytes of messages",
	    r.err_len);
	run_fini(&r);
}

Test(validate_cmd, prints_ok_for_a_valid_file_and_exits_0)
{
	const char *path = write_text("ok.yaml", valid_yaml);
	run         r;
	run_validate(&r, 20, (const char *const[]) { path, NULL });
	char want[256];
	snprintf(want, sizeof(want), "%s: ok\n", path);
	cr_expect_str_eq(r.out, want);
	cr_expect_str_eq(r.err, "");
	cr_expect_eq(r.code, 0);
	run_fini(&r);
}

Test(validate_cmd, checks_every_file_and_fails_when_one_is_invalid)
{
	const char *ok  = write_text("ok.yaml", valid_yaml);
	const char *bad = write_text("bad.yaml",
	    "name: bad\n"
	    "spouts:\n"
	    "  - id: lines\n"
	    "    component: fixed_lines\n"
	    "    library: " EXAMPLES_LIB "\n"
	    "    parallelism: none\n"
	    "bolts:\n"
	    "  - id: upper\n"
	    "    component: uppercase\n"
	    "    library: " EXAMPLES_LIB "\n"
	    "streams:\n"
	    "  - from: lines\n"
	    "    to: uper\n"
	    "    grouping: {type: SHUFFLE}\n");
	run r;
	run_validate(&r, 20, (const char *const[]) { bad, ok, NULL });
	cr_expect_eq(r.code, 1);
	char want[512];
	snprintf(want, sizeof(want), "%s: ok\n", ok);
	cr_expect_str_eq(r.out, want);
	snprintf(want, sizeof(want),
	    "%s:6:18: spout 'lines': 'parallelism' must be an integer from 1 "
	    "to 4096, found 'none'\n"
	    "%s:13:9: stream 'lines' -> 'uper': 'to' names no spout or bolt: "
	    "'uper'; did you mean 'upper'?\n",
	    bad, bad);
	cr_expect_str_eq(r.err, want);
	run_fini(&r);
}

Test(validate_cmd, applies_set_overrides_to_every_file)
{
	const char *a = write_text("a.yaml", valid_yaml);
	const char *b = write_text("b.yaml", valid_yaml);
	run         r;
	run_validate(&r, 20,
	    (const char *const[]) { "--set", "lines.count=3", a, "--set",
	        "topology.workers=2", b, NULL });
	cr_expect_eq(r.code, 0, "%s", r.err);
	run_fini(&r);

	run_validate(&r, 20,
	    (const char *const[]) { a, "--set=topology.workers=0", b, NULL });
	cr_expect_eq(r.code, 1);
	cr_expect_str_eq(r.out, "");
	char want[512];
	snprintf(want, sizeof(want),
	    "%s: --set 'topology.workers=0': 'topology.workers' must be an "
	    "integer from 1 to 2147483647, found '0'\n"
	    "%s: --set 'topology.workers=0': 'topology.workers' must be an "
	    "integer from 1 to 2147483647, found '0'\n",
	    a, b);
	cr_expect_str_eq(r.err, want);
	run_fini(&r);
}

Test(validate_cmd, resolves_relative_libraries_against_libdir)
{
	const char *path = write_text("rel.yaml",
	    "name: rel\n"
	    "spouts:\n"
	    "  - id: lines\n"
	    "    component: fixed_lines\n"
	    "    library: libgale_examples.so\n");
	run r;
	run_validate(&r, 20,
	    (const char *const[]) { "--libdir", GALE_BUILD_DIR, path, NULL });
	cr_expect_eq(r.code, 0, "%s", r.err);
	run_fini(&r);

	// Without it, the library is looked for next to the file.
	run_validate(&r, 20, (const char *const[]) { path, NULL });
	cr_expect_eq(r.code, 1);
	char want[256];
	snprintf(want, sizeof(want),
	    "%s:5:14: spout 'lines': cannot load library "
	    "'%s/libgale_examples.so'",
	    path, dir);
	cr_expect(strstr(r.err, want) == r.err, "%s", r.err);
	run_fini(&r);
}

Test(validate_cmd, reports_a_component_the_example_library_lacks)
{
	const char *path = write_text("sym.yaml",
	    "name: sym\n"
	    "spouts:\n"
	    "  - id: lines\n"
	    "    component: fixed_line\n"
	    "    library: " EXAMPLES_LIB "\n"
	    "bolts:\n"
	    "  - id: upper\n"
	    "    component: fixed_lines\n"
	    "    library: " EXAMPLES_LIB "\n"
	    "streams:\n"
	    "  - {from: lines, to: upper, grouping: {type: SHUFFLE}}\n");
	run r;
	run_validate(&r, 20, (const char *const[]) { path, NULL });
	cr_expect_eq(r.code, 1);
	char want[512];
	snprintf(want, sizeof(want),
	    "%s:4:16: spout 'lines': library '%s' has no component "
	    "'fixed_line'\n"
	    "%s:8:16: bolt 'upper': 'fixed_lines' is a spout; list it under "
	    "'spouts'\n",
	    path, EXAMPLES_LIB, path);
	cr_expect_str_eq(r.err, want);
	run_fini(&r);
}

Test(validate_cmd, exits_2_on_usage_errors)
{
	const char *const *cases[] = {
		(const char *const[]) { NULL },
		(const char *const[]) { "--frobnicate", "x.yaml", NULL },
		(const char *const[]) { "x.yaml", "--set", NULL },
		(const char *const[]) { "x.yaml", "--libdir", NULL },
		(const char *const[]) { "x.yaml", "--set", "novalue", NULL },
		(const char *const[]) { "--set", "a=1", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run r;
		run_validate(&r, 20, cases[i]);
		cr_expect_eq(r.code, 2, "case %zu: exit %d", i, r.code);
		cr_expect(strstr(r.err, "usage: gale validate FILE...") != NULL,
		    "case %zu: %s", i, r.err);
		cr_expect_str_eq(r.out, "");
		run_fini(&r);
	}
	run r;
	run_validate(&r, 20, (const char *const[]) { "--help", NULL });
	cr_expect_eq(r.code, 0);
	cr_expect(strstr(r.out, "usage: gale validate") == r.out, "%s", r.out);
	run_fini(&r);
}

Test(validate_cmd, reports_a_file_that_cannot_be_read)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/missing.yaml", dir);
	run r;
	run_validate(&r, 20, (const char *const[]) { path, NULL });
	cr_expect_eq(r.code, 1);
	char want[256];
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory\n", path);
	cr_expect_str_eq(r.err, want);
	run_fini(&r);
	expect_refused(dir, false, 20);
}

Test(validate_cmd, refuses_a_truncated_file)
{
	size_t cut = strlen(valid_yaml) - 12; // inside the last flow mapping
	expect_refused(write_file("cut.yaml", valid_yaml, cut), true, 20);
	char text[] = "name: x\nspouts:\n  - id: \"unterminated\n";
	expect_refused(write_text("quote.yaml", text), true, 20);
}

Test(validate_cmd, refuses_values_of_the_wrong_type)
{
	expect_refused(write_text("types.yaml",
	                   "name: [a]\n"
	                   "spouts: {id: x}\n"
	                   "bolts: 3\n"
	                   "streams:\n"
	                   "  - from: {a: b}\n"
	                   "config:\n"
	                   "  topology.workers: many\n"),
	    true, 20);
}

Test(validate_cmd, refuses_binary_garbage)
{
	unsigned char buf[4096];
	unsigned      seed = 7;
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (unsigned char) (rand_r(&seed) & 0xff);
	}
	expect_refused(write_file("garbage.bin", buf, sizeof(buf)), true, 20);
	// The same without NUL bytes reaches the YAML reader.
	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] |= 0x80;
	}
	expect_refused(write_file("high.bin", buf, sizeof(buf)), true, 20);
	expect_refused(write_file("nul.yaml", "name: x\0\n", 9), true, 20);
}

Test(validate_cmd, refuses_an_empty_file)
{
	expect_refused(write_file("empty.yaml", "", 0), false, 20);
	expect_refused(write_text("blank.yaml", "\n\n# only a comment\n"),
	    false, 20);
}

Test(validate_cmd, refuses_a_huge_file_quickly)
{
	// 20 MiB of valid YAML comments: only the size is wrong.
	size_t len  = 20u << 20;
	char  *text = malloc(len);
	cr_assert_not_null(text);
	for (size_t i = 0; i < len; i += 64) {
		memset(text + i, '#', 63);
		text[i + 63] = '\n';
	}
	const char *path = write_file("huge.yaml", text, len);
	free(text);
	expect_refused(path, false, 20);
	run r;
	run_validate(&r, 20, (const char *const[]) { path, NULL });
	cr_expect(strstr(r.err, "larger than the limit of 16 MiB") != NULL,
	    "%s", r.err);
	run_fini(&r);
}

Test(validate_cmd, refuses_deep_nesting)
{
	size_t n    = 1u << 20;
	char  *text = malloc(n + 16);
	memcpy(text, "name: ", 6);
	memset(text + 6, '[', n);
	expect_refused(write_file("deep.yaml", text, n + 6), true, 20);
	memset(text + 6, '{', n);
	expect_refused(write_file("deepmap.yaml", text, n + 6), true, 20);
	free(text);
}

Test(validate_cmd, refuses_many_errors_with_a_bounded_report)
{
	size_t n    = 100000;
	size_t cap  = n * 24 + 64;
	char  *text = malloc(cap);
	size_t used = (size_t) snprintf(text, cap, "name: x\n");
	for (size_t i = 0; i < n; i++) {
		used += (size_t) snprintf(text + used, cap - used,
		    "key%zu: [1]\n", i);
	}
	expect_refused(write_file("many.yaml", text, used), true, 20);
	free(text);
}

// The examples use the built-in components of runtime/builtins.c.
Test(validate_cmd, validates_the_wordcount_examples)
{
	static const char *const files[] = {
		GALE_SOURCE_DIR "/examples/wordcount/random.yaml",
		GALE_SOURCE_DIR "/examples/wordcount/file.yaml",
		GALE_SOURCE_DIR "/examples/wordcount/socket.yaml",
	};
	run r;
	run_validate(&r, 20,
	    (const char *const[]) { files[0], files[1], files[2], NULL });
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_str_eq(r.err, "");
	char want[1024];
	snprintf(want, sizeof(want), "%s: ok\n%s: ok\n%s: ok\n", files[0],
	    files[1], files[2]);
	cr_expect_str_eq(r.out, want);
	run_fini(&r);

	// Their component ids are the same, so one --set fits all three.
	run_validate(&r, 20,
	    (const char *const[]) { "--set", "count.output=x.tsv", "--set",
	        "split.parallelism=3", files[0], files[1], files[2], NULL });
	cr_expect_eq(r.code, 0, "%s", r.err);
	run_fini(&r);
}

Test(validate_cmd, rejects_misspelt_options_in_the_file_and_in_set)
{
	static const char *const file =
	    GALE_SOURCE_DIR "/examples/wordcount/file.yaml";
	run r;
	run_validate(&r, 20,
	    (const char *const[]) { "--set", "count.outptu=FILE", "--set",
	        "sentences.pth=x", file, NULL });
	cr_expect_eq(r.code, 1, "%s", r.err);
	cr_expect_str_eq(r.out, "");
	cr_expect(strstr(r.err,
	              ": --set 'count.outptu=FILE': bolt 'count': "
	              "'word_count' takes no option 'outptu'")
	        != NULL,
	    "%s", r.err);
	cr_expect(strstr(r.err, "did you mean 'output'?") != NULL, "%s", r.err);
	cr_expect(strstr(r.err,
	              ": --set 'sentences.pth=x': spout 'sentences': "
	              "'file_lines' takes no option 'pth'")
	        != NULL,
	    "%s", r.err);
	cr_expect(strstr(r.err, "did you mean 'path'?") != NULL, "%s", r.err);
	run_fini(&r);

	const char *bad = write_text("bad.yaml",
	    "name: w\n"
	    "spouts:\n"
	    "  - {id: s, component: random_sentences, options: {cout: 5}}\n"
	    "bolts:\n"
	    "  - {id: c, component: word_count, options: {print: sometimes}}\n"
	    "streams:\n"
	    "  - {from: s, to: c, grouping: {type: SHUFFLE}}\n");
	run_validate(&r, 20, (const char *const[]) { bad, NULL });
	cr_expect_eq(r.code, 1);
	char want[1024];
	snprintf(want, sizeof(want),
	    "%s:3:58: spout 's': 'random_sentences' takes no option 'cout' "
	    "(it takes: count, seed, rate); did you mean 'count'?\n"
	    "%s:5:53: bolt 'c': option 'print' must be a boolean: "
	    "'sometimes' is not a boolean (true or false)\n",
	    bad, bad);
	cr_expect_str_eq(r.err, want);
	run_fini(&r);
}
