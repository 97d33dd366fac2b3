// SPDX-License-Identifier: MIT
// client.c - requests to nimbus and their replies, bounded in time.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "workers/client.h"

#define CLIENT_ENDPOINT_MAX 512

struct gale_client {
	void    *zctx;
	void    *sock;
	char     endpoint[CLIENT_ENDPOINT_MAX];
	uint64_t seq;
	bool     busy;
	char     error[CLIENT_ENDPOINT_MAX + 256];
};

const char *
gale_client_endpoint(const char *given)
{
	if (given != NULL) {
		return given;
	}
	const char *env = getenv("GALE_NIMBUS");
	return env != NULL && env[0] != '\0' ? env : GALE_NIMBUS_DEFAULT;
}

gale_err
gale_client_new(gale_client **out, const char *endpoint)
{
	if (endpoint == NULL || endpoint[0] == '\0'
	    || strlen(endpoint) >= CLIENT_ENDPOINT_MAX) {
		return GALE_EINVAL;
	}
	gale_client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return GALE_ENOMEM;
	}
	snprintf(c->endpoint, sizeof(c->endpoint), "%s", endpoint);
	// Sequence numbers start somewhere different in every client, so a
	// reply meant for an earlier process is not taken for ours.
	c->seq  = gale_now_ns();
	c->zctx = zmq_ctx_new();
	if (c->zctx == NULL) {
		free(c);
		return GALE_ENOMEM;
	}
	*out = c;
	return GALE_OK;
}

void
gale_client_reset(gale_client *c)
{
	if (c->sock != NULL) {
		zmq_close(c->sock);
		c->sock = NULL;
	}
	c->busy = false;
}

void
gale_client_destroy(gale_client **cp)
{
	gale_client *c = *cp;
	if (c == NULL) {
		return;
	}
	gale_client_reset(c);
	zmq_ctx_term(c->zctx);
	free(c);
	*cp = NULL;
}

static gale_err
client_open(gale_client *c)
{
	if (c->sock != NULL) {
		return GALE_OK;
	}
	c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
	if (c->sock == NULL) {
		snprintf(c->error, sizeof(c->error),
		    "cannot create a socket: %s", zmq_strerror(zmq_errno()));
		return GALE_EIO;
	}
	int linger = 0;
	zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger));
	int64_t max = 512 << 20;
	zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	if (zmq_connect(c->sock, c->endpoint) != 0) {
		snprintf(c->error, sizeof(c->error),
		    "cannot connect to '%s': %s", c->endpoint,
		    zmq_strerror(zmq_errno()));
		zmq_close(c->sock);
		c->sock = NULL;
		return GALE_EINVAL;
	}
	return GALE_OK;
}

gale_err
gale_client_send(gale_client *c, const gale_request *req)
{
	if (c->busy) {
		snprintf(c->error, sizeof(c->error), "a request is in flight");
		return GALE_EAGAIN;
	}
	gale_err rv = client_open(c);
	if (rv != GALE_OK) {
		return rv;
	}
	uint8_t *buf;
	size_t   len;
	if ((rv = gale_request_encode(req, &buf, &len)) != GALE_OK) {
		snprintf(c->error, sizeof(c->error),
		    "cannot encode the request: %s", gale_strerror(rv));
		return rv;
	}
	c->seq++;
	// Envelope: sequence number, empty delimiter, body. Nimbus echoes
	// every frame before the body.
	if (zmq_send(
		c->sock, &c->seq, sizeof(c->seq), ZMQ_SNDMORE | ZMQ_DONTWAIT)
		< 0
	    || zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
	    || zmq_send(c->sock, buf, len, ZMQ_DONTWAIT) < 0) {
		snprintf(c->error, sizeof(c->error), "cannot send to '%s': %s",
		    c->endpoint, zmq_strerror(zmq_errno()));
		free(buf);
		gale_client_reset(c);
		return GALE_EUNREACH;
	}
	free(buf);
	c->busy = true;
	return GALE_OK;
}

// Reads one whole message; returns its frames (at most cap) or -1.
static int
client_read(void *sock, zmq_msg_t *frames, int cap)
{
	int n = 0;
	for (;;) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			break;
		}
		bool more = zmq_msg_more(&m);
		if (n < cap) {
			frames[n] = m;
		} else {
			zmq_msg_close(&m);
		}
		n++;
		if (!more) {
			break;
		}
	}
	return n;
}

gale_err
gale_client_recv(gale_client *c, gale_reply *reply, int timeout_ms)
{
	if (!c->busy || c->sock == NULL) {
		snprintf(c->error, sizeof(c->error), "no request in flight");
		return GALE_EINVAL;
	}
	uint64_t deadline = gale_now_ns() + (uint64_t) timeout_ms * 1000000u;
	for (;;) {
		uint64_t       now  = gale_now_ns();
		int            wait = now >= deadline
			       ? 0
			       : (int) ((deadline - now + 999999u) / 1000000u);
		zmq_pollitem_t item
		    = { .socket = c->sock, .events = ZMQ_POLLIN };
		if (zmq_poll(&item, 1, wait) <= 0) {
			snprintf(c->error, sizeof(c->error),
			    "no reply from nimbus at '%s'", c->endpoint);
			return GALE_EAGAIN;
		}
		zmq_msg_t frames[3];
		int       n = client_read(c->sock, frames, 3);
		bool ok = n == 3 && zmq_msg_size(&frames[0]) == sizeof(c->seq)
		    && memcmp(
			   zmq_msg_data(&frames[0]), &c->seq, sizeof(c->seq))
			== 0
		    && zmq_msg_size(&frames[1]) == 0;
		gale_err rv = GALE_EAGAIN;
		if (ok) {
			rv = gale_reply_decode(reply, zmq_msg_data(&frames[2]),
			    zmq_msg_size(&frames[2]));
			c->busy = false;
			if (rv != GALE_OK) {
				snprintf(c->error, sizeof(c->error),
				    "a malformed reply from nimbus at '%s'",
				    c->endpoint);
				rv = GALE_EPROTO;
			}
		}
		for (int i = 0; i < n && i < 3; i++) {
			zmq_msg_close(&frames[i]);
		}
		if (ok) {
			return rv;
		}
		// Not ours (a late reply to an earlier request): keep waiting.
	}
}

bool
gale_client_busy(const gale_client *c)
{
	return c->busy;
}

void *
gale_client_socket(gale_client *c)
{
	return c->sock;
}

const char *
gale_client_error(const gale_client *c)
{
	return c->error;
}

gale_err
gale_client_call(
    gale_client *c, const gale_request *req, gale_reply *reply, int timeout_ms)
{
	gale_err rv = gale_client_send(c, req);
	if (rv != GALE_OK) {
		return rv;
	}
	rv = gale_client_recv(c, reply, timeout_ms);
	if (rv == GALE_EAGAIN) {
		gale_client_reset(c);
		return GALE_ETIMEDOUT;
	}
	return rv;
}
