// SPDX-License-Identifier: MIT
// transport.c - tuple batches between tasks over ZeroMQ PUSH/PULL sockets.

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "base/endpoint.h"
#include "base/log.h"
#include "runtime/transport.h"

#define TRANSPORT_EP_MAX 128
// A batch still unsent when its socket closes is given this long to leave,
// so that end-of-stream markers reach their peers before a worker exits.
#define TRANSPORT_LINGER_MS 3000

struct gale_transport {
	void            *zctx;
	char             bind_host[64];
	uint32_t         ntasks;
	int64_t          max_msg; // ZMQ_MAXMSGSIZE of inboxes; -1: none
	bool            *local;    // [ntasks + 1]
	pthread_mutex_t  lock;     // guards endpoints
	char           (*endpoints)[TRANSPORT_EP_MAX];
	_Atomic uint32_t *version; // [ntasks + 1], bumped on every change
	char curve_secret[41]; // the topology's CURVE pair (Z85); "": none
	char curve_public[41];
};

struct gale_inbox {
	void    *sock;
	uint32_t task;
};

typedef struct outbox_peer {
	void    *sock;
	uint32_t version; // of the endpoint it is connected to
} outbox_peer;

struct gale_outbox {
	gale_transport *t;
	outbox_peer    *peers; // [ntasks + 1]
};

// ZeroMQ's errors become gale's here, and nowhere else.
static gale_err
transport_err(void)
{
	switch (zmq_errno()) {
	case EAGAIN:
		return GALE_EAGAIN;
	case ENOMEM:
		return GALE_ENOMEM;
	case ETERM:
	case ENOTSOCK:
		return GALE_ECLOSED;
	case EHOSTUNREACH:
		return GALE_EUNREACH;
	case EINVAL:
	case EPROTONOSUPPORT:
		return GALE_EINVAL;
	default:
		return GALE_EIO;
	}
}

gale_err
gale__transport_new(gale_transport **out, const char *bind_host, uint32_t ntasks)
{
	gale_transport *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return GALE_ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	snprintf(t->bind_host, sizeof(t->bind_host), "%s",
	    bind_host ? bind_host : "127.0.0.1");
	t->ntasks    = ntasks;
	t->local     = calloc(ntasks + 1, sizeof(*t->local));
	t->endpoints = calloc(ntasks + 1, sizeof(*t->endpoints));
	t->version   = calloc(ntasks + 1, sizeof(*t->version));
	t->zctx      = zmq_ctx_new();
	if (t->local == NULL || t->endpoints == NULL || t->version == NULL ||
	    t->zctx == NULL) {
		gale__transport_destroy(&t);
		return GALE_ENOMEM;
	}
	*out = t;
	return GALE_OK;
}

void
gale__transport_destroy(gale_transport **tp)
{
	gale_transport *t = *tp;
	if (t == NULL) {
		return;
	}
	if (t->zctx != NULL) {
		zmq_ctx_term(t->zctx);
	}
	pthread_mutex_destroy(&t->lock);
	free(t->local);
	free(t->endpoints);
	free((void *) t->version);
	free(t);
	*tp = NULL;
}

gale_err
gale__transport_set_curve(gale_transport *t, const char *secret)
{
	if (secret == NULL || strlen(secret) != 40
	    || zmq_curve_public(t->curve_public, secret) != 0) {
		return GALE_EINVAL;
	}
	memcpy(t->curve_secret, secret, sizeof(t->curve_secret));
	return GALE_OK;
}

// With a topology key, a tcp inbox is a CURVE server of that key, and a
// sender is its client with the same pair: only a peer that holds the
// topology's secret completes the handshake. Inproc pipes have no
// handshake and stay as they are.
static void
transport_curve(const gale_transport *t, void *sock, bool server)
{
	if (t->curve_secret[0] == '\0') {
		return;
	}
	int on = 1;
	if (server) {
		zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof(on));
	} else {
		zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, t->curve_public, 40);
		zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, t->curve_public, 40);
	}
	zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, t->curve_secret, 40);
}

void
gale__transport_set_local(gale_transport *t, uint32_t task)
{
	assert(task >= 1 && task <= t->ntasks);
	t->local[task] = true;
}

bool
gale__transport_is_local(const gale_transport *t, uint32_t task)
{
	return task >= 1 && task <= t->ntasks && t->local[task];
}

bool
gale__transport_set_endpoint(
    gale_transport *t, uint32_t task, const char *endpoint)
{
	if (task < 1 || task > t->ntasks) {
		return false;
	}
	pthread_mutex_lock(&t->lock);
	bool changed = strcmp(t->endpoints[task], endpoint) != 0;
	if (changed) {
		snprintf(t->endpoints[task], TRANSPORT_EP_MAX, "%s", endpoint);
		atomic_fetch_add(&t->version[task], 1);
	}
	pthread_mutex_unlock(&t->lock);
	return changed;
}

bool
gale__transport_complete(const gale_transport *t)
{
	for (uint32_t task = 1; task <= t->ntasks; task++) {
		if (!t->local[task] && atomic_load(&t->version[task]) == 0) {
			return false;
		}
	}
	return true;
}

static void
transport_inproc_name(char *buf, size_t len, uint32_t task)
{
	snprintf(buf, len, "inproc://gale-task-%u", task);
}

gale_err
gale__inbox_open(gale_inbox **out, gale_transport *t, uint32_t task, char *ep,
    size_t eplen)
{
	gale_inbox *in = calloc(1, sizeof(*in));
	if (in == NULL) {
		return GALE_ENOMEM;
	}
	in->task = task;
	in->sock = zmq_socket(t->zctx, ZMQ_PULL);
	if (in->sock == NULL) {
		free(in);
		return transport_err();
	}
	int  hwm    = GALE_TRANSPORT_HWM;
	int  linger = 0;
	char name[TRANSPORT_EP_MAX];
	int  sockbuf = GALE_TRANSPORT_SOCKBUF;
	zmq_setsockopt(in->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(in->sock, ZMQ_RCVBUF, &sockbuf, sizeof(sockbuf));
	zmq_setsockopt(in->sock, ZMQ_LINGER, &linger, sizeof(linger));
	// A message over the bound is refused by ZeroMQ as its length
	// arrives, before any of it is buffered: the peer is disconnected.
	if (t->max_msg > 0) {
		zmq_setsockopt(
		    in->sock, ZMQ_MAXMSGSIZE, &t->max_msg, sizeof(t->max_msg));
	}
	transport_curve(t, in->sock, true);
	transport_inproc_name(name, sizeof(name), task);
	if (zmq_bind(in->sock, name) != 0) {
		goto fail;
	}
	snprintf(name, sizeof(name), "tcp://%s:*", t->bind_host);
	if (zmq_bind(in->sock, name) != 0) {
		goto fail;
	}
	size_t len = eplen;
	if (zmq_getsockopt(in->sock, ZMQ_LAST_ENDPOINT, ep, &len) != 0) {
		goto fail;
	}
	// Bound to loopback: senders on this host come in over a Unix socket
	// named after the tcp endpoint (no TCP stack, fewer copies); the tcp
	// endpoint stays the one published.
	if (gale__endpoint_local_ipc(ep, name, sizeof(name))
	    && zmq_bind(in->sock, name) != 0) {
		goto fail;
	}
	*out = in;
	return GALE_OK;
fail:;
	// name is the endpoint that could not be bound (a squatted Unix
	// socket name fails the inbox: a sender would reach the squatter).
	int      zerr = zmq_errno();
	gale_err rv   = transport_err();
	GALE_ERROR("task %u: cannot listen on '%s': %s", task, name,
	    zmq_strerror(zerr));
	zmq_close(in->sock);
	free(in);
	return rv;
}

void
gale__transport_set_max_message(gale_transport *t, size_t bytes)
{
	t->max_msg = bytes > 0 && bytes <= INT64_MAX ? (int64_t) bytes : -1;
}

void
gale__inbox_close(gale_inbox **ip)
{
	gale_inbox *in = *ip;
	if (in == NULL) {
		return;
	}
	zmq_close(in->sock);
	free(in);
	*ip = NULL;
}

gale_err
gale__inbox_recv(gale_inbox *in, gale_batch *b, int timeout_ms)
{
	zmq_msg_t msg;
	zmq_msg_init(&msg);
	// A busy inbox has a batch waiting: take it without polling first
	// (a zmq_poll is a poll(2) and a getpid(2) even when input is there).
	gale_err rv = GALE_OK;
	if (zmq_msg_recv(&msg, in->sock, ZMQ_DONTWAIT) < 0) {
		rv = transport_err();
		if (rv == GALE_EAGAIN && timeout_ms > 0) {
			zmq_pollitem_t item
			    = { .socket = in->sock, .events = ZMQ_POLLIN };
			int ready = zmq_poll(&item, 1, timeout_ms);
			if (ready > 0) {
				rv = zmq_msg_recv(&msg, in->sock, ZMQ_DONTWAIT)
					< 0
				    ? transport_err()
				    : GALE_OK;
			} else if (ready < 0
			    && transport_err() == GALE_ECLOSED) {
				rv = GALE_ECLOSED;
			}
		}
		if (rv != GALE_OK) {
			goto out;
		}
	}
	size_t size = zmq_msg_size(&msg);
	if (size > b->cap) {
		size_t   cap = b->cap ? b->cap : 4096;
		while (cap < size) {
			cap *= 2;
		}
		uint8_t *buf = realloc(b->buf, cap);
		if (buf == NULL) {
			rv = GALE_ENOMEM;
			goto out;
		}
		b->buf = buf;
		b->cap = cap;
	}
	memcpy(b->buf, zmq_msg_data(&msg), size);
	b->len = size;
out:
	zmq_msg_close(&msg);
	return rv;
}

gale_err
gale__outbox_new(gale_outbox **out, gale_transport *t)
{
	gale_outbox *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		return GALE_ENOMEM;
	}
	o->t     = t;
	o->peers = calloc(t->ntasks + 1, sizeof(*o->peers));
	if (o->peers == NULL) {
		free(o);
		return GALE_ENOMEM;
	}
	*out = o;
	return GALE_OK;
}

void
gale__outbox_close(gale_outbox **op)
{
	gale_outbox *o = *op;
	if (o == NULL) {
		return;
	}
	for (uint32_t task = 0; task <= o->t->ntasks; task++) {
		if (o->peers[task].sock != NULL) {
			zmq_close(o->peers[task].sock);
		}
	}
	free(o->peers);
	free(o);
	*op = NULL;
}

// Returns the socket for task, connecting (or reconnecting after its
// endpoint changed) as needed; NULL when its endpoint is not known.
static void *
outbox_peer_socket(gale_outbox *o, uint32_t task)
{
	gale_transport *t = o->t;
	outbox_peer    *p = &o->peers[task];
	uint32_t        v = t->local[task] ? 1 : atomic_load(&t->version[task]);
	if (p->sock != NULL && p->version == v) {
		return p->sock;
	}
	if (v == 0) {
		return NULL;
	}
	if (p->sock != NULL) {
		zmq_close(p->sock);
		p->sock = NULL;
	}
	char ep[TRANSPORT_EP_MAX];
	if (t->local[task]) {
		transport_inproc_name(ep, sizeof(ep), task);
	} else {
		char tcp[TRANSPORT_EP_MAX];
		pthread_mutex_lock(&t->lock);
		memcpy(tcp, t->endpoints[task], sizeof(tcp));
		v = atomic_load(&t->version[task]);
		pthread_mutex_unlock(&t->lock);
		if (!gale__endpoint_local_ipc(tcp, ep, sizeof(ep))) {
			memcpy(ep, tcp, sizeof(ep));
		}
	}
	void *s = zmq_socket(t->zctx, ZMQ_PUSH);
	if (s == NULL) {
		return NULL;
	}
	int hwm    = GALE_TRANSPORT_HWM;
	int linger = TRANSPORT_LINGER_MS;
	int ivl    = 100;
	int sockbuf = GALE_TRANSPORT_SOCKBUF;
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_SNDBUF, &sockbuf, sizeof(sockbuf));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
	if (!t->local[task]) {
		transport_curve(t, s, false);
	}
	if (zmq_connect(s, ep) != 0) {
		zmq_close(s);
		return NULL;
	}
	p->sock    = s;
	p->version = v;
	return s;
}

gale_err
gale__outbox_send(gale_outbox *o, const gale_batch *b, void (*idle)(void *arg),
    void *arg, const _Atomic bool *stop)
{
	uint32_t task = b->dest_task;
	if (task < 1 || task > o->t->ntasks) {
		return GALE_EINVAL;
	}
	for (;;) {
		void *s = outbox_peer_socket(o, task);
		if (s == NULL) {
			return GALE_ENOENT;
		}
		if (zmq_send(s, b->buf, b->len, ZMQ_DONTWAIT) >= 0) {
			return GALE_OK;
		}
		gale_err rv = transport_err();
		if (rv != GALE_EAGAIN) {
			return rv;
		}
		// The destination is full: wait for room, letting the caller
		// do what it must meanwhile (a spout keeps taking its acks).
		if (idle != NULL) {
			idle(arg);
		}
		if (stop != NULL &&
		    atomic_load_explicit(stop, memory_order_relaxed)) {
			return GALE_ECLOSED;
		}
		zmq_pollitem_t item = { .socket = s, .events = ZMQ_POLLOUT };
		zmq_poll(&item, 1, 1);
	}
}
