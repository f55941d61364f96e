/* notify.h - the MAC of a revoke notice (DSTM_NOTIFY_PROG in dstm.x),
 * shared by the server that makes it and the client that checks it. */
#ifndef DSTM_RPC_NOTIFY_H
#define DSTM_RPC_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "rpc/dstm.h"

/* SipHash-2-4 under `key` of addr, client and stamp as XDR encodes them. */
void dstm_notify_mac(const uint8_t key[static DSTM_KEY_LEN],
	const dstm_notify_args *a, uint8_t mac[static DSTM_MAC_LEN]);
/* The notice's MAC is right for `key`. */
bool dstm_notify_check(const uint8_t key[static DSTM_KEY_LEN],
	const dstm_notify_args *a);

#endif
