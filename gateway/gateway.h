/* gateway.h - the gateway (tunnel end point) as a library: the one header
 * that code outside gateway/ may include.  rpcdstmd uses it to run the
 * gateway co-located; the Makefile links rpcdstmd against a gateway
 * object whose only global symbols are the functions declared here, so a
 * call into the gateway's internals fails to link. */
#ifndef DSTM_GATEWAY_H
#define DSTM_GATEWAY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/binding.h"

struct gw;

struct gw_config {
	struct in6_addr	 tep6;
	uint32_t	 tep4;		/* source of our ICMPv4 errors */
	uint32_t	 mtu;		/* inner (IPv4) tunnel MTU */
	char		 ifname[16];
	bool		 mss_clamp;
	struct range4	*routes;	/* the pool, routed into the TUN */
	unsigned	 n_routes;
};

/* Create the data plane (the TUN with the pool routed into it, the raw
 * socket).  Needs CAP_NET_ADMIN and CAP_NET_RAW.  0 with *out set, or
 * -errno (logged). */
int  gw_open(const struct gw_config *c, struct gw **out);
int  gw_start(struct gw *g);		/* the data-plane thread */
void gw_close(struct gw *g);		/* stop, unroute, close, free */

/* Add or update (expiry) a whole-address binding; remove one (client
 * NULL: whoever holds addr).  0 or -errno. */
int  gw_bind(struct gw *g, uint32_t addr, const struct in6_addr *client,
	int64_t expires);
int  gw_unbind(struct gw *g, uint32_t addr, const struct in6_addr *client);

/* The pool changed (reload): route the new ranges into the TUN, remove
 * the routes of ranges that went.  0 or -errno. */
int  gw_reroute(struct gw *g, const struct range4 *routes, unsigned n);

/* Counters of the binding for addr (whole address), false when none. */
bool gw_binding_counters(struct gw *g, uint32_t addr,
	struct binding_counters *out);
/* Every gateway counter with its stable name ("gateway.decap.packets",
 * "gateway.drop.spoofed-source", ...), in a fixed order: the one list
 * behind `dstmctl stats` for rpcdstmd and dstmgwd alike. */
typedef void gw_counter_fn(void *arg, const char *name, uint64_t value);
void gw_counters(struct gw *g, gw_counter_fn *fn, void *arg);

#endif
