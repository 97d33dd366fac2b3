// SPDX-License-Identifier: MIT
// wordcount_store.c - incremental stores of a word count part: the words
// changed since the last store appended, compacted by a rewrite.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/wordcount_impl.h"

// ---------------------------------------------------------------------
// Incremental stores
// ---------------------------------------------------------------------

// The log is compacted (the part rewritten whole) once what was appended
// since the last rewrite is this many times the rewritten part, and at
// least WC_COMPACT_MIN bytes: every appended byte pays for a bounded share
// of the next rewrite.
#define WC_COMPACT_RATIO 3
#define WC_COMPACT_MIN (1024 * 1024)

struct gale_wc_part {
	char     path[WC_PATH_MAX];
	char     header[WC_HEADER_MAX];
	int      fd; // appends to path; -1 until the first rewrite
	uint64_t base; // bytes of the last rewrite
	uint64_t logged; // bytes appended since
	uint64_t rewrites;
	char     buf[WC_BLOCK];
	size_t   used;
};

gale_err
gale__wc_part_new(gale_wc_part **out, const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, char *err, size_t errlen)
{
	gale_wc_part *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "'%s': out of memory", output);
		return GALE_ENOMEM;
	}
	gale_err rv = gale__wc_part_names(output, run_id, index, ntasks, false,
	    p->path, p->header, err, errlen);
	if (rv != GALE_OK) {
		free(p);
		return rv;
	}
	p->fd = -1;
	*out  = p;
	return GALE_OK;
}

void
gale__wc_part_destroy(gale_wc_part **pp)
{
	gale_wc_part *p = *pp;
	if (p == NULL) {
		return;
	}
	if (p->fd >= 0) {
		close(p->fd);
	}
	free(p);
	*pp = NULL;
}

uint64_t
gale__wc_part_rewrites(const gale_wc_part *p)
{
	return p->rewrites;
}

static gale_err
wc_write_all(
    gale_wc_part *p, const void *data, size_t len, char *err, size_t errlen)
{
	const char *d = data;
	while (len > 0) {
		ssize_t n = write(p->fd, d, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			snprintf(err, errlen, "cannot append to '%s': %s",
			    p->path, n < 0 ? strerror(errno) : "short write");
			return GALE_EIO;
		}
		d += n;
		len -= (size_t) n;
	}
	return GALE_OK;
}

static gale_err
wc_part_flush(gale_wc_part *p, char *err, size_t errlen)
{
	gale_err rv = wc_write_all(p, p->buf, p->used, err, errlen);
	p->logged += p->used;
	p->used = 0;
	return rv;
}

// Rewrites the part whole, then appends to the new file.
static gale_err
wc_part_rewrite(gale_wc_part *p, gale_wc *w, char *err, size_t errlen)
{
	if (p->fd >= 0) {
		close(p->fd);
		p->fd = -1;
	}
	uint64_t bytes;
	gale_err rv = gale__wc_write_atomic(
	    p->path, p->header, w, NULL, &bytes, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	p->fd = open(p->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (p->fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", p->path,
		    strerror(errno));
		return GALE_EIO;
	}
	p->base   = bytes;
	p->logged = 0;
	p->rewrites++;
	gale__wc_clear_changed(w);
	return GALE_OK;
}

gale_err
gale__wc_part_store(gale_wc_part *p, gale_wc *w, char *err, size_t errlen)
{
	if (p->fd < 0
	    || (p->logged >= WC_COMPACT_MIN
		&& p->logged >= WC_COMPACT_RATIO * p->base)) {
		return wc_part_rewrite(p, w, err, errlen);
	}
	if (w->nchanged == 0) {
		return GALE_OK;
	}
	uint64_t before = p->logged;
	gale_err rv     = GALE_OK;
	p->used         = 0;
	for (size_t k = 0; k < w->nchanged && rv == GALE_OK; k++) {
		const wc_entry *e = &w->entries[w->changed[k]];
		if (p->used + e->len + WC_COUNT_MAX > sizeof(p->buf)) {
			rv = wc_part_flush(p, err, errlen);
			if (rv != GALE_OK) {
				break;
			}
		}
		if (e->len + WC_COUNT_MAX > sizeof(p->buf)) {
			rv = wc_write_all(p, e->word, e->len, err, errlen);
			p->logged += e->len;
		} else {
			memcpy(p->buf + p->used, e->word, e->len);
			p->used += e->len;
		}
		p->used += gale__wc_format_count(p->buf + p->used, e->count);
	}
	if (rv == GALE_OK) {
		rv = wc_part_flush(p, err, errlen);
	}
	if (rv != GALE_OK) {
		// Takes back what was appended, so that no record of this
		// store is read before a store that succeeds; the rewrite is
		// next if that fails too.
		if (ftruncate(p->fd, (off_t) (p->base + before)) != 0) {
			close(p->fd);
			p->fd = -1;
		}
		p->logged = before;
		p->used   = 0;
		return rv;
	}
	gale__wc_clear_changed(w);
	return GALE_OK;
}
