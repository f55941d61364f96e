/* be_bpf.c - the `bpf` backend: the kernel fast path (kernel/kbpf.h, tc
 * programs on the uplinks' ingress and the TUN's egress) in front of the
 * `tun` backend, which keeps running as the slow path.  What the
 * programs punt reaches be_tun.c untouched and gets the same checks,
 * ICMP errors, fragmentation and counters as without BPF.
 *
 * The kernel's maps mirror the front end's table: every bind, unbind and
 * replace is applied to them from the control thread, after the table.
 * Each binding gets a counter slot in the kernel (per-CPU array); the
 * slot map here finds it again by (IPv4, client). */
#include "gateway/gw.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/hash.h"
#include "kernel/kbpf.h"

#define BPF_MIN_SLOTS	1024
#define BPF_MAX_SLOTS	(1u << 20)
#define NONE		UINT32_MAX

struct bpf_slot {
	struct in6_addr	client;
	uint32_t	addr4;
	uint32_t	next;		/* hash chain, NONE ends it */
	uint32_t	mark;		/* replace: seen in the new table */
	bool		used;
};

struct gw_bpf {
	struct kbpf_gw	*kb;
	struct bpf_slot	*slot;
	uint32_t	*head;		/* buckets: cap, a power of two */
	uint32_t	*free;		/* stack of free slots */
	uint32_t	 nfree, cap;
	uint64_t	 seed;
	uint32_t	 mark;
};

static uint32_t
bucket(const struct gw_bpf *b, uint32_t addr4, const struct in6_addr *c)
{
	return (uint32_t)(hash_mix64(hash_in6(c, b->seed) ^ addr4) &
	    (b->cap - 1));
}

static uint32_t
slot_find(const struct gw_bpf *b, uint32_t addr4, const struct in6_addr *c)
{
	for (uint32_t i = b->head[bucket(b, addr4, c)]; i != NONE;
	    i = b->slot[i].next)
		if (b->slot[i].addr4 == addr4 &&
		    memcmp(&b->slot[i].client, c, sizeof(*c)) == 0)
			return i;
	return NONE;
}

/* The slot of (addr4, c), a new one if needed; NONE when all are taken
 * (the binding then lives on the slow path only). */
static uint32_t
slot_get(struct gw_bpf *b, uint32_t addr4, const struct in6_addr *c,
    bool *fresh)
{
	uint32_t i = slot_find(b, addr4, c), h;

	*fresh = false;
	if (i != NONE || b->nfree == 0)
		return i;
	i = b->free[--b->nfree];
	h = bucket(b, addr4, c);
	b->slot[i] = (struct bpf_slot){ .client = *c, .addr4 = addr4,
	    .next = b->head[h], .used = true };
	b->head[h] = i;
	*fresh = true;
	return i;
}

static void
slot_put(struct gw_bpf *b, uint32_t i)
{
	const struct bpf_slot *s = &b->slot[i];
	uint32_t *p = &b->head[bucket(b, s->addr4, &s->client)];

	while (*p != i)
		p = &b->slot[*p].next;
	*p = s->next;
	b->slot[i].used = false;
	b->free[b->nfree++] = i;
}

static uint32_t
slots_for(const struct gw_config *c)
{
	uint64_t n = 0;
	uint32_t cap = BPF_MIN_SLOTS;

	for (unsigned i = 0; i < c->n_routes; i++)
		n += (uint64_t)c->routes[i].last - c->routes[i].first + 1;
	while (cap < n && cap < BPF_MAX_SLOTS)
		cap <<= 1;
	return cap;
}

static int
slots_init(struct gw_bpf *b, uint32_t cap)
{
	b->cap = cap;
	b->slot = calloc(cap, sizeof(*b->slot));
	b->head = malloc(cap * sizeof(*b->head));
	b->free = malloc(cap * sizeof(*b->free));
	if (b->slot == NULL || b->head == NULL || b->free == NULL)
		return -ENOMEM;
	memset(b->head, 0xff, cap * sizeof(*b->head));
	for (uint32_t i = 0; i < cap; i++)
		b->free[i] = cap - 1 - i;	/* slot 0 first */
	b->nfree = cap;
	if (getrandom(&b->seed, sizeof(b->seed), 0) != sizeof(b->seed))
		b->seed = (uint64_t)(uintptr_t)b ^ 0x9e3779b97f4a7c15ull;
	return 0;
}

/* The IPv6 side: every Ethernet interface but the TUN (4in6 may arrive
 * on any of them; the program passes what is not 4in6 to the TEP). */
static unsigned
uplinks(int tun_ifindex, int *out, unsigned max)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	unsigned n = 0;

	for (i = ifs; i != NULL && i->if_index != 0 && n < max; i++) {
		char path[64], type[16] = "";
		FILE *f;

		if ((int)i->if_index == tun_ifindex)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/type",
		    i->if_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(type, sizeof(type), f) != NULL && atoi(type) == 1)
			out[n++] = (int)i->if_index;	/* ARPHRD_ETHER */
		fclose(f);
	}
	if (i != NULL && i->if_index != 0 && n == max)
		log_warnx("gateway: bpf: the fast path takes the first %u "
		    "Ethernet interfaces; 4in6 arriving on others takes the "
		    "slow path", max);
	if (ifs != NULL)
		if_freenameindex(ifs);
	return n;
}

static void bpf_be_close(struct gw *g);

/* The kernel path's drops per reason, for be_tun.c's summaries (the same
 * names, as in bpf_be_stats).  On the data-plane thread: a read of the
 * per-CPU counter map, whose descriptor is fixed once open. */
static void
bpf_kernel_drops(struct gw *g, uint64_t total[RFC2473_DROP_MAX])
{
	struct kbpf_counter k[KBPF_GW_STAT_MAX];

	if (kbpf_gw_counters(g->bpf->kb, k) != 0)
		return;
	for (unsigned i = 0; i < KBPF_GW_STAT_MAX; i++)
		for (int d = 1; d < RFC2473_DROP_MAX; d++)
			if (strcmp(kbpf_gw_counter_name(i),
			    rfc2473_drop_name((enum rfc2473_drop)d)) == 0)
				total[d] += k[i].pkts;
}

static int
bpf_be_open(struct gw *g)
{
	struct kbpf_gw_config kc;
	struct gw_bpf *b;
	char why[256];
	int rc;

	if ((rc = kbpf_permitted(why, sizeof(why))) != 0) {
		log_warnx("gateway: backend bpf: cannot load BPF: %s", why);
		return rc;
	}
	if ((rc = gw_backend_tun.open(g)) != 0)
		return rc;
	if ((b = g->bpf = calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	memset(&kc, 0, sizeof(kc));
	kc.tep6 = g->cfg.tep6;
	kc.tun_ifindex = g->tun.ifindex;
	kc.n_uplinks = uplinks(g->tun.ifindex, kc.uplinks, KBPF_MAX_UPLINKS);
	kc.mtu = g->cfg.mtu;
	kc.tep4 = g->cfg.tep4;
	kc.flow_label = g->tep.cfg.flow_label;
	kc.flow_seed = g->tep.cfg.flow_seed;
	kc.max_bindings = slots_for(&g->cfg);
	kc.hairpin = g->tep.cfg.hairpin;
	kc.aftr = g->aftr != NULL;
	if (kc.n_uplinks == 0) {
		log_warnx("gateway: backend bpf: no Ethernet interface to "
		    "attach to");
		return -ENODEV;
	}
	if ((rc = slots_init(b, kc.max_bindings)) != 0)
		return rc;
	if ((rc = kbpf_gw_open(&kc, &b->kb)) != 0) {
		log_warnx("gateway: backend bpf: %s", strerror(-rc));
		return rc;
	}
	g->tun.kernel_drops = bpf_kernel_drops;
	log_info("gateway: bpf fast path on %u interface%s, %u binding slots",
	    kc.n_uplinks, kc.n_uplinks == 1 ? "" : "s", kc.max_bindings);
	return 0;
}

static int
bpf_be_start(struct gw *g)
{
	return gw_backend_tun.start(g);
}

static void
bpf_be_close(struct gw *g)
{
	struct gw_bpf *b = g->bpf;

	if (b != NULL) {
		kbpf_gw_close(b->kb);	/* the fast path goes first */
		free(b->slot);
		free(b->head);
		free(b->free);
		free(b);
		g->bpf = NULL;
	}
	gw_backend_tun.close(g);
}

/* One kernel entry per (client, address).  A whole-address binding is
 * the fast path's; a port range is left to the slow path (punt), which
 * knows every range of the pair: the kernel keeps one range per entry. */
static int
kernel_bind(struct gw_bpf *b, const struct binding *x)
{
	bool fresh;
	uint32_t i = slot_get(b, x->addr4, &x->client, &fresh);

	if (i == NONE)
		return 0;	/* no slot: the slow path carries it */
	if (fresh)
		kbpf_gw_binding_counters_clear(b->kb, i);
	b->slot[i].mark = b->mark;
	if (binding_is_shared(x))
		return kbpf_gw_bind_punt(b->kb, x->addr4, &x->client, i);
	return kbpf_gw_bind(b->kb, x->addr4, &x->client, x->port_min,
	    x->port_max, x->expires, i);
}

static int
bpf_be_bind(struct gw *g, const struct binding *x)
{
	int rc = kernel_bind(g->bpf, x);

	if (rc != 0)	/* still served, by the slow path */
		log_warnx("gateway: bpf: cannot bind: %s", strerror(-rc));
	return 0;
}

static void
bpf_be_unbind(struct gw *g, const struct binding *x)
{
	struct gw_bpf *b = g->bpf;
	uint32_t i = slot_find(b, x->addr4, &x->client);
	struct binding rest, *r;
	bool more = false;

	if (i == NONE)
		return;
	/* another port range of the same pair stays: keep it punted */
	pthread_mutex_lock(&g->lock);
	for (r = binding_first4(&g->bt, x->addr4); r != NULL && !more;
	    r = binding_next4(&g->bt, r))
		if (memcmp(&r->client, &x->client, sizeof(x->client)) == 0) {
			rest = *r;
			more = true;
		}
	pthread_mutex_unlock(&g->lock);
	if (more) {
		kernel_bind(b, &rest);
		return;
	}
	kbpf_gw_unbind(b->kb, x->addr4, &x->client);
	slot_put(b, i);
}

/* SYNC: the front end's table was swapped.  Bind what it holds (slots
 * of survivors kept, with their counters), then drop the rest. */
static int
bpf_be_replace(struct gw *g)
{
	struct gw_bpf *b = g->bpf;
	struct binding *v;
	size_t n;
	int rc = 0;

	if ((v = gw_snapshot(g, &n)) == NULL)
		return -ENOMEM;
	b->mark++;
	for (size_t i = 0; i < n; i++)
		if (kernel_bind(b, &v[i]) != 0 && rc == 0)
			rc = -EIO;
	for (uint32_t i = 0; i < b->cap; i++)
		if (b->slot[i].used && b->slot[i].mark != b->mark) {
			kbpf_gw_unbind(b->kb, b->slot[i].addr4,
			    &b->slot[i].client);
			slot_put(b, i);
		}
	free(v);
	if (rc != 0)
		log_warnx("gateway: bpf: some bindings stay on the slow path");
	return 0;
}

static int
bpf_be_reroute(struct gw *g, const struct range4 *r, unsigned n)
{
	return gw_backend_tun.reroute(g, r, n);
}

static void
bpf_be_set_hairpin(struct gw *g, bool on)
{
	int rc = kbpf_gw_set_hairpin(g->bpf->kb, on);

	/* the slow path refuses it anyway: only slower */
	if (rc != 0)
		log_warnx("gateway: bpf: hairpin: %s", strerror(-rc));
}

/* The kernel's forwards and drops added to the slow path's, under the
 * same names (kbpf_gw_counter_name() uses rfc2473_drop_name()'s). */
static void
bpf_be_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c)
{
	struct kbpf_counter k[KBPF_GW_STAT_MAX];

	gw_backend_tun.stats(g, st, c);
	if (kbpf_gw_counters(g->bpf->kb, k) != 0)
		return;
	st->decap_pkts += k[KBPF_GW_FWD_UP].pkts;
	st->decap_bytes += k[KBPF_GW_FWD_UP].bytes;
	st->encap_pkts += k[KBPF_GW_FWD_DOWN].pkts;
	st->encap_bytes += k[KBPF_GW_FWD_DOWN].bytes;
	bpf_kernel_drops(g, st->drops);
}

static bool
is_drop_name(const char *s)
{
	for (int d = 1; d < RFC2473_DROP_MAX; d++)
		if (strcmp(s, rfc2473_drop_name((enum rfc2473_drop)d)) == 0)
			return true;
	return false;
}

/* What only the kernel path has: its forwards (also inside decap/encap)
 * and its punts, for operators who wonder what it left to the slow
 * path.  Its drops are in gateway.drop.* already. */
static void
bpf_be_counters(struct gw *g, gw_counter_fn *fn, void *arg)
{
	struct kbpf_counter k[KBPF_GW_STAT_MAX];
	char name[64];

	if (kbpf_gw_counters(g->bpf->kb, k) != 0)
		return;
	for (unsigned i = 0; i < KBPF_GW_STAT_MAX; i++) {
		const char *s = kbpf_gw_counter_name(i);

		if (is_drop_name(s))
			continue;
		snprintf(name, sizeof(name), "gateway.bpf.%s", s);
		fn(arg, name, k[i].pkts);
	}
}

static void
bpf_be_binding_counters(struct gw *g, const struct binding *x,
    struct binding_counters *c)
{
	struct gw_bpf *b = g->bpf;
	struct kbpf_binding_counters k;
	uint32_t i = slot_find(b, x->addr4, &x->client);

	if (i == NONE || kbpf_gw_binding_counters(b->kb, i, &k) != 0)
		return;
	c->pkts_up += k.pkts_up;
	c->bytes_up += k.bytes_up;
	c->pkts_down += k.pkts_down;
	c->bytes_down += k.bytes_down;
	if (k.last_seen > c->last_seen)
		c->last_seen = k.last_seen;
}

const struct gw_backend gw_backend_bpf = {
	.name = "bpf",
	.caps = GW_CAP_SHARED_PORTS | GW_CAP_ICMP | GW_CAP_MSS_CLAMP |
	    GW_CAP_NO_HAIRPIN | GW_CAP_AFTR,
	.open = bpf_be_open,
	.start = bpf_be_start,
	.close = bpf_be_close,
	.bind = bpf_be_bind,
	.unbind = bpf_be_unbind,
	.replace = bpf_be_replace,
	.reroute = bpf_be_reroute,
	.set_hairpin = bpf_be_set_hairpin,
	.stats = bpf_be_stats,
	.counters = bpf_be_counters,
	.binding_counters = bpf_be_binding_counters,
};
