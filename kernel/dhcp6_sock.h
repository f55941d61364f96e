/* dhcp6_sock.h - the DHCPv6 client's socket (RFC 8415 7.1: UDP from port
 * 546 to All_DHCP_Relay_Agents_and_Servers, ff02::1:2 port 547, on one
 * link) and what rpcd's B4 needs to know about that link.  Opened at
 * start-up, while rpcd may still bind a port below 1024.  Functions
 * return 0 (or an fd / ifindex) or -errno. */
#ifndef DSTM_KERNEL_DHCP6_SOCK_H
#define DSTM_KERNEL_DHCP6_SOCK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* [::]:546 bound to the interface, multicast out of it, non-blocking */
int	dhcp6_sock_open(int ifindex);
/* One datagram to ff02::1:2 port 547 out of the interface */
int	dhcp6_sock_send(int fd, int ifindex, const void *buf, size_t len);
/* One datagram; its length, -EAGAIN when none, the sender in *from and
 * its source port in *port */
int	dhcp6_sock_recv(int fd, void *buf, size_t cap, struct in6_addr *from,
	    uint16_t *port);
/* The interface of the IPv6 default route with the lowest metric
 * (/proc/net/ipv6_route), its name in name[16]. */
int	knl_default6_ifindex(char name[static 16]);
/* The link-layer (Ethernet) address of the interface: 0, or -errno
 * (-ENOENT when it has none, a TUN say). */
int	knl_hwaddr(const char *ifname, uint8_t mac[static 6]);

#endif
