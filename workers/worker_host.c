// SPDX-License-Identifier: MIT
// worker_host.c - a set of `gale worker` processes, watched and restarted.

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "base/log.h"
#include "workers/process.h"
#include "workers/worker.h"
#include "workers/worker_host.h"

#define HOST_IDENT_MAX 256
// A heartbeat is small; anything larger is not from a worker.
#define HOST_MAX_MSG_BYTES (64 << 20)
// Messages read per gale_worker_host_receive, so that one busy socket
// does not starve the rest of the loop.
#define HOST_RECEIVE_BUDGET 256

typedef enum {
	PROC_RUNNING, // a process runs
	PROC_WAITING, // to be started (again) at start_at_ms
	PROC_ENDED, // not to be started again
	PROC_RETIRED, // taken out of service; its process is ending
} proc_state;

struct gale_worker_proc {
	gale_worker_proc *next;
	proc_state        state;
	uint32_t          index;
	char             *libdir;
	char             *label;
	void             *owner;
	pid_t             pid; // the running process, 0 when none
	// The process that ended last, while no other has started: its
	// final heartbeat may arrive after it was reaped, and still counts.
	pid_t    ended_pid;
	uint8_t  ident[HOST_IDENT_MAX]; // its ROUTER identity
	size_t   identlen; // 0 until it sent a heartbeat
	uint64_t started_ms;
	uint64_t start_at_ms;
	uint32_t restarts;
	uint32_t quick; // deaths in a row soon after starting
	// When retired: SIGTERM at term_at_ms, SIGKILL at kill_at_ms.
	bool     termed;
	bool     killed;
	uint64_t term_at_ms;
	uint64_t kill_at_ms;
};

struct gale_worker_host {
	gale_worker_host_opts    opts;
	char                    *bind_host;
	void                    *zctx;
	void                    *router;
	char                     endpoint[128];
	gale_worker_event_fn     on_event;
	gale_worker_heartbeat_fn on_heartbeat;
	void                    *arg;
	bool                     restarts_on;
	gale_worker_proc        *head;
	gale_worker_proc        *tail;
	uint64_t                 dropped; // garbage received
	uint64_t                 gripe_ms; // when garbage was last logged
	uint64_t                 suppressed; // garbage not logged since
	bool                     griped;
};

static uint64_t
host_now_ms(void)
{
	return gale_now_ns() / 1000000u;
}

const char *
gale_worker_exit_str(int code, char *buf, size_t len)
{
	snprintf(buf, len, "%s %d", code > 128 ? "signal" : "code",
	    code > 128 ? code - 128 : code);
	return buf;
}

gale_err
gale_worker_host_new(gale_worker_host **out, const gale_worker_host_opts *opts,
    gale_worker_event_fn on_event, gale_worker_heartbeat_fn on_heartbeat,
    void *arg)
{
	gale_worker_host *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return GALE_ENOMEM;
	}
	h->opts         = *opts;
	h->on_event     = on_event;
	h->on_heartbeat = on_heartbeat;
	h->arg          = arg;
	h->restarts_on  = true;
	h->bind_host = strdup(opts->bind_host ? opts->bind_host : "127.0.0.1");
	if (h->bind_host == NULL) {
		gale_worker_host_destroy(&h);
		return GALE_ENOMEM;
	}
	h->opts.bind_host = h->bind_host;
	h->zctx           = zmq_ctx_new();
	h->router         = h->zctx ? zmq_socket(h->zctx, ZMQ_ROUTER) : NULL;
	int     linger    = 0;
	int64_t max       = HOST_MAX_MSG_BYTES;
	if (h->router == NULL
	    || zmq_setsockopt(h->router, ZMQ_LINGER, &linger, sizeof(linger))
		!= 0
	    || zmq_setsockopt(h->router, ZMQ_MAXMSGSIZE, &max, sizeof(max))
		!= 0
	    || zmq_bind(h->router, "tcp://127.0.0.1:*") != 0) {
		GALE_ERROR("cannot listen for workers: %s",
		    zmq_strerror(zmq_errno()));
		gale_worker_host_destroy(&h);
		return GALE_EIO;
	}
	size_t len = sizeof(h->endpoint);
	zmq_getsockopt(h->router, ZMQ_LAST_ENDPOINT, h->endpoint, &len);
	*out = h;
	return GALE_OK;
}

const char *
gale_worker_host_endpoint(const gale_worker_host *h)
{
	return h->endpoint;
}

void *
gale_worker_host_socket(const gale_worker_host *h)
{
	return h->router;
}

static void
host_proc_free(gale_worker_proc *p)
{
	free(p->libdir);
	free(p->label);
	free(p);
}

void
gale_worker_host_destroy(gale_worker_host **hp)
{
	gale_worker_host *h = *hp;
	if (h == NULL) {
		return;
	}
	gale_worker_host_stop_all(h);
	while (h->head != NULL) {
		gale_worker_proc *p = h->head;
		h->head             = p->next;
		host_proc_free(p);
	}
	if (h->router != NULL) {
		zmq_close(h->router);
	}
	if (h->zctx != NULL) {
		zmq_ctx_term(h->zctx);
	}
	free(h->bind_host);
	free(h);
	*hp = NULL;
}

static void
host_emit(gale_worker_host *h, gale_worker_proc *p, gale_worker_event_kind k,
    pid_t pid, int code, gale_err err, bool restarting)
{
	if (h->on_event == NULL) {
		return;
	}
	gale_worker_event ev = {
		.kind       = k,
		.proc       = p,
		.owner      = p->owner,
		.index      = p->index,
		.pid        = pid,
		.code       = code,
		.restarts   = p->restarts,
		.quick      = p->quick,
		.restarting = restarting,
		.err        = err,
	};
	h->on_event(h->arg, &ev);
}

// Starts p's process; on failure p waits for another try.
static gale_err
host_spawn(gale_worker_host *h, gale_worker_proc *p)
{
	char index[16];
	snprintf(index, sizeof(index), "%u", p->index);
	char    *argv[] = { (char *) gale_process_self(), "worker",
		   "--controller", h->endpoint, "--index", index, "--bind",
		   h->bind_host, p->libdir ? "--libdir" : NULL, p->libdir, NULL };
	pid_t    pid;
	gale_err rv  = gale_process_spawn(argv, &pid);
	uint64_t now = host_now_ms();
	p->identlen  = 0;
	if (rv != GALE_OK) {
		p->pid         = 0;
		p->state       = PROC_WAITING;
		p->start_at_ms = now + h->opts.backoff_max_ms;
		host_emit(h, p, GALE_WORKER_SPAWN_FAILED, 0, 0, rv, false);
		return rv;
	}
	p->pid        = pid;
	p->ended_pid  = 0;
	p->state      = PROC_RUNNING;
	p->started_ms = now;
	host_emit(h, p, GALE_WORKER_STARTED, pid, 0, GALE_OK, false);
	return GALE_OK;
}

gale_err
gale_worker_host_start(gale_worker_host *h, uint32_t index, const char *libdir,
    const char *label, void *owner, gale_worker_proc **out)
{
	gale_worker_proc *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return GALE_ENOMEM;
	}
	p->index  = index;
	p->owner  = owner;
	p->libdir = libdir ? strdup(libdir) : NULL;
	p->label  = strdup(label ? label : "worker");
	if ((libdir != NULL && p->libdir == NULL) || p->label == NULL) {
		host_proc_free(p);
		return GALE_ENOMEM;
	}
	if (h->tail != NULL) {
		h->tail->next = p;
	} else {
		h->head = p;
	}
	h->tail = p;
	*out    = p;
	return host_spawn(h, p);
}

static void
host_unlink(gale_worker_host *h, gale_worker_proc *p)
{
	gale_worker_proc **pp   = &h->head;
	gale_worker_proc  *prev = NULL;
	while (*pp != NULL && *pp != p) {
		prev = *pp;
		pp   = &(*pp)->next;
	}
	if (*pp == NULL) {
		return;
	}
	*pp = p->next;
	if (h->tail == p) {
		h->tail = prev;
	}
}

// Counts p's death: one within healthy_ms of its start extends the run of
// quick deaths, one after a healthy run ends it.
static void
host_count_death(const gale_worker_host *h, gale_worker_proc *p, uint64_t now)
{
	if (now - p->started_ms > h->opts.healthy_ms) {
		p->quick = 0;
	} else {
		p->quick++;
	}
}

// The delay before a worker that died is started again: none after a
// healthy run; backoff_ms after the first quick death, doubling with each
// further one in a row, capped at backoff_max_ms.
static uint64_t
host_backoff_ms(const gale_worker_host *h, const gale_worker_proc *p)
{
	if (h->opts.backoff_ms == 0 || p->quick == 0) {
		return 0;
	}
	uint32_t shift = p->quick - 1 < 20 ? p->quick - 1 : 20;
	uint64_t delay = (uint64_t) h->opts.backoff_ms << shift;
	return delay < h->opts.backoff_max_ms ? delay : h->opts.backoff_max_ms;
}

// What follows the end of p's process, which exited with code.
static void
host_ended(gale_worker_host *h, gale_worker_proc *p, int code, uint64_t now)
{
	pid_t pid    = p->pid;
	p->pid       = 0;
	p->ended_pid = pid;
	p->identlen  = 0;
	if (code == GALE_WORKER_EXIT_DONE || code == GALE_WORKER_EXIT_CONFIG) {
		p->state = PROC_ENDED;
		host_emit(h, p,
		    code == GALE_WORKER_EXIT_DONE ? GALE_WORKER_FINISHED
						  : GALE_WORKER_REFUSED,
		    pid, code, GALE_OK, false);
		return;
	}
	char how[32];
	gale_worker_exit_str(code, how, sizeof(how));
	if (!h->restarts_on) {
		p->state = PROC_ENDED;
		host_emit(h, p, GALE_WORKER_DIED, pid, code, GALE_OK, false);
		return;
	}
	host_count_death(h, p, now);
	if (h->opts.max_restarts > 0 && p->quick > h->opts.max_restarts) {
		p->state = PROC_ENDED;
		host_emit(
		    h, p, GALE_WORKER_GAVE_UP, pid, code, GALE_OK, false);
		return;
	}
	uint64_t delay = host_backoff_ms(h, p);
	if (delay > 0) {
		GALE_WARN("%s exited (%s), %u times in a row soon after "
			  "starting; restarting in %.1f s",
		    p->label, how, p->quick, (double) delay / 1000.0);
	} else {
		GALE_WARN("%s exited (%s); restarting", p->label, how);
	}
	p->restarts++;
	p->state       = PROC_WAITING;
	p->start_at_ms = now + delay;
	host_emit(h, p, GALE_WORKER_DIED, pid, code, GALE_OK, true);
	if (delay == 0 && h->restarts_on) {
		host_spawn(h, p);
	}
}

// Escalates the stop of a retired proc; frees it once its process ended.
// Returns true when p was freed.
static bool
host_retiring(gale_worker_host *h, gale_worker_proc *p, uint64_t now)
{
	int code;
	if (p->pid == 0) {
		return false; // reaped by gale_worker_host_stop_all
	}
	if (gale_process_reap(p->pid, &code)) {
		pid_t pid = p->pid;
		p->pid    = 0;
		host_emit(
		    h, p, GALE_WORKER_STOPPED, pid, code, GALE_OK, false);
		host_unlink(h, p);
		host_proc_free(p);
		return true;
	}
	if (!p->termed && now >= p->term_at_ms) {
		kill(p->pid, SIGTERM);
		p->termed = true;
	}
	if (!p->killed && now >= p->kill_at_ms) {
		kill(p->pid, SIGKILL);
		p->killed = true;
	}
	return false;
}

void
gale_worker_host_poll(gale_worker_host *h)
{
	uint64_t now = host_now_ms();
	for (gale_worker_proc *p = h->head, *next; p != NULL; p = next) {
		// An event may retire p (and so move or free it) but no other.
		next = p->next;
		int code;
		switch (p->state) {
		case PROC_WAITING:
			if (h->restarts_on && now >= p->start_at_ms) {
				host_spawn(h, p);
			}
			break;
		case PROC_RUNNING:
			if (gale_process_reap(p->pid, &code)) {
				host_ended(h, p, code, now);
			}
			break;
		case PROC_RETIRED:
			host_retiring(h, p, now);
			break;
		case PROC_ENDED:
			break;
		}
	}
}

// Counts a message dropped as garbage and logs why, at most one line a
// second: a line tells how many went unlogged since the one before, so
// that whoever can connect to the port cannot flood the log.
static void host_garbage(gale_worker_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
host_garbage(gale_worker_host *h, const char *fmt, ...)
{
	h->dropped++;
	uint64_t now = host_now_ms();
	if (h->griped && now - h->gripe_ms < 1000) {
		h->suppressed++;
		return;
	}
	char    msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (h->suppressed > 0) {
		GALE_WARN("%s (and %llu more like it in the last %llu ms)",
		    msg, (unsigned long long) h->suppressed,
		    (unsigned long long) (now - h->gripe_ms));
	} else {
		GALE_WARN("%s", msg);
	}
	h->griped     = true;
	h->gripe_ms   = now;
	h->suppressed = 0;
}

uint64_t
gale_worker_host_dropped(const gale_worker_host *h)
{
	return h->dropped;
}

// Takes one message of ident: a heartbeat of one of the workers.
static void
host_heartbeat(gale_worker_host *h, const uint8_t *ident, size_t identlen,
    const void *buf, size_t len)
{
	gale_heartbeat hb;
	if (gale_heartbeat_decode(&hb, buf, len) != GALE_OK) {
		host_garbage(
		    h, "dropped a malformed worker message of %zu bytes", len);
		return;
	}
	pid_t             pid = hb.pid > 0 ? (pid_t) hb.pid : 0;
	gale_worker_proc *p   = gale_worker_host_find(h, pid);
	// The last words of a process that ended done, reaped before they
	// were read.
	for (gale_worker_proc *q = h->head; p == NULL && pid > 0 && q != NULL;
	     q                   = q->next) {
		if (q->pid == 0 && q->ended_pid == pid
		    && q->state == PROC_ENDED) {
			p = q;
		}
	}
	if (p == NULL || hb.worker_index != p->index
	    || identlen > HOST_IDENT_MAX || h->on_heartbeat == NULL) {
		// From an earlier incarnation, or not ours.
		gale_heartbeat_fini(&hb);
		return;
	}
	uint8_t old[HOST_IDENT_MAX];
	size_t  oldlen = p->identlen;
	memcpy(old, p->ident, oldlen);
	memcpy(p->ident, ident, identlen);
	p->identlen = identlen;
	if (!h->on_heartbeat(h->arg, p, &hb)) {
		memcpy(p->ident, old, oldlen);
		p->identlen = oldlen;
	}
}

void
gale_worker_host_receive(gale_worker_host *h)
{
	for (int budget = 0; budget < HOST_RECEIVE_BUDGET; budget++) {
		zmq_msg_t id, body;
		zmq_msg_init(&id);
		if (zmq_msg_recv(&id, h->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&id);
			return;
		}
		zmq_msg_init(&body);
		if (zmq_msg_more(&id)
		    && zmq_msg_recv(&body, h->router, ZMQ_DONTWAIT) >= 0
		    && !zmq_msg_more(&body)) {
			host_heartbeat(h, zmq_msg_data(&id), zmq_msg_size(&id),
			    zmq_msg_data(&body), zmq_msg_size(&body));
		} else {
			host_garbage(h,
			    "dropped a worker message of more "
			    "than one frame");
		}
		// Drop the rest of a message not of our shape.
		while (zmq_msg_more(&body)) {
			zmq_msg_close(&body);
			zmq_msg_init(&body);
			if (zmq_msg_recv(&body, h->router, ZMQ_DONTWAIT) < 0) {
				break;
			}
		}
		zmq_msg_close(&body);
		zmq_msg_close(&id);
	}
}

bool
gale_worker_host_send(
    gale_worker_host *h, gale_worker_proc *p, const gale_worker_control *wc)
{
	if (p->identlen == 0 || p->pid == 0) {
		return false;
	}
	uint8_t *buf;
	size_t   len;
	if (gale_worker_control_encode(wc, &buf, &len) != GALE_OK) {
		return false;
	}
	zmq_send(h->router, p->ident, p->identlen, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zmq_send(h->router, buf, len, ZMQ_DONTWAIT);
	free(buf);
	return true;
}

void
gale_worker_host_set_restarts(gale_worker_host *h, bool on)
{
	h->restarts_on = on;
}

bool
gale_worker_host_retire(gale_worker_host *h, gale_worker_proc *p,
    uint32_t term_ms, uint32_t kill_ms)
{
	if (p->state == PROC_RETIRED) {
		return true;
	}
	if (p->pid == 0) {
		host_unlink(h, p);
		host_proc_free(p);
		return false;
	}
	uint64_t now  = host_now_ms();
	p->state      = PROC_RETIRED;
	p->term_at_ms = now + term_ms;
	p->kill_at_ms = p->term_at_ms + kill_ms;
	p->termed     = false;
	p->killed     = false;
	return true;
}

void
gale_worker_host_stop_all(gale_worker_host *h)
{
	for (gale_worker_proc *p = h->head; p != NULL; p = p->next) {
		if (p->state == PROC_WAITING) {
			p->state = PROC_ENDED;
		}
		if (p->pid > 0) {
			kill(p->pid, SIGTERM);
		}
	}
	uint64_t deadline = host_now_ms() + h->opts.stop_grace_ms;
	for (;;) {
		bool left = false;
		for (gale_worker_proc *p = h->head; p != NULL; p = p->next) {
			int code;
			if (p->pid > 0 && gale_process_reap(p->pid, &code)) {
				p->pid = 0;
			}
			left = left || p->pid > 0;
		}
		if (!left) {
			break;
		}
		if (host_now_ms() >= deadline) {
			for (gale_worker_proc *p = h->head; p != NULL;
			     p                   = p->next) {
				if (p->pid > 0) {
					// SIGKILL, and a blocking reap.
					gale_process_stop(p->pid, 0);
					p->pid = 0;
				}
			}
			break;
		}
		nanosleep(&(struct timespec) { 0, 10000000 }, NULL);
	}
	for (gale_worker_proc *p = h->head; p != NULL; p = p->next) {
		if (p->state == PROC_RUNNING) {
			p->state = PROC_ENDED;
		}
	}
}

gale_worker_proc *
gale_worker_host_find(const gale_worker_host *h, pid_t pid)
{
	for (gale_worker_proc *p = h->head; p != NULL && pid > 0;
	     p                   = p->next) {
		if (p->pid == pid) {
			return p;
		}
	}
	return NULL;
}

gale_worker_proc *
gale_worker_host_next(const gale_worker_host *h, const gale_worker_proc *prev)
{
	return prev == NULL ? h->head : prev->next;
}

pid_t
gale_worker_proc_pid(const gale_worker_proc *p)
{
	return p->pid;
}

bool
gale_worker_proc_connected(const gale_worker_proc *p)
{
	return p->identlen > 0 && p->pid != 0;
}

bool
gale_worker_proc_retired(const gale_worker_proc *p)
{
	return p->state == PROC_RETIRED;
}

void *
gale_worker_proc_owner(const gale_worker_proc *p)
{
	return p->owner;
}
