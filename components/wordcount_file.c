// SPDX-License-Identifier: MIT
// wordcount_file.c - a word count's files: the parts of its tasks (written
// whole, read back, restored), their merge into one output, and the lock
// the tasks take to merge once.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/wordcount.h"

#include "components/wordcount_impl.h"

// ---------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------

gale_err
gale__wc_part_path(char *buf, size_t cap, const char *output, uint32_t index)
{
	int n = snprintf(buf, cap, "%s.part-%" PRIu32, output, index);
	if (n < 0 || (size_t) n >= cap) {
		return GALE_EINVAL;
	}
	return GALE_OK;
}

static int
wc_compare(const void *a, const void *b)
{
	const wc_entry *x = *(const wc_entry *const *) a;
	const wc_entry *y = *(const wc_entry *const *) b;
	size_t          m = x->len < y->len ? x->len : y->len;
	int             c = m > 0 ? memcmp(x->word, y->word, m) : 0;
	if (c != 0) {
		return c;
	}
	return (x->len > y->len) - (x->len < y->len);
}

// Writes "\tCOUNT\n" at p, at most 22 bytes; returns its length. Two
// digits per division: a store formats the count of every word it
// appends.
size_t
gale__wc_format_count(char *p, int64_t count)
{
	static const char pairs[] = "00010203040506070809"
				    "10111213141516171819"
				    "20212223242526272829"
				    "30313233343536373839"
				    "40414243444546474849"
				    "50515253545556575859"
				    "60616263646566676869"
				    "70717273747576777879"
				    "80818283848586878889"
				    "90919293949596979899";
	char              digits[20];
	size_t            n = sizeof(digits);
	uint64_t          u = count < 0 ? -(uint64_t) count : (uint64_t) count;
	size_t            len = 0;
	while (u >= 100) {
		n -= 2;
		memcpy(digits + n, pairs + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10) {
		n -= 2;
		memcpy(digits + n, pairs + 2 * u, 2);
	} else {
		digits[--n] = (char) ('0' + u);
	}
	p[len++] = '\t';
	if (count < 0) {
		p[len++] = '-';
	}
	memcpy(p + len, digits + n, sizeof(digits) - n);
	len += sizeof(digits) - n;
	p[len++] = '\n';
	return len;
}

static gale_err
wc_write_fd(
    const wc_writer *o, const char *data, size_t len, char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t n = write(o->fd, data, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			snprintf(err, errlen, "cannot write '%s': %s", o->path,
			    n < 0 ? strerror(errno) : "short write");
			return GALE_EIO;
		}
		data += n;
		len -= (size_t) n;
	}
	return GALE_OK;
}

gale_err
gale__wc_writer_flush(wc_writer *o, char *err, size_t errlen)
{
	gale_err rv = wc_write_fd(o, o->buf, o->used, err, errlen);
	o->used     = 0;
	return rv;
}

gale_err
gale__wc_writer_bytes(
    wc_writer *o, const void *data, size_t len, char *err, size_t errlen)
{
	gale_err rv = GALE_OK;
	if (o->used + len > o->cap) {
		rv = gale__wc_writer_flush(o, err, errlen);
	}
	if (rv == GALE_OK && len > o->cap) {
		rv = wc_write_fd(o, data, len, err, errlen);
	} else if (rv == GALE_OK) {
		memcpy(o->buf + o->used, data, len);
		o->used += len;
	}
	if (rv == GALE_OK) {
		o->bytes += len;
	}
	return rv;
}

gale_err
gale__wc_writer_line_out(wc_writer *o, const char *word, size_t len,
    int64_t count, char *err, size_t errlen)
{
	gale_err rv = gale__wc_writer_bytes(o, word, len, err, errlen);
	if (rv == GALE_OK && o->used + WC_COUNT_MAX > o->cap) {
		rv = gale__wc_writer_flush(o, err, errlen);
	}
	if (rv == GALE_OK) {
		size_t n = gale__wc_format_count(o->buf + o->used, count);
		o->used += n;
		o->bytes += n;
	}
	return rv;
}

// Writes header (unless NULL) and the entries of w, in the order of order
// (or of the table when order is NULL), to path through a temporary file
// renamed over it; sets *bytes (when not NULL) to the file's size.
gale_err
gale__wc_write_atomic(const char *path, const char *header, const gale_wc *w,
    const wc_entry *const *order, uint64_t *bytes, char *err, size_t errlen)
{
	char tmp[WC_PATH_MAX];
	int  n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t) n >= sizeof(tmp)) {
		snprintf(err, errlen, "'%s': path too long", path);
		return GALE_EINVAL;
	}
	wc_writer o
	    = { .path = tmp, .cap = WC_BLOCK, .buf = malloc(WC_BLOCK) };
	if (o.buf == NULL) {
		snprintf(err, errlen, "'%s': out of memory", path);
		return GALE_ENOMEM;
	}
	o.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o.fd < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", tmp,
		    strerror(errno));
		free(o.buf);
		return GALE_EIO;
	}
	gale_err rv = header != NULL
	    ? gale__wc_writer_bytes(&o, header, strlen(header), err, errlen)
	    : GALE_OK;
	for (size_t i = 0; i < w->n && rv == GALE_OK; i++) {
		const wc_entry *e = order != NULL ? order[i] : &w->entries[i];
		rv                = gale__wc_writer_line(
				   &o, e->word, e->len, e->count, err, errlen);
	}
	if (rv == GALE_OK) {
		rv = gale__wc_writer_flush(&o, err, errlen);
	}
	free(o.buf);
	if (close(o.fd) != 0 && rv == GALE_OK) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp,
		    strerror(errno));
		rv = GALE_EIO;
	}
	if (rv != GALE_OK) {
		unlink(tmp);
		return rv;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp,
		    path, strerror(errno));
		unlink(tmp);
		return GALE_EIO;
	}
	if (bytes != NULL) {
		*bytes = o.bytes;
	}
	return GALE_OK;
}

// Checks run_id and makes the path and header line of a part.
gale_err
gale__wc_part_names(const char *output, const char *run_id, uint32_t index,
    uint32_t ntasks, bool final, char *path, char *header, char *err,
    size_t errlen)
{
	if (strlen(run_id) > GALE_WC_RUN_ID_MAX
	    || strchr(run_id, '\n') != NULL) {
		snprintf(err, errlen,
		    "run id '%s' cannot be written to a part file", run_id);
		return GALE_EINVAL;
	}
	if (gale__wc_part_path(path, WC_PATH_MAX, output, index) != GALE_OK) {
		snprintf(err, errlen, "'%s': path too long", output);
		return GALE_EINVAL;
	}
	snprintf(header, WC_HEADER_MAX,
	    WC_PREFIX "%s %" PRIu32 " %" PRIu32 " %s\n", run_id, index, ntasks,
	    final ? "final" : "partial");
	return GALE_OK;
}

gale_err
gale__wc_write_part(const gale_wc *w, const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, bool final, char *err, size_t errlen)
{
	char     path[WC_PATH_MAX];
	char     header[WC_HEADER_MAX];
	gale_err rv = gale__wc_part_names(
	    output, run_id, index, ntasks, final, path, header, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	return gale__wc_write_atomic(path, header, w, NULL, NULL, err, errlen);
}

gale_err
gale__wc_write_sorted(
    const gale_wc *w, const char *path, char *err, size_t errlen)
{
	const wc_entry **order
	    = malloc((w->n > 0 ? w->n : 1) * sizeof(*order));
	if (order == NULL) {
		snprintf(err, errlen, "'%s': out of memory", path);
		return GALE_ENOMEM;
	}
	size_t k = 0;
	for (; k < w->n; k++) {
		order[k] = &w->entries[k];
	}
	qsort(order, k, sizeof(*order), wc_compare);
	gale_err rv
	    = gale__wc_write_atomic(path, NULL, w, order, NULL, err, errlen);
	free(order);
	return rv;
}

// Parses a decimal number of at most max, digits only.
static bool
wc_parse_u64(const char *p, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0 || len > 20) {
		return false;
	}
	uint64_t x = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return false;
		}
		uint64_t d = (uint64_t) (p[i] - '0');
		if (x > (max - d) / 10) {
			return false;
		}
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

// Parses the header line s[0, len) (without its newline).
static bool
wc_parse_header(const char *s, size_t len, gale_wc_header *h)
{
	size_t plen = sizeof(WC_PREFIX) - 1;
	if (len < plen || memcmp(s, WC_PREFIX, plen) != 0) {
		return false;
	}
	// The run id may be empty or hold spaces: the three fields after it
	// are taken from the right.
	const char *end = s + len;
	const char *field[3];
	size_t      flen[3];
	for (int k = 2; k >= 0; k--) {
		const char *sp
		    = memrchr(s + plen, ' ', (size_t) (end - s) - plen);
		if (sp == NULL) {
			return false;
		}
		field[k] = sp + 1;
		flen[k]  = (size_t) (end - sp - 1);
		end      = sp;
	}
	size_t rlen = (size_t) (end - s) - plen;
	if (rlen > GALE_WC_RUN_ID_MAX) {
		return false;
	}
	uint64_t index, ntasks;
	if (!wc_parse_u64(field[0], flen[0], UINT32_MAX, &index)
	    || !wc_parse_u64(field[1], flen[1], UINT32_MAX, &ntasks)
	    || ntasks == 0 || index >= ntasks) {
		return false;
	}
	if (flen[2] == 5 && memcmp(field[2], "final", 5) == 0) {
		h->final = true;
	} else if (flen[2] == 7 && memcmp(field[2], "partial", 7) == 0) {
		h->final = false;
	} else {
		return false;
	}
	memcpy(h->run_id, s + plen, rlen);
	h->run_id[rlen] = '\0';
	h->index        = (uint32_t) index;
	h->ntasks       = (uint32_t) ntasks;
	return true;
}

// Reads path, or only its first max bytes; *buf is malloc'ed.
static gale_err
wc_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(
		    err, errlen, "cannot open '%s': %s", path, strerror(e));
		return e == ENOENT ? GALE_ENOENT : GALE_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot stat '%s': %s", path,
		    strerror(errno));
		close(fd);
		return GALE_EIO;
	}
	size_t want = (size_t) st.st_size < max ? (size_t) st.st_size : max;
	char  *p    = malloc(want + 1);
	if (p == NULL) {
		snprintf(err, errlen, "'%s': out of memory", path);
		close(fd);
		return GALE_ENOMEM;
	}
	size_t have = 0;
	while (have < want) {
		ssize_t n = read(fd, p + have, want - have);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			snprintf(err, errlen, "cannot read '%s': %s", path,
			    strerror(errno));
			free(p);
			close(fd);
			return GALE_EIO;
		}
		if (n == 0) {
			break;
		}
		have += (size_t) n;
	}
	close(fd);
	*buf = p;
	*len = have;
	return GALE_OK;
}

gale_err
gale__wc_read_part(
    gale_wc *w, const char *path, gale_wc_header *h, char *err, size_t errlen)
{
	char    *buf;
	size_t   len;
	gale_err rv = wc_read_file(path,
	    w != NULL ? SIZE_MAX - 1 : WC_HEADER_MAX, &buf, &len, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	const char *nl = memchr(buf, '\n', len);
	if (nl == NULL || !wc_parse_header(buf, (size_t) (nl - buf), h)) {
		snprintf(err, errlen,
		    "%s:1: not a word count part file (expected '" WC_PREFIX
		    "RUN INDEX NTASKS partial|final')",
		    path);
		free(buf);
		return GALE_EPROTO;
	}
	// A part's later record of a word replaces its earlier ones: the
	// counts are gathered apart unless w starts empty.
	gale_wc *part = w;
	if (w != NULL && w->n > 0 && (rv = gale__wc_new(&part)) != GALE_OK) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(buf);
		return rv;
	}
	const char *p = nl + 1, *end = buf + len;
	for (size_t line = 2; w != NULL && p < end; line++) {
		nl = memchr(p, '\n', (size_t) (end - p));
		if (nl == NULL && !h->final) {
			// The torn last record of a partial part: its append
			// was cut short, so no ack counted on it.
			break;
		}
		if (nl == NULL) {
			snprintf(
			    err, errlen, "%s:%zu: truncated line", path, line);
			rv = GALE_EPROTO;
			break;
		}
		const char *tab = memrchr(p, '\t', (size_t) (nl - p));
		uint64_t    count;
		if (tab == NULL
		    || !wc_parse_u64(
			tab + 1, (size_t) (nl - tab - 1), INT64_MAX, &count)) {
			snprintf(err, errlen,
			    "%s:%zu: expected 'WORD<TAB>COUNT'", path, line);
			rv = GALE_EPROTO;
			break;
		}
		rv = gale__wc_set(
		    part, p, (size_t) (tab - p), (int64_t) count);
		if (rv != GALE_OK) {
			snprintf(err, errlen, "%s:%zu: %s", path, line,
			    gale_strerror(rv));
			break;
		}
		p = nl + 1;
	}
	if (part != w) {
		const char *word;
		size_t      wlen, cursor = 0;
		int64_t     count;
		while (rv == GALE_OK
		    && gale__wc_iter(part, &cursor, &word, &wlen, &count)) {
			rv = gale__wc_add(w, word, wlen, count, NULL);
		}
		gale__wc_destroy(&part);
	}
	free(buf);
	return rv;
}

// Reads the header of the part at path into h; *found is false (and the
// result GALE_OK) when there is no such file.
static gale_err
wc_part_header(
    const char *path, gale_wc_header *h, bool *found, char *err, size_t errlen)
{
	gale_err rv = gale__wc_read_part(NULL, path, h, err, errlen);
	*found      = rv == GALE_OK;
	return rv == GALE_ENOENT ? GALE_OK : rv;
}

gale_err
gale__wc_restore(gale_wc *w, const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, bool *restored, char *err, size_t errlen)
{
	*restored = false;
	char path[WC_PATH_MAX];
	if (gale__wc_part_path(path, sizeof(path), output, index) != GALE_OK) {
		snprintf(err, errlen, "'%s': path too long", output);
		return GALE_EINVAL;
	}
	gale_wc_header h;
	bool           found;
	gale_err       rv = wc_part_header(path, &h, &found, err, errlen);
	if (rv != GALE_OK || !found) {
		return rv;
	}
	if (strcmp(h.run_id, run_id) != 0) {
		if (unlink(path) != 0 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove stale '%s': %s",
			    path, strerror(errno));
			return GALE_EIO;
		}
		return GALE_OK;
	}
	if (h.index != index || h.ntasks != ntasks) {
		snprintf(err, errlen,
		    "%s: written by task %" PRIu32 " of %" PRIu32
		    " of this run, not by task %" PRIu32 " of %" PRIu32,
		    path, h.index, h.ntasks, index, ntasks);
		return GALE_EPROTO;
	}
	rv = gale__wc_read_part(w, path, &h, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	*restored = true;
	return GALE_OK;
}

// True when part index of output is the final part of run_id of ntasks.
static gale_err
wc_part_ready(const char *path, const char *run_id, uint32_t index,
    uint32_t ntasks, bool *ready, char *err, size_t errlen)
{
	gale_wc_header h;
	bool           found;
	gale_err       rv = wc_part_header(path, &h, &found, err, errlen);
	*ready = rv == GALE_OK && found && strcmp(h.run_id, run_id) == 0
	    && h.index == index && h.ntasks == ntasks && h.final;
	return rv;
}

gale_err
gale__wc_merge(const char *output, const char *run_id, uint32_t ntasks,
    bool *merged, char *err, size_t errlen)
{
	*merged = false;
	char path[WC_PATH_MAX];
	for (uint32_t i = 0; i < ntasks; i++) {
		if (gale__wc_part_path(path, sizeof(path), output, i)
		    != GALE_OK) {
			snprintf(err, errlen, "'%s': path too long", output);
			return GALE_EINVAL;
		}
		bool     ready;
		gale_err rv = wc_part_ready(
		    path, run_id, i, ntasks, &ready, err, errlen);
		if (rv != GALE_OK || !ready) {
			return rv;
		}
	}
	gale_wc *all;
	if (gale__wc_new(&all) != GALE_OK) {
		snprintf(err, errlen, "'%s': out of memory", output);
		return GALE_ENOMEM;
	}
	gale_err rv = GALE_OK;
	for (uint32_t i = 0; i < ntasks && rv == GALE_OK; i++) {
		gale_wc_header h;
		gale__wc_part_path(path, sizeof(path), output, i);
		rv = gale__wc_read_part(all, path, &h, err, errlen);
	}
	if (rv == GALE_OK) {
		rv = gale__wc_write_sorted(all, output, err, errlen);
	}
	gale__wc_destroy(&all);
	if (rv != GALE_OK) {
		return rv;
	}
	for (uint32_t i = 0; i < ntasks; i++) {
		gale__wc_part_path(path, sizeof(path), output, i);
		unlink(path);
	}
	*merged = true;
	return GALE_OK;
}

// Takes an exclusive flock on path, created when needed. The file may be
// removed by the holder before it lets go; a lock taken on a file that is
// no longer at path locks nothing, so it is taken again.
static gale_err
wc_lock(const char *path, int *fdp, char *err, size_t errlen)
{
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open '%s': %s", path,
			    strerror(errno));
			return GALE_EIO;
		}
		int r;
		do {
			r = flock(fd, LOCK_EX);
		} while (r != 0 && errno == EINTR);
		if (r != 0) {
			snprintf(err, errlen, "cannot lock '%s': %s", path,
			    strerror(errno));
			close(fd);
			return GALE_EIO;
		}
		struct stat held, now;
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0
		    && held.st_dev == now.st_dev
		    && held.st_ino == now.st_ino) {
			*fdp = fd;
			return GALE_OK;
		}
		close(fd);
	}
}

gale_err
gale__wc_finish(const gale_wc *w, const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, bool *merged, char *err, size_t errlen)
{
	*merged     = false;
	gale_err rv = gale__wc_write_part(
	    w, output, run_id, index, ntasks, true, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	char lock[WC_PATH_MAX];
	int  n = snprintf(lock, sizeof(lock), "%s.lock", output);
	if (n < 0 || (size_t) n >= sizeof(lock)) {
		snprintf(err, errlen, "'%s': path too long", output);
		return GALE_EINVAL;
	}
	int fd;
	rv = wc_lock(lock, &fd, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	rv = gale__wc_merge(output, run_id, ntasks, merged, err, errlen);
	// Removed by every holder before it lets go (a task waiting on it
	// then finds it gone and takes a new one): no lock file stays behind
	// the output, whichever task finished last.
	unlink(lock);
	close(fd);
	return rv;
}
