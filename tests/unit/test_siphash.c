/* test_siphash.c - SipHash-2-4 against the paper's vectors, the revoke
 * notice's MAC, the server cookie. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/siphash.h"
#include "rpc/notify.h"
#include "server/server.h"

struct server *srv;	/* server.h's, unused here */

START_TEST(vectors)
{
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* Aumasson & Bernstein, SipHash (2012), appendix A and vectors.h */
	ck_assert_uint_eq(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ull);
	ck_assert_uint_eq(siphash24(key, msg, 1), 0x74f839c593dc67fdull);
	ck_assert_uint_eq(siphash24(key, msg, 8), 0x93f5f5799a932462ull);
	ck_assert_uint_eq(siphash24(key, msg, 15), 0xa129ca6149be45e5ull);
	ck_assert_uint_eq(siphash24(key, msg, 63), 0x958a324ceb064572ull);
	ck_assert(ct_equal(msg, msg, 64));
	ck_assert(!ct_equal(msg, msg + 1, 63));
}
END_TEST

START_TEST(notice_mac)
{
	uint8_t key[DSTM_KEY_LEN], other[DSTM_KEY_LEN];
	dstm_notify_args a;

	memset(key, 0x11, sizeof(key));
	memset(other, 0x12, sizeof(other));
	memset(&a, 0, sizeof(a));
	memcpy(a.addr, "\xc6\x33\x64\x07", 4);
	a.client[0] = 0x20;
	a.stamp = 1234567;
	dstm_notify_mac(key, &a, (uint8_t *)a.mac);
	ck_assert(dstm_notify_check(key, &a));
	ck_assert(!dstm_notify_check(other, &a));
	a.stamp++;
	ck_assert(!dstm_notify_check(key, &a));
	a.stamp--;
	a.addr[3] ^= 1;
	ck_assert(!dstm_notify_check(key, &a));
}
END_TEST

START_TEST(cookie)
{
	struct in6_addr c, d;
	uint8_t k[COOKIE_LEN], zero[COOKIE_LEN] = { 0 };

	memset(&c, 0, sizeof(c));
	c.s6_addr[0] = 0x20;
	c.s6_addr[15] = 1;
	d = c;
	d.s6_addr[15] = 2;
	cookie_make(&c, 1000000, k);
	ck_assert(cookie_valid(&c, 1000000, k));
	ck_assert(cookie_valid(&c, 1000000 + 3600, k));
	ck_assert(!cookie_valid(&c, 1000000 + 3601, k));	/* too old */
	ck_assert(cookie_valid(&c, 1000000 - 300, k));	/* clock stepped */
	ck_assert(!cookie_valid(&c, 1000000 - 301, k));
	ck_assert(!cookie_valid(&d, 1000000, k));	/* another address */
	ck_assert(!cookie_valid(&c, 1000000, zero));
	k[12] ^= 1;
	ck_assert(!cookie_valid(&c, 1000000, k));
	k[12] ^= 1;
	k[5] ^= 1;		/* the time is under the MAC */
	ck_assert(!cookie_valid(&c, 1000000, k));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("siphash");
	TCase *tc = tcase_create("siphash");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, vectors);
	tcase_add_test(tc, notice_mac);
	tcase_add_test(tc, cookie);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
