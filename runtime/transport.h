// SPDX-License-Identifier: MIT
// transport.h - moving tuple batches between tasks over ZeroMQ.
//
// Every task has its own inbox: a PULL socket bound to an inproc endpoint
// (for senders in the same worker) and to a tcp endpoint (for the others);
// bound to a loopback address, also to an abstract Unix socket named after
// the tcp endpoint, which senders on the same host use instead of tcp.
// One socket per task, rather than one per worker, keeps a full inbox from
// stalling the deliveries of its neighbours: a shared receiver blocked on
// one slow task could deadlock two workers whose bolts feed each other.
// Every queue is bounded by ZeroMQ's high-water marks; a full destination
// makes the sender wait (backpressure), never drops.

#ifndef GALE_RUNTIME_TRANSPORT_H
#define GALE_RUNTIME_TRANSPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"

// Batches a destination task may queue per sender, on each side of a pipe.
#define GALE_TRANSPORT_HWM 8
// Kernel socket buffers, each way. Left to autotuning they grow to several
// megabytes, which would let a fast spout queue far more tuples in front of
// a slow bolt than it can work off within the message timeout.
#define GALE_TRANSPORT_SOCKBUF (64 * 1024)

typedef struct gale_transport gale_transport;
typedef struct gale_inbox     gale_inbox;
typedef struct gale_outbox    gale_outbox;

// One per worker: the ZeroMQ context and where every task of the topology
// can be reached. bind_host is the address inboxes bind their tcp endpoint
// to ("127.0.0.1" unless configured otherwise). Tasks are 1..ntasks.
gale_err gale__transport_new(
    gale_transport **out, const char *bind_host, uint32_t ntasks);
// Inboxes opened from now on refuse a message over bytes from a tcp peer
// (ZMQ_MAXMSGSIZE: the peer is disconnected before the message is
// buffered). 0: no bound, the default.
void gale__transport_set_max_message(gale_transport *t, size_t bytes);
// A cluster with keys: inboxes opened from now on take only tcp peers
// that hold the topology's CURVE secret (40 characters of Z85), and
// outboxes connect with it; all traffic between workers is encrypted.
// GALE_EINVAL for a malformed key. Call before any inbox or outbox opens.
gale_err gale__transport_set_curve(gale_transport *t, const char *secret);
// Closes the context; every inbox and outbox must be closed first.
void gale__transport_destroy(gale_transport **tp);

// Marks task as living in this worker (reached through inproc).
void gale__transport_set_local(gale_transport *t, uint32_t task);
bool gale__transport_is_local(const gale_transport *t, uint32_t task);
// Records the tcp endpoint of a task in another worker. A changed endpoint
// (the worker was restarted) makes outboxes reconnect; returns true then.
// Thread-safe.
bool gale__transport_set_endpoint(
    gale_transport *t, uint32_t task, const char *endpoint);
// True when every remote task has an endpoint.
bool gale__transport_complete(const gale_transport *t);

// Opens the inbox of local task; writes its tcp endpoint into ep.
gale_err gale__inbox_open(gale_inbox **out, gale_transport *t, uint32_t task,
    char *ep, size_t eplen);
void gale__inbox_close(gale_inbox **ip);
// Receives one batch into b (replacing its content) waiting at most
// timeout_ms (0: no wait). GALE_EAGAIN when none came.
gale_err gale__inbox_recv(gale_inbox *in, gale_batch *b, int timeout_ms);

// The sending side of one task: a PUSH socket per destination task,
// connected on first use. Used by one thread.
gale_err gale__outbox_new(gale_outbox **out, gale_transport *t);
void     gale__outbox_close(gale_outbox **op);
// Sends b to b->dest_task. While the destination is full it waits, calling
// idle(arg) about every millisecond (idle may be NULL) and giving up with
// GALE_ECLOSED once *stop becomes true (stop may be NULL; another thread
// may set it). GALE_ENOENT when the destination's endpoint is not known
// yet.
gale_err gale__outbox_send(gale_outbox *o, const gale_batch *b,
    void (*idle)(void *arg), void *arg, const _Atomic bool *stop);

#endif // GALE_RUNTIME_TRANSPORT_H
