// SPDX-License-Identifier: MIT
// registry.h - finds components by name: built-ins, or shared libraries.

#ifndef GALE_WORKERS_REGISTRY_H
#define GALE_WORKERS_REGISTRY_H

#include <stddef.h>

#include "gale.h"
#include "topology/model.h"

// Finds the component name: in the library at path library (dlopen'ed once
// and kept loaded for the life of the process) or, when library is NULL,
// among the built-ins. On failure returns GALE_ENOENT and writes a one-line
// reason into err (errlen bytes). Thread-safe.
gale_err gale__registry_find(const char *library, const char *name,
    const gale_component **out, char *err, size_t errlen);

// The resolver the validator uses: gale__registry_find, and the names of
// the built-ins. Static: caller must not free it.
const gale_resolver *gale__registry_resolver(void);

#endif // GALE_WORKERS_REGISTRY_H
