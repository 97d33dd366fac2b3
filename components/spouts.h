// SPDX-License-Identifier: MIT
// spouts.h - the built-in spouts: file_lines, socket_lines,
// random_sentences and const_spout.
//
// Each emits tuples of one field, `line`, on the default stream, and replays
// a failed message with the same id and content, before anything new.
// Bounded spouts declare themselves exhausted once, when their source
// reaches its end; messages that fail after that are still replayed.

#ifndef GALE_COMPONENTS_SPOUTS_H
#define GALE_COMPONENTS_SPOUTS_H

#include "components/text.h" // gale__random_sentence, used by benchmarks too
#include "gale.h"

// file_lines: one tuple per line of the file named by option `path`
// (required), message id = the line's number in the order the task read
// it (from 0 in each life of the task). Bounded. It keeps the byte
// offset below which every line is acked in a state file per task, under
// option `state_dir`, and a restarted task of the same run resumes there
// (option `resume`, default true).
extern const gale_component gale__spout_file_lines;

// socket_lines: one tuple per line read from a TCP line server at options
// `host` (default 127.0.0.1) and `port` (required); reconnects with
// backoff. Unbounded. With option `wal: DIR`, a reader thread logs every
// line to a write-ahead log (components/wal.h) before it is emitted, and a
// restarted task replays every logged line not known to be acked; without
// it, lines read and not acked are lost when the worker dies. Defined in
// socket_spout.c.
extern const gale_component gale__spout_socket_lines;

// random_sentences: sentence i of gale__random_sentence(seed, i), message
// id i. Options `count` (0: unbounded, the default), `seed` (default 1),
// `rate` (sentences per second, 0: as fast as possible, the default).
extern const gale_component gale__spout_random_sentences;

// const_spout: the line "the quick brown fox jumps over the lazy dog",
// again and again. Options `count` (0: unbounded, the default) and `ack`
// (default true; false emits untracked tuples).
extern const gale_component gale__spout_const;

// The most messages a spout that commits its position (file_lines,
// kafka_spout) holds past that position, acked or not, before it reads no
// more: option `max_read_ahead`, else twice topology.max.spout.pending.
// -1 when the option is negative, said in the context.
int64_t gale__spout_read_ahead(gale_context *ctx);

#endif // GALE_COMPONENTS_SPOUTS_H
