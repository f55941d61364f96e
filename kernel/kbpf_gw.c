/* kbpf_gw.c - loads the gateway's tc programs (kernel/bpf/gw.bpf.c),
 * attaches them and keeps their binding maps. */
#include "kernel/kbpf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/addr.h"
#include "common/log.h"
#include "gw.skel.h"
#include "kernel/kbpf_priv.h"
#include "kernel/nl.h"

struct kbpf_gw {
	struct kbpf_gw_bpf	*skel;
	struct kbpf_hook	 hooks[KBPF_MAX_UPLINKS + 1];
	unsigned		 nhooks;
	uint32_t		 max_bindings;
	int			 fd_up, fd_down, fd_clients, fd_bind_ctr;
	int			 fd_stats;
};

static const char *const gw_names[KBPF_GW_STAT_MAX] = {
	[KBPF_GW_FWD_UP] = "fwd-up",
	[KBPF_GW_FWD_DOWN] = "fwd-down",
	[KBPF_GW_DROP_UNKNOWN_CLIENT] = "unknown-client",
	[KBPF_GW_DROP_SPOOFED_ADDR] = "spoofed-source",
	[KBPF_GW_DROP_SPOOFED_PORT] = "spoofed-port",
	[KBPF_GW_DROP_EXPIRED] = "expired",
	[KBPF_GW_DROP_ERROR] = "error",
	[KBPF_GW_DROP_BAD_DEST] = "bad-destination",
	[KBPF_GW_DROP_HAIRPIN] = "hairpin",
	[KBPF_GW_PUNT_EXT_HEADER] = "punt-ext-header",
	[KBPF_GW_PUNT_INNER] = "punt-inner",
	[KBPF_GW_PUNT_FRAGMENT] = "punt-fragment",
	[KBPF_GW_PUNT_SHARED] = "punt-shared",
	[KBPF_GW_PUNT_TTL] = "punt-ttl",
	[KBPF_GW_PUNT_ECN] = "punt-ecn",
	[KBPF_GW_PUNT_GSO] = "punt-gso",
	[KBPF_GW_PUNT_ROUTE] = "punt-route",
	[KBPF_GW_PUNT_TOO_BIG] = "punt-too-big",
	[KBPF_GW_PUNT_NO_BINDING] = "punt-no-binding",
	[KBPF_GW_PUNT_EXPIRED] = "punt-expired",
	[KBPF_GW_PUNT_HELPER] = "punt-helper",
	[KBPF_GW_PUNT_HAIRPIN] = "punt-hairpin",
	[KBPF_GW_PUNT_AFTR] = "punt-aftr",
};

const char *
kbpf_gw_counter_name(unsigned i)
{
	return i < KBPF_GW_STAT_MAX ? gw_names[i] : "?";
}

static int
config_check(const struct kbpf_gw_config *c)
{
	if (c->tun_ifindex <= 0 || c->n_uplinks == 0 ||
	    c->n_uplinks > KBPF_MAX_UPLINKS) {
		log_warnx("kbpf gw: need the TUN and 1 to %d uplinks",
		    KBPF_MAX_UPLINKS);
		return -EINVAL;
	}
	/* RFC 791 68 .. what fits an IPv6 payload length with our header */
	if (c->mtu < 68 || c->mtu > 65535 - 40) {
		log_warnx("kbpf gw: bad tunnel MTU %u", c->mtu);
		return -EINVAL;
	}
	for (unsigned i = 0; i < c->n_uplinks; i++) {
		if (c->uplinks[i] <= 0 || c->uplinks[i] == c->tun_ifindex)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (c->uplinks[j] == c->uplinks[i])
				return -EINVAL;
		int rc = kbpf_check_ether(c->uplinks[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* The FIB lookups name the TUN as their interface and the kernel
 * answers "forwarding disabled" unless it forwards there.  IPv6
 * forwarding per interface only changes host/router behaviour on it,
 * and the TUN has no IPv6 of its own: turned on.  IPv4 forwarding is
 * the gateway's policy (the slow path needs it too): only checked. */
static void
tun_forwarding(int ifindex)
{
	char name[IF_NAMESIZE], path[128], v[8];
	int rc;

	if (if_indextoname((unsigned)ifindex, name) == NULL)
		return;
	snprintf(path, sizeof(path), "net/ipv6/conf/%s/forwarding", name);
	if ((rc = knl_sysctl_set(path, "1")) != 0)
		log_warnx("kbpf gw: %s: %s (IPv4 to clients will take the "
		    "slow path)", path, strerror(-rc));
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/forwarding", name);
	if (knl_sysctl_get(path, v, sizeof(v)) == 0 && v[0] == '0')
		log_warnx("kbpf gw: IPv4 forwarding is off on %s: clients' "
		    "packets will take the slow path", name);
}

static int
set_sizes(struct kbpf_gw_bpf *s, uint32_t n)
{
	int rc;

	if ((rc = bpf_map__set_max_entries(s->maps.gw_up, n)) != 0 ||
	    (rc = bpf_map__set_max_entries(s->maps.gw_clients, n)) != 0 ||
	    (rc = bpf_map__set_max_entries(s->maps.gw_down, n)) != 0 ||
	    (rc = bpf_map__set_max_entries(s->maps.gw_bind_ctr, n)) != 0)
		return rc;
	return 0;
}

int
kbpf_gw_open(const struct kbpf_gw_config *c, struct kbpf_gw **out)
{
	struct kbpf_gw_cfg cfg;
	struct kbpf_gw *g;
	const uint32_t zero = 0;
	char a[ADDR_STRLEN];
	int rc;

	*out = NULL;
	kbpf_log_setup();
	if ((rc = config_check(c)) != 0)
		return rc;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -ENOMEM;
	g->max_bindings = c->max_bindings != 0 ? c->max_bindings :
	    KBPF_DEFAULT_BINDINGS;
	if ((g->skel = kbpf_gw_bpf__open()) == NULL) {
		rc = -errno;
		log_warnx("kbpf gw: open: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = set_sizes(g->skel, g->max_bindings)) != 0)
		goto fail;
	if ((rc = kbpf_gw_bpf__load(g->skel)) != 0) {
		log_warnx("kbpf gw: load: %s", strerror(-rc));
		goto fail;
	}
	g->fd_up = bpf_map__fd(g->skel->maps.gw_up);
	g->fd_down = bpf_map__fd(g->skel->maps.gw_down);
	g->fd_clients = bpf_map__fd(g->skel->maps.gw_clients);
	g->fd_bind_ctr = bpf_map__fd(g->skel->maps.gw_bind_ctr);
	g->fd_stats = bpf_map__fd(g->skel->maps.gw_stats);

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.tep6, &c->tep6, sizeof(cfg.tep6));
	cfg.tun_ifindex = (uint32_t)c->tun_ifindex;
	cfg.mtu = c->mtu;
	cfg.tep4 = htonl(c->tep4);
	cfg.flow_seed = c->flow_seed;
	cfg.flow_label = c->flow_label;
	cfg.max_index = g->max_bindings;
	cfg.hop_limit = c->hop_limit != 0 ? c->hop_limit : 64;
	cfg.hairpin = c->hairpin;
	cfg.aftr = c->aftr;
	cfg.enabled = 1;
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.gw_cfg), &zero,
	    &cfg, BPF_ANY) != 0) {
		rc = -errno;
		goto fail;
	}

	tun_forwarding(c->tun_ifindex);
	for (unsigned i = 0; i < c->n_uplinks; i++) {
		rc = kbpf_hook_attach(&g->hooks[g->nhooks], c->uplinks[i],
		    false, bpf_program__fd(g->skel->progs.dstm_gw_in6));
		if (rc != 0)
			goto fail;
		g->nhooks++;
	}
	rc = kbpf_hook_attach(&g->hooks[g->nhooks], c->tun_ifindex, true,
	    bpf_program__fd(g->skel->progs.dstm_gw_out4));
	if (rc != 0)
		goto fail;
	g->nhooks++;
	log_info("kbpf gw: fast path on %u uplink(s) and interface %d, "
	    "TEP %s, MTU %u", c->n_uplinks, c->tun_ifindex,
	    addr6_ntop(&c->tep6, a, sizeof(a)), c->mtu);
	*out = g;
	return 0;
fail:
	kbpf_gw_close(g);
	return rc < 0 ? rc : -EINVAL;
}

int
kbpf_gw_set_hairpin(struct kbpf_gw *g, bool on)
{
	int fd = bpf_map__fd(g->skel->maps.gw_cfg);
	struct kbpf_gw_cfg cfg;
	const uint32_t zero = 0;

	/* one writer, the control thread: the element is rewritten in
	 * place, every other field with the value it has */
	if (bpf_map_lookup_elem(fd, &zero, &cfg) != 0)
		return -errno;
	cfg.hairpin = on;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) != 0)
		return -errno;
	return 0;
}

void
kbpf_gw_close(struct kbpf_gw *g)
{
	if (g == NULL)
		return;
	while (g->nhooks > 0)
		kbpf_hook_detach(&g->hooks[--g->nhooks]);
	kbpf_gw_bpf__destroy(g->skel);
	free(g);
}

static void
up_key(struct kbpf_up_key *k, uint32_t addr4, const struct in6_addr *c6)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->client6, c6, sizeof(k->client6));
	k->addr4 = htonl(addr4);
}

static int
clients_adjust(struct kbpf_gw *g, const struct in6_addr *c6, int delta)
{
	uint32_t n = 0;

	(void)bpf_map_lookup_elem(g->fd_clients, c6, &n);
	if (delta < 0 && n <= 1)
		return bpf_map_delete_elem(g->fd_clients, c6) == 0 ||
		    errno == ENOENT ? 0 : -errno;
	n += (uint32_t)delta;
	return bpf_map_update_elem(g->fd_clients, c6, &n, BPF_ANY) == 0 ? 0 :
	    -errno;
}

static int
put(struct kbpf_gw *g, uint32_t addr4, const struct in6_addr *c6,
    const struct kbpf_up_val *v)
{
	struct kbpf_up_key k;
	struct kbpf_up_val old;
	struct kbpf_down_val d, dold;
	uint32_t a4 = htonl(addr4);
	bool existed;
	int rc;

	up_key(&k, addr4, c6);
	existed = bpf_map_lookup_elem(g->fd_up, &k, &old) == 0;
	/* the client first, so a packet never meets a binding whose client
	 * looks unknown */
	if (!existed && (rc = clients_adjust(g, c6, 1)) != 0)
		return rc;
	if (bpf_map_update_elem(g->fd_up, &k, v, BPF_ANY) != 0) {
		rc = -errno;
		if (!existed)
			(void)clients_adjust(g, c6, -1);
		return rc;
	}
	if (v->port_min == 0 && v->port_max == 65535 &&
	    !(v->flags & KBPF_BIND_PUNT)) {
		memset(&d, 0, sizeof(d));
		memcpy(d.client6, c6, sizeof(d.client6));
		d.expires_ns = v->expires_ns;
		d.index = v->index;
		if (bpf_map_update_elem(g->fd_down, &a4, &d, BPF_ANY) != 0)
			return -errno;
	} else if (bpf_map_lookup_elem(g->fd_down, &a4, &dold) == 0 &&
	    memcmp(dold.client6, c6, sizeof(dold.client6)) == 0)
		(void)bpf_map_delete_elem(g->fd_down, &a4);
	return 0;
}

int
kbpf_gw_bind(struct kbpf_gw *g, uint32_t addr4, const struct in6_addr *c6,
    uint16_t port_min, uint16_t port_max, int64_t expires, uint32_t index)
{
	struct kbpf_up_val v;
	int rc;

	if (port_min > port_max || index >= g->max_bindings || addr4 == 0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.expires_ns = kbpf_boot_ns(expires);
	v.index = index;
	v.port_min = port_min;
	v.port_max = port_max;
	if ((rc = put(g, addr4, c6, &v)) != 0)
		log_warnx("kbpf gw: bind: %s", strerror(-rc));
	return rc;
}

int
kbpf_gw_bind_punt(struct kbpf_gw *g, uint32_t addr4,
    const struct in6_addr *c6, uint32_t index)
{
	struct kbpf_up_val v;
	int rc;

	if (index >= g->max_bindings || addr4 == 0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.index = index;
	v.port_max = 65535;
	v.flags = KBPF_BIND_PUNT;
	if ((rc = put(g, addr4, c6, &v)) != 0)
		log_warnx("kbpf gw: bind: %s", strerror(-rc));
	return rc;
}

int
kbpf_gw_unbind(struct kbpf_gw *g, uint32_t addr4, const struct in6_addr *c6)
{
	struct kbpf_up_key k;
	struct kbpf_down_val d;
	uint32_t a4 = htonl(addr4);

	up_key(&k, addr4, c6);
	if (bpf_map_delete_elem(g->fd_up, &k) != 0)
		return -errno;
	if (bpf_map_lookup_elem(g->fd_down, &a4, &d) == 0 &&
	    memcmp(d.client6, c6, sizeof(d.client6)) == 0)
		(void)bpf_map_delete_elem(g->fd_down, &a4);
	return clients_adjust(g, c6, -1);
}

int
kbpf_gw_flush(struct kbpf_gw *g)
{
	int rc;

	/* the IPv4 side first: nothing is encapsulated to a half-removed
	 * binding */
	if ((rc = kbpf_map_clear(g->fd_down, sizeof(uint32_t))) != 0 ||
	    (rc = kbpf_map_clear(g->fd_up, sizeof(struct kbpf_up_key))) != 0 ||
	    (rc = kbpf_map_clear(g->fd_clients, sizeof(struct in6_addr))) != 0)
		log_warnx("kbpf gw: flush: %s", strerror(-rc));
	return rc;
}

int
kbpf_gw_binding_counters(struct kbpf_gw *g, uint32_t index,
    struct kbpf_binding_counters *out)
{
	int ncpus = kbpf_ncpus(), rc = 0;
	struct kbpf_bind_ctr *v;
	uint64_t last = 0;

	memset(out, 0, sizeof(*out));
	if (index >= g->max_bindings)
		return -EINVAL;
	if ((v = calloc((size_t)ncpus, sizeof(*v))) == NULL)
		return -ENOMEM;
	if (bpf_map_lookup_elem(g->fd_bind_ctr, &index, v) != 0)
		rc = -errno;
	for (int c = 0; rc == 0 && c < ncpus; c++) {
		out->pkts_up += v[c].pkts_up;
		out->bytes_up += v[c].bytes_up;
		out->pkts_down += v[c].pkts_down;
		out->bytes_down += v[c].bytes_down;
		if (v[c].last_seen_ns > last)
			last = v[c].last_seen_ns;
	}
	out->last_seen = kbpf_unix_secs(last);
	free(v);
	return rc;
}

int
kbpf_gw_binding_counters_clear(struct kbpf_gw *g, uint32_t index)
{
	struct kbpf_bind_ctr *v;
	int rc = 0;

	if (index >= g->max_bindings)
		return -EINVAL;
	if ((v = calloc((size_t)kbpf_ncpus(), sizeof(*v))) == NULL)
		return -ENOMEM;
	if (bpf_map_update_elem(g->fd_bind_ctr, &index, v, BPF_ANY) != 0)
		rc = -errno;
	free(v);
	return rc;
}

int
kbpf_gw_counters(struct kbpf_gw *g, struct kbpf_counter *out)
{
	return kbpf_sum_counters(g->fd_stats, KBPF_GW_STAT_MAX, out);
}

int
kbpf_gw_prog_in6(const struct kbpf_gw *g)
{
	return bpf_program__fd(g->skel->progs.dstm_gw_in6);
}

int
kbpf_gw_prog_out4(const struct kbpf_gw *g)
{
	return bpf_program__fd(g->skel->progs.dstm_gw_out4);
}
