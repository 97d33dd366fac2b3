// SPDX-License-Identifier: MIT
// nimbus_store.c - keeping nimbus's topologies on disk, and reading them
// back when nimbus starts.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "base/log.h"
#include "topology/plan.h"
#include "topology/spec.h"
#include "workers/files.h"
#include "workers/nimbus_sched.h"
#include "workers/nimbus_state.h"
#include "workers/nimbus_store.h"
#include "workers/registry.h"
#include "workers/stats.h"
#include "workers/zk.h"

static const char *const topo_state_names[TOPO_NSTATES] = {
	"RUN",
	"DRAIN",
	"STOP",
	"KILLING",
	"KILLED",
	"FINISHED",
	"FAILED",
};

// ---------------------------------------------------------------------
// Keeping topologies on disk
// ---------------------------------------------------------------------

void
gale__nimbus_topo_path(
    const gale_nimbus *n, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s%s", n->data_dir, name, NIMBUS_SUFFIX);
}

gale_err
gale__nimbus_topo_save(
    const gale_nimbus *n, nim_topo *t, char *err, size_t errlen)
{
	gale_assignment a;
	uint8_t        *blob = NULL;
	size_t          blen = 0;
	if (gale__nimbus_topo_assignment(t, &a, false) != GALE_OK) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	gale_err rv = gale_assignment_encode(&a, &blob, &blen);
	gale__nimbus_assignment_release(&a);
	if (rv != GALE_OK) {
		snprintf(err, errlen, "cannot encode '%s': %s", t->name,
		    gale_strerror(rv));
		return rv;
	}
	char  *text = NULL;
	size_t tlen = 0;
	FILE  *f    = open_memstream(&text, &tlen);
	if (f == NULL) {
		free(blob);
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	const char *e = t->error ? t->error : "";
	fprintf(f,
	    "%s\nname %s\nstate %s\nactive %d\nsubmitted %lld\nphase %lld\n"
	    "deadline %lld\nrebalance %u\nnworkers %u\nntasks %u\n",
	    NIMBUS_FILE_MAGIC, t->name, topo_state_names[t->state],
	    t->active ? 1 : 0, (long long) t->submitted_ms,
	    (long long) t->phase_ms, (long long) t->deadline_ms,
	    t->rebalance_to, t->nworkers, t->ntasks);
	for (uint32_t i = 0; i < t->nworkers; i++) {
		const nim_worker *w = t->w != NULL ? &t->w[i] : NULL;
		fprintf(f, "worker %u %llu %d %u\n", i,
		    (unsigned long long) (w ? w->placed_gen : 0),
		    w && w->done ? 1 : 0, w ? w->pid : 0);
	}
	fprintf(f, "error %zu\n", strlen(e));
	fwrite(e, 1, strlen(e), f);
	fprintf(f, "\nassignment %zu\n", blen);
	fwrite(blob, 1, blen, f);
	fputc('\n', f);
	free(blob);
	if (fclose(f) != 0) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	char path[4096];
	if (n->zk != NULL) {
		snprintf(path, sizeof(path), "topologies/%s", t->name);
		rv = gale__zk_put(n->zk, path, text, tlen, err, errlen);
	} else {
		gale__nimbus_topo_path(n, t->name, path, sizeof(path));
		rv = gale_files_write_atomic(path, text, tlen, err, errlen);
	}
	free(text);
	if (rv == GALE_OK) {
		t->save = false;
	}
	return rv;
}

// Writes the assignments of sup (what its heartbeat's reply carries) to
// assignments/ID when they changed, so that it finds them while no
// nimbus is up.
static void
nimbus_zk_sup_assignments(gale_nimbus *n, nim_sup *sup)
{
	gale_reply r = { .ok = true };
	if (gale__nimbus_sup_assignments(n, sup, &r) != GALE_OK) {
		free(r.assignments);
		return;
	}
	uint8_t *buf = NULL;
	size_t   len = 0;
	gale_err rv  = gale_reply_encode(&r, &buf, &len);
	for (size_t i = 0; i < r.nassignments; i++) {
		gale__nimbus_assignment_release(&r.assignments[i]);
	}
	free(r.assignments);
	if (rv != GALE_OK) {
		return;
	}
	if (sup->zk_asg != NULL && sup->zk_asg_len == len
	    && memcmp(sup->zk_asg, buf, len) == 0) {
		free(buf);
		return;
	}
	char path[512], err[512];
	snprintf(path, sizeof(path), "assignments/%s", sup->id);
	if (gale__zk_put(n->zk, path, buf, len, err, sizeof(err)) != GALE_OK) {
		GALE_ERROR("%s", err);
		free(buf);
		return;
	}
	free(sup->zk_asg);
	sup->zk_asg     = buf;
	sup->zk_asg_len = len;
}

// Writes every topology that changed. A failure is reported and retried
// on the next call.
void
gale__nimbus_flush(gale_nimbus *n)
{
	for (size_t i = 0; n->zk != NULL && n->leader && i < n->ns; i++) {
		nimbus_zk_sup_assignments(n, n->s[i]);
	}
	for (size_t i = 0; i < n->nt; i++) {
		char err[512];
		if (n->t[i]->save
		    && gale__nimbus_topo_save(n, n->t[i], err, sizeof(err))
			!= GALE_OK) {
			GALE_ERROR("%s", err);
		}
	}
}

// A cursor over a topology file, for reading it back.
typedef struct topo_reader {
	const char *p;
	const char *end;
	int         line;
} topo_reader;

// The next line, without its newline, into buf. False at the end or when
// it does not fit.
static bool
reader_line(topo_reader *r, char *buf, size_t cap)
{
	if (r->p >= r->end) {
		return false;
	}
	const char *nl = memchr(r->p, '\n', (size_t) (r->end - r->p));
	if (nl == NULL || (size_t) (nl - r->p) >= cap) {
		return false;
	}
	memcpy(buf, r->p, (size_t) (nl - r->p));
	buf[nl - r->p] = '\0';
	r->p           = nl + 1;
	r->line++;
	return true;
}

// len bytes and a newline: sets *data to them (borrowed).
static bool
reader_blob(topo_reader *r, size_t len, const char **data)
{
	if ((size_t) (r->end - r->p) < len + 1 || r->p[len] != '\n') {
		return false;
	}
	*data = r->p;
	r->p += len + 1;
	r->line++;
	return true;
}

static topo_state
state_parse(const char *s)
{
	for (int i = 0; i < TOPO_NSTATES; i++) {
		if (strcmp(s, topo_state_names[i]) == 0) {
			return (topo_state) i;
		}
	}
	return TOPO_NSTATES;
}

typedef struct saved_worker {
	unsigned long long placed_gen;
	int                done;
	unsigned           pid;
} saved_worker;

// Reads one topology file back. On failure writes why (with the line)
// into err.
static gale_err
topo_load(const gale_nimbus *n, const char *path, nim_topo **out, char *err,
    size_t errlen)
{
	uint8_t *data;
	size_t   len;
	gale_err rv = n->zk != NULL
	    ? gale__zk_get(n->zk, path, &data, &len, err, errlen)
	    : gale_files_read(path, &data, &len, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	topo_reader r = { (const char *) data, (const char *) data + len, 0 };
	nim_topo   *t = calloc(1, sizeof(*t));
	saved_worker   *sw = NULL;
	gale_assignment a  = { 0 };
	char            line[512];
	char            word[256];
	unsigned        nw = 0, nts = 0;
	rv = GALE_EPROTO;
	if (t == NULL) {
		rv = GALE_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (!reader_line(&r, line, sizeof(line))
	    || strcmp(line, NIMBUS_FILE_MAGIC) != 0) {
		goto bad;
	}
	long long submitted, phase, deadline;
	int       active;
	unsigned  rebalance;
	if (!reader_line(&r, line, sizeof(line))
	    || sscanf(line, "name %255s", word) != 1
	    || (t->name = strdup(word)) == NULL
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "state %255s", word) != 1
	    || (t->state = state_parse(word)) == TOPO_NSTATES
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "active %d", &active) != 1
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "submitted %lld", &submitted) != 1
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "phase %lld", &phase) != 1
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "deadline %lld", &deadline) != 1
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "rebalance %u", &rebalance) != 1
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "nworkers %u", &nw) != 1 || nw > NIMBUS_MAX_WORKERS
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "ntasks %u", &nts) != 1) {
		goto bad;
	}
	t->active       = active != 0;
	t->submitted_ms = submitted;
	t->phase_ms     = phase;
	t->deadline_ms  = deadline;
	t->rebalance_to = rebalance;
	sw              = calloc(nw + 1, sizeof(*sw));
	if (sw == NULL) {
		goto bad;
	}
	for (unsigned i = 0; i < nw; i++) {
		unsigned idx;
		if (!reader_line(&r, line, sizeof(line))
		    || sscanf(line, "worker %u %llu %d %u", &idx,
			   &sw[i].placed_gen, &sw[i].done, &sw[i].pid)
			!= 4
		    || idx != i) {
			goto bad;
		}
	}
	size_t      elen, alen;
	const char *eb, *ab;
	if (!reader_line(&r, line, sizeof(line))
	    || sscanf(line, "error %zu", &elen) != 1
	    || !reader_blob(&r, elen, &eb)
	    || !reader_line(&r, line, sizeof(line))
	    || sscanf(line, "assignment %zu", &alen) != 1
	    || !reader_blob(&r, alen, &ab)) {
		goto bad;
	}
	if (elen > 0 && (t->error = strndup(eb, elen)) == NULL) {
		goto bad;
	}
	if (gale_assignment_decode(&a, ab, alen) != GALE_OK
	    || strcmp(a.topology, t->name) != 0) {
		snprintf(err, errlen, "%s: the assignment is malformed", path);
		goto out;
	}
	t->generation = a.generation;
	t->run_id     = strdup(a.run_id);
	t->run_token  = a.run_token;
	t->data_key   = a.data_key != NULL ? strdup(a.data_key) : NULL;
	if (t->run_id == NULL || (a.data_key != NULL && t->data_key == NULL)
	    || gale_spec_copy(&t->spec, &a.spec) != GALE_OK) {
		rv = GALE_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	char why[1024];
	if (gale_spec_digest_check(&t->spec, why, sizeof(why)) != GALE_OK) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	// From ZooKeeper, a nimbus may not have the libraries on disk yet.
	if (n->zk != NULL) {
		char libdir[4096];
		snprintf(libdir, sizeof(libdir), "%s/libs/%s", n->data_dir,
		    t->name);
		if (gale_files_ship_write(&t->spec, libdir, why, sizeof(why))
		    != GALE_OK) {
			GALE_ERROR("%s: %s", path, why);
		}
	}
	bool built
	    = gale__nimbus_topo_build(n, t, why, sizeof(why)) == GALE_OK;
	if (!built || t->nworkers != nw || t->ntasks != nts
	    || a.nworkers != t->nworkers) {
		// Keep what it was for the views, but it cannot run again.
		if (built) {
			snprintf(why, sizeof(why),
			    "its plan changed (%u workers, %u tasks; %u and "
			    "%u "
			    "before)",
			    t->nworkers, t->ntasks, nw, nts);
		}
		GALE_ERROR("%s: cannot rebuild '%s': %s", path, t->name, why);
		gale__nimbus_topo_free_runtime(t);
		t->nworkers = nw;
		t->ntasks   = nts;
		if (gale__nimbus_topo_live(t) || t->state == TOPO_KILLING) {
			t->state = TOPO_FAILED;
			gale__nimbus_topo_set_error(t, why);
			t->save = true;
		}
		rv = GALE_OK;
		goto done;
	}
	for (uint32_t i = 0; i < nw; i++) {
		nim_worker             *w = &t->w[i];
		const gale_worker_slot *s = &a.workers[i];
		w->placed_gen             = sw[i].placed_gen;
		w->done                   = sw[i].done != 0;
		w->pid                    = sw[i].pid;
		if (s->supervisor[0] != '\0') {
			w->supervisor = strdup(s->supervisor);
			w->host       = strdup(s->host);
			w->port       = s->port;
			if (w->supervisor == NULL || w->host == NULL) {
				goto bad;
			}
		}
	}
	for (size_t k = 0; k < a.nendpoints; k++) {
		uint32_t task = a.endpoints[k].task;
		if (task >= 1 && task <= t->ntasks
		    && t->endpoints[task] == NULL) {
			t->endpoints[task] = strdup(a.endpoints[k].endpoint);
		}
	}
	for (size_t k = 0; k < a.nfinished; k++) {
		uint32_t task = a.finished_tasks[k];
		if (task >= 1 && task <= t->ntasks) {
			t->finished[task] = true;
		}
	}
	rv = GALE_OK;
done:
	*out = t;
	t    = NULL;
	goto out;
bad:
	rv = GALE_EPROTO;
	snprintf(err, errlen, "%s:%d: malformed", path, r.line);
out:
	gale__nimbus_topo_destroy(&t);
	gale_assignment_fini(&a);
	free(sw);
	free(data);
	return rv;
}

// ---------------------------------------------------------------------
// Start and stop
// ---------------------------------------------------------------------

static int
topo_cmp(const void *a, const void *b)
{
	const nim_topo *x = *(nim_topo *const *) a;
	const nim_topo *y = *(nim_topo *const *) b;
	if (x->submitted_ms != y->submitted_ms) {
		return x->submitted_ms < y->submitted_ms ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

// Reloads every DATA/NAME.topology, and makes the supervisors they name
// known (alive until they stay silent past the timeout).
// Makes the supervisors t places workers on known (alive until they stay
// silent past the timeout).
static void
load_sups(gale_nimbus *n, nim_topo *t)
{
	for (uint32_t i = 0; gale__nimbus_topo_running(t) && i < t->nworkers;
	     i++) {
		nim_worker *w = &t->w[i];
		if (w->supervisor == NULL) {
			continue;
		}
		nim_sup *sup = gale__nimbus_find_sup(n, w->supervisor);
		if (sup == NULL) {
			sup = gale__nimbus_add_sup(n, w->supervisor, w->host);
		}
		if (sup != NULL && !gale__nimbus_sup_has_port(sup, w->port)) {
			uint32_t *p
			    = realloc(sup->ports, (sup->nports + 1) * sizeof(*p));
			if (p != NULL) {
				sup->ports                = p;
				sup->ports[sup->nports++] = w->port;
			}
		}
	}
}

// Reloads every topology kept under topologies/ in ZooKeeper.
static gale_err
load_zk(gale_nimbus *n, bool loud, char *err, size_t errlen)
{
	char   **names = NULL;
	size_t   nn    = 0;
	gale_err rv
	    = gale__zk_children(n->zk, "topologies", &names, &nn, err, errlen);
	if (rv != GALE_OK) {
		return rv;
	}
	for (size_t i = 0; i < nn; i++) {
		char      rel[512], why[4400];
		nim_topo *t = NULL;
		snprintf(rel, sizeof(rel), "topologies/%s", names[i]);
		if (topo_load(n, rel, &t, why, sizeof(why)) != GALE_OK) {
			GALE_ERROR("left out %s", why);
			continue;
		}
		if (strcmp(names[i], t->name) != 0
		    || gale__nimbus_find(n, t->name) != NULL) {
			GALE_ERROR("left out %s: it holds topology '%s'", rel,
			    t->name);
			gale__nimbus_topo_destroy(&t);
			continue;
		}
		nim_topo **arr = realloc(n->t, (n->nt + 1) * sizeof(*arr));
		if (arr == NULL) {
			gale__nimbus_topo_destroy(&t);
			snprintf(err, errlen, "out of memory");
			rv = GALE_ENOMEM;
			break;
		}
		n->t          = arr;
		n->t[n->nt++] = t;
		load_sups(n, t);
		if (loud) {
			GALE_INFO("reloaded topology '%s' (%s) from ZooKeeper",
			    t->name, gale__nimbus_topo_status(t));
		}
	}
	gale__zk_names_free(names, nn);
	if (n->nt > 1) {
		qsort(n->t, n->nt, sizeof(*n->t), topo_cmp);
	}
	return rv;
}

gale_err
gale__nimbus_load(gale_nimbus *n, char *err, size_t errlen)
{
	if (n->zk != NULL) {
		return load_zk(n, true, err, errlen);
	}
	DIR *d = opendir(n->data_dir);
	if (d == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", n->data_dir,
		    strerror(errno));
		return GALE_EIO;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		size_t sl  = strlen(NIMBUS_SUFFIX);
		if (len <= sl
		    || strcmp(e->d_name + len - sl, NIMBUS_SUFFIX) != 0) {
			continue;
		}
		char path[4096], why[4400];
		snprintf(path, sizeof(path), "%s/%s", n->data_dir, e->d_name);
		nim_topo *t = NULL;
		if (topo_load(n, path, &t, why, sizeof(why)) != GALE_OK) {
			GALE_ERROR("left out %s", why);
			continue;
		}
		if ((size_t) (len - sl) != strlen(t->name)
		    || strncmp(e->d_name, t->name, len - sl) != 0
		    || gale__nimbus_find(n, t->name) != NULL) {
			GALE_ERROR("left out %s: it holds topology '%s'", path,
			    t->name);
			gale__nimbus_topo_destroy(&t);
			continue;
		}
		nim_topo **arr = realloc(n->t, (n->nt + 1) * sizeof(*arr));
		if (arr == NULL) {
			gale__nimbus_topo_destroy(&t);
			closedir(d);
			snprintf(err, errlen, "out of memory");
			return GALE_ENOMEM;
		}
		n->t          = arr;
		n->t[n->nt++] = t;
		load_sups(n, t);
		GALE_INFO("reloaded topology '%s' (%s)", t->name,
		    gale__nimbus_topo_status(t));
	}
	closedir(d);
	if (n->nt > 1) {
		qsort(n->t, n->nt, sizeof(*n->t), topo_cmp);
	}
	return GALE_OK;
}

gale_err
gale__nimbus_load_quiet(gale_nimbus *n, char *err, size_t errlen)
{
	if (n->zk == NULL) {
		return gale__nimbus_load(n, err, errlen);
	}
	return load_zk(n, false, err, errlen);
}
