// SPDX-License-Identifier: MIT
// nimbus_state.h - nimbus's topologies, supervisors and their states, shared
// by the files of nimbus (internal to workers/nimbus*.c).
//
// A topology goes through these states. RUN: its workers are placed on
// supervisor slots (or wait for free ones) and run, active or not. A KILL
// deactivates it and waits (KILLING), then drops it from every assignment,
// which makes the supervisors stop its workers (KILLED). A REBALANCE
// deactivates it and lets pending trees finish (DRAIN), drops it from every
// assignment until the supervisors report its workers gone (STOP), then
// places the new number of workers with a new generation (RUN again). When
// every worker has finished its tasks it is FINISHED; a task that cannot
// start makes it FAILED.
//
// Generations: every change of an assignment bumps the topology's
// generation. A worker placed at generation g reports heartbeats with the
// generation of the assignment it runs, which is g or later; a heartbeat
// with an earlier (non-zero) generation is from a worker that ran that
// index before (on another slot, or before a rebalance) and is dropped.
// A topology submitted again under the same name continues its
// predecessor's generations for the same reason.

#ifndef GALE_WORKERS_NIMBUS_STATE_H
#define GALE_WORKERS_NIMBUS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"
#include "topology/plan.h"
#include "workers/nimbus.h"
#include "workers/stats.h"

#define NIMBUS_FRAMES_MAX 8
#define NIMBUS_MSG_MAX (512 << 20)
#define NIMBUS_MAX_WORKERS 4096
// The longest `gale trace` may sample for.
#define NIMBUS_TRACE_MAX_SECS 86400
// A rebalance waits at least this long after deactivating, so that the
// spouts' pending counts it looks at come from heartbeats sent after.
#define NIMBUS_DRAIN_MIN_MS 2500
// How long a rebalance waits for the supervisors to report the old
// workers gone: their stop grace, then SIGTERM and SIGKILL, and slack.
#define NIMBUS_STOP_WAIT_MS 20000
#define NIMBUS_FILE_MAGIC "gale-nimbus-topology 1"
#define NIMBUS_SUFFIX ".topology"

// The structs below are transparent because the files of nimbus share
// them; nothing outside workers/nimbus*.c includes this header, and
// gale_nimbus stays opaque to everyone else.

typedef enum {
	TOPO_RUN = 0,
	TOPO_DRAIN,
	TOPO_STOP,
	TOPO_KILLING,
	TOPO_KILLED,
	TOPO_FINISHED,
	TOPO_FAILED,
	TOPO_NSTATES
} topo_state;

typedef struct nim_worker {
	char     *supervisor; // NULL when not placed
	char     *host;
	uint32_t  port;
	uint64_t  placed_gen; // the generation it was placed at
	bool      done; // ended after its tasks finished
	uint32_t  pid; // as last reported, for the views
	uint32_t *tasks;
	size_t    ntasks;
} nim_worker;

typedef struct nim_topo {
	char          *name;
	gale_spec      spec;
	gale_topology *topo; // NULL when it could not be rebuilt
	gale_plan     *plan; // idem
	gale_stats    *stats; // idem
	topo_state     state;
	bool           active;
	uint64_t       generation;
	char          *run_id;
	uint64_t       run_token; // the run's secret, stored with it
	char          *data_key; // CURVE secret of its data sockets, or NULL
	uint32_t       nworkers;
	uint32_t       ntasks;
	nim_worker    *w; // [nworkers]
	char         **endpoints; // [ntasks + 1]
	bool          *finished; // [ntasks + 1]
	bool           changed; // endpoints or finished tasks, not yet sent
	int64_t        submitted_ms; // wall clock
	int64_t        phase_ms; // wall clock: the current state began
	int64_t        deadline_ms; // wall clock: KILLING, DRAIN, STOP end
	uint32_t       rebalance_to;
	char          *error;
	bool           save; // must be written to disk
	bool           stats_warned;
	// `gale trace`: the sampling rate its workers use until trace_until_ms
	// (wall clock), instead of the configured one. Not saved: a nimbus
	// that restarts forgets it.
	bool           trace_set;
	double         trace_rate;
	int64_t        trace_until_ms;
} nim_topo;

typedef struct nim_sup {
	char     *id;
	char     *host;
	uint32_t *ports;
	size_t    nports;
	uint64_t  beat_ms; // monotonic: last heartbeat
	uint64_t  node_ms; // monotonic: its ZooKeeper node last seen, or 0
	bool      alive;
	int64_t   report_ms; // wall clock of the latest report
	char    **reported; // topologies with a worker in that report
	size_t    nreported;
	// With ZooKeeper: its assignments as last written to
	// assignments/ID (an encoded reply), so that only changes are.
	uint8_t  *zk_asg;
	size_t    zk_asg_len;
} nim_sup;

// Kinds of garbage nimbus receives, each logged at most once a second.
typedef enum {
	NIM_GARBAGE_MALFORMED = 0, // a request that does not decode
	NIM_GARBAGE_ENVELOPE, // no body, or an envelope too deep
	NIM_GARBAGE_SUPERVISOR, // a supervisor heartbeat out of bounds
	NIM_GARBAGE_PROTOCOL, // from a supervisor of another protocol
	NIM_GARBAGE_WORKER, // a worker heartbeat sent to nimbus itself
	NIM_GARBAGE_COMMAND, // a command kind nimbus does not know
	NIM_GARBAGE_KINDS
} nim_garbage;

// The log rate limit of one kind of garbage.
typedef struct nim_gripe {
	uint64_t last_ms;    // monotonic: when a line was last written
	uint64_t suppressed; // received since then without a line
	bool     logged;     // a line was ever written
} nim_gripe;

struct gale_nimbus {
	char      *data_dir;
	uint32_t   sup_timeout_ms;
	char       endpoint[256];
	int        lock_fd;
	void      *zctx;
	void      *router;
	struct gale_keys *keys; // NULL: plain ZeroMQ, loopback only
	struct gale_zap  *zap;
	// With ZooKeeper: the session, this nimbus's candidate node under
	// nimbus/, and whether it leads. Without, it always leads.
	struct gale_zk *zk;
	char            candidate[128];
	bool            leader;
	char            leader_endpoint[256]; // as the leader's node says
	uint64_t        elect_ms; // when to look at the election again
	bool            lost;     // led, and its session expired
	uint64_t        sups_ms;  // when to read supervisors/ again
	nim_topo **t;
	size_t     nt;
	nim_sup  **s;
	size_t     ns;
	uint64_t   dropped;
	nim_gripe  gripes[NIM_GARBAGE_KINDS];
};

// Milliseconds of the wall clock (for what is kept on disk).
int64_t gale__nimbus_wall_ms(void);
// Milliseconds of the monotonic clock (for timeouts and stats).
uint64_t gale__nimbus_mono_ms(void);
// Takes w off its slot.
void gale__nimbus_worker_unplace(nim_worker *w);
// Frees what was built from the spec: topology, plan, stats and arrays.
void gale__nimbus_topo_free_runtime(nim_topo *t);
// Frees t and what it owns; accepts NULL and sets *tp to NULL.
void gale__nimbus_topo_destroy(nim_topo **tp);
// True while t is neither killed, finished nor failed.
bool gale__nimbus_topo_live(const nim_topo *t);
// States whose workers run and whose heartbeats count.
bool gale__nimbus_topo_running(const nim_topo *t);
// Keeps a copy of why t failed.
void gale__nimbus_topo_set_error(nim_topo *t, const char *msg);
// Moves t to state s; states without workers drop its placements.
void gale__nimbus_topo_enter(nim_topo *t, topo_state s);
// A new generation of t's assignment, to be saved.
void gale__nimbus_topo_bump(nim_topo *t);
// What t is doing, as clients see it.
gale_topology_status gale__nimbus_topo_status_of(const nim_topo *t);
// The name of gale__nimbus_topo_status_of(t). Static.
const char *gale__nimbus_topo_status(const nim_topo *t);
// topology.message.timeout.secs of t: how long a kill waits.
int64_t gale__nimbus_topo_timeout_secs(const nim_topo *t);
// Builds the topology, plan and stats of t->spec, and fresh worker,
// endpoint and finished arrays. On failure writes why into err.
gale_err gale__nimbus_topo_build(
    const gale_nimbus *n, nim_topo *t, char *err, size_t errlen);
// The assignment of t. Strings are borrowed from t; the arrays are owned
// and freed by gale__nimbus_assignment_release. With for_supervisors, workers
// that are done are shown on no supervisor, so that nobody starts them again.
gale_err gale__nimbus_topo_assignment(
    const nim_topo *t, gale_assignment *a, bool for_supervisors);
// Frees the arrays of an assignment from gale__nimbus_topo_assignment.
void gale__nimbus_assignment_release(gale_assignment *a);
// The assignments of sup, as its heartbeat's reply carries them: every
// running topology with a worker on it, into r->assignments (owned by r;
// each released with gale__nimbus_assignment_release). GALE_ENOMEM.
gale_err gale__nimbus_sup_assignments(
    const gale_nimbus *n, const nim_sup *sup, gale_reply *r);
// The topology named name, or NULL. Borrowed.
nim_topo *gale__nimbus_find(const gale_nimbus *n, const char *name);
// After heartbeats: a new generation when endpoints or finished tasks
// changed and every endpoint is known; FINISHED when every worker is done.
void gale__nimbus_topo_settle(nim_topo *t);
// Folds one worker's heartbeat, relayed by sup, into its topology.
void gale__nimbus_fold(gale_nimbus *n, nim_sup *sup, const gale_heartbeat *hb);
// Ends a kill: t is dropped from every assignment.
void gale__nimbus_kill_now(nim_topo *t);
// Why t cannot take a command, or NULL when it can.
const char *gale__nimbus_topo_refusal(
    const nim_topo *t, char *buf, size_t cap);

#endif // GALE_WORKERS_NIMBUS_STATE_H
