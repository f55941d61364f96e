/* addrmon.c - the host's IPv4 addresses and their changes; see addrmon.h. */
#include "kernel/addrmon.h"
#include "kernel/nl_priv.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>

/* a host with more is not one we know how to protect this way */
#define ADDR4_MAX	65536
/* reads per knl_addrmon_changed(): what is left wakes poll() again */
#define MON_READS	64

struct knl_addrmon {
	int	fd;
};

struct addr4_set {
	uint32_t	*v;
	size_t		 n, cap;
};

static int
set_add(struct addr4_set *s, uint32_t a)
{
	uint32_t *v;
	size_t cap;

	if (a == 0)
		return 0;
	if (s->n == s->cap) {
		if (s->cap >= ADDR4_MAX)
			return -E2BIG;
		cap = s->cap != 0 ? s->cap * 2 : 16;
		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = a;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
addr4_of(struct nl_addr *na)
{
	uint32_t v;

	knl_addr_bytes(na, &v, sizeof(v));
	return ntohl(v);
}

static int
local_visit(struct knl *k, struct rtnl_addr *ra, void *arg)
{
	struct addr4_set *s = arg;
	int rc;

	(void)k;
	if ((rc = set_add(s, addr4_of(rtnl_addr_get_local(ra)))) != 0)
		return rc;
	return set_add(s, addr4_of(rtnl_addr_get_broadcast(ra)));
}

int
knl_addr4_local(struct knl *k, uint32_t **out)
{
	struct addr4_set s = { NULL, 0, 0 };
	size_t j = 0;
	int rc;

	*out = NULL;
	if ((rc = knl_addr_walk(k, AF_INET, 0, local_visit, &s)) < 0) {
		free(s.v);
		return rc;
	}
	if (s.n > 0) {
		qsort(s.v, s.n, sizeof(*s.v), cmp_u32);
		for (size_t i = 0; i < s.n; i++)
			if (j == 0 || s.v[i] != s.v[j - 1])
				s.v[j++] = s.v[i];
	}
	*out = s.v;
	return (int)j;
}

int
knl_addrmon_open(struct knl_addrmon **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
	    .nl_groups = RTMGRP_IPV4_IFADDR };
	struct knl_addrmon *m;
	int rc;

	*out = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (m->fd < 0 || bind(m->fd, (struct sockaddr *)&sa,
	    sizeof(sa)) != 0) {
		rc = -errno;
		knl_addrmon_close(m);
		return rc;
	}
	*out = m;
	return 0;
}

void
knl_addrmon_close(struct knl_addrmon *m)
{
	if (m == NULL)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

int
knl_addrmon_fd(const struct knl_addrmon *m)
{
	return m->fd;
}

int
knl_addrmon_changed(struct knl_addrmon *m)
{
	union {
		struct nlmsghdr	h;
		uint8_t		b[16384];
	} buf;
	int changed = 0;

	for (int i = 0; i < MON_READS; i++) {
		ssize_t n = recv(m->fd, buf.b, sizeof(buf.b), 0);
		const struct nlmsghdr *h = &buf.h;
		int len;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return changed;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {	/* news lost: dump again */
				changed = 1;
				continue;
			}
			return -errno;
		}
		len = (int)n;
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			if (h->nlmsg_type == RTM_NEWADDR ||
			    h->nlmsg_type == RTM_DELADDR)
				changed = 1;
	}
	return changed;
}
