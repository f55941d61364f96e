/* tunnel.c - rpcd's data plane; see tunnel.h. */
#include "client/tunnel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "gateway/inet.h"
#include "kernel/raw6.h"
#include "kernel/tun.h"

#define PKT_MAX		65536
#define BATCH		32

static const char *const counter_names[TC_COUNT] = {
	[TC_TX_PKTS] = "tunnel.tx.packets",
	[TC_TX_BYTES] = "tunnel.tx.bytes",
	[TC_RX_PKTS] = "tunnel.rx.packets",
	[TC_RX_BYTES] = "tunnel.rx.bytes",
	[TC_DROP_NOT_TEP] = "tunnel.drop.not-from-tep",
	[TC_DROP_NOT_OURS] = "tunnel.drop.not-our-address",
	[TC_DROP_BAD_SOURCE] = "tunnel.drop.bad-source",
	[TC_DROP_MALFORMED] = "tunnel.drop.malformed",
	[TC_DROP_NO_LEASE] = "tunnel.drop.no-lease",
	[TC_TRIGGERS] = "tunnel.on-demand-triggers",
	[TC_QUEUED] = "tunnel.queued",
};

const char *
tunnel_counter_name(enum tun_counter c)
{
	return (unsigned)c < TC_COUNT ? counter_names[c] : "?";
}

static void
count(struct tunnel *t, enum tun_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&t->ctr[c], n, memory_order_relaxed);
}

/* Rewrite the IPv4 source or destination, fixing the header checksum and
 * the TCP/UDP checksum incrementally (RFC 1624).  Later fragments carry
 * no transport header; the first one's checksum covers the pseudo-header. */
static void
rewrite_addr(uint8_t *pkt, size_t len, bool src, uint32_t to)
{
	size_t off = src ? 12 : 16, ihl = (size_t)(pkt[0] & 15) * 4;
	uint8_t old[4], nb[4];
	uint16_t frag = (uint16_t)(pkt[6] << 8 | pkt[7]);
	size_t csum_at = 0;

	memcpy(old, pkt + off, 4);
	addr4_to_bytes(to, nb);
	for (int i = 0; i < 4; i += 2) {
		uint16_t o = (uint16_t)(old[i] << 8 | old[i + 1]);
		uint16_t n = (uint16_t)(nb[i] << 8 | nb[i + 1]);
		uint16_t c = (uint16_t)(pkt[10] << 8 | pkt[11]);

		c = inet_csum_adjust(c, o, n);
		pkt[10] = (uint8_t)(c >> 8);
		pkt[11] = (uint8_t)c;
		if ((frag & 0x1fff) != 0)
			continue;
		if (pkt[9] == 6 && len >= ihl + 18)
			csum_at = ihl + 16;
		else if (pkt[9] == 17 && len >= ihl + 8 &&
		    (pkt[ihl + 6] | pkt[ihl + 7]) != 0)
			csum_at = ihl + 6;	/* UDP checksum 0 = none */
		if (csum_at != 0) {
			c = (uint16_t)(pkt[csum_at] << 8 | pkt[csum_at + 1]);
			c = inet_csum_adjust(c, o, n);
			if (pkt[9] == 17 && c == 0)
				c = 0xffff;
			pkt[csum_at] = (uint8_t)(c >> 8);
			pkt[csum_at + 1] = (uint8_t)c;
		}
	}
	memcpy(pkt + off, nb, 4);
}

static bool
ipv4_sane(const uint8_t *pkt, size_t len)
{
	struct ipv4_info ii;

	return len >= 20 && pkt[0] >> 4 == 4 && ipv4_parse(pkt, len, &ii) == 0;
}

static int
send_tep(struct tunnel *t, uint8_t *pkt, size_t len, const struct in6_addr *tep)
{
	struct raw6_pkt p;

	memset(&p, 0, sizeof(p));
	p.buf = pkt;
	p.len = len;
	p.dst = *tep;
	if (raw6_send(t->raw_fd, &p) != 0)
		return -1;
	count(t, TC_TX_PKTS, 1);
	count(t, TC_TX_BYTES, len);
	return 0;
}

/* Checks and rewrites one outgoing packet; 0 when it may go to *tep. */
static int
out_prepare(struct tunnel *t, uint8_t *pkt, size_t len, struct in6_addr *tep)
{
	struct in6_addr tep6;
	uint32_t addr, src;
	char *copy;

	if (!ipv4_sane(pkt, len)) {
		count(t, TC_DROP_MALFORMED, 1);
		return -1;
	}
	src = addr4_from_bytes(pkt + 12);
	pthread_mutex_lock(&t->lock);
	addr = t->addr;
	tep6 = t->tep6;
	if (addr == 0) {
		/* no lease yet: keep the packet, wake the control side */
		if (t->placeholder != 0 && t->nq < TUN_QUEUE &&
		    (copy = malloc(len)) != NULL) {
			memcpy(copy, pkt, len);
			t->queue[t->nq] = (uint8_t *)copy;
			t->qlen[t->nq++] = len;
			count(t, TC_QUEUED, 1);
		} else {
			count(t, TC_DROP_NO_LEASE, 1);
		}
		pthread_mutex_unlock(&t->lock);
		if (t->placeholder != 0) {
			uint64_t one = 1;

			count(t, TC_TRIGGERS, 1);
			if (write(t->trigger_fd, &one, sizeof(one)) < 0)
				log_debug("tunnel: trigger: %s", strerror(errno));
		}
		return -1;
	}
	pthread_mutex_unlock(&t->lock);
	if (t->placeholder != 0 && src == t->placeholder)
		rewrite_addr(pkt, len, true, addr);
	else if (src != addr) {
		count(t, TC_DROP_BAD_SOURCE, 1);
		return -1;
	}
	atomic_store(&t->last_activity, (int64_t)time(NULL));
	*tep = tep6;
	return 0;
}

int
tunnel_out(struct tunnel *t, uint8_t *pkt, size_t len)
{
	struct in6_addr tep;

	if (out_prepare(t, pkt, len, &tep) != 0)
		return -1;
	return send_tep(t, pkt, len, &tep);
}

/* A batch read from dti0 leaves in one sendmmsg. */
static void
out_batch(struct tunnel *t, struct tun_pkt *tp, int k, struct raw6_pkt *rp)
{
	int n = 0, sent;
	uint64_t bytes = 0;

	for (int i = 0; i < k; i++) {
		if (out_prepare(t, tp[i].buf, tp[i].len, &rp[n].dst) != 0)
			continue;
		memset(&rp[n].src, 0, sizeof(rp[n].src));
		rp[n].buf = tp[i].buf;
		rp[n].len = tp[i].len;
		n++;
	}
	if (n == 0 || (sent = raw6_send_batch(t->raw_fd, rp, (unsigned)n)) <= 0)
		return;
	for (int i = 0; i < sent; i++)
		bytes += rp[i].len;
	count(t, TC_TX_PKTS, (uint64_t)sent);
	count(t, TC_TX_BYTES, bytes);
}

int
tunnel_in(struct tunnel *t, uint8_t *pkt, size_t len,
    const struct in6_addr *src6)
{
	uint32_t addr;
	bool from_tep;

	pthread_mutex_lock(&t->lock);
	addr = t->addr;
	from_tep = memcmp(src6, &t->tep6, sizeof(*src6)) == 0;
	pthread_mutex_unlock(&t->lock);
	if (addr == 0 || !from_tep) {
		count(t, TC_DROP_NOT_TEP, 1);
		return -1;
	}
	if (!ipv4_sane(pkt, len)) {
		count(t, TC_DROP_MALFORMED, 1);
		return -1;
	}
	if (addr4_from_bytes(pkt + 16) != addr) {
		count(t, TC_DROP_NOT_OURS, 1);
		return -1;
	}
	if (t->placeholder != 0)
		rewrite_addr(pkt, len, false, t->placeholder);
	atomic_store(&t->last_activity, (int64_t)time(NULL));
	if (tun_write(t->tun_fd, pkt, len) != 0)
		return -1;
	count(t, TC_RX_PKTS, 1);
	count(t, TC_RX_BYTES, len);
	return 0;
}

static void *
tunnel_thread(void *arg)
{
	struct tunnel *t = arg;
	struct raw6_pkt rp[BATCH], sp[BATCH];
	struct tun_pkt tp[BATCH];
	struct epoll_event ev[4];

	for (int i = 0; i < BATCH; i++) {
		memset(&rp[i], 0, sizeof(rp[i]));
		rp[i].buf = t->buf + (size_t)i * PKT_MAX;
		rp[i].cap = PKT_MAX;
		tp[i].buf = t->buf + (size_t)(BATCH + i) * PKT_MAX;
		tp[i].cap = PKT_MAX;
		tp[i].len = 0;
	}
	for (;;) {
		int n = epoll_wait(t->ep_fd, ev, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int e = 0; e < n; e++) {
			int fd = ev[e].data.fd, k;

			if (fd == t->stop_fd)
				return NULL;
			if (fd == t->raw_fd) {
				k = raw6_recv_batch(t->raw_fd, rp, BATCH);
				for (int i = 0; i < k; i++)
					if (!rp[i].truncated)
						tunnel_in(t, rp[i].buf,
						    rp[i].len, &rp[i].src);
			} else if (fd == t->tun_fd) {
				k = tun_read_batch(t->tun_fd, tp, BATCH);
				if (k > 0)
					out_batch(t, tp, k, sp);
			}
		}
	}
}

int
tunnel_start(struct tunnel *t, int tun_fd, int raw_fd, uint32_t placeholder)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int rc;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->tun_fd = tun_fd;
	t->raw_fd = raw_fd;
	t->placeholder = placeholder;
	t->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->buf = malloc((size_t)2 * BATCH * PKT_MAX);
	if (t->ep_fd < 0 || t->stop_fd < 0 || t->trigger_fd < 0 ||
	    t->buf == NULL)
		return -ENOMEM;
	ev.data.fd = tun_fd;
	epoll_ctl(t->ep_fd, EPOLL_CTL_ADD, tun_fd, &ev);
	ev.data.fd = raw_fd;
	epoll_ctl(t->ep_fd, EPOLL_CTL_ADD, raw_fd, &ev);
	ev.data.fd = t->stop_fd;
	epoll_ctl(t->ep_fd, EPOLL_CTL_ADD, t->stop_fd, &ev);
	if ((rc = pthread_create(&t->thread, NULL, tunnel_thread, t)) != 0)
		return -rc;
	t->running = true;
	return 0;
}

void
tunnel_set_lease(struct tunnel *t, uint32_t addr, const struct in6_addr *tep6)
{
	uint8_t *q[TUN_QUEUE];
	size_t ql[TUN_QUEUE];
	unsigned nq;
	struct in6_addr tep;

	pthread_mutex_lock(&t->lock);
	t->addr = addr;
	if (tep6 != NULL)
		t->tep6 = *tep6;
	tep = t->tep6;
	nq = t->nq;
	memcpy(q, t->queue, sizeof(q));
	memcpy(ql, t->qlen, sizeof(ql));
	t->nq = 0;
	pthread_mutex_unlock(&t->lock);
	/* what waited for the lease goes out first */
	for (unsigned i = 0; i < nq; i++) {
		if (addr != 0) {
			if (t->placeholder != 0 &&
			    addr4_from_bytes(q[i] + 12) == t->placeholder)
				rewrite_addr(q[i], ql[i], true, addr);
			send_tep(t, q[i], ql[i], &tep);
		}
		free(q[i]);
	}
	if (addr != 0)
		atomic_store(&t->last_activity, (int64_t)time(NULL));
}

void
tunnel_stop(struct tunnel *t)
{
	uint64_t one = 1;

	if (t->running) {
		if (write(t->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("tunnel: stop");
		pthread_join(t->thread, NULL);
		t->running = false;
	}
	tunnel_set_lease(t, 0, NULL);	/* frees the queue */
	if (t->tun_fd >= 0)
		tun_close(t->tun_fd);
	if (t->raw_fd >= 0)
		raw6_close(t->raw_fd);
	if (t->ep_fd >= 0)
		close(t->ep_fd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	if (t->trigger_fd >= 0)
		close(t->trigger_fd);
	free(t->buf);
	t->buf = NULL;
	t->tun_fd = t->raw_fd = t->ep_fd = t->stop_fd = t->trigger_fd = -1;
	pthread_mutex_destroy(&t->lock);
}
