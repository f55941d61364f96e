/* notify.c - the MAC of a revoke notice; see rpc/dstm.x. */
#include "rpc/notify.h"

#include <string.h>

#include "common/siphash.h"

_Static_assert(DSTM_KEY_LEN == SIPHASH_KEY_LEN, "the lease key is the MAC key");

void
dstm_notify_mac(const uint8_t key[static DSTM_KEY_LEN],
    const dstm_notify_args *a, uint8_t mac[static DSTM_MAC_LEN])
{
	uint8_t msg[DSTM_IN4_LEN + DSTM_IN6_LEN + 8];
	uint64_t h;

	memcpy(msg, a->addr, DSTM_IN4_LEN);
	memcpy(msg + DSTM_IN4_LEN, a->client, DSTM_IN6_LEN);
	for (int i = 0; i < 8; i++)
		msg[DSTM_IN4_LEN + DSTM_IN6_LEN + i] =
		    (uint8_t)(a->stamp >> (56 - 8 * i));
	h = siphash24(key, msg, sizeof(msg));
	for (int i = 0; i < DSTM_MAC_LEN; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
}

bool
dstm_notify_check(const uint8_t key[static DSTM_KEY_LEN],
    const dstm_notify_args *a)
{
	uint8_t mac[DSTM_MAC_LEN];

	dstm_notify_mac(key, a, mac);
	return ct_equal(mac, a->mac, sizeof(mac));
}
