/* prefix.h - a count per client prefix (the BOUND and STATIC leases of
 * each /N, for max-leases-per-prefix): an open-addressing table, linear
 * probing with backward-shift deletion, that grows by doubling.  Growth
 * happens only in pfx_reserve(), so pfx_add() never fails: the lease
 * table reserves room before a change, then makes it. */
#ifndef DSTM_PREFIX_H
#define DSTM_PREFIX_H

#include <netinet/in.h>
#include <stdint.h>

struct pfx_entry {
	struct in6_addr	pfx;
	uint32_t	count;		/* 0 = empty */
};

struct pfx_table {
	struct pfx_entry	*v;
	uint32_t		 cap;	/* power of 2, or 0 */
	uint32_t		 n;	/* entries in use */
	uint64_t		 seed;
};

void	 pfx_init(struct pfx_table *p, uint64_t seed);
void	 pfx_free(struct pfx_table *p);
/* Room for `more` new prefixes at load <= 1/2: 0 or -ENOMEM. */
int	 pfx_reserve(struct pfx_table *p, uint32_t more);
uint32_t pfx_get(const struct pfx_table *p, const struct in6_addr *pfx);
/* count += delta (+1 or -1); the entry goes when it reaches 0.  A +1 for
 * a new prefix needs room reserved. */
void	 pfx_add(struct pfx_table *p, const struct in6_addr *pfx, int delta);
void	 pfx_clear(struct pfx_table *p);

#endif
