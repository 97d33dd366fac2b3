// SPDX-License-Identifier: MIT
// varint_test.c - the wire format's primitives: sizes, round trips, edge
// values, and refusal of bytes past the end.

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "proto/varint.h"

static const uint64_t edge_values[] = { 0, 1, 127, 128, 300, 16383, 16384,
	UINT32_MAX, (uint64_t) UINT32_MAX + 1, INT64_MAX, UINT64_MAX - 1,
	UINT64_MAX };

#define NEDGE (sizeof edge_values / sizeof edge_values[0])

Test(varint, sizes_match_what_is_written_and_round_trip)
{
	for (size_t i = 0; i < NEDGE; i++) {
		uint8_t  buf[16];
		uint64_t v   = edge_values[i];
		uint8_t *end = gale__wire_put_varint(buf, v);
		cr_assert_eq((size_t) (end - buf), gale__wire_varint_size(v),
		    "value %zu", i);
		const uint8_t *p = buf;
		uint64_t       got;
		cr_assert(gale__wire_get_varint(&p, end, &got));
		cr_assert_eq(got, v);
		cr_assert_eq(p, end);
	}
	cr_assert_eq(gale__wire_varint_size(0), 1);
	cr_assert_eq(gale__wire_varint_size(127), 1);
	cr_assert_eq(gale__wire_varint_size(128), 2);
	cr_assert_eq(gale__wire_varint_size(UINT64_MAX), 10);
}

Test(varint, known_encodings)
{
	uint8_t buf[16];
	cr_assert_eq(gale__wire_put_varint(buf, 300) - buf, 2);
	cr_assert_eq(buf[0], 0xac);
	cr_assert_eq(buf[1], 0x02);
	gale__wire_put_fixed64(buf, 0x0102030405060708ull);
	cr_assert_eq(buf[0], 0x08);
	cr_assert_eq(buf[7], 0x01);
	cr_assert_eq(gale__wire_zigzag(0), 0);
	cr_assert_eq(gale__wire_zigzag(-1), 1);
	cr_assert_eq(gale__wire_zigzag(1), 2);
	cr_assert_eq(gale__wire_zigzag(INT64_MIN), UINT64_MAX);
	cr_assert_eq(gale__wire_zigzag(INT64_MAX), UINT64_MAX - 1);
}

Test(varint, zigzag_round_trips_at_the_edges)
{
	const int64_t v[]
	    = { 0, 1, -1, 63, -64, INT32_MIN, INT64_MIN, INT64_MAX };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		cr_assert_eq(
		    gale__wire_unzigzag(gale__wire_zigzag(v[i])), v[i]);
	}
}

Test(varint, truncated_and_overlong_varints_are_refused)
{
	uint8_t        buf[16];
	uint8_t       *end = gale__wire_put_varint(buf, UINT64_MAX);
	uint64_t       v;
	const uint8_t *p = buf;
	for (const uint8_t *cut = buf; cut < end; cut++) {
		p = buf;
		cr_assert_not(gale__wire_get_varint(&p, cut, &v));
		cr_assert_eq(p, buf, "a failed read leaves the position");
	}
	// Eleven continuation bytes: longer than any 64-bit varint.
	memset(buf, 0x80, 11);
	p = buf;
	cr_assert_not(gale__wire_get_varint(&p, buf + 11, &v));
}

Test(varint, fixed64_and_lengths_stop_at_the_end)
{
	uint8_t        buf[32];
	uint8_t       *end = gale__wire_put_fixed64(buf, 42);
	uint64_t       v;
	const uint8_t *p = buf;
	cr_assert_not(gale__wire_get_fixed64(&p, end - 1, &v));
	cr_assert(gale__wire_get_fixed64(&p, end, &v));
	cr_assert_eq(v, 42);

	end              = gale__wire_put_bytes(buf, "hello", 5);
	const uint8_t *s = NULL;
	size_t         n = 0;
	p                = buf;
	cr_assert_not(gale__wire_get_len(&p, end - 1, &s, &n));
	cr_assert_eq(p, buf);
	cr_assert(gale__wire_get_len(&p, end, &s, &n));
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(s, "hello", 5), 0);
	cr_assert_eq(p, end);
	end = gale__wire_put_bytes(buf, NULL, 0);
	p   = buf;
	cr_assert(gale__wire_get_len(&p, end, &s, &n));
	cr_assert_eq(n, 0);
}

Test(varint, tags_refuse_field_zero_and_past_the_largest)
{
	uint8_t        buf[16];
	uint32_t       field;
	unsigned       type;
	const uint8_t *p   = buf;
	uint8_t       *end = gale__wire_put_varint(
		  buf, ((uint64_t) GALE_WIRE_MAX_FIELD << 3) | GALE_WIRE_LEN);
	cr_assert(gale__wire_get_tag(&p, end, &field, &type));
	cr_assert_eq(field, GALE_WIRE_MAX_FIELD);
	cr_assert_eq(type, GALE_WIRE_LEN);
	buf[0] = GALE_WIRE_TAG(0, GALE_WIRE_VARINT);
	p      = buf;
	cr_assert_not(gale__wire_get_tag(&p, buf + 1, &field, &type));
	end = gale__wire_put_varint(buf, (uint64_t) UINT32_MAX + 1);
	p   = buf;
	cr_assert_not(gale__wire_get_tag(&p, end, &field, &type));
	buf[0] = GALE_WIRE_TAG(3, GALE_WIRE_VARINT);
	p      = buf;
	cr_assert(gale__wire_get_tag(&p, buf + 1, &field, &type));
	cr_assert_eq(field, 3);
	cr_assert_eq(type, GALE_WIRE_VARINT);
}

Test(varint, skip_reads_every_proto3_type_and_refuses_groups)
{
	uint8_t  buf[32];
	uint8_t *p = buf;
	p          = gale__wire_put_varint(p, 1u << 20);
	p          = gale__wire_put_fixed64(p, 7);
	p          = gale__wire_put_bytes(p, "abc", 3);
	memset(p, 0, 4);
	p += 4;
	const uint8_t *end  = p;
	const uint8_t *q    = buf;
	unsigned       ts[] = { GALE_WIRE_VARINT, GALE_WIRE_I64, GALE_WIRE_LEN,
		      GALE_WIRE_I32 };
	for (size_t i = 0; i < 4; i++) {
		cr_assert(gale__wire_skip(&q, end, ts[i]), "type %u", ts[i]);
	}
	cr_assert_eq(q, end);
	q = buf;
	cr_assert_not(gale__wire_skip(&q, end, 3));
	cr_assert_not(gale__wire_skip(&q, end, 4));
	q = end - 3;
	cr_assert_not(gale__wire_skip(&q, end, GALE_WIRE_I32));
}
