// SPDX-License-Identifier: MIT
// nimbus_zk.c - nimbus on ZooKeeper: the session, and the election of one
// leader among the nimbus processes of one ZooKeeper.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "workers/nimbus_zk.h"
#include "workers/zk.h"

gale_err
gale__nimbus_zk_join(
    gale_nimbus *n, const gale_zk_conf *conf, char *err, size_t errlen)
{
	gale_err rv = gale__zk_open(&n->zk, conf, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	return gale__zk_ephemeral(n->zk, "nimbus/n-", n->endpoint,
	    strlen(n->endpoint), true, n->candidate, sizeof(n->candidate), err,
	    errlen);
}

bool
gale__zk_find_leader(gale_zk *zk, const char *self, char *ep, size_t eplen)
{
	char **names = NULL;
	size_t nn    = 0;
	char   err[512];
	bool   leads = false;
	if (gale__zk_children(zk, "nimbus", &names, &nn, err, sizeof(err))
	    != GALE_OK) {
		GALE_WARN("%s", err);
		return false;
	}
	// Sequence numbers have the same width, so names sort as numbers.
	for (size_t i = 0; i < nn; i++) {
		if (strncmp(names[i], "n-", 2) != 0) {
			continue;
		}
		char     rel[256];
		uint8_t *data = NULL;
		size_t   len  = 0;
		snprintf(rel, sizeof(rel), "nimbus/%s", names[i]);
		if (gale__zk_get(zk, rel, &data, &len, err, sizeof(err))
		    == GALE_OK) {
			snprintf(
			    ep, eplen, "%.*s", (int) len, (const char *) data);
			free(data);
			leads = self != NULL && strcmp(names[i], self) == 0;
			break;
		}
		// Gone in between: the next one is the leader.
	}
	gale__zk_names_free(names, nn);
	return leads;
}

bool
gale__nimbus_zk_leads(gale_nimbus *n)
{
	return gale__zk_find_leader(n->zk, n->candidate, n->leader_endpoint,
	    sizeof(n->leader_endpoint));
}

void
gale__nimbus_zk_watch_sups(gale_nimbus *n)
{
	uint64_t now = gale__nimbus_mono_ms();
	if (n->zk == NULL || now < n->sups_ms) {
		return;
	}
	n->sups_ms   = now + 1000;
	char **names = NULL;
	size_t nn    = 0;
	char   err[512];
	if (gale__zk_children(n->zk, "supervisors", &names, &nn, err,
		sizeof(err))
	    != GALE_OK) {
		GALE_WARN("%s", err);
		return;
	}
	for (size_t i = 0; i < n->ns; i++) {
		nim_sup *sup = n->s[i];
		for (size_t j = 0; j < nn; j++) {
			if (strcmp(names[j], sup->id) == 0) {
				sup->node_ms = now;
				break;
			}
		}
	}
	gale__zk_names_free(names, nn);
}
