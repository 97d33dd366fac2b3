// SPDX-License-Identifier: MIT
// kafka_spout_test.c - the Kafka spout's bookkeeping: pending messages and
// commit points per partition, message ids, and the partitions of a task.

#include <criterion/criterion.h>
#include <stdlib.h>

#include "components/kafka_offsets.h"
#include "tests/support/rng.h"

static int freed;

static void
count_free(void *msg)
{
	(void) msg;
	freed++;
}

Test(kafka_offsets, commit_point_waits_for_the_oldest_unacked_message)
{
	gale_kafka_track t;
	int              token;
	freed = 0;
	gale__kafka_track_init(&t, 10, count_free);
	cr_assert_eq(gale__kafka_track_commit_point(&t), 10);
	for (int64_t o = 10; o < 15; o++) {
		cr_assert_eq(gale__kafka_track_add(&t, o, &token), GALE_OK);
	}
	cr_assert_eq(gale__kafka_track_commit_point(&t), 10);
	cr_assert(gale__kafka_track_ack(&t, 12));
	cr_assert(gale__kafka_track_ack(&t, 11));
	cr_assert_eq(gale__kafka_track_commit_point(&t), 10);
	cr_assert(gale__kafka_track_ack(&t, 10));
	cr_assert_eq(gale__kafka_track_commit_point(&t), 13);
	cr_assert(!gale__kafka_track_ack(&t, 12), "a repeated ack");
	cr_assert(gale__kafka_track_ack(&t, 14));
	cr_assert(gale__kafka_track_ack(&t, 13));
	cr_assert_eq(gale__kafka_track_commit_point(&t), 15);
	cr_assert_eq(gale__kafka_track_size(&t), 0);
	cr_assert_eq(freed, 5, "each message freed once, when acked");
	gale__kafka_track_fini(&t);
}

Test(kafka_offsets, gaps_in_offsets_are_jumped)
{
	gale_kafka_track t;
	gale__kafka_track_init(&t, 0, NULL);
	cr_assert_eq(gale__kafka_track_add(&t, 3, NULL), GALE_OK);
	cr_assert_eq(gale__kafka_track_add(&t, 9, NULL), GALE_OK);
	cr_assert_eq(gale__kafka_track_commit_point(&t), 3);
	cr_assert(gale__kafka_track_ack(&t, 3));
	cr_assert_eq(gale__kafka_track_commit_point(&t), 9);
	cr_assert(gale__kafka_track_ack(&t, 9));
	cr_assert_eq(gale__kafka_track_commit_point(&t), 10);
	gale__kafka_track_fini(&t);
}

Test(kafka_offsets, old_offsets_are_refused_and_unknown_ones_not_found)
{
	gale_kafka_track t;
	gale__kafka_track_init(&t, 5, NULL);
	cr_assert_eq(gale__kafka_track_add(&t, 4, NULL), GALE_EINVAL);
	cr_assert_eq(gale__kafka_track_add(&t, 5, NULL), GALE_OK);
	cr_assert_eq(gale__kafka_track_add(&t, 5, NULL), GALE_EINVAL);
	cr_assert_null(gale__kafka_track_find(&t, 6));
	gale_kafka_msg *m = gale__kafka_track_find(&t, 5);
	cr_assert_not_null(m);
	cr_assert_eq(m->attempts, 1);
	cr_assert(!gale__kafka_track_ack(&t, 7));
	cr_assert_eq(gale__kafka_track_commit_point(&t), 5);
	gale__kafka_track_fini(&t);
}

Test(kafka_offsets, fini_frees_the_messages_still_pending)
{
	gale_kafka_track t;
	int              token;
	freed = 0;
	gale__kafka_track_init(&t, 0, count_free);
	for (int64_t o = 0; o < 100; o++) {
		gale__kafka_track_add(&t, o, &token);
	}
	gale__kafka_track_ack(&t, 50);
	gale__kafka_track_fini(&t);
	cr_assert_eq(freed, 100);
}

// Acks and replays in random order over many rounds, the ring wrapping
// and growing: the commit point is always the oldest offset not acked (so
// never past one), or one past the newest when all are.
Test(kafka_offsets, commit_point_never_passes_an_unacked_offset)
{
	enum { N = 20000 };
	uint64_t         rng = 42;
	gale_kafka_track t;
	gale__kafka_track_init(&t, 0, NULL);
	bool   *acked = calloc(N, sizeof(bool));
	int64_t offs[N];
	size_t  added = 0;
	int64_t next  = 0;
	while (added < N || gale__kafka_track_size(&t) > 0) {
		if (added < N && rng_next(&rng) % 3 != 0) {
			next += 1 + (int64_t) (rng_next(&rng) % 3 == 0);
			offs[added] = next;
			cr_assert_eq(
			    gale__kafka_track_add(&t, next, NULL), GALE_OK);
			added++;
		} else if (added > 0) {
			// Acks mostly among the recent messages, some old.
			size_t back = (size_t) (rng_next(&rng) % 300);
			size_t i    = back < added ? added - 1 - back
						   : rng_next(&rng) % added;
			bool   was  = gale__kafka_track_ack(&t, offs[i]);
			cr_assert_eq(was, !acked[i]);
			acked[i] = true;
		}
		int64_t oldest = -1;
		for (size_t i = 0; i < added; i++) {
			if (!acked[i]) {
				oldest = offs[i];
				break;
			}
		}
		int64_t at = gale__kafka_track_commit_point(&t);
		if (oldest >= 0) {
			cr_assert_eq(at, oldest);
		} else {
			cr_assert_eq(at, added > 0 ? offs[added - 1] + 1 : 0);
		}
		// Once every message is added, the oldest pending one is
		// acked each round too, so that the loop ends.
		if (added == N) {
			for (size_t i = 0; i < added; i++) {
				if (!acked[i]) {
					gale__kafka_track_ack(&t, offs[i]);
					acked[i] = true;
					break;
				}
			}
		}
	}
	cr_assert_eq(gale__kafka_track_commit_point(&t), offs[N - 1] + 1);
	free(acked);
	gale__kafka_track_fini(&t);
}

Test(kafka_offsets, message_ids_keep_slot_and_offset)
{
	uint64_t id = gale__kafka_msg_id(7, 123456789);
	cr_assert_eq(gale__kafka_msg_slot(id), 7);
	cr_assert_eq(gale__kafka_msg_offset(id), 123456789);
	id = gale__kafka_msg_id(65535, GALE_KAFKA_OFFSET_MAX);
	cr_assert_eq(gale__kafka_msg_slot(id), 65535);
	cr_assert_eq(gale__kafka_msg_offset(id), GALE_KAFKA_OFFSET_MAX);
	cr_assert_neq(gale__kafka_msg_id(0, 1), gale__kafka_msg_id(1, 1));
}

Test(kafka_offsets, partitions_are_dealt_to_tasks_round_robin)
{
	// 4 partitions over 2 tasks: 0 and 2, 1 and 3; over 3: one task
	// gets two; over 5: each partition once, one task none.
	for (uint32_t ntasks = 1; ntasks <= 5; ntasks++) {
		for (uint32_t p = 0; p < 4; p++) {
			int owners = 0;
			for (uint32_t i = 0; i < ntasks; i++) {
				owners += gale__kafka_partition_mine(
				    p, i, ntasks);
			}
			cr_assert_eq(
			    owners, 1, "partition %u, %u tasks", p, ntasks);
		}
	}
	cr_assert(gale__kafka_partition_mine(2, 0, 2));
	cr_assert(gale__kafka_partition_mine(3, 1, 2));
}

Test(kafka_offsets, replays_back_off_exponentially_up_to_the_most)
{
	const uint64_t ms = 1000000u;
	// attempts counts emits: 2 is the first replay, after the first fail.
	cr_assert_eq(gale__kafka_retry_wait(2, 2 * ms, 10000 * ms), 2 * ms);
	cr_assert_eq(gale__kafka_retry_wait(3, 2 * ms, 10000 * ms), 4 * ms);
	cr_assert_eq(gale__kafka_retry_wait(4, 2 * ms, 10000 * ms), 8 * ms);
	cr_assert_eq(
	    gale__kafka_retry_wait(14, 2 * ms, 10000 * ms), 8192 * ms);
	cr_assert_eq(
	    gale__kafka_retry_wait(15, 2 * ms, 10000 * ms), 10000 * ms);
	cr_assert_eq(gale__kafka_retry_wait(UINT32_MAX, 2 * ms, 10000 * ms),
	    10000 * ms);
	cr_assert_eq(gale__kafka_retry_wait(5, 0, 10000 * ms), 0);
}
