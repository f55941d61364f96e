/* log.h - one logging API for every dstm program (stderr under -d, else syslog). */
#ifndef DSTM_LOG_H
#define DSTM_LOG_H

#include <stdarg.h>
#include <stdint.h>

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

/* A rate limit for log lines on hot paths: at most `burst` lines per
 * `interval` seconds; the suppressed count is reported on the next line. */
struct log_ratelimit {
	int64_t  window_start;
	uint32_t interval;
	uint32_t burst;
	uint32_t printed;
	uint32_t suppressed;
};
#define LOG_RATELIMIT_INIT(interval, burst) { 0, (interval), (burst), 0, 0 }
/* Returns the number of suppressed lines since the last printed one + 1 when
 * the caller may log now, 0 when it must stay quiet. */
uint32_t log_ratelimit_ok(struct log_ratelimit *rl);

#endif
