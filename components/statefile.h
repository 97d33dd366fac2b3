// SPDX-License-Identifier: MIT
// statefile.h - one number kept durably for one run of a topology, such as
// the offset a file spout resumes at.
//
// The file has two fixed-size slots, written in turn; each holds a version
// line, the run id, the value, a generation and a checksum of the lines
// before it. A put rewrites the older slot with one pwrite and no fsync,
// which is cheap enough to follow every change and outlives the process
// that made it; a sync makes the latest put outlive the machine. A crash
// in the middle of a write tears one slot at most: the reader takes the
// newest slot of its run whose checksum holds. Not thread-safe: it belongs
// to one task.

#ifndef GALE_COMPONENTS_STATEFILE_H
#define GALE_COMPONENTS_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

// The longest run id a state file holds.
#define GALE_STATEFILE_RUN_ID_MAX 160

typedef struct gale_statefile gale_statefile;

// What open found in the file.
typedef enum {
	GALE_STATEFILE_NONE = 0, // no file, or one of another run
	GALE_STATEFILE_FOUND, // a value of this run
	GALE_STATEFILE_DAMAGED, // a file with no slot that holds: why in err
} gale_statefile_found;

// Opens (creating it when missing) the state file at path for run_id, and
// sets *found and, when FOUND, *value. Fails with GALE_EINVAL (a run id
// too long or with a newline), GALE_EIO or GALE_ENOMEM, err (errlen bytes)
// saying why; err also says why a file is DAMAGED.
gale_err gale__statefile_open(gale_statefile **out, const char *path,
    const char *run_id, gale_statefile_found *found, uint64_t *value,
    char *err, size_t errlen);

// Keeps value: one pwrite, durable once the process is gone but not after
// a crash of the machine until the next sync. GALE_OK or GALE_EIO.
gale_err gale__statefile_put(gale_statefile *f, uint64_t value);

// Makes the last put durable (fsync). GALE_OK or GALE_EIO.
gale_err gale__statefile_sync(gale_statefile *f);

// Syncs and closes; accepts NULL and sets *fp to NULL.
void gale__statefile_close(gale_statefile **fp);

// Creates dir and its missing parents: 0, or -1 with errno set.
int gale__mkdirs(const char *dir);

// Writes into buf (cap bytes) the path of a task's file in dir: the
// topology, the component and the task's index, dot-separated, then
// suffix; anything but letters, digits, '-', '_' and '.' becomes '_'.
// 0, or -1 when it does not fit.
int gale__statefile_path(char *buf, size_t cap, const char *dir,
    const gale_context *ctx, const char *suffix);

#endif // GALE_COMPONENTS_STATEFILE_H
