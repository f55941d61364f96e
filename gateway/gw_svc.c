/* gw_svc.c - the gateway program: the DSTM server tells a standalone
 * gateway (dstmgwd) its bindings.  See rpc/dstm.x for the generation
 * rules and gw_svc.h for the instance pointer.
 *
 * Everything on the wire is checked before it reaches the table: the
 * caller must be in [servers] allow, a binding's client a unicast IPv6
 * address, its IPv4 address inside one of our pools (the only space
 * routed into the TUN), a SYNC at most DSTM_MAX_BINDINGS long and sent
 * in order.  A refused binding still counts as a change seen (the
 * generation moves on): resending it would not make it acceptable. */
#include "gateway/gw_svc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/addr.h"
#include "rpc/status.h"
#include "gateway/gw.h"
#include "gateway/gwconf.h"
#include "rpc/counters.h"
#include "rpc/dstm.h"
#include "rpc/service.h"

/* rpcgen's dispatcher; no prototype is generated */
void dstm_gw_prog_1(struct svc_req *rq, SVCXPRT *xprt);

struct gwsvc *gwsvc;

void
gwsvc_init(struct gwsvc *v, struct gw *g, const struct gwd_conf *c)
{
	memset(v, 0, sizeof(*v));
	v->gw = g;
	v->conf = c;
	loglimit_init(&v->rl, "refusals", 60000, 10);
	v->started = (int64_t)time(NULL);
}

static void
stage_reset(struct gwsvc *v)
{
	free(v->stage);
	v->stage = NULL;
	v->n_stage = v->cap_stage = 0;
	v->stage_seen = v->stage_total = 0;
	v->staging = false;
}

void
gwsvc_free(struct gwsvc *v)
{
	stage_reset(v);
}

/* The caller's IPv6 address; false for anything else (AF_UNIX...). */
static bool
caller6(SVCXPRT *xprt, struct in6_addr *out)
{
	struct netbuf *nb = svc_getrpccaller(xprt);

	return nb != NULL && addr6_from_sockaddr(nb->buf, nb->len, out);
}

static const char *
proc_name(rpcproc_t p)
{
	static const char *const names[] = {
		"NULL", "BIND", "UNBIND", "SYNC", "STATS", "GENERATION",
	};

	return p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

void
gwsvc_log_flush(struct gwsvc *v)
{
	log_limited_flush(&v->rl, LOG_LVL_WARNING);
}

void
gwsvc_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	struct gwsvc *v = gwsvc;
	struct in6_addr a;
	char buf[ADDR_STRLEN] = "a non-IPv6 caller";

	if (v != NULL) {
		v->caller_ok = caller6(xprt, &a) &&
		    gwd_conf_server_allowed(v->conf, &a);
		/* NULL answers anybody: a reachability probe */
		if (!v->caller_ok && rq->rq_proc != DSTMGW_NULL) {
			v->ctr.denied++;
			if (caller6(xprt, &a))
				addr6_ntop(&a, buf, sizeof(buf));
			log_limited(&v->rl, LOG_LVL_WARNING, "refused %s from "
			    "%s: not in [servers] allow",
			    proc_name(rq->rq_proc), buf);
		}
	}
	dstm_gw_prog_1(rq, xprt);
	if (v != NULL)
		v->caller_ok = false;
}

/* Common gate of the procedures: instance, caller. */
static dstm_status
gate(struct gwsvc *v)
{
	if (v == NULL)
		return DSTM_GATEWAY_ERROR;
	if (!v->caller_ok)
		return DSTM_DENIED;
	return DSTM_OK;
}

static bool
in_pool(const struct gwd_conf *c, uint32_t a)
{
	return range4_find(c->pools, c->n_pools, a);	/* sorted, disjoint */
}

/* Wire binding -> table binding, checked. */
static dstm_status
check_binding(const struct gwsvc *v, const dstm_binding *w, struct binding *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(&b->client, w->client, sizeof(b->client));
	b->addr4 = addr4_from_bytes((const uint8_t *)w->addr);
	if (!addr6_is_unicast_endpoint(&b->client))
		return DSTM_BAD_IPV6;
	if (!in_pool(v->conf, b->addr4))
		return DSTM_BAD_IPV4;
	/* the ports option is not served yet: whole addresses only */
	if (w->port_min != BINDING_PORT_ALL_MIN ||
	    w->port_max != BINDING_PORT_ALL_MAX || w->expires < 0)
		return DSTM_BAD_REQUEST;
	b->port_min = BINDING_PORT_ALL_MIN;
	b->port_max = BINDING_PORT_ALL_MAX;
	b->expires = w->expires;
	return DSTM_OK;
}

static void
log_refused(struct gwsvc *v, const char *what, const struct binding *b,
    dstm_status st)
{
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN];

	v->ctr.rejected++;
	log_limited(&v->rl, LOG_LVL_WARNING, "%s %s for %s refused: %s", what,
	    addr4_ntop(b->addr4, a4, sizeof(a4)), addr6_ntop(&b->client, a6,
	    sizeof(a6)), dstm_status_msg(st));
}

/* Whether to apply a change numbered `gen` by the server: not when our
 * table already has it (a request from an abandoned connection that we
 * read late). */
static bool
fresh(struct gwsvc *v, uint64_t gen)
{
	return gen > v->generation;
}

/* A fresh change was applied (or refused): move on, or keep our number
 * when it does not follow it, so the server sees the gap and SYNCs. */
static void
advance(struct gwsvc *v, uint64_t gen)
{
	if (gen == v->generation + 1) {
		v->generation = gen;
		return;
	}
	v->ctr.gaps++;
	log_debug("generation gap: at %llu, change %llu",
	    (unsigned long long)v->generation, (unsigned long long)gen);
}

bool_t
dstmgw_null_1_svc(void *argp, void *res, struct svc_req *rq)
{
	(void)argp;
	(void)res;
	(void)rq;
	return TRUE;
}

static dstm_status
bind_one(struct gwsvc *v, const dstm_binding *w)
{
	struct binding b;
	dstm_status st;

	if ((st = check_binding(v, w, &b)) != DSTM_OK)
		log_refused(v, "BIND", &b, st);
	else if (gw_bind(v->gw, b.addr4, &b.client, b.expires) != 0) {
		st = DSTM_GATEWAY_ERROR;
		log_refused(v, "BIND", &b, st);
	}
	return st;
}

static dstm_status
unbind_one(struct gwsvc *v, const dstm_binding *w)
{
	struct in6_addr c;

	memcpy(&c, w->client, sizeof(c));
	/* absent already is fine: the result is the same */
	gw_unbind(v->gw, addr4_from_bytes((const uint8_t *)w->addr), &c);
	return DSTM_OK;
}

/* BIND and UNBIND: one change, numbered, applied unless we have it. */
static bool_t
change(struct gwsvc *v, const dstm_bind_args *args, bool bind,
    dstm_gw_reply *res)
{
	memset(res, 0, sizeof(*res));
	if ((res->status = gate(v)) != DSTM_OK)
		return TRUE;
	if (bind)
		v->ctr.binds++;
	else
		v->ctr.unbinds++;
	res->generation = v->generation;
	if (!fresh(v, args->generation))
		return TRUE;
	res->status = bind ? bind_one(v, &args->b) : unbind_one(v, &args->b);
	advance(v, args->generation);
	res->generation = v->generation;
	return TRUE;
}

bool_t
dstmgw_bind_1_svc(dstm_bind_args *args, dstm_gw_reply *res,
    struct svc_req *rq)
{
	(void)rq;
	return change(gwsvc, args, true, res);
}

bool_t
dstmgw_unbind_1_svc(dstm_bind_args *args, dstm_gw_reply *res,
    struct svc_req *rq)
{
	(void)rq;
	return change(gwsvc, args, false, res);
}

static int
stage_add(struct gwsvc *v, const struct binding *b)
{
	struct binding *n;
	size_t cap;

	if (v->n_stage == v->cap_stage) {
		cap = v->cap_stage ? v->cap_stage * 2 : 1024;
		if (cap > v->stage_total)
			cap = v->stage_total;
		if ((n = reallocarray(v->stage, cap, sizeof(*n))) == NULL)
			return -ENOMEM;
		v->stage = n;
		v->cap_stage = cap;
	}
	v->stage[v->n_stage++] = *b;
	return 0;
}

static dstm_status
sync_commit(struct gwsvc *v)
{
	size_t k = 0;
	int rc;

	/* the pools may have changed (reload) since a chunk was checked */
	for (size_t i = 0; i < v->n_stage; i++)
		if (in_pool(v->conf, v->stage[i].addr4))
			v->stage[k++] = v->stage[i];
	if (k != v->n_stage)
		log_warnx("SYNC: %zu bindings outside the pools since a "
		    "reload; dropped", v->n_stage - k);
	v->n_stage = k;
	if ((rc = gw_replace(v->gw, v->stage, v->n_stage)) != 0) {
		log_warnx("SYNC of %zu bindings failed: %s", v->n_stage,
		    strerror(-rc));
		stage_reset(v);
		return rc == -EEXIST ? DSTM_BAD_REQUEST : DSTM_GATEWAY_ERROR;
	}
	v->generation = v->stage_gen;
	log_info("synced %zu bindings, generation %llu%s", v->n_stage,
	    (unsigned long long)v->generation,
	    v->n_stage != v->stage_total ? " (some refused, see above)" : "");
	stage_reset(v);
	return DSTM_OK;
}

bool_t
dstmgw_sync_1_svc(dstm_sync_args *args, dstm_gw_reply *res,
    struct svc_req *rq)
{
	struct gwsvc *v = gwsvc;
	u_int len = args->bindings.bindings_len;
	struct binding b;
	dstm_status st;

	(void)rq;
	memset(res, 0, sizeof(*res));
	if ((res->status = gate(v)) != DSTM_OK)
		return TRUE;
	v->ctr.sync_chunks++;
	if (args->offset == 0) {
		stage_reset(v);
		v->staging = true;
		v->stage_total = args->total;
		v->stage_gen = args->generation;
		v->ctr.syncs++;
	}
	/* in order, one table at a time, within the announced size */
	if (!v->staging || args->total > DSTM_MAX_BINDINGS ||
	    args->offset != v->stage_seen || args->total != v->stage_total ||
	    args->generation != v->stage_gen ||
	    len > v->stage_total - v->stage_seen) {
		log_debug("SYNC chunk out of order (offset %u, %u bindings)",
		    args->offset, len);
		stage_reset(v);
		res->status = DSTM_BAD_REQUEST;
		res->generation = v->generation;
		return TRUE;
	}
	for (u_int i = 0; i < len; i++) {
		if ((st = check_binding(v, &args->bindings.bindings_val[i],
		    &b)) != DSTM_OK) {
			log_refused(v, "SYNC", &b, st);
			continue;
		}
		if (stage_add(v, &b) != 0) {
			stage_reset(v);
			res->status = DSTM_INTERNAL;
			res->generation = v->generation;
			return TRUE;
		}
	}
	v->stage_seen += len;
	res->status = DSTM_OK;
	if (v->stage_seen == v->stage_total)
		res->status = sync_commit(v);
	res->generation = v->generation;
	return TRUE;
}

bool_t
dstmgw_generation_1_svc(void *argp, dstm_gw_reply *res, struct svc_req *rq)
{
	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	if ((res->status = gate(gwsvc)) == DSTM_OK)
		res->generation = gwsvc->generation;
	return TRUE;
}

int
gwsvc_bindings(struct gwsvc *v, struct binding **out, size_t *n)
{
	struct gw *g = v->gw;
	size_t k;

	*out = NULL;
	/* the data plane changes counters under this lock */
	pthread_mutex_lock(&g->lock);
	k = binding_count(&g->bt);
	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL) {
		pthread_mutex_unlock(&g->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k; i++)
		(*out)[i] = *binding_at(&g->bt, i);
	pthread_mutex_unlock(&g->lock);
	*n = k;
	return 0;
}

unsigned
gwsvc_counters(struct gwsvc *v, dstm_counter *out, unsigned max)
{
	struct dstm_counters l = { out, max, 0 };

	dstm_counters_add(&l, "gateway.generation", v->generation);
	gw_counters(v->gw, dstm_counters_add, &l);
	dstm_counters_add(&l, "rpc.bind", v->ctr.binds);
	dstm_counters_add(&l, "rpc.unbind", v->ctr.unbinds);
	dstm_counters_add(&l, "rpc.sync", v->ctr.syncs);
	dstm_counters_add(&l, "rpc.sync_chunks", v->ctr.sync_chunks);
	dstm_counters_add(&l, "rpc.denied", v->ctr.denied);
	dstm_counters_add(&l, "rpc.rejected", v->ctr.rejected);
	dstm_counters_add(&l, "rpc.generation_gaps", v->ctr.gaps);
	return l.n;
}

static void
wire_binding(const struct binding *b, dstm_binding *w)
{
	memcpy(w->client, &b->client, sizeof(w->client));
	addr4_to_bytes(b->addr4, (uint8_t *)w->addr);
	w->port_min = b->port_min;
	w->port_max = b->port_max;
	w->expires = b->expires;
}

bool_t
dstmgw_stats_1_svc(void *argp, dstm_gw_stats *res, struct svc_req *rq)
{
	struct gwsvc *v = gwsvc;
	struct binding *bs = NULL;
	size_t n = 0;

	(void)argp;
	(void)rq;
	memset(res, 0, sizeof(*res));
	if ((res->status = gate(v)) != DSTM_OK)
		return TRUE;
	res->generation = v->generation;
	res->counters.counters_val = calloc(DSTM_MAX_COUNTERS,
	    sizeof(dstm_counter));
	if (res->counters.counters_val == NULL || gwsvc_bindings(v, &bs,
	    &n) != 0) {
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	res->counters.counters_len = gwsvc_counters(v,
	    res->counters.counters_val, DSTM_MAX_COUNTERS);
	if (n > DSTM_MAX_LIST)
		n = DSTM_MAX_LIST;
	if (n > 0 && (res->bindings.bindings_val = calloc(n,
	    sizeof(dstm_binding_stats))) == NULL) {
		free(bs);
		res->status = DSTM_INTERNAL;
		return TRUE;
	}
	for (size_t i = 0; i < n; i++) {
		dstm_binding_stats *e = &res->bindings.bindings_val[i];

		wire_binding(&bs[i], &e->b);
		e->pkts_in = bs[i].ctr.pkts_up;
		e->bytes_in = bs[i].ctr.bytes_up;
		e->pkts_out = bs[i].ctr.pkts_down;
		e->bytes_out = bs[i].ctr.bytes_down;
		e->last_seen = bs[i].ctr.last_seen;
	}
	res->bindings.bindings_len = (u_int)n;
	free(bs);
	return TRUE;
}

DSTM_FREERESULT(dstm_gw_prog_1)
