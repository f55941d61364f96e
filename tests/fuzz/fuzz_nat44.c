/* fuzz_nat44.c - libFuzzer harness for the AFTR's NAT44: packets from
 * four B4s and from the IPv4 side into one small table that lives
 * across inputs (so mappings, blocks, fragments and expiry meet), with
 * time moving on.
 *
 * FUZZ_SOURCES: gateway/nat44.c common/inet.c common/addr.c common/log.c
 * FUZZ_SOURCES: common/loglimit.c
 *
 * The first input byte steers: bit 0 the direction (0 from a B4, 1 from
 * the IPv4 side), bits 1-2 the B4, bit 3 its interface, bit 4 repairs
 * the IPv4 total length and header checksum (so the deeper code is
 * reached), bits 5-7 how many seconds pass first.  The packet is copied
 * into a buffer of its exact size, so AddressSanitizer sees any overrun.
 * Checked after each packet: a translated packet's IPv4 header checksum
 * still holds, and so does its TCP or UDP checksum when it held before
 * (a whole datagram); the counters agree with each other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/inet.h"
#include "gateway/nat44.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct nat44 *nat;
static struct in6_addr b4s[4];
static int64_t now = 1000;

static void
fuzz_init(void)
{
	static const struct range4 pool = { 0xc0000201, 0xc0000202 };
	struct nat44_config c;

	memset(&c, 0, sizeof(c));
	c.pool = &pool;
	c.n_pool = 1;
	c.block_size = 64;
	c.max_blocks_per_b4 = 2;
	c.max_sessions_per_b4 = 100;
	c.max_sessions = 256;
	c.timeout[NAT44_T_UDP] = 30;
	c.timeout[NAT44_T_TCP_EST] = 120;
	c.timeout[NAT44_T_TCP_TRANS] = 20;
	c.timeout[NAT44_T_ICMP] = 10;
	c.seed = 7;
	if (nat44_new(&c, &nat) != 0)
		abort();
	for (int i = 0; i < 4; i++) {
		addr6_parse("2001:db8:100::1", &b4s[i], NULL);
		b4s[i].s6_addr[15] = (uint8_t)(i + 1);
	}
}

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

/* 1: a whole TCP or UDP datagram whose checksum holds; 0: one that does
 * not; -1: nothing to check */
static int
l4_ok(const uint8_t *p, size_t len)
{
	struct ipv4_info ii;
	uint8_t ph[12];
	uint32_t sum;

	if (ipv4_parse(p, len, &ii) != 0 || ii.frag != 0 || ii.mf ||
	    (ii.proto != 6 && ii.proto != 17))
		return -1;
	if (len - ii.hlen < (ii.proto == 6 ? 20u : 8u))
		return -1;
	if (ii.proto == 17 && be16_get(p + ii.hlen + 6) == 0)
		return -1;
	memcpy(ph, p + 12, 8);
	ph[8] = 0;
	ph[9] = ii.proto;
	be16_put(ph + 10, (uint16_t)(len - ii.hlen));
	sum = inet_sum(ph, sizeof(ph), 0);
	return inet_fold(inet_sum(p + ii.hlen, len - ii.hlen, sum)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nat44_stats st;
	struct in6_addr to;
	enum nat44_drop why;
	uint8_t *p;
	size_t len;
	int before, rc;

	if (nat == NULL)
		fuzz_init();
	if (size < 1 || size > 4096)
		return 0;
	len = size - 1;
	if ((p = malloc(len ? len : 1)) == NULL)
		return 0;
	memcpy(p, data + 1, len);
	if (data[0] & 0x10)
		repair4(p, len);
	now += data[0] >> 5;
	nat44_expire(nat, now, 8);
	before = l4_ok(p, len);
	if (data[0] & 1)
		rc = nat44_inbound(nat, p, len, now, &to, &why);
	else
		rc = nat44_outbound(nat, &b4s[(data[0] >> 1) & 3],
		    1 + ((data[0] >> 3) & 1), p, len, now, &why);
	if (rc == 0) {
		struct ipv4_info ii;

		if (ipv4_parse(p, len, &ii) != 0)
			abort();	/* the header checksum broke */
		if (before == 1 && l4_ok(p, len) != 1)
			abort();	/* the transport checksum broke */
	} else if (why == NAT44_DROP_NONE || why >= NAT44_DROP_MAX) {
		abort();
	}
	nat44_get_stats(nat, &st);
	if (st.sessions != st.sessions_created - st.sessions_expired ||
	    st.blocks != st.blocks_allocated - st.blocks_released ||
	    st.sessions > 256 || st.blocks > 2 * nat44_blocks_per_addr(64))
		abort();
	free(p);
	return 0;
}
