// SPDX-License-Identifier: MIT
// includes.c - Flux's `includes:`: other definition files read and merged
// into the tree of the including one.

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "topology/includes.h"
#include "topology/parser.h"

// Deeper chains of includes are refused.
#define INCLUDES_MAX_DEPTH 16

void
gale__strs_fini(gale_strs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static const char *
strs_add(gale_strs *s, char *owned)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (v == NULL) {
		free(owned);
		return NULL;
	}
	s->v         = v;
	s->v[s->n++] = owned;
	return owned;
}

typedef struct inc_walk {
	gale_includes *c;
	const char
	      *chain[INCLUDES_MAX_DEPTH + 1]; // real paths, outermost first
	size_t depth;
	bool   oom;
	bool   merged;
} inc_walk;

// The index of key's pair in map, or SIZE_MAX.
static size_t
inc_find(const gale_yaml_node *map, const char *key)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const gale_yaml_node *k = map->kids[i];
		if (k != NULL && k->kind == GALE_YAML_SCALAR
		    && strcmp(k->str, key) == 0) {
			return i;
		}
	}
	return SIZE_MAX;
}

static bool
inc_push(gale_yaml_node *parent, gale_yaml_node *kid)
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

// The id of a spout or bolt item, or NULL.
static const char *
inc_item_id(const gale_yaml_node *item)
{
	if (item == NULL || item->kind != GALE_YAML_MAP) {
		return NULL;
	}
	const gale_yaml_node *id = gale__yaml_map_find(item, "id");
	return id != NULL && id->kind == GALE_YAML_SCALAR ? id->str : NULL;
}

// Moves the items of src (a list) into dst (a list): by id when byid.
static void
inc_merge_seq(inc_walk *w, gale_yaml_node *dst, gale_yaml_node *src, bool byid,
    bool override)
{
	for (size_t i = 0; i < src->n; i++) {
		gale_yaml_node *item = src->kids[i];
		const char     *id   = byid ? inc_item_id(item) : NULL;
		size_t          j    = 0;
		while (id != NULL && j < dst->n
		    && (inc_item_id(dst->kids[j]) == NULL
			|| strcmp(inc_item_id(dst->kids[j]), id) != 0)) {
			j++;
		}
		if (id != NULL && j < dst->n) {
			if (override) {
				gale__yaml_tree_free(dst->kids[j]);
				dst->kids[j] = item;
				src->kids[i] = NULL;
			}
			continue;
		}
		if (!inc_push(dst, item)) {
			w->oom = true;
			return;
		}
		src->kids[i] = NULL;
	}
}

// Moves the pairs of src (a mapping) into dst (a mapping) by key.
static void
inc_merge_map(
    inc_walk *w, gale_yaml_node *dst, gale_yaml_node *src, bool override)
{
	for (size_t i = 0; i + 1 < src->n; i += 2) {
		gale_yaml_node *k = src->kids[i];
		if (k == NULL || k->kind != GALE_YAML_SCALAR) {
			continue;
		}
		size_t j = inc_find(dst, k->str);
		if (j != SIZE_MAX) {
			if (override) {
				gale__yaml_tree_free(dst->kids[j + 1]);
				dst->kids[j + 1] = src->kids[i + 1];
				src->kids[i + 1] = NULL;
			}
			continue;
		}
		if (!inc_push(dst, k) || !inc_push(dst, src->kids[i + 1])) {
			w->oom = true;
			return;
		}
		src->kids[i]     = NULL;
		src->kids[i + 1] = NULL;
	}
}

// Merges the definition src into dst, both top-level mappings.
static void
inc_merge(inc_walk *w, gale_yaml_node *dst, gale_yaml_node *src, bool override)
{
	for (size_t i = 0; i + 1 < src->n && !w->oom; i += 2) {
		gale_yaml_node *k = src->kids[i];
		gale_yaml_node *v = src->kids[i + 1];
		if (k == NULL || k->kind != GALE_YAML_SCALAR) {
			continue;
		}
		size_t j = inc_find(dst, k->str);
		if (j == SIZE_MAX) {
			if (!inc_push(dst, k) || !inc_push(dst, v)) {
				w->oom = true;
				return;
			}
			src->kids[i]     = NULL;
			src->kids[i + 1] = NULL;
			continue;
		}
		gale_yaml_node *dv = dst->kids[j + 1];
		bool            seqs
		    = dv->kind == GALE_YAML_SEQ && v->kind == GALE_YAML_SEQ;
		bool maps
		    = dv->kind == GALE_YAML_MAP && v->kind == GALE_YAML_MAP;
		if (strcmp(k->str, "streams") == 0 && seqs) {
			inc_merge_seq(w, dv, v, false, override);
		} else if ((strcmp(k->str, "spouts") == 0
			       || strcmp(k->str, "bolts") == 0
			       || strcmp(k->str, "components") == 0)
		    && seqs) {
			inc_merge_seq(w, dv, v, true, override);
		} else if (strcmp(k->str, "config") == 0 && maps) {
			inc_merge_map(w, dv, v, override);
		} else if (override) {
			gale__yaml_tree_free(dv);
			dst->kids[j + 1] = v;
			src->kids[i + 1] = NULL;
		}
	}
}

// The path of an include entry: a resource under resources/ beside the
// including file, a relative file from its directory.
static char *
inc_path(const char *from, const char *file, bool resource)
{
	const char *slash = strrchr(from, '/');
	int         dlen  = slash != NULL ? (int) (slash - from) : 1;
	const char *dir   = slash != NULL ? from : ".";
	char       *path  = NULL;
	int         rc;
	if (resource) {
		while (*file == '/') {
			file++;
		}
		rc = slash == NULL
		    ? asprintf(&path, "resources/%s", file)
		    : asprintf(&path, "%.*s/resources/%s", dlen, dir, file);
	} else if (file[0] == '/' || slash == NULL) {
		rc = asprintf(&path, "%s", file);
	} else {
		rc = asprintf(&path, "%.*s/%s", dlen, dir, file);
	}
	return rc < 0 ? NULL : path;
}

static bool inc_walk_tree(inc_walk *w, gale_yaml_node *root, const char *file);

static bool
inc_flag(gale_report *r, const gale_yaml_node *v, const char *label,
    const char *key)
{
	bool b = false;
	if (v == NULL || v->kind == GALE_YAML_BAD
	    || (v->kind == GALE_YAML_SCALAR && v->is_null)) {
		return false;
	}
	if (v->kind != GALE_YAML_SCALAR
	    || gale__parse_bool(v->str, &b, NULL, 0) != GALE_OK) {
		gale__report_error(r, &v->at,
		    "%s: '%s' must be true or false, found %s", label, key,
		    v->kind == GALE_YAML_SCALAR ? "text"
						: gale__yaml_kind_name(v));
	}
	return b;
}

static const char *const include_keys[] = { "file", "resource", "override" };
enum { IK_FILE, IK_RESOURCE, IK_OVERRIDE, IK_N };

// Reads one include entry of the file from and merges it into root.
static void
inc_entry(inc_walk *w, gale_yaml_node *root, const gale_yaml_node *e,
    const char *from, size_t index)
{
	gale_report *r = w->c->r;
	char         label[64];
	snprintf(label, sizeof(label), "include #%zu", index + 1);
	if (e->kind == GALE_YAML_BAD) {
		return;
	}
	if (e->kind != GALE_YAML_MAP) {
		gale__report_error(r, &e->at,
		    "%s: must be a mapping like {file: other.yaml}, found %s",
		    label, gale__yaml_kind_name(e));
		return;
	}
	const gale_yaml_node *vals[IK_N];
	gale__yaml_map_fields(r, e, label, include_keys, IK_N, vals);
	gale__yaml_want_present(r, e, vals[IK_FILE], label, "file");
	const char *name
	    = gale__yaml_want_str(r, vals[IK_FILE], label, "file");
	bool resource = inc_flag(r, vals[IK_RESOURCE], label, "resource");
	bool override = inc_flag(r, vals[IK_OVERRIDE], label, "override");
	if (name == NULL) {
		return;
	}
	const gale_where *at   = &vals[IK_FILE]->at;
	char             *path = inc_path(from, name, resource);
	if (path == NULL) {
		w->oom = true;
		return;
	}
	char real[PATH_MAX];
	if (realpath(path, real) == NULL) {
		gale__report_error(r, at, "%s: cannot open '%s': %s", label,
		    gale__report_show(r, path), strerror(errno));
		free(path);
		return;
	}
	for (size_t i = 0; i < w->depth; i++) {
		if (strcmp(w->chain[i], real) == 0) {
			gale__report_error(r, at,
			    "%s: '%s' includes itself (through %zu file%s)",
			    label, gale__report_show(r, path), w->depth - i,
			    w->depth - i == 1 ? "" : "s");
			free(path);
			return;
		}
	}
	if (w->depth == INCLUDES_MAX_DEPTH) {
		gale__report_error(r, at,
		    "%s: includes nest deeper than %d files", label,
		    INCLUDES_MAX_DEPTH);
		free(path);
		return;
	}
	const char *kept = strs_add(w->c->files, path);
	if (kept == NULL) {
		w->oom = true;
		return;
	}
	char  *text = NULL;
	size_t len  = 0;
	if (gale__topology_read(kept, &text, &len, r->d) != GALE_OK) {
		r->failed = true;
		return;
	}
	gale_report sub;
	gale__report_init(&sub, kept, r->d);
	sub.nerrors = r->nerrors;
	if (w->c->substitute) {
		char    *subst = NULL;
		size_t   slen  = 0;
		gale_err rv    = gale__filter_text(text, len, w->c->props,
		       w->c->props_path, &sub, &subst, &slen);
		free(text);
		if (rv == GALE_ENOMEM) {
			w->oom = true;
			return;
		}
		text = subst;
		len  = slen;
	}
	gale_yaml_node *tree = NULL;
	gale_err        rv   = GALE_EINVAL;
	if (memchr(text, '\0', len) != NULL) {
		gale__report_error(&sub, NULL,
		    "a NUL byte; a topology file must be UTF-8 text");
	} else {
		rv = gale__yaml_tree_build(&tree, text, len, &sub);
	}
	free(text);
	r->nerrors = sub.nerrors;
	r->failed  = r->failed || sub.failed;
	if (rv == GALE_ENOMEM) {
		w->oom = true;
	}
	if (rv != GALE_OK || tree == NULL) {
		gale__yaml_tree_free(tree);
		return;
	}
	gale__yaml_tree_set_file(tree, kept);
	if (tree->kind != GALE_YAML_MAP) {
		gale__report_error(r, &tree->at,
		    "an included file is a mapping like the including one, "
		    "found %s",
		    gale__yaml_kind_name(tree));
		gale__yaml_tree_free(tree);
		return;
	}
	w->chain[w->depth++] = real;
	inc_walk_tree(w, tree, kept);
	w->depth--;
	inc_merge(w, root, tree, override);
	w->merged = true;
	gale__yaml_tree_free(tree);
}

static bool
inc_walk_tree(inc_walk *w, gale_yaml_node *root, const char *file)
{
	size_t at = inc_find(root, "includes");
	if (at == SIZE_MAX) {
		return true;
	}
	gale_yaml_node *key  = root->kids[at];
	gale_yaml_node *list = root->kids[at + 1];
	memmove(&root->kids[at], &root->kids[at + 2],
	    (root->n - at - 2) * sizeof(root->kids[0]));
	root->n -= 2;
	const gale_yaml_node *seq = gale__yaml_want_kind(
	    w->c->r, list, GALE_YAML_SEQ, "top level", "includes");
	for (size_t i = 0; seq != NULL && i < seq->n && !w->oom; i++) {
		inc_entry(w, root, seq->kids[i], file, i);
	}
	gale__yaml_tree_free(key);
	gale__yaml_tree_free(list);
	return !w->oom;
}

gale_err
gale__includes_merge(
    gale_includes *c, gale_yaml_node *root, const char *file, bool *merged)
{
	inc_walk w = { .c = c };
	*merged    = false;
	if (root == NULL || root->kind != GALE_YAML_MAP) {
		return GALE_OK;
	}
	char real[PATH_MAX];
	if (realpath(file, real) != NULL) {
		w.chain[w.depth++] = real;
	}
	inc_walk_tree(&w, root, file);
	*merged = w.merged;
	return w.oom ? GALE_ENOMEM : GALE_OK;
}
