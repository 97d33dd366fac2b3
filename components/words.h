// SPDX-License-Identifier: MIT
// words.h - the built-in spout random_words: single words, as Storm's
// TestWordSpout emits them.

#ifndef GALE_COMPONENTS_WORDS_H
#define GALE_COMPONENTS_WORDS_H

#include "gale.h"

// random_words: word i of a fixed list of words chosen from seed and i, on
// field `word`, message id i; a failed message is replayed with the same
// word. Options `count` (0: unbounded, the default), `seed` (default 1),
// `rate` (words per second, 0: as fast as possible, the default).
extern const gale_component gale__spout_random_words;

#endif // GALE_COMPONENTS_WORDS_H
