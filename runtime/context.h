// SPDX-License-Identifier: MIT
// context.h - what a component may ask about its task: the topology, its
// place in the plan, its options, and where it reports an error.

#ifndef GALE_RUNTIME_CONTEXT_H
#define GALE_RUNTIME_CONTEXT_H

#include <stdint.h>

#include "base/metrics.h"
#include "gale.h"
#include "topology/model.h"
#include "topology/plan.h"

// The context of task in plan, of the topology topo, in the run run_id.
// topo, plan and run_id are borrowed and must outlive it.
gale_err gale__context_new(gale_context **out, const gale_topology *topo,
    const gale_plan *plan, uint32_t task, const char *run_id);
// Gives the context the task's metrics, where gale_context_gauge writes;
// m is borrowed and must outlive it. Without them gauges are dropped.
void gale__context_set_metrics(gale_context *ctx, gale_task_metrics *m);
// Accepts NULL.
void gale__context_destroy(gale_context **cp);

// The last message recorded by gale_context_error (or by an option that
// did not parse), or "" when there is none. Caller must not free.
const char *gale__context_error_text(const gale_context *ctx);

#endif // GALE_RUNTIME_CONTEXT_H
