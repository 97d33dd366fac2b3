// SPDX-License-Identifier: MIT
// held.c - the tuples a bolt has taken over to ack or fail later: a pool
// of copies of their place in the tree, named by handles.

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/held.h"

// Slots per chunk, and the anchors a slot keeps without an extra array.
#define HELD_CHUNK 256
#define HELD_INLINE 4

typedef struct held_slot {
	gale_tuple   t;
	gale_anchor  inl[HELD_INLINE];
	gale_anchor *ext; // for a tuple with more anchors; kept for reuse
	size_t       ext_cap;
	uint32_t     gen; // bumped at every release, never 0
	uint32_t     next_free; // index + 1 of the next free slot; 0: none
	bool         used;
} held_slot;

struct gale_held_pool {
	held_slot **chunks;
	size_t      nchunks;
	uint32_t    free_head; // index + 1 of the first free slot; 0: none
	size_t      count;
};

gale_err
gale__held_new(gale_held_pool **out)
{
	assert(out != NULL);
	gale_held_pool *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return GALE_ENOMEM;
	}
	*out = p;
	return GALE_OK;
}

void
gale__held_destroy(gale_held_pool **pp)
{
	if (pp == NULL || *pp == NULL) {
		return;
	}
	gale_held_pool *p = *pp;
	for (size_t c = 0; c < p->nchunks; c++) {
		for (size_t i = 0; i < HELD_CHUNK; i++) {
			free(p->chunks[c][i].ext);
		}
		free(p->chunks[c]);
	}
	free(p->chunks);
	free(p);
	*pp = NULL;
}

static held_slot *
held_slot_at(const gale_held_pool *p, uint32_t idx)
{
	return &p->chunks[idx / HELD_CHUNK][idx % HELD_CHUNK];
}

// Adds a chunk of free slots, chained in index order.
static gale_err
held_grow(gale_held_pool *p)
{
	if (p->nchunks >= UINT32_MAX / HELD_CHUNK - 1) {
		return GALE_ENOMEM;
	}
	held_slot **cs = realloc(p->chunks, (p->nchunks + 1) * sizeof(*cs));
	if (cs == NULL) {
		return GALE_ENOMEM;
	}
	p->chunks     = cs;
	held_slot *ch = calloc(HELD_CHUNK, sizeof(*ch));
	if (ch == NULL) {
		return GALE_ENOMEM;
	}
	uint32_t base = (uint32_t) (p->nchunks * HELD_CHUNK);
	for (uint32_t i = 0; i < HELD_CHUNK; i++) {
		ch[i].gen = 1;
		ch[i].next_free
		    = i + 1 < HELD_CHUNK ? base + i + 2 : p->free_head;
	}
	p->chunks[p->nchunks++] = ch;
	p->free_head            = base + 1;
	return GALE_OK;
}

gale_err
gale__held_put(gale_held_pool *p, const gale_tuple *t, uint64_t *h)
{
	assert(p != NULL && t != NULL && h != NULL);
	if (p->free_head == 0 && held_grow(p) != GALE_OK) {
		return GALE_ENOMEM;
	}
	uint32_t     idx = p->free_head - 1;
	held_slot   *s   = held_slot_at(p, idx);
	gale_anchor *a   = s->inl;
	if (t->nanchors > HELD_INLINE) {
		if (t->nanchors > s->ext_cap) {
			gale_anchor *x
			    = realloc(s->ext, t->nanchors * sizeof(*x));
			if (x == NULL) {
				return GALE_ENOMEM;
			}
			s->ext     = x;
			s->ext_cap = t->nanchors;
		}
		a = s->ext;
	}
	if (t->nanchors > 0) {
		memcpy(a, t->anchors, t->nanchors * sizeof(*a));
	}
	s->t = (gale_tuple) {
		.plan     = t->plan,
		.decl     = t->decl,
		.anchors  = a,
		.nanchors = t->nanchors,
		.src_task = t->src_task,
		.ack_val  = t->ack_val,
	};
	p->free_head = s->next_free;
	s->next_free = 0;
	s->used      = true;
	p->count++;
	*h = ((uint64_t) s->gen << 32) | (uint64_t) (idx + 1);
	return GALE_OK;
}

// The slot h names while it is held, else NULL.
static held_slot *
held_find(const gale_held_pool *p, uint64_t h)
{
	uint32_t low = (uint32_t) h;
	if (p == NULL || low == 0
	    || (size_t) (low - 1) / HELD_CHUNK >= p->nchunks) {
		return NULL;
	}
	held_slot *s = held_slot_at(p, low - 1);
	return s->used && s->gen == (uint32_t) (h >> 32) ? s : NULL;
}

gale_tuple *
gale__held_get(gale_held_pool *p, uint64_t h)
{
	held_slot *s = held_find(p, h);
	return s != NULL ? &s->t : NULL;
}

void
gale__held_release(gale_held_pool *p, uint64_t h)
{
	held_slot *s = held_find(p, h);
	if (s == NULL) {
		return;
	}
	s->used      = false;
	s->gen       = s->gen == UINT32_MAX ? 1 : s->gen + 1;
	s->next_free = p->free_head;
	p->free_head = (uint32_t) h;
	p->count--;
}

size_t
gale__held_count(const gale_held_pool *p)
{
	return p != NULL ? p->count : 0;
}

void
gale__held_each(gale_held_pool *p,
    void (*cb)(void *arg, uint64_t h, gale_tuple *t), void *arg)
{
	for (size_t c = 0; p != NULL && c < p->nchunks; c++) {
		for (uint32_t i = 0; i < HELD_CHUNK && p->count > 0; i++) {
			held_slot *s = &p->chunks[c][i];
			if (s->used) {
				uint32_t idx = (uint32_t) (c * HELD_CHUNK) + i;
				cb(arg, ((uint64_t) s->gen << 32) | (idx + 1),
				    &s->t);
			}
		}
	}
}
