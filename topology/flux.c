// SPDX-License-Identifier: MIT
// flux.c - Storm Flux's component forms read into gale's.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "topology/config_keys.h"
#include "topology/flux.h"
#include "topology/overrides.h"
#include "topology/yaml_json.h"

#define FLUX_SHELL_SPOUT "org.apache.storm.flux.wrappers.spouts.FluxShellSpout"
#define FLUX_SHELL_BOLT "org.apache.storm.flux.wrappers.bolts.FluxShellBolt"
#define FLUX_ADD_CONFIG "addComponentConfig"

// Storm classes Flux files wire in, and the built-ins that do their job.
static const struct {
	const char *class_name;
	const char *component;
	bool        spout;
} flux_classes[] = {
	{ FLUX_SHELL_SPOUT, GALE_SHELL_COMPONENT, true },
	{ FLUX_SHELL_BOLT, GALE_SHELL_COMPONENT, false },
	{ "org.apache.storm.testing.TestWordSpout", "random_words", true },
	{ "org.apache.storm.testing.TestWordCounter", "word_count", false },
	{ "org.apache.storm.flux.wrappers.bolts.LogInfoBolt", "log", false },
};
#define NFLUX_CLASSES (sizeof(flux_classes) / sizeof(flux_classes[0]))

const char *
gale__flux_class_component(const char *class_name, bool spout)
{
	for (size_t i = 0; i < NFLUX_CLASSES; i++) {
		if (strcmp(flux_classes[i].class_name, class_name) == 0
		    && flux_classes[i].spout == spout) {
			return flux_classes[i].component;
		}
	}
	return NULL;
}

static bool
flux_is_shell(const char *class_name)
{
	return strcmp(class_name, FLUX_SHELL_SPOUT) == 0
	    || strcmp(class_name, FLUX_SHELL_BOLT) == 0;
}

// A list of non-empty strings, or false after reporting why not.
static bool
flux_str_list(gale_report *r, const gale_yaml_node *v, const char *label,
    const char *what, bool nonempty)
{
	if (v->kind == GALE_YAML_BAD) {
		return false;
	}
	if (v->kind != GALE_YAML_SEQ) {
		gale__report_error(r, &v->at,
		    "%s: %s must be a list, found %s", label, what,
		    gale__yaml_kind_name(v));
		return false;
	}
	if (nonempty && v->n == 0) {
		gale__report_error(r, &v->at, "%s: %s is empty", label, what);
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < v->n; i++) {
		const gale_yaml_node *e = v->kids[i];
		if (e->kind == GALE_YAML_BAD) {
			ok = false;
		} else if (e->kind != GALE_YAML_SCALAR || e->is_null
		    || e->len == 0) {
			gale__report_error(r, &e->at,
			    "%s: %s must hold non-empty strings, found %s",
			    label, what,
			    e->kind == GALE_YAML_SCALAR
				? "an empty one"
				: gale__yaml_kind_name(e));
			ok = false;
		}
	}
	return ok;
}

// Adds option key with the JSON text of v, at v.
static bool
flux_put_json(gale_component_def *c, const char *key, const gale_yaml_node *v)
{
	char *json = gale__yaml_json(v);
	if (json == NULL) {
		return false;
	}
	gale_err rv = gale__option_put(&c->options, &c->noptions, key, json);
	free(json);
	if (rv != GALE_OK) {
		return false;
	}
	for (size_t i = 0; i < c->noptions; i++) {
		if (strcmp(c->options[i].key, key) == 0) {
			c->options[i].where = v->at;
			c->options[i].json  = true;
		}
	}
	return true;
}

bool
gale__flux_class(gale_report *r, gale_component_def *c,
    const gale_yaml_node *v, const gale_yaml_node *args, const char *label)
{
	const char *cls = gale__yaml_want_str(r, v, label, "className");
	if (cls == NULL) {
		return true;
	}
	const char *comp = gale__flux_class_component(cls, c->is_spout);
	if (comp == NULL && gale__flux_class_component(cls, !c->is_spout)) {
		gale__report_error(r, &v->at,
		    "%s: '%s' is a %s; list it under '%s'", label,
		    gale__report_show(r, cls), c->is_spout ? "bolt" : "spout",
		    c->is_spout ? "bolts" : "spouts");
		return true;
	}
	if (comp == NULL) {
		gale__report_error(r, &v->at,
		    "%s: '%s' is a Java class; gale runs shell components, "
		    "built-ins and C libraries",
		    label, gale__report_show(r, cls));
		return true;
	}
	c->component = strdup(comp);
	if (c->component == NULL) {
		return false;
	}
	bool has_args = args != NULL && args->kind != GALE_YAML_BAD
	    && !(args->kind == GALE_YAML_SCALAR && args->is_null);
	if (!flux_is_shell(cls)) {
		if (has_args) {
			gale__report_warn(r, &args->at,
			    "%s: 'constructorArgs' of '%s' are not used by "
			    "gale (it runs the built-in '%s')",
			    label, gale__report_show(r, cls), comp);
		}
		return true;
	}
	// FluxShellSpout and FluxShellBolt take (command, output fields).
	if (!has_args) {
		gale__report_error(r, &v->at,
		    "%s: '%s' needs 'constructorArgs': [[command, args...], "
		    "[field, ...]]",
		    label, gale__report_show(r, cls));
		return true;
	}
	if (args->kind != GALE_YAML_SEQ || args->n < 1 || args->n > 2) {
		gale__report_error(r, &args->at,
		    "%s: 'constructorArgs' of a shell component is a list of "
		    "two lists: [[command, args...], [field, ...]]",
		    label);
		return true;
	}
	const gale_yaml_node *cmd    = args->kids[0];
	const gale_yaml_node *fields = args->n > 1 ? args->kids[1] : NULL;
	if (flux_str_list(r, cmd, label, "the command", true)
	    && !flux_put_json(c, "command", cmd)) {
		return false;
	}
	if (fields != NULL
	    && flux_str_list(r, fields, label, "the output fields", false)
	    && !flux_put_json(c, "fields", fields)) {
		return false;
	}
	return gale__flux_declare(r, c, fields, NULL, label);
}

void
gale__flux_declared_free(gale_stream_decl *d)
{
	if (d == NULL) {
		return;
	}
	for (gale_stream_decl *s = d; s->stream != NULL; s++) {
		char **f = (char **) s->fields;
		for (size_t i = 0; f != NULL && f[i] != NULL; i++) {
			free(f[i]);
		}
		free(f);
		free((char *) s->stream);
	}
	free(d);
}

// Fills one declaration from a list of field names (already checked).
static bool
flux_decl(gale_stream_decl *d, const char *stream, const gale_yaml_node *v)
{
	char **f  = calloc(v->n + 1, sizeof(char *));
	d->stream = strdup(stream);
	d->fields = (const char *const *) f;
	if (f == NULL || d->stream == NULL) {
		return false;
	}
	for (size_t i = 0; i < v->n; i++) {
		if ((f[i] = strdup(v->kids[i]->str)) == NULL) {
			return false;
		}
	}
	return true;
}

bool
gale__flux_declare(gale_report *r, gale_component_def *c,
    const gale_yaml_node *fields, const gale_yaml_node *streams,
    const char *label)
{
	if (fields != NULL && fields->kind == GALE_YAML_SCALAR
	    && fields->is_null) {
		fields = NULL;
	}
	if (streams != NULL && streams->kind == GALE_YAML_SCALAR
	    && streams->is_null) {
		streams = NULL;
	}
	bool fields_ok = fields != NULL
	    && flux_str_list(r, fields, label, "option 'fields'", false);
	size_t nstreams = 0;
	if (streams != NULL && streams->kind != GALE_YAML_BAD
	    && streams->kind != GALE_YAML_MAP) {
		gale__report_error(r, &streams->at,
		    "%s: option 'streams' must be a mapping of stream name to "
		    "a list of fields, found %s",
		    label, gale__yaml_kind_name(streams));
	} else if (streams != NULL && streams->kind == GALE_YAML_MAP) {
		nstreams = streams->n / 2;
	}
	gale__flux_declared_free(c->declared);
	c->declared = calloc(nstreams + 2, sizeof(gale_stream_decl));
	if (c->declared == NULL) {
		return false;
	}
	size_t n = 0;
	if (fields_ok
	    && !flux_decl(&c->declared[n++], GALE_DEFAULT_STREAM, fields)) {
		return false;
	}
	for (size_t i = 0; i < nstreams; i++) {
		const gale_yaml_node *k = streams->kids[2 * i];
		const gale_yaml_node *v = streams->kids[2 * i + 1];
		if (k->kind != GALE_YAML_SCALAR || k->len == 0) {
			continue;
		}
		char what[GALE_REPORT_SHOW_LEN + 32];
		snprintf(what, sizeof(what), "stream '%s'",
		    gale__report_show(r, k->str));
		if (fields_ok && strcmp(k->str, GALE_DEFAULT_STREAM) == 0) {
			gale__report_error(r, &k->at,
			    "%s: the default stream is declared by both "
			    "'fields' and 'streams'",
			    label);
			continue;
		}
		if (flux_str_list(r, v, label, what, false)
		    && !flux_decl(&c->declared[n++], k->str, v)) {
			return false;
		}
	}
	if (n == 0) {
		// It declares nothing: it emits nothing, like a sink bolt.
		free(c->declared);
		c->declared = calloc(1, sizeof(gale_stream_decl));
		return c->declared != NULL;
	}
	return true;
}

bool
gale__flux_shell_options(gale_report *r, gale_component_def *c,
    const gale_yaml_node *options, const gale_where *at, const char *label)
{
	const gale_yaml_node *cmd
	    = options != NULL ? gale__yaml_map_find(options, "command") : NULL;
	if (cmd == NULL) {
		gale__report_error(r, at,
		    "%s: a shell component needs option 'command', the "
		    "program and its arguments: [python3, split.py]",
		    label);
	} else {
		flux_str_list(r, cmd, label, "option 'command'", true);
	}
	if (options == NULL) {
		return true;
	}
	return gale__flux_declare(r, c, gale__yaml_map_find(options, "fields"),
	    gale__yaml_map_find(options, "streams"), label);
}

bool
gale__flux_is_shell_class(const gale_yaml_node *v)
{
	return v != NULL && v->kind == GALE_YAML_SCALAR && !v->is_null
	    && flux_is_shell(v->str);
}

// Declares stream with the fields of list v (checked) on c, in place of
// an earlier declaration of the same name.
static bool
flux_redeclare(gale_component_def *c, const char *stream,
    const gale_yaml_node *v)
{
	size_t n = 0, at;
	while (c->declared != NULL && c->declared[n].stream != NULL) {
		n++;
	}
	for (at = 0; at < n; at++) {
		if (strcmp(c->declared[at].stream, stream) == 0) {
			break;
		}
	}
	if (at == n) {
		gale_stream_decl *d
		    = realloc(c->declared, (n + 2) * sizeof(*d));
		if (d == NULL) {
			return false;
		}
		c->declared = d;
		memset(&d[n], 0, 2 * sizeof(*d));
	} else {
		// Free the old declaration's strings, keep its slot.
		gale_stream_decl old = c->declared[at];
		char **f = (char **) old.fields;
		for (size_t i = 0; f != NULL && f[i] != NULL; i++) {
			free(f[i]);
		}
		free(f);
		free((char *) old.stream);
		c->declared[at] = (gale_stream_decl) { 0 };
	}
	return flux_decl(&c->declared[at], stream, v);
}

bool
gale__flux_shell_methods(gale_report *r, gale_component_def *c,
    const gale_yaml_node *methods, const char *label)
{
	if (methods == NULL || methods->kind == GALE_YAML_BAD
	    || (methods->kind == GALE_YAML_SCALAR && methods->is_null)) {
		return true;
	}
	char mlabel[160];
	snprintf(mlabel, sizeof(mlabel), "%s: configMethods", label);
	if (methods->kind != GALE_YAML_SEQ) {
		gale__report_error(r, &methods->at,
		    "%s must be a list of {name, args}, found %s", mlabel,
		    gale__yaml_kind_name(methods));
		return true;
	}
	for (size_t i = 0; i < methods->n; i++) {
		const gale_yaml_node *m = methods->kids[i];
		if (m->kind != GALE_YAML_MAP) {
			if (m->kind != GALE_YAML_BAD) {
				gale__report_error(r, &m->at,
				    "%s: each method is a mapping {name, "
				    "args}, found %s",
				    mlabel, gale__yaml_kind_name(m));
			}
			continue;
		}
		const gale_yaml_node *name = gale__yaml_map_find(m, "name");
		const gale_yaml_node *args = gale__yaml_map_find(m, "args");
		const char *n = gale__yaml_want_str(r, name, mlabel, "name");
		if (name == NULL) {
			gale__report_error(
			    r, &m->at, "%s: a method needs a 'name'", mlabel);
			continue;
		}
		if (n == NULL) {
			continue;
		}
		bool dflt  = strcmp(n, "setDefaultStream") == 0;
		bool named = strcmp(n, "setNamedStream") == 0;
		if (strcmp(n, FLUX_ADD_CONFIG) == 0) {
			continue; // gale__flux_shell_config's
		}
		if (!dflt && !named) {
			gale__report_error(r, &name->at,
			    "%s: '%s' is Java-only; gale reads "
			    "setDefaultStream([field, ...]), "
			    "setNamedStream(name, [field, ...]) and "
			    "addComponentConfig(key, value) of a shell "
			    "component",
			    mlabel, gale__report_show(r, n));
			continue;
		}
		size_t want = dflt ? 1 : 2;
		if (args == NULL || args->kind != GALE_YAML_SEQ
		    || args->n != want) {
			gale__report_error(r, args != NULL ? &args->at : &m->at,
			    "%s: '%s' takes 'args': %s", mlabel, n,
			    dflt ? "[[field, ...]]"
				 : "[stream, [field, ...]]");
			continue;
		}
		const char *stream = GALE_DEFAULT_STREAM;
		if (named) {
			const gale_yaml_node *sv = args->kids[0];
			if (sv->kind != GALE_YAML_SCALAR || sv->is_null
			    || sv->len == 0) {
				gale__report_error(r, &sv->at,
				    "%s: the first argument of "
				    "'setNamedStream' is the stream's name, "
				    "found %s",
				    mlabel,
				    sv->kind == GALE_YAML_SCALAR
					? "an empty one"
					: gale__yaml_kind_name(sv));
				continue;
			}
			stream = sv->str;
		}
		const gale_yaml_node *fields = args->kids[want - 1];
		char what[GALE_REPORT_SHOW_LEN + 32];
		snprintf(what, sizeof(what), "the fields of stream '%s'",
		    gale__report_show(r, stream));
		if (flux_str_list(r, fields, mlabel, what, false)
		    && !flux_redeclare(c, stream, fields)) {
			return false;
		}
	}
	return true;
}

// Sets key to the text (a scalar) or the JSON text (a list) of v in c's
// own config, in place of an earlier value.
static bool
flux_config_put(gale_component_def *c, const char *key,
    const gale_yaml_node *v)
{
	bool  json = v->kind != GALE_YAML_SCALAR;
	char *text = json ? gale__yaml_json(v) : strdup(v->str);
	if (text == NULL) {
		return false;
	}
	for (size_t i = 0; i < c->nconfig; i++) {
		if (strcmp(c->config[i].key, key) == 0) {
			free(c->config[i].value);
			c->config[i].value = text;
			c->config[i].json  = json;
			c->config[i].where = v->at;
			return true;
		}
	}
	gale_option *o = realloc(c->config, (c->nconfig + 1) * sizeof(*o));
	if (o == NULL) {
		free(text);
		return false;
	}
	c->config = o;
	o         = &c->config[c->nconfig];
	memset(o, 0, sizeof(*o));
	if ((o->key = strdup(key)) == NULL) {
		free(text);
		return false;
	}
	o->value = text;
	o->json  = json;
	o->where = v->at;
	c->nconfig++;
	return true;
}

bool
gale__flux_shell_config(gale_report *r, gale_component_def *c,
    const gale_yaml_node *methods, const char *label)
{
	if (methods == NULL || methods->kind != GALE_YAML_SEQ) {
		return true; // reported by gale__flux_shell_methods
	}
	char mlabel[160];
	snprintf(mlabel, sizeof(mlabel), "%s: configMethods", label);
	for (size_t i = 0; i < methods->n; i++) {
		const gale_yaml_node *m = methods->kids[i];
		const gale_yaml_node *name
		    = m->kind == GALE_YAML_MAP ? gale__yaml_map_find(m, "name")
					       : NULL;
		if (name == NULL || name->kind != GALE_YAML_SCALAR
		    || strcmp(name->str, FLUX_ADD_CONFIG) != 0) {
			continue;
		}
		const gale_yaml_node *args = gale__yaml_map_find(m, "args");
		if (args == NULL || args->kind != GALE_YAML_SEQ || args->n != 2
		    || args->kids[0]->kind != GALE_YAML_SCALAR
		    || args->kids[0]->is_null || args->kids[0]->len == 0
		    || args->kids[1]->kind == GALE_YAML_MAP
		    || args->kids[1]->kind == GALE_YAML_BAD) {
			gale__report_error(r, args != NULL ? &args->at : &m->at,
			    "%s: '%s' takes 'args': [key, value] (a value or "
			    "a list)",
			    mlabel, FLUX_ADD_CONFIG);
			continue;
		}
		const char           *key = args->kids[0]->str;
		const gale_yaml_node *v   = args->kids[1];
		const gale_config_key *k  = gale__config_key_find(key);
		if (k != NULL && v->kind != GALE_YAML_SCALAR) {
			gale__report_error(r, &v->at,
			    "%s: '%s' must be a scalar, found %s", mlabel,
			    k->name, gale__yaml_kind_name(v));
			continue;
		}
		char err[256];
		if (k != NULL && !v->is_null
		    && !gale__config_check(k, v->str, err, sizeof(err))) {
			gale__report_error(r, &v->at, "%s: %s", mlabel, err);
			continue;
		}
		if (k == NULL && gale__storm_key_known(key)) {
			gale__report_warn(r, &args->kids[0]->at,
			    "%s: '%s' is a Storm key not used by gale", mlabel,
			    key);
			continue;
		}
		if (v->kind == GALE_YAML_SCALAR && v->is_null) {
			continue; // Storm's null: the default applies.
		}
		// Any other key is the script's own, in its handshake's conf.
		if (!flux_config_put(c, key, v)) {
			return false;
		}
	}
	return true;
}

void
gale__flux_java_only(
    gale_report *r, const gale_yaml_node *k, const char *label)
{
	const char *why = "builds Java objects";
	if (strcmp(k->str, "configMethods") == 0) {
		why = "calls methods of a Java object";
	} else if (strcmp(k->str, "factory") == 0
	    || strcmp(k->str, "factoryArgs") == 0) {
		why = "calls a Java factory method";
	} else if (strcmp(k->str, "properties") == 0) {
		why = "sets fields of a Java object";
	} else if (strcmp(k->str, "topologySource") == 0) {
		why = "builds the topology in Java";
	} else if (strcmp(k->str, "customClass") == 0) {
		why = "names a Java grouping class";
	}
	gale__report_error(r, &k->at,
	    "%s: '%s' is Java-only (it %s); gale runs shell components, "
	    "built-ins and C libraries, configured with 'options'",
	    label, k->str, why);
}

void
gale__flux_resources(
    gale_report *r, const gale_yaml_node *const *vals, const char *label)
{
	static const char *const keys[] = { GALE_FLUX_RESOURCE_KEYS };
	for (size_t i = 0; i < GALE_FLUX_NRESOURCE_KEYS; i++) {
		const gale_yaml_node *v = vals[i];
		if (v == NULL || v->kind == GALE_YAML_BAD
		    || (v->kind == GALE_YAML_SCALAR && v->is_null)) {
			continue; // absent, reported, or Storm's null
		}
		double x;
		if (v->kind != GALE_YAML_SCALAR || v->is_null
		    || gale__parse_f64(v->str, &x, NULL, 0) != GALE_OK
		    || x < 0) {
			gale__report_error(r, &v->at,
			    "%s: '%s' must be a number, at least 0", label,
			    keys[i]);
			continue;
		}
		gale__report_warn(r, &v->at,
		    "%s: '%s' is not used by gale (it does not schedule by "
		    "resources)",
		    label, keys[i]);
	}
}

void
gale__flux_component_config(gale_report *r, const gale_yaml_node *map,
    const gale_component_def *c, const char *key_label)
{
	// A shell component's own config reaches its script, as Storm's.
	if (map == NULL || map->kind != GALE_YAML_MAP
	    || (c->component != NULL
		&& strcmp(c->component, GALE_SHELL_COMPONENT) == 0)) {
		return;
	}
	bool spout = c->is_spout;
	const char *own = spout ? "topology.max.spout.pending"
				: "topology.tick.tuple.freq.secs";
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k = map->kids[i];
		if (k->kind != GALE_YAML_SCALAR
		    || gale__config_key_find(k->str) == NULL
		    || strcmp(k->str, own) == 0
		    || strcmp(k->str, "topology.debug") == 0) {
			continue;
		}
		gale__report_warn(r, &k->at,
		    "%s: '%s' is not used in a %s's own config: gale reads it "
		    "from the topology's 'config:' (a %s's own config takes "
		    "'%s' and 'topology.debug')",
		    key_label, gale__report_show(r, k->str),
		    spout ? "spout" : "bolt", spout ? "spout" : "bolt", own);
	}
}
