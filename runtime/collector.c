// SPDX-License-Identifier: MIT
// collector.c - the public emit, ack and fail functions: each goes to the
// ops of its task's kind, and is refused where the kind has none (a bolt
// cannot emit as a spout, nor a spout ack an input).

#include <string.h>

#include "runtime/collector.h"
#include "runtime/executor_impl.h"

gale_err
gale_spout_emit(gale_collector *c, const char *stream,
    const gale_value *values, size_t n, uint64_t msg_id)
{
	const gale_exec_ops *ops = c->e->ops;
	if (ops->spout_emit == NULL) {
		return GALE_EINVAL;
	}
	return ops->spout_emit(c->e, 0, stream, values, n, true, msg_id);
}

gale_err
gale_spout_emit_untracked(
    gale_collector *c, const char *stream, const gale_value *values, size_t n)
{
	const gale_exec_ops *ops = c->e->ops;
	if (ops->spout_emit == NULL) {
		return GALE_EINVAL;
	}
	return ops->spout_emit(c->e, 0, stream, values, n, false, 0);
}

gale_err
gale_spout_emit_direct(gale_collector *c, uint32_t task, const char *stream,
    const gale_value *values, size_t n, uint64_t msg_id)
{
	const gale_exec_ops *ops = c->e->ops;
	if (task == 0 || ops->spout_emit == NULL) {
		return GALE_EINVAL;
	}
	return ops->spout_emit(c->e, task, stream, values, n, true, msg_id);
}

gale_err
gale_spout_emit_direct_untracked(gale_collector *c, uint32_t task,
    const char *stream, const gale_value *values, size_t n)
{
	const gale_exec_ops *ops = c->e->ops;
	if (task == 0 || ops->spout_emit == NULL) {
		return GALE_EINVAL;
	}
	return ops->spout_emit(c->e, task, stream, values, n, false, 0);
}

void
gale_spout_exhausted(gale_collector *c)
{
	const gale_exec_ops *ops = c->e->ops;
	if (ops->exhausted != NULL) {
		ops->exhausted(c->e);
	}
}

gale_err
gale_emit(gale_collector *c, const char *stream, const gale_value *values,
    size_t n, const gale_tuple *const *anchors, size_t nanchors)
{
	const gale_exec_ops *ops = c->e->ops;
	if (ops->emit == NULL) {
		return GALE_EINVAL;
	}
	return ops->emit(c->e, 0, stream, values, n, anchors, nanchors);
}

gale_err
gale_emit_direct(gale_collector *c, uint32_t task, const char *stream,
    const gale_value *values, size_t n, const gale_tuple *const *anchors,
    size_t nanchors)
{
	const gale_exec_ops *ops = c->e->ops;
	if (task == 0 || ops->emit == NULL) {
		return GALE_EINVAL;
	}
	return ops->emit(c->e, task, stream, values, n, anchors, nanchors);
}

// Acking and failing mark the tuple, which the bolt holds as const: the
// executor built it and lent it for the execute call.
void
gale_ack(gale_collector *c, const gale_tuple *t)
{
	const gale_exec_ops *ops = c->e->ops;
	if (t != NULL && !t->done && ops->ack_tuple != NULL) {
		ops->ack_tuple(c->e, (gale_tuple *) t);
	}
}

void
gale_fail(gale_collector *c, const gale_tuple *t)
{
	const gale_exec_ops *ops = c->e->ops;
	if (t != NULL && !t->done && ops->fail_tuple != NULL) {
		ops->fail_tuple(c->e, (gale_tuple *) t);
	}
}

size_t
gale_emit_tasks(const gale_collector *c, uint32_t *out, size_t cap)
{
	const gale_executor *e = c->e;
	size_t               n = e->ntargets;
	if (out != NULL && cap > 0) {
		memcpy(out, e->targets, (n < cap ? n : cap) * sizeof(*out));
	}
	return n;
}
