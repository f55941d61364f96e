/* loglimit.h - a rate limit for log lines of one kind: at most `burst`
 * lines in a window of `interval_ms`, then silence until the window ends;
 * the number kept quiet is reported once, as a summary line, when the
 * window has ended (at the next line of the kind, or from a periodic
 * loglimit_flush()).  Pure (the caller passes the time) and owned by one
 * thread: no lock.  log.h's log_limited() is the usual front end. */
#ifndef DSTM_LOGLIMIT_H
#define DSTM_LOGLIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct loglimit {
	const char	*what;		/* the kind, for the summary line */
	int64_t		 window_ms;	/* start of the current window */
	uint32_t	 interval_ms;
	uint32_t	 burst;
	uint32_t	 lines;		/* let through in this window */
	bool		 open;		/* a window has started */
	uint64_t	 suppressed;	/* kept quiet in this window */
};

/* for a static limiter; loglimit_init() for the others */
#define LOGLIMIT_INIT(w, interval, n) \
	{ .what = (w), .interval_ms = (interval), .burst = (n) }
void loglimit_init(struct loglimit *l, const char *what,
	uint32_t interval_ms, uint32_t burst);

/* One event at now_ms: true when its line may be written.  *ended gets
 * the number suppressed in a window this event closed (0 if none): the
 * caller reports it before its own line. */
bool loglimit_allow(struct loglimit *l, int64_t now_ms, uint64_t *ended);

/* The number suppressed in a window that has ended by now_ms, once (0
 * when none or the window is still open). */
uint64_t loglimit_flush(struct loglimit *l, int64_t now_ms);

#endif
