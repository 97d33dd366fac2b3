// SPDX-License-Identifier: MIT
// client.h - requests to nimbus and their replies, bounded in time.
//
// A client is a ZeroMQ DEALER connected to nimbus's ROUTER. It has at most
// one request in flight; every request carries a sequence number that the
// reply echoes, so a late reply to an earlier request is recognised and
// dropped. After a request is given up on, gale_client_reset drops the
// socket (and whatever it still queues) and the next send opens a new one.
// Not thread-safe.

#ifndef GALE_WORKERS_CLIENT_H
#define GALE_WORKERS_CLIENT_H

#include <stdbool.h>

#include "proto/wire.h"

// The default nimbus endpoint when none is given.
#define GALE_NIMBUS_DEFAULT "tcp://127.0.0.1:6627"

typedef struct gale_client gale_client;

// The endpoint to use: given when not NULL, else $GALE_NIMBUS when set and
// not empty, else GALE_NIMBUS_DEFAULT. Borrowed.
const char *gale_client_endpoint(const char *given);

// The keys directory to use: given when not NULL, else $GALE_KEYS when set
// and not empty, else NULL (no keys). Borrowed.
const char *gale_client_keys_dir(const char *given);

// Creates a client of the nimbus at endpoint (copied). Nothing is connected
// before the first send. GALE_EINVAL for an empty or overlong endpoint.
gale_err gale_client_new(gale_client **out, const char *endpoint);
// Makes every connection from now on a CURVE client of nimbus with the
// pair dir/self.key and dir/nimbus.pub (see workers/keys.h). On failure
// the reason is in gale_client_error and nothing changed.
gale_err gale_client_use_keys(
    gale_client *c, const char *dir, const char *self);
// gale_client_new, then gale_client_use_keys(dir, "client") where dir is
// gale_client_keys_dir(keys_dir) and not NULL: what a client command
// does. On failure writes the reason into err.
gale_err gale_client_open(gale_client **out, const char *endpoint,
    const char *keys_dir, char *err, size_t errlen);
// Closes the socket without lingering and frees; accepts NULL.
void gale_client_destroy(gale_client **cp);

// Sends req. GALE_EINVAL when the endpoint is malformed (the reason is in
// gale_client_error), GALE_EAGAIN when a request is still in flight.
gale_err gale_client_send(gale_client *c, const gale_request *req);
// Waits up to timeout_ms for the reply to the request in flight. GALE_OK
// fills *reply (the caller calls gale_reply_fini); GALE_EAGAIN when it has
// not come yet; GALE_EPROTO when the reply was malformed (the request is
// no longer in flight); GALE_EINVAL when nothing is in flight;
// GALE_EUNREACH when nimbus refused the security handshake (no keys, the
// wrong ones, or keys nimbus does not take): the socket is closed and
// gale_client_error says which.
gale_err gale_client_recv(gale_client *c, gale_reply *reply, int timeout_ms);
// True while a request waits for its reply.
bool gale_client_busy(const gale_client *c);
// Gives up on the request in flight: closes the socket.
void gale_client_reset(gale_client *c);
// The socket to poll for the reply (ZMQ_POLLIN), or NULL when none is open.
void *gale_client_socket(gale_client *c);
// Why the last call failed. Borrowed.
const char *gale_client_error(const gale_client *c);

// Sends req and waits up to timeout_ms for the reply; resets on timeout.
// GALE_ETIMEDOUT when no reply came in time (gale_client_error adds a hint
// when keys may be the reason).
gale_err gale_client_call(gale_client *c, const gale_request *req,
    gale_reply *reply, int timeout_ms);

#endif // GALE_WORKERS_CLIENT_H
