// SPDX-License-Identifier: MIT
// context_test - what a component asks its context: its place in the plan
// and its options, parsed as every number in gale is (decimal only).

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/context.h"

static const gale_bolt_ops  fake_bolt_ops  = { .outputs = NULL };
static const gale_spout_ops fake_spout_ops = { .outputs = NULL };

typedef struct fake_topo {
	gale_topology      t;
	gale_component_def comps[2];
	gale_option        options[8];
	gale_plan         *plan;
	gale_context      *ctx;
} fake_topo;

// "src" (2 tasks) and "work" (3 tasks, with options); the context is that
// of work's second task.
static void
fake_init(fake_topo *f)
{
	memset(f, 0, sizeof(*f));
	static const char *const opts[][2] = {
		{ "n", "010" },
		{ "hex", "0x10" },
		{ "neg", "-42" },
		{ "f", "2.5" },
		{ "fhex", "0x1p3" },
		{ "yes", "Yes" },
		{ "maybe", "maybe" },
		{ "big", "99999999999999999999" },
	};
	for (size_t i = 0; i < 8; i++) {
		f->options[i].key   = (char *) opts[i][0];
		f->options[i].value = (char *) opts[i][1];
	}
	f->t.name               = "topo";
	f->t.components         = f->comps;
	f->t.ncomponents        = 2;
	f->comps[0].id          = "src";
	f->comps[0].is_spout    = true;
	f->comps[0].parallelism = 2;
	f->comps[0].spout       = &fake_spout_ops;
	f->comps[1].id          = "work";
	f->comps[1].parallelism = 3;
	f->comps[1].bolt        = &fake_bolt_ops;
	f->comps[1].options     = f->options;
	f->comps[1].noptions    = 8;
	cr_assert_eq(gale_plan_new(&f->plan, &f->t, 1, 1), GALE_OK);
	uint32_t first = gale_plan_component_first_task(f->plan, 1);
	cr_assert_eq(
	    gale__context_new(&f->ctx, &f->t, f->plan, first + 1, "run-9"),
	    GALE_OK);
}

static void
fake_fini(fake_topo *f)
{
	gale__context_destroy(&f->ctx);
	cr_expect_null(f->ctx);
	gale__context_destroy(&f->ctx);
	gale_plan_destroy(&f->plan);
}

Test(context, tells_the_task_its_place)
{
	fake_topo f;
	fake_init(&f);
	cr_expect_str_eq(gale_context_topology(f.ctx), "topo");
	cr_expect_str_eq(gale_context_component(f.ctx), "work");
	cr_expect_eq(gale_context_task(f.ctx),
	    gale_plan_component_first_task(f.plan, 1) + 1);
	cr_expect_eq(gale_context_index(f.ctx), 1);
	cr_expect_eq(gale_context_ntasks(f.ctx), 3);
	uint32_t first = 0;
	cr_expect_eq(gale_context_component_tasks(f.ctx, "src", &first), 2);
	cr_expect_eq(first, gale_plan_component_first_task(f.plan, 0));
	cr_expect_eq(gale_context_component_tasks(f.ctx, "nope", &first), 0);
	cr_expect_str_eq(gale_context_run_id(f.ctx), "run-9");
	cr_expect_str_eq(gale_context_option(f.ctx, "n"), "010");
	cr_expect_null(gale_context_option(f.ctx, "absent"));
	cr_expect_str_eq(gale__context_error_text(f.ctx), "");
	fake_fini(&f);
}

Test(context, integer_options_are_decimal)
{
	fake_topo f;
	fake_init(&f);
	cr_expect_eq(gale_context_option_i64(f.ctx, "n", 0), 10);
	cr_expect_eq(gale_context_option_i64(f.ctx, "neg", 0), -42);
	cr_expect_eq(gale_context_option_i64(f.ctx, "absent", 7), 7);
	cr_expect_str_eq(gale__context_error_text(f.ctx), "");
	cr_expect_eq(gale_context_option_i64(f.ctx, "hex", 5), 5);
	cr_expect_str_eq(gale__context_error_text(f.ctx),
	    "option 'hex': '0x10' is not a decimal integer");
	fake_fini(&f);
}

Test(context, an_integer_out_of_range_is_refused)
{
	fake_topo f;
	fake_init(&f);
	cr_expect_eq(gale_context_option_i64(f.ctx, "big", 3), 3);
	cr_expect_not_null(strstr(gale__context_error_text(f.ctx),
			       "option 'big': '99999999999999999999'"),
	    "%s", gale__context_error_text(f.ctx));
	fake_fini(&f);
}

Test(context, float_options_are_decimal)
{
	fake_topo f;
	fake_init(&f);
	cr_expect_float_eq(gale_context_option_f64(f.ctx, "f", 0), 2.5, 1e-12);
	cr_expect_float_eq(gale_context_option_f64(f.ctx, "n", 0), 10, 1e-12);
	cr_expect_str_eq(gale__context_error_text(f.ctx), "");
	cr_expect_float_eq(
	    gale_context_option_f64(f.ctx, "fhex", 1.5), 1.5, 1e-12);
	cr_expect_not_null(
	    strstr(gale__context_error_text(f.ctx), "option 'fhex': '0x1p3'"),
	    "%s", gale__context_error_text(f.ctx));
	fake_fini(&f);
}

Test(context, boolean_options)
{
	fake_topo f;
	fake_init(&f);
	cr_expect(gale_context_option_bool(f.ctx, "yes", false));
	cr_expect(!gale_context_option_bool(f.ctx, "absent", false));
	cr_expect_str_eq(gale__context_error_text(f.ctx), "");
	cr_expect(gale_context_option_bool(f.ctx, "maybe", true));
	cr_expect_str_eq(gale__context_error_text(f.ctx),
	    "option 'maybe': 'maybe' is not a boolean (true or false)");
	fake_fini(&f);
}

Test(context, records_an_error)
{
	fake_topo f;
	fake_init(&f);
	gale_context_error(f.ctx, "bad %s %d", "thing", 3);
	cr_expect_str_eq(gale__context_error_text(f.ctx), "bad thing 3");
	fake_fini(&f);
}

Test(context, keeps_the_last_errors_reported_and_drops_a_flood)
{
	fake_topo f;
	fake_init(&f);
	gale_component_error out[8];
	char                 text[8][GALE_CONTEXT_ERROR_BYTES];
	uint64_t             after = 0;
	// A second starts: the first GALE_CONTEXT_ERRORS_PER_SEC of it are
	// kept, the rest counted.
	time_t start = time(NULL);
	while (time(NULL) == start) { }
	for (int i = 0; i < 10; i++) {
		gale_report_error(f.ctx, "oops %d", i);
	}
	size_t n = gale__context_errors(f.ctx, &after, out, text, 8);
	if (n == GALE_CONTEXT_ERRORS_PER_SEC) {
		for (size_t i = 0; i < n; i++) {
			char want[32];
			snprintf(want, sizeof(want), "oops %zu", i);
			cr_expect_str_eq(out[i].error, want);
			cr_expect_str_eq(out[i].component, "work");
			cr_expect_eq(out[i].task, gale_context_task(f.ctx));
			cr_expect_geq(out[i].time_secs, (uint64_t) start);
		}
		cr_expect_eq(after, 4);
		// Each is given once.
		cr_expect_eq(
		    gale__context_errors(f.ctx, &after, out, text, 8), 0);
		// The next second's first says how many were not kept.
		time_t now = time(NULL);
		while (time(NULL) == now) { }
		gale_report_error(f.ctx, "again");
		cr_assert_eq(
		    gale__context_errors(f.ctx, &after, out, text, 8), 1);
		cr_expect_str_eq(
		    out[0].error, "again (and 6 earlier errors not kept)");
	} else {
		// The second turned during the loop (a very slow machine): the
		// ring still holds at most its last few.
		cr_expect_leq(n, GALE_CONTEXT_ERRORS);
	}
	fake_fini(&f);
}

Test(context, config_is_the_topologys_with_the_components_own_over_it)
{
	fake_topo f;
	fake_init(&f);
	static gale_option topo[] = {
		{ .key = "topology.workers", .value = "2" },
		{ .key = "topology.subprocess.timeout.secs", .value = "30" },
	};
	static gale_option own[] = {
		{ .key = "script.words", .value = "[\"a\"]", .json = true },
		{ .key = "topology.subprocess.timeout.secs", .value = "5" },
	};
	f.t.config         = topo;
	f.t.nconfig        = 2;
	f.comps[1].config  = own;
	f.comps[1].nconfig = 2;
	const char *k[4], *v[4];
	bool        js[4];
	size_t      n = 0;
	while (n < 4 && gale_context_config(f.ctx, n, &k[n], &v[n], &js[n])) {
		n++;
	}
	cr_assert_eq(n, 3);
	cr_assert_str_eq(k[0], "topology.workers");
	cr_assert_str_eq(v[0], "2");
	cr_assert_str_eq(k[1], "topology.subprocess.timeout.secs");
	cr_assert_str_eq(v[1], "5");
	cr_assert(!js[1]);
	cr_assert_str_eq(k[2], "script.words");
	cr_assert_str_eq(v[2], "[\"a\"]");
	cr_assert(js[2]);
	fake_fini(&f);
}

Test(context, an_integer_config_key_is_the_components_else_the_topologys_else_its_default)
{
	fake_topo f;
	fake_init(&f);
	static gale_option topo[] = {
		{ .key = "topology.workers", .value = "2" },
		{ .key = "topology.subprocess.timeout.secs", .value = "30" },
	};
	static gale_option own[] = {
		{ .key = "topology.subprocess.timeout.secs", .value = "5" },
		{ .key = "script.words", .value = "[1]", .json = true },
	};
	f.t.config         = topo;
	f.t.nconfig        = 2;
	f.comps[1].config  = own;
	f.comps[1].nconfig = 2;
	cr_expect_eq(gale_context_config_i64(f.ctx, "topology.workers"), 2);
	cr_expect_eq(gale_context_config_i64(
			 f.ctx, "topology.subprocess.timeout.secs"),
	    5);
	// Not set: the key's default from gale's table.
	cr_expect_eq(gale_context_config_i64(
			 f.ctx, "topology.shellbolt.max.pending"),
	    100);
	// Unknown, or not an integer: 0.
	cr_expect_eq(gale_context_config_i64(f.ctx, "no.such.key"), 0);
	cr_expect_eq(gale_context_config_i64(f.ctx, "script.words"), 0);
	fake_fini(&f);
}
