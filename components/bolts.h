// SPDX-License-Identifier: MIT
// bolts.h - the built-in bolts: split_words, word_count, id_bolt and
// null_bolt.

#ifndef GALE_COMPONENTS_BOLTS_H
#define GALE_COMPONENTS_BOLTS_H

#include "components/text.h" // gale__token_next, split_words' tokenizer
#include "gale.h"

// split_words: emits [word] for each token (gale__token_next) of value 0,
// a STR or BYTES value (others fail the tuple), anchored; acks the input.
extern const gale_component gale__bolt_split_words;

// word_count: counts value 0 per word and emits [word, count] anchored,
// when a component subscribes to it (its emitted count stays 0 otherwise).
// Options: `print` (print each update as `(word, count)`), `fail_rate`
// (0 to 1: the fraction of inputs failed instead of counted, drawn from
// `seed` and the task's index) and `output` (a path: counts survive a
// worker restart and are merged into that file at the end; see
// runtime/wordcount.h).
extern const gale_component gale__bolt_word_count;

// id_bolt: re-emits its input's values, anchored, as [line].
extern const gale_component gale__bolt_id;

// null_bolt: acks every input and emits nothing.
extern const gale_component gale__bolt_null;

#endif // GALE_COMPONENTS_BOLTS_H
