// SPDX-License-Identifier: MIT
// dev_kafka_cmd_test.c - `gale dev-kafka --listen`: a fixed loopback port
// that kcat produces to and consumes from, a port already in use, and a
// host the mock cluster cannot serve.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/run.h"

static char *dir;

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

TestSuite(dev_kafka, .init = setup, .fini = teardown, .timeout = 120);

// A socket bound to 127.0.0.1 on a port the system picked, listening when
// listening is set; its port in *port.
static int
bound_socket(bool listening, unsigned *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a   = { .sin_family = AF_INET,
		  .sin_addr.s_addr             = htonl(INADDR_LOOPBACK) };
	socklen_t          len = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *) &a, &len), 0);
	if (listening) {
		cr_assert_eq(listen(fd, 4), 0);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

// Runs a shell command line (bounded by `timeout` inside it); its exit
// status.
static int
shell(const char *line)
{
	int st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

Test(dev_kafka, a_fixed_loopback_port_serves_kcat)
{
	unsigned port;
	close(bound_socket(false, &port));
	char listen_at[64];
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", port);
	const char *args[]
	    = { "dev-kafka", "--listen", listen_at, "--topic", "t:2", NULL };
	test_proc p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "\n", 20), "%s", p.err);
	char want[256];
	snprintf(want, sizeof(want), "bootstrap.servers=%s\n", listen_at);
	cr_assert(
	    strncmp(p.out, want, strlen(want)) == 0, "%s\n%s", p.out, p.err);
	// Produce five messages through that exact address, then read them
	// back from both partitions.
	char line[8192], got[4096];
	snprintf(got, sizeof(got), "%s/got.txt", dir);
	snprintf(line, sizeof(line),
	    "printf 'one\\ntwo\\nthree\\nfour\\nfive\\n' | timeout 60 kcat "
	    "-P -q -b %s -t t",
	    listen_at);
	cr_assert_eq(shell(line), 0, "%s", line);
	snprintf(line, sizeof(line),
	    "timeout 60 kcat -C -q -b %s -t t -o beginning -e -f '%%s\\n' "
	    "| sort > %s",
	    listen_at, got);
	cr_assert_eq(shell(line), 0, "%s", line);
	char *text = test_read_file(got, NULL);
	cr_assert_not_null(text);
	cr_assert_str_eq(text, "five\nfour\none\nthree\ntwo\n");
	free(text);
	kill(p.pid, SIGTERM);
	bool timedout;
	cr_assert_eq(test_proc_wait(&p, 20, &timedout), 0, "%s", p.err);
	cr_assert(!timedout);
	test_proc_fini(&p);
}

Test(dev_kafka, a_port_in_use_is_a_clear_error)
{
	unsigned port;
	int      fd = bound_socket(true, &port);
	char     listen_at[64];
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", port);
	const char *args[] = { "dev-kafka", "--listen", listen_at, NULL };
	test_run    r;
	test_run_gale(&r, 30, args);
	close(fd);
	cr_assert(!r.timedout);
	cr_assert_neq(r.status, 0, "%s", r.err);
	cr_assert_eq(r.out[0], '\0', "%s", r.out);
	char want[256];
	snprintf(want, sizeof(want),
	    "--listen %s: cannot listen on %s: the port is already in use",
	    listen_at, listen_at);
	cr_assert_not_null(strstr(r.err, want), "%s", r.err);
	test_run_fini(&r);
}

Test(dev_kafka, a_host_other_than_loopback_is_refused)
{
	const char *args[]
	    = { "dev-kafka", "--listen", "10.1.2.3:9092", NULL };
	test_run r;
	test_run_gale(&r, 30, args);
	cr_assert(!r.timedout);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_not_null(strstr(r.err,
			       "listens on 127.0.0.1 only (its brokers "
			       "advertise that address), not '10.1.2.3:9092'"),
	    "%s", r.err);
	test_run_fini(&r);
}
