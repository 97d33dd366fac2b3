// SPDX-License-Identifier: MIT
// overrides.h - `--set KEY=VALUE` applied to a parsed topology.
//
// gale_topology_set() (declared in model.h) takes a config key (checked
// against the table in config_keys.h), COMPONENT.OPTION, or
// COMPONENT.parallelism=N, which sets the component's parallelism (the key
// of the same name in the file) rather than an option. A value given this
// way has no position: its gale_where is { 0, 0 }.

#ifndef GALE_TOPOLOGY_OVERRIDES_H
#define GALE_TOPOLOGY_OVERRIDES_H

#include <stddef.h>

#include "topology/model.h"

// Sets key to a copy of value in the array *opts of *n options: replaces
// the value of the option named key, or appends one (growing *opts). The
// option's position becomes { 0, 0 }. On GALE_ENOMEM the array is left as
// it was, though perhaps moved.
gale_err gale__option_put(
    gale_option **opts, size_t *n, const char *key, const char *value);

#endif // GALE_TOPOLOGY_OVERRIDES_H
