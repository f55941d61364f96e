/* test_aftr_tun.c - the AFTR on the tun backend's data path (be_tun.c)
 * on a gateway without devices: the TUN is one end of a socketpair, the
 * B4's packets come in through aftr_from_b4 as the raw socket would
 * hand them over.  ICMP errors about inbound packets quote what the
 * sender sent, not the translated packet. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/inet.h"
#include "gateway/gw.h"
#include "kernel/raw6.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define B4SRC	A4(192, 0, 0, 2)
#define PUB	A4(198, 51, 100, 1)
#define REMOTE	A4(203, 0, 113, 10)
#define ICMPSRC	A4(192, 0, 2, 1)

static struct gw *g;
static int sv[2] = { -1, -1 };

static void
setup(void)
{
	struct gw_aftr_settings *a;

	ck_assert_ptr_nonnull(g = calloc(1, sizeof(*g)));
	g->be = &gw_backend_tun;
	g->tun.raw_fd = -1;
	g->tun.pump.ep_fd = g->tun.pump.stop_fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	ck_assert_int_eq(binding_table_init(&g->bt, 16), 0);
	ck_assert(addr6_parse("2001:db8:1::1", &g->cfg.tep6, NULL));
	g->cfg.mtu = 1460;
	g->cfg.icmp_source = ICMPSRC;
	rfc2473_config_default(&g->tep.cfg);
	g->tep.cfg.tep6 = g->cfg.tep6;
	g->tep.cfg.tunnel_mtu = 1500;
	g->tep.bt = &g->bt;
	a = &g->cfg.aftr;
	gw_aftr_defaults(a);
	a->enable = true;
	ck_assert(prefix6_parse("2001:db8:b4::/48", &a->allow[0], NULL));
	a->n_allow = 1;
	a->pool[0].first = a->pool[0].last = PUB;
	a->n_pool = 1;
	ck_assert_int_eq(aftr_open(g), 0);
	ck_assert_ptr_nonnull(g->aftr);
	ck_assert_ptr_nonnull(g->tun.buf = malloc(65536 + 64));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	g->tun.tun_fd = sv[0];
}

static void
teardown(void)
{
	gw_close(g);		/* closes sv[0] as the TUN */
	close(sv[1]);
	g = NULL;
}

static size_t
mk_udp(uint8_t *p, uint32_t src, unsigned sport, uint32_t dst,
    unsigned dport, uint8_t ttl)
{
	memset(p, 0, 36);
	p[0] = 0x45;
	be16_put(p + 2, 36);
	p[8] = ttl;
	p[9] = IPPROTO_UDP;
	be32_put(p + 12, src);
	be32_put(p + 16, dst);
	be16_put(p + 10, inet_csum(p, 20));
	be16_put(p + 20, (uint16_t)sport);
	be16_put(p + 22, (uint16_t)dport);
	be16_put(p + 24, 16);
	memcpy(p + 28, "payload!", 8);	/* UDP checksum 0: none */
	return 36;
}

/* An inbound packet whose TTL runs out on the way to the B4: the time
 * exceeded goes back to its sender quoting the public address and port
 * it was sent to, not the B4's private ones. */
START_TEST(time_exceeded_quotes_original)
{
	uint8_t buf[128], sent[36], icmp[256];
	struct raw6_pkt rp;
	uint32_t pub;
	unsigned pport;
	size_t n;
	ssize_t r;

	/* with the decrement on (the TUN path has the kernel do it) */
	g->tep.cfg.decrement_ttl = true;
	memset(&rp, 0, sizeof(rp));
	rp.buf = buf;
	rp.cap = sizeof(buf);
	rp.len = mk_udp(buf, B4SRC, 5000, REMOTE, 53, 64);
	ck_assert(addr6_parse("2001:db8:b4::2", &rp.src, NULL));
	rp.dst = g->cfg.tep6;
	rp.ifindex = 1;
	ck_assert_int_eq(aftr_from_b4(g, &rp, 0), AFTR_FORWARD);
	pub = be32_get(buf + 12);
	pport = be16_get(buf + 20);
	ck_assert_uint_eq(pub, PUB);

	n = mk_udp(sent, REMOTE, 53, pub, pport, 1);
	memcpy(buf, sent, n);
	gw_from_ipv4(g, buf, n, 1);
	r = recv(sv[1], icmp, sizeof(icmp), MSG_DONTWAIT);
	ck_assert_int_eq(r, 20 + 8 + 28);
	ck_assert_uint_eq(icmp[9], IPPROTO_ICMP);
	ck_assert_uint_eq(be32_get(icmp + 12), ICMPSRC);
	ck_assert_uint_eq(be32_get(icmp + 16), REMOTE);
	ck_assert_uint_eq(icmp[20], ICMP4_TIME_EXCEEDED);
	ck_assert_uint_eq(inet_csum(icmp + 20, (size_t)r - 20), 0);
	/* the quote: exactly the header and 8 bytes the remote sent */
	ck_assert_mem_eq(icmp + 28, sent, 28);
	ck_assert_uint_eq(g->tun.ctr.icmp_sent, 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("aftr_tun");
	TCase *tc = tcase_create("aftr_tun");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, time_exceeded_quotes_original);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
