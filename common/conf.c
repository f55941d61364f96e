/* conf.c - "[section] / key = value" config files. */
#include "common/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
