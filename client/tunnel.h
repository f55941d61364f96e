/* tunnel.h - rpcd's data plane: the 4over6 interface (a TUN device, dti0)
 * and a raw IPPROTO_IPIP socket bound to our IPv6 address, joined by one
 * thread (kernel/pump.c).  Out: IPv4 from dti0, sourced from the lease, is sent to the
 * TEP.  In: only 4in6 from the TEP and for the leased address reaches
 * dti0; the rest is counted and dropped.
 *
 * On-demand mode keeps a stable placeholder address (192.0.0.2, the
 * RFC 6333 B4 address) on dti0 and rewrites it to the leased address and
 * back, statelessly, one to one: a connection opened before any lease
 * exists keeps working once the lease arrives, and the IPv4 host still
 * sees the leased global address.  While no lease is held, the first
 * packets are queued and the control side is woken to lease at once.
 *
 * With backend bpf, kernel programs (kernel/kbpf.h) in front of this
 * path carry the lease's traffic; what they punt still comes here.
 *
 * In b4 mode (DS-lite, RFC 6333 5) the "lease" is the B4 address and
 * the TEP the AFTR, and the B4 is a router: IPv4 from any source (a LAN
 * behind it) goes into the tunnel and 4in6 from the AFTR for any
 * destination comes out of dti0 for the kernel to route; the AFTR owns
 * the address checks.  Outer addresses are checked as ever.
 *
 * With backend ip6tnl, dti0 is a kernel ip6tnl device (kernel/ip6tnl.h)
 * and the kernel carries everything: no thread, no raw socket; the
 * counters are the device's. */
#ifndef DSTM_TUNNEL_H
#define DSTM_TUNNEL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/pump.h"

#define TUN_QUEUE	16	/* packets held while a lease is requested */

enum tun_counter {
	TC_TX_PKTS, TC_TX_BYTES, TC_RX_PKTS, TC_RX_BYTES,
	TC_DROP_NOT_TEP,	/* 4in6 from another source than the TEP */
	TC_DROP_NOT_OURS,	/* inner destination is not our lease */
	TC_DROP_BAD_SOURCE,	/* outgoing IPv4 not from our address */
	TC_DROP_MALFORMED,
	TC_DROP_NO_LEASE,	/* outgoing, nothing leased, queue full */
	TC_TRIGGERS,		/* on-demand wake-ups */
	TC_QUEUED,
	TC_COUNT
};

struct kbpf_client;
struct knl;

struct tunnel {
	int		 tun_fd, raw_fd;
	int		 trigger_fd;	/* eventfd: traffic wants a lease */
	struct pump	 pump;		/* the data-plane thread */
	struct raw6_pkt	 send[PUMP_BATCH];
	pthread_mutex_t	 lock;		/* lease fields and the queue */
	uint32_t	 addr;		/* leased, host order; 0 = none */
	struct in6_addr	 tep6;
	uint32_t	 placeholder;	/* on-demand: 192.0.0.2, else 0 */
	bool		 any_addr4;	/* b4: any inner source/destination */
	uint8_t		*queue[TUN_QUEUE];
	size_t		 qlen[TUN_QUEUE];
	unsigned	 nq;
	_Atomic int64_t	 last_activity;	/* unix seconds, either way */
	_Atomic uint64_t ctr[TC_COUNT];
	struct kbpf_client *fast;	/* backend bpf: the kernel path */
	struct knl	*knl;		/* backend ip6tnl: for its counters */
	int		 kernel_ifindex;	/* backend ip6tnl: dti0 */
};

const char *tunnel_counter_name(enum tun_counter c);
/* Takes over the TUN fd and the raw socket fd. */
int  tunnel_start(struct tunnel *t, int tun_fd, int raw_fd,
	uint32_t placeholder);
void tunnel_stop(struct tunnel *t);
/* Backend ip6tnl: the kernel device ifindex is the data plane; nl (not
 * owned, the caller's thread) reads its counters.  0 or -errno. */
int  tunnel_kernel_start(struct tunnel *t, struct knl *nl, int ifindex);
/* Backend bpf: tc programs on dti0 (tun_ifindex) and on the interface
 * that holds src6 carry the lease's packets in the kernel; the thread
 * keeps what they punt.  Always mode only (on-demand's first packet and
 * its 192.0.0.2 rewrite need the userspace path).  0 or -errno. */
int  tunnel_fast_open(struct tunnel *t, const struct in6_addr *src6,
	int tun_ifindex);
/* Every counter with its name; the kernel path's forwards and drops are
 * added to the same names, its punts come as tunnel.bpf.*. */
void tunnel_counters(struct tunnel *t,
	void (*fn)(void *arg, const char *name, uint64_t value), void *arg);
/* b4 mode (see above); before tunnel_fast_open and the first lease. */
void tunnel_set_b4(struct tunnel *t);
/* Set (addr != 0) or clear the lease; setting flushes the queue. */
void tunnel_set_lease(struct tunnel *t, uint32_t addr,
	const struct in6_addr *tep6);


#endif
