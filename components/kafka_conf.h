// SPDX-License-Identifier: MIT
// kafka_conf.h - what the Kafka spout and bolt share: librdkafka
// configurations built from a component's options, and error reports that
// name the brokers and the topic without flooding the log.

#ifndef GALE_COMPONENTS_KAFKA_CONF_H
#define GALE_COMPONENTS_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// The prefix of the options passed to librdkafka as they are:
// `kafka.security.protocol: SSL` sets `security.protocol`.
#define GALE_KAFKA_PREFIX "kafka."

// Repeats of one error are reported at most this often.
#define GALE_KAFKA_REPORT_NS (10 * 1000000000ull)

// Where a component talks to and how it reports trouble. Transparent so
// that the spout and the bolt embed it; one task owns it. The callbacks of
// the librdkafka handle built by gale__kafka_conf_new get it as their
// opaque, and librdkafka calls them from the task's thread (error and
// delivery reports are served by the task's poll calls), except the log
// callback, which only calls gale_log (thread-safe).
typedef struct gale_kafka_where {
	const gale_context *ctx;
	char                brokers[256];
	char                topic[256];
	// The last error reported, when, and how many repeats were not.
	int      last_err;
	uint64_t last_ns;
	uint64_t quiet;
} gale_kafka_where;

// Sets up where from the options `brokers` and `topic` (both required;
// topic_opt names the option holding the topic). Returns GALE_EINVAL,
// with gale_context_error, when one is missing.
gale_err gale__kafka_where_init(
    gale_kafka_where *w, gale_context *ctx, const char *topic_opt);

// Builds a librdkafka configuration: bootstrap.servers from `brokers`,
// then defaults (a NULL-terminated list of name, value pairs, which the
// options override), then every option named `kafka.<property>`, and the
// error and log callbacks with w as their opaque. An unknown property or a
// bad value makes it fail with GALE_EINVAL and a gale_context_error naming
// the option and librdkafka's reason. On success *out is the caller's.
gale_err gale__kafka_conf_new(rd_kafka_conf_t **out, gale_context *ctx,
    gale_kafka_where *w, const char *const *defaults);

// Whether the options set the librdkafka property name.
// The check_option of the Kafka components: whether librdkafka takes the
// property name (less GALE_KAFKA_PREFIX) with value, tried on a scratch
// configuration. GALE_EINVAL with librdkafka's reason in why otherwise.
gale_err gale__kafka_check_option(
    const char *name, const char *value, char *why, size_t whylen);
bool gale__kafka_conf_given(const gale_context *ctx, const char *name);

// Reports an error at level (once per GALE_KAFKA_REPORT_NS for repeats of
// the same code), prefixed with the brokers and the topic. Returns whether
// it was written.
bool gale__kafka_report(gale_kafka_where *w, gale_log_level level, int err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

// Clears the memory of the last error, so that the next one is reported at
// once (after the trouble is over).
void gale__kafka_report_clear(gale_kafka_where *w);

#endif // GALE_COMPONENTS_KAFKA_CONF_H
