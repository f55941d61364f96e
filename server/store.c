/* store.c - the lease table's persistence through the journal: every
 * change is recorded as the full new state of one address, replayed in
 * order on start; compaction snapshots the live slots in list order. */
#include "server/server.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "server/journal.h"

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
	st = journal_get_stats(s->journal);
	log_info("lease state: %llu from snapshot, %llu from journal%s",
	    (unsigned long long)st->snapshot_records,
	    (unsigned long long)st->journal_records,
	    st->dropped_bytes ? " (a torn tail was cut)" : "");
	return 0;
}

void
store_close(struct server *s)
{
	if (s->journal == NULL)
		return;
	store_commit(s);
	journal_close(s->journal);
	s->journal = NULL;
}

int
store_record(struct server *s, uint32_t idx)
{
	const struct lease_slot *sl = &s->leases.slots[idx];
	struct jrec r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.addr = lease_addr(&s->leases, idx);
	r.state = sl->state;
	if (sl->hashed)
		r.client = sl->client;
	memcpy(r.key, sl->key, sizeof(r.key));
	r.since = sl->since;
	r.expires = sl->expires;
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
		memset(r, 0, sizeof(*r));
		r->addr = lease_addr(t, i);
		r->state = sl->state;
		if (sl->hashed)
			r->client = sl->client;
		memcpy(r->key, sl->key, sizeof(r->key));
		r->since = sl->since;
		r->expires = sl->expires;
		return 1;
	}
}

void
store_maybe_compact(struct server *s)
{
	struct compact_iter it = { s, 0, s->leases.bound.head };
	uint64_t live = s->leases.bound.count + s->leases.held.count +
	    s->leases.n_static;
	int rc;

	/* compact when the journal holds far more records than live state */
	if (journal_records(s->journal) < 4096 ||
	    journal_records(s->journal) < 4 * live)
		return;
	if (store_commit(s) != 0)
		return;
	if ((rc = journal_compact(s->journal, compact_next, &it)) != 0) {
		log_warnx("journal compaction failed: %s", strerror(-rc));
		return;
	}
	s->counters[C_COMPACTIONS]++;
	log_debug("journal compacted: %llu live records",
	    (unsigned long long)live);
}
