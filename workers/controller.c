// SPDX-License-Identifier: MIT
// controller.c - runs one topology's worker processes on this machine.

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "base/rand.h"
#include "workers/controller.h"
#include "workers/worker.h"
#include "workers/worker_host.h"

// A worker that dies within CONTROLLER_HEALTHY_MS of its start more than
// CONTROLLER_CRASH_LOOP times in a row is given up on: the topology fails.
// Between such deaths it waits from CONTROLLER_BACKOFF_MS, doubling, up to
// CONTROLLER_BACKOFF_MAX_MS; after a longer run it restarts at once.
#define CONTROLLER_CRASH_LOOP 6
#define CONTROLLER_HEALTHY_MS 1500
#define CONTROLLER_BACKOFF_MS 100
#define CONTROLLER_BACKOFF_MAX_MS 5000
#define CONTROLLER_STOP_GRACE_MS 3000
// How long after a worker exited done its last heartbeat (the final
// counts, sent before it exits) may still arrive.
#define CONTROLLER_LAST_HB_MS 2000

typedef struct ctl_worker {
	gale_worker_proc *proc;
	bool              done; // ended after its tasks finished, and
		   // its last heartbeat came (or is overdue)
	bool      last_hb; // its heartbeat said it finished
	uint64_t  exited_ms; // when it exited done, 0: it did not
	uint64_t  sent_gen; // the assignment generation it last got
	bool      stop_sent;
	bool      announce; // restarted: print its line again
	int       last_code; // how its last process ended
	uint32_t *tasks;
	size_t    ntasks;
} ctl_worker;

struct gale_controller {
	gale_spec            spec;
	const gale_topology *topo;
	gale_plan           *plan;
	uint32_t             nworkers;
	uint32_t             ntasks;
	char                 bind_host[64];
	gale_worker_host    *host;
	ctl_worker          *w;
	char               **endpoints; // [ntasks + 1]
	bool                *finished; // [ntasks + 1]
	uint64_t            *unprocessed; // [ntasks + 1], spouts, at stop
	uint32_t             lost_spouts; // died while stopping, unfinished
	uint64_t             generation;
	bool                 dirty;
	bool                 active;
	bool                 stopping;
	bool                 running;
	char                 error[1024];
	gale_stats          *stats;
	uint64_t             start_ns;
	uint32_t             restarts;
	char                 run_id[96];
	uint64_t             run_token; // the run's secret (base/rand.h)
};

static uint64_t
controller_now_ms(void)
{
	return gale_now_ns() / 1000000u;
}

static pid_t
controller_pid(const ctl_worker *w)
{
	return w->proc != NULL ? gale_worker_proc_pid(w->proc) : 0;
}

static void controller_on_event(void *arg, const gale_worker_event *ev);

// A worker that dies while the topology stops takes with it whatever its
// unfinished spout tasks had in flight, which no one can count: the stop
// then cannot claim that every input was processed.
static void
controller_lost_while_stopping(
    gale_controller *c, const ctl_worker *w, uint32_t index)
{
	for (size_t k = 0; k < w->ntasks; k++) {
		uint32_t t    = w->tasks[k];
		uint32_t comp = gale_plan_task_component(c->plan, t);
		if (gale_plan_component_is_spout(c->plan, comp)
		    && !c->finished[t]) {
			GALE_WARN("worker %u died while stopping: what %s:%u "
				  "had in flight may not be processed",
			    index, gale_plan_component_id(c->plan, comp), t);
			c->lost_spouts++;
		}
	}
}
static bool controller_heartbeat(
    void *arg, gale_worker_proc *proc, gale_heartbeat *hb);

gale_err
gale_controller_new(gale_controller **out, const gale_spec *spec,
    const gale_topology *topo, const char *bind_host)
{
	gale_controller *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return GALE_ENOMEM;
	}
	gale_err rv = GALE_ENOMEM;
	c->topo     = topo;
	c->active   = true;
	c->start_ns = gale_now_ns();
	snprintf(c->bind_host, sizeof(c->bind_host), "%s",
	    bind_host ? bind_host : "127.0.0.1");
	snprintf(c->run_id, sizeof(c->run_id), "%s-%ld-%d", topo->name,
	    (long) time(NULL), (int) getpid());
	// The token is secret: nothing on the data plane or in ps derives
	// it, so only processes handed the assignment can speak to inboxes.
	if (!gale__rand_secret(&c->run_token)) {
		GALE_ERROR("cannot draw the run's token: %s", strerror(errno));
		rv = GALE_EIO;
		goto fail;
	}
	if (gale_spec_copy(&c->spec, spec) != GALE_OK) {
		goto fail;
	}
	c->nworkers
	    = (uint32_t) gale_topology_config_i64(topo, "topology.workers", 1);
	int64_t nackers = gale_topology_config_i64(
	    topo, "topology.acker.executors", c->nworkers);
	if ((rv = gale_plan_new(
		 &c->plan, topo, c->nworkers, (uint32_t) nackers))
	    != GALE_OK) {
		goto fail;
	}
	rv             = GALE_ENOMEM;
	c->ntasks      = gale_plan_ntasks(c->plan);
	c->w           = calloc(c->nworkers, sizeof(*c->w));
	c->endpoints   = calloc(c->ntasks + 1, sizeof(*c->endpoints));
	c->finished    = calloc(c->ntasks + 1, sizeof(*c->finished));
	c->unprocessed = calloc(c->ntasks + 1, sizeof(*c->unprocessed));
	if (c->w == NULL || c->endpoints == NULL || c->finished == NULL
	    || c->unprocessed == NULL) {
		goto fail;
	}
	for (uint32_t i = 0; i < c->nworkers; i++) {
		c->w[i].tasks = calloc(c->ntasks + 1, sizeof(uint32_t));
		if (c->w[i].tasks == NULL) {
			goto fail;
		}
		c->w[i].ntasks = gale_plan_worker_tasks(
		    c->plan, i, c->w[i].tasks, c->ntasks);
	}
	if ((rv = gale_stats_new(&c->stats, topo->name)) != GALE_OK) {
		goto fail;
	}
	for (uint32_t k = 0; k < gale_plan_ncomponents(c->plan); k++) {
		gale_stats_add_component(c->stats,
		    gale_plan_component_id(c->plan, k),
		    gale_plan_component_is_spout(c->plan, k),
		    gale_plan_component_ntasks(c->plan, k));
	}
	gale_worker_host_opts ho = {
		.bind_host      = c->bind_host,
		.max_restarts   = CONTROLLER_CRASH_LOOP,
		.backoff_ms     = CONTROLLER_BACKOFF_MS,
		.backoff_max_ms = CONTROLLER_BACKOFF_MAX_MS,
		.healthy_ms     = CONTROLLER_HEALTHY_MS,
		.stop_grace_ms  = CONTROLLER_STOP_GRACE_MS,
	};
	if ((rv = gale_worker_host_new(
		 &c->host, &ho, controller_on_event, controller_heartbeat, c))
	    != GALE_OK) {
		goto fail;
	}
	*out = c;
	return GALE_OK;
fail:
	gale_controller_destroy(&c);
	return rv;
}

void
gale_controller_destroy(gale_controller **cp)
{
	gale_controller *c = *cp;
	if (c == NULL) {
		return;
	}
	gale_worker_host_destroy(&c->host);
	if (c->endpoints != NULL) {
		for (uint32_t t = 0; t <= c->ntasks; t++) {
			free(c->endpoints[t]);
		}
	}
	if (c->w != NULL) {
		for (uint32_t i = 0; i < c->nworkers; i++) {
			free(c->w[i].tasks);
		}
	}
	free(c->endpoints);
	free(c->finished);
	free(c->unprocessed);
	free(c->w);
	gale_stats_destroy(&c->stats);
	gale_plan_destroy(&c->plan);
	gale_spec_fini(&c->spec);
	free(c);
	*cp = NULL;
}

// A worker's death is an error of every component it ran, on the first
// of its tasks of that component, with how it ended.
static void
controller_note_death(
    gale_controller *c, const ctl_worker *w, const gale_worker_event *ev)
{
	if (c->stats == NULL) {
		return;
	}
	char how[32], why[160];
	snprintf(why, sizeof(why), "worker %u (pid %d) died: %s%s", ev->index,
	    (int) ev->pid, gale_worker_exit_str(ev->code, how, sizeof(how)),
	    ev->restarting ? "; restarting it" : "");
	for (size_t k = 0; k < w->ntasks; k++) {
		uint32_t comp = gale_plan_task_component(c->plan, w->tasks[k]);
		bool     seen = false;
		for (size_t j = 0; j < k && !seen; j++) {
			seen = gale_plan_task_component(c->plan, w->tasks[j])
			    == comp;
		}
		if (seen) {
			continue;
		}
		gale_component_error e = {
			.component
			= (char *) gale_plan_component_id(c->plan, comp),
			.task      = w->tasks[k],
			.time_secs = (uint64_t) time(NULL),
			.host      = (char *) "127.0.0.1",
			.error     = why,
		};
		(void) gale_stats_add_error(c->stats, &e);
	}
}

// What the worker host saw of worker ev->index.
static void
controller_on_event(void *arg, const gale_worker_event *ev)
{
	gale_controller *c = arg;
	ctl_worker      *w = &c->w[ev->index];
	uint32_t         i = ev->index;
	switch (ev->kind) {
	case GALE_WORKER_STARTED:
		w->sent_gen  = 0;
		w->stop_sent = false;
		w->last_hb   = false;
		w->exited_ms = 0;
		w->announce  = ev->restarts > 0;
		// Its new process reports new endpoints; until then the line
		// printed for it would name the old port.
		for (size_t k = 0; w->announce && k < w->ntasks; k++) {
			free(c->endpoints[w->tasks[k]]);
			c->endpoints[w->tasks[k]] = NULL;
		}
		break;
	case GALE_WORKER_FINISHED:
		w->exited_ms = controller_now_ms();
		w->done      = w->last_hb;
		break;
	case GALE_WORKER_REFUSED:
		if (c->error[0] == '\0') {
			snprintf(c->error, sizeof(c->error),
			    "worker %u: a task could not start", i);
		}
		break;
	case GALE_WORKER_DIED:
		w->last_code = ev->code;
		controller_note_death(c, w, ev);
		if (c->stopping) {
			controller_lost_while_stopping(c, w, i);
		}
		if (ev->restarting) {
			c->restarts++;
		} else if (c->stopping && c->error[0] == '\0') {
			GALE_WARN("worker %u exited (%d) while stopping", i,
			    ev->code);
			w->done = true;
		}
		break;
	case GALE_WORKER_GAVE_UP: {
		char how[32];
		snprintf(c->error, sizeof(c->error),
		    "worker %u died %u times in a row within %.1f s of "
		    "starting (last: %s); giving up",
		    i, ev->quick, CONTROLLER_HEALTHY_MS / 1000.0,
		    gale_worker_exit_str(ev->code, how, sizeof(how)));
		break;
	}
	case GALE_WORKER_SPAWN_FAILED:
		if (c->error[0] == '\0') {
			snprintf(c->error, sizeof(c->error),
			    "cannot %s worker %u: %s",
			    ev->restarts > 0 ? "restart" : "start", i,
			    gale_strerror(ev->err));
		}
		break;
	case GALE_WORKER_STOPPED:
		break;
	}
	// A topology that failed starts no worker again; a stopping one
	// does, so that the trees it was replaying can still complete.
	gale_worker_host_set_restarts(c->host, c->error[0] == '\0');
}

gale_err
gale_controller_start(gale_controller *c)
{
	for (uint32_t i = 0; i < c->nworkers; i++) {
		char label[32];
		snprintf(label, sizeof(label), "worker %u", i);
		gale_err rv = gale_worker_host_start(
		    c->host, i, NULL, label, NULL, &c->w[i].proc);
		if (rv != GALE_OK) {
			if (c->error[0] == '\0') {
				snprintf(c->error, sizeof(c->error),
				    "cannot start worker %u: %s", i,
				    gale_strerror(rv));
			}
			return rv;
		}
	}
	return GALE_OK;
}

static void
controller_send(
    gale_controller *c, ctl_worker *w, const gale_worker_control *wc)
{
	if (w->proc != NULL) {
		gale_worker_host_send(c->host, w->proc, wc);
	}
}

static uint32_t
controller_port(const char *endpoint)
{
	const char *colon = endpoint ? strrchr(endpoint, ':') : NULL;
	return colon ? (uint32_t) strtoul(colon + 1, NULL, 10) : 0;
}

// Sends worker w the current assignment.
static void
controller_assign(gale_controller *c, ctl_worker *w)
{
	gale_assignment a = {
		.topology   = c->topo->name,
		.generation = c->generation,
		.spec       = c->spec,
		.active     = c->active,
		.run_id     = c->run_id,
		.run_token  = c->run_token,
	};
	gale_worker_slot   *slots = calloc(c->nworkers, sizeof(*slots));
	gale_task_endpoint *eps   = calloc(c->ntasks + 1, sizeof(*eps));
	uint32_t           *fin   = calloc(c->ntasks + 1, sizeof(*fin));
	if (slots == NULL || eps == NULL || fin == NULL) {
		goto out;
	}
	for (uint32_t i = 0; i < c->nworkers; i++) {
		slots[i].index  = i;
		slots[i].host   = c->bind_host;
		slots[i].tasks  = c->w[i].tasks;
		slots[i].ntasks = c->w[i].ntasks;
		slots[i].port   = c->w[i].ntasks > 0
		      ? controller_port(c->endpoints[c->w[i].tasks[0]])
		      : 0;
	}
	for (uint32_t t = 1; t <= c->ntasks; t++) {
		if (c->endpoints[t] != NULL) {
			eps[a.nendpoints].task       = t;
			eps[a.nendpoints++].endpoint = c->endpoints[t];
		}
		if (c->finished[t]) {
			fin[a.nfinished++] = t;
		}
	}
	a.workers              = slots;
	a.nworkers             = c->nworkers;
	a.endpoints            = eps;
	a.finished_tasks       = fin;
	gale_worker_control wc = { .assignment = &a };
	controller_send(c, w, &wc);
	w->sent_gen = c->generation;
out:
	free(slots);
	free(eps);
	free(fin);
}

static bool
controller_endpoints_known(const gale_controller *c)
{
	for (uint32_t t = 1; t <= c->ntasks; t++) {
		if (c->endpoints[t] == NULL) {
			return false;
		}
	}
	return true;
}

// A heartbeat of a running worker of ours: its endpoints, finished tasks
// and metrics.
static bool
controller_heartbeat(void *arg, gale_worker_proc *proc, gale_heartbeat *hbp)
{
	gale_controller *c  = arg;
	gale_heartbeat   hb = *hbp;
	if (hb.worker_index >= c->nworkers
	    || c->w[hb.worker_index].proc != proc) {
		gale_heartbeat_fini(&hb);
		return false; // not ours
	}
	ctl_worker *w = &c->w[hb.worker_index];
	if (hb.finished) {
		w->last_hb = true;
		w->done    = w->done || w->exited_ms != 0;
	}
	if (hb.failed && c->error[0] == '\0') {
		snprintf(c->error, sizeof(c->error), "worker %u: %s",
		    hb.worker_index,
		    hb.error ? hb.error : "a task could not start");
	}
	for (size_t i = 0; i < hb.nendpoints; i++) {
		uint32_t    t  = hb.endpoints[i].task;
		const char *ep = hb.endpoints[i].endpoint;
		if (t < 1 || t > c->ntasks || ep == NULL || ep[0] == '\0') {
			continue;
		}
		if (c->endpoints[t] == NULL
		    || strcmp(c->endpoints[t], ep) != 0) {
			free(c->endpoints[t]);
			c->endpoints[t] = strdup(ep);
			c->dirty        = true;
		}
	}
	for (size_t i = 0; i < hb.ntasks; i++) {
		uint32_t t = hb.tasks[i].task;
		if (t >= 1 && t <= c->ntasks && hb.tasks[i].finished) {
			c->finished[t] = true;
		}
		if (t >= 1 && t <= c->ntasks) {
			c->unprocessed[t] = hb.tasks[i].c[GALE_M_UNPROCESSED];
		}
	}
	if (hb.ntasks > 0
	    && gale_stats_update(
		   c->stats, &hb, "127.0.0.1", controller_now_ms())
		!= GALE_OK) {
		GALE_WARN("%s", gale_stats_last_error(c->stats));
	}
	// A worker that has not got the current assignment (it just
	// started) gets it now.
	if (w->sent_gen == 0 || hb.generation < c->generation) {
		controller_assign(c, w);
	}
	if (c->stopping && !w->stop_sent) {
		gale_worker_control wc = { .stop = true };
		controller_send(c, w, &wc);
		w->stop_sent = true;
	}
	gale_heartbeat_fini(&hb);
	return true;
}

void
gale_controller_poll(gale_controller *c, int timeout_ms)
{
	zmq_pollitem_t item = { .socket = gale_worker_host_socket(c->host),
		.events                 = ZMQ_POLLIN };
	if (zmq_poll(&item, 1, timeout_ms) > 0) {
		gale_worker_host_receive(c->host);
	}
	gale_worker_host_set_restarts(c->host, c->error[0] == '\0');
	gale_worker_host_poll(c->host);
	uint64_t now = controller_now_ms();
	for (uint32_t i = 0; i < c->nworkers; i++) {
		ctl_worker *w = &c->w[i];
		if (!w->done && w->exited_ms != 0
		    && now - w->exited_ms > CONTROLLER_LAST_HB_MS) {
			GALE_WARN(
			    "worker %u finished, but its last heartbeat "
			    "did not come: its final counts may be short",
			    i);
			w->done = true;
		}
	}
	if (c->dirty && controller_endpoints_known(c)) {
		c->generation++;
		c->dirty   = false;
		c->running = true;
		for (uint32_t i = 0; i < c->nworkers; i++) {
			controller_assign(c, &c->w[i]);
		}
	}
	const char *status = c->stopping  ? "KILLED"
	    : gale_controller_finished(c) ? "FINISHED"
	    : c->active                   ? "ACTIVE"
					  : "INACTIVE";
	gale_stats_set_status(
	    c->stats, status, (gale_now_ns() - c->start_ns) / 1000000000u);
}

void
gale_controller_stop(gale_controller *c)
{
	if (c->stopping) {
		return;
	}
	c->stopping            = true;
	gale_worker_control wc = { .stop = true };
	for (uint32_t i = 0; i < c->nworkers; i++) {
		if (c->w[i].proc != NULL
		    && gale_worker_host_send(c->host, c->w[i].proc, &wc)) {
			c->w[i].stop_sent = true;
		}
	}
}

void
gale_controller_kill(gale_controller *c)
{
	if (c->host != NULL) {
		gale_worker_host_stop_all(c->host);
	}
}

void
gale_controller_set_active(gale_controller *c, bool active)
{
	if (c->active != active) {
		c->active = active;
		c->generation++;
		for (uint32_t i = 0; i < c->nworkers; i++) {
			controller_assign(c, &c->w[i]);
		}
	}
}

bool
gale_controller_finished(const gale_controller *c)
{
	for (uint32_t i = 0; i < c->nworkers; i++) {
		if (!c->w[i].done) {
			return false;
		}
	}
	return true;
}

bool
gale_controller_running(const gale_controller *c)
{
	return c->running;
}

const char *
gale_controller_error(const gale_controller *c)
{
	return c->error[0] ? c->error : NULL;
}

const gale_plan *
gale_controller_plan(const gale_controller *c)
{
	return c->plan;
}

gale_stats *
gale_controller_stats(gale_controller *c)
{
	return c->stats;
}

uint32_t
gale_controller_restarts(const gale_controller *c)
{
	return c->restarts;
}

pid_t
gale_controller_worker_pid(const gale_controller *c, uint32_t i)
{
	return i < c->nworkers ? controller_pid(&c->w[i]) : 0;
}

uint64_t
gale_controller_unprocessed(const gale_controller *c, char *names, size_t len)
{
	uint64_t total = 0;
	size_t   off   = 0;
	if (len > 0) {
		names[0] = '\0';
	}
	for (uint32_t t = 1; t <= c->ntasks; t++) {
		if (c->unprocessed[t] == 0) {
			continue;
		}
		total += c->unprocessed[t];
		if (off < len) {
			int k = snprintf(names + off, len - off,
			    "%s%s:%u %" PRIu64, off ? ", " : "",
			    gale_plan_component_id(
				c->plan, gale_plan_task_component(c->plan, t)),
			    t, c->unprocessed[t]);
			off += k > 0 ? (size_t) k : 0;
		}
	}
	return total;
}

uint32_t
gale_controller_lost_spouts(const gale_controller *c)
{
	return c->lost_spouts;
}

static void controller_print_worker(
    const gale_controller *c, uint32_t i, FILE *f);

void
gale_controller_print_restarted(gale_controller *c, FILE *f)
{
	for (uint32_t i = 0; i < c->nworkers; i++) {
		ctl_worker *w = &c->w[i];
		if (!w->announce || !gale_worker_proc_connected(w->proc)) {
			continue;
		}
		bool known = true;
		for (size_t k = 0; k < w->ntasks; k++) {
			known = known && c->endpoints[w->tasks[k]] != NULL;
		}
		if (known) {
			w->announce = false;
			controller_print_worker(c, i, f);
		}
	}
}

void
gale_controller_print_workers(const gale_controller *c, FILE *f)
{
	for (uint32_t i = 0; i < c->nworkers; i++) {
		controller_print_worker(c, i, f);
	}
}

static void
controller_print_worker(const gale_controller *c, uint32_t i, FILE *f)
{
	{
		const ctl_worker *w = &c->w[i];
		fprintf(f, "worker %u pid %d port %u:", i,
		    (int) controller_pid(w),
		    w->ntasks ? controller_port(c->endpoints[w->tasks[0]])
			      : 0);
		uint32_t prev = UINT32_MAX;
		for (size_t k = 0; k < w->ntasks; k++) {
			uint32_t comp
			    = gale_plan_task_component(c->plan, w->tasks[k]);
			if (comp != prev) {
				fprintf(f, "%s %s[%u",
				    prev == UINT32_MAX ? "" : "]",
				    gale_plan_component_id(c->plan, comp),
				    w->tasks[k]);
				prev = comp;
			} else {
				fprintf(f, ",%u", w->tasks[k]);
			}
		}
		fprintf(f, "%s\n", prev == UINT32_MAX ? "" : "]");
	}
	fflush(f);
}
