// SPDX-License-Identifier: MIT
// kafka_bolt.c - the kafka_bolt: tuples to a Kafka topic, each acked once
// its delivery is confirmed.
//
// Each execute hands its message to librdkafka, which batches them (linger,
// queue limits: kafka.<property>), and holds the tuple (gale_tuple_hold);
// the tuple is acked when the message's delivery report says the broker
// has it and failed when it says the delivery failed, as Storm's KafkaBolt
// does in its producer callback. Reports are served by rd_kafka_poll on the
// task's thread: in execute and in the bolt's poll, which the runtime calls
// while tuples are held, so they are served when input stops too.

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "components/kafka_bolt.h"
#include "components/kafka_conf.h"

// How long a delivery may take unless kafka.message.timeout.ms says
// otherwise: librdkafka retries within it and reports a failure after it.
#define KBOLT_TIMEOUT_MS "10000"
// How long cleanup waits for messages still in flight.
#define KBOLT_FLUSH_MS 10000
// How often the runtime polls the bolt while messages are in flight.
#define KBOLT_POLL_MS 5

typedef struct kafka_bolt {
	gale_kafka_where    where;
	gale_context       *ctx;
	rd_kafka_conf_t    *conf; // a copy, to make the producer again
	rd_kafka_t         *rk;
	rd_kafka_topic_t   *rkt;
	char               *key_field;
	char               *value_field;
	char               *key, *value; // reused text buffers
	size_t              key_cap, value_cap;
	gale_collector     *coll; // during a poll: where reports ack and fail
	uint64_t            wait_ns; // the longest a full queue is waited on
	bool                failed_delivery; // a report said so: check fatal
	bool                warned_field;
} kafka_bolt;

static kafka_bolt *
kbolt_of(void *where)
{
	return (kafka_bolt *) ((char *) where - offsetof(kafka_bolt, where));
}

// Delivery reports, served by rd_kafka_poll on the task's thread: the
// message's opaque is the handle of its held tuple. Without a collector
// (the worker stopped before cleanup) the tuple is left to the runtime,
// whose tree times out and replays.
static void
kbolt_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void) rk;
	kafka_bolt *b = kbolt_of(opaque);
	gale_held   h = (gale_held) (uintptr_t) m->_private;
	if (b->coll == NULL) {
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		gale__kafka_report_clear(&b->where);
		gale_ack_held(b->coll, h);
		return;
	}
	gale__kafka_report(&b->where, GALE_LOG_ERROR, m->err,
	    "delivery failed: %s: %s; the tuple is failed, to be replayed",
	    rd_kafka_err2name(m->err), rd_kafka_err2str(m->err));
	gale_fail_held(b->coll, h);
	b->failed_delivery = true;
}

// Serves the delivery reports that are in, waiting up to ms for one.
static void
kbolt_serve(kafka_bolt *b, gale_collector *c, int ms)
{
	b->coll = c;
	rd_kafka_poll(b->rk, ms);
	b->coll = NULL;
}

static gale_err
kbolt_grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap) {
		return GALE_OK;
	}
	size_t c = *cap ? *cap : 256;
	while (c < need) {
		c *= 2;
	}
	char *p = realloc(*buf, c);
	if (p == NULL) {
		return GALE_ENOMEM;
	}
	*buf = p;
	*cap = c;
	return GALE_OK;
}

gale_err
gale__kafka_bolt_text(
    char **buf, size_t *len, size_t *cap, const gale_value *v)
{
	char        num[64];
	const char *p = num;
	size_t      n = 0;
	switch (v->type) {
	case GALE_STR:
	case GALE_BYTES:
		p = v->u.s.ptr;
		n = v->u.s.len;
		break;
	case GALE_I64:
		n = (size_t) snprintf(num, sizeof(num), "%" PRId64, v->u.i64);
		break;
	case GALE_F64:
		n = (size_t) snprintf(num, sizeof(num), "%.17g", v->u.f64);
		break;
	case GALE_BOOL:
		p = v->u.b ? "true" : "false";
		n = strlen(p);
		break;
	default:
		p = "";
		break;
	}
	if (kbolt_grow(buf, cap, *len + n + 1) != GALE_OK) {
		return GALE_ENOMEM;
	}
	if (n > 0) {
		memcpy(*buf + *len, p, n);
	}
	*len += n;
	return GALE_OK;
}

static gale_err
kbolt_start(kafka_bolt *b)
{
	char             why[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_dup(b->conf);
	b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (b->rk == NULL) {
		rd_kafka_conf_destroy(conf);
		gale_context_error((gale_context *) b->ctx,
		    "cannot make a Kafka producer: %s", why);
		return GALE_EINVAL;
	}
	b->rkt = rd_kafka_topic_new(b->rk, b->where.topic, NULL);
	if (b->rkt == NULL) {
		rd_kafka_destroy(b->rk);
		b->rk = NULL;
		return GALE_ENOMEM;
	}
	return GALE_OK;
}

// Stops the producer: waits up to flush_ms for what is in flight, then
// purges the rest, whose reports (served here with c, when given) fail
// their tuples.
static void
kbolt_stop(kafka_bolt *b, gale_collector *c, int flush_ms)
{
	if (b->rkt != NULL) {
		rd_kafka_topic_destroy(b->rkt);
		b->rkt = NULL;
	}
	if (b->rk != NULL) {
		b->coll = c;
		if (flush_ms > 0) {
			rd_kafka_flush(b->rk, flush_ms);
		}
		rd_kafka_purge(
		    b->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(b->rk, 0);
		b->coll = NULL;
		rd_kafka_destroy(b->rk);
		b->rk = NULL;
	}
}

static void
kbolt_free(kafka_bolt *b, gale_collector *c)
{
	kbolt_stop(b, c, c != NULL ? KBOLT_FLUSH_MS : 0);
	if (b->conf != NULL) {
		rd_kafka_conf_destroy(b->conf);
		b->conf = NULL;
	}
	free(b->key_field);
	free(b->value_field);
	free(b->key);
	free(b->value);
	b->key_field = b->value_field = b->key = b->value = NULL;
}

static gale_err
kbolt_prepare(void *self, gale_context *ctx)
{
	kafka_bolt *b = self;
	b->ctx        = ctx;
	if (gale__kafka_where_init(&b->where, ctx, "topic") != GALE_OK) {
		return GALE_EINVAL;
	}
	const char *key   = gale_context_option(ctx, "key");
	const char *value = gale_context_option(ctx, "value");
	if ((key != NULL && key[0] == '\0')
	    || (value != NULL && value[0] == '\0')) {
		gale_context_error(ctx,
		    "options 'key' and 'value' name a field of the input");
		return GALE_EINVAL;
	}
	b->key_field   = key != NULL ? strdup(key) : NULL;
	b->value_field = value != NULL ? strdup(value) : NULL;
	if ((key != NULL && b->key_field == NULL)
	    || (value != NULL && b->value_field == NULL)) {
		kbolt_free(b, NULL);
		return GALE_ENOMEM;
	}
	const char *const defaults[]
	    = { "enable.idempotence", "true", "message.timeout.ms",
		      KBOLT_TIMEOUT_MS, "linger.ms", "5", NULL };
	gale_err rv = gale__kafka_conf_new(&b->conf, ctx, &b->where, defaults);
	if (rv != GALE_OK) {
		kbolt_free(b, NULL);
		return rv;
	}
	rd_kafka_conf_set_dr_msg_cb(b->conf, kbolt_dr);
	char   ms[32];
	size_t len        = sizeof(ms);
	long   timeout_ms = 10000;
	if (rd_kafka_conf_get(b->conf, "message.timeout.ms", ms, &len)
	    == RD_KAFKA_CONF_OK) {
		timeout_ms = strtol(ms, NULL, 10);
	}
	// A full queue frees room within message.timeout.ms (messages are
	// delivered or given up on); a margin covers the last round trip.
	b->wait_ns = ((uint64_t) timeout_ms + 5000) * 1000000u;
	rv         = kbolt_start(b);
	if (rv != GALE_OK) {
		kbolt_free(b, NULL);
	}
	return rv;
}

// The text of field name of t into the buffer, or false when t has no
// such field (said once).
static bool
kbolt_field(kafka_bolt *b, const gale_tuple *t, const char *name, char **buf,
    size_t *cap, size_t *len)
{
	const gale_value *v = gale_tuple_field(t, name);
	if (v == NULL) {
		if (!b->warned_field) {
			b->warned_field = true;
			gale_log(b->ctx, GALE_LOG_ERROR,
			    "inputs from %s have no field '%s'; they are "
			    "failed",
			    gale_tuple_source(t), name);
		}
		return false;
	}
	*len = 0;
	return gale__kafka_bolt_text(buf, len, cap, v) == GALE_OK;
}

static bool
kbolt_all_fields(kafka_bolt *b, const gale_tuple *t, size_t *len)
{
	*len = 0;
	for (size_t i = 0; i < gale_tuple_size(t); i++) {
		if (i > 0) {
			const gale_value tab = gale_str("\t", 1);
			if (gale__kafka_bolt_text(
				&b->value, len, &b->value_cap, &tab)
			    != GALE_OK) {
				return false;
			}
		}
		if (gale__kafka_bolt_text(
			&b->value, len, &b->value_cap, gale_tuple_get(t, i))
		    != GALE_OK) {
			return false;
		}
	}
	return true;
}

// A fatal error leaves the idempotent producer unusable: a new one takes
// over (messages in flight are failed with it).
static void
kbolt_check_fatal(kafka_bolt *b, gale_collector *c)
{
	if (!b->failed_delivery || b->rk == NULL) {
		return;
	}
	b->failed_delivery = false;
	char                why[512];
	rd_kafka_resp_err_t err
	    = rd_kafka_fatal_error(b->rk, why, sizeof(why));
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		return;
	}
	gale_log(b->ctx, GALE_LOG_ERROR,
	    "kafka brokers %s, topic %s: the producer failed (%s: %s); "
	    "starting a new one",
	    b->where.brokers, b->where.topic, rd_kafka_err2name(err), why);
	kbolt_stop(b, c, 0);
	kbolt_start(b);
}

static void
kbolt_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	kafka_bolt *b    = self;
	size_t      klen = 0, vlen = 0;
	if (gale_tuple_is_tick(t)) {
		if (b->rk != NULL) {
			kbolt_serve(b, c, 0);
			kbolt_check_fatal(b, c);
		}
		return;
	}
	if (b->rk == NULL && kbolt_start(b) != GALE_OK) {
		gale_fail(c, t);
		return;
	}
	if ((b->key_field != NULL
		&& !kbolt_field(
		    b, t, b->key_field, &b->key, &b->key_cap, &klen))
	    || (b->value_field != NULL ? !kbolt_field(
		    b, t, b->value_field, &b->value, &b->value_cap, &vlen)
				       : !kbolt_all_fields(b, t, &vlen))) {
		gale_fail(c, t);
		return;
	}
	gale_held h = gale_tuple_hold(c, t);
	if (h == 0) {
		gale_fail(c, t);
		return;
	}
	// A full queue (queue.buffering.max.messages or .kbytes) empties as
	// reports come: they are served until there is room, for as long as
	// the oldest message may take.
	uint64_t            deadline = 0;
	rd_kafka_resp_err_t err;
	for (;;) {
		err = rd_kafka_producev(b->rk, RD_KAFKA_V_RKT(b->rkt),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_VALUE(b->value, vlen),
		    RD_KAFKA_V_KEY(b->key_field != NULL ? b->key : NULL, klen),
		    RD_KAFKA_V_OPAQUE((void *) (uintptr_t) h), RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			break;
		}
		uint64_t now = gale_now_ns();
		if (deadline == 0) {
			deadline = now + b->wait_ns;
		} else if (now >= deadline) {
			break;
		}
		kbolt_serve(b, c, 100);
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		gale__kafka_report(&b->where, GALE_LOG_ERROR, err,
		    "cannot produce: %s: %s; the tuple is failed, to be "
		    "replayed",
		    rd_kafka_err2name(err), rd_kafka_err2str(err));
		gale_fail_held(c, h);
	}
	kbolt_serve(b, c, 0);
	kbolt_check_fatal(b, c);
}

// While tuples are held: serves the reports that came in.
static void
kbolt_poll(void *self, gale_collector *c)
{
	kafka_bolt *b = self;
	if (b->rk != NULL) {
		kbolt_serve(b, c, 0);
		kbolt_check_fatal(b, c);
	}
}

// Waits up to KBOLT_FLUSH_MS for what is in flight; what is not delivered
// by then is failed.
static void
kbolt_cleanup(void *self, gale_collector *c)
{
	kbolt_free(self, c);
}

// When the worker stops before cleanup: the producer goes without acking
// or failing anything; the trees of its tuples time out and replay.
static void
kbolt_close(void *self)
{
	kbolt_free(self, NULL);
}

static const gale_option_decl kbolt_options[] = {
	{ "brokers", GALE_OPTION_STRING, NULL,
	    "bootstrap servers, HOST:PORT,... (required)" },
	{ "topic", GALE_OPTION_STRING, NULL, "the topic to write (required)" },
	{ "key", GALE_OPTION_STRING, NULL, "the field whose value is the key" },
	{ "value", GALE_OPTION_STRING, NULL,
	    "the field written; default every field, tab-separated" },
	{ "kafka.*", GALE_OPTION_STRING, NULL,
	    "a librdkafka producer property, passed through" },
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops kbolt_ops = {
	.size    = sizeof(kafka_bolt),
	.outputs = NULL,
	.prepare = kbolt_prepare,
	.execute = kbolt_execute,
	.cleanup = kbolt_cleanup,
	.options = kbolt_options,
	.check_option = gale__kafka_check_option,
	.close   = kbolt_close,
	.poll    = kbolt_poll,
	.poll_ms = KBOLT_POLL_MS,
};

const gale_component gale__bolt_kafka = { .bolt = &kbolt_ops };
