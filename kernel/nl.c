/* nl.c - the rtnetlink socket, links and addresses (libnl-route-3). */
#include "kernel/nl.h"
#include "kernel/nl_priv.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "common/clock.h"

/* libnl folds kernel errnos into NLE_* codes; this undoes that for the
 * errors libnl raises itself (allocation, parsing, socket). */
int
knl_nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_INTR:		return -EINTR;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NOADDR:	return -EADDRNOTAVAIL;
	case NLE_BUSY:		return -EBUSY;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_PERM:		return -EPERM;
	case NLE_NODEV:		return -ENODEV;
	default:		return -EIO;
	}
}

static int
err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct knl *k = arg;

	(void)who;
	k->kerr = e->error;
	return NL_STOP;
}

/* The result of one libnl call as 0 / -errno. */
int
knl_result(struct knl *k, int rc)
{
	if (rc >= 0)
		return 0;
	if (k->kerr < 0)
		return k->kerr;
	return knl_nle_errno(rc);
}

int
knl_open(struct knl **out)
{
	struct knl *k;
	int rc;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return -ENOMEM;
	rc = -ENOMEM;
	if ((k->sk = nl_socket_alloc()) == NULL)
		goto out;
	if ((rc = nl_connect(k->sk, NETLINK_ROUTE)) < 0) {
		rc = knl_nle_errno(rc);
		goto out;
	}
	/* keep the kernel's errno: see err_cb() and knl_result() */
	if ((rc = nl_socket_modify_err_cb(k->sk, NL_CB_CUSTOM, err_cb, k)) < 0) {
		rc = knl_nle_errno(rc);
		goto out;
	}
	*out = k;
	return 0;
out:
	knl_close(k);
	return rc;
}

void
knl_close(struct knl *k)
{
	if (k == NULL)
		return;
	if (k->sk != NULL)
		nl_socket_free(k->sk);	/* closes the socket */
	free(k);
}

/* ---- links ---- */

static int
link_get(struct knl *k, int ifindex, const char *name, struct rtnl_link **out)
{
	if (name != NULL && (name[0] == '\0' || strlen(name) >= IF_NAMESIZE))
		return -EINVAL;
	k->kerr = 0;
	return knl_result(k, rtnl_link_get_kernel(k->sk, ifindex, name, out));
}

int
knl_link_index(struct knl *k, const char *name)
{
	struct rtnl_link *l = NULL;
	int rc;

	if ((rc = link_get(k, 0, name, &l)) < 0)
		return rc;
	rc = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return rc > 0 ? rc : -ENODEV;
}

int
knl_link_exists(struct knl *k, const char *name)
{
	int rc;

	rc = knl_link_index(k, name);
	if (rc == -ENODEV)
		return 0;
	return rc < 0 ? rc : 1;
}

int
knl_link_get(struct knl *k, int ifindex, struct knl_link *out)
{
	struct rtnl_link *l = NULL;
	const char *name;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return -EINVAL;
	if ((rc = link_get(k, ifindex, NULL, &l)) < 0)
		return rc;
	out->ifindex = rtnl_link_get_ifindex(l);
	if ((name = rtnl_link_get_name(l)) != NULL)
		snprintf(out->name, sizeof(out->name), "%s", name);
	out->mtu = rtnl_link_get_mtu(l);
	out->flags = rtnl_link_get_flags(l);
	rtnl_link_put(l);
	return 0;
}

/* RTM_NEWLINK on an existing ifindex with only the changed attributes:
 * no read-modify-write race with other flags. */
static int
link_change(struct knl *k, int ifindex, int up, unsigned int mtu)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	int rc = -ENOMEM;

	if (ifindex <= 0)
		return -EINVAL;
	if ((orig = rtnl_link_alloc()) == NULL ||
	    (chg = rtnl_link_alloc()) == NULL)
		goto out;
	rtnl_link_set_ifindex(orig, ifindex);
	if (up > 0)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (mtu > 0)
		rtnl_link_set_mtu(chg, mtu);
	k->kerr = 0;
	rc = knl_result(k, rtnl_link_change(k->sk, orig, chg, 0));
out:
	if (chg != NULL)
		rtnl_link_put(chg);
	if (orig != NULL)
		rtnl_link_put(orig);
	return rc;
}

int
knl_link_set_up(struct knl *k, int ifindex, bool up)
{
	return link_change(k, ifindex, up ? 1 : 0, 0);
}

int
knl_link_set_mtu(struct knl *k, int ifindex, unsigned int mtu)
{
	if (mtu == 0)
		return -EINVAL;
	return link_change(k, ifindex, -1, mtu);
}

int
knl_link_del(struct knl *k, int ifindex)
{
	struct rtnl_link *l;
	int rc;

	if (ifindex <= 0)
		return -EINVAL;
	if ((l = rtnl_link_alloc()) == NULL)
		return -ENOMEM;
	rtnl_link_set_ifindex(l, ifindex);
	k->kerr = 0;
	rc = knl_result(k, rtnl_link_delete(k->sk, l));
	rtnl_link_put(l);
	return rc;
}

int
knl_veth_add(struct knl *k, const char *name, const char *peer)
{
	if (strlen(name) >= IF_NAMESIZE || strlen(peer) >= IF_NAMESIZE)
		return -EINVAL;
	k->kerr = 0;
	return knl_result(k, rtnl_link_veth_add(k->sk, name, peer, getpid()));
}

/* ---- addresses ---- */

int
knl_mkaddr(int family, const void *bin, uint8_t plen, struct nl_addr **out)
{
	size_t alen = family == AF_INET ? 4 : 16;

	if (plen > alen * 8)
		return -EINVAL;
	if ((*out = nl_addr_build(family, bin, alen)) == NULL)
		return -ENOMEM;
	nl_addr_set_prefixlen(*out, plen);
	return 0;
}

/*
 * libnl refuses a local address with a prefix length once a peer is set,
 * and takes the prefix length from the peer: so local first, with no
 * prefix, then the peer, then the prefix length.
 */
static int
addr_build(int family, int ifindex, const void *local, const void *peer,
    uint8_t plen, unsigned int ifa_flags, struct rtnl_addr **out)
{
	struct rtnl_addr *ra = NULL;
	struct nl_addr *la = NULL, *pa = NULL;
	int rc;

	*out = NULL;
	if (ifindex <= 0)
		return -EINVAL;
	if ((ra = rtnl_addr_alloc()) == NULL)
		return -ENOMEM;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, family);
	if ((rc = knl_mkaddr(family, local, peer != NULL ? 0 : plen, &la)) < 0)
		goto out;
	if ((rc = rtnl_addr_set_local(ra, la)) < 0)
		goto nle;
	if (peer != NULL) {
		if ((rc = knl_mkaddr(family, peer, plen, &pa)) < 0)
			goto out;
		if ((rc = rtnl_addr_set_peer(ra, pa)) < 0)
			goto nle;
	}
	rtnl_addr_set_prefixlen(ra, plen);
	if (ifa_flags != 0)
		rtnl_addr_set_flags(ra, ifa_flags);
	*out = ra;
	ra = NULL;
	rc = 0;
	goto out;
nle:
	rc = knl_nle_errno(rc);
out:
	if (pa != NULL)
		nl_addr_put(pa);
	if (la != NULL)
		nl_addr_put(la);
	if (ra != NULL)
		rtnl_addr_put(ra);
	return rc;
}

static int
addr4_build(int ifindex, const struct knl_addr4 *a, struct rtnl_addr **out)
{
	uint32_t local = htonl(a->local), peer = htonl(a->peer);

	return addr_build(AF_INET, ifindex, &local,
	    a->peer != 0 ? &peer : NULL, a->len, 0, out);
}

static int
addr_do(struct knl *k, struct rtnl_addr *ra, bool add, int flags)
{
	int rc;

	k->kerr = 0;
	if (add)
		rc = rtnl_addr_add(k->sk, ra,
		    (flags & KNL_REPLACE) ? NLM_F_REPLACE : 0);
	else
		rc = rtnl_addr_delete(k->sk, ra, 0);
	rtnl_addr_put(ra);
	return knl_result(k, rc);
}

int
knl_addr4_add(struct knl *k, int ifindex, const struct knl_addr4 *a,
    int flags)
{
	struct rtnl_addr *ra;
	int rc;

	if ((rc = addr4_build(ifindex, a, &ra)) < 0)
		return rc;
	return addr_do(k, ra, true, flags);
}

int
knl_addr4_del(struct knl *k, int ifindex, const struct knl_addr4 *a)
{
	struct rtnl_addr *ra;
	int rc;

	if ((rc = addr4_build(ifindex, a, &ra)) < 0)
		return rc;
	return addr_do(k, ra, false, 0);
}

int
knl_addr6_add(struct knl *k, int ifindex, const struct knl_addr6 *a,
    int flags)
{
	struct rtnl_addr *ra;
	int rc;

	if ((rc = addr_build(AF_INET6, ifindex, &a->addr, NULL, a->len,
	    (flags & KNL_NODAD) ? IFA_F_NODAD : 0, &ra)) < 0)
		return rc;
	return addr_do(k, ra, true, flags);
}

int
knl_addr6_del(struct knl *k, int ifindex, const struct knl_addr6 *a)
{
	struct rtnl_addr *ra;
	int rc;

	if ((rc = addr_build(AF_INET6, ifindex, &a->addr, NULL, a->len, 0,
	    &ra)) < 0)
		return rc;
	return addr_do(k, ra, false, 0);
}

/* Copies an nl_addr's bytes into a zeroed buffer of alen bytes. */
void
knl_addr_bytes(struct nl_addr *na, void *buf, size_t alen)
{
	memset(buf, 0, alen);
	if (na != NULL && nl_addr_get_len(na) == alen)
		memcpy(buf, nl_addr_get_binary_addr(na), alen);
}

/* Calls fn for every address of family on ifindex (0: on every link);
 * stops at its first error. */
int
knl_addr_walk(struct knl *k, int family, int ifindex, knl_addr_visit fn,
    void *arg)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int rc, tries;

	for (tries = 0; ; tries++) {
		k->kerr = 0;
		rc = rtnl_addr_alloc_cache(k->sk, &cache);
		/* the table changed while the kernel dumped it: again */
		if (rc != -NLE_DUMP_INTR || tries == KNL_DUMP_TRIES)
			break;
	}
	if ((rc = knl_result(k, rc)) < 0)
		return rc;
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;

		if (rtnl_addr_get_family(ra) != family || (ifindex != 0 &&
		    rtnl_addr_get_ifindex(ra) != ifindex))
			continue;
		if ((rc = fn(k, ra, arg)) < 0)
			break;
	}
	nl_cache_free(cache);
	return rc;
}

struct addr_list {
	void	*out;
	size_t	 max;
	size_t	 n;
};

static int
addr4_visit(struct knl *k, struct rtnl_addr *ra, void *arg)
{
	struct addr_list *l = arg;
	struct knl_addr4 *a;
	uint32_t v;

	(void)k;
	if (l->n < l->max) {
		a = (struct knl_addr4 *)l->out + l->n;
		knl_addr_bytes(rtnl_addr_get_local(ra), &v, sizeof(v));
		a->local = ntohl(v);
		knl_addr_bytes(rtnl_addr_get_peer(ra), &v, sizeof(v));
		a->peer = ntohl(v);
		if (a->peer == a->local)
			a->peer = 0;
		a->len = rtnl_addr_get_prefixlen(ra);
	}
	l->n++;
	return 0;
}

static int
addr6_visit(struct knl *k, struct rtnl_addr *ra, void *arg)
{
	struct addr_list *l = arg;
	struct knl_addr6 *a;

	(void)k;
	if (l->n < l->max) {
		a = (struct knl_addr6 *)l->out + l->n;
		knl_addr_bytes(rtnl_addr_get_local(ra), &a->addr,
		    sizeof(a->addr));
		a->len = rtnl_addr_get_prefixlen(ra);
		a->flags = rtnl_addr_get_flags(ra);
	}
	l->n++;
	return 0;
}

int
knl_addr4_list(struct knl *k, int ifindex, struct knl_addr4 *out, size_t max)
{
	struct addr_list l = { out, max, 0 };
	int rc;

	if ((rc = knl_addr_walk(k, AF_INET, ifindex, addr4_visit, &l)) < 0)
		return rc;
	return l.n;
}

int
knl_addr6_list(struct knl *k, int ifindex, struct knl_addr6 *out, size_t max)
{
	struct addr_list l = { out, max, 0 };
	int rc;

	if ((rc = knl_addr_walk(k, AF_INET6, ifindex, addr6_visit, &l)) < 0)
		return rc;
	return l.n;
}

/* 1 when the address is usable, 0 not yet, -errno */
static int
addr6_ready(struct knl *k, int ifindex, const struct in6_addr *a)
{
	struct knl_addr6 l[32];
	struct knl_route6 r = { .dst = *a, .len = 128, .type = RTN_LOCAL };
	int i, n;

	if ((n = knl_addr6_list(k, ifindex, l, 32)) < 0)
		return n;
	for (i = 0; i < n && i < 32; i++) {
		if (!IN6_ARE_ADDR_EQUAL(&l[i].addr, a))
			continue;
		if (l[i].flags & IFA_F_DADFAILED)
			return -EADDRNOTAVAIL;
		if (l[i].flags & IFA_F_TENTATIVE)
			return 0;
		return knl_route6_exists(k, &r);
	}
	/* more than 32 addresses: judge by the route alone */
	return n > 32 ? knl_route6_exists(k, &r) : -EADDRNOTAVAIL;
}

int
knl_addr6_wait(struct knl *k, int ifindex, const struct in6_addr *a,
    int timeout_ms)
{
	struct timespec tick = { 0, 2 * 1000 * 1000 };
	int64_t end = clock_mono_ms() + timeout_ms;
	int rc;

	for (;;) {
		if ((rc = addr6_ready(k, ifindex, a)) != 0)
			return rc < 0 ? rc : 0;
		if (clock_mono_ms() >= end)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

static int
flush_visit(struct knl *k, struct rtnl_addr *ra, void *arg)
{
	int rc;

	(void)arg;
	k->kerr = 0;
	rc = knl_result(k, rtnl_addr_delete(k->sk, ra, 0));
	/* deleting a primary address takes its secondaries with it */
	if (rc == -EADDRNOTAVAIL || rc == -ENOENT)
		rc = 0;
	return rc;
}

int
knl_addr4_flush(struct knl *k, int ifindex)
{
	return knl_addr_walk(k, AF_INET, ifindex, flush_visit, NULL);
}
