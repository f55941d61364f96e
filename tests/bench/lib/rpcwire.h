/* rpcwire.h - DSTM client calls encoded by hand for the load generator,
 * so that it costs far less than the server it measures: RFC 5531 call
 * header with AUTH_NONE, the arguments of ALLOC/RENEW/RELEASE (protocol
 * version 2: a lease key per client, the cookie for udp6), and the few
 * fields of a reply it needs.  TCP adds RFC 5531 record marking. */
#ifndef DSTM_BENCH_RPCWIRE_H
#define DSTM_BENCH_RPCWIRE_H

#include <stddef.h>
#include <stdint.h>

#define RPCWIRE_PROG	0x20445354u	/* DSTM_PROG, rpc/dstm.x */
#define RPCWIRE_VERS	2u
#define RPCWIRE_ALLOC	1u
#define RPCWIRE_RENEW	2u
#define RPCWIRE_RELEASE	3u
#define RPCWIRE_CALL_MAX 96		/* longest call, record mark included */
#define RPCWIRE_COOKIE	15u		/* DSTM_COOKIE: send it again with it */
#define RPCWIRE_COOKIE_LEN 16
#define RPCWIRE_LAST_FRAG 0x80000000u	/* record marking */

void	 rpcwire_put32(uint8_t **p, uint32_t v);
uint32_t rpcwire_get32(const uint8_t *p);
/* The call for `proc` with `addr` (ALLOC: the hint; RENEW/RELEASE: the
 * lease), host order, from client number `client` (its key follows from
 * it); `cookie` (ALLOC, may be NULL) from an earlier reply.  Returns its
 * length (at most CALL_MAX - 4). */
size_t	 rpcwire_call(uint8_t *buf, uint32_t xid, uint32_t proc,
	    uint32_t addr, uint32_t client, const uint8_t *cookie);
/* A reply: its xid, the DSTM status and (ALLOC/RENEW) the address; the
 * cookie of an ALLOC reply in *cookie (NULL when it has none).  -1 when it
 * is not an accepted, successful reply. */
int	 rpcwire_reply(const uint8_t *p, size_t len, uint32_t *xid,
	    uint32_t *status, uint32_t *addr, const uint8_t **cookie);

#endif
