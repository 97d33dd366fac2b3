// SPDX-License-Identifier: MIT
// context.h - what a component may ask about its task: the topology, its
// place in the plan, its options, and where it reports an error.

#ifndef GALE_RUNTIME_CONTEXT_H
#define GALE_RUNTIME_CONTEXT_H

#include <stdint.h>

#include "base/metrics.h"
#include "gale.h"
#include "proto/control.h"
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

// The errors a task keeps (gale_report_error), the most it keeps in a
// second, and the longest text of one, with its NUL.
#define GALE_CONTEXT_ERRORS 4
#define GALE_CONTEXT_ERRORS_PER_SEC 4
#define GALE_CONTEXT_ERROR_BYTES 256

// Up to cap of the errors the task reported after number *after (0 before
// the first), oldest first, into out (their text copied into text, which
// out points to; component borrowed from the plan); *after becomes the
// number of the last one given. Thread-safe against gale_report_error.
size_t gale__context_errors(gale_context *ctx, uint64_t *after,
    gale_component_error *out, char (*text)[GALE_CONTEXT_ERROR_BYTES],
    size_t                cap);

#endif // GALE_RUNTIME_CONTEXT_H
