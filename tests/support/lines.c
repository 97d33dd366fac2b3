// SPDX-License-Identifier: MIT
// lines.c - a line server for socket spouts in tests, and the size of a
// spout's write-ahead log.

#include "tests/support/lines.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void
test_line_server_open(test_line_server *s)
{
	s->fd        = -1;
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(s->listen_fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr             = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(bind(s->listen_fd, (struct sockaddr *) &a, sizeof(a)), 0,
	    "bind: %s", strerror(errno));
	cr_assert_eq(listen(s->listen_fd, 4), 0);
	socklen_t len = sizeof(a);
	cr_assert_eq(
	    getsockname(s->listen_fd, (struct sockaddr *) &a, &len), 0);
	s->port = ntohs(a.sin_port);
}

bool
test_line_server_accept(test_line_server *s, int timeout_s)
{
	struct pollfd pfd = { s->listen_fd, POLLIN, 0 };
	if (poll(&pfd, 1, timeout_s * 1000) != 1) {
		return false;
	}
	s->fd = accept(s->listen_fd, NULL, NULL);
	return s->fd >= 0;
}

void
test_line_server_send(test_line_server *s, const void *buf, size_t len)
{
	cr_assert(s->fd >= 0, "no connection to send to");
	const char *p = buf;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(s->fd, p + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		cr_assert_gt(n, 0, "write: %s", strerror(errno));
		done += (size_t) n;
	}
}

void
test_line_server_hangup(test_line_server *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
}

void
test_line_server_close(test_line_server *s)
{
	test_line_server_hangup(s);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		s->listen_fd = -1;
	}
}

long long
test_wal_bytes(const char *root)
{
	long long total = 0;
	DIR      *d     = opendir(root);
	if (d == NULL) {
		return 0;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;
		}
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0) {
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			total += test_wal_bytes(path);
		} else if (strstr(e->d_name, ".wal") != NULL) {
			total += (long long) st.st_size;
		}
	}
	closedir(d);
	return total;
}
