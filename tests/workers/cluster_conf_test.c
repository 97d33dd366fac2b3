// SPDX-License-Identifier: MIT
// cluster_conf_test.c - gale.yaml: Storm's keys read into the cluster's
// settings, bad values and misspelt keys reported at their lines, and the
// order of flags, environment and file.

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/cluster_conf.h"

static gale_err
parse(gale_cluster_conf *c, const char *text, char *err, size_t errlen)
{
	return gale__cluster_conf_parse(
	    c, "/etc/gale/gale.yaml", text, strlen(text), err, errlen);
}

Test(cluster_conf, reads_storm_keys_into_settings)
{
	gale_cluster_conf c;
	char              err[2048];
	cr_assert_eq(parse(&c,
			 "storm.zookeeper.servers: [zk1, \"zk2:2182\"]\n"
			 "storm.zookeeper.port: 2200\n"
			 "storm.zookeeper.root: /prod\n"
			 "storm.zookeeper.session.timeout: 20000\n"
			 "storm.zookeeper.connection.timeout: 15000\n"
			 "nimbus.seeds: [n1, \"n2:7000\", "
			 "\"tcp://n3:7001\"]\n"
			 "nimbus.listen: tcp://0.0.0.0:6627\n"
			 "nimbus.supervisor.timeout.secs: 12\n"
			 "storm.local.dir: data\n"
			 "storm.local.hostname: host1\n"
			 "supervisor.slots.ports: [6800, 6801, 6802]\n"
			 "security.keys: /etc/gale/keys\n"
			 "security.insecure: false\n",
			 err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_expect_str_eq(c.zookeeper, "zk1:2200,zk2:2182");
	cr_expect_str_eq(c.zk_root, "/prod");
	cr_expect_eq(c.zk_session_ms, 20000);
	cr_expect_eq(c.zk_connect_ms, 15000);
	// What nimbus and supervisors take: --zookeeper overrides the servers
	// alone.
	gale_zk_conf zk = gale__cluster_conf_zk(&c, NULL);
	cr_expect_str_eq(zk.servers, "zk1:2200,zk2:2182");
	cr_expect_str_eq(zk.root, "/prod");
	cr_expect(zk.session_ms == 20000 && zk.connect_ms == 15000);
	zk = gale__cluster_conf_zk(&c, "other:2181");
	cr_expect_str_eq(zk.servers, "other:2181");
	cr_expect_str_eq(zk.root, "/prod");
	cr_expect(zk.session_ms == 20000 && zk.connect_ms == 15000);
	cr_expect_str_eq(
	    c.nimbus_seeds, "tcp://n1:6627,tcp://n2:7000,tcp://n3:7001");
	cr_expect_str_eq(c.nimbus_listen, "tcp://0.0.0.0:6627");
	cr_expect(c.has_timeout && c.supervisor_timeout_secs == 12);
	cr_expect_str_eq(
	    c.local_dir, "/etc/gale/data", "relative to the file");
	cr_expect_str_eq(c.hostname, "host1");
	cr_expect(c.has_ports && c.port_base == 6800 && c.slots == 3);
	cr_expect_str_eq(c.keys, "/etc/gale/keys");
	cr_expect(c.has_insecure && !c.insecure);
	cr_expect_str_eq(c.path, "/etc/gale/gale.yaml");
	gale__cluster_conf_fini(&c);

	// One scalar holding a comma-separated list does too.
	cr_assert_eq(
	    parse(&c, "storm.zookeeper.servers: a, b:1\n", err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_expect_str_eq(c.zookeeper, "a:2181,b:1");
	gale__cluster_conf_fini(&c);
	cr_assert_eq(parse(&c, "", err, sizeof(err)), GALE_OK, "%s", err);
	cr_expect_null(c.zookeeper);
	cr_expect_eq(c.zk_session_ms, 0, "not set");
	gale__cluster_conf_fini(&c);
}

Test(cluster_conf, reports_every_bad_line_with_did_you_mean)
{
	gale_cluster_conf c;
	char              err[4096];
	cr_assert_eq(parse(&c,
			 "nimbus.seed: [a]\n"
			 "storm.zookeeper.servers: [zk1, \"zk2:99999\"]\n"
			 "supervisor.slots.ports: [6700, 6702]\n"
			 "security.insecure: maybe\n"
			 "storm.zookeeper.root: gale\n"
			 "storm.zookeeper.session.timeout: 20s\n"
			 "storm.zookeeper.connection.timeout: 0\n",
			 err, sizeof(err)),
	    GALE_EINVAL);
	cr_expect(strstr(err,
		      "gale.yaml:1:1: gale.yaml: unknown key "
		      "'nimbus.seed'; did you mean 'nimbus.seeds'?"),
	    "%s", err);
	cr_expect(strstr(err, ":2:") && strstr(err, "'99999'"), "%s", err);
	cr_expect(
	    strstr(err, ":3:") && strstr(err, "follow each other"), "%s", err);
	cr_expect(
	    strstr(err, ":4:") && strstr(err, "true or false"), "%s", err);
	cr_expect(
	    strstr(err, ":5:") && strstr(err, "ZooKeeper path"), "%s", err);
	cr_expect(strstr(err, ":6:")
		&& strstr(err, "storm.zookeeper.session.timeout: '20s'"),
	    "%s", err);
	cr_expect(strstr(err, ":7:")
		&& strstr(err, "storm.zookeeper.connection.timeout: '0'"),
	    "%s", err);
	cr_expect_null(c.path, "nothing kept from a bad file");
	cr_assert_eq(parse(&c, "- a\n", err, sizeof(err)), GALE_EINVAL);
	cr_expect(strstr(err, "wants a mapping"), "%s", err);
}

// A Storm user's storm.yaml: the keys gale reads are read, the Storm keys
// it has no use for (of the daemons, or topology defaults) are warned
// about at their lines, and a key Storm does not know either stays an
// error.
Test(cluster_conf, takes_a_storm_yaml_warning_of_the_keys_gale_does_not_use)
{
	gale_cluster_conf c;
	char              err[4096];
	cr_assert_eq(parse(&c,
			 "storm.zookeeper.servers: [zk1]\n"
			 "ui.childopts: -Xmx768m\n"
			 "worker.childopts: \"-Xmx768m\"\n"
			 "nimbus.thrift.port: 6627\n"
			 "topology.message.timeout.secs: 60\n"
			 "drpc.servers: [d1]\n",
			 err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_expect_str_eq(c.zookeeper, "zk1:2181");
	cr_assert_not_null(c.warnings);
	const char *want[]
	    = { "ui.childopts", "worker.childopts", "nimbus.thrift.port",
		      "topology.message.timeout.secs", "drpc.servers" };
	char all[2048] = "";
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t used = strlen(all);
		snprintf(all + used, sizeof(all) - used,
		    "%s/etc/gale/gale.yaml:%zu:1: warning: gale.yaml: '%s' is "
		    "a Storm key not used by gale",
		    i ? "\n" : "", i + 2, want[i]);
	}
	cr_expect_str_eq(c.warnings, all);
	gale__cluster_conf_fini(&c);

	cr_assert_eq(parse(&c, "nimbus.seeds: [n1]\n", err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_expect_null(c.warnings);
	gale__cluster_conf_fini(&c);

	cr_assert_eq(
	    parse(&c, "ui.childopts: x\nui.prot: 8080\n", err, sizeof(err)),
	    GALE_EINVAL);
	cr_expect(strstr(err, ":1:1: warning: ") && strstr(err, ":2:1: ")
		&& strstr(err, "unknown key 'ui.prot'"),
	    "%s", err);
	cr_expect_null(c.warnings);
}

// Storm's ui.host and ui.port: where `gale ui` listens unless --listen
// says; 127.0.0.1:8080 when neither does.
Test(cluster_conf, reads_the_ui_address_and_a_flag_overrides_it)
{
	gale_cluster_conf c;
	char              err[4096], buf[320];
	cr_assert_eq(parse(&c, "", err, sizeof(err)), GALE_OK, "%s", err);
	cr_expect_str_eq(gale__cluster_conf_ui_listen(&c, NULL, buf, 320),
	    "127.0.0.1:8080");
	gale__cluster_conf_fini(&c);
	cr_assert_eq(parse(&c, "ui.port: 8888\n", err, sizeof(err)), GALE_OK,
	    "%s", err);
	cr_expect_str_eq(gale__cluster_conf_ui_listen(&c, NULL, buf, 320),
	    "127.0.0.1:8888");
	gale__cluster_conf_fini(&c);
	cr_assert_eq(
	    parse(&c, "ui.host: 0.0.0.0\nui.port: 0\n", err, sizeof(err)),
	    GALE_OK, "%s", err);
	cr_expect_str_eq(
	    gale__cluster_conf_ui_listen(&c, NULL, buf, 320), "0.0.0.0:0");
	cr_expect_str_eq(gale__cluster_conf_ui_listen(&c, "9000", buf, 320),
	    "9000", "--listen wins");
	gale__cluster_conf_fini(&c);

	cr_assert_eq(parse(&c, "ui.host: ui.example.com\nui.port: 70000\n",
			 err, sizeof(err)),
	    GALE_EINVAL);
	cr_expect(strstr(err, "gale.yaml:1:10: ui.host: 'ui.example.com': ")
		&& strstr(err, "gale.yaml:2:10: ui.port: "),
	    "%s", err);
}

Test(cluster_conf, flags_then_environment_then_file)
{
	gale_cluster_conf c;
	char              err[1024];
	cr_assert_eq(parse(&c, "nimbus.seeds: [n1]\nsecurity.keys: /k\n", err,
			 sizeof(err)),
	    GALE_OK, "%s", err);
	unsetenv("GALE_NIMBUS");
	unsetenv("GALE_KEYS");
	cr_expect_str_eq(gale__cluster_conf_nimbus(&c, NULL), "tcp://n1:6627");
	cr_expect_str_eq(gale__cluster_conf_keys(&c, NULL), "/k");
	setenv("GALE_NIMBUS", "tcp://env:1", 1);
	setenv("GALE_KEYS", "/envkeys", 1);
	cr_expect_str_eq(gale__cluster_conf_nimbus(&c, NULL), "tcp://env:1");
	cr_expect_str_eq(gale__cluster_conf_keys(&c, NULL), "/envkeys");
	cr_expect_str_eq(
	    gale__cluster_conf_nimbus(&c, "tcp://flag:2"), "tcp://flag:2");
	cr_expect_str_eq(gale__cluster_conf_keys(&c, "/flag"), "/flag");
	gale__cluster_conf_fini(&c);

	// A named file that is missing is an error; no file at the default
	// places is not.
	cr_assert_eq(gale__cluster_conf_load(
			 &c, "/nonexistent/gale.yaml", err, sizeof(err)),
	    GALE_ENOENT);
	unsetenv("GALE_CONF");
	setenv("HOME", "/nonexistent", 1);
	gale_err rv = gale__cluster_conf_load(&c, NULL, err, sizeof(err));
	cr_expect(rv == GALE_OK || c.path != NULL, "%s", err);
	gale__cluster_conf_fini(&c);
}
