// SPDX-License-Identifier: MIT
// words.h - checking a word count's output file against an independent
// count of its input, as `tr -s '[:space:]' '\n' | sort | uniq -c` gives.

#ifndef GALE_TESTS_SUPPORT_WORDS_H
#define GALE_TESTS_SUPPORT_WORDS_H

#include <stdbool.h>
#include <stddef.h>

// Asserts (criterion) that the file at out holds one `word<TAB>count` line
// for every distinct word of text (runs of bytes between ASCII whitespace),
// no other word, and each count equal to (or, with at_least, at least) the
// word's count in text.
void test_check_counts(
    const char *text, size_t len, const char *out, bool at_least);

#endif // GALE_TESTS_SUPPORT_WORDS_H
