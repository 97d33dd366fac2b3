// SPDX-License-Identifier: MIT
// dev_kafka_cmd.c - `gale dev-kafka`: librdkafka's in-memory mock Kafka
// cluster on loopback, for trying gale and for tests.

#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/tcp_forward.h"

#define DEVK_MAX_TOPICS 64

static volatile sig_atomic_t devk_signalled;

static void
devk_on_signal(int sig)
{
	(void) sig;
	devk_signalled = 1;
}

typedef struct devk_topic {
	char    *name;
	uint32_t partitions;
} devk_topic;

// NAME[:PARTITIONS] into t; false (after saying why) when it is not one.
static bool
devk_parse_topic(const char *arg, devk_topic *t)
{
	const char *colon = strrchr(arg, ':');
	size_t      len = colon != NULL ? (size_t) (colon - arg) : strlen(arg);
	t->partitions   = 1;
	if (len == 0 || len > 249) {
		gale__cli_usage("dev-kafka",
		    "--topic: '%s' does not name a topic (1 to 249 bytes)",
		    arg);
		return false;
	}
	if (colon != NULL
	    && !gale__cli_u32("dev-kafka", "--topic PARTITIONS", colon + 1, 1,
		1000, &t->partitions)) {
		return false;
	}
	t->name = strndup(arg, len);
	return t->name != NULL;
}

// The mock cluster's brokers listen on 127.0.0.1 at ports they pick and
// advertise 127.0.0.1: a --listen HOST must be loopback. HOST, HOST: or
// HOST:0 leaves the port to the cluster (*port 0); another port is
// served by a forwarder to the first broker. The host as given goes into
// host (what bootstrap.servers= then names).
static bool
devk_check_listen(const char *arg, char *host, size_t hostlen, uint32_t *port)
{
	snprintf(host, hostlen, "%s", arg);
	*port       = 0;
	char *colon = strrchr(host, ':');
	if (colon != NULL) {
		*colon = '\0';
		if (colon[1] != '\0'
		    && !gale__cli_u32("dev-kafka", "--listen PORT", colon + 1,
			0, 65535, port)) {
			return false;
		}
	}
	if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "localhost") != 0) {
		gale__cli_usage("dev-kafka",
		    "--listen: librdkafka's mock cluster listens on 127.0.0.1 "
		    "only (its brokers advertise that address), not '%s'",
		    arg);
		return false;
	}
	return true;
}

int
gale_cmd_dev_kafka(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	devk_topic topics[DEVK_MAX_TOPICS];
	size_t     ntopics   = 0;
	uint32_t   nbrokers  = 1;
	char       host[256] = "";
	uint32_t   port      = 0;
	int        rc        = GALE_EXIT_USAGE;
	int        c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!devk_check_listen(
				optarg, host, sizeof(host), &port)) {
				goto out;
			}
			break;
		case 'b':
			if (!gale__cli_u32("dev-kafka", "--brokers", optarg, 1,
				16, &nbrokers)) {
				goto out;
			}
			break;
		case 't':
			if (ntopics == DEVK_MAX_TOPICS) {
				gale__cli_usage("dev-kafka",
				    "at most %d topics", DEVK_MAX_TOPICS);
				goto out;
			}
			if (!devk_parse_topic(optarg, &topics[ntopics])) {
				goto out;
			}
			ntopics++;
			break;
		default:
			gale__cli_usage("dev-kafka", NULL);
			goto out;
		}
	}
	if (optind < argc) {
		gale__cli_usage("dev-kafka", "unexpected '%s'", argv[optind]);
		goto out;
	}
	rc = GALE_EXIT_FAIL;
	// The cluster lives in a librdkafka handle of its own.
	char             why[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", why, sizeof(why));
	rd_kafka_t *rk
	    = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (rk == NULL) {
		rd_kafka_conf_destroy(conf);
		fprintf(stderr, "gale dev-kafka: %s\n", why);
		goto out;
	}
	rd_kafka_mock_cluster_t *mc
	    = rd_kafka_mock_cluster_new(rk, (int) nbrokers);
	if (mc == NULL) {
		fprintf(
		    stderr, "gale dev-kafka: cannot start the mock cluster\n");
		rd_kafka_destroy(rk);
		goto out;
	}
	for (size_t i = 0; i < ntopics; i++) {
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
		    mc, topics[i].name, (int) topics[i].partitions, 1);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr,
			    "gale dev-kafka: cannot create topic %s: %s\n",
			    topics[i].name, rd_kafka_err2str(err));
			rd_kafka_mock_cluster_destroy(mc);
			rd_kafka_destroy(rk);
			goto out;
		}
	}
	// A fixed port: clients bootstrap through it and then reach each
	// broker at the 127.0.0.1 address the metadata advertises.
	gale_forward *fwd = NULL;
	if (port != 0) {
		char        first[128];
		const char *all = rd_kafka_mock_cluster_bootstraps(mc);
		snprintf(first, sizeof(first), "%.*s", (int) strcspn(all, ","),
		    all);
		if (gale__forward_open(
			&fwd, (uint16_t) port, first, why, sizeof(why))
		    != GALE_OK) {
			fprintf(stderr, "gale dev-kafka: --listen %s:%u: %s\n",
			    host, (unsigned) port, why);
			rd_kafka_mock_cluster_destroy(mc);
			rd_kafka_destroy(rk);
			goto out;
		}
	}
	struct sigaction sa = { .sa_handler = devk_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (fwd != NULL) {
		printf("bootstrap.servers=%s:%u\n", host, (unsigned) port);
	} else {
		printf("bootstrap.servers=%s\n",
		    rd_kafka_mock_cluster_bootstraps(mc));
	}
	fflush(stdout);
	fprintf(stderr,
	    "gale dev-kafka: a mock Kafka cluster of %u broker%s, in memory "
	    "and for development only; topics:",
	    nbrokers, nbrokers == 1 ? "" : "s");
	for (size_t i = 0; i < ntopics; i++) {
		fprintf(stderr, " %s (%u partition%s)", topics[i].name,
		    topics[i].partitions,
		    topics[i].partitions == 1 ? "" : "s");
	}
	fprintf(stderr, "%s; others are made when first used\n",
	    ntopics == 0 ? " none" : "");
	while (!devk_signalled) {
		pause();
	}
	fprintf(stderr, "gale dev-kafka: stopping\n");
	gale__forward_close(&fwd);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	rc = GALE_EXIT_OK;
out:
	for (size_t i = 0; i < ntopics; i++) {
		free(topics[i].name);
	}
	return rc;
}
