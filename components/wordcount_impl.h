// SPDX-License-Identifier: MIT
// wordcount_impl.h - the word table's layout, shared by the three files
// of the word count module (wordcount.c: the table; wordcount_file.c: part
// files, their merge and the merge lock; wordcount_store.c: incremental
// stores). Not for other modules.

#ifndef GALE_COMPONENTS_WORDCOUNT_IMPL_H
#define GALE_COMPONENTS_WORDCOUNT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "components/wordcount.h"

#define WC_PREFIX "#gale-wordcount "
#define WC_BLOCK (64 * 1024)
#define WC_INIT_CAP 1024
#define WC_PATH_MAX 4096
// A header is at most this long, so that reading only a header reads
// little of a large part.
#define WC_HEADER_MAX (sizeof(WC_PREFIX) + GALE_WC_RUN_ID_MAX + 40)

// A word and its count. Entries sit in an array in the order their words
// first came, apart from the hash slots that find them: the words a text
// repeats most come first, so the entries a count touches stay in few
// cache lines, and their indices stay the same when the slots are rebuilt.
typedef struct wc_entry {
	// The word's first bytes as wc_key makes them: with the length, all
	// of a word of up to 8 bytes, so that comparing such a word reads no
	// other memory.
	uint64_t    key;
	const char *word;
	uint32_t    len;
	uint32_t    changed; // 1 when listed in the table's changed entries
	int64_t     count;
} wc_entry;

// A hash slot: 32 bits of the word's hash, so that most probes that miss
// are settled without touching the entry, and the entry's index plus 1
// (0: the slot is empty). Eight bytes, so that the slots of a text's
// vocabulary fit in a core's cache beside everything else it runs.
typedef struct wc_slot {
	uint32_t tag;
	uint32_t entry;
} wc_slot;

// Words live in blocks that never move, so entries can point into them
// while the entry array grows.
typedef struct wc_block {
	struct wc_block *next;
	char             data[];
} wc_block;

struct gale_wc {
	wc_slot  *slots;
	size_t    cap; // a power of two
	wc_entry *entries;
	size_t    n; // entries in use
	size_t    ecap;
	wc_block *blocks;
	char     *cur;
	size_t    left;
	uint64_t  seed; // where every word's hash starts
	// The entries changed since gale__wc_clear_changed, when tracked.
	bool    track;
	size_t *changed;
	size_t  nchanged;
	size_t  changed_cap;
};

// Sets the count of word, adding it when new, and marks it changed: a
// later record of a word in a part replaces an earlier one.
gale_err gale__wc_set(gale_wc *w, const char *word, size_t len, int64_t count);

// The longest "\tCOUNT\n".
#define WC_COUNT_MAX 22

// Writes "\tCOUNT\n" at p, at most 22 bytes; returns its length.
size_t gale__wc_format_count(char *p, int64_t count);

// Word<TAB>count lines buffered on their way to a file descriptor: the
// incremental stores of a part and the rewrites of whole tables both
// write through one, a buffer's worth at a time.
typedef struct wc_writer {
	int         fd;
	const char *path; // named in messages
	char       *buf;
	size_t      cap; // more than WC_COUNT_MAX
	size_t      used;
	uint64_t    bytes; // taken so far, written out or not
} wc_writer;

// Takes len bytes of data as they are. On a failed write returns GALE_EIO
// with the reason in err; what was taken before may be in the file.
gale_err gale__wc_writer_bytes(
    wc_writer *o, const void *data, size_t len, char *err, size_t errlen);
// gale__wc_writer_line when the buffer has no room for the line.
gale_err gale__wc_writer_line_out(wc_writer *o, const char *word, size_t len,
    int64_t count, char *err, size_t errlen);
// Writes out what it holds.
gale_err gale__wc_writer_flush(wc_writer *o, char *err, size_t errlen);

// Takes the line of word and count. Inline: a store runs it for every
// changed word.
static inline gale_err
gale__wc_writer_line(wc_writer *o, const char *word, size_t len, int64_t count,
    char *err, size_t errlen)
{
	if (o->used + len + WC_COUNT_MAX > o->cap) {
		return gale__wc_writer_line_out(
		    o, word, len, count, err, errlen);
	}
	memcpy(o->buf + o->used, word, len);
	size_t n = len + gale__wc_format_count(o->buf + o->used + len, count);
	o->used += n;
	o->bytes += n;
	return GALE_OK;
}

// Writes header and the words of w in the order of order (or of the
// entries when order is NULL), to path through a temporary file renamed
// over it; sets *bytes (when not NULL) to the file's size.
gale_err gale__wc_write_atomic(const char *path, const char *header,
    const gale_wc *w, const wc_entry *const *order, uint64_t *bytes,
    char *err, size_t errlen);

// Checks run_id and makes the path and header line of a part.
gale_err gale__wc_part_names(const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, bool final, char *path, char *header,
    char *err, size_t errlen);

#endif // GALE_COMPONENTS_WORDCOUNT_IMPL_H
