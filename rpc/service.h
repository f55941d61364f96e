/* service.h - what the daemons' RPC services share. */
#ifndef DSTM_RPC_SERVICE_H
#define DSTM_RPC_SERVICE_H

#include <rpc/rpc.h>

#include "rpc/dstm.h"

/* rpcgen -M calls PROG_VERS_freeresult() after each reply; ours all free
 * the result with its XDR routine.  DSTM_FREERESULT(dstm_prog_1) defines
 * dstm_prog_1_freeresult(). */
#define DSTM_FREERESULT(progvers)					\
int									\
progvers##_freeresult(SVCXPRT *xprt, xdrproc_t xdr_result,		\
    caddr_t result)							\
{									\
	(void)xprt;							\
	xdr_free(xdr_result, result);					\
	return 1;							\
}

#endif
