// SPDX-License-Identifier: MIT
// control.h - the control-plane codec: topology specs, assignments,
// heartbeats, worker control, requests to nimbus and its replies.
//
// This is the only module that includes the protobuf-c generated code; no
// generated struct leaves control.c. Callers see the plain structs below,
// converted to and from protobuf-c on encode and decode.

#ifndef GALE_PROTO_CONTROL_H
#define GALE_PROTO_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/metrics.h"
#include "gale.h"

typedef struct gale_kv {
	char *key;
	char *value;
} gale_kv;

typedef struct gale_shipped_lib {
	char    *path;
	uint8_t *content;
	size_t   len;
	// SHA-256 of content recorded at submit, when has_sha256.
	uint8_t sha256[32];
	bool    has_sha256;
} gale_shipped_lib;

// A topology as submitted. All strings are owned (heap) by the struct.
typedef struct gale_spec {
	char             *name;
	char             *file_name;
	char             *yaml;
	gale_kv          *overrides;
	size_t            noverrides;
	gale_shipped_lib *libraries;
	size_t            nlibraries;
} gale_spec;

typedef struct gale_worker_slot {
	uint32_t  index;
	char     *host;
	uint32_t  port;
	char     *supervisor;
	uint32_t *tasks;
	size_t    ntasks;
} gale_worker_slot;

// Where one task's inbox listens ("tcp://host:port").
typedef struct gale_task_endpoint {
	uint32_t task;
	char    *endpoint;
} gale_task_endpoint;

typedef struct gale_assignment {
	char               *topology;
	uint64_t            generation;
	gale_spec           spec;
	gale_worker_slot   *workers;
	size_t              nworkers;
	uint32_t           *finished_tasks;
	size_t              nfinished;
	bool                active;
	gale_task_endpoint *endpoints; // where each task's inbox listens
	size_t              nendpoints;
	char               *run_id; // names this run; kept across restarts
	uint64_t            run_token; // the run's secret, on every batch
	// Set while `gale trace` samples: the share of spout tuples traced,
	// instead of the topology's topology.trace.sample.rate.
	double trace_rate;
	bool   trace_set;
	char  *data_key; // the data sockets' CURVE secret (Z85), or NULL
} gale_assignment;

// An error a component's task reported (gale.ComponentError): when, in
// seconds since the epoch, where (host and port are "" in a heartbeat;
// nimbus and the aggregate fill them in), and what.
typedef struct gale_component_error {
	char    *component;
	uint32_t task;
	uint64_t time_secs;
	char    *host;
	uint32_t port;
	char    *error;
} gale_component_error;

// Frees what the struct owns (not the struct) and zeroes it.
void gale_component_error_fini(gale_component_error *e);
// Deep copy; on GALE_ENOMEM dst is left zeroed.
gale_err gale_component_error_copy(
    gale_component_error *dst, const gale_component_error *src);

// A heartbeat carries at most this many errors; decoding rejects more.
#define GALE_WIRE_MAX_ERRORS 64

// A spout's tree that failed and is replayed (gale.ReplayRecord). Plain
// data: copy it by assignment.
typedef struct gale_replay_record {
	char     spout[64];
	uint32_t task;
	uint64_t time_ms; // since the epoch
	uint64_t msg_id;
	char     reason[96]; // "failed by C:T" or "timeout after N s"
	uint32_t attempt; // 1 the first
	uint64_t seq; // the task's running number of the record, from 1
} gale_replay_record;

// A heartbeat or a topology's stats carries at most this many replay
// records; decoding rejects more.
#define GALE_WIRE_MAX_REPLAYS 256

// One step of a sampled tree (gale.TraceStep), in depth-first order.
typedef enum {
	GALE_TRACE_EMITTED = 0, // the spout's emit, the top
	GALE_TRACE_ACKED   = 1,
	GALE_TRACE_FAILED  = 2,
	GALE_TRACE_MISSING = 3, // anchored, but never acked
} gale_trace_kind;

typedef struct gale_trace_step {
	char            component[64];
	uint32_t        task;
	int64_t         offset_us; // after the spout's emit
	uint32_t        depth; // 0: the top
	uint32_t        anchored; // edges it anchored
	gale_trace_kind kind;
	uint64_t        edge; // its edge id (0: the spout's emit)
} gale_trace_step;

// A trace keeps at most this many steps; the rest are counted.
#define GALE_TRACE_MAX_STEPS 64

// A sampled tuple tree that completed or failed (gale.TraceRecord). Plain
// data: copy it by assignment.
typedef struct gale_trace_record {
	uint64_t        seq; // its running number in its worker, from 1
	uint32_t        acker; // the acker task that rendered it
	uint64_t        time_ms; // when it ended, since the epoch
	uint64_t        root;
	char            spout[64];
	uint32_t        task; // the spout task
	uint64_t        msg_id;
	bool            failed;
	uint64_t        duration_us;
	uint32_t        nsteps;
	uint32_t        truncated; // steps left out beyond the limit
	gale_trace_step steps[GALE_TRACE_MAX_STEPS];
} gale_trace_record;

// A heartbeat or a topology's stats carries at most this many traces;
// decoding rejects more.
#define GALE_WIRE_MAX_TRACES 64

typedef struct gale_heartbeat {
	char                 *topology;
	uint32_t              worker_index;
	uint32_t              pid;
	uint32_t              port;
	uint64_t              generation;
	uint64_t              uptime_ms;
	gale_task_snapshot   *tasks;
	size_t                ntasks;
	bool                  finished;
	uint64_t              rss_bytes;
	gale_task_endpoint   *endpoints; // the worker's tasks' inboxes
	size_t                nendpoints;
	bool                  failed; // a task could not start (bad options)
	char                 *error; // why, when failed
	gale_component_error *errors; // recent errors of its tasks
	size_t                nerrors;
	gale_replay_record   *replays; // recent fails of its spout tasks
	size_t                nreplays;
	gale_trace_record    *traces; // recent sampled trees of its ackers
	size_t                ntraces;
} gale_heartbeat;

// Frees what the struct owns (not the struct) and zeroes it; accepts a
// zeroed or partly filled struct.
void gale_spec_fini(gale_spec *s);
// Records the SHA-256 of every shipped file of s.
void gale_spec_digest_stamp(gale_spec *s);
// GALE_OK when every shipped file with a recorded digest still matches it;
// otherwise GALE_EINVAL with an error naming the file.
gale_err gale_spec_digest_check(const gale_spec *s, char *err, size_t errlen);
void     gale_assignment_fini(gale_assignment *a);
void     gale_heartbeat_fini(gale_heartbeat *h);

// Deep copies. On GALE_ENOMEM dst is left zeroed.
gale_err gale_spec_copy(gale_spec *dst, const gale_spec *src);
gale_err gale_assignment_copy(
    gale_assignment *dst, const gale_assignment *src);

// Encoding: on success *buf is malloc'ed (caller frees) and *len set.
// Decoding: on success fills *out (caller calls the _fini); GALE_EPROTO on
// malformed input, leaving *out zeroed.
gale_err gale_assignment_encode(
    const gale_assignment *a, uint8_t **buf, size_t *len);
gale_err gale_assignment_decode(
    gale_assignment *out, const void *buf, size_t len);
gale_err gale_heartbeat_encode(
    const gale_heartbeat *h, uint8_t **buf, size_t *len);
gale_err gale_heartbeat_decode(
    gale_heartbeat *out, const void *buf, size_t len);

// Decoded strings are never NULL (absent ones are ""); encoders take NULL
// strings as "". A heartbeat carries each task's counters by
// gale_metric_name (names it does not know are ignored on decode, so old
// and new workers can talk) and its histograms as their buckets up to the
// last non-zero one (buckets past GALE_HIST_BUCKETS land in the last).
// Decoding rejects more than GALE_WIRE_MAX_TASKS tasks per heartbeat and a
// component name that does not fit gale_task_snapshot.component.
#define GALE_WIRE_MAX_TASKS 16384

// Deep copy. On GALE_ENOMEM dst is left zeroed.
gale_err gale_heartbeat_copy(gale_heartbeat *dst, const gale_heartbeat *src);

// ---------------------------------------------------------------------
// Control plane: from a worker's controller to the worker
// ---------------------------------------------------------------------

typedef struct gale_worker_control {
	gale_assignment *assignment; // NULL when absent, owned
	bool             stop;
} gale_worker_control;

void     gale_worker_control_fini(gale_worker_control *c);
gale_err gale_worker_control_encode(
    const gale_worker_control *c, uint8_t **buf, size_t *len);
gale_err gale_worker_control_decode(
    gale_worker_control *out, const void *buf, size_t len);

// ---------------------------------------------------------------------
// Control plane: requests to nimbus and its replies
// ---------------------------------------------------------------------

// gale.TopologyCommand.Kind.
typedef enum {
	GALE_CMD_KILL       = 0,
	GALE_CMD_ACTIVATE   = 1,
	GALE_CMD_DEACTIVATE = 2,
	GALE_CMD_REBALANCE  = 3,
	GALE_CMD_LIST       = 4,
	GALE_CMD_STATS      = 5,
	GALE_CMD_TRACE      = 6,
} gale_command_kind;

// A command on a topology by name (LIST and STATS may leave it empty).
typedef struct gale_command {
	gale_command_kind kind;
	char             *name;
	uint32_t          workers; // REBALANCE
	uint32_t          wait_secs; // KILL, when has_wait
	bool              has_wait;
	double            sample_rate; // TRACE: 0 to 1
	uint32_t          for_secs; // TRACE: then the configured rate again
} gale_command;

// What processes of one cluster must agree on to work together: the
// formats of the messages between them and the meaning of their fields
// (FIELDS' hash, which sends a key to a task, among them). Raised with
// every change that makes two builds disagree; nimbus takes heartbeats
// only from supervisors of its own, so that the workers of a topology,
// started by its supervisors from their own binaries, speak one protocol.
#define GALE_CONTROL_PROTOCOL 1

// A supervisor's heartbeat: its free ports and the heartbeats of the
// workers it runs.
typedef struct gale_supervisor_info {
	char           *id;
	char           *host;
	uint32_t       *ports;
	size_t          nports;
	gale_heartbeat *workers;
	size_t          nworkers;
	uint32_t        protocol; // GALE_CONTROL_PROTOCOL of the sender
} gale_supervisor_info;

// Which member of gale_request.u is set.
typedef enum {
	GALE_REQ_NONE                 = 0, // only in a zeroed struct
	GALE_REQ_SUBMIT               = 1, // u.submit
	GALE_REQ_COMMAND              = 2, // u.command
	GALE_REQ_SUPERVISOR_HEARTBEAT = 3, // u.supervisor
	GALE_REQ_WORKER_HEARTBEAT     = 4, // u.worker
} gale_request_kind;

// One request to nimbus (gale.Request): a tagged union that owns its
// member.
typedef struct gale_request {
	gale_request_kind kind;
	union {
		gale_spec            submit;
		gale_command         command;
		gale_supervisor_info supervisor;
		gale_heartbeat       worker;
	} u;
} gale_request;

// gale.TopologyStatus: what a topology is doing.
typedef enum {
	GALE_STATUS_UNKNOWN     = 0,
	GALE_STATUS_ACTIVE      = 1,
	GALE_STATUS_INACTIVE    = 2,
	GALE_STATUS_WAITING     = 3, // some workers have no supervisor yet
	GALE_STATUS_REBALANCING = 4,
	GALE_STATUS_KILLED      = 5,
	GALE_STATUS_FINISHED    = 6,
	GALE_STATUS_FAILED      = 7,
} gale_topology_status;

// The status's name as users see it ("ACTIVE"); "UNKNOWN" for a value
// outside the enum. Static: the caller must not free it.
const char *gale_topology_status_name(gale_topology_status s);
// The status of that name, or GALE_STATUS_UNKNOWN (also for NULL).
gale_topology_status gale_topology_status_parse(const char *name);

typedef struct gale_topology_summary {
	char                *name;
	gale_topology_status status;
	uint32_t             workers;
	uint32_t             tasks;
	uint64_t             uptime_secs;
	// The last error of a worker (a task that could not start, a worker
	// dying soon after each start), "" when none: with status ACTIVE,
	// the topology runs with errors.
	char error[256];
} gale_topology_summary;

// The length limit of a component id, NUL included (as in snapshots).
#define GALE_WIRE_ID_MAX 128

// The totals of one component (gale.ComponentStats).
typedef struct gale_component_stats {
	char     id[GALE_WIRE_ID_MAX];
	bool     is_spout;
	uint32_t tasks; // declared task count
	// Counters: sums over the component's tasks of their totals. Gauges:
	// sums of the tasks' latest values (pending_peak: of their peaks).
	uint64_t  c[GALE_M_COUNT];
	gale_hist complete; // all tasks merged, microseconds
	gale_hist execute; // all tasks merged, microseconds
	// busy_ns delta / (wall delta * tasks) over the last 10 s, 0..1.
	double capacity;
	// Per-second rates over the last 10 s; 0 for gauges, and when the
	// window holds fewer than two samples.
	double   rate[GALE_M_COUNT];
	uint32_t reporting; // tasks heard from at least once
	uint32_t finished; // tasks whose latest snapshot says finished
	uint32_t exhausted; // tasks whose latest snapshot says exhausted
} gale_component_stats;

// One worker as its latest heartbeat showed it (gale.WorkerStats).
typedef struct gale_worker_stats {
	uint32_t  index;
	char     *host;
	uint32_t  port;
	uint32_t  pid;
	uint64_t  uptime_ms;
	uint64_t  rss_bytes;
	bool      finished;
	uint64_t  heartbeat_age_ms;
	uint32_t *tasks; // ascending
	size_t    ntasks;
	uint32_t *components; // indexes into gale_topology_stats.components
	size_t    ncomponents;
} gale_worker_stats;

// One stream of a topology (gale.StreamInfo), for the UI's graph.
typedef struct gale_stream_info {
	char  *from;
	char  *to;
	char  *stream;
	char  *grouping; // "SHUFFLE", "FIELDS", ...
	char **fields;
	size_t nfields;
} gale_stream_info;

// A component's counters over a recent window (gale.WindowCounters).
typedef struct gale_window_counts {
	char     id[GALE_WIRE_ID_MAX];
	uint64_t emitted;
	uint64_t transferred;
	uint64_t executed;
	uint64_t acked;
	uint64_t failed;
	uint64_t complete_sum_us; // of the trees completed in the window
	uint64_t complete_count;
} gale_window_counts;

// The counters of every component over the last secs (gale.WindowStats).
typedef struct gale_window_stats {
	uint32_t            secs;
	gale_window_counts *components;
	size_t              ncomponents;
} gale_window_stats;

// A topology's stats carries at most this many windows.
#define GALE_WIRE_MAX_WINDOWS 8

// A topology's stats (gale.TopologyStats): components in declaration
// order, workers by index, and each task's totals (across the restarts of
// its worker) by task id; the topology's streams and configuration, and
// the last errors of each component, oldest first.
typedef struct gale_topology_stats {
	char                 *topology;
	gale_topology_status  status;
	uint64_t              uptime_secs;
	gale_worker_stats    *workers;
	size_t                nworkers;
	gale_component_stats *components;
	size_t                ncomponents;
	gale_task_snapshot   *tasks;
	size_t                ntasks;
	gale_stream_info     *streams;
	size_t                nstreams;
	gale_kv              *config;
	size_t                nconfig;
	gale_component_error *errors;
	size_t                nerrors;
	gale_replay_record   *replays; // the last few, oldest first
	size_t                nreplays;
	gale_trace_record *traces; // the last few sampled trees, oldest first
	size_t             ntraces;
	gale_window_stats *windows; // counters over recent windows
	size_t             nwindows;
} gale_topology_stats;

// Frees what the struct owns (not the struct) and zeroes it; accepts a
// zeroed or partly filled struct.
void gale_topology_stats_fini(gale_topology_stats *s);

// Nimbus's answer to any request (gale.Reply).
typedef struct gale_reply {
	bool                   ok;
	char                  *error; // when !ok
	gale_topology_summary *topologies;
	size_t                 ntopologies;
	gale_assignment       *assignments; // to a supervisor: its workers'
	size_t                 nassignments;
	gale_topology_stats   *stats; // the answer to STATS, or NULL; owned
	// To a supervisor: how long nimbus waits for it before moving its
	// workers elsewhere (nimbus.supervisor.timeout.secs); 0 unknown.
	uint32_t supervisor_timeout_secs;
} gale_reply;

// Frees what the struct owns (not the struct) and zeroes it; accepts a
// zeroed or partly filled struct.
void gale_command_fini(gale_command *c);
void gale_supervisor_info_fini(gale_supervisor_info *s);
void gale_request_fini(gale_request *r);
void gale_reply_fini(gale_reply *r);

// As the codecs above. Encoding a request of kind GALE_REQ_NONE, or with a
// kind outside the enums, is GALE_EINVAL; decoding a request with no body,
// or a command kind this version does not know, is GALE_EPROTO. A status
// this version does not know decodes as GALE_STATUS_UNKNOWN. Decoding a
// reply rejects stats with a component id that does not fit
// GALE_WIRE_ID_MAX, a worker naming a component index past the list, or
// more than GALE_WIRE_MAX_TASKS tasks or workers.
gale_err gale_request_encode(
    const gale_request *r, uint8_t **buf, size_t *len);
gale_err gale_request_decode(gale_request *out, const void *buf, size_t len);
gale_err gale_reply_encode(const gale_reply *r, uint8_t **buf, size_t *len);
gale_err gale_reply_decode(gale_reply *out, const void *buf, size_t len);

#endif // GALE_PROTO_CONTROL_H
