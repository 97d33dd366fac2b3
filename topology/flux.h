// SPDX-License-Identifier: MIT
// flux.h - Storm Flux's component forms read into gale's: `className` of
// the shell wrappers and of well-known Storm classes, the outputs a shell
// component declares, and the keys that only Java can honour.

#ifndef GALE_TOPOLOGY_FLUX_H
#define GALE_TOPOLOGY_FLUX_H

#include <stdbool.h>

#include "topology/diag.h"
#include "topology/model.h"
#include "topology/yaml_tree.h"

// The component that runs programs in any language (Storm's multilang
// protocol); its options: command (a list), fields (a list), streams (a
// mapping of stream name to a list of fields).
#define GALE_SHELL_COMPONENT "shell"

// What a Storm class becomes in gale: the built-in component it maps to,
// or "shell" for Flux's shell wrappers. NULL for any other class.
const char *gale__flux_class_component(const char *class_name, bool spout);

// Reads `className` (v) and `constructorArgs` (args) of component c into
// c->component and, for the shell wrappers, its command and fields
// options. Reports a Java class gale cannot run, or a spout class under
// bolts, at v. Returns false when memory ran out.
bool gale__flux_class(gale_report *r, gale_component_def *c,
    const gale_yaml_node *v, const gale_yaml_node *args, const char *label);

// True when v, a `className` value (may be NULL), names one of Flux's
// shell wrappers, FluxShellSpout or FluxShellBolt.
bool gale__flux_is_shell_class(const gale_yaml_node *v);

// Reads the `configMethods` (methods; may be NULL) of a shell wrapper c as
// Flux calls them: setDefaultStream([field, ...]) and setNamedStream(name,
// [field, ...]) declare output streams (a later one replaces an earlier
// declaration of the same stream, the constructor's fields included);
// addComponentConfig is left to gale__flux_shell_config; any other method
// is reported. Returns false when memory ran out.
bool gale__flux_shell_methods(gale_report *r, gale_component_def *c,
    const gale_yaml_node *methods, const char *label);

// Declares the output streams of a shell component c from its `fields`
// and `streams` option values (either may be NULL), each a list of field
// names. Reports what is malformed. Returns false when memory ran out.
bool gale__flux_declare(gale_report *r, gale_component_def *c,
    const gale_yaml_node *fields, const gale_yaml_node *streams,
    const char *label);

// Checks gale's own form of a shell component c, `options` (may be NULL)
// with command (required), fields and streams, and declares its outputs.
// A missing command is reported at at. Returns false when memory ran out.
bool gale__flux_shell_options(gale_report *r, gale_component_def *c,
    const gale_yaml_node *options, const gale_where *at, const char *label);

// Frees what gale__flux_declare allocated; accepts NULL.
void gale__flux_declared_free(gale_stream_decl *d);

// Flux's resource keys of a component, for Storm's resource-aware
// scheduler: gale reads them and warns that it does not use them.
#define GALE_FLUX_RESOURCE_KEYS \
	"onHeapMemoryLoad", "offHeapMemoryLoad", "cpuLoad"
#define GALE_FLUX_NRESOURCE_KEYS 3

// Warns, at each one given, that the GALE_FLUX_NRESOURCE_KEYS values in
// vals (those of GALE_FLUX_RESOURCE_KEYS, in order; NULL when absent) are
// not used, after checking each is a number.
void gale__flux_resources(gale_report *r,
    const gale_yaml_node *const *vals, const char *label);

// Warns about each key of the `config:` (map; may be NULL) of component c
// that is gale's but is read from the topology's config only: per
// component gale applies topology.max.spout.pending to a spout and
// topology.tick.tuple.freq.secs to a bolt, and a shell component's whole
// config reaches its script. key_label prefixes each line.
void gale__flux_component_config(gale_report *r, const gale_yaml_node *map,
    const gale_component_def *c, const char *key_label);

// Reads the addComponentConfig(key, value) calls among the `configMethods`
// of a shell wrapper c (methods; may be NULL) into c's own config, after
// its `config:`: a gale key is checked as in `config:`, a Storm key gale
// does not use is a warning, any other key is the script's own (it reaches
// the handshake's conf). Returns false when memory ran out.
bool gale__flux_shell_config(gale_report *r, gale_component_def *c,
    const gale_yaml_node *methods, const char *label);

// Reports a key that only Java can honour (Flux's `components`,
// `configMethods`, `factory`, `topologySource`, ...), at the key k.
void gale__flux_java_only(
    gale_report *r, const gale_yaml_node *k, const char *label);

#endif // GALE_TOPOLOGY_FLUX_H
