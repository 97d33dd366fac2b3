// SPDX-License-Identifier: MIT
// num_test - the one parser of integers, floats, booleans and durations.

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "base/num.h"

Test(num, reads_decimal_integers_whole)
{
	int64_t v = 0;
	cr_expect_eq(gale__parse_i64("42", 0, 100, &v, NULL, 0), GALE_OK);
	cr_expect_eq(v, 42);
	cr_expect_eq(gale__parse_i64("-7", -10, 10, &v, NULL, 0), GALE_OK);
	cr_expect_eq(v, -7);
	cr_expect_eq(gale__parse_i64("+7", -10, 10, &v, NULL, 0), GALE_OK);
	cr_expect_eq(v, 7);
	// Leading zeros are decimal, never octal.
	cr_expect_eq(gale__parse_i64("010", 0, 100, &v, NULL, 0), GALE_OK);
	cr_expect_eq(v, 10);
}

Test(num, refuses_what_is_not_a_whole_decimal_integer)
{
	const char *bad[] = { "", " 1", "1 ", "0x10", "1.5", "12x", "+", "-",
		"1e3", "--1", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		int64_t v  = 99;
		char    why[128];
		cr_expect_eq(gale__parse_i64(bad[i], INT64_MIN, INT64_MAX, &v,
		                 why, sizeof(why)),
		    GALE_EINVAL, "'%s'", bad[i]);
		cr_expect_eq(v, 99, "'%s' must leave the output alone", bad[i]);
		cr_expect(strstr(why, "is not a decimal integer") != NULL,
		    "'%s': %s", bad[i], why);
	}
}

Test(num, checks_range_and_overflow)
{
	int64_t v;
	char    why[128];
	cr_expect_eq(gale__parse_i64("256", 0, 255, &v, why, sizeof(why)),
	    GALE_EINVAL);
	cr_expect_str_eq(why, "'256' is out of range (0 to 255)");
	cr_expect_eq(gale__parse_i64("99999999999999999999", INT64_MIN,
	                 INT64_MAX, &v, NULL, 0),
	    GALE_EINVAL);
	cr_expect_eq(gale__parse_i64("9223372036854775807", INT64_MIN,
	                 INT64_MAX, &v, NULL, 0),
	    GALE_OK);
	cr_expect_eq(v, INT64_MAX);
	uint64_t u;
	cr_expect_eq(gale__parse_u64("18446744073709551615", UINT64_MAX, &u,
	                 NULL, 0),
	    GALE_OK);
	cr_expect_eq(u, UINT64_MAX);
	cr_expect_eq(gale__parse_u64("18446744073709551616", UINT64_MAX, &u,
	                 NULL, 0),
	    GALE_EINVAL);
	cr_expect_eq(gale__parse_u64("-1", UINT64_MAX, &u, NULL, 0),
	    GALE_EINVAL);
	cr_expect_eq(
	    gale__parse_u64("70000", 65535, &u, NULL, 0), GALE_EINVAL);
}

Test(num, reads_finite_decimal_floats_only)
{
	double v;
	cr_expect_eq(gale__parse_f64("2.5", &v, NULL, 0), GALE_OK);
	cr_expect_float_eq(v, 2.5, 1e-12);
	cr_expect_eq(gale__parse_f64("-1e3", &v, NULL, 0), GALE_OK);
	cr_expect_float_eq(v, -1000, 1e-9);
	const char *bad[] = { "", "nan", "inf", "0x1p3", " 1", "1 ", "1e999",
		"e", ".", NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		cr_expect_eq(gale__parse_f64(bad[i], &v, NULL, 0), GALE_EINVAL,
		    "'%s'", bad[i]);
	}
}

Test(num, reads_booleans_in_any_case)
{
	bool b = false;
	cr_expect_eq(gale__parse_bool("TRUE", &b, NULL, 0), GALE_OK);
	cr_expect(b);
	cr_expect_eq(gale__parse_bool("off", &b, NULL, 0), GALE_OK);
	cr_expect_not(b);
	char why[128];
	cr_expect_eq(gale__parse_bool("maybe", &b, why, sizeof(why)),
	    GALE_EINVAL);
	cr_expect_str_eq(why, "'maybe' is not a boolean (true or false)");
}

Test(num, reads_durations_with_units)
{
	double s;
	cr_expect_eq(gale__parse_duration("30", 1, &s, NULL, 0), GALE_OK);
	cr_expect_float_eq(s, 30, 1e-9);
	cr_expect_eq(gale__parse_duration("250", 0.001, &s, NULL, 0), GALE_OK);
	cr_expect_float_eq(s, 0.25, 1e-9);
	cr_expect_eq(gale__parse_duration("250ms", 1, &s, NULL, 0), GALE_OK);
	cr_expect_float_eq(s, 0.25, 1e-9);
	cr_expect_eq(gale__parse_duration("5m", 1, &s, NULL, 0), GALE_OK);
	cr_expect_float_eq(s, 300, 1e-9);
	cr_expect_eq(gale__parse_duration("1.5h", 1, &s, NULL, 0), GALE_OK);
	cr_expect_float_eq(s, 5400, 1e-9);
	const char *bad[] = { "", "s", "5x", "-1s", "5 s", "1e999h", "ms5",
		NULL };
	for (size_t i = 0; bad[i] != NULL; i++) {
		cr_expect_eq(gale__parse_duration(bad[i], 1, &s, NULL, 0),
		    GALE_EINVAL, "'%s'", bad[i]);
	}
}

Test(num, quotes_long_input_shortened)
{
	char    in[200];
	char    why[128];
	int64_t v;
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	cr_expect_eq(gale__parse_i64(in, 0, 1, &v, why, sizeof(why)),
	    GALE_EINVAL);
	cr_expect(strlen(why) < 80, "%s", why);
	cr_expect(strstr(why, "...' is not") != NULL, "%s", why);
}
