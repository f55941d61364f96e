/* rpcd_b4.c - rpcd in mode b4: a DS-lite Basic Bridging BroadBand element
 * (RFC 6333 5).  No lease server: dti0 holds the B4 address (192.0.0.2 by
 * default, RFC 6333 5.7) with the AFTR's 192.0.0.1 as peer, the IPv4
 * routes (the default route unless `route` says otherwise) point into it,
 * and the tunnel carries IPv4 in 4in6 to the AFTR, whose address b4.c
 * finds (config or DHCPv6) and follows.  A LAN behind the B4 is routed
 * into the tunnel as it is (the AFTR's NAT keys on the tunnel too,
 * RFC 6333 6.6), or masqueraded to the B4 address (b4-nat, nftables). */
#include "client/rpcd.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "kernel/nft.h"
#include "kernel/nl.h"

int
rpcd_b4_start(int sfd)
{
	uint64_t seed;
	bool opened = false;
	char a[ADDR_STRLEN];

	/* the DHCPv6 transaction ids and jitter: unguessable from outside */
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL) ^
		    (uint64_t)clock_mono_us();
	/* until the AFTR is known: DHCPv6 may need its interface to appear,
	 * and the name may not resolve yet */
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
		    { .fd = -1, .events = POLLIN } };
		int64_t now = clock_mono_ms(), next;

		if (!opened && b4_open(&rpcd.b4, &rpcd.conf, seed) == 0)
			opened = true;
		if (opened) {
			b4_run(&rpcd.b4, now);
			if (rpcd.b4.have_aftr && (!IN6_IS_ADDR_UNSPECIFIED(
			    &rpcd.conf.source) || rpcd_route_source(
			    &rpcd.b4.aftr6, &rpcd.source) == 0))
				break;
			p[1].fd = rpcd.b4.fd;
		}
		next = opened ? b4_next_ms(&rpcd.b4) - clock_mono_ms() : 2000;
		if (next > 2000 || (opened && rpcd.b4.have_aftr))
			next = 2000;	/* no route to the AFTR yet */
		if (poll(p, 2, next < 0 ? 0 : (int)next) > 0 &&
		    (p[0].revents & POLLIN))
			return -1;
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&rpcd.conf.source))
		rpcd.source = rpcd.conf.source;
	log_info("b4: our IPv6 end %s", addr6_ntop(&rpcd.source, a,
	    sizeof(a)));
	return 0;
}

static void
nat_up(void)
{
	char why[256], t[64];
	int rc;

	if (!rpcd.conf.b4_nat)
		return;
	if ((rc = knl_nft_masq_add(rpcd.ifname, rpcd.conf.b4_addr, why,
	    sizeof(why))) != 0)
		fatalx("b4-nat: %s", why);
	rpcd.b4_nat = true;
	log_info("b4-nat: LAN sources masqueraded on %s (nftables table ip "
	    "%s)", rpcd.ifname, knl_nft_table(rpcd.ifname, t, sizeof(t)));
}

void
rpcd_b4_up(void)
{
	const struct rpcd_conf *c = &rpcd.conf;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	int rc;

	if (c->b4_forward && (rc = knl_forwarding(AF_INET, true)) != 0)
		log_warnx("b4: net.ipv4.ip_forward: %s; a LAN behind us is "
		    "not routed", strerror(-rc));
	if (c->backend == RPCD_BACKEND_IP6TNL)
		rpcd_kernel_tunnel(&rpcd.b4.aftr6, c->mtu, true);
	knl_link_set_mtu(rpcd.nl, rpcd.ifindex, c->mtu);
	rpcd_addr_set(c->b4_addr, RPCD_AFTR_PEER, true);
	rpcd_routes(true);
	tunnel_set_lease(&rpcd.tun, c->b4_addr, &rpcd.b4.aftr6);
	nat_up();
	rpcd.b4_up = true;
	log_info("b4: %s on %s, AFTR %s%s%s, MTU %u%s", addr4_ntop(c->b4_addr,
	    a, sizeof(a)), rpcd.ifname, addr6_ntop(&rpcd.b4.aftr6, b,
	    sizeof(b)), rpcd.b4.name[0] ? " = " : "", rpcd.b4.name, c->mtu,
	    c->b4_forward ? ", routing IPv4" : "");
}

/* the AFTR moved: so does the tunnel's far end */
static void
follow(void)
{
	struct in6_addr src;
	char a[ADDR_STRLEN], b[ADDR_STRLEN], c[ADDR_STRLEN];

	tunnel_set_lease(&rpcd.tun, rpcd.conf.b4_addr, &rpcd.b4.aftr6);
	if (rpcd.conf.backend == RPCD_BACKEND_IP6TNL)
		rpcd_kernel_tunnel(&rpcd.b4.aftr6, rpcd.conf.mtu, true);
	/* the raw socket stays bound to the address we started with */
	if (IN6_IS_ADDR_UNSPECIFIED(&rpcd.conf.source) &&
	    rpcd_route_source(&rpcd.b4.aftr6, &src) == 0 &&
	    memcmp(&src, &rpcd.source, sizeof(src)) != 0)
		log_warnx("b4: the AFTR %s is reached from %s, the tunnel "
		    "keeps %s until restart", addr6_ntop(&rpcd.b4.aftr6, a,
		    sizeof(a)), addr6_ntop(&src, b, sizeof(b)),
		    addr6_ntop(&rpcd.source, c, sizeof(c)));
}

void
rpcd_b4_run(void)
{
	if (b4_run(&rpcd.b4, clock_mono_ms()) && rpcd.b4_up)
		follow();
}

void
rpcd_b4_down(void)
{
	int rc;

	if (rpcd.b4_nat && (rc = knl_nft_masq_del(rpcd.ifname)) != 0)
		log_warnx("b4-nat: removing our nftables table: %s",
		    strerror(-rc));
	rpcd.b4_nat = false;
	if (rpcd.b4_up) {
		tunnel_set_lease(&rpcd.tun, 0, NULL);
		rpcd_routes(false);
		rpcd_addr_set(rpcd.conf.b4_addr, RPCD_AFTR_PEER, false);
		if (rpcd.conf.backend == RPCD_BACKEND_IP6TNL)
			rpcd_kernel_tunnel(NULL, 0, false);
	}
	rpcd.b4_up = false;
	b4_close(&rpcd.b4);
}
