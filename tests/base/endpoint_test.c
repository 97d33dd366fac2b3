// SPDX-License-Identifier: MIT
// endpoint_test.c - loopback checks (which binds need keys, which peers
// are on this host) and the ipc name of a loopback inbox.

#include <criterion/criterion.h>
#include <string.h>

#include "base/endpoint.h"

Test(endpoint, loopback_is_told_apart_from_everything_else)
{
	cr_expect(gale__endpoint_is_loopback("tcp://127.0.0.1:6627"));
	cr_expect(gale__endpoint_is_loopback("tcp://127.3.4.5:*"));
	cr_expect(gale__endpoint_is_loopback("tcp://localhost:1"));
	cr_expect(gale__endpoint_is_loopback("tcp://[::1]:*"));
	cr_expect(gale__endpoint_is_loopback("ipc:///tmp/x"));
	cr_expect(gale__endpoint_is_loopback("inproc://x"));
	cr_expect(!gale__endpoint_is_loopback("tcp://0.0.0.0:6627"));
	cr_expect(!gale__endpoint_is_loopback("tcp://*:6627"));
	cr_expect(!gale__endpoint_is_loopback("tcp://10.0.0.1:6627"));
	cr_expect(!gale__endpoint_is_loopback("tcp://[::]:1"));
	cr_expect(!gale__endpoint_is_loopback("tcp://eth0:1"));
	cr_expect(!gale__endpoint_is_loopback("tcp://128.0.0.1:1"));
	cr_expect(!gale__endpoint_is_loopback("tcp://127.0.0.1"));
	cr_expect(!gale__endpoint_is_loopback("udp://127.0.0.1:1"));
	cr_expect(!gale__endpoint_is_loopback(NULL));
	cr_expect(gale__host_is_loopback("127.0.0.1"));
	cr_expect(gale__host_is_loopback("::1"));
	cr_expect(!gale__host_is_loopback("0.0.0.0"));
	cr_expect(!gale__host_is_loopback("myhost"));
	cr_expect(!gale__host_is_loopback(""));
}

Test(endpoint, a_loopback_tcp_inbox_has_an_abstract_ipc_name)
{
	char buf[128];
	cr_assert(gale__endpoint_local_ipc(
	    "tcp://127.0.0.1:40123", buf, sizeof(buf)));
	cr_expect_str_eq(buf, "ipc://@gale-127.0.0.1:40123");
	cr_assert(gale__endpoint_local_ipc("tcp://[::1]:7", buf, sizeof(buf)));
	cr_expect_str_eq(buf, "ipc://@gale-[::1]:7");
	strcpy(buf, "untouched");
	// Another host, a wildcard port, a source interface, not tcp.
	cr_expect(!gale__endpoint_local_ipc(
	    "tcp://10.0.0.2:40123", buf, sizeof(buf)));
	cr_expect(
	    !gale__endpoint_local_ipc("tcp://127.0.0.1:*", buf, sizeof(buf)));
	cr_expect(
	    !gale__endpoint_local_ipc("tcp://127.0.0.1:", buf, sizeof(buf)));
	cr_expect(!gale__endpoint_local_ipc(
	    "tcp://lo;127.0.0.1:5", buf, sizeof(buf)));
	cr_expect(!gale__endpoint_local_ipc("ipc://@x", buf, sizeof(buf)));
	cr_expect(!gale__endpoint_local_ipc(NULL, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "untouched");
	// Too long for the buffer.
	cr_expect(!gale__endpoint_local_ipc("tcp://127.0.0.1:40123", buf, 20));
}
