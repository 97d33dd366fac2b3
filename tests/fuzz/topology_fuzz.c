// SPDX-License-Identifier: MIT
// topology_fuzz.c - libFuzzer target for the topology parser, --set and the
// validator.
//
// Any input must end in a topology or in at least one message, each naming
// the file; a parsed topology must hold what the parser promises (ids,
// components and stream endpoints present, parallelism of at least 1), and
// must survive overrides, validation and destruction.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/model.h"
#include "workers/registry.h"

#define FUZZ_FILE "fuzz.yaml"

// Checked in every build type, unlike assert.
#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n",         \
			    __FILE__, __LINE__, #cond);                       \
			abort();                                              \
		}                                                             \
	} while (0)

static void
fuzz_check_diag(const gale_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		FUZZ_CHECK(strncmp(d->lines[i], FUZZ_FILE ":", strlen(FUZZ_FILE) + 1)
		    == 0);
		FUZZ_CHECK(strchr(d->lines[i], '\n') == NULL);
	}
}

static void
fuzz_check_model(const gale_topology *t)
{
	FUZZ_CHECK(t->name != NULL && t->name[0] != '\0');
	FUZZ_CHECK(t->ncomponents > 0 && t->components[0].is_spout);
	for (size_t i = 0; i < t->ncomponents; i++) {
		const gale_component_def *c = &t->components[i];
		FUZZ_CHECK(c->id != NULL && c->component != NULL);
		FUZZ_CHECK(c->parallelism >= 1);
		FUZZ_CHECK(gale_topology_component(t, c->id) == c);
		for (size_t j = 0; j < c->noptions; j++) {
			FUZZ_CHECK(c->options[j].key != NULL);
			FUZZ_CHECK(c->options[j].value != NULL);
		}
	}
	for (size_t k = 0; k < t->nstreams; k++) {
		const gale_stream_def *s = &t->streams[k];
		FUZZ_CHECK(s->stream != NULL);
		FUZZ_CHECK(gale_topology_component(t, s->from) != NULL);
		const gale_component_def *to = gale_topology_component(t, s->to);
		FUZZ_CHECK(to != NULL && !to->is_spout);
		FUZZ_CHECK(s->grouping != GALE_GROUP_FIELDS || s->nfields > 0);
	}
	for (size_t i = 0; i < t->nconfig; i++) {
		FUZZ_CHECK(t->config[i].key != NULL && t->config[i].value != NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gale_diag      d;
	gale_topology *t = NULL;
	gale_diag_init(&d);
	gale_err rv =
	    gale_topology_parse(&t, FUZZ_FILE, (const char *) data, size, &d);
	if (rv != GALE_OK) {
		FUZZ_CHECK(t == NULL);
		FUZZ_CHECK(d.n > 0);
		fuzz_check_diag(&d);
		gale_diag_fini(&d);
		return 0;
	}
	// A definition that parses may carry warnings (a Storm key gale does
	// not use), never an error.
	fuzz_check_diag(&d);
	for (size_t i = 0; i < d.n; i++) {
		FUZZ_CHECK(strstr(d.lines[i], ": warning: ") != NULL);
	}
	fuzz_check_model(t);

	char set[512];
	snprintf(set, sizeof(set), "%s.fuzz=1=2", t->components[0].id);
	FUZZ_CHECK(gale_topology_set(t, set, &d) == GALE_OK);
	FUZZ_CHECK(gale_topology_set(t, "topology.workers=2", &d) == GALE_OK);
	FUZZ_CHECK(gale_topology_set(t, "topology.workers=x", &d) != GALE_OK);
	FUZZ_CHECK(gale_topology_config_i64(t, "topology.workers", 0) == 2);
	(void) gale_topology_config_f64(t, "topology.stats.sample.rate", 0);
	(void) gale_topology_config_bool(t, "topology.debug", false);

	// Absolute library paths are left alone: loading whatever file the
	// input names is not what is being tested here.
	bool absolute = false;
	for (size_t i = 0; i < t->ncomponents; i++) {
		const char *lib = t->components[i].shared_lib;
		absolute        = absolute || (lib != NULL && lib[0] == '/');
	}
	if (!absolute) {
		size_t before = d.n;
		rv = gale_topology_validate(t, "/nonexistent-gale-fuzz",
		    gale__registry_resolver(), &d);
		FUZZ_CHECK((rv == GALE_OK) == (d.n == before));
	}
	fuzz_check_diag(&d);
	gale_topology_destroy(&t);
	FUZZ_CHECK(t == NULL);
	gale_diag_fini(&d);
	return 0;
}
