// SPDX-License-Identifier: MIT
// kafka_offsets.c - the pending messages of a Kafka partition and its
// commit point.

#include <stdlib.h>

#include "components/kafka_offsets.h"

void
gale__kafka_track_init(
    gale_kafka_track *t, int64_t start, void (*free_msg)(void *msg))
{
	t->v        = NULL;
	t->cap      = 0;
	t->head     = 0;
	t->n        = 0;
	t->next     = start;
	t->free_msg = free_msg;
}

static gale_kafka_msg *
track_at(const gale_kafka_track *t, size_t i)
{
	return &t->v[(t->head + i) & (t->cap - 1)];
}

void
gale__kafka_track_fini(gale_kafka_track *t)
{
	for (size_t i = 0; i < t->n; i++) {
		gale_kafka_msg *m = track_at(t, i);
		if (t->free_msg != NULL && m->msg != NULL) {
			t->free_msg(m->msg);
		}
	}
	free(t->v);
	t->v    = NULL;
	t->cap  = 0;
	t->head = 0;
	t->n    = 0;
}

static gale_err
track_grow(gale_kafka_track *t)
{
	size_t          cap = t->cap ? t->cap * 2 : 64;
	gale_kafka_msg *v   = malloc(cap * sizeof(*v));
	if (v == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		v[i] = *track_at(t, i);
	}
	free(t->v);
	t->v    = v;
	t->cap  = cap;
	t->head = 0;
	return GALE_OK;
}

gale_err
gale__kafka_track_add(gale_kafka_track *t, int64_t offset, void *msg)
{
	if (offset < t->next) {
		return GALE_EINVAL;
	}
	if (t->n == t->cap && track_grow(t) != GALE_OK) {
		return GALE_ENOMEM;
	}
	gale_kafka_msg *m = track_at(t, t->n++);
	m->offset         = offset;
	m->msg            = msg;
	m->attempts       = 1;
	m->acked          = false;
	t->next           = offset + 1;
	return GALE_OK;
}

gale_kafka_msg *
gale__kafka_track_find(gale_kafka_track *t, int64_t offset)
{
	// The entries are in offset order: a binary search.
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t          mid = lo + (hi - lo) / 2;
		gale_kafka_msg *m   = track_at(t, mid);
		if (m->offset == offset) {
			return m->acked ? NULL : m;
		}
		if (m->offset < offset) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

bool
gale__kafka_track_ack(gale_kafka_track *t, int64_t offset)
{
	gale_kafka_msg *m = gale__kafka_track_find(t, offset);
	if (m == NULL) {
		return false;
	}
	m->acked = true;
	if (t->free_msg != NULL && m->msg != NULL) {
		t->free_msg(m->msg);
	}
	m->msg = NULL;
	while (t->n > 0 && track_at(t, 0)->acked) {
		t->head = (t->head + 1) & (t->cap - 1);
		t->n--;
	}
	return true;
}

int64_t
gale__kafka_track_commit_point(const gale_kafka_track *t)
{
	return t->n > 0 ? track_at(t, 0)->offset : t->next;
}

uint64_t
gale__kafka_retry_wait(uint32_t attempts, uint64_t delay_ns, uint64_t max_ns)
{
	uint64_t wait = delay_ns;
	for (uint32_t k = 2; k < attempts && wait < max_ns; k++) {
		wait *= 2;
	}
	return wait < max_ns ? wait : max_ns;
}
