/* test_counters.c - the counter lists every daemon fills (rpc/counters.c):
 * names snake_case within their levels, which are gauges, and the
 * baseline stats --reset leaves where a counter cannot be zeroed at its
 * source. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/counters.h"

static void
list_free(struct dstm_counters *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i].name);
}

START_TEST(names_snake_case)
{
	dstm_counter v[2];
	struct dstm_counters l = { v, 2, 0 };

	dstm_counters_add(&l, "gateway.drop.bad-destination", 3);
	dstm_counters_add(&l, "replies.pool_exhausted", 1);
	dstm_counters_add(&l, "one.too.many", 1);	/* past max: left out */
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(v[0].name, "gateway.drop.bad_destination");
	ck_assert_uint_eq(v[0].value, 3);
	ck_assert_str_eq(v[1].name, "replies.pool_exhausted");
	list_free(&l);
}
END_TEST

START_TEST(gauges)
{
	static const char *const g[] = { "gateway.bindings",
	    "gateway.generation", "gateway.backend.tun", "gateway.backend.bpf",
	    "gateway.ip6tnl.devices", "connections.open", "tunnel.backend.tun",
	    "stats.since" };
	static const char *const c[] = { "requests.alloc", "gateway.drop.expired",
	    "gateway.bindings_x", "gateway.ip6tnl.created", "connections.evicted",
	    "gateway.backend", "tunnel.rx.packets", "leases.bound" };

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		ck_assert_msg(dstm_counter_is_gauge(g[i]), "%s", g[i]);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(!dstm_counter_is_gauge(c[i]), "%s", c[i]);
}
END_TEST

START_TEST(baseline)
{
	dstm_counter v[3];
	struct dstm_counters l = { v, 3, 0 };
	struct dstm_baseline b = { NULL, NULL, 0 };

	dstm_counters_add(&l, "gateway.decap.packets", 100);
	dstm_counters_add(&l, "gateway.bindings", 7);
	dstm_counters_add(&l, "gateway.write_errors", 5);
	ck_assert_int_eq(dstm_baseline_take(&b, &l), 0);
	ck_assert_uint_eq(b.n, 2);		/* the gauge is not taken */
	/* later: the counters grew, one source started over, the gauge
	 * moved */
	v[0].value = 130;
	v[1].value = 9;
	v[2].value = 2;
	dstm_baseline_apply(&b, &l);
	ck_assert_uint_eq(v[0].value, 30);
	ck_assert_uint_eq(v[1].value, 9);
	ck_assert_uint_eq(v[2].value, 2);	/* below its baseline: as is */
	/* a second take replaces the first */
	ck_assert_int_eq(dstm_baseline_take(&b, &l), 0);
	v[0].value = 31;
	dstm_baseline_apply(&b, &l);
	ck_assert_uint_eq(v[0].value, 1);
	dstm_baseline_free(&b);
	ck_assert_uint_eq(b.n, 0);
	dstm_baseline_apply(&b, &l);		/* empty: nothing changes */
	ck_assert_uint_eq(v[0].value, 1);
	list_free(&l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("counters");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, names_snake_case);
	tcase_add_test(tc, gauges);
	tcase_add_test(tc, baseline);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
