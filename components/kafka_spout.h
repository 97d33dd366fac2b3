// SPDX-License-Identifier: MIT
// kafka_spout.h - the kafka_spout: messages of a Kafka topic as tuples,
// each acked before its offset is committed.
//
// Options: `brokers` and `topic` (required), `group` (the consumer group
// whose committed offsets it resumes from and commits to; default the
// topology's name), `start: earliest|latest` (where a partition without a
// committed offset begins), `bounded` (true: read up to the end offsets the
// partitions had when the task started, then be exhausted),
// `max_retries` (emits of a failing message before it is given up; 0, the
// default, never gives up), `dead_letter_topic` (where given-up messages
// go), `commit_ms` (how often offsets are committed, default 1000),
// `lag_log_ms` (how often the lag of each partition is logged, default
// 5000; 0 never) and `kafka.<property>` for librdkafka's consumer.
//
// Fields: value, key, topic, partition, offset. Value and key are bytes (an
// absent one is empty). The task of index i of n reads the partitions of
// index i, i + n, ... in partition order: a static assignment, so that a
// restarted task takes back exactly its partitions from their committed
// offsets, with no group rebalance moving partitions between live tasks.

#ifndef GALE_COMPONENTS_KAFKA_SPOUT_H
#define GALE_COMPONENTS_KAFKA_SPOUT_H

#include "gale.h"

extern const gale_component gale__spout_kafka;

#endif // GALE_COMPONENTS_KAFKA_SPOUT_H
