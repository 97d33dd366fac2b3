// SPDX-License-Identifier: MIT
// wire.h - everything in proto/gale.proto: the data-plane batch codec
// (proto/batch.h) and the control-plane codec (proto/control.h).
//
// Kept so that callers that use both include one header; new code may
// include the one it needs.

#ifndef GALE_PROTO_WIRE_H
#define GALE_PROTO_WIRE_H

#include "proto/batch.h"
#include "proto/control.h"

#endif // GALE_PROTO_WIRE_H
