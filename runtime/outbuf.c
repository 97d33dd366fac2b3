// SPDX-License-Identifier: MIT
// outbuf.c - the output buffer of one task: a batch per destination task,
// and the policy of when each one leaves.

#include <assert.h>
#include <stdlib.h>

#include "base/clock.h"
#include "runtime/outbuf.h"

gale_err
gale__outbuf_new(gale_outbuf **out, uint32_t ntasks, uint32_t batch_size,
    size_t max_bytes, uint64_t flush_ns, gale_outbuf_send_fn send, void *arg)
{
	assert(send != NULL);
	gale_outbuf *o = calloc(1, sizeof(*o));
	if (o == NULL) {
		return GALE_ENOMEM;
	}
	o->ntasks     = ntasks;
	o->batch_size = batch_size > 0 ? batch_size : 1;
	o->max_bytes  = max_bytes;
	o->flush_ns   = flush_ns;
	o->send       = send;
	o->arg        = arg;
	o->out        = calloc(ntasks + 1, sizeof(*o->out));
	o->dirty      = calloc(ntasks + 1, sizeof(*o->dirty));
	o->isdirty    = calloc(ntasks + 1, sizeof(*o->isdirty));
	o->limit      = malloc((ntasks + 1) * sizeof(*o->limit));
	if (o->out == NULL || o->dirty == NULL || o->isdirty == NULL
	    || o->limit == NULL) {
		gale__outbuf_destroy(&o);
		return GALE_ENOMEM;
	}
	for (uint32_t i = 0; i <= ntasks; i++) {
		o->limit[i] = o->batch_size;
	}
	*out = o;
	return GALE_OK;
}

void
gale__outbuf_destroy(gale_outbuf **op)
{
	gale_outbuf *o = *op;
	if (o == NULL) {
		return;
	}
	if (o->out != NULL) {
		for (uint32_t i = 0; i <= o->ntasks; i++) {
			if (o->out[i].dest_task != 0) {
				gale_batch_fini(&o->out[i]);
			}
		}
	}
	free(o->out);
	free(o->dirty);
	free(o->isdirty);
	free(o->limit);
	free(o);
	*op = NULL;
}

void
gale__outbuf_set_batch_size(gale_outbuf *o, uint32_t dest, uint32_t items)
{
	assert(dest >= 1 && dest <= o->ntasks);
	o->limit[dest] = items > 0 ? items : 1;
}

void
gale__outbuf_list(gale_outbuf *o, uint32_t dest)
{
	assert(dest >= 1 && dest <= o->ntasks);
	gale_batch *b = &o->out[dest];
	if (b->dest_task == 0) {
		gale_batch_init(b, dest);
	}
	if (o->ndirty == 0) {
		o->oldest_ns = gale_now_ns();
	}
	o->isdirty[dest]      = true;
	o->dirty[o->ndirty++] = dest;
}

static void
outbuf_send(gale_outbuf *o, gale_batch *b)
{
	o->send(o->arg, b);
	gale_batch_reset(b);
}

// A full batch stays listed, empty, until the flush.
void
gale__outbuf_send_full(gale_outbuf *o, gale_batch *b)
{
	outbuf_send(o, b);
}

gale_err
gale__outbuf_add_marker(
    gale_outbuf *o, uint32_t dest, gale_marker_kind kind, uint32_t src_task)
{
	return gale_batch_add_marker(
	    gale__outbuf_batch(o, dest), kind, src_task);
}

gale_err
gale__outbuf_add_trace(gale_outbuf *o, uint32_t dest, uint64_t root,
    uint64_t edge, uint32_t task, uint64_t time_us, const uint64_t *children,
    size_t nchildren, bool failed, uint64_t msg_id)
{
	return gale_batch_add_trace(gale__outbuf_batch(o, dest), root, edge,
	    task, time_us, children, nchildren, failed, msg_id);
}

void
gale__outbuf_flush(gale_outbuf *o)
{
	// Sending never adds to the buffer (see gale_outbuf_send_fn), so the
	// list is stable while we walk it.
	for (size_t i = 0; i < o->ndirty; i++) {
		gale_batch *b = &o->out[o->dirty[i]];
		if (gale_batch_items(b) > 0) {
			outbuf_send(o, b);
		}
		o->isdirty[o->dirty[i]] = false;
	}
	o->ndirty = 0;
}

bool
gale__outbuf_pending(const gale_outbuf *o)
{
	return o->ndirty > 0;
}

bool
gale__outbuf_due(const gale_outbuf *o, uint64_t now)
{
	return o->ndirty > 0 && now >= o->oldest_ns
	    && now - o->oldest_ns >= o->flush_ns;
}
