// SPDX-License-Identifier: MIT
// streams.c - the walk of a definition's `streams` section to the model:
// endpoints, the stream's name and the grouping with its arguments.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "topology/flux.h"
#include "topology/streams.h"
#include "topology/suggest.h"

typedef struct streams_ctx {
	gale_report       *r;
	gale_stream_def   *streams;
	gale_stream_marks *marks;
	size_t            *n;
	bool               oom;
} streams_ctx;

static const char *const grouping_names[] = {
	[GALE_GROUP_SHUFFLE]          = "SHUFFLE",
	[GALE_GROUP_FIELDS]           = "FIELDS",
	[GALE_GROUP_ALL]              = "ALL",
	[GALE_GROUP_GLOBAL]           = "GLOBAL",
	[GALE_GROUP_NONE]             = "NONE",
	[GALE_GROUP_DIRECT]           = "DIRECT",
	[GALE_GROUP_LOCAL_OR_SHUFFLE] = "LOCAL_OR_SHUFFLE",
};
#define NGROUPINGS (sizeof(grouping_names) / sizeof(grouping_names[0]))

const char *
gale_grouping_name(gale_grouping g)
{
	if ((size_t) g >= NGROUPINGS) {
		return "UNKNOWN";
	}
	return grouping_names[g];
}

static char *
streams_strdup(streams_ctx *p, const char *s)
{
	char *c = strdup(s);
	if (c == NULL) {
		p->oom = true;
	}
	return c;
}

static const char *const stream_keys[]
    = { "from", "to", "stream", "name", "grouping" };
enum { SK_FROM, SK_TO, SK_STREAM, SK_NAME, SK_GROUPING, SK_N };
static const char *const grouping_keys[] = { "type", "args", "streamId",
	"customClass" };
enum { GK_TYPE, GK_ARGS, GK_STREAMID, GK_CUSTOM, GK_N };

static void
streams_grouping_type(streams_ctx *p, gale_stream_def *s,
    const gale_yaml_node *v, const char *label)
{
	const char *type
	    = gale__yaml_want_str(p->r, v, label, "grouping type");
	if (type == NULL) {
		return;
	}
	for (size_t g = 0; g < NGROUPINGS; g++) {
		if (strcasecmp(grouping_names[g], type) == 0) {
			s->grouping = (gale_grouping) g;
			return;
		}
	}
	s->grouping = GALE_GROUP_SHUFFLE;
	if (strcasecmp(type, "CUSTOM") == 0) {
		gale__report_error(p->r, &v->at,
		    "%s: a CUSTOM grouping is a Java class (customClass); "
		    "gale has SHUFFLE, FIELDS, ALL, GLOBAL, NONE, DIRECT and "
		    "LOCAL_OR_SHUFFLE",
		    label);
		return;
	}
	gale_suggest sg;
	gale__suggest_init(&sg, type);
	for (size_t g = 0; g < NGROUPINGS; g++) {
		gale__suggest_add(&sg, grouping_names[g]);
	}
	const char *best = gale__suggest_best(&sg);
	if (best != NULL) {
		gale__report_error(p->r, &v->at,
		    "%s: unknown grouping type '%s'%s", label,
		    gale__report_show(p->r, type),
		    gale__report_hint(p->r, best));
	} else {
		gale__report_error(p->r, &v->at,
		    "%s: unknown grouping type '%s' (known: SHUFFLE, FIELDS, "
		    "ALL, GLOBAL, NONE, DIRECT, LOCAL_OR_SHUFFLE)",
		    label, gale__report_show(p->r, type));
	}
	s->grouping = GALE_GROUP_SHUFFLE;
}

typedef struct field_entry {
	const char *name;
	size_t      i; // index in the args list
} field_entry;

static int
field_entry_cmp(const void *a, const void *b)
{
	const field_entry *x = a;
	const field_entry *y = b;
	int                c = strcmp(x->name, y->name);
	if (c != 0) {
		return c;
	}
	return x->i < y->i ? -1 : (x->i > y->i);
}

static void
streams_fields(streams_ctx *p, gale_stream_def *s, gale_stream_marks *m,
    const gale_yaml_node *v, const char *label)
{
	const gale_yaml_node *seq
	    = gale__yaml_want_kind(p->r, v, GALE_YAML_SEQ, label, "args");
	if (seq == NULL) {
		if (v == NULL || (v->kind == GALE_YAML_SCALAR && v->is_null)) {
			gale__report_error(p->r, &m->grouping,
			    "%s: FIELDS grouping needs 'args', the fields to "
			    "group by",
			    label);
		}
		return;
	}
	if (seq->n == 0) {
		gale__report_error(p->r, &seq->at,
		    "%s: FIELDS grouping needs at least one field in 'args'",
		    label);
		return;
	}
	s->fields            = calloc(seq->n, sizeof(char *));
	m->fields            = calloc(seq->n, sizeof(gale_where));
	field_entry *entries = calloc(seq->n, sizeof(field_entry));
	bool        *dup     = calloc(seq->n, sizeof(bool));
	if (s->fields == NULL || m->fields == NULL || entries == NULL
	    || dup == NULL) {
		p->oom = true;
		goto out;
	}
	size_t nentries = 0;
	for (size_t i = 0; i < seq->n; i++) {
		const char *f
		    = gale__yaml_want_str(p->r, seq->kids[i], label, "args");
		if (f != NULL) {
			entries[nentries++] = (field_entry) { f, i };
		}
	}
	// Sorted, duplicates are neighbours however long the list is.
	qsort(entries, nentries, sizeof(field_entry), field_entry_cmp);
	for (size_t i = 1; i < nentries; i++) {
		if (strcmp(entries[i - 1].name, entries[i].name) == 0) {
			dup[entries[i].i] = true;
		}
	}
	for (size_t i = 0; i < seq->n; i++) {
		const gale_yaml_node *f = seq->kids[i];
		if (dup[i]) {
			gale__report_error(p->r, &f->at,
			    "%s: field '%s' is listed twice", label,
			    gale__report_show(p->r, f->str));
			continue;
		}
		if (f->kind != GALE_YAML_SCALAR || f->is_null || f->len == 0) {
			continue; // Reported by gale__yaml_want_str.
		}
		m->fields[s->nfields] = f->at;
		s->fields[s->nfields] = streams_strdup(p, f->str);
		if (s->fields[s->nfields] != NULL) {
			s->nfields++;
		}
	}
out:
	free(entries);
	free(dup);
}

static void
streams_stream(streams_ctx *p, const gale_yaml_node *map, size_t index)
{
	char label[128];
	snprintf(label, sizeof(label), "stream #%zu", index + 1);
	if (map->kind == GALE_YAML_BAD) {
		return;
	}
	if (map->kind != GALE_YAML_MAP) {
		gale__report_error(p->r, &map->at,
		    "%s: must be a mapping with keys from, to, grouping, "
		    "found %s",
		    label, gale__yaml_kind_name(map));
		return;
	}
	const gale_yaml_node *fromv = gale__yaml_map_find(map, "from");
	const gale_yaml_node *tov   = gale__yaml_map_find(map, "to");
	if (fromv != NULL && fromv->kind == GALE_YAML_SCALAR && tov != NULL
	    && tov->kind == GALE_YAML_SCALAR) {
		snprintf(label, sizeof(label), "stream '%s' -> '%s'",
		    gale__report_show(p->r, fromv->str),
		    gale__report_show(p->r, tov->str));
	}
	const gale_yaml_node *vals[SK_N];
	gale__yaml_map_fields(p->r, map, label, stream_keys, SK_N, vals);

	gale_stream_def   *s = &p->streams[*p->n];
	gale_stream_marks *m = &p->marks[*p->n];
	(*p->n)++;
	s->where    = map->at;
	s->grouping = GALE_GROUP_SHUFFLE;
	m->from     = map->at;
	m->to       = map->at;
	m->stream   = map->at;
	m->grouping = map->at;

	gale__yaml_want_present(p->r, map, vals[SK_FROM], label, "from");
	const char *from
	    = gale__yaml_want_str(p->r, vals[SK_FROM], label, "from");
	if (from != NULL) {
		m->from = vals[SK_FROM]->at;
		s->from = streams_strdup(p, from);
	}
	gale__yaml_want_present(p->r, map, vals[SK_TO], label, "to");
	const char *to = gale__yaml_want_str(p->r, vals[SK_TO], label, "to");
	if (to != NULL) {
		m->to = vals[SK_TO]->at;
		s->to = streams_strdup(p, to);
	}
	const char *stream
	    = gale__yaml_want_str(p->r, vals[SK_STREAM], label, "stream");
	if (stream != NULL) {
		m->stream = vals[SK_STREAM]->at;
	}
	const gale_yaml_node *name = vals[SK_NAME];
	if (name != NULL && name->kind != GALE_YAML_SCALAR
	    && name->kind != GALE_YAML_BAD) {
		gale__report_error(p->r, &name->at,
		    "%s: 'name' must be a scalar, found %s", label,
		    gale__yaml_kind_name(name));
	}

	gale__yaml_want_present(
	    p->r, map, vals[SK_GROUPING], label, "grouping");
	const gale_yaml_node *g = vals[SK_GROUPING];
	if (g != NULL && g->kind != GALE_YAML_BAD
	    && g->kind != GALE_YAML_MAP) {
		gale__report_error(p->r, &g->at,
		    "%s: 'grouping' must be a mapping like {type: SHUFFLE}, "
		    "found %s",
		    label, gale__yaml_kind_name(g));
	} else if (g != NULL && g->kind == GALE_YAML_MAP) {
		m->grouping = g->at;
		const gale_yaml_node *gv[GK_N];
		gale__yaml_map_fields(p->r, g, label, grouping_keys, GK_N, gv);
		gale__yaml_want_present(p->r, g, gv[GK_TYPE], label, "type");
		streams_grouping_type(p, s, gv[GK_TYPE], label);
		const gale_yaml_node *cc = gv[GK_CUSTOM];
		const gale_yaml_node *ty = gv[GK_TYPE];
		if (cc != NULL
		    && !(ty != NULL && ty->kind == GALE_YAML_SCALAR
			 && strcasecmp(ty->str, "CUSTOM") == 0)) {
			for (size_t i = 0; i + 1 < g->n; i += 2) {
				if (g->kids[i + 1] == cc) {
					gale__flux_java_only(
					    p->r, g->kids[i], label);
				}
			}
		}
		const char *sid = gale__yaml_want_str(
		    p->r, gv[GK_STREAMID], label, "streamId");
		if (sid != NULL && stream != NULL
		    && strcmp(sid, stream) != 0) {
			gale__report_error(p->r, &gv[GK_STREAMID]->at,
			    "%s: 'streamId' '%s' disagrees with 'stream' '%s'",
			    label, gale__report_show(p->r, sid),
			    gale__report_show(p->r, stream));
		} else if (sid != NULL && stream == NULL) {
			stream    = sid;
			m->stream = gv[GK_STREAMID]->at;
		}
		const gale_yaml_node *args = gv[GK_ARGS];
		if (s->grouping == GALE_GROUP_FIELDS && gv[GK_TYPE] != NULL
		    && gv[GK_TYPE]->kind == GALE_YAML_SCALAR) {
			streams_fields(p, s, m, args, label);
		} else if (args != NULL && args->kind != GALE_YAML_BAD
		    && !(args->kind == GALE_YAML_SCALAR && args->is_null)) {
			gale__report_error(p->r, &args->at,
			    "%s: 'args' is used only by FIELDS grouping",
			    label);
		}
	}
	s->stream = streams_strdup(p, stream ? stream : GALE_DEFAULT_STREAM);
}

gale_err
gale__streams_walk(gale_report *r, const gale_yaml_node *v,
    gale_stream_def *streams, gale_stream_marks *marks, size_t *n)
{
	streams_ctx p = { .r = r, .streams = streams, .marks = marks, .n = n };
	const gale_yaml_node *seq = gale__yaml_want_kind(
	    r, v, GALE_YAML_SEQ, "top level", "streams");
	if (seq == NULL) {
		return GALE_OK;
	}
	for (size_t i = 0; i < seq->n; i++) {
		streams_stream(&p, seq->kids[i], i);
	}
	return p.oom ? GALE_ENOMEM : GALE_OK;
}
