// SPDX-License-Identifier: MIT
// placeholder
#include "runtime/registry.h"
const gale_builtin gale__builtins[] = { { NULL, NULL } };
