// SPDX-License-Identifier: MIT
// varint.c - the out-of-line part of the wire format's primitives.

#include "proto/varint.h"

bool
gale__wire_skip(const uint8_t **pp, const uint8_t *end, unsigned type)
{
	uint64_t       v;
	const uint8_t *start;
	size_t         len;
	switch (type) {
	case GALE_WIRE_VARINT:
		return gale__wire_get_varint(pp, end, &v);
	case GALE_WIRE_I64:
		return gale__wire_get_fixed64(pp, end, &v);
	case GALE_WIRE_LEN:
		return gale__wire_get_len(pp, end, &start, &len);
	case GALE_WIRE_I32:
		if (end - *pp < 4) {
			return false;
		}
		*pp += 4;
		return true;
	default:
		return false;
	}
}
