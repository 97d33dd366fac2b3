// SPDX-License-Identifier: MIT
// gale.h - the public interface for writing spouts and bolts.
//
// This is the only header a component library includes. A component is a
// const ops table; the runtime allocates `.size` zeroed bytes of private
// state for each task and passes them as `self` to every callback. All
// callbacks of one task run on that task's executor thread, one at a time.

#ifndef GALE_H
#define GALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

// Marks the functions the gale binary exports to component libraries. gale
// is built with hidden visibility: only what this header declares is
// visible to a library loaded with `library:`.
#define GALE_EXPORT __attribute__((visibility("default")))

typedef enum {
	GALE_OK = 0,
	GALE_ENOMEM, // out of memory
	GALE_EINVAL, // invalid argument or input
	GALE_ENOENT, // no such thing (file, component, field, topology)
	GALE_EEXIST, // already exists
	GALE_ECLOSED, // the object or the topology is shutting down
	GALE_ETIMEDOUT, // the operation did not finish in time
	GALE_EPROTO, // a malformed message
	GALE_EIO, // an operating system call failed
	GALE_EAGAIN, // try again later
	GALE_EUNREACH, // the peer could not be reached
} gale_err;

// Returns a static, human readable description of err.
GALE_EXPORT const char *gale_strerror(gale_err err);

// ---------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------

typedef enum {
	GALE_STR = 1,
	GALE_I64,
	GALE_F64,
	GALE_BYTES,
	GALE_BOOL,
} gale_type;

// A typed value. Strings and bytes are borrowed views, not NUL-terminated.
typedef struct gale_value {
	gale_type type;
	union {
		struct {
			const char *ptr;
			size_t      len;
		} s; // GALE_STR and GALE_BYTES
		int64_t i64;
		double  f64;
		bool    b;
	} u;
} gale_value;

static inline gale_value
gale_str(const char *ptr, size_t len)
{
	gale_value v = { .type = GALE_STR };
	v.u.s.ptr    = ptr;
	v.u.s.len    = len;
	return v;
}

static inline gale_value
gale_cstr(const char *s)
{
	return gale_str(s, strlen(s));
}

static inline gale_value
gale_bytes(const void *ptr, size_t len)
{
	gale_value v = { .type = GALE_BYTES };
	v.u.s.ptr    = (const char *) ptr;
	v.u.s.len    = len;
	return v;
}

static inline gale_value
gale_i64(int64_t x)
{
	gale_value v = { .type = GALE_I64 };
	v.u.i64      = x;
	return v;
}

static inline gale_value
gale_f64(double x)
{
	gale_value v = { .type = GALE_F64 };
	v.u.f64      = x;
	return v;
}

static inline gale_value
gale_bool(bool x)
{
	gale_value v = { .type = GALE_BOOL };
	v.u.b        = x;
	return v;
}

// ---------------------------------------------------------------------
// Output declarations
// ---------------------------------------------------------------------

// One output stream and its field names. A component lists its streams in
// an array closed by an entry whose stream is NULL. A stream named NULL in
// an emit call, or "default", is the default stream.
typedef struct gale_stream_decl {
	const char        *stream;
	const char *const *fields; // closed by NULL
} gale_stream_decl;

// ---------------------------------------------------------------------
// Tuples received by a bolt
// ---------------------------------------------------------------------

typedef struct gale_tuple gale_tuple;

// The number of values in t.
GALE_EXPORT size_t gale_tuple_size(const gale_tuple *t);

// The value at index i, or NULL when i is out of range. The value and the
// bytes it points to are borrowed: caller must not free them, and they are
// valid only until the execute callback that received t returns.
GALE_EXPORT const gale_value *gale_tuple_get(const gale_tuple *t, size_t i);

// The value of the field named name, or NULL when the source component did
// not declare such a field on the tuple's stream. Borrowed as above.
GALE_EXPORT const gale_value *gale_tuple_field(
    const gale_tuple *t, const char *name);

// The stream the tuple arrived on ("default" for the default stream).
GALE_EXPORT const char *gale_tuple_stream(const gale_tuple *t);

// The id of the component and the task that emitted t: "__system" and 0
// for a tick tuple.
GALE_EXPORT const char *gale_tuple_source(const gale_tuple *t);
GALE_EXPORT uint32_t    gale_tuple_source_task(const gale_tuple *t);

// True when t is a tick tuple: with topology.tick.tuple.freq.secs set (in
// the topology's `config:` or the bolt's own), the runtime calls the
// bolt's execute with one every that many seconds, from component
// "__system" on stream "__tick", its one value (field "secs") the
// frequency. Ticks are not tracked: acking, failing or anchoring to one
// does nothing. They do not queue behind input: the task looks at its
// timer between received batches, so a tick is late by one batch at most
// however full its input queue is, and at most one is pending. A
// checkpointing bolt may flush on a tick; its held acks still leave only
// at its checkpoint.
GALE_EXPORT bool gale_tuple_is_tick(const gale_tuple *t);

// ---------------------------------------------------------------------
// Context: who a task is and the options it was given
// ---------------------------------------------------------------------

typedef struct gale_context gale_context;

GALE_EXPORT const char *gale_context_topology(const gale_context *ctx);
GALE_EXPORT const char *gale_context_component(const gale_context *ctx);
GALE_EXPORT uint32_t    gale_context_task(const gale_context *ctx);
// The task's index among the tasks of its component, 0 to ntasks - 1.
GALE_EXPORT uint32_t gale_context_index(const gale_context *ctx);
GALE_EXPORT uint32_t gale_context_ntasks(const gale_context *ctx);
// The task ids of the component named id: *first, *first + 1, ... The
// count, or 0 when there is no such component. For gale_emit_direct.
GALE_EXPORT uint32_t gale_context_component_tasks(
    const gale_context *ctx, const char *id, uint32_t *first);
// A string that names this run of the topology, the same in every worker
// and across worker restarts; a new submission gets a new one. Borrowed.
GALE_EXPORT const char *gale_context_run_id(const gale_context *ctx);

// The component of any task of the topology (GALE_ACKER_COMPONENT's
// "__acker" for an acker task), or NULL when there is no such task: tasks
// are numbered 1 up to the first that yields NULL. Borrowed.
GALE_EXPORT const char *gale_context_task_component(
    const gale_context *ctx, uint32_t task);
// The i-th subscription to this task's component (0 up to the first that
// yields false): the stream it reads, the subscribing component, its
// grouping's name as written in files ("SHUFFLE", "FIELDS", ...) and, for
// FIELDS, the *nfields grouping fields (else none). All borrowed.
GALE_EXPORT bool gale_context_subscription(const gale_context *ctx,
    size_t i, const char **stream, const char **target,
    const char **grouping, const char *const **fields, size_t *nfields);
// The i-th input of this task's component (0 up to the first that yields
// false): the component it reads from, the stream, the grouping's name as
// in gale_context_subscription with its *nfields FIELDS grouping fields,
// and the fields the stream declares (closed by NULL; NULL when the
// source declares none). All borrowed.
GALE_EXPORT bool gale_context_input(const gale_context *ctx, size_t i,
    const char **source, const char **stream, const char **grouping,
    const char *const **fields, size_t *nfields,
    const char *const **stream_fields);
// The output streams of this task's component, closed by an entry whose
// stream is NULL, or NULL when it emits nothing. Borrowed.
GALE_EXPORT const gale_stream_decl *gale_context_outputs(
    const gale_context *ctx);
// The i-th entry of the task's config as written (0 up to the first that
// yields false): the topology's `config:`, each key the component's own
// `config:` also sets with the component's value, then the component's own
// other keys, as Storm merges a component's configuration. A list or map
// value is its JSON text and *json is set. Borrowed.
GALE_EXPORT bool gale_context_config(const gale_context *ctx, size_t i,
    const char **key, const char **value, bool *json);
// The integer the task runs with for config key (such as
// "topology.max.spout.pending"): the component's own value, else the
// topology's, else gale's default for the key; 0 for a key that is not
// set and has no default, or whose value is not an integer.
GALE_EXPORT int64_t gale_context_config_i64(
    const gale_context *ctx, const char *key);
// The directory of the topology file the task runs from (where a shell
// component's scripts are looked for), "." when it was a bare file name.
// Borrowed.
GALE_EXPORT const char *gale_context_topology_dir(const gale_context *ctx);

// The option as written in the topology file (after --set overrides), or
// NULL when it was not given. A scalar is its text as written; a list or
// map option is its JSON text, on one line, each plain scalar typed as YAML
// reads it (`[python3, split.py, 2]` is ["python3","split.py",2]).
// Borrowed: caller must not free it.
GALE_EXPORT const char *gale_context_option(
    const gale_context *ctx, const char *name);
// Option i of the component, 0 to the number of options - 1, in the order
// written (after --set overrides): sets *name and *value and returns true,
// or returns false when i is past the last one. For components that take a
// family of options, such as `kafka.<property>`. Borrowed: caller must not
// free them.
GALE_EXPORT bool gale_context_option_at(const gale_context *ctx, size_t i,
    const char **name, const char **value);
// Typed options. A missing option yields def; one that does not parse as the
// type makes open/prepare fail with a message naming it (see
// gale_context_error).
GALE_EXPORT int64_t gale_context_option_i64(
    const gale_context *ctx, const char *name, int64_t def);
GALE_EXPORT double gale_context_option_f64(
    const gale_context *ctx, const char *name, double def);
GALE_EXPORT bool gale_context_option_bool(
    const gale_context *ctx, const char *name, bool def);

// Records an error message for the task. open/prepare returning an error
// make the runtime print it, prefixed with the component and task.
GALE_EXPORT void gale_context_error(gale_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Reports an error while the task runs (Storm's reportError): it is logged
// with the component:task prefix and kept with its time and task, and it
// reaches `gale errors`, the last error of `gale stats` and the web UI's
// lastError. The task keeps its last 4; at most 4 a second are kept and
// logged, and the next kept one says how many were not. The task goes on.
// Call it from the task's own callbacks (it takes a lock, no allocation).
GALE_EXPORT void gale_report_error(gale_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Sets the task's gauge named name to value: a current value, such as a
// source's lag, that `gale stats`, --stats-json, the live view of
// `gale local` and the web UI's /metrics show (summed by name over the
// component's tasks). Gauges named "lag.<topic>.<partition>" show as the
// component's lag per partition. A task has at most 64 gauges, each named by
// 1 to 63 bytes: GALE_EINVAL for a longer or empty name, or a new name past
// the 64th. Call it from the task's own callbacks only; it takes no lock.
GALE_EXPORT gale_err gale_context_gauge(
    gale_context *ctx, const char *name, int64_t value);

// Log levels, most severe first.
typedef enum {
	GALE_LOG_ERROR = 0,
	GALE_LOG_WARN,
	GALE_LOG_INFO,
	GALE_LOG_DEBUG,
} gale_log_level;

// Writes one line to the worker's log (stderr) with a timestamp, the level
// and the task's component:task prefix, when level is enabled
// (GALE_LOG_LEVEL=error|warn|info|debug in the environment; default info).
// Thread-safe; a line is written whole.
GALE_EXPORT void gale_log(const gale_context *ctx, gale_log_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

// The next value of gale's pseudo-random generator (splitmix64) whose
// state is *state: fast, deterministic from a seed, good from every seed,
// not for secrets. A component keeps its own state, one per task.
GALE_EXPORT uint64_t gale_random_u64(uint64_t *state);

// Nanoseconds on a monotonic clock.
GALE_EXPORT uint64_t gale_now_ns(void);

// ---------------------------------------------------------------------
// Collector: emitting, acking, failing
// ---------------------------------------------------------------------

typedef struct gale_collector gale_collector;

// All emit functions copy the values (and the bytes they point to) before
// they return, so the caller keeps ownership of them. An emit may block
// while downstream queues are full (backpressure). Errors: GALE_EINVAL for
// an undeclared stream or a wrong number of values, GALE_ECLOSED when the
// topology is shutting down.

// Spout: emits a tracked tuple. msg_id names the message to the spout's ack
// and fail callbacks; it must be unique among the spout's pending messages.
// Emitting again with the id of a message whose fail was called counts as
// a replay.
GALE_EXPORT gale_err gale_spout_emit(gale_collector *c, const char *stream,
    const gale_value *values, size_t n, uint64_t msg_id);

// Spout: emits a tuple that is not tracked: no ack or fail will follow.
GALE_EXPORT gale_err gale_spout_emit_untracked(
    gale_collector *c, const char *stream, const gale_value *values, size_t n);

// Spout: as gale_spout_emit and gale_spout_emit_untracked, to one named
// task (see gale_context_component_tasks) of a subscriber of stream with a
// DIRECT grouping, as Storm's emitDirect. GALE_EINVAL when the stream has
// no DIRECT subscriber or task is not one of its tasks: the tuple counts as
// dropped, the worker log says why (once a second at most) and
// gale_emit_tasks gives 0.
GALE_EXPORT gale_err gale_spout_emit_direct(gale_collector *c, uint32_t task,
    const char *stream, const gale_value *values, size_t n, uint64_t msg_id);
GALE_EXPORT gale_err gale_spout_emit_direct_untracked(gale_collector *c,
    uint32_t task, const char *stream, const gale_value *values, size_t n);

// Spout: declares that the spout will emit no more new messages (a bounded
// source reached its end). Replays of failed messages may still follow.
// Once the spout is exhausted and none of its trees is pending, it is done.
GALE_EXPORT void gale_spout_exhausted(gale_collector *c);

// Bolt: emits a tuple anchored to the given input tuples (none: unanchored,
// not tracked).
GALE_EXPORT gale_err gale_emit(gale_collector *c, const char *stream,
    const gale_value *values, size_t n, const gale_tuple *const *anchors,
    size_t nanchors);

// Bolt: as gale_emit, to one named task of a DIRECT-grouped subscriber.
GALE_EXPORT gale_err gale_emit_direct(gale_collector *c, uint32_t task,
    const char *stream, const gale_value *values, size_t n,
    const gale_tuple *const *anchors, size_t nanchors);

// The task ids the last emit through c went to (what Storm's emit returns
// to a multilang component), in routing order: writes at most cap of them
// to out (out may be NULL when cap is 0) and returns how many there were.
// 0 after an emit that failed or that nobody subscribes to.
GALE_EXPORT size_t gale_emit_tasks(
    const gale_collector *c, uint32_t *out, size_t cap);

// Bolt: acks or fails an input tuple, during the execute call that received
// it. A tuple neither acked nor failed (nor held, below) when execute
// returns is acked. Acking or failing a tuple twice has no further effect.
GALE_EXPORT void gale_ack(gale_collector *c, const gale_tuple *t);
GALE_EXPORT void gale_fail(gale_collector *c, const gale_tuple *t);

// A handle on a held tuple (below); 0 is no handle.
typedef uint64_t gale_held;

// Bolt: takes over the ack of t, which the running execute received, so
// that the bolt acks or fails it later, as Storm's OutputCollector allows
// at any time: once the result is known (a delivery report, an answer from
// a process, a batch written). The runtime no longer acks t when execute
// returns; gale_ack and gale_fail on t itself then do nothing, and an emit
// anchored to t is anchored to the held tuple. Returns the handle, or 0
// when t was acked or failed already (a tick always is) or memory ran out:
// the tuple is then the runtime's as before.
//
// The handle is good from any callback of the same task (a later execute,
// a tick, poll, checkpoint, cleanup) until gale_ack_held or gale_fail_held
// resolves it; after that it names nothing, and resolving it again does
// nothing. A held tuple keeps its place in its tree, not its values: they
// are valid only during the execute that received it. Its tree stays
// pending, so held tuples count against topology.max.spout.pending; a tree
// that timed out meanwhile was failed at its spout, and a late ack of one
// of its tuples does nothing. Tuples still held once cleanup returns (or
// at shutdown) are failed, so that their trees replay. Holding allocates
// nothing per tuple once the task's pool has grown to what it holds at
// once.
GALE_EXPORT gale_held gale_tuple_hold(gale_collector *c, const gale_tuple *t);
// Bolt: acks or fails the tuple h holds; the acks of a bolt that
// checkpoints still leave only at its next checkpoint.
GALE_EXPORT void gale_ack_held(gale_collector *c, gale_held h);
GALE_EXPORT void gale_fail_held(gale_collector *c, gale_held h);
// Bolt: the held tuple as an anchor for gale_emit and gale_emit_direct, or
// NULL when h names nothing held. It has no values (gale_tuple_size is 0)
// but its source and stream. Borrowed: valid until h is resolved.
GALE_EXPORT const gale_tuple *gale_held_tuple(gale_collector *c, gale_held h);
// Bolt: the number of tuples the task holds.
GALE_EXPORT size_t gale_held_count(const gale_collector *c);

// ---------------------------------------------------------------------
// Windows: what a windowed bolt receives
// ---------------------------------------------------------------------

// One activation of a window, as Storm's TupleWindow: the tuples in the
// window, oldest first; those new since the last activation; those that
// left the window since then. Borrowed, with every tuple in it: valid only
// during the execute_window call that received it; caller must not free.
typedef struct gale_window gale_window;

// The tuples in the window; sets *n to their number.
GALE_EXPORT const gale_tuple *const *gale_window_tuples(
    const gale_window *w, size_t *n);
// The tuples of the window that no earlier activation held.
GALE_EXPORT const gale_tuple *const *gale_window_new_tuples(
    const gale_window *w, size_t *n);
// The tuples that earlier activations held and this one does not; they are
// acked already.
GALE_EXPORT const gale_tuple *const *gale_window_expired_tuples(
    const gale_window *w, size_t *n);
// The window's bounds in milliseconds. In event time (start, end], in the
// timestamps of the data; in processing time [start, end), in the wall
// clock's milliseconds since the epoch; for count windows the arrival
// times of its oldest and newest tuples.
GALE_EXPORT int64_t gale_window_start(const gale_window *w);
GALE_EXPORT int64_t gale_window_end(const gale_window *w);

// ---------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------

// The kinds of value an option takes, as `gale validate` checks them:
// STRING and LIST (comma-separated text) take anything; INT is a decimal
// integer, FLOAT a finite number, BOOL true/false/yes/no/on/off/1/0, and
// DURATION a number with an optional unit, ms, s, m, h or d.
typedef enum {
	GALE_OPTION_STRING = 1,
	GALE_OPTION_INT,
	GALE_OPTION_FLOAT,
	GALE_OPTION_BOOL,
	GALE_OPTION_DURATION,
	GALE_OPTION_LIST,
} gale_option_type;

// One option a component takes. A component lists them in an array closed
// by an entry whose name is NULL (a name "prefix.*" declares every option
// under prefix); with a list, `gale validate` rejects an
// option not in it, or one whose value is not of its type. Without one
// (options NULL), every option is accepted, as it is written.
typedef struct gale_option_decl {
	const char      *name;
	gale_option_type type;
	const char      *def;  // the default, as text; NULL: none or required
	const char      *help; // one line
} gale_option_decl;

typedef struct gale_spout_ops {
	size_t                  size; // bytes of private state per task
	const gale_stream_decl *outputs; // the streams it emits
	// Called once before anything else. An error stops the task.
	gale_err (*open)(void *self, gale_context *ctx);
	// Called repeatedly while the topology is active and fewer than
	// topology.max.spout.pending trees are pending; emits zero or more
	// tuples. Should not block for long.
	void (*next_tuple)(void *self, gale_collector *c);
	// The tree of msg_id completed, or failed (or timed out). Optional.
	void (*ack)(void *self, uint64_t msg_id);
	void (*fail)(void *self, uint64_t msg_id);
	// Called once at the end, when open succeeded. Optional. When open
	// fails it must release what it took itself: close is not called.
	void (*close)(void *self);
	// The options it takes; optional (see gale_option_decl).
	const gale_option_decl *options;
	// Called on the task's thread when the topology is deactivated
	// (`gale deactivate`: next_tuple stops being called) and when it is
	// activated again, as Storm's ISpout. A spout starts active: neither
	// is called for the start itself. Optional.
	void (*activate)(void *self);
	void (*deactivate)(void *self);
	// Checks the value of an option that a "prefix.*" declaration matched
	// (name is the whole option name, such as "kafka.acks"), for
	// `gale validate` and before a run; optional. GALE_OK, or an error
	// with a one-line reason written to why.
	gale_err (*check_option)(
	    const char *name, const char *value, char *why, size_t whylen);
} gale_spout_ops;

typedef struct gale_bolt_ops {
	size_t                  size;
	const gale_stream_decl *outputs; // may be NULL: emits nothing
	gale_err (*prepare)(void *self, gale_context *ctx);
	void (*execute)(void *self, const gale_tuple *t, gale_collector *c);
	// Called once when every upstream task has finished (or at shutdown);
	// may emit final tuples, unanchored. Optional.
	void (*cleanup)(void *self, gale_collector *c);
	// Optional, for bolts whose state must survive their process. When
	// set, the executor holds back the acks of executed tuples and calls
	// checkpoint every checkpoint_ms milliseconds (0: every millisecond,
	// and at once while few acks are held) while input keeps coming, at
	// once when the input goes idle or many acks are held (a group
	// commit), and before cleanup; the held acks leave only after
	// it returns GALE_OK, so every acked tuple's effect is durable. An
	// error keeps them held until the next attempt.
	gale_err (*checkpoint)(void *self);
	uint32_t checkpoint_ms;
	// The options it takes; optional (see gale_option_decl).
	const gale_option_decl *options;

	// A windowed bolt, as Storm's BaseWindowedBolt, sets execute_window:
	// the runtime keeps its input in a window and calls it at every
	// activation; execute, which may then be NULL, receives only ticks.
	// The window is configured by the component's options:
	//   window.length, window.slide  a count (`1000`: tuples) or a
	//       duration (`30s`, `5m`), both of one kind; sliding when the
	//       slide is shorter than the length, tumbling when they are equal
	//       (the default slide);
	//   window.timestamp_field  event time: the field (an integer of
	//       milliseconds) that orders the tuples, for duration windows;
	//       else processing time, the wall clock when a tuple arrives;
	//   window.watermark_interval  how often the watermark moves (1s);
	//   window.lag  how far the watermark trails the highest timestamp
	//       seen (0): tuples out of order by up to lag are in time;
	//   window.late_stream  true: a tuple older than the watermark is
	//       emitted, its values as they came, on the bolt's stream
	//       "late", which it must declare; false (default): counted
	//       and dropped; either way it is acked;
	//   window.max_tuples  the most tuples a window holds (100000); past
	//       it the oldest are failed with a logged error.
	// Input tuples are acked by the runtime once they have left every
	// window they belong to; an emit without anchors during
	// execute_window is anchored to every tuple in the window. Event-time
	// windows end at multiples of the slide and activate once the
	// watermark passes their end; empty ones are skipped. When every
	// input has finished, the windows still holding new tuples activate a
	// last time.
	void (*execute_window)(
	    void *self, const gale_window *w, gale_collector *c);
	// The names of the options holding the window's length and slide, for
	// a component that names them its own way; NULL: "window.length" and
	// "window.slide".
	const char *window_length_option;
	const char *window_slide_option;
	// Checks the value of an option that a "prefix.*" declaration matched
	// (name is the whole option name, such as "kafka.acks"), for
	// `gale validate` and before a run; optional. GALE_OK, or an error
	// with a one-line reason written to why.
	gale_err (*check_option)(
	    const char *name, const char *value, char *why, size_t whylen);
	// Called last, on the task's thread, once prepare succeeded: also
	// when the worker stops before the bolt finished and cleanup was not
	// called. Releases what prepare took; cannot emit. Optional.
	void (*close)(void *self);

	// For a bolt that holds tuples (gale_tuple_hold): called on the
	// task's thread every poll_ms milliseconds (0: 10) while it holds
	// any, between input batches and when no input comes, so that it
	// resolves them (reads the completions it waits for) even once its
	// input has stopped. May emit, ack and fail. Optional.
	void (*poll)(void *self, gale_collector *c);
	uint32_t poll_ms;
} gale_bolt_ops;

// What a component library exports, one per component, under the symbol
// named by the topology's `component:` key. Exactly one of spout and bolt
// is set.
typedef struct gale_component {
	const gale_spout_ops *spout;
	const gale_bolt_ops  *bolt;
} gale_component;

#ifdef __cplusplus
}
#endif

#endif // GALE_H
