/* gw_svc.h - what dstmgwd serves over RPC:
 *   gw_svc.c  the gateway program (DSTM_GW_PROG): BIND, UNBIND, SYNC and
 *             STATS from the DSTM server(s) in [servers] allow
 *   gw_ctl.c  the control program (DSTM_CTL_PROG) on the local UNIX
 *             socket: `dstmctl -s SOCK stats` and `leases`
 *
 * The rpcgen service functions have no context pointer: they work on the
 * instance in `gwsvc`, set by dstmgwd.  When it is NULL (any other
 * program that happens to link them) they answer DSTM_GATEWAY_ERROR.
 * Single-threaded: called from dstmgwd's event loop only; the data plane
 * runs in gw.c's thread behind the gw's own lock. */
#ifndef DSTM_GW_SVC_H
#define DSTM_GW_SVC_H

#include <rpc/rpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

struct binding;
struct dstm_counter;
struct gw;
struct gwd_conf;

struct gwsvc_counters {
	uint64_t	binds, unbinds, syncs, sync_chunks;
	uint64_t	denied;		/* callers outside [servers] allow */
	uint64_t	rejected;	/* bindings refused (bad address...) */
	uint64_t	gaps;		/* changes that did not follow ours */
};

struct gwsvc {
	struct gw		*gw;
	const struct gwd_conf	*conf;		/* [servers] allow, pools */
	uint64_t		 generation;	/* of our table; 0 at start */
	bool			 caller_ok;	/* of the request in dispatch */
	/* a SYNC being received, chunk by chunk */
	bool			 staging;
	uint64_t		 stage_gen;
	uint32_t		 stage_total;	/* bindings announced */
	uint32_t		 stage_seen;	/* received so far */
	struct binding		*stage;		/* the accepted ones */
	size_t			 n_stage, cap_stage;
	struct gwsvc_counters	 ctr;
	struct loglimit		 rl;
	int64_t			 started;
};

extern struct gwsvc *gwsvc;

/* gw_svc.c */
void gwsvc_init(struct gwsvc *v, struct gw *g, const struct gwd_conf *c);
void gwsvc_free(struct gwsvc *v);
/* From the event loop about once a second: the count of refusals a
 * flood had kept out of the log (log_limited_flush). */
void gwsvc_log_flush(struct gwsvc *v);
/* svc_reg() this for DSTM_GW_PROG: checks the caller against [servers]
 * allow, then runs rpcgen's dispatcher. */
void gwsvc_dispatch(struct svc_req *rq, SVCXPRT *xprt);
/* The counters `dstmctl stats` and STATS show; names are strdup'd (NULL
 * on ENOMEM: xdr_free copes).  Returns how many of `max` were filled. */
unsigned gwsvc_counters(struct gwsvc *v, struct dstm_counter *out,
	unsigned max);
/* A copy of the binding table with counters: 0 or -ENOMEM. */
int  gwsvc_bindings(struct gwsvc *v, struct binding **out, size_t *n);

/* gw_ctl.c */
void gwctl_dispatch(struct svc_req *rq, SVCXPRT *xprt);
void gwctl_aftr_dispatch(struct svc_req *rq, SVCXPRT *xprt);
/* dstmctl reload on the gateway's socket: set by dstmgwd; fills `msg`,
 * returns 0 or -1 (refused, the running configuration stays) */
extern int (*gwctl_reload)(char *msg, size_t len);

#endif
