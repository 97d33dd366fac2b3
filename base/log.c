// SPDX-License-Identifier: MIT
// log.c - one log for every process: levels, timestamps and who is talking.

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define LOG_LINE_MAX 4096
#define LOG_NAME_MAX 64

static char              log_process[LOG_NAME_MAX] = "gale";
static _Atomic int       log_level                 = GALE_LOG_INFO;
static _Thread_local char log_thread[LOG_NAME_MAX];

static const char *const log_names[] = {
	[GALE_LOG_ERROR] = "ERROR",
	[GALE_LOG_WARN]  = "WARN",
	[GALE_LOG_INFO]  = "INFO",
	[GALE_LOG_DEBUG] = "DEBUG",
};

bool
gale__log_parse_level(const char *s, gale_log_level *out)
{
	static const char *const words[] = { "error", "warn", "info",
		"debug" };
	for (int i = 0; i < 4; i++) {
		if (s != NULL && strcasecmp(s, words[i]) == 0) {
			*out = (gale_log_level) i;
			return true;
		}
	}
	if (s != NULL && strcasecmp(s, "warning") == 0) {
		*out = GALE_LOG_WARN;
		return true;
	}
	return false;
}

void
gale__log_init(const char *process)
{
	snprintf(log_process, sizeof(log_process), "%s",
	    process != NULL ? process : "gale");
	gale_log_level l;
	if (gale__log_parse_level(getenv("GALE_LOG_LEVEL"), &l)) {
		gale__log_set_level(l);
	}
}

void
gale__log_set_level(gale_log_level level)
{
	atomic_store_explicit(&log_level, (int) level, memory_order_relaxed);
}

bool
gale__log_enabled(gale_log_level level)
{
	return (int) level <=
	    atomic_load_explicit(&log_level, memory_order_relaxed);
}

void
gale__log_thread_name(const char *name)
{
	snprintf(log_thread, sizeof(log_thread), "%s",
	    name != NULL ? name : "");
}

void
gale__logv(gale_log_level level, const char *who, const char *fmt, va_list ap)
{
	if (!gale__log_enabled(level)) {
		return;
	}
	if (who == NULL) {
		who = log_thread;
	}
	char           line[LOG_LINE_MAX];
	struct timeval tv;
	struct tm      tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	int n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s %s[%d]%s%s: ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int) (tv.tv_usec / 1000), log_names[level],
	    log_process, (int) getpid(), *who != '\0' ? " " : "", who);
	if (n < 0) {
		return;
	}
	size_t len = (size_t) n < sizeof(line) ? (size_t) n : sizeof(line) - 1;
	n          = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0) {
		len += (size_t) n;
	}
	if (len > sizeof(line) - 2) {
		// A longer message is cut, and says so.
		len = sizeof(line) - 2;
		memcpy(line + len - 3, "...", 3);
	}
	// Control characters from outside (names, paths, a peer's bytes)
	// would forge or break lines.
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) line[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			line[i] = '?';
		}
	}
	line[len++] = '\n';
	ssize_t w   = write(STDERR_FILENO, line, len);
	(void) w;
}

void
gale__log(gale_log_level level, const char *who, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gale__logv(level, who, fmt, ap);
	va_end(ap);
}
