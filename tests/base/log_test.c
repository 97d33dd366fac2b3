// SPDX-License-Identifier: MIT
// log_test - levels, the line's shape, thread names, hostile text.

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

// Runs fn with stderr redirected into a buffer; returns what it wrote.
static char *
capture(void (*fn)(void))
{
	fflush(stderr);
	int   saved = dup(STDERR_FILENO);
	FILE *tmp   = tmpfile();
	cr_assert_not_null(tmp);
	dup2(fileno(tmp), STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	off_t n   = lseek(fileno(tmp), 0, SEEK_END);
	char *buf = calloc((size_t) n + 1, 1);
	cr_assert_not_null(buf);
	cr_assert_eq(pread(fileno(tmp), buf, (size_t) n, 0), n);
	fclose(tmp);
	return buf;
}

static void
write_levels(void)
{
	gale__log_init("tester");
	gale__log_set_level(GALE_LOG_WARN);
	GALE_ERROR("first %d", 1);
	GALE_WARN("second");
	GALE_INFO("hidden");
	GALE_DEBUG("hidden too");
	gale__log_set_level(GALE_LOG_INFO);
}

Test(log, writes_levels_at_or_above_the_threshold)
{
	char *out = capture(write_levels);
	cr_expect(strstr(out, " ERROR tester[") != NULL, "%s", out);
	cr_expect(strstr(out, "]: first 1\n") != NULL, "%s", out);
	cr_expect(strstr(out, " WARN  tester[") != NULL, "%s", out);
	cr_expect(strstr(out, "hidden") == NULL, "%s", out);
	// Each line starts with an ISO 8601 UTC timestamp.
	cr_expect(out[4] == '-' && out[10] == 'T' && out[23] == 'Z', "%s",
	    out);
	free(out);
}

static void *
named_thread(void *arg)
{
	(void) arg;
	gale__log_thread_name("count:4");
	GALE_INFO("from a task");
	return NULL;
}

static void
write_from_thread(void)
{
	gale__log_init("worker 1");
	pthread_t t;
	pthread_create(&t, NULL, named_thread, NULL);
	pthread_join(t, NULL);
	GALE_INFO("from main");
	gale__log(GALE_LOG_INFO, "split:2", "explicit");
}

Test(log, prefixes_the_thread_or_given_name)
{
	char *out = capture(write_from_thread);
	cr_expect(strstr(out, "] count:4: from a task\n") != NULL, "%s", out);
	cr_expect(strstr(out, "]: from main\n") != NULL, "%s", out);
	cr_expect(strstr(out, "] split:2: explicit\n") != NULL, "%s", out);
	cr_expect(strstr(out, "worker 1[") != NULL, "%s", out);
	free(out);
}

static void
write_hostile(void)
{
	gale__log_init("tester");
	GALE_INFO("a\nforged line\r\x1b[2J");
	char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	GALE_INFO("%s", big);
}

Test(log, keeps_each_message_on_one_bounded_line)
{
	char *out = capture(write_hostile);
	char *nl  = strchr(out, '\n');
	cr_assert_not_null(nl);
	cr_expect(strstr(out, "a?forged line??[2J\n") != NULL, "%s", out);
	char *second = nl + 1;
	char *end    = strchr(second, '\n');
	cr_assert_not_null(end);
	cr_expect(end - second < 4096, "line of %ld bytes", end - second);
	cr_expect(strncmp(end - 3, "...", 3) == 0);
	cr_expect_eq(end[1], '\0', "exactly two lines");
	free(out);
}

Test(log, parses_level_names)
{
	gale_log_level l;
	cr_expect(gale__log_parse_level("DEBUG", &l));
	cr_expect_eq(l, GALE_LOG_DEBUG);
	cr_expect(gale__log_parse_level("warning", &l));
	cr_expect_eq(l, GALE_LOG_WARN);
	cr_expect_not(gale__log_parse_level("loud", &l));
	cr_expect_not(gale__log_parse_level(NULL, &l));
}
