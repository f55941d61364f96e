/* server.h - rpcdstmd's state, shared by its files.  Declared here:
 *   rpcdstmd.c  main, sockets, event loop, signals, reload
 *   svc.c       the client program (ALLOC, RENEW, RELEASE, INFO)
 *   commit.c    group commit: replies held until their changes are synced
 *   ctl.c       the control program (dstmctl) on the UNIX socket
 *   store.c     lease table <-> journal (record, replay, compaction)
 *   policy.c    client ACL, rate limits per source and per prefix
 *   cookie.c    the server cookie (return routability for udp6 ALLOC)
 *   notify.c    revoke notices to clients
 *   colocate.c  the gateway inside rpcdstmd ([gateway] enable = yes)
 * With their own headers:
 *   conf.c      rpcdstmd.conf, parsed and checked; the -n printer
 *   lease.c     the pool and the lease table, one state machine
 *   journal.c   the snapshot and journal files
 *   push.c      bindings pushed to standalone gateways (dstmgwd)
 */
#ifndef DSTM_SERVER_H
#define DSTM_SERVER_H

#include <netinet/in.h>
#include <rpc/rpc.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/conf.h"
#include "server/lease.h"

struct journal;
struct gw;

#define RL_SLOTS 4096		/* each rate limiter table (slots) */
/* Group commit: datagrams taken from one UDP socket per round (each
 * through its own dup()ed descriptor and libtirpc transport), and the most
 * replies held for one commit. */
#define SRV_UDP_BATCH	128
#define SRV_HELD_MAX	1024
/* a UDP listener's receive buffer: room for the requests that arrive
 * while the journal syncs */
#define SRV_UDP_RCVBUF	(4 << 20)
#define SRV_ACCEPT_BATCH 64	/* connections accepted per round */
#define SRV_EPOLL_EVENTS 256	/* ready descriptors taken per round */
#define SRV_TCP_SENDSZ	4096	/* a connection's buffers (libtirpc) */
#define SRV_TCP_RECVSZ	1024

struct rl_entry {
	struct in6_addr	src;
	int64_t		last_ms;
	uint32_t	tokens_milli;	/* tokens * 1000 */
	uint8_t		used;
};

struct rl_table {
	struct rl_entry	slot[RL_SLOTS];
};

/* Token buckets by who can spend them (policy.c): a request that proved
 * its source (tcp6, a cookie, the lease key) spends from its address's
 * bucket and its prefix's; one that did not (udp6 alone: the source may
 * be forged) only from its prefix's bucket for such requests, so forged
 * traffic never empties a bucket that a real client needs. */
struct ratelimit {
	struct rl_table	source;		/* proven, per address */
	struct rl_table	prefix;		/* proven, per client prefix */
	struct rl_table	unproven;	/* not proven, per client prefix */
	uint64_t	seed;
};

/* Counters shown by `dstmctl stats`; names in ctl.c. */
enum srv_counter {
	C_REQ_ALLOC, C_REQ_RENEW, C_REQ_RELEASE, C_REQ_INFO, C_REQ_NULL,
	C_OK, C_ERR_EXHAUSTED, C_ERR_UNAVAILABLE, C_ERR_BAD_IPV6,
	C_ERR_BAD_IPV4, C_ERR_DENIED, C_ERR_RATE_LIMITED, C_ERR_NO_LEASE,
	C_ERR_NOT_OWNER, C_ERR_QUOTA, C_ERR_BAD_REQUEST, C_ERR_INTERNAL,
	C_EXPIRED, C_HOLD_ENDED, C_REVOKED, C_JOURNAL_COMMITS,
	C_COMPACTIONS, C_RELOADS, C_CTL_REQUESTS, C_GW_ERRORS, C_REPLIES_HELD,
	C_ERR_COOKIE, C_ERR_VERSION, C_RL_UNPROVEN, C_NOTIFY_SENT,
	C_NOTIFY_ERRORS, C_REQ_V1,
	C_COUNT
};

/* Hooks for a co-located gateway: called when a lease changes in memory,
 * before the journal commit and the reply (group commit sends the reply
 * once the change is durable; a failed commit answers internal-error while
 * the lease, its binding and its journal record stay for the retry).
 * Return 0, or -1 to refuse (ALLOC then fails with DSTM_GATEWAY_ERROR and
 * the lease is rolled back). */
struct srv_gateway_ops {
	int  (*bind)(void *arg, uint32_t addr, const struct in6_addr *client,
		int64_t expires);
	void (*unbind)(void *arg, uint32_t addr, const struct in6_addr *client);
	void *arg;
};

struct server {
	struct server_conf	 conf;
	char			 conf_path[4096];
	struct lease_table	 leases;
	struct journal		*journal;
	struct ratelimit	 rl;
	uint64_t		 counters[C_COUNT];
	int64_t			 counters_since;	/* "stats.since" */
	int64_t			 started;
	struct in6_addr		 tep6;
	struct srv_gateway_ops	 gw;
	struct gw		*gw_local;	/* co-located gateway, or NULL */
	bool			 dirty;		/* a change is not yet durable */
	bool			 want_reload;
	bool			 want_exit;
};

/* the generated RPC service functions have no context pointer */
extern struct server *srv;

int64_t srv_now(void);

/* store.c */
int  store_open(struct server *s);
void store_close(struct server *s);
/* Journal slot `idx` in its current state (appended, not yet durable). */
int  store_record(struct server *s, uint32_t idx);
/* Make everything recorded durable; 0 or -errno. */
int  store_commit(struct server *s);
/* End of every round: start, advance or finish a compaction (store.c). */
void store_maybe_compact(struct server *s);
/* The event loop's timeout, shortened while a compaction needs rounds. */
int  store_timeout(const struct server *s, int timeout_ms);
/* One step of a compaction under way, copying for about budget_us (at
 * least one slice); 0 when none is under way.  For tests. */
int  store_compact_step(struct server *s, int64_t budget_us);

/* policy.c */
bool policy_allowed(const struct server_conf *c, const struct in6_addr *src);
/* true when `src` may send one more request now: `proven` (it receives at
 * that address) spends from its address's and its prefix's buckets, else
 * from its prefix's bucket for unproven requests */
bool policy_rate_ok(struct ratelimit *rl, const struct server_conf *c,
	const struct in6_addr *src, bool proven, int64_t now_ms);
void policy_rate_init(struct ratelimit *rl);

/* cookie.c */
#define COOKIE_LEN	16
void cookie_make(const struct in6_addr *client, int64_t now,
	uint8_t cookie[static COOKIE_LEN]);
bool cookie_valid(const struct in6_addr *client, int64_t now,
	const uint8_t cookie[static COOKIE_LEN]);

/* notify.c */
int  notify_open(void);
void notify_close(void);
/* The operator ended the lease on `addr`: tell its owner (one datagram). */
void notify_revoked(struct server *s, uint32_t addr,
	const struct in6_addr *client, const uint8_t key[static LEASE_KEY_LEN]);

/* svc.c */
/* rpcgen's dispatchers (no prototype is generated) */
void dstm_prog_1(struct svc_req *rq, SVCXPRT *xprt);
void dstm_prog_2(struct svc_req *rq, SVCXPRT *xprt);
void dstm_ctl_prog_1(struct svc_req *rq, SVCXPRT *xprt);
void srv_expire(struct server *s);
/* requests seen by the client program so far (all procedures) */
uint64_t srvsvc_calls(const struct server *s);
struct dstm_lease;
void srvsvc_fill_lease(struct server *s, uint32_t idx, struct dstm_lease *res);

/* commit.c: group commit */
void commit_close(struct server *s);
/* For a reply of the client program: TRUE = send it now, FALSE = held
 * until what it shows is durable. */
bool_t commit_reply(struct server *s, struct svc_req *rq, xdrproc_t xdr,
	void *res, size_t size);
/* a transport with a held reply: the loop must not read from it */
bool commit_fd_held(int fd);
/* End of an event-loop round: one commit, then the held replies. */
void commit_round(struct server *s);
/* Commit now and send every held reply (DSTM_INTERNAL if the commit
 * failed); 0 or -errno. */
int  commit_barrier(struct server *s);

/* ctl.c */
void ctl_dispatch(struct svc_req *rq, SVCXPRT *xprt);
void aftr_ctl_dispatch(struct svc_req *rq, SVCXPRT *xprt);
/* The counters kept across restarts (STATE_DIR/counters): load at start,
 * after store_open; save at exit (0 or -errno, logged); tick once per
 * event-loop round (saves every few minutes). */
void ctl_counters_load(struct server *s);
int  ctl_counters_save(struct server *s);
void ctl_counters_tick(struct server *s);

/* colocate.c: the gateway inside rpcdstmd ([gateway] enable = yes) */
int  colocate_open(struct server *s);
int  colocate_start(struct server *s);
void colocate_close(struct server *s);
/* after a reload: route the (new) pool into the gateway's TUN */
void colocate_reroute(struct server *s);
/* [gateway] hairpin after a reload: in force at once; false (and the
 * running value back in s->conf) when the data plane cannot refuse it */
bool colocate_hairpin(struct server *s);
/* the running gateway's data plane ("tun", "bpf"), or NULL: none */
const char *colocate_backend(const struct server *s);

/* rpcdstmd.c */
/* Reload the config file: 0 on success, -1 with msg filled. */
int  srv_reload(struct server *s, char *msg, size_t msglen);

#endif
