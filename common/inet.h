/* inet.h - IPv4 on byte buffers: Internet checksum, header parsing, TTL,
 * ICMPv4 errors, fragmentation, TCP MSS clamping.
 *
 * Every function takes the packet first, as (pkt, len), never reads past
 * len and writes only into caller buffers with an explicit capacity.
 * Addresses are host-order uint32_t, as everywhere in dstm.
 */
#ifndef DSTM_INET_H
#define DSTM_INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV4_HDR_LEN		20
#define IPV4_MAX_HDR_LEN	60
#define IPV6_HDR_LEN		40
#define IPV4_MIN_MTU		68	/* RFC 791 */

#define IPV4_DF			0x4000
#define IPV4_MF			0x2000
#define IPV4_OFFMASK		0x1fff

#define ICMP4_ECHO_REPLY	0
#define ICMP4_UNREACH		3
#define ICMP4_UNREACH_HOST	1
#define ICMP4_UNREACH_NEEDFRAG	4
#define ICMP4_ECHO		8
#define ICMP4_TIME_EXCEEDED	11
#define ICMP4_TTL_EXCEEDED	0
#define ICMP4_TTL		64	/* TTL of the errors we build */
#define ICMP4_QUOTE_DATA	8	/* RFC 792: header + 64 bits of data */
#define ICMP4_ERROR_MAX		(IPV4_HDR_LEN + 8 + IPV4_MAX_HDR_LEN + \
				 ICMP4_QUOTE_DATA)

/* What the packet path needs from an IPv4 header. */
struct ipv4_info {
	uint32_t	src, dst;
	uint16_t	tot_len;
	uint16_t	id;
	uint16_t	frag;		/* fragment offset in bytes */
	uint8_t		hlen;		/* header length in bytes */
	uint8_t		tos, ttl, proto;
	bool		df, mf;
	/* Ports seen from the hosts: sport belongs to the source host,
	 * dport to the destination host.  TCP/UDP ports, the ICMP query
	 * identifier (both), or for an ICMP error the quoted packet's ports
	 * swapped.  Only in first fragments. */
	bool		has_ports;
	uint16_t	sport, dport;
};

static inline uint16_t
be16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
be16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* inet.c: checksums (RFC 1071, RFC 1624) */
uint32_t inet_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t inet_fold(uint32_t sum);		/* ~(folded sum) */
uint16_t inet_csum(const uint8_t *p, size_t len);
uint16_t inet_csum_adjust(uint16_t csum, uint16_t old, uint16_t new);

/* inet.c: IPv4 header */
int	 ipv4_parse(const uint8_t *pkt, size_t len, struct ipv4_info *ii);
int	 ipv4_ttl_decrement(uint8_t *pkt, size_t len);
bool	 ipv4_is_icmp_error(const uint8_t *pkt, size_t len);
/* Rewrite the source (src true) or destination address of a parsed-sane
 * packet and fix the header checksum and, in a first fragment, the TCP or
 * UDP checksum, incrementally (RFC 1624).  0, or -EINVAL if the header
 * does not parse. */
int	 ipv4_rewrite_addr(uint8_t *pkt, size_t len, bool src, uint32_t to);

/* inet.c: ICMPv4 errors (RFC 792, RFC 1191, RFC 1812 4.3.2) */
int	 icmp4_error(const uint8_t *pkt, size_t len, uint8_t type,
	    uint8_t code, uint32_t rest, uint32_t src4, uint8_t *out,
	    size_t cap, size_t *out_len);
int	 icmp4_time_exceeded(const uint8_t *pkt, size_t len, uint32_t src4,
	    uint8_t *out, size_t cap, size_t *out_len);
int	 icmp4_host_unreachable(const uint8_t *pkt, size_t len,
	    uint32_t src4, uint8_t *out, size_t cap, size_t *out_len);
int	 icmp4_frag_needed(const uint8_t *pkt, size_t len, uint16_t mtu,
	    uint32_t src4, uint8_t *out, size_t cap, size_t *out_len);

/* inet.c: fragmentation (RFC 791 3.2 "Fragmentation"), one fragment per
 * call so the caller can write each straight into its tunnel buffer. */
struct ipv4_frag {
	const uint8_t	*pkt;
	size_t		 hlen;		/* header length of the original */
	size_t		 plen;		/* payload length of the original */
	size_t		 done;		/* payload bytes already emitted */
	size_t		 mtu;
	uint16_t	 base;		/* original offset, 8-byte units */
	bool		 mf;		/* original MF */
	bool		 started;
	size_t		 optlen;	/* copied options, padded */
	uint8_t		 opts[IPV4_MAX_HDR_LEN - IPV4_HDR_LEN];
};
int	 ipv4_frag_init(struct ipv4_frag *f, const uint8_t *pkt, size_t len,
	    size_t mtu);
int	 ipv4_frag_next(struct ipv4_frag *f, uint8_t *out, size_t cap,
	    size_t *out_len);

/* inet.c: TCP MSS clamping on IPv4 SYNs */
int	 tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss);

#endif
