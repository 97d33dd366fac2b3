// SPDX-License-Identifier: MIT
// offsets.c - the low-water mark of acked lines, over a sorted ring.

#include <stdlib.h>
#include <string.h>

#include "components/offsets.h"

void
gale__offsets_init(gale_offsets *o, uint64_t start)
{
	memset(o, 0, sizeof(*o));
	o->end = start;
}

void
gale__offsets_fini(gale_offsets *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

static gale_offset_slot *
offsets_at(const gale_offsets *o, size_t i)
{
	return &o->v[(o->head + i) & (o->cap - 1)];
}

gale_err
gale__offsets_add(gale_offsets *o, uint64_t off, uint64_t end)
{
	if (off < o->end || end <= off) {
		return GALE_EINVAL;
	}
	if (o->n == o->cap) {
		size_t cap = o->cap > 0 ? o->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(gale_offset_slot)) {
			return GALE_ENOMEM;
		}
		gale_offset_slot *v = malloc(cap * sizeof(*v));
		if (v == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < o->n; i++) {
			v[i] = *offsets_at(o, i);
		}
		free(o->v);
		o->v    = v;
		o->cap  = cap;
		o->head = 0;
	}
	o->v[(o->head + o->n) & (o->cap - 1)]
	    = (gale_offset_slot) { .off = off, .acked = false };
	o->n++;
	o->end = end;
	return GALE_OK;
}

bool
gale__offsets_ack(gale_offsets *o, uint64_t off)
{
	// Acks come back roughly in the order the lines went out, so the line
	// is most often near the front: gallop from there (1, 2, 4, ... lines
	// in), then search the last step's range. Every line before lo starts
	// before off; the line at hi, if any, at or after it.
	size_t lo = 0, bound = 1;
	while (bound <= o->n && offsets_at(o, bound - 1)->off < off) {
		lo = bound;
		bound *= 2;
	}
	size_t hi = bound <= o->n ? bound - 1 : o->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (offsets_at(o, mid)->off < off) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo == o->n) {
		return false;
	}
	gale_offset_slot *s = offsets_at(o, lo);
	if (s->off != off) {
		return false;
	}
	return gale__offsets_ack_seq(o, o->base + lo);
}

bool
gale__offsets_ack_seq(gale_offsets *o, uint64_t seq)
{
	if (seq < o->base || seq - o->base >= o->n) {
		return false;
	}
	gale_offset_slot *s = offsets_at(o, (size_t) (seq - o->base));
	if (s->acked) {
		return false;
	}
	s->acked = true;
	while (o->n > 0 && o->v[o->head].acked) {
		o->head = (o->head + 1) & (o->cap - 1);
		o->n--;
		o->base++;
	}
	return true;
}

bool
gale__offsets_offset(const gale_offsets *o, uint64_t seq, uint64_t *off)
{
	if (seq < o->base || seq - o->base >= o->n) {
		return false;
	}
	*off = offsets_at(o, (size_t) (seq - o->base))->off;
	return true;
}

uint64_t
gale__offsets_low(const gale_offsets *o)
{
	return o->n > 0 ? o->v[o->head].off : o->end;
}
