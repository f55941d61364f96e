/* log.c - stderr or syslog logging, OpenBSD style.  On stderr (-d) each
 * line starts with its syslog priority as "<N>" (sd-daemon(3)): a unit
 * that runs the daemon in the foreground has journald file every line at
 * its own priority, not all at the unit's default. */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/clock.h"

_Static_assert(LOG_LVL_CRIT == LOG_CRIT && LOG_LVL_ERR == LOG_ERR &&
    LOG_LVL_WARNING == LOG_WARNING && LOG_LVL_INFO == LOG_INFO &&
    LOG_LVL_DEBUG == LOG_DEBUG, "log levels are the syslog priorities");

static int log_foreground = 1;
static int log_verbose;
static const char *log_ident = "dstm";

void
log_init(int foreground, int verbose, const char *ident)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (ident != NULL)
		log_ident = ident;
	if (!foreground)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground) {
		if (err != NULL)
			fprintf(stderr, "<%d>%s: %s: %s\n", pri, log_ident,
			    msg, err);
		else
			fprintf(stderr, "<%d>%s: %s\n", pri, log_ident, msg);
		fflush(stderr);
	} else {
		if (err != NULL)
			syslog(pri, "%s: %s", msg, err);
		else
			syslog(pri, "%s", msg);
	}
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
}

void
log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
log_at(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_LVL_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vlog((int)level, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

static void
log_suppressed(const struct loglimit *l, enum log_level level, uint64_t n)
{
	log_at(level, "%s: ... and %llu more suppressed (at most %u line%s "
	    "per %us)", l->what != NULL ? l->what : "log",
	    (unsigned long long)n, l->burst, l->burst == 1 ? "" : "s",
	    l->interval_ms / 1000);
}

bool
log_limit_pass(struct loglimit *l, enum log_level level)
{
	uint64_t ended;
	bool ok;

	if (level == LOG_LVL_DEBUG && !log_verbose)
		return false;
	ok = loglimit_allow(l, clock_mono_ms(), &ended);
	if (ended > 0)
		log_suppressed(l, level, ended);
	return ok;
}

void
log_limited(struct loglimit *l, enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_limit_pass(l, level))
		return;
	va_start(ap, fmt);
	vlog((int)level, fmt, ap, NULL);
	va_end(ap);
}

void
log_limited_flush(struct loglimit *l, enum log_level level)
{
	uint64_t n;

	if (l->suppressed == 0)
		return;		/* the usual case: no clock read */
	if ((n = loglimit_flush(l, clock_mono_ms())) > 0)
		log_suppressed(l, level, n);
}
