// SPDX-License-Identifier: MIT
// words.c - the built-in spout random_words, written against the public
// API only.

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "components/lines.h"
#include "components/pace.h"
#include "components/words.h"

static const char *const words_list[]
    = { "apple", "river", "stone", "cloud", "ember", "maple", "harbor",
	      "lantern", "meadow", "quartz", "falcon", "willow" };
#define WORDS_N (sizeof(words_list) / sizeof(words_list[0]))

static const char *const words_fields[] = { "word", NULL };

static const gale_stream_decl words_outputs[] = {
	{ "default", words_fields },
	{ NULL, NULL },
};

typedef struct words_spout {
	uint64_t       seed;
	uint64_t       count; // 0: unbounded
	gale_pace      pace;
	uint64_t       next; // the index of the next new word
	bool           at_end;
	gale_u64_queue replays;
	char           who[128];
} words_spout;

static gale_err
words_open(void *self, gale_context *ctx)
{
	words_spout *s = self;
	gale__u64_queue_init(&s->replays);
	snprintf(s->who, sizeof(s->who), "%s:%" PRIu32,
	    gale_context_component(ctx), gale_context_task(ctx));
	return gale__generator_open(ctx, "words", &s->count, &s->seed,
	    &s->pace);
}

// Word i is the same on every replay: a function of the seed and i alone.
static gale_err
words_emit(words_spout *s, gale_collector *c, uint64_t i)
{
	uint64_t    state = s->seed + i;
	const char *w     = words_list[gale_random_u64(&state) % WORDS_N];
	gale_value  v     = gale_cstr(w);
	return gale_spout_emit(c, NULL, &v, 1, i);
}

static void
words_next_tuple(void *self, gale_collector *c)
{
	words_spout *s = self;
	uint64_t     i;
	// One tuple per call, as Storm's nextTuple: replays first.
	if (gale__u64_queue_pop(&s->replays, &i)) {
		if (words_emit(s, c, i) != GALE_OK) {
			gale__u64_queue_push(&s->replays, i);
		}
		return;
	}
	if (s->at_end) {
		return;
	}
	if (s->next >= gale__pace_due(&s->pace)) {
		return;
	}
	if (words_emit(s, c, s->next) != GALE_OK) {
		return;
	}
	s->next++;
	if (s->count > 0 && s->next == s->count) {
		s->at_end = true;
		gale_spout_exhausted(c);
	}
}

static void
words_fail(void *self, uint64_t msg_id)
{
	words_spout *s = self;
	if (gale__u64_queue_push(&s->replays, msg_id) != GALE_OK) {
		fprintf(stderr,
		    "gale: %s: out of memory; word %" PRIu64 " is not "
		    "replayed\n",
		    s->who, msg_id);
	}
}

static void
words_close(void *self)
{
	words_spout *s = self;
	gale__u64_queue_fini(&s->replays);
}

static const gale_option_decl words_options[] = {
	{ "count", GALE_OPTION_INT, "0", "words to emit, 0: unbounded" },
	{ "seed", GALE_OPTION_INT, "1", "the seed of the words" },
	{ "rate", GALE_OPTION_FLOAT, "0",
	    "words per second, 0: as fast as possible" },
	{ NULL, 0, NULL, NULL },
};

static const gale_spout_ops words_ops = {
	.size       = sizeof(words_spout),
	.outputs    = words_outputs,
	.open       = words_open,
	.next_tuple = words_next_tuple,
	.fail       = words_fail,
	.close      = words_close,
	.options    = words_options,
};

const gale_component gale__spout_random_words = { .spout = &words_ops };
