/* colocate.c - the gateway inside rpcdstmd (the common deployment): the
 * lease table drives the binding table by direct calls.  At start every
 * bound lease from the journal is bound again before requests are taken. */
#include "server/server.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "gateway/gateway.h"

static int
op_bind(void *arg, uint32_t addr, const struct in6_addr *client,
    int64_t expires)
{
	int rc = gw_bind(arg, addr, client, expires);

	if (rc != 0) {
		srv->counters[C_GW_ERRORS]++;
		log_warnx("gateway: cannot bind: %s", strerror(-rc));
	}
	return rc;
}

static void
op_unbind(void *arg, uint32_t addr, const struct in6_addr *client)
{
	gw_unbind(arg, addr, client);
}

int
colocate_open(struct server *s)
{
	struct gw_config gc;
	struct lease_table *t = &s->leases;
	struct gw *g;
	unsigned n = 0;
	int rc;

	if (!s->conf.gw_enable)
		return 0;
	gw_config_init(&gc, &s->conf.gw, &s->tep6, s->conf.ranges,
	    s->conf.n_ranges);
	gw_config_aftr(&gc, &s->conf.aftr);
	if ((rc = gw_open(&gc, &g)) != 0)
		return rc;
	/* resync from the journal: every bound lease gets its binding */
	for (uint32_t i = 0; i < t->size; i++) {
		const struct lease_slot *sl = &t->slots[i];

		if (sl->state != LEASE_BOUND && sl->state != LEASE_STATIC)
			continue;
		if (gw_bind(g, lease_addr(t, i), &sl->client,
		    sl->expires) == 0)
			n++;
	}
	s->gw.bind = op_bind;
	s->gw.unbind = op_unbind;
	s->gw.arg = g;
	s->gw_local = g;
	log_info("gateway: co-located, %u bindings restored", n);
	return 0;
}

/* After daemon_start (fork keeps only the caller): the data-plane
 * thread.  Until then packets wait in the TUN and raw socket queues; the
 * kernel fast path already runs. */
int
colocate_start(struct server *s)
{
	int rc;

	if (s->gw_local == NULL || (rc = gw_start(s->gw_local)) == 0)
		return 0;
	colocate_close(s);
	return rc;
}

void
colocate_close(struct server *s)
{
	if (s->gw_local == NULL)
		return;
	memset(&s->gw, 0, sizeof(s->gw));
	gw_close(s->gw_local);
	s->gw_local = NULL;
}

void
colocate_reroute(struct server *s)
{
	int rc;

	if (s->gw_local == NULL)
		return;
	if ((rc = gw_reroute(s->gw_local, s->conf.ranges,
	    s->conf.n_ranges)) != 0)
		log_warnx("gateway: cannot route the new pool: %s",
		    strerror(-rc));
}

bool
colocate_hairpin(struct server *s)
{
	if (s->gw_local == NULL ||
	    gw_set_hairpin(s->gw_local, s->conf.gw.hairpin) == 0)
		return true;
	s->conf.gw.hairpin = true;
	return false;
}

const char *
colocate_backend(const struct server *s)
{
	return s->gw_local != NULL ? gw_backend_name(s->gw_local) : NULL;
}
