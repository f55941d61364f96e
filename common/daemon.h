/* daemon.h - pidfile and detaching, shared by the daemons. */
#ifndef DSTM_DAEMON_H
#define DSTM_DAEMON_H

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

#endif
