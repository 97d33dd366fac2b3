// SPDX-License-Identifier: MIT
// console_test.c - the live views: the view module's frames and replay
// summaries, `gale local`'s live table and replay lines, and `gale
// monitor` on pipes and terminals.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/run.h"
#include "workers/view.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"
#define FAKE_LIB_NAME "libgale_fake_components.so"

static char *dir;

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

static const char *
last_of(const char *hay, const char *needle)
{
	const char *last = NULL;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
		last = p;
	}
	return last;
}

// HH:MM:SS of when, in local time, as the console shows it.
static void
clock_of(char *buf, size_t cap, time_t when)
{
	struct tm tm;
	cr_assert_not_null(localtime_r(&when, &tm));
	cr_assert_gt(strftime(buf, cap, "%H:%M:%S", &tm), 0);
}

// ---------------------------------------------------------------------
// The view module
// ---------------------------------------------------------------------

TestSuite(view, .init = setup, .fini = teardown, .timeout = 30);

typedef struct memout {
	FILE  *f;
	char  *buf;
	size_t len;
} memout;

static void
memout_open(memout *m)
{
	memset(m, 0, sizeof(*m));
	m->f = open_memstream(&m->buf, &m->len);
	cr_assert_not_null(m->f);
}

static void
memout_close(memout *m)
{
	fclose(m->f);
	free(m->buf);
}

Test(view, redraw_frame_goes_home_clears_every_line_and_below)
{
	memout m;
	memout_open(&m);
	gale_view *v = NULL;
	cr_assert_eq(gale_view_new(&v, m.f, GALE_VIEW_REDRAW, "T"), GALE_OK);
	time_t when = 1700000000;
	cr_assert_eq(gale_view_show(v, "h1\nh2\n", "a\nb", when), GALE_OK);
	fflush(m.f);
	char clock[16], want[256];
	clock_of(clock, sizeof(clock), when);
	snprintf(want, sizeof(want),
	    "\033[HT  %s\033[K\n\033[K\nh1\033[K\nh2\033[K\na\033[K\nb\033[K\n"
	    "\033[J",
	    clock);
	cr_assert_str_eq(m.buf, want);
	cr_assert_eq(gale_view_frames(v), 1);
	gale_view_destroy(&v);
	cr_assert_null(v);
	memout_close(&m);
}

Test(view, append_blocks_follow_timestamp_lines_without_escapes)
{
	memout m;
	memout_open(&m);
	gale_view *v = NULL;
	cr_assert_eq(
	    gale_view_new(&v, m.f, GALE_VIEW_APPEND, "title"), GALE_OK);
	time_t t1 = 1700000000, t2 = 1700003723;
	cr_assert_eq(gale_view_show(v, NULL, "one\n", t1), GALE_OK);
	cr_assert_eq(gale_view_show(v, "", "two", t2), GALE_OK);
	gale_view_end(v);
	fflush(m.f);
	char c1[16], c2[16], want[256];
	clock_of(c1, sizeof(c1), t1);
	clock_of(c2, sizeof(c2), t2);
	snprintf(want, sizeof(want), "--- %s ---\none\n--- %s ---\ntwo\n", c1,
	    c2);
	cr_assert_str_eq(m.buf, want);
	cr_assert_eq(gale_view_frames(v), 2);
	gale_view_destroy(&v);
	memout_close(&m);
}

Test(view, end_clears_the_screen_once_and_only_after_a_frame)
{
	memout m;
	memout_open(&m);
	gale_view *v = NULL;
	cr_assert_eq(gale_view_new(&v, m.f, GALE_VIEW_REDRAW, NULL), GALE_OK);
	gale_view_end(v);
	fflush(m.f);
	cr_assert_eq(m.len, 0, "wrote '%s' before any frame", m.buf);
	cr_assert_eq(gale_view_show(v, NULL, "x\n", 0), GALE_OK);
	fflush(m.f);
	size_t after_frame = m.len;
	gale_view_end(v);
	gale_view_end(v);
	fflush(m.f);
	cr_assert_str_eq(m.buf + after_frame, "\033[H\033[J");
	gale_view_destroy(&v);
	memout_close(&m);
}

Test(view, redraw_repeats_the_last_frame_and_nothing_before_one)
{
	memout m;
	memout_open(&m);
	gale_view *v = NULL;
	cr_assert_eq(gale_view_new(&v, m.f, GALE_VIEW_REDRAW, "t"), GALE_OK);
	cr_assert_eq(gale_view_redraw(v), GALE_OK);
	fflush(m.f);
	cr_assert_eq(m.len, 0);
	cr_assert_eq(gale_view_show(v, "h\n", "first\n", 100), GALE_OK);
	fflush(m.f);
	char *first = strdup(m.buf);
	cr_assert_eq(gale_view_redraw(v), GALE_OK);
	fflush(m.f);
	cr_assert_eq(m.len, 2 * strlen(first));
	cr_assert_str_eq(m.buf + strlen(first), first);
	cr_assert_eq(gale_view_frames(v), 1);
	free(first);
	gale_view_destroy(&v);
	memout_close(&m);
}

Test(view, a_stream_that_cannot_be_written_is_an_io_error)
{
	FILE *f = fopen("/dev/full", "w");
	cr_assert_not_null(f);
	gale_view *v = NULL;
	cr_assert_eq(gale_view_new(&v, f, GALE_VIEW_APPEND, NULL), GALE_OK);
	cr_assert_eq(gale_view_show(v, NULL, "table\n", 0), GALE_EIO);
	gale_view_destroy(&v);
	fclose(f);

	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	close(fds[0]);
	f = fdopen(fds[1], "w");
	cr_assert_eq(gale_view_new(&v, f, GALE_VIEW_REDRAW, "t"), GALE_OK);
	cr_assert_eq(gale_view_show(v, NULL, "table\n", 0), GALE_EIO);
	gale_view_destroy(&v);
	fclose(f);
}

Test(view, bad_arguments_are_refused)
{
	gale_view *v = NULL;
	cr_assert_eq(gale_view_new(&v, NULL, GALE_VIEW_APPEND, NULL),
	    GALE_EINVAL);
	cr_assert_eq(gale_view_new(NULL, stdout, GALE_VIEW_APPEND, NULL),
	    GALE_EINVAL);
	cr_assert_null(v);
	gale_view_destroy(&v);
	gale_view_destroy(NULL);
}

Test(view, mode_is_redraw_only_on_a_capable_terminal)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	setenv("TERM", "xterm", 1);
	cr_assert_eq(gale_view_mode_for(fds[1]), GALE_VIEW_APPEND);
	int master, slave;
	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	cr_assert_eq(gale_view_mode_for(slave), GALE_VIEW_REDRAW);
	setenv("TERM", "dumb", 1);
	cr_assert_eq(gale_view_mode_for(slave), GALE_VIEW_APPEND);
	unsetenv("TERM");
	cr_assert_eq(gale_view_mode_for(slave), GALE_VIEW_APPEND);
	close(master);
	close(slave);
	close(fds[0]);
	close(fds[1]);
}

Test(view, summary_counts_what_happened_since_the_previous_line)
{
	gale_view_totals prev = { .acked = 10, .failed = 2, .replayed = 1 };
	gale_view_totals now  = { .acked = 25, .failed = 7, .replayed = 4 };
	time_t           when = 1700000000;
	char             line[128], clock[16], want[128];
	int n = gale_view_summary(line, sizeof(line), when, &prev, &now, 10);
	clock_of(clock, sizeof(clock), when);
	snprintf(want, sizeof(want),
	    "%s summary: acked 15 failed 5 replayed 3 (last 10 s)", clock);
	cr_assert_str_eq(line, want);
	cr_assert_eq(n, (int) strlen(want));

	// Totals that went backwards count as nothing, not as a huge number.
	n = gale_view_summary(line, sizeof(line), when, &now, &prev, 7);
	snprintf(want, sizeof(want),
	    "%s summary: acked 0 failed 0 replayed 0 (last 7 s)", clock);
	cr_assert_str_eq(line, want);

	// A short buffer gets a truncated line and the length it needs.
	char small[12];
	n = gale_view_summary(small, sizeof(small), when, &prev, &now, 10);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	cr_assert_eq(n, (int) strlen("00:00:00 summary: acked 15 failed 5 "
	                             "replayed 3 (last 10 s)"));
}

static gale_task_snapshot *
snap(gale_task_snapshot *ts, uint32_t task, const char *comp, uint64_t acked,
    uint64_t failed, uint64_t replayed)
{
	memset(ts, 0, sizeof(*ts));
	ts->task = task;
	snprintf(ts->component, sizeof(ts->component), "%s", comp);
	ts->c[GALE_M_ACKED]    = acked;
	ts->c[GALE_M_FAILED]   = failed;
	ts->c[GALE_M_REPLAYED] = replayed;
	ts->c[GALE_M_EMITTED]  = acked + failed + replayed;
	return ts;
}

Test(view, spout_totals_add_up_every_spout_task_and_no_bolt)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "t"), GALE_OK);
	gale_view_totals t;
	cr_assert_eq(gale_view_spout_totals(s, &t), GALE_OK);
	cr_assert_eq(t.acked + t.failed + t.replayed, 0);
	cr_assert_eq(gale_stats_add_component(s, "a", true, 2), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "b", true, 1), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "bolt", false, 1), GALE_OK);
	gale_task_snapshot ts[4];
	snap(&ts[0], 1, "a", 100, 3, 2);
	snap(&ts[1], 2, "a", 50, 1, 1);
	snap(&ts[2], 3, "b", 7, 4, 0);
	snap(&ts[3], 4, "bolt", 1000, 500, 0);
	gale_heartbeat hb = { .topology = "t", .pid = 1, .uptime_ms = 1,
		.tasks = ts, .ntasks = 4 };
	cr_assert_eq(gale_stats_update(s, &hb, "h", 1000), GALE_OK,
	    "%s", gale_stats_last_error(s));
	cr_assert_eq(gale_view_spout_totals(s, &t), GALE_OK);
	cr_assert_eq(t.acked, 100 + 50 + 7);
	cr_assert_eq(t.failed, 3 + 1 + 4);
	cr_assert_eq(t.replayed, 2 + 1 + 0);
	gale_stats_destroy(&s);
}

// ---------------------------------------------------------------------
// Running gale on a pseudo-terminal
// ---------------------------------------------------------------------

typedef struct pty_proc {
	pid_t  pid;
	int    master;
	int    slave; // kept open, so the terminal outlives the process
	char  *out;
	size_t len, cap;
} pty_proc;

// Starts gale with args on a new terminal that is its controlling one,
// 50 rows of 200 columns, with TERM=xterm.
static void
pty_start(pty_proc *p, const char *const *args)
{
	memset(p, 0, sizeof(*p));
	struct winsize ws = { .ws_row = 50, .ws_col = 200 };
	cr_assert_eq(openpty(&p->master, &p->slave, NULL, NULL, &ws), 0);
	size_t n = 0;
	while (args[n] != NULL) {
		n++;
	}
	char **argv = calloc(n + 2, sizeof(*argv));
	argv[0]     = (char *) GALE_BINARY;
	for (size_t i = 0; i < n; i++) {
		argv[i + 1] = (char *) args[i];
	}
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		setsid();
		ioctl(p->slave, TIOCSCTTY, 0);
		dup2(p->slave, STDIN_FILENO);
		dup2(p->slave, STDOUT_FILENO);
		dup2(p->slave, STDERR_FILENO);
		close(p->master);
		close(p->slave);
		setenv("TERM", "xterm", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	free(argv);
	p->pid = pid;
	p->cap = 65536;
	p->out = malloc(p->cap);
	p->out[0] = '\0';
	fcntl(p->master, F_SETFL, O_NONBLOCK);
}

static void
pty_read(pty_proc *p, int wait_ms)
{
	struct pollfd pfd = { p->master, POLLIN, 0 };
	poll(&pfd, 1, wait_ms);
	for (;;) {
		if (p->cap - p->len < 4097) {
			p->cap *= 2;
			p->out = realloc(p->out, p->cap);
		}
		ssize_t n =
		    read(p->master, p->out + p->len, p->cap - p->len - 1);
		if (n <= 0) {
			break;
		}
		p->len += (size_t) n;
	}
	p->out[p->len] = '\0';
}

// Waits up to timeout_s for the process to exit (then kills its session's
// process group), and returns its exit code, or 128 + signal.
static int
pty_wait(pty_proc *p, int timeout_s, bool *timedout)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	int       status   = 0;
	*timedout          = false;
	for (;;) {
		pty_read(p, 20);
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			break;
		}
		if (test_now_ms() > deadline) {
			*timedout = true;
			kill(-p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			break;
		}
	}
	kill(-p->pid, SIGKILL);
	pty_read(p, 0);
	if (strstr(p->out, "Sanitizer") != NULL ||
	    strstr(p->out, "runtime error:") != NULL) {
		fprintf(stderr, "gale reported:\n%s\n", p->out);
	}
	p->pid = 0;
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void
pty_fini(pty_proc *p)
{
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	close(p->master);
	close(p->slave);
	free(p->out);
	memset(p, 0, sizeof(*p));
}

// ---------------------------------------------------------------------
// gale local
// ---------------------------------------------------------------------

TestSuite(local_view, .init = setup, .fini = teardown, .timeout = 120);

// A topology "name" of fake components: a spout of count keys into a bolt
// that sleeps sleep_us per tuple. The library is copied next to the file
// and named relatively, so that nimbus ships it too.
static void
write_keys_yaml(const char *path, const char *name, long long count,
    int sleep_us)
{
	char lib[4096];
	snprintf(lib, sizeof(lib), "%s/%s", dir, FAKE_LIB_NAME);
	size_t len;
	char  *so = test_read_file(FAKE_LIB, &len);
	cr_assert_not_null(so, "no %s", FAKE_LIB);
	cr_assert(test_write_file(lib, so, len));
	free(so);
	char yaml[4096];
	snprintf(yaml, sizeof(yaml),
	    "name: %s\n"
	    "config:\n"
	    "  topology.workers: 1\n"
	    "  topology.message.timeout.secs: 5\n"
	    "  topology.max.spout.pending: 100\n"
	    "spouts:\n"
	    "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	    "     options: {count: %lld, keys: 40}}\n"
	    "bolts:\n"
	    "  - {id: slow, component: fake_slow_bolt, library: %s,\n"
	    "     options: {sleep_us: %d}}\n"
	    "streams:\n"
	    "  - {from: keys, to: slow, grouping: {type: SHUFFLE}}\n",
	    name, FAKE_LIB_NAME, count, FAKE_LIB_NAME, sleep_us);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
}

Test(local_view, on_a_pipe_prints_only_the_worker_lines_and_final_table)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/keys.yaml", dir);
	write_keys_yaml(path, "keys", 1000000000LL, 1000);
	const char *args[] = { "local", path, "--interval", "0.2",
		"--duration", "2", NULL };
	test_run r;
	test_run_gale(&r, 60, args);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	cr_assert_null(strchr(r.out, '\033'), "escapes on a pipe:\n%s", r.out);
	cr_assert_null(strchr(r.err, '\033'), "escapes on a pipe:\n%s", r.err);
	cr_assert_eq(count_of(r.out, "Topology keys"), 1, "%s", r.out);
	cr_assert_null(strstr(r.out, "emitted/s"), "a live table:\n%s", r.out);
	cr_assert_null(strstr(r.out, "--- "), "%s", r.out);
	// The worker line comes first, the table last.
	const char *w = strstr(r.out, "worker 0 pid ");
	const char *t = strstr(r.out, "Topology keys");
	cr_assert(w != NULL && w < t, "%s", r.out);
	cr_assert(strstr(t, "keys ") && strstr(t, "slow "), "%s", r.out);
	test_run_fini(&r);
}

Test(local_view, on_a_terminal_redraws_the_table_with_rates_in_place)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/keys.yaml", dir);
	write_keys_yaml(path, "keys", 1000000000LL, 1000);
	const char *args[] = { "local", path, "--interval", "0.3",
		"--duration", "3", NULL };
	pty_proc p;
	pty_start(&p, args);
	bool timedout;
	int  status = pty_wait(&p, 60, &timedout);
	cr_assert(!timedout, "%s", p.out);
	cr_assert_eq(status, 0, "%s", p.out);
	// Several frames, each from the top of the screen, with the rate
	// column of the live table and the title.
	size_t frames = count_of(p.out, "\033[Hgale local keys: every 0.3 s");
	cr_assert_geq(frames, 3, "%zu frames:\n%s", frames, p.out);
	cr_assert_geq(count_of(p.out, "emitted/s"), frames, "%s", p.out);
	cr_assert_geq(count_of(p.out, "worker 0 pid "), frames + 1);
	// At the end the screen is cleared, and the worker lines and the final
	// table (without rates) are printed as on a pipe.
	const char *end = last_of(p.out, "\033[H");
	cr_assert_not_null(end);
	cr_assert_eq(strncmp(end, "\033[H\033[J", 6), 0, "%s", end);
	const char *w = strstr(end, "worker 0 pid ");
	const char *t = strstr(end, "Topology keys");
	cr_assert(w != NULL && t != NULL && w < t, "%s", end);
	cr_assert_null(strstr(end, "emitted/s"), "%s", end);
	pty_fini(&p);
}

Test(local_view, interval_must_be_a_sensible_number_of_seconds)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/keys.yaml", dir);
	write_keys_yaml(path, "keys", 10, 0);
	const char *bad[] = { "0", "-1", "abc", "2x", "", "1e9", "nan" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = { "local", path, "--interval", bad[i],
			NULL };
		test_run    r;
		test_run_gale(&r, 20, args);
		cr_assert_eq(r.status, 2, "--interval '%s': %d", bad[i],
		    r.status);
		cr_assert(strstr(r.err, "--interval"), "%s", r.err);
		cr_assert_null(strstr(r.out, "worker "), "it ran: %s", r.out);
		test_run_fini(&r);
	}
}

// Runs the file word count with a count bolt that fails 5% of its tuples,
// one tree in flight at a time so that it runs slowly, for duration
// seconds. extra is appended to the arguments.
static void
run_failing_wordcount(test_run *r, int lines, const char *duration,
    const char *extra, char *json, size_t json_cap)
{
	char   in[4096], out[4096], s_in[4200], s_out[4200];
	size_t cap  = (size_t) lines * 16 + 1;
	char  *text = malloc(cap);
	size_t len  = 0;
	for (int i = 0; i < lines; i++) {
		len += (size_t) snprintf(text + len, cap - len, "a%d b%d c\n",
		    i % 50, i % 7);
	}
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	snprintf(json, json_cap, "%s/stats.json", dir);
	cr_assert(test_write_file(in, text, len));
	free(text);
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	const char *args[24] = { "local", WORDCOUNT_YAML, "--set", s_in,
		"--set", s_out, "--set", "count.fail_rate=0.05", "--set",
		"topology.max.spout.pending=1", "--set",
		"topology.message.timeout.secs=3", "--duration", duration,
		"--stats-json", json,
		// Stores at most every 50 ms: few trees in the run's time, so
		// that the spout has read nothing ahead when it stops.
		"--set", "count.checkpoint_ms=50" };
	size_t n = 18;
	if (extra != NULL && strcmp(extra, "--log-replays") == 0) {
		args[n++] = extra;
	} else if (extra != NULL) {
		args[n++] = "--set";
		args[n++] = extra;
	}
	args[n] = NULL;
	test_run_gale(r, 90, args);
	cr_assert(!r->timedout, "%s", r->err);
	cr_assert_eq(r->status, 0, "%s\n%s", r->out, r->err);
}

// Counts the fail lines in err, and those naming the count bolt as the
// failing component; *first_bad is the first line not of the form
// `HH:MM:SS.mmm fail spout=sentences:1 msg=N root=HEX reason="..."
// attempt=K` with a reason of a count task failing it or of a timeout.
static size_t
fail_lines(const char *err, size_t *by_count, const char **first_bad)
{
	size_t      n    = 0;
	const char *p    = err;
	*first_bad       = NULL;
	*by_count        = 0;
	while ((p = strstr(p, " fail spout=")) != NULL) {
		const char *eol = strchr(p, '\n');
		size_t      len = eol ? (size_t) (eol - p) : strlen(p);
		char        line[512];
		unsigned    hh, mm, ss, ms, task, attempt;
		unsigned long long msg, root;
		char        reason[128] = "";
		int         end = 0;
		bool        room = p - 12 >= err;
		snprintf(line, sizeof(line), "%.*s",
		    (int) len + (room ? 12 : 0), room ? p - 12 : p);
		bool ok = room &&
		    sscanf(line,
		        "%2u:%2u:%2u.%3u fail spout=sentences:%u msg=%llu "
		        "root=%16llx reason=\"%127[^\"]\" attempt=%u%n",
		        &hh, &mm, &ss, &ms, &task, &msg, &root, reason,
		        &attempt, &end) == 9 &&
		    line[end] == '\0' && attempt >= 1 &&
		    (strncmp(reason, "failed by count:", 16) == 0 ||
		        strncmp(reason, "timeout after ", 14) == 0);
		if (!ok && *first_bad == NULL) {
			*first_bad = p;
		}
		*by_count += strncmp(reason, "failed by count:", 16) == 0;
		n++;
		p += len;
	}
	return n;
}

Test(local_view, log_replays_prints_fail_lines_and_a_summary_every_10_s)
{
	test_run r;
	char     json[4096];
	run_failing_wordcount(&r, 100000, "12.5", "--log-replays", json,
	    sizeof(json));
	const char *bad;
	size_t      by_count;
	size_t      nfail = fail_lines(r.err, &by_count, &bad);
	cr_assert_gt(by_count, 0, "no fail lines naming count:\n%s", r.err);
	cr_assert_null(bad, "a malformed fail line: %.200s", bad);

	// One summary line after 10 s of running (the run lasts 12.5 s).
	const char *s = strstr(r.err, " summary: acked ");
	cr_assert_not_null(s, "no summary line:\n%.2000s", r.err);
	cr_assert_eq(count_of(r.err, " summary: "), 1, "%s", r.err);
	cr_assert(s - r.err >= 8 && (s - r.err == 8 || s[-9] == '\n'),
	    "the summary does not start its line");
	unsigned hh, mm, ss, secs;
	unsigned long acked, failed, replayed;
	cr_assert_eq(sscanf(s - 8,
	                 "%2u:%2u:%2u summary: acked %lu failed %lu replayed "
	                 "%lu (last %u s)",
	                 &hh, &mm, &ss, &acked, &failed, &replayed, &secs),
	    7, "%.120s", s - 8);
	cr_assert_eq(secs, 10);
	cr_assert_gt(acked, 0);
	cr_assert_gt(failed, 0);
	// The workers print each failure when it happens, before their
	// heartbeats carry it to the summary.
	size_t before = 0;
	for (const char *p = r.err; (p = strstr(p, " fail spout=")) != NULL &&
	     p < s;
	     p++) {
		before++;
	}
	cr_assert_geq(before, failed, "%zu fail lines before a summary of %lu",
	    before, failed);
	char *stats = test_read_file(json, NULL);
	cr_assert_not_null(stats);
	cr_assert_leq(acked, test_json_component(stats, "sentences", "acked"));
	cr_assert_leq(
	    failed, test_json_component(stats, "sentences", "failed"));
	cr_assert_leq(
	    replayed, test_json_component(stats, "sentences", "replayed"));
	cr_assert_eq(test_json_component(stats, "sentences", "failed"),
	    (double) nfail, "every failure has its line");
	free(stats);
	test_run_fini(&r);
}

Test(local_view, replay_lines_follow_the_config_key_and_are_off_without_it)
{
	test_run r;
	char     json[4096];
	run_failing_wordcount(&r, 100000, "2", "topology.debug.replays=true",
	    json, sizeof(json));
	const char *bad;
	size_t      by_count;
	fail_lines(r.err, &by_count, &bad);
	cr_assert_gt(by_count, 0, "%s", r.err);
	cr_assert_null(bad, "%.200s", bad);
	test_run_fini(&r);

	run_failing_wordcount(&r, 100000, "2", NULL, json, sizeof(json));
	char *stats = test_read_file(json, NULL);
	cr_assert_gt(test_json_component(stats, "sentences", "failed"), 0,
	    "nothing failed, so this proves nothing: %s", stats);
	free(stats);
	cr_assert_null(strstr(r.err, "fail spout="), "%s", r.err);
	cr_assert_null(strstr(r.err, "summary:"), "%s", r.err);
	test_run_fini(&r);
}

// ---------------------------------------------------------------------
// gale monitor
// ---------------------------------------------------------------------

static test_proc nimbus;
static bool      nimbus_up;
static test_proc super;
static bool      super_up;
static char      endpoint[256];

static void
monitor_setup(void)
{
	setup();
	nimbus_up = super_up = false;
}

static void
monitor_teardown(void)
{
	if (super_up) {
		test_proc_fini(&super);
	}
	if (nimbus_up) {
		test_proc_fini(&nimbus);
	}
	teardown();
}

TestSuite(monitor, .init = monitor_setup, .fini = monitor_teardown,
    .timeout = 120);

// An endpoint nobody listens on: a port taken from the kernel, then let go.
static void
dead_endpoint(void)
{
	int                fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_addr.s_addr    = htonl(INADDR_LOOPBACK);
	socklen_t sl          = sizeof(sa);
	cr_assert_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *) &sa, &sl), 0);
	close(fd);
	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%u",
	    (unsigned) ntohs(sa.sin_port));
}

// Starts nimbus and one supervisor, and submits a topology "keys" that
// runs until it is killed.
static void
start_cluster(void)
{
	char data[4096];
	snprintf(data, sizeof(data), "%s/nimbus", dir);
	const char *nargs[] = { "nimbus", "--listen", "tcp://127.0.0.1:*",
		"--data-dir", data, NULL };
	test_proc_start(&nimbus, nargs);
	nimbus_up = true;
	cr_assert(test_proc_wait_for(&nimbus, "nimbus listening on ", 10),
	    "nimbus did not start:\n%s", nimbus.err);
	const char *line = strstr(nimbus.out, "nimbus listening on ");
	cr_assert(sscanf(line, "nimbus listening on %255s", endpoint) == 1);

	snprintf(data, sizeof(data), "%s/supervisor", dir);
	const char *sargs[] = { "supervisor", "--nimbus", endpoint,
		"--data-dir", data, NULL };
	test_proc_start(&super, sargs);
	super_up = true;
	// Nimbus logs to stderr.
	long long deadline = test_now_ms() + 10000;
	while (nimbus.err == NULL || strstr(nimbus.err, ") joined with ") == NULL) {
		cr_assert(test_now_ms() < deadline,
		    "the supervisor did not join:\n%s\n%s", nimbus.err,
		    super.err);
		test_proc_read(&nimbus, 50);
	}

	char path[4096];
	snprintf(path, sizeof(path), "%s/keys.yaml", dir);
	write_keys_yaml(path, "keys", 1000000000LL, 1000);
	const char *args[] = { "submit", path, "--nimbus", endpoint, NULL };
	test_run    r;
	test_run_gale(&r, 10, args);
	cr_assert_eq(r.status, 0, "submit failed:\n%s", r.err);
	test_run_fini(&r);
	// Its worker runs once the supervisor logs that it started it.
	cr_assert(test_proc_wait_for_err(&super, "worker 0 pid ", 20),
	    "no worker:\n%s\n%s", super.out, super.err);
}

Test(monitor, unreachable_nimbus_fails_within_5_s_with_one_line)
{
	dead_endpoint();
	const char *args[] = { "monitor", "keys", "--nimbus", endpoint, NULL };
	long long   start  = test_now_ms();
	test_run    r;
	test_run_gale(&r, 20, args);
	long long took = test_now_ms() - start;
	cr_assert_eq(r.status, 1, "%d: %s", r.status, r.err);
	cr_assert_lt(took, 5000, "took %lld ms", took);
	cr_assert(strstr(r.err, "did not answer within 5 s"), "%s", r.err);
	cr_assert(strstr(r.err, endpoint), "%s", r.err);
	cr_assert_eq(count_of(r.err, "\n"), 1, "not one line: %s", r.err);
	cr_assert_str_eq(r.out, "");
	test_run_fini(&r);
}

Test(monitor, bad_arguments_are_usage_errors)
{
	const char *const cases[][6] = {
		{ "monitor", NULL },
		{ "monitor", "a", "b", NULL },
		{ "monitor", "a", "--interval", "0", NULL },
		{ "monitor", "a", "--interval", "x", NULL },
		{ "monitor", "a", "--count", "0", NULL },
		{ "monitor", "a", "--count", "-3", NULL },
		{ "monitor", "a", "--nimbus", NULL },
		{ "monitor", "a", "--bogus", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_run r;
		test_run_gale(&r, 10, (const char *const *) cases[i]);
		cr_assert_eq(
		    r.status, 2, "case %zu: %d %s", i, r.status, r.err);
		cr_assert(strstr(r.err, "gale monitor") ||
		        strstr(r.err, "usage: gale monitor"),
		    "case %zu: %s", i, r.err);
		test_run_fini(&r);
	}
	const char *args[] = { "monitor", "a", "--nimbus", "nonsense", NULL };
	test_run    r;
	test_run_gale(&r, 10, args);
	cr_assert_eq(r.status, 1, "%d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "nonsense"), "%s", r.err);
	test_run_fini(&r);
}

Test(monitor, count_2_on_a_pipe_prints_two_timestamped_tables)
{
	start_cluster();
	const char *args[] = { "monitor", "keys", "--count", "2", "--interval",
		"0.5", "--nimbus", endpoint, NULL };
	test_run r;
	test_run_gale(&r, 20, args);
	cr_assert_eq(r.status, 0, "%d: %s", r.status, r.err);
	cr_assert_null(strchr(r.out, '\033'), "%s", r.out);
	cr_assert_eq(count_of(r.out, "Topology keys"), 2, "%s", r.out);
	cr_assert_eq(count_of(r.out, "emitted/s"), 2, "%s", r.out);
	// Each table follows its timestamp line.
	const char *p = r.out;
	for (int i = 0; i < 2; i++) {
		unsigned hh, mm, ss;
		int      used = 0;
		int      got  = sscanf(
		    p, "--- %2u:%2u:%2u ---\n%n", &hh, &mm, &ss, &used);
		cr_assert_eq(got, 3, "%s", p);
		cr_assert_gt(used, 0);
		cr_assert_eq(
		    strncmp(p + used, "Topology keys", 13), 0, "%s", p);
		p = strstr(p + used, "--- ");
		cr_assert(i == 1 || p != NULL, "%s", r.out);
	}
	test_run_fini(&r);
}

Test(monitor, unknown_topology_fails_with_nimbus_reason)
{
	start_cluster();
	const char *args[] = { "monitor", "nosuch", "--count", "1", "--nimbus",
		endpoint, NULL };
	test_run r;
	test_run_gale(&r, 10, args);
	cr_assert_eq(r.status, 1, "%d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "gale monitor: ") && strstr(r.err, "nosuch"),
	    "%s", r.err);
	cr_assert_str_eq(r.out, "");
	test_run_fini(&r);
}

// Runs `gale monitor keys` on a terminal until it shows two frames, then
// types keys; it must exit 0 within 3 s and leave the terminal as it was.
static void
monitor_quits_on(const char *keys)
{
	start_cluster();
	const char *args[] = { "monitor", "keys", "--interval", "0.3",
		"--nimbus", endpoint, NULL };
	pty_proc p;
	pty_start(&p, args);
	struct termios before;
	cr_assert_eq(tcgetattr(p.slave, &before), 0);
	long long deadline = test_now_ms() + 15000;
	while (count_of(p.out, "\033[Hgale monitor keys: every 0.3 s") < 2) {
		cr_assert_lt(test_now_ms(), deadline, "no frames:\n%s", p.out);
		pty_read(&p, 50);
	}
	// The terminal is in character mode without echo while it runs.
	struct termios during;
	cr_assert_eq(tcgetattr(p.slave, &during), 0);
	cr_assert_eq(during.c_lflag & (ICANON | ECHO), 0);
	cr_assert(strstr(p.out, "Topology keys"), "%s", p.out);
	ssize_t len = (ssize_t) strlen(keys);
	cr_assert_eq(write(p.master, keys, (size_t) len), len);
	long long start = test_now_ms();
	bool      timedout;
	int       status = pty_wait(&p, 10, &timedout);
	cr_assert(!timedout, "it did not quit:\n%s", p.out);
	cr_assert_lt(test_now_ms() - start, 3000);
	cr_assert_eq(status, 0, "%d:\n%s", status, p.out);
	struct termios after;
	cr_assert_eq(tcgetattr(p.slave, &after), 0);
	cr_assert_eq(after.c_lflag & (ICANON | ECHO | ISIG),
	    before.c_lflag & (ICANON | ECHO | ISIG), "the terminal is not "
	                                             "restored");
	cr_assert_neq(after.c_lflag & ICANON, 0);
	pty_fini(&p);
}

Test(monitor, on_a_terminal_redraws_and_quits_on_q)
{
	monitor_quits_on("q");
}

Test(monitor, on_a_terminal_stops_on_ctrl_c)
{
	monitor_quits_on("\003");
}
