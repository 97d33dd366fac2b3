// SPDX-License-Identifier: MIT
// files.c - directories, atomic file writes and shipped libraries.

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
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

// Appends one shipped file (path taken, content taken) to spec.
static gale_err
files_add(gale_spec *spec, char *path, uint8_t *data, size_t len, char *err,
    size_t errlen)
{
	gale_shipped_lib *l = realloc(spec->libraries,
	    (spec->nlibraries + 1) * sizeof(*spec->libraries));
	if (l == NULL || path == NULL) {
		if (l != NULL) {
			spec->libraries = l;
		}
		free(path);
		free(data);
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	spec->libraries = l;
	l               = &spec->libraries[spec->nlibraries++];
	memset(l, 0, sizeof(*l));
	l->path         = path;
	l->content      = data;
	l->len          = len;
	return GALE_OK;
}

// Ships the regular files below root/rel (subfolders too when deep), as
// GALE_FILES_FOLDER_MARK, prefix and their path from root.
// A symbolic link is followed only to a regular file inside root.
static gale_err
files_walk(gale_spec *spec, const char *root, const char *real_root,
    const char *prefix, const char *rel, bool deep, int depth, size_t *total,
    char *err, size_t errlen)
{
	char dpath[PATH_MAX];
	snprintf(dpath, sizeof(dpath), "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dpath);
	if (d == NULL) {
		snprintf(err, errlen, "%s: cannot read the folder: %s", dpath,
		    strerror(errno));
		return GALE_EIO;
	}
	gale_err       rv = GALE_OK;
	struct dirent *de;
	while (rv == GALE_OK && (de = readdir(d)) != NULL) {
		if (!gale_files_name_ok(de->d_name)) {
			continue; // hidden files, and names no folder can hold
		}
		char path[PATH_MAX], sub[PATH_MAX];
		int  a = snprintf(sub, sizeof(sub), "%s%s%s", rel,
                    rel[0] ? "/" : "", de->d_name);
		int  b = snprintf(path, sizeof(path), "%s/%.*s", root,
		     (int) (sizeof(sub) - 1), sub);
		if (a < 0 || b < 0 || (size_t) a >= sizeof(sub)
		    || (size_t) b >= sizeof(path)) {
			continue; // too deep a path to name
		}
		struct stat st;
		if (lstat(path, &st) != 0) {
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			char   real[PATH_MAX];
			size_t n = strlen(real_root);
			if (realpath(path, real) == NULL
			    || strncmp(real, real_root, n) != 0
			    || real[n] != '/' || stat(real, &st) != 0
			    || !S_ISREG(st.st_mode)) {
				continue; // not followed out of the folder
			}
		}
		if (S_ISDIR(st.st_mode)) {
			if (deep && depth < 16) {
				rv = files_walk(spec, root, real_root, prefix,
				    sub, deep, depth + 1, total, err, errlen);
			}
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			continue;
		}
		*total += (size_t) st.st_size;
		if (*total > GALE_FILES_FOLDER_MAX_BYTES) {
			snprintf(err, errlen,
			    "%s: the files shipped for shell components "
			    "pass %u MiB; keep the scripts in a resources/ "
			    "folder beside the topology file",
			    root, GALE_FILES_FOLDER_MAX_BYTES >> 20);
			rv = GALE_EINVAL;
			break;
		}
		uint8_t *data;
		size_t   len;
		rv = gale_files_read(path, &data, &len, err, errlen);
		if (rv == GALE_OK) {
			char *name = NULL;
			if (asprintf(&name, "%s%s%s", GALE_FILES_FOLDER_MARK,
				prefix, sub)
			    < 0) {
				name = NULL;
			}
			rv = files_add(spec, name, data, len, err, errlen);
		}
	}
	closedir(d);
	return rv;
}

// When t has a shell component, ships the folder its scripts run in:
// resources/ beside the topology file (with its subfolders), else the
// files of the topology file's own folder.
static gale_err
files_ship_folder(
    gale_spec *spec, const gale_topology *t, char *err, size_t errlen)
{
	bool shell = false;
	for (size_t i = 0; i < t->ncomponents && !shell; i++) {
		const gale_component_def *c = &t->components[i];
		shell = c->shared_lib == NULL && c->component != NULL
		    && strcmp(c->component, "shell") == 0;
	}
	if (!shell) {
		return GALE_OK;
	}
	const char *file  = t->file != NULL ? t->file : "";
	const char *slash = strrchr(file, '/');
	char        dir[PATH_MAX], res[PATH_MAX + 16], real[PATH_MAX];
	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
		    slash == file ? 1 : (int) (slash - file), file);
	}
	snprintf(res, sizeof(res), "%s/resources", dir);
	struct stat st;
	bool        deep = stat(res, &st) == 0 && S_ISDIR(st.st_mode);
	const char *root = deep ? res : dir;
	if (realpath(root, real) == NULL) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return GALE_EIO;
	}
	// The workers' copy keeps the resources/ name, so that the shell
	// components pick it as their working directory there too.
	size_t total = 0;
	return files_walk(spec, root, real, deep ? "resources/" : "", "", deep,
	    0, &total, err, errlen);
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
		memset(l, 0, sizeof(*l));
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
	return files_ship_folder(spec, t, err, errlen);
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
	// The folder's files first, so that a library of the same name wins.
	size_t nmark = strlen(GALE_FILES_FOLDER_MARK);
	for (size_t i = 0; i < spec->nlibraries; i++) {
		const gale_shipped_lib *l    = &spec->libraries[i];
		const char             *path = l->path ? l->path : "";
		if (strncmp(path, GALE_FILES_FOLDER_MARK, nmark) != 0) {
			continue;
		}
		if (!files_path_below(path + nmark)) {
			snprintf(err, errlen,
			    "shipped file '%s': not a path inside its folder",
			    path + nmark);
			return GALE_EINVAL;
		}
		if ((rv = files_put(dir, path + nmark, l, err, errlen))
		    != GALE_OK) {
			return rv;
		}
	}
	for (size_t i = 0; i < spec->nlibraries; i++) {
		const gale_shipped_lib *l    = &spec->libraries[i];
		const char             *path = l->path ? l->path : "";
		if (strncmp(path, GALE_FILES_FOLDER_MARK, nmark) == 0) {
			continue;
		}
		const char *slash = strrchr(path, '/');
		const char *base  = slash ? slash + 1 : path;
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
