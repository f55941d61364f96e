/* ctl.c - the control program for dstmctl, served on the local UNIX
 * socket only: the socket's file mode is the access check. */
#include "server/server.h"

#include <string.h>
#include <sys/socket.h>

#include "common/ctlsock.h"
#include "common/log.h"
#include "gateway/gateway.h"
#include "server/conn.h"
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
	[C_ERR_EXHAUSTED] = "replies.pool-exhausted",
	[C_ERR_UNAVAILABLE] = "replies.address-unavailable",
	[C_ERR_BAD_IPV6] = "replies.bad-ipv6",
	[C_ERR_BAD_IPV4] = "replies.bad-ipv4",
	[C_ERR_DENIED] = "replies.denied",
	[C_ERR_RATE_LIMITED] = "replies.rate-limited",
	[C_ERR_NO_LEASE] = "replies.no-such-lease",
	[C_ERR_NOT_OWNER] = "replies.not-owner",
	[C_ERR_QUOTA] = "replies.quota",
	[C_ERR_BAD_REQUEST] = "replies.bad-request",
	[C_ERR_INTERNAL] = "replies.internal-error",
	[C_EXPIRED] = "leases.expired",
	[C_HOLD_ENDED] = "leases.hold-ended",
	[C_REVOKED] = "leases.revoked",
	[C_JOURNAL_COMMITS] = "journal.commits",
	[C_COMPACTIONS] = "journal.compactions",
	[C_RELOADS] = "config.reloads",
	[C_CTL_REQUESTS] = "control.requests",
	[C_GW_ERRORS] = "gateway.bind-errors",
	[C_REPLIES_HELD] = "journal.replies-held",
	[C_ERR_COOKIE] = "replies.cookie",
	[C_ERR_VERSION] = "replies.version-mismatch",
	[C_RL_UNPROVEN] = "replies.rate-limited.unproven",
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
		dstm_lease_entry *e;

		if (sl->state != LEASE_BOUND && sl->state != LEASE_HELD &&
		    sl->state != LEASE_STATIC)
			continue;
		e = &res->entries.entries_val[k++];
		addr4_to_bytes(lease_addr(t, i), (uint8_t *)e->addr);
		memcpy(e->client, &sl->client, sizeof(e->client));
		e->state = (dstm_lease_state)sl->state;
		e->expires = sl->expires;
		e->since = sl->since;
		if (srv->gw_local != NULL && sl->state != LEASE_HELD) {
			struct binding_counters bc;

			if (gw_binding_counters(srv->gw_local, lease_addr(t, i),
			    &bc)) {
				e->pkts_in = bc.pkts_up;
				e->bytes_in = bc.bytes_up;
				e->pkts_out = bc.pkts_down;
				e->bytes_out = bc.bytes_down;
				e->last_seen = bc.last_seen;
			}
		}
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
	conn_counters(dstm_counters_add, &l);
	if (srv->gw_local != NULL)
		gw_counters(srv->gw_local, dstm_counters_add, &l);
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

DSTM_FREERESULT(dstm_ctl_prog_1)
