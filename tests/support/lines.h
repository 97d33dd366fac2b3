// SPDX-License-Identifier: MIT
// lines.h - a line server for socket spouts in tests, as `nc -lk` serves:
// an ephemeral loopback port, one connection, lines written whole; and the
// size of a write-ahead log the spout keeps.

#ifndef GALE_TESTS_SUPPORT_LINES_H
#define GALE_TESTS_SUPPORT_LINES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct test_line_server {
	int listen_fd;
	int fd; // the accepted connection, -1 until then
	int port;
} test_line_server;

// Listens on 127.0.0.1 at a port the kernel picks (asserts it can).
void test_line_server_open(test_line_server *s);

// Waits up to timeout_s for the spout to connect and accepts it; false
// when it did not connect in time.
bool test_line_server_accept(test_line_server *s, int timeout_s);

// Writes len bytes to the connection, all of them (asserts it can).
void test_line_server_send(test_line_server *s, const void *buf, size_t len);

// Closes the connection only: the spout sees the end of its input.
void test_line_server_hangup(test_line_server *s);

// Closes the connection and the listening socket.
void test_line_server_close(test_line_server *s);

// The bytes in the segment files (named *.wal*) under root and every
// directory below it; 0 when root does not exist.
long long test_wal_bytes(const char *root);

#endif // GALE_TESTS_SUPPORT_LINES_H
