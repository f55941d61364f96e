/* json.c - the JSON writer: strict escaping, optional indentation. */
#include "common/json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

void
json_init(struct json *j, FILE *fp, int indent)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
	j->indent = indent < 0 ? 0 : indent > 8 ? 8 : indent;
}

static void
put(struct json *j, const char *s, size_t len)
{
	if (j->err == 0 && len > 0 && fwrite(s, 1, len, j->fp) != len)
		j->err = -EIO;
}

static void
put_str(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void
newline(struct json *j)
{
	if (j->indent == 0)
		return;
	put(j, "\n", 1);
	for (int i = 0; i < j->depth * j->indent; i++)
		put(j, " ", 1);
}

size_t
json_utf8_len(const char *str, size_t rem)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (rem == 0)
		return 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (rem < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static void
put_quoted(struct json *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t rem = strlen(str), run = 0, n;
	char esc[8];

	put(j, "\"", 1);
	while (rem > 0) {
		if (s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		    s[run] != '\\') {
			run++;
			rem--;
			continue;
		}
		/* flush the plain run, then handle one special character */
		put(j, (const char *)s, run);
		s += run;
		run = 0;
		if (s[0] >= 0x80) {
			if ((n = json_utf8_len((const char *)s, rem)) > 0)
				put(j, (const char *)s, n);
			else {
				n = 1;
				put_str(j, "\\ufffd");
			}
			s += n;
			rem -= n;
			continue;
		}
		switch (s[0]) {
		case '"':	put_str(j, "\\\""); break;
		case '\\':	put_str(j, "\\\\"); break;
		case '\b':	put_str(j, "\\b"); break;
		case '\f':	put_str(j, "\\f"); break;
		case '\n':	put_str(j, "\\n"); break;
		case '\r':	put_str(j, "\\r"); break;
		case '\t':	put_str(j, "\\t"); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", s[0]);
			put_str(j, esc);
			break;
		}
		s++;
		rem--;
	}
	put(j, (const char *)s, run);
	put(j, "\"", 1);
}

/* Separator, indentation and key before a value; false on misuse. */
static bool
value_start(struct json *j, const char *key)
{
	bool obj = j->depth > 0 && j->in_object[j->depth];

	if (j->err != 0)
		return false;
	if ((key != NULL) != obj) {
		j->err = -EINVAL;
		return false;
	}
	if (j->depth > 0) {
		if (j->has_items[j->depth])
			put(j, ",", 1);
		j->has_items[j->depth] = true;
		newline(j);
	}
	if (key != NULL) {
		put_quoted(j, key);
		put(j, j->indent > 0 ? ": " : ":", j->indent > 0 ? 2 : 1);
	}
	return true;
}

static void
value_end(struct json *j)
{
	if (j->depth == 0)
		put(j, "\n", 1);
}

static void
begin(struct json *j, const char *key, bool object)
{
	if (j->err == 0 && j->depth >= JSON_MAX_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	if (!value_start(j, key))
		return;
	put(j, object ? "{" : "[", 1);
	j->depth++;
	j->in_object[j->depth] = object;
	j->has_items[j->depth] = false;
}

static void
end(struct json *j, bool object)
{
	if (j->err != 0)
		return;
	if (j->depth == 0 || j->in_object[j->depth] != object) {
		j->err = -EINVAL;
		return;
	}
	j->depth--;
	if (j->has_items[j->depth + 1])
		newline(j);
	put(j, object ? "}" : "]", 1);
	value_end(j);
}

void
json_begin_object(struct json *j, const char *key)
{
	begin(j, key, true);
}

void
json_end_object(struct json *j)
{
	end(j, true);
}

void
json_begin_array(struct json *j, const char *key)
{
	begin(j, key, false);
}

void
json_end_array(struct json *j)
{
	end(j, false);
}

void
json_string(struct json *j, const char *key, const char *s)
{
	if (!value_start(j, key))
		return;
	if (s == NULL)
		put_str(j, "null");
	else
		put_quoted(j, s);
	value_end(j);
}

void
json_int(struct json *j, const char *key, int64_t v)
{
	char buf[32];

	if (!value_start(j, key))
		return;
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	put_str(j, buf);
	value_end(j);
}

void
json_uint(struct json *j, const char *key, uint64_t v)
{
	char buf[32];

	if (!value_start(j, key))
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	put_str(j, buf);
	value_end(j);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	if (!value_start(j, key))
		return;
	put_str(j, v ? "true" : "false");
	value_end(j);
}

void
json_null(struct json *j, const char *key)
{
	if (!value_start(j, key))
		return;
	put_str(j, "null");
	value_end(j);
}

int
json_finish(struct json *j)
{
	if (j->err == 0 && j->depth != 0)
		j->err = -EINVAL;
	if (fflush(j->fp) != 0 && j->err == 0)
		j->err = -EIO;
	return j->err;
}
