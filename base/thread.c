// SPDX-License-Identifier: MIT
// thread.c - threads that take no signals (see thread.h).

#include <signal.h>

#include "base/thread.h"

int
gale__thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	// The new thread inherits the mask in force when it is created.
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
