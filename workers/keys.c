// SPDX-License-Identifier: MIT
// keys.c - the cluster's CURVE keys: key files, secured sockets, the
// trusted set that nimbus checks every peer against, and loopback checks.

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "base/thread.h"
#include "workers/files.h"
#include "workers/keys.h"

#define KEYS_FILE_MAX 4096
#define KEYS_PATH_MAX 4096
// Refused keys logged by one handler; past that they are counted only.
#define ZAP_LOGGED_MAX 256

struct gale_keys {
	char dir[KEYS_PATH_MAX];
	char public[GALE_KEY_Z85];
	char     secret[GALE_KEY_Z85];
	char     server[GALE_KEY_Z85]; // nimbus's public key; "" for nimbus
	char     fp[GALE_KEY_FP];
	uint8_t *trusted; // 32 bytes each
	size_t   ntrusted;
};

void
gale__keys_fp(const uint8_t *pub, char out[GALE_KEY_FP])
{
	for (int i = 0; i < 8; i++) {
		snprintf(out + 2 * i, 3, "%02x", pub[i]);
	}
}

// Reads the one key of a key file into z85: the first line that is not
// empty and not a comment.
static gale_err
keys_read(const char *path, char z85[GALE_KEY_Z85], bool secret, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(
		    err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return errno == ENOENT ? GALE_ENOENT : GALE_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return GALE_EINVAL;
	}
	// As ssh does: a secret others can read is no secret.
	if (secret && (st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "%s: others can read this secret key (mode %04o); "
		    "chmod 600 it",
		    path, (unsigned) (st.st_mode & 07777));
		close(fd);
		return GALE_EINVAL;
	}
	char    buf[KEYS_FILE_MAX + 1];
	ssize_t n = read(fd, buf, KEYS_FILE_MAX);
	close(fd);
	if (n < 0) {
		snprintf(
		    err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return GALE_EIO;
	}
	buf[n] = '\0';
	for (char *line = buf; line != NULL && *line != '\0';) {
		char *next = strchr(line, '\n');
		if (next != NULL) {
			*next++ = '\0';
		}
		size_t len = strlen(line);
		while (len > 0
		    && (line[len - 1] == '\r' || line[len - 1] == ' ')) {
			line[--len] = '\0';
		}
		if (len == 0 || line[0] == '#') {
			line = next;
			continue;
		}
		uint8_t raw[32];
		if (len != GALE_KEY_Z85 - 1
		    || zmq_z85_decode(raw, line) == NULL) {
			break;
		}
		memcpy(z85, line, GALE_KEY_Z85);
		return GALE_OK;
	}
	snprintf(err, errlen,
	    "%s: not a CURVE %s key (40 characters of Z85, as gale keygen "
	    "writes)",
	    path, secret ? "secret" : "public");
	return GALE_EINVAL;
}

static bool
keys_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
keys_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

// Loads every *.pub file of k->dir into the trusted set.
static gale_err
keys_load_trusted(gale_keys *k, char *err, size_t errlen)
{
	DIR *d = opendir(k->dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: cannot list: %s", k->dir,
		    strerror(errno));
		return GALE_EIO;
	}
	char   **names = NULL;
	size_t   nn = 0, cap = 0;
	gale_err rv = GALE_OK;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (!keys_has_suffix(e->d_name, ".pub")) {
			continue;
		}
		if (nn == cap) {
			cap       = cap ? cap * 2 : 16;
			char **nv = realloc(names, cap * sizeof(*names));
			if (nv == NULL) {
				rv = GALE_ENOMEM;
				break;
			}
			names = nv;
		}
		if ((names[nn] = strdup(e->d_name)) == NULL) {
			rv = GALE_ENOMEM;
			break;
		}
		nn++;
	}
	closedir(d);
	if (rv == GALE_OK && nn > 0) {
		qsort(names, nn, sizeof(*names), keys_cmp_names);
		k->trusted = calloc(nn, 32);
		if (k->trusted == NULL) {
			rv = GALE_ENOMEM;
		}
	}
	for (size_t i = 0; rv == GALE_OK && i < nn; i++) {
		char path[KEYS_PATH_MAX + 256];
		char z85[GALE_KEY_Z85];
		snprintf(path, sizeof(path), "%s/%s", k->dir, names[i]);
		rv = keys_read(path, z85, false, err, errlen);
		if (rv == GALE_OK) {
			zmq_z85_decode(k->trusted + 32 * k->ntrusted++, z85);
		}
	}
	if (rv == GALE_ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	for (size_t i = 0; i < nn; i++) {
		free(names[i]);
	}
	free(names);
	return rv;
}

gale_err
gale__keys_load(gale_keys **out, const char *dir, const char *self, char *err,
    size_t errlen)
{
	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= KEYS_PATH_MAX - 300
	    || !gale_files_name_ok(self)) {
		snprintf(err, errlen, "a keys directory needs a path");
		return GALE_EINVAL;
	}
	gale_keys *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	snprintf(k->dir, sizeof(k->dir), "%s", dir);
	char     path[KEYS_PATH_MAX + 64];
	gale_err rv;
	snprintf(path, sizeof(path), "%s/%s.key", dir, self);
	if ((rv = keys_read(path, k->secret, true, err, errlen)) != GALE_OK) {
		if (rv == GALE_ENOENT) {
			snprintf(err, errlen,
			    "%s has no key pair for the %s: make one with "
			    "gale keygen --out %s --name %s",
			    dir, self, dir, self);
		}
		goto fail;
	}
	if (zmq_curve_public(k->public, k->secret) != 0) {
		snprintf(err, errlen, "%s: cannot derive its public key: %s",
		    path, zmq_strerror(zmq_errno()));
		rv = GALE_EINVAL;
		goto fail;
	}
	uint8_t raw[32];
	zmq_z85_decode(raw, k->public);
	gale__keys_fp(raw, k->fp);
	if (strcmp(self, "nimbus") == 0) {
		rv = keys_load_trusted(k, err, errlen);
	} else {
		snprintf(path, sizeof(path), "%s/nimbus.pub", dir);
		rv = keys_read(path, k->server, false, err, errlen);
		if (rv == GALE_ENOENT) {
			snprintf(err, errlen,
			    "%s has no nimbus.pub: copy the cluster's nimbus "
			    "public key there",
			    dir);
		}
	}
	if (rv != GALE_OK) {
		goto fail;
	}
	*out = k;
	return GALE_OK;
fail:
	gale__keys_destroy(&k);
	return rv;
}

void
gale__keys_destroy(gale_keys **kp)
{
	gale_keys *k = *kp;
	if (k == NULL) {
		return;
	}
	// The secret does not linger in freed memory.
	memset(k->secret, 0, sizeof(k->secret));
	free(k->trusted);
	free(k);
	*kp = NULL;
}

const char *
gale__keys_dir(const gale_keys *k)
{
	return k->dir;
}

const char *
gale__keys_fingerprint(const gale_keys *k)
{
	return k->fp;
}

size_t
gale__keys_ntrusted(const gale_keys *k)
{
	return k->ntrusted;
}

bool
gale__keys_trusts(const gale_keys *k, const uint8_t *pub)
{
	for (size_t i = 0; i < k->ntrusted; i++) {
		if (memcmp(k->trusted + 32 * i, pub, 32) == 0) {
			return true;
		}
	}
	return false;
}

gale_err
gale__keys_serve(const gale_keys *k, void *sock)
{
	int server = 1;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &server, sizeof(server))
		!= 0
	    || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->secret, 40) != 0
	    || zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "gale", 4) != 0) {
		return GALE_EIO;
	}
	return GALE_OK;
}

gale_err
gale__keys_connect(const gale_keys *k, void *sock)
{
	if (k->server[0] == '\0'
	    || zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server, 40) != 0
	    || zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->public, 40) != 0
	    || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->secret, 40) != 0) {
		return GALE_EIO;
	}
	return GALE_OK;
}

// Writes text to path, created with mode, failing when it exists.
static gale_err
keys_write_new(
    const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path,
		    errno == EEXIST ? "exists already; keygen does not "
				      "overwrite keys"
				    : strerror(errno));
		return errno == EEXIST ? GALE_EEXIST : GALE_EIO;
	}
	size_t len = strlen(text);
	bool   ok  = write(fd, text, len) == (ssize_t) len && fsync(fd) == 0;
	if (close(fd) != 0) {
		ok = false;
	}
	if (!ok) {
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
		unlink(path);
		return GALE_EIO;
	}
	return GALE_OK;
}

gale_err
gale__keys_generate(const char *dir, const char *name, char pub[GALE_KEY_Z85],
    char *err, size_t errlen)
{
	if (!gale_files_name_ok(name)) {
		snprintf(err, errlen,
		    "'%s' cannot name a key: use letters, digits, '-', "
		    "'_' and '.'",
		    name);
		return GALE_EINVAL;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		gale_err rv = gale_files_mkdirs(dir, err, errlen);
		if (rv != GALE_OK) {
			return rv;
		}
	}
	char public[GALE_KEY_Z85], secret[GALE_KEY_Z85];
	if (zmq_curve_keypair(public, secret) != 0) {
		snprintf(err, errlen, "this libzmq cannot make CURVE keys: %s",
		    zmq_strerror(zmq_errno()));
		return GALE_EIO;
	}
	char kpath[KEYS_PATH_MAX], ppath[KEYS_PATH_MAX];
	char text[512];
	snprintf(kpath, sizeof(kpath), "%s/%s.key", dir, name);
	snprintf(ppath, sizeof(ppath), "%s/%s.pub", dir, name);
	if (access(ppath, F_OK) == 0) {
		snprintf(err, errlen,
		    "%s: exists already; keygen does not overwrite keys",
		    ppath);
		return GALE_EEXIST;
	}
	snprintf(text, sizeof(text),
	    "# gale CURVE secret key '%s': keep it private\n%s\n", name,
	    secret);
	memset(secret, 0, sizeof(secret));
	gale_err rv = keys_write_new(kpath, text, 0600, err, errlen);
	memset(text, 0, sizeof(text));
	if (rv != GALE_OK) {
		return rv;
	}
	snprintf(text, sizeof(text), "# gale CURVE public key '%s'\n%s\n",
	    name, public);
	if ((rv = keys_write_new(ppath, text, 0644, err, errlen)) != GALE_OK) {
		unlink(kpath);
		return rv;
	}
	if (pub != NULL) {
		memcpy(pub, public, GALE_KEY_Z85);
	}
	return GALE_OK;
}

// ---------------------------------------------------------------------
// The ZAP handler
// ---------------------------------------------------------------------

struct gale_zap {
	void            *zctx;
	void            *rep;
	const gale_keys *keys;
	pthread_t        thread;
	bool             started;
	_Atomic uint64_t refused;
	uint8_t          logged[ZAP_LOGGED_MAX][32];
	size_t           nlogged;
};

// Logs a refused key the first time it is seen.
static void
zap_log_refusal(gale_zap *z, const char *mechanism, const uint8_t *pub,
    const char *address)
{
	if (pub == NULL) {
		// Without a key there is nothing to tell peers apart by;
		// libzmq refuses a wrong mechanism before asking, so this is
		// rare.
		GALE_WARN("refused a %s peer from %s: nimbus takes only "
			  "CURVE",
		    mechanism, address);
		return;
	}
	for (size_t i = 0; i < z->nlogged; i++) {
		if (memcmp(z->logged[i], pub, 32) == 0) {
			return;
		}
	}
	if (z->nlogged < ZAP_LOGGED_MAX) {
		memcpy(z->logged[z->nlogged++], pub, 32);
	}
	char fp[GALE_KEY_FP];
	gale__keys_fp(pub, fp);
	GALE_WARN("refused a peer from %s with the untrusted key %s (its "
		  ".pub is not in %s)",
	    address, fp, gale__keys_dir(z->keys));
}

static void
zap_send(void *rep, zmq_msg_t *version, zmq_msg_t *id, const char *status,
    const char *text, const char *user)
{
	zmq_msg_send(version, rep, ZMQ_SNDMORE);
	zmq_msg_send(id, rep, ZMQ_SNDMORE);
	zmq_send(rep, status, strlen(status), ZMQ_SNDMORE);
	zmq_send(rep, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(rep, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(rep, "", 0, 0);
}

// Answers one ZAP request (RFC 27): version, request id, domain, address,
// identity, mechanism, credentials.
static bool
zap_answer(gale_zap *z)
{
	enum { ZAP_FRAMES = 7 };
	zmq_msg_t f[ZAP_FRAMES + 1];
	int       n = 0;
	for (;;) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, z->rep, 0) < 0) {
			zmq_msg_close(&m);
			for (int i = 0; i < n && i <= ZAP_FRAMES; i++) {
				zmq_msg_close(&f[i]);
			}
			return false; // the context is shutting down
		}
		bool more = zmq_msg_more(&m);
		if (n <= ZAP_FRAMES) {
			f[n] = m;
		} else {
			zmq_msg_close(&m);
		}
		n++;
		if (!more) {
			break;
		}
	}
	char mech[16] = "", addr[64] = "?";
	if (n >= 6) {
		size_t ml = zmq_msg_size(&f[5]), al = zmq_msg_size(&f[3]);
		snprintf(mech, sizeof(mech), "%.*s",
		    (int) (ml < sizeof(mech) ? ml : sizeof(mech) - 1),
		    (const char *) zmq_msg_data(&f[5]));
		snprintf(addr, sizeof(addr), "%.*s",
		    (int) (al < sizeof(addr) ? al : sizeof(addr) - 1),
		    (const char *) zmq_msg_data(&f[3]));
	}
	bool curve = n == 7 && strcmp(mech, "CURVE") == 0
	    && zmq_msg_size(&f[6]) == 32;
	const uint8_t *pub = curve ? zmq_msg_data(&f[6]) : NULL;
	if (n >= 2) {
		if (curve && gale__keys_trusts(z->keys, pub)) {
			char fp[GALE_KEY_FP];
			gale__keys_fp(pub, fp);
			zap_send(z->rep, &f[0], &f[1], "200", "OK", fp);
		} else {
			atomic_fetch_add(&z->refused, 1);
			zap_log_refusal(z, mech, pub, addr);
			zap_send(
			    z->rep, &f[0], &f[1], "400", "not trusted", "");
		}
	}
	for (int i = 0; i < n && i <= ZAP_FRAMES; i++) {
		zmq_msg_close(&f[i]);
	}
	return true;
}

static void *
zap_main(void *arg)
{
	gale_zap *z = arg;
	while (zap_answer(z)) { }
	zmq_close(z->rep);
	z->rep = NULL;
	return NULL;
}

gale_err
gale__zap_start(gale_zap **out, void *zctx, const gale_keys *k)
{
	gale_zap *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		return GALE_ENOMEM;
	}
	z->zctx    = zctx;
	z->keys    = k;
	z->rep     = zmq_socket(zctx, ZMQ_REP);
	int linger = 0;
	if (z->rep == NULL) {
		free(z);
		return GALE_EIO;
	}
	zmq_setsockopt(z->rep, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(z->rep, "inproc://zeromq.zap.01") != 0
	    || gale__thread_start(&z->thread, zap_main, z) != 0) {
		zmq_close(z->rep);
		free(z);
		return GALE_EIO;
	}
	z->started = true;
	*out       = z;
	return GALE_OK;
}

void
gale__zap_stop(gale_zap **zp)
{
	gale_zap *z = *zp;
	if (z == NULL) {
		return;
	}
	zmq_ctx_shutdown(z->zctx);
	if (z->started) {
		pthread_join(z->thread, NULL);
	}
	free(z);
	*zp = NULL;
}

uint64_t
gale__zap_refused(const gale_zap *z)
{
	return atomic_load(&((gale_zap *) z)->refused);
}
