// SPDX-License-Identifier: MIT
// wordcount_impl.h - the word table's layout, shared by the two files of
// the word count module (wordcount.c: the table, part files and merge;
// wordcount_store.c: incremental stores). Not for other modules.

#ifndef GALE_COMPONENTS_WORDCOUNT_IMPL_H
#define GALE_COMPONENTS_WORDCOUNT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "components/wordcount.h"

#define WC_PREFIX "#gale-wordcount "
#define WC_BLOCK (64 * 1024)
#define WC_INIT_CAP 1024
#define WC_PATH_MAX 4096
// A header is at most this long, so that reading only a header reads
// little of a large part.
#define WC_HEADER_MAX (sizeof(WC_PREFIX) + GALE_WC_RUN_ID_MAX + 40)

typedef struct wc_entry {
	const char *word; // NULL: the slot is empty
	uint32_t    len;
	uint32_t    changed; // 1 when listed in the table's changed slots
	uint64_t    hash;
	int64_t     count;
} wc_entry;

// Words live in blocks that never move, so entries can point into them
// while the slot array is rebuilt.
typedef struct wc_block {
	struct wc_block *next;
	char             data[];
} wc_block;

struct gale_wc {
	wc_entry *slots;
	size_t    cap; // a power of two
	size_t    n;
	wc_block *blocks;
	char     *cur;
	size_t    left;
	uint64_t  seed; // where every word's hash starts
	// The slots changed since gale__wc_clear_changed, when tracked.
	bool    track;
	size_t *changed;
	size_t  nchanged;
	size_t  changed_cap;
};

// The longest "\tCOUNT\n".
#define WC_COUNT_MAX 22

// Writes "\tCOUNT\n" at p, at most 22 bytes; returns its length.
size_t gale__wc_format_count(char *p, int64_t count);

// Writes header and the words of w in the order of order (or of the table
// when order is NULL), to path through a temporary file renamed over it;
// sets *bytes (when not NULL) to the file's size.
gale_err gale__wc_write_atomic(const char *path, const char *header,
    const gale_wc *w, const wc_entry *const *order, uint64_t *bytes,
    char *err, size_t errlen);

// Checks run_id and makes the path and header line of a part.
gale_err gale__wc_part_names(const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, bool final, char *path, char *header,
    char *err, size_t errlen);

#endif // GALE_COMPONENTS_WORDCOUNT_IMPL_H
