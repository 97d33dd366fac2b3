// SPDX-License-Identifier: MIT
// endpoint.c - loopback tests of endpoints and hosts.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/endpoint.h"

bool
gale__host_is_loopback(const char *host)
{
	if (host == NULL || host[0] == '\0') {
		return false;
	}
	if (strcmp(host, "localhost") == 0) {
		return true;
	}
	char   h[128];
	size_t len = strlen(host);
	if (len >= sizeof(h)) {
		return false;
	}
	// "[::1]" as endpoints write it.
	if (host[0] == '[' && host[len - 1] == ']') {
		snprintf(h, sizeof(h), "%.*s", (int) len - 2, host + 1);
	} else {
		snprintf(h, sizeof(h), "%s", host);
	}
	struct in_addr  a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, h, &a4) == 1) {
		return (ntohl(a4.s_addr) >> 24) == 127;
	}
	if (inet_pton(AF_INET6, h, &a6) == 1) {
		return IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return false;
}

bool
gale__endpoint_is_loopback(const char *endpoint)
{
	if (endpoint == NULL) {
		return false;
	}
	if (strncmp(endpoint, "ipc://", 6) == 0
	    || strncmp(endpoint, "inproc://", 9) == 0) {
		return true;
	}
	if (strncmp(endpoint, "tcp://", 6) != 0) {
		return false;
	}
	const char *host  = endpoint + 6;
	const char *colon = strrchr(host, ':');
	if (colon == NULL || colon == host) {
		return false;
	}
	// "tcp://eth0;127.0.0.1:5555" names a source interface first: the
	// address bound is what follows it.
	const char *semi = memchr(host, ';', (size_t) (colon - host));
	if (semi != NULL) {
		host = semi + 1;
	}
	char h[128];
	if ((size_t) (colon - host) >= sizeof(h)) {
		return false;
	}
	snprintf(h, sizeof(h), "%.*s", (int) (colon - host), host);
	return gale__host_is_loopback(h);
}

bool
gale__endpoint_local_ipc(const char *tcp_ep, char *buf, size_t len)
{
	if (tcp_ep == NULL || strncmp(tcp_ep, "tcp://", 6) != 0
	    || strchr(tcp_ep, ';') != NULL
	    || !gale__endpoint_is_loopback(tcp_ep)) {
		return false;
	}
	const char *port = strrchr(tcp_ep, ':') + 1;
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port)) {
		return false;
	}
	int n = snprintf(buf, len, "ipc://@gale-%s", tcp_ep + 6);
	return n > 0 && (size_t) n < len;
}
