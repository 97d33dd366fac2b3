// SPDX-License-Identifier: MIT
// tuple_test - reading a received tuple: values by index and by field
// name, its stream and source, and how values are written for the log.

#include <criterion/criterion.h>
#include <string.h>

#include "runtime/tuple.h"

static const char *const fake_fields[] = { "word", "n", NULL };

static const gale_stream_decl fake_outputs[] = {
	{ .stream = "default", .fields = fake_fields },
	{ .stream = "side", .fields = NULL },
	{ .stream = NULL },
};

static const gale_spout_ops fake_spout_ops = { .outputs = fake_outputs };

typedef struct fake_topo {
	gale_topology      t;
	gale_component_def comps[1];
	gale_plan         *plan;
} fake_topo;

static void
fake_init(fake_topo *f)
{
	memset(f, 0, sizeof(*f));
	f->t.name               = "topo";
	f->t.components         = f->comps;
	f->t.ncomponents        = 1;
	f->comps[0].id          = "src";
	f->comps[0].is_spout    = true;
	f->comps[0].parallelism = 2;
	f->comps[0].spout       = &fake_spout_ops;
	cr_assert_eq(gale_plan_new(&f->plan, &f->t, 1, 0), GALE_OK);
}

Test(tuple, reads_values_by_index_and_field)
{
	fake_topo f;
	fake_init(&f);
	gale_value v[] = { gale_cstr("snow"), gale_i64(3) };
	gale_tuple t   = {
		  .plan     = f.plan,
		  .values   = v,
		  .nvalues  = 2,
		  .decl     = gale__tuple_stream_decl(f.plan, 2, NULL, 0),
		  .src_task = 2,
	};
	cr_assert_not_null(t.decl);
	cr_expect_eq(gale_tuple_size(&t), 2);
	cr_expect_eq(gale_tuple_get(&t, 1)->u.i64, 3);
	cr_expect_null(gale_tuple_get(&t, 2));
	cr_expect_eq(gale_tuple_field(&t, "n"), &v[1]);
	cr_expect_eq(gale_tuple_field(&t, "word"), &v[0]);
	cr_expect_null(gale_tuple_field(&t, "other"));
	cr_expect_str_eq(gale_tuple_stream(&t), "default");
	cr_expect_str_eq(gale_tuple_source(&t), "src");
	cr_expect_eq(gale_tuple_source_task(&t), 2);
	gale_plan_destroy(&f.plan);
}

Test(tuple, finds_the_declaration_of_its_stream)
{
	fake_topo f;
	fake_init(&f);
	const gale_stream_decl *d
	    = gale__tuple_stream_decl(f.plan, 1, "side", 4);
	cr_assert_not_null(d);
	cr_expect_str_eq(d->stream, "side");
	cr_expect_null(gale__tuple_stream_decl(f.plan, 1, "sid", 3));
	cr_expect_null(gale__tuple_stream_decl(f.plan, 0, NULL, 0));
	cr_expect_null(gale__tuple_stream_decl(f.plan, 3, NULL, 0));
	gale_tuple t = { .plan = f.plan, .decl = d, .src_task = 1 };
	cr_expect_str_eq(gale_tuple_stream(&t), "side");
	cr_expect_null(gale_tuple_field(&t, "word"), "side has no fields");
	gale_plan_destroy(&f.plan);
}

Test(tuple, formats_values_for_the_log)
{
	char       buf[64];
	gale_value v[] = { gale_cstr("snow white"), gale_i64(-3),
		gale_f64(0.5), gale_bool(true), gale_bytes("\0\1\2", 3) };
	cr_expect_str_eq(gale__tuple_format_values(buf, sizeof(buf), v, 5),
	    "[snow white, -3, 0.5, true, <3 bytes>]");
	cr_expect_str_eq(
	    gale__tuple_format_values(buf, sizeof(buf), v, 0), "[]");
	// Cut to fit.
	char small[8];
	cr_expect_str_eq(
	    gale__tuple_format_values(small, sizeof(small), v, 5), "[snow w");
}
