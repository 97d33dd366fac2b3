// SPDX-License-Identifier: MIT
// yaml_json.h - YAML nodes written as JSON, through jansson: the text of a
// list or mapping option, and a whole definition as one text to ship.

#ifndef GALE_TOPOLOGY_YAML_JSON_H
#define GALE_TOPOLOGY_YAML_JSON_H

#include "topology/yaml_tree.h"

// The JSON text of n (a list or mapping) on one line, each plain scalar
// typed as YAML's core schema reads it (null, true/false, integers,
// floats; anything else a string) and quoted scalars strings. NULL when
// memory ran out, or for a node marked GALE_YAML_BAD. The caller frees it.
char *gale__yaml_json(const gale_yaml_node *n);

// A YAML text (JSON in shape) that reads back into the same tree: every
// scalar's text as written, null as null. For a definition merged from
// several files, shipped as one text. NULL when memory ran out. The caller
// frees it.
char *gale__yaml_flow_text(const gale_yaml_node *n);

#endif // GALE_TOPOLOGY_YAML_JSON_H
