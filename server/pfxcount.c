/* pfxcount.c - see pfxcount.h */
#include "server/pfxcount.h"

#include <stdlib.h>

#include "common/hash.h"

static uint32_t
home(const struct pfxcount *c, uint64_t key)
{
	return (uint32_t)hash_mix64(key ^ c->seed) & (c->cap - 1);
}

static uint32_t
find(const struct pfxcount *c, uint64_t key)
{
	uint32_t i = home(c, key);

	while (c->slot[i].n != 0 && c->slot[i].key != key)
		i = (i + 1) & (c->cap - 1);
	return i;
}

void
pfxcount_init(struct pfxcount *c, uint64_t seed)
{
	c->slot = NULL;
	c->cap = c->used = 0;
	c->seed = seed;
}

uint32_t
pfxcount_get(const struct pfxcount *c, uint64_t key)
{
	return c->cap == 0 ? 0 : c->slot[find(c, key)].n;
}

static bool
grow(struct pfxcount *c)
{
	struct pfxcount_slot *old = c->slot;
	uint32_t oc = c->cap, nc = oc ? oc * 2 : 1024;

	if ((c->slot = calloc(nc, sizeof(*c->slot))) == NULL) {
		c->slot = old;
		return false;
	}
	c->cap = nc;
	for (uint32_t i = 0; i < oc; i++)
		if (old[i].n != 0)
			c->slot[find(c, old[i].key)] = old[i];
	free(old);
	return true;
}

bool
pfxcount_inc(struct pfxcount *c, uint64_t key)
{
	uint32_t i;

	if ((c->used + 1) * 2 > c->cap && !grow(c))
		return false;
	i = find(c, key);
	if (c->slot[i].n == 0) {
		c->slot[i].key = key;
		c->used++;
	}
	c->slot[i].n++;
	return true;
}

void
pfxcount_dec(struct pfxcount *c, uint64_t key)
{
	uint32_t i, j, k;

	if (c->cap == 0 || c->slot[i = find(c, key)].n == 0 ||
	    --c->slot[i].n > 0)
		return;
	/* the slot is free: pull back each later entry of the run whose
	 * home is not cyclically in (i, j], so every probe chain stays
	 * whole */
	c->used--;
	for (j = i;;) {
		c->slot[i].n = 0;
		for (;;) {
			j = (j + 1) & (c->cap - 1);
			if (c->slot[j].n == 0)
				return;
			k = home(c, c->slot[j].key);
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		c->slot[i] = c->slot[j];
		i = j;
	}
}

void
pfxcount_free(struct pfxcount *c)
{
	free(c->slot);
	pfxcount_init(c, c->seed);
}
