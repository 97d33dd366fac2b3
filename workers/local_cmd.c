// SPDX-License-Identifier: MIT
// local_cmd.c - `gale local`: runs a whole topology on this machine.

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/controller.h"
#include "workers/spec.h"
#include "workers/ui.h"
#include "workers/ui_source.h"
#include "workers/view.h"

// How often the replay summary is printed, in seconds.
#define LOCAL_SUMMARY_SECS 10

static volatile sig_atomic_t local_signals;

static void
local_on_signal(int sig)
{
	(void) sig;
	local_signals++;
}

// The live view: on a terminal the stats table with rates, redrawn every
// interval; nothing periodic anywhere else.
typedef struct local_live {
	gale_view *view;      // NULL when stdout is not a terminal
	char      *workers;   // the worker lines, shown above the table
	uint64_t   every_ns;
	uint64_t   next_ns;
} local_live;

// The replay summary: the spouts' totals every LOCAL_SUMMARY_SECS, as
// differences since the previous line.
typedef struct local_summary {
	bool             on;
	bool             started;
	uint64_t         next_ns;
	gale_view_totals prev;
} local_summary;

static char *
local_worker_lines(gale_controller *c)
{
	char  *buf = NULL;
	size_t len = 0;
	FILE  *m   = open_memstream(&buf, &len);
	if (m == NULL) {
		return NULL;
	}
	gale_controller_print_workers(c, m);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void
local_live_tick(local_live *l, gale_controller *c, uint64_t now)
{
	if (l->view == NULL || now < l->next_ns) {
		return;
	}
	l->next_ns = now + l->every_ns;
	char *table =
	    gale_stats_table(gale_controller_stats(c), now / 1000000u, true);
	if (table != NULL) {
		(void) gale_view_show(l->view, l->workers, table, time(NULL));
		free(table);
	}
}

static void
local_summary_tick(local_summary *s, gale_controller *c, uint64_t now)
{
	if (!s->on) {
		return;
	}
	if (!s->started) {
		// The window starts when the topology does.
		s->started = true;
		s->next_ns = now + LOCAL_SUMMARY_SECS * 1000000000ull;
		(void) gale_view_spout_totals(
		    gale_controller_stats(c), &s->prev);
		return;
	}
	if (now < s->next_ns) {
		return;
	}
	s->next_ns += LOCAL_SUMMARY_SECS * 1000000000ull;
	if (s->next_ns <= now) {
		s->next_ns = now + LOCAL_SUMMARY_SECS * 1000000000ull;
	}
	gale_view_totals cur;
	if (gale_view_spout_totals(gale_controller_stats(c), &cur) !=
	    GALE_OK) {
		return;
	}
	char line[256];
	gale_view_summary(line, sizeof(line), time(NULL), &s->prev, &cur,
	    LOCAL_SUMMARY_SECS);
	fprintf(stderr, "%s\n", line);
	s->prev = cur;
}

static int
local_write_json(gale_controller *c, const char *path)
{
	char *json = gale_stats_json(gale_controller_stats(c),
	    gale_now_ns() / 1000000u);
	if (json == NULL) {
		return 1;
	}
	int   rc = 0;
	FILE *f  = fopen(path, "w");
	if (f == NULL || fputs(json, f) < 0 || fputc('\n', f) < 0) {
		fprintf(stderr, "gale local: cannot write %s: %s\n", path,
		    strerror(errno));
		rc = 1;
	}
	if (f != NULL && fclose(f) != 0) {
		rc = 1;
	}
	free(json);
	return rc;
}

// The bounds of --interval, in seconds.
#define LOCAL_INTERVAL_MIN 0.1
#define LOCAL_INTERVAL_MAX 3600
// --duration is at least this long (it is in milliseconds at best).
#define LOCAL_DURATION_MIN 0.001

int
gale_cmd_local(int argc, char **argv)
{
	static const char          *name  = "local";
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "filter", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "stats-json", required_argument, NULL, 'j' },
		{ "log-replays", no_argument, NULL, 'r' },
		{ "ui", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file     = NULL;
	const char *json     = NULL;
	double      duration = 0;
	double      interval = 2;
	bool        replays  = false;
	const char *ui_arg   = NULL;
	char        ui_host[64];
	uint16_t    ui_port = 0;
	gale_spec_builder b;
	gale_spec_builder_init(&b);
	int rc = GALE_EXIT_USAGE;
	int opt;
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (gale_spec_builder_set(&b, optarg) != GALE_OK) {
				gale__cli_usage(name,
				    "--set takes KEY=VALUE, not '%s'", optarg);
				goto out;
			}
			break;
		case 'f':
			b.filter = optarg;
			break;
		case 'd':
			if (!gale__cli_seconds(name, "--duration", optarg,
			        LOCAL_DURATION_MIN, &duration)) {
				goto out;
			}
			break;
		case 'i':
			if (!gale__cli_seconds(name, "--interval", optarg,
			        LOCAL_INTERVAL_MIN, &interval)) {
				goto out;
			}
			if (interval > LOCAL_INTERVAL_MAX) {
				gale__cli_usage(name,
				    "--interval: '%s' is more than %d seconds",
				    optarg, LOCAL_INTERVAL_MAX);
				goto out;
			}
			break;
		case 'j':
			json = optarg;
			break;
		case 'r':
			replays = true;
			break;
		case 'u': {
			char why[256];
			if (!gale_ui_parse_listen(optarg, ui_host,
			        sizeof(ui_host), &ui_port, why, sizeof(why))) {
				gale__cli_usage(name, "--ui: %s", why);
				goto out;
			}
			ui_arg = optarg;
			break;
		}
		case 'h':
			gale__cli_print_usage(name, stdout);
			rc = GALE_EXIT_OK;
			goto out;
		default:
			gale__cli_bad_flag(name, opt, argv);
			goto out;
		}
	}
	if (optind >= argc) {
		gale__cli_usage(name, "no topology file given");
		goto out;
	}
	if (optind + 1 < argc) {
		gale__cli_usage(name, "one topology file, not also '%s'",
		    argv[optind + 1]);
		goto out;
	}
	file = argv[optind];
	gale__log_init(name);
	if (replays) {
		gale_spec_builder_set(&b, "topology.debug.replays=true");
	}
	rc = 1;
	gale_topology *topo = NULL;
	if (gale_spec_builder_load(&b, file, &topo) != GALE_OK) {
		goto out;
	}
	gale_controller *c    = NULL;
	gale_ui         *ui   = NULL;
	gale_ui_local    ui_local;
	local_live       live = { .every_ns = (uint64_t) (interval * 1e9) };
	local_summary    sum  = { .on = gale_topology_config_bool(
	                              topo, "topology.debug.replays", false) };
	if (gale_view_mode_for(STDOUT_FILENO) == GALE_VIEW_REDRAW) {
		char title[256];
		snprintf(title, sizeof(title),
		    "gale local %s: every %g s, Ctrl-C stops", topo->name,
		    interval);
		if (gale_view_new(&live.view, stdout, GALE_VIEW_REDRAW,
		        title) != GALE_OK) {
			fprintf(stderr, "gale local: out of memory\n");
			goto done;
		}
	}
	if (gale_controller_new(&c, &b.spec, topo, "127.0.0.1") != GALE_OK ||
	    gale_controller_start(c) != GALE_OK) {
		fprintf(stderr, "gale local: cannot start the workers: %s\n",
		    c && gale_controller_error(c) ? gale_controller_error(c)
		                                  : "out of resources");
		goto done;
	}
	if (ui_arg != NULL) {
		gale_ui_source src;
		char           why[256];
		gale_ui_local_source(&src, &ui_local, c, topo);
		if (gale_ui_new(&ui, ui_host, ui_port, &src, false, why,
		        sizeof(why)) != GALE_OK) {
			fprintf(stderr, "gale local: --ui: %s\n", why);
			goto done;
		}
		fprintf(stderr, "gale local: web UI at http://%s:%u/\n",
		    ui_host, (unsigned) gale_ui_port(ui));
		fflush(stderr);
	}
	struct sigaction sa = { .sa_handler = local_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	uint64_t start   = gale_now_ns();
	uint64_t timeout = (uint64_t) gale_topology_config_i64(topo,
	                       "topology.message.timeout.secs", 30) *
	    1000000000u;
	uint64_t stop_at = 0;
	bool     printed = false;
	for (;;) {
		gale_controller_poll(c, ui != NULL ? 25 : 50);
		if (ui != NULL) {
			gale_ui_poll(ui, 25);
		}
		const char *err = gale_controller_error(c);
		if (err != NULL) {
			fprintf(stderr, "gale local: %s\n", err);
			// With --ui the error stays served until Ctrl-C,
			// --duration or a kill from the UI.
			while (ui != NULL && !ui_local.killed
			    && local_signals == 0
			    && !(duration > 0
				&& gale_now_ns() - start
				    >= (uint64_t) (duration * 1e9))) {
				gale_controller_poll(c, 25);
				gale_ui_poll(ui, 25);
			}
			goto done;
		}
		uint64_t now = gale_now_ns();
		if (!printed && gale_controller_running(c)) {
			gale_controller_print_workers(c, stdout);
			fflush(stdout);
			printed = true;
			if (live.view != NULL) {
				live.workers = local_worker_lines(c);
				live.next_ns = now + live.every_ns;
			}
		}
		bool     expired =
		    duration > 0 && now - start >= (uint64_t) (duration * 1e9);
		if (gale_controller_finished(c)) {
			// With --ui the final stats stay served until Ctrl-C,
			// --duration or a kill from the UI.
			if (ui == NULL || ui_local.killed || local_signals > 0 ||
			    expired) {
				break;
			}
			continue;
		}
		if (printed) {
			gale_controller_print_restarted(c, stdout);
			local_live_tick(&live, c, now);
			local_summary_tick(&sum, c, now);
		}
		if (stop_at == 0 && (local_signals > 0 || expired)) {
			gale_controller_stop(c);
			stop_at = now;
		}
		// Spouts replay for up to two message timeouts when asked to
		// stop; a second signal, or ten seconds more, ends the wait.
		if (local_signals > 1 ||
		    (stop_at != 0 &&
		        now - stop_at > 2 * timeout + 10 * 1000000000ull)) {
			GALE_WARN("workers did not finish; stopping them");
			gale_controller_kill(c);
			break;
		}
	}
	// One last look, for the final heartbeats.
	gale_controller_poll(c, 0);
	if (live.view != NULL && gale_view_frames(live.view) > 0) {
		// The final table goes below the worker lines, as on a pipe.
		gale_view_end(live.view);
		if (live.workers != NULL) {
			fputs(live.workers, stdout);
		}
	}
	char *table = gale_stats_table(gale_controller_stats(c),
	    gale_now_ns() / 1000000u, false);
	if (table != NULL) {
		size_t n = strlen(table);
		fputs(table, stdout);
		if (n == 0 || table[n - 1] != '\n') {
			fputc('\n', stdout);
		}
		free(table);
	}
	rc = gale_controller_finished(c) ? GALE_EXIT_OK : GALE_EXIT_FAIL;
	char     names[512];
	uint64_t lost = gale_controller_unprocessed(c, names, sizeof(names));
	uint32_t lost_spouts = gale_controller_lost_spouts(c);
	if (rc == GALE_EXIT_OK && (lost > 0 || lost_spouts > 0)) {
		if (lost > 0) {
			fprintf(stderr,
			    "gale local: stopped with %" PRIu64
			    " messages not fully processed (%s)\n",
			    lost, names);
		}
		if (lost_spouts > 0) {
			fprintf(stderr,
			    "gale local: stopped after %u spout tasks lost "
			    "their worker while stopping; what they had in "
			    "flight may not be processed\n",
			    lost_spouts);
		}
		rc = GALE_EXIT_UNPROCESSED;
	}
	if (json != NULL && local_write_json(c, json) != 0) {
		rc = GALE_EXIT_FAIL;
	}
done:
	gale_ui_destroy(&ui);
	gale_view_destroy(&live.view);
	free(live.workers);
	gale_controller_destroy(&c);
	gale_topology_destroy(&topo);
out:
	gale_spec_builder_fini(&b);
	return rc;
}
