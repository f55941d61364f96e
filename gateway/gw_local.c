/* gw_local.c - the gateway host's own IPv4 addresses, refused as inner
 * destinations (rfc2473_bad_destination, cfg.local4).
 *
 * A packet the tun path writes into the TUN is routed by the kernel like
 * any other input: to one of the host's addresses (the uplink's
 * 203.0.113.1, any interface's, a subnet broadcast) it would be delivered
 * to the host's own sockets, as if a client sat on a local link.  The set
 * comes from a netlink dump of every IPv4 address and is dumped again
 * whenever one comes or goes (kernel/addrmon.h): a thread waits for the
 * news and swaps the set under g->lock, which the data plane holds while
 * it decapsulates.  The bpf fast path punts what the FIB says it would
 * not forward (local, broadcast, no route) to this path. */
#include "gateway/gw.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kernel/addrmon.h"
#include "kernel/nl.h"

#define RETRY_MS	1000	/* after a failed dump */

struct gw_local {
	struct knl		*nl;
	struct knl_addrmon	*mon;
	int			 stop_fd;
	pthread_t		 thread;
	bool			 running;
	uint32_t		*set;		/* g->tep.cfg.local4 */
};

/* Dump the addresses and put them in force.  0 or -errno (the old set
 * stays). */
static int
refresh(struct gw *g)
{
	struct gw_local *l = g->local;
	uint32_t *v, *old;
	int n;

	if ((n = knl_addr4_local(l->nl, &v)) < 0)
		return n;
	pthread_mutex_lock(&g->lock);
	old = l->set;
	l->set = v;
	g->tep.cfg.local4 = v;
	g->tep.cfg.n_local4 = (size_t)n;
	pthread_mutex_unlock(&g->lock);
	free(old);
	log_debug("gateway: %d local IPv4 addresses refused as inner "
	    "destinations", n);
	return 0;
}

static void *
local_thread(void *arg)
{
	struct gw *g = arg;
	struct gw_local *l = g->local;
	struct pollfd p[2] = {
		{ .fd = knl_addrmon_fd(l->mon), .events = POLLIN },
		{ .fd = l->stop_fd, .events = POLLIN },
	};
	bool stale = false, blind = false;
	int rc;

	for (;;) {
		if (poll(p, 2, stale || blind ? RETRY_MS : -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("gateway: local addresses: poll");
			return NULL;
		}
		if (p[1].revents != 0)
			return NULL;
		if (!blind) {
			rc = knl_addrmon_changed(l->mon);
			/* no more news: dump once a second instead */
			if (rc < 0) {
				log_warnx("gateway: local addresses: %s; read "
				    "every %d ms from now on", strerror(-rc),
				    RETRY_MS);
				blind = true;
				p[0].fd = -1;
			}
			if (rc == 0 && !stale)
				continue;
		}
		if ((rc = refresh(g)) != 0 && !stale)
			log_warnx("gateway: cannot read the local addresses "
			    "(%s); the last set stays in force", strerror(-rc));
		stale = rc != 0;
	}
}

int
gw_local_open(struct gw *g)
{
	struct gw_local *l;
	int rc;

	if ((l = g->local = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->stop_fd = -1;
	/* subscribe, then dump: a change in between wakes the thread */
	if ((rc = knl_addrmon_open(&l->mon)) != 0 ||
	    (rc = knl_open(&l->nl)) != 0 || (rc = refresh(g)) != 0) {
		log_warnx("gateway: cannot read the local addresses: %s",
		    strerror(-rc));
		return rc;
	}
	if ((l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return -errno;
	return 0;
}

int
gw_local_start(struct gw *g)
{
	struct gw_local *l = g->local;
	int rc;

	if ((rc = pthread_create(&l->thread, NULL, local_thread, g)) != 0)
		return -rc;
	l->running = true;
	return 0;
}

void
gw_local_close(struct gw *g)
{
	struct gw_local *l = g->local;
	uint64_t one = 1;

	if (l == NULL)
		return;
	if (l->running) {
		ssize_t r = write(l->stop_fd, &one, sizeof(one));

		(void)r;	/* fails only on overflow: woken anyway */
		pthread_join(l->thread, NULL);
	}
	pthread_mutex_lock(&g->lock);
	g->tep.cfg.local4 = NULL;
	g->tep.cfg.n_local4 = 0;
	pthread_mutex_unlock(&g->lock);
	if (l->stop_fd >= 0)
		close(l->stop_fd);
	knl_addrmon_close(l->mon);
	knl_close(l->nl);
	free(l->set);
	free(l);
	g->local = NULL;
}
