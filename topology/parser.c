// SPDX-License-Identifier: MIT
// parser.c - reads topology definitions (YAML shaped like Storm Flux files)
// into the model, reporting every problem with its position.
//
// The text is read in two steps: topology/yaml_tree.c turns it into a small
// tree of nodes, refusing what YAML allows and a topology does not; this file
// walks that tree to fill the model (topology/streams.c walks the streams),
// and topology/structure.c checks what needs the whole model (ids, stream
// endpoints, cycles). Problems are collected, not stopped at, so one run
// reports all of them.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/num.h"
#include "topology/config_keys.h"
#include "topology/diag.h"
#include "topology/filter.h"
#include "topology/flux.h"
#include "topology/includes.h"
#include "topology/model.h"
#include "topology/parser.h"
#include "topology/streams.h"
#include "topology/structure.h"
#include "topology/suggest.h"
#include "topology/yaml_json.h"
#include "topology/yaml_tree.h"

// A topology with the parser's marks. The public part comes first, so the
// gale_topology pointer handed out is the address of the whole.
typedef struct topo_full {
	gale_topology         pub;
	gale_component_marks *cmarks; // [pub.ncomponents]
	gale_stream_marks    *smarks; // [pub.nstreams]
	gale_strs             files;  // included files, named by positions
} topo_full;

typedef struct parse_ctx {
	gale_report r;
	bool        oom;
} parse_ctx;

static char *
parse_strdup(parse_ctx *p, const char *s)
{
	char *c = strdup(s);
	if (c == NULL) {
		p->oom = true;
	}
	return c;
}

// ---------------------------------------------------------------------
// Walking the tree
// ---------------------------------------------------------------------

static bool
name_ok(const char *s, bool dots)
{
	for (const char *c = s; *c != '\0'; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ||
		    (dots && *c == '.');
		if (!ok) {
			return false;
		}
	}
	return *s != '\0' && strlen(s) <= GALE_TOPOLOGY_MAX_NAME;
}

// Reads a config mapping (the topology's or a component's) into *out:
// gale's keys checked and kept, Storm's other topology keys warned about
// and dropped, Storm's null (the default) accepted, anything else an
// error.
static void
parse_config_map(parse_ctx *p, const gale_yaml_node *v, const char *label,
    const char *key_label, gale_option **out, size_t *nout)
{
	const gale_yaml_node *map
	    = gale__yaml_want_kind(&p->r, v, GALE_YAML_MAP, label, "config");
	if (map == NULL) {
		return;
	}
	*out = calloc(map->n / 2 + 1, sizeof(gale_option));
	if (*out == NULL) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k   = map->kids[i];
		const gale_yaml_node *val = map->kids[i + 1];
		if (k->kind != GALE_YAML_SCALAR) {
			continue;
		}
		const gale_config_key *key = gale__config_key_find(k->str);
		if (key == NULL && gale__storm_key_known(k->str)) {
			gale__report_warn(&p->r, &k->at,
			    "%s: '%s' is a Storm key not used by gale",
			    key_label, k->str);
			continue;
		}
		if (key == NULL) {
			if (gale__report_muted(&p->r)) {
				gale__report_skip(&p->r);
				continue;
			}
			gale_suggest s;
			gale__suggest_init(&s, k->str);
			const char *suffix = NULL;
			for (const gale_config_key *c = gale__config_keys;
			     c->name != NULL; c++) {
				gale__suggest_add(&s, c->name);
				size_t n = strlen(c->name);
				// "workers" for "topology.workers".
				if (k->len < n && c->name[n - k->len - 1] == '.' &&
				    strcmp(c->name + n - k->len, k->str) == 0) {
					suffix = c->name;
				}
			}
			const char *name;
			for (size_t j = 0; (name = gale__storm_key_name(j)) != NULL;
			     j++) {
				gale__suggest_add(&s, name);
			}
			const char *best = gale__suggest_best(&s);
			gale__report_error(&p->r, &k->at,
			    "%s: unknown key '%s'%s", key_label,
			    gale__report_show(&p->r, k->str),
			    gale__report_hint(&p->r, best ? best : suffix));
			continue;
		}
		if (val->kind == GALE_YAML_BAD
		    || (val->kind == GALE_YAML_SCALAR && val->is_null)) {
			continue; // Storm's null: the default applies.
		}
		if (val->kind != GALE_YAML_SCALAR) {
			gale__report_error(&p->r, &val->at,
			    "%s: '%s' must be a scalar, found %s", key_label,
			    key->name, gale__yaml_kind_name(val));
			continue;
		}
		char err[256];
		if (!gale__config_check(key, val->str, err, sizeof(err))) {
			gale__report_error(
			    &p->r, &val->at, "%s: %s", key_label, err);
			continue;
		}
		gale_option *o = &(*out)[*nout];
		o->key         = parse_strdup(p, key->name);
		o->value       = parse_strdup(p, val->str);
		o->where       = val->at;
		(*nout)++;
	}
}

static void
parse_options(parse_ctx *p, gale_component_def *c, const gale_yaml_node *v,
    const char *label)
{
	const gale_yaml_node *map
	    = gale__yaml_want_kind(&p->r, v, GALE_YAML_MAP, label, "options");
	if (map == NULL) {
		return;
	}
	c->options = calloc(map->n / 2 + 1, sizeof(gale_option));
	if (c->options == NULL) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k   = map->kids[i];
		const gale_yaml_node *val = map->kids[i + 1];
		if (k->kind != GALE_YAML_SCALAR
		    || val->kind == GALE_YAML_BAD) {
			continue;
		}
		if (k->len == 0) {
			gale__report_error(&p->r, &k->at,
			    "%s: an option name is empty", label);
			continue;
		}
		if (val->kind != GALE_YAML_SCALAR) {
			// A list or mapping reaches the component as JSON.
			gale_option *o = &c->options[c->noptions++];
			o->key         = parse_strdup(p, k->str);
			o->value       = gale__yaml_json(val);
			o->where       = val->at;
			o->json        = true;
			if (o->value == NULL) {
				p->oom = true;
			}
			continue;
		}
		if (val->is_null) {
			gale__report_error(&p->r, &val->at,
			    "%s: option '%s' has no value (write \"\" for an "
			    "empty string)",
			    label, gale__report_show(&p->r, k->str));
			continue;
		}
		gale_option *o = &c->options[c->noptions++];
		o->key         = parse_strdup(p, k->str);
		o->value       = parse_strdup(p, val->str);
		o->where       = val->at;
	}
}

static const char *const component_keys[] = { "id", "component", "library",
	"parallelism", "options", "className", "constructorArgs", "numTasks",
	"config", GALE_FLUX_RESOURCE_KEYS, "configMethods", "factory",
	"factoryArgs", "properties" };
enum {
	CK_ID,
	CK_COMPONENT,
	CK_LIBRARY,
	CK_PARALLELISM,
	CK_OPTIONS,
	CK_CLASS,
	CK_ARGS,
	CK_NUMTASKS,
	CK_CONFIG,
	CK_RESOURCES, // GALE_FLUX_NRESOURCE_KEYS of them
	CK_JAVA_FIRST = CK_RESOURCES + GALE_FLUX_NRESOURCE_KEYS, // Java-only
	CK_N = CK_JAVA_FIRST + 4
};

// Reports every Java-only key of map among known[first..n).
static void
parse_java_only(parse_ctx *p, const gale_yaml_node *map,
    const char *const *known, size_t first, size_t n, const char *label)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k = map->kids[i];
		for (size_t j = first; k->kind == GALE_YAML_SCALAR && j < n;
		     j++) {
			if (strcmp(k->str, known[j]) == 0) {
				gale__flux_java_only(&p->r, k, label);
			}
		}
	}
}

// A count from 1 to GALE_TOPOLOGY_MAX_PARALLELISM, or 0 after reporting
// why v is not one (0 without a report when v is absent).
static uint32_t
parse_tasks(parse_ctx *p, const gale_yaml_node *v, const char *label,
    const char *key)
{
	if (v == NULL || v->kind == GALE_YAML_BAD) {
		return 0;
	}
	int64_t n      = 0;
	bool    scalar = v->kind == GALE_YAML_SCALAR && !v->is_null;
	if (!scalar
	    || gale__parse_i64(
		   v->str, 1, GALE_TOPOLOGY_MAX_PARALLELISM, &n, NULL, 0)
		!= GALE_OK) {
		char found[GALE_REPORT_SHOW_LEN + 2];
		snprintf(found, sizeof(found), scalar ? "'%s'" : "%s",
		    scalar ? gale__report_show(&p->r, v->str)
			   : gale__yaml_kind_name(v));
		gale__report_error(&p->r, &v->at,
		    "%s: '%s' must be an integer from 1 to %d, found %s", label,
		    key, GALE_TOPOLOGY_MAX_PARALLELISM, found);
		return 0;
	}
	return (uint32_t) n;
}

static void
parse_component(parse_ctx *p, topo_full *t, const gale_yaml_node *map,
    bool spout, size_t index)
{
	const char *kind = spout ? "spout" : "bolt";
	char        label[128];
	const gale_yaml_node *idv = map->kind == GALE_YAML_MAP
	    ? gale__yaml_map_find(map, "id")
	    : NULL;
	if (idv != NULL && idv->kind == GALE_YAML_SCALAR && !idv->is_null
	    && idv->len > 0) {
		snprintf(label, sizeof(label), "%s '%s'", kind,
		    gale__report_show(&p->r, idv->str));
	} else {
		snprintf(label, sizeof(label), "%s #%zu", kind, index + 1);
	}
	if (map->kind == GALE_YAML_BAD) {
		return;
	}
	if (map->kind != GALE_YAML_MAP) {
		gale__report_error(&p->r, &map->at,
		    "%s: must be a mapping with keys id, component, ..., "
		    "found %s",
		    label, gale__yaml_kind_name(map));
		return;
	}
	const gale_yaml_node *vals[CK_N];
	gale__yaml_map_fields(&p->r, map, label, component_keys, CK_N, vals);

	gale_component_def   *c = &t->pub.components[t->pub.ncomponents];
	gale_component_marks *m = &t->cmarks[t->pub.ncomponents];
	t->pub.ncomponents++;
	c->is_spout     = spout;
	c->parallelism  = 1;
	c->where        = map->at;
	m->id           = map->at;
	m->component    = map->at;
	m->shared_lib      = map->at;

	gale__yaml_want_present(&p->r, map, vals[CK_ID], label, "id");
	const char *id = gale__yaml_want_str(&p->r, vals[CK_ID], label, "id");
	if (id != NULL) {
		m->id = vals[CK_ID]->at;
		if (!name_ok(id, false)) {
			gale__report_error(&p->r, &m->id,
			    "%s: an id may hold only letters, digits, '_' "
			    "and '-' (at most %d)",
			    label, GALE_TOPOLOGY_MAX_NAME);
		} else if (strncmp(id, "__", 2) == 0) {
			gale__report_error(&p->r, &m->id,
			    "%s: ids starting with '__' are reserved for gale",
			    label);
		} else if (strcmp(id, "topology") == 0) {
			gale__report_error(&p->r, &m->id,
			    "%s: the id 'topology' is reserved: --set "
			    "topology.KEY=VALUE names config keys",
			    label);
		} else {
			c->id = parse_strdup(p, id);
		}
	}

	// Flux's shell wrappers take configMethods that declare streams;
	// configMethods is the first Java-only key.
	bool shell_class = gale__flux_is_shell_class(vals[CK_CLASS]);
	parse_java_only(p, map, component_keys,
	    CK_JAVA_FIRST + (shell_class ? 1 : 0), CK_N, label);
	gale__flux_resources(&p->r, &vals[CK_RESOURCES], label);
	if (vals[CK_COMPONENT] != NULL && vals[CK_CLASS] != NULL) {
		gale__report_error(&p->r, &vals[CK_CLASS]->at,
		    "%s: give either 'component' or Storm's 'className', "
		    "not both",
		    label);
	} else if (vals[CK_CLASS] != NULL) {
		m->component = vals[CK_CLASS]->at;
		if (!gale__flux_class(
			&p->r, c, vals[CK_CLASS], vals[CK_ARGS], label)
		    || (shell_class
			&& !gale__flux_shell_methods(
			    &p->r, c, vals[CK_JAVA_FIRST], label))) {
			p->oom = true;
		}
	} else if (vals[CK_COMPONENT] == NULL) {
		gale__report_error(&p->r, &map->at,
		    "%s: missing required key 'component' (or Storm's "
		    "'className')",
		    label);
	}
	const char *comp = gale__yaml_want_str(
	    &p->r, vals[CK_COMPONENT], label, "component");
	if (comp != NULL) {
		m->component = vals[CK_COMPONENT]->at;
		c->component = parse_strdup(p, comp);
		if (vals[CK_ARGS] != NULL) {
			gale__report_error(&p->r, &vals[CK_ARGS]->at,
			    "%s: 'constructorArgs' go with 'className'; a "
			    "gale component takes 'options'",
			    label);
		}
	}

	const char *lib
	    = gale__yaml_want_str(&p->r, vals[CK_LIBRARY], label, "library");
	if (lib != NULL) {
		m->shared_lib = vals[CK_LIBRARY]->at;
		c->shared_lib = parse_strdup(p, lib);
	}

	uint32_t par = parse_tasks(p, vals[CK_PARALLELISM], label, "parallelism");
	uint32_t ntasks = parse_tasks(p, vals[CK_NUMTASKS], label, "numTasks");
	if (par > 0) {
		c->parallelism = par;
	}
	if (ntasks > 0) {
		// Storm runs numTasks tasks on parallelism threads; gale runs
		// each task on its own executor.
		c->parallelism = ntasks;
		if (par > 0 && par != ntasks) {
			gale__report_warn(&p->r, &vals[CK_PARALLELISM]->at,
			    "%s: gale runs one executor per task: %u tasks "
			    "('numTasks'); 'parallelism' %u is not used",
			    label, ntasks, par);
		}
	}
	char clabel[160];
	snprintf(clabel, sizeof(clabel), "%s: config", label);
	parse_config_map(
	    p, vals[CK_CONFIG], label, clabel, &c->config, &c->nconfig);
	gale__flux_component_config(&p->r, vals[CK_CONFIG], c, clabel);
	if (shell_class
	    && !gale__flux_shell_config(&p->r, c, vals[CK_JAVA_FIRST], label)) {
		p->oom = true;
	}
	parse_options(p, c, vals[CK_OPTIONS], label);
	const gale_yaml_node *opts = vals[CK_OPTIONS];
	if (comp != NULL && strcmp(comp, GALE_SHELL_COMPONENT) == 0
	    && !gale__flux_shell_options(&p->r, c,
		opts != NULL && opts->kind == GALE_YAML_MAP ? opts : NULL,
		&map->at, label)) {
		p->oom = true;
	}
}

static void
parse_components(
    parse_ctx *p, topo_full *t, const gale_yaml_node *v, bool spout)
{
	const char  *key = spout ? "spouts" : "bolts";
	const gale_yaml_node *seq
	    = gale__yaml_want_kind(&p->r, v, GALE_YAML_SEQ, "top level", key);
	if (seq == NULL) {
		return;
	}
	for (size_t i = 0; i < seq->n; i++) {
		parse_component(p, t, seq->kids[i], spout, i);
	}
}

// ---------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------

static const char *const top_keys[] = { "name", "config", "spouts", "bolts",
	"streams", "components", "topologySource", "workerHooks" };
enum {
	TK_NAME,
	TK_CONFIG,
	TK_SPOUTS,
	TK_BOLTS,
	TK_STREAMS,
	TK_JAVA_FIRST, // the keys from here on are Java-only
	TK_N = TK_JAVA_FIRST + 3
};

static size_t
parse_count(const gale_yaml_node *v)
{
	return v != NULL && v->kind == GALE_YAML_SEQ ? v->n : 0;
}

static void
parse_top(parse_ctx *p, topo_full *t, const gale_yaml_node *root)
{
	if (root == NULL) {
		gale__report_error(&p->r, NULL,
		    "the file is empty; a topology is a mapping with keys "
		    "name, config, spouts, bolts and streams");
		return;
	}
	if (root->kind == GALE_YAML_BAD) {
		return;
	}
	if (root->kind != GALE_YAML_MAP) {
		gale__report_error(&p->r, &root->at,
		    "a topology is a mapping with keys name, config, spouts, "
		    "bolts and streams, found %s",
		    gale__yaml_kind_name(root));
		return;
	}
	const gale_yaml_node *vals[TK_N];
	gale__yaml_map_fields(&p->r, root, "top level", top_keys, TK_N, vals);
	parse_java_only(p, root, top_keys, TK_JAVA_FIRST, TK_N, "top level");

	gale__yaml_want_present(
	    &p->r, root, vals[TK_NAME], "top level", "name");
	const char *name
	    = gale__yaml_want_str(&p->r, vals[TK_NAME], "top level", "name");
	if (name != NULL && !name_ok(name, true)) {
		gale__report_error(&p->r, &vals[TK_NAME]->at,
		    "the name '%s' may hold only letters, digits, '.', '_' "
		    "and "
		    "'-' (at most %d)",
		    gale__report_show(&p->r, name), GALE_TOPOLOGY_MAX_NAME);
	} else if (name != NULL) {
		t->pub.name = parse_strdup(p, name);
	}

	parse_config_map(p, vals[TK_CONFIG], "top level", "config",
	    &t->pub.config, &t->pub.nconfig);

	size_t nc = parse_count(vals[TK_SPOUTS]) + parse_count(vals[TK_BOLTS]);
	size_t ns = parse_count(vals[TK_STREAMS]);
	t->pub.components = calloc(nc + 1, sizeof(gale_component_def));
	t->cmarks         = calloc(nc + 1, sizeof(gale_component_marks));
	t->pub.streams    = calloc(ns + 1, sizeof(gale_stream_def));
	t->smarks         = calloc(ns + 1, sizeof(gale_stream_marks));
	if (t->pub.components == NULL || t->cmarks == NULL ||
	    t->pub.streams == NULL || t->smarks == NULL) {
		p->oom = true;
		return;
	}
	const gale_yaml_node *spouts = vals[TK_SPOUTS];
	gale__yaml_want_present(&p->r, root, spouts, "top level", "spouts");
	parse_components(p, t, spouts, true);
	if (spouts != NULL
	    && ((spouts->kind == GALE_YAML_SEQ && spouts->n == 0)
		|| (spouts->kind == GALE_YAML_SCALAR && spouts->is_null))) {
		gale__report_error(
		    &p->r, &spouts->at, "a topology needs at least one spout");
	}
	parse_components(p, t, vals[TK_BOLTS], false);
	if (gale__streams_walk(&p->r, vals[TK_STREAMS], t->pub.streams,
		t->smarks, &t->pub.nstreams)
	    != GALE_OK) {
		p->oom = true;
	}
	if (!p->oom && gale__structure_check(&t->pub, &p->r) != GALE_OK) {
		p->oom = true;
	}
}

void
gale_topology_destroy(gale_topology **tp)
{
	if (tp == NULL || *tp == NULL) {
		return;
	}
	topo_full *t = (topo_full *) *tp;
	free(t->pub.name);
	free(t->pub.file);
	for (size_t i = 0; i < t->pub.nconfig; i++) {
		free(t->pub.config[i].key);
		free(t->pub.config[i].value);
	}
	free(t->pub.config);
	for (size_t i = 0; i < t->pub.ncomponents; i++) {
		gale_component_def *c = &t->pub.components[i];
		free(c->id);
		free(c->component);
		free(c->shared_lib);
		for (size_t j = 0; j < c->noptions; j++) {
			free(c->options[j].key);
			free(c->options[j].value);
		}
		free(c->options);
		for (size_t j = 0; j < c->nconfig; j++) {
			free(c->config[j].key);
			free(c->config[j].value);
		}
		free(c->config);
		gale__flux_declared_free(c->declared);
	}
	free(t->pub.components);
	for (size_t i = 0; i < t->pub.nstreams; i++) {
		gale_stream_def *s = &t->pub.streams[i];
		free(s->from);
		free(s->to);
		free(s->stream);
		for (size_t j = 0; j < s->nfields; j++) {
			free(s->fields[j]);
		}
		free(s->fields);
		if (t->smarks != NULL) {
			free(t->smarks[i].fields);
		}
	}
	free(t->pub.streams);
	free(t->cmarks);
	free(t->smarks);
	gale__strs_fini(&t->files);
	free(t);
	*tp = NULL;
}

const gale_component_marks *
gale__topology_component_marks(const gale_topology *t, size_t i)
{
	const topo_full *f = (const topo_full *) t;
	return &f->cmarks[i];
}

const gale_stream_marks *
gale__topology_stream_marks(const gale_topology *t, size_t i)
{
	const topo_full *f = (const topo_full *) t;
	return &f->smarks[i];
}

// What a parse does beyond reading the text.
typedef struct parse_opts {
	bool              substitute; // replace ${...} first
	const gale_props *props;
	const char       *props_path;
	char            **ship; // receives the text to ship, or NULL
} parse_opts;

static gale_err
topology_parse(gale_topology **out, const char *file, const char *text,
    size_t len, const parse_opts *o, gale_diag *d)
{
	parse_ctx p = { .oom = false };
	gale__report_init(&p.r, file, d);
	if (len > GALE_TOPOLOGY_MAX_BYTES) {
		gale__report_error(&p.r, NULL,
		    "the file is larger than the limit of %u MiB",
		    GALE_TOPOLOGY_MAX_BYTES >> 20);
		return GALE_EINVAL;
	}
	const char *nul = len > 0 ? memchr(text, '\0', len) : NULL;
	if (nul != NULL) {
		gale_where w = gale__yaml_offset_where(
		    text, len, (size_t) (nul - text));
		gale__report_error(&p.r, &w,
		    "a NUL byte; a topology file must be UTF-8 text");
		return GALE_EINVAL;
	}

	topo_full *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		gale_diag_add(d, p.r.file, NULL, "out of memory");
		return GALE_ENOMEM;
	}
	t->pub.file = parse_strdup(&p, p.r.file);

	char    *filtered = NULL;
	size_t   flen     = len;
	gale_err rv       = GALE_OK;
	if (o->substitute) {
		rv = gale__filter_text(
		    text, len, o->props, o->props_path, &p.r, &filtered, &flen);
		if (rv == GALE_ENOMEM) {
			p.oom = true;
		} else {
			text = filtered;
			len  = flen;
		}
	}
	gale_yaml_node *root = NULL;
	bool            merged = false;
	// A ${...} without a value would only bring follow-on errors.
	if (!p.oom && rv == GALE_OK) {
		rv = gale__yaml_tree_build(&root, text, len, &p.r);
	}
	if (rv == GALE_ENOMEM) {
		p.oom = true;
	} else if (rv == GALE_OK && !p.oom) {
		gale_includes inc = { .r = &p.r,
			.props            = o->props,
			.props_path       = o->props_path,
			.substitute       = o->substitute,
			.files            = &t->files };
		if (gale__includes_merge(&inc, root, p.r.file, &merged)
		    != GALE_OK) {
			p.oom = true;
		} else {
			parse_top(&p, t, root);
		}
	}
	if (o->ship != NULL && !p.oom && !gale__report_failed(&p.r)) {
		// A merged definition ships as one text; otherwise the text
		// as read, so that positions stay those of the file.
		*o->ship = merged ? gale__yaml_flow_text(root)
		                  : strndup(text, len);
		p.oom    = *o->ship == NULL;
	}
	gale__yaml_tree_free(root);
	free(filtered);

	if (p.oom || gale__report_failed(&p.r)) {
		gale_topology *g = &t->pub;
		gale_topology_destroy(&g);
		if (o->ship != NULL) {
			free(*o->ship);
			*o->ship = NULL;
		}
		if (p.oom) {
			gale_diag_add(d, p.r.file, NULL, "out of memory");
			return GALE_ENOMEM;
		}
		return GALE_EINVAL;
	}
	*out = &t->pub;
	return GALE_OK;
}

gale_err
gale_topology_parse(gale_topology **out, const char *file, const char *text,
    size_t len, gale_diag *d)
{
	parse_opts o = { .substitute = false };
	return topology_parse(out, file, text, len, &o, d);
}

gale_err
gale__topology_read(const char *path, char **text, size_t *textlen,
    gale_diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		gale_diag_add(d, path, NULL, "cannot open: %s", strerror(e));
		return e == ENOENT ? GALE_ENOENT : GALE_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		gale_diag_add(d, path, NULL, "is a directory, not a file");
		close(fd);
		return GALE_EINVAL;
	}
	// Read at most one byte past the limit: enough to know a file is too
	// large, whatever it is (a device may never end).
	size_t limit = (size_t) GALE_TOPOLOGY_MAX_BYTES + 1;
	size_t cap   = 65536;
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		cap = (size_t) st.st_size < limit ? (size_t) st.st_size + 1
		                                  : limit;
	}
	char  *buf = malloc(cap);
	size_t len = 0;
	if (buf == NULL) {
		close(fd);
		gale_diag_add(d, path, NULL, "out of memory");
		return GALE_ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= limit) {
				break;
			}
			size_t ncap = cap * 2 < limit ? cap * 2 : limit;
			char  *nbuf = realloc(buf, ncap);
			if (nbuf == NULL) {
				free(buf);
				close(fd);
				gale_diag_add(d, path, NULL, "out of memory");
				return GALE_ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			gale_diag_add(d, path, NULL, "cannot read: %s",
			    strerror(e));
			return GALE_EIO;
		}
		if (r == 0) {
			break;
		}
		len += (size_t) r;
	}
	close(fd);
	*text    = buf;
	*textlen = len;
	return GALE_OK;
}

gale_err
gale__topology_load_ship(gale_topology **out, const char *path,
    const char *filter, char **ship, gale_diag *d)
{
	gale_props *props = NULL;
	if (filter != NULL) {
		gale_report r;
		gale__report_init(&r, filter, d);
		gale_err rv = gale__props_load(&props, filter, &r);
		if (rv != GALE_OK) {
			if (rv == GALE_ENOMEM) {
				gale_diag_add(d, filter, NULL, "out of memory");
			}
			return rv;
		}
	}
	char    *buf = NULL;
	size_t   len = 0;
	gale_err rv  = gale__topology_read(path, &buf, &len, d);
	if (rv == GALE_OK) {
		parse_opts o = { .substitute = true,
			.props           = props,
			.props_path      = filter,
			.ship            = ship };
		rv = topology_parse(out, path, buf, len, &o, d);
		free(buf);
	}
	gale__props_destroy(&props);
	return rv;
}

gale_err
gale_topology_load_filtered(gale_topology **out, const char *path,
    const char *filter, gale_diag *d)
{
	return gale__topology_load_ship(out, path, filter, NULL, d);
}

gale_err
gale_topology_load(gale_topology **out, const char *path, gale_diag *d)
{
	return gale__topology_load_ship(out, path, NULL, NULL, d);
}
