/* hash.h - mixing for keyed hash tables of addresses. */
#ifndef DSTM_HASH_H
#define DSTM_HASH_H

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

/* splitmix64's finaliser: every input bit reaches every output bit */
static inline uint64_t
hash_mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/* Keyed hash of an IPv6 address: a full mix after each 64-bit word, so
 * the low bits (where neighbouring addresses differ) reach every bit. */
static inline uint64_t
hash_in6(const struct in6_addr *a, uint64_t seed)
{
	uint64_t w[2];

	memcpy(w, a, sizeof(w));
	return hash_mix64(hash_mix64(w[0] ^ seed) ^ w[1]);
}

#endif
