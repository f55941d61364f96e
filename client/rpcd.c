/* rpcd.c - the DSTM client daemon: leases an IPv4 address from rpcdstmd,
 * puts it on the 4over6 interface (dti0), carries its traffic in 4in6 to
 * the TEP, renews it, gives it back.
 *
 *   rpcd [-dnv] [-f FILE] [-load] [-s SERVER] [-p PORT] [-m always|ondemand]
 *        [-i IFNAME]
 *
 * engine.c decides (the lease state machine), tunnel.c moves packets, this
 * file does the I/O: RPC calls to the server, netlink, the control socket,
 * signals. */
#include "client/rpcd.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/conf.h"
#include "common/ctlsock.h"
#include "common/daemon.h"
#include "common/log.h"
#include "rpc/version.h"
#include "rpc/status.h"
#include "kernel/ip6tnl.h"
#include "kernel/nl.h"
#include "kernel/priv.h"
#include "kernel/raw6.h"
#include "kernel/sandbox.h"
#include "kernel/tun.h"
#include "rpc/dstm.h"

#define CALL_TIMEOUT_MS	3000

const char *const rc_names[RC_COUNT] = {
	"requests.alloc", "requests.renew", "requests.release",
	"replies.refused", "requests.unanswered", "leases.bound",
	"leases.lost", "notices.revoke", "notices.ignored",
};

struct rpcd rpcd;


static void
usage(void)
{
	fprintf(stderr,
	    "usage: rpcd [-dnv] [-f FILE] [-load] [-s SERVER] [-p PORT] "
	    "[-m always|ondemand|b4] [-i IFNAME] [-u USER]\n"
	    "  -load    create the 4over6 interface (a TUN device, dti0; with "
	    "backend\n"
	    "           ip6tnl a kernel ip6tnl device, loading ip6_tunnel)\n"
	    "           without it, IFNAME must exist (ip tuntap add dev dti0 "
	    "mode tun)\n"
	    "  -s, -p   server (IPv6 address or DNS name) and port (0: ask "
	    "rpcbind)\n"
	    "  -m       always: lease at start and keep it; ondemand: lease "
	    "when IPv4\n"
	    "           traffic appears, release after idle-time; b4: DS-lite "
	    "B4,\n"
	    "           no lease server, 4in6 to the AFTR ([client] aftr or "
	    "DHCPv6)\n"
	    "  -u USER  run as USER after start-up (default %s; root keeps "
	    "root)\n"
	    "  -d -v -n foreground, debug, print the configuration and exit\n"
	    "  -f FILE  configuration (default %s/rpcd.conf)\n"
	    "  -V, --version  print the version and exit\n",
	    PRIV_DEFAULT_USER, DSTM_SYSCONFDIR);
	exit(2);
}

/* ---- the server ---- */

static void
drop_client(void)
{
	ctl_close(rpcd.cl);
	rpcd.cl = NULL;
}

/* [client] source: speak from that address (a host with temporary
 * privacy addresses wants its lease on a stable one) */
static int
open_from_source(char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_in6 src;
	struct timeval tv = { CALL_TIMEOUT_MS / 1000, 0 };
	char port[8];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", rpcd.conf.port);
	if ((rc = getaddrinfo(rpcd.conf.server, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", rpcd.conf.server,
		    gai_strerror(rc));
		return -1;
	}
	memset(&src, 0, sizeof(src));
	src.sin6_family = AF_INET6;
	src.sin6_addr = rpcd.conf.source;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct netbuf nb = { ai->ai_addrlen, ai->ai_addrlen,
		    ai->ai_addr };

		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    (rpcd.cl = clnt_vc_create(fd, &nb, DSTM_PROG, DSTM_V2, 0,
		    0)) != NULL) {
			struct timeval ct = tv;

			clnt_control(rpcd.cl, CLSET_FD_CLOSE, NULL);
			clnt_control(rpcd.cl, CLSET_TIMEOUT, (char *)&ct);
			break;
		}
		snprintf(err, errlen, "[%s]:%s from the configured source: %s",
		    rpcd.conf.server, port, strerror(errno));
		close(fd);
	}
	freeaddrinfo(res);
	return rpcd.cl != NULL ? 0 : -1;
}

/* What goes wrong with the server repeats at every retry (up to one a
 * second): at most 5 lines a minute of each, then a count. */
static struct loglimit rl_unreachable, rl_refused;

static void
log_limits_init(void)
{
	loglimit_init(&rl_unreachable, "server unreachable", 60000, 5);
	loglimit_init(&rl_refused, "alloc refused", 60000, 5);
}

static int
connect_server(void)
{
	char err[CTL_ERRLEN];
	struct sockaddr_in6 local, peer;
	socklen_t len = sizeof(local);
	int fd;

	if (rpcd.cl != NULL)
		return 0;
	if (!IN6_IS_ADDR_UNSPECIFIED(&rpcd.conf.source)) {
		if (open_from_source(err, sizeof(err)) != 0) {
			snprintf(rpcd.last_error, sizeof(rpcd.last_error),
			    "%s", err);
			log_limited(&rl_unreachable, LOG_LVL_WARNING,
			    "server: %s", err);
			return -1;
		}
	} else if (ctl_open_net(&rpcd.cl, rpcd.conf.server, rpcd.conf.port,
	    false, DSTM_PROG, DSTM_V2, CALL_TIMEOUT_MS, err,
	    sizeof(err)) != 0) {
		snprintf(rpcd.last_error, sizeof(rpcd.last_error), "%s", err);
		log_limited(&rl_unreachable, LOG_LVL_WARNING, "server: %s",
		    err);
		return -1;
	}
	/* the lease belongs to the source address the server sees: tunnel
	 * packets must leave from the same one */
	if (!clnt_control(rpcd.cl, CLGET_FD, (char *)&fd) ||
	    getsockname(fd, (struct sockaddr *)&local, &len) != 0 ||
	    (len = sizeof(peer), getpeername(fd, (struct sockaddr *)&peer,
	    &len)) != 0 || local.sin6_family != AF_INET6) {
		drop_client();
		return -1;
	}
	if (!IN6_IS_ADDR_UNSPECIFIED(&rpcd.source) &&
	    memcmp(&rpcd.source, &local.sin6_addr, sizeof(rpcd.source)) != 0) {
		char a[ADDR_STRLEN], b[ADDR_STRLEN];

		/* at every retry while it lasts: limited */
		log_limited(&rl_unreachable, LOG_LVL_ERR, "our IPv6 source "
		    "changed from %s to %s; the lease stays with the old one",
		    addr6_ntop(&rpcd.source, a, sizeof(a)),
		    addr6_ntop(&local.sin6_addr, b, sizeof(b)));
		drop_client();
		return -1;
	}
	rpcd.source = local.sin6_addr;
	rpcd.server6 = peer.sin6_addr;
	return 0;
}

int
rpcd_route_source(const struct in6_addr *dst, struct in6_addr *src)
{
	struct sockaddr_in6 peer, local;
	socklen_t len = sizeof(local);
	char a[ADDR_STRLEN];
	int fd, rc = -1;

	memset(&peer, 0, sizeof(peer));
	peer.sin6_family = AF_INET6;
	peer.sin6_port = htons(RPCD_DEFAULT_PORT);
	peer.sin6_addr = *dst;
	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&local, &len) == 0) {
		*src = local.sin6_addr;
		rc = 0;
	} else {
		int e = errno;

		snprintf(rpcd.last_error, sizeof(rpcd.last_error),
		    "no route to %s: %s", addr6_ntop(dst, a, sizeof(a)),
		    strerror(e));
		log_warnx("%s", rpcd.last_error);
	}
	close(fd);
	return rc;
}

/* Which of our addresses the server will see: the kernel's route lookup
 * for the server (a connected UDP socket sends nothing). */
static int
find_source(void)
{
	struct addrinfo hints, *res = NULL;
	struct in6_addr dst;
	int rc;

	if (!IN6_IS_ADDR_UNSPECIFIED(&rpcd.conf.source)) {
		rpcd.source = rpcd.conf.source;
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo(rpcd.conf.server, "7545", &hints, &res)) != 0) {
		snprintf(rpcd.last_error, sizeof(rpcd.last_error), "%s: %s",
		    rpcd.conf.server, gai_strerror(rc));
		log_warnx("%s", rpcd.last_error);
		return -1;
	}
	rc = -1;
	if (addr6_from_sockaddr(res->ai_addr, res->ai_addrlen, &dst))
		rc = rpcd_route_source(&dst, &rpcd.source);
	freeaddrinfo(res);
	return rc;
}

static void
lease_from_wire(const dstm_lease *w, struct eng_lease *l)
{
	memset(l, 0, sizeof(*l));
	l->addr = addr4_from_bytes((const uint8_t *)w->addr);
	l->lease_time = w->lease_time;
	l->t1 = w->t1;
	l->t2 = w->t2;
	memcpy(&l->tep6, w->tep6, sizeof(l->tep6));
	if (IN6_IS_ADDR_UNSPECIFIED(&l->tep6))
		l->tep6 = rpcd.server6;
	l->tep4 = addr4_from_bytes((const uint8_t *)w->tep4);
	l->mtu = w->mtu >= 576 && w->mtu <= 65535 ? w->mtu : 1460;
}


/* One ALLOC or RENEW over tcp6 (return routable: no cookie), with the
 * lease key; feeds the outcome to the engine. */
unsigned
rpcd_call_lease(bool renew)
{
	dstm_alloc2_args aa;
	dstm_lease_args ra;
	dstm_alloc_reply ares;
	dstm_lease res;
	enum clnt_stat cs;
	struct eng_lease l;
	int64_t now;

	rpcd.ctr[renew ? RC_RENEW : RC_ALLOC]++;
	if (connect_server() != 0) {
		rpcd.ctr[RC_NO_REPLY]++;
		rpcd.unanswered = true;
		return eng_step(&rpcd.eng, EV_NO_REPLY, NULL, 0,
		    clock_mono_ms());
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&res, 0, sizeof(res));
		if (renew) {
			addr4_to_bytes(rpcd.eng.lease.addr, (uint8_t *)ra.addr);
			memcpy(ra.key, rpcd_key(), sizeof(ra.key));
			cs = dstmproc2_renew_2(&ra, &res, rpcd.cl);
		} else {
			memset(&aa, 0, sizeof(aa));
			memset(&ares, 0, sizeof(ares));
			memcpy(aa.key, rpcd_key(), sizeof(aa.key));
			cs = dstmproc2_alloc_2(&aa, &ares, rpcd.cl);
			res = ares.lease;
		}
		/* a connection the server closed (it restarted): once more on
		 * a fresh one; a timeout is not retried here */
		if (cs != RPC_CANTSEND && cs != RPC_CANTRECV)
			break;
		drop_client();
		if (connect_server() != 0)
			break;
	}
	now = clock_mono_ms();
	if (cs != RPC_SUCCESS) {
		char err[CTL_ERRLEN];

		snprintf(rpcd.last_error, sizeof(rpcd.last_error), "%s: %s",
		    renew ? "renew" : "alloc", ctl_strerror(rpcd.cl, cs, err,
		    sizeof(err)));
		log_limited(&rl_unreachable, LOG_LVL_WARNING, "%s",
		    rpcd.last_error);
		drop_client();
		rpcd.ctr[RC_NO_REPLY]++;
		rpcd.unanswered = true;
		return eng_step(&rpcd.eng, EV_NO_REPLY, NULL, 0, now);
	}
	rpcd.unanswered = false;
	if (res.status != DSTM_OK) {
		snprintf(rpcd.last_error, sizeof(rpcd.last_error),
		    "%s refused: %s", renew ? "renew" : "alloc",
		    dstm_status_msg(res.status));
		/* a refused renewal ends the lease: the "lost" line says so */
		if (renew)
			log_debug("%s", rpcd.last_error);
		else
			log_limited(&rl_refused, LOG_LVL_WARNING, "%s",
			    rpcd.last_error);
		rpcd.ctr[RC_REFUSED]++;
		return eng_step(&rpcd.eng, EV_REPLY_REFUSED, NULL,
		    (int)res.status, now);
	}
	lease_from_wire(&res, &l);
	return eng_step(&rpcd.eng, EV_REPLY_OK, &l, 0, now);
}

void
rpcd_renew_now(void)
{
	if (rpcd.eng.configured && rpcd.eng.state != ENG_REQUESTING) {
		rpcd.eng.state = ENG_RENEWING;
		rpcd_perform(rpcd_call_lease(true));
	}
}

/* RELEASE; false when the server did not answer (the lease may still be
 * bound there) */
static bool
call_release(uint32_t addr)
{
	dstm_lease_args ra;
	dstm_status st;
	enum clnt_stat cs;
	char a[ADDR_STRLEN];

	rpcd.ctr[RC_RELEASE]++;
	if (connect_server() != 0)
		return false;
	addr4_to_bytes(addr, (uint8_t *)ra.addr);
	memcpy(ra.key, rpcd_key(), sizeof(ra.key));
	cs = dstmproc2_release_2(&ra, &st, rpcd.cl);
	if ((cs == RPC_CANTSEND || cs == RPC_CANTRECV) &&
	    (drop_client(), connect_server()) == 0)
		cs = dstmproc2_release_2(&ra, &st, rpcd.cl);
	if (cs != RPC_SUCCESS) {
		drop_client();
		log_warning("released %s here, but the server did not answer "
		    "(it may keep the lease until it ends)", addr4_ntop(addr,
		    a, sizeof(a)));
		return false;
	}
	if (st == DSTM_OK)
		log_info("released %s", addr4_ntop(addr, a, sizeof(a)));
	else
		log_warning("released %s here; the server said: %s",
		    addr4_ntop(addr, a, sizeof(a)), dstm_status_msg(st));
	return true;
}

/* ---- the interface ---- */

void
rpcd_routes(bool add)
{
	struct prefix4 def = { 0, 0 };
	const struct prefix4 *p = rpcd.conf.n_routes ? rpcd.conf.routes : &def;
	unsigned n = rpcd.conf.n_routes ? rpcd.conf.n_routes : 1;

	for (unsigned i = 0; i < n; i++) {
		struct knl_route4 r = { .dst = p[i].addr, .len = p[i].len,
		    .ifindex = rpcd.ifindex };
		int rc = add ? knl_route4_add(rpcd.nl, &r, KNL_REPLACE) :
		    knl_route4_del(rpcd.nl, &r);
		char b[ADDR_STRLEN];

		if (rc != 0 && (add || rc != -ESRCH))
			log_warnx("route %s %s dev %s: %s", add ? "add" : "del",
			    prefix4_ntop(&p[i], b, sizeof(b)), rpcd.ifname,
			    strerror(-rc));
	}
}

void
rpcd_addr_set(uint32_t addr, uint32_t peer, bool add)
{
	struct knl_addr4 a = { .local = addr, .len = 32, .peer = peer };
	int rc = add ? knl_addr4_add(rpcd.nl, rpcd.ifindex, &a, KNL_REPLACE) :
	    knl_addr4_del(rpcd.nl, rpcd.ifindex, &a);
	char b[ADDR_STRLEN];

	if (rc != 0)
		log_warnx("address %s %s on %s: %s", add ? "add" : "del",
		    addr4_ntop(addr, b, sizeof(b)), rpcd.ifname, strerror(-rc));
}

/* backend ip6tnl: dti0's far end is the lease's TEP, and it is up only
 * while a lease is */
void
rpcd_kernel_tunnel(const struct in6_addr *tep6, unsigned mtu, bool up)
{
	struct knl_ip6tnl k = { .local = rpcd.source, .mtu = mtu };
	char a[ADDR_STRLEN];
	int rc;

	if (tep6 != NULL)
		k.remote = *tep6;
	if (up && (rc = knl_ip6tnl_change(rpcd.nl, rpcd.ifindex, &k)) != 0)
		log_warnx("%s: remote %s: %s", rpcd.ifname, addr6_ntop(
		    &k.remote, a, sizeof(a)), strerror(-rc));
	if ((rc = knl_link_set_up(rpcd.nl, rpcd.ifindex, up)) != 0)
		log_warnx("%s %s: %s", rpcd.ifname, up ? "up" : "down",
		    strerror(-rc));
}

static void
configure(void)
{
	const struct eng_lease *l = &rpcd.eng.lease;
	char a[ADDR_STRLEN], t[ADDR_STRLEN];
	bool renewed = rpcd.tun.addr != 0 && rpcd.tun.addr == l->addr;

	if (rpcd.conf.backend == RPCD_BACKEND_IP6TNL)
		rpcd_kernel_tunnel(&l->tep6, l->mtu, true);
	knl_link_set_mtu(rpcd.nl, rpcd.ifindex, l->mtu);
	if (!rpcd.conf.ondemand) {
		rpcd_addr_set(l->addr, l->tep4, true);
		rpcd_routes(true);
	}
	tunnel_set_lease(&rpcd.tun, l->addr, &l->tep6);
	rpcd.ctr[RC_BOUND]++;
	rpcd.last_error[0] = '\0';
	if (renewed)
		log_info("renewed %s, lease %us", addr4_ntop(l->addr, a,
		    sizeof(a)), l->lease_time);
	else
		log_info("bound %s on %s, TEP %s, lease %us, MTU %u",
		    addr4_ntop(l->addr, a, sizeof(a)), rpcd.ifname,
		    addr6_ntop(&l->tep6, t, sizeof(t)), l->lease_time, l->mtu);
}

/* The lease's address off the interface; `lost` says why when that is
 * news (a release and a swap are logged by who did them). */
static void
deconfigure(uint32_t addr, uint32_t peer, const char *lost)
{
	char a[ADDR_STRLEN];

	tunnel_set_lease(&rpcd.tun, 0, NULL);
	if (addr == 0)
		return;
	if (!rpcd.conf.ondemand) {
		rpcd_routes(false);
		rpcd_addr_set(addr, peer, false);
	}
	if (rpcd.conf.backend == RPCD_BACKEND_IP6TNL)
		rpcd_kernel_tunnel(NULL, 0, false);
	if (lost != NULL)
		log_warning("lost %s: %s; removed from %s", addr4_ntop(addr, a,
		    sizeof(a)), lost, rpcd.ifname);
	else
		log_debug("%s removed from %s", addr4_ntop(addr, a, sizeof(a)),
		    rpcd.ifname);
}

/* Why the address goes, for the log; NULL when call_release said it. */
static const char *
lost_why(unsigned act, char *buf, size_t len)
{
	if (act & ACT_SEND_RELEASE)
		return NULL;
	if (act & ACT_CONFIGURE)
		return "the server gave another address";
	if (rpcd.eng.last_status != 0)
		snprintf(buf, len, "renew refused: %s",
		    dstm_status_msg((dstm_status)rpcd.eng.last_status));
	else if (rpcd.last_error[0] != '\0')
		snprintf(buf, len, "the lease ended without an answer to the "
		    "renewals (%s)", rpcd.last_error);
	else
		snprintf(buf, len, "the lease ended without an answer to the "
		    "renewals");
	return buf;
}

/* Carry out what the engine asked for; may feed it again (replies). */
unsigned
rpcd_perform(unsigned act)
{
	for (int guard = 0; act != 0 && guard < 8; guard++) {
		struct eng_lease old = rpcd.eng.lease;
		unsigned next = 0;
		bool unanswered = false;

		if (act & ACT_SEND_RELEASE)
			unanswered = !call_release(old.addr);
		if (act & ACT_DECONFIGURE) {
			/* the engine already forgot the lease: use the one
			 * configured before this step */
			char why[sizeof(rpcd.last_error) + 64];

			deconfigure(rpcd.tun.addr, old.tep4 ? old.tep4 :
			    RPCD_PLACEHOLDER - 1, lost_why(act, why,
			    sizeof(why)));
			if (!(act & (ACT_CONFIGURE | ACT_SEND_RELEASE)))
				rpcd.ctr[RC_LOST]++;
			/* given back or lost: the next lease gets a new key;
			 * a release nobody answered keeps it, so that the
			 * next ALLOC (or the next start) gets the lease the
			 * server may still hold */
			if (!(act & ACT_CONFIGURE) && !unanswered)
				rpcd_key_forget();
		}
		if (act & ACT_CONFIGURE)
			configure();
		if (act & ACT_SEND_ALLOC)
			next |= rpcd_call_lease(false);
		if (act & ACT_SEND_RENEW)
			next |= rpcd_call_lease(true);
		act = next;
	}
	return 0;
}

/* ---- set-up ---- */

static int
open_interface(void)
{
	int fd, rc;
	char name[16];

	fd = tun_open(rpcd.conf.ifname, 0, name, sizeof(name));
	if (fd < 0) {
		log_warnx("%s %s: %s%s", rpcd.load ? "cannot create" :
		    "cannot attach to", rpcd.conf.ifname, strerror(-fd),
		    rpcd.load ? "" : " (without -load the interface must "
		    "exist: ip tuntap add dev NAME mode tun)");
		return -1;
	}
	if (!rpcd.load && !knl_link_exists(rpcd.nl, name)) {
		log_warnx("%s does not exist (use -load)", name);
		tun_close(fd);
		return -1;
	}
	snprintf(rpcd.ifname, sizeof(rpcd.ifname), "%s", name);
	if ((rc = knl_link_index(rpcd.nl, name)) < 0) {
		tun_close(fd);
		return -1;
	}
	rpcd.ifindex = rc;
	knl_disable_ipv6(name, true);	/* an IPv4 interface */
	knl_link_set_mtu(rpcd.nl, rpcd.ifindex, 1460);
	if ((rc = knl_link_set_up(rpcd.nl, rpcd.ifindex, true)) != 0) {
		log_warnx("%s up: %s", name, strerror(-rc));
		tun_close(fd);
		return -1;
	}
	return fd;
}

/* Backend ip6tnl: dti0 as a kernel device, local = our source; its
 * remote follows the lease (kernel_tunnel).  With -load we make it
 * (loading ip6_tunnel first), else it must exist as an ip6tnl device. */
static int
find_ip6tnl(void *arg, const struct knl_ip6tnl *k,
    const struct knl_link_stats *st)
{
	(void)st;
	return strcmp(k->name, arg) == 0 ? k->ifindex : 0;
}

static int
open_kernel_interface(void)
{
	struct knl_ip6tnl k;
	char why[256];
	int rc;

	memset(&k, 0, sizeof(k));
	snprintf(k.name, sizeof(k.name), "%s", rpcd.conf.ifname);
	k.local = rpcd.source;
	k.mtu = 1460;
	if (rpcd.load) {
		if (knl_ip6tnl_load(why, sizeof(why)) != 0) {
			log_warnx("cannot create %s: %s", k.name, why);
			return -1;
		}
		rc = knl_ip6tnl_add(rpcd.nl, &k);
		if (rc == -EOPNOTSUPP)
			log_warnx("cannot create %s: kernel has no ip6_tunnel",
			    k.name);
		else if (rc < 0)
			log_warnx("cannot create %s (ip6tnl): %s", k.name,
			    strerror(-rc));
		if (rc < 0)
			return -1;
		rpcd.kernel_made = true;
	} else if ((rc = knl_ip6tnl_list(rpcd.nl, find_ip6tnl, k.name)) <= 0) {
		log_warnx("%s is not an ip6tnl device (without -load it must "
		    "exist: ip -6 tunnel add %s mode ipip6 local OURS)", k.name,
		    k.name);
		return -1;
	}
	rpcd.ifindex = rc;
	snprintf(rpcd.ifname, sizeof(rpcd.ifname), "%s", k.name);
	knl_disable_ipv6(k.name, true);	/* an IPv4 interface */
	return tunnel_kernel_start(&rpcd.tun, rpcd.nl, rpcd.ifindex);
}

static void
reload(void)
{
	struct rpcd_conf nc;
	char err[CONF_ERRLEN];

	if (rpcd_conf_load(rpcd.conf_path, &nc, err, sizeof(err)) != 0) {
		log_warnx("reload refused, old config kept: %s", err);
		return;
	}
	/* what the running interface and lease hang on needs a restart */
	if (strcmp(nc.server, rpcd.conf.server) != 0 ||
	    nc.port != rpcd.conf.port ||
	    strcmp(nc.ifname, rpcd.conf.ifname) != 0 ||
	    nc.ondemand != rpcd.conf.ondemand)
		log_warnx("reload: server, port, ifname and mode changes take "
		    "effect at restart");
	if (nc.b4 != rpcd.conf.b4 || strcmp(nc.aftr, rpcd.conf.aftr) != 0 ||
	    nc.b4_addr != rpcd.conf.b4_addr || nc.b4_nat != rpcd.conf.b4_nat)
		log_warnx("reload: mode, aftr, b4-address and b4-nat changes "
		    "take effect at restart");
	if ((rpcd.eng.configured && !rpcd.conf.ondemand) || rpcd.b4_up)
		rpcd_routes(false);
	rpcd.conf.idle_time = nc.idle_time;
	rpcd.conf.aftr_refresh = nc.aftr_refresh;
	memcpy(rpcd.conf.routes, nc.routes, sizeof(nc.routes));
	rpcd.conf.n_routes = nc.n_routes;
	if (rpcd.eng.configured || rpcd.conf.ondemand || rpcd.b4_up)
		rpcd_routes(true);
	log_info("configuration reloaded");
}

static void
loop(int sfd)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;

	while (!rpcd.want_exit) {
		int nsvc = svc_max_pollfd, n, ready = 0, timeout = 1000;
		int64_t now = clock_mono_ms(), next;
		struct signalfd_siginfo si;
		uint64_t v;

		if ((size_t)nsvc + 3 > cap) {
			cap = (size_t)nsvc + 16;
			if ((pfd = reallocarray(pfd, cap, sizeof(*pfd))) == NULL)
				fatal("poll array");
		}
		memcpy(pfd, svc_pollfd, (size_t)nsvc * sizeof(*pfd));
		pfd[nsvc].fd = sfd;
		pfd[nsvc].events = POLLIN;
		pfd[nsvc + 1].fd = rpcd.tun.trigger_fd;
		pfd[nsvc + 1].events = POLLIN;
		pfd[nsvc + 2].fd = rpcd.conf.b4 ? rpcd.b4.fd : -1;
		pfd[nsvc + 2].events = POLLIN;
		next = rpcd.eng.next_ms;
		if (rpcd.conf.b4 && b4_next_ms(&rpcd.b4) < next)
			next = b4_next_ms(&rpcd.b4);
		if (next != INT64_MAX)
			timeout = next <= now ? 0 : next - now < 1000 ?
			    (int)(next - now) : 1000;
		n = poll(pfd, (nfds_t)nsvc + 3, timeout);
		if (n < 0 && errno != EINTR)
			fatal("poll");
		while (n > 0 && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP)
				rpcd.want_reload = true;
			else
				rpcd.want_exit = true;
		}
		if (rpcd.want_exit)
			break;
		if (n > 0 && (pfd[nsvc + 1].revents & POLLIN) &&
		    read(rpcd.tun.trigger_fd, &v, sizeof(v)) == sizeof(v))
			rpcd_perform(eng_step(&rpcd.eng, EV_TRIGGER, NULL, 0,
			    clock_mono_ms()));
		for (int i = 0; i < nsvc; i++)
			ready += pfd[i].fd >= 0 && pfd[i].revents != 0;
		if (ready > 0)
			svc_getreq_poll(pfd, ready);
		if (rpcd.want_reload) {
			rpcd.want_reload = false;
			daemon_notify("RELOADING=1");
			reload();
			daemon_notify("READY=1");
		}
		if (rpcd.conf.b4)
			rpcd_b4_run();
		if (clock_mono_ms() >= rpcd.eng.next_ms)
			rpcd_perform(eng_step(&rpcd.eng, EV_TIMER, NULL, 0,
			    clock_mono_ms()));
		log_limited_flush(&rl_unreachable, LOG_LVL_WARNING);
		log_limited_flush(&rl_refused, LOG_LVL_WARNING);
		if (rpcd.conf.ondemand && rpcd.eng.configured &&
		    (int64_t)time(NULL) - atomic_load(&rpcd.tun.last_activity) >
		    (int64_t)rpcd.conf.idle_time) {
			log_debug("idle for %us: releasing",
			    rpcd.conf.idle_time);
			rpcd_perform(eng_step(&rpcd.eng, EV_RELEASE, NULL, 0,
			    clock_mono_ms()));
		}
	}
	free(pfd);
}

/* backend bpf puts the kernel path in front of the tunnel; auto tries
 * it in always mode and stays on tun when it does not load */
static void
start_fast_path(void)
{
	enum rpcd_backend b = rpcd.conf.backend;
	int rc;

	if (b == RPCD_BACKEND_TUN || (b == RPCD_BACKEND_AUTO &&
	    rpcd.conf.ondemand)) {
		log_info("backend tun%s", b == RPCD_BACKEND_AUTO ?
		    " (auto: on-demand mode runs on the tun path)" : "");
		return;
	}
	rc = tunnel_fast_open(&rpcd.tun, &rpcd.source, rpcd.ifindex);
	if (rc == 0)
		log_info("backend bpf%s", b == RPCD_BACKEND_AUTO ? " (auto)" :
		    "");
	else if (b == RPCD_BACKEND_BPF)
		fatalx("backend bpf: the fast path did not load: %s",
		    strerror(-rc));
	else
		log_warnx("backend auto: tun, as the bpf fast path did not "
		    "load (%s)", strerror(-rc));
}

/* After start-up: the user of -u, with CAP_NET_ADMIN for the address,
 * routes and MTU of every lease (and the tc programs detached at exit),
 * CAP_BPF for the fast path's lease map where the kernel checks it
 * (README "Privileges").  The tunnel thread exists already: it loses
 * every capability with the uid change, and seccomp covers it too. */
static void
drop_privileges(const struct priv_user *u)
{
	uint64_t caps = PRIV_CAP(CAP_NET_ADMIN);
	char err[256], c[128];

	if (u->keep_root) {
		log_info("running as root with every capability (-u %s), "
		    "without seccomp", u->name);
		return;
	}
	if (rpcd.tun.fast != NULL && priv_bpf_needs_cap())
		caps |= PRIV_CAP(CAP_BPF);
	if (priv_drop(u, caps, err, sizeof(err)) != 0)
		fatalx("cannot drop privileges: %s", err);
	if (sandbox_enter(SANDBOX_RPCD, err, sizeof(err)) != 0)
		fatalx("cannot enter the sandbox: %s", err);
	log_info("running as %s (uid %u), capabilities: %s; seccomp on",
	    u->name, (unsigned)getuid(), priv_caps_str(caps, c, sizeof(c)));
}

int
main(int argc, char **argv)
{
	const char *path = DSTM_SYSCONFDIR "/rpcd.conf", *server = NULL;
	const char *port = NULL, *mode = NULL, *ifname = NULL;
	const char *user = PRIV_DEFAULT_USER;
	struct priv_user pu;
	int ch, foreground = 0, check = 0, verbose = 0, sfd, raw, tfd, rc;
	int pidfd = -1;
	char err[CONF_ERRLEN];
	uint32_t u;
	const char *why;

	if (dstm_version_asked(argc, argv))
		return dstm_print_version(stdout, "rpcd");
	/* the original's single-dash "-load" */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-load") == 0 ||
		    strcmp(argv[i], "--load") == 0) {
			rpcd.load = true;
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	while ((ch = getopt(argc, argv, "df:i:m:np:s:u:vh")) != -1) {
		switch (ch) {
		case 'u': user = optarg; break;
		case 'd': foreground = 1; break;
		case 'f': path = optarg; break;
		case 'i': ifname = optarg; break;
		case 'm': mode = optarg; break;
		case 'n': check = 1; break;
		case 'p': port = optarg; break;
		case 's': server = optarg; break;
		case 'v': verbose++; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (access(path, F_OK) == 0 || strcmp(path, DSTM_SYSCONFDIR
	    "/rpcd.conf") != 0) {
		if (rpcd_conf_load(path, &rpcd.conf, err, sizeof(err)) != 0) {
			fprintf(stderr, "rpcd: %s\n", err);
			return 1;
		}
		if (realpath(path, rpcd.conf_path) == NULL)
			snprintf(rpcd.conf_path, sizeof(rpcd.conf_path),
			    "%s", path);
	} else {
		rpcd_conf_defaults(&rpcd.conf);
	}
	if (server != NULL)
		snprintf(rpcd.conf.server, sizeof(rpcd.conf.server), "%s",
		    server);
	if (port != NULL) {
		if (!conf_parse_u32(port, 0, 65535, &u, &why)) {
			fprintf(stderr, "rpcd: -p: %s\n", why);
			return 2;
		}
		rpcd.conf.port = (uint16_t)u;
	}
	if (mode != NULL) {
		if (strcmp(mode, "always") != 0 && strcmp(mode, "dstm") != 0 &&
		    strcmp(mode, "ondemand") != 0 && strcmp(mode, "b4") != 0)
			usage();
		rpcd.conf.ondemand = strcmp(mode, "ondemand") == 0;
		rpcd.conf.b4 = strcmp(mode, "b4") == 0;
	}
	if (ifname != NULL)
		snprintf(rpcd.conf.ifname, sizeof(rpcd.conf.ifname), "%s",
		    ifname);
	if (check) {
		rpcd_conf_print(stdout, &rpcd.conf);
		return 0;
	}
	if (rpcd.conf.b4 && rpcd.conf.server[0] != '\0') {
		fprintf(stderr, "rpcd: mode b4 has no lease server (-s): the "
		    "AFTR is [client] aftr, or DHCPv6's\n");
		return 2;
	}
	if (!rpcd.conf.b4 && rpcd.conf.server[0] == '\0') {
		fprintf(stderr, "rpcd: no server (-s or [client] server)\n");
		return 2;
	}
	if (rpcd.conf.ondemand && rpcd.conf.backend == RPCD_BACKEND_IP6TNL) {
		fprintf(stderr, "rpcd: backend ip6tnl needs always mode "
		    "(on-demand leases on the first packet, which only the tun "
		    "path sees)\n");
		return 2;
	}
	if (priv_lookup(user, &pu, err, sizeof(err)) != 0) {
		fprintf(stderr, "rpcd: %s\n", err);
		return 1;
	}
	log_init(foreground, verbose, "rpcd");
	log_limits_init();
	eng_init(&rpcd.eng, rpcd.conf.ondemand, (uint64_t)getpid() ^
	    (uint64_t)time(NULL));
	if ((rc = knl_open(&rpcd.nl)) != 0)
		fatalx("netlink: %s", strerror(-rc));
	/* before any thread: fork keeps only the caller, and the tunnel's
	 * threads must not take our signals */
	if ((sfd = daemon_start(foreground, rpcd.conf.pid_file, &pidfd)) < 0)
		fatalx("cannot start the daemon: %s", strerror(-sfd));
	tfd = -1;
	if (rpcd.conf.backend != RPCD_BACKEND_IP6TNL &&
	    (tfd = open_interface()) < 0)
		return 1;
	/* our source address: the raw socket is bound to it */
	if (rpcd.conf.b4 && rpcd_b4_start(sfd) != 0)
		return 1;
	while (!rpcd.conf.b4 && find_source() != 0) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };

		/* start-up only: no route to the server yet; signals still
		 * stop us */
		if (poll(&p, 1, 2000) > 0)
			return 1;
	}
	if (!rpcd.conf.b4) {
		rpcd_key_load();
		if ((rc = rpcd_notify_open()) != 0)
			log_warnx("revoke notices: cannot listen on udp6 port "
			    "%u: %s; a revoked lease is noticed at T1",
			    DSTM_NOTIFY_PORT, strerror(-rc));
	}
	if (rpcd.conf.backend == RPCD_BACKEND_IP6TNL) {
		/* dti0's local address is our source: made after it */
		if (open_kernel_interface() != 0)
			return 1;
		log_info("backend ip6tnl: %s is a kernel ip6tnl device",
		    rpcd.ifname);
	} else {
		if ((raw = raw6_open(&rpcd.source)) < 0)
			fatalx("raw IPIP socket: %s", strerror(-raw));
		if ((rc = tunnel_start(&rpcd.tun, tfd, raw,
		    rpcd.conf.ondemand ? RPCD_PLACEHOLDER : 0)) != 0)
			fatalx("tunnel: %s", strerror(-rc));
		if (rpcd.conf.b4)
			tunnel_set_b4(&rpcd.tun);
		start_fast_path();
	}
	if (rpcd.conf.ondemand) {
		/* traffic is routed into dti0 from the start, sourced from
		 * the placeholder; see tunnel.h */
		rpcd_addr_set(RPCD_PLACEHOLDER, RPCD_PLACEHOLDER - 1, true);
		rpcd_routes(true);
	}
	if (rpcd.conf.b4)
		rpcd_b4_up();
	rpcd.ctl_fd = ctlsock_open(rpcd.conf.control_socket, 0600,
	    pu.keep_root ? (uid_t)-1 : pu.uid,
	    pu.keep_root ? (gid_t)-1 : pu.gid, DSTM_RPCD_PROG, DSTM_RPCD_V1, rpcd_dispatch);
	if (rpcd.ctl_fd < 0)
		fatalx("cannot open the control socket %s: %s",
		    rpcd.conf.control_socket, strerror(-rpcd.ctl_fd));
	if ((rc = ctlsock_also(rpcd.ctl_fd, DSTM_CTL_PROG, DSTM_CTL_V1,
	    rpcd_ctlprog_dispatch)) != 0)
		fatalx("cannot serve the control program on %s: %s",
		    rpcd.conf.control_socket, strerror(-rc));
	rpcd.started = (int64_t)time(NULL);
	drop_privileges(&pu);
	if (rpcd.conf.b4)
		log_info("started: b4 mode on %s, AFTR %s", rpcd.ifname,
		    rpcd.b4.name[0] ? rpcd.b4.name : rpcd.conf.aftr);
	else
		log_info("started: %s mode on %s, server %s",
		    rpcd.conf.ondemand ? "on-demand" : "always", rpcd.ifname,
		    rpcd.conf.server);
	daemon_notify("READY=1");
	if (!rpcd.conf.ondemand && !rpcd.conf.b4)
		rpcd_perform(eng_step(&rpcd.eng, EV_START, NULL, 0,
		    clock_mono_ms()));

	loop(sfd);

	log_info("stopping");
	daemon_notify("STOPPING=1");
	if (rpcd.eng.configured)
		rpcd_perform(eng_step(&rpcd.eng, EV_RELEASE, NULL, 0,
		    clock_mono_ms()));
	if (rpcd.conf.ondemand) {
		rpcd_routes(false);
		rpcd_addr_set(RPCD_PLACEHOLDER, RPCD_PLACEHOLDER - 1, false);
	}
	if (rpcd.conf.b4)
		rpcd_b4_down();
	tunnel_stop(&rpcd.tun);		/* closes dti0 (and it goes, if ours) */
	if (rpcd.kernel_made)
		knl_ip6tnl_del(rpcd.nl, rpcd.ifindex);
	unlink(rpcd.conf.control_socket);
	drop_client();
	knl_close(rpcd.nl);
	pidfile_remove(rpcd.conf.pid_file, pidfd);
	close(sfd);
	return 0;
}
