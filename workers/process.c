// SPDX-License-Identifier: MIT
// process.c - starting, watching and stopping child processes by pid.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "workers/process.h"

const char *
gale_process_self(void)
{
	static char path[4096];
	ssize_t     n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0) {
		return "gale";
	}
	path[n] = '\0';
	return path;
}

gale_err
gale_process_spawn(char *const argv[], pid_t *pid)
{
	pid_t parent = getpid();
	pid_t p      = fork();
	if (p < 0) {
		return errno == ENOMEM ? GALE_ENOMEM : GALE_EIO;
	}
	if (p == 0) {
		// The child must not outlive its watcher: no orphans.
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent) {
			_exit(1);
		}
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			close(fd);
		}
		execv(argv[0], argv);
		GALE_ERROR("cannot run %s", argv[0]);
		_exit(127);
	}
	*pid = p;
	return GALE_OK;
}

static int
process_code(int status)
{
	if (WIFEXITED(status)) {
		return WEXITSTATUS(status);
	}
	if (WIFSIGNALED(status)) {
		return 128 + WTERMSIG(status);
	}
	return 1;
}

bool
gale_process_reap(pid_t pid, int *code)
{
	int   status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	if (r == pid) {
		*code = process_code(status);
		return true;
	}
	if (r < 0 && errno == ECHILD) {
		*code = 1;
		return true;
	}
	return false;
}

int
gale_process_stop(pid_t pid, int grace_ms)
{
	int code;
	if (gale_process_reap(pid, &code)) {
		return code;
	}
	kill(pid, SIGTERM);
	for (int waited = 0; waited < grace_ms; waited += 10) {
		if (gale_process_reap(pid, &code)) {
			return code;
		}
		nanosleep(&(struct timespec) { 0, 10000000 }, NULL);
	}
	kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	return process_code(status);
}
