// SPDX-License-Identifier: MIT
// control.c - the control-plane codec: the helpers its files share, topology
// specs, task endpoints, assignments and worker control.

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/control_pb.h"

// ---------------------------------------------------------------------
// Control plane: helpers
// ---------------------------------------------------------------------

void *
gale__pb_calloc(gale_pb_pool *pl, size_t n, size_t size)
{
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap > 0 ? pl->cap * 2 : 16;
		void **p    = realloc(pl->ptrs, ncap * sizeof *p);
		if (p == NULL) {
			return NULL;
		}
		pl->ptrs = p;
		pl->cap  = ncap;
	}
	void *p = calloc(n > 0 ? n : 1, size);
	if (p != NULL) {
		pl->ptrs[pl->n++] = p;
	}
	return p;
}

void
gale__pb_pool_fini(gale_pb_pool *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->ptrs[i]);
	}
	free(pl->ptrs);
	memset(pl, 0, sizeof *pl);
}

static gale_err
pb_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
	size_t   n = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(n > 0 ? n : 1);
	if (b == NULL) {
		return GALE_ENOMEM;
	}
	size_t written = protobuf_c_message_pack(m, b);
	assert(written == n);
	(void) written;
	*buf = b;
	*len = n;
	return GALE_OK;
}

// A decoded string: never NULL.
bool
gale__pb_dup_str(char **dst, const char *src)
{
	*dst = strdup(src != NULL ? src : "");
	return *dst != NULL;
}

// A copied string: NULL stays NULL.
bool
gale__pb_copy_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL) {
		return true;
	}
	*dst = strdup(src);
	return *dst != NULL;
}

// A heap copy of n elements of size bytes, or NULL when there are none;
// *ok is cleared when the copy fails and left alone otherwise.
void *
gale__pb_dup_array(const void *src, size_t n, size_t size, bool *ok)
{
	if (n == 0 || src == NULL) {
		return NULL;
	}
	void *dst = n <= SIZE_MAX / size ? malloc(n * size) : NULL;
	if (dst == NULL) {
		*ok = false;
		return NULL;
	}
	memcpy(dst, src, n * size);
	return dst;
}

gale_err
gale__pb_encode(
    const gale_pb_codec *c, const void *plain, uint8_t **buf, size_t *len)
{
	assert(plain != NULL && buf != NULL && len != NULL);
	gale_pb_pool      pl  = { 0 };
	ProtobufCMessage *m   = NULL;
	gale_err          err = c->to_pb(&pl, plain, &m);
	if (err == GALE_OK) {
		err = pb_pack(m, buf, len);
	}
	gale__pb_pool_fini(&pl);
	return err;
}

gale_err
gale__pb_decode(
    const gale_pb_codec *c, void *plain, const void *buf, size_t len)
{
	assert(plain != NULL && (buf != NULL || len == 0));
	memset(plain, 0, c->size);
	ProtobufCMessage *m
	    = protobuf_c_message_unpack(c->desc, NULL, len, buf);
	if (m == NULL) {
		return GALE_EPROTO;
	}
	gale_err err = c->from_pb(plain, m);
	if (err != GALE_OK) {
		c->fini(plain);
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return err;
}

// ---------------------------------------------------------------------
// Control plane: topology specs
// ---------------------------------------------------------------------

void
gale_spec_fini(gale_spec *s)
{
	if (s == NULL) {
		return;
	}
	free(s->name);
	free(s->file_name);
	free(s->yaml);
	for (size_t i = 0; s->overrides != NULL && i < s->noverrides; i++) {
		free(s->overrides[i].key);
		free(s->overrides[i].value);
	}
	free(s->overrides);
	for (size_t i = 0; s->libraries != NULL && i < s->nlibraries; i++) {
		free(s->libraries[i].path);
		free(s->libraries[i].content);
	}
	free(s->libraries);
	memset(s, 0, sizeof *s);
}

gale_err
gale_spec_copy(gale_spec *dst, const gale_spec *src)
{
	assert(dst != NULL && src != NULL);
	memset(dst, 0, sizeof *dst);
	if (!gale__pb_copy_str(&dst->name, src->name)
	    || !gale__pb_copy_str(&dst->file_name, src->file_name)
	    || !gale__pb_copy_str(&dst->yaml, src->yaml)) {
		goto fail;
	}
	if (src->noverrides > 0) {
		dst->overrides
		    = calloc(src->noverrides, sizeof *dst->overrides);
		if (dst->overrides == NULL) {
			goto fail;
		}
		dst->noverrides = src->noverrides;
		for (size_t i = 0; i < src->noverrides; i++) {
			if (!gale__pb_copy_str(
				&dst->overrides[i].key, src->overrides[i].key)
			    || !gale__pb_copy_str(&dst->overrides[i].value,
				src->overrides[i].value)) {
				goto fail;
			}
		}
	}
	if (src->nlibraries > 0) {
		dst->libraries
		    = calloc(src->nlibraries, sizeof *dst->libraries);
		if (dst->libraries == NULL) {
			goto fail;
		}
		dst->nlibraries = src->nlibraries;
		for (size_t i = 0; i < src->nlibraries; i++) {
			const gale_shipped_lib *l = &src->libraries[i];
			gale_shipped_lib       *d = &dst->libraries[i];
			bool ok = gale__pb_copy_str(&d->path, l->path);
			d->content
			    = gale__pb_dup_array(l->content, l->len, 1, &ok);
			d->len = d->content != NULL ? l->len : 0;
			memcpy(d->sha256, l->sha256, sizeof(d->sha256));
			d->has_sha256 = l->has_sha256;
			if (!ok) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_spec_fini(dst);
	return GALE_ENOMEM;
}

gale_err
gale__pb_spec_to(gale_pb_pool *pl, const gale_spec *s, Gale__TopologySpec *m)
{
	gale__topology_spec__init(m);
	m->name      = gale__pb_str(s->name);
	m->file_name = gale__pb_str(s->file_name);
	m->yaml      = gale__pb_str(s->yaml);
	if (s->noverrides > 0) {
		size_t           n  = s->noverrides;
		Gale__KeyValue **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__KeyValue  *kv = gale__pb_calloc(pl, n, sizeof *kv);
		if (pp == NULL || kv == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			gale__key_value__init(&kv[i]);
			kv[i].key   = gale__pb_str(s->overrides[i].key);
			kv[i].value = gale__pb_str(s->overrides[i].value);
			pp[i]       = &kv[i];
		}
		m->overrides   = pp;
		m->n_overrides = n;
	}
	if (s->nlibraries > 0) {
		size_t                 n  = s->nlibraries;
		Gale__ShippedLibrary **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__ShippedLibrary  *sl = gale__pb_calloc(pl, n, sizeof *sl);
		if (pp == NULL || sl == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const gale_shipped_lib *l = &s->libraries[i];
			gale__shipped_library__init(&sl[i]);
			sl[i].path         = gale__pb_str(l->path);
			sl[i].content.data = l->content;
			sl[i].content.len  = l->content != NULL ? l->len : 0;
			if (l->has_sha256) {
				sl[i].sha256.data = (uint8_t *) l->sha256;
				sl[i].sha256.len  = sizeof(l->sha256);
			}
			pp[i]              = &sl[i];
		}
		m->libraries   = pp;
		m->n_libraries = n;
	}
	return GALE_OK;
}

// Fills s from m (NULL: an absent spec, all empty). On error s is zeroed.
gale_err
gale__pb_spec_from(gale_spec *s, const Gale__TopologySpec *m)
{
	static const Gale__TopologySpec empty = GALE__TOPOLOGY_SPEC__INIT;
	memset(s, 0, sizeof *s);
	if (m == NULL) {
		m = &empty;
	}
	if (!gale__pb_dup_str(&s->name, m->name)
	    || !gale__pb_dup_str(&s->file_name, m->file_name)
	    || !gale__pb_dup_str(&s->yaml, m->yaml)) {
		goto fail;
	}
	if (m->n_overrides > 0) {
		s->overrides = calloc(m->n_overrides, sizeof *s->overrides);
		if (s->overrides == NULL) {
			goto fail;
		}
		s->noverrides = m->n_overrides;
		for (size_t i = 0; i < m->n_overrides; i++) {
			if (!gale__pb_dup_str(
				&s->overrides[i].key, m->overrides[i]->key)
			    || !gale__pb_dup_str(&s->overrides[i].value,
				m->overrides[i]->value)) {
				goto fail;
			}
		}
	}
	if (m->n_libraries > 0) {
		s->libraries = calloc(m->n_libraries, sizeof *s->libraries);
		if (s->libraries == NULL) {
			goto fail;
		}
		s->nlibraries = m->n_libraries;
		for (size_t i = 0; i < m->n_libraries; i++) {
			const Gale__ShippedLibrary *l = m->libraries[i];
			gale_shipped_lib           *d = &s->libraries[i];
			bool ok    = gale__pb_dup_str(&d->path, l->path);
			d->content = gale__pb_dup_array(
			    l->content.data, l->content.len, 1, &ok);
			d->len = d->content != NULL ? l->content.len : 0;
			if (l->sha256.len == sizeof(d->sha256)) {
				memcpy(d->sha256, l->sha256.data,
				    sizeof(d->sha256));
				d->has_sha256 = true;
			} else if (l->sha256.len != 0) {
				ok = false;
			}
			if (!ok) {
				goto fail;
			}
		}
	}
	return GALE_OK;

fail:
	gale_spec_fini(s);
	return GALE_ENOMEM;
}

// ---------------------------------------------------------------------
// Control plane: task endpoints
// ---------------------------------------------------------------------

void
gale__pb_endpoints_fini(gale_task_endpoint *e, size_t n)
{
	for (size_t i = 0; e != NULL && i < n; i++) {
		free(e[i].endpoint);
	}
	free(e);
}

bool
gale__pb_endpoints_copy(gale_task_endpoint **dst, size_t *ndst,
    const gale_task_endpoint *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n == 0 || src == NULL) {
		return true;
	}
	*dst = calloc(n, sizeof **dst);
	if (*dst == NULL) {
		return false;
	}
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		(*dst)[i].task = src[i].task;
		if (!gale__pb_copy_str(&(*dst)[i].endpoint, src[i].endpoint)) {
			return false;
		}
	}
	return true;
}

gale_err
gale__pb_endpoints_to(gale_pb_pool *pl, const gale_task_endpoint *e, size_t n,
    Gale__TaskEndpoint ***out, size_t *nout)
{
	if (n == 0 || e == NULL) {
		return GALE_OK;
	}
	Gale__TaskEndpoint **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__TaskEndpoint  *te = gale__pb_calloc(pl, n, sizeof *te);
	if (pp == NULL || te == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__task_endpoint__init(&te[i]);
		te[i].task     = e[i].task;
		te[i].endpoint = gale__pb_str(e[i].endpoint);
		pp[i]          = &te[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

// Fills *dst; what it allocated before failing is left for the caller's
// fini.
bool
gale__pb_endpoints_from(gale_task_endpoint **dst, size_t *ndst,
    Gale__TaskEndpoint *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n == 0) {
		return true;
	}
	*dst = calloc(n, sizeof **dst);
	if (*dst == NULL) {
		return false;
	}
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		(*dst)[i].task = src[i]->task;
		if (!gale__pb_dup_str(&(*dst)[i].endpoint, src[i]->endpoint)) {
			return false;
		}
	}
	return true;
}

// ---------------------------------------------------------------------
// Control plane: assignments
// ---------------------------------------------------------------------

static void
slot_fini(gale_worker_slot *w)
{
	free(w->host);
	free(w->supervisor);
	free(w->tasks);
	memset(w, 0, sizeof *w);
}

void
gale_assignment_fini(gale_assignment *a)
{
	if (a == NULL) {
		return;
	}
	free(a->topology);
	gale_spec_fini(&a->spec);
	for (size_t i = 0; a->workers != NULL && i < a->nworkers; i++) {
		slot_fini(&a->workers[i]);
	}
	free(a->workers);
	free(a->finished_tasks);
	gale__pb_endpoints_fini(a->endpoints, a->nendpoints);
	free(a->run_id);
	if (a->data_key != NULL) {
		memset(a->data_key, 0, strlen(a->data_key));
	}
	free(a->data_key);
	memset(a, 0, sizeof *a);
}

gale_err
gale_assignment_copy(gale_assignment *dst, const gale_assignment *src)
{
	assert(dst != NULL && src != NULL);
	memset(dst, 0, sizeof *dst);
	dst->generation = src->generation;
	dst->active     = src->active;
	dst->run_token  = src->run_token;
	dst->trace_rate = src->trace_rate;
	dst->trace_set  = src->trace_set;
	if (!gale__pb_copy_str(&dst->topology, src->topology)
	    || gale_spec_copy(&dst->spec, &src->spec) != GALE_OK) {
		goto fail;
	}
	if (src->nworkers > 0) {
		dst->workers = calloc(src->nworkers, sizeof *dst->workers);
		if (dst->workers == NULL) {
			goto fail;
		}
		dst->nworkers = src->nworkers;
		for (size_t i = 0; i < src->nworkers; i++) {
			const gale_worker_slot *w = &src->workers[i];
			gale_worker_slot       *d = &dst->workers[i];
			d->index                  = w->index;
			d->port                   = w->port;
			bool ok = gale__pb_copy_str(&d->host, w->host)
			    && gale__pb_copy_str(
				&d->supervisor, w->supervisor);
			d->tasks = gale__pb_dup_array(
			    w->tasks, w->ntasks, sizeof *w->tasks, &ok);
			d->ntasks = d->tasks != NULL ? w->ntasks : 0;
			if (!ok) {
				goto fail;
			}
		}
	}
	bool ok             = true;
	dst->finished_tasks = gale__pb_dup_array(src->finished_tasks,
	    src->nfinished, sizeof *src->finished_tasks, &ok);
	dst->nfinished      = dst->finished_tasks != NULL ? src->nfinished : 0;
	if (!ok) {
		goto fail;
	}
	if (!gale__pb_endpoints_copy(&dst->endpoints, &dst->nendpoints,
		src->endpoints, src->nendpoints)
	    || !gale__pb_copy_str(&dst->run_id, src->run_id)
	    || (src->data_key != NULL
	        && !gale__pb_copy_str(&dst->data_key, src->data_key))) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_assignment_fini(dst);
	return GALE_ENOMEM;
}

gale_err
gale__pb_assignment_to(
    gale_pb_pool *pl, const gale_assignment *a, Gale__Assignment *m)
{
	gale__assignment__init(m);
	m->topology   = gale__pb_str(a->topology);
	m->generation = a->generation;
	m->active     = a->active;
	m->run_token  = a->run_token;
	m->spec       = gale__pb_calloc(pl, 1, sizeof *m->spec);
	if (m->spec == NULL) {
		return GALE_ENOMEM;
	}
	gale_err err = gale__pb_spec_to(pl, &a->spec, m->spec);
	if (err != GALE_OK) {
		return err;
	}
	if (a->nworkers > 0) {
		size_t             n  = a->nworkers;
		Gale__WorkerSlot **pp = gale__pb_calloc(pl, n, sizeof *pp);
		Gale__WorkerSlot  *ws = gale__pb_calloc(pl, n, sizeof *ws);
		if (pp == NULL || ws == NULL) {
			return GALE_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const gale_worker_slot *w = &a->workers[i];
			gale__worker_slot__init(&ws[i]);
			ws[i].index      = w->index;
			ws[i].host       = gale__pb_str(w->host);
			ws[i].port       = w->port;
			ws[i].supervisor = gale__pb_str(w->supervisor);
			ws[i].tasks      = w->tasks;
			ws[i].n_tasks    = w->tasks != NULL ? w->ntasks : 0;
			pp[i]            = &ws[i];
		}
		m->workers   = pp;
		m->n_workers = n;
	}
	m->finished_tasks   = a->finished_tasks;
	m->n_finished_tasks = a->finished_tasks != NULL ? a->nfinished : 0;
	m->run_id           = gale__pb_str(a->run_id);
	m->trace_rate       = a->trace_rate;
	m->trace_set        = a->trace_set;
	m->data_key         = gale__pb_str(a->data_key);
	return gale__pb_endpoints_to(
	    pl, a->endpoints, a->nendpoints, &m->endpoints, &m->n_endpoints);
}

gale_err
gale__pb_assignment_from(gale_assignment *a, const Gale__Assignment *m)
{
	memset(a, 0, sizeof *a);
	a->generation = m->generation;
	a->active     = m->active;
	a->run_token  = m->run_token;
	a->trace_rate = m->trace_rate;
	a->trace_set  = m->trace_set;
	gale_err err  = GALE_ENOMEM;
	if (!gale__pb_dup_str(&a->topology, m->topology)) {
		goto fail;
	}
	err = gale__pb_spec_from(&a->spec, m->spec);
	if (err != GALE_OK) {
		goto fail;
	}
	err = GALE_ENOMEM;
	if (m->n_workers > 0) {
		a->workers = calloc(m->n_workers, sizeof *a->workers);
		if (a->workers == NULL) {
			goto fail;
		}
		a->nworkers = m->n_workers;
		for (size_t i = 0; i < m->n_workers; i++) {
			const Gale__WorkerSlot *w = m->workers[i];
			gale_worker_slot       *d = &a->workers[i];
			d->index                  = w->index;
			d->port                   = w->port;
			bool ok = gale__pb_dup_str(&d->host, w->host)
			    && gale__pb_dup_str(&d->supervisor, w->supervisor);
			d->tasks = gale__pb_dup_array(
			    w->tasks, w->n_tasks, sizeof *w->tasks, &ok);
			d->ntasks = d->tasks != NULL ? w->n_tasks : 0;
			if (!ok) {
				goto fail;
			}
		}
	}
	bool ok           = true;
	a->finished_tasks = gale__pb_dup_array(m->finished_tasks,
	    m->n_finished_tasks, sizeof *m->finished_tasks, &ok);
	a->nfinished = a->finished_tasks != NULL ? m->n_finished_tasks : 0;
	if (!ok) {
		goto fail;
	}
	if (!gale__pb_endpoints_from(
		&a->endpoints, &a->nendpoints, m->endpoints, m->n_endpoints)
	    || !gale__pb_dup_str(&a->run_id, m->run_id)) {
		goto fail;
	}
	if (m->data_key != NULL && m->data_key[0] != '\0'
	    && !gale__pb_dup_str(&a->data_key, m->data_key)) {
		goto fail;
	}
	return GALE_OK;

fail:
	gale_assignment_fini(a);
	return err;
}

static gale_err
assignment_codec_to(gale_pb_pool *pl, const void *plain, ProtobufCMessage **m)
{
	Gale__Assignment *pb = gale__pb_calloc(pl, 1, sizeof *pb);
	if (pb == NULL) {
		return GALE_ENOMEM;
	}
	*m = &pb->base;
	return gale__pb_assignment_to(pl, plain, pb);
}

static gale_err
assignment_codec_from(void *plain, const ProtobufCMessage *m)
{
	return gale__pb_assignment_from(plain, (const Gale__Assignment *) m);
}

static void
assignment_codec_fini(void *plain)
{
	gale_assignment_fini(plain);
}

static const gale_pb_codec assignment_codec = {
	.desc    = &gale__assignment__descriptor,
	.size    = sizeof(gale_assignment),
	.to_pb   = assignment_codec_to,
	.from_pb = assignment_codec_from,
	.fini    = assignment_codec_fini,
};

gale_err
gale_assignment_encode(const gale_assignment *a, uint8_t **buf, size_t *len)
{
	return gale__pb_encode(&assignment_codec, a, buf, len);
}

gale_err
gale_assignment_decode(gale_assignment *out, const void *buf, size_t len)
{
	return gale__pb_decode(&assignment_codec, out, buf, len);
}

// ---------------------------------------------------------------------
// Control plane: worker control
// ---------------------------------------------------------------------

void
gale_worker_control_fini(gale_worker_control *c)
{
	if (c == NULL) {
		return;
	}
	if (c->assignment != NULL) {
		gale_assignment_fini(c->assignment);
		free(c->assignment);
	}
	memset(c, 0, sizeof *c);
}

static gale_err
worker_control_codec_to(
    gale_pb_pool *pl, const void *plain, ProtobufCMessage **m)
{
	const gale_worker_control *c  = plain;
	Gale__WorkerControl       *pb = gale__pb_calloc(pl, 1, sizeof *pb);
	if (pb == NULL) {
		return GALE_ENOMEM;
	}
	gale__worker_control__init(pb);
	*m       = &pb->base;
	pb->stop = c->stop;
	if (c->assignment == NULL) {
		return GALE_OK;
	}
	pb->assignment = gale__pb_calloc(pl, 1, sizeof *pb->assignment);
	if (pb->assignment == NULL) {
		return GALE_ENOMEM;
	}
	return gale__pb_assignment_to(pl, c->assignment, pb->assignment);
}

static gale_err
worker_control_codec_from(void *plain, const ProtobufCMessage *pm)
{
	gale_worker_control       *c = plain;
	const Gale__WorkerControl *m = (const Gale__WorkerControl *) pm;
	c->stop                      = m->stop;
	if (m->assignment == NULL) {
		return GALE_OK;
	}
	c->assignment = calloc(1, sizeof *c->assignment);
	if (c->assignment == NULL) {
		return GALE_ENOMEM;
	}
	return gale__pb_assignment_from(c->assignment, m->assignment);
}

static void
worker_control_codec_fini(void *plain)
{
	gale_worker_control_fini(plain);
}

static const gale_pb_codec worker_control_codec = {
	.desc    = &gale__worker_control__descriptor,
	.size    = sizeof(gale_worker_control),
	.to_pb   = worker_control_codec_to,
	.from_pb = worker_control_codec_from,
	.fini    = worker_control_codec_fini,
};

gale_err
gale_worker_control_encode(
    const gale_worker_control *c, uint8_t **buf, size_t *len)
{
	return gale__pb_encode(&worker_control_codec, c, buf, len);
}

gale_err
gale_worker_control_decode(
    gale_worker_control *out, const void *buf, size_t len)
{
	return gale__pb_decode(&worker_control_codec, out, buf, len);
}

// The SHA-256 of len bytes at data, into out.
static void
spec_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	static const uint8_t none = 0;
	crypto_hash_sha256(out, data != NULL ? data : &none, len);
}

void
gale_spec_digest_stamp(gale_spec *s)
{
	for (size_t i = 0; i < s->nlibraries; i++) {
		gale_shipped_lib *l = &s->libraries[i];
		spec_sha256(l->content, l->len, l->sha256);
		l->has_sha256 = true;
	}
}

gale_err
gale_spec_digest_check(const gale_spec *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nlibraries; i++) {
		const gale_shipped_lib *l = &s->libraries[i];
		uint8_t                 got[32];
		if (!l->has_sha256) {
			continue;
		}
		spec_sha256(l->content, l->len, got);
		if (sodium_memcmp(got, l->sha256, sizeof(got)) != 0) {
			snprintf(err, errlen,
			    "shipped file '%s' of topology '%s' does not match "
			    "the SHA-256 recorded at submit: refusing to run it",
			    l->path ? l->path : "", s->name ? s->name : "");
			return GALE_EINVAL;
		}
	}
	return GALE_OK;
}
