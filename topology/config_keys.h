// SPDX-License-Identifier: MIT
// config_keys.h - the known topology config keys, their types, limits and
// defaults, in one table.
//
// The parser and `--set` check every config value against this table, so
// that the runtime can read values with gale_topology_config_*() without
// checking them again.

#ifndef GALE_TOPOLOGY_CONFIG_KEYS_H
#define GALE_TOPOLOGY_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

// Defaults the runtime and the key table share. A finite pending limit,
// as Storm advises: a slow bolt then slows the spout instead of timing
// trees out into replays.
#define GALE_DEFAULT_MAX_PENDING 1000
#define GALE_DEFAULT_MAX_PENDING_STR "1000"
#define GALE_DEFAULT_MAX_TUPLE_BYTES (4 * 1024 * 1024)
#define GALE_DEFAULT_MAX_TUPLE_BYTES_STR "4194304"
#define GALE_DEFAULT_STUCK_SECS 30

typedef enum {
	GALE_CONF_INT = 1,
	GALE_CONF_FLOAT,
	GALE_CONF_BOOL,
} gale_conf_type;

typedef struct gale_config_key {
	const char    *name;
	gale_conf_type type;
	double         min; // INT and FLOAT: the smallest value allowed
	double         max; // INT and FLOAT: the largest value allowed
	const char    *def; // the default as written; NULL: see doc
	const char    *doc;
} gale_config_key;

// Every known key, closed by an entry whose name is NULL.
extern const gale_config_key gale__config_keys[];

// The key named name, or NULL when it is not a known key.
const gale_config_key *gale__config_key_find(const char *name);

// Checks that value is of the key's type and within its limits, reading it
// with base/num.h as options and command-line flags are read. On failure
// writes a message naming the key and the value (without position) into err
// and returns false.
bool gale__config_check(const gale_config_key *k, const char *value,
    char *err, size_t errlen);

// True when name is a topology config key Storm defines (topology/
// storm_keys.c): gale accepts it with a warning when it is not one of
// gale's own.
bool gale__storm_key_known(const char *name);

// The i-th of Storm's topology keys, NULL past the last, for suggestions.
const char *gale__storm_key_name(size_t i);

// True when name is a key of Storm's daemons or clients (storm.yaml's:
// storm.*, nimbus.*, supervisor.*, ui.*, ...), not of a topology.
bool gale__storm_daemon_key_known(const char *name);
// The i-th of those, NULL past the last.
const char *gale__storm_daemon_key_name(size_t i);

#endif // GALE_TOPOLOGY_CONFIG_KEYS_H
