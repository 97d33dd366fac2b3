// SPDX-License-Identifier: MIT
// tcp_forward.h - a loopback TCP port whose connections are forwarded,
// bytes both ways, to another address (gale dev-kafka's fixed --listen).
//
// One thread serves every connection with poll(): each accepted connection
// gets a connection of its own to the target, and two bounded buffers
// (what one side sent and the other has not taken yet). A side that closes
// its sending half has that passed on (shutdown) once its bytes are
// delivered; the pair closes when both directions are done, or at the
// first error on either side, which is logged. Not for the hot path.

#ifndef GALE_WORKERS_TCP_FORWARD_H
#define GALE_WORKERS_TCP_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "gale.h"

typedef struct gale_forward gale_forward;

// Listens on 127.0.0.1:port and forwards each connection to target, a
// numeric "HOST:PORT". Sets *out and starts the thread when it succeeds;
// otherwise says why in why (GALE_EEXIST for a port already in use,
// GALE_EINVAL for a target that is not HOST:PORT).
gale_err gale__forward_open(gale_forward **out, uint16_t port,
    const char *target, char *why, size_t whylen);

// Stops the thread, closes every connection and the port. Accepts NULL;
// sets *fp to NULL.
void gale__forward_close(gale_forward **fp);

#endif // GALE_WORKERS_TCP_FORWARD_H
