// SPDX-License-Identifier: MIT
// tuple.h - the tuple a bolt receives: a view of one item of a received
// batch, read in place.

#ifndef GALE_RUNTIME_TUPLE_H
#define GALE_RUNTIME_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gale.h"
#include "proto/wire.h"
#include "topology/plan.h"

// Transparent inside the runtime, opaque to components: the executor
// builds one on its stack for every tuple it executes, so a tuple costs no
// allocation. Its values, anchors and decl are borrowed.
struct gale_tuple {
	const gale_plan        *plan;
	const gale_value       *values;
	size_t                  nvalues;
	const gale_stream_decl *decl; // the source's declaration of the stream
	const gale_anchor      *anchors;
	size_t                  nanchors;
	uint32_t                src_task;
	uint64_t                ack_val; // XOR of the edges anchored to it
	uint64_t                held; // the handle of its held copy, or 0
	bool                    done; // acked or failed (or held)
};

// The declaration of the stream named name (len bytes; 0: the default
// stream) in the outputs of task src's component, or NULL when there is
// none. Caller must not free. Inline: it runs once per received tuple.
static inline const gale_stream_decl *
gale__tuple_stream_decl(
    const gale_plan *p, uint32_t src, const char *name, size_t len)
{
	if (src < 1 || src > gale_plan_ntasks(p)) {
		return NULL;
	}
	const gale_component_def *d
	    = gale_plan_component_def(p, gale_plan_task_component(p, src));
	if (d == NULL) {
		return NULL;
	}
	const gale_stream_decl *decl = gale_component_outputs(d);
	if (len == 0) {
		name = GALE_DEFAULT_STREAM;
		len  = strlen(GALE_DEFAULT_STREAM);
	}
	for (; decl != NULL && decl->stream != NULL; decl++) {
		if (strlen(decl->stream) == len
		    && memcmp(decl->stream, name, len) == 0) {
			return decl;
		}
	}
	return NULL;
}

// Writes values as "[a, 2, 0.5, true, <3 bytes>]" into buf (len bytes),
// cut to fit; returns buf.
char *gale__tuple_format_values(
    char *buf, size_t len, const gale_value *values, size_t n);

#endif // GALE_RUNTIME_TUPLE_H
