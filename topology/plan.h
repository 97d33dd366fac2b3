// SPDX-License-Identifier: MIT
// plan.h - task ids and their placement on workers, derived from a topology.
//
// Tasks are numbered 1..ntasks: the topology's components in order
// (t->components), each with `parallelism` consecutive ids, then the acker
// component GALE_ACKER_COMPONENT with nackers tasks (nackers may be 0:
// acking is off and there is no acker component). Task k (0-based, that is
// id k + 1) of a spout or bolt runs on worker k % nworkers, so every
// component is spread evenly over the workers. Acker k runs on the k-th
// worker (mod nworkers) in the order of most spout tasks first, ties to the
// lower index: a spout's worker holds an acker whenever there are as many
// ackers as workers hosting spouts. Task id 0 is never used and means "no
// task".
//
// A plan is immutable once built, so any number of threads may read it at
// once. It borrows the topology it was built from: t must outlive it.
//
// Lookups take component indexes and task ids that may come from outside
// (the network); an index or id out of range never crashes, it yields the
// "none" value documented on each function.

#ifndef GALE_TOPOLOGY_PLAN_H
#define GALE_TOPOLOGY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "topology/model.h"

// What lookups by task or component return for an id or index out of range.
#define GALE_PLAN_NONE UINT32_MAX

typedef struct gale_plan gale_plan;

// Builds the plan of t for nworkers workers and nackers acker tasks. Sets
// *out only on success. GALE_EINVAL when nworkers is 0, a component has no
// id or a parallelism of 0, two components share an id, a component is
// named GALE_ACKER_COMPONENT while nackers > 0, a stream names a component
// that does not exist, or there are more than UINT32_MAX - 1 tasks;
// GALE_ENOMEM when out of memory.
gale_err gale_plan_new(gale_plan **out, const gale_topology *t,
    uint32_t nworkers, uint32_t nackers);

// Frees the plan. Accepts NULL and *pp == NULL; sets *pp to NULL.
void gale_plan_destroy(gale_plan **pp);

uint32_t gale_plan_ntasks(const gale_plan *p);
uint32_t gale_plan_nworkers(const gale_plan *p);
uint32_t gale_plan_nackers(const gale_plan *p);

// The number of components, including the acker component when nackers > 0
// (it is always the last one).
uint32_t gale_plan_ncomponents(const gale_plan *p);

// The index of the component with this id, or -1 when there is none.
int gale_plan_component_index(const gale_plan *p, const char *id);

// The component's id (GALE_ACKER_COMPONENT for the acker), or NULL when c
// is out of range. Borrowed: caller must not free it.
const char *gale_plan_component_id(const gale_plan *p, uint32_t c);

// Whether component c is a spout, or the acker. False when out of range.
bool gale_plan_component_is_spout(const gale_plan *p, uint32_t c);
bool gale_plan_component_is_acker(const gale_plan *p, uint32_t c);

// The definition of component c in the topology, or NULL for the acker and
// when out of range. Borrowed: caller must not free it.
const gale_component_def *gale_plan_component_def(
    const gale_plan *p, uint32_t c);

// The first task id of component c and its number of tasks; the component
// owns ids first .. first + ntasks - 1. Both 0 when c is out of range.
uint32_t gale_plan_component_first_task(const gale_plan *p, uint32_t c);
uint32_t gale_plan_component_ntasks(const gale_plan *p, uint32_t c);

// The component index of a task, its index among its component's tasks
// (0 .. ntasks - 1) and the worker it runs on. GALE_PLAN_NONE when task is
// not 1..ntasks.
uint32_t gale_plan_task_component(const gale_plan *p, uint32_t task);
uint32_t gale_plan_task_index(const gale_plan *p, uint32_t task);
uint32_t gale_plan_task_worker(const gale_plan *p, uint32_t task);

// The task ids of a worker, ascending. Writes at most cap of them to out
// (out may be NULL when cap is 0) and returns how many there are in all, so
// a return greater than cap means out was too small. 0 when worker is out
// of range.
size_t gale_plan_worker_tasks(
    const gale_plan *p, uint32_t worker, uint32_t *out, size_t cap);

// The acker task that tracks the tuple tree of root: a function of root
// only, spread evenly over the acker tasks even when roots are not random.
// 0 when nackers is 0.
uint32_t gale_plan_acker_for_root(const gale_plan *p, uint64_t root);

// The inputs of a task: every task of every component that task's
// component subscribes to, on any stream, ascending and each once (a
// component that subscribes to itself is among its own inputs). These are
// the tasks whose end-of-stream markers the task waits for. The acker's
// inputs are every spout and bolt task. Writes and returns as
// gale_plan_worker_tasks; 0 when task is out of range.
size_t gale_plan_task_inputs(
    const gale_plan *p, uint32_t task, uint32_t *out, size_t cap);

// The outputs of a task: every task of every component subscribed to any
// of its component's streams, ascending and each once; never the acker.
// Writes and returns as gale_plan_worker_tasks; 0 when task is out of
// range.
size_t gale_plan_task_outputs(
    const gale_plan *p, uint32_t task, uint32_t *out, size_t cap);
// True when dest is one of the tasks gale_plan_task_outputs gives task.
bool gale_plan_task_feeds(const gale_plan *p, uint32_t task, uint32_t dest);

#endif // GALE_TOPOLOGY_PLAN_H
