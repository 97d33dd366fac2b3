// SPDX-License-Identifier: MIT
// zk.h - a ZooKeeper session under gale's root node, through ZooKeeper's
// C client: persistent and ephemeral nodes, their data and children.
//
// Paths are relative to the root ("topologies/wordcount" is
// ROOT/topologies/wordcount). Every call is synchronous and bounded by the
// session timeout; the C client reconnects by itself while the session
// lasts. Not thread-safe: one thread uses a session.

#ifndef GALE_WORKERS_ZK_H
#define GALE_WORKERS_ZK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// The root when none is configured.
#define GALE_ZK_ROOT "/gale"
// Data of one node, at most: a ZooKeeper server must allow as much
// (jute.maxbuffer; gale dev-zookeeper does).
#define GALE_ZK_DATA_MAX (96u << 20)

typedef struct gale_zk gale_zk;

// The session timeout asked for unless storm.zookeeper.session.timeout
// says (the server keeps it between 2 and 20 of its ticks): how long a
// session outlives its process's silence, so the time a standby nimbus
// waits for a dead leader's node to go.
#define GALE_ZK_SESSION_MS 4000

// Where ZooKeeper is and what to ask of it: gale.yaml's storm.zookeeper.*
// keys (and --zookeeper), as nimbus and supervisors take them. The strings
// are borrowed.
typedef struct gale_zk_conf {
	const char *servers; // "host:port,host:port"; NULL: no ZooKeeper
	const char *root; // NULL: GALE_ZK_ROOT
	uint32_t    session_ms; // the session asked for; 0: GALE_ZK_SESSION_MS
	uint32_t    connect_ms; // the wait for it; 0: the session's
} gale_zk_conf;

// Connects to conf's servers asking for its session and waiting for it as
// long as it says; logs the session timeout the server granted; creates
// the root and its folders topologies/, supervisors/, nimbus/ and
// assignments/ when missing. On failure writes the reason into err and
// returns GALE_EINVAL (bad servers or root), GALE_ETIMEDOUT or GALE_EIO.
gale_err gale__zk_open(
    gale_zk **out, const gale_zk_conf *conf, char *err, size_t errlen);
// Ends the session (its ephemeral nodes go) and frees; accepts NULL.
void gale__zk_close(gale_zk **zp);

// The servers and root it was opened with. Borrowed.
const char *gale__zk_servers(const gale_zk *z);
const char *gale__zk_root(const gale_zk *z);
// False once the session has expired: its ephemeral nodes are gone and
// the owner must open a new one.
bool gale__zk_alive(const gale_zk *z);
// True while the session is connected to a server: false while it looks
// for one (a cut link, a server away), which it may or may not outlive.
bool gale__zk_connected(const gale_zk *z);

// Writes data to the persistent node rel, creating it when missing.
gale_err gale__zk_put(gale_zk *z, const char *rel, const void *data,
    size_t len, char *err, size_t errlen);
// Creates the ephemeral node rel (with seq, rel plus a sequence number;
// the name made, relative to its parent, goes into made when not NULL).
// GALE_EEXIST when it exists.
gale_err gale__zk_ephemeral(gale_zk *z, const char *rel, const void *data,
    size_t len, bool seq, char *made, size_t madelen, char *err,
    size_t errlen);
// Reads node rel into *data (malloc'ed, NUL-terminated, the caller frees)
// and *len. GALE_ENOENT when it does not exist.
gale_err gale__zk_get(gale_zk *z, const char *rel, uint8_t **data, size_t *len,
    char *err, size_t errlen);
// The children of rel, sorted, into *names (the caller frees them with
// gale__zk_names_free). GALE_ENOENT when rel does not exist.
gale_err gale__zk_children(gale_zk *z, const char *rel, char ***names,
    size_t *n, char *err, size_t errlen);
void     gale__zk_names_free(char **names, size_t n);
// Deletes node rel; a node that is not there is fine.
gale_err gale__zk_delete(
    gale_zk *z, const char *rel, char *err, size_t errlen);

#endif // GALE_WORKERS_ZK_H
