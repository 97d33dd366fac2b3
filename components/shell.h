// SPDX-License-Identifier: MIT
// shell.h - the built-in `shell` spout and bolt: a component in any
// language, a child process per task speaking Storm's multilang protocol.
//
// Options: `command` (a list: the program, looked up in PATH, and its
// arguments), `fields` (the default stream's fields) or `streams` (a map
// of stream name to fields), `max_message_bytes` (the longest message a
// process may write, default 1 MiB). Scripts run in `resources/` beside
// the topology file when it exists, else in the file's directory.
// `topology.subprocess.timeout.secs` (default 30) bounds every answer.
//
// A process that exits, does not answer in time or writes something that
// is not the protocol is reported (the offending line and the tail of its
// stderr) through gale_log, killed and started again; the tuples it was
// handling fail, so their trees replay.
//
// A shell bolt sends up to `topology.shellbolt.max.pending` (the bolt's own
// `config:` or the topology's; default 100, as Storm's) tuples to its
// process without waiting for their acks: each is held (gale_tuple_hold)
// and acked or failed when the process acks or fails its id; emits
// anchored to those ids are anchored to them.

#ifndef GALE_COMPONENTS_SHELL_H
#define GALE_COMPONENTS_SHELL_H

#include <jansson.h>

#include "components/shell_proc.h"
#include "gale.h"

// `shell`: a spout when listed under spouts, a bolt under bolts.
extern const gale_component gale__shell;

// The state of one shell task, spout or bolt.
typedef struct shell_task {
	gale_context   *ctx;
	gale_collector *coll; // the last collector seen, for spout answers
	bool            is_spout;
	char          **argv; // closed by NULL
	char           *cwd;
	char            pid_dir[64];
	char            label[200]; // the command line, for reports
	shell_proc      proc;
	bool            running;
	uint64_t        timeout_ns;
	uint32_t        fails_in_row; // starts or turns that failed
	uint64_t        next_start_ns;
	uint64_t        restarts;
	// Reused buffers: what is written next, the values of one emit and
	// the JSON text of its list and map values, the routed task ids.
	char       *wbuf;
	size_t      wlen, wcap;
	gale_value *vals;
	char      **owned;
	size_t      nowned, vcap;
	uint32_t   *tasks;
	size_t      tasks_cap;
	// Bolt: the sequence number of the next input (its id is made of it
	// and its slot), when a heartbeat went last.
	uint64_t next_seq;
	uint64_t last_heartbeat_ns;
	// Bolt: the inputs sent and not yet acked or failed by the process,
	// held (gale_tuple_hold), at most topology.shellbolt.max.pending
	// (pending_cap) of them, each in any free slot (pending_free: index +
	// 1 of the first free one, 0 when none); when the process was last
	// heard from while some were pending; the anchors of an emit.
	struct shell_pending *pending;
	size_t                pending_cap, npending, pending_free;
	uint64_t              heard_ns;
	const gale_tuple    **anchors;
	size_t                anchors_cap;
	// Spout: message id (hex text) -> the JSON id the process gave.
	json_t *ids;
} shell_task;

// Starts (or restarts, after a back-off) the process and does the
// handshake; false, the failure reported, when it did not come up.
bool gale__shell_ensure(shell_task *t);

// Appends one message (compact JSON, then "\nend\n") to t->wbuf.
bool gale__shell_put(shell_task *t, const json_t *msg);
// Writes t->wbuf whole and empties it; false (reported, stopped) on failure.
bool gale__shell_flush(shell_task *t);

// Reads and parses the next message, an object with a string "command"
// (its name in *cmd); NULL, the failure reported and the process stopped,
// when it ended, timed out or wrote something else. Caller decrefs.
json_t *gale__shell_recv(shell_task *t, const char **cmd);
// As gale__shell_recv, without waiting: NULL with *none set when no whole
// message is there yet (nothing is reported then).
json_t *gale__shell_try_recv(shell_task *t, const char **cmd, bool *none);

// Reports a protocol failure with the offending text and the stderr tail,
// and stops the process (the next call restarts it).
void gale__shell_fail(
    shell_task *t, const char *what, const char *text, size_t len);

// Handles log, error and metrics; true when cmd was one of them.
bool gale__shell_common(shell_task *t, const char *cmd, json_t *msg);

// Emits msg's "tuple" on its "stream" (checked against the declared
// streams), to its "task" alone when it names one: through
// gale_spout_emit(_direct)(_untracked) with msg_id for a spout (tracked
// when tracked; a refused message's id is forgotten), gale_emit(_direct)
// with anchor for a bolt; then answers the task ids unless the emit was
// direct or need_task_ids is false. False, reported and stopped, on
// failure.
bool gale__shell_emit(shell_task *t, json_t *msg, bool tracked,
    uint64_t msg_id, const gale_tuple *anchor);
// A bolt's emit anchored to the n tuples of anchors, as above.
bool gale__shell_emit_anchored(
    shell_task *t, json_t *msg, const gale_tuple *const *anchors, size_t n);

// A gale value as JSON (NULL when out of memory); an empty bytes value is
// null, other bytes a string, text that is not UTF-8 has '?' for its bad
// bytes.
json_t *gale__shell_value_json(const gale_value *v);

// open/prepare and close/cleanup shared by both kinds.
gale_err gale__shell_open(shell_task *t, gale_context *ctx, bool is_spout);
void     gale__shell_close(shell_task *t);

// The options a shell component takes, spout or bolt.
extern const gale_option_decl gale__shell_options[];

#endif // GALE_COMPONENTS_SHELL_H
