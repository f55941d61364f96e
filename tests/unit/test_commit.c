/* test_commit.c - group commit (server/commit.c): a reply leaves only
 * after the fdatasync that covers its change has ended, one sync serves
 * a whole round, a transport with a held reply is marked busy, a failed
 * sync turns the held replies into DSTM_INTERNAL and the next round
 * retries the records.
 *
 * fdatasync and svc_sendreply are replaced here: every sync records how
 * many replies had left when it began, every reply how many syncs had
 * ended when it left. */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rpc/dstm.h"
#include "server/journal.h"
#include "server/server.h"

static char tmpdir[64];

/* ---- fdatasync, counted ---- */
static unsigned begun, ended;		/* fdatasync calls entered / returned */
static unsigned sent_at_begin[16];	/* replies sent when sync i began */
static int fail_errno;			/* the next sync fails with this */
static unsigned n_sent;

int
fdatasync(int fd)
{
	int rc;

	if (begun < 16)
		sent_at_begin[begun] = n_sent;
	begun++;
	if (fail_errno) {
		errno = fail_errno;
		fail_errno = 0;
		rc = -1;
	} else
		rc = (int)syscall(SYS_fdatasync, fd);
	ended++;
	return rc;
}

/* ---- replies ---- */
struct sent {
	SVCXPRT		*xprt;
	dstm_status	 status;
	unsigned	 syncs_ended;
};
static struct sent sent[16];

bool_t
svc_sendreply(SVCXPRT *x, xdrproc_t xdr, void *res)
{
	if (n_sent < 16) {	/* the first ones in detail, all counted */
		sent[n_sent].xprt = x;
		sent[n_sent].status = xdr == (xdrproc_t)xdr_dstm_lease ?
		    ((dstm_lease *)res)->status : *(dstm_status *)res;
		sent[n_sent].syncs_ended = ended;
	}
	n_sent++;
	return TRUE;
}

/* ---- a server with just a journal ---- */
static struct server srv_;
static SVCXPRT xp[4];
static struct svc_req rq[4];

static int
no_replay(const struct jrec *r, void *arg)
{
	(void)r;
	(void)arg;
	return 0;
}

static void
open_server(bool sync)
{
	memset(&srv_, 0, sizeof(srv_));
	srv_.conf.journal_sync = sync;
	ck_assert_int_eq(journal_open(tmpdir, sync, no_replay, NULL,
	    &srv_.journal), 0);
	for (int i = 0; i < 4; i++) {
		memset(&xp[i], 0, sizeof(xp[i]));
		xp[i].xp_fd = 100 + i;
		memset(&rq[i], 0, sizeof(rq[i]));
		rq[i].rq_xprt = &xp[i];
	}
	begun = ended = 0;	/* count from here, not journal_open's */
}

/* One request that changed the table: journal it, hold its reply.
 * Returns what commit_reply returned (FALSE = held). */
static bool_t
change(int i)
{
	struct jrec r;
	dstm_lease res;

	memset(&r, 0, sizeof(r));
	r.addr = 0xc6336400u + (uint32_t)i;
	r.state = 1;
	r.expires = 1000;
	ck_assert_int_eq(journal_append(srv_.journal, &r), 0);
	srv_.dirty = true;
	memset(&res, 0, sizeof(res));
	res.status = DSTM_OK;
	return commit_reply(&srv_, &rq[i], (xdrproc_t)xdr_dstm_lease, &res,
	    sizeof(res));
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dstm-commit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	begun = ended = 0;
	fail_errno = 0;
	n_sent = 0;
}

static void
teardown(void)
{
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(clean_replies_at_once)
{
	dstm_status st = DSTM_NO_SUCH_LEASE;

	open_server(true);
	/* nothing waits for the disk: answer now */
	ck_assert_int_eq(commit_reply(&srv_, &rq[0], (xdrproc_t)xdr_dstm_status,
	    &st, sizeof(st)), TRUE);
	ck_assert(!commit_fd_held(xp[0].xp_fd));
	commit_close(&srv_);
	journal_close(srv_.journal);
	ck_assert_uint_eq(n_sent, 0);
}
END_TEST

START_TEST(one_sync_then_the_replies)
{
	dstm_status st = DSTM_NOT_OWNER;

	open_server(true);
	ck_assert_int_eq(change(0), FALSE);
	ck_assert(commit_fd_held(xp[0].xp_fd));
	ck_assert_int_eq(change(1), FALSE);
	/* an answer that is no change still waits while anything is not
	 * durable (it could show a held change) */
	ck_assert_int_eq(commit_reply(&srv_, &rq[2], (xdrproc_t)xdr_dstm_status,
	    &st, sizeof(st)), FALSE);
	ck_assert_uint_eq(n_sent, 0);
	ck_assert_uint_eq(begun, 0);
	commit_round(&srv_);
	/* one sync for the round, begun before any reply left */
	ck_assert_uint_eq(begun, 1);
	ck_assert_uint_eq(sent_at_begin[0], 0);
	ck_assert_uint_eq(n_sent, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_ptr_eq(sent[i].xprt, &xp[i]);
		ck_assert_uint_ge(sent[i].syncs_ended, 1);
		ck_assert(!commit_fd_held(xp[i].xp_fd));
	}
	ck_assert_int_eq(sent[0].status, DSTM_OK);
	ck_assert_int_eq(sent[2].status, DSTM_NOT_OWNER);
	ck_assert(!srv_.dirty);
	ck_assert_uint_eq(srv_.counters[C_REPLIES_HELD], 3);
	ck_assert_uint_eq(srv_.counters[C_JOURNAL_COMMITS], 1);
	/* nothing held, nothing to sync: a round costs no sync */
	commit_round(&srv_);
	ck_assert_uint_eq(begun, 1);
	commit_close(&srv_);
	journal_close(srv_.journal);
}
END_TEST

START_TEST(failed_sync_fails_its_replies)
{
	open_server(true);
	ck_assert_int_eq(change(0), FALSE);
	fail_errno = EIO;
	commit_round(&srv_);
	ck_assert_uint_eq(n_sent, 1);
	ck_assert_int_eq(sent[0].status, DSTM_INTERNAL);
	ck_assert(!commit_fd_held(xp[0].xp_fd));
	ck_assert(srv_.dirty);
	/* the next round retries the buffered record with its own */
	ck_assert_int_eq(change(1), FALSE);
	commit_round(&srv_);
	ck_assert_uint_eq(n_sent, 2);
	ck_assert_int_eq(sent[1].status, DSTM_OK);
	ck_assert_uint_eq(begun, 2);
	ck_assert(!srv_.dirty);
	commit_close(&srv_);
	journal_close(srv_.journal);
}
END_TEST

START_TEST(full_table_commits_early)
{
	open_server(true);
	/* SRV_HELD_MAX replies held: the next one forces a commit and is
	 * answered at once, durable */
	for (unsigned i = 0; i < SRV_HELD_MAX; i++) {
		struct svc_req r = rq[0];
		static SVCXPRT x[SRV_HELD_MAX];
		dstm_status st = DSTM_OK;

		x[i].xp_fd = 200 + (int)i;
		r.rq_xprt = &x[i];
		srv_.dirty = true;
		ck_assert_int_eq(commit_reply(&srv_, &r, (xdrproc_t)xdr_dstm_status,
		    &st, sizeof(st)), FALSE);
	}
	ck_assert_uint_eq(n_sent, 0);
	ck_assert_int_eq(change(1), TRUE);
	ck_assert_uint_eq(begun, 1);
	ck_assert_uint_eq(sent_at_begin[0], 0);
	ck_assert_uint_eq(n_sent, SRV_HELD_MAX);
	ck_assert_uint_ge(sent[0].syncs_ended, 1);
	ck_assert(!srv_.dirty);
	commit_close(&srv_);
	journal_close(srv_.journal);
}
END_TEST

START_TEST(no_sync_no_fdatasync)
{
	open_server(false);
	ck_assert_int_eq(change(0), FALSE);
	ck_assert_int_eq(change(1), FALSE);
	commit_round(&srv_);		/* written and answered at once */
	ck_assert_uint_eq(n_sent, 2);
	ck_assert_uint_eq(begun, 0);
	ck_assert(!srv_.dirty);
	commit_close(&srv_);
	journal_close(srv_.journal);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("commit");
	TCase *tc = tcase_create("commit");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, clean_replies_at_once);
	tcase_add_test(tc, one_sync_then_the_replies);
	tcase_add_test(tc, failed_sync_fails_its_replies);
	tcase_add_test(tc, full_table_commits_early);
	tcase_add_test(tc, no_sync_no_fdatasync);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
