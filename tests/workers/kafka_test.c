// SPDX-License-Identifier: MIT
// kafka_test.c - Kafka in and out end to end: `gale dev-kafka`, word count
// from a topic to a topic on real worker processes, a spout's worker
// killed, failing tuples, delivery errors, and bad settings.

#include <criterion/criterion.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/run.h"
#include "tests/support/words.h"

#define KAFKA_YAML GALE_SOURCE_DIR "/examples/kafka/wordcount.yaml"
#define GROUP "wordcount-kafka"
#define MAXP 8

static char     *dir;
static test_proc cluster;
static bool      cluster_up;
static char      bootstrap[256];

static void
setup(void)
{
	dir = test_tmpdir();
	cr_assert_not_null(dir);
}

static void
teardown(void)
{
	if (cluster_up) {
		kill(cluster.pid, SIGTERM);
		bool timedout;
		test_proc_wait(&cluster, 10, &timedout);
		test_proc_fini(&cluster);
		cluster_up = false;
	}
	test_rmtree(dir);
	free(dir);
}

TestSuite(kafka, .init = setup, .fini = teardown, .timeout = 240);

// Starts `gale dev-kafka` with the topics sentences:4 and counts:2 and
// reads its bootstrap servers.
static void
start_cluster(void)
{
	const char *args[] = { "dev-kafka", "--topic", "sentences:4",
		"--topic", "counts:2", NULL };
	test_proc_start(&cluster, args);
	cluster_up = true;
	cr_assert(test_proc_wait_for(&cluster, "\n", 20), "%s", cluster.err);
	cr_assert(
	    sscanf(cluster.out, "bootstrap.servers=%255s", bootstrap) == 1,
	    "first line: %s", cluster.out);
}

static rd_kafka_t *
client(rd_kafka_type_t type, const char *servers, const char *group)
{
	char             why[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	cr_assert_eq(rd_kafka_conf_set(
			 conf, "bootstrap.servers", servers, why, sizeof(why)),
	    RD_KAFKA_CONF_OK);
	rd_kafka_conf_set(conf, "log_level", "2", why, sizeof(why));
	if (group != NULL) {
		rd_kafka_conf_set(conf, "group.id", group, why, sizeof(why));
	}
	rd_kafka_t *rk = rd_kafka_new(type, conf, why, sizeof(why));
	cr_assert_not_null(rk, "%s", why);
	return rk;
}

// Produces each line of text as one message without a key (spread over
// the partitions).
static void
produce_lines(
    const char *servers, const char *topic, const char *text, size_t len)
{
	rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, servers, NULL);
	size_t      at = 0;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl != NULL ? (size_t) (nl - text - at) : len - at;
		rd_kafka_resp_err_t err;
		while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_VALUE((void *) (text + at), n),
			    RD_KAFKA_V_END))
		    == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			rd_kafka_poll(rk, 10);
		}
		cr_assert_eq(err, 0, "%s", rd_kafka_err2str(err));
		at += n + 1;
	}
	cr_assert_eq(rd_kafka_flush(rk, 30000), 0);
	rd_kafka_destroy(rk);
}

// The end offsets of the partitions of topic, and the offsets the group
// committed (-1: none); returns the number of partitions.
static int
offsets(
    const char *servers, const char *topic, int64_t *end, int64_t *committed)
{
	rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, servers, GROUP);
	const struct rd_kafka_metadata *md;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	cr_assert_eq(rd_kafka_metadata(rk, 0, rkt, &md, 10000), 0);
	int n = md->topics[0].partition_cnt;
	cr_assert(n > 0 && n <= MAXP);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_topic_partition_list_t *l
	    = rd_kafka_topic_partition_list_new(n);
	for (int p = 0; p < n; p++) {
		int64_t lo;
		cr_assert_eq(rd_kafka_query_watermark_offsets(
				 rk, topic, p, &lo, &end[p], 10000),
		    0);
		rd_kafka_topic_partition_list_add(l, topic, p);
	}
	if (committed != NULL) {
		cr_assert_eq(rd_kafka_committed(rk, l, 10000), 0);
		for (int p = 0; p < n; p++) {
			committed[p]
			    = l->elems[p].offset < 0 ? -1 : l->elems[p].offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	return n;
}

static void
check_committed_at_end(const char *servers)
{
	int64_t end[MAXP], committed[MAXP];
	int     n = offsets(servers, "sentences", end, committed);
	for (int p = 0; p < n; p++) {
		cr_assert_eq(committed[p], end[p],
		    "partition %d: committed %lld, end %lld", p,
		    (long long) committed[p], (long long) end[p]);
	}
}

// Reads the whole topic and checks that the last value of each key is the
// word's count in the counts file at path, and that every word is there.
static void
check_changelog(const char *servers, const char *topic, const char *path)
{
	int64_t     end[MAXP];
	int         n  = offsets(servers, topic, end, NULL);
	rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, servers, "checker");
	rd_kafka_topic_partition_list_t *l
	    = rd_kafka_topic_partition_list_new(n);
	int64_t total = 0;
	for (int p = 0; p < n; p++) {
		rd_kafka_topic_partition_list_add(l, topic, p)->offset
		    = RD_KAFKA_OFFSET_BEGINNING;
		total += end[p];
	}
	rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	// Last value per key, in a file of `key<TAB>value` lines sorted later.
	char *counts = test_read_file(path, NULL);
	cr_assert_not_null(counts);
	size_t nwords = 0;
	for (char *c = counts; *c; c++) {
		nwords += *c == '\n';
	}
	char  **keys = calloc(nwords + 1, sizeof(char *));
	char  **vals = calloc(nwords + 1, sizeof(char *));
	size_t  nk   = 0;
	int64_t seen = 0;
	while (seen < total) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 5000);
		cr_assert_not_null(m, "only %lld of %lld messages read",
		    (long long) seen, (long long) total);
		if (m->err) {
			rd_kafka_message_destroy(m);
			continue;
		}
		seen++;
		size_t k = 0;
		for (; k < nk; k++) {
			if (strlen(keys[k]) == m->key_len
			    && memcmp(keys[k], m->key, m->key_len) == 0) {
				break;
			}
		}
		cr_assert(k < nwords, "a key that is not a counted word");
		if (k == nk) {
			keys[nk++] = strndup(m->key, m->key_len);
		}
		free(vals[k]);
		vals[k] = strndup(m->payload, m->len);
		rd_kafka_message_destroy(m);
	}
	rd_kafka_destroy(rk);
	cr_assert_eq(nk, nwords, "%zu keys, %zu words", nk, nwords);
	for (char *line = strtok(counts, "\n"); line;
	     line       = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t');
		*tab      = '\0';
		size_t k  = 0;
		while (k < nk && strcmp(keys[k], line) != 0) {
			k++;
		}
		cr_assert(k < nk, "no message for '%s'", line);
		cr_assert_str_eq(vals[k], tab + 1, "last count of '%s'", line);
	}
	for (size_t k = 0; k < nk; k++) {
		free(keys[k]);
		free(vals[k]);
	}
	free(keys);
	free(vals);
	free(counts);
}

// A known text: lines of words w0 to w(nwords - 1), the same every run.
static char *
make_text(size_t lines, unsigned nwords, size_t *len)
{
	char    *text  = malloc(lines * 80 + 1);
	size_t   n     = 0;
	uint64_t state = 7;
	for (size_t i = 0; i < lines; i++) {
		for (int w = 0; w < 6; w++) {
			state = state * 6364136223846793005u
			    + 1442695040888963407u;
			n += (size_t) sprintf(text + n, "%sw%u", w ? " " : "",
			    (unsigned) ((state >> 33) % nwords));
		}
		text[n++] = '\n';
	}
	text[n] = '\0';
	*len    = n;
	return text;
}

static void
path_in_dir(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

// Runs the Kafka word count example, bounded, with extra arguments.
static void
run_example(const char *servers, const char *out, const char *json,
    const char *const *extra, test_run *r)
{
	char s_b1[300], s_b2[300], s_out[4200];
	snprintf(s_b1, sizeof(s_b1), "sentences.brokers=%s", servers);
	snprintf(s_b2, sizeof(s_b2), "out.brokers=%s", servers);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	const char *args[40] = { "local", KAFKA_YAML, "--set", s_b1, "--set",
		s_b2, "--set", s_out, "--set", "sentences.bounded=true",
		"--stats-json", json };
	size_t      na       = 12;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		args[na++] = extra[i];
	}
	args[na] = NULL;
	test_run_gale(r, 180, args);
}

Test(kafka, dev_kafka_prints_its_bootstrap_servers_first)
{
	start_cluster();
	cr_assert(
	    strncmp(cluster.out, "bootstrap.servers=127.0.0.1:", 28) == 0,
	    "%s", cluster.out);
	int64_t end[MAXP];
	cr_assert_eq(offsets(bootstrap, "sentences", end, NULL), 4);
	cr_assert_eq(offsets(bootstrap, "counts", end, NULL), 2);
	kill(cluster.pid, SIGTERM);
	bool timedout;
	cr_assert_eq(test_proc_wait(&cluster, 10, &timedout), 0);
	cr_assert(!timedout);
	test_proc_fini(&cluster);
	cluster_up = false;
}

Test(kafka, bounded_wordcount_counts_exactly_and_commits_the_end_offsets)
{
	start_cluster();
	size_t len;
	char  *text = make_text(3000, 300, &len);
	produce_lines(bootstrap, "sentences", text, len);
	char out[4096], json[4096];
	path_in_dir(out, sizeof(out), "counts.tsv");
	path_in_dir(json, sizeof(json), "stats.json");
	test_run r;
	const char *extra[] = { "--set", "sentences.commit_ms=50", NULL };
	run_example(bootstrap, out, json, extra, &r);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	pid_t pids[4];
	cr_assert_eq(test_worker_pids(r.out, pids, 4), 2, "%s", r.out);
	test_check_counts(text, len, out, false);
	check_committed_at_end(bootstrap);
	check_changelog(bootstrap, "counts", out);
	char *stats = test_read_file(json, NULL);
	cr_assert_eq(test_json_component(stats, "sentences", "acked"), 3000,
	    "%s", stats);
	cr_assert_eq(test_json_component(stats, "out", "failed"), 0);
	// The spout's lag per partition is in the stats (published at every
	// commit, every 50 ms here).
	for (int p = 0; p < 4; p++) {
		char want[128];
		snprintf(want, sizeof(want),
		    "{\"topic\":\"sentences\",\"partition\":%d,\"lag\":", p);
		cr_assert(strstr(stats, want) != NULL, "no %s in %s", want, stats);
	}
	free(stats);
	test_run_fini(&r);
	free(text);
}

// Spout -> split -> count, without the Kafka bolt, for the longer runs.
static void
write_counting_yaml(const char *path, const char *servers, const char *out,
    const char *count_options)
{
	char yaml[8192];
	snprintf(yaml, sizeof(yaml),
	    "name: " GROUP "\n"
	    "config:\n"
	    "  topology.workers: 2\n"
	    "  topology.max.spout.pending: 500\n"
	    "  topology.message.timeout.secs: 5\n"
	    "spouts:\n"
	    "  - id: sentences\n"
	    "    component: kafka_spout\n"
	    "    parallelism: 2\n"
	    "    options: {brokers: \"%s\", topic: sentences, bounded: true,\n"
	    "              commit_ms: 50}\n"
	    "bolts:\n"
	    "  - id: split\n"
	    "    component: split_words\n"
	    "    parallelism: 2\n"
	    "  - id: count\n"
	    "    component: word_count\n"
	    "    parallelism: 2\n"
	    "    options: {output: \"%s\"%s}\n"
	    "streams:\n"
	    "  - from: sentences\n"
	    "    to: split\n"
	    "    grouping: {type: SHUFFLE}\n"
	    "  - from: split\n"
	    "    to: count\n"
	    "    grouping: {type: FIELDS, args: [word]}\n",
	    servers, out, count_options);
	cr_assert(test_write_file(path, yaml, strlen(yaml)));
}

Test(kafka, killed_spout_worker_resumes_from_committed_offsets)
{
	start_cluster();
	size_t len;
	char  *text = make_text(150000, 2000, &len);
	produce_lines(bootstrap, "sentences", text, len);
	char yaml[4096], out[4096];
	path_in_dir(yaml, sizeof(yaml), "count.yaml");
	path_in_dir(out, sizeof(out), "counts.tsv");
	// Stores at most every 50 ms, so that the run lasts long enough for
	// the kill to land in its middle.
	write_counting_yaml(yaml, bootstrap, out, ", checkpoint_ms: 50");
	const char *args[] = { "local", yaml, NULL };
	test_proc   p;
	test_proc_start(&p, args);
	cr_assert(test_proc_wait_for(&p, "worker 1 pid", 20), "%s", p.err);
	pid_t pids[4];
	cr_assert_eq(test_worker_pids(p.out, pids, 4), 2);
	// Worker 0 runs spout task 1, which reads partitions 0 and 2 (task i
	// of n reads i, i + n, ...); kill it once it has committed one.
	int64_t end[MAXP], committed[MAXP];
	bool    moved = false;
	for (int i = 0; i < 200 && !moved; i++) {
		usleep(50 * 1000);
		int n = offsets(bootstrap, "sentences", end, committed);
		for (int k = 0; k < n; k += 2) {
			moved = moved
			    || (committed[k] > 0 && committed[k] < end[k]);
		}
	}
	cr_assert(moved, "no commit during the run:\n%s", p.err);
	cr_assert_eq(kill(pids[0], SIGKILL), 0);
	bool timedout;
	int  status = test_proc_wait(&p, 150, &timedout);
	cr_assert(!timedout, "%s", p.err);
	cr_assert_eq(status, 0, "%s", p.err);
	cr_assert(strstr(p.err, "restarting") != NULL, "%s", p.err);
	cr_assert(strstr(p.err, "(committed)") != NULL, "%s", p.err);
	test_check_counts(text, len, out, true);
	check_committed_at_end(bootstrap);
	test_proc_fini(&p);
	free(text);
}

Test(kafka, failing_tuples_replay_and_commits_never_run_ahead)
{
	start_cluster();
	size_t len;
	char  *text = make_text(20000, 500, &len);
	produce_lines(bootstrap, "sentences", text, len);
	char yaml[4096], out[4096];
	path_in_dir(yaml, sizeof(yaml), "count.yaml");
	path_in_dir(out, sizeof(out), "counts.tsv");
	write_counting_yaml(yaml, bootstrap, out, ", fail_rate: 0.05");
	const char *args[] = { "local", yaml, "--log-replays", NULL };
	test_proc   p;
	test_proc_start(&p, args);
	// The commits seen during the run only move forward, never past the
	// end; the spout's own rule (below the oldest message not acked) is
	// checked in tests/components/kafka_spout_test.c.
	int64_t end[MAXP], committed[MAXP], last[MAXP] = { -1, -1, -1, -1 };
	int     samples = 0, moves = 0;
	for (int i = 0; i < 600 && test_pid_alive(p.pid); i++) {
		test_proc_read(&p, 20);
		int n = offsets(bootstrap, "sentences", end, committed);
		for (int k = 0; k < n; k++) {
			cr_assert_geq(
			    committed[k], last[k], "commit went back");
			cr_assert_leq(committed[k], end[k]);
			moves += committed[k] != last[k];
			last[k] = committed[k];
		}
		samples++;
		if (strstr(p.err, "merged into") != NULL) {
			break;
		}
	}
	bool timedout;
	int  status = test_proc_wait(&p, 150, &timedout);
	cr_assert(!timedout, "%s", p.err);
	cr_assert_eq(status, 0, "%s", p.err);
	cr_assert(
	    strstr(p.err, "failed by count") != NULL, "no replay: %s", p.err);
	cr_assert_gt(
	    moves, 4, "%d commits seen in %d samples", moves, samples);
	test_check_counts(text, len, out, true);
	check_committed_at_end(bootstrap);
	test_proc_fini(&p);
	free(text);
}

Test(kafka, delivery_errors_fail_and_replay_and_the_changelog_is_right)
{
	// The mock cluster in this process, to inject errors into it.
	rd_kafka_t              *rk = client(RD_KAFKA_PRODUCER, "", NULL);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
	cr_assert_not_null(mc);
	const char *servers = rd_kafka_mock_cluster_bootstraps(mc);
	cr_assert_eq(rd_kafka_mock_topic_create(mc, "sentences", 4, 1), 0);
	cr_assert_eq(rd_kafka_mock_topic_create(mc, "counts", 2, 1), 0);
	size_t len;
	char  *text = make_text(400, 60, &len);
	produce_lines(servers, "sentences", text, len);
	// Refused produce requests: delivery reports with errors.
	rd_kafka_resp_err_t errs[30];
	for (int i = 0; i < 30; i++) {
		errs[i] = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
	}
	rd_kafka_mock_push_request_errors_array(mc, 0, 30, errs);
	char out[4096], json[4096];
	path_in_dir(out, sizeof(out), "counts.tsv");
	path_in_dir(json, sizeof(json), "stats.json");
	// Replays back off, up to half a second here: the librdkafka
	// producer fails every message to a topic it saw refused for a
	// while, and without a backoff each was replayed as fast as it
	// failed (millions of replays in seconds).
	const char *extra[] = { "--set", "topology.message.timeout.secs=10",
		"--set", "sentences.retry_max_delay_ms=500", "--log-replays",
		NULL };
	test_run    r;
	run_example(servers, out, json, extra, &r);
	cr_assert_eq(r.status, 0, "gale local failed (%d):\n%s\n%s", r.status,
	    r.out, r.err);
	char *stats = test_read_file(json, NULL);
	cr_assert_gt(
	    test_json_component(stats, "out", "failed"), 0, "%s", stats);
	cr_assert_gt(test_json_component(stats, "sentences", "replayed"), 0,
	    "%s", stats);
	cr_assert_lt(test_json_component(stats, "sentences", "replayed"),
	    200000, "replays did not back off:\n%s", stats);
	// librdkafka reports a refused topic in a delivery report or, once
	// it has seen the refusal, from the produce call itself: which one
	// comes first depends on timing. Either fails the tuple.
	cr_assert(strstr(r.err,
		      "TOPIC_AUTHORIZATION_FAILED: Broker: Topic "
		      "authorization failed; the tuple is failed, "
		      "to be replayed")
		!= NULL,
	    "%s", r.err);
	if (getenv("KAFKA_TEST_SHOW") != NULL) {
		fprintf(stderr, "%s\n", r.err);
	}
	free(stats);
	// Replays count some words again: the changelog follows the counts.
	test_check_counts(text, len, out, true);
	check_changelog(servers, "counts", out);
	test_run_fini(&r);
	free(text);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
}

// Runs the example with extra settings for a few seconds; returns the run.
static void
run_briefly(const char *servers, const char *const *extra, test_run *r)
{
	char s_b1[300], s_b2[300];
	snprintf(s_b1, sizeof(s_b1), "sentences.brokers=%s", servers);
	snprintf(s_b2, sizeof(s_b2), "out.brokers=%s", servers);
	const char *args[32] = { "local", KAFKA_YAML, "--set", s_b1, "--set",
		s_b2, "--duration", "3" };
	size_t      na       = 8;
	for (size_t i = 0; extra[i] != NULL; i++) {
		args[na++] = extra[i];
	}
	args[na] = NULL;
	test_run_gale(r, 60, args);
	cr_assert(!r->timedout, "%s", r->err);
}

Test(kafka, unreachable_brokers_are_named_and_retried)
{
	const char *extra[] = { NULL };
	test_run    r;
	run_briefly("127.0.0.1:1", extra, &r);
	cr_assert_eq(r.status, 0, "%d:\n%s", r.status, r.err);
	cr_assert(strstr(r.err, "kafka brokers 127.0.0.1:1, topic sentences")
		!= NULL,
	    "%s", r.err);
	cr_assert(strstr(r.err, "retrying") != NULL, "%s", r.err);
	test_run_fini(&r);
}

Test(kafka, unknown_topic_is_named_and_retried)
{
	// The mock cluster makes topics when asked for them, as brokers with
	// auto.create.topics.enable do: this one says the topic is not there.
	rd_kafka_t              *rk = client(RD_KAFKA_PRODUCER, "", NULL);
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
	cr_assert_not_null(mc);
	rd_kafka_mock_topic_set_error(
	    mc, "nosuch", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
	const char *extra[] = { "--set", "sentences.topic=nosuch", NULL };
	test_run    r;
	run_briefly(rd_kafka_mock_cluster_bootstraps(mc), extra, &r);
	cr_assert_eq(r.status, 0, "%d:\n%s", r.status, r.err);
	cr_assert(
	    strstr(r.err, "topic nosuch: no such topic") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "retrying in") != NULL, "%s", r.err);
	test_run_fini(&r);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
}

// Runs a topology of one spout and one bolt, either of which may be the
// Kafka component under test, and expects it to stop at start with the
// option named. Alone, so that no other component is left prepared when
// the worker gives up.
static void
expect_bad_option(const char *spout, const char *bolt, const char *option)
{
	char yaml[4096], text[2048];
	path_in_dir(yaml, sizeof(yaml), "bad.yaml");
	snprintf(text, sizeof(text),
	    "name: bad\n"
	    "config: {topology.workers: 1}\n"
	    "spouts:\n"
	    "  - id: sentences\n"
	    "    %s\n"
	    "bolts:\n"
	    "  - id: out\n"
	    "    %s\n"
	    "streams:\n"
	    "  - {from: sentences, to: out, grouping: {type: SHUFFLE}}\n",
	    spout, bolt);
	cr_assert(test_write_file(yaml, text, strlen(text)));
	const char *args[] = { "local", yaml, "--duration", "5", NULL };
	test_run    r;
	test_run_gale(&r, 60, args);
	cr_assert(!r.timedout, "%s", r.err);
	cr_assert_neq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err, option) != NULL, "%s", r.err);
	test_run_fini(&r);
}

Test(kafka, a_bolt_whose_brokers_are_down_fails_its_tuples_and_the_run_says_so)
{
	// Every delivery times out (kafka.message.timeout.ms): the held
	// tuples fail and replay until the run stops, which then reports
	// what was not processed and exits non-zero.
	char yaml[4096];
	path_in_dir(yaml, sizeof(yaml), "down.yaml");
	const char text[]
	    = "name: down\n"
	      "config: {topology.workers: 1, topology.message.timeout.secs: 3}\n"
	      "spouts:\n"
	      "  - {id: s, component: const_spout, options: {count: 20, "
	      "ack: true}}\n"
	      "bolts:\n"
	      "  - id: out\n"
	      "    component: kafka_bolt\n"
	      "    options: {brokers: \"127.0.0.1:1\", topic: t,\n"
	      "              kafka.message.timeout.ms: 1000}\n"
	      "streams:\n"
	      "  - {from: s, to: out, grouping: {type: SHUFFLE}}\n";
	cr_assert(test_write_file(yaml, text, strlen(text)));
	const char *args[] = { "local", yaml, "--duration", "3", NULL };
	test_run    r;
	test_run_gale(&r, 90, args);
	cr_assert(!r.timedout, "%s", r.err);
	cr_assert_neq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err,
		      "kafka brokers 127.0.0.1:1, topic t: delivery failed: "
		      "_MSG_TIMED_OUT")
		!= NULL,
	    "%s", r.err);
	cr_assert(strstr(r.err, "not fully processed") != NULL, "%s", r.err);
	test_run_fini(&r);
}

Test(kafka, bad_kafka_properties_stop_the_run_with_their_name)
{
	expect_bad_option("component: kafka_spout\n"
			  "    options: {brokers: \"127.0.0.1:1\", topic: t,\n"
			  "              kafka.no.such.thing: 1}",
	    "component: null_bolt", "option 'kafka.no.such.thing'");
	expect_bad_option("component: const_spout",
	    "component: kafka_bolt\n"
	    "    options: {brokers: \"127.0.0.1:1\", topic: t,\n"
	    "              kafka.acks: lots}",
	    "option 'kafka.acks'");
	expect_bad_option("component: kafka_spout\n"
			  "    options: {topic: t}",
	    "component: null_bolt", "option 'brokers' is required");
}

Test(kafka, given_up_messages_go_to_the_dead_letter_topic)
{
	start_cluster();
	size_t len;
	char  *text = make_text(200, 50, &len);
	produce_lines(bootstrap, "sentences", text, len);
	char yaml[4096], out[4096];
	path_in_dir(yaml, sizeof(yaml), "count.yaml");
	path_in_dir(out, sizeof(out), "counts.tsv");
	// Every word fails: each line is emitted three times, then given up.
	write_counting_yaml(yaml, bootstrap, out, ", fail_rate: 1");
	const char *args[]
	    = { "local", yaml, "--set", "sentences.max_retries=2", "--set",
		      "sentences.dead_letter_topic=dead", NULL };
	test_run r;
	test_run_gale(&r, 120, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.err,
		      "failed 3 times; given up, to the dead-letter "
		      "topic dead")
		!= NULL,
	    "%s", r.err);
	check_committed_at_end(bootstrap);
	int64_t end[MAXP];
	int     n     = offsets(bootstrap, "dead", end, NULL);
	int64_t total = 0;
	for (int p = 0; p < n; p++) {
		total += end[p];
	}
	cr_assert_eq(total, 200, "%lld dead letters", (long long) total);
	test_run_fini(&r);
	free(text);
}

Test(kafka, validate_rejects_kafka_properties_librdkafka_does_not_know)
{
	char yaml[4096];
	path_in_dir(yaml, sizeof(yaml), "props.yaml");
	const char *text
	    = "name: props\n"
	      "spouts:\n"
	      "  - id: sentences\n"
	      "    component: kafka_spout\n"
	      "    options:\n"
	      "      brokers: \"127.0.0.1:1\"\n"
	      "      topic: t\n"
	      "      kafka.no.such.thing: 1\n"
	      "      kafka.fetch.wait.max.ms: 10\n"
	      "bolts:\n"
	      "  - id: out\n"
	      "    component: kafka_bolt\n"
	      "    options: {brokers: \"127.0.0.1:1\", topic: t,\n"
	      "              kafka.acks: lots}\n"
	      "streams:\n"
	      "  - {from: sentences, to: out, grouping: {type: "
	      "SHUFFLE}}\n";
	cr_assert(test_write_file(yaml, text, strlen(text)));
	const char *args[] = { "validate", yaml, NULL };
	test_run    r;
	test_run_gale(&r, 30, args);
	cr_assert_eq(r.status, 1, "%d:\n%s", r.status, r.err);
	char want[4200];
	snprintf(want, sizeof(want),
	    "%s:8:28: spout 'sentences': option 'kafka.no.such.thing': No "
	    "such configuration property",
	    yaml);
	cr_assert(strstr(r.err, want) != NULL, "%s", r.err);
	snprintf(want, sizeof(want),
	    "%s:14:27: bolt 'out': option 'kafka.acks': Invalid value", yaml);
	cr_assert(strstr(r.err, want) != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "fetch.wait") == NULL, "%s", r.err);
	test_run_fini(&r);

	// The same check on --set, and a good property passes.
	const char *set[] = { "validate", KAFKA_YAML, "--set",
		"sentences.kafka.fetch.wait.max.ms=soon", "--set",
		"out.kafka.linger.ms=5", NULL };
	test_run_gale(&r, 30, set);
	cr_assert_eq(r.status, 1, "%d:\n%s", r.status, r.err);
	cr_assert(strstr(r.err,
		      "--set 'sentences.kafka.fetch.wait.max.ms=soon': spout "
		      "'sentences': option 'kafka.fetch.wait.max.ms': Invalid "
		      "value")
		!= NULL,
	    "%s", r.err);
	cr_assert(strstr(r.err, "linger") == NULL, "%s", r.err);
	test_run_fini(&r);
	const char *good[] = { "validate", KAFKA_YAML, "--set",
		"sentences.kafka.fetch.wait.max.ms=10", NULL };
	test_run_gale(&r, 30, good);
	cr_assert_eq(r.status, 0, "%d:\n%s\n%s", r.status, r.out, r.err);
	test_run_fini(&r);
}

// Runs the counting topology on the topics sentences and counts, the list
// given as topic_arg, and checks the counts of both texts together and the
// lag of every partition of both topics.
static void
count_two_topics(const char *topic_arg)
{
	size_t la, lb;
	char  *a = make_text(600, 80, &la);
	char  *b = make_text(400, 80, &lb);
	produce_lines(bootstrap, "sentences", a, la);
	produce_lines(bootstrap, "counts", b, lb);
	char *both = malloc(la + lb + 1);
	cr_assert_not_null(both);
	memcpy(both, a, la);
	memcpy(both + la, b, lb + 1);
	char yaml[4096], out[4096], json[4096];
	path_in_dir(yaml, sizeof(yaml), "count.yaml");
	path_in_dir(out, sizeof(out), "counts.tsv");
	path_in_dir(json, sizeof(json), "stats.json");
	write_counting_yaml(yaml, bootstrap, out, "");
	if (topic_arg == NULL) {
		// The list in the file: it reaches the spout as JSON text.
		char *text = test_read_file(yaml, NULL);
		char *at   = strstr(text, "topic: sentences,");
		cr_assert_not_null(at);
		char   fixed[8192];
		size_t head = (size_t) (at - text);
		snprintf(fixed, sizeof(fixed),
		    "%.*stopic: [sentences, counts],%s", (int) head, text,
		    at + strlen("topic: sentences,"));
		cr_assert(test_write_file(yaml, fixed, strlen(fixed)));
		free(text);
		topic_arg = "sentences.group=" GROUP;
	}
	const char *args[] = { "local", yaml, "--set", topic_arg,
		"--stats-json", json, NULL };
	test_run    r;
	test_run_gale(&r, 120, args);
	cr_assert_eq(r.status, 0, "%d:\n%s", r.status, r.err);
	test_check_counts(both, la + lb, out, false);
	char *stats = test_read_file(json, NULL);
	cr_assert_eq(test_json_component(stats, "sentences", "acked"), 1000,
	    "%s", stats);
	cr_assert(
	    strstr(stats, "{\"topic\":\"counts\",\"partition\":1,") != NULL,
	    "%s", stats);
	cr_assert(
	    strstr(stats, "{\"topic\":\"sentences\",\"partition\":3,") != NULL,
	    "%s", stats);
	free(stats);
	check_committed_at_end(bootstrap);
	test_run_fini(&r);
	free(both);
	free(a);
	free(b);
}

Test(kafka, one_spout_reads_a_list_of_topics)
{
	start_cluster();
	count_two_topics("sentences.topic=[sentences, counts]");
}

Test(kafka, a_list_of_topics_in_the_file_reaches_the_spout_as_json)
{
	start_cluster();
	count_two_topics(NULL);
}

Test(kafka, topics_may_be_given_separated_by_commas)
{
	start_cluster();
	count_two_topics("sentences.topic=sentences,counts");
}
