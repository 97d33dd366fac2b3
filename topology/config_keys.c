// SPDX-License-Identifier: MIT
// config_keys.c - the known topology config keys and typed config lookups.

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "topology/config_keys.h"
#include "topology/model.h"
#include "topology/suggest.h"

// Integer limits stop at INT32_MAX so that a checked value fits every
// integer type the runtime stores it in.
#define CONF_INT_MAX 2147483647.0

const gale_config_key gale__config_keys[] = {
	{ "topology.workers", GALE_CONF_INT, 1, CONF_INT_MAX, "1",
	    "worker processes" },
	{ "topology.acker.executors", GALE_CONF_INT, 0, CONF_INT_MAX, NULL,
	    "acker tasks; 0 turns tracking off; default: topology.workers" },
	{ "topology.max.spout.pending", GALE_CONF_INT, 0, CONF_INT_MAX,
	    GALE_DEFAULT_MAX_PENDING_STR,
	    "pending trees per spout task; 0: no limit" },
	{ "topology.max.tuple.bytes", GALE_CONF_INT, 1024, CONF_INT_MAX,
	    GALE_DEFAULT_MAX_TUPLE_BYTES_STR,
	    "the largest tuple's values in bytes; a larger emit fails" },
	{ "topology.executor.stuck.secs", GALE_CONF_INT, 1, CONF_INT_MAX,
	    "30", "seconds a callback may run before it is reported stuck" },
	{ "topology.message.timeout.secs", GALE_CONF_INT, 1, CONF_INT_MAX,
	    "30", "seconds before a pending tree fails" },
	{ "topology.debug", GALE_CONF_BOOL, 0, 0, "false",
	    "log every emitted tuple" },
	{ "topology.debug.replays", GALE_CONF_BOOL, 0, 0, "false",
	    "log every replay" },
	{ "topology.trace.sample.rate", GALE_CONF_FLOAT, 0, 1, NULL,
	    "fraction of tuples traced; default: chosen by the runtime" },
	{ "topology.transfer.batch.size", GALE_CONF_INT, 1, CONF_INT_MAX,
	    "256", "items per batch before it is sent" },
	{ "topology.transfer.flush.micros", GALE_CONF_INT, 0, CONF_INT_MAX,
	    "250", "the longest an item waits in a batch" },
	{ "topology.disable.loadaware.messaging", GALE_CONF_BOOL, 0, 0,
	    "false",
	    "SHUFFLE spreads over every task of the subscriber, not first "
	    "over those of the emitting worker" },
	{ "topology.executor.receive.buffer.size", GALE_CONF_INT, 1,
	    CONF_INT_MAX, "1024",
	    "accepted for Storm's sake; inboxes hold 8 batches per sender" },
	{ "topology.stats.sample.rate", GALE_CONF_FLOAT, 0, 1, NULL,
	    "fraction of tuples timed; default: chosen by the runtime" },
	{ "topology.tick.tuple.freq.secs", GALE_CONF_INT, 0, CONF_INT_MAX,
	    "0", "seconds between the tick tuples of each bolt; 0: none" },
	{ "topology.subprocess.timeout.secs", GALE_CONF_INT, 1, CONF_INT_MAX,
	    "30",
	    "seconds a shell component may take to answer, or go without "
	    "a heartbeat, before it is restarted" },
	{ "topology.shellbolt.max.pending", GALE_CONF_INT, 1, 100000, "100",
	    "tuples a shell bolt sends its process before it waits for "
	    "their acks" },
	{ NULL, 0, 0, 0, NULL, NULL },
};

const gale_config_key *
gale__config_key_find(const char *name)
{
	if (name == NULL) {
		return NULL;
	}
	for (const gale_config_key *k = gale__config_keys; k->name != NULL;
	     k++) {
		if (strcmp(k->name, name) == 0) {
			return k;
		}
	}
	return NULL;
}

bool
gale__config_check(
    const gale_config_key *k, const char *value, char *err, size_t errlen)
{
	char shown[80];
	switch (k->type) {
	case GALE_CONF_INT: {
		// The limits are whole numbers within the range of int64_t.
		int64_t v;
		if (gale__parse_i64(
			value, (int64_t) k->min, (int64_t) k->max, &v, NULL, 0)
		    != GALE_OK) {
			snprintf(err, errlen,
			    "'%s' must be an integer from %.0f to %.0f, found "
			    "'%s'",
			    k->name, k->min, k->max,
			    gale__suggest_show(shown, sizeof(shown), value));
			return false;
		}
		return true;
	}
	case GALE_CONF_FLOAT: {
		double v;
		if (gale__parse_f64(value, &v, NULL, 0) != GALE_OK
		    || v < k->min || v > k->max) {
			snprintf(err, errlen,
			    "'%s' must be a number from %g to %g, found '%s'",
			    k->name, k->min, k->max,
			    gale__suggest_show(shown, sizeof(shown), value));
			return false;
		}
		return true;
	}
	case GALE_CONF_BOOL: {
		bool v;
		if (gale__parse_bool(value, &v, NULL, 0) != GALE_OK) {
			snprintf(err, errlen,
			    "'%s' must be a boolean (true/false, yes/no, on/off, "
			    "1/0), found '%s'",
			    k->name,
			    gale__suggest_show(shown, sizeof(shown), value));
			return false;
		}
		return true;
	}
	}
	snprintf(err, errlen, "'%s' has an unknown type", k->name);
	return false;
}

const char *
gale_topology_config_str(const gale_topology *t, const char *key)
{
	// The parser refuses duplicate keys and --set replaces values, so the
	// first match is the only one.
	for (size_t i = 0; i < t->nconfig; i++) {
		if (strcmp(t->config[i].key, key) == 0) {
			return t->config[i].value;
		}
	}
	return NULL;
}

int64_t
gale_topology_config_i64(const gale_topology *t, const char *key, int64_t def)
{
	const char *s = gale_topology_config_str(t, key);
	int64_t     v;
	if (s == NULL
	    || gale__parse_i64(s, INT64_MIN, INT64_MAX, &v, NULL, 0)
		!= GALE_OK) {
		return def;
	}
	return v;
}

double
gale_topology_config_f64(const gale_topology *t, const char *key, double def)
{
	const char *s = gale_topology_config_str(t, key);
	double      v;
	if (s == NULL || gale__parse_f64(s, &v, NULL, 0) != GALE_OK) {
		return def;
	}
	return v;
}

bool
gale_topology_config_bool(const gale_topology *t, const char *key, bool def)
{
	const char *s = gale_topology_config_str(t, key);
	bool        v;
	if (s == NULL || gale__parse_bool(s, &v, NULL, 0) != GALE_OK) {
		return def;
	}
	return v;
}
