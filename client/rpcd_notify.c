/* rpcd_notify.c - revoke notices from the server (DSTM_NOTIFY_PROG, udp6
 * on [source]:DSTM_NOTIFY_PORT): when the operator revokes the lease the
 * server says so at once, with a MAC under the lease key.  A notice that
 * checks out makes rpcd renew now; the server refuses and the engine drops
 * the address.  The notice itself changes nothing, so a replayed or stray
 * one costs a RENEW at most (and no more than one a second). */
#include "client/rpcd.h"

#include <errno.h>
#include <netconfig.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "rpc/dstm.h"
#include "rpc/notify.h"
#include "rpc/service.h"

#define NOTICE_MIN_MS	1000	/* renewals caused by notices, at most */

void dstm_notify_prog_1(struct svc_req *, SVCXPRT *);

static SVCXPRT *notify_xprt;
static uint64_t last_stamp;
static int64_t last_renew_ms = INT64_MIN / 2;

static void
notify_dispatch(struct svc_req *rq, SVCXPRT *xprt)
{
	/* the dispatch table is global: the program only on its socket */
	if (xprt != notify_xprt) {
		svcerr_noprog(xprt);
		return;
	}
	dstm_notify_prog_1(rq, xprt);
}

int
rpcd_notify_open(void)
{
	struct sockaddr_in6 sa;
	struct netconfig *nc;
	int fd, one = 1;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = rpcd.source;
	sa.sin6_port = htons(DSTM_NOTIFY_PORT);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (nc = getnetconfigent("udp6")) == NULL) {
		int rc = -errno;

		close(fd);
		return rc ? rc : -ENOENT;
	}
	notify_xprt = svc_tli_create(fd, nc, NULL, 0, 0);
	freenetconfigent(nc);
	if (notify_xprt == NULL) {
		close(fd);
		return -ENOMEM;
	}
	if (!svc_reg(notify_xprt, DSTM_NOTIFY_PROG, DSTM_NOTIFY_V1,
	    notify_dispatch, NULL)) {
		svc_destroy(notify_xprt);
		notify_xprt = NULL;
		return -EEXIST;
	}
	return 0;
}

bool_t
dstmnotify_null_1_svc(void *a, void *r, struct svc_req *rq)
{
	(void)a;
	(void)r;
	(void)rq;
	return TRUE;
}

/* Is this a notice for our lease, from the server that holds its key? */
static const char *
check(const dstm_notify_args *a)
{
	if (!rpcd.eng.configured || !rpcd.have_key)
		return "no lease";
	if (addr4_from_bytes((const uint8_t *)a->addr) != rpcd.eng.lease.addr)
		return "not our lease";
	if (memcmp(a->client, &rpcd.source, sizeof(a->client)) != 0)
		return "not our address";
	if (!dstm_notify_check(rpcd.key, a))
		return "bad MAC";
	if (a->stamp <= last_stamp)
		return "replayed";
	return NULL;
}

bool_t
dstmnotify_revoked_1_svc(dstm_notify_args *a, void *r, struct svc_req *rq)
{
	const char *why;
	char a4[ADDR_STRLEN];
	int64_t now = clock_mono_ms();

	(void)r;
	(void)rq;
	if ((why = check(a)) != NULL) {
		rpcd.ctr[RC_NOTICE_BAD]++;
		log_debug("revoke notice ignored: %s", why);
		return FALSE;
	}
	last_stamp = a->stamp;
	rpcd.ctr[RC_NOTICE]++;
	if (now - last_renew_ms < NOTICE_MIN_MS)
		return FALSE;
	last_renew_ms = now;
	log_info("the server revoked %s: renewing now", addr4_ntop(
	    rpcd.eng.lease.addr, a4, sizeof(a4)));
	rpcd_renew_now();
	return FALSE;	/* one way: no reply */
}

DSTM_FREERESULT(dstm_notify_prog_1)
