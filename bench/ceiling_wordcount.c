// SPDX-License-Identifier: MIT
// ceiling_wordcount.c - a single-threaded word count over the sentences of
// the random_sentences spout: the throughput one core reaches on the job
// that the wordcount benchmark gives to gale.
//
// Two passes over the same input. The pipeline pass generates each sentence
// with gale__random_sentence, splits it on ASCII whitespace and counts every
// word, as the topology's three components do. The count pass times only the
// split and count over sentences generated beforehand in chunks. Both passes
// must agree on every count; the program fails if they do not.
//
// Prints one JSON object on one line to stdout; errors go to stderr with
// exit status 1, usage errors with 2.

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "components/text.h"

#define WC_SENTENCE_CAP GALE_SENTENCE_MAX
#define WC_CHUNK_SENTENCES 65536

// One slot of the table. A slot with len == 0 is empty: a word is never
// empty, since it is a maximal run of bytes that are not whitespace.
typedef struct wc_slot {
	uint64_t hash;
	uint64_t count;
	uint32_t off; // where the word's bytes start in the arena
	uint32_t len;
} wc_slot;

// An open-addressing hash table with linear probing; the words are copied
// into one growing arena, so a new word costs no malloc of its own.
typedef struct wc_table {
	wc_slot *slots;
	size_t   cap; // a power of two
	size_t   used;
	char    *arena;
	size_t   arena_len;
	size_t   arena_cap;
	uint64_t words;
} wc_table;

typedef struct wc_options {
	uint64_t sentences;
	uint64_t seed;
} wc_options;

static void
wc_usage(FILE *f)
{
	fprintf(f,
	    "usage: ceiling_wordcount [--sentences N] [--seed S]\n"
	    "  --sentences N  sentences to count (default 1000000)\n"
	    "  --seed S       seed of the random sentences (default 42)\n");
}

static double
wc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

// FNV-1a, 64 bits: short words, few collisions, no setup.
static uint64_t
wc_hash(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char) p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
wc_table_init(wc_table *t)
{
	memset(t, 0, sizeof(*t));
	t->cap   = 1024;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (t->slots == NULL) {
		return -1;
	}
	return 0;
}

static void
wc_table_fini(wc_table *t)
{
	free(t->slots);
	free(t->arena);
	memset(t, 0, sizeof(*t));
}

static int
wc_table_grow(wc_table *t)
{
	size_t   ncap   = t->cap * 2;
	wc_slot *nslots = calloc(ncap, sizeof(*nslots));
	if (nslots == NULL) {
		return -1;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i].len == 0) {
			continue;
		}
		size_t j = t->slots[i].hash & (ncap - 1);
		while (nslots[j].len != 0) {
			j = (j + 1) & (ncap - 1);
		}
		nslots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = nslots;
	t->cap   = ncap;
	return 0;
}

static int
wc_table_add_word(wc_table *t, const char *w, size_t n)
{
	uint64_t h = wc_hash(w, n);
	size_t   i = h & (t->cap - 1);
	while (t->slots[i].len != 0) {
		wc_slot *s = &t->slots[i];
		if (s->hash == h && s->len == n &&
		    memcmp(t->arena + s->off, w, n) == 0) {
			s->count++;
			t->words++;
			return 0;
		}
		i = (i + 1) & (t->cap - 1);
	}
	if (n > UINT32_MAX || t->arena_len + n > UINT32_MAX) {
		fprintf(stderr, "ceiling_wordcount: word arena full\n");
		return -1;
	}
	if (t->arena_len + n > t->arena_cap) {
		size_t ncap = t->arena_cap == 0 ? 4096 : t->arena_cap * 2;
		while (ncap < t->arena_len + n) {
			ncap *= 2;
		}
		char *na = realloc(t->arena, ncap);
		if (na == NULL) {
			return -1;
		}
		t->arena     = na;
		t->arena_cap = ncap;
	}
	memcpy(t->arena + t->arena_len, w, n);
	t->slots[i] = (wc_slot) {
		.hash  = h,
		.count = 1,
		.off   = (uint32_t) t->arena_len,
		.len   = (uint32_t) n,
	};
	t->arena_len += n;
	t->used++;
	t->words++;
	// Growing at half full keeps the probe sequences short.
	if (t->used * 2 > t->cap) {
		return wc_table_grow(t);
	}
	return 0;
}

// Counts every word of text: maximal runs of bytes that are not ASCII
// whitespace, as the split_words bolt finds them.
static int
wc_table_add_text(wc_table *t, const char *text, size_t len)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && gale__is_space((unsigned char) text[i])) {
			i++;
		}
		size_t start = i;
		while (i < len && !gale__is_space((unsigned char) text[i])) {
			i++;
		}
		if (i > start &&
		    wc_table_add_word(t, text + start, i - start) != 0) {
			return -1;
		}
	}
	return 0;
}

// The count of word in t, or 0.
static uint64_t
wc_table_get(const wc_table *t, const char *w, size_t n)
{
	uint64_t h = wc_hash(w, n);
	size_t   i = h & (t->cap - 1);
	while (t->slots[i].len != 0) {
		const wc_slot *s = &t->slots[i];
		if (s->hash == h && s->len == n &&
		    memcmp(t->arena + s->off, w, n) == 0) {
			return s->count;
		}
		i = (i + 1) & (t->cap - 1);
	}
	return 0;
}

// True when a and b hold the same words with the same counts.
static bool
wc_table_equal(const wc_table *a, const wc_table *b)
{
	if (a->used != b->used || a->words != b->words) {
		return false;
	}
	for (size_t i = 0; i < a->cap; i++) {
		const wc_slot *s = &a->slots[i];
		if (s->len == 0) {
			continue;
		}
		if (wc_table_get(b, a->arena + s->off, s->len) != s->count) {
			return false;
		}
	}
	return true;
}

// Generates sentence i into buf; returns its length, or -1 with a message.
static long
wc_sentence(const wc_options *o, uint64_t i, char *buf)
{
	size_t n = gale__random_sentence(o->seed, i, buf, WC_SENTENCE_CAP);
	if (n >= WC_SENTENCE_CAP) {
		fprintf(stderr,
		    "ceiling_wordcount: sentence %" PRIu64
		    " is longer than %d bytes\n",
		    i, WC_SENTENCE_CAP - 1);
		return -1;
	}
	return (long) n;
}

// Generate, split and count, one sentence at a time.
static int
wc_pipeline_pass(const wc_options *o, wc_table *t, double *secs)
{
	char   buf[WC_SENTENCE_CAP];
	double t0 = wc_now();
	for (uint64_t i = 0; i < o->sentences; i++) {
		long n = wc_sentence(o, i, buf);
		if (n < 0 || wc_table_add_text(t, buf, (size_t) n) != 0) {
			return -1;
		}
	}
	*secs = wc_now() - t0;
	return 0;
}

// Split and count only: sentences are generated a chunk at a time outside
// the timed part, so that memory stays bounded for any number of them.
static int
wc_count_pass(const wc_options *o, wc_table *t, double *secs, double *gen_secs)
{
	size_t cap  = (size_t) WC_CHUNK_SENTENCES * 64;
	char  *text = malloc(cap);
	if (text == NULL) {
		return -1;
	}
	char     buf[WC_SENTENCE_CAP];
	double   counting = 0, generating = 0;
	uint64_t i        = 0;
	while (i < o->sentences) {
		double g0  = wc_now();
		size_t len = 0;
		for (int k = 0; k < WC_CHUNK_SENTENCES && i < o->sentences;
		     k++, i++) {
			long n = wc_sentence(o, i, buf);
			if (n < 0) {
				free(text);
				return -1;
			}
			if (len + (size_t) n + 1 > cap) {
				char *nt = realloc(text, cap * 2);
				if (nt == NULL) {
					free(text);
					return -1;
				}
				text = nt;
				cap *= 2;
			}
			memcpy(text + len, buf, (size_t) n);
			len += (size_t) n;
			text[len++] = '\n';
		}
		double c0 = wc_now();
		generating += c0 - g0;
		if (wc_table_add_text(t, text, len) != 0) {
			free(text);
			return -1;
		}
		counting += wc_now() - c0;
	}
	free(text);
	*secs     = counting;
	*gen_secs = generating;
	return 0;
}

static int
wc_parse_u64(const char *flag, const char *s, uint64_t *out)
{
	char *end;
	errno                = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
		fprintf(stderr,
		    "ceiling_wordcount: %s: '%s' is not a non-negative "
		    "integer\n",
		    flag, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
wc_parse_args(int argc, char **argv, wc_options *o)
{
	o->sentences = 1000000;
	o->seed      = 42;
	for (int i = 1; i < argc; i++) {
		uint64_t *dst = NULL;
		if (strcmp(argv[i], "--sentences") == 0) {
			dst = &o->sentences;
		} else if (strcmp(argv[i], "--seed") == 0) {
			dst = &o->seed;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			wc_usage(stdout);
			exit(0);
		} else {
			fprintf(stderr,
			    "ceiling_wordcount: unknown argument '%s'\n",
			    argv[i]);
			return -1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr,
			    "ceiling_wordcount: %s needs a value\n", argv[i]);
			return -1;
		}
		if (wc_parse_u64(argv[i], argv[i + 1], dst) != 0) {
			return -1;
		}
		i++;
	}
	return 0;
}

static double
wc_rate(uint64_t n, double secs)
{
	return secs > 0 ? (double) n / secs : 0;
}

int
main(int argc, char **argv)
{
	wc_options o;
	if (wc_parse_args(argc, argv, &o) != 0) {
		wc_usage(stderr);
		return 2;
	}
	wc_table a, b;
	if (wc_table_init(&a) != 0) {
		fprintf(stderr, "ceiling_wordcount: out of memory\n");
		return 1;
	}
	if (wc_table_init(&b) != 0) {
		wc_table_fini(&a);
		fprintf(stderr, "ceiling_wordcount: out of memory\n");
		return 1;
	}
	int    rc = 1;
	double pipe_secs, count_secs, gen_secs;
	if (wc_pipeline_pass(&o, &a, &pipe_secs) != 0 ||
	    wc_count_pass(&o, &b, &count_secs, &gen_secs) != 0) {
		fprintf(stderr, "ceiling_wordcount: failed\n");
		goto done;
	}
	if (!wc_table_equal(&a, &b)) {
		fprintf(stderr,
		    "ceiling_wordcount: the two passes counted differently: "
		    "gale__random_sentence is not a pure function of "
		    "(seed, i)\n");
		goto done;
	}
	printf("{\"case\":\"ceiling-wordcount\",\"sentences\":%" PRIu64
	       ",\"seed\":%" PRIu64 ",\"words\":%" PRIu64
	       ",\"distinct\":%zu,\"pipeline_secs\":%.6f"
	       ",\"words_per_sec\":%.1f,\"generate_secs\":%.6f"
	       ",\"count_secs\":%.6f,\"count_words_per_sec\":%.1f}\n",
	    o.sentences, o.seed, a.words, a.used, pipe_secs,
	    wc_rate(a.words, pipe_secs), gen_secs, count_secs,
	    wc_rate(b.words, count_secs));
	rc = 0;
done:
	wc_table_fini(&a);
	wc_table_fini(&b);
	return rc;
}
