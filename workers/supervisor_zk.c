// SPDX-License-Identifier: MIT
// supervisor_zk.c - a supervisor on ZooKeeper: registered as an ephemeral
// node, and finding the leading nimbus there.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "workers/nimbus_zk.h"
#include "workers/supervisor_zk.h"
#include "workers/zk.h"

#define SUP_ZK_RETRY_MS 1000
#define SUP_ZK_READ_MS 1000

struct gale_supervisor_zk {
	gale_zk *zk;
	char         servers[1024];
	char         root[256];
	gale_zk_conf conf; // of servers and root here
	char         id[300];
	char         host[256];
	bool     registered;
	uint64_t retry_ms;
	uint64_t read_ms; // when to read the assignments again
	uint8_t *asg; // the assignments as last read
	size_t   asg_len;
};

static uint64_t
sup_zk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static gale_err
sup_zk_register(gale_supervisor_zk *z, char *err, size_t errlen)
{
	if (z->zk == NULL) {
		gale_err rv = gale__zk_open(&z->zk, &z->conf, err, errlen);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	char rel[400];
	snprintf(rel, sizeof(rel), "supervisors/%s", z->id);
	gale_err rv = gale__zk_ephemeral(
	    z->zk, rel, z->host, strlen(z->host), false, NULL, 0, err, errlen);
	// The node of a session that has not expired yet (this supervisor
	// restarted at once) goes with it; until then it says the same.
	if (rv == GALE_OK || rv == GALE_EEXIST) {
		z->registered = rv == GALE_OK;
		return GALE_OK;
	}
	return rv;
}

gale_err
gale__supervisor_zk_open(gale_supervisor_zk **out, const gale_zk_conf *conf,
    const char *id, const char *host, char *err, size_t errlen)
{
	gale_supervisor_zk *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	snprintf(z->servers, sizeof(z->servers), "%s", conf->servers);
	snprintf(z->root, sizeof(z->root), "%s",
	    conf->root ? conf->root : GALE_ZK_ROOT);
	z->conf         = *conf;
	z->conf.servers = z->servers;
	z->conf.root    = z->root;
	snprintf(z->id, sizeof(z->id), "%s", id);
	snprintf(z->host, sizeof(z->host), "%s", host);
	gale_err rv = sup_zk_register(z, err, errlen);
	if (rv != GALE_OK) {
		gale__supervisor_zk_close(&z);
		return rv;
	}
	GALE_INFO("registered in ZooKeeper at %s%s/supervisors/%s", z->servers,
	    gale__zk_root(z->zk), id);
	*out = z;
	return GALE_OK;
}

void
gale__supervisor_zk_close(gale_supervisor_zk **zp)
{
	gale_supervisor_zk *z = *zp;
	if (z == NULL) {
		return;
	}
	gale__zk_close(&z->zk);
	free(z->asg);
	free(z);
	*zp = NULL;
}

void
gale__supervisor_zk_tick(gale_supervisor_zk *z)
{
	uint64_t now = sup_zk_now_ms();
	if (now < z->retry_ms) {
		return;
	}
	bool alive = z->zk != NULL && gale__zk_alive(z->zk);
	if (alive && z->registered) {
		return;
	}
	z->retry_ms = now + SUP_ZK_RETRY_MS;
	if (!alive) {
		GALE_WARN("the ZooKeeper session expired; registering again");
		gale__zk_close(&z->zk);
		z->registered = false;
	}
	char err[512];
	if (sup_zk_register(z, err, sizeof(err)) != GALE_OK) {
		GALE_WARN("%s", err);
	}
}

bool
gale__supervisor_zk_connected(const gale_supervisor_zk *z)
{
	return z->zk != NULL && gale__zk_connected(z->zk);
}

void
gale__supervisor_zk_forget(gale_supervisor_zk *z)
{
	free(z->asg);
	z->asg     = NULL;
	z->asg_len = 0;
	z->read_ms = 0;
}

bool
gale__supervisor_zk_leader(gale_supervisor_zk *z, char *ep, size_t eplen)
{
	// Not while it looks for a server: it would only time out.
	if (z->zk == NULL || !gale__zk_connected(z->zk)) {
		return false;
	}
	ep[0] = '\0';
	gale__zk_find_leader(z->zk, NULL, ep, eplen);
	return ep[0] != '\0';
}

bool
gale__supervisor_zk_assignments(
    gale_supervisor_zk *z, uint8_t **data, size_t *len)
{
	uint64_t now = sup_zk_now_ms();
	if (z->zk == NULL || !gale__zk_alive(z->zk) || now < z->read_ms) {
		return false;
	}
	z->read_ms = now + SUP_ZK_READ_MS;
	char rel[400], err[512];
	snprintf(rel, sizeof(rel), "assignments/%s", z->id);
	uint8_t *d = NULL;
	size_t   n = 0;
	if (gale__zk_get(z->zk, rel, &d, &n, err, sizeof(err)) != GALE_OK) {
		return false; // none yet, or ZooKeeper is away: try later
	}
	if (z->asg != NULL && z->asg_len == n && memcmp(z->asg, d, n) == 0) {
		free(d);
		return false;
	}
	uint8_t *copy = malloc(n + 1);
	if (copy == NULL) {
		free(d);
		return false;
	}
	memcpy(copy, d, n);
	free(z->asg);
	z->asg     = copy;
	z->asg_len = n;
	*data      = d;
	*len       = n;
	return true;
}
