/* loglimit.c - at most N log lines of a kind per interval; see loglimit.h. */
#include "common/loglimit.h"

#include <string.h>

void
loglimit_init(struct loglimit *l, const char *what, uint32_t interval_ms,
    uint32_t burst)
{
	memset(l, 0, sizeof(*l));
	l->what = what;
	l->interval_ms = interval_ms > 0 ? interval_ms : 1;
	l->burst = burst;
}

static bool
window_over(const struct loglimit *l, int64_t now_ms)
{
	return !l->open || now_ms - l->window_ms >= (int64_t)l->interval_ms ||
	    now_ms < l->window_ms;	/* a clock gone back: start over */
}

bool
loglimit_allow(struct loglimit *l, int64_t now_ms, uint64_t *ended)
{
	*ended = 0;
	if (window_over(l, now_ms)) {
		*ended = l->suppressed;
		l->open = true;
		l->window_ms = now_ms;
		l->lines = 0;
		l->suppressed = 0;
	}
	if (l->lines < l->burst) {
		l->lines++;
		return true;
	}
	l->suppressed++;
	return false;
}

uint64_t
loglimit_flush(struct loglimit *l, int64_t now_ms)
{
	uint64_t n;

	if (l->suppressed == 0 || !window_over(l, now_ms))
		return 0;
	n = l->suppressed;
	l->suppressed = 0;
	return n;
}
