// SPDX-License-Identifier: MIT
// nimbus.h - the master of a gale cluster: it takes topologies from
// clients, places their workers on the slots of supervisors, hands out
// assignments, and keeps all of it on disk.
//
// Nimbus answers gale.Request messages on a ZeroMQ ROUTER socket with
// gale.Reply messages. Every topology is kept in DATA/NAME.topology,
// replaced atomically on every change, and reloaded by gale_nimbus_new: a
// nimbus killed at any moment and started again on the same data directory
// knows everything it had acknowledged. Shipped libraries are kept in
// DATA/libs/NAME/. Single-threaded: one thread calls every function.

#ifndef GALE_WORKERS_NIMBUS_H
#define GALE_WORKERS_NIMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "workers/zk.h"

typedef struct gale_nimbus gale_nimbus;

typedef struct gale_nimbus_opts {
	const char *listen; // ZeroMQ endpoint to bind; "tcp://127.0.0.1:*" ok
	const char *data_dir; // created when missing
	// A supervisor not heard from for this long is dead and its workers
	// are placed elsewhere.
	uint32_t supervisor_timeout_secs;
	// A keys directory (see workers/keys.h): nimbus.key and the trusted
	// public keys. NULL: no security, which only a loopback listen
	// endpoint allows, unless insecure is set.
	const char *keys_dir;
	bool        insecure;
	// With ZooKeeper servers, topologies live under its root (default
	// /gale) instead of the data directory, and the nimbus processes of
	// one ZooKeeper elect a leader. zk.servers NULL: files.
	gale_zk_conf zk;
} gale_nimbus_opts;

// Opens the data directory (locked against a second nimbus), reloads the
// topologies kept there and binds: with keys, as a CURVE server that lets
// only trusted keys in. Refuses (GALE_EINVAL) a listen endpoint beyond
// loopback without keys unless opts->insecure. On failure writes a one-line reason
// into err and returns GALE_EINVAL (bad option), GALE_EIO (directory,
// lock or bind) or GALE_ENOMEM. A topology file that cannot be read back is
// reported on stderr and left out.
gale_err gale_nimbus_new(
    gale_nimbus **out, const gale_nimbus_opts *opts, char *err, size_t errlen);
// Frees everything; accepts NULL and sets *np to NULL.
void gale_nimbus_destroy(gale_nimbus **np);

// The endpoint it listens on, with the port it got. Borrowed.
const char *gale_nimbus_endpoint(const gale_nimbus *n);

// Answers requests for up to timeout_ms, then does what is due: declares
// silent supervisors dead, places waiting workers, ends kill waits and
// moves rebalances on.
void gale_nimbus_poll(gale_nimbus *n, int timeout_ms);

// True while this nimbus leads (always, without ZooKeeper). A standby
// refuses every request with the leader's endpoint.
bool gale_nimbus_leader(const gale_nimbus *n);

// True once a leader's ZooKeeper session expired: another nimbus may lead
// now, so this one must stop (its process exits and is started again).
bool gale_nimbus_lost(const gale_nimbus *n);

// Messages dropped or refused because they were malformed or unexpected.
uint64_t gale_nimbus_dropped(const gale_nimbus *n);

#endif // GALE_WORKERS_NIMBUS_H
