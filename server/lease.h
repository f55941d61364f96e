/* lease.h - the pool and the lease table of rpcdstmd.
 *
 * One slot per pool address, in a flat array indexed by "address index"
 * (the ranges laid end to end).  A slot is in exactly one state and, by
 * state, in one intrusive doubly-linked list:
 *   FREE      the free list (alloc from head, freed slots go to the tail,
 *             so recently used addresses are reused last: affinity)
 *   BOUND     the expiry list, ordered by `expires`
 *   HELD      the hold list, ordered by `expires` (= end of hold)
 *   STATIC    no list (operator lease, never expires)
 *   EXCLUDED  no list
 * Slots are also chained in a hash by client IPv6 (the last owner, kept
 * after release for affinity).  Every operation is O(1) in the pool size.
 *
 * Ownership: a lease belongs to a client IPv6 address *and* the key (128
 * random bits) the client chose in its ALLOC; RENEW and RELEASE must show
 * the same key, and ALLOC with a key that already names one of the
 * caller's leases is a retransmission, answered with that lease.  A lease
 * made by the operator (or journaled before keys existed) has no key: the
 * first verified request of its owner that shows one adopts it.  The key
 * follows the owner: cleared when the slot changes hands, is revoked or
 * its hold ends.
 *
 * Quotas: max_per_client leases per client address, and max_per_prefix
 * per client prefix of prefix_len bits (BOUND and STATIC leases count).
 */
#ifndef DSTM_LEASE_H
#define DSTM_LEASE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "server/prefix.h"

enum lease_state {
	LEASE_FREE = 0,
	LEASE_BOUND = 1,
	LEASE_HELD = 2,
	LEASE_STATIC = 3,
	LEASE_EXCLUDED = 4,
};

/* Events of the one state machine, lease_transition(). */
enum lease_event {
	LEV_ALLOC,		/* FREE/HELD -> BOUND */
	LEV_RENEW,		/* BOUND -> BOUND */
	LEV_RELEASE,		/* BOUND -> HELD (or FREE when hold_time 0) */
	LEV_EXPIRE,		/* BOUND -> HELD (or FREE) */
	LEV_HOLD_END,		/* HELD -> FREE */
	LEV_REVOKE,		/* BOUND/STATIC -> FREE */
	LEV_STATIC,		/* FREE/HELD/BOUND -> STATIC */
};

const char *lease_state_name(enum lease_state s);

#define SLOT_NONE UINT32_MAX

#define LEASE_KEY_LEN	16

struct lease_slot {
	struct in6_addr	client;		/* owner, or last owner when FREE */
	uint8_t		key[LEASE_KEY_LEN];	/* the owner's; zero = none */
	int64_t		expires;	/* BOUND: lease end; HELD: hold end */
	int64_t		since;		/* when bound */
	uint32_t	prev, next;	/* list links (by state) */
	uint32_t	hnext;		/* client hash chain */
	uint8_t		state;
	uint8_t		hashed;		/* in the client hash */
};

struct lease_range {
	uint32_t first, last;		/* host order */
	uint32_t base;			/* index of `first` */
};

struct lease_list {
	uint32_t head, tail, count;
};

/* Outcomes of table operations; mapped to dstm_status by the RPC layer. */
enum lease_err {
	LE_OK = 0,
	LE_EXHAUSTED,		/* no free address */
	LE_UNAVAILABLE,		/* requested address is taken */
	LE_NOT_IN_POOL,		/* address outside the pool */
	LE_NO_LEASE,		/* no bound lease there */
	LE_NOT_OWNER,		/* bound to somebody else */
	LE_QUOTA,		/* client or its prefix at max leases */
	LE_NOMEM,
	LE_BAD_KEY,		/* ALLOC without a key (all zero) */
	LE_UNVERIFIED,		/* would change the table, but the caller
				 * has not shown it receives at its address */
};

struct lease_table {
	struct lease_slot	*slots;
	uint32_t		 size;
	struct lease_range	*ranges;
	unsigned		 n_ranges;
	uint32_t		*buckets;	/* client hash heads */
	uint32_t		 hmask;
	struct lease_list	 free, bound, held;
	uint32_t		 n_static, n_excluded;
	uint32_t		 lease_time;
	uint32_t		 hold_time;
	uint32_t		 max_per_client;
	uint32_t		 max_per_prefix;	/* 0 = no limit */
	unsigned		 prefix_len;	/* lease_set_prefix_len() */
	struct pfx_table	 pfx;		/* BOUND+STATIC per prefix */
	uint64_t		 hash_seed;
	uint64_t		 changes;	/* bumped by every change */
};

/* Build an empty table over `ranges` minus `excludes`. */
int  lease_table_init(struct lease_table *t, const struct range4 *ranges,
	unsigned n_ranges, const struct range4 *excludes, unsigned n_excludes);
void lease_table_free(struct lease_table *t);

/* address <-> slot index; SLOT_NONE when not in the pool */
uint32_t lease_index(const struct lease_table *t, uint32_t addr);
uint32_t lease_addr(const struct lease_table *t, uint32_t idx);

/* The transition function of requests, expiry and the operator (only
 * lease_restore, below, sets a state otherwise).  Checks that `ev` is
 * legal in the slot's current state (returns -1 and changes nothing if
 * not), moves the slot between lists, sets expires/since from `now`.
 * `lease_time` is used by ALLOC/RENEW (0 = table default). */
int  lease_transition(struct lease_table *t, uint32_t idx, enum lease_event ev,
	const struct in6_addr *client, int64_t now, uint32_t lease_time);

/* Policy-level operations used by the RPC service.  Each is idempotent:
 * the same request again gets the same answer (and the same lease).  A
 * caller sees whether the table changed (and must be journaled) by
 * t->changes. */
#define LEASE_F_STRICT	 0x1	/* the hint is required, not preferred */
#define LEASE_F_VERIFIED 0x2	/* the caller receives at its address (tcp6,
				 * or a valid cookie): it may create a lease
				 * or adopt a keyless one */
enum lease_err lease_alloc(struct lease_table *t, const struct in6_addr *client,
	const uint8_t key[static LEASE_KEY_LEN], uint32_t hint, unsigned flags,
	int64_t now, uint32_t *idx_out);
enum lease_err lease_renew(struct lease_table *t, const struct in6_addr *client,
	const uint8_t key[static LEASE_KEY_LEN], uint32_t addr, unsigned flags,
	int64_t now, uint32_t *idx_out);
enum lease_err lease_release(struct lease_table *t,
	const struct in6_addr *client, const uint8_t key[static LEASE_KEY_LEN],
	uint32_t addr, unsigned flags, int64_t now, uint32_t *idx_out);
/* true when `key` is the key of the caller's BOUND, STATIC or HELD lease on
 * `addr`: the request comes from its owner, whatever the transport */
bool lease_key_matches(const struct lease_table *t,
	const struct in6_addr *client, const uint8_t key[static LEASE_KEY_LEN],
	uint32_t addr);
enum lease_err lease_revoke(struct lease_table *t, uint32_t addr,
	uint32_t *idx_out);
/* operator lease for `client`; lease_time 0 = STATIC */
enum lease_err lease_make(struct lease_table *t, const struct in6_addr *client,
	uint32_t hint, uint32_t lease_time, int64_t now, uint32_t *idx_out);

/* Number of BOUND+STATIC leases held by `client`; first one in *idx. */
unsigned lease_count_client(const struct lease_table *t,
	const struct in6_addr *client, uint32_t *first_idx);
/* Number of BOUND+STATIC leases held in the prefix of `client`. */
unsigned lease_count_prefix(const struct lease_table *t,
	const struct in6_addr *client);
/* Set the client prefix length (1-128) and recount; 0 or -ENOMEM. */
int  lease_set_prefix_len(struct lease_table *t, unsigned len);

/* Expire BOUND leases with expires <= now and end holds with expires <= now.
 * `cb` (may be NULL) is called after each transition with the slot index
 * and the event.  Returns the number of transitions. */
typedef void (*lease_cb)(struct lease_table *t, uint32_t idx,
	enum lease_event ev, void *arg);
unsigned lease_expire(struct lease_table *t, int64_t now, lease_cb cb,
	void *arg);
/* Earliest time lease_expire() has work, INT64_MAX when none. */
int64_t  lease_next_event(const struct lease_table *t);

/* Restore a slot from persistence (replay) or an old table (migrate):
 * puts it in `state` with the given fields, wherever it was, without
 * lease_transition's checks.  Returns -1 if addr is not in the pool or
 * excluded. */
int  lease_restore(struct lease_table *t, uint32_t addr, uint8_t state,
	const struct in6_addr *client, const uint8_t *key, int64_t since,
	int64_t expires);

/* Move every non-FREE slot of `old` into `t` (a new pool after reload).
 * Fails (-1, `*lost` = address) without changing `t`'s contents if a
 * BOUND/STATIC lease's address is not in the new pool. */
int  lease_table_migrate(struct lease_table *t, const struct lease_table *old,
	uint32_t *lost);

/* Check every invariant (lists, counts, hash); for tests. 0 = consistent. */
int  lease_table_check(const struct lease_table *t);

#endif
