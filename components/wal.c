// SPDX-License-Identifier: MIT
// wal.c - a write-ahead log of lines in segment files.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/wal.h"

#define WAL_HEADER 8
#define WAL_SUFFIX ".wal"
#define WAL_NAME_DIGITS 20
// Records are read back this many bytes at a time, or more for a longer
// record.
#define WAL_READ_CHUNK (64 * 1024)

typedef struct wal_seg {
	uint64_t first; // the sequence number of its first record
	uint64_t count; // durable records
	uint64_t acked;
	uint64_t bytes; // durable bytes
	int      fd;
} wal_seg;

struct gale_wal {
	char    *dir;
	uint64_t max_bytes;
	uint64_t seg_bytes;
	wal_seg *segs; // by first; the last one is appended to
	size_t   nsegs;
	size_t   segcap;
	uint64_t total; // durable bytes in all segments
	uint64_t unacked;
	uint64_t syncs;
	bool     dir_dirty; // a segment was created or deleted since a sync
	// Appended records not yet written, all for the last segment.
	char    *wbuf;
	size_t   wlen;
	size_t   wcap;
	uint64_t wcount;
	// The next record to read, and a window of the segment it is in.
	uint64_t rseq;
	uint64_t rsegfirst; // the segment roff is an offset in
	uint64_t roff;
	char    *rbuf;
	size_t   rcap;
	uint64_t rfirst; // the segment the window is of
	uint64_t rstart; // its offset in that segment
	size_t   rlen;
};

static uint32_t       wal_crc_table[256];
static pthread_once_t wal_crc_once = PTHREAD_ONCE_INIT;

static void
wal_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) {
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		}
		wal_crc_table[i] = c;
	}
}

// CRC-32 (IEEE) of the length's 4 bytes and then the record's bytes.
static uint32_t
wal_crc(const unsigned char lenb[4], const char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < 4; i++) {
		c = wal_crc_table[(c ^ lenb[i]) & 0xFF] ^ (c >> 8);
	}
	for (size_t i = 0; i < n; i++) {
		c = wal_crc_table[(c ^ (unsigned char) p[i]) & 0xFF]
		    ^ (c >> 8);
	}
	return c ^ 0xFFFFFFFFu;
}

static void
wal_put32(unsigned char *b, uint32_t x)
{
	b[0] = (unsigned char) x;
	b[1] = (unsigned char) (x >> 8);
	b[2] = (unsigned char) (x >> 16);
	b[3] = (unsigned char) (x >> 24);
}

static uint32_t
wal_get32(const unsigned char *b)
{
	return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16
	    | (uint32_t) b[3] << 24;
}

static void
wal_seg_path(const gale_wal *w, uint64_t first, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%020" PRIu64 WAL_SUFFIX, w->dir, first);
}

static void
wal_sync_dir(gale_wal *w)
{
	int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	w->dir_dirty = false;
}

static gale_err
wal_seg_push(gale_wal *w, wal_seg s)
{
	if (w->nsegs == w->segcap) {
		size_t   cap  = w->segcap > 0 ? w->segcap * 2 : 8;
		wal_seg *segs = realloc(w->segs, cap * sizeof(*segs));
		if (segs == NULL) {
			return GALE_ENOMEM;
		}
		w->segs   = segs;
		w->segcap = cap;
	}
	w->segs[w->nsegs++] = s;
	return GALE_OK;
}

// Creates an empty segment whose first record will be first.
static gale_err
wal_seg_create(gale_wal *w, uint64_t first, char *err, size_t errlen)
{
	char path[4200];
	wal_seg_path(w, first, path, sizeof(path));
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", path,
		    strerror(errno));
		return GALE_EIO;
	}
	gale_err rv = wal_seg_push(w, (wal_seg) { .first = first, .fd = fd });
	if (rv != GALE_OK) {
		close(fd);
		unlink(path);
		snprintf(err, errlen, "out of memory");
		return rv;
	}
	w->dir_dirty = true;
	return GALE_OK;
}

static void
wal_seg_delete(gale_wal *w, size_t i)
{
	char path[4200];
	wal_seg_path(w, w->segs[i].first, path, sizeof(path));
	unlink(path);
	close(w->segs[i].fd);
	w->total -= w->segs[i].bytes;
	w->unacked -= w->segs[i].count - w->segs[i].acked;
	memmove(&w->segs[i], &w->segs[i + 1],
	    (w->nsegs - i - 1) * sizeof(wal_seg));
	w->nsegs--;
	w->dir_dirty = true;
}

// Reads all of fd (size bytes) into a new buffer.
static gale_err
wal_read_whole(int fd, uint64_t size, char **out)
{
	char *buf = malloc(size > 0 ? size : 1);
	if (buf == NULL) {
		return GALE_ENOMEM;
	}
	uint64_t have = 0;
	while (have < size) {
		ssize_t r = pread(fd, buf + have, size - have, (off_t) have);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			free(buf);
			return GALE_EIO;
		}
		have += (uint64_t) r;
	}
	*out = buf;
	return GALE_OK;
}

// Finds the records of a segment file, cutting it after the last whole one
// whose checksum holds.
static gale_err
wal_seg_recover(gale_wal *w, uint64_t first, gale_wal_recovery *rec, char *err,
    size_t errlen)
{
	char path[4200];
	wal_seg_path(w, first, path, sizeof(path));
	int         fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return GALE_EIO;
	}
	uint64_t size = (uint64_t) st.st_size;
	char    *buf  = NULL;
	gale_err rv   = wal_read_whole(fd, size, &buf);
	if (rv != GALE_OK) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
		    rv == GALE_ENOMEM ? "out of memory" : strerror(errno));
		close(fd);
		return rv;
	}
	uint64_t off = 0, count = 0;
	while (size - off >= WAL_HEADER) {
		const unsigned char *h = (const unsigned char *) buf + off;
		uint32_t             n = wal_get32(h);
		if (n > size - off - WAL_HEADER
		    || wal_crc(h, buf + off + WAL_HEADER, n)
			!= wal_get32(h + 4)) {
			break;
		}
		off += WAL_HEADER + n;
		count++;
	}
	free(buf);
	if (off < size) {
		if (ftruncate(fd, (off_t) off) != 0 || fsync(fd) != 0) {
			snprintf(err, errlen, "cannot cut '%s': %s", path,
			    strerror(errno));
			close(fd);
			return GALE_EIO;
		}
		rec->cut_bytes += size - off;
		rec->cut_segments++;
	}
	rv = wal_seg_push(w,
	    (wal_seg) {
		.first = first, .count = count, .bytes = off, .fd = fd });
	if (rv != GALE_OK) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return rv;
	}
	w->total += off;
	w->unacked += count;
	rec->records += count;
	rec->segments++;
	return GALE_OK;
}

static int
wal_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
	return x < y ? -1 : x > y;
}

// The first sequence numbers of the segment files in the log's directory,
// sorted.
static gale_err
wal_list(gale_wal *w, uint64_t **out, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(w->dir);
	if (d == NULL) {
		snprintf(err, errlen, "cannot read '%s': %s", w->dir,
		    strerror(errno));
		return GALE_EIO;
	}
	uint64_t      *v  = NULL;
	size_t         nv = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *s = e->d_name;
		if (strlen(s) != WAL_NAME_DIGITS + strlen(WAL_SUFFIX)
		    || strcmp(s + WAL_NAME_DIGITS, WAL_SUFFIX) != 0
		    || strspn(s, "0123456789") != WAL_NAME_DIGITS) {
			continue;
		}
		errno                = 0;
		unsigned long long x = strtoull(s, NULL, 10);
		if (errno != 0) {
			continue;
		}
		if (nv == cap) {
			cap         = cap > 0 ? cap * 2 : 16;
			uint64_t *g = realloc(v, cap * sizeof(*v));
			if (g == NULL) {
				free(v);
				closedir(d);
				snprintf(err, errlen, "out of memory");
				return GALE_ENOMEM;
			}
			v = g;
		}
		v[nv++] = x;
	}
	closedir(d);
	if (nv > 0) {
		qsort(v, nv, sizeof(*v), wal_cmp_u64);
	}
	*out = v;
	*n   = nv;
	return GALE_OK;
}

gale_err
gale__wal_open(gale_wal **out, const char *dir, uint64_t max_bytes,
    uint64_t segment_bytes, gale_wal_recovery *rec, char *err, size_t errlen)
{
	pthread_once(&wal_crc_once, wal_crc_init);
	gale_wal_recovery none;
	if (rec == NULL) {
		rec = &none;
	}
	memset(rec, 0, sizeof(*rec));
	gale_wal *w = calloc(1, sizeof(*w));
	if (w == NULL || (w->dir = strdup(dir)) == NULL) {
		free(w);
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	w->max_bytes = max_bytes;
	w->seg_bytes = segment_bytes;
	if (w->seg_bytes > max_bytes / 4) {
		w->seg_bytes = max_bytes / 4;
	}
	if (w->seg_bytes == 0) {
		w->seg_bytes = 1;
	}
	gale_err  rv     = GALE_OK;
	uint64_t *firsts = NULL;
	size_t    nf     = 0;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create '%s': %s", dir,
		    strerror(errno));
		rv = GALE_EIO;
		goto fail;
	}
	rv = wal_list(w, &firsts, &nf, err, errlen);
	if (rv != GALE_OK) {
		goto fail;
	}
	for (size_t i = 0; i < nf; i++) {
		rv = wal_seg_recover(w, firsts[i], rec, err, errlen);
		if (rv != GALE_OK) {
			goto fail;
		}
		const wal_seg *s = &w->segs[w->nsegs - 1];
		if (w->nsegs > 1) {
			const wal_seg *p = &w->segs[w->nsegs - 2];
			if (p->first + p->count > s->first) {
				snprintf(err, errlen,
				    "'%s': segment %020" PRIu64
				    " overlaps the one before it",
				    dir, s->first);
				rv = GALE_EIO;
				goto fail;
			}
		}
	}
	// Empty segments but the newest hold nothing: forget them.
	for (size_t i = 0; i + 1 < w->nsegs;) {
		if (w->segs[i].count == 0) {
			wal_seg_delete(w, i);
			rec->segments--;
		} else {
			i++;
		}
	}
	if (w->nsegs == 0) {
		rv = wal_seg_create(w, 0, err, errlen);
		if (rv != GALE_OK) {
			goto fail;
		}
	}
	if (w->dir_dirty) {
		wal_sync_dir(w);
	}
	free(firsts);
	w->rseq      = w->segs[0].first;
	w->rsegfirst = w->segs[0].first;
	*out         = w;
	return GALE_OK;
fail:
	free(firsts);
	gale__wal_close(&w);
	return rv;
}

void
gale__wal_close(gale_wal **wp)
{
	gale_wal *w = *wp;
	if (w == NULL) {
		return;
	}
	if (w->wlen > 0) {
		char err[256];
		gale__wal_sync(w, err, sizeof(err));
	}
	for (size_t i = 0; i < w->nsegs; i++) {
		close(w->segs[i].fd);
	}
	free(w->segs);
	free(w->wbuf);
	free(w->rbuf);
	free(w->dir);
	free(w);
	*wp = NULL;
}

static wal_seg *
wal_last(gale_wal *w)
{
	return &w->segs[w->nsegs - 1];
}

// Starts a new segment after the last one, deleting the last one when
// every record in it is acked. Only between syncs (nothing appended).
static gale_err
wal_rotate(gale_wal *w)
{
	char     err[256];
	wal_seg *s  = wal_last(w);
	gale_err rv = wal_seg_create(w, s->first + s->count, err, sizeof(err));
	if (rv != GALE_OK) {
		return rv;
	}
	wal_seg *old = &w->segs[w->nsegs - 2];
	if (old->acked == old->count) {
		wal_seg_delete(w, w->nsegs - 2);
	}
	return GALE_OK;
}

gale_err
gale__wal_append(gale_wal *w, const char *line, size_t len)
{
	uint64_t need = WAL_HEADER + (uint64_t) len;
	if (len > UINT32_MAX || need > w->max_bytes) {
		return GALE_EINVAL;
	}
	wal_seg *s = wal_last(w);
	if (w->wlen > 0 && s->bytes + w->wlen + need > w->seg_bytes) {
		// The batch fills the segment: it is written now, so that
		// the record starts the next one. Segments are the unit of
		// trimming and of replay after a restart, and a batch read in
		// one go must not make one segment of it.
		char err[256];
		if (gale__wal_sync(w, err, sizeof(err)) != GALE_OK) {
			return GALE_EIO;
		}
		s = wal_last(w);
	}
	if (w->wlen == 0 && s->bytes > 0
	    && (s->bytes + need > w->seg_bytes
		|| (s->acked == s->count && w->total + need > w->max_bytes))) {
		// A full segment, or a wholly acked one whose space is
		// wanted: start the next.
		if (wal_rotate(w) != GALE_OK) {
			return GALE_EIO;
		}
	}
	if (w->total + w->wlen + need > w->max_bytes) {
		return GALE_EAGAIN;
	}
	if (w->wcap - w->wlen < need) {
		size_t cap = w->wcap > 0 ? w->wcap : 64 * 1024;
		while (cap - w->wlen < need) {
			cap *= 2;
		}
		char *b = realloc(w->wbuf, cap);
		if (b == NULL) {
			return GALE_ENOMEM;
		}
		w->wbuf = b;
		w->wcap = cap;
	}
	unsigned char *h = (unsigned char *) w->wbuf + w->wlen;
	wal_put32(h, (uint32_t) len);
	wal_put32(h + 4, wal_crc(h, line, len));
	if (len > 0) {
		memcpy(w->wbuf + w->wlen + WAL_HEADER, line, len);
	}
	w->wlen += need;
	w->wcount++;
	return GALE_OK;
}

gale_err
gale__wal_sync(gale_wal *w, char *err, size_t errlen)
{
	if (w->wlen == 0) {
		if (w->dir_dirty) {
			wal_sync_dir(w);
		}
		return GALE_OK;
	}
	wal_seg *s    = wal_last(w);
	size_t   done = 0;
	while (done < w->wlen) {
		ssize_t n = pwrite(s->fd, w->wbuf + done, w->wlen - done,
		    (off_t) (s->bytes + done));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			snprintf(err, errlen, "cannot write to '%s': %s",
			    w->dir, n < 0 ? strerror(errno) : "no space");
			return GALE_EIO;
		}
		done += (size_t) n;
	}
	if (fdatasync(s->fd) != 0) {
		snprintf(err, errlen, "cannot sync '%s': %s", w->dir,
		    strerror(errno));
		return GALE_EIO;
	}
	w->syncs++;
	if (w->dir_dirty) {
		wal_sync_dir(w);
	}
	s->bytes += w->wlen;
	s->count += w->wcount;
	w->total += w->wlen;
	w->unacked += w->wcount;
	w->wlen   = 0;
	w->wcount = 0;
	return GALE_OK;
}

// The index of the segment that holds seq, or of the first one after it;
// nsegs when there is none.
static size_t
wal_find(const gale_wal *w, uint64_t seq)
{
	size_t lo = 0, hi = w->nsegs;
	while (lo < hi) {
		size_t         mid = lo + (hi - lo) / 2;
		const wal_seg *s   = &w->segs[mid];
		if (s->first + s->count <= seq) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

// Makes the read window hold bytes [off, off + need) of segment s.
static gale_err
wal_window(gale_wal *w, const wal_seg *s, uint64_t off, size_t need)
{
	if (w->rfirst == s->first && w->rlen > 0 && off >= w->rstart
	    && off + need <= w->rstart + w->rlen) {
		return GALE_OK;
	}
	uint64_t want = need > WAL_READ_CHUNK ? need : WAL_READ_CHUNK;
	if (want > s->bytes - off) {
		want = s->bytes - off;
	}
	if (want < need) {
		return GALE_EIO; // A record past the durable end: a bug.
	}
	if (w->rcap < want) {
		char *b = realloc(w->rbuf, want);
		if (b == NULL) {
			return GALE_ENOMEM;
		}
		w->rbuf = b;
		w->rcap = want;
	}
	size_t have = 0;
	while (have < want) {
		ssize_t n = pread(
		    s->fd, w->rbuf + have, want - have, (off_t) (off + have));
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			w->rlen = 0;
			return GALE_EIO;
		}
		have += (size_t) n;
	}
	w->rfirst = s->first;
	w->rstart = off;
	w->rlen   = have;
	return GALE_OK;
}

gale_err
gale__wal_next(gale_wal *w, const char **line, size_t *len, uint64_t *seq)
{
	size_t i = wal_find(w, w->rseq);
	if (i == w->nsegs) {
		return GALE_ECLOSED;
	}
	const wal_seg *s = &w->segs[i];
	if (s->first != w->rsegfirst) {
		// The cursor moves on to the next segment, past any gap.
		w->rseq      = w->rseq > s->first ? w->rseq : s->first;
		w->roff      = 0;
		w->rsegfirst = s->first;
	}
	gale_err rv = wal_window(w, s, w->roff, WAL_HEADER);
	if (rv != GALE_OK) {
		return rv;
	}
	uint32_t n = wal_get32(
	    (const unsigned char *) w->rbuf + (w->roff - w->rstart));
	rv = wal_window(w, s, w->roff, WAL_HEADER + (size_t) n);
	if (rv != GALE_OK) {
		return rv;
	}
	*line = w->rbuf + (w->roff - w->rstart) + WAL_HEADER;
	*len  = n;
	*seq  = w->rseq;
	w->rseq++;
	w->roff += WAL_HEADER + n;
	return GALE_OK;
}

void
gale__wal_ack(gale_wal *w, uint64_t seq)
{
	if (seq >= w->rseq) {
		return; // Never read: not an ack of this log's record.
	}
	size_t i = wal_find(w, seq);
	if (i == w->nsegs || seq < w->segs[i].first) {
		return;
	}
	wal_seg *s = &w->segs[i];
	if (s->acked >= s->count) {
		return;
	}
	s->acked++;
	w->unacked--;
	if (s->acked == s->count && i + 1 < w->nsegs) {
		wal_seg_delete(w, i);
	}
}

uint64_t
gale__wal_bytes(const gale_wal *w)
{
	return w->total + w->wlen;
}

size_t
gale__wal_segments(const gale_wal *w)
{
	return w->nsegs;
}

uint64_t
gale__wal_syncs(const gale_wal *w)
{
	return w->syncs;
}

uint64_t
gale__wal_unacked(const gale_wal *w)
{
	return w->unacked;
}
