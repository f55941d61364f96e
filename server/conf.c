/* conf.c - rpcdstmd.conf: one handler per key, the checks that involve
 * several keys, and the canonical printer behind `rpcdstmd -n`. */
#include "server/conf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "common/conf.h"

#define MAX_KEYS	32
#define MAX_RATE	1000000		/* requests/s; more is "off" anyway */
#define MAX_LEASE_TIME	(7 * 86400)
#define MAX_HOLD_TIME	(30 * 86400)
#define MIN_LEASE_TIME	10	/* short leases are for labs and tests */

struct item {			/* a range or exclude and where it was */
	struct range4	r;
	int		line;
};

struct list {
	struct item	*v;
	unsigned	 n;
};

struct load {
	struct server_conf	*c;
	const struct conf_file	*cf;
	char			*err;
	size_t			 errlen;
	const struct conf_entry	*e;		/* the entry being applied */
	const struct conf_entry	*seen[MAX_KEYS];
	bool			 listen_seen;	/* default :: replaced */
	struct list		 ranges;	/* file order until checked */
	struct list		 excludes;
};

enum key_type { K_FUNC, K_BOOL, K_U32, K_DURATION, K_PATH };

struct key {
	const char	*section;
	const char	*name;
	bool		 repeat;
	enum key_type	 type;
	size_t		 off;		/* field in struct server_conf */
	uint32_t	 min, max;	/* K_PATH: max is the buffer size */
	const char	*expect;	/* "key: expected ..." */
	int		(*set)(struct load *, const char *);	/* K_FUNC */
};

/* IPv4 space that is never a pool or tunnel address */
static const struct {
	uint32_t	 first, last;
	const char	*what;
} special4[] = {
	{ 0x00000000, 0x00ffffff, "0.0.0.0/8 is \"this network\"" },
	{ 0x7f000000, 0x7fffffff, "127.0.0.0/8 is loopback" },
	{ 0xe0000000, 0xffffffff, "224.0.0.0/3 is multicast and reserved" },
};

static const char *const rpcbind_names[] = {
	[RPCBIND_NO] = "no", [RPCBIND_YES] = "yes", [RPCBIND_AUTO] = "auto",
};

static const char *const backend_names[] = {
	[GW_BACKEND_TUN] = "tun",
};

__attribute__((format(printf, 3, 4))) static int
fail(struct load *ld, const struct conf_entry *e, const char *fmt, ...)
{
	char msg[CONF_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conf_err(ld->err, ld->errlen, ld->cf, e, "%s", msg);
}

/* "key: expected X, got 'value' (detail)" */
static int
bad(struct load *ld, const char *expect, const char *detail)
{
	if (detail != NULL)
		return fail(ld, ld->e, "%s: expected %s, got '%s' (%s)",
		    ld->e->key, expect, ld->e->value, detail);
	return fail(ld, ld->e, "%s: expected %s, got '%s'", ld->e->key,
	    expect, ld->e->value);
}

static const char *
special4_overlap(uint32_t first, uint32_t last)
{
	for (size_t i = 0; i < sizeof(special4) / sizeof(special4[0]); i++)
		if (first <= special4[i].last && last >= special4[i].first)
			return special4[i].what;
	return NULL;
}

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

static bool
parse_addr6_endpoint(struct load *ld, const char *v, struct in6_addr *a)
{
	if (!addr6_parse(v, a, NULL)) {
		bad(ld, "an IPv6 address", NULL);
		return false;
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(a) && !addr6_is_unicast_endpoint(a)) {
		bad(ld, "a unicast IPv6 address or ::", NULL);
		return false;
	}
	return true;
}

/* ---- values that need more than a type ---- */

static int
set_listen(struct load *ld, const char *v)
{
	struct server_conf *c = ld->c;
	struct in6_addr a;

	if (!parse_addr6_endpoint(ld, v, &a))
		return -1;
	if (!ld->listen_seen) {
		c->n_listen = 0;
		ld->listen_seen = true;
	}
	for (unsigned i = 0; i < c->n_listen; i++) {
		if (memcmp(&c->listen[i], &a, sizeof(a)) == 0)
			return fail(ld, ld->e, "listen: %s is already listed",
			    v);
		/* a v6only bind to :: takes the port on every address */
		if (IN6_IS_ADDR_UNSPECIFIED(&a) ||
		    IN6_IS_ADDR_UNSPECIFIED(&c->listen[i]))
			return fail(ld, ld->e, "listen: :: already means "
			    "every address; give either :: or specific "
			    "addresses");
	}
	if (c->n_listen == SRV_MAX_LISTEN)
		return fail(ld, ld->e, "listen: too many addresses (at most "
		    "%d)", SRV_MAX_LISTEN);
	c->listen[c->n_listen++] = a;
	return 0;
}

static int
set_port(struct load *ld, const char *v)
{
	const char *why;
	uint32_t u;

	if (!conf_parse_u32(v, 1, 65535, &u, &why))
		return bad(ld, "a port number 1-65535", NULL);
	ld->c->port = (uint16_t)u;
	return 0;
}

static int
set_control_mode(struct load *ld, const char *v)
{
	if (strcmp(v, "0600") == 0 || strcmp(v, "600") == 0)
		ld->c->control_mode = 0600;
	else if (strcmp(v, "0660") == 0 || strcmp(v, "660") == 0)
		ld->c->control_mode = 0660;
	else
		return bad(ld, "0600 or 0660", NULL);
	return 0;
}

static int
set_rpcbind(struct load *ld, const char *v)
{
	const char *why;
	bool b;

	if (strcmp(v, "auto") == 0)
		ld->c->rpcbind = RPCBIND_AUTO;
	else if (conf_parse_bool(v, &b, &why))
		ld->c->rpcbind = b ? RPCBIND_YES : RPCBIND_NO;
	else
		return bad(ld, "yes, no or auto", NULL);
	return 0;
}

static int
list_add(struct load *ld, struct list *l, const struct range4 *r)
{
	struct item *v;

	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL)
		return fail(ld, ld->e, "out of memory");
	l->v = v;
	v[l->n].r = *r;
	v[l->n].line = ld->e->line;
	l->n++;
	return 0;
}

static int
set_range(struct load *ld, const char *v)
{
	bool exclude = strcmp(ld->e->key, "exclude") == 0;
	const char *why = NULL;
	struct range4 r;

	if (!range4_parse(v, &r, &why))
		return bad(ld, "A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H", why);
	/* excludes are checked against the ranges later */
	if (!exclude && (why = special4_overlap(r.first, r.last)) != NULL)
		return bad(ld, "unicast IPv4 addresses", why);
	return list_add(ld, exclude ? &ld->excludes : &ld->ranges, &r);
}

static int
set_allow(struct load *ld, const char *v)
{
	struct server_conf *c = ld->c;
	struct prefix6 p, *n;
	const char *why = NULL;

	if (!prefix6_parse(v, &p, &why))
		return bad(ld, "an IPv6 prefix such as 2001:db8::/32", why);
	n = reallocarray(c->allow, c->n_allow + 1, sizeof(*n));
	if (n == NULL)
		return fail(ld, ld->e, "out of memory");
	c->allow = n;
	c->allow[c->n_allow++] = p;
	return 0;
}

static int
set_tep6(struct load *ld, const char *v)
{
	struct in6_addr a;

	if (!parse_addr6_endpoint(ld, v, &a))
		return -1;
	/* :: is the default: the first specific listen address */
	ld->c->tep6 = a;
	ld->c->tep6_set = !IN6_IS_ADDR_UNSPECIFIED(&a);
	return 0;
}

static int
set_tep4(struct load *ld, const char *v)
{
	const char *what;
	uint32_t a;

	if (!addr4_parse(v, &a, NULL))
		return bad(ld, "an IPv4 address", NULL);
	if ((what = special4_overlap(a, a)) != NULL)
		return bad(ld, "a unicast IPv4 address", what);
	ld->c->tep4 = a;
	return 0;
}

static int
set_backend(struct load *ld, const char *v)
{
	for (size_t i = 0; i < sizeof(backend_names) /
	    sizeof(backend_names[0]); i++)
		if (strcmp(v, backend_names[i]) == 0) {
			ld->c->gw_backend = (enum gw_backend)i;
			return 0;
		}
	return bad(ld, "tun", "the only backend for now");
}

static int
set_ifname(struct load *ld, const char *v)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = strlen(v);

	/* Linux wants < IFNAMSIZ, no '/', ':', blank or "%d" template */
	if (n >= SRV_IFNAMSIZ || strspn(v, ok) != n || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return bad(ld, "an interface name of 1-15 letters, digits, "
		    "'.', '-' or '_'", NULL);
	snprintf(ld->c->gw_ifname, sizeof(ld->c->gw_ifname), "%s", v);
	return 0;
}

/* "ADDR" or "ADDR port N": a standalone gateway (dstmgwd) to push to */
static int
set_remote(struct load *ld, const char *v)
{
	struct server_conf *c = ld->c;
	char addr[ADDR_STRLEN], word[8], port[8], extra[2];
	struct srv_remote r = { .port = SRV_DEFAULT_GW_PORT };
	const char *why, *expect = "an IPv6 address, optionally followed by "
	    "'port N'";
	uint32_t u;
	int n;

	n = sscanf(v, "%63s %7s %7s %1s", addr, word, port, extra);
	if ((n != 1 && n != 3) || (n == 3 && strcmp(word, "port") != 0))
		return bad(ld, expect, NULL);
	if (!addr6_parse(addr, &r.addr, NULL) ||
	    !addr6_is_unicast_endpoint(&r.addr))
		return bad(ld, expect, "not a unicast IPv6 address");
	if (n == 3) {
		if (!conf_parse_u32(port, 1, 65535, &u, &why))
			return bad(ld, expect, "port 1-65535");
		r.port = u;
	}
	for (unsigned i = 0; i < c->n_remote; i++)
		if (memcmp(&c->remote[i].addr, &r.addr, sizeof(r.addr)) ==
		    0 && c->remote[i].port == r.port)
			return fail(ld, ld->e, "remote: %s is already listed",
			    v);
	if (c->n_remote == SRV_MAX_REMOTE)
		return fail(ld, ld->e, "remote: too many gateways (at most "
		    "%d)", SRV_MAX_REMOTE);
	c->remote[c->n_remote++] = r;
	return 0;
}

#define F(field)	offsetof(struct server_conf, field)
#define SUN_PATH_SIZE	sizeof(((struct sockaddr_un *)NULL)->sun_path)
#define DURATION	"(such as 3600, 90s, 30m, 2h or 1d)"

#define FUNC(s, n, rep, fn)	{ s, n, rep, K_FUNC, 0, 0, 0, NULL, fn }
#define BOOL(s, n, fld)	{ s, n, false, K_BOOL, F(fld), 0, 0, NULL, NULL }
#define PATH(s, n, fld, max) \
	{ s, n, false, K_PATH, F(fld), 0, max, NULL, NULL }
#define U32(s, n, fld, lo, hi, expect) \
	{ s, n, false, K_U32, F(fld), lo, hi, expect, NULL }
#define DUR(s, n, fld, lo, hi, expect) \
	{ s, n, false, K_DURATION, F(fld), lo, hi, expect, NULL }

/* In canonical order, the order server_conf_print() follows. */
static const struct key keys[] = {
	FUNC("server", "listen", true, set_listen),
	FUNC("server", "port", false, set_port),
	PATH("server", "state-dir", state_dir, PATH_MAX),
	/* bind(2) needs the socket path in sun_path, not PATH_MAX long */
	PATH("server", "control-socket", control_socket, SUN_PATH_SIZE),
	FUNC("server", "control-mode", false, set_control_mode),
	PATH("server", "pid-file", pid_file, PATH_MAX),
	DUR("server", "lease-time", lease_time, MIN_LEASE_TIME,
	    MAX_LEASE_TIME, "a duration from 10s to 7d " DURATION),
	DUR("server", "hold-time", hold_time, 0, MAX_HOLD_TIME,
	    "a duration from 0 to 30d " DURATION),
	FUNC("server", "rpcbind", false, set_rpcbind),
	BOOL("server", "journal-sync", journal_sync),
	FUNC("pool", "range", true, set_range),
	FUNC("pool", "exclude", true, set_range),
	FUNC("clients", "allow", true, set_allow),
	U32("clients", "max-leases-per-client", max_leases_per_client, 1,
	    1024, "a number 1-1024"),
	U32("clients", "rate-limit", rate_limit, 0, MAX_RATE,
	    "requests per second 0-1000000 (0 = off)"),
	BOOL("gateway", "enable", gw_enable),
	FUNC("gateway", "tep6", false, set_tep6),
	FUNC("gateway", "tep4", false, set_tep4),
	/* 1280: the IPv6 minimum link MTU (RFC 8200 5) */
	U32("gateway", "mtu", mtu, 1280, 65535, "a number 1280-65535"),
	FUNC("gateway", "backend", false, set_backend),
	FUNC("gateway", "ifname", false, set_ifname),
	BOOL("gateway", "mss-clamp", gw_mss_clamp),
	FUNC("gateway", "remote", true, set_remote),
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(N_KEYS <= MAX_KEYS, "MAX_KEYS too small");

static int
set_value(struct load *ld, const struct key *k, const char *v)
{
	void *p = (char *)ld->c + k->off;
	const char *why;

	switch (k->type) {
	case K_BOOL:
		if (!conf_parse_bool(v, p, &why))
			return bad(ld, "yes or no", NULL);
		return 0;
	case K_U32:
		if (!conf_parse_u32(v, k->min, k->max, p, &why))
			return bad(ld, k->expect, NULL);
		return 0;
	case K_DURATION:
		if (!conf_parse_duration(v, k->min, k->max, p, &why))
			return bad(ld, k->expect, NULL);
		return 0;
	case K_PATH:
		if (v[0] != '/')
			return bad(ld, "an absolute path", NULL);
		if (strlen(v) >= k->max)
			return fail(ld, ld->e, "%s: path too long (at most %u "
			    "characters)", k->name, k->max - 1);
		snprintf(p, k->max, "%s", v);
		return 0;
	case K_FUNC:
		break;
	}
	return k->set(ld, v);
}

static const struct key *
key_find(const char *section, const char *name, bool *section_known)
{
	*section_known = false;
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		*section_known = true;
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

static const struct conf_entry *
seen(const struct load *ld, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return ld->seen[i];
	return NULL;
}

/* ---- checks across keys ---- */

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->r.first != y->r.first)
		return x->r.first < y->r.first ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Sort `l`; fail on the first two entries that share an address. */
static int
sort_disjoint(struct load *ld, struct list *l, const char *what)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct conf_entry at = { 0 };

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), item_cmp);
	for (unsigned i = 1; i < l->n; i++) {
		const struct item *x = &l->v[i - 1], *y = &l->v[i];

		if (y->r.first > x->r.last)
			continue;
		if (x->line > y->line) {	/* report the later line */
			const struct item *t = x;
			x = y;
			y = t;
		}
		at.line = y->line;
		return fail(ld, &at, "%s %s overlaps %s %s at line %d", what,
		    range4_ntop(&y->r, a, sizeof(a)), what,
		    range4_ntop(&x->r, b, sizeof(b)), x->line);
	}
	return 0;
}

static bool
in_list(const struct list *l, uint32_t a, const struct item **hit)
{
	for (unsigned i = 0; i < l->n; i++)
		if (a >= l->v[i].r.first && a <= l->v[i].r.last) {
			*hit = &l->v[i];
			return true;
		}
	return false;
}

static int
check_pool(struct load *ld)
{
	char a[ADDR_STRLEN];
	struct conf_entry at = { 0 };
	uint64_t total = 0, excluded = 0;
	int last = 0;

	if (ld->ranges.n == 0)
		return fail(ld, NULL, "no [pool] range");
	/* in file order, so the line named is where the limit was crossed */
	for (unsigned i = 0; i < ld->ranges.n; i++) {
		total += range_size(&ld->ranges.v[i].r);
		if (total > SRV_MAX_POOL) {
			at.line = ld->ranges.v[i].line;
			return fail(ld, &at, "range %s: the pool would have "
			    "%llu addresses, more than the limit of %u",
			    range4_ntop(&ld->ranges.v[i].r, a, sizeof(a)),
			    (unsigned long long)total, SRV_MAX_POOL);
		}
	}
	if (sort_disjoint(ld, &ld->ranges, "range") != 0 ||
	    sort_disjoint(ld, &ld->excludes, "exclude") != 0)
		return -1;
	for (unsigned i = 0; i < ld->excludes.n; i++) {
		const struct item *x = &ld->excludes.v[i];
		uint64_t in = 0;

		if (x->line > last)
			last = x->line;
		for (unsigned j = 0; j < ld->ranges.n; j++)
			in += overlap_size(&x->r, &ld->ranges.v[j].r);
		if (in == range_size(&x->r)) {
			excluded += in;
			continue;
		}
		at.line = x->line;
		return fail(ld, &at, "exclude %s is %s", range4_ntop(&x->r, a,
		    sizeof(a)), in == 0 ? "outside every [pool] range" :
		    "only partly inside the [pool] ranges");
	}
	if (excluded == total) {
		at.line = last;
		return fail(ld, &at, "the pool is empty: the excludes remove "
		    "every address");
	}
	return 0;
}

static int
check_gateway(struct load *ld)
{
	const struct server_conf *c = ld->c;
	const struct conf_entry *e;
	const struct item *r, *x;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	struct conf_entry at = { 0 };

	/* the client puts tep4 on dti0 as its peer: never a pool address */
	if (in_list(&ld->ranges, c->tep4, &r) &&
	    !in_list(&ld->excludes, c->tep4, &x)) {
		addr4_ntop(c->tep4, a, sizeof(a));
		range4_ntop(&r->r, b, sizeof(b));
		if ((e = seen(ld, "tep4")) != NULL)
			return fail(ld, e, "tep4 %s is inside the pool (range "
			    "%s at line %d)", a, b, r->line);
		at.line = r->line;
		return fail(ld, &at, "range %s contains the default tep4 %s; "
		    "set [gateway] tep4 to an address outside the pool", b, a);
	}
	/* standalone: the TEP is the gateway's address, never ours */
	if (c->n_remote > 0 && c->gw_enable)
		return fail(ld, seen(ld, "remote"), "remote: pushing to a "
		    "standalone gateway excludes the co-located one; set "
		    "enable = no");
	if (c->n_remote > 0 && !c->tep6_set)
		return fail(ld, seen(ld, "remote"), "remote needs tep6: set "
		    "[gateway] tep6 to the gateway's tunnel end point");
	if (c->gw_enable && !c->tep6_set) {
		for (unsigned i = 0; i < c->n_listen; i++)
			if (!IN6_IS_ADDR_UNSPECIFIED(&c->listen[i]))
				return 0;
		return fail(ld, seen(ld, "enable"), "enable = yes needs the "
		    "tunnel end point address: set tep6 in [gateway] (listen "
		    "is only ::)");
	}
	return 0;
}

static int
take_list(struct load *ld, const struct list *l, struct range4 **dst,
    unsigned *n)
{
	if (l->n == 0)
		return 0;
	if ((*dst = calloc(l->n, sizeof(**dst))) == NULL)
		return fail(ld, NULL, "out of memory");
	for (unsigned i = 0; i < l->n; i++)
		(*dst)[i] = l->v[i].r;
	*n = l->n;
	return 0;
}

static int
apply(const struct conf_file *cf, struct server_conf *c, char *err,
    size_t errlen)
{
	struct load ld;
	int rc = -1;

	memset(&ld, 0, sizeof(ld));
	ld.c = c;
	ld.cf = cf;
	ld.err = err;
	ld.errlen = errlen;
	for (size_t i = 0; i < cf->n; i++) {
		const struct conf_entry *e = &cf->entries[i];
		const struct key *k;
		bool known;

		ld.e = e;
		if ((k = key_find(e->section, e->key, &known)) == NULL) {
			if (!known)
				fail(&ld, e, "unknown section [%s]",
				    e->section);
			else
				fail(&ld, e, "unknown key '%s' in [%s]",
				    e->key, e->section);
			goto out;
		}
		if (!k->repeat && ld.seen[k - keys] != NULL) {
			fail(&ld, e, "%s: repeated (first set at line %d); it "
			    "may appear only once", e->key,
			    ld.seen[k - keys]->line);
			goto out;
		}
		ld.seen[k - keys] = e;
		if (set_value(&ld, k, e->value) != 0)
			goto out;
	}
	if (check_pool(&ld) != 0 || check_gateway(&ld) != 0)
		goto out;
	if (take_list(&ld, &ld.ranges, &c->ranges, &c->n_ranges) != 0 ||
	    take_list(&ld, &ld.excludes, &c->excludes, &c->n_excludes) != 0)
		goto out;
	rc = 0;
out:
	free(ld.ranges.v);
	free(ld.excludes.v);
	return rc;
}

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
	c->tep4 = SRV_DEFAULT_TEP4;
	c->mtu = SRV_DEFAULT_MTU;
	c->gw_backend = GW_BACKEND_TUN;
	snprintf(c->gw_ifname, sizeof(c->gw_ifname), "%s", SRV_DEFAULT_IFNAME);
}

static int
load_finish(int rc, struct conf_file *cf, struct server_conf *c, char *err,
    size_t errlen)
{
	if (rc == 0) {
		rc = apply(cf, c, err, errlen);
		conf_free(cf);
	}
	if (rc != 0)
		server_conf_free(c);
	return rc;
}

int
server_conf_load(const char *path, struct server_conf *c, char *err,
    size_t errlen)
{
	struct conf_file cf;

	server_conf_defaults(c);
	return load_finish(conf_load(path, &cf, err, errlen), &cf, c, err,
	    errlen);
}

int
server_conf_load_buf(const char *name, const char *text, size_t len,
    struct server_conf *c, char *err, size_t errlen)
{
	struct conf_file cf;

	server_conf_defaults(c);
	return load_finish(conf_load_buf(name, text, len, &cf, err, errlen),
	    &cf, c, err, errlen);
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
	const struct in6_addr *tep6 = &c->tep6;

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
	fprintf(f, "max-leases-per-client = %u\nrate-limit = %u\n",
	    c->max_leases_per_client, c->rate_limit);

	/* tep6 as it will be used: unset means the first specific listen
	 * address, and :: when there is none (gateway disabled) */
	for (unsigned i = 0; !c->tep6_set && i < c->n_listen; i++)
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->listen[i])) {
			tep6 = &c->listen[i];
			break;
		}
	fprintf(f, "\n[gateway]\nenable = %s\n", yesno(c->gw_enable));
	fprintf(f, "tep6 = %s\n", addr6_ntop(tep6, a, sizeof(a)));
	fprintf(f, "tep4 = %s\n", addr4_ntop(c->tep4, a, sizeof(a)));
	fprintf(f, "mtu = %u\nbackend = %s\nifname = %s\nmss-clamp = %s\n",
	    c->mtu, backend_names[c->gw_backend], c->gw_ifname,
	    yesno(c->gw_mss_clamp));
	for (unsigned i = 0; i < c->n_remote; i++)
		fprintf(f, "remote = %s port %u\n", addr6_ntop(
		    &c->remote[i].addr, a, sizeof(a)), c->remote[i].port);
}
