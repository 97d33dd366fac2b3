// SPDX-License-Identifier: MIT
// trace_cmd.c - `gale trace NAME`: turns trace sampling on for a running
// cluster topology for a while and prints the sampled trees as they come.

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/num.h"
#include "runtime/trace.h"
#include "workers/cli.h"
#include "workers/client.h"
#include "workers/commands.h"

// Each request gives up after this, as the other client commands do.
#define TRACE_TIMEOUT_MS 4500
// How often nimbus is asked for the trees it kept.
#define TRACE_POLL_MS 500
// The roots already printed, the newest (nimbus keeps fewer).
#define TRACE_SEEN 256

static volatile sig_atomic_t trace_stop;

static void
trace_on_signal(int sig)
{
	(void) sig;
	trace_stop = 1;
}

typedef struct trace_cmd {
	const char  *name;
	const char  *endpoint;
	gale_client *client;
	uint64_t     seen[TRACE_SEEN];
	size_t       nseen;
	size_t       printed;
} trace_cmd;

// Sends req and waits for nimbus's reply; prints why on failure.
static bool
trace_call(trace_cmd *t, const gale_request *req, gale_reply *r)
{
	gale_err rv = gale_client_call(t->client, req, r, TRACE_TIMEOUT_MS);
	if (rv == GALE_ETIMEDOUT) {
		fprintf(stderr,
		    "gale trace: nimbus at %s did not answer within 5 s\n",
		    t->endpoint);
		return false;
	}
	if (rv != GALE_OK) {
		fprintf(
		    stderr, "gale trace: %s\n", gale_client_error(t->client));
		return false;
	}
	if (!r->ok) {
		fprintf(stderr, "gale trace: %s\n",
		    r->error != NULL && r->error[0]
			? r->error
			: "refused, without a reason");
		gale_reply_fini(r);
		return false;
	}
	return true;
}

static bool
trace_seen(trace_cmd *t, uint64_t root)
{
	size_t have = t->nseen < TRACE_SEEN ? t->nseen : TRACE_SEEN;
	for (size_t i = 0; i < have; i++) {
		if (t->seen[i] == root) {
			return true;
		}
	}
	t->seen[t->nseen++ % TRACE_SEEN] = root;
	return false;
}

// Asks for the topology's kept trees and prints those not printed yet
// (all of them unless quiet, which only notes them as seen).
static bool
trace_poll(trace_cmd *t, bool quiet)
{
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = (gale_command) { .kind = GALE_CMD_STATS,
		   .name                          = (char *) t->name };
	gale_reply r;
	if (!trace_call(t, &req, &r)) {
		return false;
	}
	for (size_t i = 0; r.stats != NULL && i < r.stats->ntraces; i++) {
		const gale_trace_record *tr = &r.stats->traces[i];
		if (trace_seen(t, tr->root) || quiet) {
			continue;
		}
		char *text = gale__trace_format(tr);
		if (text != NULL) {
			fputs(text, stdout);
			free(text);
		}
		t->printed++;
	}
	fflush(stdout);
	gale_reply_fini(&r);
	return true;
}

static void
trace_sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t) (ms / 1000),
		.tv_nsec               = (long) (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

enum { TRACE_OPT_NIMBUS = 256, TRACE_OPT_SAMPLE, TRACE_OPT_FOR };

int
gale_cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nimbus", required_argument, NULL, TRACE_OPT_NIMBUS },
		{ "sample", required_argument, NULL, TRACE_OPT_SAMPLE },
		{ "for", required_argument, NULL, TRACE_OPT_FOR },
		{ NULL, 0, NULL, 0 },
	};
	trace_cmd t    = { 0 };
	double    rate = 0.01, secs = 30;
	char      why[160];
	opterr = 0;
	optind = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case TRACE_OPT_NIMBUS:
			t.endpoint = optarg;
			break;
		case TRACE_OPT_SAMPLE:
			if (gale__parse_f64(optarg, &rate, why, sizeof(why))
			    != GALE_OK) {
				return gale__cli_usage(
				    "trace", "--sample: %s", why);
			}
			if (!(rate > 0 && rate <= 1)) {
				return gale__cli_usage("trace",
				    "--sample: '%s' is not in (0, 1]", optarg);
			}
			break;
		case TRACE_OPT_FOR:
			if (!gale__cli_seconds(
				"trace", "--for", optarg, 1, &secs)) {
				return GALE_EXIT_USAGE;
			}
			if (secs > 86400) {
				return gale__cli_usage("trace",
				    "--for: '%s' is more than a day", optarg);
			}
			break;
		default:
			return gale__cli_bad_flag("trace", c, argv);
		}
	}
	if (optind >= argc) {
		return gale__cli_usage("trace", "which topology?");
	}
	if (optind + 1 < argc) {
		return gale__cli_usage(
		    "trace", "unexpected argument '%s'", argv[optind + 1]);
	}
	t.name     = argv[optind];
	t.endpoint = gale_client_endpoint(t.endpoint);
	if (gale_client_new(&t.client, t.endpoint) != GALE_OK) {
		fprintf(stderr, "gale trace: bad nimbus endpoint '%s'\n",
		    t.endpoint);
		return GALE_EXIT_FAIL;
	}
	int      rc      = GALE_EXIT_FAIL;
	uint32_t forsecs = (uint32_t) ceil(secs);
	// The trees nimbus kept before are not this trace's.
	if (!trace_poll(&t, true)) {
		goto out;
	}
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = (gale_command) { .kind = GALE_CMD_TRACE,
		   .name                          = (char *) t.name,
		   .sample_rate                   = rate,
		   .for_secs                      = forsecs };
	gale_reply r;
	if (!trace_call(&t, &req, &r)) {
		goto out;
	}
	gale_reply_fini(&r);
	fprintf(stderr, "gale trace: sampling %g of %s's trees for %u s\n",
	    rate, t.name, forsecs);
	struct sigaction sa = { .sa_handler = trace_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	uint64_t end = gale_now_ns() / 1000000u + (uint64_t) (secs * 1000);
	for (;;) {
		uint64_t now = gale_now_ns() / 1000000u;
		if (trace_stop || now >= end) {
			break;
		}
		uint64_t left = end - now;
		trace_sleep_ms(left < TRACE_POLL_MS ? left : TRACE_POLL_MS);
		if (!trace_poll(&t, false)) {
			goto out;
		}
	}
	fprintf(stderr, "gale trace: %zu trees of %s\n", t.printed, t.name);
	rc = GALE_EXIT_OK;
out:
	gale_client_destroy(&t.client);
	return rc;
}
