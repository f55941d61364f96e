/* addrmon.h - the host's own IPv4 addresses, and word when they change.
 *
 * knl_addr4_local() dumps every IPv4 address of every interface in the
 * namespace (RTM_GETADDR through libnl-route-3): each local address and
 * each subnet broadcast address, the destinations the kernel delivers to
 * its own sockets.  A struct knl_addrmon is a netlink socket subscribed
 * to RTNLGRP_IPV4_IFADDR: readable when an address was added or removed
 * (RTM_NEWADDR, RTM_DELADDR); knl_addrmon_changed() drains it and says
 * whether to dump again.  Subscribe first, then dump, and no change
 * between the two is lost.
 */
#ifndef DSTM_KERNEL_ADDRMON_H
#define DSTM_KERNEL_ADDRMON_H

#include <stddef.h>
#include <stdint.h>

struct knl;
struct knl_addrmon;

/* Sorted ascending, without duplicates, host order, into *out (malloc'd;
 * NULL when there are none).  The count, or -errno. */
int	knl_addr4_local(struct knl *k, uint32_t **out);

/* Non-blocking, close-on-exec.  0 or -errno. */
int	knl_addrmon_open(struct knl_addrmon **out);
void	knl_addrmon_close(struct knl_addrmon *m);
/* For poll(2): readable when knl_addrmon_changed() has something. */
int	knl_addrmon_fd(const struct knl_addrmon *m);
/* Reads what is queued, without blocking: 1 when an IPv4 address came
 * or went (or the socket overflowed and some news was lost: dump again
 * either way), 0 when nothing did, -errno. */
int	knl_addrmon_changed(struct knl_addrmon *m);

#endif
