/* bench_journal.c - time the lease journal's own work on a real state
 * directory left by rpcdstmd (production code, libserver.a):
 *   replay   journal_open: read, check (CRC-32C, sequence) and hand over
 *            every record of snapshot + journal
 *   compact  journal_compact: write the live records to a new snapshot,
 *            fsync, rename, empty the journal (what the server does when
 *            the journal reaches 4x the live state)
 *   reopen   journal_open again, now from the snapshot
 * The directory is changed (compacted): give it a copy.
 *
 * With -w it writes a state instead (compaction.sh): LEASES bound leases
 * (100.64.0.0 + i, client 2001:db8:aa::/64 + i, a key each, expiring in a
 * day) in a new journal, then renewals of them in turn (expiry one second
 * later each pass, so replay appends at the list's tail) up to RECORDS
 * records: the state a server with LEASES leases has just before its
 * journal reaches RECORDS records.
 *
 * usage: bench_journal DIR                      prints one JSON line
 *        bench_journal -w DIR LEASES RECORDS    prints one JSON line
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "server/journal.h"

struct item {
	struct jrec	r;
	size_t		order;		/* replay order */
};

struct recs {
	struct item	*v;
	size_t		 n, cap, pos;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long long
file_size(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static int
collect(const struct jrec *r, void *arg)
{
	struct recs *rs = arg;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 65536;
		struct item *v = reallocarray(rs->v, cap, sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n].r = *r;
	rs->v[rs->n].order = rs->n;
	rs->n++;
	return 0;
}

static int
count_only(const struct jrec *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
	return 0;
}

/* by address, then replay order (the last one wins) */
static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->r.addr != y->r.addr)
		return x->r.addr < y->r.addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
next_live(struct jrec *r, void *arg)
{
	struct recs *rs = arg;

	if (rs->pos >= rs->n)
		return 0;
	*r = rs->v[rs->pos++].r;
	return 1;
}

static int
write_state(const char *dir, uint32_t leases, uint64_t records)
{
	struct journal *j;
	int64_t t0 = now_ns(), base = (int64_t)time(NULL);
	size_t none = 0;
	int rc;

	/* synced: dirty pages left behind would be flushed by the server's
	 * first fsync, inside the step */
	if ((rc = journal_open(dir, true, count_only, &none, &j)) != 0) {
		fprintf(stderr, "bench_journal: open %s: %s\n", dir,
		    strerror(-rc));
		return 1;
	}
	if (none != 0) {
		fprintf(stderr, "bench_journal: %s is not empty\n", dir);
		journal_close(j);
		return 1;
	}
	for (uint64_t n = 0; n < records; n++) {
		uint32_t i = (uint32_t)(n % leases);
		struct jrec r;

		memset(&r, 0, sizeof(r));
		r.addr = 0x64400000u + i;	/* 100.64.0.0 + i */
		r.state = 1;			/* LEASE_BOUND */
		r.client.s6_addr[0] = 0x20;
		r.client.s6_addr[1] = 0x01;
		r.client.s6_addr[2] = 0x0d;
		r.client.s6_addr[3] = 0xb8;
		r.client.s6_addr[5] = 0xaa;
		r.client.s6_addr[12] = (uint8_t)(i >> 24);
		r.client.s6_addr[13] = (uint8_t)(i >> 16);
		r.client.s6_addr[14] = (uint8_t)(i >> 8);
		r.client.s6_addr[15] = (uint8_t)i;
		for (int k = 0; k < JOURNAL_KEY_LEN; k++)
			r.key[k] = (uint8_t)(i * 29 + (uint32_t)k + 1);
		r.since = base;
		r.expires = base + 86400 + (int64_t)(n / leases);
		if ((rc = journal_append(j, &r)) != 0 ||
		    (n % 65536 == 65535 && (rc = journal_commit(j)) != 0))
			break;
	}
	if (rc == 0)
		rc = journal_commit(j);
	journal_close(j);
	if (rc != 0) {
		fprintf(stderr, "bench_journal: write: %s\n", strerror(-rc));
		return 1;
	}
	printf("{\"leases\":%u,\"records\":%llu,\"journal_bytes\":%lld,"
	    "\"write_ms\":%.0f}\n", leases, (unsigned long long)records,
	    file_size(dir, "leases.journal"), (now_ns() - t0) / 1e6);
	return 0;
}

int
main(int argc, char **argv)
{
	struct recs rs = { NULL, 0, 0, 0 };
	struct journal *j;
	long long jsize, ssize;
	size_t live = 0, reread = 0, records;
	int64_t t0, t_replay, t_compact, t_reopen;
	int rc;

	if (argc == 5 && strcmp(argv[1], "-w") == 0) {
		unsigned long l = strtoul(argv[3], NULL, 10);
		unsigned long long r = strtoull(argv[4], NULL, 10);

		if (l == 0 || l > 1u << 24 || r < l) {
			fprintf(stderr, "bench_journal: bad LEASES/RECORDS\n");
			return 2;
		}
		return write_state(argv[2], (uint32_t)l, r);
	}
	if (argc != 2) {
		fprintf(stderr, "usage: bench_journal DIR\n"
		    "       bench_journal -w DIR LEASES RECORDS\n");
		return 2;
	}
	jsize = file_size(argv[1], "leases.journal");
	ssize = file_size(argv[1], "leases.snap");

	t0 = now_ns();
	if ((rc = journal_open(argv[1], true, collect, &rs, &j)) != 0) {
		fprintf(stderr, "bench_journal: open: %s\n", strerror(-rc));
		return 1;
	}
	t_replay = now_ns() - t0;

	/* the live state: the last record of each address */
	records = rs.n;
	qsort(rs.v, rs.n, sizeof(*rs.v), cmp_item);
	for (size_t i = 0; i < rs.n; i++)
		if (i + 1 == rs.n || rs.v[i + 1].r.addr != rs.v[i].r.addr)
			rs.v[live++] = rs.v[i];
	rs.n = live;

	t0 = now_ns();
	if ((rc = journal_compact(j, next_live, &rs)) != 0) {
		fprintf(stderr, "bench_journal: compact: %s\n", strerror(-rc));
		return 1;
	}
	t_compact = now_ns() - t0;
	journal_close(j);

	t0 = now_ns();
	if ((rc = journal_open(argv[1], true, count_only, &reread, &j)) != 0) {
		fprintf(stderr, "bench_journal: reopen: %s\n", strerror(-rc));
		return 1;
	}
	t_reopen = now_ns() - t0;
	journal_close(j);

	printf("{\"journal_bytes\":%lld,\"snapshot_bytes_before\":%lld,"
	    "\"records\":%zu,\"live\":%zu,\"replay_ms\":%.2f,"
	    "\"compact_ms\":%.2f,\"snapshot_bytes\":%lld,"
	    "\"reopen_ms\":%.2f,\"reopen_records\":%zu}\n",
	    jsize, ssize, records, live,
	    t_replay / 1e6, t_compact / 1e6,
	    file_size(argv[1], "leases.snap"), t_reopen / 1e6, reread);
	free(rs.v);
	return 0;
}
