/* kbpf_bpf.h - small inline helpers shared by the tc programs (BPF side
 * only): header access, checksums, ECN, counters.
 *
 * Every program returns TC_ACT_OK with the packet untouched when it
 * does not want a packet ("punt"): the slow path (the TUN backend, the
 * kernel's own stack) then sees exactly what it would see without us.
 * Once a packet has been changed it must be redirected or dropped.
 */
#ifndef DSTM_KBPF_BPF_H
#define DSTM_KBPF_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "kbpf_abi.h"

#ifndef AF_INET
#define AF_INET		2
#endif
#ifndef AF_INET6
#define AF_INET6	10
#endif

/* Debian's uapi headers (6.1) predate these; kernels >= 6.3 honour them. */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4	(1ULL << 7)
#endif

#define ETH_HLEN_	14
#define IP6_HLEN	40
#define IP4_HLEN	20
#define IP4_MF_OFF	0x3fff		/* more fragments | offset */
#define ECN_MASK	0x03
#define ECN_CE		0x03
#define ECN_NOT_ECT	0x00

#define INLINE	static __always_inline

INLINE int
addr6_eq(const __u32 *a, const __u32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

INLINE void
addr6_copy(__u32 *dst, const __u32 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
	dst[3] = src[3];
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one 16-bit word. */
INLINE void
csum_replace2(__u16 *sum, __u16 old, __u16 new)
{
	__u32 c = (__u16)~*sum;

	c += (__u16)~old;
	c += new;
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	*sum = (__u16)~c;
}

/* Traffic class of an IPv6 header (DSCP << 2 | ECN). */
INLINE __u8
ip6_tclass(const struct ipv6hdr *ip6)
{
	return (__u8)(ip6->priority << 4 | ip6->flow_lbl[0] >> 4);
}

INLINE void
ip6_write(struct ipv6hdr *ip6, __u8 tclass, __u32 label, __u16 plen,
    __u8 hops, const __u32 *src, const __u32 *dst)
{
	*(__be32 *)ip6 = bpf_htonl(6u << 28 | (__u32)tclass << 20 |
	    (label & 0xfffff));
	ip6->payload_len = bpf_htons(plen);
	ip6->nexthdr = IPPROTO_IPIP;
	ip6->hop_limit = hops;
	addr6_copy(ip6->saddr.in6_u.u6_addr32, src);
	addr6_copy(ip6->daddr.in6_u.u6_addr32, dst);
}

/* Makes at least `want` bytes (or the whole packet, if shorter)
 * linear and writable. */
INLINE int
pull(struct __sk_buff *skb, __u32 want)
{
	if (want > skb->len)
		want = skb->len;
	if ((long)skb->data + want <= (long)skb->data_end)
		return 0;
	return bpf_skb_pull_data(skb, want);
}

/* Inner header bytes repeated in every GSO segment: IPv4 (no options)
 * and TCP.  0 when the packet is not TCP or the header is not there. */
INLINE __u32
gso_hdr_len(const struct iphdr *ip4, const void *data_end)
{
	const struct tcphdr *th = (const void *)(ip4 + 1);

	if (ip4->protocol != IPPROTO_TCP || (const void *)(th + 1) > data_end)
		return 0;
	return IP4_HLEN + (__u32)th->doff * 4;
}

/* Inner length of one segment on the wire: what must fit the MTU. */
INLINE __u32
seg_len(const struct __sk_buff *skb, __u32 inner_len, __u32 hdr)
{
	return skb->gso_size != 0 ? hdr + skb->gso_size : inner_len;
}

/* Inner bytes of the packet as the segments will carry them. */
INLINE __u64
wire_bytes(const struct __sk_buff *skb, __u32 inner_len, __u32 hdr)
{
	__u32 segs = skb->gso_segs;

	if (skb->gso_size == 0 || segs <= 1)
		return inner_len;
	return inner_len + (__u64)(segs - 1) * hdr;
}

/* encap_l3()'s results */
#define ENCAP_OK	0
#define ENCAP_UNCHANGED	1	/* nothing was changed: punt */
#define ENCAP_BROKEN	2	/* changed half-way: drop */

/* The IPv4 packet of an L3 device's skb (TUN egress: no link header)
 * becomes Ethernet + IPv6 + it: grown by 40 bytes keeping gso_size (its
 * segments already fit), a zeroed link header prepended (the redirect
 * helpers want one; the caller fills the MACs or lets redirect_neigh do
 * it), the IPv6 header written.  *eth on ENCAP_OK. */
INLINE int
encap_l3(struct __sk_buff *skb, __u8 tclass, __u32 label, __u16 inner,
    __u8 hops, const __u32 *src, const __u32 *dst, struct ethhdr **eth)
{
	struct ipv6hdr *ip6;
	void *end;

	if (bpf_skb_adjust_room(skb, IP6_HLEN, BPF_ADJ_ROOM_MAC,
	    BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_FIXED_GSO) != 0)
		return ENCAP_UNCHANGED;
	/* the grow set skb->protocol to the outer family (checked on
	 * 6.18), which the redirect helpers dispatch on */
	if (skb->protocol != bpf_htons(ETH_P_IPV6) ||
	    bpf_skb_change_head(skb, ETH_HLEN_, 0) != 0)
		return ENCAP_BROKEN;
	*eth = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip6 = (void *)(*eth + 1);
	if ((void *)(ip6 + 1) > end)
		return ENCAP_BROKEN;
	__builtin_memset(*eth, 0, sizeof(**eth));
	(*eth)->h_proto = bpf_htons(ETH_P_IPV6);
	ip6_write(ip6, tclass, label, inner, hops, src, dst);
	return ENCAP_OK;
}

/* A program file's per-CPU array of counters (struct kbpf_ctr, indexed by
 * its stat enum) and the three ways its programs touch it: count, punt
 * (count, pass on untouched) and drop (count, drop). */
#define KBPF_COUNTERS(map, max)						\
struct {								\
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);			\
	__uint(max_entries, max);					\
	__type(key, __u32);						\
	__type(value, struct kbpf_ctr);					\
} map SEC(".maps");							\
									\
INLINE void								\
count(__u32 why, __u32 pkts, __u64 bytes)				\
{									\
	struct kbpf_ctr *c = bpf_map_lookup_elem(&map, &why);		\
									\
	if (c != NULL) {						\
		c->pkts += pkts;					\
		c->bytes += bytes;					\
	}								\
}									\
									\
INLINE int								\
punt(__u32 why, struct __sk_buff *skb)					\
{									\
	count(why, 1, skb->len);					\
	return TC_ACT_OK;						\
}									\
									\
INLINE int								\
drop(__u32 why, struct __sk_buff *skb)					\
{									\
	count(why, 1, skb->len);					\
	return TC_ACT_SHOT;						\
}

INLINE __u32
wire_pkts(const struct __sk_buff *skb)
{
	return skb->gso_size != 0 && skb->gso_segs > 1 ? skb->gso_segs : 1;
}

#endif
