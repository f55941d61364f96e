/* pump.c - the TUN + raw socket loop; see pump.h. */
#include "kernel/pump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/clock.h"

static void
drain(struct pump *p, int fd)
{
	int k;

	if (fd == p->raw_fd) {
		k = raw6_recv_batch(p->raw_fd, p->rp, PUMP_BATCH);
		for (int i = 0; i < k; i++)
			if (!p->rp[i].truncated)
				p->ops->from_raw(p->arg, &p->rp[i]);
	} else if (fd == p->tun_fd) {
		k = tun_read_batch(p->tun_fd, p->tp, PUMP_BATCH);
		if (k > 0)
			p->ops->from_tun(p->arg, p->tp, k);
	}
}

static void *
pump_thread(void *arg)
{
	struct pump *p = arg;
	struct epoll_event ev[4];
	int64_t next_tick = clock_mono_ms() + PUMP_TICK_MS;

	for (;;) {
		int64_t wait = next_tick - clock_mono_ms();
		int n = epoll_wait(p->ep_fd, ev, 4, p->ops->tick == NULL ? -1 :
		    wait < 0 ? 0 : (int)wait);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int e = 0; e < n; e++) {
			if (ev[e].data.fd == p->stop_fd)
				return NULL;
			drain(p, ev[e].data.fd);
		}
		if (p->ops->tick != NULL) {
			int64_t now = clock_mono_ms();

			if (now >= next_tick) {
				p->ops->tick(p->arg, now);
				next_tick = now + PUMP_TICK_MS;
			}
		}
	}
}

static int
watch(struct pump *p, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(p->ep_fd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int
pump_start(struct pump *p, int tun_fd, int raw_fd,
    const struct pump_ops *ops, void *arg)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->ep_fd = p->stop_fd = -1;
	p->tun_fd = tun_fd;
	p->raw_fd = raw_fd;
	p->ops = ops;
	p->arg = arg;
	p->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->ep_fd < 0 || p->stop_fd < 0) {
		rc = -errno;
		goto fail;
	}
	if ((p->buf = malloc((size_t)2 * PUMP_BATCH * PUMP_PKT_MAX)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (int i = 0; i < PUMP_BATCH; i++) {
		p->rp[i].buf = p->buf + (size_t)i * PUMP_PKT_MAX;
		p->rp[i].cap = PUMP_PKT_MAX;
		p->tp[i].buf = p->buf + (size_t)(PUMP_BATCH + i) * PUMP_PKT_MAX;
		p->tp[i].cap = PUMP_PKT_MAX;
	}
	if ((rc = watch(p, tun_fd)) != 0 || (rc = watch(p, raw_fd)) != 0 ||
	    (rc = watch(p, p->stop_fd)) != 0)
		goto fail;
	if ((rc = pthread_create(&p->thread, NULL, pump_thread, p)) != 0) {
		rc = -rc;
		goto fail;
	}
	p->running = true;
	return 0;
fail:
	pump_stop(p);
	return rc;
}

void
pump_stop(struct pump *p)
{
	uint64_t one = 1;

	if (p->running) {
		/* fails only when the counter would overflow: the thread
		 * is woken either way */
		ssize_t r = write(p->stop_fd, &one, sizeof(one));

		(void)r;
		pthread_join(p->thread, NULL);
		p->running = false;
	}
	if (p->ep_fd >= 0)
		close(p->ep_fd);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	p->ep_fd = p->stop_fd = -1;
	free(p->buf);
	p->buf = NULL;
}
