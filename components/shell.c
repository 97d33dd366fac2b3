// SPDX-License-Identifier: MIT
// shell.c - what the shell spout and bolt share: options, the child's
// start and handshake, framing, reports, values and emits.

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "components/shell.h"

// The longest stretch between two starts of a process that keeps failing.
#define SHELL_BACKOFF_MAX_NS 1000000000ull
// The least time a process is given to answer the handshake.
#define SHELL_START_NS 30000000000ull
// The offending text quoted in a report, at most.
#define SHELL_QUOTE 200

extern const gale_spout_ops gale__shell_spout_ops;
extern const gale_bolt_ops  gale__shell_bolt_ops;

const gale_component gale__shell = {
	.spout = &gale__shell_spout_ops,
	.bolt  = &gale__shell_bolt_ops,
};

// ---------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------

// A command given as text (`--set ID.command=...`): a flow list of plain
// words, [python3, split.py], or words separated by blanks.
static json_t *
shell_command_words(const char *text)
{
	json_t     *list = json_array();
	size_t      n    = strlen(text);
	bool        flow = n >= 2 && text[0] == '[' && text[n - 1] == ']';
	const char *p = text + flow, *end = text + n - flow;
	while (list != NULL && p < end) {
		while (p < end
		    && (*p == ' ' || *p == '\t' || (flow && *p == ','))) {
			p++;
		}
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\t'
		    && !(flow && *p == ',')) {
			p++;
		}
		if (p > w) {
			json_array_append_new(
			    list, json_stringn(w, (size_t) (p - w)));
		}
	}
	return list;
}

// Reads option `command`, a JSON list of strings (numbers as written).
static gale_err
shell_command(shell_task *t, gale_context *ctx)
{
	const char *text = gale_context_option(ctx, "command");
	if (text == NULL) {
		gale_context_error(ctx,
		    "option 'command' is missing: the program and its "
		    "arguments, as [python3, split.py]");
		return GALE_EINVAL;
	}
	json_t *cmd = json_loads(text, JSON_DECODE_ANY, NULL);
	if (cmd == NULL) {
		cmd = shell_command_words(text);
	}
	if (cmd == NULL || !json_is_array(cmd) || json_array_size(cmd) == 0) {
		json_decref(cmd);
		gale_context_error(ctx,
		    "option 'command': '%s' is not a list of the program and "
		    "its arguments",
		    text);
		return GALE_EINVAL;
	}
	size_t n = json_array_size(cmd);
	t->argv  = calloc(n + 1, sizeof(char *));
	if (t->argv == NULL) {
		json_decref(cmd);
		return GALE_ENOMEM;
	}
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *a  = json_array_get(cmd, i);
		t->argv[i] = json_is_string(a)
		    ? strdup(json_string_value(a))
		    : json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
		if (t->argv[i] == NULL) {
			json_decref(cmd);
			return GALE_ENOMEM;
		}
		if (used < sizeof(t->label) - 1) {
			int w = snprintf(t->label + used,
			    sizeof(t->label) - used, "%s%s", i > 0 ? " " : "",
			    t->argv[i]);
			used += w > 0 ? (size_t) w : 0;
		}
	}
	json_decref(cmd);
	return GALE_OK;
}

// The scripts' directory: resources/ beside the topology file when it
// exists, else the file's directory.
static gale_err
shell_cwd(shell_task *t, gale_context *ctx)
{
	const char *dir = gale_context_topology_dir(ctx);
	struct stat st;
	if (asprintf(&t->cwd, "%s/resources", dir) < 0) {
		t->cwd = NULL;
		return GALE_ENOMEM;
	}
	if (stat(t->cwd, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(t->cwd);
		t->cwd = strdup(dir);
	}
	return t->cwd != NULL ? GALE_OK : GALE_ENOMEM;
}

// A config value as JSON: typed as YAML reads a plain scalar.
static json_t *
shell_conf_value(const char *v, bool is_json)
{
	if (is_json) {
		json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
		return j != NULL ? j : json_string(v);
	}
	char *end;
	errno       = 0;
	long long i = strtoll(v, &end, 10);
	if (*v != '\0' && *end == '\0' && errno == 0) {
		return json_integer(i);
	}
	double d = strtod(v, &end);
	if (*v != '\0' && *end == '\0') {
		return json_real(d);
	}
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		return json_boolean(v[0] == 't');
	}
	if (strcmp(v, "null") == 0 || strcmp(v, "~") == 0) {
		return json_null();
	}
	return json_string(v);
}

gale_err
gale__shell_open(shell_task *t, gale_context *ctx, bool is_spout)
{
	t->ctx      = ctx;
	t->is_spout = is_spout;
	int64_t max
	    = gale_context_option_i64(ctx, "max_message_bytes", 1 << 20);
	if (max < 1024) {
		gale_context_error(ctx,
		    "option 'max_message_bytes': %" PRId64
		    " is below 1024 bytes",
		    max);
		return GALE_EINVAL;
	}
	gale__shell_proc_init(&t->proc, ctx, (size_t) max);
	int64_t secs = gale_context_config_i64(
	    ctx, "topology.subprocess.timeout.secs");
	t->timeout_ns = (uint64_t) (secs > 0 ? secs : 30) * 1000000000ull;
	gale_err rv = shell_command(t, ctx);
	if (rv == GALE_OK) {
		rv = shell_cwd(t, ctx);
	}
	if (rv != GALE_OK) {
		return rv;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(t->pid_dir, sizeof(t->pid_dir), "%s/gale-shell-XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(t->pid_dir) == NULL) {
		gale_context_error(ctx, "cannot make a pid directory '%s': %s",
		    t->pid_dir, strerror(errno));
		t->pid_dir[0] = '\0';
		return GALE_EIO;
	}
	if (is_spout && (t->ids = json_object()) == NULL) {
		return GALE_ENOMEM;
	}
	if (!gale__shell_ensure(t)) {
		gale_context_error(
		    ctx, "'%s' did not start (see above)", t->label);
		return GALE_EIO;
	}
	return GALE_OK;
}

// Removes the pid file a process of pid touched.
static void
shell_pid_file_remove(shell_task *t, int pid)
{
	char path[128];
	if (t->pid_dir[0] != '\0' && pid > 0) {
		snprintf(path, sizeof(path), "%s/%d", t->pid_dir, pid);
		unlink(path);
	}
}

void
gale__shell_close(shell_task *t)
{
	if (t->argv != NULL) {
		int pid = (int) t->proc.pid;
		gale__shell_proc_fini(&t->proc);
		shell_pid_file_remove(t, pid);
		for (size_t i = 0; t->argv[i] != NULL; i++) {
			free(t->argv[i]);
		}
	}
	if (t->pid_dir[0] != '\0') {
		rmdir(t->pid_dir);
	}
	free(t->argv);
	free(t->cwd);
	free(t->wbuf);
	free(t->vals);
	free(t->owned);
	free(t->tasks);
	free(t->pending);
	free(t->anchors);
	json_decref(t->ids);
	memset(t, 0, sizeof(*t));
}

// ---------------------------------------------------------------------
// Writing and reading
// ---------------------------------------------------------------------

static bool
shell_reserve(shell_task *t, size_t more)
{
	if (t->wcap - t->wlen >= more) {
		return true;
	}
	size_t cap = t->wcap ? t->wcap : 4096;
	while (cap - t->wlen < more) {
		cap *= 2;
	}
	char *b = realloc(t->wbuf, cap);
	if (b == NULL) {
		return false;
	}
	t->wbuf = b;
	t->wcap = cap;
	return true;
}

bool
gale__shell_put(shell_task *t, const json_t *msg)
{
	size_t n = json_dumpb(
	    msg, t->wbuf + t->wlen, t->wcap - t->wlen, JSON_COMPACT);
	if (n == 0) {
		return false;
	}
	if (n + 5 > t->wcap - t->wlen) {
		if (!shell_reserve(t, n + 5)) {
			return false;
		}
		json_dumpb(msg, t->wbuf + t->wlen, n, JSON_COMPACT);
	}
	memcpy(t->wbuf + t->wlen + n, "\nend\n", 5);
	t->wlen += n + 5;
	return true;
}

void
gale__shell_fail(shell_task *t, const char *what, const char *text, size_t len)
{
	char   quote[SHELL_QUOTE + 4];
	size_t q = 0;
	for (size_t i = 0; text != NULL && i < len && q < SHELL_QUOTE; i++) {
		unsigned char ch = (unsigned char) text[i];
		quote[q++]       = ch < 0x20 || ch == 0x7f ? '?' : (char) ch;
	}
	if (text != NULL && len > SHELL_QUOTE) {
		memcpy(quote + q, "...", 3);
		q += 3;
	}
	quote[q] = '\0';
	int pid  = (int) t->proc.pid;
	gale__shell_proc_stop(&t->proc);
	char how[64];
	gale__shell_proc_how(&t->proc, how, sizeof(how));
	const char *tail = gale__shell_proc_tail(&t->proc);
	gale_log(t->ctx, GALE_LOG_ERROR,
	    "'%s' (pid %d) %s%s%s%s; it %s; stderr: %s; restarting it",
	    t->label, pid, what, text != NULL ? ": '" : "", quote,
	    text != NULL ? "'" : "", how, tail[0] != '\0' ? tail : "(empty)");
	gale_context_error(t->ctx, "'%s' (pid %d) %s", t->label, pid, what);
	shell_pid_file_remove(t, pid);
	t->running = false;
	t->fails_in_row++;
	t->restarts++;
}

bool
gale__shell_flush(shell_task *t)
{
	gale_err rv = gale__shell_proc_write(
	    &t->proc, t->wbuf, t->wlen, gale_now_ns() + t->timeout_ns);
	t->wlen = 0;
	if (rv == GALE_OK) {
		return true;
	}
	gale__shell_fail(t,
	    rv == GALE_ETIMEDOUT ? "did not read its input in time"
				 : "closed its input",
	    NULL, 0);
	return false;
}

// Reads one message with the deadline; NULL with *none set on a timeout
// when quiet, else reported.
static json_t *
shell_recv(shell_task *t, const char **cmd, uint64_t deadline_ns, bool quiet,
    bool *none)
{
	const char *msg;
	size_t      len;
	gale_err rv = gale__shell_proc_read(&t->proc, &msg, &len, deadline_ns);
	if (rv == GALE_ETIMEDOUT && quiet) {
		*none = true;
		return NULL;
	}
	if (rv == GALE_ETIMEDOUT) {
		char what[96];
		snprintf(what, sizeof(what),
		    "did not answer within %" PRIu64
		    " s (topology.subprocess.timeout.secs)",
		    (uint64_t) (t->timeout_ns / 1000000000ull));
		gale__shell_fail(t, what, NULL, 0);
		return NULL;
	}
	if (rv == GALE_EPROTO) {
		char what[96];
		snprintf(what, sizeof(what),
		    "wrote a message longer than %zu bytes "
		    "(max_message_bytes)",
		    t->proc.max_msg);
		gale__shell_fail(t, what, msg, len);
		return NULL;
	}
	if (rv != GALE_OK) {
		gale__shell_fail(t, "ended its output", NULL, 0);
		return NULL;
	}
	json_error_t err;
	json_t      *j = json_loadb(msg, len, 0, &err);
	const char  *c = NULL;
	if (j != NULL && json_is_object(j)) {
		c = json_string_value(json_object_get(j, "command"));
	}
	if (c == NULL) {
		char what[256];
		snprintf(what, sizeof(what), "%s",
		    j == NULL ? "wrote something that is not JSON"
			: json_is_object(j)
			? "wrote a message without a string 'command'"
			: "wrote JSON that is not an object");
		if (j == NULL) {
			snprintf(what, sizeof(what),
			    "wrote something that is not a JSON message (%s)",
			    err.text);
		}
		json_decref(j);
		gale__shell_fail(t, what, msg, len);
		return NULL;
	}
	*cmd = c;
	return j;
}

json_t *
gale__shell_recv(shell_task *t, const char **cmd)
{
	bool none = false;
	return shell_recv(t, cmd, gale_now_ns() + t->timeout_ns, false, &none);
}

json_t *
gale__shell_try_recv(shell_task *t, const char **cmd, bool *none)
{
	*none = false;
	return shell_recv(t, cmd, 0, true, none);
}

// ---------------------------------------------------------------------
// Starting and the handshake
// ---------------------------------------------------------------------

// A grouping as Storm's context gives it: {"type": NAME}, with "fields"
// for FIELDS.
static json_t *
shell_grouping_json(
    const char *grouping, const char *const *fields, size_t nfields)
{
	json_t *g = json_pack("{s:s}", "type", grouping);
	if (g != NULL && strcmp(grouping, "FIELDS") == 0) {
		json_t *f = json_array();
		for (size_t j = 0; j < nfields; j++) {
			json_array_append_new(f, json_string(fields[j]));
		}
		json_object_set_new(g, "fields", f);
	}
	return g;
}

static json_t *
shell_context_json(shell_task *t)
{
	gale_context *ctx  = t->ctx;
	json_t       *tc   = json_object();
	json_t       *sog  = json_object();
	json_t       *outs = json_object();
	json_t       *strs = json_array();
	char          key[16];
	const char   *id;
	for (uint32_t k = 1;
	     (id = gale_context_task_component(ctx, k)) != NULL; k++) {
		snprintf(key, sizeof(key), "%" PRIu32, k);
		json_object_set_new(tc, key, json_string(id));
	}
	const gale_stream_decl *d = gale_context_outputs(ctx);
	for (; d != NULL && d->stream != NULL; d++) {
		json_t *f = json_array();
		for (size_t i = 0; d->fields != NULL && d->fields[i] != NULL;
		     i++) {
			json_array_append_new(f, json_string(d->fields[i]));
		}
		json_object_set_new(outs, d->stream, f);
		json_array_append_new(strs, json_string(d->stream));
	}
	const char        *stream, *target, *grouping;
	const char *const *fields;
	size_t             nfields;
	for (size_t i = 0; gale_context_subscription(
		 ctx, i, &stream, &target, &grouping, &fields, &nfields);
	     i++) {
		json_t *targets = json_object_get(sog, stream);
		if (targets == NULL) {
			targets = json_object();
			json_object_set_new(sog, stream, targets);
		}
		json_object_set_new(targets, target,
		    shell_grouping_json(grouping, fields, nfields));
	}
	// Its inputs, as Storm's: source -> stream -> grouping, and the
	// fields each source stream declares.
	json_t            *ssg = json_object();
	json_t            *ssf = json_object();
	const char        *source;
	const char *const *sfields;
	for (size_t i = 0; gale_context_input(ctx, i, &source, &stream,
		 &grouping, &fields, &nfields, &sfields);
	     i++) {
		json_t *g = json_object_get(ssg, source);
		json_t *f = json_object_get(ssf, source);
		if (g == NULL) {
			g = json_object();
			f = json_object();
			json_object_set_new(ssg, source, g);
			json_object_set_new(ssf, source, f);
		}
		json_object_set_new(
		    g, stream, shell_grouping_json(grouping, fields, nfields));
		json_t *names = json_array();
		for (size_t j = 0; sfields != NULL && sfields[j] != NULL;
		     j++) {
			json_array_append_new(names, json_string(sfields[j]));
		}
		json_object_set_new(f, stream, names);
	}
	return json_pack("{s:o,s:I,s:s,s:o,s:o,s:o,s:o,s:o}",
	    "task->component", tc, "taskid",
	    (json_int_t) gale_context_task(ctx), "componentid",
	    gale_context_component(ctx), "streams", strs,
	    "stream->outputfields", outs, "stream->target->grouping", sog,
	    "source->stream->grouping", ssg, "source->stream->fields", ssf);
}

static json_t *
shell_conf_json(shell_task *t)
{
	json_t     *conf = json_object();
	const char *k, *v;
	bool        js;
	for (size_t i = 0; gale_context_config(t->ctx, i, &k, &v, &js); i++) {
		json_object_set_new(conf, k, shell_conf_value(v, js));
	}
	if (json_object_get(conf, "topology.name") == NULL) {
		json_object_set_new(conf, "topology.name",
		    json_string(gale_context_topology(t->ctx)));
	}
	return conf;
}

// Sleeps until the back-off of a process that keeps failing has passed.
static void
shell_backoff(shell_task *t)
{
	uint64_t now = gale_now_ns();
	if (t->next_start_ns > now) {
		uint64_t        d  = t->next_start_ns - now;
		struct timespec ts = { (time_t) (d / 1000000000ull),
			(long) (d % 1000000000ull) };
		nanosleep(&ts, NULL);
	}
	uint64_t delay = t->fails_in_row == 0
	    ? 0
	    : 10000000ull << (t->fails_in_row < 7 ? t->fails_in_row : 7);
	if (delay > SHELL_BACKOFF_MAX_NS) {
		delay = SHELL_BACKOFF_MAX_NS;
	}
	t->next_start_ns = gale_now_ns() + delay;
}

bool
gale__shell_ensure(shell_task *t)
{
	if (t->running) {
		return true;
	}
	shell_backoff(t);
	char err[512];
	if (gale__shell_proc_start(&t->proc, t->argv, t->cwd, err, sizeof(err))
	    != GALE_OK) {
		gale_log(t->ctx, GALE_LOG_ERROR, "%s", err);
		gale_context_error(t->ctx, "%s", err);
		t->fails_in_row++;
		return false;
	}
	t->running = true;
	json_t *hs = json_pack("{s:o,s:s,s:o}", "conf", shell_conf_json(t),
	    "pidDir", t->pid_dir, "context", shell_context_json(t));
	bool    ok = hs != NULL && gale__shell_put(t, hs);
	json_decref(hs);
	if (!ok) {
		t->wlen = 0;
		gale__shell_fail(
		    t, "could not be sent its handshake", NULL, 0);
		return false;
	}
	if (!gale__shell_flush(t)) {
		return false;
	}
	// An interpreter may take long to start on a loaded machine: the
	// handshake gets at least SHELL_START_NS.
	const char *msg;
	size_t      len;
	uint64_t    wait
	    = t->timeout_ns > SHELL_START_NS ? t->timeout_ns : SHELL_START_NS;
	gale_err rv = gale__shell_proc_read(
	    &t->proc, &msg, &len, gale_now_ns() + wait);
	if (rv != GALE_OK) {
		gale__shell_fail(t,
		    rv == GALE_ETIMEDOUT
			? "did not answer the handshake in time"
			: "ended before it answered the handshake",
		    rv == GALE_EPROTO ? msg : NULL, len);
		return false;
	}
	json_t *ans = json_loadb(msg, len, 0, NULL);
	json_t *pid = json_object_get(ans, "pid");
	if (!json_is_integer(pid)) {
		json_decref(ans);
		gale__shell_fail(t,
		    "answered the handshake with something else than "
		    "{\"pid\": N}",
		    msg, len);
		return false;
	}
	gale_log(t->ctx, GALE_LOG_DEBUG,
	    "'%s' started, pid %" JSON_INTEGER_FORMAT, t->label,
	    json_integer_value(pid));
	json_decref(ans);
	return true;
}

// ---------------------------------------------------------------------
// Log, error, metrics
// ---------------------------------------------------------------------

bool
gale__shell_common(shell_task *t, const char *cmd, json_t *msg)
{
	const char *text = json_string_value(json_object_get(msg, "msg"));
	if (strcmp(cmd, "log") == 0) {
		// Storm's levels: 0 trace, 1 debug, 2 info, 3 warn, 4 error.
		json_t    *lv = json_object_get(msg, "level");
		json_int_t level
		    = json_is_integer(lv) ? json_integer_value(lv) : 2;
		gale_log_level l = level >= 4 ? GALE_LOG_ERROR
		    : level == 3              ? GALE_LOG_WARN
		    : level == 2              ? GALE_LOG_INFO
					      : GALE_LOG_DEBUG;
		gale_log(t->ctx, l, "%s", text != NULL ? text : "");
		return true;
	}
	if (strcmp(cmd, "error") == 0) {
		// Storm's reportError: kept for `gale errors` and the UI.
		gale_report_error(t->ctx, "%s", text != NULL ? text : "");
		return true;
	}
	if (strcmp(cmd, "metrics") == 0) {
		const char *name
		    = json_string_value(json_object_get(msg, "name"));
		gale_log(t->ctx, GALE_LOG_DEBUG,
		    "metric %s (not kept by gale)", name != NULL ? name : "?");
		return true;
	}
	return false;
}

// ---------------------------------------------------------------------
// Values and emits
// ---------------------------------------------------------------------

json_t *
gale__shell_value_json(const gale_value *v)
{
	switch (v->type) {
	case GALE_I64:
		return json_integer(v->u.i64);
	case GALE_F64: {
		json_t *r = json_real(v->u.f64);
		return r != NULL ? r : json_null(); // NaN and infinities
	}
	case GALE_BOOL:
		return json_boolean(v->u.b);
	case GALE_BYTES:
		if (v->u.s.len == 0) {
			return json_null();
		}
		// Bytes reach a script as a string.
		__attribute__((fallthrough));
	case GALE_STR: {
		json_t *s = json_stringn(v->u.s.ptr, v->u.s.len);
		if (s != NULL) {
			return s;
		}
		char *copy = malloc(v->u.s.len + 1);
		if (copy == NULL) {
			return NULL;
		}
		for (size_t i = 0; i < v->u.s.len; i++) {
			unsigned char ch = (unsigned char) v->u.s.ptr[i];
			copy[i]          = ch < 0x80 ? (char) ch : '?';
		}
		s = json_stringn(copy, v->u.s.len);
		free(copy);
		return s;
	}
	}
	return json_null();
}

// The values of a tuple list; false when out of memory.
static bool
shell_values(shell_task *t, json_t *list, size_t n)
{
	if (n > t->vcap) {
		size_t      cap = n > 16 ? n : 16;
		gale_value *v   = realloc(t->vals, cap * sizeof(*v));
		if (v == NULL) {
			return false;
		}
		t->vals   = v;
		char **ow = realloc(t->owned, cap * sizeof(*ow));
		if (ow == NULL) {
			return false;
		}
		t->owned = ow;
		t->vcap  = cap;
	}
	t->nowned = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_array_get(list, i);
		switch (json_typeof(j)) {
		case JSON_STRING:
			t->vals[i] = gale_str(
			    json_string_value(j), json_string_length(j));
			break;
		case JSON_INTEGER:
			t->vals[i] = gale_i64(json_integer_value(j));
			break;
		case JSON_REAL:
			t->vals[i] = gale_f64(json_real_value(j));
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			t->vals[i] = gale_bool(json_is_true(j));
			break;
		case JSON_NULL:
			t->vals[i] = gale_bytes("", 0);
			break;
		default: {
			char *s = json_dumps(j, JSON_COMPACT);
			if (s == NULL) {
				return false;
			}
			t->owned[t->nowned++] = s;
			t->vals[i]            = gale_cstr(s);
		}
		}
	}
	return true;
}

// The declared fields of stream, or NULL; *declared lists the streams.
static const gale_stream_decl *
shell_stream(shell_task *t, const char *stream, char *declared, size_t len)
{
	size_t used = 0;
	declared[0] = '\0';
	for (const gale_stream_decl *d = gale_context_outputs(t->ctx);
	     d != NULL && d->stream != NULL; d++) {
		if (strcmp(d->stream, stream) == 0) {
			return d;
		}
		if (used < len) {
			int w = snprintf(declared + used, len - used, "%s%s",
			    used > 0 ? ", " : "", d->stream);
			used += w > 0 ? (size_t) w : 0;
		}
	}
	if (used == 0) {
		snprintf(declared, len, "none");
	}
	return NULL;
}

// The emit of a spout (tracked, msg_id) or a bolt (anchors).
static bool shell_emit(shell_task *t, json_t *msg, bool tracked,
    uint64_t msg_id, const gale_tuple *const *anchors, size_t nanchors);

bool
gale__shell_emit(shell_task *t, json_t *msg, bool tracked, uint64_t msg_id,
    const gale_tuple *anchor)
{
	return shell_emit(t, msg, tracked, msg_id,
	    anchor != NULL ? &anchor : NULL, anchor != NULL);
}

bool
gale__shell_emit_anchored(
    shell_task *t, json_t *msg, const gale_tuple *const *anchors, size_t n)
{
	return shell_emit(t, msg, false, 0, anchors, n);
}

static bool
shell_emit(shell_task *t, json_t *msg, bool tracked, uint64_t msg_id,
    const gale_tuple *const *anchors, size_t nanchors)
{
	json_t     *tuple = json_object_get(msg, "tuple");
	json_t     *st    = json_object_get(msg, "stream");
	json_t     *task  = json_object_get(msg, "task");
	json_t     *need  = json_object_get(msg, "need_task_ids");
	const char *stream
	    = json_is_string(st) ? json_string_value(st) : "default";
	char what[512], declared[256];
	if (!json_is_array(tuple)) {
		gale__shell_fail(t, "emitted without a 'tuple' list", NULL, 0);
		return false;
	}
	const gale_stream_decl *d
	    = shell_stream(t, stream, declared, sizeof(declared));
	size_t n       = json_array_size(tuple);
	size_t nfields = 0;
	while (d != NULL && d->fields != NULL && d->fields[nfields] != NULL) {
		nfields++;
	}
	if (d == NULL || n != nfields) {
		if (d == NULL) {
			snprintf(what, sizeof(what),
			    "emitted on undeclared stream '%.100s' (declared: "
			    "%s)",
			    stream, declared);
		} else {
			snprintf(what, sizeof(what),
			    "emitted %zu values on stream '%.100s', which "
			    "declares %zu fields",
			    n, stream, nfields);
		}
		char *text = json_dumps(msg, JSON_COMPACT);
		gale__shell_fail(
		    t, what, text, text != NULL ? strlen(text) : 0);
		free(text);
		return false;
	}
	// A direct emit names a task; it is not answered with task ids (as
	// Storm's emitDirect), and a refused one is logged by the runtime.
	bool       direct = json_is_integer(task);
	json_int_t to     = direct ? json_integer_value(task) : 0;
	if (direct && (to <= 0 || to > UINT32_MAX)) {
		snprintf(what, sizeof(what),
		    "emitted direct to task %" JSON_INTEGER_FORMAT
		    ", which is not a task id",
		    to);
		char *text = json_dumps(msg, JSON_COMPACT);
		gale__shell_fail(
		    t, what, text, text != NULL ? strlen(text) : 0);
		free(text);
		return false;
	}
	if (!shell_values(t, tuple, n)) {
		return false;
	}
	gale_err rv;
	if (t->is_spout && direct) {
		rv = tracked ? gale_spout_emit_direct(
			 t->coll, (uint32_t) to, stream, t->vals, n, msg_id)
			     : gale_spout_emit_direct_untracked(
				 t->coll, (uint32_t) to, stream, t->vals, n);
	} else if (t->is_spout) {
		rv = tracked
		    ? gale_spout_emit(t->coll, stream, t->vals, n, msg_id)
		    : gale_spout_emit_untracked(t->coll, stream, t->vals, n);
	} else if (direct) {
		rv = gale_emit_direct(t->coll, (uint32_t) to, stream, t->vals,
		    n, anchors, nanchors);
	} else {
		rv = gale_emit(t->coll, stream, t->vals, n, anchors, nanchors);
	}
	for (size_t i = 0; i < t->nowned; i++) {
		free(t->owned[i]);
	}
	t->nowned = 0;
	if (rv != GALE_OK && t->is_spout && tracked) {
		// No ack or fail will come for a message that did not go.
		char key[20];
		snprintf(key, sizeof(key), "%016" PRIx64, msg_id);
		json_object_del(t->ids, key);
	}
	if (rv != GALE_OK && rv != GALE_ECLOSED
	    && !(direct && rv == GALE_EINVAL)) {
		snprintf(
		    what, sizeof(what), "emit refused: %s", gale_strerror(rv));
		gale_log(t->ctx, GALE_LOG_ERROR, "'%s': %s", t->label, what);
	}
	if (direct || json_is_false(need)) {
		return true;
	}
	size_t nt = gale_emit_tasks(t->coll, t->tasks, t->tasks_cap);
	if (nt > t->tasks_cap) {
		uint32_t *tk = realloc(t->tasks, nt * sizeof(*tk));
		if (tk == NULL) {
			return false;
		}
		t->tasks     = tk;
		t->tasks_cap = nt;
		gale_emit_tasks(t->coll, t->tasks, t->tasks_cap);
	}
	// The answer is a JSON list of integers: written by hand, as it is
	// on the path of every emit.
	if (!shell_reserve(t, 16 + nt * 12)) {
		return false;
	}
	t->wbuf[t->wlen++] = '[';
	for (size_t i = 0; i < nt; i++) {
		t->wlen += (size_t) sprintf(t->wbuf + t->wlen, "%s%" PRIu32,
		    i > 0 ? "," : "", t->tasks[i]);
	}
	memcpy(t->wbuf + t->wlen, "]\nend\n", 6);
	t->wlen += 6;
	return gale__shell_flush(t);
}

const gale_option_decl gale__shell_options[] = {
	{ "command", GALE_OPTION_LIST, NULL,
	    "the program and its arguments, [python3, split.py] (required)" },
	{ "fields", GALE_OPTION_LIST, NULL,
	    "the fields of its default stream" },
	{ "streams", GALE_OPTION_STRING, NULL,
	    "its output streams and their fields, {NAME: [field, ...]}" },
	{ "max_message_bytes", GALE_OPTION_INT, "1048576",
	    "the longest message it may write" },
	{ NULL, 0, NULL, NULL },
};
