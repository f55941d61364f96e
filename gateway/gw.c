/* gw.c - the tunnel end point at run time; see gw.h. */
#include "gateway/gw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

typedef int (*prefix_fn)(struct gw *g, uint32_t addr, uint8_t len);

static int
range_prefixes(struct gw *g, const struct range4 *r, prefix_fn fn)
{
	uint64_t a = r->first, last = r->last;
	int rc;

	while (a <= last) {
		uint8_t len = 32;

		/* grow the block while aligned and inside the range */
		while (len > 0) {
			uint64_t size = 1ull << (33 - len);

			if ((a & (size - 1)) != 0 || a + size - 1 > last)
				break;
			len--;
		}
		if ((rc = fn(g, (uint32_t)a, len)) != 0)
			return rc;
		a += 1ull << (32 - len);
	}
	return 0;
}

static int
route_add(struct gw *g, uint32_t addr, uint8_t len)
{
	struct knl_route4 r = { .dst = addr, .len = len, .ifindex = g->ifindex };

	return knl_route4_add(g->nl, &r, KNL_REPLACE);
}

static int
route_del(struct gw *g, uint32_t addr, uint8_t len)
{
	struct knl_route4 r = { .dst = addr, .len = len, .ifindex = g->ifindex };

	knl_route4_del(g->nl, &r);
	return 0;
}

int
gw_open(const struct gw_config *c, struct gw **out)
{
	char name[16], a[ADDR_STRLEN];
	struct gw *g;
	int rc;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -ENOMEM;
	g->tun_fd = g->raw_fd = -1;
	g->cfg = *c;
	g->cfg.routes = NULL;
	g->rl_log = (struct log_ratelimit)LOG_RATELIMIT_INIT(60, 10);
	pthread_mutex_init(&g->lock, NULL);
	if (c->n_routes > 0) {
		g->cfg.routes = calloc(c->n_routes, sizeof(*c->routes));
		if (g->cfg.routes == NULL)
			return -ENOMEM;
		memcpy(g->cfg.routes, c->routes, c->n_routes *
		    sizeof(*c->routes));
	}
	if ((rc = binding_table_init(&g->bt, 1024)) != 0)
		goto fail;
	rfc2473_config_default(&g->tep.cfg);
	g->tep.cfg.tep6 = c->tep6;
	g->tep.cfg.gw4 = c->tep4;
	g->tep.cfg.tunnel_mtu = (uint16_t)(c->mtu + 40);
	/* the kernel already decremented the TTL when it routed the packet
	 * into the TUN: a second decrement would count us twice */
	g->tep.cfg.decrement_ttl = false;
	g->tep.bt = &g->bt;
	if ((rc = rfc2473_config_check(&g->tep.cfg)) != 0) {
		log_warnx("gateway: bad tunnel configuration (mtu %u)", c->mtu);
		goto fail;
	}
	g->buf = malloc(GW_OUT_MAX + GW_FRAG_ROOM);
	if (g->buf == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = knl_open(&g->nl)) != 0) {
		log_warnx("gateway: netlink: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = tun_open(c->ifname, 0, name, sizeof(name))) < 0) {
		log_warnx("gateway: TUN %s: %s", c->ifname, strerror(-rc));
		goto fail;
	}
	g->tun_fd = rc;
	if ((rc = knl_link_index(g->nl, name)) < 0)
		goto fail;
	g->ifindex = rc;
	/* we see every packet and apply the tunnel MTU ourselves (ICMP
	 * frag-needed or fragmentation), counted in one place */
	/* no link-local address, router solicitations or MLD into the TUN */
	knl_disable_ipv6(name, true);
	if ((rc = knl_link_set_mtu(g->nl, g->ifindex, 65535)) != 0 ||
	    (rc = knl_link_set_up(g->nl, g->ifindex, true)) != 0) {
		log_warnx("gateway: %s up: %s", name, strerror(-rc));
		goto fail;
	}
	knl_rp_filter(name, 0);
	if ((rc = knl_forwarding(AF_INET, true)) != 0)
		log_warnx("gateway: cannot enable IPv4 forwarding: %s",
		    strerror(-rc));
	for (unsigned i = 0; i < g->cfg.n_routes; i++)
		if ((rc = range_prefixes(g, &g->cfg.routes[i], route_add)) != 0) {
			log_warnx("gateway: route pool into %s: %s", name,
			    strerror(-rc));
			goto fail;
		}
	if ((rc = raw6_open(&c->tep6)) < 0) {
		log_warnx("gateway: raw IPIP socket on %s: %s",
		    addr6_ntop(&c->tep6, a, sizeof(a)), strerror(-rc));
		goto fail;
	}
	g->raw_fd = rc;
	raw6_set_bufsize(g->raw_fd, 4 << 20, 4 << 20);
	snprintf(g->cfg.ifname, sizeof(g->cfg.ifname), "%s", name);
	log_info("gateway: TEP %s, IPv4 side %s, tunnel MTU %u",
	    addr6_ntop(&c->tep6, a, sizeof(a)), name, c->mtu);
	*out = g;
	return 0;
fail:
	gw_close(g);
	return rc < 0 ? rc : -EINVAL;
}

/* A set of prefixes, in the ascending order range_prefixes makes them. */
struct pset {
	struct prefix4	*v;
	size_t		 n, cap;
};

static int
pset_add(struct gw *g, uint32_t addr, uint8_t len)
{
	struct pset *p = g->reroute;

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
route_del_stale(struct gw *g, uint32_t addr, uint8_t len)
{
	if (!pset_has(g->reroute, addr, len))
		(void)route_del(g, addr, len);
	return 0;
}

/* New pools (a reload): add or update every new route first, then delete
 * the old ones that went away, so an address in both never loses its
 * route.  Keeps going past a failure; returns the first. */
int
gw_reroute(struct gw *g, const struct range4 *routes, unsigned n)
{
	struct pset keep = { NULL, 0, 0 };
	struct range4 *nr = NULL;
	int rc = 0, r;

	if (n > 0 && (nr = calloc(n, sizeof(*nr))) == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(nr, routes, n * sizeof(*nr));
	g->reroute = &keep;
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = range_prefixes(g, &nr[i], pset_add);
	if (rc != 0) {
		free(keep.v);
		free(nr);
		g->reroute = NULL;
		return rc;
	}
	for (size_t i = 0; i < keep.n; i++)
		if ((r = route_add(g, keep.v[i].addr, keep.v[i].len)) != 0 &&
		    rc == 0)
			rc = r;
	for (unsigned i = 0; i < g->cfg.n_routes; i++)
		range_prefixes(g, &g->cfg.routes[i], route_del_stale);
	g->reroute = NULL;
	free(keep.v);
	free(g->cfg.routes);
	g->cfg.routes = nr;
	g->cfg.n_routes = n;
	return rc;
}

bool
gw_binding_outside(struct gw *g, const struct range4 *r, unsigned n,
    uint32_t *addr)
{
	bool found = false;

	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; i < binding_count(&g->bt) && !found; i++) {
		const struct binding *b = binding_at(&g->bt, i);

		if (b != NULL && !range4_find(r, n, b->addr4)) {
			*addr = b->addr4;
			found = true;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return found;
}

/* ---- ICMPv4 errors back into the IPv4 network, rate-limited ---- */

static bool
icmp_ok(struct gw *g, int64_t now)
{
	if (now != g->icmp_window) {
		g->icmp_window = now;
		g->icmp_count = 0;
	}
	if (g->icmp_count >= GW_ICMP_PER_SEC) {
		g->ctr.icmp_suppressed++;
		return false;
	}
	g->icmp_count++;
	return true;
}

static void
send_icmp(struct gw *g, int (*build)(const uint8_t *, size_t, uint32_t,
    uint8_t *, size_t, size_t *), const uint8_t *pkt, size_t len,
    uint8_t *out, int64_t now)
{
	size_t n;

	if (!icmp_ok(g, now) || build(pkt, len, g->cfg.tep4, out, GW_OUT_MAX,
	    &n) != 0)
		return;
	if (tun_write(g->tun_fd, out, n) == 0)
		g->ctr.icmp_sent++;
}

static void
log_drop(struct gw *g, const char *dir, enum rfc2473_drop d)
{
	uint32_t n = log_ratelimit_ok(&g->rl_log);

	if (n > 1)
		log_info("gateway: %s drop: %s (%u more not logged)", dir,
		    rfc2473_drop_name(d), n - 1);
	else if (n == 1)
		log_debug("gateway: %s drop: %s", dir, rfc2473_drop_name(d));
}

static void
gw_from_client(struct gw *g, uint8_t *pkt, size_t len,
    const struct in6_addr *src6, int64_t now)
{
	struct rfc2473_result res;
	enum rfc2473_verdict v;

	pthread_mutex_lock(&g->lock);
	v = rfc2473_decap_inner(pkt, len, src6, &g->tep, now, &res);
	pthread_mutex_unlock(&g->lock);
	if (v != RFC2473_OK) {
		log_drop(g, "decap", res.drop);
		return;
	}
	if (g->cfg.mss_clamp && tcp_mss_clamp(pkt + res.off, res.len,
	    rfc2473_mss(&g->tep.cfg)) > 0)
		g->ctr.mss_clamped++;
	if (tun_write(g->tun_fd, pkt + res.off, res.len) != 0)
		g->ctr.write_errors++;
}

static void
send_to_client(struct gw *g, const uint8_t *out, size_t n,
    const struct in6_addr *dst)
{
	struct raw6_pkt p;

	/* the raw IPIP socket builds the IPv6 header itself: hand it the
	 * inner packet (rfc2473 wrote it after its 40-byte header) */
	memset(&p, 0, sizeof(p));
	p.buf = (uint8_t *)out + 40;
	p.len = n - 40;
	p.dst = *dst;
	p.src = g->cfg.tep6;
	if (raw6_send(g->raw_fd, &p) != 0)
		g->ctr.write_errors++;
}

/* RFC 2473 7.1: DF clear and too big for the tunnel: fragment the inner
 * packet and encapsulate each piece into g->frags, under the lock (the
 * binding's counters move); the caller sends them once it is dropped. */
static void
fragment(struct gw *g, const uint8_t *pkt, size_t len,
    const struct rfc2473_result *res)
{
	uint8_t piece[GW_OUT_MAX / 2], *at = g->buf + GW_OUT_MAX;
	size_t room = GW_FRAG_ROOM, flen, olen;
	struct ipv4_frag f;

	g->nfrags = 0;
	if (ipv4_frag_init(&f, pkt, len, res->mtu) != 0)
		return;
	while (g->nfrags < GW_MAX_FRAGS &&
	    ipv4_frag_next(&f, piece, sizeof(piece), &flen) > 0) {
		if (rfc2473_encap_binding(piece, flen, &g->tep, res->binding,
		    at, room, &olen) != RFC2473_OK)
			break;
		g->frags[g->nfrags].buf = at;
		g->frags[g->nfrags++].len = olen;
		at += olen;
		room -= olen;
	}
}

static void
gw_from_ipv4(struct gw *g, uint8_t *pkt, size_t len, int64_t now)
{
	uint8_t *out = g->buf;
	struct rfc2473_result res;
	struct in6_addr dst;
	enum rfc2473_verdict v;

	if (g->cfg.mss_clamp && tcp_mss_clamp(pkt, len,
	    rfc2473_mss(&g->tep.cfg)) > 0)
		g->ctr.mss_clamped++;
	pthread_mutex_lock(&g->lock);
	v = rfc2473_encap(pkt, len, &g->tep, now, out, GW_OUT_MAX, &res);
	if (res.binding != NULL)
		dst = res.binding->client;
	if (v == RFC2473_FRAGMENT_NEEDED && res.binding != NULL) {
		fragment(g, pkt, len, &res);
		pthread_mutex_unlock(&g->lock);
		for (unsigned i = 0; i < g->nfrags; i++)
			send_to_client(g, g->frags[i].buf, g->frags[i].len,
			    &dst);
		return;
	}
	pthread_mutex_unlock(&g->lock);
	switch (v) {
	case RFC2473_OK:
		send_to_client(g, out, res.out_len, &dst);
		break;
	case RFC2473_NO_BINDING:
		send_icmp(g, icmp4_host_unreachable, pkt, len, out, now);
		log_drop(g, "encap", res.drop);
		break;
	case RFC2473_TTL_EXCEEDED:
		send_icmp(g, icmp4_time_exceeded, pkt, len, out, now);
		break;
	case RFC2473_TOO_BIG: {
		size_t n;

		if (icmp_ok(g, now) && icmp4_frag_needed(pkt, len, res.mtu,
		    g->cfg.tep4, out, GW_OUT_MAX, &n) == 0 &&
		    tun_write(g->tun_fd, out, n) == 0)
			g->ctr.icmp_sent++;
		break;
	}
	default:
		log_drop(g, "encap", res.drop);
		break;
	}
}

/* ---- the data-plane thread ---- */

static void
pump_raw(void *arg, struct raw6_pkt *p)
{
	gw_from_client(arg, p->buf, p->len, &p->src, (int64_t)time(NULL));
}

static void
pump_tun(void *arg, struct tun_pkt *p, int n)
{
	int64_t now = (int64_t)time(NULL);

	for (int i = 0; i < n; i++)
		gw_from_ipv4(arg, p[i].buf, p[i].len, now);
}

static const struct pump_ops gw_pump_ops = {
	.from_raw = pump_raw,
	.from_tun = pump_tun,
};

int
gw_start(struct gw *g)
{
	return pump_start(&g->pump, g->tun_fd, g->raw_fd, &gw_pump_ops, g);
}

void
gw_close(struct gw *g)
{
	if (g == NULL)
		return;
	pump_stop(&g->pump);
	if (g->nl != NULL && g->ifindex > 0)
		for (unsigned i = 0; i < g->cfg.n_routes; i++)
			range_prefixes(g, &g->cfg.routes[i], route_del);
	if (g->raw_fd >= 0)
		raw6_close(g->raw_fd);
	if (g->tun_fd >= 0)
		tun_close(g->tun_fd);	/* the device goes with its fd */
	if (g->nl != NULL)
		knl_close(g->nl);
	binding_table_free(&g->bt);
	free(g->cfg.routes);
	free(g->buf);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* ---- control-plane side ---- */

int
gw_bind(struct gw *g, uint32_t addr, const struct in6_addr *client,
    int64_t expires)
{
	struct binding b;
	struct binding *old;
	int rc;

	memset(&b, 0, sizeof(b));
	b.client = *client;
	b.addr4 = addr;
	b.port_min = BINDING_PORT_ALL_MIN;
	b.port_max = BINDING_PORT_ALL_MAX;
	b.expires = expires;
	pthread_mutex_lock(&g->lock);
	/* the address moved to another client: the old binding goes */
	old = binding_lookup4(&g->bt, addr, 0);
	if (old != NULL && memcmp(&old->client, client, sizeof(*client)) != 0)
		binding_remove(&g->bt, addr, old->port_min);
	rc = binding_add(&g->bt, &b);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

int
gw_unbind(struct gw *g, uint32_t addr, const struct in6_addr *client)
{
	struct binding *b;
	int rc = -ENOENT;

	pthread_mutex_lock(&g->lock);
	b = binding_lookup4(&g->bt, addr, 0);
	if (b != NULL && (client == NULL ||
	    memcmp(&b->client, client, sizeof(*client)) == 0))
		rc = binding_remove(&g->bt, addr, b->port_min);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

int
gw_replace(struct gw *g, const struct binding *v, size_t n)
{
	struct binding_table nt;
	int rc;

	if ((rc = binding_table_init(&nt, n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = binding_add(&nt, &v[i])) != 0) {
			binding_table_free(&nt);
			return rc;
		}
	pthread_mutex_lock(&g->lock);
	/* keep the counters of bindings that survive */
	for (size_t i = 0; i < binding_count(&nt); i++) {
		struct binding *nb = binding_at(&nt, i);
		struct binding *ob = binding_lookup4(&g->bt, nb->addr4,
		    nb->port_min);

		if (ob != NULL && memcmp(&ob->client, &nb->client,
		    sizeof(nb->client)) == 0)
			nb->ctr = ob->ctr;
	}
	binding_table_free(&g->bt);
	g->bt = nt;
	g->tep.bt = &g->bt;
	pthread_mutex_unlock(&g->lock);
	return 0;
}

void
gw_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c,
    size_t *nbindings)
{
	pthread_mutex_lock(&g->lock);
	if (st != NULL)
		*st = g->tep.st;
	if (c != NULL)
		*c = g->ctr;
	if (nbindings != NULL)
		*nbindings = binding_count(&g->bt);
	pthread_mutex_unlock(&g->lock);
}

bool
gw_binding_counters(struct gw *g, uint32_t addr, struct binding_counters *out)
{
	struct binding *b;

	pthread_mutex_lock(&g->lock);
	b = binding_lookup4(&g->bt, addr, 0);
	if (b != NULL)
		*out = b->ctr;
	pthread_mutex_unlock(&g->lock);
	return b != NULL;
}

void
gw_counters(struct gw *g, gw_counter_fn *fn, void *arg)
{
	struct rfc2473_stats st;
	struct gw_counters gc;
	char name[64];
	size_t nb;

	gw_stats(g, &st, &gc, &nb);
	fn(arg, "gateway.bindings", nb);
	fn(arg, "gateway.decap.packets", st.decap_pkts);
	fn(arg, "gateway.decap.bytes", st.decap_bytes);
	fn(arg, "gateway.encap.packets", st.encap_pkts);
	fn(arg, "gateway.encap.bytes", st.encap_bytes);
	fn(arg, "gateway.encap.fragmented", st.encap_fragmented);
	fn(arg, "gateway.icmp.sent", gc.icmp_sent);
	fn(arg, "gateway.icmp.suppressed", gc.icmp_suppressed);
	fn(arg, "gateway.mss-clamped", gc.mss_clamped);
	fn(arg, "gateway.write-errors", gc.write_errors);
	for (int d = 1; d < RFC2473_DROP_MAX; d++) {
		snprintf(name, sizeof(name), "gateway.drop.%s",
		    rfc2473_drop_name((enum rfc2473_drop)d));
		fn(arg, name, st.drops[d]);
	}
}
