/* policy.c - who may lease: client prefix ACL and a per-source token
 * bucket rate limit. */
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

static uint32_t
rl_hash(const struct ratelimit *rl, const struct in6_addr *a)
{
	return (uint32_t)(hash_in6(a, rl->seed) % RL_SLOTS);
}

/* Token bucket per source: `per_sec` tokens a second, burst of the same
 * size.  The table is fixed-size: a colliding new source takes the slot
 * over (it starts with a full bucket), so memory is bounded whatever
 * the number of sources. */
bool
policy_rate_ok(struct ratelimit *rl, uint32_t per_sec,
    const struct in6_addr *src, int64_t now_ms)
{
	struct rl_entry *e;
	uint64_t tokens, cap = (uint64_t)per_sec * 1000;

	if (per_sec == 0)
		return true;
	e = &rl->slot[rl_hash(rl, src)];
	if (!e->used || memcmp(&e->src, src, sizeof(*src)) != 0) {
		e->used = 1;
		e->src = *src;
		e->last_ms = now_ms;
		e->tokens_milli = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	}
	tokens = e->tokens_milli;
	if (now_ms > e->last_ms)
		tokens += (uint64_t)(now_ms - e->last_ms) * per_sec;
	if (tokens > cap)
		tokens = cap;
	e->last_ms = now_ms;
	if (tokens < 1000) {
		e->tokens_milli = (uint32_t)tokens;
		return false;
	}
	e->tokens_milli = (uint32_t)(tokens - 1000);
	return true;
}
