// SPDX-License-Identifier: MIT
// suggest.c - "did you mean" suggestions for misspelt names.

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "topology/suggest.h"

// Scores are twice the edit distance, so that a match that differs only in
// letter case (score 1) beats any real edit (score 2 or more).
#define SUGGEST_MAX_DISTANCE 2
#define SUGGEST_NONE 1000

void
gale__suggest_init(gale_suggest *s, const char *word)
{
	s->word  = word;
	s->wlen  = word != NULL ? strlen(word) : 0;
	s->best  = NULL;
	s->score = SUGGEST_NONE;
}

// The Levenshtein distance of a and b, ignoring ASCII letter case, both at
// most GALE_SUGGEST_MAX_LEN bytes long, computed with one row.
static int
suggest_distance(const char *a, size_t alen, const char *b, size_t blen)
{
	int row[GALE_SUGGEST_MAX_LEN + 1];
	for (size_t j = 0; j <= blen; j++) {
		row[j] = (int) j;
	}
	for (size_t i = 1; i <= alen; i++) {
		int diag = row[0];
		row[0]   = (int) i;
		for (size_t j = 1; j <= blen; j++) {
			int up   = row[j];
			int cost = tolower((unsigned char) a[i - 1]) ==
			        tolower((unsigned char) b[j - 1])
			    ? 0
			    : 1;
			int best = diag + cost;
			if (up + 1 < best) {
				best = up + 1;
			}
			if (row[j - 1] + 1 < best) {
				best = row[j - 1] + 1;
			}
			row[j] = best;
			diag   = up;
		}
	}
	return row[blen];
}

void
gale__suggest_add(gale_suggest *s, const char *cand)
{
	if (cand == NULL || s->word == NULL ||
	    s->wlen > GALE_SUGGEST_MAX_LEN) {
		return;
	}
	size_t clen = strlen(cand);
	if (clen > GALE_SUGGEST_MAX_LEN || strcmp(cand, s->word) == 0) {
		return;
	}
	int score;
	if (clen == s->wlen && strcasecmp(cand, s->word) == 0) {
		score = 1;
	} else {
		size_t diff = clen > s->wlen ? clen - s->wlen : s->wlen - clen;
		if (diff > SUGGEST_MAX_DISTANCE) {
			return;
		}
		int dist = suggest_distance(s->word, s->wlen, cand, clen);
		if (dist > SUGGEST_MAX_DISTANCE) {
			return;
		}
		score = 2 * dist;
	}
	if (score < s->score) {
		s->score = score;
		s->best  = cand;
	}
}

const char *
gale__suggest_best(const gale_suggest *s)
{
	return s->best;
}

const char *
gale__suggest_show(char *buf, size_t cap, const char *s)
{
	size_t limit = cap - 4; // room for "..." and the NUL
	if (limit > 60) {
		limit = 60;
	}
	size_t n = 0;
	for (; s[n] != '\0' && n < limit; n++) {
		unsigned char c = (unsigned char) s[n];
		buf[n]          = (c < 0x20 || c == 0x7f) ? '?' : (char) c;
	}
	if (s[n] != '\0') {
		// Do not end in the middle of a UTF-8 sequence.
		while (n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80) {
			n--;
		}
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}
