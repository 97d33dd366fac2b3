// SPDX-License-Identifier: MIT
// stats_test - folding heartbeats into per-component totals, and the views.

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/stats.h"
#include "workers/ui.h"
#include "workers/ui_api.h"

// ---------------------------------------------------------------------
// A strict JSON checker (RFC 8259 grammar), enough to tell whether the
// output parses.
// ---------------------------------------------------------------------

static const char *json_value(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
		p++;
	}
	return p;
}

static int
json_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static const char *
json_check_string(const char *p)
{
	if (*p != '"') {
		return NULL;
	}
	p++;
	while (*p != '"') {
		unsigned char c = (unsigned char) *p;
		if (c == '\0' || c < 0x20) {
			return NULL;
		}
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++) {
					if (!json_hex(p[i])) {
						return NULL;
					}
				}
				p += 5;
				continue;
			}
			if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *
json_digits(const char *p)
{
	if (*p < '0' || *p > '9') {
		return NULL;
	}
	while (*p >= '0' && *p <= '9') {
		p++;
	}
	return p;
}

static const char *
json_number(const char *p)
{
	if (*p == '-') {
		p++;
	}
	if (*p == '0') {
		p++;
	} else if ((p = json_digits(p)) == NULL) {
		return NULL;
	}
	if (*p == '.' && (p = json_digits(p + 1)) == NULL) {
		return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-') {
			p++;
		}
		p = json_digits(p);
	}
	return p;
}

static const char *
json_container(const char *p, int depth, char close, bool keyed)
{
	p = json_ws(p + 1);
	if (*p == close) {
		return p + 1;
	}
	for (;;) {
		if (keyed) {
			if ((p = json_check_string(p)) == NULL) {
				return NULL;
			}
			p = json_ws(p);
			if (*p != ':') {
				return NULL;
			}
			p = json_ws(p + 1);
		}
		if ((p = json_value(p, depth + 1)) == NULL) {
			return NULL;
		}
		p = json_ws(p);
		if (*p == close) {
			return p + 1;
		}
		if (*p != ',') {
			return NULL;
		}
		p = json_ws(p + 1);
	}
}

static const char *
json_value(const char *p, int depth)
{
	if (depth > 64) {
		return NULL;
	}
	switch (*p) {
	case '{':
		return json_container(p, depth, '}', true);
	case '[':
		return json_container(p, depth, ']', false);
	case '"':
		return json_check_string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default:
		return json_number(p);
	}
}

static bool
json_valid(const char *s)
{
	const char *p = json_value(json_ws(s), 0);
	return p != NULL && *json_ws(p) == '\0';
}

// The object of component id in the JSON's "components" array, copied.
static char *
json_component(const char *json, const char *id)
{
	char key[160];
	snprintf(key, sizeof(key), "{\"id\":\"%s\"", id);
	const char *comps = strstr(json, "\"components\":[{\"id\"");
	cr_assert_not_null(comps, "no components array in %s", json);
	const char *start = strstr(comps, key);
	cr_assert_not_null(start, "no component %s in %s", id, json);
	const char *end = json_container(start, 0, '}', true);
	cr_assert_not_null(end, "component %s does not parse", id);
	size_t n   = (size_t) (end - start);
	char  *out = malloc(n + 1);
	cr_assert_not_null(out);
	memcpy(out, start, n);
	out[n] = '\0';
	return out;
}

Test(stats_json_checker, rejects_what_is_not_json)
{
	cr_assert(json_valid("{\"a\":[1,2.5,-3e2,true,null,\"x\\u00e9\"]}"));
	cr_assert_not(json_valid("{\"a\":1,}"));
	cr_assert_not(json_valid("[1,2"));
	cr_assert_not(json_valid("{\"a\" 1}"));
	cr_assert_not(json_valid("{\"a\":01}"));
	cr_assert_not(json_valid("{\"a\":1.}"));
	cr_assert_not(json_valid("\"a\nb\""));
	cr_assert_not(json_valid("{\"a\":nan}"));
	cr_assert_not(json_valid("{} {}"));
}

// ---------------------------------------------------------------------
// Heartbeats
// ---------------------------------------------------------------------

static gale_task_snapshot *
snap(gale_task_snapshot *ts, uint32_t task, const char *component)
{
	memset(ts, 0, sizeof(*ts));
	ts->task = task;
	snprintf(ts->component, sizeof(ts->component), "%s", component);
	return ts;
}

static gale_heartbeat
beat(const char *topology, uint32_t worker, uint32_t pid,
    gale_task_snapshot *tasks, size_t ntasks)
{
	gale_heartbeat hb = { 0 };
	hb.topology       = (char *) topology;
	hb.worker_index   = worker;
	hb.pid            = pid;
	hb.port           = 6700 + worker;
	hb.uptime_ms      = 1000;
	hb.tasks          = tasks;
	hb.ntasks         = ntasks;
	return hb;
}

// A topology "wc": spout "words" (tasks 1, 2), bolt "count" (tasks 3, 4).
static gale_stats *
wc_new(void)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "wc"), GALE_OK);
	cr_assert_not_null(s);
	cr_assert_eq(gale_stats_add_component(s, "words", true, 2), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "count", false, 2), GALE_OK);
	return s;
}

static gale_component_stats *
components(const gale_stats *s, size_t *n)
{
	*n                      = gale_stats_components(s, NULL, 0);
	gale_component_stats *c = calloc(*n ? *n : 1, sizeof(*c));
	cr_assert_not_null(c);
	cr_assert_eq(gale_stats_components(s, c, *n), *n);
	return c;
}

Test(stats, new_and_destroy_accept_null)
{
	gale_stats *s = NULL;
	gale_stats_destroy(NULL);
	gale_stats_destroy(&s);
	cr_assert_eq(gale_stats_new(NULL, "x"), GALE_EINVAL);
	cr_assert_eq(gale_stats_new(&s, NULL), GALE_EINVAL);
	cr_assert_null(s);
	cr_assert_eq(gale_stats_new(&s, "x"), GALE_OK);
	gale_stats_destroy(&s);
	cr_assert_null(s);
}

Test(stats, add_component_rejects_bad_ids)
{
	gale_stats *s = wc_new();
	cr_assert_eq(gale_stats_add_component(s, "words", false, 1),
	    GALE_EEXIST);
	cr_assert(strstr(gale_stats_last_error(s), "words") != NULL);
	cr_assert_eq(gale_stats_add_component(s, "", false, 1), GALE_EINVAL);
	cr_assert_eq(gale_stats_add_component(s, NULL, false, 1), GALE_EINVAL);
	char long_id[GALE_STATS_ID_MAX + 1];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	cr_assert_eq(gale_stats_add_component(s, long_id, false, 1),
	    GALE_EINVAL);
	long_id[GALE_STATS_ID_MAX - 1] = '\0';
	cr_assert_eq(gale_stats_add_component(s, long_id, false, 1), GALE_OK);
	size_t n = gale_stats_components(s, NULL, 0);
	cr_assert_eq(n, 3);
	gale_stats_destroy(&s);
}

Test(stats, components_come_in_declaration_order_before_any_heartbeat)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "t"), GALE_OK);
	const char *ids[] = { "zeta", "alpha", "mid" };
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(gale_stats_add_component(s, ids[i], i == 1,
		                 (uint32_t) i + 1),
		    GALE_OK);
	}
	size_t                n;
	gale_component_stats *c = components(s, &n);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_str_eq(c[i].id, ids[i]);
		cr_assert_eq(c[i].is_spout, i == 1);
		cr_assert_eq(c[i].tasks, i + 1);
		cr_assert_eq(c[i].reporting, 0);
		cr_assert_eq(c[i].c[GALE_M_EMITTED], 0);
	}
	// A smaller cap fills fewer but still counts all.
	memset(c, 0, sizeof(*c));
	cr_assert_eq(gale_stats_components(s, c, 1), 3);
	cr_assert_str_eq(c[0].id, "zeta");
	free(c);
	gale_stats_destroy(&s);
}

Test(stats, two_workers_sum_per_component)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot w0[2];
	gale_task_snapshot w1[2];
	snap(&w0[0], 1, "words");
	snap(&w0[1], 3, "count");
	snap(&w1[0], 2, "words");
	snap(&w1[1], 4, "count");
	gale_task_snapshot *all[] = { &w0[0], &w0[1], &w1[0], &w1[1] };
	for (size_t i = 0; i < 4; i++) {
		for (int k = 0; k < GALE_M_COUNT; k++) {
			all[i]->c[k] = (uint64_t) (i + 1) * 1000 + (uint64_t) k;
		}
		for (uint64_t v = 0; v <= i; v++) {
			gale_hist_record(&all[i]->complete, 100 * (v + 1));
			gale_hist_record(&all[i]->execute, 10 * (v + 1));
		}
	}
	gale_heartbeat h0 = beat("wc", 0, 100, w0, 2);
	gale_heartbeat h1 = beat("wc", 1, 200, w1, 2);
	cr_assert_eq(gale_stats_update(s, &h0, "127.0.0.1", 1000), GALE_OK);
	cr_assert_eq(gale_stats_update(s, &h1, "127.0.0.1", 1000), GALE_OK);

	size_t                n;
	gale_component_stats *c = components(s, &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].id, "words");
	cr_assert_str_eq(c[1].id, "count");
	for (int k = 0; k < GALE_M_COUNT; k++) {
		cr_assert_eq(c[0].c[k], w0[0].c[k] + w1[0].c[k], "words %s",
		    gale_metric_name((gale_metric) k));
		cr_assert_eq(c[1].c[k], w0[1].c[k] + w1[1].c[k], "count %s",
		    gale_metric_name((gale_metric) k));
	}
	cr_assert_eq(c[0].complete.count,
	    w0[0].complete.count + w1[0].complete.count);
	cr_assert_eq(c[1].execute.count,
	    w0[1].execute.count + w1[1].execute.count);
	cr_assert_eq(c[1].execute.sum_us,
	    w0[1].execute.sum_us + w1[1].execute.sum_us);
	cr_assert_eq(c[0].reporting, 2);
	cr_assert_eq(c[1].reporting, 2);
	free(c);

	// A later heartbeat replaces the worker's earlier one; it does not
	// add to it.
	w0[0].c[GALE_M_EMITTED] += 10;
	cr_assert_eq(gale_stats_update(s, &h0, "127.0.0.1", 2000), GALE_OK);
	c = components(s, &n);
	cr_assert_eq(c[0].c[GALE_M_EMITTED],
	    w0[0].c[GALE_M_EMITTED] + w1[0].c[GALE_M_EMITTED]);
	cr_assert_eq(c[0].complete.count,
	    w0[0].complete.count + w1[0].complete.count);
	free(c);
	gale_stats_destroy(&s);
}

Test(stats, restart_keeps_totals_monotonic)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[1];
	snap(&t[0], 1, "words");
	t[0].c[GALE_M_EMITTED]      = 500;
	t[0].c[GALE_M_ACKED]        = 450;
	t[0].c[GALE_M_PENDING]      = 50;
	t[0].c[GALE_M_PENDING_PEAK] = 60;
	gale_hist_record(&t[0].complete, 700);
	gale_hist_record(&t[0].complete, 900);
	gale_heartbeat hb = beat("wc", 0, 100, t, 1);
	cr_assert_eq(gale_stats_update(s, &hb, "h", 1000), GALE_OK);

	// The worker restarts: a new pid, counters from zero.
	memset(t[0].c, 0, sizeof(t[0].c));
	memset(&t[0].complete, 0, sizeof(t[0].complete));
	t[0].c[GALE_M_EMITTED]      = 30;
	t[0].c[GALE_M_ACKED]        = 20;
	t[0].c[GALE_M_PENDING]      = 10;
	t[0].c[GALE_M_PENDING_PEAK] = 10;
	gale_hist_record(&t[0].complete, 5);
	hb.pid = 101;
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_OK);

	gale_component_stats c[2];
	cr_assert_eq(gale_stats_components(s, c, 2), 2);
	cr_assert_eq(c[0].c[GALE_M_EMITTED], 530);
	cr_assert_eq(c[0].c[GALE_M_ACKED], 470);
	cr_assert_eq(c[0].c[GALE_M_PENDING], 10, "a gauge takes the latest");
	cr_assert_eq(c[0].c[GALE_M_PENDING_PEAK], 60, "the peak is kept");
	cr_assert_eq(c[0].complete.count, 3);
	cr_assert_eq(c[0].complete.max_us, 900);

	// The new process goes on counting from its own start.
	t[0].c[GALE_M_EMITTED] = 80;
	cr_assert_eq(gale_stats_update(s, &hb, "h", 3000), GALE_OK);
	cr_assert_eq(gale_stats_components(s, c, 2), 2);
	cr_assert_eq(c[0].c[GALE_M_EMITTED], 580);
	cr_assert_eq(c[0].complete.count, 3);

	// Counters going back without a new pid are a restart too.
	t[0].c[GALE_M_EMITTED] = 4;
	t[0].c[GALE_M_ACKED]   = 0;
	cr_assert_eq(gale_stats_update(s, &hb, "h", 4000), GALE_OK);
	cr_assert_eq(gale_stats_components(s, c, 2), 2);
	cr_assert_eq(c[0].c[GALE_M_EMITTED], 584);
	cr_assert_eq(c[0].c[GALE_M_ACKED], 470);
	gale_stats_destroy(&s);
}

Test(stats, task_moving_to_another_worker_keeps_its_totals)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[1];
	snap(&t[0], 3, "count");
	t[0].c[GALE_M_EXECUTED] = 40;
	gale_heartbeat a        = beat("wc", 0, 100, t, 1);
	cr_assert_eq(gale_stats_update(s, &a, "h", 1000), GALE_OK);
	t[0].c[GALE_M_EXECUTED] = 7;
	gale_heartbeat b        = beat("wc", 1, 200, t, 1);
	cr_assert_eq(gale_stats_update(s, &b, "h", 2000), GALE_OK);
	gale_component_stats c[2];
	gale_stats_components(s, c, 2);
	cr_assert_eq(c[1].c[GALE_M_EXECUTED], 47);
	gale_stats_destroy(&s);
}

Test(stats, bad_heartbeats_are_refused_whole_with_a_reason)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[2];
	snap(&t[0], 1, "words");
	snap(&t[1], 3, "count");
	t[0].c[GALE_M_EMITTED] = 5;
	t[1].c[GALE_M_EXECUTED] = 5;
	gale_heartbeat hb       = beat("wc", 7, 100, t, 2);
	cr_assert_eq(gale_stats_update(s, &hb, "h", 1000), GALE_OK);
	cr_assert_str_eq(gale_stats_last_error(s), "");

	// Each bad heartbeat below also raises task 1's count, which must not
	// be taken.
	t[0].c[GALE_M_EMITTED] = 99;

	snap(&t[1], 9, "nosuch");
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_ENOENT);
	cr_assert(strstr(gale_stats_last_error(s), "nosuch") != NULL);
	cr_assert(strstr(gale_stats_last_error(s), "worker 7") != NULL);

	snap(&t[1], 1, "words");
	t[1].c[GALE_M_EMITTED] = 1;
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_EINVAL);
	cr_assert(strstr(gale_stats_last_error(s), "task 1") != NULL);

	snap(&t[1], 3, "words");
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_EINVAL);
	cr_assert(strstr(gale_stats_last_error(s), "task 3") != NULL);

	snap(&t[1], 3, "count");
	memset(t[1].component, 'c', sizeof(t[1].component));
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_EINVAL);

	snap(&t[1], 3, "count");
	hb.topology = "other";
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_EINVAL);
	cr_assert(strstr(gale_stats_last_error(s), "other") != NULL);

	hb.topology = "wc";
	hb.tasks    = NULL;
	cr_assert_eq(gale_stats_update(s, &hb, "h", 2000), GALE_EINVAL);

	gale_component_stats c[2];
	gale_stats_components(s, c, 2);
	cr_assert_eq(c[0].c[GALE_M_EMITTED], 5);
	cr_assert_eq(c[1].c[GALE_M_EXECUTED], 5);
	cr_assert_eq(c[0].reporting, 1);
	cr_assert_eq(c[1].reporting, 1);

	// A good heartbeat clears the error.
	hb.tasks = t;
	cr_assert_eq(gale_stats_update(s, &hb, "h", 3000), GALE_OK);
	cr_assert_str_eq(gale_stats_last_error(s), "");
	gale_stats_components(s, c, 2);
	cr_assert_eq(c[0].c[GALE_M_EMITTED], 99);
	gale_stats_destroy(&s);
}

Test(stats, finished_and_exhausted_tasks_are_counted)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[3];
	snap(&t[0], 1, "words")->exhausted = true;
	snap(&t[1], 2, "words");
	snap(&t[2], 3, "count")->finished = true;
	gale_heartbeat hb                 = beat("wc", 0, 1, t, 3);
	cr_assert_eq(gale_stats_update(s, &hb, NULL, 10), GALE_OK);
	gale_component_stats c[2];
	gale_stats_components(s, c, 2);
	cr_assert_eq(c[0].exhausted, 1);
	cr_assert_eq(c[0].finished, 0);
	cr_assert_eq(c[0].reporting, 2);
	cr_assert_eq(c[1].finished, 1);
	cr_assert_eq(c[1].reporting, 1);
	gale_stats_destroy(&s);
}

// ---------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------

Test(stats, json_parses_and_has_the_documented_fields)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[2];
	snap(&t[0], 1, "words");
	snap(&t[1], 3, "count");
	t[0].c[GALE_M_EMITTED]     = 1234;
	t[0].c[GALE_M_TRANSFERRED] = 1000;
	t[0].c[GALE_M_ACKED]       = 1200;
	t[0].c[GALE_M_FAILED]      = 4;
	t[0].c[GALE_M_REPLAYED]    = 3;
	t[0].c[GALE_M_PENDING]     = 30;
	t[0].c[GALE_M_PENDING_PEAK] = 32;
	t[0].c[GALE_M_TIMEDOUT]    = 2;
	t[1].c[GALE_M_EXECUTED]    = 999;
	t[1].c[GALE_M_ACKED]       = 998;
	t[1].c[GALE_M_DROPPED]     = 1;
	// One value each: every quantile is that value exactly.
	gale_hist_record(&t[0].complete, 1500);
	gale_hist_record(&t[1].execute, 42);
	gale_heartbeat hb = beat("wc", 0, 4321, t, 2);
	hb.port           = 6701;
	cr_assert_eq(gale_stats_update(s, &hb, "127.0.0.1", 5000), GALE_OK);
	gale_stats_set_status(s, "ACTIVE", 17);

	char *json = gale_stats_json(s, 5000);
	cr_assert_not_null(json);
	cr_assert(json_valid(json), "not JSON: %s", json);
	const char *head = "{\"topology\":\"wc\",\"status\":\"ACTIVE\","
	                   "\"uptime_secs\":17,\"workers\":[{\"index\":0,";
	cr_assert(strncmp(json, head, strlen(head)) == 0, "%s", json);
	cr_assert(strstr(json, "\"host\":\"127.0.0.1\",\"port\":6701,"
	                       "\"pid\":4321")
	        != NULL,
	    "%s", json);
	cr_assert(strstr(json, "\"tasks\":[1,3],\"components\":[\"words\","
	                       "\"count\"]")
	        != NULL,
	    "%s", json);

	char *sp = json_component(json, "words");
	cr_assert(strstr(sp, "\"type\":\"spout\",\"tasks\":2,") != NULL, "%s",
	    sp);
	cr_assert(strstr(sp, "\"emitted\":1234,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"transferred\":1000,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"acked\":1200,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"failed\":4,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"replayed\":3,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"pending\":30,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"pending_peak\":32,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"timedout\":2,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"dropped\":0,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"complete_latency_ms\":{\"p50\":1.5,"
	                     "\"p99\":1.5,\"p999\":1.5,\"max\":1.5}")
	        != NULL,
	    "%s", sp);
	cr_assert(strstr(sp, "\"capacity\":0.0,") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"rates\":{\"emitted\":") != NULL, "%s", sp);
	cr_assert(strstr(sp, "\"executed\"") == NULL, "%s", sp);
	cr_assert(strstr(sp, "execute_latency_ms") == NULL, "%s", sp);

	char *bo = json_component(json, "count");
	cr_assert(strstr(bo, "\"type\":\"bolt\",\"tasks\":2,") != NULL, "%s",
	    bo);
	cr_assert(strstr(bo, "\"executed\":999,") != NULL, "%s", bo);
	cr_assert(strstr(bo, "\"acked\":998,") != NULL, "%s", bo);
	cr_assert(strstr(bo, "\"dropped\":1,") != NULL, "%s", bo);
	cr_assert(strstr(bo, "\"execute_latency_ms\":{\"p50\":0.042,"
	                     "\"p99\":0.042,\"p999\":0.042,\"max\":0.042}")
	        != NULL,
	    "%s", bo);
	cr_assert(strstr(bo, "\"replayed\"") == NULL, "%s", bo);
	cr_assert(strstr(bo, "\"pending\"") == NULL, "%s", bo);
	cr_assert(strstr(bo, "complete_latency_ms") == NULL, "%s", bo);
	cr_assert(strstr(bo, "\"executed\":") != NULL, "%s", bo);

	// Spouts come before bolts here because they were declared first.
	cr_assert_lt(strstr(json, "{\"id\":\"words\""),
	    strstr(json, "{\"id\":\"count\""));
	free(sp);
	free(bo);
	free(json);
	gale_stats_destroy(&s);
}

Test(stats, json_of_an_empty_aggregate_parses)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "empty"), GALE_OK);
	char *json = gale_stats_json(s, 0);
	cr_assert_not_null(json);
	cr_assert(json_valid(json), "%s", json);
	cr_assert_str_eq(json,
	    "{\"topology\":\"empty\",\"status\":\"UNKNOWN\",\"uptime_secs\":0,"
	    "\"workers\":[],\"components\":[]}");
	free(json);
	gale_stats_destroy(&s);
}

// Parses text with jansson, which refuses invalid UTF-8 and unescaped
// control characters, and returns the value of key in its top object, or
// of the first element when it is an array.
static char *
json_top_string(const char *text, const char *key)
{
	json_error_t err;
	json_t      *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	cr_assert_not_null(j, "%s: %s", err.text, text);
	json_t *o = json_is_array(j) ? json_array_get(j, 0) : j;
	cr_assert(json_is_object(o), "%s", text);
	const char *v = json_string_value(json_object_get(o, key));
	cr_assert_not_null(v, "no %s in %s", key, text);
	char *copy = strdup(v);
	json_decref(j);
	return copy;
}

Test(stats, json_escapes_strings)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "a\"b\\c\nd\x01\xff\xc3\xa9"), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "q\"t\x7f\t", true, 1), GALE_OK);
	gale_stats_set_status(s, "ACTIVE", 1);
	gale_task_snapshot t[1];
	snap(&t[0], 1, "q\"t\x7f\t");
	gale_heartbeat hb = beat(NULL, 0, 1, t, 1);
	cr_assert_eq(gale_stats_update(s, &hb, "h\"ost", 1), GALE_OK);
	char *json = gale_stats_json(s, 1);
	cr_assert_not_null(json);
	cr_assert(json_valid(json), "%s", json);
	cr_assert(strstr(json, "\"topology\":\"a\\\"b\\\\c\\nd\\u0001"
	                       "\xef\xbf\xbd\xc3\xa9\"")
	        != NULL,
	    "%s", json);
	cr_assert(strstr(json, "\"status\":\"ACTIVE\"") != NULL, "%s", json);
	cr_assert(strstr(json, "\"host\":\"h\\\"ost\"") != NULL, "%s", json);
	cr_assert(strstr(json, "{\"id\":\"q\\\"t\x7f\\t\"") != NULL, "%s", json);
	char *name = json_top_string(json, "topology");
	cr_assert_str_eq(name, "a\"b\\c\nd\x01\xef\xbf\xbd\xc3\xa9");
	free(name);
	free(json);
	gale_stats_destroy(&s);
}

Test(stats, invalid_utf8_and_control_characters_still_make_valid_json)
{
	// Truncated, overlong, surrogate and out-of-range sequences, a lone
	// continuation byte, and every control character.
	static const char *const bad[] = { "\xc3", "\xc0\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\x80x", "x\xe2\x82", "\xf0\x9f\x98" };
	char ctl[40];
	for (int i = 1; i < 32; i++) {
		ctl[i - 1] = (char) i;
	}
	ctl[31] = '\x7f';
	ctl[32] = '\0';
	for (size_t i = 0; i <= sizeof bad / sizeof bad[0]; i++) {
		const char *name = i < sizeof bad / sizeof bad[0] ? bad[i] : ctl;
		gale_stats *s    = NULL;
		cr_assert_eq(gale_stats_new(&s, name), GALE_OK);
		cr_assert_eq(gale_stats_add_component(s, name, false, 1), GALE_OK);
		char *json = gale_stats_json(s, 0);
		cr_assert_not_null(json);
		cr_assert(json_valid(json), "case %zu: %s", i, json);
		char *got = json_top_string(json, "topology");
		if (name == ctl) {
			cr_assert_str_eq(got, ctl);
		} else {
			cr_assert(strstr(got, "\xef\xbf\xbd") != NULL, "case %zu", i);
		}
		free(got);
		free(json);

		gale_topology_summary t = { .name = (char *) name,
			.status                   = GALE_STATUS_ACTIVE,
			.workers                  = 1 };
		char *list = gale_stats_view_list_json(&t, 1);
		cr_assert_not_null(list);
		cr_assert(json_valid(list), "case %zu: %s", i, list);
		got = json_top_string(list, "name");
		cr_assert(name == ctl ? strcmp(got, ctl) == 0
		                      : strstr(got, "\xef\xbf\xbd") != NULL,
		    "case %zu", i);
		free(got);
		free(list);
		gale_stats_destroy(&s);
	}
}

Test(stats, list_views_match_the_list_command)
{
	gale_topology_summary t[2] = {
		{ "wordcount", GALE_STATUS_ACTIVE, 2, 12, 3723 },
		{ "x", GALE_STATUS_REBALANCING, 1, 3, 59 },
	};
	char *json = gale_stats_view_list_json(t, 2);
	cr_assert_str_eq(json,
	    "[{\"name\":\"wordcount\",\"status\":\"ACTIVE\",\"workers\":2,"
	    "\"tasks\":12,\"uptime_secs\":3723},{\"name\":\"x\",\"status\":"
	    "\"REBALANCING\",\"workers\":1,\"tasks\":3,\"uptime_secs\":59}]\n");
	free(json);
	json = gale_stats_view_list_json(NULL, 0);
	cr_assert_str_eq(json, "[]\n");
	free(json);
	char *table = gale_stats_view_list_table(t, 2);
	cr_assert_str_eq(table,
	    "NAME       STATUS       WORKERS    TASKS      UPTIME\n"
	    "wordcount  ACTIVE             2       12    1h02m03s\n"
	    "x          REBALANCING        1        3         59s\n");
	free(table);
	table = gale_stats_view_list_table(NULL, 0);
	cr_assert_str_eq(table, "no topologies\n");
	free(table);
}

// ---------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------

// Splits text into lines (modified in place); returns the count.
static size_t
split_lines(char *text, char **lines, size_t cap)
{
	size_t n = 0;
	for (char *p = text; *p != '\0' && n < cap;) {
		lines[n++] = p;
		char *nl   = strchr(p, '\n');
		if (nl == NULL) {
			break;
		}
		*nl = '\0';
		p   = nl + 1;
	}
	return n;
}

// The column positions where the whitespace-separated tokens of line end.
static size_t
token_ends(const char *line, size_t *ends, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; line[i] != '\0'; i++) {
		bool end = line[i] != ' ' &&
		    (line[i + 1] == ' ' || line[i + 1] == '\0');
		if (end && n < cap) {
			ends[n++] = i;
		}
	}
	return n;
}

static gale_stats *
table_fixture(void)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "wc"), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "s", true, 1), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "a-long-bolt-name", false, 12),
	    GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "mid", false, 3), GALE_OK);
	gale_task_snapshot t[3];
	snap(&t[0], 1, "s");
	snap(&t[1], 2, "a-long-bolt-name");
	snap(&t[2], 3, "mid");
	t[0].c[GALE_M_EMITTED]  = 5;
	t[0].c[GALE_M_PENDING]  = 123456;
	t[1].c[GALE_M_EMITTED]  = 1234567890;
	t[1].c[GALE_M_EXECUTED] = 7;
	t[2].c[GALE_M_ACKED]    = 99999;
	gale_hist_record(&t[0].complete, 2500000);
	gale_hist_record(&t[1].execute, 3);
	gale_heartbeat hb = beat("wc", 0, 1, t, 3);
	cr_assert_eq(gale_stats_update(s, &hb, "h", 1000), GALE_OK);
	gale_stats_set_status(s, "ACTIVE", 42);
	return s;
}

static void
check_table(const char *table, size_t want_cols)
{
	char *copy = strdup(table);
	cr_assert_not_null(copy);
	char  *lines[16];
	size_t n = split_lines(copy, lines, 16);
	cr_assert_eq(n, 5, "%s", table);
	cr_assert_str_eq(lines[0], "Topology wc  status ACTIVE  uptime 42s");
	size_t len = strlen(lines[1]);
	for (size_t i = 2; i < n; i++) {
		cr_assert_eq(strlen(lines[i]), len, "line %zu: %s", i, table);
	}
	// In the data rows every cell is one token; numbers are right-aligned,
	// so their ends line up from row to row.
	size_t ends[3][32];
	for (size_t r = 0; r < 3; r++) {
		size_t nt = token_ends(lines[r + 2], ends[r], 32);
		cr_assert_eq(nt, want_cols, "row %zu: %s", r, table);
	}
	for (size_t col = 2; col < want_cols; col++) {
		cr_assert_eq(ends[0][col], ends[1][col], "column %zu\n%s", col,
		    table);
		cr_assert_eq(ends[0][col], ends[2][col], "column %zu\n%s", col,
		    table);
	}
	// The header's last cell ends where the numbers do.
	size_t hends[32];
	size_t nh = token_ends(lines[1], hends, 32);
	cr_assert_eq(hends[nh - 1], ends[0][want_cols - 1], "%s", table);
	free(copy);
}

Test(stats, table_rows_are_aligned)
{
	gale_stats *s     = table_fixture();
	char       *table = gale_stats_table(s, 1000, false);
	cr_assert_not_null(table);
	cr_assert(strstr(table, "component") != NULL, "%s", table);
	cr_assert(strstr(table, "lat p50/p99 ms") != NULL, "%s", table);
	cr_assert(strstr(table, "capacity") != NULL, "%s", table);
	cr_assert(strstr(table, "emitted/s") == NULL, "%s", table);
	cr_assert(strstr(table, " 1234567890 ") != NULL, "%s", table);
	cr_assert(strstr(table, " 2500.000/2500.000 ") != NULL, "%s", table);
	cr_assert(strstr(table, " 0.003/0.003 ") != NULL, "%s", table);
	check_table(table, 12);
	free(table);

	table = gale_stats_table(s, 1000, true);
	cr_assert_not_null(table);
	cr_assert(strstr(table, "emitted/s") != NULL, "%s", table);
	check_table(table, 13);
	free(table);
	gale_stats_destroy(&s);
}

// ---------------------------------------------------------------------
// Rates and capacity
// ---------------------------------------------------------------------

// One spout task; every step_ms it has emitted `per_s` more per second and
// been busy busy_frac of the time.
static void
feed(gale_stats *s, gale_task_snapshot *t, uint64_t *now, uint64_t until,
    uint64_t step_ms, uint64_t per_s, double busy_frac)
{
	while (*now < until) {
		*now += step_ms;
		t->c[GALE_M_EMITTED] += per_s * step_ms / 1000;
		t->c[GALE_M_ACKED] += per_s * step_ms / 2000;
		t->c[GALE_M_BUSY_NS] +=
		    (uint64_t) (busy_frac * (double) step_ms * 1e6);
		gale_heartbeat hb = beat("r", 0, 1, t, 1);
		cr_assert_eq(gale_stats_update(s, &hb, "h", *now), GALE_OK);
	}
}

static gale_stats *
rate_fixture(uint32_t ntasks)
{
	gale_stats *s = NULL;
	cr_assert_eq(gale_stats_new(&s, "r"), GALE_OK);
	cr_assert_eq(gale_stats_add_component(s, "sp", true, ntasks), GALE_OK);
	return s;
}

Test(stats, rates_cover_only_the_last_ten_seconds)
{
	gale_stats        *s = rate_fixture(1);
	gale_task_snapshot t;
	snap(&t, 1, "sp");
	uint64_t now = 0;
	feed(s, &t, &now, 20000, 1000, 100, 0.5);

	gale_component_stats c;
	cr_assert_eq(gale_stats_components(s, &c, 1), 1);
	cr_assert_float_eq(c.rate[GALE_M_EMITTED], 100.0, 1e-9);
	cr_assert_float_eq(c.rate[GALE_M_ACKED], 50.0, 1e-9);
	cr_assert_float_eq(c.rate[GALE_M_FAILED], 0.0, 1e-9);
	cr_assert_float_eq(c.rate[GALE_M_PENDING], 0.0, 1e-9);
	cr_assert_float_eq(c.capacity, 0.5, 1e-9);

	// Five seconds at 300/s: the window holds five at 100 and five at 300.
	// Over all 25 s it would be 140/s.
	feed(s, &t, &now, 25000, 1000, 300, 1.0);
	cr_assert_eq(gale_stats_components(s, &c, 1), 1);
	cr_assert_float_eq(c.rate[GALE_M_EMITTED], 200.0, 1e-9);
	cr_assert_float_eq(c.capacity, 0.75, 1e-9);

	char *json = gale_stats_json(s, now);
	cr_assert_not_null(json);
	cr_assert(json_valid(json), "%s", json);
	cr_assert(strstr(json, "\"rates\":{\"emitted\":200.0,\"acked\":"
	                       "100.0,\"failed\":0.0,\"replayed\":0.0}")
	        != NULL,
	    "%s", json);
	cr_assert(strstr(json, "\"capacity\":0.75,") != NULL, "%s", json);
	free(json);

	// With no heartbeat for longer than the window, nothing is moving.
	json = gale_stats_json(s, now + 10001);
	cr_assert_not_null(json);
	cr_assert(strstr(json, "\"rates\":{\"emitted\":0.0,") != NULL, "%s",
	    json);
	cr_assert(strstr(json, "\"capacity\":0.0,") != NULL, "%s", json);
	free(json);
	gale_stats_destroy(&s);
}

Test(stats, rates_hold_with_frequent_heartbeats)
{
	gale_stats        *s = rate_fixture(2);
	gale_task_snapshot t;
	snap(&t, 1, "sp");
	uint64_t now = 0;
	// Forty seconds of heartbeats every 100 ms: far more updates than a
	// window's worth of samples.
	feed(s, &t, &now, 30000, 100, 50, 0.0);
	feed(s, &t, &now, 40000, 100, 1000, 0.8);
	gale_component_stats c;
	cr_assert_eq(gale_stats_components(s, &c, 1), 1);
	cr_assert_float_eq(c.rate[GALE_M_EMITTED], 1000.0, 1e-6);
	// Two tasks declared, one busy 80% of the time.
	cr_assert_float_eq(c.capacity, 0.4, 1e-9);
	gale_stats_destroy(&s);
}

Test(stats, rates_are_zero_with_a_single_sample)
{
	gale_stats        *s = rate_fixture(1);
	gale_task_snapshot t;
	snap(&t, 1, "sp");
	uint64_t now = 0;
	feed(s, &t, &now, 1000, 1000, 100, 1.0);
	gale_component_stats c;
	cr_assert_eq(gale_stats_components(s, &c, 1), 1);
	cr_assert_eq(c.c[GALE_M_EMITTED], 100);
	cr_assert_float_eq(c.rate[GALE_M_EMITTED], 0.0, 1e-9);
	cr_assert_float_eq(c.capacity, 0.0, 1e-9);
	gale_stats_destroy(&s);
}

Test(stats, capacity_is_at_most_one)
{
	gale_stats        *s = rate_fixture(1);
	gale_task_snapshot t;
	snap(&t, 1, "sp");
	uint64_t now = 0;
	feed(s, &t, &now, 5000, 1000, 10, 3.0);
	gale_component_stats c;
	cr_assert_eq(gale_stats_components(s, &c, 1), 1);
	cr_assert_float_eq(c.capacity, 1.0, 1e-9);
	gale_stats_destroy(&s);
}

// ---------------------------------------------------------------------
// Typed stats
// ---------------------------------------------------------------------

Test(stats, report_carries_components_workers_and_task_totals)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[3];
	snap(&t[0], 1, "words");
	snap(&t[1], 2, "words");
	snap(&t[2], 3, "count");
	t[0].c[GALE_M_EMITTED] = 10;
	t[1].c[GALE_M_EMITTED] = 5;
	t[2].c[GALE_M_EXECUTED] = 7;
	gale_hist_record(&t[0].complete, 1500);
	t[1].exhausted         = true;
	gale_heartbeat a       = beat("wc", 0, 100, t, 2);
	gale_heartbeat b       = beat("wc", 1, 200, &t[2], 1);
	a.rss_bytes            = 4096;
	cr_assert_eq(gale_stats_update(s, &a, "ha", 1000), GALE_OK);
	cr_assert_eq(gale_stats_update(s, &b, "hb", 1500), GALE_OK);
	// Worker 0 restarts: task 1 starts counting again from 3.
	t[0].c[GALE_M_EMITTED] = 3;
	a                      = beat("wc", 0, 101, t, 1);
	cr_assert_eq(gale_stats_update(s, &a, "ha", 2000), GALE_OK);
	gale_stats_set_status(s, "FINISHED", 9);

	gale_topology_stats r;
	cr_assert_eq(gale_stats_report(s, 2500, true, &r), GALE_OK);
	cr_assert_str_eq(r.topology, "wc");
	cr_assert_eq(r.status, GALE_STATUS_FINISHED);
	cr_assert_eq(r.uptime_secs, 9);
	cr_assert_eq(r.ncomponents, 2);
	cr_assert_str_eq(r.components[0].id, "words");
	cr_assert(r.components[0].is_spout);
	cr_assert_eq(r.components[0].c[GALE_M_EMITTED], 18);
	cr_assert_eq(r.components[0].exhausted, 1);
	cr_assert_eq(r.components[1].c[GALE_M_EXECUTED], 7);
	cr_assert_eq(r.nworkers, 2);
	cr_assert_eq(r.workers[0].index, 0);
	cr_assert_str_eq(r.workers[0].host, "ha");
	cr_assert_eq(r.workers[0].pid, 101);
	cr_assert_eq(r.workers[0].heartbeat_age_ms, 500);
	cr_assert_eq(r.workers[0].ntasks, 1);
	cr_assert_eq(r.workers[0].ncomponents, 1);
	cr_assert_eq(r.workers[0].components[0], 0);
	cr_assert_eq(r.workers[1].heartbeat_age_ms, 1000);
	cr_assert_eq(r.workers[1].ncomponents, 1);
	cr_assert_eq(r.workers[1].components[0], 1);
	cr_assert_eq(r.ntasks, 3);
	cr_assert_eq(r.tasks[0].task, 1);
	cr_assert_str_eq(r.tasks[0].component, "words");
	cr_assert_eq(r.tasks[0].c[GALE_M_EMITTED], 13, "10 before, 3 after");
	cr_assert_eq(r.tasks[0].complete.count, 2);
	cr_assert_eq(r.tasks[1].c[GALE_M_EMITTED], 5);
	cr_assert(r.tasks[1].exhausted);
	cr_assert_str_eq(r.tasks[2].component, "count");

	// The views of the report are the views of the aggregate.
	char *j1 = gale_stats_view_json(&r);
	char *j2 = gale_stats_json(s, 2500);
	cr_assert_str_eq(j1, j2);
	char *t1 = gale_stats_view_table(&r, true);
	char *t2 = gale_stats_table(s, 2500, true);
	cr_assert_str_eq(t1, t2);
	cr_assert(strstr(t1, "status FINISHED"), "%s", t1);
	free(j1);
	free(j2);
	free(t1);
	free(t2);
	gale_topology_stats_fini(&r);
	cr_assert_null(r.topology);

	cr_assert_eq(gale_stats_report(s, 2500, false, &r), GALE_OK);
	cr_assert_eq(r.ntasks, 0);
	cr_assert_null(r.tasks);
	gale_topology_stats_fini(&r);
	gale_stats_destroy(&s);
}

Test(stats, a_stuck_callback_is_one_error_per_episode)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[1];
	snap(&t[0], 3, "count");
	gale_heartbeat hb = beat("wc", 0, 100, t, 1);
	cr_assert_eq(gale_stats_update(s, &hb, "h", 1000), GALE_OK);
	// Stuck over three heartbeats, back, then stuck again.
	uint64_t stuck[] = { 5000, 6000, 7000, 0, 4000 };
	for (size_t i = 0; i < 5; i++) {
		t[0].c[GALE_M_STUCK_MS] = stuck[i];
		cr_assert_eq(gale_stats_update(s, &hb, "h", 2000 + i * 1000),
		    GALE_OK);
	}
	gale_topology_stats st;
	cr_assert_eq(gale_stats_report(s, 8000, false, &st), GALE_OK);
	size_t n = 0;
	for (size_t i = 0; i < st.nerrors; i++) {
		cr_assert_str_eq(st.errors[i].component, "count");
		cr_assert_eq(st.errors[i].task, 3);
		cr_assert(strstr(st.errors[i].error, "stuck") != NULL, "%s",
		    st.errors[i].error);
		cr_assert_str_eq(st.errors[i].host, "h");
		cr_assert_eq(st.errors[i].port, 6700);
		n++;
	}
	cr_assert_eq(n, 2, "%zu errors", n);
	gale_topology_stats_fini(&st);
	gale_stats_destroy(&s);
}

// ---------------------------------------------------------------------
// Named gauges: lag per partition
// ---------------------------------------------------------------------

static void
gauge(gale_task_snapshot *t, const char *name, int64_t v)
{
	gale_gauge_sample *g = &t->gauges[t->ngauges++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->value = v;
}

Test(stats, lag_gauges_cross_the_wire_and_show_per_partition)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[2];
	gauge(snap(&t[0], 1, "words"), "lag.sentences.2", 7);
	gauge(&t[0], "lag.sentences.0", 12);
	gauge(snap(&t[1], 2, "words"), "lag.sentences.1", 0);
	gauge(&t[1], "queue.bytes", 5);
	gale_heartbeat hb = beat("wc", 0, 1, t, 2);
	uint8_t       *buf;
	size_t         len;
	cr_assert_eq(gale_heartbeat_encode(&hb, &buf, &len), GALE_OK);
	gale_heartbeat got;
	cr_assert_eq(gale_heartbeat_decode(&got, buf, len), GALE_OK);
	free(buf);
	cr_assert_eq(got.tasks[0].ngauges, 2);
	cr_assert_str_eq(got.tasks[0].gauges[1].name, "lag.sentences.0");
	cr_assert_eq(got.tasks[0].gauges[1].value, 12);
	cr_assert_eq(gale_stats_update(s, &got, NULL, 10), GALE_OK);
	gale_heartbeat_fini(&got);

	char *table = gale_stats_table(s, 10, true);
	cr_assert_not_null(table);
	cr_assert(strstr(table, "\nwords lag: p0=12 p1=0 p2=7\n") != NULL,
	    "%s", table);
	cr_assert(strstr(table, "count lag") == NULL, "%s", table);
	free(table);
	char *json = gale_stats_json(s, 10);
	cr_assert_not_null(json);
	cr_assert(json_valid(json), "%s", json);
	cr_assert(strstr(json,
		      "\"lag\":[{\"topic\":\"sentences\",\"partition\":0,"
		      "\"lag\":12},")
		!= NULL,
	    "%s", json);
	cr_assert(strstr(json, "\"queue.bytes\":5") != NULL, "%s", json);
	free(json);
	gale_stats_destroy(&s);
}

static gale_err
fake_list(void *arg, gale_topology_summary **out, size_t *n, char *why,
    size_t whylen)
{
	(void) arg, (void) why, (void) whylen;
	*out = calloc(1, sizeof(**out));
	cr_assert_not_null(*out);
	(*out)->name = strdup("wc");
	*n           = 1;
	return GALE_OK;
}

static gale_err
fake_stats(void *arg, const char *name, gale_topology_stats *out, char *why,
    size_t whylen)
{
	(void) name, (void) why, (void) whylen;
	return gale_stats_report(arg, 10, true, out);
}

Test(stats, metrics_show_the_lag_of_each_partition_per_task)
{
	gale_stats        *s = wc_new();
	gale_task_snapshot t[2];
	gauge(snap(&t[0], 1, "words"), "lag.sentences.2", 7);
	gauge(snap(&t[1], 2, "words"), "lag.my.topic.0", 3);
	gale_heartbeat hb = beat("wc", 0, 1, t, 2);
	cr_assert_eq(gale_stats_update(s, &hb, NULL, 10), GALE_OK);
	gale_ui_source src = { .arg = s, .mode = "local", .nimbus = "",
		.list = fake_list, .stats = fake_stats };
	gale_ui_response r = { 0 };
	gale__ui_metrics(&src, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "# TYPE gale_kafka_lag gauge\n") != NULL,
	    "%s", r.body);
	cr_assert(strstr(r.body,
		      "gale_kafka_lag{topology=\"wc\",component=\"words\","
		      "task=\"1\",topic=\"sentences\",partition=\"2\"} 7\n")
		!= NULL,
	    "%s", r.body);
	cr_assert(strstr(r.body,
		      "task=\"2\",topic=\"my.topic\",partition=\"0\"} 3\n")
		!= NULL,
	    "%s", r.body);
	free(r.body);
	gale_stats_destroy(&s);
}
