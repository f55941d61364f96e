/* test_pfxcount.c - the per-/64 connection counts (server/pfxcount.c):
 * random increments and decrements against a plain array, on a table
 * small enough that runs of collisions form and deletions shift them. */
#include <check.h>
#include <stdlib.h>

#include "server/pfxcount.h"

#define NKEYS	600

START_TEST(random_against_reference)
{
	static uint32_t ref[NKEYS];
	struct pfxcount c;
	uint64_t keys[NKEYS];
	unsigned seed = 12345;

	pfxcount_init(&c, 0x5eed);
	for (int i = 0; i < NKEYS; i++)
		/* neighbouring /64s, as an attacker's would be */
		keys[i] = 0x20010db800000000ull + (uint64_t)i;
	for (int step = 0; step < 200000; step++) {
		int k = (int)(rand_r(&seed) % NKEYS);

		if (rand_r(&seed) % 3 != 0 || ref[k] == 0) {
			ck_assert(pfxcount_inc(&c, keys[k]));
			ref[k]++;
		} else {
			pfxcount_dec(&c, keys[k]);
			ref[k]--;
		}
		if (step % 997 == 0) {
			uint32_t used = 0;

			for (int i = 0; i < NKEYS; i++) {
				ck_assert_uint_eq(pfxcount_get(&c, keys[i]),
				    ref[i]);
				used += ref[i] != 0;
			}
			ck_assert_uint_eq(c.used, used);
		}
	}
	/* all the way down: every key leaves, the table is empty */
	for (int i = 0; i < NKEYS; i++)
		while (ref[i] > 0) {
			pfxcount_dec(&c, keys[i]);
			ref[i]--;
		}
	ck_assert_uint_eq(c.used, 0);
	for (uint32_t i = 0; i < c.cap; i++)
		ck_assert_uint_eq(c.slot[i].n, 0);
	pfxcount_free(&c);
}
END_TEST

START_TEST(absent_and_underflow)
{
	struct pfxcount c;

	pfxcount_init(&c, 1);
	ck_assert_uint_eq(pfxcount_get(&c, 42), 0);
	pfxcount_dec(&c, 42);		/* empty table: nothing happens */
	ck_assert(pfxcount_inc(&c, 42));
	pfxcount_dec(&c, 43);		/* another key: nothing happens */
	ck_assert_uint_eq(pfxcount_get(&c, 42), 1);
	pfxcount_dec(&c, 42);
	pfxcount_dec(&c, 42);		/* no count below 0 */
	ck_assert_uint_eq(pfxcount_get(&c, 42), 0);
	ck_assert_uint_eq(c.used, 0);
	pfxcount_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pfxcount");
	TCase *tc = tcase_create("pfxcount");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, random_against_reference);
	tcase_add_test(tc, absent_and_underflow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
