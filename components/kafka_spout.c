// SPDX-License-Identifier: MIT
// kafka_spout.c - the kafka_spout: a topic's messages as tracked tuples,
// offsets committed only below the oldest message not yet acked.

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/kafka_conf.h"
#include "components/kafka_offsets.h"
#include "components/kafka_spout.h"
#include "components/kafka_spout_impl.h"
#include "components/kafka_topics.h"
#include "components/lines.h"
#include "components/spouts.h"

#define KSPOUT_CLOSE_MS 5000
// Partitions whose position is checked against their end offset (bounded
// reads) at most this often, for ends that no message reaches (a last
// offset that holds a transaction marker).
#define KSPOUT_POSITION_NS (200 * 1000000ull)

static const char *const kspout_fields[]
    = { "value", "key", "topic", "partition", "offset", NULL };

static const gale_stream_decl kspout_outputs[] = {
	{ "default", kspout_fields },
	{ NULL, NULL },
};

// The results of asynchronous commits, served by the consumer poll: a
// commit that failed is sent again at the next period.
static void
kspout_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
	(void) rk;
	kafka_spout *s
	    = (kafka_spout *) ((char *) opaque - offsetof(kafka_spout, where));
	if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) {
		return;
	}
	for (int i = 0; offsets != NULL && i < offsets->cnt; i++) {
		rd_kafka_resp_err_t e = err != RD_KAFKA_RESP_ERR_NO_ERROR
		    ? err
		    : offsets->elems[i].err;
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
			continue;
		}
		for (size_t k = 0; k < s->nparts; k++) {
			if (s->parts[k].partition
			    == offsets->elems[i].partition) {
				s->parts[k].committed = -1;
			}
		}
		gale__kafka_report(&s->where, GALE_LOG_WARN, e,
		    "cannot commit offset %" PRId64
		    " of partition %d for group %s: %s; committing again",
		    offsets->elems[i].offset, offsets->elems[i].partition,
		    s->group, rd_kafka_err2str(e));
	}
}

static void
kspout_free_topics(kafka_spout *s)
{
	gale__kafka_topics_free(&s->topics, &s->ntopics);
}

// The topics of option `topic` (gale__kafka_topics_parse); the reports then
// name them joined by commas.
static gale_err
kspout_parse_topics(kafka_spout *s)
{
	char     why[300];
	gale_err rv = gale__kafka_topics_parse(
	    s->where.topic, &s->topics, &s->ntopics, why, sizeof(why));
	if (rv != GALE_OK) {
		gale_context_error(s->ctx, "option 'topic': %s", why);
		return rv;
	}
	char   joined[sizeof(s->where.topic)];
	size_t len = 0;
	joined[0]  = '\0';
	for (size_t i = 0; i < s->ntopics && len < sizeof(joined); i++) {
		len += (size_t) snprintf(joined + len, sizeof(joined) - len,
		    "%s%s", i > 0 ? "," : "", s->topics[i]);
	}
	memcpy(s->where.topic, joined, sizeof(joined));
	return GALE_OK;
}

static gale_err
kspout_start(kafka_spout *s, gale_context *ctx)
{
	s->ctx = ctx;
	gale__u64_queue_init(&s->replays);
	s->backoff_ns = KSPOUT_BACKOFF_MIN_NS;
	if (gale__kafka_where_init(&s->where, ctx, "topic") != GALE_OK
	    || kspout_parse_topics(s) != GALE_OK) {
		return GALE_EINVAL;
	}
	const char *group = gale_context_option(ctx, "group");
	if (group == NULL) {
		group = gale_context_topology(ctx);
	}
	snprintf(s->group, sizeof(s->group), "%s", group);
	const char *start = gale_context_option(ctx, "start");
	if (start != NULL && strcmp(start, "earliest") != 0
	    && strcmp(start, "latest") != 0) {
		gale_context_error(ctx,
		    "option 'start': '%s' is neither earliest nor latest",
		    start);
		return GALE_EINVAL;
	}
	s->latest      = start != NULL && strcmp(start, "latest") == 0;
	s->bounded     = gale_context_option_bool(ctx, "bounded", false);
	s->max_retries = gale_context_option_i64(ctx, "max_retries", 0);
	int64_t delay  = gale_context_option_i64(ctx, "retry_delay_ms", 2);
	int64_t most = gale_context_option_i64(ctx, "retry_max_delay_ms", 10000);
	if (delay < 0 || most < delay) {
		gale_context_error(ctx,
		    "options 'retry_delay_ms' (%" PRId64
		    ") and 'retry_max_delay_ms' (%" PRId64
		    ") are 0 or more, the second at least the first",
		    delay, most);
		return GALE_EINVAL;
	}
	s->retry_delay_ns = (uint64_t) delay * 1000000u;
	s->retry_max_ns   = (uint64_t) most * 1000000u;
	int64_t commit = gale_context_option_i64(ctx, "commit_ms", 1000);
	int64_t lag    = gale_context_option_i64(ctx, "lag_log_ms", 5000);
	if (s->max_retries < 0 || commit < 1 || lag < 0) {
		gale_context_error(ctx,
		    "options 'max_retries' and 'lag_log_ms' are 0 or more, "
		    "'commit_ms' 1 or more");
		return GALE_EINVAL;
	}
	int64_t ahead = gale__spout_read_ahead(ctx);
	if (ahead < 0) {
		return GALE_EINVAL;
	}
	s->read_ahead   = (size_t) ahead;
	s->commit_ns    = (uint64_t) commit * 1000000u;
	s->lag_ns       = (uint64_t) lag * 1000000u;
	const char *dlt = gale_context_option(ctx, "dead_letter_topic");
	if (dlt != NULL && dlt[0] != '\0') {
		s->dlt_topic = strdup(dlt);
		if (s->dlt_topic == NULL) {
			return GALE_ENOMEM;
		}
	}
	char client[160];
	snprintf(client, sizeof(client), "gale-%s-%" PRIu32,
	    gale_context_component(ctx), gale_context_index(ctx));
	// Offsets are committed by the spout alone, and only once acked.
	const char *const defaults[] = { "group.id", group, "client.id",
		client, "enable.auto.commit", "false",
		"enable.auto.offset.store", "false", "auto.offset.reset",
		s->latest ? "latest" : "earliest", NULL };
	rd_kafka_conf_t  *conf;
	gale_err rv = gale__kafka_conf_new(&conf, ctx, &s->where, defaults);
	if (rv != GALE_OK) {
		return rv;
	}
	rd_kafka_conf_set_offset_commit_cb(conf, kspout_commit_cb);
	char why[512];
	s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (s->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		gale_context_error(
		    ctx, "cannot make a Kafka consumer: %s", why);
		return GALE_EINVAL;
	}
	rd_kafka_poll_set_consumer(s->rk);
	return GALE_OK;
}

// Opens the consumer; when it cannot, frees what kspout_start took.
static gale_err
kspout_open(void *self, gale_context *ctx)
{
	kafka_spout *s  = self;
	gale_err     rv = kspout_start(s, ctx);
	if (rv != GALE_OK) {
		free(s->dlt_topic);
		s->dlt_topic = NULL;
		kspout_free_topics(s);
	}
	return rv;
}

static kspout_part *
kspout_part_of(
    kafka_spout *s, const char *topic, int32_t partition, uint32_t *slot)
{
	for (size_t i = 0; i < s->nparts; i++) {
		if (s->parts[i].partition == partition
		    && (s->ntopics == 1
			|| strcmp(s->parts[i].topic, topic) == 0)) {
			*slot = (uint32_t) i;
			return &s->parts[i];
		}
	}
	return NULL;
}

// A message lost with a dead worker holds its partition's commit back
// until its tree times out, and a spout that died meanwhile reads again
// everything read since. As storm-kafka-client bounds its uncommitted
// offsets, the task fetches nothing new while its partitions hold
// read_ahead messages from their oldest not acked, acked or not: it
// pauses them (still polling, so the consumer stays live) and resumes
// once the commits can move. A restart then reads at most that many
// messages again, plus what one commit_ms lets pass.
static void
kspout_hold_back(kafka_spout *s)
{
	size_t held = 0;
	for (size_t i = 0; i < s->nparts; i++) {
		held += s->parts[i].track.n;
	}
	bool hold = s->read_ahead > 0 && held >= s->read_ahead;
	if (hold == s->held_back) {
		return;
	}
	s->held_back = hold;
	rd_kafka_topic_partition_list_t *l
	    = rd_kafka_topic_partition_list_new((int) s->nparts + 1);
	for (size_t i = 0; i < s->nparts; i++) {
		if (!s->parts[i].done) {
			rd_kafka_topic_partition_list_add(
			    l, s->parts[i].topic, s->parts[i].partition);
		}
	}
	if (hold) {
		rd_kafka_pause_partitions(s->rk, l);
	} else {
		rd_kafka_resume_partitions(s->rk, l);
	}
	rd_kafka_topic_partition_list_destroy(l);
}

static void
kspout_mark_done(kafka_spout *s, kspout_part *p)
{
	if (p->done) {
		return;
	}
	p->done = true;
	s->ndone++;
	// Nothing more is read from it: stop fetching.
	rd_kafka_topic_partition_list_t *l
	    = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
	rd_kafka_pause_partitions(s->rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

static gale_err
kspout_emit(gale_collector *c, uint32_t slot, const rd_kafka_message_t *m)
{
	static const char empty[1] = "";
	gale_value        v[5]     = {
			   gale_bytes(m->payload != NULL ? m->payload : empty, m->len),
			   gale_bytes(m->key != NULL ? m->key : empty, m->key_len),
			   gale_cstr(rd_kafka_topic_name(m->rkt)),
			   gale_i64(m->partition),
			   gale_i64(m->offset),
	};
	return gale_spout_emit(
	    c, NULL, v, 5, gale__kafka_msg_id(slot, m->offset));
}

// Takes one message from the consumer: emits it, or says what went wrong.
static void
kspout_consume(kafka_spout *s, gale_collector *c)
{
	rd_kafka_message_t *m = rd_kafka_consumer_poll(s->rk, 0);
	if (m == NULL) {
		return;
	}
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			gale__kafka_report(&s->where, GALE_LOG_ERROR, m->err,
			    "partition %d: %s", m->partition,
			    rd_kafka_message_errstr(m));
		}
		rd_kafka_message_destroy(m);
		return;
	}
	uint32_t     slot;
	kspout_part *p = kspout_part_of(
	    s, rd_kafka_topic_name(m->rkt), m->partition, &slot);
	if (p == NULL || p->done || m->offset > GALE_KAFKA_OFFSET_MAX) {
		rd_kafka_message_destroy(m);
		return;
	}
	if (s->bounded && m->offset >= p->end) {
		kspout_mark_done(s, p);
		rd_kafka_message_destroy(m);
		return;
	}
	int64_t  offset = m->offset;
	gale_err rv     = gale__kafka_track_add(&p->track, offset, m);
	if (rv != GALE_OK) {
		// A message older than one read already (the consumer went
		// back): it is pending or acked, not new.
		rd_kafka_message_destroy(m);
		return;
	}
	if (kspout_emit(c, slot, m) != GALE_OK) {
		gale__u64_queue_push(
		    &s->replays, gale__kafka_msg_id(slot, offset));
	}
	if (s->bounded && offset + 1 >= p->end) {
		kspout_mark_done(s, p);
	}
}

// Bounded reads whose last offsets hold no message (transaction markers)
// end when the consumer's position passes the end.
static void
kspout_check_positions(kafka_spout *s)
{
	uint64_t now = gale_now_ns();
	if (!s->bounded || s->ndone == s->nparts
	    || now < s->next_position_ns) {
		return;
	}
	s->next_position_ns                = now + KSPOUT_POSITION_NS;
	rd_kafka_topic_partition_list_t *l = gale__kspout_list(s);
	if (rd_kafka_position(s->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (size_t i = 0; i < s->nparts; i++) {
			if (l->elems[i].offset >= 0
			    && l->elems[i].offset >= s->parts[i].end) {
				kspout_mark_done(s, &s->parts[i]);
			}
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
}

// Commits the partitions whose commit point moved. async: the result comes
// to kspout_commit_cb; otherwise it waits for it (at close).
static void
kspout_commit(kafka_spout *s, bool async)
{
	rd_kafka_topic_partition_list_t *l
	    = rd_kafka_topic_partition_list_new((int) s->nparts + 1);
	for (size_t i = 0; i < s->nparts; i++) {
		kspout_part *p  = &s->parts[i];
		int64_t      at = gale__kafka_track_commit_point(&p->track);
		if (at != p->committed) {
			rd_kafka_topic_partition_list_add(
			    l, p->topic, p->partition)
			    ->offset
			    = at;
			p->committed = at;
		}
	}
	if (l->cnt > 0) {
		rd_kafka_resp_err_t err = rd_kafka_commit(s->rk, l, async);
		if (!async && err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			gale__kafka_report(&s->where, GALE_LOG_ERROR, err,
			    "cannot commit the offsets at close: %s; the "
			    "messages after the last commit will be read "
			    "again",
			    rd_kafka_err2str(err));
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
}

// Publishes end offset minus commit point per partition as the task's
// gauges "lag.<topic>.<partition>", from the end offsets librdkafka last
// fetched (no request to the brokers).
static void
kspout_publish_part_lag(kafka_spout *s, const kspout_part *p)
{
	int64_t lo = -1, hi = -1;
	if (rd_kafka_get_watermark_offsets(
		s->rk, p->topic, p->partition, &lo, &hi)
		!= RD_KAFKA_RESP_ERR_NO_ERROR
	    || hi < p->end) {
		// No fetch has told the end yet: a bounded read knows the end
		// it reads to, from the start.
		hi = p->end;
	}
	if (hi < 0) {
		return;
	}
	int64_t at = gale__kafka_track_commit_point(&p->track);
	char    name[64];
	int     n = snprintf(
		name, sizeof(name), "lag.%s.%" PRId32, p->topic, p->partition);
	if (n > 0 && (size_t) n < sizeof(name)) {
		(void) gale_context_gauge(s->ctx, name, hi > at ? hi - at : 0);
	}
}

static void
kspout_publish_lag(kafka_spout *s)
{
	for (size_t i = 0; i < s->nparts; i++) {
		kspout_publish_part_lag(s, &s->parts[i]);
	}
}

// Logs end offset minus committed offset, per partition.
static void
kspout_log_lag(kafka_spout *s)
{
	char   line[1024];
	size_t len = 0;
	line[0]    = '\0';
	for (size_t i = 0; i < s->nparts && len < sizeof(line) - 80; i++) {
		kspout_part *p = &s->parts[i];
		int64_t      lo, hi;
		if (rd_kafka_get_watermark_offsets(
			s->rk, p->topic, p->partition, &lo, &hi)
			!= RD_KAFKA_RESP_ERR_NO_ERROR
		    || hi < 0) {
			continue;
		}
		int64_t at = gale__kafka_track_commit_point(&p->track);
		len += (size_t) snprintf(line + len, sizeof(line) - len,
		    "%s%s%s%d: %" PRId64 " (end %" PRId64
		    ", committed %" PRId64 ", pending %zu)",
		    len > 0 ? ", " : "", s->ntopics > 1 ? p->topic : "",
		    s->ntopics > 1 ? ":" : "", p->partition,
		    hi > at ? hi - at : 0, hi, at,
		    gale__kafka_track_size(&p->track));
	}
	if (len > 0) {
		gale_log(s->ctx, GALE_LOG_INFO,
		    "lag of topic %s by partition: %s", s->where.topic, line);
	}
}

// True when no message is in flight or waiting for its replay: a bounded
// spout is exhausted only then, since a fail after that would wait for a
// replay (its backoff) that no one asks for.
static bool
kspout_settled(const kafka_spout *s)
{
	if (gale__u64_queue_size(&s->replays) > 0) {
		return false;
	}
	for (size_t i = 0; i < s->nparts; i++) {
		if (gale__kafka_track_size(&s->parts[i].track) > 0) {
			return false;
		}
	}
	return true;
}

// Takes the id of the oldest failed message when its backoff is over. The
// queue is in the order of the fails; one whose wait is not over holds
// those behind it back, which only ever lengthens their waits.
static bool
kspout_next_replay(kafka_spout *s, uint64_t *id)
{
	uint64_t head;
	if (!gale__u64_queue_peek(&s->replays, &head)) {
		return false;
	}
	uint32_t slot = gale__kafka_msg_slot(head);
	if (slot < s->nparts) {
		const gale_kafka_msg *m = gale__kafka_track_find(
		    &s->parts[slot].track, gale__kafka_msg_offset(head));
		if (m != NULL && m->retry_ns > gale_now_ns()) {
			return false;
		}
	}
	return gale__u64_queue_pop(&s->replays, id);
}

static void
kspout_next_tuple(void *self, gale_collector *c)
{
	kafka_spout *s = self;
	if (s->state == KSPOUT_SETUP) {
		gale__kspout_setup(s);
		if (s->state == KSPOUT_SETUP) {
			return;
		}
	}
	uint64_t id;
	if (kspout_next_replay(s, &id)) {
		uint32_t slot = gale__kafka_msg_slot(id);
		if (slot < s->nparts) {
			gale_kafka_msg *m = gale__kafka_track_find(
			    &s->parts[slot].track, gale__kafka_msg_offset(id));
			if (m != NULL && m->msg != NULL
			    && kspout_emit(c, slot, m->msg) != GALE_OK) {
				gale__u64_queue_push(&s->replays, id);
			}
		}
	} else if (s->ndone < s->nparts || !s->bounded) {
		kspout_hold_back(s);
		kspout_consume(s, c);
		kspout_check_positions(s);
	} else {
		// Still served: commit results and error reports.
		rd_kafka_poll(s->rk, 0);
	}
	if (s->bounded && !s->exhausted && s->ndone == s->nparts
	    && kspout_settled(s)) {
		s->exhausted = true;
		gale_log(s->ctx, GALE_LOG_INFO,
		    "topic %s: read to the end offsets of %zu partitions",
		    s->where.topic, s->nparts);
		gale_spout_exhausted(c);
		kspout_publish_lag(s);
	}
	uint64_t now = gale_now_ns();
	if (now >= s->next_commit_ns) {
		s->next_commit_ns = now + s->commit_ns;
		kspout_commit(s, true);
		kspout_publish_lag(s);
	}
	if (s->lag_ns > 0 && now >= s->next_lag_ns) {
		s->next_lag_ns = now + s->lag_ns;
		kspout_log_lag(s);
	}
}

static void
kspout_ack(void *self, uint64_t id)
{
	kafka_spout *s    = self;
	uint32_t     slot = gale__kafka_msg_slot(id);
	if (slot < s->nparts) {
		gale__kafka_track_ack(
		    &s->parts[slot].track, gale__kafka_msg_offset(id));
		// A bounded read's last acks may finish the spout before the
		// next commit tick: its stats then end with the lag worked
		// off.
		if (s->exhausted) {
			kspout_publish_part_lag(s, &s->parts[slot]);
		}
	}
}

// The delivery report of a dead letter: its result, for the flush that
// waits for it (or the next one, should that flush time out).
static void
kspout_dlt_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void) rk;
	(void) m->_private;
	kafka_spout *s
	    = (kafka_spout *) ((char *) opaque - offsetof(kafka_spout, where));
	s->dlt_result = m->err;
}

// Writes a given-up message to the dead-letter topic and waits for the
// broker to have it. Returns whether it does.
static bool
kspout_dead_letter(kafka_spout *s, const rd_kafka_message_t *m)
{
	if (s->dlt == NULL) {
		const char *const defaults[] = { "enable.idempotence", "true",
			"message.timeout.ms", "10000", NULL };
		rd_kafka_conf_t  *conf;
		char              why[512];
		if (gale__kafka_conf_new(&conf, s->ctx, &s->where, defaults)
		    != GALE_OK) {
			return false;
		}
		rd_kafka_conf_set_dr_msg_cb(conf, kspout_dlt_dr);
		s->dlt
		    = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
		if (s->dlt == NULL) {
			rd_kafka_conf_destroy(conf);
			gale_log(s->ctx, GALE_LOG_ERROR,
			    "cannot make a producer for the dead-letter topic "
			    "%s: %s",
			    s->dlt_topic, why);
			return false;
		}
	}
	s->dlt_result = RD_KAFKA_RESP_ERR__IN_PROGRESS;
	rd_kafka_resp_err_t err
	    = rd_kafka_producev(s->dlt, RD_KAFKA_V_TOPIC(s->dlt_topic),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_VALUE(m->payload, m->len),
		RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_flush(s->dlt, 15000);
		err = s->dlt_result;
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot write to the dead-letter topic %s: %s; the "
		    "message "
		    "is kept and tried again",
		    s->dlt_topic, rd_kafka_err2str(err));
		return false;
	}
	return true;
}

static void
kspout_fail(void *self, uint64_t id)
{
	kafka_spout *s    = self;
	uint32_t     slot = gale__kafka_msg_slot(id);
	if (slot >= s->nparts) {
		return;
	}
	kspout_part    *p = &s->parts[slot];
	gale_kafka_msg *m
	    = gale__kafka_track_find(&p->track, gale__kafka_msg_offset(id));
	if (m == NULL) {
		return;
	}
	if (s->max_retries > 0 && m->attempts > (uint64_t) s->max_retries) {
		gale_log(s->ctx, GALE_LOG_WARN,
		    "topic %s partition %d offset %" PRId64 ": failed %" PRIu32
		    " times; given up%s%s",
		    p->topic, p->partition, m->offset, m->attempts,
		    s->dlt_topic != NULL ? ", to the dead-letter topic " : "",
		    s->dlt_topic != NULL ? s->dlt_topic : "");
		if (s->dlt_topic == NULL || kspout_dead_letter(s, m->msg)) {
			gale__kafka_track_ack(&p->track, m->offset);
			return;
		}
	}
	m->attempts++;
	// 2 ms, 4 ms, 8 ms ... after the 1st, 2nd, 3rd fail, by default.
	m->retry_ns = gale_now_ns()
	    + gale__kafka_retry_wait(
		m->attempts, s->retry_delay_ns, s->retry_max_ns);
	if (gale__u64_queue_push(&s->replays, id) != GALE_OK) {
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "out of memory: offset %" PRId64
		    " of partition %d is read again after a restart",
		    m->offset, p->partition);
	}
}

// Closes the consumer, waiting at most KSPOUT_CLOSE_MS: a close that
// does not finish (a broker gone in the middle of a request) is left to
// the process's exit, with a warning, rather than waited for without end.
// The offsets are committed before; nothing of the input hangs on it.
static void
kspout_close_consumer(kafka_spout *s)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(s->rk);
	rd_kafka_error_t *e = rd_kafka_consumer_close_queue(s->rk, q);
	if (e != NULL) {
		gale_log(s->ctx, GALE_LOG_WARN,
		    "closing the Kafka consumer: %s",
		    rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
	}
	uint64_t deadline = gale_now_ns() + KSPOUT_CLOSE_MS * 1000000ull;
	while (e == NULL && !rd_kafka_consumer_closed(s->rk)
	    && gale_now_ns() < deadline) {
		rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
		if (ev != NULL) {
			rd_kafka_event_destroy(ev);
		}
	}
	bool closed = e == NULL && rd_kafka_consumer_closed(s->rk);
	rd_kafka_queue_destroy(q);
	if (!closed) {
		gale_log(s->ctx, GALE_LOG_WARN,
		    "the Kafka consumer did not close within %d s; left to "
		    "the process's exit",
		    KSPOUT_CLOSE_MS / 1000);
		return;
	}
	rd_kafka_destroy(s->rk);
}

static void
kspout_close(void *self)
{
	kafka_spout *s = self;
	if (s->rk != NULL) {
		if (s->state == KSPOUT_RUNNING) {
			kspout_commit(s, false);
			kspout_publish_lag(s);
		}
		// The messages hold references into the consumer: freed
		// before it.
		for (size_t i = 0; i < s->nparts; i++) {
			if (s->state == KSPOUT_RUNNING) {
				gale__kafka_track_fini(&s->parts[i].track);
			}
		}
		kspout_close_consumer(s);
		s->rk = NULL;
	}
	if (s->dlt != NULL) {
		rd_kafka_flush(s->dlt, KSPOUT_CLOSE_MS);
		rd_kafka_destroy(s->dlt);
		s->dlt = NULL;
	}
	free(s->parts);
	free(s->dlt_topic);
	kspout_free_topics(s);
	s->parts     = NULL;
	s->dlt_topic = NULL;
	gale__u64_queue_fini(&s->replays);
}

static const gale_option_decl kspout_options[] = {
	{ "brokers", GALE_OPTION_STRING, NULL,
	    "bootstrap servers, HOST:PORT,... (required)" },
	{ "topic", GALE_OPTION_STRING, NULL,
	    "the topic to read, or a list of them (required)" },
	{ "group", GALE_OPTION_STRING, "the topology's name",
	    "the consumer group whose offsets are committed" },
	{ "start", GALE_OPTION_STRING, "earliest",
	    "earliest or latest: where a group with no commit begins" },
	{ "bounded", GALE_OPTION_BOOL, "false",
	    "read to the end offsets of the start, then finish" },
	{ "max_retries", GALE_OPTION_INT, "0",
	    "replays of a failed message before it is dropped; 0: no limit" },
	{ "dead_letter_topic", GALE_OPTION_STRING, NULL,
	    "where a message past max_retries goes" },
	{ "retry_delay_ms", GALE_OPTION_INT, "2",
	    "the wait before a failed message's first replay, doubled "
	    "before each next" },
	{ "retry_max_delay_ms", GALE_OPTION_INT, "10000",
	    "the longest wait before a replay" },
	{ "commit_ms", GALE_OPTION_INT, "1000",
	    "how often offsets are committed" },
	{ "lag_log_ms", GALE_OPTION_INT, "5000",
	    "how often the lag is logged" },
	{ "max_read_ahead", GALE_OPTION_INT, "0",
	    "the most messages read past the committable offsets "
	    "(0: twice topology.max.spout.pending)" },
	{ "kafka.*", GALE_OPTION_STRING, NULL,
	    "a librdkafka consumer property, passed through" },
	{ NULL, 0, NULL, NULL },
};

static const gale_spout_ops kspout_ops = {
	.size         = sizeof(kafka_spout),
	.outputs      = kspout_outputs,
	.open         = kspout_open,
	.next_tuple   = kspout_next_tuple,
	.ack          = kspout_ack,
	.fail         = kspout_fail,
	.close        = kspout_close,
	.options      = kspout_options,
	.check_option = gale__kafka_check_option,
};

const gale_component gale__spout_kafka = { .spout = &kspout_ops };
