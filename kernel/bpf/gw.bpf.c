/* gw.bpf.c - the gateway's fast path (RFC 2473 4in6, RFC 7596 6.2).
 *
 * dstm_gw_in6, tc ingress on each IPv6 uplink: 4in6 to the TEP from a
 * bound client is checked, decapsulated and forwarded as IPv4; a forged
 * one is dropped and counted (punted when the AFTR runs: a B4 has no
 * binding, and the NAT is the slow path's); anything unusual is punted
 * untouched to the slow path (the raw IPIP socket of the TUN backend).
 *
 * dstm_gw_out4, tc egress on the TUN (dti0, an L3 device: the packet
 * starts at its IPv4 header): IPv4 routed to a bound address is
 * encapsulated to its client and sent out of the uplink; the rest goes
 * on into the TUN, to the slow path, which answers with ICMP or
 * fragments.
 *
 * Both do every check and the FIB lookup before they change the packet,
 * so a punt is always possible until the last moment.
 */
#include "kbpf_bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kbpf_gw_cfg);
} gw_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);	/* set by the loader */
	__type(key, struct kbpf_up_key);
	__type(value, struct kbpf_up_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} gw_up SEC(".maps");

/* client IPv6 -> number of gw_up entries: tells an unknown client from
 * a known one using a wrong source */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct in6_addr);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} gw_clients SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct kbpf_down_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} gw_down SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct kbpf_bind_ctr);
} gw_bind_ctr SEC(".maps");

KBPF_COUNTERS(gw_stats, KBPF_GW_STAT_MAX)

INLINE struct kbpf_bind_ctr *
bind_ctr(const struct kbpf_gw_cfg *cfg, __u32 index)
{
	if (index >= cfg->max_index)
		return NULL;
	return bpf_map_lookup_elem(&gw_bind_ctr, &index);
}

/* The same RFC 6438 label as rfc2473.c's flow_label(), so a flow keeps
 * its label whichever path carries a packet. */
INLINE __u32
flow_label(const struct kbpf_gw_cfg *cfg, const struct iphdr *ip4)
{
	__u64 h;

	if (!cfg->flow_label)
		return 0;
	h = ((__u64)bpf_ntohl(ip4->saddr) << 32 | bpf_ntohl(ip4->daddr)) ^
	    ((__u64)cfg->flow_seed << 8 | ip4->protocol);
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	h &= 0xfffff;
	return h != 0 ? (__u32)h : 1;
}

/* The FIB found a route but no neighbour entry: let the kernel resolve
 * the next hop it named (IPv4 routes may have IPv6 next hops). */
INLINE int
redirect_neigh(const struct bpf_fib_lookup *fib, struct bpf_redir_neigh *nh)
{
	nh->nh_family = fib->family;
	if (fib->family == AF_INET6)
		addr6_copy(nh->ipv6_nh, fib->ipv6_dst);
	else
		nh->ipv4_nh = fib->ipv4_dst;
	return bpf_redirect_neigh(fib->ifindex, nh, sizeof(*nh), 0);
}

INLINE int
is_ext_header(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	    nh == IPPROTO_FRAGMENT || nh == IPPROTO_DSTOPTS;
}

INLINE int
has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	    proto == IPPROTO_DCCP || proto == IPPROTO_SCTP ||
	    proto == IPPROTO_UDPLITE;
}

/* ---- IPv6 uplink, ingress: client -> IPv4 ---- */

SEC("tc")
int
dstm_gw_in6(struct __sk_buff *skb)
{
	const __u32 zero = 0;
	const struct kbpf_gw_cfg *cfg;
	struct kbpf_up_key key = {};
	const struct kbpf_up_val *b;
	struct kbpf_bind_ctr *bc;
	struct bpf_fib_lookup fib = {};
	struct bpf_redir_neigh nh = {};
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	struct iphdr *ip4;
	void *data, *end;
	__u32 plen, hdr = IP4_HLEN, inner, seg, pkts, index;
	__u16 old, new;
	__u64 bytes;
	__u8 ecn_out, ecn_in, top;
	__u64 now;
	int rc;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&gw_cfg, &zero);
	if (cfg == NULL || !cfg->enabled)
		return TC_ACT_OK;
	/* only tunnel packets pay for a pull (it may copy) */
	if (pull(skb, ETH_HLEN_ + IP6_HLEN) != 0)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6) ||
	    ip6->version != 6)
		return TC_ACT_OK;
	if (!addr6_eq(ip6->daddr.in6_u.u6_addr32, cfg->tep6))
		return TC_ACT_OK;
	if (ip6->nexthdr != IPPROTO_IPIP) {
		if (is_ext_header(ip6->nexthdr))
			return punt(KBPF_GW_PUNT_EXT_HEADER, skb);
		return TC_ACT_OK;	/* not a tunnel packet */
	}
	if (pull(skb, ETH_HLEN_ + IP6_HLEN + IP4_HLEN + 60) != 0)
		return punt(KBPF_GW_PUNT_HELPER, skb);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end)
		return punt(KBPF_GW_PUNT_INNER, skb);

	/* the inner packet: plain IPv4, lengths agreeing, no fragment */
	ip4 = (void *)(ip6 + 1);
	if ((void *)(ip4 + 1) > end || ip4->version != 4 || ip4->ihl != 5)
		return punt(KBPF_GW_PUNT_INNER, skb);
	plen = bpf_ntohs(ip6->payload_len);
	inner = bpf_ntohs(ip4->tot_len);
	if (inner != plen || skb->len != ETH_HLEN_ + IP6_HLEN + plen ||
	    inner < IP4_HLEN)
		return punt(KBPF_GW_PUNT_INNER, skb);
	if (ip4->frag_off & bpf_htons(IP4_MF_OFF))
		return punt(KBPF_GW_PUNT_FRAGMENT, skb);

	/* RFC 7596 6.2: (outer source, inner source[, port]) is a binding */
	addr6_copy(key.client6, ip6->saddr.in6_u.u6_addr32);
	key.addr4 = ip4->saddr;
	b = bpf_map_lookup_elem(&gw_up, &key);
	if (b == NULL) {
		/* a B4's: the AFTR's NAT is the slow path's */
		if (cfg->aftr)
			return punt(KBPF_GW_PUNT_AFTR, skb);
		if (bpf_map_lookup_elem(&gw_clients, &ip6->saddr) == NULL)
			return drop(KBPF_GW_DROP_UNKNOWN_CLIENT, skb);
		return drop(KBPF_GW_DROP_SPOOFED_ADDR, skb);
	}
	if (b->flags & KBPF_BIND_PUNT)
		return punt(KBPF_GW_PUNT_SHARED, skb);
	if (b->port_min != 0 || b->port_max != 0xffff) {
		__be16 *ports = (void *)(ip4 + 1);
		__u16 sport;

		if (!has_ports(ip4->protocol) || (void *)(ports + 2) > end)
			return punt(KBPF_GW_PUNT_SHARED, skb);
		sport = bpf_ntohs(ports[0]);
		if (sport < b->port_min || sport > b->port_max)
			return drop(KBPF_GW_DROP_SPOOFED_PORT, skb);
	}
	now = bpf_ktime_get_boot_ns();
	if (b->expires_ns != 0 && b->expires_ns <= now)
		return drop(KBPF_GW_DROP_EXPIRED, skb);
	/* as rfc2473_bad_destination(): 0/8, 127/8, 224/4 and 240/4 (the
	 * limited broadcast too), the tunnel's own IPv4 end */
	top = (__u8)(bpf_ntohl(ip4->daddr) >> 24);
	if (top == 0 || top == 127 || top >= 224 || ip4->daddr == cfg->tep4)
		return drop(KBPF_GW_DROP_BAD_DEST, skb);

	/* forwarding, as the kernel would after the slow path's write into
	 * the TUN: TTL, ECN (RFC 6040 4.2), MTU, route */
	if (ip4->ttl <= 1)
		return punt(KBPF_GW_PUNT_TTL, skb);
	ecn_out = ip6_tclass(ip6) & ECN_MASK;
	ecn_in = ip4->tos & ECN_MASK;
	if (ecn_out == ECN_CE && ecn_in == ECN_NOT_ECT)
		return punt(KBPF_GW_PUNT_ECN, skb);
	if (skb->gso_size != 0) {
		hdr = gso_hdr_len(ip4, end);
		if (hdr == 0)
			return punt(KBPF_GW_PUNT_GSO, skb);
	}
	seg = seg_len(skb, inner, hdr);
	fib.family = AF_INET;
	fib.ifindex = cfg->tun_ifindex;
	fib.tos = ip4->tos;
	fib.l4_protocol = ip4->protocol;
	fib.tot_len = (__u16)seg;
	fib.ipv4_src = ip4->saddr;
	fib.ipv4_dst = ip4->daddr;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return punt(KBPF_GW_PUNT_TOO_BIG, skb);
	/* NOT_FWDED: an address of this host, a broadcast, or no route:
	 * the slow path knows the host's addresses (bad-destination) and
	 * hands the rest to the kernel, which answers them */
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return punt(KBPF_GW_PUNT_ROUTE, skb);
	/* RFC 7596 5.2: routed back into the TUN, to the pool.  To a bound
	 * address with hairpin off: dropped here; the rest (hairpin on, a
	 * shared or free address) is the slow path's call, which turns it
	 * around, drops it or leaves it to the kernel */
	if (fib.ifindex == cfg->tun_ifindex) {
		if (!cfg->hairpin &&
		    bpf_map_lookup_elem(&gw_down, &ip4->daddr) != NULL)
			return drop(KBPF_GW_DROP_HAIRPIN, skb);
		return punt(KBPF_GW_PUNT_HAIRPIN, skb);
	}

	/* measured now: the helper resets gso_segs */
	pkts = wire_pkts(skb);
	bytes = wire_bytes(skb, inner, hdr);
	index = b->index;
	if (bpf_skb_adjust_room(skb, -IP6_HLEN, BPF_ADJ_ROOM_MAC,
	    BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_FIXED_GSO) != 0)
		return punt(KBPF_GW_PUNT_HELPER, skb);
	bc = bind_ctr(cfg, index);
	if (bc != NULL) {
		bc->pkts_up += pkts;
		bc->bytes_up += bytes;
		bc->last_seen_ns = now;
	}
	count(KBPF_GW_FWD_UP, pkts, bytes);

	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip4 = (void *)(eth + 1);
	/* DECAP_L3_IPV4 (kernel >= 6.3) made skb->protocol IPv4 */
	if ((void *)(ip4 + 1) > end || skb->protocol != bpf_htons(ETH_P_IP))
		return drop(KBPF_GW_DROP_ERROR, skb);
	eth->h_proto = bpf_htons(ETH_P_IP);
	/* TTL and, when the outer packet met congestion, CE */
	old = *(__u16 *)&ip4->ttl;
	ip4->ttl--;
	new = *(__u16 *)&ip4->ttl;
	csum_replace2(&ip4->check, old, new);
	if (ecn_out == ECN_CE && ecn_in != ECN_CE) {
		old = *(__u16 *)ip4;
		ip4->tos |= ECN_CE;
		new = *(__u16 *)ip4;
		csum_replace2(&ip4->check, old, new);
	}

	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return redirect_neigh(&fib, &nh);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect(fib.ifindex, 0);
}

/* ---- TUN, egress: IPv4 -> client ---- */

SEC("tc")
int
dstm_gw_out4(struct __sk_buff *skb)
{
	const __u32 zero = 0;
	const struct kbpf_gw_cfg *cfg;
	const struct kbpf_down_val *b;
	struct kbpf_bind_ctr *bc;
	struct bpf_fib_lookup fib = {};
	struct bpf_redir_neigh nh = {};
	__u32 client6[4], tep6[4];
	struct ethhdr *eth;
	struct iphdr *ip4;
	void *data, *end;
	__u32 inner, hdr = IP4_HLEN, seg, label, pkts, index;
	__u64 bytes;
	__u8 tclass, hops;
	int rc;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&gw_cfg, &zero);
	if (cfg == NULL || !cfg->enabled)
		return TC_ACT_OK;
	if (pull(skb, IP4_HLEN + 60) != 0)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip4 = data;
	if ((void *)(ip4 + 1) > end || ip4->version != 4 || ip4->ihl < 5)
		return punt(KBPF_GW_PUNT_INNER, skb);
	inner = bpf_ntohs(ip4->tot_len);
	if (inner != skb->len)
		return punt(KBPF_GW_PUNT_INNER, skb);

	b = bpf_map_lookup_elem(&gw_down, &ip4->daddr);
	if (b == NULL)
		return punt(KBPF_GW_PUNT_NO_BINDING, skb);
	if (b->flags & KBPF_BIND_PUNT)
		return punt(KBPF_GW_PUNT_SHARED, skb);
	if (b->expires_ns != 0 && b->expires_ns <= bpf_ktime_get_boot_ns())
		return punt(KBPF_GW_PUNT_EXPIRED, skb);

	/* RFC 2473 7: the inner packet must fit the tunnel; bigger ones
	 * get the slow path's frag-needed or fragmentation */
	if (skb->gso_size != 0) {
		if (ip4->ihl != 5)
			return punt(KBPF_GW_PUNT_GSO, skb);
		hdr = gso_hdr_len(ip4, end);
		if (hdr == 0)
			return punt(KBPF_GW_PUNT_GSO, skb);
	}
	seg = seg_len(skb, inner, hdr);
	if (seg > cfg->mtu)
		return punt(KBPF_GW_PUNT_TOO_BIG, skb);

	/* RFC 2473 6.5, RFC 6040 normal mode: traffic class = inner TOS */
	tclass = ip4->tos;
	label = flow_label(cfg, ip4);
	hops = cfg->hop_limit;
	addr6_copy(client6, b->client6);
	addr6_copy(tep6, cfg->tep6);

	fib.family = AF_INET6;
	fib.ifindex = cfg->tun_ifindex;
	fib.flowinfo = bpf_htonl((__u32)tclass << 20 | label);
	fib.l4_protocol = IPPROTO_IPIP;
	fib.tot_len = (__u16)(seg + IP6_HLEN);
	addr6_copy(fib.ipv6_src, tep6);
	addr6_copy(fib.ipv6_dst, client6);
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), BPF_FIB_LOOKUP_OUTPUT);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return punt(KBPF_GW_PUNT_TOO_BIG, skb);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS && rc != BPF_FIB_LKUP_RET_NO_NEIGH)
		return punt(KBPF_GW_PUNT_ROUTE, skb);

	pkts = wire_pkts(skb);
	bytes = wire_bytes(skb, inner, hdr);
	index = b->index;
	switch (encap_l3(skb, tclass, label, (__u16)inner, hops, tep6,
	    client6, &eth)) {
	case ENCAP_UNCHANGED:
		return punt(KBPF_GW_PUNT_HELPER, skb);
	case ENCAP_BROKEN:
		return drop(KBPF_GW_DROP_ERROR, skb);
	}
	bc = bind_ctr(cfg, index);
	if (bc != NULL) {
		bc->pkts_down += pkts;
		bc->bytes_down += bytes;
	}
	count(KBPF_GW_FWD_DOWN, pkts, bytes);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return redirect_neigh(&fib, &nh);
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	return bpf_redirect(fib.ifindex, 0);
}
