// SPDX-License-Identifier: MIT
// filter.h - Flux's substitution before parsing: ${ENV-NAME} from the
// environment, ${key} (and ${key[i]} of a list value) from a Java
// properties file given with --filter.

#ifndef GALE_TOPOLOGY_FILTER_H
#define GALE_TOPOLOGY_FILTER_H

#include <stddef.h>

#include "topology/diag.h"

// The properties read from one file, in file order.
typedef struct gale_props gale_props;

// Reads a Java properties file (key=value, key: value or key value; '#' and
// '!' comments; a trailing backslash continues a line). Reports a file that
// cannot be read to r (positionless, naming path) and returns GALE_EIO;
// GALE_ENOMEM when memory ran out.
gale_err gale__props_load(gale_props **out, const char *path, gale_report *r);

// The value of key, or NULL. Borrowed: caller must not free.
const char *gale__props_get(const gale_props *p, const char *key);

void gale__props_destroy(gale_props **pp);

// Replaces every ${...} in text (len bytes) on one line: ${ENV-NAME} by the
// environment's NAME, others by their value in props (may be NULL). Each
// name without a value is reported at its position. Sets *out (NUL
// terminated, *outlen bytes; the caller frees it) even after errors, and
// returns GALE_OK, GALE_EINVAL after a reported error or GALE_ENOMEM.
gale_err gale__filter_text(const char *text, size_t len,
    const gale_props *props, const char *props_path, gale_report *r,
    char **out, size_t *outlen);

#endif // GALE_TOPOLOGY_FILTER_H
