// SPDX-License-Identifier: MIT
// dev_zookeeper_cmd.c - `gale dev-zookeeper`: a single-node ZooKeeper
// from Debian's zookeeper package, on loopback unless --listen names
// another address (with --insecure: it has no authentication), for
// development and tests.

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/files.h"

// How long the JVM may take to answer; a slow machine takes seconds.
#define DEVZK_READY_MS 60000
#define DEVZK_JAR "/usr/share/java/zookeeper.jar"

static volatile sig_atomic_t devzk_signalled;

static void
devzk_on_signal(int sig)
{
	(void) sig;
	devzk_signalled = 1;
}

static long long
devzk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// A port nobody listens on now, from the kernel.
static int
devzk_free_port(struct in_addr addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -1;
	}
	struct sockaddr_in a    = { .sin_family = AF_INET, .sin_addr = addr };
	socklen_t          len  = sizeof(a);
	int                port = -1;
	if (bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0
	    && getsockname(fd, (struct sockaddr *) &a, &len) == 0) {
		port = ntohs(a.sin_port);
	}
	close(fd);
	return port;
}

// True when the server answers "ruok" with "imok".
static bool
devzk_ruok(struct in_addr addr, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return false;
	}
	struct sockaddr_in a      = { .sin_family = AF_INET,
		     .sin_port                    = htons((uint16_t) port),
		     .sin_addr                    = addr };
	char               buf[8] = "";
	bool               ok     = false;
	if (connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0
	    && write(fd, "ruok", 4) == 4) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1000) > 0 && read(fd, buf, 4) == 4) {
			ok = memcmp(buf, "imok", 4) == 0;
		}
	}
	close(fd);
	return ok;
}

// Starts the server; its output goes to dir/zookeeper.log.
static pid_t
devzk_spawn(const char *dir, const char *cfg)
{
	char log[4200];
	snprintf(log, sizeof(log), "%s/zookeeper.log", dir);
	const char *java = getenv("JAVA");
	const char *jar  = getenv("GALE_ZOOKEEPER_JAR");
	java             = java != NULL && java[0] ? java : "java";
	jar              = jar != NULL && jar[0] ? jar : DEVZK_JAR;
	pid_t pid        = fork();
	if (pid != 0) {
		return pid;
	}
	// It dies with this process, however this one ends.
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	char logdir[4300];
	snprintf(logdir, sizeof(logdir), "-Dzookeeper.log.dir=%s", dir);
	// A node may hold a topology with its shipped libraries.
	execlp(java, java, "-Xmx256m", "-Djute.maxbuffer=104857600",
	    "-Dzookeeper.admin.enableServer=false", logdir, "-cp", jar,
	    "org.apache.zookeeper.server.ZooKeeperServerMain", cfg,
	    (char *) NULL);
	fprintf(stderr, "cannot run %s: %s\n", java, strerror(errno));
	_exit(127);
}

int
gale_cmd_dev_zookeeper(int argc, char **argv)
{
	static const char         *name   = "dev-zookeeper";
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "insecure", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t       port     = 0;
	const char    *dir      = NULL;
	const char    *listen   = "127.0.0.1";
	bool           insecure = false;
	struct in_addr addr;
	int            c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!gale__cli_u32(
				name, "--port", optarg, 1, 65535, &port)) {
				return GALE_EXIT_USAGE;
			}
			break;
		case 'd':
			dir = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'i':
			insecure = true;
			break;
		case 'h':
			gale__cli_print_usage(name, stdout);
			return GALE_EXIT_OK;
		default:
			return gale__cli_bad_flag(name, c, argv);
		}
	}
	if (optind < argc) {
		return gale__cli_usage(
		    name, "unexpected argument '%s'", argv[optind]);
	}
	if (inet_pton(AF_INET, listen, &addr) != 1) {
		return gale__cli_usage(name,
		    "--listen '%s' is not an IPv4 address (like 10.0.0.1)",
		    listen);
	}
	if ((ntohl(addr.s_addr) >> 24) != 127 && !insecure) {
		return gale__cli_usage(name,
		    "--listen %s is not loopback, and this ZooKeeper has no "
		    "authentication: anyone who reaches it can rewrite the "
		    "cluster's state; add --insecure to accept that",
		    listen);
	}
	char tmp[] = "/tmp/gale-zookeeper-XXXXXX";
	char err[1024];
	bool temp = dir == NULL;
	if (temp && (dir = mkdtemp(tmp)) == NULL) {
		fprintf(stderr, "gale %s: cannot make a data directory: %s\n",
		    name, strerror(errno));
		return GALE_EXIT_FAIL;
	}
	if (!temp && gale_files_mkdirs(dir, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale %s: %s\n", name, err);
		return GALE_EXIT_FAIL;
	}
	int p = port != 0 ? (int) port : devzk_free_port(addr);
	if (p <= 0) {
		fprintf(stderr, "gale %s: no free port\n", name);
		return GALE_EXIT_FAIL;
	}
	char cfg[4200], text[5000];
	snprintf(cfg, sizeof(cfg), "%s/zoo.cfg", dir);
	// A short tick lets sessions as short as a second, so that a dead
	// process's ephemeral nodes go quickly.
	snprintf(text, sizeof(text),
	    "tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s/data\n"
	    "clientPort=%d\nclientPortAddress=%s\n"
	    "maxClientCnxns=0\nadmin.enableServer=false\n"
	    "4lw.commands.whitelist=ruok,srvr\n",
	    dir, p, listen);
	if (gale_files_write_atomic(cfg, text, strlen(text), err, sizeof(err))
	    != GALE_OK) {
		fprintf(stderr, "gale %s: %s\n", name, err);
		return GALE_EXIT_FAIL;
	}
	struct sigaction sa = { .sa_handler = devzk_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pid_t pid = devzk_spawn(dir, cfg);
	if (pid < 0) {
		fprintf(stderr, "gale %s: cannot fork: %s\n", name,
		    strerror(errno));
		return GALE_EXIT_FAIL;
	}
	long long deadline = devzk_now_ms() + DEVZK_READY_MS;
	bool      ready    = false;
	int       status   = 0;
	bool      exited   = false;
	while (!ready && !devzk_signalled && devzk_now_ms() < deadline) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		ready = devzk_ruok(addr, p);
		if (!ready) {
			nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
		}
	}
	int rc = GALE_EXIT_OK;
	if (ready) {
		// The connect string first, for scripts and tests.
		printf("%s:%d\n", listen, p);
		fflush(stdout);
		fprintf(stderr,
		    "gale %s: ZooKeeper ready (pid %d, data %s, log "
		    "%s/zookeeper.log)\n",
		    name, (int) pid, dir, dir);
		while (!devzk_signalled) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				exited = true;
				break;
			}
			nanosleep(&(struct timespec) { 0, 100000000L }, NULL);
		}
	}
	if (exited) {
		fprintf(stderr,
		    "gale %s: ZooKeeper exited (status %d); see "
		    "%s/zookeeper.log\n",
		    name, WIFEXITED(status) ? WEXITSTATUS(status) : 128, dir);
		rc = GALE_EXIT_FAIL;
	} else {
		if (!ready && !devzk_signalled) {
			fprintf(stderr,
			    "gale %s: ZooKeeper did not answer on port %d "
			    "within %d s; see %s/zookeeper.log\n",
			    name, p, DEVZK_READY_MS / 1000, dir);
			rc = GALE_EXIT_FAIL;
		}
		kill(pid, SIGTERM);
		long long until = devzk_now_ms() + 5000;
		while (waitpid(pid, &status, WNOHANG) != pid) {
			if (devzk_now_ms() > until) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				break;
			}
			nanosleep(&(struct timespec) { 0, 50000000L }, NULL);
		}
	}
	if (temp && rc == GALE_EXIT_OK) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0) {
			fprintf(
			    stderr, "gale %s: left %s behind\n", name, dir);
		}
	}
	return rc;
}
