/* dhcp6.h - the stateless DHCPv6 exchange of rpcd's B4 (RFC 8415 18.2.6,
 * Information-Request / Reply): the request it sends, the reply it reads
 * (the AFTR name of RFC 6334, DNS servers of RFC 3646, the Information
 * Refresh Time of RFC 8415 21.23) and the retransmission timer of RFC
 * 8415 15.  Pure: bytes in, bytes out; the socket is kernel/dhcp6_sock.c.
 *
 * The reply is untrusted input: every read is checked against the
 * remaining length, and a reply that fails any check changes nothing. */
#ifndef DSTM_DHCP6_H
#define DSTM_DHCP6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP6_CLIENT_PORT	546
#define DHCP6_SERVER_PORT	547

#define DHCP6_MSG_REPLY		7
#define DHCP6_MSG_INFO_REQ	11

#define DHCP6_OPT_CLIENTID	1
#define DHCP6_OPT_SERVERID	2
#define DHCP6_OPT_ORO		6
#define DHCP6_OPT_ELAPSED	8
#define DHCP6_OPT_STATUS	13
#define DHCP6_OPT_DNS		23	/* RFC 3646 */
#define DHCP6_OPT_IRT		32	/* Information Refresh Time */
#define DHCP6_OPT_AFTR_NAME	64	/* RFC 6334 */

/* RFC 8415 7.6 and 21.23, seconds */
#define DHCP6_IRT_DEFAULT	86400
#define DHCP6_IRT_MINIMUM	600
#define DHCP6_IRT_INFINITE	UINT32_MAX
/* RFC 8415 7.6: Information-Request retransmission, milliseconds */
#define DHCP6_INF_MAX_DELAY_MS	1000
#define DHCP6_INF_TIMEOUT_MS	1000
#define DHCP6_INF_MAX_RT_MS	3600000

#define DHCP6_DUID_MAX		130	/* RFC 8415 11.1: 2 + 128 */
#define DHCP6_NAME_MAX		254	/* dotted, without the final dot */
#define DHCP6_MAX_DNS		8	/* more are ignored */
#define DHCP6_MSG_MAX		1500	/* what the client reads */

struct dhcp6_reply {
	char		 aftr[DHCP6_NAME_MAX + 1];	/* "" = none given */
	struct in6_addr	 dns[DHCP6_MAX_DNS];
	unsigned	 n_dns;
	uint32_t	 refresh;	/* seconds, >= 600 or INFINITE */
};

/* DUID-LL (RFC 8415 11.4) of an Ethernet address; returns its length. */
size_t	dhcp6_duid_ll(uint8_t duid[static DHCP6_DUID_MAX],
	    const uint8_t mac[static 6]);
/* DUID-UUID (RFC 6355) from 16 bytes, for links without an address. */
size_t	dhcp6_duid_uuid(uint8_t duid[static DHCP6_DUID_MAX],
	    const uint8_t uuid[static 16]);

/* An Information-Request: transaction id (24 bits), Client Identifier,
 * Elapsed Time (centiseconds, capped at 0xffff by the caller), an Option
 * Request for the AFTR name, DNS servers and the refresh time.  Returns
 * the length written, 0 when `len` is too small. */
size_t	dhcp6_build_info_req(uint8_t *buf, size_t len, uint32_t xid,
	    const uint8_t *duid, size_t duid_len, uint16_t elapsed_cs);

/* A Reply to our Information-Request (RFC 8415 16.10): type Reply, our
 * transaction id, a Server Identifier, our Client Identifier, no status
 * other than Success, every option whole and at most one of each we use.
 * 0 and *out filled, or -1 and a static reason in *why (out untouched). */
int	dhcp6_parse_reply(const uint8_t *pkt, size_t len, uint32_t xid,
	    const uint8_t *duid, size_t duid_len, struct dhcp6_reply *out,
	    const char **why);

/* A DNS name in wire format without compression (RFC 8415 10, RFC 1035
 * 3.1) into dotted text: labels of 1-63 letters, digits, '-' or '_',
 * ending with the root label, at most 255 bytes.  Returns 0, or -1 and a
 * static reason. */
int	dhcp6_name_decode(const uint8_t *p, size_t len, char *out,
	    size_t outlen, const char **why);
/* The reverse (for tests and the stub server): 0 or -1. */
int	dhcp6_name_encode(const char *name, uint8_t *out, size_t outlen,
	    size_t *used);

/* RFC 8415 15: the next retransmission timeout from the previous one (0
 * for the first), with the randomisation factor drawn from `rnd` (any 32
 * bits): IRT + RAND*IRT, then 2*RT + RAND*RT, MRT + RAND*MRT past MRT,
 * RAND in [-0.1, 0.1]. */
uint32_t dhcp6_next_rt(uint32_t prev_ms, uint32_t irt_ms, uint32_t mrt_ms,
	    uint32_t rnd);

#endif
