// SPDX-License-Identifier: MIT
// parser.h - what the parser keeps beyond the model: where each part of a
// definition was written, for the validator's messages.

#ifndef GALE_TOPOLOGY_PARSER_H
#define GALE_TOPOLOGY_PARSER_H

#include <stddef.h>

#include "topology/model.h"

// Defensive limits on what the parser accepts.
#define GALE_TOPOLOGY_MAX_BYTES (16u << 20) // file size
#define GALE_TOPOLOGY_MAX_DEPTH 64          // nested collections
#define GALE_TOPOLOGY_MAX_NODES (1u << 20)  // YAML nodes in a file
#define GALE_TOPOLOGY_MAX_ERRORS 200        // messages added by one call
#define GALE_TOPOLOGY_MAX_NAME 255          // topology name and ids
#define GALE_TOPOLOGY_MAX_PARALLELISM 4096  // tasks of one component

// Positions of a component's parts. Each is the component's own position
// when the part was not written.
typedef struct gale_component_marks {
	gale_where id;
	gale_where component;
	gale_where shared_lib;
} gale_component_marks;

// Positions of a stream's parts, as above. fields has one entry per FIELDS
// argument.
typedef struct gale_stream_marks {
	gale_where  from;
	gale_where  to;
	gale_where  stream; // the `stream` or `streamId` value
	gale_where  grouping;
	gale_where *fields;
} gale_stream_marks;

// gale_topology_set() is described in topology/overrides.h.

// The marks of t->components[i] and t->streams[i]; t must come from
// gale_topology_parse() or gale_topology_load(). Borrowed: caller must not
// free them.
const gale_component_marks *gale__topology_component_marks(
    const gale_topology *t, size_t i);
const gale_stream_marks *gale__topology_stream_marks(
    const gale_topology *t, size_t i);

// Reads path whole (at most one byte past GALE_TOPOLOGY_MAX_BYTES) into
// *text (not NUL-terminated; the caller frees it) and *len; reports a file
// that cannot be read to d.
gale_err gale__topology_read(
    const char *path, char **text, size_t *len, gale_diag *d);

// As gale_topology_load_filtered; when ship is not NULL, also sets *ship
// on success to the text that describes the same topology without files
// around it (substituted, includes merged), for workers to parse with
// gale_topology_parse. The caller frees it.
gale_err gale__topology_load_ship(gale_topology **out, const char *path,
    const char *filter, char **ship, gale_diag *d);

#endif // GALE_TOPOLOGY_PARSER_H
