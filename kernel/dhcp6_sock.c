/* dhcp6_sock.c - the DHCPv6 client's socket; see dhcp6_sock.h. */
#include "kernel/dhcp6_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/dhcp6.h"

int
dhcp6_sock_open(int ifindex)
{
	struct sockaddr_in6 sa;
	char name[IF_NAMESIZE];
	int fd, on = 1, hops = 1, rc;

	if (if_indextoname((unsigned)ifindex, name) == NULL)
		return -errno;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(DHCP6_CLIENT_PORT);
	/* one link: replies come to our link-local address on it */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name,
	    (socklen_t)strlen(name)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
	    sizeof(ifindex)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
dhcp6_sock_send(int fd, int ifindex, const void *buf, size_t len)
{
	struct sockaddr_in6 to;

	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_port = htons(DHCP6_SERVER_PORT);
	to.sin6_scope_id = (uint32_t)ifindex;
	inet_pton(AF_INET6, "ff02::1:2", &to.sin6_addr);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int
dhcp6_sock_recv(int fd, void *buf, size_t cap, struct in6_addr *from,
    uint16_t *port)
{
	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	ssize_t n;

	n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&sa, &sl);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (sa.sin6_family != AF_INET6 || (size_t)n > cap)
		return -EMSGSIZE;	/* truncated: not a reply we read */
	*from = sa.sin6_addr;
	*port = ntohs(sa.sin6_port);
	return (int)n;
}

int
knl_default6_ifindex(char name[static 16])
{
	FILE *f = fopen("/proc/net/ipv6_route", "re");
	char dst[33], src[33], hop[33], dev[16];
	unsigned dlen, slen, metric, refc, use, flags, best = UINT32_MAX;
	int rc = -ENOENT, lines = 0;

	if (f == NULL)
		return -errno;
	/* dst dstlen src srclen nexthop metric refcnt use flags dev */
	while (lines++ < 100000 && fscanf(f, "%32s %x %32s %x %32s %x %x %x "
	    "%x %15s", dst, &dlen, src, &slen, hop, &metric, &refc, &use,
	    &flags, dev) == 10) {
		/* RTF_UP, not RTF_REJECT: lo's unreachable entries */
		if (dlen != 0 || strspn(dst, "0") != 32 || !(flags & 0x1) ||
		    (flags & 0x200) || strcmp(dev, "lo") == 0 ||
		    metric >= best)
			continue;
		best = metric;
		snprintf(name, 16, "%s", dev);
		rc = 0;
	}
	fclose(f);
	if (rc == 0 && (rc = (int)if_nametoindex(name)) == 0)
		rc = -ENOENT;
	return rc;
}

int
knl_hwaddr(const char *ifname, uint8_t mac[static 6])
{
	struct ifreq ifr;
	int fd, rc = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
		rc = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		rc = -ENOENT;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return rc;
}
