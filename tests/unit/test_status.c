/* test_status.c - the dstm_status and lease state name tables. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/status.h"
#include "rpc/dstm.h"

/* The names are an interface (dstmctl -j, counter names, README). */
static const struct {
	int		 code;
	const char	*name;
} names[] = {
	{ DSTM_OK, "ok" },
	{ DSTM_POOL_EXHAUSTED, "pool-exhausted" },
	{ DSTM_ADDR_UNAVAILABLE, "address-unavailable" },
	{ DSTM_BAD_IPV6, "bad-ipv6" },
	{ DSTM_BAD_IPV4, "bad-ipv4" },
	{ DSTM_DENIED, "denied" },
	{ DSTM_RATE_LIMITED, "rate-limited" },
	{ DSTM_NO_SUCH_LEASE, "no-such-lease" },
	{ DSTM_NOT_OWNER, "not-owner" },
	{ DSTM_QUOTA, "quota" },
	{ DSTM_GATEWAY_ERROR, "gateway-error" },
	{ DSTM_VERSION_MISMATCH, "version-mismatch" },
	{ DSTM_BAD_REQUEST, "bad-request" },
	{ DSTM_INTERNAL, "internal-error" },
	{ DSTM_BAD_CONFIG, "bad-config" },
	{ DSTM_COOKIE, "cookie" },
	{ DSTM_UNREACHABLE, "server-unreachable" },
};

#define NNAMES	(int)(sizeof(names) / sizeof(names[0]))

START_TEST(every_code_named)
{
	ck_assert_int_eq(NNAMES, DSTM_UNREACHABLE + 1);
	for (int i = 0; i < NNAMES; i++) {
		ck_assert_str_eq(dstm_status_name(names[i].code),
		    names[i].name);
		ck_assert_int_eq(dstm_status_from_name(names[i].name),
		    names[i].code);
	}
}
END_TEST

START_TEST(messages)
{
	for (int i = 0; i <= DSTM_UNREACHABLE; i++) {
		const char *m = dstm_status_msg(i);
		size_t n;

		ck_assert_ptr_nonnull(m);
		n = strlen(m);
		/* one phrase for "dstmctl: CMD: MSG", no period, no newline */
		ck_assert_uint_gt(n, 1);
		ck_assert_uint_lt(n, 80);
		ck_assert(m[n - 1] != '.' && strchr(m, '\n') == NULL);
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(m, dstm_status_msg(k));
	}
	ck_assert_str_eq(dstm_status_msg(DSTM_POOL_EXHAUSTED),
	    "pool exhausted");
}
END_TEST

START_TEST(out_of_range)
{
	ck_assert_str_eq(dstm_status_name(-1), "unknown");
	ck_assert_str_eq(dstm_status_name(DSTM_UNREACHABLE + 1), "unknown");
	ck_assert_str_eq(dstm_status_name(1 << 30), "unknown");
	ck_assert_ptr_nonnull(dstm_status_msg(-5));
	ck_assert_ptr_nonnull(dstm_status_msg(DSTM_UNREACHABLE + 1));
	ck_assert_int_eq(dstm_status_from_name("unknown"), -1);
	ck_assert_int_eq(dstm_status_from_name(""), -1);
	ck_assert_int_eq(dstm_status_from_name(NULL), -1);
	ck_assert_int_eq(dstm_status_from_name("OK"), -1);
}
END_TEST

START_TEST(lease_states)
{
	ck_assert_str_eq(dstm_lease_state_name(DSTM_LS_FREE), "free");
	ck_assert_str_eq(dstm_lease_state_name(DSTM_LS_BOUND), "bound");
	ck_assert_str_eq(dstm_lease_state_name(DSTM_LS_HELD), "held");
	ck_assert_str_eq(dstm_lease_state_name(DSTM_LS_STATIC), "static");
	ck_assert_str_eq(dstm_lease_state_name(DSTM_LS_EXCLUDED),
	    "excluded");
	ck_assert_str_eq(dstm_lease_state_name(DSTM_LS_EXCLUDED + 1),
	    "unknown");
	ck_assert_str_eq(dstm_lease_state_name(-1), "unknown");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("tables");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, every_code_named);
	tcase_add_test(tc, messages);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, lease_states);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
