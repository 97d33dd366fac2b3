// SPDX-License-Identifier: MIT
// monitor_cmd.c - `gale monitor`: a topology's stats table from nimbus,
// redrawn every few seconds like `top`.

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "workers/cli.h"
#include "workers/client.h"
#include "workers/cluster_conf.h"
#include "workers/commands.h"
#include "workers/stats_view.h"
#include "workers/view.h"

// Each request gives up after this, so that an unreachable nimbus is
// reported within 5 s, process start included, as by the other client
// commands.
#define MONITOR_TIMEOUT_MS 4500
// The longest sleep between looks at the signal flags.
#define MONITOR_SLICE_MS 100

static volatile sig_atomic_t monitor_stop;
static volatile sig_atomic_t monitor_resized;

static void
monitor_on_signal(int sig)
{
	if (sig == SIGWINCH) {
		monitor_resized = 1;
	} else {
		monitor_stop = 1;
	}
}

typedef struct monitor {
	const char    *name;
	const char    *endpoint;
	gale_client   *client;
	gale_view     *view;
	bool           keys;     // q on stdin quits
	bool           raw;      // the terminal's settings are in saved
	struct termios saved;
} monitor;

typedef enum monitor_event {
	MONITOR_READY,   // the reply can be read
	MONITOR_TIMEOUT, // the deadline passed
	MONITOR_QUIT,    // q, Ctrl-C or a signal
} monitor_event;

// Turns off line buffering and echo on the terminal of stdin, so that a
// single q is read at once. Signals stay on: Ctrl-C raises SIGINT.
static void
monitor_raw_on(monitor *m)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &m->saved) != 0) {
		return;
	}
	struct termios t = m->saved;
	t.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
	t.c_cc[VMIN]  = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		m->raw  = true;
		m->keys = true;
	}
}

static void
monitor_raw_off(monitor *m)
{
	if (m->raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &m->saved);
		m->raw = false;
	}
}

// Reads what was typed: true when it asks to quit. Stops watching stdin
// once it is closed.
static bool
monitor_read_keys(monitor *m)
{
	char    buf[64];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		m->keys = false;
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == 'q' || buf[i] == 'Q' || buf[i] == 3) {
			return true;
		}
	}
	return false;
}

// Waits until the client's socket is readable (when sock is not NULL), the
// deadline passes, or the user quits; redraws the view on a resize.
static monitor_event
monitor_wait(monitor *m, void *sock, uint64_t deadline_ns)
{
	for (;;) {
		if (monitor_stop) {
			return MONITOR_QUIT;
		}
		if (monitor_resized) {
			monitor_resized = 0;
			(void) gale_view_redraw(m->view);
		}
		uint64_t now = gale_now_ns();
		if (now >= deadline_ns) {
			return MONITOR_TIMEOUT;
		}
		uint64_t left_ms = (deadline_ns - now + 999999u) / 1000000u;
		zmq_pollitem_t items[2];
		int            n = 0, key = -1, rep = -1;
		if (sock != NULL) {
			items[n] = (zmq_pollitem_t) { .socket = sock,
				.events                      = ZMQ_POLLIN };
			rep      = n++;
		}
		if (m->keys) {
			items[n] = (zmq_pollitem_t) { .fd = STDIN_FILENO,
				.events                  = ZMQ_POLLIN };
			key      = n++;
		}
		long wait = left_ms < MONITOR_SLICE_MS ? (long) left_ms
		                                       : MONITOR_SLICE_MS;
		if (zmq_poll(items, n, wait) <= 0) {
			continue; // a timeout, or EINTR from a signal
		}
		if (key >= 0 && (items[key].revents & ZMQ_POLLIN) &&
		    monitor_read_keys(m)) {
			return MONITOR_QUIT;
		}
		if (rep >= 0 && (items[rep].revents & ZMQ_POLLIN)) {
			return MONITOR_READY;
		}
	}
}

// Asks nimbus for the table. Returns 0 with *table set (the caller frees
// it), 1 after printing why it failed, or -1 when the user quit.
static int
monitor_fetch(monitor *m, char **table)
{
	gale_request req = { .kind = GALE_REQ_COMMAND };
	req.u.command    = (gale_command) { .kind = GALE_CMD_STATS,
		   .name                             = (char *) m->name };
	if (gale_client_send(m->client, &req) != GALE_OK) {
		fprintf(stderr, "gale monitor: %s\n",
		    gale_client_error(m->client));
		return 1;
	}
	uint64_t deadline =
	    gale_now_ns() + MONITOR_TIMEOUT_MS * (uint64_t) 1000000u;
	gale_reply r;
	for (;;) {
		monitor_event ev =
		    monitor_wait(m, gale_client_socket(m->client), deadline);
		if (ev == MONITOR_QUIT) {
			gale_client_reset(m->client);
			return -1;
		}
		if (ev == MONITOR_TIMEOUT) {
			gale_client_reset(m->client);
			fprintf(stderr,
			    "gale monitor: nimbus at %s did not answer within "
			    "5 s\n",
			    m->endpoint);
			return 1;
		}
		gale_err rv = gale_client_recv(m->client, &r, 0);
		if (rv == GALE_OK) {
			break;
		}
		if (rv != GALE_EAGAIN) {
			fprintf(stderr, "gale monitor: %s\n",
			    gale_client_error(m->client));
			return 1;
		}
	}
	int rc = 1;
	if (!r.ok) {
		const char *e = r.error != NULL && r.error[0] != '\0'
		    ? r.error
		    : "refused, without a reason";
		fprintf(stderr, "gale monitor: %s\n", e);
	} else if (r.stats == NULL) {
		fprintf(stderr, "gale monitor: nimbus sent no stats for %s\n",
		    m->name);
	} else if ((*table = gale_stats_view_table(r.stats, true)) == NULL) {
		fprintf(stderr, "gale monitor: out of memory\n");
	} else {
		rc = 0;
	}
	gale_reply_fini(&r);
	return rc;
}

static void
monitor_signals(void)
{
	struct sigaction sa = { .sa_handler = monitor_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
gale_cmd_monitor(int argc, char **argv)
{
	enum { OPT_INTERVAL = 256, OPT_COUNT, OPT_NIMBUS, OPT_KEYS };
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "nimbus", required_argument, NULL, OPT_NIMBUS },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ NULL, 0, NULL, 0 },
	};
	const char *keys = NULL;
	monitor  m        = { 0 };
	double   interval = 2;
	uint32_t count    = 0;
	opterr            = 0;
	optind            = 0; // a fresh scan, as glibc reads it
	int opt;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_INTERVAL:
			if (!gale__cli_seconds(
			        "monitor", "--interval", optarg, 0.1, &interval)) {
				return GALE_EXIT_USAGE;
			}
			if (interval > 3600) {
				return gale__cli_usage("monitor",
				    "--interval: '%s' is more than 3600 seconds",
				    optarg);
			}
			break;
		case OPT_COUNT:
			if (!gale__cli_u32("monitor", "--count", optarg, 1,
			        1000000000u, &count)) {
				return GALE_EXIT_USAGE;
			}
			break;
		case OPT_NIMBUS:
			m.endpoint = optarg;
			break;
		case OPT_KEYS:
			keys = optarg;
			break;
		case ':':
			return gale__cli_usage(
			    "monitor", "%s needs a value", argv[optind - 1]);
		default:
			return gale__cli_usage(
			    "monitor", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc) {
		return gale__cli_usage("monitor",
		    optind >= argc ? "which topology?" : "one topology only");
	}
	m.name = argv[optind];
	char                    err[4096];
	static gale_cluster_one one;
	if (gale__cluster_conf_one(
		NULL, m.endpoint, keys, NULL, &one, err, sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale monitor: %s\n", err);
		return GALE_EXIT_USAGE;
	}
	m.endpoint     = one.endpoint;
	const char *kd = one.keys_dir;
	if (gale_client_open(&m.client, m.endpoint, kd[0] ? kd : NULL, err,
	        sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale monitor: %s\n", err);
		return 1;
	}
	gale_view_mode mode = gale_view_mode_for(STDOUT_FILENO);
	char           title[256];
	snprintf(title, sizeof(title), "gale monitor %s: every %g s, q quits",
	    m.name, interval);
	int rc = 1;
	if (gale_view_new(&m.view, stdout, mode, title) != GALE_OK) {
		fprintf(stderr, "gale monitor: out of memory\n");
		goto out;
	}
	monitor_signals();
	if (mode == GALE_VIEW_REDRAW) {
		monitor_raw_on(&m);
	}
	uint64_t every = (uint64_t) (interval * 1e9);
	for (uint32_t n = 0; count == 0 || n < count; n++) {
		uint64_t start = gale_now_ns();
		char    *table = NULL;
		int      got   = monitor_fetch(&m, &table);
		if (got != 0) {
			rc = got < 0 ? 0 : 1;
			goto out;
		}
		gale_err rv = gale_view_show(m.view, NULL, table, time(NULL));
		free(table);
		if (rv != GALE_OK) {
			// Whoever read stdout is gone.
			goto out;
		}
		if (count != 0 && n + 1 == count) {
			break;
		}
		if (monitor_wait(&m, NULL, start + every) == MONITOR_QUIT) {
			break;
		}
	}
	rc = 0;
out:
	monitor_raw_off(&m);
	gale_view_destroy(&m.view);
	gale_client_destroy(&m.client);
	return rc;
}
