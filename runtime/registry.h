// SPDX-License-Identifier: MIT
// registry.h - finds components by name: built-ins, or shared libraries.

#ifndef GALE_RUNTIME_REGISTRY_H
#define GALE_RUNTIME_REGISTRY_H

#include <stddef.h>

#include "runtime/gale.h"

// Finds the component name: in the library at path library (dlopen'ed once
// and kept loaded for the life of the process) or, when library is NULL,
// among the built-ins. On failure returns GALE_ENOENT and writes a one-line
// reason into err (errlen bytes). Thread-safe.
gale_err gale__registry_find(const char *library, const char *name,
    const gale_component **out, char *err, size_t errlen);

// The built-in components, closed by an entry whose name is NULL.
typedef struct gale_builtin {
	const char           *name;
	const gale_component *component;
} gale_builtin;

extern const gale_builtin gale__builtins[];

#endif // GALE_RUNTIME_REGISTRY_H
