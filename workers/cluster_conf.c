// SPDX-License-Identifier: MIT
// cluster_conf.c - the cluster config file, gale.yaml, read into the
// settings of daemons and clients.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "topology/config_keys.h"
#include "topology/diag.h"
#include "topology/yaml_tree.h"
#include "workers/client.h"
#include "workers/cluster_conf.h"
#include "workers/files.h"
#include "workers/ui.h"

#define CONF_FILE_MAX (1 << 20)
#define CONF_ZK_PORT 2181
#define CONF_NIMBUS_PORT 6627

enum {
	K_ZK_SERVERS,
	K_ZK_PORT,
	K_ZK_ROOT,
	K_ZK_SESSION,
	K_ZK_CONNECT,
	K_SEEDS,
	K_LISTEN,
	K_TIMEOUT,
	K_LOCAL_DIR,
	K_HOSTNAME,
	K_PORTS,
	K_KEYS,
	K_INSECURE,
	K_UI_HOST,
	K_UI_PORT,
	K_COUNT,
};

static const char *const conf_keys[K_COUNT] = {
	[K_ZK_SERVERS] = "storm.zookeeper.servers",
	[K_ZK_PORT]    = "storm.zookeeper.port",
	[K_ZK_ROOT]    = "storm.zookeeper.root",
	[K_ZK_SESSION] = "storm.zookeeper.session.timeout",
	[K_ZK_CONNECT] = "storm.zookeeper.connection.timeout",
	[K_SEEDS]      = "nimbus.seeds",
	[K_LISTEN]     = "nimbus.listen",
	[K_TIMEOUT]    = "nimbus.supervisor.timeout.secs",
	[K_LOCAL_DIR]  = "storm.local.dir",
	[K_HOSTNAME]   = "storm.local.hostname",
	[K_PORTS]      = "supervisor.slots.ports",
	[K_KEYS]       = "security.keys",
	[K_INSECURE]   = "security.insecure",
	[K_UI_HOST]    = "ui.host",
	[K_UI_PORT]    = "ui.port",
};

void
gale__cluster_conf_fini(gale_cluster_conf *c)
{
	free(c->path);
	free(c->zookeeper);
	free(c->zk_root);
	free(c->nimbus_seeds);
	free(c->nimbus_listen);
	free(c->local_dir);
	free(c->hostname);
	free(c->keys);
	free(c->ui_host);
	free(c->warnings);
	memset(c, 0, sizeof(*c));
}

// Appends item to the comma-separated list *list.
static bool
conf_append(char **list, const char *item)
{
	size_t old = *list != NULL ? strlen(*list) : 0;
	char  *s   = realloc(*list, old + strlen(item) + 2);
	if (s == NULL) {
		return false;
	}
	snprintf(s + old, strlen(item) + 2, "%s%s", old ? "," : "", item);
	*list = s;
	return true;
}

// The scalars of v: a list of them, or one scalar holding a
// comma-separated list. Calls each(item) for every one; false after
// reporting.
static bool
conf_list(gale_report *r, const gale_yaml_node *v, const char *key,
    bool (*each)(gale_report *, const gale_yaml_node *, const char *, void *),
    void *arg)
{
	if (v->kind == GALE_YAML_SCALAR && !v->is_null) {
		char *copy = strdup(v->str);
		bool  ok   = copy != NULL;
		for (char *save = NULL, *tok = strtok_r(copy, ",", &save);
		     ok && tok != NULL; tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ') {
				tok++;
			}
			ok = each(r, v, tok, arg);
		}
		free(copy);
		return ok;
	}
	if (v->kind != GALE_YAML_SEQ || v->n == 0) {
		gale__report_error(r, &v->at, "%s: wants a list, not %s", key,
		    gale__yaml_kind_name(v));
		return false;
	}
	for (size_t i = 0; i < v->n; i++) {
		const gale_yaml_node *k = v->kids[i];
		if (k->kind != GALE_YAML_SCALAR || k->is_null) {
			gale__report_error(r, &k->at,
			    "%s: wants a list of names, not %s", key,
			    gale__yaml_kind_name(k));
			return false;
		}
		if (!each(r, k, k->str, arg)) {
			return false;
		}
	}
	return true;
}

// host or host:port, with a port from 1 to 65535.
static bool
conf_host_port(gale_report *r, const gale_yaml_node *at, const char *item,
    const char *key, char *out, size_t cap, int defport)
{
	const char *colon = strrchr(item, ':');
	int64_t     port  = defport;
	char        why[128];
	size_t hlen = colon != NULL ? (size_t) (colon - item) : strlen(item);
	if (colon != NULL
	    && gale__parse_i64(colon + 1, 1, 65535, &port, why, sizeof(why))
		!= GALE_OK) {
		gale__report_error(r, &at->at, "%s: '%s': the port %s", key,
		    gale__report_show(r, item), why);
		return false;
	}
	if (hlen == 0 || hlen > 200 || strpbrk(item, " /\t") != NULL) {
		gale__report_error(r, &at->at, "%s: '%s' is not a host[:port]",
		    key, gale__report_show(r, item));
		return false;
	}
	snprintf(out, cap, "%.*s:%d", (int) hlen, item, (int) port);
	return true;
}

typedef struct conf_walk {
	gale_cluster_conf *c;
	int                zk_port;
	bool               oom;
} conf_walk;

static bool
conf_zk_server(
    gale_report *r, const gale_yaml_node *at, const char *item, void *arg)
{
	conf_walk *w = arg;
	char       hp[256];
	if (!conf_host_port(r, at, item, conf_keys[K_ZK_SERVERS], hp,
		sizeof(hp), w->zk_port)) {
		return false;
	}
	if (!conf_append(&w->c->zookeeper, hp)) {
		w->oom = true;
		return false;
	}
	return true;
}

static bool
conf_seed(
    gale_report *r, const gale_yaml_node *at, const char *item, void *arg)
{
	conf_walk *w = arg;
	char       ep[300];
	if (strncmp(item, "tcp://", 6) == 0) {
		snprintf(ep, sizeof(ep), "%s", item);
		if (strrchr(item + 6, ':') == NULL) {
			gale__report_error(r, &at->at, "%s: '%s' needs a port",
			    conf_keys[K_SEEDS], gale__report_show(r, item));
			return false;
		}
	} else {
		char hp[256];
		if (!conf_host_port(r, at, item, conf_keys[K_SEEDS], hp,
			sizeof(hp), CONF_NIMBUS_PORT)) {
			return false;
		}
		snprintf(ep, sizeof(ep), "tcp://%s", hp);
	}
	if (!conf_append(&w->c->nimbus_seeds, ep)) {
		w->oom = true;
		return false;
	}
	return true;
}

// A string value; relative paths (with path) are made relative to the
// file's folder.
static bool
conf_str(gale_report *r, const gale_yaml_node *v, const char *key,
    const char *file, bool path, char **out)
{
	const char *s = gale__yaml_want_str(r, v, "gale.yaml", key);
	if (s == NULL) {
		return false;
	}
	if (path && s[0] != '/') {
		const char *slash = strrchr(file, '/');
		if (slash != NULL) {
			return asprintf(out, "%.*s/%s", (int) (slash - file),
				   file, s)
			    >= 0;
		}
	}
	*out = strdup(s);
	return *out != NULL;
}

static bool
conf_u32(gale_report *r, const gale_yaml_node *v, const char *key, int64_t min,
    int64_t max, uint32_t *out)
{
	char    why[160];
	int64_t x;
	if (v->kind != GALE_YAML_SCALAR
	    || gale__parse_i64(v->str, min, max, &x, why, sizeof(why))
		!= GALE_OK) {
		gale__report_error(r, &v->at, "%s: %s", key,
		    v->kind == GALE_YAML_SCALAR ? why
						: "wants a whole number");
		return false;
	}
	*out = (uint32_t) x;
	return true;
}

static void
conf_ports(gale_report *r, const gale_yaml_node *v, gale_cluster_conf *c)
{
	const char *key = conf_keys[K_PORTS];
	if (v->kind != GALE_YAML_SEQ || v->n == 0 || v->n > 1024) {
		gale__report_error(r, &v->at,
		    "%s: wants a list of 1 to 1024 ports, not %s", key,
		    gale__yaml_kind_name(v));
		return;
	}
	uint32_t first = 0;
	for (size_t i = 0; i < v->n; i++) {
		uint32_t p;
		if (!conf_u32(r, v->kids[i], key, 1, 65535, &p)) {
			return;
		}
		if (i == 0) {
			first = p;
		} else if (p != first + i) {
			gale__report_error(r, &v->kids[i]->at,
			    "%s: the ports must follow each other (%u, %u, "
			    "...), not jump to %u",
			    key, first, first + 1, p);
			return;
		}
	}
	c->has_ports = true;
	c->port_base = first;
	c->slots     = (uint32_t) v->n;
}

// ui.host and ui.port: an address `gale ui` can listen on.
static void
conf_ui(gale_report *r, const gale_yaml_node *const *v, gale_cluster_conf *c)
{
	if (v[K_UI_PORT] != NULL
	    && conf_u32(r, v[K_UI_PORT], conf_keys[K_UI_PORT], 0, 65535,
		&c->ui_port)) {
		c->has_ui_port = true;
	}
	if (v[K_UI_HOST] == NULL
	    || !conf_str(r, v[K_UI_HOST], conf_keys[K_UI_HOST], "", false,
		&c->ui_host)) {
		return;
	}
	char     addr[320], host[64], why[256];
	uint16_t port;
	snprintf(addr, sizeof(addr), "%s:0", c->ui_host);
	if (!gale_ui_parse_listen(
		addr, host, sizeof(host), &port, why, sizeof(why))) {
		gale__report_error(r, &v[K_UI_HOST]->at, "%s: '%s': %s",
		    conf_keys[K_UI_HOST], gale__report_show(r, c->ui_host),
		    why);
	}
}

// A key of Storm's daemons or a topology default a storm.yaml may hold.
static bool
conf_storm_key(const char *key)
{
	return gale__storm_daemon_key_known(key) || gale__storm_key_known(key);
}

static void
conf_walk_root(
    gale_report *r, const gale_yaml_node *root, const char *file, conf_walk *w)
{
	gale_cluster_conf    *c = w->c;
	const gale_yaml_node *v[K_COUNT];
	// A Storm user's storm.yaml sets keys gale has no use for: they are
	// warned about, and a key Storm does not know either is an error.
	gale__yaml_map_fields_but(
	    r, root, "gale.yaml", conf_keys, K_COUNT, conf_storm_key, v);
	uint32_t port = CONF_ZK_PORT;
	if (v[K_ZK_PORT] != NULL) {
		conf_u32(
		    r, v[K_ZK_PORT], conf_keys[K_ZK_PORT], 1, 65535, &port);
	}
	w->zk_port = (int) port;
	if (v[K_ZK_SERVERS] != NULL) {
		conf_list(r, v[K_ZK_SERVERS], conf_keys[K_ZK_SERVERS],
		    conf_zk_server, w);
	}
	if (v[K_ZK_ROOT] != NULL
	    && conf_str(r, v[K_ZK_ROOT], conf_keys[K_ZK_ROOT], file, false,
		&c->zk_root)
	    && (c->zk_root[0] != '/' || strlen(c->zk_root) > 200)) {
		gale__report_error(r, &v[K_ZK_ROOT]->at,
		    "%s: '%s' is not a ZooKeeper path (it starts with '/')",
		    conf_keys[K_ZK_ROOT], gale__report_show(r, c->zk_root));
	}
	// Milliseconds, as in Storm.
	if (v[K_ZK_SESSION] != NULL) {
		conf_u32(r, v[K_ZK_SESSION], conf_keys[K_ZK_SESSION], 100,
		    3600000, &c->zk_session_ms);
	}
	if (v[K_ZK_CONNECT] != NULL) {
		conf_u32(r, v[K_ZK_CONNECT], conf_keys[K_ZK_CONNECT], 100,
		    3600000, &c->zk_connect_ms);
	}
	if (v[K_SEEDS] != NULL) {
		conf_list(r, v[K_SEEDS], conf_keys[K_SEEDS], conf_seed, w);
	}
	if (v[K_LISTEN] != NULL) {
		conf_str(r, v[K_LISTEN], conf_keys[K_LISTEN], file, false,
		    &c->nimbus_listen);
	}
	if (v[K_TIMEOUT] != NULL) {
		c->has_timeout
		    = conf_u32(r, v[K_TIMEOUT], conf_keys[K_TIMEOUT], 1, 86400,
			&c->supervisor_timeout_secs);
	}
	if (v[K_LOCAL_DIR] != NULL) {
		conf_str(r, v[K_LOCAL_DIR], conf_keys[K_LOCAL_DIR], file, true,
		    &c->local_dir);
	}
	if (v[K_HOSTNAME] != NULL) {
		conf_str(r, v[K_HOSTNAME], conf_keys[K_HOSTNAME], file, false,
		    &c->hostname);
	}
	if (v[K_PORTS] != NULL) {
		conf_ports(r, v[K_PORTS], c);
	}
	if (v[K_KEYS] != NULL) {
		conf_str(
		    r, v[K_KEYS], conf_keys[K_KEYS], file, true, &c->keys);
	}
	conf_ui(r, v, c);
	if (v[K_INSECURE] != NULL) {
		char why[128];
		if (v[K_INSECURE]->kind != GALE_YAML_SCALAR
		    || gale__parse_bool(
			   v[K_INSECURE]->str, &c->insecure, why, sizeof(why))
			!= GALE_OK) {
			gale__report_error(r, &v[K_INSECURE]->at,
			    "%s: wants true or false", conf_keys[K_INSECURE]);
		} else {
			c->has_insecure = true;
		}
	}
}

// Joins the diagnostics into err, one per line.
static void
conf_diag_text(const gale_diag *d, char *err, size_t errlen)
{
	size_t off = 0;
	err[0]     = '\0';
	for (size_t i = 0; i < d->n && off + 1 < errlen; i++) {
		int k = snprintf(err + off, errlen - off, "%s%s",
		    i ? "\n" : "", d->lines[i]);
		if (k < 0) {
			break;
		}
		off += (size_t) k;
	}
}

// The diagnostics of a file that was read (warnings only) as one text,
// NULL when there are none; false when out of memory.
static bool
conf_diag_keep(const gale_diag *d, char **out)
{
	*out = NULL;
	if (d->n == 0) {
		return true;
	}
	size_t size = 1;
	for (size_t i = 0; i < d->n; i++) {
		size += strlen(d->lines[i]) + 1;
	}
	if ((*out = malloc(size)) == NULL) {
		return false;
	}
	conf_diag_text(d, *out, size);
	return true;
}

gale_err
gale__cluster_conf_parse(gale_cluster_conf *c, const char *file,
    const char *text, size_t len, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	gale_diag d;
	gale_diag_init(&d);
	gale_report r;
	gale__report_init(&r, file, &d);
	gale_yaml_node *root = NULL;
	gale_err        rv   = gale__yaml_tree_build(&root, text, len, &r);
	conf_walk       w    = { .c = c };
	if (rv == GALE_OK && root != NULL) {
		if (root->kind == GALE_YAML_MAP) {
			conf_walk_root(&r, root, file, &w);
		} else if (!root->is_null) {
			gale__report_error(&r, &root->at,
			    "gale.yaml: wants a mapping of keys, not %s",
			    gale__yaml_kind_name(root));
		}
	}
	gale__yaml_tree_free(root);
	if (w.oom) {
		rv = GALE_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", file);
	} else if (rv == GALE_ENOMEM) {
		snprintf(err, errlen, "%s: out of memory", file);
	} else if (gale__report_failed(&r) || rv != GALE_OK) {
		rv = GALE_EINVAL;
		conf_diag_text(&d, err, errlen);
	} else if ((c->path = strdup(file)) == NULL
	    || !conf_diag_keep(&d, &c->warnings)) {
		rv = GALE_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", file);
	}
	gale_diag_fini(&d);
	if (rv != GALE_OK) {
		gale__cluster_conf_fini(c);
	}
	return rv;
}

gale_err
gale__cluster_conf_load(
    gale_cluster_conf *c, const char *given, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	const char *env = getenv("GALE_CONF");
	char        home[4096];
	const char *path     = given;
	bool        required = true;
	if (path == NULL && env != NULL && env[0] != '\0') {
		path = env;
	}
	if (path == NULL) {
		required        = false;
		const char *h   = getenv("HOME");
		bool        has = false;
		if (h != NULL && h[0] != '\0') {
			snprintf(home, sizeof(home), "%s/.gale/gale.yaml", h);
			FILE *f = fopen(home, "r");
			if ((has = f != NULL)) {
				fclose(f);
			}
		}
		path = has ? home : "/etc/gale/gale.yaml";
	}
	uint8_t *data = NULL;
	size_t   len  = 0;
	gale_err rv   = gale_files_read(path, &data, &len, err, errlen);
	if (rv != GALE_OK) {
		free(data);
		if (!required && rv == GALE_ENOENT) {
			err[0] = '\0';
			return GALE_OK;
		}
		return rv;
	}
	if (len > CONF_FILE_MAX || memchr(data, '\0', len) != NULL) {
		snprintf(
		    err, errlen, "%s: not a YAML text of at most 1 MiB", path);
		free(data);
		return GALE_EINVAL;
	}
	rv = gale__cluster_conf_parse(
	    c, path, (const char *) data, len, err, errlen);
	free(data);
	return rv;
}

const char *
gale__cluster_conf_nimbus(const gale_cluster_conf *c, const char *flag)
{
	const char *env = getenv("GALE_NIMBUS");
	if (flag != NULL) {
		return flag;
	}
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	return c->nimbus_seeds != NULL ? c->nimbus_seeds : GALE_NIMBUS_DEFAULT;
}

gale_zk_conf
gale__cluster_conf_zk(const gale_cluster_conf *c, const char *flag)
{
	return (gale_zk_conf) {
		.servers    = flag != NULL ? flag : c->zookeeper,
		.root       = c->zk_root,
		.session_ms = c->zk_session_ms,
		.connect_ms = c->zk_connect_ms,
	};
}

const char *
gale__cluster_conf_keys(const gale_cluster_conf *c, const char *flag)
{
	const char *env = getenv("GALE_KEYS");
	if (flag != NULL) {
		return flag;
	}
	if (env != NULL && env[0] != '\0') {
		return env;
	}
	return c->keys;
}

const char *
gale__cluster_conf_ui_listen(
    const gale_cluster_conf *c, const char *flag, char *buf, size_t cap)
{
	if (flag != NULL) {
		snprintf(buf, cap, "%s", flag);
	} else {
		snprintf(buf, cap, "%s:%u",
		    c->ui_host != NULL ? c->ui_host : GALE_UI_DEFAULT_HOST,
		    c->has_ui_port ? (unsigned) c->ui_port
				   : (unsigned) GALE_UI_DEFAULT_PORT);
	}
	return buf;
}

gale_err
gale__cluster_conf_one(const char *config, const char *nimbus,
    const char *keys, const char *ui_listen, gale_cluster_one *out, char *err,
    size_t errlen)
{
	gale_cluster_conf c;
	gale_err          rv = gale__cluster_conf_load(&c, config, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	const char *eps = gale__cluster_conf_nimbus(&c, nimbus);
	const char *k   = gale__cluster_conf_keys(&c, keys);
	snprintf(out->endpoint, sizeof(out->endpoint), "%.*s",
	    (int) strcspn(eps, ","), eps);
	snprintf(
	    out->keys_dir, sizeof(out->keys_dir), "%s", k != NULL ? k : "");
	gale__cluster_conf_ui_listen(
	    &c, ui_listen, out->ui_listen, sizeof(out->ui_listen));
	gale__cluster_conf_fini(&c);
	return GALE_OK;
}

void
gale__cluster_conf_warn(const gale_cluster_conf *c, const char *cmd)
{
	for (const char *p = c->warnings; p != NULL && *p != '\0';) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "gale %s: %.*s\n", cmd, (int) n, p);
		p += n + (p[n] == '\n');
	}
}
