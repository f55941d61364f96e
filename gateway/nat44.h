/* nat44.h - the AFTR's NAT44 (RFC 6333 6.6): a userspace table of
 * mappings keyed by the tunnel, with port blocks per B4.
 *
 * A mapping ("session") is (B4 IPv6 address, inner source address,
 * protocol, inner source port or ICMP query id) <-> (public address,
 * public port or id), endpoint-independent (RFC 4787 REQ-1): one mapping
 * serves every remote host, and (RFC 4787 REQ-8's transparent option)
 * any remote host may answer through it while it lives.  Two B4s using
 * the same private source (192.0.0.2, RFC 6333 5.7) never collide: the
 * B4 is part of the key.
 *
 * Ports: every public address offers ports NAT44_PORT_MIN-65535 in
 * blocks of `block_size`; a B4 holds up to max_blocks_per_b4 blocks (and
 * the B4s of one b4_prefix_len prefix up to max_blocks_per_prefix), all
 * on one public address (RFC 6888 REQ-2, paired pooling), each block
 * used for TCP, UDP and ICMP ids alike.  A block is allocated when the
 * B4 needs a port and has none free, released when its last mapping
 * goes: the two moments a CGN operator logs (RFC 6888 section 4; the
 * log_block callback).
 *
 * Memory is allocated once by nat44_new, sized by the config: no
 * allocation per packet.  Per packet: two hash lookups at most, the
 * timeout lists (one per timeout class, each sorted by expiry because
 * every entry of a class has the same timeout: a touched entry moves to
 * the tail) and a bounded expiry step.  Time is the caller's (`now`, in
 * seconds), so tests inject it.
 *
 * Checksums (RFC 1624, incremental): the IPv4 header, TCP and UDP (a
 * zero UDP checksum stays zero), ICMP queries (the id).  ICMP errors
 * (RFC 5508): the outer address, the quoted packet's address, port,
 * header and transport checksums, then the ICMP checksum recomputed.
 *
 * IPv4 fragments: the first one (it has the ports) is translated and
 * remembered by (source, destination, id, protocol) for 10 s; the later
 * ones follow its mapping (address only).  A later fragment that comes
 * before its first is dropped (FRAGMENT): nothing is reassembled.
 */
#ifndef DSTM_NAT44_H
#define DSTM_NAT44_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define NAT44_PORT_MIN		1024	/* below: never handed out */
#define NAT44_PORTS		(65536 - NAT44_PORT_MIN)
#define NAT44_MAX_ADDRS		1024	/* public addresses in the pool */
#define NAT44_MAX_BLOCKS_PER_B4	64
#define NAT44_MAX_SESSIONS	(1u << 22)

enum nat44_proto { NAT44_TCP, NAT44_UDP, NAT44_ICMP, NAT44_NPROTO };

/* timeout classes */
enum nat44_tclass { NAT44_T_UDP, NAT44_T_TCP_EST, NAT44_T_TCP_TRANS,
	NAT44_T_ICMP, NAT44_NT };

enum nat44_drop {
	NAT44_DROP_NONE = 0,
	NAT44_DROP_MALFORMED,		/* truncated transport header */
	NAT44_DROP_PROTOCOL,		/* not TCP, UDP or ICMP */
	NAT44_DROP_FRAGMENT,		/* a later fragment whose first
					 * one was not seen */
	NAT44_DROP_PORT_EXHAUSTED,	/* no free port, no block to add */
	NAT44_DROP_SESSION_LIMIT,	/* max-sessions-per-b4 */
	NAT44_DROP_TABLE_FULL,		/* max-sessions (all B4s) */
	NAT44_DROP_NO_SESSION,		/* inbound: no mapping */
	NAT44_DROP_WRONG_INTERFACE,	/* a B4 with mappings, from another
					 * interface than its first packet */
	NAT44_DROP_PREFIX_LIMIT,	/* max_blocks_per_prefix: the B4's
					 * prefix holds its share */
	NAT44_DROP_MAX
};

struct nat44_config {
	const struct range4 *pool;	/* sorted, disjoint; copied */
	unsigned	 n_pool;
	uint32_t	 block_size;	/* ports, a multiple of 64 */
	uint32_t	 max_blocks_per_b4;
	/* B4s in one b4_prefix_len prefix (one subscriber's delegated
	 * prefix, any address in it) hold at most max_blocks_per_prefix
	 * blocks together.  0, 0: 128 and max_blocks_per_b4 */
	uint32_t	 b4_prefix_len;		/* 32-128 */
	uint32_t	 max_blocks_per_prefix;
	uint32_t	 max_sessions_per_b4;
	uint32_t	 max_sessions;	/* the whole table */
	uint32_t	 timeout[NAT44_NT];	/* seconds */
	uint64_t	 seed;		/* hash key */
	/* a block given to (alloc) or taken back from a B4 */
	void		(*log_block)(void *arg, bool alloc,
			    const struct in6_addr *b4, uint32_t pub,
			    uint16_t first, uint16_t last, int64_t now);
	void		*log_arg;
};

struct nat44_stats {
	uint64_t	 sessions, b4s, blocks;		/* now */
	uint64_t	 sessions_created, sessions_expired;
	uint64_t	 blocks_allocated, blocks_released;
	uint64_t	 out_pkts, in_pkts;		/* translated */
	uint64_t	 icmp_errors;			/* translated */
	uint64_t	 drops[NAT44_DROP_MAX];
};

/* What nat44_foreach_* hand out. */
struct nat44_b4_info {
	struct in6_addr	 addr;
	uint32_t	 pub;		/* 0 until it has a block */
	uint32_t	 sessions, blocks;
	int		 ifindex;	/* where it was first seen */
	int64_t		 since;
};

struct nat44_session_info {
	struct in6_addr	 b4;
	uint32_t	 src, pub;
	uint16_t	 sport, pport;
	uint8_t		 proto;		/* IPPROTO_* */
	uint8_t		 tclass;	/* enum nat44_tclass */
	int64_t		 expires;
	uint64_t	 pkts_out, pkts_in;
};

struct nat44_block_info {
	struct in6_addr	 b4;
	uint32_t	 pub;
	uint16_t	 first, last;
	uint32_t	 used;		/* mappings in it */
	int64_t		 since;
};

struct nat44;

/* Allocates every table (0, -EINVAL for a bad config, -ENOMEM). */
int	 nat44_new(const struct nat44_config *c, struct nat44 **out);
/* Releases every block (logged) and frees. */
void	 nat44_free(struct nat44 *n, int64_t now);

/* The number of blocks of one public address. */
uint32_t nat44_blocks_per_addr(uint32_t block_size);

/* B4 -> IPv4 network: translate the source of `pkt` (a whole IPv4
 * packet) in place, making the mapping when it is new.  ifindex: the
 * interface the tunnel packet came in by; a B4 is pinned to the one of
 * its first packet while it holds mappings, so a packet forging its
 * address from another link is dropped (WRONG_INTERFACE).  0, or -1
 * with *why (counted). */
int	 nat44_outbound(struct nat44 *n, const struct in6_addr *b4,
	    int ifindex, uint8_t *pkt, size_t len, int64_t now,
	    enum nat44_drop *why);
/* IPv4 network -> B4: translate the destination (a public address) back
 * in place; *b4 is where it goes.  0, or -1 with *why (counted). */
int	 nat44_inbound(struct nat44 *n, uint8_t *pkt, size_t len,
	    int64_t now, struct in6_addr *b4, enum nat44_drop *why);
/* One of the public addresses. */
bool	 nat44_is_public(const struct nat44 *n, uint32_t addr);
/* Expire what timed out, at most `budget` mappings (the packet path
 * calls it with a small budget, a timer with a large one); the number
 * removed. */
unsigned nat44_expire(struct nat44 *n, int64_t now, unsigned budget);

void	 nat44_get_stats(const struct nat44 *n, struct nat44_stats *st);
/* Iterate, in table order; fn returns false to stop. */
void	 nat44_foreach_b4(const struct nat44 *n,
	    bool (*fn)(void *arg, const struct nat44_b4_info *), void *arg);
void	 nat44_foreach_session(const struct nat44 *n,
	    bool (*fn)(void *arg, const struct nat44_session_info *),
	    void *arg);
void	 nat44_foreach_block(const struct nat44 *n,
	    bool (*fn)(void *arg, const struct nat44_block_info *),
	    void *arg);

const char *nat44_drop_name(enum nat44_drop d);
const char *nat44_tclass_name(enum nat44_tclass t);

#endif
