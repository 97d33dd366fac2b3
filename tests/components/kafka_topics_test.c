// SPDX-License-Identifier: MIT
// kafka_topics_test.c - topic names from one name, a comma-separated text,
// a JSON list and a bracketed --set value; bad lists refused.

#include <criterion/criterion.h>
#include <string.h>

#include "components/kafka_topics.h"

static void
expect(const char *text, size_t n, const char *const *want)
{
	char **t = NULL;
	size_t k = 0;
	char   why[128];
	cr_assert_eq(gale__kafka_topics_parse(text, &t, &k, why, sizeof(why)),
	    GALE_OK, "%s: %s", text, why);
	cr_assert_eq(k, n, "%s", text);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(t[i], want[i]);
	}
	gale__kafka_topics_free(&t, &k);
	cr_assert_null(t);
	cr_assert_eq(k, 0);
}

static void
refuse(const char *text, const char *reason)
{
	char **t = NULL;
	size_t k = 0;
	char   why[128];
	cr_assert_eq(gale__kafka_topics_parse(text, &t, &k, why, sizeof(why)),
	    GALE_EINVAL, "%s", text);
	cr_assert_null(t);
	cr_assert(strstr(why, reason) != NULL, "%s: %s", text, why);
}

Test(kafka_topics, takes_a_name_commas_json_and_brackets)
{
	const char *const two[] = { "sentences", "more.lines" };
	expect("sentences", 1, two);
	expect("sentences,more.lines", 2, two);
	expect(" sentences , more.lines ", 2, two);
	expect("[\"sentences\",\"more.lines\"]", 2, two);
	expect("[sentences, more.lines]", 2, two);
}

Test(kafka_topics, refuses_empty_names_and_items_that_are_not_names)
{
	refuse("a,,b", "an empty topic name");
	refuse("[\"a\",2]", "item 2 of the list is not a topic name");
	refuse("[]", "a topic name or a list of them is wanted");
	refuse("[a", "a topic name or a list of them is wanted");
}
