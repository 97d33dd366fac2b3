// SPDX-License-Identifier: MIT
// files.c - directories, atomic file writes and shipped libraries.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workers/files.h"

gale_err
gale_files_mkdirs(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int) sizeof(buf)
	    || buf[0] == '\0') {
		snprintf(err, errlen, "%s: path too long or empty", path);
		return GALE_EINVAL;
	}
	for (char *p = buf + 1;; p++) {
		bool end = *p == '\0';
		if (*p == '/' || end) {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "%s: cannot create: %s",
				    buf, strerror(errno));
				return GALE_EIO;
			}
			if (end) {
				break;
			}
			*p = '/';
		}
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return GALE_EIO;
	}
	return GALE_OK;
}

// Fsyncs the directory holding path, so that a rename in it is durable.
static void
files_sync_dir(const char *path)
{
	char        dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

gale_err
gale_files_write_atomic(
    const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return GALE_EINVAL;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", tmp,
		    strerror(errno));
		return GALE_EIO;
	}
	const uint8_t *p    = data;
	size_t         left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			goto fail;
		}
		p += n;
		left -= (size_t) n;
	}
	if (fsync(fd) != 0) {
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		goto fail;
	}
	files_sync_dir(path);
	return GALE_OK;
fail:
	snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
	if (fd >= 0) {
		close(fd);
	}
	unlink(tmp);
	return GALE_EIO;
}

gale_err
gale_files_read(
    const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(
		    err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return errno == ENOENT ? GALE_ENOENT : GALE_EIO;
	}
	struct stat st;
	gale_err    rv  = GALE_EIO;
	uint8_t    *buf = NULL;
	if (fstat(fd, &st) != 0) {
		snprintf(
		    err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		rv = GALE_EINVAL;
		goto out;
	}
	if ((uint64_t) st.st_size > GALE_FILES_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
		    GALE_FILES_MAX_BYTES);
		rv = GALE_EINVAL;
		goto out;
	}
	size_t cap = (size_t) st.st_size;
	buf        = malloc(cap + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		rv = GALE_ENOMEM;
		goto out;
	}
	size_t n = 0;
	while (n < cap) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (k == 0) {
			break; // it shrank while being read
		}
		n += (size_t) k;
	}
	buf[n] = '\0';
	*data  = buf;
	*len   = n;
	buf    = NULL;
	rv     = GALE_OK;
out:
	free(buf);
	close(fd);
	return rv;
}

bool
gale_files_name_ok(const char *name)
{
	size_t n = 0;
	for (const char *c = name; *c != '\0'; c++, n++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
		    || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'
		    || *c == '.';
		if (!ok) {
			return false;
		}
	}
	return n > 0 && n <= 128 && name[0] != '.';
}

gale_err
gale_files_ship_read(
    gale_spec *spec, const gale_topology *t, char *err, size_t errlen)
{
	const char *file  = t->file != NULL ? t->file : "";
	const char *slash = strrchr(file, '/');
	for (size_t i = 0; i < t->ncomponents; i++) {
		const char *lib = t->components[i].shared_lib;
		if (lib == NULL) {
			continue;
		}
		bool seen = false;
		for (size_t k = 0; k < spec->nlibraries && !seen; k++) {
			seen = strcmp(spec->libraries[k].path, lib) == 0;
		}
		if (seen) {
			continue;
		}
		char path[4096];
		if (lib[0] == '/' || slash == NULL) {
			snprintf(path, sizeof(path), "%s", lib);
		} else {
			snprintf(path, sizeof(path), "%.*s/%s",
			    (int) (slash - file), file, lib);
		}
		uint8_t *data;
		size_t   len;
		gale_err rv = gale_files_read(path, &data, &len, err, errlen);
		if (rv != GALE_OK) {
			return rv;
		}
		gale_shipped_lib *l = realloc(spec->libraries,
		    (spec->nlibraries + 1) * sizeof(*spec->libraries));
		if (l == NULL) {
			free(data);
			snprintf(err, errlen, "%s: out of memory", path);
			return GALE_ENOMEM;
		}
		spec->libraries = l;
		l               = &spec->libraries[spec->nlibraries];
		l->path         = strdup(lib);
		l->content      = data;
		l->len          = len;
		if (l->path == NULL) {
			free(data);
			snprintf(err, errlen, "%s: out of memory", path);
			return GALE_ENOMEM;
		}
		spec->nlibraries++;
	}
	return GALE_OK;
}

// True when path holds exactly len bytes equal to data.
static bool
files_same(const char *path, const uint8_t *data, size_t len)
{
	uint8_t *old;
	size_t   olen;
	char     err[64];
	if (gale_files_read(path, &old, &olen, err, sizeof(err)) != GALE_OK) {
		return false;
	}
	bool same = olen == len && (len == 0 || memcmp(old, data, len) == 0);
	free(old);
	return same;
}

// True when a relative path stays below its directory: no empty, "." or
// ".." component.
static bool
files_path_below(const char *path)
{
	if (path[0] == '/' || path[0] == '\0') {
		return false;
	}
	const char *p = path;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t      n     = slash ? (size_t) (slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.')
		    || (n == 2 && p[0] == '.' && p[1] == '.')) {
			return false;
		}
		if (slash == NULL) {
			return true;
		}
		p = slash + 1;
	}
}

static gale_err
files_put(const char *dir, const char *rel, const gale_shipped_lib *l,
    char *err, size_t errlen)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s/%s", dir, rel)
	    >= (int) sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, rel);
		return GALE_EINVAL;
	}
	if (files_same(path, l->content, l->len)) {
		return GALE_OK;
	}
	char *slash = strrchr(path, '/');
	*slash      = '\0';
	gale_err rv = gale_files_mkdirs(path, err, errlen);
	*slash      = '/';
	if (rv != GALE_OK) {
		return rv;
	}
	return gale_files_write_atomic(path, l->content, l->len, err, errlen);
}

gale_err
gale_files_ship_write(
    const gale_spec *spec, const char *dir, char *err, size_t errlen)
{
	gale_err rv = gale_files_mkdirs(dir, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	for (size_t i = 0; i < spec->nlibraries; i++) {
		const gale_shipped_lib *l     = &spec->libraries[i];
		const char             *path  = l->path ? l->path : "";
		const char             *slash = strrchr(path, '/');
		const char             *base  = slash ? slash + 1 : path;
		if (base[0] == '\0' || strcmp(base, ".") == 0
		    || strcmp(base, "..") == 0) {
			snprintf(err, errlen,
			    "shipped library '%s': no file name in the path",
			    path);
			return GALE_EINVAL;
		}
		if ((rv = files_put(dir, base, l, err, errlen)) != GALE_OK) {
			return rv;
		}
		if (slash != NULL && files_path_below(path)
		    && (rv = files_put(dir, path, l, err, errlen))
			!= GALE_OK) {
			return rv;
		}
	}
	return GALE_OK;
}
