// SPDX-License-Identifier: MIT
// supervisor_zk.h - a supervisor on ZooKeeper: registered as an ephemeral
// node, and finding the leading nimbus there.
//
// The node ROOT/supervisors/ID holds the supervisor's host; it lasts as
// long as the supervisor's session, so it is gone a few seconds after the
// supervisor dies. When the session expires (the supervisor was cut off),
// a new one is opened and the node made again.

#ifndef GALE_WORKERS_SUPERVISOR_ZK_H
#define GALE_WORKERS_SUPERVISOR_ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

typedef struct gale_supervisor_zk gale_supervisor_zk;

// Opens a session as conf says (gale__zk_open; each new session after an
// expiry too) and registers id with host. On failure writes the reason
// into err.
gale_err gale__supervisor_zk_open(gale_supervisor_zk **out,
    const gale_zk_conf *conf, const char *id, const char *host, char *err,
    size_t errlen);
void     gale__supervisor_zk_close(gale_supervisor_zk **zp);
// Opens a new session and registers again when the last one expired.
// Cheap: call it often.
void gale__supervisor_zk_tick(gale_supervisor_zk *z);
// Writes the leading nimbus's endpoint into ep; false when none leads.
bool gale__supervisor_zk_leader(gale_supervisor_zk *z, char *ep, size_t eplen);
// Reads assignments/ID, which the leading nimbus keeps (an encoded
// reply to this supervisor's heartbeat), at most once a second: true with
// the data in *data (malloc'ed, the caller frees) and *len when it
// changed since the last true.
bool gale__supervisor_zk_assignments(
    gale_supervisor_zk *z, uint8_t **data, size_t *len);
// True while the session is connected to a ZooKeeper server.
bool gale__supervisor_zk_connected(const gale_supervisor_zk *z);
// Forgets the assignments last read, so that the next read returns them
// even when they did not change.
void gale__supervisor_zk_forget(gale_supervisor_zk *z);

#endif // GALE_WORKERS_SUPERVISOR_ZK_H
