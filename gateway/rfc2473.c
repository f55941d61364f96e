/* rfc2473.c - IPv4-in-IPv6 decapsulation with the RFC 7596 6.2 source
 * check, and encapsulation to the bound client.  See rfc2473.h. */
#include "gateway/rfc2473.h"

#include <errno.h>
#include <string.h>

#include "common/binding.h"
#include "common/inet.h"

static const char *const verdict_names[] = {
	[RFC2473_OK] = "ok",
	[RFC2473_MALFORMED] = "malformed",
	[RFC2473_NOT_IPV4] = "not-ipv4",
	[RFC2473_NOT_ECT] = "not-ect",
	[RFC2473_BAD_DESTINATION] = "bad-destination",
	[RFC2473_HAIRPIN] = "hairpin",
	[RFC2473_UNKNOWN_CLIENT] = "unknown-client",
	[RFC2473_SPOOFED_SOURCE] = "spoofed-source",
	[RFC2473_EXPIRED] = "expired",
	[RFC2473_NO_BINDING] = "no-binding",
	[RFC2473_TTL_EXCEEDED] = "ttl-exceeded",
	[RFC2473_TOO_BIG] = "too-big",
	[RFC2473_FRAGMENT_NEEDED] = "fragment-needed",
	[RFC2473_NO_ROOM] = "no-room",
};

static const char *const drop_names[] = {
	[RFC2473_DROP_NONE] = "none",
	[RFC2473_DROP_INNER_NOT_IPV4] = "inner-not-ipv4",
	[RFC2473_DROP_INNER_MALFORMED] = "inner-malformed",
	[RFC2473_DROP_UNKNOWN_CLIENT] = "unknown-client",
	[RFC2473_DROP_SPOOFED_ADDR] = "spoofed-source",
	[RFC2473_DROP_SPOOFED_PORT] = "spoofed-port",
	[RFC2473_DROP_EXPIRED] = "expired",
	[RFC2473_DROP_CE_NOT_ECT] = "ce-not-ect",
	[RFC2473_DROP_BAD_DESTINATION] = "bad-destination",
	[RFC2473_DROP_HAIRPIN] = "hairpin",
	[RFC2473_DROP_NO_BINDING] = "no-binding",
	[RFC2473_DROP_SHARED_NO_PORT] = "shared-no-port",
	[RFC2473_DROP_TTL_EXCEEDED] = "ttl-exceeded",
	[RFC2473_DROP_TOO_BIG] = "too-big",
	[RFC2473_DROP_NO_ROOM] = "no-room",
};

const char *
rfc2473_verdict_name(enum rfc2473_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "?";
	return verdict_names[v];
}

const char *
rfc2473_drop_name(enum rfc2473_drop d)
{
	if ((unsigned)d >= sizeof(drop_names) / sizeof(drop_names[0]))
		return "?";
	return drop_names[d];
}

void
rfc2473_config_default(struct rfc2473_config *c)
{
	memset(c, 0, sizeof(*c));
	c->gw4 = 0xc0000001;		/* 192.0.0.1, RFC 6333 5.7 */
	c->tunnel_mtu = RFC2473_DEFAULT_MTU;
	c->hop_limit = RFC2473_DEFAULT_HOPLIMIT;
	c->decrement_ttl = true;
	c->hairpin = true;		/* RFC 7596 5.2 */
}

int
rfc2473_config_check(const struct rfc2473_config *c)
{
	if (c->tunnel_mtu < RFC2473_MIN_MTU || c->hop_limit == 0 ||
	    !(c->gw4 >> 24 != 0 && c->gw4 >> 28 < 0xe))
		return -EINVAL;
	return 0;
}

/* RFC 2473 7: the inner packet may be the tunnel MTU less our header. */
uint16_t
rfc2473_inner_mtu(const struct rfc2473_config *c)
{
	return (uint16_t)(c->tunnel_mtu - IPV6_HDR_LEN);
}

/* RFC 6691: MSS = IPv4 MTU - IPv4 header - TCP header. */
uint16_t
rfc2473_mss(const struct rfc2473_config *c)
{
	return (uint16_t)(rfc2473_inner_mtu(c) - IPV4_HDR_LEN - 20);
}

static enum rfc2473_verdict
drop(struct rfc2473_tep *tep, struct rfc2473_result *res,
    enum rfc2473_verdict v, enum rfc2473_drop why)
{
	res->drop = why;
	tep->st.drops[why]++;
	return v;
}

/* ---- decapsulation ---- */

#define ECN_MASK	0x03
#define ECN_NOT_ECT	0x00
#define ECN_CE		0x03

/* RFC 6040 4.2, normal mode: the outer CE goes into an ECT inner header;
 * -1 when the inner packet is not-ECT and cannot carry it.  The other
 * outer codepoints leave the inner header as it is (Linux's
 * INET_ECN_decapsulate and the bpf path do the same). */
static int
ecn_decap(uint8_t tclass, uint8_t *ip)
{
	uint16_t old;

	if ((tclass & ECN_MASK) != ECN_CE || (ip[1] & ECN_MASK) == ECN_CE)
		return 0;
	if ((ip[1] & ECN_MASK) == ECN_NOT_ECT)
		return -1;
	old = be16_get(ip);
	ip[1] |= ECN_CE;
	be16_put(ip + 10, inet_csum_adjust(be16_get(ip + 10), old,
	    be16_get(ip)));
	return 0;
}

static bool
is_local(const struct rfc2473_config *c, uint32_t dst)
{
	size_t lo = 0, hi = c->n_local4;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->local4[mid] == dst)
			return true;
		if (c->local4[mid] < dst)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int
rfc2473_ecn_decap(uint8_t tclass, uint8_t *ip, size_t len)
{
	if (len < IPV4_HDR_LEN)
		return -1;
	return ecn_decap(tclass, ip);
}

bool
rfc2473_bad_destination(const struct rfc2473_config *c, uint32_t dst)
{
	uint8_t top = (uint8_t)(dst >> 24);

	return top == 0 || top == 127 || top >= 224 || dst == c->gw4 ||
	    is_local(c, dst);
}

/* RFC 7596 6.2: forward only when (outer src6, inner src4[, port])
 * matches one binding. */
enum rfc2473_verdict
rfc2473_decap_inner(uint8_t *ip, size_t len, const struct in6_addr *src6,
    uint8_t tclass, struct rfc2473_tep *tep, int64_t now,
    struct rfc2473_result *res)
{
	struct ipv4_info ii;
	struct binding *b;
	bool known = false, port_bad = false;

	memset(res, 0, sizeof(*res));
	if (len == 0)
		return drop(tep, res, RFC2473_MALFORMED,
		    RFC2473_DROP_INNER_MALFORMED);
	if (ip[0] >> 4 != 4)
		return drop(tep, res, RFC2473_NOT_IPV4,
		    RFC2473_DROP_INNER_NOT_IPV4);
	if (ipv4_parse(ip, len, &ii) != 0)
		return drop(tep, res, RFC2473_MALFORMED,
		    RFC2473_DROP_INNER_MALFORMED);

	for (b = binding_lookup6(tep->bt, src6); b != NULL;
	    b = binding_next6(tep->bt, b)) {
		known = true;
		if (b->addr4 != ii.src)
			continue;
		if (!binding_is_shared(b) || ii.frag != 0)
			break;
		if (ii.has_ports && ii.sport >= b->port_min &&
		    ii.sport <= b->port_max)
			break;
		port_bad = true;
	}
	if (b == NULL) {
		if (!known)
			return drop(tep, res, RFC2473_UNKNOWN_CLIENT,
			    RFC2473_DROP_UNKNOWN_CLIENT);
		return drop(tep, res, RFC2473_SPOOFED_SOURCE, port_bad ?
		    RFC2473_DROP_SPOOFED_PORT : RFC2473_DROP_SPOOFED_ADDR);
	}
	res->binding = b;
	if (binding_expired(b, now))
		return drop(tep, res, RFC2473_EXPIRED, RFC2473_DROP_EXPIRED);
	if (rfc2473_bad_destination(&tep->cfg, ii.dst))
		return drop(tep, res, RFC2473_BAD_DESTINATION,
		    RFC2473_DROP_BAD_DESTINATION);
	/* RFC 7596 5.2: to a client through the TEP */
	if (binding_first4(tep->bt, ii.dst) != NULL) {
		if (!tep->cfg.hairpin)
			return drop(tep, res, RFC2473_HAIRPIN,
			    RFC2473_DROP_HAIRPIN);
		res->hairpin = true;
	}
	if (ecn_decap(tclass, ip) != 0)
		return drop(tep, res, RFC2473_NOT_ECT,
		    RFC2473_DROP_CE_NOT_ECT);
	if (res->hairpin)
		tep->st.hairpin++;
	res->len = len;
	b->ctr.pkts_up++;
	b->ctr.bytes_up += len;
	b->ctr.last_seen = now;
	tep->st.decap_pkts++;
	tep->st.decap_bytes += len;
	return RFC2473_OK;
}

/* ---- encapsulation ---- */

/* RFC 6438 3: a label per inner flow.  Addresses and protocol only, so
 * the fragments of one datagram share the label (and the path). */
static uint32_t
flow_label(const struct rfc2473_config *c, const struct ipv4_info *ii)
{
	uint64_t h;

	h = ((uint64_t)ii->src << 32 | ii->dst) ^
	    ((uint64_t)c->flow_seed << 8 | ii->proto);
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	h &= 0xfffff;
	return h != 0 ? (uint32_t)h : 1;
}

/* Outer header and inner packet into `out`.  The packet may already sit
 * at out + 40, or anywhere in `out`: it is moved before the header is
 * written. */
static enum rfc2473_verdict
encap_write(const uint8_t *pkt, size_t len, const struct ipv4_info *ii,
    struct rfc2473_tep *tep, struct binding *b, uint8_t *out, size_t cap,
    size_t *out_len)
{
	const struct rfc2473_config *c = &tep->cfg;
	uint32_t fl;

	if (cap < IPV6_HDR_LEN || len > cap - IPV6_HDR_LEN) {
		tep->st.drops[RFC2473_DROP_NO_ROOM]++;
		return RFC2473_NO_ROOM;
	}
	if (out + IPV6_HDR_LEN != pkt)
		memmove(out + IPV6_HDR_LEN, pkt, len);
	if (c->decrement_ttl)
		(void)ipv4_ttl_decrement(out + IPV6_HDR_LEN, len);

	/* RFC 2473 6.5 and RFC 6040: traffic class from the inner TOS */
	fl = c->flow_label ? flow_label(c, ii) : 0;
	out[0] = (uint8_t)(0x60 | ii->tos >> 4);
	out[1] = (uint8_t)(ii->tos << 4 | fl >> 16);
	be16_put(out + 2, (uint16_t)fl);
	be16_put(out + 4, (uint16_t)len);
	out[6] = RFC2473_NH_IPV4;
	out[7] = c->hop_limit;
	memcpy(out + 8, &c->tep6, 16);
	memcpy(out + 24, &b->client, 16);
	*out_len = IPV6_HDR_LEN + len;

	b->ctr.pkts_down++;
	b->ctr.bytes_down += len;
	tep->st.encap_pkts++;
	tep->st.encap_bytes += len;
	return RFC2473_OK;
}

/* RFC 1812 5.3.1 before the size check, as a router does. */
static bool
ttl_expires(const struct rfc2473_tep *tep, const struct ipv4_info *ii)
{
	return tep->cfg.decrement_ttl && ii->ttl <= 1;
}

enum rfc2473_verdict
rfc2473_encap(const uint8_t *pkt, size_t len, struct rfc2473_tep *tep,
    int64_t now, uint8_t *out, size_t cap, struct rfc2473_result *res)
{
	struct ipv4_info ii;
	struct binding *b;
	enum rfc2473_verdict v;

	memset(res, 0, sizeof(*res));
	if (len == 0)
		return drop(tep, res, RFC2473_MALFORMED,
		    RFC2473_DROP_INNER_MALFORMED);
	if (pkt[0] >> 4 != 4)
		return drop(tep, res, RFC2473_NOT_IPV4,
		    RFC2473_DROP_INNER_NOT_IPV4);
	if (ipv4_parse(pkt, len, &ii) != 0)
		return drop(tep, res, RFC2473_MALFORMED,
		    RFC2473_DROP_INNER_MALFORMED);

	if (ii.has_ports)
		b = binding_lookup4(tep->bt, ii.dst, ii.dport);
	else {
		/* no port: only an unshared address says who it is for */
		b = binding_first4(tep->bt, ii.dst);
		if (b != NULL && binding_is_shared(b))
			return drop(tep, res, RFC2473_NO_BINDING,
			    RFC2473_DROP_SHARED_NO_PORT);
	}
	if (b == NULL)
		return drop(tep, res, RFC2473_NO_BINDING,
		    RFC2473_DROP_NO_BINDING);
	res->binding = b;
	if (binding_expired(b, now))
		return drop(tep, res, RFC2473_EXPIRED, RFC2473_DROP_EXPIRED);
	if (ttl_expires(tep, &ii))
		return drop(tep, res, RFC2473_TTL_EXCEEDED,
		    RFC2473_DROP_TTL_EXCEEDED);
	if (len > rfc2473_inner_mtu(&tep->cfg)) {
		res->mtu = rfc2473_inner_mtu(&tep->cfg);
		if (ii.df)
			return drop(tep, res, RFC2473_TOO_BIG,
			    RFC2473_DROP_TOO_BIG);
		tep->st.encap_fragmented++;
		return RFC2473_FRAGMENT_NEEDED;
	}
	v = encap_write(pkt, len, &ii, tep, b, out, cap, &res->out_len);
	if (v != RFC2473_OK)
		res->drop = RFC2473_DROP_NO_ROOM;
	return v;
}

/* Encapsulate to a known binding: the pieces of a FRAGMENT_NEEDED
 * packet.  Same checks as rfc2473_encap() after the lookup. */
enum rfc2473_verdict
rfc2473_encap_binding(const uint8_t *pkt, size_t len,
    struct rfc2473_tep *tep, struct binding *b, uint8_t *out, size_t cap,
    size_t *out_len)
{
	struct ipv4_info ii;

	if (len == 0 || pkt[0] >> 4 != 4 || ipv4_parse(pkt, len, &ii) != 0) {
		tep->st.drops[RFC2473_DROP_INNER_MALFORMED]++;
		return RFC2473_MALFORMED;
	}
	if (ttl_expires(tep, &ii)) {
		tep->st.drops[RFC2473_DROP_TTL_EXCEEDED]++;
		return RFC2473_TTL_EXCEEDED;
	}
	if (len > rfc2473_inner_mtu(&tep->cfg)) {
		tep->st.drops[RFC2473_DROP_TOO_BIG]++;
		return RFC2473_TOO_BIG;
	}
	return encap_write(pkt, len, &ii, tep, b, out, cap, out_len);
}
