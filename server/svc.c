/* svc.c - the client program: ALLOC, RENEW, RELEASE, INFO.
 *
 * A lease belongs to the caller's IPv6 source address as the transport
 * saw it (svc_getrpccaller), never to an address the caller claims, and
 * to the key (128 random bits) its ALLOC chose: RENEW and RELEASE must
 * show the key, so a forged source renews and releases nothing.  ALLOC
 * may create a lease only for a caller that receives at its address: on
 * tcp6 the handshake shows it, on udp6 the server cookie does (a first
 * udp6 ALLOC gets DSTM_COOKIE and a cookie, the second one its lease).
 *
 * Every request is checked in the same order: caller address, ACL, what
 * it proves (tcp6, cookie, lease key), the rate limit for that proof,
 * arguments; a refused request changes nothing.  A change is journaled
 * and committed (durable) before the reply is sent.
 *
 * Version 1 (no keys) is answered: NULL and INFO as ever, ALLOC, RENEW
 * and RELEASE with DSTM_VERSION_MISMATCH.
 *
 * Group commit and the order of replies and disk writes: commit.c. */
#include "server/server.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/version.h"
#include "rpc/status.h"
#include "rpc/dstm.h"
#include "rpc/service.h"

_Static_assert(DSTM_KEY_LEN == LEASE_KEY_LEN, "one key size");
_Static_assert(DSTM_COOKIE_LEN == COOKIE_LEN, "one cookie size");

static dstm_status
lease_err_status(enum lease_err e)
{
	switch (e) {
	case LE_OK:		return DSTM_OK;
	case LE_EXHAUSTED:	return DSTM_POOL_EXHAUSTED;
	case LE_UNAVAILABLE:	return DSTM_ADDR_UNAVAILABLE;
	case LE_NOT_IN_POOL:	return DSTM_BAD_IPV4;
	case LE_NO_LEASE:	return DSTM_NO_SUCH_LEASE;
	case LE_NOT_OWNER:	return DSTM_NOT_OWNER;
	case LE_QUOTA:		return DSTM_QUOTA;
	case LE_NOMEM:		return DSTM_INTERNAL;
	case LE_BAD_KEY:	return DSTM_BAD_REQUEST;
	case LE_UNVERIFIED:	return DSTM_COOKIE;
	}
	return DSTM_INTERNAL;
}

static void
count_status(struct server *s, dstm_status st)
{
	static const enum srv_counter map[] = {
		[DSTM_OK] = C_OK,
		[DSTM_POOL_EXHAUSTED] = C_ERR_EXHAUSTED,
		[DSTM_ADDR_UNAVAILABLE] = C_ERR_UNAVAILABLE,
		[DSTM_BAD_IPV6] = C_ERR_BAD_IPV6,
		[DSTM_BAD_IPV4] = C_ERR_BAD_IPV4,
		[DSTM_DENIED] = C_ERR_DENIED,
		[DSTM_RATE_LIMITED] = C_ERR_RATE_LIMITED,
		[DSTM_NO_SUCH_LEASE] = C_ERR_NO_LEASE,
		[DSTM_NOT_OWNER] = C_ERR_NOT_OWNER,
		[DSTM_QUOTA] = C_ERR_QUOTA,
		[DSTM_GATEWAY_ERROR] = C_ERR_INTERNAL,
		[DSTM_VERSION_MISMATCH] = C_ERR_VERSION,
		[DSTM_BAD_REQUEST] = C_ERR_BAD_REQUEST,
		[DSTM_INTERNAL] = C_ERR_INTERNAL,
		[DSTM_BAD_CONFIG] = C_ERR_INTERNAL,
		[DSTM_COOKIE] = C_ERR_COOKIE,
	};

	if ((unsigned)st < sizeof(map) / sizeof(map[0]))
		s->counters[map[st]]++;
}

/* The caller's IPv6 address, or false when the transport has none (an
 * IPv4 or local caller, or a v4-mapped address: leases bind to IPv6). */
static bool
caller6(struct svc_req *rq, struct in6_addr *out)
{
	struct netbuf *nb = svc_getrpccaller(rq->rq_xprt);

	return nb != NULL && addr6_from_sockaddr(nb->buf, nb->len, out) &&
	    addr6_is_unicast_endpoint(out);
}

/* A datagram: its source address may be forged.  (A stream's is not: the
 * handshake went there and back.) */
static bool
is_udp(struct svc_req *rq)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(rq->rq_xprt->xp_fd, SOL_SOCKET, SO_TYPE, &type,
	    &len) == 0 && type == SOCK_DGRAM;
}

/* First for every request: the caller and the ACL. */
static dstm_status
gate(struct server *s, struct svc_req *rq, struct in6_addr *caller)
{
	if (!caller6(rq, caller))
		return DSTM_BAD_IPV6;
	if (!policy_allowed(&s->conf, caller))
		return DSTM_DENIED;
	return DSTM_OK;
}

/* Then the rate limit for what the request proved (server.h). */
static dstm_status
limit(struct server *s, const struct in6_addr *caller, bool proven)
{
	if (policy_rate_ok(&s->rl, &s->conf, caller, proven, clock_mono_ms()))
		return DSTM_OK;
	if (!proven)
		s->counters[C_RL_UNPROVEN]++;
	return DSTM_RATE_LIMITED;
}

void
srvsvc_fill_lease(struct server *s, uint32_t idx, dstm_lease *res)
{
	const struct lease_slot *sl = &s->leases.slots[idx];
	int64_t now = srv_now();

	memset(res, 0, sizeof(*res));
	res->status = DSTM_OK;
	addr4_to_bytes(lease_addr(&s->leases, idx), (uint8_t *)res->addr);
	if (sl->state == LEASE_STATIC) {
		res->lease_time = res->t1 = res->t2 = DSTM_LEASE_INFINITE;
	} else {
		int64_t left = sl->expires - now;

		res->lease_time = left > 0 ? (unsigned)left : 0;
		/* renew at half the lease, rebind at 0.8 of it */
		res->t1 = res->lease_time / 2;
		res->t2 = (unsigned)((uint64_t)res->lease_time * 4 / 5);
	}
	memcpy(res->tep6, &s->tep6, sizeof(res->tep6));
	addr4_to_bytes(s->conf.gw.tep4, (uint8_t *)res->tep4);
	res->mtu = s->conf.gw.mtu;
	res->port_min = 0;
	res->port_max = 65535;
}

/* Journal the slot when the table changed since `before`; the reply
 * waits in commit.c until it is durable. */
static dstm_status
commit_change(struct server *s, uint32_t idx, uint64_t before)
{
	if (s->leases.changes == before)
		return DSTM_OK;
	if (store_record(s, idx) != 0)
		return DSTM_INTERNAL;
	return DSTM_OK;
}

/* ---- the log: one line per lease change, refusals as warnings ---- */

/* Refusals: at most REFUSAL_LINES a minute of each status, then one line
 * with the number kept quiet (log_limited); the event loop's round ends
 * in srv_expire, which writes those. */
#define REFUSAL_LINES	5
#define REFUSAL_KINDS	(DSTM_COOKIE + 2)	/* + the bad cookies */
#define BAD_COOKIE	(DSTM_COOKIE + 1)
static struct loglimit refusal_rl[REFUSAL_KINDS];
static char refusal_what[REFUSAL_KINDS][48];

static struct loglimit *
refusal_limit(unsigned kind)
{
	struct loglimit *l;

	if (kind >= REFUSAL_KINDS)
		kind = DSTM_INTERNAL;
	l = &refusal_rl[kind];
	if (l->interval_ms == 0) {
		snprintf(refusal_what[kind], sizeof(refusal_what[kind]),
		    "refused (%s)", kind == BAD_COOKIE ? "bad cookie" :
		    dstm_status_name((int)kind));
		loglimit_init(l, refusal_what[kind], 60000, REFUSAL_LINES);
	}
	return l;
}

/* "pool A/N (S addresses: B bound, T static, H held)" */
static const char *
pool_desc(const struct server *s, char *buf, size_t len)
{
	const struct lease_table *t = &s->leases;
	char r[ADDR_STRLEN * 2 + 2] = "";

	if (s->conf.n_ranges > 0)
		range4_ntop(&s->conf.ranges[0], r, sizeof(r));
	snprintf(buf, len, "pool %s%s (%u addresses: %u bound, %u static, %u "
	    "held)", r, s->conf.n_ranges > 1 ? " and more" : "",
	    t->size - t->n_excluded, t->bound.count, t->n_static,
	    t->held.count);
	return buf;
}

/* When the last address goes (free and held: a held one is taken when
 * nothing is free), again after addresses came back, but once a minute
 * at most: a full pool with churn fills up at every ALLOC. */
static void
pool_full_check(const struct server *s)
{
	static struct loglimit rl = LOGLIMIT_INIT("pool full", 60000, 1);
	static bool full;
	char p[128];

	if (s->leases.free.count + s->leases.held.count > 0) {
		full = false;
		return;
	}
	if (!full && log_limit_pass(&rl, LOG_LVL_WARNING))
		log_warning("%s is full: further ALLOCs are refused until a "
		    "lease ends", pool_desc(s, p, sizeof(p)));
	full = true;
}

/* Why `st`, in the operator's words: which limit, which prefix, which
 * pool. */
static void
refusal_detail(const struct server *s, const struct in6_addr *c,
    uint32_t addr, dstm_status st, bool proven, char *buf, size_t len)
{
	const struct server_conf *cf = &s->conf;
	struct prefix6 p = { .addr = *c, .len = (uint8_t)cf->prefix_length };
	char a[ADDR_STRLEN + 8], a4[ADDR_STRLEN];
	unsigned n;

	addr6_mask(&p.addr, p.len);
	prefix6_ntop(&p, a, sizeof(a));
	addr4_ntop(addr, a4, sizeof(a4));
	switch (st) {
	case DSTM_POOL_EXHAUSTED:
		pool_desc(s, buf, len);
		break;
	case DSTM_QUOTA:
		n = lease_count_client(&s->leases, c, NULL);
		if (n >= s->leases.max_per_client)
			snprintf(buf, len, "the address holds %u lease%s "
			    "(max-leases-per-client %u)", n, n == 1 ? "" : "s",
			    s->leases.max_per_client);
		else
			snprintf(buf, len, "its prefix %s holds %u leases "
			    "(max-leases-per-prefix %u)", a,
			    lease_count_prefix(&s->leases, c),
			    s->leases.max_per_prefix);
		break;
	case DSTM_RATE_LIMITED:
		snprintf(buf, len, "over rate-limit %u/s for the address or "
		    "prefix-rate-limit %u/s for %s%s", cf->rate_limit,
		    cf->prefix_rate_limit, a, proven ? "" : " (udp6)");
		break;
	case DSTM_DENIED:
		snprintf(buf, len, "not in [clients] allow");
		break;
	case DSTM_NOT_OWNER:
		snprintf(buf, len, "%s is another client's, or the key "
		    "differs", a4);
		break;
	case DSTM_NO_SUCH_LEASE:
		snprintf(buf, len, "no bound lease on %s", a4);
		break;
	case DSTM_ADDR_UNAVAILABLE:
		snprintf(buf, len, "%s is leased to another client", a4);
		break;
	case DSTM_BAD_IPV4:
		snprintf(buf, len, "%s is not in the pool", a4);
		break;
	default:
		snprintf(buf, len, "%s", dstm_status_msg(st));
		break;
	}
}

/* A refused request, at most REFUSAL_LINES a minute of each kind:
 * warning for what the client or the pool can do something about, error
 * for our own failures, debug for a first udp6 ALLOC asked for its
 * cookie (the protocol, not a refusal). */
static void
log_refusal(const struct server *s, const char *what,
    const struct in6_addr *c, uint32_t addr, dstm_status st, bool proven,
    bool bad_cookie)
{
	enum log_level lvl = LOG_LVL_WARNING;
	unsigned kind = (unsigned)st;
	char a6[ADDR_STRLEN] = "a caller without an IPv6 address";
	char why[256];

	if (st == DSTM_COOKIE && !bad_cookie)
		lvl = LOG_LVL_DEBUG;
	else if (st == DSTM_COOKIE)
		kind = BAD_COOKIE;
	else if (st == DSTM_INTERNAL || st == DSTM_GATEWAY_ERROR ||
	    st == DSTM_BAD_CONFIG)
		lvl = LOG_LVL_ERR;
	/* a flood is refused fast: the line is built only when written */
	if (!log_limit_pass(refusal_limit(kind), lvl))
		return;
	if (st != DSTM_BAD_IPV6)
		addr6_ntop(c, a6, sizeof(a6));
	refusal_detail(s, c, addr, st, proven, why, sizeof(why));
	log_at(lvl, "%s by %s refused (%s): %s", what, a6,
	    dstm_status_name(st), kind == BAD_COOKIE ? "bad or expired cookie" :
	    why);
}

/* The periodic end of the log's rate limits (from the event loop). */
static void
refusals_flush(void)
{
	for (unsigned k = 0; k < REFUSAL_KINDS; k++)
		if (refusal_rl[k].interval_ms != 0)
			log_limited_flush(&refusal_rl[k], k == DSTM_INTERNAL ||
			    k == DSTM_GATEWAY_ERROR || k == DSTM_BAD_CONFIG ?
			    LOG_LVL_ERR : LOG_LVL_WARNING);
}

/* The end of ALLOC, RENEW and RELEASE: count, then the reply (held by
 * commit.c until what it shows is durable).  The callers logged the
 * change, if any; a refusal is logged here. */
static bool_t
reply(struct server *s, struct svc_req *rq, const char *what,
    const struct in6_addr *c, uint32_t addr, dstm_status st, xdrproc_t xdr,
    void *res, size_t size)
{
	count_status(s, st);
	if (st != DSTM_OK)
		log_refusal(s, what, c, addr, st, !is_udp(rq), false);
	return commit_reply(s, rq, xdr, res, size);
}

/* One line per change of a lease, at info; retransmissions and plain
 * renewals (only the expiry moves) at debug. */
static void
log_change(bool changed, const char *what, uint32_t addr,
    const struct in6_addr *c, const char *note)
{
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN];

	if (!changed && log_getverbose() == 0)
		return;
	addr4_ntop(addr, a4, sizeof(a4));
	addr6_ntop(c, a6, sizeof(a6));
	if (changed)
		log_info("%s %s for %s%s", what, a4, a6, note);
	else
		log_debug("%s %s for %s%s", what, a4, a6, note);
}

bool_t
dstmproc_null_1_svc(void *argp, void *res, struct svc_req *rq)
{
	(void)argp;
	(void)res;
	(void)rq;
	srv->counters[C_REQ_NULL]++;
	return TRUE;
}

bool_t
dstmproc2_null_2_svc(void *argp, void *res, struct svc_req *rq)
{
	return dstmproc_null_1_svc(argp, res, rq);
}

static uint32_t
hint_of(const dstm_alloc2_args *args)
{
	return addr4_from_bytes((const uint8_t *)args->hint);
}

bool_t
dstmproc2_alloc_2_svc(dstm_alloc2_args *args, dstm_alloc_reply *res,
    struct svc_req *rq)
{
	struct server *s = srv;
	struct in6_addr c;
	uint32_t hint, idx = SLOT_NONE;
	uint64_t before = s->leases.changes;
	dstm_status st;
	bool verified = false, bad_cookie = false;

	s->counters[C_REQ_ALLOC]++;
	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	if ((st = gate(s, rq, &c)) != DSTM_OK)
		goto out;
	verified = !is_udp(rq) || cookie_valid(&c, srv_now(),
	    (const uint8_t *)args->cookie);
	/* a cookie was shown, and it is not ours (or too old) */
	for (unsigned i = 0; !verified && i < COOKIE_LEN; i++)
		bad_cookie |= args->cookie[i] != 0;
	if ((st = limit(s, &c, verified)) != DSTM_OK)
		goto out;
	if ((args->flags & ~(unsigned)DSTM_ALLOC_STRICT) != 0) {
		st = DSTM_BAD_REQUEST;
		goto out;
	}
	hint = hint_of(args);
	st = lease_err_status(lease_alloc(&s->leases, &c,
	    (const uint8_t *)args->key, hint,
	    ((args->flags & DSTM_ALLOC_STRICT) ? LEASE_F_STRICT : 0) |
	    (verified ? LEASE_F_VERIFIED : 0), srv_now(), &idx));
	/* a retransmitted ALLOC returns the existing lease: nothing new */
	if (st != DSTM_OK || (st = commit_change(s, idx, before)) != DSTM_OK)
		goto out;
	if (s->gw.bind != NULL && s->gw.bind(s->gw.arg,
	    lease_addr(&s->leases, idx), &c,
	    s->leases.slots[idx].expires) != 0) {
		/* no tunnel, no lease: roll back */
		before = s->leases.changes;
		lease_transition(&s->leases, idx, LEV_REVOKE, NULL, 0, 0);
		commit_change(s, idx, before);
		st = DSTM_GATEWAY_ERROR;
		goto out;
	}
	srvsvc_fill_lease(s, idx, &res->lease);
	pool_full_check(s);
	/* a retransmission gets the lease it has: nothing changed */
	log_change(s->leases.changes != before, "alloc",
	    lease_addr(&s->leases, idx), &c, s->leases.changes != before ? "" :
	    " (retransmission)");
out:
	res->lease.status = st;
	/* for the next udp6 ALLOC (and the one this reply asks for) */
	if (st != DSTM_BAD_IPV6 && st != DSTM_DENIED)
		cookie_make(&c, srv_now(), (uint8_t *)res->cookie);
	count_status(s, st);
	if (st != DSTM_OK)
		log_refusal(s, "alloc", &c, hint_of(args), st, verified,
		    bad_cookie);
	return commit_reply(s, rq, (xdrproc_t)xdr_dstm_alloc_reply, res,
	    sizeof(*res));
}

/* RENEW and RELEASE name a lease by its address and key: the gate, the
 * rate limit (the key is the proof on udp6), then `op` on the table. */
static dstm_status
lease_request(struct server *s, struct svc_req *rq,
    const dstm_lease_args *args, enum lease_err (*op)(struct lease_table *,
    const struct in6_addr *, const uint8_t *, uint32_t, unsigned, int64_t,
    uint32_t *), struct in6_addr *c, uint32_t *addr, uint32_t *idx)
{
	const uint8_t *key = (const uint8_t *)args->key;
	dstm_status st;
	bool udp;

	memset(c, 0, sizeof(*c));
	*addr = addr4_from_bytes((const uint8_t *)args->addr);
	if ((st = gate(s, rq, c)) != DSTM_OK)
		return st;
	udp = is_udp(rq);
	if ((st = limit(s, c, !udp || lease_key_matches(&s->leases, c, key,
	    *addr))) != DSTM_OK)
		return st;
	return lease_err_status(op(&s->leases, c, key, *addr,
	    udp ? 0 : LEASE_F_VERIFIED, srv_now(), idx));
}

bool_t
dstmproc2_renew_2_svc(dstm_lease_args *args, dstm_lease *res,
    struct svc_req *rq)
{
	struct server *s = srv;
	struct in6_addr c;
	uint32_t addr, idx = SLOT_NONE;
	uint64_t before = s->leases.changes;
	dstm_status st;
	/* what the slot was: a renewal that binds a held lease again or
	 * adopts a key changes more than the expiry, and is logged */
	static const uint8_t nokey[LEASE_KEY_LEN];
	uint32_t i0 = lease_index(&s->leases,
	    addr4_from_bytes((const uint8_t *)args->addr));
	bool held = i0 != SLOT_NONE && s->leases.slots[i0].state == LEASE_HELD;
	bool keyless = i0 != SLOT_NONE &&
	    memcmp(s->leases.slots[i0].key, nokey, sizeof(nokey)) == 0;

	s->counters[C_REQ_RENEW]++;
	memset(res, 0, sizeof(*res));
	st = lease_request(s, rq, args, lease_renew, &c, &addr, &idx);
	if (st != DSTM_OK || (st = commit_change(s, idx, before)) != DSTM_OK)
		goto out;
	/* bind is add-or-update: it also re-adds a held lease bound again */
	if (s->gw.bind != NULL && s->gw.bind(s->gw.arg, addr, &c,
	    s->leases.slots[idx].expires) != 0) {
		st = DSTM_GATEWAY_ERROR;
		goto out;
	}
	srvsvc_fill_lease(s, idx, res);
	log_change(held || keyless, "renew", addr, &c, held ? " (bound again "
	    "after its lease had ended)" : keyless ? " (the operator's lease: "
	    "key adopted)" : "");
out:
	res->status = st;
	return reply(s, rq, "renew", &c, addr, st, (xdrproc_t)xdr_dstm_lease,
	    res, sizeof(*res));
}

bool_t
dstmproc2_release_2_svc(dstm_lease_args *args, dstm_status *res,
    struct svc_req *rq)
{
	struct server *s = srv;
	struct in6_addr c;
	uint32_t addr, idx = SLOT_NONE;
	uint64_t before = s->leases.changes;
	dstm_status st;

	s->counters[C_REQ_RELEASE]++;
	st = lease_request(s, rq, args, lease_release, &c, &addr, &idx);
	/* a retransmission of a RELEASE already done changes nothing */
	if (st == DSTM_OK && s->leases.changes != before) {
		if (s->gw.unbind != NULL)
			s->gw.unbind(s->gw.arg, addr, &c);
		st = commit_change(s, idx, before);
		log_change(true, "release", addr, &c, "");
	} else if (st == DSTM_OK) {
		log_change(false, "release", addr, &c, " (retransmission)");
	}
	*res = st;
	return reply(s, rq, "release", &c, addr, st, (xdrproc_t)xdr_dstm_status,
	    res, sizeof(*res));
}

static void
info(struct server *s, dstm_info *res, struct svc_req *rq)
{
	struct in6_addr c;
	uint32_t first, n;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	res->server = strdup("dstm rpcdstmd " DSTM_VERSION);
	if ((res->status = gate(s, rq, &c)) != DSTM_OK ||
	    (res->status = limit(s, &c, !is_udp(rq))) != DSTM_OK)
		goto out;
	/* the answer lists leases: make what it shows durable first (after
	 * the gate, so a refused sender cannot force syncs) */
	if (s->dirty && commit_barrier(s) != 0) {
		res->status = DSTM_INTERNAL;
		goto out;
	}
	res->lease_time = s->conf.lease_time;
	memcpy(res->tep6, &s->tep6, sizeof(res->tep6));
	addr4_to_bytes(s->conf.gw.tep4, (uint8_t *)res->tep4);
	res->mtu = s->conf.gw.mtu;
	res->pool_size = s->leases.size - s->leases.n_excluded;
	res->pool_free = s->leases.free.count + s->leases.held.count;
	memcpy(res->caller, &c, sizeof(res->caller));
	n = lease_count_client(&s->leases, &c, &first);
	if (n == 0)
		goto out;
	res->leases.leases_val = calloc(n, sizeof(dstm_lease));
	if (res->leases.leases_val == NULL) {
		res->status = DSTM_INTERNAL;
		goto out;
	}
	/* the client's other leases follow its first one in the chain */
	n = 0;
	for (uint32_t b = first; b != SLOT_NONE; b = s->leases.slots[b].hnext) {
		const struct lease_slot *sl = &s->leases.slots[b];

		if (memcmp(&sl->client, &c, sizeof(c)) != 0 ||
		    (sl->state != LEASE_BOUND && sl->state != LEASE_STATIC))
			continue;
		srvsvc_fill_lease(s, b, &res->leases.leases_val[n++]);
	}
	res->leases.leases_len = n;
out:
	count_status(s, res->status);
	if (res->status != DSTM_OK)
		log_refusal(s, "info", &c, 0, res->status, !is_udp(rq), false);
}

bool_t
dstmproc2_info_2_svc(void *argp, dstm_info *res, struct svc_req *rq)
{
	(void)argp;
	srv->counters[C_REQ_INFO]++;
	info(srv, res, rq);
	return TRUE;
}

/* ---- version 1: no keys; state changes are refused ---- */

static dstm_status
v1_refuse(struct server *s, struct svc_req *rq, enum srv_counter req,
    const char *what)
{
	struct in6_addr c;
	dstm_status st;

	memset(&c, 0, sizeof(c));
	s->counters[req]++;
	s->counters[C_REQ_V1]++;
	if ((st = gate(s, rq, &c)) == DSTM_OK &&
	    (st = limit(s, &c, !is_udp(rq))) == DSTM_OK)
		st = DSTM_VERSION_MISMATCH;	/* v1 has no lease keys */
	count_status(s, st);
	log_refusal(s, what, &c, 0, st, !is_udp(rq), false);
	return st;
}

bool_t
dstmproc_alloc_1_svc(dstm_alloc_args *args, dstm_lease *res,
    struct svc_req *rq)
{
	(void)args;
	memset(res, 0, sizeof(*res));
	res->status = v1_refuse(srv, rq, C_REQ_ALLOC, "alloc");
	return TRUE;
}

bool_t
dstmproc_renew_1_svc(dstm_addr_args *args, dstm_lease *res,
    struct svc_req *rq)
{
	(void)args;
	memset(res, 0, sizeof(*res));
	res->status = v1_refuse(srv, rq, C_REQ_RENEW, "renew");
	return TRUE;
}

bool_t
dstmproc_release_1_svc(dstm_addr_args *args, dstm_status *res,
    struct svc_req *rq)
{
	(void)args;
	*res = v1_refuse(srv, rq, C_REQ_RELEASE, "release");
	return TRUE;
}

bool_t
dstmproc_info_1_svc(void *argp, dstm_info *res, struct svc_req *rq)
{
	(void)argp;
	srv->counters[C_REQ_INFO]++;
	srv->counters[C_REQ_V1]++;
	info(srv, res, rq);
	return TRUE;
}

uint64_t
srvsvc_calls(const struct server *s)
{
	return s->counters[C_REQ_ALLOC] + s->counters[C_REQ_RENEW] +
	    s->counters[C_REQ_RELEASE] + s->counters[C_REQ_INFO] +
	    s->counters[C_REQ_NULL];
}

DSTM_FREERESULT(dstm_prog_1)
DSTM_FREERESULT(dstm_prog_2)

/* Expiry: called from the event loop. */
static void
expired_cb(struct lease_table *t, uint32_t idx, enum lease_event ev, void *arg)
{
	struct server *s = arg;
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN];
	uint32_t addr = lease_addr(t, idx);

	if (ev == LEV_EXPIRE) {
		s->counters[C_EXPIRED]++;
		log_info("lease %s of %s expired", addr4_ntop(addr, a4,
		    sizeof(a4)), addr6_ntop(&t->slots[idx].client, a6,
		    sizeof(a6)));
		if (s->gw.unbind != NULL)
			s->gw.unbind(s->gw.arg, addr, &t->slots[idx].client);
	} else {
		/* the address goes back to the pool: no lease changed */
		s->counters[C_HOLD_ENDED]++;
		log_change(false, "hold ended:", addr, &t->slots[idx].client,
		    "");
	}
	store_record(s, idx);
}

/* Records the changes; the event loop's commit_round makes them durable.
 * Each round of the loop (at least once a second) ends here: also the
 * summary lines of the refusals a flood kept out of the log. */
void
srv_expire(struct server *s)
{
	lease_expire(&s->leases, srv_now(), expired_cb, s);
	refusals_flush();
}
