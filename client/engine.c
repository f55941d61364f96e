/* engine.c - rpcd's lease state machine: one transition function. */
#include "client/engine.h"

#include <string.h>

/* the same numbering as dstm_client_state on the wire (rpcd_ctl.c) */
static const char *const state_names[ENG_STATE_MAX] = {
	"idle", "requesting", "bound", "renewing", "rebinding",
};

const char *
eng_state_name(enum eng_state s)
{
	return (unsigned)s < ENG_STATE_MAX ? state_names[s] : "unknown";
}

void
eng_init(struct eng *e, bool ondemand, uint64_t seed)
{
	memset(e, 0, sizeof(*e));
	e->state = ENG_IDLE;
	e->ondemand = ondemand;
	e->next_ms = INT64_MAX;
	e->rng = seed | 1;
}

/* xorshift: jitter only, no need for more */
static uint32_t
rnd(struct eng *e)
{
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return (uint32_t)(e->rng >> 11);
}

/* +-25% so that many clients restarted together spread out */
static int64_t
jitter(struct eng *e, uint32_t ms)
{
	uint32_t span = ms / 2;

	return (int64_t)ms - ms / 4 + (span ? rnd(e) % span : 0);
}

static void
retry_later(struct eng *e, int64_t now)
{
	if (e->backoff_ms == 0)
		e->backoff_ms = ENG_RETRY_MIN_MS;
	e->next_ms = now + jitter(e, e->backoff_ms);
	e->backoff_ms = e->backoff_ms * 2 > ENG_RETRY_MAX_MS ?
	    ENG_RETRY_MAX_MS : e->backoff_ms * 2;
}

static unsigned
request(struct eng *e, int64_t now)
{
	e->state = ENG_REQUESTING;
	e->attempts++;
	retry_later(e, now);
	return ACT_SEND_ALLOC;
}

static unsigned
drop_lease(struct eng *e, int64_t now)
{
	unsigned act = e->configured ? ACT_DECONFIGURE : 0;

	e->configured = false;
	memset(&e->lease, 0, sizeof(e->lease));
	e->backoff_ms = 0;
	e->attempts = 0;
	if (e->ondemand) {
		e->state = ENG_IDLE;
		e->next_ms = INT64_MAX;
		return act;
	}
	return act | request(e, now);
}

static unsigned
bind_lease(struct eng *e, const struct eng_lease *l, int64_t now)
{
	unsigned act = ACT_CONFIGURE;

	/* a different address than the one configured: swap it */
	if (e->configured && e->lease.addr != l->addr)
		act |= ACT_DECONFIGURE;
	e->lease = *l;
	e->configured = true;
	e->state = ENG_BOUND;
	e->backoff_ms = 0;
	e->attempts = 0;
	e->last_status = 0;
	if (l->lease_time == UINT32_MAX) {
		e->t1_ms = e->t2_ms = e->end_ms = INT64_MAX;
		e->next_ms = INT64_MAX;
		return act;
	}
	e->end_ms = now + (int64_t)l->lease_time * 1000;
	/* the server's T1/T2, sanitised: T1 <= T2 <= lease */
	e->t2_ms = now + (int64_t)(l->t2 && l->t2 <= l->lease_time ? l->t2 :
	    l->lease_time * 4 / 5) * 1000;
	e->t1_ms = now + (int64_t)(l->t1 && l->t1 <= l->t2 ? l->t1 :
	    l->lease_time / 2) * 1000;
	if (e->t1_ms > e->t2_ms)
		e->t1_ms = e->t2_ms;
	e->next_ms = e->t1_ms;
	return act;
}

/* RFC 2131 4.4.5: retransmit at half the time left to the next deadline,
 * not more often than ENG_RENEW_MIN_MS */
static void
renew_timer(struct eng *e, int64_t now)
{
	int64_t deadline = e->state == ENG_RENEWING ? e->t2_ms : e->end_ms;
	int64_t wait = (deadline - now) / 2;

	if (wait < ENG_RENEW_MIN_MS)
		wait = ENG_RENEW_MIN_MS;
	e->next_ms = now + wait > deadline ? deadline : now + wait;
}

unsigned
eng_step(struct eng *e, enum eng_event ev, const struct eng_lease *l,
    int status, int64_t now)
{
	switch (e->state) {
	case ENG_IDLE:
		if (ev == EV_START || (ev == EV_TRIGGER && e->ondemand))
			return request(e, now);
		return 0;

	case ENG_REQUESTING:
		switch (ev) {
		case EV_REPLY_OK:
			return l != NULL ? bind_lease(e, l, now) : 0;
		case EV_REPLY_REFUSED:
			e->last_status = status;
			retry_later(e, now);
			return 0;
		case EV_NO_REPLY:
			return 0;	/* the retry timer is running */
		case EV_TIMER:
			if (now < e->next_ms)
				return 0;
			e->attempts++;
			retry_later(e, now);
			return ACT_SEND_ALLOC;
		case EV_RELEASE:
			e->state = ENG_IDLE;
			e->next_ms = INT64_MAX;
			return 0;
		default:
			return 0;
		}

	case ENG_BOUND:
	case ENG_RENEWING:
	case ENG_REBINDING:
		switch (ev) {
		case EV_REPLY_OK:
			if (e->state == ENG_BOUND || l == NULL)
				return 0;
			return bind_lease(e, l, now);
		case EV_REPLY_REFUSED:
			/* the server no longer stands behind this address */
			e->last_status = status;
			return drop_lease(e, now);
		case EV_RELEASE: {
			unsigned act = ACT_SEND_RELEASE | ACT_DECONFIGURE;

			e->configured = false;
			e->state = ENG_IDLE;
			e->next_ms = INT64_MAX;
			return act;
		}
		case EV_TIMER:
			if (now < e->next_ms)
				return 0;
			if (now >= e->end_ms)
				return drop_lease(e, now);	/* expired */
			if (now >= e->t2_ms)
				e->state = ENG_REBINDING;
			else if (now >= e->t1_ms)
				e->state = ENG_RENEWING;
			renew_timer(e, now);
			return ACT_SEND_RENEW;
		default:
			return 0;
		}
	default:
		return 0;
	}
}
