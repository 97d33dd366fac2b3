// SPDX-License-Identifier: MIT
// rolling_count.h - the built-in windowed bolt rolling_count: how often
// each value of a field occurs in a sliding window.

#ifndef GALE_COMPONENTS_ROLLING_COUNT_H
#define GALE_COMPONENTS_ROLLING_COUNT_H

#include "gale.h"

// rolling_count: counts the values of option `field` (default: the first
// value of each tuple; strings as they are, integers in decimal) over a
// window of option `window` sliding every `slide` (counts or durations,
// see gale.h's execute_window; the window.* options apply too). At each
// activation emits [value, count, window_end] for every value in the
// window, and once [value, 0, window_end] for a value that has just left
// it, anchored to the window.
extern const gale_component gale__bolt_rolling_count;

#endif // GALE_COMPONENTS_ROLLING_COUNT_H
