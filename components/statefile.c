// SPDX-License-Identifier: MIT
// statefile.c - a number per run in two checksummed slots.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "components/statefile.h"

#define STATEFILE_MAGIC "gale-state 1\n"
#define STATEFILE_SLOT 256

struct gale_statefile {
	int      fd;
	char    *run_id;
	uint64_t gen; // of the last slot written
	bool     dirty; // a put since the last sync
};

// FNV-1a, 32 bits: enough to tell a torn or foreign slot from ours.
static uint32_t
statefile_sum(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char) s[i];
		h *= 16777619u;
	}
	return h;
}

typedef enum {
	SLOT_BAD = 0, // torn, garbage or empty
	SLOT_OTHER, // a whole slot of another run
	SLOT_OURS,
} slot_kind;

// Parses one slot (STATEFILE_SLOT bytes at p).
static slot_kind
statefile_parse(
    const char *p, const char *run_id, uint64_t *value, uint64_t *gen)
{
	char buf[STATEFILE_SLOT + 1];
	memcpy(buf, p, STATEFILE_SLOT);
	buf[STATEFILE_SLOT] = '\0';
	if (strncmp(buf, STATEFILE_MAGIC, strlen(STATEFILE_MAGIC)) != 0) {
		return SLOT_BAD;
	}
	char *check = strstr(buf, "\ncheck ");
	if (check == NULL) {
		return SLOT_BAD;
	}
	check++;
	char    *end;
	uint32_t sum = (uint32_t) strtoul(check + 6, &end, 16);
	if (end != check + 14 || *end != '\n'
	    || sum != statefile_sum(buf, (size_t) (check - buf))) {
		return SLOT_BAD;
	}
	*check = '\0';
	char               run[STATEFILE_SLOT];
	unsigned long long v, g;
	int                used = 0;
	if (sscanf(buf + strlen(STATEFILE_MAGIC),
		"run %255[^\n]\nvalue %llu\ngen %llu\n%n", run, &v, &g, &used)
		!= 3
	    || buf[strlen(STATEFILE_MAGIC) + (size_t) used] != '\0') {
		return SLOT_BAD;
	}
	if (strcmp(run, run_id) != 0) {
		return SLOT_OTHER;
	}
	*value = v;
	*gen   = g;
	return SLOT_OURS;
}

gale_err
gale__statefile_open(gale_statefile **out, const char *path,
    const char *run_id, gale_statefile_found *found, uint64_t *value,
    char *err, size_t errlen)
{
	if (strlen(run_id) > GALE_STATEFILE_RUN_ID_MAX || run_id[0] == '\0'
	    || strpbrk(run_id, "\n ") != NULL) {
		snprintf(err, errlen,
		    "the run id (%zu bytes) cannot be kept: empty, longer "
		    "than %d bytes or with a space or newline",
		    strlen(run_id), GALE_STATEFILE_RUN_ID_MAX);
		return GALE_EINVAL;
	}
	gale_statefile *f = calloc(1, sizeof(*f));
	if (f == NULL || (f->run_id = strdup(run_id)) == NULL) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	f->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		free(f->run_id);
		free(f);
		return GALE_EIO;
	}
	char    buf[2 * STATEFILE_SLOT];
	ssize_t n;
	do {
		n = pread(f->fd, buf, sizeof(buf), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
		    strerror(errno));
		gale__statefile_close(&f);
		return GALE_EIO;
	}
	memset(buf + n, 0, sizeof(buf) - (size_t) n);
	*found     = GALE_STATEFILE_NONE;
	bool other = false;
	for (int i = 0; i < 2; i++) {
		uint64_t  v = 0, g = 0;
		slot_kind k = statefile_parse(
		    buf + i * STATEFILE_SLOT, run_id, &v, &g);
		other |= k == SLOT_OTHER;
		if (k == SLOT_OURS
		    && (*found != GALE_STATEFILE_FOUND || g > f->gen)) {
			*found = GALE_STATEFILE_FOUND;
			*value = v;
			f->gen = g;
		}
	}
	if (*found == GALE_STATEFILE_NONE && n > 0 && !other) {
		*found = GALE_STATEFILE_DAMAGED;
		snprintf(err, errlen,
		    "'%s' holds no whole state (%zd bytes, torn or not a "
		    "state file)",
		    path, n);
	}
	*out = f;
	return GALE_OK;
}

gale_err
gale__statefile_put(gale_statefile *f, uint64_t value)
{
	char     slot[STATEFILE_SLOT];
	uint64_t gen = f->gen + 1;
	int      n   = snprintf(slot, sizeof(slot),
		   STATEFILE_MAGIC "run %s\nvalue %" PRIu64 "\ngen %" PRIu64 "\n",
		   f->run_id, value, gen);
	n += snprintf(slot + n, sizeof(slot) - (size_t) n,
	    "check %08" PRIx32 "\n", statefile_sum(slot, (size_t) n));
	memset(slot + n, '\n', sizeof(slot) - (size_t) n);
	ssize_t w;
	do {
		w = pwrite(f->fd, slot, sizeof(slot),
		    (off_t) ((gen % 2) * STATEFILE_SLOT));
	} while (w < 0 && errno == EINTR);
	if (w != (ssize_t) sizeof(slot)) {
		return GALE_EIO;
	}
	f->gen   = gen;
	f->dirty = true;
	return GALE_OK;
}

gale_err
gale__statefile_sync(gale_statefile *f)
{
	if (!f->dirty) {
		return GALE_OK;
	}
	if (fdatasync(f->fd) != 0) {
		return GALE_EIO;
	}
	f->dirty = false;
	return GALE_OK;
}

void
gale__statefile_close(gale_statefile **fp)
{
	gale_statefile *f = *fp;
	if (f == NULL) {
		return;
	}
	if (f->fd >= 0) {
		gale__statefile_sync(f);
		close(f->fd);
	}
	free(f->run_id);
	free(f);
	*fp = NULL;
}

// Creates dir and its missing parents.
int
gale__mkdirs(const char *dir)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int) sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
				return -1;
			}
			*p = '/';
		}
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
		return -1;
	}
	return 0;
}

// Writes into buf the path of a task's file in dir: the topology, the
// component and the task index, with anything but letters, digits, '-',
// '_' and '.' made '_'.
int
gale__statefile_path(char *buf, size_t cap, const char *dir,
    const gale_context *ctx, const char *suffix)
{
	char name[300];
	snprintf(name, sizeof(name), "%s.%s.%" PRIu32,
	    gale_context_topology(ctx), gale_context_component(ctx),
	    gale_context_index(ctx));
	for (char *p = name; *p != '\0'; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
		    || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
		    || *p == '.';
		*p = ok ? *p : '_';
	}
	int n = snprintf(buf, cap, "%s/%s%s", dir, name, suffix);
	return n < 0 || (size_t) n >= cap ? -1 : 0;
}
