// SPDX-License-Identifier: MIT
// kafka_spout_setup.c - the kafka_spout's start: the partitions of its
// topics that are its task's, where each starts (committed offset, else
// the `start` option) and, bounded, ends, and their assignment; each step
// tried again with a growing wait while the brokers do not answer.

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/kafka_spout_impl.h"
#include "components/kafka_topics.h"

// How long one setup call (metadata, committed offsets, watermarks) may
// block next_tuple while the brokers do not answer.
#define KSPOUT_CALL_MS 2000

static void
kspout_free_msg(void *msg)
{
	rd_kafka_message_destroy(msg);
}

// A setup step failed: the next attempt waits, twice as long each time.
static void
kspout_setup_later(kafka_spout *s, int err, const char *what)
{
	gale__kafka_report(&s->where, GALE_LOG_ERROR, err,
	    "%s; retrying in %.1f s", what, (double) s->backoff_ns / 1e9);
	s->retry_ns = gale_now_ns() + s->backoff_ns;
	s->backoff_ns *= 2;
	if (s->backoff_ns > KSPOUT_BACKOFF_MAX_NS) {
		s->backoff_ns = KSPOUT_BACKOFF_MAX_NS;
	}
}

// The partition ids of one topic, ascending, into *ids (malloc'ed) and
// *n: GALE_OK, or GALE_EAGAIN after saying why they are not known yet.
static gale_err
kspout_topic_partitions(
    kafka_spout *s, const char *topic, int32_t **ids, size_t *n)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(s->rk, topic, NULL);
	if (rkt == NULL) {
		kspout_setup_later(s, -1, "cannot make a topic handle");
		return GALE_EAGAIN;
	}
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t             err
	    = rd_kafka_metadata(s->rk, 0, rkt, &md, KSPOUT_CALL_MS);
	rd_kafka_topic_destroy(rkt);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		char what[256];
		snprintf(what, sizeof(what), "cannot reach the brokers: %s",
		    rd_kafka_err2str(err));
		kspout_setup_later(s, err, what);
		return GALE_EAGAIN;
	}
	const struct rd_kafka_metadata_topic *t = NULL;
	for (int i = 0; i < md->topic_cnt; i++) {
		if (strcmp(md->topics[i].topic, topic) == 0) {
			t = &md->topics[i];
		}
	}
	if (t == NULL || t->err != RD_KAFKA_RESP_ERR_NO_ERROR
	    || t->partition_cnt == 0) {
		err = t == NULL || t->err == RD_KAFKA_RESP_ERR_NO_ERROR
		    ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
		    : t->err;
		char what[512];
		if (s->ntopics > 1) {
			snprintf(what, sizeof(what),
			    "no such topic on the brokers: %s: %s", topic,
			    rd_kafka_err2str(err));
		} else {
			snprintf(what, sizeof(what),
			    "no such topic on the brokers: %s",
			    rd_kafka_err2str(err));
		}
		rd_kafka_metadata_destroy(md);
		kspout_setup_later(s, err, what);
		return GALE_EAGAIN;
	}
	*ids = malloc((size_t) t->partition_cnt * sizeof(**ids));
	if (*ids == NULL) {
		rd_kafka_metadata_destroy(md);
		return GALE_ENOMEM;
	}
	for (int i = 0; i < t->partition_cnt; i++) {
		int32_t id = t->partitions[i].id;
		int     j  = i;
		for (; j > 0 && (*ids)[j - 1] > id; j--) {
			(*ids)[j] = (*ids)[j - 1];
		}
		(*ids)[j] = id;
	}
	*n = (size_t) t->partition_cnt;
	rd_kafka_metadata_destroy(md);
	return GALE_OK;
}

// This task's partitions of the topics: the partitions of every topic, in
// the order the topics were given and by partition id, spread over the
// tasks by their place in that order. GALE_OK, or GALE_EAGAIN after saying
// why they are not known yet.
static gale_err
kspout_find_partitions(kafka_spout *s)
{
	int32_t **ids = calloc(s->ntopics, sizeof(*ids));
	size_t   *ns  = calloc(s->ntopics, sizeof(*ns));
	gale_err  rv  = ids != NULL && ns != NULL ? GALE_OK : GALE_ENOMEM;
	size_t    all = 0;
	for (size_t k = 0; rv == GALE_OK && k < s->ntopics; k++) {
		rv = kspout_topic_partitions(s, s->topics[k], &ids[k], &ns[k]);
		all += ns[k];
	}
	if (rv == GALE_OK) {
		s->parts = calloc(all > 0 ? all : 1, sizeof(*s->parts));
		rv       = s->parts != NULL ? GALE_OK : GALE_ENOMEM;
	}
	uint32_t index  = gale_context_index(s->ctx);
	uint32_t ntasks = gale_context_ntasks(s->ctx);
	size_t   at     = 0;
	for (size_t k = 0; rv == GALE_OK && k < s->ntopics; k++) {
		for (size_t i = 0; i < ns[k]; i++, at++) {
			if (gale__kafka_partition_mine(
				(uint32_t) at, index, ntasks)) {
				kspout_part *p = &s->parts[s->nparts++];
				p->topic       = s->topics[k];
				p->partition   = ids[k][i];
				p->committed   = -1;
				p->end         = -1;
			}
		}
	}
	for (size_t k = 0; ids != NULL && k < s->ntopics; k++) {
		free(ids[k]);
	}
	free(ids);
	free(ns);
	return rv;
}

rd_kafka_topic_partition_list_t *
gale__kspout_list(const kafka_spout *s)
{
	rd_kafka_topic_partition_list_t *l
	    = rd_kafka_topic_partition_list_new((int) s->nparts + 1);
	for (size_t i = 0; i < s->nparts; i++) {
		rd_kafka_topic_partition_list_add(
		    l, s->parts[i].topic, s->parts[i].partition);
	}
	return l;
}

// Where each partition starts (its committed offset, else the start the
// options name) and, for a bounded read, where it ends; then the
// assignment. GALE_OK, or GALE_EAGAIN after saying why not.
static gale_err
kspout_assign(kafka_spout *s)
{
	s->ndone     = 0;
	s->held_back = false; // a new assignment starts unpaused
	for (size_t i = 0; i < s->nparts; i++) {
		s->parts[i].done = false;
	}
	rd_kafka_topic_partition_list_t *l = gale__kspout_list(s);
	rd_kafka_resp_err_t err = rd_kafka_committed(s->rk, l, KSPOUT_CALL_MS);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		char what[256];
		snprintf(what, sizeof(what),
		    "cannot read the committed offsets of the group: %s",
		    rd_kafka_err2str(err));
		rd_kafka_topic_partition_list_destroy(l);
		kspout_setup_later(s, err, what);
		return GALE_EAGAIN;
	}
	for (size_t i = 0; i < s->nparts; i++) {
		kspout_part *p = &s->parts[i];
		int64_t      lo, hi;
		err = rd_kafka_query_watermark_offsets(
		    s->rk, p->topic, p->partition, &lo, &hi, KSPOUT_CALL_MS);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			char what[256];
			snprintf(what, sizeof(what),
			    "cannot read the offsets of partition %s:%d: %s",
			    p->topic, p->partition, rd_kafka_err2str(err));
			rd_kafka_topic_partition_list_destroy(l);
			kspout_setup_later(s, err, what);
			return GALE_EAGAIN;
		}
		int64_t committed = l->elems[i].offset;
		int64_t start     = committed >= 0 ? committed
			: s->latest                ? hi
						   : lo;
		if (start < lo) {
			gale_log(s->ctx, GALE_LOG_WARN,
			    "topic %s partition %d: committed offset %" PRId64
			    " is gone (the oldest is %" PRId64
			    "); starting there",
			    p->topic, p->partition, start, lo);
			start = lo;
		}
		p->committed = committed >= 0 ? committed : -1;
		p->end       = s->bounded ? hi : -1;
		gale__kafka_track_init(&p->track, start, kspout_free_msg);
		l->elems[i].offset = start;
		if (s->bounded && start >= hi) {
			p->done = true;
			s->ndone++;
		}
		gale_log(s->ctx, GALE_LOG_INFO,
		    "topic %s partition %d: reading from offset %" PRId64
		    "%s%s",
		    p->topic, p->partition, start,
		    committed >= 0 ? " (committed)" : "",
		    s->bounded ? "" : ", unbounded");
		if (s->bounded) {
			gale_log(s->ctx, GALE_LOG_INFO,
			    "topic %s partition %d: bounded, up to offset "
			    "%" PRId64,
			    p->topic, p->partition, hi);
		}
	}
	err = rd_kafka_assign(s->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (size_t i = 0; i < s->nparts; i++) {
			gale__kafka_track_fini(&s->parts[i].track);
			s->parts[i].done = false;
		}
		s->ndone = 0;
		kspout_setup_later(s, err, "cannot assign the partitions");
		return GALE_EAGAIN;
	}
	return GALE_OK;
}

void
gale__kspout_setup(kafka_spout *s)
{
	if (gale_now_ns() < s->retry_ns) {
		return;
	}
	if (s->parts == NULL && kspout_find_partitions(s) != GALE_OK) {
		return;
	}
	if (kspout_assign(s) != GALE_OK) {
		return;
	}
	if (s->nparts == 0) {
		gale_log(s->ctx, GALE_LOG_INFO,
		    "topic %s has fewer partitions than this spout has tasks; "
		    "task %" PRIu32 " reads none",
		    s->where.topic, gale_context_index(s->ctx));
	}
	gale__kafka_report_clear(&s->where);
	s->state          = KSPOUT_RUNNING;
	s->backoff_ns     = KSPOUT_BACKOFF_MIN_NS;
	uint64_t now      = gale_now_ns();
	s->next_commit_ns = now + s->commit_ns;
	s->next_lag_ns    = now + s->lag_ns;
}
