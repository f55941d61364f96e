/* ip6tnl.h - Linux's IPv4-in-IPv6 tunnel devices (ip6_tunnel, "ip -6
 * tunnel ... mode ipip6"), created, changed, listed and removed through
 * libnl-route-3's ip6tnl API; the module is loaded when needed.
 *
 * Every device made here has mode ipip6, no Tunnel Encapsulation Limit
 * option (Linux adds one by default, 8 bytes, and the MTU drops to 1452
 * from 1460), hop limit 64, and copies the inner TOS into the outer
 * traffic class (RFC 6040: ECN is carried both ways).
 * Functions return 0 (or an ifindex) or -errno as nl.h's do. */
#ifndef DSTM_KERNEL_IP6TNL_H
#define DSTM_KERNEL_IP6TNL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct knl;

struct knl_ip6tnl {
	char		name[IF_NAMESIZE];
	int		ifindex;	/* knl_ip6tnl_list */
	struct in6_addr	local, remote;
	unsigned int	mtu;		/* 0: the kernel's default */
	bool		up;		/* create it up */
	bool		ipip6;		/* knl_ip6tnl_list: mode ipip6 */
};

struct knl_link_stats {
	uint64_t	rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t	rx_dropped, rx_errors, tx_dropped, tx_errors;
};

/* 0 when the kernel has ip6_tunnel (built in, loaded, or loaded now by
 * modprobe), else -EOPNOTSUPP with why[] saying what was tried. */
int	knl_ip6tnl_load(char *why, size_t len);
/* A new device; its ifindex (> 0), -EEXIST if the name or the pair of
 * addresses is taken, -EOPNOTSUPP without ip6_tunnel. */
int	knl_ip6tnl_add(struct knl *k, const struct knl_ip6tnl *t);
/* New addresses or MTU for an existing device (the name stays). */
int	knl_ip6tnl_change(struct knl *k, int ifindex,
	    const struct knl_ip6tnl *t);
int	knl_ip6tnl_del(struct knl *k, int ifindex);
/* Calls fn for every ip6tnl device of this namespace (the fallback
 * device ip6tnl0 included), with its counters; stops at fn's first
 * non-zero return and returns it. */
typedef int knl_ip6tnl_fn(void *arg, const struct knl_ip6tnl *t,
	    const struct knl_link_stats *st);
int	knl_ip6tnl_list(struct knl *k, knl_ip6tnl_fn *fn, void *arg);
/* One link's counters (any kind of link). */
int	knl_link_stats(struct knl *k, int ifindex, struct knl_link_stats *out);
/* The namespace's count of packets dropped by reverse-path filtering
 * (TcpExt IPReversePathFilter in /proc/net/netstat). */
int	knl_rp_filter_drops(uint64_t *out);

#endif
