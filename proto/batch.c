// SPDX-License-Identifier: MIT
// batch.c - the data-plane codec: tuple batches written and read by hand in
// the exact wire format of gale.TupleBatch.

#include "proto/batch.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "proto/varint.h"

// gale_batch_add_tuple remembers the sizes of this many values.
#define BATCH_KEPT_SIZES 8

#define TAG_BATCH_DEST GALE_WIRE_TAG(1, GALE_WIRE_VARINT)
#define TAG_BATCH_TUPLE GALE_WIRE_TAG(2, GALE_WIRE_LEN)
#define TAG_BATCH_ACK GALE_WIRE_TAG(3, GALE_WIRE_LEN)
#define TAG_BATCH_MARKER GALE_WIRE_TAG(4, GALE_WIRE_LEN)
#define TAG_TUPLE_SRC GALE_WIRE_TAG(1, GALE_WIRE_VARINT)
#define TAG_TUPLE_STREAM GALE_WIRE_TAG(2, GALE_WIRE_LEN)
#define TAG_TUPLE_VALUE GALE_WIRE_TAG(3, GALE_WIRE_LEN)
#define TAG_TUPLE_ANCHOR GALE_WIRE_TAG(4, GALE_WIRE_LEN)
#define TAG_VALUE_STR GALE_WIRE_TAG(1, GALE_WIRE_LEN)
#define TAG_VALUE_I64 GALE_WIRE_TAG(2, GALE_WIRE_VARINT)
#define TAG_VALUE_F64 GALE_WIRE_TAG(3, GALE_WIRE_I64)
#define TAG_VALUE_BYTES GALE_WIRE_TAG(4, GALE_WIRE_LEN)
#define TAG_VALUE_FLAG GALE_WIRE_TAG(5, GALE_WIRE_VARINT)
#define TAG_ANCHOR_ROOT GALE_WIRE_TAG(1, GALE_WIRE_I64)
#define TAG_ANCHOR_EDGE GALE_WIRE_TAG(2, GALE_WIRE_I64)
#define TAG_ACK_KIND GALE_WIRE_TAG(1, GALE_WIRE_VARINT)
#define TAG_ACK_ROOT GALE_WIRE_TAG(2, GALE_WIRE_I64)
#define TAG_ACK_VALUE GALE_WIRE_TAG(3, GALE_WIRE_I64)
#define TAG_ACK_TASK GALE_WIRE_TAG(4, GALE_WIRE_VARINT)
#define TAG_BATCH_TRACE GALE_WIRE_TAG(5, GALE_WIRE_LEN)
#define TAG_TRACE_ROOT GALE_WIRE_TAG(1, GALE_WIRE_I64)
#define TAG_TRACE_EDGE GALE_WIRE_TAG(2, GALE_WIRE_I64)
#define TAG_TRACE_TASK GALE_WIRE_TAG(3, GALE_WIRE_VARINT)
#define TAG_TRACE_TIME GALE_WIRE_TAG(4, GALE_WIRE_VARINT)
#define TAG_TRACE_CHILDREN GALE_WIRE_TAG(5, GALE_WIRE_LEN)
#define TAG_TRACE_FAILED GALE_WIRE_TAG(6, GALE_WIRE_VARINT)
#define TAG_TRACE_MSG GALE_WIRE_TAG(7, GALE_WIRE_VARINT)
#define TAG_MARKER_KIND GALE_WIRE_TAG(1, GALE_WIRE_VARINT)
#define TAG_MARKER_SRC GALE_WIRE_TAG(2, GALE_WIRE_VARINT)
#define TAG_BATCH_TOKEN GALE_WIRE_TAG(6, GALE_WIRE_I64)

// A fresh batch's buffer; it doubles from here when a batch outgrows it.
#define BATCH_MIN_CAP 256

// ---------------------------------------------------------------------
// Batch writer
// ---------------------------------------------------------------------

static void
batch_put_header(gale_batch *b)
{
	uint8_t *p = b->buf;
	*p++       = TAG_BATCH_DEST;
	p          = gale__wire_put_varint(p, b->dest_task);
	b->len     = (size_t) (p - b->buf);
}

// Makes room for need more bytes. The header is written here when init or
// reset had no buffer to write it into; a written batch is never empty.
static gale_err
batch_reserve(gale_batch *b, uint64_t need)
{
	uint64_t head
	    = b->len == 0 ? 1 + gale__wire_varint_size(b->dest_task) : 0;
	uint64_t want = (uint64_t) b->len + head + need;
	if (need > GALE_WIRE_MAX_BATCH || want > GALE_WIRE_MAX_BATCH) {
		return GALE_EINVAL;
	}
	if (want > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : BATCH_MIN_CAP;
		while (cap < want) {
			cap *= 2;
		}
		uint8_t *buf = realloc(b->buf, cap);
		if (buf == NULL) {
			return GALE_ENOMEM;
		}
		b->buf = buf;
		b->cap = cap;
	}
	if (head > 0) {
		batch_put_header(b);
	}
	return GALE_OK;
}

void
gale_batch_init(gale_batch *b, uint32_t dest_task)
{
	assert(b != NULL);
	memset(b, 0, sizeof *b);
	b->dest_task = dest_task;
	// Without memory the header waits for the first add, which can
	// report the failure.
	b->buf = malloc(BATCH_MIN_CAP);
	if (b->buf != NULL) {
		b->cap = BATCH_MIN_CAP;
		batch_put_header(b);
	}
}

void
gale_batch_fini(gale_batch *b)
{
	if (b == NULL) {
		return;
	}
	free(b->buf);
	memset(b, 0, sizeof *b);
}

void
gale_batch_reset(gale_batch *b)
{
	assert(b != NULL);
	b->len      = 0;
	b->ntuples  = 0;
	b->nacks    = 0;
	b->nmarkers = 0;
	if (b->cap >= 1 + gale__wire_varint_size(b->dest_task)) {
		batch_put_header(b);
	}
}

// The size of a Value's body, or 0 for a value of no known type (a valid
// Value is never empty).
static uint64_t
batch_value_size(const gale_value *v)
{
	switch (v->type) {
	case GALE_STR:
	case GALE_BYTES:
		if (v->u.s.len > GALE_WIRE_MAX_BATCH) {
			return 0;
		}
		return 1 + gale__wire_varint_size(v->u.s.len) + v->u.s.len;
	case GALE_I64:
		return 1 + gale__wire_varint_size(gale__wire_zigzag(v->u.i64));
	case GALE_F64:
		return 9;
	case GALE_BOOL:
		return 2;
	}
	return 0;
}

static size_t
batch_anchor_size(const gale_anchor *a)
{
	return (a->root != 0 ? 9 : 0) + (a->edge != 0 ? 9 : 0);
}

static uint8_t *
batch_put_value(uint8_t *p, const gale_value *v)
{
	uint64_t bits;
	switch (v->type) {
	case GALE_STR:
		*p++ = TAG_VALUE_STR;
		return gale__wire_put_bytes(p, v->u.s.ptr, v->u.s.len);
	case GALE_BYTES:
		*p++ = TAG_VALUE_BYTES;
		return gale__wire_put_bytes(p, v->u.s.ptr, v->u.s.len);
	case GALE_I64:
		*p++ = TAG_VALUE_I64;
		return gale__wire_put_varint(p, gale__wire_zigzag(v->u.i64));
	case GALE_F64:
		*p++ = TAG_VALUE_F64;
		memcpy(&bits, &v->u.f64, sizeof bits);
		return gale__wire_put_fixed64(p, bits);
	case GALE_BOOL:
		*p++ = TAG_VALUE_FLAG;
		*p++ = v->u.b ? 1 : 0;
		return p;
	}
	assert(!"value type checked by batch_value_size");
	return p;
}

gale_err
gale_batch_add_tuple(gale_batch *b, uint32_t src_task, const char *stream,
    const gale_value *values, size_t nvalues, const gale_anchor *anchors,
    size_t nanchors)
{
	assert(b != NULL);
	assert(nvalues == 0 || values != NULL);
	assert(nanchors == 0 || anchors != NULL);
	if (nvalues > GALE_WIRE_MAX_VALUES
	    || nanchors > GALE_WIRE_MAX_VALUES) {
		return GALE_EINVAL;
	}
	size_t slen = 0;
	if (stream != NULL && strcmp(stream, "default") != 0) {
		slen = strlen(stream);
		if (slen > GALE_WIRE_MAX_BATCH) {
			return GALE_EINVAL;
		}
	}

	// Sizes first, so that the buffer grows at most once and the batch is
	// untouched when the tuple is refused. The sums cannot overflow: at
	// most 2^21 parts of at most 2^31 bytes each.
	uint64_t body = 0;
	if (src_task != 0) {
		body += 1 + gale__wire_varint_size(src_task);
	}
	if (slen > 0) {
		body += 1 + gale__wire_varint_size(slen) + slen;
	}
	// The sizes of the first values are kept for the writing below.
	uint64_t sizes[BATCH_KEPT_SIZES];
	for (size_t i = 0; i < nvalues; i++) {
		uint64_t vs = batch_value_size(&values[i]);
		if (vs == 0) {
			return GALE_EINVAL;
		}
		if (i < BATCH_KEPT_SIZES) {
			sizes[i] = vs;
		}
		body += 1 + gale__wire_varint_size(vs) + vs;
	}
	for (size_t i = 0; i < nanchors; i++) {
		body += 2 + batch_anchor_size(&anchors[i]);
	}
	if (body > GALE_WIRE_MAX_BATCH) {
		return GALE_EINVAL;
	}
	gale_err err
	    = batch_reserve(b, 1 + gale__wire_varint_size(body) + body);
	if (err != GALE_OK) {
		return err;
	}

	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_TUPLE;
	p          = gale__wire_put_varint(p, body);
	if (src_task != 0) {
		*p++ = TAG_TUPLE_SRC;
		p    = gale__wire_put_varint(p, src_task);
	}
	if (slen > 0) {
		*p++ = TAG_TUPLE_STREAM;
		p    = gale__wire_put_bytes(p, stream, slen);
	}
	for (size_t i = 0; i < nvalues; i++) {
		uint64_t vs = i < BATCH_KEPT_SIZES
		    ? sizes[i]
		    : batch_value_size(&values[i]);
		*p++ = TAG_TUPLE_VALUE;
		p    = gale__wire_put_varint(p, vs);
		p    = batch_put_value(p, &values[i]);
	}
	for (size_t i = 0; i < nanchors; i++) {
		*p++ = TAG_TUPLE_ANCHOR;
		*p++ = (uint8_t) batch_anchor_size(&anchors[i]);
		if (anchors[i].root != 0) {
			*p++ = TAG_ANCHOR_ROOT;
			p    = gale__wire_put_fixed64(p, anchors[i].root);
		}
		if (anchors[i].edge != 0) {
			*p++ = TAG_ANCHOR_EDGE;
			p    = gale__wire_put_fixed64(p, anchors[i].edge);
		}
	}
	b->len = (size_t) (p - b->buf);
	b->ntuples++;
	return GALE_OK;
}

gale_err
gale_batch_add_ack(gale_batch *b, gale_ack_kind kind, uint64_t root,
    uint64_t value, uint32_t task)
{
	assert(b != NULL);
	if ((unsigned) kind > GALE_ACK_FAILED) {
		return GALE_EINVAL;
	}
	// At most 2 + 9 + 9 + 6 bytes: the length is one byte.
	size_t body = (kind != 0 ? 2 : 0) + (root != 0 ? 9 : 0)
	    + (value != 0 ? 9 : 0)
	    + (task != 0 ? 1 + gale__wire_varint_size(task) : 0);
	gale_err err = batch_reserve(b, 2 + body);
	if (err != GALE_OK) {
		return err;
	}
	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_ACK;
	*p++       = (uint8_t) body;
	if (kind != 0) {
		*p++ = TAG_ACK_KIND;
		*p++ = (uint8_t) kind;
	}
	if (root != 0) {
		*p++ = TAG_ACK_ROOT;
		p    = gale__wire_put_fixed64(p, root);
	}
	if (value != 0) {
		*p++ = TAG_ACK_VALUE;
		p    = gale__wire_put_fixed64(p, value);
	}
	if (task != 0) {
		*p++ = TAG_ACK_TASK;
		p    = gale__wire_put_varint(p, task);
	}
	b->len = (size_t) (p - b->buf);
	b->nacks++;
	return GALE_OK;
}

gale_err
gale_batch_add_trace(gale_batch *b, uint64_t root, uint64_t edge,
    uint32_t task, uint64_t time_us, const uint64_t *children,
    size_t nchildren, bool failed, uint64_t msg_id)
{
	assert(b != NULL);
	size_t packed = nchildren * 8;
	size_t body   = (root != 0 ? 9 : 0) + (edge != 0 ? 9 : 0)
	    + (task != 0 ? 1 + gale__wire_varint_size(task) : 0)
	    + (time_us != 0 ? 1 + gale__wire_varint_size(time_us) : 0)
	    + (nchildren != 0 ? 1 + gale__wire_varint_size(packed) + packed
			      : 0)
	    + (failed ? 2 : 0)
	    + (msg_id != 0 ? 1 + gale__wire_varint_size(msg_id) : 0);
	gale_err err
	    = batch_reserve(b, 1 + gale__wire_varint_size(body) + body);
	if (err != GALE_OK) {
		return err;
	}
	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_TRACE;
	p          = gale__wire_put_varint(p, body);
	if (root != 0) {
		*p++ = TAG_TRACE_ROOT;
		p    = gale__wire_put_fixed64(p, root);
	}
	if (edge != 0) {
		*p++ = TAG_TRACE_EDGE;
		p    = gale__wire_put_fixed64(p, edge);
	}
	if (task != 0) {
		*p++ = TAG_TRACE_TASK;
		p    = gale__wire_put_varint(p, task);
	}
	if (time_us != 0) {
		*p++ = TAG_TRACE_TIME;
		p    = gale__wire_put_varint(p, time_us);
	}
	if (nchildren != 0) {
		*p++ = TAG_TRACE_CHILDREN;
		p    = gale__wire_put_varint(p, packed);
		for (size_t i = 0; i < nchildren; i++) {
			p = gale__wire_put_fixed64(p, children[i]);
		}
	}
	if (failed) {
		*p++ = TAG_TRACE_FAILED;
		*p++ = 1;
	}
	if (msg_id != 0) {
		*p++ = TAG_TRACE_MSG;
		p    = gale__wire_put_varint(p, msg_id);
	}
	b->len = (size_t) (p - b->buf);
	b->nacks++;
	return GALE_OK;
}

gale_err
gale_batch_add_marker(gale_batch *b, gale_marker_kind kind, uint32_t src_task)
{
	assert(b != NULL);
	if ((unsigned) kind > GALE_MARK_END_OF_STREAM) {
		return GALE_EINVAL;
	}
	size_t body = src_task != 0 ? 1 + gale__wire_varint_size(src_task) : 0;
	gale_err err = batch_reserve(b, 2 + body);
	if (err != GALE_OK) {
		return err;
	}
	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_MARKER;
	*p++       = (uint8_t) body;
	if (src_task != 0) {
		*p++ = TAG_MARKER_SRC;
		p    = gale__wire_put_varint(p, src_task);
	}
	b->len = (size_t) (p - b->buf);
	b->nmarkers++;
	return GALE_OK;
}

gale_err
gale_batch_add_token(gale_batch *b, uint64_t token)
{
	assert(b != NULL);
	if (token == 0) {
		return GALE_OK;
	}
	gale_err err = batch_reserve(b, 9);
	if (err != GALE_OK) {
		return err;
	}
	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_TOKEN;
	for (int i = 0; i < 8; i++) {
		*p++ = (uint8_t) (token >> (8 * i));
	}
	b->len = (size_t) (p - b->buf);
	return GALE_OK;
}

// ---------------------------------------------------------------------
// Batch reader
// ---------------------------------------------------------------------

void
gale_batch_reader_init(gale_batch_reader *r)
{
	assert(r != NULL);
	memset(r, 0, sizeof *r);
}

void
gale_batch_reader_fini(gale_batch_reader *r)
{
	if (r == NULL) {
		return;
	}
	free(r->values);
	free(r->anchors);
	free(r->children);
	memset(r, 0, sizeof *r);
}

gale_err
gale_batch_reader_begin(
    gale_batch_reader *r, const void *buf, size_t len, uint32_t *dest_task)
{
	assert(r != NULL);
	assert(buf != NULL || len == 0);
	r->p     = NULL;
	r->end   = NULL;
	r->token = 0;
	if (len == 0) {
		// An empty message is a valid batch for task 0 with nothing in
		// it.
		*dest_task = 0;
		return GALE_OK;
	}
	const uint8_t *start = buf;
	const uint8_t *end   = start + len;
	const uint8_t *p     = start;
	uint32_t       dest  = 0;
	uint64_t       token = 0;
	while (p != end) {
		uint32_t field;
		unsigned type;
		uint64_t v;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		if (field == 1) {
			if (type != GALE_WIRE_VARINT
			    || !gale__wire_get_varint(&p, end, &v)) {
				return GALE_EPROTO;
			}
			dest = (uint32_t) v;
		} else if (field == 6) {
			if (type != GALE_WIRE_I64 || end - p < 8) {
				return GALE_EPROTO;
			}
			uint64_t t = 0;
			for (int i = 7; i >= 0; i--) {
				t = (t << 8) | p[i];
			}
			p += 8;
			token = t;
		} else if (field <= 5 && type == GALE_WIRE_LEN) {
			// The items: stepped over inline, as they are nearly
			// all of the batch.
			const uint8_t *s;
			size_t         n;
			if (!gale__wire_get_len(&p, end, &s, &n)) {
				return GALE_EPROTO;
			}
		} else if (field <= 4) {
			return GALE_EPROTO;
		} else if (!gale__wire_skip(&p, end, type)) {
			return GALE_EPROTO;
		}
	}
	r->p       = start;
	r->end     = end;
	r->token   = token;
	*dest_task = dest;
	return GALE_OK;
}

static gale_err
reader_value(const uint8_t *p, const uint8_t *end, gale_value *v)
{
	bool set = false;
	while (p != end) {
		uint32_t       field;
		unsigned       type;
		uint64_t       u;
		const uint8_t *s;
		size_t         len;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
		case 4:
			if (type != GALE_WIRE_LEN
			    || !gale__wire_get_len(&p, end, &s, &len)) {
				return GALE_EPROTO;
			}
			v->type    = field == 1 ? GALE_STR : GALE_BYTES;
			v->u.s.ptr = (const char *) s;
			v->u.s.len = len;
			break;
		case 2:
		case 5:
			if (type != GALE_WIRE_VARINT
			    || !gale__wire_get_varint(&p, end, &u)) {
				return GALE_EPROTO;
			}
			if (field == 2) {
				v->type  = GALE_I64;
				v->u.i64 = gale__wire_unzigzag(u);
			} else {
				v->type = GALE_BOOL;
				v->u.b  = u != 0;
			}
			break;
		case 3:
			if (type != GALE_WIRE_I64
			    || !gale__wire_get_fixed64(&p, end, &u)) {
				return GALE_EPROTO;
			}
			v->type = GALE_F64;
			memcpy(&v->u.f64, &u, sizeof u);
			break;
		default:
			if (!gale__wire_skip(&p, end, type)) {
				return GALE_EPROTO;
			}
			continue;
		}
		set = true;
	}
	// A Value is a oneof: one with no kind has nothing to stand for.
	return set ? GALE_OK : GALE_EPROTO;
}

static gale_err
reader_anchor(const uint8_t *p, const uint8_t *end, gale_anchor *a)
{
	a->root = 0;
	a->edge = 0;
	while (p != end) {
		uint32_t field;
		unsigned type;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		if (field == 1 || field == 2) {
			uint64_t *dst = field == 1 ? &a->root : &a->edge;
			if (type != GALE_WIRE_I64
			    || !gale__wire_get_fixed64(&p, end, dst)) {
				return GALE_EPROTO;
			}
		} else if (!gale__wire_skip(&p, end, type)) {
			return GALE_EPROTO;
		}
	}
	return GALE_OK;
}

// The next capacity of a scratch array that must hold n + 1 elements.
static size_t
reader_next_cap(size_t cap)
{
	size_t ncap = cap > 0 ? cap * 2 : 16;
	return ncap < GALE_WIRE_MAX_VALUES ? ncap : GALE_WIRE_MAX_VALUES;
}

static gale_err
reader_grow_values(gale_batch_reader *r, size_t n)
{
	if (n < r->values_cap) {
		return GALE_OK;
	}
	size_t      cap = reader_next_cap(r->values_cap);
	gale_value *a   = realloc(r->values, cap * sizeof *a);
	if (a == NULL) {
		return GALE_ENOMEM;
	}
	r->values     = a;
	r->values_cap = cap;
	return GALE_OK;
}

static gale_err
reader_grow_anchors(gale_batch_reader *r, size_t n)
{
	if (n < r->anchors_cap) {
		return GALE_OK;
	}
	size_t       cap = reader_next_cap(r->anchors_cap);
	gale_anchor *a   = realloc(r->anchors, cap * sizeof *a);
	if (a == NULL) {
		return GALE_ENOMEM;
	}
	r->anchors     = a;
	r->anchors_cap = cap;
	return GALE_OK;
}

static gale_err
reader_tuple(
    gale_batch_reader *r, const uint8_t *p, const uint8_t *end, gale_item *it)
{
	size_t nv      = 0;
	size_t na      = 0;
	it->src_task   = 0;
	it->stream     = NULL;
	it->stream_len = 0;
	while (p != end) {
		uint32_t       field;
		unsigned       type;
		uint64_t       u;
		const uint8_t *s;
		size_t         len;
		gale_err       err;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			if (type != GALE_WIRE_VARINT
			    || !gale__wire_get_varint(&p, end, &u)) {
				return GALE_EPROTO;
			}
			it->src_task = (uint32_t) u;
			break;
		case 2:
			if (type != GALE_WIRE_LEN
			    || !gale__wire_get_len(&p, end, &s, &len)) {
				return GALE_EPROTO;
			}
			it->stream     = (const char *) s;
			it->stream_len = len;
			break;
		case 3:
			if (type != GALE_WIRE_LEN
			    || !gale__wire_get_len(&p, end, &s, &len)
			    || nv == GALE_WIRE_MAX_VALUES) {
				return GALE_EPROTO;
			}
			err = reader_grow_values(r, nv);
			if (err == GALE_OK && len >= 2 && s[0] == TAG_VALUE_STR
			    && s[1] < 0x80 && (size_t) s[1] + 2 == len) {
				// A short string, the form nearly every value
				// takes: what reader_value would make of it.
				gale_value *v = &r->values[nv++];
				v->type       = GALE_STR;
				v->u.s.ptr    = (const char *) s + 2;
				v->u.s.len    = s[1];
			} else if (err == GALE_OK) {
				err = reader_value(
				    s, s + len, &r->values[nv++]);
			}
			if (err != GALE_OK) {
				return err;
			}
			break;
		case 4:
			if (type != GALE_WIRE_LEN
			    || !gale__wire_get_len(&p, end, &s, &len)
			    || na == GALE_WIRE_MAX_VALUES) {
				return GALE_EPROTO;
			}
			err = reader_grow_anchors(r, na);
			if (err == GALE_OK && len == 18
			    && s[0] == TAG_ANCHOR_ROOT
			    && s[9] == TAG_ANCHOR_EDGE) {
				// Root and edge, as this writer puts them.
				gale_anchor   *a = &r->anchors[na++];
				const uint8_t *q = s + 1;
				gale__wire_get_fixed64(&q, s + 9, &a->root);
				q = s + 10;
				gale__wire_get_fixed64(&q, s + 18, &a->edge);
			} else if (err == GALE_OK) {
				err = reader_anchor(
				    s, s + len, &r->anchors[na++]);
			}
			if (err != GALE_OK) {
				return err;
			}
			break;
		default:
			if (!gale__wire_skip(&p, end, type)) {
				return GALE_EPROTO;
			}
			break;
		}
	}
	it->kind     = GALE_ITEM_TUPLE;
	it->values   = nv > 0 ? r->values : NULL;
	it->nvalues  = nv;
	it->anchors  = na > 0 ? r->anchors : NULL;
	it->nanchors = na;
	return GALE_OK;
}

static gale_err
reader_ack(const uint8_t *p, const uint8_t *end, gale_item *it)
{
	uint64_t kind = 0;
	it->root      = 0;
	it->value     = 0;
	it->task      = 0;
	while (p != end) {
		uint32_t field;
		unsigned type;
		uint64_t u = 0;
		bool     ok;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &kind);
			break;
		case 2:
			ok = type == GALE_WIRE_I64
			    && gale__wire_get_fixed64(&p, end, &it->root);
			break;
		case 3:
			ok = type == GALE_WIRE_I64
			    && gale__wire_get_fixed64(&p, end, &it->value);
			break;
		case 4:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &u);
			it->task = (uint32_t) u;
			break;
		default:
			ok = gale__wire_skip(&p, end, type);
			break;
		}
		if (!ok) {
			return GALE_EPROTO;
		}
	}
	if (kind > GALE_ACK_FAILED) {
		return GALE_EPROTO;
	}
	it->kind     = GALE_ITEM_ACK;
	it->ack_kind = (gale_ack_kind) kind;
	return GALE_OK;
}

static gale_err
reader_trace(
    gale_batch_reader *r, const uint8_t *p, const uint8_t *end, gale_item *it)
{
	size_t nchildren = 0;
	while (p != end) {
		uint32_t       field;
		unsigned       type;
		uint64_t       u = 0;
		const uint8_t *s;
		size_t         len;
		bool           ok;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			ok = type == GALE_WIRE_I64
			    && gale__wire_get_fixed64(&p, end, &it->root);
			break;
		case 2:
			ok = type == GALE_WIRE_I64
			    && gale__wire_get_fixed64(&p, end, &it->edge);
			break;
		case 3:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &u);
			it->task = (uint32_t) u;
			break;
		case 4:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &it->time_us);
			break;
		case 5:
			// Packed fixed64s, the form this writer uses.
			ok = type == GALE_WIRE_LEN
			    && gale__wire_get_len(&p, end, &s, &len)
			    && len % 8 == 0 && len / 8 <= GALE_WIRE_MAX_VALUES;
			if (ok && nchildren + len / 8 > GALE_WIRE_MAX_VALUES) {
				return GALE_EPROTO;
			}
			if (ok && nchildren + len / 8 > r->children_cap) {
				size_t cap = reader_next_cap(r->children_cap);
				if (cap < nchildren + len / 8) {
					cap = nchildren + len / 8;
				}
				uint64_t *c
				    = realloc(r->children, cap * sizeof(*c));
				if (c == NULL) {
					return GALE_ENOMEM;
				}
				r->children     = c;
				r->children_cap = cap;
			}
			for (size_t i = 0; ok && i < len / 8; i++) {
				const uint8_t *q = s + 8 * i;
				ok               = gale__wire_get_fixed64(
						  &q, s + len, &r->children[nchildren++]);
			}
			break;
		case 6:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &u);
			it->failed = u != 0;
			break;
		case 7:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &it->msg_id);
			break;
		default:
			ok = gale__wire_skip(&p, end, type);
			break;
		}
		if (!ok) {
			return GALE_EPROTO;
		}
	}
	it->kind      = GALE_ITEM_TRACE;
	it->children  = nchildren > 0 ? r->children : NULL;
	it->nchildren = nchildren;
	return GALE_OK;
}

static gale_err
reader_marker(const uint8_t *p, const uint8_t *end, gale_item *it)
{
	uint64_t kind = 0;
	while (p != end) {
		uint32_t field;
		unsigned type;
		uint64_t u = 0;
		bool     ok;
		if (!gale__wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &kind);
			break;
		case 2:
			ok = type == GALE_WIRE_VARINT
			    && gale__wire_get_varint(&p, end, &u);
			it->src_task = (uint32_t) u;
			break;
		default:
			ok = gale__wire_skip(&p, end, type);
			break;
		}
		if (!ok) {
			return GALE_EPROTO;
		}
	}
	if (kind > GALE_MARK_END_OF_STREAM) {
		return GALE_EPROTO;
	}
	it->kind        = GALE_ITEM_MARKER;
	it->marker_kind = (gale_marker_kind) kind;
	return GALE_OK;
}

gale_err
gale_batch_reader_next(gale_batch_reader *r, gale_item *item)
{
	assert(r != NULL && item != NULL);
	while (r->p != r->end) {
		uint32_t       field;
		unsigned       type;
		const uint8_t *s;
		size_t         len;
		gale_err       err;
		if (!gale__wire_get_tag(&r->p, r->end, &field, &type)) {
			goto bad;
		}
		if (field < 2 || field > 5) {
			if ((field == 1 && type != GALE_WIRE_VARINT)
			    || !gale__wire_skip(&r->p, r->end, type)) {
				goto bad;
			}
			continue;
		}
		if (type != GALE_WIRE_LEN
		    || !gale__wire_get_len(&r->p, r->end, &s, &len)) {
			goto bad;
		}
		// The reader is already past the item, so an item that cannot
		// be read for want of memory is skipped. Tuples and acker
		// operations set their own fields alone: zeroing all of the
		// item (136 bytes) was a rep stos per item.
		if (field == 2) {
			err = reader_tuple(r, s, s + len, item);
		} else if (field == 3) {
			err = reader_ack(s, s + len, item);
		} else {
			memset(item, 0, sizeof *item);
			if (field == 5) {
				err = reader_trace(r, s, s + len, item);
			} else {
				err = reader_marker(s, s + len, item);
			}
		}
		if (err == GALE_EPROTO) {
			goto bad;
		}
		return err;
	}
	return GALE_ECLOSED;

bad:
	r->p = r->end;
	return GALE_EPROTO;
}
