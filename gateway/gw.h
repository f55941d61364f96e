/* gw.h - the gateway inside gateway/: the front end (gw.c) and the
 * backend seam its data planes plug into.
 *
 * The front end owns the binding table, its lock and generation, the
 * tunnel settings (rfc2473.c's checks and counters) and the counter
 * names.  A backend only carries packets: `tun` (be_tun.c, userspace: a
 * TUN device and a raw IPIP socket) runs anywhere; `bpf` (be_bpf.c) puts
 * tc-BPF programs in front of it and keeps it as the slow path; `ip6tnl`
 * (be_ip6tnl.c) hands each binding to a kernel tunnel device.  The table is shared
 * with the data plane under g->lock, held for lookups, updates and
 * encapsulation, never across a send or a write: neither side waits on
 * the other's I/O.  Backend hooks for table changes run outside the lock,
 * from the one control thread, in order.
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
#include "gateway/dropsum.h"
#include "gateway/gateway.h"
#include "gateway/rfc2473.h"
#include "kernel/pump.h"

#define GW_MAX_FRAGS	64
#define GW_ICMP_PER_SEC	100	/* host-unreachable etc., all sources */

struct knl;
struct gw;

struct gw_counters {
	uint64_t	icmp_sent;
	uint64_t	icmp_suppressed;
	uint64_t	write_errors;
	uint64_t	mss_clamped;
};

/* What a backend can do, so that a config asking for more is refused. */
#define GW_CAP_SHARED_PORTS	0x1	/* port-range bindings (RFC 7596) */
#define GW_CAP_ICMP		0x2	/* ICMPv4 errors to IPv4 senders */
#define GW_CAP_MSS_CLAMP	0x4
#define GW_CAP_NO_HAIRPIN	0x8	/* hairpin = no (RFC 7596 5.2) */
#define GW_CAP_AFTR		0x10	/* a userspace path for the NAT44 */

/* The seam.  open/start/close/reroute/stats are required; the others
 * may be NULL when the front end's table is all the backend reads. */
struct gw_backend {
	const char	*name;
	unsigned	 caps;
	int	(*open)(struct gw *g);		/* g->cfg, g->tep are set */
	int	(*start)(struct gw *g);
	void	(*close)(struct gw *g);		/* also after a failed open */
	int	(*bind)(struct gw *g, const struct binding *b);
	void	(*unbind)(struct gw *g, const struct binding *b);
	int	(*replace)(struct gw *g);	/* after g->bt was swapped */
	int	(*reroute)(struct gw *g, const struct range4 *r, unsigned n);
	/* add the backend's counters to the front end's */
	void	(*stats)(struct gw *g, struct rfc2473_stats *st,
		    struct gw_counters *c);
	void	(*binding_counters)(struct gw *g, const struct binding *b,
		    struct binding_counters *c);
	/* [gateway] hairpin changed; g->tep.cfg has it already */
	void	(*set_hairpin)(struct gw *g, bool on);
	/* extra counters of this backend only, "gateway.NAME.*" */
	void	(*counters)(struct gw *g, gw_counter_fn *fn, void *arg);
};

extern const struct gw_backend gw_backend_tun, gw_backend_bpf,
	gw_backend_ip6tnl;

struct pset;
struct gw_bpf;
struct gw_ip6tnl;
struct gw_local;
struct gw_aftr;
struct nat44;

/* be_tun.c's state (the bpf backend runs it as its slow path) */
struct gw_tun {
	int			 tun_fd, raw_fd;
	int			 ifindex;
	struct knl		*nl;		/* the control thread's */
	struct knl		*nl_pkt;	/* the data-plane thread's:
						 * icmp-source auto */
	struct pump		 pump;
	struct gw_counters	 ctr;
	struct loglimit		 rl_log;	/* each drop, under -v */
	struct dropsum		 drops;		/* the summaries */
	/* the bpf path's drop totals per reason, or NULL (be_bpf.c);
	 * called from the data-plane thread */
	void			(*kernel_drops)(struct gw *g,
				    uint64_t total[RFC2473_DROP_MAX]);
	int64_t			 icmp_window;
	uint32_t		 icmp_count;
	uint8_t			*buf;		/* encapsulation output, then
						 * the fragments' */
	struct {
		uint8_t		*buf;
		size_t		 len;
	}			 frags[GW_MAX_FRAGS];
	unsigned		 nfrags;
	struct pset		*reroute;	/* during a reroute */
};

/* be_tun.c: one IPv4 packet read from the TUN (the data-plane thread;
 * the unit tests drive it on a gateway without devices). */
void gw_from_ipv4(struct gw *g, uint8_t *pkt, size_t len, int64_t now);

struct gw {
	struct gw_config		 cfg;
	const struct gw_backend		*be;
	struct rfc2473_tep		 tep;
	struct binding_table		 bt;
	pthread_mutex_t			 lock;
	struct gw_tun			 tun;
	struct gw_bpf			*bpf;		/* be_bpf.c */
	struct gw_ip6tnl		*ip6tnl;	/* be_ip6tnl.c */
	struct gw_local			*local;		/* gw_local.c */
	struct gw_aftr			*aftr;		/* aftr.c, or NULL */
};

/* Replace the whole table (standalone gateway: SYNC). */
int  gw_replace(struct gw *g, const struct binding *v, size_t n);

/* true, with its address in *addr, if a binding lies outside the `n`
 * sorted, disjoint ranges (a reload must not strand it) */
bool gw_binding_outside(struct gw *g, const struct range4 *r, unsigned n,
	uint32_t *addr);

/* A copy of every binding, taken under the lock (for a backend's
 * replace); free() it.  NULL when out of memory. */
struct binding *gw_snapshot(struct gw *g, size_t *n);

/* gw_local.c: the host's IPv4 addresses in g->tep.cfg.local4, kept
 * current by a thread (the tun path's; bpf runs it as its slow path).
 * open reads them (0 or -errno), start runs the thread, close (also
 * after a failed open) stops it and empties the set. */
int  gw_local_open(struct gw *g);
int  gw_local_start(struct gw *g);
void gw_local_close(struct gw *g);

/* Snapshot, the backend's counts included. */
void gw_stats(struct gw *g, struct rfc2473_stats *st, struct gw_counters *c,
	size_t *nbindings);

/* ---- aftr.c: the AFTR's hooks for the tun backend ---- */

enum aftr_verdict {
	AFTR_NOT_MINE,		/* DSTM's (or nobody's): rfc2473 decides */
	AFTR_FORWARD,		/* translated in place: write it to the TUN */
	AFTR_DROPPED,		/* counted */
};

/* Before the backend opens, when cfg.aftr.enable: the NAT tables.  0 or
 * -errno (logged). */
int  aftr_open(struct gw *g);
void aftr_close(struct gw *g);		/* after the data plane stopped */
/* The AFTR's tunnel address; NULL when off. */
const struct in6_addr *aftr_address(const struct gw *g);
/* The AFTR address is not tep6: the raw socket must see both. */
bool aftr_own_address(const struct gw *g);
/* A 4in6 packet as the raw socket read it (g->aftr set). */
enum aftr_verdict aftr_from_b4(struct gw *g, struct raw6_pkt *p,
	int64_t now);
/* The IPv4 destination of pkt is one of the AFTR's public addresses. */
bool aftr_is_public(const struct gw *g, const uint8_t *pkt, size_t len);
/* Translate a packet to a public address back; *b4 where it goes.  0,
 * or -1 (counted). */
int  aftr_to_b4(struct gw *g, uint8_t *pkt, size_t len, struct in6_addr *b4);
/* Once a second or so from the data-plane thread: expire mappings. */
void aftr_tick(struct gw *g);
void aftr_counters(struct gw *g, gw_counter_fn *fn, void *arg);
/* fn(arg, the NAT, its clock) under the AFTR's lock (g->aftr set). */
void aftr_list(struct gw *g, void (*fn)(void *arg, struct nat44 *n,
	int64_t now), void *arg);

#endif
