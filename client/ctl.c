/* ctl.c - connect with a deadline, then hand the connected socket to
 * libtirpc (clnt_vc_create / clnt_dg_create): its own connect has no
 * timeout, and its rpcbind lookup allows a minute. */
#include "client/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"

#define RPCBIND_PORT	111

/* connect(2) that gives up after timeout_ms; -1 with errno on failure. */
static int
connect_timed(int fd, const struct sockaddr *sa, socklen_t salen,
    int timeout_ms)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int flags, err = 0, rc = -1, left;
	socklen_t elen = sizeof(err);

	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	for (;;) {
		if (connect(fd, sa, salen) == 0) {
			rc = 0;
			break;
		}
		left = (int)(deadline - clock_mono_ms());
		if (errno == EAGAIN && sa->sa_family == AF_UNIX) {
			/* listen backlog full: AF_UNIX does not queue us */
			if (left <= 0) {
				errno = ETIMEDOUT;
				break;
			}
			poll(NULL, 0, left < 10 ? left : 10);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EINPROGRESS)
			break;
		while ((rc = poll(&pfd, 1, left > 0 ? left : 0)) < 0 &&
		    errno == EINTR)
			left = (int)(deadline - clock_mono_ms());
		if (rc == 0)
			errno = ETIMEDOUT;
		else if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
		    &elen) == 0 && err != 0)
			errno = err;
		rc = rc > 0 && err == 0 ? 0 : -1;
		break;
	}
	if (fcntl(fd, F_SETFL, flags) < 0)
		rc = -1;
	return rc;
}

static void
set_timeout(CLIENT *cl, int timeout_ms)
{
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};

	/* overrides the 25 s that rpcgen's stubs pass */
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tv);
}

static const char *
createerr(char *buf, size_t len)
{
	enum clnt_stat st = rpc_createerr.cf_stat;
	int e = rpc_createerr.cf_error.re_errno;

	if (st == RPC_SYSTEMERROR && e != 0)
		snprintf(buf, len, "%s", strerror(e));
	else
		snprintf(buf, len, "%s", clnt_sperrno(st));
	return buf;
}

int
ctl_open_unix(CLIENT **clp, const char *path, rpcprog_t prog, rpcvers_t vers,
    int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct netbuf nb;
	CLIENT *cl;
	char why[128];
	int fd, e;

	*clp = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect_timed(fd, (struct sockaddr *)&sun, sizeof(sun),
	    timeout_ms) != 0) {
		e = errno;
		snprintf(err, errlen, "cannot connect to %s: %s%s", path,
		    strerror(e), e == ENOENT || e == ECONNREFUSED ?
		    " (is rpcdstmd running?)" : e == EACCES || e == EPERM ?
		    " (the socket's mode limits who may use it)" : "");
		close(fd);
		return -1;
	}
	nb.buf = &sun;
	nb.len = nb.maxlen = sizeof(sun);
	if ((cl = clnt_vc_create(fd, &nb, prog, vers, 0, 0)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, createerr(why,
		    sizeof(why)));
		close(fd);
		return -1;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	set_timeout(cl, timeout_ms);
	*clp = cl;
	return 0;
}

/* The numeric address, with %scope when it has one. */
static const char *
sa6_host(const struct sockaddr_in6 *sa, char *buf, size_t len)
{
	if (getnameinfo((const struct sockaddr *)sa, sizeof(*sa), buf, len,
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
	return buf;
}

static const char *
sa6_str(const struct sockaddr_in6 *sa, char *buf, size_t len)
{
	char host[NI_MAXHOST];

	snprintf(buf, len, "[%s]:%u", sa6_host(sa, host, sizeof(host)),
	    ntohs(sa->sin6_port));
	return buf;
}

/* A socket to sa on tcp6 (connected, with the deadline) or udp6. */
static int
socket_to(const struct sockaddr_in6 *sa, bool udp, int timeout_ms)
{
	int fd, e;

	fd = socket(AF_INET6, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return -1;
	/* a connected UDP socket reports ICMP port unreachable */
	if (connect_timed(fd, (const struct sockaddr *)sa, sizeof(*sa),
	    timeout_ms) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static CLIENT *
client_on(int fd, const struct sockaddr_in6 *sa, bool udp, rpcprog_t prog,
    rpcvers_t vers)
{
	struct netbuf nb;
	CLIENT *cl;

	nb.buf = (void *)sa;
	nb.len = nb.maxlen = sizeof(*sa);
	cl = udp ? clnt_dg_create(fd, &nb, prog, vers, 0, 0) :
	    clnt_vc_create(fd, &nb, prog, vers, 0, 0);
	if (cl != NULL)
		clnt_control(cl, CLSET_FD_CLOSE, NULL);
	return cl;
}

/* RPCBPROC_GETADDR (rpcbind v3) on sa's host: the port of prog/vers on
 * the same transport.  0, or -1 with a message. */
static int
rpcbind_port(const struct sockaddr_in6 *sa, bool udp, rpcprog_t prog,
    rpcvers_t vers, int timeout_ms, uint16_t *port, char *err, size_t errlen)
{
	struct sockaddr_in6 rb = *sa;
	struct timeval tv = { timeout_ms / 1000, timeout_ms % 1000 * 1000 };
	char where[NI_MAXHOST + 16], why[128], *uaddr = NULL, *dot;
	const char *netid = udp ? "udp6" : "tcp6";
	unsigned long hi, lo;
	enum clnt_stat cs;
	RPCB parms;
	CLIENT *cl;
	int fd, rc = -1;

	rb.sin6_port = htons(RPCBIND_PORT);
	sa6_str(&rb, where, sizeof(where));
	if ((fd = socket_to(&rb, udp, timeout_ms)) < 0) {
		snprintf(err, errlen, "cannot reach rpcbind at %s/%s: %s "
		    "(is rpcbind running there? else give the port with -p)",
		    where, netid, strerror(errno));
		return -1;
	}
	if ((cl = client_on(fd, &rb, udp, RPCBPROG, RPCBVERS)) == NULL) {
		snprintf(err, errlen, "rpcbind at %s/%s: %s", where, netid,
		    createerr(why, sizeof(why)));
		close(fd);
		return -1;
	}
	set_timeout(cl, timeout_ms);
	memset(&parms, 0, sizeof(parms));
	parms.r_prog = prog;
	parms.r_vers = vers;
	parms.r_netid = (char *)netid;
	parms.r_addr = (char *)"";
	parms.r_owner = (char *)"";
	cs = clnt_call(cl, RPCBPROC_GETADDR, (xdrproc_t)xdr_rpcb,
	    (caddr_t)&parms, (xdrproc_t)xdr_wrapstring, (caddr_t)&uaddr, tv);
	if (cs != RPC_SUCCESS) {
		snprintf(err, errlen, "rpcbind at %s/%s: %s (is rpcbind "
		    "running there? else give the port with -p)", where, netid,
		    ctl_strerror(cl, cs, why, sizeof(why)));
		goto out;
	}
	if (uaddr == NULL || *uaddr == '\0') {
		snprintf(err, errlen, "program 0x%lx version %lu is not "
		    "registered with rpcbind at %s for %s (is the server "
		    "running? else give its port with -p)",
		    (unsigned long)prog, (unsigned long)vers, where, netid);
		goto out;
	}
	/* universal address "h.h.h.h...p1.p2": the port is p1 * 256 + p2 */
	if ((dot = strrchr(uaddr, '.')) == NULL || dot == uaddr)
		goto bad;
	lo = strtoul(dot + 1, NULL, 10);
	*dot = '\0';
	if ((dot = strrchr(uaddr, '.')) == NULL)
		goto bad;
	hi = strtoul(dot + 1, NULL, 10);
	if (hi > 255 || lo > 255 || (hi == 0 && lo == 0))
		goto bad;
	*port = (uint16_t)(hi << 8 | lo);
	rc = 0;
	goto out;
bad:
	snprintf(err, errlen, "rpcbind at %s/%s: malformed address in the "
	    "reply", where, netid);
out:
	clnt_freeres(cl, (xdrproc_t)xdr_wrapstring, (caddr_t)&uaddr);
	clnt_destroy(cl);
	return rc;
}

int
ctl_open_net(CLIENT **clp, const char *host, uint16_t port, bool udp,
    rpcprog_t prog, rpcvers_t vers, int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_in6 sa;
	const char *netid = udp ? "udp6" : "tcp6";
	char where[NI_MAXHOST + 16], why[128], num[NI_MAXHOST];
	uint16_t p;
	CLIENT *cl;
	bool named;
	int rc, fd;

	*clp = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s to an IPv6 address: "
		    "%s", host, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
		return -1;
	}
	snprintf(err, errlen, "%s: no IPv6 address", host);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET6 ||
		    ai->ai_addrlen != sizeof(sa))
			continue;
		memcpy(&sa, ai->ai_addr, sizeof(sa));
		p = port;
		if (p == 0 && rpcbind_port(&sa, udp, prog, vers, timeout_ms,
		    &p, err, errlen) != 0)
			continue;
		sa.sin6_port = htons(p);
		sa6_str(&sa, where, sizeof(where));
		if ((fd = socket_to(&sa, udp, timeout_ms)) < 0) {
			/* name the host too when it was not a literal */
			named = strcmp(host, sa6_host(&sa, num,
			    sizeof(num))) != 0;
			snprintf(err, errlen, "cannot connect to %s%s%s/%s: %s",
			    named ? host : "", named ? " " : "", where, netid,
			    strerror(errno));
			continue;
		}
		if ((cl = client_on(fd, &sa, udp, prog, vers)) == NULL) {
			snprintf(err, errlen, "%s/%s: %s", where, netid,
			    createerr(why, sizeof(why)));
			close(fd);
			continue;
		}
		set_timeout(cl, timeout_ms);
		*clp = cl;
		break;
	}
	freeaddrinfo(res);
	return *clp != NULL ? 0 : -1;
}

enum clnt_stat
ctl_call(CLIENT *cl, rpcproc_t proc, xdrproc_t xdr_arg, void *arg,
    xdrproc_t xdr_res, void *res)
{
	/* xdr_void takes no arguments: cast through void (*)(void), as
	 * -Wcast-function-type allows */
	xdrproc_t none = (xdrproc_t)(void (*)(void))xdr_void;
	/* rpcgen's stubs pass the same; set_timeout's CLSET_TIMEOUT wins */
	struct timeval tv = { .tv_sec = 25 };

	if (xdr_arg == NULL)
		xdr_arg = none;
	if (xdr_res == NULL)
		xdr_res = none;
	return clnt_call(cl, proc, xdr_arg, arg, xdr_res, res, tv);
}

const char *
ctl_peer(CLIENT *cl, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, type = 0;
	socklen_t tl = sizeof(type);

	snprintf(buf, len, "?");
	if (cl == NULL || !clnt_control(cl, CLGET_FD, (char *)&fd) ||
	    getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return buf;
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		snprintf(buf, len, "%.*s", (int)(sl - offsetof(struct
		    sockaddr_un, sun_path)), sun->sun_path);
	} else if (ss.ss_family == AF_INET6) {
		char a[NI_MAXHOST + 16];

		snprintf(buf, len, "%s/%s", sa6_str((struct sockaddr_in6 *)&ss,
		    a, sizeof(a)), type == SOCK_DGRAM ? "udp6" : "tcp6");
	}
	return buf;
}

const char *
ctl_strerror(CLIENT *cl, enum clnt_stat cs, char *buf, size_t len)
{
	struct rpc_err re;

	memset(&re, 0, sizeof(re));
	re.re_status = cs;
	if (cl != NULL)
		clnt_geterr(cl, &re);
	switch (cs) {
	case RPC_CANTSEND:
	case RPC_CANTRECV:
	case RPC_SYSTEMERROR:
		if (re.re_errno != 0) {
			snprintf(buf, len, "%s: %s", clnt_sperrno(cs),
			    strerror(re.re_errno));
			break;
		}
		snprintf(buf, len, "%s", clnt_sperrno(cs));
		break;
	case RPC_PROGUNAVAIL:
		snprintf(buf, len, "%s (it does not serve this program)",
		    clnt_sperrno(cs));
		break;
	case RPC_PROGVERSMISMATCH:
		snprintf(buf, len, "%s (it serves versions %lu to %lu)",
		    clnt_sperrno(cs), (unsigned long)re.re_vers.low,
		    (unsigned long)re.re_vers.high);
		break;
	default:
		snprintf(buf, len, "%s", clnt_sperrno(cs));
		break;
	}
	return buf;
}

void
ctl_close(CLIENT *cl)
{
	if (cl != NULL)
		clnt_destroy(cl);
}
