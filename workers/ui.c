// SPDX-License-Identifier: MIT
// ui.c - the web UI's HTTP server: routing, the CSRF check of actions,
// static assets and JSON errors, over libmicrohttpd on the caller's thread.

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/num.h"
#include "workers/ui.h"
#include "workers/ui_api.h"
#include "workers/ui_assets.h"

// A POST body larger than this is refused (rebalance options are tiny).
#define UI_BODY_MAX 4096
// Idle connections are closed after this many seconds.
#define UI_CONN_TIMEOUT_S 10
#define UI_CONN_LIMIT 64

struct gale_ui {
	struct MHD_Daemon *d;
	gale_ui_source     src;
	bool               actions;
	char               csrf[33]; // 128 random bits in hex
	uint16_t           port;
	int                epoll_fd;
};

// One request's state between the calls of the access handler.
typedef struct ui_req {
	char   body[UI_BODY_MAX + 1];
	size_t len;
	bool   too_big;
} ui_req;

void
gale__ui_summaries_free(gale_topology_summary *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++) {
		free(t[i].name);
	}
	free(t);
}

bool
gale_ui_parse_listen(const char *arg, char *host, size_t hostlen,
    uint16_t *port, char *why, size_t whylen)
{
	const char *colon = strrchr(arg, ':');
	const char *p     = colon != NULL ? colon + 1 : arg;
	size_t      hl    = colon != NULL ? (size_t) (colon - arg) : 0;
	int64_t     v;
	char        err[128];
	if (gale__parse_i64(p, 0, 65535, &v, err, sizeof(err)) != GALE_OK) {
		snprintf(why, whylen, "'%s': the port %s", arg, err);
		return false;
	}
	if (colon != NULL && hl == 0) {
		snprintf(why, whylen, "'%s' has no host before ':'", arg);
		return false;
	}
	if (hl >= hostlen) {
		snprintf(why, whylen, "'%s': the host is too long", arg);
		return false;
	}
	if (colon == NULL) {
		snprintf(host, hostlen, "127.0.0.1");
	} else {
		memcpy(host, arg, hl);
		host[hl] = '\0';
	}
	struct in_addr a;
	if (strcmp(host, "localhost") != 0
	    && inet_pton(AF_INET, host, &a) != 1) {
		snprintf(why, whylen,
		    "'%s': the host must be an IPv4 address or localhost",
		    arg);
		return false;
	}
	*port = (uint16_t) v;
	return true;
}

// ---------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------

static enum MHD_Result
ui_send(struct MHD_Connection *conn, unsigned status, const char *type,
    const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp
	    = MHD_create_response_from_buffer(len, (void *) data, mode);
	if (resp == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE) {
			free((void *) data);
		}
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	// The page loads its own script and style sheet and nothing else.
	MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; frame-ancestors "
	    "'none'");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
		MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
	}
	enum MHD_Result rv = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rv;
}

static enum MHD_Result
ui_send_response(struct MHD_Connection *conn, gale_ui_response *r)
{
	if (r->body == NULL) {
		static const char oom[] = "{\"error\":\"out of memory\"}";
		return ui_send(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "application/json", oom, sizeof(oom) - 1,
		    MHD_RESPMEM_PERSISTENT);
	}
	return ui_send(conn, r->status, r->type, r->body, strlen(r->body),
	    MHD_RESPMEM_MUST_FREE);
}

static const char *
ui_type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot != NULL && strcmp(dot, ".css") == 0) {
		return "text/css; charset=utf-8";
	}
	if (dot != NULL && strcmp(dot, ".js") == 0) {
		return "text/javascript; charset=utf-8";
	}
	return "text/html; charset=utf-8";
}

// The page's addresses are Storm UI's; the three pages are one document
// whose script draws what the address asks for.
static const gale_ui_asset *
ui_page(const char *url)
{
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0
	    || strcmp(url, "/topology.html") == 0
	    || strcmp(url, "/component.html") == 0) {
		return gale__ui_asset("app.html");
	}
	if (url[0] == '/' && strchr(url + 1, '/') == NULL
	    && strcmp(url + 1, "app.html") != 0) {
		return gale__ui_asset(url + 1);
	}
	return NULL;
}

// ---------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------

static enum MHD_Result
ui_post(gale_ui *ui, struct MHD_Connection *conn, const char *url,
    const ui_req *req)
{
	gale_ui_response r = { 0 };
	if (strncmp(url, "/api/v1/", 8) != 0) {
		gale__ui_error(&r, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "%s takes GET, not POST", url);
	} else if (!ui->actions) {
		gale__ui_error(&r, MHD_HTTP_FORBIDDEN,
		    "actions are off: start the UI with --actions to allow "
		    "them");
	} else if (req->too_big) {
		gale__ui_error(&r, MHD_HTTP_CONTENT_TOO_LARGE,
		    "the request body is over %d bytes", UI_BODY_MAX);
	} else {
		const char *token = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (token == NULL || strcmp(token, ui->csrf) != 0) {
			gale__ui_error(&r, MHD_HTTP_FORBIDDEN,
			    "missing or wrong X-CSRF-Token header: take "
			    "antiForgeryToken from GET /api/v1/topology/ID");
		} else {
			gale__ui_api_post(
			    &ui->src, url + 8, req->body, req->len, &r);
		}
	}
	return ui_send_response(conn, &r);
}

static enum MHD_Result
ui_get(gale_ui *ui, struct MHD_Connection *conn, const char *url)
{
	gale_ui_response r = { 0 };
	if (strncmp(url, "/api/v1/", 8) == 0) {
		const char *window = MHD_lookup_connection_value(
		    conn, MHD_GET_ARGUMENT_KIND, "window");
		gale__ui_api_get(&ui->src, url + 8, window, ui->csrf, &r);
		return ui_send_response(conn, &r);
	}
	if (strcmp(url, "/metrics") == 0) {
		gale__ui_metrics(&ui->src, &r);
		return ui_send_response(conn, &r);
	}
	const gale_ui_asset *a = ui_page(url);
	if (a != NULL) {
		return ui_send(conn, MHD_HTTP_OK, ui_type_of(a->name), a->data,
		    a->len, MHD_RESPMEM_PERSISTENT);
	}
	gale__ui_error(&r, MHD_HTTP_NOT_FOUND, "no such page: %s", url);
	return ui_send_response(conn, &r);
}

static enum MHD_Result
ui_handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	(void) version;
	gale_ui *ui   = cls;
	bool     post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (post) {
		ui_req *req = *state;
		if (req == NULL) {
			// The first call only sees the headers.
			req = calloc(1, sizeof(*req));
			if (req == NULL) {
				return MHD_NO;
			}
			*state = req;
			return MHD_YES;
		}
		if (*upload_len > 0) {
			if (req->len + *upload_len > UI_BODY_MAX) {
				req->too_big = true;
			} else {
				memcpy(
				    req->body + req->len, upload, *upload_len);
				req->len += *upload_len;
				req->body[req->len] = '\0';
			}
			*upload_len = 0;
			return MHD_YES;
		}
		return ui_post(ui, conn, url, req);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) == 0
	    || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0) {
		if (*upload_len > 0) {
			// A GET with a body: the body is ignored.
			*upload_len = 0;
			return MHD_YES;
		}
		return ui_get(ui, conn, url);
	}
	gale_ui_response r = { 0 };
	gale__ui_error(&r, MHD_HTTP_METHOD_NOT_ALLOWED,
	    "%s is not served; use GET, HEAD or POST", method);
	return ui_send_response(conn, &r);
}

static void
ui_request_done(void *cls, struct MHD_Connection *conn, void **state,
    enum MHD_RequestTerminationCode why)
{
	(void) cls;
	(void) conn;
	(void) why;
	free(*state);
	*state = NULL;
}

// ---------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------

static bool
ui_make_token(char out[33])
{
	unsigned char raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw)) {
		return false;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	}
	return true;
}

gale_err
gale_ui_new(gale_ui **out, const char *host, uint16_t port,
    const gale_ui_source *src, bool actions, char *why, size_t whylen)
{
	assert(out != NULL && host != NULL && src != NULL);
	struct sockaddr_in sin
	    = { .sin_family = AF_INET, .sin_port = htons(port) };
	const char *ip = strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
		snprintf(why, whylen, "'%s' is not an IPv4 address", host);
		return GALE_EINVAL;
	}
	gale_ui *ui = calloc(1, sizeof(*ui));
	if (ui == NULL) {
		snprintf(why, whylen, "out of memory");
		return GALE_ENOMEM;
	}
	ui->src     = *src;
	ui->actions = actions;
	if (!ui_make_token(ui->csrf)) {
		snprintf(why, whylen, "cannot make a CSRF token: %s",
		    strerror(errno));
		free(ui);
		return GALE_EIO;
	}
	// The daemon runs on the caller's thread (gale_ui_poll): sources
	// are single-threaded objects.
	errno = 0;
	ui->d = MHD_start_daemon(MHD_USE_EPOLL, port, NULL, NULL, ui_handle,
	    ui, MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sin,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) UI_CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned) UI_CONN_LIMIT,
	    MHD_OPTION_NOTIFY_COMPLETED, ui_request_done, ui, MHD_OPTION_END);
	if (ui->d == NULL) {
		snprintf(why, whylen, "cannot listen on %s:%u: %s", host,
		    (unsigned) port,
		    errno != 0 ? strerror(errno) : "the server did not start");
		free(ui);
		return GALE_EIO;
	}
	const union MHD_DaemonInfo *info
	    = MHD_get_daemon_info(ui->d, MHD_DAEMON_INFO_BIND_PORT);
	ui->port     = info != NULL ? info->port : port;
	info         = MHD_get_daemon_info(ui->d, MHD_DAEMON_INFO_EPOLL_FD);
	ui->epoll_fd = info != NULL ? info->epoll_fd : -1;
	*out         = ui;
	return GALE_OK;
}

void
gale_ui_destroy(gale_ui **uip)
{
	if (uip == NULL || *uip == NULL) {
		return;
	}
	gale_ui *ui = *uip;
	MHD_stop_daemon(ui->d);
	free(ui);
	*uip = NULL;
}

uint16_t
gale_ui_port(const gale_ui *ui)
{
	assert(ui != NULL);
	return ui->port;
}

void
gale_ui_poll(gale_ui *ui, int timeout_ms)
{
	assert(ui != NULL);
	uint64_t start = gale_now_ns();
	uint64_t limit = timeout_ms > 0 ? (uint64_t) timeout_ms : 0;
	for (;;) {
		uint64_t spent = (gale_now_ns() - start) / 1000000u;
		int      wait  = spent >= limit ? 0 : (int) (limit - spent);
		MHD_UNSIGNED_LONG_LONG mhd_wait;
		if (MHD_get_timeout(ui->d, &mhd_wait) == MHD_YES
		    && mhd_wait < (MHD_UNSIGNED_LONG_LONG) wait) {
			wait = (int) mhd_wait;
		}
		struct pollfd p = { .fd = ui->epoll_fd, .events = POLLIN };
		if (ui->epoll_fd >= 0) {
			(void) poll(&p, 1, wait);
		}
		MHD_run(ui->d);
		// Requests are served as they come until the time is up.
		if ((gale_now_ns() - start) / 1000000u >= limit) {
			return;
		}
	}
}
