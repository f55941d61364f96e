/* nl.h - links, addresses and routes through rtnetlink (libnl-route-3),
 * and the few sysctls dstm sets.
 *
 * Every function returns 0 (or a count, or an ifindex) on success and
 * -errno on failure.  The errno is the kernel's own, taken from the
 * NLMSG_ERROR reply, not libnl's lossy NLE_* translation: adding an
 * address twice gives -EEXIST, deleting a missing route -ESRCH, an unknown
 * link -ENODEV.
 *
 * IPv4 addresses are host-order uint32_t (common/addr.h), IPv6 addresses
 * struct in6_addr.  One struct knl wraps one NETLINK_ROUTE socket, bound
 * to the network namespace of the thread that called knl_open().  It is
 * not thread-safe; use one per thread.
 *
 * The names are knl_ ("kernel netlink"), not nl_: libnl owns nl_ (nl_close
 * is one of its functions).
 */
#ifndef DSTM_KERNEL_NL_H
#define DSTM_KERNEL_NL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct knl;

/* flags for the add functions */
#define KNL_REPLACE	0x01	/* NLM_F_REPLACE: update what exists */
#define KNL_NODAD	0x02	/* IPv6 address: IFA_F_NODAD, usable at once */

struct knl_link {
	int		ifindex;
	char		name[IF_NAMESIZE];
	unsigned int	mtu;
	unsigned int	flags;		/* IFF_UP, IFF_RUNNING, ... */
};

struct knl_addr4 {
	uint32_t	local;		/* host order */
	uint8_t		len;		/* prefix length */
	uint32_t	peer;		/* point-to-point peer, 0 = none */
};

struct knl_addr6 {
	struct in6_addr	addr;
	uint8_t		len;
	uint32_t	flags;		/* IFA_F_* as the kernel reports them */
};

/*
 * A route.  Zero means "not given" for every field but dst/len, so a
 * designated initializer that names only what matters is the usual form:
 *	{ .dst = p, .len = 24, .ifindex = i }
 * On delete and exists, a zero field matches any value.
 */
struct knl_route4 {
	uint32_t	dst;		/* host order, masked */
	uint8_t		len;
	uint8_t		type;		/* RTN_*, 0 = RTN_UNICAST */
	int		ifindex;	/* output device, 0 = none */
	uint32_t	gw;		/* gateway, 0 = none */
	uint32_t	metric;		/* RTA_PRIORITY, 0 = kernel default */
	uint32_t	table;		/* 0 = main (local for RTN_LOCAL) */
};

struct knl_route6 {
	struct in6_addr	dst;		/* masked */
	uint8_t		len;
	uint8_t		type;		/* RTN_*, 0 = RTN_UNICAST; RTN_LOCAL
					 * is "ip -6 route add local P dev lo" */
	int		ifindex;
	struct in6_addr	gw;		/* :: = none */
	uint32_t	metric;		/* 0 = kernel default (1024) */
	uint32_t	table;
};

/* nl.c */
int	knl_open(struct knl **out);
void	knl_close(struct knl *k);

int	knl_link_index(struct knl *k, const char *name);	/* > 0 */
int	knl_link_exists(struct knl *k, const char *name);	/* 1, 0 */
int	knl_link_get(struct knl *k, int ifindex, struct knl_link *out);
int	knl_link_set_up(struct knl *k, int ifindex, bool up);
int	knl_link_set_mtu(struct knl *k, int ifindex, unsigned int mtu);
int	knl_link_del(struct knl *k, int ifindex);
/* a veth pair, both ends in this namespace, both down */
int	knl_veth_add(struct knl *k, const char *name, const char *peer);

int	knl_addr4_add(struct knl *k, int ifindex, const struct knl_addr4 *a,
	    int flags);
int	knl_addr4_del(struct knl *k, int ifindex, const struct knl_addr4 *a);
/* Fills up to max entries and returns how many the link has (which may be
 * more than max, like snprintf). */
int	knl_addr4_list(struct knl *k, int ifindex, struct knl_addr4 *out,
	    size_t max);
int	knl_addr4_flush(struct knl *k, int ifindex);
int	knl_addr6_add(struct knl *k, int ifindex, const struct knl_addr6 *a,
	    int flags);
int	knl_addr6_del(struct knl *k, int ifindex, const struct knl_addr6 *a);
int	knl_addr6_list(struct knl *k, int ifindex, struct knl_addr6 *out,
	    size_t max);
/*
 * Waits until an IPv6 address can be used: DAD is over and its local
 * route is in place.  Even with KNL_NODAD, RTM_NEWADDR returns before the
 * kernel installs that route (addrconf does it from a workqueue), and
 * packets to the address meet "no route" until then.  The link must be
 * up.  0, -EADDRNOTAVAIL if the address is gone or DAD failed,
 * -ETIMEDOUT.
 */
int	knl_addr6_wait(struct knl *k, int ifindex, const struct in6_addr *a,
	    int timeout_ms);

/* nl_route.c */
int	knl_route4_add(struct knl *k, const struct knl_route4 *r, int flags);
int	knl_route4_del(struct knl *k, const struct knl_route4 *r);
/* 1 if a route matching every non-zero field exists, else 0.  Dumps the
 * whole table: for setup and checks, not for hot paths. */
int	knl_route4_exists(struct knl *k, const struct knl_route4 *r);
/* The source address the kernel would use to reach dst (RTM_GETROUTE's
 * RTA_PREFSRC, "ip route get" src) into *src; -ENETUNREACH and the like
 * when there is no route, -EADDRNOTAVAIL when it names no source.  One
 * round trip: fit for a rate-limited packet path, not for every packet. */
int	knl_route4_src(struct knl *k, uint32_t dst, uint32_t *src);
int	knl_route6_add(struct knl *k, const struct knl_route6 *r, int flags);
int	knl_route6_del(struct knl *k, const struct knl_route6 *r);
int	knl_route6_exists(struct knl *k, const struct knl_route6 *r);

/* sysctl.c: plain reads and writes under /proc/sys, which belong to the
 * network namespace of the calling thread.  path is relative to /proc/sys
 * ("net/ipv4/ip_forward"); ifname may also be "all" or "default"; an
 * unknown interface gives -ENOENT. */
int	knl_sysctl_set(const char *path, const char *value);
int	knl_sysctl_get(const char *path, char *buf, size_t len);
int	knl_forwarding(int family, bool on);		/* AF_INET, AF_INET6 */
int	knl_rp_filter(const char *ifname, int mode);	/* 0, 1 strict, 2 */
int	knl_disable_ipv6(const char *ifname, bool disable);
int	knl_accept_dad(const char *ifname, int mode);	/* 0, 1, 2 */
/* The interface that holds IPv6 address a (getifaddrs), or -ENOENT. */
int	knl_addr6_ifindex(const struct in6_addr *a);

#endif
