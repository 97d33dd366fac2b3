// SPDX-License-Identifier: MIT
// stats_gauges.h - the named gauges of typed stats: summed per component,
// and the lag per partition of "lag.<topic>.<partition>" gauges.

#ifndef GALE_WORKERS_STATS_GAUGES_H
#define GALE_WORKERS_STATS_GAUGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/control.h"

// Splits a gauge name "lag.<topic>.<partition>" (the topic may hold dots)
// into topic (copied, cut to cap - 1 bytes) and partition. False for any
// other name.
bool gale__stats_lag_parse(
    const char *name, char *topic, size_t cap, int32_t *partition);

// Adds to the JSON object o of the component id, from the tasks r carries:
// "gauges": {name: sum over the tasks}, and "lag": [{"topic",
// "partition", "lag"}] by topic and partition, each only when there is
// one. False when out of memory.
bool gale__stats_gauges_json(
    json_t *o, const gale_topology_stats *r, const char *id);

// One line per component with lag gauges, "ID lag: p0=12 p1=0" (with
// "TOPIC:p0=12" when it reads several topics), each ending with a
// newline; "" when none has. Malloc'ed (the caller frees), NULL when out
// of memory.
char *gale__stats_lag_lines(const gale_topology_stats *r);

#endif // GALE_WORKERS_STATS_GAUGES_H
