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
	wc_writer o  = { .fd = p->fd,
		 .path       = p->path,
		 .buf        = p->buf,
		 .cap        = sizeof(p->buf) };
	gale_err  rv = GALE_OK;
	for (size_t k = 0; k < w->nchanged && rv == GALE_OK; k++) {
		const wc_entry *e = &w->entries[w->changed[k]];
		rv                = gale__wc_writer_line(
				   &o, e->word, e->len, e->count, err, errlen);
	}
	if (rv == GALE_OK) {
		rv = gale__wc_writer_flush(&o, err, errlen);
	}
	if (rv != GALE_OK) {
		// Takes back what was appended, so that no record of this
		// store is read before a store that succeeds; the rewrite is
		// next if that fails too.
		if (ftruncate(p->fd, (off_t) (p->base + p->logged)) != 0) {
			close(p->fd);
			p->fd = -1;
		}
		return rv;
	}
	p->logged += o.bytes;
	gale__wc_clear_changed(w);
	return GALE_OK;
}
