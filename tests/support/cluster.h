// SPDX-License-Identifier: MIT
// cluster.h - the daemons of cluster tests: waiting for what nimbus,
// ZooKeeper and supervisors print once they are ready, and reading it.
//
// Each call asserts (criterion): a daemon that does not get there in time
// fails the test with what it logged.

#ifndef GALE_TESTS_SUPPORT_CLUSTER_H
#define GALE_TESTS_SUPPORT_CLUSTER_H

#include <stddef.h>

#include "tests/support/run.h"

// Waits up to timeout_s for the nimbus started as p to print
// "nimbus listening on ENDPOINT", and writes ENDPOINT into ep.
void test_nimbus_endpoint(test_proc *p, int timeout_s, char *ep, size_t cap);

// Waits for the `gale dev-zookeeper` started as p to print its connect
// string (a JVM takes seconds, more on a slow machine), and writes it
// into servers.
void test_zookeeper_servers(test_proc *p, char *servers, size_t cap);

// How many supervisors the nimbus log text says joined.
int test_supervisors_joined(const char *log);

// Waits up to timeout_s until the nimbus started as p has logged n
// supervisors joining.
void test_wait_joined(test_proc *p, int n, int timeout_s);

#endif // GALE_TESTS_SUPPORT_CLUSTER_H
