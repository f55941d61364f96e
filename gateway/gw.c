/* gw.c - the gateway's front end: the binding table, its lock and
 * generation, the counter names; the backend (be_*.c) carries packets. */
#include "gateway/gw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gw_backend *const backends[] = {
	&gw_backend_tun,
	&gw_backend_bpf,
	&gw_backend_ip6tnl,
};

const char *
gw_backend_name(const struct gw *g)
{
	return g->be->name;
}

/* `auto`: the fast path when it loads here, else tun; the log says
 * which and why.  The config check refused bpf with mss-clamp. */
static int
open_backend(struct gw *g)
{
	int rc;

	if (g->cfg.backend != GW_BACKEND_AUTO) {
		g->be = g->cfg.backend == GW_BACKEND_BPF ? &gw_backend_bpf :
		    g->cfg.backend == GW_BACKEND_IP6TNL ? &gw_backend_ip6tnl :
		    &gw_backend_tun;
		return g->be->open(g);
	}
	if (g->cfg.mss_clamp) {
		log_info("gateway: backend auto: tun (mss-clamp needs it)");
	} else {
		g->be = &gw_backend_bpf;
		if ((rc = g->be->open(g)) == 0) {
			log_info("gateway: backend auto: bpf");
			return 0;
		}
		g->be->close(g);
		log_warnx("gateway: backend auto: tun, as the bpf fast path "
		    "did not load (%s)", strerror(-rc));
	}
	g->be = &gw_backend_tun;
	return g->be->open(g);
}

/* The DSTM pool and the AFTR's public pool (both sorted, disjoint: the
 * config checks refuse an overlap) as one sorted list, in a new array;
 * the AFTR's alone when off is none. */
static int
merge_routes(const struct gw *g, const struct range4 *r, unsigned n,
    struct range4 **out, unsigned *nout)
{
	const struct gw_aftr_settings *a = &g->cfg.aftr;
	unsigned na = a->enable ? a->n_pool : 0, i = 0, j = 0, k = 0;
	struct range4 *v;

	*out = NULL;
	*nout = 0;
	if (n + na == 0)
		return 0;
	if ((v = calloc(n + na, sizeof(*v))) == NULL)
		return -ENOMEM;
	while (i < n || j < na)
		if (j == na || (i < n && r[i].first < a->pool[j].first))
			v[k++] = r[i++];
		else
			v[k++] = a->pool[j++];
	*out = v;
	*nout = k;
	return 0;
}

void
gw_config_init(struct gw_config *gc, const struct gw_settings *s,
    const struct in6_addr *tep6, struct range4 *routes, unsigned n)
{
	memset(gc, 0, sizeof(*gc));
	gc->tep6 = *tep6;
	gc->tep4 = s->tep4;
	gc->icmp_source = s->icmp_source;
	gc->mtu = s->mtu;
	gc->mss_clamp = s->mss_clamp;
	gc->hairpin = s->hairpin;
	gc->backend = s->backend;
	snprintf(gc->ifname, sizeof(gc->ifname), "%s", s->ifname);
	gc->routes = routes;
	gc->n_routes = n;
}

int
gw_open(const struct gw_config *c, struct gw **out)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct gw *g;
	int rc;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	g->cfg = *c;
	g->cfg.routes = NULL;
	g->be = &gw_backend_tun;
	/* the AFTR's public pool is routed into the TUN beside the DSTM's */
	if ((rc = merge_routes(g, c->routes, c->n_routes, &g->cfg.routes,
	    &g->cfg.n_routes)) != 0)
		goto fail;
	if ((rc = binding_table_init(&g->bt, 1024)) != 0)
		goto fail;
	rfc2473_config_default(&g->tep.cfg);
	g->tep.cfg.tep6 = c->tep6;
	g->tep.cfg.gw4 = c->tep4;
	g->tep.cfg.tunnel_mtu = (uint16_t)(c->mtu + 40);
	g->tep.cfg.hairpin = c->hairpin;
	g->tep.bt = &g->bt;
	if ((rc = rfc2473_config_check(&g->tep.cfg)) != 0) {
		log_warnx("gateway: bad tunnel configuration (mtu %u)", c->mtu);
		goto fail;
	}
	if ((rc = aftr_open(g)) != 0)
		goto fail;
	if ((rc = open_backend(g)) != 0)
		goto fail;
	if (g->aftr != NULL && !(g->be->caps & GW_CAP_AFTR)) {
		log_warnx("gateway: backend %s cannot run the AFTR",
		    g->be->name);
		rc = -ENOTSUP;
		goto fail;
	}
	log_info("gateway: TEP %s, IPv4 side %s, tunnel MTU %u, backend %s, "
	    "ICMP source %s, hairpin %s", addr6_ntop(&c->tep6, a, sizeof(a)),
	    g->cfg.ifname, c->mtu, g->be->name, c->icmp_source == 0 ? "auto" :
	    addr4_ntop(c->icmp_source, b, sizeof(b)),
	    c->hairpin ? "yes" : "no");
	*out = g;
	return 0;
fail:
	gw_close(g);
	return rc < 0 ? rc : -EINVAL;
}

int
gw_start(struct gw *g)
{
	return g->be->start(g);
}

void
gw_close(struct gw *g)
{
	if (g == NULL)
		return;
	g->be->close(g);
	aftr_close(g);
	binding_table_free(&g->bt);
	free(g->cfg.routes);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int
gw_set_hairpin(struct gw *g, bool on)
{
	if (!on && !(g->be->caps & GW_CAP_NO_HAIRPIN))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&g->lock);
	g->cfg.hairpin = on;
	g->tep.cfg.hairpin = on;
	pthread_mutex_unlock(&g->lock);
	if (g->be->set_hairpin != NULL)
		g->be->set_hairpin(g, on);
	return 0;
}

int
gw_reroute(struct gw *g, const struct range4 *routes, unsigned n)
{
	struct range4 *all;
	unsigned na;
	int rc;

	if (g->aftr == NULL)
		return g->be->reroute(g, routes, n);
	/* the AFTR's routes stay: [aftr] is not reloaded */
	if ((rc = merge_routes(g, routes, n, &all, &na)) != 0)
		return rc;
	rc = g->be->reroute(g, all, na);
	free(all);
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

int
gw_bind(struct gw *g, uint32_t addr, const struct in6_addr *client,
    int64_t expires)
{
	struct binding moved, b, *old;
	bool fresh;
	int rc;

	pthread_mutex_lock(&g->lock);
	old = binding_lookup4(&g->bt, addr, 0);
	fresh = old == NULL || memcmp(&old->client, client,
	    sizeof(*client)) != 0;
	/* the address moved to another client: the old binding goes */
	rc = binding_set_whole(&g->bt, addr, client, expires, &moved);
	if (rc == 0)
		b = *binding_lookup4(&g->bt, addr, 0);
	pthread_mutex_unlock(&g->lock);
	/* the backend follows outside the lock; one control thread calls
	 * us, so its updates keep their order */
	if (moved.addr4 != 0 && g->be->unbind != NULL)
		g->be->unbind(g, &moved);
	if (rc == 0 && g->be->bind != NULL &&
	    (rc = g->be->bind(g, &b)) != 0 && fresh) {
		/* the data plane cannot carry it (ip6tnl): not bound */
		pthread_mutex_lock(&g->lock);
		binding_unset_whole(&g->bt, addr, client, NULL);
		pthread_mutex_unlock(&g->lock);
	}
	return rc;
}

int
gw_unbind(struct gw *g, uint32_t addr, const struct in6_addr *client)
{
	struct binding gone;
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = binding_unset_whole(&g->bt, addr, client, &gone);
	pthread_mutex_unlock(&g->lock);
	if (rc == 0 && g->be->unbind != NULL)
		g->be->unbind(g, &gone);
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
	return g->be->replace != NULL ? g->be->replace(g) : 0;
}

void
gw_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c,
    size_t *nbindings)
{
	struct rfc2473_stats s;
	struct gw_counters gc;

	pthread_mutex_lock(&g->lock);
	s = g->tep.st;
	if (nbindings != NULL)
		*nbindings = binding_count(&g->bt);
	pthread_mutex_unlock(&g->lock);
	memset(&gc, 0, sizeof(gc));
	g->be->stats(g, &s, &gc);
	if (st != NULL)
		*st = s;
	if (c != NULL)
		*c = gc;
}

bool
gw_binding_counters(struct gw *g, uint32_t addr, struct binding_counters *out)
{
	struct binding *b, copy;

	pthread_mutex_lock(&g->lock);
	if ((b = binding_lookup4(&g->bt, addr, 0)) != NULL)
		copy = *b;
	pthread_mutex_unlock(&g->lock);
	if (b == NULL)
		return false;
	*out = copy.ctr;
	/* what the kernel path counted beside ours */
	if (g->be->binding_counters != NULL)
		g->be->binding_counters(g, &copy, out);
	return true;
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
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		snprintf(name, sizeof(name), "gateway.backend.%s",
		    backends[i]->name);
		fn(arg, name, g->be == backends[i]);
	}
	fn(arg, "gateway.decap.packets", st.decap_pkts);
	fn(arg, "gateway.decap.bytes", st.decap_bytes);
	fn(arg, "gateway.encap.packets", st.encap_pkts);
	fn(arg, "gateway.encap.bytes", st.encap_bytes);
	fn(arg, "gateway.encap.fragmented", st.encap_fragmented);
	fn(arg, "gateway.hairpin", st.hairpin);
	fn(arg, "gateway.icmp.sent", gc.icmp_sent);
	fn(arg, "gateway.icmp.suppressed", gc.icmp_suppressed);
	fn(arg, "gateway.mss_clamped", gc.mss_clamped);
	fn(arg, "gateway.write_errors", gc.write_errors);
	for (int d = 1; d < RFC2473_DROP_MAX; d++) {
		snprintf(name, sizeof(name), "gateway.drop.%s",
		    rfc2473_drop_name((enum rfc2473_drop)d));
		fn(arg, name, st.drops[d]);
	}
	if (g->be->counters != NULL)
		g->be->counters(g, fn, arg);
	aftr_counters(g, fn, arg);
}

struct binding *
gw_snapshot(struct gw *g, size_t *n)
{
	struct binding *v;

	pthread_mutex_lock(&g->lock);
	*n = binding_count(&g->bt);
	if ((v = calloc(*n + 1, sizeof(*v))) != NULL)
		for (size_t i = 0; i < *n; i++)
			v[i] = *binding_at(&g->bt, i);
	pthread_mutex_unlock(&g->lock);
	return v;
}
