// SPDX-License-Identifier: MIT
// builtins.c - the table of built-in components, by the names topologies
// use.

#include "components/bolts.h"
#include "components/builtins.h"
#include "components/log.h"
#include "components/kafka_bolt.h"
#include "components/kafka_spout.h"
#include "components/rankings.h"
#include "components/rolling_count.h"
#include "components/shell.h"
#include "components/spouts.h"
#include "components/words.h"

const gale_builtin gale__builtins[] = {
	{ "file_lines", &gale__spout_file_lines },
	{ "socket_lines", &gale__spout_socket_lines },
	{ "random_sentences", &gale__spout_random_sentences },
	{ "const_spout", &gale__spout_const },
	{ "random_words", &gale__spout_random_words },
	{ "kafka_spout", &gale__spout_kafka },
	{ "split_words", &gale__bolt_split_words },
	{ "word_count", &gale__bolt_word_count },
	{ "id_bolt", &gale__bolt_id },
	{ "null_bolt", &gale__bolt_null },
	{ "log", &gale__bolt_log },
	{ "kafka_bolt", &gale__bolt_kafka },
	{ "rolling_count", &gale__bolt_rolling_count },
	{ "rankings", &gale__bolt_rankings },
	{ "shell", &gale__shell },
	{ NULL, NULL },
};
