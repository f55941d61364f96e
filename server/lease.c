/* lease.c - pool and lease table: flat slots, intrusive lists, client hash,
 * one state machine.  See lease.h for the layout. */
#include "server/lease.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/hash.h"
#include "common/siphash.h"

static const uint8_t no_key[LEASE_KEY_LEN];

static const char *const state_names[] = {
	[LEASE_FREE] = "free",
	[LEASE_BOUND] = "bound",
	[LEASE_HELD] = "held",
	[LEASE_STATIC] = "static",
	[LEASE_EXCLUDED] = "excluded",
};

const char *
lease_state_name(enum lease_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[s];
}

/* ---- intrusive lists ---- */

static struct lease_list *
list_of(struct lease_table *t, uint8_t state)
{
	switch (state) {
	case LEASE_FREE:	return &t->free;
	case LEASE_BOUND:	return &t->bound;
	case LEASE_HELD:	return &t->held;
	default:		return NULL;
	}
}

static void
list_unlink(struct lease_table *t, struct lease_list *l, uint32_t i)
{
	struct lease_slot *s = &t->slots[i];

	if (s->prev != SLOT_NONE)
		t->slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != SLOT_NONE)
		t->slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = SLOT_NONE;
	l->count--;
}

static void
list_insert_after(struct lease_table *t, struct lease_list *l, uint32_t at,
    uint32_t i)
{
	struct lease_slot *s = &t->slots[i];

	s->prev = at;
	s->next = at == SLOT_NONE ? l->head : t->slots[at].next;
	if (s->next != SLOT_NONE)
		t->slots[s->next].prev = i;
	else
		l->tail = i;
	if (at != SLOT_NONE)
		t->slots[at].next = i;
	else
		l->head = i;
	l->count++;
}

/* Keep timed lists ordered by `expires`.  Leases share one lease time, so
 * the new entry almost always goes at the tail: O(1) in practice. */
static void
list_insert_sorted(struct lease_table *t, struct lease_list *l, uint32_t i)
{
	uint32_t at = l->tail;

	while (at != SLOT_NONE && t->slots[at].expires > t->slots[i].expires)
		at = t->slots[at].prev;
	list_insert_after(t, l, at, i);
}

/* ---- leases per client prefix ---- */

static struct in6_addr
prefix_of(const struct lease_table *t, const struct in6_addr *client)
{
	struct in6_addr p = *client;

	addr6_mask(&p, t->prefix_len);
	return p;
}

static bool
counts(uint8_t state)
{
	return state == LEASE_BOUND || state == LEASE_STATIC;
}

static void
prefix_add(struct lease_table *t, uint32_t i, int delta)
{
	struct in6_addr p = prefix_of(t, &t->slots[i].client);

	pfx_add(&t->pfx, &p, delta);
}

/* Room for one more prefix, before a change that may bind a slot. */
static bool
prefix_room(struct lease_table *t)
{
	return pfx_reserve(&t->pfx, 1) == 0;
}

static void
slot_detach(struct lease_table *t, uint32_t i)
{
	struct lease_list *l = list_of(t, t->slots[i].state);

	if (counts(t->slots[i].state))
		prefix_add(t, i, -1);
	if (l != NULL)
		list_unlink(t, l, i);
	else if (t->slots[i].state == LEASE_STATIC)
		t->n_static--;
}

static void
slot_attach(struct lease_table *t, uint32_t i, uint8_t state)
{
	t->slots[i].state = state;
	switch (state) {
	case LEASE_FREE:
		list_insert_after(t, &t->free, t->free.tail, i);
		break;
	case LEASE_BOUND:
		list_insert_sorted(t, &t->bound, i);
		break;
	case LEASE_HELD:
		list_insert_sorted(t, &t->held, i);
		break;
	case LEASE_STATIC:
		t->n_static++;
		break;
	}
	if (counts(state))
		prefix_add(t, i, +1);
}

/* ---- client hash ---- */

/* Keyed, so clients choosing their addresses cannot pile into one chain;
 * the low bits of an address (where neighbours differ) must reach the
 * bucket index, hence a full mix after each word. */
static uint32_t
hash6(const struct lease_table *t, const struct in6_addr *a)
{
	return (uint32_t)hash_in6(a, t->hash_seed) & t->hmask;
}

static void
hash_remove(struct lease_table *t, uint32_t i)
{
	uint32_t *pp = &t->buckets[hash6(t, &t->slots[i].client)];

	while (*pp != SLOT_NONE && *pp != i)
		pp = &t->slots[*pp].hnext;
	if (*pp == i)
		*pp = t->slots[i].hnext;
	t->slots[i].hnext = SLOT_NONE;
	t->slots[i].hashed = 0;
}

static void
set_owner(struct lease_table *t, uint32_t i, const struct in6_addr *client)
{
	struct lease_slot *s = &t->slots[i];
	uint32_t b;

	if (s->hashed && memcmp(&s->client, client, sizeof(*client)) == 0)
		return;
	if (s->hashed)
		hash_remove(t, i);
	s->client = *client;
	memset(s->key, 0, sizeof(s->key));	/* a new owner brings its own */
	b = hash6(t, client);
	s->hnext = t->buckets[b];
	t->buckets[b] = i;
	s->hashed = 1;
}

static bool
owned_by(const struct lease_slot *s, const struct in6_addr *client)
{
	return s->hashed && memcmp(&s->client, client, sizeof(*client)) == 0;
}

/* ---- table ---- */

int
lease_table_init(struct lease_table *t, const struct range4 *ranges,
    unsigned n_ranges, const struct range4 *excludes, unsigned n_excludes)
{
	uint64_t total = 0;
	uint32_t nb;

	memset(t, 0, sizeof(*t));
	t->free.head = t->free.tail = SLOT_NONE;
	t->bound.head = t->bound.tail = SLOT_NONE;
	t->held.head = t->held.tail = SLOT_NONE;
	for (unsigned r = 0; r < n_ranges; r++) {
		if (ranges[r].last < ranges[r].first)
			return -EINVAL;
		if (r > 0 && ranges[r].first <= ranges[r - 1].last)
			return -EINVAL;	/* must be sorted, disjoint */
		total += (uint64_t)ranges[r].last - ranges[r].first + 1;
	}
	if (total == 0 || total >= SLOT_NONE)
		return -EINVAL;
	t->size = (uint32_t)total;
	t->slots = calloc(t->size, sizeof(*t->slots));
	t->ranges = calloc(n_ranges, sizeof(*t->ranges));
	for (nb = 16; nb < t->size && nb < (1u << 30); nb <<= 1)
		;
	t->buckets = malloc((size_t)nb * sizeof(*t->buckets));
	if (t->slots == NULL || t->ranges == NULL || t->buckets == NULL) {
		lease_table_free(t);
		return -ENOMEM;
	}
	memset(t->buckets, 0xff, (size_t)nb * sizeof(*t->buckets));
	t->hmask = nb - 1;
	if (getrandom(&t->hash_seed, sizeof(t->hash_seed), GRND_NONBLOCK) !=
	    sizeof(t->hash_seed))
		t->hash_seed = (uint64_t)(uintptr_t)t ^ 0x5bd1e995u;
	pfx_init(&t->pfx, hash_mix64(t->hash_seed));
	t->prefix_len = 64;
	t->n_ranges = n_ranges;
	total = 0;
	for (unsigned r = 0; r < n_ranges; r++) {
		t->ranges[r].first = ranges[r].first;
		t->ranges[r].last = ranges[r].last;
		t->ranges[r].base = (uint32_t)total;
		total += (uint64_t)ranges[r].last - ranges[r].first + 1;
	}
	t->lease_time = 3600;
	t->max_per_client = 1;
	for (uint32_t i = 0; i < t->size; i++) {
		t->slots[i].prev = t->slots[i].next = SLOT_NONE;
		t->slots[i].hnext = SLOT_NONE;
		t->slots[i].state = LEASE_EXCLUDED;
	}
	for (uint32_t i = 0; i < t->size; i++) {
		uint32_t a = lease_addr(t, i);
		bool excluded = false;

		for (unsigned e = 0; e < n_excludes && !excluded; e++)
			excluded = a >= excludes[e].first &&
			    a <= excludes[e].last;
		if (excluded)
			t->n_excluded++;
		else
			slot_attach(t, i, LEASE_FREE);
	}
	return 0;
}

void
lease_table_free(struct lease_table *t)
{
	free(t->slots);
	free(t->ranges);
	free(t->buckets);
	pfx_free(&t->pfx);
	memset(t, 0, sizeof(*t));
}

uint32_t
lease_index(const struct lease_table *t, uint32_t addr)
{
	unsigned lo = 0, hi = t->n_ranges;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct lease_range *r = &t->ranges[mid];

		if (addr < r->first)
			hi = mid;
		else if (addr > r->last)
			lo = mid + 1;
		else
			return r->base + (addr - r->first);
	}
	return SLOT_NONE;
}

uint32_t
lease_addr(const struct lease_table *t, uint32_t idx)
{
	unsigned lo = 0, hi = t->n_ranges;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (t->ranges[mid].base <= idx)
			lo = mid;
		else
			hi = mid;
	}
	return t->ranges[lo].first + (idx - t->ranges[lo].base);
}

/* ---- the state machine ---- */

#define ST(x)	(1u << LEASE_##x)

/* Each event: the states it may leave (a bit each) and the one it enters;
 * HELD becomes FREE when there is no hold time.  See lease.h. */
static const struct {
	uint8_t	from;
	uint8_t	to;
} transitions[] = {
	[LEV_ALLOC]	= { ST(FREE) | ST(HELD),		LEASE_BOUND },
	[LEV_RENEW]	= { ST(BOUND),				LEASE_BOUND },
	[LEV_RELEASE]	= { ST(BOUND),				LEASE_HELD },
	[LEV_EXPIRE]	= { ST(BOUND),				LEASE_HELD },
	[LEV_HOLD_END]	= { ST(HELD),				LEASE_FREE },
	[LEV_REVOKE]	= { ST(BOUND) | ST(STATIC),		LEASE_FREE },
	[LEV_STATIC]	= { ST(FREE) | ST(HELD) | ST(BOUND),	LEASE_STATIC },
};

int
lease_transition(struct lease_table *t, uint32_t idx, enum lease_event ev,
    const struct in6_addr *client, int64_t now, uint32_t lease_time)
{
	struct lease_slot *s;
	uint8_t to;

	if (idx >= t->size ||
	    (unsigned)ev >= sizeof(transitions) / sizeof(transitions[0]))
		return -1;
	s = &t->slots[idx];
	if (s->state > LEASE_EXCLUDED ||
	    !(transitions[ev].from & (1u << s->state)))
		return -1;
	to = transitions[ev].to;
	if (to == LEASE_HELD && t->hold_time == 0)
		to = LEASE_FREE;
	if (lease_time == 0)
		lease_time = t->lease_time;
	if (counts(to) && !counts(s->state) && !prefix_room(t))
		return -1;

	t->changes++;
	slot_detach(t, idx);
	switch (ev) {
	case LEV_ALLOC:
	case LEV_STATIC:
		set_owner(t, idx, client);
		s->since = now;
		s->expires = ev == LEV_STATIC ? 0 : now + lease_time;
		break;
	case LEV_RENEW:
		s->expires = now + lease_time;
		break;
	case LEV_RELEASE:
	case LEV_EXPIRE:
		s->expires = to == LEASE_HELD ? now + t->hold_time : 0;
		break;
	case LEV_REVOKE:
		/* the operator took it away: no affinity back to the client */
		if (s->hashed)
			hash_remove(t, idx);
		s->expires = 0;
		break;
	case LEV_HOLD_END:
		s->expires = 0;
		break;
	}
	/* a free address keeps its last owner (affinity), never a key */
	if (to == LEASE_FREE)
		memset(s->key, 0, sizeof(s->key));
	slot_attach(t, idx, to);
	return 0;
}

/* What the client's chain says about one client and key. */
struct scan {
	unsigned n;		/* BOUND+STATIC leases */
	uint32_t first;		/* the first of them */
	uint32_t previous;	/* a slot it held before (affinity) */
	uint32_t mine;		/* BOUND/STATIC with this key */
	uint32_t keyless;	/* BOUND/STATIC without a key */
};

static bool
key_is_zero(const uint8_t key[static LEASE_KEY_LEN])
{
	return ct_equal(key, no_key, LEASE_KEY_LEN);
}

static void
client_scan(const struct lease_table *t, const struct in6_addr *client,
    const uint8_t *key, struct scan *sc)
{
	sc->n = 0;
	sc->first = sc->previous = sc->mine = sc->keyless = SLOT_NONE;
	for (uint32_t i = t->buckets[hash6(t, client)]; i != SLOT_NONE;
	    i = t->slots[i].hnext) {
		const struct lease_slot *s = &t->slots[i];

		if (memcmp(&s->client, client, sizeof(*client)) != 0)
			continue;
		if (counts(s->state)) {
			if (sc->n++ == 0)
				sc->first = i;
			if (key_is_zero(s->key)) {
				if (sc->keyless == SLOT_NONE)
					sc->keyless = i;
			} else if (key != NULL &&
			    ct_equal(s->key, key, LEASE_KEY_LEN)) {
				sc->mine = i;
			}
		} else if (sc->previous == SLOT_NONE ||
		    (s->state == LEASE_HELD &&
		    t->slots[sc->previous].state == LEASE_FREE)) {
			sc->previous = i;	/* prefer a held slot */
		}
	}
}

unsigned
lease_count_client(const struct lease_table *t, const struct in6_addr *client,
    uint32_t *first_idx)
{
	struct scan sc;

	client_scan(t, client, NULL, &sc);
	if (first_idx != NULL)
		*first_idx = sc.first;
	return sc.n;
}

unsigned
lease_count_prefix(const struct lease_table *t, const struct in6_addr *client)
{
	struct in6_addr p = prefix_of(t, client);

	return pfx_get(&t->pfx, &p);
}

/* May `client` hold one more lease: its own quota and its prefix's. */
static bool
within_quota(const struct lease_table *t, const struct in6_addr *client,
    unsigned n)
{
	return n < t->max_per_client && (t->max_per_prefix == 0 ||
	    lease_count_prefix(t, client) < t->max_per_prefix);
}

/* Does the slot's key admit `key`?  A keyless slot admits a verified
 * caller, which then adopts it (*adopt). */
static bool
key_admits(const struct lease_slot *s, const uint8_t *key, unsigned flags,
    bool *adopt)
{
	*adopt = false;
	if (key_is_zero(key))
		return false;
	if (!key_is_zero(s->key))
		return ct_equal(s->key, key, LEASE_KEY_LEN);
	*adopt = (flags & LEASE_F_VERIFIED) != 0;
	return *adopt;
}

static void
adopt_key(struct lease_table *t, uint32_t i, const uint8_t *key)
{
	memcpy(t->slots[i].key, key, LEASE_KEY_LEN);
	t->changes++;
}

/* Can `client` take slot i (FREE, or HELD for itself)? */
static bool
takeable(const struct lease_table *t, uint32_t i, const struct in6_addr *client)
{
	const struct lease_slot *s = &t->slots[i];

	return s->state == LEASE_FREE ||
	    (s->state == LEASE_HELD && owned_by(s, client));
}

enum lease_err
lease_alloc(struct lease_table *t, const struct in6_addr *client,
    const uint8_t key[static LEASE_KEY_LEN], uint32_t hint, unsigned flags,
    int64_t now, uint32_t *idx_out)
{
	uint32_t i = SLOT_NONE;
	struct scan sc;

	if (key_is_zero(key))
		return LE_BAD_KEY;
	client_scan(t, client, key, &sc);
	/* ALLOC is idempotent: the key names the lease a lost reply carried,
	 * whatever the hint (only its owner knows the key) */
	if (sc.mine != SLOT_NONE) {
		*idx_out = sc.mine;
		return LE_OK;
	}
	/* everything below changes the table or says why not: only for a
	 * caller that receives at its address */
	if (!(flags & LEASE_F_VERIFIED))
		return LE_UNVERIFIED;
	if (sc.keyless != SLOT_NONE) {
		/* the operator's lease for this client: the caller takes it */
		adopt_key(t, sc.keyless, key);
		*idx_out = sc.keyless;
		return LE_OK;
	}
	if (hint != 0) {
		uint32_t h = lease_index(t, hint);

		if (h == SLOT_NONE || t->slots[h].state == LEASE_EXCLUDED) {
			if (flags & LEASE_F_STRICT)
				return LE_NOT_IN_POOL;
		} else if (takeable(t, h, client)) {
			i = h;
		} else if (flags & LEASE_F_STRICT) {
			return LE_UNAVAILABLE;
		}
	}
	if (!within_quota(t, client, sc.n))
		return LE_QUOTA;
	if (i == SLOT_NONE)
		i = sc.previous;
	if (i == SLOT_NONE)
		i = t->free.head;
	if (i == SLOT_NONE)
		i = t->held.head;	/* out of free: end the oldest hold */
	if (i == SLOT_NONE)
		return LE_EXHAUSTED;
	if (lease_transition(t, i, LEV_ALLOC, client, now, 0) != 0)
		return t->slots[i].state == LEASE_BOUND ? LE_EXHAUSTED :
		    LE_NOMEM;
	memcpy(t->slots[i].key, key, LEASE_KEY_LEN);
	*idx_out = i;
	return LE_OK;
}

/* The slot of `addr` (its index in *idx_out); NULL when not in the pool. */
static struct lease_slot *
slot_of(struct lease_table *t, uint32_t addr, uint32_t *idx_out)
{
	uint32_t i = lease_index(t, addr);

	if (i == SLOT_NONE)
		return NULL;
	*idx_out = i;
	return &t->slots[i];
}

bool
lease_key_matches(const struct lease_table *t, const struct in6_addr *client,
    const uint8_t key[static LEASE_KEY_LEN], uint32_t addr)
{
	uint32_t i = lease_index(t, addr);
	const struct lease_slot *s;

	if (i == SLOT_NONE || key_is_zero(key))
		return false;
	s = &t->slots[i];
	return (counts(s->state) || s->state == LEASE_HELD) &&
	    owned_by(s, client) && ct_equal(s->key, key, LEASE_KEY_LEN);
}

enum lease_err
lease_renew(struct lease_table *t, const struct in6_addr *client,
    const uint8_t key[static LEASE_KEY_LEN], uint32_t addr, unsigned flags,
    int64_t now, uint32_t *idx_out)
{
	struct lease_slot *s = slot_of(t, addr, idx_out);
	bool adopt;

	if (s == NULL)
		return LE_NOT_IN_POOL;
	switch (s->state) {
	case LEASE_BOUND:
		if (!owned_by(s, client) || !key_admits(s, key, flags, &adopt))
			return LE_NOT_OWNER;
		if (adopt)
			adopt_key(t, *idx_out, key);
		lease_transition(t, *idx_out, LEV_RENEW, client, now, 0);
		return LE_OK;
	case LEASE_STATIC:
		if (!owned_by(s, client) || !key_admits(s, key, flags, &adopt))
			return LE_NOT_OWNER;
		if (adopt)
			adopt_key(t, *idx_out, key);
		return LE_OK;
	case LEASE_HELD:
		/* a late renew by the same client binds it again (its hold
		 * kept the address for this), within its quotas */
		if (!owned_by(s, client) || !key_admits(s, key, flags, &adopt))
			return LE_NO_LEASE;
		if (!within_quota(t, client, lease_count_client(t, client,
		    NULL)))
			return LE_QUOTA;
		if (lease_transition(t, *idx_out, LEV_ALLOC, client, now, 0) !=
		    0)
			return LE_NOMEM;
		if (adopt)
			adopt_key(t, *idx_out, key);
		return LE_OK;
	default:
		return LE_NO_LEASE;
	}
}

enum lease_err
lease_release(struct lease_table *t, const struct in6_addr *client,
    const uint8_t key[static LEASE_KEY_LEN], uint32_t addr, unsigned flags,
    int64_t now, uint32_t *idx_out)
{
	struct lease_slot *s = slot_of(t, addr, idx_out);
	bool adopt;

	if (s == NULL)
		return LE_NOT_IN_POOL;
	if (s->state == LEASE_STATIC)
		return LE_NOT_OWNER;	/* operator leases end by revoke */
	/* released already (a retransmission): the same answer */
	if (s->state == LEASE_HELD && owned_by(s, client) &&
	    !key_is_zero(s->key) && ct_equal(s->key, key, LEASE_KEY_LEN))
		return LE_OK;
	if (s->state != LEASE_BOUND)
		return LE_NO_LEASE;
	if (!owned_by(s, client) || !key_admits(s, key, flags, &adopt))
		return LE_NOT_OWNER;
	if (adopt)
		adopt_key(t, *idx_out, key);
	lease_transition(t, *idx_out, LEV_RELEASE, client, now, 0);
	return LE_OK;
}

enum lease_err
lease_revoke(struct lease_table *t, uint32_t addr, uint32_t *idx_out)
{
	struct lease_slot *s = slot_of(t, addr, idx_out);

	if (s == NULL)
		return LE_NOT_IN_POOL;
	if (s->state != LEASE_BOUND && s->state != LEASE_STATIC)
		return LE_NO_LEASE;
	lease_transition(t, *idx_out, LEV_REVOKE, NULL, 0, 0);
	return LE_OK;
}

enum lease_err
lease_make(struct lease_table *t, const struct in6_addr *client,
    uint32_t hint, uint32_t lease_time, int64_t now, uint32_t *idx_out)
{
	uint32_t i = SLOT_NONE;
	enum lease_event ev = lease_time == 0 ? LEV_STATIC : LEV_ALLOC;
	struct lease_slot *s;
	struct scan sc;

	client_scan(t, client, NULL, &sc);
	if (hint != 0) {
		i = lease_index(t, hint);
		if (i == SLOT_NONE || t->slots[i].state == LEASE_EXCLUDED)
			return LE_NOT_IN_POOL;
	} else {
		i = sc.first != SLOT_NONE ? sc.first : sc.previous;
		if (i == SLOT_NONE)
			i = t->free.head;
		if (i == SLOT_NONE)
			i = t->held.head;
		if (i == SLOT_NONE)
			return LE_EXHAUSTED;
	}
	s = &t->slots[i];
	if (s->state == LEASE_BOUND || s->state == LEASE_STATIC) {
		if (!owned_by(s, client))
			return LE_UNAVAILABLE;
		if (s->state == LEASE_STATIC && ev == LEV_STATIC) {
			*idx_out = i;
			return LE_OK;
		}
		if (s->state == LEASE_STATIC)	/* static -> timed */
			lease_transition(t, i, LEV_REVOKE, NULL, now, 0);
		else if (ev == LEV_ALLOC)
			ev = LEV_RENEW;
	}
	if (lease_transition(t, i, ev, client, now, lease_time) != 0)
		return LE_UNAVAILABLE;
	*idx_out = i;
	return LE_OK;
}

unsigned
lease_expire(struct lease_table *t, int64_t now, lease_cb cb, void *arg)
{
	unsigned n = 0;
	uint32_t i;

	while ((i = t->bound.head) != SLOT_NONE && t->slots[i].expires <= now) {
		lease_transition(t, i, LEV_EXPIRE, NULL, now, 0);
		if (cb != NULL)
			cb(t, i, LEV_EXPIRE, arg);
		n++;
	}
	while ((i = t->held.head) != SLOT_NONE && t->slots[i].expires <= now) {
		lease_transition(t, i, LEV_HOLD_END, NULL, now, 0);
		if (cb != NULL)
			cb(t, i, LEV_HOLD_END, arg);
		n++;
	}
	return n;
}

int64_t
lease_next_event(const struct lease_table *t)
{
	int64_t next = INT64_MAX;

	if (t->bound.head != SLOT_NONE)
		next = t->slots[t->bound.head].expires;
	if (t->held.head != SLOT_NONE &&
	    t->slots[t->held.head].expires < next)
		next = t->slots[t->held.head].expires;
	return next;
}

int
lease_restore(struct lease_table *t, uint32_t addr, uint8_t state,
    const struct in6_addr *client, const uint8_t *key, int64_t since,
    int64_t expires)
{
	uint32_t i = lease_index(t, addr);
	struct lease_slot *s;

	if (i == SLOT_NONE || t->slots[i].state == LEASE_EXCLUDED)
		return -1;
	if (state > LEASE_STATIC)
		return -1;
	if (counts(state) && !prefix_room(t))
		return -ENOMEM;
	s = &t->slots[i];
	t->changes++;
	slot_detach(t, i);
	if (client != NULL && !IN6_IS_ADDR_UNSPECIFIED(client))
		set_owner(t, i, client);
	else if (s->hashed)
		hash_remove(t, i);
	memcpy(s->key, key != NULL && s->hashed && state != LEASE_FREE ? key :
	    no_key, sizeof(s->key));
	s->since = since;
	s->expires = expires;
	slot_attach(t, i, state);
	return 0;
}

int
lease_set_prefix_len(struct lease_table *t, unsigned len)
{
	int rc;

	if (len < 1 || len > 128)
		return -EINVAL;
	if (len == t->prefix_len)
		return 0;
	pfx_clear(&t->pfx);
	if ((rc = pfx_reserve(&t->pfx, t->bound.count + t->n_static)) != 0)
		return rc;
	t->prefix_len = len;
	for (uint32_t i = 0; i < t->size; i++)
		if (counts(t->slots[i].state))
			prefix_add(t, i, +1);
	return 0;
}

static int
migrate_one(struct lease_table *t, const struct lease_table *old, uint32_t i,
    uint32_t *lost, bool apply)
{
	const struct lease_slot *s = &old->slots[i];
	uint32_t a = lease_addr(old, i), j = lease_index(t, a);
	bool fits = j != SLOT_NONE && t->slots[j].state != LEASE_EXCLUDED;

	if (s->state == LEASE_EXCLUDED || (s->state == LEASE_FREE && !s->hashed))
		return 0;
	if (!fits) {
		if (s->state == LEASE_BOUND || s->state == LEASE_STATIC) {
			*lost = a;
			return -1;
		}
		return 0;	/* a hold or affinity outside the pool: drop */
	}
	if (apply && lease_restore(t, a, s->state, s->hashed ? &s->client :
	    NULL, s->key, s->since, s->expires) != 0) {
		*lost = a;	/* out of memory */
		return -1;
	}
	return 0;
}

int
lease_table_migrate(struct lease_table *t, const struct lease_table *old,
    uint32_t *lost)
{
	for (int apply = 0; apply <= 1; apply++) {
		/* timed lists in order, so the new lists stay sorted cheaply */
		for (uint32_t i = old->bound.head; i != SLOT_NONE;
		    i = old->slots[i].next)
			if (migrate_one(t, old, i, lost, apply) != 0)
				return -1;
		for (uint32_t i = old->held.head; i != SLOT_NONE;
		    i = old->slots[i].next)
			if (migrate_one(t, old, i, lost, apply) != 0)
				return -1;
		for (uint32_t i = 0; i < old->size; i++) {
			uint8_t st = old->slots[i].state;

			if ((st == LEASE_STATIC || st == LEASE_FREE) &&
			    migrate_one(t, old, i, lost, apply) != 0)
				return -1;
		}
	}
	return 0;
}

static int
check_list(const struct lease_table *t, const struct lease_list *l,
    uint8_t state, bool sorted)
{
	uint32_t n = 0, prev = SLOT_NONE;

	for (uint32_t i = l->head; i != SLOT_NONE; i = t->slots[i].next) {
		if (i >= t->size || t->slots[i].state != state ||
		    t->slots[i].prev != prev || ++n > t->size)
			return -1;
		if (sorted && prev != SLOT_NONE &&
		    t->slots[prev].expires > t->slots[i].expires)
			return -1;
		prev = i;
	}
	return prev == l->tail && n == l->count ? 0 : -1;
}

/* The per-prefix counts agree with a recount, and no free slot has a key. */
static int
check_prefixes(const struct lease_table *t)
{
	struct pfx_table re;
	uint32_t total = 0;
	int rc = 0;

	pfx_init(&re, t->pfx.seed);
	if (pfx_reserve(&re, t->bound.count + t->n_static) != 0)
		return -1;
	for (uint32_t i = 0; i < t->size; i++) {
		struct in6_addr p;

		if (t->slots[i].state == LEASE_FREE &&
		    !key_is_zero(t->slots[i].key))
			rc = -1;
		if (!counts(t->slots[i].state))
			continue;
		p = prefix_of(t, &t->slots[i].client);
		pfx_add(&re, &p, +1);
	}
	for (uint32_t k = 0; k < re.cap && rc == 0; k++)
		if (re.v[k].count != 0 &&
		    pfx_get(&t->pfx, &re.v[k].pfx) != re.v[k].count)
			rc = -1;
	for (uint32_t k = 0; k < t->pfx.cap; k++)
		total += t->pfx.v[k].count;
	if (total != t->bound.count + t->n_static || re.n != t->pfx.n)
		rc = -1;
	pfx_free(&re);
	return rc;
}

int
lease_table_check(const struct lease_table *t)
{
	uint32_t n_static = 0, n_excl = 0, n_hashed = 0, in_chains = 0;

	if (check_list(t, &t->free, LEASE_FREE, false) != 0 ||
	    check_list(t, &t->bound, LEASE_BOUND, true) != 0 ||
	    check_list(t, &t->held, LEASE_HELD, true) != 0)
		return -1;
	for (uint32_t i = 0; i < t->size; i++) {
		n_static += t->slots[i].state == LEASE_STATIC;
		n_excl += t->slots[i].state == LEASE_EXCLUDED;
		n_hashed += t->slots[i].hashed;
		if ((t->slots[i].state == LEASE_BOUND ||
		    t->slots[i].state == LEASE_STATIC) && !t->slots[i].hashed)
			return -1;
	}
	for (uint32_t b = 0; b <= t->hmask; b++)
		for (uint32_t i = t->buckets[b]; i != SLOT_NONE;
		    i = t->slots[i].hnext) {
			if (!t->slots[i].hashed ||
			    hash6(t, &t->slots[i].client) != b ||
			    ++in_chains > t->size)
				return -1;
		}
	if (n_static != t->n_static || n_excl != t->n_excluded ||
	    in_chains != n_hashed)
		return -1;
	if (t->free.count + t->bound.count + t->held.count + n_static +
	    n_excl != t->size)
		return -1;
	return check_prefixes(t);
}
