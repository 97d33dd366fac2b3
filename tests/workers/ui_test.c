// SPDX-License-Identifier: MIT
// ui_test.c - the web UI end to end: the REST API and /metrics of `gale
// local --ui` and of `gale ui` over a cluster, actions behind --actions
// and a CSRF token, and the page in headless Chromium.

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/run.h"

#define WORDCOUNT_RANDOM GALE_SOURCE_DIR "/examples/wordcount/random.yaml"
#define WORDCOUNT_FILE GALE_SOURCE_DIR "/examples/wordcount/file.yaml"
#define SENTENCES 3000
#define FAKE_LIB GALE_BUILD_DIR "/tests/workers/libgale_fake_components.so"

// ---------------------------------------------------------------------
// A small HTTP/1.0 client: one request per connection, bounded in time
// ---------------------------------------------------------------------

typedef struct http_reply {
	int   status;
	char *head; // the status line and headers
	char *body;
} http_reply;

static void
http_fini(http_reply *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static void
http(http_reply *r, int port, const char *method, const char *path,
    const char *headers, const char *body)
{
	memset(r, 0, sizeof(*r));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0);
	struct sockaddr_in a
	    = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *) &a, sizeof(a)), 0,
	    "cannot connect to port %d", port);
	char req[8192];
	int  n = snprintf(req, sizeof(req),
	     "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%sContent-Length: "
	      "%zu\r\n\r\n%s",
	     method, path, headers ? headers : "", body ? strlen(body) : 0,
            body ? body : "");
	cr_assert_eq(write(fd, req, (size_t) n), n);
	size_t cap = 1 << 16, len = 0;
	char  *buf = malloc(cap);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		cr_assert(poll(&p, 1, 10000) == 1, "%s %s: no answer in 10 s",
		    method, path);
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t k = read(fd, buf + len, cap - len - 1);
		cr_assert(k >= 0);
		if (k == 0) {
			break;
		}
		len += (size_t) k;
	}
	close(fd);
	buf[len]  = '\0';
	char *sep = strstr(buf, "\r\n\r\n");
	cr_assert(sep != NULL, "no header end in %s", buf);
	*sep    = '\0';
	r->head = strdup(buf);
	r->body = strdup(sep + 4);
	cr_assert(sscanf(buf, "HTTP/1.%*d %d", &r->status) == 1, "%s", buf);
	free(buf);
}

// GETs path and parses its JSON body; expects the status.
static json_t *
get_json(int port, const char *path, int status)
{
	http_reply r;
	http(&r, port, "GET", path, NULL, NULL);
	cr_assert_eq(r.status, status, "GET %s: %d, not %d: %s", path,
	    r.status, status, r.body);
	cr_assert(strstr(r.head, "Content-Type: application/json") != NULL,
	    "GET %s: %s", path, r.head);
	json_error_t e;
	json_t      *j = json_loads(r.body, 0, &e);
	cr_assert(
	    j != NULL, "GET %s: not JSON (%s): %s", path, e.text, r.body);
	http_fini(&r);
	return j;
}

static json_int_t
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	cr_assert(json_is_integer(v), "no integer %s", key);
	return json_integer_value(v);
}

static json_t *
find_by(json_t *arr, const char *key, const char *value)
{
	size_t  i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));
		if (s != NULL && strcmp(s, value) == 0) {
			return v;
		}
	}
	cr_assert_fail("no %s = %s", key, value);
	return NULL;
}

// ---------------------------------------------------------------------
// A strict parser of Prometheus' text exposition format
// ---------------------------------------------------------------------

typedef struct prom {
	char    types[64][96]; // family name, then its type after a NUL
	size_t  ntypes;
	char    last_family[96];
	char  **series; // "name{labels}" of each sample, for duplicates
	double *values;
	size_t  n, cap;
} prom;

static bool
prom_name_ok(const char *s, size_t n)
{
	if (n == 0
	    || !(
		isalpha((unsigned char) s[0]) || s[0] == '_' || s[0] == ':')) {
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		if (!(isalnum((unsigned char) s[i]) || s[i] == '_'
			|| s[i] == ':')) {
			return false;
		}
	}
	return true;
}

static const char *
prom_type_of(prom *p, const char *family)
{
	for (size_t i = 0; i < p->ntypes; i++) {
		if (strcmp(p->types[i], family) == 0) {
			return p->types[i] + strlen(p->types[i]) + 1;
		}
	}
	return NULL;
}

// The family a sample name belongs to: summaries add _sum and _count.
static void
prom_family(prom *p, const char *name, char *fam, size_t cap)
{
	snprintf(fam, cap, "%s", name);
	if (prom_type_of(p, fam) != NULL) {
		return;
	}
	static const char *const sfx[] = { "_sum", "_count", "_bucket" };
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(name), k = strlen(sfx[i]);
		if (n > k && strcmp(name + n - k, sfx[i]) == 0) {
			snprintf(fam, cap, "%.*s", (int) (n - k), name);
			const char *t = prom_type_of(p, fam);
			if (t != NULL
			    && (strcmp(t, "summary") == 0
				|| strcmp(t, "histogram") == 0)) {
				return;
			}
		}
	}
	snprintf(fam, cap, "%s", name);
}

static void
prom_parse(prom *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	cr_assert(strlen(text) > 0 && text[strlen(text) - 1] == '\n',
	    "the exposition must end with a newline");
	const char *line   = text;
	int         lineno = 0;
	while (*line != '\0') {
		lineno++;
		const char *end = strchr(line, '\n');
		size_t      len = (size_t) (end - line);
		char        l[4096];
		cr_assert(len < sizeof(l));
		memcpy(l, line, len);
		l[len] = '\0';
		line   = end + 1;
		cr_assert(len > 0, "line %d is empty", lineno);
		if (strncmp(l, "# HELP ", 7) == 0) {
			const char *n = l + 7;
			size_t      k = strcspn(n, " ");
			cr_assert(prom_name_ok(n, k) && n[k] == ' ',
			    "line %d: bad HELP: %s", lineno, l);
			continue;
		}
		if (strncmp(l, "# TYPE ", 7) == 0) {
			char name[96], type[32];
			cr_assert(sscanf(l + 7, "%95s %31s", name, type) == 2,
			    "line %d: %s", lineno, l);
			cr_assert(prom_name_ok(name, strlen(name)));
			cr_assert(strcmp(type, "counter") == 0
				|| strcmp(type, "gauge") == 0
				|| strcmp(type, "summary") == 0
				|| strcmp(type, "histogram") == 0
				|| strcmp(type, "untyped") == 0,
			    "line %d: type %s", lineno, type);
			cr_assert(prom_type_of(p, name) == NULL,
			    "line %d: a second TYPE for %s", lineno, name);
			cr_assert(p->ntypes < 64);
			snprintf(p->types[p->ntypes], 96, "%s", name);
			snprintf(p->types[p->ntypes] + strlen(name) + 1,
			    96 - strlen(name) - 1, "%s", type);
			p->ntypes++;
			if (strcmp(type, "counter") == 0) {
				size_t n = strlen(name);
				cr_assert(n > 6
					&& strcmp(name + n - 6, "_total") == 0,
				    "counter %s does not end in _total", name);
			}
			continue;
		}
		cr_assert(
		    l[0] != '#', "line %d: unknown comment %s", lineno, l);
		// name{label="value",...} value
		size_t k = strcspn(l, "{ ");
		cr_assert(
		    prom_name_ok(l, k), "line %d: bad name: %s", lineno, l);
		char name[96];
		snprintf(name, sizeof(name), "%.*s", (int) k, l);
		char fam[96];
		prom_family(p, name, fam, sizeof(fam));
		const char *type = prom_type_of(p, fam);
		cr_assert(type != NULL, "line %d: %s has no TYPE before it",
		    lineno, name);
		if (strcmp(fam, p->last_family) != 0) {
			for (size_t i = 0; i < p->n; i++) {
				char f2[96];
				char n2[96];
				snprintf(n2, sizeof(n2), "%.*s",
				    (int) strcspn(p->series[i], "{"),
				    p->series[i]);
				prom_family(p, n2, f2, sizeof(f2));
				cr_assert(strcmp(f2, fam) != 0,
				    "line %d: the samples of %s are not "
				    "together",
				    lineno, fam);
			}
			snprintf(
			    p->last_family, sizeof(p->last_family), "%s", fam);
		}
		const char *q = l + k;
		if (*q == '{') {
			q++;
			bool quantile = false;
			while (*q != '}') {
				size_t ln = strcspn(q, "=");
				cr_assert(prom_name_ok(q, ln) && q[ln] == '='
					&& q[ln + 1] == '"',
				    "line %d: bad label at %s", lineno, q);
				quantile |= ln == 8
				    && strncmp(q, "quantile", 8) == 0;
				q += ln + 2;
				while (*q != '"') {
					cr_assert(*q != '\0',
					    "line %d: open label", lineno);
					if (*q == '\\') {
						q++;
						cr_assert(*q == '\\'
							|| *q == '"'
							|| *q == 'n',
						    "line %d: bad escape",
						    lineno);
					}
					q++;
				}
				q++;
				cr_assert(*q == ',' || *q == '}',
				    "line %d: after a label: %s", lineno, q);
				if (*q == ',') {
					q++;
				}
			}
			q++;
			if (strcmp(type, "summary") == 0
			    && strcmp(name, fam) == 0) {
				cr_assert(quantile,
				    "line %d: a summary sample "
				    "without quantile",
				    lineno);
			}
		}
		cr_assert(*q == ' ', "line %d: no value: %s", lineno, l);
		char  *vend;
		double v = strtod(q + 1, &vend);
		cr_assert(vend != q + 1 && (*vend == '\0' || *vend == ' '),
		    "line %d: bad value: %s", lineno, l);
		cr_assert(!isnan(v));
		if (strcmp(type, "counter") == 0) {
			cr_assert(
			    v >= 0, "line %d: a negative counter", lineno);
		}
		size_t slen = (size_t) (q - l);
		for (size_t i = 0; i < p->n; i++) {
			cr_assert(strlen(p->series[i]) != slen
				|| strncmp(p->series[i], l, slen) != 0,
			    "line %d: a repeated series: %s", lineno, l);
		}
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 256;
			p->series
			    = realloc(p->series, p->cap * sizeof(char *));
			p->values
			    = realloc(p->values, p->cap * sizeof(double));
		}
		p->series[p->n] = strndup(l, slen);
		p->values[p->n] = v;
		p->n++;
	}
}

// The sum of the samples of name whose series holds every needle.
static double
prom_sum(const prom *p, const char *name, const char *needle)
{
	double s = 0;
	size_t k = strlen(name);
	for (size_t i = 0; i < p->n; i++) {
		if (strncmp(p->series[i], name, k) == 0
		    && p->series[i][k] == '{'
		    && (needle == NULL
			|| strstr(p->series[i], needle) != NULL)) {
			s += p->values[i];
		}
	}
	return s;
}

static void
prom_fini(prom *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->series[i]);
	}
	free(p->series);
	free(p->values);
}

// ---------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------

// Waits for "PREFIX http://127.0.0.1:PORT/" on p's stderr; the port.
static int
ui_port_of(test_proc *p, const char *prefix)
{
	cr_assert(test_proc_wait_for_err(p, prefix, 20),
	    "no UI address:\n%s\n%s", p->out, p->err);
	int         port = 0;
	const char *at   = strstr(strstr(p->err, prefix), "http://127.0.0.1:");
	cr_assert(at != NULL && sscanf(at, "http://127.0.0.1:%d", &port) == 1);
	cr_assert(port > 0);
	return port;
}

static void
stop(test_proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		bool timedout;
		int  st = test_proc_wait(p, 30, &timedout);
		cr_expect(!timedout && st == 0, "exited %d:\n%s", st, p->err);
		cr_expect(strstr(p->err, "Sanitizer") == NULL, "%s", p->err);
	}
	test_proc_fini(p);
}

// Polls the topology until its spout acked n trees and its status is one
// of the two given, within 60 s; returns the topology document.
static json_t *
wait_acked(
    int port, const char *topo, json_int_t n, const char *s1, const char *s2)
{
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/topology/%s", topo);
	for (int i = 0; i < 600; i++) {
		json_t *t = get_json(port, path, 200);
		json_t *spout
		    = json_array_get(json_object_get(t, "spouts"), 0);
		const char *status
		    = json_string_value(json_object_get(t, "status"));
		// Workers report on their own clocks: the trees are all
		// acked when the spout says so, the bolts' totals follow
		// with their workers' next heartbeats.
		json_t *bolts = json_object_get(t, "bolts");
		json_t *split = json_array_size(bolts) > 0
		    ? json_array_get(bolts, 0)
		    : NULL;
		if (spout != NULL && jint(spout, "acked") == n && split != NULL
		    && jint(split, "executed") == n
		    && (strcmp(status, s1) == 0 || strcmp(status, s2) == 0)) {
			return t;
		}
		json_decref(t);
		nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
	}
	cr_assert_fail("%s never acked %lld", topo, (long long) n);
	return NULL;
}

static void
check_metrics(int port, const char *topo, json_t *t)
{
	http_reply r;
	http(&r, port, "GET", "/metrics", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(
	    strstr(r.head, "text/plain; version=0.0.4") != NULL, "%s", r.head);
	prom p;
	prom_parse(&p, r.body);
	char sel[256];
	snprintf(
	    sel, sizeof(sel), "topology=\"%s\",component=\"sentences\"", topo);
	json_t *spout = json_array_get(json_object_get(t, "spouts"), 0);
	cr_assert_eq(prom_sum(&p, "gale_tuples_acked_total", sel),
	    (double) jint(spout, "acked"));
	cr_assert_eq(prom_sum(&p, "gale_tuples_emitted_total", sel),
	    (double) jint(spout, "emitted"));
	cr_assert_eq(prom_sum(&p, "gale_tuples_failed_total", sel), 0);
	json_t *split
	    = find_by(json_object_get(t, "bolts"), "boltId", "split");
	snprintf(
	    sel, sizeof(sel), "topology=\"%s\",component=\"split\"", topo);
	cr_assert_eq(prom_sum(&p, "gale_tuples_executed_total", sel),
	    (double) jint(split, "executed"));
	cr_assert_eq(prom_sum(&p, "gale_complete_latency_seconds_count",
			 "component=\"sentences\""),
	    (double) jint(spout, "acked"));
	cr_assert(prom_sum(&p, "gale_worker_rss_bytes", NULL) > 0);
	prom_fini(&p);
	http_fini(&r);
}

// The REST API's documents and errors for a finished or running word
// count whose spout acked n trees.
static void
check_rest(
    int port, const char *topo, json_int_t n, const char *s1, const char *s2)
{
	json_t *t = wait_acked(port, topo, n, s1, s2);
	cr_assert_str_eq(json_string_value(json_object_get(t, "id")), topo);
	cr_assert_eq(json_array_size(json_object_get(t, "topologyStats")), 4);
	json_t *all = json_array_get(json_object_get(t, "topologyStats"), 3);
	cr_assert_str_eq(
	    json_string_value(json_object_get(all, "window")), ":all-time");
	cr_assert_eq(jint(all, "acked"), n);
	cr_assert_eq(jint(all, "failed"), 0);
	json_t *spout = json_array_get(json_object_get(t, "spouts"), 0);
	cr_assert_str_eq(
	    json_string_value(json_object_get(spout, "spoutId")), "sentences");
	cr_assert_eq(jint(spout, "failed"), 0);
	json_t *split
	    = find_by(json_object_get(t, "bolts"), "boltId", "split");
	cr_assert_eq(jint(split, "executed"), n);
	cr_assert(json_is_string(json_object_get(split, "executeLatency")));
	cr_assert(json_is_string(json_object_get(split, "capacity")));
	find_by(json_object_get(t, "bolts"), "boltId", "count");
	cr_assert_eq(jint(t, "msgTimeout"), 30);
	cr_assert(json_array_size(json_object_get(t, "workers")) >= 1);
	cr_assert(json_is_object(json_object_get(t, "configuration")));
	json_decref(t);

	char    path[512];
	json_t *s = get_json(port, "/api/v1/topology/summary", 200);
	find_by(json_object_get(s, "topologies"), "id", topo);
	json_decref(s);
	s = get_json(port, "/api/v1/cluster/summary", 200);
	cr_assert(jint(s, "topologies") >= 1 && jint(s, "supervisors") >= 1);
	json_decref(s);
	json_decref(get_json(port, "/api/v1/nimbus/summary", 200));
	s = get_json(port, "/api/v1/supervisor/summary", 200);
	cr_assert(json_array_size(json_object_get(s, "supervisors")) >= 1);
	json_decref(s);

	snprintf(
	    path, sizeof(path), "/api/v1/topology/%s/component/split", topo);
	json_t *c = get_json(port, path, 200);
	cr_assert_str_eq(
	    json_string_value(json_object_get(c, "componentType")), "bolt");
	json_t *in = json_array_get(json_object_get(c, "inputStats"), 0);
	cr_assert_str_eq(
	    json_string_value(json_object_get(in, "component")), "sentences");
	cr_assert_eq(jint(in, "executed"), n);
	json_int_t sum = 0;
	size_t     i;
	json_t    *e;
	json_array_foreach(json_object_get(c, "executorStats"), i, e)
	{
		sum += jint(e, "executed");
	}
	cr_assert_eq(
	    sum, n, "the executors' executed add up to %lld", (long long) sum);
	cr_assert(json_is_array(json_object_get(c, "componentErrors")));
	json_decref(c);

	snprintf(path, sizeof(path), "/api/v1/topology/%s/graph", topo);
	json_t *g  = get_json(port, path, 200);
	json_t *st = json_object_get(g, "streams");
	cr_assert_eq(json_array_size(st), 2);
	json_t *to_count = find_by(st, "to", "count");
	cr_assert_str_eq(
	    json_string_value(json_object_get(to_count, "grouping")),
	    "FIELDS");
	json_decref(g);
	snprintf(path, sizeof(path), "/api/v1/topology/%s/replays", topo);
	json_t *rp = get_json(port, path, 200);
	cr_assert_eq(
	    jint(json_array_get(json_object_get(rp, "spouts"), 0), "replayed"),
	    0);
	json_decref(rp);
	snprintf(path, sizeof(path), "/api/v1/topology/%s/traces", topo);
	json_decref(get_json(port, path, 200));

	// Errors are JSON with a status.
	json_t *err = get_json(port, "/api/v1/topology/no-such", 404);
	cr_assert(
	    strstr(json_string_value(json_object_get(err, "error")), "no-such")
	    != NULL);
	json_decref(err);
	snprintf(
	    path, sizeof(path), "/api/v1/topology/%s/component/nope", topo);
	json_decref(get_json(port, path, 404));
	json_decref(get_json(port, "/api/v1/no/such/thing", 404));
	json_decref(get_json(port, "/no-such-page", 404));
	snprintf(path, sizeof(path), "/api/v1/topology/%s?window=7", topo);
	json_decref(get_json(port, path, 400));
	http_reply r;
	http(&r, port, "DELETE", "/api/v1/topology/summary", NULL, NULL);
	cr_assert_eq(r.status, 405);
	http_fini(&r);
}

// ---------------------------------------------------------------------
// gale local --ui
// ---------------------------------------------------------------------

static test_proc local;
static int       local_port;
static char      count_arg[64];

static void
start_local(void)
{
	snprintf(
	    count_arg, sizeof(count_arg), "sentences.count=%d", SENTENCES);
	char *dir = test_tmpdir();
	cr_assert(chdir(dir) == 0);
	free(dir);
	const char *args[] = { "local", WORDCOUNT_RANDOM, "--set", count_arg,
		"--set", "count.output=counts.tsv", "--ui", "0", NULL };
	test_proc_start(&local, args);
	local_port = ui_port_of(&local, "gale local: web UI at ");
}

Test(ui, local_rest_api_and_metrics_match_a_bounded_word_count, .timeout = 120)
{
	start_local();
	check_rest(
	    local_port, "wordcount-random", SENTENCES, "FINISHED", "FINISHED");
	json_t *t
	    = get_json(local_port, "/api/v1/topology/wordcount-random", 200);
	check_metrics(local_port, "wordcount-random", t);
	// gale local serves no actions.
	const char *tok
	    = json_string_value(json_object_get(t, "antiForgeryToken"));
	char hdr[128];
	snprintf(hdr, sizeof(hdr), "X-CSRF-Token: %s\r\n", tok);
	http_reply r;
	http(&r, local_port, "POST",
	    "/api/v1/topology/wordcount-random/kill/0", hdr, NULL);
	cr_assert_eq(r.status, 403, "%s", r.body);
	cr_assert(strstr(r.body, "--actions") != NULL, "%s", r.body);
	http_fini(&r);
	json_decref(t);
	stop(&local);
}

// Runs headless Chromium on url: --dump-dom into *dom, or a screenshot
// into png. False when there is no chromium.
static bool
chromium(const char *url, char **dom, const char *png)
{
	if (access("/usr/bin/chromium", X_OK) != 0) {
		return false;
	}
	char *profile = test_tmpdir();
	char  udd[4200];
	snprintf(udd, sizeof(udd), "--user-data-dir=%s", profile);
	char shot[4200];
	snprintf(shot, sizeof(shot), "--screenshot=%s", png ? png : "");
	int out[2];
	cr_assert(pipe(out) == 0);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		dup2(out[1], 1);
		int dn = open("/dev/null", O_WRONLY);
		dup2(dn, 2);
		close(out[0]);
		execl("/usr/bin/chromium", "chromium", "--headless",
		    "--no-sandbox", "--disable-gpu",
		    "--disable-background-networking",
		    "--disable-component-update", "--disable-sync",
		    "--no-first-run", udd, "--window-size=1400,1600",
		    "--virtual-time-budget=4000", png ? shot : "--dump-dom",
		    url, (char *) NULL);
		_exit(127);
	}
	close(out[1]);
	size_t    cap = 1 << 16, len = 0;
	char     *buf    = malloc(cap);
	long long waited = 0;
	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		int           k = poll(&p, 1, 1000);
		if (k == 0) {
			waited += 1000;
			cr_assert(waited < 90000, "chromium hangs");
			continue;
		}
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t n = read(out[0], buf + len, cap - len - 1);
		if (n <= 0) {
			break;
		}
		len += (size_t) n;
	}
	buf[len] = '\0';
	close(out[0]);
	kill(-pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	test_rmtree(profile);
	free(profile);
	if (dom != NULL) {
		*dom = buf;
	} else {
		free(buf);
	}
	return true;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
		n++;
	}
	return n;
}

Test(ui, the_page_in_headless_chromium_shows_the_graph_and_counts,
    .timeout = 240)
{
	start_local();
	json_decref(wait_acked(local_port, "wordcount-random", SENTENCES,
	    "FINISHED", "FINISHED"));
	char url[256];
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/topology.html?id=wordcount-random",
	    local_port);
	char *dom = NULL;
	if (!chromium(url, &dom, NULL)) {
		stop(&local);
		if (getenv("GALE_NEED_CHROMIUM") != NULL) {
			cr_assert_fail("no /usr/bin/chromium");
		}
		cr_skip_test("no /usr/bin/chromium");
	}
	cr_assert(strstr(dom, "Topology wordcount-random") != NULL, "%s", dom);
	cr_assert(strstr(dom, "data-id=\"sentences\"") != NULL, "%s", dom);
	cr_assert(strstr(dom, "data-id=\"split\"") != NULL, "%s", dom);
	cr_assert(strstr(dom, "data-id=\"count\"") != NULL, "%s", dom);
	cr_assert(count(dom, "class=\"node\"") >= 3, "%s", dom);
	cr_assert(count(dom, "class=\"edge\"") == 2, "%s", dom);
	cr_assert(strstr(dom, "acked 3,000") != NULL, "%s", dom);
	cr_assert(strstr(dom, "FIELDS(word)") != NULL, "%s", dom);
	free(dom);

	// The component page, by Storm's address.
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/"
	    "component.html?topology_id=wordcount-random&id=split",
	    local_port);
	cr_assert(chromium(url, &dom, NULL));
	cr_assert(strstr(dom, "Bolt split") != NULL, "%s", dom);
	cr_assert(strstr(dom, "[2-2]") != NULL || strstr(dom, "[3-3]") != NULL,
	    "%s", dom);
	free(dom);

	// A screenshot of the topology page holds far more than a blank one.
	char *dir = test_tmpdir();
	char  png[4200], blank[4200];
	snprintf(png, sizeof(png), "%s/topology.png", dir);
	snprintf(blank, sizeof(blank), "%s/blank.png", dir);
	snprintf(url, sizeof(url),
	    "http://127.0.0.1:%d/topology.html?id=wordcount-random",
	    local_port);
	cr_assert(chromium(url, NULL, png));
	cr_assert(chromium("about:blank", NULL, blank));
	struct stat a, b;
	cr_assert(stat(png, &a) == 0 && stat(blank, &b) == 0);
	cr_assert(a.st_size > 10 * b.st_size && a.st_size > 30000,
	    "screenshot %lld bytes, blank %lld", (long long) a.st_size,
	    (long long) b.st_size);
	test_rmtree(dir);
	free(dir);
	stop(&local);
}

// ---------------------------------------------------------------------
// A component that fails in prepare
// ---------------------------------------------------------------------

#define BAD_OUTPUT "count.output=/nonexistent/x.tsv"
#define BAD_TEXT "cannot create files in '/nonexistent'"

// Waits for the error of count's failed prepare to reach the topology
// document, then checks it there, on count's line and page, and that the
// system components stay out of the tables and the graph.
static void
check_prepare_error(int port, const char *topo)
{
	char    path[256];
	json_t *t = NULL;
	snprintf(path, sizeof(path), "/api/v1/topology/%s", topo);
	for (int i = 0;; i++) {
		t = get_json(port, path, 200);
		const char *e = json_string_value(json_object_get(t, "lastError"));
		if (e != NULL && e[0] != '\0') {
			break;
		}
		json_decref(t);
		cr_assert(i < 300, "no lastError on %s", topo);
		nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
	}
	const char *last = json_string_value(json_object_get(t, "lastError"));
	cr_assert(strstr(last, BAD_TEXT) != NULL, "%s", last);
	cr_assert_str_eq(
	    json_string_value(json_object_get(t, "errorComponent")), "count");
	json_t *bolts = json_object_get(t, "bolts");
	bool    found = false;
	for (size_t i = 0; i < json_array_size(bolts); i++) {
		json_t     *b  = json_array_get(bolts, i);
		const char *id = json_string_value(json_object_get(b, "boltId"));
		cr_assert(strncmp(id, "__", 2) != 0, "system bolt %s shown", id);
		if (strcmp(id, "count") == 0) {
			found = true;
			cr_assert(strstr(json_string_value(
					     json_object_get(b, "lastError")),
				      BAD_TEXT)
			    != NULL);
		}
	}
	cr_assert(found, "no bolt count");
	json_decref(t);
	snprintf(
	    path, sizeof(path), "/api/v1/topology/%s/component/count", topo);
	json_t *c    = get_json(port, path, 200);
	json_t *errs = json_object_get(c, "componentErrors");
	cr_assert(json_array_size(errs) >= 1);
	cr_assert(strstr(json_string_value(json_object_get(
			     json_array_get(errs, 0), "error")),
		      BAD_TEXT)
	    != NULL);
	json_decref(c);
	snprintf(path, sizeof(path), "/api/v1/topology/%s/graph", topo);
	json_t *g     = get_json(port, path, 200);
	json_t *comps = json_object_get(g, "components");
	cr_assert(json_array_size(comps) == 3, "%zu components",
	    json_array_size(comps));
	json_t *streams = json_object_get(g, "streams");
	for (size_t i = 0; i < json_array_size(streams); i++) {
		const char *to = json_string_value(
		    json_object_get(json_array_get(streams, i), "to"));
		cr_assert(strncmp(to, "__", 2) != 0, "stream to %s", to);
	}
	json_decref(g);
}

Test(ui, local_ui_shows_the_error_of_a_prepare_that_failed, .timeout = 90)
{
	char *dir = test_tmpdir();
	cr_assert(chdir(dir) == 0);
	test_proc   p;
	const char *args[] = { "local", WORDCOUNT_RANDOM, "--set", BAD_OUTPUT,
		"--ui", "0", NULL };
	test_proc_start(&p, args);
	int port = ui_port_of(&p, "gale local: web UI at ");
	check_prepare_error(port, "wordcount-random");
	kill(p.pid, SIGTERM);
	bool timedout;
	int  st = test_proc_wait(&p, 30, &timedout);
	cr_expect(!timedout && st == 1, "exited %d:\n%s", st, p.err);
	cr_expect(strstr(p.err, BAD_TEXT) != NULL, "%s", p.err);
	test_proc_fini(&p);
	test_rmtree(dir);
	free(dir);
}

Test(ui, local_replays_lists_the_recent_fails_with_their_reasons,
    .timeout = 90)
{
	char *dir = test_tmpdir();
	cr_assert(chdir(dir) == 0);
	test_proc   p;
	const char *args[] = { "local", WORDCOUNT_RANDOM, "--set",
		"sentences.count=300", "--set", "count.fail_rate=0.01", "--ui",
		"0", NULL };
	test_proc_start(&p, args);
	int port = ui_port_of(&p, "gale local: web UI at ");
	json_t *rp = NULL;
	for (int i = 0;; i++) {
		rp = get_json(
		    port, "/api/v1/topology/wordcount-random/replays", 200);
		json_t *sp = json_array_get(json_object_get(rp, "spouts"), 0);
		if (jint(sp, "acked") == 300) {
			break;
		}
		json_decref(rp);
		cr_assert(i < 600, "the spout never acked 300");
		nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
	}
	json_t   *sp     = json_array_get(json_object_get(rp, "spouts"), 0);
	long long failed = jint(sp, "failed");
	json_t   *list   = json_object_get(rp, "replays");
	size_t    n      = json_array_size(list);
	cr_assert(failed > 0, "no fails at fail_rate 0.01");
	cr_assert(n >= 1 && (long long) n <= failed && n <= 64, "%zu of %lld",
	    n, failed);
	for (size_t i = 0; i < n; i++) {
		json_t *r = json_array_get(list, i);
		cr_assert_str_eq(
		    json_string_value(json_object_get(r, "spoutId")), "sentences");
		cr_assert_eq(jint(r, "task"), 1);
		const char *why = json_string_value(json_object_get(r, "reason"));
		cr_assert(strncmp(why, "failed by count:", 16) == 0, "%s", why);
		cr_assert(jint(r, "attempt") >= 1);
		cr_assert(jint(r, "messageId") <= 300);
		cr_assert(jint(r, "time") > 1600000000000LL);
	}
	json_decref(rp);
	stop(&p);
	test_rmtree(dir);
	free(dir);
}

Test(ui, local_ui_shows_a_worker_crash_with_its_signal, .timeout = 90)
{
	char *dir = test_tmpdir();
	cr_assert(chdir(dir) == 0);
	char yaml[8192];
	int  n = snprintf(yaml, sizeof(yaml),
	     "name: crash\n"
	      "spouts:\n"
	      "  - {id: keys, component: fake_keys_spout, library: %s,\n"
	      "     options: {count: 10, keys: 2}}\n"
	      "bolts:\n"
	      "  - {id: boom, component: fake_crash_bolt, library: %s}\n"
	      "streams:\n"
	      "  - {from: keys, to: boom, grouping: {type: SHUFFLE}}\n",
	     FAKE_LIB, FAKE_LIB);
	cr_assert(test_write_file("crash.yaml", yaml, (size_t) n));
	test_proc   p;
	const char *args[] = { "local", "crash.yaml", "--ui", "0", NULL };
	test_proc_start(&p, args);
	int     port = ui_port_of(&p, "gale local: web UI at ");
	json_t *c    = NULL;
	for (int i = 0;; i++) {
		c = get_json(port, "/api/v1/topology/crash/component/boom", 200);
		if (json_array_size(json_object_get(c, "componentErrors")) > 0) {
			break;
		}
		json_decref(c);
		cr_assert(i < 300, "no error for boom");
		nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
	}
	const char *e = json_string_value(json_object_get(
	    json_array_get(json_object_get(c, "componentErrors"), 0),
	    "error"));
	cr_assert(strstr(e, "died: signal 6") != NULL, "%s", e);
	json_decref(c);
	kill(p.pid, SIGTERM);
	bool timedout;
	int  st = test_proc_wait(&p, 30, &timedout);
	cr_expect(!timedout && st != 0, "exited %d:\n%s", st, p.err);
	test_proc_fini(&p);
	test_rmtree(dir);
	free(dir);
}

// ---------------------------------------------------------------------
// gale ui over a cluster
// ---------------------------------------------------------------------

Test(ui, cluster_rest_metrics_and_actions_behind_a_token, .timeout = 240)
{
	char *dir = test_tmpdir();
	char  nd[4200], sd[4200], in[4200], out[4200];
	snprintf(nd, sizeof(nd), "%s/nimbus", dir);
	snprintf(sd, sizeof(sd), "%s/sup", dir);
	snprintf(in, sizeof(in), "%s/in.txt", dir);
	snprintf(out, sizeof(out), "%s/out.tsv", dir);
	// 1,000 lines of a few words each.
	char   text[64 * 1000];
	size_t n = 0;
	for (int i = 0; i < 1000; i++) {
		n += (size_t) snprintf(text + n, sizeof(text) - n,
		    "w%d the quick w%d\n", i % 37, i % 11);
	}
	cr_assert(test_write_file(in, text, n));

	test_proc   nimbus, sup, ui, ui_off;
	const char *nargs[] = { "nimbus", "--listen", "tcp://127.0.0.1:*",
		"--data-dir", nd, NULL };
	test_proc_start(&nimbus, nargs);
	cr_assert(test_proc_wait_for(&nimbus, "nimbus listening on ", 10),
	    "%s", nimbus.err);
	char ep[256];
	cr_assert(sscanf(strstr(nimbus.out, "nimbus listening on "),
		      "nimbus listening on %255s", ep)
	    == 1);
	const char *sargs[] = { "supervisor", "--nimbus", ep, "--slots", "4",
		"--data-dir", sd, NULL };
	test_proc_start(&sup, sargs);
	const char *uargs[] = { "ui", "--nimbus", ep, "--listen",
		"127.0.0.1:0", "--actions", NULL };
	test_proc_start(&ui, uargs);
	int         port    = ui_port_of(&ui, "gale ui: serving ");
	// One without actions takes its nimbus and address from a gale.yaml
	// (Storm's nimbus.seeds, ui.host and ui.port; port 0 picks one).
	char conf[4200], gyaml[512];
	snprintf(conf, sizeof(conf), "%s/gale.yaml", dir);
	snprintf(gyaml, sizeof(gyaml),
	    "nimbus.seeds: [\"%s\"]\nui.host: 127.0.0.1\nui.port: 0\n", ep);
	cr_assert(test_write_file(conf, gyaml, strlen(gyaml)));
	const char *oargs[] = { "ui", "--config", conf, NULL };
	test_proc_start(&ui_off, oargs);
	int off_port = ui_port_of(&ui_off, "gale ui: serving ");
	cr_assert_neq(off_port, 8080, "ui.port was not read");

	char s_in[4300], s_out[4300];
	snprintf(s_in, sizeof(s_in), "sentences.path=%s", in);
	snprintf(s_out, sizeof(s_out), "count.output=%s", out);
	const char *sub[] = { "submit", WORDCOUNT_FILE, "--set", s_in, "--set",
		s_out, "--set", "topology.workers=2", "--nimbus", ep, NULL };
	test_run    r;
	test_run_gale(&r, 10, sub);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);

	check_rest(port, "wordcount-file", 1000, "ACTIVE", "FINISHED");
	json_t *t = get_json(port, "/api/v1/topology/wordcount-file", 200);
	check_metrics(port, "wordcount-file", t);
	const char *tok
	    = json_string_value(json_object_get(t, "antiForgeryToken"));
	char hdr[128];
	snprintf(hdr, sizeof(hdr), "X-CSRF-Token: %s\r\n", tok);

	// An unbounded topology to act on.
	const char *sub2[] = { "submit", WORDCOUNT_RANDOM, "--set",
		"sentences.count=1000000000", "--set",
		"topology.max.spout.pending=100", "--set", "count.print=false",
		"--nimbus", ep, NULL };
	test_run_gale(&r, 10, sub2);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	for (int i = 0;; i++) {
		json_t *a
		    = get_json(port, "/api/v1/topology/wordcount-random", 200);
		bool up
		    = strcmp(json_string_value(json_object_get(a, "status")),
			  "ACTIVE")
		    == 0;
		json_decref(a);
		if (up) {
			break;
		}
		cr_assert(i < 300, "wordcount-random never became ACTIVE");
		nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
	}

	// Without --actions, without a token, with a wrong one, by GET.
	http_reply h;
	http(&h, off_port, "POST",
	    "/api/v1/topology/wordcount-random/deactivate", hdr, NULL);
	cr_assert_eq(h.status, 403, "%s", h.body);
	http_fini(&h);
	http(&h, port, "POST", "/api/v1/topology/wordcount-random/deactivate",
	    NULL, NULL);
	cr_assert_eq(h.status, 403, "%s", h.body);
	cr_assert(strstr(h.body, "CSRF") != NULL, "%s", h.body);
	http_fini(&h);
	http(&h, port, "POST", "/api/v1/topology/wordcount-random/deactivate",
	    "X-CSRF-Token: 0123456789abcdef0123456789abcdef\r\n", NULL);
	cr_assert_eq(h.status, 403, "%s", h.body);
	http_fini(&h);
	json_decref(get_json(
	    port, "/api/v1/topology/wordcount-random/deactivate", 404));

	// With both: the actions do what they say.
	http(&h, port, "POST", "/api/v1/topology/wordcount-random/deactivate",
	    hdr, NULL);
	cr_assert_eq(h.status, 200, "%s", h.body);
	cr_assert(
	    strstr(h.body, "\"status\":\"success\"") != NULL, "%s", h.body);
	http_fini(&h);
	json_t *t2 = get_json(port, "/api/v1/topology/wordcount-random", 200);
	const char *st = json_string_value(json_object_get(t2, "status"));
	cr_assert(strcmp(st, "INACTIVE") == 0, "%s", st);
	json_decref(t2);
	http(&h, port, "POST", "/api/v1/topology/wordcount-random/rebalance/0",
	    hdr, "not json");
	cr_assert_eq(h.status, 400, "%s", h.body);
	http_fini(&h);
	http(&h, port, "POST", "/api/v1/topology/no-such/activate", hdr, NULL);
	cr_assert_eq(h.status, 404, "%s", h.body);
	http_fini(&h);
	http(&h, port, "POST", "/api/v1/topology/wordcount-random/kill/0", hdr,
	    NULL);
	cr_assert_eq(h.status, 200, "%s", h.body);
	http_fini(&h);
	json_decref(t);

	// A topology whose count fails in prepare: its error text reaches
	// gale errors, gale stats and the REST API.
	char bad[4200];
	snprintf(bad, sizeof(bad), "%s/bad.yaml", dir);
	size_t ylen;
	char  *yaml = test_read_file(WORDCOUNT_RANDOM, &ylen);
	char  *nm   = strstr(yaml, "name: wordcount-random");
	cr_assert(nm != NULL);
	FILE *yf = fopen(bad, "w");
	fprintf(yf, "%.*sname: wordcount-bad%s", (int) (nm - yaml), yaml,
	    nm + strlen("name: wordcount-random"));
	fclose(yf);
	free(yaml);
	const char *sub3[] = { "submit", bad, "--set", BAD_OUTPUT, "--nimbus",
		ep, NULL };
	test_run_gale(&r, 10, sub3);
	cr_assert_eq(r.status, 0, "%s", r.err);
	test_run_fini(&r);
	check_prepare_error(port, "wordcount-bad");
	const char *bargs[] = { "errors", "wordcount-bad", "--nimbus", ep,
		NULL };
	test_run_gale(&r, 10, bargs);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "count") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, BAD_TEXT) != NULL, "%s", r.out);
	test_run_fini(&r);
	const char *targs[] = { "stats", "wordcount-bad", "--nimbus", ep,
		NULL };
	test_run_gale(&r, 10, targs);
	cr_assert(strstr(r.out, BAD_TEXT) != NULL, "%s\n%s", r.out, r.err);
	test_run_fini(&r);
	const char *kargs[] = { "kill", "wordcount-bad", "--wait", "0",
		"--nimbus", ep, NULL };
	test_run_gale(&r, 10, kargs);
	test_run_fini(&r);

	// gale errors answers for the topology, or says it is unknown.
	const char *eargs[] = { "errors", "no-such", "--nimbus", ep, NULL };
	test_run_gale(&r, 10, eargs);
	cr_assert_eq(r.status, 1, "%s", r.out);
	cr_assert(strstr(r.err, "no topology named") != NULL, "%s", r.err);
	test_run_fini(&r);

	stop(&ui_off);
	stop(&ui);
	stop(&sup);
	stop(&nimbus);
	test_rmtree(dir);
	free(dir);
}
