/* test_kbpf.c - kernel/kbpf*.c and the tc programs of kernel/bpf/: every
 * program must pass this kernel's verifier, attach and detach; then the
 * programs run on crafted packets through BPF_PROG_TEST_RUN, which
 * executes them for real (maps, FIB lookups, skb helpers) but does not
 * carry out redirects: the verdict and the packet as the program left it
 * are compared.
 *
 * Needs root.  main() moves the process into a private network
 * namespace, every test's setup into another one.  Documentation
 * prefixes only.
 */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/addr.h"
#include "common/log.h"
#include "kernel/kbpf.h"
#include "kernel/nl.h"
#include "kernel/tun.h"

#define TUN_NAME	"kbtun0"
#define A_LEASE		0xc6336407u	/* 198.51.100.7 */
#define A_LEASE2	0xc6336408u	/* 198.51.100.8 */
#define A_SHARED	0xc6336409u	/* 198.51.100.9 */
#define A_V4HOST	0xcb007105u	/* 203.0.113.5, behind kb0 */
#define A_V4GW		0xcb007101u	/* 203.0.113.1, ours on kb0 */
#define A_NOROUTE	0xc0000205u	/* 192.0.2.5 */
#define TEP		"2001:db8:1::1"
#define CLIENT		"2001:db8:1::10"
#define CLIENT2		"2001:db8:1::20"
#define STRANGER	"2001:db8:1::99"
#define HOST_MAC	"\x02\x00\x00\x00\x00\x05"

static struct knl *k;
static int tun_fd = -1, tun_ifindex, kb0, kb1;

static struct in6_addr
a6(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)(~s & 0xffff);
}

/* The namespace: kb0 (Ethernet, 203.0.113.1/24, MTU 1400) with the IPv4
 * host 203.0.113.5 as a permanent neighbour; kb1 its veth peer, the
 * IPv6 uplink; the TUN, up; IPv4 forwarding on. */
static void
setup(void)
{
	struct knl_addr4 a = { A_V4GW, 24, 0 };

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: %s",
	    strerror(errno));
	ck_assert_int_eq(knl_open(&k), 0);
	ck_assert_int_eq(knl_link_set_up(k, knl_link_index(k, "lo"), true), 0);
	ck_assert_int_eq(knl_veth_add(k, "kb0", "kb1"), 0);
	kb0 = knl_link_index(k, "kb0");
	kb1 = knl_link_index(k, "kb1");
	ck_assert_int_gt(kb0, 0);
	ck_assert_int_gt(kb1, 0);
	ck_assert_int_eq(knl_link_set_mtu(k, kb0, 1400), 0);
	ck_assert_int_eq(knl_link_set_up(k, kb0, true), 0);
	ck_assert_int_eq(knl_link_set_up(k, kb1, true), 0);
	ck_assert_int_eq(knl_addr4_add(k, kb0, &a, 0), 0);
	ck_assert_int_eq(system("ip neigh replace 203.0.113.5 lladdr "
	    "02:00:00:00:00:05 nud permanent dev kb0"), 0);
	ck_assert_int_eq(knl_forwarding(AF_INET, true), 0);
	tun_fd = tun_open(TUN_NAME, 0, NULL, 0);
	ck_assert_int_ge(tun_fd, 0);
	tun_ifindex = knl_link_index(k, TUN_NAME);
	ck_assert_int_gt(tun_ifindex, 0);
	ck_assert_int_eq(knl_link_set_up(k, tun_ifindex, true), 0);
}

static void
teardown(void)
{
	tun_close(tun_fd);
	tun_fd = -1;
	knl_close(k);
	k = NULL;
}

static struct kbpf_gw *
gw_open(void)
{
	struct kbpf_gw_config c = {
		.tun_ifindex = tun_ifindex, .uplinks = { kb1 },
		.n_uplinks = 1, .mtu = 1460, .max_bindings = 64,
	};
	struct kbpf_gw *g;

	c.tep6 = a6(TEP);
	ck_assert_int_eq(kbpf_gw_open(&c, &g), 0);
	return g;
}

/* ---- packets ---- */

struct pkt {
	uint8_t	b[2048];
	size_t	len;
};

/* IPv4/UDP from src:sport to dst:9000, `n` payload bytes, at p. */
static size_t
mk4(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, size_t n,
    uint8_t ttl, uint8_t tos)
{
	size_t len = 28 + n;
	uint16_t c;

	memset(p, 0, len);
	p[0] = 0x45;
	p[1] = tos;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40;			/* DF */
	p[8] = ttl;
	p[9] = IPPROTO_UDP;
	addr4_to_bytes(src, p + 12);
	addr4_to_bytes(dst, p + 16);
	c = cksum(p, 20);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = 9000 >> 8;
	p[23] = 9000 & 0xff;
	p[24] = (uint8_t)((8 + n) >> 8);
	p[25] = (uint8_t)(8 + n);
	memset(p + 28, 'x', n);
	return len;
}

/* Ethernet + IPv6 (next header 4, traffic class tc) + the IPv4 packet. */
static void
mk4in6(struct pkt *p, const char *src6, const char *dst6, uint8_t tc,
    uint32_t src4, uint32_t dst4, uint16_t sport, size_t n, uint8_t ttl,
    uint8_t tos)
{
	struct in6_addr s = a6(src6), d = a6(dst6);
	uint8_t *ip6 = p->b + 14;
	size_t l4;

	memset(p->b, 0, 54);
	memcpy(p->b, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(p->b + 6, "\x02\x00\x00\x00\x00\x10", 6);
	p->b[12] = 0x86;
	p->b[13] = 0xdd;
	l4 = mk4(p->b + 54, src4, dst4, sport, n, ttl, tos);
	ip6[0] = (uint8_t)(0x60 | tc >> 4);
	ip6[1] = (uint8_t)(tc << 4);
	ip6[4] = (uint8_t)(l4 >> 8);
	ip6[5] = (uint8_t)l4;
	ip6[6] = 4;
	ip6[7] = 64;
	memcpy(ip6 + 8, &s, 16);
	memcpy(ip6 + 24, &d, 16);
	p->len = 54 + l4;
}

/* Runs prog on p; the verdict, p replaced by the program's output. */
static int
run(int prog, struct pkt *p)
{
	uint8_t out[sizeof(p->b)];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
	    .data_size_in = (uint32_t)p->len, .data_out = out,
	    .data_size_out = sizeof(out), .repeat = 1);

	ck_assert_int_eq(bpf_prog_test_run_opts(prog, &o), 0);
	memcpy(p->b, out, o.data_size_out);
	p->len = o.data_size_out;
	return (int)o.retval;
}

static uint64_t
ctr(struct kbpf_gw *g, unsigned i)
{
	struct kbpf_counter c[KBPF_GW_STAT_MAX];

	ck_assert_int_eq(kbpf_gw_counters(g, c), 0);
	return c[i].pkts;
}

/* Sends p through dstm_gw_in6 and expects verdict v and counter i to
 * grow by one. */
static void
expect_in6(struct kbpf_gw *g, struct pkt *p, int v, unsigned i)
{
	uint64_t before = ctr(g, i);
	struct pkt in = *p;

	ck_assert_int_eq(run(kbpf_gw_prog_in6(g), p), v);
	ck_assert_msg(ctr(g, i) == before + 1, "counter %s: %llu -> %llu",
	    kbpf_gw_counter_name(i), (unsigned long long)before,
	    (unsigned long long)ctr(g, i));
	if (v != TC_ACT_REDIRECT) {	/* untouched unless forwarded */
		ck_assert_uint_eq(p->len, in.len);
		ck_assert_mem_eq(p->b, in.b, in.len);
	}
}

/* ---- tests ---- */

START_TEST(probe)
{
	char why[256];

	ck_assert_msg(kbpf_available(why, sizeof(why)) == 0, "%s", why);
}
END_TEST

START_TEST(gw_attach_detach)
{
	struct kbpf_gw_config c = {
		.tun_ifindex = tun_ifindex, .uplinks = { kb1 },
		.n_uplinks = 1, .mtu = 1460,
	};
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = kb1,
	    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = KBPF_TC_HANDLE,
	    .priority = KBPF_TC_PRIORITY);
	struct kbpf_gw *g;

	c.tep6 = a6(TEP);
	/* lo is no Ethernet uplink, the TUN no uplink; bad sizes */
	c.uplinks[0] = knl_link_index(k, "lo");
	ck_assert_int_eq(kbpf_gw_open(&c, &g), -EOPNOTSUPP);
	c.uplinks[0] = tun_ifindex;
	ck_assert_int_eq(kbpf_gw_open(&c, &g), -EINVAL);
	c.uplinks[0] = kb1;
	c.uplinks[1] = kb1;
	c.n_uplinks = 2;
	ck_assert_int_eq(kbpf_gw_open(&c, &g), -EINVAL);
	c.n_uplinks = 1;
	c.mtu = 40;
	ck_assert_int_eq(kbpf_gw_open(&c, &g), -EINVAL);
	c.mtu = 1460;
	c.n_uplinks = 0;
	ck_assert_int_eq(kbpf_gw_open(&c, &g), -EINVAL);
	c.n_uplinks = 1;

	ck_assert_int_eq(kbpf_gw_open(&c, &g), 0);
	ck_assert_int_eq(bpf_tc_query(&h, &q), 0);
	ck_assert_uint_eq(q.prog_id > 0, 1);
	kbpf_gw_close(g);
	/* the clsact we created is gone again */
	ck_assert_int_eq(bpf_tc_hook_create(&h), 0);
	/* and one that was there before stays */
	ck_assert_int_eq(kbpf_gw_open(&c, &g), 0);
	kbpf_gw_close(g);
	ck_assert_int_eq(bpf_tc_hook_create(&h), -EEXIST);
}
END_TEST

START_TEST(gw_forward_up)
{
	struct kbpf_gw *g = gw_open();
	struct in6_addr c6 = a6(CLIENT);
	struct kbpf_binding_counters bc;
	struct pkt p;
	uint8_t want[64];
	size_t l4;

	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 3), 0);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	l4 = p.len - 54;
	expect_in6(g, &p, TC_ACT_REDIRECT, KBPF_GW_FWD_UP);
	/* Ethernet to the host's MAC, then the inner packet, TTL - 1 */
	ck_assert_uint_eq(p.len, 14 + l4);
	ck_assert_mem_eq(p.b, HOST_MAC, 6);
	ck_assert_uint_eq(p.b[12], 0x08);
	ck_assert_uint_eq(p.b[13], 0x00);
	mk4(want, A_LEASE, A_V4HOST, 40000, 10, 63, 0);
	ck_assert_mem_eq(p.b + 14, want, l4);
	ck_assert_uint_eq(cksum(p.b + 14, 20), 0);

	ck_assert_int_eq(kbpf_gw_binding_counters(g, 3, &bc), 0);
	ck_assert_uint_eq(bc.pkts_up, 1);
	ck_assert_uint_eq(bc.bytes_up, l4);
	ck_assert_uint_eq(bc.pkts_down, 0);
	ck_assert_int_le(llabs(bc.last_seen - (int64_t)time(NULL)), 2);
	ck_assert_int_eq(kbpf_gw_binding_counters_clear(g, 3), 0);
	ck_assert_int_eq(kbpf_gw_binding_counters(g, 3, &bc), 0);
	ck_assert_uint_eq(bc.pkts_up, 0);
	ck_assert_int_eq(bc.last_seen, 0);
	ck_assert_int_eq(kbpf_gw_binding_counters(g, 64, &bc), -EINVAL);
	kbpf_gw_close(g);
}
END_TEST

START_TEST(gw_rfc7596_check)
{
	struct kbpf_gw *g = gw_open();
	struct in6_addr c6 = a6(CLIENT), c62 = a6(CLIENT2);
	struct pkt p;

	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 0), 0);
	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE2, &c62, 0, 65535,
	    (int64_t)time(NULL) - 10, 1), 0);
	ck_assert_int_eq(kbpf_gw_bind(g, A_SHARED, &c62, 1024, 2047, 0, 2), 0);

	/* forged inner source: another client's address */
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE2, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_SPOOFED_ADDR);
	/* an outer source without any binding */
	mk4in6(&p, STRANGER, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_UNKNOWN_CLIENT);
	/* expired */
	mk4in6(&p, CLIENT2, TEP, 0, A_LEASE2, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_EXPIRED);
	/* shared address: in range, out of range, no ports */
	mk4in6(&p, CLIENT2, TEP, 0, A_SHARED, A_V4HOST, 1500, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_REDIRECT, KBPF_GW_FWD_UP);
	mk4in6(&p, CLIENT2, TEP, 0, A_SHARED, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_SPOOFED_PORT);
	mk4in6(&p, CLIENT2, TEP, 0, A_SHARED, A_V4HOST, 1500, 10, 64, 0);
	p.b[54 + 9] = IPPROTO_ICMP;
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_SHARED);

	/* a punt entry: the slow path decides */
	ck_assert_int_eq(kbpf_gw_bind_punt(g, A_SHARED, &c62, 2), 0);
	mk4in6(&p, CLIENT2, TEP, 0, A_SHARED, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_SHARED);

	/* unbind: the client is unknown again; the other one stays */
	ck_assert_int_eq(kbpf_gw_unbind(g, A_LEASE, &c6), 0);
	ck_assert_int_eq(kbpf_gw_unbind(g, A_LEASE, &c6), -ENOENT);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_UNKNOWN_CLIENT);
	mk4in6(&p, CLIENT2, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_SPOOFED_ADDR);
	ck_assert_int_eq(kbpf_gw_flush(g), 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_UNKNOWN_CLIENT);
	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 64),
	    -EINVAL);
	kbpf_gw_close(g);
}
END_TEST

/* The AFTR on: 4in6 matching no binding (a B4's, from 192.0.0.2) is
 * punted to the slow path's NAT untouched, not dropped; a bound client
 * still goes the fast way. */
START_TEST(gw_aftr_punt)
{
	struct kbpf_gw_config c = {
		.tun_ifindex = tun_ifindex, .uplinks = { kb1 },
		.n_uplinks = 1, .mtu = 1460, .max_bindings = 64, .aftr = true,
	};
	struct in6_addr c6 = a6(CLIENT);
	struct kbpf_gw *g;
	struct pkt p;

	c.tep6 = a6(TEP);
	ck_assert_int_eq(kbpf_gw_open(&c, &g), 0);
	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 0), 0);
	mk4in6(&p, STRANGER, TEP, 0, 0xc0000002, A_V4HOST, 5555, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_AFTR);
	/* a bound client's other source: the B4 on the same host */
	mk4in6(&p, CLIENT, TEP, 0, 0xc0000002, A_V4HOST, 5555, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_AFTR);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_REDIRECT, KBPF_GW_FWD_UP);
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_PUNT_AFTR), "punt-aftr");
	kbpf_gw_close(g);
}
END_TEST

START_TEST(gw_punts)
{
	struct kbpf_gw *g = gw_open();
	struct in6_addr c6 = a6(CLIENT);
	struct pkt p;
	uint64_t fwd;

	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 0), 0);
	/* not for the TEP, not 4in6: no counter at all */
	fwd = ctr(g, KBPF_GW_FWD_UP);
	mk4in6(&p, CLIENT, "2001:db8:1::2", 0, A_LEASE, A_V4HOST, 1, 1, 64, 0);
	ck_assert_int_eq(run(kbpf_gw_prog_in6(g), &p), TC_ACT_OK);
	ck_assert_uint_eq(ctr(g, KBPF_GW_FWD_UP), fwd);

	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 1, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_TTL);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_NOROUTE, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_ROUTE);
	/* kb0's MTU is 1400 */
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 1400, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_TOO_BIG);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	p.b[54 + 6] |= 0x20;			/* MF */
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_FRAGMENT);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	p.b[54] = 0x46;				/* options */
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_INNER);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	p.b[14 + 6] = IPPROTO_HOPOPTS;
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_EXT_HEADER);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	p.len += 4;				/* trailing bytes */
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_INNER);
	/* RFC 6040 4.2: CE over not-ECT is the slow path's call */
	mk4in6(&p, CLIENT, TEP, 0x03, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_ECN);
	kbpf_gw_close(g);
}
END_TEST

/* An inner destination that is the host's own (203.0.113.1 on kb0): the
 * FIB says "not forwarded", the program punts it untouched, for the slow
 * path's address set (bad-destination).  RFC 7596 5.2: a destination
 * routed back into the TUN (the pool) is a hairpin: with hairpin on, or
 * to an address nobody holds, punted for the slow path to decide; to a
 * bound address with hairpin off, dropped here. */
START_TEST(gw_local_and_hairpin)
{
	struct kbpf_gw *g = gw_open();
	struct in6_addr c6 = a6(CLIENT), c62 = a6(CLIENT2);
	struct knl_route4 pool = { .dst = 0xc6336400u, .len = 24,
	    .ifindex = tun_ifindex };
	struct pkt p;

	ck_assert_int_eq(knl_route4_add(k, &pool, 0), 0);
	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 0), 0);
	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE2, &c62, 0, 65535, 0, 1), 0);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4GW, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_ROUTE);

	/* gw_open leaves hairpin off (the config's zero) */
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_LEASE2, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_HAIRPIN);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, 0xc6336432u, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_HAIRPIN);
	ck_assert_int_eq(kbpf_gw_set_hairpin(g, true), 0);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_LEASE2, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_OK, KBPF_GW_PUNT_HAIRPIN);
	/* the rest of the configuration is untouched: still forwarding */
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_V4HOST, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_REDIRECT, KBPF_GW_FWD_UP);
	ck_assert_int_eq(kbpf_gw_set_hairpin(g, false), 0);
	mk4in6(&p, CLIENT, TEP, 0, A_LEASE, A_LEASE2, 40000, 10, 64, 0);
	expect_in6(g, &p, TC_ACT_SHOT, KBPF_GW_DROP_HAIRPIN);
	kbpf_gw_close(g);
}
END_TEST

START_TEST(gw_ecn)
{
	struct kbpf_gw *g = gw_open();
	struct in6_addr c6 = a6(CLIENT);
	struct pkt p;

	ck_assert_int_eq(kbpf_gw_bind(g, A_LEASE, &c6, 0, 65535, 0, 0), 0);
	/* outer CE over inner ECT(0), DSCP AF11 inside: CE inside */
	mk4in6(&p, CLIENT, TEP, 0x2b, A_LEASE, A_V4HOST, 40000, 10, 64, 0x2a);
	expect_in6(g, &p, TC_ACT_REDIRECT, KBPF_GW_FWD_UP);
	ck_assert_uint_eq(p.b[14 + 1], 0x2b);
	ck_assert_uint_eq(cksum(p.b + 14, 20), 0);
	/* outer ECT(0) over ECT(1): inner unchanged */
	mk4in6(&p, CLIENT, TEP, 0x02, A_LEASE, A_V4HOST, 40000, 10, 64, 0x01);
	expect_in6(g, &p, TC_ACT_REDIRECT, KBPF_GW_FWD_UP);
	ck_assert_uint_eq(p.b[14 + 1], 0x01);
	ck_assert_uint_eq(cksum(p.b + 14, 20), 0);
	kbpf_gw_close(g);
}
END_TEST

START_TEST(client_in6)
{
	struct kbpf_client_config c = { .tun_ifindex = tun_ifindex,
	    .uplink_ifindex = kb1 };
	struct kbpf_counter cc[KBPF_CL_STAT_MAX];
	struct kbpf_client *cl;
	struct pkt p;
	uint8_t want[64];
	int prog;

	c.src6 = a6(CLIENT);
	c.tep6 = a6(TEP);
	ck_assert_int_eq(kbpf_client_open(&c, &cl), 0);
	prog = kbpf_client_prog_in6(cl);
	/* no lease yet: everything to rpcd */
	mk4in6(&p, TEP, CLIENT, 0, A_V4HOST, A_LEASE, 9000, 10, 63, 0);
	ck_assert_int_eq(run(prog, &p), TC_ACT_OK);

	ck_assert_int_eq(kbpf_client_set_lease(cl, A_LEASE, NULL), 0);
	mk4in6(&p, TEP, CLIENT, 0, A_V4HOST, A_LEASE, 9000, 10, 63, 0);
	ck_assert_int_eq(run(prog, &p), TC_ACT_REDIRECT);
	mk4(want, A_V4HOST, A_LEASE, 9000, 10, 63, 0);
	ck_assert_uint_eq(p.len, 14 + 38);
	ck_assert_uint_eq(p.b[12], 0x08);
	ck_assert_mem_eq(p.b + 14, want, 38);

	mk4in6(&p, STRANGER, CLIENT, 0, A_V4HOST, A_LEASE, 9000, 10, 63, 0);
	ck_assert_int_eq(run(prog, &p), TC_ACT_SHOT);
	mk4in6(&p, TEP, CLIENT, 0, A_V4HOST, A_LEASE2, 9000, 10, 63, 0);
	ck_assert_int_eq(run(prog, &p), TC_ACT_SHOT);
	/* not to our source: not ours to judge */
	mk4in6(&p, TEP, CLIENT2, 0, A_V4HOST, A_LEASE, 9000, 10, 63, 0);
	ck_assert_int_eq(run(prog, &p), TC_ACT_OK);

	ck_assert_int_eq(kbpf_client_counters(cl, cc), 0);
	ck_assert_uint_eq(cc[KBPF_CL_FWD_DOWN].pkts, 1);
	ck_assert_uint_eq(cc[KBPF_CL_FWD_DOWN].bytes, 38);
	ck_assert_uint_eq(cc[KBPF_CL_DROP_NOT_TEP].pkts, 1);
	ck_assert_uint_eq(cc[KBPF_CL_DROP_NOT_OURS].pkts, 1);
	ck_assert_str_eq(kbpf_client_counter_name(KBPF_CL_DROP_NOT_TEP),
	    "not-from-tep");

	/* the lease goes: punted again */
	ck_assert_int_eq(kbpf_client_set_lease(cl, 0, NULL), 0);
	mk4in6(&p, STRANGER, CLIENT, 0, A_V4HOST, A_LEASE, 9000, 10, 63, 0);
	ck_assert_int_eq(run(prog, &p), TC_ACT_OK);
	kbpf_client_close(cl);
}
END_TEST

START_TEST(counter_names)
{
	/* the drop names are rfc2473_drop_name()'s */
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_DROP_UNKNOWN_CLIENT),
	    "unknown-client");
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_DROP_SPOOFED_ADDR),
	    "spoofed-source");
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_DROP_SPOOFED_PORT),
	    "spoofed-port");
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_DROP_EXPIRED),
	    "expired");
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_DROP_BAD_DEST),
	    "bad-destination");
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_DROP_HAIRPIN),
	    "hairpin");
	for (unsigned i = 0; i < KBPF_GW_STAT_MAX; i++)
		ck_assert_ptr_nonnull(kbpf_gw_counter_name(i));
	for (unsigned i = 0; i < KBPF_CL_STAT_MAX; i++)
		ck_assert_ptr_nonnull(kbpf_client_counter_name(i));
	ck_assert_str_eq(kbpf_gw_counter_name(KBPF_GW_STAT_MAX), "?");
}
END_TEST

static Suite *
kbpf_suite(void)
{
	Suite *s = suite_create("kbpf");
	TCase *tc = tcase_create("netns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, probe);
	tcase_add_test(tc, gw_attach_detach);
	tcase_add_test(tc, gw_forward_up);
	tcase_add_test(tc, gw_rfc7596_check);
	tcase_add_test(tc, gw_aftr_punt);
	tcase_add_test(tc, gw_punts);
	tcase_add_test(tc, gw_ecn);
	tcase_add_test(tc, gw_local_and_hairpin);
	tcase_add_test(tc, client_in6);
	tcase_add_test(tc, counter_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "test_kbpf: must run as root (it loads BPF "
		    "programs and creates network namespaces)\n");
		return EXIT_FAILURE;
	}
	if (unshare(CLONE_NEWNET) == -1) {
		fprintf(stderr, "test_kbpf: unshare(CLONE_NEWNET): %s\n",
		    strerror(errno));
		return EXIT_FAILURE;
	}
	log_init(1, 0, "test_kbpf");
	sr = srunner_create(kbpf_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
