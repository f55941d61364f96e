/* gateway.h - the gateway (tunnel end point) as a library: the one header
 * that code outside gateway/ may include.  rpcdstmd uses it to run the
 * gateway co-located; the Makefile links rpcdstmd against a gateway
 * object whose only global symbols are the functions declared here, so a
 * call into the gateway's internals fails to link.  It also holds the
 * [gateway] settings that rpcdstmd.conf and dstmgwd.conf share. */
#ifndef DSTM_GATEWAY_H
#define DSTM_GATEWAY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <rpc/rpc.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/binding.h"
#include "common/conf.h"

/* ---- [gateway] settings of the tunnel end point, in both files ---- */

#define GW_DEFAULT_TEP4		0xc0000001u	/* 192.0.0.1, RFC 6333 */
#define GW_DEFAULT_MTU		1460		/* RFC 6333 5.3 */
#define GW_DEFAULT_IFNAME	"dti0"
#define GW_IFNAMSIZ		16	/* IFNAMSIZ: 15 characters and NUL */

/* the data plane: tun (userspace), bpf (tc-BPF fast path in front of
 * tun), auto (bpf when it loads, else tun), ip6tnl (a kernel ip6tnl
 * device per binding) */
enum gw_backend_kind { GW_BACKEND_TUN, GW_BACKEND_BPF, GW_BACKEND_AUTO,
	GW_BACKEND_IP6TNL };

struct gw_settings {
	struct in6_addr	 tep6;		/* default: first specific listen */
	bool		 tep6_set;
	uint32_t	 tep4;
	uint32_t	 icmp_source;	/* 0: auto */
	uint32_t	 mtu;
	enum gw_backend_kind backend;
	char		 ifname[GW_IFNAMSIZ];
	bool		 mss_clamp;
	bool		 hairpin;	/* RFC 7596 5.2; default yes */
};

/* conf_group flag for gw_keys: "tep6 = ::" is allowed and means the
 * default (rpcdstmd.conf); without it tep6 must be unicast. */
#define GW_TEP6_ANY	0x1

/* tep6, tep4, icmp-source, mtu, backend, ifname, mss-clamp, hairpin: a
 * conf_group over a gw_settings */
extern const struct conf_key gw_keys[];

void gw_settings_defaults(struct gw_settings *g);
/* The tunnel end point in use: tep6 if set, else the first specific
 * listen address, else ::. */
const struct in6_addr *gw_settings_tep6(const struct gw_settings *g,
	const struct in6_addr *listen, unsigned n_listen);
/* The checks across these keys, for a config's check(): -1 (reported)
 * or 0. */
int  gw_settings_check(struct conf_ctx *cx, const struct gw_settings *g);
/* tep6 (in use) to hairpin as -n prints them. */
void gw_settings_print(FILE *f, const struct gw_settings *g,
	const struct in6_addr *listen, unsigned n_listen);
const char *gw_backend_kind_name(enum gw_backend_kind k);
/* Why [first, last] touches IPv4 space that is never a pool or tunnel
 * address ("127.0.0.0/8 is loopback"), NULL when it does not. */
const char *gw_special4(uint32_t first, uint32_t last);

/* ---- [aftr]: the gateway as a DS-lite AFTR (RFC 6333 6), in both
 * files: 4in6 from allowed B4s, not matching a DSTM binding, goes
 * through a NAT44 keyed by the tunnel to the `pool` addresses ---- */

#define GW_AFTR_MAX_ALLOW	64
#define GW_AFTR_MAX_POOL	64
#define GW_AFTR_MAX_ADDRS	1024	/* public addresses, all ranges */
#define GW_AFTR_BLOCK		512	/* ports per block: 126 B4s an address */
#define GW_AFTR_BLOCKS_PER_B4	4
#define GW_AFTR_B4_PREFIX_LEN	56	/* the usual delegated prefix */
#define GW_AFTR_MAX_BLOCKS_PER_PREFIX 65536
#define GW_AFTR_SESSIONS_PER_B4	2048
#define GW_AFTR_SESSIONS	65536	/* the whole table */
#define GW_AFTR_UDP_TIMEOUT	300	/* RFC 4787 REQ-5 */
#define GW_AFTR_TCP_EST_TIMEOUT	7440	/* RFC 5382 REQ-5: 2 h 4 min */
#define GW_AFTR_TCP_TRANS_TIMEOUT 240	/* RFC 5382 REQ-5: 4 min */
#define GW_AFTR_ICMP_TIMEOUT	60	/* RFC 5508 REQ-1 */

struct gw_aftr_settings {
	bool		 enable;
	struct in6_addr	 address;	/* :: = the tep6 in use */
	struct prefix6	 allow[GW_AFTR_MAX_ALLOW];	/* none: refuse all */
	unsigned	 n_allow;
	struct range4	 pool[GW_AFTR_MAX_POOL];	/* sorted by check */
	unsigned	 n_pool;
	uint32_t	 port_block_size;
	uint32_t	 max_port_blocks_per_b4;
	uint32_t	 b4_prefix_length;	/* B4s in one such prefix ... */
	uint32_t	 max_port_blocks_per_prefix;	/* ... hold this many;
						 * 0: max_port_blocks_per_b4 */
	uint32_t	 max_sessions_per_b4;
	uint32_t	 max_sessions;
	uint32_t	 udp_timeout;
	uint32_t	 tcp_established_timeout;
	uint32_t	 tcp_transitory_timeout;
	uint32_t	 icmp_timeout;
};

/* enable, address, allow, pool, port-block-size, ...: a conf_group over
 * a gw_aftr_settings */
extern const struct conf_key gw_aftr_keys[];

void gw_aftr_defaults(struct gw_aftr_settings *a);
/* max-port-blocks-per-prefix, or max-port-blocks-per-b4 when unset */
uint32_t gw_aftr_blocks_per_prefix(const struct gw_aftr_settings *a);
/* The checks across keys: with enable, a pool (sorted here) outside
 * `dstm` (the DSTM pool, sorted) and away from tep4, a backend that can
 * carry it.  -1 (reported) or 0. */
int  gw_aftr_check(struct conf_ctx *cx, struct gw_aftr_settings *a,
	const struct gw_settings *g, const struct range4 *dstm, unsigned n);
/* A reload keeps the running [aftr] (it changes at restart): same is
 * true when the two print alike; overlaps when the running pool meets
 * the new
 * DSTM ranges, and the reload must be refused. */
bool gw_aftr_same(const struct gw_aftr_settings *a,
	const struct gw_aftr_settings *b);
bool gw_aftr_overlaps(const struct gw_aftr_settings *a,
	const struct range4 *dstm, unsigned n);
/* The [aftr] section as -n prints it (address: tep6 when unset). */
void gw_aftr_print(FILE *f, const struct gw_aftr_settings *a,
	const struct in6_addr *tep6);

/* ---- the gateway at run time ---- */

struct gw;

struct gw_config {
	struct in6_addr	 tep6;
	uint32_t	 tep4;		/* the clients' tunnel peer */
	/* source of our ICMPv4 errors; 0 (auto): the address the kernel
	 * would pick to reach the erring packet's sender, else tep4 */
	uint32_t	 icmp_source;
	uint32_t	 mtu;		/* inner (IPv4) tunnel MTU */
	char		 ifname[16];
	bool		 mss_clamp;
	bool		 hairpin;	/* client to client through the TEP */
	enum gw_backend_kind backend;
	struct range4	*routes;	/* the pool, routed into the TUN */
	unsigned	 n_routes;
	/* dstmgwd: the table arrives by SYNC, so what a previous run left
	 * in the kernel (ip6tnl devices) waits for it rather than for
	 * gw_start */
	bool		 table_by_sync;
	struct gw_aftr_settings aftr;	/* gw_config_aftr; off by default */
};

/* The run-time config from the [gateway] settings, the TEP in use and
 * the pool ranges (not copied: gw_open copies them). */
void gw_config_init(struct gw_config *gc, const struct gw_settings *s,
	const struct in6_addr *tep6, struct range4 *routes, unsigned n);

/* The [aftr] settings into the run-time config (a copy). */
void gw_config_aftr(struct gw_config *gc, const struct gw_aftr_settings *a);

/* Create the data plane (the TUN with the pool routed into it, the raw
 * socket; with bpf, the tc programs too).  Needs CAP_NET_ADMIN and
 * CAP_NET_RAW (and CAP_BPF or CAP_SYS_ADMIN for bpf).  `auto` runs bpf
 * when it loads and tun otherwise, and logs which and why.  0 with *out
 * set, or -errno (logged). */
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

/* [gateway] hairpin changed (reload): in force at once, for the next
 * packet.  -EOPNOTSUPP (and hairpin stays on) when the data plane cannot
 * refuse client-to-client traffic (ip6tnl), else 0. */
int  gw_set_hairpin(struct gw *g, bool on);

/* Counters of the binding for addr (whole address), false when none. */
bool gw_binding_counters(struct gw *g, uint32_t addr,
	struct binding_counters *out);
/* Every gateway counter with its stable name ("gateway.decap.packets",
 * "gateway.drop.spoofed_source", ...; a "-" in a name built from a drop
 * reason becomes "_" on the wire), in a fixed order: the one list
 * behind `dstmctl stats` for rpcdstmd and dstmgwd alike. */
typedef void gw_counter_fn(void *arg, const char *name, uint64_t value);
void gw_counters(struct gw *g, gw_counter_fn *fn, void *arg);
/* The backend that runs: "tun", "bpf" or "ip6tnl". */
const char *gw_backend_name(const struct gw *g);

/* The AFTR's control program (DSTM_AFTR_CTL_PROG in rpc/dstm.x): answer
 * one request for g (NULL: no gateway here; the AFTR off answers
 * DSTM_BAD_REQUEST with a reason).  The caller checked the transport. */
void gw_aftr_ctl(struct gw *g, struct svc_req *rq, SVCXPRT *xprt);


#endif
