/* test_ctl_print.c - dstmctl's formatting helpers and the JSON shapes
 * scripts depend on (key names, null for "never", status names). */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
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
	    "\"expires_in\":3600,\"static\":false,\"t1\":1800,\"t2\":2880,\"tep6\":"
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
	    "\"pool-exhausted\",\"code\":1,\"message\":\"pool exhausted\","
	    "\"error\":{\"type\":\"refused\",\"message\":\"pool exhausted\","
	    "\"exit_code\":1}}\n");
	o.cmd = "revoke";
	cap_begin();
	print_refusal(&o, DSTM_NO_SUCH_LEASE, "198.51.100.9 has no lease");
	ck_assert_str_eq(cap_end(), "{\"command\":\"revoke\",\"status\":"
	    "\"no-such-lease\",\"code\":7,\"message\":\"no such lease\","
	    "\"detail\":\"198.51.100.9 has no lease\",\"error\":{\"type\":"
	    "\"refused\",\"message\":\"no such lease\",\"detail\":"
	    "\"198.51.100.9 has no lease\",\"exit_code\":1}}\n");
	/* rpcd could not reach the server: exit 3, as dstmctl(8) says */
	o.cmd = "lease";
	cap_begin();
	print_refusal(&o, DSTM_UNREACHABLE, "alloc: RPC: Timed out");
	ck_assert_ptr_nonnull(strstr(cap_end(), "\"status\":"
	    "\"server-unreachable\",\"code\":16,"));
	ck_assert_ptr_nonnull(strstr(out, "\"type\":\"unreachable\""));
	ck_assert_ptr_nonnull(strstr(out, "\"exit_code\":3}}\n"));
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
	ck_assert_int_eq(print_leases(&o, &l, false, NULL), 0);
	ck_assert_str_eq(cap_end(), "{\"command\":\"leases\",\"status\":\"ok\","
	    "\"code\":0,\"now\":1000,\"leases\":[{\"address\":"
	    "\"198.51.100.7\",\"state\":\"bound\",\"client\":"
	    "\"2001:db8:1::10\",\"expires\":4598,\"expires_in\":3598,"
	    "\"since\":998,\"pkts_in\":3,\"bytes_in\":0,\"pkts_out\":0,"
	    "\"bytes_out\":18446744073709551615,\"last_seen\":995},"
	    "{\"address\":\"198.51.100.9\",\"state\":\"static\",\"client\":"
	    "\"2001:db8:1::11\",\"expires\":null,\"expires_in\":null,"
	    "\"since\":null,\"pkts_in\":0,\"bytes_in\":0,\"pkts_out\":0,"
	    "\"bytes_out\":0,\"last_seen\":null}],\"count\":2,"
	    "\"truncated\":false,\"next\":null}\n");
	/* a page: where the rest starts */
	cap_begin();
	ck_assert_int_eq(print_leases(&o, &l, true, "198.51.100.10"), 0);
	ck_assert_ptr_nonnull(strstr(cap_end(), "\"count\":2,"
	    "\"truncated\":true,\"next\":\"198.51.100.10\"}\n"));
	o.json = 0;
	cap_begin();
	ck_assert_int_eq(print_leases(&o, &l, true, "198.51.100.10"), 0);
	ck_assert_ptr_nonnull(strstr(cap_end(), "2 leases: 1 bound, 1 static, "
	    "0 held (more: --from 198.51.100.10)\n"));
	cap_begin();
	ck_assert_int_eq(print_leases(&o, &l, false, NULL), 0);
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


START_TEST(errors_json)
{
	struct out o = { "leases", 1 };

	cap_begin();
	ck_assert_int_eq(print_error(&o, "usage", "'x' is not an address", 2),
	    0);
	ck_assert_str_eq(cap_end(), "{\"command\":\"leases\",\"status\":"
	    "\"usage\",\"code\":null,\"error\":{\"type\":\"usage\","
	    "\"message\":\"'x' is not an address\",\"exit_code\":2}}\n");
	o.cmd = NULL;		/* no command yet */
	cap_begin();
	print_error(&o, "unreachable", "cannot connect", 3);
	ck_assert_ptr_nonnull(strstr(cap_end(), "{\"command\":null,"));
	o.json = 0;
	cap_begin();
	print_error(&o, "usage", "x", 2);
	ck_assert_str_eq(cap_end(), "");
}
END_TEST

/* The client's lease: the keys of every other lease object, expires_in
 * (not "remaining") and expires. */
START_TEST(client_status_json)
{
	struct out o = { "status", 1 };
	dstm_counter ctr[2] = { { "requests.alloc", 2 },
	    { "tunnel.drop.not_from_tep", 1 } };
	dstm_client_status st;

	memset(&st, 0, sizeof(st));
	st.mode = "always";
	st.ifname = "dti0";
	st.server = "2001:db8:1::1";
	in6(st.source, "2001:db8:1::10");
	fill_lease(&st.lease);
	st.lease.lease_time = 3590;
	st.expires = 5000;
	st.last_error_msg = "";
	st.counters.counters_len = 2;
	st.counters.counters_val = ctr;
	cap_begin();
	ck_assert_int_eq(print_client_status(&o, &st, "bound"), 0);
	ck_assert_str_eq(cap_end(), "{\"command\":\"status\",\"status\":\"ok\","
	    "\"code\":0,\"state\":\"bound\",\"mode\":\"always\",\"interface\":"
	    "\"dti0\",\"server\":\"2001:db8:1::1\",\"source\":"
	    "\"2001:db8:1::10\",\"lease\":{\"address\":\"198.51.100.7\","
	    "\"lease_time\":3590,\"expires_in\":3590,\"static\":false,"
	    "\"t1\":1800,\"t2\":2880,\"tep6\":\"2001:db8:1::1\",\"tep4\":"
	    "\"192.0.0.1\",\"mtu\":1460,\"port_min\":0,\"port_max\":65535,"
	    "\"expires\":5000},\"last_error\":null,\"counters\":{"
	    "\"requests.alloc\":2,\"tunnel.drop.not_from_tep\":1}}\n");
	st.lease.status = DSTM_NO_SUCH_LEASE;
	cap_begin();
	print_client_status(&o, &st, "idle");
	ck_assert_ptr_nonnull(strstr(cap_end(), "\"lease\":null,"));
}
END_TEST

START_TEST(config_out)
{
	struct out o = { "config", 0 };

	cap_begin();
	ck_assert_int_eq(print_config(&o, "[server]\nport = 7545\n"), 0);
	ck_assert_str_eq(cap_end(), "[server]\nport = 7545\n");
	o.json = 1;
	cap_begin();
	print_config(&o, "[server]\nport = 7545\n");
	ck_assert_str_eq(cap_end(), "{\"command\":\"config\",\"status\":\"ok\","
	    "\"code\":0,\"config\":\"[server]\\nport = 7545\\n\"}\n");
}
END_TEST

/* OpenMetrics, checked as a scraper would: a TYPE before every family's
 * samples, names [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in _total,
 * "# EOF" last. */
static bool
om_name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' ||
	    s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' ||
		    s[i] == ':'))
			return false;
	return true;
}

static unsigned
om_check(const char *text)
{
	char type_of[64][80], kind[64][8];
	unsigned nt = 0, samples = 0;
	const char *line = text, *eol;

	ck_assert_ptr_nonnull(text);
	for (; *line != '\0'; line = eol + 1) {
		char name[80], k[8];
		size_t n;

		eol = strchr(line, '\n');
		ck_assert_ptr_nonnull(eol);
		if (strncmp(line, "# EOF\n", 6) == 0) {
			ck_assert_str_eq(line, "# EOF\n");	/* the end */
			return samples;
		}
		if (sscanf(line, "# TYPE %79s %7s", name, k) == 2) {
			ck_assert(om_name_ok(name, strlen(name)));
			ck_assert_uint_lt(nt, 64);
			for (unsigned i = 0; i < nt; i++)	/* once */
				ck_assert_str_ne(type_of[i], name);
			snprintf(type_of[nt], sizeof(type_of[0]), "%s", name);
			snprintf(kind[nt++], sizeof(kind[0]), "%s", k);
			continue;
		}
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		ck_assert_msg(line[0] != '#', "stray comment: %.*s",
		    (int)(eol - line), line);
		n = strcspn(line, "{ ");
		ck_assert_msg(om_name_ok(line, n), "bad name: %.*s",
		    (int)(eol - line), line);
		/* the sample belongs to the family declared last */
		ck_assert_uint_gt(nt, 0);
		if (strcmp(kind[nt - 1], "counter") == 0) {
			ck_assert_uint_eq(n, strlen(type_of[nt - 1]) + 6);
			ck_assert(strncmp(line + n - 6, "_total", 6) == 0);
		} else {
			ck_assert_str_eq(kind[nt - 1], "gauge");
			ck_assert_uint_eq(n, strlen(type_of[nt - 1]));
		}
		ck_assert(strncmp(line, type_of[nt - 1],
		    strlen(type_of[nt - 1])) == 0);
		ck_assert_ptr_nonnull(strstr(line, "daemon=\"rpcdstmd\""));
		samples++;
	}
	ck_abort_msg("no # EOF");
	return 0;
}

START_TEST(openmetrics)
{
	dstm_counter ctr[] = {
		{ "requests.alloc", 5 }, { "replies.ok", 4 },
		{ "replies.pool_exhausted", 1 },
		{ "replies.rate_limited.unproven", 2 },
		{ "gateway.bindings", 3 },
		{ "gateway.drop.bad_destination", 7 },
		{ "gateway.backend.tun", 1 },
		{ "gateway.drop.expired", 0 },
		{ "requests.version1", 9 },	/* after replies: regrouped */
		{ "odd name\"\n", 1 },		/* a daemon may send anything */
		{ "stats.since", 1700000000 },
	};
	dstm_stats s;
	dstm_pool_info p;
	const char *t;

	memset(&s, 0, sizeof(s));
	memset(&p, 0, sizeof(p));
	s.uptime = 42;
	s.counters.counters_len = sizeof(ctr) / sizeof(ctr[0]);
	s.counters.counters_val = ctr;
	p.size = 10;
	p.free = 6;
	p.bound = 3;
	p.held = 1;
	cap_begin();
	ck_assert_int_eq(print_openmetrics(&s, &p, "rpcdstmd",
	    METRICS_OPENMETRICS), 0);
	t = cap_end();
	ck_assert_uint_eq(om_check(t), 1 + 11 + 4);
	ck_assert_ptr_nonnull(strstr(t, "# TYPE dstm_requests counter\n"
	    "dstm_requests_total{daemon=\"rpcdstmd\",procedure=\"alloc\"} 5\n"
	    "dstm_requests_total{daemon=\"rpcdstmd\",procedure=\"version1\"} "
	    "9\n"));
	ck_assert_ptr_nonnull(strstr(t, "dstm_replies_total{daemon="
	    "\"rpcdstmd\",status=\"pool_exhausted\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE dstm_replies_rate_limited_"
	    "unproven counter\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE dstm_gateway_bindings gauge\n"
	    "dstm_gateway_bindings{daemon=\"rpcdstmd\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(t, "dstm_gateway_drop_total{daemon="
	    "\"rpcdstmd\",reason=\"bad_destination\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE dstm_gateway_backend gauge\n"));
	ck_assert_ptr_nonnull(strstr(t, "dstm_pool_addresses{daemon="
	    "\"rpcdstmd\",state=\"free\"} 6\n"));
	ck_assert_ptr_nonnull(strstr(t, "dstm_uptime_seconds{daemon="
	    "\"rpcdstmd\"} 42\n"));
	ck_assert_ptr_nonnull(strstr(t, "dstm_odd_name___total{"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE dstm_stats_since gauge\n"));
	/* the 0.0.4 text for node_exporter: TYPE names the sample */
	cap_begin();
	ck_assert_int_eq(print_openmetrics(&s, &p, "rpcdstmd",
	    METRICS_PROMETHEUS), 0);
	t = cap_end();
	ck_assert_ptr_null(strstr(t, "# EOF"));
	ck_assert_ptr_nonnull(strstr(t, "# HELP dstm_requests_total Requests, "
	    "by procedure.\n# TYPE dstm_requests_total counter\n"
	    "dstm_requests_total{daemon=\"rpcdstmd\",procedure=\"alloc\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE dstm_gateway_bindings gauge\n"
	    "dstm_gateway_bindings{daemon=\"rpcdstmd\"} 3\n"));
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
	tcase_add_test(tc, errors_json);
	tcase_add_test(tc, client_status_json);
	tcase_add_test(tc, config_out);
	tcase_add_test(tc, openmetrics);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
