// SPDX-License-Identifier: MIT
// endpoint.h - what a ZeroMQ endpoint or a host name says about where it is.

#ifndef GALE_BASE_ENDPOINT_H
#define GALE_BASE_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

// True for an endpoint only this host can reach: tcp on a loopback
// address (127.0.0.0/8, ::1, "localhost"), ipc and inproc.
bool gale__endpoint_is_loopback(const char *endpoint);
// True for "localhost" and a loopback address ("127.0.0.1", "::1",
// "[::1]").
bool gale__host_is_loopback(const char *host);

// The abstract Unix socket ("ipc://@gale-HOST:PORT") an inbox bound to the
// loopback tcp endpoint tcp_ep also listens on: workers on one host reach
// each other without the TCP stack. Abstract names belong to the network
// namespace, as loopback addresses do, and vanish with the socket. False
// (buf untouched) when tcp_ep is not a loopback tcp endpoint with a port.
bool gale__endpoint_local_ipc(const char *tcp_ep, char *buf, size_t len);

#endif // GALE_BASE_ENDPOINT_H
