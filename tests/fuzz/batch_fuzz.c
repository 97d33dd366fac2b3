// SPDX-License-Identifier: MIT
// batch_fuzz.c - libFuzzer target for the tuple batch reader.
//
// Any input must read without a crash or a read out of bounds. What reads
// cleanly must survive a round trip: written again with gale_batch_add_*,
// it reads back as the same items, and protobuf-c accepts it as the same
// numbers of tuples, acks, markers and trace edges.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/gale.pb-c.h"
#include "proto/batch.h"

#define FUZZ_MAX_ITEMS 4096

#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "batch_fuzz: %s:%d: %s\n", __FILE__,  \
			    __LINE__, #cond);                                 \
			abort();                                              \
		}                                                             \
	} while (0)

static gale_batch_reader fuzz_reader;
static gale_batch_reader fuzz_reader2;
static gale_batch        fuzz_batch;
static char              fuzz_stream[1 << 16];

// The stream as the writer will send it: up to its first NUL, and
// "default" as empty.
static size_t
fuzz_stream_len(const gale_item *it)
{
	if (it->stream_len == 0) {
		return 0;
	}
	const char *nul = memchr(it->stream, '\0', it->stream_len);
	size_t n = nul != NULL ? (size_t) (nul - it->stream) : it->stream_len;
	if (n == 7 && memcmp(it->stream, "default", 7) == 0) {
		return 0;
	}
	return n;
}

static void
fuzz_value_eq(const gale_value *a, const gale_value *b)
{
	FUZZ_CHECK(a->type == b->type);
	switch (a->type) {
	case GALE_STR:
	case GALE_BYTES:
		FUZZ_CHECK(a->u.s.len == b->u.s.len);
		FUZZ_CHECK(a->u.s.len == 0
		    || memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
		break;
	case GALE_I64:
		FUZZ_CHECK(a->u.i64 == b->u.i64);
		break;
	case GALE_F64:
		FUZZ_CHECK(memcmp(&a->u.f64, &b->u.f64, sizeof(double)) == 0);
		break;
	case GALE_BOOL:
		FUZZ_CHECK(a->u.b == b->u.b);
		break;
	}
}

// Re-adds one item to fuzz_batch.
static void
fuzz_add(const gale_item *it)
{
	gale_err err = GALE_OK;
	switch (it->kind) {
	case GALE_ITEM_TUPLE: {
		size_t n = fuzz_stream_len(it);
		FUZZ_CHECK(n < sizeof fuzz_stream);
		if (n > 0) {
			memcpy(fuzz_stream, it->stream, n);
		}
		fuzz_stream[n] = '\0';
		err = gale_batch_add_tuple(&fuzz_batch, it->src_task,
		    fuzz_stream, it->values, it->nvalues, it->anchors,
		    it->nanchors);
		break;
	}
	case GALE_ITEM_ACK:
		err = gale_batch_add_ack(
		    &fuzz_batch, it->ack_kind, it->root, it->value, it->task);
		break;
	case GALE_ITEM_MARKER:
		err = gale_batch_add_marker(
		    &fuzz_batch, it->marker_kind, it->src_task);
		break;
	case GALE_ITEM_TRACE:
		err = gale_batch_add_trace(&fuzz_batch, it->root, it->edge,
		    it->task, it->time_us, it->children, it->nchildren,
		    it->failed, it->msg_id);
		break;
	}
	FUZZ_CHECK(err == GALE_OK);
}

// Reads item i back from the rewritten batch and compares it with the
// original, which fuzz_reader still holds.
static void
fuzz_item_eq(const gale_item *a, const gale_item *b)
{
	FUZZ_CHECK(a->kind == b->kind);
	switch (a->kind) {
	case GALE_ITEM_TUPLE:
		FUZZ_CHECK(a->src_task == b->src_task);
		FUZZ_CHECK(fuzz_stream_len(a) == b->stream_len);
		FUZZ_CHECK(b->stream_len == 0
		    || memcmp(a->stream, b->stream, b->stream_len) == 0);
		FUZZ_CHECK(a->nvalues == b->nvalues);
		for (size_t k = 0; k < a->nvalues; k++) {
			fuzz_value_eq(&a->values[k], &b->values[k]);
		}
		FUZZ_CHECK(a->nanchors == b->nanchors);
		for (size_t k = 0; k < a->nanchors; k++) {
			FUZZ_CHECK(a->anchors[k].root == b->anchors[k].root);
			FUZZ_CHECK(a->anchors[k].edge == b->anchors[k].edge);
		}
		break;
	case GALE_ITEM_ACK:
		FUZZ_CHECK(a->ack_kind == b->ack_kind);
		FUZZ_CHECK(a->root == b->root && a->value == b->value);
		FUZZ_CHECK(a->task == b->task);
		break;
	case GALE_ITEM_MARKER:
		FUZZ_CHECK(a->marker_kind == b->marker_kind);
		FUZZ_CHECK(a->src_task == b->src_task);
		break;
	case GALE_ITEM_TRACE:
		FUZZ_CHECK(a->root == b->root && a->edge == b->edge);
		FUZZ_CHECK(a->task == b->task && a->time_us == b->time_us);
		FUZZ_CHECK(a->failed == b->failed && a->msg_id == b->msg_id);
		FUZZ_CHECK(a->nchildren == b->nchildren);
		FUZZ_CHECK(a->nchildren == 0
		    || memcmp(a->children, b->children,
		           a->nchildren * sizeof(*a->children))
		        == 0);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t dest;
	if (gale_batch_reader_begin(&fuzz_reader, data, size, &dest)
	    != GALE_OK) {
		return 0;
	}
	gale_batch_init(&fuzz_batch, dest);
	gale_item it;
	gale_err  err;
	size_t    n = 0;
	while (n < FUZZ_MAX_ITEMS
	    && (err = gale_batch_reader_next(&fuzz_reader, &it)) == GALE_OK) {
		fuzz_add(&it);
		n++;
	}

	// The rewritten batch is valid protobuf with the same items.
	Gale__TupleBatch *m
	    = gale__tuple_batch__unpack(NULL, fuzz_batch.len, fuzz_batch.buf);
	FUZZ_CHECK(m != NULL);
	FUZZ_CHECK(m->dest_task == dest);
	FUZZ_CHECK(m->n_tuples == fuzz_batch.ntuples);
	// Trace edges go to the acker and count with its operations.
	FUZZ_CHECK(m->n_acks + m->n_traces == fuzz_batch.nacks);
	FUZZ_CHECK(m->n_markers == fuzz_batch.nmarkers);
	FUZZ_CHECK(m->n_tuples + m->n_acks + m->n_markers + m->n_traces == n);
	gale__tuple_batch__free_unpacked(m, NULL);

	// Reading both again side by side gives the same items. The first
	// reader restarts on the input; its scratch arrays are reused.
	uint32_t dest2;
	FUZZ_CHECK(gale_batch_reader_begin(&fuzz_reader, data, size, &dest)
	    == GALE_OK);
	FUZZ_CHECK(gale_batch_reader_begin(
		       &fuzz_reader2, fuzz_batch.buf, fuzz_batch.len, &dest2)
	    == GALE_OK);
	FUZZ_CHECK(dest2 == dest);
	for (size_t i = 0; i < n; i++) {
		gale_item a, b;
		FUZZ_CHECK(
		    gale_batch_reader_next(&fuzz_reader, &a) == GALE_OK);
		FUZZ_CHECK(
		    gale_batch_reader_next(&fuzz_reader2, &b) == GALE_OK);
		fuzz_item_eq(&a, &b);
	}
	FUZZ_CHECK(gale_batch_reader_next(&fuzz_reader2, &it) == GALE_ECLOSED);
	gale_batch_fini(&fuzz_batch);
	return 0;
}
