/* store.c - the lease table's persistence through the journal: every
 * change is recorded as the full new state of one address, replayed in
 * order on start; compaction snapshots the live slots in list order.
 *
 * Compaction runs beside the event loop.  Copying the slot array at once
 * would stop the loop too long (64 MB at 1M addresses: 15 ms into a warm
 * buffer, 57 ms into a fresh one, measured), so:
 *   1. the loop commits and rotates the journal (journal_rotate): the
 *      snapshot will carry seq S, the last record of the old journal;
 *   2. each round copies the live slots of the next addresses, in address
 *      order, for at most COPY_BUDGET_US (the loop does not sleep while a
 *      copy is pending: store_timeout);
 *   3. a thread sorts the copy into list order and writes the snapshot
 *      (journal_snapshot), while the loop appends to the new journal;
 *   4. the loop joins it (journal_rotate_done).
 * The copy is fuzzy, as a ZooKeeper snapshot is: an address copied after
 * a change holds that change, which is also in the new journal with a seq
 * above S.  Records are the full state of one address, so replaying every
 * record above S over the snapshot, in order, ends at each address's last
 * state whichever version the copy caught.  Positions are addresses, not
 * slot indices, so a reload that replaces the table mid-copy neither
 * skips an address nor copies one twice.  A rotation left unfinished
 * (the thread failed, or a crash: found at start) is finished by an inline
 * compaction (journal_compact), as is every compaction with
 * DSTM_COMPACT_INLINE=1 in the environment (the old way, kept for make
 * bench to compare).  The loop makes no system call for it but the
 * thread's creation and join; the thread frees the copy. */
#include "server/server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/journal.h"

#define COPY_SLICE	4096	/* addresses between clock reads */
#define COPY_BUDGET_US	500	/* copying per event-loop round */
#define WRITE_POLL_MS	10	/* loop timeout while the thread writes */
#define RETRY_MS	10000	/* after a failed compaction */

enum cp_phase { CP_IDLE, CP_COPY, CP_WRITE };

static struct {
	enum cp_phase	 phase;
	bool		 inline_only;	/* DSTM_COMPACT_INLINE=1 */
	uint64_t	 seq;		/* the snapshot's: journal_rotate's */
	uint64_t	 next;		/* first address not copied yet */
	struct jrec	*recs;		/* the copy */
	size_t		 n, cap, pos;
	pthread_t	 thread;
	atomic_bool	 done;		/* the thread's rc is set */
	int		 rc;
	int64_t		 t0_ms, retry_ms;
} cp;

/* a failing disk fails every round: its lines are limited */
static struct loglimit rl_journal = LOGLIMIT_INIT("journal errors", 60000, 5);

static int
replay_one(const struct jrec *r, void *arg)
{
	struct server *s = arg;
	char a[ADDR_STRLEN];
	int rc;

	_Static_assert(JOURNAL_KEY_LEN == LEASE_KEY_LEN, "key sizes");
	rc = lease_restore(&s->leases, r->addr, r->state, &r->client, r->key,
	    r->since, r->expires);
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0)
		/* the pool shrank while we were down: not fatal, say so */
		log_warnx("journal: %s (%s) is not in the pool any more; "
		    "dropped", addr4_ntop(r->addr, a, sizeof(a)),
		    lease_state_name(r->state));
	return 0;
}

/* The journal record of slot i: its full state. */
static void
slot_jrec(const struct lease_table *t, uint32_t i, struct jrec *r)
{
	const struct lease_slot *sl = &t->slots[i];

	memset(r, 0, sizeof(*r));
	r->addr = lease_addr(t, i);
	r->state = sl->state;
	if (sl->hashed)
		r->client = sl->client;
	memcpy(r->key, sl->key, sizeof(r->key));
	r->since = sl->since;
	r->expires = sl->expires;
}

int
store_record(struct server *s, uint32_t idx)
{
	struct jrec r;
	int rc;

	slot_jrec(&s->leases, idx, &r);
	if ((rc = journal_append(s->journal, &r)) != 0) {
		log_limited(&rl_journal, LOG_LVL_ERR, "journal append: %s",
		    strerror(-rc));
		return rc;
	}
	s->dirty = true;
	return 0;
}

int
store_commit(struct server *s)
{
	int rc;

	log_limited_flush(&rl_journal, LOG_LVL_ERR);
	if (!s->dirty)
		return 0;
	if ((rc = journal_commit(s->journal)) != 0) {
		/* retried every round while it fails: 5 lines a minute */
		log_limited(&rl_journal, LOG_LVL_ERR, "journal commit: %s",
		    strerror(-rc));
		return rc;
	}
	s->dirty = false;
	s->counters[C_JOURNAL_COMMITS]++;
	return 0;
}

/* Compaction iterator: bound list, held list (both in expiry order, so the
 * replay inserts at the tail), then static leases and free slots that
 * remember an owner (affinity). */
struct compact_iter {
	struct server	*s;
	int		 phase;
	uint32_t	 pos;
};

static int
compact_next(struct jrec *r, void *arg)
{
	struct compact_iter *it = arg;
	struct lease_table *t = &it->s->leases;

	for (;;) {
		uint32_t i = it->pos;
		const struct lease_slot *sl;

		if (it->phase == 0 && i == SLOT_NONE) {
			it->phase = 1;
			it->pos = i = t->held.head;
		}
		if (it->phase == 1 && i == SLOT_NONE) {
			it->phase = 2;
			it->pos = i = 0;
		}
		if (it->phase == 2 && i >= t->size)
			return 0;
		sl = &t->slots[i];
		if (it->phase < 2)
			it->pos = sl->next;
		else {
			it->pos = i + 1;
			if (!(sl->state == LEASE_STATIC ||
			    (sl->state == LEASE_FREE && sl->hashed)))
				continue;
		}
		slot_jrec(t, i, r);
		return 1;
	}
}

static void
compact_inline(struct server *s)
{
	struct compact_iter it = { s, 0, s->leases.bound.head };
	int rc;

	if ((rc = journal_compact(s->journal, compact_next, &it)) != 0) {
		log_warnx("journal compaction failed: %s", strerror(-rc));
		cp.retry_ms = clock_mono_ms() + RETRY_MS;
		return;
	}
	s->counters[C_COMPACTIONS]++;
}

/* ---- compaction off the loop ---- */

static bool
slot_live(const struct lease_slot *sl)
{
	return sl->state == LEASE_BOUND || sl->state == LEASE_HELD ||
	    sl->state == LEASE_STATIC ||
	    (sl->state == LEASE_FREE && sl->hashed);
}

/* Copy the live slots of the next addresses until `deadline_us` (at least
 * one slice).  1 when every address is copied, 0 if not yet, -ENOMEM. */
static int
copy_some(const struct lease_table *t, int64_t deadline_us)
{
	for (;;) {
		const struct lease_range *r = NULL;
		uint64_t a, end;
		uint32_t i;

		for (unsigned k = 0; k < t->n_ranges && r == NULL; k++)
			if (t->ranges[k].last >= cp.next)
				r = &t->ranges[k];
		if (r == NULL)
			return 1;
		a = cp.next > r->first ? cp.next : r->first;
		end = (uint64_t)r->last + 1;
		if (end - a > COPY_SLICE)
			end = a + COPY_SLICE;
		if (cp.cap - cp.n < end - a) {
			size_t cap = cp.cap ? cp.cap : 65536;
			struct jrec *v;

			while (cap - cp.n < end - a)
				cap *= 2;
			v = reallocarray(cp.recs, cap, sizeof(*v));
			if (v == NULL)
				return -ENOMEM;
			cp.recs = v;
			cp.cap = cap;
		}
		i = r->base + (uint32_t)(a - r->first);
		for (; a < end; a++, i++)
			if (slot_live(&t->slots[i]))
				slot_jrec(t, i, &cp.recs[cp.n++]);
		cp.next = end;
		if (clock_mono_us() >= deadline_us)
			return 0;
	}
}

/* List order, as compact_next writes it: bound and held by expiry (replay
 * inserts at the tail of each), then static and remembered free slots.
 * The copy is in address order, so a stable sort keeps ties in it.  Our
 * own merge sort: qsort(3) does not promise stability. */
struct snap_key {
	int64_t		expires;
	uint32_t	idx;		/* in cp.recs */
	uint32_t	rank;		/* 0 bound, 1 held, 2 the rest */
};

static bool
key_before(const struct snap_key *a, const struct snap_key *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank;
	return a->rank < 2 && a->expires < b->expires;
}

/* Sort v[0..n) stably with tmp[n]; returns the array holding the result. */
static struct snap_key *
merge_sort(struct snap_key *v, struct snap_key *tmp, size_t n)
{
	struct snap_key *t;

	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				tmp[k++] = key_before(&v[j], &v[i]) ? v[j++] :
				    v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			while (j < hi)
				tmp[k++] = v[j++];
		}
		t = v;
		v = tmp;
		tmp = t;
	}
	return v;
}

static const struct snap_key *sorted;

static int
copy_next(struct jrec *r, void *arg)
{
	(void)arg;
	if (cp.pos == cp.n)
		return 0;
	*r = cp.recs[sorted[cp.pos++].idx];
	return 1;
}

static void *
compact_thread(void *arg)
{
	struct journal *j = arg;
	struct snap_key *keys, *tmp;

	keys = reallocarray(NULL, cp.n ? cp.n : 1, sizeof(*keys));
	tmp = reallocarray(NULL, cp.n ? cp.n : 1, sizeof(*tmp));
	if (keys == NULL || tmp == NULL) {
		cp.rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cp.n; i++) {
		const struct jrec *r = &cp.recs[i];

		keys[i].expires = r->expires;
		keys[i].idx = (uint32_t)i;
		keys[i].rank = r->state == LEASE_BOUND ? 0 :
		    r->state == LEASE_HELD ? 1 : 2;
	}
	sorted = merge_sort(keys, tmp, cp.n);
	cp.pos = 0;
	cp.rc = journal_snapshot(j, cp.seq, copy_next, NULL);
out:
	/* big blocks: unmapped here, not in the loop */
	free(keys);
	free(tmp);
	free(cp.recs);
	cp.recs = NULL;
	atomic_store(&cp.done, true);
	return NULL;
}

static void
compact_finish(struct server *s)
{
	size_t n = cp.n;

	journal_rotate_done(s->journal, cp.rc);
	cp.n = cp.cap = 0;
	cp.phase = CP_IDLE;
	if (cp.rc != 0) {
		log_warnx("journal compaction failed: %s", strerror(-cp.rc));
		cp.retry_ms = clock_mono_ms() + RETRY_MS;
		return;
	}
	s->counters[C_COMPACTIONS]++;
	log_debug("journal compacted: %zu records, %lld ms", n,
	    (long long)(clock_mono_ms() - cp.t0_ms));
}

/* The copy is complete: hand it to the thread (or write it here). */
static void
compact_write(struct server *s)
{
	int rc;

	cp.phase = CP_WRITE;
	atomic_store(&cp.done, false);
	rc = pthread_create(&cp.thread, NULL, compact_thread, s->journal);
	if (rc != 0) {
		log_warnx("journal compaction: no thread (%s); writing inline",
		    strerror(rc));
		compact_thread(s->journal);
		compact_finish(s);
	}
}

int
store_compact_step(struct server *s, int64_t budget_us)
{
	int rc;

	switch (cp.phase) {
	case CP_COPY:
		rc = copy_some(&s->leases, clock_mono_us() + budget_us);
		if (rc < 0) {
			free(cp.recs);
			cp.recs = NULL;
			cp.n = cp.cap = 0;
			cp.phase = CP_IDLE;
			journal_rotate_done(s->journal, rc);
			log_warnx("journal compaction: %s", strerror(-rc));
			cp.retry_ms = clock_mono_ms() + RETRY_MS;
		} else if (rc == 1)
			compact_write(s);
		return 1;
	case CP_WRITE:
		if (atomic_load(&cp.done)) {
			pthread_join(cp.thread, NULL);
			compact_finish(s);
		}
		return 1;
	case CP_IDLE:
		break;
	}
	return 0;
}

void
store_maybe_compact(struct server *s)
{
	uint64_t live = s->leases.bound.count + s->leases.held.count +
	    s->leases.n_static;
	int rc;

	if (store_compact_step(s, COPY_BUDGET_US))
		return;
	/* compact when the journal holds far more records than live state */
	if (journal_records(s->journal) < 4096 ||
	    journal_records(s->journal) < 4 * live ||
	    clock_mono_ms() < cp.retry_ms)
		return;
	if (store_commit(s) != 0)
		return;
	if (cp.inline_only || !journal_can_rotate(s->journal)) {
		compact_inline(s);
		return;
	}
	if ((rc = journal_rotate(s->journal, &cp.seq)) != 0) {
		log_warnx("journal rotation failed: %s", strerror(-rc));
		cp.retry_ms = clock_mono_ms() + RETRY_MS;
		return;
	}
	cp.t0_ms = clock_mono_ms();
	cp.next = 0;
	cp.n = 0;
	cp.phase = CP_COPY;
	store_compact_step(s, 0);	/* a slice now, the rest later */
}

int
store_timeout(const struct server *s, int timeout_ms)
{
	(void)s;
	if (cp.phase == CP_COPY)
		return 0;
	if (cp.phase == CP_WRITE && timeout_ms > WRITE_POLL_MS)
		return WRITE_POLL_MS;
	return timeout_ms;
}

int
store_open(struct server *s)
{
	const struct journal_stats *st;
	int rc;

	rc = journal_open(s->conf.state_dir, s->conf.journal_sync, replay_one,
	    s, &s->journal);
	if (rc != 0) {
		log_warnx("cannot open lease state in %s: %s",
		    s->conf.state_dir, strerror(-rc));
		return rc;
	}
	free(cp.recs);
	memset(&cp, 0, sizeof(cp));
	cp.inline_only = getenv("DSTM_COMPACT_INLINE") != NULL &&
	    strcmp(getenv("DSTM_COMPACT_INLINE"), "1") == 0;
	st = journal_get_stats(s->journal);
	log_info("lease state: %llu from snapshot, %llu from journal%s",
	    (unsigned long long)st->snapshot_records,
	    (unsigned long long)st->journal_records,
	    st->dropped_bytes ? " (a torn tail was cut)" : "");
	if (!journal_can_rotate(s->journal)) {
		/* a compaction off the loop was cut short: finish it now */
		log_info("lease state: finishing an interrupted compaction");
		compact_inline(s);
	}
	return 0;
}

void
store_close(struct server *s)
{
	if (s->journal == NULL)
		return;
	/* a compaction under way ends here, the copy in one go */
	if (cp.phase == CP_COPY)
		while (cp.phase == CP_COPY)
			store_compact_step(s, INT64_MAX / 2);
	if (cp.phase == CP_WRITE) {
		pthread_join(cp.thread, NULL);
		compact_finish(s);
	}
	store_commit(s);
	journal_close(s->journal);
	s->journal = NULL;
}
