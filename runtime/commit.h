// SPDX-License-Identifier: MIT
// commit.h - the group commit of a checkpointing bolt: when the acks it
// holds back may go, after its state is stored.
//
// A bolt with a checkpoint callback holds the acks of what it executed
// until a checkpoint stores its state. Storing after every batch costs a
// write per batch under load; waiting costs every tree its wait. The rule
// here takes both: a checkpoint is due at once when the input went idle,
// when few acks are held (light input: one tree at a time, a low rate),
// or when very many are; otherwise, while input keeps coming, at most one
// per gap (the bolt's checkpoint_ms, and never less than
// GALE_COMMIT_GAP_NS). A pure function of its arguments: no clock read,
// no state.

#ifndef GALE_RUNTIME_COMMIT_H
#define GALE_RUNTIME_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Held acks (of distinct roots) that make a checkpoint due at once.
#define GALE_COMMIT_ACKS 1024
// At most this many held is light input: for a bolt that asks for
// checkpoints at every chance (checkpoint_ms 0), one is due at once.
#define GALE_COMMIT_LIGHT_ACKS 16
// The least time between two checkpoints while input keeps coming.
#define GALE_COMMIT_GAP_NS 1000000u

// True when a checkpoint is due at now: held acks are waiting, idle says
// nothing was executed since the last look, next_ns is when the gap after
// the last checkpoint ends, and checkpoint_ms is the bolt's own timer
// (0: at every chance).
bool gale__commit_due(uint64_t now, uint64_t next_ns, size_t held, bool idle,
    uint32_t checkpoint_ms);

// When the gap after a checkpoint made at now ends.
uint64_t gale__commit_next(uint64_t now, uint32_t checkpoint_ms);

#endif // GALE_RUNTIME_COMMIT_H
