// SPDX-License-Identifier: MIT
// rankings.h - the built-in bolt rankings: the top values by a count, as
// storm-starter's intermediate and total rankings bolts.

#ifndef GALE_COMPONENTS_RANKINGS_H
#define GALE_COMPONENTS_RANKINGS_H

#include "gale.h"

// rankings: keeps the `top` (default 10) values of field `field` (default
// "value") with the highest integer field `count_field` (default "count"):
// the latest count of a value replaces the one before, and a count of 0
// removes it. An input that has a field `rank` is an entry of a ranking
// from an upstream rankings task: rank 1 starts that task's new ranking,
// replacing its old entries, so that partial rankings merge into a total
// one. At each tick (topology.tick.tuple.freq.secs) emits the ranking as
// [value, count, rank] tuples, rank 1 first, unanchored; with `print: true`
// also prints it on one line, `rankings value=count value=count ...`,
// highest first.
extern const gale_component gale__bolt_rankings;

#endif // GALE_COMPONENTS_RANKINGS_H
