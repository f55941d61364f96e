/* test_store.c - the lease table through the journal (server/store.c),
 * compaction off the event loop above all: the copy spans rounds while
 * leases change (in the part already copied and the part not yet), the
 * pool is reloaded mid-copy, changes go on while the thread writes, and
 * a crash (the journal closed as it is, nothing uncommitted) at each
 * phase must replay to exactly the table the server had. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/journal.h"
#include "server/server.h"

#define A4(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static char tmpdir[64];
static struct server sv;
static int64_t now = 100000;

/* two ranges, 14336 addresses: four copy slices (4096 each at most) */
static const struct range4 pool[] = {
	{ A4(100, 64, 0, 0), A4(100, 64, 39, 255) },
	{ A4(100, 65, 0, 0), A4(100, 65, 15, 255) },
};
/* after the reload: a range below both (all of it before the copy's
 * position), the second range grown */
static const struct range4 pool2[] = {
	{ A4(100, 63, 0, 0), A4(100, 63, 3, 255) },
	{ A4(100, 64, 0, 0), A4(100, 64, 39, 255) },
	{ A4(100, 65, 0, 0), A4(100, 65, 31, 255) },
};

static void
table_init(struct lease_table *t, const struct range4 *r, unsigned n)
{
	ck_assert_int_eq(lease_table_init(t, r, n, NULL, 0), 0);
	t->lease_time = 3600;
	t->hold_time = 600;
	t->max_per_client = 1;
}

static void
srv_open(const struct range4 *r, unsigned n)
{
	memset(&sv, 0, sizeof(sv));
	snprintf(sv.conf.state_dir, sizeof(sv.conf.state_dir), "%s", tmpdir);
	sv.conf.journal_sync = false;
	table_init(&sv.leases, r, n);
	ck_assert_int_eq(store_open(&sv), 0);
	ck_assert_int_eq(lease_table_check(&sv.leases), 0);
}

/* a kill -9: what is committed is on disk, nothing else is written */
static void
srv_crash(void)
{
	journal_close(sv.journal);
	sv.journal = NULL;
	lease_table_free(&sv.leases);
}

static struct in6_addr
client(unsigned i)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 } };

	a.s6_addr[12] = (uint8_t)(i >> 24);
	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static const uint8_t *
key(unsigned i)
{
	static uint8_t k[LEASE_KEY_LEN];

	for (unsigned b = 0; b < LEASE_KEY_LEN; b++)
		k[b] = (uint8_t)(i * 31 + b + 1);
	return k;
}

static uint32_t leased[40000];	/* client i's address, 0 = none */

static void
journaled(uint64_t before, uint32_t idx)
{
	if (sv.leases.changes != before)
		ck_assert_int_eq(store_record(&sv, idx), 0);
}

static void
alloc_at(unsigned i, uint32_t hint)
{
	struct in6_addr c = client(i);
	uint64_t before = sv.leases.changes;
	uint32_t idx;

	ck_assert_int_eq(lease_alloc(&sv.leases, &c, key(i), hint,
	    LEASE_F_VERIFIED, now, &idx), LE_OK);
	journaled(before, idx);
	leased[i] = lease_addr(&sv.leases, idx);
}

static void
alloc(unsigned i)
{
	alloc_at(i, 0);
}

static void
renew(unsigned i)
{
	struct in6_addr c = client(i);
	uint64_t before = sv.leases.changes;
	uint32_t idx;

	ck_assert_int_eq(lease_renew(&sv.leases, &c, key(i), leased[i],
	    LEASE_F_VERIFIED, now, &idx), LE_OK);
	journaled(before, idx);
}

static void
release(unsigned i)
{
	struct in6_addr c = client(i);
	uint64_t before = sv.leases.changes;
	uint32_t idx;

	ck_assert_int_eq(lease_release(&sv.leases, &c, key(i), leased[i],
	    LEASE_F_VERIFIED, now, &idx), LE_OK);
	journaled(before, idx);
	leased[i] = 0;
}

static void
on_expire(struct lease_table *t, uint32_t idx, enum lease_event ev,
    void *arg)
{
	(void)t;
	(void)ev;
	(void)arg;
	ck_assert_int_eq(store_record(&sv, idx), 0);
}

/* A round's worth of changes all over the pool: new leases, renewals,
 * releases (held), an operator revoke, expiries; then the commit. */
static void
churn(unsigned round)
{
	unsigned base = 3000 + round * 400;

	now += 10;
	for (unsigned i = base; i < base + 200; i++)
		alloc(i);
	for (unsigned i = round; i < 3000; i += 37)
		if (leased[i] != 0)
			renew(i);
	for (unsigned i = round * 11; i < 3000; i += 97)
		if (leased[i] != 0)
			release(i);
	for (unsigned i = round * 5 + 1; i < 3000; i += 401)
		if (leased[i] != 0) {
			uint64_t before = sv.leases.changes;
			uint32_t idx;

			ck_assert_int_eq(lease_revoke(&sv.leases, leased[i],
			    &idx), LE_OK);
			journaled(before, idx);
			leased[i] = 0;
		}
	lease_expire(&sv.leases, now, on_expire, NULL);
	ck_assert_int_eq(store_commit(&sv), 0);
	ck_assert_int_eq(lease_table_check(&sv.leases), 0);
}

static bool
copying(void)
{
	return store_timeout(&sv, 1000) == 0;
}

/* Let the thread finish, polling as the event loop does (bounded). */
static void
wait_compacted(void)
{
	struct timespec ms = { 0, 1000000 };

	for (int k = 0; k < 20000 && store_compact_step(&sv, 0); k++)
		nanosleep(&ms, NULL);
	ck_assert_int_eq(store_compact_step(&sv, 0), 0);
}

/* Every slot of a as in b: state, owner, key, times. */
static void
tables_equal(const struct lease_table *a, const struct lease_table *b)
{
	ck_assert_uint_eq(a->size, b->size);
	ck_assert_uint_eq(a->bound.count, b->bound.count);
	ck_assert_uint_eq(a->held.count, b->held.count);
	ck_assert_uint_eq(a->n_static, b->n_static);
	for (uint32_t i = 0; i < a->size; i++) {
		const struct lease_slot *x = &a->slots[i], *y = &b->slots[i];

		ck_assert_uint_eq(lease_addr(a, i), lease_addr(b, i));
		ck_assert_uint_eq(x->state, y->state);
		ck_assert_uint_eq(x->hashed, y->hashed);
		if (x->hashed)
			ck_assert_mem_eq(&x->client, &y->client, 16);
		ck_assert_mem_eq(x->key, y->key, LEASE_KEY_LEN);
		if (x->state != LEASE_FREE) {
			ck_assert_int_eq(x->since, y->since);
			ck_assert_int_eq(x->expires, y->expires);
		}
	}
}

static long long
fsize(const char *name)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* 3000 leases, renewed until the journal holds 4x the live state. */
static void
fill(void)
{
	memset(leased, 0, sizeof(leased));
	/* spread over the whole pool: every slice holds some */
	for (unsigned i = 0; i < 3000; i++)
		alloc_at(i, lease_addr(&sv.leases, i * 4 + 3));
	for (int pass = 0; pass < 3; pass++) {
		now += 1;
		for (unsigned i = 0; i < 3000; i++)
			renew(i);
	}
	ck_assert_int_eq(store_commit(&sv), 0);
	ck_assert_uint_ge(journal_records(sv.journal), 12000);
}

/* Crash and replay, against the table as it was. */
static void
crash_and_compare(const struct range4 *r, unsigned n)
{
	struct lease_table want;

	table_init(&want, r, n);
	ck_assert_int_eq(lease_table_migrate(&want, &sv.leases, NULL), 0);
	srv_crash();
	srv_open(r, n);
	tables_equal(&sv.leases, &want);
	/* an interrupted compaction is finished at open */
	ck_assert(journal_can_rotate(sv.journal));
	ck_assert_int_eq(fsize("leases.journal.next"), 0);
	lease_table_free(&want);
}

/* The snapshot's records in list order: bound by expiry, held by
 * expiry, then the rest by address (what replay appends in O(1)). */
struct order {
	int		rank;
	int64_t		expires;
	uint32_t	addr;
	size_t		n;
	bool		ok;
};

static int
check_order(const struct jrec *r, void *arg)
{
	struct order *o = arg;
	int rank = r->state == LEASE_BOUND ? 0 : r->state == LEASE_HELD ? 1 : 2;

	if (o->n > 0 && (rank < o->rank || (rank == o->rank && (rank < 2 ?
	    r->expires < o->expires : r->addr <= o->addr))))
		o->ok = false;
	o->rank = rank;
	o->expires = r->expires;
	o->addr = r->addr;
	o->n++;
	return 0;
}

static void
snap_in_order(void)
{
	char dir[96];
	struct order o = { .ok = true };
	struct journal *j;

	/* the snapshot alone: a copy of the directory without the journal */
	snprintf(dir, sizeof(dir), "%s/snaponly", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	{
		char from[128], to[128];

		snprintf(from, sizeof(from), "%s/leases.snap", tmpdir);
		snprintf(to, sizeof(to), "%s/leases.snap", dir);
		ck_assert_int_eq(link(from, to), 0);
	}
	ck_assert_int_eq(journal_open(dir, false, check_order, &o, &j), 0);
	ck_assert_uint_gt(o.n, 1000);
	ck_assert(o.ok);
	journal_close(j);
}

enum { CUT_COPY, CUT_WRITE, CUT_DONE, CUT_RELOAD, CUT_INLINE, CUT_N };

START_TEST(compact_while_changing)
{
	const struct range4 *r = pool;
	unsigned n = 2, slices = 0;

	if (_i == CUT_INLINE)
		setenv("DSTM_COMPACT_INLINE", "1", 1);
	srv_open(pool, 2);
	fill();
	store_maybe_compact(&sv);
	if (_i == CUT_INLINE) {
		/* the old way: done before it returns, no .prev ever */
		unsetenv("DSTM_COMPACT_INLINE");
		ck_assert(!copying());
		ck_assert_uint_eq(sv.counters[C_COMPACTIONS], 1);
		ck_assert_int_eq(fsize("leases.journal.next"), 0);
		ck_assert_int_eq(fsize("leases.journal"), 0);
		churn(0);
		crash_and_compare(r, n);
		goto out;
	}
	ck_assert(copying());
	ck_assert_int_ge(fsize("leases.journal"), 12000 * JOURNAL_REC_LEN);
	ck_assert_int_eq(fsize("leases.journal.next"), 0);
	/* changes between the slices, on both sides of the position */
	for (unsigned round = 0; copying(); round++) {
		churn(round);
		if (_i == CUT_COPY && round == 1) {
			crash_and_compare(r, n);
			goto out;
		}
		if (_i == CUT_RELOAD && round == 1) {
			struct lease_table nt;
			uint32_t lost = 0;

			table_init(&nt, pool2, 3);
			ck_assert_int_eq(lease_table_migrate(&nt, &sv.leases,
			    &lost), 0);
			lease_table_free(&sv.leases);
			sv.leases = nt;
			r = pool2;
			n = 3;
		}
		store_compact_step(&sv, 0);
		slices++;
		ck_assert_uint_lt(slices, 100);
	}
	ck_assert_uint_ge(slices, 3);
	/* the thread writes; the loop goes on */
	churn(50);
	if (_i == CUT_WRITE) {
		/* a crash right after the join, the changes made while the
		 * thread wrote not compacted yet */
		wait_compacted();
		crash_and_compare(r, n);
		goto out;
	}
	wait_compacted();
	ck_assert_uint_eq(sv.counters[C_COMPACTIONS], 1);
	ck_assert_int_eq(fsize("leases.journal.next"), 0);
	ck_assert_int_gt(fsize("leases.snap"), 0);
	snap_in_order();
	/* the journal holds only what came after the rotation */
	ck_assert_uint_lt(journal_records(sv.journal), 12000);
	churn(51);
	crash_and_compare(r, n);
	/* and once more from that state */
	churn(52);
	crash_and_compare(r, n);
out:
	store_close(&sv);
	lease_table_free(&sv.leases);
}
END_TEST

/* store_close with a copy under way finishes the compaction. */
START_TEST(close_mid_copy)
{
	struct lease_table want;

	srv_open(pool, 2);
	fill();
	store_maybe_compact(&sv);
	ck_assert(copying());
	churn(0);
	table_init(&want, pool, 2);
	ck_assert_int_eq(lease_table_migrate(&want, &sv.leases, NULL), 0);
	store_close(&sv);
	ck_assert_uint_eq(sv.counters[C_COMPACTIONS], 1);
	ck_assert_int_eq(fsize("leases.journal.next"), 0);
	lease_table_free(&sv.leases);
	srv_open(pool, 2);
	tables_equal(&sv.leases, &want);
	ck_assert_uint_eq(journal_get_stats(sv.journal)->journal_records,
	    journal_records(sv.journal));
	store_close(&sv);
	lease_table_free(&sv.leases);
	lease_table_free(&want);
}
END_TEST

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("compaction");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, compact_while_changing, 0, CUT_N);
	tcase_add_test(tc, close_mid_copy);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
