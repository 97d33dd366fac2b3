// SPDX-License-Identifier: MIT
// kafka_bolt_test.c - the text the Kafka bolt writes for each kind of
// value: bytes as they are (NULs kept), numbers in decimal.

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "components/kafka_bolt.h"

static size_t
text_of(gale_value v, char **buf, size_t *cap)
{
	size_t len = 0;
	cr_assert_eq(gale__kafka_bolt_text(buf, &len, cap, &v), GALE_OK);
	return len;
}

Test(kafka_bolt, values_are_written_as_text)
{
	char  *buf = NULL;
	size_t cap = 0, len;
	len        = text_of(gale_i64(-42), &buf, &cap);
	cr_assert_eq(len, 3);
	cr_assert(memcmp(buf, "-42", 3) == 0);
	len = text_of(gale_bool(true), &buf, &cap);
	cr_assert(len == 4 && memcmp(buf, "true", 4) == 0);
	len = text_of(gale_f64(0.5), &buf, &cap);
	cr_assert(len == 3 && memcmp(buf, "0.5", 3) == 0);
	len = text_of(gale_cstr("word"), &buf, &cap);
	cr_assert(len == 4 && memcmp(buf, "word", 4) == 0);
	free(buf);
}

Test(kafka_bolt, bytes_keep_their_nuls_and_grow_the_buffer)
{
	char *big = malloc(100000);
	for (size_t i = 0; i < 100000; i++) {
		big[i] = (char) (i % 7 == 0 ? 0 : 'a' + i % 26);
	}
	char  *buf = NULL;
	size_t cap = 0;
	size_t len = text_of(gale_bytes(big, 100000), &buf, &cap);
	cr_assert_eq(len, 100000);
	cr_assert(memcmp(buf, big, len) == 0);
	len = text_of(gale_bytes("", 0), &buf, &cap);
	cr_assert_eq(len, 0);
	free(buf);
	free(big);
}

Test(kafka_bolt, values_append_to_what_is_there)
{
	char      *buf = NULL;
	size_t     cap = 0, len = 0;
	gale_value parts[3]
	    = { gale_cstr("fox"), gale_str("\t", 1), gale_i64(7) };
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(
		    gale__kafka_bolt_text(&buf, &len, &cap, &parts[i]),
		    GALE_OK);
	}
	cr_assert_eq(len, 5);
	cr_assert(memcmp(buf, "fox\t7", 5) == 0);
	free(buf);
}
