// SPDX-License-Identifier: MIT
// log.h - the built-in bolt log: each input tuple written to the worker's
// log, as Storm's LogInfoBolt does.

#ifndef GALE_COMPONENTS_LOG_H
#define GALE_COMPONENTS_LOG_H

#include "gale.h"

// log: writes each input as one gale_log line at level info, "source:task
// stream [v1, v2, ...]" (strings quoted, bytes as their length), acks it
// and emits nothing. Option `level` (error, warn, info, debug; default
// info).
extern const gale_component gale__bolt_log;

#endif // GALE_COMPONENTS_LOG_H
