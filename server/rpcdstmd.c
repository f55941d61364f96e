/* rpcdstmd.c - the DSTM server: main, listeners, event loop, signals,
 * reload. */
#include "server/server.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <netconfig.h>
#include <poll.h>
#include <rpc/rpc_com.h>
#include <rpc/rpcb_clnt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/conf.h"
#include "common/ctlsock.h"
#include "common/daemon.h"
#include "common/fdset.h"
#include "common/log.h"
#include "kernel/priv.h"
#include "kernel/sandbox.h"
#include "rpc/version.h"
#include "rpc/dstm.h"
#include "server/conn.h"
#include "server/push.h"

#define MAX_RPC_REC	(64 * 1024)	/* nonblocking vc, bounded records */

struct server *srv;

struct listener {
	int		 fd;
	SVCXPRT		*xprt;
	const char	*netid;		/* tcp6 / udp6 */
	struct sockaddr_in6 sa;
	/* UDP: more transports on dup()s of fd, so one round can take up
	 * to SRV_UDP_BATCH datagrams while their replies wait for the
	 * group commit (a transport holds one request's xid and peer) */
	int		 dup_fd[SRV_UDP_BATCH - 1];
	unsigned	 n_dup;
	bool		 stream;
};

static struct listener listeners[2 * SRV_MAX_LISTEN];
static unsigned n_listeners;
static unsigned udp_dup_budget;	/* dups per UDP listener */
/* descriptors the loop reads itself, never svc_getreq_poll: the UDP
 * transports (drain_udp) and the listening sockets (accept_all) */
static struct fdset own_fds;
static int ep_fd = -1;		/* the event loop's epoll set */
static unsigned fd_limit;	/* RLIMIT_NOFILE after fd_budget() */
static bool rpcbind_registered;
static int ctl_fd = -1;
static char ctl_path[PATH_MAX];
static struct priv_user run_as;		/* -u */

int64_t
srv_now(void)
{
	return (int64_t)time(NULL);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: rpcdstmd [-dnv] [-c N] [-f FILE] [-t SECONDS] [-u USER]\n"
	    "  -c N     connections per source /64 (default %u, 0: no cap)\n"
	    "  -d       stay in the foreground, log to stderr\n"
	    "  -f FILE  configuration file (default %s)\n"
	    "  -n       check the configuration, print it in canonical form, "
	    "exit\n"
	    "  -t SECONDS  close a connection that completes no request for "
	    "that long\n"
	    "           (default %u, 0: never)\n"
	    "  -u USER  run as USER after start-up (default %s; root keeps "
	    "root)\n"
	    "  -v       verbose (debug) logging\n"
	    "  -V, --version  print the version and exit\n", CONN_PER_PREFIX_DEFAULT,
	    DSTM_SYSCONFDIR "/rpcdstmd.conf", CONN_IDLE_DEFAULT,
	    PRIV_DEFAULT_USER);
	exit(2);
}

/* Descriptors: raise the soft limit to the hard one (at most 65536),
 * before libtirpc sizes its tables from it, and give the UDP dups at most
 * a sixteenth of it, so connections keep their room (libtirpc starts
 * closing idle connections at four fifths of the limit). */
static unsigned
fd_budget(unsigned n_udp)
{
	struct rlimit rl;
	rlim_t want;
	unsigned per;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 :
	    rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	fd_limit = rl.rlim_cur > 1048576 ? 1048576 : (unsigned)rl.rlim_cur;
	per = (unsigned)(rl.rlim_cur / 16 / (n_udp ? n_udp : 1));
	return per < SRV_UDP_BATCH - 1 ? per : SRV_UDP_BATCH - 1;
}

/* The datagram transports on dup()s of a UDP listener: the event loop
 * polls only the listener's own descriptor and reads through these. */
static void
add_udp_dups(struct listener *l)
{
	struct netconfig *nc;
	int fl = fcntl(l->fd, F_GETFL), rcvbuf = SRV_UDP_RCVBUF;

	/* shared by the dups: a transport that finds the queue empty must
	 * return at once */
	if (fl < 0 || fcntl(l->fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    (nc = getnetconfigent(l->netid)) == NULL) {
		log_warn("udp batch on %s: reads stay one per round", l->netid);
		return;
	}
	/* root may exceed net.core.rmem_max; otherwise take what is allowed */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) != 0)
		(void)setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	while (l->n_dup < udp_dup_budget) {
		int fd = fcntl(l->fd, F_DUPFD_CLOEXEC, 0);

		if (fd < 0)
			break;
		if (!fdset_set(&own_fds, fd, true)) {
			close(fd);
			break;
		}
		if (svc_tli_create(fd, nc, NULL, 0, 0) == NULL) {
			fdset_set(&own_fds, fd, false);
			close(fd);
			break;
		}
		l->dup_fd[l->n_dup++] = fd;
	}
	freenetconfigent(nc);
}


/* A readable UDP listener: read datagrams through its transports (its
 * own and the dups) that have no reply held, until the queue is empty (a
 * transport that reads nothing calls no procedure) or every free
 * transport has one request. */
static void
drain_udp(struct server *s, struct listener *l)
{
	for (unsigned k = 0; k <= l->n_dup; k++) {
		int fd = k == 0 ? l->fd : l->dup_fd[k - 1];
		uint64_t before = srvsvc_calls(s);

		if (commit_fd_held(fd))
			continue;
		svc_getreq_common(fd);
		if (srvsvc_calls(s) == before)
			break;
	}
}

/* A listening socket (TCP listener or the control socket): its accept
 * runs only after the round's commit, when no reply is held, because
 * libtirpc may destroy an idle connection to make room for a new one
 * (its fd reaper) and that connection may be one with a held reply.
 * Accept every waiting connection (up to a batch); their requests are
 * read together next round. */
static void
accept_all(int fd, unsigned *accepted)
{
	for (unsigned k = 0; k < SRV_ACCEPT_BATCH; k++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
			break;
		/* below libtirpc's reaper: it would close a connection
		 * inside the accept, out of conn_scan's sight */
		conn_make_room(*accepted);
		svc_getreq_common(fd);
		(*accepted)++;
	}
}

static int
listen_one(const struct in6_addr *a, uint16_t port, bool stream)
{
	struct listener *l = &listeners[n_listeners];
	struct netconfig *nc;
	int one = 1, fd;
	char buf[ADDR_STRLEN];

	l->netid = stream ? "tcp6" : "udp6";
	fd = socket(AF_INET6, (stream ? SOCK_STREAM : SOCK_DGRAM) |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	memset(&l->sa, 0, sizeof(l->sa));
	l->sa.sin6_family = AF_INET6;
	l->sa.sin6_addr = *a;
	l->sa.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&l->sa, sizeof(l->sa)) != 0 ||
	    (stream && listen(fd, SOMAXCONN) != 0)) {
		log_warn("bind %s [%s]:%u", l->netid,
		    addr6_ntop(a, buf, sizeof(buf)), port);
		close(fd);
		return -1;
	}
	if ((nc = getnetconfigent(l->netid)) == NULL) {
		log_warnx("no netconfig entry for %s", l->netid);
		close(fd);
		return -1;
	}
	/* connections: small buffers (a request or reply is under 1 KiB;
	 * libtirpc grows the receive buffer for a bigger record, up to
	 * MAX_RPC_REC): the default 64 KiB each cost 1.6 GB at 16,000
	 * connections */
	l->xprt = stream ? svc_tli_create(fd, nc, NULL, SRV_TCP_SENDSZ,
	    SRV_TCP_RECVSZ) : svc_tli_create(fd, nc, NULL, 0, 0);
	freenetconfigent(nc);
	if (l->xprt == NULL) {
		log_warnx("svc_tli_create %s failed", l->netid);
		close(fd);
		return -1;
	}
	/* NULL netconfig: register the dispatcher, not with rpcbind;
	 * version 1 only to refuse it clearly (svc.c) */
	if (!svc_reg(l->xprt, DSTM_PROG, DSTM_V2, dstm_prog_2, NULL) ||
	    !svc_reg(l->xprt, DSTM_PROG, DSTM_V1, dstm_prog_1, NULL))
		fatalx("svc_reg failed");
	l->fd = fd;
	l->n_dup = 0;
	l->stream = stream;
	if (!fdset_set(&own_fds, fd, true))
		fatalx("out of memory");
	if (!stream)
		add_udp_dups(l);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		log_warn("tcp listener: non-blocking");
	n_listeners++;
	log_info("listening on %s [%s]:%u", l->netid,
	    addr6_ntop(a, buf, sizeof(buf)), port);
	return 0;
}

static void rpcbind_unregister(void);

/* A start-up failure after something outside us was touched: undo the
 * rpcbind registration and the control socket, then exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
startup_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rpcbind_unregister();
	if (ctl_fd >= 0)
		unlink(ctl_path);
	fatalx("%s", msg);
}

static void
rpcbind_register(const struct server_conf *c)
{
	bool any = false;
	bool as_user = !run_as.keep_root && geteuid() == 0 && run_as.uid != 0;

	if (c->rpcbind == RPCBIND_NO)
		return;
	/* auto: only when a local rpcbind is there, so start-up never waits
	 * on timeouts */
	if (c->rpcbind == RPCBIND_AUTO && access("/run/rpcbind.sock", F_OK) != 0) {
		log_debug("rpcbind not running; not registering");
		return;
	}
	for (unsigned i = 0; i < n_listeners; i++) {
		struct netconfig *nc = getnetconfigent(listeners[i].netid);
		struct netbuf nb = {
			.len = sizeof(listeners[i].sa),
			.maxlen = sizeof(listeners[i].sa),
			.buf = &listeners[i].sa,
		};

		if (nc == NULL)
			continue;
		/* a server killed with -9 leaves its registration behind:
		 * take the program over rather than fail */
		if (rpcb_unset(DSTM_PROG, DSTM_V1, nc) |
		    rpcb_unset(DSTM_PROG, DSTM_V2, nc))
			log_debug("rpcbind: replaced an old %s registration",
			    listeners[i].netid);
		/* rpcbind lets only the owner (or root) unset: register
		 * as the user we run as later, so that the stop can */
		if (as_user && seteuid(run_as.uid) != 0)
			log_warn("rpcbind: seteuid %u", (unsigned)run_as.uid);
		if (rpcb_set(DSTM_PROG, DSTM_V2, nc, &nb) &&
		    rpcb_set(DSTM_PROG, DSTM_V1, nc, &nb))
			any = true;
		else
			log_warnx("rpcbind: cannot register %s",
			    listeners[i].netid);
		if (as_user && seteuid(0) != 0)
			fatal("seteuid 0");
		freenetconfigent(nc);
	}
	if (!any && c->rpcbind == RPCBIND_YES)
		startup_fail("rpcbind = yes, but registration failed");
	if (any)
		log_info("registered with rpcbind");
	rpcbind_registered = any;
}

static void
rpcbind_unregister(void)
{
	if (!rpcbind_registered)
		return;
	for (unsigned i = 0; i < n_listeners; i++) {
		struct netconfig *nc = getnetconfigent(listeners[i].netid);

		if (nc == NULL)
			continue;
		rpcb_unset(DSTM_PROG, DSTM_V1, nc);
		rpcb_unset(DSTM_PROG, DSTM_V2, nc);
		freenetconfigent(nc);
	}
	rpcbind_registered = false;
}

static int
control_open(const struct server_conf *c)
{
	int fd;

	if ((fd = ctlsock_open(c->control_socket, c->control_mode,
	    run_as.keep_root ? (uid_t)-1 : run_as.uid,
	    run_as.keep_root ? (gid_t)-1 : run_as.gid,
	    DSTM_CTL_PROG, DSTM_CTL_V1, ctl_dispatch)) < 0)
		return fd;
	if (ctlsock_also(fd, DSTM_AFTR_CTL_PROG, DSTM_AFTR_CTL_V1,
	    aftr_ctl_dispatch) != 0)
		log_warnx("control socket: cannot serve the AFTR program");
	ctl_fd = fd;
	if (!fdset_set(&own_fds, ctl_fd, true))	/* accepted by accept_all */
		fatalx("out of memory");
	snprintf(ctl_path, sizeof(ctl_path), "%s", c->control_socket);
	return 0;
}

static void
compute_tep6(struct server *s)
{
	memset(&s->tep6, 0, sizeof(s->tep6));
	if (s->conf.gw.tep6_set) {
		s->tep6 = s->conf.gw.tep6;
		return;
	}
	/* co-located default: the server's own listen address */
	for (unsigned i = 0; i < s->conf.n_listen; i++)
		if (!IN6_IS_ADDR_UNSPECIFIED(&s->conf.listen[i])) {
			s->tep6 = s->conf.listen[i];
			return;
		}
}

static void
apply_conf_to_table(struct server *s)
{
	s->leases.lease_time = s->conf.lease_time;
	s->leases.hold_time = s->conf.hold_time;
	s->leases.max_per_client = s->conf.max_leases_per_client;
	s->leases.max_per_prefix = s->conf.max_leases_per_prefix;
	if (lease_set_prefix_len(&s->leases, s->conf.prefix_length) != 0)
		fatalx("out of memory counting leases per prefix");
}

int
srv_reload(struct server *s, char *msg, size_t msglen)
{
	struct server_conf nc;
	struct lease_table nt;
	char err[CONF_ERRLEN], a[ADDR_STRLEN];
	uint32_t lost = 0;
	bool restart = false, gw_kept = false, aftr_kept = false;
	bool hairpin_moved, hairpin_ok;
	int rc;

	if (server_conf_load(s->conf_path, &nc, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "reload refused, old config kept: %s",
		    err);
		log_warnx("%s", msg);
		return -1;
	}
	rc = lease_table_init(&nt, nc.ranges, nc.n_ranges, nc.excludes,
	    nc.n_excludes);
	if (rc != 0) {
		snprintf(msg, msglen, "reload refused: cannot build pool: %s",
		    strerror(-rc));
		goto refuse;
	}
	if (lease_table_migrate(&nt, &s->leases, &lost) != 0) {
		snprintf(msg, msglen, "reload refused: the new pool drops the "
		    "bound lease %s (revoke it first)",
		    addr4_ntop(lost, a, sizeof(a)));
		lease_table_free(&nt);
		goto refuse;
	}
	/* what the running sockets and files depend on needs a restart */
	if (nc.n_listen != s->conf.n_listen || nc.port != s->conf.port ||
	    memcmp(nc.listen, s->conf.listen, sizeof(nc.listen)) != 0 ||
	    strcmp(nc.state_dir, s->conf.state_dir) != 0 ||
	    strcmp(nc.control_socket, s->conf.control_socket) != 0 ||
	    nc.control_mode != s->conf.control_mode ||
	    strcmp(nc.pid_file, s->conf.pid_file) != 0 ||
	    nc.rpcbind != s->conf.rpcbind ||
	    nc.journal_sync != s->conf.journal_sync ||
	    nc.gw_enable != s->conf.gw_enable ||
	    nc.n_remote != s->conf.n_remote ||
	    memcmp(nc.remote, s->conf.remote, sizeof(nc.remote)) != 0) {
		restart = true;
		memcpy(nc.listen, s->conf.listen, sizeof(nc.listen));
		nc.n_listen = s->conf.n_listen;
		nc.port = s->conf.port;
		memcpy(nc.state_dir, s->conf.state_dir, sizeof(nc.state_dir));
		memcpy(nc.control_socket, s->conf.control_socket,
		    sizeof(nc.control_socket));
		nc.control_mode = s->conf.control_mode;
		memcpy(nc.pid_file, s->conf.pid_file, sizeof(nc.pid_file));
		nc.rpcbind = s->conf.rpcbind;
		nc.journal_sync = s->conf.journal_sync;
		nc.gw_enable = s->conf.gw_enable;
		memcpy(nc.remote, s->conf.remote, sizeof(nc.remote));
		nc.n_remote = s->conf.n_remote;
	}
	/* the running gateway's socket, TUN and tunnel MTU are bound to
	 * these; the pool's routes follow the reload (colocate_reroute),
	 * and so does hairpin (colocate_hairpin) */
	if (s->gw_local != NULL && (nc.gw.tep6_set != s->conf.gw.tep6_set ||
	    memcmp(&nc.gw.tep6, &s->conf.gw.tep6, sizeof(nc.gw.tep6)) != 0 ||
	    nc.gw.tep4 != s->conf.gw.tep4 || nc.gw.mtu != s->conf.gw.mtu ||
	    nc.gw.icmp_source != s->conf.gw.icmp_source ||
	    nc.gw.backend != s->conf.gw.backend ||
	    strcmp(nc.gw.ifname, s->conf.gw.ifname) != 0 ||
	    nc.gw.mss_clamp != s->conf.gw.mss_clamp)) {
		bool hairpin = nc.gw.hairpin;	/* applies at once */

		gw_kept = true;
		nc.gw = s->conf.gw;
		nc.gw.hairpin = hairpin;
	}
	/* the NAT's tables are sized by [aftr]: it changes at restart */
	if (!gw_aftr_same(&nc.aftr, &s->conf.aftr)) {
		aftr_kept = true;
		nc.aftr = s->conf.aftr;
	}
	if (s->gw_local != NULL && gw_aftr_overlaps(&nc.aftr, nc.ranges,
	    nc.n_ranges)) {
		snprintf(msg, msglen, "reload refused: the new pool overlaps "
		    "the running AFTR's public pool");
		lease_table_free(&nt);
		goto refuse;
	}
	hairpin_moved = s->gw_local != NULL &&
	    nc.gw.hairpin != s->conf.gw.hairpin;
	nt.lease_time = s->leases.lease_time;
	lease_table_free(&s->leases);
	s->leases = nt;
	server_conf_free(&s->conf);
	s->conf = nc;
	apply_conf_to_table(s);
	compute_tep6(s);
	colocate_reroute(s);
	hairpin_ok = colocate_hairpin(s);
	s->counters[C_RELOADS]++;
	snprintf(msg, msglen, "configuration reloaded: %u addresses, %u "
	    "bound%s%s%s%s", s->leases.size - s->leases.n_excluded,
	    s->leases.bound.count + s->leases.n_static, !hairpin_moved ? "" :
	    !hairpin_ok ? "; [gateway] hairpin = no refused: the ip6tnl "
	    "backend cannot drop client-to-client traffic" :
	    s->conf.gw.hairpin ? "; [gateway] hairpin = yes in force" :
	    "; [gateway] hairpin = no in force", restart ?
	    "; listen, port, state-dir, control-socket, control-mode, "
	    "pid-file, rpcbind, journal-sync and [gateway] enable/remote "
	    "changes take effect at restart" : "",
	    gw_kept ? "; [gateway] tep6, tep4, icmp-source, mtu, backend, "
	    "ifname and mss-clamp changes take effect at restart" : "",
	    aftr_kept ? "; [aftr] changes take effect at restart" : "");
	log_info("%s", msg);
	return 0;
refuse:
	log_warnx("%s", msg);
	server_conf_free(&nc);
	return -1;
}

static void
handle_signals(struct server *s, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			s->want_reload = true;
		else
			s->want_exit = true;
	}
}

/* A ready connection: read its request (one per round); a transport
 * with a reply held is left for the next round. */
static void
serve_conn(struct server *s, const struct epoll_event *ev, int64_t now_ms)
{
	struct pollfd p = { .fd = ev->data.fd, .events = POLLIN };
	uint64_t before;

	if (commit_fd_held(p.fd))
		return;
	p.revents = (short)((ev->events & EPOLLIN ? POLLIN : 0) |
	    (ev->events & EPOLLHUP ? POLLHUP : 0) |
	    (ev->events & EPOLLERR ? POLLERR : 0));
	before = srvsvc_calls(s) + s->counters[C_CTL_REQUESTS];
	svc_getreq_poll(&p, 1);
	/* the idle timeout counts from the last request completed */
	if (srvsvc_calls(s) + s->counters[C_CTL_REQUESTS] != before)
		conn_active(p.fd, now_ms);
}

/* One thread, one epoll set: the signalfd, the listeners (UDP read by
 * drain_udp, TCP and the control socket accepted by accept_all) and
 * every connection (added by conn_scan when it adopts one). */
static void
event_loop(struct server *s, int sfd)
{
	struct epoll_event evs[SRV_EPOLL_EVENTS];
	int64_t last_scan = 0;

	while (!s->want_exit) {
		int64_t next = lease_next_event(&s->leases), now = srv_now();
		int timeout, n, rc;
		bool udp_ready[2 * SRV_MAX_LISTEN] = { false };
		bool tcp_ready = false, ctl_ready = false;
		int64_t now_ms;
		char msg[DSTM_MAX_MSG];

		timeout = next == INT64_MAX ? 1000 :
		    next <= now ? 0 : (next - now) * 1000 > 1000 ? 1000 :
		    (int)(next - now) * 1000;
		timeout = store_timeout(s, timeout);
		n = epoll_wait(ep_fd, evs, SRV_EPOLL_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		now_ms = clock_mono_ms();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			unsigned k;

			if (fd == sfd) {
				handle_signals(s, sfd);
				continue;
			}
			if (fd == ctl_fd) {
				ctl_ready = true;
				continue;
			}
			for (k = 0; k < n_listeners; k++)
				if (listeners[k].fd == fd)
					break;
			if (k == n_listeners)
				serve_conn(s, &evs[i], now_ms);
			else if (listeners[k].stream)
				tcp_ready = true;
			else
				udp_ready[k] = true;
		}
		for (unsigned k = 0; k < n_listeners; k++)
			if (udp_ready[k])
				drain_udp(s, &listeners[k]);
		if (s->want_reload) {
			s->want_reload = false;
			daemon_notify("RELOADING=1");
			rc = srv_reload(s, msg, sizeof(msg));
			(void)rc;
			daemon_notify("READY=1");
		}
		srv_expire(s);
		/* group commit: one journal sync for the round's changes
		 * (expiries included), then the replies held for it */
		commit_round(s);
		/* nothing is held now: forget the connections closed this
		 * round (their numbers may come back), let new ones in, adopt
		 * them (over their prefix's cap: closed), close the idle */
		now_ms = clock_mono_ms();
		if (tcp_ready || ctl_ready || now_ms - last_scan >= 1000) {
			unsigned accepted = 0;

			conn_scan(svc_pollfd, svc_max_pollfd, &own_fds, now_ms);
			for (unsigned k = 0; k < n_listeners; k++)
				if (tcp_ready && listeners[k].stream)
					accept_all(listeners[k].fd, &accepted);
			if (ctl_ready)
				accept_all(ctl_fd, &accepted);
			if (accepted > 0)
				conn_scan(svc_pollfd, svc_max_pollfd, &own_fds,
				    now_ms);
			last_scan = now_ms;
			/* right after a scan: a descriptor libtirpc closed
			 * is forgotten before its number can come back in
			 * another thread's socket */
			conn_expire(now_ms);
		}
		store_maybe_compact(s);
		ctl_counters_tick(s);
	}
}

/* After start-up, before any thread: the user of -u, and only what the
 * running server still needs (README "Privileges"): CAP_NET_ADMIN with a
 * co-located gateway, whose pool routes follow a reload and whose tc
 * programs are detached at exit; CAP_BPF for its map updates on kernels
 * that check it on every bpf() call.  A server without a gateway keeps
 * none. */
static void
drop_privileges(struct server *s)
{
	const char *be = colocate_backend(s);
	uint64_t caps = 0;
	char err[256], c[128];
	int rc;

	if (run_as.keep_root) {
		log_info("running as root with every capability (-u %s), "
		    "without seccomp", run_as.name);
		return;
	}
	if (be != NULL) {
		caps |= PRIV_CAP(CAP_NET_ADMIN);
		if (strcmp(be, "bpf") == 0 && priv_bpf_needs_cap())
			caps |= PRIV_CAP(CAP_BPF);
	}
	/* the journal's compaction creates and renames files there */
	if ((rc = priv_own_dir(&run_as, s->conf.state_dir)) != 0)
		startup_fail("state-dir %s: cannot give it to user %s: %s%s",
		    s->conf.state_dir, run_as.name, strerror(-rc), rc ==
		    -ENOTDIR ? " (it holds more than files: give the "
		    "server a directory of its own)" : "");
	if (priv_drop(&run_as, caps, err, sizeof(err)) != 0)
		startup_fail("cannot drop privileges: %s", err);
	if (sandbox_enter(SANDBOX_RPCDSTMD, err, sizeof(err)) != 0)
		startup_fail("cannot enter the sandbox: %s", err);
	log_info("running as %s (uid %u), capabilities: %s; seccomp on",
	    run_as.name, (unsigned)getuid(), priv_caps_str(caps, c,
	    sizeof(c)));
}

static void
ep_watch(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
		fatal("epoll_ctl");
}

/* All connections at once: below four fifths of the descriptor limit,
 * where libtirpc's reaper starts (it counts our listeners and UDP
 * transports too, and the connection being accepted). */
static unsigned
conn_cap(void)
{
	unsigned own = ctl_fd >= 0 ? 1 : 0, limit = fd_limit / 5 * 4;

	if (fd_limit == 0)
		return 0;	/* unknown: no cap of ours */
	for (unsigned i = 0; i < n_listeners; i++)
		own += 1 + listeners[i].n_dup;
	return limit > own + 2 ? limit - own - 2 : 1;
}

static int
server_opt(int ch, const char *arg, void *ctx)
{
	struct conn_limits *l = ctx;
	uint32_t v;
	const char *why;

	switch (ch) {
	case 'c':
		if (!conf_parse_u32(arg, 0, 1000000, &v, &why)) {
			fprintf(stderr, "rpcdstmd: -c %s: %s\n", arg, why);
			return -1;
		}
		l->per_prefix = v;
		return 0;
	case 't':
		if (!conf_parse_u32(arg, 0, 86400, &v, &why)) {
			fprintf(stderr, "rpcdstmd: -t %s: %s\n", arg, why);
			return -1;
		}
		l->idle_s = v;
		return 0;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static struct server server;
	struct conn_limits cl = {
		.idle_s = CONN_IDLE_DEFAULT,
		.per_prefix = CONN_PER_PREFIX_DEFAULT,
	};
	struct daemon_opts o = {
		.conf_path = DSTM_SYSCONFDIR "/rpcdstmd.conf",
		.user = PRIV_DEFAULT_USER,
		.extra = "c:t:",
		.extra_fn = server_opt,
		.extra_ctx = &cl,
	};
	char err[CONF_ERRLEN];
	int sfd, pidfd;
	int maxrec = MAX_RPC_REC, rc;

	if (dstm_version_asked(argc, argv))
		return dstm_print_version(stdout, "rpcdstmd");
	if (daemon_getopt(argc, argv, &o) != 0)
		usage();
	srv = &server;
	if (server_conf_load(o.conf_path, &server.conf, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "rpcdstmd: %s\n", err);
		return 1;
	}
	if (o.check) {
		server_conf_print(stdout, &server.conf);
		server_conf_free(&server.conf);
		return 0;
	}
	if (realpath(o.conf_path, server.conf_path) == NULL)
		snprintf(server.conf_path, sizeof(server.conf_path), "%s",
		    o.conf_path);
	if (priv_lookup(o.user, &run_as, err, sizeof(err)) != 0) {
		fprintf(stderr, "rpcdstmd: %s\n", err);
		return 1;
	}
	log_init(o.foreground, o.verbose, "rpcdstmd");

	rc = lease_table_init(&server.leases, server.conf.ranges,
	    server.conf.n_ranges, server.conf.excludes, server.conf.n_excludes);
	if (rc != 0)
		fatalx("cannot build the pool: %s", strerror(-rc));
	apply_conf_to_table(&server);
	compute_tep6(&server);
	policy_rate_init(&server.rl);
	if (store_open(&server) != 0)
		fatalx("refusing to start without the lease state");
	server.started = srv_now();
	ctl_counters_load(&server);

	/* the data plane before the service: once the port answers, the
	 * bindings of the journal carry traffic (threads start later) */
	if ((rc = colocate_open(&server)) != 0)
		startup_fail("cannot start the co-located gateway: %s",
		    strerror(-rc));
	rpc_control(RPC_SVC_CONNMAXREC_SET, &maxrec);
	if ((rc = notify_open()) != 0)
		startup_fail("cannot open the revoke notice socket: %s",
		    strerror(-rc));
	udp_dup_budget = fd_budget(server.conf.n_listen);
	for (unsigned i = 0; i < server.conf.n_listen; i++) {
		if (listen_one(&server.conf.listen[i], server.conf.port, true) ||
		    listen_one(&server.conf.listen[i], server.conf.port, false))
			fatalx("cannot listen on port %u", server.conf.port);
	}
	if ((ep_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal("epoll_create1");
	for (unsigned i = 0; i < n_listeners; i++)
		ep_watch(listeners[i].fd);
	if ((rc = conn_setup(&cl, ep_fd)) != 0)
		fatalx("connection limits: %s", strerror(-rc));
	/* what can fail visibly happens before detaching, so that the exit
	 * status and the terminal say so */
	rpcbind_register(&server.conf);
	if ((rc = control_open(&server.conf)) != 0)
		startup_fail("cannot open the control socket %s: %s",
		    server.conf.control_socket, strerror(-rc));
	/* before any thread: fork keeps only the caller, and the gateway's
	 * threads must not take our signals */
	if ((sfd = daemon_start(o.foreground, server.conf.pid_file, &pidfd)) < 0)
		fatalx("cannot start the daemon: %s", strerror(-sfd));
	ep_watch(ctl_fd);
	ep_watch(sfd);
	conn_set_cap(conn_cap());
	drop_privileges(&server);
	if ((rc = colocate_start(&server)) != 0)
		startup_fail("cannot start the co-located gateway: %s",
		    strerror(-rc));
	if ((rc = push_open(&server)) != 0)
		startup_fail("cannot start pushing to the gateways: %s",
		    strerror(-rc));

	/* expire what ran out while we were down before taking requests */
	srv_expire(&server);
	store_commit(&server);
	log_info("started: %u addresses, %u bound, lease %us, journal%s",
	    server.leases.size - server.leases.n_excluded,
	    server.leases.bound.count + server.leases.n_static,
	    server.conf.lease_time, server.conf.journal_sync ? " (sync)" :
	    " (no sync)");
	daemon_notify("READY=1");

	event_loop(&server, sfd);

	log_info("shutting down");
	daemon_notify("STOPPING=1");
	rpcbind_unregister();
	colocate_close(&server);
	push_close(&server);
	if (ctl_fd >= 0)
		unlink(ctl_path);
	commit_close(&server);
	ctl_counters_save(&server);
	notify_close();
	store_close(&server);
	pidfile_remove(server.conf.pid_file, pidfd);
	svc_exit();
	conn_free();
	close(ep_fd);
	lease_table_free(&server.leases);
	server_conf_free(&server.conf);
	close(sfd);
	return 0;
}
