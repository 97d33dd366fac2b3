// SPDX-License-Identifier: MIT
// kafka_offsets.h - the messages of one Kafka partition that a spout
// emitted and that are not yet acked, and the offset it may commit.
//
// The rule is storm-kafka-client's: the committed offset of a partition is
// the offset of the oldest message not yet acked, or one past the newest
// emitted message when every one is acked, so a commit never passes a
// message still in flight, whatever order the acks come in. Offsets may
// have gaps (compacted topics, transaction markers): the commit jumps them.
// A pure data structure, not thread-safe: one spout task owns it.

#ifndef GALE_COMPONENTS_KAFKA_OFFSETS_H
#define GALE_COMPONENTS_KAFKA_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// One emitted message. Transparent for the spout, which keeps the message
// itself (to emit it again) and counts its attempts here.
typedef struct gale_kafka_msg {
	int64_t  offset;
	void    *msg; // the caller's; freed by the tracker's free_msg
	uint32_t attempts; // emits so far
	bool     acked;
	uint64_t retry_ns; // failed: not emitted again before (monotonic)
} gale_kafka_msg;

// Entries in offset order, in a ring that grows when full and keeps its
// memory; acked entries at the front leave at once. Transparent for
// embedding; use it through the functions.
typedef struct gale_kafka_track {
	gale_kafka_msg *v;
	size_t          cap; // zero or a power of two
	size_t          head;
	size_t          n;
	int64_t         next; // one past the newest offset seen
	void (*free_msg)(void *msg);
} gale_kafka_track;

// Starts a partition read from offset start (its committed offset, or
// where reading begins); free_msg (may be NULL) frees the message of an
// entry when it leaves.
void gale__kafka_track_init(
    gale_kafka_track *t, int64_t start, void (*free_msg)(void *msg));
// Frees every entry left, and their messages.
void gale__kafka_track_fini(gale_kafka_track *t);

// Adds the message at offset, which must be past every offset added
// before (GALE_EINVAL otherwise: the caller drops it). Attempts start at 1.
// GALE_ENOMEM when out of memory, the tracker unchanged.
gale_err gale__kafka_track_add(gale_kafka_track *t, int64_t offset, void *msg);

// The entry of offset, or NULL when it is not pending (acked, never
// added). Borrowed: valid until the next add or ack.
gale_kafka_msg *gale__kafka_track_find(gale_kafka_track *t, int64_t offset);

// Marks offset acked; the acked entries at the front leave (their messages
// freed). Returns false when offset was not pending (a late or repeated
// ack), which changes nothing.
bool gale__kafka_track_ack(gale_kafka_track *t, int64_t offset);

// The offset the partition may commit: that of the oldest entry not
// acked, or one past the newest offset added when none is pending.
int64_t gale__kafka_track_commit_point(const gale_kafka_track *t);

// Entries pending (not acked, or acked behind an older one not acked).
static inline size_t
gale__kafka_track_size(const gale_kafka_track *t)
{
	return t->n;
}

// How long a message that failed for the (attempts - 1)th time waits before
// its next emit: delay_ns after the first fail, twice as long after each
// next, never more than max_ns (Storm's exponential retry backoff).
uint64_t gale__kafka_retry_wait(
    uint32_t attempts, uint64_t delay_ns, uint64_t max_ns);

// A spout message id from a partition's slot among the task's partitions
// and an offset, and back. Offsets must be below 2^48.
#define GALE_KAFKA_OFFSET_BITS 48
#define GALE_KAFKA_OFFSET_MAX ((INT64_C(1) << GALE_KAFKA_OFFSET_BITS) - 1)

static inline uint64_t
gale__kafka_msg_id(uint32_t slot, int64_t offset)
{
	return ((uint64_t) slot << GALE_KAFKA_OFFSET_BITS) | (uint64_t) offset;
}

static inline uint32_t
gale__kafka_msg_slot(uint64_t id)
{
	return (uint32_t) (id >> GALE_KAFKA_OFFSET_BITS);
}

static inline int64_t
gale__kafka_msg_offset(uint64_t id)
{
	return (int64_t) (id & (uint64_t) GALE_KAFKA_OFFSET_MAX);
}

// Whether partition index i (0-based, in partition order) of a topic is
// read by task index of ntasks: partitions are dealt out round-robin, so
// each task's share differs by at most one.
static inline bool
gale__kafka_partition_mine(uint32_t i, uint32_t index, uint32_t ntasks)
{
	return ntasks == 0 || i % ntasks == index;
}

#endif // GALE_COMPONENTS_KAFKA_OFFSETS_H
