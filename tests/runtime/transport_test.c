// SPDX-License-Identifier: MIT
// transport_test - inboxes and outboxes: delivery in-process, over tcp and
// over the Unix socket of a loopback inbox,
// backpressure when a destination is full, and reconnecting when a task's
// endpoint changes.

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "runtime/transport.h"

// A batch for dest holding one tuple whose value is x.
static void
one_tuple(gale_batch *b, uint32_t dest, int64_t x)
{
	gale_batch_init(b, dest);
	gale_value v = gale_i64(x);
	cr_assert_eq(
	    gale_batch_add_tuple(b, 1, NULL, &v, 1, NULL, 0), GALE_OK);
}

// Receives one batch within timeout_ms and returns its tuple's value.
static int64_t
recv_one(gale_inbox *in, uint32_t task, int timeout_ms)
{
	gale_batch b;
	gale_batch_init(&b, 0);
	cr_assert_eq(gale__inbox_recv(in, &b, timeout_ms), GALE_OK);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	cr_expect_eq(dest, task);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_TUPLE);
	int64_t x = it.values[0].u.i64;
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
	return x;
}

Test(transport, delivers_between_local_tasks)
{
	gale_transport *t = NULL;
	cr_assert_eq(gale__transport_new(&t, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(t, 1);
	gale__transport_set_local(t, 2);
	cr_expect(gale__transport_is_local(t, 2));
	cr_expect(!gale__transport_is_local(t, 3));
	cr_expect(gale__transport_complete(t));
	gale_inbox *in = NULL;
	char        ep[128];
	cr_assert_eq(gale__inbox_open(&in, t, 2, ep, sizeof(ep)), GALE_OK);
	cr_expect_eq(strncmp(ep, "tcp://127.0.0.1:", 16), 0, "%s", ep);
	gale_outbox *out = NULL;
	cr_assert_eq(gale__outbox_new(&out, t), GALE_OK);
	gale_batch empty;
	gale_batch_init(&empty, 0);
	cr_expect_eq(gale__inbox_recv(in, &empty, 0), GALE_EAGAIN);
	cr_expect_eq(gale__inbox_recv(in, &empty, 5), GALE_EAGAIN);
	gale_batch_fini(&empty);
	for (int64_t i = 0; i < 5; i++) {
		gale_batch b;
		one_tuple(&b, 2, i);
		cr_assert_eq(
		    gale__outbox_send(out, &b, NULL, NULL, NULL), GALE_OK);
		gale_batch_fini(&b);
	}
	for (int64_t i = 0; i < 5; i++) {
		cr_expect_eq(recv_one(in, 2, 1000), i, "in order");
	}
	gale_batch b;
	one_tuple(&b, 3, 0);
	cr_expect_eq(
	    gale__outbox_send(out, &b, NULL, NULL, NULL), GALE_EINVAL);
	gale_batch_fini(&b);
	gale__outbox_close(&out);
	gale__inbox_close(&in);
	cr_expect_null(in);
	gale__transport_destroy(&t);
	cr_expect_null(t);
}

typedef struct fake_idle {
	int           calls;
	int           stop_after;
	_Atomic bool *stop;
} fake_idle;

static void
fake_idle_cb(void *arg)
{
	fake_idle *f = arg;
	if (++f->calls >= f->stop_after) {
		atomic_store(f->stop, true);
	}
}

Test(transport, a_full_destination_makes_the_sender_wait)
{
	gale_transport *t = NULL;
	cr_assert_eq(gale__transport_new(&t, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(t, 1);
	gale__transport_set_local(t, 2);
	gale_inbox *in = NULL;
	char        ep[128];
	cr_assert_eq(gale__inbox_open(&in, t, 2, ep, sizeof(ep)), GALE_OK);
	gale_outbox *out = NULL;
	cr_assert_eq(gale__outbox_new(&out, t), GALE_OK);
	// Nobody reads: after a bounded number of batches, a send waits,
	// calling idle, until stop is set.
	_Atomic bool stop = false;
	fake_idle    f    = { .stop_after = 3, .stop = &stop };
	int          sent = 0;
	gale_err     rv;
	for (;;) {
		gale_batch b;
		one_tuple(&b, 2, sent);
		rv = gale__outbox_send(out, &b, fake_idle_cb, &f, &stop);
		gale_batch_fini(&b);
		if (rv != GALE_OK) {
			break;
		}
		cr_assert_lt(++sent, 1000, "the queue has no bound");
	}
	cr_expect_eq(rv, GALE_ECLOSED);
	cr_expect_eq(f.calls, 3);
	cr_expect_geq(sent, GALE_TRANSPORT_HWM);
	cr_expect_leq(sent, 4 * GALE_TRANSPORT_HWM);
	// Nothing was lost or reordered, and reading makes room again.
	for (int i = 0; i < sent; i++) {
		cr_expect_eq(recv_one(in, 2, 1000), i);
	}
	atomic_store(&stop, false);
	gale_batch b;
	one_tuple(&b, 2, 99);
	cr_expect_eq(gale__outbox_send(out, &b, NULL, NULL, &stop), GALE_OK);
	gale_batch_fini(&b);
	cr_expect_eq(recv_one(in, 2, 1000), 99);
	gale__outbox_close(&out);
	gale__inbox_close(&in);
	gale__transport_destroy(&t);
}

Test(transport, reconnects_when_an_endpoint_changes)
{
	// Task 1 lives in worker a, task 2 in worker b; b restarts and its
	// task 2 comes back on another port.
	gale_transport *a = NULL, *b = NULL, *b2 = NULL;
	cr_assert_eq(gale__transport_new(&a, "127.0.0.1", 2), GALE_OK);
	cr_assert_eq(gale__transport_new(&b, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(a, 1);
	gale__transport_set_local(b, 2);
	cr_expect(!gale__transport_complete(a));
	gale_outbox *out = NULL;
	cr_assert_eq(gale__outbox_new(&out, a), GALE_OK);
	gale_batch batch;
	one_tuple(&batch, 2, 7);
	cr_expect_eq(gale__outbox_send(out, &batch, NULL, NULL, NULL),
	    GALE_ENOENT, "no endpoint known yet");

	gale_inbox *in = NULL;
	char        ep[128];
	cr_assert_eq(gale__inbox_open(&in, b, 2, ep, sizeof(ep)), GALE_OK);
	gale__transport_set_endpoint(a, 2, ep);
	cr_expect(gale__transport_complete(a));
	cr_assert_eq(
	    gale__outbox_send(out, &batch, NULL, NULL, NULL), GALE_OK);
	cr_expect_eq(recv_one(in, 2, 5000), 7);

	gale__inbox_close(&in);
	gale__transport_destroy(&b);
	cr_assert_eq(gale__transport_new(&b2, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(b2, 2);
	char ep2[128];
	cr_assert_eq(gale__inbox_open(&in, b2, 2, ep2, sizeof(ep2)), GALE_OK);
	cr_assert_str_neq(ep, ep2);
	gale__transport_set_endpoint(a, 2, ep2);
	gale_batch_fini(&batch);
	one_tuple(&batch, 2, 8);
	cr_assert_eq(
	    gale__outbox_send(out, &batch, NULL, NULL, NULL), GALE_OK);
	cr_expect_eq(recv_one(in, 2, 5000), 8, "sent to the new endpoint");
	gale_batch_fini(&batch);

	gale__outbox_close(&out);
	gale__inbox_close(&in);
	gale__transport_destroy(&b2);
	gale__transport_destroy(&a);
}

Test(transport, peers_on_one_host_meet_on_an_abstract_unix_socket)
{
	gale_transport *a = NULL, *b = NULL;
	cr_assert_eq(gale__transport_new(&a, "127.0.0.1", 2), GALE_OK);
	cr_assert_eq(gale__transport_new(&b, "127.0.0.1", 2), GALE_OK);
	gale__transport_set_local(a, 1);
	gale__transport_set_local(b, 2);
	// A loopback inbox also listens on ipc://@gale-HOST:PORT: a plain
	// PUSH socket reaches it there.
	gale_inbox *in = NULL;
	char        ep[128], ipc[160];
	cr_assert_eq(gale__inbox_open(&in, b, 2, ep, sizeof(ep)), GALE_OK);
	snprintf(ipc, sizeof(ipc), "ipc://@gale-%s", ep + 6);
	void *zctx   = zmq_ctx_new();
	void *push   = zmq_socket(zctx, ZMQ_PUSH);
	int   linger = 0;
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof(linger));
	cr_assert_eq(zmq_connect(push, ipc), 0, "%s", ipc);
	gale_batch batch;
	one_tuple(&batch, 2, 41);
	cr_assert_eq(zmq_send(push, batch.buf, batch.len, 0), (int) batch.len);
	cr_expect_eq(recv_one(in, 2, 5000), 41, "delivered over %s", ipc);
	gale_batch_fini(&batch);
	zmq_close(push);
	gale__inbox_close(&in);
	// An outbox given a loopback tcp endpoint connects to its ipc name,
	// not to tcp: here nothing listens on the tcp port, only on the
	// Unix socket.
	void *pull = zmq_socket(zctx, ZMQ_PULL);
	zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof(linger));
	cr_assert_eq(zmq_bind(pull, "ipc://@gale-127.0.0.1:9"), 0);
	gale__transport_set_endpoint(a, 2, "tcp://127.0.0.1:9");
	gale_outbox *out = NULL;
	cr_assert_eq(gale__outbox_new(&out, a), GALE_OK);
	one_tuple(&batch, 2, 42);
	cr_assert_eq(
	    gale__outbox_send(out, &batch, NULL, NULL, NULL), GALE_OK);
	char got[4096];
	int  timeout = 5000;
	zmq_setsockopt(pull, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	cr_assert_eq(zmq_recv(pull, got, sizeof(got), 0), (int) batch.len);
	cr_expect_eq(memcmp(got, batch.buf, batch.len), 0);
	gale_batch_fini(&batch);
	gale__outbox_close(&out);
	zmq_close(pull);
	zmq_ctx_term(zctx);
	gale__transport_destroy(&a);
	gale__transport_destroy(&b);
}

static void
capture_stderr(void)
{
	cr_redirect_stderr();
}

// An inbox that cannot listen fails and names the endpoint and why.
Test(transport, an_inbox_that_cannot_listen_names_the_endpoint,
    .init = capture_stderr)
{
	gale_transport *t = NULL;
	// 192.0.2.1 (TEST-NET-1) is no address of this host.
	cr_assert_eq(gale__transport_new(&t, "192.0.2.1", 1), GALE_OK);
	gale__transport_set_local(t, 1);
	gale_inbox *in = NULL;
	char        ep[128];
	cr_expect_neq(gale__inbox_open(&in, t, 1, ep, sizeof(ep)), GALE_OK);
	cr_expect_null(in);
	gale__transport_destroy(&t);
	fflush(stderr);
	FILE  *f = cr_get_redirected_stderr();
	char   got[4096];
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	got[n]   = '\0';
	cr_expect(strstr(got, "task 1: cannot listen on 'tcp://192.0.2.1:*': ")
		!= NULL,
	    "%s", got);
}
