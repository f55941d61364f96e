/* kbpf_abi.h - what the BPF programs (kernel/bpf/NAME.bpf.c) and their
 * loader (kernel/kbpf*.c) share: configuration, map keys and values,
 * counter indexes.  Included by clang -target bpf and by the host
 * compiler, so only fixed-width uapi types and no padding the two could
 * disagree on.  Addresses are in network order, times in boot-time ns
 * (bpf_ktime_get_boot_ns(), CLOCK_BOOTTIME).
 */
#ifndef DSTM_KBPF_ABI_H
#define DSTM_KBPF_ABI_H

#include <linux/types.h>

/* ---- gateway ---- */

struct kbpf_gw_cfg {
	__u32	tep6[4];	/* outer source of what we encapsulate */
	__u32	tun_ifindex;	/* the IPv4 side (dti0): FIB lookups use it
				 * as the input interface, like the slow
				 * path's packets written into it */
	__u32	mtu;		/* largest inner IPv4 packet in the tunnel */
	__u32	flow_seed;	/* RFC 6438 label, as rfc2473.c */
	__u32	max_index;	/* size of the binding counter array */
	__u32	tep4;		/* the tunnel's IPv4 end (network order):
				 * never an inner destination */
	__u8	hop_limit;
	__u8	flow_label;	/* 0: label 0 */
	__u8	enabled;	/* 0 until the loader has filled this in */
	__u8	hairpin;	/* 0: client to client dropped (RFC 7596
				 * 5.2), else left to the slow path */
	__u8	aftr;		/* the AFTR runs: 4in6 matching no binding
				 * goes to the slow path's NAT */
	__u8	pad[3];
};

/* Client -> IPv4: keyed by (outer source, inner source).  A client may
 * hold several addresses, so the address is part of the key. */
struct kbpf_up_key {
	__u32	client6[4];
	__u32	addr4;
};

struct kbpf_up_val {
	__u64	expires_ns;	/* 0 = never */
	__u32	index;		/* binding counter slot */
	__u16	port_min, port_max;	/* host order, inclusive */
	__u32	flags;		/* KBPF_BIND_* */
	__u32	pad;
};

/* IPv4 -> client: keyed by the inner destination.  Whole-address
 * bindings only; shared addresses are not in this map (punted). */
struct kbpf_down_val {
	__u32	client6[4];
	__u64	expires_ns;
	__u32	index;
	__u32	flags;
};

#define KBPF_BIND_PUNT	0x1	/* let the slow path decide (several port
				 * ranges under one key) */

/* Per binding, in a per-CPU array indexed by kbpf_up_val.index. */
struct kbpf_bind_ctr {
	__u64	pkts_up, bytes_up;	/* inner bytes, client -> IPv4 */
	__u64	pkts_down, bytes_down;
	__u64	last_seen_ns;		/* last packet from the client */
};

struct kbpf_ctr {
	__u64	pkts, bytes;
};

/* Gateway counters, a per-CPU array of struct kbpf_ctr.  The drop names
 * are rfc2473_drop_name()'s, so the two paths' counters add up. */
enum kbpf_gw_stat {
	KBPF_GW_FWD_UP = 0,		/* decapsulated and forwarded */
	KBPF_GW_FWD_DOWN,		/* encapsulated and sent */
	KBPF_GW_DROP_UNKNOWN_CLIENT,	/* "unknown-client" */
	KBPF_GW_DROP_SPOOFED_ADDR,	/* "spoofed-source" */
	KBPF_GW_DROP_SPOOFED_PORT,	/* "spoofed-port" */
	KBPF_GW_DROP_EXPIRED,		/* "expired" */
	KBPF_GW_DROP_ERROR,		/* a helper failed half-way */
	KBPF_GW_DROP_BAD_DEST,		/* "bad-destination" */
	KBPF_GW_DROP_HAIRPIN,		/* "hairpin": to a bound address,
					 * hairpin off */
	/* punted: TC_ACT_OK, the packet untouched, for the slow path */
	KBPF_GW_PUNT_EXT_HEADER,	/* outer extension headers */
	KBPF_GW_PUNT_INNER,		/* inner not plain IPv4 (options,
					 * lengths, version) */
	KBPF_GW_PUNT_FRAGMENT,		/* inner IPv4 fragment */
	KBPF_GW_PUNT_SHARED,		/* shared address without ports, or
					 * a multi-range binding */
	KBPF_GW_PUNT_TTL,		/* inner TTL <= 1 */
	KBPF_GW_PUNT_ECN,		/* outer CE, inner not-ECT */
	KBPF_GW_PUNT_GSO,		/* GSO other than TCP */
	KBPF_GW_PUNT_ROUTE,		/* FIB lookup other than success */
	KBPF_GW_PUNT_TOO_BIG,		/* over the tunnel or egress MTU */
	KBPF_GW_PUNT_NO_BINDING,	/* IPv4 side: nobody holds it */
	KBPF_GW_PUNT_EXPIRED,		/* IPv4 side: binding expired */
	KBPF_GW_PUNT_HELPER,		/* a helper refused, nothing changed */
	KBPF_GW_PUNT_HAIRPIN,		/* routed into the TUN: to a client */
	KBPF_GW_PUNT_AFTR,		/* no binding, the AFTR on: its NAT */
	KBPF_GW_STAT_MAX
};

/* ---- client ---- */

struct kbpf_client_cfg {
	__u32	src6[4];	/* our IPv6 source, outer destination in */
	__u32	tep6[4];
	__u32	addr4;		/* the lease; 0 = none (everything punted) */
	__u32	tun_ifindex;	/* dti0 */
	__u32	uplink_ifindex;	/* where 4in6 leaves and arrives */
	__u8	hop_limit;
	__u8	any_addr4;	/* B4: any inner source out, destination in */
	__u8	pad[2];
};

enum kbpf_client_stat {
	KBPF_CL_FWD_UP = 0,		/* encapsulated to the TEP */
	KBPF_CL_FWD_DOWN,		/* decapsulated into dti0 */
	KBPF_CL_DROP_NOT_TEP,		/* "not-from-tep" */
	KBPF_CL_DROP_NOT_OURS,		/* "not-our-address" */
	KBPF_CL_DROP_ERROR,
	KBPF_CL_PUNT_INNER,
	KBPF_CL_PUNT_ECN,
	KBPF_CL_PUNT_GSO,
	KBPF_CL_PUNT_TOO_BIG,
	KBPF_CL_PUNT_HELPER,
	KBPF_CL_STAT_MAX
};

#endif
