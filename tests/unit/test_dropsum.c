/* test_dropsum.c - the gateway's drop summaries: one line per reason with
 * the count and the top sources, most first; at most one line per reason
 * per interval, the first one at the first tick; a flood from many
 * sources keeps its heavy hitter listed; the bpf path's drops counted
 * from its totals (from 0), without addresses; scans of free addresses at info,
 * too-big and TTL not at all. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "gateway/dropsum.h"

struct got {
	unsigned	n;
	int		level[8];
	char		line[8][512];
};

static void
collect(void *arg, enum rfc2473_drop why, int level, const char *line)
{
	struct got *g = arg;

	(void)why;
	ck_assert_uint_lt(g->n, 8);
	g->level[g->n] = level;
	snprintf(g->line[g->n++], sizeof(g->line[0]), "%s", line);
}

static struct in6_addr
a6(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static uint32_t
a4(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

START_TEST(one_line_per_reason)
{
	struct dropsum d;
	struct got g = { 0 };
	struct in6_addr f = a6("2001:db8:66::6"), v = a6("2001:db8:1::10");

	dropsum_init(&d, 60000);
	ck_assert_uint_eq(dropsum_tick(&d, 1000, collect, &g), 0);
	for (int i = 0; i < 5; i++)
		dropsum_add(&d, RFC2473_DROP_UNKNOWN_CLIENT, &f,
		    a4("198.51.100.7"), 1000);
	dropsum_add(&d, RFC2473_DROP_UNKNOWN_CLIENT, &v, a4("198.51.100.1"),
	    1200);
	dropsum_add(&d, RFC2473_DROP_SPOOFED_ADDR, &v, a4("203.0.113.9"),
	    1300);
	ck_assert_uint_eq(dropsum_tick(&d, 2000, collect, &g), 2);
	ck_assert_str_eq(g.line[0], "gateway: dropped 6 packets from clients "
	    "(unknown-client) in 1s: 2001:db8:66::6 inner 198.51.100.7 x5, "
	    "2001:db8:1::10 inner 198.51.100.1 x1");
	ck_assert_int_eq(g.level[0], LOG_LVL_WARNING);
	ck_assert(strstr(g.line[1], "1 packet from clients (spoofed-source)"
	    " in 1s: 2001:db8:1::10 inner 203.0.113.9 x1") != NULL);
	/* more within the interval: counted, not logged until it ends */
	dropsum_add(&d, RFC2473_DROP_UNKNOWN_CLIENT, &f, 0, 3000);
	ck_assert_uint_eq(dropsum_tick(&d, 61999, collect, &g), 0);
	ck_assert_uint_eq(dropsum_tick(&d, 62000, collect, &g), 1);
	ck_assert(strstr(g.line[2], "dropped 1 packet from clients "
	    "(unknown-client) in 59s: 2001:db8:66::6 inner 0.0.0.0 x1") !=
	    NULL);
	/* nothing new: nothing more */
	ck_assert_uint_eq(dropsum_tick(&d, 200000, collect, &g), 0);
}
END_TEST

START_TEST(heavy_hitter_in_a_crowd)
{
	struct dropsum d;
	struct got g = { 0 };
	struct in6_addr heavy = a6("2001:db8:66::1");

	dropsum_init(&d, 60000);
	for (int i = 0; i < 1000; i++) {
		struct in6_addr x = a6("2001:db8:77::");

		x.s6_addr[14] = (uint8_t)(i >> 8);
		x.s6_addr[15] = (uint8_t)i;
		dropsum_add(&d, RFC2473_DROP_UNKNOWN_CLIENT, &x, 1, 0);
		dropsum_add(&d, RFC2473_DROP_UNKNOWN_CLIENT, &heavy, 2, 0);
	}
	ck_assert_uint_eq(dropsum_tick(&d, 500, collect, &g), 1);
	ck_assert(strstr(g.line[0], "dropped 2000 packets") != NULL);
	/* half of the drops: first in the list whatever the others did */
	ck_assert(strstr(g.line[0], ": 2001:db8:66::1 inner 0.0.0.2 x") !=
	    NULL);
}
END_TEST

START_TEST(ipv4_side_and_levels)
{
	struct dropsum d;
	struct got g = { 0 };

	dropsum_init(&d, 60000);
	dropsum_add(&d, RFC2473_DROP_NO_BINDING, NULL, a4("203.0.113.5"), 0);
	dropsum_add(&d, RFC2473_DROP_TOO_BIG, NULL, a4("203.0.113.5"), 0);
	dropsum_add(&d, RFC2473_DROP_NONE, NULL, 0, 0);	/* ignored */
	ck_assert_uint_eq(dropsum_tick(&d, 10, collect, &g), 1);
	ck_assert_str_eq(g.line[0], "gateway: dropped 1 packet towards "
	    "clients (no-binding) in 1s: from 203.0.113.5 x1");
	ck_assert_int_eq(g.level[0], LOG_LVL_INFO);
	ck_assert_int_eq(dropsum_level(RFC2473_DROP_TTL_EXCEEDED), -1);
	ck_assert_int_eq(dropsum_level(RFC2473_DROP_EXPIRED),
	    LOG_LVL_WARNING);
}
END_TEST

START_TEST(kernel_totals)
{
	struct dropsum d;
	struct got g = { 0 };
	uint64_t t[RFC2473_DROP_MAX] = { 0 };

	dropsum_init(&d, 60000);
	dropsum_kernel(&d, t, 0);
	ck_assert_uint_eq(dropsum_tick(&d, 1000, collect, &g), 0);
	/* counted from 0, when the maps were made */
	t[RFC2473_DROP_UNKNOWN_CLIENT] = 4;
	dropsum_kernel(&d, t, 1000);
	dropsum_add(&d, RFC2473_DROP_UNKNOWN_CLIENT, &in6addr_loopback, 0,
	    1000);
	ck_assert_uint_eq(dropsum_tick(&d, 2000, collect, &g), 1);
	ck_assert(strstr(g.line[0], "dropped 5 packets from clients "
	    "(unknown-client) in 1s: ::1 inner 0.0.0.0 x1; 4 by the kernel "
	    "fast path (no addresses)") != NULL);
	t[RFC2473_DROP_UNKNOWN_CLIENT] = 3;	/* maps made again */
	dropsum_kernel(&d, t, 3000);
	ck_assert_uint_eq(dropsum_tick(&d, 100000, collect, &g), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dropsum");
	TCase *tc = tcase_create("dropsum");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, one_line_per_reason);
	tcase_add_test(tc, heavy_hitter_in_a_crowd);
	tcase_add_test(tc, ipv4_side_and_levels);
	tcase_add_test(tc, kernel_totals);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
