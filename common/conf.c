/* conf.c - "[section] / key = value" config files: the line parser, the
 * value parsers, and the key-table engine every config file goes through. */
#include "common/conf.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"

#define CONF_MAX_SIZE (1u << 20)	/* refuse absurd config files */
#define CONF_MAX_LINE 1024

int
conf_err(char *err, size_t errlen, const struct conf_file *cf,
    const struct conf_entry *e, const char *fmt, ...)
{
	char msg[CONF_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e != NULL)
		snprintf(err, errlen, "%s:%d: %s", cf->path, e->line, msg);
	else
		snprintf(err, errlen, "%s: %s", cf->path, msg);
	return -1;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool
valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		    *s == '-' || *s == '_'))
			return false;
	return true;
}

static int
add_entry(struct conf_file *cf, const char *section, const char *key,
    const char *value, int line)
{
	struct conf_entry *v, *e;

	v = reallocarray(cf->entries, cf->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	cf->entries = v;
	e = &v[cf->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	if (e->section == NULL || e->key == NULL || e->value == NULL) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	cf->n++;
	return 0;
}

int
conf_load_buf(const char *name, const char *text, size_t len,
    struct conf_file *cf, char *err, size_t errlen)
{
	char section[64] = "";
	char line[CONF_MAX_LINE + 2];
	struct conf_entry at = { 0 };
	size_t pos = 0;
	int lineno = 0;

	memset(cf, 0, sizeof(*cf));
	if ((cf->path = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *eq, *key, *val, *hash;

		at.line = ++lineno;
		if (n > CONF_MAX_LINE) {
			conf_err(err, errlen, cf, &at, "line too long");
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if (memchr(line, '\0', n) != NULL) {
			conf_err(err, errlen, cf, &at, "NUL byte in line");
			goto fail;
		}
		s = trim(line);
		if (*s == '#' || *s == ';' || *s == '\0')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			char *rest;

			if (close == NULL) {
				conf_err(err, errlen, cf, &at,
				    "missing ']' in section header");
				goto fail;
			}
			*close = '\0';
			rest = trim(close + 1);
			if (*rest != '\0' && *rest != '#') {
				conf_err(err, errlen, cf, &at,
				    "text after section header");
				goto fail;
			}
			s = trim(s + 1);
			if (!valid_name(s) || strlen(s) >= sizeof(section)) {
				conf_err(err, errlen, cf, &at,
				    "bad section name '%s'", s);
				goto fail;
			}
			snprintf(section, sizeof(section), "%s", s);
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			conf_err(err, errlen, cf, &at,
			    "expected 'key = value' or '[section]'");
			goto fail;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		/* a '#' preceded by blank starts a trailing comment */
		for (hash = val; (hash = strchr(hash, '#')) != NULL; hash++) {
			if (hash == val || hash[-1] == ' ' || hash[-1] == '\t') {
				*hash = '\0';
				val = trim(val);
				break;
			}
		}
		if (!valid_name(key)) {
			conf_err(err, errlen, cf, &at, "bad key name '%s'", key);
			goto fail;
		}
		if (*val == '\0') {
			conf_err(err, errlen, cf, &at, "'%s' has no value", key);
			goto fail;
		}
		if (section[0] == '\0') {
			conf_err(err, errlen, cf, &at,
			    "'%s' outside of any [section]", key);
			goto fail;
		}
		if (add_entry(cf, section, key, val, lineno) != 0) {
			conf_err(err, errlen, cf, &at, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	conf_free(cf);
	return -1;
}

int
conf_load(const char *path, struct conf_file *cf, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len;
	int rc = -1;

	memset(cf, 0, sizeof(*cf));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(CONF_MAX_SIZE + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, CONF_MAX_SIZE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > CONF_MAX_SIZE) {
		snprintf(err, errlen, "%s: file too large", path);
		goto out;
	}
	rc = conf_load_buf(path, buf, len, cf, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

void
conf_free(struct conf_file *cf)
{
	for (size_t i = 0; i < cf->n; i++) {
		free(cf->entries[i].section);
		free(cf->entries[i].key);
		free(cf->entries[i].value);
	}
	free(cf->entries);
	free(cf->path);
	memset(cf, 0, sizeof(*cf));
}

bool
conf_parse_bool(const char *s, bool *out, const char **why)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "on") == 0 || strcmp(s, "1") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "off") == 0 || strcmp(s, "0") == 0) {
		*out = false;
		return true;
	}
	*why = "expected yes or no";
	return false;
}

static bool
parse_u64(const char *s, unsigned long long *v, char **end)
{
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno == 0;
}

bool
conf_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out,
    const char **why)
{
	unsigned long long v;
	char *end;

	if (!parse_u64(s, &v, &end) || *end != '\0') {
		*why = "expected a non-negative integer";
		return false;
	}
	if (v < min || v > max) {
		*why = "value out of range";
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool
conf_parse_duration(const char *s, uint32_t min, uint32_t max, uint32_t *out,
    const char **why)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!parse_u64(s, &v, &end)) {
		*why = "expected a duration such as 3600, 90s, 15m, 2h or 1d";
		return false;
	}
	switch (*end) {
	case '\0': case 's': break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default:
		*why = "expected a duration such as 3600, 90s, 15m, 2h or 1d";
		return false;
	}
	if (*end != '\0' && end[1] != '\0') {
		*why = "expected a duration such as 3600, 90s, 15m, 2h or 1d";
		return false;
	}
	if (v > UINT32_MAX || v * mul < min || v * mul > max) {
		*why = "duration out of range";
		return false;
	}
	*out = (uint32_t)(v * mul);
	return true;
}

const char *
conf_duration_str(uint32_t secs, char *buf, size_t len)
{
	if (secs != 0 && secs % 86400 == 0)
		snprintf(buf, len, "%ud", secs / 86400);
	else if (secs != 0 && secs % 3600 == 0)
		snprintf(buf, len, "%uh", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		snprintf(buf, len, "%um", secs / 60);
	else
		snprintf(buf, len, "%us", secs);
	return buf;
}

bool
conf_parse_ifname(const char *s, size_t size)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = strlen(s);

	return n > 0 && n < size && strspn(s, ok) == n && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

/* ---- the key-table engine ---- */

int
conf_fail(struct conf_ctx *cx, int line, const char *fmt, ...)
{
	char msg[CONF_ERRLEN];
	struct conf_entry at = { .line = line };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return conf_err(cx->err, cx->errlen, cx->cf, line != 0 ? &at : NULL,
	    "%s", msg);
}

int
conf_bad(struct conf_ctx *cx, const char *expect, const char *detail)
{
	const struct conf_entry *e = cx->e;

	if (detail != NULL)
		return conf_fail(cx, e->line, "%s: expected %s, got '%s' (%s)",
		    e->key, expect, e->value, detail);
	return conf_fail(cx, e->line, "%s: expected %s, got '%s'", e->key,
	    expect, e->value);
}

/* The key of [section] name, its group and its index in seen[]. */
static const struct conf_key *
key_find(const struct conf_spec *spec, const char *section, const char *name,
    const struct conf_group **group, size_t *index, bool *section_known)
{
	size_t n = 0;

	*section_known = false;
	for (size_t g = 0; g < spec->n_groups; g++) {
		const struct conf_key *k = spec->groups[g].keys;

		for (; k->name != NULL; k++, n++) {
			if (strcmp(k->section, section) != 0)
				continue;
			*section_known = true;
			if (strcmp(k->name, name) == 0) {
				*group = &spec->groups[g];
				*index = n;
				return k;
			}
		}
	}
	return NULL;
}

const struct conf_entry *
conf_seen(const struct conf_ctx *cx, const char *section, const char *name)
{
	const struct conf_group *g;
	size_t i;
	bool known;

	if (key_find(cx->spec, section, name, &g, &i, &known) == NULL)
		return NULL;
	return cx->seen[i];
}

static int
set_value(struct conf_ctx *cx, const struct conf_key *k, void *obj,
    const char *v)
{
	void *p = (char *)obj + k->off;
	char expect[80];
	const char *why;
	uint32_t u;

	switch (k->type) {
	case CONF_BOOL:
		if (!conf_parse_bool(v, p, &why))
			return conf_bad(cx, "yes or no", NULL);
		return 0;
	case CONF_U16:
		if (!conf_parse_u32(v, k->min, k->max, &u, &why))
			return conf_bad(cx, k->expect, NULL);
		*(uint16_t *)p = (uint16_t)u;
		return 0;
	case CONF_U32:
		if (!conf_parse_u32(v, k->min, k->max, p, &why))
			return conf_bad(cx, k->expect, NULL);
		return 0;
	case CONF_DURATION:
		if (!conf_parse_duration(v, k->min, k->max, p, &why))
			return conf_bad(cx, k->expect, NULL);
		return 0;
	case CONF_PATH:
		if (v[0] != '/')
			return conf_bad(cx, "an absolute path", NULL);
		if (strlen(v) >= k->max)
			return conf_fail(cx, cx->e->line, "%s: path too long (at "
			    "most %u characters)", k->name, k->max - 1);
		snprintf(p, k->max, "%s", v);
		return 0;
	case CONF_IFNAME:
		if (!conf_parse_ifname(v, k->max)) {
			snprintf(expect, sizeof(expect), "an interface name of "
			    "1-%u letters, digits, '.', '-' or '_'", k->max - 1);
			return conf_bad(cx, expect, NULL);
		}
		snprintf(p, k->max, "%s", v);
		return 0;
	case CONF_FUNC:
		break;
	}
	return k->set(cx, obj, v);
}

static int
apply(struct conf_ctx *cx)
{
	const struct conf_file *cf = cx->cf;

	for (size_t i = 0; i < cf->n; i++) {
		const struct conf_entry *e = &cf->entries[i];
		const struct conf_group *g;
		const struct conf_key *k;
		size_t n;
		bool known;

		cx->e = e;
		k = key_find(cx->spec, e->section, e->key, &g, &n, &known);
		if (k == NULL && !known)
			return conf_fail(cx, e->line, "unknown section [%s]",
			    e->section);
		if (k == NULL)
			return conf_fail(cx, e->line, "unknown key '%s' in [%s]",
			    e->key, e->section);
		if (!k->repeat && cx->seen[n] != NULL)
			return conf_fail(cx, e->line, "%s: repeated (first set at "
			    "line %d); it may appear only once", e->key,
			    cx->seen[n]->line);
		cx->prev = cx->seen[n];
		cx->seen[n] = e;
		cx->flags = g->flags;
		if (set_value(cx, k, (char *)cx->target + g->base, e->value) != 0)
			return -1;
	}
	cx->e = NULL;
	cx->prev = NULL;
	cx->flags = 0;
	return cx->spec->check != NULL ? cx->spec->check(cx) : 0;
}

int
conf_parse(const struct conf_spec *spec, const char *name, const char *text,
    size_t len, void *target, char *err, size_t errlen)
{
	struct conf_ctx cx;
	struct conf_file cf;
	size_t n = 0;
	int rc = -1;

	for (size_t g = 0; g < spec->n_groups; g++)
		for (const struct conf_key *k = spec->groups[g].keys;
		    k->name != NULL; k++)
			n++;
	if (n > CONF_MAX_KEYS)
		abort();	/* a table too large for seen[] */
	memset(&cx, 0, sizeof(cx));
	cx.spec = spec;
	cx.target = target;
	cx.err = err;
	cx.errlen = errlen;
	if (spec->state_size > 0 &&
	    (cx.state = calloc(1, spec->state_size)) == NULL)
		snprintf(err, errlen, "%s: out of memory", name);
	else if (text != NULL)
		rc = conf_load_buf(name, text, len, &cf, err, errlen);
	else
		rc = conf_load(name, &cf, err, errlen);
	if (rc == 0) {
		cx.cf = &cf;
		rc = apply(&cx);
		cx.cf = NULL;
		conf_free(&cf);
	}
	if (spec->done != NULL)
		spec->done(&cx, rc == 0);
	free(cx.state);
	return rc;
}

int
conf_addr6(struct conf_ctx *cx, const char *v, struct in6_addr *a,
    bool any_ok)
{
	if (!addr6_parse(v, a, NULL))
		return conf_bad(cx, "an IPv6 address", NULL);
	if (any_ok && IN6_IS_ADDR_UNSPECIFIED(a))
		return 0;
	if (!addr6_is_unicast_endpoint(a))
		return conf_bad(cx, any_ok ? "a unicast IPv6 address or ::" :
		    "a unicast IPv6 address", NULL);
	return 0;
}

int
conf_listen(struct conf_ctx *cx, const char *v, struct in6_addr *list,
    unsigned *n, unsigned max)
{
	const char *key = cx->e->key;
	int line = cx->e->line;
	struct in6_addr a;

	if (conf_addr6(cx, v, &a, true) != 0)
		return -1;
	if (cx->prev == NULL)		/* the first replaces the default */
		*n = 0;
	for (unsigned i = 0; i < *n; i++) {
		if (memcmp(&list[i], &a, sizeof(a)) == 0)
			return conf_fail(cx, line, "%s: %s is already listed",
			    key, v);
		/* a v6only bind to :: takes the port on every address */
		if (IN6_IS_ADDR_UNSPECIFIED(&a) ||
		    IN6_IS_ADDR_UNSPECIFIED(&list[i]))
			return conf_fail(cx, line, "%s: :: already means every "
			    "address; give either :: or specific addresses",
			    key);
	}
	if (*n == max)
		return conf_fail(cx, line, "%s: too many addresses (at most "
		    "%u)", key, max);
	list[(*n)++] = a;
	return 0;
}

int
conf_ranges_add(struct conf_ctx *cx, struct conf_ranges *l,
    const struct range4 *r)
{
	struct conf_range *v;

	v = reallocarray(l->v, l->n + 1, sizeof(*v));
	if (v == NULL)
		return conf_fail(cx, cx->e->line, "out of memory");
	l->v = v;
	v[l->n].r = *r;
	v[l->n].line = cx->e->line;
	l->n++;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct conf_range *x = a, *y = b;

	if (x->r.first != y->r.first)
		return x->r.first < y->r.first ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

int
conf_ranges_sort(struct conf_ctx *cx, struct conf_ranges *l, const char *what)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), range_cmp);
	for (unsigned i = 1; i < l->n; i++) {
		const struct conf_range *x = &l->v[i - 1], *y = &l->v[i];

		if (y->r.first > x->r.last)
			continue;
		if (x->line > y->line) {	/* report the later line */
			const struct conf_range *t = x;

			x = y;
			y = t;
		}
		return conf_fail(cx, y->line, "%s %s overlaps %s %s at line %d",
		    what, range4_ntop(&y->r, a, sizeof(a)), what,
		    range4_ntop(&x->r, b, sizeof(b)), x->line);
	}
	return 0;
}

const struct conf_range *
conf_ranges_find(const struct conf_ranges *l, uint32_t a)
{
	for (unsigned i = 0; i < l->n; i++)
		if (a >= l->v[i].r.first && a <= l->v[i].r.last)
			return &l->v[i];
	return NULL;
}

int
conf_ranges_take(struct conf_ctx *cx, const struct conf_ranges *l,
    struct range4 **dst, unsigned *n)
{
	if (l->n == 0)
		return 0;
	if ((*dst = calloc(l->n, sizeof(**dst))) == NULL)
		return conf_fail(cx, 0, "out of memory");
	for (unsigned i = 0; i < l->n; i++)
		(*dst)[i] = l->v[i].r;
	*n = l->n;
	return 0;
}

void
conf_ranges_free(struct conf_ranges *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
