/* daemon.c - command line, pidfile, detaching and signals. */
#include "common/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

int
daemon_getopt(int argc, char **argv, struct daemon_opts *o)
{
	char opts[64];
	int ch;

	snprintf(opts, sizeof(opts), "df:nu:vh%s", o->extra ? o->extra : "");
	while ((ch = getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case 'd': o->foreground = true; break;
		case 'f': o->conf_path = optarg; break;
		case 'n': o->check = true; break;
		case 'u': o->user = optarg; break;
		case 'v': o->verbose++; break;
		case 'h':
		case '?':
		case ':':
			return -EINVAL;
		default:
			if (o->extra_fn == NULL ||
			    o->extra_fn(ch, optarg, o->extra_ctx) != 0)
				return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

void
daemon_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	size_t n;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (sun.sun_path[0] == '@')	/* abstract namespace */
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) < 0)
		log_debug("sd_notify %s: %s", state, strerror(errno));
	close(fd);
}

int
pidfile_create(const char *path)
{
	char buf[32];
	ssize_t w;
	int fd, n, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* EWOULDBLOCK: another instance holds it */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = -errno;
		goto fail;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((w = write(fd, buf, (size_t)n)) != n) {
		rc = w < 0 ? -errno : -EIO;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return rc;
}

void
pidfile_remove(const char *path, int fd)
{
	if (fd < 0)
		return;
	/* after the privilege drop the directory may not be ours to
	 * change: leave an empty file then, as the lock goes with us */
	if (unlink(path) != 0 && ftruncate(fd, 0) != 0)
		log_debug("pidfile %s: %s", path, strerror(errno));
	close(fd);
}

int
daemon_detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	if ((pid = fork()) < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return -errno;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int
daemon_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	if ((fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return -errno;
	return fd;
}

int
daemon_start(bool foreground, const char *pid_file, int *pidfd)
{
	int rc;

	*pidfd = -1;
	if (!foreground) {
		if ((rc = daemon_detach()) != 0)
			return rc;
		if ((rc = pidfile_create(pid_file)) < 0)
			log_warnx("pidfile %s: %s", pid_file, strerror(-rc));
		else
			*pidfd = rc;
	}
	return daemon_signals();
}
