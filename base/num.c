// SPDX-License-Identifier: MIT
// num.c - one parser each for integers, floats, booleans and durations.

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"

// Quotes at most this many bytes of the input in a reason.
#define NUM_QUOTE 40

static gale_err
num_fail(char *why, size_t whylen, const char *s, const char *what)
{
	if (why != NULL && whylen > 0) {
		snprintf(why, whylen, "'%.*s%s' %s", NUM_QUOTE, s,
		    strlen(s) > NUM_QUOTE ? "..." : "", what);
	}
	return GALE_EINVAL;
}

// Digits only, at least one.
static bool
num_digits(const char *p)
{
	if (!isdigit((unsigned char) *p)) {
		return false;
	}
	for (; *p != '\0'; p++) {
		if (!isdigit((unsigned char) *p)) {
			return false;
		}
	}
	return true;
}

gale_err
gale__parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
    char *why, size_t whylen)
{
	const char *p = s;
	if (*p == '+' || *p == '-') {
		p++;
	}
	if (!num_digits(p)) {
		return num_fail(why, whylen, s, "is not a decimal integer");
	}
	errno       = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max) {
		char what[96];
		snprintf(what, sizeof(what),
		    "is out of range (%" PRId64 " to %" PRId64 ")", min, max);
		return num_fail(why, whylen, s, what);
	}
	*out = (int64_t) v;
	return GALE_OK;
}

gale_err
gale__parse_u64(
    const char *s, uint64_t max, uint64_t *out, char *why, size_t whylen)
{
	const char *p = s;
	if (*p == '+') {
		p++;
	}
	if (!num_digits(p)) {
		return num_fail(
		    why, whylen, s, "is not a non-negative decimal integer");
	}
	errno                = 0;
	unsigned long long v = strtoull(p, NULL, 10);
	if (errno == ERANGE || v > max) {
		char what[96];
		snprintf(what, sizeof(what), "is out of range (0 to %" PRIu64 ")",
		    max);
		return num_fail(why, whylen, s, what);
	}
	*out = (uint64_t) v;
	return GALE_OK;
}

gale_err
gale__parse_f64(const char *s, double *out, char *why, size_t whylen)
{
	// strtod skips leading space and reads hex floats, "nan" and "inf";
	// none of them is a plain decimal number, so they are refused.
	bool digit = false;
	for (const char *q = s; *q != '\0'; q++) {
		if (isdigit((unsigned char) *q)) {
			digit = true;
		} else if (strchr("+-.eE", *q) == NULL) {
			digit = false;
			break;
		}
	}
	char *end = NULL;
	errno     = 0;
	double v  = digit ? strtod(s, &end) : 0;
	if (!digit || end == s || *end != '\0') {
		return num_fail(why, whylen, s, "is not a decimal number");
	}
	if (errno == ERANGE || !isfinite(v)) {
		return num_fail(why, whylen, s, "is out of range");
	}
	*out = v;
	return GALE_OK;
}

gale_err
gale__parse_bool(const char *s, bool *out, char *why, size_t whylen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[]  = { "false", "no", "off", "0" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return GALE_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return GALE_OK;
		}
	}
	return num_fail(why, whylen, s, "is not a boolean (true or false)");
}

gale_err
gale__parse_duration(const char *s, double default_unit_s, double *out_s,
    char *why, size_t whylen)
{
	static const struct {
		const char *unit;
		double      seconds;
	} units[] = {
		{ "ms", 0.001 },
		{ "s", 1 },
		{ "m", 60 },
		{ "h", 3600 },
		{ "d", 86400 },
	};
	size_t len = strlen(s);
	size_t num = len;
	while (num > 0 && isalpha((unsigned char) s[num - 1])) {
		num--;
	}
	double scale = default_unit_s;
	if (num < len) {
		scale = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(s + num, units[i].unit) == 0) {
				scale = units[i].seconds;
			}
		}
	}
	char digits[64];
	if (scale == 0 || num == 0 || num >= sizeof(digits)) {
		return num_fail(why, whylen, s,
		    "is not a duration (a number with ms, s, m, h or d)");
	}
	memcpy(digits, s, num);
	digits[num] = '\0';
	double v;
	if (gale__parse_f64(digits, &v, NULL, 0) != GALE_OK || v < 0) {
		return num_fail(why, whylen, s,
		    "is not a duration (a number with ms, s, m, h or d)");
	}
	if (!isfinite(v * scale)) {
		return num_fail(why, whylen, s, "is out of range");
	}
	*out_s = v * scale;
	return GALE_OK;
}
