/* daemon.h - command line, pidfile, detaching and signals, shared by the
 * daemons. */
#ifndef DSTM_DAEMON_H
#define DSTM_DAEMON_H

#include <stdbool.h>

/* The command line of rpcdstmd and dstmgwd: [-dnv] [-f FILE] [-u USER]
 * and the program's own options. */
struct daemon_opts {
	const char	*conf_path;	/* -f; preset it to the default */
	const char	*user;		/* -u; preset it to the default */
	bool		 foreground;	/* -d: stay attached, log to stderr */
	bool		 check;		/* -n: print the configuration, exit */
	int		 verbose;	/* -v, counted */
	/* more options: getopt letters (with ':' for an argument) and a
	 * function that takes each (0, or -EINVAL: usage) */
	const char	*extra;
	int		(*extra_fn)(int ch, const char *arg, void *ctx);
	void		*extra_ctx;
};

/* Parse argv into `o`: 0, or -EINVAL on an unknown option or an operand
 * (the caller prints its usage). */
int  daemon_getopt(int argc, char **argv, struct daemon_opts *o);

/* Tell systemd (Type=notify) how we are: "READY=1", "RELOADING=1",
 * "STOPPING=1"; nothing when $NOTIFY_SOCKET is not set.  The protocol
 * is one datagram on a UNIX socket (sd_notify(3)); no libsystemd. */
void daemon_notify(const char *state);

/* Write our pid to `path` (O_CREAT, locked); returns the fd, or -errno
 * (-EWOULDBLOCK: another instance holds the lock). */
int  pidfile_create(const char *path);
void pidfile_remove(const char *path, int fd);
/* fork to background, setsid, stdio to /dev/null; 0 in the child, or
 * -errno */
int  daemon_detach(void);

/* Block SIGTERM, SIGINT and SIGHUP (call before creating any thread, so
 * every thread inherits the mask), ignore SIGPIPE, and return a
 * non-blocking signalfd for the three, or -errno. */
int  daemon_signals(void);

/* Start-up common to the daemons, before any thread exists (fork keeps
 * only the caller): unless `foreground`, detach and write `pid_file`
 * (*pidfd gets its fd, or -1 when it cannot be written: logged, not
 * fatal); then daemon_signals().  Returns the signalfd, or -errno. */
int  daemon_start(bool foreground, const char *pid_file, int *pidfd);

#endif
