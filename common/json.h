/* json.h - a tiny streaming JSON writer (no parser).
 *
 *	struct json j;
 *	json_init(&j, stdout, 0);
 *	json_begin_object(&j, NULL);
 *	json_string(&j, "status", "ok");
 *	json_begin_array(&j, "leases");
 *	json_end_array(&j);
 *	json_end_object(&j);
 *	if (json_finish(&j) != 0) ...
 *
 * Inside an object every value needs a key; inside an array and at the top
 * level the key must be NULL.  Misuse and write errors are remembered (the
 * first one) and reported by json_finish(); after an error nothing more is
 * written.  A newline follows each complete top-level value. */
#ifndef DSTM_JSON_H
#define DSTM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

struct json {
	FILE	*fp;
	int	 indent;	/* spaces per level; 0 = all on one line */
	int	 depth;
	int	 err;		/* 0, -EINVAL (misuse) or -EIO */
	bool	 in_object[JSON_MAX_DEPTH + 1];
	bool	 has_items[JSON_MAX_DEPTH + 1];
};

void json_init(struct json *j, FILE *fp, int indent);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
/* Escapes '"', '\\' and control characters; valid UTF-8 passes through,
 * invalid bytes become U+FFFD.  NULL writes null. */
void json_string(struct json *j, const char *key, const char *s);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Length of the valid UTF-8 sequence starting at s (rem bytes left), 0
 * when s[0] does not start one: no overlong forms, no surrogates, nothing
 * above U+10FFFF. */
size_t json_utf8_len(const char *s, size_t rem);
/* 0 when every container was closed and nothing failed, else the error;
 * flushes the stream. */
int  json_finish(struct json *j);

#endif
