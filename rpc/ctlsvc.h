/* ctlsvc.h - what a daemon that serves only part of the control program
 * (DSTM_CTL_PROG: dstmgwd, rpcd) needs to answer the rest. */
#ifndef DSTM_RPC_CTLSVC_H
#define DSTM_RPC_CTLSVC_H

#include <rpc/rpc.h>
#include <stddef.h>
#include <stdio.h>

#include "rpc/dstm.h"

/* xdr_void, with the type svc_sendreply's cast accepts */
bool_t dstm_xdr_nothing(XDR *x, void *p);

/* Answer procedure rq->rq_proc of the control program with
 * DSTM_BAD_REQUEST in its own reply type, `msg` where the type has a
 * message; an unknown procedure gets PROC_UNAVAIL. */
void dstm_ctl_refuse(struct svc_req *rq, SVCXPRT *xprt, const char *msg);

/* The CONFIG reply: dstm_ctl_config_begin() zeroes *res and opens a
 * stream into res->text (NULL, with DSTM_INTERNAL, when it cannot); the
 * daemon prints its config to it; dstm_ctl_config_end() closes it and
 * sets DSTM_OK, or DSTM_INTERNAL and no text when the text could not be
 * written or is longer than DSTM_MAX_CONFIG.  `len` is the stream's. */
FILE *dstm_ctl_config_begin(dstm_config_reply *res, size_t *len);
void  dstm_ctl_config_end(dstm_config_reply *res, FILE *f, size_t *len);

#endif
