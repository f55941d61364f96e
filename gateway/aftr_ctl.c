/* aftr_ctl.c - the AFTR's control program (DSTM_AFTR_CTL_PROG): its B4s,
 * mappings and port blocks for `dstmctl aftr`, the same for rpcdstmd
 * (co-located gateway) and dstmgwd.  Our own dispatcher: the daemons
 * hand us the request after their transport check. */
#include "gateway/gw.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/nat44.h"
#include "rpc/dstm.h"

#define AFTR_OFF	"the AFTR is off here ([aftr] enable = no)"
#define NO_GATEWAY	"no gateway runs in this daemon"

static bool_t
xdr_nothing(XDR *x, void *p)
{
	(void)x;
	(void)p;
	return TRUE;
}

struct fill {
	void		*v;		/* the reply's array */
	unsigned	 n, cap;
	int64_t		 now, wall;	/* the NAT's clock, time(NULL) */
	u_long		 proc;		/* what to list */
	bool		 nomem;
};

/* grow f->v for one more element of `size`; false when full */
static bool
more(struct fill *f, size_t size)
{
	void *v;
	unsigned cap;

	if (f->n == DSTM_MAX_LIST)
		return false;
	if (f->n < f->cap)
		return true;
	cap = f->cap != 0 ? f->cap * 2 : 64;
	if (cap > DSTM_MAX_LIST)
		cap = DSTM_MAX_LIST;
	if ((v = reallocarray(f->v, cap, size)) == NULL) {
		f->nomem = true;
		return false;
	}
	f->v = v;
	f->cap = cap;
	return true;
}

static int64_t
wall(const struct fill *f, int64_t mono)
{
	return f->wall - (f->now - mono);
}

static bool
one_b4(void *arg, const struct nat44_b4_info *b)
{
	struct fill *f = arg;
	dstm_aftr_b4 *e;

	if (!more(f, sizeof(*e)))
		return false;
	e = &((dstm_aftr_b4 *)f->v)[f->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->addr, &b->addr, sizeof(e->addr));
	addr4_to_bytes(b->pub, (uint8_t *)e->pub);
	e->sessions = b->sessions;
	e->port_blocks = b->blocks;
	e->ifindex = b->ifindex;
	e->since = wall(f, b->since);
	return true;
}

static bool
one_session(void *arg, const struct nat44_session_info *s)
{
	struct fill *f = arg;
	dstm_aftr_session *e;

	if (!more(f, sizeof(*e)))
		return false;
	e = &((dstm_aftr_session *)f->v)[f->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->b4, &s->b4, sizeof(e->b4));
	e->proto = s->proto;
	addr4_to_bytes(s->src, (uint8_t *)e->src);
	e->sport = s->sport;
	addr4_to_bytes(s->pub, (uint8_t *)e->pub);
	e->pport = s->pport;
	/* static names: encoded, never freed (see below) */
	e->state = (char *)nat44_tclass_name((enum nat44_tclass)s->tclass);
	e->expires_in = s->expires - f->now;
	e->pkts_out = s->pkts_out;
	e->pkts_in = s->pkts_in;
	return true;
}

static bool
one_block(void *arg, const struct nat44_block_info *b)
{
	struct fill *f = arg;
	dstm_aftr_block *e;

	if (!more(f, sizeof(*e)))
		return false;
	e = &((dstm_aftr_block *)f->v)[f->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->b4, &b->b4, sizeof(e->b4));
	addr4_to_bytes(b->pub, (uint8_t *)e->pub);
	e->first = b->first;
	e->last = b->last;
	e->used = b->used;
	e->since = wall(f, b->since);
	return true;
}

static void
walk(void *arg, struct nat44 *n, int64_t now)
{
	struct fill *f = arg;

	f->now = now;
	switch (f->proc) {
	case DSTM_AFTR_B4S:
		nat44_foreach_b4(n, one_b4, f);
		break;
	case DSTM_AFTR_SESSIONS:
		nat44_foreach_session(n, one_session, f);
		break;
	case DSTM_AFTR_PORT_BLOCKS:
		nat44_foreach_block(n, one_block, f);
		break;
	}
}

void
gw_aftr_ctl(struct gw *g, struct svc_req *rq, SVCXPRT *xprt)
{
	union {
		dstm_aftr_b4_list	b4s;
		dstm_aftr_session_list	sessions;
		dstm_aftr_block_list	blocks;
	} r;
	struct fill f;
	dstm_status st = DSTM_OK;
	const char *msg = "";
	xdrproc_t xr;

	if (rq->rq_proc == DSTM_AFTR_NULL) {
		if (!svc_sendreply(xprt, (xdrproc_t)xdr_nothing, NULL))
			svcerr_systemerr(xprt);
		return;
	}
	if (rq->rq_proc > DSTM_AFTR_PORT_BLOCKS) {
		svcerr_noproc(xprt);
		return;
	}
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	f.wall = (int64_t)time(NULL);
	if (g == NULL || g->aftr == NULL) {
		st = DSTM_BAD_REQUEST;
		msg = g == NULL ? NO_GATEWAY : AFTR_OFF;
	} else {
		f.proc = rq->rq_proc;
		aftr_list(g, walk, &f);
		if (f.nomem)
			st = DSTM_INTERNAL;
	}
	switch (rq->rq_proc) {
	case DSTM_AFTR_B4S:
		r.b4s.status = st;
		r.b4s.msg = (char *)msg;
		r.b4s.now = f.wall;
		r.b4s.b4s.b4s_val = f.v;
		r.b4s.b4s.b4s_len = f.n;
		xr = (xdrproc_t)xdr_dstm_aftr_b4_list;
		break;
	case DSTM_AFTR_SESSIONS:
		r.sessions.status = st;
		r.sessions.msg = (char *)msg;
		r.sessions.sessions.sessions_val = f.v;
		r.sessions.sessions.sessions_len = f.n;
		xr = (xdrproc_t)xdr_dstm_aftr_session_list;
		break;
	default:
		r.blocks.status = st;
		r.blocks.msg = (char *)msg;
		r.blocks.blocks.blocks_val = f.v;
		r.blocks.blocks.blocks_len = f.n;
		xr = (xdrproc_t)xdr_dstm_aftr_block_list;
		break;
	}
	if (!svc_sendreply(xprt, xr, (char *)&r))
		svcerr_systemerr(xprt);
	/* the strings are static: free only the array */
	free(f.v);
}
