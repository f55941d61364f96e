/* tun.c - TUN device open, packet read/write, batch read. */
#include "kernel/tun.h"

#include <sys/ioctl.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_tun.h>

int
tun_open(const char *name, int flags, char *actual, size_t actuallen)
{
	struct ifreq ifr;
	int fd, rc;

	if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ ||
	    (flags & ~TUN_MULTIQUEUE) != 0)
		return -EINVAL;
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) ==
	    -1)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & TUN_MULTIQUEUE)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		rc = -errno;
		goto out;
	}
	if (actual != NULL && actuallen > 0)
		snprintf(actual, actuallen, "%.*s", IFNAMSIZ, ifr.ifr_name);
	return fd;
out:
	close(fd);
	return rc;
}

void
tun_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

ssize_t
tun_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -errno : n;
}

int
tun_write(int fd, const void *pkt, size_t len)
{
	ssize_t n;

	do
		n = write(fd, pkt, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int
tun_read_batch(int fd, struct tun_pkt *pkts, unsigned int n)
{
	unsigned int i;
	ssize_t r;

	for (i = 0; i < n; i++) {
		if ((r = tun_read(fd, pkts[i].buf, pkts[i].cap)) < 0) {
			if (r == -EAGAIN || i > 0)
				break;
			return r;
		}
		pkts[i].len = r;
	}
	return i;
}

int
tun_write_batch(int fd, const struct tun_pkt *pkts, unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = tun_write(fd, pkts[i].buf, pkts[i].len)) < 0)
			return i > 0 ? (int)i : rc;
	}
	return i;
}
