// SPDX-License-Identifier: MIT
// overrides.c - `--set KEY=VALUE` applied to a parsed topology: config
// keys, component options and a component's parallelism.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "topology/config_keys.h"
#include "topology/diag.h"
#include "topology/overrides.h"
#include "topology/parser.h"
#include "topology/suggest.h"

gale_err
gale__option_put(
    gale_option **opts, size_t *n, const char *key, const char *value)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*opts)[i].key, key) == 0) {
			char *v = strdup(value);
			if (v == NULL) {
				return GALE_ENOMEM;
			}
			free((*opts)[i].value);
			(*opts)[i].value = v;
			(*opts)[i].where = (gale_where) { 0, 0, NULL };
			(*opts)[i].json  = false; // --set gives a scalar
			return GALE_OK;
		}
	}
	gale_option *grown = realloc(*opts, (*n + 1) * sizeof(*grown));
	if (grown == NULL) {
		return GALE_ENOMEM;
	}
	*opts   = grown;
	char *k = strdup(key);
	char *v = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return GALE_ENOMEM;
	}
	grown[(*n)++] = (gale_option) { k, v, { 0, 0, NULL }, false };
	return GALE_OK;
}

gale_err
gale_topology_set(gale_topology *t, const char *assignment, gale_diag *d)
{
	gale_report r;
	gale__report_init(&r, t->file, d);
	const char *arg = gale__report_show(&r, assignment);
	const char *eq  = strchr(assignment, '=');
	if (eq == NULL || eq == assignment) {
		gale__report_error(
		    &r, NULL, "--set '%s': expected KEY=VALUE", arg);
		return GALE_EINVAL;
	}
	size_t klen = (size_t) (eq - assignment);
	char  *key  = strndup(assignment, klen);
	if (key == NULL) {
		gale_diag_add(d, r.file, NULL, "out of memory");
		return GALE_ENOMEM;
	}
	const char *value = eq + 1;
	gale_err    rv    = GALE_OK;

	// COMPONENT.OPTION, when the part before the first dot is an id.
	char *dot = strchr(key, '.');
	if (dot != NULL) {
		*dot = '\0';
		for (size_t i = 0; i < t->ncomponents; i++) {
			gale_component_def *c = &t->components[i];
			if (c->id == NULL || strcmp(c->id, key) != 0) {
				continue;
			}
			int64_t n;
			if (dot[1] == '\0') {
				gale__report_error(&r, NULL,
				    "--set '%s': no option name after '%s.'",
				    arg, gale__report_show(&r, key));
				rv = GALE_EINVAL;
			} else if (strcmp(dot + 1, "parallelism") != 0) {
				rv = gale__option_put(
				    &c->options, &c->noptions, dot + 1, value);
			} else if (gale__parse_i64(value, 1,
				       GALE_TOPOLOGY_MAX_PARALLELISM, &n, NULL,
				       0)
			    != GALE_OK) {
				// ID.parallelism is the component's own key,
				// as in the file, not an option.
				gale__report_error(&r, NULL,
				    "--set '%s': 'parallelism' must be an "
				    "integer from 1 to %d, found '%s'",
				    arg, GALE_TOPOLOGY_MAX_PARALLELISM,
				    gale__report_show(&r, value));
				rv = GALE_EINVAL;
			} else {
				c->parallelism = (uint32_t) n;
			}
			goto out;
		}
		*dot = '.';
	}

	const gale_config_key *k = gale__config_key_find(key);
	if (k == NULL) {
		gale_suggest s;
		gale__suggest_init(&s, key);
		for (const gale_config_key *c = gale__config_keys;
		     c->name != NULL; c++) {
			gale__suggest_add(&s, c->name);
		}
		const char *best = gale__suggest_best(&s);
		char        alt[GALE_REPORT_SHOW_LEN * 2];
		if (best == NULL && dot != NULL) {
			// A misspelt component id: suggest ID.OPTION.
			*dot = '\0';
			gale__suggest_init(&s, key);
			for (size_t i = 0; i < t->ncomponents; i++) {
				gale__suggest_add(&s, t->components[i].id);
			}
			if (gale__suggest_best(&s) != NULL) {
				snprintf(alt, sizeof(alt), "%s.%s",
				    gale__suggest_best(&s), dot + 1);
				best = alt;
			}
			*dot = '.';
		}
		gale__report_error(&r, NULL,
		    "--set '%s': '%s' is neither a config key nor "
		    "COMPONENT.OPTION of a component of this topology%s",
		    arg, gale__report_show(&r, key),
		    gale__report_hint(&r, best));
		rv = GALE_EINVAL;
		goto out;
	}
	char err[256];
	if (!gale__config_check(k, value, err, sizeof(err))) {
		gale__report_error(&r, NULL, "--set '%s': %s", arg, err);
		rv = GALE_EINVAL;
		goto out;
	}
	rv = gale__option_put(&t->config, &t->nconfig, k->name, value);
out:
	if (rv == GALE_ENOMEM) {
		gale_diag_add(d, r.file, NULL, "out of memory");
	}
	free(key);
	return rv;
}
