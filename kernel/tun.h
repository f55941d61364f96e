/* tun.h - layer-3 TUN devices (IFF_TUN | IFF_NO_PI): whole IP packets,
 * no Ethernet header, no packet-information prefix.
 *
 * The device is not persistent: it exists while at least one of its fds
 * is open and vanishes, with its addresses and routes, when the last one
 * closes (also when the process dies).  A daemon that restarts therefore
 * recreates dti0 and configures it again.
 *
 * fds are O_NONBLOCK and O_CLOEXEC.  One read() returns one packet; one
 * write() sends one packet.  Buffers for reading should hold the device
 * MTU (TUN_PKT_MAX holds any).  Functions return -errno on failure; reads
 * that would block return -EAGAIN.
 */
#ifndef DSTM_KERNEL_TUN_H
#define DSTM_KERNEL_TUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TUN_PKT_MAX	65535

/* tun_open() flags */
#define TUN_MULTIQUEUE	0x01	/* IFF_MULTI_QUEUE: every open of the same
				 * name adds one queue (one fd per thread) */

struct tun_pkt {
	uint8_t	*buf;
	size_t	 cap;		/* size of buf */
	size_t	 len;		/* bytes of the packet */
};

/*
 * name is exact ("dti0") or a pattern ("dti%d"); the kernel's name comes
 * back in actual (IF_NAMESIZE bytes; may be NULL).  Returns the fd.
 * -EBUSY: the name is a TUN already in use (without TUN_MULTIQUEUE);
 * -EINVAL: the name belongs to another kind of device, or the queue flag
 * does not match the existing device.
 */
int	tun_open(const char *name, int flags, char *actual, size_t actuallen);
void	tun_close(int fd);

ssize_t	tun_read(int fd, void *buf, size_t len);	/* packet length */
int	tun_write(int fd, const void *pkt, size_t len);

/* Reads up to n packets, one read() each, until the queue is empty: the
 * count read (0 if none was waiting), or -errno if the first read failed
 * for another reason than EAGAIN.  Sets pkts[i].len. */
int	tun_read_batch(int fd, struct tun_pkt *pkts, unsigned int n);
/* Writes pkts[0..n) in order; the count written, or -errno if the first
 * write failed.  Stops at the first failure. */
int	tun_write_batch(int fd, const struct tun_pkt *pkts, unsigned int n);

#endif
