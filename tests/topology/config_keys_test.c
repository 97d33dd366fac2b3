// SPDX-License-Identifier: MIT
// config_keys_test.c - tests of topology/config_keys.c: every config key checked
// against its type and limits, as options and flags read numbers.

#include <stdio.h>
#include <string.h>

#include "tests/topology/parse_support.h"
#include "topology/config_keys.h"

TestSuite(config_keys, .init = setup, .fini = teardown);

Test(config_keys, checks_every_config_key_against_its_type_and_limits)
{
	must_fail("name: x\n" BASE_SPOUTS
	          "config:\n"                                     // 5
	          "  topology.workers: 0\n"                       // 6
	          "  topology.acker.executors: -1\n"              // 7
	          "  topology.max.spout.pending: lots\n"          // 8
	          "  topology.message.timeout.secs: 0\n"          // 9
	          "  topology.debug: maybe\n"                     // 10
	          "  topology.debug.replays: 2\n"                 // 11
	          "  topology.trace.sample.rate: 1.5\n"           // 12
	          "  topology.transfer.batch.size: 0\n"           // 13
	          "  topology.transfer.flush.micros: -1\n"        // 14
	          "  topology.executor.receive.buffer.size: 0\n"  // 15
	          "  topology.stats.sample.rate: nan\n"           // 16
	          "  topology.message.timeout.secs: 99999999999\n"); // 17
	expect_msg("t.yaml:6:21: config: 'topology.workers' must be an "
	           "integer from 1 to 2147483647, found '0'");
	expect_msg("t.yaml:7:29: config: 'topology.acker.executors' must be "
	           "an integer from 0 to");
	expect_msg("t.yaml:8:31: config: 'topology.max.spout.pending' must "
	           "be an integer from 0 to 2147483647, found 'lots'");
	expect_msg("t.yaml:9:34: config: 'topology.message.timeout.secs' "
	           "must be an integer from 1 to");
	expect_msg("t.yaml:10:19: config: 'topology.debug' must be a boolean "
	           "(true/false, yes/no, on/off, 1/0), found 'maybe'");
	expect_msg("t.yaml:11:27: config: 'topology.debug.replays' must be a "
	           "boolean");
	expect_msg("t.yaml:12:31: config: 'topology.trace.sample.rate' must "
	           "be a number from 0 to 1, found '1.5'");
	expect_msg("t.yaml:13:33: config: 'topology.transfer.batch.size' must "
	           "be an integer from 1 to");
	expect_msg("t.yaml:14:35: config: 'topology.transfer.flush.micros' "
	           "must be an integer from 0 to");
	expect_msg("t.yaml:15:42: config: "
	           "'topology.executor.receive.buffer.size' must be an integer "
	           "from 1 to");
	expect_msg("t.yaml:16:31: config: 'topology.stats.sample.rate' must "
	           "be a number from 0 to 1, found 'nan'");
	// The duplicate key is reported too; its value is not checked.
	expect_msg("t.yaml:17:3: duplicate key 'topology.message.timeout.secs' "
	           "(first at line 9, column 3)");
	cr_expect_eq(d.n, 12, "%s", all_lines());
}

Test(config_keys, accepts_every_spelling_of_a_boolean)
{
	static const char *const yes[] = { "true", "True", "yes", "on", "1",
		"YES" };
	static const char *const no[] = { "false", "FALSE", "no", "off", "0",
		"Off" };
	for (size_t i = 0; i < 6; i++) {
		char yaml[256];
		snprintf(yaml, sizeof(yaml),
		    "name: x\n" BASE_SPOUTS
		    "config: {topology.debug: %s, topology.debug.replays: %s}\n",
		    yes[i], no[i]);
		gale_topology *t = must_parse(yaml);
		cr_expect(gale_topology_config_bool(t, "topology.debug", false),
		    "%s", yes[i]);
		cr_expect(!gale_topology_config_bool(
		              t, "topology.debug.replays", true),
		    "%s", no[i]);
		gale_topology_destroy(&t);
	}
}

Test(config_keys, reads_numbers_as_options_and_flags_do)
{
	// Decimal only, whole string, overflow checked: "010" is ten.
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS
	                              "config:\n"
	                              "  topology.workers: 010\n"
	                              "  topology.max.spout.pending: +7\n"
	                              "  topology.stats.sample.rate: 5e-1\n");
	cr_expect_eq(gale_topology_config_i64(t, "topology.workers", 0), 10);
	cr_expect_eq(
	    gale_topology_config_i64(t, "topology.max.spout.pending", 0), 7);
	cr_expect_float_eq(
	    gale_topology_config_f64(t, "topology.stats.sample.rate", 0), 0.5,
	    1e-12);
	gale_topology_destroy(&t);

	must_fail("name: x\n" BASE_SPOUTS
	          "config:\n"                                            // 5
	          "  topology.workers: 0x10\n"                           // 6
	          "  topology.max.spout.pending: 9223372036854775808\n"  // 7
	          "  topology.acker.executors: \" 1\"\n"                 // 8
	          "  topology.stats.sample.rate: 0x1p-2\n"               // 9
	          "  topology.trace.sample.rate: inf\n"                  // 10
	          "  topology.transfer.batch.size: 2147483648\n");       // 11
	expect_msg("t.yaml:6:21: config: 'topology.workers' must be an "
	           "integer from 1 to 2147483647, found '0x10'");
	expect_msg("t.yaml:7:31: config: 'topology.max.spout.pending' must "
	           "be an integer from 0 to 2147483647, found "
	           "'9223372036854775808'");
	expect_msg("t.yaml:8:29: config: 'topology.acker.executors' must be "
	           "an integer from 0 to 2147483647, found ' 1'");
	expect_msg("t.yaml:9:31: config: 'topology.stats.sample.rate' must "
	           "be a number from 0 to 1, found '0x1p-2'");
	expect_msg("t.yaml:10:31: config: 'topology.trace.sample.rate' must "
	           "be a number from 0 to 1, found 'inf'");
	expect_msg("t.yaml:11:33: config: 'topology.transfer.batch.size' must "
	           "be an integer from 1 to 2147483647, found '2147483648'");
	cr_expect_eq(d.n, 6, "%s", all_lines());
}

Test(config_keys, checks_values_without_a_position)
{
	const gale_config_key *k = gale__config_key_find("topology.workers");
	cr_assert_not_null(k);
	char err[256] = "";
	cr_expect(gale__config_check(k, "2147483647", err, sizeof(err)));
	cr_expect(!gale__config_check(k, "-1", err, sizeof(err)));
	cr_expect_str_eq(err, "'topology.workers' must be an integer from 1 "
	                      "to 2147483647, found '-1'");
	cr_expect_null(gale__config_key_find("topology.nope"));
	cr_expect_null(gale__config_key_find(NULL));
}

Test(config_keys, knows_topology_debug_as_a_boolean_off_by_default)
{
	const gale_config_key *k = gale__config_key_find("topology.debug");
	cr_assert_not_null(k);
	cr_expect_eq(k->type, GALE_CONF_BOOL);
	cr_expect_str_eq(k->def, "false");
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS);
	cr_expect(!gale_topology_config_bool(t, "topology.debug", false));
	cr_expect_eq(gale_topology_set(t, "topology.debug=true", &d), GALE_OK);
	cr_expect(gale_topology_config_bool(t, "topology.debug", false));
	gale_topology_destroy(&t);
}

Test(config_keys, knows_storms_shellbolt_max_pending_with_its_default)
{
	const gale_config_key *k
	    = gale__config_key_find("topology.shellbolt.max.pending");
	cr_assert_not_null(k);
	cr_expect_eq(k->type, GALE_CONF_INT);
	cr_expect_str_eq(k->def, "100");
	gale_topology *t = must_parse("name: x\n" BASE_SPOUTS
	                              "config:\n"
	                              "  topology.shellbolt.max.pending: 7\n");
	cr_expect_eq(gale_topology_config_i64(
	                 t, "topology.shellbolt.max.pending", 0),
	    7);
	gale_topology_destroy(&t);
}

Test(config_keys, rejects_a_shellbolt_max_pending_below_one)
{
	must_fail("name: x\n" BASE_SPOUTS
	          "config:\n"
	          "  topology.shellbolt.max.pending: 0\n");
	expect_msg("t.yaml:6:35: config: 'topology.shellbolt.max.pending' "
	           "must be an integer from 1 to 100000, found '0'");
}

// Both lists of Storm's keys are looked up by binary search: each must be
// in strcmp order, without repeats, and the two must not share a key.
Test(config_keys, storms_key_lists_are_sorted_and_apart)
{
	const char *(*lists[])(size_t)
	    = { gale__storm_key_name, gale__storm_daemon_key_name };
	bool (*known[])(const char *)
	    = { gale__storm_key_known, gale__storm_daemon_key_known };
	for (size_t l = 0; l < 2; l++) {
		const char *prev = NULL, *name;
		size_t      n    = 0;
		for (size_t i = 0; (name = lists[l](i)) != NULL; i++, n++) {
			cr_expect(prev == NULL || strcmp(prev, name) < 0,
			    "'%s' before '%s'", prev, name);
			cr_expect(known[l](name), "%s", name);
			cr_expect(!known[1 - l](name), "%s in both", name);
			prev = name;
		}
		cr_expect_gt(n, 100);
	}
	cr_expect(gale__storm_daemon_key_known("ui.port"));
	cr_expect(gale__storm_daemon_key_known("storm.zookeeper.servers"));
	cr_expect(!gale__storm_daemon_key_known("ui.prot"));
	cr_expect(!gale__storm_daemon_key_known("topology.workers"));
	cr_expect(!gale__storm_daemon_key_known(NULL));
	cr_expect(gale__storm_key_known("topology.workers"));
}
