// SPDX-License-Identifier: MIT
// plan.c - task ids and their placement on workers, derived from a topology.

#include <stdlib.h>
#include <string.h>

#include "base/rand.h"
#include "topology/plan.h"

typedef struct plan_component {
	const char               *id;
	const gale_component_def *def; // NULL for the acker
	bool                      is_spout;
	bool                      is_acker;
	uint32_t                  first;
	uint32_t                  ntasks;
	// The components this one subscribes to, and those subscribed to it,
	// by index, ascending and each once. Tasks are expanded on request
	// rather than stored, which keeps the plan linear in the number of
	// components instead of quadratic in the number of tasks.
	uint32_t *inputs;
	uint32_t  ninputs;
	uint32_t *outputs;
	uint32_t  noutputs;
} plan_component;

struct gale_plan {
	uint32_t        ntasks;
	uint32_t        nworkers;
	uint32_t        nackers;
	uint32_t        ncomponents;
	plan_component *components;
	uint32_t       *task_component; // indexed by task id; [0] unused
	// The workers in the order ackers are dealt to them, and each
	// worker's position in that order (see plan_order_ackers).
	uint32_t *acker_order;
	uint32_t *acker_rank;
};

void
gale_plan_destroy(gale_plan **pp)
{
	if (pp == NULL || *pp == NULL) {
		return;
	}
	gale_plan *p = *pp;
	if (p->components != NULL) {
		for (uint32_t c = 0; c < p->ncomponents; c++) {
			free(p->components[c].inputs);
			free(p->components[c].outputs);
		}
	}
	free(p->components);
	free(p->task_component);
	free(p->acker_order);
	free(p->acker_rank);
	free(p);
	*pp = NULL;
}

static int
plan_find(const gale_plan *p, uint32_t n, const char *id)
{
	if (id == NULL) {
		return -1;
	}
	for (uint32_t c = 0; c < n; c++) {
		if (strcmp(p->components[c].id, id) == 0) {
			return (int) c;
		}
	}
	return -1;
}

// Fills the components' input and output lists from t's streams. marks is
// scratch space of one byte per component.
static gale_err
plan_link(gale_plan *p, const gale_topology *t, uint32_t nuser, bool *marks)
{
	for (uint32_t c = 0; c < nuser; c++) {
		plan_component *pc = &p->components[c];
		for (int pass = 0; pass < 2; pass++) {
			memset(marks, 0, p->ncomponents * sizeof(*marks));
			uint32_t n = 0;
			for (size_t i = 0; i < t->nstreams; i++) {
				const gale_stream_def *sd = &t->streams[i];
				const char            *self
				    = pass == 0 ? sd->to : sd->from;
				const char *other
				    = pass == 0 ? sd->from : sd->to;
				if (strcmp(self, pc->id) != 0) {
					continue;
				}
				int o = plan_find(p, nuser, other);
				if (!marks[o]) {
					marks[o] = true;
					n++;
				}
			}
			uint32_t *list = NULL;
			if (n > 0) {
				list = malloc(n * sizeof(*list));
				if (list == NULL) {
					return GALE_ENOMEM;
				}
			}
			uint32_t k = 0;
			for (uint32_t o = 0; o < nuser; o++) {
				if (marks[o]) {
					list[k++] = o;
				}
			}
			if (pass == 0) {
				pc->inputs  = list;
				pc->ninputs = n;
			} else {
				pc->outputs  = list;
				pc->noutputs = n;
			}
		}
	}
	if (p->nackers > 0) {
		// Every spout and bolt task talks to the ackers.
		plan_component *ac = &p->components[nuser];
		if (nuser > 0) {
			ac->inputs = malloc(nuser * sizeof(*ac->inputs));
			if (ac->inputs == NULL) {
				return GALE_ENOMEM;
			}
		}
		for (uint32_t c = 0; c < nuser; c++) {
			ac->inputs[c] = c;
		}
		ac->ninputs = nuser;
	}
	return GALE_OK;
}

static bool
plan_topology_has(const gale_topology *t, const char *id)
{
	if (id == NULL) {
		return false;
	}
	for (size_t c = 0; c < t->ncomponents; c++) {
		if (strcmp(t->components[c].id, id) == 0) {
			return true;
		}
	}
	return false;
}

// Checks what the plan relies on, so that a topology that skipped
// validation cannot make it read out of bounds.
static gale_err
plan_check(const gale_topology *t, uint32_t nworkers, uint32_t nackers)
{
	if (t == NULL || nworkers == 0) {
		return GALE_EINVAL;
	}
	if (t->ncomponents > 0 && t->components == NULL) {
		return GALE_EINVAL;
	}
	if (t->nstreams > 0 && t->streams == NULL) {
		return GALE_EINVAL;
	}
	// Room for the acker component and for the count in an int.
	if (t->ncomponents >= (size_t) INT32_MAX) {
		return GALE_EINVAL;
	}
	uint64_t ntasks = nackers;
	for (size_t c = 0; c < t->ncomponents; c++) {
		const gale_component_def *d = &t->components[c];
		if (d->id == NULL || d->parallelism == 0) {
			return GALE_EINVAL;
		}
		if (nackers > 0 && strcmp(d->id, GALE_ACKER_COMPONENT) == 0) {
			return GALE_EINVAL;
		}
		for (size_t e = 0; e < c; e++) {
			if (strcmp(t->components[e].id, d->id) == 0) {
				return GALE_EINVAL;
			}
		}
		ntasks += d->parallelism;
	}
	if (ntasks > UINT32_MAX - 1) {
		return GALE_EINVAL;
	}
	for (size_t i = 0; i < t->nstreams; i++) {
		const gale_stream_def *sd = &t->streams[i];
		if (!plan_topology_has(t, sd->from)
		    || !plan_topology_has(t, sd->to)) {
			return GALE_EINVAL;
		}
	}
	return GALE_OK;
}

// Ackers are dealt to the workers with the most spout tasks first (ties
// to the lower index), then to the others. A spout's tree starts and ends
// at its acker (init, the spout's own acks, the completion), so with an
// acker in the spout's worker none of that crosses a process; a component
// of n ackers still lands on min(n, nworkers) workers, evenly.
static gale_err
plan_order_ackers(gale_plan *p, uint32_t nuser)
{
	uint32_t  nw     = p->nworkers;
	uint64_t *spouts = calloc(nw, sizeof(*spouts));
	p->acker_order   = malloc(nw * sizeof(*p->acker_order));
	p->acker_rank    = malloc(nw * sizeof(*p->acker_rank));
	if (spouts == NULL || p->acker_order == NULL
	    || p->acker_rank == NULL) {
		free(spouts);
		return GALE_ENOMEM;
	}
	for (uint32_t c = 0; c < nuser; c++) {
		const plan_component *pc = &p->components[c];
		if (!pc->is_spout) {
			continue;
		}
		// Tasks first .. first + ntasks - 1 go round robin from the
		// worker of the first: whole turns plus a remainder.
		uint32_t w0 = (pc->first - 1) % nw;
		for (uint32_t w = 0; w < nw; w++) {
			spouts[w] += pc->ntasks / nw;
		}
		for (uint32_t i = 0; i < pc->ntasks % nw; i++) {
			spouts[(w0 + i) % nw]++;
		}
	}
	// Insertion sort: stable, and worker counts are small.
	for (uint32_t w = 0; w < nw; w++) {
		uint32_t k = w;
		while (k > 0 && spouts[p->acker_order[k - 1]] < spouts[w]) {
			p->acker_order[k] = p->acker_order[k - 1];
			k--;
		}
		p->acker_order[k] = w;
	}
	for (uint32_t k = 0; k < nw; k++) {
		p->acker_rank[p->acker_order[k]] = k;
	}
	free(spouts);
	return GALE_OK;
}

gale_err
gale_plan_new(gale_plan **out, const gale_topology *t, uint32_t nworkers,
    uint32_t nackers)
{
	gale_err rv = plan_check(t, nworkers, nackers);
	if (rv != GALE_OK) {
		return rv;
	}
	uint32_t   nuser = (uint32_t) t->ncomponents;
	bool      *marks = NULL;
	gale_plan *p     = calloc(1, sizeof(*p));
	if (p == NULL) {
		return GALE_ENOMEM;
	}
	p->nworkers    = nworkers;
	p->nackers     = nackers;
	p->ncomponents = nuser + (nackers > 0 ? 1 : 0);
	p->components  = calloc(p->ncomponents + 1, sizeof(*p->components));
	if (p->components == NULL) {
		rv = GALE_ENOMEM;
		goto fail;
	}
	uint32_t next = 1;
	for (uint32_t c = 0; c < nuser; c++) {
		plan_component *pc = &p->components[c];
		pc->def            = &t->components[c];
		pc->id             = pc->def->id;
		pc->is_spout       = pc->def->is_spout;
		pc->first          = next;
		pc->ntasks         = pc->def->parallelism;
		next += pc->ntasks;
	}
	if (nackers > 0) {
		plan_component *ac = &p->components[nuser];
		ac->id             = GALE_ACKER_COMPONENT;
		ac->is_acker       = true;
		ac->first          = next;
		ac->ntasks         = nackers;
		next += nackers;
	}
	p->ntasks = next - 1;
	p->task_component
	    = malloc(((size_t) p->ntasks + 1) * sizeof(*p->task_component));
	if (p->task_component == NULL) {
		rv = GALE_ENOMEM;
		goto fail;
	}
	p->task_component[0] = GALE_PLAN_NONE;
	for (uint32_t c = 0; c < p->ncomponents; c++) {
		const plan_component *pc = &p->components[c];
		for (uint32_t i = 0; i < pc->ntasks; i++) {
			p->task_component[pc->first + i] = c;
		}
	}
	marks = calloc(p->ncomponents + 1, sizeof(*marks));
	if (marks == NULL) {
		rv = GALE_ENOMEM;
		goto fail;
	}
	rv = plan_link(p, t, nuser, marks);
	if (rv != GALE_OK) {
		goto fail;
	}
	rv = plan_order_ackers(p, nuser);
	if (rv != GALE_OK) {
		goto fail;
	}
	free(marks);
	*out = p;
	return GALE_OK;
fail:
	free(marks);
	gale_plan_destroy(&p);
	return rv;
}

uint32_t
gale_plan_ntasks(const gale_plan *p)
{
	return p->ntasks;
}

uint32_t
gale_plan_nworkers(const gale_plan *p)
{
	return p->nworkers;
}

uint32_t
gale_plan_nackers(const gale_plan *p)
{
	return p->nackers;
}

uint32_t
gale_plan_ncomponents(const gale_plan *p)
{
	return p->ncomponents;
}

int
gale_plan_component_index(const gale_plan *p, const char *id)
{
	return plan_find(p, p->ncomponents, id);
}

static const plan_component *
plan_component_at(const gale_plan *p, uint32_t c)
{
	return c < p->ncomponents ? &p->components[c] : NULL;
}

const char *
gale_plan_component_id(const gale_plan *p, uint32_t c)
{
	const plan_component *pc = plan_component_at(p, c);
	return pc != NULL ? pc->id : NULL;
}

bool
gale_plan_component_is_spout(const gale_plan *p, uint32_t c)
{
	const plan_component *pc = plan_component_at(p, c);
	return pc != NULL && pc->is_spout;
}

bool
gale_plan_component_is_acker(const gale_plan *p, uint32_t c)
{
	const plan_component *pc = plan_component_at(p, c);
	return pc != NULL && pc->is_acker;
}

const gale_component_def *
gale_plan_component_def(const gale_plan *p, uint32_t c)
{
	const plan_component *pc = plan_component_at(p, c);
	return pc != NULL ? pc->def : NULL;
}

uint32_t
gale_plan_component_first_task(const gale_plan *p, uint32_t c)
{
	const plan_component *pc = plan_component_at(p, c);
	return pc != NULL ? pc->first : 0;
}

uint32_t
gale_plan_component_ntasks(const gale_plan *p, uint32_t c)
{
	const plan_component *pc = plan_component_at(p, c);
	return pc != NULL ? pc->ntasks : 0;
}

uint32_t
gale_plan_task_component(const gale_plan *p, uint32_t task)
{
	if (task == 0 || task > p->ntasks) {
		return GALE_PLAN_NONE;
	}
	return p->task_component[task];
}

uint32_t
gale_plan_task_index(const gale_plan *p, uint32_t task)
{
	if (task == 0 || task > p->ntasks) {
		return GALE_PLAN_NONE;
	}
	return task - p->components[p->task_component[task]].first;
}

uint32_t
gale_plan_task_worker(const gale_plan *p, uint32_t task)
{
	if (task == 0 || task > p->ntasks) {
		return GALE_PLAN_NONE;
	}
	uint32_t c = p->task_component[task];
	if (p->components[c].is_acker) {
		uint32_t k = task - p->components[c].first;
		return p->acker_order[k % p->nworkers];
	}
	return (task - 1) % p->nworkers;
}

size_t
gale_plan_worker_tasks(
    const gale_plan *p, uint32_t worker, uint32_t *out, size_t cap)
{
	if (worker >= p->nworkers) {
		return 0;
	}
	size_t   n    = 0;
	uint32_t nack = p->nackers;
	uint32_t user = p->ntasks - nack;
	// Task ids are 1-based and placement is on the 0-based position.
	for (uint64_t k = worker; k < user; k += p->nworkers) {
		if (n < cap) {
			out[n] = (uint32_t) k + 1;
		}
		n++;
	}
	// The ackers come last in id order, so the list stays ascending.
	for (uint64_t k = p->acker_rank[worker]; k < nack; k += p->nworkers) {
		if (n < cap) {
			out[n] = user + (uint32_t) k + 1;
		}
		n++;
	}
	return n;
}

uint32_t
gale_plan_acker_for_root(const gale_plan *p, uint64_t root)
{
	if (p->nackers == 0) {
		return 0;
	}
	const plan_component *ac = &p->components[p->ncomponents - 1];
	// Mixed, roots that differ in any bit land on unrelated ackers, so
	// sequential or patterned roots still spread evenly.
	return ac->first + (uint32_t) (gale__mix64(root) % p->nackers);
}

// Writes every task of the listed components; the lists are ascending by
// component index, and so are task ids.
static size_t
plan_expand(const gale_plan *p, const uint32_t *comps, uint32_t ncomps,
    uint32_t *out, size_t cap)
{
	size_t n = 0;
	for (uint32_t i = 0; i < ncomps; i++) {
		const plan_component *pc = &p->components[comps[i]];
		for (uint32_t k = 0; k < pc->ntasks; k++) {
			if (n < cap) {
				out[n] = pc->first + k;
			}
			n++;
		}
	}
	return n;
}

size_t
gale_plan_task_inputs(
    const gale_plan *p, uint32_t task, uint32_t *out, size_t cap)
{
	uint32_t c = gale_plan_task_component(p, task);
	if (c == GALE_PLAN_NONE) {
		return 0;
	}
	const plan_component *pc = &p->components[c];
	return plan_expand(p, pc->inputs, pc->ninputs, out, cap);
}

size_t
gale_plan_task_outputs(
    const gale_plan *p, uint32_t task, uint32_t *out, size_t cap)
{
	uint32_t c = gale_plan_task_component(p, task);
	if (c == GALE_PLAN_NONE) {
		return 0;
	}
	const plan_component *pc = &p->components[c];
	return plan_expand(p, pc->outputs, pc->noutputs, out, cap);
}

bool
gale_plan_task_feeds(const gale_plan *p, uint32_t task, uint32_t dest)
{
	uint32_t c = gale_plan_task_component(p, task);
	uint32_t d = gale_plan_task_component(p, dest);
	if (c == GALE_PLAN_NONE || d == GALE_PLAN_NONE) {
		return false;
	}
	const plan_component *pc = &p->components[c];
	for (uint32_t i = 0; i < pc->noutputs; i++) {
		if (pc->outputs[i] == d) {
			return true;
		}
	}
	return false;
}
