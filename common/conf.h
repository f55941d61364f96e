/* conf.h - a small line-oriented config parser: "[section]" headers,
 * "key = value" lines (keys may repeat), '#' comments.  Errors come back as
 * "file:line: message".
 *
 * On top of it, one engine for every config file: a program describes its
 * keys in tables (struct conf_key: section, name, type, where the value
 * goes), and conf_parse() applies a file to a config struct, refusing
 * unknown sections, unknown keys and repeated keys, then runs the
 * program's checks across keys. */
#ifndef DSTM_CONF_H
#define DSTM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

#define CONF_ERRLEN	512
#define CONF_MAX_KEYS	48	/* keys in all the groups of one spec */

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

/* ---- the key-table engine ---- */

enum conf_type {
	CONF_FUNC,	/* the key's set() parses the value */
	CONF_BOOL,	/* bool: yes/no, true/false, on/off, 1/0 */
	CONF_U16,	/* uint16_t from min to max */
	CONF_U32,	/* uint32_t from min to max */
	CONF_DURATION,	/* uint32_t seconds from min to max: 90, 15m, 2h, 1d */
	CONF_PATH,	/* char[]: an absolute path shorter than max */
	CONF_IFNAME,	/* char[max]: a network interface name */
};

struct conf_ctx;

struct conf_key {
	const char	*section;
	const char	*name;		/* NULL ends a table */
	bool		 repeat;	/* may appear more than once */
	enum conf_type	 type;
	size_t		 off;		/* the field, from the group's base */
	uint32_t	 min, max;	/* CONF_PATH, CONF_IFNAME: buffer size */
	const char	*expect;	/* U16, U32, DURATION: "expected ..." */
	/* CONF_FUNC: `obj` is the group's part of the target */
	int		(*set)(struct conf_ctx *cx, void *obj, const char *v);
};

/* Rows of a table; T is the struct the table's group fills.  The field's
 * offset, refused at compile time unless the field has the type. */
#define CONF_OFF(T, fld, type) \
	(offsetof(T, fld) + 0 * sizeof(_Generic(((T *)NULL)->fld, type: 1)))
#define CONF_KEY_FUNC(sec, name, rep, fn) \
	{ sec, name, rep, CONF_FUNC, 0, 0, 0, NULL, fn }
#define CONF_KEY_BOOL(sec, name, T, fld) \
	{ sec, name, false, CONF_BOOL, CONF_OFF(T, fld, bool), 0, 0, NULL, \
	  NULL }
#define CONF_KEY_U16(sec, name, T, fld, lo, hi, expect) \
	{ sec, name, false, CONF_U16, CONF_OFF(T, fld, uint16_t), lo, hi, \
	  expect, NULL }
#define CONF_KEY_U32(sec, name, T, fld, lo, hi, expect) \
	{ sec, name, false, CONF_U32, CONF_OFF(T, fld, uint32_t), lo, hi, \
	  expect, NULL }
#define CONF_KEY_DURATION(sec, name, T, fld, lo, hi, expect) \
	{ sec, name, false, CONF_DURATION, CONF_OFF(T, fld, uint32_t), lo, \
	  hi, expect, NULL }
#define CONF_KEY_PATH(sec, name, T, fld, max) \
	{ sec, name, false, CONF_PATH, CONF_OFF(T, fld, char *), 0, max, \
	  NULL, NULL }
#define CONF_KEY_IFNAME(sec, name, T, fld) \
	{ sec, name, false, CONF_IFNAME, CONF_OFF(T, fld, char *), 0, \
	  sizeof(((T *)NULL)->fld), NULL, NULL }
#define CONF_KEY_END	{ NULL, NULL, false, CONF_FUNC, 0, 0, 0, NULL, NULL }

/* One table filling the part of the target `base` bytes in: a shared
 * table (gateway/gwconf.h) fills a struct embedded in several configs. */
struct conf_group {
	const struct conf_key	*keys;
	size_t			 base;
	unsigned		 flags;		/* the table's own options */
};

struct conf_spec {
	const struct conf_group	*groups;
	size_t			 n_groups;
	size_t			 state_size;	/* cx->state, zeroed */
	/* checks across keys, after the last entry; NULL when none */
	int			(*check)(struct conf_ctx *cx);
	/* last, whatever happened: free what cx->state points to, and the
	 * target unless ok; NULL when there is nothing to do */
	void			(*done)(struct conf_ctx *cx, bool ok);
};

/* What set() and check() see. */
struct conf_ctx {
	const struct conf_spec	*spec;
	const struct conf_file	*cf;
	const struct conf_entry	*e;		/* the entry being applied */
	const struct conf_entry	*prev;		/* its key's previous entry */
	unsigned		 flags;		/* its group's flags */
	void			*target;	/* the config being filled */
	void			*state;		/* the spec's own, while parsing */
	char			*err;
	size_t			 errlen;
	const struct conf_entry	*seen[CONF_MAX_KEYS];	/* last, per key */
};

/* Apply the file `name` (or, when text is not NULL, `len` bytes of text
 * named `name`) to `target`, already holding its defaults.  0, or -1 with
 * "file:line: message" in err; spec->done runs in either case. */
int  conf_parse(const struct conf_spec *spec, const char *name,
	const char *text, size_t len, void *target, char *err, size_t errlen);

/* "file:line: message", or "file: message" when line is 0; returns -1. */
int  conf_fail(struct conf_ctx *cx, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "file:line: key: expected X, got 'value'", then " (detail)" if any. */
int  conf_bad(struct conf_ctx *cx, const char *expect, const char *detail);
/* The last entry that set `name` in [section]; NULL when none did. */
const struct conf_entry *conf_seen(const struct conf_ctx *cx,
	const char *section, const char *name);

/* Values several programs share, for set() callbacks: 0 or -1 (reported).
 * An IPv6 unicast address, or :: too when any_ok. */
int  conf_addr6(struct conf_ctx *cx, const char *v, struct in6_addr *a,
	bool any_ok);
/* A listen address added to list[*n], at most max: specific addresses
 * or one ::; the first of the key replaces the default. */
int  conf_listen(struct conf_ctx *cx, const char *v, struct in6_addr *list,
	unsigned *n, unsigned max);

/* IPv4 ranges gathered with their lines, for checks across entries. */
struct conf_range {
	struct range4	r;
	int		line;
};

struct conf_ranges {
	struct conf_range	*v;
	unsigned		 n;
};

/* Add r at the current entry's line; 0 or -1 (reported). */
int  conf_ranges_add(struct conf_ctx *cx, struct conf_ranges *l,
	const struct range4 *r);
/* Sort by first address; on the first two that overlap fail at the later
 * line: "WHAT a overlaps WHAT b at line N". */
int  conf_ranges_sort(struct conf_ctx *cx, struct conf_ranges *l,
	const char *what);
/* The range holding a, NULL when none does. */
const struct conf_range *conf_ranges_find(const struct conf_ranges *l,
	uint32_t a);
/* The ranges alone, in a new array (left NULL when there are none). */
int  conf_ranges_take(struct conf_ctx *cx, const struct conf_ranges *l,
	struct range4 **dst, unsigned *n);
void conf_ranges_free(struct conf_ranges *l);

/* ---- the line parser ---- */

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
/* Linux wants < IFNAMSIZ, no '/', ':', blank or "%d" template */
bool conf_parse_ifname(const char *s, size_t size);

#endif
