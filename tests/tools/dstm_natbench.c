/* dstm_natbench.c - the AFTR's NAT44 (gateway/nat44.c) alone, on one
 * core: how long one translation takes, out (B4 -> IPv4) and back, with
 * the table holding many mappings.  No network, no kernel: the cost the
 * NAT adds to the tun path's per-packet work.
 *
 * usage: dstm_natbench [B4S [FLOWS_PER_B4 [ROUNDS]]]
 *   defaults: 1000 B4s, 16 UDP flows each (16000 mappings), 200 rounds
 * Prints one line:
 *   mappings N packets P out_ns X in_ns Y new_ns Z
 * X, Y: nanoseconds per packet on existing mappings (each round sends
 * one packet of every flow out, then its answer in); Z: per new mapping
 * (the first round, blocks allocated). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/inet.h"
#include "gateway/nat44.h"

#define T0	1000

static void
mk_udp(uint8_t *p, uint32_t src, uint16_t sport, uint32_t dst,
    uint16_t dport)
{
	memset(p, 0, 28 + 32);
	p[0] = 0x45;
	be16_put(p + 2, 28 + 32);
	p[8] = 64;
	p[9] = 17;
	be32_put(p + 12, src);
	be32_put(p + 16, dst);
	be16_put(p + 10, inet_csum(p, 20));
	be16_put(p + 20, sport);
	be16_put(p + 22, dport);
	be16_put(p + 24, 8 + 32);
	be16_put(p + 26, 0x1234);
}

int
main(int argc, char **argv)
{
	unsigned nb = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	unsigned nf = argc > 2 ? (unsigned)atoi(argv[2]) : 16;
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 200;
	struct range4 pool = { 0xcb007100, 0xcb0071ff };  /* 203.0.113/24 */
	struct nat44_config c;
	struct nat44 *n;
	struct in6_addr *b4;
	uint32_t *pub;
	uint16_t *pport;
	uint8_t pkt[128];
	enum nat44_drop why;
	int64_t t, t_new, t_out = 0, t_in = 0;
	uint64_t pkts = 0;

	if (nb == 0 || nf == 0 || rounds < 2)
		return 2;
	memset(&c, 0, sizeof(c));
	c.pool = &pool;
	c.n_pool = 1;
	c.block_size = 512;
	c.max_blocks_per_b4 = 4;
	c.max_sessions_per_b4 = 2048;
	c.max_sessions = nb * nf;
	c.timeout[NAT44_T_UDP] = 300;
	c.timeout[NAT44_T_TCP_EST] = 7440;
	c.timeout[NAT44_T_TCP_TRANS] = 240;
	c.timeout[NAT44_T_ICMP] = 60;
	c.seed = 42;
	b4 = calloc(nb, sizeof(*b4));
	pub = calloc((size_t)nb * nf, sizeof(*pub));
	pport = calloc((size_t)nb * nf, sizeof(*pport));
	if (b4 == NULL || pub == NULL || pport == NULL ||
	    nat44_new(&c, &n) != 0) {
		fprintf(stderr, "dstm_natbench: cannot make the tables\n");
		return 1;
	}
	for (unsigned i = 0; i < nb; i++) {
		addr6_parse("2001:db8:100::", &b4[i], NULL);
		b4[i].s6_addr[12] = (uint8_t)(i >> 24);
		b4[i].s6_addr[13] = (uint8_t)(i >> 16);
		b4[i].s6_addr[14] = (uint8_t)(i >> 8);
		b4[i].s6_addr[15] = (uint8_t)i;
	}
	t = clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < nb; i++)
		for (unsigned f = 0; f < nf; f++) {
			mk_udp(pkt, 0xc0000002, (uint16_t)(5000 + f),
			    0xc6336401, 53);
			if (nat44_outbound(n, &b4[i], 1, pkt, 60, T0,
			    &why) != 0) {
				fprintf(stderr, "dstm_natbench: refused: %s\n",
				    nat44_drop_name(why));
				return 1;
			}
			pub[i * nf + f] = be32_get(pkt + 12);
			pport[i * nf + f] = be16_get(pkt + 20);
		}
	t_new = clock_ns(CLOCK_MONOTONIC) - t;
	for (unsigned r = 1; r < rounds; r++) {
		struct in6_addr to;

		t = clock_ns(CLOCK_MONOTONIC);
		for (unsigned i = 0; i < nb; i++)
			for (unsigned f = 0; f < nf; f++) {
				mk_udp(pkt, 0xc0000002, (uint16_t)(5000 + f),
				    0xc6336401, 53);
				(void)nat44_outbound(n, &b4[i], 1, pkt, 60,
				    T0 + r, &why);
			}
		t_out += clock_ns(CLOCK_MONOTONIC) - t;
		t = clock_ns(CLOCK_MONOTONIC);
		for (unsigned k = 0; k < nb * nf; k++) {
			mk_udp(pkt, 0xc6336401, 53, pub[k], pport[k]);
			if (nat44_inbound(n, pkt, 60, T0 + r, &to, &why) != 0)
				return 1;
		}
		t_in += clock_ns(CLOCK_MONOTONIC) - t;
		pkts += (uint64_t)nb * nf;
	}
	/* the packet building is in both loops: this is an upper bound */
	printf("mappings %u packets %llu out_ns %.1f in_ns %.1f new_ns %.1f\n",
	    nb * nf, (unsigned long long)pkts, (double)t_out / (double)pkts,
	    (double)t_in / (double)pkts, (double)t_new / (nb * nf));
	nat44_free(n, T0 + rounds);
	free(b4);
	free(pub);
	free(pport);
	return 0;
}
