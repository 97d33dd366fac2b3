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

// The longest "\tCOUNT\n".
#define WC_COUNT_MAX 22

// Writes "\tCOUNT\n" at p, at most 22 bytes; returns its length.
size_t gale__wc_format_count(char *p, int64_t count);

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
