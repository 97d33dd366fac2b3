// SPDX-License-Identifier: MIT
// overrides_test.c - tests of topology/overrides.c: --set of config keys,
// component options and parallelism, and the messages for bad arguments.

#include <stdlib.h>
#include <string.h>

#include "tests/topology/parse_support.h"
#include "topology/overrides.h"

TestSuite(overrides, .init = setup, .fini = teardown);

Test(overrides, sets_and_adds_component_options)
{
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS
	                              "    options: {path: a.txt}\n" BASE_BOLTS
	                                  BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "src.path=b.txt", &d), GALE_OK);
	cr_expect_eq(gale_topology_set(t, "src.x.y=1=2", &d), GALE_OK);
	cr_expect_eq(gale_topology_set(t, "split.empty=", &d), GALE_OK);
	cr_expect_eq(d.n, 0, "%s", all_lines());
	const gale_component_def *s = gale_topology_component(t, "src");
	cr_assert_eq(s->noptions, 2);
	cr_expect_str_eq(s->options[0].value, "b.txt");
	cr_expect_eq(s->options[0].where.line, 0);
	cr_expect_str_eq(s->options[1].key, "x.y");
	cr_expect_str_eq(s->options[1].value, "1=2");
	const gale_component_def *b = gale_topology_component(t, "split");
	cr_assert_eq(b->noptions, 1);
	cr_expect_str_eq(b->options[0].key, "empty");
	cr_expect_str_eq(b->options[0].value, "");
	gale_topology_destroy(&t);
}

Test(overrides, sets_the_parallelism_of_a_component)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "split.parallelism=4", &d), GALE_OK);
	cr_expect_eq(t->components[1].parallelism, 4);
	cr_expect_eq(t->components[1].noptions, 0);
	cr_expect_eq(gale_topology_set(t, "split.parallelism=0", &d),
	    GALE_EINVAL);
	cr_expect_eq(gale_topology_set(t, "src.parallelism=4097", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'split.parallelism=0': 'parallelism' must "
	           "be an integer from 1 to 4096, found '0'");
	expect_msg("t.yaml: --set 'src.parallelism=4097': 'parallelism' must "
	           "be an integer from 1 to 4096, found '4097'");
	cr_expect_eq(t->components[1].parallelism, 4);
	cr_expect_eq(t->components[0].parallelism, 1);
	gale_topology_destroy(&t);
}

Test(overrides, sets_and_replaces_config_keys)
{
	gale_topology *t = must_parse(
	    "name: x\n" BASE_SPOUTS "config: {topology.workers: 2}\n");
	cr_expect_eq(gale_topology_set(t, "topology.workers=3", &d), GALE_OK);
	cr_expect_eq(gale_topology_set(t, "topology.debug=on", &d), GALE_OK);
	cr_expect_eq(d.n, 0, "%s", all_lines());
	cr_expect_eq(t->nconfig, 2);
	cr_expect_eq(gale_topology_config_i64(t, "topology.workers", 1), 3);
	cr_expect(gale_topology_config_bool(t, "topology.debug", false));
	gale_topology_destroy(&t);
}

Test(overrides, refuses_bad_set_arguments_naming_them)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "novalue", &d), GALE_EINVAL);
	expect_msg("t.yaml: --set 'novalue': expected KEY=VALUE");
	cr_expect_eq(gale_topology_set(t, "=1", &d), GALE_EINVAL);
	expect_msg("t.yaml: --set '=1': expected KEY=VALUE");
	cr_expect_eq(gale_topology_set(t, "topology.workers=0", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'topology.workers=0': 'topology.workers' "
	           "must be an integer from 1 to 2147483647, found '0'");
	cr_expect_eq(gale_topology_set(t, "topology.wrokers=2", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'topology.wrokers=2': 'topology.wrokers' is "
	           "neither a config key nor COMPONENT.OPTION of a component "
	           "of this topology; did you mean 'topology.workers'?");
	cr_expect_eq(gale_topology_set(t, "splt.output=a", &d), GALE_EINVAL);
	expect_msg("did you mean 'split.output'?");
	cr_expect_eq(gale_topology_set(t, "src.=a", &d), GALE_EINVAL);
	expect_msg("t.yaml: --set 'src.=a': no option name after 'src.'");
	cr_expect_eq(d.n, 6, "%s", all_lines());
	// Nothing was changed by the refused ones.
	cr_expect_eq(t->nconfig, 0);
	cr_expect_eq(t->components[0].noptions, 0);
	gale_topology_destroy(&t);
}

Test(overrides, reads_a_parallelism_in_decimal_only)
{
	gale_topology *t =
	    must_parse("name: x\n" BASE_SPOUTS BASE_BOLTS BASE_STREAMS);
	cr_expect_eq(gale_topology_set(t, "split.parallelism=010", &d), GALE_OK);
	cr_expect_eq(t->components[1].parallelism, 10);
	cr_expect_eq(gale_topology_set(t, "split.parallelism=0x10", &d),
	    GALE_EINVAL);
	cr_expect_eq(gale_topology_set(
	                 t, "split.parallelism=18446744073709551617", &d),
	    GALE_EINVAL);
	expect_msg("t.yaml: --set 'split.parallelism=0x10': 'parallelism' "
	           "must be an integer from 1 to 4096, found '0x10'");
	expect_msg("found '18446744073709551617'");
	cr_expect_eq(t->components[1].parallelism, 10);
	gale_topology_destroy(&t);
}

Test(overrides, puts_an_option_by_replacing_or_appending)
{
	gale_option *opts = NULL;
	size_t       n    = 0;
	cr_assert_eq(gale__option_put(&opts, &n, "a", "1"), GALE_OK);
	cr_assert_eq(gale__option_put(&opts, &n, "b", "2"), GALE_OK);
	opts[0].where = (gale_where) { 3, 4 };
	cr_assert_eq(gale__option_put(&opts, &n, "a", "3"), GALE_OK);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(opts[0].key, "a");
	cr_expect_str_eq(opts[0].value, "3");
	cr_expect_eq(opts[0].where.line, 0);
	cr_expect_str_eq(opts[1].key, "b");
	cr_expect_str_eq(opts[1].value, "2");
	for (size_t i = 0; i < n; i++) {
		free(opts[i].key);
		free(opts[i].value);
	}
	free(opts);
}
