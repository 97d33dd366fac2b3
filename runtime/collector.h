// SPDX-License-Identifier: MIT
// collector.h - what a component emits, acks and fails through: the public
// collector functions, handed to the executor kind of its task.

#ifndef GALE_RUNTIME_COLLECTOR_H
#define GALE_RUNTIME_COLLECTOR_H

#include "gale.h"

typedef struct gale_executor gale_executor;

// Transparent inside the runtime, opaque to components: the executor
// embeds its collector, which is only the way back to it.
struct gale_collector {
	gale_executor *e;
};

#endif // GALE_RUNTIME_COLLECTOR_H
