/* ctlsvc.h - what a daemon that serves only part of the control program
 * (DSTM_CTL_PROG: dstmgwd, rpcd) needs to answer the rest. */
#ifndef DSTM_RPC_CTLSVC_H
#define DSTM_RPC_CTLSVC_H

#include <rpc/rpc.h>

/* xdr_void, with the type svc_sendreply's cast accepts */
bool_t dstm_xdr_nothing(XDR *x, void *p);

/* Answer procedure rq->rq_proc of the control program with
 * DSTM_BAD_REQUEST in its own reply type, `msg` where the type has a
 * message; an unknown procedure gets PROC_UNAVAIL. */
void dstm_ctl_refuse(struct svc_req *rq, SVCXPRT *xprt, const char *msg);

#endif
