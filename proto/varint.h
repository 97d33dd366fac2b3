// SPDX-License-Identifier: MIT
// varint.h - the protobuf wire format's primitives: varints, fixed64,
// zigzag, length prefixes and tags, as the batch codec writes them by hand.
//
// The writers and readers are static inline because the data plane calls
// them for every field of every tuple; a writer must be given room for what
// it writes (gale__wire_varint_size says how much), a reader never reads at
// or past end and reports malformed bytes by returning false, leaving *pp
// where it was.

#ifndef GALE_PROTO_VARINT_H
#define GALE_PROTO_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

// The wire types of proto3 (groups, 3 and 4, are not part of it).
enum {
	GALE_WIRE_VARINT = 0,
	GALE_WIRE_I64    = 1,
	GALE_WIRE_LEN    = 2,
	GALE_WIRE_I32    = 5,
};

// A one-byte tag: every field gale writes by hand has a number below 16.
#define GALE_WIRE_TAG(field, type) ((uint8_t) (((field) << 3) | (type)))

// The largest field number protobuf allows.
#define GALE_WIRE_MAX_FIELD ((1u << 29) - 1)

// The bytes the varint of v takes, 1 to 10.
static inline size_t
gale__wire_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

// Writes v as a varint at p; returns the byte after it.
static inline uint8_t *
gale__wire_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t) v;
	return p;
}

// Writes v as eight little-endian bytes at p; returns the byte after them.
static inline uint8_t *
gale__wire_put_fixed64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, sizeof v);
#else
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t) (v >> (8 * i));
	}
#endif
	return p + 8;
}

// Writes a length prefix and len bytes of data (which may be NULL when len
// is 0); returns the byte after them.
static inline uint8_t *
gale__wire_put_bytes(uint8_t *p, const void *data, size_t len)
{
	p = gale__wire_put_varint(p, len);
	if (len > 0) {
		memcpy(p, data, len);
	}
	return p + len;
}

// Zigzag as sint64 does it, written without shifting negative numbers.
static inline uint64_t
gale__wire_zigzag(int64_t v)
{
	uint64_t u = (uint64_t) v;
	return (u << 1) ^ (0 - (u >> 63));
}

// The inverse of gale__wire_zigzag.
static inline int64_t
gale__wire_unzigzag(uint64_t u)
{
	uint64_t x = (u >> 1) ^ (0 - (u & 1));
	int64_t  v;
	memcpy(&v, &x, sizeof v);
	return v;
}

// Reads a varint of at most ten bytes, none of them past end.
static inline bool
gale__wire_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	// Most varints of a batch (tags, lengths, task ids) are one byte.
	if (p != end && *p < 0x80) {
		*out = *p;
		*pp  = p + 1;
		return true;
	}
	uint64_t v = 0;
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

// Reads eight little-endian bytes.
static inline bool
gale__wire_get_fixed64(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	if (end - p < 8) {
		return false;
	}
	uint64_t v;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, sizeof v);
#else
	v = 0;
	for (int i = 0; i < 8; i++) {
		v |= (uint64_t) p[i] << (8 * i);
	}
#endif
	*pp  = p + 8;
	*out = v;
	return true;
}

// Reads a length prefix and hands back the bytes it covers.
static inline bool
gale__wire_get_len(
    const uint8_t **pp, const uint8_t *end, const uint8_t **start, size_t *len)
{
	const uint8_t *p = *pp;
	uint64_t       n;
	if (!gale__wire_get_varint(&p, end, &n) || n > (uint64_t) (end - p)) {
		return false;
	}
	*start = p;
	*len   = (size_t) n;
	*pp    = p + n;
	return true;
}

// Reads a tag: false for field 0, a field past GALE_WIRE_MAX_FIELD or a tag
// that does not fit 32 bits.
static inline bool
gale__wire_get_tag(
    const uint8_t **pp, const uint8_t *end, uint32_t *field, unsigned *type)
{
	const uint8_t *p = *pp;
	// Every tag gale writes is one byte (fields below 16).
	if (p != end && *p < 0x80 && *p >= 8) {
		*field = (uint32_t) (*p >> 3);
		*type  = (unsigned) (*p & 7);
		*pp    = p + 1;
		return true;
	}
	uint64_t v;
	if (!gale__wire_get_varint(&p, end, &v) || v > UINT32_MAX) {
		return false;
	}
	uint32_t f = (uint32_t) (v >> 3);
	if (f == 0 || f > GALE_WIRE_MAX_FIELD) {
		return false;
	}
	*pp    = p;
	*field = f;
	*type  = (unsigned) (v & 7);
	return true;
}

// Skips the value of a field of wire type type that this version does not
// know. Groups (wire types 3 and 4) count as malformed.
bool gale__wire_skip(const uint8_t **pp, const uint8_t *end, unsigned type);

#endif // GALE_PROTO_VARINT_H
