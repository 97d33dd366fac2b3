// SPDX-License-Identifier: MIT
// ui_assets.h - the web UI's page, style sheet and script, compiled into
// the binary.
//
// The table is generated at build time from workers/ui/ (see
// workers/ui/embed.cmake), so the page loads nothing from the network.

#ifndef GALE_WORKERS_UI_ASSETS_H
#define GALE_WORKERS_UI_ASSETS_H

#include <stddef.h>

typedef struct gale_ui_asset {
	const char          *name; // the file name in workers/ui/
	const unsigned char *data;
	size_t               len;
} gale_ui_asset;

// The assets, ended by an entry whose name is NULL.
extern const gale_ui_asset gale__ui_assets[];

// The asset of that file name, or NULL.
const gale_ui_asset *gale__ui_asset(const char *name);

#endif // GALE_WORKERS_UI_ASSETS_H
