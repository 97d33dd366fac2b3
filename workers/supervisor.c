// SPDX-License-Identifier: MIT
// supervisor.c - runs the workers nimbus assigns to this machine's slots.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "workers/client.h"
#include "workers/files.h"
#include "workers/process.h"
#include "workers/supervisor.h"
#include "workers/worker.h"

#define SUP_REPORT_MS 500
// A report not answered in this long is given up on, and sent again.
#define SUP_REPLY_TIMEOUT_MS 2000
// A worker asked to stop gets this long to drain before SIGTERM, and then
// this long before SIGKILL.
#define SUP_STOP_GRACE_MS 10000
#define SUP_KILL_GRACE_MS 2000
// A worker that dies is started again after at most this long; one that
// keeps dying soon after it starts waits longer each time, up to it.
#define SUP_RESTART_MAX_MS 1500
#define SUP_IDENT_MAX 256
#define SUP_MAX_SLOTS 1024

typedef enum {
	SW_RUNNING = 0, // a process runs (or is being started)
	SW_RESTART, // died; to be started again at restart_at_ms
	SW_DONE, // exited 0: its tasks finished
	SW_FAILED, // exited 78, or could not be started
} sw_state;

typedef struct sup_worker {
	char          *topology;
	char          *run_id;
	uint32_t       index;
	uint32_t       port;
	pid_t          pid; // the latest process, alive or not
	bool           alive; // pid runs and is not yet reaped
	sw_state       state;
	uint8_t        ident[SUP_IDENT_MAX];
	size_t         identlen;
	uint64_t       sent_gen; // the generation it was last sent
	gale_heartbeat hb; // its latest heartbeat
	bool           have_hb;
	uint64_t       started_ms;
	uint64_t       restart_at_ms;
	uint32_t       restarts;
	// When stopping: a stop message, then SIGTERM, then SIGKILL.
	bool     stop_sent;
	bool     termed;
	uint64_t term_at_ms;
	uint64_t kill_at_ms;
} sup_worker;

struct gale_supervisor {
	char            *id;
	char            *host;
	char            *data_dir; // absolute
	uint32_t         nslots;
	uint32_t         port_base;
	int              lock_fd;
	void            *zctx;
	void            *router;
	char             endpoint[128];
	gale_client     *client;
	uint64_t         next_report_ms;
	uint64_t         sent_ms;
	bool             report_soon;
	bool             nimbus_down; // the last report went unanswered
	gale_assignment *asg; // the last assignments from nimbus
	size_t           nasg;
	sup_worker     **slot; // [nslots]; NULL: free
	sup_worker     **stopping;
	size_t           nstopping;
	size_t           stopping_cap;
};

static uint64_t
sup_now_ms(void)
{
	return gale_now_ns() / 1000000u;
}

static void sup_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
sup_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("supervisor: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static void
worker_destroy(sup_worker **wp)
{
	sup_worker *w = *wp;
	if (w == NULL) {
		return;
	}
	gale_heartbeat_fini(&w->hb);
	free(w->topology);
	free(w->run_id);
	free(w);
	*wp = NULL;
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

static void
sup_send(gale_supervisor *s, sup_worker *w, const gale_worker_control *wc)
{
	if (w->identlen == 0 || !w->alive) {
		return;
	}
	uint8_t *buf;
	size_t   len;
	if (gale_worker_control_encode(wc, &buf, &len) != GALE_OK) {
		return;
	}
	zmq_send(s->router, w->ident, w->identlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(s->router, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

static void
sup_forward(gale_supervisor *s, sup_worker *w)
{
	const gale_assignment *a = sup_find_asg(s, w);
	if (a == NULL || w->identlen == 0 || !w->alive) {
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

// The worker (current or stopping) whose process is pid, or NULL.
static sup_worker *
sup_by_pid(gale_supervisor *s, pid_t pid, bool *stopping)
{
	for (uint32_t i = 0; i < s->nslots; i++) {
		if (s->slot[i] != NULL && s->slot[i]->pid == pid) {
			*stopping = false;
			return s->slot[i];
		}
	}
	for (size_t i = 0; i < s->nstopping; i++) {
		if (s->stopping[i]->pid == pid) {
			*stopping = true;
			return s->stopping[i];
		}
	}
	return NULL;
}

static void
sup_heartbeat(gale_supervisor *s, const uint8_t *ident, size_t identlen,
    const void *buf, size_t len)
{
	gale_heartbeat hb;
	if (gale_heartbeat_decode(&hb, buf, len) != GALE_OK) {
		fprintf(stderr,
		    "supervisor: dropped a malformed worker "
		    "message\n");
		return;
	}
	bool        stopping = false;
	sup_worker *w
	    = hb.pid != 0 ? sup_by_pid(s, (pid_t) hb.pid, &stopping) : NULL;
	if (w == NULL || hb.worker_index != w->index
	    || identlen > SUP_IDENT_MAX
	    || (hb.topology[0] != '\0'
		&& strcmp(hb.topology, w->topology) != 0)) {
		gale_heartbeat_fini(&hb);
		return; // not a process of ours, or not this one
	}
	memcpy(w->ident, ident, identlen);
	w->identlen = identlen;
	if (hb.topology[0] == '\0') {
		char *name = strdup(w->topology);
		if (name == NULL) {
			gale_heartbeat_fini(&hb);
			return;
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
		return;
	}
	const gale_assignment *a = sup_find_asg(s, w);
	if (a != NULL && (w->sent_gen == 0 || hb.generation < a->generation)) {
		sup_forward(s, w);
	}
}

static void
sup_receive(gale_supervisor *s)
{
	for (int budget = 0; budget < 256; budget++) {
		zmq_msg_t id, body;
		zmq_msg_init(&id);
		if (zmq_msg_recv(&id, s->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&id);
			return;
		}
		zmq_msg_init(&body);
		if (zmq_msg_more(&id)
		    && zmq_msg_recv(&body, s->router, ZMQ_DONTWAIT) >= 0
		    && !zmq_msg_more(&body)) {
			sup_heartbeat(s, zmq_msg_data(&id), zmq_msg_size(&id),
			    zmq_msg_data(&body), zmq_msg_size(&body));
		}
		// Drop the rest of a message not of our shape.
		while (zmq_msg_more(&body)) {
			zmq_msg_close(&body);
			zmq_msg_init(&body);
			if (zmq_msg_recv(&body, s->router, ZMQ_DONTWAIT) < 0) {
				break;
			}
		}
		zmq_msg_close(&body);
		zmq_msg_close(&id);
	}
}

// ---------------------------------------------------------------------
// Starting, restarting and stopping workers
// ---------------------------------------------------------------------

// Makes w's latest heartbeat say what its exit said, in case the worker
// could not send it itself.
static void
sup_note_exit(sup_worker *w, bool finished, const char *error)
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
		w->hb.pid          = (uint32_t) w->pid;
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

static void
sup_spawn(gale_supervisor *s, sup_worker *w)
{
	char index[16], libdir[4096];
	snprintf(index, sizeof(index), "%u", w->index);
	snprintf(
	    libdir, sizeof(libdir), "%s/libs/%s", s->data_dir, w->topology);
	char *argv[] = { (char *) gale_process_self(), "worker",
		"--controller", s->endpoint, "--index", index, "--bind",
		s->host, "--libdir", libdir, NULL };
	w->identlen  = 0;
	w->sent_gen  = 0;
	gale_heartbeat_fini(&w->hb);
	w->have_hb  = false;
	gale_err rv = gale_process_spawn(argv, &w->pid);
	if (rv != GALE_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg),
		    "supervisor %s cannot start a worker: "
		    "%s",
		    s->id, gale_strerror(rv));
		fprintf(stderr, "supervisor: %s\n", msg);
		// Try again later, as if it had died.
		w->alive         = false;
		w->state         = SW_RESTART;
		w->restart_at_ms = sup_now_ms() + SUP_RESTART_MAX_MS;
		return;
	}
	w->alive      = true;
	w->state      = SW_RUNNING;
	w->started_ms = sup_now_ms();
	sup_log("worker %u pid %d: topology '%s' on slot %u", w->index,
	    (int) w->pid, w->topology, w->port);
}

// Starts the worker of slot i for index of a.
static void
sup_launch(
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
		worker_destroy(&w);
		return;
	}
	s->slot[i] = w;
	char err[1024], libdir[4096];
	if (!gale_files_name_ok(a->topology)) {
		snprintf(err, sizeof(err),
		    "the topology name '%.128s' cannot "
		    "name a directory",
		    a->topology);
		goto fail;
	}
	snprintf(
	    libdir, sizeof(libdir), "%s/libs/%s", s->data_dir, a->topology);
	if (gale_files_ship_write(&a->spec, libdir, err, sizeof(err))
	    != GALE_OK) {
		goto fail;
	}
	sup_spawn(s, w);
	return;
fail:
	fprintf(stderr, "supervisor: worker %u of '%s': %s\n", index,
	    a->topology, err);
	w->state = SW_FAILED;
	sup_note_exit(w, false, err);
	s->report_soon = true;
}

// Takes the worker of slot i off it: a running process is asked to stop.
static void
sup_retire(gale_supervisor *s, uint32_t i)
{
	sup_worker *w = s->slot[i];
	s->slot[i]    = NULL;
	if (!w->alive) {
		worker_destroy(&w);
		return;
	}
	if (s->nstopping == s->stopping_cap) {
		size_t       cap = s->stopping_cap ? s->stopping_cap * 2 : 8;
		sup_worker **arr = realloc(s->stopping, cap * sizeof(*arr));
		if (arr == NULL) {
			// Cannot track it: stop it the hard way now.
			gale_process_stop(w->pid, SUP_KILL_GRACE_MS);
			worker_destroy(&w);
			return;
		}
		s->stopping     = arr;
		s->stopping_cap = cap;
	}
	uint64_t now  = sup_now_ms();
	w->term_at_ms = now + SUP_STOP_GRACE_MS;
	w->kill_at_ms = w->term_at_ms + SUP_KILL_GRACE_MS;
	w->stop_sent  = false;
	w->termed     = false;
	if (w->identlen > 0) {
		gale_worker_control wc = { .stop = true };
		sup_send(s, w, &wc);
		w->stop_sent = true;
	}
	if (!w->have_hb || !w->hb.finished) {
		sup_log("stopping pid %d: worker %u of '%s' (slot %u)",
		    (int) w->pid, w->index, w->topology, w->port);
	}
	s->stopping[s->nstopping++] = w;
}

static void
sup_watch(gale_supervisor *s)
{
	uint64_t now = sup_now_ms();
	for (uint32_t i = 0; i < s->nslots; i++) {
		sup_worker *w = s->slot[i];
		int         code;
		if (w == NULL) {
			continue;
		}
		if (w->state == SW_RESTART && now >= w->restart_at_ms) {
			sup_spawn(s, w);
			continue;
		}
		if (!w->alive || !gale_process_reap(w->pid, &code)) {
			continue;
		}
		w->alive    = false;
		w->identlen = 0;
		if (code == GALE_WORKER_EXIT_DONE) {
			w->state = SW_DONE;
			sup_note_exit(w, true, NULL);
			s->report_soon = true;
			sup_log("worker %u of '%s' finished", w->index,
			    w->topology);
			continue;
		}
		if (code == GALE_WORKER_EXIT_CONFIG) {
			char msg[128];
			snprintf(msg, sizeof(msg),
			    "worker %u exited with code 78: a task could not "
			    "start",
			    w->index);
			w->state = SW_FAILED;
			sup_note_exit(w, false, msg);
			s->report_soon = true;
			sup_log("worker %u of '%s' failed; not restarting it",
			    w->index, w->topology);
			continue;
		}
		uint64_t ran   = now - w->started_ms;
		uint32_t shift = w->restarts < 4 ? w->restarts : 4;
		uint64_t delay = ran > 10000 ? 0 : (uint64_t) 100u << shift;
		if (delay > SUP_RESTART_MAX_MS) {
			delay = SUP_RESTART_MAX_MS;
		}
		fprintf(stderr,
		    "supervisor: worker %u of '%s' exited (%s %d); "
		    "restarting\n",
		    w->index, w->topology, code > 128 ? "signal" : "code",
		    code > 128 ? code - 128 : code);
		w->restarts++;
		w->state         = SW_RESTART;
		w->restart_at_ms = now + delay;
		gale_heartbeat_fini(&w->hb);
		w->have_hb = false;
		if (delay == 0) {
			sup_spawn(s, w);
		}
	}
	for (size_t i = 0; i < s->nstopping;) {
		sup_worker *w = s->stopping[i];
		int         code;
		if (gale_process_reap(w->pid, &code)) {
			worker_destroy(&w);
			s->stopping[i] = s->stopping[--s->nstopping];
			s->report_soon = true;
			continue;
		}
		if (!w->termed && now >= w->term_at_ms) {
			kill(w->pid, SIGTERM);
			w->termed = true;
		}
		if (now >= w->kill_at_ms) {
			kill(w->pid, SIGKILL);
		}
		i++;
	}
}

// ---------------------------------------------------------------------
// Talking to nimbus
// ---------------------------------------------------------------------

// Takes the assignments of a reply and makes the slots match them.
static void
sup_apply(gale_supervisor *s, gale_reply *r)
{
	for (size_t i = 0; i < s->nasg; i++) {
		gale_assignment_fini(&s->asg[i]);
	}
	free(s->asg);
	s->asg          = r->assignments;
	s->nasg         = r->nassignments;
	r->assignments  = NULL;
	r->nassignments = 0;
	for (uint32_t i = 0; i < s->nslots; i++) {
		uint32_t               port  = s->port_base + i;
		const gale_assignment *want  = NULL;
		uint32_t               index = 0;
		for (size_t k = 0; k < s->nasg && want == NULL; k++) {
			const gale_assignment *a = &s->asg[k];
			for (size_t j = 0; j < a->nworkers; j++) {
				if (a->workers[j].port == port
				    && strcmp(a->workers[j].supervisor, s->id)
					== 0) {
					want  = a;
					index = a->workers[j].index;
					break;
				}
			}
		}
		sup_worker *w = s->slot[i];
		if (w != NULL
		    && (want == NULL
			|| strcmp(w->topology, want->topology) != 0
			|| strcmp(w->run_id, want->run_id) != 0
			|| w->index != index)) {
			sup_retire(s, i);
			w = NULL;
		}
		if (want == NULL) {
			continue;
		}
		if (index >= want->nworkers) {
			continue; // cannot be run: the worker would refuse it
		}
		if (w == NULL) {
			sup_launch(s, i, want, index);
		} else if (w->alive && w->identlen > 0
		    && want->generation > w->sent_gen) {
			sup_forward(s, w);
		}
	}
}

static void
sup_report(gale_supervisor *s)
{
	gale_request          req  = { .kind = GALE_REQ_SUPERVISOR_HEARTBEAT };
	gale_supervisor_info *info = &req.u.supervisor;
	uint32_t             *ports = calloc(s->nslots, sizeof(*ports));
	gale_heartbeat       *hbs
	    = calloc((size_t) s->nslots + s->nstopping + 1, sizeof(*hbs));
	if (ports == NULL || hbs == NULL) {
		goto out;
	}
	for (uint32_t i = 0; i < s->nslots; i++) {
		ports[i] = s->port_base + i;
		if (s->slot[i] != NULL && s->slot[i]->have_hb) {
			// A shallow copy: the strings stay the worker's.
			hbs[info->nworkers++] = s->slot[i]->hb;
		}
	}
	for (size_t i = 0; i < s->nstopping; i++) {
		if (s->stopping[i]->have_hb) {
			hbs[info->nworkers++] = s->stopping[i]->hb;
		}
	}
	info->id      = s->id;
	info->host    = s->host;
	info->ports   = ports;
	info->nports  = s->nslots;
	info->workers = hbs;
	if (gale_client_send(s->client, &req) != GALE_OK) {
		if (!s->nimbus_down) {
			fprintf(stderr, "supervisor: %s\n",
			    gale_client_error(s->client));
		}
		s->nimbus_down = true;
		gale_client_reset(s->client);
	}
	s->sent_ms        = sup_now_ms();
	s->next_report_ms = s->sent_ms + SUP_REPORT_MS;
	s->report_soon    = false;
out:
	free(ports);
	free(hbs);
}

static void
sup_nimbus(gale_supervisor *s)
{
	if (gale_client_busy(s->client)) {
		gale_reply r  = { 0 };
		gale_err   rv = gale_client_recv(s->client, &r, 0);
		if (rv == GALE_OK) {
			if (s->nimbus_down) {
				sup_log("nimbus is reachable again");
			}
			s->nimbus_down = false;
			if (r.ok) {
				sup_apply(s, &r);
			} else {
				fprintf(stderr,
				    "supervisor: nimbus refused the "
				    "report: %s\n",
				    r.error);
			}
			gale_reply_fini(&r);
		} else if (rv == GALE_EPROTO) {
			fprintf(stderr, "supervisor: %s\n",
			    gale_client_error(s->client));
		} else if (sup_now_ms() - s->sent_ms > SUP_REPLY_TIMEOUT_MS) {
			if (!s->nimbus_down) {
				fprintf(stderr,
				    "supervisor: nimbus does not answer; "
				    "keeping the last assignments\n");
			}
			s->nimbus_down = true;
			gale_client_reset(s->client);
		}
	}
	if (!gale_client_busy(s->client)
	    && (s->report_soon || sup_now_ms() >= s->next_report_ms)) {
		sup_report(s);
	}
}

void
gale_supervisor_poll(gale_supervisor *s, int timeout_ms)
{
	uint64_t deadline = sup_now_ms() + (uint64_t) timeout_ms;
	do {
		zmq_pollitem_t items[2] = {
			{ .socket = s->router, .events = ZMQ_POLLIN },
			{ .socket   = gale_client_socket(s->client),
			    .events = ZMQ_POLLIN },
		};
		int      nitems = items[1].socket != NULL ? 2 : 1;
		uint64_t now    = sup_now_ms();
		long     wait   = deadline > now ? (long) (deadline - now) : 0;
		zmq_poll(items, nitems, wait < 50 ? wait : 50);
		sup_receive(s);
		sup_watch(s);
		sup_nimbus(s);
	} while (sup_now_ms() < deadline);
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
	gale_supervisor *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	gale_err rv  = GALE_ENOMEM;
	s->lock_fd   = -1;
	s->nslots    = opts->slots;
	s->port_base = opts->port_base;
	s->host      = strdup(opts->host);
	s->slot      = calloc(s->nslots, sizeof(*s->slot));
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
	if ((rv = gale_client_new(&s->client, opts->nimbus)) != GALE_OK) {
		snprintf(err, errlen, "bad nimbus endpoint '%s'",
		    opts->nimbus ? opts->nimbus : "");
		goto fail;
	}
	rv        = GALE_EIO;
	s->zctx   = zmq_ctx_new();
	s->router = s->zctx ? zmq_socket(s->zctx, ZMQ_ROUTER) : NULL;
	if (s->router == NULL) {
		snprintf(err, errlen, "cannot create a socket");
		goto fail;
	}
	int     linger = 0;
	int64_t max    = 64 << 20;
	zmq_setsockopt(s->router, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(s->router, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	if (zmq_bind(s->router, "tcp://127.0.0.1:*") != 0) {
		snprintf(err, errlen, "cannot listen for workers: %s",
		    zmq_strerror(zmq_errno()));
		goto fail;
	}
	size_t len = sizeof(s->endpoint);
	zmq_getsockopt(s->router, ZMQ_LAST_ENDPOINT, s->endpoint, &len);
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
	for (uint32_t i = 0; s->slot != NULL && i < s->nslots; i++) {
		if (s->slot[i] != NULL && s->slot[i]->alive) {
			kill(s->slot[i]->pid, SIGTERM);
		}
	}
	for (size_t i = 0; i < s->nstopping; i++) {
		kill(s->stopping[i]->pid, SIGTERM);
	}
	uint64_t deadline = sup_now_ms() + 3000;
	for (;;) {
		bool left = false;
		int  code;
		for (uint32_t i = 0; s->slot != NULL && i < s->nslots; i++) {
			sup_worker *w = s->slot[i];
			if (w != NULL && w->alive) {
				w->alive = !gale_process_reap(w->pid, &code);
				left     = left || w->alive;
			}
		}
		for (size_t i = 0; i < s->nstopping; i++) {
			sup_worker *w = s->stopping[i];
			if (w->pid > 0 && gale_process_reap(w->pid, &code)) {
				w->pid = 0;
			}
			left = left || w->pid > 0;
		}
		if (!left) {
			break;
		}
		if (sup_now_ms() >= deadline) {
			for (uint32_t i = 0; s->slot != NULL && i < s->nslots;
			     i++) {
				if (s->slot[i] != NULL && s->slot[i]->alive) {
					gale_process_stop(s->slot[i]->pid, 0);
					s->slot[i]->alive = false;
				}
			}
			for (size_t i = 0; i < s->nstopping; i++) {
				if (s->stopping[i]->pid > 0) {
					gale_process_stop(
					    s->stopping[i]->pid, 0);
				}
			}
			break;
		}
		nanosleep(&(struct timespec) { 0, 10000000 }, NULL);
	}
	for (uint32_t i = 0; s->slot != NULL && i < s->nslots; i++) {
		worker_destroy(&s->slot[i]);
	}
	for (size_t i = 0; i < s->nstopping; i++) {
		worker_destroy(&s->stopping[i]);
	}
	free(s->stopping);
	free(s->slot);
	for (size_t i = 0; i < s->nasg; i++) {
		gale_assignment_fini(&s->asg[i]);
	}
	free(s->asg);
	gale_client_destroy(&s->client);
	if (s->router != NULL) {
		zmq_close(s->router);
	}
	if (s->zctx != NULL) {
		zmq_ctx_term(s->zctx);
	}
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
	return s->endpoint;
}
