// SPDX-License-Identifier: MIT
// kafka_spout_impl.h - the kafka_spout's state, shared by its two halves:
// kafka_spout.c (reading, acks, fails, commits, close) and
// kafka_spout_setup.c (finding its partitions and assigning them).
// Private to those two files.

#ifndef GALE_COMPONENTS_KAFKA_SPOUT_IMPL_H
#define GALE_COMPONENTS_KAFKA_SPOUT_IMPL_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "components/kafka_conf.h"
#include "components/kafka_offsets.h"
#include "components/lines.h"
#include "gale.h"

// A setup step that failed is tried again after a wait that doubles
// from the first to the last.
#define KSPOUT_BACKOFF_MIN_NS (500 * 1000000ull)
#define KSPOUT_BACKOFF_MAX_NS (10 * 1000000000ull)

typedef struct kspout_part {
	const char      *topic; // one of kafka_spout.topics
	int32_t          partition;
	int64_t          end; // bounded: the end offset at start
	int64_t          committed; // last commit sent; -1: none
	bool             done; // bounded: read up to end
	gale_kafka_track track;
} kspout_part;

typedef enum {
	KSPOUT_SETUP = 0, // partitions not yet known and assigned
	KSPOUT_RUNNING,
} kspout_state;

typedef struct kafka_spout {
	gale_context    *ctx;
	gale_kafka_where where;
	rd_kafka_t      *rk;
	rd_kafka_t      *dlt; // the dead-letter producer, made when needed
	char            *dlt_topic;
	int              dlt_result; // of the last dead letter
	char             group[256];
	bool             bounded;
	bool             latest;
	bool             exhausted;
	int64_t          max_retries; // 0: never give up
	// A failed message waits retry_delay_ns before its first replay,
	// twice as long before each next, up to retry_max_ns (as Storm's
	// exponential retry backoff): a tuple failed at once every time
	// must not be replayed in a loop as fast as it fails.
	uint64_t         retry_delay_ns, retry_max_ns;
	kspout_state     state;
	uint64_t         retry_ns;
	uint64_t         backoff_ns;
	uint64_t         commit_ns, next_commit_ns;
	uint64_t         lag_ns, next_lag_ns;
	uint64_t         next_position_ns;
	char           **topics; // the topics read, in the order given
	size_t           ntopics;
	kspout_part     *parts;
	size_t           nparts;
	size_t           ndone;
	size_t           read_ahead; // the most messages held (see below)
	bool             held_back; // its partitions paused for that
	gale_u64_queue   replays; // message ids of failed messages
} kafka_spout;

// Finds the task's partitions, where each starts (and, bounded, ends), and
// assigns them: the spout runs from then on. A step that fails is logged
// and tried again later; cheap to call until then.
void gale__kspout_setup(kafka_spout *s);

// A list of the task's partitions (the caller destroys it).
rd_kafka_topic_partition_list_t *gale__kspout_list(const kafka_spout *s);

#endif // GALE_COMPONENTS_KAFKA_SPOUT_IMPL_H
