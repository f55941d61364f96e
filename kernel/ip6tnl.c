/* ip6tnl.c - ip6tnl devices through libnl-route-3; see ip6tnl.h. */
#include "kernel/ip6tnl.h"
#include "kernel/nl.h"
#include "kernel/nl_priv.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip6_tunnel.h>
#include <netlink/netlink.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/link/ip6tnl.h>

#define IP6TNL_HOPLIMIT	64

extern char **environ;

static bool
module_present(void)
{
	/* built in or loaded: its parameters are there either way */
	return access("/sys/module/ip6_tunnel", F_OK) == 0;
}

int
knl_ip6tnl_load(char *why, size_t len)
{
	static const char *const modprobe[] = { "/sbin/modprobe",
	    "/usr/sbin/modprobe", "/bin/modprobe" };
	char *argv[] = { "modprobe", "-q", "ip6_tunnel", NULL };
	const char *tried = NULL;
	int status = -1;
	pid_t pid;

	if (module_present())
		return 0;
	for (size_t i = 0; i < sizeof(modprobe) / sizeof(modprobe[0]); i++) {
		if (access(modprobe[i], X_OK) != 0)
			continue;
		tried = modprobe[i];
		if (posix_spawn(&pid, modprobe[i], NULL, NULL, argv,
		    environ) != 0)
			continue;
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		break;
	}
	if (module_present())
		return 0;
	if (tried == NULL)
		snprintf(why, len, "kernel has no ip6_tunnel (not loaded, and "
		    "no modprobe to load it)");
	else
		snprintf(why, len, "kernel has no ip6_tunnel (%s ip6_tunnel: "
		    "%s)", tried, WIFEXITED(status) ? "module not found" :
		    "failed");
	return -EOPNOTSUPP;
}

/* A link object of kind ip6tnl with every parameter: the kernel's
 * changelink takes what the message lacks as zero. */
static int
build(const struct knl_ip6tnl *t, struct rtnl_link **out)
{
	struct in6_addr local = t->local, remote = t->remote;
	struct rtnl_link *l;

	if ((l = rtnl_link_ip6_tnl_alloc()) == NULL)
		return -ENOMEM;
	if (rtnl_link_ip6_tnl_set_local(l, &local) < 0 ||
	    rtnl_link_ip6_tnl_set_remote(l, &remote) < 0 ||
	    rtnl_link_ip6_tnl_set_proto(l, IPPROTO_IPIP) < 0 ||
	    rtnl_link_ip6_tnl_set_ttl(l, IP6TNL_HOPLIMIT) < 0 ||
	    rtnl_link_ip6_tnl_set_encaplimit(l, 0) < 0 ||
	    rtnl_link_ip6_tnl_set_flags(l, IP6_TNL_F_IGN_ENCAP_LIMIT |
	    IP6_TNL_F_USE_ORIG_TCLASS) < 0) {
		rtnl_link_put(l);
		return -EINVAL;
	}
	if (t->mtu > 0)
		rtnl_link_set_mtu(l, t->mtu);
	*out = l;
	return 0;
}

int
knl_ip6tnl_add(struct knl *k, const struct knl_ip6tnl *t)
{
	struct rtnl_link *l = NULL;
	int rc;

	if (t->name[0] == '\0' || strlen(t->name) >= IF_NAMESIZE)
		return -EINVAL;
	if ((rc = build(t, &l)) != 0)
		return rc;
	rtnl_link_set_name(l, t->name);
	if (t->up)
		rtnl_link_set_flags(l, IFF_UP);
	k->kerr = 0;
	rc = knl_result(k, rtnl_link_add(k->sk, l, NLM_F_CREATE |
	    NLM_F_EXCL));
	rtnl_link_put(l);
	if (rc != 0)
		return rc;
	return knl_link_index(k, t->name);
}

int
knl_ip6tnl_change(struct knl *k, int ifindex, const struct knl_ip6tnl *t)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	int rc;

	if (ifindex <= 0)
		return -EINVAL;
	if ((rc = build(t, &chg)) != 0)
		return rc;
	if ((orig = rtnl_link_alloc()) == NULL) {
		rtnl_link_put(chg);
		return -ENOMEM;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	k->kerr = 0;
	rc = knl_result(k, rtnl_link_change(k->sk, orig, chg, 0));
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	return rc;
}

int
knl_ip6tnl_del(struct knl *k, int ifindex)
{
	return knl_link_del(k, ifindex);
}

static void
stats_of(struct rtnl_link *l, struct knl_link_stats *st)
{
	st->rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
	st->rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
	st->tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
	st->tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
	st->rx_dropped = rtnl_link_get_stat(l, RTNL_LINK_RX_DROPPED);
	st->rx_errors = rtnl_link_get_stat(l, RTNL_LINK_RX_ERRORS);
	st->tx_dropped = rtnl_link_get_stat(l, RTNL_LINK_TX_DROPPED);
	st->tx_errors = rtnl_link_get_stat(l, RTNL_LINK_TX_ERRORS);
}

int
knl_ip6tnl_list(struct knl *k, knl_ip6tnl_fn *fn, void *arg)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int rc, tries;

	for (tries = 0; ; tries++) {
		k->kerr = 0;
		rc = rtnl_link_alloc_cache(k->sk, AF_UNSPEC, &cache);
		if (rc != -NLE_DUMP_INTR || tries == KNL_DUMP_TRIES)
			break;
	}
	if ((rc = knl_result(k, rc)) < 0)
		return rc;
	for (o = nl_cache_get_first(cache); o != NULL;
	    o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct knl_link_stats st;
		struct knl_ip6tnl t;
		const char *name;

		if (!rtnl_link_is_ip6_tnl(l))
			continue;
		memset(&t, 0, sizeof(t));
		if ((name = rtnl_link_get_name(l)) != NULL)
			snprintf(t.name, sizeof(t.name), "%s", name);
		t.ifindex = rtnl_link_get_ifindex(l);
		rtnl_link_ip6_tnl_get_local(l, &t.local);
		rtnl_link_ip6_tnl_get_remote(l, &t.remote);
		t.mtu = rtnl_link_get_mtu(l);
		t.up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
		t.ipip6 = rtnl_link_ip6_tnl_get_proto(l) == IPPROTO_IPIP;
		stats_of(l, &st);
		if ((rc = fn(arg, &t, &st)) != 0)
			break;
	}
	nl_cache_free(cache);
	return rc;
}

int
knl_link_stats(struct knl *k, int ifindex, struct knl_link_stats *out)
{
	struct rtnl_link *l = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (ifindex <= 0)
		return -EINVAL;
	k->kerr = 0;
	if ((rc = knl_result(k, rtnl_link_get_kernel(k->sk, ifindex, NULL,
	    &l))) < 0)
		return rc;
	stats_of(l, out);
	rtnl_link_put(l);
	return 0;
}

/* /proc/net/netstat: pairs of lines, names then values, per group */
int
knl_rp_filter_drops(uint64_t *out)
{
	char names[4096], values[4096];
	FILE *f;
	int rc = -ENOENT;

	*out = 0;
	if ((f = fopen("/proc/net/netstat", "re")) == NULL)
		return -errno;
	while (rc != 0 && fgets(names, sizeof(names), f) != NULL &&
	    fgets(values, sizeof(values), f) != NULL) {
		char *sn, *sv, *n, *v;

		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while (n != NULL && v != NULL) {
			if (strcmp(n, "IPReversePathFilter") == 0) {
				*out = strtoull(v, NULL, 10);
				rc = 0;
				break;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return rc;
}
