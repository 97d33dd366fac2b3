// SPDX-License-Identifier: MIT
// yaml_tree.h - YAML text read into a small tree of nodes with their
// positions, within the parser's limits.
//
// libyaml's events become the tree; this is where nesting depth, node
// count, anchors, aliases, NUL characters, non-scalar keys and duplicate
// keys are refused, each reported with its position. The tree holds only
// what the walk to the model needs: kinds, scalars as written and marks.

#ifndef GALE_TOPOLOGY_YAML_TREE_H
#define GALE_TOPOLOGY_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "topology/diag.h"
#include "topology/model.h"

typedef enum {
	GALE_YAML_SCALAR = 1,
	GALE_YAML_SEQ,
	GALE_YAML_MAP,
	GALE_YAML_BAD, // already reported: walkers skip it silently
} gale_yaml_kind;

// One YAML node. A mapping keeps keys and values alternating in kids. The
// struct is transparent because the walk to the model reads nothing else:
// accessors would add nothing.
typedef struct gale_yaml_node gale_yaml_node;
struct gale_yaml_node {
	gale_yaml_kind   kind;
	bool             is_null; // a plain "", "~" or "null"
	bool             plain;   // a plain scalar (not quoted, not a block)
	gale_where       at;
	char            *str; // scalars: NUL-terminated, without NULs inside
	size_t           len;
	gale_yaml_node **kids;
	size_t           n;
	size_t           cap;
};

// Builds the tree of the only document of text (len bytes, no NUL bytes),
// reporting every problem to r. Sets *root to the tree (NULL for a text
// without a document), which the caller frees with gale__yaml_tree_free.
// Returns GALE_OK when the tree is worth walking (it may still hold nodes
// marked GALE_YAML_BAD), GALE_EINVAL after an error that stopped reading,
// GALE_ENOMEM when memory ran out.
gale_err gale__yaml_tree_build(
    gale_yaml_node **root, const char *text, size_t len, gale_report *r);

// Sets the file of every position in the tree (see gale_where): the tree
// was read from an included file. file must outlive the positions.
void gale__yaml_tree_set_file(gale_yaml_node *n, const char *file);

// Frees a tree; accepts NULL.
void gale__yaml_tree_free(gale_yaml_node *n);

// The value of key in map, or NULL. Borrowed: caller must not free.
const gale_yaml_node *gale__yaml_map_find(
    const gale_yaml_node *map, const char *key);

// Reading a walked tree, reporting to r what is wrong. label names the
// part being read in messages ("top level", "spout 'src'"); key names the
// value's key.

// Fills vals[i] with the value of known[i] in map (or NULL) and reports
// every other key as unknown, with a suggestion or the list of known keys.
void gale__yaml_map_fields(gale_report *r, const gale_yaml_node *map,
    const char *label, const char *const *known, size_t nknown,
    const gale_yaml_node **vals);
// gale__yaml_map_fields, but a key that is not one of known and that
// foreign (when not NULL) knows is warned about as a Storm key gale does
// not use, not reported as unknown.
void gale__yaml_map_fields_but(gale_report *r, const gale_yaml_node *map,
    const char *label, const char *const *known, size_t nknown,
    bool (*foreign)(const char *key), const gale_yaml_node **vals);

// A non-empty string value, or NULL after reporting why it is not one
// (nothing is reported for a missing or already reported value). Borrowed
// from the tree.
const char *gale__yaml_want_str(gale_report *r, const gale_yaml_node *v,
    const char *label, const char *key);

// Reports, at map, a missing required key when v is NULL.
void gale__yaml_want_present(gale_report *r, const gale_yaml_node *map,
    const gale_yaml_node *v, const char *label, const char *key);

// An optional mapping or list (kind): NULL when absent or written as
// nothing, and NULL after reporting when it is of another kind.
const gale_yaml_node *gale__yaml_want_kind(gale_report *r,
    const gale_yaml_node *v, gale_yaml_kind kind, const char *label,
    const char *key);

// "a scalar", "nothing", "a list", "a mapping", for messages.
const char *gale__yaml_kind_name(const gale_yaml_node *n);

// The position of byte offset off of text (len bytes), counting columns in
// characters as libyaml does.
gale_where gale__yaml_offset_where(const char *text, size_t len, size_t off);

#endif // GALE_TOPOLOGY_YAML_TREE_H
