// SPDX-License-Identifier: MIT
// kafka_conf.c - librdkafka configurations from component options, and
// error reports that name the brokers and the topic.

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "components/kafka_conf.h"

gale_err
gale__kafka_where_init(
    gale_kafka_where *w, gale_context *ctx, const char *topic_opt)
{
	memset(w, 0, sizeof(*w));
	w->ctx              = ctx;
	const char *brokers = gale_context_option(ctx, "brokers");
	const char *topic   = gale_context_option(ctx, topic_opt);
	if (brokers == NULL || brokers[0] == '\0') {
		gale_context_error(ctx,
		    "option 'brokers' is required: the Kafka bootstrap "
		    "servers, HOST:PORT[,HOST:PORT...]");
		return GALE_EINVAL;
	}
	if (topic == NULL || topic[0] == '\0') {
		gale_context_error(
		    ctx, "option '%s' is required: the topic", topic_opt);
		return GALE_EINVAL;
	}
	if (strlen(brokers) >= sizeof(w->brokers)
	    || strlen(topic) >= sizeof(w->topic)) {
		gale_context_error(ctx,
		    "option '%s': too long (at most %zu bytes)",
		    strlen(topic) >= sizeof(w->topic) ? topic_opt : "brokers",
		    sizeof(w->topic) - 1);
		return GALE_EINVAL;
	}
	strcpy(w->brokers, brokers);
	strcpy(w->topic, topic);
	return GALE_OK;
}

bool
gale__kafka_report(
    gale_kafka_where *w, gale_log_level level, int err, const char *fmt, ...)
{
	uint64_t now = gale_now_ns();
	if (err == w->last_err && w->last_ns != 0
	    && now - w->last_ns < GALE_KAFKA_REPORT_NS) {
		w->quiet++;
		return false;
	}
	char    msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char again[64] = "";
	if (w->quiet > 0 && err == w->last_err) {
		snprintf(again, sizeof(again), " (%llu more like it)",
		    (unsigned long long) w->quiet);
	}
	gale_log(w->ctx, level, "kafka brokers %s, topic %s: %s%s", w->brokers,
	    w->topic, msg, again);
	w->last_err = err;
	w->last_ns  = now;
	w->quiet    = 0;
	return true;
}

void
gale__kafka_report_clear(gale_kafka_where *w)
{
	w->last_err = 0;
	w->last_ns  = 0;
	w->quiet    = 0;
}

// Errors librdkafka reports on its own: brokers down or unreachable,
// authentication and fatal errors. It retries connections by itself, with
// backoff (reconnect.backoff.ms); this only says so.
static void
conf_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	gale_kafka_where *w = opaque;
	const char       *what
	    = rd_kafka_fatal_error(rk, NULL, 0) != RD_KAFKA_RESP_ERR_NO_ERROR
	    ? "fatal error"
	    : "error";
	gale__kafka_report(w, GALE_LOG_ERROR, err, "%s: %s: %s; retrying",
	    what, rd_kafka_err2name(err), reason);
}

// librdkafka's own log lines: its errors already come through the error
// callback, so only what is worse than an error is a warning here.
static void
conf_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	gale_kafka_where *w = rd_kafka_opaque(rk);
	gale_log_level    l = level <= 2 ? GALE_LOG_WARN : GALE_LOG_DEBUG;
	gale_log(w->ctx, l, "librdkafka %s: %s", fac, buf);
}

// Sets one property; says which option and why when librdkafka refuses.
static gale_err
conf_set(rd_kafka_conf_t *conf, gale_context *ctx, const char *option,
    const char *name, const char *value)
{
	char why[512];
	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why))
	    == RD_KAFKA_CONF_OK) {
		return GALE_OK;
	}
	gale_context_error(ctx, "option '%s': %s", option, why);
	return GALE_EINVAL;
}

gale_err
gale__kafka_check_option(
    const char *name, const char *value, char *why, size_t whylen)
{
	size_t plen = strlen(GALE_KAFKA_PREFIX);
	if (strncmp(name, GALE_KAFKA_PREFIX, plen) != 0) {
		snprintf(why, whylen, "not a librdkafka property");
		return GALE_EINVAL;
	}
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	if (conf == NULL) {
		snprintf(why, whylen, "out of memory");
		return GALE_ENOMEM;
	}
	rd_kafka_conf_res_t res
	    = rd_kafka_conf_set(conf, name + plen, value, why, whylen);
	rd_kafka_conf_destroy(conf);
	return res == RD_KAFKA_CONF_OK ? GALE_OK : GALE_EINVAL;
}

bool
gale__kafka_conf_given(const gale_context *ctx, const char *name)
{
	char opt[300];
	snprintf(opt, sizeof(opt), GALE_KAFKA_PREFIX "%s", name);
	return gale_context_option(ctx, opt) != NULL;
}

gale_err
gale__kafka_conf_new(rd_kafka_conf_t **out, gale_context *ctx,
    gale_kafka_where *w, const char *const *defaults)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	if (conf == NULL) {
		return GALE_ENOMEM;
	}
	gale_err rv
	    = conf_set(conf, ctx, "brokers", "bootstrap.servers", w->brokers);
	for (size_t i = 0;
	     rv == GALE_OK && defaults != NULL && defaults[i] != NULL;
	     i += 2) {
		rv = conf_set(
		    conf, ctx, defaults[i], defaults[i], defaults[i + 1]);
	}
	const char *name, *value;
	size_t      plen = strlen(GALE_KAFKA_PREFIX);
	for (size_t i = 0;
	     rv == GALE_OK && gale_context_option_at(ctx, i, &name, &value);
	     i++) {
		if (strncmp(name, GALE_KAFKA_PREFIX, plen) != 0) {
			continue;
		}
		if (name[plen] == '\0') {
			gale_context_error(ctx,
			    "option '%s': name a librdkafka property after "
			    "'" GALE_KAFKA_PREFIX "'",
			    name);
			rv = GALE_EINVAL;
			break;
		}
		rv = conf_set(conf, ctx, name, name + plen, value);
	}
	if (rv != GALE_OK) {
		rd_kafka_conf_destroy(conf);
		return rv;
	}
	rd_kafka_conf_set_opaque(conf, w);
	rd_kafka_conf_set_error_cb(conf, conf_error_cb);
	rd_kafka_conf_set_log_cb(conf, conf_log_cb);
	*out = conf;
	return GALE_OK;
}
