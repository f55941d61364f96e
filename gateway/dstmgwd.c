/* dstmgwd.c - the standalone DSTM gateway (tunnel end point): the data
 * plane of gw.c, fed with bindings by the DSTM server over the gateway
 * program (gw_svc.c) on tcp6, and answering dstmctl on a local UNIX
 * socket (gw_ctl.c).  One thread runs the RPC event loop; gw.c runs the
 * packets in its own. */
#include <errno.h>
#include <limits.h>
#include <netconfig.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <rpc/rpc_com.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/ctlsock.h"
#include "common/daemon.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/gw_svc.h"
#include "gateway/gwconf.h"
#include "kernel/priv.h"
#include "kernel/sandbox.h"
#include "rpc/version.h"
#include "rpc/dstm.h"

/* non-blocking connections with bounded records, so a slow or hostile
 * caller cannot stall the loop; a SYNC chunk is under 40 KiB */
#define MAX_RPC_REC	(64 * 1024)

struct gwd {
	char		 conf_path[PATH_MAX];
	struct gwd_conf	 conf;
	struct gw	*gw;
	struct gwsvc	 svc;
	int		 sfd;
	int		 ctl_fd;
	bool		 want_exit;
	bool		 want_reload;
};

static struct gwd *gwd;		/* for the control program's reload */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dstmgwd [-dnv] [-f FILE] [-u USER]\n"
	    "  -d       stay in the foreground, log to stderr\n"
	    "  -f FILE  configuration file (default %s)\n"
	    "  -n       check the configuration, print it in canonical form, "
	    "exit\n"
	    "  -u USER  run as USER after start-up (default %s; root keeps "
	    "root)\n"
	    "  -v       verbose (debug) logging\n"
	    "  -V, --version  print the version and exit\n",
	    DSTM_SYSCONFDIR "/dstmgwd.conf", PRIV_DEFAULT_USER);
	exit(2);
}

/* The gateway program on tcp6 [a]:port; no rpcbind (fixed port). */
static int
listen_gw(const struct in6_addr *a, uint16_t port)
{
	struct sockaddr_in6 sa;
	struct netconfig *nc;
	SVCXPRT *xprt;
	char buf[ADDR_STRLEN];
	int one = 1, fd, rc;

	if ((fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = *a;
	sa.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		rc = -errno;
		log_warn("bind tcp6 [%s]:%u", addr6_ntop(a, buf, sizeof(buf)),
		    port);
		goto fail;
	}
	if ((nc = getnetconfigent("tcp6")) == NULL) {
		log_warnx("no netconfig entry for tcp6");
		rc = -ENOENT;
		goto fail;
	}
	xprt = svc_tli_create(fd, nc, NULL, 0, 0);
	freenetconfigent(nc);
	if (xprt == NULL) {
		log_warnx("svc_tli_create tcp6 failed");
		rc = -ENOMEM;
		goto fail;
	}
	if (!svc_reg(xprt, DSTM_GW_PROG, DSTM_GW_V1, gwsvc_dispatch, NULL))
		fatalx("svc_reg gateway program failed");
	log_info("gateway program on tcp6 [%s]:%u",
	    addr6_ntop(a, buf, sizeof(buf)), port);
	return 0;
fail:
	close(fd);
	return rc;
}

static void
handle_signals(struct gwd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			d->want_reload = true;
		else
			d->want_exit = true;
	}
}

/* Reload the configuration file: [servers] allow, the pools and hairpin
 * change at once (the pool routes follow); the other keys need a restart
 * and keep their running values.  Refused, changing nothing, when the file is bad
 * or a binding would fall outside the new pools. */
static int
gwd_reload(struct gwd *d, char *msg, size_t len)
{
	struct gwd_conf nc;
	char err[CONF_ERRLEN], a[ADDR_STRLEN];
	bool restart, route_err, hairpin_moved, hairpin_ok, aftr_kept;
	uint32_t out;
	int rc;

	if (gwd_conf_load(d->conf_path, &nc, err, sizeof(err)) != 0) {
		snprintf(msg, len, "reload refused: %s", err);
		goto refused;
	}
	if (gw_binding_outside(d->gw, nc.pools, nc.n_pools, &out)) {
		snprintf(msg, len, "reload refused: the new pools leave out %s, "
		    "which is bound", addr4_ntop(out, a, sizeof(a)));
		gwd_conf_free(&nc);
		goto refused;
	}
	/* the NAT's tables are sized by [aftr]: it changes at restart */
	if ((aftr_kept = !gw_aftr_same(&nc.aftr, &d->conf.aftr)))
		nc.aftr = d->conf.aftr;
	if (gw_aftr_overlaps(&nc.aftr, nc.pools, nc.n_pools)) {
		snprintf(msg, len, "reload refused: the new pools overlap the "
		    "running AFTR's public pool");
		gwd_conf_free(&nc);
		goto refused;
	}
	restart = nc.n_listen != d->conf.n_listen ||
	    memcmp(nc.listen, d->conf.listen, sizeof(nc.listen)) != 0 ||
	    nc.port != d->conf.port ||
	    memcmp(gwd_conf_tep6(&nc), gwd_conf_tep6(&d->conf),
	    sizeof(struct in6_addr)) != 0 ||
	    nc.gw.tep4 != d->conf.gw.tep4 ||
	    nc.gw.icmp_source != d->conf.gw.icmp_source ||
	    nc.gw.mtu != d->conf.gw.mtu ||
	    nc.gw.mss_clamp != d->conf.gw.mss_clamp ||
	    strcmp(nc.gw.ifname, d->conf.gw.ifname) != 0 ||
	    strcmp(nc.control_socket, d->conf.control_socket) != 0 ||
	    strcmp(nc.pid_file, d->conf.pid_file) != 0;
	if ((rc = gw_reroute(d->gw, nc.pools, nc.n_pools)) != 0)
		/* the bindings are kept; a route may be missing: say so */
		log_warnx("reload: cannot route every new pool: %s",
		    strerror(-rc));
	route_err = rc != 0;
	/* keep what only a restart changes */
	memcpy(nc.listen, d->conf.listen, sizeof(nc.listen));
	nc.n_listen = d->conf.n_listen;
	nc.port = d->conf.port;
	hairpin_moved = nc.gw.hairpin != d->conf.gw.hairpin;
	if ((hairpin_ok = gw_set_hairpin(d->gw, nc.gw.hairpin) == 0))
		d->conf.gw.hairpin = nc.gw.hairpin;
	nc.gw = d->conf.gw;
	nc.gw.tep6 = *gwd_conf_tep6(&d->conf);
	nc.gw.tep6_set = true;
	memcpy(nc.control_socket, d->conf.control_socket,
	    sizeof(nc.control_socket));
	memcpy(nc.pid_file, d->conf.pid_file, sizeof(nc.pid_file));
	gwd_conf_free(&d->conf);
	d->conf = nc;		/* gwsvc points at d->conf: same place */
	snprintf(msg, len, "configuration reloaded: %u pool range%s, %u "
	    "allowed server%s%s%s%s%s", nc.n_pools, nc.n_pools == 1 ? "" : "s",
	    nc.n_allow, nc.n_allow == 1 ? "" : "s", !hairpin_moved ? "" :
	    !hairpin_ok ? "; hairpin = no refused: the ip6tnl backend "
	    "cannot drop client-to-client traffic" :
	    nc.gw.hairpin ? "; hairpin = yes in force" :
	    "; hairpin = no in force", route_err ? "; a pool "
	    "route could not be added (see the log)" : "", restart ?
	    "; listen, port, tep6, tep4, icmp-source, mtu, mss-clamp, "
	    "ifname, control-socket and pid-file changes take effect at "
	    "restart" : "", aftr_kept ? "; [aftr] changes take effect at "
	    "restart" : "");
	log_info("%s", msg);
	return 0;
refused:
	log_warnx("%s", msg);
	return -1;
}

static int
ctl_reload(char *msg, size_t len)
{
	return gwd_reload(gwd, msg, len);
}

static void
event_loop(struct gwd *d)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;

	while (!d->want_exit) {
		int nsvc = svc_max_pollfd, n, ready;

		if ((size_t)nsvc + 1 > cap) {
			cap = (size_t)nsvc + 16;
			if ((pfd = reallocarray(pfd, cap, sizeof(*pfd))) ==
			    NULL)
				fatal("poll array");
		}
		memcpy(pfd, svc_pollfd, (size_t)nsvc * sizeof(*pfd));
		pfd[nsvc].fd = d->sfd;
		pfd[nsvc].events = POLLIN;
		pfd[nsvc].revents = 0;
		if ((n = poll(pfd, (nfds_t)nsvc + 1, 1000)) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[nsvc].revents & POLLIN)
			handle_signals(d);
		gwsvc_log_flush(&d->svc);
		/* svc_getreq_poll stops after `ready` of its own fds */
		ready = 0;
		for (int i = 0; i < nsvc; i++)
			ready += pfd[i].fd >= 0 && pfd[i].revents != 0;
		if (ready > 0)
			svc_getreq_poll(pfd, ready);
		if (d->want_reload) {
			char msg[DSTM_MAX_MSG];

			d->want_reload = false;
			daemon_notify("RELOADING=1");
			(void)gwd_reload(d, msg, sizeof(msg));
			daemon_notify("READY=1");
		}
	}
	free(pfd);
}

/* After start-up, before the data-plane thread: the user of -u, with
 * CAP_NET_ADMIN (the pool routes follow a reload; the tc programs are
 * detached at exit) and CAP_BPF where the kernel checks it on map
 * updates (README "Privileges"). */
static void
drop_privileges(struct gwd *d, const struct priv_user *u)
{
	uint64_t caps = PRIV_CAP(CAP_NET_ADMIN);
	char err[256], c[128];

	if (u->keep_root) {
		log_info("running as root with every capability (-u %s), "
		    "without seccomp", u->name);
		return;
	}
	if (strcmp(gw_backend_name(d->gw), "bpf") == 0 && priv_bpf_needs_cap())
		caps |= PRIV_CAP(CAP_BPF);
	if (priv_drop(u, caps, err, sizeof(err)) != 0)
		fatalx("cannot drop privileges: %s", err);
	if (sandbox_enter(SANDBOX_DSTMGWD, err, sizeof(err)) != 0)
		fatalx("cannot enter the sandbox: %s", err);
	log_info("running as %s (uid %u), capabilities: %s; seccomp on",
	    u->name, (unsigned)getuid(), priv_caps_str(caps, c, sizeof(c)));
}

int
main(int argc, char **argv)
{
	static struct gwd d;
	struct daemon_opts o = {
		.conf_path = DSTM_SYSCONFDIR "/dstmgwd.conf",
		.user = PRIV_DEFAULT_USER,
	};
	struct priv_user u;
	struct gw_config gc;
	char err[CONF_ERRLEN];
	int pidfd, rc;
	int maxrec = MAX_RPC_REC;

	if (dstm_version_asked(argc, argv))
		return dstm_print_version(stdout, "dstmgwd");
	if (daemon_getopt(argc, argv, &o) != 0)
		usage();
	if (gwd_conf_load(o.conf_path, &d.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "dstmgwd: %s\n", err);
		return 1;
	}
	if (o.check) {
		gwd_conf_print(stdout, &d.conf);
		gwd_conf_free(&d.conf);
		return 0;
	}
	if (priv_lookup(o.user, &u, err, sizeof(err)) != 0) {
		fprintf(stderr, "dstmgwd: %s\n", err);
		return 1;
	}
	log_init(o.foreground, o.verbose, "dstmgwd");
	d.ctl_fd = -1;
	/* absolute: the daemon changes to / before a reload reads it */
	if (realpath(o.conf_path, d.conf_path) == NULL)
		snprintf(d.conf_path, sizeof(d.conf_path), "%s", o.conf_path);
	gwd = &d;
	gwctl_reload = ctl_reload;

	/* what needs privileges and can fail, before detaching */
	gw_config_init(&gc, &d.conf.gw, gwd_conf_tep6(&d.conf), d.conf.pools,
	    d.conf.n_pools);
	gc.table_by_sync = true;	/* from the server, after a restart */
	gw_config_aftr(&gc, &d.conf.aftr);
	if ((rc = gw_open(&gc, &d.gw)) != 0)
		fatalx("cannot open the gateway: %s", strerror(-rc));
	gwsvc_init(&d.svc, d.gw, &d.conf);
	gwsvc = &d.svc;
	rpc_control(RPC_SVC_CONNMAXREC_SET, &maxrec);
	for (unsigned i = 0; i < d.conf.n_listen; i++)
		if (listen_gw(&d.conf.listen[i], d.conf.port) != 0)
			fatalx("cannot listen on port %u", d.conf.port);
	if ((d.ctl_fd = ctlsock_open(d.conf.control_socket, 0600,
	    u.keep_root ? (uid_t)-1 : u.uid, u.keep_root ? (gid_t)-1 : u.gid,
	    DSTM_CTL_PROG, DSTM_CTL_V1, gwctl_dispatch)) < 0)
		fatalx("cannot open the control socket %s: %s",
		    d.conf.control_socket, strerror(-d.ctl_fd));
	if (ctlsock_also(d.ctl_fd, DSTM_AFTR_CTL_PROG, DSTM_AFTR_CTL_V1,
	    gwctl_aftr_dispatch) != 0)
		fatalx("control socket: cannot serve the AFTR program");
	if ((d.sfd = daemon_start(o.foreground, d.conf.pid_file, &pidfd)) < 0)
		fatalx("cannot start the daemon: %s", strerror(-d.sfd));
	drop_privileges(&d, &u);
	/* threads do not survive fork: start the data plane after it */
	if ((rc = gw_start(d.gw)) != 0)
		fatalx("cannot start the data plane: %s", strerror(-rc));
	log_info("started: %u pool range%s, %u allowed server%s, generation "
	    "0, waiting for a SYNC", d.conf.n_pools,
	    d.conf.n_pools == 1 ? "" : "s", d.conf.n_allow,
	    d.conf.n_allow == 1 ? "" : "s");
	daemon_notify("READY=1");

	event_loop(&d);

	log_info("shutting down");
	daemon_notify("STOPPING=1");
	gw_close(d.gw);
	if (d.ctl_fd >= 0)
		unlink(d.conf.control_socket);
	pidfile_remove(d.conf.pid_file, pidfd);
	svc_exit();
	gwsvc = NULL;
	gwsvc_free(&d.svc);
	gwd_conf_free(&d.conf);
	close(d.sfd);
	return 0;
}
