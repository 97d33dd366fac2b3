// SPDX-License-Identifier: MIT
// wordcount.c - counts per word: the table (part files and the merge are
// in wordcount_file.c, incremental stores in wordcount_store.c).

#include <stdlib.h>
#include <string.h>

#include "components/wordcount.h"

#include "components/wordcount_impl.h"

// ---------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------

// The high and low halves of the 128-bit product, folded: one multiply
// that mixes every bit of both operands into the result (wyhash's mum).
static inline uint64_t
wc_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t) a * b;
	return (uint64_t) r ^ (uint64_t) (r >> 64);
}

static inline uint64_t
wc_load64(const char *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

static inline uint64_t
wc_load32(const char *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return x;
}

// A word of 1 to 8 bytes as a number, reading only its own bytes: for a
// given length, distinct words give distinct numbers.
static inline uint64_t
wc_short(const char *p, size_t len)
{
	if (len >= 4) {
		return wc_load32(p) << 32 | wc_load32(p + len - 4);
	}
	return (uint64_t) (unsigned char) p[0] << 16
	    | (uint64_t) (unsigned char) p[len >> 1] << 8
	    | (unsigned char) p[len - 1];
}

// The key of a word: its bytes as wc_short makes them when it has at most
// 8, else its first 8 bytes; with the length, it tells two words of up to
// 8 bytes apart.
static inline uint64_t
wc_key(const char *p, size_t len)
{
	if (len > 8) {
		return wc_load64(p);
	}
	return len > 0 ? wc_short(p, len) : 0;
}

// Most words of a text are shorter than 8 bytes, so most hashes are one
// multiply over the key: this runs once per counted word.
static inline uint64_t
wc_hash(const gale_wc *w, const char *p, size_t len, uint64_t key)
{
	uint64_t h = w->seed ^ (uint64_t) len;
	if (len <= 8) {
		return wc_mum(
		    key ^ 0xa0761d6478bd642fu, h ^ 0xe7037ed1a0b428dbu);
	}
	const char *end = p + len;
	while (end - p > 8) {
		h = wc_mum(wc_load64(p) ^ 0xa0761d6478bd642fu,
		    h ^ 0xe7037ed1a0b428dbu);
		p += 8;
	}
	// The last 8 bytes, overlapping the chunk before when the length is
	// not a multiple of 8.
	return wc_mum(wc_load64(end - 8) ^ 0x8ebc6af09c88c6e3u,
	    h ^ 0x589965cc75374cc3u);
}

gale_err
gale__wc_new(gale_wc **out)
{
	gale_wc *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return GALE_ENOMEM;
	}
	w->slots   = calloc(WC_INIT_CAP, sizeof(wc_slot));
	w->entries = malloc(WC_INIT_CAP / 2 * sizeof(wc_entry));
	if (w->slots == NULL || w->entries == NULL) {
		free(w->slots);
		free(w->entries);
		free(w);
		return GALE_ENOMEM;
	}
	w->cap  = WC_INIT_CAP;
	w->ecap = WC_INIT_CAP / 2;
	// Hashes start from the generator's step (the state one draw after
	// 0): a fixed seed, the same in every process.
	w->seed = 0;
	(void) gale_random_u64(&w->seed);
	*out = w;
	return GALE_OK;
}

void
gale__wc_destroy(gale_wc **wp)
{
	gale_wc *w = *wp;
	if (w == NULL) {
		return;
	}
	while (w->blocks != NULL) {
		wc_block *b = w->blocks;
		w->blocks   = b->next;
		free(b);
	}
	free(w->slots);
	free(w->entries);
	free(w->changed);
	free(w);
	*wp = NULL;
}

// The slot of word: the one that holds it, or the empty one where it
// belongs.
static inline size_t
wc_find(const gale_wc *w, const char *word, size_t len, uint64_t h,
    uint64_t key)
{
	size_t   mask = w->cap - 1;
	uint32_t tag  = (uint32_t) (h >> 32);
	for (size_t i = (size_t) h & mask;; i = (i + 1) & mask) {
		wc_slot s = w->slots[i];
		if (s.entry == 0) {
			return i;
		}
		if (s.tag == tag) {
			const wc_entry *e = &w->entries[s.entry - 1];
			if (e->key == key && e->len == len
			    && (len <= 8
				|| memcmp(e->word + 8, word + 8, len - 8)
				    == 0)) {
				return i;
			}
		}
	}
}

// Doubles the slots and puts every entry back: the entries themselves do
// not move.
static gale_err
wc_grow(gale_wc *w)
{
	if (w->cap > SIZE_MAX / 2 / sizeof(wc_slot)
	    || w->cap * 2 > UINT32_MAX) {
		return GALE_ENOMEM;
	}
	size_t   cap   = w->cap * 2;
	wc_slot *slots = calloc(cap, sizeof(*slots));
	if (slots == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t k = 0; k < w->n; k++) {
		const wc_entry *e = &w->entries[k];
		uint64_t        h = wc_hash(w, e->word, e->len, e->key);
		size_t          j = (size_t) h & (cap - 1);
		while (slots[j].entry != 0) {
			j = (j + 1) & (cap - 1);
		}
		slots[j] = (wc_slot) { .tag = (uint32_t) (h >> 32),
			.entry              = (uint32_t) (k + 1) };
	}
	free(w->slots);
	w->slots = slots;
	w->cap   = cap;
	return GALE_OK;
}

static const char *
wc_copy(gale_wc *w, const char *word, size_t len)
{
	if (len == 0) {
		return "";
	}
	if (w->left < len) {
		size_t size = len > WC_BLOCK ? len : WC_BLOCK;
		if (size > SIZE_MAX - sizeof(wc_block)) {
			return NULL;
		}
		wc_block *b = malloc(sizeof(wc_block) + size);
		if (b == NULL) {
			return NULL;
		}
		b->next   = w->blocks;
		w->blocks = b;
		w->cur    = b->data;
		w->left   = size;
	}
	char *p = w->cur;
	memcpy(p, word, len);
	w->cur += len;
	w->left -= len;
	return p;
}

static int64_t
wc_saturating_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r)) {
		return b > 0 ? INT64_MAX : INT64_MIN;
	}
	return r;
}

// Lists entry k as changed, once. The list has room for every word, so
// only its growth allocates.
static inline gale_err
wc_mark(gale_wc *w, size_t k)
{
	wc_entry *e = &w->entries[k];
	if (!w->track || e->changed) {
		return GALE_OK;
	}
	if (w->nchanged == w->changed_cap) {
		size_t  cap = w->changed_cap ? w->changed_cap * 2 : 256;
		size_t *c   = realloc(w->changed, cap * sizeof(*c));
		if (c == NULL) {
			return GALE_ENOMEM;
		}
		w->changed     = c;
		w->changed_cap = cap;
	}
	e->changed                = 1;
	w->changed[w->nchanged++] = k;
	return GALE_OK;
}

// A new entry for word, count 0, in slot i (empty, as wc_find returned
// it); sets *k to its index.
static gale_err
wc_insert(gale_wc *w, const char *word, size_t len, uint64_t h,
    uint64_t key, size_t i, size_t *k)
{
	// Keep the load under 70%, where linear probing stays short.
	if ((w->n + 1) * 10 > w->cap * 7) {
		gale_err rv = wc_grow(w);
		if (rv != GALE_OK) {
			return rv;
		}
		i = wc_find(w, word, len, h, key);
	}
	if (w->n == w->ecap) {
		size_t    ecap = w->ecap * 2;
		wc_entry *v    = ecap > SIZE_MAX / sizeof(*v)
		       ? NULL
		       : realloc(w->entries, ecap * sizeof(*v));
		if (v == NULL) {
			return GALE_ENOMEM;
		}
		w->entries = v;
		w->ecap    = ecap;
	}
	const char *copy = wc_copy(w, word, len);
	if (copy == NULL) {
		return GALE_ENOMEM;
	}
	w->entries[w->n]
	    = (wc_entry) { .key = key, .word = copy, .len = (uint32_t) len };
	w->slots[i] = (wc_slot) { .tag = (uint32_t) (h >> 32),
		.entry                 = (uint32_t) (w->n + 1) };
	*k          = w->n++;
	return GALE_OK;
}

// The entry of word, created (count 0) when it is new.
static inline gale_err
wc_entry_of(gale_wc *w, const char *word, size_t len, size_t *k)
{
	if (len > UINT32_MAX) {
		return GALE_EINVAL;
	}
	uint64_t key = wc_key(word, len);
	uint64_t h   = wc_hash(w, word, len, key);
	size_t   i   = wc_find(w, word, len, h, key);
	if (w->slots[i].entry == 0) {
		// A stored table's part holds one word per line: a word with
		// a newline is refused once, as it is first seen, and words
		// already in the table need no look.
		if (w->track && memchr(word, '\n', len) != NULL) {
			return GALE_EINVAL;
		}
		return wc_insert(w, word, len, h, key, i, k);
	}
	*k = w->slots[i].entry - 1;
	return GALE_OK;
}

gale_err
gale__wc_add(
    gale_wc *w, const char *word, size_t len, int64_t delta, int64_t *count)
{
	size_t   k;
	gale_err rv = wc_entry_of(w, word, len, &k);
	if (rv != GALE_OK) {
		return rv;
	}
	if ((rv = wc_mark(w, k)) != GALE_OK) {
		return rv;
	}
	wc_entry *e = &w->entries[k];
	e->count    = wc_saturating_add(e->count, delta);
	if (count != NULL) {
		*count = e->count;
	}
	return GALE_OK;
}

gale_err
gale__wc_set(gale_wc *w, const char *word, size_t len, int64_t count)
{
	size_t   k;
	gale_err rv = wc_entry_of(w, word, len, &k);
	if (rv == GALE_OK && (rv = wc_mark(w, k)) == GALE_OK) {
		w->entries[k].count = count;
	}
	return rv;
}

void
gale__wc_track(gale_wc *w)
{
	w->track = true;
}

size_t
gale__wc_changed(const gale_wc *w)
{
	return w->nchanged;
}

void
gale__wc_clear_changed(gale_wc *w)
{
	for (size_t k = 0; k < w->nchanged; k++) {
		w->entries[w->changed[k]].changed = 0;
	}
	w->nchanged = 0;
}

int64_t
gale__wc_get(const gale_wc *w, const char *word, size_t len)
{
	if (len > UINT32_MAX) {
		return 0;
	}
	uint64_t key = wc_key(word, len);
	size_t   i   = wc_find(w, word, len, wc_hash(w, word, len, key), key);
	uint32_t k = w->slots[i].entry;
	return k != 0 ? w->entries[k - 1].count : 0;
}

size_t
gale__wc_size(const gale_wc *w)
{
	return w->n;
}

bool
gale__wc_iter(const gale_wc *w, size_t *cursor, const char **word,
    size_t *len, int64_t *count)
{
	if (*cursor >= w->n) {
		*cursor = w->n;
		return false;
	}
	const wc_entry *e = &w->entries[*cursor];
	*word             = e->word;
	*len              = e->len;
	*count            = e->count;
	(*cursor)++;
	return true;
}
