/* conf.c - rpcdstmd.conf: the server's keys (the tunnel end point's are
 * gateway/gwconf.c's), the checks that involve several keys, and the
 * canonical printer behind `rpcdstmd -n`. */
#include "server/conf.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "common/conf.h"

#define MAX_RATE	1000000		/* requests/s; more is "off" anyway */
#define MAX_LEASE_TIME	(7 * 86400)
#define MAX_HOLD_TIME	(30 * 86400)
#define MIN_LEASE_TIME	10	/* short leases are for labs and tests */

struct load {			/* cx->state while parsing */
	struct conf_ranges	 ranges;	/* file order until checked */
	struct conf_ranges	 excludes;
};

static const char *const rpcbind_names[] = {
	[RPCBIND_NO] = "no", [RPCBIND_YES] = "yes", [RPCBIND_AUTO] = "auto",
};

static uint64_t
range_size(const struct range4 *r)
{
	return (uint64_t)r->last - r->first + 1;
}

static uint64_t
overlap_size(const struct range4 *a, const struct range4 *b)
{
	uint32_t lo = a->first > b->first ? a->first : b->first;
	uint32_t hi = a->last < b->last ? a->last : b->last;

	return lo > hi ? 0 : (uint64_t)hi - lo + 1;
}

/* ---- values that need more than a type ---- */

static int
set_listen(struct conf_ctx *cx, void *obj, const char *v)
{
	struct server_conf *c = obj;

	return conf_listen(cx, v, c->listen, &c->n_listen, SRV_MAX_LISTEN);
}

static int
set_control_mode(struct conf_ctx *cx, void *obj, const char *v)
{
	struct server_conf *c = obj;

	if (strcmp(v, "0600") == 0 || strcmp(v, "600") == 0)
		c->control_mode = 0600;
	else if (strcmp(v, "0660") == 0 || strcmp(v, "660") == 0)
		c->control_mode = 0660;
	else
		return conf_bad(cx, "0600 or 0660", NULL);
	return 0;
}

static int
set_rpcbind(struct conf_ctx *cx, void *obj, const char *v)
{
	struct server_conf *c = obj;
	const char *why;
	bool b;

	if (strcmp(v, "auto") == 0)
		c->rpcbind = RPCBIND_AUTO;
	else if (conf_parse_bool(v, &b, &why))
		c->rpcbind = b ? RPCBIND_YES : RPCBIND_NO;
	else
		return conf_bad(cx, "yes, no or auto", NULL);
	return 0;
}

static int
set_range(struct conf_ctx *cx, void *obj, const char *v)
{
	struct load *ld = cx->state;
	bool exclude = strcmp(cx->e->key, "exclude") == 0;
	const char *why = NULL;
	struct range4 r;

	(void)obj;
	if (!range4_parse(v, &r, &why))
		return conf_bad(cx, "A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H",
		    why);
	/* excludes are checked against the ranges later */
	if (!exclude && (why = gw_special4(r.first, r.last)) != NULL)
		return conf_bad(cx, "unicast IPv4 addresses", why);
	return conf_ranges_add(cx, exclude ? &ld->excludes : &ld->ranges, &r);
}

static int
set_allow(struct conf_ctx *cx, void *obj, const char *v)
{
	struct server_conf *c = obj;
	struct prefix6 p, *n;
	const char *why = NULL;

	if (!prefix6_parse(v, &p, &why))
		return conf_bad(cx, "an IPv6 prefix such as 2001:db8::/32", why);
	n = reallocarray(c->allow, c->n_allow + 1, sizeof(*n));
	if (n == NULL)
		return conf_fail(cx, cx->e->line, "out of memory");
	c->allow = n;
	c->allow[c->n_allow++] = p;
	return 0;
}

/* "ADDR" or "ADDR port N": a standalone gateway (dstmgwd) to push to */
static int
set_remote(struct conf_ctx *cx, void *obj, const char *v)
{
	struct server_conf *c = obj;
	char addr[ADDR_STRLEN], word[8], port[8], extra[2];
	struct srv_remote r = { .port = SRV_DEFAULT_GW_PORT };
	const char *why, *expect = "an IPv6 address, optionally followed by "
	    "'port N'";
	uint32_t u;
	int n;

	n = sscanf(v, "%63s %7s %7s %1s", addr, word, port, extra);
	if ((n != 1 && n != 3) || (n == 3 && strcmp(word, "port") != 0))
		return conf_bad(cx, expect, NULL);
	if (!addr6_parse(addr, &r.addr, NULL) ||
	    !addr6_is_unicast_endpoint(&r.addr))
		return conf_bad(cx, expect, "not a unicast IPv6 address");
	if (n == 3) {
		if (!conf_parse_u32(port, 1, 65535, &u, &why))
			return conf_bad(cx, expect, "port 1-65535");
		r.port = u;
	}
	for (unsigned i = 0; i < c->n_remote; i++)
		if (memcmp(&c->remote[i].addr, &r.addr, sizeof(r.addr)) ==
		    0 && c->remote[i].port == r.port)
			return conf_fail(cx, cx->e->line, "remote: %s is "
			    "already listed", v);
	if (c->n_remote == SRV_MAX_REMOTE)
		return conf_fail(cx, cx->e->line, "remote: too many gateways "
		    "(at most %d)", SRV_MAX_REMOTE);
	c->remote[c->n_remote++] = r;
	return 0;
}

#define SC		struct server_conf
#define SUN_PATH_SIZE	sizeof(((struct sockaddr_un *)NULL)->sun_path)
#define DURATION	"(such as 3600, 90s, 30m, 2h or 1d)"

/* The print order (server_conf_print) puts gw_keys between enable and
 * remote. */
static const struct conf_key server_keys[] = {
	CONF_KEY_FUNC("server", "listen", true, set_listen),
	CONF_KEY_U16("server", "port", SC, port, 1, 65535,
	    "a port number 1-65535"),
	CONF_KEY_PATH("server", "state-dir", SC, state_dir, PATH_MAX),
	/* bind(2) needs the socket path in sun_path, not PATH_MAX long */
	CONF_KEY_PATH("server", "control-socket", SC, control_socket,
	    SUN_PATH_SIZE),
	CONF_KEY_FUNC("server", "control-mode", false, set_control_mode),
	CONF_KEY_PATH("server", "pid-file", SC, pid_file, PATH_MAX),
	CONF_KEY_DURATION("server", "lease-time", SC, lease_time,
	    MIN_LEASE_TIME, MAX_LEASE_TIME,
	    "a duration from 10s to 7d " DURATION),
	CONF_KEY_DURATION("server", "hold-time", SC, hold_time, 0,
	    MAX_HOLD_TIME, "a duration from 0 to 30d " DURATION),
	CONF_KEY_FUNC("server", "rpcbind", false, set_rpcbind),
	CONF_KEY_BOOL("server", "journal-sync", SC, journal_sync),
	CONF_KEY_FUNC("pool", "range", true, set_range),
	CONF_KEY_FUNC("pool", "exclude", true, set_range),
	CONF_KEY_FUNC("clients", "allow", true, set_allow),
	CONF_KEY_U32("clients", "max-leases-per-client", SC,
	    max_leases_per_client, 1, 1024, "a number 1-1024"),
	CONF_KEY_U32("clients", "rate-limit", SC, rate_limit, 0, MAX_RATE,
	    "requests per second 0-1000000 (0 = off)"),
	CONF_KEY_U32("clients", "prefix-length", SC, prefix_length, 1, 128,
	    "a prefix length 1-128"),
	CONF_KEY_U32("clients", "max-leases-per-prefix", SC,
	    max_leases_per_prefix, 0, SRV_MAX_POOL,
	    "a number 0-16777216 (0 = no limit)"),
	CONF_KEY_U32("clients", "prefix-rate-limit", SC, prefix_rate_limit, 0,
	    MAX_RATE, "requests per second 0-1000000 (0 = off)"),
	CONF_KEY_BOOL("gateway", "enable", SC, gw_enable),
	CONF_KEY_FUNC("gateway", "remote", true, set_remote),
	CONF_KEY_END
};

/* ---- checks across keys ---- */

static int
check_pool(struct conf_ctx *cx, struct load *ld)
{
	char a[ADDR_STRLEN];
	uint64_t total = 0, excluded = 0;
	int last = 0;

	if (ld->ranges.n == 0)
		return conf_fail(cx, 0, "no [pool] range");
	/* in file order, so the line named is where the limit was crossed */
	for (unsigned i = 0; i < ld->ranges.n; i++) {
		total += range_size(&ld->ranges.v[i].r);
		if (total > SRV_MAX_POOL)
			return conf_fail(cx, ld->ranges.v[i].line, "range %s: "
			    "the pool would have %llu addresses, more than the "
			    "limit of %u", range4_ntop(&ld->ranges.v[i].r, a,
			    sizeof(a)), (unsigned long long)total,
			    SRV_MAX_POOL);
	}
	if (conf_ranges_sort(cx, &ld->ranges, "range") != 0 ||
	    conf_ranges_sort(cx, &ld->excludes, "exclude") != 0)
		return -1;
	for (unsigned i = 0; i < ld->excludes.n; i++) {
		const struct conf_range *x = &ld->excludes.v[i];
		uint64_t in = 0;

		if (x->line > last)
			last = x->line;
		for (unsigned j = 0; j < ld->ranges.n; j++)
			in += overlap_size(&x->r, &ld->ranges.v[j].r);
		if (in == range_size(&x->r)) {
			excluded += in;
			continue;
		}
		return conf_fail(cx, x->line, "exclude %s is %s",
		    range4_ntop(&x->r, a, sizeof(a)), in == 0 ?
		    "outside every [pool] range" :
		    "only partly inside the [pool] ranges");
	}
	if (excluded == total)
		return conf_fail(cx, last, "the pool is empty: the excludes "
		    "remove every address");
	return 0;
}

static int
check_gateway(struct conf_ctx *cx, struct load *ld)
{
	const struct server_conf *c = cx->target;
	const struct conf_entry *e;
	const struct conf_range *r;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	/* the client puts tep4 on dti0 as its peer: never a pool address */
	if ((r = conf_ranges_find(&ld->ranges, c->gw.tep4)) != NULL &&
	    conf_ranges_find(&ld->excludes, c->gw.tep4) == NULL) {
		addr4_ntop(c->gw.tep4, a, sizeof(a));
		range4_ntop(&r->r, b, sizeof(b));
		if ((e = conf_seen(cx, "gateway", "tep4")) != NULL)
			return conf_fail(cx, e->line, "tep4 %s is inside the "
			    "pool (range %s at line %d)", a, b, r->line);
		return conf_fail(cx, r->line, "range %s contains the default "
		    "tep4 %s; set [gateway] tep4 to an address outside the "
		    "pool", b, a);
	}
	/* standalone: the TEP is the gateway's address, never ours */
	e = conf_seen(cx, "gateway", "remote");
	if (c->n_remote > 0 && c->gw_enable)
		return conf_fail(cx, e->line, "remote: pushing to a standalone "
		    "gateway excludes the co-located one; set enable = no");
	if (c->n_remote > 0 && !c->gw.tep6_set)
		return conf_fail(cx, e->line, "remote needs tep6: set "
		    "[gateway] tep6 to the gateway's tunnel end point");
	if (gw_settings_check(cx, &c->gw) != 0)
		return -1;
	if (c->gw_enable && !c->gw.tep6_set) {
		for (unsigned i = 0; i < c->n_listen; i++)
			if (!IN6_IS_ADDR_UNSPECIFIED(&c->listen[i]))
				return 0;
		return conf_fail(cx, conf_seen(cx, "gateway", "enable")->line,
		    "enable = yes needs the tunnel end point address: set "
		    "tep6 in [gateway] (listen is only ::)");
	}
	return 0;
}

static int
check(struct conf_ctx *cx)
{
	struct server_conf *c = cx->target;
	struct load *ld = cx->state;

	if (check_pool(cx, ld) != 0 || check_gateway(cx, ld) != 0)
		return -1;
	if (conf_ranges_take(cx, &ld->ranges, &c->ranges, &c->n_ranges) != 0 ||
	    conf_ranges_take(cx, &ld->excludes, &c->excludes,
	    &c->n_excludes) != 0)
		return -1;
	/* the AFTR's pool must not overlap the DSTM ranges, excluded
	 * addresses included (they are routed into the TUN too) */
	if (gw_aftr_check(cx, &c->aftr, &c->gw, c->ranges, c->n_ranges) != 0)
		return -1;
	if (c->aftr.enable && !c->gw_enable)
		return conf_fail(cx, conf_seen(cx, "aftr", "enable")->line,
		    "[aftr] runs in the co-located gateway: set [gateway] "
		    "enable = yes (or configure it in dstmgwd.conf)");
	return 0;
}

static const struct conf_group server_groups[] = {
	{ server_keys, 0, 0 },
	{ gw_keys, offsetof(struct server_conf, gw), GW_TEP6_ANY },
	{ gw_aftr_keys, offsetof(struct server_conf, aftr), 0 },
};

static void
done(struct conf_ctx *cx, bool ok)
{
	struct load *ld = cx->state;

	conf_ranges_free(&ld->ranges);
	conf_ranges_free(&ld->excludes);
	if (!ok)
		server_conf_free(cx->target);
}

static const struct conf_spec server_spec = {
	.groups = server_groups,
	.n_groups = sizeof(server_groups) / sizeof(server_groups[0]),
	.state_size = sizeof(struct load),
	.check = check,
	.done = done,
};

/* ---- public ---- */

void
server_conf_defaults(struct server_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen[0] = in6addr_any;
	c->n_listen = 1;
	c->port = SRV_DEFAULT_PORT;
	snprintf(c->state_dir, sizeof(c->state_dir), "%s",
	    SRV_DEFAULT_STATE_DIR);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    SRV_DEFAULT_CONTROL);
	snprintf(c->pid_file, sizeof(c->pid_file), "%s", SRV_DEFAULT_PIDFILE);
	c->control_mode = 0600;
	c->lease_time = SRV_DEFAULT_LEASE_TIME;
	c->hold_time = SRV_DEFAULT_HOLD_TIME;
	c->rpcbind = RPCBIND_AUTO;
	c->journal_sync = true;
	c->max_leases_per_client = SRV_DEFAULT_MAX_LEASES;
	c->rate_limit = SRV_DEFAULT_RATE_LIMIT;
	c->prefix_length = SRV_DEFAULT_PREFIX_LEN;
	c->max_leases_per_prefix = SRV_DEFAULT_PREFIX_LEASES;
	c->prefix_rate_limit = SRV_DEFAULT_PREFIX_RATE;
	gw_settings_defaults(&c->gw);
	gw_aftr_defaults(&c->aftr);
}

int
server_conf_load(const char *path, struct server_conf *c, char *err,
    size_t errlen)
{
	server_conf_defaults(c);
	return conf_parse(&server_spec, path, NULL, 0, c, err, errlen);
}

int
server_conf_load_buf(const char *name, const char *text, size_t len,
    struct server_conf *c, char *err, size_t errlen)
{
	server_conf_defaults(c);
	return conf_parse(&server_spec, name, text != NULL ? text : "", len, c,
	    err, errlen);
}

void
server_conf_free(struct server_conf *c)
{
	free(c->ranges);
	free(c->excludes);
	free(c->allow);
	memset(c, 0, sizeof(*c));
}

uint64_t
server_conf_pool_size(const struct server_conf *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < c->n_ranges; i++) {
		n += range_size(&c->ranges[i]);
		for (unsigned j = 0; j < c->n_excludes; j++)
			n -= overlap_size(&c->ranges[i], &c->excludes[j]);
	}
	return n;
}

static const char *
yesno(bool b)
{
	return b ? "yes" : "no";
}

void
server_conf_print(FILE *f, const struct server_conf *c)
{
	char a[ADDR_STRLEN], d1[32], d2[32];

	fprintf(f, "[server]\n");
	for (unsigned i = 0; i < c->n_listen; i++)
		fprintf(f, "listen = %s\n", addr6_ntop(&c->listen[i], a,
		    sizeof(a)));
	fprintf(f, "port = %u\nstate-dir = %s\ncontrol-socket = %s\n"
	    "control-mode = %04o\npid-file = %s\n", c->port, c->state_dir,
	    c->control_socket, c->control_mode, c->pid_file);
	fprintf(f, "lease-time = %s\nhold-time = %s\nrpcbind = %s\n"
	    "journal-sync = %s\n",
	    conf_duration_str(c->lease_time, d1, sizeof(d1)),
	    conf_duration_str(c->hold_time, d2, sizeof(d2)),
	    rpcbind_names[c->rpcbind], yesno(c->journal_sync));

	fprintf(f, "\n[pool]\n");
	for (unsigned i = 0; i < c->n_ranges; i++)
		fprintf(f, "range = %s\n", range4_ntop(&c->ranges[i], a,
		    sizeof(a)));
	for (unsigned i = 0; i < c->n_excludes; i++)
		fprintf(f, "exclude = %s\n", range4_ntop(&c->excludes[i], a,
		    sizeof(a)));

	fprintf(f, "\n[clients]\n");
	for (unsigned i = 0; i < c->n_allow; i++)
		fprintf(f, "allow = %s\n", prefix6_ntop(&c->allow[i], a,
		    sizeof(a)));
	fprintf(f, "max-leases-per-client = %u\nrate-limit = %u\n"
	    "prefix-length = %u\nmax-leases-per-prefix = %u\n"
	    "prefix-rate-limit = %u\n", c->max_leases_per_client,
	    c->rate_limit, c->prefix_length, c->max_leases_per_prefix,
	    c->prefix_rate_limit);

	/* tep6 as it will be used: unset means the first specific listen
	 * address, and :: when there is none (gateway disabled) */
	fprintf(f, "\n[gateway]\nenable = %s\n", yesno(c->gw_enable));
	gw_settings_print(f, &c->gw, c->listen, c->n_listen);
	for (unsigned i = 0; i < c->n_remote; i++)
		fprintf(f, "remote = %s port %u\n", addr6_ntop(
		    &c->remote[i].addr, a, sizeof(a)), c->remote[i].port);
	gw_aftr_print(f, &c->aftr, gw_settings_tep6(&c->gw, c->listen,
	    c->n_listen));
}
