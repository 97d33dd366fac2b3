// SPDX-License-Identifier: MIT
// num.h - one parser each for integers, floats, booleans and durations.
//
// Options, config keys and command-line flags all read numbers here, so
// they agree: decimal only ("010" is ten, "0x10" is refused), the whole
// string or nothing (no spaces, no trailing text), overflow checked. On
// failure each returns GALE_EINVAL and, when why is not NULL, writes a
// reason that quotes the input into why (whylen bytes), such as
// "'12x' is not a decimal integer" or "'300' is out of range (0 to 255)".

#ifndef GALE_BASE_NUM_H
#define GALE_BASE_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// A decimal integer with an optional sign, within [min, max].
gale_err gale__parse_i64(const char *s, int64_t min, int64_t max,
    int64_t *out, char *why, size_t whylen);

// A decimal integer without a sign, at most max.
gale_err gale__parse_u64(
    const char *s, uint64_t max, uint64_t *out, char *why, size_t whylen);

// A finite decimal number ("1", "-2.5", "1e3"); no hex, nan or inf.
gale_err gale__parse_f64(const char *s, double *out, char *why, size_t whylen);

// true, yes, on, 1 / false, no, off, 0, in any case.
gale_err gale__parse_bool(const char *s, bool *out, char *why, size_t whylen);

// A duration: a non-negative decimal number with an optional unit, ms, s,
// m, h or d ("250ms", "30s", "5m", "1.5h"); a bare number is in
// default_unit_s seconds (1 for seconds, 0.001 for milliseconds). Sets
// *out_s in seconds.
gale_err gale__parse_duration(const char *s, double default_unit_s,
    double *out_s, char *why, size_t whylen);

#endif // GALE_BASE_NUM_H
