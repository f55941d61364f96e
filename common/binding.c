/* binding.c - flat, doubly hashed binding table.  See binding.h. */
#include "common/binding.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/addr.h"
#include "common/log.h"

#define NONE		UINT32_MAX
#define MIN_CAP		16

struct binding_slot {
	struct binding	b;		/* first: a binding pointer is a slot */
	uint32_t	next6, next4;	/* chains by client IPv6, by IPv4 */
};

/* ---- SipHash (Aumasson, Bernstein), c-d rounds ---- */

static inline uint64_t
rotl64(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static inline uint64_t
le64_get(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void
sip_rounds(uint64_t v[4], int n)
{
	while (n-- > 0) {
		v[0] += v[1]; v[1] = rotl64(v[1], 13); v[1] ^= v[0];
		v[0] = rotl64(v[0], 32);
		v[2] += v[3]; v[3] = rotl64(v[3], 16); v[3] ^= v[2];
		v[0] += v[3]; v[3] = rotl64(v[3], 21); v[3] ^= v[0];
		v[2] += v[1]; v[1] = rotl64(v[1], 17); v[1] ^= v[2];
		v[2] = rotl64(v[2], 32);
	}
}

static inline uint64_t
siphash(const uint64_t key[2], const uint8_t *p, size_t len, int c, int d)
{
	uint64_t v[4], m, last = (uint64_t)len << 56;
	size_t i, end = len & ~(size_t)7;

	v[0] = key[0] ^ 0x736f6d6570736575ull;
	v[1] = key[1] ^ 0x646f72616e646f6dull;
	v[2] = key[0] ^ 0x6c7967656e657261ull;
	v[3] = key[1] ^ 0x7465646279746573ull;
	for (i = 0; i < end; i += 8) {
		m = le64_get(p + i);
		v[3] ^= m;
		sip_rounds(v, c);
		v[0] ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[end + i] << (8 * i);
	v[3] ^= last;
	sip_rounds(v, c);
	v[0] ^= last;
	v[2] ^= 0xff;
	sip_rounds(v, d);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t
binding_siphash(const uint64_t key[2], const uint8_t *p, size_t len,
    int crounds, int drounds)
{
	return siphash(key, p, len, crounds, drounds);
}

static inline uint32_t
hash6(const struct binding_table *t, const struct in6_addr *a)
{
	return (uint32_t)siphash(t->key, a->s6_addr, 16, 1, 3) & (t->cap - 1);
}

static inline uint32_t
hash4(const struct binding_table *t, uint32_t addr4)
{
	const uint8_t b[4] = { (uint8_t)(addr4 >> 24), (uint8_t)(addr4 >> 16),
	    (uint8_t)(addr4 >> 8), (uint8_t)addr4 };

	return (uint32_t)siphash(t->key, b, 4, 1, 3) & (t->cap - 1);
}

static inline int
same6(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static inline uint32_t
slot_index(const struct binding_table *t, const struct binding *b)
{
	return (uint32_t)((const struct binding_slot *)b - t->slots);
}

/* ---- chains ---- */

static void
link_slot(struct binding_table *t, uint32_t i)
{
	struct binding_slot *s = &t->slots[i];
	uint32_t h;

	h = hash6(t, &s->b.client);
	s->next6 = t->heads6[h];
	t->heads6[h] = i;
	h = hash4(t, s->b.addr4);
	s->next4 = t->heads4[h];
	t->heads4[h] = i;
}

static uint32_t *
ref6(struct binding_table *t, uint32_t i)
{
	uint32_t *pp = &t->heads6[hash6(t, &t->slots[i].b.client)];

	while (*pp != i) {
		if (*pp == NONE)
			fatalx("binding: slot %u not in its IPv6 chain", i);
		pp = &t->slots[*pp].next6;
	}
	return pp;
}

static uint32_t *
ref4(struct binding_table *t, uint32_t i)
{
	uint32_t *pp = &t->heads4[hash4(t, t->slots[i].b.addr4)];

	while (*pp != i) {
		if (*pp == NONE)
			fatalx("binding: slot %u not in its IPv4 chain", i);
		pp = &t->slots[*pp].next4;
	}
	return pp;
}

static void
remove_at(struct binding_table *t, uint32_t i)
{
	uint32_t last = t->count - 1;

	*ref6(t, i) = t->slots[i].next6;
	*ref4(t, i) = t->slots[i].next4;
	if (i != last) {
		*ref6(t, last) = i;
		*ref4(t, last) = i;
		t->slots[i] = t->slots[last];
	}
	t->count--;
	t->generation++;
}

static int
alloc_heads(uint32_t cap, uint32_t **h6, uint32_t **h4)
{
	*h6 = malloc((size_t)cap * sizeof(**h6));
	*h4 = malloc((size_t)cap * sizeof(**h4));
	if (*h6 == NULL || *h4 == NULL) {
		free(*h6);
		free(*h4);
		return -ENOMEM;
	}
	memset(*h6, 0xff, (size_t)cap * sizeof(**h6));
	memset(*h4, 0xff, (size_t)cap * sizeof(**h4));
	return 0;
}

static int
grow(struct binding_table *t)
{
	struct binding_slot *slots;
	uint32_t *h6, *h4, ncap;

	if (t->cap >= BINDING_MAX)
		return -ENOSPC;
	ncap = t->cap * 2;
	slots = realloc(t->slots, (size_t)ncap * sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	t->slots = slots;
	if (alloc_heads(ncap, &h6, &h4) != 0)
		return -ENOMEM;
	free(t->heads6);
	free(t->heads4);
	t->heads6 = h6;
	t->heads4 = h4;
	t->cap = ncap;
	for (uint32_t i = 0; i < t->count; i++)
		link_slot(t, i);
	return 0;
}

/* ---- table ---- */

int
binding_table_init(struct binding_table *t, size_t hint)
{
	memset(t, 0, sizeof(*t));
	t->cap = MIN_CAP;
	while (t->cap < hint && t->cap < BINDING_MAX)
		t->cap <<= 1;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	if (t->slots == NULL || alloc_heads(t->cap, &t->heads6,
	    &t->heads4) != 0) {
		free(t->slots);
		memset(t, 0, sizeof(*t));
		return -ENOMEM;
	}
	if (getrandom(t->key, sizeof(t->key), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(t->key)) {
		/* no entropy yet (early boot): still per-process */
		t->key[0] = (uint64_t)(uintptr_t)t ^ (uint64_t)time(NULL);
		t->key[1] = (uint64_t)(uintptr_t)&hint * 0x9e3779b97f4a7c15ull;
	}
	return 0;
}

void
binding_table_free(struct binding_table *t)
{
	free(t->slots);
	free(t->heads6);
	free(t->heads4);
	memset(t, 0, sizeof(*t));
}

/* Add a binding.  Re-adding the same (client, address, range) only
 * updates its expiry, so a server may repeat BIND on renewal.  -EEXIST
 * when the range overlaps another binding of that address, -EINVAL for
 * an empty range or a bad address, -ENOMEM/-ENOSPC when full. */
int
binding_add(struct binding_table *t, const struct binding *nb)
{
	struct binding *b;
	uint32_t i;
	int rv;

	if (nb->port_min > nb->port_max || nb->addr4 == 0 ||
	    !addr6_is_unicast_endpoint(&nb->client))
		return -EINVAL;
	for (b = binding_first4(t, nb->addr4); b != NULL;
	    b = binding_next4(t, b)) {
		if (nb->port_max < b->port_min || nb->port_min > b->port_max)
			continue;
		if (!same6(&b->client, &nb->client) ||
		    b->port_min != nb->port_min || b->port_max != nb->port_max)
			return -EEXIST;
		if (b->expires != nb->expires) {
			b->expires = nb->expires;
			t->generation++;
		}
		return 0;
	}
	if (t->count == t->cap && (rv = grow(t)) != 0)
		return rv;
	i = t->count;
	t->slots[i].b = *nb;
	memset(&t->slots[i].b.ctr, 0, sizeof(t->slots[i].b.ctr));
	link_slot(t, i);
	t->count++;
	t->generation++;
	return 0;
}

/* Remove the binding of `addr4` whose range starts at `port_min`. */
int
binding_remove(struct binding_table *t, uint32_t addr4, uint16_t port_min)
{
	struct binding *b;

	for (b = binding_first4(t, addr4); b != NULL; b = binding_next4(t, b))
		if (b->port_min == port_min) {
			remove_at(t, slot_index(t, b));
			return 0;
		}
	return -ENOENT;
}

/* Remove the binding equal to `x` in client, address and range. */
int
binding_set_whole(struct binding_table *t, uint32_t addr4,
    const struct in6_addr *client, int64_t expires, struct binding *moved)
{
	struct binding b, *old;

	memset(&b, 0, sizeof(b));
	b.client = *client;
	b.addr4 = addr4;
	b.port_min = BINDING_PORT_ALL_MIN;
	b.port_max = BINDING_PORT_ALL_MAX;
	b.expires = expires;
	if (moved != NULL)
		memset(moved, 0, sizeof(*moved));
	old = binding_lookup4(t, addr4, 0);
	if (old != NULL && memcmp(&old->client, client, sizeof(*client)) != 0) {
		if (moved != NULL)
			*moved = *old;
		binding_remove(t, addr4, old->port_min);
	}
	return binding_add(t, &b);
}

int
binding_unset_whole(struct binding_table *t, uint32_t addr4,
    const struct in6_addr *client, struct binding *gone)
{
	struct binding *b = binding_lookup4(t, addr4, 0);

	if (b == NULL || (client != NULL &&
	    memcmp(&b->client, client, sizeof(*client)) != 0))
		return -ENOENT;
	if (gone != NULL)
		*gone = *b;
	return binding_remove(t, addr4, b->port_min);
}

int
binding_remove_exact(struct binding_table *t, const struct binding *x)
{
	struct binding *b;

	for (b = binding_first4(t, x->addr4); b != NULL;
	    b = binding_next4(t, b))
		if (b->port_min == x->port_min && b->port_max == x->port_max &&
		    same6(&b->client, &x->client)) {
			remove_at(t, slot_index(t, b));
			return 0;
		}
	return -ENOENT;
}

/* Drop every binding whose expiry has passed; returns how many.  Walks
 * backwards so the slot moved into a hole has already been seen. */
size_t
binding_expire(struct binding_table *t, int64_t now)
{
	size_t n = 0;

	for (uint32_t i = t->count; i-- > 0;)
		if (binding_expired(&t->slots[i].b, now)) {
			remove_at(t, i);
			n++;
		}
	return n;
}

/* ---- lookups ---- */

static struct binding *
scan6(const struct binding_table *t, uint32_t i, const struct in6_addr *c)
{
	for (; i != NONE; i = t->slots[i].next6)
		if (same6(&t->slots[i].b.client, c))
			return &t->slots[i].b;
	return NULL;
}

static struct binding *
scan4(const struct binding_table *t, uint32_t i, uint32_t addr4)
{
	for (; i != NONE; i = t->slots[i].next4)
		if (t->slots[i].b.addr4 == addr4)
			return &t->slots[i].b;
	return NULL;
}

/* First binding of a client; binding_next6() gives the others. */
struct binding *
binding_lookup6(const struct binding_table *t, const struct in6_addr *c)
{
	if (t->count == 0)
		return NULL;
	return scan6(t, t->heads6[hash6(t, c)], c);
}

struct binding *
binding_next6(const struct binding_table *t, const struct binding *b)
{
	return scan6(t, t->slots[slot_index(t, b)].next6, &b->client);
}

/* The binding of `addr4` whose range holds `port`. */
struct binding *
binding_lookup4(const struct binding_table *t, uint32_t addr4,
    uint16_t port)
{
	struct binding *b;

	for (b = binding_first4(t, addr4); b != NULL; b = binding_next4(t, b))
		if (port >= b->port_min && port <= b->port_max)
			return b;
	return NULL;
}

/* Every binding of `addr4`, in no particular order. */
struct binding *
binding_first4(const struct binding_table *t, uint32_t addr4)
{
	if (t->count == 0)
		return NULL;
	return scan4(t, t->heads4[hash4(t, addr4)], addr4);
}

struct binding *
binding_next4(const struct binding_table *t, const struct binding *b)
{
	return scan4(t, t->slots[slot_index(t, b)].next4, b->addr4);
}

size_t
binding_count(const struct binding_table *t)
{
	return t->count;
}

/* Listing and sync: index 0..count-1.  Removals reorder the array. */
struct binding *
binding_at(const struct binding_table *t, size_t i)
{
	return i < t->count ? &t->slots[i].b : NULL;
}

uint64_t
binding_generation(const struct binding_table *t)
{
	return t->generation;
}

/* Every invariant, for tests: each slot once in the right chain of both
 * hashes, chain lengths add up, no two ranges of an address overlap. */
int
binding_table_check(const struct binding_table *t)
{
	uint64_t n6 = 0, n4 = 0;
	uint32_t h, i, j;

	if (t->count > t->cap || (t->cap & (t->cap - 1)) != 0)
		return -1;
	for (h = 0; h < t->cap; h++) {
		for (i = t->heads6[h]; i != NONE; i = t->slots[i].next6) {
			if (i >= t->count || hash6(t, &t->slots[i].b.client) !=
			    h || ++n6 > t->count)
				return -1;
		}
		for (i = t->heads4[h]; i != NONE; i = t->slots[i].next4) {
			if (i >= t->count || hash4(t, t->slots[i].b.addr4) !=
			    h || ++n4 > t->count)
				return -1;
		}
	}
	if (n6 != t->count || n4 != t->count)
		return -1;
	for (i = 0; i < t->count; i++) {
		const struct binding *a = &t->slots[i].b;

		if (a->port_min > a->port_max)
			return -1;
		for (j = t->heads6[hash6(t, &a->client)]; j != i;
		    j = t->slots[j].next6)
			if (j == NONE)
				return -1;
		for (j = t->heads4[hash4(t, a->addr4)]; j != i;
		    j = t->slots[j].next4)
			if (j == NONE)
				return -1;
		for (j = t->heads4[hash4(t, a->addr4)]; j != NONE;
		    j = t->slots[j].next4) {
			const struct binding *b = &t->slots[j].b;

			if (j != i && b->addr4 == a->addr4 &&
			    !(a->port_max < b->port_min ||
			    a->port_min > b->port_max))
				return -1;
		}
	}
	return 0;
}
