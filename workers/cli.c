// SPDX-License-Identifier: MIT
// cli.c - the command table of the gale binary, usage, and flag values.

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "base/num.h"
#include "workers/cli.h"
#include "workers/commands.h"

static const gale_cli_command cli_commands[] = {
	{ "local", gale_cmd_local,
	    "FILE [--set K=V]... [--filter FILE] [--duration S] "
	    "[--stats-json PATH] [--interval S] [--log-replays] "
	    "[--ui [HOST:]PORT]",
	    "run a topology on this machine" },
	{ "validate", gale_cmd_validate,
	    "FILE... [--set K=V]... [--libdir DIR] [--filter FILE]",
	    "check topology files" },
	{ "worker", gale_cmd_worker,
	    "--controller ENDPOINT --index N [--bind HOST] [--libdir DIR] "
	    "[--heartbeat-ms MS]",
	    "(started by gale local or a supervisor)" },
	{ "nimbus", gale_cmd_nimbus,
	    "[--listen ENDPOINT] [--data-dir DIR] [--supervisor-timeout SECS] "
	    "[--keys DIR | --insecure] [--config FILE] "
	    "[--zookeeper HOST:PORT[,...]]",
	    "run the master of a cluster" },
	{ "supervisor", gale_cmd_supervisor,
	    "[--nimbus ENDPOINT] [--slots N] [--port-base P] [--host NAME] "
	    "[--data-dir DIR] [--keys DIR | --insecure] [--config FILE] "
	    "[--zookeeper HOST:PORT[,...]]",
	    "run the workers nimbus assigns to this machine" },
	{ "submit", gale_cmd_submit,
	    "FILE [--set K=V]... [--filter FILE] [--nimbus ENDPOINT] "
	    "[--keys DIR] [--config FILE]",
	    "send a topology to nimbus" },
	{ "list", gale_cmd_list,
	    "[--json] [--nimbus ENDPOINT] [--keys DIR] [--config FILE]",
	    "the topologies nimbus knows" },
	{ "kill", gale_cmd_kill,
	    "NAME [--wait SECONDS] [--nimbus ENDPOINT] [--keys DIR] "
	    "[--config FILE]",
	    "deactivate a topology, wait, then stop its workers" },
	{ "activate", gale_cmd_activate,
	    "NAME [--nimbus ENDPOINT] [--keys DIR] [--config FILE]",
	    "let its spouts emit again" },
	{ "deactivate", gale_cmd_deactivate,
	    "NAME [--nimbus ENDPOINT] [--keys DIR] [--config FILE]",
	    "stop its spouts emitting" },
	{ "rebalance", gale_cmd_rebalance,
	    "NAME --workers N [--nimbus ENDPOINT] [--keys DIR] "
	    "[--config FILE]",
	    "run it on N workers" },
	{ "stats", gale_cmd_stats,
	    "NAME [--json] [--nimbus ENDPOINT] [--keys DIR] [--config FILE]",
	    "its components' counters, rates and latencies" },
	{ "monitor", gale_cmd_monitor,
	    "NAME [--interval S] [--count N] [--nimbus ENDPOINT] [--keys DIR]",
	    "its stats table, redrawn every S seconds (q quits)" },
	{ "dev-kafka", gale_cmd_dev_kafka,
	    "[--listen HOST:PORT] [--brokers N] [--topic "
	    "NAME[:PARTITIONS]]...",
	    "an in-memory Kafka cluster on loopback, for development" },
	{ "errors", gale_cmd_errors,
	    "NAME [--json] [--nimbus ENDPOINT] [--keys DIR] [--config FILE]",
	    "the recent errors of its components" },
	{ "trace", gale_cmd_trace,
	    "NAME [--sample RATE] [--for SECONDS] [--nimbus ENDPOINT]",
	    "sample its tuple trees for a while and print them" },
	{ "ui", gale_cmd_ui,
	    "[--nimbus ENDPOINT] [--listen HOST:PORT] [--actions] "
	    "[--keys DIR] [--config FILE]",
	    "serve the web UI, REST API and /metrics (127.0.0.1:8080, or "
	    "ui.host and ui.port)" },
	{ "keygen", gale_cmd_keygen, "--out DIR --name NAME",
	    "write a CURVE key pair: NAME.key (secret) and NAME.pub" },
	{ "version", gale_cmd_version, "",
	    "print gale's version and the protocol its processes speak" },
	{ "dev-zookeeper", gale_cmd_dev_zookeeper,
	    "[--port P] [--data-dir DIR] [--listen ADDRESS --insecure]",
	    "a single-node ZooKeeper on loopback, for development" },
	{ NULL, NULL, NULL, NULL },
};

const gale_cli_command *
gale__cli_find(const char *name)
{
	for (const gale_cli_command *c = cli_commands; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0) {
			return c;
		}
	}
	return NULL;
}

void
gale__cli_print_all(FILE *f)
{
	fprintf(f, "usage: gale COMMAND [ARGS]\n\ncommands:\n");
	for (const gale_cli_command *c = cli_commands; c->name != NULL; c++) {
		fprintf(f, "  gale %s%s%s\n      %s\n", c->name,
		    c->args[0] ? " " : "", c->args, c->summary);
	}
}

int
gale__cli_usage(const char *name, const char *fmt, ...)
{
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "gale %s: ", name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	gale__cli_print_usage(name, stderr);
	return GALE_EXIT_USAGE;
}

void
gale__cli_print_usage(const char *name, FILE *f)
{
	const gale_cli_command *c = gale__cli_find(name);
	if (c != NULL) {
		fprintf(f, "usage: gale %s%s%s\n", c->name,
		    c->args[0] ? " " : "", c->args);
	}
}

int
gale__cli_bad_flag(const char *name, int c, char *const argv[])
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (c == ':') {
		return gale__cli_usage(name, "%s needs a value", arg);
	}
	// getopt_long names the option it knows but that was given a value
	// in optopt, and leaves it 0 for a long option it does not know.
	const char *eq = strchr(arg, '=');
	if (optopt != 0 && strncmp(arg, "--", 2) == 0 && eq != NULL) {
		return gale__cli_usage(
		    name, "%.*s takes no value", (int) (eq - arg), arg);
	}
	return gale__cli_usage(name, "unknown option '%s'", arg);
}

bool
gale__cli_u32(const char *name, const char *flag, const char *arg,
    uint32_t min, uint32_t max, uint32_t *out)
{
	char    why[160];
	int64_t v;
	if (arg == NULL) {
		gale__cli_usage(name, "%s needs a value", flag);
		return false;
	}
	if (gale__parse_i64(arg, min, max, &v, why, sizeof(why)) != GALE_OK) {
		gale__cli_usage(name, "%s: %s", flag, why);
		return false;
	}
	*out = (uint32_t) v;
	return true;
}

bool
gale__cli_seconds(const char *name, const char *flag, const char *arg,
    double min_s, double *out)
{
	char   why[160];
	double v;
	if (arg == NULL) {
		gale__cli_usage(name, "%s needs a value", flag);
		return false;
	}
	if (gale__parse_duration(arg, 1, &v, why, sizeof(why)) != GALE_OK) {
		gale__cli_usage(name, "%s: %s", flag, why);
		return false;
	}
	if (v < min_s) {
		gale__cli_usage(name, "%s: '%s' is less than %g seconds", flag,
		    arg, min_s);
		return false;
	}
	*out = v;
	return true;
}
