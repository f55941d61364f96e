/* kbpf.h - the BPF fast paths (tc clsact programs, kernel/bpf/) that the
 * `bpf` data-plane backends put in front of the userspace (TUN) path.
 *
 * The fast path forwards the common case in the kernel and punts every
 * other packet to the slow path untouched (TC_ACT_OK), so the TUN
 * backend must keep running behind it: it still sees, checks, counts and
 * answers everything unusual.  What is punted, per program:
 *
 * gateway, IPv6 uplink ingress (4in6 to the TEP):
 *   forwarded: plain IPv4 inside (no options, no fragment), outer source
 *     and inner source[/port] matching a binding that has not expired,
 *     TTL > 1, a FIB route (input interface: the TUN, as for the slow
 *     path's packets) that fits; every check and the FIB lookup come
 *     before the packet changes (once decapsulated it cannot go back),
 *     a missing neighbour entry is resolved by bpf_redirect_neigh;
 *   dropped and counted like rfc2473.c: unknown-client, spoofed-source,
 *     spoofed-port, expired;
 *   punted: outer extension headers, odd inner headers or lengths, inner
 *     fragments, shared addresses without ports, multi-range bindings,
 *     TTL <= 1, outer CE over inner not-ECT (RFC 6040 4.2 drop, the
 *     slow path's call), non-TCP GSO, FIB results other than success or
 *     no-neighbour, too big for the egress.
 * gateway, TUN egress (IPv4 routed into the pool):
 *   forwarded: a whole-address binding not expired, one segment fitting
 *     the tunnel MTU and the uplink, a FIB route to the client;
 *   punted (goes on into the TUN): no binding, shared addresses (only
 *     whole-address bindings are in the kernel's map), expired, too big,
 *     no route, non-TCP GSO.
 * client, TUN egress: IPv4 from the lease -> 4in6 to the TEP out of the
 *   uplink (kernel route and neighbour); too big punts.  In DS-lite B4
 *   mode (any_addr4) from any source: a LAN routed into dti0.
 * client, uplink ingress: 4in6 to our source: from another source than
 *   the TEP dropped (not-from-tep), for another address dropped
 *   (not-our-address, not in B4 mode), else decapsulated into dti0; odd
 *   inner punts.
 *
 * What the fast path skips, by design: forwarded packets leave by
 * bpf_redirect, so netfilter's forward and postrouting hooks (NAT: not
 * for the aftr mode), rp_filter and the IPv4 forwarding counters do not
 * see them; the RFC 7596 check replaces rp_filter, as it does for the
 * slow path (rp_filter 0 on dti0).  The gateway needs IPv4 forwarding on
 * (the FIB lookup answers "forwarding disabled" otherwise: punted);
 * kbpf_gw_open() turns on IPv6 forwarding on the TUN, which the return
 * path's FIB lookups need and which changes nothing else there.
 *
 * Packets leave as the kernel holds them: GSO super-packets and
 * unfinished (CHECKSUM_PARTIAL) TCP/UDP checksums of locally sent or
 * GRO'd traffic stay so until a device finishes them.  A physical NIC
 * (or software GSO in front of it) does; a veth into another namespace
 * does not, which suits that namespace's own stack and the client fast
 * path, but not rpcd's raw socket, which takes the inner packet for wire
 * bytes.  So in a veth lab, a gateway fast path in front of userspace
 * clients breaks TCP from the IPv4 side (TcpInCsumErrors on the client)
 * unless the IPv4 host finishes its checksums (ethtool -K DEV tx off);
 * the TUN backend alone finishes them when it reads the TUN.
 *
 * The client's fast path assumes dti0 carries the lease itself: in
 * on-demand mode (rpcd rewriting a placeholder address) leave the lease
 * unset, so that everything goes to rpcd.
 *
 * Memory: three hash maps of max_bindings entries (allocated as used)
 * and max_bindings x 40 bytes x possible CPUs of binding counters.
 *
 * Times given here are unix seconds; the programs use boot-time ns and
 * the conversion happens at the call.  Addresses in host order for IPv4
 * (like struct binding), struct in6_addr for IPv6.  Every function
 * returns 0 or -errno and logs the reason through common/log.h.
 * Not thread-safe per handle.
 */
#ifndef DSTM_KERNEL_KBPF_H
#define DSTM_KERNEL_KBPF_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/bpf/kbpf_abi.h"	/* the counter indexes */

#define KBPF_MAX_UPLINKS	8
/* where our tc filters sit on a clsact hook (tc's handle and pref) */
#define KBPF_TC_HANDLE		0xd57
#define KBPF_TC_PRIORITY	0xd57
#define KBPF_DEFAULT_BINDINGS	65536

struct kbpf_gw;
struct kbpf_client;

/* 0 when this process can load the programs here and now; else -errno
 * and a sentence in why ("no CAP_BPF or CAP_SYS_ADMIN", "kernel has no
 * BTF", the verifier's complaint, ...) for `backend = auto` to log. */
int	kbpf_available(char *why, size_t len);
/* The cheap part of kbpf_available: capabilities and BTF, no test load
 * (the open that follows reports a verifier refusal itself). */
int	kbpf_permitted(char *why, size_t len);

/* ---- gateway ---- */

struct kbpf_gw_config {
	struct in6_addr	tep6;
	int		tun_ifindex;	/* the IPv4 side, the pool's route */
	int		uplinks[KBPF_MAX_UPLINKS];	/* IPv6 side, Ethernet */
	unsigned	n_uplinks;
	uint32_t	tep4;		/* the tunnel's IPv4 end, host order:
					 * dropped as an inner destination */
	unsigned	mtu;		/* largest inner IPv4 packet (gw
					 * `mtu`, 1460 by default) */
	uint8_t		hop_limit;	/* 0: 64 */
	bool		flow_label;	/* RFC 6438 label as rfc2473.c */
	uint32_t	flow_seed;
	uint32_t	max_bindings;	/* map sizes and counter slots; 0:
					 * KBPF_DEFAULT_BINDINGS */
	bool		hairpin;	/* false: a client's packet to a bound
					 * address is dropped ("hairpin") */
	bool		aftr;		/* punt 4in6 matching no binding (the
					 * AFTR's B4s) rather than drop it */
};

struct kbpf_binding_counters {
	uint64_t	pkts_up, bytes_up;	/* inner bytes */
	uint64_t	pkts_down, bytes_down;
	int64_t		last_seen;	/* unix seconds, 0 = never */
};

struct kbpf_counter {
	uint64_t	pkts, bytes;
};

/* Loads the programs, attaches them (creating clsact where missing) and
 * enables them.  Bindings start empty. */
int	kbpf_gw_open(const struct kbpf_gw_config *c, struct kbpf_gw **out);
/* Detaches, removes the clsact qdiscs it created, frees.  NULL is ok. */
void	kbpf_gw_close(struct kbpf_gw *g);

/* Adds or replaces the binding of client6 on addr4.  expires: unix
 * seconds, 0 = never.  index: the counter slot, < max_bindings.  One
 * entry per (client6, addr4): binding it again replaces it.  Shared
 * bindings (a range other than 0-65535) are not put in the IPv4-side
 * map: return traffic to shared addresses is always punted. */
int	kbpf_gw_bind(struct kbpf_gw *g, uint32_t addr4,
	    const struct in6_addr *client6, uint16_t port_min,
	    uint16_t port_max, int64_t expires, uint32_t index);
/* (client6, addr4) with several port ranges: every packet of the pair
 * is punted to the slow path, which knows the ranges. */
int	kbpf_gw_bind_punt(struct kbpf_gw *g, uint32_t addr4,
	    const struct in6_addr *client6, uint32_t index);
/* Removes (client6, addr4), whatever its range; -ENOENT if absent. */
int	kbpf_gw_unbind(struct kbpf_gw *g, uint32_t addr4,
	    const struct in6_addr *client6);
/* [gateway] hairpin: false drops a client's packet to an address bound
 * in the IPv4-side map; either way a packet routed back into the TUN is
 * punted ("punt-hairpin") for the slow path to decide.  0 or -errno. */
int	kbpf_gw_set_hairpin(struct kbpf_gw *g, bool on);
/* Removes every binding (a replace starts with this). */
int	kbpf_gw_flush(struct kbpf_gw *g);

int	kbpf_gw_binding_counters(struct kbpf_gw *g, uint32_t index,
	    struct kbpf_binding_counters *out);
/* Zeroes a counter slot before it is given to another binding. */
int	kbpf_gw_binding_counters_clear(struct kbpf_gw *g, uint32_t index);
/* out[KBPF_GW_STAT_MAX], summed over CPUs, indexed by enum
 * kbpf_gw_stat (kernel/bpf/kbpf_abi.h); kbpf_gw_counter_name() names
 * them: "fwd-up", "unknown-client" (rfc2473_drop_name()'s names, so the
 * two paths' drops add up), "punt-ttl", ... */
int	kbpf_gw_counters(struct kbpf_gw *g, struct kbpf_counter *out);
const char *kbpf_gw_counter_name(unsigned i);

/* For tests: the programs' fds (bpf_prog_test_run). */
int	kbpf_gw_prog_in6(const struct kbpf_gw *g);
int	kbpf_gw_prog_out4(const struct kbpf_gw *g);

/* ---- client ---- */

struct kbpf_client_config {
	struct in6_addr	src6;		/* our address; outer source */
	struct in6_addr	tep6;
	int		tun_ifindex;	/* dti0 */
	int		uplink_ifindex;	/* Ethernet */
	uint8_t		hop_limit;	/* 0: 64 */
	bool		any_addr4;	/* DS-lite B4: carry any inner source
					 * out and any destination in (a LAN
					 * behind it), not only the lease */
};

/* Attached with no lease: everything punted until kbpf_client_set_lease. */
int	kbpf_client_open(const struct kbpf_client_config *c,
	    struct kbpf_client **out);
void	kbpf_client_close(struct kbpf_client *cl);
/* addr4 0 clears; tep6 NULL keeps the configured TEP */
int	kbpf_client_set_lease(struct kbpf_client *cl, uint32_t addr4,
	    const struct in6_addr *tep6);
/* out[KBPF_CL_STAT_MAX], indexed by enum kbpf_client_stat */
int	kbpf_client_counters(struct kbpf_client *cl, struct kbpf_counter *out);
const char *kbpf_client_counter_name(unsigned i);
int	kbpf_client_prog_in6(const struct kbpf_client *cl);
int	kbpf_client_prog_out4(const struct kbpf_client *cl);

#endif
