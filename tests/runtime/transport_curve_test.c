// SPDX-License-Identifier: MIT
// transport_curve_test - inboxes of a topology with a CURVE key: its own
// workers deliver, encrypted, and a sender with another key or none never
// gets a batch in, over tcp or the Unix socket of a loopback inbox.

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "runtime/transport.h"

static void
one_tuple(gale_batch *b, uint32_t dest, int64_t x)
{
	gale_batch_init(b, dest);
	gale_value v = gale_i64(x);
	cr_assert_eq(
	    gale_batch_add_tuple(b, 1, NULL, &v, 1, NULL, 0), GALE_OK);
}

// A transport of two tasks where task 2 lives in another worker at ep,
// keyed with secret (NULL: none).
static gale_transport *
sender(const char *secret, const char *ep)
{
	gale_transport *t = NULL;
	cr_assert_eq(gale__transport_new(&t, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(t, 1);
	if (secret != NULL) {
		cr_assert_eq(gale__transport_set_curve(t, secret), GALE_OK);
	}
	gale__transport_set_endpoint(t, 2, ep);
	return t;
}

// Sends one batch to task 2 from a transport keyed with secret; true
// when the inbox got it within wait_ms.
static bool
delivered(
    gale_inbox *in, const char *secret, const char *ep, int64_t x, int wait_ms)
{
	gale_transport *t   = sender(secret, ep);
	gale_outbox    *out = NULL;
	cr_assert_eq(gale__outbox_new(&out, t), GALE_OK);
	gale_batch b;
	one_tuple(&b, 2, x);
	// ZeroMQ queues the batch until the handshake is done; a refused
	// handshake leaves it queued, never delivered.
	cr_assert_eq(gale__outbox_send(out, &b, NULL, NULL, NULL), GALE_OK);
	gale_batch_fini(&b);
	gale_batch got;
	gale_batch_init(&got, 0);
	bool ok = gale__inbox_recv(in, &got, wait_ms) == GALE_OK;
	gale_batch_fini(&got);
	gale__outbox_close(&out);
	gale__transport_destroy(&t);
	return ok;
}

// Sends one batch to task 2 over endpoint with a plain PUSH socket,
// keyed with the pair pub/secret (NULL: none) as a worker's outbox is;
// true when the inbox got it within wait_ms.
static bool
delivered_at(gale_inbox *in, const char *pub, const char *secret,
    const char *endpoint, int wait_ms)
{
	void *ctx    = zmq_ctx_new();
	void *s      = zmq_socket(ctx, ZMQ_PUSH);
	int   linger = 0;
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	if (secret != NULL) {
		zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, pub, 40);
		zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
		zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, secret, 40);
	}
	cr_assert_eq(zmq_connect(s, endpoint), 0, "%s", endpoint);
	gale_batch b;
	one_tuple(&b, 2, 9);
	cr_assert_eq(zmq_send(s, b.buf, b.len, ZMQ_DONTWAIT), (int) b.len);
	gale_batch_fini(&b);
	gale_batch got;
	gale_batch_init(&got, 0);
	bool ok = gale__inbox_recv(in, &got, wait_ms) == GALE_OK;
	gale_batch_fini(&got);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return ok;
}

// The topology's pair and another, and the inbox of its task 2 keyed
// with the first (its tcp endpoint into ep).
typedef struct keyed {
	char            pub[41], key[41], other_pub[41], other[41];
	gale_transport *t;
	gale_inbox     *in;
	char            ep[128];
} keyed;

static void
keyed_open(keyed *k)
{
	cr_assert(zmq_has("curve"));
	cr_assert_eq(zmq_curve_keypair(k->pub, k->key), 0);
	cr_assert_eq(zmq_curve_keypair(k->other_pub, k->other), 0);
	k->t = NULL;
	cr_assert_eq(gale__transport_new(&k->t, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(k->t, 2);
	cr_assert_eq(gale__transport_set_curve(k->t, "short"), GALE_EINVAL);
	cr_assert_eq(gale__transport_set_curve(k->t, k->key), GALE_OK);
	k->in = NULL;
	cr_assert_eq(
	    gale__inbox_open(&k->in, k->t, 2, k->ep, sizeof(k->ep)), GALE_OK);
}

static void
keyed_close(keyed *k)
{
	gale__inbox_close(&k->in);
	gale__transport_destroy(&k->t);
}

// Both ways into a loopback inbox, its tcp port and its Unix socket, take
// the topology's key alone.
Test(transport_curve, the_tcp_port_and_the_unix_socket_both_need_the_key)
{
	keyed k;
	keyed_open(&k);
	char ipc[160];
	snprintf(ipc, sizeof(ipc), "ipc://@gale-%s", k.ep + 6);
	const char *ways[] = { k.ep, ipc };
	for (int i = 0; i < 2; i++) {
		cr_expect(delivered_at(k.in, k.pub, k.key, ways[i], 5000),
		    "the topology's key over %s", ways[i]);
		cr_expect(
		    !delivered_at(k.in, k.other_pub, k.other, ways[i], 300),
		    "another key over %s", ways[i]);
		cr_expect(!delivered_at(k.in, NULL, NULL, ways[i], 300),
		    "no key over %s", ways[i]);
	}
	keyed_close(&k);
}

Test(transport_curve, only_holders_of_the_topology_key_deliver)
{
	keyed k;
	keyed_open(&k);

	// The keyed peer first, so that the refusals below are not a
	// matter of time: its batch comes through within the same wait.
	cr_expect(
	    delivered(k.in, k.key, k.ep, 1, 5000), "the topology's own key");
	cr_expect(
	    !delivered(k.in, k.other, k.ep, 2, 500), "another topology's key");
	cr_expect(!delivered(k.in, NULL, k.ep, 3, 500), "no key");
	cr_expect(delivered(k.in, k.key, k.ep, 4, 5000), "the own key again");

	// Local senders go through inproc, which has no handshake.
	gale__transport_set_local(k.t, 1);
	gale_outbox *out = NULL;
	cr_assert_eq(gale__outbox_new(&out, k.t), GALE_OK);
	gale_batch b;
	one_tuple(&b, 2, 5);
	cr_assert_eq(gale__outbox_send(out, &b, NULL, NULL, NULL), GALE_OK);
	gale_batch_fini(&b);
	gale_batch got;
	gale_batch_init(&got, 0);
	cr_expect_eq(gale__inbox_recv(k.in, &got, 5000), GALE_OK);
	gale_batch_fini(&got);
	gale__outbox_close(&out);
	keyed_close(&k);
}
