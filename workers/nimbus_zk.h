// SPDX-License-Identifier: MIT
// nimbus_zk.h - nimbus on ZooKeeper: the session, and the election of one
// leader among the nimbus processes of one ZooKeeper.
//
// The election is ZooKeeper's recipe: every nimbus creates an ephemeral
// sequential node nimbus/n-SEQ holding its endpoint; the one with the
// lowest sequence number leads. When the leader's session ends (it died
// or was cut off), its node goes and the next one leads. Only the leader
// reads and writes the topologies; a standby refuses requests with the
// leader's endpoint.

#ifndef GALE_WORKERS_NIMBUS_ZK_H
#define GALE_WORKERS_NIMBUS_ZK_H

#include "workers/nimbus_state.h"

// Opens the session (gale__zk_open) and enters the election with
// n->endpoint. On failure writes the reason into err.
gale_err gale__nimbus_zk_join(
    gale_nimbus *n, const gale_zk_conf *conf, char *err, size_t errlen);
// Reads the candidates of zk: writes the leader's endpoint into ep ("" is
// left alone when there is none) and returns true when the leader is the
// candidate node named self (NULL: none of ours).
struct gale_zk;
bool gale__zk_find_leader(
    struct gale_zk *zk, const char *self, char *ep, size_t eplen);
// Reads the candidates: sets n->leader_endpoint to the leader's endpoint
// and returns true when this nimbus leads.
bool gale__nimbus_zk_leads(gale_nimbus *n);

// The leader reads supervisors/ at most once a second: a supervisor
// whose node is there counts as seen now (so it stays alive while its
// session lasts, as in Storm); one whose node went and that has not
// heartbeated since times out counted from when it was last seen.
void gale__nimbus_zk_watch_sups(gale_nimbus *n);

#endif // GALE_WORKERS_NIMBUS_ZK_H
