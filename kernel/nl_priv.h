/* nl_priv.h - what nl.c and nl_route.c share; not for other modules. */
#ifndef DSTM_KERNEL_NL_PRIV_H
#define DSTM_KERNEL_NL_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct knl;
struct nl_addr;
struct nl_sock;
struct rtnl_addr;

#define KNL_DUMP_TRIES	3	/* retries of a dump interrupted by changes */

struct knl {
	struct nl_sock	*sk;
	int		 kerr;	/* -errno of the last NLMSG_ERROR, or 0 */
};

/* nl.c */
int	knl_nle_errno(int nle);
/* 0 / -errno for a libnl return value; clear k->kerr before the call */
int	knl_result(struct knl *k, int rc);
int	knl_mkaddr(int family, const void *bin, uint8_t plen,
	    struct nl_addr **out);
void	knl_addr_bytes(struct nl_addr *na, void *buf, size_t alen);
typedef int (*knl_addr_visit)(struct knl *, struct rtnl_addr *, void *);
/* fn for every address of family on ifindex, 0: every link (one dump,
 * retried when the kernel says it changed meanwhile); 0 or the first
 * -errno, fn's included */
int	knl_addr_walk(struct knl *k, int family, int ifindex,
	    knl_addr_visit fn, void *arg);

#endif
