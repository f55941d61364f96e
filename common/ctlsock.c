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

int
ctlsock_open(const char *path, unsigned mode, rpcprog_t prog, rpcvers_t vers,
    void (*dispatch)(struct svc_req *, SVCXPRT *))
{
	struct sockaddr_un sun;
	SVCXPRT *xprt;
	char dir[sizeof(sun.sun_path)], *slash;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: control socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			log_warn("mkdir %s", dir);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* a live daemon answers on it: do not steal its socket */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_warnx("%s: another daemon is listening", path);
		close(fd);
		return -1;
	}
	unlink(path);
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		log_warn("bind %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, (mode_t)mode) != 0)
		log_warn("chmod %s", path);
	if (listen(fd, 16) != 0 || (xprt = svc_vc_create(fd, 0, 0)) == NULL) {
		log_warnx("control socket %s: cannot serve", path);
		close(fd);
		unlink(path);
		return -1;
	}
	if (!svc_reg(xprt, prog, vers, dispatch, NULL)) {
		log_warnx("control socket %s: svc_reg failed", path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
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
