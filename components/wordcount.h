// SPDX-License-Identifier: MIT
// wordcount.h - the word_count bolt's table of counts, its part files and
// their merge into one output file.
//
// A word is any byte string (the bolt's words hold no ASCII whitespace, so
// that they can be written raw, NULs included, one per line). Each task of
// word_count keeps its counts in a part file next to the output,
// PATH.part-<index>, whose first line is
//
//     #gale-wordcount <run id> <index> <ntasks> partial|final
//
// followed by lines `word<TAB>count`. A partial part is a log: a task
// appends the records of the words it changed since its last store, so a
// later record of a word replaces its earlier ones, and its last record may
// be torn by a crash (a last line without its newline, which readers
// skip: that store never completed). A final part, and a partial one just
// compacted, hold one record per word. When every task of a run has written
// its final part, one of them merges the parts into PATH: lines
// `word<TAB>count` sorted bytewise by word. A table is not thread-safe.

#ifndef GALE_COMPONENTS_WORDCOUNT_H
#define GALE_COMPONENTS_WORDCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// The longest run id a part file can hold.
#define GALE_WC_RUN_ID_MAX 255

// ---------------------------------------------------------------------
// Table of counts
// ---------------------------------------------------------------------

typedef struct gale_wc gale_wc;

gale_err gale__wc_new(gale_wc **out);
// Frees the table; accepts NULL and sets *wp to NULL.
void gale__wc_destroy(gale_wc **wp);

// Adds delta to the count of word (a new word starts at 0), saturating at
// the limits of int64_t, and sets *count (when not NULL) to the new count.
// The word is copied: into an arena, so that only the table's growth
// allocates. GALE_EINVAL for a word over 4 GB.
gale_err gale__wc_add(gale_wc *w, const char *word, size_t len,
    int64_t delta, int64_t *count);
// The count of word; 0 when it was never added.
int64_t gale__wc_get(const gale_wc *w, const char *word, size_t len);
// The number of distinct words.
size_t gale__wc_size(const gale_wc *w);
// Walks the words in the order they were first added: start with
// *cursor = 0; each call sets the next word (borrowed: valid until the
// next add) and returns true, or returns false at the end.
bool gale__wc_iter(const gale_wc *w, size_t *cursor, const char **word,
    size_t *len, int64_t *count);

// From now on, remembers which words change (for gale__wc_part_store),
// and refuses to add a new word holding a newline (GALE_EINVAL): a part
// holds one word per line.
void gale__wc_track(gale_wc *w);
// The number of words changed since the last gale__wc_clear_changed.
size_t gale__wc_changed(const gale_wc *w);
// Forgets which words changed.
void gale__wc_clear_changed(gale_wc *w);

// ---------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------

// Every function below that can fail writes a one-line reason naming the
// file (and line) into err, errlen bytes.

typedef struct gale_wc_header {
	char     run_id[GALE_WC_RUN_ID_MAX + 1];
	uint32_t index;
	uint32_t ntasks;
	bool     final;
} gale_wc_header;

// Writes the path of part index of output into buf. GALE_EINVAL when it
// does not fit.
gale_err gale__wc_part_path(
    char *buf, size_t cap, const char *output, uint32_t index);

// Writes w as part index of output, replacing the file atomically (a
// temporary file renamed over it), so that a process that dies leaves the
// old part or the new one. GALE_EINVAL for a run id that is too long or
// holds a newline; GALE_EIO when the file cannot be written.
gale_err gale__wc_write_part(const gale_wc *w, const char *output,
    const char *run_id, uint32_t index, uint32_t ntasks, bool final,
    char *err, size_t errlen);

// Reads the part file at path: its header into *h and, when w is not NULL,
// adds its counts to w. GALE_ENOENT when there is no such file, GALE_EPROTO
// when it is malformed, GALE_EIO or GALE_ENOMEM.
gale_err gale__wc_read_part(gale_wc *w, const char *path, gale_wc_header *h,
    char *err, size_t errlen);

// For a task that starts: when part index of output exists and belongs to
// run_id, adds its counts to w and sets *restored; a part of another run is
// stale and is removed. A part of this run written by a task of another
// index or parallelism is an error (GALE_EPROTO).
gale_err gale__wc_restore(gale_wc *w, const char *output, const char *run_id,
    uint32_t index, uint32_t ntasks, bool *restored, char *err,
    size_t errlen);

// When parts 0 to ntasks - 1 of output all exist, belong to run_id and are
// final, sums them into output (written atomically, sorted bytewise by
// word), removes them and sets *merged; otherwise leaves everything as it
// is and clears *merged. The caller must hold the output's lock (see
// gale__wc_finish) when several processes may merge.
gale_err gale__wc_merge(const char *output, const char *run_id,
    uint32_t ntasks, bool *merged, char *err, size_t errlen);

// Writes the counts of w to path as sorted `word<TAB>count` lines,
// atomically.
gale_err gale__wc_write_sorted(
    const gale_wc *w, const char *path, char *err, size_t errlen);

// For a task that ends: writes its final part, then, holding an exclusive
// flock on PATH.lock, merges when every part is final, and removes the lock
// file after a merge. Whichever task of the run ends last does the merge.
// Sets *merged as gale__wc_merge does.
gale_err gale__wc_finish(const gale_wc *w, const char *output,
    const char *run_id, uint32_t index, uint32_t ntasks, bool *merged,
    char *err, size_t errlen);

// ---------------------------------------------------------------------
// Incremental stores of a partial part
// ---------------------------------------------------------------------

// The part file of one task while it runs. Not thread-safe.
typedef struct gale_wc_part gale_wc_part;

// Names part index of output for run_id; writes nothing yet. GALE_EINVAL
// for a run id that cannot be written or a path that is too long.
gale_err gale__wc_part_new(gale_wc_part **out, const char *output,
    const char *run_id, uint32_t index, uint32_t ntasks, char *err,
    size_t errlen);
// Closes the part (the file stays); accepts NULL and sets *pp to NULL.
void gale__wc_part_destroy(gale_wc_part **pp);

// Makes the counts of w durable as a partial part, w being tracked (see
// gale__wc_track): the first store, and any store once the appended log is
// three times (and 1 MB) the part's last rewrite, rewrites the part whole
// (atomically, as gale__wc_write_part does); every other appends the
// records of the words changed since the last store, so that its cost
// grows with those words and not with the table. Clears the changed words
// on success; on failure nothing of this store is left in the file and
// the words stay changed, for the next store. GALE_EIO names the file.
gale_err gale__wc_part_store(
    gale_wc_part *p, gale_wc *w, char *err, size_t errlen);
// How many stores rewrote the part whole (for tests).
uint64_t gale__wc_part_rewrites(const gale_wc_part *p);

#endif // GALE_COMPONENTS_WORDCOUNT_H
