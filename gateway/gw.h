/* gw.h - the tunnel end point at run time (userspace `tun` backend).
 *
 * IPv4 side: one TUN device (default dti0) with the pool routed into it.
 * IPv6 side: a raw IPPROTO_IPIP socket bound to the TEP address.  We
 * receive 4in6 through the raw socket rather than by routing the TEP
 * address into a TUN because, co-located, the TEP is the server's own
 * listen address (one address, as the original had): it must stay local
 * for the RPC service, and the kernel then delivers 4in6 to raw sockets,
 * with the outer source, already reassembled.
 *
 * One data-plane thread reads both in batches (epoll, up to GW_BATCH
 * packets per wakeup) and runs rfc2473.c on them.  The binding table is
 * shared with the control plane under a mutex held only for lookups and
 * updates, never across I/O: neither side waits on the other's work.
 */
#ifndef DSTM_GW_H
#define DSTM_GW_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/log.h"
#include "gateway/binding.h"
#include "gateway/rfc2473.h"

#define GW_BATCH	32
#define GW_ICMP_PER_SEC	100	/* host-unreachable etc., all sources */

struct knl;

struct gw_config {
	struct in6_addr	 tep6;
	uint32_t	 tep4;		/* source of our ICMPv4 errors */
	uint32_t	 mtu;		/* inner (IPv4) tunnel MTU */
	char		 ifname[16];
	bool		 mss_clamp;
	struct range4	*routes;	/* the pool, routed into the TUN */
	unsigned	 n_routes;
};

struct gw_counters {
	uint64_t	icmp_sent;
	uint64_t	icmp_suppressed;
	uint64_t	write_errors;
	uint64_t	mss_clamped;
};

struct pset;

struct gw {
	struct gw_config	 cfg;
	struct rfc2473_tep	 tep;
	struct binding_table	 bt;
	struct gw_counters	 ctr;
	pthread_mutex_t		 lock;
	pthread_t		 thread;
	bool			 running;
	int			 tun_fd, raw_fd, ep_fd, stop_fd;
	int			 ifindex;
	struct knl		*nl;
	struct log_ratelimit	 rl_log;
	int64_t			 icmp_window;
	uint32_t		 icmp_count;
	uint8_t			*buf;		/* GW_BATCH in + out buffers */
	struct pset		*reroute;	/* during gw_reroute */
};

/* Create the TUN, route the pool into it, open the raw socket.  Needs
 * CAP_NET_ADMIN and CAP_NET_RAW.  0 or -errno (logged). */
int  gw_open(struct gw *g, const struct gw_config *c);
int  gw_start(struct gw *g);		/* the data-plane thread */
void gw_close(struct gw *g);		/* stop, unroute, close */

/* Add or update (expiry) a binding; remove one.  0 or -errno. */
int  gw_bind(struct gw *g, uint32_t addr, const struct in6_addr *client,
	int64_t expires);
int  gw_unbind(struct gw *g, uint32_t addr, const struct in6_addr *client);
/* Replace the whole table (standalone gateway: SYNC). */
int  gw_replace(struct gw *g, const struct binding *v, size_t n);

/* The pool changed (reload): route the new ranges into the TUN, remove
 * the routes of ranges that went.  0 or -errno. */
int  gw_reroute(struct gw *g, const struct range4 *routes, unsigned n);
/* true, with its address in *addr, if a binding lies outside the `n`
 * sorted, disjoint ranges (a reload must not strand it) */
bool gw_binding_outside(struct gw *g, const struct range4 *r, unsigned n,
	uint32_t *addr);

/* Snapshots for the control plane. */
void gw_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c,
	size_t *nbindings);
/* Counters of the binding for addr (whole address), false when none. */
bool gw_binding_counters(struct gw *g, uint32_t addr,
	struct binding_counters *out);

/* Data-plane steps, exposed for tests: handle one packet from each side.
 * `now` is unix seconds. */
void gw_from_client(struct gw *g, uint8_t *pkt, size_t len,
	const struct in6_addr *src6, int64_t now);
void gw_from_ipv4(struct gw *g, uint8_t *pkt, size_t len, int64_t now);

#endif
