// SPDX-License-Identifier: MIT
// spec.c - building a topology spec on the client side.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/spec.h"
#include "workers/registry.h"
#include "workers/spec.h"

// Definition files larger than this are refused before they are read.
#define SPEC_MAX_BYTES (16u << 20)

void
gale_spec_builder_init(gale_spec_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void
gale_spec_builder_fini(gale_spec_builder *b)
{
	gale_spec_fini(&b->spec);
	b->cap = 0;
}

gale_err
gale_spec_builder_set(gale_spec_builder *b, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (eq == NULL || eq == kv) {
		return GALE_EINVAL;
	}
	if (b->spec.noverrides == b->cap) {
		size_t   cap = b->cap ? b->cap * 2 : 8;
		gale_kv *o   = realloc(b->spec.overrides, cap * sizeof(*o));
		if (o == NULL) {
			return GALE_ENOMEM;
		}
		b->spec.overrides = o;
		b->cap            = cap;
	}
	gale_kv *o = &b->spec.overrides[b->spec.noverrides];
	o->key     = strndup(kv, (size_t) (eq - kv));
	o->value   = strdup(eq + 1);
	if (o->key == NULL || o->value == NULL) {
		free(o->key);
		free(o->value);
		return GALE_ENOMEM;
	}
	b->spec.noverrides++;
	return GALE_OK;
}

static char *
spec_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	char  *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap       = cap ? cap * 2 : 8192;
			char *nb  = realloc(buf, cap);
			if (nb == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				goto fail;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > SPEC_MAX_BYTES) {
			fprintf(stderr, "%s: larger than %u bytes\n", path,
			    SPEC_MAX_BYTES);
			goto fail;
		}
		if (n == 0) {
			break;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		goto fail;
	}
	if (memchr(buf, '\0', len) != NULL) {
		fprintf(stderr, "%s: not a text file (it holds NUL bytes)\n",
		    path);
		goto fail;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

gale_err
gale_spec_builder_load(
    gale_spec_builder *b, const char *path, gale_topology **topo)
{
	char *text = spec_read(path);
	if (text == NULL) {
		return GALE_EIO;
	}
	free(b->spec.yaml);
	free(b->spec.file_name);
	b->spec.yaml      = text;
	b->spec.file_name = strdup(path);
	if (b->spec.file_name == NULL) {
		return GALE_ENOMEM;
	}
	gale_diag d;
	gale_diag_init(&d);
	gale_err rv = gale_topology_from_spec(
	    topo, &b->spec, NULL, gale__registry_resolver(), &d);
	for (size_t i = 0; i < d.n; i++) {
		fprintf(stderr, "%s\n", d.lines[i]);
	}
	gale_diag_fini(&d);
	if (rv != GALE_OK) {
		return rv;
	}
	free(b->spec.name);
	b->spec.name = strdup((*topo)->name);
	if (b->spec.name == NULL) {
		gale_topology_destroy(topo);
		return GALE_ENOMEM;
	}
	return GALE_OK;
}
