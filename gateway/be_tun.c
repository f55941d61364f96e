/* be_tun.c - the `tun` backend: the userspace data plane; see gw.h.
 *
 * IPv4 side: one TUN device (default dti0) with the pool routed into it.
 * IPv6 side: a raw IPPROTO_IPIP socket bound to the TEP address.  We
 * receive 4in6 through the raw socket rather than by routing the TEP
 * address into a TUN because, co-located, the TEP is the server's own
 * listen address (one address, as the original had): it must stay local
 * for the RPC service, and the kernel then delivers 4in6 to raw sockets,
 * with the outer source, already reassembled.  One thread (kernel/pump.c)
 * reads both in batches and runs rfc2473.c on them. */
#include "gateway/gw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/inet.h"
#include "kernel/nl.h"
#include "kernel/pump.h"
#include "kernel/raw6.h"
#include "kernel/tun.h"

#define GW_PKT_MAX	65536
#define GW_OUT_MAX	(GW_PKT_MAX + 64)
/* the pieces of one packet: the tunnel MTU is at least 1280, so a 64 KiB
 * packet makes at most 52, each with new IPv4 and IPv6 headers */
#define GW_FRAG_ROOM	(GW_PKT_MAX + GW_MAX_FRAGS * 64)

/* ---- routes: a range as the fewest CIDR prefixes ---- */

static int
route_add(void *arg, uint32_t addr, uint8_t len)
{
	struct gw *g = arg;
	struct knl_route4 r = { .dst = addr, .len = len, .ifindex = g->tun.ifindex };

	return knl_route4_add(g->tun.nl, &r, KNL_REPLACE);
}

static int
route_del(void *arg, uint32_t addr, uint8_t len)
{
	struct gw *g = arg;
	struct knl_route4 r = { .dst = addr, .len = len, .ifindex = g->tun.ifindex };

	knl_route4_del(g->tun.nl, &r);
	return 0;
}

static int
tun_accept_local(const char *ifname)
{
	char path[64];

	snprintf(path, sizeof(path), "net/ipv4/conf/%s/accept_local", ifname);
	return knl_sysctl_set(path, "1");
}

static int
tun_be_open(struct gw *g)
{
	struct gw_tun *t = &g->tun;
	const struct gw_config *c = &g->cfg;
	char name[16], a[ADDR_STRLEN], path[64];
	int rc;

	t->tun_fd = t->raw_fd = -1;
	loglimit_init(&t->rl_log, "gateway: drops", 60000, 10);
	dropsum_init(&t->drops, DROPSUM_INTERVAL_MS);
	/* the kernel already decremented the TTL when it routed the packet
	 * into the TUN: a second decrement would count us twice */
	g->tep.cfg.decrement_ttl = false;
	if ((t->buf = malloc(GW_OUT_MAX + GW_FRAG_ROOM)) == NULL)
		return -ENOMEM;
	if ((rc = knl_open(&t->nl)) != 0) {
		log_warnx("gateway: netlink: %s", strerror(-rc));
		return rc;
	}
	if ((rc = tun_open(c->ifname, 0, name, sizeof(name))) < 0) {
		log_warnx("gateway: TUN %s: %s", c->ifname, strerror(-rc));
		return rc;
	}
	t->tun_fd = rc;
	if ((rc = knl_link_index(t->nl, name)) < 0)
		return rc;
	t->ifindex = rc;
	/* we see every packet and apply the tunnel MTU ourselves (ICMP
	 * frag-needed or fragmentation), counted in one place; no link-local
	 * address, router solicitations or MLD into the TUN */
	knl_disable_ipv6(name, true);
	if ((rc = knl_link_set_mtu(t->nl, t->ifindex, 65535)) != 0 ||
	    (rc = knl_link_set_up(t->nl, t->ifindex, true)) != 0) {
		log_warnx("gateway: %s up: %s", name, strerror(-rc));
		return rc;
	}
	knl_rp_filter(name, 0);
	/* client to client through the TEP leaves by the TUN it came in
	 * by: no ICMP redirect to a host that cannot act on it (the kernel
	 * sends one when either "all" or the device asks) */
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/send_redirects", name);
	if (knl_sysctl_set(path, "0") != 0 ||
	    knl_sysctl_set("net/ipv4/conf/all/send_redirects", "0") != 0)
		log_warnx("gateway: cannot turn ICMP redirects off on %s", name);
	/* our ICMP errors enter the kernel through the TUN from an address
	 * of this host (icmp-source): without accept_local it would drop
	 * them as martians */
	if ((rc = tun_accept_local(name)) != 0)
		log_warnx("gateway: %s accept_local: %s", name, strerror(-rc));
	if (c->icmp_source == 0 && (rc = knl_open(&t->nl_pkt)) != 0) {
		log_warnx("gateway: netlink: %s", strerror(-rc));
		return rc;
	}
	if ((rc = knl_forwarding(AF_INET, true)) != 0)
		log_warnx("gateway: cannot enable IPv4 forwarding: %s",
		    strerror(-rc));
	for (unsigned i = 0; i < c->n_routes; i++)
		if ((rc = range4_prefixes(&c->routes[i], route_add, g)) != 0) {
			log_warnx("gateway: route pool into %s: %s", name,
			    strerror(-rc));
			return rc;
		}
	/* an AFTR address of its own: the socket sees every 4in6 to this
	 * host, and aftr_from_b4 sorts by destination */
	if ((rc = raw6_open(aftr_own_address(g) ? NULL : &c->tep6)) < 0) {
		log_warnx("gateway: raw IPIP socket on %s: %s",
		    addr6_ntop(&c->tep6, a, sizeof(a)), strerror(-rc));
		return rc;
	}
	t->raw_fd = rc;
	raw6_set_bufsize(t->raw_fd, 4 << 20, 4 << 20);
	/* the outer header rfc2473 computes, as the bpf path writes it */
	if ((rc = raw6_set_hoplimit(t->raw_fd, g->tep.cfg.hop_limit)) != 0) {
		log_warnx("gateway: raw IPIP socket hop limit: %s",
		    strerror(-rc));
		return rc;
	}
	if ((rc = raw6_set_flowlabel(t->raw_fd)) != 0)
		log_warnx("gateway: the kernel picks the outer flow labels: %s",
		    strerror(-rc));
	/* the host's own addresses are no inner destination */
	if ((rc = gw_local_open(g)) != 0)
		return rc;
	snprintf(g->cfg.ifname, sizeof(g->cfg.ifname), "%s", name);
	return 0;
}

/* A set of prefixes, in the ascending order range4_prefixes makes them. */
struct pset {
	struct prefix4	*v;
	size_t		 n, cap;
};

static int
pset_add(void *arg, uint32_t addr, uint8_t len)
{
	struct gw *g = arg;
	struct pset *p = g->tun.reroute;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct prefix4 *v = reallocarray(p->v, cap, sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n].addr = addr;
	p->v[p->n++].len = len;
	return 0;
}

static bool
pset_has(const struct pset *p, uint32_t addr, uint8_t len)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->v[mid].addr < addr)
			lo = mid + 1;
		else if (p->v[mid].addr > addr)
			hi = mid;
		else
			return p->v[mid].len == len;
	}
	return false;
}

/* delete an old prefix unless the new routes have it too */
static int
route_del_stale(void *arg, uint32_t addr, uint8_t len)
{
	struct gw *g = arg;
	if (!pset_has(g->tun.reroute, addr, len))
		(void)route_del(g, addr, len);
	return 0;
}

/* New pools (a reload): add or update every new route first, then delete
 * the old ones that went away, so an address in both never loses its
 * route.  Keeps going past a failure; returns the first. */
static int
tun_be_reroute(struct gw *g, const struct range4 *routes, unsigned n)
{
	struct pset keep = { NULL, 0, 0 };
	struct range4 *nr = NULL;
	int rc = 0, r;

	if (n > 0 && (nr = calloc(n, sizeof(*nr))) == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(nr, routes, n * sizeof(*nr));
	g->tun.reroute = &keep;
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = range4_prefixes(&nr[i], pset_add, g);
	if (rc != 0) {
		free(keep.v);
		free(nr);
		g->tun.reroute = NULL;
		return rc;
	}
	for (size_t i = 0; i < keep.n; i++)
		if ((r = route_add(g, keep.v[i].addr, keep.v[i].len)) != 0 &&
		    rc == 0)
			rc = r;
	for (unsigned i = 0; i < g->cfg.n_routes; i++)
		range4_prefixes(&g->cfg.routes[i], route_del_stale, g);
	g->tun.reroute = NULL;
	free(keep.v);
	free(g->cfg.routes);
	g->cfg.routes = nr;
	g->cfg.n_routes = n;
	return rc;
}

/* ---- ICMPv4 errors back into the IPv4 network, rate-limited ---- */

static bool
icmp_ok(struct gw *g, int64_t now)
{
	if (now != g->tun.icmp_window) {
		g->tun.icmp_window = now;
		g->tun.icmp_count = 0;
	}
	if (g->tun.icmp_count >= GW_ICMP_PER_SEC) {
		g->tun.ctr.icmp_suppressed++;
		return false;
	}
	g->tun.icmp_count++;
	return true;
}

/* [gateway] icmp-source: the configured address; auto, the one the
 * kernel would pick to reach the erring packet's sender (the primary
 * address of the interface back to it), tep4 only when there is none:
 * RFC 6890 has 192.0.0.0/24 not globally reachable, and a bogon filter
 * on the way would drop our frag-needed and break PMTUD. */
static uint32_t
icmp_source(struct gw *g, const uint8_t *pkt)
{
	uint32_t src;

	if (g->cfg.icmp_source != 0)
		return g->cfg.icmp_source;
	if (knl_route4_src(g->tun.nl_pkt, be32_get(pkt + 12), &src) == 0 &&
	    src != 0)
		return src;
	return g->cfg.tep4;
}

/* pkt parsed as IPv4 (rfc2473_encap saw it) */
static void
send_icmp(struct gw *g, int (*build)(const uint8_t *, size_t, uint32_t,
    uint8_t *, size_t, size_t *), const uint8_t *pkt, size_t len,
    uint8_t *out, int64_t now)
{
	size_t n;

	if (!icmp_ok(g, now) || build(pkt, len, icmp_source(g, pkt), out,
	    GW_OUT_MAX, &n) != 0)
		return;
	if (tun_write(g->tun.tun_fd, out, n) == 0)
		g->tun.ctr.icmp_sent++;
}

/* Counted for the summary (dropsum.h) with its sources: src6 and the
 * inner packet's source from a client, NULL and the IPv4 source towards
 * one; each drop also at debug (-v), rate-limited. */
static void
log_drop(struct gw *g, enum rfc2473_drop d, const struct in6_addr *src6,
    const uint8_t *pkt, size_t len)
{
	char a6[ADDR_STRLEN] = "", a4[ADDR_STRLEN];
	uint32_t src4 = 0;

	if (len >= 20 && (pkt[0] >> 4) == 4)
		src4 = be32_get(pkt + 12);
	dropsum_add(&g->tun.drops, d, src6, src4, clock_mono_ms());
	if (log_getverbose() == 0)
		return;
	if (src6 != NULL)
		addr6_ntop(src6, a6, sizeof(a6));
	log_limited(&g->tun.rl_log, LOG_LVL_DEBUG, "gateway: %s drop: %s, "
	    "%s%s%s", src6 != NULL ? "decap" : "encap", rfc2473_drop_name(d),
	    a6, src6 != NULL ? " inner " : "from ",
	    addr4_ntop(src4, a4, sizeof(a4)));
}

/* RFC 7596 5.2: a client's packet to another client's address, turned
 * around here rather than by a round trip through the kernel: one router
 * hop (the TTL, as the kernel would have decremented it), then the way
 * IPv4 read from the TUN goes (encapsulation, fragmentation, ICMP).  At
 * TTL 1 the kernel's way, which answers time exceeded. */
static bool
hairpin(struct gw *g, uint8_t *pkt, size_t len, int64_t now)
{
	if (len < IPV4_HDR_LEN || pkt[8] <= 1)
		return false;
	(void)ipv4_ttl_decrement(pkt, len);
	gw_from_ipv4(g, pkt, len, now);
	return true;
}

/* p: the inner packet with the outer source and traffic class, as the
 * raw IPIP socket read it */
static void
gw_from_client(struct gw *g, struct raw6_pkt *p, int64_t now)
{
	struct rfc2473_result res;
	enum rfc2473_verdict v;

	if (g->aftr != NULL)
		switch (aftr_from_b4(g, p, now)) {
		case AFTR_FORWARD:
			if (g->cfg.mss_clamp && tcp_mss_clamp(p->buf, p->len,
			    rfc2473_mss(&g->tep.cfg)) > 0)
				g->tun.ctr.mss_clamped++;
			if (tun_write(g->tun.tun_fd, p->buf, p->len) != 0)
				g->tun.ctr.write_errors++;
			return;
		case AFTR_DROPPED:
			return;
		case AFTR_NOT_MINE:
			break;
		}
	pthread_mutex_lock(&g->lock);
	v = rfc2473_decap_inner(p->buf, p->len, &p->src, p->tclass, &g->tep,
	    now, &res);
	pthread_mutex_unlock(&g->lock);
	if (v != RFC2473_OK) {
		log_drop(g, res.drop, &p->src, p->buf, p->len);
		return;
	}
	if (res.hairpin && hairpin(g, p->buf, res.len, now))
		return;
	if (g->cfg.mss_clamp && tcp_mss_clamp(p->buf, res.len,
	    rfc2473_mss(&g->tep.cfg)) > 0)
		g->tun.ctr.mss_clamped++;
	if (tun_write(g->tun.tun_fd, p->buf, res.len) != 0)
		g->tun.ctr.write_errors++;
}

static void
send_to_client(struct gw *g, const uint8_t *out, size_t n,
    const struct in6_addr *dst, const struct in6_addr *src)
{
	struct raw6_pkt p;

	/* the raw IPIP socket builds the IPv6 header itself: hand it the
	 * inner packet (rfc2473 wrote it after its 40-byte header) with the
	 * traffic class and flow label rfc2473 put in that header */
	memset(&p, 0, sizeof(p));
	p.buf = (uint8_t *)out + 40;
	p.len = n - 40;
	p.dst = *dst;
	p.src = *src;
	p.tclass = (uint8_t)(be32_get(out) >> 20);
	p.flowlabel = be32_get(out) & 0xfffff;
	if (raw6_send(g->tun.raw_fd, &p) != 0)
		g->tun.ctr.write_errors++;
}

/* RFC 2473 7.1: DF clear and too big for the tunnel: fragment the inner
 * packet and encapsulate each piece into g->tun.frags, under the lock (the
 * binding's counters move); the caller sends them once it is dropped. */
static void
fragment(struct gw *g, const uint8_t *pkt, size_t len,
    const struct rfc2473_result *res)
{
	uint8_t piece[GW_OUT_MAX / 2], *at = g->tun.buf + GW_OUT_MAX;
	size_t room = GW_FRAG_ROOM, flen, olen;
	struct ipv4_frag f;

	g->tun.nfrags = 0;
	if (ipv4_frag_init(&f, pkt, len, res->mtu) != 0)
		return;
	while (g->tun.nfrags < GW_MAX_FRAGS &&
	    ipv4_frag_next(&f, piece, sizeof(piece), &flen) > 0) {
		if (rfc2473_encap_binding(piece, flen, &g->tep, res->binding,
		    at, room, &olen) != RFC2473_OK)
			break;
		g->tun.frags[g->tun.nfrags].buf = at;
		g->tun.frags[g->tun.nfrags++].len = olen;
		at += olen;
		room -= olen;
	}
}

/* To one of the AFTR's public addresses: translated back by the NAT and
 * encapsulated to its B4 from the AFTR address, with the checks and the
 * fragmentation of the DSTM path (a binding made up for the B4). */
static void
gw_to_b4(struct gw *g, uint8_t *pkt, size_t len, int64_t now)
{
	uint8_t *out = g->tun.buf;
	struct rfc2473_result res;
	struct binding b;
	enum rfc2473_verdict v;
	/* the header and 8 bytes as they came: aftr_to_b4 rewrites pkt in
	 * place, and an ICMP error to the sender must quote what it sent,
	 * not the B4's private address and port */
	uint8_t orig[IPV4_MAX_HDR_LEN + ICMP4_QUOTE_DATA];
	size_t n, olen = len < sizeof(orig) ? len : sizeof(orig);

	memset(&res, 0, sizeof(res));
	res.mtu = rfc2473_inner_mtu(&g->tep.cfg);
	/* too big with DF: frag-needed quoting what the sender sent */
	if (len > res.mtu && len >= IPV4_HDR_LEN &&
	    (be16_get(pkt + 6) & IPV4_DF)) {
		if (icmp_ok(g, now) && icmp4_frag_needed(pkt, len, res.mtu,
		    icmp_source(g, pkt), out, GW_OUT_MAX, &n) == 0 &&
		    tun_write(g->tun.tun_fd, out, n) == 0)
			g->tun.ctr.icmp_sent++;
		return;
	}
	memset(&b, 0, sizeof(b));
	memcpy(orig, pkt, olen);
	if (aftr_to_b4(g, pkt, len, &b.client) != 0)
		return;
	b.addr4 = be32_get(pkt + 16);
	b.port_max = 0xffff;
	res.binding = &b;
	pthread_mutex_lock(&g->lock);
	if (len > res.mtu) {
		fragment(g, pkt, len, &res);
		pthread_mutex_unlock(&g->lock);
		for (unsigned i = 0; i < g->tun.nfrags; i++)
			send_to_client(g, g->tun.frags[i].buf,
			    g->tun.frags[i].len, &b.client, aftr_address(g));
		return;
	}
	v = rfc2473_encap_binding(pkt, len, &g->tep, &b, out, GW_OUT_MAX, &n);
	pthread_mutex_unlock(&g->lock);
	if (v == RFC2473_OK)
		send_to_client(g, out, n, &b.client, aftr_address(g));
	else if (v == RFC2473_TTL_EXCEEDED)
		send_icmp(g, icmp4_time_exceeded, orig, olen, out, now);
}

void
gw_from_ipv4(struct gw *g, uint8_t *pkt, size_t len, int64_t now)
{
	uint8_t *out = g->tun.buf;
	struct rfc2473_result res;
	struct in6_addr dst;
	enum rfc2473_verdict v;

	if (g->cfg.mss_clamp && tcp_mss_clamp(pkt, len,
	    rfc2473_mss(&g->tep.cfg)) > 0)
		g->tun.ctr.mss_clamped++;
	if (aftr_is_public(g, pkt, len)) {
		gw_to_b4(g, pkt, len, now);
		return;
	}
	pthread_mutex_lock(&g->lock);
	v = rfc2473_encap(pkt, len, &g->tep, now, out, GW_OUT_MAX, &res);
	if (res.binding != NULL)
		dst = res.binding->client;
	if (v == RFC2473_FRAGMENT_NEEDED && res.binding != NULL) {
		fragment(g, pkt, len, &res);
		pthread_mutex_unlock(&g->lock);
		for (unsigned i = 0; i < g->tun.nfrags; i++)
			send_to_client(g, g->tun.frags[i].buf, g->tun.frags[i].len,
			    &dst, &g->cfg.tep6);
		return;
	}
	pthread_mutex_unlock(&g->lock);
	switch (v) {
	case RFC2473_OK:
		send_to_client(g, out, res.out_len, &dst, &g->cfg.tep6);
		break;
	case RFC2473_NO_BINDING:
		send_icmp(g, icmp4_host_unreachable, pkt, len, out, now);
		log_drop(g, res.drop, NULL, pkt, len);
		break;
	case RFC2473_TTL_EXCEEDED:
		send_icmp(g, icmp4_time_exceeded, pkt, len, out, now);
		break;
	case RFC2473_TOO_BIG: {
		size_t n;

		if (icmp_ok(g, now) && icmp4_frag_needed(pkt, len, res.mtu,
		    icmp_source(g, pkt), out, GW_OUT_MAX, &n) == 0 &&
		    tun_write(g->tun.tun_fd, out, n) == 0)
			g->tun.ctr.icmp_sent++;
		break;
	}
	default:
		log_drop(g, res.drop, NULL, pkt, len);
		break;
	}
}

/* ---- the data-plane thread ---- */

static void
pump_raw(void *arg, struct raw6_pkt *p)
{
	gw_from_client(arg, p, (int64_t)time(NULL));
}

static void
pump_tun(void *arg, struct tun_pkt *p, int n)
{
	int64_t now = (int64_t)time(NULL);

	for (int i = 0; i < n; i++)
		gw_from_ipv4(arg, p[i].buf, p[i].len, now);
}

/* once a second on the data-plane thread: the drop summaries due */
static void
pump_tick(void *arg, int64_t now_ms)
{
	struct gw *g = arg;

	if (g->tun.kernel_drops != NULL) {
		uint64_t total[RFC2473_DROP_MAX] = { 0 };

		g->tun.kernel_drops(g, total);
		dropsum_kernel(&g->tun.drops, total, now_ms);
	}
	dropsum_tick(&g->tun.drops, now_ms, NULL, NULL);
	log_limited_flush(&g->tun.rl_log, LOG_LVL_DEBUG);
	aftr_tick(g);
}

static const struct pump_ops gw_pump_ops = {
	.from_raw = pump_raw,
	.from_tun = pump_tun,
	.tick = pump_tick,
};

static int
tun_be_start(struct gw *g)
{
	int rc;

	if ((rc = gw_local_start(g)) != 0)
		return rc;
	return pump_start(&g->tun.pump, g->tun.tun_fd, g->tun.raw_fd,
	    &gw_pump_ops, g);
}

static void
tun_be_close(struct gw *g)
{
	struct gw_tun *t = &g->tun;

	pump_stop(&t->pump);
	gw_local_close(g);
	if (t->nl != NULL && t->ifindex > 0)
		for (unsigned i = 0; i < g->cfg.n_routes; i++)
			range4_prefixes(&g->cfg.routes[i], route_del, g);
	if (t->raw_fd >= 0)
		raw6_close(t->raw_fd);
	if (t->tun_fd >= 0)
		tun_close(t->tun_fd);	/* the device goes with its fd */
	if (t->nl != NULL)
		knl_close(t->nl);
	if (t->nl_pkt != NULL)
		knl_close(t->nl_pkt);
	free(t->buf);
	memset(t, 0, sizeof(*t));
	t->tun_fd = t->raw_fd = -1;
}

static void
tun_be_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c)
{
	(void)st;	/* rfc2473.c counts into the front end's g->tep.st */
	*c = g->tun.ctr;
}

/* The table itself is the front end's, under its lock: every packet
 * looks it up there, so a change needs nothing more here. */
const struct gw_backend gw_backend_tun = {
	.name = "tun",
	.caps = GW_CAP_SHARED_PORTS | GW_CAP_ICMP | GW_CAP_MSS_CLAMP |
	    GW_CAP_NO_HAIRPIN | GW_CAP_AFTR,
	.open = tun_be_open,
	.start = tun_be_start,
	.close = tun_be_close,
	.reroute = tun_be_reroute,
	.stats = tun_be_stats,
};
