// SPDX-License-Identifier: MIT
// zk.c - a ZooKeeper session under gale's root node, through ZooKeeper's
// C client.

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
// The synchronous calls exist in the multi-threaded client alone.
#define THREADED 1
#include <zookeeper/zookeeper.h>

#include "base/log.h"
#include "workers/zk.h"

#define ZK_PATH_MAX 1024

struct gale_zk {
	zhandle_t      *zh;
	char            servers[1024];
	char            root[256];
	pthread_mutex_t lock; // guards state: the client's thread sets it
	pthread_cond_t  changed;
	int             state;
};

static void
zk_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	(void) zh;
	(void) path;
	gale_zk *z = ctx;
	if (type != ZOO_SESSION_EVENT) {
		return;
	}
	pthread_mutex_lock(&z->lock);
	z->state = state;
	pthread_cond_broadcast(&z->changed);
	pthread_mutex_unlock(&z->lock);
}

static bool
zk_path(const gale_zk *z, const char *rel, char *buf, size_t cap)
{
	int n = rel[0] != '\0' ? snprintf(buf, cap, "%s/%s", z->root, rel)
			       : snprintf(buf, cap, "%s", z->root);
	return n > 0 && (size_t) n < cap;
}

static const char *
zk_why(int rc)
{
	return zerror(rc);
}

// Creates the persistent node path (absolute) with no data when missing.
static int
zk_ensure(gale_zk *z, const char *path)
{
	int rc = zoo_create(
	    z->zh, path, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
	return rc == ZNODEEXISTS ? ZOK : rc;
}

gale_err
gale__zk_open(
    gale_zk **out, const gale_zk_conf *conf, char *err, size_t errlen)
{
	const char *servers = conf->servers;
	const char *root    = conf->root != NULL ? conf->root : GALE_ZK_ROOT;
	int         session
	    = (int) (conf->session_ms ? conf->session_ms : GALE_ZK_SESSION_MS);
	int timeout_ms = conf->connect_ms ? (int) conf->connect_ms : session;
	if (servers == NULL || servers[0] == '\0' || strlen(servers) >= 1024
	    || root[0] != '/' || strlen(root) >= 200
	    || (strlen(root) > 1 && root[strlen(root) - 1] == '/')) {
		snprintf(err, errlen,
		    "ZooKeeper needs HOST:PORT[,HOST:PORT...] and a root "
		    "path such as /gale");
		return GALE_EINVAL;
	}
	gale_zk *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	snprintf(z->servers, sizeof(z->servers), "%s", servers);
	snprintf(
	    z->root, sizeof(z->root), "%s", strcmp(root, "/") ? root : "");
	pthread_mutex_init(&z->lock, NULL);
	pthread_cond_init(&z->changed, NULL);
	// The client's own log is for its developers (it reports every
	// reconnection); gale reports what matters itself.
	static FILE *quiet;
	if (quiet == NULL) {
		quiet = fopen("/dev/null", "w");
	}
	if (quiet != NULL) {
		zoo_set_log_stream(quiet);
	}
	zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
	z->zh = zookeeper_init(servers, zk_watcher, session, NULL, z, 0);
	if (z->zh == NULL) {
		snprintf(err, errlen, "ZooKeeper servers '%s': %s", servers,
		    "cannot start a session");
		gale__zk_close(&z);
		return GALE_EINVAL;
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&z->lock);
	while (z->state != ZOO_CONNECTED_STATE) {
		if (pthread_cond_timedwait(&z->changed, &z->lock, &until)
		    != 0) {
			break;
		}
	}
	bool up = z->state == ZOO_CONNECTED_STATE;
	pthread_mutex_unlock(&z->lock);
	if (!up) {
		snprintf(err, errlen,
		    "no ZooKeeper session with '%s' within %d ms", servers,
		    timeout_ms);
		gale__zk_close(&z);
		return GALE_ETIMEDOUT;
	}
	GALE_INFO("ZooKeeper session with %s: timeout %d ms (asked for %d)",
	    servers, zoo_recv_timeout(z->zh), session);
	static const char *const folders[]
	    = { "", "topologies", "supervisors", "nimbus", "assignments" };
	for (size_t i = 0; i < sizeof(folders) / sizeof(*folders); i++) {
		char path[ZK_PATH_MAX];
		zk_path(z, folders[i], path, sizeof(path));
		int rc = path[0] != '\0' ? zk_ensure(z, path) : ZOK;
		if (rc != ZOK) {
			snprintf(err, errlen,
			    "ZooKeeper '%s': cannot create %s: %s", servers,
			    path, zk_why(rc));
			gale__zk_close(&z);
			return GALE_EIO;
		}
	}
	*out = z;
	return GALE_OK;
}

void
gale__zk_close(gale_zk **zp)
{
	gale_zk *z = *zp;
	if (z == NULL) {
		return;
	}
	if (z->zh != NULL) {
		zookeeper_close(z->zh);
	}
	pthread_cond_destroy(&z->changed);
	pthread_mutex_destroy(&z->lock);
	free(z);
	*zp = NULL;
}

const char *
gale__zk_servers(const gale_zk *z)
{
	return z->servers;
}

const char *
gale__zk_root(const gale_zk *z)
{
	return z->root[0] ? z->root : "/";
}

bool
gale__zk_alive(const gale_zk *z)
{
	pthread_mutex_lock((pthread_mutex_t *) &z->lock);
	int s = z->state;
	pthread_mutex_unlock((pthread_mutex_t *) &z->lock);
	return s != ZOO_EXPIRED_SESSION_STATE && s != ZOO_AUTH_FAILED_STATE;
}

bool
gale__zk_connected(const gale_zk *z)
{
	pthread_mutex_lock((pthread_mutex_t *) &z->lock);
	int s = z->state;
	pthread_mutex_unlock((pthread_mutex_t *) &z->lock);
	return s == ZOO_CONNECTED_STATE;
}

gale_err
gale__zk_put(gale_zk *z, const char *rel, const void *data, size_t len,
    char *err, size_t errlen)
{
	char path[ZK_PATH_MAX];
	if (!zk_path(z, rel, path, sizeof(path)) || len > GALE_ZK_DATA_MAX) {
		snprintf(err, errlen, "ZooKeeper: %s: too long a path or data",
		    rel);
		return GALE_EINVAL;
	}
	int rc = zoo_set(z->zh, path, data, (int) len, -1);
	if (rc == ZNONODE) {
		rc = zoo_create(z->zh, path, data, (int) len,
		    &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
		if (rc == ZNODEEXISTS) {
			rc = zoo_set(z->zh, path, data, (int) len, -1);
		}
	}
	if (rc != ZOK) {
		snprintf(err, errlen, "ZooKeeper: cannot write %s: %s", path,
		    zk_why(rc));
		return GALE_EIO;
	}
	return GALE_OK;
}

gale_err
gale__zk_ephemeral(gale_zk *z, const char *rel, const void *data, size_t len,
    bool seq, char *made, size_t madelen, char *err, size_t errlen)
{
	char path[ZK_PATH_MAX], got[ZK_PATH_MAX];
	if (!zk_path(z, rel, path, sizeof(path))) {
		snprintf(err, errlen, "ZooKeeper: %s: too long a path", rel);
		return GALE_EINVAL;
	}
	int rc = zoo_create(z->zh, path, data, (int) len, &ZOO_OPEN_ACL_UNSAFE,
	    seq ? ZOO_EPHEMERAL_SEQUENTIAL : ZOO_EPHEMERAL, got,
	    (int) sizeof(got));
	if (rc == ZNODEEXISTS) {
		snprintf(err, errlen, "ZooKeeper: %s exists", path);
		return GALE_EEXIST;
	}
	if (rc != ZOK) {
		snprintf(err, errlen, "ZooKeeper: cannot create %s: %s", path,
		    zk_why(rc));
		return GALE_EIO;
	}
	if (made != NULL) {
		const char *slash = strrchr(got, '/');
		snprintf(made, madelen, "%s", slash != NULL ? slash + 1 : got);
	}
	return GALE_OK;
}

gale_err
gale__zk_get(gale_zk *z, const char *rel, uint8_t **data, size_t *len,
    char *err, size_t errlen)
{
	char path[ZK_PATH_MAX];
	if (!zk_path(z, rel, path, sizeof(path))) {
		snprintf(err, errlen, "ZooKeeper: %s: too long a path", rel);
		return GALE_EINVAL;
	}
	// The size first; a node that grew in between is read again.
	for (int attempt = 0; attempt < 3; attempt++) {
		struct Stat st;
		int         rc = zoo_exists(z->zh, path, 0, &st);
		if (rc == ZNONODE) {
			snprintf(err, errlen, "ZooKeeper: no %s", path);
			return GALE_ENOENT;
		}
		if (rc != ZOK) {
			snprintf(err, errlen, "ZooKeeper: cannot read %s: %s",
			    path, zk_why(rc));
			return GALE_EIO;
		}
		int   cap = st.dataLength > 0 ? st.dataLength : 0;
		char *buf = malloc((size_t) cap + 1);
		if (buf == NULL) {
			snprintf(err, errlen, "out of memory");
			return GALE_ENOMEM;
		}
		int n = cap;
		rc    = zoo_get(z->zh, path, 0, buf, &n, &st);
		if (rc == ZOK && st.dataLength <= cap) {
			n      = n < 0 ? 0 : n;
			buf[n] = '\0';
			*data  = (uint8_t *) buf;
			*len   = (size_t) n;
			return GALE_OK;
		}
		free(buf);
		if (rc == ZNONODE) {
			snprintf(err, errlen, "ZooKeeper: no %s", path);
			return GALE_ENOENT;
		}
		if (rc != ZOK) {
			snprintf(err, errlen, "ZooKeeper: cannot read %s: %s",
			    path, zk_why(rc));
			return GALE_EIO;
		}
	}
	snprintf(err, errlen, "ZooKeeper: %s keeps changing", path);
	return GALE_EAGAIN;
}

static int
zk_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

gale_err
gale__zk_children(gale_zk *z, const char *rel, char ***names, size_t *n,
    char *err, size_t errlen)
{
	char path[ZK_PATH_MAX];
	if (!zk_path(z, rel, path, sizeof(path))) {
		snprintf(err, errlen, "ZooKeeper: %s: too long a path", rel);
		return GALE_EINVAL;
	}
	struct String_vector v  = { 0 };
	int                  rc = zoo_get_children(z->zh, path, 0, &v);
	if (rc == ZNONODE) {
		snprintf(err, errlen, "ZooKeeper: no %s", path);
		return GALE_ENOENT;
	}
	if (rc != ZOK) {
		snprintf(err, errlen, "ZooKeeper: cannot list %s: %s", path,
		    zk_why(rc));
		return GALE_EIO;
	}
	char **out = calloc((size_t) v.count + 1, sizeof(*out));
	size_t k   = 0;
	for (int i = 0; out != NULL && i < v.count; i++) {
		if ((out[k] = strdup(v.data[i])) == NULL) {
			gale__zk_names_free(out, k);
			out = NULL;
			break;
		}
		k++;
	}
	deallocate_String_vector(&v);
	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	qsort(out, k, sizeof(*out), zk_cmp);
	*names = out;
	*n     = k;
	return GALE_OK;
}

void
gale__zk_names_free(char **names, size_t n)
{
	for (size_t i = 0; names != NULL && i < n; i++) {
		free(names[i]);
	}
	free(names);
}

gale_err
gale__zk_delete(gale_zk *z, const char *rel, char *err, size_t errlen)
{
	char path[ZK_PATH_MAX];
	if (!zk_path(z, rel, path, sizeof(path))) {
		snprintf(err, errlen, "ZooKeeper: %s: too long a path", rel);
		return GALE_EINVAL;
	}
	int rc = zoo_delete(z->zh, path, -1);
	if (rc != ZOK && rc != ZNONODE) {
		snprintf(err, errlen, "ZooKeeper: cannot delete %s: %s", path,
		    zk_why(rc));
		return GALE_EIO;
	}
	return GALE_OK;
}
