/* aftr.c - the gateway as a DS-lite AFTR (RFC 6333 6), beside its DSTM
 * tunnel end point role: the data-path hook the tun backend calls (the
 * [aftr] keys both config files share are in aftr_conf.c).
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
	nc.b4_prefix_len = s->b4_prefix_length;
	nc.max_blocks_per_prefix = gw_aftr_blocks_per_prefix(s);
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
	    "most %u per B4 and %u per /%u, %u sessions per B4",
	    addr6_ntop(&a->addr, x, sizeof(x)), s->n_pool,
	    s->n_pool == 1 ? "" : "s", s->port_block_size,
	    s->max_port_blocks_per_b4, gw_aftr_blocks_per_prefix(s),
	    s->b4_prefix_length, s->max_sessions_per_b4);
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
