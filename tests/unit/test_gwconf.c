/* test_gwconf.c - dstmgwd.conf: the golden files in tests/gwconf (NAME.in
 * with NAME.ok, the canonical print, or NAME.err, the one error line),
 * the sample etc/dstmgwd.conf, defaults and a few rules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "gateway/gwconf.h"
#include "tests/unit/conf_helpers.h"

#define MIN_CASES 10

CONF_OPS(ops, struct gwd_conf, gwd_conf_load, gwd_conf_load_buf,
    gwd_conf_print, gwd_conf_free, NULL);

START_TEST(sample_config)
{
	struct gwd_conf c;
	char err[CONF_ERRLEN];

	ck_assert_msg(gwd_conf_load("etc/dstmgwd.conf", &c, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c.n_pools, 1);
	ck_assert_uint_ge(c.n_allow, 1);
	assert_round_trip(&ops, &c);
	gwd_conf_free(&c);
}
END_TEST

START_TEST(defaults)
{
	static const char text[] = "[gateway]\ntep6 = 2001:db8:1::1\n"
	    "pool = 198.51.100.0/24\n[servers]\nallow = 2001:db8:5::10\n";
	struct gwd_conf c;
	struct in6_addr a;
	char err[CONF_ERRLEN];

	ck_assert_int_eq(gwd_conf_load_buf("t.conf", text, strlen(text), &c,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(c.n_listen, 1);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&c.listen[0]));
	ck_assert_uint_eq(c.port, 7546);
	ck_assert_uint_eq(c.gw.tep4, 0xc0000001u);
	ck_assert_uint_eq(c.gw.mtu, 1460);
	ck_assert_str_eq(c.gw.ifname, "dti0");
	ck_assert(!c.gw.mss_clamp);
	ck_assert(c.gw.hairpin);
	ck_assert_str_eq(c.control_socket, "/run/dstm/dstmgwd.sock");
	ck_assert_str_eq(c.pid_file, "/run/dstmgwd.pid");
	ck_assert(addr6_parse("2001:db8:5::10", &a, NULL));
	ck_assert(gwd_conf_server_allowed(&c, &a));
	ck_assert(addr6_parse("2001:db8:5::11", &a, NULL));
	ck_assert(!gwd_conf_server_allowed(&c, &a));
	ck_assert(addr6_parse("2001:db8:1::1", &a, NULL));
	ck_assert(memcmp(gwd_conf_tep6(&c), &a, sizeof(a)) == 0);
	gwd_conf_free(&c);
}
END_TEST

START_TEST(pools_sorted)
{
	static const char text[] = "[gateway]\ntep6 = 2001:db8:1::1\n"
	    "pool = 10.0.2.0/24\npool = 10.0.0.0/24\npool = 10.0.1.7\n"
	    "[servers]\nallow = 2001:db8:5::10\n";
	struct gwd_conf c;
	char err[CONF_ERRLEN];

	ck_assert_int_eq(gwd_conf_load_buf("t.conf", text, strlen(text), &c,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(c.n_pools, 3);
	ck_assert_uint_eq(c.pools[0].first, 0x0a000000u);
	ck_assert_uint_eq(c.pools[1].first, 0x0a000107u);
	ck_assert_uint_eq(c.pools[2].last, 0x0a0002ffu);
	gwd_conf_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gwconf");
	TCase *tg = tcase_create("golden"), *tu = tcase_create("rules");
	SRunner *sr;
	int nf;

	if (golden_chdir() != 0)
		return EXIT_FAILURE;
	golden_add(&ops, "tests/gwconf/*.in", MIN_CASES);
	golden_tcase(tg);
	tcase_add_test(tg, sample_config);
	suite_add_tcase(s, tg);
	tcase_add_test(tu, defaults);
	tcase_add_test(tu, pools_sorted);
	suite_add_tcase(s, tu);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	golden_free();
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
