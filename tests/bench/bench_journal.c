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
 * usage: bench_journal DIR      prints one JSON line
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

int
main(int argc, char **argv)
{
	struct recs rs = { NULL, 0, 0, 0 };
	struct journal *j;
	long long jsize, ssize;
	size_t live = 0, reread = 0, records;
	int64_t t0, t_replay, t_compact, t_reopen;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_journal DIR\n");
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
