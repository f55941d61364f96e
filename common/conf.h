/* conf.h - a small line-oriented config parser: "[section]" headers,
 * "key = value" lines (keys may repeat), '#' comments.  Errors come back as
 * "file:line: message".  Interpreting keys is up to each program. */
#ifndef DSTM_CONF_H
#define DSTM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_ERRLEN 512

struct conf_entry {
	char	*section;
	char	*key;
	char	*value;
	int	 line;
};

struct conf_file {
	char			*path;
	struct conf_entry	*entries;
	size_t			 n;
};

/* Parse a file. Returns 0, or -1 with `err` set to "file:line: message". */
int  conf_load(const char *path, struct conf_file *cf, char *err, size_t errlen);
/* Parse text held in memory; `name` is used in messages. */
int  conf_load_buf(const char *name, const char *text, size_t len,
	struct conf_file *cf, char *err, size_t errlen);
void conf_free(struct conf_file *cf);

/* Format "file:line: message" into err; returns -1 for `return conf_err(...)`. */
int  conf_err(char *err, size_t errlen, const struct conf_file *cf,
	const struct conf_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Value parsers: true on success, *why gets a static reason on failure. */
bool conf_parse_bool(const char *s, bool *out, const char **why);
bool conf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
	const char **why);
/* seconds, optionally with a unit: 90, 90s, 15m, 2h, 1d */
bool conf_parse_duration(const char *s, uint32_t min, uint32_t max,
	uint32_t *out, const char **why);
const char *conf_duration_str(uint32_t secs, char *buf, size_t len);

#endif
