// SPDX-License-Identifier: MIT
// keys.h - the cluster's CURVE keys: key files, secured sockets, the
// trusted set that nimbus checks every peer against, and loopback checks.
//
// A keys directory holds key pairs made by `gale keygen`: NAME.key (the
// secret key, Z85, mode 0600) and NAME.pub (its public key). Every process
// uses the pair named after its role: nimbus.key for nimbus,
// supervisor.key for a supervisor, client.key for client commands and the
// UI. Those that talk to nimbus need nimbus.pub beside their own pair.
// Nimbus trusts every public key in its directory (every *.pub file): a
// supervisor or client whose public key is not there cannot connect.

#ifndef GALE_WORKERS_KEYS_H
#define GALE_WORKERS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/endpoint.h"
#include "gale.h"

// A key in Z85 text, with its NUL.
#define GALE_KEY_Z85 41
// A fingerprint: the first 8 bytes of a public key in hex, with its NUL.
#define GALE_KEY_FP 17

typedef struct gale_keys gale_keys;

// Loads dir: the pair self.key (its public key is derived from the
// secret), nimbus.pub unless self is "nimbus", and, for nimbus, the
// trusted set from every *.pub file. On failure writes a one-line reason
// naming the file into err and returns GALE_ENOENT (a file is missing),
// GALE_EINVAL (not a key) or GALE_EIO.
gale_err gale__keys_load(gale_keys **out, const char *dir, const char *self,
    char *err, size_t errlen);
// Frees; accepts NULL and sets *kp to NULL.
void gale__keys_destroy(gale_keys **kp);

// The directory they came from and the fingerprint of the own public
// key. Borrowed.
const char *gale__keys_dir(const gale_keys *k);
const char *gale__keys_fingerprint(const gale_keys *k);
// How many public keys are trusted (nimbus only; 0 for the others).
size_t gale__keys_ntrusted(const gale_keys *k);
// True when pub (32 bytes) is in the trusted set.
bool gale__keys_trusts(const gale_keys *k, const uint8_t *pub);

// Makes sock a CURVE server with the own pair, before it binds. Every
// peer must then complete a CURVE handshake; with a ZAP handler (below)
// only trusted keys get through.
gale_err gale__keys_serve(const gale_keys *k, void *sock);
// Makes sock a CURVE client of nimbus with the own pair, before it
// connects.
gale_err gale__keys_connect(const gale_keys *k, void *sock);

// Writes a new pair, dir/name.key (0600) and dir/name.pub, creating dir
// (0700) when missing; refuses to overwrite either file. GALE_EEXIST or
// GALE_EIO with the reason in err. The public key's Z85 text goes into
// pub when it is not NULL.
gale_err gale__keys_generate(const char *dir, const char *name,
    char pub[GALE_KEY_Z85], char *err, size_t errlen);

// The fingerprint of a 32-byte public key.
void gale__keys_fp(const uint8_t *pub, char out[GALE_KEY_FP]);

// ZeroMQ's authentication handler for one context (ZAP): a thread that
// lets through the CURVE peers whose keys k trusts and refuses all others,
// logging each refused key once with its fingerprint. Start it before the
// server socket binds.
typedef struct gale_zap gale_zap;
// k must outlive the handler. GALE_EIO when the handler cannot bind.
gale_err gale__zap_start(gale_zap **out, void *zctx, const gale_keys *k);
// Shuts the context down (every blocking call in it returns) and joins
// the thread; the caller then closes its sockets and terminates the
// context. Accepts NULL and sets *zp to NULL.
void gale__zap_stop(gale_zap **zp);
// Handshakes refused so far. Thread-safe.
uint64_t gale__zap_refused(const gale_zap *z);

#endif // GALE_WORKERS_KEYS_H
