// SPDX-License-Identifier: MIT
// supervisor.c - runs the workers nimbus assigns to this machine's slots.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "workers/client.h"
#include "workers/files.h"
#include "workers/keys.h"
#include "workers/supervisor_impl.h"

// A worker asked to stop gets this long to drain before SIGTERM, and then
// this long before SIGKILL.
#define SUP_STOP_GRACE_MS 10000
#define SUP_KILL_GRACE_MS 2000
// A worker that dies is started again after at most this long; one that
// keeps dying soon after it starts (within SUP_HEALTHY_MS) waits longer
// each time, from SUP_RESTART_MIN_MS up to it.
#define SUP_RESTART_MIN_MS 100
#define SUP_RESTART_MAX_MS 1500
#define SUP_HEALTHY_MS 10000
// When the supervisor itself stops: SIGTERM to every worker, then SIGKILL
// after this long.
#define SUP_EXIT_GRACE_MS 3000
#define SUP_MAX_SLOTS 1024


void
gale__sup_worker_destroy(sup_worker **wp)
{
	sup_worker *w = *wp;
	if (w == NULL) {
		return;
	}
	gale_heartbeat_fini(&w->hb);
	for (size_t i = 0; i < w->ndeaths; i++) {
		gale_component_error_fini(&w->deaths[i]);
	}
	free(w->topology);
	free(w->run_id);
	free(w);
	*wp = NULL;
}

// Keeps the death ev of w as an error of each component of its last
// heartbeat's tasks (none when it never sent one).
static void
sup_note_death(gale_supervisor *s, sup_worker *w, const gale_worker_event *ev)
{
	for (size_t i = 0; i < w->ndeaths; i++) {
		gale_component_error_fini(&w->deaths[i]);
	}
	w->ndeaths = 0;
	char how[32], why[160];
	snprintf(why, sizeof(why), "worker %u (pid %d) died: %s%s", w->index,
	    (int) ev->pid, gale_worker_exit_str(ev->code, how, sizeof(how)),
	    ev->kind == GALE_WORKER_GAVE_UP ? "; giving up" : "");
	for (size_t k = 0; w->have_hb && k < w->hb.ntasks; k++) {
		const gale_task_snapshot *t    = &w->hb.tasks[k];
		bool                      seen = false;
		for (size_t j = 0; j < w->ndeaths && !seen; j++) {
			seen = strcmp(w->deaths[j].component, t->component)
			    == 0;
		}
		if (seen || w->ndeaths == SUP_DEATHS_MAX) {
			continue;
		}
		gale_component_error e = {
			.component = (char *) t->component,
			.task      = t->task,
			.time_secs = (uint64_t) time(NULL),
			.host      = s->host,
			.port      = w->port,
			.error     = why,
		};
		if (gale_component_error_copy(&w->deaths[w->ndeaths], &e)
		    == GALE_OK) {
			w->ndeaths++;
		}
	}
}

// Adds w's death errors to hb (a shallow copy of w's heartbeat); returns
// the array to free after the send, or NULL.
gale_component_error *
gale__sup_with_deaths(gale_heartbeat *hb, const sup_worker *w)
{
	if (w->ndeaths == 0) {
		return NULL;
	}
	gale_component_error *all
	    = calloc(hb->nerrors + w->ndeaths, sizeof(*all));
	if (all == NULL) {
		return NULL;
	}
	if (hb->nerrors > 0) {
		memcpy(all, hb->errors, hb->nerrors * sizeof(*all));
	}
	memcpy(all + hb->nerrors, w->deaths, w->ndeaths * sizeof(*all));
	hb->errors = all;
	hb->nerrors += w->ndeaths;
	return all;
}

// ---------------------------------------------------------------------
// Talking to workers
// ---------------------------------------------------------------------

static const gale_assignment *
sup_find_asg(const gale_supervisor *s, const sup_worker *w)
{
	for (size_t i = 0; i < s->nasg; i++) {
		if (strcmp(s->asg[i].topology, w->topology) == 0
		    && strcmp(s->asg[i].run_id, w->run_id) == 0) {
			return &s->asg[i];
		}
	}
	return NULL;
}

// True when w's process runs and can be sent to.
bool
gale__sup_connected(const sup_worker *w)
{
	return w->proc != NULL && gale_worker_proc_connected(w->proc);
}

static bool
sup_send(gale_supervisor *s, sup_worker *w, const gale_worker_control *wc)
{
	return w->proc != NULL
	    && gale_worker_host_send(s->workers, w->proc, wc);
}

void
gale__sup_forward(gale_supervisor *s, sup_worker *w)
{
	const gale_assignment *a = sup_find_asg(s, w);
	if (a == NULL || !gale__sup_connected(w)) {
		return;
	}
	gale_worker_control wc = { .assignment = (gale_assignment *) a };
	sup_send(s, w, &wc);
	w->sent_gen = a->generation;
}

static bool
endpoints_equal(const gale_heartbeat *a, const gale_heartbeat *b)
{
	if (a->nendpoints != b->nendpoints) {
		return false;
	}
	for (size_t i = 0; i < a->nendpoints; i++) {
		if (a->endpoints[i].task != b->endpoints[i].task
		    || strcmp(
			   a->endpoints[i].endpoint, b->endpoints[i].endpoint)
			!= 0) {
			return false;
		}
	}
	return true;
}

// A heartbeat of a running worker process of ours (current or being
// stopped): kept, to be reported to nimbus.
static bool
sup_heartbeat(void *arg, gale_worker_proc *proc, gale_heartbeat *hbp)
{
	gale_supervisor *s        = arg;
	sup_worker      *w        = gale_worker_proc_owner(proc);
	bool             stopping = gale_worker_proc_retired(proc);
	gale_heartbeat   hb       = *hbp;
	if (hb.topology[0] != '\0' && strcmp(hb.topology, w->topology) != 0) {
		gale_heartbeat_fini(&hb);
		return false; // not this worker
	}
	if (hb.topology[0] == '\0') {
		char *name = strdup(w->topology);
		if (name == NULL) {
			gale_heartbeat_fini(&hb);
			return true;
		}
		free(hb.topology);
		hb.topology = name;
	}
	if (!w->have_hb || !endpoints_equal(&w->hb, &hb) || hb.finished
	    || hb.failed) {
		s->report_soon = true;
	}
	gale_heartbeat_fini(&w->hb);
	w->hb      = hb;
	w->have_hb = true;
	if (stopping) {
		if (!w->stop_sent) {
			gale_worker_control wc = { .stop = true };
			sup_send(s, w, &wc);
			w->stop_sent = true;
		}
		return true;
	}
	const gale_assignment *a = sup_find_asg(s, w);
	if (a != NULL && (w->sent_gen == 0 || hb.generation < a->generation)) {
		gale__sup_forward(s, w);
	}
	return true;
}

// ---------------------------------------------------------------------
// Starting, restarting and stopping workers
// ---------------------------------------------------------------------

// Makes w's latest heartbeat say what its exit said, in case the worker
// could not send it itself.
static void
sup_note_exit(sup_worker *w, pid_t pid, bool finished, const char *error)
{
	if (!w->have_hb) {
		memset(&w->hb, 0, sizeof(w->hb));
		w->hb.topology = strdup(w->topology);
		w->hb.error    = strdup("");
		if (w->hb.topology == NULL || w->hb.error == NULL) {
			gale_heartbeat_fini(&w->hb);
			return;
		}
		w->hb.worker_index = w->index;
		w->hb.pid          = (uint32_t) pid;
		w->have_hb         = true;
	}
	if (finished) {
		w->hb.finished = true;
	}
	if (error != NULL && !w->hb.failed) {
		char *e = strdup(error);
		if (e != NULL) {
			free(w->hb.error);
			w->hb.error  = e;
			w->hb.failed = true;
		}
	}
}

// Makes w's heartbeat carry error without failing the topology: the
// worker died and is being started again.
static void
sup_note_error(sup_worker *w, pid_t pid, const char *error)
{
	sup_note_exit(w, pid, false, NULL);
	char *e = w->have_hb ? strdup(error) : NULL;
	if (e != NULL) {
		free(w->hb.error);
		w->hb.error = e;
	}
}

static void
sup_forget_hb(sup_worker *w)
{
	gale_heartbeat_fini(&w->hb);
	w->have_hb = false;
}

// What the worker host saw of the worker ev->owner.
static void
sup_on_event(void *arg, const gale_worker_event *ev)
{
	gale_supervisor *s = arg;
	sup_worker      *w = ev->owner;
	char             msg[128];
	switch (ev->kind) {
	case GALE_WORKER_STARTED:
		w->sent_gen = 0;
		sup_forget_hb(w);
		GALE_INFO("worker %u pid %d: topology '%s' on slot %u",
		    w->index, (int) ev->pid, w->topology, w->port);
		break;
	case GALE_WORKER_SPAWN_FAILED:
		// The host tries again later, as if it had died.
		sup_forget_hb(w);
		GALE_ERROR("supervisor %s cannot start a worker: %s", s->id,
		    gale_strerror(ev->err));
		break;
	case GALE_WORKER_FINISHED:
		sup_note_exit(w, ev->pid, true, NULL);
		s->report_soon = true;
		GALE_INFO("worker %u of '%s' finished", w->index, w->topology);
		break;
	case GALE_WORKER_REFUSED:
		snprintf(msg, sizeof(msg),
		    "worker %u exited with code 78: a task could not start",
		    w->index);
		sup_note_exit(w, ev->pid, false, msg);
		s->report_soon = true;
		GALE_WARN("worker %u of '%s' failed; not restarting it",
		    w->index, w->topology);
		break;
	case GALE_WORKER_DIED:
	case GALE_WORKER_GAVE_UP:
		sup_note_death(s, w, ev);
		sup_forget_hb(w);
		if (ev->quick >= 2) {
			// A crash loop: nimbus shows the topology with
			// errors and this text until a worker says otherwise.
			char how[32], err[256];
			gale_worker_exit_str(ev->code, how, sizeof(how));
			snprintf(err, sizeof(err),
			    "exited (%s) %u times in a row soon after "
			    "starting; restarted with backoff",
			    how, ev->quick);
			sup_note_error(w, ev->pid, err);
			s->report_soon = true;
		}
		break;
	case GALE_WORKER_STOPPED:
		gale__sup_worker_destroy(&w);
		s->report_soon = true;
		break;
	}
}

// Starts the worker of slot i for index of a.
void
gale__sup_launch(
    gale_supervisor *s, uint32_t i, const gale_assignment *a, uint32_t index)
{
	sup_worker *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return;
	}
	w->topology = strdup(a->topology);
	w->run_id   = strdup(a->run_id);
	w->index    = index;
	w->port     = s->port_base + i;
	if (w->topology == NULL || w->run_id == NULL) {
		gale__sup_worker_destroy(&w);
		return;
	}
	s->slot[i] = w;
	char err[1024], libdir[4096], label[200];
	if (!gale_files_name_ok(a->topology)) {
		snprintf(err, sizeof(err),
		    "the topology name '%.128s' cannot "
		    "name a directory",
		    a->topology);
		goto fail;
	}
	snprintf(
	    libdir, sizeof(libdir), "%s/libs/%s", s->data_dir, a->topology);
	// A file that is not what was submitted is never run.
	if (gale_spec_digest_check(&a->spec, err, sizeof(err)) != GALE_OK) {
		goto fail;
	}
	if (gale_files_ship_write(&a->spec, libdir, err, sizeof(err))
	    != GALE_OK) {
		goto fail;
	}
	snprintf(
	    label, sizeof(label), "worker %u of '%.128s'", index, a->topology);
	gale_err rv = gale_worker_host_start(
	    s->workers, index, libdir, label, w, &w->proc);
	if (rv == GALE_OK || w->proc != NULL) {
		return; // running, or to be tried again
	}
	snprintf(
	    err, sizeof(err), "cannot start a worker: %s", gale_strerror(rv));
fail:
	GALE_ERROR("worker %u of '%s': %s", index, a->topology, err);
	sup_note_exit(w, 0, false, err);
	s->report_soon = true;
}

// Takes the worker of slot i off it: a running process is asked to stop,
// then gets SIGTERM and SIGKILL; killed at once unless graceful. Its
// sup_worker goes with its process. True when a process was running.
bool
gale__sup_retire(gale_supervisor *s, uint32_t i, bool graceful)
{
	sup_worker *w = s->slot[i];
	s->slot[i]    = NULL;
	if (!sup_alive(w)) {
		if (w->proc != NULL) {
			gale_worker_host_retire(s->workers, w->proc, 0, 0);
		}
		gale__sup_worker_destroy(&w);
		return false;
	}
	if (!graceful) {
		// Its proc owns it from now on.
		gale_worker_host_retire(s->workers, w->proc, 0, 0);
		return true;
	}
	gale_worker_control wc = { .stop = true };
	w->stop_sent           = sup_send(s, w, &wc);
	if (!w->have_hb || !w->hb.finished) {
		GALE_INFO("stopping pid %d: worker %u of '%s' (slot %u)",
		    (int) gale_worker_proc_pid(w->proc), w->index, w->topology,
		    w->port);
	}
	gale_worker_host_retire(
	    s->workers, w->proc, SUP_STOP_GRACE_MS, SUP_KILL_GRACE_MS);
	return true;
}

void
gale__sup_drop_assignments(gale_supervisor *s)
{
	for (size_t i = 0; i < s->nasg; i++) {
		gale_assignment_fini(&s->asg[i]);
	}
	free(s->asg);
	s->asg  = NULL;
	s->nasg = 0;
}

// ---------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------

// The id kept in the data directory, or a new one kept there.
static gale_err
sup_load_id(gale_supervisor *s, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/supervisor-id", s->data_dir);
	uint8_t *data;
	size_t   len;
	gale_err rv = gale_files_read(path, &data, &len, err, errlen);
	if (rv == GALE_OK) {
		while (len > 0
		    && (data[len - 1] == '\n' || data[len - 1] == '\r')) {
			data[--len] = '\0';
		}
		if (len == 0 || len > 200 || memchr(data, '\n', len) != NULL) {
			free(data);
			snprintf(err, errlen, "%s: not a supervisor id", path);
			return GALE_EINVAL;
		}
		s->id = (char *) data;
		return GALE_OK;
	}
	if (rv != GALE_ENOENT) {
		return rv;
	}
	unsigned rnd
	    = (unsigned) (gale_now_ns() ^ ((uint64_t) getpid() << 16));
	if (asprintf(&s->id, "%.64s-%08x", s->host, rnd) < 0) {
		s->id = NULL;
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	char line[300];
	int  n = snprintf(line, sizeof(line), "%s\n", s->id);
	return gale_files_write_atomic(path, line, (size_t) n, err, errlen);
}

gale_err
gale_supervisor_new(gale_supervisor **out, const gale_supervisor_opts *opts,
    char *err, size_t errlen)
{
	if (opts->slots < 1 || opts->slots > SUP_MAX_SLOTS
	    || opts->port_base < 1
	    || (uint64_t) opts->port_base + opts->slots - 1 > 65535) {
		snprintf(err, errlen,
		    "slots must be 1 to %d, and their ports (from %u) within "
		    "1 to 65535",
		    SUP_MAX_SLOTS, opts->port_base);
		return GALE_EINVAL;
	}
	if (opts->host == NULL || opts->host[0] == '\0'
	    || strlen(opts->host) > 200) {
		snprintf(err, errlen,
		    "the host must be a name of 1 to 200 "
		    "bytes");
		return GALE_EINVAL;
	}
	if (opts->keys_dir == NULL && !opts->insecure
	    && !gale__host_is_loopback(opts->host)) {
		snprintf(err, errlen,
		    "refusing to bind workers on '%s' without keys: whoever "
		    "reaches them could feed their tasks; give --keys DIR "
		    "(made with gale keygen), or --insecure to accept that",
		    opts->host);
		return GALE_EINVAL;
	}
	gale_supervisor *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	gale_err rv   = GALE_ENOMEM;
	s->lock_fd    = -1;
	s->contact_ms = sup_now_ms();
	s->nslots     = opts->slots;
	s->port_base  = opts->port_base;
	s->host       = strdup(opts->host);
	s->slot       = calloc(s->nslots, sizeof(*s->slot));
	if (s->host == NULL || s->slot == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	const char *dir
	    = opts->data_dir ? opts->data_dir : "gale-supervisor-data";
	if ((rv = gale_files_mkdirs(dir, err, errlen)) != GALE_OK) {
		goto fail;
	}
	s->data_dir = realpath(dir, NULL);
	if (s->data_dir == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		rv = GALE_EIO;
		goto fail;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/supervisor.lock", s->data_dir);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(
		    err, errlen, "%s is in use by another supervisor", dir);
		rv = GALE_EIO;
		goto fail;
	}
	if ((rv = sup_load_id(s, err, errlen)) != GALE_OK) {
		goto fail;
	}
	s->nimbus_eps = strdup(opts->nimbus != NULL ? opts->nimbus : "");
	s->keys_dir   = opts->keys_dir ? strdup(opts->keys_dir) : NULL;
	if (s->nimbus_eps == NULL || (opts->keys_dir && s->keys_dir == NULL)) {
		snprintf(err, errlen, "out of memory");
		rv = GALE_ENOMEM;
		goto fail;
	}
	if (opts->zk.servers != NULL
	    && (rv = gale__supervisor_zk_open(
		    &s->zk, &opts->zk, s->id, s->host, err, errlen))
		!= GALE_OK) {
		goto fail;
	}
	char first[512];
	snprintf(first, sizeof(first), "%.*s",
	    (int) strcspn(s->nimbus_eps, ","), s->nimbus_eps);
	// Without endpoints, the leader ZooKeeper names, or the default.
	if (first[0] == '\0'
	    && (s->zk == NULL
		|| !gale__supervisor_zk_leader(s->zk, first, sizeof(first)))) {
		snprintf(first, sizeof(first), "%s", GALE_NIMBUS_DEFAULT);
	}
	if ((rv = gale_client_new(&s->client, first)) != GALE_OK) {
		snprintf(err, errlen, "bad nimbus endpoint '%s'",
		    opts->nimbus ? opts->nimbus : "");
		goto fail;
	}
	if (opts->keys_dir != NULL
	    && (rv = gale_client_use_keys(
		    s->client, opts->keys_dir, "supervisor"))
		!= GALE_OK) {
		snprintf(err, errlen, "%s", gale_client_error(s->client));
		goto fail;
	}
	// A worker that dies is started again, however often: the next one
	// may live, and nimbus moves it when this machine stops reporting.
	gale_worker_host_opts ho = {
		.bind_host      = s->host,
		.backoff_ms     = SUP_RESTART_MIN_MS,
		.backoff_max_ms = SUP_RESTART_MAX_MS,
		.healthy_ms     = SUP_HEALTHY_MS,
		.stop_grace_ms  = SUP_EXIT_GRACE_MS,
	};
	if ((rv = gale_worker_host_new(
		 &s->workers, &ho, sup_on_event, sup_heartbeat, s))
	    != GALE_OK) {
		snprintf(err, errlen, "%s",
		    rv == GALE_ENOMEM ? "out of memory"
				      : "cannot listen for workers");
		goto fail;
	}
	*out = s;
	return GALE_OK;
fail:
	gale_supervisor_destroy(&s);
	return rv;
}

void
gale_supervisor_destroy(gale_supervisor **sp)
{
	gale_supervisor *s = *sp;
	if (s == NULL) {
		return;
	}
	// Every process it started goes: SIGTERM, a grace, then SIGKILL.
	if (s->workers != NULL) {
		gale_worker_host_stop_all(s->workers);
		for (gale_worker_proc *p
		     = gale_worker_host_next(s->workers, NULL);
		     p != NULL; p = gale_worker_host_next(s->workers, p)) {
			if (gale_worker_proc_retired(p)) {
				sup_worker *w = gale_worker_proc_owner(p);
				gale__sup_worker_destroy(&w);
			}
		}
		gale_worker_host_destroy(&s->workers);
	}
	for (uint32_t i = 0; s->slot != NULL && i < s->nslots; i++) {
		gale__sup_worker_destroy(&s->slot[i]);
	}
	free(s->slot);
	gale__sup_drop_assignments(s);
	gale_client_destroy(&s->client);
	free(s->nimbus_eps);
	free(s->refused);
	free(s->keys_dir);
	gale__supervisor_zk_close(&s->zk);
	if (s->lock_fd >= 0) {
		close(s->lock_fd);
	}
	free(s->data_dir);
	free(s->host);
	free(s->id);
	free(s);
	*sp = NULL;
}

const char *
gale_supervisor_id(const gale_supervisor *s)
{
	return s->id;
}

const char *
gale_supervisor_endpoint(const gale_supervisor *s)
{
	return gale_worker_host_endpoint(s->workers);
}
