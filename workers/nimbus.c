// SPDX-License-Identifier: MIT
// nimbus.c - the master of a gale cluster: its request loop, the answers to
// clients and supervisors, and its start and stop. The topologies' states
// are in nimbus_state.c, their files in nimbus_store.c and the scheduler in
// nimbus_sched.c.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "base/rand.h"
#include "topology/plan.h"
#include "topology/spec.h"
#include "workers/files.h"
#include "workers/keys.h"
#include "workers/registry.h"
#include "workers/nimbus_sched.h"
#include "workers/nimbus_state.h"
#include "workers/nimbus_store.h"
#include "workers/nimbus_zk.h"
#include "workers/zk.h"
#include "workers/stats.h"

// Counts a message dropped as garbage and logs why, at most one line a
// second per kind: a line tells how many of its kind went unlogged since
// the one before, so a flood of garbage cannot flood the log.
static void nimbus_garbage(gale_nimbus *n, nim_garbage kind, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
nimbus_garbage(gale_nimbus *n, nim_garbage kind, const char *fmt, ...)
{
	n->dropped++;
	nim_gripe *g   = &n->gripes[kind];
	uint64_t   now = gale__nimbus_mono_ms();
	if (g->logged && now - g->last_ms < 1000) {
		g->suppressed++;
		return;
	}
	char    msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g->suppressed > 0) {
		GALE_WARN("%s (and %llu more like it in the last %llu ms)", msg,
		    (unsigned long long) g->suppressed,
		    (unsigned long long) (now - g->last_ms));
	} else {
		GALE_WARN("%s", msg);
	}
	g->logged     = true;
	g->last_ms    = now;
	g->suppressed = 0;
}

// Takes sup out of scheduling and moves its workers elsewhere, saying why.
static void
nimbus_lose_sup(gale_nimbus *n, nim_sup *sup, const char *why)
{
	sup->alive = false;
	GALE_INFO(
	    "supervisor %s is lost: %s; moving its workers", sup->id, why);
	gale__nimbus_unplace_sup(n, sup, false);
}

static void reply_error(gale_reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_error(gale_reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->error);
	r->error = NULL;
	if (vasprintf(&r->error, fmt, ap) < 0) {
		r->error = NULL;
	}
	va_end(ap);
	r->ok = false;
}

static void
nimbus_supervisor(
    gale_nimbus *n, const gale_supervisor_info *info, gale_reply *r)
{
	if (info->id[0] == '\0' || strlen(info->id) > 256
	    || strlen(info->host) > 256 || info->nports > 65536) {
		nimbus_garbage(n, NIM_GARBAGE_SUPERVISOR,
		    "dropped a supervisor heartbeat without an id or with "
		    "%zu slots",
		    info->nports);
		reply_error(r,
		    "a supervisor heartbeat needs an id and a host "
		    "(at most 256 bytes each) and at most 65536 "
		    "slots");
		return;
	}
	if (info->protocol != GALE_CONTROL_PROTOCOL) {
		// Its workers would not understand the others (or would
		// send a key to another task): it gets no slot to run them.
		nimbus_garbage(n, NIM_GARBAGE_PROTOCOL,
		    "refused supervisor %s: it speaks gale protocol %u, this "
		    "nimbus %u (`gale version` tells each)",
		    info->id, info->protocol, GALE_CONTROL_PROTOCOL);
		// One that ran workers for this nimbus (a supervisor
		// restarted on another gale) loses them now, not after the
		// timeout: its ZooKeeper node alone would keep it alive.
		nim_sup *known = gale__nimbus_find_sup(n, info->id);
		if (known != NULL && known->alive) {
			nimbus_lose_sup(
			    n, known, "it speaks another protocol");
		}
		reply_error(r,
		    "supervisor %s speaks gale protocol %u and nimbus %u: run "
		    "one gale version on nimbus and every supervisor (`gale "
		    "version` tells each)",
		    info->id, info->protocol, GALE_CONTROL_PROTOCOL);
		return;
	}
	const char *host = info->host[0] ? info->host : "127.0.0.1";
	nim_sup    *sup  = gale__nimbus_find_sup(n, info->id);
	if (sup == NULL) {
		sup = gale__nimbus_add_sup(n, info->id, host);
		if (sup == NULL) {
			reply_error(r, "out of memory");
			return;
		}
		GALE_INFO("supervisor %s (%s) joined with %zu slots", sup->id,
		    host, info->nports);
	} else if (!sup->alive) {
		GALE_INFO("supervisor %s is back", sup->id);
	}
	sup->alive   = true;
	sup->beat_ms = gale__nimbus_mono_ms();
	if (strcmp(sup->host, host) != 0) {
		char *h = strdup(host);
		if (h != NULL) {
			free(sup->host);
			sup->host = h;
		}
	}
	uint32_t *ports = calloc(info->nports + 1, sizeof(*ports));
	if (ports != NULL) {
		memcpy(ports, info->ports, info->nports * sizeof(*ports));
		free(sup->ports);
		sup->ports  = ports;
		sup->nports = info->nports;
		gale__nimbus_unplace_sup(n, sup, true);
	}
	gale__nimbus_sup_note_report(sup, info);
	for (size_t i = 0; i < info->nworkers; i++) {
		gale__nimbus_fold(n, sup, &info->workers[i]);
	}
	for (size_t i = 0; i < n->nt; i++) {
		gale__nimbus_topo_settle(n->t[i]);
	}
	gale__nimbus_schedule(n);

	// Its assignments: every running topology with a worker on it.
	r->ok = true;
	if (gale__nimbus_sup_assignments(n, sup, r) != GALE_OK) {
		reply_error(r, "out of memory");
	}
}

// ---------------------------------------------------------------------
// Clients: submit and commands
// ---------------------------------------------------------------------

static void
nimbus_submit(gale_nimbus *n, const gale_spec *spec, gale_reply *r)
{
	const char *name = spec->name;
	if (name[0] == '\0') {
		reply_error(r, "a submitted topology needs a name");
		return;
	}
	if (!gale_files_name_ok(name)) {
		reply_error(r,
		    "the topology name '%.128s' cannot name a file: it may "
		    "hold only letters, digits, '.', '_' and '-', must not "
		    "start with '.', and may be at most 128 bytes",
		    name);
		return;
	}
	nim_topo *old = gale__nimbus_find(n, name);
	if (old != NULL && gale__nimbus_topo_live(old)) {
		reply_error(r, "topology '%s' is already running", name);
		return;
	}
	char libdir[4096], err[4096];
	snprintf(libdir, sizeof(libdir), "%s/libs/%s", n->data_dir, name);
	if (gale_files_ship_write(spec, libdir, err, sizeof(err)) != GALE_OK) {
		reply_error(r, "%s", err);
		return;
	}
	nim_topo *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->name = strdup(name)) == NULL
	    || gale_spec_copy(&t->spec, spec) != GALE_OK) {
		reply_error(r, "out of memory");
		goto fail;
	}
	// What runs is checked against what was submitted.
	gale_spec_digest_stamp(&t->spec);
	if (gale__nimbus_topo_build(n, t, err, sizeof(err)) != GALE_OK) {
		reply_error(r, "%s", err);
		goto fail;
	}
	if (strcmp(t->topo->name, name) != 0) {
		reply_error(r,
		    "the definition names the topology '%s', not '%s'",
		    t->topo->name, name);
		goto fail;
	}
	int64_t now     = gale__nimbus_wall_ms();
	t->state        = TOPO_RUN;
	t->active       = true;
	t->generation   = old != NULL ? old->generation + 1 : 1;
	t->submitted_ms = now;
	t->phase_ms     = now;
	if (asprintf(&t->run_id, "%s-%lld-%04x", name, (long long) now,
		(unsigned) ((gale_now_ns() ^ (uint64_t) getpid()) & 0xffff))
	    < 0) {
		t->run_id = NULL;
		reply_error(r, "out of memory");
		goto fail;
	}
	// A new run, a new secret for its data plane.
	if (!gale__rand_secret(&t->run_token)) {
		reply_error(r, "cannot draw the run's token: %s",
		    strerror(errno));
		goto fail;
	}
	// With keys, the workers of this run share a CURVE pair of their own
	// for their data sockets: nobody else can send into their inboxes.
	if (n->keys != NULL) {
		char pub[41], sec[41];
		if (zmq_curve_keypair(pub, sec) != 0
		    || (t->data_key = strdup(sec)) == NULL) {
			memset(sec, 0, sizeof(sec));
			reply_error(r, "cannot make the topology's data key");
			goto fail;
		}
		memset(sec, 0, sizeof(sec));
	}
	// Written before it is acknowledged; it replaces the old file.
	if (gale__nimbus_topo_save(n, t, err, sizeof(err)) != GALE_OK) {
		reply_error(r, "%s", err);
		goto fail;
	}
	if (old != NULL) {
		for (size_t i = 0; i < n->nt; i++) {
			if (n->t[i] == old) {
				gale__nimbus_topo_destroy(&n->t[i]);
				n->t[i] = t;
			}
		}
	} else {
		nim_topo **arr = realloc(n->t, (n->nt + 1) * sizeof(*arr));
		if (arr == NULL) {
			reply_error(r, "out of memory");
			goto fail;
		}
		n->t          = arr;
		n->t[n->nt++] = t;
	}
	GALE_INFO("topology '%s' submitted: %u workers, %u tasks", name,
	    t->nworkers, t->ntasks);
	gale__nimbus_schedule(n);
	r->ok = true;
	return;
fail:
	if (t != NULL && old == NULL && t->name != NULL) {
		// Nothing of a refused topology stays on disk.
		char path[4096];
		gale__nimbus_topo_path(n, t->name, path, sizeof(path));
		if (n->zk != NULL && gale__nimbus_find(n, name) == NULL) {
			snprintf(path, sizeof(path), "topologies/%s", t->name);
			gale__zk_delete(n->zk, path, err, sizeof(err));
		} else if (access(path, F_OK) == 0
		    && gale__nimbus_find(n, name) == NULL) {
			unlink(path);
		}
	}
	gale__nimbus_topo_destroy(&t);
}

static void
nimbus_list(const gale_nimbus *n, gale_reply *r)
{
	r->ok         = true;
	r->topologies = calloc(n->nt + 1, sizeof(*r->topologies));
	if (r->topologies == NULL) {
		reply_error(r, "out of memory");
		return;
	}
	int64_t now = gale__nimbus_wall_ms();
	for (size_t i = 0; i < n->nt; i++) {
		const nim_topo        *t = n->t[i];
		gale_topology_summary *s = &r->topologies[r->ntopologies];
		s->name                  = strdup(t->name);
		s->status                = gale__nimbus_topo_status_of(t);
		s->workers               = t->nworkers;
		s->tasks                 = t->ntasks;
		s->uptime_secs           = now > t->submitted_ms
			      ? (uint64_t) (now - t->submitted_ms) / 1000u
			      : 0;
		snprintf(s->error, sizeof(s->error), "%s",
		    t->error != NULL ? t->error : "");
		if (s->name == NULL) {
			reply_error(r, "out of memory");
			return;
		}
		r->ntopologies++;
	}
}

static void
nimbus_stats(nim_topo *t, gale_reply *r)
{
	if (t->stats == NULL) {
		reply_error(r, "no stats for topology '%s': %s", t->name,
		    t->error ? t->error : "it could not be rebuilt");
		return;
	}
	int64_t now = gale__nimbus_wall_ms();
	gale_stats_set_status(t->stats, gale__nimbus_topo_status(t),
	    now > t->submitted_ms ? (uint64_t) (now - t->submitted_ms) / 1000u
				  : 0);
	r->stats = calloc(1, sizeof(*r->stats));
	if (r->stats == NULL
	    || gale_stats_report(t->stats, gale__nimbus_mono_ms(), true, r->stats)
		!= GALE_OK) {
		reply_error(r, "out of memory");
		return;
	}
	r->ok = true;
}

static void
nimbus_command(gale_nimbus *n, const gale_command *c, gale_reply *r)
{
	if (c->kind == GALE_CMD_LIST) {
		nimbus_list(n, r);
		return;
	}
	nim_topo *t = gale__nimbus_find(n, c->name);
	if (t == NULL) {
		reply_error(r, "no topology named '%.256s'", c->name);
		return;
	}
	char        why[512];
	const char *no  = gale__nimbus_topo_refusal(t, why, sizeof(why));
	int64_t     now = gale__nimbus_wall_ms();
	switch (c->kind) {
	case GALE_CMD_STATS:
		nimbus_stats(t, r);
		return;
	case GALE_CMD_KILL: {
		if (!gale__nimbus_topo_live(t)) {
			reply_error(r, "%s", no);
			return;
		}
		int64_t wait = c->has_wait ? (int64_t) c->wait_secs
					   : gale__nimbus_topo_timeout_secs(t);
		t->active    = false;
		gale__nimbus_topo_bump(t);
		gale__nimbus_topo_enter(t, TOPO_KILLING);
		t->deadline_ms = now + wait * 1000;
		GALE_INFO("topology '%s' deactivated; killing it in %llds",
		    t->name, (long long) wait);
		if (wait == 0) {
			gale__nimbus_kill_now(t);
		}
		break;
	}
	case GALE_CMD_ACTIVATE:
	case GALE_CMD_DEACTIVATE: {
		if (no != NULL) {
			reply_error(r, "%s", no);
			return;
		}
		bool active = c->kind == GALE_CMD_ACTIVATE;
		if (t->active != active) {
			t->active = active;
			gale__nimbus_topo_bump(t);
			GALE_INFO("topology '%s' %s", t->name,
			    active ? "activated" : "deactivated");
		}
		break;
	}
	case GALE_CMD_TRACE:
		if (no != NULL) {
			reply_error(r, "%s", no);
			return;
		}
		if (!(c->sample_rate > 0 && c->sample_rate <= 1)
		    || c->for_secs < 1
		    || c->for_secs > NIMBUS_TRACE_MAX_SECS) {
			reply_error(r,
			    "trace takes a rate in (0, 1] and 1 to %d s, not "
			    "%g for %u s",
			    NIMBUS_TRACE_MAX_SECS, c->sample_rate,
			    c->for_secs);
			return;
		}
		t->trace_set      = true;
		t->trace_rate     = c->sample_rate;
		t->trace_until_ms = now + (int64_t) c->for_secs * 1000;
		gale__nimbus_topo_bump(t);
		GALE_INFO("topology '%s': tracing %g of its trees for %u s",
		    t->name, c->sample_rate, c->for_secs);
		break;
	case GALE_CMD_REBALANCE:
		if (no != NULL) {
			reply_error(r, "%s", no);
			return;
		}
		if (c->workers < 1 || c->workers > NIMBUS_MAX_WORKERS) {
			reply_error(r,
			    "rebalance takes 1 to %d workers, not %u",
			    NIMBUS_MAX_WORKERS, c->workers);
			return;
		}
		t->active       = false;
		t->rebalance_to = c->workers;
		gale__nimbus_topo_bump(t);
		gale__nimbus_topo_enter(t, TOPO_DRAIN);
		t->deadline_ms = now + gale__nimbus_topo_timeout_secs(t) * 1000;
		GALE_INFO("topology '%s' rebalancing to %u workers: draining",
		    t->name, c->workers);
		break;
	default:
		nimbus_garbage(n, NIM_GARBAGE_COMMAND,
		    "dropped a command of unknown kind %d", (int) c->kind);
		reply_error(r, "unknown command %d", (int) c->kind);
		return;
	}
	r->ok = true;
}

// ---------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------

static void
nimbus_tick(gale_nimbus *n)
{
	gale__nimbus_zk_watch_sups(n);
	uint64_t mono = gale__nimbus_mono_ms();
	int64_t  wall = gale__nimbus_wall_ms();
	for (size_t i = 0; i < n->ns; i++) {
		nim_sup *sup = n->s[i];
		// Last seen: its heartbeat, or its ZooKeeper node.
		bool     node = sup->node_ms > sup->beat_ms;
		uint64_t seen = node ? sup->node_ms : sup->beat_ms;
		if (sup->alive && mono - seen > n->sup_timeout_ms) {
			char why[128];
			snprintf(why, sizeof(why),
			    "%s %.1f s ago and it has not heartbeated since",
			    node ? "its ZooKeeper node went away"
				 : "its last heartbeat came",
			    (double) (mono - seen) / 1e3);
			nimbus_lose_sup(n, sup, why);
		}
	}
	for (size_t i = 0; i < n->nt; i++) {
		nim_topo *t = n->t[i];
		if (t->trace_set && wall >= t->trace_until_ms) {
			t->trace_set = false;
			if (gale__nimbus_topo_live(t)) {
				gale__nimbus_topo_bump(t);
			}
			GALE_INFO("topology '%s': tracing ends", t->name);
		}
		switch (t->state) {
		case TOPO_KILLING:
			if (wall >= t->deadline_ms) {
				gale__nimbus_kill_now(t);
			}
			break;
		case TOPO_DRAIN:
			if ((wall - t->phase_ms >= NIMBUS_DRAIN_MIN_MS
				&& gale__nimbus_topo_pending(t) == 0)
			    || wall >= t->deadline_ms) {
				GALE_INFO("topology '%s' drained; stopping "
					   "its workers",
				    t->name);
				gale__nimbus_topo_enter(t, TOPO_STOP);
				t->deadline_ms = wall + NIMBUS_STOP_WAIT_MS;
			}
			break;
		case TOPO_STOP:
			if (gale__nimbus_stopped(n, t) || wall >= t->deadline_ms) {
				gale__nimbus_rebalance_finish(n, t);
			}
			break;
		default:
			break;
		}
		gale__nimbus_topo_settle(t);
	}
	gale__nimbus_schedule(n);
	gale__nimbus_flush(n);
}

// Answers one request.
static void
nimbus_handle(gale_nimbus *n, const void *buf, size_t len, gale_reply *r)
{
	gale_request req;
	if (gale_request_decode(&req, buf, len) != GALE_OK) {
		nimbus_garbage(n, NIM_GARBAGE_MALFORMED,
		    "dropped a malformed request of %zu bytes", len);
		reply_error(r, "malformed request (%zu bytes)", len);
		return;
	}
	switch (req.kind) {
	case GALE_REQ_SUBMIT:
		nimbus_submit(n, &req.u.submit, r);
		break;
	case GALE_REQ_COMMAND:
		nimbus_command(n, &req.u.command, r);
		break;
	case GALE_REQ_SUPERVISOR_HEARTBEAT:
		nimbus_supervisor(n, &req.u.supervisor, r);
		break;
	default:
		nimbus_garbage(n, NIM_GARBAGE_WORKER,
		    "dropped a worker heartbeat sent to nimbus directly");
		reply_error(r,
		    "nimbus takes worker heartbeats only through "
		    "supervisors");
		break;
	}
	gale_request_fini(&req);
	// Nothing is acknowledged before it is on disk.
	gale__nimbus_flush(n);
}

// Drops every topology and supervisor this nimbus knows, before they are
// read again from ZooKeeper.
static void
nimbus_forget(gale_nimbus *n)
{
	for (size_t i = 0; i < n->nt; i++) {
		gale__nimbus_topo_destroy(&n->t[i]);
	}
	free(n->t);
	n->t  = NULL;
	n->nt = 0;
	for (size_t i = 0; i < n->ns; i++) {
		gale__nimbus_sup_destroy(n->s[i]);
	}
	free(n->s);
	n->s  = NULL;
	n->ns = 0;
}

// A standby answers reads (list, stats) from what ZooKeeper holds at the
// time of the request, and refuses every write with the leader's address,
// where clients and supervisors move on to.
static void
nimbus_standby(gale_nimbus *n, const void *buf, size_t len, gale_reply *r)
{
	gale_request req;
	if (gale_request_decode(&req, buf, len) != GALE_OK) {
		nimbus_garbage(n, NIM_GARBAGE_MALFORMED,
		    "dropped a malformed request of %zu bytes", len);
		reply_error(r, "malformed request (%zu bytes)", len);
		return;
	}
	bool read = req.kind == GALE_REQ_COMMAND
	    && (req.u.command.kind == GALE_CMD_LIST
	        || req.u.command.kind == GALE_CMD_STATS);
	if (!read) {
		reply_error(r, "nimbus at %s is a standby; the leader is at %s",
		    n->endpoint,
		    n->leader_endpoint[0] ? n->leader_endpoint : "(none yet)");
	} else {
		char err[1024];
		nimbus_forget(n);
		if (gale__nimbus_load_quiet(n, err, sizeof(err)) != GALE_OK) {
			reply_error(r,
			    "nimbus at %s is a standby and cannot read the "
			    "topologies from ZooKeeper: %s",
			    n->endpoint, err);
		} else {
			nimbus_command(n, &req.u.command, r);
		}
	}
	gale_request_fini(&req);
}

// Encodes r and sends it behind the envelope frames[0 .. nenv - 1].
static void
nimbus_reply(gale_nimbus *n, zmq_msg_t *frames, int nenv, gale_reply *r)
{
	uint8_t *buf = NULL;
	size_t   len = 0;
	gale_err rv  = gale_reply_encode(r, &buf, &len);
	// The assignments borrow the topologies' strings: release them
	// without freeing what they point to.
	for (size_t i = 0; i < r->nassignments; i++) {
		gale__nimbus_assignment_release(&r->assignments[i]);
	}
	free(r->assignments);
	r->assignments  = NULL;
	r->nassignments = 0;
	if (rv != GALE_OK) {
		gale_reply_fini(r);
		reply_error(
		    r, "cannot encode the reply: %s", gale_strerror(rv));
		if (gale_reply_encode(r, &buf, &len) != GALE_OK) {
			return;
		}
	}
	for (int i = 0; i < nenv; i++) {
		zmq_send(n->router, zmq_msg_data(&frames[i]),
		    zmq_msg_size(&frames[i]), ZMQ_SNDMORE | ZMQ_DONTWAIT);
	}
	zmq_send(n->router, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

static void
nimbus_receive(gale_nimbus *n, int timeout_ms)
{
	zmq_pollitem_t item = { .socket = n->router, .events = ZMQ_POLLIN };
	if (zmq_poll(&item, 1, timeout_ms) <= 0) {
		return;
	}
	for (int budget = 0; budget < 256; budget++) {
		zmq_msg_t frames[NIMBUS_FRAMES_MAX];
		int       nf = 0, total = 0;
		for (;;) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, n->router, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&m);
				break;
			}
			bool more = zmq_msg_more(&m);
			if (nf < NIMBUS_FRAMES_MAX) {
				frames[nf++] = m;
			} else {
				zmq_msg_close(&m);
			}
			total++;
			if (!more) {
				break;
			}
		}
		if (total == 0) {
			return;
		}
		if (total < 2 || total > NIMBUS_FRAMES_MAX) {
			nimbus_garbage(n, NIM_GARBAGE_ENVELOPE,
			    "dropped a message of %d frames", total);
		} else {
			gale_reply r = { 0 };
			if (n->leader) {
				nimbus_handle(n, zmq_msg_data(&frames[nf - 1]),
				    zmq_msg_size(&frames[nf - 1]), &r);
			} else {
				nimbus_standby(n, zmq_msg_data(&frames[nf - 1]),
				    zmq_msg_size(&frames[nf - 1]), &r);
			}
			nimbus_reply(n, frames, nf - 1, &r);
			gale_reply_fini(&r);
		}
		for (int i = 0; i < nf; i++) {
			zmq_msg_close(&frames[i]);
		}
	}
}

// A standby looks at the election about five times a second; when it
// leads, it reads the topologies from ZooKeeper and takes over.
static void
nimbus_elect(gale_nimbus *n)
{
	uint64_t now = gale__nimbus_mono_ms();
	if (n->zk == NULL || n->leader || now < n->elect_ms) {
		return;
	}
	n->elect_ms = now + 200;
	char before[256];
	snprintf(before, sizeof(before), "%s", n->leader_endpoint);
	if (!gale__nimbus_zk_leads(n)) {
		if (strcmp(before, n->leader_endpoint) != 0) {
			GALE_INFO("standby: the leader is %s",
			    n->leader_endpoint);
		}
		return;
	}
	char err[1024];
	// What a standby read for its answers is dropped: the leader starts
	// from ZooKeeper's state as it is now.
	nimbus_forget(n);
	if (gale__nimbus_load(n, err, sizeof(err)) != GALE_OK) {
		GALE_ERROR("cannot read the topologies: %s", err);
		return;
	}
	n->leader = true;
	GALE_INFO("became leader at %s (%zu topologies)", n->endpoint, n->nt);
}

void
gale_nimbus_poll(gale_nimbus *n, int timeout_ms)
{
	nimbus_elect(n);
	if (n->leader && n->zk != NULL && !gale__zk_alive(n->zk)) {
		GALE_ERROR("the ZooKeeper session expired: no longer the "
		           "leader");
		n->leader = false;
		n->lost   = true;
	}
	nimbus_receive(n, timeout_ms);
	if (n->leader) {
		nimbus_tick(n);
	}
}

bool
gale_nimbus_leader(const gale_nimbus *n)
{
	return n->leader;
}

bool
gale_nimbus_lost(const gale_nimbus *n)
{
	return n->lost;
}

gale_err
gale_nimbus_new(
    gale_nimbus **out, const gale_nimbus_opts *opts, char *err, size_t errlen)
{
	const char *listen
	    = opts->listen ? opts->listen : "tcp://127.0.0.1:6627";
	const char *dir = opts->data_dir ? opts->data_dir : "gale-nimbus-data";
	if (opts->supervisor_timeout_secs == 0) {
		snprintf(err, errlen,
		    "the supervisor timeout must be at least "
		    "1 second");
		return GALE_EINVAL;
	}
	if (opts->keys_dir == NULL && !opts->insecure
	    && !gale__endpoint_is_loopback(listen)) {
		snprintf(err, errlen,
		    "refusing to listen on '%s' without keys: whoever reaches "
		    "it could run code on every supervisor; give --keys DIR "
		    "(made with gale keygen), or --insecure to accept that",
		    listen);
		return GALE_EINVAL;
	}
	gale_nimbus *n = calloc(1, sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	gale_err rv       = GALE_EIO;
	n->lock_fd        = -1;
	n->sup_timeout_ms = opts->supervisor_timeout_secs * 1000u;
	n->data_dir       = strdup(dir);
	if (n->data_dir == NULL) {
		rv = GALE_ENOMEM;
		goto fail;
	}
	if ((rv = gale_files_mkdirs(dir, err, errlen)) != GALE_OK) {
		goto fail;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/nimbus.lock", dir);
	n->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (n->lock_fd < 0) {
		snprintf(
		    err, errlen, "%s: cannot open: %s", path, strerror(errno));
		rv = GALE_EIO;
		goto fail;
	}
	if (flock(n->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s is in use by another nimbus", dir);
		rv = GALE_EIO;
		goto fail;
	}
	// With ZooKeeper, the topologies are read once this nimbus leads.
	if (opts->zk.servers == NULL
	    && (rv = gale__nimbus_load(n, err, errlen)) != GALE_OK) {
		goto fail;
	}
	n->leader = opts->zk.servers == NULL;
	if (opts->keys_dir != NULL
	    && (rv = gale__keys_load(&n->keys, opts->keys_dir, "nimbus", err,
	            errlen))
	        != GALE_OK) {
		goto fail;
	}
	rv        = GALE_EIO;
	n->zctx   = zmq_ctx_new();
	n->router = n->zctx ? zmq_socket(n->zctx, ZMQ_ROUTER) : NULL;
	if (n->router == NULL) {
		snprintf(err, errlen, "cannot create a socket");
		goto fail;
	}
	if (n->keys != NULL) {
		// The handler is bound before the socket, so that no peer is
		// ever let in unchecked.
		if (gale__zap_start(&n->zap, n->zctx, n->keys) != GALE_OK
		    || gale__keys_serve(n->keys, n->router) != GALE_OK) {
			snprintf(err, errlen,
			    "cannot set up CURVE on the listening socket: %s",
			    zmq_strerror(zmq_errno()));
			goto fail;
		}
		GALE_INFO("CURVE on: nimbus key %s, %zu trusted keys in %s",
		    gale__keys_fingerprint(n->keys),
		    gale__keys_ntrusted(n->keys), opts->keys_dir);
	}
	int     linger = 0;
	int64_t max    = NIMBUS_MSG_MAX;
	zmq_setsockopt(n->router, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(n->router, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	if (zmq_bind(n->router, listen) != 0) {
		snprintf(err, errlen, "cannot listen on '%s': %s", listen,
		    zmq_strerror(zmq_errno()));
		rv = GALE_EIO;
		goto fail;
	}
	size_t len = sizeof(n->endpoint);
	if (zmq_getsockopt(n->router, ZMQ_LAST_ENDPOINT, n->endpoint, &len)
	    != 0) {
		snprintf(n->endpoint, sizeof(n->endpoint), "%s", listen);
	}
	if (opts->zk.servers != NULL) {
		if ((rv = gale__nimbus_zk_join(n, &opts->zk, err, errlen))
		    != GALE_OK) {
			goto fail;
		}
		nimbus_elect(n);
		if (!n->leader && n->leader_endpoint[0] == '\0') {
			GALE_INFO("standby: no leader yet");
		}
	}
	// What was reloaded may be due for something (a kill wait ended).
	if (n->leader) {
		nimbus_tick(n);
	}
	*out = n;
	return GALE_OK;
fail:
	gale_nimbus_destroy(&n);
	return rv;
}

void
gale_nimbus_destroy(gale_nimbus **np)
{
	gale_nimbus *n = *np;
	if (n == NULL) {
		return;
	}
	gale__zap_stop(&n->zap);
	if (n->router != NULL) {
		zmq_close(n->router);
	}
	if (n->zctx != NULL) {
		zmq_ctx_term(n->zctx);
	}
	gale__keys_destroy(&n->keys);
	gale__zk_close(&n->zk);
	nimbus_forget(n);
	if (n->lock_fd >= 0) {
		close(n->lock_fd);
	}
	free(n->data_dir);
	free(n);
	*np = NULL;
}

const char *
gale_nimbus_endpoint(const gale_nimbus *n)
{
	return n->endpoint;
}

uint64_t
gale_nimbus_dropped(const gale_nimbus *n)
{
	return n->dropped;
}
