// SPDX-License-Identifier: MIT
// window.h - the windows of a windowed bolt: count and duration windows,
// sliding or tumbling, in processing or event time, with watermarks.
//
// The store keeps copies of the tuples it is given, decides when a window
// activates and when a tuple has left every window it belongs to, and
// says so through hooks. It never reads a clock: every call takes the time
// (milliseconds), so that tests drive it with a clock of their own.
// Single-threaded: one task's thread calls it.

#ifndef GALE_RUNTIME_WINDOW_H
#define GALE_RUNTIME_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "runtime/tuple.h"

#define GALE_WINDOW_MAX_TUPLES_DEFAULT 100000
#define GALE_WINDOW_LATE_STREAM "late"

typedef struct gale_window_cfg {
	bool        count; // length and slide in tuples, else milliseconds
	int64_t     length; // > 0
	int64_t     slide; // > 0, at most length
	const char *ts_field; // event time: the timestamp field; NULL: none
	int64_t     watermark_ms; // event time: how often the watermark moves
	int64_t     lag_ms; // event time: how far it trails
	bool        late_stream; // emit late tuples on stream "late"
	size_t      max_tuples; // the most tuples held
} gale_window_cfg;

// Looks an option up by name: its text, or NULL when it is not given.
typedef const char *(*gale_window_lookup)(void *arg, const char *name);

// Reads the window options (see gale.h, execute_window) through look,
// the length and slide under the names given (NULL: window.length and
// window.slide). ts_field points into what look returned. On an error
// writes a message naming the option into why and returns GALE_EINVAL.
gale_err gale__window_cfg_read(gale_window_cfg *cfg, gale_window_lookup look,
    void *arg, const char *length_name, const char *slide_name, char *why,
    size_t whylen);

// One activation, lent to the bolt's execute_window. Transparent inside
// the runtime, opaque to components.
struct gale_window {
	const gale_tuple **tuples;
	size_t             ntuples;
	const gale_tuple **fresh;
	size_t             nfresh;
	const gale_tuple **expired;
	size_t             nexpired;
	int64_t            start, end;
};

// What the store tells its owner. The tuples passed are the store's
// copies; a hook must not keep them.
typedef struct gale_window_hooks {
	void *arg;
	// A window activates.
	void (*activate)(void *arg, const gale_window *w);
	// A tuple has left every window it belongs to (not called for one
	// already acked or failed: t->done).
	void (*ack)(void *arg, gale_tuple *t);
	// A tuple is dropped because the store holds window.max_tuples.
	void (*fail)(void *arg, gale_tuple *t);
} gale_window_hooks;

typedef enum {
	GALE_WINDOW_ADDED = 0,
	GALE_WINDOW_LATE, // event time: at or before the watermark; not kept
	GALE_WINDOW_NO_TIMESTAMP, // event time: no integer timestamp field
} gale_window_added;

typedef struct gale_window_store gale_window_store;

// A store for cfg (copied; ts_field must outlive the store) reporting
// through hooks (copied).
gale_err gale__window_new(gale_window_store **out, const gale_window_cfg *cfg,
    const gale_window_hooks *hooks);
// Frees the store and the tuples it holds, without calling any hook.
// Accepts NULL.
void gale__window_destroy(gale_window_store **wp);

// Adds a copy of t, which arrived at now. Count windows may activate and
// every window may fail its oldest tuples (max_tuples) before it returns.
// *added says what became of t; GALE_ENOMEM when it could not be copied.
gale_err gale__window_add(gale_window_store *w, const gale_tuple *t,
    int64_t now, gale_window_added *added);

// Does what is due at now: processing-time activations, event-time
// watermarks and the activations they allow. Returns when it is due next
// (INT64_MAX: only input moves it).
int64_t gale__window_advance(gale_window_store *w, int64_t now);

// The input has ended: every window holding tuples no activation has seen
// activates (event time: as if the watermark passed every tuple), then
// every tuple still held is acked.
void gale__window_flush(gale_window_store *w, int64_t now);

// What an emit during the activate hook is anchored to, so that it is
// anchored to every tuple of the window without carrying each: a few of
// its tuples (reps) that between them carry every root of the window, and
// the roots of each (pairs, sorted by root; pairs[i].rep indexes reps).
// An emit takes a fresh edge per picked tuple, XORs it into that tuple's
// ack_val, and carries for each root the XOR of the edges of the picked
// tuples that carry it. Returns the number of reps. Rebuilt when a picked
// tuple was acked or failed meanwhile; valid until the next call, during
// the activate hook only; caller must not free.
typedef struct gale_window_pair {
	uint64_t root;
	uint32_t rep;
} gale_window_pair;
size_t gale__window_cover(gale_window_store *w, gale_tuple *const **reps,
    const gale_window_pair **pairs, size_t *npairs);

// The tuples held, and the late tuples seen so far.
size_t   gale__window_held(const gale_window_store *w);
uint64_t gale__window_late(const gale_window_store *w);
// The watermark (event time), or INT64_MIN before the first one.
int64_t gale__window_watermark(const gale_window_store *w);

#endif // GALE_RUNTIME_WINDOW_H
