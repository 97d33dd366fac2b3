// SPDX-License-Identifier: MIT
// ids_test.c - tests of topology/ids.c: the sorted index of component ids
// that the parser's structure checks and the validator share.

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/ids.h"
#include "topology/model.h"

Test(ids, orders_by_id_then_by_position_and_skips_missing_ids)
{
	gale_component_def c[] = {
		{ .id = "split" },
		{ .id = NULL },
		{ .id = "count" },
		{ .id = "split" },
		{ .id = "a" },
	};
	gale_topology t   = { .components = c, .ncomponents = 5 };
	gale_ids     *ids = NULL;
	cr_assert_eq(gale__ids_new(&ids, &t), GALE_OK);
	cr_assert_eq(gale__ids_count(ids), 4);
	static const size_t order[] = { 4, 2, 0, 3 };
	for (size_t i = 0; i < 4; i++) {
		cr_expect_eq(gale__ids_at(ids, i), order[i], "entry %zu", i);
		cr_expect_str_eq(gale__ids_name(ids, i), c[order[i]].id);
	}
	cr_expect_eq(gale__ids_find(ids, "a"), 4);
	cr_expect_eq(gale__ids_find(ids, "count"), 2);
	size_t s = gale__ids_find(ids, "split");
	cr_expect(s == 0 || s == 3, "%zu", s);
	cr_expect_eq(gale__ids_find(ids, "nope"), SIZE_MAX);
	cr_expect_eq(gale__ids_find(ids, ""), SIZE_MAX);
	gale__ids_destroy(&ids);
	cr_expect_null(ids);
	gale__ids_destroy(&ids);
	gale__ids_destroy(NULL);
}

Test(ids, indexes_an_empty_topology)
{
	gale_topology t   = { 0 };
	gale_ids     *ids = NULL;
	cr_assert_eq(gale__ids_new(&ids, &t), GALE_OK);
	cr_expect_eq(gale__ids_count(ids), 0);
	cr_expect_eq(gale__ids_find(ids, "x"), SIZE_MAX);
	gale__ids_destroy(&ids);
}

Test(ids, finds_every_id_of_a_large_topology)
{
	size_t              n = 10000;
	gale_component_def *c = calloc(n, sizeof(*c));
	char(*names)[16]      = calloc(n, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		// Written in an order unlike the sorted one.
		snprintf(names[i], sizeof(names[i]), "b%zu", (i * 7919) % n);
		c[i].id = names[i];
	}
	gale_topology t   = { .components = c, .ncomponents = n };
	gale_ids     *ids = NULL;
	cr_assert_eq(gale__ids_new(&ids, &t), GALE_OK);
	for (size_t i = 1; i < n; i++) {
		cr_assert_lt(
		    strcmp(gale__ids_name(ids, i - 1), gale__ids_name(ids, i)),
		    0);
	}
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(gale__ids_find(ids, names[i]), i, "%s", names[i]);
	}
	gale__ids_destroy(&ids);
	free(names);
	free(c);
}
