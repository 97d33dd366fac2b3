// SPDX-License-Identifier: MIT
// pace.h - the options a generated or replayed source shares: how many
// messages (count), from which seed, and at what rate.
//
// A paced source emits message k no earlier than k / rate seconds after
// its first: the schedule is fixed by the clock at the first message, so
// that a slow call does not lower the rate that follows.

#ifndef GALE_COMPONENTS_PACE_H
#define GALE_COMPONENTS_PACE_H

#include <stdint.h>

#include "gale.h"

// Transparent for embedding in a spout's state; use it through the
// functions.
typedef struct gale_pace {
	double   rate;     // messages per second; 0: as fast as possible
	uint64_t start_ns; // when the first message was due; 0: not yet
} gale_pace;

// Reads option 'rate' (0 when absent) into p; unit names the messages in
// the error ("lines", "words"). GALE_EINVAL, told to ctx, when it is
// negative, infinite or not a number.
gale_err gale__pace_open(gale_pace *p, gale_context *ctx, const char *unit);

// How many messages are due by now: the index not to reach yet.
// UINT64_MAX when unpaced.
uint64_t gale__pace_due(gale_pace *p);

// Reads options 'count' (0: unbounded) and 'seed' (default 1) of a
// generated source, and its 'rate'. GALE_EINVAL, told to ctx, on a bad
// value.
gale_err gale__generator_open(gale_context *ctx, const char *unit,
    uint64_t *count, uint64_t *seed, gale_pace *pace);

#endif
