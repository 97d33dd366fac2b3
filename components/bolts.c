// SPDX-License-Identifier: MIT
// bolts.c - the built-in bolts, written against the public API only.

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "components/bolts.h"
#include "components/wordcount.h"

// The word or line in value 0 of t, or NULL when t has no STR or BYTES
// value there.
static const gale_value *
bolt_text(const gale_tuple *t)
{
	const gale_value *v = gale_tuple_get(t, 0);
	if (v == NULL || (v->type != GALE_STR && v->type != GALE_BYTES)) {
		return NULL;
	}
	return v;
}

// Says once per task that inputs of the wrong type are failed: they will
// come back, and failing them silently would hide why.
static void
bolt_warn_type(const gale_context *ctx, bool *warned, const gale_tuple *t)
{
	if (*warned) {
		return;
	}
	*warned = true;
	gale_log(ctx, GALE_LOG_WARN,
	    "an input from %s has no string in its first field; such inputs "
	    "are failed",
	    gale_tuple_source(t));
}

// ---------------------------------------------------------------------
// split_words
// ---------------------------------------------------------------------

static const char *const split_fields[] = { "word", NULL };

static const gale_stream_decl split_outputs[] = {
	{ "default", split_fields },
	{ NULL, NULL },
};

typedef struct split_bolt {
	bool                warned;
	const gale_context *ctx; // for the log; lives as long as the task
} split_bolt;

static gale_err
split_prepare(void *self, gale_context *ctx)
{
	split_bolt *b = self;
	b->ctx        = ctx;
	return GALE_OK;
}

static void
split_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	split_bolt       *b = self;
	const gale_value *v = bolt_text(t);
	if (v == NULL) {
		bolt_warn_type(b->ctx, &b->warned, t);
		gale_fail(c, t);
		return;
	}
	// The words point into the input: emit copies them. The value is
	// filled in place, field by field: built whole by gale_str and
	// copied, it was stored in halves and loaded whole, a stall per word.
	const gale_tuple *anchor[1] = { t };
	size_t            pos = 0, len;
	const char       *tok;
	gale_value        w = { .type = v->type };
	while (gale__token_next(v->u.s.ptr, v->u.s.len, &pos, &tok, &len)) {
		w.u.s.ptr = tok;
		w.u.s.len = len;
		if (gale_emit(c, NULL, &w, 1, anchor, 1) != GALE_OK) {
			gale_fail(c, t);
			return;
		}
	}
	gale_ack(c, t);
}

// Options every bolt here takes: none, but for word_count's.
static const gale_option_decl bolt_no_options[] = {
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops split_ops = {
	.size    = sizeof(split_bolt),
	.outputs = split_outputs,
	.prepare = split_prepare,
	.execute = split_execute,
	.options = bolt_no_options,
};

const gale_component gale__bolt_split_words = { .bolt = &split_ops };

// ---------------------------------------------------------------------
// word_count
// ---------------------------------------------------------------------

// The least time between two stores of the counts when `output` is set
// (option checkpoint_ms). 0: a store at every checkpoint the executor asks
// for, which it does when the input goes idle or held acks pile up (a group
// commit); a store appends only the words changed since the last one.
#define WORDCOUNT_CHECKPOINT_MS 0

static const char *const wordcount_fields[] = { "word", "count", NULL };

static const gale_stream_decl wordcount_outputs[] = {
	{ "default", wordcount_fields },
	{ NULL, NULL },
};

typedef struct wordcount_bolt {
	gale_wc *table;
	gale_wc_part *part; // the part file with output, else NULL
	bool     print;
	bool     subscribed; // someone reads the updates
	double   fail_rate;
	uint64_t rng;
	// Durable counts: all NULL or 0 without the output option.
	char    *output;
	char    *run_id;
	uint32_t index;
	uint32_t ntasks;
	bool     dirty; // counted since the last write of the part
	uint64_t next_write_ns;
	uint64_t checkpoint_ns;
	bool     write_failed; // said so already
	bool     warned_type;
	bool     warned_newline;
	const gale_context *ctx; // for the log; lives as long as the task
} wordcount_bolt;

static void
wordcount_free(wordcount_bolt *b)
{
	gale__wc_destroy(&b->table);
	gale__wc_part_destroy(&b->part);
	free(b->output);
	free(b->run_id);
	b->output = NULL;
	b->run_id = NULL;
}

// Checks that the directory of path can take new files.
static gale_err
wordcount_check_dir(gale_context *ctx, const char *path)
{
	char        dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		strcpy(dir, ".");
	} else if (slash == path) {
		strcpy(dir, "/");
	} else if ((size_t) (slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t) (slash - path));
		dir[slash - path] = '\0';
	} else {
		gale_context_error(ctx, "option 'output': path too long");
		return GALE_EINVAL;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		gale_context_error(ctx,
		    "option 'output': cannot create files in '%s': %s", dir,
		    strerror(errno));
		return GALE_EINVAL;
	}
	return GALE_OK;
}

static gale_err
wordcount_prepare(void *self, gale_context *ctx)
{
	wordcount_bolt *b = self;
	b->ctx            = ctx;
	b->print      = gale_context_option_bool(ctx, "print", false);
	const char        *stream, *target, *grouping;
	const char *const *fields;
	size_t             nfields;
	b->subscribed = gale_context_subscription(
	    ctx, 0, &stream, &target, &grouping, &fields, &nfields);
	b->fail_rate  = gale_context_option_f64(ctx, "fail_rate", 0);
	b->checkpoint_ns = (uint64_t) gale_context_option_i64(ctx,
	                       "checkpoint_ms", WORDCOUNT_CHECKPOINT_MS) *
	    1000000u;
	uint64_t seed = (uint64_t) gale_context_option_i64(ctx, "seed", 1);
	if (!(b->fail_rate >= 0 && b->fail_rate <= 1)) {
		gale_context_error(ctx,
		    "option 'fail_rate': '%s' is not a fraction from 0 to 1",
		    gale_context_option(ctx, "fail_rate"));
		return GALE_EINVAL;
	}
	// Each task draws its own stream, the same in every run.
	b->rng = seed;
	b->rng ^= gale_random_u64(&b->rng) + gale_context_index(ctx);
	const char *output = gale_context_option(ctx, "output");
	if (output != NULL && output[0] == '\0') {
		gale_context_error(ctx, "option 'output': empty path");
		return GALE_EINVAL;
	}
	if (output != NULL && wordcount_check_dir(ctx, output) != GALE_OK) {
		return GALE_EINVAL;
	}
	if (gale__wc_new(&b->table) != GALE_OK) {
		return GALE_ENOMEM;
	}
	if (output == NULL) {
		return GALE_OK;
	}
	const char *run_id = gale_context_run_id(ctx);
	b->output          = strdup(output);
	b->run_id          = strdup(run_id != NULL ? run_id : "");
	b->index           = gale_context_index(ctx);
	b->ntasks          = gale_context_ntasks(ctx);
	if (b->output == NULL || b->run_id == NULL) {
		wordcount_free(b);
		return GALE_ENOMEM;
	}
	char     err[512];
	bool     restored;
	gale_err rv = gale__wc_restore(b->table, b->output, b->run_id,
	    b->index, b->ntasks, &restored, err, sizeof(err));
	if (rv != GALE_OK) {
		gale_context_error(ctx, "option 'output': %s", err);
		wordcount_free(b);
		return rv;
	}
	rv = gale__wc_part_new(&b->part, b->output, b->run_id, b->index,
	    b->ntasks, err, sizeof(err));
	if (rv != GALE_OK) {
		gale_context_error(ctx, "option 'output': %s", err);
		wordcount_free(b);
		return rv;
	}
	gale__wc_track(b->table);
	if (restored) {
		gale_log(ctx, GALE_LOG_INFO,
		    "continuing from the counts of %zu words in "
		    "'%s.part-%" PRIu32 "'",
		    gale__wc_size(b->table), b->output, b->index);
	}
	return GALE_OK;
}

static void
wordcount_print(const gale_value *w, int64_t count)
{
	// Words are bytes and may hold NULs: written as they are. The
	// three writes are one line: other tasks' lines do not cut into it.
	flockfile(stdout);
	putchar_unlocked('(');
	fwrite_unlocked(w->u.s.ptr, 1, w->u.s.len, stdout);
	printf(", %" PRId64 ")\n", count);
	funlockfile(stdout);
}

static void
wordcount_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	wordcount_bolt   *b = self;
	const gale_value *w = bolt_text(t);
	if (w == NULL) {
		bolt_warn_type(b->ctx, &b->warned_type, t);
		gale_fail(c, t);
		return;
	}
	if (b->fail_rate > 0
	    && (double) (gale_random_u64(&b->rng) >> 11) * 0x1p-53
		< b->fail_rate) {
		gale_fail(c, t);
		return;
	}
	int64_t  count;
	gale_err rv
	    = gale__wc_add(b->table, w->u.s.ptr, w->u.s.len, 1, &count);
	if (rv == GALE_EINVAL && b->output != NULL) {
		// A part file holds one word per line; a word with a newline
		// (never one from split_words) cannot be stored, and failing
		// it would only bring it back. The table refuses it.
		if (!b->warned_newline) {
			b->warned_newline = true;
			gale_log(b->ctx, GALE_LOG_WARN,
			    "words holding a newline cannot be written to "
			    "'%s' and are not counted",
			    b->output);
		}
		gale_ack(c, t);
		return;
	}
	if (rv != GALE_OK) {
		gale_fail(c, t);
		return;
	}
	b->dirty = true;
	if (b->print) {
		wordcount_print(w, count);
	}
	// The input is counted whatever happens to the update downstream:
	// failing it now would count it twice when it comes back. An update
	// nobody subscribes to is not emitted: routing it to no one cost as
	// much as counting the word.
	if (b->subscribed) {
		// Filled in place, as split_words' words are.
		gale_value out[2];
		out[0].type    = w->type;
		out[0].u.s.ptr = w->u.s.ptr;
		out[0].u.s.len = w->u.s.len;
		out[1].type    = GALE_I64;
		out[1].u.i64   = count;
		const gale_tuple *anchor[1] = { t };
		gale_emit(c, NULL, out, 2, anchor, 1);
	}
	gale_ack(c, t);
}

// Makes the counts durable before their inputs are acked. The ops ask to
// be called at every chance (checkpoint_ms 0) so that without an output
// file acks leave at once; with one, the changed counts are stored at
// every call (or at most every checkpoint_ms of the option, GALE_EAGAIN
// holding the acks until then).
static gale_err
wordcount_checkpoint(void *self)
{
	wordcount_bolt *b = self;
	if (b->output == NULL || !b->dirty) {
		return GALE_OK;
	}
	uint64_t now = gale_now_ns();
	if (now < b->next_write_ns) {
		return GALE_EAGAIN;
	}
	char     err[512];
	gale_err rv = gale__wc_part_store(b->part, b->table, err, sizeof(err));
	b->next_write_ns = now + b->checkpoint_ns;
	if (rv != GALE_OK) {
		if (!b->write_failed) {
			gale_log(b->ctx, GALE_LOG_WARN,
			    "%s; acks wait until it is written", err);
			b->write_failed = true;
		}
		return rv;
	}
	if (b->write_failed) {
		gale_log(b->ctx, GALE_LOG_INFO,
		    "'%s.part-%" PRIu32 "' written", b->output, b->index);
		b->write_failed = false;
	}
	b->dirty = false;
	return GALE_OK;
}

static void
wordcount_cleanup(void *self, gale_collector *c)
{
	wordcount_bolt *b = self;
	(void) c;
	if (b->table != NULL && b->output != NULL) {
		char     err[512];
		bool     merged;
		gale_err rv = gale__wc_finish(b->table, b->output, b->run_id,
		    b->index, b->ntasks, &merged, err, sizeof(err));
		if (rv != GALE_OK) {
			gale_log(b->ctx, GALE_LOG_ERROR, "%s", err);
		} else if (merged) {
			gale_log(b->ctx, GALE_LOG_INFO,
			    "counts of %" PRIu32 " tasks merged into '%s'",
			    b->ntasks, b->output);
		}
	}
	if (b->print) {
		fflush(stdout);
	}
	// Whatever checkpoint is asked after this finds nothing to store:
	// the final part holds every count.
	wordcount_free(b);
}

// Last, also when the worker stopped before cleanup ran: the table and the
// part file are released (wordcount_free is a no-op after cleanup); the
// part file stays as the last store left it.
static void
wordcount_close(void *self)
{
	wordcount_free(self);
}

static const gale_option_decl wordcount_options[] = {
	{ "output", GALE_OPTION_STRING, NULL,
	    "the file of word<TAB>count lines written at the end; durable "
	    "counts" },
	{ "print", GALE_OPTION_BOOL, "false", "print every update" },
	{ "checkpoint_ms", GALE_OPTION_INT, "0",
	    "the least time between two stores of the counts with output, "
	    "in ms (0: whenever the executor commits)" },
	{ "fail_rate", GALE_OPTION_FLOAT, "0",
	    "the share of inputs failed on purpose, 0 to 1" },
	{ "seed", GALE_OPTION_INT, "1", "the seed of fail_rate's draws" },
	{ NULL, 0, NULL, NULL },
};

static const gale_bolt_ops wordcount_ops = {
	.size          = sizeof(wordcount_bolt),
	.outputs       = wordcount_outputs,
	.prepare       = wordcount_prepare,
	.execute       = wordcount_execute,
	.cleanup       = wordcount_cleanup,
	.close         = wordcount_close,
	.checkpoint    = wordcount_checkpoint,
	.checkpoint_ms = 0,
	.options       = wordcount_options,
};

const gale_component gale__bolt_word_count = { .bolt = &wordcount_ops };

// ---------------------------------------------------------------------
// id_bolt and null_bolt
// ---------------------------------------------------------------------

static const char *const id_fields[] = { "line", NULL };

static const gale_stream_decl id_outputs[] = {
	{ "default", id_fields },
	{ NULL, NULL },
};

typedef struct id_bolt {
	bool                warned;
	const gale_context *ctx; // for the log; lives as long as the task
} id_bolt;

static gale_err
id_prepare(void *self, gale_context *ctx)
{
	id_bolt *b = self;
	b->ctx     = ctx;
	return GALE_OK;
}

static void
id_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	id_bolt          *b    = self;
	const gale_tuple *a[1] = { t };
	// The output is [line]: an input of one value, of any type.
	if (gale_tuple_size(t) != 1) {
		if (!b->warned) {
			b->warned = true;
			gale_log(b->ctx, GALE_LOG_WARN,
			    "an input from %s has %zu values, not 1; such "
			    "inputs are failed",
			    gale_tuple_source(t), gale_tuple_size(t));
		}
		gale_fail(c, t);
		return;
	}
	if (gale_emit(c, NULL, gale_tuple_get(t, 0), 1, a, 1) != GALE_OK) {
		gale_fail(c, t);
		return;
	}
	gale_ack(c, t);
}

static const gale_bolt_ops id_ops = {
	.size    = sizeof(id_bolt),
	.outputs = id_outputs,
	.prepare = id_prepare,
	.execute = id_execute,
	.options = bolt_no_options,
};

const gale_component gale__bolt_id = { .bolt = &id_ops };

static void
null_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	gale_ack(c, t);
}

static const gale_bolt_ops null_ops = {
	.size    = 0,
	.outputs = NULL,
	.execute = null_execute,
	.options = bolt_no_options,
};

const gale_component gale__bolt_null = { .bolt = &null_ops };
