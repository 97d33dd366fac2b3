// SPDX-License-Identifier: MIT
// wire.h - encoding and decoding of everything in proto/gale.proto.
//
// This is the only module that includes the protobuf-c generated code; no
// generated struct leaves wire.c. The data plane (tuple batches) is written
// and read by hand, in the exact wire format of gale.TupleBatch, so that a
// tuple costs one copy into a reused buffer and nothing is allocated per
// tuple; tests check it against protobuf-c both ways. The control plane
// uses protobuf-c, converted to and from the plain structs below.

#ifndef GALE_PROTO_WIRE_H
#define GALE_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/metrics.h"
#include "gale.h"

// ---------------------------------------------------------------------
// Data plane: a batch of tuples, acker operations and markers for one task
// ---------------------------------------------------------------------

typedef struct gale_anchor {
	uint64_t root;
	uint64_t edge;
} gale_anchor;

typedef enum {
	GALE_ACK_INIT     = 0,
	GALE_ACK_ACK      = 1,
	GALE_ACK_FAIL     = 2,
	GALE_ACK_COMPLETE = 3,
	GALE_ACK_FAILED   = 4,
} gale_ack_kind;

typedef enum {
	GALE_MARK_END_OF_STREAM = 0,
} gale_marker_kind;

// A batch being written. Transparent so executors can keep arrays of them;
// touch the fields only through the functions. The buffer is reused across
// resets and grows only when a batch outgrows it.
typedef struct gale_batch {
	uint8_t *buf;
	size_t   len;
	size_t   cap;
	uint32_t dest_task;
	uint32_t ntuples;
	uint32_t nacks;
	uint32_t nmarkers;
} gale_batch;

void gale_batch_init(gale_batch *b, uint32_t dest_task);
void gale_batch_fini(gale_batch *b);
// Empties the batch, keeping its buffer.
void gale_batch_reset(gale_batch *b);
// Items in the batch.
static inline uint32_t
gale_batch_items(const gale_batch *b)
{
	return b->ntuples + b->nacks + b->nmarkers;
}

// Appends one tuple. stream NULL or "default" is written as empty.
gale_err gale_batch_add_tuple(gale_batch *b, uint32_t src_task,
    const char *stream, const gale_value *values, size_t nvalues,
    const gale_anchor *anchors, size_t nanchors);
gale_err gale_batch_add_ack(gale_batch *b, gale_ack_kind kind, uint64_t root,
    uint64_t value, uint32_t task);
gale_err gale_batch_add_marker(
    gale_batch *b, gale_marker_kind kind, uint32_t src_task);
// Appends one edge of a sampled tree (gale.TraceEdge).
gale_err gale_batch_add_trace(gale_batch *b, uint64_t root, uint64_t edge,
    uint32_t task, uint64_t time_us, const uint64_t *children,
    size_t nchildren, bool failed, uint64_t msg_id);
// The adds leave the batch unchanged on error: GALE_ENOMEM, or GALE_EINVAL
// for a value of no known type, more than GALE_WIRE_MAX_VALUES values or
// anchors, or a batch that would pass GALE_WIRE_MAX_BATCH bytes.
#define GALE_WIRE_MAX_VALUES (1u << 20)
#define GALE_WIRE_MAX_BATCH 0x7fffffffu

// The encoded gale.TupleBatch: b->buf, b->len bytes.

// One item read from a batch. Strings, bytes and arrays point into the
// reader (and the buffer it reads): valid until the next call.
typedef enum {
	GALE_ITEM_TUPLE = 1,
	GALE_ITEM_ACK,
	GALE_ITEM_MARKER,
	GALE_ITEM_TRACE,
} gale_item_kind;

typedef struct gale_item {
	gale_item_kind kind;
	// GALE_ITEM_TUPLE
	uint32_t           src_task;
	const char        *stream; // not NUL-terminated; len 0 = default
	size_t             stream_len;
	const gale_value  *values;
	size_t             nvalues;
	const gale_anchor *anchors;
	size_t             nanchors;
	// GALE_ITEM_ACK
	gale_ack_kind ack_kind;
	uint64_t      root;
	uint64_t      value;
	uint32_t      task;
	// GALE_ITEM_MARKER (src_task above is the marker's task)
	gale_marker_kind marker_kind;
	// GALE_ITEM_TRACE: root, task (above), and
	uint64_t        edge;
	uint64_t        time_us;
	uint64_t        msg_id;
	const uint64_t *children;
	size_t          nchildren;
	bool            failed;
} gale_item;

// Reads a batch without copying it. Its scratch arrays grow to the largest
// tuple seen and are kept, so steady-state reading allocates nothing.
typedef struct gale_batch_reader {
	const uint8_t *p;
	const uint8_t *end;
	gale_value    *values;
	size_t         values_cap;
	gale_anchor   *anchors;
	size_t         anchors_cap;
	uint64_t      *children;
	size_t         children_cap;
} gale_batch_reader;

void gale_batch_reader_init(gale_batch_reader *r);
void gale_batch_reader_fini(gale_batch_reader *r);
// Starts reading buf; sets *dest_task. GALE_EPROTO when the header is bad.
// The batch's dest_task field may appear anywhere in the message; this scans
// for it without decoding the items.
gale_err gale_batch_reader_begin(gale_batch_reader *r, const void *buf,
    size_t len, uint32_t *dest_task);
// The next item: GALE_OK and *item filled, GALE_ECLOSED at the end, or
// GALE_EPROTO for malformed bytes (nothing after them is read).
gale_err gale_batch_reader_next(gale_batch_reader *r, gale_item *item);
// Reading follows protobuf: fields come in any order, repeated ones may be
// interleaved (items are returned in buffer order), unknown fields are
// skipped, and the last of a repeated scalar or oneof wins. GALE_EPROTO
// covers lengths past the end, bad tags or wire types, a Value with no
// kind, an ack or marker kind this version does not know, and more than
// GALE_WIRE_MAX_VALUES values or anchors in a tuple; after it, the reader
// is at its end. GALE_ENOMEM when the scratch arrays cannot grow (the item
// is skipped).

// ---------------------------------------------------------------------
// Control plane
// ---------------------------------------------------------------------

typedef struct gale_kv {
	char *key;
	char *value;
} gale_kv;

typedef struct gale_shipped_lib {
	char    *path;
	uint8_t *content;
	size_t   len;
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
	char             *topology;
	uint64_t          generation;
	gale_spec         spec;
	gale_worker_slot *workers;
	size_t            nworkers;
	uint32_t         *finished_tasks;
	size_t            nfinished;
	bool              active;
	gale_task_endpoint *endpoints; // where each task's inbox listens
	size_t              nendpoints;
	char               *run_id; // names this run; kept across restarts
} gale_assignment;

typedef struct gale_heartbeat {
	char               *topology;
	uint32_t            worker_index;
	uint32_t            pid;
	uint32_t            port;
	uint64_t            generation;
	uint64_t            uptime_ms;
	gale_task_snapshot *tasks;
	size_t              ntasks;
	bool                finished;
	uint64_t            rss_bytes;
	gale_task_endpoint *endpoints; // the worker's tasks' inboxes
	size_t              nendpoints;
	bool                failed; // a task could not start (bad options)
	char               *error;  // why, when failed
} gale_heartbeat;

// Frees what the struct owns (not the struct) and zeroes it; accepts a
// zeroed or partly filled struct.
void gale_spec_fini(gale_spec *s);
void gale_assignment_fini(gale_assignment *a);
void gale_heartbeat_fini(gale_heartbeat *h);

// Deep copies. On GALE_ENOMEM dst is left zeroed.
gale_err gale_spec_copy(gale_spec *dst, const gale_spec *src);
gale_err gale_assignment_copy(gale_assignment *dst, const gale_assignment *src);

// Encoding: on success *buf is malloc'ed (caller frees) and *len set.
// Decoding: on success fills *out (caller calls the _fini); GALE_EPROTO on
// malformed input, leaving *out zeroed.
gale_err gale_assignment_encode(const gale_assignment *a, uint8_t **buf, size_t *len);
gale_err gale_assignment_decode(gale_assignment *out, const void *buf, size_t len);
gale_err gale_heartbeat_encode(const gale_heartbeat *h, uint8_t **buf, size_t *len);
gale_err gale_heartbeat_decode(gale_heartbeat *out, const void *buf, size_t len);

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
} gale_command_kind;

// A command on a topology by name (LIST and STATS may leave it empty).
typedef struct gale_command {
	gale_command_kind kind;
	char             *name;
	uint32_t          workers;   // REBALANCE
	uint32_t          wait_secs; // KILL, when has_wait
	bool              has_wait;
} gale_command;

// A supervisor's heartbeat: its free ports and the heartbeats of the
// workers it runs.
typedef struct gale_supervisor_info {
	char           *id;
	char           *host;
	uint32_t       *ports;
	size_t          nports;
	gale_heartbeat *workers;
	size_t          nworkers;
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

typedef struct gale_topology_summary {
	char    *name;
	char    *status;
	uint32_t workers;
	uint32_t tasks;
	uint64_t uptime_secs;
} gale_topology_summary;

// Nimbus's answer to any request (gale.Reply).
typedef struct gale_reply {
	bool                   ok;
	char                  *error; // when !ok
	gale_topology_summary *topologies;
	size_t                 ntopologies;
	gale_assignment       *assignments; // to a supervisor: its workers'
	size_t                 nassignments;
	char                  *stats_json;
	char                  *stats_table; // the same, as a text table
} gale_reply;

// Frees what the struct owns (not the struct) and zeroes it; accepts a
// zeroed or partly filled struct.
void gale_command_fini(gale_command *c);
void gale_supervisor_info_fini(gale_supervisor_info *s);
void gale_request_fini(gale_request *r);
void gale_reply_fini(gale_reply *r);

// As the codecs above. Encoding a request of kind GALE_REQ_NONE, or with a
// kind outside the enums, is GALE_EINVAL; decoding a request with no body,
// or a command kind this version does not know, is GALE_EPROTO.
gale_err gale_request_encode(
    const gale_request *r, uint8_t **buf, size_t *len);
gale_err gale_request_decode(gale_request *out, const void *buf, size_t len);
gale_err gale_reply_encode(const gale_reply *r, uint8_t **buf, size_t *len);
gale_err gale_reply_decode(gale_reply *out, const void *buf, size_t len);

#endif // GALE_PROTO_WIRE_H
