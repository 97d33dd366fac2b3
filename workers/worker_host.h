// SPDX-License-Identifier: MIT
// worker_host.h - a set of `gale worker` processes: started, watched,
// restarted and stopped by pid, for `gale local` and the supervisor.
//
// The host binds a ROUTER socket on loopback for its workers' heartbeats
// and control messages, and starts each worker as `gale worker
// --controller ENDPOINT --index N --bind HOST [--libdir DIR]` with
// ENDPOINT that socket's; a worker dies with the process
// that started it (PDEATHSIG) and shares its process group, so Ctrl-C
// reaches it too (a worker ignores SIGINT and waits to be told to stop).
// gale_worker_host_poll reaps ended workers and restarts the ones that
// died, by the rules of the options: a worker that exited 0 (its tasks
// finished) or 78 (a task could not start) is never restarted; one that
// keeps dying soon after it starts waits longer each time (capped
// exponential backoff), and one that died soon after starting more than
// max_restarts times in a row (a crash loop) is given up on. What happens is told
// to the owner through an event callback, called only from inside
// gale_worker_host_poll. Single-threaded: one thread calls every function.

#ifndef GALE_WORKERS_WORKER_HOST_H
#define GALE_WORKERS_WORKER_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "gale.h"
#include "proto/wire.h"

typedef struct gale_worker_host gale_worker_host;
// One worker of a host, across its restarts. Owned by the host.
typedef struct gale_worker_proc gale_worker_proc;

typedef struct gale_worker_host_opts {
	const char *bind_host; // where the workers bind their inboxes
	// A worker that died within healthy_ms of its start more than this
	// many times in a row is not started again (0: no bound).
	uint32_t max_restarts;
	// A worker that dies within healthy_ms of its start waits backoff_ms
	// before it starts again, twice as long for each further such death
	// in a row, at most backoff_max_ms; one that ran longer starts again
	// at once (and its run of quick deaths ends). backoff_ms 0: always at
	// once.
	uint32_t backoff_ms;
	uint32_t backoff_max_ms;
	uint32_t healthy_ms;
	// How long gale_worker_host_stop_all waits after SIGTERM before it
	// sends SIGKILL.
	uint32_t stop_grace_ms;
} gale_worker_host_opts;

typedef enum gale_worker_event_kind {
	GALE_WORKER_STARTED, // a process started, first or again
	GALE_WORKER_FINISHED, // exited 0: its tasks finished
	GALE_WORKER_REFUSED, // exited 78: a task could not start
	GALE_WORKER_DIED, // ended otherwise; see restarting
	GALE_WORKER_GAVE_UP, // died quickly more than max_restarts times
	GALE_WORKER_SPAWN_FAILED, // could not be started; tried again later
	GALE_WORKER_STOPPED, // a retired worker's process ended
} gale_worker_event_kind;

typedef struct gale_worker_event {
	gale_worker_event_kind kind;
	gale_worker_proc      *proc;
	void                  *owner; // as given to gale_worker_host_start
	uint32_t               index;
	pid_t                  pid; // the process the event is about
	int                    code; // its exit code (128 + signal)
	uint32_t               restarts; // restarts so far
	uint32_t               quick; // quick deaths in a row (GAVE_UP)
	bool                   restarting; // DIED: it is started again
	gale_err               err; // SPAWN_FAILED: why
} gale_worker_event;

// Called from inside gale_worker_host_receive for each heartbeat of a
// running worker of the host (its pid and index match a proc's), which it
// takes: it must gale_heartbeat_fini it, or keep it. Returns false to
// refuse it (it is not of this worker); the host then keeps the worker's
// previous address.
typedef bool (*gale_worker_heartbeat_fn)(
    void *arg, gale_worker_proc *proc, gale_heartbeat *hb);

// Called from inside gale_worker_host_poll (and gale_worker_host_start,
// for its STARTED or SPAWN_FAILED). It may call set_restarts, but not
// start, retire or stop_all. After a STOPPED event the proc is freed.
typedef void (*gale_worker_event_fn)(void *arg, const gale_worker_event *ev);

// Binds the workers' socket on tcp://127.0.0.1:*. opts' strings are
// copied; on_event may be NULL; arg is passed to both callbacks. GALE_EIO
// when the socket cannot be made.
gale_err gale_worker_host_new(gale_worker_host **out,
    const gale_worker_host_opts *opts, gale_worker_event_fn on_event,
    gale_worker_heartbeat_fn on_heartbeat, void *arg);
// Stops every worker still running (as gale_worker_host_stop_all) and
// frees every proc. Accepts NULL and sets *hp to NULL. Calls no event.
void gale_worker_host_destroy(gale_worker_host **hp);

// Starts a worker of index: libdir (copied, may be NULL) is passed as
// --libdir; label (copied) names it in log lines ("worker 2 of 'wc'");
// owner is handed back in its events. Sets *out whenever the proc could
// be made, even when its process could not be started: then it returns
// the error, and the host tries again after backoff_max_ms (or at the
// next poll when that is 0).
gale_err gale_worker_host_start(gale_worker_host *h, uint32_t index,
    const char *libdir, const char *label, void *owner,
    gale_worker_proc **out);

// The endpoint the workers report to. Borrowed.
const char *gale_worker_host_endpoint(const gale_worker_host *h);
// The workers' socket, to zmq_poll for ZMQ_POLLIN. Borrowed.
void *gale_worker_host_socket(const gale_worker_host *h);
// Reads the messages waiting on the socket (up to a few hundred, without
// blocking) and hands each heartbeat to on_heartbeat.
void gale_worker_host_receive(gale_worker_host *h);
// Sends proc's process a control message. Does nothing (and returns
// false) until the process has sent a heartbeat, or when it is not
// running.
bool gale_worker_host_send(gale_worker_host *h, gale_worker_proc *proc,
    const gale_worker_control *wc);

// Reaps the workers that ended, restarts the ones that are due, and
// escalates the stops of retired ones; calls on_event for each change.
// Never blocks.
void gale_worker_host_poll(gale_worker_host *h);

// Whether a worker that dies is started again (it is, at first). Turned
// off, a death is a DIED event with restarting false, and nothing more.
void gale_worker_host_set_restarts(gale_worker_host *h, bool on);

// Takes proc out of service: it is not restarted, gets SIGTERM after
// term_ms and SIGKILL kill_ms after that, and is freed after its STOPPED
// event. A proc without a running process is freed at once, without an
// event; returns false then (proc is gone), true when a process is still
// to end.
bool gale_worker_host_retire(gale_worker_host *h, gale_worker_proc *proc,
    uint32_t term_ms, uint32_t kill_ms);

// Stops every running process now: SIGTERM to all, then SIGKILL to those
// left after stop_grace_ms, and reaps them. Nothing is restarted after
// it. Calls no event; retired procs stay until destroy.
void gale_worker_host_stop_all(gale_worker_host *h);

// The proc whose running process is pid, or NULL.
gale_worker_proc *gale_worker_host_find(const gale_worker_host *h, pid_t pid);
// Every proc, retired ones included: pass NULL for the first. The order is
// that of their start.
gale_worker_proc *gale_worker_host_next(
    const gale_worker_host *h, const gale_worker_proc *prev);

// The pid of proc's running process, 0 when none runs.
pid_t gale_worker_proc_pid(const gale_worker_proc *p);
bool  gale_worker_proc_retired(const gale_worker_proc *p);
// True when its running process sent a heartbeat: it can be sent to.
bool  gale_worker_proc_connected(const gale_worker_proc *p);
void *gale_worker_proc_owner(const gale_worker_proc *p);

// Writes "code N" or "signal N" for an exit code into buf.
const char *gale_worker_exit_str(int code, char *buf, size_t len);

// The messages the host dropped as garbage: malformed or not of a
// heartbeat's shape. Each is logged, at most one line a second.
uint64_t gale_worker_host_dropped(const gale_worker_host *h);

#endif // GALE_WORKERS_WORKER_HOST_H
