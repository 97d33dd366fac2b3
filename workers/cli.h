// SPDX-License-Identifier: MIT
// cli.h - the command table of the gale binary, usage, and flag values.
//
// Every subcommand parses its flags with getopt_long and reports a bad
// flag through gale__cli_usage, which prints the command's one usage line
// from the table, so `gale help` and every error say the same thing.

#ifndef GALE_WORKERS_CLI_H
#define GALE_WORKERS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

// Exit codes of every command.
#define GALE_EXIT_OK 0
#define GALE_EXIT_FAIL 1
#define GALE_EXIT_USAGE 2
// `gale local`: stopped, but some input was not fully processed.
#define GALE_EXIT_UNPROCESSED 3

typedef struct gale_cli_command {
	const char *name;
	int (*run)(int argc, char **argv); // argv[0] is the command's name
	const char *args;                  // "FILE [--set K=V]..."
	const char *summary;               // one line
} gale_cli_command;

// The command named name, or NULL. Static: caller must not free it.
const gale_cli_command *gale__cli_find(const char *name);

// Prints "usage: gale COMMAND [ARGS]" and every command to f.
void gale__cli_print_all(FILE *f);

// Prints the command's usage line, "usage: gale NAME ARGS", to f.
void gale__cli_print_usage(const char *name, FILE *f);

// Prints "gale NAME: MESSAGE" (when fmt is not NULL) and the command's
// usage line to stderr. Returns GALE_EXIT_USAGE, for `return
// gale__cli_usage(...)`.
int gale__cli_usage(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// Reports a flag getopt_long refused, from what it returned (c: '?' for
// an unknown option or a value given to a flag that takes none, ':' for a
// missing value; the option string must start with ':') and the optind it
// left: "gale NAME: unknown option '--x'", "gale NAME: --x needs a
// value" or "gale NAME: --x takes no value", and the usage line. Returns
// GALE_EXIT_USAGE.
int gale__cli_bad_flag(const char *name, int c, char *const argv[]);

// Flag values, parsed by base/num. On a bad value they print
// "gale NAME: --FLAG: REASON" and the usage line, and return false.
bool gale__cli_u32(const char *name, const char *flag, const char *arg,
    uint32_t min, uint32_t max, uint32_t *out);
// A duration in seconds ("30", "1.5", "250ms", "2m"), at least min_s.
bool gale__cli_seconds(const char *name, const char *flag, const char *arg,
    double min_s, double *out);

#endif // GALE_WORKERS_CLI_H
