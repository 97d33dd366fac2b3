// SPDX-License-Identifier: MIT
// outbuf_test - the output buffer: a batch per destination, sent when full
// (items or bytes) or flushed, and due once its oldest item has waited.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "runtime/outbuf.h"

// What the buffer sent, decoded: per send, its destination and items.
typedef struct fake_sink {
	uint32_t dest[64];
	uint32_t items[64];
	uint32_t tuples[64];
	size_t   n;
} fake_sink;

static void
fake_send(void *arg, gale_batch *b)
{
	fake_sink *s = arg;
	cr_assert_lt(s->n, 64);
	cr_assert_gt(gale_batch_items(b), 0, "an empty batch was sent");
	// The bytes are a whole batch for its destination.
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b->buf, b->len, &dest), GALE_OK);
	cr_assert_eq(dest, b->dest_task);
	gale_item it;
	uint32_t  items = 0, tuples = 0;
	while (gale_batch_reader_next(&r, &it) == GALE_OK) {
		items++;
		tuples += it.kind == GALE_ITEM_TUPLE;
	}
	gale_batch_reader_fini(&r);
	s->dest[s->n]   = dest;
	s->items[s->n]  = items;
	s->tuples[s->n] = tuples;
	s->n++;
}

static gale_outbuf *
fake_outbuf(
    fake_sink *s, uint32_t batch_size, size_t max_bytes, uint64_t flush_ns)
{
	gale_outbuf *o = NULL;
	cr_assert_eq(gale__outbuf_new(
			 &o, 4, batch_size, max_bytes, flush_ns, fake_send, s),
	    GALE_OK);
	cr_assert_not_null(o);
	return o;
}

static void
add_tuple(gale_outbuf *o, uint32_t dest, int64_t x)
{
	gale_value v = gale_i64(x);
	cr_assert_eq(
	    gale__outbuf_add_tuple(o, dest, 1, NULL, &v, 1, NULL, 0), GALE_OK);
}

Test(outbuf, holds_items_until_a_flush)
{
	fake_sink    s = { 0 };
	gale_outbuf *o = fake_outbuf(&s, 100, 1 << 20, 1000);
	cr_expect(!gale__outbuf_pending(o));
	add_tuple(o, 2, 1);
	add_tuple(o, 3, 2);
	add_tuple(o, 2, 3);
	cr_expect(gale__outbuf_pending(o));
	cr_expect_eq(s.n, 0);
	gale__outbuf_flush(o);
	cr_assert_eq(s.n, 2);
	// In the order the destinations were first written to.
	cr_expect_eq(s.dest[0], 2);
	cr_expect_eq(s.tuples[0], 2);
	cr_expect_eq(s.dest[1], 3);
	cr_expect_eq(s.tuples[1], 1);
	cr_expect(!gale__outbuf_pending(o));
	// Nothing new: a flush sends nothing.
	gale__outbuf_flush(o);
	cr_expect_eq(s.n, 2);
	gale__outbuf_destroy(&o);
	cr_expect_null(o);
	gale__outbuf_destroy(&o);
}

Test(outbuf, sends_a_batch_when_it_has_batch_size_items)
{
	fake_sink    s = { 0 };
	gale_outbuf *o = fake_outbuf(&s, 3, 1 << 20, 1000);
	for (int i = 0; i < 7; i++) {
		add_tuple(o, 1, i);
	}
	cr_assert_eq(s.n, 2);
	cr_expect_eq(s.items[0], 3);
	cr_expect_eq(s.items[1], 3);
	// Acks count too.
	cr_assert_eq(
	    gale__outbuf_add_ack(o, 1, GALE_ACK_ACK, 5, 6, 1), GALE_OK);
	cr_assert_eq(
	    gale__outbuf_add_ack(o, 1, GALE_ACK_ACK, 7, 8, 1), GALE_OK);
	cr_assert_eq(s.n, 3);
	cr_expect_eq(s.items[2], 3);
	cr_expect_eq(s.tuples[2], 1);
	gale__outbuf_flush(o);
	cr_expect_eq(s.n, 3, "the full batch left already");
	gale__outbuf_destroy(&o);
}

Test(outbuf, a_destination_can_have_its_own_batch_size)
{
	fake_sink    s = { 0 };
	gale_outbuf *o = fake_outbuf(&s, 3, 1 << 20, 1000);
	gale__outbuf_set_batch_size(o, 2, 5);
	gale__outbuf_set_batch_size(o, 4, 0);
	for (int i = 0; i < 5; i++) {
		add_tuple(o, 1, i);
		add_tuple(o, 2, i);
	}
	// Destination 1 keeps batch_size (one batch of 3, 2 waiting), 2
	// filled its batch of 5 with its fifth tuple.
	cr_assert_eq(s.n, 2);
	cr_expect_eq(s.dest[0], 1);
	cr_expect_eq(s.items[0], 3);
	cr_expect_eq(s.dest[1], 2);
	cr_expect_eq(s.items[1], 5);
	// A size of 0 counts as 1: every tuple leaves at once.
	add_tuple(o, 4, 1);
	cr_assert_eq(s.n, 3);
	cr_expect_eq(s.dest[2], 4);
	cr_expect_eq(s.items[2], 1);
	gale__outbuf_flush(o);
	cr_assert_eq(s.n, 4);
	cr_expect_eq(s.dest[3], 1);
	cr_expect_eq(s.items[3], 2);
	gale__outbuf_destroy(&o);
}

Test(outbuf, sends_a_batch_when_it_has_max_bytes)
{
	fake_sink    s = { 0 };
	gale_outbuf *o = fake_outbuf(&s, 1000000, 64, 1000);
	char         big[100];
	memset(big, 'x', sizeof(big));
	gale_value v = gale_str(big, sizeof(big));
	cr_assert_eq(
	    gale__outbuf_add_tuple(o, 4, 1, NULL, &v, 1, NULL, 0), GALE_OK);
	cr_assert_eq(s.n, 1);
	cr_expect_eq(s.dest[0], 4);
	gale__outbuf_destroy(&o);
}

Test(outbuf, markers_wait_for_the_flush)
{
	fake_sink    s = { 0 };
	gale_outbuf *o = fake_outbuf(&s, 1, 1 << 20, 1000);
	cr_assert_eq(gale__outbuf_add_marker(o, 2, GALE_MARK_END_OF_STREAM, 1),
	    GALE_OK);
	cr_expect_eq(s.n, 0);
	gale__outbuf_flush(o);
	cr_assert_eq(s.n, 1);
	cr_expect_eq(s.items[0], 1);
	gale__outbuf_destroy(&o);
}

Test(outbuf, is_due_once_the_oldest_item_waited_flush_ns)
{
	fake_sink    s      = { 0 };
	gale_outbuf *o      = fake_outbuf(&s, 100, 1 << 20, 250000);
	uint64_t     before = gale_now_ns();
	cr_expect(!gale__outbuf_due(o, before + 1000000000u),
	    "nothing waits, nothing is due");
	add_tuple(o, 1, 1);
	uint64_t after = gale_now_ns();
	// The clock was read when the item came, between before and after.
	cr_expect(!gale__outbuf_due(o, before));
	cr_expect(gale__outbuf_due(o, after + 250000));
	add_tuple(o, 2, 2);
	cr_expect(gale__outbuf_due(o, after + 250000),
	    "a later item does not restart the wait");
	gale__outbuf_flush(o);
	cr_expect(!gale__outbuf_due(o, after + 1000000000u));
	gale__outbuf_destroy(&o);
}
