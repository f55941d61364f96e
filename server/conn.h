/* conn.h - rpcdstmd's limits on connections (tcp6 and the control
 * socket's): one that completes no request for `idle` seconds is closed
 * (idle, half-sent and trickling alike), and one source /64 holds at
 * most `per_prefix` at once (the newest over the cap is closed at once).
 *
 * libtirpc owns the transports and offers no way to reach one by its
 * descriptor, so the loop tells us what it sees: conn_scan() compares
 * libtirpc's descriptor table with ours after each round's reads and
 * accepts, conn_active() marks a transport that completed a request.
 * A transport is closed by putting /dev/null under its descriptor
 * (dup2) and letting libtirpc read it: end of file, so libtirpc
 * destroys the transport itself, and no request is read on the way.
 *
 * The event loop waits on an epoll set: conn.c adds each connection it
 * adopts (a closed descriptor leaves the set by itself), so a round costs
 * what is ready, not what is open.  A cap on all connections, below the
 * point where libtirpc's own reaper would start closing connections
 * during an accept (four fifths of the descriptor limit), makes room
 * before each accept by closing the least recently active connection:
 * descriptors then change only where the loop can see it. */
#ifndef DSTM_CONN_H
#define DSTM_CONN_H

#include <stdint.h>

struct pollfd;
struct fdset;

#define CONN_IDLE_DEFAULT	30	/* seconds */
#define CONN_PER_PREFIX_DEFAULT	256
#define CONN_PREFIX_LEN		64	/* bits; a site's LAN */

struct conn_limits {
	unsigned	idle_s;		/* 0: never closed for idleness */
	unsigned	per_prefix;	/* 0: no cap */
};

/* Before the privilege drop (opens /dev/null); epfd: the loop's epoll
 * set, where adopted connections go.  0 or -errno. */
int  conn_setup(const struct conn_limits *l, int epfd);
/* At most `max` connections at once (0: no cap). */
void conn_set_cap(unsigned max);
/* Before an accept, `pending` accepted since the last conn_scan(): close
 * the least recently active connection when at the cap. */
void conn_make_room(unsigned pending);
/* After a round: forget the transports libtirpc closed, adopt the new
 * ones (closing those over their prefix's cap).  svc, n: libtirpc's
 * svc_pollfd and svc_max_pollfd; own: descriptors that are not
 * connections (listeners, UDP transports).  Call it only when no reply
 * is held. */
void conn_scan(const struct pollfd *svc, int n, const struct fdset *own,
	int64_t now_ms);
/* `fd` completed a request now. */
void conn_active(int fd, int64_t now_ms);
/* Close the connections idle past the timeout (at most once a second);
 * when no reply is held, right after a conn_scan(). */
void conn_expire(int64_t now_ms);
/* counters for `dstmctl stats` */
void conn_counters(void (*fn)(void *arg, const char *name, uint64_t v),
	void *arg);
void conn_free(void);

#endif
