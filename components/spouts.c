// SPDX-License-Identifier: MIT
// spouts.c - the built-in spouts, written against the public API only.

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/lines.h"
#include "components/offsets.h"
#include "components/pace.h"
#include "components/spouts.h"
#include "components/statefile.h"

// The most tuples one next_tuple call emits. One, as Storm's nextTuple:
// the executor calls next_tuple in a loop anyway, and checks
// topology.max.spout.pending between calls, which a call emitting several
// messages could overshoot.
#define SPOUT_BATCH 1

static const char *const spout_line_fields[] = { "line", NULL };

static const gale_stream_decl spout_line_outputs[] = {
	{ "default", spout_line_fields },
	{ NULL, NULL },
};

// ---------------------------------------------------------------------
// file_lines
// ---------------------------------------------------------------------

// The default of option state_sync_ms. That of state_dir is
// $TMPDIR/gale-state-UID (TMPDIR defaults to /tmp): each task's file is
// named by topology, component and task index, and holds the run id, so
// that a restarted task of the same run finds it and a new run starts
// afresh.
#define FILE_STATE_SYNC_MS 100

// The state file is written when the mark moved and at least this long
// has passed since the last write, or the mark advanced by a quarter of
// the most lines the task has held in flight (a bound that follows
// topology.max.spout.pending, which components cannot read): no write
// per ack, and a restart repeats at most one interval's acks more.
#define FILE_STATE_WRITE_NS 5000000u

// The resume point trails the read position by the lines in flight and by
// those acked behind the oldest that is not. A tree lost with a dead
// worker stays unacked until it times out, and a spout that died in the
// meantime would read again everything it read since: a whole timeout of
// input. So, as Kafka spouts bound their uncommitted offsets, a file spout
// that keeps its position reads no new line while this many lines are held
// (option max_read_ahead); 0 takes twice topology.max.spout.pending. A
// restart then reads at most that many lines again.
// The least time between two log lines about such a wait.
#define FILE_SAY_NS (10 * 1000000000ull)

typedef struct file_spout {
	gale_line_reader *reader;
	char             *path;
	gale_u64_queue    replays; // message ids of failed lines
	gale_offsets      acked;   // the offset below which all is acked
	gale_statefile   *state;   // NULL: the position is not kept
	char             *state_path;
	uint64_t          kept;    // the mark last put into the state file
	uint64_t          kept_ns; // when it was put
	size_t            unkept;  // lines the mark advanced since then
	size_t            peak;    // the most lines held in flight
	uint64_t          sync_ns; // how often the state file is synced
	uint64_t          synced_ns; // when it was last synced
	bool              state_failed; // said once
	size_t            read_ahead; // the most lines held; 0: no bound
	bool              stalled; // at read_ahead
	uint64_t          said_ns; // when a stall was last logged
	bool              at_end;
	gale_pace         pace;
	uint64_t          read; // new lines read so far
	const gale_context *ctx; // for the log; lives as long as the task
} file_spout;

static const gale_option_decl file_options[] = {
	{ "path", GALE_OPTION_STRING, NULL, "the file to read (required)" },
	{ "resume", GALE_OPTION_BOOL, "true",
	    "keep the acked offset and resume there after a restart" },
	{ "state_dir", GALE_OPTION_STRING, "$TMPDIR/gale-state-UID",
	    "where the offset of each task is kept" },
	{ "state_sync_ms", GALE_OPTION_INT, "100",
	    "how often the kept offset is fsynced, in ms" },
	{ "rate", GALE_OPTION_FLOAT, "0",
	    "new lines per second, 0: as fast as possible" },
	{ "max_read_ahead", GALE_OPTION_INT, "0",
	    "the most lines read past the oldest not acked, with resume "
	    "(0: twice topology.max.spout.pending)" },
	{ NULL, 0, NULL, NULL },
};

int64_t
gale__spout_read_ahead(gale_context *ctx)
{
	int64_t n = gale_context_option_i64(ctx, "max_read_ahead", 0);
	if (n < 0) {
		gale_context_error(ctx,
		    "option 'max_read_ahead': %" PRId64 " is negative", n);
		return -1;
	}
	if (n > 0) {
		return n;
	}
	// With no limit on pending trees (0), none here either.
	return 2 * gale_context_config_i64(ctx, "topology.max.spout.pending");
}

// Opens the task's state file and moves the reader to the offset it
// keeps. A damaged file, or an offset past the end of the input, makes it
// start from byte 0 with a warning: replaying the input is safe, losing
// it is not.
static gale_err
file_open_state(file_spout *s, gale_context *ctx)
{
	const char *dir = gale_context_option(ctx, "state_dir");
	char        def[4096];
	if (dir == NULL) {
		const char *tmp = getenv("TMPDIR");
		snprintf(def, sizeof(def), "%s/gale-state-%ld",
		    tmp != NULL && tmp[0] == '/' ? tmp : "/tmp",
		    (long) getuid());
		dir = def;
	}
	if (dir[0] == '\0') {
		gale_context_error(ctx, "option 'state_dir': empty path");
		return GALE_EINVAL;
	}
	char path[4096];
	if (gale__statefile_path(path, sizeof(path), dir, ctx, ".offset") != 0) {
		gale_context_error(ctx, "option 'state_dir': path too long");
		return GALE_EINVAL;
	}
	if (gale__mkdirs(dir) != 0) {
		gale_context_error(ctx, "option 'state_dir': cannot create '%s': %s",
		    dir, strerror(errno));
		return GALE_EIO;
	}
	const char *run = gale_context_run_id(ctx);
	char        err[512];
	gale_statefile_found found;
	uint64_t             off = 0;
	gale_err rv = gale__statefile_open(&s->state, path,
	    run != NULL ? run : "", &found, &off, err, sizeof(err));
	if (rv == GALE_EINVAL) {
		gale_log(ctx, GALE_LOG_WARN,
		    "%s; the position in '%s' is not kept, a restart reads it "
		    "from the start",
		    err, s->path);
		return GALE_OK;
	}
	if (rv != GALE_OK) {
		gale_context_error(ctx, "option 'state_dir': %s", err);
		return rv;
	}
	s->state_path = strdup(path);
	if (s->state_path == NULL) {
		return GALE_ENOMEM;
	}
	if (found == GALE_STATEFILE_DAMAGED) {
		gale_log(ctx, GALE_LOG_WARN,
		    "%s; reading '%s' from byte 0, lines may be counted twice",
		    err, s->path);
		return GALE_OK;
	}
	if (found != GALE_STATEFILE_FOUND || off == 0) {
		return GALE_OK;
	}
	rv = gale__line_reader_seek(s->reader, off);
	if (rv != GALE_OK) {
		gale_log(ctx, GALE_LOG_WARN,
		    "'%s' says to resume '%s' at byte %" PRIu64
		    ", but %s; reading from byte 0",
		    path, s->path, off,
		    rv == GALE_ENOENT ? "the file is shorter"
				      : strerror(errno));
		gale__line_reader_seek(s->reader, 0);
		return GALE_OK;
	}
	gale__offsets_fini(&s->acked);
	gale__offsets_init(&s->acked, off);
	s->kept = off;
	gale_log(ctx, GALE_LOG_INFO,
	    "resuming '%s' at byte %" PRIu64 ", below which every line is "
	    "acked",
	    s->path, off);
	return GALE_OK;
}

static gale_err
file_open(void *self, gale_context *ctx)
{
	file_spout *s = self;
	gale__u64_queue_init(&s->replays);
	gale__offsets_init(&s->acked, 0);
	s->ctx           = ctx;
	const char *path = gale_context_option(ctx, "path");
	if (path == NULL || path[0] == '\0') {
		gale_context_error(
		    ctx, "option 'path' is required: the file to read");
		return GALE_EINVAL;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		gale_context_error(
		    ctx, "option 'path': '%s' is a directory", path);
		return GALE_EINVAL;
	}
	int64_t sync_ms = gale_context_option_i64(
	    ctx, "state_sync_ms", FILE_STATE_SYNC_MS);
	if (sync_ms < 0) {
		gale_context_error(ctx, "option 'state_sync_ms': %" PRId64
		    " is negative", sync_ms);
		return GALE_EINVAL;
	}
	s->sync_ns = (uint64_t) sync_ms * 1000000u;
	int64_t ahead = gale__spout_read_ahead(ctx);
	if (ahead < 0) {
		return GALE_EINVAL;
	}
	if (gale__pace_open(&s->pace, ctx, "lines") != GALE_OK) {
		return GALE_EINVAL;
	}
	bool     resume = gale_context_option_bool(ctx, "resume", true);
	gale_err rv     = gale__line_reader_open(&s->reader, path);
	if (rv != GALE_OK) {
		const char *why =
		    rv == GALE_ENOMEM ? "out of memory" : strerror(errno);
		gale_context_error(
		    ctx, "option 'path': cannot open '%s': %s", path, why);
		return rv;
	}
	s->path = strdup(path);
	if (s->path == NULL) {
		return GALE_ENOMEM;
	}
	if (!resume) {
		return GALE_OK;
	}
	s->read_ahead = (size_t) ahead;
	return file_open_state(s, ctx);
}

// Keeps the low-water mark when it moved: a pwrite when
// FILE_STATE_WRITE_NS passed since the last one or the mark advanced by a
// quarter of the peak lines in flight (and with force), so that a restart
// after the process died resumes there; an fsync at most every
// state_sync_ms (and with force), for a crash of the machine.
static void
file_keep(file_spout *s, bool force)
{
	if (s->state == NULL) {
		return;
	}
	uint64_t low = gale__offsets_low(&s->acked);
	uint64_t now = gale_now_ns();
	gale_err rv  = GALE_OK;
	if (low != s->kept) {
		size_t quarter = s->peak / 4 > 0 ? s->peak / 4 : 1;
		if (!force && now - s->kept_ns < FILE_STATE_WRITE_NS
		    && s->unkept < quarter) {
			return;
		}
		rv = gale__statefile_put(s->state, low);
		if (rv == GALE_OK) {
			s->kept    = low;
			s->kept_ns = now;
			s->unkept  = 0;
		}
	}
	if (rv == GALE_OK && (force || now - s->synced_ns >= s->sync_ns)) {
		rv           = gale__statefile_sync(s->state);
		s->synced_ns = now;
	}
	if (rv != GALE_OK && !s->state_failed) {
		s->state_failed = true;
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot write '%s': %s; a restart may read lines again",
		    s->state_path, strerror(errno));
	}
}

// The next line to emit, a replay first, and its message id: the line's
// number in s->acked, so that an ack finds it at once. GALE_OK, or
// GALE_ECLOSED when nothing waits to be replayed and the file is at its
// end or, paced, no new line is due yet.
static gale_err
file_next_line(file_spout *s, gale_collector *c, const char **line,
    size_t *len, uint64_t *id)
{
	while (gale__u64_queue_pop(&s->replays, id)) {
		uint64_t off;
		if (!gale__offsets_offset(&s->acked, *id, &off)) {
			continue; // acked since it failed: nothing to replay
		}
		gale_err rv =
		    gale__line_reader_read_at(s->reader, off, line, len);
		if (rv == GALE_OK) {
			return GALE_OK;
		}
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot read '%s' again at offset %" PRIu64
		    ": %s; the line is lost",
		    s->path, off,
		    rv == GALE_ENOENT ? "past the end of the file"
				      : gale_strerror(rv));
		gale__offsets_ack_seq(&s->acked, *id);
	}
	if (s->at_end || s->read >= gale__pace_due(&s->pace)) {
		return GALE_ECLOSED;
	}
	if (s->read_ahead > 0
	    && gale__offsets_held(&s->acked) >= s->read_ahead) {
		uint64_t now = gale_now_ns();
		if (!s->stalled
		    && (s->said_ns == 0 || now - s->said_ns >= FILE_SAY_NS)) {
			s->said_ns = now;
			gale_log(s->ctx, GALE_LOG_INFO,
			    "%zu lines read past byte %" PRIu64
			    ", which is not acked yet: reading on once it is "
			    "(max_read_ahead)",
			    gale__offsets_held(&s->acked),
			    gale__offsets_low(&s->acked));
		}
		s->stalled = true;
		return GALE_ECLOSED;
	}
	s->stalled = false;
	uint64_t off;
	gale_err rv = gale__line_reader_next(s->reader, line, len, &off);
	if (rv == GALE_OK) {
		s->read++;
		*id = gale__offsets_next_seq(&s->acked);
		rv  = gale__offsets_add(&s->acked, off,
		     gale__line_reader_tell(s->reader));
		if (rv == GALE_OK) {
			size_t held = gale__offsets_held(&s->acked);
			if (held > s->peak) {
				s->peak = held;
			}
			return GALE_OK;
		}
	}
	if (rv != GALE_ECLOSED) {
		gale_log(s->ctx, GALE_LOG_ERROR,
		    "cannot read '%s': %s; stopping", s->path,
		    rv == GALE_EIO ? strerror(errno) : gale_strerror(rv));
	}
	s->at_end = true;
	gale_spout_exhausted(c);
	return GALE_ECLOSED;
}

static void
file_next_tuple(void *self, gale_collector *c)
{
	file_spout *s = self;
	const char *line;
	size_t      len;
	uint64_t    id;
	if (s->state != NULL && s->kept != gale__offsets_low(&s->acked)) {
		file_keep(s, false);
	}
	// Filled field by field, as in split_words: a whole gale_str copied
	// in is a stall per line.
	gale_value v = { .type = GALE_STR };
	for (int n = 0; n < SPOUT_BATCH; n++) {
		if (file_next_line(s, c, &line, &len, &id) != GALE_OK) {
			return;
		}
		v.u.s.ptr = line;
		v.u.s.len = len;
		if (gale_spout_emit(c, NULL, &v, 1, id) != GALE_OK) {
			// Shutting down; should it go on, the line is
			// replayed.
			gale__u64_queue_push(&s->replays, id);
			return;
		}
	}
}

// Queues a failed message for replay; says so when memory ran out, since
// that message is then given up. Returns whether it was queued.
static bool
spout_queue_replay(gale_u64_queue *q, const gale_context *ctx,
    const char *what, uint64_t msg_id)
{
	if (gale__u64_queue_push(q, msg_id) == GALE_OK) {
		return true;
	}
	gale_log(ctx, GALE_LOG_ERROR,
	    "out of memory; %s %" PRIu64 " is not replayed", what, msg_id);
	return false;
}

static void
file_ack(void *self, uint64_t msg_id)
{
	file_spout *s    = self;
	size_t      held = gale__offsets_held(&s->acked);
	if (gale__offsets_ack_seq(&s->acked, msg_id)) {
		s->unkept += held - gale__offsets_held(&s->acked);
		file_keep(s, false);
	}
}

static void
file_fail(void *self, uint64_t msg_id)
{
	file_spout *s = self;
	if (!spout_queue_replay(&s->replays, s->ctx, "line", msg_id)) {
		gale__offsets_ack_seq(&s->acked, msg_id);
	}
}

static void
file_close(void *self)
{
	file_spout *s = self;
	file_keep(s, true);
	gale__statefile_close(&s->state);
	gale__line_reader_close(&s->reader);
	gale__u64_queue_fini(&s->replays);
	gale__offsets_fini(&s->acked);
	free(s->path);
	free(s->state_path);
	s->path       = NULL;
	s->state_path = NULL;
}

static const gale_spout_ops file_ops = {
	.size       = sizeof(file_spout),
	.outputs    = spout_line_outputs,
	.open       = file_open,
	.next_tuple = file_next_tuple,
	.ack        = file_ack,
	.fail       = file_fail,
	.close      = file_close,
	.options    = file_options,
};

const gale_component gale__spout_file_lines = { .spout = &file_ops };

// ---------------------------------------------------------------------
// random_sentences
// ---------------------------------------------------------------------

typedef struct random_spout {
	uint64_t       seed;
	uint64_t       count; // 0: unbounded
	gale_pace      pace;
	uint64_t       next;  // the index of the next new sentence
	bool           at_end;
	gale_u64_queue replays;
	char           buf[GALE_SENTENCE_MAX];
	const gale_context *ctx; // for the log; lives as long as the task
} random_spout;

static gale_err
random_open(void *self, gale_context *ctx)
{
	random_spout *s = self;
	gale__u64_queue_init(&s->replays);
	s->ctx        = ctx;
	return gale__generator_open(ctx, "sentences", &s->count, &s->seed,
	    &s->pace);
}

static gale_err
random_emit(random_spout *s, gale_collector *c, uint64_t i)
{
	size_t len = gale__random_sentence(s->seed, i, s->buf, sizeof(s->buf));
	gale_value v = gale_str(s->buf, len);
	return gale_spout_emit(c, NULL, &v, 1, i);
}

static void
random_next_tuple(void *self, gale_collector *c)
{
	random_spout *s = self;
	int           n = 0;
	uint64_t      i;
	while (n < SPOUT_BATCH && gale__u64_queue_pop(&s->replays, &i)) {
		if (random_emit(s, c, i) != GALE_OK) {
			gale__u64_queue_push(&s->replays, i);
			return;
		}
		n++;
	}
	if (s->at_end) {
		return;
	}
	uint64_t limit = gale__pace_due(&s->pace); // not to reach yet
	uint64_t end = s->count > 0 ? s->count : UINT64_MAX;
	while (n < SPOUT_BATCH && s->next < limit && s->next < end) {
		if (random_emit(s, c, s->next) != GALE_OK) {
			return;
		}
		s->next++;
		n++;
	}
	if (s->next == end) {
		s->at_end = true;
		gale_spout_exhausted(c);
	}
}

static void
random_fail(void *self, uint64_t msg_id)
{
	random_spout *s = self;
	spout_queue_replay(&s->replays, s->ctx, "sentence", msg_id);
}

static void
random_close(void *self)
{
	random_spout *s = self;
	gale__u64_queue_fini(&s->replays);
}

static const gale_option_decl random_options[] = {
	{ "count", GALE_OPTION_INT, "0", "sentences to emit, 0: unbounded" },
	{ "seed", GALE_OPTION_INT, "1", "the seed of the sentences" },
	{ "rate", GALE_OPTION_FLOAT, "0",
	    "sentences per second, 0: as fast as possible" },
	{ NULL, 0, NULL, NULL },
};

static const gale_spout_ops random_ops = {
	.size       = sizeof(random_spout),
	.outputs    = spout_line_outputs,
	.open       = random_open,
	.next_tuple = random_next_tuple,
	.fail       = random_fail,
	.close      = random_close,
	.options    = random_options,
};

const gale_component gale__spout_random_sentences = { .spout = &random_ops };

// ---------------------------------------------------------------------
// const_spout
// ---------------------------------------------------------------------

#define CONST_LINE "the quick brown fox jumps over the lazy dog"

typedef struct const_spout {
	uint64_t       count; // 0: unbounded
	bool           tracked;
	uint64_t       next; // emitted so far, and the next message id
	bool           at_end;
	gale_u64_queue replays;
	const gale_context *ctx; // for the log; lives as long as the task
} const_spout;

static gale_err
const_open(void *self, gale_context *ctx)
{
	const_spout *s = self;
	gale__u64_queue_init(&s->replays);
	s->ctx        = ctx;
	int64_t count = gale_context_option_i64(ctx, "count", 0);
	s->tracked    = gale_context_option_bool(ctx, "ack", true);
	if (count < 0) {
		gale_context_error(ctx,
		    "option 'count': %" PRId64
		    " is negative (0 means unbounded)",
		    count);
		return GALE_EINVAL;
	}
	s->count = (uint64_t) count;
	return GALE_OK;
}

static void
const_next_tuple(void *self, gale_collector *c)
{
	const_spout *s = self;
	gale_value   v = gale_str(CONST_LINE, sizeof(CONST_LINE) - 1);
	int          n = 0;
	uint64_t     id;
	while (n < SPOUT_BATCH && gale__u64_queue_pop(&s->replays, &id)) {
		if (gale_spout_emit(c, NULL, &v, 1, id) != GALE_OK) {
			gale__u64_queue_push(&s->replays, id);
			return;
		}
		n++;
	}
	for (; n < SPOUT_BATCH && !s->at_end; n++) {
		if (s->count > 0 && s->next >= s->count) {
			break;
		}
		gale_err rv = s->tracked
		    ? gale_spout_emit(c, NULL, &v, 1, s->next)
		    : gale_spout_emit_untracked(c, NULL, &v, 1);
		if (rv != GALE_OK) {
			return;
		}
		s->next++;
	}
	if (!s->at_end && s->count > 0 && s->next >= s->count) {
		s->at_end = true;
		gale_spout_exhausted(c);
	}
}

static void
const_fail(void *self, uint64_t msg_id)
{
	const_spout *s = self;
	spout_queue_replay(&s->replays, s->ctx, "message", msg_id);
}

static void
const_close(void *self)
{
	const_spout *s = self;
	gale__u64_queue_fini(&s->replays);
}

static const gale_option_decl const_options[] = {
	{ "count", GALE_OPTION_INT, "0", "lines to emit, 0: unbounded" },
	{ "ack", GALE_OPTION_BOOL, "true",
	    "emit tracked tuples; false: untracked" },
	{ NULL, 0, NULL, NULL },
};

static const gale_spout_ops const_ops = {
	.size       = sizeof(const_spout),
	.outputs    = spout_line_outputs,
	.open       = const_open,
	.next_tuple = const_next_tuple,
	.fail       = const_fail,
	.close      = const_close,
	.options    = const_options,
};

const gale_component gale__spout_const = { .spout = &const_ops };
