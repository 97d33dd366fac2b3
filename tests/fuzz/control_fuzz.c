// SPDX-License-Identifier: MIT
// control_fuzz.c - libFuzzer target for the control-plane decoders.
//
// Any input must decode, as each of the control messages, without a crash,
// a leak or a read out of bounds. What decodes must encode again, and its
// encoding must decode.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "proto/control.h"

#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "control_fuzz: %s:%d: %s\n",          \
			    __FILE__, __LINE__, #cond);                       \
			abort();                                              \
		}                                                             \
	} while (0)

// Decodes data as type T with codec prefix P; what decodes is encoded and
// decoded again.
#define FUZZ_ROUND_TRIP(T, P, data, size)                                     \
	do {                                                                  \
		T        m = { 0 };                                           \
		uint8_t *buf;                                                 \
		size_t   len;                                                 \
		if (P##_decode(&m, data, size) == GALE_OK) {                  \
			FUZZ_CHECK(P##_encode(&m, &buf, &len) == GALE_OK);    \
			T again = { 0 };                                      \
			FUZZ_CHECK(P##_decode(&again, buf, len) == GALE_OK);  \
			P##_fini(&again);                                     \
			free(buf);                                            \
			P##_fini(&m);                                         \
		}                                                             \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_ROUND_TRIP(gale_assignment, gale_assignment, data, size);
	FUZZ_ROUND_TRIP(gale_heartbeat, gale_heartbeat, data, size);
	FUZZ_ROUND_TRIP(
	    gale_worker_control, gale_worker_control, data, size);
	FUZZ_ROUND_TRIP(gale_request, gale_request, data, size);
	FUZZ_ROUND_TRIP(gale_reply, gale_reply, data, size);
	return 0;
}
