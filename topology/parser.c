// SPDX-License-Identifier: MIT
// parser.c - reads topology definitions (YAML shaped like Storm Flux files)
// into the model, reporting every problem with its position.
//
// The text is read in two steps. libyaml's events become a small tree of
// nodes, which is where nesting depth, node count, aliases, non-scalar keys
// and duplicate keys are refused. The tree is then walked to fill the model,
// and the structure (ids, stream endpoints, cycles) is checked. Problems are
// collected, not stopped at, so one run reports all of them.

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "topology/config_keys.h"
#include "topology/model.h"
#include "topology/parser.h"
#include "topology/suggest.h"

// A topology with the parser's marks. The public part comes first, so the
// gale_topology pointer handed out is the address of the whole.
typedef struct topo_full {
	gale_topology         pub;
	gale_component_marks *cmarks; // [pub.ncomponents]
	gale_stream_marks    *smarks; // [pub.nstreams]
} topo_full;

typedef enum {
	YN_SCALAR = 1,
	YN_SEQ,
	YN_MAP,
	YN_BAD, // already reported: walkers skip it silently
} ynode_kind;

// One YAML node. A mapping keeps keys and values alternating in kids.
typedef struct ynode ynode;
struct ynode {
	ynode_kind kind;
	bool       is_null; // a plain "", "~" or "null"
	gale_where at;
	char      *str; // scalars: NUL-terminated, without NULs inside
	size_t     len;
	ynode    **kids;
	size_t     n;
	size_t     cap;
};

#define PARSE_SHOW_BUFS 4
#define PARSE_SHOW_LEN 96

typedef struct parse_ctx {
	const char *file;
	gale_diag  *d;
	const char *text;
	size_t      len;
	size_t      nerrors;
	bool        failed;
	bool        oom;
	size_t      nnodes;
	char        show[PARSE_SHOW_BUFS][PARSE_SHOW_LEN];
	unsigned    nshow;
} parse_ctx;

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

// ---------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------

static void parse_error(parse_ctx *p, const gale_where *at, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

// Counts an error whose message is not recorded any more.
static void
parse_skip(parse_ctx *p)
{
	p->failed = true;
	if (p->nerrors == GALE_TOPOLOGY_MAX_ERRORS) {
		gale_diag_add(p->d, p->file, NULL,
		    "too many errors; stopping after %d",
		    GALE_TOPOLOGY_MAX_ERRORS);
		p->nerrors++;
	}
}

static void
parse_error(parse_ctx *p, const gale_where *at, const char *fmt, ...)
{
	p->failed = true;
	if (p->nerrors >= GALE_TOPOLOGY_MAX_ERRORS) {
		parse_skip(p);
		return;
	}
	char    msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gale_diag_add(p->d, p->file, at, "%s", msg);
	p->nerrors++;
}

// True once messages are no longer recorded, so that work done only to
// word a message (suggestions) can be skipped.
static bool
parse_muted(const parse_ctx *p)
{
	return p->nerrors >= GALE_TOPOLOGY_MAX_ERRORS;
}

// User text made fit for a message. Each call takes the next of a few
// buffers, so up to PARSE_SHOW_BUFS results can appear in one message.
static const char *
parse_show(parse_ctx *p, const char *s)
{
	char *buf = p->show[p->nshow++ % PARSE_SHOW_BUFS];
	return gale__suggest_show(buf, PARSE_SHOW_LEN, s);
}

// "; did you mean 'x'?" or "" (borrowed from p's buffers).
static const char *
parse_hint(parse_ctx *p, const char *best)
{
	if (best == NULL) {
		return "";
	}
	char *buf = p->show[p->nshow++ % PARSE_SHOW_BUFS];
	char  name[64];
	gale__suggest_show(name, sizeof(name), best);
	snprintf(buf, PARSE_SHOW_LEN, "; did you mean '%s'?", name);
	return buf;
}

static gale_where
parse_mark(yaml_mark_t m)
{
	gale_where w = { (int) m.line + 1, (int) m.column + 1 };
	return w;
}

// The position of byte offset off, counting columns in characters as
// libyaml does.
static gale_where
parse_offset_where(const parse_ctx *p, size_t off)
{
	gale_where w = { 1, 1 };
	if (off > p->len) {
		off = p->len;
	}
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char) p->text[i];
		if (c == '\n') {
			w.line++;
			w.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			w.col++;
		}
	}
	return w;
}

static const char *
parse_kind_name(const ynode *n)
{
	switch (n->kind) {
	case YN_SCALAR:
		return n->is_null ? "nothing" : "a scalar";
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	case YN_BAD:
		break;
	}
	return "an invalid value";
}

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
// YAML text to a tree of nodes
// ---------------------------------------------------------------------

static void
node_free(ynode *n)
{
	if (n == NULL) {
		return;
	}
	// Depth is bounded by GALE_TOPOLOGY_MAX_DEPTH, so recursion is safe.
	for (size_t i = 0; i < n->n; i++) {
		node_free(n->kids[i]);
	}
	free(n->kids);
	free(n->str);
	free(n);
}

static bool
node_push(ynode *parent, ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t  cap  = parent->cap ? parent->cap * 2 : 4;
		ynode **kids = realloc(parent->kids, cap * sizeof(*kids));
		if (kids == NULL) {
			return false;
		}
		parent->kids = kids;
		parent->cap  = cap;
	}
	parent->kids[parent->n++] = kid;
	return true;
}

static bool
node_is_null_text(const char *s, size_t len)
{
	return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int
node_key_cmp(const void *a, const void *b)
{
	const ynode *x = *(const ynode *const *) a;
	const ynode *y = *(const ynode *const *) b;
	size_t       n = x->len < y->len ? x->len : y->len;
	int          c = memcmp(x->str, y->str, n);
	if (c != 0) {
		return c;
	}
	if (x->len != y->len) {
		return x->len < y->len ? -1 : 1;
	}
	if (x->at.line != y->at.line) {
		return x->at.line < y->at.line ? -1 : 1;
	}
	return x->at.col < y->at.col ? -1 : (x->at.col > y->at.col);
}

// Refuses non-scalar keys and duplicate keys of a finished mapping. Bad keys
// are marked, so walkers see only the first of duplicates.
static void
node_check_map(parse_ctx *p, ynode *map)
{
	size_t  npairs = map->n / 2;
	ynode **keys   = malloc((npairs ? npairs : 1) * sizeof(*keys));
	if (keys == NULL) {
		p->oom = true;
		return;
	}
	size_t nkeys = 0;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		ynode *k = map->kids[i];
		if (k->kind == YN_SCALAR) {
			keys[nkeys++] = k;
		} else if (k->kind != YN_BAD) {
			parse_error(p, &k->at,
			    "a mapping key must be a scalar, found %s",
			    parse_kind_name(k));
			k->kind = YN_BAD;
		}
	}
	// Sorting keeps this O(n log n) however large the mapping is.
	qsort(keys, nkeys, sizeof(*keys), node_key_cmp);
	for (size_t i = 1; i < nkeys; i++) {
		size_t first = i;
		while (first > 0 && keys[first - 1]->len == keys[i]->len &&
		    memcmp(keys[first - 1]->str, keys[i]->str, keys[i]->len) ==
		        0) {
			first--;
		}
		if (first != i) {
			parse_error(p, &keys[i]->at,
			    "duplicate key '%s' (first at line %d, column %d)",
			    parse_show(p, keys[i]->str), keys[first]->at.line,
			    keys[first]->at.col);
		}
	}
	// Marked after the loop, so every duplicate is compared with the
	// first one.
	for (size_t i = 1; i < nkeys; i++) {
		if (keys[i - 1]->len == keys[i]->len &&
		    memcmp(keys[i - 1]->str, keys[i]->str, keys[i]->len) == 0) {
			keys[i]->kind = YN_BAD;
		}
	}
	free(keys);
}

static void
parse_yaml_error(parse_ctx *p, yaml_parser_t *yp)
{
	if (yp->error == YAML_MEMORY_ERROR) {
		p->oom = true;
		return;
	}
	const char *problem = yp->problem ? yp->problem : "invalid YAML";
	if (yp->error == YAML_READER_ERROR) {
		gale_where w = parse_offset_where(p, yp->problem_offset);
		if (yp->problem_value != -1) {
			parse_error(p, &w, "%s (byte 0x%02X); the file must be "
			    "UTF-8 text", problem,
			    (unsigned) yp->problem_value & 0xffu);
		} else {
			parse_error(p, &w, "%s; the file must be UTF-8 text",
			    problem);
		}
		return;
	}
	gale_where w = parse_mark(yp->problem_mark);
	if (yp->context != NULL) {
		gale_where c = parse_mark(yp->context_mark);
		parse_error(p, &w, "%s (%s at line %d, column %d)", problem,
		    yp->context, c.line, c.col);
	} else {
		parse_error(p, &w, "%s", problem);
	}
}

// Builds the tree of the text's only document into *root (NULL for a file
// without a document). Returns false after an error that leaves no tree
// worth walking.
static bool
parse_tree(parse_ctx *p, ynode **root)
{
	yaml_parser_t yp;
	ynode        *stack[GALE_TOPOLOGY_MAX_DEPTH];
	size_t        depth = 0;
	int           ndocs = 0;
	bool          ok    = true;
	bool          done  = false;

	*root = NULL;
	if (!yaml_parser_initialize(&yp)) {
		p->oom = true;
		return false;
	}
	yaml_parser_set_input_string(
	    &yp, (const unsigned char *) p->text, p->len);
	while (!done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			parse_yaml_error(p, &yp);
			ok = false;
			break;
		}
		gale_where  at     = parse_mark(ev.start_mark);
		ynode      *node   = NULL;
		const char *anchor = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				parse_error(p, &at,
				    "a second YAML document; a topology file "
				    "holds one");
				ok   = false;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			parse_error(p, &at,
			    "YAML aliases (*%s) are not supported",
			    parse_show(p, (const char *) ev.data.alias.anchor));
			node = calloc(1, sizeof(*node));
			if (node != NULL) {
				node->kind = YN_BAD;
			}
			break;
		case YAML_SCALAR_EVENT:
			anchor = (const char *) ev.data.scalar.anchor;
			node   = calloc(1, sizeof(*node));
			if (node == NULL) {
				break;
			}
			node->kind = YN_SCALAR;
			node->len  = ev.data.scalar.length;
			node->str  = malloc(node->len + 1);
			if (node->str == NULL) {
				free(node);
				node = NULL;
				break;
			}
			memcpy(node->str, ev.data.scalar.value, node->len);
			node->str[node->len] = '\0';
			node->is_null = ev.data.scalar.style ==
			        YAML_PLAIN_SCALAR_STYLE &&
			    node_is_null_text(node->str, node->len);
			if (memchr(node->str, '\0', node->len) != NULL) {
				parse_error(p, &at,
				    "a string may not contain NUL characters");
				node->kind = YN_BAD;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = ev.type == YAML_SEQUENCE_START_EVENT
			    ? (const char *) ev.data.sequence_start.anchor
			    : (const char *) ev.data.mapping_start.anchor;
			if (depth == GALE_TOPOLOGY_MAX_DEPTH) {
				parse_error(p, &at,
				    "nesting is deeper than %d levels",
				    GALE_TOPOLOGY_MAX_DEPTH);
				ok   = false;
				done = true;
				break;
			}
			node = calloc(1, sizeof(*node));
			if (node != NULL) {
				node->kind = ev.type == YAML_SEQUENCE_START_EVENT
				    ? YN_SEQ
				    : YN_MAP;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				depth--;
				if (stack[depth]->kind == YN_MAP) {
					node_check_map(p, stack[depth]);
				}
			}
			break;
		default:
			break;
		}
		bool collection = ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT;
		bool wants_node = ev.type == YAML_ALIAS_EVENT ||
		    ev.type == YAML_SCALAR_EVENT || collection;
		if (anchor != NULL) {
			parse_error(p, &at,
			    "YAML anchors (&%s) are not supported",
			    parse_show(p, anchor));
		}
		yaml_event_delete(&ev); // Clears ev, anchor included.
		if (!ok) {
			node_free(node);
			break;
		}
		if (!wants_node) {
			continue;
		}
		if (node == NULL) {
			p->oom = true;
			ok     = false;
			break;
		}
		if (++p->nnodes > GALE_TOPOLOGY_MAX_NODES) {
			parse_error(p, &at, "more than %u YAML nodes",
			    GALE_TOPOLOGY_MAX_NODES);
			node_free(node);
			ok = false;
			break;
		}
		node->at = at;
		if (depth == 0) {
			if (*root != NULL) {
				node_free(node); // Not reached: one document.
				continue;
			}
			*root = node;
		} else if (!node_push(stack[depth - 1], node)) {
			node_free(node);
			p->oom = true;
			ok     = false;
			break;
		}
		if (collection) {
			stack[depth++] = node;
		}
	}
	yaml_parser_delete(&yp);
	return ok;
}

// ---------------------------------------------------------------------
// Walking the tree
// ---------------------------------------------------------------------

// The value of key in map, or NULL.
static const ynode *
map_find(const ynode *map, const char *key)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const ynode *k = map->kids[i];
		if (k->kind == YN_SCALAR && strcmp(k->str, key) == 0) {
			return map->kids[i + 1];
		}
	}
	return NULL;
}

// Fills vals[i] with the value of known[i] (or NULL) and reports every
// other key as unknown, naming label.
static void
map_fields(parse_ctx *p, const ynode *map, const char *label,
    const char *const *known, size_t nknown, const ynode **vals)
{
	for (size_t j = 0; j < nknown; j++) {
		vals[j] = NULL;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const ynode *k = map->kids[i];
		if (k->kind != YN_SCALAR) {
			continue;
		}
		size_t j = 0;
		while (j < nknown && strcmp(known[j], k->str) != 0) {
			j++;
		}
		if (j < nknown) {
			vals[j] = map->kids[i + 1];
			continue;
		}
		if (parse_muted(p)) {
			parse_skip(p);
			continue;
		}
		gale_suggest s;
		gale__suggest_init(&s, k->str);
		char list[256] = "";
		for (j = 0; j < nknown; j++) {
			gale__suggest_add(&s, known[j]);
			size_t used = strlen(list);
			snprintf(list + used, sizeof(list) - used, "%s%s",
			    j ? ", " : "", known[j]);
		}
		const char *best = gale__suggest_best(&s);
		if (best != NULL) {
			parse_error(p, &k->at, "%s: unknown key '%s'%s", label,
			    parse_show(p, k->str), parse_hint(p, best));
		} else {
			parse_error(p, &k->at,
			    "%s: unknown key '%s' (known keys: %s)", label,
			    parse_show(p, k->str), list);
		}
	}
}

// A non-empty string value, or NULL after reporting why it is not one
// (nothing is reported for a missing or already reported value).
static const char *
want_str(parse_ctx *p, const ynode *v, const char *label, const char *key)
{
	if (v == NULL || v->kind == YN_BAD) {
		return NULL;
	}
	if (v->kind != YN_SCALAR) {
		parse_error(p, &v->at, "%s: '%s' must be a string, found %s",
		    label, key, parse_kind_name(v));
		return NULL;
	}
	if (v->is_null) {
		parse_error(p, &v->at, "%s: '%s' has no value", label, key);
		return NULL;
	}
	if (v->len == 0) {
		parse_error(p, &v->at, "%s: '%s' is empty", label, key);
		return NULL;
	}
	return v->str;
}

static void
want_present(parse_ctx *p, const ynode *map, const ynode *v,
    const char *label, const char *key)
{
	if (v == NULL) {
		parse_error(p, &map->at, "%s: missing required key '%s'", label,
		    key);
	}
}

// An optional mapping or list: NULL when absent or written as nothing;
// reported when it is of the wrong kind.
static const ynode *
want_kind(parse_ctx *p, const ynode *v, ynode_kind kind, const char *label,
    const char *key)
{
	if (v == NULL || v->kind == YN_BAD ||
	    (v->kind == YN_SCALAR && v->is_null)) {
		return NULL;
	}
	if (v->kind != kind) {
		parse_error(p, &v->at, "%s: '%s' must be %s, found %s", label,
		    key, kind == YN_MAP ? "a mapping" : "a list",
		    parse_kind_name(v));
		return NULL;
	}
	return v;
}

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

static void
parse_config(parse_ctx *p, topo_full *t, const ynode *v)
{
	const ynode *map = want_kind(p, v, YN_MAP, "top level", "config");
	if (map == NULL) {
		return;
	}
	t->pub.config = calloc(map->n / 2 + 1, sizeof(gale_option));
	if (t->pub.config == NULL) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const ynode *k   = map->kids[i];
		const ynode *val = map->kids[i + 1];
		if (k->kind != YN_SCALAR) {
			continue;
		}
		const gale_config_key *key = gale__config_key_find(k->str);
		if (key == NULL) {
			if (parse_muted(p)) {
				parse_skip(p);
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
			const char *best = gale__suggest_best(&s);
			parse_error(p, &k->at, "config: unknown key '%s'%s",
			    parse_show(p, k->str),
			    parse_hint(p, best ? best : suffix));
			continue;
		}
		if (val->kind == YN_BAD) {
			continue;
		}
		if (val->kind != YN_SCALAR || val->is_null) {
			parse_error(p, &val->at,
			    "config: '%s' must be a scalar, found %s", key->name,
			    parse_kind_name(val));
			continue;
		}
		char err[256];
		if (!gale__config_check(key, val->str, err, sizeof(err))) {
			parse_error(p, &val->at, "config: %s", err);
			continue;
		}
		gale_option *o = &t->pub.config[t->pub.nconfig];
		o->key         = parse_strdup(p, key->name);
		o->value       = parse_strdup(p, val->str);
		o->where       = val->at;
		t->pub.nconfig++;
	}
}

static void
parse_options(parse_ctx *p, gale_component_def *c, const ynode *v,
    const char *label)
{
	const ynode *map = want_kind(p, v, YN_MAP, label, "options");
	if (map == NULL) {
		return;
	}
	c->options = calloc(map->n / 2 + 1, sizeof(gale_option));
	if (c->options == NULL) {
		p->oom = true;
		return;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const ynode *k   = map->kids[i];
		const ynode *val = map->kids[i + 1];
		if (k->kind != YN_SCALAR || val->kind == YN_BAD) {
			continue;
		}
		if (k->len == 0) {
			parse_error(p, &k->at, "%s: an option name is empty",
			    label);
			continue;
		}
		if (val->kind != YN_SCALAR) {
			parse_error(p, &val->at,
			    "%s: option '%s' must be a scalar, found %s", label,
			    parse_show(p, k->str), parse_kind_name(val));
			continue;
		}
		if (val->is_null) {
			parse_error(p, &val->at,
			    "%s: option '%s' has no value (write \"\" for an "
			    "empty string)",
			    label, parse_show(p, k->str));
			continue;
		}
		gale_option *o = &c->options[c->noptions++];
		o->key         = parse_strdup(p, k->str);
		o->value       = parse_strdup(p, val->str);
		o->where       = val->at;
	}
}

static const char *const component_keys[] = { "id", "component", "library",
	"parallelism", "options" };
enum { CK_ID, CK_COMPONENT, CK_LIBRARY, CK_PARALLELISM, CK_OPTIONS, CK_N };

static void
parse_component(parse_ctx *p, topo_full *t, const ynode *map, bool spout,
    size_t index)
{
	const char *kind = spout ? "spout" : "bolt";
	char        label[128];
	const ynode *idv = map->kind == YN_MAP ? map_find(map, "id") : NULL;
	if (idv != NULL && idv->kind == YN_SCALAR && !idv->is_null &&
	    idv->len > 0) {
		snprintf(label, sizeof(label), "%s '%s'", kind,
		    parse_show(p, idv->str));
	} else {
		snprintf(label, sizeof(label), "%s #%zu", kind, index + 1);
	}
	if (map->kind == YN_BAD) {
		return;
	}
	if (map->kind != YN_MAP) {
		parse_error(p, &map->at,
		    "%s: must be a mapping with keys id, component, ..., "
		    "found %s",
		    label, parse_kind_name(map));
		return;
	}
	const ynode *vals[CK_N];
	map_fields(p, map, label, component_keys, CK_N, vals);

	gale_component_def   *c = &t->pub.components[t->pub.ncomponents];
	gale_component_marks *m = &t->cmarks[t->pub.ncomponents];
	t->pub.ncomponents++;
	c->is_spout     = spout;
	c->parallelism  = 1;
	c->where        = map->at;
	m->id           = map->at;
	m->component    = map->at;
	m->shared_lib      = map->at;

	want_present(p, map, vals[CK_ID], label, "id");
	const char *id = want_str(p, vals[CK_ID], label, "id");
	if (id != NULL) {
		m->id = vals[CK_ID]->at;
		if (!name_ok(id, false)) {
			parse_error(p, &m->id,
			    "%s: an id may hold only letters, digits, '_' "
			    "and '-' (at most %d)",
			    label, GALE_TOPOLOGY_MAX_NAME);
		} else if (strncmp(id, "__", 2) == 0) {
			parse_error(p, &m->id,
			    "%s: ids starting with '__' are reserved for gale",
			    label);
		} else if (strcmp(id, "topology") == 0) {
			parse_error(p, &m->id,
			    "%s: the id 'topology' is reserved: --set "
			    "topology.KEY=VALUE names config keys",
			    label);
		} else {
			c->id = parse_strdup(p, id);
		}
	}

	want_present(p, map, vals[CK_COMPONENT], label, "component");
	const char *comp =
	    want_str(p, vals[CK_COMPONENT], label, "component");
	if (comp != NULL) {
		m->component = vals[CK_COMPONENT]->at;
		c->component = parse_strdup(p, comp);
	}

	const char *lib = want_str(p, vals[CK_LIBRARY], label, "library");
	if (lib != NULL) {
		m->shared_lib = vals[CK_LIBRARY]->at;
		c->shared_lib = parse_strdup(p, lib);
	}

	const ynode *par = vals[CK_PARALLELISM];
	if (par != NULL && par->kind != YN_BAD) {
		int64_t n      = 0;
		bool    scalar = par->kind == YN_SCALAR && !par->is_null;
		if (!scalar || !gale__config_parse_i64(par->str, &n) || n < 1 ||
		    n > GALE_TOPOLOGY_MAX_PARALLELISM) {
			char found[PARSE_SHOW_LEN + 2];
			snprintf(found, sizeof(found), scalar ? "'%s'" : "%s",
			    scalar ? parse_show(p, par->str)
			           : parse_kind_name(par));
			parse_error(p, &par->at,
			    "%s: 'parallelism' must be an integer from 1 to "
			    "%d, found %s",
			    label, GALE_TOPOLOGY_MAX_PARALLELISM, found);
		} else {
			c->parallelism = (uint32_t) n;
		}
	}
	parse_options(p, c, vals[CK_OPTIONS], label);
}

static void
parse_components(parse_ctx *p, topo_full *t, const ynode *v, bool spout)
{
	const char  *key = spout ? "spouts" : "bolts";
	const ynode *seq = want_kind(p, v, YN_SEQ, "top level", key);
	if (seq == NULL) {
		return;
	}
	for (size_t i = 0; i < seq->n; i++) {
		parse_component(p, t, seq->kids[i], spout, i);
	}
}

static const char *const stream_keys[] = { "from", "to", "stream", "name",
	"grouping" };
enum { SK_FROM, SK_TO, SK_STREAM, SK_NAME, SK_GROUPING, SK_N };
static const char *const grouping_keys[] = { "type", "args", "streamId" };
enum { GK_TYPE, GK_ARGS, GK_STREAMID, GK_N };

static void
parse_grouping_type(parse_ctx *p, gale_stream_def *s, const ynode *v,
    const char *label)
{
	const char *type = want_str(p, v, label, "grouping type");
	if (type == NULL) {
		return;
	}
	for (size_t g = 0; g < NGROUPINGS; g++) {
		if (strcasecmp(grouping_names[g], type) == 0) {
			s->grouping = (gale_grouping) g;
			return;
		}
	}
	gale_suggest sg;
	gale__suggest_init(&sg, type);
	for (size_t g = 0; g < NGROUPINGS; g++) {
		gale__suggest_add(&sg, grouping_names[g]);
	}
	const char *best = gale__suggest_best(&sg);
	if (best != NULL) {
		parse_error(p, &v->at, "%s: unknown grouping type '%s'%s",
		    label, parse_show(p, type), parse_hint(p, best));
	} else {
		parse_error(p, &v->at,
		    "%s: unknown grouping type '%s' (known: SHUFFLE, FIELDS, "
		    "ALL, GLOBAL, NONE, DIRECT, LOCAL_OR_SHUFFLE)",
		    label, parse_show(p, type));
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
parse_fields(parse_ctx *p, gale_stream_def *s, gale_stream_marks *m,
    const ynode *v, const char *label)
{
	const ynode *seq = want_kind(p, v, YN_SEQ, label, "args");
	if (seq == NULL) {
		if (v == NULL || (v->kind == YN_SCALAR && v->is_null)) {
			parse_error(p, &m->grouping,
			    "%s: FIELDS grouping needs 'args', the fields to "
			    "group by",
			    label);
		}
		return;
	}
	if (seq->n == 0) {
		parse_error(p, &seq->at,
		    "%s: FIELDS grouping needs at least one field in 'args'",
		    label);
		return;
	}
	s->fields            = calloc(seq->n, sizeof(char *));
	m->fields            = calloc(seq->n, sizeof(gale_where));
	field_entry *entries = calloc(seq->n, sizeof(field_entry));
	bool        *dup     = calloc(seq->n, sizeof(bool));
	if (s->fields == NULL || m->fields == NULL || entries == NULL ||
	    dup == NULL) {
		p->oom = true;
		goto out;
	}
	size_t nentries = 0;
	for (size_t i = 0; i < seq->n; i++) {
		const char *f = want_str(p, seq->kids[i], label, "args");
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
		const ynode *f = seq->kids[i];
		if (dup[i]) {
			parse_error(p, &f->at, "%s: field '%s' is listed twice",
			    label, parse_show(p, f->str));
			continue;
		}
		if (f->kind != YN_SCALAR || f->is_null || f->len == 0) {
			continue; // Reported by want_str.
		}
		m->fields[s->nfields] = f->at;
		s->fields[s->nfields] = parse_strdup(p, f->str);
		if (s->fields[s->nfields] != NULL) {
			s->nfields++;
		}
	}
out:
	free(entries);
	free(dup);
}

static void
parse_stream(parse_ctx *p, topo_full *t, const ynode *map, size_t index)
{
	char label[128];
	snprintf(label, sizeof(label), "stream #%zu", index + 1);
	if (map->kind == YN_BAD) {
		return;
	}
	if (map->kind != YN_MAP) {
		parse_error(p, &map->at,
		    "%s: must be a mapping with keys from, to, grouping, "
		    "found %s",
		    label, parse_kind_name(map));
		return;
	}
	const ynode *fromv = map_find(map, "from");
	const ynode *tov   = map_find(map, "to");
	if (fromv != NULL && fromv->kind == YN_SCALAR && tov != NULL &&
	    tov->kind == YN_SCALAR) {
		snprintf(label, sizeof(label), "stream '%s' -> '%s'",
		    parse_show(p, fromv->str), parse_show(p, tov->str));
	}
	const ynode *vals[SK_N];
	map_fields(p, map, label, stream_keys, SK_N, vals);

	gale_stream_def   *s = &t->pub.streams[t->pub.nstreams];
	gale_stream_marks *m = &t->smarks[t->pub.nstreams];
	t->pub.nstreams++;
	s->where    = map->at;
	s->grouping = GALE_GROUP_SHUFFLE;
	m->from     = map->at;
	m->to       = map->at;
	m->stream   = map->at;
	m->grouping = map->at;

	want_present(p, map, vals[SK_FROM], label, "from");
	const char *from = want_str(p, vals[SK_FROM], label, "from");
	if (from != NULL) {
		m->from = vals[SK_FROM]->at;
		s->from = parse_strdup(p, from);
	}
	want_present(p, map, vals[SK_TO], label, "to");
	const char *to = want_str(p, vals[SK_TO], label, "to");
	if (to != NULL) {
		m->to = vals[SK_TO]->at;
		s->to = parse_strdup(p, to);
	}
	const char *stream = want_str(p, vals[SK_STREAM], label, "stream");
	if (stream != NULL) {
		m->stream = vals[SK_STREAM]->at;
	}
	const ynode *name = vals[SK_NAME];
	if (name != NULL && name->kind != YN_SCALAR && name->kind != YN_BAD) {
		parse_error(p, &name->at, "%s: 'name' must be a scalar, found %s",
		    label, parse_kind_name(name));
	}

	want_present(p, map, vals[SK_GROUPING], label, "grouping");
	const ynode *g = vals[SK_GROUPING];
	if (g != NULL && g->kind != YN_BAD && g->kind != YN_MAP) {
		parse_error(p, &g->at,
		    "%s: 'grouping' must be a mapping like {type: SHUFFLE}, "
		    "found %s",
		    label, parse_kind_name(g));
	} else if (g != NULL && g->kind == YN_MAP) {
		m->grouping = g->at;
		const ynode *gv[GK_N];
		map_fields(p, g, label, grouping_keys, GK_N, gv);
		want_present(p, g, gv[GK_TYPE], label, "type");
		parse_grouping_type(p, s, gv[GK_TYPE], label);
		const char *sid =
		    want_str(p, gv[GK_STREAMID], label, "streamId");
		if (sid != NULL && stream != NULL && strcmp(sid, stream) != 0) {
			parse_error(p, &gv[GK_STREAMID]->at,
			    "%s: 'streamId' '%s' disagrees with 'stream' '%s'",
			    label, parse_show(p, sid), parse_show(p, stream));
		} else if (sid != NULL && stream == NULL) {
			stream    = sid;
			m->stream = gv[GK_STREAMID]->at;
		}
		const ynode *args = gv[GK_ARGS];
		if (s->grouping == GALE_GROUP_FIELDS && gv[GK_TYPE] != NULL &&
		    gv[GK_TYPE]->kind == YN_SCALAR) {
			parse_fields(p, s, m, args, label);
		} else if (args != NULL && args->kind != YN_BAD &&
		    !(args->kind == YN_SCALAR && args->is_null)) {
			parse_error(p, &args->at,
			    "%s: 'args' is used only by FIELDS grouping", label);
		}
	}
	s->stream = parse_strdup(p, stream ? stream : GALE_DEFAULT_STREAM);
}

static void
parse_streams(parse_ctx *p, topo_full *t, const ynode *v)
{
	const ynode *seq = want_kind(p, v, YN_SEQ, "top level", "streams");
	if (seq == NULL) {
		return;
	}
	for (size_t i = 0; i < seq->n; i++) {
		parse_stream(p, t, seq->kids[i], i);
	}
}

// ---------------------------------------------------------------------
// Structure: ids, stream endpoints, cycles
// ---------------------------------------------------------------------

typedef struct id_entry {
	const char *id;
	size_t      idx;
} id_entry;

typedef struct sub_entry {
	const char *from;
	const char *to;
	const char *stream;
	size_t      idx;
} sub_entry;

typedef struct structure {
	parse_ctx *p;
	topo_full *t;
	id_entry  *byid; // components with an id, sorted by id
	size_t     nbyid;
} structure;

// Orders by id, then by position in the file, so the first of duplicates
// comes first.
static int
structure_id_cmp(const void *a, const void *b)
{
	const id_entry *x = a;
	const id_entry *y = b;
	int             c = strcmp(x->id, y->id);
	if (c != 0) {
		return c;
	}
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

static int
structure_sub_cmp(const void *a, const void *b)
{
	const sub_entry *x = a;
	const sub_entry *y = b;
	int              c = strcmp(x->from, y->from);
	if (c == 0) {
		c = strcmp(x->to, y->to);
	}
	if (c == 0) {
		c = strcmp(x->stream, y->stream);
	}
	if (c == 0) {
		c = x->idx < y->idx ? -1 : (x->idx > y->idx);
	}
	return c;
}

static bool
structure_same_sub(const sub_entry *x, const sub_entry *y)
{
	return strcmp(x->from, y->from) == 0 && strcmp(x->to, y->to) == 0 &&
	    strcmp(x->stream, y->stream) == 0;
}

// The index of the component named id, or SIZE_MAX.
static size_t
structure_find(const structure *st, const char *id)
{
	size_t lo = 0, hi = st->nbyid;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int    c   = strcmp(st->byid[mid].id, id);
		if (c == 0) {
			return st->byid[mid].idx;
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return SIZE_MAX;
}

static void
structure_unknown(structure *st, const char *id, const gale_where *at,
    const char *label, const char *key)
{
	parse_ctx *p = st->p;
	if (parse_muted(p)) {
		parse_skip(p);
		return;
	}
	gale_suggest s;
	gale__suggest_init(&s, id);
	for (size_t i = 0; i < st->nbyid; i++) {
		gale__suggest_add(&s, st->byid[i].id);
	}
	parse_error(p, at, "%s: '%s' names no spout or bolt: '%s'%s", label,
	    key, parse_show(p, id), parse_hint(p, gale__suggest_best(&s)));
}

static void
structure_label(
    char *buf, size_t cap, parse_ctx *p, const gale_stream_def *s)
{
	snprintf(buf, cap, "stream '%s' -> '%s'", parse_show(p, s->from),
	    parse_show(p, s->to));
}

// Reports a cycle closed by stream k: the components stack[first ..
// depth) and back to the first of them.
static void
structure_report_cycle(structure *st, const size_t *stack, size_t first,
    size_t depth, size_t k)
{
	const gale_topology *t = &st->t->pub;
	char                 path[640];
	size_t               used = 0;
	bool                 cut  = false;
	for (size_t i = first; i < depth && !cut; i++) {
		int w = snprintf(path + used, sizeof(path) - used, "%s -> ",
		    t->components[stack[i]].id);
		if (w < 0 || (size_t) w >= sizeof(path) - used - 8) {
			snprintf(path + used, sizeof(path) - used, "... -> ");
			cut = true;
		} else {
			used += (size_t) w;
		}
	}
	parse_error(st->p, &st->t->smarks[k].to,
	    "cycle: %s%s (every cycle is refused: a topology drains by "
	    "end-of-stream markers in topological order)",
	    path, t->components[stack[first]].id);
}

// Reports every cycle among the bolts, with an iterative depth-first search
// (a long chain of bolts must not exhaust the C stack). edges[start[i] ..
// start[i + 1]) are the indexes of the streams leaving component i; to[k]
// is the target of stream k.
static void
structure_cycles(structure *st, const size_t *start, const size_t *edges,
    const size_t *to)
{
	size_t n = st->t->pub.ncomponents;
	// color: 0 unvisited, 1 on the stack, 2 done.
	unsigned char *color = calloc(n + 1, 1);
	size_t        *stack = calloc(n + 1, sizeof(size_t));
	size_t        *next  = calloc(n + 1, sizeof(size_t));
	size_t        *pos   = calloc(n + 1, sizeof(size_t));
	if (color == NULL || stack == NULL || next == NULL || pos == NULL) {
		st->p->oom = true;
		goto out;
	}
	for (size_t root = 0; root < n; root++) {
		if (color[root] != 0) {
			continue;
		}
		size_t depth   = 0;
		stack[depth++] = root;
		color[root]    = 1;
		pos[root]      = 0;
		next[root]     = start[root];
		while (depth > 0) {
			size_t u = stack[depth - 1];
			if (next[u] == start[u + 1]) {
				color[u] = 2;
				depth--;
				continue;
			}
			size_t k = edges[next[u]++];
			size_t v = to[k];
			if (color[v] == 0) {
				color[v]       = 1;
				pos[v]         = depth;
				next[v]        = start[v];
				stack[depth++] = v;
			} else if (color[v] == 1) {
				structure_report_cycle(st, stack, pos[v], depth, k);
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
	free(pos);
}

static void
parse_structure(parse_ctx *p, topo_full *t)
{
	structure  st    = { .p = p, .t = t };
	size_t     n     = t->pub.ncomponents;
	size_t     ns    = t->pub.nstreams;
	size_t    *to    = calloc(ns + 1, sizeof(size_t));
	size_t    *from  = calloc(ns + 1, sizeof(size_t));
	size_t    *start = calloc(n + 2, sizeof(size_t));
	size_t    *fill  = calloc(n + 1, sizeof(size_t));
	size_t    *edges = calloc(ns + 1, sizeof(size_t));
	size_t    *nin   = calloc(n + 1, sizeof(size_t));
	sub_entry *subs  = calloc(ns + 1, sizeof(sub_entry));
	st.byid          = calloc(n + 1, sizeof(id_entry));
	if (st.byid == NULL || to == NULL || from == NULL || start == NULL ||
	    fill == NULL || edges == NULL || nin == NULL || subs == NULL) {
		p->oom = true;
		goto out;
	}

	// Ids: spouts and bolts share one space.
	for (size_t i = 0; i < n; i++) {
		if (t->pub.components[i].id != NULL) {
			st.byid[st.nbyid++] =
			    (id_entry) { t->pub.components[i].id, i };
		}
	}
	qsort(st.byid, st.nbyid, sizeof(id_entry), structure_id_cmp);
	size_t first = 0;
	for (size_t i = 1; i < st.nbyid; i++) {
		if (strcmp(st.byid[first].id, st.byid[i].id) != 0) {
			first = i;
			continue;
		}
		const gale_component_def *c = &t->pub.components[st.byid[i].idx];
		const gale_where *w = &t->cmarks[st.byid[first].idx].id;
		parse_error(p, &t->cmarks[st.byid[i].idx].id,
		    "%s '%s': duplicate id (first at line %d, column %d); "
		    "spouts and bolts share one set of ids",
		    c->is_spout ? "spout" : "bolt", c->id, w->line, w->col);
	}

	// Stream endpoints.
	bool   broken = false; // a stream without a target was reported
	size_t nsubs  = 0;
	for (size_t k = 0; k < ns; k++) {
		gale_stream_def *s = &t->pub.streams[k];
		to[k]              = SIZE_MAX;
		from[k]            = SIZE_MAX;
		if (s->from == NULL || s->to == NULL) {
			broken = broken || s->to == NULL;
			continue;
		}
		char label[160];
		structure_label(label, sizeof(label), p, s);
		size_t f = structure_find(&st, s->from);
		size_t d = structure_find(&st, s->to);
		if (f == SIZE_MAX) {
			structure_unknown(&st, s->from, &t->smarks[k].from,
			    label, "from");
		}
		if (d == SIZE_MAX) {
			structure_unknown(
			    &st, s->to, &t->smarks[k].to, label, "to");
			broken = true;
		} else if (t->pub.components[d].is_spout) {
			parse_error(p, &t->smarks[k].to,
			    "%s: '%s' is a spout; streams may only go to "
			    "bolts",
			    label, s->to);
			d = SIZE_MAX;
		} else {
			nin[d]++;
		}
		if (f != SIZE_MAX && d != SIZE_MAX) {
			from[k]       = f;
			to[k]         = d;
			subs[nsubs++] = (sub_entry) { s->from, s->to, s->stream, k };
		}
	}

	// A bolt without input would never receive a tuple. When a stream
	// lost its target to an earlier error, that may be the cause, and the
	// earlier message says so.
	for (size_t i = 0; i < n && !broken; i++) {
		const gale_component_def *c = &t->pub.components[i];
		if (!c->is_spout && c->id != NULL && nin[i] == 0) {
			parse_error(p, &t->cmarks[i].id,
			    "bolt '%s' has no input stream; add a stream with "
			    "'to: %s'",
			    c->id, c->id);
		}
	}

	// Two subscriptions of one bolt to the same stream would deliver
	// every tuple twice.
	qsort(subs, nsubs, sizeof(sub_entry), structure_sub_cmp);
	first = 0;
	for (size_t i = 1; i < nsubs; i++) {
		if (!structure_same_sub(&subs[first], &subs[i])) {
			first = i;
			continue;
		}
		char label[160];
		structure_label(label, sizeof(label), p,
		    &t->pub.streams[subs[i].idx]);
		const gale_where *w = &t->pub.streams[subs[first].idx].where;
		parse_error(p, &t->pub.streams[subs[i].idx].where,
		    "%s: a second subscription to stream '%s' (first at line "
		    "%d, column %d)",
		    label, parse_show(p, subs[i].stream), w->line, w->col);
	}

	// Cycles, over an adjacency list in compressed form.
	for (size_t k = 0; k < ns; k++) {
		if (to[k] != SIZE_MAX) {
			start[from[k] + 1]++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		start[i + 1] += start[i];
	}
	for (size_t k = 0; k < ns; k++) {
		if (to[k] != SIZE_MAX) {
			edges[start[from[k]] + fill[from[k]]++] = k;
		}
	}
	structure_cycles(&st, start, edges, to);

out:
	free(st.byid);
	free(to);
	free(from);
	free(start);
	free(fill);
	free(edges);
	free(nin);
	free(subs);
}

// ---------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------

static const char *const top_keys[] = { "name", "config", "spouts", "bolts",
	"streams" };
enum { TK_NAME, TK_CONFIG, TK_SPOUTS, TK_BOLTS, TK_STREAMS, TK_N };

static size_t
parse_count(const ynode *v)
{
	return v != NULL && v->kind == YN_SEQ ? v->n : 0;
}

static void
parse_top(parse_ctx *p, topo_full *t, const ynode *root)
{
	if (root == NULL) {
		parse_error(p, NULL,
		    "the file is empty; a topology is a mapping with keys "
		    "name, config, spouts, bolts and streams");
		return;
	}
	if (root->kind == YN_BAD) {
		return;
	}
	if (root->kind != YN_MAP) {
		parse_error(p, &root->at,
		    "a topology is a mapping with keys name, config, spouts, "
		    "bolts and streams, found %s",
		    parse_kind_name(root));
		return;
	}
	const ynode *vals[TK_N];
	map_fields(p, root, "top level", top_keys, TK_N, vals);

	want_present(p, root, vals[TK_NAME], "top level", "name");
	const char *name = want_str(p, vals[TK_NAME], "top level", "name");
	if (name != NULL && !name_ok(name, true)) {
		parse_error(p, &vals[TK_NAME]->at,
		    "the name '%s' may hold only letters, digits, '.', '_' and "
		    "'-' (at most %d)",
		    parse_show(p, name), GALE_TOPOLOGY_MAX_NAME);
	} else if (name != NULL) {
		t->pub.name = parse_strdup(p, name);
	}

	parse_config(p, t, vals[TK_CONFIG]);

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
	const ynode *spouts = vals[TK_SPOUTS];
	want_present(p, root, spouts, "top level", "spouts");
	parse_components(p, t, spouts, true);
	if (spouts != NULL && ((spouts->kind == YN_SEQ && spouts->n == 0) ||
	                          (spouts->kind == YN_SCALAR && spouts->is_null))) {
		parse_error(p, &spouts->at, "a topology needs at least one spout");
	}
	parse_components(p, t, vals[TK_BOLTS], false);
	parse_streams(p, t, vals[TK_STREAMS]);
	if (!p->oom) {
		parse_structure(p, t);
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

gale_err
gale_topology_parse(gale_topology **out, const char *file, const char *text,
    size_t len, gale_diag *d)
{
	parse_ctx p = {
		.file = file != NULL ? file : "<input>",
		.d    = d,
		.text = text,
		.len  = len,
	};
	if (len > GALE_TOPOLOGY_MAX_BYTES) {
		parse_error(&p, NULL,
		    "the file is larger than the limit of %u MiB",
		    GALE_TOPOLOGY_MAX_BYTES >> 20);
		return GALE_EINVAL;
	}
	const char *nul = len > 0 ? memchr(text, '\0', len) : NULL;
	if (nul != NULL) {
		gale_where w = parse_offset_where(&p, (size_t) (nul - text));
		parse_error(&p, &w,
		    "a NUL byte; a topology file must be UTF-8 text");
		return GALE_EINVAL;
	}

	topo_full *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		gale_diag_add(d, p.file, NULL, "out of memory");
		return GALE_ENOMEM;
	}
	t->pub.file = parse_strdup(&p, p.file);

	ynode *root = NULL;
	if (parse_tree(&p, &root) && !p.oom) {
		parse_top(&p, t, root);
	}
	node_free(root);

	if (p.oom || p.failed) {
		gale_topology *g = &t->pub;
		gale_topology_destroy(&g);
		if (p.oom) {
			gale_diag_add(d, p.file, NULL, "out of memory");
			return GALE_ENOMEM;
		}
		return GALE_EINVAL;
	}
	*out = &t->pub;
	return GALE_OK;
}

gale_err
gale_topology_load(gale_topology **out, const char *path, gale_diag *d)
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
	gale_err rv = gale_topology_parse(out, path, buf, len, d);
	free(buf);
	return rv;
}

// ---------------------------------------------------------------------
// --set KEY=VALUE
// ---------------------------------------------------------------------

static gale_err
set_option(gale_component_def *c, const char *key, const char *value)
{
	for (size_t i = 0; i < c->noptions; i++) {
		if (strcmp(c->options[i].key, key) == 0) {
			char *v = strdup(value);
			if (v == NULL) {
				return GALE_ENOMEM;
			}
			free(c->options[i].value);
			c->options[i].value = v;
			c->options[i].where = (gale_where) { 0, 0 };
			return GALE_OK;
		}
	}
	gale_option *opts =
	    realloc(c->options, (c->noptions + 1) * sizeof(*opts));
	if (opts == NULL) {
		return GALE_ENOMEM;
	}
	c->options = opts;
	char *k    = strdup(key);
	char *v    = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return GALE_ENOMEM;
	}
	opts[c->noptions++] = (gale_option) { k, v, { 0, 0 } };
	return GALE_OK;
}

static gale_err
set_config(gale_topology *t, const char *key, const char *value)
{
	for (size_t i = 0; i < t->nconfig; i++) {
		if (strcmp(t->config[i].key, key) == 0) {
			char *v = strdup(value);
			if (v == NULL) {
				return GALE_ENOMEM;
			}
			free(t->config[i].value);
			t->config[i].value = v;
			t->config[i].where = (gale_where) { 0, 0 };
			return GALE_OK;
		}
	}
	gale_option *cfg = realloc(t->config, (t->nconfig + 1) * sizeof(*cfg));
	if (cfg == NULL) {
		return GALE_ENOMEM;
	}
	t->config = cfg;
	char *k   = strdup(key);
	char *v   = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return GALE_ENOMEM;
	}
	cfg[t->nconfig++] = (gale_option) { k, v, { 0, 0 } };
	return GALE_OK;
}

gale_err
gale_topology_set(gale_topology *t, const char *assignment, gale_diag *d)
{
	parse_ctx p = { .file = t->file != NULL ? t->file : "<input>", .d = d };
	const char *arg = parse_show(&p, assignment);
	const char *eq  = strchr(assignment, '=');
	if (eq == NULL || eq == assignment) {
		parse_error(&p, NULL, "--set '%s': expected KEY=VALUE", arg);
		return GALE_EINVAL;
	}
	size_t klen = (size_t) (eq - assignment);
	char  *key  = strndup(assignment, klen);
	if (key == NULL) {
		gale_diag_add(d, p.file, NULL, "out of memory");
		return GALE_ENOMEM;
	}
	const char *value = eq + 1;
	gale_err    rv    = GALE_OK;

	// COMPONENT.OPTION, when the part before the first dot is an id.
	char *dot = strchr(key, '.');
	if (dot != NULL) {
		*dot = '\0';
		for (size_t i = 0; i < t->ncomponents; i++) {
			gale_component_def *c = &t->components[i];
			if (c->id == NULL || strcmp(c->id, key) != 0) {
				continue;
			}
			int64_t n;
			if (dot[1] == '\0') {
				parse_error(&p, NULL,
				    "--set '%s': no option name after '%s.'",
				    arg, parse_show(&p, key));
				rv = GALE_EINVAL;
			} else if (strcmp(dot + 1, "parallelism") != 0) {
				rv = set_option(c, dot + 1, value);
			} else if (!gale__config_parse_i64(value, &n) || n < 1 ||
			    n > GALE_TOPOLOGY_MAX_PARALLELISM) {
				// ID.parallelism is the component's own key,
				// as in the file, not an option.
				parse_error(&p, NULL,
				    "--set '%s': 'parallelism' must be an "
				    "integer from 1 to %d, found '%s'",
				    arg, GALE_TOPOLOGY_MAX_PARALLELISM,
				    parse_show(&p, value));
				rv = GALE_EINVAL;
			} else {
				c->parallelism = (uint32_t) n;
			}
			goto out;
		}
		*dot = '.';
	}

	const gale_config_key *k = gale__config_key_find(key);
	if (k == NULL) {
		gale_suggest s;
		gale__suggest_init(&s, key);
		for (const gale_config_key *c = gale__config_keys;
		     c->name != NULL; c++) {
			gale__suggest_add(&s, c->name);
		}
		const char *best = gale__suggest_best(&s);
		char        alt[PARSE_SHOW_LEN * 2];
		if (best == NULL && dot != NULL) {
			// A misspelt component id: suggest ID.OPTION.
			*dot = '\0';
			gale__suggest_init(&s, key);
			for (size_t i = 0; i < t->ncomponents; i++) {
				gale__suggest_add(&s, t->components[i].id);
			}
			if (gale__suggest_best(&s) != NULL) {
				snprintf(alt, sizeof(alt), "%s.%s",
				    gale__suggest_best(&s), dot + 1);
				best = alt;
			}
			*dot = '.';
		}
		parse_error(&p, NULL,
		    "--set '%s': '%s' is neither a config key nor "
		    "COMPONENT.OPTION of a component of this topology%s",
		    arg, parse_show(&p, key), parse_hint(&p, best));
		rv = GALE_EINVAL;
		goto out;
	}
	char err[256];
	if (!gale__config_check(k, value, err, sizeof(err))) {
		parse_error(&p, NULL, "--set '%s': %s", arg, err);
		rv = GALE_EINVAL;
		goto out;
	}
	rv = set_config(t, k->name, value);
out:
	if (rv == GALE_ENOMEM) {
		gale_diag_add(d, p.file, NULL, "out of memory");
	}
	free(key);
	return rv;
}
