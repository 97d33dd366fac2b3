// SPDX-License-Identifier: MIT
// cluster_keys_test.c - a cluster with CURVE keys, end to end on loopback:
// gale keygen, daemons refusing wide binds without keys, a word count over
// a keyed cluster, and strangers (no keys, an untrusted key, a replayed
// connection, garbage) refused while nimbus keeps working.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/cluster.h"
#include "tests/support/run.h"
#include "tests/support/words.h"

#define WORDCOUNT_YAML GALE_SOURCE_DIR "/examples/wordcount/file.yaml"

static char     *dir;
static char      keys[4096];
static char      endpoint[256];
static test_proc nimbus;
static bool      nimbus_up;
static test_proc sup;
static bool      sup_up;

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	nimbus_up = sup_up = false;
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	if (sup_up) {
		test_proc_fini(&sup);
	}
	if (nimbus_up) {
		test_proc_fini(&nimbus);
	}
	test_rmtree(dir);
	free(dir);
}

TestSuite(cluster_keys, .init = setup, .fini = teardown, .timeout = 120);

// Runs `gale ARGS...` (NULL-terminated), bounded by 15 s.
static void
gale(test_run *r, ...)
{
	if (nimbus_up) {
		test_proc_read(&nimbus, 0);
	}
	if (sup_up) {
		test_proc_read(&sup, 0);
	}
	va_list ap;
	va_start(ap, r);
	test_run_gale_vargs(r, 15, ap);
	va_end(ap);
}

static void
keygen(const char *out, const char *name)
{
	test_run r;
	gale(&r, "keygen", "--out", out, "--name", name, NULL);
	cr_assert_eq(r.status, 0, "keygen %s failed:\n%s", name, r.err);
	test_run_fini(&r);
}

static void
start_nimbus(const char *keys_dir)
{
	char data[4096];
	snprintf(data, sizeof(data), "%s/nimbus", dir);
	const char *args[] = { "nimbus", "--listen", "tcp://127.0.0.1:*",
		"--data-dir", data, "--keys", keys_dir, NULL };
	test_proc_start(&nimbus, args);
	nimbus_up = true;
	test_nimbus_endpoint(&nimbus, 10, endpoint, sizeof(endpoint));
}

static int
endpoint_port(const char *ep)
{
	const char *colon = strrchr(ep, ':');
	cr_assert_not_null(colon, "no port in '%s'", ep);
	return atoi(colon + 1);
}

// Counts the times needle occurs in hay.
static int
count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; p != NULL && (p = strstr(p, needle)) != NULL;
	     p++) {
		n++;
	}
	return n;
}

// A tcp connection to 127.0.0.1:port.
static int
connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	struct sockaddr_in a
	    = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	return fd;
}

// Waits until the peer closes fd (true) or timeout_ms passes (false),
// reading and dropping whatever it sends.
static bool
wait_closed(int fd, int timeout_ms)
{
	long long deadline = test_now_ms() + timeout_ms;
	char      buf[4096];
	while (test_now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				return true;
			}
		}
	}
	return false;
}

// The status of name in `gale list --json` (keyed), into buf.
static void
list_status(const char *name, char *buf, size_t cap)
{
	test_run r;
	gale(&r, "list", "--json", "--nimbus", endpoint, "--keys", keys, NULL);
	cr_assert_eq(r.status, 0, "gale list failed:\n%s", r.err);
	test_list_status(r.out, name, buf, cap);
	test_run_fini(&r);
}

static void
wait_status(const char *name, const char *status, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	char      got[64]  = "";
	while (test_now_ms() < deadline) {
		list_status(name, got, sizeof(got));
		if (strcmp(got, status) == 0) {
			return;
		}
		nanosleep(&(struct timespec) { 0, 200000000L }, NULL);
	}
	test_proc_read(&nimbus, 0);
	test_proc_read(&sup, 0);
	cr_assert_fail("'%s' is '%s' after %d s, not %s\nnimbus:\n%s\n"
		       "supervisor:\n%s",
	    name, got, timeout_s, status, nimbus.err, sup.err);
}

// ---------------------------------------------------------------------
// A proxy that records what a client sends, for the replay below
// ---------------------------------------------------------------------

// Relays one connection accepted on lfd to 127.0.0.1:port, writing every
// byte the client sent into path; exits when either side closes.
static void
proxy_child(int lfd, int port, const char *path)
{
	alarm(30); // never outlives the test
	int c = accept(lfd, NULL, NULL);
	if (c < 0) {
		_exit(1);
	}
	int   s   = connect_to(port);
	FILE *rec = fopen(path, "w");
	if (rec == NULL) {
		_exit(1);
	}
	char buf[65536];
	for (;;) {
		struct pollfd p[2] = { { .fd = c, .events = POLLIN },
			{ .fd = s, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			break;
		}
		if (p[0].revents) {
			ssize_t n = read(c, buf, sizeof(buf));
			if (n <= 0 || write(s, buf, (size_t) n) != n) {
				break;
			}
			fwrite(buf, 1, (size_t) n, rec);
		}
		if (p[1].revents) {
			ssize_t n = read(s, buf, sizeof(buf));
			if (n <= 0 || write(c, buf, (size_t) n) != n) {
				break;
			}
		}
	}
	fclose(rec);
	_exit(0);
}

// ---------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------

Test(cluster_keys, keygen_writes_a_private_pair_and_never_overwrites)
{
	keygen(keys, "alice");
	char path[4200];
	snprintf(path, sizeof(path), "%s/alice.key", keys);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	snprintf(path, sizeof(path), "%s/alice.pub", keys);
	size_t len;
	char  *pub = test_read_file(path, &len);
	cr_assert_not_null(pub);
	char *line = strchr(pub, '\n');
	cr_assert_not_null(line);
	cr_assert_eq(strcspn(line + 1, "\n"), 40, "%s", pub);
	free(pub);

	test_run r;
	gale(&r, "keygen", "--out", keys, "--name", "alice", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "exists already"), "%s", r.err);
	test_run_fini(&r);
	gale(&r, "keygen", "--out", keys, "--name", "../x", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "cannot name a key"), "%s", r.err);
	test_run_fini(&r);
	gale(&r, "keygen", "--name", "bob", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	test_run_fini(&r);

	// A secret others can read is refused where it is used.
	snprintf(path, sizeof(path), "%s/alice.key", keys);
	chmod(path, 0644);
	char data[4200];
	snprintf(data, sizeof(data), "%s/n", dir);
	snprintf(path, sizeof(path), "%s/nimbus.key", keys);
	keygen(keys, "nimbus");
	chmod(path, 0640);
	gale(&r, "nimbus", "--listen", "tcp://127.0.0.1:*", "--data-dir", data,
	    "--keys", keys, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "chmod 600"), "%s", r.err);
	test_run_fini(&r);
}

Test(cluster_keys, daemons_refuse_wide_binds_without_keys)
{
	char data[4200];
	snprintf(data, sizeof(data), "%s/n", dir);
	test_run r;
	gale(&r, "nimbus", "--listen", "tcp://0.0.0.0:*", "--data-dir", data,
	    NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err,
		      "refusing to listen on 'tcp://0.0.0.0:*' "
		      "without keys"),
	    "%s", r.err);
	test_run_fini(&r);
	gale(&r, "nimbus", "--listen", "tcp://0.0.0.0:*", "--data-dir", data,
	    "--keys", keys, "--insecure", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	test_run_fini(&r);

	snprintf(data, sizeof(data), "%s/s", dir);
	// 192.0.2.0/24 is for documentation: nothing is ever sent there,
	// and the supervisor refuses before it binds anything.
	gale(
	    &r, "supervisor", "--host", "192.0.2.7", "--data-dir", data, NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err,
		      "refusing to bind workers on '192.0.2.7' "
		      "without keys"),
	    "%s", r.err);
	test_run_fini(&r);

	// Loopback in every spelling is fine.
	snprintf(data, sizeof(data), "%s/n2", dir);
	const char *args[] = { "nimbus", "--listen", "tcp://[::1]:*",
		"--data-dir", data, NULL };
	test_proc_start(&nimbus, args);
	nimbus_up = true;
	bool ok   = test_proc_wait_for(&nimbus, "nimbus listening on ", 10);
	test_proc_read(&nimbus, 0);
	// Hosts without IPv6 fail to bind, but never for want of keys.
	cr_assert(ok || strstr(nimbus.err, "cannot listen"), "%s", nimbus.err);
	cr_assert_null(strstr(nimbus.err, "without keys"), "%s", nimbus.err);
}

Test(cluster_keys, a_keyed_cluster_counts_and_refuses_strangers)
{
	keygen(keys, "nimbus");
	keygen(keys, "supervisor");
	keygen(keys, "client");
	// A stranger: its own client key and the cluster's public key.
	char other[4200], path[4300];
	snprintf(other, sizeof(other), "%s/stranger", dir);
	keygen(other, "client");
	snprintf(path, sizeof(path), "%s/nimbus.pub", keys);
	size_t len;
	char  *npub = test_read_file(path, &len);
	cr_assert_not_null(npub);
	snprintf(path, sizeof(path), "%s/nimbus.pub", other);
	cr_assert(test_write_file(path, npub, len));
	free(npub);

	start_nimbus(keys);
	cr_assert(strstr(nimbus.err, "3 trusted keys"), "%s", nimbus.err);

	// No keys: refused at once with a reason, not a timeout.
	test_run  r;
	long long t0 = test_now_ms();
	gale(&r, "list", "--nimbus", endpoint, NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.err, "refused a client without keys"), "%s", r.err);
	cr_assert_lt(test_now_ms() - t0, 4000);
	test_run_fini(&r);

	// An untrusted key: refused, and logged once with its fingerprint.
	for (int i = 0; i < 3; i++) {
		gale(&r, "list", "--nimbus", endpoint, "--keys", other, NULL);
		cr_assert_eq(r.status, 1, "%s", r.out);
		cr_assert(strstr(r.err, "refused our key"), "%s", r.err);
		test_run_fini(&r);
	}
	cr_assert(test_proc_wait_for_err(&nimbus, "untrusted key", 5));
	test_proc_read(&nimbus, 200);
	cr_assert_eq(
	    count_of(nimbus.err, "untrusted key"), 1, "%s", nimbus.err);

	// Garbage on the port: dropped.
	int  fd = connect_to(endpoint_port(endpoint));
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (char) (i * 7919u >> 3);
	}
	(void) !write(fd, junk, sizeof(junk));
	cr_assert(wait_closed(fd, 5000), "nimbus kept a garbage connection");
	close(fd);

	// A supervisor without keys does not get in.
	char data[4200];
	snprintf(data, sizeof(data), "%s/sup-nokeys", dir);
	const char *plain[] = { "supervisor", "--nimbus", endpoint, "--slots",
		"2", "--data-dir", data, NULL };
	test_proc_start(&sup, plain);
	sup_up = true;
	cr_assert(
	    test_proc_wait_for_err(&sup, "refused a client without keys", 10),
	    "%s", sup.err);
	test_proc_fini(&sup);
	sup_up = false;
	cr_assert_null(strstr(nimbus.err, "joined"), "%s", nimbus.err);

	// With keys: a supervisor joins and a word count runs.
	snprintf(data, sizeof(data), "%s/sup", dir);
	const char *keyed[] = { "supervisor", "--nimbus", endpoint, "--slots",
		"2", "--data-dir", data, "--keys", keys, NULL };
	test_proc_start(&sup, keyed);
	sup_up = true;
	cr_assert(test_proc_wait_for_err(&nimbus, ") joined with ", 10),
	    "%s\n%s", nimbus.err, sup.err);

	char   in[4200], out[4200], s_in[4300], s_out[4300];
	size_t tlen = 0;
	char   text[64 * 1024];
	for (int l = 0; l < 2000; l++) {
		tlen += (size_t) snprintf(text + tlen, sizeof(text) - tlen,
		    "k%d w%d x\n", l % 101, l % 7);
	}
	snprintf(in, sizeof(in), "%s/input.txt", dir);
	snprintf(out, sizeof(out), "%s/counts.tsv", dir);
	cr_assert(test_write_file(in, text, tlen));
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);

	// The submission goes through a recording proxy, to be replayed.
	int                lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a   = { .sin_family = AF_INET };
	a.sin_addr.s_addr      = htonl(INADDR_LOOPBACK);
	socklen_t alen         = sizeof(a);
	cr_assert_eq(bind(lfd, (struct sockaddr *) &a, sizeof(a)), 0);
	cr_assert_eq(listen(lfd, 1), 0);
	getsockname(lfd, (struct sockaddr *) &a, &alen);
	char recorded[4200], via[64];
	snprintf(recorded, sizeof(recorded), "%s/recorded.bin", dir);
	snprintf(via, sizeof(via), "tcp://127.0.0.1:%d", ntohs(a.sin_port));
	pid_t proxy = fork();
	cr_assert(proxy >= 0);
	if (proxy == 0) {
		proxy_child(lfd, endpoint_port(endpoint), recorded);
	}
	close(lfd);
	gale(&r, "submit", WORDCOUNT_YAML, "--set", s_in, "--set", s_out,
	    "--set", "topology.workers=2", "--nimbus", via, "--keys", keys,
	    NULL);
	cr_assert_eq(r.status, 0, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	int status;
	cr_assert_eq(waitpid(proxy, &status, 0), proxy);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	wait_status("wordcount-file", "FINISHED", 60);
	test_check_counts(text, tlen, out, false);
	// Its two workers spoke to each other over CURVE.
	test_proc_read(&sup, 200);
	cr_assert_eq(
	    count_of(sup.err, "data sockets over CURVE"), 2, "%s", sup.err);

	// Replaying the recorded connection submits nothing: nimbus drops
	// it during the handshake.
	char *bytes = test_read_file(recorded, &len);
	cr_assert(bytes != NULL && len > 64, "recorded %zu bytes", len);
	fd = connect_to(endpoint_port(endpoint));
	(void) !send(fd, bytes, len, MSG_NOSIGNAL);
	free(bytes);
	cr_assert(wait_closed(fd, 5000), "nimbus kept a replayed connection");
	close(fd);
	char got[64];
	list_status("wordcount-file", got, sizeof(got));
	cr_assert_str_eq(got, "FINISHED");

	bool timedout;
	kill(sup.pid, SIGTERM);
	cr_assert_eq(test_proc_wait(&sup, 10, &timedout), 0, "%s", sup.err);
	sup_up = false;
	kill(nimbus.pid, SIGTERM);
	cr_assert_eq(
	    test_proc_wait(&nimbus, 10, &timedout), 0, "%s", nimbus.err);
	nimbus_up = false;
	cr_assert_null(strstr(nimbus.err, "Sanitizer"), "%s", nimbus.err);
}

Test(cluster_keys, one_config_file_sets_up_daemons_and_clients)
{
	keygen(keys, "nimbus");
	keygen(keys, "supervisor");
	keygen(keys, "client");
	char conf[4200], yaml[8192];
	snprintf(conf, sizeof(conf), "%s/nimbus.yaml", dir);
	// Relative paths are read from the file's folder.
	snprintf(yaml, sizeof(yaml),
	    "nimbus.listen: \"tcp://127.0.0.1:*\"\n"
	    "storm.local.dir: state\n"
	    "security.keys: keys\n"
	    "ui.childopts: -Xmx768m\n"); // a storm.yaml's key, warned about
	cr_assert(test_write_file(conf, yaml, strlen(yaml)));
	const char *nargs[] = { "nimbus", "--config", conf, NULL };
	test_proc_start(&nimbus, nargs);
	nimbus_up = true;
	test_nimbus_endpoint(&nimbus, 10, endpoint, sizeof(endpoint));
	cr_assert(strstr(nimbus.err, "CURVE on"), "%s", nimbus.err);
	cr_assert(strstr(nimbus.err, "gale nimbus: ")
		&& strstr(nimbus.err,
		    "nimbus.yaml:4:1: "
		    "warning: gale.yaml: 'ui.childopts' is a Storm key not "
		    "used "
		    "by gale"),
	    "%s", nimbus.err);
	char path[4300];
	snprintf(path, sizeof(path), "%s/state/nimbus/nimbus.lock", dir);
	cr_assert_eq(access(path, F_OK), 0, "no %s", path);

	// Clients and the supervisor: a first seed where nobody listens,
	// then nimbus; the client moves on to the second in time.
	snprintf(conf, sizeof(conf), "%s/gale.yaml", dir);
	snprintf(yaml, sizeof(yaml),
	    "nimbus.seeds: [\"tcp://127.0.0.1:1\", \"%s\"]\n"
	    "storm.local.dir: state\n"
	    "supervisor.slots.ports: [7100, 7101]\n"
	    "security.keys: keys\n"
	    "worker.childopts: \"-Xmx768m\"\n",
	    endpoint);
	cr_assert(test_write_file(conf, yaml, strlen(yaml)));
	test_run r;
	gale(&r, "list", "--config", conf, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "warning"), "clients: quiet; %s", r.err);
	cr_assert(strstr(r.out, "no topologies"), "%s", r.out);
	test_run_fini(&r);

	// The supervisor takes one nimbus: the file names it alone.
	snprintf(yaml, sizeof(yaml),
	    "nimbus.seeds: [\"%s\"]\n"
	    "storm.local.dir: state\n"
	    "supervisor.slots.ports: [7100, 7101]\n"
	    "security.keys: keys\n"
	    "supervisor.childopts: -Xmx256m\n",
	    endpoint);
	snprintf(conf, sizeof(conf), "%s/sup.yaml", dir);
	cr_assert(test_write_file(conf, yaml, strlen(yaml)));
	const char *sargs[] = { "supervisor", "--config", conf, NULL };
	test_proc_start(&sup, sargs);
	sup_up = true;
	cr_assert(test_proc_wait_for(&sup, "slots 7100-7101", 10), "%s\n%s",
	    sup.out, sup.err);
	cr_assert(strstr(sup.err, "gale supervisor: ")
		&& strstr(sup.err,
		    "sup.yaml:5:1: warning: gale.yaml: "
		    "'supervisor.childopts' is a Storm key"),
	    "%s", sup.err);
	cr_assert(test_proc_wait_for_err(&nimbus, ") joined with 2 slots", 10),
	    "%s\n%s", nimbus.err, sup.err);

	// Flags win over the file: a bad file named by a flag is an error.
	snprintf(conf, sizeof(conf), "%s/bad.yaml", dir);
	cr_assert(test_write_file(conf, "nimbus.seed: [x]\n", 17));
	gale(&r, "list", "--config", conf, NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "did you mean 'nimbus.seeds'"), "%s", r.err);
	test_run_fini(&r);
}
