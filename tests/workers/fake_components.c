// SPDX-License-Identifier: MIT
// fake_components.c - components for tests of running topologies: a spout
// of numbered keys, a bolt that records what reached each task, one that
// emits to chosen tasks, and one that is slow on purpose.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gale.h"

static const char *const keys_fields[] = { "key", "seq", NULL };
static const gale_stream_decl keys_outputs[] = {
	{ "default", keys_fields },
	{ NULL, NULL },
};

typedef struct fake_keys {
	int64_t   count;
	int64_t   nkeys;
	int64_t   next;
	uint64_t *replay;
	size_t    nreplay, replay_cap;
} fake_keys;

static void
keys_emit(fake_keys *k, gale_collector *c, int64_t i)
{
	char       key[32];
	int        n    = snprintf(key, sizeof(key), "k%lld",
                (long long) (i % k->nkeys));
	gale_value v[2] = { gale_str(key, (size_t) n), gale_i64(i) };
	gale_spout_emit(c, NULL, v, 2, (uint64_t) i);
}

static gale_err
keys_open(void *self, gale_context *ctx)
{
	fake_keys *k = self;
	k->count     = gale_context_option_i64(ctx, "count", 1000);
	k->nkeys     = gale_context_option_i64(ctx, "keys", 50);
	return k->nkeys > 0 ? GALE_OK : GALE_EINVAL;
}

static void
keys_next(void *self, gale_collector *c)
{
	fake_keys *k = self;
	if (k->nreplay > 0) {
		keys_emit(k, c, (int64_t) k->replay[--k->nreplay]);
		return;
	}
	if (k->next >= k->count) {
		gale_spout_exhausted(c);
		return;
	}
	keys_emit(k, c, k->next++);
}

static void
keys_fail(void *self, uint64_t msg_id)
{
	fake_keys *k = self;
	if (k->nreplay == k->replay_cap) {
		k->replay_cap = k->replay_cap ? k->replay_cap * 2 : 64;
		k->replay = realloc(k->replay, k->replay_cap * sizeof(uint64_t));
	}
	k->replay[k->nreplay++] = msg_id;
}

static void
keys_close(void *self)
{
	fake_keys *k = self;
	free(k->replay);
}

static const gale_spout_ops keys_ops = {
	.size       = sizeof(fake_keys),
	.outputs    = keys_outputs,
	.open       = keys_open,
	.next_tuple = keys_next,
	.fail       = keys_fail,
	.close      = keys_close,
};

const gale_component fake_keys_spout = { .spout = &keys_ops };

// Records "src_task<TAB>task<TAB>key<TAB>seq" per tuple, written at cleanup
// to DIR/record-COMPONENT-TASK.tsv.
typedef struct fake_record {
	char   path[4096];
	char  *buf;
	size_t len, cap;
	uint32_t task;
} fake_record;

static gale_err
record_prepare(void *self, gale_context *ctx)
{
	fake_record *r   = self;
	const char  *dir = gale_context_option(ctx, "dir");
	if (dir == NULL) {
		gale_context_error(ctx, "option 'dir' is required");
		return GALE_EINVAL;
	}
	r->task = gale_context_task(ctx);
	snprintf(r->path, sizeof(r->path), "%s/record-%s-%u.tsv", dir,
	    gale_context_component(ctx), r->task);
	return GALE_OK;
}

static void
record_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	fake_record      *r   = self;
	const gale_value *key = gale_tuple_field(t, "key");
	const gale_value *seq = gale_tuple_field(t, "seq");
	if (key == NULL || seq == NULL) {
		gale_fail(c, t);
		return;
	}
	if (r->len + key->u.s.len + 64 > r->cap) {
		r->cap = (r->cap + key->u.s.len + 64) * 2;
		r->buf = realloc(r->buf, r->cap);
	}
	r->len += (size_t) snprintf(r->buf + r->len, r->cap - r->len,
	    "%u\t%u\t%.*s\t%lld\n", gale_tuple_source_task(t), r->task,
	    (int) key->u.s.len, key->u.s.ptr, (long long) seq->u.i64);
	gale_ack(c, t);
}

static void
record_cleanup(void *self, gale_collector *c)
{
	(void) c;
	fake_record *r = self;
	FILE        *f = fopen(r->path, "w");
	if (f != NULL) {
		if (r->len > 0) {
			fwrite(r->buf, 1, r->len, f);
		}
		fclose(f);
	}
	free(r->buf);
	r->buf = NULL;
}

static const gale_bolt_ops record_ops = {
	.size    = sizeof(fake_record),
	.prepare = record_prepare,
	.execute = record_execute,
	.cleanup = record_cleanup,
};

const gale_component fake_record_bolt = { .bolt = &record_ops };

// Emits each input to task index (seq % ntasks) of the component named by
// option `target`, with gale_emit_direct.
typedef struct fake_director {
	uint32_t first, n;
} fake_director;

static gale_err
director_prepare(void *self, gale_context *ctx)
{
	fake_director *d      = self;
	const char    *target = gale_context_option(ctx, "target");
	d->n = target ? gale_context_component_tasks(ctx, target, &d->first)
	              : 0;
	if (d->n == 0) {
		gale_context_error(ctx, "option 'target' names no component");
		return GALE_EINVAL;
	}
	return GALE_OK;
}

static void
director_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	fake_director    *d   = self;
	const gale_value *seq = gale_tuple_get(t, 1);
	uint32_t task = d->first + (uint32_t) ((uint64_t) seq->u.i64 % d->n);
	const gale_tuple *anchor[] = { t };
	gale_emit_direct(c, task, NULL, gale_tuple_get(t, 0), 2, anchor, 1);
	gale_ack(c, t);
}

static const gale_bolt_ops director_ops = {
	.size    = sizeof(fake_director),
	.outputs = keys_outputs,
	.prepare = director_prepare,
	.execute = director_execute,
};

const gale_component fake_director_bolt = { .bolt = &director_ops };

// Passes tuples on after sleeping `sleep_us` each: a slow consumer.
typedef struct fake_slow {
	long sleep_us;
} fake_slow;

static gale_err
slow_prepare(void *self, gale_context *ctx)
{
	fake_slow *s = self;
	s->sleep_us  = (long) gale_context_option_i64(ctx, "sleep_us", 100);
	return GALE_OK;
}

static void
slow_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	fake_slow *s = self;
	struct timespec ts = { 0, s->sleep_us * 1000 };
	nanosleep(&ts, NULL);
	const gale_tuple *anchor[] = { t };
	gale_emit(c, NULL, gale_tuple_get(t, 0), 2, anchor, 1);
	gale_ack(c, t);
}

static const gale_bolt_ops slow_ops = {
	.size    = sizeof(fake_slow),
	.outputs = keys_outputs,
	.prepare = slow_prepare,
	.execute = slow_execute,
};

const gale_component fake_slow_bolt = { .bolt = &slow_ops };

// Never returns from its first execute: a bolt stuck in a callback.
static void
stuck_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	(void) t;
	(void) c;
	for (;;) {
		struct timespec ts = { 1, 0 };
		nanosleep(&ts, NULL);
	}
}

static const gale_bolt_ops stuck_ops = {
	.execute = stuck_execute,
};

const gale_component fake_stuck_bolt = { .bolt = &stuck_ops };

// Crashes its worker in prepare, every time it starts.
static gale_err
crash_prepare(void *self, gale_context *ctx)
{
	(void) self;
	(void) ctx;
	abort();
}

static void
crash_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	(void) self;
	gale_ack(c, t);
}

static const gale_bolt_ops crash_ops = {
	.prepare = crash_prepare,
	.execute = crash_execute,
};

const gale_component fake_crash_bolt = { .bolt = &crash_ops };

// Sleeps `sleep_us` per tuple and acks it, emitting nothing: a sink that
// paces a topology whose trees it is part of.
static void
pace_execute(void *self, const gale_tuple *t, gale_collector *c)
{
	fake_slow      *s  = self;
	struct timespec ts = { 0, s->sleep_us * 1000 };
	nanosleep(&ts, NULL);
	gale_ack(c, t);
}

static const gale_bolt_ops pace_ops = {
	.size    = sizeof(fake_slow),
	.prepare = slow_prepare,
	.execute = pace_execute,
};

const gale_component fake_pace_bolt = { .bolt = &pace_ops };
