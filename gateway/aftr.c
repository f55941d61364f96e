/* aftr.c - the gateway as a DS-lite AFTR (RFC 6333 6), beside its DSTM
 * tunnel end point role: the [aftr] keys both config files share, and
 * the data-path hook the tun backend calls.
 *
 * A 4in6 packet to the AFTR address whose (outer source, inner source)
 * is no DSTM binding, from a B4 inside `allow`, is the AFTR's: its inner
 * packet goes through the NAT44 (nat44.c, keyed by the tunnel, RFC 6333
 * 6.6) and is written to the TUN like a DSTM client's.  The public pool
 * is routed into the TUN like the DSTM pool: what comes back to it is
 * translated back and encapsulated to its B4 (be_tun.c).  Hairpinning
 * (RFC 4787 REQ-9) needs nothing more: a B4's packet to a
 * public address leaves the NAT with its own public source, and the
 * kernel routes it back into the TUN, to the other mapping.
 *
 * Why not the kernel's NAT: once a 4in6 packet is decapsulated and
 * written to the TUN, nothing tells two B4s' 192.0.0.2 apart (a TUN
 * write carries no mark and no conntrack zone), so conntrack would merge
 * their flows. */
#include "gateway/gw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/clock.h"
#include "common/inet.h"
#include "gateway/nat44.h"

/* ---- [aftr] keys ---- */

static int
set_address(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_aftr_settings *a = obj;

	/* :: is the default: the tep6 in use */
	return conf_addr6(cx, v, &a->address, true);
}

static int
set_allow(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_aftr_settings *a = obj;
	struct prefix6 p;

	if (!prefix6_parse(v, &p, NULL))
		return conf_bad(cx, "an IPv6 prefix (2001:db8::/32)", NULL);
	if (a->n_allow == GW_AFTR_MAX_ALLOW)
		return conf_fail(cx, cx->e->line, "allow: too many prefixes (at "
		    "most %d)", GW_AFTR_MAX_ALLOW);
	a->allow[a->n_allow++] = p;
	return 0;
}

static int
set_pool(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_aftr_settings *a = obj;
	struct range4 r;
	const char *what;

	if (!range4_parse(v, &r, NULL))
		return conf_bad(cx, "A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H",
		    NULL);
	if ((what = gw_special4(r.first, r.last)) != NULL)
		return conf_bad(cx, "unicast IPv4 addresses", what);
	if (a->n_pool == GW_AFTR_MAX_POOL)
		return conf_fail(cx, cx->e->line, "pool: too many ranges (at "
		    "most %d)", GW_AFTR_MAX_POOL);
	a->pool[a->n_pool++] = r;
	return 0;
}

#define GA		struct gw_aftr_settings
#define DURATION	" (such as 300, 90s, 5m or 2h)"

const struct conf_key gw_aftr_keys[] = {
	CONF_KEY_BOOL("aftr", "enable", GA, enable),
	CONF_KEY_FUNC("aftr", "address", false, set_address),
	CONF_KEY_FUNC("aftr", "allow", true, set_allow),
	CONF_KEY_FUNC("aftr", "pool", true, set_pool),
	CONF_KEY_U32("aftr", "port-block-size", GA, port_block_size, 64,
	    32256, "a multiple of 64 from 64 to 32256"),
	CONF_KEY_U32("aftr", "max-port-blocks-per-b4", GA,
	    max_port_blocks_per_b4, 1, NAT44_MAX_BLOCKS_PER_B4,
	    "a number 1-64"),
	CONF_KEY_U32("aftr", "max-sessions-per-b4", GA, max_sessions_per_b4,
	    1, NAT44_MAX_SESSIONS, "a number 1-4194304"),
	CONF_KEY_U32("aftr", "max-sessions", GA, max_sessions, 1,
	    NAT44_MAX_SESSIONS, "a number 1-4194304"),
	CONF_KEY_DURATION("aftr", "udp-timeout", GA, udp_timeout, 1, 86400,
	    "a duration from 1s to 1d" DURATION),
	CONF_KEY_DURATION("aftr", "tcp-established-timeout", GA,
	    tcp_established_timeout, 1, 7 * 86400,
	    "a duration from 1s to 7d" DURATION),
	CONF_KEY_DURATION("aftr", "tcp-transitory-timeout", GA,
	    tcp_transitory_timeout, 1, 86400,
	    "a duration from 1s to 1d" DURATION),
	CONF_KEY_DURATION("aftr", "icmp-timeout", GA, icmp_timeout, 1, 86400,
	    "a duration from 1s to 1d" DURATION),
	CONF_KEY_END
};

void
gw_aftr_defaults(struct gw_aftr_settings *a)
{
	memset(a, 0, sizeof(*a));
	a->port_block_size = GW_AFTR_BLOCK;
	a->max_port_blocks_per_b4 = GW_AFTR_BLOCKS_PER_B4;
	a->max_sessions_per_b4 = GW_AFTR_SESSIONS_PER_B4;
	a->max_sessions = GW_AFTR_SESSIONS;
	a->udp_timeout = GW_AFTR_UDP_TIMEOUT;
	a->tcp_established_timeout = GW_AFTR_TCP_EST_TIMEOUT;
	a->tcp_transitory_timeout = GW_AFTR_TCP_TRANS_TIMEOUT;
	a->icmp_timeout = GW_AFTR_ICMP_TIMEOUT;
}

static int
range_cmp(const void *x, const void *y)
{
	const struct range4 *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

static int
line_of(struct conf_ctx *cx, const char *key)
{
	const struct conf_entry *e = conf_seen(cx, "aftr", key);

	return e != NULL ? e->line : 0;
}

int
gw_aftr_check(struct conf_ctx *cx, struct gw_aftr_settings *a,
    const struct gw_settings *g, const struct range4 *dstm, unsigned n)
{
	char x[ADDR_STRLEN], y[ADDR_STRLEN];
	uint64_t total = 0;

	if (a->port_block_size % 64 != 0)
		return conf_fail(cx, line_of(cx, "port-block-size"),
		    "port-block-size: %u is not a multiple of 64",
		    a->port_block_size);
	if (a->n_pool > 0)
		qsort(a->pool, a->n_pool, sizeof(a->pool[0]), range_cmp);
	for (unsigned i = 0; i < a->n_pool; i++) {
		total += (uint64_t)a->pool[i].last - a->pool[i].first + 1;
		if (i > 0 && a->pool[i].first <= a->pool[i - 1].last)
			return conf_fail(cx, line_of(cx, "pool"), "pool %s "
			    "overlaps pool %s", range4_ntop(&a->pool[i], x,
			    sizeof(x)), range4_ntop(&a->pool[i - 1], y,
			    sizeof(y)));
		for (unsigned j = 0; j < n; j++)
			if (a->pool[i].first <= dstm[j].last &&
			    a->pool[i].last >= dstm[j].first)
				return conf_fail(cx, line_of(cx, "pool"),
				    "pool %s overlaps the DSTM pool (%s): the "
				    "AFTR's public addresses must be its own",
				    range4_ntop(&a->pool[i], x, sizeof(x)),
				    range4_ntop(&dstm[j], y, sizeof(y)));
		if (g->tep4 >= a->pool[i].first && g->tep4 <= a->pool[i].last)
			return conf_fail(cx, line_of(cx, "pool"), "pool %s "
			    "contains tep4 %s", range4_ntop(&a->pool[i], x,
			    sizeof(x)), addr4_ntop(g->tep4, y, sizeof(y)));
	}
	if (total > GW_AFTR_MAX_ADDRS)
		return conf_fail(cx, line_of(cx, "pool"), "pool: %llu "
		    "addresses, more than the limit of %d",
		    (unsigned long long)total, GW_AFTR_MAX_ADDRS);
	if (!a->enable)
		return 0;
	if (a->n_pool == 0)
		return conf_fail(cx, line_of(cx, "enable"), "[aftr] enable = "
		    "yes needs a pool: the public IPv4 addresses of the NAT");
	if (a->n_allow == 0)
		return conf_fail(cx, line_of(cx, "enable"), "[aftr] enable = "
		    "yes needs allow: the IPv6 prefixes of the B4s served");
	if (g->backend == GW_BACKEND_IP6TNL)
		return conf_fail(cx, line_of(cx, "enable"), "[aftr] needs the "
		    "tun or bpf backend (ip6tnl has no userspace path for "
		    "the NAT)");
	return 0;
}

static void
print_duration(FILE *f, const char *key, uint32_t v)
{
	char d[32];

	fprintf(f, "%s = %s\n", key, conf_duration_str(v, d, sizeof(d)));
}

void
gw_aftr_print(FILE *f, const struct gw_aftr_settings *a,
    const struct in6_addr *tep6)
{
	char x[ADDR_STRLEN];

	fprintf(f, "\n[aftr]\nenable = %s\n", a->enable ? "yes" : "no");
	fprintf(f, "address = %s\n", addr6_ntop(IN6_IS_ADDR_UNSPECIFIED(
	    &a->address) ? tep6 : &a->address, x, sizeof(x)));
	for (unsigned i = 0; i < a->n_allow; i++)
		fprintf(f, "allow = %s\n", prefix6_ntop(&a->allow[i], x,
		    sizeof(x)));
	for (unsigned i = 0; i < a->n_pool; i++)
		fprintf(f, "pool = %s\n", range4_ntop(&a->pool[i], x,
		    sizeof(x)));
	fprintf(f, "port-block-size = %u\nmax-port-blocks-per-b4 = %u\n"
	    "max-sessions-per-b4 = %u\nmax-sessions = %u\n",
	    a->port_block_size, a->max_port_blocks_per_b4,
	    a->max_sessions_per_b4, a->max_sessions);
	print_duration(f, "udp-timeout", a->udp_timeout);
	print_duration(f, "tcp-established-timeout",
	    a->tcp_established_timeout);
	print_duration(f, "tcp-transitory-timeout", a->tcp_transitory_timeout);
	print_duration(f, "icmp-timeout", a->icmp_timeout);
}

bool
gw_aftr_same(const struct gw_aftr_settings *a,
    const struct gw_aftr_settings *b)
{
	char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	FILE *f;
	bool same = false;

	if ((f = open_memstream(&x, &nx)) != NULL) {
		gw_aftr_print(f, a, &in6addr_any);
		fclose(f);
	}
	if ((f = open_memstream(&y, &ny)) != NULL) {
		gw_aftr_print(f, b, &in6addr_any);
		fclose(f);
	}
	if (x != NULL && y != NULL)
		same = strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

bool
gw_aftr_overlaps(const struct gw_aftr_settings *a, const struct range4 *dstm,
    unsigned n)
{
	if (!a->enable)
		return false;
	for (unsigned i = 0; i < a->n_pool; i++)
		for (unsigned j = 0; j < n; j++)
			if (a->pool[i].first <= dstm[j].last &&
			    a->pool[i].last >= dstm[j].first)
				return true;
	return false;
}

void
gw_config_aftr(struct gw_config *gc, const struct gw_aftr_settings *a)
{
	gc->aftr = *a;
}

/* ---- run time ---- */

/* the drops of the AFTR's own, before the NAT */
enum aftr_drop { AD_NOT_ALLOWED, AD_INNER_MALFORMED, AD_BAD_DESTINATION,
	AD_CE_NOT_ECT, AD_WRONG_ADDRESS, AD_MAX };

static const char *const aftr_drop_names[AD_MAX] = {
	[AD_NOT_ALLOWED] = "not_allowed",
	[AD_INNER_MALFORMED] = "inner_malformed",
	[AD_BAD_DESTINATION] = "bad_destination",
	[AD_CE_NOT_ECT] = "ce_not_ect",
	[AD_WRONG_ADDRESS] = "not_for_us",
};

struct gw_aftr {
	pthread_mutex_t		 lock;		/* the NAT and counters */
	struct nat44		*nat;
	struct in6_addr		 addr;		/* the tunnel address */
	bool			 own_addr;	/* addr is not tep6 */
	uint64_t		 drops[AD_MAX];
	uint64_t		 decap_pkts, decap_bytes;
	uint64_t		 encap_pkts, encap_bytes;
	int64_t			 last_tick;
};

/* NAT time: monotonic seconds (a clock step must not expire every
 * mapping); the log's time is the wall clock */
static int64_t
mono_now(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000000;
}

/* One line per block given or taken back, in a fixed form for the
 * operator's records (RFC 6888 section 4):
 *   aftr: port-block alloc time=UNIX b4=IPV6 public=IPV4 ports=A-B */
static void
log_block(void *arg, bool alloc, const struct in6_addr *b4, uint32_t pub,
    uint16_t first, uint16_t last, int64_t now)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	(void)arg;
	(void)now;
	log_info("aftr: port-block %s time=%lld b4=%s public=%s ports=%u-%u",
	    alloc ? "alloc" : "release", (long long)time(NULL),
	    addr6_ntop(b4, a, sizeof(a)), addr4_ntop(pub, b, sizeof(b)),
	    first, last);
}

int
aftr_open(struct gw *g)
{
	const struct gw_aftr_settings *s = &g->cfg.aftr;
	struct nat44_config nc;
	struct gw_aftr *a;
	char x[ADDR_STRLEN];
	int rc;

	if (!s->enable)
		return 0;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&a->lock, NULL);
	a->addr = IN6_IS_ADDR_UNSPECIFIED(&s->address) ? g->cfg.tep6 :
	    s->address;
	a->own_addr = memcmp(&a->addr, &g->cfg.tep6, sizeof(a->addr)) != 0;
	memset(&nc, 0, sizeof(nc));
	nc.pool = s->pool;
	nc.n_pool = s->n_pool;
	nc.block_size = s->port_block_size;
	nc.max_blocks_per_b4 = s->max_port_blocks_per_b4;
	nc.max_sessions_per_b4 = s->max_sessions_per_b4;
	nc.max_sessions = s->max_sessions;
	nc.timeout[NAT44_T_UDP] = s->udp_timeout;
	nc.timeout[NAT44_T_TCP_EST] = s->tcp_established_timeout;
	nc.timeout[NAT44_T_TCP_TRANS] = s->tcp_transitory_timeout;
	nc.timeout[NAT44_T_ICMP] = s->icmp_timeout;
	nc.log_block = log_block;
	if (getrandom(&nc.seed, sizeof(nc.seed), 0) != sizeof(nc.seed))
		nc.seed = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	if ((rc = nat44_new(&nc, &a->nat)) != 0) {
		log_warnx("aftr: cannot make the NAT tables: %s",
		    strerror(-rc));
		pthread_mutex_destroy(&a->lock);
		free(a);
		return rc;
	}
	a->last_tick = mono_now();
	g->aftr = a;
	log_info("aftr: on %s, %u public range%s, blocks of %u ports, at "
	    "most %u per B4, %u sessions per B4", addr6_ntop(&a->addr, x,
	    sizeof(x)), s->n_pool, s->n_pool == 1 ? "" : "s",
	    s->port_block_size, s->max_port_blocks_per_b4,
	    s->max_sessions_per_b4);
	return 0;
}

void
aftr_close(struct gw *g)
{
	struct gw_aftr *a = g->aftr;

	if (a == NULL)
		return;
	nat44_free(a->nat, mono_now());
	pthread_mutex_destroy(&a->lock);
	free(a);
	g->aftr = NULL;
}

const struct in6_addr *
aftr_address(const struct gw *g)
{
	return g->aftr != NULL ? &g->aftr->addr : NULL;
}

bool
aftr_own_address(const struct gw *g)
{
	return g->aftr != NULL && g->aftr->own_addr;
}

static bool
allowed(const struct gw *g, const struct in6_addr *src)
{
	const struct gw_aftr_settings *s = &g->cfg.aftr;

	for (unsigned i = 0; i < s->n_allow; i++)
		if (prefix6_contains(&s->allow[i], src))
			return true;
	return false;
}

/* a DSTM binding holds (src6, inner source): the packet is DSTM's */
static bool
dstm_bound(struct gw *g, const struct in6_addr *src6, uint32_t src4,
    bool *known)
{
	struct binding *b;
	bool found = false;

	*known = false;
	pthread_mutex_lock(&g->lock);
	for (b = binding_lookup6(&g->bt, src6); b != NULL && !found;
	    b = binding_next6(&g->bt, b)) {
		*known = true;
		found = b->addr4 == src4;
	}
	pthread_mutex_unlock(&g->lock);
	return found;
}

static enum aftr_verdict
aftr_drop(struct gw_aftr *a, enum aftr_drop d)
{
	pthread_mutex_lock(&a->lock);
	a->drops[d]++;
	pthread_mutex_unlock(&a->lock);
	return AFTR_DROPPED;
}

enum aftr_verdict
aftr_from_b4(struct gw *g, struct raw6_pkt *p, int64_t now)
{
	struct gw_aftr *a = g->aftr;
	enum nat44_drop why;
	bool to_tep, to_aftr, known = false, sane;
	int rc;

	(void)now;
	to_aftr = memcmp(&p->dst, &a->addr, sizeof(p->dst)) == 0;
	to_tep = !a->own_addr || memcmp(&p->dst, &g->cfg.tep6,
	    sizeof(p->dst)) == 0;
	/* the raw socket is unbound when the addresses differ: other 4in6
	 * to this host is none of ours */
	if (!to_aftr && !to_tep)
		return aftr_drop(a, AD_WRONG_ADDRESS);
	if (!to_aftr)
		return AFTR_NOT_MINE;
	sane = p->len >= IPV4_HDR_LEN && p->buf[0] >> 4 == 4 &&
	    (size_t)be16_get(p->buf + 2) == p->len;
	/* to a shared address, a broken inner packet is rfc2473's to count */
	if (to_tep && (!sane || dstm_bound(g, &p->src, be32_get(p->buf + 12),
	    &known)))
		return AFTR_NOT_MINE;
	if (!allowed(g, &p->src)) {
		/* a DSTM client with a wrong source: rfc2473 counts it */
		if (to_tep && known)
			return AFTR_NOT_MINE;
		return aftr_drop(a, AD_NOT_ALLOWED);
	}
	if (!sane)
		return aftr_drop(a, AD_INNER_MALFORMED);
	if (rfc2473_bad_destination(&g->tep.cfg, be32_get(p->buf + 16)))
		return aftr_drop(a, AD_BAD_DESTINATION);
	if (rfc2473_ecn_decap(p->tclass, p->buf, p->len) != 0)
		return aftr_drop(a, AD_CE_NOT_ECT);
	pthread_mutex_lock(&a->lock);
	nat44_expire(a->nat, mono_now(), 4);
	rc = nat44_outbound(a->nat, &p->src, p->ifindex, p->buf, p->len,
	    mono_now(), &why);
	if (rc == 0) {
		a->decap_pkts++;
		a->decap_bytes += p->len;
	}
	pthread_mutex_unlock(&a->lock);
	return rc == 0 ? AFTR_FORWARD : AFTR_DROPPED;
}

bool
aftr_is_public(const struct gw *g, const uint8_t *pkt, size_t len)
{
	return g->aftr != NULL && len >= IPV4_HDR_LEN && pkt[0] >> 4 == 4 &&
	    nat44_is_public(g->aftr->nat, be32_get(pkt + 16));
}

int
aftr_to_b4(struct gw *g, uint8_t *pkt, size_t len, struct in6_addr *b4)
{
	struct gw_aftr *a = g->aftr;
	enum nat44_drop why;
	int rc;

	pthread_mutex_lock(&a->lock);
	nat44_expire(a->nat, mono_now(), 4);
	rc = nat44_inbound(a->nat, pkt, len, mono_now(), b4, &why);
	if (rc == 0) {
		a->encap_pkts++;
		a->encap_bytes += len;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void
aftr_tick(struct gw *g)
{
	struct gw_aftr *a = g->aftr;
	int64_t now = mono_now();

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	if (now != a->last_tick) {
		a->last_tick = now;
		/* a few ms at most: a burst that timed out together goes
		 * within seconds */
		nat44_expire(a->nat, now, 65536);
	}
	pthread_mutex_unlock(&a->lock);
}

void
aftr_counters(struct gw *g, gw_counter_fn *fn, void *arg)
{
	struct gw_aftr *a = g->aftr;
	struct nat44_stats st;
	uint64_t drops[AD_MAX], dp, db, ep, eb;
	char name[64];

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->lock);
	nat44_expire(a->nat, mono_now(), 4096);
	nat44_get_stats(a->nat, &st);
	memcpy(drops, a->drops, sizeof(drops));
	dp = a->decap_pkts;
	db = a->decap_bytes;
	ep = a->encap_pkts;
	eb = a->encap_bytes;
	pthread_mutex_unlock(&a->lock);
	fn(arg, "aftr.b4s", st.b4s);
	fn(arg, "aftr.sessions", st.sessions);
	fn(arg, "aftr.port_blocks", st.blocks);
	fn(arg, "aftr.sessions.created", st.sessions_created);
	fn(arg, "aftr.sessions.expired", st.sessions_expired);
	fn(arg, "aftr.port_blocks.allocated", st.blocks_allocated);
	fn(arg, "aftr.port_blocks.released", st.blocks_released);
	fn(arg, "aftr.decap.packets", dp);
	fn(arg, "aftr.decap.bytes", db);
	fn(arg, "aftr.encap.packets", ep);
	fn(arg, "aftr.encap.bytes", eb);
	fn(arg, "aftr.icmp_errors", st.icmp_errors);
	for (int d = 0; d < AD_MAX; d++) {
		snprintf(name, sizeof(name), "aftr.drop.%s",
		    aftr_drop_names[d]);
		fn(arg, name, drops[d]);
	}
	for (int d = 1; d < NAT44_DROP_MAX; d++) {
		snprintf(name, sizeof(name), "aftr.drop.%s",
		    nat44_drop_name((enum nat44_drop)d));
		fn(arg, name, st.drops[d]);
	}
}

/* ---- listings, for the control program (aftr_ctl.c) ---- */

void
aftr_list(struct gw *g, void (*fn)(void *arg, struct nat44 *n,
    int64_t now), void *arg)
{
	struct gw_aftr *a = g->aftr;
	int64_t now = mono_now();

	pthread_mutex_lock(&a->lock);
	nat44_expire(a->nat, now, UINT32_MAX);
	fn(arg, a->nat, now);
	pthread_mutex_unlock(&a->lock);
}
