// SPDX-License-Identifier: MIT
// yaml_tree.c - YAML text read into a small tree of nodes with their
// positions, within the parser's limits.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "topology/parser.h"
#include "topology/suggest.h"
#include "topology/yaml_tree.h"

typedef struct tree_ctx {
	gale_report *r;
	const char  *text;
	size_t       len;
	size_t       nnodes;
	bool         oom;
} tree_ctx;

static gale_where
tree_mark(yaml_mark_t m)
{
	gale_where w = { (int) m.line + 1, (int) m.column + 1 };
	return w;
}

// The position of byte offset off, counting columns in characters as
// libyaml does.
gale_where
gale__yaml_offset_where(const char *text, size_t len, size_t off)
{
	gale_where w = { 1, 1 };
	if (off > len) {
		off = len;
	}
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char) text[i];
		if (c == '\n') {
			w.line++;
			w.col = 1;
		} else if ((c & 0xc0) != 0x80) {
			w.col++;
		}
	}
	return w;
}

const char *
gale__yaml_kind_name(const gale_yaml_node *n)
{
	switch (n->kind) {
	case GALE_YAML_SCALAR:
		return n->is_null ? "nothing" : "a scalar";
	case GALE_YAML_SEQ:
		return "a list";
	case GALE_YAML_MAP:
		return "a mapping";
	case GALE_YAML_BAD:
		break;
	}
	return "an invalid value";
}

void
gale__yaml_tree_free(gale_yaml_node *n)
{
	if (n == NULL) {
		return;
	}
	// Depth is bounded by GALE_TOPOLOGY_MAX_DEPTH, so recursion is safe.
	for (size_t i = 0; i < n->n; i++) {
		gale__yaml_tree_free(n->kids[i]);
	}
	free(n->kids);
	free(n->str);
	free(n);
}

void
gale__yaml_tree_set_file(gale_yaml_node *n, const char *file)
{
	if (n == NULL) {
		return;
	}
	n->at.file = file;
	// Depth is bounded by GALE_TOPOLOGY_MAX_DEPTH, so recursion is safe.
	for (size_t i = 0; i < n->n; i++) {
		gale__yaml_tree_set_file(n->kids[i], file);
	}
}

static bool
tree_push(gale_yaml_node *parent, gale_yaml_node *kid)
{
	if (parent->n == parent->cap) {
		size_t           cap = parent->cap ? parent->cap * 2 : 4;
		gale_yaml_node **kids
		    = realloc(parent->kids, cap * sizeof(*kids));
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
tree_is_null_text(const char *s, size_t len)
{
	return len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0
	    || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static int
tree_key_cmp(const void *a, const void *b)
{
	const gale_yaml_node *x = *(const gale_yaml_node *const *) a;
	const gale_yaml_node *y = *(const gale_yaml_node *const *) b;
	size_t                n = x->len < y->len ? x->len : y->len;
	int                   c = memcmp(x->str, y->str, n);
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
tree_check_map(tree_ctx *p, gale_yaml_node *map)
{
	size_t           npairs = map->n / 2;
	gale_yaml_node **keys = malloc((npairs ? npairs : 1) * sizeof(*keys));
	if (keys == NULL) {
		p->oom = true;
		return;
	}
	size_t nkeys = 0;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		gale_yaml_node *k = map->kids[i];
		if (k->kind == GALE_YAML_SCALAR) {
			keys[nkeys++] = k;
		} else if (k->kind != GALE_YAML_BAD) {
			gale__report_error(p->r, &k->at,
			    "a mapping key must be a scalar, found %s",
			    gale__yaml_kind_name(k));
			k->kind = GALE_YAML_BAD;
		}
	}
	// Sorting keeps this O(n log n) however large the mapping is.
	qsort(keys, nkeys, sizeof(*keys), tree_key_cmp);
	for (size_t i = 1; i < nkeys; i++) {
		size_t first = i;
		while (first > 0 && keys[first - 1]->len == keys[i]->len
		    && memcmp(keys[first - 1]->str, keys[i]->str, keys[i]->len)
			== 0) {
			first--;
		}
		if (first != i) {
			gale__report_error(p->r, &keys[i]->at,
			    "duplicate key '%s' (first at line %d, column %d)",
			    gale__report_show(p->r, keys[i]->str),
			    keys[first]->at.line, keys[first]->at.col);
		}
	}
	// Marked after the loop, so every duplicate is compared with the
	// first one.
	for (size_t i = 1; i < nkeys; i++) {
		if (keys[i - 1]->len == keys[i]->len
		    && memcmp(keys[i - 1]->str, keys[i]->str, keys[i]->len)
			== 0) {
			keys[i]->kind = GALE_YAML_BAD;
		}
	}
	free(keys);
}

static void
tree_yaml_error(tree_ctx *p, yaml_parser_t *yp)
{
	if (yp->error == YAML_MEMORY_ERROR) {
		p->oom = true;
		return;
	}
	const char *problem = yp->problem ? yp->problem : "invalid YAML";
	if (yp->error == YAML_READER_ERROR) {
		gale_where w = gale__yaml_offset_where(
		    p->text, p->len, yp->problem_offset);
		if (yp->problem_value != -1) {
			gale__report_error(p->r, &w,
			    "%s (byte 0x%02X); the file must be "
			    "UTF-8 text",
			    problem, (unsigned) yp->problem_value & 0xffu);
		} else {
			gale__report_error(p->r, &w,
			    "%s; the file must be UTF-8 text", problem);
		}
		return;
	}
	gale_where w = tree_mark(yp->problem_mark);
	if (yp->context != NULL) {
		gale_where c = tree_mark(yp->context_mark);
		gale__report_error(p->r, &w, "%s (%s at line %d, column %d)",
		    problem, yp->context, c.line, c.col);
	} else {
		gale__report_error(p->r, &w, "%s", problem);
	}
}

// Builds the tree of the text's only document into *root (NULL for a file
// without a document). Returns false after an error that leaves no tree
// worth walking.
static bool
tree_build(tree_ctx *p, gale_yaml_node **root)
{
	yaml_parser_t   yp;
	gale_yaml_node *stack[GALE_TOPOLOGY_MAX_DEPTH];
	size_t          depth = 0;
	int             ndocs = 0;
	bool            ok    = true;
	bool            done  = false;

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
			tree_yaml_error(p, &yp);
			ok = false;
			break;
		}
		gale_where      at     = tree_mark(ev.start_mark);
		gale_yaml_node *node   = NULL;
		const char     *anchor = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				gale__report_error(p->r, &at,
				    "a second YAML document; a topology file "
				    "holds one");
				ok   = false;
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			gale__report_error(p->r, &at,
			    "YAML aliases (*%s) are not supported",
			    gale__report_show(
				p->r, (const char *) ev.data.alias.anchor));
			node = calloc(1, sizeof(*node));
			if (node != NULL) {
				node->kind = GALE_YAML_BAD;
			}
			break;
		case YAML_SCALAR_EVENT:
			anchor = (const char *) ev.data.scalar.anchor;
			node   = calloc(1, sizeof(*node));
			if (node == NULL) {
				break;
			}
			node->kind = GALE_YAML_SCALAR;
			node->len  = ev.data.scalar.length;
			node->str  = malloc(node->len + 1);
			if (node->str == NULL) {
				free(node);
				node = NULL;
				break;
			}
			memcpy(node->str, ev.data.scalar.value, node->len);
			node->str[node->len] = '\0';
			node->plain
			    = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			node->is_null = node->plain
			    && tree_is_null_text(node->str, node->len);
			if (memchr(node->str, '\0', node->len) != NULL) {
				gale__report_error(p->r, &at,
				    "a string may not contain NUL characters");
				node->kind = GALE_YAML_BAD;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			anchor = ev.type == YAML_SEQUENCE_START_EVENT
			    ? (const char *) ev.data.sequence_start.anchor
			    : (const char *) ev.data.mapping_start.anchor;
			if (depth == GALE_TOPOLOGY_MAX_DEPTH) {
				gale__report_error(p->r, &at,
				    "nesting is deeper than %d levels",
				    GALE_TOPOLOGY_MAX_DEPTH);
				ok   = false;
				done = true;
				break;
			}
			node = calloc(1, sizeof(*node));
			if (node != NULL) {
				node->kind
				    = ev.type == YAML_SEQUENCE_START_EVENT
				    ? GALE_YAML_SEQ
				    : GALE_YAML_MAP;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				depth--;
				if (stack[depth]->kind == GALE_YAML_MAP) {
					tree_check_map(p, stack[depth]);
				}
			}
			break;
		default:
			break;
		}
		bool collection = ev.type == YAML_SEQUENCE_START_EVENT
		    || ev.type == YAML_MAPPING_START_EVENT;
		bool wants_node = ev.type == YAML_ALIAS_EVENT
		    || ev.type == YAML_SCALAR_EVENT || collection;
		if (anchor != NULL) {
			gale__report_error(p->r, &at,
			    "YAML anchors (&%s) are not supported",
			    gale__report_show(p->r, anchor));
		}
		yaml_event_delete(&ev); // Clears ev, anchor included.
		if (!ok) {
			gale__yaml_tree_free(node);
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
			gale__report_error(p->r, &at,
			    "more than %u YAML nodes",
			    GALE_TOPOLOGY_MAX_NODES);
			gale__yaml_tree_free(node);
			ok = false;
			break;
		}
		node->at = at;
		if (depth == 0) {
			if (*root != NULL) {
				gale__yaml_tree_free(
				    node); // Not reached: one document.
				continue;
			}
			*root = node;
		} else if (!tree_push(stack[depth - 1], node)) {
			gale__yaml_tree_free(node);
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

gale_err
gale__yaml_tree_build(
    gale_yaml_node **root, const char *text, size_t len, gale_report *r)
{
	tree_ctx p  = { .r = r, .text = text, .len = len };
	bool     ok = tree_build(&p, root);
	if (p.oom) {
		return GALE_ENOMEM;
	}
	return ok ? GALE_OK : GALE_EINVAL;
}

const gale_yaml_node *
gale__yaml_map_find(const gale_yaml_node *map, const char *key)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k = map->kids[i];
		if (k->kind == GALE_YAML_SCALAR && strcmp(k->str, key) == 0) {
			return map->kids[i + 1];
		}
	}
	return NULL;
}

void
gale__yaml_map_fields(gale_report *r, const gale_yaml_node *map,
    const char *label, const char *const *known, size_t nknown,
    const gale_yaml_node **vals)
{
	gale__yaml_map_fields_but(r, map, label, known, nknown, NULL, vals);
}

// Fills vals[i] with the value of known[i] (or NULL), warns about the keys
// foreign knows and reports every other key as unknown, naming label.
void
gale__yaml_map_fields_but(gale_report *r, const gale_yaml_node *map,
    const char *label, const char *const *known, size_t nknown,
    bool (*foreign)(const char *key), const gale_yaml_node **vals)
{
	for (size_t j = 0; j < nknown; j++) {
		vals[j] = NULL;
	}
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k = map->kids[i];
		if (k->kind != GALE_YAML_SCALAR) {
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
		if (foreign != NULL && foreign(k->str)) {
			gale__report_warn(r, &k->at,
			    "%s: '%s' is a Storm key not used by gale", label,
			    k->str);
			continue;
		}
		if (gale__report_muted(r)) {
			gale__report_skip(r);
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
			gale__report_error(r, &k->at, "%s: unknown key '%s'%s",
			    label, gale__report_show(r, k->str),
			    gale__report_hint(r, best));
		} else {
			gale__report_error(r, &k->at,
			    "%s: unknown key '%s' (known keys: %s)", label,
			    gale__report_show(r, k->str), list);
		}
	}
}

// A non-empty string value, or NULL after reporting why it is not one
// (nothing is reported for a missing or already reported value).
const char *
gale__yaml_want_str(gale_report *r, const gale_yaml_node *v, const char *label,
    const char *key)
{
	if (v == NULL || v->kind == GALE_YAML_BAD) {
		return NULL;
	}
	if (v->kind != GALE_YAML_SCALAR) {
		gale__report_error(r, &v->at,
		    "%s: '%s' must be a string, found %s", label, key,
		    gale__yaml_kind_name(v));
		return NULL;
	}
	if (v->is_null) {
		gale__report_error(
		    r, &v->at, "%s: '%s' has no value", label, key);
		return NULL;
	}
	if (v->len == 0) {
		gale__report_error(r, &v->at, "%s: '%s' is empty", label, key);
		return NULL;
	}
	return v->str;
}

void
gale__yaml_want_present(gale_report *r, const gale_yaml_node *map,
    const gale_yaml_node *v, const char *label, const char *key)
{
	if (v == NULL) {
		gale__report_error(
		    r, &map->at, "%s: missing required key '%s'", label, key);
	}
}

// An optional mapping or list: NULL when absent or written as nothing;
// reported when it is of the wrong kind.
const gale_yaml_node *
gale__yaml_want_kind(gale_report *r, const gale_yaml_node *v,
    gale_yaml_kind kind, const char *label, const char *key)
{
	if (v == NULL || v->kind == GALE_YAML_BAD
	    || (v->kind == GALE_YAML_SCALAR && v->is_null)) {
		return NULL;
	}
	if (v->kind != kind) {
		gale__report_error(r, &v->at, "%s: '%s' must be %s, found %s",
		    label, key, kind == GALE_YAML_MAP ? "a mapping" : "a list",
		    gale__yaml_kind_name(v));
		return NULL;
	}
	return v;
}
