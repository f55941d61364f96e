/* gwconf.c - the [gateway] keys of the tunnel end point, shared by
 * rpcdstmd.conf and dstmgwd.conf, then dstmgwd.conf itself: its own keys,
 * the checks across keys and the canonical printer behind `dstmgwd -n`. */
#include "gateway/gwconf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

/* IPv4 space that is never a pool or tunnel address */
static const struct {
	uint32_t	 first, last;
	const char	*what;
} special4[] = {
	{ 0x00000000, 0x00ffffff, "0.0.0.0/8 is \"this network\"" },
	{ 0x7f000000, 0x7fffffff, "127.0.0.0/8 is loopback" },
	{ 0xe0000000, 0xffffffff, "224.0.0.0/3 is multicast and reserved" },
};

static const char *const backend_names[] = {
	[GW_BACKEND_TUN] = "tun",
	[GW_BACKEND_BPF] = "bpf",
	[GW_BACKEND_AUTO] = "auto",
	[GW_BACKEND_IP6TNL] = "ip6tnl",
};

const char *
gw_backend_kind_name(enum gw_backend_kind k)
{
	return (unsigned)k < sizeof(backend_names) / sizeof(backend_names[0]) ?
	    backend_names[k] : "?";
}

const char *
gw_special4(uint32_t first, uint32_t last)
{
	for (size_t i = 0; i < sizeof(special4) / sizeof(special4[0]); i++)
		if (first <= special4[i].last && last >= special4[i].first)
			return special4[i].what;
	return NULL;
}

/* ---- [gateway] settings of the tunnel end point ---- */

static int
set_tep6(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_settings *g = obj;

	if (conf_addr6(cx, v, &g->tep6, cx->flags & GW_TEP6_ANY) != 0)
		return -1;
	/* :: is the default: the first specific listen address */
	g->tep6_set = !IN6_IS_ADDR_UNSPECIFIED(&g->tep6);
	return 0;
}

static int
set_tep4(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_settings *g = obj;
	const char *what;
	uint32_t a;

	if (!addr4_parse(v, &a, NULL))
		return conf_bad(cx, "an IPv4 address", NULL);
	if ((what = gw_special4(a, a)) != NULL)
		return conf_bad(cx, "a unicast IPv4 address", what);
	g->tep4 = a;
	return 0;
}

/* auto, or an address of ours on the IPv4 side (RFC 6890: tep4's
 * 192.0.0.0/24 is not globally reachable, and PMTUD behind a bogon
 * filter needs our frag-needed) */
static int
set_icmp_source(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_settings *g = obj;
	const char *what;
	uint32_t a;

	if (strcmp(v, "auto") == 0) {
		g->icmp_source = 0;
		return 0;
	}
	if (!addr4_parse(v, &a, NULL))
		return conf_bad(cx, "auto or an IPv4 address", NULL);
	if ((what = gw_special4(a, a)) != NULL)
		return conf_bad(cx, "auto or a unicast IPv4 address", what);
	g->icmp_source = a;
	return 0;
}

static int
set_backend(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_settings *g = obj;

	for (size_t i = 0; i < sizeof(backend_names) /
	    sizeof(backend_names[0]); i++)
		if (strcmp(v, backend_names[i]) == 0) {
			g->backend = (enum gw_backend_kind)i;
			return 0;
		}
	return conf_bad(cx, "tun, bpf, ip6tnl or auto", NULL);
}

#define GS	struct gw_settings

const struct conf_key gw_keys[] = {
	CONF_KEY_FUNC("gateway", "tep6", false, set_tep6),
	CONF_KEY_FUNC("gateway", "tep4", false, set_tep4),
	CONF_KEY_FUNC("gateway", "icmp-source", false, set_icmp_source),
	/* 1280: the IPv6 minimum link MTU (RFC 8200 5) */
	CONF_KEY_U32("gateway", "mtu", GS, mtu, 1280, 65535,
	    "a number 1280-65535"),
	CONF_KEY_FUNC("gateway", "backend", false, set_backend),
	CONF_KEY_IFNAME("gateway", "ifname", GS, ifname),
	CONF_KEY_BOOL("gateway", "mss-clamp", GS, mss_clamp),
	CONF_KEY_BOOL("gateway", "hairpin", GS, hairpin),
	CONF_KEY_END
};

int
gw_settings_check(struct conf_ctx *cx, const struct gw_settings *g)
{
	const struct conf_entry *e = conf_seen(cx, "gateway", "backend");

	/* the fast path forwards SYNs itself: it cannot clamp them */
	if (g->backend == GW_BACKEND_BPF && g->mss_clamp)
		return conf_fail(cx, e != NULL ? e->line : 0, "backend: bpf "
		    "does not clamp the TCP MSS (mss-clamp = yes at line %d); "
		    "use tun, or auto, which picks tun then",
		    conf_seen(cx, "gateway", "mss-clamp")->line);
	/* nor does the kernel's ip6tnl device */
	if (g->backend == GW_BACKEND_IP6TNL && g->mss_clamp)
		return conf_fail(cx, e != NULL ? e->line : 0, "backend: ip6tnl "
		    "does not clamp the TCP MSS (mss-clamp = yes at line %d); "
		    "use tun", conf_seen(cx, "gateway", "mss-clamp")->line);
	/* the kernel forwards between ip6tnl devices: nothing of ours sees
	 * a client's packet to another client */
	if (g->backend == GW_BACKEND_IP6TNL && !g->hairpin)
		return conf_fail(cx, e != NULL ? e->line : 0, "backend: ip6tnl "
		    "cannot refuse client-to-client traffic (hairpin = no at "
		    "line %d); use tun, bpf or auto",
		    conf_seen(cx, "gateway", "hairpin")->line);
	return 0;
}

void
gw_settings_defaults(struct gw_settings *g)
{
	memset(g, 0, sizeof(*g));
	g->tep4 = GW_DEFAULT_TEP4;
	g->mtu = GW_DEFAULT_MTU;
	g->backend = GW_BACKEND_TUN;
	g->hairpin = true;
	snprintf(g->ifname, sizeof(g->ifname), "%s", GW_DEFAULT_IFNAME);
}

const struct in6_addr *
gw_settings_tep6(const struct gw_settings *g, const struct in6_addr *listen,
    unsigned n_listen)
{
	if (g->tep6_set)
		return &g->tep6;
	for (unsigned i = 0; i < n_listen; i++)
		if (!IN6_IS_ADDR_UNSPECIFIED(&listen[i]))
			return &listen[i];
	return &in6addr_any;
}

void
gw_settings_print(FILE *f, const struct gw_settings *g,
    const struct in6_addr *listen, unsigned n_listen)
{
	char a[ADDR_STRLEN];

	fprintf(f, "tep6 = %s\n", addr6_ntop(gw_settings_tep6(g, listen,
	    n_listen), a, sizeof(a)));
	fprintf(f, "tep4 = %s\n", addr4_ntop(g->tep4, a, sizeof(a)));
	fprintf(f, "icmp-source = %s\n", g->icmp_source == 0 ? "auto" :
	    addr4_ntop(g->icmp_source, a, sizeof(a)));
	fprintf(f, "mtu = %u\n", g->mtu);
	fprintf(f, "backend = %s\n", backend_names[g->backend]);
	fprintf(f, "ifname = %s\nmss-clamp = %s\n", g->ifname,
	    g->mss_clamp ? "yes" : "no");
	fprintf(f, "hairpin = %s\n", g->hairpin ? "yes" : "no");
}

/* ---- dstmgwd.conf ---- */

struct load {			/* cx->state while parsing */
	struct conf_ranges	 pools;		/* file order until checked */
};

static int
set_listen(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gwd_conf *c = obj;

	return conf_listen(cx, v, c->listen, &c->n_listen, GWD_MAX_LISTEN);
}

static int
set_pool(struct conf_ctx *cx, void *obj, const char *v)
{
	struct load *ld = cx->state;
	struct range4 r;
	const char *why = NULL;

	(void)obj;
	if (!range4_parse(v, &r, &why))
		return conf_bad(cx, "A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H",
		    NULL);
	if (gw_special4(r.first, r.last) != NULL)
		return conf_bad(cx, "unicast IPv4 addresses (not 0/8, 127/8 or "
		    "224/3)", NULL);
	if (ld->pools.n == GWD_MAX_POOLS)
		return conf_fail(cx, cx->e->line, "pool: too many ranges (at "
		    "most %d)", GWD_MAX_POOLS);
	return conf_ranges_add(cx, &ld->pools, &r);
}

static int
set_allow(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gwd_conf *c = obj;
	struct in6_addr a;

	if (conf_addr6(cx, v, &a, false) != 0)
		return -1;
	if (gwd_conf_server_allowed(c, &a))
		return conf_fail(cx, cx->e->line, "allow: %s is already listed",
		    v);
	if (c->n_allow == GWD_MAX_SERVERS)
		return conf_fail(cx, cx->e->line, "allow: too many servers (at "
		    "most %d)", GWD_MAX_SERVERS);
	c->allow[c->n_allow++] = a;
	return 0;
}

#define GC	struct gwd_conf

/* The print order (gwd_conf_print) puts gw_keys after port. */
static const struct conf_key gwd_keys[] = {
	CONF_KEY_FUNC("gateway", "listen", true, set_listen),
	CONF_KEY_U16("gateway", "port", GC, port, 1, 65535,
	    "a port number 1-65535"),
	CONF_KEY_FUNC("gateway", "pool", true, set_pool),
	CONF_KEY_PATH("gateway", "control-socket", GC, control_socket,
	    sizeof(((GC *)NULL)->control_socket)),
	CONF_KEY_PATH("gateway", "pid-file", GC, pid_file, PATH_MAX),
	CONF_KEY_FUNC("servers", "allow", true, set_allow),
	CONF_KEY_END
};

static int
check(struct conf_ctx *cx)
{
	struct gwd_conf *c = cx->target;
	struct load *ld = cx->state;
	const struct conf_entry *tep4 = conf_seen(cx, "gateway", "tep4");
	const struct conf_range *p;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (ld->pools.n == 0)
		return conf_fail(cx, 0, "no [gateway] pool: give the IPv4 "
		    "ranges the server leases (they are routed into %s)",
		    c->gw.ifname);
	if (conf_ranges_sort(cx, &ld->pools, "pool") != 0 ||
	    conf_ranges_take(cx, &ld->pools, &c->pools, &c->n_pools) != 0)
		return -1;
	if ((p = conf_ranges_find(&ld->pools, c->gw.tep4)) != NULL)
		return conf_fail(cx, tep4 != NULL ? tep4->line : p->line,
		    "tep4 %s is inside pool %s; set [gateway] tep4 to an "
		    "address outside the leased space",
		    addr4_ntop(c->gw.tep4, a, sizeof(a)),
		    range4_ntop(&p->r, b, sizeof(b)));
	if (IN6_IS_ADDR_UNSPECIFIED(gwd_conf_tep6(c)))
		return conf_fail(cx, 0, "no tep6: set [gateway] tep6, the "
		    "address clients send 4in6 to (listen is only ::)");
	if (c->n_allow == 0)
		return conf_fail(cx, 0, "no [servers] allow: name the DSTM "
		    "server(s) whose bindings this gateway accepts");
	if (gw_aftr_check(cx, &c->aftr, &c->gw, c->pools, c->n_pools) != 0)
		return -1;
	return gw_settings_check(cx, &c->gw);
}

static void
done(struct conf_ctx *cx, bool ok)
{
	struct load *ld = cx->state;

	conf_ranges_free(&ld->pools);
	if (!ok)
		gwd_conf_free(cx->target);
}

static const struct conf_group gwd_groups[] = {
	{ gwd_keys, 0, 0 },
	{ gw_keys, offsetof(struct gwd_conf, gw), 0 },	/* tep6 unicast */
	{ gw_aftr_keys, offsetof(struct gwd_conf, aftr), 0 },
};

static const struct conf_spec gwd_spec = {
	.groups = gwd_groups,
	.n_groups = sizeof(gwd_groups) / sizeof(gwd_groups[0]),
	.state_size = sizeof(struct load),
	.check = check,
	.done = done,
};

/* ---- public ---- */

void
gwd_conf_defaults(struct gwd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen[0] = in6addr_any;
	c->n_listen = 1;
	c->port = GWD_DEFAULT_PORT;
	gw_settings_defaults(&c->gw);
	gw_aftr_defaults(&c->aftr);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    GWD_DEFAULT_CONTROL);
	snprintf(c->pid_file, sizeof(c->pid_file), "%s", GWD_DEFAULT_PIDFILE);
}

int
gwd_conf_load(const char *path, struct gwd_conf *c, char *err, size_t errlen)
{
	gwd_conf_defaults(c);
	return conf_parse(&gwd_spec, path, NULL, 0, c, err, errlen);
}

int
gwd_conf_load_buf(const char *name, const char *text, size_t len,
    struct gwd_conf *c, char *err, size_t errlen)
{
	gwd_conf_defaults(c);
	return conf_parse(&gwd_spec, name, text != NULL ? text : "", len, c,
	    err, errlen);
}

void
gwd_conf_free(struct gwd_conf *c)
{
	free(c->pools);
	memset(c, 0, sizeof(*c));
}

const struct in6_addr *
gwd_conf_tep6(const struct gwd_conf *c)
{
	return gw_settings_tep6(&c->gw, c->listen, c->n_listen);
}

bool
gwd_conf_server_allowed(const struct gwd_conf *c, const struct in6_addr *a)
{
	for (unsigned i = 0; i < c->n_allow; i++)
		if (memcmp(&c->allow[i], a, sizeof(*a)) == 0)
			return true;
	return false;
}

void
gwd_conf_print(FILE *f, const struct gwd_conf *c)
{
	char a[ADDR_STRLEN];

	fprintf(f, "[gateway]\n");
	for (unsigned i = 0; i < c->n_listen; i++)
		fprintf(f, "listen = %s\n", addr6_ntop(&c->listen[i], a,
		    sizeof(a)));
	fprintf(f, "port = %u\n", c->port);
	gw_settings_print(f, &c->gw, c->listen, c->n_listen);
	for (unsigned i = 0; i < c->n_pools; i++)
		fprintf(f, "pool = %s\n", range4_ntop(&c->pools[i], a,
		    sizeof(a)));
	fprintf(f, "control-socket = %s\npid-file = %s\n", c->control_socket,
	    c->pid_file);
	fprintf(f, "\n[servers]\n");
	for (unsigned i = 0; i < c->n_allow; i++)
		fprintf(f, "allow = %s\n", addr6_ntop(&c->allow[i], a,
		    sizeof(a)));
	gw_aftr_print(f, &c->aftr, gwd_conf_tep6(c));
}
