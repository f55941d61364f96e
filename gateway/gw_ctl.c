/* gw_ctl.c - dstmgwd's answer to dstmctl on the local UNIX socket: the
 * control program's NULL, LEASES and LEASE_QUERY (the binding table with
 * its counters), STATS, STATS_RESET, CONFIG and RELOAD; every other
 * procedure is the server's business and gets DSTM_BAD_REQUEST.  Our own dispatcher, not rpcgen's: that one would
 * need the server's handlers for all seven procedures. */
#include "gateway/gw_svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "common/binding.h"
#include "common/ctlsock.h"
#include "gateway/gateway.h"
#include "gateway/gwconf.h"
#include "rpc/counters.h"
#include "rpc/ctlsvc.h"
#include "rpc/dstm.h"

#define NOT_HERE	"dstmgwd answers only stats, leases, config and reload; ask rpcdstmd"

int (*gwctl_reload)(char *msg, size_t len);

static void
fill_entry(const struct binding *b, dstm_lease_entry *e)
{
	addr4_to_bytes(b->addr4, (uint8_t *)e->addr);
	memcpy(e->client, &b->client, sizeof(e->client));
	e->state = b->expires == 0 ? DSTM_LS_STATIC : DSTM_LS_BOUND;
	e->expires = b->expires;
	e->pkts_in = b->ctr.pkts_up;
	e->bytes_in = b->ctr.bytes_up;
	e->pkts_out = b->ctr.pkts_down;
	e->bytes_out = b->ctr.bytes_down;
	e->last_seen = b->ctr.last_seen;
}

/* Heapsort by address, in place: no allocation on the control path
 * (glibc's qsort() may allocate a copy as large as the array). */
static void
sift_down(struct binding *b, size_t i, size_t n)
{
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		struct binding t;

		if (c + 1 < n && b[c + 1].addr4 > b[c].addr4)
			c++;
		if (b[i].addr4 >= b[c].addr4)
			return;
		t = b[i];
		b[i] = b[c];
		b[c] = t;
	}
}

static void
sort_by_addr(struct binding *b, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(b, i, n);
	for (size_t k = n; k-- > 1;) {
		struct binding t = b[0];

		b[0] = b[k];
		b[k] = t;
		sift_down(b, 0, k);
	}
}

/* The server's LEASE_QUERY over the binding table, in address order. */
static void
lease_query(struct gwsvc *v, const dstm_lease_query *q, dstm_lease_page *res)
{
	uint32_t from = addr4_from_bytes((const uint8_t *)q->from);
	uint32_t m4 = prefix4_mask((uint8_t)(q->addr_plen <= 32 ?
	    q->addr_plen : 0));
	uint32_t a4 = addr4_from_bytes((const uint8_t *)q->addr) & m4;
	uint32_t limit = q->limit == 0 ? DSTM_MAX_LIST : q->limit, k = 0;
	struct binding *bs = NULL;
	struct prefix6 c6;
	size_t n = 0;

	memset(res, 0, sizeof(*res));
	res->now = (int64_t)time(NULL);
	if (q->client_plen > 128 || q->addr_plen > 32 || limit > DSTM_MAX_LIST ||
	    (q->states & ~(u_int)(DSTM_LQ_STATE_BOUND | DSTM_LQ_STATE_HELD |
	    DSTM_LQ_STATE_STATIC)) != 0) {
		res->status = DSTM_BAD_REQUEST;
		return;
	}
	memcpy(&c6.addr, q->client, sizeof(c6.addr));
	c6.len = (uint8_t)q->client_plen;
	addr6_mask(&c6.addr, c6.len);
	if (gwsvc_bindings(v, &bs, &n) != 0) {
		res->status = DSTM_INTERNAL;
		return;
	}
	sort_by_addr(bs, n);
	if (n > 0 && (res->entries.entries_val = calloc(n < limit ? n : limit,
	    sizeof(dstm_lease_entry))) == NULL) {
		free(bs);
		res->status = DSTM_INTERNAL;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned st = bs[i].expires == 0 ? DSTM_LS_STATIC :
		    DSTM_LS_BOUND;

		if (bs[i].addr4 < from ||
		    (q->states != 0 && !(q->states & (1u << st))) ||
		    (q->addr_plen != 0 && (bs[i].addr4 & m4) != a4) ||
		    (q->client_plen != 0 && !prefix6_contains(&c6,
		    &bs[i].client)))
			continue;
		if (k == limit) {
			res->more = TRUE;
			addr4_to_bytes(bs[i].addr4, (uint8_t *)res->next);
			break;
		}
		fill_entry(&bs[i], &res->entries.entries_val[k++]);
	}
	res->entries.entries_len = k;
	res->status = DSTM_OK;
	free(bs);
}

static void
leases(struct gwsvc *v, dstm_lease_list *res)
{
	struct binding *bs = NULL;
	size_t n = 0;

	memset(res, 0, sizeof(*res));
	res->now = (int64_t)time(NULL);
	if (gwsvc_bindings(v, &bs, &n) != 0) {
		res->status = DSTM_INTERNAL;
		return;
	}
	if (n > DSTM_MAX_LIST)
		n = DSTM_MAX_LIST;
	if (n > 0 && (res->entries.entries_val = calloc(n,
	    sizeof(dstm_lease_entry))) == NULL) {
		free(bs);
		res->status = DSTM_INTERNAL;
		return;
	}
	for (size_t i = 0; i < n; i++)
		fill_entry(&bs[i], &res->entries.entries_val[i]);
	res->entries.entries_len = (u_int)n;
	res->status = DSTM_OK;
	free(bs);
}

static struct dstm_baseline baseline;

static void
apply_baseline(dstm_stats *res)
{
	struct dstm_counters l = { res->counters.counters_val,
	    res->counters.counters_len, res->counters.counters_len };

	dstm_baseline_apply(&baseline, &l);
}

static void
stats(struct gwsvc *v, dstm_stats *res)
{
	memset(res, 0, sizeof(*res));
	res->uptime = (int64_t)time(NULL) - v->started;
	res->counters.counters_val = calloc(DSTM_MAX_COUNTERS,
	    sizeof(dstm_counter));
	if (res->counters.counters_val == NULL) {
		res->status = DSTM_INTERNAL;
		return;
	}
	res->counters.counters_len = gwsvc_counters(v,
	    res->counters.counters_val, DSTM_MAX_COUNTERS);
	apply_baseline(res);
	res->status = DSTM_OK;
}

/* stats --reset: the gateway's counters live in its data plane and the
 * kernel; we zero them as dstmctl sees them, by subtraction. */
static void
stats_reset(struct gwsvc *v, dstm_msg_reply *res)
{
	dstm_stats st;
	struct dstm_counters l;
	unsigned ng = 0;

	dstm_baseline_free(&baseline);
	stats(v, &st);
	l.v = st.counters.counters_val;
	l.max = l.n = st.counters.counters_len;
	memset(res, 0, sizeof(*res));
	res->msg = calloc(1, DSTM_MAX_MSG);
	if (st.status != DSTM_OK || res->msg == NULL ||
	    dstm_baseline_take(&baseline, &l) != 0) {
		res->status = DSTM_INTERNAL;
	} else {
		for (unsigned i = 0; i < l.n; i++)
			ng += dstm_counter_is_gauge(l.v[i].name);
		snprintf(res->msg, DSTM_MAX_MSG, "zeroed %u counters; %u "
		    "gauges kept", baseline.n, ng);
		log_info("statistics reset by the operator: %u counters "
		    "zeroed", baseline.n);
		res->status = DSTM_OK;
	}
	xdr_free((xdrproc_t)xdr_dstm_stats, (char *)&st);
}

static void
config(struct gwsvc *v, dstm_config_reply *res)
{
	size_t len;
	FILE *f;

	if ((f = dstm_ctl_config_begin(res, &len)) != NULL) {
		gwd_conf_print(f, v->conf);
		dstm_ctl_config_end(res, f, &len);
	}
}

/* DSTM_AFTR_CTL_PROG, beside the control program on the same socket */
void
gwctl_aftr_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	if (!ctlsock_is_local(xprt) || gwsvc == NULL) {
		log_warnx("AFTR control request from the network refused");
		svcerr_noprog(xprt);
		return;
	}
	gw_aftr_ctl(gwsvc->gw, rq, xprt);
}

void
gwctl_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	union {
		dstm_lease_list	leases;
		dstm_lease_page	page;
		dstm_stats	stats;
		dstm_msg_reply	msg;
		dstm_config_reply config;
	} r;
	dstm_lease_query q;
	xdrproc_t xr;

	/* the dispatch table is global: refuse what came over tcp6 */
	if (!ctlsock_is_local(xprt) || gwsvc == NULL) {
		log_warnx("control request from the network refused");
		svcerr_noprog(xprt);
		return;
	}
	switch (rq->rq_proc) {
	case DSTMCTL_NULL:
		if (!svc_sendreply(xprt, (xdrproc_t)dstm_xdr_nothing, NULL))
			svcerr_systemerr(xprt);
		return;
	case DSTMCTL_LEASES:
		leases(gwsvc, &r.leases);
		xr = (xdrproc_t)xdr_dstm_lease_list;
		break;
	case DSTMCTL_STATS:
		stats(gwsvc, &r.stats);
		xr = (xdrproc_t)xdr_dstm_stats;
		break;
	case DSTMCTL_LEASE_QUERY:
		memset(&q, 0, sizeof(q));
		if (!svc_getargs(xprt, (xdrproc_t)xdr_dstm_lease_query,
		    (char *)&q)) {
			svcerr_decode(xprt);
			return;
		}
		lease_query(gwsvc, &q, &r.page);
		xr = (xdrproc_t)xdr_dstm_lease_page;
		break;
	case DSTMCTL_STATS_RESET:
		stats_reset(gwsvc, &r.msg);
		xr = (xdrproc_t)xdr_dstm_msg_reply;
		break;
	case DSTMCTL_CONFIG:
		config(gwsvc, &r.config);
		xr = (xdrproc_t)xdr_dstm_config_reply;
		break;
	case DSTMCTL_RELOAD: {
		char msg[DSTM_MAX_MSG];
		dstm_msg_reply m;

		if (gwctl_reload == NULL) {
			dstm_ctl_refuse(rq, xprt, NOT_HERE);
			return;
		}
		m.status = gwctl_reload(msg, sizeof(msg)) == 0 ? DSTM_OK :
		    DSTM_BAD_CONFIG;
		m.msg = msg;
		if (!svc_sendreply(xprt, (xdrproc_t)xdr_dstm_msg_reply,
		    (char *)&m))
			svcerr_systemerr(xprt);
		return;
	}
	default:
		dstm_ctl_refuse(rq, xprt, NOT_HERE);
		return;
	}
	if (!svc_sendreply(xprt, xr, (char *)&r))
		svcerr_systemerr(xprt);
	xdr_free(xr, (char *)&r);
}
