/* sysctl.c - writes under /proc/sys/net for forwarding, rp_filter, IPv6. */
#include "kernel/nl.h"

#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
sysctl_path(const char *path, char *buf, size_t len)
{
	int n;

	if (path[0] == '/' || strstr(path, "..") != NULL)
		return -EINVAL;
	n = snprintf(buf, len, "/proc/sys/%s", path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
knl_sysctl_set(const char *path, const char *value)
{
	char file[256], line[64];
	ssize_t w;
	int fd, n, rc;

	if ((rc = sysctl_path(path, file, sizeof(file))) < 0)
		return rc;
	n = snprintf(line, sizeof(line), "%s\n", value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	if ((fd = open(file, O_WRONLY | O_CLOEXEC)) == -1)
		return -errno;
	if ((w = write(fd, line, n)) == -1)
		rc = -errno;
	else if (w != n)
		rc = -EIO;
	close(fd);
	return rc;
}

int
knl_sysctl_get(const char *path, char *buf, size_t len)
{
	char file[256];
	ssize_t r;
	int fd, rc;

	if (len == 0)
		return -EINVAL;
	if ((rc = sysctl_path(path, file, sizeof(file))) < 0)
		return rc;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if ((r = read(fd, buf, len - 1)) == -1) {
		rc = -errno;
		r = 0;
	}
	close(fd);
	while (r > 0 && buf[r - 1] == '\n')
		r--;
	buf[r] = '\0';
	return rc;
}

static int
sysctl_if(const char *fmt, const char *ifname, int value)
{
	char path[128], v[16];

	if (ifname[0] == '\0' || strlen(ifname) >= IF_NAMESIZE ||
	    strchr(ifname, '/') != NULL)
		return -EINVAL;
	snprintf(path, sizeof(path), fmt, ifname);
	snprintf(v, sizeof(v), "%d", value);
	return knl_sysctl_set(path, v);
}

int
knl_forwarding(int family, bool on)
{
	if (family == AF_INET)
		return knl_sysctl_set("net/ipv4/ip_forward", on ? "1" : "0");
	if (family == AF_INET6)
		return knl_sysctl_set("net/ipv6/conf/all/forwarding",
		    on ? "1" : "0");
	return -EAFNOSUPPORT;
}

int
knl_rp_filter(const char *ifname, int mode)
{
	if (mode < 0 || mode > 2)
		return -EINVAL;
	return sysctl_if("net/ipv4/conf/%s/rp_filter", ifname, mode);
}

int
knl_disable_ipv6(const char *ifname, bool disable)
{
	return sysctl_if("net/ipv6/conf/%s/disable_ipv6", ifname, disable);
}

int
knl_accept_dad(const char *ifname, int mode)
{
	if (mode < 0 || mode > 2)
		return -EINVAL;
	return sysctl_if("net/ipv6/conf/%s/accept_dad", ifname, mode);
}

int
knl_addr6_ifindex(const struct in6_addr *a)
{
	struct ifaddrs *ifs, *i;
	int rc = -ENOENT;

	if (getifaddrs(&ifs) != 0)
		return -errno;
	for (i = ifs; i != NULL && rc < 0; i = i->ifa_next) {
		const struct sockaddr_in6 *s = (const void *)i->ifa_addr;

		if (s != NULL && s->sin6_family == AF_INET6 &&
		    memcmp(&s->sin6_addr, a, sizeof(*a)) == 0)
			rc = (int)if_nametoindex(i->ifa_name);
	}
	freeifaddrs(ifs);
	return rc > 0 ? rc : -ENOENT;
}
