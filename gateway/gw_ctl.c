/* gw_ctl.c - dstmgwd's answer to dstmctl on the local UNIX socket: the
 * control program's NULL, LEASES (the binding table with its counters)
 * and STATS; every other procedure is the server's business and gets
 * DSTM_BAD_REQUEST.  Our own dispatcher, not rpcgen's: that one would
 * need the server's handlers for all seven procedures. */
#include "gateway/gw_svc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "common/binding.h"
#include "common/ctlsock.h"
#include "gateway/gateway.h"
#include "rpc/dstm.h"

#define NOT_HERE	"dstmgwd answers only stats, leases and reload; ask rpcdstmd"

int (*gwctl_reload)(char *msg, size_t len);

/* xdr_void, with the type svc_sendreply's cast accepts */
static bool_t
xdr_nothing(XDR *x, void *p)
{
	(void)x;
	(void)p;
	return TRUE;
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
	for (size_t i = 0; i < n; i++) {
		dstm_lease_entry *e = &res->entries.entries_val[i];

		addr4_to_bytes(bs[i].addr4, (uint8_t *)e->addr);
		memcpy(e->client, &bs[i].client, sizeof(e->client));
		e->state = bs[i].expires == 0 ? DSTM_LS_STATIC : DSTM_LS_BOUND;
		e->expires = bs[i].expires;
		e->pkts_in = bs[i].ctr.pkts_up;
		e->bytes_in = bs[i].ctr.bytes_up;
		e->pkts_out = bs[i].ctr.pkts_down;
		e->bytes_out = bs[i].ctr.bytes_down;
		e->last_seen = bs[i].ctr.last_seen;
	}
	res->entries.entries_len = (u_int)n;
	res->status = DSTM_OK;
	free(bs);
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
	res->status = DSTM_OK;
}

/* The procedures we do not serve, answered in their own reply type. */
static void
refuse(struct svc_req *rq, SVCXPRT *xprt)
{
	union {
		dstm_pool_info	pool;
		dstm_msg_reply	msg;
		dstm_lease	lease;
	} r;
	xdrproc_t xr;

	memset(&r, 0, sizeof(r));
	switch (rq->rq_proc) {
	case DSTMCTL_POOL:
		r.pool.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_pool_info;
		break;
	case DSTMCTL_REVOKE:
	case DSTMCTL_RELOAD:	/* without a reload hook */
		r.msg.status = DSTM_BAD_REQUEST;
		r.msg.msg = (char *)NOT_HERE;	/* encoded, never freed */
		xr = (xdrproc_t)xdr_dstm_msg_reply;
		break;
	case DSTMCTL_LEASE_FOR:
		r.lease.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_lease;
		break;
	default:
		svcerr_noproc(xprt);
		return;
	}
	/* the arguments are skipped with the rest of the record */
	if (!svc_sendreply(xprt, xr, (char *)&r))
		svcerr_systemerr(xprt);
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
		dstm_stats	stats;
	} r;
	xdrproc_t xr;

	/* the dispatch table is global: refuse what came over tcp6 */
	if (!ctlsock_is_local(xprt) || gwsvc == NULL) {
		log_warnx("control request from the network refused");
		svcerr_noprog(xprt);
		return;
	}
	switch (rq->rq_proc) {
	case DSTMCTL_NULL:
		if (!svc_sendreply(xprt, (xdrproc_t)xdr_nothing, NULL))
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
	case DSTMCTL_RELOAD: {
		char msg[DSTM_MAX_MSG];
		dstm_msg_reply m;

		if (gwctl_reload == NULL) {
			refuse(rq, xprt);
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
		refuse(rq, xprt);
		return;
	}
	if (!svc_sendreply(xprt, xr, (char *)&r))
		svcerr_systemerr(xprt);
	xdr_free(xr, (char *)&r);
}
