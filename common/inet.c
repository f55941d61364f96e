/* inet.c - IPv4 on byte buffers: checksums, header checks, TTL, ICMPv4
 * errors, fragmentation, MSS clamping.  No state, no allocation. */
#include "common/inet.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define TCP_HDR_LEN	20
#define TCP_SYN		0x02
#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define IPOPT_EOL	0
#define IPOPT_NOP	1
#define IPOPT_COPIED	0x80
#define ICMP4_HDR_LEN	8
#define ICMP4_TOS	0xc0	/* RFC 1812 4.3.2.5: precedence 6 */

/* ---- checksums ---- */

static uint16_t
fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 1071 one's complement sum of big-endian 16-bit words (an odd last
 * byte is padded with zero), added to `sum`; the result is folded to 16
 * bits so partial sums can be chained. */
uint32_t
inet_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return fold16(s);
}

uint16_t
inet_fold(uint32_t sum)
{
	return (uint16_t)~fold16(sum);
}

uint16_t
inet_csum(const uint8_t *p, size_t len)
{
	return inet_fold(inet_sum(p, len, 0));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), all values host order. */
uint16_t
inet_csum_adjust(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t s;

	s = (uint32_t)(uint16_t)~csum + (uint16_t)~old + new;
	return (uint16_t)~fold16(s);
}

/* ---- IPv4 header ---- */

static bool
icmp4_type_is_query(uint8_t type)
{
	switch (type) {
	case ICMP4_ECHO_REPLY:
	case ICMP4_ECHO:
	case 13: case 14:	/* timestamp, reply */
	case 15: case 16:	/* information request, reply */
	case 17: case 18:	/* address mask request, reply */
		return true;
	}
	return false;
}

static bool
proto_has_ports(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_DCCP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
		return true;
	}
	return false;
}

/* Ports of a first fragment's transport header `l4` of `rem` bytes, as
 * seen from the packet's source (*sp) and destination (*dp) hosts. */
static bool
l4_ports(uint8_t proto, const uint8_t *l4, size_t rem, bool quoted,
    uint16_t *sp, uint16_t *dp)
{
	const uint8_t *q;
	size_t qhlen;

	if (proto_has_ports(proto)) {
		if (rem < 4)
			return false;
		*sp = be16_get(l4);
		*dp = be16_get(l4 + 2);
		return true;
	}
	if (proto != IPPROTO_ICMP || rem < ICMP4_HDR_LEN)
		return false;
	if (icmp4_type_is_query(l4[0])) {
		*sp = *dp = be16_get(l4 + 4);
		return true;
	}
	/* An error quotes a packet that went the other way: its source port
	 * belongs to our destination.  One level of quoting only. */
	if (quoted)
		return false;
	q = l4 + ICMP4_HDR_LEN;
	rem -= ICMP4_HDR_LEN;
	if (rem < IPV4_HDR_LEN || q[0] >> 4 != 4)
		return false;
	qhlen = (size_t)(q[0] & 0x0f) * 4;
	if (qhlen < IPV4_HDR_LEN || qhlen > rem ||
	    (be16_get(q + 6) & IPV4_OFFMASK) != 0)
		return false;
	return l4_ports(q[9], q + qhlen, rem - qhlen, true, dp, sp);
}

/* Check an IPv4 header (RFC 791, RFC 1812 5.2.2) and fill `ii`: version
 * 4, IHL >= 5, total length equal to `len`, header checksum right, and
 * the fragment within the 64k datagram.  0 or -EINVAL. */
int
ipv4_parse(const uint8_t *pkt, size_t len, struct ipv4_info *ii)
{
	size_t hlen;
	uint16_t fo;

	if (len < IPV4_HDR_LEN || pkt[0] >> 4 != 4)
		return -EINVAL;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_LEN || hlen > len)
		return -EINVAL;
	if (be16_get(pkt + 2) != len)
		return -EINVAL;
	if (inet_csum(pkt, hlen) != 0)
		return -EINVAL;
	fo = be16_get(pkt + 6);
	memset(ii, 0, sizeof(*ii));
	ii->hlen = (uint8_t)hlen;
	ii->tos = pkt[1];
	ii->tot_len = (uint16_t)len;
	ii->id = be16_get(pkt + 4);
	ii->df = (fo & IPV4_DF) != 0;
	ii->mf = (fo & IPV4_MF) != 0;
	ii->frag = (uint16_t)((fo & IPV4_OFFMASK) * 8);
	if ((size_t)ii->frag + (len - hlen) > 65535)
		return -EINVAL;
	ii->ttl = pkt[8];
	ii->proto = pkt[9];
	ii->src = be32_get(pkt + 12);
	ii->dst = be32_get(pkt + 16);
	if (ii->frag == 0)
		ii->has_ports = l4_ports(ii->proto, pkt + hlen, len - hlen,
		    false, &ii->sport, &ii->dport);
	return 0;
}

/* RFC 1812 5.3.1: decrement, and refuse when the TTL would reach 0 (the
 * packet is left as it was and the caller sends time exceeded).  The
 * checksum is updated incrementally (RFC 1624).  0, -ETIME or -EINVAL. */
int
ipv4_ttl_decrement(uint8_t *pkt, size_t len)
{
	uint16_t old;

	if (len < IPV4_HDR_LEN)
		return -EINVAL;
	if (pkt[8] <= 1)
		return -ETIME;
	old = be16_get(pkt + 8);
	pkt[8]--;
	be16_put(pkt + 10, inet_csum_adjust(be16_get(pkt + 10), old,
	    be16_get(pkt + 8)));
	return 0;
}

/* An ICMP error message (or an ICMP first fragment too short to tell). */
bool
ipv4_is_icmp_error(const uint8_t *pkt, size_t len)
{
	size_t hlen;

	if (len < IPV4_HDR_LEN || pkt[9] != IPPROTO_ICMP ||
	    (be16_get(pkt + 6) & IPV4_OFFMASK) != 0)
		return false;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	if (hlen >= len)
		return true;
	return !icmp4_type_is_query(pkt[hlen]);
}

/* A 16-bit checksum at `at` after one 32-bit word changed; UDP's 0 means
 * "no checksum", so a computed 0 is sent as 0xffff (RFC 768). */
static void
csum_replace4(uint8_t *at, uint32_t from, uint32_t to, bool udp)
{
	uint16_t c = be16_get(at);

	c = inet_csum_adjust(c, (uint16_t)(from >> 16), (uint16_t)(to >> 16));
	c = inet_csum_adjust(c, (uint16_t)from, (uint16_t)to);
	if (udp && c == 0)
		c = 0xffff;
	be16_put(at, c);
}

int
ipv4_rewrite_addr(uint8_t *pkt, size_t len, bool src, uint32_t to)
{
	struct ipv4_info ii;
	size_t off = src ? 12 : 16;
	uint32_t from;

	if (ipv4_parse(pkt, len, &ii) != 0)
		return -EINVAL;
	from = be32_get(pkt + off);
	csum_replace4(pkt + 10, from, to, false);
	/* later fragments carry no transport header; the first one's
	 * checksum covers the pseudo-header with both addresses */
	if (ii.frag == 0 && ii.proto == IPPROTO_TCP && len >= ii.hlen + 18u)
		csum_replace4(pkt + ii.hlen + 16, from, to, false);
	else if (ii.frag == 0 && ii.proto == IPPROTO_UDP &&
	    len >= ii.hlen + 8u && be16_get(pkt + ii.hlen + 6) != 0)
		csum_replace4(pkt + ii.hlen + 6, from, to, true);
	be32_put(pkt + off, to);
	return 0;
}

/* ---- ICMPv4 errors ---- */

/* RFC 1812 4.3.2.7: a source that does not name one host. */
static bool
src_is_single_host(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top != 0 && top != 127 && top < 224;
}

static bool
dst_is_group(uint32_t a)
{
	return (a >> 28) == 0xe || a == 0xffffffffu;
}

/* Build an ICMPv4 error about `pkt` from `src4`: IPv4 header (DF, so the
 * zero ID is fine per RFC 6864), ICMP header with `rest` in bytes 4-7,
 * then the offending header and 8 bytes of its data (RFC 792).  Refuses
 * with -EPERM what RFC 1812 4.3.2.7 forbids: errors about ICMP errors,
 * non-first fragments, group destinations, sources that are not one
 * host.  0, -EPERM, -EINVAL (too short to quote) or -ENOBUFS. */
int
icmp4_error(const uint8_t *pkt, size_t len, uint8_t type, uint8_t code,
    uint32_t rest, uint32_t src4, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t hlen, avail, qlen, n;
	uint32_t osrc, odst;
	uint8_t *ip = out, *icmp;

	if (len < IPV4_HDR_LEN || pkt[0] >> 4 != 4)
		return -EINVAL;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_LEN || hlen > len)
		return -EINVAL;
	osrc = be32_get(pkt + 12);
	odst = be32_get(pkt + 16);
	if ((be16_get(pkt + 6) & IPV4_OFFMASK) != 0 ||
	    ipv4_is_icmp_error(pkt, len) || dst_is_group(odst) ||
	    !src_is_single_host(osrc))
		return -EPERM;
	avail = be16_get(pkt + 2);
	if (avail > len)
		avail = len;
	if (avail < hlen)
		avail = hlen;
	qlen = hlen + (avail - hlen < ICMP4_QUOTE_DATA ? avail - hlen :
	    ICMP4_QUOTE_DATA);
	n = IPV4_HDR_LEN + ICMP4_HDR_LEN + qlen;
	if (cap < n)
		return -ENOBUFS;

	ip[0] = 0x45;
	ip[1] = ICMP4_TOS;
	be16_put(ip + 2, (uint16_t)n);
	be16_put(ip + 4, 0);
	be16_put(ip + 6, IPV4_DF);
	ip[8] = ICMP4_TTL;
	ip[9] = IPPROTO_ICMP;
	be16_put(ip + 10, 0);
	be32_put(ip + 12, src4);
	be32_put(ip + 16, osrc);
	be16_put(ip + 10, inet_csum(ip, IPV4_HDR_LEN));

	icmp = ip + IPV4_HDR_LEN;
	icmp[0] = type;
	icmp[1] = code;
	be16_put(icmp + 2, 0);
	be32_put(icmp + 4, rest);
	memcpy(icmp + ICMP4_HDR_LEN, pkt, qlen);
	be16_put(icmp + 2, inet_csum(icmp, ICMP4_HDR_LEN + qlen));
	*out_len = n;
	return 0;
}

int
icmp4_time_exceeded(const uint8_t *pkt, size_t len, uint32_t src4,
    uint8_t *out, size_t cap, size_t *out_len)
{
	return icmp4_error(pkt, len, ICMP4_TIME_EXCEEDED, ICMP4_TTL_EXCEEDED,
	    0, src4, out, cap, out_len);
}

int
icmp4_host_unreachable(const uint8_t *pkt, size_t len, uint32_t src4,
    uint8_t *out, size_t cap, size_t *out_len)
{
	return icmp4_error(pkt, len, ICMP4_UNREACH, ICMP4_UNREACH_HOST, 0,
	    src4, out, cap, out_len);
}

/* RFC 1191 section 4: next-hop MTU in the low 16 bits of the second word. */
int
icmp4_frag_needed(const uint8_t *pkt, size_t len, uint16_t mtu,
    uint32_t src4, uint8_t *out, size_t cap, size_t *out_len)
{
	return icmp4_error(pkt, len, ICMP4_UNREACH, ICMP4_UNREACH_NEEDFRAG,
	    mtu, src4, out, cap, out_len);
}

/* ---- fragmentation ---- */

/* RFC 791 3.1 "Options": only options with the copied flag go into the
 * later fragments; pad with EOL to a multiple of 4. */
static int
copied_options(const uint8_t *opt, size_t len, uint8_t *out, size_t *olen)
{
	size_t i = 0, n = 0, ol;

	while (i < len) {
		if (opt[i] == IPOPT_EOL)
			break;
		if (opt[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -EINVAL;
		ol = opt[i + 1];
		if (ol < 2 || ol > len - i)
			return -EINVAL;
		if (opt[i] & IPOPT_COPIED) {
			memcpy(out + n, opt + i, ol);
			n += ol;
		}
		i += ol;
	}
	while (n % 4 != 0)
		out[n++] = IPOPT_EOL;
	*olen = n;
	return 0;
}

/* Prepare to cut `pkt` into pieces of at most `mtu` bytes.  The packet
 * must be valid (ipv4_parse) and have DF clear (-EPERM); -EMSGSIZE when
 * `mtu` cannot carry a header and 8 bytes of data. */
int
ipv4_frag_init(struct ipv4_frag *f, const uint8_t *pkt, size_t len,
    size_t mtu)
{
	struct ipv4_info ii;

	memset(f, 0, sizeof(*f));
	if (ipv4_parse(pkt, len, &ii) != 0)
		return -EINVAL;
	if (ii.df && len > mtu)
		return -EPERM;
	if (copied_options(pkt + IPV4_HDR_LEN, ii.hlen - IPV4_HDR_LEN,
	    f->opts, &f->optlen) != 0)
		return -EINVAL;
	if (len > mtu && (mtu < (size_t)ii.hlen + 8 ||
	    mtu < IPV4_HDR_LEN + f->optlen + 8))
		return -EMSGSIZE;
	f->pkt = pkt;
	f->hlen = ii.hlen;
	f->plen = len - ii.hlen;
	f->mtu = mtu;
	f->base = (uint16_t)(ii.frag / 8);
	f->mf = ii.mf;
	return 0;
}

/* Write the next fragment into `out`: 1 when one was written, 0 when
 * done, -ENOBUFS when `cap` is too small.  A packet that fits is passed
 * through unchanged as the only fragment. */
int
ipv4_frag_next(struct ipv4_frag *f, uint8_t *out, size_t cap,
    size_t *out_len)
{
	size_t hl, n, room;
	bool first = !f->started, more;

	if (f->pkt == NULL || (f->started && f->done >= f->plen))
		return 0;
	if (first && f->hlen + f->plen <= f->mtu) {
		n = f->hlen + f->plen;
		if (cap < n)
			return -ENOBUFS;
		memcpy(out, f->pkt, n);
		f->done = f->plen;
		f->started = true;
		*out_len = n;
		return 1;
	}
	hl = first ? f->hlen : IPV4_HDR_LEN + f->optlen;
	room = (f->mtu - hl) & ~(size_t)7;
	n = f->plen - f->done;
	if (n > room)
		n = room;
	if (cap < hl + n)
		return -ENOBUFS;
	more = f->done + n < f->plen || f->mf;

	memcpy(out, f->pkt, IPV4_HDR_LEN);
	out[0] = (uint8_t)(0x40 | hl / 4);
	be16_put(out + 2, (uint16_t)(hl + n));
	be16_put(out + 6, (uint16_t)((more ? IPV4_MF : 0) |
	    (f->base + f->done / 8)));
	be16_put(out + 10, 0);
	if (first)
		memcpy(out + IPV4_HDR_LEN, f->pkt + IPV4_HDR_LEN,
		    f->hlen - IPV4_HDR_LEN);
	else
		memcpy(out + IPV4_HDR_LEN, f->opts, f->optlen);
	be16_put(out + 10, inet_csum(out, hl));
	memcpy(out + hl, f->pkt + f->hlen + f->done, n);
	f->done += n;
	f->started = true;
	*out_len = hl + n;
	return 1;
}

/* ---- TCP MSS clamping ---- */

/* Lower the MSS option of an IPv4 TCP SYN to `mss` (RFC 879, RFC 6691
 * for the arithmetic; RFC 4459 4.2 for why tunnels do it).  The TCP
 * checksum is adjusted over the aligned 16-bit words that hold the value,
 * which may straddle two words when the option is not aligned.  1 when
 * clamped, 0 when nothing to do, -EINVAL when malformed. */
int
tcp_mss_clamp(uint8_t *pkt, size_t len, uint16_t mss)
{
	struct ipv4_info ii;
	uint8_t *tcp;
	size_t tl, doff, i, ol, a, b;
	uint16_t before, after;

	if (ipv4_parse(pkt, len, &ii) != 0)
		return -EINVAL;
	if (ii.proto != IPPROTO_TCP || ii.frag != 0)
		return 0;
	tcp = pkt + ii.hlen;
	tl = len - ii.hlen;
	if (tl < TCP_HDR_LEN)
		return -EINVAL;
	if (!(tcp[13] & TCP_SYN))
		return 0;
	doff = (size_t)(tcp[12] >> 4) * 4;
	if (doff < TCP_HDR_LEN || doff > tl)
		return -EINVAL;
	for (i = TCP_HDR_LEN; i < doff; i += ol) {
		if (tcp[i] == TCPOPT_EOL)
			break;
		if (tcp[i] == TCPOPT_NOP) {
			ol = 1;
			continue;
		}
		if (doff - i < 2)
			return -EINVAL;
		ol = tcp[i + 1];
		if (ol < 2 || ol > doff - i)
			return -EINVAL;
		if (tcp[i] != TCPOPT_MSS || ol != 4)
			continue;
		if (be16_get(tcp + i + 2) <= mss)
			return 0;
		a = (i + 2) & ~(size_t)1;
		b = (i + 4 + 1) & ~(size_t)1;
		before = (uint16_t)inet_sum(tcp + a, b - a, 0);
		be16_put(tcp + i + 2, mss);
		after = (uint16_t)inet_sum(tcp + a, b - a, 0);
		be16_put(tcp + 16, inet_csum_adjust(be16_get(tcp + 16),
		    before, after));
		return 1;
	}
	return 0;
}
