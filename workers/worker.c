// SPDX-License-Identifier: MIT
// worker.c - a worker process: its executors, heartbeats and assignment.

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "base/thread.h"
#include "proto/wire.h"
#include "runtime/executor.h"
#include "runtime/trace.h"
#include "runtime/transport.h"
#include "topology/config_keys.h"
#include "topology/model.h"
#include "topology/plan.h"
#include "topology/spec.h"
#include "workers/registry.h"
#include "workers/worker.h"

#define WORKER_FIRST_ASSIGNMENT_MS 15000
#define WORKER_EP_MAX 128
// Finished sampled trees a worker keeps for its heartbeats: as many as the
// stats keep (GALE_STATS_TRACES), since one worker may finish every tree
// (a spout's trees end at an acker in its own worker).
#define WORKER_TRACES 32
// How long heartbeats carry a finished tree.
#define WORKER_TRACE_KEEP_MS 30000
// A batch holds up to this much besides its largest tuple.
#define WORKER_BATCH_SLACK (512 * 1024)
// How long stopping may take (every task's last callbacks and close, the
// sockets' linger) when topology.executor.stuck.secs does not say.
#define WORKER_STOP_MAX_SECS 30

// Bounds the worker's stop: a thread that waits topology.executor.stuck.secs
// for it to end and, when it has not, names the task it waits for and
// ends the process with an error. A callback that never returns (a client
// library waiting on a broker that went away) must not leave a worker
// that cannot be stopped.
typedef struct worker_stop_watch {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	pthread_t       thread;
	bool            done;
	bool            started;
	uint64_t        secs;
	char            what[200]; // what it waits for now
} worker_stop_watch;

// What the control thread knows of one executor's callbacks, to find one
// that does not return: the sequence it last saw and since when.
typedef struct worker_watch {
	uint64_t seq;
	uint64_t since_ns;
	uint64_t said_ns; // when it was last reported stuck, 0: not stuck
	uint64_t errors_sent; // the number of its last error in a heartbeat
} worker_watch;

typedef struct worker {
	const gale_worker_opts *opts;
	void                   *zctx;
	void                   *ctl; // DEALER to the controller
	gale_assignment         asg;
	bool                    have_asg;
	bool                    stop_requested;
	gale_topology          *topo;
	gale_plan              *plan;
	gale_transport         *transport;
	gale_worker_env         env;
	gale_executor         **execs;
	gale_outbox            *resend; // end of stream sent again
	worker_watch           *watch;
	uint64_t                stuck_ns;
	char (*endpoints)[WORKER_EP_MAX];
	uint32_t *tasks;
	size_t    ntasks;
	bool      started;
	uint64_t  start_ns;
	char      run_id[256]; // the executors' copy
	char      error[512];
	// The error of the task that could not start, sent with heartbeats
	// (component NULL while there is none).
	gale_component_error task_error;
	double               trace_conf; // topology.trace.sample.rate
	worker_stop_watch    stop_watch;
} worker;

static volatile sig_atomic_t worker_signalled;

static void
worker_on_signal(int sig)
{
	(void) sig;
	worker_signalled = 1;
}

static uint64_t
worker_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL) {
		return 0;
	}
	unsigned long size = 0, rss = 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2) {
		rss = 0;
	}
	fclose(f);
	return (uint64_t) rss * (uint64_t) sysconf(_SC_PAGESIZE);
}

static bool
worker_all_finished(const worker *w)
{
	for (size_t i = 0; i < w->ntasks; i++) {
		if (!gale__executor_finished(w->execs[i])) {
			return false;
		}
	}
	return true;
}

static const char *
worker_failed_task(const worker *w, uint32_t *task, const char **why)
{
	for (size_t i = 0; i < w->ntasks; i++) {
		if (w->execs[i] != NULL
		    && gale__executor_failed(w->execs[i])) {
			uint32_t c
			    = gale_plan_task_component(w->plan, w->tasks[i]);
			*task = w->tasks[i];
			*why  = gale__executor_error(w->execs[i]);
			return gale_plan_component_id(w->plan, c);
		}
	}
	return NULL;
}

// How long task i's callback has run, in ms, once that is stuck_ns or
// more; else 0.
static uint64_t
worker_stuck_ms(const worker *w, size_t i)
{
	const worker_watch *wt = &w->watch[i];
	if (wt->said_ns == 0) {
		return 0;
	}
	return (gale_now_ns() - wt->since_ns) / 1000000u;
}

// Looks at every executor's callback sequence: one that is odd (inside a
// callback) and has not changed for stuck_ns is reported, with the
// component:task and how long, then again every stuck_ns while it lasts.
static void
worker_watch_tasks(worker *w, uint64_t now)
{
	if (w->watch == NULL || w->stuck_ns == 0) {
		return;
	}
	for (size_t i = 0; i < w->ntasks; i++) {
		worker_watch *wt  = &w->watch[i];
		uint64_t      seq = gale__executor_callback_seq(w->execs[i]);
		if (seq != wt->seq || (seq & 1u) == 0) {
			if (wt->said_ns != 0) {
				GALE_INFO("%s:%u returned after %.1f s",
				    gale_plan_component_id(w->plan,
					gale_plan_task_component(
					    w->plan, w->tasks[i])),
				    w->tasks[i],
				    (double) (now - wt->since_ns) / 1e9);
			}
			wt->seq      = seq;
			wt->since_ns = now;
			wt->said_ns  = 0;
			continue;
		}
		if (now - wt->since_ns < w->stuck_ns
		    || (wt->said_ns != 0 && now - wt->said_ns < w->stuck_ns)) {
			continue;
		}
		wt->said_ns = now;
		GALE_WARN("%s:%u is stuck: its callback has not returned for "
			  "%.0f s (topology.executor.stuck.secs)",
		    gale_plan_component_id(w->plan,
			gale_plan_task_component(w->plan, w->tasks[i])),
		    w->tasks[i], (double) (now - wt->since_ns) / 1e9);
	}
}

// Sends a heartbeat: the worker's tasks, their endpoints and metrics.
static void
worker_heartbeat(worker *w, bool finished, bool failed)
{
	gale_heartbeat hb = {
		.topology     = w->asg.topology,
		.worker_index = w->opts->index,
		.pid          = (uint32_t) getpid(),
		.generation   = w->asg.generation,
		.uptime_ms    = (gale_now_ns() - w->start_ns) / 1000000u,
		.finished     = finished,
		.failed       = failed,
		.error        = w->error[0] ? w->error : NULL,
		.rss_bytes    = worker_rss_bytes(),
	};
	gale_task_snapshot   *snaps            = NULL;
	gale_task_endpoint   *eps              = NULL;
	gale_replay_record   *replays          = NULL;
	gale_component_error *errors           = NULL;
	char(*texts)[GALE_CONTEXT_ERROR_BYTES] = NULL;
	gale_trace_record *traces              = NULL;
	// The start-up error first, then what the tasks reported since the
	// last heartbeat: each is sent once, as many as a heartbeat carries
	// (the rest go with the next one).
	errors = calloc(GALE_WIRE_MAX_ERRORS, sizeof(*errors));
	texts  = calloc(GALE_WIRE_MAX_ERRORS, sizeof(*texts));
	if (errors == NULL || texts == NULL) {
		goto out;
	}
	if (w->task_error.component != NULL) {
		errors[hb.nerrors++] = w->task_error;
	}
	for (size_t i = 0;
	     w->execs != NULL && w->watch != NULL && i < w->ntasks; i++) {
		if (w->execs[i] == NULL) {
			continue;
		}
		hb.nerrors += gale__executor_errors(w->execs[i],
		    &w->watch[i].errors_sent, errors + hb.nerrors,
		    texts + hb.nerrors, GALE_WIRE_MAX_ERRORS - hb.nerrors);
	}
	hb.errors = errors;
	if (w->ntasks > 0 && w->execs != NULL) {
		snaps = calloc(w->ntasks, sizeof(*snaps));
		eps   = calloc(w->ntasks, sizeof(*eps));
		if (snaps == NULL || eps == NULL) {
			goto out;
		}
		for (size_t i = 0; i < w->ntasks; i++) {
			const gale_executor *e = w->execs[i];
			uint32_t             c
			    = gale_plan_task_component(w->plan, w->tasks[i]);
			gale_task_metrics_snapshot(gale__executor_metrics(e),
			    w->tasks[i], gale_plan_component_id(w->plan, c),
			    &snaps[i]);
			snaps[i].c[GALE_M_STUCK_MS] = worker_stuck_ms(w, i);
			snaps[i].finished  = gale__executor_finished(e);
			snaps[i].exhausted = gale__executor_exhausted(e);
			eps[i].task        = w->tasks[i];
			eps[i].endpoint    = w->endpoints[i];
		}
		size_t cap = w->ntasks * GALE_EXEC_REPLAYS;
		cap        = cap < GALE_WIRE_MAX_REPLAYS ? cap
							 : GALE_WIRE_MAX_REPLAYS;
		replays    = calloc(cap, sizeof(*replays));
		for (size_t i = 0; replays != NULL && i < w->ntasks; i++) {
			hb.nreplays += gale__executor_replays(w->execs[i],
			    replays + hb.nreplays, cap - hb.nreplays);
		}
		hb.replays = replays;
		if (w->env.traces != NULL) {
			traces = calloc(WORKER_TRACES, sizeof(*traces));
		}
		if (traces != NULL) {
			// Heartbeats repeat each tree for a while, in case
			// one is lost, not forever.
			uint64_t now_ms = gale__trace_now_us() / 1000u;
			hb.ntraces      = gale__trace_ring_copy(w->env.traces,
				 now_ms - WORKER_TRACE_KEEP_MS, traces,
				 WORKER_TRACES);
			hb.traces       = traces;
		}
		hb.tasks      = snaps;
		hb.ntasks     = w->ntasks;
		hb.endpoints  = eps;
		hb.nendpoints = w->ntasks;
	}
	uint8_t *buf;
	size_t   len;
	if (gale_heartbeat_encode(&hb, &buf, &len) == GALE_OK) {
		zmq_send(w->ctl, buf, len, ZMQ_DONTWAIT);
		free(buf);
	}
out:
	free(snaps);
	free(eps);
	free(replays);
	free(traces);
	free(errors);
	free(texts);
}

// A task of another worker came back on a new endpoint: the tasks of this
// worker that had finished sent their end of stream to its previous
// incarnation, and the controller may not have known that they finished
// when it started the new one. They send it again (a task that knew
// takes it twice, harmlessly).
static void
worker_resend_eos(worker *w, uint32_t dest)
{
	for (size_t i = 0; w->execs != NULL && i < w->ntasks; i++) {
		const gale_executor *e = w->execs[i];
		if (e == NULL || !gale__executor_finished(e)) {
			continue;
		}
		if (w->resend == NULL
		    && gale__outbox_new(&w->resend, w->transport) != GALE_OK) {
			return;
		}
		gale_err rv = gale__executor_resend_eos(e, dest, w->resend);
		if (rv != GALE_OK) {
			GALE_WARN("cannot send the end of task %u to task %u "
				  "again: %s",
			    gale__executor_task(e), dest, gale_strerror(rv));
		}
	}
}

// Takes in a new assignment: peers' endpoints, finished tasks, activity.
static void
worker_apply(worker *w)
{
	if (w->transport == NULL) {
		return;
	}
	for (size_t i = 0; i < w->asg.nendpoints; i++) {
		const gale_task_endpoint *ep = &w->asg.endpoints[i];
		if (!gale__transport_is_local(w->transport, ep->task)
		    && ep->endpoint != NULL && ep->endpoint[0] != '\0'
		    && gale__transport_set_endpoint(
			w->transport, ep->task, ep->endpoint)) {
			worker_resend_eos(w, ep->task);
		}
	}
	uint32_t n = gale_plan_ntasks(w->plan);
	for (size_t i = 0; i < w->asg.nfinished; i++) {
		uint32_t t = w->asg.finished_tasks[i];
		if (t >= 1 && t <= n) {
			atomic_store(&w->env.finished[t], true);
		}
	}
	atomic_store(&w->env.active, w->asg.active);
	// `gale trace` sets a rate for a while; then the configured one.
	double rate = w->asg.trace_set ? w->asg.trace_rate : w->trace_conf;
	atomic_store(&w->env.trace_log, !w->asg.trace_set);
	atomic_store(&w->env.trace_threshold,
	    rate <= 0       ? 0
		: rate >= 1 ? UINT64_MAX
			    : (uint64_t) (rate * 18446744073709551615.0));
}

// Reads control messages for up to timeout_ms. Returns false when the
// controller cannot be read any more.
static bool
worker_poll_control(worker *w, int timeout_ms)
{
	zmq_pollitem_t item = { .socket = w->ctl, .events = ZMQ_POLLIN };
	if (zmq_poll(&item, 1, timeout_ms) <= 0) {
		return true;
	}
	for (;;) {
		zmq_msg_t msg;
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, w->ctl, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&msg);
			return true;
		}
		gale_worker_control wc;
		gale_err            rv = gale_worker_control_decode(
			       &wc, zmq_msg_data(&msg), zmq_msg_size(&msg));
		zmq_msg_close(&msg);
		if (rv != GALE_OK) {
			GALE_WARN("dropped a malformed control message");
			continue;
		}
		if (wc.assignment != NULL
		    && (!w->have_asg
			|| wc.assignment->generation >= w->asg.generation)) {
			gale_assignment_fini(&w->asg);
			w->asg      = *wc.assignment;
			w->have_asg = true;
			free(wc.assignment);
			wc.assignment = NULL;
			worker_apply(w);
		}
		if (wc.stop) {
			w->stop_requested = true;
			atomic_store(&w->env.draining, true);
		}
		gale_worker_control_fini(&wc);
	}
}

// Names the topology file as if it were in the libdir, where the
// supervisor wrote the files shipped with it, so that components (the
// shell ones' working directory) find them beside their topology.
static bool
worker_file_in_libdir(worker *w)
{
	gale_spec  *spec = &w->asg.spec;
	const char *file = spec->file_name != NULL ? spec->file_name : "";
	if (w->opts->libdir == NULL || w->opts->libdir[0] == '\0') {
		return true;
	}
	const char *slash = strrchr(file, '/');
	const char *base  = slash != NULL ? slash + 1 : file;
	char       *name  = NULL;
	if (asprintf(&name, "%s/%s", w->opts->libdir,
		base[0] != '\0' ? base : "topology.yaml")
	    < 0) {
		snprintf(w->error, sizeof(w->error), "out of memory");
		return false;
	}
	free(spec->file_name);
	spec->file_name = name;
	return true;
}

// Builds the topology, the plan and the executors of this worker's tasks.
static int
worker_build(worker *w)
{
	gale_diag d;
	gale_diag_init(&d);
	int rc = GALE_WORKER_EXIT_CONFIG;
	if (!worker_file_in_libdir(w)) {
		goto out;
	}
	if (gale_topology_from_spec(&w->topo, &w->asg.spec, w->opts->libdir,
		gale__registry_resolver(), &d)
	    != GALE_OK) {
		goto out;
	}
	uint32_t nworkers = (uint32_t) w->asg.nworkers;
	if (nworkers == 0 || w->opts->index >= nworkers) {
		snprintf(w->error, sizeof(w->error),
		    "worker index %u is not in an assignment of %u workers",
		    w->opts->index, nworkers);
		goto out;
	}
	int64_t nackers = gale_topology_config_i64(
	    w->topo, "topology.acker.executors", nworkers);
	if (gale_plan_new(&w->plan, w->topo, nworkers, (uint32_t) nackers)
	    != GALE_OK) {
		snprintf(w->error, sizeof(w->error), "cannot plan the tasks");
		goto out;
	}
	uint32_t n = gale_plan_ntasks(w->plan);
	w->tasks   = calloc(n + 1, sizeof(*w->tasks));
	if (w->tasks == NULL) {
		goto out;
	}
	w->ntasks
	    = gale_plan_worker_tasks(w->plan, w->opts->index, w->tasks, n);
	w->execs        = calloc(w->ntasks + 1, sizeof(*w->execs));
	w->watch        = calloc(w->ntasks + 1, sizeof(*w->watch));
	w->endpoints    = calloc(w->ntasks + 1, sizeof(*w->endpoints));
	w->env.finished = calloc(n + 1, sizeof(*w->env.finished));
	if (w->execs == NULL || w->watch == NULL || w->endpoints == NULL
	    || w->env.finished == NULL) {
		goto out;
	}
	if (gale__transport_new(&w->transport, w->opts->bind_host, n)
	    != GALE_OK) {
		snprintf(w->error, sizeof(w->error), "cannot start transport");
		rc = GALE_WORKER_EXIT_ERROR;
		goto out;
	}
	for (size_t i = 0; i < w->ntasks; i++) {
		gale__transport_set_local(w->transport, w->tasks[i]);
	}
	if (w->asg.data_key != NULL
	    && gale__transport_set_curve(w->transport, w->asg.data_key)
		!= GALE_OK) {
		snprintf(w->error, sizeof(w->error),
		    "the assignment's data key is malformed");
		rc = GALE_WORKER_EXIT_ERROR;
		goto out;
	}
	if (w->asg.data_key != NULL) {
		GALE_INFO("data sockets over CURVE, open only to this "
			  "topology's workers");
	}
	w->env.max_tuple_bytes = (size_t) gale_topology_config_i64(
	    w->topo, "topology.max.tuple.bytes", GALE_DEFAULT_MAX_TUPLE_BYTES);
	gale__transport_set_max_message(
	    w->transport, w->env.max_tuple_bytes + WORKER_BATCH_SLACK);
	w->stuck_ns
	    = (uint64_t) gale_topology_config_i64(w->topo,
		  "topology.executor.stuck.secs", GALE_DEFAULT_STUCK_SECS)
	    * 1000000000u;
	gale_worker_env *env = &w->env;
	env->topo            = w->topo;
	env->plan            = w->plan;
	env->transport       = w->transport;
	// Later assignments replace w->asg, so the executors get a copy.
	snprintf(w->run_id, sizeof(w->run_id), "%s",
	    w->asg.run_id ? w->asg.run_id : "");
	env->run_id     = w->run_id;
	env->run_token  = w->asg.run_token;
	env->batch_size = (uint32_t) gale_topology_config_i64(
	    w->topo, "topology.transfer.batch.size", 1024);
	env->flush_ns = (uint64_t) gale_topology_config_i64(
			    w->topo, "topology.transfer.flush.micros", 250)
	    * 1000u;
	env->max_pending = (uint32_t) gale_topology_config_i64(
	    w->topo, "topology.max.spout.pending", GALE_DEFAULT_MAX_PENDING);
	env->timeout_secs = (uint32_t) gale_topology_config_i64(
	    w->topo, "topology.message.timeout.secs", 30);
	double rate = gale_topology_config_f64(
	    w->topo, "topology.stats.sample.rate", 0.05);
	env->sample_every
	    = rate > 0 && rate < 1 ? (uint32_t) (1.0 / rate + 0.5) : 1;
	w->trace_conf = gale_topology_config_f64(
	    w->topo, "topology.trace.sample.rate", 0);
	if (gale__trace_ring_new(&env->traces, WORKER_TRACES) != GALE_OK) {
		snprintf(w->error, sizeof(w->error), "out of memory");
		rc = GALE_WORKER_EXIT_ERROR;
		goto out;
	}
	env->log_replays = gale_topology_config_bool(
	    w->topo, "topology.debug.replays", false);
	worker_apply(w);
	for (size_t i = 0; i < w->ntasks; i++) {
		gale_err rv = gale__executor_new(&w->execs[i], env,
		    w->tasks[i], w->endpoints[i], WORKER_EP_MAX);
		if (rv != GALE_OK) {
			snprintf(w->error, sizeof(w->error),
			    "task %u: cannot start: %s", w->tasks[i],
			    gale_strerror(rv));
			rc = GALE_WORKER_EXIT_ERROR;
			goto out;
		}
	}
	rc = 0;
out:
	if (d.n > 0) {
		size_t off = 0;
		for (size_t i = 0; i < d.n && off < sizeof(w->error) - 1;
		     i++) {
			int k
			    = snprintf(w->error + off, sizeof(w->error) - off,
				"%s%s", i ? "\n" : "", d.lines[i]);
			if (k < 0) {
				break;
			}
			off += (size_t) k;
		}
	}
	gale_diag_fini(&d);
	return rc;
}

static void *
worker_stop_watch_main(void *arg)
{
	worker_stop_watch *sw = arg;
	struct timespec    at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += (time_t) sw->secs;
	pthread_mutex_lock(&sw->mu);
	int rv = 0;
	while (!sw->done && rv != ETIMEDOUT) {
		rv = pthread_cond_timedwait(&sw->cv, &sw->mu, &at);
	}
	if (!sw->done) {
		GALE_ERROR("stopping took over %" PRIu64 " s: %s; exiting "
			   "without it",
		    sw->secs, sw->what);
		_exit(GALE_WORKER_EXIT_ERROR);
	}
	pthread_mutex_unlock(&sw->mu);
	return NULL;
}

static void
worker_stop_watch_start(worker_stop_watch *sw, uint64_t secs)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&sw->mu, NULL);
	pthread_cond_init(&sw->cv, &ca);
	pthread_condattr_destroy(&ca);
	sw->done = false;
	sw->secs = secs > 0 ? secs : WORKER_STOP_MAX_SECS;
	snprintf(sw->what, sizeof(sw->what), "the worker did not stop");
	sw->started
	    = gale__thread_start(&sw->thread, worker_stop_watch_main, sw) == 0;
}

// Says what stopping waits for now (printf-style).
static void
worker_stop_watch_on(worker_stop_watch *sw, const char *fmt, ...)
{
	if (!sw->started) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&sw->mu);
	vsnprintf(sw->what, sizeof(sw->what), fmt, ap);
	pthread_mutex_unlock(&sw->mu);
	va_end(ap);
}

static void
worker_stop_watch_end(worker_stop_watch *sw)
{
	if (!sw->started) {
		return;
	}
	pthread_mutex_lock(&sw->mu);
	sw->done = true;
	pthread_cond_signal(&sw->cv);
	pthread_mutex_unlock(&sw->mu);
	pthread_join(sw->thread, NULL);
	pthread_cond_destroy(&sw->cv);
	pthread_mutex_destroy(&sw->mu);
	sw->started = false;
}

static void
worker_fini(worker *w)
{
	worker_stop_watch_start(&w->stop_watch, w->stuck_ns / 1000000000u);
	if (w->execs != NULL) {
		atomic_store(&w->env.halt, true);
		for (size_t i = 0; i < w->ntasks; i++) {
			uint32_t c
			    = gale_plan_task_component(w->plan, w->tasks[i]);
			worker_stop_watch_on(&w->stop_watch,
			    "%s:%u has not stopped (a callback does not "
			    "return)",
			    gale_plan_component_id(w->plan, c), w->tasks[i]);
			gale__executor_destroy(&w->execs[i]);
		}
	}
	worker_stop_watch_on(&w->stop_watch, "its sockets have not closed");
	gale__outbox_close(&w->resend);
	gale__transport_destroy(&w->transport);
	gale__trace_ring_destroy(&w->env.traces);
	gale_plan_destroy(&w->plan);
	gale_topology_destroy(&w->topo);
	gale_assignment_fini(&w->asg);
	free(w->execs);
	free(w->watch);
	free(w->endpoints);
	free(w->tasks);
	free((void *) w->env.finished);
	if (w->ctl != NULL) {
		zmq_close(w->ctl);
	}
	if (w->zctx != NULL) {
		zmq_ctx_term(w->zctx);
	}
	worker_stop_watch_end(&w->stop_watch);
}

int
gale_worker_run(const gale_worker_opts *opts)
{
	worker w  = { .opts = opts, .start_ns = gale_now_ns() };
	int    rc = GALE_WORKER_EXIT_ERROR;

	struct sigaction sa = { .sa_handler = worker_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	// Ctrl-C reaches the whole process group; the controller turns it
	// into a graceful stop, which a worker must live to carry out.
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	w.zctx = zmq_ctx_new();
	w.ctl  = w.zctx ? zmq_socket(w.zctx, ZMQ_DEALER) : NULL;
	if (w.ctl == NULL) {
		GALE_ERROR("cannot create a socket");
		goto out;
	}
	int linger = 1000;
	zmq_setsockopt(w.ctl, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_connect(w.ctl, opts->controller) != 0) {
		GALE_ERROR("cannot connect to '%s': %s", opts->controller,
		    zmq_strerror(zmq_errno()));
		goto out;
	}
	worker_heartbeat(&w, false, false);
	uint64_t deadline
	    = gale_now_ns() + (uint64_t) WORKER_FIRST_ASSIGNMENT_MS * 1000000u;
	while (!w.have_asg && !w.stop_requested && !worker_signalled) {
		if (gale_now_ns() > deadline) {
			GALE_ERROR(
			    "no assignment from '%s'", opts->controller);
			goto out;
		}
		worker_poll_control(&w, 100);
	}
	if (!w.have_asg) {
		rc = GALE_WORKER_EXIT_DONE;
		goto out;
	}
	rc = worker_build(&w);
	if (rc != 0) {
		if (w.error[0] == '\0') {
			GALE_ERROR("cannot start its tasks: %s",
			    gale_strerror(GALE_ENOMEM));
		}
		// One log line per diagnostic of the definition.
		for (const char *l = w.error; *l != '\0';) {
			size_t n = strcspn(l, "\n");
			GALE_ERROR("%.*s", (int) n, l);
			l += n + (l[n] == '\n');
		}
		worker_heartbeat(&w, false, true);
		goto out;
	}
	worker_heartbeat(&w, false, false);

	uint64_t hb_ns
	    = (uint64_t) (opts->heartbeat_ms ? opts->heartbeat_ms : 1000)
	    * 1000000u;
	uint64_t next_hb = gale_now_ns() + hb_ns;
	rc               = GALE_WORKER_EXIT_ERROR;
	while (!worker_signalled) {
		worker_poll_control(&w, 20);
		if (!w.started && gale__transport_complete(w.transport)) {
			for (size_t i = 0; i < w.ntasks; i++) {
				if (gale__executor_start(w.execs[i])
				    != GALE_OK) {
					snprintf(w.error, sizeof(w.error),
					    "cannot start a thread");
					goto out;
				}
			}
			w.started = true;
		}
		uint32_t    bad_task = 0;
		const char *why      = "";
		const char *bad      = worker_failed_task(&w, &bad_task, &why);
		if (bad != NULL) {
			snprintf(w.error, sizeof(w.error),
			    "component '%s' could not start%s%s", bad,
			    why[0] != '\0' ? ": " : "", why);
			// Borrowed by the heartbeat: the plan and w.error
			// outlive it.
			w.task_error = (gale_component_error) {
				.component = (char *) bad,
				.task      = bad_task,
				.time_secs = (uint64_t) time(NULL),
				.error     = w.error,
			};
			worker_heartbeat(&w, false, true);
			rc = GALE_WORKER_EXIT_CONFIG;
			goto out;
		}
		if (w.started && worker_all_finished(&w)) {
			worker_heartbeat(&w, true, false);
			rc = GALE_WORKER_EXIT_DONE;
			break;
		}
		uint64_t now = gale_now_ns();
		if (w.started) {
			worker_watch_tasks(&w, now);
		}
		if (now >= next_hb) {
			worker_heartbeat(&w, false, false);
			next_hb = now + hb_ns;
		}
	}
out:
	worker_fini(&w);
	return rc;
}
