/* rpcd.h - the client daemon's state, shared by its files:
 *   rpcd.c      main, set-up, the loop, calls to the server, interface
 *   rpcd_ctl.c  the control program for dstmctl (status/lease/renew/release)
 *   rpcd_key.c  the lease key and its root-only file
 *   rpcd_notify.c  revoke notices from the server
 *   rpcd_b4.c   mode b4 (DS-lite): the AFTR, dti0 and the LAN
 *   engine.c    the lease state machine;  tunnel.c  the data plane
 *   b4.c        mode b4: the AFTR's name, address and DHCPv6
 */
#ifndef DSTM_RPCD_H
#define DSTM_RPCD_H

#include <netinet/in.h>
#include <rpc/rpc.h>
#include <stdbool.h>
#include <stdint.h>

#include "client/b4.h"
#include "client/ctl.h"
#include "client/engine.h"
#include "client/rpcd_conf.h"
#include "client/tunnel.h"
#include "rpc/dstm.h"

struct knl;

enum rpcd_counter {
	RC_ALLOC, RC_RENEW, RC_RELEASE, RC_REFUSED, RC_NO_REPLY, RC_BOUND,
	RC_LOST, RC_NOTICE, RC_NOTICE_BAD, RC_COUNT
};

extern const char *const rc_names[RC_COUNT];

struct rpcd {
	struct rpcd_conf conf;
	char		 conf_path[4096];
	bool		 load;
	bool		 kernel_made;	/* backend ip6tnl: we made dti0 */
	struct knl	*nl;
	int		 ifindex;
	char		 ifname[16];
	struct in6_addr	 source;	/* our address as the server sees it */
	struct in6_addr	 server6;
	CLIENT		*cl;
	struct eng	 eng;
	struct tunnel	 tun;
	uint64_t	 ctr[RC_COUNT];
	bool		 unanswered;	/* the last call got no reply */
	char		 last_error[CTL_ERRLEN + 64];
	uint8_t		 key[DSTM_KEY_LEN];	/* the lease's (rpcd_key.c) */
	bool		 have_key;
	int		 ctl_fd;
	int64_t		 started;	/* unix time, for stats' uptime */
	bool		 want_exit, want_reload;
	struct b4	 b4;		/* mode b4 */
	bool		 b4_up;		/* dti0 configured for the AFTR */
	bool		 b4_nat;	/* our nftables table exists */
};

/* the daemon: one per process, defined in rpcd.c */
extern struct rpcd rpcd;

/* rpcd.c */
/* Carry out the engine's ACT_* set (calls, interface changes). */
unsigned rpcd_perform(unsigned act);
/* One ALLOC or RENEW now; returns the engine's next actions. */
unsigned rpcd_call_lease(bool renew);
/* Renew at once, as if T1 had come (dstmctl renew, a revoke notice). */
void rpcd_renew_now(void);
/* dti0's routes (the `route` keys, else the default route) */
void rpcd_routes(bool add);
void rpcd_addr_set(uint32_t addr, uint32_t peer, bool add);
/* backend ip6tnl: dti0's remote and up/down */
void rpcd_kernel_tunnel(const struct in6_addr *tep6, unsigned mtu, bool up);
/* Which of our addresses reaches dst (the kernel's route lookup);
 * 0 or -1 with rpcd.last_error set. */
int  rpcd_route_source(const struct in6_addr *dst, struct in6_addr *src);

/* rpcd_b4.c: mode b4 */
/* Start-up, still root: DHCPv6 socket, then wait (signals still stop
 * us) until the AFTR is known; sets rpcd.source.  0 or -1. */
int  rpcd_b4_start(int sfd);
/* Start-up, after the tunnel: dti0's address, peer, routes, MTU,
 * forwarding, NAT44; the tunnel to the AFTR. */
void rpcd_b4_up(void);
/* The loop: timers and the DHCPv6 socket; the tunnel follows the AFTR. */
void rpcd_b4_run(void);
void rpcd_b4_down(void);

/* rpcd_key.c */
void rpcd_key_load(void);
/* The key for the lease being asked for: made (and saved) when none. */
const uint8_t *rpcd_key(void);
/* The lease is gone: so is its key (memory and file). */
void rpcd_key_forget(void);

/* rpcd_notify.c: 0 or -errno */
int  rpcd_notify_open(void);

/* rpcd_ctl.c */
void rpcd_dispatch(struct svc_req *rq, SVCXPRT *xprt);
/* DSTM_CTL_PROG on the same socket: ping, stats (--reset), config */
void rpcd_ctlprog_dispatch(struct svc_req *rq, SVCXPRT *xprt);

#endif
