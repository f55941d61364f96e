/* fuzz_packet.c - libFuzzer harness for the gateway packet path:
 * decapsulation (the raw socket's payload, with and without an outer ECN
 * CE mark), encapsulation with the
 * fragmentation loop, ICMPv4 error builders, MSS clamping.
 *
 * FUZZ_SOURCES: gateway/rfc2473.c common/binding.c common/inet.c
 * FUZZ_SOURCES: common/addr.c common/log.c
 * FUZZ_SOURCES: common/loglimit.c
 *
 * The first input byte steers.  Bits 0-1 pick the path: 0 decap of a
 * raw-socket payload under an outer CE mark, 1 the same with the outer
 * traffic class 0, 2 encap of the bytes as they are, 3 encap of an IPv4
 * packet built from the bytes (build4).  Bit 3 repairs the IPv4
 * total length and header checksum so the deeper checks are reached,
 * bit 4 picks the client, bits 4-7 shrink the encap output buffer.
 * Every output buffer is allocated at its exact capacity so
 * AddressSanitizer sees any overrun; every fragmentation must
 * reassemble to its input, every built ICMP error must check out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/binding.h"
#include "common/inet.h"
#include "gateway/rfc2473.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW	1000

static struct binding_table bt;
static struct rfc2473_tep tep;
static struct in6_addr clients[3];

static void
fuzz_init(void)
{
	static const char *c6[] = { "2001:db8:1::10", "2001:db8:1::20",
	    "2001:db8:1::30" };
	struct binding b;

	binding_table_init(&bt, 0);
	rfc2473_config_default(&tep.cfg);
	addr6_parse("2001:db8:1::1", &tep.cfg.tep6, NULL);
	tep.cfg.flow_label = true;
	tep.bt = &bt;
	for (int i = 0; i < 3; i++)
		addr6_parse(c6[i], &clients[i], NULL);
	memset(&b, 0, sizeof(b));
	/* 198.51.100.5 whole, 198.51.100.6 shared by two, one expired */
	b.client = clients[0];
	b.addr4 = 0xc6336405;
	b.port_max = 65535;
	binding_add(&bt, &b);
	b.client = clients[1];
	b.addr4 = 0xc6336406;
	b.port_min = 1024;
	b.port_max = 2047;
	binding_add(&bt, &b);
	b.client = clients[2];
	b.port_min = 2048;
	b.port_max = 4095;
	b.expires = NOW;
	binding_add(&bt, &b);
}

/* Make an IPv4 header at p (of len bytes) pass the length/checksum test. */
static void
repair4(uint8_t *p, size_t len)
{
	size_t hl;

	if (len < IPV4_HDR_LEN || len > 65535)
		return;
	p[0] = (uint8_t)(0x40 | (p[0] & 0x0f));
	hl = (size_t)(p[0] & 0x0f) * 4;
	if (hl < IPV4_HDR_LEN || hl > len)
		return;
	be16_put(p + 2, (uint16_t)len);
	be16_put(p + 10, 0);
	be16_put(p + 10, inet_csum(p, hl));
}

static void
check_icmp(const uint8_t *p, size_t len, size_t cap)
{
	uint8_t *out = malloc(cap ? cap : 1);
	size_t olen;

	if (icmp4_time_exceeded(p, len, tep.cfg.gw4, out, cap, &olen) == 0 &&
	    (olen > cap || inet_csum(out, IPV4_HDR_LEN) != 0 ||
	    inet_csum(out + IPV4_HDR_LEN, olen - IPV4_HDR_LEN) != 0))
		abort();
	if (icmp4_frag_needed(p, len, 1460, tep.cfg.gw4, out, cap, &olen) ==
	    0 && olen > cap)
		abort();
	free(out);
}

/* Fragment, encapsulate each piece, reassemble, compare. */
static void
fragment_all(const uint8_t *p, size_t len, struct binding *b, size_t mtu)
{
	struct ipv4_frag f;
	uint8_t *frag = malloc(mtu), *out = malloc(mtu + IPV6_HDR_LEN);
	uint8_t *whole = calloc(1, len);
	size_t flen, olen, hlen = (size_t)(p[0] & 0x0f) * 4, got = 0;
	int rv;

	if (ipv4_frag_init(&f, p, len, mtu) != 0)
		goto out;
	while ((rv = ipv4_frag_next(&f, frag, mtu, &flen)) == 1) {
		size_t fh = (size_t)(frag[0] & 0x0f) * 4;
		size_t off = (size_t)(be16_get(frag + 6) & IPV4_OFFMASK) * 8;
		struct ipv4_info ii;

		if (flen > mtu || ipv4_parse(frag, flen, &ii) != 0)
			abort();
		off -= (size_t)(be16_get(p + 6) & IPV4_OFFMASK) * 8;
		if (off + flen - fh > len - hlen)
			abort();
		memcpy(whole + off, frag + fh, flen - fh);
		got += flen - fh;
		if (rfc2473_encap_binding(frag, flen, &tep, b, out,
		    mtu + IPV6_HDR_LEN, &olen) == RFC2473_OK &&
		    olen != flen + IPV6_HDR_LEN)
			abort();
	}
	if (rv != 0 || got != len - hlen ||
	    memcmp(whole, p + hlen, len - hlen) != 0)
		abort();
out:
	free(frag);
	free(out);
	free(whole);
}

/* Structured input: d[0] picks the destination (the three bound
 * addresses or another) and the length range, d[1-2] the length, d[3]
 * flags and TTL, d[4] the protocol, d[5] the option words; the rest,
 * repeated, is the body.
 * Replaces `old` (freed); NULL when the input is too short. */
static uint8_t *
build4(const uint8_t *d, size_t n, uint8_t *old, size_t *lenp)
{
	static const uint32_t dst[4] = { 0xc6336405, 0xc6336406, 0xc6336407,
	    0xcb00710a };
	size_t len, hl, i;
	uint8_t *p;

	free(old);
	if (n < 7)
		return NULL;
	hl = IPV4_HDR_LEN + (size_t)(d[5] % 11) * 4;
	/* mostly small, so the fuzzer stays fast; sometimes up to 64k */
	len = hl + be16_get(d + 1) % (d[0] & 0x80 ? 65536 - hl : 4096);
	if ((p = malloc(len)) == NULL)
		return NULL;
	for (i = IPV4_HDR_LEN; i < len; i++)
		p[i] = d[6 + (i - IPV4_HDR_LEN) % (n - 6)];
	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = d[3];
	be16_put(p + 2, (uint16_t)len);
	be16_put(p + 4, 0x1234);
	be16_put(p + 6, (uint16_t)((d[3] & 0x40 ? IPV4_DF : 0) |
	    (d[3] & 0x20 ? IPV4_MF | (d[3] & 7) : 0)));
	p[8] = (uint8_t)(d[3] >> 2);
	p[9] = d[4];
	be32_put(p + 12, 0xcb00710a);
	be32_put(p + 16, dst[d[0] & 3]);
	be16_put(p + 10, 0);
	be16_put(p + 10, inet_csum(p, hl));
	*lenp = len;
	return p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct rfc2473_result res;
	enum rfc2473_verdict v;
	uint8_t *p, *out;
	size_t len, cap;
	uint8_t ctl;

	if (!ready) {
		fuzz_init();
		ready = 1;
	}
	if (size < 1 || size > 65536 + 1)
		return 0;
	ctl = data[0];
	len = size - 1;
	p = malloc(len ? len : 1);
	memcpy(p, data + 1, len);

	switch (ctl & 3) {
	case 0:		/* raw IPPROTO_IPIP socket: payload, source, CE */
	case 1:		/* the same, outer traffic class 0 */
		if (ctl & 8)
			repair4(p, len);
		v = rfc2473_decap_inner(p, len, &clients[ctl >> 4 & 1],
		    (ctl & 3) == 0 ? 0xff : 0, &tep, NOW, &res);
		if (v == RFC2473_OK && (res.len != len ||
		    inet_csum(p, (size_t)(p[0] & 0x0f) * 4) != 0))
			abort();	/* a CE mark must keep the checksum */
		break;
	case 3:		/* a well-formed IPv4 packet built from the input */
		if ((p = build4(data + 1, size - 1, p, &len)) == NULL)
			return 0;
		/* FALLTHROUGH */
	case 2:		/* IPv4 TUN: encapsulate */
		if (ctl & 8)
			repair4(p, len);
		cap = (ctl & 0xf0) == 0 ? len + IPV6_HDR_LEN :
		    (size_t)(ctl >> 4) * 97;
		out = malloc(cap ? cap : 1);
		v = rfc2473_encap(p, len, &tep, NOW, out, cap, &res);
		if (v == RFC2473_OK && res.out_len != len + IPV6_HDR_LEN)
			abort();
		if (v == RFC2473_FRAGMENT_NEEDED)
			fragment_all(p, len, res.binding,
			    (ctl & 1) ? res.mtu : IPV4_MIN_MTU);
		free(out);
		check_icmp(p, len, (ctl & 1) ? ICMP4_ERROR_MAX : len % 97);
		if (tcp_mss_clamp(p, len, rfc2473_mss(&tep.cfg)) == 1) {
			struct ipv4_info ii;

			if (ipv4_parse(p, len, &ii) != 0)
				abort();
		}
		break;
	}
	free(p);
	return 0;
}
