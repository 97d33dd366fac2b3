// SPDX-License-Identifier: MIT
// model.h - the in-memory model of a topology definition.
//
// The structs are transparent on purpose: the parser fills them, the
// validator checks them, and the runtime reads them everywhere; accessors
// would add nothing. They are built only by topology/parser.c and freed only
// by gale_topology_destroy().

#ifndef GALE_TOPOLOGY_MODEL_H
#define GALE_TOPOLOGY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

#define GALE_DEFAULT_STREAM "default"
#define GALE_ACKER_COMPONENT "__acker"

// Where a thing was written, for FILE:LINE:COLUMN messages (1-based; 0 when
// it came from the command line).
// file is NULL for the topology's own file, else the path of the included
// file the thing was written in (owned by the topology).
typedef struct gale_where {
	int         line;
	int         col;
	const char *file;
} gale_where;

// An option or config value: a scalar as written, or the JSON text of a
// list or mapping (json set), each scalar in it typed as YAML reads it.
typedef struct gale_option {
	char      *key;
	char      *value;
	gale_where where;
	bool       json;
} gale_option;

typedef enum {
	GALE_GROUP_SHUFFLE = 0,
	GALE_GROUP_FIELDS,
	GALE_GROUP_ALL,
	GALE_GROUP_GLOBAL,
	GALE_GROUP_NONE,
	GALE_GROUP_DIRECT,
	GALE_GROUP_LOCAL_OR_SHUFFLE,
} gale_grouping;

typedef struct gale_component_def {
	char       *id;
	char       *component; // built-in name or symbol in library
	char       *shared_lib; // `library:`; NULL for built-ins
	bool        is_spout;
	uint32_t    parallelism; // tasks (`numTasks` when given)
	gale_option *options;
	size_t      noptions;
	gale_option *config; // the component's own `config:`, checked keys
	size_t       nconfig;
	// Output streams declared by the definition (a shell component's
	// `fields` and `streams` options), closed by a NULL stream; NULL
	// when the component's ops declare them.
	gale_stream_decl *declared;
	gale_where  where;
	// Resolved by gale_topology_validate(); NULL before.
	const gale_spout_ops *spout;
	const gale_bolt_ops  *bolt;
} gale_component_def;

typedef struct gale_stream_def {
	char         *from;
	char         *to;
	char         *stream; // the source's output stream; "default" if unset
	gale_grouping grouping;
	char        **fields; // FIELDS arguments
	size_t        nfields;
	gale_where    where;
} gale_stream_def;

typedef struct gale_topology {
	char               *name;
	char               *file; // the path it was read from, for messages
	gale_option        *config;
	size_t              nconfig;
	gale_component_def *components; // spouts first, then bolts
	size_t              ncomponents;
	gale_stream_def    *streams;
	size_t              nstreams;
} gale_topology;

// Collected diagnostics: every error found, each one line
// "FILE:LINE:COLUMN: message".
typedef struct gale_diag {
	char **lines;
	size_t n;
	size_t cap;
} gale_diag;

void gale_diag_init(gale_diag *d);
void gale_diag_fini(gale_diag *d);
// Adds "FILE:LINE:COLUMN: message" (or "FILE: message" when where is NULL or
// line is 0).
void gale_diag_add(gale_diag *d, const char *file, const gale_where *where,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

// Parses a definition. On success sets *out (the caller destroys it) and
// returns GALE_OK; on any error adds every problem found to d and returns
// GALE_EINVAL. text need not be NUL-terminated.
gale_err gale_topology_parse(gale_topology **out, const char *file,
    const char *text, size_t len, gale_diag *d);

// Reads and parses path as Storm's Flux reads a file: ${ENV-NAME} is
// replaced by the environment's NAME before parsing, and `includes:` are
// read (relative paths from path's directory). Warnings (lines holding
// ": warning: ") may be added on success.
gale_err gale_topology_load(gale_topology **out, const char *path, gale_diag *d);

// As gale_topology_load, with ${key} also replaced by key's value in
// filter, a Java properties file (`storm jar ... --filter FILE`); NULL for
// none.
gale_err gale_topology_load_filtered(gale_topology **out, const char *path,
    const char *filter, gale_diag *d);

// Applies one "--set KEY=VALUE": a config key (anything with a dot that
// does not start with a component id and a dot) or COMPONENT.OPTION.
gale_err gale_topology_set(gale_topology *t, const char *assignment, gale_diag *d);

// How validation finds a component's ops: among the built-ins when library
// is NULL, else in the shared library at that path. find returns GALE_OK and
// sets *out, or an error with a one-line reason in err (errlen bytes).
// builtin_name(i) names the i-th built-in, NULL past the last, for "did you
// mean" suggestions. The validator calls both from the calling thread only.
typedef struct gale_resolver {
	gale_err (*find)(const char *library, const char *name,
	    const gale_component **out, char *err, size_t errlen);
	const char *(*builtin_name)(size_t i);
} gale_resolver;

// Resolves components (built-ins or shared libraries: relative paths taken
// from the directory of t->file; with a libdir, a library is looked for
// there by its path, then by its file name, where shipped libraries are)
// and checks
// everything a definition can get wrong. Adds every error to d; returns
// GALE_OK when there was none.
gale_err gale_topology_validate(gale_topology *t, const char *libdir,
    const gale_resolver *r, gale_diag *d);

void gale_topology_destroy(gale_topology **tp);

// Config lookups, with defaults. Values were type-checked by validation.
int64_t gale_topology_config_i64(const gale_topology *t, const char *key, int64_t def);
double  gale_topology_config_f64(const gale_topology *t, const char *key, double def);
bool    gale_topology_config_bool(const gale_topology *t, const char *key, bool def);
const char *gale_topology_config_str(const gale_topology *t, const char *key);

// The component with this id, or NULL.
const gale_component_def *gale_topology_component(const gale_topology *t, const char *id);

// The declared fields of a component's output stream (NULL-terminated), or
// NULL when it declares no such stream. Needs a resolved component.
const char *const *gale_component_fields(const gale_component_def *c, const char *stream);

// A component's output streams: those its definition declares (see
// declared), else those of its resolved ops; NULL when it emits nothing.
// Borrowed: caller must not free.
const gale_stream_decl *gale_component_outputs(const gale_component_def *c);

// The grouping's name as written in files ("SHUFFLE", ...).
const char *gale_grouping_name(gale_grouping g);

#endif // GALE_TOPOLOGY_MODEL_H
