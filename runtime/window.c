// SPDX-License-Identifier: MIT
// window.c - the windows of a windowed bolt: which tuples a window holds,
// when it activates and when a tuple has left every window it belongs to.
//
// Held tuples are kept oldest first (by arrival, or by timestamp in event
// time), so that every window is a run of them. After each activation the
// tuples no later window can hold are acked at once and kept, for the next
// activation to report as expired; then they are freed.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "runtime/window.h"

// A held tuple and its copies of values, anchors and bytes, in one
// allocation; t comes first, so that a gale_tuple pointer given out is the
// entry.
typedef struct window_entry {
	gale_tuple t;
	int64_t    ts;
	bool       seen; // an activation held it
} window_entry;

struct gale_window_store {
	gale_window_cfg   cfg;
	gale_window_hooks hooks;

	window_entry **v; // held, oldest first: v[head] to v[head + n - 1]
	size_t         head, n, cap;
	window_entry **gone; // acked since the last activation, to report
	size_t         ngone, gone_cap;

	int64_t  last_ts; // processing time: the latest arrival time
	int64_t  since; // count windows: tuples since the last activation
	int64_t  next_fire; // processing time: the next activation
	int64_t  next_wm; // event time: the next watermark
	int64_t  next_end; // event time: the next window's end
	bool     started, have_end, have_max;
	int64_t  max_ts, wm;
	uint64_t late;

	gale_window        view;
	const gale_tuple **scratch; // view arrays: [cap] each
	size_t             scratch_cap;
	// The anchors of an activation's emits (gale__window_cover).
	gale_window_pair *all; // every root of the window, and its tuple
	size_t            nall, all_cap;
	gale_tuple      **reps; // the tuples picked
	size_t            nreps, reps_cap;
	gale_window_pair *pairs; // the roots of the picked, by root
	size_t            npairs, pairs_cap;
	bool              cover_built;
};

// ---------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------

// A length or a slide: a count of tuples ("1000") or a duration ("30s").
static gale_err
window_read_size(const char *name, const char *s, bool *count, int64_t *out,
    char *why, size_t whylen)
{
	uint64_t u;
	if (gale__parse_u64(s, INT32_MAX, &u, NULL, 0) == GALE_OK) {
		if (u == 0) {
			snprintf(
			    why, whylen, "option '%s': must be above 0", name);
			return GALE_EINVAL;
		}
		*count = true;
		*out   = (int64_t) u;
		return GALE_OK;
	}
	double secs;
	if (gale__parse_duration(s, 1, &secs, NULL, 0) != GALE_OK
	    || !(secs * 1000 >= 1) || secs > 1e9) {
		snprintf(why, whylen,
		    "option '%s': '%s' is neither a count of tuples (1000) "
		    "nor a duration of at least 1ms (30s, 5m)",
		    name, s);
		return GALE_EINVAL;
	}
	*count = false;
	*out   = (int64_t) (secs * 1000 + 0.5);
	return GALE_OK;
}

static gale_err
window_read_ms(gale_window_lookup look, void *arg, const char *name,
    int64_t def, int64_t min, int64_t *out, char *why, size_t whylen)
{
	const char *s = look(arg, name);
	*out          = def;
	if (s == NULL) {
		return GALE_OK;
	}
	double secs;
	char   reason[200];
	if (gale__parse_duration(s, 1, &secs, reason, sizeof(reason))
	    != GALE_OK) {
		snprintf(why, whylen, "option '%s': %s", name, reason);
		return GALE_EINVAL;
	}
	if (secs * 1000 < (double) min || secs > 1e9) {
		snprintf(
		    why, whylen, "option '%s': '%s' is out of range", name, s);
		return GALE_EINVAL;
	}
	*out = (int64_t) (secs * 1000 + 0.5);
	return GALE_OK;
}

gale_err
gale__window_cfg_read(gale_window_cfg *cfg, gale_window_lookup look, void *arg,
    const char *length_name, const char *slide_name, char *why, size_t whylen)
{
	memset(cfg, 0, sizeof(*cfg));
	length_name     = length_name != NULL ? length_name : "window.length";
	slide_name      = slide_name != NULL ? slide_name : "window.slide";
	const char *len = look(arg, length_name);
	if (len == NULL) {
		snprintf(why, whylen,
		    "option '%s' is required: the window's length, a count "
		    "(1000) or a duration (30s)",
		    length_name);
		return GALE_EINVAL;
	}
	if (window_read_size(
		length_name, len, &cfg->count, &cfg->length, why, whylen)
	    != GALE_OK) {
		return GALE_EINVAL;
	}
	cfg->slide        = cfg->length;
	const char *slide = look(arg, slide_name);
	if (slide != NULL) {
		bool count;
		if (window_read_size(
			slide_name, slide, &count, &cfg->slide, why, whylen)
		    != GALE_OK) {
			return GALE_EINVAL;
		}
		if (count != cfg->count) {
			snprintf(why, whylen,
			    "option '%s': '%s' is a %s but '%s' is a %s; give "
			    "both as counts or both as durations",
			    slide_name, slide, count ? "count" : "duration",
			    length_name, cfg->count ? "count" : "duration");
			return GALE_EINVAL;
		}
	}
	if (cfg->slide > cfg->length) {
		snprintf(why, whylen,
		    "option '%s': '%s' is longer than the window ('%s': "
		    "'%s'); a tuple would belong to no window",
		    slide_name, slide, length_name, len);
		return GALE_EINVAL;
	}
	cfg->ts_field = look(arg, "window.timestamp_field");
	if (cfg->ts_field != NULL && cfg->count) {
		snprintf(why, whylen,
		    "option 'window.timestamp_field': event time needs a "
		    "duration window; '%s' is a count",
		    length_name);
		return GALE_EINVAL;
	}
	if (window_read_ms(look, arg, "window.watermark_interval", 1000, 1,
		&cfg->watermark_ms, why, whylen)
	    != GALE_OK) {
		return GALE_EINVAL;
	}
	if (window_read_ms(
		look, arg, "window.lag", 0, 0, &cfg->lag_ms, why, whylen)
	    != GALE_OK) {
		return GALE_EINVAL;
	}
	const char *late = look(arg, "window.late_stream");
	char        reason[200];
	if (late != NULL
	    && gale__parse_bool(
		   late, &cfg->late_stream, reason, sizeof(reason))
		!= GALE_OK) {
		snprintf(
		    why, whylen, "option 'window.late_stream': %s", reason);
		return GALE_EINVAL;
	}
	cfg->max_tuples     = GALE_WINDOW_MAX_TUPLES_DEFAULT;
	const char *max_s   = look(arg, "window.max_tuples");
	uint64_t    max_val = 0;
	if (max_s != NULL
	    && (gale__parse_u64(
		    max_s, INT32_MAX, &max_val, reason, sizeof(reason))
		    != GALE_OK
		|| max_val == 0)) {
		snprintf(why, whylen, "option 'window.max_tuples': %s",
		    max_val == 0 && reason[0] == '\0' ? "must be above 0"
						      : reason);
		return GALE_EINVAL;
	}
	if (max_s != NULL) {
		cfg->max_tuples = (size_t) max_val;
	}
	if (cfg->count && (uint64_t) cfg->length > cfg->max_tuples) {
		snprintf(why, whylen,
		    "option '%s': %" PRId64
		    " tuples is more than window.max_tuples (%zu)",
		    length_name, cfg->length, cfg->max_tuples);
		return GALE_EINVAL;
	}
	return GALE_OK;
}

// ---------------------------------------------------------------------
// Held tuples
// ---------------------------------------------------------------------

static window_entry *
window_at(const gale_window_store *w, size_t i)
{
	return w->v[w->head + i];
}

// Copies t, its values, the bytes they point to and its anchors.
static window_entry *
window_copy(const gale_tuple *t, int64_t ts)
{
	size_t bytes = 0;
	for (size_t i = 0; i < t->nvalues; i++) {
		if (t->values[i].type == GALE_STR
		    || t->values[i].type == GALE_BYTES) {
			bytes += t->values[i].u.s.len;
		}
	}
	size_t        vsz = t->nvalues * sizeof(gale_value);
	size_t        asz = t->nanchors * sizeof(gale_anchor);
	window_entry *e   = malloc(sizeof(*e) + vsz + asz + bytes + 1);
	if (e == NULL) {
		return NULL;
	}
	gale_value  *values  = (gale_value *) (e + 1);
	gale_anchor *anchors = (gale_anchor *) ((char *) values + vsz);
	char        *data    = (char *) anchors + asz;
	memcpy(values, t->values, vsz);
	memcpy(anchors, t->anchors, asz);
	for (size_t i = 0; i < t->nvalues; i++) {
		gale_value *v = &values[i];
		if (v->type == GALE_STR || v->type == GALE_BYTES) {
			memcpy(data, v->u.s.ptr, v->u.s.len);
			v->u.s.ptr = data;
			data += v->u.s.len;
		}
	}
	e->t         = *t;
	e->t.values  = values;
	e->t.anchors = anchors;
	e->t.ack_val = 0;
	e->t.done    = false;
	e->ts        = ts;
	e->seen      = false;
	return e;
}

static gale_err
window_reserve(gale_window_store *w)
{
	if (w->head + w->n < w->cap) {
		return GALE_OK;
	}
	if (w->head > 0) {
		memmove(w->v, w->v + w->head, w->n * sizeof(*w->v));
		w->head = 0;
		if (w->n < w->cap) {
			return GALE_OK;
		}
	}
	size_t         cap = w->cap ? w->cap * 2 : 64;
	window_entry **v   = realloc(w->v, cap * sizeof(*v));
	if (v == NULL) {
		return GALE_ENOMEM;
	}
	w->v   = v;
	w->cap = cap;
	return GALE_OK;
}

// The first held tuple whose time is above ts (n when there is none).
static size_t
window_upper(const gale_window_store *w, int64_t ts)
{
	size_t lo = 0, hi = w->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (window_at(w, mid)->ts <= ts) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

// Holds e in time order; after any tuple of the same time.
static void
window_insert(gale_window_store *w, window_entry *e)
{
	size_t at = window_upper(w, e->ts);
	memmove(w->v + w->head + at + 1, w->v + w->head + at,
	    (w->n - at) * sizeof(*w->v));
	w->v[w->head + at] = e;
	w->n++;
}

static gale_err
window_gone_push(gale_window_store *w, window_entry *e)
{
	if (w->ngone == w->gone_cap) {
		size_t         cap = w->gone_cap ? w->gone_cap * 2 : 64;
		window_entry **g   = realloc(w->gone, cap * sizeof(*g));
		if (g == NULL) {
			return GALE_ENOMEM;
		}
		w->gone     = g;
		w->gone_cap = cap;
	}
	w->gone[w->ngone++] = e;
	return GALE_OK;
}

// Lets go of the oldest k held tuples, which no later window holds: each
// is acked, and kept to be reported as expired when an activation held it
// (freed at once otherwise, or when it cannot be kept).
static void
window_expire(gale_window_store *w, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		window_entry *e = window_at(w, i);
		if (!e->t.done) {
			w->hooks.ack(w->hooks.arg, &e->t);
		}
		if (!e->seen || window_gone_push(w, e) != GALE_OK) {
			free(e);
		}
	}
	w->head += k;
	w->n -= k;
}

// Fails the oldest tuples while more than max_tuples are held.
static void
window_bound(gale_window_store *w)
{
	while (w->n > w->cfg.max_tuples) {
		window_entry *e = window_at(w, 0);
		if (!e->t.done) {
			w->hooks.fail(w->hooks.arg, &e->t);
		}
		if (!e->seen || window_gone_push(w, e) != GALE_OK) {
			free(e);
		}
		w->head++;
		w->n--;
	}
}

// ---------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------

static gale_err
window_scratch(gale_window_store *w, size_t n)
{
	if (n <= w->scratch_cap) {
		return GALE_OK;
	}
	size_t cap = w->scratch_cap ? w->scratch_cap : 64;
	while (cap < n) {
		cap *= 2;
	}
	const gale_tuple **s = realloc(w->scratch, 3 * cap * sizeof(*s));
	if (s == NULL) {
		return GALE_ENOMEM;
	}
	w->scratch     = s;
	w->scratch_cap = cap;
	return GALE_OK;
}

// Activates the window of the held tuples lo to hi - 1, then frees what
// was reported as expired.
static void
window_activate(
    gale_window_store *w, size_t lo, size_t hi, int64_t start, int64_t end)
{
	size_t need = hi - lo > w->ngone ? hi - lo : w->ngone;
	if (window_scratch(w, need) != GALE_OK) {
		// Without room to describe the window the bolt cannot see it;
		// its tuples are still acked when they expire.
		return;
	}
	gale_window *v = &w->view;
	v->tuples      = w->scratch;
	v->fresh       = w->scratch + w->scratch_cap;
	v->expired     = w->scratch + 2 * w->scratch_cap;
	v->ntuples = v->nfresh = v->nexpired = 0;
	for (size_t i = lo; i < hi; i++) {
		window_entry *e         = window_at(w, i);
		v->tuples[v->ntuples++] = &e->t;
		if (!e->seen) {
			v->fresh[v->nfresh++] = &e->t;
			e->seen               = true;
		}
	}
	for (size_t i = 0; i < w->ngone; i++) {
		v->expired[v->nexpired++] = &w->gone[i]->t;
	}
	v->start       = start;
	v->end         = end;
	w->cover_built = false;
	w->hooks.activate(w->hooks.arg, v);
	w->cover_built = false;
	for (size_t i = 0; i < w->ngone; i++) {
		free(w->gone[i]);
	}
	w->ngone = 0;
}

static int
window_pair_cmp(const void *a, const void *b)
{
	const gale_window_pair *x = a, *y = b;
	if (x->root != y->root) {
		return x->root < y->root ? -1 : 1;
	}
	return x->rep < y->rep ? -1 : x->rep > y->rep;
}

static bool
window_grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap) {
		return true;
	}
	size_t c = *cap ? *cap : 64;
	while (c < need) {
		c *= 2;
	}
	void *q = realloc(*p, c * size);
	if (q == NULL) {
		return false;
	}
	*p   = q;
	*cap = c;
	return true;
}

// The first of the sorted all[0..n-1] whose root is root.
static size_t
window_root_find(const gale_window_pair *all, size_t n, uint64_t root)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (all[mid].root < root) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

// Picks tuples of the window, one for each root not carried by one picked
// before, and lists every root of each.
static void
window_cover_build(gale_window_store *w)
{
	w->nall = w->npairs = w->nreps = 0;
	for (size_t i = 0; i < w->view.ntuples; i++) {
		gale_tuple *t = (gale_tuple *) w->view.tuples[i];
		if (t->done || t->nanchors == 0) {
			continue;
		}
		if (!window_grow((void **) &w->all, &w->all_cap,
			w->nall + t->nanchors, sizeof(*w->all))) {
			return;
		}
		for (size_t k = 0; k < t->nanchors; k++) {
			w->all[w->nall++]
			    = (gale_window_pair) { t->anchors[k].root,
				      (uint32_t) i };
		}
	}
	qsort(w->all, w->nall, sizeof(*w->all), window_pair_cmp);
	// A root is covered once the group of pairs that starts with it is
	// marked: rep is set to UINT32_MAX.
	for (size_t g = 0; g < w->nall; g++) {
		if (w->all[g].rep == UINT32_MAX
		    || (g > 0 && w->all[g - 1].root == w->all[g].root)) {
			continue;
		}
		gale_tuple *t = (gale_tuple *) w->view.tuples[w->all[g].rep];
		if (!window_grow((void **) &w->reps, &w->reps_cap,
			w->nreps + 1, sizeof(*w->reps))
		    || !window_grow((void **) &w->pairs, &w->pairs_cap,
			w->npairs + t->nanchors, sizeof(*w->pairs))) {
			w->npairs = w->nreps = 0;
			return;
		}
		uint32_t rep        = (uint32_t) w->nreps;
		w->reps[w->nreps++] = t;
		for (size_t k = 0; k < t->nanchors; k++) {
			uint64_t root = t->anchors[k].root;
			size_t   at = window_root_find(w->all, w->nall, root);
			w->pairs[w->npairs++]
			    = (gale_window_pair) { root, rep };
			if (at < w->nall) {
				w->all[at].rep = UINT32_MAX;
			}
		}
	}
	qsort(w->pairs, w->npairs, sizeof(*w->pairs), window_pair_cmp);
	w->cover_built = true;
}

size_t
gale__window_cover(gale_window_store *w, gale_tuple *const **reps,
    const gale_window_pair **pairs, size_t *npairs)
{
	bool stale = !w->cover_built;
	for (size_t i = 0; i < w->nreps && !stale; i++) {
		stale = w->reps[i]->done;
	}
	if (stale) {
		window_cover_build(w);
	}
	*reps   = w->reps;
	*pairs  = w->pairs;
	*npairs = w->npairs;
	return w->nreps;
}

// Count windows: the newest length tuples, every slide tuples; afterwards
// only the newest length - slide can be in the next one.
static void
window_count_fire(gale_window_store *w)
{
	size_t len = (size_t) w->cfg.length;
	size_t lo  = w->n > len ? w->n - len : 0;
	window_activate(
	    w, lo, w->n, window_at(w, lo)->ts, window_at(w, w->n - 1)->ts);
	size_t keep = (size_t) (w->cfg.length - w->cfg.slide);
	window_expire(w, w->n > keep ? w->n - keep : 0);
}

// Duration windows: in event time the window (end - length, end], as
// Storm's; in processing time [end - length, end), so that the first
// window holds what arrived in the very millisecond it opened. Afterwards
// the next one starts at end + slide - length at the earliest.
static void
window_time_fire(gale_window_store *w, int64_t end)
{
	int64_t open = w->cfg.ts_field != NULL ? 0 : 1;
	size_t  lo   = window_upper(w, end - w->cfg.length - open);
	size_t  hi   = window_upper(w, end - open);
	if (hi > lo || w->ngone > 0) {
		window_activate(w, lo, hi, end - w->cfg.length, end);
	}
	window_expire(w,
	    window_upper(w, end + w->cfg.slide - w->cfg.length - open));
}

// The smallest multiple of the slide at or above ts.
static int64_t
window_align_up(int64_t ts, int64_t slide)
{
	int64_t q = ts / slide;
	if (q * slide < ts) {
		q++;
	}
	return q * slide;
}

// Event time: activates every window that ends at or before wm, skipping
// those that would hold nothing.
static void
window_evaluate(gale_window_store *w, int64_t wm, bool all)
{
	for (;;) {
		if (w->n == 0) {
			w->have_end = false;
			return;
		}
		// Windows that end before the oldest held tuple hold nothing:
		// the next one to activate is the first that holds it.
		int64_t first
		    = window_align_up(window_at(w, 0)->ts, w->cfg.slide);
		if (!w->have_end || w->next_end < first) {
			w->next_end = first;
			w->have_end = true;
		}
		if (!all && w->next_end > wm) {
			return;
		}
		window_time_fire(w, w->next_end);
		w->next_end += w->cfg.slide;
	}
}

// ---------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------

gale_err
gale__window_new(gale_window_store **out, const gale_window_cfg *cfg,
    const gale_window_hooks *hooks)
{
	gale_window_store *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return GALE_ENOMEM;
	}
	w->cfg   = *cfg;
	w->hooks = *hooks;
	if (w->cfg.max_tuples == 0) {
		w->cfg.max_tuples = GALE_WINDOW_MAX_TUPLES_DEFAULT;
	}
	w->wm      = INT64_MIN;
	w->last_ts = INT64_MIN;
	*out       = w;
	return GALE_OK;
}

void
gale__window_destroy(gale_window_store **wp)
{
	gale_window_store *w = *wp;
	if (w == NULL) {
		return;
	}
	for (size_t i = 0; i < w->n; i++) {
		free(window_at(w, i));
	}
	for (size_t i = 0; i < w->ngone; i++) {
		free(w->gone[i]);
	}
	free(w->v);
	free(w->gone);
	free(w->scratch);
	free(w->pairs);
	free(w->all);
	free(w->reps);
	free(w);
	*wp = NULL;
}

// Starts the clocks of the time-driven windows at the first call.
static void
window_start(gale_window_store *w, int64_t now)
{
	if (w->started) {
		return;
	}
	w->started   = true;
	w->next_fire = now + w->cfg.slide;
	w->next_wm   = now + w->cfg.watermark_ms;
}

gale_err
gale__window_add(gale_window_store *w, const gale_tuple *t, int64_t now,
    gale_window_added *added)
{
	window_start(w, now);
	int64_t ts = now;
	if (w->cfg.ts_field != NULL) {
		const gale_value *v = gale_tuple_field(t, w->cfg.ts_field);
		if (v == NULL || v->type != GALE_I64) {
			*added = GALE_WINDOW_NO_TIMESTAMP;
			return GALE_OK;
		}
		ts = v->u.i64;
		if (ts <= w->wm) {
			w->late++;
			*added = GALE_WINDOW_LATE;
			return GALE_OK;
		}
	} else {
		// Processing time never goes back, even when the wall clock
		// does: arrivals stay in order.
		ts         = now > w->last_ts ? now : w->last_ts;
		w->last_ts = ts;
	}
	if (window_reserve(w) != GALE_OK) {
		return GALE_ENOMEM;
	}
	window_entry *e = window_copy(t, ts);
	if (e == NULL) {
		return GALE_ENOMEM;
	}
	*added = GALE_WINDOW_ADDED;
	if (w->cfg.ts_field != NULL) {
		window_insert(w, e);
		if (!w->have_max || ts > w->max_ts) {
			w->max_ts   = ts;
			w->have_max = true;
		}
	} else {
		w->v[w->head + w->n++] = e;
	}
	window_bound(w);
	if (w->cfg.count && ++w->since >= w->cfg.slide) {
		w->since = 0;
		window_count_fire(w);
	}
	return GALE_OK;
}

int64_t
gale__window_advance(gale_window_store *w, int64_t now)
{
	window_start(w, now);
	if (w->cfg.count) {
		return INT64_MAX;
	}
	if (w->cfg.ts_field == NULL) {
		while (now >= w->next_fire) {
			window_time_fire(w, w->next_fire);
			w->next_fire += w->cfg.slide;
		}
		return w->next_fire;
	}
	if (now >= w->next_wm) {
		w->next_wm = now + w->cfg.watermark_ms;
		if (w->have_max && w->max_ts - w->cfg.lag_ms > w->wm) {
			w->wm = w->max_ts - w->cfg.lag_ms;
			window_evaluate(w, w->wm, false);
		}
	}
	return w->next_wm;
}

void
gale__window_flush(gale_window_store *w, int64_t now)
{
	gale__window_advance(w, now);
	bool unseen = false;
	for (size_t i = 0; i < w->n && !unseen; i++) {
		unseen = !window_at(w, i)->seen;
	}
	if (unseen && w->cfg.ts_field != NULL) {
		window_evaluate(w, INT64_MAX, true);
	} else if (unseen && w->cfg.count) {
		size_t len = (size_t) w->cfg.length;
		size_t lo  = w->n > len ? w->n - len : 0;
		window_activate(w, lo, w->n, window_at(w, lo)->ts,
		    window_at(w, w->n - 1)->ts);
	} else if (unseen) {
		int64_t end = now > w->last_ts ? now : w->last_ts;
		size_t  lo  = window_upper(w, end - w->cfg.length);
		window_activate(w, lo, w->n, end - w->cfg.length, end);
	}
	window_expire(w, w->n);
	w->since = 0;
	for (size_t i = 0; i < w->ngone; i++) {
		free(w->gone[i]);
	}
	w->ngone = 0;
}

size_t
gale__window_held(const gale_window_store *w)
{
	return w->n;
}

uint64_t
gale__window_late(const gale_window_store *w)
{
	return w->late;
}

int64_t
gale__window_watermark(const gale_window_store *w)
{
	return w->wm;
}

// ---------------------------------------------------------------------
// The public view
// ---------------------------------------------------------------------

const gale_tuple *const *
gale_window_tuples(const gale_window *w, size_t *n)
{
	*n = w->ntuples;
	return w->tuples;
}

const gale_tuple *const *
gale_window_new_tuples(const gale_window *w, size_t *n)
{
	*n = w->nfresh;
	return w->fresh;
}

const gale_tuple *const *
gale_window_expired_tuples(const gale_window *w, size_t *n)
{
	*n = w->nexpired;
	return w->expired;
}

int64_t
gale_window_start(const gale_window *w)
{
	return w->start;
}

int64_t
gale_window_end(const gale_window *w)
{
	return w->end;
}
