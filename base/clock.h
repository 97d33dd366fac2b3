// SPDX-License-Identifier: MIT
// clock.h - the clocks: monotonic nanoseconds for intervals, wall-clock
// microseconds and local times of day for what people read.
//
// gale_now_ns, the monotonic clock, is public and declared in gale.h.

#ifndef GALE_BASE_CLOCK_H
#define GALE_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// Microseconds since the epoch on the wall clock, which may jump: for
// times shown to people or compared across processes, not for intervals.
uint64_t gale__clock_wall_us(void);

// Writes the local time of day as "HH:MM:SS.mmm" into buf (len bytes, at
// least 13 for the whole text).
void gale__clock_local_hms(char *buf, size_t len);

#endif // GALE_BASE_CLOCK_H
