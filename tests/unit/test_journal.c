/* test_journal.c - lease persistence: journal replay, torn and corrupt
 * tails, snapshots, compaction and its crash window. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "server/journal.h"

#define NADDR	32

static char tmproot[64];	/* per run, removed even if a test fails */
static char tmpdir[96];		/* per test */
static unsigned n_fdatasync;
static int fdatasync_errno;

/* Stands in for libc's, so the tests see (and can fail) every sync. */
int
fdatasync(int fd)
{
	n_fdatasync++;
	if (fdatasync_errno) {
		errno = fdatasync_errno;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

struct col {
	struct jrec	*v;
	size_t		 n, cap;
	size_t		 fail_at;	/* 1-based; 0 = never */
	int		 fail_rc;
};

static int
collect(const struct jrec *r, void *arg)
{
	struct col *c = arg;

	if (c->fail_at != 0 && c->n + 1 == c->fail_at)
		return c->fail_rc;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		ck_assert_ptr_nonnull(c->v);
	}
	c->v[c->n++] = *r;
	return 0;
}

static void
col_reset(struct col *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* Record i: touches address i % naddr, every field varies with i. */
static struct jrec
mk(unsigned i, unsigned naddr)
{
	struct jrec r;

	memset(&r, 0, sizeof(r));
	r.addr = 0xc6336400u + i % naddr;
	r.state = (uint8_t)(i % 4);
	for (int k = 0; k < 16; k++)
		r.client.s6_addr[k] = (uint8_t)(i * 7 + (unsigned)k);
	r.since = (int64_t)i * 1000 - 500;
	r.expires = i % 5 ? (int64_t)i * 1000 + 3600 : 0;
	if (i % 3 != 0)		/* some leases have no key */
		for (int k = 0; k < JOURNAL_KEY_LEN; k++)
			r.key[k] = (uint8_t)(i * 13 + (unsigned)k * 3 + 1);
	return r;
}

static bool
jr_eq(const struct jrec *a, const struct jrec *b)
{
	return a->addr == b->addr && a->state == b->state &&
	    memcmp(&a->client, &b->client, sizeof(a->client)) == 0 &&
	    a->since == b->since && a->expires == b->expires &&
	    memcmp(a->key, b->key, sizeof(a->key)) == 0;
}

static const char *
path(const char *sub, const char *name)
{
	static char buf[4][512];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s/%s", tmpdir, sub, name);
	return p;
}

static const char *
dpath(const char *sub)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, sub);
	return buf;
}

static long long
fsize(const char *p)
{
	struct stat st;

	if (stat(p, &st) != 0)
		return -1;
	return (long long)st.st_size;
}

static uint8_t *
slurp(const char *p, size_t *len)
{
	long long n = fsize(p);
	uint8_t *b;
	FILE *f;

	ck_assert_int_ge(n, 0);
	b = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(b);
	f = fopen(p, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void
spit(const char *p, const uint8_t *b, size_t len)
{
	FILE *f = fopen(p, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Number of leases.journal.bad-* files in sub, and their total size. */
static int
bad_files(const char *sub, long long *bytes)
{
	DIR *d = opendir(dpath(sub));
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	*bytes = 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "leases.journal.bad-", 19) != 0)
			continue;
		n++;
		*bytes += fsize(path(sub, e->d_name));
	}
	closedir(d);
	return n;
}

static struct journal *
jopen(const char *sub, bool sync, struct col *c)
{
	struct journal *j = NULL;

	ck_assert_int_eq(journal_open(dpath(sub), sync, collect, c, &j), 0);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* Write records mk(0..n-1) committing every `batch`, then close. */
static void
fill(const char *sub, unsigned n, unsigned naddr, unsigned batch)
{
	struct col c = { 0 };
	struct journal *j = jopen(sub, false, &c);

	for (unsigned i = 0; i < n; i++) {
		struct jrec r = mk(i, naddr);

		ck_assert_int_eq(journal_append(j, &r), 0);
		if ((i + 1) % batch == 0)
			ck_assert_int_eq(journal_commit(j), 0);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	journal_close(j);
	col_reset(&c);
}

/* Append and commit mk(from..to-1) on an open journal. */
static void
fill_open(struct journal *j, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
	}
	ck_assert_int_eq(journal_commit(j), 0);
}

/* The live state as the server keeps it: last writer per address. */
struct model {
	struct jrec	slot[NADDR];
	bool		used[NADDR];
	unsigned	pos;
};

static void
model_apply(struct model *m, const struct jrec *r)
{
	unsigned i = r->addr - 0xc6336400u;

	ck_assert_uint_lt(i, NADDR);
	m->slot[i] = *r;
	m->used[i] = true;
}

static int
model_next(struct jrec *r, void *arg)
{
	struct model *m = arg;

	while (m->pos < NADDR && !m->used[m->pos])
		m->pos++;
	if (m->pos == NADDR)
		return 0;
	*r = m->slot[m->pos++];
	return 1;
}

static void
model_check(const struct model *want, const struct col *c)
{
	struct model got;

	memset(&got, 0, sizeof(got));
	for (size_t i = 0; i < c->n; i++)
		model_apply(&got, &c->v[i]);
	for (unsigned i = 0; i < NADDR; i++) {
		ck_assert_int_eq(got.used[i], want->used[i]);
		if (want->used[i])
			ck_assert(jr_eq(&got.slot[i], &want->slot[i]));
	}
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void
setup_root(void)
{
	snprintf(tmproot, sizeof(tmproot), "/tmp/test_journal.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmproot));
}

static void
teardown_root(void)
{
	nftw(tmproot, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", tmproot);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(round_trip)
{
	struct col c = { 0 };
	struct journal *j;
	const struct journal_stats *st;

	fill("s", 5000, 5000, 7);
	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, 5000);
	for (unsigned i = 0; i < 5000; i++) {
		struct jrec r = mk(i, 5000);

		ck_assert(jr_eq(&c.v[i], &r));
	}
	st = journal_get_stats(j);
	ck_assert_uint_eq(st->journal_records, 5000);
	ck_assert_uint_eq(st->snapshot_records, 0);
	ck_assert_uint_eq(st->dropped_bytes, 0);
	ck_assert_uint_eq(journal_records(j), 5000);
	ck_assert_int_eq((long long)journal_size(j),
	    fsize(path("s", "leases.journal")));
	ck_assert_int_eq(fsize(path("s", "leases.journal")) % 5000, 0);
	journal_close(j);
	col_reset(&c);
}
END_TEST

START_TEST(order_last_writer_wins)
{
	static const unsigned seq[] = { 0, 1, 2, 32, 33, 64, 2, 96, 65 };
	struct col c = { 0 };
	struct model want;
	struct journal *j;
	size_t n = sizeof(seq) / sizeof(seq[0]);

	memset(&want, 0, sizeof(want));
	j = jopen("s", true, &c);
	for (size_t i = 0; i < n; i++) {
		struct jrec r = mk(seq[i], NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	journal_close(j);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(c.n, n);
	for (size_t i = 0; i < n; i++) {
		struct jrec r = mk(seq[i], NADDR);

		ck_assert(jr_eq(&c.v[i], &r));
	}
	model_check(&want, &c);
	/* address 0 was written three times: mk(96) is the one that counts */
	ck_assert_int_eq(want.slot[0].since, 96 * 1000 - 500);
	journal_close(j);
	col_reset(&c);
}
END_TEST

START_TEST(torn_tail)
{
	struct col c = { 0 };
	struct journal *j;
	uint8_t *orig;
	size_t len, rl;
	long long bad;
	char sub[32];

	fill("base", 10, NADDR, 3);
	orig = slurp(path("base", "leases.journal"), &len);
	rl = len / 10;
	ck_assert_uint_eq(len, rl * 10);
	size_t cuts[] = { 1, rl / 2, rl - 1, rl, 4 * rl + 1, 4 * rl + 30,
	    5 * rl, len - 1 };
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		size_t off = cuts[k], keep = off / rl, tail = off % rl;
		struct jrec extra = mk(1000, NADDR);

		snprintf(sub, sizeof(sub), "cut%zu", k);
		ck_assert_int_eq(mkdir(dpath(sub), 0700), 0);
		spit(path(sub, "leases.journal"), orig, off);
		j = jopen(sub, false, &c);
		ck_assert_uint_eq(c.n, keep);
		for (size_t i = 0; i < keep; i++) {
			struct jrec r = mk((unsigned)i, NADDR);

			ck_assert(jr_eq(&c.v[i], &r));
		}
		ck_assert_int_eq(fsize(path(sub, "leases.journal")),
		    (long long)(keep * rl));
		ck_assert_uint_eq(journal_get_stats(j)->dropped_bytes, tail);
		ck_assert_int_eq(bad_files(sub, &bad), tail ? 1 : 0);
		ck_assert_int_eq(bad, (long long)tail);
		/* appends land on a clean record boundary */
		ck_assert_int_eq(journal_append(j, &extra), 0);
		ck_assert_int_eq(journal_commit(j), 0);
		journal_close(j);
		col_reset(&c);
		j = jopen(sub, false, &c);
		ck_assert_uint_eq(c.n, keep + 1);
		ck_assert(jr_eq(&c.v[keep], &extra));
		ck_assert_int_eq(bad_files(sub, &bad), tail ? 1 : 0);
		journal_close(j);
		col_reset(&c);
	}
	free(orig);
}
END_TEST

/* Policy: the first corrupt record ends replay; the records after it are
 * dropped too (saved in the .bad- file), because nothing after a corrupt
 * record can be trusted to be in order. */
START_TEST(flipped_byte_middle)
{
	struct col c = { 0 };
	struct journal *j;
	uint8_t *orig, *bad_bytes;
	size_t len, rl, blen;
	long long bad;
	char sub[32];

	fill("base", 9, NADDR, 9);
	orig = slurp(path("base", "leases.journal"), &len);
	rl = len / 9;
	/* every byte of record 4 is covered by magic, length or CRC */
	for (size_t b = 0; b < rl; b++) {
		size_t at = 4 * rl + b;
		DIR *d;
		struct dirent *e;

		snprintf(sub, sizeof(sub), "flip%zu", b);
		ck_assert_int_eq(mkdir(dpath(sub), 0700), 0);
		orig[at] ^= 0x10;
		spit(path(sub, "leases.journal"), orig, len);
		j = jopen(sub, false, &c);
		ck_assert_uint_eq(c.n, 4);
		for (size_t i = 0; i < 4; i++) {
			struct jrec r = mk((unsigned)i, NADDR);

			ck_assert(jr_eq(&c.v[i], &r));
		}
		ck_assert_int_eq(fsize(path(sub, "leases.journal")),
		    (long long)(4 * rl));
		ck_assert_uint_eq(journal_get_stats(j)->dropped_bytes, 5 * rl);
		ck_assert_int_eq(bad_files(sub, &bad), 1);
		ck_assert_int_eq(bad, (long long)(5 * rl));
		d = opendir(dpath(sub));
		while ((e = readdir(d)) != NULL)
			if (strncmp(e->d_name, "leases.journal.bad-", 19) == 0)
				break;
		ck_assert_ptr_nonnull(e);
		bad_bytes = slurp(path(sub, e->d_name), &blen);
		closedir(d);
		ck_assert_mem_eq(bad_bytes, orig + 4 * rl, 5 * rl);
		free(bad_bytes);
		orig[at] ^= 0x10;
		journal_close(j);
		col_reset(&c);
	}
	free(orig);
}
END_TEST

START_TEST(seq_not_increasing)
{
	struct col c = { 0 };
	struct journal *j;
	uint8_t *orig, *b;
	size_t len, rl;
	long long bad;

	fill("s", 5, NADDR, 5);
	orig = slurp(path("s", "leases.journal"), &len);
	rl = len / 5;
	/* a valid record replayed out of order, as a bad copy would leave */
	b = malloc(len + rl);
	ck_assert_ptr_nonnull(b);
	memcpy(b, orig, len);
	memcpy(b + len, orig + rl, rl);
	spit(path("s", "leases.journal"), b, len + rl);
	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_int_eq(bad_files("s", &bad), 1);
	ck_assert_int_eq(bad, (long long)rl);
	ck_assert_int_eq(fsize(path("s", "leases.journal")), (long long)len);
	journal_close(j);
	col_reset(&c);
	/* again, likely within the same second: a second file, not lost */
	spit(path("s", "leases.journal"), b, len + rl);
	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, 5);
	ck_assert_int_eq(bad_files("s", &bad), 2);
	ck_assert_int_eq(bad, 2 * (long long)rl);
	journal_close(j);
	col_reset(&c);
	free(orig);
	free(b);
}
END_TEST

START_TEST(compact_append_reopen)
{
	struct col c = { 0 };
	struct model want;
	struct journal *j;
	const struct journal_stats *st;
	long long bad;
	unsigned i;

	memset(&want, 0, sizeof(want));
	j = jopen("s", true, &c);
	for (i = 0; i < 300; i++) {
		struct jrec r = mk(i * 13 % 301, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
		if (i % 10 == 9)
			ck_assert_int_eq(journal_commit(j), 0);
	}
	ck_assert_uint_eq(journal_records(j), 300);
	/* the last 10 are still buffered: compaction must keep them too */
	want.pos = 0;
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	ck_assert_uint_eq(journal_records(j), 0);
	ck_assert_uint_eq(journal_size(j), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal")), 0);
	ck_assert_int_eq(fsize(path("s", "leases.snap.tmp")), -1);
	ck_assert_int_gt(fsize(path("s", "leases.snap")), 0);
	for (; i < 350; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	ck_assert_uint_eq(journal_records(j), 50);
	ck_assert_uint_eq(journal_get_stats(j)->compactions, 1);
	journal_close(j);

	j = jopen("s", true, &c);
	st = journal_get_stats(j);
	ck_assert_uint_eq(st->snapshot_records, NADDR);
	ck_assert_uint_eq(st->journal_records, 50);
	ck_assert_uint_eq(c.n, NADDR + 50);
	model_check(&want, &c);
	/* a second compaction over the reloaded state, then reopen */
	want.pos = 0;
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	journal_close(j);
	col_reset(&c);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(c.n, NADDR);
	ck_assert_uint_eq(journal_get_stats(j)->journal_records, 0);
	model_check(&want, &c);
	ck_assert_int_eq(bad_files("s", &bad), 0);
	journal_close(j);
	col_reset(&c);
}
END_TEST

/* The journal still holds what the snapshot covers, as after a crash
 * between the rename and the truncate. */
START_TEST(crash_after_rename)
{
	struct col c = { 0 };
	struct model want;
	struct journal *j;
	uint8_t *old;
	size_t len;
	long long bad;

	memset(&want, 0, sizeof(want));
	j = jopen("s", false, &c);
	for (unsigned i = 0; i < 100; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	old = slurp(path("s", "leases.journal"), &len);
	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	journal_close(j);
	spit(path("s", "leases.journal"), old, len);

	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, NADDR);		/* snapshot only, no dups */
	ck_assert_uint_eq(journal_get_stats(j)->journal_records, 0);
	ck_assert_uint_eq(journal_get_stats(j)->dropped_bytes, 0);
	ck_assert_uint_eq(journal_records(j), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal")), 0);
	model_check(&want, &c);
	for (unsigned i = 100; i < 110; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	journal_close(j);
	col_reset(&c);

	/* stale records, then newer ones after them (the cut failed) */
	{
		uint8_t *cur, *b;
		size_t clen;

		cur = slurp(path("s", "leases.journal"), &clen);
		b = malloc(len + clen);
		ck_assert_ptr_nonnull(b);
		memcpy(b, old, len);
		memcpy(b + len, cur, clen);
		spit(path("s", "leases.journal"), b, len + clen);
		free(cur);
		free(b);
	}
	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, NADDR + 10);
	ck_assert_uint_eq(journal_get_stats(j)->journal_records, 10);
	model_check(&want, &c);
	ck_assert_int_eq(bad_files("s", &bad), 0);
	journal_close(j);
	col_reset(&c);
	free(old);
}
END_TEST

START_TEST(empty_dir)
{
	struct col c = { 0 };
	struct model none;
	struct journal *j;
	struct stat st;

	memset(&none, 0, sizeof(none));
	j = jopen("a/b/state", true, &c);
	ck_assert_int_eq(stat(dpath("a/b/state"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(fsize(path("a/b/state", "leases.journal")), 0);
	ck_assert_int_eq(fsize(path("a/b/state", "leases.snap")), -1);
	ck_assert_uint_eq(journal_size(j), 0);
	ck_assert_uint_eq(journal_records(j), 0);
	ck_assert_int_eq(journal_commit(j), 0);
	ck_assert_uint_eq(journal_get_stats(j)->syncs, 0);
	ck_assert_int_eq(journal_compact(j, model_next, &none), 0);
	ck_assert_int_gt(fsize(path("a/b/state", "leases.snap")), 0);
	journal_close(j);
	j = jopen("a/b/state", true, &c);
	ck_assert_uint_eq(c.n, 0);
	journal_close(j);
	ck_assert_int_eq(journal_open("", true, collect, &c, &j), -ENOENT);
	ck_assert_ptr_null(j);
}
END_TEST

START_TEST(corrupt_snapshot)
{
	struct col c = { 0 };
	struct model want;
	struct journal *j;
	uint8_t *good, *b;
	size_t len;

	memset(&want, 0, sizeof(want));
	j = jopen("s", false, &c);
	for (unsigned i = 0; i < 40; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
	}
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	journal_close(j);
	good = slurp(path("s", "leases.snap"), &len);
	b = malloc(len + 1);
	ck_assert_ptr_nonnull(b);

	/* flip: header magic, seq, count, header CRC, a record, trailer */
	size_t flips[] = { 0, 9, 17, 30, 32 + 3 * JOURNAL_REC_LEN + 25,
	    32 + 3 * JOURNAL_REC_LEN + 60, len - 8, len - 1 };
	for (size_t k = 0; k < sizeof(flips) / sizeof(flips[0]) + 3; k++) {
		size_t blen = len;

		memcpy(b, good, len);
		if (k < sizeof(flips) / sizeof(flips[0]))
			b[flips[k]] ^= 0x01;
		else if (k == sizeof(flips) / sizeof(flips[0]))
			blen = len - 1;		/* truncated */
		else if (k == sizeof(flips) / sizeof(flips[0]) + 1)
			b[blen++] = 0;		/* trailing garbage */
		else
			blen = 32 + JOURNAL_REC_LEN;	/* one record */
		spit(path("s", "leases.snap"), b, blen);
		j = (struct journal *)&c;	/* open must reset it */
		ck_assert_int_eq(journal_open(dpath("s"), false, collect, &c,
		    &j), -EBADMSG);
		ck_assert_ptr_null(j);
		ck_assert_uint_eq(c.n, 0);	/* nothing half-loaded */
		ck_assert_int_eq(fsize(path("s", "leases.snap")),
		    (long long)blen);
	}
	spit(path("s", "leases.snap"), good, len);
	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, NADDR);
	model_check(&want, &c);
	journal_close(j);
	col_reset(&c);
	free(good);
	free(b);
}
END_TEST

/* A version 1 record (older servers: no key), made by hand. */
static size_t
put_v1(uint8_t *p, uint64_t seq, const struct jrec *r)
{
	memset(p, 0, JOURNAL_REC_V1_LEN);
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(0x4c4a5344u >> (8 * i));
	p[4] = 1;
	p[6] = JOURNAL_REC_V1_LEN;
	for (int i = 0; i < 8; i++) {
		p[8 + i] = (uint8_t)(seq >> (8 * i));
		p[40 + i] = (uint8_t)((uint64_t)r->since >> (8 * i));
		p[48 + i] = (uint8_t)((uint64_t)r->expires >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		p[16 + i] = (uint8_t)(r->addr >> (8 * i));
	p[20] = r->state;
	memcpy(p + 24, &r->client, 16);
	uint32_t crc = crc32c(0, p, JOURNAL_REC_V1_LEN - 4);
	for (int i = 0; i < 4; i++)
		p[56 + i] = (uint8_t)(crc >> (8 * i));
	return JOURNAL_REC_V1_LEN;
}

/* Upgrade: a journal of version 1 records, then version 2 records
 * appended by this server, replays whole (keys zero for the old ones),
 * and so does a version 1 snapshot. */
START_TEST(version1_records)
{
	struct col c = { 0 };
	struct journal *j;
	struct model want;
	uint8_t buf[10 * JOURNAL_REC_V1_LEN], snap[32 + 4 * 60 + 8];
	size_t n = 0;

	memset(&want, 0, sizeof(want));
	ck_assert_int_eq(mkdir(dpath("u"), 0700), 0);
	for (unsigned i = 0; i < 10; i++) {
		struct jrec r = mk(i, NADDR);

		memset(r.key, 0, sizeof(r.key));
		n += put_v1(buf + n, i + 1, &r);
		model_apply(&want, &r);
	}
	spit(path("u", "leases.journal"), buf, n);
	j = jopen("u", false, &c);
	ck_assert_uint_eq(c.n, 10);
	model_check(&want, &c);
	for (unsigned i = 10; i < 15; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	journal_close(j);
	ck_assert_int_eq(fsize(path("u", "leases.journal")),
	    (long long)(n + 5 * JOURNAL_REC_LEN));
	col_reset(&c);
	j = jopen("u", false, &c);
	ck_assert_uint_eq(c.n, 15);
	model_check(&want, &c);
	ck_assert_uint_eq(journal_get_stats(j)->dropped_bytes, 0);
	journal_close(j);
	col_reset(&c);

	/* a version 1 snapshot of 4 records at seq 7 */
	uint32_t crc = 0, hcrc;

	memset(snap, 0, sizeof(snap));
	memcpy(snap, "DSNP", 4);
	snap[4] = 1;
	snap[6] = 32;
	snap[8] = 7;
	snap[16] = 4;
	hcrc = crc32c(0, snap, 28);
	for (int i = 0; i < 4; i++)
		snap[28 + i] = (uint8_t)(hcrc >> (8 * i));
	memset(&want, 0, sizeof(want));
	for (unsigned i = 0; i < 4; i++) {
		struct jrec r = mk(i, NADDR);

		memset(r.key, 0, sizeof(r.key));
		put_v1(snap + 32 + i * 60, 7, &r);
		model_apply(&want, &r);
	}
	crc = crc32c(0, snap + 32, 4 * 60);
	memcpy(snap + 32 + 4 * 60, "DSNE", 4);
	for (int i = 0; i < 4; i++)
		snap[32 + 4 * 60 + 4 + i] = (uint8_t)(crc >> (8 * i));
	ck_assert_int_eq(mkdir(dpath("v"), 0700), 0);
	spit(path("v", "leases.snap"), snap, sizeof(snap));
	j = jopen("v", false, &c);
	ck_assert_uint_eq(c.n, 4);
	model_check(&want, &c);
	journal_close(j);
	col_reset(&c);
}
END_TEST

START_TEST(callback_error_aborts)
{
	struct col c = { 0 };
	struct model want;
	struct journal *j = NULL;

	memset(&want, 0, sizeof(want));
	fill("s", 10, NADDR, 10);
	c.fail_at = 4;
	c.fail_rc = -ENOSPC;
	ck_assert_int_eq(journal_open(dpath("s"), false, collect, &c, &j),
	    -ENOSPC);
	ck_assert_ptr_null(j);
	ck_assert_uint_eq(c.n, 3);
	col_reset(&c);

	/* the same from a snapshot record */
	j = jopen("s", false, &c);
	for (size_t i = 0; i < c.n; i++)
		model_apply(&want, &c.v[i]);
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	journal_close(j);
	col_reset(&c);
	c.fail_at = 2;
	c.fail_rc = -EINVAL;
	ck_assert_int_eq(journal_open(dpath("s"), false, collect, &c, &j),
	    -EINVAL);
	ck_assert_ptr_null(j);
	col_reset(&c);
}
END_TEST

/* A commit that hits a write error leaves the file on a record boundary
 * and keeps the records for the next commit. */
START_TEST(write_error_then_retry)
{
	struct col c = { 0 };
	struct journal *j;
	struct rlimit old, lim;
	long long size;

	signal(SIGXFSZ, SIG_IGN);
	j = jopen("s", true, &c);
	for (unsigned i = 0; i < 3; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	size = fsize(path("s", "leases.journal"));
	for (unsigned i = 3; i < 8; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
	}
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)size + 100;	/* a short write, then EFBIG */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ck_assert_int_eq(journal_commit(j), -EFBIG);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal")), size);
	ck_assert_int_eq((long long)journal_size(j), size);
	ck_assert_int_eq(journal_commit(j), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal")), size / 3 * 8);
	journal_close(j);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(c.n, 8);
	for (unsigned i = 0; i < 8; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert(jr_eq(&c.v[i], &r));
	}
	ck_assert_uint_eq(journal_get_stats(j)->dropped_bytes, 0);
	journal_close(j);
	col_reset(&c);
}
END_TEST

/* A failed fdatasync: the commit is not durable, so it is undone and the
 * records stay buffered for the next commit. */
START_TEST(sync_error_then_retry)
{
	struct col c = { 0 };
	struct journal *j;
	long long size;

	j = jopen("s", true, &c);
	fill_open(j, 0, 3);
	size = fsize(path("s", "leases.journal"));
	for (unsigned i = 3; i < 8; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
	}
	fdatasync_errno = EIO;
	ck_assert_int_eq(journal_commit(j), -EIO);
	fdatasync_errno = 0;
	ck_assert_int_eq(fsize(path("s", "leases.journal")), size);
	n_fdatasync = 0;
	ck_assert_int_eq(journal_commit(j), 0);
	ck_assert_uint_eq(n_fdatasync, 1);
	journal_close(j);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(c.n, 8);
	for (unsigned i = 0; i < 8; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert(jr_eq(&c.v[i], &r));
	}
	journal_close(j);
	col_reset(&c);
}
END_TEST

static int
iter_fails(struct jrec *r, void *arg)
{
	unsigned *n = arg;

	if (*n == 5)
		return -EIO;
	*r = mk((*n)++, NADDR);
	return 1;
}

/* A compaction that fails half way leaves the old snapshot and journal. */
START_TEST(compact_error)
{
	struct col c = { 0 };
	struct model want;
	struct journal *j;
	unsigned n = 0;
	long long bad;
	uint8_t *snap, *now;
	size_t slen, nlen;

	memset(&want, 0, sizeof(want));
	for (unsigned i = 0; i < 10; i++) {
		struct jrec r = mk(i, NADDR);

		model_apply(&want, &r);
	}
	j = jopen("s", false, &c);
	fill_open(j, 0, 10);
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	for (unsigned i = 10; i < 14; i++) {
		struct jrec r = mk(i, NADDR);

		model_apply(&want, &r);
	}
	snap = slurp(path("s", "leases.snap"), &slen);
	fill_open(j, 10, 12);
	ck_assert_int_eq(journal_compact(j, iter_fails, &n), -EIO);
	ck_assert_int_eq(fsize(path("s", "leases.snap.tmp")), -1);
	now = slurp(path("s", "leases.snap"), &nlen);
	ck_assert_uint_eq(nlen, slen);
	ck_assert_mem_eq(now, snap, slen);
	ck_assert_uint_eq(journal_records(j), 2);
	fill_open(j, 12, 14);
	journal_close(j);
	j = jopen("s", false, &c);
	ck_assert_uint_eq(c.n, 14);
	ck_assert_uint_eq(journal_get_stats(j)->journal_records, 4);
	ck_assert_int_eq(bad_files("s", &bad), 0);
	model_check(&want, &c);
	journal_close(j);
	col_reset(&c);
	free(snap);
	free(now);
}
END_TEST

/* Compaction off the loop, cut at each step (as a kill -9 would leave
 * the files; journal_close drops nothing committed):
 *   0 right after journal_rotate      1 + a tail appended and committed
 *   2 + a half-written leases.snap.tmp
 *   3 + the snapshot renamed, .next not yet renamed over the journal
 *   4 + .next renamed, no new .next made yet
 *   5 journal_snapshot done, journal_rotate_done not called
 *   6 all done, more records after
 * The snapshot is fuzzy, as the server's copy is: the model as it was
 * half way through the tail, not at the rotation's seq.  Every reopen
 * must give the last state of each address. */
enum { CUT_ROTATED, CUT_TAIL, CUT_TMP, CUT_SNAP_RENAMED, CUT_NEXT_RENAMED,
	CUT_SNAPPED, CUT_DONE, CUT_N };

START_TEST(rotate_crash)
{
	struct col c = { 0 };
	struct model want, fuzzy;
	struct journal *j;
	uint64_t seq = 0;
	uint8_t *old = NULL, *tail = NULL;
	size_t olen = 0, tlen = 0;
	long long bad;
	int cut = _i;
	bool pending;

	memset(&want, 0, sizeof(want));
	for (unsigned i = 0; i < 100; i++) {
		struct jrec r = mk(i, NADDR);

		model_apply(&want, &r);
	}
	j = jopen("s", true, &c);
	ck_assert(journal_can_rotate(j));
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")), 0);
	fill_open(j, 0, 100);
	ck_assert_int_eq(journal_rotate(j, &seq), 0);
	ck_assert_uint_eq(seq, 100);
	ck_assert(!journal_can_rotate(j));
	ck_assert_int_eq(journal_rotate(j, &seq), -EBUSY);
	ck_assert_uint_eq(journal_records(j), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal")),
	    100 * JOURNAL_REC_LEN);
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")), 0);
	if (cut == CUT_ROTATED) {
		journal_close(j);
		goto reopen;
	}
	/* the tail: half of it before the fuzzy copy, half after */
	for (unsigned i = 100; i < 140; i++) {
		struct jrec r = mk(i * 7, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		model_apply(&want, &r);
		if (i == 119)
			fuzzy = want;
	}
	ck_assert_int_eq(journal_commit(j), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")),
	    40 * JOURNAL_REC_LEN);
	if (cut == CUT_TAIL) {
		journal_close(j);
		goto reopen;
	}
	if (cut == CUT_TMP) {
		spit(path("s", "leases.snap.tmp"), (const uint8_t *)"DSNP", 4);
		journal_close(j);
		goto reopen;
	}
	old = slurp(path("s", "leases.journal"), &olen);
	tail = slurp(path("s", "leases.journal.next"), &tlen);
	fuzzy.pos = 0;
	ck_assert_int_eq(journal_snapshot(j, seq, model_next, &fuzzy), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal")),
	    40 * JOURNAL_REC_LEN);
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")), 0);
	ck_assert_int_eq(fsize(path("s", "leases.snap.tmp")), -1);
	if (cut == CUT_SNAP_RENAMED) {
		journal_close(j);
		spit(path("s", "leases.journal"), old, olen);
		spit(path("s", "leases.journal.next"), tail, tlen);
		goto reopen;
	}
	if (cut == CUT_NEXT_RENAMED) {
		journal_close(j);
		ck_assert_int_eq(unlink(path("s", "leases.journal.next")), 0);
		goto reopen;
	}
	if (cut == CUT_SNAPPED) {
		journal_close(j);
		goto reopen;
	}
	journal_rotate_done(j, 0);
	ck_assert(journal_can_rotate(j));
	ck_assert_uint_eq(journal_get_stats(j)->compactions, 1);
	ck_assert_uint_eq(journal_records(j), 40);
	fill_open(j, 140, 150);
	for (unsigned i = 140; i < 150; i++) {
		struct jrec r = mk(i, NADDR);

		model_apply(&want, &r);
	}
	ck_assert_int_eq(fsize(path("s", "leases.journal")),
	    50 * JOURNAL_REC_LEN);
	journal_close(j);
reopen:
	j = jopen("s", true, &c);
	model_check(&want, &c);
	ck_assert_int_eq(fsize(path("s", "leases.snap.tmp")), -1);
	ck_assert_int_eq(bad_files("s", &bad), 0);
	/* .next holding records: the rotation is finished inline */
	pending = cut == CUT_TAIL || cut == CUT_TMP || cut == CUT_SNAP_RENAMED;
	ck_assert_int_eq(journal_can_rotate(j), !pending);
	if (pending) {
		ck_assert_int_eq(journal_rotate(j, &seq), -EBUSY);
		want.pos = 0;
		ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
		ck_assert(journal_can_rotate(j));
		ck_assert_int_eq(fsize(path("s", "leases.journal")), 0);
		journal_close(j);
		col_reset(&c);
		j = jopen("s", true, &c);
		ck_assert_uint_eq(journal_get_stats(j)->journal_records, 0);
		model_check(&want, &c);
	}
	ck_assert(journal_can_rotate(j));
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")), 0);
	if (cut >= CUT_NEXT_RENAMED)
		/* the snapshot plus the tail, nothing of the old journal */
		ck_assert_uint_eq(journal_get_stats(j)->journal_records,
		    cut == CUT_DONE ? 50 : 40);
	/* and a second rotation works from here */
	ck_assert_int_eq(journal_rotate(j, &seq), 0);
	want.pos = 0;
	ck_assert_int_eq(journal_snapshot(j, seq, model_next, &want), 0);
	journal_rotate_done(j, 0);
	journal_close(j);
	col_reset(&c);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(journal_get_stats(j)->journal_records, 0);
	model_check(&want, &c);
	journal_close(j);
	col_reset(&c);
	free(old);
	free(tail);
}
END_TEST

/* The thread failed (no snapshot): both files stay, their records count
 * for the next compaction, which runs inline and ends the rotation. */
START_TEST(rotate_failed_then_inline)
{
	struct col c = { 0 };
	struct model want;
	struct journal *j;
	uint64_t seq;

	memset(&want, 0, sizeof(want));
	for (unsigned i = 0; i < 30; i++) {
		struct jrec r = mk(i, NADDR);

		model_apply(&want, &r);
	}
	j = jopen("s", true, &c);
	fill_open(j, 0, 20);
	ck_assert_int_eq(journal_rotate(j, &seq), 0);
	fill_open(j, 20, 30);
	journal_rotate_done(j, -EIO);
	ck_assert(!journal_can_rotate(j));
	ck_assert_uint_eq(journal_records(j), 30);
	ck_assert_uint_eq(journal_get_stats(j)->compactions, 0);
	want.pos = 0;
	ck_assert_int_eq(journal_compact(j, model_next, &want), 0);
	ck_assert(journal_can_rotate(j));
	ck_assert_int_eq(fsize(path("s", "leases.journal")), 0);
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")), 0);
	fill_open(j, 30, 35);
	for (unsigned i = 30; i < 35; i++) {
		struct jrec r = mk(i, NADDR);

		model_apply(&want, &r);
	}
	journal_close(j);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(journal_get_stats(j)->journal_records, 5);
	model_check(&want, &c);
	journal_close(j);
	col_reset(&c);
}
END_TEST

/* A flaw in leases.journal while .next holds records: the journal is cut
 * there, and all of .next after it (saved aside, never dropped unsaved). */
START_TEST(rotate_corrupt_journal)
{
	struct col c = { 0 };
	struct journal *j;
	uint8_t *b;
	size_t len;
	uint64_t seq;
	long long bad;

	j = jopen("s", true, &c);
	fill_open(j, 0, 20);
	ck_assert_int_eq(journal_rotate(j, &seq), 0);
	fill_open(j, 20, 30);
	journal_close(j);
	b = slurp(path("s", "leases.journal"), &len);
	b[10 * JOURNAL_REC_LEN + 30] ^= 0x40;
	spit(path("s", "leases.journal"), b, len);
	j = jopen("s", true, &c);
	ck_assert_uint_eq(c.n, 10);
	ck_assert_int_eq(bad_files("s", &bad), 2);
	ck_assert_int_eq(bad, 20 * JOURNAL_REC_LEN);
	ck_assert_int_eq(fsize(path("s", "leases.journal.next")), 0);
	ck_assert(journal_can_rotate(j));
	journal_close(j);
	col_reset(&c);
	free(b);
}
END_TEST

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Both modes replay the same; sync on costs one fdatasync per commit.
 * JOURNAL_BENCH_N sets the record count (default 10000). */
START_TEST(sync_on_off)
{
	const char *env = getenv("JOURNAL_BENCH_N");
	unsigned n = env ? (unsigned)strtoul(env, NULL, 10) : 10000;
	bool sync = _i == 1;
	struct col c = { 0 };
	struct journal *j;
	double t0, t1;

	j = jopen(sync ? "on" : "off", sync, &c);
	n_fdatasync = 0;
	t0 = now_us();
	for (unsigned i = 0; i < n; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		ck_assert_int_eq(journal_commit(j), 0);
	}
	t1 = now_us();
	ck_assert_uint_eq(journal_get_stats(j)->syncs, sync ? n : 0);
	ck_assert_uint_eq(n_fdatasync, sync ? n : 0);
	ck_assert_uint_eq(journal_get_stats(j)->appended, n);
	fprintf(stderr, "journal: sync %s: %u x (append+commit): "
	    "%.1f us each\n", sync ? "on " : "off", n, (t1 - t0) / n);
	/* group commit: 100 appends, one commit */
	t0 = now_us();
	for (unsigned i = 0; i < n; i++) {
		struct jrec r = mk(i, NADDR);

		ck_assert_int_eq(journal_append(j, &r), 0);
		if (i % 100 == 99)
			ck_assert_int_eq(journal_commit(j), 0);
	}
	ck_assert_int_eq(journal_commit(j), 0);
	t1 = now_us();
	fprintf(stderr, "journal: sync %s: %u appends, commit per 100: "
	    "%.2f us per record\n", sync ? "on " : "off", n, (t1 - t0) / n);
	journal_close(j);
	j = jopen(sync ? "on" : "off", sync, &c);
	ck_assert_uint_eq(c.n, 2 * (size_t)n);
	journal_close(j);
	col_reset(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");
	TCase *tb = tcase_create("sync");
	SRunner *sr;
	int nf;

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup_root, teardown_root);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, order_last_writer_wins);
	tcase_add_test(tc, torn_tail);
	tcase_add_test(tc, flipped_byte_middle);
	tcase_add_test(tc, seq_not_increasing);
	tcase_add_test(tc, compact_append_reopen);
	tcase_add_test(tc, crash_after_rename);
	tcase_add_test(tc, empty_dir);
	tcase_add_test(tc, corrupt_snapshot);
	tcase_add_test(tc, callback_error_aborts);
	tcase_add_test(tc, version1_records);
	tcase_add_test(tc, write_error_then_retry);
	tcase_add_test(tc, sync_error_then_retry);
	tcase_add_test(tc, compact_error);
	tcase_add_loop_test(tc, rotate_crash, 0, CUT_N);
	tcase_add_test(tc, rotate_failed_then_inline);
	tcase_add_test(tc, rotate_corrupt_journal);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(tb, setup_root, teardown_root);
	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_set_timeout(tb, 300);
	tcase_add_loop_test(tb, sync_on_off, 0, 2);
	suite_add_tcase(s, tb);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
