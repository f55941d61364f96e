/* test_xdr.c - XDR round trips of the wire types in rpc/dstm.x, and what
 * the decoder does with truncated or oversized input. */
#include <check.h>
#include <rpc/rpc.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/dstm.h"

static char buf[1 << 16];

/* encode `in` with `proc`, return the length */
static u_int
encode(xdrproc_t proc, void *in)
{
	XDR x;
	u_int n;

	xdrmem_create(&x, buf, sizeof(buf), XDR_ENCODE);
	ck_assert(proc(&x, in));
	n = xdr_getpos(&x);
	xdr_destroy(&x);
	return n;
}

static bool_t
decode(xdrproc_t proc, void *out, u_int len)
{
	XDR x;
	bool_t ok;

	xdrmem_create(&x, buf, len, XDR_DECODE);
	ok = proc(&x, out);
	xdr_destroy(&x);
	return ok;
}

static void
sample_lease(dstm_lease *l)
{
	static const uint8_t a4[4] = { 198, 51, 100, 7 };
	static const uint8_t t6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };

	memset(l, 0, sizeof(*l));
	l->status = DSTM_OK;
	memcpy(l->addr, a4, 4);
	l->lease_time = 3600;
	l->t1 = 1800;
	l->t2 = 2880;
	memcpy(l->tep6, t6, 16);
	l->tep4[0] = 192;
	l->tep4[3] = 1;
	l->mtu = 1460;
	l->port_max = 65535;
}

START_TEST(lease_round_trip)
{
	dstm_lease in, out;
	u_int n;

	sample_lease(&in);
	n = encode((xdrproc_t)xdr_dstm_lease, &in);
	/* 4 status + 4 addr + 3*4 + 16 + 4 + 4 mtu + 2*4 ports */
	ck_assert_uint_eq(n, 52);
	memset(&out, 0xff, sizeof(out));
	ck_assert(decode((xdrproc_t)xdr_dstm_lease, &out, n));
	ck_assert_mem_eq(&in, &out, sizeof(in));
	/* network byte order on the wire: lease_time 3600 = 0x00000e10 */
	ck_assert_uint_eq((uint8_t)buf[8], 0);
	ck_assert_uint_eq((uint8_t)buf[10], 0x0e);
	ck_assert_uint_eq((uint8_t)buf[11], 0x10);
	/* the address travels as its 4 bytes, in order */
	ck_assert_uint_eq((uint8_t)buf[4], 198);
	ck_assert_uint_eq((uint8_t)buf[7], 7);
}
END_TEST

START_TEST(info_with_list_round_trip)
{
	dstm_info in, out;
	dstm_lease ls[3];
	u_int n;

	memset(&in, 0, sizeof(in));
	in.status = DSTM_OK;
	in.server = "dstm test";
	in.pool_size = 254;
	in.pool_free = 251;
	for (int i = 0; i < 3; i++) {
		sample_lease(&ls[i]);
		ls[i].addr[3] = (char)(10 + i);
	}
	in.leases.leases_len = 3;
	in.leases.leases_val = ls;
	n = encode((xdrproc_t)xdr_dstm_info, &in);
	memset(&out, 0, sizeof(out));
	ck_assert(decode((xdrproc_t)xdr_dstm_info, &out, n));
	ck_assert_str_eq(out.server, "dstm test");
	ck_assert_uint_eq(out.pool_free, 251);
	ck_assert_uint_eq(out.leases.leases_len, 3);
	ck_assert_uint_eq((uint8_t)out.leases.leases_val[2].addr[3], 12);
	xdr_free((xdrproc_t)xdr_dstm_info, (char *)&out);
}
END_TEST

START_TEST(truncated_input_fails_cleanly)
{
	dstm_info in, out;
	dstm_lease ls[2];
	u_int n;

	memset(&in, 0, sizeof(in));
	in.server = "x";
	sample_lease(&ls[0]);
	sample_lease(&ls[1]);
	in.leases.leases_len = 2;
	in.leases.leases_val = ls;
	n = encode((xdrproc_t)xdr_dstm_info, &in);
	/* every shorter prefix must fail, and free what it allocated */
	for (u_int len = 0; len < n; len += 4) {
		memset(&out, 0, sizeof(out));
		ck_assert_msg(!decode((xdrproc_t)xdr_dstm_info, &out, len),
		    "decoded from %u of %u bytes", len, n);
		xdr_free((xdrproc_t)xdr_dstm_info, (char *)&out);
	}
}
END_TEST

START_TEST(oversized_list_refused)
{
	dstm_lease_list out;
	uint32_t *w = (uint32_t *)buf;

	/* status, now (hyper), then a list count beyond DSTM_MAX_LIST */
	w[0] = htonl(DSTM_OK);
	w[1] = 0;
	w[2] = 0;
	w[3] = htonl(DSTM_MAX_LIST + 1);
	memset(&out, 0, sizeof(out));
	ck_assert(!decode((xdrproc_t)xdr_dstm_lease_list, &out, 16));
	xdr_free((xdrproc_t)xdr_dstm_lease_list, (char *)&out);
}
END_TEST

START_TEST(enum_and_args)
{
	dstm_alloc_args in = { { 198, 51, 100, 9 }, DSTM_ALLOC_STRICT }, out;
	dstm_lease_for_args f = { { 0 }, { 0 }, 0 }, g;
	u_int n;

	n = encode((xdrproc_t)xdr_dstm_alloc_args, &in);
	ck_assert_uint_eq(n, 8);
	ck_assert(decode((xdrproc_t)xdr_dstm_alloc_args, &out, n));
	ck_assert_mem_eq(&in, &out, sizeof(in));
	f.client[15] = 1;
	f.lease_time = 0;	/* static */
	n = encode((xdrproc_t)xdr_dstm_lease_for_args, &f);
	ck_assert_uint_eq(n, 24);
	ck_assert(decode((xdrproc_t)xdr_dstm_lease_for_args, &g, n));
	ck_assert_mem_eq(&f, &g, sizeof(f));
}
END_TEST

/* Version 2: the fixed sizes on the wire, every byte of key and cookie
 * where the other side reads it. */
START_TEST(version2_args)
{
	dstm_alloc2_args a, a2;
	dstm_lease_args l, l2;
	dstm_alloc_reply r, r2;
	dstm_notify_args no, no2;
	u_int n;

	memset(&a, 0, sizeof(a));
	memcpy(a.hint, "\xc6\x33\x64\x09", 4);
	a.flags = DSTM_ALLOC_STRICT;
	for (int i = 0; i < DSTM_KEY_LEN; i++) {
		a.key[i] = (char)(0x10 + i);
		a.cookie[i] = (char)(0x80 + i);
	}
	n = encode((xdrproc_t)xdr_dstm_alloc2_args, &a);
	ck_assert_uint_eq(n, 4 + 4 + 16 + 16);
	ck_assert_uint_eq((uint8_t)buf[8], 0x10);
	ck_assert_uint_eq((uint8_t)buf[24], 0x80);
	ck_assert(decode((xdrproc_t)xdr_dstm_alloc2_args, &a2, n));
	ck_assert_mem_eq(&a, &a2, sizeof(a));
	ck_assert(!decode((xdrproc_t)xdr_dstm_alloc2_args, &a2, n - 1));

	memset(&l, 0, sizeof(l));
	memcpy(l.key, a.key, sizeof(l.key));
	n = encode((xdrproc_t)xdr_dstm_lease_args, &l);
	ck_assert_uint_eq(n, 4 + 16);
	ck_assert(decode((xdrproc_t)xdr_dstm_lease_args, &l2, n));
	ck_assert_mem_eq(&l, &l2, sizeof(l));

	memset(&r, 0, sizeof(r));
	r.lease.status = DSTM_COOKIE;
	memcpy(r.cookie, a.cookie, sizeof(r.cookie));
	n = encode((xdrproc_t)xdr_dstm_alloc_reply, &r);
	ck_assert_uint_eq(n, 52 + 16);
	ck_assert(decode((xdrproc_t)xdr_dstm_alloc_reply, &r2, n));
	ck_assert_mem_eq(&r, &r2, sizeof(r));

	memset(&no, 0, sizeof(no));
	no.stamp = 0x0102030405060708ull;
	n = encode((xdrproc_t)xdr_dstm_notify_args, &no);
	ck_assert_uint_eq(n, 4 + 16 + 8 + 8);
	ck_assert_uint_eq((uint8_t)buf[20], 0x01);	/* hyper: big-endian */
	ck_assert(decode((xdrproc_t)xdr_dstm_notify_args, &no2, n));
	ck_assert_mem_eq(&no, &no2, sizeof(no));
}
END_TEST


/* The control procedures 7-9: the query's fixed layout, a page's cursor,
 * and a config text over DSTM_MAX_CONFIG refused by the decoder. */
START_TEST(control_query_and_config)
{
	dstm_lease_query q, q2;
	dstm_lease_page p, p2;
	dstm_lease_entry e[2];
	dstm_config_reply c, c2;
	u_int n;

	memset(&q, 0, sizeof(q));
	q.client[0] = 0x20;
	q.client_plen = 48;
	memcpy(q.addr, "\xc6\x33\x64\x00", 4);
	q.addr_plen = 28;
	q.states = DSTM_LQ_STATE_BOUND | DSTM_LQ_STATE_HELD;
	memcpy(q.from, "\xc6\x33\x64\x09", 4);
	q.limit = 2;
	n = encode((xdrproc_t)xdr_dstm_lease_query, &q);
	ck_assert_uint_eq(n, 16 + 4 + 4 + 4 + 4 + 4 + 4);
	ck_assert(decode((xdrproc_t)xdr_dstm_lease_query, &q2, n));
	ck_assert_mem_eq(&q, &q2, sizeof(q));
	ck_assert(!decode((xdrproc_t)xdr_dstm_lease_query, &q2, n - 1));

	memset(&p, 0, sizeof(p));
	memset(e, 0, sizeof(e));
	p.now = 1795443969;
	p.entries.entries_len = 2;
	p.entries.entries_val = e;
	e[0].state = DSTM_LS_BOUND;
	e[1].state = DSTM_LS_STATIC;
	p.more = TRUE;
	memcpy(p.next, "\xc6\x33\x64\x0a", 4);
	n = encode((xdrproc_t)xdr_dstm_lease_page, &p);
	ck_assert_uint_eq(n, 4 + 8 + 4 + 2 * 80 + 4 + 4);
	memset(&p2, 0, sizeof(p2));
	ck_assert(decode((xdrproc_t)xdr_dstm_lease_page, &p2, n));
	ck_assert_uint_eq(p2.entries.entries_len, 2);
	ck_assert_int_eq(p2.entries.entries_val[1].state, DSTM_LS_STATIC);
	ck_assert(p2.more && memcmp(p2.next, p.next, 4) == 0);
	xdr_free((xdrproc_t)xdr_dstm_lease_page, (char *)&p2);

	memset(&c, 0, sizeof(c));
	c.text = "[server]\nport = 7545\n";
	n = encode((xdrproc_t)xdr_dstm_config_reply, &c);
	memset(&c2, 0, sizeof(c2));
	ck_assert(decode((xdrproc_t)xdr_dstm_config_reply, &c2, n));
	ck_assert_str_eq(c2.text, c.text);
	xdr_free((xdrproc_t)xdr_dstm_config_reply, (char *)&c2);
	/* a length over the bound: refused before any allocation */
	memset(buf, 0, 8);
	buf[4] = (char)((DSTM_MAX_CONFIG + 1) >> 24);
	buf[5] = (char)((DSTM_MAX_CONFIG + 1) >> 16);
	buf[6] = (char)((DSTM_MAX_CONFIG + 1) >> 8);
	buf[7] = (char)((DSTM_MAX_CONFIG + 1) & 0xff);
	memset(&c2, 0, sizeof(c2));
	ck_assert(!decode((xdrproc_t)xdr_dstm_config_reply, &c2, sizeof(buf)));
	xdr_free((xdrproc_t)xdr_dstm_config_reply, (char *)&c2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xdr");
	TCase *tc = tcase_create("round-trip");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, lease_round_trip);
	tcase_add_test(tc, info_with_list_round_trip);
	tcase_add_test(tc, truncated_input_fails_cleanly);
	tcase_add_test(tc, oversized_list_refused);
	tcase_add_test(tc, enum_and_args);
	tcase_add_test(tc, version2_args);
	tcase_add_test(tc, control_query_and_config);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
