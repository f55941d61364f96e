/* cookie.c - the server cookie: proof that a udp6 caller receives at its
 * source address before ALLOC may change anything for it (DNS cookies,
 * RFC 7873, and the server cookie layout of RFC 9018 §4.2):
 *
 *	0  u8   version  1
 *	1  u8   reserved[3]
 *	4  u32  time     the server's clock when made (network order)
 *	8  u8   mac[8]   SipHash-2-4 under the server's secret of bytes
 *	                 0..7 and the client's IPv6 address
 *
 * Stateless: a forger who cannot receive at the address never sees one.
 * Valid for an hour (a client gets a fresh one with every ALLOC reply);
 * the secret is random per process, so a restart costs each udp6 client
 * one more round trip. */
#include "server/server.h"

#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "common/siphash.h"

#define COOKIE_VERSION	1
#define COOKIE_LIFE	3600	/* seconds a cookie stays valid */
#define COOKIE_SKEW	300	/* a clock stepped back by as much */

static uint8_t secret[SIPHASH_KEY_LEN];
static bool have_secret;

static void
cookie_mac(const uint8_t head[8], const struct in6_addr *client,
    uint8_t mac[8])
{
	uint8_t msg[8 + 16];
	uint64_t h;

	if (!have_secret) {
		if (getrandom(secret, sizeof(secret), 0) != sizeof(secret))
			fatal("getrandom");
		have_secret = true;
	}
	memcpy(msg, head, 8);
	memcpy(msg + 8, client, 16);
	h = siphash24(secret, msg, sizeof(msg));
	for (int i = 0; i < 8; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
}

void
cookie_make(const struct in6_addr *client, int64_t now,
    uint8_t cookie[static COOKIE_LEN])
{
	uint32_t t = (uint32_t)now;

	memset(cookie, 0, COOKIE_LEN);
	cookie[0] = COOKIE_VERSION;
	cookie[4] = (uint8_t)(t >> 24);
	cookie[5] = (uint8_t)(t >> 16);
	cookie[6] = (uint8_t)(t >> 8);
	cookie[7] = (uint8_t)t;
	cookie_mac(cookie, client, cookie + 8);
}

bool
cookie_valid(const struct in6_addr *client, int64_t now,
    const uint8_t cookie[static COOKIE_LEN])
{
	uint8_t mac[8];
	uint32_t t;
	int64_t age;

	if (cookie[0] != COOKIE_VERSION)
		return false;
	t = (uint32_t)cookie[4] << 24 | (uint32_t)cookie[5] << 16 |
	    (uint32_t)cookie[6] << 8 | cookie[7];
	age = (int64_t)(uint32_t)((uint32_t)now - t);	/* wraps in 2106 */
	if (age > COOKIE_LIFE && age < ((int64_t)1 << 32) - COOKIE_SKEW)
		return false;
	cookie_mac(cookie, client, mac);
	return ct_equal(mac, cookie + 8, sizeof(mac));
}
