// SPDX-License-Identifier: MIT
// batch_test.c - the data-plane batch codec against protobuf-c, and against
// bad bytes.

#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/batch.h"
#include "proto/gale.pb-c.h"

// ---------------------------------------------------------------------
// A sample batch: every value type, edge values, many anchors, streams,
// every ack kind and markers, added in an interleaved order.
// ---------------------------------------------------------------------

typedef struct sample_item {
	gale_item_kind   kind;
	uint32_t         src_task;
	const char      *add_stream; // as given to gale_batch_add_tuple
	const char      *wire_stream; // as it must arrive ("" = default)
	gale_value      *values;
	size_t           nvalues;
	gale_anchor     *anchors;
	size_t           nanchors;
	gale_ack_kind    ack_kind;
	uint64_t         root;
	uint64_t         value;
	uint32_t         task;
	gale_marker_kind marker_kind;
} sample_item;

#define SAMPLE_MAX 16

static const char  sample_bin[] = { 'a', 0, 'b', 0, (char) 0xff, 0 };
static gale_value  sample_values[32];
static size_t      sample_nvalues;
static gale_value  sample_one_value[1];
static gale_anchor sample_anchors[300];
static char        sample_long_stream[301];
static sample_item sample[SAMPLE_MAX];
static size_t      nsample;

static sample_item
tuple_item(uint32_t src, const char *add_stream, const char *wire_stream,
    gale_value *values, size_t nvalues, gale_anchor *anchors, size_t nanchors)
{
	sample_item s = { .kind = GALE_ITEM_TUPLE };
	s.src_task    = src;
	s.add_stream  = add_stream;
	s.wire_stream = wire_stream;
	s.values      = values;
	s.nvalues     = nvalues;
	s.anchors     = anchors;
	s.nanchors    = nanchors;
	return s;
}

static sample_item
ack_item(gale_ack_kind kind, uint64_t root, uint64_t value, uint32_t task)
{
	sample_item s = { .kind = GALE_ITEM_ACK };
	s.ack_kind    = kind;
	s.root        = root;
	s.value       = value;
	s.task        = task;
	return s;
}

static sample_item
marker_item(uint32_t src)
{
	sample_item s = { .kind = GALE_ITEM_MARKER };
	s.marker_kind = GALE_MARK_END_OF_STREAM;
	s.src_task    = src;
	return s;
}

static void
sample_build(void)
{
	size_t n            = 0;
	sample_values[n++]  = gale_str("", 0);
	sample_values[n++]  = gale_cstr("hello, world");
	sample_values[n++]  = gale_bytes(sample_bin, sizeof sample_bin);
	sample_values[n++]  = gale_bytes("", 0);
	sample_values[n++]  = gale_i64(0);
	sample_values[n++]  = gale_i64(-1);
	sample_values[n++]  = gale_i64(1);
	sample_values[n++]  = gale_i64(INT64_MIN);
	sample_values[n++]  = gale_i64(INT64_MAX);
	sample_values[n++]  = gale_i64(-123456789012345);
	sample_values[n++]  = gale_f64(0.0);
	sample_values[n++]  = gale_f64(-0.0);
	sample_values[n++]  = gale_f64(3.5);
	sample_values[n++]  = gale_f64(-DBL_MAX);
	sample_values[n++]  = gale_f64(DBL_MIN / 4); // subnormal
	sample_values[n++]  = gale_f64(INFINITY);
	sample_values[n++]  = gale_bool(true);
	sample_values[n++]  = gale_bool(false);
	sample_values[n++]  = gale_str("", 0);
	sample_nvalues      = n;
	sample_one_value[0] = gale_cstr("x");

	uint64_t x = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < 300; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sample_anchors[i].root = x;
		sample_anchors[i].edge = ~x;
	}
	// Zero halves are left out on the wire and must still come back.
	sample_anchors[1] = (gale_anchor) { 0, 0 };
	sample_anchors[2] = (gale_anchor) { 0, 42 };
	sample_anchors[3] = (gale_anchor) { 42, 0 };
	sample_anchors[4] = (gale_anchor) { UINT64_MAX, UINT64_MAX };
	memset(sample_long_stream, 's', 300);
	sample_long_stream[300] = '\0';

	n = 0;
	sample[n++]
	    = tuple_item(3, NULL, "", sample_values, sample_nvalues, NULL, 0);
	sample[n++] = ack_item(GALE_ACK_INIT, 1, 2, 3);
	// Every field zero, so none is on the wire, right after an ack with
	// all of them: an ack read sets its own fields, whatever came before.
	sample[n++] = ack_item(GALE_ACK_INIT, 0, 0, 0);
	sample[n++]
	    = tuple_item(0, "default", "", NULL, 0, sample_anchors, 300);
	sample[n++] = marker_item(77);
	sample[n++] = ack_item(GALE_ACK_ACK, UINT64_MAX, 0, 0);
	sample[n++] = tuple_item(UINT32_MAX, "words", "words",
	    sample_one_value, 1, sample_anchors, 1);
	sample[n++] = ack_item(GALE_ACK_FAIL, 5, 0, 9);
	sample[n++]
	    = ack_item(GALE_ACK_COMPLETE, 0x8000000000000000u, 0, UINT32_MAX);
	sample[n++] = tuple_item(
	    128, sample_long_stream, sample_long_stream, NULL, 0, NULL, 0);
	// Right after a tuple with a source and a stream, one with neither:
	// a tuple read sets every field of its own, whatever came before.
	sample[n++] = tuple_item(0, NULL, "", sample_one_value, 1, NULL, 0);
	sample[n++] = ack_item(GALE_ACK_FAILED, 7, 7, 1);
	sample[n++] = marker_item(0);
	nsample     = n;
}

static void
sample_add(gale_batch *b, const sample_item *s)
{
	gale_err err = GALE_EINVAL;
	switch (s->kind) {
	case GALE_ITEM_TUPLE:
		err = gale_batch_add_tuple(b, s->src_task, s->add_stream,
		    s->values, s->nvalues, s->anchors, s->nanchors);
		break;
	case GALE_ITEM_ACK:
		err = gale_batch_add_ack(
		    b, s->ack_kind, s->root, s->value, s->task);
		break;
	case GALE_ITEM_MARKER:
		err = gale_batch_add_marker(b, s->marker_kind, s->src_task);
		break;
	case GALE_ITEM_TRACE:
		cr_assert_fail("trace items have their own test");
		break;
	}
	cr_assert_eq(err, GALE_OK, "add: %s", gale_strerror(err));
}

static void
sample_batch(gale_batch *b, uint32_t dest)
{
	gale_batch_init(b, dest);
	for (size_t i = 0; i < nsample; i++) {
		sample_add(b, &sample[i]);
	}
}

// A heap copy of exactly n bytes, so that ASan sees any read past them.
static uint8_t *
exact_copy(const void *p, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	cr_assert_not_null(c);
	if (n > 0) {
		memcpy(c, p, n);
	}
	return c;
}

static void
expect_value_eq(const gale_value *got, const gale_value *want, size_t i)
{
	cr_assert_eq(got->type, want->type, "value %zu: type", i);
	switch (want->type) {
	case GALE_STR:
	case GALE_BYTES:
		cr_assert_eq(got->u.s.len, want->u.s.len, "value %zu: len", i);
		cr_assert(want->u.s.len == 0
			|| memcmp(got->u.s.ptr, want->u.s.ptr, want->u.s.len)
			    == 0,
		    "value %zu: bytes", i);
		break;
	case GALE_I64:
		cr_assert_eq(got->u.i64, want->u.i64, "value %zu", i);
		break;
	case GALE_F64:
		cr_assert(
		    memcmp(&got->u.f64, &want->u.f64, sizeof(double)) == 0,
		    "value %zu: %g != %g", i, got->u.f64, want->u.f64);
		break;
	case GALE_BOOL:
		cr_assert_eq(got->u.b, want->u.b, "value %zu", i);
		break;
	}
}

static void
expect_item_eq(const gale_item *got, const sample_item *want, size_t i)
{
	cr_assert_eq(got->kind, want->kind, "item %zu: kind", i);
	switch (want->kind) {
	case GALE_ITEM_TUPLE:
		cr_assert_eq(got->src_task, want->src_task, "item %zu", i);
		cr_assert_eq(got->stream_len, strlen(want->wire_stream));
		cr_assert(got->stream_len == 0
			|| memcmp(
			       got->stream, want->wire_stream, got->stream_len)
			    == 0,
		    "item %zu: stream", i);
		cr_assert_eq(got->nvalues, want->nvalues, "item %zu", i);
		for (size_t k = 0; k < want->nvalues; k++) {
			expect_value_eq(&got->values[k], &want->values[k], k);
		}
		cr_assert_eq(got->nanchors, want->nanchors, "item %zu", i);
		for (size_t k = 0; k < want->nanchors; k++) {
			cr_assert_eq(
			    got->anchors[k].root, want->anchors[k].root);
			cr_assert_eq(
			    got->anchors[k].edge, want->anchors[k].edge);
		}
		break;
	case GALE_ITEM_ACK:
		cr_assert_eq(got->ack_kind, want->ack_kind, "item %zu", i);
		cr_assert_eq(got->root, want->root, "item %zu", i);
		cr_assert_eq(got->value, want->value, "item %zu", i);
		cr_assert_eq(got->task, want->task, "item %zu", i);
		break;
	case GALE_ITEM_MARKER:
		cr_assert_eq(
		    got->marker_kind, want->marker_kind, "item %zu", i);
		cr_assert_eq(got->src_task, want->src_task, "item %zu", i);
		break;
	case GALE_ITEM_TRACE:
		cr_assert_fail("trace items have their own test");
		break;
	}
}

TestSuite(batch, .init = sample_build);

Test(batch, trace_edges_round_trip_and_match_protobuf_c)
{
	gale_batch b;
	gale_batch_init(&b, 7);
	uint64_t kids[] = { 0x1111111111111111ULL, 2, UINT64_MAX };
	cr_assert_eq(gale_batch_add_trace(&b, 0xABCDEF0000000A5ULL, 0, 3,
			 1700000000123456ULL, kids, 3, false, 42),
	    GALE_OK);
	cr_assert_eq(gale_batch_add_trace(
			 &b, 9, 0x1111111111111111ULL, 4, 5, NULL, 0, true, 0),
	    GALE_OK);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	cr_assert_eq(dest, 7);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_TRACE);
	cr_assert_eq(it.root, 0xABCDEF0000000A5ULL);
	cr_assert_eq(it.edge, 0);
	cr_assert_eq(it.task, 3);
	cr_assert_eq(it.time_us, 1700000000123456ULL);
	cr_assert_eq(it.msg_id, 42);
	cr_assert_eq(it.nchildren, 3);
	cr_assert_eq(it.children[0], kids[0]);
	cr_assert_eq(it.children[2], UINT64_MAX);
	cr_assert(!it.failed);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.edge, 0x1111111111111111ULL);
	cr_assert(it.failed);
	cr_assert_eq(it.nchildren, 0);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);

	Gale__TupleBatch *m = gale__tuple_batch__unpack(NULL, b.len, b.buf);
	cr_assert_not_null(m);
	cr_assert_eq(m->n_traces, 2);
	cr_assert_eq(m->traces[0]->root, 0xABCDEF0000000A5ULL);
	cr_assert_eq(m->traces[0]->n_children, 3);
	cr_assert_eq(m->traces[0]->children[1], 2);
	cr_assert_eq(m->traces[0]->msg_id, 42);
	cr_assert(m->traces[1]->failed);
	gale__tuple_batch__free_unpacked(m, NULL);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}

// ---------------------------------------------------------------------
// Hand-written batches against protobuf-c
// ---------------------------------------------------------------------

static void
expect_pb_value(const Gale__Value *pv, const gale_value *v, size_t i)
{
	switch (v->type) {
	case GALE_STR:
		cr_assert_eq(
		    pv->kind_case, GALE__VALUE__KIND_STR, "value %zu", i);
		cr_assert_eq(strlen(pv->str), v->u.s.len, "value %zu", i);
		cr_assert(memcmp(pv->str, v->u.s.ptr, v->u.s.len) == 0);
		break;
	case GALE_BYTES:
		cr_assert_eq(pv->kind_case, GALE__VALUE__KIND_BYTES);
		cr_assert_eq(pv->bytes.len, v->u.s.len, "value %zu", i);
		cr_assert(v->u.s.len == 0
		    || memcmp(pv->bytes.data, v->u.s.ptr, v->u.s.len) == 0);
		break;
	case GALE_I64:
		cr_assert_eq(pv->kind_case, GALE__VALUE__KIND_I64);
		cr_assert_eq(pv->i64, v->u.i64, "value %zu", i);
		break;
	case GALE_F64:
		cr_assert_eq(pv->kind_case, GALE__VALUE__KIND_F64);
		cr_assert(memcmp(&pv->f64, &v->u.f64, sizeof(double)) == 0);
		break;
	case GALE_BOOL:
		cr_assert_eq(pv->kind_case, GALE__VALUE__KIND_FLAG);
		cr_assert_eq(!!pv->flag, v->u.b, "value %zu", i);
		break;
	}
}

Test(batch, hand_encoded_batch_unpacks_identically_in_protobuf_c)
{
	gale_batch b;
	sample_batch(&b, 4242);
	Gale__TupleBatch *m = gale__tuple_batch__unpack(NULL, b.len, b.buf);
	cr_assert_not_null(m, "protobuf-c refused the batch");
	cr_assert_eq(m->dest_task, 4242);

	size_t nt = 0, na = 0, nm = 0;
	for (size_t i = 0; i < nsample; i++) {
		const sample_item *s = &sample[i];
		if (s->kind == GALE_ITEM_TUPLE) {
			cr_assert_lt(nt, m->n_tuples);
			const Gale__Tuple *t = m->tuples[nt++];
			cr_assert_eq(t->src_task, s->src_task);
			cr_assert_str_eq(t->stream, s->wire_stream);
			cr_assert_eq(t->n_values, s->nvalues);
			for (size_t k = 0; k < s->nvalues; k++) {
				expect_pb_value(
				    t->values[k], &s->values[k], k);
			}
			cr_assert_eq(t->n_anchors, s->nanchors);
			for (size_t k = 0; k < s->nanchors; k++) {
				cr_assert_eq(
				    t->anchors[k]->root, s->anchors[k].root);
				cr_assert_eq(
				    t->anchors[k]->edge, s->anchors[k].edge);
			}
		} else if (s->kind == GALE_ITEM_ACK) {
			cr_assert_lt(na, m->n_acks);
			const Gale__AckOp *a = m->acks[na++];
			cr_assert_eq((int) a->kind, (int) s->ack_kind);
			cr_assert_eq(a->root, s->root);
			cr_assert_eq(a->value, s->value);
			cr_assert_eq(a->task, s->task);
		} else {
			cr_assert_lt(nm, m->n_markers);
			const Gale__Marker *mk = m->markers[nm++];
			cr_assert_eq((int) mk->kind, (int) s->marker_kind);
			cr_assert_eq(mk->src_task, s->src_task);
		}
	}
	cr_assert_eq(nt, m->n_tuples);
	cr_assert_eq(na, m->n_acks);
	cr_assert_eq(nm, m->n_markers);
	cr_assert_eq(b.ntuples, nt);
	cr_assert_eq(b.nacks, na);
	cr_assert_eq(b.nmarkers, nm);
	cr_assert_eq(gale_batch_items(&b), nsample);
	gale__tuple_batch__free_unpacked(m, NULL);
	gale_batch_fini(&b);
}

// Builds the protobuf-c twin of the sample: every array it allocates goes
// into pool so the test can free it.
typedef struct pb_sample {
	Gale__TupleBatch batch;
	void            *pool[4096];
	size_t           npool;
} pb_sample;

static void *
pb_alloc(pb_sample *ps, size_t n, size_t size)
{
	cr_assert_lt(ps->npool, 4096);
	void *p = calloc(n > 0 ? n : 1, size);
	cr_assert_not_null(p);
	ps->pool[ps->npool++] = p;
	return p;
}

static void
pb_value(Gale__Value *pv, const gale_value *v)
{
	gale__value__init(pv);
	switch (v->type) {
	case GALE_STR:
		// protobuf-c strings are NUL-terminated; the sample's are.
		pv->kind_case = GALE__VALUE__KIND_STR;
		pv->str       = (char *) v->u.s.ptr;
		break;
	case GALE_BYTES:
		pv->kind_case  = GALE__VALUE__KIND_BYTES;
		pv->bytes.data = (uint8_t *) v->u.s.ptr;
		pv->bytes.len  = v->u.s.len;
		break;
	case GALE_I64:
		pv->kind_case = GALE__VALUE__KIND_I64;
		pv->i64       = v->u.i64;
		break;
	case GALE_F64:
		pv->kind_case = GALE__VALUE__KIND_F64;
		pv->f64       = v->u.f64;
		break;
	case GALE_BOOL:
		pv->kind_case = GALE__VALUE__KIND_FLAG;
		pv->flag      = v->u.b;
		break;
	}
}

static void
pb_sample_build(pb_sample *ps, uint32_t dest, bool tuples_only)
{
	memset(ps, 0, sizeof *ps);
	gale__tuple_batch__init(&ps->batch);
	Gale__TupleBatch *m = &ps->batch;
	m->dest_task        = dest;
	m->tuples           = pb_alloc(ps, nsample, sizeof *m->tuples);
	m->acks             = pb_alloc(ps, nsample, sizeof *m->acks);
	m->markers          = pb_alloc(ps, nsample, sizeof *m->markers);
	for (size_t i = 0; i < nsample; i++) {
		const sample_item *s = &sample[i];
		if (s->kind == GALE_ITEM_TUPLE) {
			Gale__Tuple *t = pb_alloc(ps, 1, sizeof *t);
			gale__tuple__init(t);
			t->src_task = s->src_task;
			t->stream   = (char *) s->wire_stream;
			t->n_values = s->nvalues;
			t->values
			    = pb_alloc(ps, s->nvalues, sizeof *t->values);
			Gale__Value *vs = pb_alloc(ps, s->nvalues, sizeof *vs);
			for (size_t k = 0; k < s->nvalues; k++) {
				pb_value(&vs[k], &s->values[k]);
				t->values[k] = &vs[k];
			}
			t->n_anchors = s->nanchors;
			t->anchors
			    = pb_alloc(ps, s->nanchors, sizeof *t->anchors);
			Gale__Anchor *as
			    = pb_alloc(ps, s->nanchors, sizeof *as);
			for (size_t k = 0; k < s->nanchors; k++) {
				gale__anchor__init(&as[k]);
				as[k].root    = s->anchors[k].root;
				as[k].edge    = s->anchors[k].edge;
				t->anchors[k] = &as[k];
			}
			m->tuples[m->n_tuples++] = t;
		} else if (tuples_only) {
			continue;
		} else if (s->kind == GALE_ITEM_ACK) {
			Gale__AckOp *a = pb_alloc(ps, 1, sizeof *a);
			gale__ack_op__init(a);
			a->kind              = (Gale__AckOp__Kind) s->ack_kind;
			a->root              = s->root;
			a->value             = s->value;
			a->task              = s->task;
			m->acks[m->n_acks++] = a;
		} else {
			Gale__Marker *mk = pb_alloc(ps, 1, sizeof *mk);
			gale__marker__init(mk);
			mk->kind     = (Gale__Marker__Kind) s->marker_kind;
			mk->src_task = s->src_task;
			m->markers[m->n_markers++] = mk;
		}
	}
}

static void
pb_sample_fini(pb_sample *ps)
{
	for (size_t i = 0; i < ps->npool; i++) {
		free(ps->pool[i]);
	}
}

static uint8_t *
pb_sample_pack(pb_sample *ps, size_t *len)
{
	*len       = gale__tuple_batch__get_packed_size(&ps->batch);
	uint8_t *b = malloc(*len > 0 ? *len : 1);
	cr_assert_not_null(b);
	cr_assert_eq(gale__tuple_batch__pack(&ps->batch, b), *len);
	return b;
}

Test(batch, protobuf_c_packed_batch_reads_back_identically)
{
	pb_sample ps;
	pb_sample_build(&ps, 99, false);
	size_t   len;
	uint8_t *buf = pb_sample_pack(&ps, &len);

	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(gale_batch_reader_begin(&r, buf, len, &dest), GALE_OK);
	cr_assert_eq(dest, 99);
	// protobuf-c writes the tuples, then the acks, then the markers.
	gale_item_kind order[]
	    = { GALE_ITEM_TUPLE, GALE_ITEM_ACK, GALE_ITEM_MARKER };
	size_t n = 0;
	for (size_t o = 0; o < 3; o++) {
		for (size_t i = 0; i < nsample; i++) {
			if (sample[i].kind != order[o]) {
				continue;
			}
			gale_item it;
			cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
			expect_item_eq(&it, &sample[i], i);
			n++;
		}
	}
	cr_assert_eq(n, nsample);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	gale_batch_reader_fini(&r);
	free(buf);
	pb_sample_fini(&ps);
}

Test(batch, tuples_are_byte_identical_to_protobuf_c)
{
	// With fields written in number order and defaults left out, the
	// hand encoding of a tuple-only batch is exactly what protobuf-c
	// packs.
	gale_batch b;
	gale_batch_init(&b, 7);
	for (size_t i = 0; i < nsample; i++) {
		if (sample[i].kind == GALE_ITEM_TUPLE) {
			sample_add(&b, &sample[i]);
		}
	}
	pb_sample ps;
	pb_sample_build(&ps, 7, true);
	size_t   len;
	uint8_t *buf = pb_sample_pack(&ps, &len);
	cr_assert_eq(b.len, len);
	for (size_t i = 0; i < len; i++) {
		cr_assert_eq(
		    b.buf[i], buf[i], "byte %zu of %zu differs", i, len);
	}
	free(buf);
	pb_sample_fini(&ps);
	gale_batch_fini(&b);
}

Test(batch, own_batch_reads_back_in_order)
{
	gale_batch b;
	sample_batch(&b, 0);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 1;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	cr_assert_eq(dest, 0);
	gale_item it;
	for (size_t i = 0; i < nsample; i++) {
		cr_assert_eq(
		    gale_batch_reader_next(&r, &it), GALE_OK, "item %zu", i);
		expect_item_eq(&it, &sample[i], i);
	}
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}

Test(batch, values_point_into_the_buffer)
{
	gale_batch b;
	gale_batch_init(&b, 1);
	gale_value v = gale_cstr("zero-copy");
	cr_assert_eq(
	    gale_batch_add_tuple(&b, 1, "s", &v, 1, NULL, 0), GALE_OK);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	const uint8_t *p = (const uint8_t *) it.values[0].u.s.ptr;
	cr_assert(p >= b.buf && p + 9 <= b.buf + b.len);
	const uint8_t *s = (const uint8_t *) it.stream;
	cr_assert(s >= b.buf && s + 1 <= b.buf + b.len);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}

// ---------------------------------------------------------------------
// Hand-crafted bytes: ordering, unknown fields, malformed input
// ---------------------------------------------------------------------

// Unknown fields of every wire type: 15 varint, 14 fixed64, 13 bytes,
// 12 fixed32, and a field number that needs a five-byte tag.
#define UNKNOWN_FIELDS                                                        \
	0x78, 0x96, 0x01, 0x71, 1, 2, 3, 4, 5, 6, 7, 8, 0x6a, 3, 'a', 'b',    \
	    'c', 0x65, 1, 2, 3, 4, 0xfa, 0xff, 0xff, 0xff, 0x0f, 0

Test(batch, reads_interleaved_fields_and_skips_unknown_ones)
{
	// clang-format off
	const uint8_t buf[] = {
		UNKNOWN_FIELDS,
		// Ack: root 1, task 5, unknown fields inside.
		0x1a, 9 + 2 + 28,
		0x11, 1, 0, 0, 0, 0, 0, 0, 0,
		0x20, 5,
		UNKNOWN_FIELDS,
		// Tuple: value 1, anchor, src_task, value 2, stream, anchor.
		0x12, 4 + 20 + 2 + 4 + 3 + 11 + 28,
		0x1a, 2, 0x10, 2,                     // i64 1
		0x22, 18,                             // anchor (1, 2)
		0x09, 1, 0, 0, 0, 0, 0, 0, 0,
		0x11, 2, 0, 0, 0, 0, 0, 0, 0,
		0x08, 9,                              // src_task 9
		0x1a, 2, 0x28, 1,                     // true
		0x12, 1, 'w',                         // stream "w"
		0x22, 9,                              // anchor (0, 3)
		0x11, 3, 0, 0, 0, 0, 0, 0, 0,
		UNKNOWN_FIELDS,
		// Marker, src_task 4.
		0x22, 2, 0x10, 4,
		// dest_task last, and again: the last one wins.
		0x08, 0x05, 0x08, 0xac, 0x02,
	};
	// clang-format on
	uint8_t          *copy = exact_copy(buf, sizeof buf);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, copy, sizeof buf, &dest), GALE_OK);
	cr_assert_eq(dest, 300);

	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_ACK);
	cr_assert_eq(it.ack_kind, GALE_ACK_INIT);
	cr_assert_eq(it.root, 1);
	cr_assert_eq(it.task, 5);

	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_TUPLE);
	cr_assert_eq(it.src_task, 9);
	cr_assert_eq(it.stream_len, 1);
	cr_assert_eq(it.stream[0], 'w');
	cr_assert_eq(it.nvalues, 2);
	cr_assert_eq(it.values[0].type, GALE_I64);
	cr_assert_eq(it.values[0].u.i64, 1);
	cr_assert_eq(it.values[1].type, GALE_BOOL);
	cr_assert(it.values[1].u.b);
	cr_assert_eq(it.nanchors, 2);
	cr_assert_eq(it.anchors[0].root, 1);
	cr_assert_eq(it.anchors[0].edge, 2);
	cr_assert_eq(it.anchors[1].root, 0);
	cr_assert_eq(it.anchors[1].edge, 3);

	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_MARKER);
	cr_assert_eq(it.src_task, 4);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	gale_batch_reader_fini(&r);
	free(copy);
}

Test(batch, missing_dest_task_reads_as_zero)
{
	const uint8_t     buf[] = { 0x22, 0 };
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 5;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, buf, sizeof buf, &dest), GALE_OK);
	cr_assert_eq(dest, 0);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_MARKER);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	dest = 5;
	cr_assert_eq(gale_batch_reader_begin(&r, NULL, 0, &dest), GALE_OK);
	cr_assert_eq(dest, 0);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	gale_batch_reader_fini(&r);
}

typedef struct bad_case {
	const char   *what;
	const uint8_t bytes[40];
	size_t        len;
	bool          begin_fails; // the top level is already malformed
} bad_case;

static const bad_case bad_cases[] = {
	{ "value with no kind", { 0x12, 2, 0x1a, 0 }, 4, false },
	{ "bad tuple before a good marker", { 0x12, 2, 0x1a, 0, 0x22, 0 }, 6,
	    false },
	{ "value with only unknown fields", { 0x12, 4, 0x1a, 2, 0x78, 1 }, 6,
	    false },
	{ "tuple length past the end", { 0x12, 5, 0x08, 1 }, 4, true },
	{ "value length past tuple", { 0x12, 3, 0x1a, 5, 0x28, 0x28, 1 }, 7,
	    false },
	{ "string past value", { 0x12, 4, 0x1a, 2, 0x0a, 9 }, 6, false },
	{ "eleven-byte varint",
	    { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x01 },
	    12, true },
	{ "unterminated varint", { 0x08, 0xff }, 2, true },
	{ "field number zero", { 0x00, 0x01 }, 2, true },
	{ "group wire type", { 0x7b, 0x7c }, 2, true },
	{ "wire type 7", { 0x7f, 0 }, 2, true },
	{ "dest_task as bytes", { 0x0a, 0 }, 2, true },
	{ "tuple as varint", { 0x10, 1 }, 2, true },
	{ "i64 as fixed64",
	    { 0x12, 11, 0x1a, 9, 0x11, 0, 0, 0, 0, 0, 0, 0, 0 }, 13, false },
	{ "anchor root as varint", { 0x12, 4, 0x22, 2, 0x08, 1 }, 6, false },
	{ "short fixed64", { 0x12, 6, 0x22, 4, 0x09, 1, 2, 3 }, 8, false },
	{ "ack kind 5", { 0x1a, 2, 0x08, 5 }, 4, false },
	{ "ack kind negative",
	    { 0x1a, 11, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0x01 },
	    13, false },
	{ "marker kind 1", { 0x22, 2, 0x08, 1 }, 4, false },
	{ "truncated unknown fixed32", { 0x12, 3, 0x65, 1, 2 }, 5, false },
	{ "stream as varint", { 0x12, 2, 0x10, 1 }, 4, false },
};

Test(batch, malformed_batches_are_eproto_and_end_the_reader)
{
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const bad_case *c    = &bad_cases[i];
		uint8_t        *copy = exact_copy(c->bytes, c->len);
		uint32_t        dest;
		gale_err        err
		    = gale_batch_reader_begin(&r, copy, c->len, &dest);
		if (c->begin_fails) {
			cr_assert_eq(err, GALE_EPROTO, "%s: begin", c->what);
			free(copy);
			continue;
		}
		cr_assert_eq(err, GALE_OK, "%s: begin", c->what);
		gale_item it;
		cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_EPROTO,
		    "%s", c->what);
		cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED,
		    "%s: after the error", c->what);
		free(copy);
	}
	gale_batch_reader_fini(&r);
}

// A tuple of n values, each an empty-kind-free bool: 4 bytes apiece.
static uint8_t *
many_values_tuple(size_t n, size_t *len)
{
	size_t   body = 4 * n;
	uint8_t *buf  = malloc(body + 16);
	cr_assert_not_null(buf);
	uint8_t *p = buf;
	*p++       = 0x12;
	size_t v   = body;
	while (v >= 0x80) {
		*p++ = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t) v;
	for (size_t i = 0; i < n; i++) {
		*p++ = 0x1a;
		*p++ = 2;
		*p++ = 0x28;
		*p++ = 1;
	}
	*len = (size_t) (p - buf);
	return buf;
}

Test(batch, tuple_with_too_many_values_is_eproto)
{
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t  dest;
	gale_item it;
	size_t    len;

	uint8_t *ok = many_values_tuple(GALE_WIRE_MAX_VALUES, &len);
	cr_assert_eq(gale_batch_reader_begin(&r, ok, len, &dest), GALE_OK);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.nvalues, GALE_WIRE_MAX_VALUES);
	free(ok);

	uint8_t *bad = many_values_tuple(GALE_WIRE_MAX_VALUES + 1, &len);
	cr_assert_eq(gale_batch_reader_begin(&r, bad, len, &dest), GALE_OK);
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_EPROTO);
	free(bad);
	gale_batch_reader_fini(&r);
}

Test(batch, truncation_at_every_offset_is_a_clean_end_or_eproto)
{
	gale_batch b;
	sample_batch(&b, 12345);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	size_t neproto = 0;
	for (size_t cut = 0; cut < b.len; cut++) {
		uint8_t *copy = exact_copy(b.buf, cut);
		uint32_t dest;
		gale_err err = gale_batch_reader_begin(&r, copy, cut, &dest);
		if (err != GALE_OK) {
			cr_assert_eq(err, GALE_EPROTO, "cut %zu", cut);
			neproto++;
			free(copy);
			continue;
		}
		// Whatever a prefix yields is a prefix of the batch.
		gale_item it;
		size_t    n = 0;
		while ((err = gale_batch_reader_next(&r, &it)) == GALE_OK) {
			cr_assert_lt(n, nsample, "cut %zu", cut);
			expect_item_eq(&it, &sample[n], n);
			n++;
		}
		cr_assert(
		    err == GALE_ECLOSED || err == GALE_EPROTO, "cut %zu", cut);
		cr_assert_lt(n, nsample, "cut %zu yields every item", cut);
		free(copy);
	}
	// Most cuts fall inside an item, which the top-level scan catches.
	cr_assert_gt(neproto, b.len / 2);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}

static uint64_t
prng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

// Reads buf to its end; every string the reader hands out lies in buf.
static void
read_all_checked(gale_batch_reader *r, const uint8_t *buf, size_t len)
{
	uint32_t dest;
	gale_err err = gale_batch_reader_begin(r, buf, len, &dest);
	if (err != GALE_OK) {
		cr_assert_eq(err, GALE_EPROTO);
		return;
	}
	gale_item it;
	size_t    guard = 0;
	while ((err = gale_batch_reader_next(r, &it)) == GALE_OK) {
		cr_assert_lt(guard++, len, "more items than bytes");
		if (it.kind != GALE_ITEM_TUPLE) {
			continue;
		}
		const uint8_t *s = (const uint8_t *) it.stream;
		cr_assert(it.stream_len == 0
		    || (s >= buf && s + it.stream_len <= buf + len));
		for (size_t k = 0; k < it.nvalues; k++) {
			const gale_value *v = &it.values[k];
			cr_assert(v->type >= GALE_STR && v->type <= GALE_BOOL);
			if (v->type == GALE_STR || v->type == GALE_BYTES) {
				const uint8_t *p
				    = (const uint8_t *) v->u.s.ptr;
				cr_assert(v->u.s.len == 0
				    || (p >= buf
					&& p + v->u.s.len <= buf + len));
			}
		}
	}
	cr_assert(err == GALE_ECLOSED || err == GALE_EPROTO);
}

Test(batch, random_garbage_and_mutations_never_crash)
{
	uint64_t          seed = 0x5eed5eed1234abcdu;
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	// Pure noise, of every length up to 300 bytes.
	for (size_t i = 0; i < 4000; i++) {
		size_t   len = prng_next(&seed) % 300;
		uint8_t *buf = malloc(len > 0 ? len : 1);
		cr_assert_not_null(buf);
		for (size_t k = 0; k < len; k++) {
			buf[k] = (uint8_t) prng_next(&seed);
		}
		read_all_checked(&r, buf, len);
		free(buf);
	}
	// A valid batch with a few bytes changed reaches the deeper code.
	gale_batch b;
	sample_batch(&b, 3);
	for (size_t i = 0; i < 4000; i++) {
		uint8_t *buf   = exact_copy(b.buf, b.len);
		size_t   nflip = 1 + prng_next(&seed) % 4;
		for (size_t k = 0; k < nflip; k++) {
			buf[prng_next(&seed) % b.len]
			    = (uint8_t) prng_next(&seed);
		}
		read_all_checked(&r, buf, b.len);
		free(buf);
	}
	gale_batch_fini(&b);
	gale_batch_reader_fini(&r);
}

// ---------------------------------------------------------------------
// The writer's buffer
// ---------------------------------------------------------------------

Test(batch, reset_reuses_the_buffer_and_keeps_the_destination)
{
	gale_batch b;
	sample_batch(&b, 300);
	uint8_t *buf = b.buf;
	size_t   cap = b.cap;
	gale_batch_reset(&b);
	cr_assert_eq(b.buf, buf);
	cr_assert_eq(b.cap, cap);
	cr_assert_eq(gale_batch_items(&b), 0);
	cr_assert_eq(b.len, 3, "an empty batch is just its dest_task");

	gale_value v = gale_i64(-5);
	cr_assert_eq(
	    gale_batch_add_tuple(&b, 2, NULL, &v, 1, NULL, 0), GALE_OK);
	cr_assert_eq(b.buf, buf);
	Gale__TupleBatch *m = gale__tuple_batch__unpack(NULL, b.len, b.buf);
	cr_assert_not_null(m);
	cr_assert_eq(m->dest_task, 300);
	cr_assert_eq(m->n_tuples, 1);
	cr_assert_eq(m->n_acks, 0);
	cr_assert_eq(m->n_markers, 0);
	cr_assert_eq(m->tuples[0]->values[0]->i64, -5);
	gale__tuple_batch__free_unpacked(m, NULL);
	gale_batch_fini(&b);
	cr_assert_null(b.buf);
	gale_batch_fini(&b);
}

Test(batch, big_batch_grows_by_doubling_and_stays_valid)
{
	gale_batch b;
	gale_batch_init(&b, 1);
	size_t initial = b.cap;
	cr_assert_gt(initial, 0);
	static char blob[1000];
	memset(blob, 'q', sizeof blob);
	gale_value v[2] = { gale_bytes(blob, sizeof blob), gale_i64(0) };
	for (int64_t i = 0; i < 5000; i++) {
		v[1] = gale_i64(i);
		cr_assert_eq(gale_batch_add_tuple(&b, 1, "big", v, 2, NULL, 0),
		    GALE_OK);
		// The capacity is always the initial one times a power of 2.
		cr_assert_eq(b.cap % initial, 0);
		size_t q = b.cap / initial;
		cr_assert_eq(q & (q - 1), 0, "cap %zu", b.cap);
		cr_assert_geq(b.cap, b.len);
	}
	cr_assert_lt(b.cap, 2 * b.len + initial, "grown more than needed");
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	gale_item it;
	int64_t   n = 0;
	while (gale_batch_reader_next(&r, &it) == GALE_OK) {
		cr_assert_eq(it.values[1].u.i64, n);
		cr_assert_eq(it.values[0].u.s.len, sizeof blob);
		n++;
	}
	cr_assert_eq(n, 5000);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}

Test(batch, refused_adds_leave_the_batch_unchanged)
{
	gale_batch b;
	sample_batch(&b, 8);
	size_t     len    = b.len;
	gale_value bad[2] = { gale_i64(1), { .type = (gale_type) 99 } };
	cr_assert_eq(
	    gale_batch_add_tuple(&b, 1, NULL, bad, 2, NULL, 0), GALE_EINVAL);
	cr_assert_eq(
	    gale_batch_add_ack(&b, (gale_ack_kind) 5, 1, 1, 1), GALE_EINVAL);
	cr_assert_eq(
	    gale_batch_add_marker(&b, (gale_marker_kind) 1, 1), GALE_EINVAL);
	gale_value *many = calloc(GALE_WIRE_MAX_VALUES + 1, sizeof *many);
	cr_assert_not_null(many);
	for (size_t i = 0; i <= GALE_WIRE_MAX_VALUES; i++) {
		many[i] = gale_bool(true);
	}
	cr_assert_eq(gale_batch_add_tuple(
			 &b, 1, NULL, many, GALE_WIRE_MAX_VALUES + 1, NULL, 0),
	    GALE_EINVAL);
	free(many);
	cr_assert_eq(b.len, len);
	cr_assert_eq(gale_batch_items(&b), nsample);
	gale_batch_fini(&b);
}

Test(batch, a_batch_fini_then_reset_writes_the_header_on_the_next_add)
{
	gale_batch b;
	gale_batch_init(&b, 1000);
	gale_batch_fini(&b);
	b.dest_task = 1000;
	gale_batch_reset(&b);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(
	    gale_batch_add_marker(&b, GALE_MARK_END_OF_STREAM, 2), GALE_OK);
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	cr_assert_eq(dest, 1000);
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
	cr_assert_eq(it.kind, GALE_ITEM_MARKER);
	cr_assert_eq(it.src_task, 2);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}

Test(batch, fini_accepts_zeroed_structs)
{
	gale_batch_reader br;
	gale_batch        b = { 0 };
	gale_batch_reader_init(&br);
	gale_batch_reader_fini(&br);
	gale_batch_reader_fini(&br);
	gale_batch_fini(&b);
	gale_batch_fini(&b);
	cr_assert_null(b.buf);
	cr_assert_null(br.values);
}

Test(batch, short_and_long_strings_and_partial_anchors_read_back)
{
	// The reader takes a shortcut for strings under 128 bytes and for
	// anchors with both ids: values on either side of those bounds read
	// back the same.
	static char text[300];
	memset(text, 'w', sizeof text);
	const size_t lens[] = { 0, 1, 126, 127, 128, 300 };
	const size_t nlens  = sizeof lens / sizeof lens[0];
	const gale_anchor anchors[]
	    = { { 11, 0 }, { 0, 22 }, { 33, 44 }, { 0, 0 } };
	gale_batch b;
	gale_batch_init(&b, 5);
	for (size_t i = 0; i < nlens; i++) {
		gale_value v[2] = { gale_str(text, lens[i]), gale_i64(-7) };
		cr_assert_eq(gale_batch_add_tuple(&b, 3, NULL, v, 2, anchors, 4),
		    GALE_OK);
	}
	gale_batch_reader r;
	gale_batch_reader_init(&r);
	uint32_t dest = 0;
	cr_assert_eq(
	    gale_batch_reader_begin(&r, b.buf, b.len, &dest), GALE_OK);
	for (size_t i = 0; i < nlens; i++) {
		gale_item it;
		cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_OK);
		cr_assert_eq(it.nvalues, 2);
		cr_assert_eq(it.values[0].type, GALE_STR);
		cr_assert_eq(it.values[0].u.s.len, lens[i]);
		cr_assert(lens[i] == 0
		    || memcmp(it.values[0].u.s.ptr, text, lens[i]) == 0);
		cr_assert_eq(it.values[1].type, GALE_I64);
		cr_assert_eq(it.values[1].u.i64, -7);
		cr_assert_eq(it.nanchors, 4);
		for (size_t k = 0; k < 4; k++) {
			cr_assert_eq(it.anchors[k].root, anchors[k].root);
			cr_assert_eq(it.anchors[k].edge, anchors[k].edge);
		}
	}
	gale_item it;
	cr_assert_eq(gale_batch_reader_next(&r, &it), GALE_ECLOSED);
	gale_batch_reader_fini(&r);
	gale_batch_fini(&b);
}
