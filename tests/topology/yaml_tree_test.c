// SPDX-License-Identifier: MIT
// yaml_tree_test.c - tests of topology/yaml_tree.c: what YAML allows and a
// topology does not (duplicate keys, anchors, aliases, complex keys, NULs,
// second documents), syntax errors and the limits on nesting and nodes.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/topology/parse_support.h"

TestSuite(yaml_tree, .init = setup, .fini = teardown);

Test(yaml_tree, refuses_duplicate_keys_in_any_mapping)
{
	must_fail("name: x\n"                 // 1
	          "name: y\n"                 // 2
	          BASE_SPOUTS                 // 3-5
	          "    options:\n"            // 6
	          "      path: a\n"           // 7
	          "      path: b\n"           // 8
	          "      path: c\n");         // 9
	expect_msg("t.yaml:2:1: duplicate key 'name' (first at line 1, column "
	           "1)");
	expect_msg("t.yaml:8:7: duplicate key 'path' (first at line 7, column "
	           "7)");
	expect_msg("t.yaml:9:7: duplicate key 'path' (first at line 7, column "
	           "7)");
	cr_expect_eq(d.n, 3, "%s", all_lines());
}

Test(yaml_tree, refuses_anchors_aliases_and_complex_keys)
{
	must_fail("name: x\n"                       // 1
	          "spouts:\n"                       // 2
	          "  - &s1\n"                       // 3
	          "    id: src\n"                   // 4
	          "    component: fake_spout\n"     // 5
	          "  - *s1\n"                       // 6
	          "config:\n"                       // 7
	          "  ? [a, b]\n"                    // 8
	          "  : 1\n");                       // 9
	expect_msg("t.yaml:3:5: YAML anchors (&s1) are not supported");
	expect_msg("t.yaml:6:5: YAML aliases (*s1) are not supported");
	expect_msg("t.yaml:8:5: a mapping key must be a scalar, found a list");
}

Test(yaml_tree, refuses_a_string_with_a_nul_escape)
{
	must_fail("name: \"x\\0y\"\n" BASE_SPOUTS);
	expect_msg("t.yaml:1:7: a string may not contain NUL characters");
}

Test(yaml_tree, reports_syntax_errors_with_their_position)
{
	must_fail("name: x\n"
	          "spouts:\n"
	          "  - id: \"src\n");
	expect_msg("t.yaml:4:1: found unexpected end of stream (while "
	           "scanning a quoted scalar at line 3, column 9)");
	gale_diag_fini(&d);
	must_fail("name: x\n"
	          "spouts: [{id: a, component: b}\n");
	cr_expect_eq(d.n, 1);
	cr_expect(strncmp(d.lines[0], "t.yaml:3:1: ", 12) == 0, "%s",
	    d.lines[0]);
	gale_diag_fini(&d);
	must_fail("name: x\n"
	          "  bad indent: 1\n");
	cr_expect(strncmp(d.lines[0], "t.yaml:2:", 9) == 0, "%s", d.lines[0]);
}

Test(yaml_tree, refuses_a_second_document)
{
	must_fail("name: x\n" BASE_SPOUTS "---\nname: y\n");
	expect_msg("t.yaml:5:1: a second YAML document; a topology file holds "
	           "one");
}

Test(yaml_tree, refuses_nul_bytes_and_invalid_utf8_with_a_position)
{
	const char text[] = "name: x\nspouts:\n  - id: a\0b\n";
	gale_topology *t  = NULL;
	cr_assert_eq(gale_topology_parse(
	                 &t, "t.yaml", text, sizeof(text) - 1, &d),
	    GALE_EINVAL);
	expect_msg("t.yaml:3:10: a NUL byte; a topology file must be UTF-8 "
	           "text");
	gale_diag_fini(&d);
	must_fail("name: x\nspouts: \xff\xfe\n");
	expect_msg("t.yaml:2:9: invalid leading UTF-8 octet (byte 0xFF)");
	gale_diag_fini(&d);
	must_fail("name: \xc3\xa9\xc3\n");
	cr_expect(strncmp(d.lines[0], "t.yaml:1:", 9) == 0, "%s", d.lines[0]);
}

Test(yaml_tree, survives_binary_garbage)
{
	unsigned seed = 12345;
	for (int round = 0; round < 200; round++) {
		char   buf[512];
		size_t len = 1 + (size_t) (rand_r(&seed) % sizeof(buf));
		for (size_t i = 0; i < len; i++) {
			buf[i] = (char) (rand_r(&seed) & 0xff);
		}
		gale_topology *t  = NULL;
		gale_err       rv = gale_topology_parse(&t, "g", buf, len, &d);
		cr_assert_eq(rv, GALE_EINVAL);
		cr_assert_null(t);
		cr_assert_gt(d.n, 0);
		gale_diag_fini(&d);
	}
}

Test(yaml_tree, refuses_nesting_deeper_than_the_limit)
{
	char yaml[512];
	int  depth = GALE_TOPOLOGY_MAX_DEPTH + 1;
	int  used  = snprintf(yaml, sizeof(yaml), "name: x\nconfig: ");
	// The top mapping is level 1, config's value level 2, ...
	for (int i = 0; i < depth - 1; i++) {
		yaml[used++] = '[';
	}
	yaml[used] = '\0';
	must_fail(yaml);
	char want[128];
	snprintf(want, sizeof(want),
	    "t.yaml:2:%d: nesting is deeper than %d levels",
	    8 + depth - 1, GALE_TOPOLOGY_MAX_DEPTH);
	expect_msg(want);
	cr_expect_eq(d.n, 1, "%s", all_lines());

	// One level less is only a type error.
	gale_diag_fini(&d);
	used = snprintf(yaml, sizeof(yaml), "name: x\n" BASE_SPOUTS "config: ");
	for (int i = 0; i < depth - 2; i++) {
		yaml[used++] = '[';
	}
	for (int i = 0; i < depth - 2; i++) {
		yaml[used++] = ']';
	}
	yaml[used++] = '\n';
	yaml[used]   = '\0';
	must_fail(yaml);
	expect_msg("'config' must be a mapping, found a list");
	cr_expect_eq(d.n, 1, "%s", all_lines());
}

Test(yaml_tree, refuses_more_nodes_than_the_limit)
{
	size_t n    = GALE_TOPOLOGY_MAX_NODES + 1;
	size_t cap  = n * 2 + 64;
	char  *text = malloc(cap);
	size_t used = (size_t) snprintf(text, cap, "x: [");
	for (size_t i = 0; i < n; i++) {
		text[used++] = '1';
		text[used++] = ',';
	}
	text[used++] = ']';
	gale_topology *t = NULL;
	cr_assert_eq(gale_topology_parse(&t, "t.yaml", text, used, &d),
	    GALE_EINVAL);
	free(text);
	expect_msg("more than 1048576 YAML nodes");
}
