/* test_nat44.c - the AFTR's NAT44 tables: mappings keyed by the B4,
 * port blocks, limits, expiry on an injected clock, checksums against a
 * full recomputation (ref_csum here, not common/inet.c), ICMP queries
 * and errors (RFC 5508). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "gateway/nat44.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define B4SRC	A4(192, 0, 0, 2)
#define PUB1	A4(198, 51, 100, 1)
#define PUB2	A4(198, 51, 100, 2)
#define REMOTE	A4(203, 0, 113, 10)
#define T0	1000000

static struct nat44 *nat;
static struct nat44_config cfg;
static struct range4 pool;
static struct in6_addr b4a, b4b, b4c;
static uint8_t pkt[2048];
static enum nat44_drop why;

static struct {
	unsigned	 allocs, releases;
	struct in6_addr	 b4;
	uint32_t	 pub;
	uint16_t	 first, last;
	int64_t		 when;
} lg;

/* ---- independent reference helpers ---- */

static uint32_t
ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += (i % 2 == 0) ? p[i] * 256u : p[i];
	return s;
}

static uint16_t
ref_fold(uint32_t s)
{
	while (s > 0xffff)
		s = (s >> 16) + (s & 0xffff);
	return (uint16_t)(~s & 0xffff);
}

static uint16_t
ref_csum(const uint8_t *p, size_t n)
{
	return ref_fold(ref_sum(p, n, 0));
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

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* TCP/UDP checksum over the pseudo-header, computed from scratch */
static uint16_t
ref_l4(const uint8_t *ip, size_t len)
{
	size_t hl = (size_t)(ip[0] & 0xf) * 4;
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	put16(ph + 10, (unsigned)(len - hl));
	return ref_fold(ref_sum(ip + hl, len - hl, ref_sum(ph, 12, 0)));
}

static size_t
mk4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto,
    const uint8_t *l4, size_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (unsigned)(20 + n));
	put16(p + 4, 0x4321);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, ref_csum(p, 20));
	memcpy(p + 20, l4, n);
	return 20 + n;
}

/* UDP with a correct checksum (or 0 when zero is set) */
static size_t
mk_udp(uint8_t *p, uint32_t src, unsigned sport, uint32_t dst,
    unsigned dport, bool zero)
{
	uint8_t l4[8 + 13];
	size_t len;

	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, sizeof(l4));
	put16(l4 + 6, 0);
	for (size_t i = 8; i < sizeof(l4); i++)
		l4[i] = (uint8_t)(i * 31 + 7);
	len = mk4(p, src, dst, IPPROTO_UDP, l4, sizeof(l4));
	if (!zero) {
		uint16_t c = ref_l4(p, len);

		put16(p + 26, c == 0 ? 0xffff : c);
	}
	return len;
}

static size_t
mk_tcp(uint8_t *p, uint32_t src, unsigned sport, uint32_t dst,
    unsigned dport, uint8_t flags)
{
	uint8_t l4[20 + 5] = { 0 };
	size_t len;

	put16(l4, sport);
	put16(l4 + 2, dport);
	put32(l4 + 4, 0x01020304);
	l4[12] = 0x50;
	l4[13] = flags;
	put16(l4 + 14, 512);
	memcpy(l4 + 20, "hello", 5);
	len = mk4(p, src, dst, IPPROTO_TCP, l4, sizeof(l4));
	put16(p + 36, ref_l4(p, len));
	return len;
}

static size_t
mk_echo(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type, unsigned id)
{
	uint8_t l4[8 + 6];

	l4[0] = type;
	l4[1] = 0;
	put16(l4 + 2, 0);
	put16(l4 + 4, id);
	put16(l4 + 6, 7);
	memcpy(l4 + 8, "abcdef", 6);
	put16(l4 + 2, ref_csum(l4, sizeof(l4)));
	return mk4(p, src, dst, IPPROTO_ICMP, l4, sizeof(l4));
}

/* an ICMP error (type, code) from `src` to `dst` quoting `q` (the first
 * qn bytes of it) */
static size_t
mk_icmp_err(uint8_t *p, uint32_t src, uint32_t dst, uint8_t type,
    uint8_t code, const uint8_t *q, size_t qn)
{
	uint8_t l4[8 + 128] = { 0 };

	l4[0] = type;
	l4[1] = code;
	memcpy(l4 + 8, q, qn);
	put16(l4 + 2, ref_csum(l4, 8 + qn));
	return mk4(p, src, dst, IPPROTO_ICMP, l4, 8 + qn);
}

static void
check_ip(const uint8_t *p)
{
	ck_assert_uint_eq(ref_csum(p, 20), 0);
}

static void
log_cb(void *arg, bool alloc, const struct in6_addr *b4, uint32_t pub,
    uint16_t first, uint16_t last, int64_t now)
{
	(void)arg;
	if (alloc)
		lg.allocs++;
	else
		lg.releases++;
	lg.b4 = *b4;
	lg.pub = pub;
	lg.first = first;
	lg.last = last;
	lg.when = now;
}

static void
make(uint32_t first, uint32_t last, uint32_t bsize, uint32_t maxblocks,
    uint32_t maxsess)
{
	nat44_free(nat, T0);
	nat = NULL;
	memset(&lg, 0, sizeof(lg));
	pool.first = first;
	pool.last = last;
	memset(&cfg, 0, sizeof(cfg));
	cfg.pool = &pool;
	cfg.n_pool = 1;
	cfg.block_size = bsize;
	cfg.max_blocks_per_b4 = maxblocks;
	cfg.max_sessions_per_b4 = maxsess;
	cfg.max_sessions = 4096;
	cfg.timeout[NAT44_T_UDP] = 300;
	cfg.timeout[NAT44_T_TCP_EST] = 7440;
	cfg.timeout[NAT44_T_TCP_TRANS] = 240;
	cfg.timeout[NAT44_T_ICMP] = 60;
	cfg.seed = 0x1234;
	cfg.log_block = log_cb;
	ck_assert_int_eq(nat44_new(&cfg, &nat), 0);
}

static void
setup(void)
{
	ck_assert(addr6_parse("2001:db8:1::b4", &b4a, NULL));
	ck_assert(addr6_parse("2001:db8:2::b4", &b4b, NULL));
	ck_assert(addr6_parse("2001:db8:3::b4", &b4c, NULL));
	make(PUB1, PUB2, 512, 4, 1000);
}

static void
teardown(void)
{
	nat44_free(nat, T0);
	nat = NULL;
}

static struct nat44_stats
stats(void)
{
	struct nat44_stats st;

	nat44_get_stats(nat, &st);
	return st;
}

/* out through the NAT from b4, ok */
static void
out_ok(const struct in6_addr *b4, size_t len, int64_t now)
{
	ck_assert_int_eq(nat44_outbound(nat, b4, 1, pkt, len, now, &why), 0);
	ck_assert_int_eq(why, NAT44_DROP_NONE);
	check_ip(pkt);
}

/* ---- tests ---- */

START_TEST(two_b4s_same_source)
{
	uint32_t pa, pb;
	unsigned porta, portb;
	struct in6_addr to;
	size_t n;

	n = mk_udp(pkt, B4SRC, 5000, REMOTE, 53, false);
	out_ok(&b4a, n, T0);
	pa = get32(pkt + 12);
	porta = get16(pkt + 20);
	n = mk_udp(pkt, B4SRC, 5000, REMOTE, 53, false);
	out_ok(&b4b, n, T0);
	pb = get32(pkt + 12);
	portb = get16(pkt + 20);
	ck_assert(pa >= PUB1 && pa <= PUB2 && pb >= PUB1 && pb <= PUB2);
	ck_assert(pa != pb || porta != portb);
	ck_assert_uint_ge(porta, NAT44_PORT_MIN);
	ck_assert_uint_ge(portb, NAT44_PORT_MIN);
	/* the same B4 and source again: the same mapping (EIM, RFC 4787
	 * REQ-1), whatever the destination */
	n = mk_udp(pkt, B4SRC, 5000, REMOTE + 1, 99, false);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(get32(pkt + 12), pa);
	ck_assert_uint_eq(get16(pkt + 20), porta);
	ck_assert_uint_eq(stats().sessions, 2);
	ck_assert_uint_eq(stats().b4s, 2);

	/* replies go back to the right B4, with the private destination */
	n = mk_udp(pkt, REMOTE, 53, pb, portb, false);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	ck_assert_mem_eq(&to, &b4b, sizeof(to));
	ck_assert_uint_eq(get32(pkt + 16), B4SRC);
	ck_assert_uint_eq(get16(pkt + 22), 5000);
	check_ip(pkt);
	ck_assert_uint_eq(ref_l4(pkt, n), 0);
	n = mk_udp(pkt, REMOTE, 53, pa, porta, false);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	ck_assert_mem_eq(&to, &b4a, sizeof(to));
	/* nobody's port */
	n = mk_udp(pkt, REMOTE, 53, pa, porta + 1, false);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_NO_SESSION);
	ck_assert_uint_eq(stats().drops[NAT44_DROP_NO_SESSION], 1);
	/* paired pooling: every mapping of a B4 on one address */
	for (unsigned i = 0; i < 50; i++) {
		n = mk_udp(pkt, B4SRC, 6000 + i, REMOTE, 53, false);
		out_ok(&b4a, n, T0);
		ck_assert_uint_eq(get32(pkt + 12), pa);
	}
}
END_TEST

START_TEST(checksums_full_recompute)
{
	size_t n;

	/* UDP, TCP: the checksum a full recomputation expects (0) */
	for (unsigned sp = 1; sp < 65535; sp += 977) {
		n = mk_udp(pkt, B4SRC + sp % 3, sp, REMOTE, 53, false);
		out_ok(&b4a, n, T0);
		ck_assert_uint_eq(ref_l4(pkt, n), 0);
		ck_assert_uint_ne(get16(pkt + 26), 0);
		n = mk_tcp(pkt, B4SRC, sp, REMOTE, 80, 0x02);
		out_ok(&b4b, n, T0);
		ck_assert_uint_eq(ref_l4(pkt, n), 0);
	}
	/* a zero UDP checksum stays zero */
	n = mk_udp(pkt, B4SRC, 7777, REMOTE, 53, true);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(get16(pkt + 26), 0);
	ck_assert_uint_ne(get32(pkt + 12), B4SRC);
}
END_TEST

START_TEST(icmp_echo_ids)
{
	struct in6_addr to;
	unsigned ida, idb;
	uint32_t pa;
	size_t n;

	n = mk_echo(pkt, B4SRC, REMOTE, 8, 77);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(ref_csum(pkt + 20, n - 20), 0);
	ida = get16(pkt + 24);
	pa = get32(pkt + 12);
	n = mk_echo(pkt, B4SRC, REMOTE, 8, 77);
	out_ok(&b4b, n, T0);
	idb = get16(pkt + 24);
	ck_assert(ida != idb || pa != get32(pkt + 12));
	/* the echo reply to B4 a */
	n = mk_echo(pkt, REMOTE, pa, 0, ida);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	ck_assert_mem_eq(&to, &b4a, sizeof(to));
	ck_assert_uint_eq(get16(pkt + 24), 77);
	ck_assert_uint_eq(get32(pkt + 16), B4SRC);
	ck_assert_uint_eq(ref_csum(pkt + 20, n - 20), 0);
	check_ip(pkt);
}
END_TEST

START_TEST(icmp_error_translated)
{
	uint8_t q[64];
	struct in6_addr to;
	uint32_t pub;
	unsigned pport;
	size_t n, qn;

	/* a UDP mapping, then port unreachable from the remote host quoting
	 * the translated datagram (whole, so the quoted checksum counts) */
	n = mk_udp(pkt, B4SRC, 4444, REMOTE, 9, false);
	out_ok(&b4b, n, T0);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	qn = n;
	memcpy(q, pkt, qn);
	n = mk_icmp_err(pkt, REMOTE, pub, 3, 3, q, qn);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	ck_assert_mem_eq(&to, &b4b, sizeof(to));
	check_ip(pkt);
	ck_assert_uint_eq(get32(pkt + 16), B4SRC);		/* outer dst */
	ck_assert_uint_eq(ref_csum(pkt + 20, n - 20), 0);	/* ICMP */
	ck_assert_uint_eq(ref_csum(pkt + 28, 20), 0);		/* quoted IP */
	ck_assert_uint_eq(get32(pkt + 28 + 12), B4SRC);		/* quoted src */
	ck_assert_uint_eq(get16(pkt + 48), 4444);		/* quoted port */
	ck_assert_uint_eq(ref_l4(pkt + 28, qn), 0);		/* quoted UDP */
	ck_assert_uint_eq(stats().icmp_errors, 1);

	/* the 8-byte quote of RFC 792 works too */
	n = mk_icmp_err(pkt, A4(203, 0, 113, 99), pub, 11, 0, q, 28);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	ck_assert_uint_eq(get16(pkt + 48), 4444);
	ck_assert_uint_eq(ref_csum(pkt + 20, n - 20), 0);

	/* an error quoting nobody's mapping is dropped */
	put16(q + 20, pport + 1);
	put16(q + 10, 0);
	put16(q + 10, ref_csum(q, 20));
	n = mk_icmp_err(pkt, REMOTE, pub, 3, 3, q, 28);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_NO_SESSION);

	/* from inside: the B4's host says port unreachable about a
	 * datagram the remote host sent to the mapping */
	n = mk_udp(pkt, REMOTE, 9, B4SRC, 4444, false);
	memcpy(q, pkt, 28);
	n = mk_icmp_err(pkt, B4SRC, REMOTE, 3, 3, q, 28);
	out_ok(&b4b, n, T0);
	ck_assert_uint_eq(get32(pkt + 12), pub);
	ck_assert_uint_eq(get32(pkt + 28 + 16), pub);
	ck_assert_uint_eq(get16(pkt + 28 + 22), pport);
	ck_assert_uint_eq(ref_csum(pkt + 28, 20), 0);
	ck_assert_uint_eq(ref_csum(pkt + 20, n - 20), 0);
	/* B4 a has no such mapping */
	n = mk_icmp_err(pkt, B4SRC, REMOTE, 3, 3, q, 28);
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_NO_SESSION);
}
END_TEST

START_TEST(port_block_exhaustion)
{
	size_t n;
	unsigned i;

	/* one block of 64 per B4: the 65th UDP mapping is refused */
	make(PUB1, PUB1, 64, 1, 1000);
	for (i = 0; i < 64; i++) {
		n = mk_udp(pkt, B4SRC, 10000 + i, REMOTE, 53, false);
		out_ok(&b4a, n, T0);
	}
	ck_assert_uint_eq(lg.allocs, 1);
	n = mk_udp(pkt, B4SRC, 10000 + i, REMOTE, 53, false);
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_PORT_EXHAUSTED);
	ck_assert_uint_eq(stats().drops[NAT44_DROP_PORT_EXHAUSTED], 1);
	/* TCP has its own 64 in the same block */
	n = mk_tcp(pkt, B4SRC, 10000, REMOTE, 80, 0x02);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(lg.allocs, 1);

	/* a pool of two blocks: the third B4 gets none */
	make(PUB1, PUB1, 32256, 4, 1000);
	ck_assert_uint_eq(nat44_blocks_per_addr(32256), 2);
	n = mk_udp(pkt, B4SRC, 1, REMOTE, 53, false);
	out_ok(&b4a, n, T0);
	n = mk_udp(pkt, B4SRC, 1, REMOTE, 53, false);
	out_ok(&b4b, n, T0);
	n = mk_udp(pkt, B4SRC, 1, REMOTE, 53, false);
	ck_assert_int_eq(nat44_outbound(nat, &b4c, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_PORT_EXHAUSTED);
	ck_assert_uint_eq(stats().b4s, 2);	/* c left no record */
	ck_assert_uint_eq(stats().blocks, 2);
}
END_TEST

START_TEST(session_limit)
{
	size_t n;

	make(PUB1, PUB2, 512, 4, 3);
	for (unsigned i = 0; i < 3; i++) {
		n = mk_udp(pkt, B4SRC, 2000 + i, REMOTE, 53, false);
		out_ok(&b4a, n, T0);
	}
	n = mk_udp(pkt, B4SRC, 2003, REMOTE, 53, false);
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_SESSION_LIMIT);
	ck_assert_uint_eq(stats().drops[NAT44_DROP_SESSION_LIMIT], 1);
	/* an existing mapping still works, another B4 is not limited */
	n = mk_udp(pkt, B4SRC, 2001, REMOTE, 53, false);
	out_ok(&b4a, n, T0);
	n = mk_udp(pkt, B4SRC, 2003, REMOTE, 53, false);
	out_ok(&b4b, n, T0);
}
END_TEST

START_TEST(expiry_injected_clock)
{
	struct in6_addr to, b4;
	uint32_t pub;
	unsigned pport;
	size_t n;

	n = mk_udp(pkt, B4SRC, 3000, REMOTE, 53, false);
	out_ok(&b4a, n, T0);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	ck_assert_uint_eq(lg.allocs, 1);
	ck_assert_mem_eq(&lg.b4, &b4a, sizeof(b4a));
	ck_assert_uint_eq(lg.pub, pub);
	ck_assert_uint_le(lg.first, pport);
	ck_assert_uint_ge(lg.last, pport);
	ck_assert_uint_eq(lg.last - lg.first + 1, 512);
	/* a reply comes back; another packet out at T0+100 refreshes it:
	 * alive until T0+400 */
	n = mk_udp(pkt, REMOTE, 53, pub, pport, false);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 50, &to, &why), 0);
	ck_assert_mem_eq(&to, &b4a, sizeof(to));
	out_ok(&b4a, mk_udp(pkt, B4SRC, 3000, REMOTE, 53, false), T0 + 100);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 399, 100), 0);
	ck_assert_uint_eq(stats().sessions, 1);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 400, 100), 1);
	ck_assert_uint_eq(stats().sessions, 0);
	ck_assert_uint_eq(stats().sessions_expired, 1);
	/* the block went with its last mapping, and so did the B4 */
	ck_assert_uint_eq(lg.releases, 1);
	ck_assert_int_eq(lg.when, T0 + 400);
	ck_assert_uint_eq(stats().blocks, 0);
	ck_assert_uint_eq(stats().b4s, 0);
	n = mk_udp(pkt, REMOTE, 53, pub, pport, false);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 400, &b4, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_NO_SESSION);

	/* ICMP 60 s; the budget bounds one call */
	for (unsigned i = 0; i < 10; i++) {
		n = mk_echo(pkt, B4SRC, REMOTE, 8, 100 + i);
		out_ok(&b4a, n, T0 + 1000);
	}
	ck_assert_uint_eq(nat44_expire(nat, T0 + 1059, 100), 0);
	/* B4 a's address from another interface: dropped, nothing new */
	n = mk_echo(pkt, B4SRC, REMOTE, 8, 500);
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 2, pkt, n, T0 + 1000,
	    &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_WRONG_INTERFACE);
	ck_assert_uint_eq(stats().sessions, 10);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 1060, 4), 4);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 1060, 100), 6);
	ck_assert_uint_eq(stats().sessions, 0);
}
END_TEST

/* Only outbound packets refresh a mapping (RFC 4787 REQ-6): an outside
 * host sending to the public address:port cannot keep it alive. */
START_TEST(inbound_does_not_refresh)
{
	struct in6_addr to;
	uint32_t pub;
	unsigned pport;
	size_t n;

	n = mk_udp(pkt, B4SRC, 3100, REMOTE, 53, false);
	out_ok(&b4a, n, T0);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	/* inbound every 100 s, from the remote and from a stranger */
	for (unsigned i = 1; i <= 2; i++) {
		n = mk_udp(pkt, i == 1 ? REMOTE : A4(203, 0, 113, 99), 53, pub,
		    pport, false);
		ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 100 * i, &to,
		    &why), 0);
	}
	ck_assert_uint_eq(nat44_expire(nat, T0 + 299, 100), 0);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 300, 100), 1);
	ck_assert_uint_eq(stats().sessions, 0);
	/* an outbound packet does refresh */
	n = mk_udp(pkt, B4SRC, 3100, REMOTE, 53, false);
	out_ok(&b4a, n, T0 + 1000);
	out_ok(&b4a, mk_udp(pkt, B4SRC, 3100, REMOTE, 53, false), T0 + 1200);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 1499, 100), 0);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 1500, 100), 1);
}
END_TEST

/* One subscriber with many IPv6 sources in its /56 (each a "B4"): the
 * prefix as a whole holds at most max_blocks_per_prefix blocks, and a B4
 * in another prefix still gets one. */
START_TEST(prefix_limit)
{
	struct in6_addr a;
	uint64_t before;
	unsigned ok = 0, refused = 0;
	size_t n;

	/* 2 addresses x 126 blocks; 4 blocks per B4, 3 per /56 */
	cfg.b4_prefix_len = 56;
	cfg.max_blocks_per_prefix = 3;
	nat44_free(nat, T0);
	ck_assert_int_eq(nat44_new(&cfg, &nat), 0);
	before = stats().drops[NAT44_DROP_PREFIX_LIMIT];
	ck_assert(addr6_parse("2001:db8:1:ff00::", &a, NULL));
	for (unsigned i = 0; i < 40; i++) {
		a.s6_addr[15] = (uint8_t)(i + 1);	/* all in ff00::/56 */
		a.s6_addr[7] = (uint8_t)(i % 256);
		n = mk_udp(pkt, B4SRC, 7000, REMOTE, 53, false);
		if (nat44_outbound(nat, &a, 1, pkt, n, T0, &why) == 0)
			ok++;
		else {
			ck_assert_int_eq(why, NAT44_DROP_PREFIX_LIMIT);
			refused++;
		}
	}
	ck_assert_uint_eq(ok, 3);
	ck_assert_uint_eq(refused, 37);
	ck_assert_uint_eq(stats().blocks, 3);
	ck_assert_uint_eq(stats().drops[NAT44_DROP_PREFIX_LIMIT] - before, 37);
	/* the refused left no B4 records behind */
	ck_assert_uint_eq(stats().b4s, 3);
	/* another /56 next door: its own quota */
	ck_assert(addr6_parse("2001:db8:1:fe00::1", &a, NULL));
	out_ok(&a, mk_udp(pkt, B4SRC, 7000, REMOTE, 53, false), T0);
	ck_assert_uint_eq(stats().blocks, 4);
	/* the blocks go with their mappings: the prefix may take new ones */
	ck_assert_uint_eq(nat44_expire(nat, T0 + 300, 1000), 4);
	ck_assert(addr6_parse("2001:db8:1:ff00::99", &a, NULL));
	out_ok(&a, mk_udp(pkt, B4SRC, 7000, REMOTE, 53, false), T0 + 300);
	/* bad prefix lengths */
	cfg.b4_prefix_len = 31;
	ck_assert_int_eq(nat44_new(&cfg, &(struct nat44 *){ NULL }), -EINVAL);
	cfg.b4_prefix_len = 129;
	ck_assert_int_eq(nat44_new(&cfg, &(struct nat44 *){ NULL }), -EINVAL);
}
END_TEST

/* A full table makes room from what timed out, even when the B4's
 * record goes with its last mapping on the way. */
START_TEST(full_table_expires_first)
{
	size_t n;

	cfg.max_sessions = 2;
	nat44_free(nat, T0);
	ck_assert_int_eq(nat44_new(&cfg, &nat), 0);
	for (unsigned i = 0; i < 2; i++) {
		n = mk_udp(pkt, B4SRC, 100 + i, REMOTE, 53, false);
		out_ok(&b4a, n, T0);
	}
	n = mk_udp(pkt, B4SRC, 102, REMOTE, 53, false);
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0 + 299, &why),
	    -1);
	ck_assert_int_eq(why, NAT44_DROP_TABLE_FULL);
	n = mk_udp(pkt, B4SRC, 102, REMOTE, 53, false);
	out_ok(&b4a, n, T0 + 300);
	ck_assert_uint_eq(stats().sessions, 1);
	ck_assert_uint_eq(stats().b4s, 1);
	ck_assert_uint_eq(stats().sessions_expired, 2);
	n = mk_udp(pkt, B4SRC, 103, REMOTE, 53, false);
	out_ok(&b4b, n, T0 + 300);
	ck_assert_uint_eq(stats().b4s, 2);
}
END_TEST

START_TEST(tcp_states)
{
	struct in6_addr to;
	uint32_t pub;
	unsigned pport;
	size_t n;

	/* SYN out: transitory (240 s) */
	n = mk_tcp(pkt, B4SRC, 40000, REMOTE, 80, 0x02);
	out_ok(&b4a, n, T0);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	/* SYN-ACK in, ACK out: established (2 h 4 min) */
	n = mk_tcp(pkt, REMOTE, 80, pub, pport, 0x12);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	ck_assert_uint_eq(ref_l4(pkt, n), 0);
	n = mk_tcp(pkt, B4SRC, 40000, REMOTE, 80, 0x10);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 7439, 100), 0);
	ck_assert_uint_eq(stats().sessions, 1);
	/* RST from the B4: transitory again */
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 40000, REMOTE, 80, 0x04), T0 + 7000);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 7239, 100), 0);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 7240, 100), 1);

	/* SYN without an answer expires after 240 s */
	n = mk_tcp(pkt, B4SRC, 40001, REMOTE, 80, 0x02);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 240, 100), 1);
}
END_TEST

/* TCP flags from the IPv4 side are forgeable by anyone: an inbound RST
 * does not demote an established mapping, and an inbound bare SYN is
 * no answer to the B4's SYN (only a SYN+ACK is). */
START_TEST(tcp_forged_inbound_flags)
{
	struct in6_addr to;
	uint32_t pub;
	unsigned pport;
	size_t n;

	/* established: SYN out, SYN+ACK in, ACK out */
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41000, REMOTE, 80, 0x02), T0);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	n = mk_tcp(pkt, REMOTE, 80, pub, pport, 0x12);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0, &to, &why), 0);
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41000, REMOTE, 80, 0x10), T0);
	/* a forged RST from a stranger, then the B4 goes on */
	n = mk_tcp(pkt, A4(203, 0, 113, 66), 80, pub, pport, 0x04);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 100, &to, &why), 0);
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41000, REMOTE, 80, 0x10), T0 + 200);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 200 + 7439, 100), 0);
	ck_assert_uint_eq(stats().sessions, 1);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 200 + 7440, 100), 1);

	/* an unanswered SYN out, a bare SYN in, the SYN again out: still
	 * transitory */
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41001, REMOTE, 80, 0x02), T0 + 10000);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	n = mk_tcp(pkt, REMOTE, 80, pub, pport, 0x02);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 10001, &to, &why),
	    0);
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41001, REMOTE, 80, 0x10), T0 + 10002);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 10002 + 239, 100), 0);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 10002 + 240, 100), 1);

	/* a SYN+ACK with no SYN out before it does not count either */
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41002, REMOTE, 80, 0x10), T0 + 20000);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	n = mk_tcp(pkt, REMOTE, 80, pub, pport, 0x12);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 20001, &to, &why),
	    0);
	out_ok(&b4a, mk_tcp(pkt, B4SRC, 41002, REMOTE, 80, 0x02), T0 + 20002);
	ck_assert_uint_eq(nat44_expire(nat, T0 + 20002 + 240, 100), 1);
}
END_TEST

START_TEST(refused_input)
{
	uint8_t l4[8] = { 0 };
	size_t n;

	/* GRE: no ports to map */
	n = mk4(pkt, B4SRC, REMOTE, 47, l4, sizeof(l4));
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_PROTOCOL);
	/* a later fragment, its first one never seen */
	n = mk_udp(pkt, B4SRC, 5, REMOTE, 53, false);
	put16(pkt + 6, 0x0003);
	put16(pkt + 10, 0);
	put16(pkt + 10, ref_csum(pkt, 20));
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_FRAGMENT);
	/* TCP cut short */
	n = mk4(pkt, B4SRC, REMOTE, IPPROTO_TCP, l4, sizeof(l4));
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_MALFORMED);
	ck_assert_uint_eq(stats().sessions, 0);
	ck_assert_uint_eq(stats().b4s, 0);
	/* bad configs */
	cfg.block_size = 100;
	ck_assert_int_eq(nat44_new(&cfg, &(struct nat44 *){ NULL }), -EINVAL);
	ck_assert_str_eq(nat44_drop_name(NAT44_DROP_PORT_EXHAUSTED),
	    "port_exhausted");
}
END_TEST

/* set the fragment field (MF, offset in 8-byte units), fix the header */
static void
frag(uint8_t *p, unsigned fo)
{
	put16(p + 6, fo);
	put16(p + 10, 0);
	put16(p + 10, ref_csum(p, 20));
}

START_TEST(fragments)
{
	uint8_t first[64], later[64];
	struct in6_addr to;
	uint32_t pub;
	unsigned pport;
	size_t n;

	/* out: the first fragment (ports) makes the mapping, the later one
	 * (id 0x4321 too) follows it; B4 b's later fragment with the same
	 * id does not */
	n = mk_udp(first, B4SRC, 8000, REMOTE, 53, false);
	frag(first, 0x2000);
	memcpy(pkt, first, n);
	out_ok(&b4a, n, T0);
	pub = get32(pkt + 12);
	pport = get16(pkt + 20);
	n = mk4(later, B4SRC, REMOTE, IPPROTO_UDP, (const uint8_t *)"tail-of-it",
	    10);
	frag(later, 0x0002);
	memcpy(pkt, later, n);
	ck_assert_int_eq(nat44_outbound(nat, &b4b, 1, pkt, n, T0, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_FRAGMENT);
	memcpy(pkt, later, n);
	out_ok(&b4a, n, T0);
	ck_assert_uint_eq(get32(pkt + 12), pub);
	ck_assert_mem_eq(pkt + 20, "tail-of-it", 10);
	/* ... not after the fragment timeout */
	memcpy(pkt, later, n);
	ck_assert_int_eq(nat44_outbound(nat, &b4a, 1, pkt, n, T0 + 10, &why),
	    -1);

	/* in: the same, back to B4 a */
	n = mk_udp(first, REMOTE, 53, pub, pport, false);
	frag(first, 0x2000);
	memcpy(pkt, first, n);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 1, &to, &why), 0);
	ck_assert_uint_eq(get32(pkt + 16), B4SRC);
	ck_assert_uint_eq(get16(pkt + 22), 8000);
	n = mk4(later, REMOTE, pub, IPPROTO_UDP, (const uint8_t *)"more", 4);
	frag(later, 0x0002);
	memcpy(pkt, later, n);
	memset(&to, 0, sizeof(to));
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 1, &to, &why), 0);
	ck_assert_mem_eq(&to, &b4a, sizeof(to));
	ck_assert_uint_eq(get32(pkt + 16), B4SRC);
	check_ip(pkt);
	/* another id: unknown */
	put16(later + 4, 0x9999);
	frag(later, 0x0002);
	memcpy(pkt, later, n);
	ck_assert_int_eq(nat44_inbound(nat, pkt, n, T0 + 1, &to, &why), -1);
	ck_assert_int_eq(why, NAT44_DROP_FRAGMENT);
}
END_TEST

static bool
count_b4(void *arg, const struct nat44_b4_info *b)
{
	(void)b;
	(*(unsigned *)arg)++;
	return true;
}

static bool
count_sess(void *arg, const struct nat44_session_info *s)
{
	ck_assert_uint_eq(s->src, B4SRC);
	(*(unsigned *)arg)++;
	return true;
}

static bool
count_block(void *arg, const struct nat44_block_info *b)
{
	ck_assert_uint_eq(b->last - b->first + 1, 512);
	(*(unsigned *)arg)++;
	return true;
}

START_TEST(listing_and_free)
{
	unsigned nb = 0, ns = 0, nk = 0;
	size_t n;

	for (unsigned i = 0; i < 5; i++) {
		n = mk_udp(pkt, B4SRC, 100 + i, REMOTE, 53, false);
		out_ok(i % 2 ? &b4a : &b4b, n, T0);
	}
	nat44_foreach_b4(nat, count_b4, &nb);
	nat44_foreach_session(nat, count_sess, &ns);
	nat44_foreach_block(nat, count_block, &nk);
	ck_assert_uint_eq(nb, 2);
	ck_assert_uint_eq(ns, 5);
	ck_assert_uint_eq(nk, 2);
	/* freeing releases (and logs) every block */
	nat44_free(nat, T0 + 5);
	nat = NULL;
	ck_assert_uint_eq(lg.releases, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("nat44");
	TCase *tc = tcase_create("nat44");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, two_b4s_same_source);
	tcase_add_test(tc, checksums_full_recompute);
	tcase_add_test(tc, icmp_echo_ids);
	tcase_add_test(tc, icmp_error_translated);
	tcase_add_test(tc, port_block_exhaustion);
	tcase_add_test(tc, session_limit);
	tcase_add_test(tc, prefix_limit);
	tcase_add_test(tc, expiry_injected_clock);
	tcase_add_test(tc, inbound_does_not_refresh);
	tcase_add_test(tc, full_table_expires_first);
	tcase_add_test(tc, tcp_states);
	tcase_add_test(tc, tcp_forged_inbound_flags);
	tcase_add_test(tc, refused_input);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, listing_and_free);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
