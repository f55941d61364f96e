/* rfc2473.h - the gateway's IPv4-in-IPv6 packet logic (RFC 2473 generic
 * packet tunneling, next header 4) with the RFC 7596 6.2 source check.
 *
 * Pure functions on byte buffers: the caller owns the sockets, the TUN
 * devices and the ICMP rate limit.  A `struct rfc2473_tep` holds the
 * configuration, the binding table and the counters.
 *
 * Decapsulation (client -> IPv4 network), rfc2473_decap_inner(): the
 *   payload, the outer source and traffic class, as a raw IPPROTO_IPIP
 *   IPv6 socket gives them.  The kernel has already checked the outer
 *   header, walked its extension headers and reassembled IPv6 fragments,
 *   so what is left to check is the inner packet and the binding.
 *   On OK, res->len is the inner packet's length (all of the input).
 *   The inner TTL is left alone: the kernel decrements it when it
 *   forwards the packet written to the IPv4 TUN.
 *   RFC 6040 4.2 (normal mode, as Linux's ip6_tunnel and the bpf fast
 *   path): an outer CE mark is carried into an ECT(0)/ECT(1) inner
 *   header (its checksum updated); CE over a not-ECT inner packet cannot
 *   be carried, and the packet is dropped (verdict NOT_ECT).
 *   A destination bound to a client (RFC 7596 5.2 hairpinning) is
 *   dropped (HAIRPIN) unless cfg.hairpin; then OK with res->hairpin.
 *   Shared addresses: a non-first IPv4 fragment carries no port, so it
 *   passes when the outer source holds a binding on the inner source
 *   address (the first fragment was port-checked); a first fragment or
 *   a protocol without ports fails the port check.
 *
 * Encapsulation (IPv4 network -> client), rfc2473_encap(): look up the
 * destination (and its port when the address is shared; non-first
 * fragments to shared addresses cannot be placed and are dropped), then
 *   TTL_EXCEEDED     inner TTL <= 1: send icmp4_time_exceeded();
 *   TOO_BIG          DF set and larger than res->mtu (tunnel MTU - 40):
 *                    send icmp4_frag_needed() with res->mtu (RFC 1191,
 *                    RFC 2473 7);
 *   FRAGMENT_NEEDED  DF clear and larger: RFC 2473 7.1 lets us fragment
 *                    the inner packet.  We fragment IPv4 (ipv4_frag_*
 *                    to res->mtu) rather than IPv6, so the client gets
 *                    ordinary IPv4 fragments and no IPv6 reassembly is
 *                    needed; pass each piece to rfc2473_encap_binding();
 *   NO_BINDING       send icmp4_host_unreachable(), rate-limited.
 * OK writes the IPv6 header (traffic class = inner TOS, flow label 0 or
 * an RFC 6438 hash, next header 4, src = TEP, dst = client) and the inner
 * packet with its TTL decremented as a router would (RFC 2473 3.1).
 */
#ifndef DSTM_RFC2473_H
#define DSTM_RFC2473_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct binding;
struct binding_table;

#define RFC2473_NH_IPV4		4
#define RFC2473_DEFAULT_MTU	1500	/* outer; inner 1460, RFC 6333 5.3 */
#define RFC2473_DEFAULT_HOPLIMIT 64
#define RFC2473_MIN_MTU		1280	/* RFC 8200 5 */

enum rfc2473_verdict {
	RFC2473_OK = 0,
	RFC2473_MALFORMED,	/* truncated, bad lengths or checksum */
	RFC2473_NOT_IPV4,	/* inner version not 4 */
	RFC2473_NOT_ECT,	/* outer CE over a not-ECT inner packet */
	RFC2473_UNKNOWN_CLIENT,	/* no binding for the outer source */
	RFC2473_SPOOFED_SOURCE,	/* inner source or port not the client's */
	RFC2473_EXPIRED,	/* the binding has expired */
	RFC2473_BAD_DESTINATION, /* inner destination never forwarded */
	RFC2473_HAIRPIN,	/* to a client's address, hairpin off */
	RFC2473_NO_BINDING,	/* nobody holds the destination */
	RFC2473_TTL_EXCEEDED,	/* inner TTL would reach 0 */
	RFC2473_TOO_BIG,	/* DF set, larger than the tunnel allows */
	RFC2473_FRAGMENT_NEEDED, /* DF clear, larger: fragment, then encap */
	RFC2473_NO_ROOM,	/* output buffer too small */
	RFC2473_VERDICT_MAX
};

/* Why a packet was dropped; the names are what `dstmctl stats` shows.
 * Only what the data plane can meet: the outer header's faults (bad
 * lengths, extension headers, IPv6 fragments to reassemble) are the
 * kernel's, before any backend sees the packet. */
enum rfc2473_drop {
	RFC2473_DROP_NONE = 0,
	RFC2473_DROP_INNER_NOT_IPV4,
	RFC2473_DROP_INNER_MALFORMED,
	RFC2473_DROP_UNKNOWN_CLIENT,
	RFC2473_DROP_SPOOFED_ADDR,
	RFC2473_DROP_SPOOFED_PORT,
	RFC2473_DROP_EXPIRED,
	RFC2473_DROP_CE_NOT_ECT,	/* RFC 6040 4.2 */
	RFC2473_DROP_BAD_DESTINATION,	/* loopback, multicast, ... */
	RFC2473_DROP_HAIRPIN,		/* client to client, hairpin = no */
	RFC2473_DROP_NO_BINDING,
	RFC2473_DROP_SHARED_NO_PORT,	/* shared address, port unknown */
	RFC2473_DROP_TTL_EXCEEDED,
	RFC2473_DROP_TOO_BIG,
	RFC2473_DROP_NO_ROOM,
	RFC2473_DROP_MAX
};

struct rfc2473_stats {
	uint64_t	decap_pkts, decap_bytes;	/* inner bytes */
	uint64_t	encap_pkts, encap_bytes;	/* inner bytes */
	uint64_t	encap_fragmented;	/* FRAGMENT_NEEDED verdicts */
	uint64_t	hairpin;	/* client to client, turned around */
	uint64_t	drops[RFC2473_DROP_MAX];
};

struct rfc2473_config {
	struct in6_addr	tep6;		/* outer source we encapsulate from */
	uint32_t	gw4;		/* source of our ICMPv4 errors */
	uint16_t	tunnel_mtu;	/* largest outer IPv6 packet */
	uint8_t		hop_limit;
	bool		decrement_ttl;	/* RFC 2473 3.1, default on */
	bool		flow_label;	/* RFC 6438 from inner src/dst/proto */
	uint32_t	flow_seed;
	/* RFC 7596 5.2: a client's packet to an address bound to a client
	 * is turned around at the TEP (true) or dropped */
	bool		hairpin;
	/* the gateway host's own IPv4 addresses (and their subnet
	 * broadcasts), sorted ascending, not owned: the kernel would
	 * deliver a packet to them to its local sockets */
	const uint32_t	*local4;
	size_t		n_local4;
};

/* An inner destination a client may never reach through the TEP: "this
 * network" 0/8, loopback 127/8, multicast 224/4, reserved 240/4 and the
 * limited broadcast (RFC 6890), the tunnel's own IPv4 end (gw4), an
 * address of the gateway host (local4). */
bool rfc2473_bad_destination(const struct rfc2473_config *c, uint32_t dst);

/* RFC 6040 4.2 (normal mode) on a decapsulated IPv4 packet: carry an
 * outer CE into an ECT inner header (its checksum updated).  -1 when the
 * inner packet is not-ECT and cannot carry it (drop), else 0. */
int	 rfc2473_ecn_decap(uint8_t tclass, uint8_t *ip, size_t len);

/* A tunnel end point: configuration, bindings, counters. */
struct rfc2473_tep {
	struct rfc2473_config	 cfg;
	struct binding_table	*bt;
	struct rfc2473_stats	 st;
};

struct rfc2473_result {
	struct binding	*binding;	/* the binding used, when found */
	size_t		 len;		/* decap OK: the inner packet */
	size_t		 out_len;	/* encap OK: bytes written to out */
	uint16_t	 mtu;		/* TOO_BIG, FRAGMENT_NEEDED: limit */
	bool		 hairpin;	/* decap OK: the destination is bound
					 * to a client; encapsulate it to
					 * that client (after one router hop)
					 * rather than forward it */
	enum rfc2473_drop drop;		/* why, when not OK */
};

void	 rfc2473_config_default(struct rfc2473_config *c);
int	 rfc2473_config_check(const struct rfc2473_config *c);
uint16_t rfc2473_inner_mtu(const struct rfc2473_config *c);
uint16_t rfc2473_mss(const struct rfc2473_config *c);

enum rfc2473_verdict rfc2473_decap_inner(uint8_t *pkt, size_t len,
	    const struct in6_addr *src6, uint8_t tclass,
	    struct rfc2473_tep *tep, int64_t now, struct rfc2473_result *res);
enum rfc2473_verdict rfc2473_encap(const uint8_t *pkt, size_t len,
	    struct rfc2473_tep *tep, int64_t now, uint8_t *out, size_t cap,
	    struct rfc2473_result *res);
enum rfc2473_verdict rfc2473_encap_binding(const uint8_t *pkt, size_t len,
	    struct rfc2473_tep *tep, struct binding *b, uint8_t *out,
	    size_t cap, size_t *out_len);

const char *rfc2473_verdict_name(enum rfc2473_verdict v);
const char *rfc2473_drop_name(enum rfc2473_drop d);

#endif
