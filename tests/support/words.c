// SPDX-License-Identifier: MIT
// words.c - checking a word count's output against an independent count.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/run.h"
#include "tests/support/words.h"

typedef struct word {
	const char *p;
	size_t      len;
	long        count;
} word;

static int
word_cmp(const void *a, const void *b)
{
	const word *x = a, *y = b;
	size_t      n = x->len < y->len ? x->len : y->len;
	int         c = memcmp(x->p, y->p, n);
	if (c != 0) {
		return c;
	}
	return x->len < y->len ? -1 : x->len > y->len;
}

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
	    || c == '\f';
}

// Sorted (word, count) pairs of text, counted here.
static word *
expected_counts(const char *text, size_t len, size_t *n)
{
	word  *w  = NULL;
	size_t nw = 0, cap = 0, i = 0;
	while (i < len) {
		while (i < len && is_ws((unsigned char) text[i])) {
			i++;
		}
		size_t start = i;
		while (i < len && !is_ws((unsigned char) text[i])) {
			i++;
		}
		if (i > start) {
			if (nw == cap) {
				cap = cap ? cap * 2 : 1024;
				w   = realloc(w, cap * sizeof(*w));
			}
			w[nw++] = (word) { text + start, i - start, 1 };
		}
	}
	if (nw > 0) {
		qsort(w, nw, sizeof(*w), word_cmp);
	}
	size_t k = 0;
	for (size_t j = 0; j < nw; j++) {
		if (k > 0 && word_cmp(&w[k - 1], &w[j]) == 0) {
			w[k - 1].count++;
		} else {
			w[k++] = w[j];
		}
	}
	*n = k;
	return w;
}

// Sorted pairs of the "word<TAB>count" lines of the output.
static word *
output_counts(const char *text, size_t len, size_t *n)
{
	word  *w  = NULL;
	size_t nw = 0, cap = 0, i = 0;
	while (i < len) {
		const char *line = text + i;
		const char *nl   = memchr(line, '\n', len - i);
		cr_assert_not_null(nl, "output line without newline");
		const char *tab = memrchr(line, '\t', (size_t) (nl - line));
		cr_assert(tab != NULL && tab > line, "bad output line: %.*s",
		    (int) (nl - line), line);
		if (nw == cap) {
			cap = cap ? cap * 2 : 1024;
			w   = realloc(w, cap * sizeof(*w));
		}
		w[nw++] = (word) { line, (size_t) (tab - line),
			strtol(tab + 1, NULL, 10) };
		i       = (size_t) (nl - text) + 1;
	}
	if (nw > 0) {
		qsort(w, nw, sizeof(*w), word_cmp);
	}
	*n = nw;
	return w;
}

void
test_check_counts(
    const char *text, size_t len, const char *out, bool at_least)
{
	size_t olen;
	char  *got = test_read_file(out, &olen);
	cr_assert_not_null(got, "no output file %s", out);
	size_t ne, ng;
	word  *exp = expected_counts(text, len, &ne);
	word  *act = output_counts(got, olen, &ng);
	cr_assert_eq(
	    ng, ne, "%zu distinct words in the output, %zu expected", ng, ne);
	for (size_t i = 0; i < ne; i++) {
		cr_assert_eq(word_cmp(&exp[i], &act[i]), 0,
		    "word %zu differs: '%.*s' vs '%.*s'", i, (int) exp[i].len,
		    exp[i].p, (int) act[i].len, act[i].p);
		if (at_least) {
			cr_assert_geq(act[i].count, exp[i].count,
			    "'%.*s' counted %ld, below %ld", (int) exp[i].len,
			    exp[i].p, act[i].count, exp[i].count);
		} else {
			cr_assert_eq(act[i].count, exp[i].count,
			    "'%.*s' counted %ld, expected %ld",
			    (int) exp[i].len, exp[i].p, act[i].count,
			    exp[i].count);
		}
	}
	free(exp);
	free(act);
	free(got);
}
