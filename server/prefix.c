/* prefix.c - a count per client prefix; see prefix.h. */
#include "server/prefix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"

#define PFX_MIN_CAP	64

void
pfx_init(struct pfx_table *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->seed = seed;
}

void
pfx_free(struct pfx_table *p)
{
	free(p->v);
	p->v = NULL;
	p->cap = p->n = 0;
}

void
pfx_clear(struct pfx_table *p)
{
	if (p->v != NULL)
		memset(p->v, 0, (size_t)p->cap * sizeof(*p->v));
	p->n = 0;
}

static uint32_t
home(const struct pfx_table *p, const struct in6_addr *a)
{
	return (uint32_t)hash_in6(a, p->seed) & (p->cap - 1);
}

/* The slot holding `a`, or the empty slot where it would go. */
static uint32_t
find(const struct pfx_table *p, const struct in6_addr *a)
{
	uint32_t i = home(p, a);

	while (p->v[i].count != 0 &&
	    memcmp(&p->v[i].pfx, a, sizeof(*a)) != 0)
		i = (i + 1) & (p->cap - 1);
	return i;
}

int
pfx_reserve(struct pfx_table *p, uint32_t more)
{
	struct pfx_entry *old = p->v;
	uint32_t ocap = p->cap, cap = ocap ? ocap : PFX_MIN_CAP;

	while ((uint64_t)(p->n + more) * 2 > cap) {
		if (cap > UINT32_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == ocap)
		return 0;
	if ((p->v = calloc(cap, sizeof(*p->v))) == NULL) {
		p->v = old;
		return -ENOMEM;
	}
	p->cap = cap;
	for (uint32_t i = 0; i < ocap; i++)
		if (old[i].count != 0)
			p->v[find(p, &old[i].pfx)] = old[i];
	free(old);
	return 0;
}

uint32_t
pfx_get(const struct pfx_table *p, const struct in6_addr *pfx)
{
	return p->cap == 0 ? 0 : p->v[find(p, pfx)].count;
}

void
pfx_add(struct pfx_table *p, const struct in6_addr *pfx, int delta)
{
	uint32_t i, j, mask;

	if (p->cap == 0)
		return;		/* nothing reserved: a +1 was a caller bug */
	mask = p->cap - 1;
	i = find(p, pfx);
	if (p->v[i].count == 0) {
		if (delta <= 0 || (uint64_t)(p->n + 1) * 2 > p->cap)
			return;
		p->v[i].pfx = *pfx;
		p->n++;
	}
	p->v[i].count += (uint32_t)delta;
	if (p->v[i].count != 0)
		return;
	/* backward-shift deletion: pull later entries of the run into the
	 * hole when their home is not between the hole and them */
	p->n--;
	for (j = (i + 1) & mask; p->v[j].count != 0; j = (j + 1) & mask) {
		uint32_t h = home(p, &p->v[j].pfx);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			p->v[i] = p->v[j];
			p->v[j].count = 0;
			i = j;
		}
	}
}
