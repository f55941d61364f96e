/* journal.h - lease persistence: a snapshot file plus an append-only
 * journal of lease changes, each record checksummed (CRC-32C).
 *
 * Files in the state directory:
 *   leases.snap     snapshot: header + full records, written to
 *                   leases.snap.tmp, fsynced, renamed (atomic)
 *   leases.journal  records appended after the snapshot
 *   leases.journal.next  empty and ready: a compaction off the event loop
 *                   switches the appends to it at once (journal.c)
 * Every record carries a sequence number; on start the snapshot is loaded,
 * then journal records with seq > snapshot seq are replayed in order.  A
 * torn or corrupt tail is detected (length/CRC/seq), logged, saved aside as
 * leases.journal.bad-<unixtime> and cut off; everything before it is kept.
 */
#ifndef DSTM_JOURNAL_H
#define DSTM_JOURNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* Record sizes on disk: version 2 (written) carries the lease key,
 * version 1 (read, key zero) is what older servers wrote. */
#define JOURNAL_REC_LEN		76
#define JOURNAL_REC_V1_LEN	60
#define JOURNAL_KEY_LEN		16

/* One lease change: the full new state of one address. */
struct jrec {
	uint32_t	addr;		/* host order */
	uint8_t		state;		/* enum lease_state */
	struct in6_addr	client;
	int64_t		since;
	int64_t		expires;	/* 0 = never */
	uint8_t		key[JOURNAL_KEY_LEN];	/* the owner's; zero = none */
};

struct journal_stats {
	uint64_t snapshot_records;	/* loaded from the snapshot */
	uint64_t journal_records;	/* replayed from the journal */
	uint64_t dropped_bytes;		/* torn/corrupt tail cut off */
	uint64_t appended;		/* records appended since open */
	uint64_t syncs;			/* fdatasync calls */
	uint64_t compactions;
};

struct journal;

typedef int (*journal_replay_cb)(const struct jrec *r, void *arg);
/* Iterator used by compaction: fill *r and return 1, or return 0 at end. */
typedef int (*journal_iter_cb)(struct jrec *r, void *arg);

/* Open (creating if needed) the state in `dir` and replay it through `cb`
 * (snapshot records first, then journal records, in order).  `sync`: make
 * every journal_commit() durable with fdatasync.  0 or -errno. */
int  journal_open(const char *dir, bool sync, journal_replay_cb cb, void *arg,
	struct journal **out);
void journal_close(struct journal *j);

/* Append a record (buffered in memory; not yet durable). 0 or -errno. */
int  journal_append(struct journal *j, const struct jrec *r);
/* Write buffered records and, if `sync`, fdatasync: after 0 is returned
 * every appended record survives a crash.  Group commit = several appends,
 * one commit.  0 or -errno. */
int  journal_commit(struct journal *j);

/* Rewrite the snapshot from `it` (the live state), then empty the journal
 * (ending a rotation left unfinished).  Crash-safe at every step; blocks for
 * the whole write.  0 or -errno. */
int  journal_compact(struct journal *j, journal_iter_cb it, void *arg);

/* Compaction off the event loop, in three calls:
 * journal_rotate()      (loop) commit, then append to leases.journal.next
 *                       from now on (made in advance: no system call);
 *                       *seq = the last record before the switch.
 *                       -EBUSY unless journal_can_rotate().
 * journal_snapshot()    (another thread, while the loop appends) write
 *                       the snapshot at `seq` from `it`, sync, rename; then
 *                       .next replaces leases.journal, a new .next is made.
 *                       Touches only what the loop leaves alone meanwhile.
 * journal_rotate_done() (loop, after journal_snapshot returned rc) */
int  journal_rotate(struct journal *j, uint64_t *seq);
int  journal_snapshot(struct journal *j, uint64_t seq, journal_iter_cb it,
	void *arg);
void journal_rotate_done(struct journal *j, int rc);
/* A rotation may start: false while an earlier one has not ended (failed,
 * or found unfinished at open), and then journal_compact() finishes it. */
bool journal_can_rotate(const struct journal *j);
/* Current journal file size in bytes and records since the last snapshot;
 * the server compacts when the journal outgrows the live state. */
uint64_t journal_size(const struct journal *j);
uint64_t journal_records(const struct journal *j);
const struct journal_stats *journal_get_stats(const struct journal *j);

#endif
