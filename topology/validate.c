// SPDX-License-Identifier: MIT
// validate.c - resolves a topology's components and checks what depends on
// them: their kinds, the streams they declare and the fields of those
// streams.
//
// Everything that can be checked from the text alone (keys, types, ids,
// stream endpoints, cycles) is checked by the parser, so that one run of
// `gale validate` reports those errors together.

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/num.h"
#include "topology/diag.h"
#include "topology/ids.h"
#include "topology/model.h"
#include "topology/parser.h"
#include "topology/suggest.h"

typedef struct validate_ctx {
	gale_report          rep;
	const gale_resolver *r;
	gale_ids            *ids;
} validate_ctx;

// Appends the names in list (closed by NULL) to buf as "a, b, c".
static void
validate_join(char *buf, size_t cap, const char *const *list)
{
	size_t used = 0;
	buf[0]      = '\0';
	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
		    list[i]);
		if (w < 0 || (size_t) w >= cap - used) {
			break;
		}
		used += (size_t) w;
	}
}

// The component named id, found in the sorted index, or NULL.
static gale_component_def *
validate_find(validate_ctx *v, gale_topology *t, const char *id)
{
	size_t i = gale__ids_find(v->ids, id);
	return i != SIZE_MAX ? &t->components[i] : NULL;
}

static const gale_stream_decl *
validate_outputs(const gale_component_def *c)
{
	return gale_component_outputs(c);
}

const gale_stream_decl *
gale_component_outputs(const gale_component_def *c)
{
	if (c->declared != NULL) {
		return c->declared;
	}
	if (c->spout != NULL) {
		return c->spout->outputs;
	}
	if (c->bolt != NULL) {
		return c->bolt->outputs;
	}
	return NULL;
}

const gale_component_def *
gale_topology_component(const gale_topology *t, const char *id)
{
	for (size_t i = 0; i < t->ncomponents; i++) {
		if (t->components[i].id != NULL &&
		    strcmp(t->components[i].id, id) == 0) {
			return &t->components[i];
		}
	}
	return NULL;
}

const char *const *
gale_component_fields(const gale_component_def *c, const char *stream)
{
	static const char *const none[] = { NULL };
	const gale_stream_decl  *decl   = validate_outputs(c);
	if (stream == NULL) {
		stream = GALE_DEFAULT_STREAM;
	}
	for (; decl != NULL && decl->stream != NULL; decl++) {
		if (strcmp(decl->stream, stream) == 0) {
			return decl->fields != NULL ? decl->fields : none;
		}
	}
	return NULL;
}

// The path to dlopen for a component's library. With a libdir (where a
// supervisor puts the libraries shipped with a submission): the path under
// libdir, else the file name under libdir, else an absolute path as it is.
// Without one: absolute paths as they are, others relative to the
// directory of the file.
static char *
validate_library_path(const gale_topology *t, const char *library,
    const char *libdir)
{
	char *path = NULL;
	if (libdir != NULL) {
		const char *slash = strrchr(library, '/');
		const char *base  = slash != NULL ? slash + 1 : library;
		if (library[0] != '/') {
			if (asprintf(&path, "%s/%s", libdir, library) < 0) {
				return NULL;
			}
			if (access(path, F_OK) == 0 || base == library) {
				return path;
			}
			free(path);
			path = NULL;
		}
		if (asprintf(&path, "%s/%s", libdir, base) < 0) {
			return NULL;
		}
		if (access(path, F_OK) == 0 || library[0] != '/') {
			return path;
		}
		free(path);
		return strdup(library);
	}
	if (library[0] == '/') {
		return strdup(library);
	}
	const char *file  = t->file != NULL ? t->file : "";
	const char *slash = strrchr(file, '/');
	if (slash == NULL) {
		if (asprintf(&path, "./%s", library) < 0) {
			return NULL;
		}
	} else if (asprintf(&path, "%.*s/%s", (int) (slash - file), file,
	               library) < 0) {
		return NULL;
	}
	return path;
}

static void
validate_resolve(validate_ctx *v, gale_topology *t, size_t i,
    const char *libdir)
{
	gale_component_def         *c    = &t->components[i];
	const gale_component_marks *m    = gale__topology_component_marks(t, i);
	const char                 *kind = c->is_spout ? "spout" : "bolt";
	char                        err[512];
	const gale_component       *found = NULL;

	c->spout = NULL;
	c->bolt  = NULL;
	if (c->component == NULL) {
		return;
	}
	char *path = NULL;
	if (c->shared_lib != NULL) {
		path = validate_library_path(t, c->shared_lib, libdir);
		if (path == NULL) {
			gale__report_error(&v->rep, NULL, "out of memory");
			return;
		}
	}
	err[0]      = '\0';
	gale_err rv =
	    v->r->find(path, c->component, &found, err, sizeof(err));
	if (rv != GALE_OK) {
		// The reason quotes the file's own text (names, paths): keep
		// the message on one line.
		for (char *e = err; *e != '\0'; e++) {
			if ((unsigned char) *e < 0x20 || *e == 0x7f) {
				*e = '?';
			}
		}
		const gale_where *at = &m->component;
		if (c->shared_lib != NULL &&
		    strncmp(err, "cannot load", strlen("cannot load")) == 0) {
			at = &m->shared_lib;
		}
		const char *best = NULL;
		if (c->shared_lib == NULL) {
			gale_suggest s;
			gale__suggest_init(&s, c->component);
			const char *name;
			for (size_t b = 0; (name = v->r->builtin_name(b)) != NULL;
			     b++) {
				gale__suggest_add(&s, name);
			}
			best = gale__suggest_best(&s);
		}
		if (best != NULL) {
			gale__report_error(&v->rep, at,
			    "%s '%s': %s; did you mean '%s'?", kind, c->id,
			    err, best);
		} else if (c->shared_lib == NULL) {
			gale__report_error(&v->rep, at,
			    "%s '%s': %s (a component from a shared library "
			    "needs 'library:')",
			    kind, c->id, err);
		} else {
			gale__report_error(
			    &v->rep, at, "%s '%s': %s", kind, c->id, err);
		}
		free(path);
		return;
	}
	free(path);
	if (c->is_spout && found->spout == NULL) {
		gale__report_error(&v->rep, &m->component,
		    "spout '%s': '%s' is a bolt; list it under 'bolts'", c->id,
		    gale__report_show(&v->rep, c->component));
		return;
	}
	if (!c->is_spout && found->bolt == NULL) {
		gale__report_error(&v->rep, &m->component,
		    "bolt '%s': '%s' is a spout; list it under 'spouts'",
		    c->id, gale__report_show(&v->rep, c->component));
		return;
	}
	// A built-in may be both (shell): the definition says which it is.
	c->spout = c->is_spout ? found->spout : NULL;
	c->bolt  = c->is_spout ? NULL : found->bolt;
}

// The declaration of the option named name in decls, or NULL.
static const gale_option_decl *
validate_option_decl(const gale_option_decl *decls, const char *name)
{
	for (; decls->name != NULL; decls++) {
		// "prefix.*" declares every option under prefix, such as the
		// kafka.* settings passed through to a client library.
		size_t n = strlen(decls->name);
		if (n >= 2 && strcmp(decls->name + n - 2, ".*") == 0
		    && strncmp(decls->name, name, n - 1) == 0
		    && name[n - 1] != '\0') {
			return decls;
		}
		if (strcmp(decls->name, name) == 0) {
			return decls;
		}
	}
	return NULL;
}

// Checks value against the type of decl; on failure writes why.
static bool
validate_option_value(const gale_option_decl *decl, const char *value,
    char *why, size_t whylen)
{
	int64_t i;
	double  f;
	bool    b;
	switch (decl->type) {
	case GALE_OPTION_INT:
		return gale__parse_i64(value, INT64_MIN, INT64_MAX, &i, why,
			   whylen)
		    == GALE_OK;
	case GALE_OPTION_FLOAT:
		return gale__parse_f64(value, &f, why, whylen) == GALE_OK;
	case GALE_OPTION_BOOL:
		return gale__parse_bool(value, &b, why, whylen) == GALE_OK;
	case GALE_OPTION_DURATION:
		return gale__parse_duration(value, 1, &f, why, whylen)
		    == GALE_OK;
	case GALE_OPTION_STRING:
	case GALE_OPTION_LIST:
		return true;
	}
	snprintf(why, whylen, "the component declares an unknown type %d",
	    (int) decl->type);
	return false;
}

// The component's check of "prefix.*" options, or NULL.
static gale_err (*validate_option_hook(const gale_component_def *c))(
    const char *, const char *, char *, size_t)
{
	if (c->spout != NULL) {
		return c->spout->check_option;
	}
	return c->bolt != NULL ? c->bolt->check_option : NULL;
}

// Reports one option a component does not take, or whose value is not of
// its type, or that the component's check_option refuses: at its place in
// the file, or naming the `--set` argument that gave it (line 0).
static void
validate_option(validate_ctx *v, const gale_component_def *c,
    const gale_option_decl *decls, const gale_option *o)
{
	const char *kind = c->is_spout ? "spout" : "bolt";
	const gale_where *at  = o->where.line > 0 ? &o->where : NULL;
	char              from[GALE_REPORT_SHOW_LEN * 2 + 16];
	from[0] = '\0';
	if (at == NULL) {
		snprintf(from, sizeof(from), "--set '%s.%s=%s': ", c->id,
		    gale__report_show(&v->rep, o->key),
		    gale__report_show(&v->rep, o->value));
	}
	const gale_option_decl *decl = validate_option_decl(decls, o->key);
	if (decl == NULL) {
		const char *best = NULL;
		if (!gale__report_muted(&v->rep)) {
			gale_suggest s;
			gale__suggest_init(&s, o->key);
			for (const gale_option_decl *d = decls; d->name != NULL;
			     d++) {
				gale__suggest_add(&s, d->name);
			}
			best = gale__suggest_best(&s);
		}
		char list[400];
		size_t used = 0;
		list[0]     = '\0';
		for (const gale_option_decl *d = decls; d->name != NULL; d++) {
			int w = snprintf(list + used, sizeof(list) - used,
			    "%s%s", used ? ", " : "", d->name);
			if (w < 0 || (size_t) w >= sizeof(list) - used) {
				break;
			}
			used += (size_t) w;
		}
		gale__report_error(&v->rep, at,
		    "%s%s '%s': '%s' takes no option '%s' (%s%s)%s", from,
		    kind, c->id, gale__report_show(&v->rep, c->component),
		    gale__report_show(&v->rep, o->key),
		    used ? "it takes: " : "it takes no options", list,
		    gale__report_hint(&v->rep, best));
		return;
	}
	char why[256];
	why[0] = '\0';
	if (!validate_option_value(decl, o->value, why, sizeof(why))) {
		static const char *const types[] = { "a value", "a string",
			"an integer", "a number", "a boolean", "a duration",
			"a list" };
		const char *type = (unsigned) decl->type < 7
		    ? types[decl->type]
		    : types[0];
		gale__report_error(&v->rep, at,
		    "%s%s '%s': option '%s' must be %s: %s", from, kind,
		    c->id, decl->name, type, why);
		return;
	}
	size_t n = strlen(decl->name);
	gale_err (*check)(const char *, const char *, char *, size_t)
	    = validate_option_hook(c);
	if (check != NULL && n >= 2 && strcmp(decl->name + n - 2, ".*") == 0
	    && check(o->key, o->value, why, sizeof(why)) != GALE_OK) {
		gale__report_error(&v->rep, at, "%s%s '%s': option '%s': %s",
		    from, kind, c->id, gale__report_show(&v->rep, o->key),
		    why[0] != '\0' ? why : "refused by the component");
	}
}

// Checks the options of component i against the table its ops declare;
// a component that declares none takes any option.
static void
validate_options(validate_ctx *v, gale_topology *t, size_t i)
{
	const gale_component_def *c     = &t->components[i];
	const gale_option_decl   *decls = NULL;
	if (c->spout != NULL) {
		decls = c->spout->options;
	} else if (c->bolt != NULL) {
		decls = c->bolt->options;
	}
	if (decls == NULL) {
		return;
	}
	for (size_t k = 0; k < c->noptions; k++) {
		validate_option(v, c, decls, &c->options[k]);
	}
}

static void
validate_stream(validate_ctx *v, gale_topology *t, size_t k)
{
	const gale_stream_def   *s = &t->streams[k];
	const gale_stream_marks *m = gale__topology_stream_marks(t, k);
	if (s->from == NULL || s->to == NULL) {
		return;
	}
	const gale_component_def *src = validate_find(v, t, s->from);
	if (src == NULL || (src->spout == NULL && src->bolt == NULL)) {
		return; // Reported by the parser or by resolution.
	}
	char label[200];
	snprintf(label, sizeof(label), "stream '%s' -> '%s'", s->from, s->to);
	const char *const *fields = gale_component_fields(src, s->stream);
	if (fields == NULL) {
		const gale_stream_decl *decl = validate_outputs(src);
		char                    list[400];
		size_t                  used = 0;
		list[0]                      = '\0';
		for (; decl != NULL && decl->stream != NULL; decl++) {
			int w = snprintf(list + used, sizeof(list) - used,
			    "%s%s", used ? ", " : "", decl->stream);
			if (w < 0 || (size_t) w >= sizeof(list) - used) {
				break;
			}
			used += (size_t) w;
		}
		gale__report_error(&v->rep, &m->stream,
		    "%s: '%s' declares no output stream '%s' (%s%s)", label,
		    s->from, gale__report_show(&v->rep, s->stream),
		    used ? "it declares: " : "it declares no output streams",
		    list);
		return;
	}
	if (s->grouping != GALE_GROUP_FIELDS) {
		return;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		bool known = false;
		for (size_t j = 0; fields[j] != NULL && !known; j++) {
			known = strcmp(fields[j], s->fields[i]) == 0;
		}
		if (known) {
			continue;
		}
		char list[400];
		validate_join(list, sizeof(list), fields);
		gale__report_error(&v->rep, &m->fields[i],
		    "%s: FIELDS argument '%s' is not a field of stream '%s' "
		    "of "
		    "'%s' (declared fields: %s)",
		    label, gale__report_show(&v->rep, s->fields[i]),
		    gale__report_show(&v->rep, s->stream), s->from,
		    fields[0] != NULL ? list : "none");
	}
}

static const gale_option *
validate_find_option(const gale_component_def *c, const char *name)
{
	for (size_t i = 0; i < c->noptions; i++) {
		if (strcmp(c->options[i].key, name) == 0) {
			return &c->options[i];
		}
	}
	return NULL;
}

// A window length or slide written as a duration, in seconds; false for
// a count, or for what the runtime reports when the bolt prepares.
static bool
validate_window_secs(const gale_option *o, double *secs)
{
	uint64_t count;
	return o != NULL
	    && gale__parse_u64(o->value, UINT64_MAX, &count, NULL, 0)
		!= GALE_OK
	    && gale__parse_duration(o->value, 1, secs, NULL, 0) == GALE_OK;
}

// A duration window holds a tuple for up to its length plus its slide
// before acking it: a shorter message timeout would fail every tree that
// goes through it, as Storm says at submit.
static void
validate_window_timeout(validate_ctx *v, const gale_topology *t,
    const gale_component_def *c)
{
	const gale_bolt_ops *ops = c->bolt;
	if (ops == NULL || ops->execute_window == NULL
	    || gale_topology_config_i64(t, "topology.acker.executors", 1)
		== 0) {
		return;
	}
	const char *lname = ops->window_length_option != NULL
	    ? ops->window_length_option
	    : "window.length";
	const char *sname = ops->window_slide_option != NULL
	    ? ops->window_slide_option
	    : "window.slide";
	const gale_option *len   = validate_find_option(c, lname);
	const gale_option *slide = validate_find_option(c, sname);
	double             lsecs, ssecs;
	if (!validate_window_secs(len, &lsecs)) {
		return;
	}
	if (slide == NULL) {
		ssecs = lsecs;
	} else if (!validate_window_secs(slide, &ssecs)) {
		return;
	}
	int64_t timeout
	    = gale_topology_config_i64(t, "topology.message.timeout.secs", 30);
	if ((double) timeout >= lsecs + ssecs) {
		return;
	}
	gale__report_error(&v->rep, &len->where,
	    "bolt '%s': topology.message.timeout.secs (%lld) is shorter than "
	    "the window's length plus its slide (%s + %s = %gs): its tuples "
	    "would time out before they leave the window",
	    c->id, (long long) timeout, gale__report_show(&v->rep, len->value),
	    slide != NULL ? gale__report_show(&v->rep, slide->value)
			  : gale__report_show(&v->rep, len->value),
	    lsecs + ssecs);
}

gale_err
gale_topology_validate(gale_topology *t, const char *libdir,
    const gale_resolver *r, gale_diag *d)
{
	assert(r != NULL && r->find != NULL && r->builtin_name != NULL);
	validate_ctx v = { .r = r };
	gale__report_init(&v.rep, t->file, d);
	for (size_t i = 0; i < t->ncomponents; i++) {
		validate_resolve(&v, t, i, libdir);
		validate_options(&v, t, i);
	}
	// The parser made sure ids are unique, so the index finds a stream's
	// source in O(log n) however large the topology is.
	if (gale__ids_new(&v.ids, t) != GALE_OK) {
		gale_diag_add(d, v.rep.file, NULL, "out of memory");
		return GALE_ENOMEM;
	}
	for (size_t k = 0; k < t->nstreams; k++) {
		validate_stream(&v, t, k);
	}
	for (size_t i = 0; i < t->ncomponents; i++) {
		validate_window_timeout(&v, t, &t->components[i]);
	}
	gale__ids_destroy(&v.ids);
	return gale__report_failed(&v.rep) ? GALE_EINVAL : GALE_OK;
}
