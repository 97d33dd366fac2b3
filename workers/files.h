// SPDX-License-Identifier: MIT
// files.h - directories, atomic file writes and the shipped libraries of a
// topology, for the client, nimbus and supervisors.
//
// Every function that can fail writes a one-line reason naming the file
// into err (errlen bytes).

#ifndef GALE_WORKERS_FILES_H
#define GALE_WORKERS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"
#include "topology/model.h"

// Shipped libraries and definition files larger than this are refused.
#define GALE_FILES_MAX_BYTES (256u << 20)

// The files of the folder shipped for shell components pass no more than
// this in total.
#define GALE_FILES_FOLDER_MAX_BYTES (64u << 20)

// Shipped files whose path starts with this belong to that folder: the
// rest of the path is where they go below the workers' library directory.
#define GALE_FILES_FOLDER_MARK "@"

// Creates path and its missing parents (mode 0755). GALE_EIO on failure.
gale_err gale_files_mkdirs(const char *path, char *err, size_t errlen);

// Replaces path with len bytes of data so that a crash leaves either the
// old file or the new one: writes path.tmp, fsyncs it, renames it over
// path and fsyncs the directory. GALE_EIO on failure (the old file stays).
gale_err gale_files_write_atomic(
    const char *path, const void *data, size_t len, char *err, size_t errlen);

// Reads a whole regular file into *data (malloc'ed, NUL-terminated, the
// caller frees) and *len. GALE_ENOENT when it does not exist, GALE_EINVAL
// when it is larger than GALE_FILES_MAX_BYTES or not a regular file,
// GALE_EIO or GALE_ENOMEM otherwise.
gale_err gale_files_read(
    const char *path, uint8_t **data, size_t *len, char *err, size_t errlen);

// True when name can name a file or directory of its own: letters, digits,
// '.', '_' and '-', not starting with '.', at most 128 bytes.
bool gale_files_name_ok(const char *name);

// Reads the library of every component of t that names one (relative
// paths taken from the directory of t->file, as validation does) into
// spec->libraries, each once, with the path as written. When t has a
// shell component, the folder its scripts run in goes too, marked with
// GALE_FILES_FOLDER_MARK: the regular files below resources/ beside
// t->file when it exists, else those of t->file's own folder (not its
// subfolders). Symbolic links are followed only to files inside it, hidden
// files are left out, and more than GALE_FILES_FOLDER_MAX_BYTES is
// GALE_EINVAL.
gale_err gale_files_ship_read(
    gale_spec *spec, const gale_topology *t, char *err, size_t errlen);

// Writes the shipped libraries of spec into dir (created when missing),
// each at dir/<basename of its path>, and a relative path that stays below
// dir ("lib/x.so") also at dir/<path>, so that validation with dir as the
// libdir finds it; a folder file (GALE_FILES_FOLDER_MARK) goes only at
// dir/<its path>, written before the libraries. Files whose content is already the same are left alone.
// GALE_EINVAL for a path with no usable basename, GALE_EIO when a file
// cannot be written.
gale_err gale_files_ship_write(
    const gale_spec *spec, const char *dir, char *err, size_t errlen);

#endif // GALE_WORKERS_FILES_H
