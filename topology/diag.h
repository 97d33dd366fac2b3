// SPDX-License-Identifier: MIT
// diag.h - a reporter of problems in a topology definition: counts them,
// stops recording after GALE_TOPOLOGY_MAX_ERRORS and makes user text fit
// for a one-line message.
//
// The parser, the structure checks, `--set` and the validator each report
// through one reporter for the length of one call, so that every message has
// the same form and the same cap.

#ifndef GALE_TOPOLOGY_DIAG_H
#define GALE_TOPOLOGY_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "topology/model.h"

#define GALE_REPORT_SHOW_BUFS 4
#define GALE_REPORT_SHOW_LEN 96

// Transparent because it lives on the caller's stack for one call; its
// fields are read only through the functions below.
typedef struct gale_report {
	const char *file; // named in every message
	gale_diag  *d;
	size_t      nerrors;
	bool        failed;
	char        show[GALE_REPORT_SHOW_BUFS][GALE_REPORT_SHOW_LEN];
	unsigned    nshow;
} gale_report;

// Starts a reporter that adds to d, naming file ("<input>" when NULL).
void gale__report_init(gale_report *r, const char *file, gale_diag *d);

// Adds "FILE:LINE:COLUMN: message" (or "FILE: message" when at is NULL) and
// marks the reporter failed. After GALE_TOPOLOGY_MAX_ERRORS messages, adds
// one "too many errors" message and records nothing more.
void gale__report_error(gale_report *r, const gale_where *at, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

// Adds "FILE:LINE:COLUMN: warning: message" without marking the reporter
// failed: something gale accepts but does not use. Counts toward the cap.
void gale__report_warn(gale_report *r, const gale_where *at, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

// Counts an error whose message is not recorded any more: call it instead of
// gale__report_error when gale__report_muted() is true.
void gale__report_skip(gale_report *r);

// True once messages are no longer recorded, so that work done only to word
// a message (suggestions) can be skipped.
bool gale__report_muted(const gale_report *r);

// True once any error was reported, recorded or not.
bool gale__report_failed(const gale_report *r);

// User text made fit for a message (see gale__suggest_show). Each call
// takes the next of GALE_REPORT_SHOW_BUFS buffers, so that up to that many
// results can appear in one message. Borrowed: caller must not free.
const char *gale__report_show(gale_report *r, const char *s);

// "; did you mean 'best'?", or "" when best is NULL. Takes a buffer as
// gale__report_show does. Borrowed: caller must not free.
const char *gale__report_hint(gale_report *r, const char *best);

#endif // GALE_TOPOLOGY_DIAG_H
