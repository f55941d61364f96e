/* test_engine.c - rpcd's lease state machine. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "client/engine.h"

static struct eng_lease
lease(uint32_t addr, uint32_t secs)
{
	struct eng_lease l = { 0 };

	l.addr = addr;
	l.lease_time = secs;
	l.t1 = secs / 2;
	l.t2 = secs * 4 / 5;
	l.mtu = 1460;
	return l;
}

START_TEST(always_mode_full_cycle)
{
	struct eng e;
	struct eng_lease l = lease(0xc6336401, 100);
	unsigned act;

	eng_init(&e, false, 1);
	ck_assert_uint_eq(eng_step(&e, EV_START, NULL, 0, 0), ACT_SEND_ALLOC);
	ck_assert_int_eq(e.state, ENG_REQUESTING);
	act = eng_step(&e, EV_REPLY_OK, &l, 0, 10);
	ck_assert_uint_eq(act, ACT_CONFIGURE);
	ck_assert_int_eq(e.state, ENG_BOUND);
	ck_assert_int_eq(e.next_ms, 10 + 50000);	/* T1 */
	ck_assert_uint_eq(eng_step(&e, EV_TIMER, NULL, 0, 49000), 0);
	ck_assert_uint_eq(eng_step(&e, EV_TIMER, NULL, 0, 50010),
	    ACT_SEND_RENEW);
	ck_assert_int_eq(e.state, ENG_RENEWING);
	/* renewed: bound again with fresh timers, no reconfiguration of a
	 * different address */
	act = eng_step(&e, EV_REPLY_OK, &l, 0, 50020);
	ck_assert_uint_eq(act, ACT_CONFIGURE);
	ck_assert_int_eq(e.state, ENG_BOUND);
	ck_assert_int_eq(e.end_ms, 50020 + 100000);
}
END_TEST

START_TEST(rebinding_then_expiry_drops_address)
{
	struct eng e;
	struct eng_lease l = lease(1, 100);
	int64_t t;
	unsigned act = 0, renews = 0;

	eng_init(&e, false, 7);
	eng_step(&e, EV_START, NULL, 0, 0);
	eng_step(&e, EV_REPLY_OK, &l, 0, 0);
	/* no answers at all: walk the timers */
	for (t = 0; t <= 100000 && !(act & ACT_DECONFIGURE); ) {
		t = e.next_ms;
		act = eng_step(&e, EV_TIMER, NULL, 0, t);
		if (act & ACT_SEND_RENEW) {
			renews++;
			eng_step(&e, EV_NO_REPLY, NULL, 0, t);
		}
		if (t >= 80000 && t < 100000)
			ck_assert_int_eq(e.state, ENG_REBINDING);
	}
	ck_assert(act & ACT_DECONFIGURE);
	ck_assert(act & ACT_SEND_ALLOC);	/* always mode asks again */
	ck_assert_int_eq(t, 100000);
	ck_assert_uint_ge(renews, 4);
	ck_assert_uint_le(renews, 20);
	ck_assert(!e.configured);
}
END_TEST

START_TEST(refused_renew_drops_at_once)
{
	struct eng e;
	struct eng_lease l = lease(1, 100);

	eng_init(&e, true, 3);
	eng_step(&e, EV_TRIGGER, NULL, 0, 0);
	eng_step(&e, EV_REPLY_OK, &l, 0, 0);
	eng_step(&e, EV_TIMER, NULL, 0, 50000);
	ck_assert_uint_eq(eng_step(&e, EV_REPLY_REFUSED, NULL, 8, 50001),
	    ACT_DECONFIGURE);
	ck_assert_int_eq(e.state, ENG_IDLE);	/* on-demand: wait for traffic */
	ck_assert_int_eq(e.last_status, 8);
	ck_assert_int_eq(e.next_ms, INT64_MAX);
}
END_TEST

START_TEST(request_backoff_with_jitter)
{
	struct eng e;
	int64_t prev = 0, t = 0;

	eng_init(&e, false, 99);
	eng_step(&e, EV_START, NULL, 0, 0);
	for (int i = 0; i < 12; i++) {
		int64_t gap;

		eng_step(&e, EV_REPLY_REFUSED, NULL, 1, t);
		gap = e.next_ms - t;
		ck_assert_int_ge(gap, 750);
		ck_assert_int_le(gap, ENG_RETRY_MAX_MS * 5 / 4);
		if (i > 0 && i < 5)
			ck_assert_int_gt(gap, prev);	/* grows */
		prev = gap;
		t = e.next_ms;
		ck_assert_uint_eq(eng_step(&e, EV_TIMER, NULL, 0, t),
		    ACT_SEND_ALLOC);
	}
	ck_assert_int_eq(e.state, ENG_REQUESTING);
	ck_assert_int_eq(e.last_status, 1);
}
END_TEST

START_TEST(release_and_static)
{
	struct eng e;
	struct eng_lease l = lease(1, UINT32_MAX);

	eng_init(&e, false, 5);
	eng_step(&e, EV_START, NULL, 0, 0);
	eng_step(&e, EV_REPLY_OK, &l, 0, 0);
	ck_assert_int_eq(e.next_ms, INT64_MAX);	/* static: no renewals */
	ck_assert_uint_eq(eng_step(&e, EV_TIMER, NULL, 0, 1LL << 40), 0);
	ck_assert_uint_eq(eng_step(&e, EV_RELEASE, NULL, 0, 1),
	    ACT_SEND_RELEASE | ACT_DECONFIGURE);
	ck_assert_int_eq(e.state, ENG_IDLE);
	/* idle in always mode ignores traffic triggers */
	ck_assert_uint_eq(eng_step(&e, EV_TRIGGER, NULL, 0, 2), 0);
}
END_TEST

START_TEST(address_change_reconfigures)
{
	struct eng e;
	struct eng_lease a = lease(1, 100), b = lease(2, 100);

	eng_init(&e, false, 5);
	eng_step(&e, EV_START, NULL, 0, 0);
	eng_step(&e, EV_REPLY_OK, &a, 0, 0);
	eng_step(&e, EV_TIMER, NULL, 0, 50000);
	ck_assert_uint_eq(eng_step(&e, EV_REPLY_OK, &b, 0, 50001),
	    ACT_CONFIGURE | ACT_DECONFIGURE);
	ck_assert_uint_eq(e.lease.addr, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("fsm");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, always_mode_full_cycle);
	tcase_add_test(tc, rebinding_then_expiry_drops_address);
	tcase_add_test(tc, refused_renew_drops_at_once);
	tcase_add_test(tc, request_backoff_with_jitter);
	tcase_add_test(tc, release_and_static);
	tcase_add_test(tc, address_change_reconfigures);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
