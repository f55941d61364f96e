/* test_json.c - the JSON writer: escaping, UTF-8, nesting, numbers,
 * misuse and write errors. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

static char *buf;
static size_t buflen;
static FILE *mem;
static struct json j;

static void
open_mem(int indent)
{
	mem = open_memstream(&buf, &buflen);
	ck_assert_ptr_nonnull(mem);
	json_init(&j, mem, indent);
}

static void
setup(void)
{
	open_mem(0);
}

static void
teardown(void)
{
	if (mem != NULL)
		fclose(mem);
	free(buf);
	mem = NULL;
	buf = NULL;
}

/* Finish, expect rc, compare the whole output. */
static void
expect(int rc, const char *want)
{
	ck_assert_int_eq(json_finish(&j), rc);
	ck_assert_str_eq(buf, want);
}

/* One string value in an array, as written. */
static const char *
str1(const char *s)
{
	teardown();
	open_mem(0);
	json_begin_array(&j, NULL);
	json_string(&j, NULL, s);
	json_end_array(&j);
	ck_assert_int_eq(json_finish(&j), 0);
	return buf;
}

START_TEST(empty_containers)
{
	json_begin_object(&j, NULL);
	json_begin_array(&j, "a");
	json_end_array(&j);
	json_begin_object(&j, "o");
	json_end_object(&j);
	json_end_object(&j);
	expect(0, "{\"a\":[],\"o\":{}}\n");
}
END_TEST

START_TEST(nesting)
{
	json_begin_object(&j, NULL);
	json_string(&j, "command", "leases");
	json_begin_array(&j, "leases");
	json_begin_object(&j, NULL);
	json_string(&j, "address", "198.51.100.1");
	json_bool(&j, "static", true);
	json_null(&j, "expires");
	json_end_object(&j);
	json_begin_array(&j, NULL);
	json_int(&j, NULL, 1);
	json_bool(&j, NULL, false);
	json_string(&j, NULL, NULL);
	json_end_array(&j);
	json_end_array(&j);
	json_end_object(&j);
	expect(0, "{\"command\":\"leases\",\"leases\":[{\"address\":"
	    "\"198.51.100.1\",\"static\":true,\"expires\":null},"
	    "[1,false,null]]}\n");
}
END_TEST

START_TEST(indented)
{
	teardown();
	open_mem(2);
	json_begin_object(&j, NULL);
	json_int(&j, "a", 1);
	json_begin_array(&j, "b");
	json_int(&j, NULL, 2);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_end_array(&j);
	json_begin_array(&j, "c");
	json_end_array(&j);
	json_end_object(&j);
	expect(0, "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    {}\n  ],\n"
	    "  \"c\": []\n}\n");
}
END_TEST

START_TEST(top_level_values)
{
	json_int(&j, NULL, 7);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_string(&j, NULL, "x");
	expect(0, "7\n{}\n\"x\"\n");
}
END_TEST

START_TEST(escapes)
{
	ck_assert_str_eq(str1("plain text 123"), "[\"plain text 123\"]\n");
	ck_assert_str_eq(str1("q\"b\\s/"), "[\"q\\\"b\\\\s/\"]\n");
	ck_assert_str_eq(str1("\b\f\n\r\t"), "[\"\\b\\f\\n\\r\\t\"]\n");
	ck_assert_str_eq(str1("\x01\x1f\x7f"), "[\"\\u0001\\u001f\x7f\"]\n");
	ck_assert_str_eq(str1("a\x1b[0mb"), "[\"a\\u001b[0mb\"]\n");
	ck_assert_str_eq(str1(""), "[\"\"]\n");
}
END_TEST

START_TEST(keys_escaped)
{
	json_begin_object(&j, NULL);
	json_uint(&j, "we\"ird\nkey", 1);
	json_end_object(&j);
	expect(0, "{\"we\\\"ird\\nkey\":1}\n");
}
END_TEST

START_TEST(utf8_passthrough)
{
	/* 2-, 3- and 4-byte sequences, edges of the valid ranges */
	ck_assert_str_eq(str1("caf\xc3\xa9"), "[\"caf\xc3\xa9\"]\n");
	ck_assert_str_eq(str1("\xe2\x82\xac 5"), "[\"\xe2\x82\xac 5\"]\n");
	ck_assert_str_eq(str1("\xf0\x9f\x98\x80"), "[\"\xf0\x9f\x98\x80\"]\n");
	ck_assert_str_eq(str1("\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"
	    "\xf4\x8f\xbf\xbf"), "[\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"
	    "\xf4\x8f\xbf\xbf\"]\n");
	ck_assert_str_eq(str1("\xed\x9f\xbf"), "[\"\xed\x9f\xbf\"]\n");
}
END_TEST

START_TEST(utf8_invalid)
{
	/* stray continuation, invalid lead bytes, overlong forms,
	 * surrogates, above U+10FFFF, truncated sequences */
	ck_assert_str_eq(str1("a\x80z"), "[\"a\\ufffdz\"]\n");
	ck_assert_str_eq(str1("\xff\xfe"), "[\"\\ufffd\\ufffd\"]\n");
	ck_assert_str_eq(str1("\xc0\xaf"), "[\"\\ufffd\\ufffd\"]\n");
	ck_assert_str_eq(str1("\xe0\x80\xaf"),
	    "[\"\\ufffd\\ufffd\\ufffd\"]\n");
	ck_assert_str_eq(str1("\xed\xa0\x80"),
	    "[\"\\ufffd\\ufffd\\ufffd\"]\n");
	ck_assert_str_eq(str1("\xf4\x90\x80\x80"),
	    "[\"\\ufffd\\ufffd\\ufffd\\ufffd\"]\n");
	ck_assert_str_eq(str1("\xe2\x82"), "[\"\\ufffd\\ufffd\"]\n");
	ck_assert_str_eq(str1("\xe2\x82x"), "[\"\\ufffd\\ufffdx\"]\n");
	ck_assert_str_eq(str1("\xc3"), "[\"\\ufffd\"]\n");
}
END_TEST

START_TEST(numbers)
{
	json_begin_array(&j, NULL);
	json_int(&j, NULL, 0);
	json_int(&j, NULL, -1);
	json_int(&j, NULL, INT64_MIN);
	json_int(&j, NULL, INT64_MAX);
	json_uint(&j, NULL, UINT64_MAX);
	json_uint(&j, NULL, 4294967295u);
	json_end_array(&j);
	expect(0, "[0,-1,-9223372036854775808,9223372036854775807,"
	    "18446744073709551615,4294967295]\n");
}
END_TEST

START_TEST(misuse_key_in_array)
{
	json_begin_array(&j, NULL);
	json_int(&j, "k", 1);
	json_int(&j, NULL, 2);		/* nothing more after an error */
	json_end_array(&j);
	expect(-EINVAL, "[");
}
END_TEST

START_TEST(misuse_no_key_in_object)
{
	json_begin_object(&j, NULL);
	json_string(&j, NULL, "v");
	json_end_object(&j);
	expect(-EINVAL, "{");
}
END_TEST

START_TEST(misuse_key_at_top)
{
	json_int(&j, "k", 1);
	expect(-EINVAL, "");
}
END_TEST

START_TEST(misuse_unbalanced)
{
	json_begin_object(&j, NULL);
	json_end_array(&j);
	ck_assert_int_eq(json_finish(&j), -EINVAL);
	teardown();
	open_mem(0);
	json_end_object(&j);
	ck_assert_int_eq(json_finish(&j), -EINVAL);
	teardown();
	open_mem(0);
	json_begin_array(&j, NULL);
	expect(-EINVAL, "[");
}
END_TEST

START_TEST(depth_limit)
{
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_begin_array(&j, NULL);
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		json_end_array(&j);
	ck_assert_int_eq(json_finish(&j), 0);
	teardown();
	open_mem(0);
	for (int i = 0; i <= JSON_MAX_DEPTH; i++)
		json_begin_array(&j, NULL);
	ck_assert_int_eq(json_finish(&j), -EINVAL);
	ck_assert_uint_eq(strlen(buf), JSON_MAX_DEPTH);
}
END_TEST

START_TEST(write_error)
{
	struct json w;
	FILE *full = fopen("/dev/full", "w");

	if (full == NULL)
		return;		/* no /dev/full in this sandbox */
	json_init(&w, full, 0);
	json_begin_object(&w, NULL);
	json_string(&w, "k", "v");
	json_end_object(&w);
	ck_assert_int_eq(json_finish(&w), -EIO);
	fclose(full);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("writer");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_containers);
	tcase_add_test(tc, nesting);
	tcase_add_test(tc, indented);
	tcase_add_test(tc, top_level_values);
	tcase_add_test(tc, escapes);
	tcase_add_test(tc, keys_escaped);
	tcase_add_test(tc, utf8_passthrough);
	tcase_add_test(tc, utf8_invalid);
	tcase_add_test(tc, numbers);
	tcase_add_test(tc, misuse_key_in_array);
	tcase_add_test(tc, misuse_no_key_in_object);
	tcase_add_test(tc, misuse_key_at_top);
	tcase_add_test(tc, misuse_unbalanced);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, write_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
