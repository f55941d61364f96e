/* ctl.c - the control program for dstmctl, served on the local UNIX
 * socket only: the socket's file mode is the access check. */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/ctlsock.h"
#include "common/log.h"
#include "gateway/gateway.h"
#include "server/conn.h"
#include "rpc/ctlsvc.h"
#include "rpc/counters.h"
#include "rpc/dstm.h"
#include "rpc/service.h"

static const char *const counter_names[C_COUNT] = {
	[C_REQ_ALLOC] = "requests.alloc",
	[C_REQ_RENEW] = "requests.renew",
	[C_REQ_RELEASE] = "requests.release",
	[C_REQ_INFO] = "requests.info",
	[C_REQ_NULL] = "requests.null",
	[C_OK] = "replies.ok",
	[C_ERR_EXHAUSTED] = "replies.pool_exhausted",
	[C_ERR_UNAVAILABLE] = "replies.address_unavailable",
	[C_ERR_BAD_IPV6] = "replies.bad_ipv6",
	[C_ERR_BAD_IPV4] = "replies.bad_ipv4",
	[C_ERR_DENIED] = "replies.denied",
	[C_ERR_RATE_LIMITED] = "replies.rate_limited",
	[C_ERR_NO_LEASE] = "replies.no_such_lease",
	[C_ERR_NOT_OWNER] = "replies.not_owner",
	[C_ERR_QUOTA] = "replies.quota",
	[C_ERR_BAD_REQUEST] = "replies.bad_request",
	[C_ERR_INTERNAL] = "replies.internal_error",
	[C_EXPIRED] = "leases.expired",
	[C_HOLD_ENDED] = "leases.hold_ended",
	[C_REVOKED] = "leases.revoked",
	[C_JOURNAL_COMMITS] = "journal.commits",
	[C_COMPACTIONS] = "journal.compactions",
	[C_RELOADS] = "config.reloads",
	[C_CTL_REQUESTS] = "control.requests",
	[C_GW_ERRORS] = "gateway.bind_errors",
	[C_REPLIES_HELD] = "journal.replies_held",
	[C_ERR_COOKIE] = "replies.cookie",
	[C_ERR_VERSION] = "replies.version_mismatch",
	[C_RL_UNPROVEN] = "replies.rate_limited.unproven",
	[C_NOTIFY_SENT] = "notify.sent",
	[C_NOTIFY_ERRORS] = "notify.errors",
	[C_REQ_V1] = "requests.version1",
};

void
ctl_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	if (!ctlsock_is_local(xprt)) {
		char a[ADDR_STRLEN] = "?";
		struct netbuf *nb = svc_getrpccaller(xprt);

		if (nb != NULL && nb->len >= sizeof(struct sockaddr_in6)) {
			struct sockaddr_in6 sin6;

			memcpy(&sin6, nb->buf, sizeof(sin6));
			addr6_ntop(&sin6.sin6_addr, a, sizeof(a));
		}
		log_warnx("control request from the network (%s) refused", a);
		svcerr_noprog(xprt);
		return;
	}
	srv->counters[C_CTL_REQUESTS]++;
	dstm_ctl_prog_1(rq, xprt);
}

/* DSTM_AFTR_CTL_PROG, beside the control program on the same socket */
void
aftr_ctl_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	if (!ctlsock_is_local(xprt)) {
		log_warnx("AFTR control request from the network refused");
		svcerr_noprog(xprt);
		return;
	}
	srv->counters[C_CTL_REQUESTS]++;
	gw_aftr_ctl(srv->gw_local, rq, xprt);
}

bool_t
dstmctl_null_1_svc(void *argp, void *res, struct svc_req *rq)
{
	(void)argp;
	(void)res;
	(void)rq;
	return TRUE;
}

/* Slot i of the table as a lease entry, with its data-plane counters. */
static void
fill_entry(const struct lease_table *t, uint32_t i, dstm_lease_entry *e)
{
	const struct lease_slot *sl = &t->slots[i];

	addr4_to_bytes(lease_addr(t, i), (uint8_t *)e->addr);
	memcpy(e->client, &sl->client, sizeof(e->client));
	e->state = (dstm_lease_state)sl->state;
	e->expires = sl->expires;
	e->since = sl->since;
	if (srv->gw_local != NULL && sl->state != LEASE_HELD) {
		struct binding_counters bc;

		if (gw_binding_counters(srv->gw_local, lease_addr(t, i), &bc)) {
			e->pkts_in = bc.pkts_up;
			e->bytes_in = bc.bytes_up;
			e->pkts_out = bc.pkts_down;
			e->bytes_out = bc.bytes_down;
			e->last_seen = bc.last_seen;
		}
	}
}

bool_t
dstmctl_leases_1_svc(void *argp, dstm_lease_list *res, struct svc_req *rq)
{
	struct lease_table *t = &srv->leases;
	uint32_t n = t->bound.count + t->held.count + t->n_static, k = 0;

	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	res->now = srv_now();
	if (n > DSTM_MAX_LIST)
		n = DSTM_MAX_LIST;	/* the first 64k; see dstmctl(8) */
	if (n > 0 && (res->entries.entries_val = calloc(n,
	    sizeof(dstm_lease_entry))) == NULL) {
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	for (uint32_t i = 0; i < t->size && k < n; i++) {
		const struct lease_slot *sl = &t->slots[i];

		if (sl->state != LEASE_BOUND && sl->state != LEASE_HELD &&
		    sl->state != LEASE_STATIC)
			continue;
		fill_entry(t, i, &res->entries.entries_val[k++]);
	}
	res->entries.entries_len = k;
	res->status = DSTM_OK;
	return TRUE;
}

bool_t
dstmctl_pool_1_svc(void *argp, dstm_pool_info *res, struct svc_req *rq)
{
	struct lease_table *t = &srv->leases;

	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	res->size = t->size;
	res->free = t->free.count;
	res->bound = t->bound.count + t->n_static;
	res->held = t->held.count;
	res->excluded = t->n_excluded;
	res->ranges.ranges_val = calloc(t->n_ranges, sizeof(dstm_range));
	if (res->ranges.ranges_val == NULL) {
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	res->ranges.ranges_len = t->n_ranges;
	for (unsigned r = 0; r < t->n_ranges; r++) {
		dstm_range *d = &res->ranges.ranges_val[r];
		const struct lease_range *lr = &t->ranges[r];

		addr4_to_bytes(lr->first, (uint8_t *)d->first);
		addr4_to_bytes(lr->last, (uint8_t *)d->last);
		d->size = lr->last - lr->first + 1;
		for (uint32_t i = lr->base; i < lr->base + d->size; i++) {
			switch (t->slots[i].state) {
			case LEASE_FREE:	d->free++; break;
			case LEASE_BOUND:
			case LEASE_STATIC:	d->bound++; break;
			case LEASE_HELD:	d->held++; break;
			default:		d->excluded++; break;
			}
		}
	}
	res->status = DSTM_OK;
	return TRUE;
}

/* What the server does not count itself: the connection layer's and the
 * co-located gateway's, less the baseline of the last reset. */
static struct dstm_baseline baseline;

static void
other_counters(struct dstm_counters *l)
{
	struct dstm_counters o = { l->v + l->n, l->max - l->n, 0 };

	conn_counters(dstm_counters_add, &o);
	if (srv->gw_local != NULL)
		gw_counters(srv->gw_local, dstm_counters_add, &o);
	dstm_baseline_apply(&baseline, &o);
	l->n += o.n;
}

bool_t
dstmctl_stats_1_svc(void *argp, dstm_stats *res, struct svc_req *rq)
{
	struct dstm_counters l = { NULL, DSTM_MAX_COUNTERS, 0 };

	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	res->uptime = srv_now() - srv->started;
	if ((l.v = calloc(DSTM_MAX_COUNTERS, sizeof(dstm_counter))) == NULL) {
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	for (int c = 0; c < C_COUNT; c++)
		dstm_counters_add(&l, counter_names[c], srv->counters[c]);
	dstm_counters_add(&l, "stats.since", (uint64_t)srv->counters_since);
	other_counters(&l);
	res->counters.counters_val = l.v;
	res->counters.counters_len = l.n;
	res->status = DSTM_OK;
	return TRUE;
}

static void
msg_reply(dstm_msg_reply *res, dstm_status st, const char *msg)
{
	res->status = st;
	res->msg = strdup(msg);
}

bool_t
dstmctl_revoke_1_svc(dstm_addr_args *args, dstm_msg_reply *res,
    struct svc_req *rq)
{
	struct server *s = srv;
	uint32_t addr = addr4_from_bytes((const uint8_t *)args->addr), idx;
	struct in6_addr owner;
	uint8_t key[LEASE_KEY_LEN];
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN], msg[128];
	enum lease_err le;

	(void)rq;
	memset(res, 0, sizeof(*res));
	idx = lease_index(&s->leases, addr);
	if (idx != SLOT_NONE) {
		owner = s->leases.slots[idx].client;
		memcpy(key, s->leases.slots[idx].key, sizeof(key));
	}
	le = lease_revoke(&s->leases, addr, &idx);
	addr4_ntop(addr, a4, sizeof(a4));
	if (le == LE_NOT_IN_POOL) {
		snprintf(msg, sizeof(msg), "%s is not in the pool", a4);
		msg_reply(res, DSTM_BAD_IPV4, msg);
		return TRUE;
	}
	if (le != LE_OK) {
		snprintf(msg, sizeof(msg), "%s has no bound lease", a4);
		msg_reply(res, DSTM_NO_SUCH_LEASE, msg);
		return TRUE;
	}
	if (s->gw.unbind != NULL)
		s->gw.unbind(s->gw.arg, addr, &owner);
	s->counters[C_REVOKED]++;
	if (store_record(s, idx) != 0 || store_commit(s) != 0) {
		msg_reply(res, DSTM_INTERNAL, "revoked, but the journal failed");
		return TRUE;
	}
	/* durable: now tell the client, which renews and is refused */
	notify_revoked(s, addr, &owner, key);
	snprintf(msg, sizeof(msg), "revoked %s from %s", a4,
	    addr6_ntop(&owner, a6, sizeof(a6)));
	log_info("%s", msg);
	msg_reply(res, DSTM_OK, msg);
	return TRUE;
}

bool_t
dstmctl_reload_1_svc(void *argp, dstm_msg_reply *res, struct svc_req *rq)
{
	char msg[DSTM_MAX_MSG];

	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	if (srv_reload(srv, msg, sizeof(msg)) != 0)
		msg_reply(res, DSTM_BAD_CONFIG, msg);
	else
		msg_reply(res, DSTM_OK, msg);
	return TRUE;
}

bool_t
dstmctl_lease_for_1_svc(dstm_lease_for_args *args, dstm_lease *res,
    struct svc_req *rq)
{
	struct server *s = srv;
	struct in6_addr c;
	uint32_t hint = addr4_from_bytes((const uint8_t *)args->hint), idx;
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN];
	enum lease_err le;

	(void)rq;
	memset(res, 0, sizeof(*res));
	memcpy(&c, args->client, sizeof(c));
	if (!addr6_is_unicast_endpoint(&c)) {
		res->status = DSTM_BAD_IPV6;
		return TRUE;
	}
	if (args->lease_time != 0 && args->lease_time < 10) {
		res->status = DSTM_BAD_REQUEST;
		return TRUE;
	}
	le = lease_make(&s->leases, &c, hint, args->lease_time, srv_now(), &idx);
	switch (le) {
	case LE_OK:		break;
	case LE_EXHAUSTED:	res->status = DSTM_POOL_EXHAUSTED; return TRUE;
	case LE_UNAVAILABLE:	res->status = DSTM_ADDR_UNAVAILABLE; return TRUE;
	case LE_NOT_IN_POOL:	res->status = DSTM_BAD_IPV4; return TRUE;
	default:		res->status = DSTM_INTERNAL; return TRUE;
	}
	if (store_record(s, idx) != 0 || store_commit(s) != 0) {
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	if (s->gw.bind != NULL && s->gw.bind(s->gw.arg, lease_addr(&s->leases,
	    idx), &c, s->leases.slots[idx].expires) != 0) {
		res->status = DSTM_GATEWAY_ERROR;
		return TRUE;
	}
	log_info("operator lease %s for %s (%s)",
	    addr4_ntop(lease_addr(&s->leases, idx), a4, sizeof(a4)),
	    addr6_ntop(&c, a6, sizeof(a6)),
	    args->lease_time == 0 ? "static" : "timed");
	srvsvc_fill_lease(s, idx, res);	/* same reply shape as ALLOC */
	return TRUE;
}

/* ---- LEASE_QUERY ---- */

static bool
query_matches(const dstm_lease_query *q, const struct prefix6 *c6,
    uint32_t a4, uint32_t m4, const struct lease_slot *sl, uint32_t addr)
{
	if (sl->state != LEASE_BOUND && sl->state != LEASE_HELD &&
	    sl->state != LEASE_STATIC)
		return false;
	if (q->states != 0 && !(q->states & (1u << sl->state)))
		return false;
	if (q->addr_plen != 0 && (addr & m4) != a4)
		return false;
	return q->client_plen == 0 || prefix6_contains(c6, &sl->client);
}

bool_t
dstmctl_lease_query_1_svc(dstm_lease_query *q, dstm_lease_page *res,
    struct svc_req *rq)
{
	const struct lease_table *t = &srv->leases;
	uint32_t from = addr4_from_bytes((const uint8_t *)q->from);
	uint32_t a4 = addr4_from_bytes((const uint8_t *)q->addr), m4, i, k = 0;
	uint32_t limit = q->limit == 0 ? DSTM_MAX_LIST : q->limit, room;
	struct prefix6 c6;

	(void)rq;
	memset(res, 0, sizeof(*res));
	res->now = srv_now();
	if (q->client_plen > 128 || q->addr_plen > 32 || limit > DSTM_MAX_LIST ||
	    (q->states & ~(u_int)(DSTM_LQ_STATE_BOUND | DSTM_LQ_STATE_HELD |
	    DSTM_LQ_STATE_STATIC)) != 0) {
		res->status = DSTM_BAD_REQUEST;
		return TRUE;
	}
	memcpy(&c6.addr, q->client, sizeof(c6.addr));
	c6.len = (uint8_t)q->client_plen;
	addr6_mask(&c6.addr, c6.len);
	m4 = prefix4_mask((uint8_t)q->addr_plen);
	a4 &= m4;
	room = t->bound.count + t->held.count + t->n_static;
	if (room > limit)
		room = limit;
	if (room > 0 && (res->entries.entries_val = calloc(room,
	    sizeof(dstm_lease_entry))) == NULL) {
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	/* the slots are in address order: the first at or after `from` */
	i = t->size;
	for (unsigned r = 0; r < t->n_ranges; r++) {
		const struct lease_range *lr = &t->ranges[r];

		if (lr->last < from)
			continue;
		i = lr->base + (from > lr->first ? from - lr->first : 0);
		break;
	}
	for (; i < t->size; i++) {
		uint32_t addr = lease_addr(t, i);

		if (!query_matches(q, &c6, a4, m4, &t->slots[i], addr))
			continue;
		if (k == room) {
			res->more = TRUE;
			addr4_to_bytes(addr, (uint8_t *)res->next);
			break;
		}
		fill_entry(t, i, &res->entries.entries_val[k++]);
	}
	res->entries.entries_len = k;
	res->status = DSTM_OK;
	return TRUE;
}

/* ---- STATS_RESET, and the counters that outlive a restart ----
 *
 * The server's own counters (srv->counters: requests, replies, lease
 * endings, journal, notices) are kept in STATE_DIR/counters at exit and
 * every CTR_SAVE_S seconds and counted on from there after a restart:
 * they are the lifetime totals an operator reads for capacity and abuse.
 * "stats.since" is when they started counting (first start or last
 * reset).  The connection layer's and the gateway's counters describe
 * the running process and its data plane and start at 0 with it. */

#define CTR_FILE	"counters"
#define CTR_MAGIC	"dstm-counters 1"
#define CTR_SAVE_S	300
#define CTR_MAX_LINES	1024

static int64_t ctr_saved_at;

static int
ctr_path(const struct server *s, char *buf, size_t len, const char *suffix)
{
	int n = snprintf(buf, len, "%s/" CTR_FILE "%s", s->conf.state_dir,
	    suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void
ctl_counters_load(struct server *s)
{
	char path[PATH_MAX], line[128], name[72];
	unsigned long long v;
	unsigned restored = 0;
	FILE *f;

	s->counters_since = srv_now();
	ctr_saved_at = s->counters_since;
	if (ctr_path(s, path, sizeof(path), "") != 0 ||
	    (f = fopen(path, "re")) == NULL)
		return;		/* first start: counting from now */
	if (fgets(line, sizeof(line), f) == NULL ||
	    strncmp(line, CTR_MAGIC "\n", sizeof(CTR_MAGIC)) != 0) {
		log_warnx("%s: not a counters file, counting from 0", path);
		fclose(f);
		return;
	}
	for (int n = 0; n < CTR_MAX_LINES && fgets(line, sizeof(line), f);
	    n++) {
		size_t nl = strspn(line, "abcdefghijklmnopqrstuvwxyz0123456789_.");
		char end;

		/* "name digits\n" and nothing else (no sign, no space) */
		if (nl == 0 || nl >= sizeof(name) || line[nl] != ' ' ||
		    strspn(line + nl + 1, "0123456789") == 0 ||
		    sscanf(line, "%71s %llu%c", name, &v, &end) != 3 ||
		    end != '\n') {
			log_warnx("%s: line %d ignored", path, n + 2);
			continue;
		}
		if (strcmp(name, "since") == 0) {
			if (v > 0 && (int64_t)v <= s->counters_since)
				s->counters_since = (int64_t)v;
			continue;
		}
		for (int c = 0; c < C_COUNT; c++)
			if (strcmp(name, counter_names[c]) == 0) {
				s->counters[c] += v;
				restored++;
				break;
			}
	}
	fclose(f);
	log_info("counters: %u restored from %s, counting since %" PRId64,
	    restored, path, s->counters_since);
}

int
ctl_counters_save(struct server *s)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int fd, rc = 0;

	ctr_saved_at = srv_now();
	if (ctr_path(s, path, sizeof(path), "") != 0 ||
	    ctr_path(s, tmp, sizeof(tmp), ".tmp") != 0)
		return -ENAMETOOLONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0640)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		log_warnx("cannot save the counters to %s: %s", tmp,
		    strerror(-rc));
		return rc;
	}
	fprintf(f, CTR_MAGIC "\nsince %" PRId64 "\n", s->counters_since);
	for (int c = 0; c < C_COUNT; c++)
		fprintf(f, "%s %" PRIu64 "\n", counter_names[c],
		    s->counters[c]);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		log_warnx("cannot save the counters to %s: %s", path,
		    strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

void
ctl_counters_tick(struct server *s)
{
	if (srv_now() - ctr_saved_at >= CTR_SAVE_S)
		ctl_counters_save(s);
}

bool_t
dstmctl_stats_reset_1_svc(void *argp, dstm_msg_reply *res, struct svc_req *rq)
{
	struct dstm_counters l = { NULL, DSTM_MAX_COUNTERS, 0 };
	char msg[DSTM_MAX_MSG];
	unsigned zeroed = C_COUNT, ng = 0;
	size_t gl = 0;

	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	if ((l.v = calloc(DSTM_MAX_COUNTERS, sizeof(dstm_counter))) == NULL) {
		msg_reply(res, DSTM_INTERNAL, "out of memory");
		return TRUE;
	}
	dstm_baseline_free(&baseline);
	other_counters(&l);
	if (dstm_baseline_take(&baseline, &l) != 0) {
		msg_reply(res, DSTM_INTERNAL, "out of memory");
	} else {
		memset(srv->counters, 0, sizeof(srv->counters));
		srv->counters_since = srv_now();
		zeroed += baseline.n;
		for (unsigned i = 0; i < l.n; i++)
			ng += dstm_counter_is_gauge(l.v[i].name);
		/* the gauges' names as far as they fit */
		gl = (size_t)snprintf(msg, sizeof(msg), "zeroed %u counters; %u "
		    "gauges kept: stats.since", zeroed, ng + 1);
		for (unsigned i = 0; i < l.n && gl < sizeof(msg); i++) {
			size_t w;

			if (!dstm_counter_is_gauge(l.v[i].name))
				continue;
			w = strlen(l.v[i].name) + 2;
			if (gl + w >= sizeof(msg))
				break;
			memcpy(msg + gl, ", ", 2);
			memcpy(msg + gl + 2, l.v[i].name, w - 1);
			gl += w;
		}
		log_info("statistics reset by the operator: %u counters "
		    "zeroed", zeroed);
		ctl_counters_save(srv);
		msg_reply(res, DSTM_OK, msg);
	}
	for (unsigned i = 0; i < l.n; i++)
		free(l.v[i].name);
	free(l.v);
	return TRUE;
}

/* ---- CONFIG ---- */

bool_t
dstmctl_config_1_svc(void *argp, dstm_config_reply *res, struct svc_req *rq)
{
	size_t len;
	FILE *f;

	(void)argp;
	(void)rq;
	if ((f = dstm_ctl_config_begin(res, &len)) != NULL) {
		server_conf_print(f, &srv->conf);
		dstm_ctl_config_end(res, f, &len);
	}
	return TRUE;
}

DSTM_FREERESULT(dstm_ctl_prog_1)
