/* ctlsvc.c - see ctlsvc.h. */
#include "rpc/ctlsvc.h"

#include <stdlib.h>
#include <string.h>

#include "rpc/dstm.h"

bool_t
dstm_xdr_nothing(XDR *x, void *p)
{
	(void)x;
	(void)p;
	return TRUE;
}

void
dstm_ctl_refuse(struct svc_req *rq, SVCXPRT *xprt, const char *msg)
{
	union {
		dstm_lease_list	leases;
		dstm_pool_info	pool;
		dstm_stats	stats;
		dstm_msg_reply	msg;
		dstm_lease	lease;
		dstm_lease_page	page;
		dstm_config_reply config;
	} r;
	xdrproc_t xr;

	memset(&r, 0, sizeof(r));
	switch (rq->rq_proc) {
	case DSTMCTL_LEASES:
		r.leases.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_lease_list;
		break;
	case DSTMCTL_POOL:
		r.pool.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_pool_info;
		break;
	case DSTMCTL_STATS:
		r.stats.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_stats;
		break;
	case DSTMCTL_REVOKE:
	case DSTMCTL_RELOAD:
	case DSTMCTL_STATS_RESET:
		r.msg.status = DSTM_BAD_REQUEST;
		r.msg.msg = (char *)msg;	/* encoded, never freed */
		xr = (xdrproc_t)xdr_dstm_msg_reply;
		break;
	case DSTMCTL_LEASE_FOR:
		r.lease.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_lease;
		break;
	case DSTMCTL_LEASE_QUERY:
		r.page.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_lease_page;
		break;
	case DSTMCTL_CONFIG:
		r.config.status = DSTM_BAD_REQUEST;
		xr = (xdrproc_t)xdr_dstm_config_reply;
		break;
	default:
		svcerr_noproc(xprt);
		return;
	}
	/* the arguments are skipped with the rest of the record */
	if (!svc_sendreply(xprt, xr, (char *)&r))
		svcerr_systemerr(xprt);
}

FILE *
dstm_ctl_config_begin(dstm_config_reply *res, size_t *len)
{
	FILE *f;

	memset(res, 0, sizeof(*res));
	*len = 0;
	res->status = DSTM_INTERNAL;
	if ((f = open_memstream(&res->text, len)) == NULL)
		res->text = NULL;
	return f;
}

void
dstm_ctl_config_end(dstm_config_reply *res, FILE *f, size_t *len)
{
	if (fclose(f) != 0 || *len > DSTM_MAX_CONFIG) {
		free(res->text);
		res->text = NULL;
		return;
	}
	res->status = DSTM_OK;
}
