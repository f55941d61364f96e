/* test_lease.c - pool and lease state machine. */
#include <check.h>
#include <errno.h>
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

/* A key per client (never zero), as rpcd would choose one. */
static const uint8_t *
key_of(const struct in6_addr *c)
{
	static uint8_t k[4][LEASE_KEY_LEN];
	static unsigned n;
	uint8_t *p = k[n++ % 4];

	for (int i = 0; i < LEASE_KEY_LEN; i++)
		p[i] = c->s6_addr[i] ^ 0xa5;
	return p;
}

/* The requests of a verified caller (tcp6) with its own key. */
static enum lease_err
alloc(struct lease_table *tb, const struct in6_addr *c, uint32_t hint,
    unsigned flags, int64_t now, uint32_t *idx)
{
	return lease_alloc(tb, c, key_of(c), hint, flags | LEASE_F_VERIFIED,
	    now, idx);
}

static enum lease_err
renew(struct lease_table *tb, const struct in6_addr *c, uint32_t addr,
    int64_t now, uint32_t *idx)
{
	return lease_renew(tb, c, key_of(c), addr, LEASE_F_VERIFIED, now, idx);
}

static enum lease_err
release(struct lease_table *tb, const struct in6_addr *c, uint32_t addr,
    int64_t now, uint32_t *idx)
{
	return lease_release(tb, c, key_of(c), addr, LEASE_F_VERIFIED, now,
	    idx);
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

	ck_assert_int_eq(alloc(&t, &c, 0, 0, 1000, &i), LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_BOUND);
	ck_assert_int_eq(t.slots[i].expires, 1100);
	ck_assert_uint_ne(lease_addr(&t, i), A4(198, 51, 100, 0));
	/* retransmitted ALLOC returns the same lease */
	ck_assert_int_eq(alloc(&t, &c, 0, 0, 1001, &j), LE_OK);
	ck_assert_uint_eq(i, j);
	ck_assert_uint_eq(t.bound.count, 1);
	ck_assert_int_eq(renew(&t, &c, lease_addr(&t, i), 1050, &j),
	    LE_OK);
	ck_assert_int_eq(t.slots[i].expires, 1150);
	ck_assert_int_eq(release(&t, &c, lease_addr(&t, i), 1060, &j),
	    LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_HELD);
	ck_assert_int_eq(t.slots[i].expires, 1110);
	/* a retransmitted RELEASE gets the same answer, nothing changes */
	uint64_t changes = t.changes;
	ck_assert_int_eq(release(&t, &c, lease_addr(&t, i), 1061, &j),
	    LE_OK);
	ck_assert_uint_eq(t.changes, changes);
	ck_assert_uint_eq(t.slots[i].state, LEASE_HELD);
	ck_assert_int_eq(t.slots[i].expires, 1110);
	/* once the hold ends the key is gone: no such lease */
	ck_assert_uint_eq(lease_expire(&t, 1110, NULL, NULL), 1);
	ck_assert_int_eq(release(&t, &c, lease_addr(&t, i), 1111, &j),
	    LE_NO_LEASE);
}
END_TEST

START_TEST(not_owner)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t i, j;

	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(renew(&t, &b, lease_addr(&t, i), 10, &j),
	    LE_NOT_OWNER);
	ck_assert_int_eq(release(&t, &b, lease_addr(&t, i), 10, &j),
	    LE_NOT_OWNER);
	ck_assert_int_eq(t.slots[i].expires, 100);
	ck_assert_uint_eq(t.slots[i].state, LEASE_BOUND);
	ck_assert_int_eq(renew(&t, &a, A4(192, 0, 2, 1), 10, &j),
	    LE_NOT_IN_POOL);
	ck_assert_int_eq(renew(&t, &a, A4(198, 51, 100, 7), 10, &j),
	    LE_NO_LEASE);
}
END_TEST

START_TEST(affinity_after_hold_and_free)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t i, j, k;

	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(release(&t, &a, lease_addr(&t, i), 10, &j), LE_OK);
	/* somebody else does not get the held address */
	ck_assert_int_eq(alloc(&t, &b, 0, 0, 11, &j), LE_OK);
	ck_assert_uint_ne(i, j);
	/* hold ends, the address is free but remembers its last owner */
	ck_assert_uint_eq(lease_expire(&t, 60, NULL, NULL), 1);
	ck_assert_uint_eq(t.slots[i].state, LEASE_FREE);
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 70, &k), LE_OK);
	ck_assert_uint_eq(k, i);
}
END_TEST

START_TEST(quota)
{
	struct in6_addr a = client(1);
	uint32_t i, j;

	uint8_t k2[LEASE_KEY_LEN];

	memset(k2, 0x42, sizeof(k2));
	t.max_per_client = 2;
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	/* the same key again: the same lease (a retransmission) */
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &j), LE_OK);
	ck_assert_uint_eq(i, j);
	/* another key: a second lease */
	ck_assert_int_eq(lease_alloc(&t, &a, k2, 0, LEASE_F_VERIFIED, 0, &j),
	    LE_OK);
	ck_assert_uint_ne(i, j);
	/* at quota: a third key (with a hint for a new address) is refused */
	k2[0] = 0x43;
	ck_assert_int_eq(lease_alloc(&t, &a, k2, A4(198, 51, 100, 7),
	    LEASE_F_VERIFIED, 0, &j), LE_QUOTA);
	ck_assert_uint_eq(t.bound.count, 2);
	ck_assert_uint_eq(lease_count_client(&t, &a, NULL), 2);
}
END_TEST

START_TEST(exhaustion_and_steal_hold)
{
	uint32_t i, held = SLOT_NONE;

	for (unsigned n = 1; n <= 7; n++) {
		struct in6_addr c = client(n);
		ck_assert_int_eq(alloc(&t, &c, 0, 0, n, &i), LE_OK);
	}
	struct in6_addr late = client(100);
	ck_assert_int_eq(alloc(&t, &late, 0, 0, 10, &i), LE_EXHAUSTED);
	ck_assert_uint_eq(t.bound.count, 7);
	/* one releases: its hold is taken when nothing else is free */
	struct in6_addr c3 = client(3);
	for (uint32_t k = 0; k < t.size; k++)
		if (t.slots[k].state == LEASE_BOUND &&
		    memcmp(&t.slots[k].client, &c3, 16) == 0)
			held = k;
	ck_assert_int_eq(release(&t, &c3, lease_addr(&t, held), 20, &i),
	    LE_OK);
	ck_assert_int_eq(alloc(&t, &late, 0, 0, 21, &i), LE_OK);
	ck_assert_uint_eq(i, held);
}
END_TEST

START_TEST(hint_strict_and_soft)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t i, j;

	ck_assert_int_eq(alloc(&t, &a, A4(198, 51, 100, 5), 0, 0, &i),
	    LE_OK);
	ck_assert_uint_eq(lease_addr(&t, i), A4(198, 51, 100, 5));
	ck_assert_int_eq(alloc(&t, &b, A4(198, 51, 100, 5),
	    LEASE_F_STRICT, 0, &j), LE_UNAVAILABLE);
	ck_assert_int_eq(alloc(&t, &b, A4(198, 51, 100, 0),
	    LEASE_F_STRICT, 0, &j), LE_NOT_IN_POOL);
	ck_assert_int_eq(alloc(&t, &b, A4(198, 51, 100, 5), 0, 0, &j),
	    LE_OK);
	ck_assert_uint_ne(i, j);
}
END_TEST

START_TEST(expiry_order)
{
	uint32_t idx[5];

	for (unsigned n = 0; n < 5; n++) {
		struct in6_addr c = client(n);
		ck_assert_int_eq(alloc(&t, &c, 0, 0, 10 * n, &idx[n]),
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
	ck_assert_int_eq(renew(&t, &c0, lease_addr(&t, idx[0]), 126, &j),
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
	ck_assert_int_eq(release(&t, &a, A4(198, 51, 100, 4), 6, &j),
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
	    &a, key_of(&a), 1, 500), 0);
	ck_assert_int_eq(lease_restore(&t, A4(198, 51, 100, 0), LEASE_BOUND,
	    &a, NULL, 1, 500), -1);	/* excluded */
	ck_assert_int_eq(renew(&t, &a, A4(198, 51, 100, 2), 10, &i),
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

/* issue 12 (a): a retransmitted ALLOC with a hint gets the same answer.
 * A holds the held address P, B holds X; A asks for X (not strict): ok P,
 * and the same request again: ok P, not quota. */
START_TEST(alloc_hint_retransmit)
{
	struct in6_addr a = client(1), b = client(2);
	uint32_t p, x, i, j;

	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &p), LE_OK);
	ck_assert_int_eq(release(&t, &a, lease_addr(&t, p), 0, &i),
	    LE_OK);
	ck_assert_int_eq(alloc(&t, &b, 0, 0, 0, &x), LE_OK);
	ck_assert_int_eq(alloc(&t, &a, lease_addr(&t, x), 0, 1, &i),
	    LE_OK);
	ck_assert_uint_eq(i, p);
	ck_assert_int_eq(alloc(&t, &a, lease_addr(&t, x), 0, 2, &j),
	    LE_OK);
	ck_assert_uint_eq(j, p);
}
END_TEST

/* issue 12 (b): a late RENEW of a held address must not take the client
 * past max-leases-per-client. */
START_TEST(renew_held_respects_quota)
{
	struct in6_addr a = client(1);
	uint32_t p, q, i;

	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &p), LE_OK);
	ck_assert_int_eq(release(&t, &a, lease_addr(&t, p), 1, &i),
	    LE_OK);
	ck_assert_int_eq(alloc(&t, &a, lease_addr(&t, p) == A4(198, 51,
	    100, 7) ? A4(198, 51, 100, 6) : A4(198, 51, 100, 7),
	    LEASE_F_STRICT, 2, &q), LE_OK);
	ck_assert_uint_ne(p, q);
	ck_assert_int_eq(renew(&t, &a, lease_addr(&t, p), 3, &i),
	    LE_QUOTA);
	ck_assert_uint_eq(t.slots[p].state, LEASE_HELD);
	ck_assert_uint_le(lease_count_client(&t, &a, NULL), 1);
}
END_TEST

/* A lease is the client address's and its key's: a forged source (the
 * right address, no key) renews and releases nothing. */
START_TEST(key_ownership)
{
	struct in6_addr a = client(1);
	uint8_t wrong[LEASE_KEY_LEN], zero[LEASE_KEY_LEN] = { 0 };
	uint32_t i, j;
	uint64_t changes;

	memset(wrong, 0x42, sizeof(wrong));
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	changes = t.changes;
	for (unsigned v = 0; v <= LEASE_F_VERIFIED; v += LEASE_F_VERIFIED) {
		ck_assert_int_eq(lease_renew(&t, &a, wrong, lease_addr(&t, i),
		    v, 10, &j), LE_NOT_OWNER);
		ck_assert_int_eq(lease_release(&t, &a, wrong, lease_addr(&t, i),
		    v, 10, &j), LE_NOT_OWNER);
		ck_assert_int_eq(lease_renew(&t, &a, zero, lease_addr(&t, i),
		    v, 10, &j), LE_NOT_OWNER);
		ck_assert_int_eq(lease_release(&t, &a, zero, lease_addr(&t, i),
		    v, 10, &j), LE_NOT_OWNER);
		/* another key from the same address: a new lease, which the
		 * quota (1) refuses; unverified: prove the address first */
		ck_assert_int_eq(lease_alloc(&t, &a, wrong, 0, v, 10, &j),
		    v ? LE_QUOTA : LE_UNVERIFIED);
	}
	ck_assert_int_eq(lease_alloc(&t, &a, zero, 0, LEASE_F_VERIFIED, 10,
	    &j), LE_BAD_KEY);
	ck_assert_uint_eq(t.changes, changes);
	ck_assert_uint_eq(t.slots[i].state, LEASE_BOUND);
	ck_assert_int_eq(t.slots[i].expires, 100);
	ck_assert(lease_key_matches(&t, &a, key_of(&a), lease_addr(&t, i)));
	ck_assert(!lease_key_matches(&t, &a, wrong, lease_addr(&t, i)));
	/* the owner's key works without return routability (it is proof) */
	ck_assert_int_eq(lease_renew(&t, &a, key_of(&a), lease_addr(&t, i), 0,
	    20, &j), LE_OK);
	ck_assert_int_eq(t.slots[i].expires, 120);
}
END_TEST

/* Unverified (udp6 without a cookie): answered from the table when the key
 * names a lease, otherwise nothing changes. */
START_TEST(unverified_changes_nothing)
{
	struct in6_addr a = client(1);
	uint32_t i, j;

	ck_assert_int_eq(lease_alloc(&t, &a, key_of(&a), 0, 0, 0, &i),
	    LE_UNVERIFIED);
	ck_assert_uint_eq(t.changes, 0);
	ck_assert_uint_eq(t.free.count, 7);
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(lease_alloc(&t, &a, key_of(&a), 0, 0, 1, &j), LE_OK);
	ck_assert_uint_eq(i, j);
}
END_TEST

/* An operator's lease has no key: a verified ALLOC of its client adopts
 * it; an unverified request with a made-up key does not. */
START_TEST(keyless_adoption)
{
	struct in6_addr a = client(1);
	uint8_t other[LEASE_KEY_LEN];
	uint32_t i, j;

	memset(other, 0x42, sizeof(other));
	ck_assert_int_eq(lease_make(&t, &a, A4(198, 51, 100, 3), 600, 0, &i),
	    LE_OK);
	ck_assert_int_eq(lease_renew(&t, &a, other, A4(198, 51, 100, 3), 0, 1,
	    &j), LE_NOT_OWNER);
	ck_assert_int_eq(lease_release(&t, &a, other, A4(198, 51, 100, 3), 0,
	    1, &j), LE_NOT_OWNER);
	ck_assert_int_eq(lease_alloc(&t, &a, other, 0, 0, 1, &j),
	    LE_UNVERIFIED);
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 2, &j), LE_OK);
	ck_assert_uint_eq(i, j);
	ck_assert_mem_eq(t.slots[i].key, key_of(&a), LEASE_KEY_LEN);
	ck_assert_int_eq(lease_renew(&t, &a, other, A4(198, 51, 100, 3),
	    LEASE_F_VERIFIED, 3, &j), LE_NOT_OWNER);
	ck_assert_int_eq(renew(&t, &a, A4(198, 51, 100, 3), 3, &j), LE_OK);
	/* static leases: renewing changes nothing, releasing is refused */
	ck_assert_int_eq(lease_make(&t, &a, A4(198, 51, 100, 3), 0, 4, &i),
	    LE_OK);
	ck_assert_uint_eq(t.slots[i].state, LEASE_STATIC);
	ck_assert_int_eq(renew(&t, &a, A4(198, 51, 100, 3), 5, &j), LE_OK);
	ck_assert_int_eq(release(&t, &a, A4(198, 51, 100, 3), 5, &j),
	    LE_NOT_OWNER);
}
END_TEST

/* max-leases-per-prefix: one /64 holds at most its quota, another /64
 * still leases; a new prefix length recounts. */
START_TEST(prefix_quota)
{
	struct in6_addr a = client(1), b = client(2), c = client(3), o;
	uint32_t i, j;

	addr6_parse("2001:db8:2::1", &o, NULL);
	t.max_per_prefix = 2;
	ck_assert_int_eq(alloc(&t, &a, 0, 0, 0, &i), LE_OK);
	ck_assert_int_eq(alloc(&t, &b, 0, 0, 0, &j), LE_OK);
	ck_assert_int_eq(alloc(&t, &c, 0, 0, 0, &j), LE_QUOTA);
	ck_assert_uint_eq(lease_count_prefix(&t, &c), 2);
	ck_assert_int_eq(alloc(&t, &o, 0, 0, 0, &j), LE_OK);
	ck_assert_uint_eq(lease_count_prefix(&t, &o), 1);
	/* a late RENEW of a held lease counts against the prefix too */
	ck_assert_int_eq(release(&t, &a, lease_addr(&t, i), 1, &j), LE_OK);
	ck_assert_int_eq(alloc(&t, &c, 0, 0, 2, &j), LE_OK);
	ck_assert_int_eq(renew(&t, &a, lease_addr(&t, i), 3, &j), LE_QUOTA);
	ck_assert_uint_eq(t.slots[i].state, LEASE_HELD);
	ck_assert_int_eq(lease_table_check(&t), 0);
	/* /32: all four clients are in one prefix */
	ck_assert_int_eq(lease_set_prefix_len(&t, 32), 0);
	ck_assert_uint_eq(lease_count_prefix(&t, &a), 3);
	ck_assert_int_eq(lease_table_check(&t), 0);
	ck_assert_int_eq(lease_set_prefix_len(&t, 128), 0);
	ck_assert_uint_eq(lease_count_prefix(&t, &c), 1);
	ck_assert_int_eq(lease_set_prefix_len(&t, 0), -EINVAL);
}
END_TEST

/* The prefix counter itself: many prefixes, growth, deletion in runs. */
START_TEST(prefix_table)
{
	struct pfx_table p;
	struct in6_addr a;

	pfx_init(&p, 7);
	for (unsigned n = 0; n < 3000; n++) {
		a = client(n);
		ck_assert_int_eq(pfx_reserve(&p, 1), 0);
		pfx_add(&p, &a, +1);
		pfx_add(&p, &a, +1);
	}
	ck_assert_uint_eq(p.n, 3000);
	for (unsigned n = 0; n < 3000; n += 2) {
		a = client(n);
		pfx_add(&p, &a, -1);
		pfx_add(&p, &a, -1);
	}
	ck_assert_uint_eq(p.n, 1500);
	for (unsigned n = 0; n < 3000; n++) {
		a = client(n);
		ck_assert_uint_eq(pfx_get(&p, &a), n % 2 ? 2 : 0);
	}
	pfx_free(&p);
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
		case 0: alloc(&b, &c, 0, 0, now, &i); break;
		case 1: renew(&b, &c, a, now, &i); break;
		case 2: release(&b, &c, a, now, &i); break;
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

/* Property: over random ALLOC/RENEW/RELEASE sequences from clients in a
 * few prefixes (two keys each, as rpcd after a restart, plus forgers with
 * the right address and a wrong key, verified or not), every request sent
 * twice in a row (a retransmission) is answered alike, no client and no
 * prefix ever holds more than its quota, and a request without the key
 * or without return routability never changes the table unless it only
 * names the caller's own lease. */
START_TEST(retransmissions_property)
{
	enum { NCLIENT = 48, NPREFIX = 4, STEPS = 40000 };
	struct lease_table b;
	struct range4 r = { A4(198, 51, 100, 0), A4(198, 51, 100, 63) };
	struct in6_addr cl[NCLIENT];
	uint8_t forged[LEASE_KEY_LEN];
	int64_t now = 0;
	unsigned served = 0, refused = 0;

	ck_assert_int_eq(lease_table_init(&b, &r, 1, NULL, 0), 0);
	b.lease_time = 40;
	b.hold_time = 15;
	b.max_per_client = 2;
	b.max_per_prefix = 6;
	for (unsigned n = 0; n < NCLIENT; n++) {
		cl[n] = client(n);
		cl[n].s6_addr[7] = (uint8_t)(n % NPREFIX);	/* the /64 */
	}
	memset(forged, 0x3c, sizeof(forged));
	srandom(12);
	for (int step = 0; step < STEPS; step++) {
		unsigned n = (unsigned)random() % NCLIENT, op = random() % 8;
		const struct in6_addr *c = &cl[n];
		uint8_t key[LEASE_KEY_LEN];
		uint32_t a = lease_addr(&b, (uint32_t)(random() % b.size));
		uint32_t hint = random() % 3 ? 0 : a, i1 = SLOT_NONE,
		    i2 = SLOT_NONE;
		unsigned flags = random() % 4 ? LEASE_F_VERIFIED : 0;
		bool own = random() % 5 != 0;
		enum lease_err e1, e2;
		uint64_t before;

		memcpy(key, key_of(c), sizeof(key));
		key[0] ^= (uint8_t)(random() % 2);	/* its second key */
		if (!own) {
			/* a forger: never receives at the address */
			memcpy(key, forged, sizeof(key));
			flags &= ~(unsigned)LEASE_F_VERIFIED;
		}
		if (random() % 2 && hint != 0)
			flags |= LEASE_F_STRICT;
		now += random() % 2;
		before = b.changes;
		switch (op) {
		case 0: case 1: case 2:
			e1 = lease_alloc(&b, c, key, hint, flags, now, &i1);
			e2 = lease_alloc(&b, c, key, hint, flags, now, &i2);
			break;
		case 3: case 4:
			if (random() % 2 && lease_count_client(&b, c, &a) > 0)
				a = lease_addr(&b, a);	/* its own lease */
			e1 = lease_renew(&b, c, key, a, flags, now, &i1);
			e2 = lease_renew(&b, c, key, a, flags, now, &i2);
			break;
		case 5: case 6:
			if (random() % 2 && lease_count_client(&b, c, &a) > 0)
				a = lease_addr(&b, a);
			e1 = lease_release(&b, c, key, a, flags, now, &i1);
			e2 = lease_release(&b, c, key, a, flags, now, &i2);
			break;
		default:
			lease_expire(&b, now, NULL, NULL);
			continue;
		}
		/* (plain tests: a ck_assert per check would cost a write) */
		if (e1 != e2 || (e1 == LE_OK && i1 != i2))
			ck_abort_msg("step %d op %u: %d (%u) then %d (%u)", step,
			    op, e1, i1, e2, i2);
		served += e1 == LE_OK;
		refused += e1 != LE_OK;
		/* a forger (a key nobody holds) and a refusal change nothing */
		if ((!own || e1 != LE_OK) && b.changes != before)
			ck_abort_msg("step %d op %u: %s changed the table", step,
			    op, own ? "a refusal" : "a forger");
		for (unsigned k = 0; k < NCLIENT; k++)
			if (lease_count_client(&b, &cl[k], NULL) >
			    b.max_per_client)
				ck_abort_msg("step %d: client %u over quota",
				    step, k);
		for (unsigned k = 0; k < NPREFIX; k++)
			if (lease_count_prefix(&b, &cl[k]) > b.max_per_prefix)
				ck_abort_msg("step %d: prefix %u over quota",
				    step, k);
		if (step % 499 == 0 && lease_table_check(&b) != 0)
			ck_abort_msg("step %d: table inconsistent", step);
	}
	/* the walk did exercise both outcomes */
	ck_assert_uint_gt(served, STEPS / 10);
	ck_assert_uint_gt(refused, STEPS / 10);
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
	tcase_add_test(tc, alloc_hint_retransmit);
	tcase_add_test(tc, renew_held_respects_quota);
	tcase_add_test(tc, key_ownership);
	tcase_add_test(tc, unverified_changes_nothing);
	tcase_add_test(tc, keyless_adoption);
	tcase_add_test(tc, prefix_quota);
	tcase_add_test(tc, prefix_table);
	tcase_add_test(tc, retransmissions_property);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
