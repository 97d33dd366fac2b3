// SPDX-License-Identifier: MIT
// log.h - one log for every process: levels, timestamps and who is talking.
//
// Lines go to stderr as
//   2026-12-02T01:30:00.123Z INFO  worker[1234] count:4: message
// with the process name set once by gale__log_init, and the thread's own
// name (a task's component:task) set by gale__log_thread_name. A line is
// written with one write(2), so lines of several threads never interleave.
// Command output meant for the user (tables, diagnostics of a file, usage)
// is not log and does not go through here.

#ifndef GALE_BASE_LOG_H
#define GALE_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "gale.h"

// Names the process ("nimbus", "worker 2", "local") for every line it logs
// from now on, and reads GALE_LOG_LEVEL from the environment. Call once,
// before threads start; name is copied.
void gale__log_init(const char *process);

// Sets the least severe level that is written.
void gale__log_set_level(gale_log_level level);

// Parses "error", "warn", "info" or "debug" (any case). false when s is
// none of them.
bool gale__log_parse_level(const char *s, gale_log_level *out);

// True when a line at level would be written: lets a caller skip building
// an expensive message.
bool gale__log_enabled(gale_log_level level);

// Names the calling thread in its lines ("count:4"), or clears it (NULL).
// name is copied; it lasts until the thread exits or names itself again.
void gale__log_thread_name(const char *name);

// Writes one line at level. who overrides the thread's name when not NULL.
void gale__log(gale_log_level level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gale__logv(
    gale_log_level level, const char *who, const char *fmt, va_list ap);

#define GALE_ERROR(...) gale__log(GALE_LOG_ERROR, NULL, __VA_ARGS__)
#define GALE_WARN(...) gale__log(GALE_LOG_WARN, NULL, __VA_ARGS__)
#define GALE_INFO(...) gale__log(GALE_LOG_INFO, NULL, __VA_ARGS__)
#define GALE_DEBUG(...)                                                 \
	do {                                                            \
		if (gale__log_enabled(GALE_LOG_DEBUG)) {                \
			gale__log(GALE_LOG_DEBUG, NULL, __VA_ARGS__);   \
		}                                                       \
	} while (0)

#endif // GALE_BASE_LOG_H
