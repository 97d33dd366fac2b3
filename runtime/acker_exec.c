// SPDX-License-Identifier: MIT
// acker_exec.c - the acker kind of executor: follows every tuple tree by
// the XOR of its edges, tells the spout when one completes or fails, and
// renders the sampled ones.

#include <stdio.h>
#include <stdlib.h>

#include "runtime/acker.h"
#include "runtime/executor_impl.h"
#include "runtime/trace.h"

// Sampled trees an acker keeps at once.
#define ACKER_MAX_TRACES 64

typedef struct acker_exec {
	gale_acker *acker;
	gale_trace *trace;
	gale_trace_record record; // the tree being finished
} acker_exec;

static gale_err
acker_exec_init(gale_executor *e)
{
	acker_exec *a  = e->priv;
	gale_err    rv = gale__acker_new(&a->acker, GALE_EXEC_TIMEOUT_BUCKETS);
	if (rv != GALE_OK) {
		return rv;
	}
	return gale__trace_new(&a->trace, ACKER_MAX_TRACES);
}

static void
acker_exec_fini(gale_executor *e)
{
	acker_exec *a = e->priv;
	gale__acker_destroy(&a->acker);
	gale__trace_destroy(&a->trace);
}

static void
acker_exec_ack(gale_executor *e, const gale_item *it)
{
	acker_exec     *a   = e->priv;
	uint64_t        now = e->now_ns;
	uint32_t        spout_task;
	uint64_t        start;
	gale_tree_state st;
	switch (it->ack_kind) {
	case GALE_ACK_INIT:
		st = gale__acker_init(a->acker, it->root, it->value, it->task,
		    now, &spout_task, &start);
		break;
	case GALE_ACK_ACK:
		st = gale__acker_ack(
		    a->acker, it->root, it->value, now, &spout_task, &start);
		break;
	case GALE_ACK_FAIL:
		st = gale__acker_fail(
		    a->acker, it->root, it->task, now, &spout_task, &start);
		break;
	default:
		gale_metric_add(&e->metrics, GALE_M_DROPPED, 1);
		return;
	}
	gale_metric_add(&e->metrics, GALE_M_EXECUTED, 1);
	if (st != GALE_TREE_PENDING && gale__trace_sampled(it->root)) {
		// The rendered tree is output the user asked for (trace
		// sampling), several lines in its documented format.
		// It also goes to the worker's ring, which heartbeats carry to
		// `gale trace` and the UI; only trees sampled by the
		// topology's configuration are printed to the log.
		if (gale__trace_take(a->trace, it->root,
			st == GALE_TREE_FAILED, e->env->plan, &a->record)) {
			a->record.acker = e->task;
			char *text = atomic_load_explicit(&e->env->trace_log,
					 memory_order_relaxed)
			    ? gale__trace_format(&a->record)
			    : NULL;
			if (text != NULL) {
				fputs(text, stderr);
				free(text);
			}
			if (e->env->traces != NULL) {
				gale__trace_ring_put(
				    e->env->traces, &a->record);
			}
		}
	}
	if (st == GALE_TREE_COMPLETE) {
		gale_metric_add(&e->metrics, GALE_M_ACKED, 1);
		gale__exec_add_ack(
		    e, spout_task, GALE_ACK_COMPLETE, it->root, 0, e->task);
	} else if (st == GALE_TREE_FAILED) {
		gale_metric_add(&e->metrics, GALE_M_FAILED, 1);
		// The failing task travels on, so the spout can say who.
		uint32_t by = gale__acker_failed_by(a->acker);
		gale__exec_add_ack(
		    e, spout_task, GALE_ACK_FAILED, it->root, 0, by);
	}
}

static void
acker_exec_trace(gale_executor *e, const gale_item *it)
{
	acker_exec *a = e->priv;
	gale__trace_add(a->trace, it);
}

static void
acker_exec_items(gale_executor *e)
{
	gale__exec_items(e, NULL, acker_exec_ack, acker_exec_trace);
}

static void
acker_exec_rotate(gale_executor *e)
{
	acker_exec *a = e->priv;
	gale__acker_rotate(a->acker);
}

const gale_exec_ops gale__acker_exec_ops = {
	.name   = "acker",
	.size   = sizeof(acker_exec),
	.init   = acker_exec_init,
	.fini   = acker_exec_fini,
	.run    = gale__exec_input_loop,
	.items  = acker_exec_items,
	.rotate = acker_exec_rotate,
};
