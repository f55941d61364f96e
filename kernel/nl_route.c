/* nl_route.c - IPv4 and IPv6 routes through libnl-route-3. */
#include "kernel/nl.h"
#include "kernel/nl_priv.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

/* One route in either family: what knl_route4/knl_route6 have in common. */
struct rkey {
	int		family;
	size_t		alen;
	uint8_t		dst[16];
	uint8_t		len;
	uint8_t		type;
	int		ifindex;
	bool		has_gw;
	uint8_t		gw[16];
	uint32_t	metric;
	uint32_t	table;
};

static void
rkey4(const struct knl_route4 *r, struct rkey *key)
{
	uint32_t v;

	memset(key, 0, sizeof(*key));
	key->family = AF_INET;
	key->alen = 4;
	v = htonl(r->dst);
	memcpy(key->dst, &v, 4);
	key->len = r->len;
	key->type = r->type;
	key->ifindex = r->ifindex;
	if (r->gw != 0) {
		key->has_gw = true;
		v = htonl(r->gw);
		memcpy(key->gw, &v, 4);
	}
	key->metric = r->metric;
	key->table = r->table;
}

static void
rkey6(const struct knl_route6 *r, struct rkey *key)
{
	memset(key, 0, sizeof(*key));
	key->family = AF_INET6;
	key->alen = 16;
	memcpy(key->dst, &r->dst, 16);
	key->len = r->len;
	key->type = r->type;
	key->ifindex = r->ifindex;
	if (!IN6_IS_ADDR_UNSPECIFIED(&r->gw)) {
		key->has_gw = true;
		memcpy(key->gw, &r->gw, 16);
	}
	key->metric = r->metric;
	key->table = r->table;
}

static uint8_t
rkey_type(const struct rkey *key)
{
	return key->type != 0 ? key->type : RTN_UNICAST;
}

/* "ip route" puts local routes into the local table unless told */
static uint32_t
rkey_table(const struct rkey *key)
{
	if (key->table != 0)
		return key->table;
	return rkey_type(key) == RTN_LOCAL ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
}

static int
route_build(const struct rkey *key, struct rtnl_route **out)
{
	struct rtnl_route *rt = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *dst = NULL, *gw = NULL;
	int rc;

	*out = NULL;
	if ((rt = rtnl_route_alloc()) == NULL)
		return -ENOMEM;
	if ((rc = rtnl_route_set_family(rt, key->family)) < 0)
		goto nle;
	if ((rc = knl_mkaddr(key->family, key->dst, key->len, &dst)) < 0)
		goto out;
	if ((rc = rtnl_route_set_dst(rt, dst)) < 0)
		goto nle;
	if ((rc = rtnl_route_set_type(rt, rkey_type(key))) < 0)
		goto nle;
	rtnl_route_set_table(rt, rkey_table(key));
	if (key->metric != 0)
		rtnl_route_set_priority(rt, key->metric);
	if (key->ifindex > 0 || key->has_gw) {
		rc = -ENOMEM;
		if ((nh = rtnl_route_nh_alloc()) == NULL)
			goto out;
		rtnl_route_add_nexthop(rt, nh);	/* rt owns nh now */
		if (key->ifindex > 0)
			rtnl_route_nh_set_ifindex(nh, key->ifindex);
		if (key->has_gw) {
			if ((rc = knl_mkaddr(key->family, key->gw, key->alen * 8,
			    &gw)) < 0)
				goto out;
			rtnl_route_nh_set_gateway(nh, gw);	/* takes a ref */
		}
	}
	*out = rt;
	rt = NULL;
	rc = 0;
	goto out;
nle:
	rc = knl_nle_errno(rc);
out:
	if (gw != NULL)
		nl_addr_put(gw);
	if (dst != NULL)
		nl_addr_put(dst);
	if (rt != NULL)
		rtnl_route_put(rt);
	return rc;
}

static int
route_do(struct knl *k, const struct rkey *key, bool add, int flags)
{
	struct rtnl_route *rt;
	int rc;

	if (key->len > key->alen * 8)
		return -EINVAL;
	if ((rc = route_build(key, &rt)) < 0)
		return rc;
	k->kerr = 0;
	if (add)
		rc = rtnl_route_add(k->sk, rt,
		    NLM_F_CREATE | ((flags & KNL_REPLACE) ? NLM_F_REPLACE :
		    NLM_F_EXCL));
	else
		rc = rtnl_route_delete(k->sk, rt, 0);
	rtnl_route_put(rt);
	return knl_result(k, rc);
}

static bool
nl_addr_eq(struct nl_addr *na, const uint8_t *bin, size_t alen)
{
	uint8_t buf[16];

	if (na == NULL || nl_addr_get_len(na) != alen)
		return false;
	knl_addr_bytes(na, buf, alen);
	return memcmp(buf, bin, alen) == 0;
}

static bool
route_match(struct rtnl_route *rt, const struct rkey *key)
{
	struct rtnl_nexthop *nh;
	struct nl_addr *dst;
	uint8_t buf[16];
	bool ok_if, ok_gw;
	int i, n;

	if (rtnl_route_get_family(rt) != key->family ||
	    rtnl_route_get_table(rt) != rkey_table(key) ||
	    rtnl_route_get_type(rt) != rkey_type(key))
		return false;
	if (key->metric != 0 && rtnl_route_get_priority(rt) != key->metric)
		return false;
	/* a default route may come without RTA_DST: compare zero bytes */
	dst = rtnl_route_get_dst(rt);
	if (dst == NULL || nl_addr_get_prefixlen(dst) != key->len)
		return false;
	knl_addr_bytes(dst, buf, key->alen);
	if (memcmp(buf, key->dst, key->alen) != 0)
		return false;
	ok_if = key->ifindex <= 0;
	ok_gw = !key->has_gw;
	n = rtnl_route_get_nnexthops(rt);
	for (i = 0; i < n; i++) {
		if ((nh = rtnl_route_nexthop_n(rt, i)) == NULL)
			continue;
		if (rtnl_route_nh_get_ifindex(nh) == key->ifindex)
			ok_if = true;
		if (key->has_gw && nl_addr_eq(rtnl_route_nh_get_gateway(nh),
		    key->gw, key->alen))
			ok_gw = true;
	}
	return ok_if && ok_gw;
}

static int
route_exists(struct knl *k, const struct rkey *key)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int rc, tries;

	for (tries = 0; ; tries++) {
		k->kerr = 0;
		rc = rtnl_route_alloc_cache(k->sk, key->family, 0, &cache);
		if (rc != -NLE_DUMP_INTR || tries == KNL_DUMP_TRIES)
			break;
	}
	if ((rc = knl_result(k, rc)) < 0)
		return rc;
	rc = 0;
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o)) {
		if (route_match((struct rtnl_route *)o, key)) {
			rc = 1;
			break;
		}
	}
	nl_cache_free(cache);
	return rc;
}

int
knl_route4_add(struct knl *k, const struct knl_route4 *r, int flags)
{
	struct rkey key;

	rkey4(r, &key);
	return route_do(k, &key, true, flags);
}

int
knl_route4_del(struct knl *k, const struct knl_route4 *r)
{
	struct rkey key;

	rkey4(r, &key);
	return route_do(k, &key, false, 0);
}

int
knl_route4_exists(struct knl *k, const struct knl_route4 *r)
{
	struct rkey key;

	rkey4(r, &key);
	return route_exists(k, &key);
}

int
knl_route4_src(struct knl *k, uint32_t dst, uint32_t *src)
{
	struct rtnl_route *rt = NULL;
	struct nl_addr *a = NULL, *ps;
	uint32_t v = htonl(dst);
	int rc;

	if ((rc = knl_mkaddr(AF_INET, &v, 32, &a)) < 0)
		return rc;
	k->kerr = 0;
	rc = knl_result(k, rtnl_route_lookup(k->sk, a, &rt));
	nl_addr_put(a);
	if (rc < 0)
		return rc;
	ps = rtnl_route_get_pref_src(rt);
	if (ps == NULL || nl_addr_get_len(ps) != 4) {
		rc = -EADDRNOTAVAIL;
	} else {
		knl_addr_bytes(ps, &v, 4);
		*src = ntohl(v);
	}
	rtnl_route_put(rt);
	return rc;
}

int
knl_route6_add(struct knl *k, const struct knl_route6 *r, int flags)
{
	struct rkey key;

	rkey6(r, &key);
	return route_do(k, &key, true, flags);
}

int
knl_route6_del(struct knl *k, const struct knl_route6 *r)
{
	struct rkey key;

	rkey6(r, &key);
	return route_do(k, &key, false, 0);
}

int
knl_route6_exists(struct knl *k, const struct knl_route6 *r)
{
	struct rkey key;

	rkey6(r, &key);
	return route_exists(k, &key);
}
