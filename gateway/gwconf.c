/* gwconf.c - dstmgwd.conf: one handler per key, the checks across keys
 * and the canonical printer behind `dstmgwd -n`. */
#include "gateway/gwconf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

struct pool_item {
	struct range4	r;
	int		line;
};

struct load {
	struct gwd_conf		*c;
	const struct conf_file	*cf;
	const struct conf_entry	*e;		/* the entry being applied */
	char			*err;
	size_t			 errlen;
	bool			 listen_seen;	/* default :: replaced */
	struct pool_item	*pools;		/* file order until checked */
	unsigned		 n_pools;
	const struct conf_entry	*seen[16];
};

struct key {
	const char	*section;
	const char	*name;
	bool		 repeat;
	int		(*set)(struct load *, const char *);
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

/* "key: expected X, got 'value'" */
static int
bad(struct load *ld, const char *expect)
{
	return fail(ld, ld->e, "%s: expected %s, got '%s'", ld->e->key, expect,
	    ld->e->value);
}

/* 0.0.0.0/8, 127.0.0.0/8 and 224.0.0.0/3 are never pool or TEP space */
static bool
special4(uint32_t first, uint32_t last)
{
	return first <= 0x00ffffffu || (first <= 0x7fffffffu &&
	    last >= 0x7f000000u) || last >= 0xe0000000u;
}

static int
parse_unicast6(struct load *ld, const char *v, struct in6_addr *a,
    bool any_ok)
{
	if (!addr6_parse(v, a, NULL))
		return bad(ld, "an IPv6 address");
	if (any_ok && IN6_IS_ADDR_UNSPECIFIED(a))
		return 0;
	if (!addr6_is_unicast_endpoint(a))
		return bad(ld, any_ok ? "a unicast IPv6 address or ::" :
		    "a unicast IPv6 address");
	return 0;
}

static int
set_listen(struct load *ld, const char *v)
{
	struct gwd_conf *c = ld->c;
	struct in6_addr a;

	if (parse_unicast6(ld, v, &a, true) != 0)
		return -1;
	if (!ld->listen_seen) {
		c->n_listen = 0;
		ld->listen_seen = true;
	}
	for (unsigned i = 0; i < c->n_listen; i++) {
		if (memcmp(&c->listen[i], &a, sizeof(a)) == 0)
			return fail(ld, ld->e, "listen: %s is already listed",
			    v);
		if (IN6_IS_ADDR_UNSPECIFIED(&a) ||
		    IN6_IS_ADDR_UNSPECIFIED(&c->listen[i]))
			return fail(ld, ld->e, "listen: :: already means "
			    "every address; give either :: or specific "
			    "addresses");
	}
	if (c->n_listen == GWD_MAX_LISTEN)
		return fail(ld, ld->e, "listen: too many addresses (at most "
		    "%d)", GWD_MAX_LISTEN);
	c->listen[c->n_listen++] = a;
	return 0;
}

static int
set_port(struct load *ld, const char *v)
{
	const char *why;
	uint32_t u;

	if (!conf_parse_u32(v, 1, 65535, &u, &why))
		return bad(ld, "a port number 1-65535");
	ld->c->port = (uint16_t)u;
	return 0;
}

static int
set_tep6(struct load *ld, const char *v)
{
	if (parse_unicast6(ld, v, &ld->c->tep6, false) != 0)
		return -1;
	ld->c->tep6_set = true;
	return 0;
}

static int
set_tep4(struct load *ld, const char *v)
{
	uint32_t a;

	if (!addr4_parse(v, &a, NULL) || special4(a, a))
		return bad(ld, "a unicast IPv4 address");
	ld->c->tep4 = a;
	return 0;
}

static int
set_mtu(struct load *ld, const char *v)
{
	const char *why;

	/* 1280: the IPv6 minimum link MTU (RFC 8200 5) */
	if (!conf_parse_u32(v, 1280, 65535, &ld->c->mtu, &why))
		return bad(ld, "a number 1280-65535");
	return 0;
}

static int
set_ifname(struct load *ld, const char *v)
{
	size_t n = strlen(v);

	/* Linux wants < IFNAMSIZ, no '/', ':', blank or "%d" template */
	for (size_t i = 0; i < n; i++)
		if (!(v[i] >= 'a' && v[i] <= 'z') && !(v[i] >= 'A' &&
		    v[i] <= 'Z') && !(v[i] >= '0' && v[i] <= '9') &&
		    v[i] != '.' && v[i] != '-' && v[i] != '_')
			n = 0;
	if (n == 0 || n >= GWD_IFNAMSIZ || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return bad(ld, "an interface name of 1-15 letters, digits, "
		    "'.', '-' or '_'");
	snprintf(ld->c->ifname, sizeof(ld->c->ifname), "%s", v);
	return 0;
}

static int
set_mss_clamp(struct load *ld, const char *v)
{
	const char *why;

	if (!conf_parse_bool(v, &ld->c->mss_clamp, &why))
		return bad(ld, "yes or no");
	return 0;
}

static int
set_pool(struct load *ld, const char *v)
{
	struct pool_item *n;
	struct range4 r;
	const char *why = NULL;

	if (!range4_parse(v, &r, &why))
		return bad(ld, "A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H");
	if (special4(r.first, r.last))
		return bad(ld, "unicast IPv4 addresses (not 0/8, 127/8 or "
		    "224/3)");
	if (ld->n_pools == GWD_MAX_POOLS)
		return fail(ld, ld->e, "pool: too many ranges (at most %d)",
		    GWD_MAX_POOLS);
	n = reallocarray(ld->pools, ld->n_pools + 1, sizeof(*n));
	if (n == NULL)
		return fail(ld, ld->e, "out of memory");
	ld->pools = n;
	n[ld->n_pools].r = r;
	n[ld->n_pools].line = ld->e->line;
	ld->n_pools++;
	return 0;
}

static int
set_path(struct load *ld, const char *v, char *dst, size_t size)
{
	if (v[0] != '/')
		return bad(ld, "an absolute path");
	if (strlen(v) >= size)
		return fail(ld, ld->e, "%s: path too long (at most %zu "
		    "characters)", ld->e->key, size - 1);
	snprintf(dst, size, "%s", v);
	return 0;
}

static int
set_control(struct load *ld, const char *v)
{
	return set_path(ld, v, ld->c->control_socket,
	    sizeof(ld->c->control_socket));
}

static int
set_pid_file(struct load *ld, const char *v)
{
	return set_path(ld, v, ld->c->pid_file, sizeof(ld->c->pid_file));
}

static int
set_allow(struct load *ld, const char *v)
{
	struct gwd_conf *c = ld->c;
	struct in6_addr a;

	if (parse_unicast6(ld, v, &a, false) != 0)
		return -1;
	if (gwd_conf_server_allowed(c, &a))
		return fail(ld, ld->e, "allow: %s is already listed", v);
	if (c->n_allow == GWD_MAX_SERVERS)
		return fail(ld, ld->e, "allow: too many servers (at most %d)",
		    GWD_MAX_SERVERS);
	c->allow[c->n_allow++] = a;
	return 0;
}

/* In canonical order, the order gwd_conf_print() follows. */
static const struct key keys[] = {
	{ "gateway", "listen", true, set_listen },
	{ "gateway", "port", false, set_port },
	{ "gateway", "tep6", false, set_tep6 },
	{ "gateway", "tep4", false, set_tep4 },
	{ "gateway", "mtu", false, set_mtu },
	{ "gateway", "ifname", false, set_ifname },
	{ "gateway", "mss-clamp", false, set_mss_clamp },
	{ "gateway", "pool", true, set_pool },
	{ "gateway", "control-socket", false, set_control },
	{ "gateway", "pid-file", false, set_pid_file },
	{ "servers", "allow", true, set_allow },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(N_KEYS <= sizeof(((struct load *)0)->seen) /
    sizeof(((struct load *)0)->seen[0]), "seen[] too small");

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

static int
pool_cmp(const void *a, const void *b)
{
	const struct pool_item *x = a, *y = b;

	if (x->r.first != y->r.first)
		return x->r.first < y->r.first ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

/* Sort the pools, refuse overlaps, keep them in the config. */
static int
take_pools(struct load *ld)
{
	struct gwd_conf *c = ld->c;
	struct conf_entry at = { 0 };
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (ld->n_pools == 0)
		return fail(ld, NULL, "no [gateway] pool: give the IPv4 "
		    "ranges the server leases (they are routed into %s)",
		    c->ifname);
	qsort(ld->pools, ld->n_pools, sizeof(*ld->pools), pool_cmp);
	for (unsigned i = 1; i < ld->n_pools; i++) {
		const struct pool_item *x = &ld->pools[i - 1];
		const struct pool_item *y = &ld->pools[i];

		if (y->r.first > x->r.last)
			continue;
		if (x->line > y->line) {	/* report the later line */
			const struct pool_item *t = x;

			x = y;
			y = t;
		}
		at.line = y->line;
		return fail(ld, &at, "pool %s overlaps pool %s at line %d",
		    range4_ntop(&y->r, a, sizeof(a)),
		    range4_ntop(&x->r, b, sizeof(b)), x->line);
	}
	if ((c->pools = calloc(ld->n_pools, sizeof(*c->pools))) == NULL)
		return fail(ld, NULL, "out of memory");
	for (unsigned i = 0; i < ld->n_pools; i++)
		c->pools[i] = ld->pools[i].r;
	c->n_pools = ld->n_pools;
	return 0;
}

static int
check(struct load *ld)
{
	struct gwd_conf *c = ld->c;
	const struct conf_entry *e;
	struct conf_entry at = { 0 };
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (take_pools(ld) != 0)
		return -1;
	for (unsigned i = 0; i < ld->n_pools; i++) {
		const struct pool_item *p = &ld->pools[i];

		if (c->tep4 < p->r.first || c->tep4 > p->r.last)
			continue;
		at.line = p->line;
		e = seen(ld, "tep4") != NULL ? seen(ld, "tep4") : &at;
		return fail(ld, e, "tep4 %s is inside pool %s; set [gateway] "
		    "tep4 to an address outside the leased space",
		    addr4_ntop(c->tep4, a, sizeof(a)),
		    range4_ntop(&p->r, b, sizeof(b)));
	}
	if (IN6_IS_ADDR_UNSPECIFIED(gwd_conf_tep6(c)))
		return fail(ld, NULL, "no tep6: set [gateway] tep6, the "
		    "address clients send 4in6 to (listen is only ::)");
	if (c->n_allow == 0)
		return fail(ld, NULL, "no [servers] allow: name the DSTM "
		    "server(s) whose bindings this gateway accepts");
	return 0;
}

static int
apply(const struct conf_file *cf, struct gwd_conf *c, char *err,
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
		if (k->set(&ld, e->value) != 0)
			goto out;
	}
	rc = check(&ld);
out:
	free(ld.pools);
	return rc;
}

/* ---- public ---- */

void
gwd_conf_defaults(struct gwd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen[0] = in6addr_any;
	c->n_listen = 1;
	c->port = GWD_DEFAULT_PORT;
	c->tep4 = GWD_DEFAULT_TEP4;
	c->mtu = GWD_DEFAULT_MTU;
	snprintf(c->ifname, sizeof(c->ifname), "%s", GWD_DEFAULT_IFNAME);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    GWD_DEFAULT_CONTROL);
	snprintf(c->pid_file, sizeof(c->pid_file), "%s", GWD_DEFAULT_PIDFILE);
}

static int
load_finish(int rc, struct conf_file *cf, struct gwd_conf *c, char *err,
    size_t errlen)
{
	if (rc == 0) {
		rc = apply(cf, c, err, errlen);
		conf_free(cf);
	}
	if (rc != 0)
		gwd_conf_free(c);
	return rc;
}

int
gwd_conf_load(const char *path, struct gwd_conf *c, char *err, size_t errlen)
{
	struct conf_file cf;

	gwd_conf_defaults(c);
	return load_finish(conf_load(path, &cf, err, errlen), &cf, c, err,
	    errlen);
}

int
gwd_conf_load_buf(const char *name, const char *text, size_t len,
    struct gwd_conf *c, char *err, size_t errlen)
{
	struct conf_file cf;

	gwd_conf_defaults(c);
	return load_finish(conf_load_buf(name, text, len, &cf, err, errlen),
	    &cf, c, err, errlen);
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
	if (c->tep6_set)
		return &c->tep6;
	for (unsigned i = 0; i < c->n_listen; i++)
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->listen[i]))
			return &c->listen[i];
	return &in6addr_any;
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
	fprintf(f, "tep6 = %s\n", addr6_ntop(gwd_conf_tep6(c), a, sizeof(a)));
	fprintf(f, "tep4 = %s\n", addr4_ntop(c->tep4, a, sizeof(a)));
	fprintf(f, "mtu = %u\nifname = %s\nmss-clamp = %s\n", c->mtu,
	    c->ifname, c->mss_clamp ? "yes" : "no");
	for (unsigned i = 0; i < c->n_pools; i++)
		fprintf(f, "pool = %s\n", range4_ntop(&c->pools[i], a,
		    sizeof(a)));
	fprintf(f, "control-socket = %s\npid-file = %s\n", c->control_socket,
	    c->pid_file);
	fprintf(f, "\n[servers]\n");
	for (unsigned i = 0; i < c->n_allow; i++)
		fprintf(f, "allow = %s\n", addr6_ntop(&c->allow[i], a,
		    sizeof(a)));
}
