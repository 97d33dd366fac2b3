// SPDX-License-Identifier: MIT
// view.h - a live text view of a topology's stats table, and the replay
// summary lines of `gale local --log-replays`.
//
// On a terminal a view redraws its frame in place with ANSI escapes, as
// `top` does; anywhere else it appends plain blocks, each after a timestamp
// line, so that scripts and tests can read what it printed. A view writes to
// one stream and is not thread-safe. Times are wall-clock (time_t) and are
// shown as local HH:MM:SS.

#ifndef GALE_WORKERS_VIEW_H
#define GALE_WORKERS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "gale.h"
#include "workers/stats.h"

// What a frame starts with on a terminal: cursor home. Each line then
// clears its rest, and the frame ends by clearing below it.
#define GALE_VIEW_HOME "\033[H"
#define GALE_VIEW_CLEAR_LINE "\033[K"
#define GALE_VIEW_CLEAR_BELOW "\033[J"

typedef struct gale_view gale_view;

typedef enum gale_view_mode {
	GALE_VIEW_APPEND = 0, // plain blocks, each after a timestamp line
	GALE_VIEW_REDRAW = 1, // one frame, redrawn in place (a terminal)
} gale_view_mode;

// REDRAW when fd is a terminal whose $TERM is set and not "dumb", else
// APPEND.
gale_view_mode gale_view_mode_for(int fd);

// Creates a view that writes to f (borrowed: it must outlive the view).
// title (copied; NULL means none) heads every REDRAW frame, followed by the
// time; APPEND blocks do not show it. GALE_EINVAL when out or f is NULL,
// GALE_ENOMEM.
gale_err gale_view_new(
    gale_view **out, FILE *f, gale_view_mode mode, const char *title);
// Frees the view (not its stream); accepts NULL or *vp == NULL and sets *vp
// to NULL.
void gale_view_destroy(gale_view **vp);

// Draws one frame showing header (may be NULL or "") and then body (may be
// NULL), at wall-clock time when, and flushes the stream. REDRAW: cursor
// home, the title line with the time, a blank line, header and body, every
// line clearing its rest and the frame clearing below it, all in one write.
// APPEND: a line `--- HH:MM:SS ---`, then header and body. A missing final
// newline is added. GALE_EIO when the stream cannot be written (for
// instance a closed pipe), GALE_ENOMEM.
gale_err gale_view_show(
    gale_view *v, const char *header, const char *body, time_t when);
// Draws the last frame again (after a terminal resize); nothing when none
// was drawn. Errors as gale_view_show.
gale_err gale_view_redraw(gale_view *v);
// How many frames were drawn.
uint64_t gale_view_frames(const gale_view *v);
// Ends the live display: in REDRAW mode, when a frame was drawn, clears the
// screen so that what is printed next starts at the top; in APPEND mode
// nothing. Idempotent until the next frame.
void gale_view_end(gale_view *v);

// The spouts' totals that the replay summary is made of.
typedef struct gale_view_totals {
	uint64_t acked;    // trees completed
	uint64_t failed;   // trees failed or timed out
	uint64_t replayed; // emits of a message that had failed
} gale_view_totals;

// Sums the totals of every spout of s into *out (bolts are not counted).
// GALE_ENOMEM, leaving *out zeroed.
gale_err gale_view_spout_totals(const gale_stats *s, gale_view_totals *out);

// Writes the line `HH:MM:SS summary: acked A failed F replayed R (last N
// s)` (no newline) into buf, of at most cap bytes including the NUL, and
// returns the length it needs, as snprintf does. Each count is now minus
// prev (0 where now is below prev, which totals never are); N is secs.
int gale_view_summary(char *buf, size_t cap, time_t when,
    const gale_view_totals *prev, const gale_view_totals *now, unsigned secs);

#endif // GALE_WORKERS_VIEW_H
