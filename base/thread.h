// SPDX-License-Identifier: MIT
// thread.h - starting the threads a process runs beside its main one.
//
// Signals belong to the main thread: it sets the flags its loop reads and
// wakes from its poll. A thread started here takes none, so a SIGTERM is
// never handled on an executor's or a helper's stack.

#ifndef GALE_BASE_THREAD_H
#define GALE_BASE_THREAD_H

#include <pthread.h>

// Starts fn(arg) on a new thread with every signal blocked. Returns 0 or
// the error pthread_create gave.
int gale__thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif // GALE_BASE_THREAD_H
