/* rpcwire.c - DSTM client calls by hand (see rpcwire.h). */
#include "tests/bench/lib/rpcwire.h"

#include <arpa/inet.h>
#include <string.h>

#include "common/addr.h"

void
rpcwire_put32(uint8_t **p, uint32_t v)
{
	v = htonl(v);
	memcpy(*p, &v, 4);
	*p += 4;
}

uint32_t
rpcwire_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

size_t
rpcwire_call(uint8_t *buf, uint32_t xid, uint32_t proc, uint32_t addr,
    uint32_t client, const uint8_t *cookie)
{
	uint8_t *p = buf;

	rpcwire_put32(&p, xid);
	rpcwire_put32(&p, 0);		/* CALL */
	rpcwire_put32(&p, 2);		/* RPC version */
	rpcwire_put32(&p, RPCWIRE_PROG);
	rpcwire_put32(&p, RPCWIRE_VERS);
	rpcwire_put32(&p, proc);
	rpcwire_put32(&p, 0);		/* credentials: AUTH_NONE, empty */
	rpcwire_put32(&p, 0);
	rpcwire_put32(&p, 0);		/* verifier: AUTH_NONE, empty */
	rpcwire_put32(&p, 0);
	addr4_to_bytes(addr, p);	/* dstm_in4, fixed-length opaque */
	p += 4;
	if (proc == RPCWIRE_ALLOC)
		rpcwire_put32(&p, 0);	/* flags */
	/* the key: the client's number, never zero */
	rpcwire_put32(&p, client);
	rpcwire_put32(&p, 0x6b657931);
	rpcwire_put32(&p, 0);
	rpcwire_put32(&p, 0);
	if (proc == RPCWIRE_ALLOC) {
		if (cookie != NULL)
			memcpy(p, cookie, RPCWIRE_COOKIE_LEN);
		else
			memset(p, 0, RPCWIRE_COOKIE_LEN);
		p += RPCWIRE_COOKIE_LEN;
	}
	return (size_t)(p - buf);
}

int
rpcwire_reply(const uint8_t *p, size_t len, uint32_t *xid, uint32_t *status,
    uint32_t *addr, const uint8_t **cookie)
{
	size_t off;
	uint32_t vlen;

	/* xid, REPLY, MSG_ACCEPTED, verifier flavour and length */
	if (len < 24 || rpcwire_get32(p + 4) != 1 || rpcwire_get32(p + 8) != 0)
		return -1;
	*xid = rpcwire_get32(p);
	vlen = rpcwire_get32(p + 16);
	if (vlen > 400)			/* RFC 5531: at most 400 bytes */
		return -1;
	off = 20 + ((vlen + 3) & ~3u);
	if (len < off + 8 || rpcwire_get32(p + off) != 0)	/* SUCCESS */
		return -1;
	*status = rpcwire_get32(p + off + 4);
	*addr = len >= off + 12 ? addr4_from_bytes(p + off + 8) : 0;
	/* ALLOC: dstm_lease (52 bytes), then the cookie */
	*cookie = len >= off + 4 + 52 + RPCWIRE_COOKIE_LEN ?
	    p + off + 4 + 52 : NULL;
	return 0;
}
