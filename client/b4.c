/* b4.c - where rpcd's B4 finds its AFTR; see b4.h. */
#include "client/b4.h"

#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/rpcd_conf.h"
#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "kernel/dhcp6_sock.h"

#define RESOLVE_RETRY_MIN_MS	1000
#define RESOLVE_RETRY_MAX_MS	60000

static const char *const counter_names[B4C_COUNT] = {
	[B4C_RESOLVED] = "b4.aftr.resolved",
	[B4C_RESOLVE_FAILED] = "b4.aftr.resolve_failed",
	[B4C_AFTR_CHANGED] = "b4.aftr.changed",
	[B4C_DHCP6_SENT] = "b4.dhcpv6.sent",
	[B4C_DHCP6_REPLIES] = "b4.dhcpv6.replies",
	[B4C_DHCP6_IGNORED] = "b4.dhcpv6.ignored",
};

const char *
b4_counter_name(enum b4_counter c)
{
	return (unsigned)c < B4C_COUNT ? counter_names[c] : "?";
}

const char *
b4_origin_name(enum b4_origin o)
{
	switch (o) {
	case B4_FROM_CONFIG:
		return "config";
	case B4_FROM_DHCPV6:
		return "dhcpv6";
	default:
		return "none";
	}
}

static uint32_t
rnd(struct b4 *b)
{
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* ---- the name ---- */

static void
set_aftr(struct b4 *b, const struct in6_addr *a, bool *changed)
{
	char x[ADDR_STRLEN], y[ADDR_STRLEN];

	if (b->have_aftr && memcmp(a, &b->aftr6, sizeof(*a)) == 0)
		return;
	if (b->have_aftr) {
		log_info("AFTR %s moved from %s to %s", b->name[0] ? b->name :
		    "(literal)", addr6_ntop(&b->aftr6, x, sizeof(x)),
		    addr6_ntop(a, y, sizeof(y)));
		b->ctr[B4C_AFTR_CHANGED]++;
	} else {
		log_info("AFTR %s%s%s (from %s)", addr6_ntop(a, y, sizeof(y)),
		    b->name[0] ? " is " : "", b->name, b4_origin_name(
		    b->origin));
	}
	b->aftr6 = *a;
	b->have_aftr = true;
	*changed = true;
}

/* One AAAA lookup through the host's resolver (getaddrinfo: /etc/hosts,
 * then DNS as nsswitch.conf says); blocks for the resolver's timeout at
 * most.  The first unicast answer is the AFTR. */
static void
resolve(struct b4 *b, int64_t now, bool *changed)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct in6_addr a;
	bool found = false;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(b->name, NULL, &hints, &res);
	for (ai = rc == 0 ? res : NULL; ai != NULL && !found; ai = ai->ai_next)
		if (addr6_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &a) &&
		    addr6_is_unicast_endpoint(&a))
			found = true;
	if (res != NULL)
		freeaddrinfo(res);
	if (!found) {
		b->ctr[B4C_RESOLVE_FAILED]++;
		snprintf(b->last_error, sizeof(b->last_error), "AFTR %s: %s",
		    b->name, rc != 0 ? gai_strerror(rc) : "no IPv6 address");
		if (!b->failing)
			log_warnx("%s%s", b->last_error, b->have_aftr ?
			    "; the tunnel stays where it was" : "");
		b->failing = true;
		b->retry_ms = b->retry_ms == 0 ? RESOLVE_RETRY_MIN_MS :
		    b->retry_ms * 2 > RESOLVE_RETRY_MAX_MS ?
		    RESOLVE_RETRY_MAX_MS : b->retry_ms * 2;
		b->resolve_ms = now + (b->retry_ms < b->conf->aftr_refresh *
		    1000ull ? b->retry_ms : b->conf->aftr_refresh * 1000ll);
		return;
	}
	b->ctr[B4C_RESOLVED]++;
	if (b->failing)
		log_info("AFTR %s resolves again", b->name);
	b->failing = false;
	b->retry_ms = 0;
	b->last_error[0] = '\0';
	b->resolve_ms = now + b->conf->aftr_refresh * 1000ll;
	set_aftr(b, &a, changed);
}

/* ---- DHCPv6 ---- */

static void
exchange_start(struct b4 *b, int64_t now)
{
	b->exchanging = true;
	b->xid = rnd(b) & 0xffffff;
	b->first_tx_ms = 0;
	b->rt_ms = 0;
	/* RFC 8415 18.2.6: a random delay up to INF_MAX_DELAY first */
	b->tx_ms = now + rnd(b) % DHCP6_INF_MAX_DELAY_MS;
	b->refresh_ms = INT64_MAX;
}

static void
transmit(struct b4 *b, int64_t now)
{
	uint8_t buf[256];
	int64_t el;
	size_t n;
	int rc;

	if (b->first_tx_ms == 0)
		b->first_tx_ms = now;
	el = (now - b->first_tx_ms) / 10;	/* centiseconds */
	n = dhcp6_build_info_req(buf, sizeof(buf), b->xid, b->duid,
	    b->duid_len, el > 0xffff ? 0xffff : (uint16_t)el);
	if (n > 0 && (rc = dhcp6_sock_send(b->fd, b->ifindex, buf, n)) != 0)
		log_debug("dhcpv6: send on %s: %s", b->ifname, strerror(-rc));
	else if (n > 0)
		b->ctr[B4C_DHCP6_SENT]++;
	b->rt_ms = dhcp6_next_rt(b->rt_ms, DHCP6_INF_TIMEOUT_MS,
	    DHCP6_INF_MAX_RT_MS, rnd(b));
	b->tx_ms = now + b->rt_ms;
}

static void
take_reply(struct b4 *b, const struct dhcp6_reply *r, int64_t now)
{
	char a[ADDR_STRLEN];

	b->ctr[B4C_DHCP6_REPLIES]++;
	b->exchanging = false;
	memcpy(b->dns, r->dns, sizeof(b->dns));
	b->n_dns = r->n_dns;
	for (unsigned i = 0; i < r->n_dns; i++)
		log_debug("dhcpv6: DNS server %s (not installed: the host's "
		    "resolver is the host's)", addr6_ntop(&r->dns[i], a,
		    sizeof(a)));
	/* RFC 8415 21.23: the next exchange; none without a name sooner
	 * than IRT_MINIMUM */
	b->refresh_ms = r->refresh == DHCP6_IRT_INFINITE ? INT64_MAX :
	    now + (int64_t)r->refresh * 1000;
	if (r->aftr[0] == '\0') {
		snprintf(b->last_error, sizeof(b->last_error), "DHCPv6 Reply "
		    "on %s without an AFTR-Name (option 64)", b->ifname);
		log_warnx("%s%s%s", b->last_error, b->name[0] ? "; keeping " :
		    "", b->name);
		if (b->name[0] == '\0' && b->refresh_ms - now >
		    DHCP6_IRT_MINIMUM * 1000ll)
			b->refresh_ms = now + DHCP6_IRT_MINIMUM * 1000ll;
		return;
	}
	if (strcmp(r->aftr, b->name) != 0) {
		log_info("dhcpv6: AFTR-Name %s%s%s", r->aftr, b->name[0] ?
		    ", was " : "", b->name);
		snprintf(b->name, sizeof(b->name), "%s", r->aftr);
		b->origin = B4_FROM_DHCPV6;
		b->resolve_ms = now;	/* at once */
		b->retry_ms = 0;
		b->failing = false;
	}
}

static void
dhcp6_input(struct b4 *b, int64_t now)
{
	static struct loglimit rl =
	    LOGLIMIT_INIT("dhcpv6: ignored messages", 60000, 5);
	uint8_t buf[DHCP6_MSG_MAX];
	struct dhcp6_reply r;
	struct in6_addr from;
	const char *why;
	char a[ADDR_STRLEN];
	uint16_t port;
	int n;

	for (int i = 0; i < 64; i++) {	/* bounded: the rest next time */
		if ((n = dhcp6_sock_recv(b->fd, buf, sizeof(buf), &from,
		    &port)) == -EAGAIN)
			return;
		why = NULL;
		if (n < 0)
			why = "truncated or unreadable";
		else if (port != DHCP6_SERVER_PORT)
			why = "not from port 547";
		else if (!IN6_IS_ADDR_LINKLOCAL(&from))
			why = "not from a link-local address";	/* off-link */
		else if (!b->exchanging)
			why = "no exchange under way";
		else if (dhcp6_parse_reply(buf, (size_t)n, b->xid, b->duid,
		    b->duid_len, &r, &why) == 0)
			why = NULL;
		if (why != NULL) {
			b->ctr[B4C_DHCP6_IGNORED]++;
			if (log_limit_pass(&rl, LOG_LVL_INFO))
				log_at(LOG_LVL_INFO, "dhcpv6: ignored a message "
				    "from %s: %s", addr6_ntop(&from, a,
				    sizeof(a)), why);
			continue;
		}
		take_reply(b, &r, now);
	}
}

static int
dhcp6_open(struct b4 *b)
{
	uint8_t mac[6], uuid[16];
	int rc;

	if (b->conf->dhcp6_ifname[0] != '\0') {
		snprintf(b->ifname, sizeof(b->ifname), "%s",
		    b->conf->dhcp6_ifname);
		if ((rc = (int)if_nametoindex(b->ifname)) == 0) {
			rc = -errno;
			log_warnx("dhcpv6-interface %s: %s", b->ifname,
			    strerror(-rc));
			return rc;
		}
	} else if ((rc = knl_default6_ifindex(b->ifname)) < 0) {
		log_warnx("dhcpv6: no IPv6 default route to find the "
		    "interface by (set dhcpv6-interface)");
		return rc;
	}
	b->ifindex = rc;
	if ((rc = dhcp6_sock_open(b->ifindex)) < 0) {
		log_warnx("dhcpv6: udp6 port %d on %s: %s", DHCP6_CLIENT_PORT,
		    b->ifname, strerror(-rc));
		return rc;
	}
	b->fd = rc;
	/* RFC 8415 11.4: DUID-LL of the link; a link without an Ethernet
	 * address gets a DUID-UUID for this run */
	if (knl_hwaddr(b->ifname, mac) == 0) {
		b->duid_len = dhcp6_duid_ll(b->duid, mac);
	} else {
		for (int i = 0; i < 16; i += 4) {
			uint32_t v = rnd(b);

			memcpy(uuid + i, &v, 4);
		}
		b->duid_len = dhcp6_duid_uuid(b->duid, uuid);
	}
	log_info("dhcpv6: asking for the AFTR-Name on %s", b->ifname);
	return 0;
}

/* ---- the machine ---- */

int
b4_open(struct b4 *b, const struct rpcd_conf *c, uint64_t seed)
{
	struct in6_addr a;
	int rc;

	memset(b, 0, sizeof(*b));
	b->conf = c;
	b->fd = -1;
	b->rng = seed;
	b->resolve_ms = INT64_MAX;
	b->refresh_ms = INT64_MAX;
	b->tx_ms = INT64_MAX;
	if (c->aftr[0] != '\0') {
		b->origin = B4_FROM_CONFIG;
		if (addr6_parse(c->aftr, &a, NULL)) {
			b->aftr6 = a;
			b->have_aftr = true;
		} else {
			snprintf(b->name, sizeof(b->name), "%s", c->aftr);
			b->resolve_ms = 0;
		}
		return 0;
	}
	if ((rc = dhcp6_open(b)) != 0)
		return rc;
	exchange_start(b, clock_mono_ms());
	return 0;
}

void
b4_close(struct b4 *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

int64_t
b4_next_ms(const struct b4 *b)
{
	int64_t t = b->resolve_ms;

	if (b->fd >= 0) {
		if (b->exchanging && b->tx_ms < t)
			t = b->tx_ms;
		if (!b->exchanging && b->refresh_ms < t)
			t = b->refresh_ms;
	}
	return t;
}

bool
b4_run(struct b4 *b, int64_t now)
{
	bool changed = false;

	if (b->fd >= 0) {
		dhcp6_input(b, now);
		if (!b->exchanging && now >= b->refresh_ms)
			exchange_start(b, now);
		if (b->exchanging && now >= b->tx_ms)
			transmit(b, now);
	}
	if (b->name[0] != '\0' && now >= b->resolve_ms)
		resolve(b, now, &changed);
	return changed;
}
