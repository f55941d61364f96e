/* test_gw_svc.c - the gateway program's rules (gw_svc.c) on a gateway
 * without devices: generations (in order, gap, stale), SYNC in chunks,
 * what is refused (callers, addresses, ports, sizes), STATS. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "gateway/gw.h"
#include "gateway/gw_svc.h"
#include "gateway/gwconf.h"
#include "rpc/dstm.h"

static struct gw *g;
static struct gwd_conf conf;
static struct gwsvc v;

static void
setup(void)
{
	static const char text[] = "[gateway]\ntep6 = 2001:db8:1::1\n"
	    "pool = 198.51.100.0/24\n[servers]\nallow = 2001:db8:5::10\n";
	char err[CONF_ERRLEN];

	/* the control side only: no TUN, no socket, no thread */
	ck_assert_ptr_nonnull(g = calloc(1, sizeof(*g)));
	g->be = &gw_backend_tun;
	g->tun.tun_fd = g->tun.raw_fd = -1;
	g->tun.pump.ep_fd = g->tun.pump.stop_fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	ck_assert_int_eq(binding_table_init(&g->bt, 16), 0);
	g->tep.bt = &g->bt;
	ck_assert_int_eq(gwd_conf_load_buf("t", text, strlen(text), &conf,
	    err, sizeof(err)), 0);
	gwsvc_init(&v, g, &conf);
	gwsvc = &v;
	v.caller_ok = true;	/* gwsvc_dispatch's verdict */
}

static void
teardown(void)
{
	gwsvc = NULL;
	gwsvc_free(&v);
	gw_close(g);
	gwd_conf_free(&conf);
}

static dstm_binding
wb(const char *a4, const char *a6)
{
	dstm_binding b;
	struct in6_addr c;
	uint32_t a;

	memset(&b, 0, sizeof(b));
	ck_assert(addr4_parse(a4, &a, NULL));
	ck_assert(addr6_parse(a6, &c, NULL));
	addr4_to_bytes(a, (uint8_t *)b.addr);
	memcpy(b.client, &c, sizeof(c));
	b.port_max = 65535;
	b.expires = 2000000000;
	return b;
}

static dstm_gw_reply
call(bool bind, uint64_t gen, dstm_binding b)
{
	dstm_bind_args a = { .generation = gen, .b = b };
	dstm_gw_reply r;

	ck_assert(bind ? dstmgw_bind_1_svc(&a, &r, NULL) :
	    dstmgw_unbind_1_svc(&a, &r, NULL));
	return r;
}

static dstm_gw_reply
do_sync(uint64_t gen, u_int total, u_int offset, dstm_binding *bs, u_int n)
{
	dstm_sync_args a = {
		.generation = gen, .total = total, .offset = offset,
		.bindings = { .bindings_len = n, .bindings_val = bs },
	};
	dstm_gw_reply r;

	ck_assert(dstmgw_sync_1_svc(&a, &r, NULL));
	return r;
}

static size_t
nbind(void)
{
	size_t n;

	gw_stats(g, NULL, NULL, &n);
	return n;
}

START_TEST(generations)
{
	dstm_gw_reply r;

	/* a fresh gateway is at 0: the server's change is a gap */
	r = call(true, 5, wb("198.51.100.1", "2001:db8:1::10"));
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(r.generation, 0);
	ck_assert_uint_eq(nbind(), 1);	/* applied all the same */
	ck_assert_uint_eq(v.ctr.gaps, 1);
	r = do_sync(10, 1, 0, (dstm_binding[]){ wb("198.51.100.2",
	    "2001:db8:1::20") }, 1);
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(r.generation, 10);
	ck_assert_uint_eq(nbind(), 1);	/* the table, replaced */
	r = call(true, 11, wb("198.51.100.3", "2001:db8:1::30"));
	ck_assert_uint_eq(r.generation, 11);
	ck_assert_uint_eq(nbind(), 2);
	r = call(false, 12, wb("198.51.100.2", "2001:db8:1::20"));
	ck_assert_uint_eq(r.generation, 12);
	ck_assert_uint_eq(nbind(), 1);
	/* stale: a late request from an abandoned connection */
	r = call(true, 12, wb("198.51.100.2", "2001:db8:1::20"));
	ck_assert_uint_eq(r.generation, 12);
	r = call(false, 7, wb("198.51.100.3", "2001:db8:1::30"));
	ck_assert_uint_eq(r.generation, 12);
	ck_assert_uint_eq(nbind(), 1);
	ck_assert_uint_eq(v.ctr.gaps, 1);
	/* unbinding what is not there is fine */
	r = call(false, 13, wb("198.51.100.9", "2001:db8:1::90"));
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(r.generation, 13);
}
END_TEST

START_TEST(refused_bindings)
{
	dstm_binding b;
	dstm_gw_reply r;

	r = call(true, 1, wb("203.0.113.1", "2001:db8:1::10"));
	ck_assert_int_eq(r.status, DSTM_BAD_IPV4);	/* not our pool */
	ck_assert_uint_eq(r.generation, 1);	/* seen all the same */
	r = call(true, 2, wb("198.51.100.1", "ff02::1"));
	ck_assert_int_eq(r.status, DSTM_BAD_IPV6);
	b = wb("198.51.100.1", "2001:db8:1::10");
	b.port_min = 1024;
	ck_assert_int_eq(call(true, 3, b).status, DSTM_BAD_REQUEST);
	b = wb("198.51.100.1", "2001:db8:1::10");
	b.expires = -1;
	ck_assert_int_eq(call(true, 4, b).status, DSTM_BAD_REQUEST);
	ck_assert_uint_eq(nbind(), 0);
	ck_assert_uint_eq(v.ctr.rejected, 4);
	/* an address moving to another client replaces the old binding */
	call(true, 5, wb("198.51.100.1", "2001:db8:1::10"));
	r = call(true, 6, wb("198.51.100.1", "2001:db8:1::11"));
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(nbind(), 1);
}
END_TEST

START_TEST(sync_chunks)
{
	dstm_binding bs[3] = {
		wb("198.51.100.1", "2001:db8:1::1"),
		wb("198.51.100.2", "2001:db8:1::2"),
		wb("10.0.0.1", "2001:db8:1::3"),	/* outside: dropped */
	};
	dstm_gw_reply r;

	r = do_sync(50, 3, 0, bs, 2);
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(r.generation, 0);	/* not complete yet */
	ck_assert_uint_eq(nbind(), 0);
	r = do_sync(50, 3, 2, bs + 2, 1);
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(r.generation, 50);
	ck_assert_uint_eq(nbind(), 2);
	ck_assert_uint_eq(v.ctr.rejected, 1);
	/* out of order: a gap, a foreign generation, a repeated chunk */
	ck_assert_int_eq(do_sync(60, 3, 0, bs, 1).status, DSTM_OK);
	ck_assert_int_eq(do_sync(60, 3, 2, bs, 1).status, DSTM_BAD_REQUEST);
	ck_assert_int_eq(do_sync(60, 3, 1, bs, 1).status, DSTM_BAD_REQUEST);
	ck_assert_int_eq(do_sync(60, 3, 0, bs, 2).status, DSTM_OK);
	ck_assert_int_eq(do_sync(61, 3, 2, bs, 1).status, DSTM_BAD_REQUEST);
	/* more than announced, more than allowed */
	ck_assert_int_eq(do_sync(70, 1, 0, bs, 2).status, DSTM_BAD_REQUEST);
	ck_assert_int_eq(do_sync(70, DSTM_MAX_BINDINGS + 1, 0, bs, 1).status,
	    DSTM_BAD_REQUEST);
	ck_assert_uint_eq(nbind(), 2);
	ck_assert_uint_eq(v.generation, 50);
	/* the empty table is a table */
	r = do_sync(80, 0, 0, NULL, 0);
	ck_assert_int_eq(r.status, DSTM_OK);
	ck_assert_uint_eq(r.generation, 80);
	ck_assert_uint_eq(nbind(), 0);
}
END_TEST

START_TEST(callers)
{
	dstm_gw_reply r;
	dstm_gw_stats st;

	v.caller_ok = false;
	r = call(true, 1, wb("198.51.100.1", "2001:db8:1::10"));
	ck_assert_int_eq(r.status, DSTM_DENIED);
	r = do_sync(9, 0, 0, NULL, 0);
	ck_assert_int_eq(r.status, DSTM_DENIED);
	ck_assert(dstmgw_generation_1_svc(NULL, &r, NULL));
	ck_assert_int_eq(r.status, DSTM_DENIED);
	ck_assert_uint_eq(nbind(), 0);
	ck_assert_uint_eq(v.generation, 0);
	memset(&st, 0, sizeof(st));
	ck_assert(dstmgw_stats_1_svc(NULL, &st, NULL));
	ck_assert_int_eq(st.status, DSTM_DENIED);
	xdr_free((xdrproc_t)xdr_dstm_gw_stats, (char *)&st);
	/* outside dstmgwd there is no gateway */
	gwsvc = NULL;
	r = call(true, 1, wb("198.51.100.1", "2001:db8:1::10"));
	ck_assert_int_eq(r.status, DSTM_GATEWAY_ERROR);
	gwsvc = &v;
}
END_TEST

START_TEST(stats)
{
	dstm_gw_stats st;
	dstm_gw_reply r;
	bool found = false;

	call(true, 1, wb("198.51.100.1", "2001:db8:1::10"));
	call(true, 2, wb("198.51.100.2", "2001:db8:1::20"));
	ck_assert(dstmgw_generation_1_svc(NULL, &r, NULL));
	ck_assert_uint_eq(r.generation, 2);
	memset(&st, 0, sizeof(st));
	ck_assert(dstmgw_stats_1_svc(NULL, &st, NULL));
	ck_assert_int_eq(st.status, DSTM_OK);
	ck_assert_uint_eq(st.generation, 2);
	ck_assert_uint_eq(st.bindings.bindings_len, 2);
	for (u_int i = 0; i < st.counters.counters_len; i++)
		if (strcmp(st.counters.counters_val[i].name, "rpc.bind") == 0) {
			ck_assert_uint_eq(st.counters.counters_val[i].value, 2);
			found = true;
		}
	ck_assert(found);
	xdr_free((xdrproc_t)xdr_dstm_gw_stats, (char *)&st);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gw_svc");
	TCase *tc = tcase_create("rules");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, generations);
	tcase_add_test(tc, refused_bindings);
	tcase_add_test(tc, sync_chunks);
	tcase_add_test(tc, callers);
	tcase_add_test(tc, stats);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
