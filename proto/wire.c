// SPDX-License-Identifier: MIT
// wire.c - the wire codec: tuple batches by hand, the control plane through
// protobuf-c.

#include "proto/wire.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "proto/gale.pb-c.h"

// ---------------------------------------------------------------------
// Protobuf wire format primitives
// ---------------------------------------------------------------------

enum {
	WIRE_VARINT = 0,
	WIRE_I64    = 1,
	WIRE_LEN    = 2,
	WIRE_I32    = 5,
};

// Every field gale writes by hand has a number below 16, so its tag is one
// byte.
#define WIRE_TAG(field, type) ((uint8_t) (((field) << 3) | (type)))

#define TAG_BATCH_DEST WIRE_TAG(1, WIRE_VARINT)
#define TAG_BATCH_TUPLE WIRE_TAG(2, WIRE_LEN)
#define TAG_BATCH_ACK WIRE_TAG(3, WIRE_LEN)
#define TAG_BATCH_MARKER WIRE_TAG(4, WIRE_LEN)
#define TAG_TUPLE_SRC WIRE_TAG(1, WIRE_VARINT)
#define TAG_TUPLE_STREAM WIRE_TAG(2, WIRE_LEN)
#define TAG_TUPLE_VALUE WIRE_TAG(3, WIRE_LEN)
#define TAG_TUPLE_ANCHOR WIRE_TAG(4, WIRE_LEN)
#define TAG_VALUE_STR WIRE_TAG(1, WIRE_LEN)
#define TAG_VALUE_I64 WIRE_TAG(2, WIRE_VARINT)
#define TAG_VALUE_F64 WIRE_TAG(3, WIRE_I64)
#define TAG_VALUE_BYTES WIRE_TAG(4, WIRE_LEN)
#define TAG_VALUE_FLAG WIRE_TAG(5, WIRE_VARINT)
#define TAG_ANCHOR_ROOT WIRE_TAG(1, WIRE_I64)
#define TAG_ANCHOR_EDGE WIRE_TAG(2, WIRE_I64)
#define TAG_ACK_KIND WIRE_TAG(1, WIRE_VARINT)
#define TAG_ACK_ROOT WIRE_TAG(2, WIRE_I64)
#define TAG_ACK_VALUE WIRE_TAG(3, WIRE_I64)
#define TAG_ACK_TASK WIRE_TAG(4, WIRE_VARINT)
#define TAG_BATCH_TRACE WIRE_TAG(5, WIRE_LEN)
#define TAG_TRACE_ROOT WIRE_TAG(1, WIRE_I64)
#define TAG_TRACE_EDGE WIRE_TAG(2, WIRE_I64)
#define TAG_TRACE_TASK WIRE_TAG(3, WIRE_VARINT)
#define TAG_TRACE_TIME WIRE_TAG(4, WIRE_VARINT)
#define TAG_TRACE_CHILDREN WIRE_TAG(5, WIRE_LEN)
#define TAG_TRACE_FAILED WIRE_TAG(6, WIRE_VARINT)
#define TAG_TRACE_MSG WIRE_TAG(7, WIRE_VARINT)
#define TAG_MARKER_KIND WIRE_TAG(1, WIRE_VARINT)
#define TAG_MARKER_SRC WIRE_TAG(2, WIRE_VARINT)

// The largest field number protobuf allows.
#define WIRE_MAX_FIELD ((1u << 29) - 1)

// A fresh batch's buffer; it doubles from here when a batch outgrows it.
#define BATCH_MIN_CAP 256

static size_t
wire_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static uint8_t *
wire_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t) v;
	return p;
}

static uint8_t *
wire_put_fixed64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t) (v >> (8 * i));
	}
	return p + 8;
}

static uint8_t *
wire_put_bytes(uint8_t *p, const void *data, size_t len)
{
	p = wire_put_varint(p, len);
	if (len > 0) {
		memcpy(p, data, len);
	}
	return p + len;
}

// Zigzag as sint64 does it, written without shifting negative numbers.
static uint64_t
wire_zigzag(int64_t v)
{
	uint64_t u = (uint64_t) v;
	return (u << 1) ^ (0 - (u >> 63));
}

static int64_t
wire_unzigzag(uint64_t u)
{
	uint64_t x = (u >> 1) ^ (0 - (u & 1));
	int64_t  v;
	memcpy(&v, &x, sizeof v);
	return v;
}

// Reads a varint of at most ten bytes, none of them past end.
static bool
wire_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t       v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p == end) {
			return false;
		}
		uint8_t c = *p++;
		v |= (uint64_t) (c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			*pp  = p;
			*out = v;
			return true;
		}
	}
	return false;
}

static bool
wire_get_fixed64(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	if (end - p < 8) {
		return false;
	}
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) {
		v |= (uint64_t) p[i] << (8 * i);
	}
	*pp  = p + 8;
	*out = v;
	return true;
}

// Reads a length prefix and hands back the bytes it covers.
static bool
wire_get_len(
    const uint8_t **pp, const uint8_t *end, const uint8_t **start, size_t *len)
{
	uint64_t n;
	if (!wire_get_varint(pp, end, &n) || n > (uint64_t) (end - *pp)) {
		return false;
	}
	*start = *pp;
	*len   = (size_t) n;
	*pp += n;
	return true;
}

static bool
wire_get_tag(
    const uint8_t **pp, const uint8_t *end, uint32_t *field, unsigned *type)
{
	uint64_t v;
	if (!wire_get_varint(pp, end, &v) || v > UINT32_MAX) {
		return false;
	}
	*field = (uint32_t) (v >> 3);
	*type  = (unsigned) (v & 7);
	return *field != 0 && *field <= WIRE_MAX_FIELD;
}

// Skips a field this version does not know. Groups (wire types 3 and 4)
// are not part of proto3 and count as malformed.
static bool
wire_skip(const uint8_t **pp, const uint8_t *end, unsigned type)
{
	uint64_t       v;
	const uint8_t *start;
	size_t         len;
	switch (type) {
	case WIRE_VARINT:
		return wire_get_varint(pp, end, &v);
	case WIRE_I64:
		return wire_get_fixed64(pp, end, &v);
	case WIRE_LEN:
		return wire_get_len(pp, end, &start, &len);
	case WIRE_I32:
		if (end - *pp < 4) {
			return false;
		}
		*pp += 4;
		return true;
	default:
		return false;
	}
}

// ---------------------------------------------------------------------
// Batch writer
// ---------------------------------------------------------------------

static void
batch_put_header(gale_batch *b)
{
	uint8_t *p = b->buf;
	*p++       = TAG_BATCH_DEST;
	p          = wire_put_varint(p, b->dest_task);
	b->len     = (size_t) (p - b->buf);
}

// Makes room for need more bytes. The header is written here when init or
// reset had no buffer to write it into; a written batch is never empty.
static gale_err
batch_reserve(gale_batch *b, uint64_t need)
{
	uint64_t head = b->len == 0 ? 1 + wire_varint_size(b->dest_task) : 0;
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
	if (b->cap >= 1 + wire_varint_size(b->dest_task)) {
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
		return 1 + wire_varint_size(v->u.s.len) + v->u.s.len;
	case GALE_I64:
		return 1 + wire_varint_size(wire_zigzag(v->u.i64));
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
		return wire_put_bytes(p, v->u.s.ptr, v->u.s.len);
	case GALE_BYTES:
		*p++ = TAG_VALUE_BYTES;
		return wire_put_bytes(p, v->u.s.ptr, v->u.s.len);
	case GALE_I64:
		*p++ = TAG_VALUE_I64;
		return wire_put_varint(p, wire_zigzag(v->u.i64));
	case GALE_F64:
		*p++ = TAG_VALUE_F64;
		memcpy(&bits, &v->u.f64, sizeof bits);
		return wire_put_fixed64(p, bits);
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
		body += 1 + wire_varint_size(src_task);
	}
	if (slen > 0) {
		body += 1 + wire_varint_size(slen) + slen;
	}
	for (size_t i = 0; i < nvalues; i++) {
		uint64_t vs = batch_value_size(&values[i]);
		if (vs == 0) {
			return GALE_EINVAL;
		}
		body += 1 + wire_varint_size(vs) + vs;
	}
	for (size_t i = 0; i < nanchors; i++) {
		body += 2 + batch_anchor_size(&anchors[i]);
	}
	if (body > GALE_WIRE_MAX_BATCH) {
		return GALE_EINVAL;
	}
	gale_err err = batch_reserve(b, 1 + wire_varint_size(body) + body);
	if (err != GALE_OK) {
		return err;
	}

	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_TUPLE;
	p          = wire_put_varint(p, body);
	if (src_task != 0) {
		*p++ = TAG_TUPLE_SRC;
		p    = wire_put_varint(p, src_task);
	}
	if (slen > 0) {
		*p++ = TAG_TUPLE_STREAM;
		p    = wire_put_bytes(p, stream, slen);
	}
	for (size_t i = 0; i < nvalues; i++) {
		*p++ = TAG_TUPLE_VALUE;
		p    = wire_put_varint(p, batch_value_size(&values[i]));
		p    = batch_put_value(p, &values[i]);
	}
	for (size_t i = 0; i < nanchors; i++) {
		*p++ = TAG_TUPLE_ANCHOR;
		*p++ = (uint8_t) batch_anchor_size(&anchors[i]);
		if (anchors[i].root != 0) {
			*p++ = TAG_ANCHOR_ROOT;
			p    = wire_put_fixed64(p, anchors[i].root);
		}
		if (anchors[i].edge != 0) {
			*p++ = TAG_ANCHOR_EDGE;
			p    = wire_put_fixed64(p, anchors[i].edge);
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
	    + (task != 0 ? 1 + wire_varint_size(task) : 0);
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
		p    = wire_put_fixed64(p, root);
	}
	if (value != 0) {
		*p++ = TAG_ACK_VALUE;
		p    = wire_put_fixed64(p, value);
	}
	if (task != 0) {
		*p++ = TAG_ACK_TASK;
		p    = wire_put_varint(p, task);
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
	    + (task != 0 ? 1 + wire_varint_size(task) : 0)
	    + (time_us != 0 ? 1 + wire_varint_size(time_us) : 0)
	    + (nchildren != 0 ? 1 + wire_varint_size(packed) + packed : 0)
	    + (failed ? 2 : 0)
	    + (msg_id != 0 ? 1 + wire_varint_size(msg_id) : 0);
	gale_err err = batch_reserve(b, 1 + wire_varint_size(body) + body);
	if (err != GALE_OK) {
		return err;
	}
	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_TRACE;
	p          = wire_put_varint(p, body);
	if (root != 0) {
		*p++ = TAG_TRACE_ROOT;
		p    = wire_put_fixed64(p, root);
	}
	if (edge != 0) {
		*p++ = TAG_TRACE_EDGE;
		p    = wire_put_fixed64(p, edge);
	}
	if (task != 0) {
		*p++ = TAG_TRACE_TASK;
		p    = wire_put_varint(p, task);
	}
	if (time_us != 0) {
		*p++ = TAG_TRACE_TIME;
		p    = wire_put_varint(p, time_us);
	}
	if (nchildren != 0) {
		*p++ = TAG_TRACE_CHILDREN;
		p    = wire_put_varint(p, packed);
		for (size_t i = 0; i < nchildren; i++) {
			p = wire_put_fixed64(p, children[i]);
		}
	}
	if (failed) {
		*p++ = TAG_TRACE_FAILED;
		*p++ = 1;
	}
	if (msg_id != 0) {
		*p++ = TAG_TRACE_MSG;
		p    = wire_put_varint(p, msg_id);
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
	size_t   body = src_task != 0 ? 1 + wire_varint_size(src_task) : 0;
	gale_err err  = batch_reserve(b, 2 + body);
	if (err != GALE_OK) {
		return err;
	}
	uint8_t *p = b->buf + b->len;
	*p++       = TAG_BATCH_MARKER;
	*p++       = (uint8_t) body;
	if (src_task != 0) {
		*p++ = TAG_MARKER_SRC;
		p    = wire_put_varint(p, src_task);
	}
	b->len = (size_t) (p - b->buf);
	b->nmarkers++;
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
	r->p   = NULL;
	r->end = NULL;
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
	while (p != end) {
		uint32_t field;
		unsigned type;
		uint64_t v;
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		if (field == 1) {
			if (type != WIRE_VARINT
			    || !wire_get_varint(&p, end, &v)) {
				return GALE_EPROTO;
			}
			dest = (uint32_t) v;
		} else if (field <= 4 && type != WIRE_LEN) {
			return GALE_EPROTO;
		} else if (!wire_skip(&p, end, type)) {
			return GALE_EPROTO;
		}
	}
	r->p       = start;
	r->end     = end;
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
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
		case 4:
			if (type != WIRE_LEN
			    || !wire_get_len(&p, end, &s, &len)) {
				return GALE_EPROTO;
			}
			v->type    = field == 1 ? GALE_STR : GALE_BYTES;
			v->u.s.ptr = (const char *) s;
			v->u.s.len = len;
			break;
		case 2:
		case 5:
			if (type != WIRE_VARINT
			    || !wire_get_varint(&p, end, &u)) {
				return GALE_EPROTO;
			}
			if (field == 2) {
				v->type  = GALE_I64;
				v->u.i64 = wire_unzigzag(u);
			} else {
				v->type = GALE_BOOL;
				v->u.b  = u != 0;
			}
			break;
		case 3:
			if (type != WIRE_I64
			    || !wire_get_fixed64(&p, end, &u)) {
				return GALE_EPROTO;
			}
			v->type = GALE_F64;
			memcpy(&v->u.f64, &u, sizeof u);
			break;
		default:
			if (!wire_skip(&p, end, type)) {
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
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		if (field == 1 || field == 2) {
			uint64_t *dst = field == 1 ? &a->root : &a->edge;
			if (type != WIRE_I64
			    || !wire_get_fixed64(&p, end, dst)) {
				return GALE_EPROTO;
			}
		} else if (!wire_skip(&p, end, type)) {
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
	size_t nv = 0;
	size_t na = 0;
	while (p != end) {
		uint32_t       field;
		unsigned       type;
		uint64_t       u;
		const uint8_t *s;
		size_t         len;
		gale_err       err;
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			if (type != WIRE_VARINT
			    || !wire_get_varint(&p, end, &u)) {
				return GALE_EPROTO;
			}
			it->src_task = (uint32_t) u;
			break;
		case 2:
			if (type != WIRE_LEN
			    || !wire_get_len(&p, end, &s, &len)) {
				return GALE_EPROTO;
			}
			it->stream     = (const char *) s;
			it->stream_len = len;
			break;
		case 3:
			if (type != WIRE_LEN
			    || !wire_get_len(&p, end, &s, &len)
			    || nv == GALE_WIRE_MAX_VALUES) {
				return GALE_EPROTO;
			}
			err = reader_grow_values(r, nv);
			if (err == GALE_OK) {
				err = reader_value(
				    s, s + len, &r->values[nv++]);
			}
			if (err != GALE_OK) {
				return err;
			}
			break;
		case 4:
			if (type != WIRE_LEN
			    || !wire_get_len(&p, end, &s, &len)
			    || na == GALE_WIRE_MAX_VALUES) {
				return GALE_EPROTO;
			}
			err = reader_grow_anchors(r, na);
			if (err == GALE_OK) {
				err = reader_anchor(
				    s, s + len, &r->anchors[na++]);
			}
			if (err != GALE_OK) {
				return err;
			}
			break;
		default:
			if (!wire_skip(&p, end, type)) {
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
	while (p != end) {
		uint32_t field;
		unsigned type;
		uint64_t u = 0;
		bool     ok;
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &kind);
			break;
		case 2:
			ok = type == WIRE_I64
			    && wire_get_fixed64(&p, end, &it->root);
			break;
		case 3:
			ok = type == WIRE_I64
			    && wire_get_fixed64(&p, end, &it->value);
			break;
		case 4:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &u);
			it->task = (uint32_t) u;
			break;
		default:
			ok = wire_skip(&p, end, type);
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
reader_trace(gale_batch_reader *r, const uint8_t *p, const uint8_t *end,
    gale_item *it)
{
	size_t nchildren = 0;
	while (p != end) {
		uint32_t       field;
		unsigned       type;
		uint64_t       u = 0;
		const uint8_t *s;
		size_t         len;
		bool           ok;
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			ok = type == WIRE_I64
			    && wire_get_fixed64(&p, end, &it->root);
			break;
		case 2:
			ok = type == WIRE_I64
			    && wire_get_fixed64(&p, end, &it->edge);
			break;
		case 3:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &u);
			it->task = (uint32_t) u;
			break;
		case 4:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &it->time_us);
			break;
		case 5:
			// Packed fixed64s, the form this writer uses.
			ok = type == WIRE_LEN && wire_get_len(&p, end, &s, &len)
			    && len % 8 == 0 && len / 8 <= GALE_WIRE_MAX_VALUES;
			if (ok && nchildren + len / 8 > GALE_WIRE_MAX_VALUES) {
				return GALE_EPROTO;
			}
			if (ok && nchildren + len / 8 > r->children_cap) {
				size_t cap = reader_next_cap(r->children_cap);
				if (cap < nchildren + len / 8) {
					cap = nchildren + len / 8;
				}
				uint64_t *c   = realloc(
                                    r->children, cap * sizeof(*c));
				if (c == NULL) {
					return GALE_ENOMEM;
				}
				r->children     = c;
				r->children_cap = cap;
			}
			for (size_t i = 0; ok && i < len / 8; i++) {
				const uint8_t *q = s + 8 * i;
				ok = wire_get_fixed64(&q, s + len,
				    &r->children[nchildren++]);
			}
			break;
		case 6:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &u);
			it->failed = u != 0;
			break;
		case 7:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &it->msg_id);
			break;
		default:
			ok = wire_skip(&p, end, type);
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
		if (!wire_get_tag(&p, end, &field, &type)) {
			return GALE_EPROTO;
		}
		switch (field) {
		case 1:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &kind);
			break;
		case 2:
			ok = type == WIRE_VARINT
			    && wire_get_varint(&p, end, &u);
			it->src_task = (uint32_t) u;
			break;
		default:
			ok = wire_skip(&p, end, type);
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
		if (!wire_get_tag(&r->p, r->end, &field, &type)) {
			goto bad;
		}
		if (field < 2 || field > 5) {
			if ((field == 1 && type != WIRE_VARINT)
			    || !wire_skip(&r->p, r->end, type)) {
				goto bad;
			}
			continue;
		}
		if (type != WIRE_LEN
		    || !wire_get_len(&r->p, r->end, &s, &len)) {
			goto bad;
		}
		// The reader is already past the item, so an item that cannot
		// be read for want of memory is skipped.
		memset(item, 0, sizeof *item);
		if (field == 2) {
			err = reader_tuple(r, s, s + len, item);
		} else if (field == 3) {
			err = reader_ack(s, s + len, item);
		} else if (field == 5) {
			err = reader_trace(r, s, s + len, item);
		} else {
			err = reader_marker(s, s + len, item);
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

// ---------------------------------------------------------------------
// Control plane: helpers
// ---------------------------------------------------------------------

// Encoding builds protobuf-c structs that borrow the plain structs'
// strings and arrays; the few arrays of pointers it needs come from a pool
// freed in one go after packing.
typedef struct wire_pool {
	void **ptrs;
	size_t n;
	size_t cap;
} wire_pool;

static void *
pool_calloc(wire_pool *pl, size_t n, size_t size)
{
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap > 0 ? pl->cap * 2 : 16;
		void **p    = realloc(pl->ptrs, ncap * sizeof *p);
		if (p == NULL) {
			return NULL;
		}
		pl->ptrs = p;
		pl->cap  = ncap;
	}
	void *p = calloc(n > 0 ? n : 1, size);
	if (p != NULL) {
		pl->ptrs[pl->n++] = p;
	}
	return p;
}

static void
pool_fini(wire_pool *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->ptrs[i]);
	}
	free(pl->ptrs);
	memset(pl, 0, sizeof *pl);
}

// protobuf-c wants char * and "" for an absent string; it never writes
// through these pointers when packing.
static char *
pb_str(const char *s)
{
	return (char *) (s != NULL ? s : protobuf_c_empty_string);
}

static gale_err
wire_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	size_t   n = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(n > 0 ? n : 1);
	if (b == NULL) {
		return GALE_ENOMEM;
	}
	size_t written = protobuf_c_message_pack(m, b);
	assert(written == n);
	(void) written;
	*buf = b;
	*len = n;
	return GALE_OK;
}

// A decoded string: never NULL.
static bool
dup_str(char **dst, const char *src)
{
	*dst = strdup(src != NULL ? src : "");
	return *dst != NULL;
}

// A copied string: NULL stays NULL.
static bool
copy_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL) {
		return true;
	}
	*dst = strdup(src);
	return *dst != NULL;
}

// A heap copy of n elements of size bytes, or NULL when there are none;
// *ok is cleared when the copy fails and left alone otherwise.
static void *
dup_array(const void *src, size_t n, size_t size, bool *ok)
{
	if (n == 0 || src == NULL) {
		return NULL;
	}
	void *dst = n <= SIZE_MAX / size ? malloc(n * size) : NULL;
	if (dst == NULL) {
		*ok = false;
		return NULL;
	}
	memcpy(dst, src, n * size);
	return dst;
}

// ---------------------------------------------------------------------
// Control plane: topology specs
// ---------------------------------------------------------------------

void
gale_spec_fini(gale_spec *s)
{
	if (s == NULL) {
		return;
	}
	free(s->name);
	free(s->file_name);
	free(s->yaml);
	for (size_t i = 0; s->overrides != NULL && i < s->noverrides; i++) {
		free(s->overrides[i].key);
		free(s->overrides[i].value);
	}
	free(s->overrides);
	for (size_t i = 0; s->libraries != NULL && i < s->nlibraries; i++) {
		free(s->libraries[i].path);
		free(s->libraries[i].content);
	}
	free(s->libraries);
	memset(s, 0, sizeof *s);
}

gale_err
gale_spec_copy(gale_spec *dst, const gale_spec *src)
{
	assert(dst != NULL && src != NULL);
	memset(dst, 0, sizeof *dst);
	if (!copy_str(&dst->name, src->name)
	    || !copy_str(&dst->file_name, src->file_name)
	    || !copy_str(&dst->yaml, src->yaml)) {
		goto fail;
	}
	if (src->noverrides > 0) {
		dst->overrides
		    = calloc(src->noverrides, sizeof *dst->overrides);
		if (dst->overrides == NULL) {
			goto fail;
		}
		dst->noverrides = src->noverrides;
		for (size_t i = 0; i < src->noverrides; i++) {
			if (!copy_str(
				&dst->overrides[i].key, src->overrides[i].key)
			    || !copy_str(&dst->overrides[i].value,
				src->overrides[i].value)) {
				goto fail;
			}
		}
	}
	if (src->nlibraries > 0) {
		dst->libraries
		    = calloc(src->nlibraries, sizeof *dst->libraries);
		if (dst->libraries == NULL) {
			goto fail;
		}
		dst->nlibraries = src->nlibraries;
		for (size_t i = 0; i < src->nlibraries; i++) {
			const gale_shipped_lib *l = &src->libraries[i];
			gale_shipped_lib       *d = &dst->libraries[i];
			bool ok    = copy_str(&d->path, l->path);
			d->content = dup_array(l->content, l->len, 1, &ok);
			d->len     = d->content != NULL ? l->len : 0;
			if (!ok) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_spec_fini(dst);
	return GALE_ENOMEM;
}

static gale_err
spec_to_pb(wire_pool *pl, const gale_spec *s, Gale__TopologySpec *m)
{
	gale__topology_spec__init(m);
	m->name      = pb_str(s->name);
	m->file_name = pb_str(s->file_name);
	m->yaml      = pb_str(s->yaml);
	if (s->noverrides > 0) {
		size_t           n  = s->noverrides;
		Gale__KeyValue **pp = pool_calloc(pl, n, sizeof *pp);
		Gale__KeyValue  *kv = pool_calloc(pl, n, sizeof *kv);
		if (pp == NULL || kv == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale__key_value__init(&kv[i]);
			kv[i].key   = pb_str(s->overrides[i].key);
			kv[i].value = pb_str(s->overrides[i].value);
			pp[i]       = &kv[i];
		}
		m->overrides   = pp;
		m->n_overrides = n;
	}
	if (s->nlibraries > 0) {
		size_t                 n  = s->nlibraries;
		Gale__ShippedLibrary **pp = pool_calloc(pl, n, sizeof *pp);
		Gale__ShippedLibrary  *sl = pool_calloc(pl, n, sizeof *sl);
		if (pp == NULL || sl == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const gale_shipped_lib *l = &s->libraries[i];
			gale__shipped_library__init(&sl[i]);
			sl[i].path         = pb_str(l->path);
			sl[i].content.data = l->content;
			sl[i].content.len  = l->content != NULL ? l->len : 0;
			pp[i]              = &sl[i];
		}
		m->libraries   = pp;
		m->n_libraries = n;
	}
	return GALE_OK;
}

// Fills s from m (NULL: an absent spec, all empty). On error s is zeroed.
static gale_err
spec_from_pb(gale_spec *s, const Gale__TopologySpec *m)
{
	static const Gale__TopologySpec empty = GALE__TOPOLOGY_SPEC__INIT;
	memset(s, 0, sizeof *s);
	if (m == NULL) {
		m = &empty;
	}
	if (!dup_str(&s->name, m->name)
	    || !dup_str(&s->file_name, m->file_name)
	    || !dup_str(&s->yaml, m->yaml)) {
		goto fail;
	}
	if (m->n_overrides > 0) {
		s->overrides = calloc(m->n_overrides, sizeof *s->overrides);
		if (s->overrides == NULL) {
			goto fail;
		}
		s->noverrides = m->n_overrides;
		for (size_t i = 0; i < m->n_overrides; i++) {
			if (!dup_str(
				&s->overrides[i].key, m->overrides[i]->key)
			    || !dup_str(&s->overrides[i].value,
				m->overrides[i]->value)) {
				goto fail;
			}
		}
	}
	if (m->n_libraries > 0) {
		s->libraries = calloc(m->n_libraries, sizeof *s->libraries);
		if (s->libraries == NULL) {
			goto fail;
		}
		s->nlibraries = m->n_libraries;
		for (size_t i = 0; i < m->n_libraries; i++) {
			const Gale__ShippedLibrary *l = m->libraries[i];
			gale_shipped_lib           *d = &s->libraries[i];
			bool ok    = dup_str(&d->path, l->path);
			d->content = dup_array(
			    l->content.data, l->content.len, 1, &ok);
			d->len = d->content != NULL ? l->content.len : 0;
			if (!ok) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_spec_fini(s);
	return GALE_ENOMEM;
}

// ---------------------------------------------------------------------
// Control plane: task endpoints
// ---------------------------------------------------------------------

static void
endpoints_fini(gale_task_endpoint *e, size_t n)
{
	for (size_t i = 0; e != NULL && i < n; i++) {
		free(e[i].endpoint);
	}
	free(e);
}

static bool
endpoints_copy(gale_task_endpoint **dst, size_t *ndst,
    const gale_task_endpoint *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n == 0 || src == NULL) {
		return true;
	}
	*dst = calloc(n, sizeof **dst);
	if (*dst == NULL) {
		return false;
	}
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		(*dst)[i].task = src[i].task;
		if (!copy_str(&(*dst)[i].endpoint, src[i].endpoint)) {
			return false;
		}
	}
	return true;
}

static gale_err
endpoints_to_pb(wire_pool *pl, const gale_task_endpoint *e, size_t n,
    Gale__TaskEndpoint ***out, size_t *nout)
{
	if (n == 0 || e == NULL) {
		return GALE_OK;
	}
	Gale__TaskEndpoint **pp = pool_calloc(pl, n, sizeof *pp);
	Gale__TaskEndpoint  *te = pool_calloc(pl, n, sizeof *te);
	if (pp == NULL || te == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__task_endpoint__init(&te[i]);
		te[i].task     = e[i].task;
		te[i].endpoint = pb_str(e[i].endpoint);
		pp[i]          = &te[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

// Fills *dst; what it allocated before failing is left for the caller's
// fini.
static bool
endpoints_from_pb(gale_task_endpoint **dst, size_t *ndst,
    Gale__TaskEndpoint *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n == 0) {
		return true;
	}
	*dst = calloc(n, sizeof **dst);
	if (*dst == NULL) {
		return false;
	}
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		(*dst)[i].task = src[i]->task;
		if (!dup_str(&(*dst)[i].endpoint, src[i]->endpoint)) {
			return false;
		}
	}
	return true;
}

// ---------------------------------------------------------------------
// Control plane: assignments
// ---------------------------------------------------------------------

static void
slot_fini(gale_worker_slot *w)
{
	free(w->host);
	free(w->supervisor);
	free(w->tasks);
	memset(w, 0, sizeof *w);
}

void
gale_assignment_fini(gale_assignment *a)
{
	if (a == NULL) {
		return;
	}
	free(a->topology);
	gale_spec_fini(&a->spec);
	for (size_t i = 0; a->workers != NULL && i < a->nworkers; i++) {
		slot_fini(&a->workers[i]);
	}
	free(a->workers);
	free(a->finished_tasks);
	endpoints_fini(a->endpoints, a->nendpoints);
	free(a->run_id);
	memset(a, 0, sizeof *a);
}

gale_err
gale_assignment_copy(gale_assignment *dst, const gale_assignment *src)
{
	assert(dst != NULL && src != NULL);
	memset(dst, 0, sizeof *dst);
	dst->generation = src->generation;
	dst->active     = src->active;
	if (!copy_str(&dst->topology, src->topology)
	    || gale_spec_copy(&dst->spec, &src->spec) != GALE_OK) {
		goto fail;
	}
	if (src->nworkers > 0) {
		dst->workers = calloc(src->nworkers, sizeof *dst->workers);
		if (dst->workers == NULL) {
			goto fail;
		}
		dst->nworkers = src->nworkers;
		for (size_t i = 0; i < src->nworkers; i++) {
			const gale_worker_slot *w = &src->workers[i];
			gale_worker_slot       *d = &dst->workers[i];
			d->index                  = w->index;
			d->port                   = w->port;
			bool ok                   = copy_str(&d->host, w->host)
			    && copy_str(&d->supervisor, w->supervisor);
			d->tasks = dup_array(
			    w->tasks, w->ntasks, sizeof *w->tasks, &ok);
			d->ntasks = d->tasks != NULL ? w->ntasks : 0;
			if (!ok) {
				goto fail;
			}
		}
	}
	bool ok             = true;
	dst->finished_tasks = dup_array(src->finished_tasks, src->nfinished,
	    sizeof *src->finished_tasks, &ok);
	dst->nfinished      = dst->finished_tasks != NULL ? src->nfinished : 0;
	if (!ok) {
		goto fail;
	}
	if (!endpoints_copy(&dst->endpoints, &dst->nendpoints, src->endpoints,
		src->nendpoints)
	    || !copy_str(&dst->run_id, src->run_id)) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_assignment_fini(dst);
	return GALE_ENOMEM;
}

static gale_err
assignment_to_pb(wire_pool *pl, const gale_assignment *a, Gale__Assignment *m)
{
	gale__assignment__init(m);
	m->topology   = pb_str(a->topology);
	m->generation = a->generation;
	m->active     = a->active;
	m->spec       = pool_calloc(pl, 1, sizeof *m->spec);
	if (m->spec == NULL) {
		return GALE_ENOMEM;
	}
	gale_err err = spec_to_pb(pl, &a->spec, m->spec);
	if (err != GALE_OK) {
		return err;
	}
	if (a->nworkers > 0) {
		size_t             n  = a->nworkers;
		Gale__WorkerSlot **pp = pool_calloc(pl, n, sizeof *pp);
		Gale__WorkerSlot  *ws = pool_calloc(pl, n, sizeof *ws);
		if (pp == NULL || ws == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const gale_worker_slot *w = &a->workers[i];
			gale__worker_slot__init(&ws[i]);
			ws[i].index      = w->index;
			ws[i].host       = pb_str(w->host);
			ws[i].port       = w->port;
			ws[i].supervisor = pb_str(w->supervisor);
			ws[i].tasks      = w->tasks;
			ws[i].n_tasks    = w->tasks != NULL ? w->ntasks : 0;
			pp[i]            = &ws[i];
		}
		m->workers   = pp;
		m->n_workers = n;
	}
	m->finished_tasks   = a->finished_tasks;
	m->n_finished_tasks = a->finished_tasks != NULL ? a->nfinished : 0;
	m->run_id           = pb_str(a->run_id);
	return endpoints_to_pb(
	    pl, a->endpoints, a->nendpoints, &m->endpoints, &m->n_endpoints);
}

static gale_err
assignment_from_pb(gale_assignment *a, const Gale__Assignment *m)
{
	memset(a, 0, sizeof *a);
	a->generation = m->generation;
	a->active     = m->active;
	gale_err err  = GALE_ENOMEM;
	if (!dup_str(&a->topology, m->topology)) {
		goto fail;
	}
	err = spec_from_pb(&a->spec, m->spec);
	if (err != GALE_OK) {
		goto fail;
	}
	err = GALE_ENOMEM;
	if (m->n_workers > 0) {
		a->workers = calloc(m->n_workers, sizeof *a->workers);
		if (a->workers == NULL) {
			goto fail;
		}
		a->nworkers = m->n_workers;
		for (size_t i = 0; i < m->n_workers; i++) {
			const Gale__WorkerSlot *w = m->workers[i];
			gale_worker_slot       *d = &a->workers[i];
			d->index                  = w->index;
			d->port                   = w->port;
			bool ok                   = dup_str(&d->host, w->host)
			    && dup_str(&d->supervisor, w->supervisor);
			d->tasks = dup_array(
			    w->tasks, w->n_tasks, sizeof *w->tasks, &ok);
			d->ntasks = d->tasks != NULL ? w->n_tasks : 0;
			if (!ok) {
				goto fail;
			}
		}
	}
	bool ok           = true;
	a->finished_tasks = dup_array(m->finished_tasks, m->n_finished_tasks,
	    sizeof *m->finished_tasks, &ok);
	a->nfinished = a->finished_tasks != NULL ? m->n_finished_tasks : 0;
	if (!ok) {
		goto fail;
	}
	if (!endpoints_from_pb(
		&a->endpoints, &a->nendpoints, m->endpoints, m->n_endpoints)
	    || !dup_str(&a->run_id, m->run_id)) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_assignment_fini(a);
	return err;
}

gale_err
gale_assignment_encode(const gale_assignment *a, uint8_t **buf, size_t *len)
{
	assert(a != NULL && buf != NULL && len != NULL);
	wire_pool        pl = { 0 };
	Gale__Assignment m;
	gale_err         err = assignment_to_pb(&pl, a, &m);
	if (err == GALE_OK) {
		err = wire_pack(&m.base, buf, len);
	}
	pool_fini(&pl);
	return err;
}

gale_err
gale_assignment_decode(gale_assignment *out, const void *buf, size_t len)
{
	assert(out != NULL && (buf != NULL || len == 0));
	memset(out, 0, sizeof *out);
	Gale__Assignment *m = gale__assignment__unpack(NULL, len, buf);
	if (m == NULL) {
		return GALE_EPROTO;
	}
	gale_err err = assignment_from_pb(out, m);
	gale__assignment__free_unpacked(m, NULL);
	return err;
}

// ---------------------------------------------------------------------
// Control plane: heartbeats
// ---------------------------------------------------------------------

static const char *const wire_hist_names[] = { "complete", "execute" };

static bool
hist_empty(const gale_hist *h)
{
	if (h->count != 0 || h->sum_us != 0 || h->max_us != 0) {
		return false;
	}
	for (size_t i = 0; i < GALE_HIST_BUCKETS; i++) {
		if (h->buckets[i] != 0) {
			return false;
		}
	}
	return true;
}

static void
hist_to_pb(const char *name, const gale_hist *h, Gale__Histogram *m)
{
	gale__histogram__init(m);
	size_t n = GALE_HIST_BUCKETS;
	while (n > 0 && h->buckets[n - 1] == 0) {
		n--;
	}
	m->name      = pb_str(name);
	m->buckets   = (uint64_t *) h->buckets;
	m->n_buckets = n;
	m->count     = h->count;
	m->sum_us    = h->sum_us;
	m->max_us    = h->max_us;
}

static void
hist_from_pb(gale_hist *h, const Gale__Histogram *m)
{
	memset(h, 0, sizeof *h);
	for (size_t i = 0; i < m->n_buckets; i++) {
		size_t b = i < GALE_HIST_BUCKETS ? i : GALE_HIST_BUCKETS - 1;
		h->buckets[b] += m->buckets[i];
	}
	h->count  = m->count;
	h->sum_us = m->sum_us;
	h->max_us = m->max_us;
}

static gale_err
task_to_pb(wire_pool *pl, const gale_task_snapshot *t, Gale__TaskStats *m)
{
	gale__task_stats__init(m);
	if (strnlen(t->component, sizeof t->component)
	    == sizeof t->component) {
		return GALE_EINVAL;
	}
	m->task      = t->task;
	m->component = pb_str(t->component);
	m->finished  = t->finished;
	m->exhausted = t->exhausted;

	// Counters at zero are left out: an absent counter decodes as zero.
	size_t nc = 0;
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		nc += t->c[k] != 0;
	}
	if (nc > 0) {
		Gale__Counter **pp = pool_calloc(pl, nc, sizeof *pp);
		Gale__Counter  *cs = pool_calloc(pl, nc, sizeof *cs);
		if (pp == NULL || cs == NULL) {
			return GALE_ENOMEM;
		}
		size_t j = 0;
		for (size_t k = 0; k < GALE_M_COUNT; k++) {
			if (t->c[k] == 0) {
				continue;
			}
			gale__counter__init(&cs[j]);
			cs[j].name = pb_str(gale_metric_name((gale_metric) k));
			cs[j].value = t->c[k];
			pp[j]       = &cs[j];
			j++;
		}
		m->counters   = pp;
		m->n_counters = nc;
	}

	const gale_hist *hists[] = { &t->complete, &t->execute };
	size_t           nh      = 0;
	for (size_t k = 0; k < 2; k++) {
		nh += !hist_empty(hists[k]);
	}
	if (nh > 0) {
		Gale__Histogram **pp = pool_calloc(pl, nh, sizeof *pp);
		Gale__Histogram  *hs = pool_calloc(pl, nh, sizeof *hs);
		if (pp == NULL || hs == NULL) {
			return GALE_ENOMEM;
		}
		size_t j = 0;
		for (size_t k = 0; k < 2; k++) {
			if (hist_empty(hists[k])) {
				continue;
			}
			hist_to_pb(wire_hist_names[k], hists[k], &hs[j]);
			pp[j] = &hs[j];
			j++;
		}
		m->histograms   = pp;
		m->n_histograms = nh;
	}
	return GALE_OK;
}

static gale_err
task_from_pb(gale_task_snapshot *t, const Gale__TaskStats *m)
{
	memset(t, 0, sizeof *t);
	size_t clen = strlen(m->component);
	if (clen >= sizeof t->component) {
		return GALE_EPROTO;
	}
	memcpy(t->component, m->component, clen + 1);
	t->task      = m->task;
	t->finished  = m->finished;
	t->exhausted = m->exhausted;
	for (size_t i = 0; i < m->n_counters; i++) {
		const Gale__Counter *c = m->counters[i];
		for (size_t k = 0; k < GALE_M_COUNT; k++) {
			const char *name = gale_metric_name((gale_metric) k);
			if (name != NULL && strcmp(name, c->name) == 0) {
				t->c[k] = c->value;
				break;
			}
		}
	}
	for (size_t i = 0; i < m->n_histograms; i++) {
		const Gale__Histogram *h = m->histograms[i];
		if (strcmp(h->name, wire_hist_names[0]) == 0) {
			hist_from_pb(&t->complete, h);
		} else if (strcmp(h->name, wire_hist_names[1]) == 0) {
			hist_from_pb(&t->execute, h);
		}
	}
	return GALE_OK;
}

void
gale_heartbeat_fini(gale_heartbeat *h)
{
	if (h == NULL) {
		return;
	}
	free(h->topology);
	free(h->tasks);
	endpoints_fini(h->endpoints, h->nendpoints);
	free(h->error);
	memset(h, 0, sizeof *h);
}

gale_err
gale_heartbeat_copy(gale_heartbeat *dst, const gale_heartbeat *src)
{
	assert(dst != NULL && src != NULL);
	*dst            = *src;
	dst->topology   = NULL;
	dst->tasks      = NULL;
	dst->ntasks     = 0;
	dst->endpoints  = NULL;
	dst->nendpoints = 0;
	dst->error      = NULL;
	bool ok         = copy_str(&dst->topology, src->topology);
	dst->tasks
	    = dup_array(src->tasks, src->ntasks, sizeof *src->tasks, &ok);
	dst->ntasks = dst->tasks != NULL ? src->ntasks : 0;
	if (!ok) {
		goto fail;
	}
	if (!endpoints_copy(&dst->endpoints, &dst->nendpoints, src->endpoints,
		src->nendpoints)
	    || !copy_str(&dst->error, src->error)) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_heartbeat_fini(dst);
	return GALE_ENOMEM;
}

static gale_err
heartbeat_to_pb(wire_pool *pl, const gale_heartbeat *h, Gale__Heartbeat *m)
{
	gale__heartbeat__init(m);
	m->topology     = pb_str(h->topology);
	m->worker_index = h->worker_index;
	m->pid          = h->pid;
	m->port         = h->port;
	m->generation   = h->generation;
	m->uptime_ms    = h->uptime_ms;
	m->finished     = h->finished;
	m->rss_bytes    = h->rss_bytes;
	m->failed       = h->failed;
	m->error        = pb_str(h->error);

	gale_err err = endpoints_to_pb(
	    pl, h->endpoints, h->nendpoints, &m->endpoints, &m->n_endpoints);
	if (err != GALE_OK) {
		return err;
	}
	if (h->ntasks > 0 && h->tasks != NULL) {
		size_t            n  = h->ntasks;
		Gale__TaskStats **pp = pool_calloc(pl, n, sizeof *pp);
		Gale__TaskStats  *ts = pool_calloc(pl, n, sizeof *ts);
		if (pp == NULL || ts == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			err = task_to_pb(pl, &h->tasks[i], &ts[i]);
			if (err != GALE_OK) {
				return err;
			}
			pp[i] = &ts[i];
		}
		m->tasks   = pp;
		m->n_tasks = n;
	}
	return GALE_OK;
}

static gale_err
heartbeat_from_pb(gale_heartbeat *h, const Gale__Heartbeat *m)
{
	memset(h, 0, sizeof *h);
	if (m->n_tasks > GALE_WIRE_MAX_TASKS) {
		return GALE_EPROTO;
	}
	h->worker_index = m->worker_index;
	h->pid          = m->pid;
	h->port         = m->port;
	h->generation   = m->generation;
	h->uptime_ms    = m->uptime_ms;
	h->finished     = m->finished;
	h->rss_bytes    = m->rss_bytes;
	h->failed       = m->failed;
	gale_err err    = GALE_ENOMEM;
	if (!dup_str(&h->topology, m->topology)
	    || !dup_str(&h->error, m->error)
	    || !endpoints_from_pb(
		&h->endpoints, &h->nendpoints, m->endpoints, m->n_endpoints)) {
		goto fail;
	}
	if (m->n_tasks > 0) {
		h->tasks = calloc(m->n_tasks, sizeof *h->tasks);
		if (h->tasks == NULL) {
			goto fail;
		}
		h->ntasks = m->n_tasks;
		for (size_t i = 0; i < m->n_tasks; i++) {
			err = task_from_pb(&h->tasks[i], m->tasks[i]);
			if (err != GALE_OK) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_heartbeat_fini(h);
	return err;
}

gale_err
gale_heartbeat_encode(const gale_heartbeat *h, uint8_t **buf, size_t *len)
{
	assert(h != NULL && buf != NULL && len != NULL);
	wire_pool       pl = { 0 };
	Gale__Heartbeat m;
	gale_err        err = heartbeat_to_pb(&pl, h, &m);
	if (err == GALE_OK) {
		err = wire_pack(&m.base, buf, len);
	}
	pool_fini(&pl);
	return err;
}

gale_err
gale_heartbeat_decode(gale_heartbeat *out, const void *buf, size_t len)
{
	assert(out != NULL && (buf != NULL || len == 0));
	memset(out, 0, sizeof *out);
	Gale__Heartbeat *m = gale__heartbeat__unpack(NULL, len, buf);
	if (m == NULL) {
		return GALE_EPROTO;
	}
	gale_err err = heartbeat_from_pb(out, m);
	gale__heartbeat__free_unpacked(m, NULL);
	return err;
}

// ---------------------------------------------------------------------
// Control plane: worker control
// ---------------------------------------------------------------------

void
gale_worker_control_fini(gale_worker_control *c)
{
	if (c == NULL) {
		return;
	}
	if (c->assignment != NULL) {
		gale_assignment_fini(c->assignment);
		free(c->assignment);
	}
	memset(c, 0, sizeof *c);
}

gale_err
gale_worker_control_encode(
    const gale_worker_control *c, uint8_t **buf, size_t *len)
{
	assert(c != NULL && buf != NULL && len != NULL);
	wire_pool           pl = { 0 };
	Gale__WorkerControl m  = GALE__WORKER_CONTROL__INIT;
	Gale__Assignment    a;
	gale_err            err = GALE_OK;
	m.stop                  = c->stop;
	if (c->assignment != NULL) {
		err          = assignment_to_pb(&pl, c->assignment, &a);
		m.assignment = &a;
	}
	if (err == GALE_OK) {
		err = wire_pack(&m.base, buf, len);
	}
	pool_fini(&pl);
	return err;
}

gale_err
gale_worker_control_decode(
    gale_worker_control *out, const void *buf, size_t len)
{
	assert(out != NULL && (buf != NULL || len == 0));
	memset(out, 0, sizeof *out);
	Gale__WorkerControl *m = gale__worker_control__unpack(NULL, len, buf);
	if (m == NULL) {
		return GALE_EPROTO;
	}
	gale_err err = GALE_OK;
	out->stop    = m->stop;
	if (m->assignment != NULL) {
		out->assignment = calloc(1, sizeof *out->assignment);
		err             = GALE_ENOMEM;
		if (out->assignment != NULL) {
			err = assignment_from_pb(
			    out->assignment, m->assignment);
		}
		if (err != GALE_OK) {
			gale_worker_control_fini(out);
		}
	}
	gale__worker_control__free_unpacked(m, NULL);
	return err;
}

// ---------------------------------------------------------------------
// Control plane: requests to nimbus
// ---------------------------------------------------------------------

void
gale_command_fini(gale_command *c)
{
	if (c == NULL) {
		return;
	}
	free(c->name);
	memset(c, 0, sizeof *c);
}

void
gale_supervisor_info_fini(gale_supervisor_info *s)
{
	if (s == NULL) {
		return;
	}
	free(s->id);
	free(s->host);
	free(s->ports);
	for (size_t i = 0; s->workers != NULL && i < s->nworkers; i++) {
		gale_heartbeat_fini(&s->workers[i]);
	}
	free(s->workers);
	memset(s, 0, sizeof *s);
}

void
gale_request_fini(gale_request *r)
{
	if (r == NULL) {
		return;
	}
	switch (r->kind) {
	case GALE_REQ_NONE:
		break;
	case GALE_REQ_SUBMIT:
		gale_spec_fini(&r->u.submit);
		break;
	case GALE_REQ_COMMAND:
		gale_command_fini(&r->u.command);
		break;
	case GALE_REQ_SUPERVISOR_HEARTBEAT:
		gale_supervisor_info_fini(&r->u.supervisor);
		break;
	case GALE_REQ_WORKER_HEARTBEAT:
		gale_heartbeat_fini(&r->u.worker);
		break;
	}
	memset(r, 0, sizeof *r);
}

static gale_err
supervisor_to_pb(
    wire_pool *pl, const gale_supervisor_info *s, Gale__SupervisorInfo *m)
{
	gale__supervisor_info__init(m);
	m->id      = pb_str(s->id);
	m->host    = pb_str(s->host);
	m->ports   = s->ports;
	m->n_ports = s->ports != NULL ? s->nports : 0;
	if (s->nworkers > 0 && s->workers != NULL) {
		size_t            n  = s->nworkers;
		Gale__Heartbeat **pp = pool_calloc(pl, n, sizeof *pp);
		Gale__Heartbeat  *hs = pool_calloc(pl, n, sizeof *hs);
		if (pp == NULL || hs == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale_err err
			    = heartbeat_to_pb(pl, &s->workers[i], &hs[i]);
			if (err != GALE_OK) {
				return err;
			}
			pp[i] = &hs[i];
		}
		m->workers   = pp;
		m->n_workers = n;
	}
	return GALE_OK;
}

static gale_err
supervisor_from_pb(gale_supervisor_info *s, const Gale__SupervisorInfo *m)
{
	memset(s, 0, sizeof *s);
	gale_err err = GALE_ENOMEM;
	bool     ok  = dup_str(&s->id, m->id) && dup_str(&s->host, m->host);
	s->ports     = dup_array(m->ports, m->n_ports, sizeof *m->ports, &ok);
	s->nports    = s->ports != NULL ? m->n_ports : 0;
	if (!ok) {
		goto fail;
	}
	if (m->n_workers > 0) {
		s->workers = calloc(m->n_workers, sizeof *s->workers);
		if (s->workers == NULL) {
			goto fail;
		}
		s->nworkers = m->n_workers;
		for (size_t i = 0; i < m->n_workers; i++) {
			err = heartbeat_from_pb(&s->workers[i], m->workers[i]);
			if (err != GALE_OK) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_supervisor_info_fini(s);
	return err;
}

gale_err
gale_request_encode(const gale_request *r, uint8_t **buf, size_t *len)
{
	assert(r != NULL && buf != NULL && len != NULL);
	wire_pool             pl  = { 0 };
	Gale__Request         m   = GALE__REQUEST__INIT;
	Gale__Submit          sub = GALE__SUBMIT__INIT;
	Gale__TopologySpec    spec;
	Gale__TopologyCommand cmd = GALE__TOPOLOGY_COMMAND__INIT;
	Gale__SupervisorInfo  sup;
	Gale__Heartbeat       hb;
	gale_err              err = GALE_OK;
	switch (r->kind) {
	case GALE_REQ_SUBMIT:
		err         = spec_to_pb(&pl, &r->u.submit, &spec);
		sub.spec    = &spec;
		m.body_case = GALE__REQUEST__BODY_SUBMIT;
		m.submit    = &sub;
		break;
	case GALE_REQ_COMMAND:
		if ((unsigned) r->u.command.kind > GALE_CMD_STATS) {
			return GALE_EINVAL;
		}
		cmd.kind    = (Gale__TopologyCommand__Kind) r->u.command.kind;
		cmd.name    = pb_str(r->u.command.name);
		cmd.workers = r->u.command.workers;
		cmd.wait_secs = r->u.command.wait_secs;
		cmd.has_wait  = r->u.command.has_wait;
		m.body_case   = GALE__REQUEST__BODY_COMMAND;
		m.command     = &cmd;
		break;
	case GALE_REQ_SUPERVISOR_HEARTBEAT:
		err         = supervisor_to_pb(&pl, &r->u.supervisor, &sup);
		m.body_case = GALE__REQUEST__BODY_SUPERVISOR_HEARTBEAT;
		m.supervisor_heartbeat = &sup;
		break;
	case GALE_REQ_WORKER_HEARTBEAT:
		err                = heartbeat_to_pb(&pl, &r->u.worker, &hb);
		m.body_case        = GALE__REQUEST__BODY_WORKER_HEARTBEAT;
		m.worker_heartbeat = &hb;
		break;
	default:
		return GALE_EINVAL;
	}
	if (err == GALE_OK) {
		err = wire_pack(&m.base, buf, len);
	}
	pool_fini(&pl);
	return err;
}

static gale_err
request_from_pb(gale_request *r, const Gale__Request *m)
{
	const Gale__TopologyCommand *c;
	gale_err                     err;
	switch (m->body_case) {
	case GALE__REQUEST__BODY_SUBMIT:
		r->kind = GALE_REQ_SUBMIT;
		return spec_from_pb(&r->u.submit, m->submit->spec);
	case GALE__REQUEST__BODY_COMMAND:
		c = m->command;
		if ((unsigned) c->kind > GALE_CMD_STATS) {
			return GALE_EPROTO;
		}
		if (!dup_str(&r->u.command.name, c->name)) {
			return GALE_ENOMEM;
		}
		r->kind                = GALE_REQ_COMMAND;
		r->u.command.kind      = (gale_command_kind) c->kind;
		r->u.command.workers   = c->workers;
		r->u.command.wait_secs = c->wait_secs;
		r->u.command.has_wait  = c->has_wait;
		return GALE_OK;
	case GALE__REQUEST__BODY_SUPERVISOR_HEARTBEAT:
		err = supervisor_from_pb(
		    &r->u.supervisor, m->supervisor_heartbeat);
		if (err == GALE_OK) {
			r->kind = GALE_REQ_SUPERVISOR_HEARTBEAT;
		}
		return err;
	case GALE__REQUEST__BODY_WORKER_HEARTBEAT:
		err = heartbeat_from_pb(&r->u.worker, m->worker_heartbeat);
		if (err == GALE_OK) {
			r->kind = GALE_REQ_WORKER_HEARTBEAT;
		}
		return err;
	default:
		return GALE_EPROTO;
	}
}

gale_err
gale_request_decode(gale_request *out, const void *buf, size_t len)
{
	assert(out != NULL && (buf != NULL || len == 0));
	memset(out, 0, sizeof *out);
	Gale__Request *m = gale__request__unpack(NULL, len, buf);
	if (m == NULL) {
		return GALE_EPROTO;
	}
	gale_err err = request_from_pb(out, m);
	if (err != GALE_OK) {
		gale_request_fini(out);
	}
	gale__request__free_unpacked(m, NULL);
	return err;
}

// ---------------------------------------------------------------------
// Control plane: replies from nimbus
// ---------------------------------------------------------------------

void
gale_reply_fini(gale_reply *r)
{
	if (r == NULL) {
		return;
	}
	free(r->error);
	for (size_t i = 0; r->topologies != NULL && i < r->ntopologies; i++) {
		free(r->topologies[i].name);
		free(r->topologies[i].status);
	}
	free(r->topologies);
	for (size_t i = 0; r->assignments != NULL && i < r->nassignments;
	     i++) {
		gale_assignment_fini(&r->assignments[i]);
	}
	free(r->assignments);
	free(r->stats_json);
	free(r->stats_table);
	memset(r, 0, sizeof *r);
}

gale_err
gale_reply_encode(const gale_reply *r, uint8_t **buf, size_t *len)
{
	assert(r != NULL && buf != NULL && len != NULL);
	wire_pool   pl = { 0 };
	Gale__Reply m  = GALE__REPLY__INIT;
	m.ok           = r->ok;
	m.error        = pb_str(r->error);
	m.stats_json   = pb_str(r->stats_json);
	m.stats_table  = pb_str(r->stats_table);
	if (r->ntopologies > 0 && r->topologies != NULL) {
		size_t                  n  = r->ntopologies;
		Gale__TopologySummary **pp = pool_calloc(&pl, n, sizeof *pp);
		Gale__TopologySummary  *ts = pool_calloc(&pl, n, sizeof *ts);
		if (pp == NULL || ts == NULL) {
			pool_fini(&pl);
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const gale_topology_summary *s = &r->topologies[i];
			gale__topology_summary__init(&ts[i]);
			ts[i].name        = pb_str(s->name);
			ts[i].status      = pb_str(s->status);
			ts[i].workers     = s->workers;
			ts[i].tasks       = s->tasks;
			ts[i].uptime_secs = s->uptime_secs;
			pp[i]             = &ts[i];
		}
		m.topologies   = pp;
		m.n_topologies = n;
	}
	if (r->nassignments > 0 && r->assignments != NULL) {
		size_t             n  = r->nassignments;
		Gale__Assignment **pp = pool_calloc(&pl, n, sizeof *pp);
		Gale__Assignment  *as = pool_calloc(&pl, n, sizeof *as);
		if (pp == NULL || as == NULL) {
			pool_fini(&pl);
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale_err err = assignment_to_pb(
			    &pl, &r->assignments[i], &as[i]);
			if (err != GALE_OK) {
				pool_fini(&pl);
				return err;
			}
			pp[i] = &as[i];
		}
		m.assignments   = pp;
		m.n_assignments = n;
	}
	gale_err err = wire_pack(&m.base, buf, len);
	pool_fini(&pl);
	return err;
}

static gale_err
reply_from_pb(gale_reply *r, const Gale__Reply *m)
{
	r->ok = m->ok;
	if (!dup_str(&r->error, m->error)
	    || !dup_str(&r->stats_json, m->stats_json)
	    || !dup_str(&r->stats_table, m->stats_table)) {
		return GALE_ENOMEM;
	}
	if (m->n_topologies > 0) {
		r->topologies = calloc(m->n_topologies, sizeof *r->topologies);
		if (r->topologies == NULL) {
			return GALE_ENOMEM;
		}
		r->ntopologies = m->n_topologies;
		for (size_t i = 0; i < m->n_topologies; i++) {
			const Gale__TopologySummary *s = m->topologies[i];
			gale_topology_summary       *d = &r->topologies[i];
			d->workers                     = s->workers;
			d->tasks                       = s->tasks;
			d->uptime_secs                 = s->uptime_secs;
			if (!dup_str(&d->name, s->name)
			    || !dup_str(&d->status, s->status)) {
				return GALE_ENOMEM;
			}
		}
	}
	if (m->n_assignments > 0) {
		r->assignments
		    = calloc(m->n_assignments, sizeof *r->assignments);
		if (r->assignments == NULL) {
			return GALE_ENOMEM;
		}
		r->nassignments = m->n_assignments;
		for (size_t i = 0; i < m->n_assignments; i++) {
			gale_err err = assignment_from_pb(
			    &r->assignments[i], m->assignments[i]);
			if (err != GALE_OK) {
				return err;
			}
		}
	}
	return GALE_OK;
}

gale_err
gale_reply_decode(gale_reply *out, const void *buf, size_t len)
{
	assert(out != NULL && (buf != NULL || len == 0));
	memset(out, 0, sizeof *out);
	Gale__Reply *m = gale__reply__unpack(NULL, len, buf);
	if (m == NULL) {
		return GALE_EPROTO;
	}
	gale_err err = reply_from_pb(out, m);
	if (err != GALE_OK) {
		gale_reply_fini(out);
	}
	gale__reply__free_unpacked(m, NULL);
	return err;
}
