// SPDX-License-Identifier: MIT
// text_test.c - tests of the word tokenizer and the random sentences.

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/text.h"
#include "gale.h"

// Tokenizes s[0, len) and checks the tokens against want, a list of
// NUL-separated tokens closed by an empty one (so that tokens cannot hold
// NUL here; the NUL case has its own test).
static void
check_tokens(const char *s, size_t len, const char *const *want)
{
	size_t      pos = 0, n = 0, toklen;
	const char *tok;
	while (gale__token_next(s, len, &pos, &tok, &toklen)) {
		cr_assert_not_null(want[n], "extra token %zu", n);
		cr_assert_eq(toklen, strlen(want[n]), "length of token %zu",
		    n);
		cr_assert(memcmp(tok, want[n], toklen) == 0, "token %zu", n);
		cr_assert(tok >= s && tok + toklen <= s + len);
		n++;
	}
	cr_assert_null(want[n], "missing token %zu", n);
	cr_assert_eq(pos, len);
	// Once exhausted it stays so.
	cr_assert_not(gale__token_next(s, len, &pos, &tok, &toklen));
}

Test(text, tokens_split_at_every_ascii_whitespace_kind)
{
	static const char        s[]    = "a\tb\nc\vd\fe\rf g";
	static const char *const want[] = { "a", "b", "c", "d", "e", "f", "g",
		NULL };
	check_tokens(s, sizeof(s) - 1, want);
}

Test(text, tokens_ignore_leading_trailing_and_repeated_whitespace)
{
	static const char        s[]    = "  \t one   two\r\n\r\n three \n\n";
	static const char *const want[] = { "one", "two", "three", NULL };
	check_tokens(s, sizeof(s) - 1, want);
}

Test(text, tokens_keep_non_ascii_and_punctuation_bytes)
{
	static const char        s[]    = "caf\xc3\xa9, \xff\x80\x01 --";
	static const char *const want[] = { "caf\xc3\xa9,", "\xff\x80\x01",
		"--", NULL };
	check_tokens(s, sizeof(s) - 1, want);
}

Test(text, tokens_keep_nul_bytes)
{
	static const char s[] = "a\0b \0";
	size_t            pos = 0, toklen;
	const char       *tok;
	cr_assert(gale__token_next(s, 5, &pos, &tok, &toklen));
	cr_assert(toklen == 3 && memcmp(tok, "a\0b", 3) == 0);
	cr_assert(gale__token_next(s, 5, &pos, &tok, &toklen));
	cr_assert(toklen == 1 && tok[0] == '\0');
	cr_assert_not(gale__token_next(s, 5, &pos, &tok, &toklen));
}

Test(text, tokens_of_empty_or_blank_input_are_none)
{
	static const char *const none[] = { NULL };
	check_tokens("", 0, none);
	check_tokens(" \t\r\n\v\f ", 7, none);
}

Test(text, tokens_without_final_newline_end_at_the_input_end)
{
	static const char *const want[] = { "last", "word", NULL };
	check_tokens("last word", 9, want);
	check_tokens("last word\n", 10, want);
}

Test(text, tokens_stop_at_the_given_length)
{
	static const char *const want[] = { "ab", NULL };
	check_tokens("ab cd", 2, want);
}

// The tokens by the definition, one byte at a time: what the tokenizer,
// which reads eight bytes at a time, must agree with.
static size_t
reference_tokens(const unsigned char *s, size_t len, size_t *starts,
    size_t *lens)
{
	size_t n = 0, i = 0;
	while (i < len) {
		if (gale__is_space(s[i])) {
			i++;
			continue;
		}
		starts[n] = i;
		while (i < len && !gale__is_space(s[i])) {
			i++;
		}
		lens[n] = i - starts[n];
		n++;
	}
	return n;
}

// Random inputs of every length up to 64 over the bytes next to the
// whitespace kinds (and NUL, '!', 0x7f, 0x80, 0xff), so that words end
// and go on at every position of an eight-byte load.
Test(text, tokens_agree_with_the_definition_at_every_alignment)
{
	static const unsigned char alphabet[] = { ' ', '\t', '\n', '\v', '\f',
		'\r', 0, 1, 8, 14, 0x1f, '!', 'a', 'z', 0x7f, 0x80, 0xff };
	uint64_t      state = 7;
	unsigned char buf[64];
	size_t        starts[64], lens[64];
	for (int round = 0; round < 20000; round++) {
		size_t len
		    = (size_t) (gale_random_u64(&state) % (sizeof(buf) + 1));
		// Mostly word bytes, as in a text, some of any kind.
		for (size_t i = 0; i < len; i++) {
			uint64_t r = gale_random_u64(&state);
			buf[i] = r % 4 != 0
			    ? (unsigned char) ('a' + r / 4 % 26)
			    : alphabet[r / 4 % sizeof(alphabet)];
		}
		size_t      n = reference_tokens(buf, len, starts, lens);
		size_t      pos = 0, k = 0, toklen;
		const char *tok;
		while (gale__token_next((const char *) buf, len, &pos, &tok,
		    &toklen)) {
			cr_assert_lt(k, n, "round %d: extra token", round);
			cr_assert_eq((size_t) (tok - (const char *) buf),
			    starts[k], "round %d token %zu", round, k);
			cr_assert_eq(
			    toklen, lens[k], "round %d token %zu", round, k);
			k++;
		}
		cr_assert_eq(k, n, "round %d", round);
		cr_assert_eq(pos, len);
	}
}

// Finds w in the vocabulary; -1 when it is not there.
static long
vocab_rank(const char *w, size_t len)
{
	size_t             n;
	const char *const *v = gale__sentence_vocabulary(&n);
	for (size_t k = 0; k < n; k++) {
		if (strlen(v[k]) == len && memcmp(v[k], w, len) == 0) {
			return (long) k;
		}
	}
	return -1;
}

Test(text, sentence_is_a_pure_function_of_seed_and_index)
{
	char a[GALE_SENTENCE_MAX], b[GALE_SENTENCE_MAX];
	for (uint64_t i = 0; i < 200; i++) {
		size_t la = gale__random_sentence(7, i, a, sizeof(a));
		// Other sentences in between must not change the answer.
		char scratch[GALE_SENTENCE_MAX];
		gale__random_sentence(8, i + 1, scratch, sizeof(scratch));
		gale__random_sentence(7, i * 31 + 5, scratch, sizeof(scratch));
		size_t lb = gale__random_sentence(7, i, b, sizeof(b));
		cr_assert_eq(la, lb);
		cr_assert_str_eq(a, b);
	}
}

Test(text, sentences_of_different_indices_or_seeds_differ)
{
	enum { N = 2000 };
	char(*s)[GALE_SENTENCE_MAX] = calloc(N, GALE_SENTENCE_MAX);
	cr_assert_not_null(s);
	for (int i = 0; i < N; i++) {
		gale__random_sentence(
		    1, (uint64_t) i, s[i], GALE_SENTENCE_MAX);
	}
	// With about 500^10 possible sentences, a repeat is all but
	// impossible unless the index is ignored.
	size_t repeats = 0;
	for (int i = 0; i < N; i++) {
		for (int j = i + 1; j < N; j++) {
			repeats += strcmp(s[i], s[j]) == 0;
		}
	}
	cr_assert_eq(repeats, 0);
	size_t same = 0;
	for (int i = 0; i < N; i++) {
		char other[GALE_SENTENCE_MAX];
		gale__random_sentence(2, (uint64_t) i, other, sizeof(other));
		same += strcmp(other, s[i]) == 0;
	}
	cr_assert_eq(same, 0);
	free(s);
}

Test(text, sentences_are_well_formed_words_of_the_vocabulary)
{
	size_t counts[13] = { 0 };
	for (uint64_t i = 0; i < 5000; i++) {
		char   buf[GALE_SENTENCE_MAX];
		size_t len = gale__random_sentence(42, i, buf, sizeof(buf));
		cr_assert_lt(len, GALE_SENTENCE_MAX);
		cr_assert_eq(strlen(buf), len);
		cr_assert(len > 0 && buf[0] != ' ' && buf[len - 1] != ' ');
		cr_assert_null(strstr(buf, "  "), "'%s'", buf);
		size_t      pos = 0, wlen, nwords = 0;
		const char *w;
		while (gale__token_next(buf, len, &pos, &w, &wlen)) {
			cr_assert_geq(vocab_rank(w, wlen), 0, "'%.*s'",
			    (int) wlen, w);
			nwords++;
		}
		cr_assert(nwords >= 8 && nwords <= 12, "%zu words", nwords);
		counts[nwords]++;
	}
	// Every length from 8 to 12 words occurs.
	for (int k = 8; k <= 12; k++) {
		cr_assert_gt(counts[k], 500, "%d words: %zu", k, counts[k]);
	}
}

Test(text, sentence_words_follow_a_skewed_but_wide_distribution)
{
	size_t             nv;
	const char *const *v      = gale__sentence_vocabulary(&nv);
	size_t            *counts = calloc(nv, sizeof(*counts));
	cr_assert_not_null(counts);
	cr_assert(nv >= 200 && nv <= 1000, "vocabulary of %zu words", nv);
	size_t total = 0;
	for (uint64_t i = 0; i < 20000; i++) {
		char        buf[GALE_SENTENCE_MAX];
		size_t len = gale__random_sentence(3, i, buf, sizeof(buf));
		size_t pos = 0, wlen;
		const char *w;
		while (gale__token_next(buf, len, &pos, &w, &wlen)) {
			long k = vocab_rank(w, wlen);
			cr_assert_geq(k, 0);
			counts[k]++;
			total++;
		}
	}
	size_t distinct = 0;
	for (size_t k = 0; k < nv; k++) {
		distinct += counts[k] > 0;
	}
	// Wide: most of the vocabulary shows up.
	cr_assert_gt(distinct, nv * 9 / 10, "%zu of %zu", distinct, nv);
	// Skewed: the first word is common but does not dominate, and is far
	// more common than the hundredth and the last.
	double top = (double) counts[0] / (double) total;
	cr_assert(top > 0.05 && top < 0.3, "share of '%s': %f", v[0], top);
	cr_assert_gt(counts[0], 20 * counts[99]);
	cr_assert_gt(counts[0], 100 * counts[nv - 1]);
	free(counts);
}

Test(text, sentence_is_cut_like_snprintf)
{
	char   full[GALE_SENTENCE_MAX];
	size_t len = gale__random_sentence(9, 9, full, sizeof(full));
	char   small[6];
	memset(small, 'x', sizeof(small));
	cr_assert_eq(gale__random_sentence(9, 9, small, sizeof(small)), len);
	cr_assert_eq(small[5], '\0');
	cr_assert(memcmp(small, full, 5) == 0);
	char none = 'x';
	cr_assert_eq(gale__random_sentence(9, 9, &none, 0), len);
	cr_assert_eq(none, 'x');
}

// Sentences as the generator has always drawn them: a benchmark's or a
// test's input for a seed must not change from one version to the next.
Test(text, sentences_are_the_same_as_ever)
{
	static const struct {
		uint64_t    seed;
		uint64_t    i;
		const char *want;
	} pins[] = {
		{ 0u, 0u, "same a in of the to the take if a it" },
		{ 0u, 7u, "you from is while at with to that made of of" },
		{ 0u, 18446744073709551615u,
		    "was air of and from and and is" },
		{ 1u, 0u, "the a music he the is could by" },
		{ 1u, 1000000u, "and can of with water to high them" },
		{ 42u, 0u, "was what I this with the but front of his" },
		{ 42u, 7u,
		    "first and and of say minute the a half it was the" },
		{ 18446744073709551615u, 1u,
		    "together was with the all the make fine would self "
		    "that" },
		{ 18446744073709551615u, 18446744073709551615u,
		    "it your eat of a from earth in was" },
	};
	char buf[GALE_SENTENCE_MAX];
	for (size_t k = 0; k < sizeof(pins) / sizeof(pins[0]); k++) {
		size_t n = gale__random_sentence(
		    pins[k].seed, pins[k].i, buf, sizeof(buf));
		cr_assert_str_eq(buf, pins[k].want,
		    "seed %" PRIu64 " i %" PRIu64, pins[k].seed, pins[k].i);
		cr_assert_eq(n, strlen(pins[k].want));
	}
}
