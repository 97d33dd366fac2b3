// SPDX-License-Identifier: MIT
// lines.h - line splitting over reused buffers, and the replay queues and
// line stores of the line spouts.
//
// None of this is thread-safe: each object belongs to one spout task.

#ifndef GALE_COMPONENTS_LINES_H
#define GALE_COMPONENTS_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// ---------------------------------------------------------------------
// Line buffer: bytes in, complete lines out
// ---------------------------------------------------------------------

// Transparent so that spouts can embed it in their state; use it only
// through the functions below. Bytes [start, end) of buf are buffered and
// not yet returned; [start, scan) is known to hold no newline.
typedef struct gale_linebuf {
	char  *buf;
	size_t cap;
	size_t start;
	size_t scan;
	size_t end;
} gale_linebuf;

void gale__linebuf_init(gale_linebuf *lb);
// Frees the buffer; accepts a zeroed or already finished buffer.
void gale__linebuf_fini(gale_linebuf *lb);

// Makes room for at least min more bytes, moving the buffered bytes to the
// front and growing the buffer only when that is not enough, and returns
// the free space. Lines returned before are invalid afterwards.
gale_err gale__linebuf_reserve(
    gale_linebuf *lb, size_t min, char **space, size_t *avail);
// Appends n bytes written into the space returned by reserve.
void gale__linebuf_commit(gale_linebuf *lb, size_t n);

// The next complete line, without its '\n', or false when no complete line
// is buffered. The line points into the buffer (caller must not free it)
// and stays valid until the next reserve.
bool gale__linebuf_next(gale_linebuf *lb, const char **line, size_t *len);

// Takes the bytes after the last complete line as one line (a last line
// without '\n'); false when there are none. Valid as for next.
bool gale__linebuf_rest(gale_linebuf *lb, const char **line, size_t *len);

// Gives back the line that the last call to next returned, so that the
// next call returns it again; only before any reserve or commit.
void gale__linebuf_unget(gale_linebuf *lb, const char *line);

// Bytes buffered and not yet returned as lines.
static inline size_t
gale__linebuf_pending(const gale_linebuf *lb)
{
	return lb->end - lb->start;
}

// Drops everything buffered, keeping the memory.
void gale__linebuf_clear(gale_linebuf *lb);

// ---------------------------------------------------------------------
// File line reader: sequential lines with their offsets, and re-reads
// ---------------------------------------------------------------------

typedef struct gale_line_reader gale_line_reader;

// Opens path for reading. On failure returns GALE_ENOENT (no such file),
// GALE_EIO (any other reason, errno kept) or GALE_ENOMEM.
gale_err gale__line_reader_open(gale_line_reader **out, const char *path);
// Closes the file and frees the reader; accepts NULL, sets *rp to NULL.
void gale__line_reader_close(gale_line_reader **rp);

// The next line, without its '\n', and the byte offset of its start. A
// last line without '\n' is a line; an empty file has none. Returns
// GALE_OK, GALE_ECLOSED at the end of the file, GALE_EIO (errno kept) or
// GALE_ENOMEM. The line is borrowed: valid until the next call to next.
gale_err gale__line_reader_next(gale_line_reader *r, const char **line,
    size_t *len, uint64_t *offset);

// Moves the sequential position to offset, which must be the start of a
// line (or the end of the file), as when resuming where an earlier reader
// stopped. GALE_OK; GALE_ENOENT when offset is past the end of the file;
// GALE_EIO (errno kept).
gale_err gale__line_reader_seek(gale_line_reader *r, uint64_t offset);

// The byte offset after the last line returned by next.
uint64_t gale__line_reader_tell(const gale_line_reader *r);

// Reads again the line that starts at offset, with pread, without moving
// the sequential position. Returns GALE_OK, GALE_ENOENT when offset is at
// or past the end of the file, GALE_EIO or GALE_ENOMEM. The line is
// borrowed: valid until the next call to read_at.
gale_err gale__line_reader_read_at(gale_line_reader *r, uint64_t offset,
    const char **line, size_t *len);

// ---------------------------------------------------------------------
// FIFO of 64-bit values: message ids waiting to be replayed
// ---------------------------------------------------------------------

// Transparent for embedding; use it through the functions.
typedef struct gale_u64_queue {
	uint64_t *v;
	size_t    cap; // zero or a power of two
	size_t    head;
	size_t    n;
} gale_u64_queue;

void     gale__u64_queue_init(gale_u64_queue *q);
void     gale__u64_queue_fini(gale_u64_queue *q);
gale_err gale__u64_queue_push(gale_u64_queue *q, uint64_t x);
// Takes the oldest value; false when the queue is empty.
bool gale__u64_queue_pop(gale_u64_queue *q, uint64_t *x);

static inline size_t
gale__u64_queue_size(const gale_u64_queue *q)
{
	return q->n;
}

// Reads the oldest value without taking it; false when the queue is empty.
static inline bool
gale__u64_queue_peek(const gale_u64_queue *q, uint64_t *x)
{
	if (q->n == 0) {
		return false;
	}
	*x = q->v[q->head];
	return true;
}

// ---------------------------------------------------------------------
// Line store: copies of emitted lines, by sequence number, until acked
// ---------------------------------------------------------------------

// A slot of the store; transparent only because the store is.
typedef struct gale_stored_line {
	char    *buf;
	size_t   len;
	size_t   cap;
	bool     live;
	uint64_t tag; // the caller's, such as where the line is logged
} gale_stored_line;

// Sequence numbers are handed out in order; the slots of the window from
// the oldest live one to the newest form a ring that grows when full, and
// each slot keeps its buffer when freed, so that a steady flow of lines
// allocates nothing. Transparent for embedding.
typedef struct gale_line_store {
	gale_stored_line *slots;
	size_t            cap; // zero or a power of two
	uint64_t          base; // no live line has a smaller sequence number
	uint64_t          next; // the sequence number of the next put
	size_t            live;
} gale_line_store;

void gale__line_store_init(gale_line_store *s);
void gale__line_store_fini(gale_line_store *s);
// Copies line and sets *seq to its new sequence number.
gale_err gale__line_store_put(
    gale_line_store *s, const char *line, size_t len, uint64_t *seq);
// As put, and keeps tag with the line (see gale__line_store_tag).
gale_err gale__line_store_put_tagged(gale_line_store *s, const char *line,
    size_t len, uint64_t tag, uint64_t *seq);
// The tag stored with seq, or false when seq is not stored.
bool gale__line_store_tag(
    const gale_line_store *s, uint64_t seq, uint64_t *tag);

// The stored copy of seq (borrowed: valid until the next put or drop), or
// false when seq is not stored.
bool gale__line_store_get(
    const gale_line_store *s, uint64_t seq, const char **line, size_t *len);
// Forgets seq. Dropping a sequence number that is not stored does nothing.
void gale__line_store_drop(gale_line_store *s, uint64_t seq);

static inline size_t
gale__line_store_size(const gale_line_store *s)
{
	return s->live;
}

#endif // GALE_COMPONENTS_LINES_H
