// SPDX-License-Identifier: MIT
// pace.c - count, seed and rate of a source.

#include <inttypes.h>
#include <math.h>

#include "components/pace.h"

gale_err
gale__pace_open(gale_pace *p, gale_context *ctx, const char *unit)
{
	p->rate     = gale_context_option_f64(ctx, "rate", 0);
	p->start_ns = 0;
	if (!(p->rate >= 0) || isinf(p->rate)) {
		gale_context_error(ctx,
		    "option 'rate': '%s' is not a rate (%s per second, 0 for "
		    "as fast as possible)",
		    gale_context_option(ctx, "rate"), unit);
		return GALE_EINVAL;
	}
	return GALE_OK;
}

uint64_t
gale__pace_due(gale_pace *p)
{
	if (p->rate <= 0) {
		return UINT64_MAX;
	}
	uint64_t now = gale_now_ns();
	if (p->start_ns == 0) {
		p->start_ns = now;
	}
	// Message k is due k / rate seconds after the first.
	double due = (double) (now - p->start_ns) * p->rate / 1e9;
	return due < 1e18 ? (uint64_t) due + 1 : UINT64_MAX;
}

gale_err
gale__generator_open(gale_context *ctx, const char *unit, uint64_t *count,
    uint64_t *seed, gale_pace *pace)
{
	int64_t n = gale_context_option_i64(ctx, "count", 0);
	*seed     = (uint64_t) gale_context_option_i64(ctx, "seed", 1);
	if (n < 0) {
		gale_context_error(ctx,
		    "option 'count': %" PRId64
		    " is negative (0 means unbounded)",
		    n);
		return GALE_EINVAL;
	}
	*count = (uint64_t) n;
	return gale__pace_open(pace, ctx, unit);
}
