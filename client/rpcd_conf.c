/* rpcd_conf.c - rpcd.conf: the [client] keys, the check across them and
 * the canonical printer behind `rpcd -n`. */
#include "client/rpcd_conf.h"

#include <stddef.h>
#include <string.h>

#include "common/conf.h"

#define MAX_IDLE_TIME	(7 * 86400)

static int
set_server(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;

	if (strlen(v) >= sizeof(c->server))
		return conf_bad(cx, "an IPv6 address or a DNS name", "at most "
		    "255 characters");
	snprintf(c->server, sizeof(c->server), "%s", v);
	return 0;
}

static int
set_source(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;

	return conf_addr6(cx, v, &c->source, true);
}

static int
set_mode(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;

	/* dstm: the default, DSTM's always mode */
	c->ondemand = c->b4 = false;
	if (strcmp(v, "ondemand") == 0)
		c->ondemand = true;
	else if (strcmp(v, "b4") == 0)
		c->b4 = true;
	else if (strcmp(v, "always") != 0 && strcmp(v, "dstm") != 0)
		return conf_bad(cx, "always (or dstm), ondemand or b4", NULL);
	return 0;
}

/* a host name: letters, digits, '-', '_' and dots between labels */
static bool
host_name_ok(const char *v)
{
	size_t label = 0;

	if (*v == '\0' || *v == '.')
		return false;
	for (; *v != '\0'; v++) {
		if (*v == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		    (*v >= '0' && *v <= '9') || *v == '-' || *v == '_') ||
		    ++label > 63)
			return false;
	}
	return true;
}

static int
set_aftr(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;
	struct in6_addr a;

	if (strchr(v, ':') != NULL) {
		if (conf_addr6(cx, v, &a, false) != 0)
			return -1;
		addr6_ntop(&a, c->aftr, sizeof(c->aftr));	/* canonical */
		return 0;
	}
	if (strlen(v) >= sizeof(c->aftr) || !host_name_ok(v)) {
		return conf_bad(cx, "the AFTR's IPv6 address or DNS name", NULL);
	}
	snprintf(c->aftr, sizeof(c->aftr), "%s", v);
	return 0;
}

static int
set_b4_address(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;
	const char *why = NULL;
	uint32_t a;

	/* RFC 6333 5.7: 192.0.0.0/29, .1 is the AFTR's */
	if (!addr4_parse(v, &a, &why))
		return conf_bad(cx, "an address from 192.0.0.2 to 192.0.0.7",
		    why);
	if (a < RPCD_PLACEHOLDER || a > RPCD_PLACEHOLDER + 5)
		return conf_bad(cx, "an address from 192.0.0.2 to 192.0.0.7",
		    "RFC 6333 5.7: 192.0.0.0/29, 192.0.0.1 is the AFTR's");
	c->b4_addr = a;
	return 0;
}

static const char *const backend_names[] = {
	[RPCD_BACKEND_TUN] = "tun",
	[RPCD_BACKEND_BPF] = "bpf",
	[RPCD_BACKEND_AUTO] = "auto",
	[RPCD_BACKEND_IP6TNL] = "ip6tnl",
};

const char *
rpcd_backend_name(enum rpcd_backend b)
{
	return (unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]) ?
	    backend_names[b] : "?";
}

static int
set_backend(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;

	for (size_t i = 0; i < sizeof(backend_names) /
	    sizeof(backend_names[0]); i++)
		if (strcmp(v, backend_names[i]) == 0) {
			c->backend = (enum rpcd_backend)i;
			return 0;
		}
	return conf_bad(cx, "tun, bpf, ip6tnl or auto", NULL);
}

static int
set_route(struct conf_ctx *cx, void *obj, const char *v)
{
	struct rpcd_conf *c = obj;
	const char *why = NULL;

	if (c->n_routes == RPCD_MAX_ROUTES)
		return conf_fail(cx, cx->e->line, "route: too many prefixes (at "
		    "most %d)", RPCD_MAX_ROUTES);
	if (!prefix4_parse(v, &c->routes[c->n_routes], &why))
		return conf_bad(cx, "an IPv4 prefix such as 203.0.113.0/24",
		    why);
	c->n_routes++;
	return 0;
}

#define RC	struct rpcd_conf

/* In canonical order, the order rpcd_conf_print() follows. */
static const struct conf_key keys[] = {
	CONF_KEY_FUNC("client", "server", false, set_server),
	CONF_KEY_U16("client", "port", RC, port, 0, 65535,
	    "0 (ask rpcbind) or a port number 1-65535"),
	CONF_KEY_FUNC("client", "source", false, set_source),
	CONF_KEY_IFNAME("client", "ifname", RC, ifname),
	CONF_KEY_FUNC("client", "mode", false, set_mode),
	CONF_KEY_FUNC("client", "backend", false, set_backend),
	CONF_KEY_DURATION("client", "idle-time", RC, idle_time, 1,
	    MAX_IDLE_TIME, "a duration from 1s to 7d (such as 300, 90s, 5m, "
	    "2h or 1d)"),
	CONF_KEY_FUNC("client", "route", true, set_route),
	CONF_KEY_PATH("client", "control-socket", RC, control_socket,
	    sizeof(((RC *)NULL)->control_socket)),
	CONF_KEY_PATH("client", "pid-file", RC, pid_file, PATH_MAX),
	CONF_KEY_PATH("client", "key-file", RC, key_file, PATH_MAX),
	CONF_KEY_FUNC("client", "aftr", false, set_aftr),
	CONF_KEY_DURATION("client", "aftr-refresh", RC, aftr_refresh, 1,
	    86400, "a duration from 1s to 1d (such as 300, 90s, 5m or 1h)"),
	CONF_KEY_FUNC("client", "b4-address", false, set_b4_address),
	CONF_KEY_BOOL("client", "b4-nat", RC, b4_nat),
	CONF_KEY_BOOL("client", "b4-forward", RC, b4_forward),
	CONF_KEY_IFNAME("client", "dhcpv6-interface", RC, dhcp6_ifname),
	CONF_KEY_U32("client", "mtu", RC, mtu, 576, 65495,
	    "an MTU from 576 to 65495"),
	CONF_KEY_END
};

/* the keys only one of the modes reads */
static const char *const b4_only[] = {
	"aftr", "aftr-refresh", "b4-address", "b4-nat", "b4-forward",
	"dhcpv6-interface", "mtu", NULL
};
static const char *const dstm_only[] = {
	"server", "port", "idle-time", "key-file", NULL
};

static int
check_mode_keys(struct conf_ctx *cx, const struct rpcd_conf *c)
{
	const char *const *k = c->b4 ? dstm_only : b4_only;
	const struct conf_entry *e;

	for (; *k != NULL; k++)
		if ((e = conf_seen(cx, "client", *k)) != NULL)
			return conf_fail(cx, e->line, "%s: %s", *k, c->b4 ?
			    "not used in mode b4 (no lease server: the AFTR "
			    "is `aftr` or DHCPv6's)" : "only for mode b4");
	return 0;
}

static int
check(struct conf_ctx *cx)
{
	const struct rpcd_conf *c = cx->target;
	const struct conf_entry *source = conf_seen(cx, "client", "source");

	if (check_mode_keys(cx, c) != 0)
		return -1;
	if (c->b4 && c->b4_nat && !c->b4_forward)
		return conf_fail(cx, conf_seen(cx, "client", "b4-nat")->line,
		    "b4-nat: needs b4-forward = yes (NAT44 is for a LAN)");

	/* a fixed source binds a socket to the server's fixed port */
	if (c->port == 0 && !IN6_IS_ADDR_UNSPECIFIED(&c->source))
		return conf_fail(cx, source->line, "source needs a fixed port "
		    "(port = 0 asks rpcbind)");
	/* on-demand sees the first packet and rewrites 192.0.0.2 in
	 * userspace: the fast path would carry packets past it */
	if (c->ondemand && c->backend == RPCD_BACKEND_BPF)
		return conf_fail(cx, conf_seen(cx, "client", "backend")->line,
		    "backend: bpf needs mode = always (on-demand runs on the "
		    "tun path; auto picks tun then)");
	/* a kernel device has no first packet to lease on */
	if (c->ondemand && c->backend == RPCD_BACKEND_IP6TNL)
		return conf_fail(cx, conf_seen(cx, "client", "backend")->line,
		    "backend: ip6tnl needs mode = always (on-demand leases on "
		    "the first packet, which only the tun path sees)");
	return 0;
}

static void
done(struct conf_ctx *cx, bool ok)
{
	if (!ok)
		memset(cx->target, 0, sizeof(struct rpcd_conf));
}

static const struct conf_group groups[] = {
	{ keys, 0, 0 },
};

static const struct conf_spec spec = {
	.groups = groups,
	.n_groups = sizeof(groups) / sizeof(groups[0]),
	.check = check,
	.done = done,
};

void
rpcd_conf_defaults(struct rpcd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = RPCD_DEFAULT_PORT;
	snprintf(c->ifname, sizeof(c->ifname), "%s", RPCD_DEFAULT_IFNAME);
	c->idle_time = RPCD_DEFAULT_IDLE;
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    RPCD_DEFAULT_CONTROL);
	snprintf(c->pid_file, sizeof(c->pid_file), "%s", RPCD_DEFAULT_PIDFILE);
	snprintf(c->key_file, sizeof(c->key_file), "%s", RPCD_DEFAULT_KEYFILE);
	c->aftr_refresh = RPCD_DEFAULT_AFTR_REFRESH;
	c->b4_addr = RPCD_PLACEHOLDER;
	c->b4_forward = true;
	c->mtu = RPCD_DEFAULT_MTU;
}

int
rpcd_conf_load(const char *path, struct rpcd_conf *c, char *err,
    size_t errlen)
{
	rpcd_conf_defaults(c);
	return conf_parse(&spec, path, NULL, 0, c, err, errlen);
}

int
rpcd_conf_load_buf(const char *name, const char *text, size_t len,
    struct rpcd_conf *c, char *err, size_t errlen)
{
	rpcd_conf_defaults(c);
	return conf_parse(&spec, name, text != NULL ? text : "", len, c, err,
	    errlen);
}

static void
print_routes(FILE *f, const struct rpcd_conf *c)
{
	char buf[ADDR_STRLEN];

	if (c->n_routes == 0)
		fprintf(f, "route = 0.0.0.0/0\n");
	for (unsigned i = 0; i < c->n_routes; i++)
		fprintf(f, "route = %s\n", prefix4_ntop(&c->routes[i], buf,
		    sizeof(buf)));
}

/* mode b4: its own keys, none of DSTM's lease keys */
static void
print_b4(FILE *f, const struct rpcd_conf *c)
{
	char buf[ADDR_STRLEN], d[32];

	fprintf(f, "mode = b4\n");
	if (c->aftr[0] != '\0')
		fprintf(f, "aftr = %s\n", c->aftr);
	fprintf(f, "aftr-refresh = %s\n", conf_duration_str(c->aftr_refresh,
	    d, sizeof(d)));
	if (c->dhcp6_ifname[0] != '\0')
		fprintf(f, "dhcpv6-interface = %s\n", c->dhcp6_ifname);
	fprintf(f, "source = %s\nifname = %s\nbackend = %s\n"
	    "b4-address = %s\nb4-forward = %s\nb4-nat = %s\nmtu = %u\n",
	    addr6_ntop(&c->source, buf, sizeof(buf)), c->ifname,
	    backend_names[c->backend], addr4_ntop(c->b4_addr, d, sizeof(d)),
	    c->b4_forward ? "yes" : "no", c->b4_nat ? "yes" : "no", c->mtu);
	print_routes(f, c);
	fprintf(f, "control-socket = %s\npid-file = %s\n", c->control_socket,
	    c->pid_file);
}

void
rpcd_conf_print(FILE *f, const struct rpcd_conf *c)
{
	char buf[ADDR_STRLEN], d[32];

	fprintf(f, "[client]\n");
	if (c->server[0] != '\0')
		fprintf(f, "server = %s\n", c->server);
	if (c->b4) {
		print_b4(f, c);
		return;
	}
	fprintf(f, "port = %u\nsource = %s\nifname = %s\nmode = %s\n"
	    "backend = %s\nidle-time = %s\n", c->port, addr6_ntop(&c->source,
	    buf, sizeof(buf)), c->ifname, c->ondemand ? "ondemand" : "always",
	    backend_names[c->backend],
	    conf_duration_str(c->idle_time, d, sizeof(d)));
	print_routes(f, c);
	fprintf(f, "control-socket = %s\npid-file = %s\nkey-file = %s\n",
	    c->control_socket, c->pid_file, c->key_file);
}
