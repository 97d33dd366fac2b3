// SPDX-License-Identifier: MIT
// ui_assets.c - looks up the web UI's compiled-in files by name.

#include <string.h>

#include "workers/ui_assets.h"

const gale_ui_asset *
gale__ui_asset(const char *name)
{
	for (const gale_ui_asset *a = gale__ui_assets; a->name != NULL; a++) {
		if (strcmp(a->name, name) == 0) {
			return a;
		}
	}
	return NULL;
}
