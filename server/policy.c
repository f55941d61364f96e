/* policy.c - who may lease: client prefix ACL and token bucket rate
 * limits, per source address and per client prefix (server.h says which
 * requests spend from which bucket, and why). */
#include "server/server.h"

#include <string.h>
#include <sys/random.h>

#include "common/hash.h"

bool
policy_allowed(const struct server_conf *c, const struct in6_addr *src)
{
	if (c->n_allow == 0)
		return true;
	for (unsigned i = 0; i < c->n_allow; i++)
		if (prefix6_contains(&c->allow[i], src))
			return true;
	return false;
}

void
policy_rate_init(struct ratelimit *rl)
{
	memset(rl, 0, sizeof(*rl));
	if (getrandom(&rl->seed, sizeof(rl->seed), GRND_NONBLOCK) !=
	    sizeof(rl->seed))
		rl->seed = (uint64_t)(uintptr_t)rl;
}

/* The bucket of `key`, refilled to `now_ms`: `per_sec` tokens a second,
 * a burst of the same size, in thousandths.  The table is fixed-size: a
 * colliding new key takes the slot over (with a full bucket), so memory
 * is bounded whatever the number of sources. */
static struct rl_entry *
bucket(struct rl_table *t, uint64_t seed, uint32_t per_sec,
    const struct in6_addr *key, int64_t now_ms)
{
	struct rl_entry *e = &t->slot[hash_in6(key, seed) % RL_SLOTS];
	uint64_t tokens, cap = (uint64_t)per_sec * 1000;

	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (!e->used || memcmp(&e->src, key, sizeof(*key)) != 0) {
		e->used = 1;
		e->src = *key;
		e->last_ms = now_ms;
		e->tokens_milli = (uint32_t)cap;
	}
	tokens = e->tokens_milli;
	if (now_ms > e->last_ms)
		tokens += (uint64_t)(now_ms - e->last_ms) * per_sec;
	e->tokens_milli = (uint32_t)(tokens > cap ? cap : tokens);
	e->last_ms = now_ms;
	return e;
}

bool
policy_rate_ok(struct ratelimit *rl, const struct server_conf *c,
    const struct in6_addr *src, bool proven, int64_t now_ms)
{
	struct rl_entry *a = NULL, *p = NULL;
	struct in6_addr pfx = *src;

	addr6_mask(&pfx, c->prefix_length);
	if (c->prefix_rate_limit != 0)
		p = bucket(proven ? &rl->prefix : &rl->unproven,
		    rl->seed ^ (proven ? 1 : 2), c->prefix_rate_limit, &pfx,
		    now_ms);
	if (proven && c->rate_limit != 0)
		a = bucket(&rl->source, rl->seed, c->rate_limit, src, now_ms);
	/* both or neither: a refusal spends nothing */
	if ((a != NULL && a->tokens_milli < 1000) ||
	    (p != NULL && p->tokens_milli < 1000))
		return false;
	if (a != NULL)
		a->tokens_milli -= 1000;
	if (p != NULL)
		p->tokens_milli -= 1000;
	return true;
}
