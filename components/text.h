// SPDX-License-Identifier: MIT
// text.h - the text helpers of the built-ins: word tokens and the
// deterministic random sentences.

#ifndef GALE_COMPONENTS_TEXT_H
#define GALE_COMPONENTS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// True for the ASCII whitespace bytes: space, \t, \n, \v, \f and \r.
static inline bool
gale__is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

// Finds the next token of s[0, len) at or after *pos: a maximal run of
// bytes that are not ASCII whitespace. Sets *tok (pointing into s) and
// *toklen, moves *pos past the token and returns true; returns false when
// no token is left. Any other byte, NUL and bytes >= 0x80 included, is part
// of a token.
bool gale__token_next(const char *s, size_t len, size_t *pos,
    const char **tok, size_t *toklen);

// No random sentence is longer than this, its terminating NUL included.
#define GALE_SENTENCE_MAX 128

// Writes sentence i of the sequence named by seed into buf: 8 to 12 words
// of a fixed vocabulary, drawn with a Zipf-like skew (the k-th most common
// word weighs about 1/k), separated by single spaces. The sentence is a
// pure function of (seed, i). Writes at most cap bytes including a
// terminating NUL (when cap > 0) and returns the sentence's full length, as
// snprintf does; with cap >= GALE_SENTENCE_MAX it is never cut. Thread-safe.
size_t gale__random_sentence(
    uint64_t seed, uint64_t i, char *buf, size_t cap);

// The vocabulary of the random sentences, most common word first: sets *n
// and returns the array (static; caller must not free it).
const char *const *gale__sentence_vocabulary(size_t *n);

#endif // GALE_COMPONENTS_TEXT_H
