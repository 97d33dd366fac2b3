// SPDX-License-Identifier: MIT
// nimbus.c - the master of a gale cluster.
//
// A topology goes through these states. RUN: its workers are placed on
// supervisor slots (or wait for free ones) and run, active or not. A KILL
// deactivates it and waits (KILLING), then drops it from every assignment,
// which makes the supervisors stop its workers (KILLED). A REBALANCE
// deactivates it and lets pending trees finish (DRAIN), drops it from every
// assignment until the supervisors report its workers gone (STOP), then
// places the new number of workers with a new generation (RUN again). When
// every worker has finished its tasks it is FINISHED; a task that cannot
// start makes it FAILED.
//
// Generations: every change of an assignment bumps the topology's
// generation. A worker placed at generation g reports heartbeats with the
// generation of the assignment it runs, which is g or later; a heartbeat
// with an earlier (non-zero) generation is from a worker that ran that
// index before (on another slot, or before a rebalance) and is dropped.
// A topology submitted again under the same name continues its
// predecessor's generations for the same reason.

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

#include "topology/plan.h"
#include "topology/spec.h"
#include "workers/files.h"
#include "workers/nimbus.h"
#include "workers/registry.h"
#include "workers/stats.h"

#define NIMBUS_FRAMES_MAX 8
#define NIMBUS_MSG_MAX (512 << 20)
#define NIMBUS_MAX_WORKERS 4096
// A rebalance waits at least this long after deactivating, so that the
// spouts' pending counts it looks at come from heartbeats sent after.
#define NIMBUS_DRAIN_MIN_MS 2500
// How long a rebalance waits for the supervisors to report the old
// workers gone: their stop grace, then SIGTERM and SIGKILL, and slack.
#define NIMBUS_STOP_WAIT_MS 20000
#define NIMBUS_FILE_MAGIC "gale-nimbus-topology 1"
#define NIMBUS_SUFFIX ".topology"

typedef enum {
	TOPO_RUN = 0,
	TOPO_DRAIN,
	TOPO_STOP,
	TOPO_KILLING,
	TOPO_KILLED,
	TOPO_FINISHED,
	TOPO_FAILED,
	TOPO_NSTATES
} topo_state;

static const char *const topo_state_names[TOPO_NSTATES] = {
	"RUN",
	"DRAIN",
	"STOP",
	"KILLING",
	"KILLED",
	"FINISHED",
	"FAILED",
};

typedef struct nim_worker {
	char     *supervisor; // NULL when not placed
	char     *host;
	uint32_t  port;
	uint64_t  placed_gen; // the generation it was placed at
	bool      done; // ended after its tasks finished
	uint32_t  pid; // as last reported, for the views
	uint32_t *tasks;
	size_t    ntasks;
} nim_worker;

typedef struct nim_topo {
	char          *name;
	gale_spec      spec;
	gale_topology *topo; // NULL when it could not be rebuilt
	gale_plan     *plan; // idem
	gale_stats    *stats; // idem
	topo_state     state;
	bool           active;
	uint64_t       generation;
	char          *run_id;
	uint32_t       nworkers;
	uint32_t       ntasks;
	nim_worker    *w; // [nworkers]
	char         **endpoints; // [ntasks + 1]
	bool          *finished; // [ntasks + 1]
	bool           changed; // endpoints or finished tasks, not yet sent
	int64_t        submitted_ms; // wall clock
	int64_t        phase_ms; // wall clock: the current state began
	int64_t        deadline_ms; // wall clock: KILLING, DRAIN, STOP end
	uint32_t       rebalance_to;
	char          *error;
	bool           save; // must be written to disk
	bool           stats_warned;
} nim_topo;

typedef struct nim_sup {
	char     *id;
	char     *host;
	uint32_t *ports;
	size_t    nports;
	uint64_t  seen_ms; // monotonic
	bool      alive;
	int64_t   report_ms; // wall clock of the latest report
	char    **reported; // topologies with a worker in that report
	size_t    nreported;
} nim_sup;

struct gale_nimbus {
	char      *data_dir;
	uint32_t   sup_timeout_ms;
	char       endpoint[256];
	int        lock_fd;
	void      *zctx;
	void      *router;
	nim_topo **t;
	size_t     nt;
	nim_sup  **s;
	size_t     ns;
	uint64_t   dropped;
};

static int64_t
nimbus_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
nimbus_mono_ms(void)
{
	return gale_now_ns() / 1000000u;
}

static void nimbus_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
nimbus_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("nimbus: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static char *
nimbus_strdup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

// ---------------------------------------------------------------------
// Topologies
// ---------------------------------------------------------------------

static void
worker_unplace(nim_worker *w)
{
	free(w->supervisor);
	free(w->host);
	w->supervisor = NULL;
	w->host       = NULL;
	w->port       = 0;
}

// Frees what was built from the spec: topology, plan, stats and arrays.
static void
topo_free_runtime(nim_topo *t)
{
	for (uint32_t i = 0; t->w != NULL && i < t->nworkers; i++) {
		worker_unplace(&t->w[i]);
		free(t->w[i].tasks);
	}
	free(t->w);
	t->w = NULL;
	for (uint32_t k = 0; t->endpoints != NULL && k <= t->ntasks; k++) {
		free(t->endpoints[k]);
	}
	free(t->endpoints);
	free(t->finished);
	t->endpoints = NULL;
	t->finished  = NULL;
	gale_stats_destroy(&t->stats);
	gale_plan_destroy(&t->plan);
	gale_topology_destroy(&t->topo);
}

static void
topo_destroy(nim_topo **tp)
{
	nim_topo *t = *tp;
	if (t == NULL) {
		return;
	}
	topo_free_runtime(t);
	gale_spec_fini(&t->spec);
	free(t->name);
	free(t->run_id);
	free(t->error);
	free(t);
	*tp = NULL;
}

static bool
topo_live(const nim_topo *t)
{
	return t->state == TOPO_RUN || t->state == TOPO_DRAIN
	    || t->state == TOPO_STOP;
}

// States whose workers run and whose heartbeats count.
static bool
topo_running(const nim_topo *t)
{
	return t->w != NULL
	    && (t->state == TOPO_RUN || t->state == TOPO_DRAIN
		|| t->state == TOPO_KILLING);
}

static void
topo_set_error(nim_topo *t, const char *msg)
{
	free(t->error);
	t->error = nimbus_strdup(msg);
}

static void
topo_clear_placements(nim_topo *t)
{
	for (uint32_t i = 0; t->w != NULL && i < t->nworkers; i++) {
		worker_unplace(&t->w[i]);
	}
}

static void
topo_enter(nim_topo *t, topo_state s)
{
	t->state    = s;
	t->phase_ms = nimbus_wall_ms();
	t->save     = true;
	if (s == TOPO_KILLED || s == TOPO_FINISHED || s == TOPO_FAILED
	    || s == TOPO_STOP) {
		topo_clear_placements(t);
	}
}

static void
topo_bump(nim_topo *t)
{
	t->generation++;
	t->changed = false;
	t->save    = true;
}

static gale_topology_status
topo_status_of(const nim_topo *t)
{
	switch (t->state) {
	case TOPO_RUN:
		for (uint32_t i = 0; i < t->nworkers; i++) {
			if (!t->w[i].done && t->w[i].supervisor == NULL) {
				return GALE_STATUS_WAITING;
			}
		}
		return t->active ? GALE_STATUS_ACTIVE : GALE_STATUS_INACTIVE;
	case TOPO_DRAIN:
	case TOPO_STOP:
		return GALE_STATUS_REBALANCING;
	case TOPO_KILLING:
	case TOPO_KILLED:
		return GALE_STATUS_KILLED;
	case TOPO_FINISHED:
		return GALE_STATUS_FINISHED;
	case TOPO_FAILED:
		return GALE_STATUS_FAILED;
	default:
		return GALE_STATUS_UNKNOWN;
	}
}

static const char *
topo_status(const nim_topo *t)
{
	return gale_topology_status_name(topo_status_of(t));
}

static int64_t
topo_timeout_secs(const nim_topo *t)
{
	return t->topo != NULL ? gale_topology_config_i64(
		   t->topo, "topology.message.timeout.secs", 30)
			       : 30;
}

static void
diag_join(const gale_diag *d, char *out, size_t cap)
{
	size_t off = 0;
	out[0]     = '\0';
	for (size_t i = 0; i < d->n && off + 1 < cap; i++) {
		int k = snprintf(
		    out + off, cap - off, "%s%s", i ? "\n" : "", d->lines[i]);
		if (k < 0) {
			break;
		}
		off += (size_t) k;
	}
}

// Builds the topology, plan and stats of t->spec, and fresh worker,
// endpoint and finished arrays. On failure writes why into err.
static gale_err
topo_build(const gale_nimbus *n, nim_topo *t, char *err, size_t errlen)
{
	char libdir[4096];
	snprintf(libdir, sizeof(libdir), "%s/libs/%s", n->data_dir, t->name);
	gale_diag d;
	gale_diag_init(&d);
	gale_err rv = gale_topology_from_spec(
	    &t->topo, &t->spec, libdir, gale__registry_resolver(), &d);
	if (rv != GALE_OK) {
		diag_join(&d, err, errlen);
		if (err[0] == '\0') {
			snprintf(err, errlen, "%s", gale_strerror(rv));
		}
		gale_diag_fini(&d);
		return rv;
	}
	gale_diag_fini(&d);
	int64_t nw = gale_topology_config_i64(t->topo, "topology.workers", 1);
	if (nw < 1 || nw > NIMBUS_MAX_WORKERS) {
		snprintf(err, errlen,
		    "topology.workers is %lld; nimbus runs 1 "
		    "to %d workers per topology",
		    (long long) nw, NIMBUS_MAX_WORKERS);
		return GALE_EINVAL;
	}
	t->nworkers     = (uint32_t) nw;
	int64_t nackers = gale_topology_config_i64(
	    t->topo, "topology.acker.executors", nw);
	rv = gale_plan_new(&t->plan, t->topo, t->nworkers, (uint32_t) nackers);
	if (rv != GALE_OK) {
		snprintf(err, errlen, "cannot plan the tasks: %s",
		    gale_strerror(rv));
		return rv;
	}
	t->ntasks    = gale_plan_ntasks(t->plan);
	t->w         = calloc(t->nworkers, sizeof(*t->w));
	t->endpoints = calloc(t->ntasks + 1, sizeof(*t->endpoints));
	t->finished  = calloc(t->ntasks + 1, sizeof(*t->finished));
	if (t->w == NULL || t->endpoints == NULL || t->finished == NULL) {
		goto oom;
	}
	for (uint32_t i = 0; i < t->nworkers; i++) {
		size_t k      = gale_plan_worker_tasks(t->plan, i, NULL, 0);
		t->w[i].tasks = calloc(k + 1, sizeof(uint32_t));
		if (t->w[i].tasks == NULL) {
			goto oom;
		}
		t->w[i].ntasks
		    = gale_plan_worker_tasks(t->plan, i, t->w[i].tasks, k);
	}
	if (gale_stats_new(&t->stats, t->name) != GALE_OK) {
		goto oom;
	}
	for (uint32_t c = 0; c < gale_plan_ncomponents(t->plan); c++) {
		gale_stats_add_component(t->stats,
		    gale_plan_component_id(t->plan, c),
		    gale_plan_component_is_spout(t->plan, c),
		    gale_plan_component_ntasks(t->plan, c));
	}
	return GALE_OK;
oom:
	snprintf(err, errlen, "out of memory");
	return GALE_ENOMEM;
}

// The assignment of t. Strings are borrowed from t; the arrays are owned
// and freed by assignment_release. With for_supervisors, workers that are
// done are shown on no supervisor, so that nobody starts them again.
static gale_err
topo_assignment(const nim_topo *t, gale_assignment *a, bool for_supervisors)
{
	memset(a, 0, sizeof(*a));
	a->topology       = t->name;
	a->generation     = t->generation;
	a->spec           = t->spec;
	a->active         = t->active;
	a->run_id         = t->run_id;
	a->workers        = calloc(t->nworkers + 1, sizeof(*a->workers));
	a->endpoints      = calloc(t->ntasks + 1, sizeof(*a->endpoints));
	a->finished_tasks = calloc(t->ntasks + 1, sizeof(uint32_t));
	if (a->workers == NULL || a->endpoints == NULL
	    || a->finished_tasks == NULL) {
		free(a->workers);
		free(a->endpoints);
		free(a->finished_tasks);
		return GALE_ENOMEM;
	}
	for (uint32_t i = 0; i < t->nworkers && t->w != NULL; i++) {
		const nim_worker *w = &t->w[i];
		gale_worker_slot *s = &a->workers[i];
		bool              on
		    = w->supervisor != NULL && !(for_supervisors && w->done);
		s->index      = i;
		s->supervisor = on ? w->supervisor : "";
		s->host       = on && w->host ? w->host : "";
		s->port       = on ? w->port : 0;
		s->tasks      = w->tasks;
		s->ntasks     = w->ntasks;
	}
	a->nworkers = t->w != NULL ? t->nworkers : 0;
	for (uint32_t k = 1; t->endpoints != NULL && k <= t->ntasks; k++) {
		if (t->endpoints[k] != NULL) {
			a->endpoints[a->nendpoints].task = k;
			a->endpoints[a->nendpoints++].endpoint
			    = t->endpoints[k];
		}
		if (t->finished[k]) {
			a->finished_tasks[a->nfinished++] = k;
		}
	}
	return GALE_OK;
}

static void
assignment_release(gale_assignment *a)
{
	free(a->workers);
	free(a->endpoints);
	free(a->finished_tasks);
	memset(a, 0, sizeof(*a));
}

// ---------------------------------------------------------------------
// Keeping topologies on disk
// ---------------------------------------------------------------------

static void
topo_path(const gale_nimbus *n, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s%s", n->data_dir, name, NIMBUS_SUFFIX);
}

static gale_err
topo_save(const gale_nimbus *n, nim_topo *t, char *err, size_t errlen)
{
	gale_assignment a;
	uint8_t        *blob = NULL;
	size_t          blen = 0;
	if (topo_assignment(t, &a, false) != GALE_OK) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	gale_err rv = gale_assignment_encode(&a, &blob, &blen);
	assignment_release(&a);
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
	topo_path(n, t->name, path, sizeof(path));
	rv = gale_files_write_atomic(path, text, tlen, err, errlen);
	free(text);
	if (rv == GALE_OK) {
		t->save = false;
	}
	return rv;
}

// Writes every topology that changed. A failure is reported and retried
// on the next call.
static void
nimbus_flush(gale_nimbus *n)
{
	for (size_t i = 0; i < n->nt; i++) {
		char err[512];
		if (n->t[i]->save
		    && topo_save(n, n->t[i], err, sizeof(err)) != GALE_OK) {
			fprintf(stderr, "nimbus: %s\n", err);
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
	gale_err rv = gale_files_read(path, &data, &len, err, errlen);
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
	if (t->run_id == NULL
	    || gale_spec_copy(&t->spec, &a.spec) != GALE_OK) {
		rv = GALE_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	char why[1024];
	bool built = topo_build(n, t, why, sizeof(why)) == GALE_OK;
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
		fprintf(stderr, "nimbus: %s: cannot rebuild '%s': %s\n", path,
		    t->name, why);
		topo_free_runtime(t);
		t->nworkers = nw;
		t->ntasks   = nts;
		if (topo_live(t) || t->state == TOPO_KILLING) {
			t->state = TOPO_FAILED;
			topo_set_error(t, why);
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
	topo_destroy(&t);
	gale_assignment_fini(&a);
	free(sw);
	free(data);
	return rv;
}

// ---------------------------------------------------------------------
// Supervisors and slots
// ---------------------------------------------------------------------

static nim_sup *
nimbus_find_sup(const gale_nimbus *n, const char *id)
{
	for (size_t i = 0; i < n->ns; i++) {
		if (strcmp(n->s[i]->id, id) == 0) {
			return n->s[i];
		}
	}
	return NULL;
}

static nim_sup *
nimbus_add_sup(gale_nimbus *n, const char *id, const char *host)
{
	nim_sup **s = realloc(n->s, (n->ns + 1) * sizeof(*s));
	if (s == NULL) {
		return NULL;
	}
	n->s         = s;
	nim_sup *sup = calloc(1, sizeof(*sup));
	if (sup == NULL) {
		return NULL;
	}
	sup->id   = strdup(id);
	sup->host = strdup(host);
	if (sup->id == NULL || sup->host == NULL) {
		free(sup->id);
		free(sup->host);
		free(sup);
		return NULL;
	}
	sup->alive    = true;
	sup->seen_ms  = nimbus_mono_ms();
	n->s[n->ns++] = sup;
	return sup;
}

static void
sup_destroy(nim_sup *sup)
{
	for (size_t i = 0; i < sup->nreported; i++) {
		free(sup->reported[i]);
	}
	free(sup->reported);
	free(sup->ports);
	free(sup->id);
	free(sup->host);
	free(sup);
}

static bool
sup_has_port(const nim_sup *sup, uint32_t port)
{
	for (size_t i = 0; i < sup->nports; i++) {
		if (sup->ports[i] == port) {
			return true;
		}
	}
	return false;
}

static bool
nimbus_slot_used(const gale_nimbus *n, const char *sup, uint32_t port)
{
	for (size_t i = 0; i < n->nt; i++) {
		const nim_topo *t = n->t[i];
		if (!topo_running(t)) {
			continue;
		}
		for (uint32_t k = 0; k < t->nworkers; k++) {
			const nim_worker *w = &t->w[k];
			if (!w->done && w->supervisor != NULL
			    && w->port == port
			    && strcmp(w->supervisor, sup) == 0) {
				return true;
			}
		}
	}
	return false;
}

static size_t
sup_free_slots(const gale_nimbus *n, const nim_sup *sup, uint32_t *first)
{
	size_t nfree = 0;
	for (size_t i = 0; i < sup->nports; i++) {
		if (!nimbus_slot_used(n, sup->id, sup->ports[i])) {
			if (nfree == 0 && first != NULL) {
				*first = sup->ports[i];
			}
			nfree++;
		}
	}
	return nfree;
}

// Unplaces every running worker on sup, or only those on ports it no
// longer has when only_lost.
static void
nimbus_unplace_sup(gale_nimbus *n, const nim_sup *sup, bool only_lost)
{
	for (size_t i = 0; i < n->nt; i++) {
		nim_topo *t = n->t[i];
		if (!topo_running(t)) {
			continue;
		}
		bool moved = false;
		for (uint32_t k = 0; k < t->nworkers; k++) {
			nim_worker *w = &t->w[k];
			if (w->done || w->supervisor == NULL
			    || strcmp(w->supervisor, sup->id) != 0
			    || (only_lost && sup_has_port(sup, w->port))) {
				continue;
			}
			nimbus_log("worker %u of '%s' lost its slot %s:%u", k,
			    t->name, sup->id, w->port);
			worker_unplace(w);
			moved = true;
		}
		if (moved) {
			topo_bump(t);
		}
	}
}

// Places the workers of running topologies that have no slot, spread
// over the live supervisors (fewest used slots first). A topology is
// placed only when all its waiting workers fit.
static void
nimbus_schedule(gale_nimbus *n)
{
	for (size_t i = 0; i < n->nt; i++) {
		nim_topo *t = n->t[i];
		if (t->state != TOPO_RUN || t->w == NULL) {
			continue;
		}
		uint32_t waiting = 0;
		for (uint32_t k = 0; k < t->nworkers; k++) {
			waiting += !t->w[k].done && t->w[k].supervisor == NULL;
		}
		if (waiting == 0) {
			continue;
		}
		size_t nfree = 0;
		for (size_t s = 0; s < n->ns; s++) {
			if (n->s[s]->alive) {
				nfree += sup_free_slots(n, n->s[s], NULL);
			}
		}
		if (nfree < waiting) {
			continue;
		}
		t->generation++;
		for (uint32_t k = 0; k < t->nworkers; k++) {
			nim_worker *w = &t->w[k];
			if (w->done || w->supervisor != NULL) {
				continue;
			}
			nim_sup *best      = NULL;
			size_t   best_used = 0;
			uint32_t best_port = 0;
			for (size_t s = 0; s < n->ns; s++) {
				nim_sup *sup = n->s[s];
				uint32_t port;
				size_t   f = sup->alive
				      ? sup_free_slots(n, sup, &port)
				      : 0;
				if (f == 0) {
					continue;
				}
				size_t used = sup->nports - f;
				if (best == NULL || used < best_used) {
					best      = sup;
					best_used = used;
					best_port = port;
				}
			}
			if (best == NULL) {
				break; // cannot happen: nfree >= waiting
			}
			w->supervisor = strdup(best->id);
			w->host       = strdup(best->host);
			w->port       = best_port;
			w->placed_gen = t->generation;
			if (w->supervisor == NULL || w->host == NULL) {
				worker_unplace(w);
				continue;
			}
			nimbus_log("worker %u of '%s' placed on %s slot %u", k,
			    t->name, best->id, best_port);
		}
		t->changed = false;
		t->save    = true;
	}
}

// ---------------------------------------------------------------------
// Heartbeats
// ---------------------------------------------------------------------

static nim_topo *
nimbus_find(const gale_nimbus *n, const char *name)
{
	for (size_t i = 0; i < n->nt; i++) {
		if (strcmp(n->t[i]->name, name) == 0) {
			return n->t[i];
		}
	}
	return NULL;
}

static bool
topo_endpoints_known(const nim_topo *t)
{
	for (uint32_t k = 1; k <= t->ntasks; k++) {
		if (t->endpoints[k] == NULL) {
			return false;
		}
	}
	return true;
}

// After heartbeats: a new generation when endpoints or finished tasks
// changed and every endpoint is known; FINISHED when every worker is done.
static void
topo_settle(nim_topo *t)
{
	if (!topo_running(t)) {
		return;
	}
	if (t->changed && topo_endpoints_known(t)) {
		topo_bump(t);
	}
	if (t->state == TOPO_KILLING) {
		return;
	}
	for (uint32_t i = 0; i < t->nworkers; i++) {
		if (!t->w[i].done) {
			return;
		}
	}
	nimbus_log("topology '%s' finished", t->name);
	topo_enter(t, TOPO_FINISHED);
}

// Folds one worker's heartbeat, relayed by sup, into its topology.
static void
nimbus_fold(gale_nimbus *n, nim_sup *sup, const gale_heartbeat *hb)
{
	nim_topo *t = nimbus_find(n, hb->topology);
	if (t == NULL || !topo_running(t) || hb->worker_index >= t->nworkers) {
		return;
	}
	nim_worker *w   = &t->w[hb->worker_index];
	uint32_t    idx = hb->worker_index;
	if (w->supervisor == NULL || strcmp(w->supervisor, sup->id) != 0
	    || (hb->generation != 0 && hb->generation < w->placed_gen)) {
		return; // from a worker that ran this index before
	}
	if (w->pid != hb->pid) {
		w->pid = hb->pid;
	}
	if (hb->failed) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "worker %u: %s", idx,
		    hb->error[0] ? hb->error : "a task could not start");
		nimbus_log("topology '%s' failed: %s", t->name, msg);
		topo_set_error(t, msg);
		topo_enter(t, TOPO_FAILED);
		return;
	}
	for (size_t i = 0; i < hb->nendpoints; i++) {
		uint32_t    task = hb->endpoints[i].task;
		const char *ep   = hb->endpoints[i].endpoint;
		if (task < 1 || task > t->ntasks || ep[0] == '\0'
		    || gale_plan_task_worker(t->plan, task) != idx) {
			continue;
		}
		if (t->endpoints[task] == NULL
		    || strcmp(t->endpoints[task], ep) != 0) {
			char *copy = strdup(ep);
			if (copy != NULL) {
				free(t->endpoints[task]);
				t->endpoints[task] = copy;
				t->changed         = true;
			}
		}
	}
	for (size_t i = 0; i < hb->ntasks; i++) {
		uint32_t task = hb->tasks[i].task;
		if (hb->tasks[i].finished && task >= 1 && task <= t->ntasks
		    && gale_plan_task_worker(t->plan, task) == idx
		    && !t->finished[task]) {
			t->finished[task] = true;
			t->changed        = true;
		}
	}
	if (hb->finished && !w->done) {
		w->done = true;
		t->save = true;
	}
	if (hb->ntasks > 0
	    && gale_stats_update(t->stats, hb, sup->host, nimbus_mono_ms())
		!= GALE_OK
	    && !t->stats_warned) {
		fprintf(stderr, "nimbus: '%s': %s\n", t->name,
		    gale_stats_last_error(t->stats));
		t->stats_warned = true;
	}
}

static bool
sup_reported(const nim_sup *sup, const char *name)
{
	for (size_t i = 0; i < sup->nreported; i++) {
		if (strcmp(sup->reported[i], name) == 0) {
			return true;
		}
	}
	return false;
}

// Remembers which topologies sup's latest report had workers of.
static void
sup_note_report(nim_sup *sup, const gale_supervisor_info *info)
{
	for (size_t i = 0; i < sup->nreported; i++) {
		free(sup->reported[i]);
	}
	sup->nreported = 0;
	char **r = realloc(sup->reported, (info->nworkers + 1) * sizeof(*r));
	if (r == NULL) {
		return;
	}
	sup->reported = r;
	for (size_t i = 0; i < info->nworkers; i++) {
		const char *name = info->workers[i].topology;
		if (name[0] != '\0' && !sup_reported(sup, name)) {
			char *copy = strdup(name);
			if (copy != NULL) {
				sup->reported[sup->nreported++] = copy;
			}
		}
	}
	sup->report_ms = nimbus_wall_ms();
}

static void reply_error(gale_reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_error(gale_reply *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->error);
	r->error = NULL;
	if (vasprintf(&r->error, fmt, ap) < 0) {
		r->error = NULL;
	}
	va_end(ap);
	r->ok = false;
}

static void
nimbus_supervisor(
    gale_nimbus *n, const gale_supervisor_info *info, gale_reply *r)
{
	if (info->id[0] == '\0' || strlen(info->id) > 256
	    || strlen(info->host) > 256 || info->nports > 65536) {
		n->dropped++;
		reply_error(r,
		    "a supervisor heartbeat needs an id and a host "
		    "(at most 256 bytes each) and at most 65536 "
		    "slots");
		return;
	}
	const char *host = info->host[0] ? info->host : "127.0.0.1";
	nim_sup    *sup  = nimbus_find_sup(n, info->id);
	if (sup == NULL) {
		sup = nimbus_add_sup(n, info->id, host);
		if (sup == NULL) {
			reply_error(r, "out of memory");
			return;
		}
		nimbus_log("supervisor %s (%s) joined with %zu slots", sup->id,
		    host, info->nports);
	} else if (!sup->alive) {
		nimbus_log("supervisor %s is back", sup->id);
	}
	sup->alive   = true;
	sup->seen_ms = nimbus_mono_ms();
	if (strcmp(sup->host, host) != 0) {
		char *h = strdup(host);
		if (h != NULL) {
			free(sup->host);
			sup->host = h;
		}
	}
	uint32_t *ports = calloc(info->nports + 1, sizeof(*ports));
	if (ports != NULL) {
		memcpy(ports, info->ports, info->nports * sizeof(*ports));
		free(sup->ports);
		sup->ports  = ports;
		sup->nports = info->nports;
		nimbus_unplace_sup(n, sup, true);
	}
	sup_note_report(sup, info);
	for (size_t i = 0; i < info->nworkers; i++) {
		nimbus_fold(n, sup, &info->workers[i]);
	}
	for (size_t i = 0; i < n->nt; i++) {
		topo_settle(n->t[i]);
	}
	nimbus_schedule(n);

	// Its assignments: every running topology with a worker on it.
	r->ok          = true;
	r->assignments = calloc(n->nt + 1, sizeof(*r->assignments));
	if (r->assignments == NULL) {
		reply_error(r, "out of memory");
		return;
	}
	for (size_t i = 0; i < n->nt; i++) {
		const nim_topo *t    = n->t[i];
		bool            mine = false;
		for (uint32_t k = 0; topo_running(t) && k < t->nworkers; k++) {
			mine = mine
			    || (!t->w[k].done && t->w[k].supervisor != NULL
				&& strcmp(t->w[k].supervisor, sup->id) == 0);
		}
		if (mine
		    && topo_assignment(
			   t, &r->assignments[r->nassignments], true)
			== GALE_OK) {
			r->nassignments++;
		}
	}
}

// ---------------------------------------------------------------------
// Clients: submit and commands
// ---------------------------------------------------------------------

static void
nimbus_submit(gale_nimbus *n, const gale_spec *spec, gale_reply *r)
{
	const char *name = spec->name;
	if (name[0] == '\0') {
		reply_error(r, "a submitted topology needs a name");
		return;
	}
	if (!gale_files_name_ok(name)) {
		reply_error(r,
		    "the topology name '%.128s' cannot name a file: it may "
		    "hold only letters, digits, '.', '_' and '-', must not "
		    "start with '.', and may be at most 128 bytes",
		    name);
		return;
	}
	nim_topo *old = nimbus_find(n, name);
	if (old != NULL && topo_live(old)) {
		reply_error(r, "topology '%s' is already running", name);
		return;
	}
	char libdir[4096], err[4096];
	snprintf(libdir, sizeof(libdir), "%s/libs/%s", n->data_dir, name);
	if (gale_files_ship_write(spec, libdir, err, sizeof(err)) != GALE_OK) {
		reply_error(r, "%s", err);
		return;
	}
	nim_topo *t = calloc(1, sizeof(*t));
	if (t == NULL || (t->name = strdup(name)) == NULL
	    || gale_spec_copy(&t->spec, spec) != GALE_OK) {
		reply_error(r, "out of memory");
		goto fail;
	}
	if (topo_build(n, t, err, sizeof(err)) != GALE_OK) {
		reply_error(r, "%s", err);
		goto fail;
	}
	if (strcmp(t->topo->name, name) != 0) {
		reply_error(r,
		    "the definition names the topology '%s', not '%s'",
		    t->topo->name, name);
		goto fail;
	}
	int64_t now     = nimbus_wall_ms();
	t->state        = TOPO_RUN;
	t->active       = true;
	t->generation   = old != NULL ? old->generation + 1 : 1;
	t->submitted_ms = now;
	t->phase_ms     = now;
	if (asprintf(&t->run_id, "%s-%lld-%04x", name, (long long) now,
		(unsigned) ((gale_now_ns() ^ (uint64_t) getpid()) & 0xffff))
	    < 0) {
		t->run_id = NULL;
		reply_error(r, "out of memory");
		goto fail;
	}
	// Written before it is acknowledged; it replaces the old file.
	if (topo_save(n, t, err, sizeof(err)) != GALE_OK) {
		reply_error(r, "%s", err);
		goto fail;
	}
	if (old != NULL) {
		for (size_t i = 0; i < n->nt; i++) {
			if (n->t[i] == old) {
				topo_destroy(&n->t[i]);
				n->t[i] = t;
			}
		}
	} else {
		nim_topo **arr = realloc(n->t, (n->nt + 1) * sizeof(*arr));
		if (arr == NULL) {
			reply_error(r, "out of memory");
			goto fail;
		}
		n->t          = arr;
		n->t[n->nt++] = t;
	}
	nimbus_log("topology '%s' submitted: %u workers, %u tasks", name,
	    t->nworkers, t->ntasks);
	nimbus_schedule(n);
	r->ok = true;
	return;
fail:
	if (t != NULL && old == NULL && t->name != NULL) {
		// Nothing of a refused topology stays on disk.
		char path[4096];
		topo_path(n, t->name, path, sizeof(path));
		if (access(path, F_OK) == 0 && nimbus_find(n, name) == NULL) {
			unlink(path);
		}
	}
	topo_destroy(&t);
}

static void
nimbus_kill_now(nim_topo *t)
{
	nimbus_log(
	    "topology '%s' killed: its workers are being stopped", t->name);
	topo_enter(t, TOPO_KILLED);
}

// Why t cannot take a command, or NULL when it can.
static const char *
topo_refusal(const nim_topo *t, char *buf, size_t cap)
{
	if (t->state == TOPO_DRAIN || t->state == TOPO_STOP) {
		snprintf(
		    buf, cap, "topology '%s' is being rebalanced", t->name);
		return buf;
	}
	if (t->state != TOPO_RUN) {
		snprintf(buf, cap, "topology '%s' is not running (it is %s)",
		    t->name, topo_status(t));
		return buf;
	}
	return NULL;
}

static void
nimbus_list(const gale_nimbus *n, gale_reply *r)
{
	r->ok         = true;
	r->topologies = calloc(n->nt + 1, sizeof(*r->topologies));
	if (r->topologies == NULL) {
		reply_error(r, "out of memory");
		return;
	}
	int64_t now = nimbus_wall_ms();
	for (size_t i = 0; i < n->nt; i++) {
		const nim_topo        *t = n->t[i];
		gale_topology_summary *s = &r->topologies[r->ntopologies];
		s->name                  = strdup(t->name);
		s->status                = topo_status_of(t);
		s->workers               = t->nworkers;
		s->tasks                 = t->ntasks;
		s->uptime_secs           = now > t->submitted_ms
			      ? (uint64_t) (now - t->submitted_ms) / 1000u
			      : 0;
		if (s->name == NULL) {
			reply_error(r, "out of memory");
			return;
		}
		r->ntopologies++;
	}
}

static void
nimbus_stats(nim_topo *t, gale_reply *r)
{
	if (t->stats == NULL) {
		reply_error(r, "no stats for topology '%s': %s", t->name,
		    t->error ? t->error : "it could not be rebuilt");
		return;
	}
	int64_t now = nimbus_wall_ms();
	gale_stats_set_status(t->stats, topo_status(t),
	    now > t->submitted_ms ? (uint64_t) (now - t->submitted_ms) / 1000u
				  : 0);
	r->stats = calloc(1, sizeof(*r->stats));
	if (r->stats == NULL
	    || gale_stats_report(t->stats, nimbus_mono_ms(), true, r->stats)
		!= GALE_OK) {
		reply_error(r, "out of memory");
		return;
	}
	r->ok = true;
}

static void
nimbus_command(gale_nimbus *n, const gale_command *c, gale_reply *r)
{
	if (c->kind == GALE_CMD_LIST) {
		nimbus_list(n, r);
		return;
	}
	nim_topo *t = nimbus_find(n, c->name);
	if (t == NULL) {
		reply_error(r, "no topology named '%.256s'", c->name);
		return;
	}
	char        why[512];
	const char *no  = topo_refusal(t, why, sizeof(why));
	int64_t     now = nimbus_wall_ms();
	switch (c->kind) {
	case GALE_CMD_STATS:
		nimbus_stats(t, r);
		return;
	case GALE_CMD_KILL: {
		if (!topo_live(t)) {
			reply_error(r, "%s", no);
			return;
		}
		int64_t wait = c->has_wait ? (int64_t) c->wait_secs
					   : topo_timeout_secs(t);
		t->active    = false;
		topo_bump(t);
		topo_enter(t, TOPO_KILLING);
		t->deadline_ms = now + wait * 1000;
		nimbus_log("topology '%s' deactivated; killing it in %llds",
		    t->name, (long long) wait);
		if (wait == 0) {
			nimbus_kill_now(t);
		}
		break;
	}
	case GALE_CMD_ACTIVATE:
	case GALE_CMD_DEACTIVATE: {
		if (no != NULL) {
			reply_error(r, "%s", no);
			return;
		}
		bool active = c->kind == GALE_CMD_ACTIVATE;
		if (t->active != active) {
			t->active = active;
			topo_bump(t);
			nimbus_log("topology '%s' %s", t->name,
			    active ? "activated" : "deactivated");
		}
		break;
	}
	case GALE_CMD_REBALANCE:
		if (no != NULL) {
			reply_error(r, "%s", no);
			return;
		}
		if (c->workers < 1 || c->workers > NIMBUS_MAX_WORKERS) {
			reply_error(r,
			    "rebalance takes 1 to %d workers, not %u",
			    NIMBUS_MAX_WORKERS, c->workers);
			return;
		}
		t->active       = false;
		t->rebalance_to = c->workers;
		topo_bump(t);
		topo_enter(t, TOPO_DRAIN);
		t->deadline_ms = now + topo_timeout_secs(t) * 1000;
		nimbus_log("topology '%s' rebalancing to %u workers: draining",
		    t->name, c->workers);
		break;
	default:
		n->dropped++;
		reply_error(r, "unknown command %d", (int) c->kind);
		return;
	}
	r->ok = true;
}

// ---------------------------------------------------------------------
// Rebalance
// ---------------------------------------------------------------------

static uint64_t
topo_pending(const nim_topo *t)
{
	size_t                nc = gale_stats_components(t->stats, NULL, 0);
	gale_component_stats *cs = calloc(nc + 1, sizeof(*cs));
	if (cs == NULL) {
		return 1;
	}
	gale_stats_components(t->stats, cs, nc);
	uint64_t pending = 0;
	for (size_t i = 0; i < nc; i++) {
		if (cs[i].is_spout) {
			pending += cs[i].c[GALE_M_PENDING];
		}
	}
	free(cs);
	return pending;
}

// True when every live supervisor reported since the stop began, without
// a worker of t.
static bool
nimbus_stopped(const gale_nimbus *n, const nim_topo *t)
{
	for (size_t i = 0; i < n->ns; i++) {
		const nim_sup *sup = n->s[i];
		if (sup->alive
		    && (sup->report_ms <= t->phase_ms
			|| sup_reported(sup, t->name))) {
			return false;
		}
	}
	return true;
}

static gale_err
spec_set(gale_spec *s, const char *key, const char *value)
{
	char *v = strdup(value);
	if (v == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = s->noverrides; i-- > 0;) {
		if (strcmp(s->overrides[i].key, key) == 0) {
			free(s->overrides[i].value);
			s->overrides[i].value = v;
			return GALE_OK;
		}
	}
	gale_kv *o = realloc(s->overrides, (s->noverrides + 1) * sizeof(*o));
	char    *k = strdup(key);
	if (o == NULL || k == NULL) {
		if (o != NULL) {
			s->overrides = o;
		}
		free(v);
		free(k);
		return GALE_ENOMEM;
	}
	s->overrides                  = o;
	s->overrides[s->noverrides++] = (gale_kv) { k, v };
	return GALE_OK;
}

static void
nimbus_rebalance_finish(gale_nimbus *n, nim_topo *t)
{
	char workers[16], err[4096];
	snprintf(workers, sizeof(workers), "%u", t->rebalance_to);
	topo_free_runtime(t);
	if (spec_set(&t->spec, "topology.workers", workers) != GALE_OK) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (topo_build(n, t, err, sizeof(err)) != GALE_OK) {
		goto fail;
	}
	t->active = true;
	topo_bump(t);
	topo_enter(t, TOPO_RUN);
	nimbus_log(
	    "topology '%s' rebalanced to %u workers", t->name, t->nworkers);
	return;
fail:
	topo_free_runtime(t);
	nimbus_log("topology '%s' failed to rebalance: %s", t->name, err);
	topo_set_error(t, err);
	topo_enter(t, TOPO_FAILED);
}

// ---------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------

static void
nimbus_tick(gale_nimbus *n)
{
	uint64_t mono = nimbus_mono_ms();
	int64_t  wall = nimbus_wall_ms();
	for (size_t i = 0; i < n->ns; i++) {
		nim_sup *sup = n->s[i];
		if (sup->alive && mono - sup->seen_ms > n->sup_timeout_ms) {
			sup->alive = false;
			nimbus_log("supervisor %s timed out", sup->id);
			nimbus_unplace_sup(n, sup, false);
		}
	}
	for (size_t i = 0; i < n->nt; i++) {
		nim_topo *t = n->t[i];
		switch (t->state) {
		case TOPO_KILLING:
			if (wall >= t->deadline_ms) {
				nimbus_kill_now(t);
			}
			break;
		case TOPO_DRAIN:
			if ((wall - t->phase_ms >= NIMBUS_DRAIN_MIN_MS
				&& topo_pending(t) == 0)
			    || wall >= t->deadline_ms) {
				nimbus_log("topology '%s' drained; stopping "
					   "its workers",
				    t->name);
				topo_enter(t, TOPO_STOP);
				t->deadline_ms = wall + NIMBUS_STOP_WAIT_MS;
			}
			break;
		case TOPO_STOP:
			if (nimbus_stopped(n, t) || wall >= t->deadline_ms) {
				nimbus_rebalance_finish(n, t);
			}
			break;
		default:
			break;
		}
		topo_settle(t);
	}
	nimbus_schedule(n);
	nimbus_flush(n);
}

// Answers one request.
static void
nimbus_handle(gale_nimbus *n, const void *buf, size_t len, gale_reply *r)
{
	gale_request req;
	if (gale_request_decode(&req, buf, len) != GALE_OK) {
		n->dropped++;
		reply_error(r, "malformed request (%zu bytes)", len);
		return;
	}
	switch (req.kind) {
	case GALE_REQ_SUBMIT:
		nimbus_submit(n, &req.u.submit, r);
		break;
	case GALE_REQ_COMMAND:
		nimbus_command(n, &req.u.command, r);
		break;
	case GALE_REQ_SUPERVISOR_HEARTBEAT:
		nimbus_supervisor(n, &req.u.supervisor, r);
		break;
	default:
		n->dropped++;
		reply_error(r,
		    "nimbus takes worker heartbeats only through "
		    "supervisors");
		break;
	}
	gale_request_fini(&req);
	// Nothing is acknowledged before it is on disk.
	nimbus_flush(n);
}

// Encodes r and sends it behind the envelope frames[0 .. nenv - 1].
static void
nimbus_reply(gale_nimbus *n, zmq_msg_t *frames, int nenv, gale_reply *r)
{
	uint8_t *buf = NULL;
	size_t   len = 0;
	gale_err rv  = gale_reply_encode(r, &buf, &len);
	// The assignments borrow the topologies' strings: release them
	// without freeing what they point to.
	for (size_t i = 0; i < r->nassignments; i++) {
		assignment_release(&r->assignments[i]);
	}
	free(r->assignments);
	r->assignments  = NULL;
	r->nassignments = 0;
	if (rv != GALE_OK) {
		gale_reply_fini(r);
		reply_error(
		    r, "cannot encode the reply: %s", gale_strerror(rv));
		if (gale_reply_encode(r, &buf, &len) != GALE_OK) {
			return;
		}
	}
	for (int i = 0; i < nenv; i++) {
		zmq_send(n->router, zmq_msg_data(&frames[i]),
		    zmq_msg_size(&frames[i]), ZMQ_SNDMORE | ZMQ_DONTWAIT);
	}
	zmq_send(n->router, buf, len, ZMQ_DONTWAIT);
	free(buf);
}

static void
nimbus_receive(gale_nimbus *n, int timeout_ms)
{
	zmq_pollitem_t item = { .socket = n->router, .events = ZMQ_POLLIN };
	if (zmq_poll(&item, 1, timeout_ms) <= 0) {
		return;
	}
	for (int budget = 0; budget < 256; budget++) {
		zmq_msg_t frames[NIMBUS_FRAMES_MAX];
		int       nf = 0, total = 0;
		for (;;) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, n->router, ZMQ_DONTWAIT) < 0) {
				zmq_msg_close(&m);
				break;
			}
			bool more = zmq_msg_more(&m);
			if (nf < NIMBUS_FRAMES_MAX) {
				frames[nf++] = m;
			} else {
				zmq_msg_close(&m);
			}
			total++;
			if (!more) {
				break;
			}
		}
		if (total == 0) {
			return;
		}
		if (total < 2 || total > NIMBUS_FRAMES_MAX) {
			n->dropped++; // no body, or an envelope too deep
		} else {
			gale_reply r = { 0 };
			nimbus_handle(n, zmq_msg_data(&frames[nf - 1]),
			    zmq_msg_size(&frames[nf - 1]), &r);
			nimbus_reply(n, frames, nf - 1, &r);
			gale_reply_fini(&r);
		}
		for (int i = 0; i < nf; i++) {
			zmq_msg_close(&frames[i]);
		}
	}
}

void
gale_nimbus_poll(gale_nimbus *n, int timeout_ms)
{
	nimbus_receive(n, timeout_ms);
	nimbus_tick(n);
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
static gale_err
nimbus_load(gale_nimbus *n, char *err, size_t errlen)
{
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
			fprintf(stderr, "nimbus: left out %s\n", why);
			continue;
		}
		if ((size_t) (len - sl) != strlen(t->name)
		    || strncmp(e->d_name, t->name, len - sl) != 0
		    || nimbus_find(n, t->name) != NULL) {
			fprintf(stderr,
			    "nimbus: left out %s: it holds topology '%s'\n",
			    path, t->name);
			topo_destroy(&t);
			continue;
		}
		nim_topo **arr = realloc(n->t, (n->nt + 1) * sizeof(*arr));
		if (arr == NULL) {
			topo_destroy(&t);
			closedir(d);
			snprintf(err, errlen, "out of memory");
			return GALE_ENOMEM;
		}
		n->t          = arr;
		n->t[n->nt++] = t;
		for (uint32_t i = 0; topo_running(t) && i < t->nworkers; i++) {
			nim_worker *w = &t->w[i];
			if (w->supervisor == NULL) {
				continue;
			}
			nim_sup *sup = nimbus_find_sup(n, w->supervisor);
			if (sup == NULL) {
				sup = nimbus_add_sup(
				    n, w->supervisor, w->host);
			}
			if (sup != NULL && !sup_has_port(sup, w->port)) {
				uint32_t *p = realloc(sup->ports,
				    (sup->nports + 1) * sizeof(*p));
				if (p != NULL) {
					sup->ports                = p;
					sup->ports[sup->nports++] = w->port;
				}
			}
		}
		nimbus_log(
		    "reloaded topology '%s' (%s)", t->name, topo_status(t));
	}
	closedir(d);
	if (n->nt > 1) {
		qsort(n->t, n->nt, sizeof(*n->t), topo_cmp);
	}
	return GALE_OK;
}

gale_err
gale_nimbus_new(
    gale_nimbus **out, const gale_nimbus_opts *opts, char *err, size_t errlen)
{
	const char *listen
	    = opts->listen ? opts->listen : "tcp://127.0.0.1:6627";
	const char *dir = opts->data_dir ? opts->data_dir : "gale-nimbus-data";
	if (opts->supervisor_timeout_secs == 0) {
		snprintf(err, errlen,
		    "the supervisor timeout must be at least "
		    "1 second");
		return GALE_EINVAL;
	}
	gale_nimbus *n = calloc(1, sizeof(*n));
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return GALE_ENOMEM;
	}
	gale_err rv       = GALE_EIO;
	n->lock_fd        = -1;
	n->sup_timeout_ms = opts->supervisor_timeout_secs * 1000u;
	n->data_dir       = strdup(dir);
	if (n->data_dir == NULL) {
		rv = GALE_ENOMEM;
		goto fail;
	}
	if ((rv = gale_files_mkdirs(dir, err, errlen)) != GALE_OK) {
		goto fail;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/nimbus.lock", dir);
	n->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (n->lock_fd < 0) {
		snprintf(
		    err, errlen, "%s: cannot open: %s", path, strerror(errno));
		rv = GALE_EIO;
		goto fail;
	}
	if (flock(n->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s is in use by another nimbus", dir);
		rv = GALE_EIO;
		goto fail;
	}
	if ((rv = nimbus_load(n, err, errlen)) != GALE_OK) {
		goto fail;
	}
	rv        = GALE_EIO;
	n->zctx   = zmq_ctx_new();
	n->router = n->zctx ? zmq_socket(n->zctx, ZMQ_ROUTER) : NULL;
	if (n->router == NULL) {
		snprintf(err, errlen, "cannot create a socket");
		goto fail;
	}
	int     linger = 0;
	int64_t max    = NIMBUS_MSG_MAX;
	zmq_setsockopt(n->router, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(n->router, ZMQ_MAXMSGSIZE, &max, sizeof(max));
	if (zmq_bind(n->router, listen) != 0) {
		snprintf(err, errlen, "cannot listen on '%s': %s", listen,
		    zmq_strerror(zmq_errno()));
		rv = GALE_EIO;
		goto fail;
	}
	size_t len = sizeof(n->endpoint);
	if (zmq_getsockopt(n->router, ZMQ_LAST_ENDPOINT, n->endpoint, &len)
	    != 0) {
		snprintf(n->endpoint, sizeof(n->endpoint), "%s", listen);
	}
	// What was reloaded may be due for something (a kill wait ended).
	nimbus_tick(n);
	*out = n;
	return GALE_OK;
fail:
	gale_nimbus_destroy(&n);
	return rv;
}

void
gale_nimbus_destroy(gale_nimbus **np)
{
	gale_nimbus *n = *np;
	if (n == NULL) {
		return;
	}
	if (n->router != NULL) {
		zmq_close(n->router);
	}
	if (n->zctx != NULL) {
		zmq_ctx_term(n->zctx);
	}
	for (size_t i = 0; i < n->nt; i++) {
		topo_destroy(&n->t[i]);
	}
	free(n->t);
	for (size_t i = 0; i < n->ns; i++) {
		sup_destroy(n->s[i]);
	}
	free(n->s);
	if (n->lock_fd >= 0) {
		close(n->lock_fd);
	}
	free(n->data_dir);
	free(n);
	*np = NULL;
}

const char *
gale_nimbus_endpoint(const gale_nimbus *n)
{
	return n->endpoint;
}

uint64_t
gale_nimbus_dropped(const gale_nimbus *n)
{
	return n->dropped;
}
