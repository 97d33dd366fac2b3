// SPDX-License-Identifier: MIT
// suggest.h - "did you mean" suggestions for misspelt names.

#ifndef GALE_TOPOLOGY_SUGGEST_H
#define GALE_TOPOLOGY_SUGGEST_H

#include <stddef.h>

// Finds the candidate closest to a misspelt word: one equal to it but for
// letter case, or else one within an edit distance of 2, letter case
// ignored. Feed candidates with gale__suggest_add and read the result with
// gale__suggest_best. Words and candidates longer than GALE_SUGGEST_MAX_LEN
// bytes are never matched, which keeps the cost of one comparison bounded.
#define GALE_SUGGEST_MAX_LEN 256

typedef struct gale_suggest {
	const char *word;
	size_t      wlen;
	const char *best;  // borrowed from the caller's candidates
	int         score; // lower is closer
} gale_suggest;

void gale__suggest_init(gale_suggest *s, const char *word);
// Considers cand, which must stay valid until gale__suggest_best is read.
// NULL candidates and the word itself are ignored.
void gale__suggest_add(gale_suggest *s, const char *cand);
// The closest candidate, or NULL when none is close enough. Borrowed.
const char *gale__suggest_best(const gale_suggest *s);

// Writes into buf (cap bytes, at least 8) a copy of user text fit for a
// one-line message: control bytes become '?' and text longer than about 60
// bytes is cut, on a character boundary, and ends in "...". Returns buf.
const char *gale__suggest_show(char *buf, size_t cap, const char *s);

#endif // GALE_TOPOLOGY_SUGGEST_H
