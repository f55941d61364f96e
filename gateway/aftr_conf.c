/* aftr_conf.c - the [aftr] keys rpcdstmd.conf and dstmgwd.conf share
 * (the gateway as a DS-lite AFTR, aftr.c): parsing, checks, the
 * canonical print.  Apart from the data path, so that what only reads
 * configs (the config fuzzers, `-n`) links without the NAT. */
#include "gateway/gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/nat44.h"

/* ---- [aftr] keys ---- */

static int
set_address(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_aftr_settings *a = obj;

	/* :: is the default: the tep6 in use */
	return conf_addr6(cx, v, &a->address, true);
}

static int
set_allow(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_aftr_settings *a = obj;
	struct prefix6 p;

	if (!prefix6_parse(v, &p, NULL))
		return conf_bad(cx, "an IPv6 prefix (2001:db8::/32)", NULL);
	if (a->n_allow == GW_AFTR_MAX_ALLOW)
		return conf_fail(cx, cx->e->line, "allow: too many prefixes (at "
		    "most %d)", GW_AFTR_MAX_ALLOW);
	a->allow[a->n_allow++] = p;
	return 0;
}

static int
set_pool(struct conf_ctx *cx, void *obj, const char *v)
{
	struct gw_aftr_settings *a = obj;
	struct range4 r;
	const char *what;

	if (!range4_parse(v, &r, NULL))
		return conf_bad(cx, "A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H",
		    NULL);
	if ((what = gw_special4(r.first, r.last)) != NULL)
		return conf_bad(cx, "unicast IPv4 addresses", what);
	if (a->n_pool == GW_AFTR_MAX_POOL)
		return conf_fail(cx, cx->e->line, "pool: too many ranges (at "
		    "most %d)", GW_AFTR_MAX_POOL);
	a->pool[a->n_pool++] = r;
	return 0;
}

#define GA		struct gw_aftr_settings
#define DURATION	" (such as 300, 90s, 5m or 2h)"

const struct conf_key gw_aftr_keys[] = {
	CONF_KEY_BOOL("aftr", "enable", GA, enable),
	CONF_KEY_FUNC("aftr", "address", false, set_address),
	CONF_KEY_FUNC("aftr", "allow", true, set_allow),
	CONF_KEY_FUNC("aftr", "pool", true, set_pool),
	CONF_KEY_U32("aftr", "port-block-size", GA, port_block_size, 64,
	    32256, "a multiple of 64 from 64 to 32256"),
	CONF_KEY_U32("aftr", "max-port-blocks-per-b4", GA,
	    max_port_blocks_per_b4, 1, NAT44_MAX_BLOCKS_PER_B4,
	    "a number 1-64"),
	CONF_KEY_U32("aftr", "b4-prefix-length", GA, b4_prefix_length, 32,
	    128, "a prefix length 32-128"),
	CONF_KEY_U32("aftr", "max-port-blocks-per-prefix", GA,
	    max_port_blocks_per_prefix, 1, GW_AFTR_MAX_BLOCKS_PER_PREFIX,
	    "a number 1-65536"),
	CONF_KEY_U32("aftr", "max-sessions-per-b4", GA, max_sessions_per_b4,
	    1, NAT44_MAX_SESSIONS, "a number 1-4194304"),
	CONF_KEY_U32("aftr", "max-sessions", GA, max_sessions, 1,
	    NAT44_MAX_SESSIONS, "a number 1-4194304"),
	CONF_KEY_DURATION("aftr", "udp-timeout", GA, udp_timeout, 1, 86400,
	    "a duration from 1s to 1d" DURATION),
	CONF_KEY_DURATION("aftr", "tcp-established-timeout", GA,
	    tcp_established_timeout, 1, 7 * 86400,
	    "a duration from 1s to 7d" DURATION),
	CONF_KEY_DURATION("aftr", "tcp-transitory-timeout", GA,
	    tcp_transitory_timeout, 1, 86400,
	    "a duration from 1s to 1d" DURATION),
	CONF_KEY_DURATION("aftr", "icmp-timeout", GA, icmp_timeout, 1, 86400,
	    "a duration from 1s to 1d" DURATION),
	CONF_KEY_END
};

uint32_t
gw_aftr_blocks_per_prefix(const struct gw_aftr_settings *a)
{
	return a->max_port_blocks_per_prefix != 0 ?
	    a->max_port_blocks_per_prefix : a->max_port_blocks_per_b4;
}

void
gw_aftr_defaults(struct gw_aftr_settings *a)
{
	memset(a, 0, sizeof(*a));
	a->port_block_size = GW_AFTR_BLOCK;
	a->max_port_blocks_per_b4 = GW_AFTR_BLOCKS_PER_B4;
	a->b4_prefix_length = GW_AFTR_B4_PREFIX_LEN;
	a->max_sessions_per_b4 = GW_AFTR_SESSIONS_PER_B4;
	a->max_sessions = GW_AFTR_SESSIONS;
	a->udp_timeout = GW_AFTR_UDP_TIMEOUT;
	a->tcp_established_timeout = GW_AFTR_TCP_EST_TIMEOUT;
	a->tcp_transitory_timeout = GW_AFTR_TCP_TRANS_TIMEOUT;
	a->icmp_timeout = GW_AFTR_ICMP_TIMEOUT;
}

static int
range_cmp(const void *x, const void *y)
{
	const struct range4 *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

static int
line_of(struct conf_ctx *cx, const char *key)
{
	const struct conf_entry *e = conf_seen(cx, "aftr", key);

	return e != NULL ? e->line : 0;
}

int
gw_aftr_check(struct conf_ctx *cx, struct gw_aftr_settings *a,
    const struct gw_settings *g, const struct range4 *dstm, unsigned n)
{
	char x[ADDR_STRLEN], y[ADDR_STRLEN];
	uint64_t total = 0;

	if (a->port_block_size % 64 != 0)
		return conf_fail(cx, line_of(cx, "port-block-size"),
		    "port-block-size: %u is not a multiple of 64",
		    a->port_block_size);
	if (a->n_pool > 0)
		qsort(a->pool, a->n_pool, sizeof(a->pool[0]), range_cmp);
	for (unsigned i = 0; i < a->n_pool; i++) {
		total += (uint64_t)a->pool[i].last - a->pool[i].first + 1;
		if (i > 0 && a->pool[i].first <= a->pool[i - 1].last)
			return conf_fail(cx, line_of(cx, "pool"), "pool %s "
			    "overlaps pool %s", range4_ntop(&a->pool[i], x,
			    sizeof(x)), range4_ntop(&a->pool[i - 1], y,
			    sizeof(y)));
		for (unsigned j = 0; j < n; j++)
			if (a->pool[i].first <= dstm[j].last &&
			    a->pool[i].last >= dstm[j].first)
				return conf_fail(cx, line_of(cx, "pool"),
				    "pool %s overlaps the DSTM pool (%s): the "
				    "AFTR's public addresses must be its own",
				    range4_ntop(&a->pool[i], x, sizeof(x)),
				    range4_ntop(&dstm[j], y, sizeof(y)));
		if (g->tep4 >= a->pool[i].first && g->tep4 <= a->pool[i].last)
			return conf_fail(cx, line_of(cx, "pool"), "pool %s "
			    "contains tep4 %s", range4_ntop(&a->pool[i], x,
			    sizeof(x)), addr4_ntop(g->tep4, y, sizeof(y)));
	}
	if (total > GW_AFTR_MAX_ADDRS)
		return conf_fail(cx, line_of(cx, "pool"), "pool: %llu "
		    "addresses, more than the limit of %d",
		    (unsigned long long)total, GW_AFTR_MAX_ADDRS);
	if (!a->enable)
		return 0;
	if (a->n_pool == 0)
		return conf_fail(cx, line_of(cx, "enable"), "[aftr] enable = "
		    "yes needs a pool: the public IPv4 addresses of the NAT");
	if (a->n_allow == 0)
		return conf_fail(cx, line_of(cx, "enable"), "[aftr] enable = "
		    "yes needs allow: the IPv6 prefixes of the B4s served");
	if (g->backend == GW_BACKEND_IP6TNL)
		return conf_fail(cx, line_of(cx, "enable"), "[aftr] needs the "
		    "tun or bpf backend (ip6tnl has no userspace path for "
		    "the NAT)");
	return 0;
}

static void
print_duration(FILE *f, const char *key, uint32_t v)
{
	char d[32];

	fprintf(f, "%s = %s\n", key, conf_duration_str(v, d, sizeof(d)));
}

void
gw_aftr_print(FILE *f, const struct gw_aftr_settings *a,
    const struct in6_addr *tep6)
{
	char x[ADDR_STRLEN];

	fprintf(f, "\n[aftr]\nenable = %s\n", a->enable ? "yes" : "no");
	fprintf(f, "address = %s\n", addr6_ntop(IN6_IS_ADDR_UNSPECIFIED(
	    &a->address) ? tep6 : &a->address, x, sizeof(x)));
	for (unsigned i = 0; i < a->n_allow; i++)
		fprintf(f, "allow = %s\n", prefix6_ntop(&a->allow[i], x,
		    sizeof(x)));
	for (unsigned i = 0; i < a->n_pool; i++)
		fprintf(f, "pool = %s\n", range4_ntop(&a->pool[i], x,
		    sizeof(x)));
	fprintf(f, "port-block-size = %u\nmax-port-blocks-per-b4 = %u\n"
	    "b4-prefix-length = %u\nmax-port-blocks-per-prefix = %u\n"
	    "max-sessions-per-b4 = %u\nmax-sessions = %u\n",
	    a->port_block_size, a->max_port_blocks_per_b4,
	    a->b4_prefix_length, gw_aftr_blocks_per_prefix(a),
	    a->max_sessions_per_b4, a->max_sessions);
	print_duration(f, "udp-timeout", a->udp_timeout);
	print_duration(f, "tcp-established-timeout",
	    a->tcp_established_timeout);
	print_duration(f, "tcp-transitory-timeout", a->tcp_transitory_timeout);
	print_duration(f, "icmp-timeout", a->icmp_timeout);
}

bool
gw_aftr_same(const struct gw_aftr_settings *a,
    const struct gw_aftr_settings *b)
{
	char *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	FILE *f;
	bool same = false;

	if ((f = open_memstream(&x, &nx)) != NULL) {
		gw_aftr_print(f, a, &in6addr_any);
		fclose(f);
	}
	if ((f = open_memstream(&y, &ny)) != NULL) {
		gw_aftr_print(f, b, &in6addr_any);
		fclose(f);
	}
	if (x != NULL && y != NULL)
		same = strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

bool
gw_aftr_overlaps(const struct gw_aftr_settings *a, const struct range4 *dstm,
    unsigned n)
{
	if (!a->enable)
		return false;
	for (unsigned i = 0; i < a->n_pool; i++)
		for (unsigned j = 0; j < n; j++)
			if (a->pool[i].first <= dstm[j].last &&
			    a->pool[i].last >= dstm[j].first)
				return true;
	return false;
}
