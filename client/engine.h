/* engine.h - rpcd's lease state machine (dhcpleased's engine is
 * the model).  Pure logic: events in, actions and the next timer out; the
 * daemon does the I/O.  Times are monotonic milliseconds.
 *
 *   IDLE -> REQUESTING -> BOUND -> RENEWING (T1) -> REBINDING (T2)
 *                          ^         |                 |
 *                          +---------+-----------------+   reply ok
 *   any refusal of a renew, or the lease end: address dropped at once,
 *   back to REQUESTING (always mode) or IDLE (on-demand mode).
 */
#ifndef DSTM_ENGINE_H
#define DSTM_ENGINE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

enum eng_state {
	ENG_IDLE,		/* no lease, none wanted (on-demand, stopped) */
	ENG_REQUESTING,		/* ALLOC sent, waiting or retrying */
	ENG_BOUND,
	ENG_RENEWING,		/* after T1: RENEW */
	ENG_REBINDING,		/* after T2: RENEW, more urgently */
	ENG_STATE_MAX
};

enum eng_event {
	EV_START,		/* always mode: want a lease now */
	EV_TRIGGER,		/* on-demand: IPv4 traffic wants out */
	EV_REPLY_OK,		/* ALLOC/RENEW answered with a lease */
	EV_REPLY_REFUSED,	/* answered with a refusal status */
	EV_NO_REPLY,		/* the call failed (timeout, unreachable) */
	EV_TIMER,		/* eng.next_ms reached */
	EV_RELEASE,		/* operator/SIGTERM/idle: give it back */
};

/* what the daemon must do after a step (a bit set) */
#define ACT_SEND_ALLOC	0x01
#define ACT_SEND_RENEW	0x02
#define ACT_SEND_RELEASE 0x04
#define ACT_CONFIGURE	0x08	/* put eng.lease on the interface */
#define ACT_DECONFIGURE	0x10	/* remove address and routes */

#define ENG_RETRY_MIN_MS	1000
#define ENG_RETRY_MAX_MS	64000	/* RFC 2131 4.1: 4 s doubling to 64 s */
#define ENG_RENEW_MIN_MS	1000	/* floor between renew retransmits */

struct eng_lease {
	uint32_t	addr;		/* host order */
	uint32_t	lease_time;	/* seconds; UINT32_MAX = infinite */
	uint32_t	t1, t2;
	struct in6_addr	tep6;
	uint32_t	tep4;
	uint32_t	mtu;
};

struct eng {
	enum eng_state	state;
	bool		ondemand;
	struct eng_lease lease;		/* valid when configured */
	bool		configured;
	int64_t		t1_ms, t2_ms, end_ms;
	int64_t		next_ms;	/* next EV_TIMER, INT64_MAX = none */
	uint32_t	backoff_ms;
	unsigned	attempts;
	int		last_status;	/* last refusal (dstm_status), 0 */
	uint64_t	rng;
};

void eng_init(struct eng *e, bool ondemand, uint64_t seed);
/* Feed one event; `l` is the lease for EV_REPLY_OK, `status` the code for
 * EV_REPLY_REFUSED.  Returns the ACT_* set. */
unsigned eng_step(struct eng *e, enum eng_event ev, const struct eng_lease *l,
	int status, int64_t now_ms);
/* "idle", "requesting"...; "unknown" out of range (a newer rpcd) */
const char *eng_state_name(enum eng_state s);

#endif
