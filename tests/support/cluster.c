// SPDX-License-Identifier: MIT
// cluster.c - the daemons of cluster tests (see cluster.h).

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/cluster.h"

void
test_nimbus_endpoint(test_proc *p, int timeout_s, char *ep, size_t cap)
{
	cr_assert(test_proc_wait_for(p, "nimbus listening on ", timeout_s),
	    "nimbus did not start:\n%s", p->err);
	const char *line = strstr(p->out, "nimbus listening on ");
	line += strlen("nimbus listening on ");
	size_t n = strcspn(line, " \r\n");
	cr_assert(n > 0 && n < cap, "%s", p->out);
	snprintf(ep, cap, "%.*s", (int) n, line);
}

void
test_zookeeper_servers(test_proc *p, char *servers, size_t cap)
{
	cr_assert(test_proc_wait_for(p, "\n", 90),
	    "ZooKeeper did not start:\n%s", p->err);
	size_t n = strcspn(p->out, " \r\n");
	cr_assert(n > 0 && n < cap, "%s", p->out);
	snprintf(servers, cap, "%.*s", (int) n, p->out);
}

int
test_supervisors_joined(const char *log)
{
	int         k = 0;
	const char *s = log;
	while (s != NULL && (s = strstr(s, ") joined with ")) != NULL) {
		k++;
		s++;
	}
	return k;
}

void
test_wait_joined(test_proc *p, int n, int timeout_s)
{
	long long deadline = test_now_ms() + timeout_s * 1000LL;
	for (;;) {
		test_proc_read(p, 50); // nimbus logs to stderr
		int k = test_supervisors_joined(p->err);
		if (k >= n) {
			return;
		}
		cr_assert(test_now_ms() < deadline,
		    "%d supervisors joined in %d s, not %d:\n%s", k, timeout_s,
		    n, p->err);
	}
}
