// SPDX-License-Identifier: MIT
// client.c - requests to nimbus and their replies, bounded in time.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "workers/client.h"
#include "workers/keys.h"

#define CLIENT_ENDPOINT_MAX 512

struct gale_client {
	void      *zctx;
	void      *sock;
	void      *mon; // the socket's handshake failures, a PAIR
	gale_keys *keys; // NULL: plain ZeroMQ
	char       endpoint[CLIENT_ENDPOINT_MAX];
	uint64_t   seq;
	bool       busy;
	char       error[CLIENT_ENDPOINT_MAX + 256];
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

const char *
gale_client_keys_dir(const char *given)
{
	if (given != NULL) {
		return given;
	}
	const char *env = getenv("GALE_KEYS");
	return env != NULL && env[0] != '\0' ? env : NULL;
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

gale_err
gale_client_use_keys(gale_client *c, const char *dir, const char *self)
{
	gale_keys *k = NULL;
	gale_err   rv
	    = gale__keys_load(&k, dir, self, c->error, sizeof(c->error));
	if (rv != GALE_OK) {
		return rv;
	}
	gale__keys_destroy(&c->keys);
	c->keys = k;
	gale_client_reset(c);
	return GALE_OK;
}

gale_err
gale_client_open(gale_client **out, const char *endpoint, const char *keys_dir,
    char *err, size_t errlen)
{
	gale_client *c  = NULL;
	gale_err     rv = gale_client_new(&c, endpoint);
	if (rv != GALE_OK) {
		snprintf(err, errlen, "bad nimbus endpoint '%s'",
		    endpoint != NULL ? endpoint : "");
		return rv;
	}
	const char *dir = gale_client_keys_dir(keys_dir);
	if (dir != NULL
	    && (rv = gale_client_use_keys(c, dir, "client")) != GALE_OK) {
		snprintf(err, errlen, "%s", gale_client_error(c));
		gale_client_destroy(&c);
		return rv;
	}
	*out = c;
	return GALE_OK;
}

void
gale_client_reset(gale_client *c)
{
	if (c->mon != NULL) {
		zmq_close(c->mon);
		c->mon = NULL;
	}
	if (c->sock != NULL) {
		zmq_socket_monitor(c->sock, NULL, 0);
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
	gale__keys_destroy(&c->keys);
	free(c);
	*cp = NULL;
}

// Watches the socket's handshakes, so that a nimbus refusing them is told
// apart from one that is not there. Without a monitor the client only
// times out, which is what it does when this fails.
static void
client_monitor(gale_client *c)
{
	// A new name for every socket: the inproc name of a closed monitor
	// may not be free again at once.
	char name[128];
	snprintf(name, sizeof(name), "inproc://gale-client-monitor-%p-%llu",
	    (void *) c, (unsigned long long) c->seq);
	if (zmq_socket_monitor(c->sock, name,
		ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
		    | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
		    | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
	    != 0) {
		return;
	}
	c->mon     = zmq_socket(c->zctx, ZMQ_PAIR);
	int linger = 0;
	if (c->mon != NULL) {
		zmq_setsockopt(c->mon, ZMQ_LINGER, &linger, sizeof(linger));
	}
	if (c->mon == NULL || zmq_connect(c->mon, name) != 0) {
		if (c->mon != NULL) {
			zmq_close(c->mon);
		}
		c->mon = NULL;
		zmq_socket_monitor(c->sock, NULL, 0);
	}
}

// Reads one monitor event: true with the reason in c->error when it is a
// failed handshake.
static bool
client_handshake_failed(gale_client *c)
{
	zmq_msg_t ev, addr;
	zmq_msg_init(&ev);
	zmq_msg_init(&addr);
	bool failed = false;
	if (zmq_msg_recv(&ev, c->mon, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&ev)
	    && zmq_msg_recv(&addr, c->mon, ZMQ_DONTWAIT) >= 0
	    && zmq_msg_size(&ev) >= 6) {
		uint16_t event;
		uint32_t value;
		memcpy(&event, zmq_msg_data(&ev), 2);
		memcpy(&value, (const uint8_t *) zmq_msg_data(&ev) + 2, 4);
		failed = true;
		if (c->keys == NULL) {
			// A plain handshake fails only against security.
			snprintf(c->error, sizeof(c->error),
			    "nimbus at '%s' refused a client without keys: it "
			    "takes only clients with the cluster's keys "
			    "(--keys DIR or $GALE_KEYS)",
			    c->endpoint);
		} else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
			snprintf(c->error, sizeof(c->error),
			    "nimbus at '%s' refused our key %s: its keys "
			    "directory must hold our .pub",
			    c->endpoint, gale__keys_fingerprint(c->keys));
		} else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
		    && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
			snprintf(c->error, sizeof(c->error),
			    "nimbus at '%s' runs without keys and refused a "
			    "client with them: drop --keys and $GALE_KEYS",
			    c->endpoint);
		} else {
			snprintf(c->error, sizeof(c->error),
			    "the security handshake with nimbus at '%s' "
			    "failed: is %s/nimbus.pub that nimbus's key?",
			    c->endpoint, gale__keys_dir(c->keys));
		}
	}
	zmq_msg_close(&ev);
	zmq_msg_close(&addr);
	return failed;
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
	if (c->keys != NULL
	    && gale__keys_connect(c->keys, c->sock) != GALE_OK) {
		snprintf(c->error, sizeof(c->error), "cannot set up CURVE: %s",
		    zmq_strerror(zmq_errno()));
		zmq_close(c->sock);
		c->sock = NULL;
		return GALE_EIO;
	}
	client_monitor(c);
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
		uint64_t       now      = gale_now_ns();
		int            wait     = now >= deadline
				   ? 0
				   : (int) ((deadline - now + 999999u) / 1000000u);
		zmq_pollitem_t items[2] = {
			{ .socket = c->sock, .events = ZMQ_POLLIN },
			{ .socket = c->mon, .events = ZMQ_POLLIN },
		};
		if (zmq_poll(items, c->mon != NULL ? 2 : 1, wait) <= 0) {
			snprintf(c->error, sizeof(c->error),
			    "no reply from nimbus at '%s'", c->endpoint);
			return GALE_EAGAIN;
		}
		if ((items[1].revents & ZMQ_POLLIN) != 0
		    && client_handshake_failed(c)) {
			char why[sizeof(c->error)];
			snprintf(why, sizeof(why), "%s", c->error);
			gale_client_reset(c);
			snprintf(c->error, sizeof(c->error), "%s", why);
			return GALE_EUNREACH;
		}
		if ((items[0].revents & ZMQ_POLLIN) == 0) {
			continue;
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
