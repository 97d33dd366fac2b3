// SPDX-License-Identifier: MIT
// lines.c - line splitting over reused buffers, replay queues and stores.

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/lines.h"

// The sequential reader starts with a buffer this large and reads into it
// at least LINES_READ_MIN bytes at a time, so that short lines cost one
// read per many lines; it grows only for lines longer than the buffer.
#define LINES_BUF_INIT (256 * 1024)
#define LINES_READ_MIN (64 * 1024)
#define LINES_REREAD_INIT (64 * 1024)

void
gale__linebuf_init(gale_linebuf *lb)
{
	memset(lb, 0, sizeof(*lb));
}

void
gale__linebuf_fini(gale_linebuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

gale_err
gale__linebuf_reserve(
    gale_linebuf *lb, size_t min, char **space, size_t *avail)
{
	if (lb->cap - lb->end < min && lb->start > 0) {
		size_t n = lb->end - lb->start;
		memmove(lb->buf, lb->buf + lb->start, n);
		lb->scan -= lb->start;
		lb->end   = n;
		lb->start = 0;
	}
	if (lb->cap - lb->end < min) {
		size_t cap = lb->cap > 0 ? lb->cap : LINES_BUF_INIT;
		while (cap - lb->end < min) {
			if (cap > SIZE_MAX / 2) {
				return GALE_ENOMEM;
			}
			cap *= 2;
		}
		char *buf = realloc(lb->buf, cap);
		if (buf == NULL) {
			return GALE_ENOMEM;
		}
		lb->buf = buf;
		lb->cap = cap;
	}
	*space = lb->buf + lb->end;
	*avail = lb->cap - lb->end;
	return GALE_OK;
}

void
gale__linebuf_commit(gale_linebuf *lb, size_t n)
{
	lb->end += n;
}

bool
gale__linebuf_next(gale_linebuf *lb, const char **line, size_t *len)
{
	if (lb->scan >= lb->end) {
		return false;
	}
	const char *nl = memchr(lb->buf + lb->scan, '\n', lb->end - lb->scan);
	if (nl == NULL) {
		lb->scan = lb->end;
		return false;
	}
	size_t at = (size_t) (nl - lb->buf);
	*line     = lb->buf + lb->start;
	*len      = at - lb->start;
	lb->start = at + 1;
	lb->scan  = at + 1;
	return true;
}

bool
gale__linebuf_rest(gale_linebuf *lb, const char **line, size_t *len)
{
	if (lb->start == lb->end) {
		return false;
	}
	*line     = lb->buf + lb->start;
	*len      = lb->end - lb->start;
	lb->start = lb->end;
	lb->scan  = lb->end;
	return true;
}

void
gale__linebuf_unget(gale_linebuf *lb, const char *line)
{
	size_t at = (size_t) (line - lb->buf);
	lb->start = at;
	lb->scan  = at;
}

void
gale__linebuf_clear(gale_linebuf *lb)
{
	lb->start = 0;
	lb->scan  = 0;
	lb->end   = 0;
}

struct gale_line_reader {
	int          fd;
	gale_linebuf lb;
	uint64_t     offset; // the file offset of lb.start
	bool         eof;
	char        *rbuf; // for read_at, apart from the sequential buffer
	size_t       rcap;
};

gale_err
gale__line_reader_open(gale_line_reader **out, const char *path)
{
	gale_line_reader *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return GALE_ENOMEM;
	}
	gale__linebuf_init(&r->lb);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = errno;
		free(r);
		errno = e;
		return e == ENOENT ? GALE_ENOENT : GALE_EIO;
	}
	*out = r;
	return GALE_OK;
}

void
gale__line_reader_close(gale_line_reader **rp)
{
	gale_line_reader *r = *rp;
	if (r == NULL) {
		return;
	}
	if (r->fd >= 0) {
		close(r->fd);
	}
	gale__linebuf_fini(&r->lb);
	free(r->rbuf);
	free(r);
	*rp = NULL;
}

gale_err
gale__line_reader_next(gale_line_reader *r, const char **line, size_t *len,
    uint64_t *offset)
{
	for (;;) {
		if (gale__linebuf_next(&r->lb, line, len)) {
			*offset = r->offset;
			r->offset += *len + 1;
			return GALE_OK;
		}
		if (r->eof) {
			if (gale__linebuf_rest(&r->lb, line, len)) {
				*offset = r->offset;
				r->offset += *len;
				return GALE_OK;
			}
			return GALE_ECLOSED;
		}
		char    *space;
		size_t   avail;
		gale_err rv = gale__linebuf_reserve(
		    &r->lb, LINES_READ_MIN, &space, &avail);
		if (rv != GALE_OK) {
			return rv;
		}
		ssize_t n = read(r->fd, space, avail);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return GALE_EIO;
		}
		if (n == 0) {
			r->eof = true;
		} else {
			gale__linebuf_commit(&r->lb, (size_t) n);
		}
	}
}

gale_err
gale__line_reader_seek(gale_line_reader *r, uint64_t offset)
{
	struct stat st;
	if (fstat(r->fd, &st) != 0) {
		return GALE_EIO;
	}
	if (offset > (uint64_t) st.st_size) {
		return GALE_ENOENT;
	}
	if (lseek(r->fd, (off_t) offset, SEEK_SET) < 0) {
		return GALE_EIO;
	}
	gale__linebuf_clear(&r->lb);
	r->offset = offset;
	r->eof    = false;
	return GALE_OK;
}

uint64_t
gale__line_reader_tell(const gale_line_reader *r)
{
	return r->offset;
}

gale_err
gale__line_reader_read_at(gale_line_reader *r, uint64_t offset,
    const char **line, size_t *len)
{
	if (offset > (uint64_t) INT64_MAX) {
		return GALE_ENOENT;
	}
	size_t have = 0;
	for (;;) {
		if (have == r->rcap) {
			size_t cap =
			    r->rcap > 0 ? r->rcap * 2 : LINES_REREAD_INIT;
			if (cap < r->rcap) {
				return GALE_ENOMEM;
			}
			char *buf = realloc(r->rbuf, cap);
			if (buf == NULL) {
				return GALE_ENOMEM;
			}
			r->rbuf = buf;
			r->rcap = cap;
		}
		ssize_t n = pread(r->fd, r->rbuf + have, r->rcap - have,
		    (off_t) (offset + have));
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return GALE_EIO;
		}
		if (n == 0) {
			if (have == 0) {
				return GALE_ENOENT;
			}
			*line = r->rbuf;
			*len  = have;
			return GALE_OK;
		}
		const char *nl = memchr(r->rbuf + have, '\n', (size_t) n);
		if (nl != NULL) {
			*line = r->rbuf;
			*len  = (size_t) (nl - r->rbuf);
			return GALE_OK;
		}
		have += (size_t) n;
	}
}

void
gale__u64_queue_init(gale_u64_queue *q)
{
	memset(q, 0, sizeof(*q));
}

void
gale__u64_queue_fini(gale_u64_queue *q)
{
	free(q->v);
	memset(q, 0, sizeof(*q));
}

gale_err
gale__u64_queue_push(gale_u64_queue *q, uint64_t x)
{
	if (q->n == q->cap) {
		size_t cap = q->cap > 0 ? q->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(uint64_t)) {
			return GALE_ENOMEM;
		}
		uint64_t *v = malloc(cap * sizeof(uint64_t));
		if (v == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < q->n; i++) {
			v[i] = q->v[(q->head + i) & (q->cap - 1)];
		}
		free(q->v);
		q->v    = v;
		q->cap  = cap;
		q->head = 0;
	}
	q->v[(q->head + q->n) & (q->cap - 1)] = x;
	q->n++;
	return GALE_OK;
}

bool
gale__u64_queue_pop(gale_u64_queue *q, uint64_t *x)
{
	if (q->n == 0) {
		return false;
	}
	*x      = q->v[q->head];
	q->head = (q->head + 1) & (q->cap - 1);
	q->n--;
	return true;
}

void
gale__line_store_init(gale_line_store *s)
{
	memset(s, 0, sizeof(*s));
}

void
gale__line_store_fini(gale_line_store *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slots[i].buf);
	}
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static gale_err
line_store_grow(gale_line_store *s)
{
	size_t cap = s->cap > 0 ? s->cap * 2 : 16;
	if (cap > SIZE_MAX / sizeof(gale_stored_line)) {
		return GALE_ENOMEM;
	}
	gale_stored_line *slots = calloc(cap, sizeof(*slots));
	if (slots == NULL) {
		return GALE_ENOMEM;
	}
	// The slots of the window keep their place by sequence number; the
	// buffers of the slots outside it are not worth moving.
	for (uint64_t seq = s->base; seq < s->next; seq++) {
		gale_stored_line *from = &s->slots[seq & (s->cap - 1)];
		slots[seq & (cap - 1)] = *from;
		from->buf              = NULL;
	}
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slots[i].buf);
	}
	free(s->slots);
	s->slots = slots;
	s->cap   = cap;
	return GALE_OK;
}

gale_err
gale__line_store_put(
    gale_line_store *s, const char *line, size_t len, uint64_t *seq)
{
	return gale__line_store_put_tagged(s, line, len, 0, seq);
}

bool
gale__line_store_tag(const gale_line_store *s, uint64_t seq, uint64_t *tag)
{
	if (seq < s->base || seq >= s->next) {
		return false;
	}
	const gale_stored_line *slot = &s->slots[seq & (s->cap - 1)];
	if (!slot->live) {
		return false;
	}
	*tag = slot->tag;
	return true;
}

gale_err
gale__line_store_put_tagged(gale_line_store *s, const char *line,
    size_t len, uint64_t tag, uint64_t *seq)
{
	if (s->next - s->base == s->cap) {
		gale_err rv = line_store_grow(s);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	gale_stored_line *slot = &s->slots[s->next & (s->cap - 1)];
	if (slot->cap < len) {
		char *buf = realloc(slot->buf, len);
		if (buf == NULL) {
			return GALE_ENOMEM;
		}
		slot->buf = buf;
		slot->cap = len;
	}
	if (len > 0) {
		memcpy(slot->buf, line, len);
	}
	slot->len  = len;
	slot->tag  = tag;
	slot->live = true;
	s->live++;
	*seq = s->next++;
	return GALE_OK;
}

bool
gale__line_store_get(
    const gale_line_store *s, uint64_t seq, const char **line, size_t *len)
{
	if (seq < s->base || seq >= s->next) {
		return false;
	}
	const gale_stored_line *slot = &s->slots[seq & (s->cap - 1)];
	if (!slot->live) {
		return false;
	}
	*line = slot->buf != NULL ? slot->buf : "";
	*len  = slot->len;
	return true;
}

void
gale__line_store_drop(gale_line_store *s, uint64_t seq)
{
	if (seq < s->base || seq >= s->next) {
		return;
	}
	gale_stored_line *slot = &s->slots[seq & (s->cap - 1)];
	if (!slot->live) {
		return;
	}
	slot->live = false;
	s->live--;
	while (s->base < s->next && !s->slots[s->base & (s->cap - 1)].live) {
		s->base++;
	}
}
