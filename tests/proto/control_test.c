// SPDX-License-Identifier: MIT
// control_test.c - the control-plane codec: round trips of every message,
// typed stats, and bad bytes.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control.h"
#include "proto/gale.pb-c.h"

static uint64_t
prng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

// ---------------------------------------------------------------------
// Control plane
// ---------------------------------------------------------------------

static const uint8_t    lib_content[] = { 0x7f, 'E', 'L', 'F', 0, 0, 1, 0 };
static gale_kv          spec_kv[2]    = { { "a.b", "1" }, { "x.y", "" } };
static gale_shipped_lib spec_libs[2]  = {
	 { "lib/one.so", (uint8_t *) lib_content, sizeof lib_content },
	 { "lib/empty.so", NULL, 0 },
};
static uint32_t slot0_tasks[] = { 1, 2, 3, 4000000000u };
static uint32_t finished[]    = { 7, 9 };

static gale_assignment
sample_assignment(void)
{
	static gale_worker_slot   slots[2];
	static gale_task_endpoint eps[2];
	slots[0] = (gale_worker_slot) {
		.index      = 0,
		.host       = "127.0.0.1",
		.port       = 6700,
		.supervisor = "sup-a",
		.tasks      = slot0_tasks,
		.ntasks     = 4,
	};
	slots[1] = (gale_worker_slot) {
		.index      = 1,
		.host       = "10.0.0.2",
		.port       = 6701,
		.supervisor = "sup-b",
	};
	eps[0] = (gale_task_endpoint) { 1, "tcp://127.0.0.1:4000" };
	eps[1] = (gale_task_endpoint) { 4000000000u, "tcp://10.0.0.2:4001" };
	return (gale_assignment) {
		.topology       = "wordcount",
		.generation     = UINT64_MAX - 1,
		.spec = {
			.name       = "wordcount",
			.file_name  = "wc.yaml",
			.yaml       = "name: wordcount\n",
			.overrides  = spec_kv,
			.noverrides = 2,
			.libraries  = spec_libs,
			.nlibraries = 2,
		},
		.workers        = slots,
		.nworkers       = 2,
		.finished_tasks = finished,
		.nfinished      = 2,
		.active         = true,
		.endpoints      = eps,
		.nendpoints     = 2,
		.run_id         = "run-20261123-1",
		.run_token      = 0xfedcba9876543210ull,
	};
}

static void
expect_spec_eq(const gale_spec *got, const gale_spec *want)
{
	cr_assert_str_eq(got->name, want->name);
	cr_assert_str_eq(got->file_name, want->file_name);
	cr_assert_str_eq(got->yaml, want->yaml);
	cr_assert_eq(got->noverrides, want->noverrides);
	for (size_t i = 0; i < want->noverrides; i++) {
		cr_assert_str_eq(
		    got->overrides[i].key, want->overrides[i].key);
		cr_assert_str_eq(
		    got->overrides[i].value, want->overrides[i].value);
	}
	cr_assert_eq(got->nlibraries, want->nlibraries);
	for (size_t i = 0; i < want->nlibraries; i++) {
		cr_assert_str_eq(
		    got->libraries[i].path, want->libraries[i].path);
		cr_assert_eq(got->libraries[i].len, want->libraries[i].len);
		cr_assert(want->libraries[i].len == 0
		    || memcmp(got->libraries[i].content,
			   want->libraries[i].content, want->libraries[i].len)
			== 0);
	}
}

static void
expect_assignment_eq(const gale_assignment *got, const gale_assignment *want)
{
	cr_assert_str_eq(got->topology, want->topology);
	cr_assert_eq(got->generation, want->generation);
	expect_spec_eq(&got->spec, &want->spec);
	cr_assert_eq(got->nworkers, want->nworkers);
	for (size_t i = 0; i < want->nworkers; i++) {
		const gale_worker_slot *g = &got->workers[i];
		const gale_worker_slot *w = &want->workers[i];
		cr_assert_eq(g->index, w->index);
		cr_assert_str_eq(g->host, w->host);
		cr_assert_eq(g->port, w->port);
		cr_assert_str_eq(g->supervisor, w->supervisor);
		cr_assert_eq(g->ntasks, w->ntasks);
		cr_assert(w->ntasks == 0
		    || memcmp(g->tasks, w->tasks, w->ntasks * sizeof *w->tasks)
			== 0);
	}
	cr_assert_eq(got->nfinished, want->nfinished);
	cr_assert(want->nfinished == 0
	    || memcmp(got->finished_tasks, want->finished_tasks,
		   want->nfinished * sizeof(uint32_t))
		== 0);
	cr_assert_eq(got->active, want->active);
	cr_assert_eq(got->nendpoints, want->nendpoints);
	for (size_t i = 0; i < want->nendpoints; i++) {
		cr_assert_eq(got->endpoints[i].task, want->endpoints[i].task);
		cr_assert_str_eq(
		    got->endpoints[i].endpoint, want->endpoints[i].endpoint);
	}
	cr_assert_str_eq(got->run_id, want->run_id);
	cr_assert_eq(got->run_token, want->run_token);
}

Test(control, assignment_round_trips)
{
	gale_assignment a = sample_assignment();
	uint8_t        *buf;
	size_t          len;
	cr_assert_eq(gale_assignment_encode(&a, &buf, &len), GALE_OK);
	gale_assignment out;
	cr_assert_eq(gale_assignment_decode(&out, buf, len), GALE_OK);
	expect_assignment_eq(&out, &a);
	gale_assignment_fini(&out);
	gale_assignment_fini(&out);
	free(buf);
}

Test(control, assignment_copy_is_deep)
{
	gale_assignment a = sample_assignment();
	gale_assignment c;
	cr_assert_eq(gale_assignment_copy(&c, &a), GALE_OK);
	expect_assignment_eq(&c, &a);
	cr_assert_neq(c.topology, a.topology);
	cr_assert_neq(
	    c.spec.libraries[0].content, a.spec.libraries[0].content);
	cr_assert_neq(c.workers[0].tasks, a.workers[0].tasks);
	gale_spec s;
	cr_assert_eq(gale_spec_copy(&s, &a.spec), GALE_OK);
	expect_spec_eq(&s, &a.spec);
	gale_spec_fini(&s);
	gale_assignment_fini(&c);
}

Test(control, empty_assignment_decodes_to_empty_strings)
{
	gale_assignment zero = { 0 };
	uint8_t        *buf;
	size_t          len;
	cr_assert_eq(gale_assignment_encode(&zero, &buf, &len), GALE_OK);
	gale_assignment out;
	cr_assert_eq(gale_assignment_decode(&out, buf, len), GALE_OK);
	cr_assert_str_eq(out.topology, "");
	cr_assert_str_eq(out.spec.yaml, "");
	cr_assert_str_eq(out.run_id, "");
	cr_assert_eq(out.nworkers, 0);
	gale_assignment_fini(&out);
	free(buf);
}

static gale_task_snapshot *
sample_snapshots(size_t *n)
{
	gale_task_snapshot *t = calloc(2, sizeof *t);
	cr_assert_not_null(t);
	t[0].task = 3;
	strcpy(t[0].component, "spout");
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		t[0].c[k] = 1000 * (k + 1);
	}
	t[0].c[GALE_M_DROPPED]                       = 0;
	t[0].c[GALE_M_EMITTED]                       = UINT64_MAX;
	t[0].complete.buckets[0]                     = 1;
	t[0].complete.buckets[37]                    = 5;
	t[0].complete.buckets[GALE_HIST_BUCKETS - 1] = 9;
	t[0].complete.count                          = 15;
	t[0].complete.sum_us                         = 123456;
	t[0].complete.max_us                         = 99999999;
	t[0].exhausted                               = true;
	t[1].task                                    = 4;
	memset(t[1].component, 'c', sizeof t[1].component - 1);
	t[1].execute.buckets[10] = 2;
	t[1].execute.count       = 2;
	t[1].execute.sum_us      = 30;
	t[1].execute.max_us      = 16;
	t[1].finished            = true;
	*n                       = 2;
	return t;
}

static void
expect_snapshot_eq(const gale_task_snapshot *got, const gale_task_snapshot *w)
{
	cr_assert_eq(got->task, w->task);
	cr_assert_str_eq(got->component, w->component);
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		cr_assert_eq(got->c[k], w->c[k], "counter %s",
		    gale_metric_name((gale_metric) k));
	}
	cr_assert(
	    memcmp(&got->complete, &w->complete, sizeof w->complete) == 0);
	cr_assert(memcmp(&got->execute, &w->execute, sizeof w->execute) == 0);
	cr_assert_eq(got->finished, w->finished);
	cr_assert_eq(got->exhausted, w->exhausted);
}

static gale_heartbeat
sample_heartbeat(void)
{
	static gale_task_endpoint eps[1] = { { 3, "tcp://127.0.0.1:5555" } };
	size_t                    n;
	gale_task_snapshot       *t = sample_snapshots(&n);
	return (gale_heartbeat) {
		.topology     = "wordcount",
		.worker_index = 2,
		.pid          = 4321,
		.port         = 6702,
		.generation   = 5,
		.uptime_ms    = 1 << 30,
		.tasks        = t,
		.ntasks       = n,
		.finished     = true,
		.rss_bytes    = 1 << 25,
		.endpoints    = eps,
		.nendpoints   = 1,
		.failed       = true,
		.error        = "spout: option x.y is not a number",
	};
}

static void
expect_heartbeat_eq(const gale_heartbeat *got, const gale_heartbeat *w)
{
	cr_assert_str_eq(got->topology, w->topology);
	cr_assert_eq(got->worker_index, w->worker_index);
	cr_assert_eq(got->pid, w->pid);
	cr_assert_eq(got->port, w->port);
	cr_assert_eq(got->generation, w->generation);
	cr_assert_eq(got->uptime_ms, w->uptime_ms);
	cr_assert_eq(got->finished, w->finished);
	cr_assert_eq(got->rss_bytes, w->rss_bytes);
	cr_assert_eq(got->failed, w->failed);
	cr_assert_str_eq(got->error, w->error);
	cr_assert_eq(got->nendpoints, w->nendpoints);
	for (size_t i = 0; i < w->nendpoints; i++) {
		cr_assert_eq(got->endpoints[i].task, w->endpoints[i].task);
		cr_assert_str_eq(
		    got->endpoints[i].endpoint, w->endpoints[i].endpoint);
	}
	cr_assert_eq(got->ntasks, w->ntasks);
	for (size_t i = 0; i < w->ntasks; i++) {
		expect_snapshot_eq(&got->tasks[i], &w->tasks[i]);
	}
}

Test(control, heartbeat_round_trips_with_histograms)
{
	gale_heartbeat h = sample_heartbeat();
	uint8_t       *buf;
	size_t         len;
	cr_assert_eq(gale_heartbeat_encode(&h, &buf, &len), GALE_OK);
	gale_heartbeat out;
	cr_assert_eq(gale_heartbeat_decode(&out, buf, len), GALE_OK);
	expect_heartbeat_eq(&out, &h);

	gale_heartbeat c;
	cr_assert_eq(gale_heartbeat_copy(&c, &out), GALE_OK);
	expect_heartbeat_eq(&c, &h);
	cr_assert_neq(c.tasks, out.tasks);
	gale_heartbeat_fini(&c);
	gale_heartbeat_fini(&out);
	free(buf);
	free(h.tasks);
}

Test(control, heartbeat_sends_counters_by_name_and_buckets_to_the_last_used)
{
	gale_heartbeat h = sample_heartbeat();
	uint8_t       *buf;
	size_t         len;
	cr_assert_eq(gale_heartbeat_encode(&h, &buf, &len), GALE_OK);
	Gale__Heartbeat *m = gale__heartbeat__unpack(NULL, len, buf);
	cr_assert_not_null(m);
	cr_assert_eq(m->n_tasks, 2);
	const Gale__TaskStats *t = m->tasks[1];
	cr_assert_eq(t->n_histograms, 1, "an empty histogram is left out");
	cr_assert_str_eq(t->histograms[0]->name, "execute");
	cr_assert_eq(t->histograms[0]->n_buckets, 11);
	cr_assert_eq(t->histograms[0]->buckets[10], 2);
	cr_assert_eq(m->tasks[0]->n_histograms, 1);
	cr_assert_str_eq(m->tasks[0]->histograms[0]->name, "complete");
	cr_assert_eq(m->tasks[0]->histograms[0]->n_buckets, GALE_HIST_BUCKETS);
	bool seen = false;
	for (size_t i = 0; i < m->tasks[0]->n_counters; i++) {
		const Gale__Counter *c = m->tasks[0]->counters[i];
		if (strcmp(c->name, gale_metric_name(GALE_M_PENDING_PEAK))
		    == 0) {
			cr_assert_eq(
			    c->value, h.tasks[0].c[GALE_M_PENDING_PEAK]);
			seen = true;
		}
	}
	cr_assert(seen, "the pending_peak counter is sent by name");
	gale__heartbeat__free_unpacked(m, NULL);
	free(buf);
	free(h.tasks);
}

// Packs a heartbeat with one task written directly with protobuf-c.
static uint8_t *
pb_heartbeat_one_task(Gale__TaskStats *ts, size_t ntasks, size_t *len)
{
	Gale__Heartbeat   hb = GALE__HEARTBEAT__INIT;
	Gale__TaskStats **pp = calloc(ntasks, sizeof *pp);
	cr_assert_not_null(pp);
	for (size_t i = 0; i < ntasks; i++) {
		pp[i] = ts;
	}
	hb.tasks   = pp;
	hb.n_tasks = ntasks;
	*len       = gale__heartbeat__get_packed_size(&hb);
	uint8_t *b = malloc(*len);
	cr_assert_not_null(b);
	gale__heartbeat__pack(&hb, b);
	free(pp);
	return b;
}

Test(control, heartbeat_decode_ignores_unknown_names_and_folds_extra_buckets)
{
	Gale__Counter c[2]  = { GALE__COUNTER__INIT, GALE__COUNTER__INIT };
	c[0].name           = "no_such_counter";
	c[0].value          = 5;
	c[1].name           = (char *) gale_metric_name(GALE_M_ACKED);
	c[1].value          = 6;
	Gale__Counter *cp[] = { &c[0], &c[1] };
	uint64_t       buckets[GALE_HIST_BUCKETS + 3];
	for (size_t i = 0; i < GALE_HIST_BUCKETS + 3; i++) {
		buckets[i] = 1;
	}
	Gale__Histogram hs[2]
	    = { GALE__HISTOGRAM__INIT, GALE__HISTOGRAM__INIT };
	hs[0].name            = "complete";
	hs[0].buckets         = buckets;
	hs[0].n_buckets       = GALE_HIST_BUCKETS + 3;
	hs[0].count           = 3;
	hs[1].name            = "no_such_histogram";
	hs[1].buckets         = buckets;
	hs[1].n_buckets       = 2;
	Gale__Histogram *hp[] = { &hs[0], &hs[1] };
	Gale__TaskStats  ts   = GALE__TASK_STATS__INIT;
	ts.component          = "bolt";
	ts.counters           = cp;
	ts.n_counters         = 2;
	ts.histograms         = hp;
	ts.n_histograms       = 2;
	size_t   len;
	uint8_t *buf = pb_heartbeat_one_task(&ts, 1, &len);

	gale_heartbeat out;
	cr_assert_eq(gale_heartbeat_decode(&out, buf, len), GALE_OK);
	cr_assert_eq(out.ntasks, 1);
	for (size_t k = 0; k < GALE_M_COUNT; k++) {
		cr_assert_eq(out.tasks[0].c[k], k == GALE_M_ACKED ? 6 : 0);
	}
	cr_assert_eq(out.tasks[0].complete.buckets[0], 1);
	cr_assert_eq(out.tasks[0].complete.buckets[GALE_HIST_BUCKETS - 1], 4);
	cr_assert_eq(out.tasks[0].complete.count, 3);
	cr_assert_eq(out.tasks[0].execute.count, 0);
	cr_assert_eq(out.tasks[0].execute.buckets[0], 0);
	gale_heartbeat_fini(&out);
	free(buf);
}

Test(control, heartbeat_decode_refuses_long_components_and_too_many_tasks)
{
	char name[200];
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	Gale__TaskStats ts    = GALE__TASK_STATS__INIT;
	ts.component          = name;
	size_t         len;
	uint8_t       *buf = pb_heartbeat_one_task(&ts, 1, &len);
	gale_heartbeat out;
	cr_assert_eq(gale_heartbeat_decode(&out, buf, len), GALE_EPROTO);
	cr_assert_null(out.topology);
	cr_assert_null(out.tasks);
	free(buf);

	ts.component = "ok";
	buf = pb_heartbeat_one_task(&ts, GALE_WIRE_MAX_TASKS + 1, &len);
	cr_assert_eq(gale_heartbeat_decode(&out, buf, len), GALE_EPROTO);
	cr_assert_null(out.tasks);
	free(buf);

	// A component that fills the array has no room for its NUL.
	gale_heartbeat h = { .ntasks = 1 };
	h.tasks          = calloc(1, sizeof *h.tasks);
	cr_assert_not_null(h.tasks);
	memset(h.tasks[0].component, 'x', sizeof h.tasks[0].component);
	cr_assert_eq(gale_heartbeat_encode(&h, &buf, &len), GALE_EINVAL);
	free(h.tasks);
}

Test(control, worker_control_round_trips_with_and_without_assignment)
{
	gale_assignment     a  = sample_assignment();
	gale_worker_control wc = { .assignment = &a, .stop = false };
	uint8_t            *buf;
	size_t              len;
	cr_assert_eq(gale_worker_control_encode(&wc, &buf, &len), GALE_OK);
	gale_worker_control out;
	cr_assert_eq(gale_worker_control_decode(&out, buf, len), GALE_OK);
	cr_assert_not_null(out.assignment);
	expect_assignment_eq(out.assignment, &a);
	cr_assert_not(out.stop);
	gale_worker_control_fini(&out);
	cr_assert_null(out.assignment);
	free(buf);

	wc = (gale_worker_control) { .assignment = NULL, .stop = true };
	cr_assert_eq(gale_worker_control_encode(&wc, &buf, &len), GALE_OK);
	cr_assert_eq(gale_worker_control_decode(&out, buf, len), GALE_OK);
	cr_assert_null(out.assignment);
	cr_assert(out.stop);
	gale_worker_control_fini(&out);
	free(buf);
}

static gale_request
round_trip_request(const gale_request *r)
{
	uint8_t *buf;
	size_t   len;
	cr_assert_eq(gale_request_encode(r, &buf, &len), GALE_OK);
	gale_request out;
	cr_assert_eq(gale_request_decode(&out, buf, len), GALE_OK);
	free(buf);
	cr_assert_eq(out.kind, r->kind);
	return out;
}

Test(control, requests_round_trip_for_every_body)
{
	gale_assignment a   = sample_assignment();
	gale_request    r   = { .kind = GALE_REQ_SUBMIT, .u.submit = a.spec };
	gale_request    out = round_trip_request(&r);
	expect_spec_eq(&out.u.submit, &a.spec);
	gale_request_fini(&out);

	memset(&r, 0, sizeof r);
	r.kind                = GALE_REQ_COMMAND;
	r.u.command.kind      = GALE_CMD_KILL;
	r.u.command.name      = "wc";
	r.u.command.wait_secs = 30;
	r.u.command.has_wait  = true;
	out                   = round_trip_request(&r);
	cr_assert_eq(out.u.command.kind, GALE_CMD_KILL);
	cr_assert_str_eq(out.u.command.name, "wc");
	cr_assert_eq(out.u.command.wait_secs, 30);
	cr_assert(out.u.command.has_wait);
	gale_request_fini(&out);

	memset(&r, 0, sizeof r);
	r.kind              = GALE_REQ_COMMAND;
	r.u.command.kind    = GALE_CMD_REBALANCE;
	r.u.command.name    = "wc";
	r.u.command.workers = 4;
	out                 = round_trip_request(&r);
	cr_assert_eq(out.u.command.kind, GALE_CMD_REBALANCE);
	cr_assert_eq(out.u.command.workers, 4);
	cr_assert_not(out.u.command.has_wait);
	gale_request_fini(&out);

	gale_heartbeat hb[2] = { sample_heartbeat(), { 0 } };
	hb[1].topology       = "other";
	uint32_t ports[]     = { 6700, 6701, 6702 };
	memset(&r, 0, sizeof r);
	r.kind                  = GALE_REQ_SUPERVISOR_HEARTBEAT;
	r.u.supervisor.id       = "sup-a";
	r.u.supervisor.host     = "127.0.0.1";
	r.u.supervisor.ports    = ports;
	r.u.supervisor.nports   = 3;
	r.u.supervisor.workers  = hb;
	r.u.supervisor.nworkers = 2;
	r.u.supervisor.protocol = 7;
	out                     = round_trip_request(&r);
	cr_assert_str_eq(out.u.supervisor.id, "sup-a");
	cr_assert_eq(out.u.supervisor.protocol, 7);
	cr_assert_str_eq(out.u.supervisor.host, "127.0.0.1");
	cr_assert_eq(out.u.supervisor.nports, 3);
	cr_assert(memcmp(out.u.supervisor.ports, ports, sizeof ports) == 0);
	cr_assert_eq(out.u.supervisor.nworkers, 2);
	expect_heartbeat_eq(&out.u.supervisor.workers[0], &hb[0]);
	cr_assert_str_eq(out.u.supervisor.workers[1].topology, "other");
	cr_assert_eq(out.u.supervisor.workers[1].ntasks, 0);
	gale_request_fini(&out);

	memset(&r, 0, sizeof r);
	r.kind     = GALE_REQ_WORKER_HEARTBEAT;
	r.u.worker = hb[0];
	out        = round_trip_request(&r);
	expect_heartbeat_eq(&out.u.worker, &hb[0]);
	gale_request_fini(&out);
	gale_request_fini(&out);
	free(hb[0].tasks);
}

Test(control, request_without_body_or_with_unknown_command_is_refused)
{
	gale_request r = { .kind = GALE_REQ_NONE };
	uint8_t     *buf;
	size_t       len;
	cr_assert_eq(gale_request_encode(&r, &buf, &len), GALE_EINVAL);
	r.kind = (gale_request_kind) 17;
	cr_assert_eq(gale_request_encode(&r, &buf, &len), GALE_EINVAL);
	r = (gale_request) { .kind = GALE_REQ_COMMAND,
		.u.command.kind    = (gale_command_kind) 7 };
	cr_assert_eq(gale_request_encode(&r, &buf, &len), GALE_EINVAL);

	gale_request out;
	cr_assert_eq(gale_request_decode(&out, "", 0), GALE_EPROTO);
	cr_assert_eq(out.kind, GALE_REQ_NONE);

	Gale__TopologyCommand cmd = GALE__TOPOLOGY_COMMAND__INIT;
	cmd.kind                  = (Gale__TopologyCommand__Kind) 9;
	cmd.name                  = "wc";
	Gale__Request m           = GALE__REQUEST__INIT;
	m.body_case               = GALE__REQUEST__BODY_COMMAND;
	m.command                 = &cmd;
	len                       = gale__request__get_packed_size(&m);
	buf                       = malloc(len);
	cr_assert_not_null(buf);
	gale__request__pack(&m, buf);
	cr_assert_eq(gale_request_decode(&out, buf, len), GALE_EPROTO);
	cr_assert_eq(out.kind, GALE_REQ_NONE);
	cr_assert_null(out.u.command.name);
	free(buf);
}

Test(control, reply_round_trips)
{
	gale_assignment       as[2] = { sample_assignment(), { 0 } };
	gale_topology_summary ts[2] = {
		{ "wordcount", GALE_STATUS_ACTIVE, 2, 12, 3600 },
		{ "other", GALE_STATUS_KILLED, 0, 0, 0 },
	};
	gale_reply r = {
		.ok           = false,
		.error        = "no such topology: x",
		.topologies   = ts,
		.ntopologies  = 2,
		.assignments  = as,
		.nassignments = 2,
	};
	uint8_t *buf;
	size_t   len;
	cr_assert_eq(gale_reply_encode(&r, &buf, &len), GALE_OK);
	gale_reply out;
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_OK);
	cr_assert_eq(out.ok, false);
	cr_assert_str_eq(out.error, r.error);
	cr_assert_null(out.stats);
	cr_assert_eq(out.ntopologies, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_str_eq(out.topologies[i].name, ts[i].name);
		cr_assert_eq(out.topologies[i].status, ts[i].status);
		cr_assert_eq(out.topologies[i].workers, ts[i].workers);
		cr_assert_eq(out.topologies[i].tasks, ts[i].tasks);
		cr_assert_eq(out.topologies[i].uptime_secs, ts[i].uptime_secs);
	}
	cr_assert_eq(out.nassignments, 2);
	expect_assignment_eq(&out.assignments[0], &as[0]);
	cr_assert_str_eq(out.assignments[1].topology, "");
	gale_reply_fini(&out);
	free(buf);

	gale_reply ok = { .ok = true };
	cr_assert_eq(gale_reply_encode(&ok, &buf, &len), GALE_OK);
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_OK);
	cr_assert(out.ok);
	cr_assert_str_eq(out.error, "");
	cr_assert_null(out.stats);
	cr_assert_eq(out.ntopologies, 0);
	gale_reply_fini(&out);
	free(buf);
}

Test(control, fini_accepts_zeroed_structs)
{
	gale_spec            s  = { 0 };
	gale_assignment      a  = { 0 };
	gale_heartbeat       h  = { 0 };
	gale_worker_control  wc = { 0 };
	gale_command         c  = { 0 };
	gale_supervisor_info si = { 0 };
	gale_request         rq = { 0 };
	gale_reply           rp = { 0 };
	gale_spec_fini(&s);
	gale_assignment_fini(&a);
	gale_heartbeat_fini(&h);
	gale_worker_control_fini(&wc);
	gale_command_fini(&c);
	gale_supervisor_info_fini(&si);
	gale_request_fini(&rq);
	gale_reply_fini(&rp);
	gale_spec_fini(NULL);
	gale_assignment_fini(NULL);
	cr_assert_eq(a.topology, NULL);
}

Test(control, control_decoders_refuse_garbage)
{
	uint64_t seed   = 0xdecafbadu;
	size_t   nproto = 0;
	for (size_t i = 0; i < 3000; i++) {
		size_t   len = 1 + prng_next(&seed) % 64;
		uint8_t *buf = malloc(len);
		cr_assert_not_null(buf);
		for (size_t k = 0; k < len; k++) {
			buf[k] = (uint8_t) prng_next(&seed);
		}
		gale_assignment     a;
		gale_heartbeat      h;
		gale_worker_control w;
		gale_request        rq;
		gale_reply          rp;
		gale_err            e[5] = {
				   gale_assignment_decode(&a, buf, len),
				   gale_heartbeat_decode(&h, buf, len),
				   gale_worker_control_decode(&w, buf, len),
				   gale_request_decode(&rq, buf, len),
				   gale_reply_decode(&rp, buf, len),
		};
		for (size_t k = 0; k < 5; k++) {
			cr_assert(e[k] == GALE_OK || e[k] == GALE_EPROTO);
			nproto += e[k] == GALE_EPROTO;
		}
		gale_assignment_fini(&a);
		gale_heartbeat_fini(&h);
		gale_worker_control_fini(&w);
		gale_request_fini(&rq);
		gale_reply_fini(&rp);
		free(buf);
	}
	cr_assert_gt(nproto, 3000, "random bytes are mostly refused");

	const uint8_t   bad[] = { 0x0a, 0x05, 'a' }; // string past the end
	gale_assignment a;
	cr_assert_eq(gale_assignment_decode(&a, bad, sizeof bad), GALE_EPROTO);
	cr_assert_null(a.topology);
	gale_heartbeat h;
	cr_assert_eq(gale_heartbeat_decode(&h, bad, sizeof bad), GALE_EPROTO);
	cr_assert_null(h.topology);
	gale_reply rp;
	cr_assert_eq(gale_reply_decode(&rp, bad, sizeof bad), GALE_EPROTO);
	cr_assert_null(rp.error);
}

// ---------------------------------------------------------------------
// Typed stats in replies
// ---------------------------------------------------------------------

static gale_topology_stats
sample_stats(void)
{
	static gale_component_stats comps[2];
	static uint32_t             w0_tasks[] = { 1, 2, 3 };
	static uint32_t             w0_comps[] = { 0, 1 };
	static gale_worker_stats    workers[2];
	static gale_task_snapshot   tasks[2];
	memset(comps, 0, sizeof comps);
	memset(workers, 0, sizeof workers);
	memset(tasks, 0, sizeof tasks);
	strcpy(comps[0].id, "sentences");
	comps[0].is_spout               = true;
	comps[0].tasks                  = 2;
	comps[0].c[GALE_M_EMITTED]      = 1000;
	comps[0].c[GALE_M_PENDING_PEAK] = 77;
	comps[0].complete.buckets[3]    = 5;
	comps[0].complete.buckets[100]  = 1;
	comps[0].complete.count         = 6;
	comps[0].complete.sum_us        = 1234;
	comps[0].complete.max_us        = 999;
	comps[0].capacity               = 0.25;
	comps[0].rate[GALE_M_EMITTED]   = 12.5;
	comps[0].rate[GALE_M_ACKED]     = 1e-3;
	comps[0].reporting              = 2;
	comps[0].finished               = 1;
	comps[0].exhausted              = 2;
	strcpy(comps[1].id, "count");
	comps[1].tasks                                  = 1;
	comps[1].c[GALE_M_EXECUTED]                     = 4000000000000ull;
	comps[1].execute.buckets[GALE_HIST_BUCKETS - 1] = 2;
	comps[1].execute.count                          = 2;
	workers[0]    = (gale_worker_stats) { .index = 0,
		   .host                             = "127.0.0.1",
		   .port                             = 7001,
		   .pid                              = 4242,
		   .uptime_ms                        = 12345,
		   .rss_bytes                        = 1u << 30,
		   .finished                         = true,
		   .heartbeat_age_ms                 = 250,
		   .tasks                            = w0_tasks,
		   .ntasks                           = 3,
		   .components                       = w0_comps,
		   .ncomponents                      = 2 };
	workers[1]    = (gale_worker_stats) { .index = 1, .host = NULL };
	tasks[0].task = 1;
	strcpy(tasks[0].component, "sentences");
	tasks[0].c[GALE_M_ACKED]     = 9;
	tasks[0].complete.count      = 3;
	tasks[0].complete.buckets[1] = 3;
	tasks[0].exhausted           = true;
	tasks[1].task                = 3;
	strcpy(tasks[1].component, "count");
	tasks[1].finished = true;
	return (gale_topology_stats) { .topology = "wordcount",
		.status                          = GALE_STATUS_REBALANCING,
		.uptime_secs                     = 3601,
		.workers                         = workers,
		.nworkers                        = 2,
		.components                      = comps,
		.ncomponents                     = 2,
		.tasks                           = tasks,
		.ntasks                          = 2 };
}

static void
expect_hist_eq(const gale_hist *got, const gale_hist *want)
{
	cr_assert_eq(memcmp(got, want, sizeof *got), 0);
}

Test(control, reply_carries_typed_stats)
{
	gale_topology_stats st = sample_stats();
	gale_reply          r  = { .ok = true, .stats = &st };
	uint8_t            *buf;
	size_t              len;
	cr_assert_eq(gale_reply_encode(&r, &buf, &len), GALE_OK);
	gale_reply out;
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_OK);
	free(buf);
	const gale_topology_stats *g = out.stats;
	cr_assert_not_null(g);
	cr_assert_str_eq(g->topology, "wordcount");
	cr_assert_eq(g->status, GALE_STATUS_REBALANCING);
	cr_assert_eq(g->uptime_secs, 3601);
	cr_assert_eq(g->ncomponents, 2);
	for (size_t i = 0; i < 2; i++) {
		const gale_component_stats *a = &g->components[i];
		const gale_component_stats *w = &st.components[i];
		cr_assert_str_eq(a->id, w->id);
		cr_assert_eq(a->is_spout, w->is_spout);
		cr_assert_eq(a->tasks, w->tasks);
		cr_assert_eq(memcmp(a->c, w->c, sizeof a->c), 0);
		expect_hist_eq(&a->complete, &w->complete);
		expect_hist_eq(&a->execute, &w->execute);
		cr_assert_eq(a->capacity, w->capacity);
		cr_assert_eq(memcmp(a->rate, w->rate, sizeof a->rate), 0);
		cr_assert_eq(a->reporting, w->reporting);
		cr_assert_eq(a->finished, w->finished);
		cr_assert_eq(a->exhausted, w->exhausted);
	}
	cr_assert_eq(g->nworkers, 2);
	const gale_worker_stats *w = &g->workers[0];
	cr_assert_str_eq(w->host, "127.0.0.1");
	cr_assert_eq(w->port, 7001);
	cr_assert_eq(w->pid, 4242);
	cr_assert_eq(w->uptime_ms, 12345);
	cr_assert_eq(w->rss_bytes, 1u << 30);
	cr_assert(w->finished);
	cr_assert_eq(w->heartbeat_age_ms, 250);
	cr_assert_eq(w->ntasks, 3);
	cr_assert_eq(w->tasks[2], 3);
	cr_assert_eq(w->ncomponents, 2);
	cr_assert_eq(w->components[1], 1);
	cr_assert_eq(g->workers[1].index, 1);
	cr_assert_str_eq(g->workers[1].host, "");
	cr_assert_eq(g->workers[1].ntasks, 0);
	cr_assert_eq(g->ntasks, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(
		    memcmp(&g->tasks[i], &st.tasks[i], sizeof g->tasks[i]), 0,
		    "task %zu", i);
	}
	gale_reply_fini(&out);
	cr_assert_null(out.stats);
}

Test(control, status_names_round_trip_and_unknown_ones_are_unknown)
{
	for (int s = GALE_STATUS_UNKNOWN; s <= GALE_STATUS_FAILED; s++) {
		const char *name = gale_topology_status_name(s);
		cr_assert_eq(gale_topology_status_parse(name), s, "%s", name);
	}
	cr_assert_str_eq(
	    gale_topology_status_name(GALE_STATUS_WAITING), "WAITING");
	cr_assert_str_eq(gale_topology_status_name(99), "UNKNOWN");
	cr_assert_eq(
	    gale_topology_status_parse("active"), GALE_STATUS_UNKNOWN);
	cr_assert_eq(gale_topology_status_parse(NULL), GALE_STATUS_UNKNOWN);

	// A status from a newer version reads as UNKNOWN.
	Gale__TopologySummary  ts = GALE__TOPOLOGY_SUMMARY__INIT;
	Gale__TopologySummary *pp = &ts;
	Gale__Reply            m  = GALE__REPLY__INIT;
	ts.name                   = "x";
	ts.status                 = (Gale__TopologyStatus) 42;
	m.topologies              = &pp;
	m.n_topologies            = 1;
	size_t   len              = gale__reply__get_packed_size(&m);
	uint8_t *buf              = malloc(len);
	cr_assert_not_null(buf);
	gale__reply__pack(&m, buf);
	gale_reply out;
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_OK);
	cr_assert_eq(out.topologies[0].status, GALE_STATUS_UNKNOWN);
	gale_reply_fini(&out);
	free(buf);
}

Test(control, stats_with_a_bad_component_index_or_long_id_are_refused)
{
	gale_topology_stats st        = sample_stats();
	uint32_t            bad_idx[] = { 2 };
	st.workers[0].components      = bad_idx;
	st.workers[0].ncomponents     = 1;
	gale_reply r                  = { .ok = true, .stats = &st };
	uint8_t   *buf;
	size_t     len;
	cr_assert_eq(gale_reply_encode(&r, &buf, &len), GALE_OK);
	gale_reply out;
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_EPROTO);
	cr_assert_null(out.stats);
	free(buf);

	// An id that fills its array without a NUL cannot be encoded, and
	// one that is too long on the wire cannot be decoded.
	st = sample_stats();
	memset(st.components[1].id, 'x', sizeof st.components[1].id);
	cr_assert_eq(gale_reply_encode(&r, &buf, &len), GALE_EINVAL);

	char                  long_id[GALE_WIRE_ID_MAX + 1];
	Gale__ComponentStats  cs = GALE__COMPONENT_STATS__INIT;
	Gale__ComponentStats *cp = &cs;
	Gale__TopologyStats   ps = GALE__TOPOLOGY_STATS__INIT;
	Gale__Reply           m  = GALE__REPLY__INIT;
	memset(long_id, 'y', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	cs.id                       = long_id;
	ps.components               = &cp;
	ps.n_components             = 1;
	m.stats                     = &ps;
	len                         = gale__reply__get_packed_size(&m);
	buf                         = malloc(len);
	cr_assert_not_null(buf);
	gale__reply__pack(&m, buf);
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_EPROTO);
	free(buf);
	long_id[GALE_WIRE_ID_MAX - 1] = '\0';
	len                           = gale__reply__get_packed_size(&m);
	buf                           = malloc(len);
	cr_assert_not_null(buf);
	gale__reply__pack(&m, buf);
	cr_assert_eq(gale_reply_decode(&out, buf, len), GALE_OK);
	cr_assert_eq(
	    strlen(out.stats->components[0].id), GALE_WIRE_ID_MAX - 1);
	gale_reply_fini(&out);
	free(buf);
}

Test(control, topology_stats_fini_accepts_zeroed_and_null)
{
	gale_topology_stats s = { 0 };
	gale_topology_stats_fini(&s);
	gale_topology_stats_fini(NULL);
	cr_assert_null(s.topology);
}

Test(control, heartbeat_carries_replay_records)
{
	gale_heartbeat     h    = { .topology = "wc", .pid = 7 };
	gale_replay_record r[2] = {
		{ .spout = "words", .task = 1, .time_ms = 1700000000123ull,
		    .msg_id = 42, .reason = "failed by count:4", .attempt = 2,
		    .seq = 9 },
		{ .spout = "words", .task = 2, .time_ms = 1700000000456ull,
		    .msg_id = 7, .reason = "timeout after 30 s", .attempt = 1,
		    .seq = 1 },
	};
	h.replays  = r;
	h.nreplays = 2;
	uint8_t *buf;
	size_t   len;
	cr_assert_eq(gale_heartbeat_encode(&h, &buf, &len), GALE_OK);
	gale_heartbeat out;
	cr_assert_eq(gale_heartbeat_decode(&out, buf, len), GALE_OK);
	cr_assert_eq(out.nreplays, 2);
	cr_assert_eq(memcmp(&out.replays[0], &r[0], sizeof(r[0])), 0);
	cr_assert_eq(memcmp(&out.replays[1], &r[1], sizeof(r[1])), 0);
	gale_heartbeat c;
	cr_assert_eq(gale_heartbeat_copy(&c, &out), GALE_OK);
	cr_assert_eq(c.nreplays, 2);
	cr_assert_neq(c.replays, out.replays);
	cr_assert_str_eq(c.replays[1].reason, "timeout after 30 s");
	gale_heartbeat_fini(&c);
	gale_heartbeat_fini(&out);
	free(buf);

	gale_topology_stats st  = sample_stats();
	st.replays              = r;
	st.nreplays             = 2;
	gale_reply rep          = { .ok = true, .stats = &st };
	cr_assert_eq(gale_reply_encode(&rep, &buf, &len), GALE_OK);
	gale_reply back;
	cr_assert_eq(gale_reply_decode(&back, buf, len), GALE_OK);
	free(buf);
	cr_assert_eq(back.stats->nreplays, 2);
	cr_assert_eq(
	    memcmp(&back.stats->replays[0], &r[0], sizeof(r[0])), 0);
	gale_reply_fini(&back);
}
