// SPDX-License-Identifier: MIT
// router.c - groupings: which tasks a tuple emitted by one task goes to.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rand.h"
#include "runtime/router.h"

// FIELDS' hash: where it starts, and the odd constant of its steps.
#define ROUTER_HASH_SEED 0xcbf29ce484222325ULL
#define ROUTER_HASH_K 0x9e3779b97f4a7c15ULL

// One subscription to one stream of the source: a component and how it
// groups.
typedef struct router_sub {
	gale_grouping grouping;
	uint32_t      first; // the subscriber's first task id
	uint32_t      ntasks; // and its number of tasks
	// SHUFFLE, NONE, LOCAL_OR_SHUFFLE: the tasks to pick from, in the
	// order of the current cycle, and the next position in it.
	uint32_t *pool;
	uint32_t  npool;
	uint32_t  pos;
	uint64_t  rng;
	// SHUFFLE whose subscriber has tasks both in the source's worker and
	// in others: the whole subscriber, cycled as pool is, taken while
	// wide > 0 (picks left since a local task was last found full), and
	// pool holds only the local tasks.
	uint32_t *all;
	uint32_t  nall;
	uint32_t  allpos;
	uint32_t  wide;
	// FIELDS: the indexes of the grouping fields among the stream's.
	size_t *fields;
	size_t  nfields;
} router_sub;

typedef struct router_stream {
	const char *name;
	size_t      nfields;
	router_sub *subs;
	size_t      nsubs;
} router_stream;

struct gale_router {
	const gale_plan *plan;
	uint32_t         src_task;
	router_stream   *streams;
	size_t           nstreams;
	size_t           max_targets;
	int              default_stream; // the index of "default", or -1
	bool             loadaware; // SHUFFLE prefers local tasks
	uint32_t         spread; // wide picks per task after a full one
};

void
gale__router_destroy(gale_router **rp)
{
	if (rp == NULL || *rp == NULL) {
		return;
	}
	gale_router *r = *rp;
	if (r->streams != NULL) {
		for (size_t s = 0; s < r->nstreams; s++) {
			router_stream *st = &r->streams[s];
			if (st->subs == NULL) {
				continue;
			}
			for (size_t i = 0; i < st->nsubs; i++) {
				free(st->subs[i].pool);
				free(st->subs[i].all);
				free(st->subs[i].fields);
			}
			free(st->subs);
		}
	}
	free(r->streams);
	free(r);
	*rp = NULL;
}

static void
router_permute(uint64_t *rng, uint32_t *pool, uint32_t n)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j   = gale__rand_below(rng, i);
		uint32_t tmp = pool[i - 1];
		pool[i - 1]  = pool[j];
		pool[j]      = tmp;
	}
}

static void
router_shuffle(router_sub *sub)
{
	router_permute(&sub->rng, sub->pool, sub->npool);
	sub->pos = 0;
}

int
gale__router_stream(const gale_router *r, const char *stream)
{
	// Most emits name no stream: no string compares for them.
	if (stream == NULL) {
		return r->default_stream;
	}
	const char *name = stream;
	for (size_t s = 0; s < r->nstreams; s++) {
		if (strcmp(r->streams[s].name, name) == 0) {
			return (int) s;
		}
	}
	return -1;
}

const char *
gale__router_wire_name(const gale_router *r, int s)
{
	return s == r->default_stream ? NULL : gale__router_stream_name(r, s);
}

size_t
gale__router_nstreams(const gale_router *r)
{
	return r->nstreams;
}

const char *
gale__router_stream_name(const gale_router *r, int s)
{
	if (s < 0 || (size_t) s >= r->nstreams) {
		return NULL;
	}
	return r->streams[s].name;
}

size_t
gale__router_stream_nfields(const gale_router *r, int s)
{
	if (s < 0 || (size_t) s >= r->nstreams) {
		return 0;
	}
	return r->streams[s].nfields;
}

size_t
gale__router_max_targets(const gale_router *r)
{
	return r->max_targets;
}

// Fills the pool a shuffling subscriber picks from: its tasks in the
// source's worker for LOCAL_OR_SHUFFLE and SHUFFLE when there are any, else
// all; SHUFFLE keeps all of them too, for when the local ones are full.
static gale_err
router_init_pool(
    router_sub *sub, const gale_plan *p, uint32_t src_task, bool loadaware)
{
	sub->pool = malloc(sub->ntasks * sizeof(*sub->pool));
	if (sub->pool == NULL) {
		return GALE_ENOMEM;
	}
	if (sub->grouping == GALE_GROUP_LOCAL_OR_SHUFFLE
	    || (sub->grouping == GALE_GROUP_SHUFFLE && loadaware)) {
		uint32_t here = gale_plan_task_worker(p, src_task);
		for (uint32_t k = 0; k < sub->ntasks; k++) {
			uint32_t task = sub->first + k;
			if (gale_plan_task_worker(p, task) == here) {
				sub->pool[sub->npool++] = task;
			}
		}
	}
	if (sub->grouping == GALE_GROUP_SHUFFLE && sub->npool > 0
	    && sub->npool < sub->ntasks) {
		sub->all = malloc(sub->ntasks * sizeof(*sub->all));
		if (sub->all == NULL) {
			return GALE_ENOMEM;
		}
		for (uint32_t k = 0; k < sub->ntasks; k++) {
			sub->all[sub->nall++] = sub->first + k;
		}
		router_permute(&sub->rng, sub->all, sub->nall);
	}
	if (sub->npool == 0 || sub->npool == sub->ntasks) {
		sub->npool = 0;
		for (uint32_t k = 0; k < sub->ntasks; k++) {
			sub->pool[sub->npool++] = sub->first + k;
		}
	}
	router_shuffle(sub);
	return GALE_OK;
}

void
gale__router_set_spread(gale_router *r, uint32_t per_task)
{
	r->spread = per_task > 0 ? per_task : 1;
}

void
gale__router_note_full(gale_router *r, uint32_t task)
{
	for (size_t s = 0; s < r->nstreams; s++) {
		router_stream *st = &r->streams[s];
		for (size_t i = 0; i < st->nsubs; i++) {
			router_sub *sub = &st->subs[i];
			if (sub->all == NULL || task < sub->first
			    || task - sub->first >= sub->ntasks) {
				continue;
			}
			for (uint32_t k = 0; k < sub->npool; k++) {
				if (sub->pool[k] == task) {
					uint64_t w
					    = (uint64_t) r->spread * sub->nall;
					sub->wide = w < UINT32_MAX
					    ? (uint32_t) w
					    : UINT32_MAX;
					break;
				}
			}
		}
	}
}

// Looks each FIELDS argument up among the stream's declared fields once,
// so that routing reads values by index.
static gale_err
router_init_fields(router_sub *sub, const gale_stream_def *sd,
    const char *const *declared, size_t ndeclared)
{
	if (sd->nfields == 0 || sd->fields == NULL) {
		return GALE_EINVAL;
	}
	sub->fields = malloc(sd->nfields * sizeof(*sub->fields));
	if (sub->fields == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < sd->nfields; i++) {
		size_t k = 0;
		while (k < ndeclared
		    && (sd->fields[i] == NULL
			|| strcmp(declared[k], sd->fields[i]) != 0)) {
			k++;
		}
		if (k == ndeclared) {
			return GALE_EINVAL;
		}
		sub->fields[sub->nfields++] = k;
	}
	return GALE_OK;
}

static gale_err
router_init_sub(gale_router *r, router_sub *sub, const gale_stream_def *sd,
    const gale_stream_decl *decl, size_t ndeclared, uint64_t seed)
{
	int c = gale_plan_component_index(r->plan, sd->to);
	if (c < 0 || gale_plan_component_is_acker(r->plan, (uint32_t) c)) {
		return GALE_EINVAL;
	}
	sub->grouping = sd->grouping;
	sub->first    = gale_plan_component_first_task(r->plan, (uint32_t) c);
	sub->ntasks   = gale_plan_component_ntasks(r->plan, (uint32_t) c);
	sub->rng      = seed;
	switch (sd->grouping) {
	case GALE_GROUP_SHUFFLE:
	case GALE_GROUP_NONE:
	case GALE_GROUP_LOCAL_OR_SHUFFLE:
		return router_init_pool(
		    sub, r->plan, r->src_task, r->loadaware);
	case GALE_GROUP_FIELDS:
		return router_init_fields(sub, sd, decl->fields, ndeclared);
	case GALE_GROUP_ALL:
	case GALE_GROUP_GLOBAL:
	case GALE_GROUP_DIRECT:
		return GALE_OK;
	default:
		return GALE_EINVAL;
	}
}

static size_t
router_count_fields(const gale_stream_decl *decl)
{
	size_t n = 0;
	while (decl->fields != NULL && decl->fields[n] != NULL) {
		n++;
	}
	return n;
}

// Sets up the subscribers of every declared stream, and the most targets a
// tuple on any of them can have.
static gale_err
router_init_streams(gale_router *r, const gale_topology *t, const char *src_id,
    const gale_stream_decl *decls, uint64_t seed)
{
	size_t nsubs_seen = 0;
	for (size_t i = 0; i < t->nstreams; i++) {
		const gale_stream_def *sd = &t->streams[i];
		if (sd->from == NULL || strcmp(sd->from, src_id) != 0) {
			continue;
		}
		int s = gale__router_stream(r, sd->stream);
		if (s < 0) {
			return GALE_EINVAL;
		}
		r->streams[s].nsubs++;
	}
	for (size_t s = 0; s < r->nstreams; s++) {
		router_stream *st = &r->streams[s];
		if (st->nsubs == 0) {
			continue;
		}
		st->subs = calloc(st->nsubs, sizeof(*st->subs));
		if (st->subs == NULL) {
			return GALE_ENOMEM;
		}
		// Counted again as each one is set up, so that destroy frees
		// only what exists.
		st->nsubs = 0;
	}
	for (size_t i = 0; i < t->nstreams; i++) {
		const gale_stream_def *sd = &t->streams[i];
		if (sd->from == NULL || strcmp(sd->from, src_id) != 0) {
			continue;
		}
		int            s   = gale__router_stream(r, sd->stream);
		router_stream *st  = &r->streams[s];
		router_sub    *sub = &st->subs[st->nsubs++];
		// Each subscriber shuffles on its own sequence.
		uint64_t sub_seed = seed ^ (GALE_GOLDEN * ++nsubs_seen);
		gale_err rv = router_init_sub(
		    r, sub, sd, &decls[s], st->nfields, sub_seed);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	r->max_targets = 1;
	for (size_t s = 0; s < r->nstreams; s++) {
		const router_stream *st = &r->streams[s];
		size_t               n  = 0;
		for (size_t i = 0; i < st->nsubs; i++) {
			switch (st->subs[i].grouping) {
			case GALE_GROUP_ALL:
				n += st->subs[i].ntasks;
				break;
			case GALE_GROUP_DIRECT:
				break;
			default:
				n++;
				break;
			}
		}
		if (n > r->max_targets) {
			r->max_targets = n;
		}
	}
	return GALE_OK;
}

gale_err
gale__router_new(gale_router **out, const gale_plan *p, const gale_topology *t,
    uint32_t src_task, uint64_t seed)
{
	if (p == NULL || t == NULL) {
		return GALE_EINVAL;
	}
	uint32_t                  c = gale_plan_task_component(p, src_task);
	const gale_component_def *def
	    = c == GALE_PLAN_NONE ? NULL : gale_plan_component_def(p, c);
	if (def == NULL) {
		return GALE_EINVAL;
	}
	if (def->spout == NULL && def->bolt == NULL) {
		return GALE_EINVAL;
	}
	const gale_stream_decl *decls = gale_component_outputs(def);
	size_t ndecls = 0;
	while (decls != NULL && decls[ndecls].stream != NULL) {
		ndecls++;
	}
	gale_router *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return GALE_ENOMEM;
	}
	gale_err rv = GALE_OK;
	r->plan      = p;
	r->src_task  = src_task;
	r->loadaware = !gale_topology_config_bool(
	    t, "topology.disable.loadaware.messaging", false);
	r->spread = GALE_ROUTER_SPREAD_PER_TASK;
	if (ndecls > 0) {
		r->streams = calloc(ndecls, sizeof(*r->streams));
		if (r->streams == NULL) {
			rv = GALE_ENOMEM;
			goto fail;
		}
	}
	r->nstreams = ndecls;
	for (size_t s = 0; s < ndecls; s++) {
		r->streams[s].name    = decls[s].stream;
		r->streams[s].nfields = router_count_fields(&decls[s]);
	}
	r->default_stream = -1;
	for (size_t s = 0; s < ndecls; s++) {
		if (strcmp(decls[s].stream, GALE_DEFAULT_STREAM) == 0) {
			r->default_stream = (int) s;
			break;
		}
	}
	rv = router_init_streams(r, t, def->id, decls, seed);
	if (rv != GALE_OK) {
		goto fail;
	}
	*out = r;
	return GALE_OK;
fail:
	gale__router_destroy(&r);
	return rv;
}

// One step of the hash: x folded in with a multiply, the high bits folded
// back down so that the next step's multiply spreads them again.
static inline uint64_t
router_mix(uint64_t h, uint64_t x)
{
	h = (h ^ x) * ROUTER_HASH_K;
	return h ^ (h >> 29);
}

// Little-endian loads, written bytewise so that every machine reads the
// same numbers (the compiler makes one load of each on x86).
static inline uint64_t
router_le32(const unsigned char *p)
{
	return (uint64_t) p[0] | (uint64_t) p[1] << 8 | (uint64_t) p[2] << 16
	    | (uint64_t) p[3] << 24;
}

static inline uint64_t
router_le64(const unsigned char *p)
{
	return router_le32(p) | router_le32(p + 4) << 32;
}

// The tag and length, then 8 bytes a step; the last 1 to 8 bytes as one
// word (from 4 up, two 4-byte loads that may overlap; under 4, the first,
// middle and last bytes), so that a short word costs two steps.
static inline uint64_t
router_hash_bytes(uint64_t h, unsigned char tag, const void *ptr, size_t len)
{
	const unsigned char *p = ptr;
	h                      = router_mix(h, (uint64_t) tag << 56 | len);
	for (; len > 8; p += 8, len -= 8) {
		h = router_mix(h, router_le64(p));
	}
	uint64_t x = 0;
	if (len >= 4) {
		x = router_le32(p) | router_le32(p + len - 4) << 32;
	} else if (len > 0) {
		x = (uint64_t) p[0] | (uint64_t) p[len / 2] << 8
		    | (uint64_t) p[len - 1] << 16;
	}
	return router_mix(h, x);
}

// A value of one word: its tag and length, then the word.
static inline uint64_t
router_hash_word(uint64_t h, unsigned char tag, size_t len, uint64_t x)
{
	return router_mix(router_mix(h, (uint64_t) tag << 56 | len), x);
}

static inline uint64_t
router_hash_value(uint64_t h, const gale_value *v)
{
	unsigned char tag = (unsigned char) v->type;
	switch (v->type) {
	case GALE_STR:
	case GALE_BYTES:
		return router_hash_bytes(h, tag, v->u.s.ptr, v->u.s.len);
	case GALE_I64:
		return router_hash_word(h, tag, 8, (uint64_t) v->u.i64);
	case GALE_F64: {
		uint64_t bits;
		memcpy(&bits, &v->u.f64, sizeof(bits));
		return router_hash_word(h, tag, 8, bits);
	}
	case GALE_BOOL:
		return router_hash_word(h, tag, 1, v->u.b ? 1 : 0);
	}
	// A type gale does not know hashes by its tag alone.
	return router_mix(h, (uint64_t) tag << 56);
}

uint64_t
gale__router_hash(const gale_value *const *fields, size_t n)
{
	uint64_t h = ROUTER_HASH_SEED;
	for (size_t i = 0; i < n; i++) {
		h = router_hash_value(h, fields[i]);
	}
	return h;
}

// The one of n tasks hash h picks: the high half of h scaled to n, a
// multiplication where h % n was a division, tens of cycles a tuple.
static inline uint32_t
router_pick(uint64_t h, uint32_t n)
{
	return (uint32_t) (((h >> 32) * n) >> 32);
}

static gale_err
router_route_direct(
    const router_stream *st, uint32_t task, uint32_t *out, size_t *n)
{
	for (size_t i = 0; i < st->nsubs; i++) {
		const router_sub *sub = &st->subs[i];
		if (sub->grouping == GALE_GROUP_DIRECT && task >= sub->first
		    && task - sub->first < sub->ntasks) {
			out[0] = task;
			*n     = 1;
			return GALE_OK;
		}
	}
	return GALE_EINVAL;
}

// Off the hot path: only for the log line of a refused direct emit.
void
gale__router_direct_why(const gale_router *r, int s, uint32_t task,
    char *buf, size_t len)
{
	if (s < 0 || (size_t) s >= r->nstreams) {
		snprintf(buf, len, "the stream is not declared");
		return;
	}
	const router_stream *st   = &r->streams[s];
	size_t               used = 0;
	char                 tasks[256];
	tasks[0] = '\0';
	for (size_t i = 0; i < st->nsubs; i++) {
		const router_sub *sub = &st->subs[i];
		if (sub->grouping != GALE_GROUP_DIRECT || used >= sizeof(tasks)) {
			continue;
		}
		const char *id = gale_plan_component_id(r->plan,
		    gale_plan_task_component(r->plan, sub->first));
		int w = snprintf(tasks + used, sizeof(tasks) - used,
		    "%s'%s' (tasks %u-%u)", used > 0 ? ", " : "",
		    id != NULL ? id : "?", sub->first,
		    sub->first + sub->ntasks - 1);
		used += w > 0 ? (size_t) w : 0;
	}
	if (used == 0) {
		snprintf(buf, len,
		    "stream '%s' has no subscriber with a DIRECT grouping",
		    st->name);
		return;
	}
	uint32_t    comp = gale_plan_task_component(r->plan, task);
	const char *id   = comp != GALE_PLAN_NONE
	      ? gale_plan_component_id(r->plan, comp)
	      : NULL;
	if (id == NULL) {
		snprintf(buf, len,
		    "task %u is not a task of the topology; stream '%s' goes "
		    "direct to %s",
		    task, st->name, tasks);
		return;
	}
	snprintf(buf, len,
	    "task %u ('%s') does not subscribe to stream '%s' with a DIRECT "
	    "grouping; the stream goes direct to %s",
	    task, id, st->name, tasks);
}

gale_err
gale__router_route(gale_router *r, int s, const gale_value *values,
    size_t nvalues, uint32_t direct_task, uint32_t *out, size_t *n)
{
	*n = 0;
	if (s < 0 || (size_t) s >= r->nstreams) {
		return GALE_EINVAL;
	}
	const router_stream *st = &r->streams[s];
	if (nvalues != st->nfields || (nvalues > 0 && values == NULL)) {
		return GALE_EINVAL;
	}
	if (direct_task != 0) {
		return router_route_direct(st, direct_task, out, n);
	}
	size_t k = 0;
	for (size_t i = 0; i < st->nsubs; i++) {
		router_sub *sub = &st->subs[i];
		switch (sub->grouping) {
		case GALE_GROUP_SHUFFLE:
			if (sub->wide > 0) {
				sub->wide--;
				if (sub->allpos == sub->nall) {
					router_permute(
					    &sub->rng, sub->all, sub->nall);
					sub->allpos = 0;
				}
				out[k++] = sub->all[sub->allpos++];
				break;
			}
			// fall through
		case GALE_GROUP_NONE:
		case GALE_GROUP_LOCAL_OR_SHUFFLE:
			if (sub->pos == sub->npool) {
				router_shuffle(sub);
			}
			out[k++] = sub->pool[sub->pos++];
			break;
		case GALE_GROUP_FIELDS: {
			uint64_t h = ROUTER_HASH_SEED;
			for (size_t f = 0; f < sub->nfields; f++) {
				h = router_hash_value(
				    h, &values[sub->fields[f]]);
			}
			out[k++] = sub->first + router_pick(h, sub->ntasks);
			break;
		}
		case GALE_GROUP_ALL:
			for (uint32_t t = 0; t < sub->ntasks; t++) {
				out[k++] = sub->first + t;
			}
			break;
		case GALE_GROUP_GLOBAL:
			out[k++] = sub->first;
			break;
		case GALE_GROUP_DIRECT:
			// Reached only through emit_direct.
			break;
		}
	}
	*n = k;
	return GALE_OK;
}
