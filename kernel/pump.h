/* pump.h - the userspace tunnel data plane's loop: one thread that waits
 * on a TUN device and a raw IPPROTO_IPIP socket (epoll) and hands what it
 * reads, in batches of up to PUMP_BATCH packets per wakeup, to the owner's
 * callbacks.  The gateway's tun backend and rpcd's tunnel both run on it. */
#ifndef DSTM_PUMP_H
#define DSTM_PUMP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/raw6.h"
#include "kernel/tun.h"

#define PUMP_BATCH	32
#define PUMP_PKT_MAX	65536

struct pump_ops {
	/* one 4in6 payload (the inner packet) with its outer source;
	 * truncated reads never get here */
	void	(*from_raw)(void *arg, struct raw6_pkt *p);
	/* n >= 1 packets read from the TUN */
	void	(*from_tun)(void *arg, struct tun_pkt *p, int n);
	/* optional: about once a second, busy or idle (PUMP_TICK_MS) */
	void	(*tick)(void *arg, int64_t now_ms);
};

#define PUMP_TICK_MS	1000

struct pump {
	int			 tun_fd, raw_fd;	/* not owned */
	int			 ep_fd, stop_fd;
	const struct pump_ops	*ops;
	void			*arg;
	pthread_t		 thread;
	bool			 running;
	uint8_t			*buf;
	struct raw6_pkt		 rp[PUMP_BATCH];
	struct tun_pkt		 tp[PUMP_BATCH];
};

/* Start the thread.  The fds stay the caller's to close after
 * pump_stop().  0 or -errno. */
int  pump_start(struct pump *p, int tun_fd, int raw_fd,
	const struct pump_ops *ops, void *arg);
/* Stop and join the thread (idempotent; also after a failed start). */
void pump_stop(struct pump *p);

#endif
