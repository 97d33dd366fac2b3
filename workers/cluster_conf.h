// SPDX-License-Identifier: MIT
// cluster_conf.h - the cluster config file, gale.yaml: where nimbus and
// ZooKeeper are, the data directory, the slots and the keys, in Storm's
// key names, read by every daemon and client command.
//
// The file is the one --config names, else $GALE_CONF, else
// ~/.gale/gale.yaml, else /etc/gale/gale.yaml; a default location that
// does not exist is no error. Flags override the file, and for clients
// $GALE_NIMBUS and $GALE_KEYS do too. Relative paths in the file are
// relative to its folder. Keys (all optional):
//
//   storm.zookeeper.servers: [zk1, zk2:2182]   # or "zk1,zk2"
//   storm.zookeeper.port: 2181                 # for servers without one
//   storm.zookeeper.root: /gale
//   storm.zookeeper.session.timeout: 4000      # ms; the server may adjust
//   storm.zookeeper.connection.timeout: 4000   # ms to wait for a session
//   nimbus.seeds: [tcp://n1:6627, n2]          # clients try them in turn
//   nimbus.listen: tcp://0.0.0.0:6627          # what nimbus binds
//   nimbus.supervisor.timeout.secs: 30
//   storm.local.dir: /var/lib/gale            # DIR/nimbus, DIR/supervisor
//   storm.local.hostname: host1                # the supervisor's --host
//   supervisor.slots.ports: [6700, 6701]       # consecutive ports
//   security.keys: /etc/gale/keys
//   security.insecure: false
//   ui.host: 127.0.0.1                         # what `gale ui` binds
//   ui.port: 8080
//
// An unknown key or a value of the wrong kind is an error naming its line,
// with "did you mean" for a misspelt key.

#ifndef GALE_WORKERS_CLUSTER_CONF_H
#define GALE_WORKERS_CLUSTER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"
#include "workers/zk.h"

typedef struct gale_cluster_conf {
	char    *path; // the file read, NULL when there was none
	char    *zookeeper; // "host:port,host:port", NULL when not set
	char    *zk_root; // NULL when not set
	uint32_t zk_session_ms, zk_connect_ms; // 0 when not set
	char    *nimbus_seeds; // "tcp://h:p,tcp://h:p", NULL when not set
	char    *nimbus_listen;
	char    *local_dir;
	char    *hostname;
	char    *keys;
	bool     has_insecure, insecure;
	bool     has_ports;
	uint32_t slots, port_base;
	bool     has_timeout;
	uint32_t supervisor_timeout_secs;
	char    *ui_host; // NULL when not set
	bool     has_ui_port;
	uint32_t ui_port;
	// Keys of Storm's storm.yaml that gale does not use, warned about
	// ("FILE:LINE:COLUMN: warning: ..."), one per line; NULL when none.
	char *warnings;
} gale_cluster_conf;

// Finds the file (given, else $GALE_CONF, else the default locations) and
// reads it into c (zeroed first). A given or $GALE_CONF file that cannot
// be read is an error; no file at the default locations leaves c empty.
// On failure writes the diagnostics, one per line, into err and returns
// GALE_EINVAL (bad content), GALE_ENOENT or GALE_EIO; c is then empty.
gale_err gale__cluster_conf_load(
    gale_cluster_conf *c, const char *given, char *err, size_t errlen);
// Reads text (len bytes) as if it were the file named file.
gale_err gale__cluster_conf_parse(gale_cluster_conf *c, const char *file,
    const char *text, size_t len, char *err, size_t errlen);
// Frees what c holds; c is empty afterwards.
void gale__cluster_conf_fini(gale_cluster_conf *c);
// Prints c's warnings to stderr, each line as "gale CMD: ...": what the
// daemons do as they start.
void gale__cluster_conf_warn(const gale_cluster_conf *c, const char *cmd);

// What a client command uses: flag when not NULL, else $GALE_NIMBUS (or
// $GALE_KEYS) when set, else the file's value, else the default
// (tcp://127.0.0.1:6627; no keys). Borrowed.
const char *gale__cluster_conf_nimbus(
    const gale_cluster_conf *c, const char *flag);
const char *gale__cluster_conf_keys(
    const gale_cluster_conf *c, const char *flag);
// The ZooKeeper of nimbus and supervisors: servers from flag when not
// NULL, else the file's; the root and timeouts from the file (NULL and 0
// when not set). Borrows from c and flag.
gale_zk_conf gale__cluster_conf_zk(
    const gale_cluster_conf *c, const char *flag);

// The address `gale ui` listens on, as HOST:PORT in buf: flag when not
// NULL, else the file's ui.host and ui.port (127.0.0.1 and 8080 when not
// set). Returns buf.
const char *gale__cluster_conf_ui_listen(
    const gale_cluster_conf *c, const char *flag, char *buf, size_t cap);

// What a command that talks to one nimbus (the console, the UI) takes
// from its flags and the file.
typedef struct gale_cluster_one {
	char endpoint[512]; // the first of gale__cluster_conf_nimbus
	char keys_dir[4096]; // "" for none
	char ui_listen[320]; // gale__cluster_conf_ui_listen
} gale_cluster_one;

// Reads the file (config, else the default places) and fills out from
// it and the flags (each NULL when not given). On failure writes the
// reason into err.
gale_err gale__cluster_conf_one(const char *config, const char *nimbus,
    const char *keys, const char *ui_listen, gale_cluster_one *out, char *err,
    size_t errlen);

#endif // GALE_WORKERS_CLUSTER_CONF_H
