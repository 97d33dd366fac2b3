// SPDX-License-Identifier: MIT
// view.c - a live text view of a topology's stats table, and the replay
// summary lines of `gale local --log-replays`.

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workers/view.h"

struct gale_view {
	FILE          *f;
	gale_view_mode mode;
	char          *title;
	char          *last;   // the last frame's bytes, for a redraw
	size_t         nlast;
	uint64_t       frames;
	bool           shown; // a REDRAW frame is on the screen
};

gale_view_mode
gale_view_mode_for(int fd)
{
	const char *term = getenv("TERM");
	if (!isatty(fd) || term == NULL || term[0] == '\0' ||
	    strcmp(term, "dumb") == 0) {
		return GALE_VIEW_APPEND;
	}
	return GALE_VIEW_REDRAW;
}

gale_err
gale_view_new(gale_view **out, FILE *f, gale_view_mode mode, const char *title)
{
	if (out == NULL || f == NULL) {
		return GALE_EINVAL;
	}
	gale_view *v = calloc(1, sizeof(*v));
	if (v == NULL) {
		return GALE_ENOMEM;
	}
	v->f    = f;
	v->mode = mode;
	if (title != NULL && (v->title = strdup(title)) == NULL) {
		free(v);
		return GALE_ENOMEM;
	}
	*out = v;
	return GALE_OK;
}

void
gale_view_destroy(gale_view **vp)
{
	if (vp == NULL || *vp == NULL) {
		return;
	}
	gale_view *v = *vp;
	free(v->title);
	free(v->last);
	free(v);
	*vp = NULL;
}

static void
view_clock(char *buf, size_t cap, time_t when)
{
	struct tm tm;
	if (localtime_r(&when, &tm) == NULL ||
	    strftime(buf, cap, "%H:%M:%S", &tm) == 0) {
		snprintf(buf, cap, "??:??:??");
	}
}

// Writes text line by line; on a terminal every line first clears what an
// earlier, longer frame left to its right. Adds a missing final newline.
static void
view_put_lines(FILE *m, const char *text, bool redraw)
{
	if (text == NULL || text[0] == '\0') {
		return;
	}
	const char *p = text;
	while (*p != '\0') {
		const char *nl  = strchr(p, '\n');
		size_t      len = nl != NULL ? (size_t) (nl - p) : strlen(p);
		fwrite(p, 1, len, m);
		if (redraw) {
			fputs(GALE_VIEW_CLEAR_LINE, m);
		}
		fputc('\n', m);
		p += len + (nl != NULL);
	}
}

static gale_err
view_write(gale_view *v, const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, v->f) != len || fflush(v->f) != 0) {
		clearerr(v->f);
		return GALE_EIO;
	}
	return GALE_OK;
}

gale_err
gale_view_show(gale_view *v, const char *header, const char *body, time_t when)
{
	assert(v != NULL);
	char  *buf = NULL;
	size_t len = 0;
	FILE  *m   = open_memstream(&buf, &len);
	if (m == NULL) {
		return GALE_ENOMEM;
	}
	char clock[16];
	view_clock(clock, sizeof(clock), when);
	bool redraw = v->mode == GALE_VIEW_REDRAW;
	if (redraw) {
		fputs(GALE_VIEW_HOME, m);
		fprintf(m, "%s%s%s" GALE_VIEW_CLEAR_LINE "\n",
		    v->title != NULL ? v->title : "",
		    v->title != NULL ? "  " : "", clock);
		fputs(GALE_VIEW_CLEAR_LINE "\n", m);
	} else {
		fprintf(m, "--- %s ---\n", clock);
	}
	view_put_lines(m, header, redraw);
	view_put_lines(m, body, redraw);
	if (redraw) {
		fputs(GALE_VIEW_CLEAR_BELOW, m);
	}
	if (fclose(m) != 0 || buf == NULL) {
		free(buf);
		return GALE_ENOMEM;
	}
	gale_err rv = view_write(v, buf, len);
	v->frames++;
	if (redraw) {
		v->shown = true;
		free(v->last);
		v->last  = buf;
		v->nlast = len;
	} else {
		free(buf);
	}
	return rv;
}

gale_err
gale_view_redraw(gale_view *v)
{
	assert(v != NULL);
	if (v->last == NULL) {
		return GALE_OK;
	}
	v->shown = true;
	return view_write(v, v->last, v->nlast);
}

uint64_t
gale_view_frames(const gale_view *v)
{
	assert(v != NULL);
	return v->frames;
}

void
gale_view_end(gale_view *v)
{
	assert(v != NULL);
	if (v->mode != GALE_VIEW_REDRAW || !v->shown) {
		return;
	}
	v->shown = false;
	(void) view_write(v, GALE_VIEW_HOME GALE_VIEW_CLEAR_BELOW,
	    strlen(GALE_VIEW_HOME GALE_VIEW_CLEAR_BELOW));
}

gale_err
gale_view_spout_totals(const gale_stats *s, gale_view_totals *out)
{
	assert(s != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	size_t n = gale_stats_components(s, NULL, 0);
	if (n == 0) {
		return GALE_OK;
	}
	gale_component_stats *cs = calloc(n, sizeof(*cs));
	if (cs == NULL) {
		return GALE_ENOMEM;
	}
	n = gale_stats_components(s, cs, n);
	for (size_t i = 0; i < n; i++) {
		if (!cs[i].is_spout) {
			continue;
		}
		out->acked += cs[i].c[GALE_M_ACKED];
		out->failed += cs[i].c[GALE_M_FAILED];
		out->replayed += cs[i].c[GALE_M_REPLAYED];
	}
	free(cs);
	return GALE_OK;
}

static uint64_t
view_since(uint64_t prev, uint64_t now)
{
	return now > prev ? now - prev : 0;
}

int
gale_view_summary(char *buf, size_t cap, time_t when,
    const gale_view_totals *prev, const gale_view_totals *now, unsigned secs)
{
	assert(prev != NULL && now != NULL);
	char clock[16];
	view_clock(clock, sizeof(clock), when);
	return snprintf(buf, cap,
	    "%s summary: acked %" PRIu64 " failed %" PRIu64
	    " replayed %" PRIu64 " (last %u s)",
	    clock, view_since(prev->acked, now->acked),
	    view_since(prev->failed, now->failed),
	    view_since(prev->replayed, now->replayed), secs);
}
