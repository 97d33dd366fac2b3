// SPDX-License-Identifier: MIT
// registry.c - finds components: built-ins, or symbols in shared libraries.

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "components/builtins.h"
#include "workers/registry.h"

// dlopen keeps its own reference count, and a library that was found once
// stays loaded for the life of the process (component code may run until
// exit), so handles are never closed. The lock keeps dlerror() meaningful.
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static gale_err
registry_find_builtin(const char *name, const gale_component **out, char *err,
    size_t errlen)
{
	for (const gale_builtin *b = gale__builtins; b->name != NULL; b++) {
		if (strcmp(b->name, name) == 0) {
			*out = b->component;
			return GALE_OK;
		}
	}
	snprintf(err, errlen, "unknown built-in component '%s'", name);
	return GALE_ENOENT;
}

gale_err
gale__registry_find(const char *library, const char *name,
    const gale_component **out, char *err, size_t errlen)
{
	if (library == NULL) {
		return registry_find_builtin(name, out, err, errlen);
	}
	gale_err rv = GALE_OK;
	pthread_mutex_lock(&registry_lock);
	void *h = dlopen(library, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(err, errlen, "cannot load library '%s': %s", library,
		    dlerror());
		rv = GALE_ENOENT;
		goto out;
	}
	dlerror();
	const gale_component *c = dlsym(h, name);
	const char           *e = dlerror();
	if (e != NULL || c == NULL) {
		snprintf(err, errlen, "library '%s' has no component '%s'",
		    library, name);
		rv = GALE_ENOENT;
		goto out;
	}
	if ((c->spout == NULL) == (c->bolt == NULL)) {
		snprintf(err, errlen,
		    "component '%s' in '%s' must set exactly one of spout "
		    "and bolt",
		    name, library);
		rv = GALE_EINVAL;
		goto out;
	}
	*out = c;
out:
	pthread_mutex_unlock(&registry_lock);
	return rv;
}

static const char *
registry_builtin_name(size_t i)
{
	return gale__builtins[i].name;
}

const gale_resolver *
gale__registry_resolver(void)
{
	static const gale_resolver resolver = {
		.find         = gale__registry_find,
		.builtin_name = registry_builtin_name,
	};
	return &resolver;
}
