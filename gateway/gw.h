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
 * One data-plane thread (kernel/pump.c) reads both in batches and runs
 * rfc2473.c on them.  The binding table is shared with the control plane
 * under a mutex held for lookups, updates and encapsulation, never across
 * a send or a write: neither side waits on the other's I/O.
 */
#ifndef DSTM_GW_H
#define DSTM_GW_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/binding.h"
#include "common/log.h"
#include "gateway/gateway.h"
#include "gateway/rfc2473.h"
#include "kernel/pump.h"

#define GW_MAX_FRAGS	64
#define GW_ICMP_PER_SEC	100	/* host-unreachable etc., all sources */

struct knl;

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
	struct pump		 pump;
	int			 tun_fd, raw_fd;
	int			 ifindex;
	struct knl		*nl;
	struct log_ratelimit	 rl_log;
	int64_t			 icmp_window;
	uint32_t		 icmp_count;
	uint8_t			*buf;		/* encapsulation output, then
						 * the fragments' */
	struct {
		uint8_t		*buf;
		size_t		 len;
	}			 frags[GW_MAX_FRAGS];
	unsigned		 nfrags;
	struct pset		*reroute;	/* during gw_reroute */
};

/* Replace the whole table (standalone gateway: SYNC). */
int  gw_replace(struct gw *g, const struct binding *v, size_t n);

/* true, with its address in *addr, if a binding lies outside the `n`
 * sorted, disjoint ranges (a reload must not strand it) */
bool gw_binding_outside(struct gw *g, const struct range4 *r, unsigned n,
	uint32_t *addr);

/* Snapshot for tests and dstmgwd. */
void gw_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c,
	size_t *nbindings);

#endif
