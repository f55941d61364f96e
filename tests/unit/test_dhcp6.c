/* test_dhcp6.c - common/dhcp6.c: the Information-Request rpcd's B4 sends,
 * the checks on the Reply (every one of RFC 8415 16.10 and each option's
 * bounds), AFTR-Name decoding (RFC 6334) and the retransmission timer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/dhcp6.h"

static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };
static uint8_t duid[DHCP6_DUID_MAX];
static size_t duid_len;

#define XID	0x123456u

/* a Reply under construction */
struct msg {
	uint8_t	b[512];
	size_t	n;
};

static void
msg_start(struct msg *m, uint8_t type, uint32_t xid)
{
	m->b[0] = type;
	m->b[1] = (uint8_t)(xid >> 16);
	m->b[2] = (uint8_t)(xid >> 8);
	m->b[3] = (uint8_t)xid;
	m->n = 4;
}

static void
msg_opt(struct msg *m, uint16_t code, const void *v, uint16_t len)
{
	m->b[m->n++] = (uint8_t)(code >> 8);
	m->b[m->n++] = (uint8_t)code;
	m->b[m->n++] = (uint8_t)(len >> 8);
	m->b[m->n++] = (uint8_t)len;
	memcpy(m->b + m->n, v, len);
	m->n += len;
}

static const uint8_t server_duid[] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 1 };
static const uint8_t aftr_wire[] = "\4aftr\7example\3net";	/* + NUL */

/* a good Reply: server and client ids, AFTR name, DNS, refresh time */
static void
good(struct msg *m)
{
	uint8_t dns[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53,
	    [16] = 0x20, 0x01, 0x0d, 0xb8, [31] = 0x54 };
	uint8_t irt[4] = { 0, 0, 0x0e, 0x10 };	/* 3600 */

	msg_start(m, DHCP6_MSG_REPLY, XID);
	msg_opt(m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	msg_opt(m, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len);
	msg_opt(m, DHCP6_OPT_AFTR_NAME, aftr_wire, sizeof(aftr_wire));
	msg_opt(m, DHCP6_OPT_DNS, dns, sizeof(dns));
	msg_opt(m, DHCP6_OPT_IRT, irt, sizeof(irt));
}

static int
parse(const struct msg *m, struct dhcp6_reply *r, const char **why)
{
	*why = NULL;
	return dhcp6_parse_reply(m->b, m->n, XID, duid, duid_len, r, why);
}

static void
setup(void)
{
	duid_len = dhcp6_duid_ll(duid, mac);
}

START_TEST(info_req)
{
	uint8_t b[128];
	size_t n = dhcp6_build_info_req(b, sizeof(b), XID, duid, duid_len, 7);
	static const uint8_t want[] = {
		11, 0x12, 0x34, 0x56,
		0, 1, 0, 10, 0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x42,
		0, 8, 0, 2, 0, 7,
		0, 6, 0, 6, 0, 64, 0, 23, 0, 32,
	};

	ck_assert_uint_eq(duid_len, 10);
	ck_assert_uint_eq(n, sizeof(want));
	ck_assert_mem_eq(b, want, sizeof(want));
	ck_assert_uint_eq(dhcp6_build_info_req(b, sizeof(want) - 1, XID, duid,
	    duid_len, 7), 0);
	ck_assert_uint_eq(dhcp6_build_info_req(b, sizeof(b), XID, duid, 0, 7),
	    0);
}
END_TEST

START_TEST(reply_good)
{
	struct dhcp6_reply r;
	struct msg m;
	const char *why;

	good(&m);
	ck_assert_int_eq(parse(&m, &r, &why), 0);
	ck_assert_str_eq(r.aftr, "aftr.example.net");
	ck_assert_uint_eq(r.n_dns, 2);
	ck_assert_uint_eq(r.dns[1].s6_addr[15], 0x54);
	ck_assert_uint_eq(r.refresh, 3600);
}
END_TEST

START_TEST(reply_defaults)
{
	struct dhcp6_reply r;
	struct msg m;
	const char *why;
	uint8_t irt[4] = { 0, 0, 0, 5 };

	/* no AFTR name, no refresh time: RFC 8415 21.23's default */
	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len);
	msg_opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	msg_opt(&m, 99, "xyz", 3);	/* unknown: skipped */
	ck_assert_int_eq(parse(&m, &r, &why), 0);
	ck_assert_str_eq(r.aftr, "");
	ck_assert_uint_eq(r.n_dns, 0);
	ck_assert_uint_eq(r.refresh, DHCP6_IRT_DEFAULT);
	/* 5 s is raised to IRT_MINIMUM */
	msg_opt(&m, DHCP6_OPT_IRT, irt, 4);
	ck_assert_int_eq(parse(&m, &r, &why), 0);
	ck_assert_uint_eq(r.refresh, DHCP6_IRT_MINIMUM);
}
END_TEST

/* each broken Reply is refused with a reason and leaves *out alone */
static void
refused(const struct msg *m, const char *reason)
{
	struct dhcp6_reply r;
	const char *why;

	memset(&r, 0xa5, sizeof(r));
	ck_assert_int_eq(parse(m, &r, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, reason) != NULL, "'%s' for '%s'", why,
	    reason);
	ck_assert_uint_eq(r.n_dns, 0xa5a5a5a5u);
}

START_TEST(reply_refused)
{
	struct msg m;
	uint8_t status[6] = { 0, 2, 'n', 'o', 'p', 'e' };
	uint8_t bad_duid[10];

	good(&m);
	m.b[3] ^= 1;
	refused(&m, "transaction id");
	good(&m);
	m.b[0] = 2;	/* Advertise */
	refused(&m, "not a Reply");
	m.n = 3;
	refused(&m, "shorter");
	good(&m);
	m.n--;		/* the last option cut short */
	refused(&m, "longer than the message");
	good(&m);
	m.b[m.n++] = 0;	/* three stray bytes */
	m.b[m.n++] = 1;
	m.b[m.n++] = 0;
	refused(&m, "truncated option header");
	good(&m);
	msg_opt(&m, DHCP6_OPT_AFTR_NAME, aftr_wire, sizeof(aftr_wire));
	refused(&m, "twice");
	good(&m);
	msg_opt(&m, DHCP6_OPT_STATUS, status, sizeof(status));
	refused(&m, "error status");
	good(&m);
	msg_opt(&m, DHCP6_OPT_STATUS, status, 1);
	refused(&m, "malformed Status");

	/* no server id; someone else's client id; none */
	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len);
	refused(&m, "Server Identifier");
	memcpy(bad_duid, duid, sizeof(bad_duid));
	bad_duid[9] ^= 1;
	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	msg_opt(&m, DHCP6_OPT_CLIENTID, bad_duid, sizeof(bad_duid));
	refused(&m, "Client Identifier");
	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	refused(&m, "Client Identifier");

	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	msg_opt(&m, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len);
	msg_opt(&m, DHCP6_OPT_DNS, server_duid, 10);
	refused(&m, "multiple of 16");
	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	msg_opt(&m, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len);
	msg_opt(&m, DHCP6_OPT_IRT, server_duid, 3);
	refused(&m, "4 bytes");
	msg_start(&m, DHCP6_MSG_REPLY, XID);
	msg_opt(&m, DHCP6_OPT_SERVERID, server_duid, sizeof(server_duid));
	msg_opt(&m, DHCP6_OPT_CLIENTID, duid, (uint16_t)duid_len);
	msg_opt(&m, DHCP6_OPT_AFTR_NAME, "\3a b\0", 5);
	refused(&m, "not allowed");
}
END_TEST

static const char *
decode(const void *p, size_t len)
{
	static char out[DHCP6_NAME_MAX + 1];
	const char *why = NULL;

	if (dhcp6_name_decode(p, len, out, sizeof(out), &why) != 0)
		return why;
	return out;
}

START_TEST(names)
{
	uint8_t b[300], enc[300];
	size_t used;

	ck_assert_str_eq(decode("\4aftr\7example\0", 14), "aftr.example");
	ck_assert_str_eq(decode("\1a\0", 3), "a");
	ck_assert_str_eq(decode("\0", 1), "empty name");
	ck_assert_str_eq(decode("", 0), "name without its root label");
	ck_assert_str_eq(decode("\4aftr", 5), "name without its root label");
	ck_assert_str_eq(decode("\6aftr\0", 6),
	    "label past the end of the option");
	ck_assert_str_eq(decode("\4aftr\0x", 7), "bytes after the root label");
	ck_assert_str_eq(decode("\xc0\x0c", 2),
	    "label longer than 63 (or compressed)");
	ck_assert_str_eq(decode("\3a.b\0", 5),
	    "character not allowed in a host name");
	/* 255 bytes at most on the wire; 4 labels of 63 fit in 257 */
	memset(b, 'x', sizeof(b));
	for (int i = 0; i < 4; i++)
		b[64 * i] = 63;
	b[256] = 0;
	ck_assert_str_eq(decode(b, 257), "name longer than 255 bytes");
	b[192] = 61;
	b[254] = 0;
	ck_assert_uint_eq(strlen(decode(b, 255)), 253);
	/* round trip */
	ck_assert_int_eq(dhcp6_name_encode("aftr.example.net", enc,
	    sizeof(enc), &used), 0);
	ck_assert_uint_eq(used, 18);
	ck_assert_str_eq(decode(enc, used), "aftr.example.net");
	ck_assert_int_eq(dhcp6_name_encode("a..b", enc, sizeof(enc), &used),
	    -1);
}
END_TEST

START_TEST(retransmit)
{
	uint32_t rt = 0;

	/* RAND = 0 is rnd 1000 */
	rt = dhcp6_next_rt(0, 1000, 3600000, 1000);
	ck_assert_uint_eq(rt, 1000);
	ck_assert_uint_eq(dhcp6_next_rt(0, 1000, 3600000, 0), 900);
	ck_assert_uint_eq(dhcp6_next_rt(0, 1000, 3600000, 2000), 1100);
	ck_assert_uint_eq(dhcp6_next_rt(rt, 1000, 3600000, 1000), 2000);
	ck_assert_uint_eq(dhcp6_next_rt(rt, 1000, 3600000, 2000), 2100);
	/* bounded by MRT, whatever the previous one */
	for (int i = 0; i < 40; i++)
		rt = dhcp6_next_rt(rt, 1000, 3600000, (uint32_t)rand());
	ck_assert_uint_ge(rt, 3240000);
	ck_assert_uint_le(rt, 3960000);
	ck_assert_uint_eq(dhcp6_next_rt(UINT32_MAX, 1000, 3600000, 1000),
	    3600000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dhcp6");
	TCase *tc = tcase_create("dhcp6");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, info_req);
	tcase_add_test(tc, reply_good);
	tcase_add_test(tc, reply_defaults);
	tcase_add_test(tc, reply_refused);
	tcase_add_test(tc, names);
	tcase_add_test(tc, retransmit);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
