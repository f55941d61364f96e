/* rpcd_ctl.c - rpcd's control program: what dstmctl status, lease, renew
 * and release ask of the client daemon, on its local UNIX socket; and on
 * the same socket the part of the server's control program that makes
 * sense here: ping, stats (--reset) and config. */
#include "client/rpcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/addr.h"
#include "common/ctlsock.h"
#include "common/log.h"
#include "rpc/counters.h"
#include "rpc/ctlsvc.h"
#include "rpc/dstm.h"
#include "rpc/service.h"

void dstm_rpcd_prog_1(struct svc_req *, SVCXPRT *);

#define NOT_HERE	"rpcd answers only stats, config and ping; ask rpcdstmd"

/* stats --reset: the counters as status and stats show them are less
 * their values at the last reset */
static struct dstm_baseline baseline;

/* rpcd's counters (in mode b4 the B4's) and the tunnel's, less the
 * baseline unless `raw`: 0 or -1 */
static int
counters(struct dstm_counters *l, bool raw)
{
	l->max = DSTM_MAX_COUNTERS;
	l->n = 0;
	if ((l->v = calloc(DSTM_MAX_COUNTERS, sizeof(dstm_counter))) == NULL)
		return -1;
	for (int i = 0; i < B4C_COUNT && rpcd.conf.b4; i++)
		dstm_counters_add(l, b4_counter_name((enum b4_counter)i),
		    rpcd.b4.ctr[i]);
	for (int i = 0; i < RC_COUNT && !rpcd.conf.b4; i++)
		dstm_counters_add(l, rc_names[i], rpcd.ctr[i]);
	tunnel_counters(&rpcd.tun, dstm_counters_add, l);
	if (!raw)
		dstm_baseline_apply(&baseline, l);
	return 0;
}

/* mode b4: the tunnel as the status's lease, the AFTR beside it */
static void
fill_b4(dstm_client_status *st)
{
	const struct b4 *b = &rpcd.b4;
	dstm_b4_status *s;

	st->state = b->have_aftr && rpcd.b4_up ? DSTM_CS_BOUND :
	    DSTM_CS_REQUESTING;
	free(st->server);
	st->server = strdup(b->name[0] ? b->name : rpcd.conf.aftr);
	if (rpcd.b4_up) {
		st->lease.status = DSTM_OK;
		addr4_to_bytes(rpcd.conf.b4_addr, (uint8_t *)st->lease.addr);
		st->lease.lease_time = DSTM_LEASE_INFINITE;
		memcpy(st->lease.tep6, &b->aftr6, sizeof(st->lease.tep6));
		addr4_to_bytes(RPCD_AFTR_PEER, (uint8_t *)st->lease.tep4);
		st->lease.mtu = rpcd.conf.mtu;
		st->lease.port_max = 65535;
	}
	if (b->last_error[0] != '\0' && (st->last_error_msg == NULL ||
	    st->last_error_msg[0] == '\0')) {
		free(st->last_error_msg);
		st->last_error_msg = strndup(b->last_error, DSTM_MAX_MSG - 1);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	st->b4.b4_val = s;
	st->b4.b4_len = 1;
	s->aftr_name = strdup(b->name);
	s->aftr_from = strdup(b4_origin_name(b->origin));
	if (b->have_aftr)
		memcpy(s->aftr6, &b->aftr6, sizeof(s->aftr6));
	s->dhcpv6_interface = strdup(b->fd >= 0 ? b->ifname : "");
	s->nat = strdup(rpcd.b4_nat ? "masquerade" : "none");
	if (b->n_dns > 0 && (s->dns.dns_val = calloc(b->n_dns,
	    sizeof(dstm_in6))) != NULL) {
		memcpy(s->dns.dns_val, b->dns, b->n_dns * sizeof(dstm_in6));
		s->dns.dns_len = b->n_dns;
	}
}

static void
fill_status(dstm_client_status *st)
{
	const struct eng_lease *le = &rpcd.eng.lease;
	struct dstm_counters l = { NULL, DSTM_MAX_COUNTERS, 0 };

	memset(st, 0, sizeof(*st));
	st->status = DSTM_OK;
	st->state = (dstm_client_state)rpcd.eng.state;
	st->mode = strdup(rpcd.conf.b4 ? "b4" : rpcd.conf.ondemand ?
	    "ondemand" : "always");
	st->ifname = strdup(rpcd.ifname);
	st->server = strndup(rpcd.conf.server, DSTM_MAX_MSG - 1);
	memcpy(st->source, &rpcd.source, sizeof(st->source));
	if (rpcd.eng.configured) {
		int64_t left = rpcd.eng.end_ms == INT64_MAX ? -1 :
		    (rpcd.eng.end_ms - clock_mono_ms()) / 1000;

		st->lease.status = DSTM_OK;
		addr4_to_bytes(le->addr, (uint8_t *)st->lease.addr);
		st->lease.lease_time = left < 0 ? DSTM_LEASE_INFINITE :
		    (unsigned)left;
		st->lease.t1 = le->t1;
		st->lease.t2 = le->t2;
		memcpy(st->lease.tep6, &le->tep6, sizeof(st->lease.tep6));
		addr4_to_bytes(le->tep4, (uint8_t *)st->lease.tep4);
		st->lease.mtu = le->mtu;
		st->lease.port_max = 65535;
		st->expires = left < 0 ? 0 : (int64_t)time(NULL) + left;
	} else {
		st->lease.status = DSTM_NO_SUCH_LEASE;
	}
	st->last_error = (dstm_status)rpcd.eng.last_status;
	st->last_error_msg = strndup(rpcd.last_error, DSTM_MAX_MSG - 1);
	if (rpcd.conf.b4)
		fill_b4(st);
	if (counters(&l, false) != 0)
		return;
	st->counters.counters_val = l.v;
	st->counters.counters_len = l.n;
}

void
rpcd_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	if (!ctlsock_is_local(xprt)) {
		svcerr_noprog(xprt);
		return;
	}
	dstm_rpcd_prog_1(rq, xprt);
}

bool_t
rpcd_null_1_svc(void *a, void *r, struct svc_req *rq)
{
	(void)a;
	(void)r;
	(void)rq;
	return TRUE;
}

bool_t
rpcd_status_1_svc(void *a, dstm_client_status *res, struct svc_req *rq)
{
	(void)a;
	(void)rq;
	fill_status(res);
	return TRUE;
}

/* mode b4 leases nothing: lease, renew and release are refused */
static bool
b4_refuse(dstm_client_status *res)
{
	if (!rpcd.conf.b4)
		return false;
	fill_status(res);
	res->status = DSTM_BAD_REQUEST;
	free(res->last_error_msg);
	res->last_error_msg = strdup("mode b4 has no lease: the tunnel goes "
	    "to the AFTR");
	return true;
}

bool_t
rpcd_lease_1_svc(u_int *wait, dstm_client_status *res, struct svc_req *rq)
{
	(void)wait;	/* calls are synchronous: the outcome is known now */
	(void)rq;
	if (b4_refuse(res))
		return TRUE;
	if (rpcd.eng.state == ENG_IDLE)
		rpcd_perform(eng_step(&rpcd.eng, EV_START, NULL, 0,
		    clock_mono_ms()));
	fill_status(res);
	if (!rpcd.eng.configured)
		res->status = rpcd.unanswered ? DSTM_UNREACHABLE :
		    rpcd.eng.last_status ? (dstm_status)rpcd.eng.last_status :
		    DSTM_INTERNAL;
	return TRUE;
}

bool_t
rpcd_renew_1_svc(u_int *wait, dstm_client_status *res, struct svc_req *rq)
{
	(void)wait;
	(void)rq;
	if (b4_refuse(res))
		return TRUE;
	rpcd_renew_now();
	fill_status(res);
	if (!rpcd.eng.configured)
		res->status = DSTM_NO_SUCH_LEASE;
	else if (rpcd.unanswered)
		res->status = DSTM_UNREACHABLE;
	return TRUE;
}

bool_t
rpcd_release_1_svc(void *a, dstm_client_status *res, struct svc_req *rq)
{
	bool had = rpcd.eng.configured;

	(void)a;
	(void)rq;
	if (b4_refuse(res))
		return TRUE;
	rpcd_perform(eng_step(&rpcd.eng, EV_RELEASE, NULL, 0, clock_mono_ms()));
	fill_status(res);
	if (!had)
		res->status = DSTM_NO_SUCH_LEASE;
	return TRUE;
}

DSTM_FREERESULT(dstm_rpcd_prog_1)

/* ---- the control program's stats, stats --reset, config, ping ---- */

static void
stats(dstm_stats *res)
{
	struct dstm_counters l;

	memset(res, 0, sizeof(*res));
	res->uptime = (int64_t)time(NULL) - rpcd.started;
	if (counters(&l, false) != 0) {
		res->status = DSTM_INTERNAL;
		return;
	}
	res->counters.counters_val = l.v;
	res->counters.counters_len = l.n;
	res->status = DSTM_OK;
}

static void
stats_reset(dstm_msg_reply *res)
{
	struct dstm_counters l;
	unsigned ng = 0;

	memset(res, 0, sizeof(*res));
	res->status = DSTM_INTERNAL;
	if ((res->msg = calloc(1, DSTM_MAX_MSG)) == NULL)
		return;
	if (counters(&l, true) != 0)
		return;
	if (dstm_baseline_take(&baseline, &l) == 0) {
		for (unsigned i = 0; i < l.n; i++)
			ng += dstm_counter_is_gauge(l.v[i].name);
		snprintf(res->msg, DSTM_MAX_MSG, "zeroed %u counters; %u "
		    "gauges kept", baseline.n, ng);
		log_info("statistics reset by the operator: %u counters "
		    "zeroed", baseline.n);
		res->status = DSTM_OK;
	}
	for (unsigned i = 0; i < l.n; i++)
		free(l.v[i].name);
	free(l.v);
}

static void
config(dstm_config_reply *res)
{
	size_t len;
	FILE *f;

	if ((f = dstm_ctl_config_begin(res, &len)) != NULL) {
		rpcd_conf_print(f, &rpcd.conf);
		dstm_ctl_config_end(res, f, &len);
	}
}

void
rpcd_ctlprog_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	union {
		dstm_stats	stats;
		dstm_msg_reply	msg;
		dstm_config_reply config;
	} r;
	xdrproc_t xr;

	if (!ctlsock_is_local(xprt)) {
		svcerr_noprog(xprt);
		return;
	}
	switch (rq->rq_proc) {
	case DSTMCTL_NULL:
		if (!svc_sendreply(xprt, (xdrproc_t)dstm_xdr_nothing, NULL))
			svcerr_systemerr(xprt);
		return;
	case DSTMCTL_STATS:
		stats(&r.stats);
		xr = (xdrproc_t)xdr_dstm_stats;
		break;
	case DSTMCTL_STATS_RESET:
		stats_reset(&r.msg);
		xr = (xdrproc_t)xdr_dstm_msg_reply;
		break;
	case DSTMCTL_CONFIG:
		config(&r.config);
		xr = (xdrproc_t)xdr_dstm_config_reply;
		break;
	default:
		dstm_ctl_refuse(rq, xprt, NOT_HERE);
		return;
	}
	if (!svc_sendreply(xprt, xr, (char *)&r))
		svcerr_systemerr(xprt);
	xdr_free(xr, (char *)&r);
}

