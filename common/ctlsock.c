/* ctlsock.c - RPC over a local UNIX socket. */
#include "common/ctlsock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

/* the transports ctlsock_open made, for ctlsock_also */
#define CTLSOCK_MAX	4
static struct {
	int	 fd;
	SVCXPRT	*xprt;
} socks[CTLSOCK_MAX];
static unsigned n_socks;

int
ctlsock_also(int fd, rpcprog_t prog, rpcvers_t vers,
    void (*dispatch)(struct svc_req *, SVCXPRT *))
{
	for (unsigned i = 0; i < n_socks; i++) {
		if (socks[i].fd != fd)
			continue;
		if (!svc_reg(socks[i].xprt, prog, vers, dispatch, NULL)) {
			log_warnx("control socket: svc_reg of program %lu "
			    "failed", (unsigned long)prog);
			return -EEXIST;
		}
		return 0;
	}
	return -EBADF;
}

int
ctlsock_open(const char *path, unsigned mode, uid_t dir_uid, gid_t dir_gid,
    rpcprog_t prog, rpcvers_t vers,
    void (*dispatch)(struct svc_req *, SVCXPRT *))
{
	struct sockaddr_un sun;
	SVCXPRT *xprt = NULL;
	char dir[sizeof(sun.sun_path)], *slash;
	bool bound = false;
	mode_t old;
	int fd, rc = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0) {
			if ((dir_uid != (uid_t)-1 || dir_gid != (gid_t)-1) &&
			    chown(dir, dir_uid, dir_gid) != 0)
				log_warn("chown %s", dir);
		} else if (errno != EEXIST) {
			log_warn("mkdir %s", dir);
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		rc = -errno;
		log_warn("control socket %s", path);
		return rc;
	}
	/* a live daemon answers on it: do not steal its socket */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_warnx("%s: another daemon is listening", path);
		rc = -EADDRINUSE;
		goto out;
	}
	unlink(path);
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		rc = -errno;
	umask(old);
	if (rc != 0) {
		log_warnx("bind %s: %s", path, strerror(-rc));
		goto out;
	}
	bound = true;
	if (chmod(path, (mode_t)mode) != 0)
		log_warn("chmod %s", path);
	if (listen(fd, 16) != 0) {
		rc = -errno;
		log_warn("listen %s", path);
		goto out;
	}
	if ((xprt = svc_vc_create(fd, 0, 0)) == NULL) {
		log_warnx("control socket %s: cannot serve", path);
		rc = -ENOMEM;
		goto out;
	}
	if (!svc_reg(xprt, prog, vers, dispatch, NULL)) {
		log_warnx("control socket %s: svc_reg failed", path);
		rc = -EEXIST;
		goto out;
	}
out:
	if (rc == 0) {
		if (n_socks < CTLSOCK_MAX) {
			socks[n_socks].fd = fd;
			socks[n_socks++].xprt = xprt;
		}
		return fd;
	}
	if (xprt != NULL)
		svc_destroy(xprt);	/* closes fd */
	else
		close(fd);
	if (bound)
		unlink(path);
	return rc;
}

bool
ctlsock_is_local(SVCXPRT *xprt)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(xprt->xp_fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	return ss.ss_family == AF_UNIX;
}
