// SPDX-License-Identifier: MIT
// wal.h - a write-ahead log of lines: segment files, group commit,
// trimmed as lines are acked, bounded in size.
//
// A log is a directory of segment files, each named by the sequence number
// of its first record (20 digits and ".wal"). A record is a 4-byte length,
// a 4-byte CRC-32 of the length and the bytes, and the bytes, all
// little-endian. Appends are buffered until gale__wal_sync writes them and
// makes them durable with one fdatasync, and only then can they be read
// back; a segment is deleted once every record in it is acked and a newer
// segment exists. Opening a log finds every record kept, cuts a torn or
// damaged tail (a record whose length or checksum does not hold) and
// starts reading at the first record: a restarted spout replays every
// line that was never acked, and some that were, of segments not yet
// deleted. Not thread-safe: callers lock.

#ifndef GALE_COMPONENTS_WAL_H
#define GALE_COMPONENTS_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gale.h"

typedef struct gale_wal gale_wal;

// What opening a log found, for the spout's log.
typedef struct gale_wal_recovery {
	uint64_t records; // records kept, to be read again
	uint64_t segments; // segment files kept
	uint64_t cut_bytes; // bytes cut off damaged tails
	uint64_t cut_segments; // segments with a damaged tail
} gale_wal_recovery;

// Opens the log in dir, creating the directory when missing. The log
// holds at most max_bytes (records and headers); segments are started
// after about segment_bytes (at most a quarter of max_bytes). On failure
// returns GALE_EIO or GALE_ENOMEM, err (errlen bytes) saying why. rec,
// when not NULL, tells what was found.
gale_err gale__wal_open(gale_wal **out, const char *dir, uint64_t max_bytes,
    uint64_t segment_bytes, gale_wal_recovery *rec, char *err, size_t errlen);

// Writes what was appended (as sync does, errors ignored) and closes the
// log; accepts NULL and sets *wp to NULL.
void gale__wal_close(gale_wal **wp);

// Appends one record, in memory until the next sync, which append makes
// itself when the records appended would overflow the segment (so each
// segment holds about segment_bytes, however much a batch holds); that
// sync failing gives GALE_EIO, the record not appended. GALE_EAGAIN when the
// log is full: nothing was appended, and space comes back as lines are
// acked. GALE_EINVAL for a line larger than the whole log.
gale_err gale__wal_append(gale_wal *w, const char *line, size_t len);

// Writes the appended records and makes them durable with one fdatasync
// (and an fsync of the directory when a segment was created); they can be
// read afterwards. GALE_OK when nothing was appended. GALE_EIO, err
// saying why: the records stay appended, and the next sync tries again.
gale_err gale__wal_sync(gale_wal *w, char *err, size_t errlen);

// The next durable record not read yet, and its sequence number. GALE_OK;
// GALE_ECLOSED when every durable record has been read; GALE_EIO or
// GALE_ENOMEM. The line is borrowed: valid until the next call to next.
gale_err gale__wal_next(
    gale_wal *w, const char **line, size_t *len, uint64_t *seq);

// Marks record seq acked, at most once per record; deletes the segments
// whose records are all acked, but for the newest. Unknown sequence
// numbers are ignored.
void gale__wal_ack(gale_wal *w, uint64_t seq);

// The bytes the log holds (segments and appended records), its segment
// files, the fdatasyncs made since it was opened, and the records not
// acked.
uint64_t gale__wal_bytes(const gale_wal *w);
size_t   gale__wal_segments(const gale_wal *w);
uint64_t gale__wal_syncs(const gale_wal *w);
uint64_t gale__wal_unacked(const gale_wal *w);

#endif // GALE_COMPONENTS_WAL_H
