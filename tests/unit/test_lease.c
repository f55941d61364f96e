/* test_lease.c - pool and lease state machine. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "server/lease.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static struct lease_table t;

static struct in6_addr
client(unsigned n)
{
	struct in6_addr a;

	addr6_parse("2001:db8:1::", &a, NULL);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static void
setup_small(void)
{
	struct range4 r = { A4(198, 51, 100, 0), A4(198, 51, 100, 7) };
	struct range4 x = { A4(198, 51, 100, 0), A4(198, 51, 100, 0) };

	ck_assert_int_eq(lease_table_init(&t, &r, 1, &x, 1), 0);
	t.lease_time = 100;
	t.hold_time = 50;
	t.max_per_client = 1;
}

static void
teardown(void)
{
	ck_assert_int_eq(lease_table_check(&t), 0);
	lease_table_free(&t);
}

START_TEST(init_counts)
{
	ck_assert_uint_eq(t.size, 8);
	ck_assert_uint_eq(t.free.count, 7);
	ck_assert_uint_eq(t.n_excluded, 1);
	ck_assert_uint_eq(lease_index(&t, A4(198, 51, 100, 3)), 3);
	ck_assert_uint_eq(lease_index(&t, A4(198, 51, 101, 0)), SLOT_NONE);
	ck_assert_uint_eq(lease_addr(&t, 5), A4(198, 51, 100, 5));
}
END_TEST

START_TEST(alloc_renew_release)
{
	struct in6_addr c = client(1);
	uint32_t i, j;

	ck_assert_int_eq(lease_alloc(&t, &c, 0, 0, 1000, &i), LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_BOUND);
	ck_assert_int_eq(t.slots[i].expires, 1100);
	ck_assert_uint_ne(lease_addr(&t, i), A4(198, 51, 100, 0));
	/* retransmitted ALLOC returns the same lease */
	ck_assert_int_eq(lease_alloc(&t, &c, 0, 0, 1001, &j), LE_OK);
	ck_assert_uint_eq(i, j);
	ck_assert_uint_eq(t.bound.count, 1);
	ck_assert_int_eq(lease_renew(&t, &c, lease_addr(&t, i), 1050, &j),
	    LE_OK);
	ck_assert_int_eq(t.slots[i].expires, 1150);
	ck_assert_int_eq(lease_release(&t, &c, lease_addr(&t, i), 1060, &j),
	    LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_HELD);
	ck_assert_int_eq(t.slots[i].expires, 1110);
	/* releasing twice: its own status, nothing changes */
	ck_assert_int_eq(lease_release(&t, &c, lease_addr(&t, i), 1061, &j),
	    LE_NO_LEASE);
	ck_assert_uint_eq(t.slots[i].state, LEASE_HELD);
	ck_assert_int_eq(t.slots[i].expires, 1110);
}
END_TEST

START_TEST(not_owner)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t i, j;

	ck_assert_int_eq(lease_alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(lease_renew(&t, &b, lease_addr(&t, i), 10, &j),
	    LE_NOT_OWNER);
	ck_assert_int_eq(lease_release(&t, &b, lease_addr(&t, i), 10, &j),
	    LE_NOT_OWNER);
	ck_assert_int_eq(t.slots[i].expires, 100);
	ck_assert_uint_eq(t.slots[i].state, LEASE_BOUND);
	ck_assert_int_eq(lease_renew(&t, &a, A4(192, 0, 2, 1), 10, &j),
	    LE_NOT_IN_POOL);
	ck_assert_int_eq(lease_renew(&t, &a, A4(198, 51, 100, 7), 10, &j),
	    LE_NO_LEASE);
}
END_TEST

START_TEST(affinity_after_hold_and_free)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t i, j, k;

	ck_assert_int_eq(lease_alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(lease_release(&t, &a, lease_addr(&t, i), 10, &j), LE_OK);
	/* somebody else does not get the held address */
	ck_assert_int_eq(lease_alloc(&t, &b, 0, 0, 11, &j), LE_OK);
	ck_assert_uint_ne(i, j);
	/* hold ends, the address is free but remembers its last owner */
	ck_assert_uint_eq(lease_expire(&t, 60, NULL, NULL), 1);
	ck_assert_uint_eq(t.slots[i].state, LEASE_FREE);
	ck_assert_int_eq(lease_alloc(&t, &a, 0, 0, 70, &k), LE_OK);
	ck_assert_uint_eq(k, i);
}
END_TEST

START_TEST(quota)
{
	struct in6_addr a = client(1);
	uint32_t i, j;

	t.max_per_client = 2;
	ck_assert_int_eq(lease_alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(lease_alloc(&t, &a, 0, 0, 0, &j), LE_OK);
	ck_assert_uint_ne(i, j);
	/* at quota: a hint for a new address is refused */
	ck_assert_int_eq(lease_alloc(&t, &a, A4(198, 51, 100, 7), 0, 0, &j),
	    LE_QUOTA);
	ck_assert_uint_eq(t.bound.count, 2);
	ck_assert_uint_eq(lease_count_client(&t, &a, NULL), 2);
}
END_TEST

START_TEST(exhaustion_and_steal_hold)
{
	uint32_t i, held = SLOT_NONE;

	for (unsigned n = 1; n <= 7; n++) {
		struct in6_addr c = client(n);
		ck_assert_int_eq(lease_alloc(&t, &c, 0, 0, n, &i), LE_OK);
	}
	struct in6_addr late = client(100);
	ck_assert_int_eq(lease_alloc(&t, &late, 0, 0, 10, &i), LE_EXHAUSTED);
	ck_assert_uint_eq(t.bound.count, 7);
	/* one releases: its hold is taken when nothing else is free */
	struct in6_addr c3 = client(3);
	for (uint32_t k = 0; k < t.size; k++)
		if (t.slots[k].state == LEASE_BOUND &&
		    memcmp(&t.slots[k].client, &c3, 16) == 0)
			held = k;
	ck_assert_int_eq(lease_release(&t, &c3, lease_addr(&t, held), 20, &i),
	    LE_OK);
	ck_assert_int_eq(lease_alloc(&t, &late, 0, 0, 21, &i), LE_OK);
	ck_assert_uint_eq(i, held);
}
END_TEST

START_TEST(hint_strict_and_soft)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t i, j;

	ck_assert_int_eq(lease_alloc(&t, &a, A4(198, 51, 100, 5), 0, 0, &i),
	    LE_OK);
	ck_assert_uint_eq(lease_addr(&t, i), A4(198, 51, 100, 5));
	ck_assert_int_eq(lease_alloc(&t, &b, A4(198, 51, 100, 5),
	    LEASE_F_STRICT, 0, &j), LE_UNAVAILABLE);
	ck_assert_int_eq(lease_alloc(&t, &b, A4(198, 51, 100, 0),
	    LEASE_F_STRICT, 0, &j), LE_NOT_IN_POOL);
	ck_assert_int_eq(lease_alloc(&t, &b, A4(198, 51, 100, 5), 0, 0, &j),
	    LE_OK);
	ck_assert_uint_ne(i, j);
}
END_TEST

START_TEST(expiry_order)
{
	uint32_t idx[5];

	for (unsigned n = 0; n < 5; n++) {
		struct in6_addr c = client(n);
		ck_assert_int_eq(lease_alloc(&t, &c, 0, 0, 10 * n, &idx[n]),
		    LE_OK);
	}
	ck_assert_int_eq(lease_next_event(&t), 100);
	ck_assert_uint_eq(lease_expire(&t, 99, NULL, NULL), 0);
	ck_assert_uint_eq(lease_expire(&t, 125, NULL, NULL), 3);
	ck_assert_uint_eq(t.slots[idx[2]].state, LEASE_HELD);
	ck_assert_uint_eq(t.slots[idx[3]].state, LEASE_BOUND);
	/* a late renew by the owner of a held lease binds it again */
	struct in6_addr c0 = client(0);
	uint32_t j;
	ck_assert_int_eq(lease_renew(&t, &c0, lease_addr(&t, idx[0]), 126, &j),
	    LE_OK);
	ck_assert_uint_eq(t.slots[idx[0]].state, LEASE_BOUND);
}
END_TEST

START_TEST(illegal_transitions)
{
	struct in6_addr a = client(1);

	ck_assert_int_eq(lease_transition(&t, 1, LEV_RENEW, &a, 0, 0), -1);
	ck_assert_int_eq(lease_transition(&t, 1, LEV_RELEASE, &a, 0, 0), -1);
	ck_assert_int_eq(lease_transition(&t, 0, LEV_ALLOC, &a, 0, 0), -1);
	ck_assert_int_eq(lease_transition(&t, 99, LEV_ALLOC, &a, 0, 0), -1);
	ck_assert_uint_eq(t.free.count, 7);
}
END_TEST

START_TEST(static_and_revoke)
{
	struct in6_addr a = client(1);
	uint32_t i, j;

	ck_assert_int_eq(lease_make(&t, &a, A4(198, 51, 100, 4), 0, 5, &i),
	    LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_STATIC);
	ck_assert_int_eq(lease_expire(&t, 1 << 30, NULL, NULL), 0);
	ck_assert_int_eq(lease_release(&t, &a, A4(198, 51, 100, 4), 6, &j),
	    LE_NOT_OWNER);
	ck_assert_int_eq(lease_revoke(&t, A4(198, 51, 100, 4), &j), LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_FREE);
	ck_assert_int_eq(lease_revoke(&t, A4(198, 51, 100, 4), &j),
	    LE_NO_LEASE);
}
END_TEST

START_TEST(restore_and_migrate)
{
	struct lease_table n;
	struct range4 r2 = { A4(198, 51, 100, 0), A4(198, 51, 100, 15) };
	struct range4 r3 = { A4(198, 51, 100, 4), A4(198, 51, 100, 15) };
	struct in6_addr a = client(1);
	uint32_t lost = 0, i;

	ck_assert_int_eq(lease_restore(&t, A4(198, 51, 100, 2), LEASE_BOUND,
	    &a, 1, 500), 0);
	ck_assert_int_eq(lease_restore(&t, A4(198, 51, 100, 0), LEASE_BOUND,
	    &a, 1, 500), -1);	/* excluded */
	ck_assert_int_eq(lease_renew(&t, &a, A4(198, 51, 100, 2), 10, &i),
	    LE_OK);
	ck_assert_int_eq(lease_table_init(&n, &r2, 1, NULL, 0), 0);
	ck_assert_int_eq(lease_table_migrate(&n, &t, &lost), 0);
	ck_assert_uint_eq(n.bound.count, 1);
	ck_assert_uint_eq(n.slots[2].state, LEASE_BOUND);
	ck_assert_int_eq(lease_table_check(&n), 0);
	lease_table_free(&n);
	/* a pool that loses the bound address is refused */
	ck_assert_int_eq(lease_table_init(&n, &r3, 1, NULL, 0), 0);
	ck_assert_int_eq(lease_table_migrate(&n, &t, &lost), -1);
	ck_assert_uint_eq(lost, A4(198, 51, 100, 2));
	ck_assert_uint_eq(n.bound.count, 0);
	lease_table_free(&n);
}
END_TEST

/* random operations against the invariants */
START_TEST(random_walk)
{
	struct lease_table b;
	struct range4 r[2] = {
		{ A4(198, 51, 100, 0), A4(198, 51, 100, 255) },
		{ A4(203, 0, 113, 0), A4(203, 0, 113, 127) },
	};
	uint32_t i;
	int64_t now = 0;

	ck_assert_int_eq(lease_table_init(&b, r, 2, NULL, 0), 0);
	b.lease_time = 30;
	b.hold_time = 10;
	b.max_per_client = 2;
	srandom(42);
	for (int step = 0; step < 20000; step++) {
		struct in6_addr c = client((unsigned)(random() % 500));
		uint32_t a = lease_addr(&b, (uint32_t)(random() % b.size));

		now += random() % 2;
		switch (random() % 4) {
		case 0: lease_alloc(&b, &c, 0, 0, now, &i); break;
		case 1: lease_renew(&b, &c, a, now, &i); break;
		case 2: lease_release(&b, &c, a, now, &i); break;
		case 3: lease_expire(&b, now, NULL, NULL); break;
		}
		if (step % 997 == 0)
			ck_assert_int_eq(lease_table_check(&b), 0);
		ck_assert_uint_le(lease_count_client(&b, &c, NULL), 2);
	}
	ck_assert_int_eq(lease_table_check(&b), 0);
	lease_table_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lease");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup_small, teardown);
	tcase_add_test(tc, init_counts);
	tcase_add_test(tc, alloc_renew_release);
	tcase_add_test(tc, not_owner);
	tcase_add_test(tc, affinity_after_hold_and_free);
	tcase_add_test(tc, quota);
	tcase_add_test(tc, exhaustion_and_steal_hold);
	tcase_add_test(tc, hint_strict_and_soft);
	tcase_add_test(tc, expiry_order);
	tcase_add_test(tc, illegal_transitions);
	tcase_add_test(tc, static_and_revoke);
	tcase_add_test(tc, restore_and_migrate);
	tcase_add_test(tc, random_walk);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
