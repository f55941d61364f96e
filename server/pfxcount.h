/* pfxcount.h - a count per 64-bit key (a source /64), for the
 * connection cap: open addressing with linear probing, keyed hashing
 * (a caller-chosen seed, so the slots cannot be aimed at), a key leaves
 * when its count drops to 0 (backward-shift deletion: no tombstones). */
#ifndef DSTM_PFXCOUNT_H
#define DSTM_PFXCOUNT_H

#include <stdbool.h>
#include <stdint.h>

struct pfxcount_slot {
	uint64_t	 key;
	uint32_t	 n;		/* 0: empty */
};

struct pfxcount {
	struct pfxcount_slot *slot;
	uint32_t	 cap;		/* a power of two, or 0 */
	uint32_t	 used;		/* keys with n > 0 */
	uint64_t	 seed;
};

void     pfxcount_init(struct pfxcount *c, uint64_t seed);
uint32_t pfxcount_get(const struct pfxcount *c, uint64_t key);
/* false when the table could not grow (nothing changed) */
bool     pfxcount_inc(struct pfxcount *c, uint64_t key);
void     pfxcount_dec(struct pfxcount *c, uint64_t key);
void     pfxcount_free(struct pfxcount *c);

#endif
