/* raw6.h - raw IPv6 sockets for IPv4-in-IPv6 (RFC 2473, next header 4).
 *
 * An AF_INET6/SOCK_RAW/IPPROTO_IPIP socket works without any tunnel module:
 *   - receive: the kernel strips the IPv6 header (and extension headers,
 *     after reassembly); the data is the inner IPv4 packet.  The outer
 *     source comes as the sender address, the outer destination and the
 *     input interface as IPV6_PKTINFO, the outer traffic class as
 *     IPV6_TCLASS (both always enabled here).
 *   - send: the data is the IPv4 packet; the kernel builds the IPv6 header
 *     (next header 4, hop limit from raw6_set_hoplimit(), the traffic
 *     class of each packet as IPV6_TCLASS ancillary data) and picks the
 *     source unless one is given (IPV6_PKTINFO; it must be local).  The
 *     flow label is the kernel's own (a hash of the outer addresses)
 *     unless raw6_set_flowlabel() made it each packet's.  A packet larger
 *     than the path MTU is fragmented by the kernel (RFC 2473 7.3: the
 *     tunnel entry point may fragment the outer packet).
 *
 * Every raw IPIP socket sees a copy of EVERY 4in6 packet delivered to the
 * host, whatever its destination, unless bound to an address (then only
 * packets to that destination) or to a device (SO_BINDTODEVICE).  Other
 * programs' raw IPIP sockets see ours too, and so would a loaded
 * ip6_tunnel module: a raw socket is a tap, not an exclusive owner.  The
 * socket also receives packets it sent itself when they are for this host.
 *
 * When no raw IPIP socket matches and no tunnel module takes protocol 4,
 * the kernel drops the packet and answers the sender with ICMPv6
 * Parameter Problem, code 1 (unrecognized next header), pointer 6 (the
 * Next Header field of the IPv6 header).  So a gateway without its socket
 * open is visible to clients as "parameter problem", not as silence.
 *
 * Functions return -errno on failure; -EAGAIN when nothing is waiting.
 */
#ifndef DSTM_KERNEL_RAW6_H
#define DSTM_KERNEL_RAW6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RAW6_BATCH	64	/* packets per recvmmsg/sendmmsg system call */

struct raw6_pkt {
	uint8_t		*buf;		/* inner IPv4 packet */
	size_t		 cap;		/* size of buf (receive) */
	size_t		 len;		/* bytes in buf */
	struct in6_addr	 src;		/* outer source */
	struct in6_addr	 dst;		/* outer destination (:: = kernel's
					 * choice on send, unknown on
					 * receive) */
	uint8_t		 tclass;	/* outer traffic class: DSCP and
					 * ECN (RFC 6040) */
	uint32_t	 flowlabel;	/* send: 20 bits, used when the
					 * socket has raw6_set_flowlabel() */
	int		 ifindex;	/* receive: input interface */
	bool		 truncated;	/* receive: cap was too small */
};

/* local may be NULL (all destinations), else bound to it.  Returns the
 * fd: O_NONBLOCK, O_CLOEXEC, IPV6_RECVPKTINFO and IPV6_RECVTCLASS on. */
int	raw6_open(const struct in6_addr *local);
void	raw6_close(int fd);
int	raw6_set_hoplimit(int fd, int hops);		/* 1..255, -1 default */
/* Send each packet's p->flowlabel as is, 0 included (IPV6_FLOWINFO_SEND
 * on, IPV6_AUTOFLOWLABEL off). */
int	raw6_set_flowlabel(int fd);
/* SO_RCVBUF/SO_SNDBUF, with the FORCE variants when privileged (bytes;
 * 0 leaves one unchanged) */
int	raw6_set_bufsize(int fd, int rcvbuf, int sndbuf);

/* One packet into p (buf, cap set by the caller); 0 or -errno. */
int	raw6_recv(int fd, struct raw6_pkt *p);
/* Up to n packets with recvmmsg(), RAW6_BATCH per call; the count (0 if
 * none was waiting) or -errno if the first call failed. */
int	raw6_recv_batch(int fd, struct raw6_pkt *pkts, unsigned int n);

/* Sends p->buf[0..len) to p->dst, from p->src unless it is ::. */
int	raw6_send(int fd, const struct raw6_pkt *p);
/* sendmmsg(); the count sent (it stops at the first packet the kernel
 * refuses), or -errno if none was sent. */
int	raw6_send_batch(int fd, const struct raw6_pkt *pkts, unsigned int n);

#endif
