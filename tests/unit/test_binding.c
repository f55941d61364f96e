/* test_binding.c - the gateway binding table. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/binding.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define POOL	A4(198, 51, 100, 0)

static struct binding_table t;

static struct in6_addr
client(unsigned n)
{
	struct in6_addr a;

	addr6_parse("2001:db8:1::", &a, NULL);
	a.s6_addr[12] = (uint8_t)(n >> 24);
	a.s6_addr[13] = (uint8_t)(n >> 16);
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

static struct binding
mk(unsigned c, uint32_t a4, unsigned pmin, unsigned pmax, int64_t exp)
{
	struct binding b;

	memset(&b, 0, sizeof(b));
	b.client = client(c);
	b.addr4 = a4;
	b.port_min = (uint16_t)pmin;
	b.port_max = (uint16_t)pmax;
	b.expires = exp;
	return b;
}

static int
add(unsigned c, uint32_t a4, unsigned pmin, unsigned pmax, int64_t exp)
{
	struct binding b = mk(c, a4, pmin, pmax, exp);

	return binding_add(&t, &b);
}

static void
setup(void)
{
	ck_assert_int_eq(binding_table_init(&t, 0), 0);
}

static void
teardown(void)
{
	ck_assert_int_eq(binding_table_check(&t), 0);
	binding_table_free(&t);
}

START_TEST(siphash_vectors)
{
	/* SipHash-2-4 reference vectors: key 00..0f, message 00..(n-1) */
	static const struct { size_t n; uint64_t h; } v[] = {
		{ 0, 0x726fdb47dd0e0e31ull },
		{ 8, 0x93f5f5799a932462ull },
		{ 15, 0xa129ca6149be45e5ull },
	};
	uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
	uint8_t m[16];

	for (int i = 0; i < 16; i++)
		m[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ck_assert_uint_eq(binding_siphash(key, m, v[i].n, 2, 4),
		    v[i].h);
	ck_assert_uint_ne(binding_siphash(key, m, 16, 1, 3),
	    binding_siphash(key, m, 16, 2, 4));
}
END_TEST

START_TEST(add_lookup_both_ways)
{
	struct in6_addr c = client(1), other = client(2);
	struct binding *b;

	ck_assert_ptr_null(binding_lookup6(&t, &c));
	ck_assert_ptr_null(binding_lookup4(&t, POOL + 1, 80));
	ck_assert_int_eq(add(1, POOL + 1, 0, 65535, 500), 0);
	b = binding_lookup6(&t, &c);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->addr4, POOL + 1);
	ck_assert_int_eq(b->expires, 500);
	ck_assert_ptr_eq(binding_lookup4(&t, POOL + 1, 0), b);
	ck_assert_ptr_eq(binding_lookup4(&t, POOL + 1, 65535), b);
	ck_assert_ptr_eq(binding_first4(&t, POOL + 1), b);
	ck_assert_ptr_null(binding_next4(&t, b));
	ck_assert_ptr_null(binding_next6(&t, b));
	ck_assert_ptr_null(binding_lookup6(&t, &other));
	ck_assert_ptr_null(binding_lookup4(&t, POOL + 2, 80));
	ck_assert_uint_eq(binding_count(&t), 1);
	ck_assert(!binding_is_shared(b));
	ck_assert(!binding_expired(b, 499));
	ck_assert(binding_expired(b, 500));
}
END_TEST

START_TEST(add_invalid)
{
	struct binding b = mk(1, POOL + 1, 10, 9, 0);

	ck_assert_int_eq(binding_add(&t, &b), -EINVAL);
	b = mk(1, 0, 0, 65535, 0);
	ck_assert_int_eq(binding_add(&t, &b), -EINVAL);
	b = mk(1, POOL + 1, 0, 65535, 0);
	addr6_parse("ff02::1", &b.client, NULL);
	ck_assert_int_eq(binding_add(&t, &b), -EINVAL);
	memset(&b.client, 0, sizeof(b.client));
	ck_assert_int_eq(binding_add(&t, &b), -EINVAL);
	ck_assert_uint_eq(binding_count(&t), 0);
	ck_assert_uint_eq(binding_generation(&t), 0);
}
END_TEST

START_TEST(overlap_refused)
{
	ck_assert_int_eq(add(1, POOL + 1, 1024, 2047, 0), 0);
	ck_assert_int_eq(add(2, POOL + 1, 0, 65535, 0), -EEXIST);
	ck_assert_int_eq(add(2, POOL + 1, 2047, 3000, 0), -EEXIST);
	ck_assert_int_eq(add(2, POOL + 1, 0, 1024, 0), -EEXIST);
	ck_assert_int_eq(add(2, POOL + 1, 1500, 1600, 0), -EEXIST);
	ck_assert_int_eq(add(1, POOL + 1, 1024, 3000, 0), -EEXIST);
	ck_assert_int_eq(add(2, POOL + 1, 0, 1023, 0), 0);
	ck_assert_int_eq(add(3, POOL + 1, 2048, 65535, 0), 0);
	ck_assert_int_eq(add(4, POOL + 2, 0, 65535, 0), 0);
	ck_assert_int_eq(add(5, POOL + 2, 7, 7, 0), -EEXIST);
	ck_assert_uint_eq(binding_count(&t), 4);
}
END_TEST

START_TEST(readd_updates_expiry)
{
	struct in6_addr c = client(1);
	uint64_t g;

	ck_assert_int_eq(add(1, POOL + 1, 0, 65535, 100), 0);
	g = binding_generation(&t);
	ck_assert_int_eq(add(1, POOL + 1, 0, 65535, 100), 0);
	ck_assert_uint_eq(binding_generation(&t), g);
	ck_assert_int_eq(add(1, POOL + 1, 0, 65535, 200), 0);
	ck_assert_uint_eq(binding_generation(&t), g + 1);
	ck_assert_int_eq(binding_lookup6(&t, &c)->expires, 200);
	ck_assert_uint_eq(binding_count(&t), 1);
}
END_TEST

START_TEST(port_shared_lookup)
{
	struct binding *b;
	unsigned seen = 0;

	/* four clients share one address, 16k ports each, PSID style */
	for (unsigned i = 0; i < 4; i++)
		ck_assert_int_eq(add(10 + i, POOL + 9, i * 16384,
		    i * 16384 + 16383, 0), 0);
	for (unsigned i = 0; i < 4; i++) {
		struct in6_addr c = client(10 + i);

		b = binding_lookup4(&t, POOL + 9, (uint16_t)(i * 16384));
		ck_assert_ptr_nonnull(b);
		ck_assert_mem_eq(&b->client, &c, 16);
		ck_assert_ptr_eq(binding_lookup4(&t, POOL + 9,
		    (uint16_t)(i * 16384 + 16383)), b);
		ck_assert_ptr_eq(binding_lookup6(&t, &c), b);
		ck_assert(binding_is_shared(b));
	}
	for (b = binding_first4(&t, POOL + 9); b != NULL;
	    b = binding_next4(&t, b))
		seen |= 1u << (b->port_min / 16384);
	ck_assert_uint_eq(seen, 0xf);
	ck_assert_int_eq(binding_remove(&t, POOL + 9, 16384), 0);
	ck_assert_ptr_null(binding_lookup4(&t, POOL + 9, 20000));
	ck_assert_ptr_nonnull(binding_lookup4(&t, POOL + 9, 40000));
}
END_TEST

START_TEST(client_several_bindings)
{
	struct in6_addr c = client(7);
	struct binding *b;
	unsigned mask = 0, n = 0;

	ck_assert_int_eq(add(7, POOL + 1, 0, 65535, 0), 0);
	ck_assert_int_eq(add(8, POOL + 2, 0, 65535, 0), 0);
	ck_assert_int_eq(add(7, POOL + 3, 0, 65535, 0), 0);
	ck_assert_int_eq(add(7, POOL + 4, 100, 199, 0), 0);
	for (b = binding_lookup6(&t, &c); b != NULL; b = binding_next6(&t, b)) {
		ck_assert_mem_eq(&b->client, &c, 16);
		mask |= 1u << (b->addr4 - POOL);
		n++;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(mask, (1u << 1) | (1u << 3) | (1u << 4));
}
END_TEST

START_TEST(remove_and_generation)
{
	struct binding x;
	struct in6_addr c = client(1);
	uint64_t g = binding_generation(&t);

	ck_assert_int_eq(add(1, POOL + 1, 0, 65535, 0), 0);
	ck_assert_uint_eq(binding_generation(&t), g + 1);
	ck_assert_int_eq(add(2, POOL + 2, 0, 99, 0), 0);
	ck_assert_int_eq(add(3, POOL + 2, 100, 199, 0), 0);
	ck_assert_uint_eq(binding_generation(&t), g + 3);
	ck_assert_int_eq(add(4, POOL + 2, 50, 60, 0), -EEXIST);
	ck_assert_ptr_nonnull(binding_lookup6(&t, &c));
	ck_assert_uint_eq(binding_generation(&t), g + 3);
	ck_assert_int_eq(binding_remove(&t, POOL + 2, 1), -ENOENT);
	ck_assert_int_eq(binding_remove(&t, POOL + 9, 0), -ENOENT);
	ck_assert_uint_eq(binding_generation(&t), g + 3);
	ck_assert_int_eq(binding_remove(&t, POOL + 1, 0), 0);
	ck_assert_uint_eq(binding_generation(&t), g + 4);
	ck_assert_ptr_null(binding_lookup6(&t, &c));
	ck_assert_ptr_null(binding_lookup4(&t, POOL + 1, 1));
	x = mk(2, POOL + 2, 0, 100, 0);		/* wrong range */
	ck_assert_int_eq(binding_remove_exact(&t, &x), -ENOENT);
	x = mk(3, POOL + 2, 0, 99, 0);		/* wrong client */
	ck_assert_int_eq(binding_remove_exact(&t, &x), -ENOENT);
	x = mk(2, POOL + 2, 0, 99, 0);
	ck_assert_int_eq(binding_remove_exact(&t, &x), 0);
	ck_assert_uint_eq(binding_generation(&t), g + 5);
	ck_assert_ptr_null(binding_lookup4(&t, POOL + 2, 50));
	ck_assert_ptr_nonnull(binding_lookup4(&t, POOL + 2, 150));
	ck_assert_uint_eq(binding_count(&t), 1);
}
END_TEST

START_TEST(expire_and_counters)
{
	struct binding *b;
	struct in6_addr c = client(2);

	ck_assert_int_eq(add(1, POOL + 1, 0, 65535, 100), 0);
	ck_assert_int_eq(add(2, POOL + 2, 0, 65535, 0), 0);
	ck_assert_int_eq(add(3, POOL + 3, 0, 65535, 200), 0);
	ck_assert_int_eq(add(4, POOL + 4, 0, 65535, 101), 0);
	b = binding_lookup6(&t, &c);
	b->ctr.pkts_up = 5;
	ck_assert_uint_eq(binding_expire(&t, 100), 1);
	ck_assert_uint_eq(binding_count(&t), 3);
	ck_assert_ptr_null(binding_lookup4(&t, POOL + 1, 1));
	ck_assert_uint_eq(binding_expire(&t, 1000), 2);
	ck_assert_uint_eq(binding_count(&t), 1);
	b = binding_lookup6(&t, &c);
	ck_assert_uint_eq(b->ctr.pkts_up, 5);		/* moved intact */
	/* a new binding starts with zero counters whatever it is given */
	{
		struct binding nb = mk(9, POOL + 9, 0, 65535, 0);
		struct in6_addr c9 = client(9);

		nb.ctr.bytes_down = 77;
		ck_assert_int_eq(binding_add(&t, &nb), 0);
		ck_assert_uint_eq(binding_lookup6(&t, &c9)->ctr.bytes_down, 0);
	}
}
END_TEST

/* 100k bindings, a third of them port-shared, through growth from 16:
 * every lookup both ways, removal of a random half, iteration. */
START_TEST(many_100k)
{
	const unsigned n = 100000;
	unsigned *order = malloc(n * sizeof(*order));
	uint8_t *gone = calloc(n, 1);
	size_t seen = 0;

	ck_assert_ptr_nonnull(order);
	for (unsigned i = 0; i < n; i++) {
		unsigned a = i / 3, part = i % 3;

		ck_assert_int_eq(add(i, POOL + a, part * 20000,
		    part * 20000 + 19999, i + 1), 0);
		order[i] = i;
	}
	ck_assert_uint_eq(binding_count(&t), n);
	ck_assert_int_eq(binding_table_check(&t), 0);
	ck_assert_uint_ge(t.cap, n);
	for (unsigned i = 0; i < n; i++) {
		struct in6_addr c = client(i);
		struct binding *b = binding_lookup6(&t, &c);

		ck_assert_ptr_nonnull(b);
		ck_assert_uint_eq(b->addr4, POOL + i / 3);
		ck_assert_ptr_eq(binding_lookup4(&t, POOL + i / 3,
		    (uint16_t)(i % 3 * 20000 + 7)), b);
	}
	srandom(3);
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)random() % (i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	for (unsigned k = 0; k < n / 2; k++) {
		unsigned i = order[k];

		ck_assert_int_eq(binding_remove(&t, POOL + i / 3,
		    (uint16_t)(i % 3 * 20000)), 0);
		gone[i] = 1;
	}
	ck_assert_int_eq(binding_table_check(&t), 0);
	ck_assert_uint_eq(binding_count(&t), n - n / 2);
	for (unsigned i = 0; i < n; i++) {
		struct in6_addr c = client(i);
		struct binding *b = binding_lookup6(&t, &c);

		if (gone[i]) {
			ck_assert_ptr_null(b);
			ck_assert_ptr_null(binding_lookup4(&t, POOL + i / 3,
			    (uint16_t)(i % 3 * 20000)));
		} else {
			ck_assert_ptr_nonnull(b);
			ck_assert_int_eq(b->expires, i + 1);
		}
	}
	for (size_t k = 0; binding_at(&t, k) != NULL; k++) {
		const struct binding *b = binding_at(&t, k);
		unsigned i = (unsigned)b->expires - 1;

		ck_assert(!gone[i]);
		gone[i] = 2;
		seen++;
	}
	ck_assert_uint_eq(seen, n - n / 2);
	ck_assert_uint_eq(binding_expire(&t, INT64_MAX), n - n / 2);
	ck_assert_uint_eq(binding_count(&t), 0);
	ck_assert_int_eq(binding_table_check(&t), 0);
	free(order);
	free(gone);
}
END_TEST

/* the whole-address helpers the gateway and the server's mirror share */
START_TEST(set_whole_moves_address)
{
	struct in6_addr c1 = client(1), c2 = client(2);
	struct binding moved, gone;

	ck_assert_int_eq(binding_set_whole(&t, 0xc6336401, &c1, 100, &moved),
	    0);
	ck_assert_uint_eq(moved.addr4, 0);		/* nothing moved */
	ck_assert_int_eq(binding_set_whole(&t, 0xc6336401, &c1, 200, &moved),
	    0);						/* renewal */
	ck_assert_uint_eq(moved.addr4, 0);
	ck_assert_int_eq(binding_lookup4(&t, 0xc6336401, 0)->expires, 200);
	ck_assert_int_eq(binding_set_whole(&t, 0xc6336401, &c2, 300, &moved),
	    0);
	ck_assert_uint_eq(moved.addr4, 0xc6336401);	/* c1 lost it */
	ck_assert_mem_eq(&moved.client, &c1, sizeof(c1));
	ck_assert_ptr_null(binding_lookup6(&t, &c1));
	ck_assert_uint_eq(binding_count(&t), 1);
	/* only the holder (or anyone, with NULL) removes it */
	ck_assert_int_eq(binding_unset_whole(&t, 0xc6336401, &c1, &gone),
	    -ENOENT);
	ck_assert_uint_eq(binding_count(&t), 1);
	ck_assert_int_eq(binding_unset_whole(&t, 0xc6336401, &c2, &gone), 0);
	ck_assert_mem_eq(&gone.client, &c2, sizeof(c2));
	ck_assert_uint_eq(binding_count(&t), 0);
	ck_assert_int_eq(binding_set_whole(&t, 0xc6336402, &c1, 0, NULL), 0);
	ck_assert_int_eq(binding_unset_whole(&t, 0xc6336402, NULL, NULL), 0);
	ck_assert_int_eq(binding_unset_whole(&t, 0xc6336402, NULL, NULL),
	    -ENOENT);
}
END_TEST

START_TEST(keys_differ)
{
	struct binding_table u;

	ck_assert_int_eq(binding_table_init(&u, 1000), 0);
	ck_assert_uint_eq(u.cap, 1024);
	ck_assert(memcmp(u.key, t.key, sizeof(u.key)) != 0);
	binding_table_free(&u);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("binding");
	TCase *tc = tcase_create("table");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, siphash_vectors);
	tcase_add_test(tc, add_lookup_both_ways);
	tcase_add_test(tc, add_invalid);
	tcase_add_test(tc, overlap_refused);
	tcase_add_test(tc, readd_updates_expiry);
	tcase_add_test(tc, port_shared_lookup);
	tcase_add_test(tc, client_several_bindings);
	tcase_add_test(tc, remove_and_generation);
	tcase_add_test(tc, expire_and_counters);
	tcase_add_test(tc, many_100k);
	tcase_add_test(tc, set_whole_moves_address);
	tcase_add_test(tc, keys_differ);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
