// SPDX-License-Identifier: MIT
// tcp_forward_test.c - the loopback forwarder: megabytes both ways through
// its bounded buffers, a close passed on in both directions, a port in use
// and a target that is down.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "workers/tcp_forward.h"

#define BYTES (4u * 1024 * 1024)

TestSuite(tcp_forward, .timeout = 60);

// A socket bound to 127.0.0.1 on a port the system picked, listening when
// listening is set; its port in *port.
static int
bound_socket(bool listening, uint16_t *port)
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

// A client connected to 127.0.0.1:port whose reads give up after 10 s.
static int
connect_to(uint16_t port)
{
	int                fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a  = { .sin_family = AF_INET,
		 .sin_port                    = htons(port),
		 .sin_addr.s_addr             = htonl(INADDR_LOOPBACK) };
	cr_assert_eq(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

// Accepts one connection on the listening socket *arg and sends back
// everything it reads, then closes when the peer closed.
static void *
echo_main(void *arg)
{
	int  lfd = *(int *) arg;
	int  fd  = accept(lfd, NULL, NULL);
	char buf[8192];
	for (ssize_t n; fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0;) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t) (n - off));
			if (w <= 0) {
				close(fd);
				return NULL;
			}
			off += w;
		}
	}
	if (fd >= 0) {
		close(fd);
	}
	return NULL;
}

typedef struct sender {
	int                  fd;
	const unsigned char *data;
} sender;

// Sends BYTES, then closes its sending half.
static void *
send_main(void *arg)
{
	sender *s = arg;
	for (size_t off = 0; off < BYTES;) {
		ssize_t w
		    = send(s->fd, s->data + off, BYTES - off, MSG_NOSIGNAL);
		if (w <= 0) {
			return NULL;
		}
		off += (size_t) w;
	}
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

static void
start_forward(gale_forward **f, uint16_t *port, uint16_t target)
{
	close(bound_socket(false, port));
	char to[64], why[256];
	snprintf(to, sizeof(to), "127.0.0.1:%u", (unsigned) target);
	cr_assert_eq(gale__forward_open(f, *port, to, why, sizeof(why)),
	    GALE_OK, "%s", why);
}

Test(tcp_forward, carries_megabytes_both_ways_and_passes_the_close_on)
{
	uint16_t  eport, fport;
	int       lfd = bound_socket(true, &eport);
	pthread_t echo;
	cr_assert_eq(pthread_create(&echo, NULL, echo_main, &lfd), 0);
	gale_forward *f = NULL;
	start_forward(&f, &fport, eport);
	unsigned char *data = malloc(BYTES), *got = malloc(BYTES);
	for (size_t i = 0; i < BYTES; i++) {
		data[i] = (unsigned char) (i * 7 + i / 251);
	}
	int       fd = connect_to(fport);
	sender    s  = { fd, data };
	pthread_t tx;
	cr_assert_eq(pthread_create(&tx, NULL, send_main, &s), 0);
	size_t  have = 0;
	ssize_t n;
	while (
	    have < BYTES && (n = recv(fd, got + have, BYTES - have, 0)) > 0) {
		have += (size_t) n;
	}
	cr_assert_eq(have, BYTES, "%zu: %s", have, strerror(errno));
	cr_assert(memcmp(data, got, BYTES) == 0);
	// The client's close reached the echo server, whose close came back.
	char c;
	cr_assert_eq(recv(fd, &c, 1, 0), 0);
	pthread_join(tx, NULL);
	pthread_join(echo, NULL);
	close(fd);
	close(lfd);
	gale__forward_close(&f);
	cr_assert_null(f);
	free(data);
	free(got);
}

Test(tcp_forward, a_port_in_use_is_refused)
{
	uint16_t      port;
	int           lfd = bound_socket(true, &port);
	gale_forward *f   = NULL;
	char          why[256];
	cr_assert_eq(
	    gale__forward_open(&f, port, "127.0.0.1:1", why, sizeof(why)),
	    GALE_EEXIST);
	cr_assert_null(f);
	cr_assert_not_null(
	    strstr(why, "the port is already in use"), "%s", why);
	close(lfd);
}

Test(tcp_forward, a_target_that_is_down_closes_each_client_and_keeps_serving)
{
	uint16_t down;
	close(bound_socket(false, &down));
	gale_forward *f = NULL;
	uint16_t      port;
	start_forward(&f, &port, down);
	for (int i = 0; i < 3; i++) {
		int  fd = connect_to(port);
		char c;
		cr_assert_leq(recv(fd, &c, 1, 0), 0);
		close(fd);
	}
	gale__forward_close(&f);
}
