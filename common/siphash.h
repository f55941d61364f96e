/* siphash.h - SipHash-2-4 (Aumasson, Bernstein 2012): a keyed PRF with a
 * 128-bit key and a 64-bit output.  Used where a forger must not be able
 * to compute a value: the server's address cookies and the lease key's
 * MAC over a revoke notice. */
#ifndef DSTM_SIPHASH_H
#define DSTM_SIPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN	16

uint64_t siphash24(const uint8_t key[static SIPHASH_KEY_LEN], const void *msg,
	size_t len);

/* Compare n bytes in time independent of where they differ. */
bool ct_equal(const void *a, const void *b, size_t n);

#endif
