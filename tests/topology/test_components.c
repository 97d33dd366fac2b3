// SPDX-License-Identifier: MIT
// test_components.c - components for validation tests: they declare
// streams and fields but call nothing, so any process can load them.

#include "gale.h"

static const char *const line_fields[]  = { "line", NULL };
static const char *const words_fields[] = { "word", "count", NULL };
static const char *const word_fields[]  = { "word", NULL };

static const gale_stream_decl spout_outputs[] = {
	{ "default", line_fields },
	{ "words", words_fields },
	{ NULL, NULL },
};

static const gale_stream_decl bolt_outputs[] = {
	{ "default", word_fields },
	{ NULL, NULL },
};

static void
fake_next_tuple(void *self, gale_collector *c)
{
	(void) self;
	(void) c;
}

static void
fake_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	(void) t;
	(void) c;
}

static const gale_spout_ops fake_spout_ops = {
	.outputs    = spout_outputs,
	.next_tuple = fake_next_tuple,
};

static const gale_bolt_ops fake_bolt_ops = {
	.outputs = bolt_outputs,
	.execute = fake_execute,
};

static const gale_option_decl fake_typed_options[] = {
	{ "every", GALE_OPTION_DURATION, "1s", "how often" },
	{ "names", GALE_OPTION_LIST, "", "comma-separated names" },
	{ "ratio", GALE_OPTION_FLOAT, "0.5", "a share" },
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops fake_typed_ops = {
	.execute = fake_execute,
	.options = fake_typed_options,
};

static const gale_bolt_ops fake_sink_ops = {
	.execute = fake_execute,
};

// A spout of [line] on default and [word, count] on words.
const gale_component fake_spout = { .spout = &fake_spout_ops };
// A bolt of [word] on default.
const gale_component fake_bolt = { .bolt = &fake_bolt_ops };
// A bolt without outputs that declares its options.
const gale_component fake_typed = { .bolt = &fake_typed_ops };
// A bolt without outputs.
const gale_component fake_sink = { .bolt = &fake_sink_ops };
// Broken exports: both kinds, and neither.
const gale_component fake_both = { .spout = &fake_spout_ops,
	.bolt = &fake_bolt_ops };
const gale_component fake_neither = { 0 };
