/* client.bpf.c - the client's fast path (RFC 2473 4in6 host side).
 *
 * dstm_cl_out4, tc egress on dti0 (TUN, L3): IPv4 sourced from the
 * lease is encapsulated to the TEP from our IPv6 source and sent out of
 * the uplink; everything else goes on into the TUN, to rpcd.
 *
 * dstm_cl_in6, tc ingress on the uplink: 4in6 to our source from the TEP
 * and for the lease is decapsulated and handed to dti0 as if it had
 * arrived there; 4in6 to us from anyone else, or for another address, is
 * dropped and counted as rpcd would; the rest is punted.
 *
 * In DS-lite B4 mode (any_addr4) the B4 routes for a LAN: any inner
 * source is encapsulated and any inner destination decapsulated; the
 * outer checks stay.
 *
 * The configuration is one array entry that the loader rewrites when
 * the lease changes; addr4 == 0 punts everything.
 */
#include "kbpf_bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kbpf_client_cfg);
} cl_cfg SEC(".maps");

KBPF_COUNTERS(cl_stats, KBPF_CL_STAT_MAX)

/* ---- dti0, egress: the host's IPv4 -> TEP ---- */

SEC("tc")
int
dstm_cl_out4(struct __sk_buff *skb)
{
	const __u32 zero = 0;
	const struct kbpf_client_cfg *cfg;
	__u32 src6[4], tep6[4], inner, hdr = IP4_HLEN, mtu_len, uplink, pkts;
	__u64 bytes;
	struct ethhdr *eth;
	struct iphdr *ip4;
	void *data, *end;
	__u8 tclass, hops;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&cl_cfg, &zero);
	if (cfg == NULL || cfg->addr4 == 0)
		return TC_ACT_OK;
	if (pull(skb, IP4_HLEN + 60) != 0)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip4 = data;
	if ((void *)(ip4 + 1) > end || ip4->version != 4 ||
	    (ip4->saddr != cfg->addr4 && !cfg->any_addr4))
		return TC_ACT_OK;
	inner = bpf_ntohs(ip4->tot_len);
	if (inner != skb->len || ip4->ihl < 5)
		return punt(KBPF_CL_PUNT_INNER, skb);
	if (skb->gso_size != 0) {
		if (ip4->ihl != 5)
			return punt(KBPF_CL_PUNT_GSO, skb);
		hdr = gso_hdr_len(ip4, end);
		if (hdr == 0)
			return punt(KBPF_CL_PUNT_GSO, skb);
	}
	/* the outer segment must fit the uplink: too big goes to rpcd,
	 * whose raw socket lets the kernel fragment the IPv6 packet */
	uplink = cfg->uplink_ifindex;
	mtu_len = seg_len(skb, inner, hdr);
	if (bpf_check_mtu(skb, uplink, &mtu_len, IP6_HLEN, 0) !=
	    BPF_MTU_CHK_RET_SUCCESS)
		return punt(KBPF_CL_PUNT_TOO_BIG, skb);

	tclass = ip4->tos;
	hops = cfg->hop_limit;
	addr6_copy(src6, cfg->src6);
	addr6_copy(tep6, cfg->tep6);
	pkts = wire_pkts(skb);
	bytes = wire_bytes(skb, inner, hdr);
	switch (encap_l3(skb, tclass, 0, (__u16)inner, hops, src6, tep6,
	    &eth)) {
	case ENCAP_UNCHANGED:
		return punt(KBPF_CL_PUNT_HELPER, skb);
	case ENCAP_BROKEN:
		return drop(KBPF_CL_DROP_ERROR, skb);
	}
	count(KBPF_CL_FWD_UP, pkts, bytes);
	/* the placeholder link header is for redirect_neigh to replace: the
	 * kernel routes the outer packet and resolves the next hop, as it
	 * would for rpcd's raw socket */
	return bpf_redirect_neigh(uplink, NULL, 0, 0);
}

/* ---- uplink, ingress: TEP -> the host's IPv4 ---- */

SEC("tc")
int
dstm_cl_in6(struct __sk_buff *skb)
{
	const __u32 zero = 0;
	const struct kbpf_client_cfg *cfg;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	struct iphdr *ip4;
	void *data, *end;
	__u32 plen, inner, hdr = IP4_HLEN, pkts;
	__u16 old, new;
	__u64 bytes;
	__u8 ecn_out, ecn_in;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&cl_cfg, &zero);
	if (cfg == NULL || cfg->addr4 == 0)
		return TC_ACT_OK;
	if (pull(skb, ETH_HLEN_ + IP6_HLEN) != 0)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6) ||
	    ip6->version != 6 || ip6->nexthdr != IPPROTO_IPIP ||
	    !addr6_eq(ip6->daddr.in6_u.u6_addr32, cfg->src6))
		return TC_ACT_OK;
	if (pull(skb, ETH_HLEN_ + IP6_HLEN + IP4_HLEN + 60) != 0)
		return punt(KBPF_CL_PUNT_HELPER, skb);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip6 = (void *)(eth + 1);
	if ((void *)(ip6 + 1) > end)
		return punt(KBPF_CL_PUNT_INNER, skb);
	if (!addr6_eq(ip6->saddr.in6_u.u6_addr32, cfg->tep6))
		return drop(KBPF_CL_DROP_NOT_TEP, skb);
	ip4 = (void *)(ip6 + 1);
	if ((void *)(ip4 + 1) > end || ip4->version != 4 || ip4->ihl < 5)
		return punt(KBPF_CL_PUNT_INNER, skb);
	if (ip4->daddr != cfg->addr4 && !cfg->any_addr4)
		return drop(KBPF_CL_DROP_NOT_OURS, skb);
	plen = bpf_ntohs(ip6->payload_len);
	inner = bpf_ntohs(ip4->tot_len);
	if (inner != plen || skb->len != ETH_HLEN_ + IP6_HLEN + plen)
		return punt(KBPF_CL_PUNT_INNER, skb);
	ecn_out = ip6_tclass(ip6) & ECN_MASK;
	ecn_in = ip4->tos & ECN_MASK;
	if (ecn_out == ECN_CE && ecn_in == ECN_NOT_ECT)
		return punt(KBPF_CL_PUNT_ECN, skb);
	if (skb->gso_size != 0) {
		if (ip4->ihl != 5)
			return punt(KBPF_CL_PUNT_GSO, skb);
		hdr = gso_hdr_len(ip4, end);
		if (hdr == 0)
			return punt(KBPF_CL_PUNT_GSO, skb);
	}
	pkts = wire_pkts(skb);
	bytes = wire_bytes(skb, inner, hdr);
	if (bpf_skb_adjust_room(skb, -IP6_HLEN, BPF_ADJ_ROOM_MAC,
	    BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_FIXED_GSO) != 0)
		return punt(KBPF_CL_PUNT_HELPER, skb);
	count(KBPF_CL_FWD_DOWN, pkts, bytes);
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	eth = data;
	ip4 = (void *)(eth + 1);
	/* DECAP_L3_IPV4 (kernel >= 6.3) made skb->protocol IPv4 */
	if ((void *)(ip4 + 1) > end || skb->protocol != bpf_htons(ETH_P_IP))
		return drop(KBPF_CL_DROP_ERROR, skb);
	eth->h_proto = bpf_htons(ETH_P_IP);
	if (ecn_out == ECN_CE && ecn_in != ECN_CE) {	/* RFC 6040 4.2 */
		old = *(__u16 *)ip4;
		ip4->tos |= ECN_CE;
		new = *(__u16 *)ip4;
		csum_replace2(&ip4->check, old, new);
	}
	/* as if it had come out of the tunnel device */
	return bpf_redirect(cfg->tun_ifindex, BPF_F_INGRESS);
}
