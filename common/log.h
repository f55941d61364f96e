/* log.h - one logging API for every dstm program (stderr under -d, else syslog). */
#ifndef DSTM_LOG_H
#define DSTM_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/loglimit.h"

void log_init(int foreground, int verbose, const char *ident);
/* the -v count given to log_init */
int  log_getverbose(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Levels, the syslog priorities; under -d each stderr line starts with
 * "<N>" (sd-daemon(3)), so journald files it at the right priority. */
enum log_level {
	LOG_LVL_CRIT = 2,	/* fatal, fatalx */
	LOG_LVL_ERR = 3,	/* log_warn, log_warnx: something failed */
	LOG_LVL_WARNING = 4,	/* log_warning: refused, dropped */
	LOG_LVL_INFO = 6,	/* log_info: what changed */
	LOG_LVL_DEBUG = 7,	/* log_debug, with -v */
};

/* Something refused or dropped that an operator may want to act on (the
 * request or packet was bad, the daemon is fine).  log_warn/log_warnx
 * are for what failed. */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line of the kind `l` counts, at `level`, when its rate limit lets it
 * through (common/loglimit.h, on the monotonic clock); a window that
 * ended with lines kept quiet is reported first as "WHAT: ... and K more
 * suppressed".  The caller owns `l` (one thread). */
void log_limited(struct loglimit *l, enum log_level level, const char *fmt,
	...) __attribute__((format(printf, 3, 4)));
/* The same in two steps, for a line that costs to build: true when it
 * may be written now (after the summary line, if one is due); then
 * log_at() writes it. */
bool log_limit_pass(struct loglimit *l, enum log_level level);
void log_at(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The summary line of a window that has ended, if any: call it now and
 * then (every second or so) so that the last flood's count shows up. */
void log_limited_flush(struct loglimit *l, enum log_level level);

#endif
