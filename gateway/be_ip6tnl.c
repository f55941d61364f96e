/* be_ip6tnl.c - the `ip6tnl` backend: one Linux ip6tnl device per
 * binding (kernel/ip6tnl.h), as the original dstm's dti module made one
 * interface per lease.  The kernel carries every packet; nothing passes
 * through user space.
 *
 * Per binding: a device "dti" + the leased address in hex (198.51.100.1
 * is dtic6336401), mode ipip6, local = TEP, remote = the client, no
 * encapsulation limit option, MTU = the tunnel MTU; the leased /32 routed
 * into it; strict reverse-path filtering on it (rp_filter = 1), so that
 * IPv4 decapsulated from the client enters only with the bound source
 * (RFC 7596 6.2): a sysctl per device, no firewall dependency, and the
 * kernel counts the drops (IPReversePathFilter).  The pool itself gets an
 * unreachable route: traffic to an unbound pool address is answered by
 * the kernel with ICMP host unreachable instead of leaving by the default
 * route.  4in6 from a client without a device finds no tunnel and is
 * dropped by the kernel.
 *
 * What the kernel does not do: TCP MSS clamping (the config refuses
 * mss-clamp with ip6tnl), shared-port bindings (one device per address;
 * the gateway program refuses port ranges anyway), two addresses for one
 * client (the kernel allows one device per pair of endpoints).
 *
 * Expiry: the front end's table keeps a binding until the server says,
 * but a standalone gateway whose server froze must stop an expired one:
 * a thread withdraws the /32 route of each expired binding once a second
 * (traffic to it then meets the unreachable route, traffic from it the
 * reverse-path filter) and a renewal puts it back.
 *
 * Restart: devices of ours (our name pattern, local = this TEP) that a
 * killed daemon left are taken over, not recreated, so their traffic
 * never stops; those the new table does not bind are removed at start
 * (co-located: the journal's bindings are all bound by then) or at the
 * first SYNC (standalone: the table arrives from the server). */
#include "gateway/gw.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "kernel/ip6tnl.h"
#include "kernel/nl.h"

#define TNL_PREFIX	"dti"
#define TNL_MIN_BUCKETS	256

struct tnl_dev {
	struct tnl_dev	*next;		/* hash chain by addr4 */
	uint32_t	 addr4;
	struct in6_addr	 client;
	int		 ifindex;
	unsigned	 mtu;
	int64_t		 expires;
	bool		 routed;	/* the /32 points into it */
	uint32_t	 mark;		/* bound in this sweep generation */
	uint64_t	 rx_seen;	/* last_seen: rx moved since */
	int64_t		 last_seen;
};

struct gw_ip6tnl {
	pthread_mutex_t	 mu;		/* everything below, and the socket */
	pthread_cond_t	 cv;
	pthread_t	 expiry;
	bool		 running, stop;
	struct knl	*nl;
	struct tnl_dev	**head;
	uint32_t	 nbuckets;	/* a power of two */
	size_t		 count;
	uint32_t	 mark;
	uint64_t	 created, removed, adopted, expired, errors;
	struct loglimit rl;
};

/* ---- the device table ---- */

static uint32_t
bucket(const struct gw_ip6tnl *t, uint32_t addr4)
{
	return (uint32_t)hash_mix64(addr4) & (t->nbuckets - 1);
}

static struct tnl_dev *
dev_find(const struct gw_ip6tnl *t, uint32_t addr4)
{
	for (struct tnl_dev *d = t->head[bucket(t, addr4)]; d != NULL;
	    d = d->next)
		if (d->addr4 == addr4)
			return d;
	return NULL;
}

static int
grow(struct gw_ip6tnl *t)
{
	uint32_t n = t->nbuckets * 2;
	struct tnl_dev **h = calloc(n, sizeof(*h)), **old = t->head;
	uint32_t on = t->nbuckets;

	if (h == NULL)
		return -ENOMEM;
	t->head = h;
	t->nbuckets = n;
	for (uint32_t i = 0; i < on; i++)
		while (old[i] != NULL) {
			struct tnl_dev *d = old[i];

			old[i] = d->next;
			d->next = h[bucket(t, d->addr4)];
			h[bucket(t, d->addr4)] = d;
		}
	free(old);
	return 0;
}

static struct tnl_dev *
dev_insert(struct gw_ip6tnl *t, uint32_t addr4)
{
	struct tnl_dev *d;
	uint32_t h;

	if (t->count >= t->nbuckets && grow(t) != 0)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->addr4 = addr4;
	h = bucket(t, addr4);
	d->next = t->head[h];
	t->head[h] = d;
	t->count++;
	return d;
}

static void
dev_remove(struct gw_ip6tnl *t, struct tnl_dev *d)
{
	struct tnl_dev **p = &t->head[bucket(t, d->addr4)];

	while (*p != d)
		p = &(*p)->next;
	*p = d->next;
	t->count--;
	free(d);
}

static void
dev_name(uint32_t addr4, char *buf, size_t len)
{
	snprintf(buf, len, TNL_PREFIX "%08" PRIx32, addr4);
}

/* ours: "dti" + 8 lowercase hex digits; the address in *addr4 */
static bool
name_is_ours(const char *name, uint32_t *addr4)
{
	char *end;
	unsigned long v;

	if (strncmp(name, TNL_PREFIX, sizeof(TNL_PREFIX) - 1) != 0 ||
	    strlen(name) != sizeof(TNL_PREFIX) - 1 + 8)
		return false;
	for (const char *c = name + sizeof(TNL_PREFIX) - 1; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	v = strtoul(name + sizeof(TNL_PREFIX) - 1, &end, 16);
	*addr4 = (uint32_t)v;
	return *end == '\0';
}

/* ---- the kernel side of one binding ---- */

static void
log_fail(struct gw_ip6tnl *t, const char *what, uint32_t addr4, int rc)
{
	char a[ADDR_STRLEN];

	t->errors++;
	log_limited(&t->rl, LOG_LVL_ERR, "gateway: ip6tnl: %s %s: %s", what,
	    addr4_ntop(addr4, a, sizeof(a)), strerror(-rc));
}

static int
route(struct gw_ip6tnl *t, struct tnl_dev *d, bool add)
{
	struct knl_route4 r = { .dst = d->addr4, .len = 32,
	    .ifindex = d->ifindex };
	int rc;

	if (add) {
		rc = knl_route4_add(t->nl, &r, KNL_REPLACE);
		d->routed = rc == 0;
	} else {
		rc = knl_route4_del(t->nl, &r);
		d->routed = false;
		if (rc == -ESRCH || rc == -ENOENT)
			rc = 0;
	}
	if (rc != 0)
		log_fail(t, add ? "route" : "unroute", d->addr4, rc);
	return rc;
}

/* The per-device settings that make it a DSTM tunnel: IPv4 only, only
 * the bound source in (strict rp_filter), and no ICMP redirect for a
 * client whose packet to another client leaves by another tunnel (the
 * kernel sends one when "all" or the device asks; tnl_open turns "all"
 * off).  Before it goes up. */
static int
dev_settings(const char *name)
{
	char path[64];
	int rc;

	knl_disable_ipv6(name, true);	/* no link-local, no MLD */
	if ((rc = knl_rp_filter(name, 1)) != 0)
		return rc;
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/send_redirects", name);
	return knl_sysctl_set(path, "0");
}

static int
dev_create(struct gw *g, struct tnl_dev *d, const struct in6_addr *client)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	struct knl_ip6tnl k;
	int rc;

	memset(&k, 0, sizeof(k));
	dev_name(d->addr4, k.name, sizeof(k.name));
	k.local = g->cfg.tep6;
	k.remote = *client;
	k.mtu = g->cfg.mtu;
	rc = knl_ip6tnl_add(t->nl, &k);
	if (rc == -EEXIST) {
		int ifindex = knl_link_index(t->nl, k.name);

		/* no such name: another device has these end points */
		if (ifindex < 0) {
			char a[ADDR_STRLEN];

			log_warnx("gateway: ip6tnl: %s already has a tunnel: "
			    "one address per client", addr6_ntop(client, a,
			    sizeof(a)));
			return -EEXIST;
		}
		/* the name is there but not in our table: take it over */
		if ((rc = knl_ip6tnl_change(t->nl, ifindex, &k)) == 0)
			rc = ifindex;
	}
	if (rc < 0)
		return rc;
	d->ifindex = rc;
	d->client = *client;
	d->mtu = g->cfg.mtu;
	if ((rc = dev_settings(k.name)) != 0 ||
	    (rc = knl_link_set_up(t->nl, d->ifindex, true)) != 0) {
		knl_ip6tnl_del(t->nl, d->ifindex);
		return rc;
	}
	t->created++;
	return 0;
}

/* The device for b, created or brought in line, its route as the expiry
 * says.  Under t->mu. */
static int
dev_bind(struct gw *g, const struct binding *b, int64_t now)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	struct tnl_dev *d = dev_find(t, b->addr4);
	bool fresh = d == NULL;
	int rc = 0;

	if (binding_is_shared(b))
		return -EOPNOTSUPP;
	if (fresh && (d = dev_insert(t, b->addr4)) == NULL)
		return -ENOMEM;
	if (fresh) {
		rc = dev_create(g, d, &b->client);
	} else if (memcmp(&d->client, &b->client, sizeof(b->client)) != 0 ||
	    d->mtu != g->cfg.mtu) {
		struct knl_ip6tnl k = { .local = g->cfg.tep6,
		    .remote = b->client, .mtu = g->cfg.mtu };

		if ((rc = knl_ip6tnl_change(t->nl, d->ifindex, &k)) == 0) {
			d->client = b->client;
			d->mtu = g->cfg.mtu;
		}
	}
	if (rc != 0) {
		log_fail(t, "tunnel for", b->addr4, rc);
		if (fresh)
			dev_remove(t, d);
		return rc;
	}
	d->expires = b->expires;
	d->mark = t->mark;
	if (binding_expired(b, now))
		return d->routed ? route(t, d, false) : 0;
	return d->routed ? 0 : route(t, d, true);
}

static void
dev_unbind(struct gw_ip6tnl *t, struct tnl_dev *d)
{
	int rc = knl_ip6tnl_del(t->nl, d->ifindex);

	/* its routes go with it */
	if (rc != 0 && rc != -ENODEV)
		log_fail(t, "remove tunnel of", d->addr4, rc);
	else
		t->removed++;
	dev_remove(t, d);
}

/* Remove every device not bound since the mark moved. */
static void
sweep(struct gw_ip6tnl *t)
{
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct tnl_dev *d = t->head[i], *next;

		for (; d != NULL; d = next) {
			next = d->next;
			if (d->mark != t->mark)
				dev_unbind(t, d);
		}
	}
}

/* ---- the pool: unreachable, so the kernel answers for free addresses */

static int
pool_add(void *arg, uint32_t addr, uint8_t len)
{
	struct knl_route4 r = { .dst = addr, .len = len,
	    .type = RTN_UNREACHABLE };

	return knl_route4_add(arg, &r, KNL_REPLACE);
}

static int
pool_del(void *arg, uint32_t addr, uint8_t len)
{
	struct knl_route4 r = { .dst = addr, .len = len,
	    .type = RTN_UNREACHABLE };

	knl_route4_del(arg, &r);
	return 0;
}

struct pool_keep {
	struct knl		*nl;
	const struct range4	*r;
	unsigned		 n;
};

static int
prefix_in(void *arg, uint32_t addr, uint8_t len)
{
	const uint32_t *want = arg;

	return addr == want[0] && len == want[1];
}

/* delete an old prefix unless the new pool has exactly it too */
static int
pool_del_stale(void *arg, uint32_t addr, uint8_t len)
{
	struct pool_keep *k = arg;
	uint32_t want[2] = { addr, len };

	for (unsigned i = 0; i < k->n; i++)
		if (range4_prefixes(&k->r[i], prefix_in, want) != 0)
			return 0;
	return pool_del(k->nl, addr, len);
}

/* ---- take over what a previous run left ---- */

static int
adopt(void *arg, const struct knl_ip6tnl *k, const struct knl_link_stats *st)
{
	struct gw *g = arg;
	struct gw_ip6tnl *t = g->ip6tnl;
	struct tnl_dev *d;
	uint32_t addr4;

	if (!name_is_ours(k->name, &addr4) || !k->ipip6 ||
	    memcmp(&k->local, &g->cfg.tep6, sizeof(k->local)) != 0 ||
	    dev_find(t, addr4) != NULL)
		return 0;
	if ((d = dev_insert(t, addr4)) == NULL)
		return -ENOMEM;
	d->ifindex = k->ifindex;
	d->client = k->remote;
	d->mtu = k->mtu;
	d->mark = t->mark - 1;		/* not bound yet */
	d->rx_seen = st->rx_packets;
	/* its settings again: this run's rules, whoever made it */
	dev_settings(k->name);
	if (!k->up)
		knl_link_set_up(t->nl, d->ifindex, true);
	t->adopted++;
	return 0;
}

/* ---- expiry ---- */

static void *
expiry_main(void *arg)
{
	struct gw *g = arg;
	struct gw_ip6tnl *t = g->ip6tnl;
	struct timespec ts;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		int64_t now = (int64_t)time(NULL);

		for (uint32_t i = 0; i < t->nbuckets; i++)
			for (struct tnl_dev *d = t->head[i]; d != NULL;
			    d = d->next)
				if (d->routed && d->expires != 0 &&
				    d->expires <= now) {
					route(t, d, false);
					t->expired++;
				}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* ---- the seam ---- */

static int
tnl_open(struct gw *g)
{
	struct gw_ip6tnl *t;
	char why[256], v[16] = "";
	int rc;

	if ((rc = knl_ip6tnl_load(why, sizeof(why))) != 0) {
		log_warnx("gateway: backend ip6tnl: %s", why);
		return rc;
	}
	/* the per-device strict check is max(all, device): loose mode on
	 * "all" would let any routable source in */
	if (knl_sysctl_get("net/ipv4/conf/all/rp_filter", v, sizeof(v)) == 0 &&
	    strcmp(v, "2") == 0) {
		log_warnx("gateway: backend ip6tnl: net.ipv4.conf.all."
		    "rp_filter = 2 (loose) overrides the strict source check "
		    "on each tunnel; set it to 0 or 1");
		return -EPERM;
	}
	if ((t = g->ip6tnl = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	loglimit_init(&t->rl, "gateway: ip6tnl errors", 60000, 10);
	t->nbuckets = TNL_MIN_BUCKETS;
	t->mark = 1;
	if ((t->head = calloc(t->nbuckets, sizeof(*t->head))) == NULL)
		return -ENOMEM;
	if ((rc = knl_open(&t->nl)) != 0) {
		log_warnx("gateway: netlink: %s", strerror(-rc));
		return rc;
	}
	if ((rc = knl_forwarding(AF_INET, true)) != 0)
		log_warnx("gateway: cannot enable IPv4 forwarding: %s",
		    strerror(-rc));
	if (knl_sysctl_set("net/ipv4/conf/all/send_redirects", "0") != 0)
		log_warnx("gateway: ip6tnl: cannot turn ICMP redirects off");
	for (unsigned i = 0; i < g->cfg.n_routes; i++)
		if ((rc = range4_prefixes(&g->cfg.routes[i], pool_add,
		    t->nl)) != 0) {
			log_warnx("gateway: ip6tnl: unreachable route for the "
			    "pool: %s", strerror(-rc));
			return rc;
		}
	if ((rc = knl_ip6tnl_list(t->nl, adopt, g)) != 0) {
		log_warnx("gateway: ip6tnl: listing devices: %s",
		    strerror(-rc));
		return rc;
	}
	if (t->adopted > 0)
		log_info("gateway: ip6tnl: %" PRIu64 " tunnel%s of a previous "
		    "run taken over", t->adopted, t->adopted == 1 ? "" : "s");
	snprintf(g->cfg.ifname, sizeof(g->cfg.ifname), TNL_PREFIX "*");
	return 0;
}

static int
tnl_start(struct gw *g)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	size_t before;
	int rc;

	pthread_mutex_lock(&t->mu);
	/* co-located, the journal's bindings are bound by now; standalone,
	 * the first SYNC decides */
	if (!g->cfg.table_by_sync && t->adopted > 0) {
		before = t->count;
		sweep(t);
		if (before != t->count)
			log_info("gateway: ip6tnl: %zu stale tunnel%s removed",
			    before - t->count, before - t->count == 1 ? "" :
			    "s");
	}
	pthread_mutex_unlock(&t->mu);
	if ((rc = pthread_create(&t->expiry, NULL, expiry_main, g)) != 0)
		return -rc;
	t->running = true;
	return 0;
}

static void
tnl_close(struct gw *g)
{
	struct gw_ip6tnl *t = g->ip6tnl;

	if (t == NULL)
		return;
	if (t->running) {
		pthread_mutex_lock(&t->mu);
		t->stop = true;
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->expiry, NULL);
	}
	if (t->nl != NULL) {
		/* stopped means no traffic, as with the other backends */
		t->mark++;
		if (t->head != NULL)
			sweep(t);
		for (unsigned i = 0; i < g->cfg.n_routes; i++)
			range4_prefixes(&g->cfg.routes[i], pool_del, t->nl);
		knl_close(t->nl);
	}
	free(t->head);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
	g->ip6tnl = NULL;
}

static int
tnl_bind(struct gw *g, const struct binding *b)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	int rc;

	pthread_mutex_lock(&t->mu);
	rc = dev_bind(g, b, (int64_t)time(NULL));
	pthread_mutex_unlock(&t->mu);
	return rc;
}

static void
tnl_unbind(struct gw *g, const struct binding *b)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	struct tnl_dev *d;

	pthread_mutex_lock(&t->mu);
	if ((d = dev_find(t, b->addr4)) != NULL &&
	    memcmp(&d->client, &b->client, sizeof(b->client)) == 0)
		dev_unbind(t, d);
	pthread_mutex_unlock(&t->mu);
}

/* SYNC: the front end's table was swapped.  Bind what it holds (the
 * devices of survivors stay, with their counters), then remove the
 * rest. */
static int
tnl_replace(struct gw *g)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	struct binding *v;
	int64_t now = (int64_t)time(NULL);
	size_t n;
	int rc = 0;

	if ((v = gw_snapshot(g, &n)) == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&t->mu);
	t->mark++;
	for (size_t i = 0; i < n; i++)
		if (dev_bind(g, &v[i], now) != 0 && rc == 0)
			rc = -EIO;
	sweep(t);
	pthread_mutex_unlock(&t->mu);
	free(v);
	return rc;
}

static int
tnl_reroute(struct gw *g, const struct range4 *r, unsigned n)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	struct pool_keep keep = { t->nl, r, n };
	struct range4 *nr = NULL;
	int rc = 0, e;

	if (n > 0 && (nr = calloc(n, sizeof(*nr))) == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(nr, r, n * sizeof(*nr));
	pthread_mutex_lock(&t->mu);
	for (unsigned i = 0; i < n; i++)
		if ((e = range4_prefixes(&nr[i], pool_add, t->nl)) != 0 &&
		    rc == 0)
			rc = e;
	keep.r = nr;
	for (unsigned i = 0; i < g->cfg.n_routes; i++)
		range4_prefixes(&g->cfg.routes[i], pool_del_stale, &keep);
	pthread_mutex_unlock(&t->mu);
	free(g->cfg.routes);
	g->cfg.routes = nr;
	g->cfg.n_routes = n;
	return rc;
}

/* ---- counters: the kernel's link statistics ---- */

struct sums {
	struct gw		*g;
	struct knl_link_stats	 st;
	uint64_t		 devices;
};

static int
sum_one(void *arg, const struct knl_ip6tnl *k, const struct knl_link_stats *st)
{
	struct sums *s = arg;
	uint32_t addr4;

	if (!name_is_ours(k->name, &addr4) ||
	    dev_find(s->g->ip6tnl, addr4) == NULL)
		return 0;
	s->devices++;
	s->st.rx_packets += st->rx_packets;
	s->st.rx_bytes += st->rx_bytes;
	s->st.tx_packets += st->tx_packets;
	s->st.tx_bytes += st->tx_bytes;
	s->st.rx_dropped += st->rx_dropped;
	s->st.rx_errors += st->rx_errors;
	s->st.tx_dropped += st->tx_dropped;
	s->st.tx_errors += st->tx_errors;
	return 0;
}

static int
sum_all(struct gw *g, struct sums *s)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	int rc;

	memset(s, 0, sizeof(*s));
	s->g = g;
	pthread_mutex_lock(&t->mu);
	rc = knl_ip6tnl_list(t->nl, sum_one, s);
	pthread_mutex_unlock(&t->mu);
	return rc;
}

/* decap = what the devices received from clients, encap = what they
 * sent them */
static void
tnl_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c)
{
	struct sums s;

	(void)c;
	if (sum_all(g, &s) != 0)
		return;
	st->decap_pkts += s.st.rx_packets;
	st->decap_bytes += s.st.rx_bytes;
	st->encap_pkts += s.st.tx_packets;
	st->encap_bytes += s.st.tx_bytes;
}

static void
tnl_counters(struct gw *g, gw_counter_fn *fn, void *arg)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	uint64_t rpf = 0, created, removed, expired, errors;
	struct sums s;

	if (sum_all(g, &s) != 0)
		memset(&s, 0, sizeof(s));
	knl_rp_filter_drops(&rpf);
	pthread_mutex_lock(&t->mu);
	created = t->created;
	removed = t->removed;
	expired = t->expired;
	errors = t->errors;
	pthread_mutex_unlock(&t->mu);
	fn(arg, "gateway.ip6tnl.devices", s.devices);
	fn(arg, "gateway.ip6tnl.created", created);
	fn(arg, "gateway.ip6tnl.removed", removed);
	fn(arg, "gateway.ip6tnl.expired", expired);
	fn(arg, "gateway.ip6tnl.errors", errors);
	/* the whole namespace's: spoofed inner sources, expired bindings */
	fn(arg, "gateway.ip6tnl.rp_filter_drops", rpf);
	fn(arg, "gateway.ip6tnl.rx_dropped", s.st.rx_dropped);
	fn(arg, "gateway.ip6tnl.rx_errors", s.st.rx_errors);
	fn(arg, "gateway.ip6tnl.tx_dropped", s.st.tx_dropped);
	fn(arg, "gateway.ip6tnl.tx_errors", s.st.tx_errors);
}

static void
tnl_binding_counters(struct gw *g, const struct binding *b,
    struct binding_counters *c)
{
	struct gw_ip6tnl *t = g->ip6tnl;
	struct knl_link_stats st;
	struct tnl_dev *d;

	pthread_mutex_lock(&t->mu);
	if ((d = dev_find(t, b->addr4)) != NULL &&
	    knl_link_stats(t->nl, d->ifindex, &st) == 0) {
		c->pkts_up += st.rx_packets;
		c->bytes_up += st.rx_bytes;
		c->pkts_down += st.tx_packets;
		c->bytes_down += st.tx_bytes;
		/* the kernel keeps no time: when we saw rx move */
		if (st.rx_packets != d->rx_seen) {
			d->rx_seen = st.rx_packets;
			d->last_seen = (int64_t)time(NULL);
		}
		if (d->last_seen > c->last_seen)
			c->last_seen = d->last_seen;
	}
	pthread_mutex_unlock(&t->mu);
}

const struct gw_backend gw_backend_ip6tnl = {
	.name = "ip6tnl",
	.caps = GW_CAP_ICMP,		/* the kernel's */
	.open = tnl_open,
	.start = tnl_start,
	.close = tnl_close,
	.bind = tnl_bind,
	.unbind = tnl_unbind,
	.replace = tnl_replace,
	.reroute = tnl_reroute,
	.stats = tnl_stats,
	.counters = tnl_counters,
	.binding_counters = tnl_binding_counters,
};
