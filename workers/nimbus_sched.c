// SPDX-License-Identifier: MIT
// nimbus_sched.c - nimbus's scheduler: supervisors and their slots,
// placing workers, and finishing rebalances.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "topology/plan.h"
#include "topology/spec.h"
#include "workers/files.h"
#include "workers/nimbus_sched.h"
#include "workers/nimbus_state.h"
#include "workers/nimbus_store.h"
#include "workers/registry.h"
#include "workers/stats.h"

// ---------------------------------------------------------------------
// Supervisors and slots
// ---------------------------------------------------------------------

nim_sup *
gale__nimbus_find_sup(const gale_nimbus *n, const char *id)
{
	for (size_t i = 0; i < n->ns; i++) {
		if (strcmp(n->s[i]->id, id) == 0) {
			return n->s[i];
		}
	}
	return NULL;
}

nim_sup *
gale__nimbus_add_sup(gale_nimbus *n, const char *id, const char *host)
{
	nim_sup **s = realloc(n->s, (n->ns + 1) * sizeof(*s));
	if (s == NULL) {
		return NULL;
	}
	n->s         = s;
	nim_sup *sup = calloc(1, sizeof(*sup));
	if (sup == NULL) {
		return NULL;
	}
	sup->id   = strdup(id);
	sup->host = strdup(host);
	if (sup->id == NULL || sup->host == NULL) {
		free(sup->id);
		free(sup->host);
		free(sup);
		return NULL;
	}
	sup->alive    = true;
	sup->beat_ms  = gale__nimbus_mono_ms();
	n->s[n->ns++] = sup;
	return sup;
}

void
gale__nimbus_sup_destroy(nim_sup *sup)
{
	for (size_t i = 0; i < sup->nreported; i++) {
		free(sup->reported[i]);
	}
	free(sup->reported);
	free(sup->zk_asg);
	free(sup->ports);
	free(sup->id);
	free(sup->host);
	free(sup);
}

bool
gale__nimbus_sup_has_port(const nim_sup *sup, uint32_t port)
{
	for (size_t i = 0; i < sup->nports; i++) {
		if (sup->ports[i] == port) {
			return true;
		}
	}
	return false;
}

static bool
nimbus_slot_used(const gale_nimbus *n, const char *sup, uint32_t port)
{
	for (size_t i = 0; i < n->nt; i++) {
		const nim_topo *t = n->t[i];
		if (!gale__nimbus_topo_running(t)) {
			continue;
		}
		for (uint32_t k = 0; k < t->nworkers; k++) {
			const nim_worker *w = &t->w[k];
			if (!w->done && w->supervisor != NULL
			    && w->port == port
			    && strcmp(w->supervisor, sup) == 0) {
				return true;
			}
		}
	}
	return false;
}

static size_t
sup_free_slots(const gale_nimbus *n, const nim_sup *sup, uint32_t *first)
{
	size_t nfree = 0;
	for (size_t i = 0; i < sup->nports; i++) {
		if (!nimbus_slot_used(n, sup->id, sup->ports[i])) {
			if (nfree == 0 && first != NULL) {
				*first = sup->ports[i];
			}
			nfree++;
		}
	}
	return nfree;
}

// Unplaces every running worker on sup, or only those on ports it no
// longer has when only_lost.
void
gale__nimbus_unplace_sup(gale_nimbus *n, const nim_sup *sup, bool only_lost)
{
	for (size_t i = 0; i < n->nt; i++) {
		nim_topo *t = n->t[i];
		if (!gale__nimbus_topo_running(t)) {
			continue;
		}
		bool moved = false;
		for (uint32_t k = 0; k < t->nworkers; k++) {
			nim_worker *w = &t->w[k];
			if (w->done || w->supervisor == NULL
			    || strcmp(w->supervisor, sup->id) != 0
			    || (only_lost
				&& gale__nimbus_sup_has_port(sup, w->port))) {
				continue;
			}
			GALE_INFO("worker %u of '%s' lost its slot %s:%u", k,
			    t->name, sup->id, w->port);
			gale__nimbus_worker_unplace(w);
			moved = true;
		}
		if (moved) {
			gale__nimbus_topo_bump(t);
		}
	}
}

// Places the workers of running topologies that have no slot, spread
// over the live supervisors (fewest used slots first). A topology is
// placed only when all its waiting workers fit.
void
gale__nimbus_schedule(gale_nimbus *n)
{
	for (size_t i = 0; i < n->nt; i++) {
		nim_topo *t = n->t[i];
		if (t->state != TOPO_RUN || t->w == NULL) {
			continue;
		}
		uint32_t waiting = 0;
		for (uint32_t k = 0; k < t->nworkers; k++) {
			waiting += !t->w[k].done && t->w[k].supervisor == NULL;
		}
		if (waiting == 0) {
			continue;
		}
		size_t nfree = 0;
		for (size_t s = 0; s < n->ns; s++) {
			if (n->s[s]->alive) {
				nfree += sup_free_slots(n, n->s[s], NULL);
			}
		}
		if (nfree < waiting) {
			continue;
		}
		t->generation++;
		for (uint32_t k = 0; k < t->nworkers; k++) {
			nim_worker *w = &t->w[k];
			if (w->done || w->supervisor != NULL) {
				continue;
			}
			nim_sup *best      = NULL;
			size_t   best_used = 0;
			uint32_t best_port = 0;
			for (size_t s = 0; s < n->ns; s++) {
				nim_sup *sup = n->s[s];
				uint32_t port;
				size_t   f = sup->alive
				      ? sup_free_slots(n, sup, &port)
				      : 0;
				if (f == 0) {
					continue;
				}
				size_t used = sup->nports - f;
				if (best == NULL || used < best_used) {
					best      = sup;
					best_used = used;
					best_port = port;
				}
			}
			if (best == NULL) {
				break; // cannot happen: nfree >= waiting
			}
			w->supervisor = strdup(best->id);
			w->host       = strdup(best->host);
			w->port       = best_port;
			w->placed_gen = t->generation;
			if (w->supervisor == NULL || w->host == NULL) {
				gale__nimbus_worker_unplace(w);
				continue;
			}
			GALE_INFO("worker %u of '%s' placed on %s slot %u", k,
			    t->name, best->id, best_port);
		}
		t->changed = false;
		t->save    = true;
	}
}

static bool
sup_reported(const nim_sup *sup, const char *name)
{
	for (size_t i = 0; i < sup->nreported; i++) {
		if (strcmp(sup->reported[i], name) == 0) {
			return true;
		}
	}
	return false;
}

// Remembers which topologies sup's latest report had workers of.
void
gale__nimbus_sup_note_report(nim_sup *sup, const gale_supervisor_info *info)
{
	for (size_t i = 0; i < sup->nreported; i++) {
		free(sup->reported[i]);
	}
	sup->nreported = 0;
	char **r = realloc(sup->reported, (info->nworkers + 1) * sizeof(*r));
	if (r == NULL) {
		return;
	}
	sup->reported = r;
	for (size_t i = 0; i < info->nworkers; i++) {
		const char *name = info->workers[i].topology;
		if (name[0] != '\0' && !sup_reported(sup, name)) {
			char *copy = strdup(name);
			if (copy != NULL) {
				sup->reported[sup->nreported++] = copy;
			}
		}
	}
	sup->report_ms = gale__nimbus_wall_ms();
}

// ---------------------------------------------------------------------
// Rebalance
// ---------------------------------------------------------------------

uint64_t
gale__nimbus_topo_pending(const nim_topo *t)
{
	size_t                nc = gale_stats_components(t->stats, NULL, 0);
	gale_component_stats *cs = calloc(nc + 1, sizeof(*cs));
	if (cs == NULL) {
		return 1;
	}
	gale_stats_components(t->stats, cs, nc);
	uint64_t pending = 0;
	for (size_t i = 0; i < nc; i++) {
		if (cs[i].is_spout) {
			pending += cs[i].c[GALE_M_PENDING];
		}
	}
	free(cs);
	return pending;
}

// True when every live supervisor reported since the stop began, without
// a worker of t.
bool
gale__nimbus_stopped(const gale_nimbus *n, const nim_topo *t)
{
	for (size_t i = 0; i < n->ns; i++) {
		const nim_sup *sup = n->s[i];
		if (sup->alive
		    && (sup->report_ms <= t->phase_ms
			|| sup_reported(sup, t->name))) {
			return false;
		}
	}
	return true;
}

static gale_err
spec_set(gale_spec *s, const char *key, const char *value)
{
	char *v = strdup(value);
	if (v == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = s->noverrides; i-- > 0;) {
		if (strcmp(s->overrides[i].key, key) == 0) {
			free(s->overrides[i].value);
			s->overrides[i].value = v;
			return GALE_OK;
		}
	}
	gale_kv *o = realloc(s->overrides, (s->noverrides + 1) * sizeof(*o));
	char    *k = strdup(key);
	if (o == NULL || k == NULL) {
		if (o != NULL) {
			s->overrides = o;
		}
		free(v);
		free(k);
		return GALE_ENOMEM;
	}
	s->overrides                  = o;
	s->overrides[s->noverrides++] = (gale_kv) { k, v };
	return GALE_OK;
}

void
gale__nimbus_rebalance_finish(gale_nimbus *n, nim_topo *t)
{
	char workers[16], err[4096];
	snprintf(workers, sizeof(workers), "%u", t->rebalance_to);
	gale__nimbus_topo_free_runtime(t);
	if (spec_set(&t->spec, "topology.workers", workers) != GALE_OK) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (gale__nimbus_topo_build(n, t, err, sizeof(err)) != GALE_OK) {
		goto fail;
	}
	t->active = true;
	gale__nimbus_topo_bump(t);
	gale__nimbus_topo_enter(t, TOPO_RUN);
	GALE_INFO(
	    "topology '%s' rebalanced to %u workers", t->name, t->nworkers);
	return;
fail:
	gale__nimbus_topo_free_runtime(t);
	GALE_INFO("topology '%s' failed to rebalance: %s", t->name, err);
	gale__nimbus_topo_set_error(t, err);
	gale__nimbus_topo_enter(t, TOPO_FAILED);
}
