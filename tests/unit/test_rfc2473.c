/* test_rfc2473.c - 4in6 decapsulation/encapsulation, ICMPv4 errors,
 * fragmentation, TTL and MSS, against packets built by hand here.
 * Checksums are computed by ref_csum() below, not by common/inet.c. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/binding.h"
#include "common/inet.h"
#include "gateway/rfc2473.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define POOL1	A4(198, 51, 100, 5)
#define POOL2	A4(198, 51, 100, 6)
#define REMOTE	A4(203, 0, 113, 10)
#define NOW	1000000

static struct binding_table bt;
static struct rfc2473_tep tep;
static struct rfc2473_result res;
static struct in6_addr c1, c2, tep6;
static uint8_t pkt[4096], out[4096];

/* ---- independent reference helpers ---- */

static uint16_t
ref_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += (i % 2 == 0) ? p[i] * 256u : p[i];
	while (s > 0xffff)
		s = (s >> 16) + (s & 0xffff);
	return (uint16_t)(~s & 0xffff);
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* IPv4 header (tos 0x28, id 0x1234, checksum by ref_csum) + data. */
static size_t
mk4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
    unsigned fo, const uint8_t *opt, size_t optlen, const uint8_t *data,
    size_t dlen)
{
	size_t hl = 20 + optlen;

	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = 0x28;
	put16(p + 2, (unsigned)(hl + dlen));
	put16(p + 4, 0x1234);
	put16(p + 6, fo);
	p[8] = ttl;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	if (optlen)
		memcpy(p + 20, opt, optlen);
	put16(p + 10, ref_csum(p, hl));
	if (dlen)
		memmove(p + hl, data, dlen);
	return hl + dlen;
}

/* UDP (checksum 0, allowed over IPv4) with `n` payload bytes. */
static size_t
mk_udp(uint8_t *p, uint32_t src, unsigned sport, uint32_t dst,
    unsigned dport, size_t n, unsigned fo)
{
	uint8_t l4[4096];

	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (unsigned)(8 + n));
	put16(l4 + 6, 0);
	for (size_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)(i * 7 + 1);
	return mk4(p, src, dst, IPPROTO_UDP, 64, fo, NULL, 0, l4, 8 + n);
}

static size_t
mk6(uint8_t *p, const struct in6_addr *src, const struct in6_addr *dst,
    uint8_t nh, const uint8_t *payload, size_t n)
{
	memmove(p + 40, payload, n);
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (unsigned)n);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40 + n;
}

/* A client's UDP packet from `src4`:`sport`, tunneled from `src6`. */
static size_t
mk_up(uint8_t *p, const struct in6_addr *src6, uint32_t src4,
    unsigned sport)
{
	uint8_t in[512];
	size_t n = mk_udp(in, src4, sport, REMOTE, 53, 12, 0);

	return mk6(p, src6, &tep6, 4, in, n);
}

static void
add(const struct in6_addr *c, uint32_t a4, unsigned pmin, unsigned pmax,
    int64_t exp)
{
	struct binding b = { .client = *c, .addr4 = a4,
	    .port_min = (uint16_t)pmin, .port_max = (uint16_t)pmax,
	    .expires = exp };

	ck_assert_int_eq(binding_add(&bt, &b), 0);
}

static void
setup(void)
{
	addr6_parse("2001:db8:1::10", &c1, NULL);
	addr6_parse("2001:db8:1::20", &c2, NULL);
	addr6_parse("2001:db8:1::1", &tep6, NULL);
	ck_assert_int_eq(binding_table_init(&bt, 0), 0);
	memset(&tep, 0, sizeof(tep));
	rfc2473_config_default(&tep.cfg);
	tep.cfg.tep6 = tep6;
	tep.bt = &bt;
	add(&c1, POOL1, 0, 65535, NOW + 100);
}

static void
teardown(void)
{
	ck_assert_int_eq(binding_table_check(&bt), 0);
	binding_table_free(&bt);
}

/* ---- checksums ---- */

START_TEST(csum_rfc1071)
{
	/* RFC 1071 1.3 example: sum ddf2 */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };

	ck_assert_uint_eq(inet_sum(b, sizeof(b), 0), 0xddf2);
	ck_assert_uint_eq(inet_csum(b, sizeof(b)), 0x220d);
	ck_assert_uint_eq(inet_csum(odd, 3), ref_csum(odd, 3));
	ck_assert_uint_eq(inet_csum(b, 0), 0xffff);
}
END_TEST

START_TEST(csum_adjust_random)
{
	uint8_t h[20];

	srandom(7);
	for (int k = 0; k < 20000; k++) {
		unsigned w = (unsigned)random() % 10, old, new;

		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)random();
		put16(h + 10, 0);
		put16(h + 10, ref_csum(h, 20));
		if (w == 5)
			continue;
		old = get16(h + 2 * w);
		new = (unsigned)random() & 0xffff;
		put16(h + 2 * w, new);
		put16(h + 10, inet_csum_adjust((uint16_t)get16(h + 10),
		    (uint16_t)old, (uint16_t)new));
		ck_assert_uint_eq(ref_csum(h, 20), 0);
	}
}
END_TEST

START_TEST(ipv4_parse_checks)
{
	static const uint8_t opt[4] = { 1, 1, 1, 0 };
	struct ipv4_info ii;
	size_t n;

	n = mk_udp(pkt, POOL1, 1000, REMOTE, 53, 4, 0);
	ck_assert_int_eq(ipv4_parse(pkt, n, &ii), 0);
	ck_assert_uint_eq(ii.src, POOL1);
	ck_assert_uint_eq(ii.dst, REMOTE);
	ck_assert(ii.has_ports);
	ck_assert_uint_eq(ii.sport, 1000);
	ck_assert_uint_eq(ii.dport, 53);
	ck_assert_int_eq(ipv4_parse(pkt, n - 1, &ii), -EINVAL);
	pkt[10] ^= 1;
	ck_assert_int_eq(ipv4_parse(pkt, n, &ii), -EINVAL);
	n = mk4(pkt, POOL1, REMOTE, 47, 9, 0, opt, 4, NULL, 0);
	ck_assert_int_eq(ipv4_parse(pkt, n, &ii), 0);
	ck_assert_uint_eq(ii.hlen, 24);
	ck_assert(!ii.has_ports);
	/* offset 8184*8 with 100 bytes runs past 65535 */
	n = mk4(pkt, POOL1, REMOTE, 17, 9, 8184, NULL, 0, out, 100);
	ck_assert_int_eq(ipv4_parse(pkt, n, &ii), -EINVAL);
}
END_TEST

/* ---- decapsulation ---- */

/* What the raw IPIP socket hands the gateway for a packet mk6() built:
 * the payload, the outer source and the outer traffic class. */
static enum rfc2473_verdict
decap(uint8_t *p, size_t n, int64_t now)
{
	struct in6_addr src;

	ck_assert_uint_ge(n, 40);
	memcpy(&src, p + 8, sizeof(src));
	return rfc2473_decap_inner(p + 40, n - 40, &src,
	    (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4), &tep, now, &res);
}

START_TEST(decap_ok)
{
	size_t n = mk_up(pkt, &c1, POOL1, 1000);

	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	ck_assert_uint_eq(res.len, n - 40);
	ck_assert_uint_eq(pkt[40 + 8], 64);		/* TTL untouched */
	ck_assert_ptr_eq(res.binding, binding_lookup6(&bt, &c1));
	ck_assert_uint_eq(res.binding->ctr.pkts_up, 1);
	ck_assert_uint_eq(res.binding->ctr.bytes_up, n - 40);
	ck_assert_int_eq(res.binding->ctr.last_seen, NOW);
	ck_assert_uint_eq(tep.st.decap_pkts, 1);
}
END_TEST

START_TEST(decap_spoofed_unknown_expired)
{
	size_t n;

	n = mk_up(pkt, &c1, POOL2, 1000);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_SPOOFED_SOURCE);
	ck_assert_int_eq(res.drop, RFC2473_DROP_SPOOFED_ADDR);
	n = mk_up(pkt, &c2, POOL1, 1000);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_UNKNOWN_CLIENT);
	n = mk_up(pkt, &c1, POOL1, 1000);
	ck_assert_int_eq(decap(pkt, n, NOW + 99), RFC2473_OK);
	ck_assert_int_eq(decap(pkt, n, NOW + 100), RFC2473_EXPIRED);
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_SPOOFED_ADDR], 1);
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_UNKNOWN_CLIENT], 1);
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_EXPIRED], 1);
	ck_assert_uint_eq(tep.st.decap_pkts, 1);
	add(&c2, POOL2, 0, 65535, 0);		/* never expires */
	n = mk_up(pkt, &c2, POOL2, 1000);
	ck_assert_int_eq(decap(pkt, n, INT64_MAX), RFC2473_OK);
}
END_TEST

START_TEST(decap_truncated_every_length)
{
	size_t n = mk_up(pkt, &c1, POOL1, 1000) - 40;
	uint8_t *cut;

	for (size_t k = 0; k < n; k++) {
		cut = malloc(k ? k : 1);	/* exact: ASan sees overreads */
		memcpy(cut, pkt + 40, k);
		ck_assert_int_eq(rfc2473_decap_inner(cut, k, &c1, 0, &tep, NOW,
		    &res), RFC2473_MALFORMED);
		free(cut);
	}
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_INNER_MALFORMED], n);
	ck_assert_int_eq(decap(pkt, n + 40, NOW), RFC2473_OK);
}
END_TEST

START_TEST(decap_inner_checks)
{
	static const uint8_t opt[8] = { 0x01, 0x94, 0x04, 0, 0, 0x01, 0, 0 };
	uint8_t in[256];
	size_t n, m;

	/* options (IHL 7) are accepted */
	m = mk4(in, POOL1, REMOTE, 17, 64, 0, opt, 8, (const uint8_t *)
	    "\x03\xe8\x00\x35\x00\x08\x00\x00", 8);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	ck_assert_uint_eq(res.len, 36);
	/* bad inner checksum */
	pkt[40 + 10] ^= 0x40;
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_MALFORMED);
	ck_assert_int_eq(res.drop, RFC2473_DROP_INNER_MALFORMED);
	/* inner total length disagreeing with the payload */
	m = mk_udp(in, POOL1, 1000, REMOTE, 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	pkt[n] = 0;
	ck_assert_int_eq(decap(pkt, n + 1, NOW), RFC2473_MALFORMED);
	/* IHL 4 */
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	pkt[40] = 0x44;
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_MALFORMED);
	/* inner version 6 under next header 4 */
	pkt[40] = 0x65;
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_NOT_IPV4);
	ck_assert_int_eq(res.drop, RFC2473_DROP_INNER_NOT_IPV4);
}
END_TEST

/* RFC 6040 4.2, normal mode, every outer and inner ECN codepoint (not-ECT
 * 0, ECT(1) 1, ECT(0) 2, CE 3): the inner header leaves with its own
 * codepoint, or CE when the outer one is CE; CE over not-ECT is dropped.
 * The DSCP bits of either header never change the inner DSCP. */
START_TEST(decap_ecn)
{
	uint8_t in[128];
	size_t m = mk_udp(in, POOL1, 1000, REMOTE, 53, 4, 0), n;
	uint64_t drops = 0;

	for (unsigned outer = 0; outer < 4; outer++)
		for (unsigned inner = 0; inner < 4; inner++) {
			uint8_t tos = (uint8_t)(0xb8 | inner), want;

			in[1] = tos;
			put16(in + 10, 0);
			put16(in + 10, ref_csum(in, 20));
			n = mk6(pkt, &c1, &tep6, 4, in, m);
			/* outer DSCP 0x28 (AF11), not the inner's */
			pkt[0] = (uint8_t)(0x60 | 0x28 >> 4);
			pkt[1] = (uint8_t)((0x28 | outer) << 4);
			if (outer == 3 && inner == 0) {
				ck_assert_int_eq(decap(pkt, n, NOW),
				    RFC2473_NOT_ECT);
				ck_assert_int_eq(res.drop,
				    RFC2473_DROP_CE_NOT_ECT);
				drops++;
				continue;
			}
			ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
			want = outer == 3 ? (uint8_t)(tos | 3) : tos;
			ck_assert_uint_eq(pkt[41], want);
			ck_assert_uint_eq(ref_csum(pkt + 40, 20), 0);
			/* only the TOS and the header checksum may change */
			ck_assert_uint_eq(pkt[40], in[0]);
			ck_assert_int_eq(memcmp(pkt + 42, in + 2, 8), 0);
			ck_assert_int_eq(memcmp(pkt + 52, in + 12, m - 12), 0);
		}
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_CE_NOT_ECT], drops);
	ck_assert_uint_eq(tep.st.decap_pkts, 15);
	ck_assert_str_eq(rfc2473_drop_name(RFC2473_DROP_CE_NOT_ECT),
	    "ce-not-ect");
}
END_TEST

START_TEST(decap_shared_ports)
{
	uint8_t in[128], icmp[8] = { 8, 0, 0, 0, 0x10, 0x05, 0, 1 };
	size_t n, m;

	add(&c2, POOL2, 4096, 8191, 0);
	add(&c1, POOL2, 8192, 12287, 0);		/* c1 holds two */
	n = mk_up(pkt, &c2, POOL2, 4096);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	n = mk_up(pkt, &c2, POOL2, 8191);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	n = mk_up(pkt, &c2, POOL2, 8192);		/* c1's port */
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_SPOOFED_SOURCE);
	ck_assert_int_eq(res.drop, RFC2473_DROP_SPOOFED_PORT);
	n = mk_up(pkt, &c1, POOL2, 8192);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	n = mk_up(pkt, &c1, POOL1, 1);			/* and its whole one */
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	/* ICMP echo: the identifier is the port */
	m = mk4(in, POOL2, REMOTE, IPPROTO_ICMP, 64, 0, NULL, 0, icmp, 8);
	n = mk6(pkt, &c2, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	icmp[4] = 0x30;
	m = mk4(in, POOL2, REMOTE, IPPROTO_ICMP, 64, 0, NULL, 0, icmp, 8);
	n = mk6(pkt, &c2, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_SPOOFED_SOURCE);
	/* no ports (GRE): cannot be checked on a shared address */
	m = mk4(in, POOL2, REMOTE, 47, 64, 0, NULL, 0, icmp, 8);
	n = mk6(pkt, &c2, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_SPOOFED_SOURCE);
	/* non-first fragment: passes for a holder of the address */
	m = mk4(in, POOL2, REMOTE, 17, 64, 185, NULL, 0, icmp, 8);
	n = mk6(pkt, &c2, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	m = mk4(in, POOL1, REMOTE, 17, 64, 185, NULL, 0, icmp, 8);
	n = mk6(pkt, &c2, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_SPOOFED_SOURCE);
}
END_TEST

/* ---- TTL and ICMPv4 errors ---- */

START_TEST(ttl_decrement)
{
	size_t n = mk_udp(pkt, POOL1, 1000, REMOTE, 53, 4, 0);

	for (unsigned ttl = 255; ttl >= 2; ttl--) {
		pkt[8] = (uint8_t)ttl;
		pkt[9] = (uint8_t)(ttl * 13);
		put16(pkt + 10, 0);
		put16(pkt + 10, ref_csum(pkt, 20));
		ck_assert_int_eq(ipv4_ttl_decrement(pkt, n), 0);
		ck_assert_uint_eq(pkt[8], ttl - 1);
		ck_assert_uint_eq(ref_csum(pkt, 20), 0);
	}
	pkt[8] = 1;
	ck_assert_int_eq(ipv4_ttl_decrement(pkt, n), -ETIME);
	ck_assert_uint_eq(pkt[8], 1);
	pkt[8] = 0;
	ck_assert_int_eq(ipv4_ttl_decrement(pkt, n), -ETIME);
	ck_assert_int_eq(ipv4_ttl_decrement(pkt, 19), -EINVAL);
}
END_TEST

/* The expected error, byte by byte: IPv4 header from 192.0.0.1, ICMP
 * header, then the offending header + 8 bytes. */
static size_t
expected_icmp(uint8_t *e, const uint8_t *orig, size_t qlen, uint8_t type,
    uint8_t code, unsigned mtu)
{
	static const uint8_t ip[20] = {
		0x45, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,
		0x40, 0x01, 0x00, 0x00, 192, 0, 0, 1, 0, 0, 0, 0 };

	memcpy(e, ip, 20);
	put16(e + 2, (unsigned)(28 + qlen));
	memcpy(e + 16, orig + 12, 4);
	put16(e + 10, ref_csum(e, 20));
	memset(e + 20, 0, 8);
	e[20] = type;
	e[21] = code;
	put16(e + 26, mtu);
	memcpy(e + 28, orig, qlen);
	put16(e + 22, ref_csum(e + 20, 8 + qlen));
	return 28 + qlen;
}

START_TEST(encap_ttl1_time_exceeded)
{
	uint8_t e[128];
	size_t n = mk_udp(pkt, REMOTE, 53, POOL1, 1000, 20, 0), en, olen;

	pkt[8] = 1;
	put16(pkt + 10, 0);
	put16(pkt + 10, ref_csum(pkt, 20));
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_TTL_EXCEEDED);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, tep.cfg.gw4, out,
	    sizeof(out), &olen), 0);
	en = expected_icmp(e, pkt, 28, 11, 0, 0);
	ck_assert_uint_eq(olen, 56);
	ck_assert_uint_eq(olen, en);
	ck_assert_mem_eq(out, e, en);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, n, tep.cfg.gw4, out,
	    sizeof(out), &olen), 0);
	en = expected_icmp(e, pkt, 28, 3, 1, 0);
	ck_assert_mem_eq(out, e, en);
	/* fewer than 8 data bytes: quote what there is */
	n = mk4(pkt, REMOTE, POOL1, 17, 1, 0, NULL, 0, e, 3);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, tep.cfg.gw4, out,
	    sizeof(out), &olen), 0);
	ck_assert_uint_eq(olen, 20 + 8 + 23);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, tep.cfg.gw4, out, 50,
	    &olen), -ENOBUFS);
}
END_TEST

START_TEST(encap_df_too_big)
{
	uint8_t e[128];
	size_t n, en, olen;

	n = mk_udp(pkt, REMOTE, 53, POOL1, 1000, 1460 - 28 + 1, 0x4000);
	ck_assert_uint_eq(n, 1461);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_TOO_BIG);
	ck_assert_uint_eq(res.mtu, 1460);
	ck_assert_int_eq(icmp4_frag_needed(pkt, n, res.mtu, tep.cfg.gw4, out,
	    sizeof(out), &olen), 0);
	ck_assert_uint_eq(out[20 + 6], 0x05);	/* bytes 6-7: 1460 */
	ck_assert_uint_eq(out[20 + 7], 0xb4);
	en = expected_icmp(e, pkt, 28, 3, 4, 1460);
	ck_assert_uint_eq(olen, en);
	ck_assert_mem_eq(out, e, en);
	n = mk_udp(pkt, REMOTE, 53, POOL1, 1000, 1460 - 28, 0x4000);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_uint_eq(res.out_len, 1500);
	tep.cfg.tunnel_mtu = 1280;
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_TOO_BIG);
	ck_assert_uint_eq(res.mtu, 1240);
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_TOO_BIG], 2);
}
END_TEST

START_TEST(icmp_refusals)
{
	static const uint8_t err[8] = { 3, 1, 0, 0, 0, 0, 0, 0 };
	static const uint8_t echo[8] = { 8, 0, 0, 0, 0, 1, 0, 1 };
	size_t n, olen;

	n = mk4(pkt, REMOTE, POOL1, IPPROTO_ICMP, 9, 0, NULL, 0, err, 8);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	n = mk4(pkt, REMOTE, POOL1, IPPROTO_ICMP, 9, 0, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, 1, out, sizeof(out),
	    &olen), 0);
	n = mk4(pkt, REMOTE, POOL1, 17, 9, 0x2000 | 10, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	n = mk4(pkt, REMOTE, POOL1, 17, 9, 0x2000, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_time_exceeded(pkt, n, 1, out, sizeof(out),
	    &olen), 0);			/* first fragment: allowed */
	n = mk4(pkt, REMOTE, A4(224, 0, 0, 5), 17, 9, 0, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	n = mk4(pkt, REMOTE, A4(255, 255, 255, 255), 17, 9, 0, NULL, 0,
	    echo, 8);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	n = mk4(pkt, A4(0, 0, 0, 0), POOL1, 17, 9, 0, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	n = mk4(pkt, A4(127, 0, 0, 1), POOL1, 17, 9, 0, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	n = mk4(pkt, A4(240, 0, 0, 1), POOL1, 17, 9, 0, NULL, 0, echo, 8);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, n, 1, out, sizeof(out),
	    &olen), -EPERM);
	ck_assert_int_eq(icmp4_host_unreachable(pkt, 10, 1, out, sizeof(out),
	    &olen), -EINVAL);
}
END_TEST

/* ---- encapsulation ---- */

START_TEST(encap_exact)
{
	static const uint8_t hdr[40] = {
		0x62, 0x80, 0x00, 0x00, 0x00, 0x20, 0x04, 0x40,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,	/* TEP */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,	/* client */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10 };
	uint8_t in[32] = {
		0x45, 0x28, 0x00, 0x20, 0x12, 0x34, 0x00, 0x00,
		0x40, 0x11, 0x00, 0x00, 203, 0, 113, 10, 198, 51, 100, 5,
		0x00, 0x35, 0x03, 0xe8, 0x00, 0x0c, 0x00, 0x00,
		'd', 's', 't', 'm' };
	uint8_t e[72];

	put16(in + 10, ref_csum(in, 20));
	memcpy(e, hdr, 40);
	memcpy(e + 40, in, 32);
	e[40 + 8] = 0x3f;				/* TTL 63 */
	put16(e + 40 + 10, 0);
	put16(e + 40 + 10, ref_csum(e + 40, 20));
	ck_assert_int_eq(rfc2473_encap(in, 32, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_uint_eq(res.out_len, 72);
	ck_assert_mem_eq(out, e, 72);
	ck_assert_uint_eq(res.binding->ctr.pkts_down, 1);
	ck_assert_uint_eq(res.binding->ctr.bytes_down, 32);
	/* in place: the packet already sits after room for the header */
	memcpy(out + 40, in, 32);
	ck_assert_int_eq(rfc2473_encap(out + 40, 32, &tep, NOW, out,
	    sizeof(out), &res), RFC2473_OK);
	ck_assert_mem_eq(out, e, 72);
	ck_assert_int_eq(rfc2473_encap(in, 32, &tep, NOW, out, 71, &res),
	    RFC2473_NO_ROOM);
	/* flow label and hop limit */
	tep.cfg.flow_label = true;
	tep.cfg.hop_limit = 17;
	ck_assert_int_eq(rfc2473_encap(in, 32, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_uint_eq(out[7], 17);
	ck_assert_uint_ne((out[1] & 0x0f) << 16 | get16(out + 2), 0);
	ck_assert_uint_eq(out[1] & 0xf0, 0x80);
	memcpy(e, out, 4);
	ck_assert_int_eq(rfc2473_encap(in, 32, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_mem_eq(out, e, 4);			/* stable per flow */
	/* no TTL decrement when configured off */
	tep.cfg.decrement_ttl = false;
	ck_assert_int_eq(rfc2473_encap(in, 32, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_mem_eq(out + 40, in, 32);
}
END_TEST

START_TEST(encap_lookup_verdicts)
{
	uint8_t b8[8] = { 0 };
	size_t n;

	n = mk_udp(pkt, REMOTE, 53, POOL2, 1000, 4, 0);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_NO_BINDING);
	ck_assert_int_eq(res.drop, RFC2473_DROP_NO_BINDING);
	n = mk_udp(pkt, REMOTE, 53, POOL1, 1000, 4, 0);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW + 100, out,
	    sizeof(out), &res), RFC2473_EXPIRED);
	add(&c2, POOL2, 4096, 8191, 0);
	add(&c1, POOL2, 8192, 8195, 0);
	n = mk_udp(pkt, REMOTE, 53, POOL2, 5000, 4, 0);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_mem_eq(out + 24, &c2, 16);
	n = mk_udp(pkt, REMOTE, 53, POOL2, 8195, 4, 0);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	ck_assert_mem_eq(out + 24, &c1, 16);
	n = mk_udp(pkt, REMOTE, 53, POOL2, 8196, 4, 0);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_NO_BINDING);
	/* non-first fragments: fine to a whole address, not to a shared one */
	n = mk4(pkt, REMOTE, POOL2, 17, 64, 100, NULL, 0, b8, 8);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_NO_BINDING);
	ck_assert_int_eq(res.drop, RFC2473_DROP_SHARED_NO_PORT);
	n = mk4(pkt, REMOTE, POOL1, 17, 64, 100, NULL, 0, b8, 8);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_OK);
	/* malformed and not IPv4 */
	pkt[10] ^= 1;
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_MALFORMED);
	pkt[0] = 0x60;
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_NOT_IPV4);
	ck_assert_int_eq(rfc2473_encap(pkt, 0, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_MALFORMED);
}
END_TEST

/* ---- fragmentation ---- */

/* Cut `n` bytes at `pkt` to `mtu` and put it back together; returns the
 * number of fragments.  Checks every fragment on the way. */
static int
frag_roundtrip(size_t n, size_t mtu, size_t later_hlen)
{
	static uint8_t frags[128][2048];
	static size_t flen[128];
	uint8_t whole[4096], seen[4096];
	struct ipv4_frag f;
	size_t hlen = (pkt[0] & 0xf) * 4, plen = n - hlen, end = 0;
	int k = 0, rv;

	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, mtu), 0);
	while ((rv = ipv4_frag_next(&f, frags[k], sizeof(frags[k]),
	    &flen[k])) == 1)
		k++;
	ck_assert_int_eq(rv, 0);
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < k; i++) {
		const uint8_t *p = frags[i];
		size_t h = (p[0] & 0xf) * 4, off = (get16(p + 6) & 0x1fff) * 8;
		bool mf = (get16(p + 6) & 0x2000) != 0;

		ck_assert_uint_le(flen[i], mtu);
		ck_assert_uint_eq(get16(p + 2), flen[i]);
		ck_assert_uint_eq(ref_csum(p, h), 0);
		ck_assert_uint_eq(h, i == 0 ? hlen : later_hlen);
		ck_assert_mem_eq(p + 12, pkt + 12, 8);
		ck_assert_uint_eq(get16(p + 4), get16(pkt + 4));
		ck_assert(mf == (i < k - 1));
		if (mf)
			ck_assert_uint_eq((flen[i] - h) % 8, 0);
		for (size_t j = 0; j < flen[i] - h; j++) {
			ck_assert(!seen[off + j]);
			seen[off + j] = 1;
			whole[hlen + off + j] = p[h + j];
		}
		if (off + flen[i] - h > end)
			end = off + flen[i] - h;
	}
	ck_assert_uint_eq(end, plen);
	memcpy(whole, frags[0], hlen);
	put16(whole + 2, (unsigned)n);
	put16(whole + 6, 0);
	put16(whole + 10, 0);
	put16(whole + 10, ref_csum(whole, hlen));
	ck_assert_mem_eq(whole, pkt, n);
	return k;
}

START_TEST(fragment_3000)
{
	/* router alert (copied), record route (not copied), EOL */
	static const uint8_t opt[12] = { 0x94, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0,
	    0 };
	uint8_t data[2980];
	size_t n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 7);
	n = mk4(pkt, REMOTE, POOL1, 17, 64, 0, NULL, 0, data, 2980);
	ck_assert_uint_eq(n, 3000);
	ck_assert_int_eq(frag_roundtrip(n, 1460, 20), 3);
	ck_assert_int_eq(frag_roundtrip(n, 576, 20), 6);
	n = mk4(pkt, REMOTE, POOL1, 17, 64, 0, opt, 12, data, 2968);
	ck_assert_int_eq(frag_roundtrip(n, 1460, 24), 3);
	ck_assert_int_eq(frag_roundtrip(n, 68, 24), 75);
	n = mk4(pkt, REMOTE, POOL1, 17, 64, 0, NULL, 0, data, 100);
	ck_assert_int_eq(frag_roundtrip(n, 1460, 20), 1);
}
END_TEST

START_TEST(fragment_errors)
{
	struct ipv4_frag f;
	uint8_t data[200] = { 0 };
	size_t n, olen;

	n = mk4(pkt, REMOTE, POOL1, 17, 64, 0x4000, NULL, 0, data, 200);
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, 100), -EPERM);
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, 1500), 0);
	n = mk4(pkt, REMOTE, POOL1, 17, 64, 0, NULL, 0, data, 200);
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, 27), -EMSGSIZE);
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, 28), 0);
	ck_assert_int_eq(ipv4_frag_next(&f, out, 27, &olen), -ENOBUFS);
	ck_assert_int_eq(ipv4_frag_next(&f, out, 28, &olen), 1);
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n - 1, 100), -EINVAL);
	/* a fragment of a fragment keeps its offset and its MF */
	n = mk4(pkt, REMOTE, POOL1, 17, 64, 0x2000 | 10, NULL, 0, data, 200);
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, 124), 0);
	ck_assert_int_eq(ipv4_frag_next(&f, out, sizeof(out), &olen), 1);
	ck_assert_uint_eq(get16(out + 6), 0x2000 | 10);
	ck_assert_int_eq(ipv4_frag_next(&f, out, sizeof(out), &olen), 1);
	ck_assert_uint_eq(get16(out + 6), 0x2000 | 23);
	ck_assert_uint_eq(olen, 20 + 96);
}
END_TEST

START_TEST(encap_fragment_needed)
{
	uint8_t whole[3000];
	struct ipv4_frag f;
	struct binding *b;
	size_t n, flen, olen, got = 0;
	int k = 0;

	n = mk_udp(pkt, REMOTE, 53, POOL1, 1000, 2972, 0);
	ck_assert_uint_eq(n, 3000);
	ck_assert_int_eq(rfc2473_encap(pkt, n, &tep, NOW, out, sizeof(out),
	    &res), RFC2473_FRAGMENT_NEEDED);
	ck_assert_uint_eq(res.mtu, 1460);
	b = res.binding;
	ck_assert_int_eq(ipv4_frag_init(&f, pkt, n, res.mtu), 0);
	/* each piece written where its outer header will precede it */
	while (ipv4_frag_next(&f, out + 40, sizeof(out) - 40, &flen) == 1) {
		ck_assert_int_eq(rfc2473_encap_binding(out + 40, flen, &tep, b,
		    out, sizeof(out), &olen), RFC2473_OK);
		ck_assert_uint_le(olen, tep.cfg.tunnel_mtu);
		ck_assert_uint_eq(get16(out + 4), flen);
		ck_assert_uint_eq(out[6], 4);
		ck_assert_uint_eq(out[40 + 8], 63);
		ck_assert_uint_eq(ref_csum(out + 40, 20), 0);
		memcpy(whole + 20 + (get16(out + 46) & 0x1fff) * 8, out + 60,
		    flen - 20);
		got += flen - 20;
		k++;
	}
	ck_assert_int_eq(k, 3);
	ck_assert_uint_eq(got, 2980);
	ck_assert_mem_eq(whole + 20, pkt + 20, 2980);
	ck_assert_uint_eq(tep.st.encap_fragmented, 1);
	ck_assert_uint_eq(b->ctr.pkts_down, 3);
}
END_TEST

/* ---- MSS clamping ---- */

static uint16_t
ref_tcp_csum(const uint8_t *ip, size_t n)
{
	uint8_t ph[2048];
	size_t tl = n - 20;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (unsigned)tl);
	memcpy(ph + 12, ip + 20, tl);
	put16(ph + 12 + 16, 0);
	return ref_csum(ph, 12 + tl);
}

static size_t
mk_syn(uint8_t *p, const uint8_t *opt, size_t optlen, uint8_t flags)
{
	uint8_t t[80];
	size_t n;

	memset(t, 0, 20);
	put16(t, 40000);
	put16(t + 2, 80);
	t[12] = (uint8_t)((20 + optlen) / 4 << 4);
	t[13] = flags;
	put16(t + 14, 65535);
	memcpy(t + 20, opt, optlen);
	n = mk4(p, POOL1, REMOTE, 6, 64, 0x4000, NULL, 0, t, 20 + optlen);
	put16(p + 20 + 16, ref_tcp_csum(p, n));
	return n;
}

START_TEST(mss_clamp)
{
	static const uint8_t aligned[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	static const uint8_t odd[8] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 };
	static const uint8_t small[4] = { 2, 4, 0x02, 0x18 };
	static const uint8_t bad[4] = { 8, 9, 0, 0 };
	uint8_t copy[128];
	uint16_t mss = rfc2473_mss(&tep.cfg);
	size_t n;

	ck_assert_uint_eq(mss, 1420);
	n = mk_syn(pkt, aligned, 8, 0x02);
	ck_assert_int_eq(tcp_mss_clamp(pkt, n, mss), 1);
	ck_assert_uint_eq(get16(pkt + 42), 1420);
	ck_assert_uint_eq(get16(pkt + 36), ref_tcp_csum(pkt, n));
	n = mk_syn(pkt, odd, 8, 0x12);		/* SYN-ACK, odd offset */
	ck_assert_int_eq(tcp_mss_clamp(pkt, n, mss), 1);
	ck_assert_uint_eq(get16(pkt + 43), 1420);
	ck_assert_uint_eq(get16(pkt + 36), ref_tcp_csum(pkt, n));
	n = mk_syn(pkt, small, 4, 0x02);
	memcpy(copy, pkt, n);
	ck_assert_int_eq(tcp_mss_clamp(pkt, n, mss), 0);
	ck_assert_mem_eq(pkt, copy, n);
	n = mk_syn(pkt, aligned, 8, 0x10);		/* not a SYN */
	ck_assert_int_eq(tcp_mss_clamp(pkt, n, mss), 0);
	ck_assert_uint_eq(get16(pkt + 42), 1460);
	n = mk_syn(pkt, bad, 4, 0x02);
	ck_assert_int_eq(tcp_mss_clamp(pkt, n, mss), -EINVAL);
}
END_TEST

/* An inner destination the gateway never forwards: the fixed special
 * ranges, tep4, and the host's own addresses (cfg.local4, a sorted set
 * the gateway keeps from netlink); only the last two change at run time. */
START_TEST(decap_bad_destination)
{
	static const uint32_t local[] = { A4(192, 0, 2, 255),
	    A4(203, 0, 113, 1), A4(203, 0, 113, 255) };
	static const uint32_t bad[] = { A4(0, 0, 0, 0), A4(0, 1, 2, 3),
	    A4(127, 0, 0, 1), A4(127, 255, 255, 255), A4(224, 0, 0, 1),
	    A4(239, 1, 1, 1), A4(240, 0, 0, 1), A4(255, 255, 255, 255),
	    A4(192, 0, 0, 1), A4(203, 0, 113, 1), A4(203, 0, 113, 255),
	    A4(192, 0, 2, 255) };
	uint8_t in[128];
	size_t m, n;

	tep.cfg.local4 = local;
	tep.cfg.n_local4 = 3;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(rfc2473_bad_destination(&tep.cfg, bad[i]));
		m = mk_udp(in, POOL1, 1000, bad[i], 53, 4, 0);
		n = mk6(pkt, &c1, &tep6, 4, in, m);
		ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_BAD_DESTINATION);
		ck_assert_int_eq(res.drop, RFC2473_DROP_BAD_DESTINATION);
	}
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_BAD_DESTINATION],
	    sizeof(bad) / sizeof(bad[0]));
	ck_assert_uint_eq(tep.st.decap_pkts, 0);
	/* neighbours of the local addresses, and 1/8, 126/8, 223/8 pass */
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(203, 0, 113, 2)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(203, 0, 113, 0)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(203, 0, 113, 254)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(192, 0, 2, 254)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(1, 0, 0, 1)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(126, 0, 0, 1)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(223, 255, 255, 255)));
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(192, 0, 0, 2)));
	/* the set changes: 203.0.113.1 is no longer ours */
	tep.cfg.local4 = local + 2;
	tep.cfg.n_local4 = 1;
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(203, 0, 113, 1)));
	ck_assert(rfc2473_bad_destination(&tep.cfg, A4(203, 0, 113, 255)));
	tep.cfg.n_local4 = 0;
	ck_assert(!rfc2473_bad_destination(&tep.cfg, A4(203, 0, 113, 255)));
	m = mk_udp(in, POOL1, 1000, A4(203, 0, 113, 1), 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	ck_assert(!res.hairpin);
}
END_TEST

/* RFC 7596 5.2: client 1 to client 2's leased address.  hairpin on: OK,
 * marked for encapsulation to client 2 and counted; off: dropped and
 * counted, client 1's counters unchanged.  Only bound addresses are
 * hairpin: a free pool address is the kernel's (host unreachable). */
START_TEST(decap_hairpin)
{
	uint8_t in[128];
	size_t m, n;

	add(&c2, POOL2, 0, 65535, NOW + 100);
	ck_assert(tep.cfg.hairpin);			/* the default */
	m = mk_udp(in, POOL1, 1000, POOL2, 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	ck_assert(res.hairpin);
	ck_assert_uint_eq(res.len, m);
	ck_assert_uint_eq(tep.st.hairpin, 1);
	ck_assert_uint_eq(tep.st.decap_pkts, 1);
	/* the turned-around packet goes to client 2 */
	ck_assert_int_eq(rfc2473_encap(pkt + 40, res.len, &tep, NOW, out,
	    sizeof(out), &res), RFC2473_OK);
	ck_assert_mem_eq(out + 24, &c2, 16);
	/* not hairpin: a free pool address, the IPv4 network */
	m = mk_udp(in, POOL1, 1000, A4(198, 51, 100, 7), 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	ck_assert(!res.hairpin);
	n = mk_up(pkt, &c1, POOL1, 1000);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_OK);
	ck_assert(!res.hairpin);
	ck_assert_uint_eq(tep.st.hairpin, 1);

	tep.cfg.hairpin = false;
	m = mk_udp(in, POOL1, 1000, POOL2, 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_HAIRPIN);
	ck_assert_int_eq(res.drop, RFC2473_DROP_HAIRPIN);
	ck_assert(!res.hairpin);
	/* to itself through the TEP is hairpin as well */
	m = mk_udp(in, POOL1, 1000, POOL1, 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_HAIRPIN);
	ck_assert_uint_eq(tep.st.drops[RFC2473_DROP_HAIRPIN], 2);
	ck_assert_uint_eq(tep.st.hairpin, 1);
	ck_assert_uint_eq(tep.st.decap_pkts, 3);
	ck_assert_uint_eq(binding_lookup6(&bt, &c1)->ctr.pkts_up, 3);
	/* a spoofed source is refused before the destination is looked at */
	m = mk_udp(in, POOL2, 1000, POOL2, 53, 4, 0);
	n = mk6(pkt, &c1, &tep6, 4, in, m);
	ck_assert_int_eq(decap(pkt, n, NOW), RFC2473_SPOOFED_SOURCE);
}
END_TEST

/* ---- names and config ---- */

START_TEST(names_and_config)
{
	struct rfc2473_config c;

	for (int i = 0; i < RFC2473_VERDICT_MAX; i++)
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(rfc2473_verdict_name(i),
			    rfc2473_verdict_name(j));
	for (int i = 0; i < RFC2473_DROP_MAX; i++) {
		ck_assert_str_ne(rfc2473_drop_name(i), "?");
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(rfc2473_drop_name(i),
			    rfc2473_drop_name(j));
	}
	ck_assert_str_eq(rfc2473_verdict_name(RFC2473_VERDICT_MAX), "?");
	ck_assert_str_eq(rfc2473_drop_name(RFC2473_DROP_MAX), "?");
	ck_assert_str_eq(rfc2473_drop_name(RFC2473_DROP_SPOOFED_PORT),
	    "spoofed-port");
	rfc2473_config_default(&c);
	ck_assert_int_eq(rfc2473_config_check(&c), 0);
	ck_assert_uint_eq(rfc2473_inner_mtu(&c), 1460);
	c.tunnel_mtu = 1279;
	ck_assert_int_eq(rfc2473_config_check(&c), -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rfc2473");
	TCase *tc = tcase_create("packets");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, csum_rfc1071);
	tcase_add_test(tc, csum_adjust_random);
	tcase_add_test(tc, ipv4_parse_checks);
	tcase_add_test(tc, decap_ok);
	tcase_add_test(tc, decap_spoofed_unknown_expired);
	tcase_add_test(tc, decap_truncated_every_length);
	tcase_add_test(tc, decap_inner_checks);
	tcase_add_test(tc, decap_ecn);
	tcase_add_test(tc, decap_shared_ports);
	tcase_add_test(tc, decap_bad_destination);
	tcase_add_test(tc, decap_hairpin);
	tcase_add_test(tc, ttl_decrement);
	tcase_add_test(tc, encap_ttl1_time_exceeded);
	tcase_add_test(tc, encap_df_too_big);
	tcase_add_test(tc, icmp_refusals);
	tcase_add_test(tc, encap_exact);
	tcase_add_test(tc, encap_lookup_verdicts);
	tcase_add_test(tc, fragment_3000);
	tcase_add_test(tc, fragment_errors);
	tcase_add_test(tc, encap_fragment_needed);
	tcase_add_test(tc, mss_clamp);
	tcase_add_test(tc, names_and_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
