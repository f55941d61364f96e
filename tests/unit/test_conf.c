/* test_conf.c - rpcdstmd.conf: the golden files in tests/conf (NAME.in
 * with NAME.ok, the canonical print, or NAME.err, the one error line),
 * then defaults, durations and every validation rule one by one; the
 * key-table engine itself (common/conf.c) on a made-up config; rpcd.conf's
 * golden files in tests/rpcdconf. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/rpcd_conf.h"
#include "common/conf.h"
#include "server/conf.h"
#include "tests/unit/conf_helpers.h"

#define A4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define MIN_CASES 15
#define MIN_RPCD_CASES 20

/* the round trip keeps the pool */
static void
same(const void *c, const void *again)
{
	ck_assert_uint_eq(server_conf_pool_size(c),
	    server_conf_pool_size(again));
}

CONF_OPS(ops, struct server_conf, server_conf_load, server_conf_load_buf,
    server_conf_print, server_conf_free, same);

static void
rpcd_conf_forget(struct rpcd_conf *c)	/* nothing allocated */
{
	(void)c;
}

CONF_OPS(rpcd_ops, struct rpcd_conf, rpcd_conf_load, rpcd_conf_load_buf,
    rpcd_conf_print, rpcd_conf_forget, NULL);

static int
load_str(const char *text, struct server_conf *c, char *err, size_t errlen)
{
	return server_conf_load_buf("t.conf", text, strlen(text), c, err,
	    errlen);
}

static void
expect_ok(const char *text, struct server_conf *c)
{
	char err[CONF_ERRLEN];

	ck_assert_msg(load_str(text, c, err, sizeof(err)) == 0,
	    "unexpected error: %s", err);
	assert_round_trip(&ops, c);
}

static void
expect_err(const char *text, const char *msg)
{
	struct server_conf c;
	char err[CONF_ERRLEN];

	memset(&c, 0xa5, sizeof(c));
	ck_assert_msg(load_str(text, &c, err, sizeof(err)) == -1,
	    "loaded, expected \"%s\"", msg);
	ck_assert_str_eq(err, msg);
	assert_freed(&ops, &c);
}

#define POOL "[pool]\nrange = 198.51.100.0/24\n"

START_TEST(sample_config)
{
	struct server_conf c;
	char err[CONF_ERRLEN];

	ck_assert_msg(server_conf_load("etc/rpcdstmd.conf", &c, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(server_conf_pool_size(&c), 254);
	ck_assert(c.gw_enable);
	ck_assert_uint_eq(c.n_allow, 1);
	assert_round_trip(&ops, &c);
	server_conf_free(&c);
}
END_TEST

START_TEST(defaults)
{
	struct server_conf c;

	server_conf_defaults(&c);
	ck_assert_uint_eq(c.n_listen, 1);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&c.listen[0]));
	ck_assert_uint_eq(c.port, 7545);
	ck_assert_str_eq(c.state_dir, "/var/lib/dstm");
	ck_assert_str_eq(c.control_socket, "/run/dstm/rpcdstmd.sock");
	ck_assert_str_eq(c.pid_file, "/run/rpcdstmd.pid");
	ck_assert_uint_eq(c.control_mode, 0600);
	ck_assert_uint_eq(c.lease_time, 3600);
	ck_assert_uint_eq(c.hold_time, 3600);
	ck_assert_int_eq(c.rpcbind, RPCBIND_AUTO);
	ck_assert(c.journal_sync);
	ck_assert_uint_eq(c.n_ranges, 0);
	ck_assert_uint_eq(c.n_allow, 0);
	ck_assert_uint_eq(c.max_leases_per_client, 1);
	ck_assert_uint_eq(c.rate_limit, 20);
	ck_assert(!c.gw_enable);
	ck_assert(!c.gw.tep6_set);
	ck_assert_uint_eq(c.gw.tep4, A4(192, 0, 0, 1));
	ck_assert_uint_eq(c.gw.mtu, 1460);
	ck_assert_int_eq(c.gw.backend, GW_BACKEND_TUN);
	ck_assert_str_eq(c.gw.ifname, "dti0");
	ck_assert(!c.gw.mss_clamp);
	ck_assert(c.gw.hairpin);		/* RFC 7596 5.2 */

	/* a file with only a range gets exactly the defaults */
	expect_ok(POOL, &c);
	ck_assert_uint_eq(c.port, 7545);
	ck_assert_uint_eq(c.lease_time, 3600);
	ck_assert_str_eq(c.gw.ifname, "dti0");
	ck_assert_uint_eq(server_conf_pool_size(&c), 256);
	server_conf_free(&c);
}
END_TEST

START_TEST(durations)
{
	static const struct {
		const char	*text;
		uint32_t	 secs;
		const char	*printed;
	} ok[] = {
		{ "60", 60, "1m" }, { "90s", 90, "90s" }, { "15m", 900, "15m" },
		{ "2h", 7200, "2h" }, { "1d", 86400, "1d" },
		{ "7d", 604800, "7d" }, { "5400", 5400, "90m" },
		{ "86399", 86399, "86399s" }, { "168h", 604800, "7d" },
	};
	static const char *const bad[] = {
		"9", "5s", "8d", "604801", "1w", "-1", "1.5h", "h", "1hh",
		"99999999999999999999", "0",
	};
	struct server_conf c;
	char text[256], want[CONF_ERRLEN], d[32], *out;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nlease-time = %s\n"
		    POOL, ok[i].text);
		expect_ok(text, &c);
		ck_assert_uint_eq(c.lease_time, ok[i].secs);
		ck_assert_str_eq(conf_duration_str(c.lease_time, d, sizeof(d)),
		    ok[i].printed);
		out = print_str(&ops, &c);
		snprintf(want, sizeof(want), "lease-time = %s\n",
		    ok[i].printed);
		ck_assert_ptr_nonnull(strstr(out, want));
		free(out);
		server_conf_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[server]\nlease-time = %s\n",
		    bad[i]);
		snprintf(want, sizeof(want), "t.conf:2: lease-time: expected "
		    "a duration from 10s to 7d (such as 3600, 90s, 30m, 2h or "
		    "1d), got '%s'", bad[i]);
		expect_err(text, want);
	}
	/* hold-time: 0 (no hold) up to 30d */
	expect_ok("[server]\nhold-time = 0\n" POOL, &c);
	ck_assert_uint_eq(c.hold_time, 0);
	server_conf_free(&c);
	expect_ok("[server]\nhold-time = 720h\n" POOL, &c);
	ck_assert_uint_eq(c.hold_time, 30 * 86400);
	server_conf_free(&c);
	expect_err("[server]\nhold-time = 2592001\n", "t.conf:2: hold-time: "
	    "expected a duration from 0 to 30d (such as 3600, 90s, 30m, 2h "
	    "or 1d), got '2592001'");
}
END_TEST

START_TEST(values)
{
	struct server_conf c;

	expect_ok("[server]\nport = 1\ncontrol-mode = 0660\nrpcbind = yes\n"
	    "journal-sync = false\n[clients]\nmax-leases-per-client = 1024\n"
	    "rate-limit = 1000000\n[gateway]\nmtu = 1280\nifname = a.b_c-9\n"
	    "mss-clamp = on\n" POOL, &c);
	ck_assert_uint_eq(c.port, 1);
	ck_assert_uint_eq(c.control_mode, 0660);
	ck_assert_int_eq(c.rpcbind, RPCBIND_YES);
	ck_assert(!c.journal_sync);
	ck_assert_uint_eq(c.max_leases_per_client, 1024);
	ck_assert_uint_eq(c.rate_limit, 1000000);
	ck_assert_uint_eq(c.gw.mtu, 1280);
	ck_assert_str_eq(c.gw.ifname, "a.b_c-9");
	ck_assert(c.gw.mss_clamp);
	server_conf_free(&c);

	expect_ok("[server]\nport = 65535\ncontrol-mode = 600\n"
	    "rpcbind = no\n[gateway]\nmtu = 65535\nifname = abcdefghijklmno\n"
	    POOL, &c);
	ck_assert_uint_eq(c.port, 65535);
	ck_assert_uint_eq(c.control_mode, 0600);
	ck_assert_int_eq(c.rpcbind, RPCBIND_NO);
	ck_assert_uint_eq(c.gw.mtu, 65535);
	server_conf_free(&c);

	expect_err("[server]\nport = 65536\n", "t.conf:2: port: expected a "
	    "port number 1-65535, got '65536'");
	expect_err("[server]\nport = -1\n", "t.conf:2: port: expected a "
	    "port number 1-65535, got '-1'");
	expect_err("[server]\nport = 7545x\n", "t.conf:2: port: expected a "
	    "port number 1-65535, got '7545x'");
	expect_err("[server]\ncontrol-mode = 0666\n", "t.conf:2: "
	    "control-mode: expected 0600 or 0660, got '0666'");
	expect_err("[server]\npid-file = run/x.pid\n", "t.conf:2: pid-file: "
	    "expected an absolute path, got 'run/x.pid'");
	expect_err("[clients]\nrate-limit = 1000001\n", "t.conf:2: "
	    "rate-limit: expected requests per second 0-1000000 (0 = off), "
	    "got '1000001'");
	expect_err("[gateway]\nmtu = 65536\n", "t.conf:2: mtu: expected a "
	    "number 1280-65535, got '65536'");
	expect_err("[gateway]\nifname = abcdefghijklmnop\n", "t.conf:2: "
	    "ifname: expected an interface name of 1-15 letters, digits, "
	    "'.', '-' or '_', got 'abcdefghijklmnop'");
	expect_err("[gateway]\nifname = dti%d\n", "t.conf:2: ifname: "
	    "expected an interface name of 1-15 letters, digits, '.', '-' "
	    "or '_', got 'dti%d'");
	expect_err("[gateway]\nifname = ..\n", "t.conf:2: ifname: expected "
	    "an interface name of 1-15 letters, digits, '.', '-' or '_', got "
	    "'..'");
	expect_err("[gateway]\nenable = 2\n", "t.conf:2: enable: expected "
	    "yes or no, got '2'");
	expect_err("[gateway]\ntep4 = 192.0.0\n", "t.conf:2: tep4: expected "
	    "an IPv4 address, got '192.0.0'");
	expect_err("[gateway]\ntep4 = 127.0.0.1\n", "t.conf:2: tep4: "
	    "expected a unicast IPv4 address, got '127.0.0.1' (127.0.0.0/8 "
	    "is loopback)");
}
END_TEST

START_TEST(listen_addresses)
{
	struct server_conf c;
	char text[2048];
	size_t n = 0;

	expect_ok("[server]\nlisten = ::1\nlisten = 2001:db8::1\n" POOL, &c);
	ck_assert_uint_eq(c.n_listen, 2);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&c.listen[0]));
	server_conf_free(&c);
	expect_err("[server]\nlisten = ::1\nlisten = ::1\n", "t.conf:3: "
	    "listen: ::1 is already listed");
	expect_err("[server]\nlisten = ::\nlisten = ::1\n", "t.conf:3: "
	    "listen: :: already means every address; give either :: or "
	    "specific addresses");

	n += (size_t)snprintf(text + n, sizeof(text) - n, "[server]\n");
	for (unsigned i = 1; i <= SRV_MAX_LISTEN; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "listen = 2001:db8::%x\n", i);
	snprintf(text + n, sizeof(text) - n, POOL);
	expect_ok(text, &c);
	ck_assert_uint_eq(c.n_listen, SRV_MAX_LISTEN);
	server_conf_free(&c);
	snprintf(text + n, sizeof(text) - n, "listen = 2001:db8::ff\n");
	expect_err(text, "t.conf:18: listen: too many addresses (at most "
	    "16)");
}
END_TEST

START_TEST(sections_and_keys)
{
	expect_err("[server]\nport = 1\n[Server]\n", "t.conf:3: bad section "
	    "name 'Server'");
	expect_err("[clients]\nallow = ::/0\n[clinets]\nallow = ::/0\n",
	    "t.conf:4: unknown section [clinets]");
	expect_err("[gateway]\ntep = ::1\n", "t.conf:2: unknown key 'tep' "
	    "in [gateway]");
	expect_err("[pool]\nlisten = ::1\n", "t.conf:2: unknown key "
	    "'listen' in [pool]");
	expect_err("[gateway]\nmtu = 1500\n\n# again\nmtu = 1400\n",
	    "t.conf:5: mtu: repeated (first set at line 2); it may appear "
	    "only once");
	expect_err("[clients]\nrate-limit = 1\n[clients]\nrate-limit = 1\n",
	    "t.conf:4: rate-limit: repeated (first set at line 2); it may "
	    "appear only once");
	expect_err("", "t.conf: no [pool] range");
	expect_err("# nothing\n[pool]\n", "t.conf: no [pool] range");
}
END_TEST

START_TEST(pool)
{
	struct server_conf c;

	/* sorted by first address, whatever the file order */
	expect_ok("[pool]\nrange = 203.0.113.0/25\nrange = 198.51.100.7\n"
	    "range = 198.51.100.8-198.51.100.9\nexclude = 203.0.113.5\n"
	    "exclude = 203.0.113.1\n", &c);
	ck_assert_uint_eq(c.n_ranges, 3);
	ck_assert_uint_eq(c.ranges[0].first, A4(198, 51, 100, 7));
	ck_assert_uint_eq(c.ranges[1].first, A4(198, 51, 100, 8));
	ck_assert_uint_eq(c.ranges[1].last, A4(198, 51, 100, 9));
	ck_assert_uint_eq(c.ranges[2].last, A4(203, 0, 113, 127));
	ck_assert_uint_eq(c.n_excludes, 2);
	ck_assert_uint_eq(c.excludes[0].first, A4(203, 0, 113, 1));
	ck_assert_uint_eq(server_conf_pool_size(&c), 1 + 2 + 128 - 2);
	server_conf_free(&c);

	/* adjacent ranges touch but do not overlap; an exclude may span
	 * both */
	expect_ok("[pool]\nrange = 198.51.100.128/25\nrange = 198.51.100.0/25"
	    "\nexclude = 198.51.100.127-198.51.100.128\n", &c);
	ck_assert_uint_eq(server_conf_pool_size(&c), 254);
	server_conf_free(&c);

	expect_err("[pool]\nrange = 198.51.100.0/24\nrange = 198.51.100.255\n",
	    "t.conf:3: range 198.51.100.255 overlaps range 198.51.100.0/24 "
	    "at line 2");
	/* the later line is blamed even when it sorts first */
	expect_err("[pool]\nrange = 198.51.100.5\nrange = 198.51.100.0/24\n",
	    "t.conf:3: range 198.51.100.0/24 overlaps range 198.51.100.5 at "
	    "line 2");
	expect_err("[pool]\nrange = 198.51.100.0/24\nrange = 198.51.100.0/24\n",
	    "t.conf:3: range 198.51.100.0/24 overlaps range 198.51.100.0/24 "
	    "at line 2");
	expect_err(POOL "exclude = 198.51.101.0\n", "t.conf:3: exclude "
	    "198.51.101.0 is outside every [pool] range");
	expect_err(POOL "exclude = 198.51.100.0/23\n", "t.conf:3: exclude "
	    "198.51.100.0/23 is only partly inside the [pool] ranges");
	expect_err(POOL "exclude = 198.51.100.4/30\nexclude = "
	    "198.51.100.0/29\n", "t.conf:4: exclude 198.51.100.0/29 overlaps "
	    "exclude 198.51.100.4/30 at line 3");
	expect_err(POOL "exclude = 198.51.100.0/24\n", "t.conf:3: the pool "
	    "is empty: the excludes remove every address");
	expect_err("[pool]\nrange = 0.0.0.0/0\n", "t.conf:2: range: "
	    "expected unicast IPv4 addresses, got '0.0.0.0/0' (0.0.0.0/8 is "
	    "\"this network\")");
	expect_err("[pool]\nrange = 127.0.0.1\n", "t.conf:2: range: expected "
	    "unicast IPv4 addresses, got '127.0.0.1' (127.0.0.0/8 is "
	    "loopback)");
	expect_err("[pool]\nrange = 198.51.100.1.1\n", "t.conf:2: range: "
	    "expected A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H, got "
	    "'198.51.100.1.1' (not an IPv4 address)");
	expect_err("[pool]\nrange = 198.51.100.1/24\n", "t.conf:2: range: "
	    "expected A.B.C.D, A.B.C.D/N or A.B.C.D-E.F.G.H, got "
	    "'198.51.100.1/24' (host bits set in prefix)");
}
END_TEST

START_TEST(pool_limit)
{
	struct server_conf c;

	expect_ok("[pool]\nrange = 10.0.0.0/9\nrange = 11.0.0.0/9\n", &c);
	ck_assert_uint_eq(server_conf_pool_size(&c), SRV_MAX_POOL);
	server_conf_free(&c);
	expect_err("[pool]\nrange = 10.0.0.0/9\nrange = 11.0.0.0/9\n"
	    "range = 12.0.0.0\n", "t.conf:4: range 12.0.0.0: the pool would "
	    "have 16777217 addresses, more than the limit of 16777216");
	expect_err("[pool]\nrange = 1.0.0.0-126.255.255.255\n", "t.conf:2: "
	    "range 1.0.0.0-126.255.255.255: the pool would have 2113929216 "
	    "addresses, more than the limit of 16777216");
	/* the limit counts the ranges; exclusions do not buy room */
	expect_err("[pool]\nrange = 10.0.0.0/7\nexclude = 11.0.0.0/8\n",
	    "t.conf:2: range 10.0.0.0/7: the pool would have 33554432 "
	    "addresses, more than the limit of 16777216");
}
END_TEST

START_TEST(tunnel_end_points)
{
	struct server_conf c;
	char *out;

	/* tep4 default 192.0.0.1 may not be a pool address ... */
	expect_err("[pool]\nrange = 192.0.0.0/29\n", "t.conf:2: range "
	    "192.0.0.0/29 contains the default tep4 192.0.0.1; set [gateway] "
	    "tep4 to an address outside the pool");
	expect_err(POOL "[gateway]\ntep4 = 198.51.100.200\n", "t.conf:4: "
	    "tep4 198.51.100.200 is inside the pool (range 198.51.100.0/24 at "
	    "line 2)");
	/* ... unless it is excluded */
	expect_ok("[pool]\nrange = 192.0.0.0/29\nexclude = 192.0.0.1\n", &c);
	ck_assert_uint_eq(server_conf_pool_size(&c), 7);
	server_conf_free(&c);

	/* gateway on: tep6 set, or a specific listen address to use */
	expect_err(POOL "[gateway]\nenable = yes\n", "t.conf:4: enable = yes "
	    "needs the tunnel end point address: set tep6 in [gateway] "
	    "(listen is only ::)");
	expect_err(POOL "[gateway]\nenable = yes\ntep6 = ::\n", "t.conf:4: "
	    "enable = yes needs the tunnel end point address: set tep6 in "
	    "[gateway] (listen is only ::)");
	expect_err("[server]\nlisten = ::\n" POOL "[gateway]\nenable = yes\n",
	    "t.conf:6: enable = yes needs the tunnel end point address: set "
	    "tep6 in [gateway] (listen is only ::)");
	expect_ok(POOL "[gateway]\nenable = yes\ntep6 = 2001:db8::1\n", &c);
	ck_assert(c.gw.tep6_set);
	server_conf_free(&c);
	expect_ok("[server]\nlisten = 2001:db8::2\n" POOL
	    "[gateway]\nenable = yes\n", &c);
	ck_assert(!c.gw.tep6_set);
	out = print_str(&ops, &c);
	ck_assert_ptr_nonnull(strstr(out, "\ntep6 = 2001:db8::2\n"));
	free(out);
	server_conf_free(&c);
	expect_err("[gateway]\ntep6 = ff05::2\n", "t.conf:2: tep6: expected "
	    "a unicast IPv6 address or ::, got 'ff05::2'");
}
END_TEST

START_TEST(clients)
{
	struct server_conf c;

	expect_ok("[clients]\nallow = 2001:db8::/32\nallow = ::1/128\n"
	    "allow = 2001:db8:0:1::/64\n" POOL, &c);
	ck_assert_uint_eq(c.n_allow, 3);
	ck_assert_uint_eq(c.allow[0].len, 32);
	ck_assert_uint_eq(c.allow[1].len, 128);
	server_conf_free(&c);
	expect_err("[clients]\nallow = 2001:db8::/129\n", "t.conf:2: allow: "
	    "expected an IPv6 prefix such as 2001:db8::/32, got "
	    "'2001:db8::/129' (bad prefix length)");
	expect_err("[clients]\nallow = 10.0.0.0/8\n", "t.conf:2: allow: "
	    "expected an IPv6 prefix such as 2001:db8::/32, got '10.0.0.0/8' "
	    "(not an IPv6 address)");
	expect_err("[clients]\nmax-leases-per-client = 1025\n", "t.conf:2: "
	    "max-leases-per-client: expected a number 1-1024, got '1025'");
}
END_TEST

START_TEST(paths)
{
	struct server_conf c;
	char text[512], want[512], name[120];

	/* sun_path is 108 bytes: 107 characters fit, 108 do not */
	memset(name, 'x', sizeof(name));
	name[0] = '/';
	name[107] = '\0';
	snprintf(text, sizeof(text), "[server]\ncontrol-socket = %s\n" POOL,
	    name);
	expect_ok(text, &c);
	ck_assert_uint_eq(strlen(c.control_socket), 107);
	server_conf_free(&c);
	name[107] = 'x';
	name[108] = '\0';
	snprintf(text, sizeof(text), "[server]\ncontrol-socket = %s\n", name);
	snprintf(want, sizeof(want), "t.conf:2: control-socket: path too "
	    "long (at most 107 characters)");
	expect_err(text, want);
	expect_ok("[server]\nstate-dir = /srv/dstm state\n" POOL, &c);
	ck_assert_str_eq(c.state_dir, "/srv/dstm state");
	server_conf_free(&c);
}
END_TEST

START_TEST(missing_file)
{
	struct server_conf c;
	char err[CONF_ERRLEN];

	memset(&c, 0xa5, sizeof(c));
	ck_assert_int_eq(server_conf_load("tests/conf/no-such-file.conf", &c,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "tests/conf/no-such-file.conf: No such file or "
	    "directory");
	assert_freed(&ops, &c);
	/* a failed load after a good one leaks nothing either */
	expect_ok("[clients]\nallow = ::/0\n" POOL, &c);
	server_conf_free(&c);
	expect_err("[clients]\nallow = ::/0\n" POOL "[gateway]\nmtu = 1\n",
	    "t.conf:6: mtu: expected a number 1280-65535, got '1'");
	expect_err("[clients]\nallow = ::/0\n" POOL "exclude = 10.0.0.1\n",
	    "t.conf:5: exclude 10.0.0.1 is outside every [pool] range");
}
END_TEST

START_TEST(print_is_canonical)
{
	static const char want[] =
	    "[server]\nlisten = ::\nport = 7545\nstate-dir = /var/lib/dstm\n"
	    "control-socket = /run/dstm/rpcdstmd.sock\ncontrol-mode = 0600\n"
	    "pid-file = /run/rpcdstmd.pid\nlease-time = 1h\nhold-time = 1h\n"
	    "rpcbind = auto\njournal-sync = yes\n\n"
	    "[pool]\nrange = 198.51.100.0/24\n\n"
	    "[clients]\nmax-leases-per-client = 1\nrate-limit = 20\n"
	    "prefix-length = 64\nmax-leases-per-prefix = 16\n"
	    "prefix-rate-limit = 100\n\n"
	    "[gateway]\nenable = no\ntep6 = ::\ntep4 = 192.0.0.1\n"
	    "icmp-source = auto\n"
	    "mtu = 1460\nbackend = tun\nifname = dti0\nmss-clamp = no\n"
	    "hairpin = yes\n"
	    "\n[aftr]\nenable = no\naddress = ::\nport-block-size = 512\n"
	    "max-port-blocks-per-b4 = 4\nb4-prefix-length = 56\n"
	    "max-port-blocks-per-prefix = 4\nmax-sessions-per-b4 = 2048\n"
	    "max-sessions = 65536\nudp-timeout = 5m\n"
	    "tcp-established-timeout = 124m\ntcp-transitory-timeout = 4m\n"
	    "icmp-timeout = 1m\n";
	struct server_conf c;
	char *out;

	/* comments, blanks and spacing do not show in the output */
	expect_ok("  # comment\n\n[pool]  # trailing\n\trange=198.51.100.0/24"
	    "  # pool\r\n", &c);
	out = print_str(&ops, &c);
	ck_assert_str_eq(out, want);
	free(out);
	server_conf_free(&c);
}
END_TEST

/* ---- the engine on a made-up config: two groups, one at an offset ---- */

struct toy_part {
	bool		 flag;
	uint16_t	 port;
	char		 ifname[16];
	unsigned	 flags;		/* its group's, as set() saw them */
};

struct toy {
	uint32_t	 n;
	uint32_t	 secs;
	char		 path[8];
	struct in6_addr	 listen[2];
	unsigned	 n_listen;
	struct toy_part	 part;
	int		 done_calls;
	bool		 done_ok;
};

static int
toy_listen(struct conf_ctx *cx, void *obj, const char *v)
{
	struct toy *t = obj;

	return conf_listen(cx, v, t->listen, &t->n_listen, 2);
}

static int
toy_tag(struct conf_ctx *cx, void *obj, const char *v)
{
	(void)obj;
	return strcmp(v, "good") == 0 ? 0 : conf_bad(cx, "good", "a detail");
}

static int
toy_flags(struct conf_ctx *cx, void *obj, const char *v)
{
	struct toy_part *p = obj;

	(void)v;
	p->flags = cx->flags;
	return 0;
}

static int
toy_check(struct conf_ctx *cx)
{
	const struct toy *t = cx->target;

	if (t->part.flag && t->n == 0)
		return conf_fail(cx, conf_seen(cx, "b", "flag")->line,
		    "flag needs n");
	if (t->n == 9)
		return conf_fail(cx, 0, "n is 9");
	return 0;
}

static void
toy_done(struct conf_ctx *cx, bool ok)
{
	struct toy *t = cx->target;

	t->done_calls++;
	t->done_ok = ok;
}

static const struct conf_key toy_keys[] = {
	CONF_KEY_U32("a", "n", struct toy, n, 0, 10, "a number 0-10"),
	CONF_KEY_DURATION("a", "secs", struct toy, secs, 0, 3600,
	    "a duration up to 1h"),
	CONF_KEY_PATH("a", "path", struct toy, path, 8),
	CONF_KEY_FUNC("a", "listen", true, toy_listen),
	CONF_KEY_FUNC("a", "tag", true, toy_tag),
	CONF_KEY_END
};

static const struct conf_key toy_part_keys[] = {
	CONF_KEY_BOOL("b", "flag", struct toy_part, flag),
	CONF_KEY_U16("b", "port", struct toy_part, port, 1, 65535,
	    "a port number 1-65535"),
	CONF_KEY_IFNAME("b", "ifname", struct toy_part, ifname),
	CONF_KEY_FUNC("b", "flags", false, toy_flags),
	CONF_KEY_END
};

static const struct conf_group toy_groups[] = {
	{ toy_keys, 0, 0 },
	{ toy_part_keys, offsetof(struct toy, part), 0x5 },
};

static const struct conf_spec toy_spec = {
	.groups = toy_groups,
	.n_groups = 2,
	.check = toy_check,
	.done = toy_done,
};

static int
toy_load(const char *text, struct toy *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->n_listen = 1;		/* the default, :: */
	return conf_parse(&toy_spec, "t.conf", text, strlen(text), t, err,
	    errlen);
}

static void
toy_err(const char *text, const char *msg)
{
	struct toy t;
	char err[CONF_ERRLEN];

	ck_assert_msg(toy_load(text, &t, err, sizeof(err)) == -1,
	    "loaded, expected \"%s\"", msg);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(t.done_calls, 1);
	ck_assert(!t.done_ok);
}

START_TEST(engine_values)
{
	static const char text[] = "[b]\nflag = on\nport = 7\nifname = x.y-z\n"
	    "flags = any\n[a]\nn = 10\nsecs = 1h\npath = /a/b\n"
	    "listen = 2001:db8::1\ntag = good\nlisten = 2001:db8::2\n"
	    "tag = good\n";
	struct toy t;
	char err[CONF_ERRLEN];

	ck_assert_msg(toy_load(text, &t, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(t.n, 10);
	ck_assert_uint_eq(t.secs, 3600);
	ck_assert_str_eq(t.path, "/a/b");
	/* the second group's keys land in the part, its flags with them */
	ck_assert(t.part.flag);
	ck_assert_uint_eq(t.part.port, 7);
	ck_assert_str_eq(t.part.ifname, "x.y-z");
	ck_assert_uint_eq(t.part.flags, 0x5);
	/* the first listen replaced the default */
	ck_assert_uint_eq(t.n_listen, 2);
	ck_assert_uint_eq(t.listen[1].s6_addr[15], 2);
	ck_assert_int_eq(t.done_calls, 1);
	ck_assert(t.done_ok);
}
END_TEST

START_TEST(engine_errors)
{
	struct toy t;
	char err[CONF_ERRLEN];

	toy_err("[c]\nn = 1\n", "t.conf:2: unknown section [c]");
	toy_err("[a]\nm = 1\n", "t.conf:2: unknown key 'm' in [a]");
	toy_err("[a]\nn = 1\n[b]\nflag = no\n[a]\nn = 2\n", "t.conf:6: n: "
	    "repeated (first set at line 2); it may appear only once");
	toy_err("[a]\nn = 11\n", "t.conf:2: n: expected a number 0-10, got "
	    "'11'");
	toy_err("[a]\nsecs = 2h\n", "t.conf:2: secs: expected a duration up "
	    "to 1h, got '2h'");
	toy_err("[a]\npath = a/b\n", "t.conf:2: path: expected an absolute "
	    "path, got 'a/b'");
	toy_err("[a]\npath = /a/b/c/d\n", "t.conf:2: path: path too long (at "
	    "most 7 characters)");
	toy_err("[a]\ntag = bad\n", "t.conf:2: tag: expected good, got 'bad' "
	    "(a detail)");
	toy_err("[b]\nflag = maybe\n", "t.conf:2: flag: expected yes or no, "
	    "got 'maybe'");
	toy_err("[b]\nport = 0\n", "t.conf:2: port: expected a port number "
	    "1-65535, got '0'");
	toy_err("[b]\nifname = a:b\n", "t.conf:2: ifname: expected an "
	    "interface name of 1-15 letters, digits, '.', '-' or '_', got "
	    "'a:b'");
	toy_err("[a]\nlisten = ::1\nlisten = ::\n", "t.conf:3: listen: :: "
	    "already means every address; give either :: or specific "
	    "addresses");
	toy_err("[a]\nlisten = 2001:db8::1\nlisten = 2001:db8::2\n"
	    "listen = 2001:db8::3\n", "t.conf:4: listen: too many addresses "
	    "(at most 2)");
	toy_err("[a]\nlisten = ff02::1\n", "t.conf:2: listen: expected a "
	    "unicast IPv6 address or ::, got 'ff02::1'");
	/* checks across keys: at a key's line, or about the whole file */
	toy_err("[b]\nflag = yes\nflag = no\n", "t.conf:3: flag: repeated "
	    "(first set at line 2); it may appear only once");
	toy_err("[a]\ntag = good\n[b]\nflag = yes\n", "t.conf:4: flag needs "
	    "n");
	toy_err("[a]\nn = 9\n", "t.conf: n is 9");
	toy_err("[a]\nn\n", "t.conf:2: expected 'key = value' or "
	    "'[section]'");
	/* done runs even when the file cannot be read */
	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(conf_parse(&toy_spec, "tests/conf/no-such-file",
	    NULL, 0, &t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "tests/conf/no-such-file: No such file or "
	    "directory");
	ck_assert_int_eq(t.done_calls, 1);
	ck_assert(!t.done_ok);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tg = tcase_create("golden"), *tu = tcase_create("rules");
	TCase *te = tcase_create("engine");
	SRunner *sr;
	int nf;

	if (golden_chdir() != 0)
		return EXIT_FAILURE;
	golden_add(&ops, "tests/conf/*.in", MIN_CASES);
	golden_add(&rpcd_ops, "tests/rpcdconf/*.in", MIN_RPCD_CASES);
	golden_tcase(tg);
	tcase_add_test(tg, sample_config);
	suite_add_tcase(s, tg);
	tcase_add_test(tu, defaults);
	tcase_add_test(tu, durations);
	tcase_add_test(tu, values);
	tcase_add_test(tu, listen_addresses);
	tcase_add_test(tu, sections_and_keys);
	tcase_add_test(tu, pool);
	tcase_add_test(tu, pool_limit);
	tcase_add_test(tu, tunnel_end_points);
	tcase_add_test(tu, clients);
	tcase_add_test(tu, paths);
	tcase_add_test(tu, missing_file);
	tcase_add_test(tu, print_is_canonical);
	suite_add_tcase(s, tu);
	tcase_add_test(te, engine_values);
	tcase_add_test(te, engine_errors);
	suite_add_tcase(s, te);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	golden_free();
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
