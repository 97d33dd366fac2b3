// SPDX-License-Identifier: MIT
// kafka_bolt.h - the kafka_bolt: each input tuple written to a Kafka topic,
// acked only once the broker has it.
//
// Options: `brokers` and `topic` (required), `key` (the field whose value
// is the message key; default none, a message without a key), `value` (the
// field whose value is the payload; default every field, as text, joined
// by tabs) and `kafka.<property>` for librdkafka's producer, which is
// idempotent unless `kafka.enable.idempotence` says otherwise. Strings and
// bytes are written as they are, numbers in decimal, booleans as
// true/false.
//
// Each execute hands one message to librdkafka, which batches them
// (kafka.linger.ms, default 5; kafka.queue.buffering.max.messages and
// .kbytes bound what waits), and holds the tuple: it is acked when the
// delivery report says the broker has the message and failed when it says
// the delivery failed (after kafka.message.timeout.ms, default 10 s, of
// retries), so that the spout replays the tree. Held tuples keep their
// trees pending, so topology.max.spout.pending bounds what is in flight.
// Cleanup waits up to 10 s for what is in flight and fails the rest.
// Messages of one key keep their order.

#ifndef GALE_COMPONENTS_KAFKA_BOLT_H
#define GALE_COMPONENTS_KAFKA_BOLT_H

#include <stddef.h>

#include "gale.h"

extern const gale_component gale__bolt_kafka;

// Appends the text of v (see above) to the buffer *buf of *len bytes and
// capacity *cap, growing it. GALE_ENOMEM when it cannot.
gale_err gale__kafka_bolt_text(
    char **buf, size_t *len, size_t *cap, const gale_value *v);

#endif // GALE_COMPONENTS_KAFKA_BOLT_H
