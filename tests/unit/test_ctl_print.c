/* test_ctl_print.c - dstmctl's formatting helpers and the JSON shapes
 * scripts depend on (key names, null for "never", status names). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/ctl_print.h"
#include "common/addr.h"
#include "rpc/dstm.h"

static FILE *cap;
static int saved_fd = -1;
static char out[8192];

static void
cap_begin(void)
{
	fflush(stdout);
	cap = tmpfile();
	ck_assert_ptr_nonnull(cap);
	saved_fd = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved_fd, 0);
	ck_assert_int_ge(dup2(fileno(cap), STDOUT_FILENO), 0);
}

static const char *
cap_end(void)
{
	size_t n;

	fflush(stdout);
	dup2(saved_fd, STDOUT_FILENO);
	close(saved_fd);
	rewind(cap);
	n = fread(out, 1, sizeof(out) - 1, cap);
	out[n] = '\0';
	fclose(cap);
	return out;
}

static void
in4(char *w, const char *s)
{
	uint32_t a;

	ck_assert(addr4_parse(s, &a, NULL));
	addr4_to_bytes(a, (uint8_t *)w);
}

static void
in6(char *w, const char *s)
{
	struct in6_addr a;

	ck_assert(addr6_parse(s, &a, NULL));
	memcpy(w, &a, sizeof(a));
}

START_TEST(durations)
{
	char b[32];

	ck_assert_str_eq(fmt_duration(0, b, sizeof(b)), "0s");
	ck_assert_str_eq(fmt_duration(-5, b, sizeof(b)), "0s");
	ck_assert_str_eq(fmt_duration(59, b, sizeof(b)), "59s");
	ck_assert_str_eq(fmt_duration(60, b, sizeof(b)), "1m0s");
	ck_assert_str_eq(fmt_duration(3598, b, sizeof(b)), "59m58s");
	ck_assert_str_eq(fmt_duration(3600, b, sizeof(b)), "1h0m0s");
	ck_assert_str_eq(fmt_duration(93784, b, sizeof(b)), "1d2h3m4s");
	ck_assert_str_eq(fmt_duration(4294967294LL, b, sizeof(b)),
	    "49710d6h28m14s");
}
END_TEST

START_TEST(bytes)
{
	char b[32];

	ck_assert_str_eq(fmt_bytes(0, b, sizeof(b)), "0 B");
	ck_assert_str_eq(fmt_bytes(1023, b, sizeof(b)), "1023 B");
	ck_assert_str_eq(fmt_bytes(1024, b, sizeof(b)), "1.0 KiB");
	ck_assert_str_eq(fmt_bytes(1536, b, sizeof(b)), "1.5 KiB");
	ck_assert_str_eq(fmt_bytes(5ULL << 30, b, sizeof(b)), "5.0 GiB");
	ck_assert_str_eq(fmt_bytes(UINT64_MAX, b, sizeof(b)), "16.0 EiB");
}
END_TEST

START_TEST(clean)
{
	char b[64];

	ck_assert_str_eq(text_clean("plain", b, sizeof(b)), "plain");
	ck_assert_str_eq(text_clean("a\x1b[2Jb\n", b, sizeof(b)),
	    "a\\x1b[2Jb\\x0a");
	ck_assert_str_eq(text_clean("caf\xc3\xa9 \xff", b, sizeof(b)),
	    "caf\xc3\xa9 \\xff");
	/* cut, never overflow, never half an escape */
	ck_assert_str_eq(text_clean("abcdef", b, 4), "abc");
	ck_assert_str_eq(text_clean("ab\x01", b, 5), "ab");
	ck_assert_str_eq(text_clean("x", b, 0), "");
}
END_TEST

static void
fill_lease(dstm_lease *l)
{
	memset(l, 0, sizeof(*l));
	in4(l->addr, "198.51.100.7");
	l->lease_time = 3600;
	l->t1 = 1800;
	l->t2 = 2880;
	in6(l->tep6, "2001:db8:1::1");
	in4(l->tep4, "192.0.0.1");
	l->mtu = 1460;
	l->port_max = 65535;
}

START_TEST(lease_json)
{
	struct out o = { "alloc", 1 };
	dstm_lease l;

	fill_lease(&l);
	cap_begin();
	ck_assert_int_eq(print_lease(&o, &l), 0);
	ck_assert_str_eq(cap_end(), "{\"command\":\"alloc\",\"status\":\"ok\","
	    "\"code\":0,\"address\":\"198.51.100.7\",\"lease_time\":3600,"
	    "\"static\":false,\"t1\":1800,\"t2\":2880,\"tep6\":"
	    "\"2001:db8:1::1\",\"tep4\":\"192.0.0.1\",\"mtu\":1460,"
	    "\"port_min\":0,\"port_max\":65535}\n");
}
END_TEST

START_TEST(lease_text)
{
	struct out o = { "alloc", 0 };
	dstm_lease l;

	fill_lease(&l);
	cap_begin();
	ck_assert_int_eq(print_lease(&o, &l), 0);
	ck_assert_str_eq(cap_end(),
	    "address     198.51.100.7\n"
	    "lease time  1h0m0s (renew in 30m0s, rebind in 48m0s)\n"
	    "tep6        2001:db8:1::1\n"
	    "tep4        192.0.0.1\n"
	    "mtu         1460\n"
	    "ports       0-65535\n");
}
END_TEST

START_TEST(refusal)
{
	struct out o = { "alloc", 1 };

	cap_begin();
	ck_assert_int_eq(print_refusal(&o, DSTM_POOL_EXHAUSTED, NULL), 0);
	ck_assert_str_eq(cap_end(), "{\"command\":\"alloc\",\"status\":"
	    "\"pool-exhausted\",\"code\":1,\"message\":\"pool exhausted\"}\n");
	o.cmd = "revoke";
	cap_begin();
	print_refusal(&o, DSTM_NO_SUCH_LEASE, "198.51.100.9 has no lease");
	ck_assert_str_eq(cap_end(), "{\"command\":\"revoke\",\"status\":"
	    "\"no-such-lease\",\"code\":7,\"message\":\"no such lease\","
	    "\"detail\":\"198.51.100.9 has no lease\"}\n");
	o.json = 0;		/* text mode: errors go to stderr only */
	cap_begin();
	print_refusal(&o, DSTM_DENIED, NULL);
	ck_assert_str_eq(cap_end(), "");
}
END_TEST

START_TEST(leases_json)
{
	struct out o = { "leases", 1 };
	dstm_lease_entry e[2];
	dstm_lease_list l;

	memset(&l, 0, sizeof(l));
	memset(e, 0, sizeof(e));
	l.now = 1000;
	l.entries.entries_len = 2;
	l.entries.entries_val = e;
	in4(e[0].addr, "198.51.100.7");
	in6(e[0].client, "2001:db8:1::10");
	e[0].state = DSTM_LS_BOUND;
	e[0].expires = 4598;
	e[0].since = 998;
	e[0].pkts_in = 3;
	e[0].bytes_out = UINT64_MAX;
	e[0].last_seen = 995;
	in4(e[1].addr, "198.51.100.9");
	in6(e[1].client, "2001:db8:1::11");
	e[1].state = DSTM_LS_STATIC;
	cap_begin();
	ck_assert_int_eq(print_leases(&o, &l), 0);
	ck_assert_str_eq(cap_end(), "{\"command\":\"leases\",\"status\":\"ok\","
	    "\"code\":0,\"now\":1000,\"leases\":[{\"address\":"
	    "\"198.51.100.7\",\"state\":\"bound\",\"client\":"
	    "\"2001:db8:1::10\",\"expires\":4598,\"expires_in\":3598,"
	    "\"since\":998,\"pkts_in\":3,\"bytes_in\":0,\"pkts_out\":0,"
	    "\"bytes_out\":18446744073709551615,\"last_seen\":995},"
	    "{\"address\":\"198.51.100.9\",\"state\":\"static\",\"client\":"
	    "\"2001:db8:1::11\",\"expires\":null,\"expires_in\":null,"
	    "\"since\":null,\"pkts_in\":0,\"bytes_in\":0,\"pkts_out\":0,"
	    "\"bytes_out\":0,\"last_seen\":null}],\"truncated\":false}\n");
	o.json = 0;
	cap_begin();
	ck_assert_int_eq(print_leases(&o, &l), 0);
	ck_assert_str_eq(cap_end(),
	    "ADDRESS       STATE   CLIENT          EXPIRES  PKTS-IN  "
	    "BYTES-IN  PKTS-OUT  BYTES-OUT  LAST-SEEN\n"
	    "198.51.100.7  bound   2001:db8:1::10  59m58s         3       "
	    "0 B         0   16.0 EiB  5s ago\n"
	    "198.51.100.9  static  2001:db8:1::11  never          0       "
	    "0 B         0        0 B  -\n"
	    "2 leases: 1 bound, 1 static, 0 held\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl_print");
	TCase *tc = tcase_create("format");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, durations);
	tcase_add_test(tc, bytes);
	tcase_add_test(tc, clean);
	tcase_add_test(tc, lease_json);
	tcase_add_test(tc, lease_text);
	tcase_add_test(tc, refusal);
	tcase_add_test(tc, leases_json);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
