// SPDX-License-Identifier: MIT
// builtins.h - the built-in components, by the names topologies use.

#ifndef GALE_COMPONENTS_BUILTINS_H
#define GALE_COMPONENTS_BUILTINS_H

#include "gale.h"

typedef struct gale_builtin {
	const char           *name;
	const gale_component *component;
} gale_builtin;

// The built-in components, closed by an entry whose name is NULL.
extern const gale_builtin gale__builtins[];

#endif // GALE_COMPONENTS_BUILTINS_H
