/* nat44.c - the AFTR's NAT44 tables and translation; see nat44.h. */
#include "gateway/nat44.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/inet.h"

#define NIL		UINT32_MAX
#define ICMP_HDR	8
#define NFRAGS		1024	/* datagrams in fragments being followed */
#define FRAG_TIMEOUT	10	/* seconds after the first fragment */

/* TCP state bits of a mapping (RFC 5382 5: enough for the two timeouts) */
#define T_SYN_OUT	0x01
#define T_SYN_IN	0x02
#define T_FIN_OUT	0x04
#define T_FIN_IN	0x08
#define T_RST		0x10

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_ACK		0x10
#define TCP_RST		0x04

struct sess {
	uint32_t	 hin, hout;	/* hash chains */
	uint32_t	 tprev, tnext;	/* timeout list; tnext: free list */
	uint32_t	 b4, block;
	uint32_t	 src, pub;
	uint16_t	 sport, pport;
	uint8_t		 proto;		/* enum nat44_proto */
	uint8_t		 tcls;		/* enum nat44_tclass */
	uint8_t		 tcp;		/* T_* */
	bool		 live;
	uint32_t	 gen;		/* tells a reused slot from its past */
	int64_t		 expires;
	uint64_t	 pkts_out, pkts_in;
};

/* A datagram in fragments: the first one made or found the mapping, the
 * others (no ports) follow it by (source, destination, id, protocol) as
 * they arrived, and on the B4 side the B4 too.  Direct-mapped: a newer
 * datagram takes the slot. */
struct frag {
	uint32_t	 b4;		/* outbound: the B4; inbound: NIL */
	uint32_t	 src, dst;	/* before translation */
	uint16_t	 id;
	uint8_t		 proto;
	bool		 out;
	uint32_t	 sess, gen;
	int64_t		 expires;
};

struct b4 {
	struct in6_addr	 addr;
	uint32_t	 hnext;		/* hash chain; free list */
	uint32_t	 pfx;		/* its prefix's record */
	uint32_t	 addr_idx;	/* its public address, NIL: no block */
	uint32_t	 sessions, nblocks;
	int		 ifindex;
	int64_t		 since;
	bool		 live;
};

/* The B4s of one b4_prefix_len prefix: one subscriber that may use any
 * address of its delegated prefix, so the limits are per prefix too. */
struct pfx {
	struct in6_addr	 addr;		/* masked */
	uint32_t	 hnext;		/* hash chain; free list */
	uint32_t	 nb4, nblocks;
};

struct block {
	uint32_t	 owner;		/* B4 index, NIL: free */
	uint32_t	 used;		/* mappings, all protocols */
	uint16_t	 cursor[NAT44_NPROTO];	/* next bitmap word to try */
	int64_t		 since;
};

struct paddr {
	uint32_t	 a;
	uint32_t	 nfree;		/* free blocks */
	uint32_t	 cursor;	/* next block to try */
};

struct nat44 {
	struct nat44_config	 cfg;
	struct range4		*pool;
	struct paddr		*addrs;
	uint32_t		 n_addrs, bpa, n_blocks, wpb;
	struct block		*blocks;
	uint64_t		*bits;		/* per block and protocol */
	struct sess		*sess;
	uint32_t		 free_sess;
	uint32_t		*hin, *hout, hmask;
	struct b4		*b4s;
	uint32_t		 n_b4, free_b4;
	uint32_t		*b4_blocks;	/* max_blocks_per_b4 per B4 */
	uint32_t		*hb4, b4mask;
	struct pfx		*pfxs;		/* n_b4: one B4 each at most */
	uint32_t		*hpfx, free_pfx;	/* b4mask + 1 */
	uint32_t		 thead[NAT44_NT], ttail[NAT44_NT];
	uint32_t		 addr_cursor;
	uint32_t		 gen;
	struct frag		*frags;		/* NFRAGS */
	struct nat44_stats	 st;
};

static const char *const drop_names[NAT44_DROP_MAX] = {
	[NAT44_DROP_NONE] = "none",
	[NAT44_DROP_MALFORMED] = "malformed",
	[NAT44_DROP_PROTOCOL] = "protocol",
	[NAT44_DROP_FRAGMENT] = "fragment",
	[NAT44_DROP_PORT_EXHAUSTED] = "port_exhausted",
	[NAT44_DROP_SESSION_LIMIT] = "session_limit",
	[NAT44_DROP_TABLE_FULL] = "table_full",
	[NAT44_DROP_NO_SESSION] = "no_session",
	[NAT44_DROP_WRONG_INTERFACE] = "wrong_interface",
	[NAT44_DROP_PREFIX_LIMIT] = "prefix_limit",
};

static const char *const tclass_names[NAT44_NT] = {
	[NAT44_T_UDP] = "udp",
	[NAT44_T_TCP_EST] = "tcp_established",
	[NAT44_T_TCP_TRANS] = "tcp_transitory",
	[NAT44_T_ICMP] = "icmp",
};


const char *
nat44_drop_name(enum nat44_drop d)
{
	return (unsigned)d < NAT44_DROP_MAX ? drop_names[d] : "?";
}

const char *
nat44_tclass_name(enum nat44_tclass t)
{
	return (unsigned)t < NAT44_NT ? tclass_names[t] : "?";
}

uint32_t
nat44_blocks_per_addr(uint32_t block_size)
{
	return block_size == 0 ? 0 : NAT44_PORTS / block_size;
}

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

/* ---- hashing ---- */

static const uint8_t proto_num[NAT44_NPROTO] = {
	[NAT44_TCP] = IPPROTO_TCP,
	[NAT44_UDP] = IPPROTO_UDP,
	[NAT44_ICMP] = IPPROTO_ICMP,
};

static uint32_t
hash_inside(const struct nat44 *n, uint32_t b4, uint32_t src, uint16_t sport,
    uint8_t proto)
{
	uint64_t h = hash_mix64(n->cfg.seed ^ ((uint64_t)b4 << 32 | src));

	return (uint32_t)hash_mix64(h ^ ((uint64_t)sport << 8 | proto)) &
	    n->hmask;
}

static uint32_t
hash_outside(const struct nat44 *n, uint32_t pub, uint16_t pport,
    uint8_t proto)
{
	return (uint32_t)hash_mix64(~n->cfg.seed ^ ((uint64_t)pub << 32 |
	    (uint64_t)pport << 8 | proto)) & n->hmask;
}

static uint32_t
hash_b4(const struct nat44 *n, const struct in6_addr *a)
{
	return (uint32_t)hash_in6(a, n->cfg.seed) & n->b4mask;
}

static uint32_t
find_pfx(const struct nat44 *n, const struct in6_addr *m)
{
	for (uint32_t i = n->hpfx[hash_b4(n, m)]; i != NIL;
	    i = n->pfxs[i].hnext)
		if (memcmp(&n->pfxs[i].addr, m, sizeof(*m)) == 0)
			return i;
	return NIL;
}

static uint32_t
find_b4(const struct nat44 *n, const struct in6_addr *a)
{
	for (uint32_t i = n->hb4[hash_b4(n, a)]; i != NIL; i = n->b4s[i].hnext)
		if (memcmp(&n->b4s[i].addr, a, sizeof(*a)) == 0)
			return i;
	return NIL;
}

static uint32_t
find_inside(const struct nat44 *n, uint32_t b4, uint32_t src, uint16_t sport,
    uint8_t proto)
{
	for (uint32_t i = n->hin[hash_inside(n, b4, src, sport, proto)];
	    i != NIL; i = n->sess[i].hin) {
		const struct sess *s = &n->sess[i];

		if (s->b4 == b4 && s->src == src && s->sport == sport &&
		    proto_num[s->proto] == proto)
			return i;
	}
	return NIL;
}

static uint32_t
find_outside(const struct nat44 *n, uint32_t pub, uint16_t pport,
    uint8_t proto)
{
	for (uint32_t i = n->hout[hash_outside(n, pub, pport, proto)];
	    i != NIL; i = n->sess[i].hout) {
		const struct sess *s = &n->sess[i];

		if (s->pub == pub && s->pport == pport &&
		    proto_num[s->proto] == proto)
			return i;
	}
	return NIL;
}

/* ---- construction ---- */

static void *
alloc_array(size_t n, size_t size)
{
	return n == 0 ? NULL : calloc(n, size);
}

int
nat44_new(const struct nat44_config *c, struct nat44 **out)
{
	struct nat44 *n;
	uint64_t naddr = 0;
	uint32_t k = 0;

	for (unsigned i = 0; i < c->n_pool; i++)
		naddr += (uint64_t)c->pool[i].last - c->pool[i].first + 1;
	if (c->block_size < 64 || c->block_size % 64 != 0 ||
	    c->block_size > NAT44_PORTS || naddr == 0 ||
	    naddr > NAT44_MAX_ADDRS || c->max_blocks_per_b4 == 0 ||
	    c->max_blocks_per_b4 > NAT44_MAX_BLOCKS_PER_B4 ||
	    c->max_sessions_per_b4 == 0 || c->max_sessions == 0 ||
	    c->max_sessions > NAT44_MAX_SESSIONS ||
	    (c->b4_prefix_len != 0 && (c->b4_prefix_len < 32 ||
	    c->b4_prefix_len > 128)))
		return -EINVAL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -ENOMEM;
	n->cfg = *c;
	if (n->cfg.b4_prefix_len == 0)
		n->cfg.b4_prefix_len = 128;
	if (n->cfg.max_blocks_per_prefix == 0)
		n->cfg.max_blocks_per_prefix = c->max_blocks_per_b4;
	n->n_addrs = (uint32_t)naddr;
	n->bpa = nat44_blocks_per_addr(c->block_size);
	n->n_blocks = n->n_addrs * n->bpa;
	n->wpb = c->block_size / 64;
	/* a B4 in the table holds a block, or is about to */
	n->n_b4 = n->n_blocks < c->max_sessions ? n->n_blocks : c->max_sessions;
	n->hmask = pow2_at_least(c->max_sessions) - 1;
	n->b4mask = pow2_at_least(n->n_b4) - 1;
	n->pool = alloc_array(c->n_pool, sizeof(*n->pool));
	n->addrs = alloc_array(n->n_addrs, sizeof(*n->addrs));
	n->blocks = alloc_array(n->n_blocks, sizeof(*n->blocks));
	n->bits = alloc_array((size_t)n->n_blocks * NAT44_NPROTO * n->wpb,
	    sizeof(*n->bits));
	n->sess = alloc_array(c->max_sessions, sizeof(*n->sess));
	n->hin = alloc_array((size_t)n->hmask + 1, sizeof(*n->hin));
	n->hout = alloc_array((size_t)n->hmask + 1, sizeof(*n->hout));
	n->b4s = alloc_array(n->n_b4, sizeof(*n->b4s));
	n->b4_blocks = alloc_array((size_t)n->n_b4 * c->max_blocks_per_b4,
	    sizeof(*n->b4_blocks));
	n->hb4 = alloc_array((size_t)n->b4mask + 1, sizeof(*n->hb4));
	n->pfxs = alloc_array(n->n_b4, sizeof(*n->pfxs));
	n->hpfx = alloc_array((size_t)n->b4mask + 1, sizeof(*n->hpfx));
	n->frags = alloc_array(NFRAGS, sizeof(*n->frags));
	if (n->pool == NULL || n->addrs == NULL || n->blocks == NULL ||
	    n->bits == NULL || n->sess == NULL || n->hin == NULL ||
	    n->hout == NULL || n->b4s == NULL || n->b4_blocks == NULL ||
	    n->hb4 == NULL || n->pfxs == NULL || n->hpfx == NULL ||
	    n->frags == NULL) {
		nat44_free(n, 0);
		return -ENOMEM;
	}
	memcpy(n->pool, c->pool, c->n_pool * sizeof(*n->pool));
	n->cfg.pool = n->pool;
	for (unsigned i = 0; i < c->n_pool; i++)
		for (uint64_t a = c->pool[i].first; a <= c->pool[i].last; a++) {
			n->addrs[k].a = (uint32_t)a;
			n->addrs[k++].nfree = n->bpa;
		}
	for (uint32_t i = 0; i < n->n_blocks; i++)
		n->blocks[i].owner = NIL;
	for (uint32_t i = 0; i < c->max_sessions; i++)
		n->sess[i].tnext = i + 1 < c->max_sessions ? i + 1 : NIL;
	n->free_sess = 0;
	for (uint32_t i = 0; i < n->n_b4; i++)
		n->b4s[i].hnext = i + 1 < n->n_b4 ? i + 1 : NIL;
	n->free_b4 = 0;
	for (uint32_t i = 0; i < n->n_b4; i++)
		n->pfxs[i].hnext = i + 1 < n->n_b4 ? i + 1 : NIL;
	n->free_pfx = 0;
	memset(n->hpfx, 0xff, ((size_t)n->b4mask + 1) * sizeof(*n->hpfx));
	memset(n->hin, 0xff, ((size_t)n->hmask + 1) * sizeof(*n->hin));
	memset(n->hout, 0xff, ((size_t)n->hmask + 1) * sizeof(*n->hout));
	memset(n->hb4, 0xff, ((size_t)n->b4mask + 1) * sizeof(*n->hb4));
	for (int t = 0; t < NAT44_NT; t++)
		n->thead[t] = n->ttail[t] = NIL;
	*out = n;
	return 0;
}

/* ---- B4s and blocks ---- */

static uint16_t
block_first(const struct nat44 *n, uint32_t bi)
{
	return (uint16_t)(NAT44_PORT_MIN + (bi % n->bpa) * n->cfg.block_size);
}

static uint64_t *
block_bits(struct nat44 *n, uint32_t bi, unsigned p)
{
	return &n->bits[((size_t)bi * NAT44_NPROTO + p) * n->wpb];
}

static void
log_block(struct nat44 *n, bool alloc, uint32_t bi, int64_t now)
{
	uint16_t first = block_first(n, bi);

	if (n->cfg.log_block != NULL)
		n->cfg.log_block(n->cfg.log_arg, alloc,
		    &n->b4s[n->blocks[bi].owner].addr,
		    n->addrs[bi / n->bpa].a, first,
		    (uint16_t)(first + n->cfg.block_size - 1), now);
}

/* The record of a's prefix, made when new.  A prefix is made only for a
 * new B4 and goes with its last one, so there are never more than B4s. */
static uint32_t
pfx_get(struct nat44 *n, const struct in6_addr *a)
{
	struct in6_addr m = *a;
	unsigned len = n->cfg.b4_prefix_len;
	uint32_t i, h;

	for (unsigned k = len / 8; k < 16; k++)
		m.s6_addr[k] &= k == len / 8 ?
		    (uint8_t)(0xff00u >> (len % 8)) : 0;
	if ((i = find_pfx(n, &m)) == NIL && (i = n->free_pfx) != NIL) {
		n->free_pfx = n->pfxs[i].hnext;
		memset(&n->pfxs[i], 0, sizeof(n->pfxs[i]));
		n->pfxs[i].addr = m;
		h = hash_b4(n, &m);
		n->pfxs[i].hnext = n->hpfx[h];
		n->hpfx[h] = i;
	}
	if (i != NIL)
		n->pfxs[i].nb4++;
	return i;
}

static void
pfx_put(struct nat44 *n, uint32_t i)
{
	struct pfx *p = &n->pfxs[i];
	uint32_t *pp;

	if (--p->nb4 != 0)
		return;
	for (pp = &n->hpfx[hash_b4(n, &p->addr)]; *pp != i;
	    pp = &n->pfxs[*pp].hnext)
		;
	*pp = p->hnext;
	p->hnext = n->free_pfx;
	n->free_pfx = i;
}

static uint32_t
b4_get(struct nat44 *n, const struct in6_addr *a, int ifindex, int64_t now)
{
	uint32_t i = find_b4(n, a), h;
	struct b4 *b;

	if (i != NIL || n->free_b4 == NIL)
		return i;
	i = n->free_b4;
	b = &n->b4s[i];
	n->free_b4 = b->hnext;
	memset(b, 0, sizeof(*b));
	b->pfx = pfx_get(n, a);		/* never NIL: no more than B4s */
	b->addr = *a;
	b->addr_idx = NIL;
	b->ifindex = ifindex;
	b->since = now;
	b->live = true;
	h = hash_b4(n, a);
	b->hnext = n->hb4[h];
	n->hb4[h] = i;
	n->st.b4s++;
	return i;
}

/* drop the B4's record once it holds nothing */
static void
b4_put(struct nat44 *n, uint32_t i)
{
	struct b4 *b = &n->b4s[i];
	uint32_t *pp;

	if (b->sessions != 0 || b->nblocks != 0)
		return;
	pfx_put(n, b->pfx);
	for (pp = &n->hb4[hash_b4(n, &b->addr)]; *pp != i;
	    pp = &n->b4s[*pp].hnext)
		;
	*pp = b->hnext;
	b->live = false;
	b->hnext = n->free_b4;
	n->free_b4 = i;
	n->st.b4s--;
}

/* A free block for B4 i, on its public address (paired pooling), or on
 * the next address with one when it has none yet.  NIL when none. */
static uint32_t
block_alloc(struct nat44 *n, uint32_t i, int64_t now, enum nat44_drop *why)
{
	struct b4 *b = &n->b4s[i];
	struct paddr *pa;
	uint32_t ai = b->addr_idx, bi = NIL;

	*why = NAT44_DROP_PORT_EXHAUSTED;
	if (b->nblocks >= n->cfg.max_blocks_per_b4)
		return NIL;
	if (n->pfxs[b->pfx].nblocks >= n->cfg.max_blocks_per_prefix) {
		*why = NAT44_DROP_PREFIX_LIMIT;
		return NIL;
	}
	if (ai == NIL) {
		for (uint32_t k = 0; k < n->n_addrs; k++) {
			uint32_t c = (n->addr_cursor + k) % n->n_addrs;

			if (n->addrs[c].nfree > 0) {
				ai = c;
				n->addr_cursor = (c + 1) % n->n_addrs;
				break;
			}
		}
		if (ai == NIL)
			return NIL;
	}
	pa = &n->addrs[ai];
	if (pa->nfree == 0)
		return NIL;
	for (uint32_t k = 0; k < n->bpa; k++) {
		uint32_t c = (pa->cursor + k) % n->bpa;

		if (n->blocks[ai * n->bpa + c].owner == NIL) {
			bi = ai * n->bpa + c;
			pa->cursor = (c + 1) % n->bpa;
			break;
		}
	}
	if (bi == NIL)
		return NIL;
	pa->nfree--;
	memset(&n->blocks[bi], 0, sizeof(n->blocks[bi]));
	n->blocks[bi].owner = i;
	n->blocks[bi].since = now;
	b->addr_idx = ai;
	n->b4_blocks[(size_t)i * n->cfg.max_blocks_per_b4 + b->nblocks++] = bi;
	n->pfxs[b->pfx].nblocks++;
	n->st.blocks++;
	n->st.blocks_allocated++;
	log_block(n, true, bi, now);
	return bi;
}

static void
block_release(struct nat44 *n, uint32_t bi, int64_t now)
{
	uint32_t i = n->blocks[bi].owner;
	struct b4 *b = &n->b4s[i];
	uint32_t *list = &n->b4_blocks[(size_t)i * n->cfg.max_blocks_per_b4];

	log_block(n, false, bi, now);
	for (uint32_t k = 0; k < b->nblocks; k++)
		if (list[k] == bi) {
			list[k] = list[--b->nblocks];
			n->pfxs[b->pfx].nblocks--;
			break;
		}
	memset(block_bits(n, bi, 0), 0, NAT44_NPROTO * n->wpb *
	    sizeof(uint64_t));
	n->blocks[bi].owner = NIL;
	n->addrs[bi / n->bpa].nfree++;
	if (b->nblocks == 0)
		b->addr_idx = NIL;
	n->st.blocks--;
	n->st.blocks_released++;
}

/* a free port (or id) of protocol p in one of B4 i's blocks, taking a
 * new block when they are full; false with *why when none */
static bool
port_alloc(struct nat44 *n, uint32_t i, unsigned p, int64_t now,
    uint32_t *block, uint16_t *port, enum nat44_drop *why)
{
	const uint32_t *list = &n->b4_blocks[(size_t)i *
	    n->cfg.max_blocks_per_b4];
	uint32_t nb = n->b4s[i].nblocks;

	for (uint32_t k = 0; k <= nb; k++) {
		uint32_t bi = k < nb ? list[k] : block_alloc(n, i, now, why);
		struct block *bl;
		uint64_t *w;

		if (bi == NIL)
			return false;
		bl = &n->blocks[bi];
		w = block_bits(n, bi, p);
		for (uint32_t j = 0; j < n->wpb; j++) {
			uint32_t c = (bl->cursor[p] + j) % n->wpb;
			unsigned bit;

			if (w[c] == UINT64_MAX)
				continue;
			bit = (unsigned)__builtin_ctzll(~w[c]);
			w[c] |= 1ull << bit;
			bl->cursor[p] = (uint16_t)((c + 1) % n->wpb);
			bl->used++;
			*block = bi;
			*port = (uint16_t)(block_first(n, bi) + c * 64 + bit);
			return true;
		}
	}
	return false;
}

/* ---- timeout lists ---- */

static void
tlist_unlink(struct nat44 *n, uint32_t si)
{
	struct sess *s = &n->sess[si];

	if (s->tprev != NIL)
		n->sess[s->tprev].tnext = s->tnext;
	else
		n->thead[s->tcls] = s->tnext;
	if (s->tnext != NIL)
		n->sess[s->tnext].tprev = s->tprev;
	else
		n->ttail[s->tcls] = s->tprev;
}

static void
tlist_append(struct nat44 *n, uint32_t si)
{
	struct sess *s = &n->sess[si];

	s->tnext = NIL;
	s->tprev = n->ttail[s->tcls];
	if (s->tprev != NIL)
		n->sess[s->tprev].tnext = si;
	else
		n->thead[s->tcls] = si;
	n->ttail[s->tcls] = si;
}

/* refresh: the entry goes to the tail of its (maybe new) class */
static void
touch(struct nat44 *n, uint32_t si, unsigned tcls, int64_t now)
{
	struct sess *s = &n->sess[si];

	if (s->tcls != tcls || n->ttail[s->tcls] != si) {
		tlist_unlink(n, si);
		s->tcls = (uint8_t)tcls;
		tlist_append(n, si);
	}
	s->expires = now + n->cfg.timeout[tcls];
}

/* ---- sessions ---- */

static void
sess_free(struct nat44 *n, uint32_t si, int64_t now)
{
	struct sess *s = &n->sess[si];
	struct block *bl = &n->blocks[s->block];
	uint32_t *pp, off = s->pport - block_first(n, s->block);

	for (pp = &n->hin[hash_inside(n, s->b4, s->src, s->sport,
	    proto_num[s->proto])]; *pp != si; pp = &n->sess[*pp].hin)
		;
	*pp = s->hin;
	for (pp = &n->hout[hash_outside(n, s->pub, s->pport,
	    proto_num[s->proto])]; *pp != si; pp = &n->sess[*pp].hout)
		;
	*pp = s->hout;
	tlist_unlink(n, si);
	block_bits(n, s->block, s->proto)[off / 64] &= ~(1ull << (off % 64));
	if (--bl->used == 0)
		block_release(n, s->block, now);
	n->b4s[s->b4].sessions--;
	b4_put(n, s->b4);
	s->live = false;
	s->tnext = n->free_sess;
	n->free_sess = si;
	n->st.sessions--;
}

static uint32_t
sess_new(struct nat44 *n, uint32_t b4, uint32_t src, uint16_t sport,
    unsigned p, unsigned tcls, int64_t now, enum nat44_drop *why)
{
	struct b4 *b = &n->b4s[b4];
	struct sess *s;
	enum nat44_drop pwhy = NAT44_DROP_PORT_EXHAUSTED;
	uint32_t si, block, h;
	uint16_t port;

	if (n->free_sess == NIL) {
		*why = NAT44_DROP_TABLE_FULL;
		return NIL;
	}
	if (b->sessions >= n->cfg.max_sessions_per_b4) {
		*why = NAT44_DROP_SESSION_LIMIT;
		return NIL;
	}
	if (!port_alloc(n, b4, p, now, &block, &port, &pwhy)) {
		*why = pwhy;
		return NIL;
	}
	si = n->free_sess;
	s = &n->sess[si];
	n->free_sess = s->tnext;
	memset(s, 0, sizeof(*s));
	s->b4 = b4;
	s->block = block;
	s->src = src;
	s->sport = sport;
	s->pub = n->addrs[block / n->bpa].a;
	s->pport = port;
	s->proto = (uint8_t)p;
	s->tcls = (uint8_t)tcls;
	s->live = true;
	s->gen = ++n->gen;
	s->expires = now + n->cfg.timeout[tcls];
	h = hash_inside(n, b4, src, sport, proto_num[p]);
	s->hin = n->hin[h];
	n->hin[h] = si;
	h = hash_outside(n, s->pub, port, proto_num[p]);
	s->hout = n->hout[h];
	n->hout[h] = si;
	tlist_append(n, si);
	b->sessions++;
	n->st.sessions++;
	n->st.sessions_created++;
	return si;
}

unsigned
nat44_expire(struct nat44 *n, int64_t now, unsigned budget)
{
	unsigned done = 0;

	for (int t = 0; t < NAT44_NT; t++)
		while (done < budget && n->thead[t] != NIL &&
		    n->sess[n->thead[t]].expires <= now) {
			sess_free(n, n->thead[t], now);
			n->st.sessions_expired++;
			done++;
		}
	return done;
}

void
nat44_free(struct nat44 *n, int64_t now)
{
	if (n == NULL)
		return;
	if (n->sess != NULL && n->blocks != NULL)
		for (uint32_t i = 0; i < n->cfg.max_sessions; i++)
			if (n->sess[i].live)
				sess_free(n, i, now);
	free(n->pool);
	free(n->addrs);
	free(n->blocks);
	free(n->bits);
	free(n->sess);
	free(n->hin);
	free(n->hout);
	free(n->b4s);
	free(n->b4_blocks);
	free(n->hb4);
	free(n->pfxs);
	free(n->hpfx);
	free(n->frags);
	free(n);
}

/* ---- packets ---- */

static int
proto_index(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return NAT44_TCP;
	case IPPROTO_UDP:
		return NAT44_UDP;
	case IPPROTO_ICMP:
		return NAT44_ICMP;
	}
	return -1;
}

static bool
icmp_is_query(uint8_t type)
{
	switch (type) {
	case ICMP4_ECHO_REPLY:
	case ICMP4_ECHO:
	case 13: case 14:	/* timestamp */
		return true;
	}
	return false;
}

static bool
icmp_is_error(uint8_t type)
{
	return type == ICMP4_UNREACH || type == ICMP4_TIME_EXCEEDED ||
	    type == 12;		/* parameter problem */
}

static void
fix16(uint8_t *csum, uint16_t from, uint16_t to)
{
	be16_put(csum, inet_csum_adjust(be16_get(csum), from, to));
}

static void
fix32(uint8_t *csum, uint32_t from, uint32_t to)
{
	fix16(csum, (uint16_t)(from >> 16), (uint16_t)(to >> 16));
	fix16(csum, (uint16_t)from, (uint16_t)to);
}

/* the transport checksum's offset in a header of proto p, 0: none */
static size_t
l4_csum_off(unsigned p)
{
	return p == NAT44_TCP ? 16 : p == NAT44_UDP ? 6 : 2;
}

/* Rewrite the address at ip[aoff] and the port (or query id) `poff`
 * bytes into the transport header l4 (avail bytes of it present), with
 * the header checksum and, when present and non-zero for UDP, the
 * transport checksum. */
static void
rewrite(uint8_t *ip, size_t aoff, uint8_t *l4, size_t avail, unsigned p,
    size_t poff, uint32_t addr, uint16_t port)
{
	uint32_t oa = be32_get(ip + aoff);
	uint16_t op = be16_get(l4 + poff);
	size_t co = l4_csum_off(p);

	fix32(ip + 10, oa, addr);
	be32_put(ip + aoff, addr);
	if (avail >= co + 2 && (p != NAT44_UDP || be16_get(l4 + co) != 0)) {
		/* ICMP's checksum has no pseudo-header */
		if (p != NAT44_ICMP)
			fix32(l4 + co, oa, addr);
		fix16(l4 + co, op, port);
		if (p == NAT44_UDP && be16_get(l4 + co) == 0)
			be16_put(l4 + co, 0xffff);
	}
	be16_put(l4 + poff, port);
}

static size_t
port_off(unsigned p, bool src)
{
	if (p == NAT44_ICMP)
		return 4;		/* the query id, both ways */
	return src ? 0 : 2;
}

/* The TCP state of a mapping from the flags seen.  Anyone on the IPv4
 * side can send to a public address:port, so inbound flags are trusted
 * only where they cannot shorten or lengthen a mapping by themselves
 * (in the spirit of RFC 7857 section 2.1): an inbound RST is ignored,
 * and an inbound SYN counts only as a SYN+ACK answering the B4's SYN. */
static unsigned
tcp_tclass(struct sess *s, uint8_t flags, bool out)
{
	if (flags & TCP_SYN) {
		if (out) {
			if (s->tcp & (T_FIN_OUT | T_FIN_IN | T_RST))
				s->tcp = 0;	/* a new connection */
			s->tcp |= T_SYN_OUT;
		} else if ((flags & TCP_ACK) && (s->tcp & T_SYN_OUT))
			s->tcp |= T_SYN_IN;
	}
	if (flags & TCP_FIN)
		s->tcp |= out ? T_FIN_OUT : T_FIN_IN;
	if ((flags & TCP_RST) && out)
		s->tcp |= T_RST;
	if ((s->tcp & T_RST) || ((s->tcp & T_FIN_OUT) && (s->tcp & T_FIN_IN)))
		return NAT44_T_TCP_TRANS;
	if ((s->tcp & T_SYN_OUT) && (s->tcp & T_SYN_IN))
		return NAT44_T_TCP_EST;
	return NAT44_T_TCP_TRANS;
}

static unsigned
tclass_of(unsigned p)
{
	return p == NAT44_UDP ? NAT44_T_UDP : p == NAT44_ICMP ? NAT44_T_ICMP :
	    NAT44_T_TCP_TRANS;
}

static int
drop(struct nat44 *n, enum nat44_drop d, enum nat44_drop *why)
{
	n->st.drops[d]++;
	*why = d;
	return -1;
}

/* ---- fragments ---- */

static struct frag *
frag_slot(struct nat44 *n, bool out, uint32_t b4, const struct ipv4_info *ii)
{
	uint64_t h = hash_mix64(n->cfg.seed ^ ((uint64_t)ii->src << 32 |
	    ii->dst));

	h = hash_mix64(h ^ ((uint64_t)b4 << 32 | (uint64_t)ii->id << 16 |
	    (uint64_t)ii->proto << 8 | out));
	return &n->frags[h & (NFRAGS - 1)];
}

/* the first fragment of a datagram went through mapping si */
static void
frag_note(struct nat44 *n, bool out, uint32_t b4,
    const struct ipv4_info *ii, uint32_t si, int64_t now)
{
	struct frag *f = frag_slot(n, out, b4, ii);

	f->b4 = b4;
	f->src = ii->src;
	f->dst = ii->dst;
	f->id = ii->id;
	f->proto = ii->proto;
	f->out = out;
	f->sess = si;
	f->gen = n->sess[si].gen;
	f->expires = now + FRAG_TIMEOUT;
}

/* the mapping of a later fragment's first one, NIL when unknown */
static uint32_t
frag_find(struct nat44 *n, bool out, uint32_t b4, const struct ipv4_info *ii,
    int64_t now)
{
	const struct frag *f = frag_slot(n, out, b4, ii);

	if (f->expires <= now || f->out != out || f->b4 != b4 ||
	    f->src != ii->src || f->dst != ii->dst || f->id != ii->id ||
	    f->proto != ii->proto || !n->sess[f->sess].live ||
	    n->sess[f->sess].gen != f->gen)
		return NIL;
	return f->sess;
}

/* The packet quoted by an ICMP error at l4 (rem bytes of ICMP): its
 * header, its transport header and how much of that is there. */
struct quote {
	uint8_t	*ip, *l4;
	size_t	 avail;
	int	 p;
};

static bool
quote_parse(uint8_t *l4, size_t rem, struct quote *q)
{
	size_t qhl;

	if (rem < ICMP_HDR + IPV4_HDR_LEN)
		return false;
	q->ip = l4 + ICMP_HDR;
	rem -= ICMP_HDR;
	qhl = (size_t)(q->ip[0] & 0x0f) * 4;
	if (q->ip[0] >> 4 != 4 || qhl < IPV4_HDR_LEN || qhl + 8 > rem ||
	    (be16_get(q->ip + 6) & IPV4_OFFMASK) != 0 ||
	    (q->p = proto_index(q->ip[9])) < 0)
		return false;
	q->l4 = q->ip + qhl;
	q->avail = rem - qhl;
	return q->p != NAT44_ICMP || icmp_is_query(q->l4[0]);
}

/* after an error's quote changed: the ICMP checksum over all of it */
static void
icmp_csum(uint8_t *l4, size_t rem)
{
	be16_put(l4 + 2, 0);
	be16_put(l4 + 2, inet_csum(l4, rem));
}

/* An ICMP error from inside: it quotes a packet from a remote host to
 * the private address and port of a mapping. */
static int
out_icmp_error(struct nat44 *n, uint32_t b4, uint8_t *ip, uint8_t *l4,
    size_t rem, enum nat44_drop *why)
{
	struct quote q;
	struct sess *s;
	uint32_t si;

	if (!quote_parse(l4, rem, &q))
		return drop(n, NAT44_DROP_MALFORMED, why);
	si = find_inside(n, b4, be32_get(q.ip + 16),
	    be16_get(q.l4 + port_off((unsigned)q.p, false)), q.ip[9]);
	if (si == NIL)
		return drop(n, NAT44_DROP_NO_SESSION, why);
	s = &n->sess[si];
	rewrite(q.ip, 16, q.l4, q.avail, (unsigned)q.p,
	    port_off((unsigned)q.p, false), s->pub, s->pport);
	fix32(ip + 10, be32_get(ip + 12), s->pub);
	be32_put(ip + 12, s->pub);
	icmp_csum(l4, rem);
	s->pkts_out++;
	n->st.icmp_errors++;
	n->st.out_pkts++;
	return 0;
}

int
nat44_outbound(struct nat44 *n, const struct in6_addr *b4, int ifindex,
    uint8_t *pkt, size_t len, int64_t now, enum nat44_drop *why)
{
	struct ipv4_info ii;
	uint8_t *l4;
	size_t rem;
	uint32_t bi, si;
	uint16_t sport;
	unsigned tcls;
	int p;

	*why = NAT44_DROP_NONE;
	if (ipv4_parse(pkt, len, &ii) != 0)
		return drop(n, NAT44_DROP_MALFORMED, why);
	if ((p = proto_index(ii.proto)) < 0)
		return drop(n, NAT44_DROP_PROTOCOL, why);
	if (ii.frag != 0) {
		/* no ports: the mapping its first fragment took */
		if ((bi = find_b4(n, b4)) == NIL ||
		    n->b4s[bi].ifindex != ifindex ||
		    (si = frag_find(n, true, bi, &ii, now)) == NIL)
			return drop(n, NAT44_DROP_FRAGMENT, why);
		fix32(pkt + 10, ii.src, n->sess[si].pub);
		be32_put(pkt + 12, n->sess[si].pub);
		n->sess[si].pkts_out++;
		n->st.out_pkts++;
		return 0;
	}
	l4 = pkt + ii.hlen;
	rem = len - ii.hlen;
	if (rem < (p == NAT44_TCP ? 20u : 8u))
		return drop(n, NAT44_DROP_MALFORMED, why);
	if (p == NAT44_ICMP && !icmp_is_query(l4[0])) {
		if (!icmp_is_error(l4[0]))
			return drop(n, NAT44_DROP_PROTOCOL, why);
		if (ii.mf)
			return drop(n, NAT44_DROP_FRAGMENT, why);
		if ((bi = find_b4(n, b4)) == NIL)
			return drop(n, NAT44_DROP_NO_SESSION, why);
		if (n->b4s[bi].ifindex != ifindex)
			return drop(n, NAT44_DROP_WRONG_INTERFACE, why);
		return out_icmp_error(n, bi, pkt, l4, rem, why);
	}
	sport = be16_get(l4 + port_off((unsigned)p, true));
	tcls = tclass_of((unsigned)p);
	if ((bi = b4_get(n, b4, ifindex, now)) == NIL)
		return drop(n, NAT44_DROP_PORT_EXHAUSTED, why);
	if (n->b4s[bi].ifindex != ifindex)
		return drop(n, NAT44_DROP_WRONG_INTERFACE, why);
	si = find_inside(n, bi, ii.src, sport, ii.proto);
	if (si == NIL) {
		si = sess_new(n, bi, ii.src, sport, (unsigned)p, tcls, now,
		    why);
		/* full: what has timed out makes room, then once more; the
		 * B4's record may have gone with its last mapping */
		if (si == NIL && nat44_expire(n, now, 256) > 0 &&
		    (bi = b4_get(n, b4, ifindex, now)) != NIL) {
			*why = NAT44_DROP_NONE;
			si = sess_new(n, bi, ii.src, sport, (unsigned)p, tcls,
			    now, why);
		}
		if (si == NIL) {
			if (bi != NIL)
				b4_put(n, bi);
			return drop(n, *why, why);
		}
	}
	if (p == NAT44_TCP)
		tcls = tcp_tclass(&n->sess[si], l4[13], true);
	touch(n, si, tcls, now);
	rewrite(pkt, 12, l4, rem, (unsigned)p, port_off((unsigned)p, true),
	    n->sess[si].pub, n->sess[si].pport);
	if (ii.mf)
		frag_note(n, true, bi, &ii, si, now);
	n->sess[si].pkts_out++;
	n->st.out_pkts++;
	return 0;
}

/* An ICMP error from outside: it quotes one of our translated packets,
 * from the public address and port of a mapping. */
static int
in_icmp_error(struct nat44 *n, uint8_t *ip, uint8_t *l4, size_t rem,
    struct in6_addr *b4, enum nat44_drop *why)
{
	struct quote q;
	struct sess *s;
	uint32_t si;

	if (!quote_parse(l4, rem, &q))
		return drop(n, NAT44_DROP_MALFORMED, why);
	if (be32_get(q.ip + 12) != be32_get(ip + 16))
		return drop(n, NAT44_DROP_MALFORMED, why);
	si = find_outside(n, be32_get(q.ip + 12),
	    be16_get(q.l4 + port_off((unsigned)q.p, true)), q.ip[9]);
	if (si == NIL)
		return drop(n, NAT44_DROP_NO_SESSION, why);
	s = &n->sess[si];
	rewrite(q.ip, 12, q.l4, q.avail, (unsigned)q.p,
	    port_off((unsigned)q.p, true), s->src, s->sport);
	fix32(ip + 10, be32_get(ip + 16), s->src);
	be32_put(ip + 16, s->src);
	icmp_csum(l4, rem);
	*b4 = n->b4s[s->b4].addr;
	s->pkts_in++;
	n->st.icmp_errors++;
	n->st.in_pkts++;
	return 0;
}

int
nat44_inbound(struct nat44 *n, uint8_t *pkt, size_t len, int64_t now,
    struct in6_addr *b4, enum nat44_drop *why)
{
	struct ipv4_info ii;
	struct sess *s;
	uint8_t *l4;
	size_t rem;
	uint32_t si;
	int p;

	*why = NAT44_DROP_NONE;
	if (ipv4_parse(pkt, len, &ii) != 0)
		return drop(n, NAT44_DROP_MALFORMED, why);
	if ((p = proto_index(ii.proto)) < 0)
		return drop(n, NAT44_DROP_PROTOCOL, why);
	if (ii.frag != 0) {
		if ((si = frag_find(n, false, NIL, &ii, now)) == NIL)
			return drop(n, NAT44_DROP_FRAGMENT, why);
		s = &n->sess[si];
		fix32(pkt + 10, ii.dst, s->src);
		be32_put(pkt + 16, s->src);
		*b4 = n->b4s[s->b4].addr;
		s->pkts_in++;
		n->st.in_pkts++;
		return 0;
	}
	l4 = pkt + ii.hlen;
	rem = len - ii.hlen;
	if (rem < (p == NAT44_TCP ? 20u : 8u))
		return drop(n, NAT44_DROP_MALFORMED, why);
	if (p == NAT44_ICMP && !icmp_is_query(l4[0])) {
		if (!icmp_is_error(l4[0]))
			return drop(n, NAT44_DROP_PROTOCOL, why);
		if (ii.mf)
			return drop(n, NAT44_DROP_FRAGMENT, why);
		return in_icmp_error(n, pkt, l4, rem, b4, why);
	}
	si = find_outside(n, ii.dst, be16_get(l4 + port_off((unsigned)p,
	    false)), ii.proto);
	if (si == NIL)
		return drop(n, NAT44_DROP_NO_SESSION, why);
	s = &n->sess[si];
	/* Inbound packets do not refresh the mapping: anyone on the IPv4
	 * side may send to the public address:port, and refreshing on them
	 * would let an outside host keep every mapping alive (RFC 4787
	 * REQ-6 asks for the outbound refresh; the inbound one is
	 * optional).  TCP only notes the flags, for the next outbound. */
	if (p == NAT44_TCP)
		(void)tcp_tclass(s, l4[13], false);
	rewrite(pkt, 16, l4, rem, (unsigned)p, port_off((unsigned)p, false),
	    s->src, s->sport);
	if (ii.mf)
		frag_note(n, false, NIL, &ii, si, now);
	*b4 = n->b4s[s->b4].addr;
	s->pkts_in++;
	n->st.in_pkts++;
	return 0;
}

bool
nat44_is_public(const struct nat44 *n, uint32_t addr)
{
	return range4_find(n->pool, n->cfg.n_pool, addr);
}

/* ---- reading ---- */

void
nat44_get_stats(const struct nat44 *n, struct nat44_stats *st)
{
	*st = n->st;
}

void
nat44_foreach_b4(const struct nat44 *n,
    bool (*fn)(void *arg, const struct nat44_b4_info *), void *arg)
{
	struct nat44_b4_info bi;

	for (uint32_t i = 0; i < n->n_b4; i++) {
		const struct b4 *b = &n->b4s[i];

		if (!b->live)
			continue;
		memset(&bi, 0, sizeof(bi));
		bi.addr = b->addr;
		bi.pub = b->addr_idx != NIL ? n->addrs[b->addr_idx].a : 0;
		bi.sessions = b->sessions;
		bi.blocks = b->nblocks;
		bi.ifindex = b->ifindex;
		bi.since = b->since;
		if (!fn(arg, &bi))
			return;
	}
}

void
nat44_foreach_session(const struct nat44 *n,
    bool (*fn)(void *arg, const struct nat44_session_info *), void *arg)
{
	struct nat44_session_info si;

	for (uint32_t i = 0; i < n->cfg.max_sessions; i++) {
		const struct sess *s = &n->sess[i];

		if (!s->live)
			continue;
		memset(&si, 0, sizeof(si));
		si.b4 = n->b4s[s->b4].addr;
		si.src = s->src;
		si.pub = s->pub;
		si.sport = s->sport;
		si.pport = s->pport;
		si.proto = proto_num[s->proto];
		si.tclass = s->tcls;
		si.expires = s->expires;
		si.pkts_out = s->pkts_out;
		si.pkts_in = s->pkts_in;
		if (!fn(arg, &si))
			return;
	}
}

void
nat44_foreach_block(const struct nat44 *n,
    bool (*fn)(void *arg, const struct nat44_block_info *), void *arg)
{
	struct nat44_block_info bi;

	for (uint32_t i = 0; i < n->n_blocks; i++) {
		const struct block *b = &n->blocks[i];

		if (b->owner == NIL)
			continue;
		memset(&bi, 0, sizeof(bi));
		bi.b4 = n->b4s[b->owner].addr;
		bi.pub = n->addrs[i / n->bpa].a;
		bi.first = block_first(n, i);
		bi.last = (uint16_t)(bi.first + n->cfg.block_size - 1);
		bi.used = b->used;
		bi.since = b->since;
		if (!fn(arg, &bi))
			return;
	}
}
